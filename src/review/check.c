/*
 * The compliance check (合规性审查) of one project boundary against the
 * One Map. The boundary is validated, moved into the working CRS (the
 * land-use layer's projected CRS), measured, and overlaid on every polygon
 * layer of the store. Each layer is searched through its R-tree with the
 * boundary's envelope; the boundary is indexed and prepared once, and each
 * candidate is classified straight from its WKB (lg_ovl_classify): one
 * wholly inside counts its own area, one that only touches or misses the
 * boundary counts none, one containing the boundary counts the boundary's
 * area, and only the ones crossing its edge are measured by clipping them
 * to the boundary's triangles (lg_ovl_overlap_area) or, for boundaries
 * with holes or hundreds of points, built in GEOS and intersected. From the overlaps come the class
 * table of the boundary survey, plan conformity, the approval authority (Land Administration Law
 * art. 44, 46), quotas, follow-ups and the verdict, every rule read from the rule set.
 *
 * A control layer that is missing is reported as not checked and keeps
 * the verdict from "pass": the absence of data is never the absence of a
 * conflict.
 */
#include "review/review_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define M2_PER_HA 10000.0
#define MU_PER_HA 15.0 /* 1 ha = 15 mu (GLOSSARY) */

typedef struct clayer {
  lg_layer_info_t info;
  lg_store_reader_t *q; /* features inside a box: class code, ownership (in that order) */
  int class_col, own_col; /* their columns in q, or -1 */
  bool has_class, has_own;
  const lg_codesys_t *cs; /* code system of the class field, NULL if unknown */
} clayer_t;

struct lg_checker {
  lg_store_t *s;
  const lg_rules_t *rules;
  clayer_t *layers;
  size_t nlayers;
  json_t *skipped;   /* layers that are not polygons */
  int work_srs;      /* 0: decided per boundary */
  int landuse, plan; /* index of the first layer of the role, or -1 */
  double deadline;   /* of the check under way (lg_check_opts_t); 0: none */
};

/* LG_ELIMIT once the check under way is past its deadline: a server gives
 * each request a time (limits.request_ms), and a boundary crossing tens
 * of thousands of features must not hold a worker past it. */
static int past_deadline(const lg_checker_t *c, const char *stage, lg_err_t *err) {
  if (c->deadline <= 0 || lg_mono() <= c->deadline) return 0;
  return lg_err_set(err, LG_ELIMIT, "合规性审查超过时限, %s中止", stage);
}

static bool is_polygonal_type(const char *t) {
  char up[64];
  size_t i = 0;
  for (; t[i] && i + 1 < sizeof up; i++)
    up[i] = (char)toupper((unsigned char)t[i]);
  up[i] = '\0';
  return strstr(up, "POLYGON") || strcmp(up, "GEOMETRY") == 0 ||
         strcmp(up, "GEOMETRYCOLLECTION") == 0 || strstr(up, "SURFACE");
}

static bool has_field(lg_store_t *s, const char *layer, const char *field) {
  lg_field_t *f;
  size_t n;
  if (!field || !*field || lg_store_layer_fields(s, layer, &f, &n, NULL) != 0) return false;
  bool found = false;
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(f[i].name, field) == 0) found = true;
  lg_store_fields_free(f, n);
  return found;
}

/* The box query reads the feature table through its spatial index (the
 * GeoPackage R-tree, or PostGIS's GiST), made once per checker so that a
 * check pays for no SQL compilation: each check rewinds it with its box. */
static int prepare_layer(lg_checker_t *c, clayer_t *L, const char *own_field, lg_err_t *err) {
  const char *cols[3] = {NULL, NULL, NULL};
  int k = 0;
  L->class_col = L->own_col = -1;
  if (L->has_class) cols[L->class_col = k++] = L->info.class_field;
  if (L->has_own) cols[L->own_col = k++] = own_field;
  lg_env_t none = {0, 0, 0, 0};
  lg_read_opts_t o = {.bbox = &none, .columns = cols};
  int rc = lg_store_reader_new(c->s, L->info.name, &o, &L->q, err);
  if (rc) lg_err_prefix(err, "图层 %s 的空间查询: ", L->info.name);
  return rc;
}

int lg_review_checker_new(lg_store_t *s, const lg_rules_t *rules, lg_checker_t **out,
                          lg_err_t *err) {
  *out = NULL;
  lg_layer_info_t *infos = NULL;
  size_t n = 0;
  int rc = lg_store_layers(s, &infos, &n, err);
  if (rc) return rc;
  lg_checker_t *c = lg_calloc(1, sizeof *c);
  c->s = s;
  c->rules = rules;
  c->layers = lg_calloc(n ? n : 1, sizeof *c->layers);
  c->skipped = json_array();
  c->landuse = c->plan = -1;
  lg_geo_t *g = lg_geo_thread();
  const char *own =
      json_string_value(lg_rules_get(rules, "authority.expropriation.ownership_field"));
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (!is_polygonal_type(infos[i].geom_type)) {
      json_array_append_new(c->skipped,
                            json_pack("{s:s, s:s, s:s}", "layer", infos[i].name, "geometry_type",
                                      infos[i].geom_type, "reason", "不是面图层, 不参与叠加"));
      lg_store_layer_info_fini(&infos[i]);
      continue;
    }
    clayer_t *L = &c->layers[c->nlayers];
    L->info = infos[i];
    infos[i].meta = NULL;
    L->has_class = L->info.class_field[0] && has_field(s, L->info.name, L->info.class_field);
    L->cs = L->has_class ? lg_rules_codesys_for_field(rules, L->info.class_field) : NULL;
    L->has_own = strcmp(L->info.role, "landuse") == 0 && has_field(s, L->info.name, own);
    rc = prepare_layer(c, L, own, err);
    if (rc) {
      lg_store_layer_info_fini(&L->info);
      break;
    }
    if (strcmp(L->info.role, "landuse") == 0 && c->landuse < 0) c->landuse = (int)c->nlayers;
    if (strcmp(L->info.role, "plan") == 0 && c->plan < 0) c->plan = (int)c->nlayers;
    c->nlayers++;
  }
  for (size_t i = 0; i < n; i++)
    lg_store_layer_info_fini(&infos[i]);
  lg_free(infos);
  if (rc) {
    lg_review_checker_free(c);
    return rc;
  }
  /* Areas are measured in the land-use layer's projected CRS, the one the
   * county's survey statistics use; failing that, in any projected layer's. */
  if (c->landuse >= 0 && lg_crs_is_projected(g, c->layers[c->landuse].info.srs_id) == 1)
    c->work_srs = c->layers[c->landuse].info.srs_id;
  for (size_t i = 0; c->work_srs == 0 && i < c->nlayers; i++)
    if (lg_crs_is_projected(g, c->layers[i].info.srs_id) == 1)
      c->work_srs = c->layers[i].info.srs_id;
  *out = c;
  return 0;
}

