/*
 * Reading the engine's tables: instances as JSON (state, where they
 * stand, variables, tasks, waits, history), task lists for work queues,
 * the state recorded on the ledger and recomputed by the audit, and the
 * working-day calendar an administrator edits.
 */
#include "flow/flow_int.h"

#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

json_t *fl_col_json_text(lg_stmt_t *st, int i) {
  if (lg_store_col_type(st, i) == LG_COL_NULL) return json_null();
  json_t *v = json_string(lg_store_col_text(st, i));
  return v ? v : json_null();
}

json_t *fl_col_json(lg_stmt_t *st, int i) {
  if (lg_store_col_type(st, i) == LG_COL_NULL) return json_null();
  json_t *v = json_loads(lg_store_col_text(st, i), JSON_DECODE_ANY, NULL);
  return v ? v : json_null();
}

char *fl_json_text(const json_t *v) {
  char *t =
      json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
  char *r = lg_strdup(t ? t : "null");
  free(t);
  return r;
}

static json_t *col_int_or_null(lg_stmt_t *st, int i) {
  return lg_store_col_type(st, i) == LG_COL_NULL ? json_null()
                                                 : json_integer(lg_store_col_int(st, i));
}

/* ---- Instance state (ledger and audit) ---------------------------------------- */

int fl_instance_state(lg_store_t *s, int64_t id, const json_t *vars, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(
          s,
          "SELECT d.key, d.version, i.business_key, i.status, i.variables, i.end_node"
          " FROM lg_flow_instances i JOIN lg_flow_definitions d ON d.id = i.definition_id"
          " WHERE i.id = ?",
          &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    return lg_err_set(err, LG_ENOTFOUND, "流程实例 %lld 不存在", (long long)id);
  }
  json_t *state = json_pack(
      "{s:I,s:o,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)id, "key", fl_col_json_text(st, 0),
      "version", (json_int_t)lg_store_col_int(st, 1), "business_key", fl_col_json_text(st, 2),
      "status", fl_col_json_text(st, 3), "variables",
      vars ? json_incref((json_t *)vars) : fl_col_json(st, 4), "end_node", fl_col_json_text(st, 5));
  lg_store_done(st);
  json_t *tokens = json_array(), *tasks = json_array();
  json_object_set_new(state, "tokens", tokens);
  json_object_set_new(state, "tasks", tasks);
  int rc = 0;
  if (lg_store_prepare(
          s, "SELECT id, node, state FROM lg_flow_tokens WHERE instance_id = ? ORDER BY id", &st,
          err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(
        tokens, json_pack("{s:I,s:o,s:o}", "id", (json_int_t)lg_store_col_int(st, 0), "node",
                          fl_col_json_text(st, 1), "state", fl_col_json_text(st, 2)));
  lg_store_done(st);
  if (lg_store_prepare(s,
                       "SELECT id, node, status, outcome, actor, assignee, candidate_groups FROM"
                       " lg_flow_tasks WHERE instance_id = ? ORDER BY id",
                       &st, err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(
        tasks,
        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)lg_store_col_int(st, 0),
                  "node", fl_col_json_text(st, 1), "status", fl_col_json_text(st, 2), "outcome",
                  fl_col_json_text(st, 3), "actor", fl_col_json_text(st, 4), "assignee",
                  fl_col_json_text(st, 5), "candidate_groups", fl_col_json(st, 6)));
  lg_store_done(st);
done:
  if (rc) {
    json_decref(state);
    return rc;
  }
  *out = state;
  return 0;
}

int lg_flow_audit_scan(lg_store_t *s,
                       int (*emit)(void *ctx, const char *object_id,
                                   const unsigned char digest[32]),
                       void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT id FROM lg_flow_instances ORDER BY id", &st, err)) return LG_EDB;
  LG_VEC(int64_t) ids = {0};
  while (lg_store_step(st) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  lg_store_done(st);
  int rc = 0;
  for (size_t i = 0; i < ids.len && rc == 0; i++) {
    json_t *state = NULL;
    unsigned char d[32];
    char oid[32];
    rc = fl_instance_state(s, ids.items[i], NULL, &state, err);
    if (rc == 0) rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    snprintf(oid, sizeof oid, "%lld", (long long)ids.items[i]);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(ids.items);
  return rc;
}

/* ---- Instances ------------------------------------------------------------- */

static const char *node_type(const fl_model_t *m, const char *id) {
  int i = m ? fl_model_node(m, id) : -1;
  return i >= 0 ? m->nodes.items[i].type : NULL;
}

static const char *node_name(const fl_model_t *m, const char *id) {
  int i = m ? fl_model_node(m, id) : -1;
  return i >= 0 ? m->nodes.items[i].name : NULL;
}

static json_t *task_row_json(lg_stmt_t *st) {
  /* Columns: id, instance_id, node, name, candidate_groups, assignee,
   * element, loop_index, status, outcome, actor, vars, created_at, due_at,
   * completed_at, business_key. */
  json_t *t = json_object();
  json_object_set_new(t, "id", json_integer(lg_store_col_int(st, 0)));
  json_object_set_new(t, "instance_id", json_integer(lg_store_col_int(st, 1)));
  json_object_set_new(t, "node", fl_col_json_text(st, 2));
  json_object_set_new(t, "name", fl_col_json_text(st, 3));
  json_object_set_new(t, "candidate_groups", fl_col_json(st, 4));
  json_object_set_new(t, "assignee", fl_col_json_text(st, 5));
  json_object_set_new(t, "element", fl_col_json(st, 6));
  json_object_set_new(t, "loop_index", col_int_or_null(st, 7));
  json_object_set_new(t, "status", fl_col_json_text(st, 8));
  json_object_set_new(t, "outcome", fl_col_json_text(st, 9));
  json_object_set_new(t, "actor", fl_col_json_text(st, 10));
  json_object_set_new(t, "vars", fl_col_json(st, 11));
  json_object_set_new(t, "created_at", fl_col_json_text(st, 12));
  json_object_set_new(t, "due_at", fl_col_json_text(st, 13));
  json_object_set_new(t, "completed_at", fl_col_json_text(st, 14));
  json_object_set_new(t, "business_key", fl_col_json_text(st, 15));
  return t;
}

#define TASK_COLS                                                                                  \
  "t.id, t.instance_id, t.node, t.name, t.candidate_groups, t.assignee, t.element,"                \
  " t.loop_index, t.status, t.outcome, t.actor, t.vars, t.created_at, t.due_at,"                   \
  " t.completed_at, i.business_key FROM lg_flow_tasks t JOIN lg_flow_instances i ON"               \
  " i.id = t.instance_id"

int lg_flow_instance_json(lg_store_t *s, int64_t id, int flags, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(
          s,
          "SELECT d.id, d.key, d.version, d.name, i.business_key, i.status, i.started_at,"
          " i.started_by, i.ended_at, i.end_node, i.variables, d.sha256"
          " FROM lg_flow_instances i JOIN lg_flow_definitions d ON d.id = i.definition_id"
          " WHERE i.id = ?",
          &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    return lg_err_set(err, LG_ENOTFOUND, "流程实例 %lld 不存在", (long long)id);
  }
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(id));
  json_object_set_new(o, "definition",
                      json_pack("{s:I,s:o,s:I,s:o}", "id", (json_int_t)lg_store_col_int(st, 0),
                                "key", fl_col_json_text(st, 1), "version",
                                (json_int_t)lg_store_col_int(st, 2), "name",
                                fl_col_json_text(st, 3)));
  json_object_set_new(o, "business_key", fl_col_json_text(st, 4));
  json_object_set_new(o, "status", fl_col_json_text(st, 5));
  json_object_set_new(o, "started_at", fl_col_json_text(st, 6));
  json_object_set_new(o, "started_by", fl_col_json_text(st, 7));
  json_object_set_new(o, "ended_at", fl_col_json_text(st, 8));
  json_object_set_new(o, "end_node", fl_col_json_text(st, 9));
  json_object_set_new(o, "variables",
                      flags & LG_FLOW_WITHOUT_VARIABLES ? json_null() : fl_col_json(st, 10));
  /* The model names the nodes; a definition that no longer parses (it
   * always should) still lets the instance be read. */
  const fl_model_t *m = NULL;
  int64_t def_id = lg_store_col_int(st, 0);
  char sha[65];
  snprintf(sha, sizeof sha, "%s", lg_store_col_text(st, 11));
  lg_store_done(st);
  if (fl_model_get(s, def_id, sha, &m, NULL) != 0) m = NULL;

  int rc = 0;
  json_t *tokens = json_array(), *active = json_array();
  json_object_set_new(o, "tokens", tokens);
  json_object_set_new(o, "active_nodes", active);
  if (lg_store_prepare(
          s,
          "SELECT id, node, state, created_at FROM lg_flow_tokens WHERE instance_id = ?"
          " ORDER BY id",
          &st, err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW) {
    const char *node = lg_store_col_text(st, 1);
    json_array_append_new(tokens,
                          json_pack("{s:I,s:s,s:o,s:o}", "id", (json_int_t)lg_store_col_int(st, 0),
                                    "node", node, "state", fl_col_json_text(st, 2), "since",
                                    fl_col_json_text(st, 3)));
    bool dup = false;
    size_t k;
    json_t *a;
    json_array_foreach(active, k, a) dup =
        dup || !strcmp(json_string_value(json_object_get(a, "id")), node);
    if (!dup) {
      const char *nm = node_name(m, node), *ty = node_type(m, node);
      json_array_append_new(active,
                            json_pack("{s:s,s:s?,s:s?}", "id", node, "name", nm, "type", ty));
    }
  }
  lg_store_done(st);

  json_t *tasks = json_array();
  json_object_set_new(o, "tasks", tasks);
  if (lg_store_prepare(s, "SELECT " TASK_COLS " WHERE t.instance_id = ? ORDER BY t.id", &st, err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(tasks, task_row_json(st));
  lg_store_done(st);

  json_t *waits = json_array();
  json_object_set_new(o, "waits", waits);
  if (lg_store_prepare(
          s,
          "SELECT id, node, source, kind, message, due_at, status, created_at, fired_at,"
          " error FROM lg_flow_waits WHERE instance_id = ? ORDER BY id",
          &st, err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(
        waits, json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                         (json_int_t)lg_store_col_int(st, 0), "node", fl_col_json_text(st, 1),
                         "source", fl_col_json_text(st, 2), "kind", fl_col_json_text(st, 3),
                         "message", fl_col_json_text(st, 4), "due_at", fl_col_json_text(st, 5),
                         "status", fl_col_json_text(st, 6), "created_at", fl_col_json_text(st, 7),
                         "fired_at", fl_col_json_text(st, 8), "error", fl_col_json_text(st, 9)));
  lg_store_done(st);

  if (flags & LG_FLOW_WITH_HISTORY) {
    json_t *h = json_array();
    json_object_set_new(o, "history", h);
    if (lg_store_prepare(s,
                         "SELECT at, actor, event, node, flow, task_id, detail FROM lg_flow_history"
                         " WHERE instance_id = ? ORDER BY id",
                         &st, err)) {
      rc = LG_EDB;
      goto done;
    }
    lg_store_bind_int(st, 1, id);
    while (lg_store_step(st) == LG_ROW) {
      json_t *e = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "at", fl_col_json_text(st, 0), "actor",
                            fl_col_json_text(st, 1), "event", fl_col_json_text(st, 2), "node",
                            fl_col_json_text(st, 3), "flow", fl_col_json_text(st, 4), "task_id",
                            col_int_or_null(st, 5), "detail", fl_col_json(st, 6));
      const char *node = json_string_value(json_object_get(e, "node"));
      if (node && node_name(m, node))
        json_object_set_new(e, "node_name", json_string(node_name(m, node)));
      json_array_append_new(h, e);
    }
    lg_store_done(st);
  }
done:
  fl_model_release(m);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return 0;
}

int lg_flow_instances(lg_store_t *s, const lg_flow_instance_filter_t *f, json_t **out,
                      lg_err_t *err) {
  *out = NULL;
  lg_flow_instance_filter_t none = {0};
  if (!f) f = &none;
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT i.id, d.key, d.version, i.business_key, i.status, i.started_at,"
                       " i.ended_at, i.end_node FROM lg_flow_instances i JOIN lg_flow_definitions d"
                       " ON d.id = i.definition_id WHERE (?1 IS NULL OR i.status = ?1) AND"
                       " (?2 IS NULL OR d.key = ?2) AND (?3 IS NULL OR i.business_key = ?3)"
                       " ORDER BY i.id DESC LIMIT ?4",
                       &st, err))
    return LG_EDB;
  if (f->status) lg_store_bind_text(st, 1, f->status);
  if (f->key) lg_store_bind_text(st, 2, f->key);
  if (f->business_key) lg_store_bind_text(st, 3, f->business_key);
  lg_store_bind_int(st, 4, f->limit > 0 ? f->limit : 100);
  json_t *arr = json_array();
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW)
    json_array_append_new(
        arr,
        json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)lg_store_col_int(st, 0),
                  "key", fl_col_json_text(st, 1), "version", (json_int_t)lg_store_col_int(st, 2),
                  "business_key", fl_col_json_text(st, 3), "status", fl_col_json_text(st, 4),
                  "started_at", fl_col_json_text(st, 5), "ended_at", fl_col_json_text(st, 6),
                  "end_node", fl_col_json_text(st, 7)));
  lg_store_done(st);
  if (rc != LG_DONE) {
    json_decref(arr);
    return lg_store_fail(s, err, "读取流程实例失败");
  }
  *out = arr;
  return 0;
}

/* ---- Tasks ------------------------------------------------------------------ */

int lg_flow_tasks(lg_store_t *s, const lg_flow_task_filter_t *f, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_flow_task_filter_t none = {0};
  if (!f) f = &none;
  const char *status = f->status ? f->status : "open";
  if (strcmp(status, "open") && strcmp(status, "completed") && strcmp(status, "cancelled") &&
      strcmp(status, "all"))
    return lg_err_set(err, LG_EINVAL, "任务状态应为 open、completed、cancelled 或 all, 得到 \"%s\"",
                      status);
  /* A task matches a user's groups when its candidate groups (a JSON
   * array) hold any of them, each as the JSON string it is written as
   * there: one condition per group (a user has a handful), so the text
   * is the same for the same number of groups and stays prepared. */
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_puts(&sql, "SELECT " TASK_COLS " WHERE (?1 = 0 OR t.instance_id = ?1) AND"
                    " (?2 = 'all' OR t.status = ?2) AND (?3 IS NULL OR t.assignee = ?3) AND"
                    " (?4 IS NULL OR t.node = ?4)");
  size_t ng = 0;
  for (const char *const *g = f->groups; g && *g; g++)
    ng++;
  if (f->groups) {
    lg_buf_puts(&sql, " AND (false");
    for (size_t i = 0; i < ng; i++)
      lg_buf_printf(&sql, " OR replace(t.candidate_groups, ?%zu, '') <> t.candidate_groups", 7 + i);
    lg_buf_puts(&sql, ")");
  }
  lg_buf_puts(&sql, " ORDER BY t.id LIMIT ?6");
  lg_stmt_t *st;
  int prc = lg_store_prepare(s, sql.data, &st, err);
  lg_buf_fini(&sql);
  if (prc) return LG_EDB;
  lg_store_bind_int(st, 1, f->instance_id);
  lg_store_bind_text(st, 2, status);
  if (f->assignee) lg_store_bind_text(st, 3, f->assignee);
  if (f->node) lg_store_bind_text(st, 4, f->node);
  lg_store_bind_int(st, 6, f->limit > 0 ? f->limit : 200);
  for (size_t i = 0; i < ng; i++) {
    json_t *one = json_string(f->groups[i]);
    char *quoted = one ? json_dumps(one, JSON_ENCODE_ANY) : NULL;
    lg_store_bind_text(st, (int)(7 + i), quoted ? quoted : "\"\"");
    free(quoted);
    json_decref(one);
  }
  json_t *arr = json_array();
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW)
    json_array_append_new(arr, task_row_json(st));
  lg_store_done(st);
  if (rc != LG_DONE) {
    json_decref(arr);
    return lg_store_fail(s, err, "读取任务失败");
  }
  *out = arr;
  return 0;
}

