/*
 * review: the compliance check on the hand-computable fixture (fixture.h).
 * Every expected area is a product of the fixture's rectangle sides; the
 * expected authority, quotas and verdict follow from the Land
 * Administration Law's rules applied by hand to those areas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "fixture.h"
#include "ledger/ledger.h"
#include "review/review.h"

static char path[256];
static lg_store_t *S;
static lg_rules_t *R;
static lg_checker_t *C;

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_check_%d.gpkg", (int)getpid());
  if (fx_store(path, FX_ALL, &S, &err) != 0) {
    fprintf(stderr, "fixture: %s\n", err.msg);
    return -1;
  }
  if (lg_review_rules_current(S, &R, &err) || lg_review_checker_new(S, R, &C, &err)) {
    fprintf(stderr, "checker: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_review_checker_free(C);
  lg_review_rules_free(R);
  lg_store_close(S);
  fx_remove(path);
  return 0;
}

/* A value by dotted path; keys with dots are not used here. */
static const json_t *jget(const json_t *r, const char *p) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", p);
  const json_t *cur = r;
  for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save))
    cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(t)) : json_object_get(cur, t);
  return cur;
}

static double jnum(const json_t *r, const char *p) {
  const json_t *x = jget(r, p);
  if (!json_is_number(x)) {
    fprintf(stderr, "%s is not a number\n", p);
    return NAN;
  }
  return json_number_value(x);
}

static const char *jstr(const json_t *r, const char *p) {
  const char *s = json_string_value(jget(r, p));
  return s ? s : "(null)";
}

static bool has_reason(const json_t *r, const char *rule, const char *effect) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "reasons"), i, x) {
    if (strncmp(json_string_value(json_object_get(x, "rule")), rule, strlen(rule)) == 0 &&
        (!effect || strcmp(json_string_value(json_object_get(x, "effect")), effect) == 0))
      return true;
  }
  return false;
}

static bool has_followup(const json_t *r, const char *id) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "followups"), i,
                     x) if (strcmp(jstr(x, "id"), id) == 0) return true;
  return false;
}

static int check_rect(double x1, double y1, double x2, double y2, const char *use, const char *type,
                      json_t **rep) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  char *wkt = fx_rect_wkt(x1, y1, x2, y2);
  lg_boundary_t b;
  int rc = lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4526, "test", &b, &err);
  lg_free(wkt);
  if (rc) return rc;
  lg_check_opts_t o = {.use = use, .type = type};
  rc = lg_review_check(C, &b, &o, rep, &err);
  if (rc) fprintf(stderr, "check: %s\n", err.msg);
  lg_review_boundary_fini(&b);
  return rc;
}

/* B1: 60 m x 80 m of industrial land (0601) inside the urban boundary,
 * planned 1001, collective land: nothing to convert, the province
 * expropriates, the verdict is pass. */
static void test_pass_inside_town(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(520, 110, 580, 190, "1001", "industrial", &r), 0);
  assert_close(jnum(r, "area.planar_m2"), 4800);
  assert_close(jnum(r, "area.planar_ha"), 0.48);
  assert_close(jnum(r, "area.planar_mu"), 7.2);
  assert_close(jnum(r, "classes.0601"), 4800);
  assert_int_equal(json_object_size(json_object_get(r, "classes")), 1);
  assert_close(jnum(r, "major_classes.construction"), 4800);
  assert_close(jnum(r, "major_classes.agricultural"), 0);
  assert_close(jnum(r, "cultivated_m2"), 0);
  assert_close(jnum(r, "overlaps.udb.m2"), 4800);
  assert_close(jnum(r, "overlaps.udb.share"), 1);
  assert_close(jnum(r, "overlaps.pbf.m2"), 0);
  assert_string_equal(jstr(r, "overlaps.pbf.status"), "checked");
  assert_close(jnum(r, "plan.compatible_m2"), 4800);
  assert_close(jnum(r, "plan.share"), 1);
  assert_string_equal(jstr(r, "authority.conversion"), "none");
  assert_string_equal(jstr(r, "authority.expropriation"), "province");
  assert_string_equal(jstr(r, "authority.articles.expropriation.0"),
                      "《土地管理法》第四十六条第二款");
  assert_close(jnum(r, "quotas.new_construction_m2"), 0);
  assert_string_equal(jstr(r, "verdict"), "pass");
  assert_true(has_followup(r, "pre_announcement"));
  assert_false(has_followup(r, "pbf_replacement"));
  assert_int_equal(json_integer_value(jget(r, "rule_set_version")), 1);
  /* One landuse piece: patch col 5, row 1 (fid 1 + 5 * 10 + 1). */
  assert_int_equal(json_integer_value(jget(r, "overlaps.landuse.pieces.0.fid")), 52);
  json_decref(r);
}

