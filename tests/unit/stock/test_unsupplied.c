/*
 * stock: 批而未供, the approved area no supplied parcel covers, as of a
 * day. A small county whose figures are counted by hand (offsets in
 * metres from the fixture's origin, EPSG:4526):
 *
 *   approval A [0,400] x [0,300]     120,000 m2, approved 2018-06-01
 *     S1 [10,110] x [10,110]          10,000 inside          contracted 2019-01-10
 *     S2 [350,450] x [100,200]        crosses the east edge:
 *                                      5,000 inside           2019-05-01
 *     S4 [60,160] x [60,140]          8,000 inside, overlaps S1 by
 *                                      [60,110] x [60,110] = 2,500: the
 *                                      union S1 ∪ S4 is 15,500  2019-06-01
 *     S3 [150,250] x [150,250]        10,000 inside          2021-03-01
 *   approval B [500,700] x [0,200]    40,000 m2, approved 2019-01-01
 *     S6 [490,710] x [-10,210]        contains B              2019-06-01
 *   approval C [800,900] x [300,400]  10,000 m2, approved 2020-01-01, nothing
 *   S5 [1000,1100] x [0,100]          on no approval          2019-02-01
 *
 * As of 2020-12-31: A 120,000 - 15,500 - 5,000 = 99,500 unsupplied; B 0
 * (struck off by the supply of 2019-06-01); C 10,000. As of 2021-03-01,
 * S3 counts too: A 89,500. As of 2018-12-31 only A is approved: 120,000.
 *
 * Then the same computation on a synthetic county of 150 approvals and
 * 450 supplies against GEOS's own difference of each approval and the
 * union of its supplies, computed here from the layers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#include "formats/formats.h"
#include "stock_fixture.h"

typedef struct sup {
  rect_t r;
  const char *contract;
  double declared_ha;
} sup_t;

static const sup_t SUPS[] = {
    {{"3607812019B00001", 10, 10, 110, 110}, "2019-01-10", 1.0},
    {{"3607812019B00002", 350, 100, 450, 200}, "2019-05-01", 1.0},
    {{"3607812021B00003", 150, 150, 250, 250}, "2021-03-01", 1.0},
    {{"3607812019B00004", 60, 60, 160, 140}, "2019-06-01", 0.8},
    {{"3607812019B00005", 1000, 0, 1100, 100}, "2019-02-01", 1.0},
    {{"3607812019B00006", 490, -10, 710, 210}, "2019-06-01", 4.84},
};

static char *poly(double x0, double y0, double x1, double y1) {
  return lg_sprintf("{\"type\":\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],"
                    "[%.1f,%.1f],[%.1f,%.1f]]]}",
                    X0 + x0, Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0,
                    Y0 + y0);
}

static int setup(void **state) {
  env_t *e = calloc(1, sizeof *e);
  env_open(e, "unsup");
  lg_err_t err = {0};
  /* Approvals: a layer as a bureau's file has them, then registered. */
  static const struct {
    const char *no, *day;
    double x0, y0, x1, y1, ha;
  } apps[] = {{"赣府土批〔2018〕7号", "2018-06-01", 0, 0, 400, 300, 12},
              {"赣府土批〔2019〕2号", "2019-01-01", 500, 0, 700, 200, 4},
              {"赣府土批〔2020〕1号", "2020-01-01", 800, 300, 900, 400, 1}};
  lg_buf_t gj;
  lg_buf_init(&gj);
  lg_buf_puts(&gj, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                   "{\"name\":\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":[");
  for (size_t i = 0; i < LG_ARRAY_LEN(apps); i++) {
    char *p = poly(apps[i].x0, apps[i].y0, apps[i].x1, apps[i].y1);
    lg_buf_printf(&gj,
                  "%s{\"type\":\"Feature\",\"properties\":{\"批准文号\":\"%s\",\"批准日期\":\"%s\","
                  "\"批准面积\":%g,\"行政区代码\":\"360781\"},\"geometry\":%s}",
                  i ? "," : "", apps[i].no, apps[i].day, apps[i].ha, p);
    lg_free(p);
  }
  lg_buf_puts(&gj, "]}");
  char *ap = fpath(e, "批文.geojson");
  write_text(ap, gj.data, gj.len);
  lg_buf_fini(&gj);
  lg_formats_import_opts_t io = {.layer = "pw", .role = "approval"};
  lg_formats_import_result_t ir;
  if (lg_formats_import(e->s, ap, &io, &ir, &err) != 0) fail_msg("layer: %s", err.msg);
  lg_stock_import_t o = {.kind = "approvals", .layer = "pw"};
  lg_stock_import_result_t r;
  if (lg_stock_import_run(e->s, &o, &r, &err) != 0) fail_msg("approvals: %s", err.msg);
  /* Supplies: a sheet and a Ministry file. */
  static const char *const hdr[] = {"电子监管号", "项目名称", "行政区代码",   "面积(公顷)",
                                    "土地用途",   "供地方式", "合同签订日期", "约定开工时间"};
  const char *cells[6 * 8];
  rect_t rects[6];
  char ha[6][16], start[6][16];
  for (int i = 0; i < 6; i++) {
    rects[i] = SUPS[i].r;
    snprintf(ha[i], sizeof ha[i], "N:%g", SUPS[i].declared_ha);
    int32_t d;
    lg_date_parse(SUPS[i].contract, &d, NULL);
    snprintf(start[i], sizeof start[i], "D:");
    lg_date_format(d + 180, start[i] + 2);
    const char *row[8] = {SUPS[i].r.no, "某项目",   "360781",         ha[i],
                          "工业用地",   "挂牌出让", SUPS[i].contract, start[i]};
    memcpy(cells + i * 8, row, sizeof row);
  }
  char *sp = fpath(e, "供地.xlsx"), *bp = fpath(e, "供地.txt");
  write_xlsx(sp, hdr, 8, cells, 6);
  write_mtxt(bp, rects, 6);
  lg_stock_import_t so = {.kind = "supplies", .sheet_path = sp, .boundary_path = bp};
  if (lg_stock_import_run(e->s, &so, &r, &err) != 0) fail_msg("supplies: %s", err.msg);
  assert_int_equal(r.created, 6);
  lg_free(ap);
  lg_free(sp);
  lg_free(bp);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env_t *e = *state;
  env_close(e);
  free(e);
  return 0;
}

static json_t *ledger(env_t *e, const char *day) {
  lg_stock_query_t q = {.scope = "all"};
  lg_date_parse(day, &q.as_of, NULL);
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_stock_ledger(e->s, "unsupplied", &q, &o, &err) != 0) fail_msg("ledger: %s", err.msg);
  return o;
}

