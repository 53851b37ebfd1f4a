/*
 * onemap/tiles: Mapbox Vector Tiles of a layer, read back with GDAL's MVT
 * driver (an independent decoder: its own protobuf reading, its own
 * z/x/y georeferencing, winding decides exterior and hole). The fixtures
 * are drawn in tile units of one known tile and converted to EPSG:3857
 * with the XYZ formula (tile size 2 pi 6378137 / 2^z, y from the north),
 * so every expected count, area and length below is a hand calculation
 * in tile units; GDAL gives its answers in metres of EPSG:3857. A
 * Gauss-Kruger square is checked against corners computed by PROJ's
 * cs2cs, run by hand when the test was written (command in a comment).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* cmocka.h needs the three above first. */

#include <cmocka.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lg_test.h"
#include "onemap/onemap.h"

#define H 20037508.342789244 /* pi x 6378137 */

/* The tile the 3857 fixtures are drawn in. */
#define TZ 12
#define TX 3355
#define TY 1744

static char path[256];
static lg_store_t *store;

static double tile_size(int z) { return 2 * H / (double)(1 << z); }
/* Metres of EPSG:3857 per tile unit at zoom z (extent 4096). */
static double unit_m(int z) { return tile_size(z) / 4096; }

/* Tile units (u right, v down) of tile TZ/TX/TY to EPSG:3857. */
static void u2m(double u, double v, double *x, double *y) {
  double s = tile_size(TZ);
  *x = -H + (TX + u / 4096) * s;
  *y = H - (TY + v / 4096) * s;
}

/* WKT of a polygon whose rings are given in tile units (closed). */
static void ring_wkt(char *out, size_t n, const double *uv, int npts) {
  size_t len = strlen(out);
  snprintf(out + len, n - len, "(");
  for (int i = 0; i < npts; i++) {
    double x, y;
    u2m(uv[2 * i], uv[2 * i + 1], &x, &y);
    len = strlen(out);
    snprintf(out + len, n - len, "%s%.9f %.9f", i ? ", " : "", x, y);
  }
  len = strlen(out);
  snprintf(out + len, n - len, ")");
}

static void rect_uv(double u0, double v0, double u1, double v1, double *uv) {
  double r[10] = {u0, v0, u1, v0, u1, v1, u0, v1, u0, v0};
  memcpy(uv, r, sizeof r);
}

static lg_geom_t *poly_uv(const double *const *rings, const int *n, int nrings) {
  char wkt[8192] = "POLYGON (";
  for (int i = 0; i < nrings; i++) {
    if (i) strcat(wkt, ", ");
    ring_wkt(wkt, sizeof wkt, rings[i], n[i]);
  }
  strcat(wkt, ")");
  lg_err_t err = {0};
  lg_geom_t *g = lg_geom_from_wkt(lg_geo_thread(), wkt, &err);
  if (!g) fprintf(stderr, "%s: %s\n", wkt, err.msg);
  assert_non_null(g);
  return g;
}

static void add(lg_store_writer_t *w, int64_t fid, lg_geom_t *geom) {
  lg_err_t err = {0};
  int rc = lg_store_writer_add(w, lg_geo_thread(), geom, NULL, &err);
  if (rc) fprintf(stderr, "add %lld: %s\n", (long long)fid, err.msg);
  assert_int_equal(rc, 0);
  lg_geom_free(lg_geo_thread(), geom);
}

static void begin_layer(lg_store_t *s, const char *name, const char *type, int srs,
                        const lg_field_t *fields, size_t nfields, lg_store_writer_t **w) {
  lg_err_t err = {0};
  lg_layer_def_t def = {.name = name,
                        .title = name,
                        .role = "landuse",
                        .class_field = "DLBM",
                        .geom_type = type,
                        .srs_id = srs,
                        .fields = fields,
                        .nfields = nfields};
  assert_int_equal(lg_store_layer_create(s, &def, false, &err), 0);
  assert_int_equal(lg_store_writer_new(s, name, w, &err), 0);
}

static void end_layer(lg_store_writer_t *w) {
  lg_err_t err = {0};
  assert_int_equal(lg_store_writer_finish(w, &err), 0);
  lg_store_writer_free(w);
}

