/*
 * review: inputs fuzz/fuzz_boundary found to crash a check's boundary
 * reader, kept in tests/data/fuzz-regress/ and read back here.
 *
 * boundary-short-wkt-keyword.bin ("MUL", 3 bytes): the format sniffer
 * compared "MULTIPOLYGON" with strncasecmp past the end of an upload that
 * is not NUL-terminated (AddressSanitizer: heap-buffer-overflow). Given
 * here in a buffer of exactly its size, as a multipart part is.
 *
 * boundary-geojson-short-position.geojson: a MultiPolygon with the
 * positions [] and [38500400020]. GEOS 3.11's GeoJSON reader reads x and y
 * of a position without checking its length and dies with SIGSEGV: one
 * request could stop the server. Positions are now checked before GEOS
 * sees them; the hand-made variants below cover every geometry type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/review.h"

static char *regress_path(const char *name) {
  const char *d = getenv("LG_TESTDATA");
  return lg_sprintf("%s/fuzz-regress/%s", d ? d : "tests/data", name);
}

static void test_short_wkt_keyword(void **state) {
  char *p = regress_path("boundary-short-wkt-keyword.bin");
  char *data = NULL;
  size_t n = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_file_read(p, &data, &n, &err), 0);
  assert_int_equal(n, 3);
  char *exact = malloc(n); /* no NUL after it */
  memcpy(exact, data, n);
  lg_boundary_t b;
  assert_int_equal(lg_review_boundary_parse(exact, n, "upload", NULL, &b, &err), LG_EINVAL);
  lg_review_boundary_fini(&b);
  free(exact);
  lg_free(data);
  lg_free(p);
}

static void expect_refused(const char *json) {
  lg_err_t err = {0};
  lg_boundary_t b;
  int rc = lg_review_boundary_parse(json, strlen(json), "upload", NULL, &b, &err);
  if (rc != LG_EINVAL) fail_msg("%s: rc %d (%s)", json, rc, err.msg);
  if (!strstr(err.msg, "[x, y]")) fail_msg("%s: message %s", json, err.msg);
  lg_review_boundary_fini(&b);
}

static void test_short_position(void **state) {
  char *p = regress_path("boundary-geojson-short-position.geojson");
  char *data = NULL;
  size_t n = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_file_read(p, &data, &n, &err), 0);
  expect_refused(data);
  lg_free(data);
  lg_free(p);
  expect_refused("{\"type\":\"Point\",\"coordinates\":[]}");
  expect_refused("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1]]}");
  expect_refused("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,\"1\"],[0,0]]]}");
  expect_refused(
      "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[]]]}}");
  expect_refused("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
                 "{\"type\":\"MultiPoint\",\"coordinates\":[[1]]}}]}");
  expect_refused("{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"MultiLineString\","
                 "\"coordinates\":[[[0,0],[]]]}]}");
  /* A good polygon still reads. */
  const char *ok = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}";
  lg_boundary_t b;
  int rc = lg_review_boundary_parse(ok, strlen(ok), "upload", NULL, &b, &err);
  if (rc) fail_msg("%s", err.msg);
  lg_review_boundary_fini(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_short_wkt_keyword),
      cmocka_unit_test(test_short_position),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
