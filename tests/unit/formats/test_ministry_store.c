/*
 * Ministry coordinate files through the store: import into a temporary
 * GeoPackage, export, read back. Expected values: the files' own declared
 * areas and coordinates, the hand-computed fixture, and PROJ (EPSG codes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/formats.h"
#include "lg_test.h"

static const char *const real_files[] = {
    "coordinateTools_TxtUtils_embedded__hangzhou_pengbu_BR14.txt",
    "edcfoshan_polygon-txt__00测试数据__44120000105.txt",
    "edcfoshan_polygon-txt__00测试数据__44120000957.txt",
    "edcfoshan_polygon-txt__test_data__44120000072.txt",
};
static const double real_ha[] = {5.7089, 8.7423, 0.7749, 1.2247};
static const int real_epsg[] = {4528, 4526, 4526, 4526};

static char *shared_path(const char *name) {
  const char *d = getenv("LG_SHARED");
  return lg_sprintf("%s/data/ministry-txt/%s", d ? d : "../shared", name);
}

static char *fixture_path(const char *name) {
  const char *d = getenv("LG_TESTDATA");
  return lg_sprintf("%s/ministry/%s", d ? d : "tests/data", name);
}

typedef struct {
  char dir[256];
  char db[300];
  lg_store_t *s;
} fx_t;

static int setup(void **state) {
  fx_t *fx = lg_calloc(1, sizeof *fx);
  snprintf(fx->dir, sizeof fx->dir, "/tmp/lg_formats_mtxt_XXXXXX");
  if (!mkdtemp(fx->dir)) return -1;
  snprintf(fx->db, sizeof fx->db, "%s/t.gpkg", fx->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(fx->db), LG_STORE_CREATE, &fx->s, &err) != 0) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fx_t *fx = *state;
  lg_store_close(fx->s);
  char *cmd = lg_sprintf("rm -rf '%s'", fx->dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", fx->dir);
  lg_free(cmd);
  lg_free(fx);
  return 0;
}

static void import_ok(fx_t *fx, const char *path, const char *layer,
                      lg_formats_import_result_t *res) {
  lg_formats_import_opts_t o = {.layer = layer};
  lg_err_t err = {0};
  int rc = lg_formats_mtxt_import(fx->s, path, &o, res, &err);
  if (rc) fail_msg("import %s: rc=%d %s", path, rc, err.msg);
}

/* Ring r of p matches some ring of q point for point (0.001 m). Export
 * writes each part's outer ring followed by its holes, so ring order may
 * differ from the source file's. */
static bool ring_in(const lg_formats_mtxt_ring_t *r, const lg_formats_mtxt_parcel_t *q) {
  for (size_t j = 0; j < q->nrings; j++) {
    const lg_formats_mtxt_ring_t *s = &q->rings[j];
    if (s->npts != r->npts) continue;
    bool same = true;
    for (size_t k = 0; k < r->npts && same; k++)
      same = fabs(r->pts[k].x - s->pts[k].x) <= 0.001 && fabs(r->pts[k].y - s->pts[k].y) <= 0.001;
    if (same) return true;
  }
  return false;
}

/* Same parcels, rings and coordinates (0.001 m), same areas. */
static void assert_same(const lg_formats_mtxt_t *a, const lg_formats_mtxt_t *b) {
  assert_int_equal(a->nparcels, b->nparcels);
  for (size_t i = 0; i < a->nparcels; i++) {
    const lg_formats_mtxt_parcel_t *p = &a->parcels[i], *q = &b->parcels[i];
    assert_int_equal(p->nrings, q->nrings);
    for (size_t r = 0; r < p->nrings; r++)
      if (!ring_in(&p->rings[r], q))
        fail_msg("parcel %zu: ring %zu (first point %s at %.3f, %.3f) missing after round trip", i,
                 r, p->rings[r].pts[0].name, p->rings[r].pts[0].x, p->rings[r].pts[0].y);
    assert_near(p->planar_m2, q->planar_m2, 1e-3);
    assert_near(p->area_ha, q->area_ha, LG_MTXT_AREA_TOL_HA);
  }
}

