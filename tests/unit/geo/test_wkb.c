/*
 * geo: the WKB header reader and the conversion to 2D, on WKB that GEOS
 * itself writes (with Z, as ISO and as PostGIS's EWKB) and on bytes
 * written by hand in the test (M, ZM, truncated). The expected 2D WKB is
 * what GEOS writes for the same geometry without its heights.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "geo/geo.h"
#include "lg_test.h"

/* GEOS's 2D WKB of a WKT. */
static void wkb_of(const char *wkt, lg_buf_t *out) {
  lg_geo_t *g = lg_geo_thread();
  lg_err_t err = {0};
  lg_geom_t *geom = lg_geom_from_wkt(g, wkt, &err);
  if (!geom) fail_msg("%s: %s", wkt, err.msg);
  size_t n = 0;
  unsigned char *w = lg_geom_to_wkb(g, geom, &n);
  lg_buf_append(out, w, n);
  lg_free(w);
  lg_geom_free(g, geom);
}

static void test_ewkb_z(void **state) {
  /* EWKB of MULTIPOLYGON Z with SRID 4526, as PostGIS sends it:
   * byte order, type 6 | Z flag | SRID flag, the SRID, one polygon. */
  unsigned char b[256] = {0};
  size_t n = 0;
  uint32_t v;
  b[n++] = 1;
  v = 6u | 0x80000000u | 0x20000000u, memcpy(b + n, &v, 4), n += 4;
  v = 4526, memcpy(b + n, &v, 4), n += 4;
  v = 1, memcpy(b + n, &v, 4), n += 4;
  b[n++] = 1;
  v = 3u | 0x80000000u, memcpy(b + n, &v, 4), n += 4;
  v = 1, memcpy(b + n, &v, 4), n += 4;
  v = 4, memcpy(b + n, &v, 4), n += 4;
  const double pts[4][3] = {{0, 0, 7}, {0, 10, 8}, {10, 0, 9}, {0, 0, 7}};
  memcpy(b + n, pts, sizeof pts), n += sizeof pts;
  const unsigned char *p = b;
  lg_wkb_head_t h;
  assert_int_equal(lg_wkb_head(&p, b + n, &h), 0);
  assert_int_equal(h.type, 6);
  assert_int_equal(h.dims, 3);
  assert_int_equal(h.srid, 4526);
  lg_buf_t flat, want;
  lg_buf_init(&flat);
  lg_buf_init(&want);
  assert_int_equal(lg_wkb_to_2d(b, n, &flat), 0);
  wkb_of("MULTIPOLYGON (((0 0, 0 10, 10 0, 0 0)))", &want);
  assert_int_equal(flat.len, want.len);
  assert_memory_equal(flat.data, want.data, want.len);
  /* Cut short anywhere: refused. */
  for (size_t cut = 1; cut < n; cut += 7) {
    lg_buf_reset(&flat);
    assert_int_equal(lg_wkb_to_2d(b, cut, &flat), -1);
  }
  lg_buf_fini(&flat);
  lg_buf_fini(&want);
}

static size_t be32(unsigned char *b, size_t n, uint32_t x) {
  for (int i = 3; i >= 0; i--)
    b[n++] = (unsigned char)(x >> (8 * i));
  return n;
}

static size_t be64(unsigned char *b, size_t n, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  for (int i = 7; i >= 0; i--)
    b[n++] = (unsigned char)(u >> (8 * i));
  return n;
}

static void test_iso_zm_collection(void **state) {
  /* GEOMETRYCOLLECTION ZM (POINT ZM (1 2 3 4), LINESTRING ZM (5 6 -1 -2,
   * 7 8 -3 -4)) in ISO types 3007, 3001, 3002, big-endian. */
  unsigned char b[256] = {0};
  size_t n = 0;
  b[n++] = 0;
  n = be32(b, n, 3007);
  n = be32(b, n, 2);
  b[n++] = 0;
  n = be32(b, n, 3001);
  const double pt[] = {1, 2, 3, 4}, line[] = {5, 6, -1, -2, 7, 8, -3, -4};
  for (size_t i = 0; i < 4; i++)
    n = be64(b, n, pt[i]);
  b[n++] = 0;
  n = be32(b, n, 3002);
  n = be32(b, n, 2);
  for (size_t i = 0; i < 8; i++)
    n = be64(b, n, line[i]);
  lg_buf_t flat, want;
  lg_buf_init(&flat);
  lg_buf_init(&want);
  assert_int_equal(lg_wkb_to_2d(b, n, &flat), 0);
  wkb_of("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (5 6, 7 8))", &want);
  assert_int_equal(flat.len, want.len);
  assert_memory_equal(flat.data, want.data, want.len);
  lg_buf_fini(&flat);
  lg_buf_fini(&want);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_ewkb_z),
                                     cmocka_unit_test(test_iso_zm_collection)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
