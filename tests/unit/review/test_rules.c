/*
 * review: the rule set. The built-in default parses; malformed documents
 * are refused naming the field; the three major classes follow
 * DOMAIN.md section 2 code by code (the expected classes below are copied
 * from that text, not from data/rules/default.json); plan compatibility
 * and the code crosswalk answer as their tables say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "review/review_int.h"

static lg_rules_t *R;

static int setup(void **state) {
  lg_err_t err = {0};
  int rc = lg_review_rules_parse(lg_review_rules_default_json(), 1, &R, &err);
  if (rc) fprintf(stderr, "default rules: %s (%s)\n", err.msg, err.where);
  return rc;
}

static int teardown(void **state) {
  lg_review_rules_free(R);
  return 0;
}

static void test_default_values(void **state) {
  /* Land Administration Law art. 46: 35 ha cultivated, 70 ha other. */
  assert_true(lg_rules_num(R, "authority.expropriation.cultivated_ha", 0) == 35);
  assert_true(lg_rules_num(R, "authority.expropriation.other_ha", 0) == 70);
  assert_string_equal(json_string_value(lg_rules_get(R, "authority.conversion.pbf.level")),
                      "state_council");
  assert_string_equal(lg_rules_type_title(R, "industrial"), "工业项目");
  assert_null(lg_rules_type_title(R, "spaceport"));
}

/* DOMAIN.md section 2, Third Land Survey codes. */
static void test_major_classes_tdsc(void **state) {
  const lg_codesys_t *cs = lg_rules_codesys_for_field(R, "dlbm");
  assert_non_null(cs);
  assert_string_equal(cs->id, "tdsc");
  static const struct {
    const char *code;
    int major;
  } t[] = {
      {"0101", LG_MAJOR_AGRICULTURAL}, {"0103", LG_MAJOR_AGRICULTURAL},
      {"0201", LG_MAJOR_AGRICULTURAL}, {"0201K", LG_MAJOR_AGRICULTURAL},
      {"0305", LG_MAJOR_AGRICULTURAL}, {"0401", LG_MAJOR_AGRICULTURAL},
      {"0403", LG_MAJOR_AGRICULTURAL}, {"0404", LG_MAJOR_AGRICULTURAL},
      {"1006", LG_MAJOR_AGRICULTURAL}, {"1103", LG_MAJOR_AGRICULTURAL},
      {"1104", LG_MAJOR_AGRICULTURAL}, {"1107", LG_MAJOR_AGRICULTURAL},
      {"1202", LG_MAJOR_AGRICULTURAL}, {"1203", LG_MAJOR_AGRICULTURAL},
      {"0303", LG_MAJOR_AGRICULTURAL}, {"0304", LG_MAJOR_AGRICULTURAL},
      {"0306", LG_MAJOR_AGRICULTURAL}, {"0402", LG_MAJOR_AGRICULTURAL},
      {"05H1", LG_MAJOR_CONSTRUCTION}, {"0601", LG_MAJOR_CONSTRUCTION},
      {"0603", LG_MAJOR_CONSTRUCTION}, {"0702", LG_MAJOR_CONSTRUCTION},
      {"08H2", LG_MAJOR_CONSTRUCTION}, {"09", LG_MAJOR_CONSTRUCTION},
      {"1001", LG_MAJOR_CONSTRUCTION}, {"1009", LG_MAJOR_CONSTRUCTION},
      {"1109", LG_MAJOR_CONSTRUCTION}, {"1201", LG_MAJOR_CONSTRUCTION},
      {"1101", LG_MAJOR_UNUSED},       {"1102", LG_MAJOR_UNUSED},
      {"1105", LG_MAJOR_UNUSED},       {"1106", LG_MAJOR_UNUSED},
      {"1108", LG_MAJOR_UNUSED},       {"1110", LG_MAJOR_UNUSED},
      {"1204", LG_MAJOR_UNUSED},       {"1207", LG_MAJOR_UNUSED},
      {"9999", LG_MAJOR_UNCLASSIFIED},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(t); i++) {
    int got = lg_codesys_major(cs, t[i].code);
    if (got != t[i].major) {
      fprintf(stderr, "%s: got %s, expected %s\n", t[i].code, lg_major_keys[got],
              lg_major_keys[t[i].major]);
      fail();
    }
  }
  assert_true(lg_codesys_cultivated(cs, "0102"));
  assert_false(lg_codesys_cultivated(cs, "0201"));
  assert_true(lg_codesys_paddy(cs, "0101"));
  assert_false(lg_codesys_paddy(cs, "0103"));
  assert_string_equal(lg_codesys_name(cs, "0101"), "水田");
  assert_string_equal(lg_codesys_name(cs, "0201K"), "果园");
}

/* The 2023 classification (ydyh_2023_codes.tsv): farmland, forest and
 * grass are agricultural, the built classes 07-16 construction, natural
 * water surfaces and bare land unused; sea codes are not land classes. */
static void test_major_classes_2023(void **state) {
  const lg_codesys_t *cs = lg_rules_codesys_for_field(R, "YDYHFLDM");
  assert_non_null(cs);
  assert_int_equal(lg_codesys_major(cs, "0101"), LG_MAJOR_AGRICULTURAL);
  assert_int_equal(lg_codesys_major(cs, "0602"), LG_MAJOR_AGRICULTURAL);
  assert_int_equal(lg_codesys_major(cs, "100101"), LG_MAJOR_CONSTRUCTION);
  assert_int_equal(lg_codesys_major(cs, "0701"), LG_MAJOR_CONSTRUCTION);
  assert_int_equal(lg_codesys_major(cs, "16"), LG_MAJOR_CONSTRUCTION);
  assert_int_equal(lg_codesys_major(cs, "1701"), LG_MAJOR_UNUSED);
  assert_int_equal(lg_codesys_major(cs, "2307"), LG_MAJOR_UNUSED);
  assert_int_equal(lg_codesys_major(cs, "1802"), LG_MAJOR_UNCLASSIFIED);
  assert_string_equal(lg_codesys_name(cs, "1001"), "工业用地");
  assert_string_equal(lg_codesys_name(cs, "100102"), "二类工业用地");
}

