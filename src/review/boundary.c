/*
 * Boundaries to check: reading a project's boundary from whatever the
 * applicant sends, without importing it as a layer. A Ministry coordinate
 * file (through formats/), GeoJSON (with its "crs" member honoured, else
 * EPSG:4326 as RFC 7946 says), WKT (with "SRID=n;" or a given CRS), or any
 * source GDAL/OGR opens (Shapefile, GeoPackage, KML...). Several parcels
 * or features become one polygonal collection, one part per parcel, and
 * the Ministry file's point names are kept per ring so that validation
 * messages can say "J7" instead of "point 7".
 */
#include "review/review_int.h"

#include "formats/formats.h"
#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/formats.h"

void lg_review_boundary_init(lg_boundary_t *b) { memset(b, 0, sizeof *b); }

void lg_review_boundary_fini(lg_boundary_t *b) {
  if (!b) return;
  if (b->geom) lg_geom_free(lg_geo_thread(), b->geom);
  for (size_t i = 0; i < b->names.len; i++) {
    for (size_t j = 0; j < b->names.items[i].n; j++)
      lg_free(b->names.items[i].names[j]);
    lg_free(b->names.items[i].names);
  }
  lg_free(b->names.items);
  memset(b, 0, sizeof *b);
}

typedef LG_VEC(lg_geom_t *) geom_vec_t;

/* Appends the polygons of geom (copies) to parts; lines and points are
 * not land areas and are left out. */
static void collect_parts(lg_geo_t *g, const lg_geom_t *geom, geom_vec_t *parts) {
  lg_geom_t *m = lg_geom_polygonal(g, geom);
  if (!m) return;
  int n = lg_geom_nparts(g, m);
  for (int i = 0; i < n; i++) {
    lg_geom_t *p = lg_geom_part(g, m, i);
    if (p) lg_vec_push(parts, p);
  }
  lg_geom_free(g, m);
}

/* Sets b->geom from parts: one Polygon, or a MultiPolygon of the parcels
 * (not dissolved here: validation looks at each parcel, the check
 * dissolves them). */
static int set_parts(lg_geo_t *g, lg_boundary_t *b, lg_geom_t **parts, size_t n, int srs,
                     lg_err_t *err) {
  if (n == 0) return lg_err_set(err, LG_EINVAL, "%s: 没有面状地块 (项目用地范围须为面)", b->source);
  lg_geom_t *geom = n == 1 ? parts[0] : lg_geom_collect(g, parts, n);
  lg_geom_set_srid(g, geom, srs);
  b->geom = geom;
  b->srs_id = srs;
  return 0;
}

int lg_review_boundary_from_geom(lg_geom_t *geom, int srs_id, const char *source,
                                 lg_boundary_t *out, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_review_boundary_init(out);
  snprintf(out->source, sizeof out->source, "%s", source ? source : "");
  snprintf(out->format, sizeof out->format, "geometry");
  geom_vec_t parts = {0};
  collect_parts(g, geom, &parts);
  lg_geom_free(g, geom);
  out->parcels = (int)parts.len;
  int rc = set_parts(g, out, parts.items, parts.len, srs_id, err);
  if (rc) {
    for (size_t i = 0; i < parts.len; i++)
      lg_geom_free(g, parts.items[i]);
  }
  lg_free(parts.items);
  return rc;
}

/* ---- Point names of a Ministry file ------------------------------------- */

typedef struct named_pt {
  double x, y;
  const char *name;
  size_t order; /* position in the file: repeated coordinates keep their order */
  bool used;
} named_pt_t;

static int cmp_named(const void *a, const void *b) {
  const named_pt_t *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return p->order < q->order ? -1 : p->order > q->order;
}

/* The first not yet used name at (x, y); a point written twice (a
 * duplicate) gets its two names in file order. The closing repeat of a
 * ring may reuse the name. */
static const char *take_name(named_pt_t *pts, size_t n, double x, double y) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (pts[mid].x < x || (pts[mid].x == x && pts[mid].y < y))
      lo = mid + 1;
    else
      hi = mid;
  }
  const char *last = NULL;
  for (size_t i = lo; i < n && pts[i].x == x && pts[i].y == y; i++) {
    last = pts[i].name;
    if (!pts[i].used) {
      pts[i].used = true;
      return pts[i].name;
    }
  }
  return last;
}

/* The parcel geometry may order its rings by containment rather than by
 * number, so names are found again by coordinates. */
