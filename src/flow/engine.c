/*
 * The token engine: how an instance moves through its process.
 *
 * Every public action (start, claim, complete a task, deliver a message,
 * fire a timer, cancel, set variables) is one "run": open a transaction,
 * load the instance row and its definition's model, apply the action,
 * move tokens until each one waits or ends, save the variables, write the
 * history and one ledger entry, commit. Any error rolls the whole action
 * back, so an instance is never left half-moved.
 *
 * Tokens exist in the store only where an instance waits: at a user task
 * (with its tasks), a receive task or catch event (with a wait), an
 * event-based gateway (with one wait per way out) or a parallel join
 * (state 'join'). Pass-through nodes (start, gateways that decide at
 * once, service tasks, throw events) are crossed inside the run and leave
 * only history. A token is never moved: leaving a node deletes it and
 * arriving at a waiting node makes a new one, so a token id names one
 * visit, and tasks and waits of an earlier visit to the same node can
 * never be mistaken for the current ones.
 */
#include "flow/flow_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

#define FL_MAX_STEPS 10000 /* node arrivals in one action: more means a loop without a wait */

/* ---- Handler registry -------------------------------------------------------- */

typedef struct handler {
  char *name;
  lg_flow_handler_fn fn;
  void *ud;
} handler_t;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static LG_VEC(handler_t) registry;

void lg_flow_register_handler(const char *name, lg_flow_handler_fn fn, void *userdata) {
  pthread_mutex_lock(&reg_mu);
  size_t i = 0;
  for (; i < registry.len; i++)
    if (!strcmp(registry.items[i].name, name)) break;
  if (i < registry.len) {
    registry.items[i].fn = fn;
    registry.items[i].ud = userdata;
  } else {
    lg_vec_push(&registry, ((handler_t){lg_strdup(name), fn, userdata}));
  }
  pthread_mutex_unlock(&reg_mu);
}

void lg_flow_unregister_handler(const char *name) {
  pthread_mutex_lock(&reg_mu);
  for (size_t i = 0; i < registry.len; i++) {
    if (strcmp(registry.items[i].name, name)) continue;
    lg_free(registry.items[i].name);
    registry.items[i] = registry.items[--registry.len];
    break;
  }
  if (registry.len == 0) {
    lg_free(registry.items);
    registry.items = NULL;
    registry.cap = 0;
  }
  pthread_mutex_unlock(&reg_mu);
}

static bool handler_find(const char *name, lg_flow_handler_fn *fn, void **ud) {
  bool found = false;
  pthread_mutex_lock(&reg_mu);
  for (size_t i = 0; i < registry.len && !found; i++) {
    if (strcmp(registry.items[i].name, name)) continue;
    *fn = registry.items[i].fn;
    *ud = registry.items[i].ud;
    found = true;
  }
  pthread_mutex_unlock(&reg_mu);
  return found;
}

/* ---- A run ------------------------------------------------------------------- */

enum { Q_ARRIVE, Q_PASS };

typedef struct qitem {
  int mode; /* Q_ARRIVE: enter the node; Q_PASS: record it and go on (an event
               reached from an event-based gateway has already happened) */
  int node;
  int flow; /* the flow taken, -1 for none */
} qitem_t;

typedef struct fl_run {
  lg_store_t *s;
  const fl_model_t *m; /* shared, read-only (models.c) */
  int64_t def_id;
  int64_t inst;
  char *business_key;
  json_t *vars; /* the instance's variables, owned */
  const char *actor;
  const char *role;   /* for the ledger entry, may be NULL */
  const char *action; /* ledger action, "flow.task.complete" */
  int64_t now;
  char now_iso[32];
  lg_workcal_t *cal; /* loaded when a working-day timer needs it */
  LG_VEC(qitem_t) queue;
  size_t qhead;
  int steps;
  bool terminated;
  char *end_node;
  lg_err_t *err;
} fl_run_t;

struct lg_flow_ctx {
  fl_run_t *r;
  const fl_node_t *node;
};

lg_store_t *lg_flow_ctx_store(lg_flow_ctx_t *c) { return c->r->s; }
int64_t lg_flow_ctx_instance(lg_flow_ctx_t *c) { return c->r->inst; }
const char *lg_flow_ctx_business_key(lg_flow_ctx_t *c) { return c->r->business_key; }
const char *lg_flow_ctx_node(lg_flow_ctx_t *c) { return c->node->id; }
const char *lg_flow_ctx_actor(lg_flow_ctx_t *c) { return c->r->actor; }
int64_t lg_flow_ctx_now(lg_flow_ctx_t *c) { return c->r->now; }
json_t *lg_flow_ctx_vars(lg_flow_ctx_t *c) { return c->r->vars; }
const char *lg_flow_ctx_attr(lg_flow_ctx_t *c, const char *name) {
  for (size_t i = 0; i < c->node->attrs.len; i++)
    if (!strcmp(c->node->attrs.items[i].name, name)) return c->node->attrs.items[i].value;
  return NULL;
}

static void run_fini(fl_run_t *r) {
  fl_model_release(r->m);
  lg_free(r->business_key);
  json_decref(r->vars);
  lg_workcal_free(r->cal);
  lg_free(r->queue.items);
  lg_free(r->end_node);
  memset(r, 0, sizeof *r);
}

static void set_now(fl_run_t *r, int64_t now) {
  r->now = now;
  lg_time_iso(now, r->now_iso);
}

static int db_fail(fl_run_t *r, const char *what) { return lg_store_fail(r->s, r->err, what); }

static void bind_text_or_null(lg_stmt_t *st, int i, const char *v) {
  if (v)
    lg_store_bind_text(st, i, v);
  else
    lg_store_bind_null(st, i);
}

