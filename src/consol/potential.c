/*
 * Potential (整治潜力) of a township or a drawn unit, from the One Map's
 * land-use survey layer: cultivated land dissolved into contiguous blocks
 * (fragments under 3 mu), rural construction land outside the
 * development boundary dissolved into blocks (scattered ones far from
 * the village cores), and the quotas they would yield. consol.h gives
 * the rules; the figures are the configuration's.
 *
 * Dissolving is GEOS' unary union: patches of a coverage that share an
 * edge of positive length merge into one polygon, while two that meet
 * only at a corner stay two polygons of the result (a valid polygon's
 * shell cannot touch itself), which is exactly DOMAIN.md's contiguity.
 */
#include "consol/consol_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static bool code_in(const json_t *arr, const char *code) {
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v) if (code && json_string_value(v) &&
                                    !strcmp(json_string_value(v), code)) return true;
  return false;
}

static void geoms_free(lg_geo_t *g, c_geoms_t *v) {
  for (size_t i = 0; i < v->len; i++)
    lg_geom_free(g, v->items[i]);
  lg_free(v->items);
  v->items = NULL;
  v->len = v->cap = 0;
}

/* Files one patch (owned from here on) by its class. */
static bool prefix_in(const json_t *arr, const char *code) {
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v) {
    const char *x = json_string_value(v);
    if (x && code && !strncmp(code, x, strlen(x))) return true;
  }
  return false;
}

static void pot_add(c_pot_t *p, const char *cls, lg_geom_t *f) {
  if (p->construction && prefix_in(p->construction, cls))
    p->construction_m2 += lg_geom_area(p->g, f);
  if (cls && !strncmp(cls, p->prefix, strlen(p->prefix))) {
    if (code_in(p->paddy, cls)) p->paddy_m2 += lg_geom_area(p->g, f);
    lg_vec_push(&p->cult, f);
  } else if (code_in(p->rural, cls)) {
    lg_vec_push(&p->rur, f);
  } else {
    lg_geom_free(p->g, f);
  }
}

/* Reads the patches of the unit: by ZLDWDM prefix, or clipped to area. */
int c_pot_read(lg_store_t *s, c_pot_t *p, const lg_layer_info_t *li, const char *township,
               const lg_geom_t *area, lg_err_t *err) {
  lg_store_reader_t *r = NULL;
  lg_prep_t *prep = NULL;
  lg_env_t env;
  const char *cols[] = {li->class_field, township ? "ZLDWDM" : NULL, NULL};
  lg_read_opts_t o = {.columns = cols};
  size_t tl = township ? strlen(township) : 0;
  if (area) {
    lg_geom_envelope(p->g, area, &env);
    o.bbox = &env;
    prep = lg_prep_new(p->g, area);
    p->unit_m2 = lg_geom_area(p->g, area);
  }
  int rc = lg_store_reader_new(s, li->name, &o, &r, err);
  if (rc) {
    lg_err_prefix(err, "读取土地利用现状图层 %s: ", li->name);
    goto done;
  }
  while ((rc = lg_store_reader_next(r, err)) == 1) {
    if (township) {
      const char *z = lg_store_reader_text(r, 1);
      if (!z || strncmp(z, township, tl)) continue;
    }
    size_t n;
    const void *blob = lg_store_reader_blob(r, &n);
    if (!blob) continue;
    lg_geom_t *f = lg_geom_from_gpkg(p->g, blob, n, err);
    if (!f) {
      rc = LG_EINVAL;
      lg_err_prefix(err, "图层 %s 图斑 %lld: ", li->name, (long long)lg_store_reader_fid(r));
      break;
    }
    if (prep && !lg_prep_covers(p->g, prep, f)) {
      lg_geom_t *x =
          lg_prep_intersects(p->g, prep, f) ? lg_geom_intersection(p->g, f, area, err) : NULL;
      lg_geom_free(p->g, f);
      f = x ? lg_geom_polygonal(p->g, x) : NULL;
      lg_geom_free(p->g, x);
      if (!f || lg_geom_is_empty(p->g, f)) {
        lg_geom_free(p->g, f);
        continue;
      }
    }
    if (!area) p->unit_m2 += lg_geom_area(p->g, f);
    p->covered_m2 += lg_geom_area(p->g, f);
    p->patches++;
    pot_add(p, lg_store_reader_text(r, 0), f);
  }
done:
  if (prep) lg_prep_free(p->g, prep);
  lg_store_reader_free(r);
  return rc < 0 ? rc : 0;
}