/* Layer "sq" (EPSG:3857), fids in writing order:
 *   1 A  square [1024, 3072]^2, inside the tile
 *   2 B  [3584, 4608] x [512, 1024], across the east edge
 *   3 C  [200, 900]^2 with a hole [400, 600]^2
 *   4 D  a U whose base lies south of the tile and its buffer: two arms
 *        [1000, 1200] and [1600, 1800] from v 3000 down to the base at
 *        [4600, 5000]
 *   5 E  a 4 x 4 square at [2000, 2004] x [100, 104]: below a pixel
 *   6 F  [-500, 500] x [3300, 3900] with a hole [-200, 200] x [3500, 3700]
 *        across the west edge
 *   7 G  [4200, 4300] x [100, 200]: east of the buffer (4160)
 * Layer "misc" (EPSG:3857, GEOMETRY): 1 a line from (-1000, 2048) to
 * (5000, 2048); 2 points (100, 100) and (5000, 5000); 3 a point (2048, 2048).
 * Layer "gk" (EPSG:4526): one 100 m square, E 38585000..38585100,
 * N 2850000..2850100, field DLBM only.
 * Layer "many" (EPSG:4526): 20 x 20 regular 16-gons of radius 30 m, 100 m
 * apart east and south from E 38585000, N 2850000 (6,400 vertices), all
 * in tile 13/6709/3489.
 * Layer "more" (EPSG:4526): 40 x 25 squares of 40 m, 60 m apart east and
 * south from the same corner, and two small triangles 25 km south-west and
 * north-east: 1,002 features, enough for a grid over the whole layer. */
static void make_layers(lg_store_t *s) {
  lg_err_t err = {0};
  lg_store_writer_t *w;
  assert_int_equal(lg_store_begin(s, &err), 0);
  lg_field_t f[] = {{"DLBM", LG_FIELD_TEXT},   {"DLMC", LG_FIELD_TEXT}, {"TBMJ", LG_FIELD_REAL},
                    {"BSM", LG_FIELD_INTEGER}, {"BZ", LG_FIELD_TEXT},   {"QSDWMC", LG_FIELD_TEXT}};
  begin_layer(s, "sq", "MULTIPOLYGON", 3857, f, 6, &w);
  double a[10], b[10], c[10], d[10];
  const double *r[2];
  int n[2] = {5, 5};
  static const char *const codes[][2] = {{"0101", "水田"}, {"0301", "乔木林地"}};
  for (int fid = 1; fid <= 7; fid++) {
    lg_geom_t *g = NULL;
    switch (fid) {
    case 1:
      rect_uv(1024, 1024, 3072, 3072, a), r[0] = a, g = poly_uv(r, n, 1);
      break;
    case 2:
      rect_uv(3584, 512, 4608, 1024, a), r[0] = a, g = poly_uv(r, n, 1);
      break;
    case 3:
      rect_uv(200, 200, 900, 900, a), rect_uv(400, 400, 600, 600, b);
      r[0] = a, r[1] = b, g = poly_uv(r, n, 2);
      break;
    case 4: {
      double u[] = {1000, 3000, 1200, 3000, 1200, 4600, 1600, 4600, 1600,
                    3000, 1800, 3000, 1800, 5000, 1000, 5000, 1000, 3000};
      int nu = 9;
      r[0] = u, g = poly_uv(r, &nu, 1);
      break;
    }
    case 5:
      rect_uv(2000, 100, 2004, 104, a), r[0] = a, g = poly_uv(r, n, 1);
      break;
    case 6:
      rect_uv(-500, 3300, 500, 3900, c), rect_uv(-200, 3500, 200, 3700, d);
      r[0] = c, r[1] = d, g = poly_uv(r, n, 2);
      break;
    case 7:
      rect_uv(4200, 100, 4300, 200, a), r[0] = a, g = poly_uv(r, n, 1);
      break;
    }
    lg_store_writer_text(w, 0, codes[fid % 2][0]);
    lg_store_writer_text(w, 1, codes[fid % 2][1]);
    lg_store_writer_real(w, 2, 100.25 * fid);
    lg_store_writer_int(w, 3, 1000 + fid);
    lg_store_writer_text(w, 4, "备注");
    lg_store_writer_text(w, 5, "某某村民委员会");
    add(w, fid, g);
  }
  end_layer(w);

  lg_field_t mf[] = {{"MC", LG_FIELD_TEXT}};
  begin_layer(s, "misc", "GEOMETRY", 3857, mf, 1, &w);
  char wkt[512];
  double x0, y0, x1, y1;
  lg_geo_t *g = lg_geo_thread();
  u2m(-1000, 2048, &x0, &y0), u2m(5000, 2048, &x1, &y1);
  snprintf(wkt, sizeof wkt, "LINESTRING (%.9f %.9f, %.9f %.9f)", x0, y0, x1, y1);
  lg_store_writer_text(w, 0, "线");
  add(w, 1, lg_geom_from_wkt(g, wkt, &err));
  u2m(100, 100, &x0, &y0), u2m(5000, 5000, &x1, &y1);
  snprintf(wkt, sizeof wkt, "MULTIPOINT ((%.9f %.9f), (%.9f %.9f))", x0, y0, x1, y1);
  lg_store_writer_text(w, 0, "多点");
  add(w, 2, lg_geom_from_wkt(g, wkt, &err));
  u2m(2048, 2048, &x0, &y0);
  snprintf(wkt, sizeof wkt, "POINT (%.9f %.9f)", x0, y0);
  lg_store_writer_text(w, 0, "点");
  add(w, 3, lg_geom_from_wkt(g, wkt, &err));
  end_layer(w);

  lg_field_t gf[] = {{"DLBM", LG_FIELD_TEXT}};
  begin_layer(s, "gk", "MULTIPOLYGON", 4526, gf, 1, &w);
  lg_store_writer_text(w, 0, "0101");
  add(w, 1,
      lg_geom_from_wkt(g,
                       "POLYGON ((38585000 2850000, 38585100 2850000, 38585100 2850100, "
                       "38585000 2850100, 38585000 2850000))",
                       &err));
  end_layer(w);

  begin_layer(s, "many", "MULTIPOLYGON", 4526, gf, 1, &w);
  for (int i = 0; i < 20; i++)
    for (int j = 0; j < 20; j++) {
      lg_buf_t b;
      lg_buf_init(&b);
      lg_buf_puts(&b, "POLYGON ((");
      double cx = 38585000 + 100.0 * i, cy = 2850000 - 100.0 * j;
      for (int k = 0; k <= 16; k++) {
        double t = 2 * M_PI * (k % 16) / 16;
        lg_buf_printf(&b, "%s%.6f %.6f", k ? ", " : "", cx + 30 * cos(t), cy + 30 * sin(t));
      }
      lg_buf_puts(&b, "))");
      lg_store_writer_text(w, 0, "0301");
      add(w, 1 + i * 20 + j, lg_geom_from_wkt(g, b.data, &err));
      lg_buf_fini(&b);
    }
  end_layer(w);

  begin_layer(s, "more", "MULTIPOLYGON", 4526, gf, 1, &w);
  for (int i = 0; i < 40; i++)
    for (int j = 0; j < 25; j++) {
      double x = 38585000 + 60.0 * i, y = 2850000 - 60.0 * j;
      snprintf(wkt, sizeof wkt, "POLYGON ((%.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f))",
               x, y - 40, x + 40, y - 40, x + 40, y, x, y, x, y - 40);
      lg_store_writer_text(w, 0, "0101");
      add(w, 1 + i * 25 + j, lg_geom_from_wkt(g, wkt, &err));
    }
  /* Two far corners: the layer spans 50 km, so that its grid has
   * curvature to get right. */
  lg_store_writer_text(w, 0, "0101");
  add(w, 1001,
      lg_geom_from_wkt(
          g, "POLYGON ((38560000 2830000, 38560040 2830000, 38560040 2830040, 38560000 2830000))",
          &err));
  lg_store_writer_text(w, 0, "0101");
  add(w, 1002,
      lg_geom_from_wkt(
          g, "POLYGON ((38610000 2870000, 38610040 2870000, 38610040 2870040, 38610000 2870000))",
          &err));
  end_layer(w);
  assert_int_equal(lg_store_commit(s, &err), 0);
}