/* One history row. detail (may be NULL) is stolen. */
static int hist(fl_run_t *r, const char *event, const char *node, const char *flow, int64_t task,
                json_t *detail) {
  lg_stmt_t *st;
  if (lg_store_prepare(
          r->s,
          "INSERT INTO lg_flow_history(instance_id, at, actor, event, node, flow, task_id,"
          " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          &st, r->err)) {
    json_decref(detail);
    return LG_EDB;
  }
  char *d = detail ? fl_json_text(detail) : NULL;
  json_decref(detail);
  lg_store_bind_int(st, 1, r->inst);
  lg_store_bind_text(st, 2, r->now_iso);
  lg_store_bind_text(st, 3, r->actor);
  lg_store_bind_text(st, 4, event);
  bind_text_or_null(st, 5, node);
  bind_text_or_null(st, 6, flow);
  if (task > 0) lg_store_bind_int(st, 7, task);
  bind_text_or_null(st, 8, d);
  lg_free(d);
  return lg_store_run_done(st, "写入流程历史失败", r->err);
}

static void push(fl_run_t *r, int mode, int node, int flow) {
  lg_vec_push(&r->queue, ((qitem_t){mode, node, flow}));
}

/* Leaves node ni along every outgoing flow (a plain node with several
 * ways out forks, as BPMN says). */
static void depart(fl_run_t *r, int ni) {
  const fl_node_t *n = &r->m->nodes.items[ni];
  for (size_t k = 0; k < n->out.len; k++)
    push(r, Q_ARRIVE, r->m->flows.items[n->out.items[k]].dst, n->out.items[k]);
}

static int token_new(fl_run_t *r, int ni, int flow, const char *state, int64_t *id) {
  lg_stmt_t *st;
  if (lg_store_prepare(r->s,
                       "INSERT INTO lg_flow_tokens(instance_id, node, via, state, created_at)"
                       " VALUES (?, ?, ?, ?, ?) RETURNING id",
                       &st, r->err))
    return LG_EDB;
  lg_store_bind_int(st, 1, r->inst);
  lg_store_bind_text(st, 2, r->m->nodes.items[ni].id);
  bind_text_or_null(st, 3, flow >= 0 ? r->m->flows.items[flow].id : NULL);
  lg_store_bind_text(st, 4, state);
  lg_store_bind_text(st, 5, r->now_iso);
  return lg_store_insert_id(st, id, "创建令牌失败", r->err);
}

/* Ends a token's visit: open tasks and pending waits cancelled, token
 * removed. */
static int token_end(fl_run_t *r, int64_t tok) {
  lg_stmt_t *st;
  if (lg_store_prepare(r->s,
                       "UPDATE lg_flow_tasks SET status = 'cancelled', completed_at = ?"
                       " WHERE token_id = ? AND status = 'open'",
                       &st, r->err))
    return LG_EDB;
  lg_store_bind_text(st, 1, r->now_iso);
  lg_store_bind_int(st, 2, tok);
  int rc = lg_store_run_done(st, "取消任务失败", r->err);
  if (rc) return rc;
  if (lg_store_prepare(r->s,
                       "UPDATE lg_flow_waits SET status = 'cancelled' WHERE token_id = ?"
                       " AND status = 'pending'",
                       &st, r->err))
    return LG_EDB;
  lg_store_bind_int(st, 1, tok);
  if ((rc = lg_store_run_done(st, "取消等待失败", r->err)) != 0) return rc;
  if (lg_store_prepare(r->s, "DELETE FROM lg_flow_tokens WHERE id = ?", &st, r->err)) return LG_EDB;
  lg_store_bind_int(st, 1, tok);
  return lg_store_run_done(st, "删除令牌失败", r->err);
}

/* ---- Timers ------------------------------------------------------------------ */

/* The duration of a timer whose length is an expression over the
 * variables, checked as a literal one is at deployment. */
static int timer_duration(fl_run_t *r, const fl_node_t *n, lg_duration_t *d) {
  json_t *v = NULL;
  int rc = fl_expr_eval(n->dur_expr, r->vars, &v, r->err);
  if (rc == 0 && !json_is_string(v))
    rc = lg_err_set(r->err, LG_EINVAL, "定时器 %s 的时长 %s 应得出 ISO 8601 时长文本 (如 \"P20D\")",
                    n->id, n->dur_text);
  if (rc == 0) rc = lg_duration_parse(json_string_value(v), d, r->err);
  if (rc == 0 && n->days != FL_DAYS_EXACT &&
      (d->years || d->months || d->seconds || d->days <= 0 || strchr(json_string_value(v), 'W')))
    rc = lg_err_set(r->err, LG_EINVAL, "定时器 %s 按日计算, 时长只能是天数 PnD, 得到 %s", n->id,
                    json_string_value(v));
  json_decref(v);
  if (rc) lg_err_prefix(r->err, "定时器 %s: ", n->id);
  return rc;
}

static int timer_due(fl_run_t *r, const fl_node_t *n, char out[32]) {
  int64_t due;
  lg_duration_t dur = n->dur;
  if (n->dur_expr) {
    int rc = timer_duration(r, n, &dur);
    if (rc) return rc;
  }
  switch (n->days) {
  case FL_DAYS_CALENDAR:
    due = lg_days_deadline(r->now, dur.days, LG_TZ_CHINA);
    break;
  case FL_DAYS_WORKING: {
    if (!r->cal) {
      int rc = lg_flow_calendar_load(r->s, &r->cal, r->err);
      if (rc) return rc;
    }
    due = lg_workdays_deadline(r->cal, r->now, dur.days, LG_TZ_CHINA);
    int y0, y1;
    lg_date_to_ymd(lg_date_of(r->now, LG_TZ_CHINA), &y0, NULL, NULL);
    lg_date_to_ymd(lg_date_of(due, LG_TZ_CHINA) - 1, &y1, NULL, NULL);
    for (int y = y0; y <= y1; y++)
      if (!lg_workcal_covers(r->cal, y))
        lg_log(LG_LOG_WARN,
               "工作日历没有 %d 年的节假日安排, 定时器 %s 在该年只按周一至周五计算;"
               " 请在 lg_work_calendar 中补录国务院当年的放假通知",
               y, n->id);
    break;
  }
  default:
    due = lg_duration_add(r->now, &dur, LG_TZ_CHINA);
    break;
  }
  lg_time_iso(due, out);
  return 0;
}

static int wait_new(fl_run_t *r, int64_t tok, const fl_node_t *ev, const char *source) {
  char due[32] = "";
  int rc = 0;
  if (ev->event == FL_EV_TIMER && (rc = timer_due(r, ev, due)) != 0) return rc;
  lg_stmt_t *st;
  if (lg_store_prepare(
          r->s,
          "INSERT INTO lg_flow_waits(instance_id, token_id, node, source, kind, message,"
          " due_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
          &st, r->err))
    return LG_EDB;
  bool timer = ev->event == FL_EV_TIMER;
  lg_store_bind_int(st, 1, r->inst);
  lg_store_bind_int(st, 2, tok);
  lg_store_bind_text(st, 3, ev->id);
  lg_store_bind_text(st, 4, source);
  lg_store_bind_text(st, 5, timer ? "timer" : "message");
  bind_text_or_null(st, 6, timer ? NULL : ev->message);
  bind_text_or_null(st, 7, timer ? due : NULL);
  lg_store_bind_text(st, 8, r->now_iso);
  return lg_store_run_done(st, "登记定时器或消息等待失败", r->err);
}

/* Arms the boundary events of activity ni for token tok; *due receives
 * the earliest interrupting timer (the task's deadline), "" if none. */
static int arm_boundaries(fl_run_t *r, int ni, int64_t tok, char due[32]) {
  const fl_node_t *n = &r->m->nodes.items[ni];
  due[0] = '\0';
  for (size_t k = 0; k < n->boundaries.len; k++) {
    const fl_node_t *b = &r->m->nodes.items[n->boundaries.items[k]];
    int rc = wait_new(r, tok, b, "boundary");
    if (rc) return rc;
    if (b->event == FL_EV_TIMER && b->interrupting) {
      char d[32];
      if ((rc = timer_due(r, b, d)) != 0) return rc;
      if (!due[0] || strcmp(d, due) < 0) memcpy(due, d, sizeof d);
    }
  }
  return 0;
}

/* ---- Templates ---------------------------------------------------------------- */

int fl_template_expand(const char *t, const json_t *scope, char **out, lg_err_t *err) {
  lg_buf_t b;
  lg_buf_init(&b);
  int rc = 0;
  for (const char *p = t; *p && rc == 0; p++) {
    if (*p != '{') {
      lg_buf_putc(&b, *p);
      continue;
    }
    const char *q = strchr(p, '}');
    if (!q) {
      rc = lg_err_set(err, LG_EINVAL, "模板 \"%s\" 中的 { 没有闭合", t);
      break;
    }
    char *inner = lg_strndup(p + 1, (size_t)(q - p - 1));
    fl_expr_t *x = NULL;
    json_t *v = NULL;
    rc = fl_expr_parse(inner, &x, err);
    if (rc == 0) rc = fl_expr_eval(x, scope, &v, err);
    if (rc == 0) {
      if (json_is_string(v))
        lg_buf_puts(&b, json_string_value(v));
      else if (json_is_integer(v))
        lg_buf_printf(&b, "%lld", (long long)json_integer_value(v));
      else if (json_is_real(v))
        lg_buf_printf(&b, "%.17g", json_real_value(v));
      else if (json_is_boolean(v))
        lg_buf_puts(&b, json_is_true(v) ? "true" : "false");
      else
        rc = lg_err_set(err, LG_EINVAL, "模板 \"%s\" 中的 {%s} 没有值 (变量为空或不是文本)", t,
                        inner);
    }
    json_decref(v);
    fl_expr_free(x);
    lg_free(inner);
    p = q;
  }
  if (rc) {
    lg_buf_fini(&b);
    return rc;
  }
  *out = b.data ? lg_buf_steal(&b) : lg_strdup("");
  return 0;
}

/* "a, b{x}" -> ["a", "b..."]: groups are separated by commas outside
 * the placeholders ({coalesce(city, jurisdiction)} is one placeholder). */
static int expand_groups(const char *tmpl, const json_t *scope, json_t **out, lg_err_t *err) {
  json_t *arr = json_array();
  *out = arr;
  if (!tmpl) return 0;
  int rc = 0, depth = 0;
  const char *start = tmpl;
  for (const char *p = tmpl;; p++) {
    if (*p == '{')
      depth++;
    else if (*p == '}' && depth > 0)
      depth--;
    if (*p && (*p != ',' || depth > 0)) continue;
    char *part = lg_strndup(start, (size_t)(p - start));
    lg_trim(part);
    if (*part) {
      char *g = NULL;
      rc = fl_template_expand(part, scope, &g, err);
      if (rc == 0) json_array_append_new(arr, json_string(g));
      lg_free(g);
    }
    lg_free(part);
    if (rc || !*p) break;
    start = p + 1;
  }
  return rc;
}

/* ---- User tasks ------------------------------------------------------------- */

static int task_new(fl_run_t *r, const fl_node_t *n, int64_t tok, const json_t *scope,
                    int loop_index, const json_t *element, const char *due) {
  json_t *groups = NULL;
  char *assignee = NULL, *groups_text = NULL, *elem_text = NULL;
  int rc = expand_groups(n->groups, scope, &groups, r->err);
  if (rc == 0 && n->assignee) rc = fl_template_expand(n->assignee, scope, &assignee, r->err);
  if (rc) {
    lg_err_prefix(r->err, "用户任务 %s: ", n->id);
    goto done;
  }
  groups_text = fl_json_text(groups);
  if (element) elem_text = fl_json_text(element);
  lg_stmt_t *st;
  if (lg_store_prepare(
          r->s,
          "INSERT INTO lg_flow_tasks(instance_id, token_id, node, name, candidate_groups,"
          " assignee, loop_index, element, status, created_at, due_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING id",
          &st, r->err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, r->inst);
  lg_store_bind_int(st, 2, tok);
  lg_store_bind_text(st, 3, n->id);
  bind_text_or_null(st, 4, n->name);
  lg_store_bind_text(st, 5, groups_text);
  bind_text_or_null(st, 6, assignee);
  if (loop_index >= 0) lg_store_bind_int(st, 7, loop_index);
  bind_text_or_null(st, 8, elem_text);
  lg_store_bind_text(st, 9, r->now_iso);
  bind_text_or_null(st, 10, due && *due ? due : NULL);
  int64_t id = 0;
  if ((rc = lg_store_insert_id(st, &id, "创建任务失败", r->err)) != 0) goto done;
  json_t *d = json_pack("{s:O}", "candidate_groups", groups);
  if (element) json_object_set(d, "element", (json_t *)element);
  rc = hist(r, "task.create", n->id, NULL, id, d);
done:
  json_decref(groups);
  lg_free(assignee);
  lg_free(groups_text);
  lg_free(elem_text);
  return rc;
}

/* The instance's variables with extra members on top (a shallow copy). */
static json_t *scope_with(const json_t *vars, const json_t *extra) {
  json_t *s = json_copy((json_t *)vars);
  if (extra) json_object_update(s, (json_t *)extra);
  return s;
}

/* Counters of a multi-instance visit, from its tasks. */
static int mi_summary(fl_run_t *r, int64_t tok, json_t **out) {
  lg_stmt_t *st;
  if (lg_store_prepare(
          r->s,
          "SELECT status, outcome, element, actor FROM lg_flow_tasks WHERE token_id = ?"
          " ORDER BY loop_index, id",
          &st, r->err))
    return LG_EDB;
  lg_store_bind_int(st, 1, tok);
  json_int_t total = 0, done = 0, active = 0, approved = 0, vetoes = 0;
  json_t *counts = json_object(), *outcomes = json_array();
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW) {
    const char *status = lg_store_col_text(st, 0);
    const char *outcome = lg_store_col_text(st, 1);
    total++;
    if (!strcmp(status, "open")) active++;
    if (strcmp(status, "completed")) continue;
    done++;
    if (outcome && !strcmp(outcome, LG_FLOW_APPROVE)) approved++;
    if (outcome && !strcmp(outcome, LG_FLOW_VETO)) vetoes++;
    const char *o = outcome ? outcome : "done";
    json_object_set_new(counts, o,
                        json_integer(json_integer_value(json_object_get(counts, o)) + 1));
    json_array_append_new(outcomes, json_pack("{s:o,s:s,s:o}", "element", fl_col_json(st, 2),
                                              "outcome", o, "actor", fl_col_json_text(st, 3)));
  }
  lg_store_done(st);
  if (rc != LG_DONE) {
    json_decref(counts);
    json_decref(outcomes);
    return db_fail(r, "读取会签任务失败");
  }
  *out = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "nrOfInstances", total,
                   "nrOfCompletedInstances", done, "nrOfActiveInstances", active, "nrOfApproved",
                   approved, "nrOfVetoes", vetoes, "counts", counts, "outcomes", outcomes);
  return 0;
}