static void test_import_fields(void **state) {
  fx_t *fx = *state;
  char *path = shared_path(real_files[0]);
  lg_formats_import_result_t res;
  import_ok(fx, path, "br14", &res);
  lg_free(path);
  assert_int_equal(res.count, 1);
  assert_int_equal(res.srs_id, 4528);
  assert_string_equal(res.geom_type, "MULTIPOLYGON");
  assert_string_equal(res.format, "部标准坐标文件");
  assert_string_equal(res.encoding, "UTF-8");

  lg_layer_info_t info;
  lg_err_t err = {0};
  assert_int_equal(lg_store_layer_get(fx->s, "br14", &info, &err), 0);
  assert_string_equal(info.role, "boundary");
  assert_string_equal(info.geom_type, "MULTIPOLYGON");
  assert_int_equal(info.srs_id, 4528);
  assert_int_equal(info.count, 1);
  assert_non_null(info.meta);
  assert_non_null(strstr(info.meta, "\"浙江华东建设工程有限公司\""));
  assert_non_null(strstr(info.meta, "[\"格式版本号\",\"1.01版本\"]"));
  lg_store_layer_info_fini(&info);

  lg_store_reader_t *r;
  assert_int_equal(lg_store_reader_new(fx->s, "br14", NULL, &r, &err), 0);
  assert_int_equal(lg_store_reader_next(r, &err), 1);
  assert_string_equal(lg_store_reader_text(r, lg_store_reader_field_index(r, "name")),
                      "彭埠单元B/R-14地块");
  assert_string_equal(lg_store_reader_text(r, lg_store_reader_field_index(r, "parcel_no")), "1");
  assert_string_equal(lg_store_reader_text(r, lg_store_reader_field_index(r, "kind")), "面");
  assert_near(lg_store_reader_real(r, lg_store_reader_field_index(r, "declared_ha")), 5.7089,
              1e-12);
  double planar = lg_store_reader_real(r, lg_store_reader_field_index(r, "planar_m2"));
  double ell = lg_store_reader_real(r, lg_store_reader_field_index(r, "ellipsoidal_m2"));
  assert_near(planar / 1e4, 5.7089, LG_MTXT_AREA_TOL_HA);
  /* Gauss-Kruger scale at 20.9 km east of 120E: k^2 - 1 = e^2 / R^2 = 1.1e-5. */
  double e = 20880.0, R = 6371000.0;
  assert_near(planar / ell, 1 + e * e / (R * R), 3e-6);
  assert_int_equal(lg_store_reader_next(r, &err), 0);
  lg_store_reader_free(r);
}

/* The file's text as UTF-8 with LF line ends. */
static char *text_lf(const char *path) {
  char *bytes = NULL, *text = NULL;
  size_t n = 0, tn = 0;
  assert_int_equal(lg_file_read(path, &bytes, &n, NULL), 0);
  assert_int_equal(lg_text_decode(bytes, n, &text, &tn, NULL, NULL), 0);
  lg_free(bytes);
  char *w = text;
  for (const char *r = text; *r; r++)
    if (*r != '\r') *w++ = *r;
  *w = '\0';
  return text;
}

