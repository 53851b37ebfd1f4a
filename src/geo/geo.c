/*
 * Geometry through GEOS' reentrant C API. One lg_geo_t holds a GEOS
 * context (with its error handler writing into the context, never into a
 * global), a PROJ context (crs.c), cached WKB/GeoJSON readers and writers,
 * and a small cache of transformations, all owned by one thread. This file:
 * the context, reading and writing geometries, building them, planar
 * measures, predicates, validation and the rings of polygons. WKB and
 * GeoPackage blobs read without GEOS are wkb.c, coordinate systems crs.c,
 * the overlay classifier ovl.c.
 */
#include "geo/geo_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

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
  for (int i = 0; i < g->nxf; i++)
    proj_destroy(g->xf[i].pj);
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

lg_geom_t *geo_fail(lg_geo_t *g, lg_err_t *err, const char *what) {
  lg_err_set(err, LG_EGEOM, "%s失败: %s", what, g->last_error[0] ? g->last_error : "未知错误");
  return NULL;
}

/* ---- Reading and writing ---------------------------------------------- */

lg_geom_t *lg_geom_from_wkb(lg_geo_t *g, const void *wkb, size_t n, lg_err_t *err) {
  if (!g->wkb_r) g->wkb_r = GEOSWKBReader_create_r(g->h);
  g->last_error[0] = '\0';
  GEOSGeometry *geom = GEOSWKBReader_read_r(g->h, g->wkb_r, wkb, n);
  return geom ? geom : geo_fail(g, err, "读取 WKB 几何");
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
  return geom ? geom : geo_fail(g, err, "读取 WKT 几何");
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
  return geom ? geom : geo_fail(g, err, "读取 GeoJSON 几何");
}

char *lg_geom_to_geojson(lg_geo_t *g, const lg_geom_t *geom) {
  if (!g->json_w) g->json_w = GEOSGeoJSONWriter_create_r(g->h);
  char *w = GEOSGeoJSONWriter_writeGeometry_r(g->h, g->json_w, geom, -1);
  if (!w) return NULL;
  char *out = lg_strdup(w);
  GEOSFree_r(g->h, w);
  return out;
}

/* ---- Construction ------------------------------------------------------- */

static GEOSGeometry *make_ring(lg_geo_t *g, const double *xy, size_t n, size_t idx, lg_err_t *err) {
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
  if (!ring) geo_fail(g, err, "构造环");
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
      for (size_t j = 0; j + 1 < i; j++)
        GEOSGeom_destroy_r(g->h, holes[j]);
      GEOSGeom_destroy_r(g->h, shell);
      lg_free(holes);
      return NULL;
    }
  }
  GEOSGeometry *poly = GEOSGeom_createPolygon_r(g->h, shell, holes, (unsigned)(nrings - 1));
  lg_free(holes);
  return poly ? poly : geo_fail(g, err, "构造多边形");
}

lg_geom_t *lg_geom_collect(lg_geo_t *g, lg_geom_t **parts, size_t n) {
  int type = GEOS_GEOMETRYCOLLECTION;
  if (n > 0) {
    int t0 = GEOSGeomTypeId_r(g->h, parts[0]);
    int same = 1;
    for (size_t i = 1; i < n; i++)
      same &= GEOSGeomTypeId_r(g->h, parts[i]) == t0;
    if (same && t0 == GEOS_POLYGON)
      type = GEOS_MULTIPOLYGON;
    else if (same && t0 == GEOS_LINESTRING)
      type = GEOS_MULTILINESTRING;
    else if (same && t0 == GEOS_POINT)
      type = GEOS_MULTIPOINT;
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

void lg_geom_set_srid(lg_geo_t *g, lg_geom_t *geom, int srid) { GEOSSetSRID_r(g->h, geom, srid); }

bool lg_geom_is_empty(lg_geo_t *g, const lg_geom_t *geom) { return GEOSisEmpty_r(g->h, geom) == 1; }

const char *lg_geom_type(lg_geo_t *g, const lg_geom_t *geom) {
  switch (GEOSGeomTypeId_r(g->h, geom)) {
  case GEOS_POINT:
    return "Point";
  case GEOS_LINESTRING:
    return "LineString";
  case GEOS_LINEARRING:
    return "LinearRing";
  case GEOS_POLYGON:
    return "Polygon";
  case GEOS_MULTIPOINT:
    return "MultiPoint";
  case GEOS_MULTILINESTRING:
    return "MultiLineString";
  case GEOS_MULTIPOLYGON:
    return "MultiPolygon";
  default:
    return "GeometryCollection";
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

/* ---- Predicates and overlay -------------------------------------------- */

bool lg_geom_intersects(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b) {
  return GEOSIntersects_r(g->h, a, b) == 1;
}

#define OVERLAY(name, call, what)                                                                  \
  lg_geom_t *name(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b, lg_err_t *err) {            \
    g->last_error[0] = '\0';                                                                       \
    GEOSGeometry *r = call(g->h, a, b);                                                            \
    return r ? r : geo_fail(g, err, what);                                                         \
  }
OVERLAY(lg_geom_intersection, GEOSIntersection_r, "求交")
OVERLAY(lg_geom_difference, GEOSDifference_r, "求差")
OVERLAY(lg_geom_union, GEOSUnion_r, "合并")

lg_geom_t *lg_geom_unary_union(lg_geo_t *g, const lg_geom_t *a, lg_err_t *err) {
  g->last_error[0] = '\0';
  GEOSGeometry *r = GEOSUnaryUnion_r(g->h, a);
  return r ? r : geo_fail(g, err, "合并");
}

lg_geom_t *lg_geom_buffer(lg_geo_t *g, const lg_geom_t *a, double width, lg_err_t *err) {
  g->last_error[0] = '\0';
  GEOSGeometry *r = GEOSBuffer_r(g->h, a, width, 8);
  return r ? r : geo_fail(g, err, "缓冲区");
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

bool lg_geom_is_valid(lg_geo_t *g, const lg_geom_t *geom, char reason[256], double *x, double *y) {
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
  return r ? r : geo_fail(g, err, "修复几何");
}

lg_geom_t *lg_geom_to_multi(lg_geo_t *g, const lg_geom_t *geom) {
  int t = GEOSGeomTypeId_r(g->h, geom);
  if (t != GEOS_POLYGON && t != GEOS_LINESTRING && t != GEOS_POINT)
    return GEOSGeom_clone_r(g->h, geom);
  GEOSGeometry *part = GEOSGeom_clone_r(g->h, geom);
  int mt = t == GEOS_POLYGON      ? GEOS_MULTIPOLYGON
           : t == GEOS_LINESTRING ? GEOS_MULTILINESTRING
                                  : GEOS_MULTIPOINT;
  GEOSGeometry *m = GEOSGeom_createCollection_r(g->h, mt, &part, 1);
  GEOSSetSRID_r(g->h, m, GEOSGetSRID_r(g->h, geom));
  return m;
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

int lg_geom_rings(lg_geo_t *g, const lg_geom_t *geom, lg_ring_t **rings, size_t *n, lg_err_t *err) {
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
  for (size_t i = 0; i < n; i++)
    lg_free(rings[i].xy);
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
