/*
 * The compliance check (合规性审查) of one project boundary against the
 * One Map, stage by stage over one context (lg_check_t, review_int.h):
 *
 *   1. arguments: the boundary is a polygon within the rule set's size,
 *      the project type and use are known;
 *   2. validation, and the parcels dissolved into one boundary;
 *   3. the working CRS (the land-use layer's projected CRS), planar and
 *      ellipsoidal areas;
 *   4. overlay on every polygon layer (overlay.c), the overlaps by layer
 *      and by control role;
 *   5. the land-class table of the boundary survey (三大类, cultivated
 *      land, paddy, state-owned land);
 *   6. plan conformity of the declared use;
 *   7. the verdict's rules (verdict.c);
 *   8. the approval authority (Land Administration Law art. 44, 46;
 *      authority.c);
 *   9. quotas consumed and the follow-ups the law requires;
 *  10. the report.
 *
 * A control layer that is missing is reported as not checked and keeps
 * the verdict from "pass": the absence of data is never the absence of a
 * conflict.
 */
#include "review/review_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *lg_review_num(double v) { return json_real(isfinite(v) ? v : 0); }
#define num lg_review_num

/* LG_ELIMIT once the check under way is past its deadline: a server gives
 * each request a time (limits.request_ms), and a boundary crossing tens
 * of thousands of features must not hold a worker past it. */
static int past_deadline(const lg_checker_t *c, const char *stage, lg_err_t *err) {
  if (c->deadline <= 0 || lg_mono() <= c->deadline) return 0;
  return lg_err_set(err, LG_ELIMIT, "合规性审查超过时限, %s中止", stage);
}

/* The report of a boundary that could not be checked: its input and its
 * validation, no verdict. Takes validation. */
static void fail_report(json_t **report, json_t *validation, const lg_rules_t *r,
                        const lg_boundary_t *b) {
  if (!report) {
    json_decref(validation);
    return;
  }
  *report = json_pack("{s:i, s:i, s:{s:s, s:s, s:i, s:i}, s:o, s:n, s:[]}", "report_version", 1,
                      "rule_set_version", lg_review_rules_version(r), "input", "source", b->source,
                      "format", b->format, "srs_id", b->srs_id, "parcels", b->parcels, "validation",
                      validation, "verdict", "reasons");
}

/* ---- 1. Arguments --------------------------------------------------------- */

static int check_args(lg_check_t *k, lg_err_t *err) {
  lg_geo_t *g = k->g;
  const lg_boundary_t *b = k->b;
  if (!b || !b->geom || lg_geom_is_empty(g, b->geom))
    return lg_err_set(err, LG_EINVAL, "项目用地范围为空 (没有任何坐标)");
  if (lg_geom_dimension(g, b->geom) < 2)
    return lg_err_set(err, LG_EGEOM, "项目用地范围不是面 (%s); 请提供闭合的面状边界",
                      lg_geom_type(g, b->geom));
  double max_points = lg_rules_num(k->R, "validation.max_points", 200000);
  if (lg_geom_npoints(g, b->geom) > max_points)
    return lg_err_set(err, LG_ELIMIT, "边界有 %d 个点, 超过规则集上限 %.0f 个",
                      lg_geom_npoints(g, b->geom), max_points);
  k->type = k->o->type && *k->o->type ? k->o->type : "unspecified";
  k->type_title = lg_rules_type_title(k->R, k->type);
  if (!k->type_title) {
    lg_buf_t known;
    lg_buf_init(&known);
    const char *key;
    const json_t *x;
    json_object_foreach((json_t *)lg_rules_get(k->R, "project_types"), key, x)
        lg_buf_printf(&known, "%s%s", known.len ? ", " : "", key);
    int rc = lg_err_set(err, LG_EINVAL, "未知的项目类型 \"%s\"; 规则集定义的类型: %s", k->type,
                        known.data);
    lg_buf_fini(&known);
    return rc;
  }
  if (k->o->use && *k->o->use) lg_code_normalise(k->o->use, k->use, sizeof k->use);
  k->ydyh = lg_rules_codesys(k->R, "ydyh2023");
  if (k->use[0] && k->ydyh && !json_object_get(k->ydyh->names, k->use)) {
    /* A use the classification does not have would be checked against
     * nothing: name the first-level classes instead. */
    lg_buf_t known;
    lg_buf_init(&known);
    const char *code;
    const json_t *name;
    json_object_foreach((json_t *)k->ydyh->names, code, name) if (strlen(code) == 2)
        lg_buf_printf(&known, "%s%s %s", known.len ? ", " : "", code, json_string_value(name));
    int rc = lg_err_set(err, LG_EINVAL,
                        "拟用途编码 \"%s\" 不在《国土空间调查、规划、用途管制用地用海分类指南》"
                        "中; 一级类为 %s, 请用其下的二级或三级编码 (如 1001 工业用地)",
                        k->use, known.data ? known.data : "");
    lg_err_where(err, "use");
    lg_buf_fini(&known);
    return rc;
  }
  k->sliver = lg_rules_num(k->R, "sliver_m2", 0.01);
  return 0;
}

