/*
 * store: the file is a GeoPackage that GDAL itself reads (an independent
 * implementation), with the CGCS2000 systems, WAL, an R-tree that answers
 * box queries with hand-counted results, and imports that roll back whole.
 * On PostgreSQL (LG_TEST_PG) the same: layers are PostGIS tables with a
 * GiST index that GDAL's PostgreSQL driver reads, box queries agree with
 * PostGIS's own functions, and a rolled-back import leaves no table.
 */
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lg_test.h"
#include "store/store.h"

static char path[256];

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_store_%d.gpkg", (int)getpid());
  unlink(path);
  return 0;
}

static int teardown(void **state) {
  lg_test_remove_store(path);
  return 0;
}

static int64_t query_int(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  int64_t v = -1;
  if (lg_store_prepare(s, sql, &st, NULL) != 0) return -2;
  if (lg_store_step(st) == LG_ROW) v = lg_store_col_int(st, 0);
  lg_store_done(st);
  return v;
}

/* A 10 x 10 grid of 100 m squares in EPSG:4526 starting at (38500000, 2850000). */
static void make_grid(lg_store_t *s, const char *name) {
  lg_err_t err = {0};
  lg_field_t fields[] = {{"DLBM", LG_FIELD_TEXT}, {"TBMJ", LG_FIELD_REAL}};
  lg_layer_def_t def = {.name = name,
                        .title = "测试图斑",
                        .role = "landuse",
                        .class_field = "DLBM",
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = 4526,
                        .fields = fields,
                        .nfields = 2};
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), 0);
  lg_store_writer_t *w;
  assert_int_equal(lg_store_writer_new(s, name, &w, &err), 0);
  lg_geo_t *g = lg_geo_thread();
  for (int i = 0; i < 10; i++)
    for (int j = 0; j < 10; j++) {
      char wkt[256];
      double x = 38500000 + i * 100, y = 2850000 + j * 100;
      snprintf(wkt, sizeof wkt,
               "MULTIPOLYGON (((%.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f, %.0f %.0f)))", x, y,
               x + 100, y, x + 100, y + 100, x, y + 100, x, y);
      lg_geom_t *geom = lg_geom_from_wkt(g, wkt, &err);
      lg_store_writer_text(w, 0, (i + j) % 2 ? "0101" : "0301");
      lg_store_writer_real(w, 1, 10000.0);
      assert_int_equal(lg_store_writer_add(w, g, geom, NULL, &err), 0);
      lg_geom_free(g, geom);
    }
  assert_int_equal(lg_store_writer_finish(w, &err), 0);
  lg_store_writer_free(w);
  assert_int_equal(lg_store_commit(s, &err), 0);
}

