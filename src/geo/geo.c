/*
 * Geometry through GEOS' reentrant C API and coordinates through PROJ. One
 * lg_geo_t holds a GEOS context (with its error handler writing into the
 * context, never into a global), a PROJ context, cached WKB/GeoJSON
 * readers and writers, and a small cache of transformations, all owned by
 * one thread.
 */
#include "geo/geo.h"

#include <geodesic.h>
#include <geos_c.h>
#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define XFORM_CACHE 16

struct lg_geo {
  GEOSContextHandle_t h;
  PJ_CONTEXT *pj;
  char last_error[512];
  GEOSWKBReader *wkb_r;
  GEOSWKBWriter *wkb_w;
  GEOSWKTReader *wkt_r;
  GEOSWKTWriter *wkt_w;
  GEOSGeoJSONReader *json_r;
  GEOSGeoJSONWriter *json_w;
  struct {
    int from, to;
    PJ *pj;
  } xf[XFORM_CACHE];
  int nxf;
};

static void on_geos_error(const char *msg, void *user) {
  lg_geo_t *g = user;
  snprintf(g->last_error, sizeof g->last_error, "%s", msg);
}

static void on_geos_notice(const char *msg, void *user) { (void)msg, (void)user; }

lg_geo_t *lg_geo_new(void) {
  lg_geo_t *g = lg_calloc(1, sizeof *g);
  g->h = GEOS_init_r();
  GEOSContext_setErrorMessageHandler_r(g->h, on_geos_error, g);
  GEOSContext_setNoticeMessageHandler_r(g->h, on_geos_notice, g);
  g->pj = proj_context_create();
  proj_log_level(g->pj, PJ_LOG_NONE);
  return g;
}

void lg_geo_free(lg_geo_t *g) {
  if (!g) return;
  for (int i = 0; i < g->nxf; i++) proj_destroy(g->xf[i].pj);
  if (g->wkb_r) GEOSWKBReader_destroy_r(g->h, g->wkb_r);
  if (g->wkb_w) GEOSWKBWriter_destroy_r(g->h, g->wkb_w);
  if (g->wkt_r) GEOSWKTReader_destroy_r(g->h, g->wkt_r);
  if (g->wkt_w) GEOSWKTWriter_destroy_r(g->h, g->wkt_w);
  if (g->json_r) GEOSGeoJSONReader_destroy_r(g->h, g->json_r);
  if (g->json_w) GEOSGeoJSONWriter_destroy_r(g->h, g->json_w);
  proj_context_destroy(g->pj);
  GEOS_finish_r(g->h);
  lg_free(g);
}

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_ctx_free(void *p) { lg_geo_free(p); }
static void thread_key_make(void) { pthread_key_create(&thread_key, thread_ctx_free); }

lg_geo_t *lg_geo_thread(void) {
  pthread_once(&thread_once, thread_key_make);
  lg_geo_t *g = pthread_getspecific(thread_key);
  if (!g) {
    g = lg_geo_new();
    pthread_setspecific(thread_key, g);
  }
  return g;
}

const char *lg_geo_last_error(lg_geo_t *g) { return g->last_error; }

static lg_geom_t *geos_fail(lg_geo_t *g, lg_err_t *err, const char *what) {
  lg_err_set(err, LG_EGEOM, "%s失败: %s", what, g->last_error[0] ? g->last_error : "未知错误");
  return NULL;
}

/* ---- Reading and writing ---------------------------------------------- */

lg_geom_t *lg_geom_from_wkb(lg_geo_t *g, const void *wkb, size_t n, lg_err_t *err) {
  if (!g->wkb_r) g->wkb_r = GEOSWKBReader_create_r(g->h);
  g->last_error[0] = '\0';
  GEOSGeometry *geom = GEOSWKBReader_read_r(g->h, g->wkb_r, wkb, n);
  return geom ? geom : geos_fail(g, err, "读取 WKB 几何");
}