static int setup(void **state) {
  lg_err_t err = {0};
  GDALAllRegister();
  snprintf(path, sizeof path, "/tmp/lg_test_tiles_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  make_layers(store);
  return 0;
}

static int teardown(void **state) {
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

/* ---- Decoding with GDAL ----------------------------------------------------- */

typedef struct decoded {
  char vsi[64];
  GDALDatasetH ds;
  OGRLayerH layer;
} decoded_t;

/* Opens an encoded tile with GDAL's MVT driver, georeferenced as z/x/y;
 * clip false shows the geometry as written (buffer included). */
static void decode(const lg_buf_t *tile, int z, int x, int y, bool clip, decoded_t *d) {
  static int seq;
  snprintf(d->vsi, sizeof d->vsi, "/vsimem/lg_onemap_tile_%d.mvt", ++seq);
  VSILFILE *f = VSIFileFromMemBuffer(d->vsi, (GByte *)tile->data, (vsi_l_offset)tile->len, FALSE);
  assert_non_null(f);
  VSIFCloseL(f);
  char zo[32], xo[32], yo[32];
  snprintf(zo, sizeof zo, "Z=%d", z);
  snprintf(xo, sizeof xo, "X=%d", x);
  snprintf(yo, sizeof yo, "Y=%d", y);
  const char *const drivers[] = {"MVT", NULL};
  const char *const opts[] = {zo, xo, yo, clip ? "CLIP=YES" : "CLIP=NO", NULL};
  d->ds = GDALOpenEx(d->vsi, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, opts, NULL);
  if (!d->ds) fprintf(stderr, "GDAL could not open the tile (%zu bytes)\n", tile->len);
  assert_non_null(d->ds);
  assert_int_equal(GDALDatasetGetLayerCount(d->ds), 1);
  d->layer = GDALDatasetGetLayer(d->ds, 0);
}

static void decoded_close(decoded_t *d) {
  GDALClose(d->ds);
  VSIUnlink(d->vsi);
}

/* The feature whose MVT id is fid (caller destroys), or NULL. */
static OGRFeatureH by_id(decoded_t *d, int64_t fid) {
  OGR_L_ResetReading(d->layer);
  OGRFeatureH f;
  while ((f = OGR_L_GetNextFeature(d->layer)) != NULL) {
    int i = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(d->layer), "mvt_id");
    assert_true(i >= 0);
    if (OGR_F_GetFieldAsInteger64(f, i) == fid) return f;
    OGR_F_Destroy(f);
  }
  return NULL;
}

static lg_buf_t make_tile(const char *layer, int z, int x, int y, const lg_onemap_tile_opts_t *o,
                          lg_onemap_tile_stats_t *st) {
  lg_buf_t b;
  lg_buf_init(&b);
  lg_err_t err = {0};
  int rc = lg_onemap_tile(store, layer, z, x, y, o, &b, st, &err);
  if (rc) fprintf(stderr, "tile %s %d/%d/%d: %s (%s)\n", layer, z, x, y, err.msg, err.where);
  assert_int_equal(rc, 0);
  return b;
}

/* ---- Tests ------------------------------------------------------------------- */

static void test_bounds(void **state) {
  lg_env_t e;
  lg_err_t err = {0};
  assert_int_equal(lg_onemap_tile_bounds(0, 0, 0, &e, &err), 0);
  assert_near(e.minx, -H, 1e-6);
  assert_near(e.maxy, H, 1e-6);
  assert_near(e.maxx, H, 1e-6);
  /* z1 x1 y0 is the north-east quarter. */
  assert_int_equal(lg_onemap_tile_bounds(1, 1, 0, &e, &err), 0);
  assert_near(e.minx, 0, 1e-6);
  assert_near(e.miny, 0, 1e-6);
  assert_near(e.maxx, H, 1e-6);
  assert_near(e.maxy, H, 1e-6);
  assert_int_equal(lg_onemap_tile_bounds(25, 0, 0, &e, &err), LG_EINVAL);
  assert_int_equal(lg_onemap_tile_bounds(-1, 0, 0, &e, &err), LG_EINVAL);
  assert_int_equal(lg_onemap_tile_bounds(3, 8, 0, &e, &err), LG_EINVAL);
  assert_int_equal(lg_onemap_tile_bounds(3, 0, -1, &e, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "3/0/-1"));
}

/* What GDAL reads back from the default tile of "sq": the features, their
 * attributes, areas (tile units squared, by hand) and validity. */
static void test_polygons(void **state) {
  lg_onemap_tile_stats_t st;
  lg_buf_t tile = make_tile("sq", TZ, TX, TY, NULL, &st);
  assert_true(tile.len > 0);
  decoded_t d;
  decode(&tile, TZ, TX, TY, false, &d);
  assert_string_equal(OGR_L_GetName(d.layer), "sq");
  /* A, B, C, D, F; E is below a pixel, G outside the buffer. */
  assert_int_equal(OGR_L_GetFeatureCount(d.layer, TRUE), 5);
  assert_int_equal(st.features, 5);
  OGRFeatureH e = by_id(&d, 5);
  assert_null(e);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(d.layer);
  for (const char *const *k = (const char *const[]){"DLBM", "DLMC", "TBMJ", "BSM", NULL}; *k; k++)
    if (OGR_FD_GetFieldIndex(defn, *k) < 0) fail_msg("tag %s missing", *k);
  assert_true(OGR_FD_GetFieldIndex(defn, "BZ") < 0);      /* not a name, number or area */
  assert_true(OGR_FD_GetFieldIndex(defn, "QSDWMC") < 0);  /* owner's name: left out */
  assert_true(OGR_FD_GetFieldIndex(defn, "area_m2") < 0); /* TBMJ is the area */

  double u2 = unit_m(TZ) * unit_m(TZ); /* m2 of EPSG:3857 per square unit */
  const struct {
    int fid;
    double area_units; /* by hand, in square tile units */
    int parts;
  } want[] = {
      {1, 2048.0 * 2048, 1},             /* A */
      {2, (4160.0 - 3584) * 512, 1},     /* B, cut at the buffer's edge */
      {3, 700.0 * 700 - 200.0 * 200, 1}, /* C, hole kept */
      {4, 2 * 200.0 * (4160 - 3000), 2}, /* D, two arms, the base gone */
      {6, 564.0 * 600 - 264.0 * 200, 1}, /* F, the hole opens to the edge */
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    OGRFeatureH f = by_id(&d, want[i].fid);
    if (!f) fail_msg("feature %d missing", want[i].fid);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    char what[64];
    snprintf(what, sizeof what, "area of feature %d", want[i].fid);
    assert_near(OGR_G_Area(g), want[i].area_units * u2, 1e-6 * want[i].area_units * u2);
    int parts =
        wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon ? OGR_G_GetGeometryCount(g) : 1;
    if (parts != want[i].parts)
      fail_msg("feature %d: %d polygons, want %d", want[i].fid, parts, want[i].parts);
    if (!OGR_G_IsValid(g)) fail_msg("feature %d is not valid", want[i].fid);
    assert_string_equal(OGR_F_GetFieldAsString(f, OGR_FD_GetFieldIndex(defn, "DLBM")),
                        want[i].fid % 2 ? "0301" : "0101");
    assert_string_equal(OGR_F_GetFieldAsString(f, OGR_FD_GetFieldIndex(defn, "DLMC")),
                        want[i].fid % 2 ? "乔木林地" : "水田");
    assert_near(OGR_F_GetFieldAsDouble(f, OGR_FD_GetFieldIndex(defn, "TBMJ")), 100.25 * want[i].fid,
                0);
    assert_int_equal(OGR_F_GetFieldAsInteger64(f, OGR_FD_GetFieldIndex(defn, "BSM")),
                     1000 + want[i].fid);
    OGR_F_Destroy(f);
  }
  /* GDAL's own z/x/y georeferencing puts A's centre where it was drawn. */
  OGRFeatureH f = by_id(&d, 1);
  OGREnvelope env;
  OGR_G_GetEnvelope(OGR_F_GetGeometryRef(f), &env);
  double cx, cy;
  u2m(2048, 2048, &cx, &cy);
  assert_near((env.MinX + env.MaxX) / 2, cx, 1e-6);
  assert_near((env.MinY + env.MaxY) / 2, cy, 1e-6);
  OGR_F_Destroy(f);
  decoded_close(&d);

  /* Clipped to the tile itself by GDAL, B is what shows: 512 x 512. */
  decode(&tile, TZ, TX, TY, true, &d);
  f = by_id(&d, 2);
  assert_non_null(f);
  assert_near(OGR_G_Area(OGR_F_GetGeometryRef(f)), 512.0 * 512 * u2, 1e-6 * 512 * 512 * u2);
  OGR_F_Destroy(f);
  decoded_close(&d);
  lg_buf_fini(&tile);

  /* min_size 0 keeps E: 4 x 4 units. */
  lg_onemap_tile_opts_t o;
  lg_onemap_tile_opts_init(&o);
  o.min_size = 0;
  tile = make_tile("sq", TZ, TX, TY, &o, &st);
  decode(&tile, TZ, TX, TY, false, &d);
  assert_int_equal(OGR_L_GetFeatureCount(d.layer, TRUE), 6);
  f = by_id(&d, 5);
  assert_non_null(f);
  assert_near(OGR_G_Area(OGR_F_GetGeometryRef(f)), 16 * u2, 1e-6);
  OGR_F_Destroy(f);
  decoded_close(&d);
  lg_buf_fini(&tile);
}

/* Winding, checked on the bytes without GDAL: A's ring and C's shell
 * have positive, C's hole negative surveyor's area in tile coordinates
 * (MVT 2.1, 4.3.4.4: exterior clockwise on screen). The decoder here is
 * minimal: one layer; feature id (1) and geometry (4) read, the rest
 * skipped. */
static uint64_t varint(const uint8_t **p) {
  uint64_t v = 0;
  for (int s = 0;; s += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << s;
    if (!(b & 0x80)) return v;
  }
}

static void test_winding(void **state) {
  lg_onemap_tile_opts_t o;
  lg_onemap_tile_opts_init(&o);
  lg_buf_t tile = make_tile("sq", TZ, TX, TY, &o, NULL);
  const uint8_t *p = (const uint8_t *)tile.data, *end = p + tile.len;
  assert_int_equal(varint(&p), 3 << 3 | 2); /* Tile.layers */
  uint64_t len = varint(&p);
  assert_true(p + len == end);
  int found = 0;
  while (p < end) {
    uint64_t key = varint(&p);
    if ((key & 7) == 0) {
      varint(&p);
      continue;
    }
    assert_int_equal(key & 7, 2);
    uint64_t n = varint(&p);
    const uint8_t *fe = p + n;
    if (key >> 3 != 2) { /* not a feature */
      p = fe;
      continue;
    }
    uint64_t id = 0;
    int64_t areas[8];
    int nrings = 0;
    while (p < fe) {
      uint64_t k = varint(&p);
      if ((k & 7) == 0) {
        uint64_t v = varint(&p);
        if (k >> 3 == 1) id = v;
        continue;
      }
      uint64_t m = varint(&p);
      const uint8_t *ge = p + m;
      if (k >> 3 != 4) {
        p = ge;
        continue;
      }
      int32_t cx = 0, cy = 0, x0 = 0, y0 = 0, px = 0, py = 0;
      int64_t a = 0;
      while (p < ge) {
        uint32_t c = (uint32_t)varint(&p), cmd = c & 7, cnt = c >> 3;
        if (cmd == 7) {
          a += (int64_t)px * y0 - (int64_t)x0 * py;
          if (nrings < 8) areas[nrings++] = a;
          a = 0;
          continue;
        }
        for (uint32_t i = 0; i < cnt; i++) {
          uint32_t zx = (uint32_t)varint(&p), zy = (uint32_t)varint(&p);
          cx += (int32_t)((zx >> 1) ^ -(zx & 1));
          cy += (int32_t)((zy >> 1) ^ -(zy & 1));
          if (cmd == 1)
            x0 = cx, y0 = cy;
          else
            a += (int64_t)px * cy - (int64_t)cx * py;
          px = cx, py = cy;
        }
      }
    }
    if (id == 3) { /* C: 700 x 700 shell, 200 x 200 hole; doubled areas */
      assert_int_equal(nrings, 2);
      assert_true(areas[0] == 2 * 700 * 700);
      assert_true(areas[1] == -2 * 200 * 200);
      found++;
    }
    if (id == 1) {
      assert_int_equal(nrings, 1);
      assert_true(areas[0] == 2LL * 2048 * 2048);
      found++;
    }
  }
  assert_int_equal(found, 2);
  lg_buf_fini(&tile);
}

static void test_lines_points(void **state) {
  lg_onemap_tile_stats_t st;
  lg_buf_t tile = make_tile("misc", TZ, TX, TY, NULL, &st);
  decoded_t d;
  decode(&tile, TZ, TX, TY, false, &d);
  assert_int_equal(OGR_L_GetFeatureCount(d.layer, TRUE), 3);
  OGRFeatureH f = by_id(&d, 1);
  assert_non_null(f);
  /* From -64 to 4160 units: the buffer's edges. */
  assert_near(OGR_G_Length(OGR_F_GetGeometryRef(f)), 4224 * unit_m(TZ), 1e-6);
  OGR_F_Destroy(f);
  f = by_id(&d, 2); /* one of the two points is far outside */
  assert_non_null(f);
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(g)), wkbPoint);
  double x, y;
  u2m(100, 100, &x, &y);
  assert_near(OGR_G_GetX(g, 0), x, 1e-6);
  assert_near(OGR_G_GetY(g, 0), y, 1e-6);
  assert_string_equal(
      OGR_F_GetFieldAsString(f, OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(d.layer), "MC")), "多点");
  OGR_F_Destroy(f);
  decoded_close(&d);
  lg_buf_fini(&tile);
}