/* ---- 2. Validation -------------------------------------------------------- */

/* Validates the boundary in its own CRS and point names; an invalid one
 * is refused (with its validation as the report) unless repair was asked
 * for. Several parcels make one boundary: they are dissolved so that
 * shared edges do not split areas and nothing is counted twice. */
static int check_validate(lg_check_t *k, json_t **report, lg_err_t *err) {
  lg_geo_t *g = k->g;
  const lg_boundary_t *b = k->b;
  const lg_check_opts_t *o = k->o;
  lg_geom_t *repaired = NULL;
  k->validation =
      lg_review_validate_until(g, b, k->R, o->make_valid, &repaired, k->c->deadline, err);
  if (!k->validation) return err && err->code ? err->code : LG_EGEOM;
  if (!json_is_true(json_object_get(k->validation, "valid")) && (!o->make_valid || !repaired)) {
    const char *first = "";
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(k->validation, "issues"), i, x) {
      if (strcmp(json_string_value(json_object_get(x, "severity")), "error") == 0) {
        first = json_string_value(json_object_get(x, "text"));
        break;
      }
    }
    int rc =
        lg_err_set(err, LG_EGEOM, "%s: 边界几何无效 (%lld 处错误), 首个: %s%s", b->source,
                   (long long)json_integer_value(json_object_get(k->validation, "errors")), first,
                   o->make_valid    ? "; 无法自动修复"
                   : o->repair_hint ? o->repair_hint
                                    : "; 可要求自动修复 (报告会注明已修复)");
    fail_report(report, k->validation, k->R, b);
    k->validation = NULL;
    lg_geom_free(g, repaired);
    return rc;
  }
  k->src = repaired ? repaired : lg_geom_clone(g, b->geom);
  lg_geom_set_srid(g, k->src, b->srs_id);
  if (lg_geom_nparts(g, k->src) > 1) {
    lg_geom_t *u = lg_geom_unary_union(g, k->src, err);
    lg_geom_t *p = u ? lg_geom_polygonal(g, u) : NULL;
    lg_geom_free(g, u);
    if (!p) return err && err->code ? err->code : LG_EGEOM;
    lg_geom_free(g, k->src);
    k->src = p;
    lg_geom_set_srid(g, k->src, b->srs_id);
  }
  return 0;
}

/* ---- 3. The working CRS ------------------------------------------------------ */

static int pick_work_srs(lg_checker_t *c, lg_geo_t *g, const lg_geom_t *geom, int srs,
                         lg_err_t *err) {
  if (c->work_srs) return c->work_srs;
  if (lg_crs_is_projected(g, srs) == 1) return srs;
  /* A geographic boundary and no projected layer: its own 3-degree zone. */
  lg_env_t e;
  lg_geom_envelope(g, geom, &e);
  int zone, pre, plain;
  if (lg_gk_zone_from_lon((e.minx + e.maxx) / 2, &zone, &pre, &plain) != 0)
    return lg_err_set(err, LG_ECRS,
                      "边界中心经度 %.4f 不在我国 3 度带 25-45 带范围内, 无法计算平面面积",
                      (e.minx + e.maxx) / 2);
  return plain;
}