unsigned char *lg_geom_to_wkb(lg_geo_t *g, const lg_geom_t *geom, size_t *n) {
  if (!g->wkb_w) {
    g->wkb_w = GEOSWKBWriter_create_r(g->h);
    GEOSWKBWriter_setOutputDimension_r(g->h, g->wkb_w, 2);
    GEOSWKBWriter_setByteOrder_r(g->h, g->wkb_w, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(g->h, g->wkb_w, GEOS_WKB_ISO);
  }
  size_t len = 0;
  unsigned char *w = GEOSWKBWriter_write_r(g->h, g->wkb_w, geom, &len);
  if (!w) return NULL;
  unsigned char *out = lg_malloc(len);
  memcpy(out, w, len);
  GEOSFree_r(g->h, w);
  if (n) *n = len;
  return out;
}

lg_geom_t *lg_geom_from_wkt(lg_geo_t *g, const char *wkt, lg_err_t *err) {
  if (!g->wkt_r) g->wkt_r = GEOSWKTReader_create_r(g->h);
  g->last_error[0] = '\0';
  GEOSGeometry *geom = GEOSWKTReader_read_r(g->h, g->wkt_r, wkt);
  return geom ? geom : geos_fail(g, err, "读取 WKT 几何");
}

char *lg_geom_to_wkt(lg_geo_t *g, const lg_geom_t *geom, int precision) {
  if (!g->wkt_w) g->wkt_w = GEOSWKTWriter_create_r(g->h);
  GEOSWKTWriter_setTrim_r(g->h, g->wkt_w, 1);
  GEOSWKTWriter_setRoundingPrecision_r(g->h, g->wkt_w, precision);
  char *w = GEOSWKTWriter_write_r(g->h, g->wkt_w, geom);
  if (!w) return NULL;
  char *out = lg_strdup(w);
  GEOSFree_r(g->h, w);
  return out;
}

lg_geom_t *lg_geom_from_geojson(lg_geo_t *g, const char *json, lg_err_t *err) {
  if (!g->json_r) g->json_r = GEOSGeoJSONReader_create_r(g->h);
  g->last_error[0] = '\0';
  GEOSGeometry *geom = GEOSGeoJSONReader_readGeometry_r(g->h, g->json_r, json);
  return geom ? geom : geos_fail(g, err, "读取 GeoJSON 几何");
}

char *lg_geom_to_geojson(lg_geo_t *g, const lg_geom_t *geom) {
  if (!g->json_w) g->json_w = GEOSGeoJSONWriter_create_r(g->h);
  char *w = GEOSGeoJSONWriter_writeGeometry_r(g->h, g->json_w, geom, -1);
  if (!w) return NULL;
  char *out = lg_strdup(w);
  GEOSFree_r(g->h, w);
  return out;
}

/* ---- GeoPackage blobs --------------------------------------------------- */

static uint32_t rd32(const unsigned char *p, int le) {
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static double rdf64(const unsigned char *p, int le) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = le ? p[i] : p[7 - i];
  double d;
  memcpy(&d, b, 8); /* hosts are little-endian (x86_64, arm64) */
  return d;
}

int lg_gpkg_blob_parse(const void *blob, size_t n, int32_t *srs_id, lg_env_t *env,
                       bool *empty, const unsigned char **wkb, size_t *wkb_len) {
  const unsigned char *b = blob;
  if (n < 8 || b[0] != 'G' || b[1] != 'P') return LG_EINVAL;
  unsigned flags = b[3];
  int le = flags & 1;
  unsigned envind = (flags >> 1) & 7;
  static const size_t env_sizes[] = {0, 32, 48, 48, 64};
  if (envind > 4) return LG_EINVAL;
  size_t hdr = 8 + env_sizes[envind];
  if (n < hdr) return LG_EINVAL;
  if (srs_id) *srs_id = (int32_t)rd32(b + 4, le);
  if (empty) *empty = (flags >> 4) & 1;
  if (env) {
    if (envind >= 1) {
      env->minx = rdf64(b + 8, le);
      env->maxx = rdf64(b + 16, le);
      env->miny = rdf64(b + 24, le);
      env->maxy = rdf64(b + 32, le);
    } else {
      bool e = false;
      if (lg_wkb_envelope(b + hdr, n - hdr, env, &e) != 0) return LG_EINVAL;
    }
  }
  if (wkb) *wkb = b + hdr;
  if (wkb_len) *wkb_len = n - hdr;
  return 0;
}

void lg_gpkg_blob_write(lg_buf_t *out, int32_t srs_id, const lg_env_t *env, bool empty,
                        const void *wkb, size_t wkb_len) {
  unsigned char h[40];
  int with_env = env && !empty;
  h[0] = 'G';
  h[1] = 'P';
  h[2] = 0;                                           /* version 1 */
  h[3] = 1 | (with_env ? 2 : 0) | (empty ? 16 : 0);   /* LE, xy envelope */
  memcpy(h + 4, &srs_id, 4);
  size_t hl = 8;
  if (with_env) {
    double e[4] = {env->minx, env->maxx, env->miny, env->maxy};
    memcpy(h + 8, e, 32);
    hl = 40;
  }
  lg_buf_append(out, h, hl);
  lg_buf_append(out, wkb, wkb_len);
}

lg_geom_t *lg_geom_from_gpkg(lg_geo_t *g, const void *blob, size_t n, lg_err_t *err) {
  int32_t srs = 0;
  const unsigned char *wkb;
  size_t wl;
  if (lg_gpkg_blob_parse(blob, n, &srs, NULL, NULL, &wkb, &wl) != 0) {
    lg_err_set(err, LG_EINVAL, "不是有效的 GeoPackage 几何");
    return NULL;
  }
  lg_geom_t *geom = lg_geom_from_wkb(g, wkb, wl, err);
  if (geom) GEOSSetSRID_r(g->h, geom, srs);
  return geom;
}

void lg_geom_to_gpkg(lg_geo_t *g, const lg_geom_t *geom, int32_t srs_id, lg_buf_t *out) {
  size_t n = 0;
  unsigned char *wkb = lg_geom_to_wkb(g, geom, &n);
  lg_env_t env;
  bool empty = GEOSisEmpty_r(g->h, geom) == 1;
  if (!empty) lg_geom_envelope(g, geom, &env);
  lg_gpkg_blob_write(out, srs_id, empty ? NULL : &env, empty, wkb, n);
  lg_free(wkb);
}

/* WKB scanning for envelopes: walks the structure (ISO or EWKB type codes,
 * either byte order) and widens the box with every x and y. */
typedef struct {
  const unsigned char *p, *end;
  lg_env_t *env;
  size_t npts;
} wkb_scan_t;

static int scan_geom(wkb_scan_t *s, int depth);

static int scan_points(wkb_scan_t *s, int le, uint32_t count, int dims) {
  size_t need = (size_t)count * dims * 8;
  if ((size_t)(s->end - s->p) < need) return -1;
  for (uint32_t i = 0; i < count; i++) {
    double x = rdf64(s->p, le), y = rdf64(s->p + 8, le);
    s->p += dims * 8;
    if (isnan(x) || isnan(y)) continue; /* empty point */
    if (s->npts++ == 0) {
      s->env->minx = s->env->maxx = x;
      s->env->miny = s->env->maxy = y;
    } else {
      if (x < s->env->minx) s->env->minx = x;
      if (x > s->env->maxx) s->env->maxx = x;
      if (y < s->env->miny) s->env->miny = y;
      if (y > s->env->maxy) s->env->maxy = y;
    }
  }
  return 0;
}

static int scan_geom(wkb_scan_t *s, int depth) {
  if (depth > 32 || s->end - s->p < 5) return -1;
  int le = s->p[0] == 1;
  uint32_t type = rd32(s->p + 1, le);
  s->p += 5;
  int dims = 2;
  if (type & 0x80000000u) dims++; /* EWKB Z */
  if (type & 0x40000000u) dims++; /* EWKB M */
  if (type & 0x20000000u) s->p += 4; /* EWKB SRID */
  type &= 0x0FFFFFFFu;
  if (type >= 3000) { dims = 4; type -= 3000; }
  else if (type >= 2000) { dims = 3; type -= 2000; }
  else if (type >= 1000) { dims = 3; type -= 1000; }
  if (s->end - s->p < 4 && type != 1) return -1;
  switch (type) {
  case 1: return scan_points(s, le, 1, dims);
  case 2: {
    uint32_t n = rd32(s->p, le);
    s->p += 4;
    return scan_points(s, le, n, dims);
  }
  case 3: {
    uint32_t nr = rd32(s->p, le);
    s->p += 4;
    for (uint32_t r = 0; r < nr; r++) {
      if (s->end - s->p < 4) return -1;
      uint32_t n = rd32(s->p, le);
      s->p += 4;
      if (scan_points(s, le, n, dims) != 0) return -1;
    }
    return 0;
  }
  case 4: case 5: case 6: case 7: {
    uint32_t n = rd32(s->p, le);
    s->p += 4;
    for (uint32_t i = 0; i < n; i++)
      if (scan_geom(s, depth + 1) != 0) return -1;
    return 0;
  }
  default: return -1;
  }
}

int lg_wkb_envelope(const void *wkb, size_t n, lg_env_t *env, bool *empty) {
  wkb_scan_t s = {wkb, (const unsigned char *)wkb + n, env, 0};
  if (scan_geom(&s, 0) != 0) return LG_EINVAL;
  if (empty) *empty = s.npts == 0;
  if (s.npts == 0) memset(env, 0, sizeof *env);
  return 0;
}

/* ---- Construction ------------------------------------------------------- */

static GEOSGeometry *make_ring(lg_geo_t *g, const double *xy, size_t n, size_t idx,
                               lg_err_t *err) {
  if (n < 4) {
    lg_err_set(err, LG_EGEOM, "第 %zu 个环只有 %zu 个点, 闭合环至少需要 4 个点", idx + 1, n);
    return NULL;
  }
  if (xy[0] != xy[2 * (n - 1)] || xy[1] != xy[2 * (n - 1) + 1]) {
    lg_err_set(err, LG_EGEOM, "第 %zu 个环未闭合: 首点与末点不同", idx + 1);
    return NULL;
  }
  GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(g->h, xy, (unsigned)n, 0, 0);
  GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(g->h, cs) : NULL;
  if (!ring) geos_fail(g, err, "构造环");
  return ring;
}

lg_geom_t *lg_geom_polygon(lg_geo_t *g, const double *const *rings, const size_t *npts,
                           size_t nrings, lg_err_t *err) {
  if (nrings == 0) {
    lg_err_set(err, LG_EGEOM, "多边形没有任何环");
    return NULL;
  }
  GEOSGeometry *shell = make_ring(g, rings[0], npts[0], 0, err);
  if (!shell) return NULL;
  GEOSGeometry **holes = nrings > 1 ? lg_calloc(nrings - 1, sizeof *holes) : NULL;
  for (size_t i = 1; i < nrings; i++) {
    holes[i - 1] = make_ring(g, rings[i], npts[i], i, err);
    if (!holes[i - 1]) {
      for (size_t j = 0; j + 1 < i; j++) GEOSGeom_destroy_r(g->h, holes[j]);
      GEOSGeom_destroy_r(g->h, shell);
      lg_free(holes);
      return NULL;
    }
  }
  GEOSGeometry *poly = GEOSGeom_createPolygon_r(g->h, shell, holes, (unsigned)(nrings - 1));
  lg_free(holes);
  return poly ? poly : geos_fail(g, err, "构造多边形");
}

lg_geom_t *lg_geom_collect(lg_geo_t *g, lg_geom_t **parts, size_t n) {
  int type = GEOS_GEOMETRYCOLLECTION;
  if (n > 0) {
    int t0 = GEOSGeomTypeId_r(g->h, parts[0]);
    int same = 1;
    for (size_t i = 1; i < n; i++) same &= GEOSGeomTypeId_r(g->h, parts[i]) == t0;
    if (same && t0 == GEOS_POLYGON) type = GEOS_MULTIPOLYGON;
    else if (same && t0 == GEOS_LINESTRING) type = GEOS_MULTILINESTRING;
    else if (same && t0 == GEOS_POINT) type = GEOS_MULTIPOINT;
  }
  return GEOSGeom_createCollection_r(g->h, type, parts, (unsigned)n);
}

lg_geom_t *lg_geom_box(lg_geo_t *g, const lg_env_t *e) {
  return GEOSGeom_createRectangle_r(g->h, e->minx, e->miny, e->maxx, e->maxy);
}

lg_geom_t *lg_geom_clone(lg_geo_t *g, const lg_geom_t *geom) {
  return GEOSGeom_clone_r(g->h, geom);
}

void lg_geom_free(lg_geo_t *g, lg_geom_t *geom) {
  if (geom) GEOSGeom_destroy_r(g->h, geom);
}

int lg_geom_srid(lg_geo_t *g, const lg_geom_t *geom) { return GEOSGetSRID_r(g->h, geom); }

void lg_geom_set_srid(lg_geo_t *g, lg_geom_t *geom, int srid) {
  GEOSSetSRID_r(g->h, geom, srid);
}

bool lg_geom_is_empty(lg_geo_t *g, const lg_geom_t *geom) {
  return GEOSisEmpty_r(g->h, geom) == 1;
}

const char *lg_geom_type(lg_geo_t *g, const lg_geom_t *geom) {
  switch (GEOSGeomTypeId_r(g->h, geom)) {
  case GEOS_POINT: return "Point";
  case GEOS_LINESTRING: return "LineString";
  case GEOS_LINEARRING: return "LinearRing";
  case GEOS_POLYGON: return "Polygon";
  case GEOS_MULTIPOINT: return "MultiPoint";
  case GEOS_MULTILINESTRING: return "MultiLineString";
  case GEOS_MULTIPOLYGON: return "MultiPolygon";
  default: return "GeometryCollection";
  }
}

int lg_geom_dimension(lg_geo_t *g, const lg_geom_t *geom) {
  return GEOSGeom_getDimensions_r(g->h, geom);
}

int lg_geom_npoints(lg_geo_t *g, const lg_geom_t *geom) {
  return GEOSGetNumCoordinates_r(g->h, geom);
}

int lg_geom_envelope(lg_geo_t *g, const lg_geom_t *geom, lg_env_t *env) {
  if (GEOSisEmpty_r(g->h, geom) == 1) {
    memset(env, 0, sizeof *env);
    return LG_EINVAL;
  }
  if (GEOSGeom_getXMin_r(g->h, geom, &env->minx) != 1 ||
      GEOSGeom_getYMin_r(g->h, geom, &env->miny) != 1 ||
      GEOSGeom_getXMax_r(g->h, geom, &env->maxx) != 1 ||
      GEOSGeom_getYMax_r(g->h, geom, &env->maxy) != 1)
    return LG_EGEOM;
  return 0;
}

/* ---- Measures ----------------------------------------------------------- */

double lg_geom_area(lg_geo_t *g, const lg_geom_t *geom) {
  double a = 0;
  if (GEOSArea_r(g->h, geom, &a) != 1) return NAN;
  return a;
}

double lg_geom_length(lg_geo_t *g, const lg_geom_t *geom) {
  double l = 0;
  if (GEOSLength_r(g->h, geom, &l) != 1) return NAN;
  return l;
}

static PJ *xform_get(lg_geo_t *g, int from, int to, lg_err_t *err) {
  for (int i = 0; i < g->nxf; i++)
    if (g->xf[i].from == from && g->xf[i].to == to) return g->xf[i].pj;
  char a[32], b[32];
  snprintf(a, sizeof a, "EPSG:%d", from);
  snprintf(b, sizeof b, "EPSG:%d", to);
  PJ *raw = proj_create_crs_to_crs(g->pj, a, b, NULL);
  PJ *pj = raw ? proj_normalize_for_visualization(g->pj, raw) : NULL;
  proj_destroy(raw);
  if (!pj) {
    lg_err_set(err, LG_ECRS, "无法建立坐标转换 %s -> %s (未知或不支持的坐标系)", a, b);
    return NULL;
  }
  if (g->nxf == XFORM_CACHE) {
    proj_destroy(g->xf[0].pj);
    memmove(g->xf, g->xf + 1, sizeof g->xf[0] * (XFORM_CACHE - 1));
    g->nxf--;
  }
  g->xf[g->nxf].from = from;
  g->xf[g->nxf].to = to;
  g->xf[g->nxf].pj = pj;
  g->nxf++;
  return pj;
}

int lg_xy_transform(lg_geo_t *g, int from, int to, double *x, double *y, size_t n,
                    lg_err_t *err) {
  if (from == to || n == 0) return 0;
  PJ *pj = xform_get(g, from, to, err);
  if (!pj) return LG_ECRS;
  proj_errno_reset(pj);
  size_t done = proj_trans_generic(pj, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n,
                                   NULL, 0, 0, NULL, 0, 0);
  if (done != n || proj_errno(pj) != 0) {
    for (size_t i = 0; i < n; i++)
      if (!isfinite(x[i]) || !isfinite(y[i]))
        return lg_err_set(err, LG_ECRS, "坐标 (%zu) 无法从 EPSG:%d 转换到 EPSG:%d", i + 1,
                          from, to);
  }
  return 0;
}

/* Area of one ring in m2 on the CGCS2000 ellipsoid; coords in lon/lat. */
static double ring_geodesic_area(const struct geod_geodesic *gd, const double *lon,
                                 const double *lat, size_t n) {
  if (n > 1 && lon[0] == lon[n - 1] && lat[0] == lat[n - 1]) n--;
  double area = 0, perim = 0;
  geod_polygonarea(gd, (double *)lat, (double *)lon, (int)n, &area, &perim);
  return fabs(area);
}

static int ring_area_ell(lg_geo_t *g, const GEOSGeometry *ring, PJ *pj,
                         const struct geod_geodesic *gd, double *out) {
  const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, ring);
  unsigned n = 0;
  GEOSCoordSeq_getSize_r(g->h, cs, &n);
  double *x = lg_malloc(sizeof(double) * (n + 1)), *y = lg_malloc(sizeof(double) * (n + 1));
  for (unsigned i = 0; i < n; i++) GEOSCoordSeq_getXY_r(g->h, cs, i, &x[i], &y[i]);
  int rc = 0;
  if (pj) {
    proj_trans_generic(pj, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0,
                       NULL, 0, 0);
    for (unsigned i = 0; i < n; i++)
      if (!isfinite(x[i]) || !isfinite(y[i])) rc = LG_ECRS;
  }
  *out = rc ? 0 : ring_geodesic_area(gd, x, y, n);
  lg_free(x);
  lg_free(y);
  return rc;
}