/* A Gauss-Kruger square, through PROJ to tile 15/26837/13956. Corners by
 *   echo "2850000 38585000" | cs2cs -f %.6f EPSG:4526 EPSG:3857
 * and so on: (12784735.584500, 2968807.126389), (12784846.532049,
 * 2968806.409136), (12784847.245838, 2968917.963633), (12784736.297451,
 * 2968918.680920). Its area tag is its planar area in EPSG:4526, 10000 m2
 * exactly. */
static void test_gauss_kruger(void **state) {
  const double corners[4][2] = {{12784735.584500, 2968807.126389},
                                {12784846.532049, 2968806.409136},
                                {12784847.245838, 2968917.963633},
                                {12784736.297451, 2968918.680920}};
  lg_onemap_tile_stats_t st;
  lg_buf_t tile = make_tile("gk", 15, 26837, 13956, NULL, &st);
  assert_int_equal(st.features, 1);
  decoded_t d;
  decode(&tile, 15, 26837, 13956, false, &d);
  OGRFeatureH f = by_id(&d, 1);
  assert_non_null(f);
  assert_near(
      OGR_F_GetFieldAsDouble(f, OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(d.layer), "area_m2")),
      10000, 0.005);
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbMultiPolygon) g = OGR_G_GetGeometryRef(g, 0);
  OGRGeometryH ring = OGR_G_GetGeometryRef(g, 0);
  assert_int_equal(OGR_G_GetPointCount(ring), 5);
  /* Each cs2cs corner has a vertex within a unit (0.3 m at z15): half a
   * unit from rounding, the rest slack. */
  double tol = unit_m(15);
  for (int c = 0; c < 4; c++) {
    double best = INFINITY;
    for (int i = 0; i < 4; i++)
      best = fmin(best, fmax(fabs(OGR_G_GetX(ring, i) - corners[c][0]),
                             fabs(OGR_G_GetY(ring, i) - corners[c][1])));
    if (best > tol)
      fail_msg("corner %d (%.3f, %.3f): nearest vertex %.3f m away", c, corners[c][0],
               corners[c][1], best);
  }
  OGR_F_Destroy(f);
  decoded_close(&d);
  lg_buf_fini(&tile);
  /* Far from the layer: nothing, quickly. */
  tile = make_tile("gk", 15, 0, 0, NULL, &st);
  assert_int_equal(tile.len, 0);
  assert_int_equal(st.candidates, 0);
  lg_buf_fini(&tile);
}