static const json_t *row_of(const json_t *l, const char *no) {
  size_t i;
  const json_t *r;
  json_array_foreach(
      json_object_get(l, "rows"), i,
      r) if (!strcmp(json_string_value(json_object_get(r, "approval_no")), no)) return r;
  fail_msg("no row %s", no);
  return NULL;
}

static void near(const json_t *v, double want, const char *what) {
  double got = json_number_value(v);
  if (fabs(got - want) > 1e-4) fail_msg("%s: %.6f, want %.6f", what, got, want);
}

static void test_hand_counted(void **state) {
  env_t *e = *state;
  json_t *l = ledger(e, "2020-12-31");
  assert_int_equal(json_array_size(json_object_get(l, "rows")), 3);
  const json_t *a = row_of(l, "赣府土批〔2018〕7号");
  near(json_object_get(a, "approved_ha"), 12.0, "A approved");
  near(json_object_get(a, "unsupplied_ha"), 9.95, "A unsupplied");
  assert_true(json_is_true(json_object_get(a, "open")));
  const json_t *b = row_of(l, "赣府土批〔2019〕2号");
  near(json_object_get(b, "unsupplied_ha"), 0, "B unsupplied");
  assert_false(json_is_true(json_object_get(b, "open")));
  assert_string_equal(json_string_value(json_object_get(b, "struck_act")), "supply");
  assert_string_equal(json_string_value(json_object_get(b, "struck_on")), "2019-06-01");
  near(json_object_get(row_of(l, "赣府土批〔2020〕1号"), "unsupplied_ha"), 1.0, "C unsupplied");
  /* The overlapping pair made GEOS do A; the rest was the fast overlay. */
  const json_t *c = json_object_get(l, "computation");
  assert_true(json_integer_value(json_object_get(c, "geos")) >= 1);
  assert_true(json_integer_value(json_object_get(c, "fast")) >= 4);
  /* Totals: 17 ha approved, 10.95 ha unsupplied; 15 ha approved minus
   * 10.95 unsupplied of 17: digestion (17 - 10.95) / 17. */
  const json_t *t = json_object_get(l, "totals");
  near(json_object_get(t, "unsupplied_ha"), 10.95, "total");
  near(json_object_get(t, "digestion_rate"), round((17 - 10.95) / 17 * 1e4) / 1e4, "rate");
  json_decref(l);

  l = ledger(e, "2021-03-01");
  near(json_object_get(row_of(l, "赣府土批〔2018〕7号"), "unsupplied_ha"), 8.95, "A with S3");
  json_decref(l);
  l = ledger(e, "2018-12-31");
  assert_int_equal(json_array_size(json_object_get(l, "rows")), 1);
  near(json_object_get(row_of(l, "赣府土批〔2018〕7号"), "unsupplied_ha"), 12.0, "A in 2018");
  json_decref(l);
}

