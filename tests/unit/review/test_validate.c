/*
 * review: geometry validation of boundaries, with the offending points
 * named (by the Ministry file's point names when there are any), and
 * repair on request. Expected crossings, areas and angles are worked out
 * by hand from the coordinates; the real Ministry sample is checked
 * against the area its own header declares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "review/review_int.h"

static lg_rules_t *R;

static int setup(void **state) {
  lg_err_t err = {0};
  return lg_review_rules_parse(lg_review_rules_default_json(), 1, &R, &err);
}

static int teardown(void **state) {
  lg_review_rules_free(R);
  return 0;
}

static json_t *validate_text(const char *text, int srs, bool repair, lg_geom_t **fixed) {
  lg_err_t err = {0};
  lg_boundary_t b;
  lg_boundary_opts_t o = {.srs_id = srs};
  if (lg_review_boundary_parse(text, strlen(text), "测试", &o, &b, &err) != 0) {
    fprintf(stderr, "parse: %s\n", err.msg);
    return NULL;
  }
  json_t *v = lg_review_validate(lg_geo_thread(), &b, R, repair, fixed, &err);
  lg_review_boundary_fini(&b);
  return v;
}

static const json_t *issue_of(const json_t *v, const char *kind) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(v, "issues"), i,
                     x) if (strcmp(json_string_value(json_object_get(x, "kind")), kind) ==
                            0) return x;
  return NULL;
}

static const char *text_of(const json_t *issue) {
  return issue ? json_string_value(json_object_get(issue, "text")) : "(none)";
}

/* A Ministry file whose J4 repeats J3: a warning naming J3 and J4. */
static const char mtxt[] =
    "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n计量单位=米\n带号=38\n"
    "精度=0.001\n转换参数=,,,,,,\n[地块坐标]\n7,0.4800,1,测试地块,面,,工业,0601,@\n"
    "J1,1,2850110.000,38500520.000\nJ2,1,2850190.000,38500520.000\n"
    "J3,1,2850190.000,38500580.000\nJ4,1,2850190.000,38500580.000\n"
    "J5,1,2850110.000,38500580.000\nJ6,1,2850110.000,38500550.000\n"
    "J1,1,2850110.000,38500520.000\n";

static void test_ministry_names(void **state) {
  json_t *v = validate_text(mtxt, 0, false, NULL);
  assert_non_null(v);
  assert_true(json_is_true(json_object_get(v, "valid")));
  const json_t *d = issue_of(v, "duplicate_point");
  assert_non_null(d);
  assert_non_null(strstr(text_of(d), "J3"));
  assert_non_null(strstr(text_of(d), "J4"));
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(json_object_get(d, "points"), 1), "name")),
      "J4");
  /* The points run J1 (south-west) north to J2, east to J3: clockwise, as
   * the boundary-survey rules want; no orientation remark. */
  assert_null(issue_of(v, "orientation"));
  json_decref(v);
}

/* A bow tie: edges 1-2 and 3-4 cross at the middle, (50, 50). */
static void test_bowtie(void **state) {
  json_t *v = validate_text("POLYGON ((0 0, 100 100, 100 0, 0 100, 0 0))", 4526, false, NULL);
  assert_false(json_is_true(json_object_get(v, "valid")));
  const json_t *x = issue_of(v, "self_intersection");
  assert_non_null(x);
  assert_string_equal(json_string_value(json_object_get(x, "severity")), "error");
  assert_non_null(strstr(text_of(x), "第 1 点-第 2 点"));
  assert_non_null(strstr(text_of(x), "第 3 点-第 4 点"));
  assert_non_null(strstr(text_of(x), "(50.000, 50.000)"));
  json_decref(v);
  /* Repaired: two triangles of 100 x 50 / 2. */
  lg_geom_t *fixed = NULL;
  v = validate_text("POLYGON ((0 0, 100 100, 100 0, 0 100, 0 0))", 4526, true, &fixed);
  assert_non_null(fixed);
  assert_true(json_is_true(json_object_get(v, "repaired")));
  assert_true(fabs(lg_geom_area(lg_geo_thread(), fixed) - 5000) < 1e-9);
  lg_geom_free(lg_geo_thread(), fixed);
  json_decref(v);
}

