/*
 * The investment agreement and its joint acceptance (src/industry/
 * parcel.c, accept.c), every branch of the decision. The parcel: 20,000
 * m2 = 30 mu, default conditions (floor-area ratio >= 1.0, coverage >= 30
 * %, office <= 7 %, green <= 20 %). The agreement: 7,500 万元 (250 per
 * mu), output 400 and tax 20 万元 per mu.
 *
 * Completion, 2026-08-31: investment 6,900 / 30 = 230 per mu, short 20;
 *   24,000 m2 -> 1.2, 9,000 -> 45 %, 1,000 -> 5 %, 2,000 -> 10 %: rectify,
 *   deadline 6 months later, the 31st kept inside February: 2027-02-28.
 * Completion again, 2027-02-20: 7,800 / 30 = 260: pass.
 * Performance, 2028-03-01: output 11,400 / 30 = 380 (short 20), tax 660
 *   / 30 = 22: rectify, deadline 2028-09-01.
 * Performance again, 2028-09-01: output 11,700 / 30 = 390, still short
 *   10: breach; the stage is then closed.
 */
#include "industry_fixture.h"

#include <math.h>

static double num(const json_t *o, const char *k) {
  return json_number_value(json_object_get(o, k));
}

static const json_t *item(const json_t *r, const char *key) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "items"), i,
                     x) if (!strcmp(json_string_value(json_object_get(x, "key")), key)) return x;
  fail_msg("item %s missing", key);
  return NULL;
}

static lg_industry_commitment_t commitment(void) {
  return (lg_industry_commitment_t){.credit_code = CC[0],
                                    .enterprise = "赣江电子有限公司",
                                    .investment_wan = 7500,
                                    .output_per_mu_wan = 400,
                                    .tax_per_mu_wan = 20,
                                    .signed_on = "2025-03-01",
                                    .start_on = "2025-06-01",
                                    .completion_on = "2026-08-31",
                                    .production_on = "2028-03-01"};
}

static json_t *accept(lg_store_t *s, int64_t parcel, const char *stage, const char *on,
                      json_t *actuals) {
  lg_err_t err = {0};
  json_t *r = NULL;
  I_OK(lg_industry_accept(s, NULL, parcel, stage, on, actuals, &r, NULL, &err));
  json_decref(actuals);
  return r;
}

static json_t *built(double inv) {
  return json_pack("{s:f, s:f, s:f, s:f, s:f}", "investment_wan", inv, "floor_area_m2", 24000.0,
                   "footprint_m2", 9000.0, "office_living_m2", 1000.0, "green_m2", 2000.0);
}

static void test_commitment(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = i_parcel(e->s, "BZD-1");
  lg_industry_commitment_t c = commitment();
  c.credit_code = "91360781MA35E00012";
  assert_int_equal(lg_industry_commit(e->s, NULL, id, &c, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "GB 32100"));
  c = commitment();
  c.completion_on = "2025-05-01"; /* before the start */
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_commit(e->s, NULL, id, &c, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "早于"));
  c = commitment();
  uint64_t before = i_ledger_size(e->s);
  I_OK(lg_industry_commit(e->s, NULL, id, &c, NULL, &err));
  assert_int_equal(i_ledger_size(e->s), before + 1);
  assert_int_equal(lg_industry_commit(e->s, NULL, id, &c, NULL, &err), LG_ECONFLICT);
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_commitments"), 1);
}

