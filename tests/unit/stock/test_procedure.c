/*
 * stock: the Order 53 procedure on recorded parcels, the documents it
 * issues, site visits, the ledgers as of a day, and the audit that finds
 * every recorded object changed behind landgov's back.
 *
 * Parcel P (电子监管号 3607812021B00001), 1.2 ha, price 600 万元 =
 * 6,000,000 yuan, contracted 2021-09-01, agreed start 2022-03-01, never
 * started. Hand-counted:
 *   2022-09-01  investigation notice (overdue since 2022-03-02)
 *   2022-10-15  determination refused: a full year ends at 24:00 on
 *               2023-03-01, so P is not idle yet
 *   2023-03-02  determination (idle a full year, art. 2)
 *   2023-03-03  hearing notice (a Friday); the 5 working days run Mar 6-10
 *   2023-03-10  fee decision refused (the period has not passed)
 *   2023-03-13  fee decision: 20% of 6,000,000 = 1,200,000.00 yuan
 *   2023-04-01  fee paid: the idle entry is struck off by it
 *   2024-03-02  two full years: idle_recover, the entry open again
 *   2024-03-05  recovery decision; 2024-04-10 recovered: struck off.
 * Parcel Q (3607812021B00002), 0.8 ha, started 2021-10-01; a visit of
 * 2023-06-01 finds 2,000 of 8,000 m2 built (under 1/3), 100 of 1,000 万元
 * invested (under 25%), stopped since 2022-05-10: idle from 2023-05-11.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#include "files/files.h"
#include "stock_fixture.h"

static int64_t P, Q;

static int setup(void **state) {
  env_t *e = calloc(1, sizeof *e);
  env_open(e, "proc");
  lg_clock_set(1780000000); /* 2026-05-28: every date below is past */
  static const char *const hdr[] = {
      "电子监管号",     "项目名称",     "行政区代码",   "面积(公顷)",   "土地用途",    "供地方式",
      "成交价款(万元)", "土地使用权人", "合同签订日期", "约定开工时间", "实际开工时间"};
  const char *cells[] = {"3607812021B00001",
                         "物流园",
                         "360781",
                         "N:1.2",
                         "工业用地",
                         "挂牌出让",
                         "N:600",
                         "某物流有限公司",
                         "D:2021-09-01",
                         "D:2022-03-01",
                         NULL,
                         "3607812021B00002",
                         "家具厂",
                         "360781",
                         "N:0.8",
                         "工业用地",
                         "协议出让",
                         "N:400",
                         "某家居有限公司",
                         "D:2021-06-01",
                         "D:2021-09-01",
                         "D:2021-10-01"};
  char *sp = fpath(e, "供地.xlsx"), *bp = fpath(e, "供地.txt");
  write_xlsx(sp, hdr, 11, cells, 2);
  const rect_t rects[] = {{"3607812021B00001", 0, 0, 100, 120},
                          {"3607812021B00002", 200, 0, 300, 80}};
  write_mtxt(bp, rects, 2);
  lg_stock_import_t o = {.kind = "supplies", .sheet_path = sp, .boundary_path = bp};
  lg_stock_import_result_t r;
  lg_err_t err = {0};
  if (lg_stock_import_run(e->s, &o, &r, &err) != 0) fail_msg("import: %s", err.msg);
  lg_stock_find(e->s, "supply", "3607812021B00001", &P, &err);
  lg_stock_find(e->s, "supply", "3607812021B00002", &Q, &err);
  lg_free(sp);
  lg_free(bp);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env_t *e = *state;
  env_close(e);
  free(e);
  lg_clock_set(0);
  return 0;
}

static int act(env_t *e, int64_t id, const char *a, const char *on, lg_err_t *err) {
  lg_stock_act_req_t r = {
      .object_type = "supply", .object_id = id, .act = a, .on = on, .amount_yuan = -1};
  lg_err_clear(err);
  return lg_stock_act(e->s, NULL, &r, NULL, err);
}