/* Two tiles of a layer, once with every vertex through PROJ and once
 * through an interpolation grid: the same features, the same vertex
 * counts, every vertex within one unit (rounding can tip either way). */
static void compare_exact(const char *layer, int z, int x, int y, int want_grid, int features) {
  lg_onemap_tile_opts_t o;
  lg_onemap_tile_opts_init(&o);
  o.snap = 1;
  o.min_size = 0;
  o.exact = true;
  lg_onemap_tile_stats_t s1, s2;
  lg_buf_t t1 = make_tile(layer, z, x, y, &o, &s1);
  o.exact = false;
  lg_buf_t t2 = make_tile(layer, z, x, y, &o, &s2);
  assert_int_equal(s1.grid, 0);
  assert_int_equal(s2.grid, want_grid);
  assert_int_equal(s1.features, features);
  assert_int_equal(s2.features, features);
  decoded_t d1, d2;
  decode(&t1, z, x, y, false, &d1);
  decode(&t2, z, x, y, false, &d2);
  double tol = unit_m(z) * 1.0001, worst = 0;
  OGRFeatureH f1, f2;
  OGR_L_ResetReading(d1.layer);
  OGR_L_ResetReading(d2.layer);
  while ((f1 = OGR_L_GetNextFeature(d1.layer)) != NULL) {
    f2 = OGR_L_GetNextFeature(d2.layer);
    assert_non_null(f2);
    OGRGeometryH g1 = OGR_F_GetGeometryRef(f1), g2 = OGR_F_GetGeometryRef(f2);
    if (wkbFlatten(OGR_G_GetGeometryType(g1)) == wkbMultiPolygon) g1 = OGR_G_GetGeometryRef(g1, 0);
    if (wkbFlatten(OGR_G_GetGeometryType(g2)) == wkbMultiPolygon) g2 = OGR_G_GetGeometryRef(g2, 0);
    OGRGeometryH r1 = OGR_G_GetGeometryRef(g1, 0), r2 = OGR_G_GetGeometryRef(g2, 0);
    assert_int_equal(OGR_G_GetPointCount(r1), OGR_G_GetPointCount(r2));
    for (int i = 0; i < OGR_G_GetPointCount(r1); i++) {
      worst = fmax(worst, fabs(OGR_G_GetX(r1, i) - OGR_G_GetX(r2, i)));
      worst = fmax(worst, fabs(OGR_G_GetY(r1, i) - OGR_G_GetY(r2, i)));
    }
    OGR_F_Destroy(f1);
    OGR_F_Destroy(f2);
  }
  if (worst > tol)
    fail_msg("%s %d/%d/%d: grid and PROJ differ by %.5f m (a unit is %.5f m)", layer, z, x, y,
             worst, unit_m(z));
  decoded_close(&d1);
  decoded_close(&d2);
  lg_buf_fini(&t1);
  lg_buf_fini(&t2);
}

