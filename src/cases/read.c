/*
 * Reading cases: who a case and its tasks belong to (for the permission
 * policy), lists with filters and the caller's scope, one case in full,
 * its checklist, its timeline (the engine's history merged with the
 * case's journal), the public progress by code, and a person's inbox of
 * tasks offered to their candidate groups.
 */
#include "cases/cases_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"

/* ---- References ------------------------------------------------------------- */

int lg_cases_ref(lg_store_t *s, int64_t id, lg_case_ref_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT code, division, coalesce(enterprise, ''), coalesce(user_id, 0),"
                            " coalesce(instance_id, 0), status FROM lg_cases WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    out->id = id;
    snprintf(out->code, sizeof out->code, "%s", lg_store_col_text(st, 0));
    snprintf(out->division, sizeof out->division, "%s", lg_store_col_text(st, 1));
    snprintf(out->enterprise, sizeof out->enterprise, "%s", lg_store_col_text(st, 2));
    out->user_id = lg_store_col_int(st, 3);
    out->instance_id = lg_store_col_int(st, 4);
    snprintf(out->status, sizeof out->status, "%s", lg_store_col_text(st, 5));
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  if (rc) return rc;
  if ((rc = lg_store_prepare(s,
                             "SELECT division FROM lg_case_divisions WHERE case_id = ?"
                             " ORDER BY m2 DESC, division",
                             &st, err)))
    return rc;
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW && out->ndivisions < LG_CASE_MAX_DIVISIONS)
    snprintf(out->divisions[out->ndivisions++], 16, "%s", lg_store_col_text(st, 0));
  lg_store_done(st);
  if (out->ndivisions == 0) snprintf(out->divisions[out->ndivisions++], 16, "%s", out->division);
  return 0;
}

int lg_cases_find(lg_store_t *s, const char *id_or_code, int64_t *id, lg_err_t *err) {
  *id = 0;
  if (!id_or_code || !*id_or_code) return lg_err_set(err, LG_EINVAL, "缺少案件编号");
  bool digits = true;
  for (const char *p = id_or_code; *p; p++)
    if (*p < '0' || *p > '9') digits = false;
  if (digits && strlen(id_or_code) < 16) {
    *id = strtoll(id_or_code, NULL, 10);
    lg_case_ref_t r;
    return lg_cases_ref(s, *id, &r, err);
  }
  return cs_case_of_code(s, id_or_code, id, err);
}

int lg_cases_allowed(lg_store_t *s, const lg_subject_t *who, const lg_case_ref_t *c,
                     const char *action, bool *allowed, char *allowed_division, lg_err_t *err) {
  *allowed = false;
  if (allowed_division) allowed_division[0] = '\0';
  for (int i = 0; i < c->ndivisions && !*allowed; i++) {
    lg_object_ref_t obj = {.division = c->divisions[i],
                           .enterprise = c->enterprise[0] ? c->enterprise : NULL,
                           .user_id = c->user_id};
    int rc = lg_auth_allowed(s, who, "case", action, &obj, allowed, err);
    if (rc) return rc;
    if (*allowed && allowed_division) snprintf(allowed_division, 16, "%s", c->divisions[i]);
  }
  return 0;
}

int lg_cases_task_ref(lg_store_t *s, int64_t task_id, lg_case_task_ref_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  lg_flow_task_t *t = &out->task;
  int rc = lg_flow_task_get(s, task_id, t, err);
  if (rc) return rc;
  int64_t cid = 0;
  rc = cs_case_of_instance(s, t->instance_id, &cid, err);
  if (rc == LG_ENOTFOUND) {
    lg_err_clear(err);
    rc = lg_err_set(err, LG_ENOTFOUND, "任务 %lld 不属于任何案件", (long long)task_id);
  }
  if (rc == 0) rc = lg_cases_ref(s, cid, &out->c, err);
  if (rc) return rc;
  static const char *const states[] = {"open", "completed", "cancelled"};
  out->task_id = task_id;
  snprintf(out->node, sizeof out->node, "%s", t->node);
  snprintf(out->name, sizeof out->name, "%s", t->name);
  snprintf(out->status, sizeof out->status, "%s", states[t->state]);
  snprintf(out->groups, sizeof out->groups, "%s", t->groups);
  /* The division the groups name ("@code"); the case's leading county
   * when none does. */
  char groups[512];
  snprintf(groups, sizeof groups, "%s", t->groups);
  for (char *save = NULL, *g = strtok_r(groups, ",", &save); g && !out->division[0];
       g = strtok_r(NULL, ",", &save)) {
    char role[16], qual[64], div[16];
    cs_group_parts(g, role, qual, div);
    if (div[0]) snprintf(out->division, sizeof out->division, "%s", div);
  }
  if (!out->division[0]) snprintf(out->division, sizeof out->division, "%s", out->c.division);
  return 0;
}

