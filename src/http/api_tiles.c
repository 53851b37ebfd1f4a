/*
 * Vector tiles of the One Map over HTTP:
 *
 *   GET /tiles/{layer}/{z}/{x}/{y}.mvt      (also under /api/tiles/...)
 *
 * layer is the layer's name or numeric id; z/x/y a tile of the Web
 * Mercator XYZ grid. The answer is a Mapbox Vector Tile
 * (application/vnd.mapbox-vector-tile) made by lg_onemap_tile, or 204 No
 * Content when nothing of the layer falls in the tile; 400 for a tile
 * that does not exist, 404 for an unknown layer.
 *
 * Permission: the policy's "feature" read, as for the features API
 * (api_layers.c): a tile shows the same features.
 *
 * Caching: the ETag names the layer's version (lg_onemap_tile_version)
 * and the tile, so a client revalidates (Cache-Control: private,
 * no-cache) and gets 304 without the tile being made again. Tiles made
 * are kept in an in-memory LRU cache shared by the worker threads, of
 * tiles.cache_mb megabytes (a setting; default 64, 0 turns it off; read
 * at the first tile the server makes), keyed
 * by store, layer, version and tile, so an edited layer is never served
 * from it. X-Tile-Cache says hit or miss; Server-Timing how long the
 * handler took.
 *
 * Compression: a client that accepts gzip (Accept-Encoding) gets the tile
 * gzipped (Content-Encoding: gzip), a z10 tile of a county shrinking from
 * megabytes to a fraction; the gzipped form is kept in the same cache
 * beside the tile, so it is made once. Its ETag has "-gz" added, as two
 * encodings of one tile are two representations (RFC 9110 8.8.3), and
 * every tile answer says Vary: Accept-Encoding.
 *
 * Generalisation: by default tiles below LG_TILE_DETAIL_ZOOM leave out
 * features smaller than a pixel and put vertices on a half-pixel grid
 * (lg_onemap_tile_opts_init). The setting tiles.full_detail = 1 serves every tile at
 * full detail instead, as PostGIS's ST_AsMVT does (for comparing the two,
 * or for clients that analyse rather than draw).
 */
#include "http/http_int.h"
#include "onemap/onemap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bumped whenever the encoder's output changes, so that clients holding
 * tiles under an old ETag fetch them again. */
#define TILE_FORMAT "t1"

static pthread_mutex_t settings_mu = PTHREAD_MUTEX_INITIALIZER;
static bool settings_read;
static lg_onemap_tile_cache_t *cache; /* one for the process: the server's threads share it */
static lg_onemap_tile_opts_t tile_opts;
static const char *tile_mode = "g"; /* in the ETag: generalised or full ("f") */

/* The tile settings, read from the store once, at the first tile. */
static void settings_init(lg_store_t *s) {
  pthread_mutex_lock(&settings_mu);
  if (!settings_read) {
    lg_onemap_tile_opts_init(&tile_opts);
    if (lg_store_setting_int(s, "tiles.full_detail") == 1) {
      tile_opts.min_size = 0;
      tile_opts.snap = 1;
      tile_mode = "f";
    }
    long long mb = lg_store_setting_int(s, "tiles.cache_mb");
    if (mb > 0) cache = lg_onemap_tile_cache_new((size_t)mb << 20);
    settings_read = true;
  }
  pthread_mutex_unlock(&settings_mu);
}

/* A path segment as a non-negative integer of at most 9 digits, with an
 * optional suffix that must follow the digits exactly. */