/* The tile's own grid (6,400 vertices of a small layer in one tile) and
 * the grid over a whole layer (1,000 features), at z13 and at z18, where a
 * unit is 3.7 cm. */
static void test_grid(void **state) {
  compare_exact("many", 13, 6709, 3489, 1, 400);
  compare_exact("more", 13, 6709, 3489, 2, 1000);
  /* z18: the squares of the tile 18/214701/111652, under the corner. */
  lg_onemap_tile_stats_t st;
  lg_buf_t b = make_tile("more", 18, 214701, 111652, NULL, &st);
  assert_true(st.features > 0);
  lg_buf_fini(&b);
  compare_exact("more", 18, 214701, 111652, 2, (int)st.features);
}

static void test_errors(void **state) {
  lg_buf_t b;
  lg_buf_init(&b);
  lg_buf_puts(&b, "keep");
  lg_err_t err = {0};
  assert_int_equal(lg_onemap_tile(store, "nosuch", 1, 0, 0, NULL, &b, NULL, &err), LG_ENOTFOUND);
  assert_int_equal(lg_onemap_tile(store, "sq", 2, 4, 0, NULL, &b, NULL, &err), LG_EINVAL);
  lg_onemap_tile_opts_t o;
  lg_onemap_tile_opts_init(&o);
  o.buffer = -1;
  assert_int_equal(lg_onemap_tile(store, "sq", 2, 0, 0, &o, &b, NULL, &err), LG_EINVAL);
  assert_string_equal(b.data, "keep"); /* untouched */
  lg_buf_fini(&b);
}

