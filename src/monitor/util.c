/*
 * What the files of the monitor module share: the built-in configuration
 * (data/monitor/default.json), the subject's name and permissions, the
 * states the ledger records of batches and alerts, and their entries.
 */
#include "monitor/monitor_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

extern const unsigned char lg_monitor_default_config[];

const char *lg_monitor_config_default_json(void) { return (const char *)lg_monitor_default_config; }

static json_t *cfg;
static pthread_once_t cfg_once = PTHREAD_ONCE_INIT;

static void cfg_load(void) {
  json_error_t e;
  cfg = json_loads(lg_monitor_config_default_json(), 0, &e);
  if (!cfg) {
    fprintf(stderr, "data/monitor/default.json: %s (line %d)\n", e.text, e.line);
    cfg = json_object();
  }
}

const json_t *mon_cfg(void) {
  pthread_once(&cfg_once, cfg_load);
  return cfg;
}

const char *mon_title(const char *group, const char *code) {
  const char *t =
      code ? json_string_value(json_object_get(json_object_get(mon_cfg(), group), code)) : NULL;
  return t ? t : "";
}

double mon_cfg_num(const char *group, const char *key, double dflt) {
  const json_t *v = json_object_get(json_object_get(mon_cfg(), group), key);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

const char *lg_monitor_major_class(const char *code) {
  if (!code || !*code || !*mon_title("codes", code)) return NULL;
  /* The longest prefix of the code that the table names. */
  const json_t *t = json_object_get(mon_cfg(), "major_classes");
  char buf[16];
  snprintf(buf, sizeof buf, "%s", code);
  for (size_t n = strlen(buf); n >= 2; n--) {
    buf[n] = '\0';
    const char *m = json_string_value(json_object_get(t, buf));
    if (m) return m;
  }
  return NULL;
}

const char *mon_actor(const lg_subject_t *who) {
  return who && who->login[0] ? who->login : "system";
}

const char *mon_role(const lg_subject_t *who) { return who ? who->role : ""; }

int mon_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
                lg_err_t *err) {
  if (!who) return 0;
  lg_object_ref_t obj = {.division = division};
  return lg_auth_require(s, who, "monitor", action, division ? &obj : NULL, err);
}

int mon_scope(lg_store_t *s, const lg_subject_t *who, const char **kind, char division[16],
              lg_err_t *err) {
  division[0] = '\0';
  if (!who) {
    *kind = "all";
    return 0;
  }
  int scope;
  int rc = lg_auth_scope(s, who, "monitor", "read", &scope, err);
  if (rc) return rc;
  lg_auth_filter_t f;
  lg_auth_filter_make(who, scope, &f);
  /* "own" means nothing for patches nobody owns. */
  *kind = !strcmp(f.kind, "own")            ? "none"
          : !strcmp(f.kind, "all")          ? "all"
          : !strcmp(f.kind, "jurisdiction") ? "jurisdiction"
                                            : "none";
  snprintf(division, 16, "%s", f.division);
  return 0;
}

void mon_now(char out[32]) { lg_time_iso(lg_now(), out); }

/* The current row of st as a JSON object, by column name and type. */
static json_t *row_json(lg_stmt_t *st) {
  json_t *o = json_object();
  for (int i = 0; i < lg_store_col_count(st); i++) {
    json_t *v;
    switch (lg_store_col_type(st, i)) {
    case LG_COL_INT:
      v = json_integer(lg_store_col_int(st, i));
      break;
    case LG_COL_REAL:
      v = json_real(lg_store_col_real(st, i));
      break;
    case LG_COL_NULL:
      v = json_null();
      break;
    default:
      v = json_string(lg_store_col_text(st, i) ? lg_store_col_text(st, i) : "");
    }
    json_object_set_new(o, lg_store_col_name(st, i), v);
  }
  return o;
}

/* Every row of sql (one parameter, id) as an array of objects. */
static json_t *rows_json(lg_store_t *s, const char *sql, int64_t id, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, sql, &st, err) != 0) return NULL;
  lg_store_bind_int(st, 1, id);
  json_t *a = json_array();
  int step;
  while ((step = lg_store_step(st)) == LG_ROW)
    json_array_append_new(a, row_json(st));
  if (step < 0) {
    lg_store_fail(lg_store_of(st), err, "读取监测记录失败");
    json_decref(a);
    a = NULL;
  }
  lg_store_done(st);
  return a;
}