void lg_review_checker_free(lg_checker_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nlayers; i++) {
    lg_store_reader_free(c->layers[i].q);
    lg_store_layer_info_fini(&c->layers[i].info);
  }
  lg_free(c->layers);
  json_decref(c->skipped);
  lg_free(c);
}

/* ---- Overlay of one layer ------------------------------------------------ */

typedef struct piece {
  int64_t fid;
  double m2;
  char code[24];
  bool state_owned;
} piece_t;

typedef struct lres {
  double m2;
  LG_VEC(piece_t) pieces;
  int repaired; /* layer features made valid to be measured */
} lres_t;

static int cmp_piece_area(const void *a, const void *b) {
  const piece_t *p = a, *q = b;
  if (p->m2 != q->m2) return p->m2 > q->m2 ? -1 : 1;
  return p->fid < q->fid ? -1 : p->fid > q->fid;
}

static bool in_list(const json_t *arr, const char *s) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i,
                     x) if (json_is_string(x) && strcmp(json_string_value(x), s) == 0) return true;
  return false;
}

/* Intersects the boundary bw (working CRS, prepared as prep) with every
 * feature of layer L near it. */
static int overlay(lg_checker_t *c, clayer_t *L, const lg_geom_t *bw, const lg_prep_t *prep,
                   lg_ovl_t *ovl, int work, lres_t *res, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_env_t env;
  lg_geom_t *bl = NULL;
  int rc = 0;
  bool same = L->info.srs_id == work;
  if (same) {
    lg_geom_envelope(g, bw, &env);
  } else {
    bl = lg_geom_transform(g, bw, work, L->info.srs_id, err);
    if (!bl) return err ? err->code : LG_ECRS;
    lg_geom_envelope(g, bl, &env);
    /* Straight edges bend across CRSs: widen the box a little. */
    double dx = (env.maxx - env.minx) * 0.01, dy = (env.maxy - env.miny) * 0.01;
    env.minx -= dx, env.maxx += dx, env.miny -= dy, env.maxy += dy;
    lg_geom_free(g, bl);
  }
  const json_t *state_codes = lg_rules_get(c->rules, "authority.expropriation.state_owned_codes");
  lg_store_reader_t *q = L->q;
  lg_read_opts_t box = {.bbox = &env};
  if ((rc = lg_store_reader_rewind(q, &box, err)) != 0) return rc;
  int step;
  while ((step = lg_store_reader_next(q, err)) == 1) {
    if (c->deadline > 0 && lg_mono() > c->deadline) {
      rc = lg_err_set(err, LG_ELIMIT, "合规性审查超过时限, 在叠加图层 %s 时中止", L->info.title);
      break;
    }
    size_t nb = 0;
    const void *blob = lg_store_reader_blob(q, &nb);
    if (!blob || nb == 0) continue;
    double a = 0;
    int cls = LG_OVL_UNKNOWN;
    const unsigned char *wkb = NULL;
    size_t wl = 0;
    /* Most candidates lie wholly inside, wholly outside or along the
     * boundary: decided from the WKB without building them in GEOS. */
    if (same && ovl && lg_gpkg_blob_parse(blob, (size_t)nb, NULL, NULL, NULL, &wkb, &wl) == 0)
      cls = lg_ovl_classify(g, ovl, wkb, wl);
    if (cls == LG_OVL_DISJOINT) continue;
    if (cls == LG_OVL_COVERED && lg_wkb_area(wkb, wl, &a) == 0) {
      goto piece;
    }
    if (cls == LG_OVL_CONTAINS) {
      a = lg_ovl_area(ovl);
      goto piece;
    }
    /* Crossing the boundary: the area alone is wanted, and a small
     * boundary cut into triangles clips it faster than a GEOS overlay. */
    if (wkb && (cls == LG_OVL_OVERLAP || cls == LG_OVL_UNKNOWN) &&
        lg_ovl_overlap_area(ovl, wkb, wl, &a)) {
      goto piece;
    }
    lg_geom_t *cand = lg_geom_from_gpkg(g, blob, (size_t)nb, err);
    if (!cand) {
      rc = LG_EGEOM;
      lg_err_prefix(err, "图层 %s 要素 %lld: ", L->info.name,
                    (long long)lg_store_reader_fid(q));
      break;
    }
    if (!same) {
      lg_geom_t *t = lg_geom_transform(g, cand, L->info.srs_id, work, err);
      lg_geom_free(g, cand);
      if (!t) {
        rc = err ? err->code : LG_ECRS;
        break;
      }
      cand = t;
    }
    if (lg_prep_intersects(g, prep, cand)) {
      if (cls == LG_OVL_UNKNOWN && lg_prep_covers(g, prep, cand)) {
        a = lg_geom_area(g, cand);
      } else {
        lg_geom_t *x = lg_geom_intersection(g, bw, cand, NULL);
        if (!x) {
          /* An invalid feature in the layer (GEOS topology error): measure
           * its repaired form rather than fail the whole check. */
          lg_geom_t *mv = lg_geom_make_valid(g, cand, NULL);
          x = mv ? lg_geom_intersection(g, bw, mv, NULL) : NULL;
          lg_geom_free(g, mv);
          res->repaired++;
        }
        if (!x) {
          lg_geom_free(g, cand);
          rc = lg_err_set(err, LG_EGEOM, "图层 %s 要素 %lld 无法与边界求交: %s", L->info.name,
                          (long long)lg_store_reader_fid(q), lg_geo_last_error(g));
          break;
        }
        a = lg_geom_area(g, x);
        lg_geom_free(g, x);
      }
    }
    lg_geom_free(g, cand);
  piece:
    if (!(a > 0)) continue;
    piece_t p = {.fid = lg_store_reader_fid(q), .m2 = a};
    if (L->class_col >= 0)
      lg_code_normalise(lg_store_reader_text(q, L->class_col), p.code, sizeof p.code);
    if (L->own_col >= 0 && lg_store_reader_field_type(q, L->own_col) != LG_COL_NULL) {
      char own[24];
      lg_code_normalise(lg_store_reader_text(q, L->own_col), own, sizeof own);
      p.state_owned = in_list(state_codes, own);
    }
    res->m2 += a;
    lg_vec_push(&res->pieces, p);
  }
  if (rc == 0 && step < 0) {
    rc = step;
    lg_err_prefix(err, "读取图层 %s: ", L->info.name);
  }
  return rc;
}

