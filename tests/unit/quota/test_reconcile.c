/*
 * quota: reconciliation and the ledger audit catch what is changed
 * behind landgov's back. A store with every kind of object the bank
 * records (allocations, a production, a case's reserve, a listing, a bid,
 * trades with their compensation, a fund spending, an enclave agreement
 * with figures and a settlement, stock figures, an added kind, a saved
 * configuration) reconciles and audits clean; then, each inside a
 * transaction that is rolled back afterwards, as someone with the
 * database's own tools would:
 *   - a balance edited: reconcile names the account, the bucket and the
 *     three figures (kept, from the movements, from the ledger);
 *   - a movement's amount edited (its append-only triggers dropped):
 *     reconcile finds the row against its ledger entry, and the audit the
 *     movement;
 *   - a movement inserted without a ledger entry, a ledger entry's object
 *     id edited, a hold edited: each reported;
 *   - every served column of every audited table: the audit reports that
 *     object type.
 */
#include "case_env.h"

static void populate(qenv_t *e) {
  lg_err_t err = {0};
  issue(e, "36", "new_construction", 100000);
  allocate(e, "36", "360781", "new_construction", 60000);
  issue(e, "360781", "cultivated_area", 50000);
  issue(e, "360781", "cultivated_paddy", 50000);
  lg_quota_op_t p = {.kind = "linkage_surplus",
                     .amount = 8000,
                     .to = "360781",
                     .project = "ZJ-2026-02 某镇增减挂钩",
                     .document = "赣自然资验〔2026〕11号",
                     .note = "拆旧复垦 12 亩"};
  if (lg_quota_produce(e->s, NULL, &p, NULL, &err)) fail_msg("%s", err.msg);
  int64_t c = file_case(e, 400, 100, 600, 200, 3e8);
  act_ok(e, CLERK, c, "Task_Accept", "accept", NULL);
  lg_quota_listing_new_t l = {.seller = "360781",
                              .kind = "linkage_surplus",
                              .amount = 3000,
                              .reserve_price_fen = 2000,
                              .note = "节余指标挂牌"};
  int64_t lid = 0, bid = 0;
  if (lg_quota_list(e->s, NULL, &l, &lid, &err)) fail_msg("%s", err.msg);
  if (lg_quota_bid(e->s, NULL, lid, "440305", 1000, 2100, "竞买", &bid, &err))
    fail_msg("%s", err.msg);
  lg_quota_settle_t t = {.listing_id = lid, .bid_id = bid};
  if (lg_quota_settle(e->s, NULL, &t, NULL, &err)) fail_msg("%s", err.msg);
  t = (lg_quota_settle_t){.listing_id = lid,
                          .buyer = "4403",
                          .amount = 500,
                          .unit_price_fen = 2000,
                          .agreement = "协议-1"};
  if (lg_quota_settle(e->s, NULL, &t, NULL, &err)) fail_msg("%s", err.msg);
  if (lg_quota_fund_spend(e->s, NULL, "360781", 10000, "XF-1 矿山修复", "一期", NULL, &err))
    fail_msg("%s", err.msg);
  json_t *costs = json_pack("{s:s}", "基础设施", "source");
  lg_quota_enclave_new_t en = {.name = "园区",
                               .source = "440300",
                               .host = "360781",
                               .park_layer = "czkfbj",
                               .park_fid = 1,
                               .costs = costs,
                               .start_year = 2026,
                               .end_year = 2040,
                               .agreement_no = "合-1"};
  int64_t eid = 0;
  if (lg_quota_enclave_add(e->s, NULL, &en, &eid, &err)) fail_msg("%s", err.msg);
  json_decref(costs);
  if (lg_quota_enclave_record(e->s, NULL, eid, 2026, 100, 1000, 3, &err)) fail_msg("%s", err.msg);
  if (lg_quota_enclave_settle(e->s, NULL, eid, 2026, NULL, &err)) fail_msg("%s", err.msg);
  lg_quota_stock_figures_t f = {
      .division = "360781", .year = 2026, .unsupplied_digested_m2 = 5, .idle_disposed_m2 = 7};
  if (lg_quota_stock_record(e->s, NULL, &f, "台账", &err)) fail_msg("%s", err.msg);
  lg_quota_kind_t k = {.code = "forest_quota", .title = "林地定额", .unit = "m2"};
  if (lg_quota_kind_add(e->s, NULL, &k, "《森林法》", &err)) fail_msg("%s", err.msg);
  json_t *cfg = json_loads(lg_quota_config_default_json(), 0, NULL);
  json_object_set_new(json_object_get(json_object_get(cfg, "market"), "compensation"), "rate_bp",
                      json_integer(1200));
  char *text = json_dumps(cfg, 0);
  if (lg_quota_config_save(e->s, text, NULL, &err)) fail_msg("%s", err.msg);
  free(text);
  json_decref(cfg);
}