void c_pot_fini(c_pot_t *p) {
  geoms_free(p->g, &p->cult);
  geoms_free(p->g, &p->rur);
}

/* The dissolved blocks of patches (consumed): a MultiPolygon, srid set. */
lg_geom_t *c_dissolve(lg_geo_t *g, c_geoms_t *v, int srid, lg_err_t *err) {
  lg_geom_t *all = lg_geom_collect(g, v->items, v->len), *u, *out;
  v->len = 0; /* the collection owns them */
  u = all ? lg_geom_unary_union(g, all, err) : NULL;
  lg_geom_free(g, all);
  out = u ? lg_geom_polygonal(g, u) : NULL;
  lg_geom_free(g, u);
  if (!out && err && !err->code)
    lg_err_set(err, LG_EINTERNAL, "图斑融合失败: %s", lg_geo_last_error(g));
  if (out) lg_geom_set_srid(g, out, srid);
  return out;
}

static void feature(lg_geo_t *g, json_t *fc, const lg_geom_t *part, const char *kind, double m2) {
  if (!fc) return;
  char *gj = lg_geom_to_geojson(g, part);
  json_t *geom = gj ? json_loads(gj, 0, NULL) : NULL;
  lg_free(gj);
  json_array_append_new(json_object_get(fc, "features"),
                        json_pack("{s:s, s:o, s:{s:s, s:f}}", "type", "Feature", "geometry",
                                  geom ? geom : json_null(), "properties", "kind", kind, "area_m2",
                                  c_round2(m2)));
}

/* Cultivated blocks and fragments into out. */
static int pot_cultivated(c_pot_t *p, int srid, json_t *out, json_t *fc, double *frag_m2,
                          lg_err_t *err) {
  double max = c_cfg_num(p->cfg, "cultivated.fragment_max_m2", 2000);
  lg_geom_t *blocks = c_dissolve(p->g, &p->cult, srid, err);
  if (!blocks) return LG_EINTERNAL;
  int n = lg_geom_is_empty(p->g, blocks) ? 0 : lg_geom_nparts(p->g, blocks);
  double total = 0, largest = 0, fa = 0;
  int64_t fc_n = 0;
  for (int i = 0; i < n; i++) {
    lg_geom_t *part = lg_geom_part(p->g, blocks, i);
    double a = lg_geom_area(p->g, part);
    total += a;
    if (a > largest) largest = a;
    if (a < max) {
      fc_n++;
      fa += a;
      feature(p->g, fc, part, "fragment", a);
    }
    lg_geom_free(p->g, part);
  }
  lg_geom_free(p->g, blocks);
  *frag_m2 = fa;
  json_object_set_new(out, "cultivated",
                      json_pack("{s:f, s:f, s:I, s:f, s:f, s:{s:I, s:f, s:f}}", "area_m2",
                                c_round2(total), "paddy_m2", c_round2(p->paddy_m2), "blocks",
                                (json_int_t)n, "mean_block_m2", c_round2(n ? total / n : 0),
                                "largest_block_m2", c_round2(largest), "fragments", "count",
                                (json_int_t)fc_n, "area_m2", c_round2(fa), "max_m2", max));
  return 0;
}

/* The rural construction blocks outside the development boundary, and
 * the scattered ones among them, into out. */