static void test_acceptance(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = i_parcel(e->s, "BZD-2");
  lg_industry_commitment_t c = commitment();
  /* No agreement yet: nothing to accept. */
  json_t *r = NULL, *a = built(6900);
  assert_int_equal(
      lg_industry_accept(e->s, NULL, id, "completion", "2026-08-31", a, &r, NULL, &err),
      LG_ECONFLICT);
  I_OK(lg_industry_commit(e->s, NULL, id, &c, NULL, &err));
  /* The performance review before the completion passed. */
  json_t *perf = json_pack("{s:f, s:f}", "output_wan", 11400.0, "tax_wan", 660.0);
  assert_int_equal(
      lg_industry_accept(e->s, NULL, id, "performance", "2028-03-01", perf, &r, NULL, &err),
      LG_ECONFLICT);
  /* A department's figure missing: which one, and nothing recorded. */
  json_object_del(a, "green_m2");
  uint64_t before = i_ledger_size(e->s);
  err = (lg_err_t){0};
  assert_int_equal(
      lg_industry_accept(e->s, NULL, id, "completion", "2026-08-31", a, &r, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "住房城乡建设"));
  assert_non_null(strstr(err.msg, "绿地率"));
  assert_int_equal(i_ledger_size(e->s), before);
  json_decref(a);
  /* Short of investment: rectify. */
  r = accept(e->s, id, "completion", "2026-08-31", built(6900));
  assert_string_equal(json_string_value(json_object_get(r, "result")), "rectify");
  assert_string_equal(json_string_value(json_object_get(r, "deadline")), "2027-02-28");
  assert_near(num(item(r, "investment_intensity"), "required"), 250, 1e-9);
  assert_near(num(item(r, "investment_intensity"), "actual"), 230, 1e-9);
  assert_near(num(item(r, "investment_intensity"), "shortfall"), 20, 1e-9);
  assert_near(num(item(r, "floor_area_ratio"), "actual"), 1.2, 1e-9);
  assert_true(json_is_true(json_object_get(item(r, "green_ratio"), "met")));
  assert_int_equal(json_integer_value(json_object_get(r, "short")), 1);
  json_decref(r);
  assert_int_equal(i_ledger_size(e->s), before + 1);
  /* Rectified: pass. */
  r = accept(e->s, id, "completion", "2027-02-20", built(7800));
  assert_string_equal(json_string_value(json_object_get(r, "result")), "pass");
  assert_true(json_is_null(json_object_get(r, "deadline")));
  json_decref(r);
  /* The stage is closed. */
  a = built(7800);
  assert_int_equal(
      lg_industry_accept(e->s, NULL, id, "completion", "2027-03-01", a, &r, NULL, &err),
      LG_ECONFLICT);
  json_decref(a);
  /* Performance: short of output, rectify; still short, breach. */
  r = accept(e->s, id, "performance", "2028-03-01", perf);
  assert_string_equal(json_string_value(json_object_get(r, "result")), "rectify");
  assert_string_equal(json_string_value(json_object_get(r, "deadline")), "2028-09-01");
  assert_near(num(item(r, "output_per_mu"), "shortfall"), 20, 1e-9);
  assert_near(num(item(r, "tax_per_mu"), "actual"), 22, 1e-9);
  json_decref(r);
  r = accept(e->s, id, "performance", "2028-09-01",
             json_pack("{s:f, s:f}", "output_wan", 11700.0, "tax_wan", 690.0));
  assert_string_equal(json_string_value(json_object_get(r, "result")), "breach");
  assert_near(num(item(r, "output_per_mu"), "shortfall"), 10, 1e-9);
  json_decref(r);
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_acceptances"), 4);
  assert_int_equal(i_ledger_size(e->s), before + 4);
  /* The parcel page shows them in order. */
  json_t *p = NULL;
  I_OK(lg_industry_parcel_get(e->s, id, &p, &err));
  const json_t *acc = json_object_get(p, "acceptances");
  assert_int_equal(json_array_size(acc), 4);
  assert_string_equal(json_string_value(json_object_get(json_array_get(acc, 3), "result")),
                      "breach");
  json_decref(p);
  /* The audit recomputes every recorded object from its row: all match;
   * an edit behind landgov's back is found. */
  lg_ledger_audit_t au = {0};
  I_OK(lg_ledger_audit(e->s, lg_industry_auditors, &au, &err));
  assert_int_equal(au.findings.len, 0);
  assert_int_equal(au.objects, 1 + 1 + 4); /* parcel, agreement, acceptances */
  lg_ledger_audit_fini(&au);
  I_OK(lg_store_exec(e->s, "UPDATE lg_industry_commitments SET investment_wan = 9000", &err));
  au = (lg_ledger_audit_t){0};
  I_OK(lg_ledger_audit(e->s, lg_industry_auditors, &au, &err));
  assert_int_equal(au.findings.len, 1);
  assert_int_equal(au.findings.items[0].kind, LG_LEDGER_AUDIT_CHANGED);
  assert_string_equal(au.findings.items[0].object_type, "industry.commitment");
  lg_ledger_audit_fini(&au);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_commitment, ienv_setup, ienv_teardown),
      cmocka_unit_test_setup_teardown(test_acceptance, ienv_setup, ienv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
