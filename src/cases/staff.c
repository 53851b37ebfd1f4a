/*
 * cases: who can act on a task, and the administrator's remedy when no one
 * can (issue 19: a joint review addressed to five departments, in a county
 * with reviewers for two, stalled silently).
 *
 * A task's holders are the enabled accounts that match one of its
 * candidate groups (src/auth's lg_auth_groups_match, the same test
 * lg_cases_act applies), or its assignee when it has one. A task with no
 * holder is "无人办理": the case page, the dashboard and the
 * administrator's page show it, and an administrator of the task's county
 * gives it to a named account (lg_cases_reassign), on the ledger.
 */
#include "cases/cases_int.h"

#include <string.h>

/* The accounts able to act on a task of `groups` held by `assignee` ("":
 * offered to its groups). */
static int holders_of(lg_store_t *s, const char *groups, const char *assignee, json_t *out,
                      lg_err_t *err) {
  lg_user_t *users = NULL;
  size_t n = 0;
  int rc = lg_auth_users(s, NULL, &users, &n, err);
  if (rc) return rc;
  for (size_t i = 0; i < n; i++) {
    if (users[i].disabled) continue;
    lg_subject_t who;
    lg_auth_subject_from_user(&users[i], &who);
    bool can = assignee && *assignee ? !strcmp(assignee, users[i].login)
                                     : lg_auth_groups_match(&who, groups);
    if (can)
      json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "login", users[i].login, "name",
                                           users[i].name, "role_title",
                                           lg_auth_role_title(users[i].role)));
  }
  lg_free(users);
  return 0;
}

int lg_cases_task_holders(lg_store_t *s, int64_t task_id, json_t **out, lg_err_t *err) {
  lg_case_task_ref_t tr;
  int rc = lg_cases_task_ref(s, task_id, &tr, err);
  if (rc) return rc;
  json_t *a = json_array();
  if ((rc = holders_of(s, tr.groups, tr.task.assignee, a, err))) {
    json_decref(a);
    return rc;
  }
  *out = a;
  return 0;
}

/* Adds "holders" and "unattended" to each open task of a case's JSON. */
int cs_tasks_holders(lg_store_t *s, json_t *tasks, lg_err_t *err) {
  size_t i;
  json_t *t;
  json_array_foreach(tasks, i, t) {
    json_t *h = NULL;
    int rc = lg_cases_task_holders(s, json_integer_value(json_object_get(t, "id")), &h, err);
    if (rc) return rc;
    json_object_set_new(t, "unattended", json_boolean(json_array_size(h) == 0));
    json_object_set_new(t, "holders", h);
  }
  return 0;
}

int lg_cases_unattended(lg_store_t *s, const lg_subject_t *who, json_t **out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT st.task_id, c.id, c.code, c.title, st.name,"
                            " coalesce(st.division, ''), st.created_at, coalesce(st.due_at, '')"
                            " FROM lg_case_steps st"
                            " JOIN lg_cases c ON c.id = st.case_id"
                            " WHERE st.status = 'open' ORDER BY st.task_id",
                            &st, err);
  if (rc) return rc;
  json_t *rows = json_array();
  while (lg_store_step(st) == LG_ROW) {
    json_array_append_new(
        rows, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "task_id",
                        (json_int_t)lg_store_col_int(st, 0), "case_id",
                        (json_int_t)lg_store_col_int(st, 1), "code", lg_store_col_text(st, 2),
                        "title", lg_store_col_text(st, 3), "name", lg_store_col_text(st, 4),
                        "division", lg_store_col_text(st, 5), "created_at",
                        lg_store_col_text(st, 6), "due_at", lg_store_col_text(st, 7)));
  }
  lg_store_done(st);
  json_t *res = json_array();
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    lg_case_task_ref_t tr;
    bool may = false;
    json_t *h = NULL;
    if ((rc = lg_cases_task_ref(s, json_integer_value(json_object_get(r, "task_id")), &tr, err)) ||
        (rc = lg_cases_allowed(s, who, &tr.c, "read", &may, NULL, err)))
      break;
    if (!may) continue;
    if ((rc = lg_cases_task_holders(s, tr.task_id, &h, err))) break;
    if (json_array_size(h) == 0) {
      json_object_set_new(r, "groups", json_string(tr.groups));
      json_array_append(res, r);
    }
    json_decref(h);
  }
  json_decref(rows);
  if (rc) {
    json_decref(res);
    return rc;
  }
  *out = res;
  return 0;
}

int lg_cases_reassign(lg_store_t *s, const lg_subject_t *who, int64_t task_id, const char *login,
                      const char *reason, lg_err_t *err) {
  if (!login || !*login) return lg_err_set(err, LG_EINVAL, "请选择办理人账号 (login)");
  if (lg_text_blank(reason))
    return lg_err_set(err, LG_EINVAL, "改派任务须说明理由: 理由为空或只有空格");
  lg_case_task_ref_t tr;
  int rc = lg_cases_task_ref(s, task_id, &tr, err);
  if (rc) return rc;
  if (tr.task.state != LG_FLOW_TASK_OPEN)
    return lg_err_set(err, LG_ECONFLICT, "任务 %lld (%s) 已办结或取消, 不能改派",
                      (long long)task_id, tr.name);
  lg_object_ref_t obj = {.division = tr.division};
  if ((rc = lg_auth_require(s, who, "task", "admin", &obj, err))) return rc;
  lg_user_t u;
  if ((rc = lg_auth_user_get(s, login, &u, err))) return rc;
  if (u.disabled) return lg_err_set(err, LG_EINVAL, "账号 %s 已停用, 不能接办任务", login);
  if (!strcmp(u.role, "applicant") || !strcmp(u.role, "public"))
    return lg_err_set(err, LG_EINVAL, "账号 %s 是%s, 不能办理审批任务", login,
                      lg_auth_role_title(u.role));
  if ((rc = lg_store_begin(s, err))) return rc;
  int64_t now = lg_now();
  if (!(rc = lg_flow_assign(s, task_id, u.login, who->login, err)) &&
      !(rc = cs_event(s, tr.c.id, now, who->login, who->role, "reassign", task_id, tr.node,
                      json_pack("{s:s, s:s, s:s, s:s?, s:s, s:I}", "assignee", u.login,
                                "assignee_name", u.name, "reason", reason, "previous",
                                tr.task.assignee[0] ? tr.task.assignee : NULL, "name", tr.name,
                                "task_id", (json_int_t)task_id),
                      err)) &&
      !(rc = cs_record(s, tr.c.id, now, who->login, who->role, "case.reassign", err)) &&
      !(rc = cs_sync(s, tr.c.id, now, who->login, err)))
    return lg_store_commit(s, err);
  lg_store_rollback(s);
  return rc;
}
