/*
 * The permission decision: roles, levels and actions, GB/T 2260 division
 * codes and what lies within what, and lg_auth_allowed, the one function
 * every permission check in landgov goes through. The rules themselves are
 * data (lg_auth_policy, seeded by migrations 40, 41, 42, 55 and the
 * modules' own, such as 100 of the stock module); this file
 * reads a cell and applies its scope to the object at hand, and changes a
 * cell with its ledger entry.
 */
#include "auth/auth_int.h"

#include <stdio.h>
#include <string.h>

static const char *const roles[] = {LG_AUTH_ROLES};
static const char *const role_titles[] = {"受理窗口", "部门审查",   "审批",
                                          "管理员",   "企业申请人", "公众"};
static const char *const levels[] = {LG_AUTH_LEVELS};
static const char *const level_titles[] = {"县级", "市级", "省级"};
static const char *const actions[] = {LG_AUTH_ACTIONS};
static const char *const action_titles[] = {"查看", "新建", "办理", "管理"};
static const char *const scopes[] = {"none", "own", "jurisdiction", "all"};

/* Chinese names of the resources the seed table knows, for messages; a
 * resource added later by a module shows under its own name. */
static const struct {
  const char *name, *title;
} resources[] = {
    {"layer", "图层"},        {"feature", "要素"},        {"check", "合规检查"},
    {"case", "案件"},         {"task", "审批任务"},       {"ledger", "存证账本"},
    {"user", "用户"},         {"rules", "规则集"},        {"process", "审批流程"},
    {"notice", "公告"},       {"progress", "办理进度"},   {"checkpoint", "存证检查点"},
    {"metrics", "审批效能"},  {"policy", "权限表"},       {"setting", "系统设置"},
    {"stock", "存量土地"},    {"quota", "指标银行"},      {"monitor", "监测预警"},
    {"industry", "产业用地"}, {"consol", "土地综合整治"},
};

/* The seeded table (migrations 40, 41, 42 and 55 of src/store/schema.c,
 * drawn in auth.h): per resource, one cell per role in the order of
 * LG_AUTH_ROLES, each four letters for read, create, act, admin (a all,
 * j jurisdiction, o own, - none). The ledger audit compares cells never
 * changed through landgov with these; test_policy checks that a new store
 * holds exactly this, so a migration that seeds a new resource without
 * adding it here is caught by the tests. */
static const struct {
  const char *resource;
  const char *cells[6]; /* clerk reviewer approver admin applicant public */
} seed[] = {
    {"layer", {"a---", "a---", "a---", "ajjj", "----", "----"}},
    {"feature", {"a---", "a---", "a---", "ajjj", "----", "----"}},
    {"check", {"jj--", "jj--", "jj--", "jj-j", "oo--", "----"}},
    {"case", {"jjj-", "j---", "j---", "j--j", "ooo-", "----"}},
    {"task", {"j-j-", "j-j-", "j-j-", "j--j", "o-o-", "----"}},
    {"ledger", {"j---", "j---", "j---", "j--j", "o---", "----"}},
    {"user", {"o-o-", "o-o-", "o-o-", "jjjj", "o-o-", "----"}},
    {"rules", {"a---", "a---", "a---", "ajjj", "a---", "----"}},
    {"process", {"a---", "a---", "a---", "ajjj", "a---", "----"}},
    {"notice", {"ajj-", "a---", "a---", "ajjj", "a---", "a---"}},
    {"progress", {"a---", "a---", "a---", "a---", "a---", "a---"}},
    {"checkpoint", {"a---", "a---", "a---", "a---", "a---", "a---"}},
    {"metrics", {"j---", "j---", "j---", "j--j", "----", "----"}},
    {"policy", {"----", "----", "----", "j--j", "----", "----"}},
    {"setting", {"----", "----", "----", "j--j", "----", "----"}},
    /* Migration 100 (src/store/schema_stock.c): approvals, supplies and
     * the stock ledgers; staff record and act within their county. */
    {"stock", {"jjj-", "jjj-", "jjj-", "jjjj", "----", "----"}},
    /* Migration 140 (src/store/schema_quota.c): the quota bank. */
    {"quota", {"j---", "j---", "jjj-", "j--j", "----", "----"}},
    /* Migration 180 (src/store/schema_monitor.c): change patches, alerts
     * and enforcement; staff import, detect and act within their county. */
    {"monitor", {"jjj-", "jjj-", "jjj-", "jjjj", "----", "----"}},
    /* Migration 120 (src/store/schema_industry.c): standard land,
     * commitments, acceptances, per-mu evaluation; as stock. */
    {"industry", {"jjj-", "jjj-", "jjj-", "jjjj", "----", "----"}},
    /* Migration 160 (src/store/schema_consol.c): land consolidation
     * projects; clerks and approvers register and advance them. */
    {"consol", {"jjj-", "j---", "jjj-", "jjjj", "----", "----"}},
};