/* A spike: the ring goes from (100, 50) out to (200, 50) and straight
 * back; the 5th point is named, and the repair drops it, leaving the
 * 100 x 100 square (with (100, 50) once, on its east side). */
static void test_spike(void **state) {
  const char *wkt = "POLYGON ((0 0, 0 100, 100 100, 100 50, 200 50, 100 50, 100 0, 0 0))";
  json_t *v = validate_text(wkt, 4526, false, NULL);
  assert_false(json_is_true(json_object_get(v, "valid")));
  const json_t *x = issue_of(v, "spike");
  assert_non_null(x);
  assert_string_equal(json_string_value(json_object_get(x, "severity")), "error");
  assert_non_null(strstr(text_of(x), "第 5 点"));
  json_decref(v);
  lg_geom_t *fixed = NULL;
  v = validate_text(wkt, 4526, true, &fixed);
  assert_non_null(fixed);
  /* Dropping the spike leaves (100,50) twice in a row, which goes too:
   * five points and the closing one. */
  assert_true(fabs(lg_geom_area(lg_geo_thread(), fixed) - 10000) < 1e-9);
  assert_int_equal(lg_geom_npoints(lg_geo_thread(), fixed), 6);
  lg_geom_free(lg_geo_thread(), fixed);
  json_decref(v);
}

/* A sharp but legal angle: at (0, 0) between (1000, 0) and (1000, 10) the
 * angle is atan(10/1000) = 0.573 degrees < 1: a warning, still valid. */
static void test_sharp_angle(void **state) {
  json_t *v = validate_text("POLYGON ((0 0, 1000 10, 1000 0, 0 0))", 4526, false, NULL);
  assert_true(json_is_true(json_object_get(v, "valid")));
  const json_t *x = issue_of(v, "spike");
  assert_non_null(x);
  assert_string_equal(json_string_value(json_object_get(x, "severity")), "warning");
  assert_non_null(strstr(text_of(x), "0.573"));
  json_decref(v);
}

/* Ring direction by the format's own convention, a remark (not an
 * error) only where the format prescribes one: a Ministry file numbers
 * its points clockwise (TD/T 1008-2007), GeoJSON runs its exterior
 * counter-clockwise (RFC 7946 3.1.6), WKT prescribes nothing. */
static void test_orientation(void **state) {
  static const char ccw_wkt[] = "POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0))";
  json_t *v = validate_text(ccw_wkt, 4526, false, NULL);
  assert_true(json_is_true(json_object_get(v, "valid")));
  assert_null(issue_of(v, "orientation"));
  /* The direction is still reported, whatever the format. */
  assert_string_equal(json_string_value(json_object_get(
                          json_array_get(json_object_get(v, "orientation"), 0), "direction")),
                      "counterclockwise");
  json_decref(v);
  /* GeoJSON: counter-clockwise is right, clockwise gets the remark. */
  static const char ccw_gj[] =
      "{\"type\":\"Polygon\",\"coordinates\":[[[38500000,2850000],[38500100,2850000],"
      "[38500100,2850100],[38500000,2850100],[38500000,2850000]]]}";
  static const char cw_gj[] =
      "{\"type\":\"Polygon\",\"coordinates\":[[[38500000,2850000],[38500000,2850100],"
      "[38500100,2850100],[38500100,2850000],[38500000,2850000]]]}";
  v = validate_text(ccw_gj, 4526, false, NULL);
  assert_null(issue_of(v, "orientation"));
  json_decref(v);
  v = validate_text(cw_gj, 4526, false, NULL);
  const json_t *x = issue_of(v, "orientation");
  assert_non_null(x);
  assert_string_equal(json_string_value(json_object_get(x, "severity")), "info");
  assert_non_null(strstr(text_of(x), "RFC 7946"));
  json_decref(v);
  /* A Ministry file running counter-clockwise gets the survey's remark. */
  static const char ccw_txt[] =
      "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n计量单位=米\n"
      "带号=38\n精度=0.001\n转换参数=,,,,,,\n[地块坐标]\n5,1.0000,1,测试地块,面,,工业,0601,@\n"
      "J1,1,2850000.000,38500000.000\nJ2,1,2850000.000,38500100.000\n"
      "J3,1,2850100.000,38500100.000\nJ4,1,2850100.000,38500000.000\n"
      "J1,1,2850000.000,38500000.000\n";
  v = validate_text(ccw_txt, 0, false, NULL);
  x = issue_of(v, "orientation");
  assert_non_null(x);
  assert_non_null(strstr(text_of(x), "TD/T 1008"));
  json_decref(v);
}

