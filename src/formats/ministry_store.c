/*
 * Ministry standard coordinate files in and out of the store. Import reads
 * and checks the whole file first (ministry.c), then writes one
 * MULTIPOLYGON layer in one transaction, with each parcel's header fields,
 * its declared area and the areas landgov computes; the file's header goes
 * into the layer's meta JSON so that an export writes it back. Export
 * builds the same model from a polygon layer (in a Gauss-Kruger CRS with
 * zone prefix, reprojecting when the layer is in another CRS) and writes
 * it as GBK with CRLF, what bureau software expects.
 */
#include "formats/formats.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MTXT_FORMAT "部标准坐标文件"

/* ---- Import --------------------------------------------------------------- */

/* Columns of an imported layer, in lg_writer bind order. */
enum { C_PARCEL_NO, C_NAME, C_KIND, C_SHEET, C_USE, C_CLASS, C_DECLARED, C_PLANAR, C_ELL, C_FIXED };

static char *header_meta(const lg_formats_mtxt_t *m, const char *file, int epsg) {
  json_t *hdr = json_array();
  for (size_t i = 0; i < m->nheader; i++)
    json_array_append_new(hdr, json_pack("[s,s]", m->header[i].key, m->header[i].val));
  json_t *warn = json_array();
  for (size_t i = 0; i < m->nwarnings; i++)
    json_array_append_new(warn, json_string(m->warnings[i]));
  bool township = false;
  for (size_t i = 0; i < m->nparcels; i++)
    township |= m->parcels[i].layout == LG_MTXT_LAYOUT_TOWNSHIP;
  json_t *o =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o}", "format", MTXT_FORMAT, "file", file,
                "encoding", m->encoding, "line_end", m->crlf ? "CRLF" : "LF", "layout",
                township ? "township" : "standard", "epsg", epsg, "header", hdr, "warnings", warn);
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(o);
  char *out = lg_strdup(s ? s : "{}");
  free(s);
  return out;
}

/* Fields after the layout's ones, joined back with commas. */
static char *extra_text(const lg_formats_mtxt_parcel_t *p) {
  size_t first, n = lg_formats_mtxt_extra_fields(p, &first);
  if (n == 0) return NULL;
  lg_buf_t b;
  lg_buf_init(&b);
  for (size_t i = 0; i < n; i++)
    lg_buf_printf(&b, "%s%s", i ? "," : "", p->fields[first + i]);
  return lg_buf_steal(&b);
}

