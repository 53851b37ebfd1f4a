/*
 * stock: importing the land-market monitoring system's supply sheet
 * (XLSX with date cells, CSV in GBK) with the parcels from a Ministry
 * coordinate file, and approvals from a layer. Good sheets land with the
 * values the sheet has (areas in hectares to m2, prices in 万元 to yuan);
 * each bad sheet the issue lists (a missing column, an unparseable date,
 * a negative area, a duplicate 电子监管号, a boundary more than 5% off its
 * declared area) is refused with a Chinese message naming the file, the
 * row and the column, and nothing is imported: no row, no ledger entry.
 *
 * Parcels (offsets in metres from the fixture's origin, areas by hand):
 *   3607812020B00001  [0,100] x [0,120]     12,000 m2 = 1.2 ha
 *   3607812020B00002  [200,300] x [0,80]     8,000 m2 = 0.8 ha
 *   3607812021B00003  [0,200] x [200,300]   20,000 m2 = 2.0 ha
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#include "formats/formats.h"
#include "stock_fixture.h"

static const char *const H[17] = {"电子监管号",     "项目名称",     "行政区代码",   "土地坐落",
                                  "面积(公顷)",     "土地用途",     "供地方式",     "土地使用年限",
                                  "成交价款(万元)", "土地使用权人", "合同签订日期", "约定交地时间",
                                  "约定开工时间",   "约定竣工时间", "实际交地时间", "实际开工时间",
                                  "实际竣工时间"};

/* The good sheet; a test copies it and spoils one cell. */
static const char *GOOD[3][17] = {
    {"3607812020B00001", "电子产业园一期", "360781", "示范县工业园", "N:1.2", "工业用地",
     "挂牌出让", "N:50", "N:600", "赣南某电子科技有限公司", "D:2020-01-10", "D:2020-02-10",
     "D:2020-03-01", "D:2022-03-01", NULL, NULL, NULL},
    /* Declared 0.83 ha against 0.8 computed: 3.75% off, within 5%. */
    {"3607812020B00002", "食品加工", "360781", "示范县工业园", "N:0.83", "工业用地", "协议出让",
     "N:50", "N:250.5", "某食品有限公司", "2020/5/6", "2020/6/1", "2020/9/1", "2022/9/1", NULL,
     "2020-08-20", NULL},
    {"3607812021B00003", "职业学校", "360781101", "示范县城东", "N:2", "公共管理与公共服务用地",
     "划拨", NULL, NULL, "示范县教育局", "2021年3月1日", NULL, "2021年9月1日", NULL, NULL, NULL,
     NULL},
};

static const rect_t RECTS[] = {
    {"3607812020B00001", 0, 0, 100, 120},
    {"3607812020B00002", 200, 0, 300, 80},
    {"3607812021B00003", 0, 200, 200, 300},
};

typedef struct fix {
  env_t e;
  char *bounds;
} fix_t;

static int setup(void **state) {
  fix_t *f = calloc(1, sizeof *f);
  env_open(&f->e, "import");
  f->bounds = fpath(&f->e, "供地边界.txt");
  write_mtxt(f->bounds, RECTS, 3);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fix_t *f = *state;
  lg_free(f->bounds);
  env_close(&f->e);
  free(f);
  return 0;
}

static char *sheet(fix_t *f, const char *name, const char *cells[][17], int nrows, int drop_col) {
  char *p = fpath(&f->e, name);
  const char *hdr[17], *flat[17 * 8];
  int nc = 0;
  for (int c = 0; c < 17; c++)
    if (c != drop_col) hdr[nc++] = H[c];
  for (int r = 0; r < nrows; r++) {
    int k = 0;
    for (int c = 0; c < 17; c++)
      if (c != drop_col) flat[r * nc + k++] = cells[r][c];
  }
  write_xlsx(p, hdr, nc, flat, nrows);
  return p;
}

static int run_import(fix_t *f, const char *path, const lg_subject_t *who,
                      lg_stock_import_result_t *r, lg_err_t *err) {
  lg_stock_import_t o = {
      .kind = "supplies", .sheet_path = path, .boundary_path = f->bounds, .who = who};
  return lg_stock_import_run(f->e.s, &o, r, err);
}

/* A bad sheet: refused with a message holding each of wants, nothing
 * written. */