static int geom_area_ell(lg_geo_t *g, const GEOSGeometry *geom, PJ *pj,
                         const struct geod_geodesic *gd, double *sum) {
  int t = GEOSGeomTypeId_r(g->h, geom);
  if (t == GEOS_POLYGON) {
    if (GEOSisEmpty_r(g->h, geom) == 1) return 0;
    double a;
    if (ring_area_ell(g, GEOSGetExteriorRing_r(g->h, geom), pj, gd, &a)) return LG_ECRS;
    *sum += a;
    int nh = GEOSGetNumInteriorRings_r(g->h, geom);
    for (int i = 0; i < nh; i++) {
      if (ring_area_ell(g, GEOSGetInteriorRingN_r(g->h, geom, i), pj, gd, &a)) return LG_ECRS;
      *sum -= a;
    }
    return 0;
  }
  if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
    int n = GEOSGetNumGeometries_r(g->h, geom);
    for (int i = 0; i < n; i++)
      if (geom_area_ell(g, GEOSGetGeometryN_r(g->h, geom, i), pj, gd, sum)) return LG_ECRS;
  }
  return 0;
}

int lg_geom_area_ellipsoidal(lg_geo_t *g, const lg_geom_t *geom, int srid, double *m2,
                             lg_err_t *err) {
  struct geod_geodesic gd;
  geod_init(&gd, 6378137.0, 1 / 298.257222101); /* CGCS2000 ellipsoid */
  PJ *pj = NULL;
  if (srid != 4490) {
    pj = xform_get(g, srid, 4490, err);
    if (!pj) return LG_ECRS;
  }
  double sum = 0;
  if (geom_area_ell(g, geom, pj, &gd, &sum) != 0)
    return lg_err_set(err, LG_ECRS, "几何坐标无法从 EPSG:%d 转换到 CGCS2000 经纬度", srid);
  *m2 = sum;
  return 0;
}

