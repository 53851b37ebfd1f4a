/*
 * The One Map's layers over HTTP:
 *
 *   GET /api/layers                  the catalogue, with each extent in the
 *                                    layer's CRS and in CGCS2000 (EPSG:4490)
 *   GET /api/layers/{id}/features    GeoJSON of one layer (id = numeric id or
 *       ?bbox=minx,miny,maxx,maxy    name); bbox in the output CRS
 *       &crs=4490|3857|<layer's>     output CRS (default 4490)
 *       &limit=N                     1..10000 (default 1000)
 *
 * A feature query that runs past the request's time (limits.request_ms)
 * stops and answers 503.
 *
 * Permissions: the policy's "layer" read for the catalogue, "feature"
 * read for a layer's features. Layers are bound to no division (a county
 * store holds its own county's layers), so the question is only whether
 * the role may read them at all.
 */
#include "http/http_int.h"
#include "onemap/onemap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *env_json(const lg_env_t *e) {
  return json_pack("[f,f,f,f]", e->minx, e->miny, e->maxx, e->maxy);
}

static int get_layers(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "layer", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = lg_http_read_store(req, err);
  if (!s) return err->code ? err->code : LG_EDB;
  lg_layer_info_t *ls;
  size_t n;
  rc = lg_store_layers(s, &ls, &n, err);
  if (rc) return rc;
  lg_geo_t *g = lg_http_geo(req);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    const lg_layer_info_t *l = &ls[i];
    /* An empty layer has no extent; neither has one whose CRS PROJ
     * cannot take to CGCS2000 (the map then simply does not zoom to it). */
    json_t *ext = json_null(), *ext4490 = json_null();
    if (l->count > 0) {
      lg_env_t e;
      json_decref(ext);
      ext = env_json(&l->extent);
      if (lg_onemap_env_transform(g, &l->extent, l->srs_id, 4490, &e, NULL) == 0) {
        json_decref(ext4490);
        ext4490 = env_json(&e);
      }
    }
    json_array_append_new(arr,
                          json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:I, s:o, s:o}",
                                    "id", (json_int_t)l->id, "name", l->name, "title", l->title,
                                    "role", l->role, "role_title", lg_store_role_title(l->role),
                                    "class_field", l->class_field[0] ? l->class_field : NULL,
                                    "geometry_type", l->geom_type, "srs_id", l->srs_id, "count",
                                    (json_int_t)l->count, "extent", ext, "extent_4490", ext4490));
  }
  lg_store_layer_infos_free(ls, n);
  lg_http_json(res, 200, json_pack("{s:o}", "layers", arr));
  return 0;
}

/* "4490", "EPSG:4490" (any case) -> 4490; 0 when malformed. */
static int parse_crs(const char *s) {
  if (strncasecmp(s, "EPSG:", 5) == 0) s += 5;
  char *end;
  long v = strtol(s, &end, 10);
  return end != s && *end == '\0' && v > 0 && v < 1000000 ? (int)v : 0;
}

static int get_features(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "feature", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = lg_http_read_store(req, err);
  if (!s) return err->code ? err->code : LG_EDB;
  lg_layer_info_t info;
  rc = lg_store_layer_get(s, lg_http_param(req, "id"), &info, err);
  if (rc) return rc;
  lg_store_layer_info_fini(&info);

  int crs = 4490;
  const char *cs = lg_http_query(req, "crs");
  if (cs && *cs) {
    crs = parse_crs(cs);
    if (crs != 4490 && crs != 3857 && crs != info.srs_id) {
      lg_err_set(err, LG_ECRS,
                 "参数 crs=\"%.40s\" 不支持: 可用 4490 (CGCS2000 经纬度)、3857 (Web 墨卡托) "
                 "或图层自身的 %d",
                 cs, info.srs_id);
      lg_err_where(err, "crs");
      return LG_ECRS;
    }
  }
  long long limit;
  rc = lg_http_query_int(req, "limit", LG_FEATURES_DEFAULT_LIMIT, 1, LG_FEATURES_MAX_LIMIT, &limit,
                         err);
  if (rc) return rc;
  double b[4];
  bool has_bbox;
  rc = lg_http_query_numbers(req, "bbox", b, 4, &has_bbox, err);
  if (rc) return rc;
  lg_env_t bbox = {b[0], b[1], b[2], b[3]};
  if (has_bbox) {
    if (bbox.minx > bbox.maxx || bbox.miny > bbox.maxy) {
      lg_err_set(err, LG_EINVAL,
                 "参数 bbox 无效: 应为 minx,miny,maxx,maxy, 且 minx <= maxx, miny <= maxy");
      lg_err_where(err, "bbox");
      return LG_EINVAL;
    }
    if (crs == 4490 && (bbox.minx < -180 || bbox.maxx > 180 || bbox.miny < -90 || bbox.maxy > 90)) {
      lg_err_set(err, LG_EINVAL, "参数 bbox 超出经纬度范围 (经度 -180..180, 纬度 -90..90)");
      lg_err_where(err, "bbox");
      return LG_EINVAL;
    }
  }

  lg_buf_t out;
  lg_buf_init(&out);
  int64_t count = 0;
  bool truncated = false;
  rc = lg_onemap_features_geojson_until(s, info.name, has_bbox ? &bbox : NULL, crs, (int64_t)limit,
                                        req->deadline, &out, &count, &truncated, err);
  if (rc) {
    lg_buf_fini(&out);
    return rc;
  }
  lg_http_body_buf(res, 200, "application/geo+json; charset=utf-8", &out);
  char num[32];
  snprintf(num, sizeof num, "%lld", (long long)count);
  lg_http_header_add(res, "X-Feature-Count", num);
  lg_http_header_add(res, "X-Truncated", truncated ? "true" : "false");
  return 0;
}

const lg_http_route_t lg_http_routes_layers[] = {
    {"GET", "/api/layers", get_layers},
    {"GET", "/api/layers/{id}/features", get_features},
    {0},
};