/* Moves the boundary into the working CRS and measures it; warns when it
 * lies far from the CRS's central meridian, where planar areas stretch. */
static int check_work_crs(lg_check_t *k, json_t **report, lg_err_t *err) {
  lg_geo_t *g = k->g;
  const lg_boundary_t *b = k->b;
  k->work = pick_work_srs(k->c, g, k->src, b->srs_id, err);
  if (k->work < 0) return k->work;
  k->bw = lg_geom_transform(g, k->src, b->srs_id, k->work, err);
  if (!k->bw) {
    int rc = err && err->code ? err->code : LG_ECRS;
    lg_err_prefix(err, "%s: 边界无法转换到工作坐标系: ", b->source);
    return rc;
  }
  k->planar = lg_geom_area(g, k->bw);
  if (!(k->planar > 0)) {
    int rc = lg_err_set(err, LG_EGEOM, "%s: 边界面积为零 (退化的面)", b->source);
    fail_report(report, k->validation, k->R, b);
    k->validation = NULL;
    return rc;
  }
  int rc = lg_geom_area_ellipsoidal(g, k->bw, k->work, &k->ell, err);
  if (rc) return rc;
  k->warnings = json_array();
  lg_env_t e;
  lg_geom_envelope(g, k->bw, &e);
  double cx = (e.minx + e.maxx) / 2, cy = (e.miny + e.maxy) / 2;
  double cm = lg_gk_central_meridian(k->work);
  if (isfinite(cm) && lg_xy_transform(g, k->work, 4490, &cx, &cy, 1, NULL) == 0 &&
      fabs(cx - cm) > 2.0)
    json_array_append_new(k->warnings,
                          json_sprintf("边界中心 (东经 %.4f°) 距工作坐标系 EPSG:%d 的中央经线 "
                                       "%.1f° 超过 2°, 平面面积变形较大; 边界可能不在本地",
                                       cx, k->work, cm));
  return 0;
}

/* ---- 4. Overlays -------------------------------------------------------------- */

static int check_overlay(lg_check_t *k, lg_err_t *err) {
  lg_checker_t *c = k->c;
  int rc = past_deadline(c, "几何校验后", err);
  if (rc) return rc;
  lg_prep_t *prep = lg_prep_new(k->g, k->bw);
  lg_ovl_t *ovl = lg_ovl_new(k->g, k->bw);
  k->res = lg_calloc(c->nlayers ? c->nlayers : 1, sizeof *k->res);
  for (size_t i = 0; i < c->nlayers && rc == 0; i++)
    rc = lg_review_overlay(c, &c->layers[i], k->bw, prep, ovl, k->work, &k->res[i], err);
  lg_prep_free(k->g, prep);
  lg_ovl_free(k->g, ovl);
  return rc;
}

/* The overlap of each layer, with its largest pieces. */
static json_t *layer_overlap(const lg_check_t *k, const lg_clayer_t *L, const lg_lres_t *lr) {
  int max_pieces =
      k->o->max_pieces > 0 ? k->o->max_pieces : (int)lg_rules_num(k->R, "max_pieces", 500);
  json_t *pieces = json_array();
  for (size_t i = 0; i < lr->pieces.len && (int)i < max_pieces; i++) {
    const lg_piece_t *p = &lr->pieces.items[i];
    json_t *x = json_pack("{s:I, s:o}", "fid", (json_int_t)p->fid, "m2", num(p->m2));
    if (L->has_class) json_object_set_new(x, "code", json_string(p->code));
    json_array_append_new(pieces, x);
  }
  json_t *ov = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:I, s:o}", "role", L->info.role,
                         "role_title", lg_store_role_title(L->info.role), "title", L->info.title,
                         "status", "checked", "srs_id", L->info.srs_id, "m2", num(lr->m2), "share",
                         num(fmin(1.0, lr->m2 / k->planar)), "pieces_total",
                         (json_int_t)lr->pieces.len, "pieces", pieces);
  if (lr->pieces.len > (size_t)max_pieces) json_object_set_new(ov, "pieces_truncated", json_true());
  if (lr->repaired) json_object_set_new(ov, "repaired_features", json_integer(lr->repaired));
  return ov;
}