/* ---- Predicates and overlay -------------------------------------------- */

bool lg_geom_intersects(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b) {
  return GEOSIntersects_r(g->h, a, b) == 1;
}

#define OVERLAY(name, call, what)                                                     \
  lg_geom_t *name(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b, lg_err_t *err) { \
    g->last_error[0] = '\0';                                                          \
    GEOSGeometry *r = call(g->h, a, b);                                               \
    return r ? r : geos_fail(g, err, what);                                           \
  }
OVERLAY(lg_geom_intersection, GEOSIntersection_r, "求交")
OVERLAY(lg_geom_difference, GEOSDifference_r, "求差")
OVERLAY(lg_geom_union, GEOSUnion_r, "合并")

lg_geom_t *lg_geom_unary_union(lg_geo_t *g, const lg_geom_t *a, lg_err_t *err) {
  g->last_error[0] = '\0';
  GEOSGeometry *r = GEOSUnaryUnion_r(g->h, a);
  return r ? r : geos_fail(g, err, "合并");
}

lg_geom_t *lg_geom_buffer(lg_geo_t *g, const lg_geom_t *a, double width, lg_err_t *err) {
  g->last_error[0] = '\0';
  GEOSGeometry *r = GEOSBuffer_r(g->h, a, width, 8);
  return r ? r : geos_fail(g, err, "缓冲区");
}