/* ---- Lists -------------------------------------------------------------------- */

int lg_cases_list(lg_store_t *s, const lg_subject_t *who, int scope, const lg_case_filter_t *f,
                  json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_case_filter_t none = {0};
  if (!f) f = &none;
  char div[16] = "";
  if (f->division && *f->division &&
      lg_auth_division_normalize(f->division, div, "division", err) != 0)
    return LG_EINVAL;
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_puts(&sql,
              "SELECT * FROM (SELECT c.id, c.code, c.title, c.project_type, c.enterprise,"
              " c.rating, c.investment, c.division, c.divisions, c.status, c.level, c.verdict,"
              " c.document_no, c.created_at, c.updated_at, NULL AS current,"
              " (EXISTS (SELECT 1 FROM lg_case_steps p WHERE p.case_id = c.id"
              "  AND p.status = 'open' AND p.due_at <= ?1) OR EXISTS (SELECT 1 FROM"
              "  lg_case_materials m WHERE m.case_id = c.id AND m.state = 'deferred'"
              "  AND m.due_at <= ?1)) AS overdue"
              " FROM lg_cases c WHERE "
              /* What the scope lets who see (lg_auth_filter_t): a case
               * belongs to every county it crosses. */
              " (?10 = 'all' OR EXISTS (SELECT 1 FROM lg_case_divisions d WHERE"
              "  d.case_id = c.id AND ((?10 = 'jurisdiction' AND d.division LIKE ?11 || '%')"
              "  OR (?10 = 'own' AND c.enterprise = ?12))))"
              " AND (?2 IS NULL OR c.status = ?2) AND (?3 IS NULL OR c.level = ?3)"
              " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM lg_case_steps p WHERE p.case_id = c.id"
              "  AND p.status = 'open' AND p.department = ?4))"
              " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM lg_case_divisions d"
              "  WHERE d.case_id = c.id AND d.division LIKE ?5 || '%'))"
              " AND (?6 IS NULL OR c.enterprise = ?6)"
              ") q WHERE (?7 = 0 OR overdue) ORDER BY id DESC LIMIT ?8 OFFSET ?9");
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql.data, &st, err);
  lg_buf_fini(&sql);
  if (rc) return rc;
  lg_auth_filter_t af = {.kind = "all"};
  if (who) lg_auth_filter_make(who, scope, &af);
  lg_store_bind_text(st, 10, af.kind);
  lg_store_bind_text(st, 11, af.division);
  lg_store_bind_text(st, 12, af.enterprise);
  char now[32];
  lg_time_iso(lg_now(), now);
  lg_store_bind_text(st, 1, now);
  cs_bind_text(st, 2, f->status && *f->status ? f->status : NULL);
  cs_bind_text(st, 3, f->level && *f->level ? f->level : NULL);
  cs_bind_text(st, 4, f->department && *f->department ? f->department : NULL);
  cs_bind_text(st, 5, div[0] ? div : NULL);
  cs_bind_text(st, 6, f->enterprise && *f->enterprise ? f->enterprise : NULL);
  lg_store_bind_int(st, 7, f->overdue);
  lg_store_bind_int(st, 8, f->limit > 0 ? f->limit : 100);
  lg_store_bind_int(st, 9, f->offset > 0 ? f->offset : 0);
  json_t *arr = json_array();
  while ((rc = lg_store_step(st)) == LG_ROW) {
    const char *status = lg_store_col_text(st, 9);
    const char *level = lg_store_col_text(st, 10);
    json_array_append_new(
        arr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:s, s:o, s:o,"
                       " s:o, s:o, s:o, s:b}",
                       "id", (json_int_t)lg_store_col_int(st, 0), "code", cs_col_text(st, 1),
                       "title", cs_col_text(st, 2), "project_type", cs_col_text(st, 3),
                       "enterprise", cs_col_text(st, 4), "rating", cs_col_text(st, 5), "investment",
                       cs_col_real(st, 6), "division", cs_col_text(st, 7), "divisions",
                       cs_col_json(st, 8), "status", status, "status_title",
                       lg_cases_status_title(status), "level", cs_col_text(st, 10), "level_title",
                       lg_cases_level_title(level), "verdict", cs_col_text(st, 11), "document_no",
                       cs_col_text(st, 12), "created_at", cs_col_text(st, 13), "updated_at",
                       cs_col_text(st, 14), "current", json_array(), "overdue",
                       lg_store_col_int(st, 16) != 0));
  }
  lg_store_done(st);
  if (rc != LG_DONE) {
    json_decref(arr);
    return lg_store_fail(s, err, "读取案件列表失败");
  }
  /* The steps each case waits at, in the order they opened. */
  size_t i;
  json_t *c;
  json_array_foreach(arr, i, c) {
    if ((rc = lg_store_prepare(s,
                               "SELECT coalesce(name, node) FROM lg_case_steps"
                               " WHERE case_id = ? AND status = 'open' ORDER BY id",
                               &st, err))) {
      json_decref(arr);
      return rc;
    }
    lg_store_bind_int(st, 1, json_integer_value(json_object_get(c, "id")));
    json_t *cur = json_object_get(c, "current");
    while (lg_store_step(st) == LG_ROW)
      json_array_append_new(cur, cs_col_text(st, 0));
    lg_store_done(st);
  }
  *out = arr;
  return 0;
}