/* A hole crossing its shell, and a hole touching it at one point (legal). */
static void test_holes(void **state) {
  json_t *v = validate_text(
      "POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0), (50 50, 150 50, 150 60, 50 60, 50 50))", 4526,
      false, NULL);
  assert_false(json_is_true(json_object_get(v, "valid")));
  assert_non_null(issue_of(v, "ring_crossing"));
  json_decref(v);
  v = validate_text("POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0), (0 50, 50 40, 50 60, 0 50))", 4526,
                    false, NULL);
  assert_true(json_is_true(json_object_get(v, "valid")));
  json_decref(v);
}

/* Two parcels that overlap by 50 x 100 = 5000 m2: an error naming both;
 * repaired, the union of 150 x 100 = 15000. */
static void test_parts_overlap(void **state) {
  const char *wkt =
      "MULTIPOLYGON (((0 0, 0 100, 100 100, 100 0, 0 0)), ((50 0, 50 100, 150 100, 150 0, 50 0)))";
  json_t *v = validate_text(wkt, 4526, false, NULL);
  const json_t *x = issue_of(v, "parts_overlap");
  assert_non_null(x);
  assert_non_null(strstr(text_of(x), "5000.0000"));
  json_decref(v);
  lg_geom_t *fixed = NULL;
  v = validate_text(wkt, 4526, true, &fixed);
  assert_non_null(fixed);
  assert_true(fabs(lg_geom_area(lg_geo_thread(), fixed) - 15000) < 1e-9);
  lg_geom_free(lg_geo_thread(), fixed);
  json_decref(v);
}

/* GeoJSON honours its crs member; without one it is EPSG:4326 (RFC 7946). */
static void test_geojson_crs(void **state) {
  lg_err_t err = {0};
  lg_boundary_t b;
  const char *gj =
      "{\"type\":\"Feature\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
      "\"urn:ogc:def:crs:EPSG::4526\"}},\"properties\":{\"name\":\"地块\"},"
      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[38500000,2850000],"
      "[38500000,2850100],[38500100,2850100],[38500100,2850000],[38500000,2850000]]]}}";
  assert_int_equal(lg_review_boundary_parse(gj, strlen(gj), "a.geojson", NULL, &b, &err), 0);
  assert_int_equal(b.srs_id, 4526);
  assert_string_equal(b.name, "地块");
  lg_review_boundary_fini(&b);
  const char *plain =
      "{\"type\":\"Polygon\",\"coordinates\":[[[114,25],[114,25.01],[114.01,25.01],[114,25]]]}";
  assert_int_equal(lg_review_boundary_parse(plain, strlen(plain), "b.geojson", NULL, &b, &err), 0);
  assert_int_equal(b.srs_id, 4326);
  lg_review_boundary_fini(&b);
  /* WKT needs a CRS: refused without one, accepted with SRID=. */
  assert_int_equal(
      lg_review_boundary_parse("POLYGON ((0 0, 0 1, 1 1, 0 0))", 30, "c.wkt", NULL, &b, &err),
      LG_ECRS);
  lg_review_boundary_fini(&b);
  const char *ewkt = "SRID=4526;POLYGON ((0 0, 0 1, 1 1, 0 0))";
  assert_int_equal(lg_review_boundary_parse(ewkt, strlen(ewkt), "d.wkt", NULL, &b, &err), 0);
  assert_int_equal(b.srs_id, 4526);
  lg_review_boundary_fini(&b);
  /* Garbage is an error, not a crash. */
  assert_int_not_equal(lg_review_boundary_parse("{\"type\":", 8, "e.json", NULL, &b, &err), 0);
  lg_review_boundary_fini(&b);
  assert_int_not_equal(lg_review_boundary_parse("", 0, "f", NULL, &b, &err), 0);
}