static void check_overlaps(lg_check_t *k) {
  lg_checker_t *c = k->c;
  k->overlaps = json_object();
  lg_role_total_t *totals[] = {&k->eprl, &k->pbf, &k->udb};
  static const char *const roles[] = {"eprl", "pbf", "udb"};
  for (size_t r = 0; r < LG_ARRAY_LEN(totals); r++)
    totals[r]->layers = json_array();
  for (size_t i = 0; i < c->nlayers; i++) {
    const lg_clayer_t *L = &c->layers[i];
    json_object_set_new(k->overlaps, L->info.name, layer_overlap(k, L, &k->res[i]));
    for (size_t r = 0; r < LG_ARRAY_LEN(totals); r++)
      if (strcmp(L->info.role, roles[r]) == 0) {
        totals[r]->m2 += k->res[i].m2;
        totals[r]->n++;
        json_array_append_new(totals[r]->layers, json_string(L->info.name));
      }
  }
  /* Overlapping urban boundary polygons must not make more than all. */
  k->udb.m2 = fmin(k->udb.m2, k->planar);
}

/* ---- 5. The land-class table -------------------------------------------------- */

typedef struct code_area {
  char code[24];
  double m2;
  double state_m2;
} code_area_t;
typedef LG_VEC(code_area_t) code_vec_t;

static code_area_t *code_slot(code_vec_t *v, const char *code) {
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->items[i].code, code) == 0) return &v->items[i];
  code_area_t ca = {{0}, 0, 0};
  snprintf(ca.code, sizeof ca.code, "%s", code);
  lg_vec_push(v, ca);
  return &v->items[v->len - 1];
}

static int cmp_code(const void *a, const void *b) {
  return strcmp(((const code_area_t *)a)->code, ((const code_area_t *)b)->code);
}

/* Sums a layer's pieces by class code, in code order. */
static code_vec_t by_code(const lg_lres_t *lr) {
  code_vec_t v = {0};
  for (size_t i = 0; i < lr->pieces.len; i++) {
    code_area_t *ca = code_slot(&v, lr->pieces.items[i].code);
    ca->m2 += lr->pieces.items[i].m2;
    if (lr->pieces.items[i].state_owned) ca->state_m2 += lr->pieces.items[i].m2;
  }
  if (v.len) qsort(v.items, v.len, sizeof *v.items, cmp_code);
  return v;
}

static void check_classes(lg_check_t *k) {
  const lg_checker_t *c = k->c;
  const lg_clayer_t *LU = k->LU = c->landuse >= 0 ? &c->layers[c->landuse] : NULL;
  k->classes = json_object();
  k->class_table = json_array();
  k->lu_status = "not_checked";
  if (LU && LU->has_class) {
    k->lu_status = "checked";
    code_vec_t classes = by_code(&k->res[c->landuse]);
    const json_t *titles = lg_rules_get(k->R, "major_class_titles");
    for (size_t i = 0; i < classes.len; i++) {
      const code_area_t *ca = &classes.items[i];
      int mj = LU->cs ? lg_codesys_major(LU->cs, ca->code) : LG_MAJOR_UNCLASSIFIED;
      bool cu = LU->cs && lg_codesys_cultivated(LU->cs, ca->code);
      bool pa = LU->cs && lg_codesys_paddy(LU->cs, ca->code);
      k->major[mj] += ca->m2;
      if (cu) k->cultivated += ca->m2, k->cultivated_state += ca->state_m2;
      if (pa) k->paddy += ca->m2;
      k->covered += ca->m2;
      k->state_m2 += ca->state_m2;
      json_object_set_new(k->classes, ca->code, num(ca->m2));
      json_array_append_new(
          k->class_table,
          json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:b}", "code", ca->code, "name",
                    lg_codesys_name(LU->cs, ca->code), "major", lg_major_keys[mj], "major_title",
                    json_string_value(json_object_get(titles, lg_major_keys[mj])), "m2",
                    num(ca->m2), "ha", num(ca->m2 / LG_M2_PER_HA), "mu",
                    num(ca->m2 / LG_M2_PER_HA * LG_MU_PER_HA), "cultivated", cu, "paddy", pa));
    }
    lg_free(classes.items);
  } else if (LU) {
    k->covered = k->res[c->landuse].m2;
  }
  k->uncovered = fmax(0, k->planar - k->covered);
  /* Too little of it in the survey: nothing about classes, authority or
   * quotas can be said (controls.coverage.reviewable_min_share). */
  double min = lg_rules_num(k->R, "controls.coverage.reviewable_min_share", 0);
  k->unreviewable = LU && k->covered / k->planar < min;
}