/* Import, export, read back: all four real files and the fixtures. */
static void test_round_trip(void **state) {
  fx_t *fx = *state;
  static const char *const fixtures[] = {"multi_hand.txt", "layout_desc.txt", "layout_township.txt",
                                         "enc_fullwidth_gbk_crlf.txt"};
  size_t nreal = LG_ARRAY_LEN(real_files);
  for (size_t f = 0; f < nreal + LG_ARRAY_LEN(fixtures); f++) {
    char *path = f < nreal ? shared_path(real_files[f]) : fixture_path(fixtures[f - nreal]);
    char layer[32], out[400];
    snprintf(layer, sizeof layer, "rt%zu", f);
    snprintf(out, sizeof out, "%s/%s.txt", fx->dir, layer);
    lg_formats_import_result_t res;
    import_ok(fx, path, layer, &res);
    lg_formats_export_opts_t eo = {.format = "txt"};
    lg_err_t err = {0};
    if (lg_formats_mtxt_export(fx->s, layer, out, &eo, &err))
      fail_msg("export %s: %s", layer, err.msg);

    lg_formats_mtxt_t *a = NULL, *b = NULL;
    assert_int_equal(lg_formats_mtxt_read(path, &a, &err), 0);
    if (lg_formats_mtxt_read(out, &b, &err)) fail_msg("re-read %s: %s", out, err.msg);
    assert_string_equal(b->encoding, "GBK");
    assert_true(b->crlf);
    assert_same(a, b);
    assert_int_equal(b->nwarnings, 0);
    assert_int_equal(b->epsg, a->epsg);
    if (f < nreal) {
      assert_int_equal(b->epsg, real_epsg[f]);
      assert_near(b->parcels[0].area_ha, real_ha[f], 1e-12); /* the declared figure kept */
    }
    /* Where the source already names its points J1..Jn and lists each outer
     * ring before its holes, the export is the same text (in GBK, CRLF). */
    if (f != 0 && strcmp(path + strlen(path) - 14, "multi_hand.txt") != 0) {
      char *t1 = text_lf(path), *t2 = text_lf(out);
      if (strstr(t1, "【")) { /* full-width source: compare with its parse written out */
        lg_free(t1);
        size_t n1;
        assert_int_equal(lg_formats_mtxt_write(a, "UTF-8", false, &t1, &n1, &err), 0);
      }
      assert_string_equal(t2, t1);
      lg_free(t1);
      lg_free(t2);
    }
    /* The header comes back line for line (the CRS lines agreeing). */
    assert_int_equal(b->nheader, a->nheader);
    for (size_t k = 0; k < a->nheader; k++) {
      assert_string_equal(b->header[k].key, a->header[k].key);
      assert_string_equal(b->header[k].val, a->header[k].val);
    }
    for (size_t i = 0; i < a->nparcels; i++)
      assert_string_equal(lg_formats_mtxt_field(&b->parcels[i], LG_MTXT_NAME),
                          lg_formats_mtxt_field(&a->parcels[i], LG_MTXT_NAME));
    lg_formats_mtxt_free(a);
    lg_formats_mtxt_free(b);
    lg_free(path);
  }
}

/* A layer in another CRS goes out in the prefixed CGCS2000 3-degree zone
 * of its centre: the 0.7749 ha parcel, reprojected to EPSG:4490 on
 * import, comes back in zone 38 (EPSG:4526) within a millimetre. */
static void test_export_reprojects(void **state) {
  fx_t *fx = *state;
  char *path = shared_path(real_files[2]);
  lg_formats_import_opts_t o = {.layer = "geo", .to_srs = 4490};
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  if (lg_formats_mtxt_import(fx->s, path, &o, &res, &err)) fail_msg("%s", err.msg);
  assert_int_equal(res.srs_id, 4490);
  char out[400];
  snprintf(out, sizeof out, "%s/geo.txt", fx->dir);
  lg_formats_export_opts_t eo = {.format = "txt"};
  if (lg_formats_mtxt_export(fx->s, "geo", out, &eo, &err)) fail_msg("%s", err.msg);
  lg_formats_mtxt_t *a = NULL, *b = NULL;
  assert_int_equal(lg_formats_mtxt_read(path, &a, &err), 0);
  assert_int_equal(lg_formats_mtxt_read(out, &b, &err), 0);
  assert_int_equal(b->epsg, 4526);
  assert_same(a, b);
  lg_formats_mtxt_free(a);
  lg_formats_mtxt_free(b);

  /* to_srs on export: the CM 114E twin (EPSG:4547), eastings without prefix. */
  lg_formats_export_opts_t eo2 = {.format = "txt", .to_srs = 4547};
  if (lg_formats_mtxt_export(fx->s, "geo", out, &eo2, &err)) fail_msg("%s", err.msg);
  assert_int_equal(lg_formats_mtxt_read(out, &b, &err), 0);
  assert_int_equal(b->epsg, 4547);
  assert_false(b->prefixed);
  assert_near(b->parcels[0].rings[0].pts[0].x, 378344.592, 0.001);
  assert_near(b->parcels[0].planar_m2 / 1e4, 0.7749, LG_MTXT_AREA_TOL_HA);
  lg_formats_mtxt_free(b);
  lg_formats_export_opts_t eo3 = {.format = "txt", .to_srs = 3857};
  assert_int_equal(lg_formats_mtxt_export(fx->s, "geo", out, &eo3, &err), LG_ECRS);
  lg_free(path);
}

