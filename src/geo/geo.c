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

/* ---- Fast overlay classification ----------------------------------------
 * See geo.h. The polygon's segments go into a uniform grid (about four
 * segments a cell); a candidate's segments look up their cells. Stamps
 * (a counter per query and per candidate segment) mark what was seen
 * without clearing arrays between queries. */

typedef struct ovl_seg {
  double ax, ay, bx, by;
  int ring;
} ovl_seg_t;

struct lg_ovl {
  GEOSGeometry *geom;             /* borrowed */
  int tri_state;                  /* 0 not tried, 1 triangulated, -1 not possible */
  double *tri;                    /* 6 doubles a triangle, counter-clockwise, local coordinates */
  size_t ntri;
  const GEOSPreparedGeometry *prep;
  lg_env_t env;
  double area;
  ovl_seg_t *segs;
  size_t nsegs;
  int nrings;
  double *ring_pt;                /* first vertex of each ring */
  int gx, gy;
  double x0, y0, cw, ch;
  uint32_t *cell_start, *cell_items;
  uint32_t *seen, *shared, *ring_contact, *ring_tested;
  uint32_t stamp, qstamp;
  size_t shared_count;
};

typedef LG_VEC(ovl_seg_t) ovl_seg_vec_t;

static void ovl_ring(lg_ovl_t *o, const GEOSGeometry *ring, ovl_seg_vec_t *v, lg_geo_t *g) {
  const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, ring);
  unsigned n = 0;
  GEOSCoordSeq_getSize_r(g->h, cs, &n);
  int r = o->nrings++;
  o->ring_pt = lg_realloc(o->ring_pt, sizeof(double) * 2 * (size_t)(r + 1));
  double px = 0, py = 0;
  for (unsigned i = 0; i < n; i++) {
    double x, y;
    GEOSCoordSeq_getXY_r(g->h, cs, i, &x, &y);
    if (i == 0) {
      o->ring_pt[2 * r] = x, o->ring_pt[2 * r + 1] = y;
    } else if (x != px || y != py) {
      ovl_seg_t s = {px, py, x, y, r};
      lg_vec_push(v, s);
    }
    px = x, py = y;
  }
}