int lg_formats_mtxt_import(lg_store_t *s, const char *path, const lg_formats_import_opts_t *o,
                           lg_formats_import_result_t *res, lg_err_t *err) {
  double t0 = lg_mono();
  lg_geo_t *g = lg_geo_thread();
  lg_formats_mtxt_t *m = NULL;
  char *bytes = NULL, *meta = NULL;
  lg_geom_t **geoms = NULL;
  double *planar = NULL, *ell = NULL;
  lg_store_writer_t *w = NULL;
  bool in_tx = false;
  size_t n = 0;
  int rc = 0;
  LG_VEC(lg_field_t) fields = {0};

  if (!o || !o->layer || !*o->layer) {
    rc = lg_err_set(err, LG_EINVAL, "导入坐标文件 %s 需要指定图层名 (--layer)", path);
    goto done;
  }
  if ((rc = lg_file_read(path, &bytes, &n, err))) goto done;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if ((rc = lg_formats_mtxt_parse_enc(base, bytes, n, o->encoding, &m, err))) goto done;
  if (o->max_features > 0 && (int64_t)m->nparcels > o->max_features) {
    rc = lg_err_set(err, LG_ELIMIT, "%s 有 %zu 个地块, 超过上限 %lld", base, m->nparcels,
                    (long long)o->max_features);
    goto done;
  }
  int epsg = 0;
  if ((rc = lg_formats_mtxt_epsg(m, &epsg, err)) != 0) {
    if (o->src_srs <= 0) goto done;
    rc = 0;
    lg_err_clear(err);
    epsg = o->src_srs; /* the file does not say; the user does */
  }
  m->epsg = epsg;
  int to = o->to_srs > 0 ? o->to_srs : epsg;

  /* Every geometry and area before the transaction: a bad parcel stops the
   * import before anything is written. */
  geoms = lg_calloc(m->nparcels, sizeof *geoms);
  planar = lg_calloc(m->nparcels, sizeof *planar);
  ell = lg_calloc(m->nparcels, sizeof *ell);
  bool has_desc = false, has_town = false, has_extra = false;
  for (size_t i = 0; i < m->nparcels; i++) {
    const lg_formats_mtxt_parcel_t *p = &m->parcels[i];
    lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, i, err);
    if (!geom) {
      rc = err && err->code ? err->code : LG_EGEOM;
      goto done;
    }
    planar[i] = lg_geom_area(g, geom);
    rc = lg_geom_area_ellipsoidal(g, geom, epsg, &ell[i], err);
    if (rc == 0 && to != epsg) {
      lg_geom_t *t = lg_geom_transform(g, geom, epsg, to, err);
      lg_geom_free(g, geom);
      geom = t;
      if (!geom) rc = err && err->code ? err->code : LG_ECRS;
    }
    if (rc) {
      lg_geom_free(g, geom);
      lg_err_prefix(err, "%s 第 %d 行的地块: ", base, p->line);
      goto done;
    }
    geoms[i] = lg_geom_to_multi(g, geom);
    lg_geom_set_srid(g, geoms[i], to);
    lg_geom_free(g, geom);
    has_desc |= *lg_formats_mtxt_field(p, LG_MTXT_DESC) != '\0' ||
                p->nfields > (p->layout == LG_MTXT_LAYOUT_TOWNSHIP ? 10u : 8u);
    has_town |= p->layout == LG_MTXT_LAYOUT_TOWNSHIP;
    has_extra |= lg_formats_mtxt_extra_fields(p, NULL) > 0;
  }

  static const lg_field_t fixed[C_FIXED] = {
      {"parcel_no", LG_FIELD_TEXT},     {"name", LG_FIELD_TEXT},
      {"kind", LG_FIELD_TEXT},          {"sheet", LG_FIELD_TEXT},
      {"use", LG_FIELD_TEXT},           {"class_code", LG_FIELD_TEXT},
      {"declared_ha", LG_FIELD_REAL},   {"planar_m2", LG_FIELD_REAL},
      {"ellipsoidal_m2", LG_FIELD_REAL}};
  for (int i = 0; i < C_FIXED; i++)
    lg_vec_push(&fields, fixed[i]);
  int c_desc = -1, c_tcode = -1, c_tname = -1, c_extra = -1;
  if (has_desc) {
    c_desc = (int)fields.len;
    lg_vec_push(&fields, ((lg_field_t){"desc", LG_FIELD_TEXT}));
  }
  if (has_town) {
    c_tcode = (int)fields.len;
    lg_vec_push(&fields, ((lg_field_t){"township_code", LG_FIELD_TEXT}));
    c_tname = (int)fields.len;
    lg_vec_push(&fields, ((lg_field_t){"township_name", LG_FIELD_TEXT}));
  }
  if (has_extra) {
    c_extra = (int)fields.len;
    lg_vec_push(&fields, ((lg_field_t){"extra", LG_FIELD_TEXT}));
  }

  meta = header_meta(m, base, epsg);
  lg_layer_def_t def = {.name = o->layer,
                        .title = o->title,
                        .role = o->role ? o->role : "boundary",
                        .class_field = "class_code",
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = to,
                        .fields = fields.items,
                        .nfields = fields.len,
                        .source = path,
                        .meta = meta};
  if ((rc = lg_store_begin(s, err))) goto done;
  in_tx = true;
  if ((rc = lg_store_layer_create(s, &def, o->replace, err))) goto done;
  if ((rc = lg_store_writer_new(s, o->layer, &w, err))) goto done;
  for (size_t i = 0; i < m->nparcels; i++) {
    const lg_formats_mtxt_parcel_t *p = &m->parcels[i];
    static const int role_of[] = {LG_MTXT_PARCEL_NO, LG_MTXT_NAME, LG_MTXT_KIND,
                                  LG_MTXT_SHEET,     LG_MTXT_USE,  LG_MTXT_CLASS_CODE};
    for (int c = 0; c < (int)LG_ARRAY_LEN(role_of); c++)
      lg_store_writer_text(w, c, lg_formats_mtxt_field(p, role_of[c]));
    if (isfinite(p->area_ha))
      lg_store_writer_real(w, C_DECLARED, p->area_ha);
    else
      lg_store_writer_null(w, C_DECLARED);
    lg_store_writer_real(w, C_PLANAR, planar[i]);
    lg_store_writer_real(w, C_ELL, ell[i]);
    if (c_desc >= 0) lg_store_writer_text(w, c_desc, lg_formats_mtxt_field(p, LG_MTXT_DESC));
    if (c_tcode >= 0)
      lg_store_writer_text(w, c_tcode, lg_formats_mtxt_field(p, LG_MTXT_TOWNSHIP_CODE));
    if (c_tname >= 0)
      lg_store_writer_text(w, c_tname, lg_formats_mtxt_field(p, LG_MTXT_TOWNSHIP_NAME));
    if (c_extra >= 0) {
      char *x = extra_text(p);
      lg_store_writer_text(w, c_extra, x);
      lg_free(x);
    }
    if ((rc = lg_store_writer_add(w, g, geoms[i], NULL, err))) {
      lg_err_prefix(err, "%s 第 %d 行的地块: ", base, p->line);
      goto done;
    }
  }
  if ((rc = lg_store_writer_finish(w, err))) goto done;
  lg_store_writer_free(w);
  w = NULL;
  if ((rc = lg_store_commit(s, err))) {
    in_tx = false; /* commit rolled back already */
    goto done;
  }
  in_tx = false;
  if (res) {
    memset(res, 0, sizeof *res);
    res->count = (int64_t)m->nparcels;
    res->srs_id = to;
    snprintf(res->layer, sizeof res->layer, "%s", o->layer);
    snprintf(res->geom_type, sizeof res->geom_type, "MULTIPOLYGON");
    snprintf(res->class_field, sizeof res->class_field, "class_code");
    snprintf(res->encoding, sizeof res->encoding, "%s", m->encoding);
    snprintf(res->format, sizeof res->format, MTXT_FORMAT);
    res->seconds = lg_mono() - t0;
  }

