/*
 * geo: zones, transforms, areas and blobs against independent figures:
 * PROJ's own cs2cs output, hand-computed shapes, and the closed-form area
 * of a latitude-longitude quadrangle on the CGCS2000 ellipsoid.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "geo/geo.h"
#include "lg_test.h"

static void test_gk_zones(void **state) {
  int zone = 0, width = 0, epsg = 0, plain = 0;
  /* Zone prefix of the Zhaoqing sample (DOMAIN.md: Y=38383243.971 is zone 38). */
  assert_int_equal(lg_gk_zone_from_easting(38383243.971, &zone, &width, &epsg), 0);
  assert_int_equal(zone, 38);
  assert_int_equal(width, 3);
  assert_int_equal(epsg, 4526);
  assert_int_equal(lg_gk_zone_from_easting(40520986.477, &zone, &width, &epsg), 0);
  assert_int_equal(epsg, 4528);
  /* 6-degree zone 19 with prefix: EPSG:4497. */
  assert_int_equal(lg_gk_zone_from_easting(19500000.0, &zone, &width, &epsg), 0);
  assert_int_equal(width, 6);
  assert_int_equal(epsg, 4497);
  assert_int_equal(lg_gk_zone_from_easting(500000.0, &zone, &width, &epsg), LG_EINVAL);
  assert_int_equal(lg_gk_zone_from_easting(50500000.0, &zone, &width, &epsg), LG_EINVAL);
  assert_int_equal(lg_gk_zone_from_lon(114.9, &zone, &epsg, &plain), 0);
  assert_int_equal(zone, 38);
  assert_int_equal(epsg, 4526);
  assert_int_equal(plain, 4547);
  assert_int_equal(lg_gk_zone_from_lon(10.0, &zone, &epsg, &plain), LG_EINVAL);
  assert_near(lg_gk_central_meridian(4526), 114.0, 0);
  assert_near(lg_gk_central_meridian(4547), 114.0, 0);
  assert_near(lg_gk_central_meridian(4497), 111.0, 0);
}

static void test_transform(void **state) {
  lg_geo_t *g = lg_geo_new();
  lg_err_t err = {0};
  /* Expected: `echo "25.8 114.9" | cs2cs -f %.6f EPSG:4490 EPSG:4526`
   * -> 2854985.833168 38590260.292233 (northing, easting). */
  double x = 114.9, y = 25.8;
  assert_int_equal(lg_xy_transform(g, 4490, 4526, &x, &y, 1, &err), 0);
  assert_near(x, 38590260.292233, 1e-5);
  assert_near(y, 2854985.833168, 1e-5);
  /* ... EPSG:3857 -> 12790609.492147133 2974331.099366081 */
  x = 114.9, y = 25.8;
  assert_int_equal(lg_xy_transform(g, 4490, 3857, &x, &y, 1, &err), 0);
  assert_near(x, 12790609.492147, 1e-5);
  assert_near(y, 2974331.099366, 1e-5);
  /* Geometry transform keeps the shape and sets the SRID. */
  lg_geom_t *pt = lg_geom_from_wkt(g, "POINT (38590260.292233 2854985.833168)", &err);
  lg_geom_t *ll = lg_geom_transform(g, pt, 4526, 4490, &err);
  assert_non_null(ll);
  assert_int_equal(lg_geom_srid(g, ll), 4490);
  lg_env_t e;
  lg_geom_envelope(g, ll, &e);
  assert_near(e.minx, 114.9, 1e-9);
  assert_near(e.miny, 25.8, 1e-9);
  lg_geom_free(g, pt);
  lg_geom_free(g, ll);
  assert_int_equal(lg_xy_transform(g, 4490, 999999, &x, &y, 1, &err), LG_ECRS);
  lg_geo_free(g);
}

static void test_planar_area(void **state) {
  lg_geo_t *g = lg_geo_new();
  lg_err_t err = {0};
  /* 200 m x 100 m with a 10 m x 10 m hole: 19,900 m2 by hand. */
  const double shell[] = {0, 0, 200, 0, 200, 100, 0, 100, 0, 0};
  const double hole[] = {10, 10, 10, 20, 20, 20, 20, 10, 10, 10};
  const double *rings[] = {shell, hole};
  size_t npts[] = {5, 5};
  lg_geom_t *p = lg_geom_polygon(g, rings, npts, 2, &err);
  assert_non_null(p);
  assert_near(lg_geom_area(g, p), 19900.0, 1e-9);
  lg_geom_free(g, p);
  /* An unclosed ring is refused with a message naming it. */
  const double open[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0.5};
  const double *r2[] = {open};
  size_t n2[] = {5};
  assert_null(lg_geom_polygon(g, r2, n2, 1, &err));
  assert_non_null(strstr(err.msg, "未闭合"));
  lg_geo_free(g);
}

/* Area between two parallels and two meridians on an ellipsoid:
 * A = b^2 * dlon / 2 * [q(phi2) - q(phi1)], with
 * q(phi) = sin(phi) / (1 - e^2 sin^2 phi) + 1/(2e) ln((1 + e sin phi) / (1 - e sin phi)). */
static double q_of(double phi, double e) {
  double s = sin(phi);
  return s / (1 - e * e * s * s) + 1 / (2 * e) * log((1 + e * s) / (1 - e * s));
}

