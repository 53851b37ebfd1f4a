/*
 * The Ministry coordinate file reader, geometry builder and writer.
 * Expected values come from the files themselves (declared 地块面积 and
 * 界址点数, coordinates as written), from PROVENANCE.txt (zones, EPSG),
 * from PROJ's database (projinfo EPSG:...), or from hand calculation
 * (tests/data/ministry/multi_hand.txt: rectangles).
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

#include "formats/formats.h"
#include "lg_test.h"

static char *shared_path(const char *name) {
  const char *d = getenv("LG_SHARED");
  return lg_sprintf("%s/data/ministry-txt/%s", d ? d : "../shared", name);
}

static char *fixture_path(const char *name) {
  const char *d = getenv("LG_TESTDATA");
  return lg_sprintf("%s/ministry/%s", d ? d : "tests/data", name);
}

static lg_formats_mtxt_t *read_ok(char *path) {
  lg_err_t err = {0};
  lg_formats_mtxt_t *m = NULL;
  int rc = lg_formats_mtxt_read(path, &m, &err);
  if (rc != 0) fail_msg("%s: rc=%d %s", path, rc, err.msg);
  lg_free(path);
  return m;
}

/* The four real files, with the figures they declare themselves and the
 * zone PROVENANCE.txt states. */
static const struct {
  const char *file;
  double area_ha; /* declared 地块面积 */
  long npoints;   /* declared 界址点数 */
  int zone, epsg;
  double first_x, first_y; /* first point: Y (easting), X (northing) as written */
  double last_x, last_y;   /* last point before the closing repeat */
} real[] = {
    {"coordinateTools_TxtUtils_embedded__hangzhou_pengbu_BR14.txt", 5.7089, 66, 40, 4528,
     40520986.477, 3353189.181, 40520989.058, 3353190.790},
    {"edcfoshan_polygon-txt__00测试数据__44120000105.txt", 8.7423, 50, 38, 4526, 38378508.034,
     2585776.157, 38378515.501, 2585780.858},
    {"edcfoshan_polygon-txt__00测试数据__44120000957.txt", 0.7749, 5, 38, 4526, 38378344.592,
     2579602.040, 38378343.688, 2579538.038},
    {"edcfoshan_polygon-txt__test_data__44120000072.txt", 1.2247, 6, 38, 4526, 38383243.971,
     2582988.976, 38383026.848, 2582350.828},
};

static void test_real_files(void **state) {
  (void)state;
  lg_geo_t *g = lg_geo_thread();
  for (size_t f = 0; f < LG_ARRAY_LEN(real); f++) {
    lg_formats_mtxt_t *m = read_ok(shared_path(real[f].file));
    assert_int_equal(m->nparcels, 1);
    const lg_formats_mtxt_parcel_t *p = &m->parcels[0];
    assert_int_equal(p->npoints, real[f].npoints);
    assert_int_equal(p->nrings, 1);
    assert_int_equal(p->rings[0].npts, (size_t)real[f].npoints);
    /* The expected figures, explicitly, and the file's own declared value. */
    assert_near(p->area_ha, real[f].area_ha, 1e-12);
    if (fabs(p->planar_m2 / 1e4 - real[f].area_ha) > LG_MTXT_AREA_TOL_HA)
      fail_msg("%s: planar %.6f ha vs declared %.4f ha", real[f].file, p->planar_m2 / 1e4,
               real[f].area_ha);
    if (m->nwarnings != 0) fail_msg("%s: unexpected warning: %s", real[f].file, m->warnings[0]);
    assert_int_equal(m->zone, real[f].zone);
    assert_int_equal(m->zone_width, 3);
    assert_true(m->prefixed);
    assert_int_equal(m->datum, LG_MTXT_CGCS2000);
    int epsg = 0;
    lg_err_t err = {0};
    assert_int_equal(lg_formats_mtxt_epsg(m, &epsg, &err), 0);
    assert_int_equal(epsg, real[f].epsg);
    const lg_formats_mtxt_ring_t *r = &p->rings[0];
    assert_near(r->pts[0].x, real[f].first_x, 1e-6);
    assert_near(r->pts[0].y, real[f].first_y, 1e-6);
    assert_near(r->pts[r->npts - 2].x, real[f].last_x, 1e-6);
    assert_near(r->pts[r->npts - 2].y, real[f].last_y, 1e-6);
    assert_near(r->pts[r->npts - 1].x, real[f].first_x, 1e-6); /* closing repeat */
    assert_int_equal(r->pts[0].line, 11 + (f == 0 ? 3 : 0));   /* BR14 has 3 more header lines */

    lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, 0, &err);
    if (!geom) fail_msg("%s: %s", real[f].file, err.msg);
    assert_string_equal(lg_geom_type(g, geom), "Polygon");
    assert_int_equal(lg_geom_srid(g, geom), real[f].epsg);
    assert_near(lg_geom_area(g, geom), p->planar_m2, 1e-6);
    lg_geom_free(g, geom);
    lg_formats_mtxt_free(m);
  }
}