/* B2: 500 m x 100 m across columns 1-6, rows 2-3. By hand:
 * 0101 50x100, 0103/0301/1006/0601 100x100 each, 0702 50x100;
 * basic farmland fid 1 overlaps x 150-200, y 250-300 = 2500;
 * urban boundary x 400-650 = 25000; plan 0101 x 150-500 = 35000,
 * 1001 x 500-650 = 15000. */
static void test_farmland_industrial_prohibited(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(150, 250, 650, 350, "1001", "industrial", &r), 0);
  assert_close(jnum(r, "area.planar_m2"), 50000);
  assert_close(jnum(r, "classes.0101"), 5000);
  assert_close(jnum(r, "classes.0103"), 10000);
  assert_close(jnum(r, "classes.0301"), 10000);
  assert_close(jnum(r, "classes.1006"), 10000);
  assert_close(jnum(r, "classes.0601"), 10000);
  assert_close(jnum(r, "classes.0702"), 5000);
  assert_close(jnum(r, "major_classes.agricultural"), 35000);
  assert_close(jnum(r, "major_classes.construction"), 15000);
  assert_close(jnum(r, "major_classes.unused"), 0);
  assert_close(jnum(r, "cultivated_m2"), 15000);
  assert_close(jnum(r, "paddy_m2"), 5000);
  assert_close(jnum(r, "overlaps.pbf.m2"), 2500);
  assert_close(jnum(r, "overlaps.pbf.share"), 0.05);
  assert_int_equal(json_integer_value(jget(r, "overlaps.pbf.pieces.0.fid")), 1);
  assert_close(jnum(r, "overlaps.udb.m2"), 25000);
  assert_close(jnum(r, "controls.udb.outside_m2"), 25000);
  assert_close(jnum(r, "overlaps.eprl.m2"), 0);
  assert_close(jnum(r, "plan.compatible_m2"), 15000);
  assert_close(jnum(r, "plan.incompatible_m2"), 35000);
  assert_close(jnum(r, "plan.share"), 0.3);
  /* Art. 44 para 2 and art. 46 (1): basic farmland goes to the State Council. */
  assert_string_equal(jstr(r, "authority.conversion"), "state_council");
  assert_string_equal(jstr(r, "authority.articles.conversion.0"), "《土地管理法》第四十四条第二款");
  assert_string_equal(jstr(r, "authority.expropriation"), "state_council");
  assert_close(jnum(r, "quotas.new_construction_m2"), 35000);
  assert_close(jnum(r, "quotas.cultivated_balance_m2"), 15000);
  assert_close(jnum(r, "quotas.paddy_balance_m2"), 5000);
  assert_close(jnum(r, "quotas.pbf_replacement_m2"), 2500);
  assert_string_equal(jstr(r, "verdict"), "prohibited");
  assert_true(has_reason(r, "controls.pbf", "prohibited"));
  assert_true(has_reason(r, "controls.udb", "conditional"));
  assert_true(has_reason(r, "controls.plan", "conditional"));
  assert_true(has_followup(r, "pbf_replacement"));
  assert_true(has_followup(r, "unavoidability"));
  assert_true(has_followup(r, "cultivated_balance"));
  json_decref(r);
}