static int index_of(const char *const *list, size_t n, const char *s) {
  if (!s) return -1;
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0) return (int)i;
  return -1;
}

bool lg_auth_role_valid(const char *role) {
  return index_of(roles, LG_ARRAY_LEN(roles), role) >= 0;
}

const char *lg_auth_role_title(const char *role) {
  int i = index_of(roles, LG_ARRAY_LEN(roles), role);
  return i < 0 ? "" : role_titles[i];
}

bool lg_auth_level_valid(const char *level) {
  return index_of(levels, LG_ARRAY_LEN(levels), level) >= 0;
}

const char *lg_auth_level_title(const char *level) {
  int i = index_of(levels, LG_ARRAY_LEN(levels), level);
  return i < 0 ? "" : level_titles[i];
}

bool lg_auth_action_valid(const char *action) {
  return index_of(actions, LG_ARRAY_LEN(actions), action) >= 0;
}

static const char *action_title(const char *action) {
  int i = index_of(actions, LG_ARRAY_LEN(actions), action);
  return i < 0 ? action : action_titles[i];
}

static const char *resource_title(const char *resource) {
  for (size_t i = 0; i < LG_ARRAY_LEN(resources); i++)
    if (strcmp(resources[i].name, resource) == 0) return resources[i].title;
  return resource;
}

const char *lg_auth_policy_default(const char *role, const char *resource, const char *action) {
  int r = index_of(roles, LG_ARRAY_LEN(roles), role);
  int a = index_of(actions, LG_ARRAY_LEN(actions), action);
  if (r < 0 || a < 0 || !resource) return NULL;
  for (size_t i = 0; i < LG_ARRAY_LEN(seed); i++) {
    if (strcmp(seed[i].resource, resource) != 0) continue;
    switch (seed[i].cells[r][a]) {
    case 'a':
      return "all";
    case 'j':
      return "jurisdiction";
    case 'o':
      return "own";
    default:
      return "none";
    }
  }
  return NULL;
}

const char *lg_auth_scope_name(int scope) {
  return scope >= 0 && scope < (int)LG_ARRAY_LEN(scopes) ? scopes[scope] : "none";
}

int lg_auth_scope_parse(const char *name, int *scope, lg_err_t *err) {
  int i = index_of(scopes, LG_ARRAY_LEN(scopes), name);
  if (i < 0)
    return lg_err_set(err, LG_EINVAL, "权限范围 \"%s\" 无效: 应为 none、own、jurisdiction 或 all",
                      name ? name : "");
  *scope = i;
  return 0;
}

int lg_auth_dept_get(lg_store_t *s, const char *code, bool *found, char **title, lg_err_t *err) {
  lg_stmt_t *st;
  *found = false;
  if (title) *title = NULL;
  int rc = lg_store_prepare(s, "SELECT title FROM lg_departments WHERE code = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, code ? code : "");
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    *found = true;
    if (title) *title = lg_strdup(lg_store_col_text(st, 0));
  } else if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "查询部门失败");
  }
  lg_store_done(st);
  return rc;
}

/* ---- Division codes ------------------------------------------------------
 * GB/T 2260 gives provinces, cities and counties two digits each, written
 * as six with trailing zeros for the higher levels (360000 Jiangxi, 360700
 * Ganzhou, 360781 Ruijin); GB/T 10114 adds three digits for a township and
 * the statistical code three for a village. Significant digits make
 * "lies within" a plain prefix test. */