int lg_flow_task_json(lg_store_t *s, int64_t task_id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT " TASK_COLS " WHERE t.id = ?", &st, err)) return LG_EDB;
  lg_store_bind_int(st, 1, task_id);
  int rc = 0;
  if (lg_store_step(st) == LG_ROW)
    *out = task_row_json(st);
  else
    rc = lg_err_set(err, LG_ENOTFOUND, "任务 %lld 不存在", (long long)task_id);
  lg_store_done(st);
  return rc;
}

/* ---- Typed reads ---------------------------------------------------------------- */

static void col_copy(lg_stmt_t *st, int i, char *out, size_t n) {
  const char *v = lg_store_col_text(st, i);
  snprintf(out, n, "%s", v ? v : "");
}

int lg_flow_task_get(lg_store_t *s, int64_t task_id, lg_flow_task_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT id, instance_id, node, name, status, assignee, candidate_groups,"
                       " loop_index, due_at FROM lg_flow_tasks WHERE id = ?",
                       &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, task_id);
  int step = lg_store_step(st), rc = 0;
  if (step == LG_ROW) {
    out->id = lg_store_col_int(st, 0);
    out->instance_id = lg_store_col_int(st, 1);
    col_copy(st, 2, out->node, sizeof out->node);
    col_copy(st, 3, out->name, sizeof out->name);
    if (!out->name[0]) snprintf(out->name, sizeof out->name, "%s", out->node);
    const char *state = lg_store_col_text(st, 4);
    out->state = !strcmp(state, "open")        ? LG_FLOW_TASK_OPEN
                 : !strcmp(state, "completed") ? LG_FLOW_TASK_COMPLETED
                                               : LG_FLOW_TASK_CANCELLED;
    col_copy(st, 5, out->assignee, sizeof out->assignee);
    /* The groups are stored as a JSON array of strings. */
    json_t *groups = json_loads(lg_store_col_text(st, 6), 0, NULL);
    size_t i, len = 0;
    const json_t *g;
    json_array_foreach(groups, i, g) {
      const char *gt = json_string_value(g);
      if (!gt || len + strlen(gt) + 2 >= sizeof out->groups) continue;
      len +=
          (size_t)snprintf(out->groups + len, sizeof out->groups - len, "%s%s", len ? "," : "", gt);
    }
    json_decref(groups);
    out->loop_index = lg_store_col_type(st, 7) == LG_COL_NULL ? -1 : (int)lg_store_col_int(st, 7);
    col_copy(st, 8, out->due_at, sizeof out->due_at);
  } else if (step == LG_DONE) {
    rc = lg_err_set(err, LG_ENOTFOUND, "任务 %lld 不存在", (long long)task_id);
  } else {
    rc = lg_store_fail(s, err, "读取任务失败");
  }
  lg_store_done(st);
  return rc;
}