/* ---- Aggregates ---------------------------------------------------------- */

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

/* ---- Verdict ------------------------------------------------------------- */

typedef struct verdict {
  int level; /* 0 pass, 1 conditional, 2 prohibited */
  json_t *reasons;
  json_t *conditions;
} verdict_t;

static int effect_level(const char *e) {
  return !e ? 0 : strcmp(e, "prohibited") == 0 ? 2 : strcmp(e, "conditional") == 0 ? 1 : 0;
}

static void add_condition(verdict_t *v, const char *text) {
  if (!text) return;
  size_t i;
  const json_t *x;
  json_array_foreach(v->conditions, i, x) if (strcmp(json_string_value(x), text) == 0) return;
  json_array_append_new(v->conditions, json_string(text));
}

static void add_conditions(verdict_t *v, const json_t *arr) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i, x) add_condition(v, json_string_value(x));
}

static void add_reason(verdict_t *v, const char *rule, const char *effect, const json_t *basis,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_reason(verdict_t *v, const char *rule, const char *effect, const json_t *basis,
                       const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  int lv = effect_level(effect);
  if (lv > v->level) v->level = lv;
  json_array_append_new(v->reasons, json_pack("{s:s, s:s, s:s, s:o}", "rule", rule, "effect",
                                              effect, "text", text, "basis",
                                              basis ? json_incref((json_t *)basis) : json_array()));
}

static const char *const verdict_keys[] = {"pass", "conditional", "prohibited"};
static const char *const verdict_titles[] = {"通过", "有条件通过", "禁止"};

/* ---- The check ------------------------------------------------------------ */

static json_t *num(double v) { return json_real(isfinite(v) ? v : 0); }

static json_t *area_obj(double planar, double ell) {
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "planar_m2", num(planar), "planar_ha",
                   num(planar / M2_PER_HA), "planar_mu", num(planar / M2_PER_HA * MU_PER_HA),
                   "ellipsoidal_m2", num(ell), "ellipsoidal_ha", num(ell / M2_PER_HA),
                   "ellipsoidal_mu", num(ell / M2_PER_HA * MU_PER_HA));
}

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