/* A failed import leaves nothing behind, and does not touch a layer of the
 * same name. */
static void test_failed_import(void **state) {
  fx_t *fx = *state;
  static const char *const bad[] = {"bad_selfint.txt", "bad_count.txt", "bad_zone.txt",
                                    "bad_empty.txt"};
  lg_err_t err = {0};
  lg_layer_info_t info;
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++) {
    char *path = fixture_path(bad[i]);
    lg_formats_import_opts_t o = {.layer = "bad"};
    lg_formats_import_result_t res;
    assert_int_equal(lg_formats_mtxt_import(fx->s, path, &o, &res, &err), LG_EINVAL);
    assert_non_null(strstr(err.msg, bad[i]));
    assert_int_equal(lg_store_layer_get(fx->s, "bad", &info, &err), LG_ENOTFOUND);
    lg_free(path);
  }
  /* An existing layer survives a failing replacement and a name clash. */
  char *good = fixture_path("multi_hand.txt");
  lg_formats_import_result_t res;
  import_ok(fx, good, "keep", &res);
  char *path = fixture_path("bad_selfint.txt");
  lg_formats_import_opts_t o = {.layer = "keep", .replace = true};
  assert_int_equal(lg_formats_mtxt_import(fx->s, path, &o, &res, &err), LG_EINVAL);
  o.replace = false;
  assert_int_equal(lg_formats_mtxt_import(fx->s, good, &o, &res, &err), LG_ECONFLICT);
  /* A failure inside the transaction (an invalid role) changes nothing. */
  o.replace = true;
  o.role = "nonsense";
  assert_int_equal(lg_formats_mtxt_import(fx->s, good, &o, &res, &err), LG_EINVAL);
  assert_int_equal(lg_store_layer_get(fx->s, "keep", &info, &err), 0);
  assert_int_equal(info.count, 3);
  lg_store_layer_info_fini(&info);
  /* No transaction is left open: the next import works. */
  o.role = NULL;
  import_ok(fx, good, "after", &res);
  assert_int_equal(res.count, 3);
  lg_free(path);
  lg_free(good);
}

/* A layer that did not come from a Ministry file: default header, J1..Jn. */
static void test_export_defaults(void **state) {
  fx_t *fx = *state;
  lg_err_t err = {0};
  lg_field_t fields[] = {{"name", LG_FIELD_TEXT}, {"DLBM", LG_FIELD_TEXT}};
  lg_layer_def_t def = {.name = "plain",
                        .role = "boundary",
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = 4526,
                        .fields = fields,
                        .nfields = 2};
  lg_geo_t *g = lg_geo_thread();
  assert_int_equal(lg_store_begin(fx->s, &err), 0);
  assert_int_equal(lg_store_layer_create(fx->s, &def, false, &err), 0);
  lg_store_writer_t *w;
  assert_int_equal(lg_store_writer_new(fx->s, "plain", &w, &err), 0);
  lg_geom_t *geom = lg_geom_from_wkt(
      g,
      "MULTIPOLYGON(((38400000 2500000, 38400000 2500100, 38400100 2500100, 38400100 2500000, "
      "38400000 2500000), (38400010 2500010, 38400020 2500010, 38400020 2500020, 38400010 "
      "2500020, 38400010 2500010)))",
      &err);
  lg_store_writer_text(w, 0, "示例, 含逗号");
  lg_store_writer_text(w, 1, "0601");
  assert_int_equal(lg_store_writer_add(w, g, geom, NULL, &err), 0);
  assert_int_equal(lg_store_writer_finish(w, &err), 0);
  lg_store_writer_free(w);
  assert_int_equal(lg_store_commit(fx->s, &err), 0);
  lg_geom_free(g, geom);

  lg_clock_set(1715000000); /* 2024-05-06 12:53 UTC */
  lg_formats_mtxt_t *m = NULL;
  assert_int_equal(lg_formats_mtxt_from_layer(fx->s, "plain", 0, &m, &err), 0);
  lg_clock_set(0);
  assert_string_equal(lg_formats_mtxt_header_get(m, "坐标系"), "2000国家大地坐标系");
  assert_string_equal(lg_formats_mtxt_header_get(m, "带号"), "38");
  assert_string_equal(lg_formats_mtxt_header_get(m, "几度分带"), "3");
  assert_string_equal(lg_formats_mtxt_header_get(m, "数据产生日期"), "2024-5-6");
  const lg_formats_mtxt_parcel_t *p = &m->parcels[0];
  assert_int_equal(p->nrings, 2);
  assert_string_equal(p->rings[0].pts[0].name, "J1");
  assert_string_equal(p->rings[0].pts[4].name, "J1");
  assert_string_equal(p->rings[1].pts[0].name, "J5");
  assert_string_equal(p->rings[1].pts[4].name, "J5");
  assert_int_equal(p->rings[1].ring_no, 2);
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_NAME), "示例、 含逗号");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_CLASS_CODE), "0601");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_KIND), "面");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_AREA),
                      "0.9900"); /* 100 x 100 - 10 x 10 m2 */
  char *text = NULL;
  size_t n;
  assert_int_equal(lg_formats_mtxt_write(m, "UTF-8", false, &text, &n, &err), 0);
  assert_non_null(strstr(text, "[地块坐标]\n10,0.9900,1,示例、 含逗号,面,,,0601,@\n"
                               "J1,1,2500000.000,38400000.000\n"));
  lg_formats_mtxt_t *back = NULL;
  assert_int_equal(lg_formats_mtxt_parse("back.txt", text, n, &back, &err), 0);
  assert_near(back->parcels[0].planar_m2, 9900, 1e-6);
  lg_formats_mtxt_free(back);
  lg_free(text);
  lg_formats_mtxt_free(m);
}