static int arrive_user(fl_run_t *r, int ni, int flow) {
  const fl_node_t *n = &r->m->nodes.items[ni];
  int64_t tok;
  char due[32];
  int rc = token_new(r, ni, flow, "wait", &tok);
  if (rc == 0) rc = arm_boundaries(r, ni, tok, due);
  if (rc) return rc;
  if (!n->multi) return task_new(r, n, tok, r->vars, -1, NULL, due);

  json_t *coll = NULL;
  if ((rc = fl_expr_eval(n->collection, r->vars, &coll, r->err)) != 0) {
    lg_err_prefix(r->err, "多实例任务 %s 的集合: ", n->id);
    return rc;
  }
  if (!json_is_array(coll)) {
    rc = lg_err_set(r->err, LG_EINVAL, "多实例任务 %s 的集合 \"%s\" 应为列表, 实际为%s", n->id,
                    fl_expr_text(n->collection),
                    json_is_null(coll) ? "空 (变量不存在?)" : "其他类型");
    json_decref(coll);
    return rc;
  }
  size_t count = json_array_size(coll);
  for (size_t i = 0; i < count && rc == 0; i++) {
    json_t *extra = json_pack("{s:O,s:I}", n->element_var, json_array_get(coll, i), "loopCounter",
                              (json_int_t)i);
    json_t *scope = scope_with(r->vars, extra);
    rc = task_new(r, n, tok, scope, (int)i, json_array_get(coll, i), due);
    json_decref(scope);
    json_decref(extra);
  }
  json_decref(coll);
  if (rc || count > 0) return rc;
  /* No element, no instance: BPMN skips the activity. */
  json_t *sum = NULL;
  if ((rc = mi_summary(r, tok, &sum)) != 0) return rc;
  if (n->result_var) json_object_set(r->vars, n->result_var, sum);
  json_decref(sum);
  if ((rc = token_end(r, tok)) != 0) return rc;
  depart(r, ni);
  return 0;
}