/* 增存挂钩: approved 2018-06-01, five full years at the end of
 * 2023-06-01. */
static void test_zengcun(void **state) {
  env_t *e = *state;
  json_t *l = ledger(e, "2023-06-01");
  const json_t *a = row_of(l, "赣府土批〔2018〕7号");
  assert_int_equal(json_integer_value(json_object_get(a, "age_years")), 4);
  assert_false(json_is_true(json_object_get(a, "zengcun")));
  json_decref(l);
  l = ledger(e, "2023-06-02");
  a = row_of(l, "赣府土批〔2018〕7号");
  assert_int_equal(json_integer_value(json_object_get(a, "age_years")), 5);
  assert_true(json_is_true(json_object_get(a, "zengcun")));
  near(json_object_get(json_object_get(l, "totals"), "zengcun_ha"), 8.95, "zengcun");
  json_decref(l);
}

/* A revocation strikes A off from its day on; before it, A stays open. */
static void test_revoke(void **state) {
  env_t *e = *state;
  int64_t id = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_stock_find(e->s, "approval", "赣府土批〔2018〕7号", &id, &err), 0);
  lg_stock_act_req_t a = {
      .object_type = "approval", .object_id = id, .act = "revoke", .on = "2024-03-01"};
  /* No basis given: refused. */
  assert_int_equal(lg_stock_act(e->s, NULL, &a, NULL, &err), LG_EINVAL);
  a.note = "赣府土批撤〔2024〕1号";
  if (lg_stock_act(e->s, NULL, &a, NULL, &err) != 0) fail_msg("revoke: %s", err.msg);
  json_t *l = ledger(e, "2024-03-01");
  const json_t *r = row_of(l, "赣府土批〔2018〕7号");
  assert_false(json_is_true(json_object_get(r, "open")));
  assert_string_equal(json_string_value(json_object_get(r, "struck_act")), "revoke");
  json_decref(l);
  l = ledger(e, "2024-02-29");
  assert_true(json_is_true(json_object_get(row_of(l, "赣府土批〔2018〕7号"), "open")));
  json_decref(l);
  assert_audit_clean(e);
}

/* ---- Against GEOS on a synthetic county ---------------------------------------------- */

typedef struct feat {
  int64_t fid;
  char contract[11];
  lg_geom_t *g;
} feat_t;

typedef LG_VEC(feat_t) feat_vec_t;

static void read_layer(env_t *e, const char *layer, bool dates, feat_vec_t *out) {
  static const char *const cols[] = {"contract_on", NULL};
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.columns = dates ? cols : none};
  lg_store_reader_t *r = NULL;
  lg_err_t err = {0};
  if (lg_store_reader_new(e->s, layer, &o, &r, &err) != 0) fail_msg("read %s: %s", layer, err.msg);
  while (lg_store_reader_next(r, &err) == 1) {
    feat_t f = {.fid = lg_store_reader_fid(r)};
    if (dates) snprintf(f.contract, sizeof f.contract, "%s", lg_store_reader_text(r, 0));
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    f.g = lg_geom_from_gpkg(lg_geo_thread(), blob, n, &err);
    lg_vec_push(out, f);
  }
  lg_store_reader_free(r);
}

