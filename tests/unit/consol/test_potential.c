/*
 * Potential (整治潜力) on the fixture's One Map (consol_fixture.h), each
 * expected figure counted by hand from the rectangles there.
 */
#include <math.h>

#include "consol_fixture.h"

static json_t *potential(cenv_t *e, const char *township, const lg_geom_t *area) {
  lg_consol_unit_t u = {.township = township, .area = area, .srid = 4526};
  json_t *out = NULL;
  lg_err_t err = {0};
  if (lg_consol_potential(e->s, &u, &out, &err)) fail_msg("potential: %s", err.msg);
  return out;
}

/* Township 360781101: A, B, E, C, F and H1-H5 (D lies in 360781102).
 * Cultivated blocks: A+B+E (shared edges) = 1600 + 1600 + 800 = 4000;
 * C touches B only at the corner (80,40), so it is a block of its own,
 * 900 m2 < 2000: one fragment. Total 4900, paddy (0101, A) 1600, mean
 * 4900 / 2 = 2450, largest 4000. Rural construction 0702: H1..H5 =
 * 6400 + 400 + 900 + 1200 + 400 = 9300; H5 lies in the development
 * boundary: outside 8900, blocks H1..H4 = 4; H1 (6400 >= 5000) is the one
 * core; of those <= 1000 m2, H2 is 20 m from H1 (< 200), H3 is 320 m away:
 * one scattered block of 900. Quotas: new cultivated 900 x 0.85 + 900 x
 * 0.03 = 765 + 27 = 792; linkage 900 x 0.85 = 765. Unit: the ten
 * patches, 1600+1600+800+900+3600+6400+400+900+1200+400 = 17800. */
static void test_township(void **state) {
  cenv_t *e = *state;
  json_t *p = potential(e, "360781101", NULL);
  assert_near(jnum(p, "unit.area_m2"), 17800, 0.01);
  assert_int_equal((int)jnum(p, "unit.patches"), 10);
  assert_near(jnum(p, "cultivated.area_m2"), 4900, 0.01);
  assert_near(jnum(p, "cultivated.paddy_m2"), 1600, 0.01);
  assert_int_equal((int)jnum(p, "cultivated.blocks"), 2);
  assert_near(jnum(p, "cultivated.mean_block_m2"), 2450, 0.01);
  assert_near(jnum(p, "cultivated.largest_block_m2"), 4000, 0.01);
  assert_int_equal((int)jnum(p, "cultivated.fragments.count"), 1);
  assert_near(jnum(p, "cultivated.fragments.area_m2"), 900, 0.01);
  assert_near(jnum(p, "rural_construction.area_m2"), 9300, 0.01);
  assert_near(jnum(p, "rural_construction.outside_udb_m2"), 8900, 0.01);
  assert_int_equal((int)jnum(p, "rural_construction.blocks"), 4);
  assert_int_equal((int)jnum(p, "rural_construction.cores"), 1);
  assert_int_equal((int)jnum(p, "rural_construction.scattered.count"), 1);
  assert_near(jnum(p, "rural_construction.scattered.area_m2"), 900, 0.01);
  assert_int_equal((int)jnum(p, "quotas.cultivated_area"), 792);
  assert_int_equal((int)jnum(p, "quotas.linkage_surplus"), 765);
  json_decref(p);
}

/* The county 360781 adds D (0102, 900, alone): blocks 3, fragments 2 of
 * 1800 m2, cultivated 5800, mean 5800 / 3 = 1933.33; quota
 * 765 + 1800 x 0.03 = 819. */
static void test_county(void **state) {
  cenv_t *e = *state;
  json_t *p = potential(e, "360781", NULL);
  assert_near(jnum(p, "cultivated.area_m2"), 5800, 0.01);
  assert_int_equal((int)jnum(p, "cultivated.blocks"), 3);
  assert_int_equal((int)jnum(p, "cultivated.fragments.count"), 2);
  assert_near(jnum(p, "cultivated.fragments.area_m2"), 1800, 0.01);
  assert_near(jnum(p, "cultivated.mean_block_m2"), 1933.33, 0.01);
  assert_int_equal((int)jnum(p, "quotas.cultivated_area"), 819);
  json_decref(p);
}

/* A drawn unit [20,100] x [0,100] (8000 m2) clips A to [20,40]x[0,40]
 * (800, paddy), E to [20,40]x[40,60] (400), C to [80,100]x[40,70] (600)
 * and keeps B (1600): blocks A'+B+E' = 2800 and C' = 600 (a fragment);
 * cultivated 3400, paddy 800; no construction land; quota 600 x 0.03 =
 * 18. Four patches meet it (F begins at x = 110). */
static void test_drawn(void **state) {
  cenv_t *e = *state;
  lg_geom_t *u = rect(20, 0, 100, 100);
  json_t *p = potential(e, NULL, u);
  lg_geom_free(lg_geo_thread(), u);
  assert_near(jnum(p, "unit.area_m2"), 8000, 0.01);
  assert_int_equal((int)jnum(p, "unit.patches"), 4);
  assert_near(jnum(p, "cultivated.area_m2"), 3400, 0.01);
  assert_near(jnum(p, "cultivated.paddy_m2"), 800, 0.01);
  assert_int_equal((int)jnum(p, "cultivated.blocks"), 2);
  assert_near(jnum(p, "cultivated.largest_block_m2"), 2800, 0.01);
  assert_int_equal((int)jnum(p, "cultivated.fragments.count"), 1);
  assert_near(jnum(p, "cultivated.fragments.area_m2"), 600, 0.01);
  assert_near(jnum(p, "rural_construction.area_m2"), 0, 0.001);
  assert_int_equal((int)jnum(p, "rural_construction.blocks"), 0);
  assert_int_equal((int)jnum(p, "quotas.cultivated_area"), 18);
  assert_int_equal((int)jnum(p, "quotas.linkage_surplus"), 0);
  json_decref(p);
}

