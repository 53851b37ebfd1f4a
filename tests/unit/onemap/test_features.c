/*
 * onemap/features: GeoJSON of a layer in the requested CRS. The fixture
 * is a hand-made layer in EPSG:4526 (CGCS2000 Gauss-Kruger zone 38, with
 * the zone prefix): nine 100 m squares 200 m apart and one triangle.
 * Transformed coordinates are compared with PROJ's command-line tool,
 * run by hand when this test was written (the command is next to each
 * value), and box queries with sets counted by hand from the geometry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* cmocka.h needs the three above first. */

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lg_test.h"
#include "onemap/onemap.h"

static char path[256];
static lg_store_t *store;

#define X0 38500000.0
#define Y0 3400000.0

/* Square (i, j), i, j in 0..2, covers [X0 + 200i, X0 + 200i + 100] x
 * [Y0 + 200j, Y0 + 200j + 100] and gets fid 3i + j + 1 (written in that
 * order). fid 10 is the triangle (X0+1000 Y0, X0+1100 Y0, X0+1000 Y0+100). */
static void make_layer(lg_store_t *s) {
  lg_err_t err = {0};
  lg_field_t fields[] = {{"DLBM", LG_FIELD_TEXT},
                         {"DLMC", LG_FIELD_TEXT},
                         {"TBMJ", LG_FIELD_REAL},
                         {"BSM", LG_FIELD_INTEGER},
                         {"BZ", LG_FIELD_TEXT}};
  lg_layer_def_t def = {.name = "dltb",
                        .title = "地类图斑",
                        .role = "landuse",
                        .class_field = "DLBM",
                        .geom_type = "GEOMETRY",
                        .srs_id = 4526,
                        .fields = fields,
                        .nfields = 5};
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), 0);
  lg_store_writer_t *w;
  assert_int_equal(lg_store_writer_new(s, "dltb", &w, &err), 0);
  lg_geo_t *g = lg_geo_thread();
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      char wkt[256];
      double x = X0 + i * 200, y = Y0 + j * 200;
      snprintf(wkt, sizeof wkt,
               "MULTIPOLYGON (((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f)))", x, y,
               x + 100, y, x + 100, y + 100, x, y + 100, x, y);
      lg_geom_t *geom = lg_geom_from_wkt(g, wkt, &err);
      assert_non_null(geom);
      lg_store_writer_text(w, 0, (i + j) % 2 ? "0101" : "0301");
      lg_store_writer_text(w, 1, (i + j) % 2 ? "水田" : "乔木林地");
      lg_store_writer_real(w, 2, 10000.5);
      lg_store_writer_int(w, 3, 1000 + 3 * i + j);
      lg_store_writer_null(w, 4);
      assert_int_equal(lg_store_writer_add(w, g, geom, NULL, &err), 0);
      lg_geom_free(g, geom);
    }
  lg_geom_t *tri = lg_geom_from_wkt(
      g, "POLYGON ((38501000 3400000, 38501100 3400000, 38501000 3400100, 38501000 3400000))",
      &err);
  lg_store_writer_text(w, 0, "0702");
  lg_store_writer_text(w, 1, "农村宅基地");
  lg_store_writer_real(w, 2, 5000.0);
  lg_store_writer_int(w, 3, 2000);
  lg_store_writer_text(w, 4, "三角形");
  assert_int_equal(lg_store_writer_add(w, g, tri, NULL, &err), 0);
  lg_geom_free(g, tri);
  assert_int_equal(lg_store_writer_finish(w, &err), 0);
  lg_store_writer_free(w);
  assert_int_equal(lg_store_commit(s, &err), 0);
}

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_features_%d.gpkg", (int)getpid());
  unlink(path);
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  make_layer(store);
  return 0;
}

