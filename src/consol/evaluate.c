/*
 * Evaluation of a project (issue 15, "Acceptance"): the project area's
 * land use before and after, from two land-use layers (the survey before
 * the works and the acceptance survey after them), compared figure by
 * figure: cultivated and paddy area, cultivated land inside permanent
 * basic farmland, contiguous cultivated blocks and fragments under 3 mu
 * (dissolved as the potential dissolves them), rural construction land
 * and construction land, each as {before, after, change}; and the quotas
 * the change would produce. The after layer must cover the project
 * area (an acceptance survey that leaves part of it out is refused,
 * naming the area left out); a layer in another CRS is compared after
 * the project area is carried into it, and the report says so.
 */
#include "consol/consol_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct side {
  double cultivated, paddy, pbf, largest, frag_m2, rural, construction, area;
  int64_t blocks, frags;
} side_t;

/* Cultivated land inside the basic farmland layer: the farmland within
 * the unit (area, in srid) dissolved once, then one intersection with
 * the cultivated blocks (both in srid). Intersecting each farmland
 * feature with all the blocks instead costs a county-sized unit minutes. */
static int pbf_share(lg_store_t *s, lg_geo_t *g, const lg_geom_t *blocks, const lg_geom_t *area,
                     int srid, double *m2, lg_err_t *err) {
  lg_layer_info_t pl = {0};
  lg_geom_t *a = NULL, *u = NULL, *ub = NULL, *x = NULL;
  *m2 = 0;
  if (lg_geom_is_empty(g, blocks) || lg_store_layer_by_role(s, "pbf", &pl, NULL) != 0) {
    lg_store_layer_info_fini(&pl);
    return 0;
  }
  int rc = 0;
  if (!(a = c_geom_ready(g, area, srid, pl.srs_id, "项目区", err)) ||
      !(u = c_layer_union(s, g, pl.name, a, true, err)) ||
      !(ub = pl.srs_id == srid ? lg_geom_clone(g, u)
                               : lg_geom_transform(g, u, pl.srs_id, srid, err)) ||
      !(x = lg_geom_intersection(g, blocks, ub, err))) {
    rc = err && err->code ? err->code : LG_EINTERNAL;
  } else {
    *m2 = lg_geom_area(g, x);
  }
  lg_geom_free(g, a);
  lg_geom_free(g, u);
  lg_geom_free(g, ub);
  lg_geom_free(g, x);
  lg_store_layer_info_fini(&pl);
  return rc;
}

static int side_eval(lg_store_t *s, const json_t *cfg, const char *layer, const lg_geom_t *area,
                     int srid, bool after, json_t *notes, side_t *out, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_layer_info_t li = {0};
  lg_geom_t *a = NULL, *blocks = NULL;
  c_pot_t p = {.g = g, .cfg = cfg};
  const char *what = after ? "整治后" : "整治前";
  int rc = lg_store_layer_get(s, layer ? layer : "", &li, err);
  if (rc) {
    lg_err_prefix(err, "%s土地利用图层: ", what);
    lg_err_where(err, "%s", after ? "after" : "before");
    return rc;
  }
  if (!li.class_field[0]) snprintf(li.class_field, sizeof li.class_field, "DLBM");
  if (li.srs_id != srid)
    json_array_append_new(
        notes,
        json_sprintf("%s图层 %s 为 EPSG:%d, 项目区为 EPSG:%d: 已将项目区换算到图层坐标系后比较",
                     what, li.name, li.srs_id, srid));
  p.prefix = c_cfg_str(cfg, "cultivated.class_prefix", "01");
  p.paddy = c_cfg(cfg, "cultivated.paddy_codes");
  p.rural = c_cfg(cfg, "rural_construction.class_codes");
  p.construction = c_cfg(cfg, "evaluation.construction_prefixes");
  if (!(a = c_geom_ready(g, area, srid, li.srs_id, "项目区", err))) {
    rc = LG_EINVAL;
    goto done;
  }
  if ((rc = c_pot_read(s, &p, &li, NULL, a, err))) goto done;
  out->area = lg_geom_area(g, a);
  double gap = out->area - p.covered_m2;
  if (after && gap > c_cfg_num(cfg, "evaluation.coverage_tolerance_m2", 1)) {
    rc = lg_err_set(err, LG_EINVAL,
                    "整治后图层 %s 未覆盖整个项目区: 缺 %.2f 平方米 (项目区 %.2f 平方米), "
                    "请导入覆盖项目区的验收调查图层",
                    li.name, gap, out->area);
    lg_err_where(err, "after");
    goto done;
  }
  for (size_t i = 0; i < p.rur.len; i++)
    out->rural += lg_geom_area(g, p.rur.items[i]);
  out->paddy = p.paddy_m2;
  out->construction = p.construction_m2;
  if (!(blocks = c_dissolve(g, &p.cult, li.srs_id, err))) {
    rc = LG_EINTERNAL;
    goto done;
  }
  double max = c_cfg_num(cfg, "cultivated.fragment_max_m2", 2000);
  int n = lg_geom_is_empty(g, blocks) ? 0 : lg_geom_nparts(g, blocks);
  for (int i = 0; i < n; i++) {
    lg_geom_t *part = lg_geom_part(g, blocks, i);
    double m2 = lg_geom_area(g, part);
    out->cultivated += m2;
    if (m2 > out->largest) out->largest = m2;
    if (m2 < max) {
      out->frags++;
      out->frag_m2 += m2;
    }
    lg_geom_free(g, part);
  }
  out->blocks = n;
  rc = pbf_share(s, g, blocks, a, li.srs_id, &out->pbf, err);
done:
  c_pot_fini(&p);
  lg_geom_free(g, a);
  lg_geom_free(g, blocks);
  lg_store_layer_info_fini(&li);
  return rc;
}