static json_t *reconcile(qenv_t *e) {
  json_t *r = NULL;
  lg_err_t err = {0};
  if (lg_quota_reconcile(e->s, &r, &err) != 0) fail_msg("reconcile: %s", err.msg);
  return r;
}

/* The differences of a reconciliation that are of `what`. */
static size_t diffs(const json_t *r, const char *what, const char *needle) {
  size_t i, n = 0;
  json_t *d;
  json_array_foreach(json_object_get(r, "differences"), i, d) {
    if (strcmp(json_string_value(json_object_get(d, "what")), what)) continue;
    if (needle && !strstr(json_string_value(json_object_get(d, "text")), needle)) continue;
    n++;
  }
  return n;
}

static void exec(qenv_t *e, const char *sql) {
  lg_err_t err = {0};
  if (lg_store_exec(e->s, sql, &err) != 0) fail_msg("%s: %s", sql, err.msg);
}

static void begin(qenv_t *e) {
  lg_err_t err = {0};
  if (lg_store_begin(e->s, &err) != 0) fail_msg("begin: %s", err.msg);
}

static void test_reconcile_tamper(void **state) {
  qenv_t *e = *state;
  populate(e);
  json_t *r = reconcile(e);
  if (!json_is_true(json_object_get(r, "ok"))) fail_msg("reconcile: %s", json_dumps(r, 0));
  /* Conservation as reconcile reports it: new construction issued
   * 100,000, of which 20,000 reserved for the case and none consumed. */
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(r, "kinds"), i, k) {
    if (strcmp(json_string_value(json_object_get(k, "kind")), "new_construction")) continue;
    assert_i64(json_integer_value(json_object_get(k, "in_hand")), 100000);
    assert_i64(json_integer_value(json_object_get(k, "issued")), 100000);
  }
  json_decref(r);
  assert_int_equal(quota_findings(e, NULL), 0);

  /* A balance edited. */
  begin(e);
  exec(e, "UPDATE lg_quota_accounts SET available = available + 1 WHERE division = '360781'"
          " AND kind = 'new_construction'");
  r = reconcile(e);
  assert_false(json_is_true(json_object_get(r, "ok")));
  assert_int_equal(
      diffs(r, "balance",
            "360781 new_construction 的 available: 账户表 40001, 按流水 40000, 按账本 40000"),
      1);
  json_decref(r);
  lg_store_rollback(e->s);

  /* A movement's amount edited: the last one, the agreement's 500 m2. */
  begin(e);
  lg_test_drop_append_only(e->s, "lg_quota_movements");
  int64_t last = q_sql_int(e->s, "SELECT max(id) FROM lg_quota_movements");
  char sql[300];
  snprintf(sql, sizeof sql, "UPDATE lg_quota_movements SET amount = 501 WHERE id = %lld",
           (long long)last);
  exec(e, sql);
  r = reconcile(e);
  char want[64];
  snprintf(want, sizeof want, "流水 %lld 与账本不符", (long long)last);
  assert_int_equal(diffs(r, "movement", want), 1);
  /* 4403's available and 360781's reserved, each off by one from the
   * movements against both the kept balance and the ledger. */
  assert_int_equal(diffs(r, "balance", "按流水 501"), 1);
  json_decref(r);
  assert_true(quota_findings(e, "quota.movement") >= 1);
  lg_store_rollback(e->s);

  /* A movement inserted with no ledger entry. */
  begin(e);
  exec(e, "INSERT INTO lg_quota_movements(kind, amount, type, debit_division, debit_bucket,"
          " credit_division, credit_bucket, year, actor, at) VALUES ('new_construction', 7,"
          " 'transfer', '36', 'available', '360782', 'available', 2026, 'intruder',"
          " '2026-03-02T01:00:00Z')");
  r = reconcile(e);
  assert_int_equal(diffs(r, "movement", "没有账本记录"), 1);
  assert_int_equal(diffs(r, "balance", "360782 new_construction"), 1);
  json_decref(r);
  lg_store_rollback(e->s);

  /* A ledger entry's object id edited. */
  begin(e);
  lg_test_drop_append_only(e->s, "lg_ledger_entries");
  exec(e, "UPDATE lg_ledger_entries SET object_id = replace(object_id, ':60000:', ':60001:')"
          " WHERE object_type = 'quota.movement' AND object_id LIKE '%:60000:%'");
  r = reconcile(e);
  assert_int_equal(diffs(r, "ledger_entry", "条目被改动"), 1);
  json_decref(r);
  lg_store_rollback(e->s);

  /* A hold edited. */
  begin(e);
  exec(e, "UPDATE lg_quota_holds SET amount = amount + 3 WHERE cause_type = 'case'"
          " AND kind = 'new_construction'");
  r = reconcile(e);
  assert_int_equal(diffs(r, "hold", "360781 new_construction"), 1);
  json_decref(r);
  lg_store_rollback(e->s);
  r = reconcile(e);
  assert_true(json_is_true(json_object_get(r, "ok")));
  json_decref(r);
}