static void test_header_fields(void **state) {
  (void)state;
  lg_formats_mtxt_t *m = read_ok(shared_path(real[0].file));
  /* Every [属性描述] line, in file order, as written. */
  static const char *const keys[] = {"格式版本号", "数据产生单位", "数据产生日期", "坐标系",
                                     "几度分带",   "投影类型",     "计量单位",     "带号",
                                     "精度",       "转换参数"};
  static const char *const vals[] = {"1.01版本",  "浙江华东建设工程有限公司",
                                     "2019-4-19", "2000国家大地坐标系",
                                     "3",         "高斯克吕格",
                                     "米",        "40",
                                     "3",         "0,0,0,0,0,0,0"};
  assert_int_equal(m->nheader, LG_ARRAY_LEN(keys));
  for (size_t i = 0; i < LG_ARRAY_LEN(keys); i++) {
    assert_string_equal(m->header[i].key, keys[i]);
    assert_string_equal(m->header[i].val, vals[i]);
    assert_int_equal(m->header[i].line, (int)i + 2);
  }
  assert_near(m->transform[6], 0.0, 0);
  assert_near(m->precision, 0.001, 1e-15); /* "精度=3": three decimals */
  const lg_formats_mtxt_parcel_t *p = &m->parcels[0];
  assert_int_equal(p->layout, LG_MTXT_LAYOUT_STANDARD);
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_PARCEL_NO), "1");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_NAME), "彭埠单元B/R-14地块");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_KIND), "面");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_CLASS_CODE), "");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_DESC), "");
  assert_string_equal(p->rings[0].pts[0].name, "J01");
  assert_int_equal(p->rings[0].ring_no, 1);
  lg_formats_mtxt_free(m);

  m = read_ok(shared_path(real[3].file));
  assert_true(isnan(m->transform[0])); /* "转换参数=,,,,,," */
  assert_string_equal(lg_formats_mtxt_field(&m->parcels[0], LG_MTXT_PARCEL_NO), "FID_0");
  assert_string_equal(lg_formats_mtxt_field(&m->parcels[0], LG_MTXT_SHEET), "TFH");
  assert_string_equal(lg_formats_mtxt_field(&m->parcels[0], LG_MTXT_USE), "DKYT");
  assert_string_equal(lg_formats_mtxt_field(&m->parcels[0], LG_MTXT_CLASS_CODE), "DLBM");
  lg_formats_mtxt_free(m);
}