static int wait_source(const char *s) {
  return !strcmp(s, "boundary")  ? LG_FLOW_FROM_BOUNDARY
         : !strcmp(s, "catch")   ? LG_FLOW_FROM_CATCH
         : !strcmp(s, "gateway") ? LG_FLOW_FROM_GATEWAY
                                 : LG_FLOW_FROM_RECEIVE;
}

int lg_flow_waits_pending(lg_store_t *s, int64_t instance_id, lg_flow_wait_t **out, size_t *n,
                          lg_err_t *err) {
  *out = NULL;
  *n = 0;
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT id, node, kind, source, message, due_at FROM lg_flow_waits"
                       " WHERE instance_id = ? AND status = 'pending' ORDER BY id",
                       &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, instance_id);
  LG_VEC(lg_flow_wait_t) v = {0};
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    lg_flow_wait_t w = {.id = lg_store_col_int(st, 0)};
    col_copy(st, 1, w.node, sizeof w.node);
    w.kind = !strcmp(lg_store_col_text(st, 2), "timer") ? LG_FLOW_WAIT_TIMER : LG_FLOW_WAIT_MESSAGE;
    w.source = wait_source(lg_store_col_text(st, 3));
    col_copy(st, 4, w.message, sizeof w.message);
    col_copy(st, 5, w.due_at, sizeof w.due_at);
    lg_vec_push(&v, w);
  }
  lg_store_done(st);
  if (step != LG_DONE) {
    lg_free(v.items);
    return lg_store_fail(s, err, "读取流程等待失败");
  }
  *out = v.items;
  *n = v.len;
  return 0;
}