static void test_plan_compat(void **state) {
  assert_int_equal(lg_rules_plan_compat(R, "1001", "1001", NULL), LG_COMPAT_YES);
  assert_int_equal(lg_rules_plan_compat(R, "100101", "10", NULL), LG_COMPAT_YES);
  assert_int_equal(lg_rules_plan_compat(R, "1001", "1101", NULL), LG_COMPAT_YES);
  assert_int_equal(lg_rules_plan_compat(R, "1001", "0101", NULL), LG_COMPAT_NO);
  const char *note = NULL;
  assert_int_equal(lg_rules_plan_compat(R, "0701", "16", &note), LG_COMPAT_CONDITIONAL);
  assert_non_null(note);
  assert_int_equal(lg_rules_plan_compat(R, "1202", "0301", NULL), LG_COMPAT_CONDITIONAL);
}

static void test_codes_agree(void **state) {
  const lg_codesys_t *t = lg_rules_codesys(R, "tdsc"), *y = lg_rules_codesys(R, "ydyh2023");
  assert_true(lg_rules_codes_agree(R, t, "0101", y, "0101"));
  assert_true(lg_rules_codes_agree(R, t, "0601", y, "1001"));
  assert_true(lg_rules_codes_agree(R, t, "0601", y, "100102"));
  assert_true(lg_rules_codes_agree(R, y, "1001", t, "0601"));
  /* A plan zone of 03 (forest, any kind) agrees with 0301 乔木林地. */
  assert_true(lg_rules_codes_agree(R, t, "0301", y, "03"));
  /* 三调 0305 灌木林地 is 2023 0303; 2023 0305 does not exist. */
  assert_true(lg_rules_codes_agree(R, t, "0305", y, "0303"));
  assert_false(lg_rules_codes_agree(R, t, "0101", y, "1001"));
  assert_false(lg_rules_codes_agree(R, t, "1003", y, "1001"));
  /* Same system: equal or hierarchical. */
  assert_true(lg_rules_codes_agree(R, t, "0101", t, "01"));
  assert_false(lg_rules_codes_agree(R, t, "0101", t, "0102"));
}

/* Malformed rule sets name the field at fault. */
static void expect_bad(const char *path_field, const char *why, void (*edit)(json_t *doc)) {
  json_t *doc = json_loads(lg_review_rules_default_json(), 0, NULL);
  edit(doc);
  char *text = json_dumps(doc, 0);
  lg_rules_t *r = NULL;
  lg_err_t err = {0};
  int rc = lg_review_rules_parse(text, 0, &r, &err);
  if (rc != LG_EINVAL || !strstr(err.msg, path_field)) {
    fprintf(stderr, "%s: rc %d, message \"%s\"\n", why, rc, err.msg);
    fail();
  }
  free(text);
  json_decref(doc);
  lg_review_rules_free(r);
}

static void edit_threshold(json_t *d) {
  json_object_set_new(json_object_get(json_object_get(d, "authority"), "expropriation"),
                      "cultivated_ha", json_string("35"));
}
static void edit_level(json_t *d) {
  json_object_set_new(
      json_object_get(json_object_get(json_object_get(d, "authority"), "conversion"), "pbf"),
      "level", json_string("emperor"));
}
static void edit_type(json_t *d) {
  json_array_append_new(
      json_object_get(json_object_get(json_object_get(d, "controls"), "pbf"), "allowed_types"),
      json_string("spaceport"));
}
static void edit_share(json_t *d) {
  json_object_set_new(json_object_get(json_object_get(d, "controls"), "plan"), "min_share",
                      json_real(1.5));
}
static void edit_major(json_t *d) {
  json_object_set_new(
      json_object_get(json_array_get(json_object_get(d, "code_systems"), 0), "major_classes"), "99",
      json_string("wetland"));
}
static void edit_missing(json_t *d) { json_object_del(d, "negative_list"); }
static void edit_orientation(json_t *d) {
  json_object_set_new(
      json_object_get(json_object_get(json_object_get(d, "validation"), "orientation"), "GeoJSON"),
      "exterior_clockwise", json_string("no"));
}

static void test_bad_rule_sets(void **state) {
  expect_bad("authority.expropriation.cultivated_ha", "threshold as text", edit_threshold);
  expect_bad("authority.conversion.pbf.level", "unknown level", edit_level);
  expect_bad("controls.pbf.allowed_types[", "unknown project type", edit_type);
  expect_bad("controls.plan.min_share", "share above 1", edit_share);
  expect_bad("code_systems[0].major_classes.99", "unknown major class", edit_major);
  expect_bad("negative_list", "missing list", edit_missing);
  expect_bad("validation.orientation.GeoJSON.exterior_clockwise", "direction as text",
             edit_orientation);
  lg_rules_t *r = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_review_rules_parse("{\"format\": 1,", 0, &r, &err), LG_EINVAL);
  assert_non_null(strstr(err.where, "行"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_values),     cmocka_unit_test(test_major_classes_tdsc),
      cmocka_unit_test(test_major_classes_2023), cmocka_unit_test(test_plan_compat),
      cmocka_unit_test(test_codes_agree),        cmocka_unit_test(test_bad_rule_sets),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