static json_t *pair(double b, double a) {
  return json_pack("{s:f, s:f, s:f}", "before", c_round2(b), "after", c_round2(a), "change",
                   c_round2(a - b));
}
static json_t *pair_int(int64_t b, int64_t a) {
  return json_pack("{s:I, s:I, s:I}", "before", (json_int_t)b, "after", (json_int_t)a, "change",
                   (json_int_t)(a - b));
}

static int project_area(lg_store_t *s, int64_t id, lg_geom_t **geom, int *srid, char code[64],
                        lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc =
      lg_store_prepare(s, "SELECT geom, srid, code FROM lg_consol_projects WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if ((rc = lg_store_step(st)) != LG_ROW) {
    rc = rc < 0 ? lg_store_fail(s, err, "读取整治项目")
                : lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的整治项目", (long long)id);
  } else {
    size_t n;
    const void *wkb = lg_store_col_blob(st, 0, &n);
    *srid = (int)lg_store_col_int(st, 1);
    snprintf(code, 64, "%s", lg_store_col_text(st, 2));
    *geom = lg_geom_from_wkb(lg_geo_thread(), wkb, n, err);
    rc = *geom ? 0 : LG_EINTERNAL;
    if (*geom) lg_geom_set_srid(lg_geo_thread(), *geom, *srid);
  }
  lg_store_done(st);
  return rc;
}

int lg_consol_evaluate(lg_store_t *s, int64_t id, const char *before, const char *after,
                       json_t **out, lg_err_t *err) {
  lg_geom_t *geom = NULL;
  json_t *cfg = NULL, *notes = json_array();
  side_t b = {0}, a = {0};
  int srid = 0;
  char code[64];
  int rc = project_area(s, id, &geom, &srid, code, err);
  if (rc == 0) rc = lg_consol_config(s, &cfg, err);
  if (rc == 0) rc = side_eval(s, cfg, before, geom, srid, false, notes, &b, err);
  if (rc == 0) rc = side_eval(s, cfg, after, geom, srid, true, notes, &a, err);
  if (rc == 0) {
    double reclaimed = fmax(0, b.rural - a.rural);
    double built = fmax(0, a.construction - b.construction);
    json_t *o = json_object();
    json_object_set_new(o, "project",
                        json_pack("{s:I, s:s, s:f}", "id", (json_int_t)id, "code", code, "area_m2",
                                  c_round2(a.area)));
    json_object_set_new(o, "layers", json_pack("{s:s, s:s}", "before", before, "after", after));
    json_object_set_new(o, "cultivated_m2", pair(b.cultivated, a.cultivated));
    json_object_set_new(o, "paddy_m2", pair(b.paddy, a.paddy));
    json_object_set_new(o, "pbf_cultivated_m2", pair(b.pbf, a.pbf));
    json_object_set_new(o, "blocks", pair_int(b.blocks, a.blocks));
    json_object_set_new(o, "fragments", pair_int(b.frags, a.frags));
    json_object_set_new(o, "fragments_m2", pair(b.frag_m2, a.frag_m2));
    json_object_set_new(
        o, "mean_block_m2",
        pair(b.blocks ? b.cultivated / b.blocks : 0, a.blocks ? a.cultivated / a.blocks : 0));
    json_object_set_new(o, "largest_block_m2", pair(b.largest, a.largest));
    json_object_set_new(o, "rural_construction_m2", pair(b.rural, a.rural));
    json_object_set_new(o, "construction_m2", pair(b.construction, a.construction));
    json_object_set_new(o, "rural_construction_reclaimed_m2", json_real(c_round2(reclaimed)));
    json_object_set_new(o, "new_construction_m2", json_real(c_round2(built)));
    json_object_set_new(
        o, "quotas",
        json_pack("{s:I, s:I, s:I, s:s}", "cultivated_area",
                  (json_int_t)llround(fmax(0, a.cultivated - b.cultivated)), "cultivated_paddy",
                  (json_int_t)llround(fmax(0, a.paddy - b.paddy)), "linkage_surplus",
                  (json_int_t)llround(fmax(0, reclaimed - built)), "note",
                  "由整治前后图层测算, 供验收参考; 入库以验收文件确认的数量为准"));
    json_object_set_new(o, "notes", notes);
    notes = NULL;
    *out = o;
  }
  json_decref(notes);
  json_decref(cfg);
  lg_geom_free(lg_geo_thread(), geom);
  return rc;
}