/* ---- One case ------------------------------------------------------------------ */

/* The checklist of a case known to exist. */
/* Names for people beside each step's codes: the department's title (from
 * src/auth's list), the level's and the outcome's. */
static void step_titles(lg_store_t *s, json_t *steps) {
  size_t i;
  json_t *p;
  json_array_foreach(steps, i, p) {
    const char *d = json_string_value(json_object_get(p, "department"));
    if (d && *d) {
      bool found = false;
      char *title = NULL;
      if (lg_auth_dept_get(s, d, &found, &title, NULL) != 0) found = false;
      json_object_set_new(p, "department_title", json_string(found && title ? title : d));
      lg_free(title);
    }
    const char *l = json_string_value(json_object_get(p, "level"));
    if (l && *l) json_object_set_new(p, "level_title", json_string(lg_cases_level_title(l)));
    const char *a = json_string_value(json_object_get(p, "outcome"));
    if (a && *a) json_object_set_new(p, "outcome_title", json_string(lg_cases_action_title(a)));
  }
}

static int materials_json(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  int rc;
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "SELECT kind, name, core, required, basis, state, due_at, supplied_at,"
                             " supplied_by FROM lg_case_materials WHERE case_id = ? ORDER BY id",
                             &st, err)))
    return rc;
  lg_store_bind_int(st, 1, id);
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW) {
    const char *state = lg_store_col_text(st, 5);
    json_array_append_new(
        arr,
        json_pack("{s:o, s:o, s:b, s:b, s:o, s:s, s:s, s:o, s:o, s:o}", "kind", cs_col_text(st, 0),
                  "name", cs_col_text(st, 1), "core", lg_store_col_int(st, 2) != 0, "required",
                  lg_store_col_int(st, 3) != 0, "basis", cs_col_text(st, 4), "state", state,
                  "state_title", lg_cases_material_state_title(state), "due_at", cs_col_text(st, 6),
                  "supplied_at", cs_col_text(st, 7), "supplied_by", cs_col_text(st, 8)));
  }
  lg_store_done(st);
  *out = arr;
  return 0;
}

int lg_cases_materials(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_case_ref_t r;
  int rc = lg_cases_ref(s, id, &r, err);
  return rc ? rc : materials_json(s, id, out, err);
}

static json_t *rows_json(lg_store_t *s, const char *sql, int64_t id) {
  lg_stmt_t *st;
  json_t *arr = json_array();
  if (lg_store_prepare(s, sql, &st, NULL)) return arr;
  lg_store_bind_int(st, 1, id);
  int n = lg_store_col_count(st);
  while (lg_store_step(st) == LG_ROW) {
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
      case LG_COL_TEXT:
        v = json_string(lg_store_col_text(st, i));
        break;
      default:
        v = json_null();
      }
      json_object_set_new(row, lg_store_col_name(st, i), v ? v : json_null());
    }
    json_array_append_new(arr, row);
  }
  lg_store_done(st);
  return arr;
}