static void ok(env_t *e, int64_t id, const char *a, const char *on) {
  lg_err_t err = {0};
  if (act(e, id, a, on, &err) != 0) fail_msg("%s on %s: %s", a, on, err.msg);
}

static json_t *idle_row(env_t *e, int64_t id, const char *day) {
  lg_stock_query_t q = {.scope = "all"};
  lg_date_parse(day, &q.as_of, NULL);
  json_t *l = NULL;
  lg_err_t err = {0};
  if (lg_stock_ledger(e->s, "idle", &q, &l, &err) != 0) fail_msg("ledger: %s", err.msg);
  json_t *found = NULL;
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(l, "rows"), i,
                     r) if (json_integer_value(json_object_get(r, "supply_id")) == id) found =
      json_incref(r);
  json_decref(l);
  return found;
}

static const char *status_on(env_t *e, const char *no, const char *day, double *fee) {
  static char buf[32];
  lg_stock_query_t q = {.scope = "all"};
  lg_date_parse(day, &q.as_of, NULL);
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_stock_idle_json(e->s, &q, &o, &err) != 0) fail_msg("idle: %s", err.msg);
  buf[0] = '\0';
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(o, "parcels"), i, p) {
    if (strcmp(json_string_value(json_object_get(p, "supervision_no")), no)) continue;
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(p, "status")));
    if (fee) *fee = json_number_value(json_object_get(p, "fee_yuan"));
  }
  json_decref(o);
  return buf;
}

/* The document an act issued: its number and HTML. */
static char *document(env_t *e, const char *doc_kind, char no[128]) {
  lg_stmt_t *st;
  lg_err_t err = {0};
  assert_int_equal(lg_store_prepare(e->s,
                                    "SELECT doc_no, file_id FROM lg_stock_acts WHERE doc_kind = ?",
                                    &st, &err),
                   0);
  lg_store_bind_text(st, 1, doc_kind);
  assert_int_equal(lg_store_step(st), LG_ROW);
  snprintf(no, 128, "%s", lg_store_col_text(st, 0));
  int64_t fid = lg_store_col_int(st, 1);
  lg_store_done(st);
  lg_buf_t b;
  lg_buf_init(&b);
  if (lg_files_read_all(e->s, fid, 1 << 20, &b, &err) != 0) fail_msg("read: %s", err.msg);
  return lg_buf_steal(&b);
}

