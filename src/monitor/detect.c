/*
 * Change detection (卫片执法的比对): each patch of a batch turned to
 * construction is laid over the approvals and supplies of the One Map
 * (layers of role approval and supply) and over the control lines
 * (permanent basic farmland, role pbf; the ecological red line, role
 * eprl), through GEOS in src/geo. For a patch P:
 *
 *   A = the union of P n f over approval and supply features f (an
 *       approval whose status column says revoked, as the stock module
 *       marks a 撤销批文, covers nothing)
 *   U = P - A                                   (the unapproved part)
 *   approved_m2 = |A|, unapproved_m2 = |U|
 *   pbf_m2  = |union of U n f over basic farmland features|
 *   eprl_m2 = |union of U n f over red line features|
 *
 * (unions, so that overlapping approvals or control features are not
 * counted twice). Overlaps under min_area_m2.overlap_m2 count as none.
 * The verdict: approved when |U| < min_area_m2.alert_m2 and approvals
 * cover the rest (below_minimum when none does: a patch too small to
 * judge); else
 * pbf_non_farm when pbf_m2 > 0 (LAL art. 35: permanent basic farmland may
 * not be occupied but by a project the State Council approves), else
 * construction_in_eprl when eprl_m2 > 0, else unapproved_construction
 * (LAL art. 44: construction on agricultural land needs its conversion
 * approved). Every suspect patch gets an alert, pending field
 * verification within the working days of the setting
 * monitor.verify_workdays.
 */
#include "flow/flow.h"
#include "monitor/monitor_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ctl_layer {
  char name[128];
  char role[16];
  int srs;
  bool has_status; /* an approval layer with a status column (the stock module's) */
} ctl_layer_t;

typedef struct detect {
  lg_store_t *s;
  lg_geo_t *g;
  int srs; /* the batch's */
  ctl_layer_t *layers;
  size_t nlayers;
  double overlap_m2, alert_m2;
} detect_t;

static double r2(double v) { return round(v * 100) / 100; }

static bool has_field(lg_store_t *s, const char *layer, const char *name) {
  lg_field_t *f = NULL;
  size_t n = 0;
  lg_err_t e = {0};
  bool found = false;
  if (lg_store_layer_fields(s, layer, &f, &n, &e) != 0) return false;
  for (size_t i = 0; i < n; i++)
    if (!strcasecmp(f[i].name, name)) found = true;
  lg_store_fields_free(f, n);
  return found;
}

static int load_layers(detect_t *d, lg_err_t *err) {
  lg_layer_info_t *infos = NULL;
  size_t n = 0;
  int rc = lg_store_layers(d->s, &infos, &n, err);
  if (rc) return rc;
  d->layers = lg_calloc(n ? n : 1, sizeof *d->layers);
  for (size_t i = 0; i < n; i++) {
    const char *r = infos[i].role;
    if (strcmp(r, "approval") && strcmp(r, "supply") && strcmp(r, "pbf") && strcmp(r, "eprl"))
      continue;
    ctl_layer_t *l = &d->layers[d->nlayers++];
    snprintf(l->name, sizeof l->name, "%s", infos[i].name);
    snprintf(l->role, sizeof l->role, "%s", r);
    l->srs = infos[i].srs_id;
    l->has_status = !strcmp(r, "approval") && has_field(d->s, l->name, "status");
  }
  lg_store_layer_infos_free(infos, n);
  return 0;
}

/* The box of geom (in d->srs) in another CRS. */
static int box_in(detect_t *d, const lg_geom_t *geom, int srs, lg_env_t *env, lg_err_t *err) {
  if (lg_geom_envelope(d->g, geom, env) != 0) return lg_err_set(err, LG_EGEOM, "无法计算图斑范围");
  if (srs == d->srs) return 0;
  lg_geom_t *box = lg_geom_box(d->g, env);
  lg_geom_set_srid(d->g, box, d->srs);
  lg_geom_t *t = lg_geom_transform(d->g, box, d->srs, srs, err);
  lg_geom_free(d->g, box);
  if (!t) return err->code ? err->code : LG_ECRS;
  lg_geom_envelope(d->g, t, env);
  lg_geom_free(d->g, t);
  return 0;
}

/* Adds b into *acc (a union), freeing b. */
static int accumulate(detect_t *d, lg_geom_t **acc, lg_geom_t *b, lg_err_t *err) {
  if (!*acc) {
    *acc = b;
    return 0;
  }
  lg_geom_t *u = lg_geom_union(d->g, *acc, b, err);
  lg_geom_free(d->g, b);
  if (!u) return err->code ? err->code : LG_EGEOM;
  lg_geom_free(d->g, *acc);
  *acc = u;
  return 0;
}

