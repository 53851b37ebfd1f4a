/*
 * geo: the only code in landgov that calls GEOS and PROJ. It gives the rest
 * of the system geometry handles, WKB/WKT/GeoJSON and GeoPackage blobs,
 * CRS lookup and transforms, planar and ellipsoidal areas, validation and
 * overlay.
 *
 * Every function takes an lg_geo_t: one GEOS context and one PROJ context
 * that belong to one thread (GEOS' reentrant API, PROJ's per-thread
 * contexts). lg_geo_thread() gives the calling thread its own, created on
 * first use and freed when the thread ends.
 *
 * Axis order: inside landgov x is always easting or longitude and y is
 * northing or latitude (GIS order), whatever the EPSG definition says
 * (EPSG:4490 and the CGCS2000 Gauss-Kruger CRSs declare north first). The
 * Ministry coordinate file's X (northing) and Y (easting) are swapped on
 * reading, in formats/.
 */
#ifndef LG_GEO_H
#define LG_GEO_H

#include "core/core.h"

typedef struct lg_geo lg_geo_t;
typedef struct GEOSGeom_t lg_geom_t;     /* a GEOS geometry */
typedef struct GEOSPrepGeom_t lg_prep_t; /* a prepared geometry (per thread) */

typedef struct lg_env {
  double minx, miny, maxx, maxy;
} lg_env_t;

/* ---- Contexts ---------------------------------------------------------- */
lg_geo_t *lg_geo_new(void);
void lg_geo_free(lg_geo_t *g);
/* The calling thread's context; do not free it. */
lg_geo_t *lg_geo_thread(void);
/* The last GEOS error message of this context ("" if none). */
const char *lg_geo_last_error(lg_geo_t *g);

/* ---- Reading and writing ---------------------------------------------- */
lg_geom_t *lg_geom_from_wkb(lg_geo_t *g, const void *wkb, size_t n, lg_err_t *err);
/* ISO WKB, little-endian, 2D. Caller frees with lg_free. */
unsigned char *lg_geom_to_wkb(lg_geo_t *g, const lg_geom_t *geom, size_t *n);
lg_geom_t *lg_geom_from_wkt(lg_geo_t *g, const char *wkt, lg_err_t *err);
/* precision < 0: full precision. Caller frees with lg_free. */
char *lg_geom_to_wkt(lg_geo_t *g, const lg_geom_t *geom, int precision);
/* A GeoJSON geometry, Feature or FeatureCollection (its geometries are
 * collected into one). */
lg_geom_t *lg_geom_from_geojson(lg_geo_t *g, const char *json, lg_err_t *err);
/* A GeoJSON geometry object. Caller frees with lg_free. */
char *lg_geom_to_geojson(lg_geo_t *g, const lg_geom_t *geom);

/* GeoPackage binary (GPKG 1.3, clause 2.1.3): header with srs_id and an
 * xy envelope, then the WKB. Parsing borrows: *wkb points into blob. */
int lg_gpkg_blob_parse(const void *blob, size_t n, int32_t *srs_id, lg_env_t *env, bool *empty,
                       const unsigned char **wkb, size_t *wkb_len);
/* Appends a blob; env NULL or empty true writes no envelope. */
void lg_gpkg_blob_write(lg_buf_t *out, int32_t srs_id, const lg_env_t *env, bool empty,
                        const void *wkb, size_t wkb_len);
lg_geom_t *lg_geom_from_gpkg(lg_geo_t *g, const void *blob, size_t n, lg_err_t *err);
/* Appends the GeoPackage blob of geom (with its envelope) to out. */
void lg_geom_to_gpkg(lg_geo_t *g, const lg_geom_t *geom, int32_t srs_id, lg_buf_t *out);
/* ---- WKB read without GEOS (wkb.c) ----------------------------------------
 * The one decoder of a WKB geometry's header in landgov: byte order, type
 * (1 Point ... 7 GeometryCollection) and dimensions from ISO codes
 * (1000 Z, 2000 M, 3000 ZM) or PostGIS's EWKB flags, an EWKB SRID read
 * and skipped. *p moves past the header; -1 when truncated or unknown. */