/* ISO WKB of a 100 x 100 m square at (38400000, 2500000) as a
 * MultiPolygon with dims extra ordinates per point (1: Z, type 1006, or
 * M, 2006; 2: ZM, 3006), the extra values large and negative so that
 * reading one as x or y is caught. */
static size_t put_u32(unsigned char *out, size_t n, uint32_t v) {
  memcpy(out + n, &v, 4); /* little-endian host, as the byte-order bytes say */
  return n + 4;
}

static size_t put_f64(unsigned char *out, size_t n, double v) {
  memcpy(out + n, &v, 8);
  return n + 8;
}

static size_t square_wkb(unsigned char *out, uint32_t type, int dims) {
  static const double xy[5][2] = {{38400000, 2500000},
                                  {38400000, 2500100},
                                  {38400100, 2500100},
                                  {38400100, 2500000},
                                  {38400000, 2500000}};
  size_t n = 0;
  out[n++] = 1; /* NDR */
  n = put_u32(out, n, type);
  n = put_u32(out, n, 1); /* one polygon */
  out[n++] = 1;
  n = put_u32(out, n, type - 3); /* Polygon with the same dimensions */
  n = put_u32(out, n, 1);        /* one ring */
  n = put_u32(out, n, 5);        /* of five points */
  for (int i = 0; i < 5; i++) {
    n = put_f64(out, n, xy[i][0]);
    n = put_f64(out, n, xy[i][1]);
    for (int d = 0; d < dims; d++)
      n = put_f64(out, n, -9876543.21 - d);
  }
  return n;
}

/* A layer whose geometries carry Z, M or both (a surveyed boundary with
 * heights): the Ministry file gets their x and y, never a height read
 * as a coordinate, and the area of the square. */
