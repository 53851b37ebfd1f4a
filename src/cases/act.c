/*
 * Acting on a case: completing a step of its process with an outcome, and
 * handing in materials that were deferred. The rules of the window live
 * here, where the materials are: a case is accepted only with every
 * required item handed in; deferral (容缺受理) is for the configured
 * ratings (A) and non-core items only, and starts the period at the end
 * of which the penalty falls due; a return, a rejection and a veto must
 * say why. What a person submits reaches the process only through a short
 * list of names, so that no one can set the variables that route a case.
 */
#include "cases/cases_int.h"

#include <stdio.h>
#include <string.h>

/* Variables a person may hand to the process with an outcome. */
static const char *const passed_vars[] = {"comment", "opinion", "conditions", "objections",
                                          "members"};

static int load_case_row(lg_store_t *s, int64_t id, char rating[4], char status[24],
                         int64_t *instance, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "SELECT rating, status, coalesce(instance_id, 0) FROM lg_cases WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    snprintf(rating, 4, "%s", lg_store_col_text(st, 0));
    snprintf(status, 24, "%s", lg_store_col_text(st, 1));
    *instance = lg_store_col_int(st, 2);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

/* Kinds of required items not handed in (state missing), and whether any
 * of them is core. */
static int missing_items(lg_store_t *s, int64_t id, json_t **kinds, json_t **names, bool *core,
                         lg_err_t *err) {
  *kinds = json_array();
  *names = json_array();
  *core = false;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT kind, name, core FROM lg_case_materials WHERE case_id = ?"
                            " AND required = 1 AND state = 'missing' ORDER BY id",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW) {
    json_array_append_new(*kinds, cs_col_text(st, 0));
    json_array_append_new(*names, cs_col_text(st, 1));
    if (lg_store_col_int(st, 2)) *core = true;
  }
  lg_store_done(st);
  return 0;
}

static char *join_names(const json_t *arr) {
  lg_buf_t b;
  lg_buf_init(&b);
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v) lg_buf_printf(&b, "%s%s", i ? "、" : "", json_string_value(v));
  return b.data ? lg_buf_steal(&b) : lg_strdup("");
}

/* Marks the deferred items with the deadline the engine armed for them. */
static int set_deferred(lg_store_t *s, int64_t case_id, int64_t inst, const json_t *kinds,
                        lg_err_t *err) {
  /* The deferral period: the timer the gateway of the materials waits on. */
  lg_flow_wait_t *waits = NULL;
  size_t nw = 0;
  int rc = lg_flow_waits_pending(s, inst, &waits, &nw, err);
  if (rc) return rc;
  const char *due = NULL;
  for (size_t i = 0; i < nw; i++)
    if (waits[i].kind == LG_FLOW_WAIT_TIMER && waits[i].source == LG_FLOW_FROM_GATEWAY &&
        waits[i].due_at[0])
      due = waits[i].due_at;
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "UPDATE lg_case_materials SET state = 'deferred', due_at = ?"
                             " WHERE case_id = ? AND kind = ?",
                             &st, err)) == 0) {
    size_t i;
    const json_t *k;
    json_array_foreach(kinds, i, k) {
      cs_bind_text(st, 1, due);
      lg_store_bind_int(st, 2, case_id);
      lg_store_bind_text(st, 3, json_string_value(k));
      if (lg_store_step(st) != LG_DONE) {
        rc = lg_store_fail(s, err, "记录容缺材料失败");
        break;
      }
      lg_store_reset(st);
    }
    lg_store_done(st);
  }
  lg_free(waits);
  return rc;
}

/* The window's checks before the engine moves. *deferred receives the
 * kinds to mark deferred once it has. */