/* ---- Arriving at a node ---------------------------------------------------- */

static int terminate_all(fl_run_t *r) {
  lg_stmt_t *st;
  if (lg_store_prepare(r->s, "SELECT id FROM lg_flow_tokens WHERE instance_id = ? ORDER BY id", &st,
                       r->err))
    return LG_EDB;
  lg_store_bind_int(st, 1, r->inst);
  LG_VEC(int64_t) toks = {0};
  while (lg_store_step(st) == LG_ROW)
    lg_vec_push(&toks, lg_store_col_int(st, 0));
  lg_store_done(st);
  int rc = 0;
  for (size_t i = 0; i < toks.len && rc == 0; i++)
    rc = token_end(r, toks.items[i]);
  lg_free(toks.items);
  r->terminated = true;
  r->qhead = r->queue.len; /* nothing else moves */
  return rc;
}

static int call_service(fl_run_t *r, const fl_node_t *n) {
  lg_flow_handler_fn fn;
  void *ud;
  if (!handler_find(n->handler, &fn, &ud))
    return lg_err_set(r->err, LG_EINTERNAL,
                      "服务任务 %s 的处理程序 \"%s\" 没有注册; 请检查服务配置", n->id, n->handler);
  lg_flow_ctx_t ctx = {r, n};
  int rc = fn(&ctx, ud, r->err);
  if (rc) {
    if (r->err && !r->err->code) lg_err_set(r->err, rc, "处理程序返回错误 %d", rc);
    lg_err_prefix(r->err, "服务任务 %s%s%s%s (%s): ", n->id, n->name ? " (" : "",
                  n->name ? n->name : "", n->name ? ")" : "", n->handler);
    return rc;
  }
  if (!json_is_object(r->vars))
    return lg_err_set(r->err, LG_EINTERNAL, "服务任务 %s 的处理程序破坏了流程变量", n->id);
  return hist(r, "service", n->id, NULL, 0, json_pack("{s:s}", "handler", n->handler));
}

static int choose_xor(fl_run_t *r, int ni) {
  const fl_node_t *n = &r->m->nodes.items[ni];
  for (size_t k = 0; k < n->out.len; k++) {
    int fi = n->out.items[k];
    const fl_flow_t *f = &r->m->flows.items[fi];
    if (fi == n->default_flow) continue;
    bool yes = true; /* a single unconditioned way out is simply taken */
    if (f->cond) {
      int rc = fl_expr_test(f->cond, r->vars, &yes, r->err);
      if (rc) {
        lg_err_prefix(r->err, "排他网关 %s 的出口 %s: ", n->id, f->id);
        return rc;
      }
    }
    if (yes) {
      push(r, Q_ARRIVE, f->dst, fi);
      return 0;
    }
  }
  if (n->default_flow >= 0) {
    push(r, Q_ARRIVE, r->m->flows.items[n->default_flow].dst, n->default_flow);
    return 0;
  }
  char *vars = fl_json_text(r->vars);
  int rc = lg_err_set(r->err, LG_EINVAL,
                      "排他网关 %s%s%s%s 没有条件成立的出口, 也没有默认出口 (流程变量: %.300s)",
                      n->id, n->name ? " (" : "", n->name ? n->name : "", n->name ? ")" : "", vars);
  lg_free(vars);
  return rc;
}

static int arrive_join(fl_run_t *r, int ni, int flow) {
  const fl_node_t *n = &r->m->nodes.items[ni];
  int64_t tok;
  int rc = token_new(r, ni, flow, "join", &tok);
  if (rc) return rc;
  int64_t *pick = lg_calloc(n->in.len, sizeof(int64_t));
  lg_stmt_t *st = NULL;
  rc = lg_store_prepare(r->s,
                        "SELECT id FROM lg_flow_tokens WHERE instance_id = ? AND node = ? AND"
                        " state = 'join' AND via = ? ORDER BY id LIMIT 1",
                        &st, r->err);
  bool all = rc == 0;
  for (size_t k = 0; rc == 0 && k < n->in.len; k++) {
    lg_store_bind_int(st, 1, r->inst);
    lg_store_bind_text(st, 2, n->id);
    lg_store_bind_text(st, 3, r->m->flows.items[n->in.items[k]].id);
    if (lg_store_step(st) == LG_ROW)
      pick[k] = lg_store_col_int(st, 0);
    else
      all = false;
    lg_store_reset(st);
  }
  lg_store_done(st);
  if (rc == 0 && all) {
    /* One token from each incoming flow: they merge into one that goes on. */
    for (size_t k = 0; rc == 0 && k < n->in.len; k++)
      rc = token_end(r, pick[k]);
    if (rc == 0) rc = hist(r, "join", n->id, NULL, 0, NULL);
    if (rc == 0) depart(r, ni);
  }
  lg_free(pick);
  return rc;
}