static void test_version_and_cache(void **state) {
  char v1[LG_TILE_VERSION_LEN], v2[LG_TILE_VERSION_LEN];
  lg_err_t err = {0};
  assert_int_equal(lg_onemap_tile_version(store, "gk", v1, &err), 0);
  assert_int_equal(lg_onemap_tile_version(store, "nosuch", v2, &err), LG_ENOTFOUND);
  usleep(2000); /* last_change has millisecond resolution */
  lg_store_writer_t *w;
  assert_int_equal(lg_store_begin(store, &err), 0);
  assert_int_equal(lg_store_writer_new(store, "gk", &w, &err), 0);
  lg_store_writer_text(w, 0, "0102");
  add(w, 2,
      lg_geom_from_wkt(lg_geo_thread(),
                       "POLYGON ((38586000 2850000, 38586100 2850000, 38586100 2850100, "
                       "38586000 2850000))",
                       &err));
  end_layer(w);
  assert_int_equal(lg_store_commit(store, &err), 0);
  assert_int_equal(lg_onemap_tile_version(store, "gk", v2, &err), 0);
  assert_string_not_equal(v1, v2);

  /* LRU: each entry costs its bytes and its key (here 200 + 10). */
  lg_onemap_tile_cache_t *c = lg_onemap_tile_cache_new(1000);
  char data[200];
  memset(data, 7, sizeof data);
  lg_buf_t out;
  lg_buf_init(&out);
  for (int x = 0; x < 4; x++)
    lg_onemap_tile_cache_put(c, "s", "v1", 9, x, 0, data, sizeof data);
  assert_true(lg_onemap_tile_cache_get(c, "s", "v1", 9, 0, 0, &out)); /* 0 is now the newest */
  assert_int_equal(out.len, 200);
  lg_onemap_tile_cache_put(c, "s", "v1", 9, 4, 0, data, sizeof data); /* over 1000: 1 goes */
  assert_false(lg_onemap_tile_cache_get(c, "s", "v1", 9, 1, 0, &out));
  assert_true(lg_onemap_tile_cache_get(c, "s", "v1", 9, 0, 0, &out));
  assert_true(lg_onemap_tile_cache_get(c, "s", "v1", 9, 4, 0, &out));
  size_t entries = 0;
  lg_onemap_tile_cache_counts(c, NULL, NULL, &entries, NULL);
  assert_int_equal(entries, 4);
  /* A new version of scope "s" drops its tiles; another scope keeps its. */
  lg_onemap_tile_cache_put(c, "t", "v1", 9, 0, 0, data, 10);
  assert_false(lg_onemap_tile_cache_get(c, "s", "v2", 9, 0, 0, &out));
  lg_onemap_tile_cache_counts(c, NULL, NULL, &entries, NULL);
  assert_int_equal(entries, 1);
  assert_true(lg_onemap_tile_cache_get(c, "t", "v1", 9, 0, 0, &out));
  /* Empty tiles are cached too. */
  lg_onemap_tile_cache_put(c, "t", "v1", 9, 1, 1, NULL, 0);
  size_t before = out.len;
  assert_true(lg_onemap_tile_cache_get(c, "t", "v1", 9, 1, 1, &out));
  assert_int_equal(out.len, before);
  lg_buf_fini(&out);
  lg_onemap_tile_cache_free(c);
  lg_onemap_tile_cache_free(NULL);
}

