/*
 * Standard-land parcels and the admission check (src/industry/parcel.c,
 * admission.c). The parcel: 20,000 m2 = 30 mu (1 mu = 10000/15 m2), industry
 * 39, default conditions (data/industry/default.json): investment >= 200
 * 万元/亩, floor-area ratio >= 1.0 (the 2008 table's row 40 of GB/T
 * 4754-2002), coverage >= 30 %, office and living <= 7 %, green <= 20 %,
 * output >= 300 and tax >= 15 万元/亩.
 *
 * Project A: 7,500 万元 / 30 = 250 per mu; 24,000 m2 / 20,000 = 1.2;
 *   9,000 / 20,000 = 45 %; 1,000 -> 5 %; 2,000 -> 10 %; output 12,000 / 30
 *   = 400; tax 600 / 30 = 20: all met, admitted.
 * Project B: 4,500 / 30 = 150 (short 50); 16,000 -> 0.8 (short 0.2); 5,000
 *   -> 25 % (short 5); 2,000 -> 10 % (over 3); 5,000 -> 25 % (over 5);
 *   output and tax not declared: refused with five reasons.
 * Catalogue (examples of data/industry): a new cement clinker line
 *   (restricted, industry 30) refused, the same as a renovation admitted
 *   with a remark; 土法炼焦 (eliminated, 25) refused even as a renovation.
 */
#include "industry_fixture.h"

#include <math.h>

static json_t *project(double inv, double floor, double foot, double office, double green,
                       double out, double tax) {
  json_t *p = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f}", "name", "项目", "industry",
                        "3911", "products", "服务器主板", "investment_wan", inv, "floor_area_m2",
                        floor, "footprint_m2", foot, "office_living_m2", office, "green_m2", green);
  if (out >= 0) json_object_set_new(p, "output_wan", json_real(out));
  if (tax >= 0) json_object_set_new(p, "tax_wan", json_real(tax));
  return p;
}

static const json_t *item(const json_t *r, const char *key) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "items"), i,
                     x) if (!strcmp(json_string_value(json_object_get(x, "key")), key)) return x;
  fail_msg("item %s missing", key);
  return NULL;
}

static double num(const json_t *o, const char *k) {
  return json_number_value(json_object_get(o, k));
}

static json_t *check(lg_store_t *s, int64_t parcel, json_t *pj) {
  lg_industry_project_t p;
  lg_err_t err = {0};
  json_t *r = NULL;
  I_OK(lg_industry_project_from_json(pj, &p, &err));
  I_OK(lg_industry_admission(s, parcel, &p, &r, &err));
  return r;
}

static void test_parcel(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  uint64_t before = i_ledger_size(e->s);
  int64_t id = i_parcel(e->s, "BZD-2026-01");
  assert_int_equal(i_ledger_size(e->s), before + 1);
  json_t *p = NULL;
  I_OK(lg_industry_parcel_get(e->s, id, &p, &err));
  assert_near(num(p, "mu"), 30, 1e-9);
  const json_t *c = json_object_get(p, "conditions");
  assert_near(num(json_object_get(c, "floor_area_ratio_min"), "value"), 1.0, 1e-12);
  assert_near(num(json_object_get(c, "building_coverage_min"), "value"), 30, 1e-12);
  assert_true(
      json_is_false(json_object_get(json_object_get(c, "floor_area_ratio_min"), "confirmed")));
  json_decref(p);
  int64_t found = 0;
  I_OK(lg_industry_parcel_find(e->s, "BZD-2026-01", &found, &err));
  assert_int_equal(found, id);
  /* The same code again, an unknown industry, an unknown condition. */
  lg_industry_parcel_req_t r = {
      .code = "BZD-2026-01", .name = "x", .division = "360781", .industry = "39", .area_m2 = 100};
  assert_int_equal(lg_industry_parcel_create(e->s, NULL, &r, NULL, &err), LG_ECONFLICT);
  r.code = "BZD-2026-02";
  r.industry = "05";
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_parcel_create(e->s, NULL, &r, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "行业代码"));
  /* The bureau sets a stricter floor-area ratio. */
  r.industry = "39";
  json_t *set = json_pack("{s:f}", "floor_area_ratio_min", 1.5);
  r.set = set;
  I_OK(lg_industry_parcel_create(e->s, NULL, &r, &id, &err));
  I_OK(lg_industry_parcel_get(e->s, id, &p, &err));
  c = json_object_get(json_object_get(p, "conditions"), "floor_area_ratio_min");
  assert_near(num(c, "value"), 1.5, 1e-12);
  assert_string_equal(json_string_value(json_object_get(c, "source")), "bureau");
  json_decref(p);
  json_decref(set);
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_parcels"), 2);
}