static int arrive(fl_run_t *r, const qitem_t *q) {
  const fl_node_t *n = &r->m->nodes.items[q->node];
  if (++r->steps > FL_MAX_STEPS)
    return lg_err_set(
        r->err, LG_ELIMIT,
        "一次操作中流程前进超过 %d 步仍未停下, 可能存在没有等待环节的循环 (最近到达 %s)",
        FL_MAX_STEPS, n->id);
  const char *flow = q->flow >= 0 ? r->m->flows.items[q->flow].id : NULL;
  int rc = hist(r, "enter", n->id, flow, 0, NULL);
  if (rc) return rc;
  if (q->mode == Q_PASS) {
    depart(r, q->node);
    return 0;
  }
  int64_t tok;
  switch (n->kind) {
  case FL_START:
  case FL_THROW:
  case FL_BOUNDARY:
    depart(r, q->node);
    return 0;
  case FL_END:
    lg_free(r->end_node);
    r->end_node = lg_strdup(n->id);
    if (n->event == FL_EV_TERMINATE) {
      if ((rc = hist(r, "terminate", n->id, NULL, 0, NULL)) != 0) return rc;
      return terminate_all(r);
    }
    return 0;
  case FL_SERVICE:
    if ((rc = call_service(r, n)) != 0) return rc;
    depart(r, q->node);
    return 0;
  case FL_XOR:
    return choose_xor(r, q->node);
  case FL_AND:
    if (n->in.len > 1) return arrive_join(r, q->node, q->flow);
    depart(r, q->node);
    return 0;
  case FL_USER:
    return arrive_user(r, q->node, q->flow);
  case FL_RECEIVE: {
    char due[32];
    if ((rc = token_new(r, q->node, q->flow, "wait", &tok)) != 0) return rc;
    if ((rc = wait_new(r, tok, n, "receive")) != 0) return rc;
    return arm_boundaries(r, q->node, tok, due);
  }
  case FL_CATCH:
    if ((rc = token_new(r, q->node, q->flow, "wait", &tok)) != 0) return rc;
    return wait_new(r, tok, n, "catch");
  case FL_EVENTGW:
    if ((rc = token_new(r, q->node, q->flow, "wait", &tok)) != 0) return rc;
    for (size_t k = 0; k < n->out.len && rc == 0; k++)
      rc = wait_new(r, tok, &r->m->nodes.items[r->m->flows.items[n->out.items[k]].dst], "gateway");
    return rc;
  }
  return lg_err_set(r->err, LG_EINTERNAL, "未知节点类型 %d", (int)n->kind);
}

static int drain(fl_run_t *r) {
  while (r->qhead < r->queue.len) {
    qitem_t q = r->queue.items[r->qhead++];
    int rc = arrive(r, &q);
    if (rc) return rc;
  }
  r->queue.len = r->qhead = 0;
  return 0;
}

/* ---- Opening and finishing a run ------------------------------------------ */

/* The definition's model, shared by every run of it (models.c). */
static int run_load_model(fl_run_t *r, const char *sha256) {
  int rc = fl_model_get(r->s, r->def_id, sha256, &r->m, r->err);
  if (rc) lg_err_prefix(r->err, "流程定义 %lld 无法读取: ", (long long)r->def_id);
  return rc;
}

static int run_open(lg_store_t *s, int64_t inst, const char *actor, int64_t now, const char *action,
                    fl_run_t *r, lg_err_t *err) {
  memset(r, 0, sizeof *r);
  r->s = s;
  r->inst = inst;
  r->actor = actor && *actor ? actor : "system";
  r->action = action;
  r->err = err;
  set_now(r, now);
  lg_stmt_t *st;
  if (lg_store_prepare(
          s,
          "SELECT i.definition_id, i.status, i.variables, i.business_key, d.sha256"
          " FROM lg_flow_instances i JOIN lg_flow_definitions d ON d.id = i.definition_id"
          " WHERE i.id = ?",
          &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, inst);
  int rc = 0;
  if (lg_store_step(st) != LG_ROW) {
    rc = lg_err_set(err, LG_ENOTFOUND, "流程实例 %lld 不存在", (long long)inst);
    goto done;
  }
  r->def_id = lg_store_col_int(st, 0);
  const char *status = lg_store_col_text(st, 1);
  if (strcmp(status, "active")) {
    rc = lg_err_set(err, LG_ECONFLICT, "流程实例 %lld 已经结束 (状态 %s)", (long long)inst, status);
    goto done;
  }
  r->vars = json_loads(lg_store_col_text(st, 2), 0, NULL);
  if (!json_is_object(r->vars)) {
    rc = lg_err_set(err, LG_EINTERNAL, "流程实例 %lld 的变量不是 JSON 对象", (long long)inst);
    goto done;
  }
  if (lg_store_col_type(st, 3) != LG_COL_NULL)
    r->business_key = lg_strdup(lg_store_col_text(st, 3));
  rc = run_load_model(r, lg_store_col_text(st, 4));
done:
  lg_store_done(st);
  return rc;
}

static int ledger_entry(fl_run_t *r) {
  json_t *state = NULL;
  int rc = fl_instance_state(r->s, r->inst, r->vars, &state, r->err);
  if (rc) return rc;
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)r->inst);
  lg_ledger_event_t ev = {.actor = r->actor,
                          .role = r->role,
                          .jurisdiction =
                              json_string_value(json_object_get(r->vars, "jurisdiction")),
                          .action = r->action,
                          .object_type = "flow.instance",
                          .object_id = oid,
                          .time = r->now,
                          .state = state};
  rc = lg_ledger_append(r->s, &ev, NULL, r->err);
  json_decref(state);
  return rc;
}

/* Saves variables, ends the instance when no token is left, appends the
 * ledger entry. */
static int run_finish(fl_run_t *r, const char *forced_status) {
  int rc = 0;
  const char *status = forced_status;
  if (!status && r->terminated) status = "terminated";
  if (!status) {
    lg_stmt_t *st;
    if (lg_store_prepare(r->s, "SELECT count(*) FROM lg_flow_tokens WHERE instance_id = ?", &st,
                         r->err))
      return LG_EDB;
    lg_store_bind_int(st, 1, r->inst);
    int64_t left = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : -1;
    lg_store_done(st);
    if (left < 0) return db_fail(r, "统计令牌失败");
    if (left == 0) status = "completed";
  }
  if (status && (rc = hist(r, status, r->end_node, NULL, 0, NULL)) != 0) return rc;
  char *vars = fl_json_text(r->vars);
  lg_stmt_t *st;
  if (lg_store_prepare(r->s,
                       "UPDATE lg_flow_instances SET variables = ?, status = coalesce(?, status),"
                       " ended_at = CASE WHEN ? IS NULL THEN ended_at ELSE ? END,"
                       " end_node = coalesce(?, end_node) WHERE id = ?",
                       &st, r->err)) {
    lg_free(vars);
    return LG_EDB;
  }
  lg_store_bind_text(st, 1, vars);
  bind_text_or_null(st, 2, status);
  bind_text_or_null(st, 3, status);
  lg_store_bind_text(st, 4, r->now_iso);
  bind_text_or_null(st, 5, status ? r->end_node : NULL);
  lg_store_bind_int(st, 6, r->inst);
  lg_free(vars);
  if ((rc = lg_store_run_done(st, "保存流程实例失败", r->err)) != 0) return rc;
  return ledger_entry(r);
}

