/*
 * The per-mu evaluation (src/industry/permu.c) against figures computed by
 * hand (and checked with a separate script): five enterprises of 360781,
 * four above the size threshold (revenue >= 2,000 万元) and one below.
 *
 *        area m2 (mu)  tax   VA    revenue energy emission R&D  staff
 *   E1   20000 (30)    600   3000  20000   1500   30       600  300
 *   E2   40000 (60)    300   1800   9000   3000   90        90  300
 *   E3   10000 (15)    450   1200   6000    400   10       300  100
 *   E4   20000 (30)     30    -60   3000    600   60         0   60
 *   E5   10000 (15)     45    150   1500    100    5         0   30  (规下)
 *
 * Benchmarks (aggregate: sum over sum):
 *   tax per mu (all five)  = 1425 / 150 mu = 9.5
 *   VA per mu (E1-E4)      = 5940 / 135 mu = 44
 *   labour productivity    = 5940 / 760 = 7.8157894737
 *   VA per tce             = 5940 / 5500 = 1.08
 *   VA per t emitted       = 5940 / 190 = 31.2631578947
 *   R&D share              = 990 / 38000 x 100 = 2.6052631579 %
 * E1: tax 20/9.5 = 2.105263 x 40 = 84.2105; VA 100/44 = 2.272727 x 20 =
 *   45.4545; labour 10/7.815789 = 1.279461 x 10 = 12.7946; energy 2/1.08
 *   = 1.851852 x 10 = 18.5185; emission 100/31.263158 = 3.1986 capped at
 *   3 x 10 = 30; R&D 3/2.605263 = 1.151515 x 10 = 11.5152; score 202.49.
 * E2: 21.0526 + 13.6364 + 7.6768 + 5.5556 + 6.3973 + 3.8384 = 58.16.
 * E3: tax 30/9.5 = 3.16 capped 3 x 40 = 120; 36.3636 + 15.3535 + 27.7778
 *   + 30 (capped) + 19.1919: 248.69.
 * E4: tax 1/9.5 x 40 = 4.2105; value added negative: the other five 0;
 *   4.21.
 * E5 (below the threshold): tax per mu only, weight 100: 3/9.5 x 100 =
 *   31.58.
 * Ranks: E3 248.69, E1 202.49, E2 58.16, E5 31.58, E4 4.21. Grades by the
 * default thresholds (A >= 120, B >= 80, C >= 50): A A C D D; by rank
 * shares 20/50/20/10 of 5: A to rank ceil(1) = 1, B to ceil(3.5) = 4, C
 * to ceil(4.5) = 5: A B B B C.
 */
#include "industry_fixture.h"

#include <math.h>

static const struct {
  double area, tax, va, rev, energy, emis, rd, emp;
} F[] = {
    {20000, 600, 3000, 20000, 1500, 30, 600, 300}, {40000, 300, 1800, 9000, 3000, 90, 90, 300},
    {10000, 450, 1200, 6000, 400, 10, 300, 100},   {20000, 30, -60, 3000, 600, 60, 0, 60},
    {10000, 45, 150, 1500, 100, 5, 0, 30},
};
static const char *const names[] = {"赣江电子", "瑞金机械", "瑞兴光电", "红都纺织", "小微五金"};

static json_t *rows(void) {
  json_t *a = json_array();
  for (int i = 0; i < 5; i++)
    json_array_append_new(
        a, json_pack("{s:i, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "year", 2025,
                     "credit_code", CC[i], "name", names[i], "division", "360781", "area_m2",
                     F[i].area, "tax_wan", F[i].tax, "value_added_wan", F[i].va, "revenue_wan",
                     F[i].rev, "energy_tce", F[i].energy, "emission_t", F[i].emis, "rd_wan",
                     F[i].rd, "employees", F[i].emp));
  return a;
}

static const json_t *ent(const json_t *res, const char *cc) {
  size_t i;
  const json_t *e;
  json_array_foreach(
      json_object_get(res, "enterprises"), i,
      e) if (!strcmp(json_string_value(json_object_get(e, "credit_code")), cc)) return e;
  fail_msg("enterprise %s missing", cc);
  return NULL;
}

static double num(const json_t *o, const char *k) {
  return json_number_value(json_object_get(o, k));
}

static const json_t *indicator(const json_t *e, const char *key) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(e, "indicators"), i,
                     x) if (!strcmp(json_string_value(json_object_get(x, "key")), key)) return x;
  return NULL;
}