/* The same land for a road (transport may occupy farmland under art. 35
 * with State Council approval): conditional, not prohibited; a road is not
 * an urban type, so the urban boundary does not apply. */
static void test_farmland_transport_conditional(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(150, 250, 650, 350, "1202", "transport", &r), 0);
  assert_string_equal(jstr(r, "verdict"), "conditional");
  assert_true(has_reason(r, "controls.pbf", "conditional"));
  assert_false(has_reason(r, "controls.udb", NULL));
  /* 1202 is conditionally compatible with any planned use (linear works). */
  assert_close(jnum(r, "plan.conditional_m2"), 50000);
  assert_true(json_array_size(json_object_get(r, "conditions")) >= 2);
  json_decref(r);
}

/* Agricultural land (1006) inside the urban boundary: conversion inside
 * the construction-land scale (art. 44 para 3) by the county. Forest
 * outside it: art. 44 para 4, the province by delegation. */
static void test_conversion_scale(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(420, 10, 480, 90, NULL, "industrial", &r), 0);
  assert_close(jnum(r, "classes.1006"), 4800);
  assert_close(jnum(r, "major_classes.agricultural"), 4800);
  assert_string_equal(jstr(r, "authority.conversion"), "county");
  assert_string_equal(jstr(r, "authority.articles.conversion.0"), "《土地管理法》第四十四条第三款");
  /* No use declared: plan conformity is not checked, never "no conflict". */
  assert_string_equal(jstr(r, "plan.status"), "not_checked");
  assert_true(has_reason(r, "controls.plan", "conditional"));
  json_decref(r);
  assert_int_equal(check_rect(320, 510, 380, 590, NULL, "public_service", &r), 0);
  assert_close(jnum(r, "classes.0301"), 4800);
  assert_string_equal(jstr(r, "authority.conversion"), "province");
  assert_string_equal(jstr(r, "authority.articles.conversion.0"), "《土地管理法》第四十四条第四款");
  assert_string_equal(jstr(r, "authority.expropriation"), "province");
  json_decref(r);
}

/* Red line: a tourism facility is an allowed limited activity
 * (conditional), industry is prohibited. */
static void test_red_line(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(750, 600, 850, 700, "1001", "tourism_facility", &r), 0);
  assert_close(jnum(r, "overlaps.eprl.m2"), 10000);
  assert_close(jnum(r, "overlaps.eprl.share"), 1);
  assert_close(jnum(r, "classes.1101"), 5000);
  assert_close(jnum(r, "classes.1204"), 5000);
  assert_close(jnum(r, "major_classes.unused"), 10000);
  assert_close(jnum(r, "quotas.unused_conversion_m2"), 10000);
  assert_true(has_reason(r, "controls.eprl", "conditional"));
  json_decref(r);
  assert_int_equal(check_rect(750, 600, 850, 700, "1001", "industrial", &r), 0);
  assert_string_equal(jstr(r, "verdict"), "prohibited");
  assert_true(has_reason(r, "controls.eprl", "prohibited"));
  json_decref(r);
}

/* The negative list: villas nowhere; orchards not on basic farmland. */
static void test_negative_list(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(520, 110, 580, 190, "0701", "villa", &r), 0);
  assert_string_equal(jstr(r, "verdict"), "prohibited");
  assert_true(has_reason(r, "negative_list.villa", "prohibited"));
  json_decref(r);
  assert_int_equal(check_rect(10, 10, 90, 90, "0201", "orchard", &r), 0);
  assert_true(has_reason(r, "negative_list.pbf_orchard_pond", "prohibited"));
  json_decref(r);
  assert_int_equal(check_rect(310, 10, 390, 90, "0201", "orchard", &r), 0);
  assert_false(has_reason(r, "negative_list.pbf_orchard_pond", NULL));
  json_decref(r);
}