lg_ovl_t *lg_ovl_new(lg_geo_t *g, const lg_geom_t *geom) {
  int t = GEOSGeomTypeId_r(g->h, geom);
  if ((t != GEOS_POLYGON && t != GEOS_MULTIPOLYGON) || GEOSisEmpty_r(g->h, geom) == 1) return NULL;
  lg_ovl_t *o = lg_calloc(1, sizeof *o);
  o->geom = (GEOSGeometry *)geom;
  ovl_seg_vec_t v = {0};
  int np = t == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(g->h, geom);
  for (int i = 0; i < np; i++) {
    const GEOSGeometry *p = t == GEOS_POLYGON ? geom : GEOSGetGeometryN_r(g->h, geom, i);
    if (GEOSisEmpty_r(g->h, p) == 1) continue;
    ovl_ring(o, GEOSGetExteriorRing_r(g->h, p), &v, g);
    int nh = GEOSGetNumInteriorRings_r(g->h, p);
    for (int h = 0; h < nh; h++) ovl_ring(o, GEOSGetInteriorRingN_r(g->h, p, h), &v, g);
  }
  o->segs = v.items;
  o->nsegs = v.len;
  lg_geom_envelope(g, geom, &o->env);
  GEOSArea_r(g->h, geom, &o->area);
  o->prep = GEOSPrepare_r(g->h, geom);
  /* The grid: about four segments a cell, at most 1024 x 1024. */
  double w = fmax(o->env.maxx - o->env.minx, 1e-9), h = fmax(o->env.maxy - o->env.miny, 1e-9);
  double cells = fmax(1.0, (double)o->nsegs / 4.0);
  double side = sqrt(w * h / cells);
  o->gx = (int)fmin(1024, fmax(1, ceil(w / side)));
  o->gy = (int)fmin(1024, fmax(1, ceil(h / side)));
  o->x0 = o->env.minx, o->y0 = o->env.miny;
  o->cw = w / o->gx, o->ch = h / o->gy;
  size_t nc = (size_t)o->gx * (size_t)o->gy;
  o->cell_start = lg_calloc(nc + 1, sizeof(uint32_t));
  /* Two passes: count, then fill (counting sort by cell). */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t k = 0; k < o->nsegs; k++) {
      const ovl_seg_t *s = &o->segs[k];
      int cx0 = (int)((fmin(s->ax, s->bx) - o->x0) / o->cw), cx1 = (int)((fmax(s->ax, s->bx) - o->x0) / o->cw);
      int cy0 = (int)((fmin(s->ay, s->by) - o->y0) / o->ch), cy1 = (int)((fmax(s->ay, s->by) - o->y0) / o->ch);
      cx0 = LG_MAX(0, LG_MIN(o->gx - 1, cx0)), cx1 = LG_MAX(0, LG_MIN(o->gx - 1, cx1));
      cy0 = LG_MAX(0, LG_MIN(o->gy - 1, cy0)), cy1 = LG_MAX(0, LG_MIN(o->gy - 1, cy1));
      for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++) {
          size_t c = (size_t)cy * o->gx + cx;
          if (pass == 0) o->cell_start[c + 1]++;
          else o->cell_items[o->cell_start[c] + o->seen[c]++] = (uint32_t)k;
        }
    }
    if (pass == 0) {
      for (size_t c = 0; c < nc; c++) o->cell_start[c + 1] += o->cell_start[c];
      o->cell_items = lg_malloc(sizeof(uint32_t) * (o->cell_start[nc] ? o->cell_start[nc] : 1));
      o->seen = lg_calloc(nc > o->nsegs ? nc : o->nsegs ? o->nsegs : 1, sizeof(uint32_t));
    }
  }
  memset(o->seen, 0, sizeof(uint32_t) * (nc > o->nsegs ? nc : o->nsegs ? o->nsegs : 1));
  o->shared = lg_calloc(o->nsegs ? o->nsegs : 1, sizeof(uint32_t));
  o->ring_contact = lg_calloc((size_t)(o->nrings ? o->nrings : 1), sizeof(uint32_t));
  o->ring_tested = lg_calloc((size_t)(o->nrings ? o->nrings : 1), sizeof(uint32_t));
  return o;
}

void lg_ovl_free(lg_geo_t *g, lg_ovl_t *o) {
  if (!o) return;
  if (o->prep) GEOSPreparedGeom_destroy_r(g->h, o->prep);
  lg_free(o->segs);
  lg_free(o->ring_pt);
  lg_free(o->cell_start);
  lg_free(o->cell_items);
  lg_free(o->seen);
  lg_free(o->shared);
  lg_free(o->ring_contact);
  lg_free(o->ring_tested);
  lg_free(o->tri);
  lg_free(o);
}

double lg_ovl_area(const lg_ovl_t *o) { return o->area; }

/* The candidate's rings, read in place from its WKB. */
typedef struct wring {
  const unsigned char *p; /* first coordinate */
  uint32_t n;
  int stride, le;
  bool shell;             /* the first ring of its polygon */
} wring_t;

typedef LG_VEC(wring_t) wring_vec_t;

static int wkb_rings(const unsigned char **pp, const unsigned char *end, int depth, wring_vec_t *v) {
  const unsigned char *p = *pp;
  if (depth > 32 || end - p < 5) return -1;
  int le = p[0] == 1;
  uint32_t type = rd32(p + 1, le);
  p += 5;
  int dims = 2;
  if (type & 0x80000000u) dims++;
  if (type & 0x40000000u) dims++;
  if (type & 0x20000000u) p += 4;
  type &= 0x0FFFFFFFu;
  if (type >= 3000) { dims = 4; type -= 3000; }
  else if (type >= 2000) { dims = 3; type -= 2000; }
  else if (type >= 1000) { dims = 3; type -= 1000; }
  if (type != 3 && type != 6) return -1; /* polygons only; anything else: GEOS */
  if (end - p < 4) return -1;
  uint32_t n = rd32(p, le);
  p += 4;
  if (type == 6) {
    *pp = p;
    for (uint32_t i = 0; i < n; i++)
      if (wkb_rings(pp, end, depth + 1, v) != 0) return -1;
    return 0;
  }
  for (uint32_t r = 0; r < n; r++) {
    if (end - p < 4) return -1;
    uint32_t np = rd32(p, le);
    p += 4;
    size_t stride = (size_t)dims * 8;
    if ((size_t)(end - p) < (size_t)np * stride) return -1;
    wring_t w = {p, np, (int)stride, le, r == 0};
    lg_vec_push(v, w);
    p += (size_t)np * stride;
  }
  *pp = p;
  return 0;
}

