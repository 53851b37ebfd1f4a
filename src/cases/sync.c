/*
 * Keeping a case in step with its process. The engine owns where an
 * instance stands; the case keeps what queues, filters and measures need
 * without reading the engine's tables: one row per task in lg_case_steps
 * (node, department, level and division of its candidate groups, when it
 * opened, when it falls due by the configured time limit in working days,
 * how and by whom it ended) and a status derived from the instance:
 *
 *   handed over (handover ran)       handed_over
 *   ended at an end event            the configured end_status of that event
 *   a document number issued         approved
 *   waiting at the window            submitted
 *   at a statutory notice step       notice
 *   otherwise                        in_review
 *
 * A changed status is journalled and recorded on the ledger.
 */
#include "cases/cases_int.h"

#include <stdio.h>
#include <string.h>

static int case_by(lg_store_t *s, const char *sql, lg_stmt_t **st, lg_err_t *err) {
  return lg_store_prepare(s, sql, st, err);
}

int cs_case_of_instance(lg_store_t *s, int64_t inst, int64_t *case_id, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = case_by(s, "SELECT id FROM lg_cases WHERE instance_id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, inst);
  if (lg_store_step(st) == LG_ROW)
    *case_id = lg_store_col_int(st, 0);
  else
    rc = lg_err_set(err, LG_ENOTFOUND, "流程实例 %lld 不属于任何案件", (long long)inst);
  lg_store_done(st);
  return rc;
}

int cs_case_of_code(lg_store_t *s, const char *code, int64_t *case_id, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = case_by(s, "SELECT id FROM lg_cases WHERE code = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, code ? code : "");
  if (lg_store_step(st) == LG_ROW)
    *case_id = lg_store_col_int(st, 0);
  else
    rc = lg_err_set(err, LG_ENOTFOUND, "没有编号为 %s 的案件", code ? code : "");
  lg_store_done(st);
  return rc;
}

/* Groups "a,b" of a task, and the parts of the first that names them. */
static void task_groups(const json_t *task, char *joined, size_t n, char dept[64], char level[16],
                        char division[16]) {
  joined[0] = dept[0] = level[0] = division[0] = '\0';
  size_t i, len = 0;
  const json_t *g;
  json_array_foreach(json_object_get(task, "candidate_groups"), i, g) {
    const char *t = json_string_value(g);
    if (!t) continue;
    len += (size_t)snprintf(joined + len, len < n ? n - len : 0, "%s%s", len ? "," : "", t);
    if (len >= n) len = n - 1;
    char role[16], qual[64], div[16];
    cs_group_parts(t, role, qual, div);
    if (!dept[0] && !strcmp(role, "reviewer")) snprintf(dept, 64, "%s", qual);
    if (!level[0] && !strcmp(role, "approver")) snprintf(level, 16, "%s", qual);
    if (!division[0]) snprintf(division, 16, "%s", div);
  }
}

/* What lg_case_steps already holds of a case's tasks. */
typedef struct step_row {
  int64_t task_id;
  char status[16];
  char completed_at[32];
} step_row_t;

/* Writes the tasks that are new or changed since the last sync (a
 * transition changes one or two; the rest are skipped unread).
 * The working-day calendar is loaded only when a new task needs its due
 * time. */
static int steps_sync(lg_store_t *s, int64_t case_id, const json_t *inst, const json_t *cfg,
                      lg_err_t *err) {
  LG_VEC(step_row_t) have = {0};
  lg_workcal_t *cal = NULL;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT task_id, status, coalesce(completed_at, '') FROM lg_case_steps"
                            " WHERE case_id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, case_id);
  while (lg_store_step(st) == LG_ROW) {
    step_row_t r = {.task_id = lg_store_col_int(st, 0)};
    snprintf(r.status, sizeof r.status, "%s", lg_store_col_text(st, 1));
    snprintf(r.completed_at, sizeof r.completed_at, "%s", lg_store_col_text(st, 2));
    lg_vec_push(&have, r);
  }
  lg_store_done(st);
  rc = lg_store_prepare(
      s,
      "INSERT INTO lg_case_steps(case_id, task_id, node, name, groups, department, level,"
      " division, status, outcome, actor, created_at, due_at, completed_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
      " ON CONFLICT(task_id) DO UPDATE SET status = excluded.status, outcome = excluded.outcome,"
      " actor = excluded.actor, completed_at = excluded.completed_at"
      " WHERE lg_case_steps.status IS DISTINCT FROM excluded.status"
      " OR lg_case_steps.completed_at IS DISTINCT FROM excluded.completed_at",
      &st, err);
  if (rc) goto done;
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(inst, "tasks"), i, t) {
    int64_t task_id = json_integer_value(json_object_get(t, "id"));
    const char *status = json_string_value(json_object_get(t, "status"));
    const char *completed = json_string_value(json_object_get(t, "completed_at"));
    const step_row_t *known = NULL;
    for (size_t k = 0; k < have.len && !known; k++)
      if (have.items[k].task_id == task_id) known = &have.items[k];
    if (known && !strcmp(known->status, status ? status : "") &&
        !strcmp(known->completed_at, completed ? completed : ""))
      continue;
    char groups[512], dept[64], level[16], division[16], due[32] = "";
    task_groups(t, groups, sizeof groups, dept, level, division);
    const char *created = json_string_value(json_object_get(t, "created_at"));
    const char *node = json_string_value(json_object_get(t, "node"));
    int64_t c0 = 0;
    /* The due time is written when the step is first seen (an update
     * keeps it), so only a new one needs the calendar. */
    if (!known && created && lg_time_parse_iso(created, &c0, NULL) == 0) {
      if (!cal && (rc = lg_flow_calendar_load(s, &cal, err)) != 0) break;
      lg_time_iso(lg_workdays_deadline(cal, c0, cs_time_limit(cfg, node), LG_TZ_CHINA), due);
    }
    lg_store_bind_int(st, 1, case_id);
    lg_store_bind_int(st, 2, task_id);
    cs_bind_text(st, 3, node ? node : "");
    cs_bind_text(st, 4, json_string_value(json_object_get(t, "name")));
    cs_bind_text(st, 5, groups);
    cs_bind_text(st, 6, dept[0] ? dept : NULL);
    cs_bind_text(st, 7, level[0] ? level : NULL);
    cs_bind_text(st, 8, division[0] ? division : NULL);
    cs_bind_text(st, 9, status);
    cs_bind_text(st, 10, json_string_value(json_object_get(t, "outcome")));
    cs_bind_text(st, 11, json_string_value(json_object_get(t, "actor")));
    cs_bind_text(st, 12, created ? created : "");
    cs_bind_text(st, 13, due[0] ? due : NULL);
    cs_bind_text(st, 14, completed);
    if (lg_store_step(st) != LG_DONE) {
      rc = lg_store_fail(s, err, "更新案件环节失败");
      break;
    }
    lg_store_reset(st);
  }
  lg_store_done(st);
done:
  lg_free(have.items);
  lg_workcal_free(cal);
  return rc;
}

static bool at_node_in(const json_t *inst, const json_t *nodes) {
  size_t i;
  const json_t *tok;
  json_array_foreach(json_object_get(inst, "tokens"), i, tok) {
    if (cs_list_has(nodes, json_string_value(json_object_get(tok, "node")))) return true;
  }
  return false;
}

static bool open_task_at(const json_t *inst, const char *node) {
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(inst, "tasks"), i, t) {
    if (!strcmp(json_string_value(json_object_get(t, "status")), "open") &&
        !strcmp(json_string_value(json_object_get(t, "node")), node))
      return true;
  }
  return false;
}

