/*
 * Overlays of the consol module: a polygon made ready for a layer's CRS,
 * the union of a layer's features within a polygon (read through the
 * store's spatial index, overlaid in src/geo), and a project area's
 * overlaps with the three control lines (生态保护红线, 永久基本农田,
 * 城镇开发边界), each a layer of the One Map found by its role.
 */
#include "consol/consol_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double c_round2(double v) { return round(v * 100.0) / 100.0; }

lg_geom_t *c_geom_ready(lg_geo_t *g, const lg_geom_t *in, int from, int to, const char *what,
                        lg_err_t *err) {
  lg_geom_t *t = NULL, *poly = NULL, *valid = NULL;
  if (!in || lg_geom_is_empty(g, in)) {
    lg_err_set(err, LG_EINVAL, "%s为空", what);
    return NULL;
  }
  if (from > 0 && to > 0 && from != to) {
    t = lg_geom_transform(g, in, from, to, err);
    if (!t) {
      lg_err_prefix(err, "%s无法从 EPSG:%d 转换到 EPSG:%d: ", what, from, to);
      return NULL;
    }
  }
  const lg_geom_t *src = t ? t : in;
  char reason[256];
  if (!lg_geom_is_valid(g, src, reason, NULL, NULL)) {
    valid = lg_geom_make_valid(g, src, err);
    if (!valid) goto done;
    src = valid;
  }
  poly = lg_geom_polygonal(g, src);
  if (poly) lg_geom_set_srid(g, poly, to > 0 ? to : from);
  if (!poly || lg_geom_is_empty(g, poly) || lg_geom_area(g, poly) <= 0) {
    lg_geom_free(g, poly);
    poly = NULL;
    lg_err_set(err, LG_EINVAL, "%s不是有面积的多边形", what);
  }
done:
  lg_geom_free(g, t);
  lg_geom_free(g, valid);
  return poly;
}

lg_geom_t *c_layer_union(lg_store_t *s, lg_geo_t *g, const char *layer, const lg_geom_t *geom,
                         bool clip, lg_err_t *err) {
  lg_env_t env;
  lg_store_reader_t *r = NULL;
  lg_prep_t *prep = NULL;
  LG_VEC(lg_geom_t *) parts = {0};
  lg_geom_t *out = NULL;
  int srid = lg_geom_srid(g, geom);
  const char *const none[] = {NULL};
  lg_geom_envelope(g, geom, &env);
  lg_read_opts_t o = {.bbox = &env, .columns = none};
  int rc = lg_store_reader_new(s, layer, &o, &r, err);
  if (rc) goto done;
  prep = lg_prep_new(g, geom);
  while ((rc = lg_store_reader_next(r, err)) == 1) {
    size_t n;
    const void *blob = lg_store_reader_blob(r, &n);
    if (!blob) continue;
    lg_geom_t *f = lg_geom_from_gpkg(g, blob, n, err);
    if (!f) {
      rc = LG_EINVAL;
      lg_err_prefix(err, "图层 %s 要素 %lld: ", layer, (long long)lg_store_reader_fid(r));
      break;
    }
    if (!lg_prep_intersects(g, prep, f)) {
      lg_geom_free(g, f);
      continue;
    }
    if (clip && !lg_prep_covers(g, prep, f)) {
      lg_geom_t *x = lg_geom_intersection(g, f, geom, err);
      lg_geom_free(g, f);
      if (!x) {
        rc = LG_EINTERNAL;
        break;
      }
      f = lg_geom_polygonal(g, x);
      lg_geom_free(g, x);
    }
    lg_vec_push(&parts, f);
  }
  if (rc < 0) goto done;
  if (parts.len == 0) {
    lg_geom_t *e = lg_geom_collect(g, NULL, 0); /* nothing: an empty MultiPolygon */
    out = e ? lg_geom_polygonal(g, e) : NULL;
    lg_geom_free(g, e);
  } else {
    lg_geom_t *all = lg_geom_collect(g, parts.items, parts.len);
    parts.len = 0; /* owned by the collection now */
    lg_geom_t *u = lg_geom_unary_union(g, all, err);
    lg_geom_free(g, all);
    out = u ? lg_geom_polygonal(g, u) : NULL;
    lg_geom_free(g, u);
  }
  if (!out) {
    if (!err || !err->code)
      lg_err_set(err, LG_EINTERNAL, "图层 %s 叠加失败: %s", layer, lg_geo_last_error(g));
    goto done;
  }
  lg_geom_set_srid(g, out, srid);
done:
  for (size_t i = 0; i < parts.len; i++)
    lg_geom_free(g, parts.items[i]);
  lg_free(parts.items);
  if (prep) lg_prep_free(g, prep);
  lg_store_reader_free(r);
  return out;
}