static void check_default(const json_t *res) {
  const json_t *b = json_object_get(res, "benchmarks");
  assert_near(num(b, "tax_per_mu"), 9.5, 1e-6);
  assert_near(num(b, "va_per_mu"), 44, 1e-6);
  assert_near(num(b, "labour_productivity"), 5940.0 / 760, 1e-6);
  assert_near(num(b, "va_per_energy"), 1.08, 1e-6);
  assert_near(num(b, "va_per_emission"), 5940.0 / 190, 1e-6);
  assert_near(num(b, "rd_share"), 990.0 / 38000 * 100, 1e-6);
  static const struct {
    int i;
    double score;
    int rank;
    const char *grade;
  } want[] = {{2, 248.69, 1, "A"},
              {0, 202.49, 2, "A"},
              {1, 58.16, 3, "C"},
              {4, 31.58, 4, "D"},
              {3, 4.21, 5, "D"}};
  for (size_t k = 0; k < LG_ARRAY_LEN(want); k++) {
    const json_t *e = ent(res, CC[want[k].i]);
    assert_near(num(e, "score"), want[k].score, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(e, "rank")), want[k].rank);
    assert_string_equal(json_string_value(json_object_get(e, "grade")), want[k].grade);
  }
  /* E1's indicators, each recomputable. */
  const json_t *e1 = ent(res, CC[0]);
  assert_near(num(indicator(e1, "tax_per_mu"), "value"), 20, 1e-9);
  assert_near(num(indicator(e1, "tax_per_mu"), "points"), 84.2105, 1e-4);
  assert_near(num(indicator(e1, "va_per_emission"), "ratio"), 3, 1e-9); /* capped */
  assert_near(num(indicator(e1, "rd_share"), "points"), 11.5152, 1e-4);
  assert_true(json_is_true(json_object_get(e1, "above_size")));
  /* E5 is below the threshold: one indicator, weight 100. */
  const json_t *e5 = ent(res, CC[4]);
  assert_false(json_is_true(json_object_get(e5, "above_size")));
  assert_int_equal(json_array_size(json_object_get(e5, "indicators")), 1);
  assert_near(num(indicator(e5, "tax_per_mu"), "weight"), 100, 1e-9);
  /* E4's value added is negative: its VA ratios are 0, not negative. */
  assert_near(num(indicator(ent(res, CC[3]), "va_per_mu"), "points"), 0, 1e-12);
  const json_t *g = json_object_get(res, "grades");
  assert_int_equal(json_integer_value(json_object_get(g, "A")), 2);
  assert_int_equal(json_integer_value(json_object_get(g, "C")), 1);
  assert_int_equal(json_integer_value(json_object_get(g, "D")), 2);
}

static void test_eval_default(void **state) {
  (void)state;
  json_t *cfg = json_loads(lg_industry_config_default_json(), 0, NULL), *res = NULL, *r = rows();
  lg_err_t err = {0};
  assert_int_equal(lg_industry_permu_eval(cfg, 2025, r, &res, &err), 0);
  check_default(res);
  json_decref(res);
  json_decref(r);
  json_decref(cfg);
}

static void test_eval_rank_shares(void **state) {
  (void)state;
  json_t *cfg = json_loads(lg_industry_config_default_json(), 0, NULL), *res = NULL, *r = rows();
  json_object_set_new(json_object_get(json_object_get(cfg, "permu"), "grading"), "method",
                      json_string("rank_share"));
  lg_err_t err = {0};
  assert_int_equal(lg_industry_config_check(cfg, &err), 0);
  assert_int_equal(lg_industry_permu_eval(cfg, 2025, r, &res, &err), 0);
  static const char *const want[] = {"B", "B", "A", "C", "B"}; /* E1..E5 */
  for (int i = 0; i < 5; i++)
    assert_string_equal(json_string_value(json_object_get(ent(res, CC[i]), "grade")), want[i]);
  json_decref(res);
  json_decref(r);
  json_decref(cfg);
}

/* The same figures through the store: recorded (one ledger entry each),
 * evaluated and saved (one more), with the same result. */