lg_prep_t *lg_prep_new(lg_geo_t *g, const lg_geom_t *geom) {
  return (lg_prep_t *)GEOSPrepare_r(g->h, geom);
}

void lg_prep_free(lg_geo_t *g, lg_prep_t *p) {
  if (p) GEOSPreparedGeom_destroy_r(g->h, p);
}

bool lg_prep_intersects(lg_geo_t *g, const lg_prep_t *p, const lg_geom_t *geom) {
  return GEOSPreparedIntersects_r(g->h, p, geom) == 1;
}

bool lg_prep_contains(lg_geo_t *g, const lg_prep_t *p, const lg_geom_t *geom) {
  return GEOSPreparedContains_r(g->h, p, geom) == 1;
}

bool lg_prep_covers(lg_geo_t *g, const lg_prep_t *p, const lg_geom_t *geom) {
  return GEOSPreparedCovers_r(g->h, p, geom) == 1;
}

/* ---- Validation --------------------------------------------------------- */

bool lg_geom_is_valid(lg_geo_t *g, const lg_geom_t *geom, char reason[256], double *x,
                      double *y) {
  char *why = NULL;
  GEOSGeometry *loc = NULL;
  char r = GEOSisValidDetail_r(g->h, geom, 0, &why, &loc);
  if (r == 1) {
    if (reason) reason[0] = '\0';
    return true;
  }
  if (reason) snprintf(reason, 256, "%s", why ? why : g->last_error);
  if (loc && x && y) {
    GEOSGeomGetX_r(g->h, loc, x);
    GEOSGeomGetY_r(g->h, loc, y);
  } else if (x && y) {
    *x = *y = NAN;
  }
  if (why) GEOSFree_r(g->h, why);
  if (loc) GEOSGeom_destroy_r(g->h, loc);
  return false;
}