/* The union of geom n f over the features f of the layers of the two
 * roles (role2 may be NULL) into *out (NULL when none reaches
 * overlap_m2); refs (may be NULL) gets {layer, fid, m2} of each feature
 * that does. */
static int overlay(detect_t *d, const lg_geom_t *geom, const char *role1, const char *role2,
                   lg_geom_t **out, json_t *refs, lg_err_t *err) {
  int rc = 0;
  *out = NULL;
  if (lg_geom_is_empty(d->g, geom)) return 0; /* nothing left to lay over */
  for (size_t i = 0; rc == 0 && i < d->nlayers; i++) {
    const ctl_layer_t *l = &d->layers[i];
    if (strcmp(l->role, role1) && !(role2 && !strcmp(l->role, role2))) continue;
    lg_env_t env;
    if ((rc = box_in(d, geom, l->srs, &env, err))) break;
    lg_read_opts_t ro = {.bbox = &env};
    static const char *const none[] = {NULL}, *const status[] = {"status", NULL};
    ro.columns = l->has_status ? status : none;
    lg_store_reader_t *r = NULL;
    if ((rc = lg_store_reader_new(d->s, l->name, &ro, &r, err))) break;
    int step;
    while (rc == 0 && (step = lg_store_reader_next(r, err)) == 1) {
      size_t n;
      const void *blob = lg_store_reader_blob(r, &n);
      if (!blob) continue;
      /* A revoked approval (撤销批文, the stock module's status) covers nothing. */
      const char *st = l->has_status ? lg_store_reader_text(r, 0) : NULL;
      if (st && !strcmp(st, "revoked")) continue;
      lg_geom_t *f = lg_geom_from_gpkg(d->g, blob, n, err);
      if (!f) {
        rc = err->code ? err->code : LG_EGEOM;
        break;
      }
      if (l->srs != d->srs) {
        lg_geom_t *t = lg_geom_transform(d->g, f, l->srs, d->srs, err);
        lg_geom_free(d->g, f);
        if (!(f = t)) {
          rc = err->code ? err->code : LG_ECRS;
          break;
        }
      }
      lg_geom_t *x =
          lg_geom_intersects(d->g, geom, f) ? lg_geom_intersection(d->g, geom, f, err) : NULL;
      lg_geom_free(d->g, f);
      if (!x) {
        if (err && err->code) rc = err->code;
        continue;
      }
      double a = lg_geom_area(d->g, x);
      if (a < d->overlap_m2) {
        lg_geom_free(d->g, x);
        continue;
      }
      if (refs)
        json_array_append_new(refs,
                              json_pack("{s:s, s:s, s:I, s:f}", "layer", l->name, "role", l->role,
                                        "fid", (json_int_t)lg_store_reader_fid(r), "m2", r2(a)));
      rc = accumulate(d, out, x, err);
    }
    if (rc == 0 && step < 0) rc = err->code ? err->code : LG_EDB;
    lg_store_reader_free(r);
  }
  if (rc == 0 && *out && lg_geom_area(d->g, *out) < d->overlap_m2) {
    lg_geom_free(d->g, *out);
    *out = NULL;
  }
  return rc;
}

typedef struct verdict {
  const char *code;
  double approved, unapproved, pbf, eprl;
  json_t *refs;
} verdict_t;

static double area_of(detect_t *d, lg_geom_t *geom) {
  double a = geom ? lg_geom_area(d->g, geom) : 0;
  lg_geom_free(d->g, geom);
  return r2(a);
}

/* The verdict of one patch turned to construction (see the top). */
static int judge(detect_t *d, const lg_geom_t *p, verdict_t *v, lg_err_t *err) {
  lg_geom_t *a = NULL, *u = NULL, *x = NULL;
  int rc = overlay(d, p, "approval", "supply", &a, v->refs, err);
  if (rc == 0) u = a ? lg_geom_difference(d->g, p, a, err) : lg_geom_clone(d->g, p);
  if (rc == 0 && !u) rc = err->code ? err->code : LG_EGEOM;
  v->approved = area_of(d, a);
  if (rc == 0) v->unapproved = r2(lg_geom_area(d->g, u));
  if (rc == 0 && (rc = overlay(d, u, "pbf", NULL, &x, v->refs, err)) == 0) v->pbf = area_of(d, x);
  if (rc == 0 && (rc = overlay(d, u, "eprl", NULL, &x, v->refs, err)) == 0) v->eprl = area_of(d, x);
  lg_geom_free(d->g, u);
  if (rc) return rc;
  v->code = v->unapproved < d->alert_m2 ? (v->approved > 0 ? "approved" : "below_minimum")
            : v->pbf > 0                ? "pbf_non_farm"
            : v->eprl > 0               ? "construction_in_eprl"
                                        : "unapproved_construction";
  return 0;
}

