/*
 * quota: enclave parks and allocation by stock disposed, counted by hand.
 *
 * Settlement shares to the fen: the source's part is total x a / (a + b)
 * rounded half up, the host's the rest, so the two always add up. Year 1
 * of an agreement (5:5): 1,234,567 fen -> 617,283.5 -> 617,284 and
 * 617,283; year 4 (3:7): 1,000,001 fen -> 300,000.3 -> 300,000 and
 * 700,001; 999 fen -> 299.7 -> 300 and 699.
 *
 * The proposal (rates 0.5 and 0.5): 360781 recorded 12,345 + 6,789 m2 ->
 * 9,567 m2, but the stock module's figures for it (20,000 + 0) win ->
 * 10,000; 360782 recorded 1 + 0 -> 0.5 -> 1 (llround rounds halves away
 * from zero); 360783 from the stock module 10,001 + 0 -> 5,000.5 ->
 * 5,001. Total 15,002 m2.
 */
#include "files/files.h"
#include "quota_fixture.h"

#define I(o, k) json_integer_value(json_object_get((o), (k)))

static int figures_calls;

/* The industrial-land module's stand-in: figures for 2030 only. */
static int industry(lg_store_t *s, int64_t enclave_id, const char *layer, int64_t fid, int year,
                    int64_t *tax, int64_t *gdp, int *enterprises, bool *found, void *ud,
                    lg_err_t *err) {
  (void)s, (void)enclave_id, (void)layer, (void)fid, (void)ud, (void)err;
  figures_calls++;
  *found = year == 2030;
  if (*found) *tax = 999, *gdp = 100000, *enterprises = 12;
  return 0;
}

static void test_enclave_settlement(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = 0;
  lg_quota_enclave_new_t en = {.name = "赣深产业合作区",
                               .source = "440300",
                               .host = "360781",
                               .quota_from = "host",
                               .start_year = 2026};
  /* Bad agreements, each refused. */
  lg_quota_enclave_new_t bad = en;
  bad.source = "360781";
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &bad, &id, &err), LG_EINVAL);
  assert_msg(err, "不能是同一行政区");
  bad = en;
  bad.quota_from = "both";
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &bad, &id, &err), LG_EINVAL);
  bad = en;
  json_t *gap = json_loads("[{\"from_year\":1,\"to_year\":3,\"source\":5,\"host\":5},"
                           "{\"from_year\":5,\"to_year\":null,\"source\":3,\"host\":7}]",
                           0, NULL);
  bad.shares = gap;
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &bad, &id, &err), LG_EINVAL);
  assert_msg(err, "from_year");
  json_decref(gap);
  bad = en;
  json_t *costs = json_pack("{s:s}", "基础设施", "everyone");
  bad.costs = costs;
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &bad, &id, &err), LG_EINVAL);
  assert_msg(err, "基础设施");
  json_decref(costs);
  bad = en;
  bad.park_layer = "no_such_layer";
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &bad, &id, &err), LG_ENOTFOUND);
  assert_int_equal(q_sql_int(e->s, "SELECT count(*) FROM lg_quota_enclaves"), 0);

  /* A real one, with its signed agreement (a PDF, kept by src/files). */
  char pdf[400];
  snprintf(pdf, sizeof pdf, "%s/协议.pdf", e->dir);
  FILE *f = fopen(pdf, "w");
  fputs("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count "
        "0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        f);
  fclose(f);
  costs =
      json_pack("{s:s, s:s, s:s}", "基础设施", "source", "征地拆迁", "host", "招商引资", "shared");
  en.costs = costs;
  en.agreement_path = pdf;
  en.agreement_no = "赣深合〔2026〕1号";
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &en, &id, &err), 0);
  json_decref(costs);
  lg_file_info_t fi;
  char oid[24];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  assert_int_equal(lg_files_latest(e->s, "quota.enclave", oid, "agreement", &fi, &err), 0);
  assert_string_equal(fi.mime, "application/pdf");
  json_t *o = NULL;
  assert_int_equal(lg_quota_enclave_get(e->s, id, &o, &err), 0);
  assert_i64(I(o, "file_id"), fi.id);
  /* The configuration's schedule: 5:5 for years 1-3, then 3:7. */
  assert_int_equal(json_array_size(json_object_get(o, "shares")), 2);
  json_decref(o);

  assert_int_equal(lg_quota_enclave_record(e->s, NULL, id, 2026, 1234567, 98765432101LL, 8, &err),
                   0);
  json_t *st = NULL;
  assert_int_equal(lg_quota_enclave_settle(e->s, NULL, id, 2026, &st, &err), 0);
  assert_i64(I(st, "source_share"), 5);
  assert_i64(I(st, "source_tax_fen"), 617284);
  assert_i64(I(st, "host_tax_fen"), 617283);
  /* 98,765,432,101 / 2 = 49,382,716,050.5 -> 49,382,716,051. */
  assert_i64(I(st, "source_gdp_fen"), 49382716051LL);
  assert_i64(I(st, "host_gdp_fen"), 49382716050LL);
  json_decref(st);
  assert_int_equal(lg_quota_enclave_record(e->s, NULL, id, 2029, 1000001, 10, -1, &err), 0);
  assert_int_equal(lg_quota_enclave_settle(e->s, NULL, id, 2029, &st, &err), 0);
  assert_i64(I(st, "source_share"), 3);
  assert_i64(I(st, "host_share"), 7);
  assert_i64(I(st, "source_tax_fen"), 300000);
  assert_i64(I(st, "host_tax_fen"), 700001);
  assert_i64(I(st, "source_gdp_fen"), 3);
  assert_i64(I(st, "host_gdp_fen"), 7);
  json_decref(st);
  /* Once per year; figures of a settled year stay; none for 2027; 2025
   * is before the agreement. */
  uint64_t n0 = ledger_size(e);
  assert_int_equal(lg_quota_enclave_settle(e->s, NULL, id, 2026, NULL, &err), LG_ECONFLICT);
  assert_int_equal(lg_quota_enclave_record(e->s, NULL, id, 2026, 1, 1, 1, &err), LG_ECONFLICT);
  assert_msg(err, "已结算");
  assert_int_equal(lg_quota_enclave_settle(e->s, NULL, id, 2027, NULL, &err), LG_EINVAL);
  assert_msg(err, "没有 2027 年的数据");
  assert_int_equal(lg_quota_enclave_settle(e->s, NULL, id, 2025, NULL, &err), LG_EINVAL);
  assert_msg(err, "不在协议期内");
  assert_int_equal(lg_quota_enclave_record(e->s, NULL, id, 2027, -1, 0, 0, &err), LG_EINVAL);
  assert_i64(ledger_size(e), n0);
  /* The industrial-land module's figures, when it gives them. */
  lg_quota_enclave_figures_source(industry, NULL);
  assert_int_equal(lg_quota_enclave_settle(e->s, NULL, id, 2030, &st, &err), 0);
  lg_quota_enclave_figures_source(NULL, NULL);
  assert_int_equal(figures_calls, 1);
  assert_string_equal(json_string_value(json_object_get(st, "figures_source")), "industry");
  assert_i64(I(st, "source_tax_fen"), 300);
  assert_i64(I(st, "host_tax_fen"), 699);
  json_decref(st);
  assert_int_equal(lg_quota_enclave_get(e->s, id, &o, &err), 0);
  assert_int_equal(json_array_size(json_object_get(o, "settlements")), 3);
  assert_int_equal(json_array_size(json_object_get(o, "figures")), 2);
  json_decref(o);
  assert_int_equal(quota_findings(e, NULL), 0);
}

