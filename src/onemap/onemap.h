/*
 * onemap: the One Map (一张图) built on the store's layers: feature
 * queries in a requested CRS, the synthetic demo county, and (later)
 * layer-vs-layer analysis and vector tiles.
 */
#ifndef LG_ONEMAP_H
#define LG_ONEMAP_H

#include "core/core.h"
#include "geo/geo.h"
#include "store/store.h"

/* ---- Synthetic county (gen.c) ------------------------------------------ */
/* A realistic synthetic county for demos, tests and benchmarks, written as
 * six layers in EPSG:4526 (CGCS2000 3-degree Gauss-Kruger zone 38, easting
 * with the zone prefix) around a centre near 114.9E 25.8N (south Jiangxi):
 *   landuse  (role landuse, class field DLBM) land-class patches with Third
 *            Land Survey codes and fields DLBM, DLMC, TBMJ (planar m2), TBBH,
 *            QSXZ, QSDWDM, QSDWMC, ZLDWDM, ZLDWMC (19-digit unit codes:
 *            12-digit village code + 0000000, TD/T 1057-2020); fid = patch no.
 *   pbf      (role pbf) permanent basic farmland: copies of cultivated (01xx)
 *            patches outside the urban boundaries; JBNTTBBH, TBBH, DLBM,
 *            DLMC, ZLDWDM, ZLDWMC, TBMJ
 *   eprl     (role eprl) ecological red line over hills, reservoir shores and
 *            the main river's corridor, about a tenth of pbf inside it;
 *            HXBH, HXMC, HXLX, MJ
 *   udb      (role udb) urban development boundary of the county town and
 *            the first township seats; XZQDM, MC, MJ
 *   plan     (role plan, class field YDYHFLDM) planned use zones with 2023
 *            land and sea use codes; YDYHFLDM, YDYHFLMC, MJ
 *   county   (role other) the county outline; XZQDM, XZQMC, MJ
 * The patches form an exact coverage of the county (no gaps, no overlaps,
 * shared edges identical) and the other layers are unions of patches.
 * The same options give the same layers, bit for bit. */
#define LG_GEN_DEFAULT_PATCHES 50000
#define LG_GEN_MIN_PATCHES 200
#define LG_GEN_MAX_PATCHES 1000000 /* about 1 GB of memory while generating */

typedef struct lg_onemap_gen_opts {
  int64_t patches;         /* land-class patches wanted, about (mean patch ~2 ha) */
  uint64_t seed;           /* same seed, same county */
  bool replace;            /* replace existing layers of the same names */
  bool append;             /* add this county to the six layers an earlier county of the
                              same province made (landgov gen --counties) */
  const char *county_code; /* 6-digit GB/T 2260 county code; NULL: "360781" */
  const char *county_name; /* NULL: "示范县" */
  double lon, lat;         /* centre, CGCS2000 degrees; must lie in zone 38 */
} lg_onemap_gen_opts_t;

/* Defaults: 50,000 patches, seed 1, 360781 示范县, 114.9E 25.8N. */
void lg_onemap_gen_opts_init(lg_onemap_gen_opts_t *o);

typedef struct lg_onemap_gen_class {
  char dlbm[8];  /* 地类编码 */
  char dlmc[40]; /* 地类名称 */
  int64_t count; /* patches */
  double area;   /* m2, planar */
} lg_onemap_gen_class_t;

typedef struct lg_onemap_gen_layer {
  char name[16];
  char role[16];
  int64_t count; /* features */
  double area;   /* m2, planar, sum over features */
} lg_onemap_gen_layer_t;

typedef struct lg_onemap_gen_result {
  int srid; /* 4526 */
  char county_code[8];
  char county_name[64];
  double county_area;        /* m2, planar */
  lg_env_t extent;           /* of the county, EPSG:4526 */
  double lon, lat;           /* requested centre */
  double centre_x, centre_y; /* the same in EPSG:4526 */
  double town_x, town_y;     /* centre of the county town, EPSG:4526 */
  int ntownships, nvillages;
  double pbf_eprl_overlap;         /* m2 of basic farmland inside the red line */
  lg_onemap_gen_layer_t layers[6]; /* landuse, pbf, eprl, udb, plan, county */
  int nlayers;
  lg_onemap_gen_class_t classes[40]; /* by land class, in code order; only those present */
  int nclasses;
  double seconds; /* wall time of the whole generation */
} lg_onemap_gen_result_t;

