/*
 * What a case keeps of its own history, and what the ledger keeps of it.
 * The journal (lg_case_events) says who did what to a case and when, in
 * the words the timeline shows. The ledger gets a "case" entry whenever
 * the case's state changes: its row (without the boundary blob, which its
 * SHA-256 stands for, and without updated_at, which is bookkeeping), its
 * materials, penalties and notices. The audit rebuilds the same JSON from
 * the tables and compares digests, so an edit made behind the
 * application's back shows.
 */
#include "cases/cases_int.h"

#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

int cs_event(lg_store_t *s, int64_t case_id, int64_t at, const char *actor, const char *role,
             const char *event, int64_t task_id, const char *node, json_t *detail, lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "INSERT INTO lg_case_events(case_id, at, actor, role, event, task_id, node,"
                       " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       &st, err);
  if (rc) {
    json_decref(detail);
    return rc;
  }
  char ts[32];
  lg_time_iso(at, ts);
  char *d = detail ? cs_json_text(detail) : NULL;
  json_decref(detail);
  lg_store_bind_int(st, 1, case_id);
  lg_store_bind_text(st, 2, ts);
  lg_store_bind_text(st, 3, actor && *actor ? actor : "system");
  cs_bind_text(st, 4, role && *role ? role : NULL);
  lg_store_bind_text(st, 5, event);
  if (task_id > 0) lg_store_bind_int(st, 6, task_id);
  cs_bind_text(st, 7, node);
  cs_bind_text(st, 8, d);
  lg_free(d);
  return lg_store_run_done(st, "写入案件日志失败", err);
}

/* The rows of one child table as an array of objects, columns by name. */
static int child_rows(lg_store_t *s, const char *sql, int64_t id, json_t *into, const char *key,
                      lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  json_t *arr = json_array();
  int n = lg_store_col_count(st);
  while ((rc = lg_store_step(st)) == LG_ROW) {
    json_t *row = json_object();
    for (int i = 0; i < n; i++) {
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
        v = json_string(lg_store_col_text(st, i));
        if (!v) v = json_null();
      }
      json_object_set_new(row, lg_store_col_name(st, i), v);
    }
    json_array_append_new(arr, row);
  }
  lg_store_done(st);
  if (rc != LG_DONE) {
    json_decref(arr);
    return lg_store_fail(s, err, "读取案件失败");
  }
  json_object_set_new(into, key, arr);
  return 0;
}

int cs_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  json_t *state = json_object();
  int rc = child_rows(s,
                      "SELECT id, code, title, project_type, use_code, enterprise, applicant,"
                      " rating, investment, division, divisions, departments, srs_id,"
                      " boundary_sha256, planar_m2, ellipsoidal_m2, status, instance_id, check_id,"
                      " verdict, level, document_no, created_at, created_by, decided_at,"
                      " handed_over_at FROM lg_cases WHERE id = ?",
                      id, state, "case", err);
  json_t *row = rc == 0 ? json_array_get(json_object_get(state, "case"), 0) : NULL;
  if (rc == 0 && !row) rc = lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)id);
  if (rc == 0)
    rc = child_rows(s,
                    "SELECT kind, core, required, state, due_at, supplied_at, supplied_by"
                    " FROM lg_case_materials WHERE case_id = ? ORDER BY id",
                    id, state, "materials", err);
  if (rc == 0)
    rc = child_rows(s,
                    "SELECT id, kind, investment, rate, amount, rule, materials, created_at"
                    " FROM lg_case_penalties WHERE case_id = ? ORDER BY id",
                    id, state, "penalties", err);
  if (rc == 0)
    rc = child_rows(s,
                    "SELECT id, kind, title, start_at, end_at, period, created_at"
                    " FROM lg_case_notices WHERE case_id = ? ORDER BY id",
                    id, state, "notices", err);
  if (rc) {
    json_decref(state);
    return rc;
  }
  /* The row's members at the top, the lists beside them. */
  json_incref(row);
  json_object_del(state, "case");
  json_object_update(row, state);
  json_decref(state);
  *out = row;
  return 0;
}

int cs_record(lg_store_t *s, int64_t id, int64_t at, const char *actor, const char *role,
              const char *action, lg_err_t *err) {
  json_t *state = NULL;
  int rc = cs_state(s, id, &state, err);
  if (rc) return rc;
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  lg_ledger_event_t ev = {.actor = actor && *actor ? actor : "system",
                          .role = role,
                          .jurisdiction = json_string_value(json_object_get(state, "division")),
                          .action = action,
                          .object_type = "case",
                          .object_id = oid,
                          .time = at,
                          .state = state};
  rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}

int lg_cases_audit_scan(lg_store_t *s,
                        int (*emit)(void *ctx, const char *object_id,
                                    const unsigned char digest[32]),
                        void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT id FROM lg_cases ORDER BY id", &st, err);
  if (rc) return rc;
  LG_VEC(int64_t) ids = {0};
  while (lg_store_step(st) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  lg_store_done(st);
  for (size_t i = 0; i < ids.len && rc == 0; i++) {
    json_t *state = NULL;
    unsigned char d[32];
    char oid[32];
    rc = cs_state(s, ids.items[i], &state, err);
    if (rc == 0) rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    snprintf(oid, sizeof oid, "%lld", (long long)ids.items[i]);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(ids.items);
  return rc;
}