static void test_against_geos(void **state) {
  (void)state;
  env_t e;
  env_open(&e, "geos");
  lg_err_t err = {0};
  lg_stock_gen_t o = {.approvals = 150,
                      .supplies = 450,
                      .seed = 3,
                      .division = "360781",
                      .extent = {X0, Y0, X0 + 8000, Y0 + 8000},
                      .srs = 4526};
  lg_date_parse("2026-06-30", &o.as_of, NULL);
  lg_stock_gen_result_t gr;
  if (lg_stock_gen_run(e.s, &o, &gr, &err) != 0) fail_msg("gen: %s", err.msg);
  assert_int_equal(gr.approvals, 150);
  assert_int_equal(gr.supplies, 450);
  const char *day = "2024-12-31";
  lg_stock_query_t q = {.scope = "all"};
  lg_date_parse(day, &q.as_of, NULL);
  lg_stock_unsupplied_stats_t st;
  json_t *rows = NULL;
  if (lg_stock_unsupplied(e.s, &q, &st, &rows, &err) != 0) fail_msg("unsupplied: %s", err.msg);
  /* GEOS: each approval minus the union of the supplies contracted by
   * the day that meet it. */
  feat_vec_t apps = {0}, sups = {0};
  read_layer(&e, "stock_approvals", false, &apps);
  read_layer(&e, "stock_supplies", true, &sups);
  lg_geo_t *g = lg_geo_thread();
  size_t compared = 0, partly = 0;
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row) {
    int64_t id = json_integer_value(json_object_get(row, "approval_id"));
    const feat_t *a = NULL;
    for (size_t k = 0; k < apps.len && !a; k++)
      if (apps.items[k].fid == id) a = &apps.items[k];
    assert_non_null(a);
    LG_VEC(lg_geom_t *) parts = {0};
    for (size_t k = 0; k < sups.len; k++)
      if (strcmp(sups.items[k].contract, day) <= 0 && lg_geom_intersects(g, a->g, sups.items[k].g))
        lg_vec_push(&parts, lg_geom_clone(g, sups.items[k].g));
    double want;
    if (parts.len) {
      lg_geom_t *c = lg_geom_collect(g, parts.items, parts.len);
      lg_geom_t *u = lg_geom_unary_union(g, c, &err);
      lg_geom_t *d = lg_geom_difference(g, a->g, u, &err);
      want = lg_geom_area(g, d);
      lg_geom_free(g, d);
      lg_geom_free(g, u);
      lg_geom_free(g, c);
      partly++;
    } else {
      want = lg_geom_area(g, a->g);
    }
    lg_free(parts.items);
    if (want < 1.0) want = 0; /* the configured sliver (unsupplied.min_m2) */
    double got = json_number_value(json_object_get(row, "unsupplied_m2"));
    if (fabs(got - want) > 1e-6 * lg_geom_area(g, a->g) + 1e-6)
      fail_msg("approval %lld: %.6f m2, GEOS %.6f m2", (long long)id, got, want);
    compared++;
  }
  /* Every approval approved by the day, and only those. */
  assert_int_equal(compared, count_rows(&e, "SELECT count(*) FROM lg_stock_approvals"
                                            " WHERE approved_on <= '2024-12-31'"));
  assert_true(compared > 100);
  assert_true(partly > 50);
  /* Most candidates were decided without GEOS. */
  assert_true(st.fast > st.geos);
  for (size_t k = 0; k < apps.len; k++)
    lg_geom_free(g, apps.items[k].g);
  for (size_t k = 0; k < sups.len; k++)
    lg_geom_free(g, sups.items[k].g);
  lg_free(apps.items);
  lg_free(sups.items);
  json_decref(rows);
  assert_audit_clean(&e);
  env_close(&e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hand_counted),
      cmocka_unit_test(test_zengcun),
      cmocka_unit_test(test_revoke),
      cmocka_unit_test(test_against_geos),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