/* Every encoding, line end and bracket variant gives the same points. */
static void test_variants(void **state) {
  (void)state;
  lg_formats_mtxt_t *ref = read_ok(shared_path(real[3].file));
  static const struct {
    const char *file, *enc;
    bool crlf;
  } v[] = {
      {"enc_gbk_crlf.txt", "GBK", true},
      {"enc_utf8bom_lf.txt", "UTF-8-BOM", false},
      {"enc_utf16le_bom_crlf.txt", "UTF-16LE", true},
      {"enc_utf16le_nobom_lf.txt", "UTF-16LE", false},
      {"enc_utf8_cr.txt", "UTF-8", false},
      {"enc_fullwidth_gbk_crlf.txt", "GBK", true},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(v); i++) {
    lg_formats_mtxt_t *m = read_ok(fixture_path(v[i].file));
    assert_string_equal(m->encoding, v[i].enc);
    assert_int_equal(m->crlf, v[i].crlf);
    assert_int_equal(m->nheader, ref->nheader);
    for (size_t k = 0; k < ref->nheader; k++) {
      assert_string_equal(m->header[k].key, ref->header[k].key);
      assert_string_equal(m->header[k].val, ref->header[k].val);
    }
    assert_int_equal(m->nparcels, 1);
    const lg_formats_mtxt_parcel_t *a = &m->parcels[0], *b = &ref->parcels[0];
    assert_int_equal(a->nfields, b->nfields);
    for (size_t k = 0; k < a->nfields; k++)
      assert_string_equal(a->fields[k], b->fields[k]);
    assert_int_equal(a->rings[0].npts, b->rings[0].npts);
    for (size_t k = 0; k < a->rings[0].npts; k++) {
      assert_string_equal(a->rings[0].pts[k].name, b->rings[0].pts[k].name);
      assert_near(a->rings[0].pts[k].x, b->rings[0].pts[k].x, 0);
      assert_near(a->rings[0].pts[k].y, b->rings[0].pts[k].y, 0);
      assert_int_equal(a->rings[0].pts[k].line, b->rings[0].pts[k].line);
    }
    assert_near(a->planar_m2, b->planar_m2, 1e-9);
    assert_int_equal(m->epsg, 4526);
    lg_formats_mtxt_free(m);
  }
  lg_formats_mtxt_free(ref);
}

static void test_layouts(void **state) {
  (void)state;
  lg_formats_mtxt_t *m = read_ok(fixture_path("layout_desc.txt"));
  const lg_formats_mtxt_parcel_t *p = &m->parcels[0];
  assert_int_equal(p->layout, LG_MTXT_LAYOUT_STANDARD);
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_NAME), "地块一");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_CLASS_CODE), "0601");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_DESC), "现状为旱地");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_TOWNSHIP_CODE), "");
  assert_int_equal(lg_formats_mtxt_extra_fields(p, NULL), 0);
  lg_formats_mtxt_free(m);

  m = read_ok(fixture_path("layout_township.txt"));
  p = &m->parcels[0];
  assert_int_equal(p->layout, LG_MTXT_LAYOUT_TOWNSHIP);
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_TOWNSHIP_CODE), "441202001");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_TOWNSHIP_NAME), "睦岗镇");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_PARCEL_NO), "1");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_NAME), "地块一");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_KIND), "面");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_SHEET), "F49G001001");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_USE), "工业用地");
  assert_string_equal(lg_formats_mtxt_field(p, LG_MTXT_CLASS_CODE), "0601");
  assert_near(p->area_ha, 1.2247, 1e-12);
  assert_int_equal(m->nwarnings, 0);
  lg_formats_mtxt_free(m);
}

/* Hand-computed shapes: a 200 x 100 m rectangle with a 50 x 20 m hole and
 * a 30 x 30 m second part (rings numbered outer, part, hole), a 100 m
 * square written anticlockwise, and a square with a 60 m hole holding a
 * 20 m island. */