typedef struct lg_wkb_head {
  bool le;      /* little-endian */
  int type;     /* 1..7 */
  int dims;     /* 2, 3 or 4 coordinates a point */
  int32_t srid; /* EWKB's, else 0 */
} lg_wkb_head_t;
int lg_wkb_head(const unsigned char **p, const unsigned char *end, lg_wkb_head_t *h);
uint32_t lg_wkb_u32(const unsigned char *p, bool le);
double lg_wkb_f64(const unsigned char *p, bool le);
/* The same geometry as 2D little-endian ISO WKB (Z and M dropped, an
 * EWKB SRID left out) appended to out; 0, or -1 for WKB that is truncated
 * or malformed (out then holds a part). */
int lg_wkb_to_2d(const void *wkb, size_t n, lg_buf_t *out);
/* Envelope of WKB by scanning its coordinates, without GEOS. */
int lg_wkb_envelope(const void *wkb, size_t n, lg_env_t *env, bool *empty);

/* ---- Construction ------------------------------------------------------- */
/* A polygon from rings of xy pairs (ring 0 the shell, the rest holes),
 * each closed (first point repeated). Returns NULL with err on bad rings. */
lg_geom_t *lg_geom_polygon(lg_geo_t *g, const double *const *rings, const size_t *npts,
                           size_t nrings, lg_err_t *err);
/* A Multi* or GeometryCollection of parts; takes ownership of the parts. */
lg_geom_t *lg_geom_collect(lg_geo_t *g, lg_geom_t **parts, size_t n);
lg_geom_t *lg_geom_box(lg_geo_t *g, const lg_env_t *env);
lg_geom_t *lg_geom_clone(lg_geo_t *g, const lg_geom_t *geom);
void lg_geom_free(lg_geo_t *g, lg_geom_t *geom);

int lg_geom_srid(lg_geo_t *g, const lg_geom_t *geom);
void lg_geom_set_srid(lg_geo_t *g, lg_geom_t *geom, int srid);
bool lg_geom_is_empty(lg_geo_t *g, const lg_geom_t *geom);
/* "Polygon", "MultiPolygon", ... */
const char *lg_geom_type(lg_geo_t *g, const lg_geom_t *geom);
int lg_geom_dimension(lg_geo_t *g, const lg_geom_t *geom); /* 0 point, 1 line, 2 area */
int lg_geom_npoints(lg_geo_t *g, const lg_geom_t *geom);
int lg_geom_envelope(lg_geo_t *g, const lg_geom_t *geom, lg_env_t *env);

/* ---- Measures ----------------------------------------------------------- */
/* Planar area in the units of the geometry's CRS (m2 for projected CRSs). */
double lg_geom_area(lg_geo_t *g, const lg_geom_t *geom);
double lg_geom_length(lg_geo_t *g, const lg_geom_t *geom);
/* Ellipsoidal area in m2 on the CGCS2000 ellipsoid (a = 6378137,
 * f = 1/298.257222101), by geodesic polygon area (Karney, as in PROJ's
 * geod_polygonarea) after transforming from srid to geographic CGCS2000. */
int lg_geom_area_ellipsoidal(lg_geo_t *g, const lg_geom_t *geom, int srid, double *m2,
                             lg_err_t *err);

/* ---- Predicates and overlay (NULL on GEOS failure, message in err) ----- */
bool lg_geom_intersects(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b);
lg_geom_t *lg_geom_intersection(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b, lg_err_t *err);
lg_geom_t *lg_geom_difference(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b, lg_err_t *err);
lg_geom_t *lg_geom_union(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b, lg_err_t *err);
lg_geom_t *lg_geom_unary_union(lg_geo_t *g, const lg_geom_t *a, lg_err_t *err);
lg_geom_t *lg_geom_buffer(lg_geo_t *g, const lg_geom_t *a, double width, lg_err_t *err);
lg_prep_t *lg_prep_new(lg_geo_t *g, const lg_geom_t *geom);
void lg_prep_free(lg_geo_t *g, lg_prep_t *p);
bool lg_prep_intersects(lg_geo_t *g, const lg_prep_t *p, const lg_geom_t *geom);
bool lg_prep_contains(lg_geo_t *g, const lg_prep_t *p, const lg_geom_t *geom);
bool lg_prep_covers(lg_geo_t *g, const lg_prep_t *p, const lg_geom_t *geom);