static void attach_names(lg_geo_t *g, lg_boundary_t *b, named_pt_t *pts, size_t npts) {
  lg_ring_t *rings = NULL;
  size_t nr = 0;
  if (lg_geom_rings(g, b->geom, &rings, &nr, NULL) != 0) return;
  for (size_t r = 0; r < nr; r++) {
    lg_ring_names_t rn = {rings[r].n, lg_calloc(rings[r].n ? rings[r].n : 1, sizeof(char *))};
    for (size_t i = 0; i < rings[r].n; i++) {
      const char *nm = take_name(pts, npts, rings[r].xy[2 * i], rings[r].xy[2 * i + 1]);
      rn.names[i] = lg_strdup(nm ? nm : "");
    }
    lg_vec_push(&b->names, rn);
  }
  lg_rings_free(rings, nr);
}

static int from_mtxt(lg_formats_mtxt_t *m, const lg_boundary_opts_t *o, lg_boundary_t *b,
                     lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  int epsg = 0;
  int rc = lg_formats_mtxt_epsg(m, &epsg, err);
  if (rc) return rc;
  snprintf(b->format, sizeof b->format, "部标准坐标文件");
  if (o && o->parcel > 0 && (size_t)o->parcel > m->nparcels)
    return lg_err_set(err, LG_EINVAL, "%s 只有 %zu 个地块, 没有第 %d 个", b->source, m->nparcels,
                      o->parcel);
  geom_vec_t parts = {0};
  LG_VEC(named_pt_t) pts = {0};
  for (size_t i = 0; i < m->nparcels; i++) {
    if (o && o->parcel > 0 && (size_t)o->parcel != i + 1) continue;
    const lg_formats_mtxt_parcel_t *p = &m->parcels[i];
    const char *kind = lg_formats_mtxt_field(p, LG_MTXT_KIND);
    if (*kind && strcmp(kind, "面") != 0) continue; /* 线/点 parcels are not land areas */
    lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, i, err);
    if (!geom) {
      rc = err ? err->code : LG_EGEOM;
      lg_err_prefix(err, "%s 第 %zu 个地块 (第 %d 行): ", b->source, i + 1, p->line);
      break;
    }
    collect_parts(g, geom, &parts);
    lg_geom_free(g, geom);
    for (size_t r = 0; r < p->nrings; r++)
      for (size_t k = 0; k < p->rings[r].npts; k++) {
        named_pt_t np = {p->rings[r].pts[k].x, p->rings[r].pts[k].y, p->rings[r].pts[k].name,
                         pts.len, false};
        lg_vec_push(&pts, np);
      }
    if (!b->name[0])
      snprintf(b->name, sizeof b->name, "%s", lg_formats_mtxt_field(p, LG_MTXT_NAME));
    if (!b->use[0]) {
      const char *use = lg_formats_mtxt_field(p, LG_MTXT_USE);
      snprintf(b->use, sizeof b->use, "%s",
               *use ? use : lg_formats_mtxt_field(p, LG_MTXT_CLASS_CODE));
    }
    if (p->area_ha == p->area_ha) b->declared_ha += p->area_ha; /* NAN when empty */
    b->parcels++;
  }
  if (rc == 0) rc = set_parts(g, b, parts.items, parts.len, epsg, err);
  if (rc) {
    for (size_t i = 0; i < parts.len; i++)
      lg_geom_free(g, parts.items[i]);
  } else if (pts.len) {
    qsort(pts.items, pts.len, sizeof *pts.items, cmp_named);
    attach_names(g, b, pts.items, pts.len);
  }
  lg_free(parts.items);
  lg_free(pts.items);
  return rc;
}

/* ---- GeoJSON and WKT ---------------------------------------------------- */

/* EPSG code from a GeoJSON "crs" member (the 2008 spec's named CRS, which
 * GDAL and QGIS still write): "EPSG:4526", "urn:ogc:def:crs:EPSG::4526",
 * or OGC CRS84 (= 4326). 0 when absent. */
/* The end of every text source: the parsed geometry's polygons become
 * the boundary's parcels (geom may be NULL: the parser's error, prefixed
 * with the source's name). Takes ownership of geom. */