done:
  lg_store_writer_free(w);
  if (in_tx) lg_store_rollback(s);
  if (geoms)
    for (size_t i = 0; i < m->nparcels; i++)
      lg_geom_free(g, geoms[i]);
  lg_free(geoms);
  lg_free(planar);
  lg_free(ell);
  lg_free(fields.items);
  lg_free(meta);
  lg_free(bytes);
  lg_formats_mtxt_free(m);
  return rc;
}

/* ---- Export --------------------------------------------------------------- */

/* Column names looked for, per header field, in layers that did not come
 * from a Ministry file: landgov's own first, then the Third Land Survey's
 * and common project-boundary names. */
static const char *const aliases[LG_MTXT_NROLES][5] = {
    [LG_MTXT_TOWNSHIP_CODE] = {"township_code", "XZDM", "XZQDM"},
    [LG_MTXT_TOWNSHIP_NAME] = {"township_name", "XZMC", "XZQMC"},
    [LG_MTXT_PARCEL_NO] = {"parcel_no", "DKBH", "BH"},
    [LG_MTXT_NAME] = {"name", "DKMC", "XMMC", "MC"},
    [LG_MTXT_KIND] = {"kind"},
    [LG_MTXT_SHEET] = {"sheet", "TFH"},
    [LG_MTXT_USE] = {"use", "DKYT", "YT"},
    [LG_MTXT_CLASS_CODE] = {"class_code", "DLBM"},
    [LG_MTXT_DESC] = {"desc", "MS"},
};

static void kv_set(lg_formats_mtxt_t *m, const char *key, const char *val) {
  for (size_t i = 0; i < m->nheader; i++)
    if (strcmp(m->header[i].key, key) == 0) {
      lg_free(m->header[i].val);
      m->header[i].val = lg_strdup(val);
      return;
    }
  m->header = lg_realloc(m->header, (m->nheader + 1) * sizeof *m->header);
  m->header[m->nheader++] = (lg_formats_mtxt_kv_t){lg_strdup(key), lg_strdup(val), 0};
}