/* Reals go to the ledger rounded to the centimetre of area (what the
 * rows hold is what the audit recomputes; the rounding only keeps the
 * canonical text free of the last bits of floating point). */
#define BATCH_COLS                                                                                 \
  "id, name, division, layer, source, srs, patches, area_m2, detected_at, detected_by,"            \
  " created_at, created_by"
#define PATCH_COLS                                                                                 \
  "id, fid, patch_no, class_before, class_after, area_m2, verdict, approved_m2, unapproved_m2,"    \
  " pbf_m2, eprl_m2, refs"
#define ALERT_COLS                                                                                 \
  "id, patch_id, batch_id, division, kind, state, deadline, created_at, created_by, updated_at,"   \
  " updated_by"
#define EVENT_COLS "id, from_state, to_state, reason, actor, role, at"

static json_t *one(lg_store_t *s, const char *sql, int64_t id, const char *what, lg_err_t *err) {
  json_t *a = rows_json(s, sql, id, err);
  if (!a) return NULL;
  json_t *o = json_incref(json_array_get(a, 0));
  json_decref(a);
  if (!o) lg_err_set(err, LG_ENOTFOUND, "%s %lld 不存在", what, (long long)id);
  return o;
}

json_t *mon_batch_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  json_t *o =
      one(s, "SELECT " BATCH_COLS " FROM lg_monitor_batches WHERE id = ?", id, "监测批次", err);
  if (!o) return NULL;
  json_t *p = rows_json(
      s, "SELECT " PATCH_COLS " FROM lg_monitor_patches WHERE batch_id = ? ORDER BY id", id, err);
  if (!p) {
    json_decref(o);
    return NULL;
  }
  json_object_set_new(o, "patches", p);
  return o;
}

json_t *mon_alert_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  json_t *o =
      one(s, "SELECT " ALERT_COLS " FROM lg_monitor_alerts WHERE id = ?", id, "监测预警", err);
  if (!o) return NULL;
  json_t *e = rows_json(
      s, "SELECT " EVENT_COLS " FROM lg_monitor_events WHERE alert_id = ? ORDER BY id", id, err);
  if (!e) {
    json_decref(o);
    return NULL;
  }
  json_object_set_new(o, "events", e);
  return o;
}

static json_t *state_of(lg_store_t *s, const char *type, int64_t id, lg_err_t *err) {
  if (!strcmp(type, "monitor_batch")) return mon_batch_state(s, id, err);
  if (!strcmp(type, "monitor_alert")) return mon_alert_state(s, id, err);
  lg_err_set(err, LG_EINTERNAL, "未知的对象类型 %s", type);
  return NULL;
}

int mon_record(lg_store_t *s, const lg_subject_t *who, const char *action, const char *type,
               int64_t id, const char *division, lg_err_t *err) {
  json_t *state = state_of(s, type, id, err);
  if (!state) return err && err->code ? err->code : LG_EDB;
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  lg_ledger_event_t ev = {.actor = mon_actor(who),
                          .role = who ? who->role : NULL,
                          .jurisdiction = division,
                          .action = action,
                          .object_type = type,
                          .object_id = oid,
                          .state = state};
  int rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}

/* ---- Auditors ------------------------------------------------------------------ */

static int scan(lg_store_t *s, const char *sql, const char *type, lg_ledger_emit_fn emit, void *ctx,
                lg_err_t *err) {
  LG_VEC(int64_t) ids = {0};
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  int step;
  while ((step = lg_store_step(st)) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  if (step < 0) rc = lg_store_fail(s, err, "读取监测记录失败");
  lg_store_done(st);
  for (size_t i = 0; rc == 0 && i < ids.len; i++) {
    json_t *state = state_of(s, type, ids.items[i], err);
    if (!state) {
      rc = err && err->code ? err->code : LG_EDB;
      break;
    }
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)ids.items[i]);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(ids.items);
  return rc;
}

static int scan_batches(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, "SELECT id FROM lg_monitor_batches ORDER BY id", "monitor_batch", emit, ctx, err);
}
static int scan_alerts(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, "SELECT id FROM lg_monitor_alerts ORDER BY id", "monitor_alert", emit, ctx, err);
}

const lg_ledger_auditor_t lg_monitor_auditor_batches = {"monitor_batch", scan_batches};
const lg_ledger_auditor_t lg_monitor_auditor_alerts = {"monitor_alert", scan_alerts};