static void test_procedure(void **state) {
  env_t *e = *state;
  lg_err_t err = {0};
  double fee = -1;
  /* Before the parcel was overdue there was nothing to investigate. */
  assert_int_equal(act(e, P, "investigate", "2022-03-01", &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "不涉嫌闲置"));
  /* Nothing may skip the investigation. */
  assert_int_equal(act(e, P, "determine", "2023-03-02", &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "调查通知书"));
  ok(e, P, "investigate", "2022-09-01");
  assert_int_equal(act(e, P, "investigate", "2022-09-02", &err), LG_ECONFLICT);
  assert_int_equal(act(e, P, "determine", "2022-10-15", &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "尚不构成闲置土地"));
  /* The idle status itself, by day. */
  assert_string_equal(status_on(e, "3607812021B00001", "2023-03-01", &fee), "not_due");
  assert_string_equal(status_on(e, "3607812021B00001", "2023-03-02", &fee), "idle_fee");
  assert_true(fabs(fee - 1200000.00) < 1e-6);
  ok(e, P, "determine", "2023-03-02");
  assert_int_equal(act(e, P, "fee_decision", "2023-03-03", &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "听证"));
  ok(e, P, "hearing_notice", "2023-03-03");
  assert_int_equal(act(e, P, "fee_decision", "2023-03-10", &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "2023-03-10"));
  ok(e, P, "fee_decision", "2023-03-13");
  /* A recovery needs two full years. */
  assert_int_equal(act(e, P, "recovery_decision", "2023-04-01", &err), LG_ECONFLICT);
  ok(e, P, "fee_paid", "2023-04-01");

  /* The documents: numbered by issuer, kind and year, with the facts. */
  char no[128];
  char *html = document(e, "investigation_notice", no);
  assert_string_equal(no, "360781闲调〔2022〕1号");
  assert_non_null(strstr(html, "某物流有限公司"));
  assert_non_null(strstr(html, "2022年3月1日")); /* the agreed start */
  assert_non_null(strstr(html, "三十日内 (2022年10月1日前)"));
  lg_free(html);
  html = document(e, "fee_decision", no);
  assert_string_equal(no, "360781闲费〔2023〕1号");
  assert_non_null(strstr(html, "1,200,000.00"));
  assert_non_null(strstr(html, "6,000,000.00"));
  assert_non_null(strstr(html, "第十四条"));
  lg_free(html);
  html = document(e, "determination", no);
  assert_string_equal(no, "360781闲认〔2023〕1号");
  lg_free(html);

  /* The idle ledger as of days: struck off by the fee paid, open again at
   * two full years, struck off by the recovery. */
  json_t *r = idle_row(e, P, "2023-03-20");
  assert_true(json_is_true(json_object_get(r, "open")));
  assert_string_equal(json_string_value(json_object_get(r, "stage")), "已下达征缴闲置费决定书");
  json_decref(r);
  r = idle_row(e, P, "2023-04-01");
  assert_false(json_is_true(json_object_get(r, "open")));
  assert_string_equal(json_string_value(json_object_get(r, "struck_act")), "fee_paid");
  json_decref(r);
  r = idle_row(e, P, "2024-03-02");
  assert_true(json_is_true(json_object_get(r, "open")));
  assert_string_equal(json_string_value(json_object_get(r, "status")), "idle_recover");
  json_decref(r);
  ok(e, P, "recovery_decision", "2024-03-05");
  ok(e, P, "recovered", "2024-04-10");
  r = idle_row(e, P, "2024-04-10");
  assert_false(json_is_true(json_object_get(r, "open")));
  assert_string_equal(json_string_value(json_object_get(r, "struck_act")), "recovered");
  json_decref(r);
  /* Last year's position reproduces: as of 2023-03-05 the stage was the
   * hearing notice, whatever happened since. */
  r = idle_row(e, P, "2023-03-05");
  assert_string_equal(json_string_value(json_object_get(r, "stage")), "已告知听证权利");
  json_decref(r);
  /* 供而未用: entered 2022-03-02, still open (never started). */
  lg_stock_query_t q = {.scope = "all"};
  lg_date_parse("2024-01-01", &q.as_of, NULL);
  json_t *l = NULL;
  assert_int_equal(lg_stock_ledger(e->s, "unused", &q, &l, &err), 0);
  const json_t *u = json_array_get(json_object_get(l, "rows"), 0);
  assert_int_equal(json_integer_value(json_object_get(u, "supply_id")), P);
  assert_string_equal(json_string_value(json_object_get(u, "opened_on")), "2022-03-02");
  assert_true(json_is_true(json_object_get(u, "open")));
  /* 2024-01-01 - 2022-03-01 = 671 days overdue. */
  assert_int_equal(json_integer_value(json_object_get(u, "overdue_days")), 671);
  json_decref(l);
  assert_audit_clean(e);
}

