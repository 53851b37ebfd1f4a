/*
 * formats (GDAL/OGR): every format a bureau sends is imported with its
 * features, attributes (GBK decoded) and CRS intact, and bad files fail
 * whole with a message that names them.
 *
 * Fixtures are made by ogr2ogr (an independent tool) from
 * tests/data/import/two_patches.geojson: two squares in EPSG:4526 of
 * 100 m x 100 m and 100 m x 50 m, so 10,000 m2 and 5,000 m2 by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "formats/formats.h"
#include "lg_test.h"

static char dir[256], src[512];

static void sh(const char *fmt, ...) {
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("command failed: %s", cmd);
}

static int setup(void **state) {
  snprintf(dir, sizeof dir, "/tmp/lg_test_ogr_%d", (int)getpid());
  snprintf(src, sizeof src, "%s/import/two_patches.geojson", getenv("LG_TESTDATA"));
  sh("rm -rf %s && mkdir -p %s", dir, dir);
  return 0;
}

static int teardown(void **state) {
  sh("rm -rf %s", dir);
  return 0;
}

static lg_store_t *fresh_store(const char *name) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s.gpkg", dir, name);
  unlink(p);
  lg_store_t *s = NULL;
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(p), LG_STORE_CREATE, &s, &err)) fail_msg("open: %s", err.msg);
  return s;
}

/* Sum of areas and the DLMC of the 0101 patch, read back from the store. */
static void read_back(lg_store_t *s, const char *layer, int64_t *n, double *area, char *dlmc) {
  lg_store_reader_t *r;
  lg_err_t err = {0};
  assert_int_equal(lg_store_reader_new(s, layer, NULL, &r, &err), 0);
  lg_geo_t *g = lg_geo_thread();
  *n = 0;
  *area = 0;
  dlmc[0] = '\0';
  int idbm = lg_store_reader_field_index(r, "DLBM"), imc = lg_store_reader_field_index(r, "DLMC");
  while (lg_store_reader_next(r, &err) == 1) {
    size_t bn;
    const void *b = lg_store_reader_blob(r, &bn);
    lg_geom_t *geom = lg_geom_from_gpkg(g, b, bn, &err);
    *area += lg_geom_area(g, geom);
    lg_geom_free(g, geom);
    if (idbm >= 0 && imc >= 0 && lg_store_reader_text(r, idbm) &&
        strcmp(lg_store_reader_text(r, idbm), "0101") == 0)
      strcpy(dlmc, lg_store_reader_text(r, imc));
    (*n)++;
  }
  lg_store_reader_free(r);
}

static void check_format(const char *name, const char *ogr_args, const char *file, double tol) {
  char out[512];
  snprintf(out, sizeof out, "%s/%s", dir, file);
  sh("ogr2ogr %s '%s' '%s' 2>/dev/null", ogr_args, out, src);
  lg_store_t *s = fresh_store(name);
  lg_formats_import_opts_t o = {.layer = "dltb", .role = "landuse"};
  if (strstr(file, ".kml")) o.to_srs = 4526; /* KML is longitude/latitude */
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  int rc = lg_formats_import(s, out, &o, &res, &err);
  if (rc) fail_msg("%s: import failed: %s", name, err.msg);
  assert_int_equal(res.count, 2);
  assert_int_equal(res.srs_id, 4526);
  assert_string_equal(res.class_field, "DLBM");
  assert_string_equal(res.geom_type, "MULTIPOLYGON");
  int64_t n;
  double area;
  char dlmc[128];
  read_back(s, "dltb", &n, &area, dlmc);
  assert_int_equal(n, 2);
  if (fabs(area - 15000.0) > tol) fail_msg("%s: area %.6f, want 15000 (hand)", name, area);
  assert_string_equal(dlmc, "水田");
  lg_store_close(s);
}

static void test_formats(void **state) {
  check_format("geojson", "-f GeoJSON", "a.geojson", 1e-9);
  check_format("gpkg", "-f GPKG", "a.gpkg", 1e-9);
  check_format("shp_utf8", "-f 'ESRI Shapefile' -lco ENCODING=UTF-8", "u.shp", 1e-9);
  check_format("gdb", "-f OpenFileGDB -nlt MULTIPOLYGON", "a.gdb", 1e-6);
  check_format("kml", "-f KML", "a.kml", 1e-3);
}

/* A GBK shapefile without .cpg: landgov must notice the bytes are not
 * UTF-8 and decode them as GBK. */
static void test_gbk_shapefile(void **state) {
  sh("ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=CP936 %s/g.shp '%s' && rm -f %s/g.cpg", dir, src,
     dir);
  char p[512];
  snprintf(p, sizeof p, "%s/g.shp", dir);
  lg_store_t *s = fresh_store("gbk");
  lg_formats_import_opts_t o = {.layer = "dltb", .role = "landuse"};
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  assert_int_equal(lg_formats_import(s, p, &o, &res, &err), 0);
  assert_string_equal(res.encoding, "GBK");
  int64_t n;
  double area;
  char dlmc[128];
  read_back(s, "dltb", &n, &area, dlmc);
  assert_string_equal(dlmc, "水田");
  lg_store_close(s);
}

static void expect_fail(lg_store_t *s, const char *path, lg_formats_import_opts_t *o, int code,
                        const char *needle) {
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  int rc = lg_formats_import(s, path, o, &res, &err);
  if (rc != code) fail_msg("%s: rc %d (%s), want %d", path, rc, err.msg, code);
  if (needle && !strstr(err.msg, needle))
    fail_msg("%s: message \"%s\" lacks \"%s\"", path, err.msg, needle);
  /* Nothing of the failed import is left. */
  lg_layer_info_t info;
  assert_int_equal(lg_store_layer_get(s, o->layer, &info, &err), LG_ENOTFOUND);
}