/* ---- 6. Plan conformity -------------------------------------------------------- */

/* One planned use under the boundary, with the declared use's
 * compatibility, added to the sums. */
static json_t *plan_row(lg_check_t *k, const code_area_t *ca) {
  const lg_clayer_t *PL = k->PL;
  k->plan_m2 += ca->m2;
  if (PL->cs && lg_codesys_major(PL->cs, ca->code) == LG_MAJOR_CONSTRUCTION)
    k->plan_constr_m2 += ca->m2;
  const char *note = NULL;
  int lv = k->use[0] ? lg_rules_plan_compat(k->R, k->use, ca->code, &note) : -1;
  if (lv == LG_COMPAT_YES)
    k->compat_m2 += ca->m2;
  else if (lv == LG_COMPAT_CONDITIONAL)
    k->cond_m2 += ca->m2;
  else if (lv == LG_COMPAT_NO)
    k->incompat_m2 += ca->m2;
  json_t *row = json_pack("{s:s, s:s, s:o}", "code", ca->code, "name",
                          lg_codesys_name(PL->cs ? PL->cs : k->ydyh, ca->code), "m2", num(ca->m2));
  if (lv >= 0)
    json_object_set_new(row, "compatibility",
                        json_string(lv == LG_COMPAT_YES           ? "compatible"
                                    : lv == LG_COMPAT_CONDITIONAL ? "conditional"
                                                                  : "incompatible"));
  if (note) json_object_set_new(row, "note", json_string(note));
  return row;
}

static void check_plan(lg_check_t *k) {
  const lg_checker_t *c = k->c;
  const lg_clayer_t *PL = k->PL = c->plan >= 0 ? &c->layers[c->plan] : NULL;
  if (!PL) {
    k->plan = json_pack("{s:s, s:s}", "status", "not_checked", "text", "没有规划用途图层 (plan)");
    return;
  }
  if (!PL->has_class) {
    k->plan = json_pack("{s:s, s:s, s:s}", "status", "not_checked", "layer", PL->info.name, "text",
                        "规划图层没有用途编码字段");
    return;
  }
  json_t *rows = json_array();
  code_vec_t codes = by_code(&k->res[c->plan]);
  for (size_t i = 0; i < codes.len; i++)
    json_array_append_new(rows, plan_row(k, &codes.items[i]));
  lg_free(codes.items);
  k->plan = json_pack("{s:s, s:s, s:o, s:o, s:o}", "status", k->use[0] ? "checked" : "not_checked",
                      "layer", PL->info.name, "covered_m2", num(k->plan_m2), "construction_m2",
                      num(k->plan_constr_m2), "by_code", rows);
  if (!k->use[0]) {
    json_object_set_new(k->plan, "text",
                        json_string("未申报拟用途编码 (--use), 无法判断规划符合性"));
    return;
  }
  double planar = k->planar;
  json_object_set_new(k->plan, "use", json_string(k->use));
  json_object_set_new(k->plan, "compatible_m2", num(k->compat_m2));
  json_object_set_new(k->plan, "conditional_m2", num(k->cond_m2));
  json_object_set_new(k->plan, "incompatible_m2", num(k->incompat_m2));
  json_object_set_new(k->plan, "unplanned_m2", num(fmax(0, planar - k->plan_m2)));
  json_object_set_new(k->plan, "share", num(fmin(1, k->compat_m2 / planar)));
  json_object_set_new(k->plan, "conditional_share", num(fmin(1, k->cond_m2 / planar)));
}