static void test_store(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  json_t *r = rows();
  lg_industry_figures_t f[5];
  for (int i = 0; i < 5; i++)
    assert_int_equal(lg_industry_figures_from_json(json_array_get(r, i), &f[i], &err), 0);
  uint64_t before = i_ledger_size(e->s);
  I_OK(lg_industry_figures_add(e->s, NULL, f, 5, &err));
  assert_int_equal(i_ledger_size(e->s), before + 5);
  json_t *res = NULL;
  I_OK(lg_industry_evaluate(e->s, NULL, 2025, "360781", true, &res, &err));
  check_default(res);
  assert_int_equal(i_ledger_size(e->s), before + 6);
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_evaluations"), 1);
  json_decref(res);
  /* Another county has nothing for the year. */
  assert_int_equal(lg_industry_evaluate(e->s, NULL, 2025, "360782", false, &res, &err),
                   LG_ENOTFOUND);
  /* A duplicate enterprise-year in a batch: nothing of the batch lands,
   * the message names the row. */
  lg_industry_figures_t g[2] = {f[0], f[1]};
  g[0].year = g[1].year = 2026;
  g[1].credit_code = CC[0];
  assert_int_equal(lg_industry_figures_add(e->s, NULL, g, 2, &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "第 2 行"));
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_figures WHERE year = 2026"),
                   0);
  /* Negative tax and a bad credit code are refused naming the field. */
  g[1] = f[1];
  g[1].year = 2026;
  g[1].tax_wan = -1;
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_figures_add(e->s, NULL, g, 2, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "税收"));
  g[1].tax_wan = 1;
  g[1].credit_code = "91360781MA35E00012"; /* wrong check character */
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_figures_add(e->s, NULL, g, 2, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "统一社会信用代码"));
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_figures"), 5);
  /* The next year with the same figures: E4 and E5 are D again, flagged
   * 产而低效; E2 (C) and the others are not. */
  for (int i = 0; i < 5; i++)
    f[i].year = 2026;
  I_OK(lg_industry_figures_add(e->s, NULL, f, 5, &err));
  I_OK(lg_industry_evaluate(e->s, NULL, 2026, "360781", false, &res, &err));
  for (int i = 0; i < 5; i++) {
    const json_t *x = ent(res, CC[i]);
    size_t nflags = json_array_size(json_object_get(x, "flags"));
    assert_int_equal(nflags, i == 3 || i == 4 ? 1 : 0);
    assert_string_equal(json_string_value(json_object_get(x, "previous_grade")),
                        json_string_value(json_object_get(x, "grade")));
  }
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(ent(res, CC[3]), "flags"), 0), "code")),
                      "low_efficiency");
  json_decref(res);
  /* Figures and the kept evaluation audit clean. */
  lg_ledger_audit_t au = {0};
  I_OK(lg_ledger_audit(e->s, lg_industry_auditors, &au, &err));
  assert_int_equal(au.findings.len, 0);
  assert_int_equal(au.objects, 10 + 1);
  lg_ledger_audit_fini(&au);
  json_decref(r);
}

/* The store's own rules: saved with a ledger entry, used, audited; a
 * document with a bad method refused naming the key. */
static void test_config(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  json_t *cfg = json_loads(lg_industry_config_default_json(), 0, NULL);
  json_object_set_new(json_object_get(json_object_get(cfg, "permu"), "grading"), "method",
                      json_string("by_luck"));
  char *text = json_dumps(cfg, 0);
  assert_int_equal(lg_industry_config_save(e->s, NULL, text, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "permu.grading.method"));
  free(text);
  json_object_set_new(json_object_get(json_object_get(cfg, "permu"), "grading"), "method",
                      json_string("rank_share"));
  text = json_dumps(cfg, 0);
  uint64_t before = i_ledger_size(e->s);
  I_OK(lg_industry_config_save(e->s, NULL, text, &err));
  free(text);
  assert_int_equal(i_ledger_size(e->s), before + 1);
  json_t *now = NULL;
  I_OK(lg_industry_config(e->s, &now, &err));
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_object_get(now, "permu"), "grading"), "method")),
                      "rank_share");
  json_decref(now);
  lg_ledger_audit_t au = {0};
  I_OK(lg_ledger_audit(e->s, lg_industry_auditors, &au, &err));
  assert_int_equal(au.findings.len, 0);
  assert_int_equal(au.objects, 1);
  lg_ledger_audit_fini(&au);
  json_decref(cfg);
}

static void test_credit_code(void **state) {
  (void)state;
  for (size_t i = 0; i < LG_ARRAY_LEN(CC); i++)
    assert_true(lg_industry_credit_code_valid(CC[i]));
  assert_false(lg_industry_credit_code_valid("91360781MA35E00012"));
  assert_false(lg_industry_credit_code_valid("91360781MA35E0001"));  /* 17 characters */
  assert_false(lg_industry_credit_code_valid("91360781MA35E0001I")); /* I is not used */
  assert_false(lg_industry_credit_code_valid(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_credit_code),
      cmocka_unit_test(test_eval_default),
      cmocka_unit_test(test_eval_rank_shares),
      cmocka_unit_test_setup_teardown(test_store, ienv_setup, ienv_teardown),
      cmocka_unit_test_setup_teardown(test_config, ienv_setup, ienv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