static int take_geom(lg_geo_t *g, lg_boundary_t *b, lg_geom_t *geom, int srs, const char *format,
                     lg_err_t *err) {
  if (!geom) {
    lg_err_prefix(err, "%s: ", b->source);
    return err ? err->code : LG_EINVAL;
  }
  snprintf(b->format, sizeof b->format, "%s", format);
  geom_vec_t parts = {0};
  collect_parts(g, geom, &parts);
  lg_geom_free(g, geom);
  b->parcels = (int)parts.len;
  int rc = set_parts(g, b, parts.items, parts.len, srs, err);
  if (rc)
    for (size_t i = 0; i < parts.len; i++)
      lg_geom_free(g, parts.items[i]);
  lg_free(parts.items);
  return rc;
}

static int geojson_crs(const json_t *doc) {
  const json_t *crs = json_object_get(doc, "crs");
  const char *name = json_string_value(json_object_get(json_object_get(crs, "properties"), "name"));
  if (!name) return 0;
  if (strstr(name, "CRS84")) return 4326;
  const char *p = strstr(name, "EPSG");
  if (!p) return -1;
  p += 4;
  while (*p == ':')
    p++;
  return atoi(p) > 0 ? atoi(p) : -1;
}

/* Every position (RFC 7946 3.1.1) of a coordinates array nested `depth`
 * levels above its positions has at least two numbers. GEOS 3.11's
 * GeoJSON reader reads x and y of a position without looking at its
 * length, and crashes the process on "[]" or "[1]" (found by
 * fuzz/fuzz_boundary): such input must never reach it. */
static bool positions_ok(const json_t *c, int depth) {
  if (!json_is_array(c)) return true; /* GEOS refuses it without harm */
  size_t i;
  const json_t *x;
  if (depth == 0) {
    if (json_array_size(c) < 2) return false;
    json_array_foreach(c, i, x) if (!json_is_number(x)) return false;
    return true;
  }
  json_array_foreach(c, i, x) if (!positions_ok(x, depth - 1)) return false;
  return true;
}

/* The same over a geometry, Feature or FeatureCollection; *bad names the
 * geometry type at fault. */
static bool geojson_positions_ok(const json_t *v, const char **bad) {
  static const struct {
    const char *type;
    int depth;
  } types[] = {{"Point", 0},           {"MultiPoint", 1}, {"LineString", 1},
               {"MultiLineString", 2}, {"Polygon", 2},    {"MultiPolygon", 3}};
  const char *type = json_string_value(json_object_get(v, "type"));
  if (!type) return true;
  size_t i;
  if (strcmp(type, "FeatureCollection") == 0) {
    const json_t *fs = json_object_get(v, "features");
    for (i = 0; i < json_array_size(fs); i++)
      if (!geojson_positions_ok(json_array_get(fs, i), bad)) return false;
    return true;
  }
  if (strcmp(type, "Feature") == 0)
    return geojson_positions_ok(json_object_get(v, "geometry"), bad);
  if (strcmp(type, "GeometryCollection") == 0) {
    const json_t *gs = json_object_get(v, "geometries");
    for (i = 0; i < json_array_size(gs); i++)
      if (!geojson_positions_ok(json_array_get(gs, i), bad)) return false;
    return true;
  }
  for (i = 0; i < LG_ARRAY_LEN(types); i++)
    if (strcmp(type, types[i].type) == 0 &&
        !positions_ok(json_object_get(v, "coordinates"), types[i].depth)) {
      *bad = types[i].type;
      return false;
    }
  return true;
}

static int from_geojson(const char *text, const lg_boundary_opts_t *o, lg_boundary_t *b,
                        lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  json_error_t je;
  json_t *doc = json_loads(text, 0, &je);
  if (!doc) {
    lg_err_set(err, LG_EINVAL, "%s 不是有效的 GeoJSON: %s", b->source, je.text);
    lg_err_where(err, "第 %d 行第 %d 列", je.line, je.column);
    return LG_EINVAL;
  }
  int srs = geojson_crs(doc);
  const json_t *feats = json_object_get(doc, "features");
  if (json_is_array(feats) && srs == 0 && json_array_size(feats) > 0)
    srs = geojson_crs(json_array_get(feats, 0));
  const char *name = json_string_value(json_object_get(json_object_get(doc, "properties"), "name"));
  if (!name) name = json_string_value(json_object_get(doc, "name"));
  if (name) snprintf(b->name, sizeof b->name, "%s", name);
  const char *bad = NULL;
  bool positions = geojson_positions_ok(doc, &bad);
  json_decref(doc);
  if (!positions)
    return lg_err_set(err, LG_EINVAL, "%s 的 %s 中有坐标不是 [x, y] 形式 (少于两个数, 或不是数)",
                      b->source, bad);
  if (srs < 0) {
    return lg_err_set(err, LG_ECRS, "%s 的 crs 成员无法识别; 请写成 \"EPSG:4526\" 形式", b->source);
  }
  if (srs == 0) srs = o && o->srs_id > 0 ? o->srs_id : 4326;
  return take_geom(g, b, lg_geom_from_geojson(g, text, err), srs, "GeoJSON", err);
}