static void test_hand_shapes(void **state) {
  (void)state;
  lg_geo_t *g = lg_geo_thread();
  lg_formats_mtxt_t *m = read_ok(fixture_path("multi_hand.txt"));
  assert_int_equal(m->nparcels, 3);
  assert_int_equal(m->nwarnings, 0);
  assert_string_equal(lg_formats_mtxt_header_get(m, "自定义键"), "保留原样");
  static const double area_m2[] = {200.0 * 100 - 50 * 20 + 30 * 30, 100.0 * 100,
                                   100.0 * 100 - 60 * 60 + 20 * 20};
  static const char *const types[] = {"MultiPolygon", "Polygon", "MultiPolygon"};
  static const int parts[] = {2, 1, 2};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(m->parcels[i].nrings, i == 1 ? 1 : 3);
    assert_near(m->parcels[i].planar_m2, area_m2[i], 1e-6);
    lg_err_t err = {0};
    lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, i, &err);
    if (!geom) fail_msg("parcel %zu: %s", i, err.msg);
    assert_string_equal(lg_geom_type(g, geom), types[i]);
    assert_int_equal(lg_geom_srid(g, geom), 4526);
    assert_near(lg_geom_area(g, geom), area_m2[i], 1e-6);
    /* Parts and holes by WKT: the first parcel's hole belongs to ring 1. */
    char *wkt = lg_geom_to_wkt(g, geom, 0);
    if (i == 0 && !strstr(wkt, "((38500000 2580100, 38500200 2580100, 38500200 2580000, "
                               "38500000 2580000, 38500000 2580100), (38500050 2580060"))
      fail_msg("hole not inside the outer ring: %s", wkt);
    int nparts = 1;
    for (const char *q = wkt; (q = strstr(q, ")), ((")); q++)
      nparts++;
    assert_int_equal(nparts, parts[i]);
    lg_free(wkt);
    double ell = 0;
    assert_int_equal(lg_geom_area_ellipsoidal(g, geom, 4526, &ell, &err), 0);
    /* Gauss-Kruger is conformal with scale k = 1 + e^2 / (2 R^2) at e
     * metres from the central meridian: planar = ellipsoidal x k^2. Here
     * e = 0 (38500000 is the meridian itself) to 2 km: k^2 - 1 < 1e-7. */
    assert_near(ell / area_m2[i], 1.0, 2e-5);
    lg_geom_free(g, geom);
  }
  lg_formats_mtxt_free(m);
}

/* Ellipsoidal area of a real parcel against the Gauss-Kruger scale by
 * hand: 116.8 km west of 114E, k^2 = 1 + e^2 / R^2 = 1.000336. */
static void test_ellipsoidal_scale(void **state) {
  (void)state;
  lg_geo_t *g = lg_geo_thread();
  lg_formats_mtxt_t *m = read_ok(shared_path(real[3].file));
  lg_err_t err = {0};
  lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, 0, &err);
  assert_non_null(geom);
  double ell = 0, planar = lg_geom_area(g, geom);
  assert_int_equal(lg_geom_area_ellipsoidal(g, geom, 4526, &ell, &err), 0);
  lg_env_t e;
  assert_int_equal(lg_geom_envelope(g, geom, &e), 0);
  double east = (e.minx + e.maxx) / 2 - 38500000.0, R = 6371000.0;
  double k2 = 1 + east * east / (R * R);
  assert_near(planar / ell, k2, 2e-5);
  assert_true(planar / ell > 1.0003); /* and clearly not the planar area itself */
  lg_geom_free(g, geom);
  lg_formats_mtxt_free(m);
}

/* Bad inputs: LG_EINVAL, the file named, the line and point the surveyor
 * must look at. */