/* ---- 9. Quotas and follow-ups ---------------------------------------------------- */

static void check_quotas(lg_check_t *k) {
  if (k->unreviewable) {
    k->quotas = json_null();
    return;
  }
  k->quotas = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:n, s:s}", "new_construction_m2",
                        num(k->agri + k->unused), "agricultural_conversion_m2", num(k->agri),
                        "unused_conversion_m2", num(k->unused), "cultivated_balance_m2",
                        num(k->cultivated), "paddy_balance_m2", num(k->paddy), "pbf_replacement_m2",
                        num(k->pbf.m2), "grain_capacity", "note",
                        "新增建设用地 = 占用农用地 + 未利用地; 耕地占补平衡按数量和水田面积计; "
                        "粮食产能需耕地质量等别数据, 未计算");
}

/* Whether the rule set's follow-up condition holds for this project. */
static bool followup_due(const lg_check_t *k, const char *when) {
  double s = k->sliver;
  return (strcmp(when, "pbf") == 0 && k->pbf.m2 > s) ||
         (strcmp(when, "eprl") == 0 && k->eprl.m2 > s) ||
         (strcmp(when, "pbf_or_eprl") == 0 && (k->pbf.m2 > s || k->eprl.m2 > s)) ||
         (strcmp(when, "cultivated") == 0 && k->cultivated > s) ||
         (strcmp(when, "expropriation") == 0 && k->expropriation) ||
         (strcmp(when, "conversion") == 0 && k->conversion) ||
         (strcmp(when, "new_construction") == 0 && k->agri + k->unused > s);
}

static void check_followups(lg_check_t *k) {
  /* Unreviewable: those resting on what was found on the reviewed part
   * (basic farmland, the red line, cultivated land) still follow; none
   * of the authority's (no conversion or expropriation is decided). */
  k->followups = json_array();
  const char *id;
  const json_t *f;
  json_object_foreach((json_t *)lg_rules_get(k->R, "followups"), id, f) {
    if (followup_due(k, json_string_value(json_object_get(f, "when"))))
      json_array_append_new(k->followups, json_pack("{s:s, s:O, s:O, s:O}", "id", id, "title",
                                                    json_object_get(f, "title"), "basis",
                                                    json_object_get(f, "basis"), "text",
                                                    json_object_get(f, "text")));
  }
}

/* ---- 10. The report ---------------------------------------------------------------- */

/* The control roles' summary. */
static json_t *controls(const lg_check_t *k) {
  double planar = k->planar;
  const lg_clayer_t *LU = k->LU;
  json_t *ctl = json_pack(
      "{s:{s:s, s:O, s:o, s:o}, s:{s:s, s:O, s:o, s:o}, s:{s:s, s:O, s:o, s:o, s:o},"
      " s:{s:s, s:s?, s:s?, s:o, s:o, s:o}, s:O}",
      "eprl", "status", k->eprl.n ? "checked" : "not_checked", "layers", k->eprl.layers, "m2",
      num(k->eprl.m2), "share", num(fmin(1, k->eprl.m2 / planar)), "pbf", "status",
      k->pbf.n ? "checked" : "not_checked", "layers", k->pbf.layers, "m2", num(k->pbf.m2), "share",
      num(fmin(1, k->pbf.m2 / planar)), "udb", "status", k->udb.n ? "checked" : "not_checked",
      "layers", k->udb.layers, "inside_m2", num(k->udb.m2), "outside_m2", num(planar - k->udb.m2),
      "inside_share", num(k->udb.m2 / planar), "landuse", "status", k->lu_status, "layer",
      LU ? LU->info.name : NULL, "code_system", LU && LU->cs ? LU->cs->id : NULL, "covered_m2",
      num(k->covered), "uncovered_m2", num(k->uncovered), "covered_share",
      num(fmin(1, k->covered / planar)), "plan", k->plan);
  if (!k->udb.n) {
    json_t *u = json_object_get(ctl, "udb");
    json_object_set_new(u, "inside_m2", json_null());
    json_object_set_new(u, "outside_m2", json_null());
    json_object_set_new(u, "inside_share", json_null());
  }
  if (!k->eprl.n) json_object_set_new(json_object_get(ctl, "eprl"), "m2", json_null());
  if (!k->pbf.n) json_object_set_new(json_object_get(ctl, "pbf"), "m2", json_null());
  return ctl;
}