static int window_rules(lg_store_t *s, const json_t *cfg, int64_t case_id, const char *rating,
                        const char *action, const json_t *vars, json_t **deferred, lg_err_t *err) {
  *deferred = NULL;
  if (strcmp(action, "accept") && strcmp(action, "defer")) return 0;
  json_t *kinds = NULL, *names = NULL;
  bool core = false;
  int rc = missing_items(s, case_id, &kinds, &names, &core, err);
  if (rc) goto done;
  char *list = join_names(names);
  if (!strcmp(action, "accept")) {
    if (json_array_size(kinds))
      rc = lg_err_set(err, LG_EINVAL,
                      "材料不全, 不能受理: 缺少 %s; 请退回补正 (return), 或对信用 A 级申请人的"
                      "非核心材料容缺受理 (defer)",
                      list);
    lg_free(list);
    goto done;
  }
  /* defer */
  if (!cs_list_has(cs_cfg(cfg, "deferral.ratings"), rating)) {
    rc = lg_err_set(err, LG_EINVAL, "申请人信用等级为 %s, 不适用容缺受理 (仅限 A 级: %s)", rating,
                    cs_cfg_str(cfg, "deferral.basis", ""));
  } else if (json_array_size(kinds) == 0) {
    rc = lg_err_set(err, LG_EINVAL, "材料已齐全, 无需容缺受理; 请直接受理 (accept)");
  } else if (core) {
    rc = lg_err_set(err, LG_EINVAL, "缺少的材料中有核心材料, 不能容缺受理: %s", list);
  }
  lg_free(list);
  if (rc) goto done;
  const json_t *want = json_object_get(vars, "deferred");
  if (want) {
    /* Only items actually missing may be deferred; every missing item
     * must be, or the case is not complete enough to accept. */
    size_t i;
    const json_t *k;
    json_array_foreach(want, i, k) {
      if (!cs_list_has(kinds, json_string_value(k))) {
        rc = lg_err_set(err, LG_EINVAL, "材料 \"%s\" 不是缺少的非核心材料, 不能容缺",
                        json_string_value(k) ? json_string_value(k) : "(非文本)");
        lg_err_where(err, "deferred[%zu]", i);
        goto done;
      }
    }
    if (json_array_size(want) != json_array_size(kinds)) {
      rc = lg_err_set(err, LG_EINVAL, "缺少的材料须全部列入容缺清单 (deferred), 否则不能受理");
      goto done;
    }
  }
  *deferred = json_incref(kinds);
done:
  json_decref(kinds);
  json_decref(names);
  return rc;
}

static int objections_rule(const char *node, const json_t *vars, lg_err_t *err) {
  if (strcmp(node, "Task_Objections")) return 0;
  const json_t *o = json_object_get(vars, "objections"), *m = json_object_get(vars, "members");
  if (!json_is_integer(o) || !json_is_integer(m) || json_integer_value(m) <= 0 ||
      json_integer_value(o) < 0 || json_integer_value(o) > json_integer_value(m))
    return lg_err_set(
        err, LG_EINVAL,
        "登记异议须填写 objections (持异议的成员数) 和 members (集体经济组织成员总数), "
        "0 <= objections <= members (《土地管理法实施条例》第二十七条: 过半数"
        "成员有异议的应组织听证)");
  return 0;
}

static int set_updated(lg_store_t *s, int64_t case_id, int64_t now, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "UPDATE lg_cases SET updated_at = ? WHERE id = ?", &st, err);
  if (rc) return rc;
  char ts[32];
  lg_time_iso(now, ts);
  lg_store_bind_text(st, 1, ts);
  lg_store_bind_int(st, 2, case_id);
  return lg_store_run_done(st, "更新案件失败", err);
}