/* Ownership: rows 8-9 are state-owned (QSXZ 10), so a boundary wholly in
 * them needs no expropriation. */
static void test_state_owned(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(510, 810, 590, 890, "1001", "industrial", &r), 0);
  assert_string_equal(jstr(r, "authority.expropriation"), "none");
  assert_false(has_followup(r, "pre_announcement"));
  json_decref(r);
}

/* A boundary bigger than the county, three quarters outside the land
 * survey: it cannot be reviewed (controls.coverage.reviewable_min_share,
 * 50%). The classes of the part inside are reported as measured; no
 * authority, quotas or follow-ups are made up for the rest. */
static void test_huge_boundary(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(-500, -500, 1500, 1500, NULL, NULL, &r), 0);
  assert_close(jnum(r, "area.planar_m2"), 4000000);
  assert_close(jnum(r, "controls.landuse.covered_m2"), 1000000);
  assert_close(jnum(r, "controls.landuse.uncovered_m2"), 3000000);
  assert_int_equal(json_integer_value(jget(r, "overlaps.landuse.pieces_total")), 100);
  /* Classes add up to the survey's million square metres: 2 paddy
   * columns, 4 agricultural columns in all, 2 unused. */
  assert_close(jnum(r, "classes.0101"), 200000);
  assert_close(jnum(r, "major_classes.agricultural"), 500000);
  assert_close(jnum(r, "major_classes.unused"), 200000);
  assert_close(jnum(r, "major_classes.construction"), 300000);
  assert_true(has_reason(r, "controls.coverage", "unreviewable"));
  /* The red line and the basic farmland inside are prohibited for an
   * unspecified project: a finding on the reviewed part stands. */
  assert_string_equal(jstr(r, "verdict"), "prohibited");
  assert_string_equal(jstr(r, "authority.conversion"), "undetermined");
  assert_string_equal(jstr(r, "authority.expropriation"), "undetermined");
  assert_true(json_is_null(jget(r, "quotas")));
  assert_true(has_followup(r, "pbf_replacement"));   /* found on the reviewed part */
  assert_false(has_followup(r, "pre_announcement")); /* no expropriation decided */
  json_decref(r);
  /* Two thirds covered (x -100..200 by y 400..800: 120,000 m2, 80,000 in
   * the survey, all collective, columns 0-1 paddy): reviewable, with the
   * coverage condition; expropriation counts the 8 ha of the survey's
   * collective land (8 ha cultivated), not the 4 ha outside it. */
  assert_int_equal(check_rect(-100, 400, 200, 800, "1001", "industrial", &r), 0);
  assert_true(has_reason(r, "controls.coverage", "conditional"));
  assert_string_equal(jstr(r, "authority.expropriation"), "province");
  assert_non_null(strstr(jstr(r, "authority.basis.expropriation"),
                         "征收集体土地 8.0000 公顷, 耕地 8.0000 公顷"));
  json_decref(r);
}

/* The same boundary given in CGCS2000 longitude/latitude: reprojected,
 * same areas (vertices round-trip through PROJ to well under a mm). */