static void test_bad_input(void **state) {
  lg_store_t *s = fresh_store("bad");
  lg_formats_import_opts_t o = {.layer = "bad", .role = "landuse"};
  char p[512];
  /* Missing file. */
  snprintf(p, sizeof p, "%s/none.shp", dir);
  expect_fail(s, p, &o, LG_EIO, "none.shp");
  /* Not a vector file at all. */
  snprintf(p, sizeof p, "%s/junk.geojson", dir);
  sh("printf '{\"type\": \"FeatureCollection\", \"features\": [' > %s", p);
  expect_fail(s, p, &o, LG_EINVAL, "junk.geojson");
  /* A truncated shapefile: the .shx promises 400 records, the .shp stops early. */
  sh("{ printf '{\"type\":\"FeatureCollection\",\"features\":['; for i in $(seq 400); do "
     "[ $i -gt 1 ] && printf ','; printf '{\"type\":\"Feature\",\"properties\":{\"DLBM\":\"0101\"},"
     "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[38500000,2850000],[38500010,2850000],"
     "[38500010,2850010],[38500000,2850000]]]}}'; done; printf ']}'; } > %s/big.geojson && "
     "ogr2ogr -f 'ESRI Shapefile' -a_srs EPSG:4526 %s/big.shp %s/big.geojson",
     dir, dir, dir);
  sh("truncate -s 3000 %s/big.shp", dir);
  snprintf(p, sizeof p, "%s/big.shp", dir);
  expect_fail(s, p, &o, LG_EINVAL, "big.shp");
  /* No .prj and coordinates that are no Gauss-Kruger with prefix. */
  sh("ogr2ogr -f 'ESRI Shapefile' %s/noprj.shp '%s' -a_srs EPSG:3857 -dialect sqlite "
     "-sql \"SELECT ST_Translate(geometry, -38000000, 0, 0) AS geometry, DLBM FROM two_patches\" "
     "&& rm -f %s/noprj.prj",
     dir, src, dir);
  snprintf(p, sizeof p, "%s/noprj.shp", dir);
  expect_fail(s, p, &o, LG_ECRS, "坐标系");
  /* A land-use layer without a class-code field, and a wrong --class-field. */
  sh("ogr2ogr -f GeoJSON %s/nocode.geojson '%s' -select DLMC", dir, src);
  snprintf(p, sizeof p, "%s/nocode.geojson", dir);
  expect_fail(s, p, &o, LG_EINVAL, "--class-field");
  o.class_field = "NOPE";
  expect_fail(s, src, &o, LG_EINVAL, "NOPE");
  o.class_field = NULL;
  /* Over the feature limit. */
  o.max_features = 1;
  expect_fail(s, src, &o, LG_ELIMIT, "上限");
  lg_store_close(s);
}

/* A shapefile without .prj but with zone-prefixed eastings is recognised
 * as CGCS2000 Gauss-Kruger (zone 38 -> EPSG:4526), as DOMAIN.md section 4. */
static void test_zone_from_prefix(void **state) {
  sh("ogr2ogr -f 'ESRI Shapefile' -lco ENCODING=UTF-8 %s/p.shp '%s' && rm -f %s/p.prj", dir, src,
     dir);
  char p[512];
  snprintf(p, sizeof p, "%s/p.shp", dir);
  lg_store_t *s = fresh_store("prefix");
  lg_formats_import_opts_t o = {.layer = "p", .role = "other"};
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  assert_int_equal(lg_formats_import(s, p, &o, &res, &err), 0);
  assert_int_equal(res.srs_id, 4526);
  lg_store_close(s);
}

/* Export and re-import through every GDAL format keeps features and areas. */
static void test_export_round_trip(void **state) {
  lg_store_t *s = fresh_store("rt");
  lg_formats_import_opts_t o = {.layer = "dltb", .role = "landuse"};
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  assert_int_equal(lg_formats_import(s, src, &o, &res, &err), 0);
  const char *fmts[] = {"geojson", "gpkg", "shp", "gdb"};
  for (size_t i = 0; i < 4; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s/out_%s.%s", dir, fmts[i], fmts[i]);
    lg_formats_export_opts_t eo = {.format = fmts[i]};
    if (lg_formats_export(s, "dltb", p, &eo, &err)) fail_msg("export %s: %s", fmts[i], err.msg);
    lg_formats_import_opts_t o2 = {.layer = "back", .role = "landuse", .replace = true};
    if (lg_formats_import(s, p, &o2, &res, &err)) fail_msg("re-import %s: %s", fmts[i], err.msg);
    int64_t n;
    double area;
    char dlmc[128];
    read_back(s, "back", &n, &area, dlmc);
    assert_int_equal(n, 2);
    if (fabs(area - 15000.0) > 1e-6) fail_msg("%s: area %.6f", fmts[i], area);
    assert_string_equal(dlmc, "水田");
  }
  lg_formats_export_opts_t bad = {.format = "xyz"};
  assert_int_equal(lg_formats_export(s, "dltb", "/tmp/x.xyz", &bad, &err), LG_EUNSUPPORTED);
  lg_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_formats),           cmocka_unit_test(test_gbk_shapefile),
      cmocka_unit_test(test_bad_input),         cmocka_unit_test(test_zone_from_prefix),
      cmocka_unit_test(test_export_round_trip),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