/* Missing control roles appear under overlaps too, as not checked. */
static void overlaps_not_checked(lg_check_t *k) {
  static const char *const roles[] = {"eprl", "pbf", "udb", "landuse", "plan"};
  for (size_t i = 0; i < LG_ARRAY_LEN(roles); i++) {
    bool have = false;
    for (size_t j = 0; j < k->c->nlayers; j++)
      if (strcmp(k->c->layers[j].info.role, roles[i]) == 0) have = true;
    if (!have && !json_object_get(k->overlaps, roles[i]))
      json_object_set_new(k->overlaps, roles[i],
                          json_pack("{s:s, s:s, s:s, s:n, s:n, s:[], s:i, s:s}", "role", roles[i],
                                    "role_title", lg_store_role_title(roles[i]), "status",
                                    "not_checked", "m2", "share", "pieces", "pieces_total", 0,
                                    "text", "图层缺失, 未审查 (不代表无冲突)"));
  }
}

/* The input as given, with the area the file declares checked against
 * the one computed in the file's own projected CRS. */
static json_t *input(lg_check_t *k, double src_planar) {
  const lg_boundary_t *b = k->b;
  json_t *in =
      json_pack("{s:s, s:s, s:i, s:i, s:i}", "source", b->source, "format", b->format, "srs_id",
                b->srs_id, "parcels", b->parcels, "points", lg_geom_npoints(k->g, b->geom));
  if (b->declared_ha > 0) {
    json_object_set_new(in, "declared_ha", num(b->declared_ha));
    if (isfinite(src_planar)) {
      json_object_set_new(in, "computed_ha", num(src_planar / LG_M2_PER_HA));
      if (fabs(src_planar / LG_M2_PER_HA - b->declared_ha) > 0.0001)
        json_array_append_new(
            k->warnings,
            json_sprintf("文件申报面积 %.4f 公顷与按坐标计算的 %.4f 公顷不符 (面积以计算为准)",
                         b->declared_ha, src_planar / LG_M2_PER_HA));
    }
  }
  return in;
}

static json_t *area(const lg_check_t *k, double src_planar) {
  double planar = k->planar, ell = k->ell;
  json_t *a =
      json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "planar_m2", num(planar), "planar_ha",
                num(planar / LG_M2_PER_HA), "planar_mu", num(planar / LG_M2_PER_HA * LG_MU_PER_HA),
                "ellipsoidal_m2", num(ell), "ellipsoidal_ha", num(ell / LG_M2_PER_HA),
                "ellipsoidal_mu", num(ell / LG_M2_PER_HA * LG_MU_PER_HA), "srs_id", k->work);
  if (isfinite(src_planar) && k->b->srs_id != k->work)
    json_object_set_new(a, "source_planar_m2", num(src_planar));
  return a;
}

/* By LG_VERDICT_*. */
static const char *const verdict_keys[] = {"pass", "conditional", "unreviewable", "prohibited"};
static const char *const verdict_titles[] = {"通过", "有条件通过", "无法审查", "禁止"};

