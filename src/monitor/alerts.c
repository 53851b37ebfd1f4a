/*
 * Reading batches and alerts, and enforcement: an alert moves along the
 * configured transitions (data/monitor/default.json "transitions", each
 * with the article or procedure it rests on), every move an event row
 * (who, why, when; never edited) and the alert's entry on the ledger, in
 * one transaction.
 */
#include "monitor/monitor_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *col_json(lg_stmt_t *st, int i) {
  switch (lg_store_col_type(st, i)) {
  case LG_COL_NULL:
    return json_null();
  case LG_COL_INT:
    return json_integer(lg_store_col_int(st, i));
  case LG_COL_REAL:
    return json_real(lg_store_col_real(st, i));
  default:
    return json_string(lg_store_col_text(st, i));
  }
}

static json_t *row_json(lg_stmt_t *st) {
  json_t *o = json_object();
  for (int i = 0; i < lg_store_col_count(st); i++)
    json_object_set_new(o, lg_store_col_name(st, i), col_json(st, i));
  return o;
}

int lg_monitor_division_of(lg_store_t *s, const char *type, int64_t id, char division[16],
                           lg_err_t *err) {
  const char *sql = !strcmp(type, "batch") ? "SELECT division FROM lg_monitor_batches WHERE id = ?"
                                           : "SELECT division FROM lg_monitor_alerts WHERE id = ?";
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  int step = lg_store_step(st);
  if (step == LG_ROW)
    snprintf(division, 16, "%s", lg_store_col_text(st, 0));
  else if (step == LG_DONE)
    rc = lg_err_set(err, LG_ENOTFOUND, "%s %lld 不存在",
                    !strcmp(type, "batch") ? "监测批次" : "监测预警", (long long)id);
  else
    rc = lg_store_fail(s, err, "读取监测记录失败");
  lg_store_done(st);
  return rc;
}

/* A patch's geometry as GeoJSON in EPSG:4490, or null. */
static json_t *patch_geometry(lg_store_t *s, const char *layer, int srs, int64_t fid) {
  lg_geo_t *g = lg_geo_thread();
  lg_err_t e = {0};
  lg_read_opts_t ro = {.fid = fid};
  static const char *const none[] = {NULL};
  ro.columns = none;
  lg_store_reader_t *r = NULL;
  json_t *out = NULL;
  if (lg_store_reader_new(s, layer, &ro, &r, &e) == 0 && lg_store_reader_next(r, &e) == 1) {
    size_t n;
    const void *blob = lg_store_reader_blob(r, &n);
    lg_geom_t *geom = blob ? lg_geom_from_gpkg(g, blob, n, &e) : NULL;
    lg_geom_t *t = geom ? lg_geom_transform(g, geom, srs, 4490, &e) : NULL;
    char *js = t ? lg_geom_to_geojson(g, t) : NULL;
    if (js) out = json_loads(js, 0, NULL);
    lg_free(js);
    lg_geom_free(g, t);
    lg_geom_free(g, geom);
  }
  lg_store_reader_free(r);
  return out ? out : json_null();
}

/* Adds titles and parsed refs to a patch row. */
static void patch_titles(json_t *p) {
  const char *b = json_string_value(json_object_get(p, "class_before"));
  const char *a = json_string_value(json_object_get(p, "class_after"));
  const char *v = json_string_value(json_object_get(p, "verdict"));
  json_object_set_new(p, "class_before_title", json_string(mon_title("codes", b)));
  json_object_set_new(p, "class_after_title", json_string(mon_title("codes", a)));
  json_object_set_new(p, "verdict_title", json_string(v ? mon_title("verdicts", v) : "未检测"));
  const char *refs = json_string_value(json_object_get(p, "refs"));
  json_t *r = refs ? json_loads(refs, 0, NULL) : NULL;
  json_object_set_new(p, "layer_refs", r ? r : json_array());
  json_object_del(p, "refs");
}

/* {code: n} as [{<key>: code, title, n}] in the configuration's order
 * of the group (the object is consumed). */
static json_t *titled(json_t *counts, const char *group, const char *key) {
  json_t *a = json_array();
  const char *code;
  const json_t *title;
  json_object_foreach(json_object_get(mon_cfg(), group), code, title) {
    json_int_t n = json_integer_value(json_object_get(counts, code));
    if (n)
      json_array_append_new(
          a, json_pack("{s:s, s:s, s:I}", key, code, "title", json_string_value(title), "n", n));
  }
  json_decref(counts);
  return a;
}

/* The alerts of a batch in the shape issue 16 asks of detection: [{kind,
 * m2 (the area the kind rests on), class_before, class_after, layer_refs,
 * geometry (when read), alert_id}]. */