static void test_other_crs(void **state) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  double x[5] = {X0 + 520, X0 + 520, X0 + 580, X0 + 580, X0 + 520};
  double y[5] = {Y0 + 110, Y0 + 190, Y0 + 190, Y0 + 110, Y0 + 110};
  assert_int_equal(lg_xy_transform(g, 4526, 4490, x, y, 5, &err), 0);
  char wkt[512];
  snprintf(wkt, sizeof wkt,
           "POLYGON ((%.12f %.12f, %.12f %.12f, %.12f %.12f, %.12f %.12f, %.12f %.12f))", x[0],
           y[0], x[1], y[1], x[2], y[2], x[3], y[3], x[0], y[0]);
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4490, "经纬度", &b, &err), 0);
  json_t *r = NULL;
  assert_int_equal(
      lg_review_check(C, &b, &(lg_check_opts_t){.use = "1001", .type = "industrial"}, &r, &err), 0);
  double a = jnum(r, "area.planar_m2");
  assert_true(fabs(a - 4800) < 1e-4);
  assert_true(fabs(jnum(r, "classes.0601") - 4800) < 1e-4);
  assert_int_equal(json_integer_value(jget(r, "area.srs_id")), 4526);
  assert_int_equal(json_integer_value(jget(r, "input.srs_id")), 4490);
  json_decref(r);
  lg_review_boundary_fini(&b);
}

/* Ellipsoidal area against a closed form: at easting offset e from the
 * central meridian the Gauss-Kruger scale is k = 1 + e^2 / (2 R^2) (+ a
 * term of order e^4/R^4, below 1e-8 here), R the mean radius of
 * curvature; a small square's true area is its planar area / k^2. */
static void test_ellipsoidal_area(void **state) {
  json_t *r = NULL;
  assert_int_equal(check_rect(520, 110, 580, 190, NULL, NULL, &r), 0);
  double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f);
  double lat = 25.75 * M_PI / 180; /* Y0 + 150 m lies near 25.75 N */
  double w = sqrt(1 - e2 * sin(lat) * sin(lat));
  double M = a * (1 - e2) / (w * w * w), N = a / w, Rm = sqrt(M * N);
  double e = 550.0; /* X0 + 550 - 38500000: easting offset from CM 114E */
  double k = 1 + e * e / (2 * Rm * Rm);
  double expect = 4800 / (k * k);
  double got = jnum(r, "area.ellipsoidal_m2");
  if (fabs(got - expect) / expect > 1e-6) {
    fprintf(stderr, "ellipsoidal %.6f, closed form %.6f\n", got, expect);
    fail();
  }
  json_decref(r);
}

/* Bad input: empty, a line, degenerate, far away, an unknown type. */
static void test_bad_input(void **state) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  lg_boundary_t b;
  json_t *r = NULL;
  assert_int_not_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, "POLYGON EMPTY", &err), 4526, "x", &b, &err),
      0);
  lg_review_boundary_fini(&b);
  assert_int_not_equal(
      lg_review_boundary_from_geom(
          lg_geom_from_wkt(g, "LINESTRING (38500000 2850000, 38500100 2850100)", &err), 4526, "x",
          &b, &err),
      0);
  lg_review_boundary_fini(&b);
  /* Collinear points: no area. */
  lg_err_clear(&err);
  assert_int_equal(
      lg_review_boundary_from_geom(
          lg_geom_from_wkt(
              g,
              "POLYGON ((38500000 2850000, 38500100 2850000, 38500200 2850000, 38500000 2850000))",
              &err),
          4526, "x", &b, &err),
      0);
  int rc = lg_review_check(C, &b, NULL, &r, &err);
  assert_int_equal(rc, LG_EGEOM);
  assert_true(strlen(err.msg) > 0);
  json_decref(r);
  r = NULL;
  lg_review_boundary_fini(&b);
  /* Far away (Xinjiang, 87E): a report, a warning, nothing covered. */
  lg_err_clear(&err);
  assert_int_equal(
      lg_review_boundary_from_geom(
          lg_geom_from_wkt(
              g, "POLYGON ((87.0 43.0, 87.0 43.001, 87.001 43.001, 87.001 43.0, 87.0 43.0))", &err),
          4490, "远方", &b, &err),
      0);
  rc = lg_review_check(C, &b, NULL, &r, &err);
  if (rc) fprintf(stderr, "far: %s\n", err.msg);
  assert_int_equal(rc, 0);
  assert_close(jnum(r, "controls.landuse.covered_m2"), 0);
  assert_true(json_array_size(json_object_get(r, "warnings")) >= 1);
  /* Nothing of it in the survey: unreviewable, and no authority. */
  assert_string_equal(jstr(r, "verdict"), "unreviewable");
  assert_string_equal(jstr(r, "verdict_title"), "无法审查");
  assert_true(has_reason(r, "controls.coverage", "unreviewable"));
  assert_string_equal(jstr(r, "authority.expropriation"), "undetermined");
  json_decref(r);
  r = NULL;
  /* An unknown use code is refused, naming the classification's classes. */
  rc = lg_review_check(C, &b, &(lg_check_opts_t){.use = "9999"}, &r, &err);
  assert_int_equal(rc, LG_EINVAL);
  assert_non_null(strstr(err.msg, "9999"));
  assert_non_null(strstr(err.msg, "10 工矿用地"));
  /* An unknown project type is an error naming the known ones. */
  rc = lg_review_check(C, &b, &(lg_check_opts_t){.type = "spaceport"}, &r, &err);
  assert_int_equal(rc, LG_EINVAL);
  assert_non_null(strstr(err.msg, "industrial"));
  lg_review_boundary_fini(&b);
}