int lg_cases_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "SELECT code, title, project_type, use_code, enterprise, applicant, rating,"
                       " investment, division, divisions, departments, srs_id, boundary_sha256,"
                       " boundary_format, boundary_source, planar_m2, ellipsoidal_m2, status,"
                       " instance_id, check_id, verdict, level, document_no, created_at,"
                       " created_by, updated_at, decided_at, handed_over_at, boundary"
                       " FROM lg_cases WHERE id = ?",
                       &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    return lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)id);
  }
  static const char *const names[] = {
      "code",        "title",          "project_type",    "use_code",        "enterprise",
      "applicant",   "rating",         "investment",      "division",        "divisions",
      "departments", "srs_id",         "boundary_sha256", "boundary_format", "boundary_source",
      "planar_m2",   "ellipsoidal_m2", "status",          "instance_id",     "check_id",
      "verdict",     "level",          "document_no",     "created_at",      "created_by",
      "updated_at",  "decided_at",     "handed_over_at"};
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(id));
  for (int i = 0; i < (int)LG_ARRAY_LEN(names); i++) {
    json_t *v = !strcmp(names[i], "divisions") || !strcmp(names[i], "departments")
                    ? cs_col_json(st, i)
                : lg_store_col_type(st, i) == LG_COL_INT  ? cs_col_int(st, i)
                : lg_store_col_type(st, i) == LG_COL_REAL ? cs_col_real(st, i)
                                                          : cs_col_text(st, i);
    json_object_set_new(o, names[i], v);
  }
  const char *status = json_string_value(json_object_get(o, "status"));
  json_object_set_new(o, "status_title", json_string(lg_cases_status_title(status)));
  json_object_set_new(
      o, "level_title",
      json_string(lg_cases_level_title(json_string_value(json_object_get(o, "level")))));
  /* The boundary as GeoJSON, in its own CRS (srs_id says which). */
  lg_geo_t *g = lg_geo_thread();
  lg_geom_t *geom = lg_geom_from_gpkg(g, lg_store_col_blob(st, 28, NULL),
                                      (size_t)lg_store_col_bytes(st, 28), NULL);
  if (geom) {
    char *gj = lg_geom_to_geojson(g, geom);
    json_t *gv = gj ? json_loads(gj, 0, NULL) : NULL;
    json_object_set_new(o, "boundary", gv ? gv : json_null());
    lg_free(gj);
    lg_geom_free(g, geom);
  }
  int64_t inst_id = lg_store_col_int(st, 18);
  lg_store_done(st);

  json_object_set_new(o, "division_shares",
                      rows_json(s,
                                "SELECT division, m2, share FROM lg_case_divisions"
                                " WHERE case_id = ? ORDER BY m2 DESC, division",
                                id));
  json_t *mats = NULL;
  if ((rc = materials_json(s, id, &mats, err))) goto fail;
  json_object_set_new(o, "materials", mats);
  json_object_set_new(o, "penalties",
                      rows_json(s,
                                "SELECT id, kind, investment, rate, amount, rule, basis, materials,"
                                " created_at FROM lg_case_penalties WHERE case_id = ? ORDER BY id",
                                id));
  json_object_set_new(o, "notices",
                      rows_json(s,
                                "SELECT id, kind, title, start_at, end_at, period, basis, text,"
                                " created_at FROM lg_case_notices WHERE case_id = ? ORDER BY id",
                                id));
  json_t *steps = rows_json(s,
                            "SELECT task_id, node, name, department, level, division, status,"
                            " outcome, actor, created_at, due_at, completed_at"
                            " FROM lg_case_steps WHERE case_id = ? ORDER BY id",
                            id);
  step_titles(s, steps);
  json_object_set_new(o, "steps", steps);
  json_t *tasks = json_array();
  json_object_set_new(o, "tasks", tasks);
  if (inst_id > 0) {
    json_t *inst = NULL, *cfg = NULL;
    if ((rc = lg_flow_instance_json(s, inst_id, 0, &inst, err))) goto fail;
    if ((rc = lg_cases_config(s, &cfg, err))) {
      json_decref(inst);
      goto fail;
    }
    json_t *waits = json_array();
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(inst, "waits"), i, w) {
      if (!strcmp(json_string_value(json_object_get(w, "status")), "pending"))
        json_array_append(waits, w);
    }
    json_t *vars = json_object_get(inst, "variables");
    json_object_set_new(
        o, "process",
        json_pack("{s:O, s:O, s:O, s:O, s:O, s:o}", "id", json_object_get(inst, "id"), "definition",
                  json_object_get(inst, "definition"), "status", json_object_get(inst, "status"),
                  "end_node", json_object_get(inst, "end_node"), "active_nodes",
                  json_object_get(inst, "active_nodes"), "waits", waits));
    json_object_set(o, "check",
                    json_object_get(vars, "check") ? json_object_get(vars, "check") : json_null());
    json_object_set(o, "authority",
                    json_object_get(vars, "authority") ? json_object_get(vars, "authority")
                                                       : json_null());
    json_t *t;
    json_array_foreach(json_object_get(inst, "tasks"), i, t) {
      if (strcmp(json_string_value(json_object_get(t, "status")), "open")) continue;
      const char *node = json_string_value(json_object_get(t, "node"));
      json_t *task =
          json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "id", json_object_get(t, "id"),
                    "node", json_object_get(t, "node"), "name", json_object_get(t, "name"),
                    "candidate_groups", json_object_get(t, "candidate_groups"), "element",
                    json_object_get(t, "element"), "assignee", json_object_get(t, "assignee"),
                    "created_at", json_object_get(t, "created_at"), "actions",
                    cs_task_actions(cfg, node, !json_is_null(json_object_get(t, "loop_index"))));
      size_t k;
      json_t *step;
      json_array_foreach(json_object_get(o, "steps"), k, step) {
        if (json_integer_value(json_object_get(step, "task_id")) ==
            json_integer_value(json_object_get(t, "id")))
          json_object_set(task, "due_at", json_object_get(step, "due_at"));
      }
      json_array_append_new(tasks, task);
    }
    json_decref(cfg);
    json_decref(inst);
    if ((rc = cs_tasks_holders(s, tasks, err))) goto fail;
  }
  *out = o;
  return 0;