static int from_wkt(const char *text, const lg_boundary_opts_t *o, lg_boundary_t *b,
                    lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  int srs = o && o->srs_id > 0 ? o->srs_id : 0;
  while (isspace((unsigned char)*text))
    text++;
  if (strncasecmp(text, "SRID=", 5) == 0) { /* EWKT, as PostGIS writes it */
    srs = atoi(text + 5);
    const char *semi = strchr(text, ';');
    if (!semi) return lg_err_set(err, LG_EINVAL, "%s: EWKT 的 SRID=...; 前缀不完整", b->source);
    text = semi + 1;
  }
  if (srs <= 0)
    return lg_err_set(err, LG_ECRS, "%s: WKT 不带坐标系; 请用 --srs 指定 EPSG 代码 (如 4526)",
                      b->source);
  return take_geom(g, b, lg_geom_from_wkt(g, text, err), srs, "WKT", err);
}

/* ---- Files GDAL reads (through src/formats) -------------------------------- */

typedef struct ogr_ctx {
  lg_geo_t *g;
  const lg_boundary_opts_t *o;
  lg_boundary_t *b;
  geom_vec_t parts;
  const char *path;
} ogr_ctx_t;

static int take_feature(void *ud, int idx, const unsigned char *wkb, size_t n, lg_err_t *err) {
  ogr_ctx_t *c = ud;
  if (c->o && c->o->parcel > 0 && c->o->parcel != idx) return 0;
  lg_geom_t *geom = lg_geom_from_wkb(c->g, wkb, n, err);
  if (!geom) {
    lg_err_prefix(err, "%s 第 %d 个要素: ", c->path, idx);
    return LG_EGEOM;
  }
  size_t before = c->parts.len;
  collect_parts(c->g, geom, &c->parts);
  lg_geom_free(c->g, geom);
  if (c->parts.len > before) c->b->parcels++;
  return 0;
}

/* The features read (from a file, or a zip in memory) become the
 * boundary's parts. */
static int from_formats_path(const char *path, const lg_boundary_opts_t *o, lg_boundary_t *b,
                             lg_err_t *err);

static int from_formats(const char *path, const void *zip, size_t zn, const lg_boundary_opts_t *o,
                        lg_boundary_t *b, lg_err_t *err) {
  ogr_ctx_t c = {.g = lg_geo_thread(), .o = o, .b = b, .path = path};
  int srs = 0;
  /* The file's own CRS first; the one given (--srs, the form's) only when
   * the file says nothing usable. */
  int rc = zip ? lg_formats_read_zip_geoms(zip, zn, path, 0, &srs, b->format, take_feature, &c, err)
               : lg_formats_read_geoms(path, 0, &srs, b->format, take_feature, &c, err);
  if (rc == LG_ECRS && o && o->srs_id > 0) {
    for (size_t i = 0; i < c.parts.len; i++)
      lg_geom_free(c.g, c.parts.items[i]);
    c.parts.len = 0;
    b->parcels = 0;
    lg_err_clear(err);
    rc = zip ? lg_formats_read_zip_geoms(zip, zn, path, o->srs_id, &srs, b->format, take_feature,
                                         &c, err)
             : lg_formats_read_geoms(path, o->srs_id, &srs, b->format, take_feature, &c, err);
  }
  if (rc == 0) rc = set_parts(c.g, b, c.parts.items, c.parts.len, srs, err);
  if (rc == 0) c.parts.len = 0;
  for (size_t i = 0; i < c.parts.len; i++)
    lg_geom_free(c.g, c.parts.items[i]);
  lg_free(c.parts.items);
  return rc;
}

static int from_formats_path(const char *path, const lg_boundary_opts_t *o, lg_boundary_t *b,
                             lg_err_t *err) {
  return from_formats(path, NULL, 0, o, b, err);
}

/* ---- Entry points -------------------------------------------------------- */