typedef struct patch_row {
  int64_t id, fid;
  char before[16], after[16];
} patch_row_t;
typedef LG_VEC(patch_row_t) patch_rows_t;

static int load_patches(lg_store_t *s, int64_t batch, patch_rows_t *out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT id, fid, class_before, class_after FROM lg_monitor_patches"
                            " WHERE batch_id = ? ORDER BY id",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, batch);
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    patch_row_t p = {.id = lg_store_col_int(st, 0), .fid = lg_store_col_int(st, 1)};
    snprintf(p.before, sizeof p.before, "%s", lg_store_col_text(st, 2));
    snprintf(p.after, sizeof p.after, "%s", lg_store_col_text(st, 3));
    lg_vec_push(out, p);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取变化图斑失败");
  lg_store_done(st);
  return rc;
}

/* The geometry of feature fid of a layer. */
static lg_geom_t *feature(detect_t *d, const char *layer, int64_t fid, lg_err_t *err) {
  lg_read_opts_t ro = {.fid = fid};
  static const char *const none[] = {NULL};
  ro.columns = none;
  lg_store_reader_t *r = NULL;
  lg_geom_t *geom = NULL;
  if (lg_store_reader_new(d->s, layer, &ro, &r, err) != 0) return NULL;
  if (lg_store_reader_next(r, err) == 1) {
    size_t n;
    const void *blob = lg_store_reader_blob(r, &n);
    if (blob) geom = lg_geom_from_gpkg(d->g, blob, n, err);
  }
  if (!geom && err && !err->code)
    lg_err_set(err, LG_ENOTFOUND, "图层 %s 中没有图斑 %lld 的几何", layer, (long long)fid);
  lg_store_reader_free(r);
  return geom;
}

static int save_patch(detect_t *d, int64_t id, const verdict_t *v, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(d->s,
                            "UPDATE lg_monitor_patches SET verdict = ?, approved_m2 = ?,"
                            " unapproved_m2 = ?, pbf_m2 = ?, eprl_m2 = ?, refs = ? WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  char *refs = v->refs ? json_dumps(v->refs, JSON_COMPACT) : NULL;
  lg_store_bind_text(st, 1, v->code);
  if (strcmp(v->code, "no_new_construction")) {
    lg_store_bind_real(st, 2, v->approved);
    lg_store_bind_real(st, 3, v->unapproved);
    lg_store_bind_real(st, 4, v->pbf);
    lg_store_bind_real(st, 5, v->eprl);
  } else {
    for (int i = 2; i <= 5; i++)
      lg_store_bind_null(st, i);
  }
  lg_store_bind_text(st, 6, refs ? refs : "[]");
  lg_store_bind_int(st, 7, id);
  rc = lg_store_run_done(st, "保存检测结果失败", err);
  free(refs);
  return rc;
}

static int raise_alert(detect_t *d, const lg_subject_t *who, int64_t batch, int64_t patch,
                       const char *division, const char *kind, const char *deadline,
                       lg_err_t *err) {
  char now[32];
  mon_now(now);
  lg_stmt_t *st;
  int64_t id = 0;
  int rc = lg_store_prepare(d->s,
                            "INSERT INTO lg_monitor_alerts(patch_id, batch_id, division, kind,"
                            " state, deadline, created_at, created_by, updated_at, updated_by)"
                            " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?) RETURNING id",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, patch);
  lg_store_bind_int(st, 2, batch);
  lg_store_bind_text(st, 3, division);
  lg_store_bind_text(st, 4, kind);
  lg_store_bind_text(st, 5, deadline);
  lg_store_bind_text(st, 6, now);
  lg_store_bind_text(st, 7, mon_actor(who));
  lg_store_bind_text(st, 8, now);
  lg_store_bind_text(st, 9, mon_actor(who));
  rc = lg_store_insert_id(st, &id, "保存监测预警失败", err);
  lg_store_done(st);
  if (rc == 0)
    rc = mon_record(d->s, who, "monitor.alert.raise", "monitor_alert", id, division, err);
  return rc;
}

/* The batch's layer, division and CRS; LG_ECONFLICT once detected. */
static int batch_head(lg_store_t *s, int64_t id, char layer[128], char division[16], int *srs,
                      lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "SELECT layer, division, srs, detected_at FROM lg_monitor_batches WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    snprintf(layer, 128, "%s", lg_store_col_text(st, 0));
    snprintf(division, 16, "%s", lg_store_col_text(st, 1));
    *srs = (int)lg_store_col_int(st, 2);
    if (!lg_store_col_null(st, 3))
      rc = lg_err_set(err, LG_ECONFLICT, "监测批次 %lld 已于 %s 检测, 不再重复检测", (long long)id,
                      lg_store_col_text(st, 3));
  } else if (step == LG_DONE) {
    rc = lg_err_set(err, LG_ENOTFOUND, "监测批次 %lld 不存在", (long long)id);
  } else {
    rc = lg_store_fail(s, err, "读取监测批次失败");
  }
  lg_store_done(st);
  return rc;
}