/* Missing control layers are "not checked", never "no conflict". */
static void test_missing_layers(void **state) {
  lg_err_t err = {0};
  char p2[300];
  snprintf(p2, sizeof p2, "%s.missing.gpkg", path);
  lg_store_t *s2;
  assert_int_equal(fx_store(p2, FX_LANDUSE | FX_UDB, &s2, &err), 0);
  lg_checker_t *c2;
  assert_int_equal(lg_review_checker_new(s2, R, &c2, &err), 0);
  lg_geo_t *g = lg_geo_thread();
  char *wkt = fx_rect_wkt(150, 250, 650, 350);
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4526, "t", &b, &err), 0);
  lg_free(wkt);
  json_t *r = NULL;
  assert_int_equal(
      lg_review_check(c2, &b, &(lg_check_opts_t){.use = "1001", .type = "industrial"}, &r, &err),
      0);
  assert_string_equal(jstr(r, "overlaps.pbf.status"), "not_checked");
  assert_true(json_is_null(jget(r, "overlaps.pbf.m2")));
  assert_string_equal(jstr(r, "controls.pbf.status"), "not_checked");
  assert_string_equal(jstr(r, "controls.eprl.status"), "not_checked");
  assert_string_equal(jstr(r, "plan.status"), "not_checked");
  assert_true(has_reason(r, "controls.missing_layer", "conditional"));
  assert_string_not_equal(jstr(r, "verdict"), "pass");
  /* Farmland unknown: the conversion still goes by what is known. */
  assert_close(jnum(r, "cultivated_m2"), 15000);
  json_decref(r);
  lg_review_boundary_fini(&b);
  lg_review_checker_free(c2);
  lg_store_close(s2);
  fx_remove(p2);
}

/* An invalid boundary (a bow tie) is refused with the crossing named;
 * repaired on request, the report says so and the area is the two
 * triangles': 2 x (100 x 50 / 2) = 5000. */
static void test_invalid_and_repair(void **state) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  char wkt[400];
  snprintf(wkt, sizeof wkt, "POLYGON ((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f))",
           X0 + 100, Y0 + 500, X0 + 200, Y0 + 600, X0 + 200, Y0 + 500, X0 + 100, Y0 + 600, X0 + 100,
           Y0 + 500);
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4526, "t", &b, &err), 0);
  json_t *r = NULL;
  assert_int_equal(lg_review_check(C, &b, NULL, &r, &err), LG_EGEOM);
  assert_non_null(strstr(err.msg, "可要求自动修复")); /* no front end named */
  assert_non_null(r);
  assert_false(json_is_true(jget(r, "validation.valid")));
  assert_string_equal(jstr(r, "validation.issues.0.kind"), "self_intersection");
  assert_non_null(strstr(jstr(r, "validation.issues.0.text"), "(38500150.000, 2850550.000)"));
  assert_true(json_is_null(jget(r, "verdict")));
  json_decref(r);
  r = NULL;
  assert_int_equal(lg_review_check(C, &b, &(lg_check_opts_t){.make_valid = true}, &r, &err), 0);
  assert_true(json_is_true(jget(r, "validation.repaired")));
  assert_close(jnum(r, "area.planar_m2"), 5000);
  json_decref(r);
  lg_review_boundary_fini(&b);
}