static json_t *check_report(lg_check_t *k, double t0) {
  const lg_rules_t *R = k->R;
  lg_geo_t *g = k->g;
  json_t *ctl = controls(k);
  overlaps_not_checked(k);
  double src_planar = lg_crs_is_projected(g, k->b->srs_id) == 1 ? lg_geom_area(g, k->src) : NAN;
  json_t *majors = json_object();
  for (int i = 0; i < LG_MAJOR_N; i++)
    json_object_set_new(majors, lg_major_keys[i], num(k->major[i]));
  char ts[32];
  lg_time_iso(lg_now(), ts);
  const char *pname = k->o->name && *k->o->name ? k->o->name : k->b->name;
  const char *rs_name = json_string_value(lg_rules_get(R, "name"));
  const char *use = k->use[0] ? k->use : NULL;

  json_t *rep = json_object();
  json_object_set_new(rep, "report_version", json_integer(1));
  json_object_set_new(rep, "created_at", json_string(ts));
  json_object_set_new(rep, "rule_set_version", json_integer(lg_review_rules_version(R)));
  json_object_set_new(rep, "rule_set_name", json_string(rs_name ? rs_name : ""));
  json_object_set_new(rep, "project",
                      json_pack("{s:s, s:s?, s:s?, s:s, s:s}", "name", pname ? pname : "", "use",
                                use, "use_name", use ? lg_codesys_name(k->ydyh, use) : NULL, "type",
                                k->type, "type_title", k->type_title));
  json_object_set_new(rep, "input", input(k, src_planar));
  json_object_set(rep, "validation", k->validation);
  json_object_set_new(rep, "area", area(k, src_planar));
  json_object_set(rep, "overlaps", k->overlaps);
  json_object_set_new(rep, "controls", ctl);
  json_object_set(rep, "classes", k->classes);
  json_object_set(rep, "class_table", k->class_table);
  json_object_set_new(rep, "major_classes", majors);
  json_object_set_new(rep, "cultivated_m2", num(k->cultivated));
  json_object_set_new(rep, "paddy_m2", num(k->paddy));
  json_object_set(rep, "plan", k->plan); /* controls.plan holds the other reference */
  json_object_set(rep, "authority", k->authority);
  json_object_set(rep, "quotas", k->quotas);
  json_object_set(rep, "followups", k->followups);
  json_object_set_new(rep, "verdict", json_string(verdict_keys[k->V.level]));
  json_object_set_new(rep, "verdict_title", json_string(verdict_titles[k->V.level]));
  json_object_set(rep, "reasons", k->V.reasons);
  json_object_set(rep, "conditions", k->V.conditions);
  json_object_set(rep, "warnings", k->warnings);
  if (json_array_size(k->c->skipped)) json_object_set(rep, "skipped_layers", k->c->skipped);
  json_object_set_new(rep, "elapsed_ms", num((lg_mono() - t0) * 1000));
  return rep;
}

static void check_fini(lg_check_t *k) {
  if (k->res) {
    for (size_t i = 0; i < k->c->nlayers; i++)
      lg_free(k->res[i].pieces.items);
    lg_free(k->res);
  }
  lg_geom_free(k->g, k->bw);
  lg_geom_free(k->g, k->src);
  json_t *owned[] = {k->validation,   k->warnings,  k->overlaps,    k->eprl.layers, k->pbf.layers,
                     k->udb.layers,   k->classes,   k->class_table, k->plan,        k->V.reasons,
                     k->V.conditions, k->authority, k->quotas,      k->followups};
  for (size_t i = 0; i < LG_ARRAY_LEN(owned); i++)
    json_decref(owned[i]);
}

int lg_review_check(lg_checker_t *c, const lg_boundary_t *b, const lg_check_opts_t *o,
                    json_t **report, lg_err_t *err) {
  static const lg_check_opts_t none = {0};
  *report = NULL;
  double t0 = lg_mono();
  lg_check_t k = {.c = c, .b = b, .o = o ? o : &none, .g = lg_geo_thread(), .R = c->rules};
  int rc = check_args(&k, err);
  if (rc) return rc;
  c->deadline = k.o->deadline;
  if ((rc = check_validate(&k, report, err)) == 0 && (rc = check_work_crs(&k, report, err)) == 0)
    rc = check_overlay(&k, err);
  if (rc == 0) {
    check_overlaps(&k);
    check_classes(&k);
    check_plan(&k);
    k.V = (lg_verdict_t){0, json_array(), json_array()};
    lg_review_verdict(&k);
    lg_review_authority(&k);
    check_quotas(&k);
    check_followups(&k);
    *report = check_report(&k, t0);
  }
  check_fini(&k);
  return rc;
}