static void test_geopackage_header(void **state) {
  lg_store_t *s;
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err), 0);
  bool pg = lg_store_backend(s) == LG_STORE_PG;
  if (!pg) {
    /* GPKG 1.3: application_id 'GPKG' (0x47504B47), user_version 10300. */
    assert_int_equal(query_int(s, "PRAGMA application_id"), 0x47504B47);
    assert_int_equal(query_int(s, "PRAGMA user_version"), 10300);
  } else {
    assert_int_equal(query_int(s, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"),
                     1);
  }
  /* CGCS2000: 4490, the 42 Gauss-Kruger 3-degree codes 4513-4554. */
  assert_int_equal(query_int(s, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id = 4490"),
                   1);
  assert_int_equal(
      query_int(s, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id BETWEEN 4513 AND 4554"),
      42);
  assert_int_equal(
      query_int(s, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id IN (-1, 0, 4326)"), 3);
  if (!pg) {
    lg_stmt_t *st;
    lg_store_prepare(s, "PRAGMA journal_mode", &st, NULL);
    assert_int_equal(lg_store_step(st), LG_ROW);
    assert_string_equal(lg_store_col_text(st, 0), "wal");
    lg_store_done(st);
  }
  int v = lg_store_schema_version(s);
  assert_true(v >= 3);
  lg_store_close(s);
  /* Re-opening applies nothing new and keeps the version. */
  assert_int_equal(lg_store_open(lg_test_target(path), 0, &s, &err), 0);
  assert_int_equal(lg_store_schema_version(s), v);
  lg_store_close(s);
}

static void test_layers_and_rtree(void **state) {
  lg_store_t *s;
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err), 0);
  make_grid(s, "grid");
  lg_layer_info_t info;
  assert_int_equal(lg_store_layer_get(s, "grid", &info, &err), 0);
  assert_int_equal(info.count, 100);
  assert_string_equal(info.role, "landuse");
  assert_string_equal(info.class_field, "DLBM");
  assert_true(info.extent.minx == 38500000 && info.extent.maxx == 38501000);
  lg_store_layer_info_fini(&info);
  /* A box from (38500150, 2850150) to (38500350, 2850250) touches columns
   * 1..3 and rows 1..2: 3 x 2 = 6 squares. */
  lg_env_t box = {38500150, 2850150, 38500350, 2850250};
  lg_read_opts_t o = {.bbox = &box};
  lg_store_reader_t *r;
  assert_int_equal(lg_store_reader_new(s, "grid", &o, &r, &err), 0);
  int n = 0;
  while (lg_store_reader_next(r, &err) == 1)
    n++;
  lg_store_reader_free(r);
  assert_int_equal(n, 6);
  if (lg_store_backend(s) == LG_STORE_GPKG) {
    /* The same through the R-tree table directly (triggers keep it in step). */
    assert_int_equal(query_int(s, "SELECT count(*) FROM rtree_grid_geom"), 100);
    assert_int_equal(lg_store_exec(s, "DELETE FROM grid WHERE fid <= 10", &err), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM rtree_grid_geom"), 90);
  } else {
    /* A PostGIS table as other tools expect it: typed geometry column with
     * its SRID, a GiST index. */
    assert_int_equal(query_int(s,
                               "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'grid'"
                               " AND type = 'MULTIPOLYGON' AND srid = 4526"),
                     1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM pg_indexes WHERE tablename = 'grid'"
                                  " AND indexdef LIKE '%USING gist (geom)%'"),
                     1);
    /* The index answers for what the table holds now. */
    assert_int_equal(lg_store_exec(s, "DELETE FROM grid WHERE fid <= 10", &err), 0);
    lg_env_t all = {38400000, 2800000, 38600000, 2900000};
    lg_read_opts_t ao = {.bbox = &all};
    assert_int_equal(lg_store_reader_new(s, "grid", &ao, &r, &err), 0);
    n = 0;
    while (lg_store_reader_next(r, &err) == 1)
      n++;
    lg_store_reader_free(r);
    assert_int_equal(n, 90);
  }
  /* Duplicate names are refused unless replacing. */
  lg_layer_def_t def = {.name = "grid", .role = "other", .geom_type = "POINT", .srs_id = 4490};
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), LG_ECONFLICT);
  lg_store_rollback(s);
  def.name = "1bad";
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), LG_EINVAL);
  def.name = "x";
  def.role = "nonsense";
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), LG_EINVAL);
  lg_store_close(s);
}

static void test_rollback_leaves_nothing(void **state) {
  lg_store_t *s;
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err), 0);
  lg_layer_def_t def = {.name = "half", .role = "other", .geom_type = "POINT", .srs_id = 4526};
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), 0);
  lg_store_rollback(s);
  lg_layer_info_t info;
  assert_int_equal(lg_store_layer_get(s, "half", &info, &err), LG_ENOTFOUND);
  assert_int_equal(
      query_int(s, lg_store_backend(s) == LG_STORE_PG
                       ? "SELECT count(*) FROM pg_class WHERE relname LIKE '%half%'"
                       : "SELECT count(*) FROM sqlite_master WHERE name LIKE '%half%'"),
      0);
  lg_store_close(s);
}

/* GDAL, an independent GeoPackage (and PostgreSQL) implementation, must
 * see the layer with its CRS, its features and its spatial index. */