/* Commits a run that succeeded, rolls back one that did not. */
static int run_end(fl_run_t *r, int rc) {
  if (rc == 0) rc = drain(r);
  if (rc == 0) rc = run_finish(r, NULL);
  if (rc == 0)
    rc = lg_store_commit(r->s, r->err);
  else
    lg_store_rollback(r->s);
  run_fini(r);
  return rc;
}

/* Merges a caller's variables as a deep copy: handlers may change the
 * instance's variables in place, never the caller's. */
static void vars_merge(json_t *into, const json_t *vars) {
  if (!vars) return;
  json_t *cp = json_deep_copy(vars);
  json_object_update(into, cp);
  json_decref(cp);
}

static int vars_check(const json_t *vars, lg_err_t *err) {
  if (vars && !json_is_object(vars))
    return lg_err_set(err, LG_EINVAL, "流程变量应为 JSON 对象 ({\"名称\": 值, ...})");
  return 0;
}

/* ---- Public actions ------------------------------------------------------- */

int lg_flow_start(lg_store_t *s, const char *key, const json_t *vars, const char *actor,
                  int64_t *instance_id, lg_err_t *err) {
  lg_flow_start_opts_t o = {.key = key, .vars = vars, .actor = actor};
  return lg_flow_start_ex(s, &o, instance_id, err);
}

int lg_flow_start_ex(lg_store_t *s, const lg_flow_start_opts_t *o, int64_t *instance_id,
                     lg_err_t *err) {
  if (instance_id) *instance_id = 0;
  if (!o->key || !*o->key) return lg_err_set(err, LG_EINVAL, "启动流程需要流程标识 (key)");
  int rc = vars_check(o->vars, err);
  if (rc) return rc;
  fl_run_t r = {0};
  r.s = s;
  r.err = err;
  r.actor = o->actor && *o->actor ? o->actor : "system";
  r.action = "flow.start";
  set_now(&r, lg_now());
  if ((rc = lg_store_begin(s, err)) != 0) return rc;
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       o->version > 0
                           ? "SELECT id, sha256, version FROM lg_flow_definitions WHERE key = ?"
                             " AND version = ?"
                           : "SELECT id, sha256, version FROM lg_flow_definitions WHERE key = ?"
                             " ORDER BY version DESC LIMIT 1",
                       &st, err)) {
    rc = LG_EDB;
    goto fail;
  }
  lg_store_bind_text(st, 1, o->key);
  if (o->version > 0) lg_store_bind_int(st, 2, o->version);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    if (o->version > 0)
      rc = lg_err_set(err, LG_ENOTFOUND, "流程 %s 没有第 %d 版", o->key, o->version);
    else
      rc = lg_err_set(err, LG_ENOTFOUND, "没有标识为 %s 的流程定义; 请先部署", o->key);
    goto fail;
  }
  r.def_id = lg_store_col_int(st, 0);
  rc = run_load_model(&r, lg_store_col_text(st, 1));
  lg_store_done(st);
  if (rc) goto fail;
  r.vars = o->vars ? json_deep_copy(o->vars) : json_object();
  if (o->business_key) r.business_key = lg_strdup(o->business_key);
  if (lg_store_prepare(
          s,
          "INSERT INTO lg_flow_instances(definition_id, business_key, status, variables,"
          " started_at, started_by) VALUES (?, ?, 'active', '{}', ?, ?) RETURNING id",
          &st, err)) {
    rc = LG_EDB;
    goto fail;
  }
  lg_store_bind_int(st, 1, r.def_id);
  bind_text_or_null(st, 2, o->business_key);
  lg_store_bind_text(st, 3, r.now_iso);
  lg_store_bind_text(st, 4, r.actor);
  if ((rc = lg_store_insert_id(st, &r.inst, "创建流程实例失败", err)) != 0) goto fail;
  rc = hist(&r, "start", NULL, NULL, 0,
            json_pack("{s:s,s:I}", "key", r.m->key, "definition_id", (json_int_t)r.def_id));
  if (rc == 0) push(&r, Q_ARRIVE, r.m->start, -1);
  int64_t id = r.inst;
  rc = run_end(&r, rc);
  if (rc == 0 && instance_id) *instance_id = id;
  return rc;
fail:
  lg_store_rollback(s);
  run_fini(&r);
  return rc;
}

typedef struct task_row {
  int64_t id, instance, token;
  char node[256];
  char status[16];
  char *assignee;
  char *groups;
} task_row_t;