static void test_admitted(void **state) {
  ienv_t *e = *state;
  int64_t id = i_parcel(e->s, "BZD-A");
  json_t *pj = project(7500, 24000, 9000, 1000, 2000, 12000, 600);
  json_t *r = check(e->s, id, pj);
  assert_string_equal(json_string_value(json_object_get(r, "verdict")), "admitted");
  assert_near(num(item(r, "investment_intensity_min"), "actual"), 250, 1e-9);
  assert_near(num(item(r, "floor_area_ratio_min"), "actual"), 1.2, 1e-9);
  assert_near(num(item(r, "building_coverage_min"), "actual"), 45, 1e-9);
  assert_near(num(item(r, "office_living_max"), "actual"), 5, 1e-9);
  assert_near(num(item(r, "green_ratio_max"), "actual"), 10, 1e-9);
  assert_near(num(item(r, "output_per_mu_min"), "actual"), 400, 1e-9);
  assert_near(num(item(r, "tax_per_mu_min"), "actual"), 20, 1e-9);
  assert_int_equal(json_array_size(json_object_get(r, "catalogue")), 0);
  json_decref(r);
  json_decref(pj);
}

static void test_refused(void **state) {
  ienv_t *e = *state;
  int64_t id = i_parcel(e->s, "BZD-B");
  json_t *pj = project(4500, 16000, 5000, 2000, 5000, -1, -1);
  json_t *r = check(e->s, id, pj);
  assert_string_equal(json_string_value(json_object_get(r, "verdict")), "refused");
  assert_string_equal(json_string_value(json_object_get(r, "verdict_title")), "不予准入");
  assert_near(num(item(r, "investment_intensity_min"), "gap"), 50, 1e-9);
  assert_near(num(item(r, "floor_area_ratio_min"), "gap"), 0.2, 1e-9);
  assert_near(num(item(r, "building_coverage_min"), "gap"), 5, 1e-9);
  assert_near(num(item(r, "office_living_max"), "gap"), 3, 1e-9);
  assert_near(num(item(r, "green_ratio_max"), "gap"), 5, 1e-9);
  assert_true(json_is_null(json_object_get(item(r, "tax_per_mu_min"), "met")));
  assert_int_equal(json_array_size(json_object_get(r, "reasons")), 5);
  const char *r0 = json_string_value(json_array_get(json_object_get(r, "reasons"), 0));
  assert_non_null(strstr(r0, "低于") ? r0 : strstr(r0, "高于"));
  json_decref(r);
  json_decref(pj);
}

static void test_catalogue(void **state) {
  ienv_t *e = *state;
  int64_t id = i_parcel(e->s, "BZD-C");
  json_t *pj = project(7500, 24000, 9000, 1000, 2000, 12000, 600);
  json_object_set_new(pj, "industry", json_string("3011"));
  json_object_set_new(pj, "products", json_string("新建水泥熟料生产线 4500 吨/日"));
  json_t *r = check(e->s, id, pj);
  assert_string_equal(json_string_value(json_object_get(r, "verdict")), "refused");
  const json_t *hit = json_array_get(json_object_get(r, "catalogue"), 0);
  assert_string_equal(json_string_value(json_object_get(hit, "class")), "restricted");
  json_decref(r);
  json_object_set_new(pj, "renovation", json_true());
  r = check(e->s, id, pj);
  assert_string_equal(json_string_value(json_object_get(r, "verdict")), "admitted");
  assert_int_equal(json_array_size(json_object_get(r, "catalogue")), 1);
  json_decref(r);
  json_object_set_new(pj, "industry", json_string("2520"));
  json_object_set_new(pj, "products", json_string("土法炼焦"));
  r = check(e->s, id, pj);
  assert_string_equal(json_string_value(json_object_get(r, "verdict")), "refused");
  hit = json_array_get(json_object_get(r, "catalogue"), 0);
  assert_string_equal(json_string_value(json_object_get(hit, "class")), "eliminated");
  json_decref(r);
  /* A project that names no investment is refused as input, naming it. */
  json_object_del(pj, "investment_wan");
  lg_industry_project_t p;
  lg_err_t err = {0};
  assert_int_equal(lg_industry_project_from_json(pj, &p, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "固定资产投资"));
  json_decref(pj);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_parcel, ienv_setup, ienv_teardown),
      cmocka_unit_test_setup_teardown(test_admitted, ienv_setup, ienv_teardown),
      cmocka_unit_test_setup_teardown(test_refused, ienv_setup, ienv_teardown),
      cmocka_unit_test_setup_teardown(test_catalogue, ienv_setup, ienv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