static void refused(fix_t *f, const char *path, const lg_subject_t *who, int code,
                    const char *const *wants) {
  int64_t rows = count_rows(&f->e, "SELECT count(*) FROM lg_stock_supplies");
  uint64_t size = ledger_size(&f->e);
  lg_stock_import_result_t r;
  lg_err_t err = {0};
  int rc = run_import(f, path, who, &r, &err);
  if (rc != code) fail_msg("import returned %d (%s), want %d", rc, err.msg, code);
  for (int i = 0; wants[i]; i++)
    assert_contains(err.msg, wants[i]);
  assert_int_equal(count_rows(&f->e, "SELECT count(*) FROM lg_stock_supplies"), rows);
  assert_int_equal(ledger_size(&f->e), size);
}

static void test_good(void **state) {
  fix_t *f = *state;
  char *p = sheet(f, "供地表.xlsx", GOOD, 3, -1);
  lg_stock_import_result_t r;
  lg_err_t err = {0};
  uint64_t before = ledger_size(&f->e);
  if (run_import(f, p, NULL, &r, &err) != 0) fail_msg("import: %s", err.msg);
  assert_int_equal(r.rows, 3);
  assert_int_equal(r.created, 3);
  assert_int_equal(r.srs, 4526);
  assert_int_equal(ledger_size(&f->e), before + 3);
  /* Values as the sheet has them, in the store's units. */
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(f->e.s,
                                    "SELECT declared_m2, area_m2, price_yuan, contract_on,"
                                    " agreed_start_on, actual_start_on, division, method"
                                    " FROM lg_stock_supplies ORDER BY supervision_no",
                                    &st, &err),
                   0);
  static const struct {
    double declared, area, price;
    const char *contract, *start, *actual, *division, *method;
  } want[] = {
      {12000, 12000, 6000000, "2020-01-10", "2020-03-01", NULL, "360781", "挂牌出让"},
      {8300, 8000, 2505000, "2020-05-06", "2020-09-01", "2020-08-20", "360781", "协议出让"},
      {20000, 20000, 0, "2021-03-01", "2021-09-01", NULL, "360781101", "划拨"},
  };
  for (int i = 0; i < 3; i++) {
    assert_int_equal(lg_store_step(st), LG_ROW);
    assert_true(fabs(lg_store_col_real(st, 0) - want[i].declared) < 1e-6);
    assert_true(fabs(lg_store_col_real(st, 1) - want[i].area) < 1e-3);
    assert_true(fabs(lg_store_col_real(st, 2) - want[i].price) < 1e-6);
    assert_string_equal(lg_store_col_text(st, 3), want[i].contract);
    assert_string_equal(lg_store_col_text(st, 4), want[i].start);
    if (want[i].actual)
      assert_string_equal(lg_store_col_text(st, 5), want[i].actual);
    else
      assert_true(lg_store_col_null(st, 5));
    assert_string_equal(lg_store_col_text(st, 6), want[i].division);
    assert_string_equal(lg_store_col_text(st, 7), want[i].method);
  }
  lg_store_done(st);
  assert_audit_clean(&f->e);

  /* The monitoring system's next export: the first parcel started.
   * One record changes (an entry), two do not. */
  const char *next[3][17];
  memcpy(next, GOOD, sizeof next);
  next[0][15] = "D:2020-04-01";
  char *p2 = sheet(f, "供地表-2.xlsx", next, 3, -1);
  before = ledger_size(&f->e);
  if (run_import(f, p2, NULL, &r, &err) != 0) fail_msg("import: %s", err.msg);
  assert_int_equal(r.created, 0);
  assert_int_equal(r.updated, 1);
  assert_int_equal(r.unchanged, 2);
  assert_int_equal(ledger_size(&f->e), before + 1);
  char *text = NULL;
  assert_int_equal(lg_ledger_entry(f->e.s, before, &text, NULL, &err), 0);
  assert_contains(text, "\"action\":\"stock.supply.update\"");
  lg_free(text);
  assert_int_equal(
      count_rows(&f->e,
                 "SELECT count(*) FROM lg_stock_supplies WHERE actual_start_on = '2020-04-01'"),
      1);
  assert_audit_clean(&f->e);
  lg_free(p);
  lg_free(p2);
}