/* ---- Validation --------------------------------------------------------- */
/* Returns true if valid; otherwise fills reason (GEOS' words) and the
 * location of the problem when known. */
bool lg_geom_is_valid(lg_geo_t *g, const lg_geom_t *geom, char reason[256], double *x, double *y);
lg_geom_t *lg_geom_make_valid(lg_geo_t *g, const lg_geom_t *geom, lg_err_t *err);
/* Promotes Polygon to MultiPolygon, LineString to MultiLineString; other
 * geometries are cloned. */
lg_geom_t *lg_geom_to_multi(lg_geo_t *g, const lg_geom_t *geom);

/* ---- Coordinate reference systems -------------------------------------- */
/* The EPSG definition of a CRS from PROJ's database: WKT1 (as GeoPackage
 * 1.3 stores it) and its name. Caller frees both. */
int lg_crs_lookup(lg_geo_t *g, int epsg, char **wkt, char **name, lg_err_t *err);
/* Whether an EPSG code is a projected CRS (1), geographic (0), or unknown (-1). */
int lg_crs_is_projected(lg_geo_t *g, int epsg);
/* Gauss-Kruger zone from an easting with zone prefix (38383243.971 is zone
 * 38): sets zone, 3 or 6 for the zone width, and the CGCS2000 EPSG code with
 * prefix. Returns LG_EINVAL when the easting has no valid prefix.
 * (CGCS2000 3-degree zones 25-45: EPSG:4513-4533; 6-degree zones 13-23:
 * EPSG:4491-4501; DOMAIN.md section 4.) */
int lg_gk_zone_from_easting(double easting, int *zone, int *width, int *epsg);
/* 3-degree zone of a longitude (round(lon / 3)) and its EPSG codes with
 * and without prefix (4488 + zone, 4509 + zone). Returns LG_EINVAL outside
 * China's zones 25-45. */
int lg_gk_zone_from_lon(double lon, int *zone, int *epsg_prefixed, int *epsg_plain);
/* Central meridian of a CGCS2000 Gauss-Kruger EPSG code, or NAN. */
double lg_gk_central_meridian(int epsg);
/* The area of use PROJ's database declares for an EPSG CRS, as a
 * longitude/latitude envelope (EPSG:4526: 112.5..115.5 E, 21.52..45.45 N).
 * LG_ECRS for an unknown code or one without an area. A projection's
 * formulas go wrong far outside it (a Gauss-Kruger zone 90 degrees from
 * its meridian), so queries clip to it before transforming. */
int lg_crs_area_of_use(lg_geo_t *g, int epsg, lg_env_t *lonlat, lg_err_t *err);

/* A copy of geom transformed from one EPSG CRS to another (GIS axis order
 * on both sides), with the new srid set. NULL with err on failure. */
lg_geom_t *lg_geom_transform(lg_geo_t *g, const lg_geom_t *geom, int from_epsg, int to_epsg,
                             lg_err_t *err);
/* Transforms n points (x[i], y[i]) in place. */
int lg_xy_transform(lg_geo_t *g, int from_epsg, int to_epsg, double *x, double *y, size_t n,
                    lg_err_t *err);

/* ---- Coordinates and overlay helpers (added for review/) ---------------- */
/* One ring of a polygonal geometry: which polygon (part, from 0), which
 * ring (0 the shell, 1.. holes) and its points as xy pairs, closing point
 * included. */
typedef struct lg_ring {
  int part;   /* polygon index inside a Multi/Collection, 0 for a Polygon */
  int ring;   /* 0 shell, 1.. holes */
  size_t n;   /* points, the closing repeat included */
  double *xy; /* 2 * n doubles, owned by the array */
} lg_ring_t;
/* Every ring of the Polygon/MultiPolygon parts of geom (other parts are
 * skipped). Free with lg_rings_free. */
