/*
 * Feature queries: a layer's features inside a box, as GeoJSON in the CRS
 * the client asked for (EPSG:4490 or Web Mercator for web maps, or the
 * layer's own). This is what the map of the web client reads per view.
 *
 * The box arrives in the output CRS; the R-tree is in the layer's. The box
 * is carried over as the envelope of its densified outline, after clipping
 * it to where the layer's projection is meaningful (a Gauss-Kruger zone's
 * formulas give finite nonsense 90 degrees away from its meridian, and a
 * world view must not turn into a box that misses the county). The R-tree
 * gives candidates; each geometry, once transformed, is tested exactly
 * against the box, so what a client gets is what intersects its view.
 * A server hands the query its request's deadline, looked at as rows are
 * read.
 */
#include "onemap/onemap.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EDGE_SAMPLES 32
/* Margin around a projected CRS's declared area of use, in degrees: data
 * spill over their zone's edge, and the formulas stay sound well beyond. */
#define AREA_MARGIN_DEG 5.0

int lg_onemap_env_transform(lg_geo_t *g, const lg_env_t *env, int from, int to, lg_env_t *out,
                            lg_err_t *err) {
  if (from == to) {
    *out = *env;
    return 0;
  }
  enum { N = 4 * EDGE_SAMPLES };
  double x[N], y[N], x0[N], y0[N];
  double w = env->maxx - env->minx, h = env->maxy - env->miny;
  for (int i = 0; i < EDGE_SAMPLES; i++) {
    double t = (double)i / EDGE_SAMPLES;
    x0[i] = env->minx + t * w, y0[i] = env->miny;                                       /* bottom */
    x0[EDGE_SAMPLES + i] = env->maxx, y0[EDGE_SAMPLES + i] = env->miny + t * h;         /* right */
    x0[2 * EDGE_SAMPLES + i] = env->maxx - t * w, y0[2 * EDGE_SAMPLES + i] = env->maxy; /* top */
    x0[3 * EDGE_SAMPLES + i] = env->minx, y0[3 * EDGE_SAMPLES + i] = env->maxy - t * h; /* left */
  }
  memcpy(x, x0, sizeof x);
  memcpy(y, y0, sizeof y);
  bool ok[N];
  int rc = lg_xy_transform(g, from, to, x, y, N, err);
  if (rc == 0) {
    for (int i = 0; i < N; i++)
      ok[i] = true;
  } else {
    /* Some point is out of the transformation's reach: take the others. */
    for (int i = 0; i < N; i++) {
      x[i] = x0[i], y[i] = y0[i];
      ok[i] = lg_xy_transform(g, from, to, &x[i], &y[i], 1, NULL) == 0;
    }
  }
  int n = 0;
  for (int i = 0; i < N; i++) {
    if (!ok[i]) continue;
    if (n == 0 || x[i] < out->minx) out->minx = x[i];
    if (n == 0 || x[i] > out->maxx) out->maxx = x[i];
    if (n == 0 || y[i] < out->miny) out->miny = y[i];
    if (n == 0 || y[i] > out->maxy) out->maxy = y[i];
    n++;
  }
  if (n == 0) {
    if (rc == 0 || !err || !err->code)
      lg_err_set(err, LG_ECRS, "范围无法从 EPSG:%d 转换到 EPSG:%d", from, to);
    return LG_ECRS;
  }
  if (err && rc) lg_err_clear(err);
  return 0;
}

static bool env_intersect(const lg_env_t *a, const lg_env_t *b, lg_env_t *out) {
  out->minx = LG_MAX(a->minx, b->minx);
  out->miny = LG_MAX(a->miny, b->miny);
  out->maxx = LG_MIN(a->maxx, b->maxx);
  out->maxy = LG_MIN(a->maxy, b->maxy);
  return out->minx <= out->maxx && out->miny <= out->maxy;
}

/* The part of bbox (in out_srs) worth carrying into a projected layer_srs:
 * the part within the layer CRS's area of use (plus a margin). Sets
 * *none when nothing is left. A CRS without a declared area, or a box
 * that cannot be expressed in longitude/latitude, is left as it is. */