/* Every served column of every audited table, each edit caught. */
static const struct {
  const char *table, *column, *set, *where, *type;
} edits[] = {
#define T(c) c, "coalesce(" c ", '') || '改'"
#define N(c) c, "coalesce(" c ", 0) + 1"
#define MV "id = (SELECT max(id) FROM lg_quota_movements)"
    {"lg_quota_movements", N("amount"), MV, "quota.movement"},
    {"lg_quota_movements", T("kind"), MV, "quota.movement"},
    {"lg_quota_movements", T("type"), MV, "quota.movement"},
    {"lg_quota_movements", T("debit_division"), MV, "quota.movement"},
    {"lg_quota_movements", T("debit_bucket"), MV, "quota.movement"},
    {"lg_quota_movements", T("credit_division"), MV, "quota.movement"},
    {"lg_quota_movements", T("credit_bucket"), MV, "quota.movement"},
    {"lg_quota_movements", T("cause_type"), MV, "quota.movement"},
    {"lg_quota_movements", T("cause_id"), MV, "quota.movement"},
    {"lg_quota_movements", N("year"), MV, "quota.movement"},
    {"lg_quota_movements", T("document"), MV, "quota.movement"},
    {"lg_quota_movements", T("note"), MV, "quota.movement"},
    {"lg_quota_movements", T("actor"), MV, "quota.movement"},
    {"lg_quota_movements", T("role"), MV, "quota.movement"},
    {"lg_quota_movements", T("at"), MV, "quota.movement"},
#define LI "id = 1"
    {"lg_quota_listings", T("seller"), LI, "quota.listing"},
    {"lg_quota_listings", T("kind"), LI, "quota.listing"},
    {"lg_quota_listings", N("amount"), LI, "quota.listing"},
    {"lg_quota_listings", N("remaining"), LI, "quota.listing"},
    {"lg_quota_listings", N("reserve_price_fen"), LI, "quota.listing"},
    {"lg_quota_listings", T("status"), LI, "quota.listing"},
    {"lg_quota_listings", N("year"), LI, "quota.listing"},
    {"lg_quota_listings", T("note"), LI, "quota.listing"},
    {"lg_quota_listings", T("created_at"), LI, "quota.listing"},
    {"lg_quota_listings", T("created_by"), LI, "quota.listing"},
    {"lg_quota_listings", T("closed_at"), LI, "quota.listing"},
    {"lg_quota_bids", N("listing_id"), LI, "quota.bid"},
    {"lg_quota_bids", T("buyer"), LI, "quota.bid"},
    {"lg_quota_bids", N("amount"), LI, "quota.bid"},
    {"lg_quota_bids", N("unit_price_fen"), LI, "quota.bid"},
    {"lg_quota_bids", T("status"), LI, "quota.bid"},
    {"lg_quota_bids", N("year"), LI, "quota.bid"},
    {"lg_quota_bids", T("note"), LI, "quota.bid"},
    {"lg_quota_bids", T("created_at"), LI, "quota.bid"},
    {"lg_quota_bids", T("created_by"), LI, "quota.bid"},
    {"lg_quota_bids", T("decided_at"), LI, "quota.bid"},
    {"lg_quota_trades", N("listing_id"), LI, "quota.trade"},
    {"lg_quota_trades", N("bid_id"), LI, "quota.trade"},
    {"lg_quota_trades", T("seller"), LI, "quota.trade"},
    {"lg_quota_trades", T("buyer"), LI, "quota.trade"},
    {"lg_quota_trades", T("kind"), LI, "quota.trade"},
    {"lg_quota_trades", N("amount"), LI, "quota.trade"},
    {"lg_quota_trades", N("unit_price_fen"), LI, "quota.trade"},
    {"lg_quota_trades", N("total_fen"), LI, "quota.trade"},
    {"lg_quota_trades", N("compensation_bp"), LI, "quota.trade"},
    {"lg_quota_trades", N("compensation_fen"), LI, "quota.trade"},
    {"lg_quota_trades", N("seller_net_fen"), LI, "quota.trade"},
    {"lg_quota_trades", N("year"), LI, "quota.trade"},
    {"lg_quota_trades", T("agreement"), LI, "quota.trade"},
    {"lg_quota_trades", N("movement_id"), LI, "quota.trade"},
    {"lg_quota_trades", T("settled_at"), LI, "quota.trade"},
    {"lg_quota_trades", T("settled_by"), LI, "quota.trade"},
    {"lg_quota_fund", T("division"), LI, "quota.fund"},
    {"lg_quota_fund", "type", "CASE type WHEN 'receipt' THEN 'spending' ELSE 'receipt' END", LI,
     "quota.fund"},
    {"lg_quota_fund", N("amount_fen"), LI, "quota.fund"},
    {"lg_quota_fund", N("trade_id"), LI, "quota.fund"},
    {"lg_quota_fund", T("project"), LI, "quota.fund"},
    {"lg_quota_fund", T("note"), LI, "quota.fund"},
    {"lg_quota_fund", T("at"), LI, "quota.fund"},
    {"lg_quota_fund", T("actor"), LI, "quota.fund"},
    {"lg_quota_enclaves", T("name"), LI, "quota.enclave"},
    {"lg_quota_enclaves", T("source"), LI, "quota.enclave"},
    {"lg_quota_enclaves", T("host"), LI, "quota.enclave"},
    {"lg_quota_enclaves", T("park_layer"), LI, "quota.enclave"},
    {"lg_quota_enclaves", N("park_fid"), LI, "quota.enclave"},
    {"lg_quota_enclaves", "quota_from", "CASE quota_from WHEN 'host' THEN 'source' ELSE 'host' END",
     LI, "quota.enclave"},
    {"lg_quota_enclaves", "costs", "'{\"基础设施\":\"host\"}'", LI, "quota.enclave"},
    {"lg_quota_enclaves", "shares",
     "'[{\"from_year\":1,\"to_year\":null,\"source\":1,\"host\":9}]'", LI, "quota.enclave"},
    {"lg_quota_enclaves", N("start_year"), LI, "quota.enclave"},
    {"lg_quota_enclaves", N("end_year"), LI, "quota.enclave"},
    {"lg_quota_enclaves", T("agreement_no"), LI, "quota.enclave"},
    {"lg_quota_enclaves", N("file_id"), LI, "quota.enclave"},
    {"lg_quota_enclaves", T("status"), LI, "quota.enclave"},
#define EY "enclave_id = 1 AND year = 2026"
    {"lg_quota_enclave_figures", N("tax_fen"), EY, "quota.enclave_figures"},
    {"lg_quota_enclave_figures", N("gdp_fen"), EY, "quota.enclave_figures"},
    {"lg_quota_enclave_figures", N("enterprises"), EY, "quota.enclave_figures"},
    {"lg_quota_enclave_figures", T("source"), EY, "quota.enclave_figures"},
    {"lg_quota_enclave_figures", T("recorded_at"), EY, "quota.enclave_figures"},
    {"lg_quota_enclave_figures", T("recorded_by"), EY, "quota.enclave_figures"},
    {"lg_quota_enclave_settlements", N("source_share"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("host_share"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("tax_fen"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("source_tax_fen"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("host_tax_fen"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("gdp_fen"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("source_gdp_fen"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", N("host_gdp_fen"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", T("figures_source"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", T("settled_at"), EY, "quota.enclave_settlement"},
    {"lg_quota_enclave_settlements", T("settled_by"), EY, "quota.enclave_settlement"},
#define SF "division = '360781' AND year = 2026"
    {"lg_quota_stock_figures", N("unsupplied_digested_m2"), SF, "quota.stock_figures"},
    {"lg_quota_stock_figures", N("idle_disposed_m2"), SF, "quota.stock_figures"},
    {"lg_quota_stock_figures", T("source"), SF, "quota.stock_figures"},
    {"lg_quota_stock_figures", T("note"), SF, "quota.stock_figures"},
    {"lg_quota_stock_figures", T("recorded_at"), SF, "quota.stock_figures"},
    {"lg_quota_stock_figures", T("recorded_by"), SF, "quota.stock_figures"},
#define KI "code = 'forest_quota'"
    {"lg_quota_kinds", T("title"), KI, "quota.kind"},
    {"lg_quota_kinds", "unit", "CASE unit WHEN 'm2' THEN 'kg' ELSE 'm2' END", KI, "quota.kind"},
    {"lg_quota_kinds", N("tradable"), KI, "quota.kind"},
    {"lg_quota_kinds", T("basis"), KI, "quota.kind"},
#define CA "case_id = 1"
    {"lg_quota_cases", T("code"), CA, "quota.case"},
    {"lg_quota_cases", T("case_division"), CA, "quota.case"},
    {"lg_quota_cases", T("division"), CA, "quota.case"},
    {"lg_quota_cases", N("enclave_id"), CA, "quota.case"},
    {"lg_quota_cases", N("check_id"), CA, "quota.case"},
    {"lg_quota_cases", T("status"), CA, "quota.case"},
    {"lg_quota_cases", T("message"), CA, "quota.case"},
    {"lg_quota_cases", N("investment_fen"), CA, "quota.case"},
    {"lg_quota_cases", N("year"), CA, "quota.case"},
    {"lg_quota_cases", T("filed_at"), CA, "quota.case"},
    {"lg_quota_case_needs", N("needed"), "case_id = 1 AND kind = 'cultivated_paddy'", "quota.case"},
    {"lg_settings", "value", "replace(value, '1200', '1300')", "key = 'quota.config'",
     "quota.config"},
#undef T
#undef N
};

static void test_audit_every_column(void **state) {
  qenv_t *e = *state;
  populate(e);
  assert_int_equal(quota_findings(e, NULL), 0);
  static const char *const append_only[] = {"lg_quota_kinds", "lg_quota_movements",
                                            "lg_quota_trades", "lg_quota_fund",
                                            "lg_quota_enclave_settlements"};
  int missed = 0;
  for (size_t i = 0; i < LG_ARRAY_LEN(edits); i++) {
    begin(e);
    for (size_t k = 0; k < LG_ARRAY_LEN(append_only); k++)
      lg_test_drop_append_only(e->s, append_only[k]);
    char sql[600];
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = %s WHERE %s", edits[i].table, edits[i].column,
             edits[i].set, edits[i].where);
    lg_err_t err = {0};
    lg_stmt_t *st;
    if (lg_store_prepare(e->s, sql, &st, &err) != 0) fail_msg("%s: %s", sql, err.msg);
    if (lg_store_run(st, "tamper", &err) != 0) fail_msg("%s: %s", sql, err.msg);
    int64_t changed = lg_store_changes(st);
    lg_store_done(st);
    if (changed != 1) fail_msg("%s changed %lld rows", sql, (long long)changed);
    size_t n = quota_findings(e, edits[i].type);
    lg_store_rollback(e->s);
    if (n == 0) {
      print_error("%s.%s edited: no finding of %s\n", edits[i].table, edits[i].column,
                  edits[i].type);
      missed++;
    }
  }
  assert_int_equal(missed, 0);
  assert_int_equal(quota_findings(e, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_reconcile_tamper, case_env_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_audit_every_column, case_env_setup, qenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