int lg_cases_act(lg_store_t *s, const lg_subject_t *who, int64_t task_id, const char *action,
                 const char *reason, const json_t *vars, lg_err_t *err) {
  if (!action || !*action) return lg_err_set(err, LG_EINVAL, "缺少办理结论 (action)");
  if (vars && !json_is_object(vars)) return lg_err_set(err, LG_EINVAL, "vars 应为 JSON 对象");
  lg_case_task_ref_t tr;
  int rc = lg_cases_task_ref(s, task_id, &tr, err);
  if (rc) return rc;
  if (!strcmp(action, "supply"))
    return lg_cases_supply(s, who, tr.c.id, json_object_get(vars, "materials"), err);

  json_t *cfg = NULL, *deferred = NULL, *fvars = NULL;
  bool in_tx = false;
  if ((rc = lg_cases_config(s, &cfg, err))) goto done;
  if (tr.task.state != LG_FLOW_TASK_OPEN) {
    rc = lg_err_set(err, LG_ECONFLICT, "任务 %lld (%s) 已%s, 不能再办理", (long long)task_id,
                    tr.name, tr.task.state == LG_FLOW_TASK_COMPLETED ? "办结" : "取消");
    goto done;
  }
  const char *assignee = tr.task.assignee[0] ? tr.task.assignee : NULL;
  bool held = assignee && !strcmp(assignee, who->login);
  if (!held && (assignee || !lg_auth_groups_match(who, tr.groups))) {
    rc = lg_err_set(err, LG_EPERM, "%s %s (%s) 不在任务 %lld (%s) 的候选组 %s 中, 不能办理",
                    lg_auth_role_title(who->role), who->login, who->division, (long long)task_id,
                    tr.name, assignee ? assignee : tr.groups);
    goto done;
  }
  bool multi = tr.task.loop_index >= 0;
  json_t *allowed = cs_task_actions(cfg, tr.node, multi);
  bool ok = cs_list_has(allowed, action);
  char *list = NULL;
  if (!ok) {
    lg_buf_t b;
    lg_buf_init(&b);
    size_t i;
    const json_t *a;
    json_array_foreach(allowed, i, a)
        lg_buf_printf(&b, "%s%s", i ? "、" : "", json_string_value(a));
    list = b.data ? lg_buf_steal(&b) : lg_strdup("");
  }
  json_decref(allowed);
  if (!ok) {
    rc =
        lg_err_set(err, LG_EINVAL, "环节 %s 的办理结论应为 %s, 得到 \"%s\"", tr.name, list, action);
    lg_err_where(err, "action");
    lg_free(list);
    goto done;
  }
  if (cs_list_has(cs_cfg(cfg, "task_actions.reason_required"), action) && lg_text_blank(reason)) {
    rc = lg_err_set(err, LG_EINVAL, "结论「%s」须说明理由: 理由为空或只有空格",
                    lg_cases_action_title(action));
    lg_err_where(err, "reason");
    goto done;
  }
  if ((rc = objections_rule(tr.node, vars, err))) goto done;

  if ((rc = lg_store_begin(s, err))) goto done;
  in_tx = true;
  char rating[4], status[24];
  int64_t inst = 0;
  if ((rc = load_case_row(s, tr.c.id, rating, status, &inst, err))) goto done;
  if (!strcmp(tr.node, "Task_Accept") &&
      (rc = window_rules(s, cfg, tr.c.id, rating, action, vars, &deferred, err)))
    goto done;

  fvars = json_object();
  for (size_t i = 0; i < LG_ARRAY_LEN(passed_vars); i++) {
    json_t *v = json_object_get(vars, passed_vars[i]);
    if (v) json_object_set(fvars, passed_vars[i], v);
  }
  if (!lg_text_blank(reason)) json_object_set_new(fvars, "reason", json_string(reason));
  /* On failure the engine undid its own part (a savepoint); the case's
   * own writes go below. */
  if ((rc = lg_flow_complete(s, task_id, who->login, action, fvars, err))) goto done;
  int64_t now = lg_now();
  if (deferred && (rc = set_deferred(s, tr.c.id, inst, deferred, err))) goto done;
  json_t *detail = json_pack("{s:s, s:s, s:s, s:I}", "action", action, "node", tr.node, "name",
                             tr.name, "task_id", (json_int_t)task_id);
  if (!lg_text_blank(reason)) json_object_set_new(detail, "reason", json_string(reason));
  if (deferred) json_object_set(detail, "deferred", deferred);
  if (json_object_size(fvars)) json_object_set(detail, "vars", fvars);
  if ((rc = cs_event(s, tr.c.id, now, who->login, who->role, "act", task_id, tr.node, detail, err)))
    goto done;
  if ((rc = set_updated(s, tr.c.id, now, err))) goto done;
  if (deferred && (rc = cs_record(s, tr.c.id, now, who->login, who->role, "case.defer", err)))
    goto done;
  if ((rc = cs_sync(s, tr.c.id, now, who->login, err))) goto done;
  rc = lg_store_commit(s, err);
  in_tx = false;
done:
  if (in_tx) lg_store_rollback(s);
  json_decref(fvars);
  json_decref(deferred);
  json_decref(cfg);
  return rc;
}

/* Whether the process waits for the deferred materials (it does not when
 * none were deferred, the period is over, or it has ended). */
static bool waits_for_materials(lg_store_t *s, int64_t inst) {
  lg_flow_wait_t *waits = NULL;
  size_t n = 0;
  if (lg_flow_waits_pending(s, inst, &waits, &n, NULL) != 0) return false;
  bool waiting = false;
  for (size_t i = 0; i < n; i++)
    if (waits[i].kind == LG_FLOW_WAIT_MESSAGE && !strcmp(waits[i].message, "supply_materials"))
      waiting = true;
  lg_free(waits);
  return waiting;
}