fail:
  json_decref(o);
  return rc;
}

/* ---- Timeline --------------------------------------------------------------------- */

typedef struct tl_item {
  json_t *v;
  size_t order;
  int effect; /* 0: a person's action (a cause); 1: what followed from it */
} tl_item_t;

/* Within one instant, causes before their effects: the clerk's acceptance
 * before the check it started, the tasks it opened and the status it set;
 * then the order each source recorded them in. */
static int cmp_tl(const void *a, const void *b) {
  const tl_item_t *p = a, *q = b;
  int c = strcmp(json_string_value(json_object_get(p->v, "at")),
                 json_string_value(json_object_get(q->v, "at")));
  if (c) return c;
  if (p->effect != q->effect) return p->effect - q->effect;
  return p->order < q->order ? -1 : p->order > q->order;
}

/* The engine's events that a person does; the rest (service tasks, timers,
 * joins, tasks opened, the end) are the system's, whoever's action let the
 * process reach them. */
static bool flow_by_person(const char *ev) {
  static const char *const people[] = {"start", "task.complete", "task.claim", "task.assign",
                                       "message"};
  for (size_t i = 0; i < LG_ARRAY_LEN(people); i++)
    if (!strcmp(ev, people[i])) return true;
  return false;
}

static bool case_by_person(const char *ev) {
  static const char *const people[] = {"create", "act", "supply", "reassign"};
  for (size_t i = 0; i < LG_ARRAY_LEN(people); i++)
    if (!strcmp(ev, people[i])) return true;
  return false;
}