/* The real sample file declares 1.2247 ha; the coordinates agree to the
 * 4 decimals the file gives. */
static void test_real_sample(void **state) {
  const char *shared = getenv("LG_SHARED");
  if (!shared) skip();
  char path[1024];
  snprintf(path, sizeof path,
           "%s/data/ministry-txt/edcfoshan_polygon-txt__test_data__44120000072.txt", shared);
  lg_err_t err = {0};
  lg_boundary_t b;
  assert_int_equal(lg_review_boundary_read(path, NULL, &b, &err), 0);
  assert_string_equal(b.format, "部标准坐标文件");
  assert_true(fabs(b.declared_ha - 1.2247) < 1e-9);
  double ha = lg_geom_area(lg_geo_thread(), b.geom) / 10000;
  assert_true(fabs(ha - 1.2247) < 0.00005);
  assert_int_equal(b.srs_id, 4526);
  json_t *v = lg_review_validate(lg_geo_thread(), &b, R, false, NULL, &err);
  assert_true(json_is_true(json_object_get(v, "valid")));
  json_decref(v);
  lg_review_boundary_fini(&b);
}

/* ---- Large boundaries ------------------------------------------------------ */

/* A comb of n horizontal teeth, all spanning x 10..110 (so that every
 * tooth overlaps every other along x), 1 m thick with 1 m gaps: tooth i
 * has its bottom edge at y = 2i, points 1 + 4i (110, 2i), 2 + 4i (110,
 * 2i + 1), 3 + 4i (10, 2i + 1), 4 + 4i (10, 2i + 2), after point 0 (0, 0);
 * the back of the comb runs down x = 0. With swap >= 0, tooth swap's two
 * right-hand points change places: its bottom and top edges become the
 * two diagonals of the tooth, crossing at its centre (60, 2 swap + 0.5). */
static json_t *validate_comb(size_t n, long swap, double deadline, lg_err_t *err) {
  size_t np = 4 * n + 2; /* point 0, 4 a tooth but the last (3), the back (2) */
  double *xy = malloc(sizeof(double) * 2 * np);
  size_t k = 0;
  xy[k++] = 0, xy[k++] = 0;
  for (size_t i = 0; i < n; i++) {
    double y = 2.0 * (double)i;
    bool sw = (long)i == swap;
    xy[k++] = 110, xy[k++] = sw ? y + 1 : y;
    xy[k++] = 110, xy[k++] = sw ? y : y + 1;
    xy[k++] = 10, xy[k++] = y + 1;
    if (i + 1 < n) xy[k++] = 10, xy[k++] = y + 2;
  }
  xy[k++] = 0, xy[k++] = 2.0 * (double)n - 1; /* the last tooth's top, to the back */
  xy[k++] = 0, xy[k++] = 0;
  size_t npts = k / 2;
  const double *rings[1] = {xy};
  lg_geom_t *geom = lg_geom_polygon(lg_geo_thread(), rings, &npts, 1, err);
  free(xy);
  assert_non_null(geom);
  lg_boundary_t b;
  assert_int_equal(lg_review_boundary_from_geom(geom, 4547, "comb", &b, err), 0);
  json_t *v = lg_review_validate_until(lg_geo_thread(), &b, R, false, NULL, deadline, err);
  lg_review_boundary_fini(&b);
  return v;
}