lg_geom_t *lg_geom_make_valid(lg_geo_t *g, const lg_geom_t *geom, lg_err_t *err) {
  g->last_error[0] = '\0';
  GEOSGeometry *r = GEOSMakeValid_r(g->h, geom);
  if (r) GEOSSetSRID_r(g->h, r, GEOSGetSRID_r(g->h, geom));
  return r ? r : geos_fail(g, err, "修复几何");
}

lg_geom_t *lg_geom_to_multi(lg_geo_t *g, const lg_geom_t *geom) {
  int t = GEOSGeomTypeId_r(g->h, geom);
  if (t != GEOS_POLYGON && t != GEOS_LINESTRING && t != GEOS_POINT)
    return GEOSGeom_clone_r(g->h, geom);
  GEOSGeometry *part = GEOSGeom_clone_r(g->h, geom);
  int mt = t == GEOS_POLYGON ? GEOS_MULTIPOLYGON
           : t == GEOS_LINESTRING ? GEOS_MULTILINESTRING : GEOS_MULTIPOINT;
  GEOSGeometry *m = GEOSGeom_createCollection_r(g->h, mt, &part, 1);
  GEOSSetSRID_r(g->h, m, GEOSGetSRID_r(g->h, geom));
  return m;
}

/* ---- Coordinate reference systems -------------------------------------- */