static void test_gdal_reads_it(void **state) {
  lg_store_t *s;
  lg_err_t err = {0};
  const char *target = lg_test_target(path);
  assert_int_equal(lg_store_open(target, LG_STORE_CREATE, &s, &err), 0);
  make_grid(s, "grid");
  bool pg = lg_store_backend(s) == LG_STORE_PG;
  if (pg)
    assert_int_equal(query_int(s, "SELECT count(*) FROM pg_indexes WHERE tablename = 'grid'"
                                  " AND indexdef LIKE '%USING gist (geom)%'"),
                     1);
  lg_store_close(s);
  GDALAllRegister();
  char *name = pg ? lg_sprintf("PG:%s", target) : lg_strdup(path);
  GDALDatasetH ds = GDALOpenEx(name, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  lg_free(name);
  assert_non_null(ds);
  assert_string_equal(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), pg ? "PostgreSQL" : "GPKG");
  OGRLayerH l = GDALDatasetGetLayerByName(ds, "grid");
  assert_non_null(l);
  assert_int_equal(OGR_L_GetFeatureCount(l, 1), 100);
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(l);
  assert_non_null(srs);
  assert_string_equal(OSRGetAuthorityCode(srs, NULL), "4526");
  assert_int_equal(wkbFlatten(OGR_L_GetGeomType(l)), wkbMultiPolygon);
  OGR_L_SetSpatialFilterRect(l, 38500150, 2850150, 38500350, 2850250);
  int n = 0;
  OGRFeatureH f;
  while ((f = OGR_L_GetNextFeature(l)) != NULL) {
    n++;
    OGR_F_Destroy(f);
  }
  assert_int_equal(n, 6);
  if (pg) {
    GDALClose(ds);
    return;
  }
  /* GDAL reports the R-tree as the layer's spatial index. */
  OGRLayerH res = GDALDatasetExecuteSQL(ds, "SELECT HasSpatialIndex('grid', 'geom')", NULL, NULL);
  assert_non_null(res);
  f = OGR_L_GetNextFeature(res);
  assert_int_equal(OGR_F_GetFieldAsInteger(f, 0), 1);
  OGR_F_Destroy(f);
  GDALDatasetReleaseResultSet(ds, res);
  GDALClose(ds);
}

/* n random boxes written by the writer: the bulk-loaded R-tree passes
 * SQLite's own structural check (rtreecheck) and answers box queries
 * exactly as a scan of the table does; appending afterwards (through the
 * triggers) keeps both true. Sizes cover a root that is a leaf, one full
 * node (51 cells for 4 KiB pages), one more, and three levels. */