/* An encoded form of a tile (the server's gzip) is kept beside it: found
 * only under its variant, not mistaken for the tile, and dropped with it
 * when the scope's version changes. */
static void test_cache_variants(void **state) {
  lg_onemap_tile_cache_t *c = lg_onemap_tile_cache_new(100000);
  lg_buf_t out;
  lg_buf_init(&out);
  lg_onemap_tile_cache_put(c, "s", "v1", 10, 1, 2, "plain", 5);
  assert_false(lg_onemap_tile_cache_get_as(c, "s", "v1", 10, 1, 2, "gzip", &out));
  lg_onemap_tile_cache_put_as(c, "s", "v1", 10, 1, 2, "gzip", "packed!", 7);
  assert_true(lg_onemap_tile_cache_get_as(c, "s", "v1", 10, 1, 2, "gzip", &out));
  assert_int_equal(out.len, 7);
  assert_memory_equal(out.data, "packed!", 7);
  lg_buf_reset(&out);
  assert_true(lg_onemap_tile_cache_get(c, "s", "v1", 10, 1, 2, &out));
  assert_int_equal(out.len, 5);
  assert_memory_equal(out.data, "plain", 5);
  lg_buf_reset(&out);
  /* Another tile's variant is not this one's. */
  assert_false(lg_onemap_tile_cache_get_as(c, "s", "v1", 10, 1, 3, "gzip", &out));
  size_t entries = 0;
  lg_onemap_tile_cache_counts(c, NULL, NULL, &entries, NULL);
  assert_int_equal(entries, 2);
  /* Version v2 of the scope: both forms of the v1 tile go. */
  assert_false(lg_onemap_tile_cache_get_as(c, "s", "v2", 10, 1, 2, "gzip", &out));
  lg_onemap_tile_cache_counts(c, NULL, NULL, &entries, NULL);
  assert_int_equal(entries, 0);
  assert_false(lg_onemap_tile_cache_get_as(NULL, "s", "v2", 10, 1, 2, "gzip", &out));
  lg_onemap_tile_cache_put_as(NULL, "s", "v2", 10, 1, 2, "gzip", "x", 1); /* nothing */
  lg_buf_fini(&out);
  lg_onemap_tile_cache_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bounds),         cmocka_unit_test(test_polygons),
      cmocka_unit_test(test_winding),        cmocka_unit_test(test_lines_points),
      cmocka_unit_test(test_gauss_kruger),   cmocka_unit_test(test_grid),
      cmocka_unit_test(test_errors),         cmocka_unit_test(test_version_and_cache),
      cmocka_unit_test(test_cache_variants),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