static int task_load(lg_store_t *s, int64_t id, task_row_t *t, lg_err_t *err) {
  memset(t, 0, sizeof *t);
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT instance_id, token_id, node, status, assignee, candidate_groups"
                       " FROM lg_flow_tasks WHERE id = ?",
                       &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, id);
  int rc = 0;
  if (lg_store_step(st) == LG_ROW) {
    t->id = id;
    t->instance = lg_store_col_int(st, 0);
    t->token = lg_store_col_int(st, 1);
    snprintf(t->node, sizeof t->node, "%s", lg_store_col_text(st, 2));
    snprintf(t->status, sizeof t->status, "%s", lg_store_col_text(st, 3));
    if (lg_store_col_type(st, 4) != LG_COL_NULL) t->assignee = lg_strdup(lg_store_col_text(st, 4));
    t->groups = lg_strdup(lg_store_col_text(st, 5));
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "任务 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

static void task_row_fini(task_row_t *t) {
  lg_free(t->assignee);
  lg_free(t->groups);
}

static int task_open_check(const task_row_t *t, lg_err_t *err) {
  if (strcmp(t->status, "open"))
    return lg_err_set(err, LG_ECONFLICT, "任务 %lld 已%s, 不能再办理", (long long)t->id,
                      !strcmp(t->status, "completed") ? "办结" : "取消");
  return 0;
}

/* Sets an open task's assignee. A claim (by == NULL) takes a task no one
 * holds for its actor; an assignment by someone else (an administrator
 * reassigning a task no one can act on) replaces whoever held it. */
static int assign(lg_store_t *s, int64_t task_id, const char *assignee, const char *by,
                  lg_err_t *err) {
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  task_row_t t;
  fl_run_t r;
  memset(&r, 0, sizeof r);
  if ((rc = task_load(s, task_id, &t, err)) == 0 && (rc = task_open_check(&t, err)) == 0 && !by &&
      t.assignee && strcmp(t.assignee, assignee))
    rc = lg_err_set(err, LG_ECONFLICT, "任务 %lld 已由 %s 认领", (long long)task_id, t.assignee);
  if (rc == 0)
    rc = run_open(s, t.instance, by ? by : assignee, lg_now(),
                  by ? "flow.task.assign" : "flow.task.claim", &r, err);
  if (rc == 0) {
    lg_stmt_t *st;
    if (lg_store_prepare(s, "UPDATE lg_flow_tasks SET assignee = ? WHERE id = ?", &st, err)) {
      rc = LG_EDB;
    } else {
      lg_store_bind_text(st, 1, assignee);
      lg_store_bind_int(st, 2, task_id);
      rc = lg_store_run_done(st, "指定办理人失败", r.err);
    }
  }
  if (rc == 0)
    rc = hist(&r, by ? "task.assign" : "task.claim", t.node, NULL, task_id,
              by ? json_pack("{s:s, s:s?}", "assignee", assignee, "previous", t.assignee) : NULL);
  task_row_fini(&t);
  if (r.s) return run_end(&r, rc);
  lg_store_rollback(s);
  return rc;
}

int lg_flow_claim(lg_store_t *s, int64_t task_id, const char *actor, lg_err_t *err) {
  if (!actor || !*actor) return lg_err_set(err, LG_EINVAL, "认领任务需要办理人");
  return assign(s, task_id, actor, NULL, err);
}

int lg_flow_assign(lg_store_t *s, int64_t task_id, const char *assignee, const char *by,
                   lg_err_t *err) {
  if (!assignee || !*assignee) return lg_err_set(err, LG_EINVAL, "指定办理人需要其账号");
  if (!by || !*by) return lg_err_set(err, LG_EINVAL, "指定办理人需要说明由谁指定");
  return assign(s, task_id, assignee, by, err);
}

int lg_flow_complete(lg_store_t *s, int64_t task_id, const char *actor, const char *outcome,
                     const json_t *vars, lg_err_t *err) {
  if (!actor || !*actor) return lg_err_set(err, LG_EINVAL, "办理任务需要办理人");
  int rc = vars_check(vars, err);
  if (rc) return rc;
  if (!outcome || !*outcome) outcome = "done";
  if ((rc = lg_store_begin(s, err)) != 0) return rc;
  task_row_t t;
  fl_run_t r;
  memset(&r, 0, sizeof r);
  char role[256] = "";
  if ((rc = task_load(s, task_id, &t, err)) != 0) goto out;
  if ((rc = task_open_check(&t, err)) != 0) goto out;
  if (t.assignee && strcmp(t.assignee, actor)) {
    rc = lg_err_set(err, LG_EPERM, "任务 %lld 由 %s 办理, %s 不能办结", (long long)task_id,
                    t.assignee, actor);
    goto out;
  }
  if ((rc = run_open(s, t.instance, actor, lg_now(), "flow.task.complete", &r, err)) != 0) goto out;
  /* The role under which the task was done: the group it was offered to. */
  json_t *groups = json_loads(t.groups, 0, NULL);
  if (json_array_size(groups))
    snprintf(role, sizeof role, "%s", json_string_value(json_array_get(groups, 0)));
  json_decref(groups);
  r.role = role;
  int ni = fl_model_node(r.m, t.node);
  if (ni < 0 || r.m->nodes.items[ni].kind != FL_USER) {
    rc = lg_err_set(err, LG_EINTERNAL, "任务 %lld 的节点 %s 不在流程定义中", (long long)task_id,
                    t.node);
    goto out;
  }
  const fl_node_t *n = &r.m->nodes.items[ni];
  char *vtext = vars ? fl_json_text(vars) : NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(
          s,
          "UPDATE lg_flow_tasks SET status = 'completed', outcome = ?, actor = ?, vars = ?,"
          " completed_at = ? WHERE id = ?",
          &st, err)) {
    lg_free(vtext);
    rc = LG_EDB;
    goto out;
  }
  lg_store_bind_text(st, 1, outcome);
  lg_store_bind_text(st, 2, actor);
  bind_text_or_null(st, 3, vtext);
  lg_store_bind_text(st, 4, r.now_iso);
  lg_store_bind_int(st, 5, task_id);
  lg_free(vtext);
  if ((rc = lg_store_run_done(st, "办结任务失败", r.err)) != 0) goto out;
  if ((rc = hist(&r, "task.complete", n->id, NULL, task_id,
                 json_pack("{s:s}", "outcome", outcome))) != 0)
    goto out;

  if (!n->multi) {
    vars_merge(r.vars, vars);
    json_object_set_new(r.vars, "outcome", json_string(outcome));
    if (n->result_var)
      json_object_set_new(r.vars, n->result_var,
                          json_pack("{s:s,s:s}", "outcome", outcome, "actor", actor));
    if ((rc = token_end(&r, t.token)) == 0) depart(&r, ni);
    goto out;
  }
  /* Multi-instance: submissions stay on the task; the visit completes when
   * every instance is done or the completion condition holds. */
  json_t *sum = NULL;
  if ((rc = mi_summary(&r, t.token, &sum)) != 0) goto out;
  bool finished = json_integer_value(json_object_get(sum, "nrOfActiveInstances")) == 0;
  if (!finished && n->completion) {
    json_t *scope = scope_with(r.vars, sum);
    rc = fl_expr_test(n->completion, scope, &finished, err);
    json_decref(scope);
    if (rc) lg_err_prefix(err, "多实例任务 %s 的完成条件: ", n->id);
  }
  if (rc == 0 && finished) {
    if (n->result_var) json_object_set(r.vars, n->result_var, sum);
    rc = token_end(&r, t.token);
    if (rc == 0) rc = hist(&r, "multi.complete", n->id, NULL, 0, json_incref(sum));
    if (rc == 0) depart(&r, ni);
  }
  json_decref(sum);
out:
  task_row_fini(&t);
  if (r.s) return run_end(&r, rc);
  lg_store_rollback(s);
  return rc;
}

/* Fires a pending wait of the run's instance. */
static int fire_wait(fl_run_t *r, int64_t wait_id) {
  lg_stmt_t *st;
  if (lg_store_prepare(r->s,
                       "SELECT token_id, node, source, status FROM lg_flow_waits WHERE id = ? AND"
                       " instance_id = ?",
                       &st, r->err))
    return LG_EDB;
  lg_store_bind_int(st, 1, wait_id);
  lg_store_bind_int(st, 2, r->inst);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    return lg_err_set(r->err, LG_ENOTFOUND, "等待 %lld 不存在", (long long)wait_id);
  }
  int64_t tok = lg_store_col_int(st, 0);
  char node[256], source[16], status[16];
  snprintf(node, sizeof node, "%s", lg_store_col_text(st, 1));
  snprintf(source, sizeof source, "%s", lg_store_col_text(st, 2));
  snprintf(status, sizeof status, "%s", lg_store_col_text(st, 3));
  lg_store_done(st);
  if (strcmp(status, "pending"))
    return lg_err_set(r->err, LG_ECONFLICT, "等待 %lld 已经%s", (long long)wait_id,
                      !strcmp(status, "fired") ? "触发" : "取消");
  int ei = fl_model_node(r->m, node);
  if (ei < 0) return lg_err_set(r->err, LG_EINTERNAL, "等待的节点 %s 不在流程定义中", node);
  if (lg_store_prepare(r->s,
                       "UPDATE lg_flow_waits SET status = 'fired', fired_at = ?, error = NULL"
                       " WHERE id = ?",
                       &st, r->err))
    return LG_EDB;
  lg_store_bind_text(st, 1, r->now_iso);
  lg_store_bind_int(st, 2, wait_id);
  int rc = lg_store_run_done(st, "更新等待失败", r->err);
  if (rc) return rc;
  const fl_node_t *ev = &r->m->nodes.items[ei];
  if (!strcmp(source, "boundary")) {
    if (ev->interrupting) {
      /* The activity is cut short: its tasks and other waits end. */
      if ((rc = token_end(r, tok)) != 0) return rc;
    }
    push(r, Q_ARRIVE, ei, -1);
    return 0;
  }
  if (!strcmp(source, "gateway")) {
    /* The first event wins; the gateway's other ways are withdrawn. */
    if ((rc = token_end(r, tok)) != 0) return rc;
    push(r, Q_PASS, ei, ev->in.len == 1 ? ev->in.items[0] : -1);
    return 0;
  }
  /* catch event or receive task: the token there goes on. */
  if ((rc = token_end(r, tok)) != 0) return rc;
  depart(r, ei);
  return 0;
}