static int deadline_of(lg_store_t *s, int32_t today, char out[11], lg_err_t *err) {
  lg_workcal_t *cal = NULL;
  int rc = lg_flow_calendar_load(s, &cal, err);
  if (rc) return rc;
  int days = (int)lg_store_setting_int(s, "monitor.verify_workdays");
  lg_date_format(lg_workdays_add(cal, today, days), out);
  lg_workcal_free(cal);
  return 0;
}

static int detect_all(detect_t *d, const lg_subject_t *who, int64_t batch, const char *layer,
                      const char *division, const char *deadline, lg_err_t *err) {
  patch_rows_t rows = {0};
  int rc = load_patches(d->s, batch, &rows, err);
  for (size_t i = 0; rc == 0 && i < rows.len; i++) {
    const patch_row_t *p = &rows.items[i];
    const char *mb = lg_monitor_major_class(p->before), *ma = lg_monitor_major_class(p->after);
    verdict_t v = {.code = "no_new_construction"};
    bool new_construction = ma && !strcmp(ma, "construction") && mb && strcmp(mb, "construction");
    if (new_construction) {
      lg_geom_t *geom = feature(d, layer, p->fid, err);
      if (!geom) {
        rc = err->code ? err->code : LG_EGEOM;
        break;
      }
      v.refs = json_array();
      rc = judge(d, geom, &v, err);
      lg_geom_free(d->g, geom);
    }
    if (rc == 0) rc = save_patch(d, p->id, &v, err);
    bool suspect = strcmp(v.code, "approved") && strcmp(v.code, "below_minimum");
    if (rc == 0 && new_construction && suspect)
      rc = raise_alert(d, who, batch, p->id, division, v.code, deadline, err);
    json_decref(v.refs);
  }
  lg_free(rows.items);
  return rc;
}

int lg_monitor_detect(lg_store_t *s, const lg_subject_t *who, int64_t batch_id, int32_t today,
                      json_t **out, lg_err_t *err) {
  char layer[128], division[16], deadline[11], now[32];
  int srs = 0;
  detect_t d = {.s = s, .g = lg_geo_thread()};
  d.overlap_m2 = mon_cfg_num("min_area_m2", "overlap_m2", 1);
  d.alert_m2 = mon_cfg_num("min_area_m2", "alert_m2", 1);
  if (!today) today = lg_date_of(lg_now(), LG_TZ_CHINA);
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  rc = batch_head(s, batch_id, layer, division, &srs, err);
  if (rc == 0) rc = mon_require(s, who, "create", division, err);
  d.srs = srs;
  if (rc == 0) rc = load_layers(&d, err);
  if (rc == 0) rc = deadline_of(s, today, deadline, err);
  if (rc == 0) rc = detect_all(&d, who, batch_id, layer, division, deadline, err);
  lg_stmt_t *st = NULL;
  mon_now(now);
  if (rc == 0)
    rc = lg_store_prepare(
        s, "UPDATE lg_monitor_batches SET detected_at = ?, detected_by = ? WHERE id = ?", &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, now);
    lg_store_bind_text(st, 2, mon_actor(who));
    lg_store_bind_int(st, 3, batch_id);
    rc = lg_store_run_done(st, "保存检测结果失败", err);
  }
  if (rc == 0) rc = mon_record(s, who, "monitor.detect", "monitor_batch", batch_id, division, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  lg_free(d.layers);
  if (rc == 0 && out) rc = lg_monitor_batch_get(s, batch_id, false, out, err);
  return rc;
}