static inline void wxy(const wring_t *w, uint32_t i, double *x, double *y) {
  *x = rdf64(w->p + (size_t)i * w->stride, w->le);
  *y = rdf64(w->p + (size_t)i * w->stride + 8, w->le);
}

/* Orientation of c against a->b, and whether it is too close to zero to
 * trust in double precision (the robust answer would need more bits). */
static inline double ovl_orient(double ax, double ay, double bx, double by, double cx, double cy,
                                bool *shaky) {
  double l = (bx - ax) * (cy - ay), r = (by - ay) * (cx - ax);
  double d = l - r;
  if (d != 0 && fabs(d) <= 1e-12 * (fabs(l) + fabs(r))) *shaky = true;
  return d;
}

/* Crossing number of (x, y) in the candidate's rings (even-odd). */
static bool wkb_pip(const wring_t *rings, size_t nr, double x, double y) {
  bool in = false;
  for (size_t r = 0; r < nr; r++) {
    const wring_t *w = &rings[r];
    double px, py;
    if (w->n == 0) continue;
    wxy(w, w->n - 1, &px, &py);
    for (uint32_t i = 0; i < w->n; i++) {
      double qx, qy;
      wxy(w, i, &qx, &qy);
      if ((qy > y) != (py > y) && x < (px - qx) * (y - qy) / (py - qy) + qx) in = !in;
      px = qx, py = qy;
    }
  }
  return in;
}

static bool ovl_pip(lg_geo_t *g, const lg_ovl_t *o, double x, double y) {
  if (x < o->env.minx || x > o->env.maxx || y < o->env.miny || y > o->env.maxy) return false;
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g->h, x, y);
  bool in = GEOSPreparedIntersects_r(g->h, o->prep, pt) == 1;
  GEOSGeom_destroy_r(g->h, pt);
  return in;
}

static bool env_within(const lg_env_t *a, const lg_env_t *b) {
  return a->minx >= b->minx && a->maxx <= b->maxx && a->miny >= b->miny && a->maxy <= b->maxy;
}