static const char *derive_status(const json_t *inst, const json_t *cfg, bool numbered,
                                 bool handed_over) {
  if (handed_over) return "handed_over";
  const char *st = json_string_value(json_object_get(inst, "status"));
  if (st && !strcmp(st, "cancelled")) return "cancelled";
  if (st && strcmp(st, "active")) {
    const char *end = json_string_value(json_object_get(inst, "end_node"));
    const char *mapped =
        json_string_value(json_object_get(cs_cfg(cfg, "end_status"), end ? end : ""));
    return mapped && lg_cases_status_title(mapped)[0] ? mapped : "closed";
  }
  if (numbered) return "approved";
  if (open_task_at(inst, "Task_Accept")) return "submitted";
  if (at_node_in(inst, cs_cfg(cfg, "notice_nodes"))) return "notice";
  return "in_review";
}

int cs_sync(lg_store_t *s, int64_t case_id, int64_t now, const char *actor, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT instance_id, status, document_no IS NOT NULL,"
                            " handed_over_at IS NOT NULL FROM lg_cases WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, case_id);
  if (lg_store_step(st) != LG_ROW) {
    lg_store_done(st);
    return lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)case_id);
  }
  int64_t inst_id = lg_store_col_int(st, 0);
  char old[24];
  snprintf(old, sizeof old, "%s", lg_store_col_text(st, 1));
  bool numbered = lg_store_col_int(st, 2), handed = lg_store_col_int(st, 3);
  lg_store_done(st);
  if (inst_id <= 0) return 0;

  json_t *inst = NULL, *cfg = NULL;
  if ((rc = lg_flow_instance_json(s, inst_id, LG_FLOW_WITHOUT_VARIABLES, &inst, err))) goto done;
  if ((rc = lg_cases_config(s, &cfg, err))) goto done;
  if ((rc = steps_sync(s, case_id, inst, cfg, err))) goto done;
  const char *now_status = derive_status(inst, cfg, numbered, handed);
  if (strcmp(now_status, old) == 0) goto done;
  char ts[32];
  lg_time_iso(now, ts);
  if ((rc = lg_store_prepare(s, "UPDATE lg_cases SET status = ?, updated_at = ? WHERE id = ?", &st,
                             err)))
    goto done;
  lg_store_bind_text(st, 1, now_status);
  lg_store_bind_text(st, 2, ts);
  lg_store_bind_int(st, 3, case_id);
  if ((rc = lg_store_run_done(st, "更新案件状态失败", err))) goto done;
  rc = cs_event(s, case_id, now, actor, NULL, "status", 0, NULL,
                json_pack("{s:s, s:s, s:s}", "from", old, "to", now_status, "title",
                          lg_cases_status_title(now_status)),
                err);
  if (rc == 0) rc = cs_record(s, case_id, now, actor, NULL, "case.status", err);
  if (rc == 0) rc = cs_notify(s, case_id, old, now_status, now, actor, err);
done:
  json_decref(inst);
  json_decref(cfg);
  return rc;
}