static void test_visit_stopped(void **state) {
  env_t *e = *state;
  lg_err_t err = {0};
  char *photo = fpath(e, "现场.png");
  static const unsigned char png[] = {
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
      0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08,
      0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d,
      0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
  write_text(photo, png, sizeof png);
  const char *photos[] = {photo, NULL};
  lg_stock_visit_t v = {.visited_on = "2023-06-01",
                        .developed_m2 = 2000,
                        .invested_wan = 100,
                        .total_investment_wan = 1000,
                        .stopped_since = "2022-05-10",
                        .cause = "资金不足",
                        .officer = "执法监察大队 刘工",
                        .photos = photos};
  /* Invested more than the total: refused. */
  v.invested_wan = 2000;
  assert_int_equal(lg_stock_visit_add(e->s, NULL, Q, &v, NULL, &err), LG_EINVAL);
  v.invested_wan = 100;
  int64_t vid = 0;
  if (lg_stock_visit_add(e->s, NULL, Q, &v, &vid, &err) != 0) fail_msg("visit: %s", err.msg);
  /* Known from the visit's day on: stopped a full year at the end of
   * 2023-05-10, but the visit is dated 2023-06-01. */
  assert_string_equal(status_on(e, "3607812021B00002", "2023-05-31", NULL), "under_construction");
  double fee = 0;
  assert_string_equal(status_on(e, "3607812021B00002", "2023-06-01", &fee), "idle_fee");
  assert_true(fabs(fee - 800000.0) < 1e-6); /* 20% of 4,000,000 */
  json_t *o = NULL;
  assert_int_equal(lg_stock_get(e->s, "supply", Q, 0, &o, &err), 0);
  const json_t *visit = json_array_get(json_object_get(o, "visits"), 0);
  const json_t *ph = json_array_get(json_object_get(visit, "photos"), 0);
  assert_string_equal(json_string_value(json_object_get(ph, "mime")), "image/png");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(o, "verdict"), "idle_since")),
      "2022-05-10");
  json_decref(o);
  lg_free(photo);
  assert_audit_clean(e);
}

/* A government cause, then an extension past the day: the unused entry
 * is struck off by the extension; an extension beyond a year refused. */
static void test_exception(void **state) {
  env_t *e = *state;
  /* Parcels of their own (P and Q have their histories). */
  lg_err_t err = {0};
  lg_stock_gen_t g = {.approvals = 2,
                      .supplies = 4,
                      .seed = 11,
                      .division = "360781",
                      .extent = {X0 + 5000, Y0, X0 + 7000, Y0 + 2000},
                      .srs = 4526};
  lg_date_parse("2026-05-01", &g.as_of, NULL);
  lg_stock_gen_result_t gr;
  assert_int_equal(lg_stock_gen_run(e->s, &g, &gr, &err), 0);
  /* The one not started, with the earliest agreed start. */
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(e->s,
                                    "SELECT id, agreed_start_on FROM lg_stock_supplies WHERE"
                                    " source = 'gen' AND actual_start_on IS NULL"
                                    " ORDER BY agreed_start_on LIMIT 1",
                                    &st, &err),
                   0);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    skip();
  }
  int64_t x = lg_store_col_int(st, 0);
  int32_t start;
  lg_date_parse(lg_store_col_text(st, 1), &start, NULL);
  lg_store_done(st);
  char d1[11], d2[11], d3[11], far[11];
  lg_date_format(start + 10, d1);
  lg_date_format(start + 20, d2);
  lg_date_format(start + 20 + 200, d3);
  lg_date_format(start + 20 + 400, far);
  ok(e, x, "investigate", d1);
  lg_stock_act_req_t a = {
      .object_type = "supply", .object_id = x, .act = "exception", .on = d2, .cause = "martian"};
  assert_int_equal(lg_stock_act(e->s, NULL, &a, NULL, &err), LG_EINVAL);
  a.cause = "not_delivered";
  if (lg_stock_act(e->s, NULL, &a, NULL, &err) != 0) fail_msg("exception: %s", err.msg);
  a = (lg_stock_act_req_t){.object_type = "supply",
                           .object_id = x,
                           .act = "art12",
                           .on = d2,
                           .method = "extension",
                           .new_date = far};
  assert_int_equal(lg_stock_act(e->s, NULL, &a, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "不得超过 1 年"));
  a.new_date = d3;
  if (lg_stock_act(e->s, NULL, &a, NULL, &err) != 0) fail_msg("extension: %s", err.msg);
  /* As of the extension's day: the unused entry is struck off by it. */
  lg_stock_query_t q = {.scope = "all", .as_of = start + 21};
  json_t *l = NULL;
  assert_int_equal(lg_stock_ledger(e->s, "unused", &q, &l, &err), 0);
  size_t i;
  json_t *r;
  bool seen = false;
  json_array_foreach(json_object_get(l, "rows"), i, r) {
    if (json_integer_value(json_object_get(r, "supply_id")) != x) continue;
    seen = true;
    assert_false(json_is_true(json_object_get(r, "open")));
    assert_string_equal(json_string_value(json_object_get(r, "struck_act")), "extension");
  }
  assert_true(seen);
  json_decref(l);
  assert_audit_clean(e);
}