/* A value fit for a comma-separated header: commas would shift the fields
 * after them, line breaks would end the line. */
static char *field_text(const char *v) {
  lg_buf_t b;
  lg_buf_init(&b);
  for (const char *p = v ? v : ""; *p; p++) {
    if (*p == ',')
      lg_buf_puts(&b, "、");
    else if (*p == '\r' || *p == '\n')
      lg_buf_putc(&b, ' ');
    else
      lg_buf_putc(&b, *p);
  }
  if (!b.data) lg_buf_append(&b, "", 0);
  char *s = lg_buf_steal(&b);
  lg_trim(s);
  if (strcmp(s, "@") == 0) s[0] = '\0';
  return s;
}

/* Reading rings from WKB (the header by geo's one decoder, so Z and M
 * ordinates, ISO or EWKB, are stepped over, not read as the next x): the
 * export needs the coordinates in order, which geo/ hands out as WKB. */
typedef struct {
  const unsigned char *p, *end;
} wkb_rd_t;

static int rd_u32(wkb_rd_t *r, bool le, uint32_t *v) {
  if (r->end - r->p < 4) return -1;
  *v = lg_wkb_u32(r->p, le);
  r->p += 4;
  return 0;
}

/* Appends the rings of one WKB Polygon to p, naming points J<*next>... */
static int wkb_polygon(wkb_rd_t *r, lg_formats_mtxt_parcel_t *p, int *next) {
  lg_wkb_head_t h;
  uint32_t nr;
  if (lg_wkb_head(&r->p, r->end, &h) != 0 || h.type != 3 || rd_u32(r, h.le, &nr)) return -1;
  size_t stride = 8 * (size_t)h.dims;
  for (uint32_t k = 0; k < nr; k++) {
    uint32_t np;
    if (rd_u32(r, h.le, &np) || np < 4 || (size_t)(r->end - r->p) / stride < np) return -1;
    lg_formats_mtxt_ring_t ring = {(int)p->nrings + 1,
                                   lg_calloc(np, sizeof(lg_formats_mtxt_point_t)), np};
    int first = *next;
    for (uint32_t i = 0; i < np; i++, r->p += stride) {
      lg_formats_mtxt_point_t *q = &ring.pts[i];
      q->x = lg_wkb_f64(r->p, h.le);
      q->y = lg_wkb_f64(r->p + 8, h.le);
      q->ring_no = ring.ring_no;
      q->name = lg_sprintf("J%d", i + 1 == np ? first : (*next)++);
    }
    p->rings = lg_realloc(p->rings, (p->nrings + 1) * sizeof *p->rings);
    p->rings[p->nrings++] = ring;
  }
  return 0;
}

static int wkb_rings(const unsigned char *wkb, size_t n, lg_formats_mtxt_parcel_t *p) {
  wkb_rd_t r = {wkb, wkb + n};
  int next = 1;
  const unsigned char *peek = wkb;
  lg_wkb_head_t h;
  if (lg_wkb_head(&peek, wkb + n, &h) != 0) return -1;
  if (h.type == 3) return wkb_polygon(&r, p, &next);
  if (h.type != 6) return -1;
  uint32_t np;
  r.p = peek;
  if (rd_u32(&r, h.le, &np)) return -1;
  for (uint32_t i = 0; i < np; i++)
    if (wkb_polygon(&r, p, &next)) return -1;
  return 0;
}