/* Generates the county into s in one transaction. o NULL: defaults. Fails
 * with LG_ECONFLICT if one of the six layers exists and o->replace is
 * not set, LG_EINVAL for a patch count outside [LG_GEN_MIN_PATCHES,
 * LG_GEN_MAX_PATCHES] or a bad county code. */
int lg_onemap_gen(lg_store_t *s, const lg_onemap_gen_opts_t *o, lg_onemap_gen_result_t *r,
                  lg_err_t *err);

/* ---- Feature queries (features.c) -------------------------------------- */
/* Limits of one feature query: a web map asks per view, and a view with
 * more features than this should be zoomed into (or served as tiles). */
#define LG_FEATURES_DEFAULT_LIMIT 1000
#define LG_FEATURES_MAX_LIMIT 10000

/* Appends the features of a layer (by name or numeric id) to out as one
 * GeoJSON FeatureCollection: each Feature's "id" is its fid, every
 * attribute is a property, and geometries are in out_srs (EPSG code; 0 or
 * the layer's own: no transformation), x = easting or longitude as
 * everywhere in landgov. bbox (NULL: everything) is given in out_srs;
 * the features whose geometry intersects it are returned, in fid order
 * (the R-tree narrows the search in the layer's CRS, then each geometry is
 * tested exactly in out_srs). limit 0 means LG_FEATURES_DEFAULT_LIMIT;
 * above LG_FEATURES_MAX_LIMIT or negative: LG_EINVAL. *count receives the
 * number written and *truncated whether more features matched. The
 * collection carries foreign members "crs" (OGC URN of out_srs),
 * "numberReturned" and "truncated". LG_ENOTFOUND for an unknown layer,
 * LG_ECRS for an out_srs PROJ cannot reach. */
int lg_onemap_features_geojson(lg_store_t *s, const char *layer, const lg_env_t *bbox, int out_srs,
                               int64_t limit, lg_buf_t *out, int64_t *count, bool *truncated,
                               lg_err_t *err);
/* The same, giving up with LG_ELIMIT (out left as it was) once lg_mono()
 * has passed deadline (0: none): a server's limits.request_ms. */
int lg_onemap_features_geojson_until(lg_store_t *s, const char *layer, const lg_env_t *bbox,
                                     int out_srs, int64_t limit, double deadline, lg_buf_t *out,
                                     int64_t *count, bool *truncated, lg_err_t *err);

/* The envelope, in to_srs, of the rectangle env given in from_srs. Each
 * edge is sampled at 32 points, since a straight edge in one CRS is a
 * curve in another and its corners alone can miss the bulge. Points PROJ
 * cannot transform are skipped; LG_ECRS when none can be. */
int lg_onemap_env_transform(lg_geo_t *g, const lg_env_t *env, int from_srs, int to_srs,
                            lg_env_t *out, lg_err_t *err);

/* ---- Vector tiles (tiles.c, mvt.c) ---------------------------------------
 * One layer, one tile z/x/y of the Web Mercator grid (EPSG:3857, XYZ
 * scheme: x from the west edge, y from the north edge, as OpenLayers and
 * Google number them), encoded as a Mapbox Vector Tile 2.1: geometries
 * carried from the layer's CRS to 3857, clipped to the tile plus a buffer,
 * on the integer grid of the tile's extent, exterior rings clockwise on
 * screen; the MVT feature id is the fid; tags are the land-class field
 * and the name, number and area fields (and "area_m2", planar area in the
 * layer's CRS, for polygons of a layer without an area field). */
#define LG_TILE_EXTENT 4096 /* units across a tile (ST_AsMVT's default) */
#define LG_TILE_BUFFER 64   /* units kept around it (ST_AsMVT's default) */
#define LG_TILE_MAX_ZOOM 24
/* From this zoom on, tiles keep full detail (the zooms at which people
 * look at single patches); below it vertices go to a grid of half a
 * pixel (extent / 1024 units), fine enough to be invisible and coarse
 * enough to fold the many vertices of small patches. */
#define LG_TILE_DETAIL_ZOOM 14
#define LG_TILE_VERSION_LEN 96

