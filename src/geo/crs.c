/*
 * Coordinates through PROJ: transformations kept per thread (the geo
 * context's small cache), ellipsoidal areas on the CGCS2000 ellipsoid
 * (geodesic, Karney), coordinate reference systems from PROJ's database,
 * Gauss-Kruger zones (DOMAIN.md section 4) and transforming geometries.
 */
#include "geo/geo_int.h"

#include <geodesic.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

int lg_xy_transform(lg_geo_t *g, int from, int to, double *x, double *y, size_t n, lg_err_t *err) {
  if (from == to || n == 0) return 0;
  PJ *pj = xform_get(g, from, to, err);
  if (!pj) return LG_ECRS;
  proj_errno_reset(pj);
  size_t done = proj_trans_generic(pj, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0,
                                   0, NULL, 0, 0);
  if (done != n || proj_errno(pj) != 0) {
    for (size_t i = 0; i < n; i++)
      if (!isfinite(x[i]) || !isfinite(y[i]))
        return lg_err_set(err, LG_ECRS, "坐标 (%zu) 无法从 EPSG:%d 转换到 EPSG:%d", i + 1, from,
                          to);
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
  for (unsigned i = 0; i < n; i++)
    GEOSCoordSeq_getXY_r(g->h, cs, i, &x[i], &y[i]);
  int rc = 0;
  if (pj) {
    proj_trans_generic(pj, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0,
                       0);
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

lg_geom_t *lg_geom_transform(lg_geo_t *g, const lg_geom_t *geom, int from, int to, lg_err_t *err) {
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