static int pot_rural(lg_store_t *s, c_pot_t *p, int srid, json_t *out, json_t *fc, double *scat_m2,
                     lg_err_t *err) {
  double smax = c_cfg_num(p->cfg, "rural_construction.scattered_max_m2", 1000);
  double cmin = c_cfg_num(p->cfg, "rural_construction.core_min_m2", 5000);
  double dist = c_cfg_num(p->cfg, "rural_construction.core_distance_m", 200);
  lg_geom_t *all = NULL, *udb = NULL, *outside = NULL, *cores = NULL, *reach = NULL;
  c_geoms_t cand = {0};
  lg_layer_info_t ul = {0};
  int rc = 0;
  if (!(all = c_dissolve(p->g, &p->rur, srid, err))) return LG_EINTERNAL;
  double total = lg_geom_area(p->g, all);
  const char *udb_name = NULL;
  if (!lg_geom_is_empty(p->g, all) && lg_store_layer_by_role(s, "udb", &ul, NULL) == 0) {
    udb_name = ul.name;
    lg_geom_t *a = c_geom_ready(p->g, all, srid, ul.srs_id, "农村建设用地", err);
    udb = a ? c_layer_union(s, p->g, ul.name, a, false, err) : NULL;
    lg_geom_free(p->g, a);
    lg_geom_t *ub =
        udb && ul.srs_id != srid ? lg_geom_transform(p->g, udb, ul.srs_id, srid, err) : NULL;
    if (ub) {
      lg_geom_free(p->g, udb);
      udb = ub;
    }
    lg_geom_t *d = udb ? lg_geom_difference(p->g, all, udb, err) : NULL;
    outside = d ? lg_geom_polygonal(p->g, d) : NULL;
    lg_geom_free(p->g, d);
    if (!outside) {
      rc = err && err->code ? err->code : LG_EINTERNAL;
      goto done;
    }
  } else {
    outside = lg_geom_clone(p->g, all);
  }
  int n = lg_geom_is_empty(p->g, outside) ? 0 : lg_geom_nparts(p->g, outside);
  LG_VEC(lg_geom_t *) core = {0};
  for (int i = 0; i < n; i++) {
    lg_geom_t *part = lg_geom_part(p->g, outside, i);
    double a = lg_geom_area(p->g, part);
    if (a >= cmin)
      lg_vec_push(&core, part);
    else if (a <= smax)
      lg_vec_push(&cand, part);
    else
      lg_geom_free(p->g, part);
  }
  int64_t ncores = (int64_t)core.len;
  if (core.len) {
    cores = lg_geom_collect(p->g, core.items, core.len);
    reach = cores && dist > 0 ? lg_geom_buffer(p->g, cores, dist, err) : NULL;
  }
  lg_free(core.items);
  double sa = 0;
  int64_t sn = 0;
  for (size_t i = 0; i < cand.len; i++) {
    if (reach && lg_geom_intersects(p->g, reach, cand.items[i])) continue;
    double a = lg_geom_area(p->g, cand.items[i]);
    sn++;
    sa += a;
    feature(p->g, fc, cand.items[i], "scattered", a);
  }
  *scat_m2 = sa;
  json_object_set_new(
      out, "rural_construction",
      json_pack("{s:f, s:f, s:I, s:I, s:{s:I, s:f}, s:{s:f, s:f, s:f}, s:s?}", "area_m2",
                c_round2(total), "outside_udb_m2", c_round2(lg_geom_area(p->g, outside)), "blocks",
                (json_int_t)n, "cores", (json_int_t)ncores, "scattered", "count", (json_int_t)sn,
                "area_m2", c_round2(sa), "params", "scattered_max_m2", smax, "core_min_m2", cmin,
                "core_distance_m", dist, "udb_layer", udb_name));
done:
  for (size_t i = 0; i < cand.len; i++)
    lg_geom_free(p->g, cand.items[i]);
  lg_free(cand.items);
  lg_geom_free(p->g, all);
  lg_geom_free(p->g, udb);
  lg_geom_free(p->g, outside);
  lg_geom_free(p->g, cores);
  lg_geom_free(p->g, reach);
  lg_store_layer_info_fini(&ul);
  return rc;
}

static int unit_check(const lg_consol_unit_t *u, lg_err_t *err) {
  if (!u || (!u->township == !u->area)) {
    lg_err_set(err, LG_EINVAL, "请给出乡镇代码 (township) 或手绘的单元范围 (area), 二者取其一");
    lg_err_where(err, "township");
    return LG_EINVAL;
  }
  if (u->township) {
    size_t n = strlen(u->township);
    bool ok = n >= 6 && n <= 12;
    for (size_t i = 0; ok && i < n; i++)
      ok = isdigit((unsigned char)u->township[i]);
    if (!ok) {
      lg_err_set(err, LG_EINVAL, "乡镇代码 \"%s\" 无效: 应为 6 到 12 位数字 (如 9 位乡镇代码)",
                 u->township);
      lg_err_where(err, "township");
      return LG_EINVAL;
    }
  }
  return 0;
}