static json_t *alert_list(const json_t *patches) {
  json_t *a = json_array();
  size_t i;
  const json_t *p;
  json_array_foreach(patches, i, p) {
    if (!json_is_integer(json_object_get(p, "alert_id"))) continue;
    const char *kind = json_string_value(json_object_get(p, "verdict"));
    const char *key = !strcmp(kind, "pbf_non_farm")           ? "pbf_m2"
                      : !strcmp(kind, "construction_in_eprl") ? "eprl_m2"
                                                              : "unapproved_m2";
    json_t *g = json_object_get(p, "geometry");
    json_array_append_new(
        a, json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "kind", kind, "m2",
                     json_object_get(p, key), "class_before", json_object_get(p, "class_before"),
                     "class_after", json_object_get(p, "class_after"), "layer_refs",
                     json_object_get(p, "layer_refs"), "geometry", g ? g : json_null(), "alert_id",
                     json_object_get(p, "alert_id"), "patch_no", json_object_get(p, "patch_no")));
  }
  return a;
}

static int batch_patches(lg_store_t *s, json_t *b, bool with_geometry, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      "SELECT p.id, p.fid, p.patch_no, p.class_before, p.class_after, p.area_m2, p.verdict,"
      " p.approved_m2, p.unapproved_m2, p.pbf_m2, p.eprl_m2, p.refs, a.id AS alert_id,"
      " a.state AS alert_state FROM lg_monitor_patches p"
      " LEFT JOIN lg_monitor_alerts a ON a.patch_id = p.id WHERE p.batch_id = ? ORDER BY p.id",
      &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, json_integer_value(json_object_get(b, "id")));
  json_t *arr = json_array(), *counts = json_object();
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    json_t *p = row_json(st);
    patch_titles(p);
    const char *v = json_string_value(json_object_get(p, "verdict"));
    if (v)
      json_object_set_new(counts, v,
                          json_integer(json_integer_value(json_object_get(counts, v)) + 1));
    json_array_append_new(arr, p);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取变化图斑失败");
  lg_store_done(st);
  const char *layer = json_string_value(json_object_get(b, "layer"));
  int srs = (int)json_integer_value(json_object_get(b, "srs"));
  size_t i;
  json_t *p;
  if (rc == 0 && with_geometry)
    json_array_foreach(arr, i, p) json_object_set_new(
        p, "geometry",
        patch_geometry(s, layer, srs, json_integer_value(json_object_get(p, "fid"))));
  json_object_set_new(b, "alerts", alert_list(arr));
  json_object_set_new(b, "patches", arr);
  json_object_set_new(b, "counts", titled(counts, "verdicts", "verdict"));
  return rc;
}

int lg_monitor_batch_get(lg_store_t *s, int64_t batch_id, bool with_geometry, json_t **out,
                         lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT id, name, division, layer, source, srs, patches AS patch_count,"
                            " area_m2,"
                            " detected_at, detected_by, created_at, created_by"
                            " FROM lg_monitor_batches WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, batch_id);
  int step = lg_store_step(st);
  json_t *b = step == LG_ROW ? row_json(st) : NULL;
  if (step == LG_DONE)
    rc = lg_err_set(err, LG_ENOTFOUND, "监测批次 %lld 不存在", (long long)batch_id);
  else if (step < 0)
    rc = lg_store_fail(s, err, "读取监测批次失败");
  lg_store_done(st);
  if (rc == 0) rc = batch_patches(s, b, with_geometry, err);
  if (rc) {
    json_decref(b);
    return rc;
  }
  *out = b;
  return 0;
}

#define SCOPE_SQL(col) "(?1 = 'all' OR (?1 = 'jurisdiction' AND " col " LIKE ?2 || '%'))"

int lg_monitor_batches(lg_store_t *s, const lg_subject_t *who, json_t **out, lg_err_t *err) {
  const char *kind;
  char div[16];
  *out = NULL;
  int rc = mon_scope(s, who, &kind, div, err);
  if (rc) return rc;
  lg_stmt_t *st;
  rc = lg_store_prepare(
      s,
      "SELECT b.id, b.name, b.division, b.layer, b.source, b.patches AS patch_count, b.area_m2,"
      " b.detected_at,"
      " b.created_at, b.created_by,"
      " (SELECT count(*) FROM lg_monitor_alerts a WHERE a.batch_id = b.id) AS alerts"
      " FROM lg_monitor_batches b WHERE " SCOPE_SQL("b.division") " ORDER BY b.id DESC",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, div);
  json_t *a = json_array();
  int step;
  while ((step = lg_store_step(st)) == LG_ROW)
    json_array_append_new(a, row_json(st));
  if (step < 0) rc = lg_store_fail(s, err, "读取监测批次失败");
  lg_store_done(st);
  if (rc)
    json_decref(a);
  else
    *out = json_pack("{s:o}", "batches", a);
  return rc;
}