/* Each audited table and served column, changed behind landgov's back,
 * is found. */
static void expect_changed(env_t *e, const char *type, const char *sql) {
  lg_err_t err = {0};
  if (lg_store_exec(e->s, sql, &err) != 0) fail_msg("%s: %s", sql, err.msg);
  lg_ledger_audit_t a = {0};
  assert_int_equal(lg_ledger_audit(e->s, lg_stock_auditors, &a, &err), 0);
  bool found = false;
  for (size_t i = 0; i < a.findings.len; i++)
    if (!strcmp(a.findings.items[i].object_type, type) &&
        a.findings.items[i].kind == LG_LEDGER_AUDIT_CHANGED)
      found = true;
  lg_ledger_audit_fini(&a);
  if (!found) fail_msg("audit did not find %s changed by: %s", type, sql);
}

static void test_audit(void **state) {
  env_t *e = *state;
  expect_changed(e, "stock_supply", "UPDATE lg_stock_supplies SET price_yuan = 1 WHERE id = 1");
  /* A parcel's boundary moved in the layer (another's copied over it). */
  expect_changed(e, "stock_supply",
                 "UPDATE stock_supplies SET geom = (SELECT geom FROM stock_supplies WHERE fid = 2)"
                 " WHERE fid = 3");
  lg_test_drop_append_only(e->s, "lg_stock_visits");
  expect_changed(e, "stock_visit", "UPDATE lg_stock_visits SET developed_m2 = 7000");
  lg_test_drop_append_only(e->s, "lg_stock_acts");
  expect_changed(e, "stock_act",
                 "UPDATE lg_stock_acts SET acted_on = '2022-09-02' WHERE"
                 " act = 'investigate' AND object_id = 1");
  /* A document replaced in the store: its act no longer matches. */
  lg_test_drop_append_only(e->s, "lg_file_chunks");
  expect_changed(e, "stock_act",
                 "UPDATE lg_file_chunks SET data = (SELECT data FROM lg_file_chunks c2 WHERE"
                 " c2.sha256 <> lg_file_chunks.sha256 LIMIT 1) WHERE sha256 = (SELECT sha256 FROM"
                 " lg_files WHERE id = (SELECT file_id FROM lg_stock_acts WHERE doc_kind ="
                 " 'fee_decision'))");
  lg_err_t err = {0};
  lg_stock_gen_t g = {.approvals = 1,
                      .supplies = 0,
                      .seed = 12,
                      .division = "360781",
                      .extent = {X0 + 9000, Y0, X0 + 9500, Y0 + 500},
                      .srs = 4526};
  lg_stock_gen_result_t gr;
  assert_int_equal(lg_stock_gen_run(e->s, &g, &gr, &err), 0);
  expect_changed(e, "stock_approval",
                 "UPDATE lg_stock_approvals SET approved_on = '2001-01-01' WHERE source = 'gen'");
  assert_int_equal(lg_stock_plan_set(e->s, NULL, "idle", P, "资金", "征缴闲置费", "执法大队",
                                     "2026-12-31", &err),
                   0);
  lg_test_drop_append_only(e->s, "lg_stock_plans");
  expect_changed(e, "stock_plan", "UPDATE lg_stock_plans SET unit = '无人'");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_procedure),
      cmocka_unit_test(test_visit_stopped),
      cmocka_unit_test(test_exception),
      cmocka_unit_test(test_audit),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