static void test_bad_inputs(void **state) {
  (void)state;
  static const struct {
    const char *file;
    const char *must[4]; /* substrings the message must contain */
  } bad[] = {
      {"bad_missing_at.txt", {"bad_missing_at.txt", "第 10 行", "@"}},
      {"bad_count.txt", {"第 10 行", "界址点数为 6", "实际有 5 个", "J1 在第 15 行"}},
      {"bad_unclosed.txt", {"第 14 行", "界址点 J4", "没有闭合", "J1"}},
      {"bad_selfint.txt", {"第 14 行", "界址点 J4", "自相交"}},
      {"bad_zone.txt", {"第 13 行", "界址点 J3", "39", "带号=38"}},
      {"bad_nonnumeric.txt", {"第 13 行", "界址点 J3", "2579505.2S5", "不是数字"}},
      {"bad_empty.txt", {"bad_empty.txt", "文件为空"}},
      {"bad_blank.txt", {"bad_blank.txt", "文件为空"}},
      {"bad_no_coord_section.txt", {"第 9 行", "缺少 [地块坐标]"}},
      {"bad_few_points.txt", {"第 11 行", "界址点 J1", "至少需要 4 个点"}},
      {"bad_xy_swapped.txt", {"第 11 行", "界址点 J1", "X 与 Y 可能颠倒"}},
      /* A second ring across the outer one: the crossings at (100, 55) and
       * (100, 45) m are nearest to J5 (90, 50): 11.2 m against 45 m. */
      {"bad_ring_crosses.txt", {"第 12 行", "界址点 J5", "自相交"}},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++) {
    char *path = fixture_path(bad[i].file);
    lg_formats_mtxt_t *m = NULL;
    lg_err_t err = {0};
    int rc = lg_formats_mtxt_read(path, &m, &err);
    lg_free(path);
    if (rc != LG_EINVAL) fail_msg("%s: rc=%d, want LG_EINVAL (%s)", bad[i].file, rc, err.msg);
    assert_null(m);
    for (size_t k = 0; k < 4 && bad[i].must[k]; k++)
      if (!strstr(err.msg, bad[i].must[k]))
        fail_msg("%s: message lacks \"%s\": %s", bad[i].file, bad[i].must[k], err.msg);
    if (!strstr(err.msg, bad[i].file) && !strstr(err.msg, "bad_"))
      fail_msg("%s: message does not name the file: %s", bad[i].file, err.msg);
  }
}

/* In-memory variants of a real file, made by text replacement. (noinline:
 * GCC 12 at -O2 otherwise mistakes the text for a pointer into
 * real_text's local variable and warns of a dangling pointer.) */
__attribute__((noinline)) static char *replaced(const char *text, const char *from,
                                                const char *to) {
  const char *at = strstr(text, from);
  if (!at) fail_msg("\"%s\" not found in the sample", from);
  size_t head = (size_t)(at - text), skip = strlen(from);
  return lg_sprintf("%.*s%s%s", (int)head, text, to, text + head + skip);
}

static char *real_text(size_t f) {
  char *path = shared_path(real[f].file), *bytes = NULL;
  size_t n;
  if (lg_file_read(path, &bytes, &n, NULL) != 0) fail_msg("cannot read %s", path);
  lg_free(path);
  return bytes;
}

/* CRSs: codes from PROJ's database (projinfo EPSG:2362 is "Xian 1980 /
 * 3-degree Gauss-Kruger zone 38", EPSG:2414 "Beijing 1954 / 3-degree
 * Gauss-Kruger zone 38", EPSG:4547 "CGCS2000 / 3-degree Gauss-Kruger CM
 * 114E"). */