/* The same unit drawn in geographic CGCS2000 (EPSG:4490) is carried
 * into the layer's CRS: the same figures, within the centimetres the
 * round trip of the corners moves them. */
static void test_drawn_reprojected(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  lg_geom_t *u = rect(20, 0, 100, 100);
  lg_geom_t *ll = lg_geom_transform(lg_geo_thread(), u, 4526, 4490, &err);
  if (!ll) fail_msg("transform: %s", err.msg);
  lg_consol_unit_t unit = {.area = ll, .srid = 4490};
  json_t *p = NULL;
  assert_int_equal(lg_consol_potential(e->s, &unit, &p, &err), 0);
  assert_near(jnum(p, "unit.area_m2"), 8000, 0.5);
  assert_near(jnum(p, "cultivated.area_m2"), 3400, 0.5);
  assert_int_equal((int)jnum(p, "cultivated.fragments.count"), 1);
  json_decref(p);
  lg_geom_free(lg_geo_thread(), u);
  lg_geom_free(lg_geo_thread(), ll);
}

/* The parameters are data: with scattered_max_m2 1500 (the setting
 * consol.config), H4 (1200 m2, 400 m from H1) is scattered too:
 * 2 blocks, 900 + 1200 = 2100 m2; linkage 2100 x 0.85 = 1785. */
static void test_config_setting(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  json_t *cfg = json_loads(lg_consol_config_default_json(), 0, NULL);
  json_object_set_new(json_object_get(cfg, "rural_construction"), "scattered_max_m2",
                      json_integer(1500));
  char *text = json_dumps(cfg, JSON_COMPACT);
  json_decref(cfg);
  if (lg_store_setting_set(e->s, "consol.config", text, &err)) fail_msg("%s", err.msg);
  free(text);
  json_t *p = potential(e, "360781101", NULL);
  assert_int_equal((int)jnum(p, "rural_construction.scattered.count"), 2);
  assert_near(jnum(p, "rural_construction.scattered.area_m2"), 2100, 0.01);
  assert_int_equal((int)jnum(p, "quotas.linkage_surplus"), 1785);
  json_decref(p);
}

/* Saving a configuration: refused with the field named and nothing
 * written when a rate is above 1; saved with its ledger entry otherwise,
 * and the audit finds it as recorded. */
static void test_config_save(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  uint64_t n0 = 0, n1 = 0;
  lg_ledger_size(e->s, &n0, &err);
  json_t *cfg = json_loads(lg_consol_config_default_json(), 0, NULL);
  json_object_set_new(json_object_get(cfg, "yield"), "reclamation_linkage_rate", json_real(1.5));
  char *text = json_dumps(cfg, JSON_COMPACT);
  assert_int_equal(lg_consol_config_save(e->s, text, NULL, &err), LG_EINVAL);
  assert_string_equal(err.where, "yield.reclamation_linkage_rate");
  free(text);
  char *saved = NULL;
  assert_int_equal(lg_store_setting_get(e->s, "consol.config", &saved, &err), 0);
  assert_null(saved);
  json_object_set_new(json_object_get(cfg, "yield"), "reclamation_linkage_rate", json_real(0.5));
  text = json_dumps(cfg, JSON_COMPACT);
  json_decref(cfg);
  lg_err_clear(&err);
  assert_int_equal(lg_consol_config_save(e->s, text, NULL, &err), 0);
  free(text);
  lg_ledger_size(e->s, &n1, &err);
  assert_int_equal(n1, n0 + 1);
  /* H3 alone is scattered: 900 x 0.5 = 450. */
  json_t *p = potential(e, "360781101", NULL);
  assert_int_equal((int)jnum(p, "quotas.linkage_surplus"), 450);
  json_decref(p);
  lg_ledger_audit_t au = {0};
  assert_int_equal(lg_ledger_audit(e->s, lg_consol_auditors, &au, &err), 0);
  assert_int_equal(au.findings.len, 0);
  lg_ledger_audit_fini(&au);
}

/* Features for the map: the fragment C and the scattered H3. */
static void test_features(void **state) {
  cenv_t *e = *state;
  lg_consol_unit_t u = {.township = "360781101", .with_geometry = true};
  json_t *out = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_consol_potential(e->s, &u, &out, &err), 0);
  json_t *f = json_object_get(json_object_get(out, "features"), "features");
  assert_int_equal(json_array_size(f), 2);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_array_get(f, 0), "properties"), "kind")),
                      "fragment");
  json_decref(out);
}

static void test_bad_input(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  json_t *out = NULL;
  lg_geom_t *u = rect(0, 0, 10, 10);
  lg_consol_unit_t both = {.township = "360781101", .area = u};
  assert_int_equal(lg_consol_potential(e->s, &both, &out, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "二者取其一"));
  lg_consol_unit_t bad = {.township = "36a781"};
  lg_err_clear(&err);
  assert_int_equal(lg_consol_potential(e->s, &bad, &out, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "乡镇代码"));
  lg_geom_free(lg_geo_thread(), u);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_township, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_county, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_drawn, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_drawn_reprojected, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_config_setting, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_config_save, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_features, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_bad_input, cenv_setup, cenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