/* Rule sets are data: a saved version with a 1-ha cultivated threshold
 * sends 1.5 ha of cultivated land to the State Council, and the report
 * names version 2; version 1 keeps the law's 35 ha. */
static void test_rule_set_version(void **state) {
  lg_err_t err = {0};
  json_t *doc = json_loads(lg_review_rules_default_json(), 0, NULL);
  json_object_set_new(json_object_get(json_object_get(doc, "authority"), "expropriation"),
                      "cultivated_ha", json_real(1.0));
  char *text = json_dumps(doc, 0);
  int v = 0;
  assert_int_equal(lg_review_rules_save(S, text, "tester", "1 公顷阈值", &v, &err), 0);
  assert_int_equal(v, 2);
  free(text);
  json_decref(doc);
  lg_rules_t *r2;
  assert_int_equal(lg_review_rules_current(S, &r2, &err), 0);
  assert_int_equal(lg_review_rules_version(r2), 2);
  lg_checker_t *c2;
  assert_int_equal(lg_review_checker_new(S, r2, &c2, &err), 0);
  /* Columns 0-1, row 3: 150 m x 100 m of paddy (0101), 1.5 ha of
   * cultivated land, none of it basic farmland (pbf stops at y 300). */
  lg_geo_t *g = lg_geo_thread();
  char *wkt = fx_rect_wkt(0, 300, 150, 400);
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4526, "t", &b, &err), 0);
  lg_free(wkt);
  json_t *rep = NULL;
  assert_int_equal(lg_review_check(c2, &b, NULL, &rep, &err), 0);
  assert_close(jnum(rep, "cultivated_m2"), 15000);
  assert_string_equal(jstr(rep, "authority.expropriation"), "state_council");
  assert_int_equal(json_integer_value(jget(rep, "rule_set_version")), 2);
  json_decref(rep);
  rep = NULL;
  assert_int_equal(lg_review_check(C, &b, NULL, &rep, &err), 0);
  assert_string_equal(jstr(rep, "authority.expropriation"), "province");
  assert_int_equal(json_integer_value(jget(rep, "rule_set_version")), 1);
  json_decref(rep);
  lg_review_boundary_fini(&b);
  lg_review_checker_free(c2);
  lg_review_rules_free(r2);
  json_t *h;
  assert_int_equal(lg_review_rules_history(S, &h, &err), 0);
  assert_int_equal(json_array_size(h), 2);
  assert_string_equal(jstr(h, "0.note"), "1 公顷阈值");
  json_decref(h);
}