int lg_cases_supply(lg_store_t *s, const lg_subject_t *who, int64_t case_id, const json_t *kinds,
                    lg_err_t *err) {
  if (kinds && !json_is_array(kinds))
    return lg_err_set(err, LG_EINVAL, "materials 应为材料种类的列表");
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  bool in_tx = true;
  json_t *done_kinds = json_array();
  char rating[4], status[24];
  int64_t inst = 0;
  if ((rc = load_case_row(s, case_id, rating, status, &inst, err))) goto done;
  int64_t now = lg_now();
  char ts[32];
  lg_time_iso(now, ts);
  /* Which items: those named, or every one not handed in. */
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "SELECT kind, state FROM lg_case_materials WHERE case_id = ?"
                             " AND state IN ('deferred', 'missing') ORDER BY id",
                             &st, err)))
    goto done;
  lg_store_bind_int(st, 1, case_id);
  json_t *open = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(open, cs_col_text(st, 0));
  lg_store_done(st);
  if (kinds) {
    size_t i;
    const json_t *k;
    json_array_foreach(kinds, i, k) {
      if (!cs_list_has(open, json_string_value(k))) {
        rc = lg_err_set(err, LG_EINVAL, "材料 \"%s\" 不是待补正的材料 (已提交或不在清单中)",
                        json_string_value(k) ? json_string_value(k) : "(非文本)");
        lg_err_where(err, "materials[%zu]", i);
        break;
      }
      json_array_append(done_kinds, (json_t *)k);
    }
  } else {
    json_array_extend(done_kinds, open);
  }
  json_decref(open);
  if (rc) goto done;
  if (json_array_size(done_kinds) == 0) {
    rc = lg_err_set(err, LG_EINVAL, "案件没有待补正的材料");
    goto done;
  }
  if ((rc = lg_store_prepare(s,
                             "UPDATE lg_case_materials SET state = 'supplied', supplied_at = ?,"
                             " supplied_by = ? WHERE case_id = ? AND kind = ?",
                             &st, err)))
    goto done;
  size_t i;
  const json_t *k;
  json_array_foreach(done_kinds, i, k) {
    lg_store_bind_text(st, 1, ts);
    lg_store_bind_text(st, 2, who->login);
    lg_store_bind_int(st, 3, case_id);
    lg_store_bind_text(st, 4, json_string_value(k));
    if (lg_store_step(st) != LG_DONE) {
      rc = lg_store_fail(s, err, "记录补正材料失败");
      break;
    }
    lg_store_reset(st);
  }
  lg_store_done(st);
  if (rc) goto done;
  if ((rc = set_updated(s, case_id, now, err))) goto done;
  /* The last deferred item in: the process stops waiting for it. */
  int left = 0;
  if ((rc = lg_store_prepare(s,
                             "SELECT count(*) FROM lg_case_materials WHERE case_id = ?"
                             " AND state = 'deferred'",
                             &st, err)))
    goto done;
  lg_store_bind_int(st, 1, case_id);
  if (lg_store_step(st) == LG_ROW) left = lg_store_col_int(st, 0);
  lg_store_done(st);
  bool messaged = false;
  if (left == 0 && inst > 0 && waits_for_materials(s, inst)) {
    /* On failure the engine rolls the whole transaction back. */
    json_t *mv = json_pack("{s:O}", "supplied", done_kinds);
    rc = lg_flow_message(s, inst, "supply_materials", mv, who->login, err);
    json_decref(mv);
    if (rc) {
      in_tx = false;
      goto done;
    }
    messaged = true;
  }
  rc =
      cs_event(s, case_id, now, who->login, who->role, "supply", 0, NULL,
               json_pack("{s:O, s:b}", "materials", done_kinds, "process_notified", messaged), err);
  if (rc == 0) rc = cs_record(s, case_id, now, who->login, who->role, "case.supply", err);
  if (rc == 0) rc = cs_sync(s, case_id, now, who->login, err);
  if (rc == 0) rc = lg_store_commit(s, err);
  in_tx = false;
done:
  if (in_tx) lg_store_rollback(s);
  json_decref(done_kinds);
  return rc;
}
