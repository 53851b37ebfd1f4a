/*
 * review: the printable HTML page and the XLSX workbook of a report. The
 * workbook is read back by GDAL's XLSX driver (an independent reader),
 * and its class table must hold the same numbers as the JSON report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>

#include "fixture.h"
#include "review/review.h"

static char path[256], xlsx[300];
static lg_store_t *S;
static lg_rules_t *R;
static json_t *REP;

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_reports_%d.gpkg", (int)getpid());
  snprintf(xlsx, sizeof xlsx, "/tmp/lg_test_reports_%d.xlsx", (int)getpid());
  lg_checker_t *c = NULL;
  if (fx_store(path, FX_ALL, &S, &err) || lg_review_rules_current(S, &R, &err) ||
      lg_review_checker_new(S, R, &c, &err))
    return -1;
  char *wkt = fx_rect_wkt(150, 250, 650, 350);
  lg_boundary_t b;
  int rc = lg_review_boundary_from_geom(lg_geom_from_wkt(lg_geo_thread(), wkt, &err), 4526,
                                        "<报告>&测试", &b, &err);
  lg_free(wkt);
  lg_check_opts_t o = {.use = "1001", .type = "industrial", .name = "示范工业园 <一期>"};
  if (rc == 0) rc = lg_review_check(c, &b, &o, &REP, &err);
  lg_review_boundary_fini(&b);
  lg_review_checker_free(c);
  if (rc) fprintf(stderr, "check: %s\n", err.msg);
  return rc;
}

static int teardown(void **state) {
  json_decref(REP);
  lg_review_rules_free(R);
  lg_store_close(S);
  fx_remove(path);
  unlink(xlsx);
  return 0;
}

static void test_html(void **state) {
  lg_buf_t b;
  lg_buf_init(&b);
  lg_review_report_html(REP, &b);
  assert_non_null(strstr(b.data, "<!DOCTYPE html>"));
  assert_non_null(strstr(b.data, "审查结论: 禁止"));
  assert_non_null(strstr(b.data, "勘测定界土地分类面积表"));
  assert_non_null(strstr(b.data, "《土地管理法》第四十四条第二款"));
  assert_non_null(strstr(b.data, "国务院"));
  /* 0101 row: 5,000.00 m2 = 0.5000 ha = 7.50 mu. */
  assert_non_null(
      strstr(b.data, "<td class=n>5,000.00</td><td class=n>0.5000</td><td class=n>7.50</td>"));
  /* Text from the input is escaped, never markup. */
  assert_non_null(strstr(b.data, "示范工业园 &lt;一期&gt;"));
  assert_non_null(strstr(b.data, "&lt;报告&gt;&amp;测试"));
  assert_null(strstr(b.data, "<一期>"));
  lg_buf_fini(&b);
}

static void test_xlsx(void **state) {
  lg_err_t err = {0};
  int rc = lg_review_report_xlsx(REP, xlsx, &err);
  if (rc == LG_EUNSUPPORTED) skip();
  assert_int_equal(rc, 0);
  GDALAllRegister();
  GDALDatasetH ds = GDALOpenEx(xlsx, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  assert_non_null(ds);
  assert_non_null(GDALDatasetGetLayerByName(ds, "概要"));
  assert_non_null(GDALDatasetGetLayerByName(ds, "管控图层叠加"));
  OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "土地分类面积表");
  assert_non_null(lyr);
  /* Find the 0103 row and its area (column 4, square metres). */
  OGRFeatureH f;
  double got = NAN;
  while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
    int n = OGR_F_GetFieldCount(f);
    for (int i = 0; i + 3 < n; i++)
      if (OGR_F_IsFieldSetAndNotNull(f, i) && strcmp(OGR_F_GetFieldAsString(f, i), "0103") == 0)
        got = OGR_F_GetFieldAsDouble(f, i + 3);
    OGR_F_Destroy(f);
  }
  GDALClose(ds);
  assert_true(fabs(got - 10000) < 1e-9);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_html), cmocka_unit_test(test_xlsx)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
