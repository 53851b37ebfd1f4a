/*
 * review: whole-layer conflicts on the hand-computable fixture
 * (fixture.h): overlap areas and rates, pair counts, the pieces layer,
 * the spatial match degree of land use against plan, and the same
 * figures from one thread and from two.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>

#include "fixture.h"
#include "review/review.h"

static char path[256];
static lg_store_t *S;
static lg_rules_t *R;

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_conflicts_%d.gpkg", (int)getpid());
  if (fx_store(path, FX_ALL, &S, &err) || lg_review_rules_current(S, &R, &err)) {
    fprintf(stderr, "fixture: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_review_rules_free(R);
  lg_store_close(S);
  fx_remove(path);
  return 0;
}

static double num(const json_t *o, const char *a, const char *b) {
  const json_t *x = json_object_get(o, a);
  if (b) x = json_object_get(x, b);
  return json_number_value(x);
}

/* Basic farmland (200 x 300 + 100 x 100 = 70000) lies wholly on land-use
 * patches: 6 + 1 of them. */
static void test_landuse_pbf(void **state) {
  for (int threads = 1; threads <= 2; threads++) {
    lg_err_t err = {0};
    json_t *r = NULL;
    lg_conflict_opts_t o = {.threads = threads};
    assert_int_equal(lg_review_conflicts(S, R, "landuse", "pbf", &o, &r, &err), 0);
    assert_close(num(r, "overlap_m2", NULL), 70000);
    assert_close(num(r, "layer_a", "m2"), 1000000);
    assert_close(num(r, "layer_b", "m2"), 70000);
    assert_close(num(r, "share_of_a", NULL), 0.07);
    assert_close(num(r, "share_of_b", NULL), 1.0);
    assert_close(num(r, "rate", NULL), 0.07);
    assert_int_equal(json_integer_value(json_object_get(r, "pairs")), 7);
    assert_int_equal(json_integer_value(json_object_get(r, "threads")), threads);
    json_decref(r);
  }
}

/* The urban boundary and the red line only touch along y = 500: no
 * overlap, no pairs. */
static void test_touching_only(void **state) {
  lg_err_t err = {0};
  json_t *r = NULL;
  assert_int_equal(lg_review_conflicts(S, R, "udb", "eprl", NULL, &r, &err), 0);
  assert_close(num(r, "overlap_m2", NULL), 0);
  assert_int_equal(json_integer_value(json_object_get(r, "pairs")), 0);
  json_decref(r);
}

/* The pieces become a layer: 10 red-line patches of 1 ha. */
static void test_pieces_layer(void **state) {
  lg_err_t err = {0};
  json_t *r = NULL;
  lg_conflict_opts_t o = {.out_layer = "eprl_landuse", .replace = true};
  assert_int_equal(lg_review_conflicts(S, R, "eprl", "landuse", &o, &r, &err), 0);
  assert_close(num(r, "overlap_m2", NULL), 100000);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "out_layer"), "count")),
                   10);
  json_decref(r);
  lg_layer_info_t info;
  assert_int_equal(lg_store_layer_get(S, "eprl_landuse", &info, &err), 0);
  assert_int_equal(info.count, 10);
  assert_string_equal(info.role, "other");
  lg_store_layer_info_fini(&info);
  /* The pieces' own areas, read back through SQL, add up. */
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(S,
                                    "SELECT sum(area_m2), count(DISTINCT b_code) FROM eprl_landuse",
                                    &st, NULL),
                   0);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_close(lg_store_col_real(st, 0), 100000);
  assert_int_equal(lg_store_col_int(st, 1), 2); /* 1101 and 1204 */
  lg_store_done(st);
  /* Writing over an input layer is refused. */
  o.out_layer = "landuse";
  assert_int_equal(lg_review_conflicts(S, R, "eprl", "landuse", &o, &r, &err), LG_EINVAL);
}

/* Match degree of land use against plan: west zone 0101 agrees with the
 * two paddy columns (200000), east zone 1001 with the 0601 column
 * (100000): 300000 of 1000000. */
static void test_match_degree(void **state) {
  lg_err_t err = {0};
  json_t *r = NULL;
  lg_conflict_opts_t o = {.match = true};
  assert_int_equal(lg_review_conflicts(S, R, "landuse", "plan", &o, &r, &err), 0);
  const json_t *m = json_object_get(r, "match");
  assert_close(num(m, "compared_m2", NULL), 1000000);
  assert_close(num(m, "agree_m2", NULL), 300000);
  assert_close(num(m, "degree", NULL), 0.3);
  assert_string_equal(json_string_value(json_object_get(m, "code_system_a")), "tdsc");
  assert_string_equal(json_string_value(json_object_get(m, "code_system_b")), "ydyh2023");
  /* The largest disagreement is one of the 1-column (100000) pairs. */
  const json_t *top = json_object_get(m, "top_conflicts");
  assert_int_equal(json_array_size(top), 7);
  assert_close(num(json_array_get(top, 0), "m2", NULL), 100000);
  json_decref(r);
  /* Matching needs class codes on both sides. */
  assert_int_equal(lg_review_conflicts(S, R, "landuse", "pbf", &o, &r, &err), LG_EINVAL);
}

/* Past its deadline (a server's limits.request_ms), on one thread or two,
 * the analysis gives up with LG_ELIMIT naming the layer it was reading;
 * well within it, the figures of test_landuse_pbf. */
static void test_deadline(void **state) {
  for (int threads = 1; threads <= 2; threads++) {
    lg_err_t err = {0};
    json_t *r = NULL;
    lg_conflict_opts_t o = {.threads = threads, .deadline = lg_mono() - 1};
    assert_int_equal(lg_review_conflicts(S, R, "landuse", "pbf", &o, &r, &err), LG_ELIMIT);
    assert_null(r);
    assert_non_null(strstr(err.msg, "时限"));
    o.deadline = lg_mono() + 3600;
    assert_int_equal(lg_review_conflicts(S, R, "landuse", "pbf", &o, &r, &err), 0);
    assert_close(num(r, "overlap_m2", NULL), 70000);
    json_decref(r);
  }
}

static void test_bad_layers(void **state) {
  lg_err_t err = {0};
  json_t *r = NULL;
  assert_int_equal(lg_review_conflicts(S, R, "landuse", "nosuch", NULL, &r, &err), LG_ENOTFOUND);
  assert_int_equal(lg_review_conflicts(S, R, "landuse", "landuse", NULL, &r, &err), LG_EINVAL);
  assert_null(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_landuse_pbf),  cmocka_unit_test(test_touching_only),
      cmocka_unit_test(test_pieces_layer), cmocka_unit_test(test_match_degree),
      cmocka_unit_test(test_deadline),     cmocka_unit_test(test_bad_layers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