int lg_auth_division_normalize(const char *code, char out[16], const char *what, lg_err_t *err) {
  size_t n = code ? strlen(code) : 0;
  bool ok = n == 2 || n == 4 || n == 6 || n == 9 || n == 12;
  for (size_t i = 0; ok && i < n; i++)
    if (code[i] < '0' || code[i] > '9') ok = false;
  char buf[16] = {0};
  if (ok) {
    memcpy(buf, code, n);
    while ((n == 12 || n == 9) && memcmp(buf + n - 3, "000", 3) == 0)
      n -= 3;
    while ((n == 6 || n == 4) && memcmp(buf + n - 2, "00", 2) == 0)
      n -= 2;
    buf[n] = '\0';
    ok = memcmp(buf, "00", 2) != 0;
  }
  if (!ok) {
    lg_err_set(err, LG_EINVAL,
               "%s%s行政区划代码 \"%.32s\" 无效: 应为 2 位 (省)、4 位 (市)、6 位 (县) 或 9 位 "
               "(乡镇) 数字 (GB/T 2260)",
               what ? what : "", what ? ": " : "", code ? code : "");
    if (what) lg_err_where(err, "%s", what);
    return LG_EINVAL;
  }
  memcpy(out, buf, n + 1);
  return 0;
}

bool lg_auth_division_within(const char *outer, const char *inner) {
  char o[16], i[16];
  if (lg_auth_division_normalize(outer, o, NULL, NULL) ||
      lg_auth_division_normalize(inner, i, NULL, NULL))
    return false;
  return strncmp(i, o, strlen(o)) == 0;
}

/* ---- Subjects and scopes ------------------------------------------------- */

void lg_auth_subject_public(lg_subject_t *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->role, sizeof out->role, "public");
}

void lg_auth_subject_console(lg_subject_t *out, const char *name) {
  memset(out, 0, sizeof *out);
  snprintf(out->login, sizeof out->login, "%s", name && *name ? name : "console");
  snprintf(out->role, sizeof out->role, "console");
  snprintf(out->via, sizeof out->via, "console");
}

static bool set(const char *s) { return s && *s; }

bool lg_auth_group_matches(const lg_subject_t *who, const char *group) {
  if (!group) return false;
  while (*group == ' ')
    group++;
  size_t n = strlen(group);
  while (n > 0 && group[n - 1] == ' ')
    n--;
  if (n == 0 || n >= 128) return false;
  char g[128];
  memcpy(g, group, n);
  g[n] = '\0';
  char *at = strchr(g, '@');
  if (at) *at++ = '\0';
  char *qual = strchr(g, ':');
  if (qual) *qual++ = '\0';
  if (!lg_auth_role_valid(g) || strcmp(who->role, g) != 0) return false;
  if (qual) {
    const char *mine = strcmp(g, "reviewer") == 0    ? who->dept
                       : strcmp(g, "approver") == 0  ? who->level
                       : strcmp(g, "applicant") == 0 ? who->enterprise
                                                     : "";
    if (!*qual || strcmp(qual, mine) != 0) return false;
  }
  if (at) {
    char a[16], b[16];
    if (lg_auth_division_normalize(at, a, NULL, NULL) ||
        lg_auth_division_normalize(who->division, b, NULL, NULL) || strcmp(a, b) != 0)
      return false;
  }
  return true;
}

bool lg_auth_groups_match(const lg_subject_t *who, const char *groups) {
  if (!groups) return false;
  const char *p = groups;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len < 128) {
      char one[128];
      memcpy(one, p, len);
      one[len] = '\0';
      if (lg_auth_group_matches(who, one)) return true;
    }
    if (!e) return false;
    p = e + 1;
  }
}

/* A task addressed to a role, department, level or candidate groups may
 * be acted on only by a subject that has them. */
static bool addressed_to(const lg_subject_t *who, const lg_object_ref_t *obj) {
  if (set(obj->role) && strcmp(who->role, obj->role) != 0) return false;
  if (set(obj->dept) && strcmp(who->dept, obj->dept) != 0) return false;
  if (set(obj->level) && strcmp(who->level, obj->level) != 0) return false;
  if (set(obj->groups) && !lg_auth_groups_match(who, obj->groups)) return false;
  return true;
}

bool lg_auth_scope_reaches(const lg_subject_t *who, int scope, const char *action,
                           const lg_object_ref_t *obj) {
  if (scope <= LG_SCOPE_NONE || scope > LG_SCOPE_ALL) return false;
  if (!obj) return true;
  if (action && strcmp(action, "act") == 0 && !addressed_to(who, obj)) return false;
  switch (scope) {
  case LG_SCOPE_ALL:
    return true;
  case LG_SCOPE_JURISDICTION:
    return set(who->division) && set(obj->division) &&
           lg_auth_division_within(who->division, obj->division);
  case LG_SCOPE_OWN:
    if (who->user_id > 0 && obj->user_id == who->user_id) return true;
    return set(who->enterprise) && set(obj->enterprise) &&
           strcmp(who->enterprise, obj->enterprise) == 0;
  }
  return false;
}