static void test_export_zm(void **state) {
  fx_t *fx = *state;
  lg_err_t err = {0};
  static const struct {
    uint32_t type;
    int dims;
  } kinds[] = {{1006, 1}, {2006, 1}, {3006, 2}};
  for (size_t k = 0; k < LG_ARRAY_LEN(kinds); k++) {
    char name[16];
    snprintf(name, sizeof name, "zm%zu", k);
    lg_layer_def_t def = {
        .name = name, .role = "boundary", .geom_type = "MULTIPOLYGON", .srs_id = 4526};
    assert_int_equal(lg_store_begin(fx->s, &err), 0);
    assert_int_equal(lg_store_layer_create(fx->s, &def, false, &err), 0);
    lg_store_writer_t *w;
    assert_int_equal(lg_store_writer_new(fx->s, name, &w, &err), 0);
    unsigned char wkb[512];
    size_t n = square_wkb(wkb, kinds[k].type, kinds[k].dims);
    assert_int_equal(lg_store_writer_add_wkb(w, 0, wkb, n, NULL, &err), 0);
    assert_int_equal(lg_store_writer_finish(w, &err), 0);
    lg_store_writer_free(w);
    assert_int_equal(lg_store_commit(fx->s, &err), 0);
    lg_formats_mtxt_t *m = NULL;
    if (lg_formats_mtxt_from_layer(fx->s, name, 0, &m, &err)) fail_msg("%s: %s", name, err.msg);
    const lg_formats_mtxt_parcel_t *p = &m->parcels[0];
    assert_int_equal(p->nrings, 1);
    assert_int_equal(p->rings[0].npts, 5);
    assert_near(p->rings[0].pts[1].x, 38400000, 1e-6);
    assert_near(p->rings[0].pts[1].y, 2500100, 1e-6);
    assert_near(p->rings[0].pts[2].x, 38400100, 1e-6);
    assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_AREA), "1.0000");
    lg_formats_mtxt_free(m);
  }
}

/* Options: src_srs when the file's CRS cannot be told, max_features,
 * a forced encoding, title and role. */
static void test_import_options(void **state) {
  fx_t *fx = *state;
  char *src = fixture_path("multi_hand.txt"), *bytes;
  size_t n;
  assert_int_equal(lg_file_read(src, &bytes, &n, NULL), 0);
  const char *from = "坐标系=2000国家大地坐标系";
  char *at = strstr(bytes, from);
  assert_non_null(at);
  char *local = lg_sprintf("%.*s坐标系=地方坐标系%s", (int)(at - bytes), bytes, at + strlen(from));
  char path[400];
  snprintf(path, sizeof path, "%s/local.txt", fx->dir);
  assert_int_equal(lg_file_write(path, local, strlen(local), NULL), 0);

  lg_err_t err = {0};
  lg_formats_import_result_t res;
  lg_formats_import_opts_t o = {.layer = "local"};
  assert_int_equal(lg_formats_mtxt_import(fx->s, path, &o, &res, &err), LG_ECRS);
  assert_non_null(strstr(err.msg, "地方坐标系"));
  o.src_srs = 4526;
  o.title = "某项目用地红线";
  o.role = "other";
  if (lg_formats_mtxt_import(fx->s, path, &o, &res, &err)) fail_msg("%s", err.msg);
  assert_int_equal(res.srs_id, 4526);
  assert_int_equal(res.count, 3);
  lg_layer_info_t info;
  assert_int_equal(lg_store_layer_get(fx->s, "local", &info, &err), 0);
  assert_string_equal(info.title, "某项目用地红线");
  assert_string_equal(info.role, "other");
  lg_store_layer_info_fini(&info);

  lg_formats_import_opts_t lim = {.layer = "lim", .max_features = 2};
  assert_int_equal(lg_formats_mtxt_import(fx->s, src, &lim, &res, &err), LG_ELIMIT);
  assert_int_equal(lg_store_layer_get(fx->s, "lim", &info, &err), LG_ENOTFOUND);

  /* GBK bytes read as what they are, and refused when declared UTF-8. */
  char *gbk = fixture_path("enc_gbk_crlf.txt");
  lg_formats_import_opts_t enc = {.layer = "enc", .encoding = "GBK"};
  if (lg_formats_mtxt_import(fx->s, gbk, &enc, &res, &err)) fail_msg("%s", err.msg);
  assert_string_equal(res.encoding, "GBK");
  enc.layer = "enc2";
  enc.encoding = "UTF-8";
  assert_int_equal(lg_formats_mtxt_import(fx->s, gbk, &enc, &res, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "enc_gbk_crlf.txt"));
  lg_free(gbk);
  lg_free(local);
  lg_free(bytes);
  lg_free(src);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_import_fields, setup, teardown),
      cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_reprojects, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_import, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_zm, setup, teardown),
      cmocka_unit_test_setup_teardown(test_export_defaults, setup, teardown),
      cmocka_unit_test_setup_teardown(test_import_options, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