int lg_crs_lookup(lg_geo_t *g, int epsg, char **wkt, char **name, lg_err_t *err) {
  char code[16];
  snprintf(code, sizeof code, "%d", epsg);
  PJ *crs = proj_create_from_database(g->pj, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
  if (!crs) return lg_err_set(err, LG_ECRS, "未知坐标系 EPSG:%d", epsg);
  const char *w = proj_as_wkt(g->pj, crs, PJ_WKT1_GDAL, NULL);
  if (!w) w = proj_as_wkt(g->pj, crs, PJ_WKT2_2019, NULL);
  if (wkt) *wkt = lg_strdup(w ? w : "");
  if (name) *name = lg_strdup(proj_get_name(crs));
  proj_destroy(crs);
  return 0;
}

int lg_crs_is_projected(lg_geo_t *g, int epsg) {
  char code[16];
  snprintf(code, sizeof code, "%d", epsg);
  PJ *crs = proj_create_from_database(g->pj, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
  if (!crs) return -1;
  PJ_TYPE t = proj_get_type(crs);
  proj_destroy(crs);
  return t == PJ_TYPE_PROJECTED_CRS ? 1 : 0;
}

int lg_gk_zone_from_easting(double easting, int *zone, int *width, int *epsg) {
  if (!(easting >= 1e7 && easting < 1e8)) return LG_EINVAL;
  int z = (int)(easting / 1e6);
  double rest = easting - z * 1e6;
  if (rest < 0 || rest >= 1e6) return LG_EINVAL;
  if (z >= 25 && z <= 45) {
    if (zone) *zone = z;
    if (width) *width = 3;
    if (epsg) *epsg = 4488 + z; /* 25 -> 4513 ... 45 -> 4533 */
    return 0;
  }
  if (z >= 13 && z <= 23) {
    if (zone) *zone = z;
    if (width) *width = 6;
    if (epsg) *epsg = 4478 + z; /* 13 -> 4491 ... 23 -> 4501 */
    return 0;
  }
  return LG_EINVAL;
}

int lg_gk_zone_from_lon(double lon, int *zone, int *epsg_prefixed, int *epsg_plain) {
  int z = (int)floor(lon / 3.0 + 0.5);
  if (z < 25 || z > 45) return LG_EINVAL;
  if (zone) *zone = z;
  if (epsg_prefixed) *epsg_prefixed = 4488 + z;
  if (epsg_plain) *epsg_plain = 4509 + z; /* 25 -> 4534 ... 45 -> 4554 */
  return 0;
}

double lg_gk_central_meridian(int epsg) {
  if (epsg >= 4513 && epsg <= 4533) return 3.0 * (epsg - 4488);
  if (epsg >= 4534 && epsg <= 4554) return 3.0 * (epsg - 4509);
  if (epsg >= 4491 && epsg <= 4501) return 6.0 * (epsg - 4478) - 3.0;
  if (epsg >= 4502 && epsg <= 4512) return 6.0 * (epsg - 4489) - 3.0;
  return NAN;
}

int lg_crs_area_of_use(lg_geo_t *g, int epsg, lg_env_t *ll, lg_err_t *err) {
  char code[16];
  snprintf(code, sizeof code, "%d", epsg);
  PJ *crs = proj_create_from_database(g->pj, "EPSG", code, PJ_CATEGORY_CRS, 0, NULL);
  if (!crs) return lg_err_set(err, LG_ECRS, "未知坐标系 EPSG:%d", epsg);
  double w = 0, s = 0, e = 0, n = 0;
  int ok = proj_get_area_of_use(g->pj, crs, &w, &s, &e, &n, NULL);
  proj_destroy(crs);
  /* PROJ reports -1000 for each bound it does not know. */
  if (!ok || w < -180.5 || s < -90.5 || e < -180.5 || n < -90.5)
    return lg_err_set(err, LG_ECRS, "坐标系 EPSG:%d 没有登记适用范围", epsg);
  ll->minx = w;
  ll->miny = s;
  ll->maxx = e < w ? e + 360 : e; /* an area across the antimeridian */
  ll->maxy = n;
  return 0;
}

typedef struct {
  PJ *pj;
  int failed;
} xf_ud_t;

static int xf_cb(double *x, double *y, void *ud) {
  xf_ud_t *u = ud;
  PJ_COORD c = proj_coord(*x, *y, 0, 0);
  c = proj_trans(u->pj, PJ_FWD, c);
  if (!isfinite(c.xy.x) || !isfinite(c.xy.y)) {
    u->failed = 1;
    return 0;
  }
  *x = c.xy.x;
  *y = c.xy.y;
  return 1;
}

lg_geom_t *lg_geom_transform(lg_geo_t *g, const lg_geom_t *geom, int from, int to,
                             lg_err_t *err) {
  if (from == to) {
    GEOSGeometry *c = GEOSGeom_clone_r(g->h, geom);
    GEOSSetSRID_r(g->h, c, to);
    return c;
  }
  PJ *pj = xform_get(g, from, to, err);
  if (!pj) return NULL;
  xf_ud_t u = {pj, 0};
  GEOSGeometry *r = GEOSGeom_transformXY_r(g->h, geom, xf_cb, &u);
  if (!r || u.failed) {
    if (r) GEOSGeom_destroy_r(g->h, r);
    lg_err_set(err, LG_ECRS, "几何坐标无法从 EPSG:%d 转换到 EPSG:%d", from, to);
    return NULL;
  }
  GEOSSetSRID_r(g->h, r, to);
  return r;
}

/* ---- Coordinates and overlay helpers ------------------------------------ */

typedef LG_VEC(lg_ring_t) ring_vec_t;

static void rings_of_polygon(lg_geo_t *g, const GEOSGeometry *poly, int part, ring_vec_t *v) {
  if (GEOSisEmpty_r(g->h, poly) == 1) return;
  int nh = GEOSGetNumInteriorRings_r(g->h, poly);
  for (int r = 0; r <= nh; r++) {
    const GEOSGeometry *ring =
        r == 0 ? GEOSGetExteriorRing_r(g->h, poly) : GEOSGetInteriorRingN_r(g->h, poly, r - 1);
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, ring);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(g->h, cs, &n);
    lg_ring_t rg = {part, r, n, lg_malloc(sizeof(double) * 2 * (n ? n : 1))};
    if (n) GEOSCoordSeq_copyToBuffer_r(g->h, cs, rg.xy, 0, 0);
    lg_vec_push(v, rg);
  }
}

int lg_geom_rings(lg_geo_t *g, const lg_geom_t *geom, lg_ring_t **rings, size_t *n,
                  lg_err_t *err) {
  ring_vec_t v = {0};
  int t = GEOSGeomTypeId_r(g->h, geom);
  if (t == GEOS_POLYGON) {
    rings_of_polygon(g, geom, 0, &v);
  } else if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
    int np = GEOSGetNumGeometries_r(g->h, geom);
    for (int i = 0; i < np; i++) {
      const GEOSGeometry *p = GEOSGetGeometryN_r(g->h, geom, i);
      if (GEOSGeomTypeId_r(g->h, p) == GEOS_POLYGON) rings_of_polygon(g, p, i, &v);
    }
  } else if (t < 0) {
    *rings = NULL;
    *n = 0;
    return lg_err_set(err, LG_EGEOM, "读取几何坐标失败: %s", g->last_error);
  }
  *rings = v.items;
  *n = v.len;
  return 0;
}

void lg_rings_free(lg_ring_t *rings, size_t n) {
  if (!rings) return;
  for (size_t i = 0; i < n; i++) lg_free(rings[i].xy);
  lg_free(rings);
}

bool lg_geom_covers(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b) {
  return GEOSCovers_r(g->h, a, b) == 1;
}