#define ALERT_SELECT                                                                               \
  "SELECT a.id, a.batch_id, a.patch_id, p.patch_no, a.division, a.kind, a.state, a.deadline,"      \
  " p.class_before, p.class_after, p.area_m2, p.approved_m2, p.unapproved_m2, p.pbf_m2,"           \
  " p.eprl_m2, a.created_at, a.updated_at, a.updated_by"                                           \
  " FROM lg_monitor_alerts a JOIN lg_monitor_patches p ON p.id = a.patch_id"

static void alert_titles(json_t *o, int32_t today) {
  json_object_set_new(
      o, "kind_title",
      json_string(mon_title("verdicts", json_string_value(json_object_get(o, "kind")))));
  const char *state = json_string_value(json_object_get(o, "state"));
  json_object_set_new(o, "state_title", json_string(mon_title("states", state)));
  int32_t dl = 0;
  const char *d = json_string_value(json_object_get(o, "deadline"));
  bool overdue = d && lg_date_parse(d, &dl, NULL) == 0 && !strcmp(state, "pending") && today > dl;
  json_object_set_new(o, "overdue", json_boolean(overdue));
  json_object_set_new(
      o, "class_before_title",
      json_string(mon_title("codes", json_string_value(json_object_get(o, "class_before")))));
  json_object_set_new(
      o, "class_after_title",
      json_string(mon_title("codes", json_string_value(json_object_get(o, "class_after")))));
}

int lg_monitor_alerts(lg_store_t *s, const lg_subject_t *who, int64_t batch_id, const char *state,
                      int32_t today, json_t **out, lg_err_t *err) {
  const char *kind;
  char div[16];
  *out = NULL;
  if (!today) today = lg_date_of(lg_now(), LG_TZ_CHINA);
  if (state && *state && !*mon_title("states", state))
    return lg_err_set(err, LG_EINVAL, "未知的预警状态 \"%s\"", state);
  int rc = mon_scope(s, who, &kind, div, err);
  if (rc) return rc;
  lg_stmt_t *st;
  rc = lg_store_prepare(
      s,
      ALERT_SELECT " WHERE " SCOPE_SQL(
          "a.division") " AND (?3 = 0 OR a.batch_id = ?3) AND (?4 = '' OR a.state = ?4)"
                        " ORDER BY a.id",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, div);
  lg_store_bind_int(st, 3, batch_id);
  lg_store_bind_text(st, 4, state ? state : "");
  json_t *a = json_array(), *totals = json_object();
  int step, overdue = 0;
  while ((step = lg_store_step(st)) == LG_ROW) {
    json_t *o = row_json(st);
    alert_titles(o, today);
    const char *k = json_string_value(json_object_get(o, "state"));
    json_object_set_new(totals, k,
                        json_integer(json_integer_value(json_object_get(totals, k)) + 1));
    overdue += json_is_true(json_object_get(o, "overdue"));
    json_array_append_new(a, o);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取监测预警失败");
  lg_store_done(st);
  if (rc) {
    json_decref(a);
    json_decref(totals);
    return rc;
  }
  char d[11];
  lg_date_format(today, d);
  *out = json_pack("{s:o, s:o, s:i, s:s}", "alerts", a, "totals", titled(totals, "states", "state"),
                   "overdue", overdue, "as_of", d);
  return 0;
}

int lg_monitor_alert_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, ALERT_SELECT " WHERE a.id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  int step = lg_store_step(st);
  json_t *o = step == LG_ROW ? row_json(st) : NULL;
  if (step == LG_DONE)
    rc = lg_err_set(err, LG_ENOTFOUND, "监测预警 %lld 不存在", (long long)id);
  else if (step < 0)
    rc = lg_store_fail(s, err, "读取监测预警失败");
  lg_store_done(st);
  if (rc) return rc;
  alert_titles(o, lg_date_of(lg_now(), LG_TZ_CHINA));
  if ((rc = lg_store_prepare(s,
                             "SELECT from_state, to_state, reason, actor, role, at"
                             " FROM lg_monitor_events WHERE alert_id = ? ORDER BY id",
                             &st, err))) {
    json_decref(o);
    return rc;
  }
  lg_store_bind_int(st, 1, id);
  json_t *ev = json_array();
  while ((step = lg_store_step(st)) == LG_ROW) {
    json_t *e = row_json(st);
    json_object_set_new(e, "to_title", json_string(mon_title("states", lg_store_col_text(st, 1))));
    json_array_append_new(ev, e);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取预警处置记录失败");
  lg_store_done(st);
  json_object_set_new(o, "events", ev);
  json_object_set_new(o, "next", json_array());
  size_t i;
  const json_t *t;
  const char *state = json_string_value(json_object_get(o, "state"));
  json_array_foreach(json_object_get(mon_cfg(), "transitions"), i, t) {
    if (strcmp(json_string_value(json_object_get(t, "from")), state)) continue;
    const char *to = json_string_value(json_object_get(t, "to"));
    json_array_append_new(json_object_get(o, "next"),
                          json_pack("{s:s, s:s, s:s}", "state", to, "title",
                                    mon_title("states", to), "basis",
                                    json_string_value(json_object_get(t, "basis"))));
  }
  if (rc)
    json_decref(o);
  else
    *out = o;
  return rc;
}

/* The transition from -> to, or NULL; names the allowed ones in *allowed. */
static const json_t *transition(const char *from, const char *to, lg_buf_t *allowed) {
  size_t i;
  const json_t *t, *found = NULL;
  json_array_foreach(json_object_get(mon_cfg(), "transitions"), i, t) {
    if (strcmp(json_string_value(json_object_get(t, "from")), from)) continue;
    const char *tt = json_string_value(json_object_get(t, "to"));
    if (!strcmp(tt, to)) found = t;
    lg_buf_printf(allowed, "%s%s %s", allowed->len ? "、" : "", tt, mon_title("states", tt));
  }
  return found;
}

/* The state of an alert, read inside the transaction. */
static int alert_state(lg_store_t *s, int64_t id, char state[32], char division[16],
                       lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s, "SELECT state, division FROM lg_monitor_alerts WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    snprintf(state, 32, "%s", lg_store_col_text(st, 0));
    snprintf(division, 16, "%s", lg_store_col_text(st, 1));
  } else if (step == LG_DONE) {
    rc = lg_err_set(err, LG_ENOTFOUND, "监测预警 %lld 不存在", (long long)id);
  } else {
    rc = lg_store_fail(s, err, "读取监测预警失败");
  }
  lg_store_done(st);
  return rc;
}