static const char *skip_bom_ws(const char *s, size_t n, size_t *left) {
  if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
      (unsigned char)s[2] == 0xBF) {
    s += 3;
    n -= 3;
  }
  while (n > 0 && isspace((unsigned char)*s))
    s++, n--;
  *left = n;
  return s;
}

/* s holds n bytes, not NUL-terminated (an upload's part). */
static bool looks_wkt(const char *s, size_t n) {
  static const char *const kw[] = {"SRID=", "POLYGON", "MULTIPOLYGON", "GEOMETRYCOLLECTION"};
  for (size_t i = 0; i < LG_ARRAY_LEN(kw); i++)
    if (n >= strlen(kw[i]) && strncasecmp(s, kw[i], strlen(kw[i])) == 0) return true;
  return false;
}

/* The vertex limit, checked once the boundary is built: every later step
 * (validation, overlays) costs more than reading it did. */
static int vertex_limit(const lg_boundary_opts_t *o, const lg_boundary_t *b, lg_err_t *err) {
  if (!o || o->max_vertices <= 0 || !b->geom) return 0;
  int n = lg_geom_npoints(lg_geo_thread(), b->geom);
  if (n <= o->max_vertices) return 0;
  lg_err_set(err, LG_ELIMIT,
             "%s 有 %d 个界址点, 超过每个边界 %d 个点的上限 (设置 limits.geometry_vertices)",
             b->source, n, o->max_vertices);
  lg_err_where(err, "limits.geometry_vertices");
  return LG_ELIMIT;
}

/* A Shapefile sent as a zip (its .shp, .shx, .dbf and .prj side by side,
 * as people send them by mail), recognised by the zip's local-header
 * signature "PK\3\4" (APPNOTE.TXT 4.3.7), not by a file name, which a raw
 * upload does not have; read in place by src/formats. */
static int from_zip(const char *data, size_t n, const lg_boundary_opts_t *o, lg_boundary_t *out,
                    lg_err_t *err) {
  char source[sizeof out->source];
  snprintf(source, sizeof source, "%s", out->source);
  int rc = from_formats(source, data, n, o, out, err);
  snprintf(out->source, sizeof out->source, "%s", source);
  return rc;
}

int lg_review_boundary_parse(const char *data, size_t n, const char *name,
                             const lg_boundary_opts_t *o, lg_boundary_t *out, lg_err_t *err) {
  lg_review_boundary_init(out);
  snprintf(out->source, sizeof out->source, "%s", name && *name ? name : "上传的边界");
  if (n == 0) return lg_err_set(err, LG_EINVAL, "%s 是空的", out->source);
  size_t left;
  const char *s = skip_bom_ws(data, n, &left);
  int rc;
  if (n >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
    rc = from_zip(data, n, o, out, err);
  } else if (left > 0 && (*s == '{' || looks_wkt(s, left))) {
    /* Text formats need a NUL-terminated copy. */
    char *copy = lg_strndup(s, left);
    rc = *s == '{' ? from_geojson(copy, o, out, err) : from_wkt(copy, o, out, err);
    lg_free(copy);
  } else {
    lg_formats_mtxt_t *m = NULL;
    rc = lg_formats_mtxt_parse(out->source, data, n, &m, err);
    if (rc == 0) rc = from_mtxt(m, o, out, err);
    lg_formats_mtxt_free(m);
  }
  if (rc == 0) rc = vertex_limit(o, out, err);
  if (rc) lg_review_boundary_fini(out);
  return rc;
}

static bool ends_with_ci(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

int lg_review_boundary_read(const char *path, const lg_boundary_opts_t *o, lg_boundary_t *out,
                            lg_err_t *err) {
  lg_review_boundary_init(out);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (ends_with_ci(path, ".txt") || ends_with_ci(path, ".geojson") || ends_with_ci(path, ".json") ||
      ends_with_ci(path, ".wkt")) {
    char *data = NULL;
    size_t n = 0;
    int rc = lg_file_read(path, &data, &n, err);
    if (rc) return rc;
    rc = lg_review_boundary_parse(data, n, base, o, out, err);
    lg_free(data);
    return rc;
  }
  snprintf(out->source, sizeof out->source, "%s", base);
  int rc = from_formats_path(path, o, out, err);
  if (rc == 0) rc = vertex_limit(o, out, err);
  if (rc) lg_review_boundary_fini(out);
  return rc;
}