static void test_ellipsoidal_area(void **state) {
  lg_geo_t *g = lg_geo_new();
  lg_err_t err = {0};
  const double a = 6378137.0, f = 1 / 298.257222101;
  const double b = a * (1 - f), e = sqrt(f * (2 - f));
  const double d2r = M_PI / 180;
  double lon1 = 114.9, lon2 = 114.91, lat1 = 25.8, lat2 = 25.81;
  double want = b * b * (lon2 - lon1) * d2r / 2 * (q_of(lat2 * d2r, e) - q_of(lat1 * d2r, e));
  const double ring[] = {lon1, lat1, lon2, lat1, lon2, lat2, lon1, lat2, lon1, lat1};
  const double *rings[] = {ring};
  size_t npts[] = {5};
  lg_geom_t *p = lg_geom_polygon(g, rings, npts, 1, &err);
  double got = 0;
  assert_int_equal(lg_geom_area_ellipsoidal(g, p, 4490, &got, &err), 0);
  /* Geodesic edges differ from parallels by a hair over 1 km; 1e-6 relative. */
  if (fabs(got - want) / want > 1e-6)
    fail_msg("ellipsoidal area %.6f, closed form %.6f", got, want);
  /* The same quadrangle in Gauss-Kruger zone 38 gives the same ellipsoidal
   * area, while its planar area is larger by the scale factor squared. */
  lg_geom_t *gk = lg_geom_transform(g, p, 4490, 4526, &err);
  double got2 = 0;
  assert_int_equal(lg_geom_area_ellipsoidal(g, gk, 4526, &got2, &err), 0);
  if (fabs(got2 - want) / want > 1e-6) fail_msg("via GK %.6f, closed form %.6f", got2, want);
  double planar = lg_geom_area(g, gk);
  assert_true(planar > got2);
  lg_geom_free(g, p);
  lg_geom_free(g, gk);
  lg_geo_free(g);
}

static void test_gpkg_blob(void **state) {
  lg_geo_t *g = lg_geo_new();
  lg_err_t err = {0};
  lg_geom_t *m = lg_geom_from_wkt(
      g, "MULTIPOLYGON (((0 0, 10 0, 10 5, 0 5, 0 0)), ((20 -3, 30 -3, 30 7, 20 7, 20 -3)))", &err);
  assert_non_null(m);
  lg_buf_t b;
  lg_buf_init(&b);
  lg_geom_to_gpkg(g, m, 4526, &b);
  int32_t srs = 0;
  lg_env_t env;
  bool empty = true;
  const unsigned char *wkb;
  size_t wl;
  assert_int_equal(lg_gpkg_blob_parse(b.data, b.len, &srs, &env, &empty, &wkb, &wl), 0);
  assert_int_equal(srs, 4526);
  assert_false(empty);
  assert_near(env.minx, 0, 0);
  assert_near(env.miny, -3, 0);
  assert_near(env.maxx, 30, 0);
  assert_near(env.maxy, 7, 0);
  /* The envelope scanned from the WKB agrees. */
  lg_env_t env2;
  assert_int_equal(lg_wkb_envelope(wkb, wl, &env2, &empty), 0);
  assert_memory_equal(&env, &env2, sizeof env);
  lg_geom_t *back = lg_geom_from_gpkg(g, b.data, b.len, &err);
  assert_near(lg_geom_area(g, back), 150.0, 1e-12);
  assert_int_equal(lg_geom_srid(g, back), 4526);
  /* Garbage is refused. */
  assert_int_equal(lg_gpkg_blob_parse("XX", 2, NULL, NULL, NULL, NULL, NULL), LG_EINVAL);
  assert_int_equal(lg_wkb_envelope(wkb, wl - 9, &env2, &empty), LG_EINVAL);
  lg_geom_free(g, m);
  lg_geom_free(g, back);
  lg_buf_fini(&b);
  lg_geo_free(g);
}

static void test_validation(void **state) {
  lg_geo_t *g = lg_geo_new();
  lg_err_t err = {0};
  /* A bow-tie crosses itself at (5, 5). */
  lg_geom_t *bow = lg_geom_from_wkt(g, "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", &err);
  char why[256];
  double x = 0, y = 0;
  assert_false(lg_geom_is_valid(g, bow, why, &x, &y));
  assert_near(x, 5, 1e-9);
  assert_near(y, 5, 1e-9);
  lg_geom_t *fixed = lg_geom_make_valid(g, bow, &err);
  assert_true(lg_geom_is_valid(g, fixed, why, &x, &y));
  assert_near(lg_geom_area(g, fixed), 50.0, 1e-9);
  lg_geom_free(g, bow);
  lg_geom_free(g, fixed);
  lg_geo_free(g);
}

static void test_crs_lookup(void **state) {
  lg_geo_t *g = lg_geo_new();
  lg_err_t err = {0};
  char *wkt = NULL, *name = NULL;
  assert_int_equal(lg_crs_lookup(g, 4526, &wkt, &name, &err), 0);
  assert_string_equal(name, "CGCS2000 / 3-degree Gauss-Kruger zone 38");
  assert_non_null(strstr(wkt, "PROJCS"));
  assert_int_equal(lg_crs_is_projected(g, 4526), 1);
  assert_int_equal(lg_crs_is_projected(g, 4490), 0);
  assert_int_equal(lg_crs_is_projected(g, 999999), -1);
  assert_int_equal(lg_crs_lookup(g, 999999, NULL, NULL, &err), LG_ECRS);
  lg_free(wkt);
  lg_free(name);
  lg_geo_free(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gk_zones),    cmocka_unit_test(test_transform),
      cmocka_unit_test(test_planar_area), cmocka_unit_test(test_ellipsoidal_area),
      cmocka_unit_test(test_gpkg_blob),   cmocka_unit_test(test_validation),
      cmocka_unit_test(test_crs_lookup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