static int write_move(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *from,
                      const char *to, const char *reason, lg_err_t *err) {
  char now[32];
  mon_now(now);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "INSERT INTO lg_monitor_events(alert_id, from_state, to_state, reason,"
                            " actor, role, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  lg_store_bind_text(st, 2, from);
  lg_store_bind_text(st, 3, to);
  lg_store_bind_text(st, 4, reason);
  lg_store_bind_text(st, 5, mon_actor(who));
  lg_store_bind_text(st, 6, mon_role(who));
  lg_store_bind_text(st, 7, now);
  if ((rc = lg_store_run_done(st, "保存预警处置记录失败", err))) return rc;
  if ((rc = lg_store_prepare(
           s, "UPDATE lg_monitor_alerts SET state = ?, updated_at = ?, updated_by = ? WHERE id = ?",
           &st, err)))
    return rc;
  lg_store_bind_text(st, 1, to);
  lg_store_bind_text(st, 2, now);
  lg_store_bind_text(st, 3, mon_actor(who));
  lg_store_bind_int(st, 4, id);
  return lg_store_run_done(st, "保存预警状态失败", err);
}

int lg_monitor_alert_move(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *to,
                          const char *reason, lg_err_t *err) {
  if (!to || !*to) return lg_err_set(err, LG_EINVAL, "请给出预警的新状态 (to)");
  if (!*mon_title("states", to)) return lg_err_set(err, LG_EINVAL, "未知的预警状态 \"%s\"", to);
  if (!reason || !*reason)
    return lg_err_set(err, LG_EINVAL, "请写明理由 (reason): 核查结论、立案或处罚决定的依据");
  char from[32], division[16];
  lg_buf_t allowed;
  lg_buf_init(&allowed);
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  rc = alert_state(s, id, from, division, err);
  if (rc == 0) rc = mon_require(s, who, "act", division, err);
  if (rc == 0 && !transition(from, to, &allowed))
    rc = lg_err_set(err, LG_ECONFLICT, "监测预警 %lld 处于 %s, 不能转为 %s; 可转为: %s",
                    (long long)id, mon_title("states", from), mon_title("states", to),
                    allowed.len ? allowed.data : "(无, 已结案)");
  if (rc == 0) rc = write_move(s, who, id, from, to, reason, err);
  if (rc == 0) {
    char action[48];
    snprintf(action, sizeof action, "monitor.alert.%s", to);
    rc = mon_record(s, who, action, "monitor_alert", id, division, err);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  lg_buf_fini(&allowed);
  return rc;
}