static void clip_to_area_of_use(lg_geo_t *g, const lg_env_t *bbox, int out_srs, int layer_srs,
                                lg_env_t *region, bool *none) {
  *region = *bbox;
  *none = false;
  lg_env_t aou, ll, cut, back;
  if (lg_crs_is_projected(g, layer_srs) != 1) return;
  if (lg_crs_area_of_use(g, layer_srs, &aou, NULL) != 0) return;
  if (lg_onemap_env_transform(g, bbox, out_srs, 4490, &ll, NULL) != 0) return;
  aou.minx = LG_MAX(aou.minx - AREA_MARGIN_DEG, -180.0);
  aou.maxx = LG_MIN(aou.maxx + AREA_MARGIN_DEG, 180.0);
  aou.miny = LG_MAX(aou.miny - AREA_MARGIN_DEG, -90.0);
  aou.maxy = LG_MIN(aou.maxy + AREA_MARGIN_DEG, 90.0);
  if (!env_intersect(&ll, &aou, &cut)) {
    *none = true;
    return;
  }
  if (lg_onemap_env_transform(g, &cut, 4490, out_srs, &back, NULL) != 0) return;
  if (!env_intersect(bbox, &back, region)) *none = true;
}

/* One attribute as a JSON value; NULL, blobs and text that is not UTF-8
 * become null. */
static json_t *field_json(lg_store_reader_t *r, int i) {
  switch (lg_store_reader_field_type(r, i)) {
  case 1:
    return json_integer((json_int_t)lg_store_reader_int(r, i));
  case 2: {
    double v = lg_store_reader_real(r, i);
    return isfinite(v) ? json_real(v) : json_null();
  }
  case 3: {
    json_t *s = json_string(lg_store_reader_text(r, i));
    return s ? s : json_null();
  }
  default:
    return json_null();
  }
}

int lg_onemap_features_geojson(lg_store_t *s, const char *layer, const lg_env_t *bbox, int out_srs,
                               int64_t limit, lg_buf_t *out, int64_t *count, bool *truncated,
                               lg_err_t *err) {
  return lg_onemap_features_geojson_until(s, layer, bbox, out_srs, limit, 0, out, count, truncated,
                                          err);
}