int lg_flow_message(lg_store_t *s, int64_t instance_id, const char *name, const json_t *vars,
                    const char *actor, lg_err_t *err) {
  if (!name || !*name) return lg_err_set(err, LG_EINVAL, "消息需要名称");
  int rc = vars_check(vars, err);
  if (rc) return rc;
  if ((rc = lg_store_begin(s, err)) != 0) return rc;
  fl_run_t r;
  rc = run_open(s, instance_id, actor, lg_now(), "flow.message", &r, err);
  int64_t wait_id = 0;
  if (rc == 0) {
    lg_stmt_t *st;
    if (lg_store_prepare(
            s,
            "SELECT id FROM lg_flow_waits WHERE instance_id = ? AND status = 'pending' AND"
            " kind = 'message' AND message = ? ORDER BY id LIMIT 1",
            &st, err)) {
      rc = LG_EDB;
    } else {
      lg_store_bind_int(st, 1, instance_id);
      lg_store_bind_text(st, 2, name);
      if (lg_store_step(st) == LG_ROW)
        wait_id = lg_store_col_int(st, 0);
      else
        rc = lg_err_set(err, LG_ENOTFOUND, "流程实例 %lld 当前没有在等待消息 \"%s\"",
                        (long long)instance_id, name);
      lg_store_done(st);
    }
  }
  if (rc == 0) {
    vars_merge(r.vars, vars);
    rc = hist(&r, "message", NULL, NULL, 0, json_pack("{s:s}", "name", name));
  }
  if (rc == 0) rc = fire_wait(&r, wait_id);
  if (r.s) return run_end(&r, rc);
  lg_store_rollback(s);
  return rc;
}

static void record_timer_error(lg_store_t *s, int64_t wait_id, const char *msg) {
  lg_err_t e2 = {0};
  if (lg_store_begin(s, &e2) != 0) return;
  lg_stmt_t *st;
  if (lg_store_prepare(s, "UPDATE lg_flow_waits SET error = ? WHERE id = ?", &st, &e2) == 0) {
    lg_store_bind_text(st, 1, msg);
    lg_store_bind_int(st, 2, wait_id);
    lg_store_step(st);
    lg_store_done(st);
  }
  if (lg_store_commit(s, &e2) != 0) lg_store_rollback(s);
}

static bool wait_pending(lg_store_t *s, int64_t wait_id) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT status = 'pending' FROM lg_flow_waits WHERE id = ?", &st, NULL))
    return false;
  lg_store_bind_int(st, 1, wait_id);
  bool pending = lg_store_step(st) == LG_ROW && lg_store_col_int(st, 0);
  lg_store_done(st);
  return pending;
}

int lg_flow_tick(lg_store_t *s, int64_t now, int *fired, lg_err_t *err) {
  if (fired) *fired = 0;
  char now_iso[32];
  lg_time_iso(now, now_iso);
  lg_stmt_t *st;
  /* A snapshot of what is due: timers that new transitions arm for `now`
   * or earlier fire on the next tick, so one tick always ends. */
  if (lg_store_prepare(
          s,
          "SELECT id, instance_id, node FROM lg_flow_waits WHERE status = 'pending' AND"
          " kind = 'timer' AND due_at <= ? ORDER BY due_at, id LIMIT 10000",
          &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, now_iso);
  LG_VEC(int64_t) due = {0};
  while (lg_store_step(st) == LG_ROW) {
    lg_vec_push(&due, lg_store_col_int(st, 0));
    lg_vec_push(&due, lg_store_col_int(st, 1));
  }
  lg_store_done(st);
  int first = 0;
  for (size_t i = 0; i + 1 < due.len; i += 2) {
    int64_t wait_id = due.items[i], inst = due.items[i + 1];
    lg_err_t e1 = {0};
    int rc = lg_store_begin(s, &e1);
    if (rc == 0 && !wait_pending(s, wait_id)) {
      /* Fired or withdrawn since the list was read (another server's
       * tick, a message that won the race): nothing to do. */
      lg_store_rollback(s);
      continue;
    }
    if (rc == 0) {
      fl_run_t r;
      rc = run_open(s, inst, "system", now, "flow.timer", &r, &e1);
      if (rc == 0)
        rc = hist(&r, "timer", NULL, NULL, 0, json_pack("{s:I}", "wait", (json_int_t)wait_id));
      if (rc == 0) rc = fire_wait(&r, wait_id);
      if (r.s)
        rc = run_end(&r, rc);
      else
        lg_store_rollback(s);
    }
    if (rc == 0) {
      if (fired) (*fired)++;
      continue;
    }
    lg_log(LG_LOG_WARN, "流程实例 %lld 的定时器 %lld 未能触发: %s", (long long)inst,
           (long long)wait_id, e1.msg);
    record_timer_error(s, wait_id, e1.msg);
    if (!first) {
      first = rc;
      if (err) *err = e1;
    }
  }
  lg_free(due.items);
  return first;
}

int lg_flow_cancel(lg_store_t *s, int64_t instance_id, const char *actor, const char *reason,
                   lg_err_t *err) {
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  fl_run_t r;
  rc = run_open(s, instance_id, actor, lg_now(), "flow.cancel", &r, err);
  if (rc == 0)
    rc = hist(&r, "cancel", NULL, NULL, 0, json_pack("{s:s}", "reason", reason ? reason : ""));
  if (rc == 0) rc = terminate_all(&r);
  if (rc == 0) rc = run_finish(&r, "cancelled");
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  run_fini(&r);
  return rc;
}

int lg_flow_set_vars(lg_store_t *s, int64_t instance_id, const json_t *vars, const char *actor,
                     lg_err_t *err) {
  int rc = vars_check(vars, err);
  if (rc) return rc;
  if (!vars) return 0;
  if ((rc = lg_store_begin(s, err)) != 0) return rc;
  fl_run_t r;
  rc = run_open(s, instance_id, actor, lg_now(), "flow.vars", &r, err);
  if (rc == 0) {
    vars_merge(r.vars, vars);
    json_t *names = json_array();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)vars, k, v) json_array_append_new(names, json_string(k));
    rc = hist(&r, "vars", NULL, NULL, 0, json_pack("{s:o}", "names", names));
  }
  if (r.s) return run_end(&r, rc);
  lg_store_rollback(s);
  return rc;
}