/* ---- Working-day calendar ----------------------------------------------------- */

int lg_flow_calendar_load(lg_store_t *s, lg_workcal_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT day, kind FROM lg_work_calendar", &st, err)) return LG_EDB;
  lg_workcal_t *c = lg_workcal_new();
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW) {
    int32_t day;
    const char *d = lg_store_col_text(st, 0);
    if (lg_date_parse(d, &day, NULL) != 0) {
      lg_log(LG_LOG_WARN, "工作日历中的日期 \"%s\" 无法识别, 已跳过", d ? d : "");
      continue;
    }
    const char *k = lg_store_col_text(st, 1);
    lg_workcal_set(c, day, !strcmp(k, "holiday") ? LG_DAY_HOLIDAY : LG_DAY_WORKDAY);
  }
  lg_store_done(st);
  if (rc != LG_DONE) {
    lg_workcal_free(c);
    return lg_store_fail(s, err, "读取工作日历失败");
  }
  *out = c;
  return 0;
}

int lg_flow_calendar_set(lg_store_t *s, const char *day, const char *kind, const char *name,
                         const char *actor, lg_err_t *err) {
  int32_t d;
  int rc = lg_date_parse(day, &d, err);
  if (rc) return rc;
  if (kind && strcmp(kind, "holiday") && strcmp(kind, "workday"))
    return lg_err_set(err, LG_EINVAL,
                      "日期 %s 的类型应为 holiday (放假) 或 workday (上班), 得到 \"%s\"", day,
                      kind);
  if ((rc = lg_store_begin(s, err)) != 0) return rc;
  lg_stmt_t *st;
  if (kind) {
    rc = lg_store_prepare(
        s,
        "INSERT INTO lg_work_calendar(day, kind, name, source) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
        " source = excluded.source",
        &st, err);
    if (rc == 0) {
      char src[300];
      snprintf(src, sizeof src, "由 %s 录入", actor && *actor ? actor : "system");
      lg_store_bind_text(st, 1, day);
      lg_store_bind_text(st, 2, kind);
      if (name)
        lg_store_bind_text(st, 3, name);
      else
        lg_store_bind_null(st, 3);
      lg_store_bind_text(st, 4, src);
    }
  } else {
    rc = lg_store_prepare(s, "DELETE FROM lg_work_calendar WHERE day = ?", &st, err);
    if (rc == 0) lg_store_bind_text(st, 1, day);
  }
  if (rc == 0) {
    rc = lg_store_step(st) == LG_DONE ? 0 : lg_store_fail(s, err, "保存工作日历失败");
    lg_store_done(st);
  }
  /* Deadlines are counted on this calendar: who changed a day, and how,
   * is on the ledger. */
  if (rc == 0) {
    json_t *state =
        kind ? json_pack("{s:s,s:s,s:s?}", "day", day, "kind", kind, "name", name) : json_null();
    lg_ledger_event_t ev = {.actor = actor && *actor ? actor : "system",
                            .action = kind ? "calendar.set" : "calendar.clear",
                            .object_type = "work_calendar",
                            .object_id = day,
                            .state = state};
    rc = lg_ledger_append(s, &ev, NULL, err);
    json_decref(state);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

int lg_flow_calendar_json(lg_store_t *s, int year, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT day, kind, name, source FROM lg_work_calendar WHERE ?1 = 0 OR"
                       " substr(day, 1, 4) = ?2 ORDER BY day",
                       &st, err))
    return LG_EDB;
  char y[16];
  snprintf(y, sizeof y, "%04d", year);
  lg_store_bind_int(st, 1, year);
  lg_store_bind_text(st, 2, y);
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(arr,
                          json_pack("{s:o,s:o,s:o,s:o}", "day", fl_col_json_text(st, 0), "kind",
                                    fl_col_json_text(st, 1), "name", fl_col_json_text(st, 2),
                                    "source", fl_col_json_text(st, 3)));
  lg_store_done(st);
  *out = arr;
  return 0;
}