lg_geom_t *lg_geom_polygonal(lg_geo_t *g, const lg_geom_t *geom) {
  int t = GEOSGeomTypeId_r(g->h, geom);
  if (t == GEOS_MULTIPOLYGON) return GEOSGeom_clone_r(g->h, geom);
  LG_VEC(GEOSGeometry *) parts = {0};
  if (t == GEOS_POLYGON) {
    if (GEOSisEmpty_r(g->h, geom) != 1) lg_vec_push(&parts, GEOSGeom_clone_r(g->h, geom));
  } else if (t == GEOS_GEOMETRYCOLLECTION) {
    int np = GEOSGetNumGeometries_r(g->h, geom);
    for (int i = 0; i < np; i++) {
      const GEOSGeometry *p = GEOSGetGeometryN_r(g->h, geom, i);
      int pt = GEOSGeomTypeId_r(g->h, p);
      if (pt == GEOS_POLYGON && GEOSisEmpty_r(g->h, p) != 1)
        lg_vec_push(&parts, GEOSGeom_clone_r(g->h, p));
      else if (pt == GEOS_MULTIPOLYGON) {
        int nq = GEOSGetNumGeometries_r(g->h, p);
        for (int j = 0; j < nq; j++)
          lg_vec_push(&parts, GEOSGeom_clone_r(g->h, GEOSGetGeometryN_r(g->h, p, j)));
      }
    }
  }
  GEOSGeometry *m =
      GEOSGeom_createCollection_r(g->h, GEOS_MULTIPOLYGON, parts.items, (unsigned)parts.len);
  lg_free(parts.items);
  if (m) GEOSSetSRID_r(g->h, m, GEOSGetSRID_r(g->h, geom));
  return m;
}

int lg_geom_nparts(lg_geo_t *g, const lg_geom_t *geom) {
  return GEOSGetNumGeometries_r(g->h, geom);
}

lg_geom_t *lg_geom_part(lg_geo_t *g, const lg_geom_t *geom, int i) {
  if (i < 0 || i >= GEOSGetNumGeometries_r(g->h, geom)) return NULL;
  const GEOSGeometry *p = GEOSGetGeometryN_r(g->h, geom, i);
  GEOSGeometry *c = p ? GEOSGeom_clone_r(g->h, p) : NULL;
  if (c) GEOSSetSRID_r(g->h, c, GEOSGetSRID_r(g->h, geom));
  return c;
}

/* Shoelace area straight from WKB, walking it as scan_geom does. Each ring
 * is summed relative to its first point, which keeps the products small
 * for Gauss-Kruger coordinates of tens of millions of metres. */
typedef struct {
  const unsigned char *p, *end;
} wkb_area_t;

static int area_geom(wkb_area_t *s, int depth, double *sum) {
  if (depth > 32 || s->end - s->p < 5) return -1;
  int le = s->p[0] == 1;
  uint32_t type = rd32(s->p + 1, le);
  s->p += 5;
  int dims = 2;
  if (type & 0x80000000u) dims++;
  if (type & 0x40000000u) dims++;
  if (type & 0x20000000u) s->p += 4;
  type &= 0x0FFFFFFFu;
  if (type >= 3000) { dims = 4; type -= 3000; }
  else if (type >= 2000) { dims = 3; type -= 2000; }
  else if (type >= 1000) { dims = 3; type -= 1000; }
  if (type == 1) {
    if ((size_t)(s->end - s->p) < (size_t)dims * 8) return -1;
    s->p += dims * 8;
    return 0;
  }
  if (s->end - s->p < 4) return -1;
  uint32_t n = rd32(s->p, le);
  s->p += 4;
  if (type == 2) {
    if ((size_t)(s->end - s->p) < (size_t)n * dims * 8) return -1;
    s->p += (size_t)n * dims * 8;
    return 0;
  }
  if (type == 3) {
    double poly = 0;
    for (uint32_t r = 0; r < n; r++) {
      if (s->end - s->p < 4) return -1;
      uint32_t np = rd32(s->p, le);
      s->p += 4;
      size_t stride = (size_t)dims * 8;
      if ((size_t)(s->end - s->p) < (size_t)np * stride) return -1;
      double ring = 0;
      if (np >= 3) {
        double x0 = rdf64(s->p, le), y0 = rdf64(s->p + 8, le);
        double px = 0, py = 0;
        for (uint32_t i = 1; i < np; i++) {
          double x = rdf64(s->p + i * stride, le) - x0, y = rdf64(s->p + i * stride + 8, le) - y0;
          ring += px * y - x * py;
          px = x, py = y;
        }
      }
      s->p += (size_t)np * stride;
      poly += r == 0 ? fabs(ring) / 2 : -fabs(ring) / 2;
    }
    *sum += poly;
    return 0;
  }
  if (type >= 4 && type <= 7) {
    for (uint32_t i = 0; i < n; i++)
      if (area_geom(s, depth + 1, sum) != 0) return -1;
    return 0;
  }
  return -1;
}

int lg_wkb_area(const void *wkb, size_t n, double *area) {
  wkb_area_t s = {wkb, (const unsigned char *)wkb + n};
  double sum = 0;
  if (area_geom(&s, 0, &sum) != 0) return LG_EINVAL;
  *area = sum;
  return 0;
}