static int check_question(const lg_subject_t *who, const char *resource, const char *action,
                          lg_err_t *err) {
  if (!who || !lg_auth_role_valid(who->role))
    return lg_err_set(err, LG_EINVAL, "权限判断: 角色 \"%s\" 无效", who ? who->role : "(无)");
  if (!lg_auth_action_valid(action))
    return lg_err_set(err, LG_EINVAL, "权限判断: 操作 \"%s\" 无效: 应为 read、create、act 或 admin",
                      action ? action : "");
  if (!set(resource)) return lg_err_set(err, LG_EINVAL, "权限判断: 缺少资源名");
  return 0;
}

int lg_auth_scope(lg_store_t *s, const lg_subject_t *who, const char *resource, const char *action,
                  int *scope, lg_err_t *err) {
  *scope = LG_SCOPE_NONE;
  int rc = check_question(who, resource, action, err);
  if (rc) return rc;
  lg_stmt_t *st = NULL;
  rc = lg_store_prepare(
      s,
      "SELECT scope FROM lg_auth_policy WHERE role = ? AND resource = ? AND action = ?"
      " UNION ALL SELECT NULL WHERE NOT EXISTS"
      " (SELECT 1 FROM lg_auth_policy WHERE resource = ?2)",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, who->role);
  lg_store_bind_text(st, 2, resource);
  lg_store_bind_text(st, 3, action);
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    const char *name = lg_store_col_text(st, 0);
    if (!name)
      rc = lg_err_set(err, LG_EINVAL, "权限表 lg_auth_policy 中没有资源 \"%s\" (拼写错误?)",
                      resource);
    else
      rc = lg_auth_scope_parse(name, scope, err);
  } else if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "读取权限表失败");
  }
  /* No row for a known resource: denied, as everything not granted is. */
  lg_store_done(st);
  return rc;
}

int lg_auth_allowed(lg_store_t *s, const lg_subject_t *who, const char *resource,
                    const char *action, const lg_object_ref_t *obj, bool *allowed, lg_err_t *err) {
  int scope;
  *allowed = false;
  int rc = lg_auth_scope(s, who, resource, action, &scope, err);
  if (rc) return rc;
  *allowed = lg_auth_scope_reaches(who, scope, action, obj);
  return 0;
}

int lg_auth_require(lg_store_t *s, const lg_subject_t *who, const char *resource,
                    const char *action, const lg_object_ref_t *obj, lg_err_t *err) {
  bool ok;
  int rc = lg_auth_allowed(s, who, resource, action, obj, &ok, err);
  if (rc || ok) return rc;
  char subj[200], what[200] = "";
  if (who->user_id > 0)
    snprintf(subj, sizeof subj, "%s %s (%s)", lg_auth_role_title(who->role), who->login,
             who->division);
  else
    snprintf(subj, sizeof subj, "%s", lg_auth_role_title(who->role));
  if (obj && set(obj->division))
    snprintf(what, sizeof what, " (行政区 %s)", obj->division);
  else if (obj && set(obj->enterprise))
    snprintf(what, sizeof what, " (企业 %s)", obj->enterprise);
  lg_err_set(err, LG_EPERM, "%s 无权%s%s%s", subj, action_title(action), resource_title(resource),
             what);
  lg_err_where(err, "%s.%s", resource, action);
  return LG_EPERM;
}

/* Appends text as an SQL string literal. */
void lg_auth_filter_make(const lg_subject_t *who, int scope, lg_auth_filter_t *out) {
  memset(out, 0, sizeof *out);
  out->kind = "none";
  if (scope == LG_SCOPE_ALL) {
    out->kind = "all";
  } else if (scope == LG_SCOPE_JURISDICTION && who && set(who->division) &&
             lg_auth_division_normalize(who->division, out->division, NULL, NULL) == 0) {
    out->kind = "jurisdiction";
  } else if (scope == LG_SCOPE_OWN && who && set(who->enterprise)) {
    out->kind = "own";
    snprintf(out->enterprise, sizeof out->enterprise, "%s", who->enterprise);
  }
}