static void test_crs(void **state) {
  (void)state;
  char *text = real_text(3);
  static const struct {
    const char *from, *to;
    int epsg;
  } v[] = {
      {"坐标系=2000国家大地坐标系", "坐标系=80国家大地坐标系", 2362},
      {"坐标系=2000国家大地坐标系", "坐标系=1980西安坐标系", 2362},
      {"坐标系=2000国家大地坐标系", "坐标系=1954年北京坐标系", 2414},
      {"带号=38", "带号=", 4526}, /* zone from the prefix */
      {"几度分带=3", "几度分带=", 4526},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(v); i++) {
    char *t = replaced(text, v[i].from, v[i].to);
    lg_formats_mtxt_t *m = NULL;
    lg_err_t err = {0};
    if (lg_formats_mtxt_parse("x.txt", t, strlen(t), &m, &err))
      fail_msg("%s: %s", v[i].to, err.msg);
    int epsg = 0;
    assert_int_equal(lg_formats_mtxt_epsg(m, &epsg, &err), 0);
    assert_int_equal(epsg, v[i].epsg);
    lg_formats_mtxt_free(m);
    lg_free(t);
  }
  /* Eastings without the zone prefix: the CM 114E twin, same area. */
  lg_buf_t b;
  lg_buf_init(&b);
  for (const char *p = text; *p;) {
    const char *q = strstr(p, ",383");
    if (!q) {
      lg_buf_puts(&b, p);
      break;
    }
    lg_buf_append(&b, p, (size_t)(q - p) + 1);
    p = q + 3; /* drop the "38" */
  }
  lg_formats_mtxt_t *m = NULL;
  lg_err_t err = {0};
  if (lg_formats_mtxt_parse("plain.txt", b.data, b.len, &m, &err)) fail_msg("%s", err.msg);
  assert_false(m->prefixed);
  assert_int_equal(m->epsg, 4547);
  assert_near(m->parcels[0].rings[0].pts[0].x, 383243.971, 1e-6);
  assert_near(m->parcels[0].planar_m2 / 1e4, 1.2247, LG_MTXT_AREA_TOL_HA);
  lg_formats_mtxt_free(m);
  lg_buf_fini(&b);

  /* An unknown 坐标系 parses, but has no EPSG code. */
  char *t = replaced(text, "坐标系=2000国家大地坐标系", "坐标系=地方独立坐标系");
  assert_int_equal(lg_formats_mtxt_parse("local.txt", t, strlen(t), &m, &err), 0);
  assert_int_equal(m->epsg, 0);
  int epsg;
  assert_int_equal(lg_formats_mtxt_epsg(m, &epsg, &err), LG_ECRS);
  assert_non_null(strstr(err.msg, "地方独立坐标系"));
  lg_formats_mtxt_free(m);
  lg_free(t);
  lg_free(text);

  int datum, width, zone;
  bool pre;
  assert_int_equal(lg_formats_mtxt_crs_of_epsg(2349, &datum, &width, &zone, &pre, NULL), 0);
  assert_int_equal(datum, LG_MTXT_XIAN80);
  assert_int_equal(zone, 25);
  assert_true(pre);
  assert_int_equal(lg_formats_mtxt_crs_of_epsg(21483, &datum, &width, &zone, &pre, NULL), 0);
  assert_int_equal(datum, LG_MTXT_BEIJING54);
  assert_int_equal(width, 6);
  assert_int_equal(zone, 23);
  assert_false(pre);
  assert_int_equal(lg_formats_mtxt_crs_of_epsg(4326, NULL, NULL, NULL, NULL, NULL), LG_ECRS);
}

/* A declared area off by more than 0.0001 ha is a warning, not a failure. */
static void test_area_warning(void **state) {
  (void)state;
  char *text = real_text(3);
  char *t = replaced(text, "6,1.2247,", "6,1.2249,");
  lg_formats_mtxt_t *m = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_formats_mtxt_parse("w.txt", t, strlen(t), &m, &err), 0);
  assert_int_equal(m->nwarnings, 1);
  assert_non_null(strstr(m->warnings[0], "第 10 行"));
  assert_non_null(strstr(m->warnings[0], "1.2249"));
  lg_formats_mtxt_free(m);
  lg_free(t);
  /* Zone prefix against 带号 from the header: the first point already differs. */
  t = replaced(text, "带号=38", "带号=39");
  assert_int_equal(lg_formats_mtxt_parse("z.txt", t, strlen(t), &m, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "z.txt 第 11 行, 界址点 J1"));
  lg_free(t);
  /* A point count that leaves out the closing repeat is wrong. */
  t = replaced(text, "6,1.2247,", "5,1.2247,");
  assert_int_equal(lg_formats_mtxt_parse("c.txt", t, strlen(t), &m, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "第 10 行"));
  lg_free(t);
  lg_free(text);
}

/* Writing: UTF-8 output re-parses to the same file; GBK output is GBK
 * (not UTF-8) and decodes to the UTF-8 text. */