int lg_geom_rings(lg_geo_t *g, const lg_geom_t *geom, lg_ring_t **rings, size_t *n, lg_err_t *err);
void lg_rings_free(lg_ring_t *rings, size_t n);
/* a covers b (no point of b outside a). */
bool lg_geom_covers(lg_geo_t *g, const lg_geom_t *a, const lg_geom_t *b);
/* The polygonal parts of geom as one MultiPolygon (empty if none), srid
 * kept; overlay results may mix in lines and points where shapes touch. */
lg_geom_t *lg_geom_polygonal(lg_geo_t *g, const lg_geom_t *geom);
/* Number of parts of a Multi* or collection (1 for a single geometry). */
int lg_geom_nparts(lg_geo_t *g, const lg_geom_t *geom);
/* A copy of part i (0-based) of a Multi* or collection, srid kept; for a
 * single geometry, part 0 is a copy of itself. NULL when out of range. */
lg_geom_t *lg_geom_part(lg_geo_t *g, const lg_geom_t *geom, int i);
/* Planar area of the polygons in WKB (ISO or EWKB, either byte order, Z/M
 * ignored) by the shoelace formula, without GEOS: for summing the area of
 * whole layers. Lines and points count 0. LG_EINVAL on malformed WKB. */
int lg_wkb_area(const void *wkb, size_t n, double *area);

/* ---- Fast overlay classification (added for review/) -------------------
 * Overlaying one polygon with many neighbours (a boundary against land-use
 * patches, a red-line polygon against farmland) mostly meets candidates
 * that lie wholly inside it, wholly outside, or only touch it along shared
 * edges, as patches of a coverage do. An lg_ovl_t indexes a polygon's
 * segments once; lg_ovl_classify then decides, from a candidate's WKB and
 * without building it in GEOS, which case holds: no proper crossing, no
 * vertex on an edge's inside, then point-in-polygon tests of each ring
 * (one point for a ring that meets the other boundary nowhere, the
 * midpoint of every unshared edge otherwise). Whenever the coordinates
 * come near a degenerate case (a T-junction, collinear overlap, a
 * near-zero orientation) it answers LG_OVL_UNKNOWN and the caller falls
 * back to GEOS. Polygons are assumed valid. */
typedef struct lg_ovl lg_ovl_t;
enum {
  LG_OVL_UNKNOWN = 0, /* undecided: use GEOS */
  LG_OVL_DISJOINT,    /* interiors do not meet (apart, or touching): area 0 */
  LG_OVL_COVERED,     /* the candidate lies within the polygon: its own area */
  LG_OVL_CONTAINS,    /* the polygon lies within the candidate: the polygon's area */
  LG_OVL_OVERLAP      /* interiors meet partly: intersect */
};
/* Indexes geom (Polygon or MultiPolygon, borrowed: it must outlive the
 * index). NULL when geom has no polygonal part. */
lg_ovl_t *lg_ovl_new(lg_geo_t *g, const lg_geom_t *geom);
void lg_ovl_free(lg_geo_t *g, lg_ovl_t *o);
/* Planar area of the indexed polygon. */
double lg_ovl_area(const lg_ovl_t *o);
/* Classifies a candidate given as WKB in the same CRS. */
int lg_ovl_classify(lg_geo_t *g, lg_ovl_t *o, const void *wkb, size_t n);
/* The area of the intersection of the indexed polygon with a candidate
 * (WKB, same CRS), computed without GEOS when the polygon is one ring of
 * at most a few hundred points: the polygon is cut into triangles once
 * (ear clipping, checked against its area), each candidate ring is
 * clipped to each triangle (Sutherland-Hodgman, exact for area whatever
 * the ring's shape, holes counted negative) and the signed areas summed.
 * Returns false when it does not apply; the caller then intersects in
 * GEOS. */
bool lg_ovl_overlap_area(lg_ovl_t *o, const void *wkb, size_t n, double *area);

#endif