/* ---- Editing the policy --------------------------------------------------- */

static bool resource_name_ok(const char *r) {
  size_t n = r ? strlen(r) : 0;
  if (n == 0 || n > 31) return false;
  for (size_t i = 0; i < n; i++)
    if (!((r[i] >= 'a' && r[i] <= 'z') || r[i] == '_')) return false;
  return true;
}

int lg_auth_policy_set(lg_store_t *s, const char *role, const char *resource, const char *action,
                       const char *scope, const lg_subject_t *by, lg_err_t *err) {
  int sc = LG_SCOPE_NONE; /* set by lg_auth_scope_parse; GCC 12 cannot tell at -O2 */
  if (!lg_auth_role_valid(role))
    return lg_err_set(err, LG_EINVAL,
                      "角色 \"%s\" 无效: 应为 clerk、reviewer、approver、admin、"
                      "applicant 或 public",
                      role ? role : "");
  if (!resource_name_ok(resource))
    return lg_err_set(err, LG_EINVAL, "资源名 \"%s\" 无效: 应为小写字母和下划线",
                      resource ? resource : "");
  if (!lg_auth_action_valid(action))
    return lg_err_set(err, LG_EINVAL, "操作 \"%s\" 无效: 应为 read、create、act 或 admin",
                      action ? action : "");
  int rc = lg_auth_scope_parse(scope, &sc, err);
  if (rc) return rc;
  /* The public has no account, so no "own" and no jurisdiction; and an
   * anonymous caller may look, never change. */
  if (strcmp(role, "public") == 0 && sc != LG_SCOPE_NONE &&
      (strcmp(action, "read") != 0 || sc != LG_SCOPE_ALL))
    return lg_err_set(err, LG_EINVAL, "公众 (匿名) 只能被授予 read 操作的 all 或 none 范围");
  /* The table's place for the entry: the store's whole division, so that
   * those whose jurisdiction holds it can read who changed what. */
  char top[16] = "";
  lg_stmt_t *st = NULL;
  if ((rc = lg_auth_store_division(s, top, err))) return rc;
  if ((rc = lg_store_begin(s, err))) return rc;
  rc = lg_store_prepare(s,
                        "INSERT INTO lg_auth_policy(role, resource, action, scope) VALUES (?,?,?,?)"
                        " ON CONFLICT(role, resource, action) DO UPDATE SET scope = excluded.scope",
                        &st, err);
  if (rc) goto done;
  lg_store_bind_text(st, 1, role);
  lg_store_bind_text(st, 2, resource);
  lg_store_bind_text(st, 3, action);
  lg_store_bind_text(st, 4, scope);
  if (lg_store_step(st) != LG_DONE) {
    rc = lg_store_fail(s, err, "保存权限表失败");
    goto done;
  }
  char id[80];
  snprintf(id, sizeof id, "%s:%s:%s", role, resource, action);
  json_t *state = auth_policy_state(role, resource, action, scope);
  rc = auth_record(s, by, "policy.set", "policy", id, top, state, err);
  json_decref(state);
  if (rc == 0) rc = lg_store_commit(s, err);
done:
  lg_store_done(st);
  if (rc) lg_store_rollback(s);
  return rc;
}

json_t *auth_policy_state(const char *role, const char *resource, const char *action,
                          const char *scope) {
  return json_pack("{s:s, s:s, s:s, s:s}", "role", role, "resource", resource, "action", action,
                   "scope", scope);
}

int lg_auth_policy_list(lg_store_t *s, lg_policy_row_t **rows, size_t *n, lg_err_t *err) {
  *rows = NULL;
  *n = 0;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT role, resource, action, scope FROM lg_auth_policy"
                            " ORDER BY role, resource, action",
                            &st, err);
  if (rc) return rc;
  LG_VEC(lg_policy_row_t) v = {0};
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    lg_policy_row_t r;
    auth_col_text(st, 0, r.role, sizeof r.role);
    auth_col_text(st, 1, r.resource, sizeof r.resource);
    auth_col_text(st, 2, r.action, sizeof r.action);
    auth_col_text(st, 3, r.scope, sizeof r.scope);
    lg_vec_push(&v, r);
  }
  if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "读取权限表失败");
    lg_free(v.items);
  } else {
    *rows = v.items;
    *n = v.len;
  }
  lg_store_done(st);
  return rc;
}