static int teardown(void **state) {
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

/* Runs a query that must succeed and returns the parsed collection. */
static json_t *query(const char *layer, const lg_env_t *bbox, int srs, int64_t limit,
                     int64_t *count, bool *truncated) {
  lg_buf_t out;
  lg_err_t err = {0};
  lg_buf_init(&out);
  int64_t c = -1;
  bool t = true;
  int rc = lg_onemap_features_geojson(store, layer, bbox, srs, limit, &out, &c, &t, &err);
  if (rc) fprintf(stderr, "query failed: %s (%s)\n", err.msg, err.where);
  assert_int_equal(rc, 0);
  json_error_t je;
  json_t *fc = json_loads(out.data, 0, &je);
  if (!fc) fprintf(stderr, "bad JSON (%s): %.300s\n", je.text, out.data);
  assert_non_null(fc);
  lg_buf_fini(&out);
  if (count) *count = c;
  if (truncated) *truncated = t;
  assert_string_equal(json_string_value(json_object_get(fc, "type")), "FeatureCollection");
  assert_int_equal(json_integer_value(json_object_get(fc, "numberReturned")), c);
  assert_int_equal(json_array_size(json_object_get(fc, "features")), (size_t)c);
  assert_true(json_is_boolean(json_object_get(fc, "truncated")));
  assert_int_equal(json_is_true(json_object_get(fc, "truncated")), t);
  return fc;
}

/* The fids of a collection as a bit set. */
static unsigned fid_set(json_t *fc) {
  unsigned set = 0;
  size_t i;
  json_t *f;
  json_array_foreach(json_object_get(fc, "features"), i, f) {
    json_int_t id = json_integer_value(json_object_get(f, "id"));
    assert_true(id >= 1 && id <= 31);
    set |= 1u << id;
  }
  return set;
}
#define FIDS(...) fids_of((int[]){__VA_ARGS__, 0})
static unsigned fids_of(const int *ids) {
  unsigned set = 0;
  for (; *ids; ids++)
    set |= 1u << *ids;
  return set;
}

/* First vertex of the first ring of feature k (Polygon or MultiPolygon). */
static void first_vertex(json_t *fc, size_t k, double *x, double *y) {
  json_t *geom = json_object_get(json_array_get(json_object_get(fc, "features"), k), "geometry");
  const char *type = json_string_value(json_object_get(geom, "type"));
  json_t *c = json_object_get(geom, "coordinates");
  if (strcmp(type, "MultiPolygon") == 0) c = json_array_get(c, 0);
  json_t *pt = json_array_get(json_array_get(c, 0), 0);
  *x = json_number_value(json_array_get(pt, 0));
  *y = json_number_value(json_array_get(pt, 1));
}

static void check_near(double got, double want, double tol, const char *what) {
  if (fabs(got - want) > tol)
    fail_msg("%s: got %.12f, want %.12f (tolerance %g)", what, got, want, tol);
}

static void test_all_in_layer_crs(void **state) {
  int64_t n;
  bool t;
  json_t *fc = query("dltb", NULL, 0, 0, &n, &t);
  assert_int_equal(n, 10);
  assert_false(t);
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_object_get(fc, "crs"), "properties"), "name")),
                      "urn:ogc:def:crs:EPSG::4526");
  json_t *f1 = json_array_get(json_object_get(fc, "features"), 0);
  assert_int_equal(json_integer_value(json_object_get(f1, "id")), 1);
  assert_string_equal(json_string_value(json_object_get(f1, "type")), "Feature");
  json_t *p = json_object_get(f1, "properties");
  assert_string_equal(json_string_value(json_object_get(p, "DLBM")), "0301");
  assert_string_equal(json_string_value(json_object_get(p, "DLMC")), "乔木林地");
  check_near(json_real_value(json_object_get(p, "TBMJ")), 10000.5, 0, "TBMJ");
  assert_true(json_is_integer(json_object_get(p, "BSM")));
  assert_int_equal(json_integer_value(json_object_get(p, "BSM")), 1000);
  assert_true(json_is_null(json_object_get(p, "BZ")));
  double x, y;
  first_vertex(fc, 0, &x, &y);
  check_near(x, X0, 0, "x of fid 1");
  check_near(y, Y0, 0, "y of fid 1");
  json_t *f10 = json_array_get(json_object_get(fc, "features"), 9);
  assert_int_equal(json_integer_value(json_object_get(f10, "id")), 10);
  assert_string_equal(json_string_value(json_object_get(json_object_get(f10, "properties"), "BZ")),
                      "三角形");
  json_decref(fc);
  /* The same layer by its numeric id. */
  fc = query("1", NULL, 4526, 0, &n, &t);
  assert_int_equal(n, 10);
  json_decref(fc);
}