int lg_review_check(lg_checker_t *c, const lg_boundary_t *b, const lg_check_opts_t *o,
                    json_t **report, lg_err_t *err) {
  static const lg_check_opts_t none = {0};
  if (!o) o = &none;
  *report = NULL;
  double t0 = lg_mono();
  lg_geo_t *g = lg_geo_thread();
  const lg_rules_t *R = c->rules;
  int rc = 0;
  lg_geom_t *src = NULL, *bw = NULL;
  lg_prep_t *prep = NULL;
  lg_ovl_t *ovl = NULL;
  json_t *validation = NULL, *rep = NULL, *warnings = NULL;
  lres_t *res = NULL;
  code_vec_t classes = {0}, plan_codes = {0};

  if (!b || !b->geom || lg_geom_is_empty(g, b->geom))
    return lg_err_set(err, LG_EINVAL, "项目用地范围为空 (没有任何坐标)");
  if (lg_geom_dimension(g, b->geom) < 2)
    return lg_err_set(err, LG_EGEOM, "项目用地范围不是面 (%s); 请提供闭合的面状边界",
                      lg_geom_type(g, b->geom));
  double max_points = lg_rules_num(R, "validation.max_points", 200000);
  if (lg_geom_npoints(g, b->geom) > max_points)
    return lg_err_set(err, LG_ELIMIT, "边界有 %d 个点, 超过规则集上限 %.0f 个",
                      lg_geom_npoints(g, b->geom), max_points);
  const char *type = o->type && *o->type ? o->type : "unspecified";
  const char *type_title = lg_rules_type_title(R, type);
  if (!type_title) {
    lg_buf_t known;
    lg_buf_init(&known);
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)lg_rules_get(R, "project_types"), k, x)
        lg_buf_printf(&known, "%s%s", known.len ? ", " : "", k);
    rc =
        lg_err_set(err, LG_EINVAL, "未知的项目类型 \"%s\"; 规则集定义的类型: %s", type, known.data);
    lg_buf_fini(&known);
    return rc;
  }
  char use[24] = "";
  if (o->use && *o->use) lg_code_normalise(o->use, use, sizeof use);
  const lg_codesys_t *ydyh = lg_rules_codesys(R, "ydyh2023");

  c->deadline = o->deadline;
  /* 1. Geometry validation, in the boundary's own CRS and point names. */
  lg_geom_t *repaired = NULL;
  validation = lg_review_validate_until(g, b, R, o->make_valid, &repaired, c->deadline, err);
  if (!validation) return err && err->code ? err->code : LG_EGEOM;
  if (!json_is_true(json_object_get(validation, "valid"))) {
    if (!o->make_valid || !repaired) {
      const json_t *issues = json_object_get(validation, "issues");
      const char *first = "";
      size_t i;
      const json_t *x;
      json_array_foreach(issues, i, x) if (strcmp(json_string_value(json_object_get(x, "severity")),
                                                  "error") == 0) {
        first = json_string_value(json_object_get(x, "text"));
        break;
      }
      rc = lg_err_set(err, LG_EGEOM, "%s: 边界几何无效 (%lld 处错误), 首个: %s%s", b->source,
                      (long long)json_integer_value(json_object_get(validation, "errors")), first,
                      o->make_valid ? "; 无法自动修复"
                                    : "; 可加 --make-valid 自动修复 (报告会注明已修复)");
      fail_report(report, validation, R, b);
      lg_geom_free(g, repaired);
      return rc;
    }
  }
  src = repaired ? repaired : lg_geom_clone(g, b->geom);
  lg_geom_set_srid(g, src, b->srs_id);
  /* Several parcels make one boundary: dissolve them so that shared
   * edges do not split areas and nothing is counted twice. */
  if (lg_geom_nparts(g, src) > 1) {
    lg_geom_t *u = lg_geom_unary_union(g, src, err);
    lg_geom_t *p = u ? lg_geom_polygonal(g, u) : NULL;
    lg_geom_free(g, u);
    if (!p) {
      rc = err && err->code ? err->code : LG_EGEOM;
      goto done;
    }
    lg_geom_free(g, src);
    src = p;
    lg_geom_set_srid(g, src, b->srs_id);
  }

  /* 2. The working CRS. */
  int work = pick_work_srs(c, g, src, b->srs_id, err);
  if (work < 0) {
    rc = work;
    goto done;
  }
  bw = lg_geom_transform(g, src, b->srs_id, work, err);
  if (!bw) {
    rc = err && err->code ? err->code : LG_ECRS;
    lg_err_prefix(err, "%s: 边界无法转换到工作坐标系: ", b->source);
    goto done;
  }
  double planar = lg_geom_area(g, bw);
  if (!(planar > 0)) {
    rc = lg_err_set(err, LG_EGEOM, "%s: 边界面积为零 (退化的面)", b->source);
    fail_report(report, validation, R, b);
    validation = NULL;
    goto done;
  }
  double ell = 0;
  if ((rc = lg_geom_area_ellipsoidal(g, bw, work, &ell, err)) != 0) goto done;
  warnings = json_array();
  {
    lg_env_t e;
    lg_geom_envelope(g, bw, &e);
    double cx = (e.minx + e.maxx) / 2, cy = (e.miny + e.maxy) / 2;
    double cm = lg_gk_central_meridian(work);
    if (isfinite(cm) && lg_xy_transform(g, work, 4490, &cx, &cy, 1, NULL) == 0 &&
        fabs(cx - cm) > 2.0)
      json_array_append_new(warnings,
                            json_sprintf("边界中心 (东经 %.4f°) 距工作坐标系 EPSG:%d 的中央经线 "
                                         "%.1f° 超过 2°, 平面面积变形较大; 边界可能不在本地",
                                         cx, work, cm));
  }

  /* 3. Overlays. */
  if ((rc = past_deadline(c, "几何校验后", err))) goto done;
  prep = lg_prep_new(g, bw);
  ovl = lg_ovl_new(g, bw);
  res = lg_calloc(c->nlayers ? c->nlayers : 1, sizeof *res);
  for (size_t i = 0; i < c->nlayers && rc == 0; i++)
    rc = overlay(c, &c->layers[i], bw, prep, ovl, work, &res[i], err);
  if (rc) goto done;

  double sliver = lg_rules_num(R, "sliver_m2", 0.01);
  int max_pieces = o->max_pieces > 0 ? o->max_pieces : (int)lg_rules_num(R, "max_pieces", 500);
  verdict_t V = {0, json_array(), json_array()};
  json_t *overlaps = json_object();
  double eprl_m2 = 0, pbf_m2 = 0, udb_m2 = 0;
  int n_eprl = 0, n_pbf = 0, n_udb = 0;
  json_t *eprl_layers = json_array(), *pbf_layers = json_array(), *udb_layers = json_array();
  for (size_t i = 0; i < c->nlayers; i++) {
    clayer_t *L = &c->layers[i];
    lres_t *lr = &res[i];
    if (lr->pieces.len)
      qsort(lr->pieces.items, lr->pieces.len, sizeof *lr->pieces.items, cmp_piece_area);
    json_t *pieces = json_array();
    for (size_t k = 0; k < lr->pieces.len && (int)k < max_pieces; k++) {
      json_t *p = json_pack("{s:I, s:o}", "fid", (json_int_t)lr->pieces.items[k].fid, "m2",
                            num(lr->pieces.items[k].m2));
      if (L->has_class) json_object_set_new(p, "code", json_string(lr->pieces.items[k].code));
      json_array_append_new(pieces, p);
    }
    json_t *ov = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:I, s:o}", "role", L->info.role,
                           "role_title", lg_store_role_title(L->info.role), "title", L->info.title,
                           "status", "checked", "srs_id", L->info.srs_id, "m2", num(lr->m2),
                           "share", num(fmin(1.0, lr->m2 / planar)), "pieces_total",
                           (json_int_t)lr->pieces.len, "pieces", pieces);
    if (lr->pieces.len > (size_t)max_pieces)
      json_object_set_new(ov, "pieces_truncated", json_true());
    if (lr->repaired) json_object_set_new(ov, "repaired_features", json_integer(lr->repaired));
    json_object_set_new(overlaps, L->info.name, ov);
    if (strcmp(L->info.role, "eprl") == 0) {
      eprl_m2 += lr->m2, n_eprl++;
      json_array_append_new(eprl_layers, json_string(L->info.name));
    } else if (strcmp(L->info.role, "pbf") == 0) {
      pbf_m2 += lr->m2, n_pbf++;
      json_array_append_new(pbf_layers, json_string(L->info.name));
    } else if (strcmp(L->info.role, "udb") == 0) {
      udb_m2 += lr->m2, n_udb++;
      json_array_append_new(udb_layers, json_string(L->info.name));
    }
  }
  udb_m2 = fmin(udb_m2, planar);

  /* 4. The land-class table of the boundary survey. */
  const clayer_t *LU = c->landuse >= 0 ? &c->layers[c->landuse] : NULL;
  double major[LG_MAJOR_N] = {0}, cultivated = 0, paddy = 0, covered = 0, state_m2 = 0,
         cultivated_state = 0;
  json_t *classes_obj = json_object(), *class_table = json_array();
  const char *lu_status = "not_checked";
  if (LU && LU->has_class) {
    lu_status = "checked";
    const lres_t *lr = &res[c->landuse];
    for (size_t k = 0; k < lr->pieces.len; k++) {
      code_area_t *ca = code_slot(&classes, lr->pieces.items[k].code);
      ca->m2 += lr->pieces.items[k].m2;
      if (lr->pieces.items[k].state_owned) ca->state_m2 += lr->pieces.items[k].m2;
    }
    if (classes.len) qsort(classes.items, classes.len, sizeof *classes.items, cmp_code);
    for (size_t k = 0; k < classes.len; k++) {
      const code_area_t *ca = &classes.items[k];
      int mj = LU->cs ? lg_codesys_major(LU->cs, ca->code) : LG_MAJOR_UNCLASSIFIED;
      bool cu = LU->cs && lg_codesys_cultivated(LU->cs, ca->code);
      bool pa = LU->cs && lg_codesys_paddy(LU->cs, ca->code);
      major[mj] += ca->m2;
      if (cu) cultivated += ca->m2, cultivated_state += ca->state_m2;
      if (pa) paddy += ca->m2;
      covered += ca->m2;
      state_m2 += ca->state_m2;
      json_object_set_new(classes_obj, ca->code, num(ca->m2));
      json_array_append_new(
          class_table,
          json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:b}", "code", ca->code, "name",
                    lg_codesys_name(LU->cs, ca->code), "major", lg_major_keys[mj], "major_title",
                    json_string_value(
                        json_object_get(lg_rules_get(R, "major_class_titles"), lg_major_keys[mj])),
                    "m2", num(ca->m2), "ha", num(ca->m2 / M2_PER_HA), "mu",
                    num(ca->m2 / M2_PER_HA * MU_PER_HA), "cultivated", cu, "paddy", pa));
    }
  } else if (LU) {
    covered = res[c->landuse].m2;
  }
  double uncovered = fmax(0, planar - covered);

  /* 5. Plan conformity. */
  const clayer_t *PL = c->plan >= 0 ? &c->layers[c->plan] : NULL;
  double compat_m2 = 0, cond_m2 = 0, incompat_m2 = 0, plan_m2 = 0, plan_constr_m2 = 0;
  json_t *plan_obj;
  if (!PL) {
    plan_obj = json_pack("{s:s, s:s}", "status", "not_checked", "text", "没有规划用途图层 (plan)");
  } else if (!PL->has_class) {
    plan_obj = json_pack("{s:s, s:s, s:s}", "status", "not_checked", "layer", PL->info.name, "text",
                         "规划图层没有用途编码字段");
  } else {
    const lres_t *lr = &res[c->plan];
    json_t *by_code = json_array();
    for (size_t k = 0; k < lr->pieces.len; k++)
      code_slot(&plan_codes, lr->pieces.items[k].code)->m2 += lr->pieces.items[k].m2;
    if (plan_codes.len) qsort(plan_codes.items, plan_codes.len, sizeof *plan_codes.items, cmp_code);
    for (size_t k = 0; k < plan_codes.len; k++) {
      const code_area_t *ca = &plan_codes.items[k];
      plan_m2 += ca->m2;
      if (PL->cs && lg_codesys_major(PL->cs, ca->code) == LG_MAJOR_CONSTRUCTION)
        plan_constr_m2 += ca->m2;
      const char *note = NULL;
      int lv = use[0] ? lg_rules_plan_compat(R, use, ca->code, &note) : -1;
      if (lv == LG_COMPAT_YES)
        compat_m2 += ca->m2;
      else if (lv == LG_COMPAT_CONDITIONAL)
        cond_m2 += ca->m2;
      else if (lv == LG_COMPAT_NO)
        incompat_m2 += ca->m2;
      json_t *row = json_pack("{s:s, s:s, s:o}", "code", ca->code, "name",
                              lg_codesys_name(PL->cs ? PL->cs : ydyh, ca->code), "m2", num(ca->m2));
      if (lv >= 0)
        json_object_set_new(row, "compatibility",
                            json_string(lv == 2   ? "compatible"
                                        : lv == 1 ? "conditional"
                                                  : "incompatible"));
      if (note) json_object_set_new(row, "note", json_string(note));
      json_array_append_new(by_code, row);
    }
    plan_obj = json_pack("{s:s, s:s, s:o, s:o, s:o}", "status", use[0] ? "checked" : "not_checked",
                         "layer", PL->info.name, "covered_m2", num(plan_m2), "construction_m2",
                         num(plan_constr_m2), "by_code", by_code);
    if (use[0]) {
      json_object_set_new(plan_obj, "use", json_string(use));
      json_object_set_new(plan_obj, "compatible_m2", num(compat_m2));
      json_object_set_new(plan_obj, "conditional_m2", num(cond_m2));
      json_object_set_new(plan_obj, "incompatible_m2", num(incompat_m2));
      json_object_set_new(plan_obj, "unplanned_m2", num(fmax(0, planar - plan_m2)));
      json_object_set_new(plan_obj, "share", num(fmin(1, compat_m2 / planar)));
      json_object_set_new(plan_obj, "conditional_share", num(fmin(1, cond_m2 / planar)));
    } else {
      json_object_set_new(plan_obj, "text",
                          json_string("未申报拟用途编码 (--use), 无法判断规划符合性"));
    }
  }

  /* 6. Verdict rules. */
  const json_t *ctl = lg_rules_get(R, "controls");
  const json_t *missing = json_object_get(ctl, "missing_layer");
  struct {
    const char *role;
    int n;
  } needed[] = {{"eprl", n_eprl}, {"pbf", n_pbf}, {"udb", n_udb}, {"landuse", LU ? 1 : 0}};
  for (size_t i = 0; i < LG_ARRAY_LEN(needed); i++)
    if (needed[i].n == 0) {
      add_reason(&V, "controls.missing_layer",
                 json_string_value(json_object_get(missing, "effect")), NULL,
                 "%s (%s) 图层缺失, 未审查: %s", lg_store_role_title(needed[i].role), needed[i].role,
                 json_string_value(json_object_get(missing, "rule")));
      add_conditions(&V, json_object_get(missing, "conditions"));
    }
  if (LU && !LU->has_class) {
    add_reason(&V, "controls.missing_layer", json_string_value(json_object_get(missing, "effect")),
               NULL, "土地利用现状图层 %s 没有地类编码字段, 地类面积表未审查", LU->info.name);
  } else if (LU && !LU->cs) {
    json_array_append_new(warnings,
                          json_sprintf("地类字段 %s 不属于规则集中的任何分类体系, 三大类未归类",
                                       LU->info.class_field));
  }
  if (!PL || !PL->has_class || !use[0]) {
    add_reason(&V, "controls.plan", json_string_value(json_object_get(missing, "effect")), NULL,
               "规划符合性未审查: %s",
               !PL              ? "没有规划用途图层"
               : !PL->has_class ? "规划图层没有用途编码字段"
                                : "未申报拟用途编码");
    add_conditions(&V, json_object_get(missing, "conditions"));
  }

  /* Coverage: land outside the county's survey is land nobody checked. */
  const json_t *cov = json_object_get(ctl, "coverage");
  if (LU && covered / planar < json_number_value(json_object_get(cov, "min_share"))) {
    add_reason(&V, "controls.coverage", json_string_value(json_object_get(cov, "effect")), NULL,
               "%s: %.2f 平方米 (%.2f%%) 位于土地利用现状图层 %s 范围之外",
               json_string_value(json_object_get(cov, "rule")), uncovered, 100 * uncovered / planar,
               LU->info.name);
    add_conditions(&V, json_object_get(cov, "conditions"));
  }

  /* Ecological red line and permanent basic farmland. */
  struct {
    const char *key;
    double m2;
    int n;
  } guarded[] = {{"eprl", eprl_m2, n_eprl}, {"pbf", pbf_m2, n_pbf}};
  for (size_t i = 0; i < 2; i++) {
    if (guarded[i].n == 0 || guarded[i].m2 <= sliver) continue;
    const json_t *gc = json_object_get(ctl, guarded[i].key);
    char rule[32];
    snprintf(rule, sizeof rule, "controls.%s", guarded[i].key);
    bool allowed = in_list(json_object_get(gc, "allowed_types"), type);
    if (allowed) {
      add_reason(&V, rule, json_string_value(json_object_get(gc, "allowed_effect")),
                 json_object_get(gc, "basis"),
                 "占用%s %.2f 平方米 (%.4f 公顷); 项目类型 \"%s\" 属于允许情形, 须满足条件",
                 lg_store_role_title(guarded[i].key), guarded[i].m2, guarded[i].m2 / M2_PER_HA,
                 type_title);
      add_conditions(&V, json_object_get(gc, "allowed_conditions"));
    } else {
      add_reason(&V, rule, json_string_value(json_object_get(gc, "effect")),
                 json_object_get(gc, "basis"),
                 "占用%s %.2f 平方米 (%.4f 公顷): %s; 项目类型 \"%s\" 不在允许清单内",
                 lg_store_role_title(guarded[i].key), guarded[i].m2, guarded[i].m2 / M2_PER_HA,
                 json_string_value(json_object_get(gc, "rule")), type_title);
    }
  }

  /* Urban development boundary. */
  const json_t *uc = json_object_get(ctl, "udb");
  double outside_share = 1 - udb_m2 / planar;
  if (n_udb > 0 && in_list(json_object_get(uc, "urban_types"), type) &&
      outside_share > json_number_value(json_object_get(uc, "max_outside_share")) &&
      planar - udb_m2 > sliver) {
    add_reason(&V, "controls.udb", json_string_value(json_object_get(uc, "effect")),
               json_object_get(uc, "basis"), "%s有 %.2f 平方米 (%.2f%%) 位于城镇开发边界外: %s",
               type_title, planar - udb_m2, 100 * outside_share,
               json_string_value(json_object_get(uc, "rule")));
    add_conditions(&V, json_object_get(uc, "conditions"));
  }

  /* Plan conformity. */
  const json_t *pc = json_object_get(ctl, "plan");
  if (PL && PL->has_class && use[0]) {
    double share = compat_m2 / planar, with_cond = (compat_m2 + cond_m2) / planar;
    double min_share = json_number_value(json_object_get(pc, "min_share"));
    if (with_cond < min_share && planar - compat_m2 - cond_m2 > sliver) {
      add_reason(&V, "controls.plan", json_string_value(json_object_get(pc, "effect")),
                 json_object_get(pc, "basis"),
                 "拟用途 %s (%s) 与规划用途相符的面积占 %.2f%%, 低于 %.1f%%: %s", use,
                 lg_codesys_name(ydyh, use), 100 * share, 100 * min_share,
                 json_string_value(json_object_get(pc, "rule")));
      add_conditions(&V, json_object_get(pc, "conditions"));
    } else if (cond_m2 > sliver) {
      add_reason(&V, "controls.plan", "conditional", json_object_get(pc, "basis"),
                 "拟用途 %s 与规划用途有条件相符的面积 %.2f 平方米, 须满足兼容表注明的条件", use,
                 cond_m2);
      const json_t *rows = json_object_get(plan_obj, "by_code");
      size_t i;
      const json_t *x;
      json_array_foreach(rows, i, x) {
        const char *cp = json_string_value(json_object_get(x, "compatibility"));
        if (cp && strcmp(cp, "conditional") == 0)
          add_condition(&V, json_string_value(json_object_get(x, "note")));
      }
    }
  }

  /* The negative list. */
  size_t ni;
  const json_t *ne;
  json_array_foreach(lg_rules_get(R, "negative_list"), ni, ne) {
    bool hit = in_list(json_object_get(ne, "types"), type);
    size_t ui;
    const json_t *ux;
    if (!hit && use[0]) json_array_foreach(json_object_get(ne, "uses"), ui, ux) {
        if (strncmp(use, json_string_value(ux), strlen(json_string_value(ux))) == 0) hit = true;
      }
    if (!hit) continue;
    const char *within = json_string_value(json_object_get(ne, "within"));
    if (within && strcmp(within, "pbf") == 0 && pbf_m2 <= sliver) continue;
    if (within && strcmp(within, "eprl") == 0 && eprl_m2 <= sliver) continue;
    if (within && strcmp(within, "cultivated") == 0 && cultivated <= sliver) continue;
    if (within && strcmp(within, "udb_outside") == 0 && (n_udb == 0 || planar - udb_m2 <= sliver))
      continue;
    char rule[96];
    snprintf(rule, sizeof rule, "negative_list.%s", json_string_value(json_object_get(ne, "id")));
    add_reason(&V, rule, json_string_value(json_object_get(ne, "effect")),
               json_object_get(ne, "basis"), "负面清单: %s (项目类型 %s%s%s)",
               json_string_value(json_object_get(ne, "rule")), type_title,
               use[0] ? ", 拟用途 " : "", use);
  }
  if (json_array_size(V.reasons) == 0)
    add_reason(&V, "all", "pass", NULL, "未触及任何禁止性或限制性规则, 各管控图层均已审查");

  /* 7. Approval authority (Land Administration Law art. 44, 46). */
  const json_t *conv = lg_rules_get(R, "authority.conversion");
  const json_t *expr = lg_rules_get(R, "authority.expropriation");
  double agri = major[LG_MAJOR_AGRICULTURAL], unused = major[LG_MAJOR_UNUSED];
  const json_t *conv_dec = NULL;
  char conv_basis[512];
  if (LU && !LU->has_class) {
    snprintf(conv_basis, sizeof conv_basis, "地类未审查, 按占用农用地处理");
    agri = planar; /* unknown land: assume the stricter case */
  }
  if (agri <= sliver && pbf_m2 <= sliver) {
    snprintf(conv_basis, sizeof conv_basis, "不占用农用地, 无需办理农用地转用审批");
  } else if (pbf_m2 > sliver) {
    conv_dec = json_object_get(conv, "pbf");
    snprintf(conv_basis, sizeof conv_basis, "占用永久基本农田 %.2f 平方米: %s", pbf_m2,
             json_string_value(json_object_get(conv_dec, "text")));
  } else {
    double min_share = json_number_value(json_object_get(conv, "inside_scale_min_share"));
    double inside = n_udb ? udb_m2 / planar : 0;
    if (json_is_true(json_object_get(conv, "inside_scale_plan_construction")) && PL && PL->cs)
      inside = fmax(inside, plan_constr_m2 / planar);
    bool in = inside >= min_share;
    conv_dec = json_object_get(conv, in ? "inside_scale" : "outside_scale");
    snprintf(conv_basis, sizeof conv_basis,
             "占用农用地 %.2f 平方米, %.2f%% 位于建设用地规模范围内%s: %s", agri, 100 * inside,
             n_udb || (PL && PL->cs) ? "" : " (城镇开发边界和规划图层缺失, 按规模范围外处理)",
             json_string_value(json_object_get(conv_dec, "text")));
  }
  const char *conv_level =
      conv_dec ? json_string_value(json_object_get(conv_dec, "level")) : "none";

  /* Expropriation concerns collectively owned land; land the survey
   * records as state-owned (ownership codes in the rule set) needs none. */
  double coll = covered > 0 || (LU && LU->has_class) ? planar - state_m2 : planar;
  double coll_cult = cultivated - cultivated_state;
  double other = coll - coll_cult;
  double cult_ha = json_number_value(json_object_get(expr, "cultivated_ha"));
  double other_ha = json_number_value(json_object_get(expr, "other_ha"));
  const json_t *exp_dec = NULL;
  char exp_basis[512];
  if (coll <= sliver) {
    snprintf(exp_basis, sizeof exp_basis, "项目用地均为国有土地, 无需征收");
  } else if (pbf_m2 > sliver || coll_cult > cult_ha * M2_PER_HA || other > other_ha * M2_PER_HA) {
    exp_dec = json_object_get(expr, "state_council");
    snprintf(exp_basis, sizeof exp_basis,
             "征收集体土地 %.4f 公顷, 其中永久基本农田 %.4f 公顷, 耕地 %.4f 公顷 (限 %.0f 公顷), "
             "其他土地 %.4f 公顷 (限 %.0f 公顷): %s",
             coll / M2_PER_HA, pbf_m2 / M2_PER_HA, coll_cult / M2_PER_HA, cult_ha,
             other / M2_PER_HA, other_ha, json_string_value(json_object_get(exp_dec, "text")));
  } else {
    exp_dec = json_object_get(expr, "province");
    snprintf(exp_basis, sizeof exp_basis,
             "征收集体土地 %.4f 公顷, 耕地 %.4f 公顷 (未超过 %.0f 公顷), 其他土地 %.4f 公顷 "
             "(未超过 %.0f 公顷), 不涉及永久基本农田: %s",
             coll / M2_PER_HA, coll_cult / M2_PER_HA, cult_ha, other / M2_PER_HA, other_ha,
             json_string_value(json_object_get(exp_dec, "text")));
  }
  const char *exp_level = exp_dec ? json_string_value(json_object_get(exp_dec, "level")) : "none";
  json_t *joint = json_null();
  if (conv_dec && exp_dec) {
    const char *ja = json_string_value(json_object_get(expr, "joint_article"));
    if (strcmp(conv_level, "state_council") == 0)
      joint = json_sprintf(
          "经国务院批准农用地转用的, 同时办理征地审批手续, 不再另行办理征地审批 (%s)", ja);
    else if (strcmp(conv_level, "province") == 0 && strcmp(exp_level, "province") == 0)
      joint = json_sprintf(
          "经省级人民政府在征地批准权限内批准农用地转用的, 同时办理征地审批手续 (%s)", ja);
    else if (strcmp(exp_level, "state_council") == 0)
      joint = json_sprintf("超过省级征地批准权限, 应当另行报国务院办理征地审批 (%s)", ja);
  }
  json_t *conv_art = conv_dec ? json_incref(json_object_get(conv_dec, "articles")) : json_array();
  json_t *exp_art = exp_dec ? json_incref(json_object_get(exp_dec, "articles")) : json_array();
  json_t *authority =
      json_pack("{s:s, s:s, s:s, s:s, s:{s:o, s:o}, s:{s:s, s:s}, s:o}", "conversion", conv_level,
                "conversion_title", lg_review_level_title(R, conv_level), "expropriation",
                exp_level, "expropriation_title", lg_review_level_title(R, exp_level), "articles",
                "conversion", conv_art, "expropriation", exp_art, "basis", "conversion", conv_basis,
                "expropriation", exp_basis, "joint", joint);

  /* 8. Quotas consumed. */
  json_t *quotas =
      json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:n, s:s}", "new_construction_m2",
                num(agri + unused), "agricultural_conversion_m2", num(agri), "unused_conversion_m2",
                num(unused), "cultivated_balance_m2", num(cultivated), "paddy_balance_m2",
                num(paddy), "pbf_replacement_m2", num(pbf_m2), "grain_capacity", "note",
                "新增建设用地 = 占用农用地 + 未利用地; 耕地占补平衡按数量和水田面积计; "
                "粮食产能需耕地质量等别数据, 未计算");

  /* 9. Follow-ups the law requires. */
  json_t *followups = json_array();
  const char *fk;
  const json_t *fv;
  json_object_foreach((json_t *)lg_rules_get(R, "followups"), fk, fv) {
    const char *when = json_string_value(json_object_get(fv, "when"));
    bool on = (strcmp(when, "pbf") == 0 && pbf_m2 > sliver) ||
              (strcmp(when, "eprl") == 0 && eprl_m2 > sliver) ||
              (strcmp(when, "pbf_or_eprl") == 0 && (pbf_m2 > sliver || eprl_m2 > sliver)) ||
              (strcmp(when, "cultivated") == 0 && cultivated > sliver) ||
              (strcmp(when, "expropriation") == 0 && exp_dec) ||
              (strcmp(when, "conversion") == 0 && conv_dec) ||
              (strcmp(when, "new_construction") == 0 && agri + unused > sliver);
    if (on)
      json_array_append_new(followups, json_pack("{s:s, s:O, s:O, s:O}", "id", fk, "title",
                                                 json_object_get(fv, "title"), "basis",
                                                 json_object_get(fv, "basis"), "text",
                                                 json_object_get(fv, "text")));
  }

  /* 10. The report. */
  json_t *majors = json_object();
  for (int k = 0; k < LG_MAJOR_N; k++)
    json_object_set_new(majors, lg_major_keys[k], num(major[k]));
  char ts[32];
  lg_time_iso(lg_now(), ts);
  const char *pname = o->name && *o->name ? o->name : b->name;
  json_t *controls = json_pack(
      "{s:{s:s, s:o, s:o, s:o}, s:{s:s, s:o, s:o, s:o}, s:{s:s, s:o, s:o, s:o, s:o},"
      " s:{s:s, s:s?, s:s?, s:o, s:o, s:o}, s:O}",
      "eprl", "status", n_eprl ? "checked" : "not_checked", "layers", eprl_layers, "m2",
      num(eprl_m2), "share", num(fmin(1, eprl_m2 / planar)), "pbf", "status",
      n_pbf ? "checked" : "not_checked", "layers", pbf_layers, "m2", num(pbf_m2), "share",
      num(fmin(1, pbf_m2 / planar)), "udb", "status", n_udb ? "checked" : "not_checked", "layers",
      udb_layers, "inside_m2", num(udb_m2), "outside_m2", num(planar - udb_m2), "inside_share",
      num(udb_m2 / planar), "landuse", "status", lu_status, "layer", LU ? LU->info.name : NULL,
      "code_system", LU && LU->cs ? LU->cs->id : NULL, "covered_m2", num(covered), "uncovered_m2",
      num(uncovered), "covered_share", num(fmin(1, covered / planar)), "plan", plan_obj);
  if (!n_udb) {
    json_t *u = json_object_get(controls, "udb");
    json_object_set_new(u, "inside_m2", json_null());
    json_object_set_new(u, "outside_m2", json_null());
    json_object_set_new(u, "inside_share", json_null());
  }
  if (!n_eprl) json_object_set_new(json_object_get(controls, "eprl"), "m2", json_null());
  if (!n_pbf) json_object_set_new(json_object_get(controls, "pbf"), "m2", json_null());
  /* Missing control roles appear under overlaps too, as not checked. */
  static const char *const roles[] = {"eprl", "pbf", "udb", "landuse", "plan"};
  for (size_t i = 0; i < LG_ARRAY_LEN(roles); i++) {
    bool have = false;
    for (size_t k = 0; k < c->nlayers; k++)
      if (strcmp(c->layers[k].info.role, roles[i]) == 0) have = true;
    if (!have && !json_object_get(overlaps, roles[i]))
      json_object_set_new(overlaps, roles[i],
                          json_pack("{s:s, s:s, s:s, s:n, s:n, s:[], s:i, s:s}", "role", roles[i],
                                    "role_title", lg_store_role_title(roles[i]), "status", "not_checked",
                                    "m2", "share", "pieces", "pieces_total", 0, "text",
                                    "图层缺失, 未审查 (不代表无冲突)"));
  }

  double src_planar = lg_crs_is_projected(g, b->srs_id) == 1 ? lg_geom_area(g, src) : NAN;
  json_t *input =
      json_pack("{s:s, s:s, s:i, s:i, s:i}", "source", b->source, "format", b->format, "srs_id",
                b->srs_id, "parcels", b->parcels, "points", lg_geom_npoints(g, b->geom));
  if (b->declared_ha > 0) {
    json_object_set_new(input, "declared_ha", num(b->declared_ha));
    if (isfinite(src_planar)) {
      json_object_set_new(input, "computed_ha", num(src_planar / M2_PER_HA));
      if (fabs(src_planar / M2_PER_HA - b->declared_ha) > 0.0001)
        json_array_append_new(
            warnings,
            json_sprintf("文件申报面积 %.4f 公顷与按坐标计算的 %.4f 公顷不符 (面积以计算为准)",
                         b->declared_ha, src_planar / M2_PER_HA));
    }
  }
  json_t *area = area_obj(planar, ell);
  json_object_set_new(area, "srs_id", json_integer(work));
  if (isfinite(src_planar) && b->srs_id != work)
    json_object_set_new(area, "source_planar_m2", num(src_planar));

  rep = json_object();
  json_object_set_new(rep, "report_version", json_integer(1));
  json_object_set_new(rep, "created_at", json_string(ts));
  json_object_set_new(rep, "rule_set_version", json_integer(lg_review_rules_version(R)));
  json_object_set_new(rep, "rule_set_name",
                      json_string(json_string_value(lg_rules_get(R, "name"))
                                      ? json_string_value(lg_rules_get(R, "name"))
                                      : ""));
  json_object_set_new(rep, "project",
                      json_pack("{s:s, s:s?, s:s?, s:s, s:s}", "name", pname ? pname : "", "use",
                                use[0] ? use : NULL, "use_name",
                                use[0] ? lg_codesys_name(ydyh, use) : NULL, "type", type,
                                "type_title", type_title));
  json_object_set_new(rep, "input", input);
  json_object_set_new(rep, "validation", validation);
  validation = NULL;
  json_object_set_new(rep, "area", area);
  json_object_set_new(rep, "overlaps", overlaps);
  json_object_set_new(rep, "controls", controls);
  json_object_set_new(rep, "classes", classes_obj);
  json_object_set_new(rep, "class_table", class_table);
  json_object_set_new(rep, "major_classes", majors);
  json_object_set_new(rep, "cultivated_m2", num(cultivated));
  json_object_set_new(rep, "paddy_m2", num(paddy));
  json_object_set_new(rep, "plan", plan_obj); /* controls.plan holds the other reference */
  json_object_set_new(rep, "authority", authority);
  json_object_set_new(rep, "quotas", quotas);
  json_object_set_new(rep, "followups", followups);
  json_object_set_new(rep, "verdict", json_string(verdict_keys[V.level]));
  json_object_set_new(rep, "verdict_title", json_string(verdict_titles[V.level]));
  json_object_set_new(rep, "reasons", V.reasons);
  json_object_set_new(rep, "conditions", V.conditions);
  json_object_set_new(rep, "warnings", warnings);
  warnings = NULL;
  if (json_array_size(c->skipped)) json_object_set(rep, "skipped_layers", c->skipped);
  json_object_set_new(rep, "elapsed_ms", num((lg_mono() - t0) * 1000));
  *report = rep;

done:
  if (res) {
    for (size_t i = 0; i < c->nlayers; i++)
      lg_free(res[i].pieces.items);
    lg_free(res);
  }
  lg_free(classes.items);
  lg_free(plan_codes.items);
  lg_prep_free(g, prep);
  lg_ovl_free(g, ovl);
  lg_geom_free(g, bw);
  lg_geom_free(g, src);
  json_decref(validation);
  json_decref(warnings);
  return rc;
}
