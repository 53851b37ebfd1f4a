/*
 * Evaluation of a project before and after, on the fixture's One Map
 * (consol_fixture.h) as the before layer and an after layer built here,
 * with every figure counted by hand.
 *
 * The project area is [0,100] x [0,100] (10000 m2). Before (the fixture's
 * land use clipped to it): A 1600 (paddy), B 1600, E 800 join into one
 * block of 4000; C clipped to [80,100]x[40,70] is 600, a fragment
 * (touching B at a corner only). Cultivated 4600, paddy 1600, 2 blocks,
 * mean 2300, largest 4000; no construction land; in basic farmland (A)
 * 1600.
 *
 * After (layer "after"): P1 0101 [0,100]x[0,60] 6000, P2 0103
 * [0,50]x[60,100] 2000 (shares y = 60 with P1), P3 0301 [50,100]x[60,80]
 * 1000, P4 0702 [50,70]x[80,100] 400, P5 0301 [70,100]x[80,100] 600:
 * 10000 m2, the whole area. Cultivated P1 + P2 = 8000 in one block, no
 * fragment; paddy 6000; rural construction and construction 400; in
 * basic farmland P1 over A: 1600.
 */
#include <math.h>

#include "consol_fixture.h"

static const patch_t after_patches[] = {
    {"0101", T1, 0, 0, 100, 60},   {"0103", T1, 0, 60, 50, 100},   {"0301", T1, 50, 60, 100, 80},
    {"0702", T1, 50, 80, 70, 100}, {"0301", T1, 70, 80, 100, 100},
};

static int64_t reg(cenv_t *e) {
  lg_err_t err = {0};
  lg_geom_t *a = rect(0, 0, 100, 100);
  lg_consol_project_new_t p = {.name = "评价项目",
                               .type = "farmland",
                               .division = "360781101",
                               .budget_fen = 1,
                               .start_on = "2026-01-01",
                               .end_on = "2026-12-31",
                               .area = a,
                               .srid = 4526};
  int64_t id = 0;
  if (lg_consol_project_register(e->s, NULL, &p, &id, &err)) fail_msg("register: %s", err.msg);
  lg_geom_free(lg_geo_thread(), a);
  return id;
}

static void after_layer(cenv_t *e, const char *name, size_t n) {
  static const lg_field_t lu[] = {{"DLBM", LG_FIELD_TEXT}, {"ZLDWDM", LG_FIELD_TEXT}};
  lg_err_t err = {0};
  if (lg_store_begin(e->s, &err)) fail_msg("%s", err.msg);
  layer_make(e->s, name, "other", "DLBM", lu, 2, after_patches, n);
  if (lg_store_commit(e->s, &err)) fail_msg("%s", err.msg);
}

#define PAIR(o, k, b, a)                                                                           \
  do {                                                                                             \
    assert_near(jnum(o, k ".before"), (b), 0.01);                                                  \
    assert_near(jnum(o, k ".after"), (a), 0.01);                                                   \
    assert_near(jnum(o, k ".change"), (a) - (b), 0.01);                                            \
  } while (0)

static void test_before_after(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = reg(e);
  after_layer(e, "after", LG_ARRAY_LEN(after_patches));
  json_t *o = NULL;
  if (lg_consol_evaluate(e->s, id, "landuse", "after", &o, &err)) fail_msg("%s", err.msg);
  PAIR(o, "cultivated_m2", 4600, 8000);
  PAIR(o, "paddy_m2", 1600, 6000);
  PAIR(o, "pbf_cultivated_m2", 1600, 1600);
  PAIR(o, "blocks", 2, 1);
  PAIR(o, "fragments", 1, 0);
  PAIR(o, "fragments_m2", 600, 0);
  PAIR(o, "mean_block_m2", 2300, 8000);
  PAIR(o, "largest_block_m2", 4000, 8000);
  PAIR(o, "rural_construction_m2", 0, 400);
  PAIR(o, "construction_m2", 0, 400);
  assert_true(json_is_integer(json_object_get(json_object_get(o, "fragments"), "change")));
  assert_near(jnum(o, "rural_construction_reclaimed_m2"), 0, 0.001);
  assert_near(jnum(o, "new_construction_m2"), 400, 0.01);
  /* Quotas: cultivated 8000 - 4600 = 3400, paddy 6000 - 1600 = 4400,
   * linkage max(0, 0 - 400) = 0. */
  assert_int_equal((int)jnum(o, "quotas.cultivated_area"), 3400);
  assert_int_equal((int)jnum(o, "quotas.cultivated_paddy"), 4400);
  assert_int_equal((int)jnum(o, "quotas.linkage_surplus"), 0);
  json_decref(o);
}

/* An after layer with P1 alone leaves 4000 m2 of the area uncovered. */
static void test_after_uncovered(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = reg(e);
  after_layer(e, "after_part", 1);
  json_t *o = NULL;
  assert_int_equal(lg_consol_evaluate(e->s, id, "landuse", "after_part", &o, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "缺 4000.00 平方米"));
  assert_string_equal(err.where, "after");
  lg_err_clear(&err);
  assert_int_equal(lg_consol_evaluate(e->s, id, "landuse", "no_such", &o, &err), LG_ENOTFOUND);
  assert_string_equal(err.where, "after");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_before_after, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_after_uncovered, cenv_setup, cenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