static void test_transform_4490_and_3857(void **state) {
  int64_t n;
  double x, y;
  /* echo "3400000 38500000" | cs2cs -f %.12f EPSG:4526 EPSG:4490
   *   -> 30.720617455895 114.000000000000 (latitude first, EPSG order) */
  json_t *fc = query("dltb", NULL, 4490, 0, &n, NULL);
  assert_int_equal(n, 10);
  first_vertex(fc, 0, &x, &y);
  check_near(x, 114.000000000000, 1e-9, "longitude of (38500000, 3400000)");
  check_near(y, 30.720617455895, 1e-9, "latitude of (38500000, 3400000)");
  json_decref(fc);
  /* echo "3400000 38501000" | cs2cs -f %.6f EPSG:4526 EPSG:3857
   *   -> 12691584.172957 3596518.853261 */
  fc = query("dltb", NULL, 3857, 0, &n, NULL);
  assert_int_equal(n, 10);
  first_vertex(fc, 9, &x, &y);
  check_near(x, 12691584.172957, 1e-3, "3857 x of (38501000, 3400000)");
  check_near(y, 3596518.853261, 1e-3, "3857 y of (38501000, 3400000)");
  assert_string_equal(json_string_value(json_object_get(
                          json_object_get(json_object_get(fc, "crs"), "properties"), "name")),
                      "urn:ogc:def:crs:EPSG::3857");
  json_decref(fc);
}

static void test_bbox_layer_crs(void **state) {
  int64_t n;
  /* Overlaps squares (0,0), (0,1), (1,0), (1,1): fids 1, 2, 4, 5. */
  lg_env_t b = {X0 + 50, Y0 + 50, X0 + 250, Y0 + 250};
  json_t *fc = query("dltb", &b, 0, 0, &n, NULL);
  assert_int_equal(n, 4);
  assert_int_equal(fid_set(fc), FIDS(1, 2, 4, 5));
  json_decref(fc);
  /* In the gap between squares: nothing. */
  lg_env_t gap = {X0 + 120, Y0 + 120, X0 + 180, Y0 + 180};
  fc = query("dltb", &gap, 0, 0, &n, NULL);
  assert_int_equal(n, 0);
  json_decref(fc);
  /* Inside the triangle's envelope but beyond its hypotenuse (x + y >
   * 100 from its corner): the R-tree offers it, the exact test drops it. */
  lg_env_t corner = {X0 + 1080, Y0 + 80, X0 + 1100, Y0 + 100};
  fc = query("dltb", &corner, 0, 0, &n, NULL);
  assert_int_equal(n, 0);
  json_decref(fc);
  lg_env_t near = {X0 + 1010, Y0 + 10, X0 + 1020, Y0 + 20};
  fc = query("dltb", &near, 0, 0, &n, NULL);
  assert_int_equal(fid_set(fc), FIDS(10));
  json_decref(fc);
}