static int stock(lg_store_t *s, const char *within, int year, lg_quota_stock_figures_t **out,
                 size_t *n, void *ud, lg_err_t *err) {
  (void)s, (void)ud, (void)err;
  *n = 0;
  *out = NULL;
  if (year != 2026 || strcmp(within, "3607")) return 0;
  *out = lg_calloc(2, sizeof **out);
  (*out)[0] = (lg_quota_stock_figures_t){
      .division = "360781", .year = 2026, .unsupplied_digested_m2 = 20000};
  (*out)[1] = (lg_quota_stock_figures_t){
      .division = "360783", .year = 2026, .unsupplied_digested_m2 = 10001};
  *n = 2;
  return 0;
}

static void test_proposal(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  lg_quota_stock_figures_t f = {.division = "360781",
                                .year = 2026,
                                .unsupplied_digested_m2 = 12345,
                                .idle_disposed_m2 = 6789};
  assert_int_equal(lg_quota_stock_record(e->s, NULL, &f, "2026 年批而未供消化台账", &err), 0);
  f = (lg_quota_stock_figures_t){.division = "360782", .year = 2026, .unsupplied_digested_m2 = 1};
  assert_int_equal(lg_quota_stock_record(e->s, NULL, &f, NULL, &err), 0);
  f = (lg_quota_stock_figures_t){.division = "3607", .year = 2026};
  assert_int_equal(lg_quota_stock_record(e->s, NULL, &f, NULL, &err), LG_EINVAL);
  assert_msg(err, "县级");
  f = (lg_quota_stock_figures_t){.division = "360782", .year = 2026, .idle_disposed_m2 = -1};
  assert_int_equal(lg_quota_stock_record(e->s, NULL, &f, NULL, &err), LG_EINVAL);
  json_t *p = NULL;
  assert_int_equal(lg_quota_proposal(e->s, "3607", 2026, &p, &err), 0);
  assert_i64(I(p, "for_year"), 2027);
  assert_i64(I(p, "total_m2"), 9568); /* 9,567 + 1, recorded only */
  json_decref(p);
  lg_quota_stock_source(stock, NULL);
  assert_int_equal(lg_quota_proposal(e->s, "360700", 2026, &p, &err), 0);
  lg_quota_stock_source(NULL, NULL);
  assert_i64(I(p, "total_m2"), 15002);
  size_t i;
  json_t *c;
  int seen = 0;
  json_array_foreach(json_object_get(p, "counties"), i, c) {
    const char *d = json_string_value(json_object_get(c, "division"));
    const char *src = json_string_value(json_object_get(c, "source"));
    if (!strcmp(d, "360781")) {
      assert_i64(I(c, "proposed_m2"), 10000);
      assert_string_equal(src, "stock");
      seen++;
    } else if (!strcmp(d, "360782")) {
      assert_i64(I(c, "proposed_m2"), 1);
      assert_string_equal(src, "recorded");
      seen++;
    } else if (!strcmp(d, "360783")) {
      assert_i64(I(c, "proposed_m2"), 5001);
      seen++;
    }
  }
  assert_int_equal(seen, 3);
  json_decref(p);
  assert_int_equal(quota_findings(e, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_enclave_settlement, qenv_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_proposal, qenv_setup, qenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