int lg_consol_potential(lg_store_t *s, const lg_consol_unit_t *u, json_t **out, lg_err_t *err) {
  c_pot_t p = {.g = lg_geo_thread()};
  lg_layer_info_t li = {0};
  json_t *cfg = NULL, *res = NULL, *fc = NULL;
  lg_geom_t *area = NULL;
  double frag = 0, scat = 0;
  int rc = unit_check(u, err);
  if (rc) return rc;
  if ((rc = lg_consol_config(s, &cfg, err))) return rc;
  p.cfg = cfg;
  p.prefix = c_cfg_str(cfg, "cultivated.class_prefix", "01");
  p.paddy = c_cfg(cfg, "cultivated.paddy_codes");
  p.rural = c_cfg(cfg, "rural_construction.class_codes");
  if ((rc = lg_store_layer_by_role(s, "landuse", &li, err))) {
    if (rc == LG_ENOTFOUND)
      lg_err_set(err, LG_ENOTFOUND,
                 "本库没有土地利用现状图层 (角色 landuse), 无法测算整治潜力: "
                 "请先导入第三次全国国土调查地类图斑");
    goto done;
  }
  if (!li.class_field[0]) {
    rc = lg_err_set(err, LG_EINVAL, "土地利用现状图层 %s 未指定地类编码字段", li.name);
    goto done;
  }
  if (u->area && !(area = c_geom_ready(p.g, u->area, u->srid ? u->srid : li.srs_id, li.srs_id,
                                       "整治单元范围", err))) {
    rc = LG_EINVAL;
    lg_err_where(err, "area");
    goto done;
  }
  if ((rc = c_pot_read(s, &p, &li, u->township, area, err))) goto done;
  res = json_object();
  if (u->with_geometry) fc = json_pack("{s:s, s:[]}", "type", "FeatureCollection", "features");
  if ((rc = pot_cultivated(&p, li.srs_id, res, fc, &frag, err))) goto done;
  if ((rc = pot_rural(s, &p, li.srs_id, res, fc, &scat, err))) goto done;
  double rc_rate = c_cfg_num(cfg, "yield.reclamation_cultivated_rate", 0);
  double rl_rate = c_cfg_num(cfg, "yield.reclamation_linkage_rate", 0);
  double fr_rate = c_cfg_num(cfg, "yield.fragment_cultivated_rate", 0);
  json_object_set_new(res, "unit",
                      json_pack("{s:s?, s:b, s:i, s:f, s:I}", "township", u->township, "drawn",
                                area != NULL, "srid", li.srs_id, "area_m2", c_round2(p.unit_m2),
                                "patches", (json_int_t)p.patches));
  json_object_set_new(res, "quotas",
                      json_pack("{s:I, s:I, s:s}", "cultivated_area",
                                (json_int_t)llround(scat * rc_rate + frag * fr_rate),
                                "linkage_surplus", (json_int_t)llround(scat * rl_rate), "unit",
                                "m2"));
  json_object_set_new(res, "params",
                      json_pack("{s:f, s:f, s:f, s:s}", "reclamation_cultivated_rate", rc_rate,
                                "reclamation_linkage_rate", rl_rate, "fragment_cultivated_rate",
                                fr_rate, "note", c_cfg_str(cfg, "yield.note", "")));
  json_object_set_new(res, "layer", json_pack("{s:s}", "landuse", li.name));
  if (fc) {
    json_object_set_new(res, "features", fc);
    fc = NULL;
  }
  *out = res;
  res = NULL;
done:
  c_pot_fini(&p);
  lg_geom_free(p.g, area);
  json_decref(res);
  json_decref(fc);
  json_decref(cfg);
  lg_store_layer_info_fini(&li);
  return rc;
}