static void test_bbox_other_crs(void **state) {
  int64_t n;
  /* echo "3400250 38500250" | cs2cs -f %.12f EPSG:4526 EPSG:4490
   *   -> 30.722872430681 114.002610166404: the centre of square (1,1);
   * 0.0002 degrees either side (about 20 m) stays inside it. */
  lg_env_t b = {114.002610166404 - 0.0002, 30.722872430681 - 0.0002, 114.002610166404 + 0.0002,
                30.722872430681 + 0.0002};
  json_t *fc = query("dltb", &b, 4490, 0, &n, NULL);
  assert_int_equal(fid_set(fc), FIDS(5));
  json_decref(fc);
  /* The whole world in Web Mercator and in degrees: every feature, even
   * though the corners are far outside zone 38's reach. */
  lg_env_t world = {-20037508.34, -20037508.34, 20037508.34, 20037508.34};
  fc = query("dltb", &world, 3857, 0, &n, NULL);
  assert_int_equal(n, 10);
  json_decref(fc);
  lg_env_t globe = {-180, -90, 180, 90};
  fc = query("dltb", &globe, 4490, 0, &n, NULL);
  assert_int_equal(n, 10);
  json_decref(fc);
  /* Boxes holding the county that reach where zone 38's formulas break
   * down (90 degrees from its meridian, 114 E): all ten features. */
  const lg_env_t wide[] = {{20, -10, 120, 40},  {24, -5, 120, 40},  {0, 0, 180, 80},
                           {100, -80, 180, 80}, {30, 0, 170, 60},   {24, 0, 115, 35},
                           {113, -60, 115, 31}, {-180, 25, 180, 35}};
  for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
    fc = query("dltb", &wide[i], 4490, 0, &n, NULL);
    if (n != 10)
      fail_msg("box %g,%g,%g,%g: %lld features, want 10", wide[i].minx, wide[i].miny, wide[i].maxx,
               wide[i].maxy, (long long)n);
    json_decref(fc);
  }
  /* Around 24 E on the equator, 90 degrees from zone 38's meridian, PROJ
   * cannot place a single point in the zone (cs2cs prints "*"): the box
   * is simply empty, not an error. */
  lg_env_t singular = {19, -6, 29, 6};
  fc = query("dltb", &singular, 4490, 0, &n, NULL);
  assert_int_equal(n, 0);
  json_decref(fc);
  /* Europe: nothing, and no error. */
  lg_env_t europe = {0, 45, 10, 50};
  fc = query("dltb", &europe, 4490, 0, &n, NULL);
  assert_int_equal(n, 0);
  json_decref(fc);
}

static void test_limit(void **state) {
  int64_t n;
  bool t;
  json_t *fc = query("dltb", NULL, 0, 3, &n, &t);
  assert_int_equal(n, 3);
  assert_true(t);
  assert_int_equal(fid_set(fc), FIDS(1, 2, 3));
  json_decref(fc);
  fc = query("dltb", NULL, 0, 10, &n, &t);
  assert_int_equal(n, 10);
  assert_false(t);
  json_decref(fc);
  /* With a box, the limit counts features that pass the exact test. */
  lg_env_t b = {X0 + 50, Y0 + 50, X0 + 250, Y0 + 250};
  fc = query("dltb", &b, 0, 2, &n, &t);
  assert_int_equal(fid_set(fc), FIDS(1, 2));
  assert_true(t);
  json_decref(fc);
  fc = query("dltb", &b, 0, 4, &n, &t);
  assert_int_equal(n, 4);
  assert_false(t);
  json_decref(fc);
}

static void test_errors(void **state) {
  lg_buf_t out;
  lg_err_t err = {0};
  int64_t n;
  bool t;
  lg_buf_init(&out);
  lg_buf_puts(&out, "keep");
  assert_int_equal(lg_onemap_features_geojson(store, "nope", NULL, 0, 0, &out, &n, &t, &err),
                   LG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "nope"));
  lg_err_clear(&err);
  assert_int_equal(lg_onemap_features_geojson(store, "dltb", NULL, 0, LG_FEATURES_MAX_LIMIT + 1,
                                              &out, &n, &t, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "limit"));
  lg_err_clear(&err);
  assert_int_equal(lg_onemap_features_geojson(store, "dltb", NULL, 0, -1, &out, &n, &t, &err),
                   LG_EINVAL);
  lg_err_clear(&err);
  lg_env_t inverted = {10, 10, 0, 0};
  assert_int_equal(lg_onemap_features_geojson(store, "dltb", &inverted, 0, 0, &out, &n, &t, &err),
                   LG_EINVAL);
  lg_err_clear(&err);
  lg_env_t nan_box = {NAN, 0, 1, 1};
  assert_int_equal(lg_onemap_features_geojson(store, "dltb", &nan_box, 0, 0, &out, &n, &t, &err),
                   LG_EINVAL);
  lg_err_clear(&err);
  assert_int_equal(lg_onemap_features_geojson(store, "dltb", NULL, 999999, 0, &out, &n, &t, &err),
                   LG_ECRS);
  /* Nothing half-written is left behind. */
  assert_string_equal(out.data, "keep");
  lg_buf_fini(&out);
}