static void bulk_case(lg_store_t *s, int n, unsigned seed) {
  lg_err_t err = {0};
  char name[32];
  snprintf(name, sizeof name, "bulk%d", n);
  lg_layer_def_t def = {.name = name, .role = "other", .geom_type = "POLYGON", .srs_id = 4526};
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), 0);
  lg_store_writer_t *w;
  assert_int_equal(lg_store_writer_new(s, name, &w, &err), 0);
  lg_geo_t *g = lg_geo_thread();
  lg_rng_t r;
  lg_rng_seed(&r, seed);
  for (int i = 0; i < n + 20; i++) {
    if (i == n) { /* the rest is appended after finishing */
      assert_int_equal(lg_store_writer_finish(w, &err), 0);
      lg_store_writer_free(w);
      assert_int_equal(lg_store_writer_new(s, name, &w, &err), 0);
    }
    double x = 38500000 + lg_rng_uniform(&r) * 50000, y = 2850000 + lg_rng_uniform(&r) * 50000;
    double dx = 1 + lg_rng_uniform(&r) * 500, dy = 1 + lg_rng_uniform(&r) * 500;
    char wkt[256];
    snprintf(wkt, sizeof wkt, "POLYGON ((%.3f %.3f, %.3f %.3f, %.3f %.3f, %.3f %.3f))", x, y,
             x + dx, y, x + dx, y + dy, x, y);
    lg_geom_t *geom = lg_geom_from_wkt(g, wkt, &err);
    assert_int_equal(lg_store_writer_add(w, g, geom, NULL, &err), 0);
    lg_geom_free(g, geom);
  }
  assert_int_equal(lg_store_writer_finish(w, &err), 0);
  lg_store_writer_free(w);
  assert_int_equal(lg_store_commit(s, &err), 0);
  char sql[1024];
  if (lg_store_backend(s) == LG_STORE_PG) {
    /* The GiST index (the reader's box query) against PostGIS's own
     * bounds of every row, scanned. */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", name);
    assert_int_equal(query_int(s, sql), n + 20);
    for (int q = 0; q < 20; q++) {
      double x = 38500000 + lg_rng_uniform(&r) * 50000, y = 2850000 + lg_rng_uniform(&r) * 50000;
      double w2 = lg_rng_uniform(&r) * 20000;
      lg_env_t box = {x, y, x + w2, y + w2};
      lg_read_opts_t o = {.bbox = &box};
      lg_store_reader_t *rd;
      assert_int_equal(lg_store_reader_new(s, name, &o, &rd, &err), 0);
      int64_t got = 0;
      while (lg_store_reader_next(rd, &err) == 1)
        got++;
      lg_store_reader_free(rd);
      /* The index keeps float boxes rounded outwards, as the R-tree does:
       * the scan of a box 8 m smaller and of one 8 m larger bound it. */
      int64_t lo, hi;
      snprintf(sql, sizeof sql,
               "SELECT count(*) FROM %s WHERE ST_XMin(geom) <= %.3f AND ST_XMax(geom) >= %.3f"
               " AND ST_YMin(geom) <= %.3f AND ST_YMax(geom) >= %.3f",
               name, x + w2 - 8, x + 8, y + w2 - 8, y + 8);
      lo = query_int(s, sql);
      snprintf(sql, sizeof sql,
               "SELECT count(*) FROM %s WHERE ST_XMin(geom) <= %.3f AND ST_XMax(geom) >= %.3f"
               " AND ST_YMin(geom) <= %.3f AND ST_YMax(geom) >= %.3f",
               name, x + w2 + 8, x - 8, y + w2 + 8, y - 8);
      hi = query_int(s, sql);
      if (got < lo || got > hi)
        fail_msg("%s: GiST gave %lld for box %d, the scan %lld to %lld", name, (long long)got, q,
                 (long long)lo, (long long)hi);
    }
    return;
  }
  snprintf(sql, sizeof sql, "SELECT rtreecheck('rtree_%s_geom') = 'ok'", name);
  assert_int_equal(query_int(s, sql), 1);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM rtree_%s_geom", name);
  assert_int_equal(query_int(s, sql), n + 20);
  for (int q = 0; q < 20; q++) {
    double x = 38500000 + lg_rng_uniform(&r) * 50000, y = 2850000 + lg_rng_uniform(&r) * 50000;
    double w2 = lg_rng_uniform(&r) * 20000;
    /* R-tree answer against a scan of the blobs' envelopes, with the
     * R-tree's float rounding allowed for by testing a box a metre
     * smaller and a metre larger. */
    snprintf(
        sql, sizeof sql,
        "SELECT (SELECT count(*) FROM rtree_%1$s_geom WHERE minx <= %2$.3f AND maxx >= %3$.3f"
        " AND miny <= %4$.3f AND maxy >= %5$.3f) BETWEEN"
        " (SELECT count(*) FROM %1$s WHERE ST_MinX(geom) <= %6$.3f AND ST_MaxX(geom) >= %7$.3f"
        "  AND ST_MinY(geom) <= %8$.3f AND ST_MaxY(geom) >= %9$.3f) AND"
        " (SELECT count(*) FROM %1$s WHERE ST_MinX(geom) <= %10$.3f AND ST_MaxX(geom) >= %11$.3f"
        "  AND ST_MinY(geom) <= %12$.3f AND ST_MaxY(geom) >= %13$.3f)",
        name, x + w2, x, y + w2, y, x + w2 - 8, x + 8, y + w2 - 8, y + 8, x + w2 + 8, x - 8,
        y + w2 + 8, y - 8);
    if (query_int(s, sql) != 1) fail_msg("%s: R-tree and scan disagree for box %d", name, q);
  }
}

static void test_rtree_bulk(void **state) {
  lg_store_t *s;
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err), 0);
  int sizes[] = {0, 1, 51, 52, 3000};
  for (size_t i = 0; i < LG_ARRAY_LEN(sizes); i++)
    bulk_case(s, sizes[i], 7 + (unsigned)i);
  lg_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_geopackage_header, setup, teardown),
      cmocka_unit_test_setup_teardown(test_layers_and_rtree, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_gdal_reads_it, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rtree_bulk, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