int lg_onemap_features_geojson_until(lg_store_t *s, const char *layer, const lg_env_t *bbox,
                                     int out_srs, int64_t limit, double deadline, lg_buf_t *out,
                                     int64_t *count, bool *truncated, lg_err_t *err) {
  *count = 0;
  *truncated = false;
  if (limit == 0) limit = LG_FEATURES_DEFAULT_LIMIT;
  if (limit < 0 || limit > LG_FEATURES_MAX_LIMIT)
    return lg_err_set(err, LG_EINVAL, "要素数上限 limit=%lld 无效: 应在 1 到 %d 之间",
                      (long long)limit, LG_FEATURES_MAX_LIMIT);
  if (bbox && !(isfinite(bbox->minx) && isfinite(bbox->miny) && isfinite(bbox->maxx) &&
                isfinite(bbox->maxy) && bbox->minx <= bbox->maxx && bbox->miny <= bbox->maxy))
    return lg_err_set(err, LG_EINVAL,
                      "范围 bbox 无效: 应为 minx,miny,maxx,maxy 且 minx <= maxx, miny <= maxy");

  lg_layer_info_t info;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  lg_store_layer_info_fini(&info);
  lg_geo_t *g = lg_geo_thread();
  int srs = info.srs_id;
  if (out_srs <= 0) out_srs = srs;
  if (out_srs != srs && lg_crs_is_projected(g, out_srs) < 0)
    return lg_err_set(err, LG_ECRS, "未知坐标系 EPSG:%d", out_srs);

  lg_geom_t *box = NULL, *geom = NULL, *xgeom = NULL;
  lg_prep_t *prep = NULL;
  lg_store_reader_t *rd = NULL;
  json_t *props = NULL;
  lg_env_t query;
  bool none = false;
  size_t start = out->len;
  if (bbox) {
    box = lg_geom_box(g, bbox);
    prep = lg_prep_new(g, box);
    if (out_srs == srs) {
      query = *bbox;
    } else {
      lg_env_t region;
      clip_to_area_of_use(g, bbox, out_srs, srs, &region, &none);
      if (!none && (rc = lg_onemap_env_transform(g, &region, out_srs, srs, &query, err))) goto done;
    }
  }

  lg_buf_printf(out,
                "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                "{\"name\":\"urn:ogc:def:crs:EPSG::%d\"}},\"features\":[",
                out_srs);
  if (!none) {
    /* Without a box every row is returned, so the reader can stop at
     * limit + 1 (the one extra tells truncation); with a box some rows
     * fail the exact test, so the loop counts instead. */
    lg_read_opts_t ro = {.bbox = bbox ? &query : NULL, .limit = bbox ? 0 : limit + 1};
    if ((rc = lg_store_reader_new(s, info.name, &ro, &rd, err))) goto done;
    int nf = lg_store_reader_nfields(rd);
    int64_t rows = 0;
    while ((rc = lg_store_reader_next(rd, err)) == 1) {
      /* A box over a big layer may pass over many rows the exact test
       * drops, and each kept one is transformed: the clock is read at the
       * first row and every 64th. */
      if (deadline > 0 && rows++ % 64 == 0 && lg_mono() > deadline) {
        rc = lg_err_set(err, LG_ELIMIT, "要素查询超过时限, 读到图层 %s 的第 %lld 个要素时中止",
                        info.name, (long long)rows);
        goto done;
      }
      size_t blen = 0;
      const void *blob = lg_store_reader_blob(rd, &blen);
      char *gj = NULL;
      if (blob) {
        geom = lg_geom_from_gpkg(g, blob, blen, err);
        if (!geom) {
          lg_err_where(err, "图层 %s 要素 %lld", info.name, (long long)lg_store_reader_fid(rd));
          rc = LG_EGEOM;
          goto done;
        }
        if (!lg_geom_is_empty(g, geom)) {
          xgeom = lg_geom_transform(g, geom, srs, out_srs, err);
          if (!xgeom) {
            lg_err_where(err, "图层 %s 要素 %lld", info.name, (long long)lg_store_reader_fid(rd));
            rc = LG_ECRS;
            goto done;
          }
        }
        lg_geom_free(g, geom);
        geom = NULL;
      }
      if (prep && (!xgeom || !lg_prep_intersects(g, prep, xgeom))) {
        lg_geom_free(g, xgeom);
        xgeom = NULL;
        continue;
      }
      if (*count == limit) {
        *truncated = true;
        break;
      }
      if (xgeom) gj = lg_geom_to_geojson(g, xgeom);
      lg_geom_free(g, xgeom);
      xgeom = NULL;
      props = json_object();
      for (int i = 0; i < nf; i++)
        json_object_set_new(props, lg_store_reader_field_name(rd, i), field_json(rd, i));
      char *pj = json_dumps(props, JSON_COMPACT | JSON_REAL_PRECISION(15));
      json_decref(props);
      props = NULL;
      lg_buf_printf(out, "%s{\"type\":\"Feature\",\"id\":%lld,\"geometry\":%s,\"properties\":%s}",
                    *count ? "," : "", (long long)lg_store_reader_fid(rd), gj ? gj : "null",
                    pj ? pj : "{}");
      lg_free(gj);
      free(pj);
      (*count)++;
    }
    if (rc < 0) goto done;
    rc = 0;
  }
  lg_buf_printf(out, "],\"numberReturned\":%lld,\"truncated\":%s}", (long long)*count,
                *truncated ? "true" : "false");

done:
  if (rc) { /* nothing half-written stays in out */
    out->len = start;
    if (out->data) out->data[start] = '\0';
  }
  json_decref(props);
  lg_geom_free(g, geom);
  lg_geom_free(g, xgeom);
  lg_store_reader_free(rd);
  if (prep) lg_prep_free(g, prep);
  lg_geom_free(g, box);
  return rc;
}