int lg_ovl_classify(lg_geo_t *g, lg_ovl_t *o, const void *wkb, size_t n) {
  wring_vec_t rings = {0};
  const unsigned char *p = wkb;
  int result = LG_OVL_UNKNOWN;
  unsigned char *contact = NULL, *bshared = NULL;
  size_t *bstart = NULL;
  if (wkb_rings(&p, (const unsigned char *)wkb + n, 0, &rings) != 0 || rings.len == 0) goto out;
  lg_env_t be = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  size_t nbseg = 0;
  bstart = lg_malloc(sizeof(size_t) * (rings.len + 1));
  for (size_t r = 0; r < rings.len; r++) {
    bstart[r] = nbseg;
    for (uint32_t i = 0; i < rings.items[r].n; i++) {
      double x, y;
      wxy(&rings.items[r], i, &x, &y);
      be.minx = fmin(be.minx, x), be.maxx = fmax(be.maxx, x);
      be.miny = fmin(be.miny, y), be.maxy = fmax(be.maxy, y);
    }
    nbseg += rings.items[r].n ? rings.items[r].n - 1 : 0;
  }
  bstart[rings.len] = nbseg;
  if (be.minx > o->env.maxx || be.maxx < o->env.minx || be.miny > o->env.maxy || be.maxy < o->env.miny) {
    result = LG_OVL_DISJOINT;
    goto out;
  }
  contact = lg_calloc(rings.len, 1);
  bshared = lg_calloc(nbseg ? nbseg : 1, 1);
  if (++o->qstamp == 0) o->qstamp = 1; /* a wrap would only cost a false "seen" */
  uint32_t q = o->qstamp;
  o->shared_count = 0;

  /* 1. Every candidate segment against the polygon's segments nearby. */
  for (size_t r = 0; r < rings.len; r++) {
    const wring_t *w = &rings.items[r];
    for (uint32_t i = 0; i + 1 < w->n; i++) {
      double px, py, qx, qy;
      wxy(w, i, &px, &py);
      wxy(w, i + 1, &qx, &qy);
      if (px == qx && py == qy) {
        bshared[bstart[r] + i] = 1; /* a repeated point: no edge */
        continue;
      }
      double sminx = fmin(px, qx), smaxx = fmax(px, qx), sminy = fmin(py, qy), smaxy = fmax(py, qy);
      if (sminx > o->env.maxx || smaxx < o->env.minx || sminy > o->env.maxy || smaxy < o->env.miny)
        continue;
      if (++o->stamp == 0) o->stamp = 1;
      int cx0 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((sminx - o->x0) / o->cw)));
      int cx1 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((smaxx - o->x0) / o->cw)));
      int cy0 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((sminy - o->y0) / o->ch)));
      int cy1 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((smaxy - o->y0) / o->ch)));
      for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++) {
          size_t c = (size_t)cy * o->gx + cx;
          for (uint32_t k = o->cell_start[c]; k < o->cell_start[c + 1]; k++) {
            uint32_t si = o->cell_items[k];
            if (o->seen[si] == o->stamp) continue;
            o->seen[si] = o->stamp;
            const ovl_seg_t *a = &o->segs[si];
            if (fmax(a->ax, a->bx) < sminx || fmin(a->ax, a->bx) > smaxx ||
                fmax(a->ay, a->by) < sminy || fmin(a->ay, a->by) > smaxy)
              continue;
            bool same_fwd = a->ax == px && a->ay == py && a->bx == qx && a->by == qy;
            bool same_rev = a->ax == qx && a->ay == qy && a->bx == px && a->by == py;
            if (same_fwd || same_rev) {
              bshared[bstart[r] + i] = 1;
              if (o->shared[si] != q) {
                o->shared[si] = q;
                o->shared_count++;
              }
              contact[r] = 1;
              o->ring_contact[a->ring] = q;
              continue;
            }
            bool shaky = false;
            double o1 = ovl_orient(a->ax, a->ay, a->bx, a->by, px, py, &shaky);
            double o2 = ovl_orient(a->ax, a->ay, a->bx, a->by, qx, qy, &shaky);
            double o3 = ovl_orient(px, py, qx, qy, a->ax, a->ay, &shaky);
            double o4 = ovl_orient(px, py, qx, qy, a->bx, a->by, &shaky);
            if (shaky) goto out; /* unknown */
            if (((o1 < 0 && o2 > 0) || (o1 > 0 && o2 < 0)) &&
                ((o3 < 0 && o4 > 0) || (o3 > 0 && o4 < 0))) {
              result = LG_OVL_OVERLAP; /* a proper crossing */
              goto out;
            }
            bool shares = (a->ax == px && a->ay == py) || (a->ax == qx && a->ay == qy) ||
                          (a->bx == px && a->by == py) || (a->bx == qx && a->by == qy);
            if (o1 == 0 && o2 == 0) {
              /* Collinear: fine only when they meet at a shared end and
               * do not overlap along the line. */
              if (!shares) {
                if (fmax(sminx, fmin(a->ax, a->bx)) <= fmin(smaxx, fmax(a->ax, a->bx)) &&
                    fmax(sminy, fmin(a->ay, a->by)) <= fmin(smaxy, fmax(a->ay, a->by)))
                  goto out;
                continue;
              }
              double dx = qx - px, dy = qy - py;
              double ta = (a->ax - px) * dx + (a->ay - py) * dy, tb = (a->bx - px) * dx + (a->by - py) * dy;
              double len = dx * dx + dy * dy;
              if ((ta > 0 && ta < len) || (tb > 0 && tb < len) ||
                  (fmin(ta, tb) < 0 && fmax(ta, tb) > len))
                goto out;
              double ex = a->bx - a->ax, ey = a->by - a->ay;
              double sa = (px - a->ax) * ex + (py - a->ay) * ey, sb = (qx - a->ax) * ex + (qy - a->ay) * ey;
              double la = ex * ex + ey * ey;
              if ((sa > 0 && sa < la) || (sb > 0 && sb < la)) goto out;
              contact[r] = 1;
              o->ring_contact[a->ring] = q;
              continue;
            }
            if (shares) {
              contact[r] = 1;
              o->ring_contact[a->ring] = q;
              continue;
            }
            /* An end of one on the other's line, inside its extent: a
             * T-junction, which only GEOS sorts out. */
            if ((o1 == 0 && px >= fmin(a->ax, a->bx) && px <= fmax(a->ax, a->bx) &&
                 py >= fmin(a->ay, a->by) && py <= fmax(a->ay, a->by)) ||
                (o2 == 0 && qx >= fmin(a->ax, a->bx) && qx <= fmax(a->ax, a->bx) &&
                 qy >= fmin(a->ay, a->by) && qy <= fmax(a->ay, a->by)) ||
                (o3 == 0 && a->ax >= sminx && a->ax <= smaxx && a->ay >= sminy && a->ay <= smaxy) ||
                (o4 == 0 && a->bx >= sminx && a->bx <= smaxx && a->by >= sminy && a->by <= smaxy))
              goto out;
          }
        }
    }
  }

  /* 2. Which side of the polygon is each part of the candidate's boundary
   * on? Boundaries meet only at shared vertices and edges now, so a ring
   * that met nothing is wholly in or out, and an unshared edge's midpoint
   * tells its side. */
  bool b_in = false, b_out = !env_within(&be, &o->env), b_any = false;
  for (size_t r = 0; r < rings.len; r++) {
    const wring_t *w = &rings.items[r];
    if (w->n < 4) goto out;
    if (!contact[r]) {
      double x, y;
      wxy(w, 0, &x, &y);
      if (ovl_pip(g, o, x, y)) b_in = true;
      else b_out = true;
      b_any = true;
      continue;
    }
    for (uint32_t i = 0; i + 1 < w->n; i++) {
      if (bshared[bstart[r] + i]) continue;
      double px, py, qx, qy;
      wxy(w, i, &px, &py);
      wxy(w, i + 1, &qx, &qy);
      b_any = true;
      if (ovl_pip(g, o, (px + qx) / 2, (py + qy) / 2)) b_in = true;
      else b_out = true;
      if (b_in && b_out) break;
    }
    if (b_in && b_out) break;
  }
  if (b_in && b_out) {
    result = LG_OVL_OVERLAP;
    goto out;
  }
  if (!b_any) {
    /* Every candidate edge is one of the polygon's: the same ring(s) when
     * the polygon has no other edge. */
    if (o->shared_count == o->nsegs) result = LG_OVL_COVERED;
    goto out;
  }
  /* 3. The polygon's boundary near the candidate, against the candidate. */
  bool a_in = false, a_out = !env_within(&o->env, &be);
  if (++o->stamp == 0) o->stamp = 1;
  int cx0 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((be.minx - o->x0) / o->cw)));
  int cx1 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((be.maxx - o->x0) / o->cw)));
  int cy0 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((be.miny - o->y0) / o->ch)));
  int cy1 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((be.maxy - o->y0) / o->ch)));
  for (int cy = cy0; cy <= cy1 && !(a_in && a_out); cy++)
    for (int cx = cx0; cx <= cx1 && !(a_in && a_out); cx++) {
      size_t c = (size_t)cy * o->gx + cx;
      for (uint32_t k = o->cell_start[c]; k < o->cell_start[c + 1]; k++) {
        uint32_t si = o->cell_items[k];
        if (o->seen[si] == o->stamp) continue;
        o->seen[si] = o->stamp;
        const ovl_seg_t *a = &o->segs[si];
        if (o->ring_contact[a->ring] != q) {
          if (o->ring_tested[a->ring] == q) continue;
          o->ring_tested[a->ring] = q;
          if (wkb_pip(rings.items, rings.len, o->ring_pt[2 * a->ring], o->ring_pt[2 * a->ring + 1]))
            a_in = true;
          else
            a_out = true;
          continue;
        }
        if (o->shared[si] == q) continue;
        if (fmax(a->ax, a->bx) < be.minx || fmin(a->ax, a->bx) > be.maxx ||
            fmax(a->ay, a->by) < be.miny || fmin(a->ay, a->by) > be.maxy) {
          a_out = true;
          continue;
        }
        if (wkb_pip(rings.items, rings.len, (a->ax + a->bx) / 2, (a->ay + a->by) / 2)) a_in = true;
        else a_out = true;
        if (a_in && a_out) break;
      }
    }
  if (a_in && a_out) result = LG_OVL_OVERLAP;
  else if (b_in && !a_in) result = LG_OVL_COVERED;
  else if (b_in) result = LG_OVL_OVERLAP;
  else if (a_in) result = LG_OVL_CONTAINS;
  else result = LG_OVL_DISJOINT;