static void test_write(void **state) {
  (void)state;
  for (size_t f = 0; f < LG_ARRAY_LEN(real); f++) {
    char *orig = real_text(f);
    lg_formats_mtxt_t *m = read_ok(shared_path(real[f].file));
    char *u8 = NULL, *gbk = NULL, *dec = NULL;
    size_t n8, ng, nd;
    lg_err_t err = {0};
    assert_int_equal(lg_formats_mtxt_write(m, "UTF-8", false, &u8, &n8, &err), 0);
    /* The real files are already in the canonical form: same bytes. */
    assert_string_equal(u8, orig);
    assert_int_equal(lg_formats_mtxt_write(m, NULL, true, &gbk, &ng, &err), 0);
    assert_false(lg_utf8_valid(gbk, ng));
    /* 属 is CA F4 in GBK (GB 2312 row 44, column 84). */
    assert_memory_equal(gbk, "[\xCA\xF4", 3);
    assert_non_null(strstr(gbk, "]\r\n"));
    const char *enc = NULL;
    assert_int_equal(lg_text_decode(gbk, ng, &dec, &nd, &enc, &err), 0);
    assert_string_equal(enc, "GBK");
    char *u8crlf = NULL;
    size_t nc;
    assert_int_equal(lg_formats_mtxt_write(m, "UTF-8", true, &u8crlf, &nc, &err), 0);
    assert_string_equal(dec, u8crlf);
    /* And back through the parser. */
    lg_formats_mtxt_t *m2 = NULL;
    assert_int_equal(lg_formats_mtxt_parse("out.txt", gbk, ng, &m2, &err), 0);
    assert_string_equal(m2->encoding, "GBK");
    assert_true(m2->crlf);
    assert_int_equal(m2->parcels[0].rings[0].npts, m->parcels[0].rings[0].npts);
    assert_near(m2->parcels[0].planar_m2, m->parcels[0].planar_m2, 1e-9);
    lg_formats_mtxt_free(m2);
    lg_free(u8crlf);
    lg_free(dec);
    lg_free(gbk);
    lg_free(u8);
    lg_free(orig);
    lg_formats_mtxt_free(m);
  }
  /* UTF-16LE with BOM re-parses too; the hand fixture keeps its 3 parcels. */
  lg_formats_mtxt_t *m = read_ok(fixture_path("multi_hand.txt"));
  char *u16 = NULL;
  size_t n;
  lg_err_t err = {0};
  assert_int_equal(lg_formats_mtxt_write(m, "UTF-16LE", true, &u16, &n, &err), 0);
  assert_memory_equal(u16, "\xFF\xFE[\0", 4);
  lg_formats_mtxt_t *m2 = NULL;
  assert_int_equal(lg_formats_mtxt_parse("u16.txt", u16, n, &m2, &err), 0);
  assert_int_equal(m2->nparcels, 3);
  assert_near(m2->parcels[2].planar_m2, 6800, 1e-6);
  assert_string_equal(lg_formats_mtxt_header_get(m2, "自定义键"), "保留原样");
  lg_formats_mtxt_free(m2);
  lg_free(u16);
  lg_formats_mtxt_free(m);
}

/* A 线 parcel parses (no closure asked of it) but has no polygon. */
static void test_line_kind(void **state) {
  (void)state;
  lg_formats_mtxt_t *m = read_ok(fixture_path("kind_line.txt"));
  assert_int_equal(m->parcels[0].nrings, 1);
  assert_int_equal(m->parcels[0].rings[0].npts, 3);
  assert_true(isnan(m->parcels[0].area_ha));
  assert_true(isnan(m->parcels[0].planar_m2));
  lg_err_t err = {0};
  assert_null(lg_formats_mtxt_parcel_geom(lg_geo_thread(), m, 0, &err));
  assert_int_equal(err.code, LG_EUNSUPPORTED);
  assert_non_null(strstr(err.msg, "第 6 行"));
  lg_formats_mtxt_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_real_files),   cmocka_unit_test(test_header_fields),
      cmocka_unit_test(test_variants),     cmocka_unit_test(test_layouts),
      cmocka_unit_test(test_hand_shapes),  cmocka_unit_test(test_ellipsoidal_scale),
      cmocka_unit_test(test_bad_inputs),   cmocka_unit_test(test_crs),
      cmocka_unit_test(test_area_warning), cmocka_unit_test(test_write),
      cmocka_unit_test(test_line_kind),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