/* Saved checks come back by id, with their boundary. */
static void test_save_and_get(void **state) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  char *wkt = fx_rect_wkt(520, 110, 580, 190);
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4526, "t", &b, &err), 0);
  lg_free(wkt);
  json_t *r = NULL;
  assert_int_equal(
      lg_review_check(C, &b,
                      &(lg_check_opts_t){.use = "1001", .type = "industrial", .name = "测试项目"},
                      &r, &err),
      0);
  int64_t id = 0;
  lg_check_meta_t meta = {.actor = "tester", .division = "360781", .user_id = 7};
  int rc = lg_review_check_save(S, &b, r, &meta, &id, &err);
  if (rc) fprintf(stderr, "save: %s\n", err.msg);
  assert_int_equal(rc, 0);
  assert_true(id > 0);
  json_t *back = NULL;
  assert_int_equal(lg_review_check_get(S, id, &back, &err), 0);
  assert_int_equal(json_integer_value(jget(back, "id")), id);
  assert_string_equal(jstr(back, "verdict"), "pass");
  assert_string_equal(jstr(back, "project.name"), "测试项目");
  assert_close(jnum(back, "area.planar_m2"), 4800);
  json_decref(back);
  back = NULL;
  char *gj = NULL;
  int srs = 0;
  assert_int_equal(lg_review_check_geojson(S, id, &gj, &srs, &err), 0);
  assert_int_equal(srs, 4526);
  assert_non_null(strstr(gj, "Polygon"));
  lg_free(gj);
  assert_int_equal(lg_review_check_get(S, id + 1000, &back, &err) == LG_ENOTFOUND, 1);
  char div[16], ent[64];
  int64_t uid = 0;
  assert_int_equal(lg_review_check_owner(S, id, div, ent, &uid, &err), 0);
  assert_string_equal(div, "360781");
  assert_string_equal(ent, "");
  assert_int_equal(uid, 7);
  json_t *list = NULL;
  assert_int_equal(lg_review_checks_list(S, 10, NULL, &list, &err), 0);
  assert_int_equal(json_array_size(list), 1);
  json_decref(list);
  lg_auth_filter_t other = {.kind = "jurisdiction", .division = "3608"};
  assert_int_equal(lg_review_checks_list(S, 10, &other, &list, &err), 0);
  assert_int_equal(json_array_size(list), 0);
  json_decref(list);
  lg_auth_filter_t mine = {.kind = "jurisdiction", .division = "3607"};
  assert_int_equal(lg_review_checks_list(S, 10, &mine, &list, &err), 0);
  assert_int_equal(json_array_size(list), 1);
  json_decref(list);
  json_decref(r);
  lg_review_boundary_fini(&b);
}

/* Saved checks and rule-set versions are on the ledger: the audit finds
 * them as recorded, and finds a report edited behind landgov's back. */
static void test_ledger_audit(void **state) {
  lg_err_t err = {0};
  static const lg_ledger_auditor_t checks = {"check", lg_review_checks_audit_scan};
  static const lg_ledger_auditor_t rules = {"rule_set", lg_review_rules_audit_scan};
  static const lg_ledger_auditor_t *const auditors[] = {&checks, &rules, NULL};
  lg_ledger_audit_t a;
  memset(&a, 0, sizeof a);
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  assert_true(a.objects >= 3); /* a check and two rule-set versions */
  assert_int_equal(a.findings.len, 0);
  lg_ledger_audit_fini(&a);
  assert_int_equal(
      lg_store_exec(
          S, "UPDATE lg_checks SET report = replace(report, '\"pass\"', '\"conditional\"')", NULL),
      0);
  memset(&a, 0, sizeof a);
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  assert_int_equal(a.findings.len, 1);
  assert_int_equal(a.findings.items[0].kind, LG_LEDGER_AUDIT_CHANGED);
  assert_string_equal(a.findings.items[0].object_type, "check");
  lg_ledger_audit_fini(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pass_inside_town),
      cmocka_unit_test(test_farmland_industrial_prohibited),
      cmocka_unit_test(test_farmland_transport_conditional),
      cmocka_unit_test(test_conversion_scale),
      cmocka_unit_test(test_red_line),
      cmocka_unit_test(test_negative_list),
      cmocka_unit_test(test_state_owned),
      cmocka_unit_test(test_huge_boundary),
      cmocka_unit_test(test_other_crs),
      cmocka_unit_test(test_ellipsoidal_area),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_missing_layers),
      cmocka_unit_test(test_invalid_and_repair),
      cmocka_unit_test(test_rule_set_version),
      cmocka_unit_test(test_save_and_get),
      cmocka_unit_test(test_ledger_audit),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
