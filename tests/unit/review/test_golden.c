/*
 * review: golden reports. Each case checks one boundary on the
 * hand-computable fixture (fixture.h) and compares the whole report with
 * tests/data/check/<name>.expected.json, key by key (numbers to 1e-9
 * relative): a change to any part of the report shows up here, so a
 * reorganisation of the check is provably unchanged and a change of the
 * law's rules names every report it moves.
 *
 * The expected files were written once with LG_GOLDEN_WRITE=1 and then
 * reviewed by hand against the fixture: every area in them is a product of
 * the fixture's rectangle sides (the comment of each case gives the
 * products), every authority and verdict follows from the Land
 * Administration Law's rules applied by hand. Write them again only for an
 * intended change, and review the diff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "fixture.h"
#include "review/review.h"

static char path[256], path_lu[256];
static lg_store_t *S, *S_lu;
static lg_rules_t *R;
static lg_checker_t *C, *C_lu;

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_golden_%d.gpkg", (int)getpid());
  snprintf(path_lu, sizeof path_lu, "/tmp/lg_test_golden_lu_%d.gpkg", (int)getpid());
  if (fx_store(path, FX_ALL, &S, &err) || fx_store(path_lu, FX_LANDUSE, &S_lu, &err) ||
      lg_review_rules_current(S, &R, &err) || lg_review_checker_new(S, R, &C, &err) ||
      lg_review_checker_new(S_lu, R, &C_lu, &err)) {
    fprintf(stderr, "fixture: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_review_checker_free(C);
  lg_review_checker_free(C_lu);
  lg_review_rules_free(R);
  lg_store_close(S);
  lg_store_close(S_lu);
  fx_remove(path);
  fx_remove(path_lu);
  return 0;
}

/* Compares two JSON values; on the first difference prints its path. */
static bool same(const json_t *a, const json_t *e, const char *where) {
  char sub[512];
  if (json_is_number(a) && json_is_number(e)) {
    double x = json_number_value(a), y = json_number_value(e);
    if (fabs(x - y) <= 1e-9 * fmax(1.0, fabs(y))) return true;
    fprintf(stderr, "%s: got %.12g, expected %.12g\n", where, x, y);
    return false;
  }
  if (json_typeof(a) != json_typeof(e)) {
    fprintf(stderr, "%s: a different type of value\n", where);
    return false;
  }
  if (json_is_object(e)) {
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)e, k, v) {
      snprintf(sub, sizeof sub, "%s.%s", where, k);
      if (!json_object_get(a, k)) {
        fprintf(stderr, "%s: missing\n", sub);
        return false;
      }
      if (!same(json_object_get(a, k), v, sub)) return false;
    }
    json_object_foreach((json_t *)a, k, v) if (!json_object_get(e, k)) {
      fprintf(stderr, "%s.%s: not expected\n", where, k);
      return false;
    }
    return true;
  }
  if (json_is_array(e)) {
    if (json_array_size(a) != json_array_size(e)) {
      fprintf(stderr, "%s: %zu items, expected %zu\n", where, json_array_size(a),
              json_array_size(e));
      return false;
    }
    for (size_t i = 0; i < json_array_size(e); i++) {
      snprintf(sub, sizeof sub, "%s[%zu]", where, i);
      if (!same(json_array_get(a, i), json_array_get(e, i), sub)) return false;
    }
    return true;
  }
  if (json_equal((json_t *)a, (json_t *)e)) return true;
  fprintf(stderr, "%s: got %s, expected %s\n", where,
          json_is_string(a) ? json_string_value(a) : "(value)",
          json_is_string(e) ? json_string_value(e) : "(value)");
  return false;
}

/* Checks WKT in EPSG:srs (coordinates relative to the fixture's origin
 * when srs is 4526) and compares with the named expected report. */
static void golden(lg_checker_t *c, const char *name, const char *wkt, int srs,
                   const lg_check_opts_t *o, int want_rc) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), srs, name, &b, &err), 0);
  json_t *r = NULL;
  int rc = lg_review_check(c, &b, o, &r, &err);
  if (rc != want_rc) fprintf(stderr, "%s: %s\n", name, err.msg);
  assert_int_equal(rc, want_rc);
  assert_non_null(r);
  /* What differs from run to run. */
  json_object_del(r, "created_at");
  json_object_del(r, "elapsed_ms");
  char file[512];
  snprintf(file, sizeof file, "%s/check/%s.expected.json", getenv("LG_TESTDATA"), name);
  if (getenv("LG_GOLDEN_WRITE")) {
    assert_int_equal(
        json_dump_file(r, file, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)), 0);
  } else {
    json_error_t je;
    json_t *e = json_load_file(file, 0, &je);
    if (!e) fprintf(stderr, "%s: %s\n", file, je.text);
    assert_non_null(e);
    bool ok = same(r, e, name);
    json_decref(e);
    assert_true(ok);
  }
  json_decref(r);
  lg_review_boundary_fini(&b);
}