typedef struct lg_onemap_tile_opts {
  int extent;      /* tile units across; 0: LG_TILE_EXTENT */
  int buffer;      /* units kept on each side beyond the tile */
  double min_size; /* polygons and lines whose box is smaller than this
                      (tile units) both ways are left out; 0 keeps all.
                      Default extent / 512: one pixel of the 512-pixel tile
                      OpenLayers and Mapbox GL draw */
  int snap;        /* grid step (tile units) vertices are rounded to; the
                      same for every feature, so shared edges stay shared.
                      0: by zoom (1 from LG_TILE_DETAIL_ZOOM on, else
                      extent / 1024) */
  bool exact;      /* every vertex through PROJ (no interpolation grid) */
} lg_onemap_tile_opts_t;

/* extent 4096, buffer 64, min_size 8, snap 0 (by zoom), exact false.
 * Full detail, as ST_AsMVT gives: min_size 0, snap 1. */
void lg_onemap_tile_opts_init(lg_onemap_tile_opts_t *o);

typedef struct lg_onemap_tile_stats {
  int zoom;
  int64_t candidates; /* rows the R-tree gave */
  int64_t features;   /* written to the tile */
  int64_t small;      /* left out: smaller than min_size */
  int64_t collapsed;  /* left out: nothing left after clipping and rounding */
  int64_t clipped;    /* polygons clipped by Sutherland-Hodgman */
  int64_t geos_clips; /* polygons clipped by GEOS (pieces, holes on the edge) */
  int64_t unreadable; /* skipped: a blob or WKB that could not be read */
  int64_t vertices;   /* written */
  int grid;           /* vertices interpolated from PROJ's on a grid: 0 no,
                         1 the tile's own, 2 the layer's (see tiles.c) */
} lg_onemap_tile_stats_t;

/* The tile's square in EPSG:3857. LG_EINVAL for z outside 0..24 or x, y
 * outside 0..2^z - 1. */
int lg_onemap_tile_bounds(int z, int x, int y, lg_env_t *env, lg_err_t *err);

/* Appends tile z/x/y of a layer (name or numeric id) to out: nothing when
 * no feature falls in it. opts NULL: defaults. stats (may be NULL) says
 * what happened. LG_ENOTFOUND for an unknown layer, LG_EINVAL for a bad
 * tile or options, LG_ECRS when the layer's CRS cannot reach 3857. On
 * failure out is left as it was. */
int lg_onemap_tile(lg_store_t *s, const char *layer, int z, int x, int y,
                   const lg_onemap_tile_opts_t *opts, lg_buf_t *out, lg_onemap_tile_stats_t *stats,
                   lg_err_t *err);

/* A short text naming the present state of a layer (its id, feature
 * count and GeoPackage last_change), for ETags and cache keys: it changes
 * whenever a landgov writer changes the layer. LG_ENOTFOUND when there is
 * no such layer. */
int lg_onemap_tile_version(lg_store_t *s, const char *layer, char out[LG_TILE_VERSION_LEN],
                           lg_err_t *err);

/* An in-memory LRU cache of encoded tiles, shared by threads (it locks).
 * Keys: scope (store path and layer), the layer's version, z/x/y. Seeing
 * a scope at a new version drops its old tiles. max_bytes bounds the
 * tiles' bytes. _get appends a hit to out and returns true. _free accepts
 * NULL; _get and _put do nothing with a NULL cache. */
typedef struct lg_onemap_tile_cache lg_onemap_tile_cache_t;
lg_onemap_tile_cache_t *lg_onemap_tile_cache_new(size_t max_bytes);
void lg_onemap_tile_cache_free(lg_onemap_tile_cache_t *c);
bool lg_onemap_tile_cache_get(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                              int z, int x, int y, lg_buf_t *out);
void lg_onemap_tile_cache_put(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                              int z, int x, int y, const void *data, size_t n);
/* The same for an encoded form of a tile (variant "gzip"; NULL: the tile
 * itself), kept beside the tile and dropped with it when the scope's
 * version changes. Hits and misses count every lookup, variants too. */
bool lg_onemap_tile_cache_get_as(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                                 int z, int x, int y, const char *variant, lg_buf_t *out);
void lg_onemap_tile_cache_put_as(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                                 int z, int x, int y, const char *variant, const void *data,
                                 size_t n);
void lg_onemap_tile_cache_counts(lg_onemap_tile_cache_t *c, uint64_t *hits, uint64_t *misses,
                                 size_t *entries, size_t *bytes);

#endif