/* 25000 teeth, 99998 points: valid (no pair of edges meets but
 * neighbours), found without comparing every tooth with every other (the
 * test would take minutes under the sanitizers otherwise). */
static void test_comb(void **state) {
  lg_err_t err = {0};
  json_t *v = validate_comb(25000, -1, 0, &err);
  assert_non_null(v);
  assert_int_equal(json_integer_value(json_object_get(v, "errors")), 0);
  assert_true(json_is_true(json_object_get(v, "valid")));
  json_decref(v);
}

/* The same comb with tooth 12345 twisted: exactly one crossing, at
 * (60, 24690.5), between the edges from point 49381 (0-based 49380, the
 * gap's top (10, 24690)) to 49382 and from 49383 to 49384. */
static void test_comb_twisted(void **state) {
  lg_err_t err = {0};
  json_t *v = validate_comb(25000, 12345, 0, &err);
  assert_non_null(v);
  assert_false(json_is_true(json_object_get(v, "valid")));
  assert_int_equal(json_integer_value(json_object_get(v, "errors")), 1);
  const json_t *x = issue_of(v, "self_intersection");
  assert_non_null(x);
  assert_non_null(strstr(text_of(x), "第 49381 点-第 49382 点"));
  assert_non_null(strstr(text_of(x), "第 49383 点-第 49384 点"));
  assert_non_null(strstr(text_of(x), "(60.000, 24690.500)"));
  json_decref(v);
}

/* A deadline already passed: no report, LG_ELIMIT naming the validation;
 * one an hour away: the report. */
static void test_deadline(void **state) {
  lg_err_t err = {0};
  json_t *v = validate_comb(2000, -1, lg_mono() - 1, &err);
  assert_null(v);
  assert_int_equal(err.code, LG_ELIMIT);
  assert_non_null(strstr(err.msg, "几何校验"));
  lg_err_t err2 = {0};
  v = validate_comb(2000, -1, lg_mono() + 3600, &err2);
  assert_non_null(v);
  assert_true(json_is_true(json_object_get(v, "valid")));
  json_decref(v);
}

/* A saw across a line: the ring runs along y = 0 from (0, 0) to
 * (2n + 1, 0), then back through (2n, 1), (2n - 1, -1), (2n - 2, 1), ...
 * (1, -1): each of the 2n - 1 edges between two saw points crosses the
 * line at a point of its own (x = k + 0.5); the first and last saw edges
 * only meet the line at its ends, where they are its neighbours. Every
 * crossing is counted, though only the first 200 are described. */
static void test_many_crossings(void **state) {
  const int n = 1000;
  lg_buf_t w;
  lg_buf_init(&w);
  lg_buf_printf(&w, "POLYGON ((0 0, %d 0", 2 * n + 1);
  for (int x = 2 * n; x >= 1; x--)
    lg_buf_printf(&w, ", %d %d", x, (2 * n - x) % 2 == 0 ? 1 : -1);
  lg_buf_puts(&w, ", 0 0))");
  json_t *v = validate_text(w.data, 4526, false, NULL);
  lg_buf_fini(&w);
  assert_non_null(v);
  assert_int_equal(json_integer_value(json_object_get(v, "errors")), 2 * n - 1);
  assert_true(json_integer_value(json_object_get(v, "issues_total")) >= 2 * n - 1);
  assert_int_equal(json_array_size(json_object_get(v, "issues")), 200);
  const json_t *x = issue_of(v, "self_intersection");
  assert_non_null(x);
  json_decref(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_comb),           cmocka_unit_test(test_comb_twisted),
      cmocka_unit_test(test_deadline),       cmocka_unit_test(test_many_crossings),
      cmocka_unit_test(test_ministry_names), cmocka_unit_test(test_bowtie),
      cmocka_unit_test(test_spike),          cmocka_unit_test(test_sharp_angle),
      cmocka_unit_test(test_orientation),    cmocka_unit_test(test_holes),
      cmocka_unit_test(test_parts_overlap),  cmocka_unit_test(test_geojson_crs),
      cmocka_unit_test(test_real_sample),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