static void rect_case(lg_checker_t *c, const char *name, double x1, double y1, double x2, double y2,
                      const lg_check_opts_t *o) {
  char *wkt = fx_rect_wkt(x1, y1, x2, y2);
  golden(c, name, wkt, 4526, o, 0);
  lg_free(wkt);
}

/* 60 x 80 m of 0601 (col 5, row 1), inside the urban boundary, planned
 * 1001, collective: 4,800 m2, no conversion, the province expropriates,
 * pass. */
static void test_town_industrial(void **state) {
  rect_case(C, "town_industrial", 520, 110, 580, 190,
            &(lg_check_opts_t){.use = "1001", .type = "industrial", .name = "园区厂房"});
}

/* 500 x 100 m over cols 1-6, rows 2-3: 0101 5,000, 0103/0301/1006/0601
 * 10,000 each, 0702 5,000; basic farmland 50 x 50 = 2,500; urban
 * boundary 250 x 100 = 25,000; plan 0101 35,000, 1001 15,000:
 * prohibited. */
static void test_farmland_industrial(void **state) {
  rect_case(C, "farmland_industrial", 150, 250, 650, 350,
            &(lg_check_opts_t){.use = "1001", .type = "industrial"});
}

/* The same land for a road: conditional (art. 35), plan conditional on
 * all 50,000 m2. */
static void test_farmland_road(void **state) {
  rect_case(C, "farmland_road", 150, 250, 650, 350,
            &(lg_check_opts_t){.use = "1202", .type = "transport"});
}

/* 100 x 100 m in the red line, 1101 and 1204 5,000 each (unused land):
 * a tourism facility, conditional. */
static void test_red_line_tourism(void **state) {
  rect_case(C, "red_line_tourism", 750, 600, 850, 700,
            &(lg_check_opts_t){.use = "1001", .type = "tourism_facility"});
}

/* 80 x 80 m of state land (rows 8-9, col 5): no expropriation. */
static void test_state_owned(void **state) {
  rect_case(C, "state_owned", 510, 810, 590, 890,
            &(lg_check_opts_t){.use = "1001", .type = "industrial"});
}

/* 60 x 80 m of 1006 inside the urban boundary, no use declared: the
 * county converts (art. 44 para 3), plan conformity not checked. */
static void test_no_use(void **state) {
  rect_case(C, "no_use", 420, 10, 480, 90, &(lg_check_opts_t){.type = "industrial"});
}

/* 2,000 x 2,000 m around the county: 1,000,000 m2 covered, 3,000,000
 * outside the survey. */
static void test_beyond_survey(void **state) {
  rect_case(C, "beyond_survey", -500, -500, 1500, 1500, NULL);
}

/* Only the land-use layer: every control layer reported as not checked. */
static void test_missing_layers(void **state) {
  rect_case(C_lu, "missing_layers", 150, 250, 650, 350,
            &(lg_check_opts_t){.use = "1001", .type = "industrial"});
}

/* Two parcels sharing an edge, x 250-300 and 300-350 by y 400-500 (row
 * 4, the east half of col 2 and the west half of col 3): dissolved into
 * one 100 x 100 m boundary, 0103 and 0301 5,000 m2 each; outside the
 * urban boundary (x < 400), so the province converts; planned 0101, so
 * 1001 is incompatible on all 10,000 m2. */
static void test_two_parcels(void **state) {
  char wkt[600];
  snprintf(wkt, sizeof wkt,
           "MULTIPOLYGON (((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f)),"
           " ((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f)))",
           X0 + 250, Y0 + 400, X0 + 250, Y0 + 500, X0 + 300, Y0 + 500, X0 + 300, Y0 + 400, X0 + 250,
           Y0 + 400, X0 + 300, Y0 + 400, X0 + 300, Y0 + 500, X0 + 350, Y0 + 500, X0 + 350, Y0 + 400,
           X0 + 300, Y0 + 400);
  golden(C, "two_parcels", wkt, 4526, &(lg_check_opts_t){.use = "1001", .type = "industrial"}, 0);
}

/* A bow tie: refused, the report names the crossing at (150, 550). */
static void test_bow_tie(void **state) {
  char wkt[400];
  snprintf(wkt, sizeof wkt, "POLYGON ((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f))",
           X0 + 100, Y0 + 500, X0 + 200, Y0 + 600, X0 + 200, Y0 + 500, X0 + 100, Y0 + 600, X0 + 100,
           Y0 + 500);
  golden(C, "bow_tie", wkt, 4526, NULL, LG_EGEOM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_town_industrial), cmocka_unit_test(test_farmland_industrial),
      cmocka_unit_test(test_farmland_road),   cmocka_unit_test(test_red_line_tourism),
      cmocka_unit_test(test_state_owned),     cmocka_unit_test(test_no_use),
      cmocka_unit_test(test_beyond_survey),   cmocka_unit_test(test_missing_layers),
      cmocka_unit_test(test_two_parcels),     cmocka_unit_test(test_bow_tie),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