out:
  lg_free(rings.items);
  lg_free(contact);
  lg_free(bshared);
  lg_free(bstart);
  return result;
}

/* ---- Intersection areas without GEOS -------------------------------------
 * Coordinates are taken relative to the polygon's envelope corner, which
 * keeps Gauss-Kruger eastings (tens of millions of metres) from eating
 * the digits the products need. */

#define OVL_TRI_MAX 512

static double tri_orient(const double *a, const double *b, const double *c) {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

static bool in_triangle(const double *a, const double *b, const double *c, const double *p) {
  return tri_orient(a, b, p) >= 0 && tri_orient(b, c, p) >= 0 && tri_orient(c, a, p) >= 0;
}

/* Ear clipping of the polygon's one ring; false when it has holes or
 * parts, too many points, or the triangles do not add up to its area. */
static bool ovl_triangulate(lg_ovl_t *o) {
  if (o->nrings != 1 || o->nsegs < 3 || o->nsegs > OVL_TRI_MAX) return false;
  size_t n = o->nsegs;
  double *pt = lg_malloc(sizeof(double) * 2 * n);
  for (size_t i = 0; i < n; i++) {
    pt[2 * i] = o->segs[i].ax - o->x0;
    pt[2 * i + 1] = o->segs[i].ay - o->y0;
  }
  double area = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = (i + 1) % n;
    area += pt[2 * i] * pt[2 * j + 1] - pt[2 * j] * pt[2 * i + 1];
  }
  size_t *idx = lg_malloc(sizeof(size_t) * n);
  for (size_t i = 0; i < n; i++) idx[i] = area > 0 ? i : n - 1 - i; /* counter-clockwise */
  o->tri = lg_malloc(sizeof(double) * 6 * n);
  o->ntri = 0;
  size_t m = n;
  bool ok = true;
  while (m > 3 && ok) {
    bool cut = false;
    for (size_t k = 0; k < m && !cut; k++) {
      const double *a = pt + 2 * idx[(k + m - 1) % m], *b = pt + 2 * idx[k], *c = pt + 2 * idx[(k + 1) % m];
      if (tri_orient(a, b, c) < 0) continue; /* reflex */
      bool empty = true;
      for (size_t q = 0; q < m && empty; q++) {
        if (q == k || q == (k + m - 1) % m || q == (k + 1) % m) continue;
        const double *p = pt + 2 * idx[q];
        if ((p[0] == a[0] && p[1] == a[1]) || (p[0] == c[0] && p[1] == c[1])) continue;
        if (in_triangle(a, b, c, p)) empty = false;
      }
      if (!empty) continue;
      double *t = o->tri + 6 * o->ntri++;
      t[0] = a[0], t[1] = a[1], t[2] = b[0], t[3] = b[1], t[4] = c[0], t[5] = c[1];
      memmove(idx + k, idx + k + 1, sizeof(size_t) * (m - k - 1));
      m--;
      cut = true;
    }
    ok = cut;
  }
  if (ok) {
    double *t = o->tri + 6 * o->ntri++;
    for (int v = 0; v < 3; v++) t[2 * v] = pt[2 * idx[v]], t[2 * v + 1] = pt[2 * idx[v] + 1];
    double sum = 0;
    for (size_t i = 0; i < o->ntri; i++)
      sum += tri_orient(o->tri + 6 * i, o->tri + 6 * i + 2, o->tri + 6 * i + 4);
    ok = fabs(sum - fabs(area)) <= 1e-9 * fabs(area);
  }
  lg_free(idx);
  lg_free(pt);
  if (!ok) {
    lg_free(o->tri);
    o->tri = NULL;
    o->ntri = 0;
  }
  return ok;
}