/* The overlap of area with the first layer of a role: its figures as
 * JSON (null when the store has no such layer), *m2 the overlap. */
static int control_one(lg_store_t *s, lg_geo_t *g, const lg_geom_t *area, int srid,
                       const char *role, json_t **out, double *m2, lg_err_t *err) {
  lg_layer_info_t li = {0};
  lg_geom_t *a = NULL, *u = NULL;
  *m2 = 0;
  *out = json_null();
  int rc = lg_store_layer_by_role(s, role, &li, err);
  if (rc == LG_ENOTFOUND) {
    lg_err_clear(err);
    return 0;
  }
  if (rc) return rc;
  if (!(a = c_geom_ready(g, area, srid, li.srs_id, "项目区", err))) {
    rc = LG_EINVAL;
    goto done;
  }
  if (!(u = c_layer_union(s, g, li.name, a, true, err))) {
    rc = err && err->code ? err->code : LG_EINTERNAL;
    goto done;
  }
  *m2 = c_round2(lg_geom_area(g, u));
  *out = json_pack("{s:s, s:s, s:f}", "layer", li.name, "title", lg_store_role_title(role),
                   "overlap_m2", *m2);
done:
  lg_geom_free(g, a);
  lg_geom_free(g, u);
  lg_store_layer_info_fini(&li);
  return rc;
}

int c_controls(lg_store_t *s, lg_geo_t *g, const lg_geom_t *area, int srid, const char *type,
               json_t **out, lg_err_t *err) {
  static const char *const roles[] = {"eprl", "pbf", "udb"};
  json_t *o = json_object(), *warn = json_array();
  int rc = 0;
  for (size_t i = 0; i < 3 && rc == 0; i++) {
    json_t *one;
    double m2;
    rc = control_one(s, g, area, srid, roles[i], &one, &m2, err);
    if (rc) break;
    json_object_set_new(o, roles[i], one);
    if (json_is_null(one)) {
      json_array_append_new(
          warn, json_sprintf("本库没有%s图层, 未能核对", lg_store_role_title(roles[i])));
    } else if (m2 > 0 && i == 0) {
      json_array_append_new(warn, json_sprintf("项目区与生态保护红线重叠 %.2f 平方米: 红线内仅允许"
                                               "有限人为活动, 须在联合审查中说明",
                                               m2));
    } else if (m2 > 0 && i == 1 && type && !strcmp(type, "reclamation")) {
      json_array_append_new(warn, json_sprintf("建设用地复垦项目区与永久基本农田重叠 %.2f 平方米, "
                                               "请核对复垦范围",
                                               m2));
    } else if (m2 > 0 && i == 2) {
      json_array_append_new(
          warn,
          json_sprintf("项目区位于城镇开发边界内 %.2f 平方米: 开发边界内"
                       "不宜安排%s",
                       m2,
                       type && !strcmp(type, "reclamation") ? "建设用地复垦" : "整治项目, 请核对"));
    }
  }
  json_object_set_new(o, "warnings", warn);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return 0;
}