int lg_cases_timeline(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_case_ref_t r;
  int rc = lg_cases_ref(s, id, &r, err);
  if (rc) return rc;
  LG_VEC(tl_item_t) items = {0};
  json_t *inst = NULL;
  if (r.instance_id > 0 &&
      (rc = lg_flow_instance_json(s, r.instance_id,
                                  LG_FLOW_WITH_HISTORY | LG_FLOW_WITHOUT_VARIABLES, &inst, err)))
    return rc;
  size_t i;
  json_t *h;
  /* Passing a node is the engine's bookkeeping; what people see is what
   * happened there. */
  json_array_foreach(json_object_get(inst, "history"), i, h) {
    const char *ev = json_string_value(json_object_get(h, "event"));
    if (!ev || !strcmp(ev, "enter")) continue;
    bool person = flow_by_person(ev);
    json_t *e =
        json_pack("{s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:O}", "at", json_object_get(h, "at"),
                  "actor", json_object_get(h, "actor"), "source", "flow", "event",
                  json_object_get(h, "event"), "node", json_object_get(h, "node"), "node_name",
                  json_object_get(h, "node_name") ? json_object_get(h, "node_name") : json_null(),
                  "task_id", json_object_get(h, "task_id"), "detail", json_object_get(h, "detail"));
    const char *actor = json_string_value(json_object_get(h, "actor"));
    if (!person && actor && strcmp(actor, "system")) {
      json_object_set(e, "triggered_by", json_object_get(h, "actor"));
      json_object_set_new(e, "actor", json_string("system"));
    }
    lg_vec_push(&items, ((tl_item_t){e, items.len, !person}));
  }
  json_decref(inst);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(
           s,
           "SELECT at, actor, role, event, task_id, node, detail FROM lg_case_events"
           " WHERE case_id = ? ORDER BY id",
           &st, err)) == 0) {
    lg_store_bind_int(st, 1, id);
    while (lg_store_step(st) == LG_ROW) {
      json_t *e =
          json_pack("{s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:n, s:o}", "at", cs_col_text(st, 0),
                    "actor", cs_col_text(st, 1), "role", cs_col_text(st, 2), "source", "case",
                    "event", cs_col_text(st, 3), "task_id", cs_col_int(st, 4), "node",
                    cs_col_text(st, 5), "node_name", "detail", cs_col_json(st, 6));
      const char *ev = json_string_value(json_object_get(e, "event"));
      lg_vec_push(&items, ((tl_item_t){e, items.len, !(ev && case_by_person(ev))}));
    }
    lg_store_done(st);
  }
  /* The journal names nodes by id; the engine's history knows their names. */
  for (size_t k = 0; k < items.len; k++) {
    json_t *e = items.items[k].v;
    const char *node = json_string_value(json_object_get(e, "node"));
    if (!node || !json_is_null(json_object_get(e, "node_name"))) continue;
    for (size_t j = 0; j < items.len; j++) {
      const json_t *o = items.items[j].v;
      const char *on = json_string_value(json_object_get(o, "node"));
      if (on && !strcmp(on, node) && json_is_string(json_object_get(o, "node_name"))) {
        json_object_set(e, "node_name", json_object_get(o, "node_name"));
        break;
      }
    }
  }
  if (items.len) qsort(items.items, items.len, sizeof *items.items, cmp_tl);
  json_t *arr = json_array();
  for (size_t k = 0; k < items.len; k++)
    json_array_append_new(arr, items.items[k].v);
  lg_free(items.items);
  if (rc) {
    json_decref(arr);
    return rc;
  }
  *out = arr;
  return 0;
}

int lg_cases_progress(lg_store_t *s, const char *code, json_t **out, lg_err_t *err) {
  *out = NULL;
  int64_t id = 0;
  int rc = cs_case_of_code(s, code, &id, err);
  if (rc) return rc;
  lg_case_ref_t r;
  if ((rc = lg_cases_ref(s, id, &r, err))) return rc;
  json_t *head = rows_json(s,
                           "SELECT title, created_at, decided_at, handed_over_at, document_no"
                           " FROM lg_cases WHERE id = ?",
                           id);
  /* The steps on the case's own path (not those a branch cancelled), by
   * unit, with their dates; no one's name. */
  json_t *steps = rows_json(s,
                            "SELECT name, department, level, status, created_at, completed_at"
                            " FROM lg_case_steps WHERE case_id = ? AND status <> 'cancelled'"
                            " ORDER BY id",
                            id);
  step_titles(s, steps);
  json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "code", r.code, "status", r.status,
                        "status_title", lg_cases_status_title(r.status), "steps", steps, "notices",
                        rows_json(s,
                                  "SELECT title, start_at, end_at, period FROM lg_case_notices"
                                  " WHERE case_id = ? ORDER BY id",
                                  id));
  json_t *h = json_array_get(head, 0);
  const char *keys[] = {"title", "created_at", "decided_at", "handed_over_at", "document_no"};
  for (size_t i = 0; i < LG_ARRAY_LEN(keys); i++)
    json_object_set(o, keys[i], h ? json_object_get(h, keys[i]) : json_null());
  json_decref(head);
  *out = o;
  return 0;
}