/* Sutherland-Hodgman: the ring in[0..n) (open) clipped to the left of
 * a->b, into out; returns the count. */
static size_t clip_half(const double *in, size_t n, const double *a, const double *b, double *out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const double *p = in + 2 * i, *q = in + 2 * ((i + 1) % n);
    double dp = tri_orient(a, b, p), dq = tri_orient(a, b, q);
    if (dp >= 0) out[2 * k] = p[0], out[2 * k + 1] = p[1], k++;
    if ((dp > 0 && dq < 0) || (dp < 0 && dq > 0)) {
      double t = dp / (dp - dq);
      out[2 * k] = p[0] + t * (q[0] - p[0]);
      out[2 * k + 1] = p[1] + t * (q[1] - p[1]);
      k++;
    }
  }
  return k;
}

static double ring_area2(const double *p, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = (i + 1) % n;
    s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
  }
  return s;
}

bool lg_ovl_overlap_area(lg_ovl_t *o, const void *wkb, size_t n, double *area) {
  if (o->tri_state == 0) o->tri_state = ovl_triangulate(o) ? 1 : -1;
  if (o->tri_state < 0) return false;
  wring_vec_t rings = {0};
  const unsigned char *p = wkb;
  if (wkb_rings(&p, (const unsigned char *)wkb + n, 0, &rings) != 0 || rings.len == 0) {
    lg_free(rings.items);
    return false;
  }
  /* Holes subtract whatever their orientation. */
  double total = 0;
  size_t cap = 0;
  double *buf = NULL, *tmp = NULL;
  for (size_t r = 0; r < rings.len; r++) {
    const wring_t *w = &rings.items[r];
    if (w->n < 4) continue;
    size_t m = w->n - 1;
    /* Each half-plane can turn k points into at most 3k/2 (alternating
     * in and out): after three, under 3.4 m. */
    if (cap < 4 * (m + 8)) {
      cap = 4 * (m + 8);
      buf = lg_realloc(buf, sizeof(double) * 2 * cap);
      tmp = lg_realloc(tmp, sizeof(double) * 2 * cap);
    }
    double *ring = lg_malloc(sizeof(double) * 2 * m);
    for (uint32_t i = 0; i < m; i++) {
      double x, y;
      wxy(w, i, &x, &y);
      ring[2 * i] = x - o->x0, ring[2 * i + 1] = y - o->y0;
    }
    double own = ring_area2(ring, m);
    double sign = (own >= 0 ? 1 : -1) * (w->shell ? 1 : -1);
    double ring_total = 0;
    for (size_t t = 0; t < o->ntri; t++) {
      const double *tv = o->tri + 6 * t;
      size_t k = m;
      memcpy(buf, ring, sizeof(double) * 2 * m);
      for (int e = 0; e < 3 && k > 0; e++) {
        size_t k2 = clip_half(buf, k, tv + 2 * e, tv + 2 * ((e + 1) % 3), tmp);
        double *sw = buf;
        buf = tmp, tmp = sw;
        k = k2;
      }
      if (k >= 3) ring_total += ring_area2(buf, k);
    }
    total += sign * ring_total / 2;
    lg_free(ring);
  }
  lg_free(buf);
  lg_free(tmp);
  lg_free(rings.items);
  *area = fmax(0, total);
  return true;
}