static void test_missing_column(void **state) {
  fix_t *f = *state;
  char *p = sheet(f, "缺列.xlsx", GOOD, 3, 12); /* without 约定开工时间 */
  const char *wants[] = {"缺列.xlsx", "第 1 行", "缺少列 \"约定开工时间\"", NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(p);
}

static void test_bad_date(void **state) {
  fix_t *f = *state;
  const char *bad[3][17];
  memcpy(bad, GOOD, sizeof bad);
  bad[2][10] = "2021-02-30"; /* no such day; sheet row 4, column K */
  char *p = sheet(f, "日期错.xlsx", bad, 3, -1);
  const char *wants[] = {"日期错.xlsx", "第 4 行", "合同签订日期", "(K 列)", "2021-02-30", NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(p);
}

static void test_negative_area(void **state) {
  fix_t *f = *state;
  const char *bad[3][17];
  memcpy(bad, GOOD, sizeof bad);
  bad[1][4] = "N:-0.8"; /* sheet row 3, column E */
  char *p = sheet(f, "负面积.xlsx", bad, 3, -1);
  const char *wants[] = {"负面积.xlsx", "第 3 行", "面积(公顷)", "(E 列)", "不能为负数", NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(p);
}

static void test_duplicate(void **state) {
  fix_t *f = *state;
  const char *bad[3][17];
  memcpy(bad, GOOD, sizeof bad);
  bad[2][0] = "3607812020B00001"; /* sheet row 4 repeats row 2 */
  char *p = sheet(f, "重复.xlsx", bad, 3, -1);
  const char *wants[] = {"重复.xlsx", "第 4 行", "电子监管号", "(A 列)", "与第 2 行重复", NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(p);
}

static void test_area_mismatch(void **state) {
  fix_t *f = *state;
  const char *bad[3][17];
  memcpy(bad, GOOD, sizeof bad);
  /* 1.3 ha declared, 1.2 ha surveyed: (1.3 - 1.2) / 1.3 = 7.7% off. */
  bad[0][4] = "N:1.3";
  char *p = sheet(f, "面积不符.xlsx", bad, 3, -1);
  const char *wants[] = {"面积不符.xlsx",
                         "第 2 行",
                         "面积(公顷)",
                         "申报 1.3000 公顷",
                         "计算为 1.2000 公顷",
                         "7.7%",
                         "超过允许的 5%",
                         "供地边界.txt",
                         NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(p);
}

static void test_no_boundary(void **state) {
  fix_t *f = *state;
  const char *bad[3][17];
  memcpy(bad, GOOD, sizeof bad);
  bad[1][0] = "3607812020B00099";
  char *p = sheet(f, "无边界.xlsx", bad, 3, -1);
  const char *wants[] = {"无边界.xlsx",  "第 3 行",        "3607812020B00099",
                         "供地边界.txt", "中没有这个地块", NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(p);
}

/* Another county's clerk may import nothing of this county's. */
static void test_jurisdiction(void **state) {
  fix_t *f = *state;
  char *p = sheet(f, "邻县.xlsx", GOOD, 3, -1);
  lg_subject_t who;
  memset(&who, 0, sizeof who);
  snprintf(who.login, sizeof who.login, "clerk.b");
  snprintf(who.role, sizeof who.role, "clerk");
  snprintf(who.division, sizeof who.division, "360782");
  who.user_id = 9;
  const char *wants[] = {"邻县.xlsx", "第 2 行", NULL};
  refused(f, p, &who, LG_EPERM, wants);
  lg_free(p);
}

/* A CSV as Excel saves it in China (GBK), with a blank line: the error
 * names the line the record is on. */
static void test_csv_gbk(void **state) {
  fix_t *f = *state;
  lg_buf_t b;
  lg_buf_init(&b);
  for (int c = 0; c < 17; c++)
    lg_buf_printf(&b, "%s%s", c ? "," : "", H[c]);
  lg_buf_puts(&b, "\r\n3607812020B00001,电子产业园一期,360781,示范县,1.2,工业用地,挂牌出让,50,"
                  "600,\"某公司, 有限\",2020-01-10,,2020-03-01,,,,\r\n\r\n");
  lg_buf_puts(&b, "3607812020B00002,食品加工,360781,示范县,0.8,工业用地,协议出让,50,250,"
                  "某食品有限公司,2020-05-06,,二〇二〇年,,,,\r\n");
  char *gbk = NULL;
  size_t n = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_iconv_from_utf8("GBK", b.data, b.len, &gbk, &n, &err), 0);
  char *p = fpath(&f->e, "供地表.csv");
  write_text(p, gbk, n);
  /* Line 1 the header, line 2 a record, line 3 blank, line 4 the bad one:
   * 约定开工时间 is column M. */
  const char *wants[] = {"供地表.csv", "第 4 行", "约定开工时间", "(M 列)", "二〇二〇年", NULL};
  refused(f, p, NULL, LG_EINVAL, wants);
  lg_free(gbk);
  lg_buf_fini(&b);
  lg_free(p);
}

/* Approvals from a layer imported with --role approval: two features of
 * one 批准文号 are one batch of two parcels. */
static void test_approvals_from_layer(void **state) {
  fix_t *f = *state;
  char *p = fpath(&f->e, "历史批文.geojson");
  char *doc = lg_sprintf(
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
      "\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":["
      "{\"type\":\"Feature\",\"properties\":{\"批准文号\":\"赣府土批〔2015〕12号\",\"批准日期\":"
      "\"2015-06-30\",\"批准面积\":1.2,\"行政区代码\":\"360781\"},\"geometry\":{\"type\":"
      "\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}"
      "},"
      "{\"type\":\"Feature\",\"properties\":{\"批准文号\":\"赣府土批〔2015〕12号\",\"批准日期\":"
      "\"2015-06-30\",\"批准面积\":0.8,\"行政区代码\":\"360781\"},\"geometry\":{\"type\":"
      "\"Polygon\",\"coordinates\":[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}"
      "}"
      "]}",
      X0 + 1000, Y0, X0 + 1100, Y0, X0 + 1100, Y0 + 120, X0 + 1000, Y0 + 120, X0 + 1000, Y0,
      X0 + 1200, Y0, X0 + 1300, Y0, X0 + 1300, Y0 + 80, X0 + 1200, Y0 + 80, X0 + 1200, Y0);
  write_text(p, doc, strlen(doc));
  lg_free(doc);
  lg_formats_import_opts_t io = {.layer = "lspw", .role = "approval"};
  lg_formats_import_result_t ir;
  lg_err_t err = {0};
  if (lg_formats_import(f->e.s, p, &io, &ir, &err) != 0) fail_msg("layer: %s", err.msg);
  lg_stock_import_t o = {.kind = "approvals", .layer = "lspw"};
  lg_stock_import_result_t r;
  if (lg_stock_import_run(f->e.s, &o, &r, &err) != 0) fail_msg("approvals: %s", err.msg);
  assert_int_equal(r.created, 1);
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(f->e.s,
                                    "SELECT approval_no, approved_on, declared_m2, area_m2,"
                                    " division, kind FROM lg_stock_approvals",
                                    &st, &err),
                   0);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_string_equal(lg_store_col_text(st, 0), "赣府土批〔2015〕12号");
  assert_string_equal(lg_store_col_text(st, 1), "2015-06-30");
  assert_true(fabs(lg_store_col_real(st, 2) - 20000) < 1e-6); /* 1.2 + 0.8 ha */
  assert_true(fabs(lg_store_col_real(st, 3) - 20000) < 1e-3); /* 12,000 + 8,000 m2 */
  assert_string_equal(lg_store_col_text(st, 4), "360781");
  assert_string_equal(lg_store_col_text(st, 5), "batch");
  assert_int_equal(lg_store_step(st), LG_DONE);
  lg_store_done(st);
  assert_audit_clean(&f->e);
  lg_free(p);
}

/* Approvals from a sheet with their boundaries in a GeoJSON file (by
 * 批准文号); supplies whose boundaries are a store layer (by 电子监管号). */
static void test_sheet_and_layer_boundaries(void **state) {
  fix_t *f = *state;
  lg_err_t err = {0};
  char *gj = fpath(&f->e, "批文边界.geojson");
  char *doc = lg_sprintf(
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
      "\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":[{\"type\":\"Feature\",\"properties\":{"
      "\"批准文号\":\"赣府土批〔2016〕3号\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}]}",
      X0 + 3000, Y0, X0 + 3300, Y0, X0 + 3300, Y0 + 200, X0 + 3000, Y0 + 200, X0 + 3000, Y0);
  write_text(gj, doc, strlen(doc));
  lg_free(doc);
  static const char *const ah[] = {"批准文号", "批准日期", "批准面积（公顷）", "项目名称",
                                   "行政区代码"};
  const char *ac[] = {"赣府土批〔2016〕3号", "D:2016-04-12", "N:6", "2016年度第3批次", "360781"};
  char *ap = fpath(&f->e, "批文.xlsx");
  write_xlsx(ap, ah, 5, ac, 1);
  lg_stock_import_t o = {.kind = "approvals", .sheet_path = ap, .boundary_path = gj};
  lg_stock_import_result_t r;
  if (lg_stock_import_run(f->e.s, &o, &r, &err) != 0) fail_msg("approvals: %s", err.msg);
  assert_int_equal(r.created, 1);
  assert_int_equal(count_rows(&f->e,
                              "SELECT count(*) FROM lg_stock_approvals WHERE approved_on ="
                              " '2016-04-12' AND area_m2 > 59999.999 AND area_m2 < 60000.001"),
                   1);
  /* A layer holding supplies' parcels, by their numbers. */
  char *lp = fpath(&f->e, "供地图层.geojson");
  doc = lg_sprintf(
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
      "\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":[{\"type\":\"Feature\",\"properties\":{"
      "\"电子监管号\":\"3607812016B00009\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]}}]}",
      X0 + 3000, Y0, X0 + 3100, Y0, X0 + 3100, Y0 + 100, X0 + 3000, Y0 + 100, X0 + 3000, Y0);
  write_text(lp, doc, strlen(doc));
  lg_free(doc);
  lg_formats_import_opts_t io = {.layer = "gdtc", .role = "supply"};
  lg_formats_import_result_t ir;
  if (lg_formats_import(f->e.s, lp, &io, &ir, &err) != 0) fail_msg("layer: %s", err.msg);
  const char *sc[] = {"3607812016B00009", "物流园",   "360781",       "N:1",
                      "仓储用地",         "挂牌出让", "D:2017-01-05", "D:2017-06-01"};
  static const char *const sh[] = {"电子监管号", "项目名称", "行政区代码",   "面积(公顷)",
                                   "土地用途",   "供地方式", "合同签订日期", "约定开工时间"};
  char *sp = fpath(&f->e, "供地-图层.xlsx");
  write_xlsx(sp, sh, 8, sc, 1);
  lg_stock_import_t so = {.kind = "supplies", .sheet_path = sp, .layer = "gdtc"};
  if (lg_stock_import_run(f->e.s, &so, &r, &err) != 0) fail_msg("supplies: %s", err.msg);
  assert_int_equal(r.created, 1);
  /* The approval is now supplied by 1 of its 6 ha, as of 2017. */
  lg_stock_query_t q = {.scope = "all"};
  lg_date_parse("2017-12-31", &q.as_of, NULL);
  lg_stock_unsupplied_stats_t st;
  json_t *rows = NULL;
  assert_int_equal(lg_stock_unsupplied(f->e.s, &q, &st, &rows, &err), 0);
  const json_t *row = NULL, *x;
  size_t i;
  json_array_foreach(rows, i, x) if (!strcmp(json_string_value(json_object_get(x, "approval_no")),
                                             "赣府土批〔2016〕3号")) row = x;
  assert_non_null(row);
  assert_true(fabs(json_number_value(json_object_get(row, "unsupplied_m2")) - 50000) < 1e-6);
  json_decref(rows);
  assert_audit_clean(&f->e);
  lg_free(gj);
  lg_free(ap);
  lg_free(lp);
  lg_free(sp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      /* The refusals run on an empty store first, then the good import. */
      cmocka_unit_test(test_missing_column),
      cmocka_unit_test(test_bad_date),
      cmocka_unit_test(test_negative_area),
      cmocka_unit_test(test_duplicate),
      cmocka_unit_test(test_area_mismatch),
      cmocka_unit_test(test_no_boundary),
      cmocka_unit_test(test_jurisdiction),
      cmocka_unit_test(test_csv_gbk),
      cmocka_unit_test(test_good),
      cmocka_unit_test(test_approvals_from_layer),
      cmocka_unit_test(test_sheet_and_layer_boundaries),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