/* ---- Inbox ----------------------------------------------------------------------- */

int lg_cases_inbox(lg_store_t *s, const lg_subject_t *who, json_t **out, lg_err_t *err) {
  *out = NULL;
  /* Every group text lg_auth_group_matches would accept for who: the
   * role, with its qualifier or not, at its own division or none. */
  const char *qual = !strcmp(who->role, "reviewer")    ? who->dept
                     : !strcmp(who->role, "approver")  ? who->level
                     : !strcmp(who->role, "applicant") ? who->enterprise
                                                       : "";
  char g[4][128];
  int ng = 0;
  snprintf(g[ng++], 128, "%s", who->role);
  if (who->division[0]) snprintf(g[ng++], 128, "%s@%s", who->role, who->division);
  if (qual[0]) {
    snprintf(g[ng++], 128, "%s:%s", who->role, qual);
    if (who->division[0]) snprintf(g[ng++], 128, "%s:%s@%s", who->role, qual, who->division);
  }
  const char *groups[5] = {NULL};
  for (int i = 0; i < ng; i++)
    groups[i] = g[i];
  json_t *offered = NULL, *mine = NULL, *cfg = NULL;
  lg_flow_task_filter_t f1 = {.groups = groups, .limit = 1000};
  lg_flow_task_filter_t f2 = {.assignee = who->login, .limit = 1000};
  int rc = lg_flow_tasks(s, &f1, &offered, err);
  if (rc == 0 && who->login[0]) rc = lg_flow_tasks(s, &f2, &mine, err);
  if (rc == 0) rc = lg_cases_config(s, &cfg, err);
  if (rc) goto done;
  if (mine) json_array_extend(offered, mine);
  json_t *arr = json_array();
  char now[32];
  lg_time_iso(lg_now(), now);
  size_t i;
  json_t *t;
  LG_VEC(int64_t) seen = {0};
  json_array_foreach(offered, i, t) {
    int64_t tid = json_integer_value(json_object_get(t, "id"));
    bool dup = false;
    for (size_t k = 0; k < seen.len; k++)
      if (seen.items[k] == tid) dup = true;
    if (dup) continue;
    lg_vec_push(&seen, tid);
    lg_case_task_ref_t tr;
    lg_err_t e2 = {0};
    if (lg_cases_task_ref(s, tid, &tr, &e2) != 0) continue; /* a task of no case */
    const char *assignee = json_string_value(json_object_get(t, "assignee"));
    bool mine_t = assignee && !strcmp(assignee, who->login);
    if (!mine_t && (assignee || !lg_auth_groups_match(who, tr.groups))) continue;
    lg_stmt_t *st;
    json_t *due = json_null(), *title = json_null();
    if (lg_store_prepare(s,
                         "SELECT p.due_at, c.title FROM lg_cases c LEFT JOIN lg_case_steps p"
                         " ON p.case_id = c.id AND p.task_id = ? WHERE c.id = ?",
                         &st, NULL) == 0) {
      lg_store_bind_int(st, 1, tid);
      lg_store_bind_int(st, 2, tr.c.id);
      if (lg_store_step(st) == LG_ROW) {
        json_decref(due);
        json_decref(title);
        due = cs_col_text(st, 0);
        title = cs_col_text(st, 1);
      }
      lg_store_done(st);
    }
    bool overdue = json_is_string(due) && strcmp(json_string_value(due), now) <= 0;
    json_array_append_new(
        arr,
        json_pack("{s:I, s:s, s:s, s:I, s:s, s:o, s:s, s:O, s:O, s:O, s:o, s:b, s:o}", "id",
                  (json_int_t)tid, "node", tr.node, "name", tr.name, "case_id", (json_int_t)tr.c.id,
                  "case_code", tr.c.code, "case_title", title, "division", tr.division,
                  "candidate_groups", json_object_get(t, "candidate_groups"), "element",
                  json_object_get(t, "element"), "created_at", json_object_get(t, "created_at"),
                  "due_at", due, "overdue", overdue, "actions",
                  cs_task_actions(cfg, tr.node, !json_is_null(json_object_get(t, "loop_index")))));
  }
  lg_free(seen.items);
  *out = arr;
done:
  json_decref(offered);
  json_decref(mine);
  json_decref(cfg);
  return rc;
}
