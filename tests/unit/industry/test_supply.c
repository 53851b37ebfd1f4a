/*
 * A standard-land parcel on the stock module's supply record: imported
 * from the land-market monitoring system's sheet (CSV here) with its
 * boundary from a Ministry coordinate file, a rectangle of 100 m x 120 m
 * = 12,000 m2 = 18 mu (1 mu = 10000/15 m2), in 360781. The parcel takes
 * the supply's 电子监管号, county and area; a supply that does not exist
 * is refused naming it, and nothing is made.
 */
#include "industry_fixture.h"
#include "stock/stock.h"

#include <math.h>

#define X0 38500000.0
#define Y0 3400000.0

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_on_supply(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  char sp[400], bp[400], coords[2048];
  snprintf(sp, sizeof sp, "%s/供地.csv", e->dir);
  snprintf(bp, sizeof bp, "%s/供地.txt", e->dir);
  write_file(sp, "电子监管号,项目名称,行政区代码,面积(公顷),土地用途,供地方式,成交价款(万元),"
                 "土地使用权人,合同签订日期,约定开工时间\n"
                 "3607812025B00001,电子产业园,360781,1.2,工业用地,挂牌出让,600,"
                 "赣江电子有限公司,2025-03-01,2025-09-01\n");
  /* X (northing) before Y (easting), as the Ministry file writes them. */
  double xs[] = {0, 100, 100, 0, 0}, ys[] = {0, 0, 120, 120, 0};
  int n = snprintf(coords, sizeof coords,
                   "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n"
                   "计量单位=米\n带号=38\n精度=0.001\n转换参数=,,,,,,\n[地块坐标]\n"
                   "5,1.2000,3607812025B00001,3607812025B00001,面,,工业用地,0601,@\n");
  for (int k = 0; k < 5; k++)
    n += snprintf(coords + n, sizeof coords - (size_t)n, "J%d,1,%.3f,%.3f\n", k == 4 ? 1 : k + 1,
                  Y0 + ys[k], X0 + xs[k]);
  write_file(bp, coords);
  lg_stock_import_t o = {.kind = "supplies", .sheet_path = sp, .boundary_path = bp};
  lg_stock_import_result_t r;
  I_OK(lg_stock_import_run(e->s, &o, &r, &err));
  int64_t id = 0;
  lg_industry_parcel_req_t q = {.code = "BZD-2025-01",
                                .name = "电子产业园标准地",
                                .industry = "39",
                                .supply = "3607812025B00001"};
  I_OK(lg_industry_parcel_create(e->s, NULL, &q, &id, &err));
  json_t *p = NULL;
  I_OK(lg_industry_parcel_get(e->s, id, &p, &err));
  assert_string_equal(json_string_value(json_object_get(p, "supply_no")), "3607812025B00001");
  assert_string_equal(json_string_value(json_object_get(p, "division")), "360781");
  assert_near(json_number_value(json_object_get(p, "area_m2")), 12000, 0.01);
  assert_near(json_number_value(json_object_get(p, "mu")), 18, 1e-4);
  json_decref(p);
  q.code = "BZD-2025-02";
  q.supply = "3607812025B09999";
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_parcel_create(e->s, NULL, &q, &id, &err), LG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "3607812025B09999"));
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_parcels"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_on_supply, ienv_setup, ienv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