static bool parse_coord(const char *s, const char *suffix, int *out) {
  if (!s) return false;
  size_t n = strlen(s), sl = suffix ? strlen(suffix) : 0;
  if (n <= sl || (sl && strcmp(s + n - sl, suffix) != 0)) return false;
  n -= sl;
  if (n > 9) return false;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

/* Whether If-None-Match names this ETag (a list, "*", or a weak form). */
static bool etag_matches(const char *inm, const char *etag) {
  if (!inm) return false;
  if (strcmp(inm, "*") == 0) return true;
  return strstr(inm, etag) != NULL;
}

/* Server-Timing (W3C): the handler's own time, in milliseconds, so that a
 * client (and bench/tiles) can tell making the tile from carrying it. */
static void server_timing(lg_http_res_t *res, double start) {
  char v[64];
  snprintf(v, sizeof v, "tile;dur=%.3f", (lg_mono() - start) * 1e3);
  lg_http_header_add(res, "Server-Timing", v);
}

static int get_tile(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  double start = lg_mono();
  int rc = lg_http_require(req, "feature", "read", NULL, err);
  if (rc) return rc;
  int z, x, y;
  const char *zs = lg_http_param(req, "z"), *xs = lg_http_param(req, "x"),
             *ys = lg_http_param(req, "y");
  if (!parse_coord(zs, NULL, &z) || !parse_coord(xs, NULL, &x) || !parse_coord(ys, ".mvt", &y)) {
    lg_err_set(err, LG_EINVAL,
               "瓦片地址 %s 无效: 应为 /tiles/{图层}/{z}/{x}/{y}.mvt, z、x、y 为非负整数",
               req->path);
    lg_err_where(err, "z/x/y");
    return LG_EINVAL;
  }
  lg_env_t bounds;
  if ((rc = lg_onemap_tile_bounds(z, x, y, &bounds, err))) {
    lg_err_where(err, "z/x/y");
    return rc;
  }
  lg_store_t *s = lg_http_read_store(req, err);
  if (!s) return err->code ? err->code : LG_EDB;
  const char *layer = lg_http_param(req, "layer");
  char version[LG_TILE_VERSION_LEN];
  if ((rc = lg_onemap_tile_version(s, layer, version, err))) return rc;

  settings_init(req->store);
  bool gz = lg_http_accepts_encoding(lg_http_header_get(req, "Accept-Encoding"), "gzip");
  char etag[LG_TILE_VERSION_LEN + 64];
  snprintf(etag, sizeof etag, "\"" TILE_FORMAT "%s.%s.%d.%d.%d%s\"", tile_mode, version, z, x, y,
           gz ? "-gz" : "");
  lg_http_header_add(res, "ETag", etag);
  /* Tiles are behind a login: private to the browser, checked each use. */
  lg_http_header_add(res, "Cache-Control", "private, no-cache");
  lg_http_header_add(res, "Vary", "Accept-Encoding");
  if (etag_matches(lg_http_header_get(req, "If-None-Match"), etag)) {
    lg_http_body(res, 304, "application/vnd.mapbox-vector-tile", NULL, 0);
    return 0;
  }

  char *scope = lg_sprintf("%s\n%s", lg_store_path(s), layer);
  lg_buf_t tile, packed;
  lg_buf_init(&tile);
  lg_buf_init(&packed);
  /* The gzipped tile, else the tile (then gzipped now and kept). */
  bool hit = gz && lg_onemap_tile_cache_get_as(cache, scope, version, z, x, y, "gzip", &packed);
  if (!hit) hit = lg_onemap_tile_cache_get(cache, scope, version, z, x, y, &tile);
  if (!hit) {
    lg_onemap_tile_stats_t st;
    rc = lg_onemap_tile(s, layer, z, x, y, &tile_opts, &tile, &st, err);
    if (rc == 0) {
      lg_onemap_tile_cache_put(cache, scope, version, z, x, y, tile.data, tile.len);
      char num[32];
      snprintf(num, sizeof num, "%lld", (long long)st.features);
      lg_http_header_add(res, "X-Tile-Features", num);
    }
  }
  if (rc == 0 && gz && !packed.len && tile.len) {
    rc = lg_http_gzip(tile.data, tile.len, cache ? LG_HTTP_GZIP_CACHED : LG_HTTP_GZIP_FAST, &packed,
                      err);
    if (rc == 0)
      lg_onemap_tile_cache_put_as(cache, scope, version, z, x, y, "gzip", packed.data, packed.len);
  }
  lg_free(scope);
  if (rc) {
    lg_buf_fini(&tile);
    lg_buf_fini(&packed);
    return rc;
  }
  if (cache) lg_http_header_add(res, "X-Tile-Cache", hit ? "hit" : "miss");
  server_timing(res, start);
  if (gz && packed.len) {
    lg_buf_fini(&tile);
    lg_http_header_add(res, "Content-Encoding", "gzip");
    lg_http_body_buf(res, 200, "application/vnd.mapbox-vector-tile", &packed);
    return 0;
  }
  lg_buf_fini(&packed);
  if (tile.len == 0) {
    lg_buf_fini(&tile);
    lg_http_body(res, 204, "application/vnd.mapbox-vector-tile", NULL, 0);
    return 0;
  }
  lg_http_body_buf(res, 200, "application/vnd.mapbox-vector-tile", &tile);
  return 0;
}

const lg_http_route_t lg_http_routes_tiles[] = {
    {"GET", "/tiles/{layer}/{z}/{x}/{y}", get_tile},
    {"GET", "/api/tiles/{layer}/{z}/{x}/{y}", get_tile},
    {0},
};