/* Today's date as the file writes it ("2019-4-19"), in China Standard Time. */
static void date_cn(char out[32]) {
  time_t t = (time_t)lg_now() + 8 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(out, 32, "%d-%d-%d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The CRS the file will be in: to_srs when given, the layer's own when it
 * is a Gauss-Kruger CRS with zone prefix, its prefixed twin when it is one
 * without (the same projection shifted by zone x 1,000,000), otherwise the
 * prefixed CGCS2000 3-degree zone of the layer's centre longitude. */
static int choose_epsg(lg_geo_t *g, const lg_layer_info_t *info, int to_srs, int *out,
                       lg_err_t *err) {
  int datum, width, zone;
  bool pre;
  if (to_srs > 0) {
    int rc = lg_formats_mtxt_crs_of_epsg(to_srs, &datum, &width, &zone, &pre, err);
    if (rc == 0) *out = to_srs;
    return rc;
  }
  if (lg_formats_mtxt_crs_of_epsg(info->srs_id, &datum, &width, &zone, &pre, NULL) == 0)
    return lg_formats_mtxt_epsg_of(datum, width, zone, true, out, err);
  double x = (info->extent.minx + info->extent.maxx) / 2;
  double y = (info->extent.miny + info->extent.maxy) / 2;
  int rc = lg_xy_transform(g, info->srs_id, 4490, &x, &y, 1, err);
  if (rc) return rc;
  int epsg;
  if (lg_gk_zone_from_lon(x, &zone, &epsg, NULL) != 0)
    return lg_err_set(err, LG_ECRS, "图层 %s 的中心经度 %.3f 不在中国的 3 度带 (25-45 带) 内",
                      info->name, x);
  *out = epsg;
  return 0;
}

int lg_formats_mtxt_from_layer(lg_store_t *s, const char *layer, int to_srs,
                               lg_formats_mtxt_t **out, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_layer_info_t info = {0};
  lg_store_reader_t *rd = NULL;
  lg_formats_mtxt_t *m = NULL;
  json_t *meta = NULL;
  lg_geom_t *geom = NULL, *tgeom = NULL;
  unsigned char *wkb = NULL;
  int rc;
  *out = NULL;

  if ((rc = lg_store_layer_get(s, layer, &info, err))) return rc;
  int epsg = 0;
  if ((rc = choose_epsg(g, &info, to_srs, &epsg, err))) goto done;
  int datum, width, zone;
  bool pre;
  lg_formats_mtxt_crs_of_epsg(epsg, &datum, &width, &zone, &pre, NULL);

  m = lg_calloc(1, sizeof *m);
  m->source = lg_strdup(info.name);
  snprintf(m->encoding, sizeof m->encoding, "GBK");
  m->crlf = true;
  m->datum = datum;
  m->zone = zone;
  m->zone_width = width;
  m->prefixed = pre;
  m->epsg = epsg;
  m->precision = 0.001;
  m->decimals = 3;
  for (int i = 0; i < 7; i++)
    m->transform[i] = NAN;

  int layout = LG_MTXT_LAYOUT_STANDARD;
  if (info.meta) meta = json_loads(info.meta, 0, NULL);
  const char *fmt = json_string_value(json_object_get(meta, "format"));
  json_t *hdr = json_object_get(meta, "header");
  if (fmt && strcmp(fmt, MTXT_FORMAT) == 0 && json_is_array(hdr)) {
    size_t i;
    json_t *kv;
    json_array_foreach(hdr, i, kv) {
      const char *k = json_string_value(json_array_get(kv, 0));
      const char *v = json_string_value(json_array_get(kv, 1));
      if (k) kv_set(m, k, v ? v : "");
    }
    const char *lay = json_string_value(json_object_get(meta, "layout"));
    if (lay && strcmp(lay, "township") == 0) layout = LG_MTXT_LAYOUT_TOWNSHIP;
  } else {
    char today[32], z[16];
    date_cn(today);
    snprintf(z, sizeof z, "%d", zone);
    kv_set(m, "格式版本号", "1.01版本");
    kv_set(m, "数据产生单位", "");
    kv_set(m, "数据产生日期", today);
    kv_set(m, "坐标系", "");
    kv_set(m, "几度分带", "");
    kv_set(m, "投影类型", "高斯克吕格");
    kv_set(m, "计量单位", "米");
    kv_set(m, "带号", z);
    kv_set(m, "精度", "0.001");
    kv_set(m, "转换参数", ",,,,,,");
  }
  /* The CRS lines say what the coordinates are, whatever the source said;
   * a 坐标系 text naming the same datum is kept as its author wrote it. */
  const char *crs = lg_formats_mtxt_header_get(m, "坐标系");
  if (lg_formats_mtxt_datum_of(crs) != datum)
    kv_set(m, "坐标系", lg_formats_mtxt_datum_name(datum));
  char num[16];
  snprintf(num, sizeof num, "%d", width);
  kv_set(m, "几度分带", num);
  snprintf(num, sizeof num, "%d", zone);
  kv_set(m, "带号", num);
  const char *prec = lg_formats_mtxt_header_get(m, "精度");
  char *pend;
  double pv = prec ? strtod(prec, &pend) : 0;
  if (prec && *prec && !*pend && pv > 0) {
    if (pv >= 1 && pv <= 6 && pv == floor(pv))
      m->precision = pow(10, -pv); /* "精度=3" */
    else if (pv < 1)
      m->precision = pv;
    m->decimals = (int)LG_MAX(0, ceil(-log10(m->precision) - 1e-9));
  }

  if ((rc = lg_store_reader_new(s, info.name, NULL, &rd, err))) goto done;
  int col[LG_MTXT_NROLES];
  for (int r = 0; r < LG_MTXT_NROLES; r++) {
    col[r] = -1;
    for (int a = 0; a < 5 && aliases[r][a] && col[r] < 0; a++)
      col[r] = lg_store_reader_field_index(rd, aliases[r][a]);
  }
  if (col[LG_MTXT_CLASS_CODE] < 0 && info.class_field[0])
    col[LG_MTXT_CLASS_CODE] = lg_store_reader_field_index(rd, info.class_field);
  int col_extra = lg_store_reader_field_index(rd, "extra");
  int col_declared = lg_store_reader_field_index(rd, "declared_ha");
  int nf = layout == LG_MTXT_LAYOUT_TOWNSHIP ? 10 : 8;
  if (col[LG_MTXT_DESC] >= 0) nf++;
  static const int pos[2][LG_MTXT_NROLES] = {{0, 1, -1, -1, 2, 3, 4, 5, 6, 7, 8},
                                             {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
  while ((rc = lg_store_reader_next(rd, err)) == 1) {
    int64_t fid = lg_store_reader_fid(rd);
    size_t bn = 0;
    const void *blob = lg_store_reader_blob(rd, &bn);
    if (!blob) {
      rc = lg_err_set(err, LG_EINVAL, "图层 %s 的要素 %lld 没有几何, 无法写入坐标文件", info.name,
                      (long long)fid);
      goto done;
    }
    if (!(geom = lg_geom_from_gpkg(g, blob, bn, err))) {
      rc = LG_EGEOM;
      goto done;
    }
    const char *gt = lg_geom_type(g, geom);
    if (strcmp(gt, "Polygon") != 0 && strcmp(gt, "MultiPolygon") != 0) {
      rc = lg_err_set(err, LG_EUNSUPPORTED,
                      "图层 %s 的要素 %lld 是 %s; 部标准坐标文件只能写出面 (Polygon)", info.name,
                      (long long)fid, gt);
      goto done;
    }
    if (lg_geom_is_empty(g, geom)) {
      rc = lg_err_set(err, LG_EINVAL, "图层 %s 的要素 %lld 几何为空", info.name, (long long)fid);
      goto done;
    }
    if (!(tgeom = lg_geom_transform(g, geom, info.srs_id, epsg, err))) {
      rc = err && err->code ? err->code : LG_ECRS;
      goto done;
    }
    lg_formats_mtxt_parcel_t p = {0};
    p.layout = layout;
    p.nfields = (size_t)nf;
    p.fields = lg_calloc(p.nfields, sizeof *p.fields);
    p.planar_m2 = lg_geom_area(g, tgeom);
    p.area_ha = round(p.planar_m2 / 10000.0 * 1e4) / 1e4;
    /* The surveyor's declared figure stands while the geometry agrees with
     * it: a file imported and exported unchanged keeps its 地块面积. */
    if (col_declared >= 0 && lg_store_reader_field_type(rd, col_declared) != 5 /* LG_COL_NULL */) {
      double d = lg_store_reader_real(rd, col_declared);
      if (fabs(p.planar_m2 / 10000.0 - d) <= LG_MTXT_AREA_TOL_HA + 1e-9) p.area_ha = d;
    }
    for (int r = 0; r < LG_MTXT_NROLES; r++) {
      int at = pos[layout][r];
      if (at < 0 || at >= nf) continue;
      if (r == LG_MTXT_NPOINTS) continue; /* the writer counts */
      if (r == LG_MTXT_AREA)
        p.fields[at] = lg_sprintf("%.4f", p.area_ha);
      else if (col[r] >= 0)
        p.fields[at] = field_text(lg_store_reader_text(rd, col[r]));
      else if (r == LG_MTXT_PARCEL_NO)
        p.fields[at] = lg_sprintf("%zu", m->nparcels + 1);
      else if (r == LG_MTXT_KIND)
        p.fields[at] = lg_strdup("面");
    }
    for (int at = 0; at < nf; at++)
      if (!p.fields[at]) p.fields[at] = lg_strdup("");
    if (!*p.fields[pos[layout][LG_MTXT_KIND]]) {
      lg_free(p.fields[pos[layout][LG_MTXT_KIND]]);
      p.fields[pos[layout][LG_MTXT_KIND]] = lg_strdup("面");
    }
    if (col_extra >= 0 && lg_store_reader_text(rd, col_extra) &&
        *lg_store_reader_text(rd, col_extra)) {
      char *x = lg_strdup(lg_store_reader_text(rd, col_extra));
      char *save = NULL;
      for (char *t = strtok_r(x, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        p.fields = lg_realloc(p.fields, (p.nfields + 1) * sizeof *p.fields);
        p.fields[p.nfields++] = lg_strdup(t);
      }
      lg_free(x);
    }
    size_t wn = 0;
    wkb = lg_geom_to_wkb(g, tgeom, &wn);
    int wr = wkb ? wkb_rings(wkb, wn, &p) : -1;
    m->parcels = lg_realloc(m->parcels, (m->nparcels + 1) * sizeof *m->parcels);
    m->parcels[m->nparcels++] = p;
    long total = 0;
    for (size_t r = 0; r < p.nrings; r++)
      total += (long)p.rings[r].npts;
    m->parcels[m->nparcels - 1].npoints = total;
    snprintf(num, sizeof num, "%ld", total);
    lg_free(m->parcels[m->nparcels - 1].fields[0]);
    m->parcels[m->nparcels - 1].fields[0] = lg_strdup(num);
    lg_free(wkb);
    wkb = NULL;
    lg_geom_free(g, geom);
    lg_geom_free(g, tgeom);
    geom = tgeom = NULL;
    if (wr != 0) {
      rc = lg_err_set(err, LG_EGEOM, "图层 %s 的要素 %lld 的几何无法读出环", info.name,
                      (long long)fid);
      goto done;
    }
  }
  if (rc < 0) goto done;
  rc = 0;
  if (m->nparcels == 0) {
    rc = lg_err_set(err, LG_EINVAL, "图层 %s 没有要素, 无法写出坐标文件", info.name);
    goto done;
  }
  *out = m;
  m = NULL;

done:
  lg_free(wkb);
  lg_geom_free(g, geom);
  lg_geom_free(g, tgeom);
  lg_store_reader_free(rd);
  json_decref(meta);
  lg_formats_mtxt_free(m);
  lg_store_layer_info_fini(&info);
  return rc;
}

int lg_formats_mtxt_export(lg_store_t *s, const char *layer, const char *path,
                           const lg_formats_export_opts_t *o, lg_err_t *err) {
  lg_formats_mtxt_t *m = NULL;
  char *text = NULL;
  size_t n = 0;
  int rc = lg_formats_mtxt_from_layer(s, layer, o ? o->to_srs : 0, &m, err);
  if (rc == 0) rc = lg_formats_mtxt_write(m, "GBK", true, &text, &n, err);
  if (rc == 0) rc = lg_file_write(path, text, n, err);
  lg_free(text);
  lg_formats_mtxt_free(m);
  return rc;
}