/* A query past its deadline (a server's limits.request_ms) gives up with
 * LG_ELIMIT and leaves nothing behind; one well within it answers. */
static void test_deadline(void **state) {
  lg_buf_t out;
  lg_err_t err = {0};
  int64_t n = -1;
  bool t;
  lg_buf_init(&out);
  lg_buf_puts(&out, "keep");
  assert_int_equal(lg_onemap_features_geojson_until(store, "dltb", NULL, 0, 0, lg_mono() - 1, &out,
                                                    &n, &t, &err),
                   LG_ELIMIT);
  assert_non_null(strstr(err.msg, "时限"));
  assert_string_equal(out.data, "keep");
  lg_buf_reset(&out);
  lg_err_clear(&err);
  assert_int_equal(lg_onemap_features_geojson_until(store, "dltb", NULL, 0, 0, lg_mono() + 3600,
                                                    &out, &n, &t, &err),
                   0);
  assert_true(n > 0);
  lg_buf_fini(&out);
}

static void test_env_transform(void **state) {
  lg_err_t err = {0};
  lg_env_t sq = {X0, Y0, X0 + 500, Y0 + 500}, e;
  assert_int_equal(lg_onemap_env_transform(lg_geo_thread(), &sq, 4526, 4490, &e, &err), 0);
  /* Corners by echo "N E" | cs2cs -f %.12f EPSG:4526 EPSG:4490:
   *   (38500000, 3400000) -> 114.000000000000, 30.720617455895
   *   (38500500, 3400000) -> 114.005220211311, 30.720617350939
   *   (38500000, 3400500) -> 114.000000000000, 30.725127457166
   *   (38500500, 3400500) -> 114.005220454306, 30.725127352191
   * The grid is turned against the meridians, so each bound comes from a
   * different corner. */
  check_near(e.minx, 114.0, 1e-9, "minx");
  check_near(e.miny, 30.720617350939, 1e-9, "miny");
  check_near(e.maxx, 114.005220454306, 1e-9, "maxx");
  check_near(e.maxy, 30.725127457166, 1e-9, "maxy");
  /* Same CRS: unchanged. */
  assert_int_equal(lg_onemap_env_transform(lg_geo_thread(), &sq, 4526, 4526, &e, &err), 0);
  assert_true(e.minx == sq.minx && e.maxy == sq.maxy);
  assert_int_equal(lg_onemap_env_transform(lg_geo_thread(), &sq, 4526, 999999, &e, &err), LG_ECRS);
}

/* The clipping above leans on geo's area of use; its values are those
 * `projinfo EPSG:4526` prints: BBOX[21.52,112.5,45.45,115.5]. */
static void test_area_of_use(void **state) {
  lg_err_t err = {0};
  lg_env_t a;
  assert_int_equal(lg_crs_area_of_use(lg_geo_thread(), 4526, &a, &err), 0);
  check_near(a.minx, 112.5, 1e-9, "west");
  check_near(a.miny, 21.52, 1e-9, "south");
  check_near(a.maxx, 115.5, 1e-9, "east");
  check_near(a.maxy, 45.45, 1e-9, "north");
  assert_int_equal(lg_crs_area_of_use(lg_geo_thread(), 999999, &a, &err), LG_ECRS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_in_layer_crs),
      cmocka_unit_test(test_transform_4490_and_3857),
      cmocka_unit_test(test_bbox_layer_crs),
      cmocka_unit_test(test_bbox_other_crs),
      cmocka_unit_test(test_limit),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_deadline),
      cmocka_unit_test(test_env_transform),
      cmocka_unit_test(test_area_of_use),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
