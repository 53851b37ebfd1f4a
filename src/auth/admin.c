/*
 * Administration of the store as a whole: which division the store
 * serves and so who may change what is store-wide (the policy table and
 * the settings), the settings an administrator may tune with their
 * ranges, the ledger entries of every administrative change (accounts,
 * policy cells, settings) and the auditors that let `landgov ledger
 * audit` find such changes made behind landgov's back.
 *
 * A county's administrator manages the accounts of its county; the
 * table and the settings decide for every county at once, so they are
 * changed only by an administrator whose jurisdiction holds the whole
 * store (in a provincial deployment, the province's), and the two rows of
 * the table that say so only from the server's console.
 */
#include "auth/auth_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Ledger entries -------------------------------------------------------- */

int auth_record(lg_store_t *s, const lg_subject_t *by, const char *action, const char *type,
                const char *id, const char *jurisdiction, const json_t *state, lg_err_t *err) {
  lg_ledger_event_t ev = {.actor = by && by->login[0] ? by->login : "system",
                          .role = by ? by->role : "",
                          .jurisdiction = jurisdiction ? jurisdiction : "",
                          .action = action,
                          .object_type = type,
                          .object_id = id,
                          .state = state};
  return lg_ledger_append(s, &ev, NULL, err);
}

/* ---- The store's division and who may change store-wide things ----------- */

int lg_auth_store_division(lg_store_t *s, char out[16], lg_err_t *err) {
  out[0] = '\0';
  char *v = NULL;
  int rc = lg_store_setting_get(s, "auth.store_division", &v, err);
  if (rc) return rc;
  if (v && *v) {
    /* A value that is not a code (edited by hand) leaves the store with no
     * known division: nobody may change store-wide things until it is
     * mended, rather than anybody. */
    if (lg_auth_division_normalize(v, out, NULL, NULL) != 0) {
      lg_log(LG_LOG_WARN, "设置 auth.store_division = \"%s\" 不是有效的行政区划代码", v);
      out[0] = '\0';
    }
    lg_free(v);
    return 0;
  }
  lg_free(v);
  /* Unset: the province of the accounts, when they agree on one. */
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s, "SELECT DISTINCT substr(division, 1, 2) FROM lg_users LIMIT 2", &st,
                             err)))
    return rc;
  int found = 0;
  char prov[16] = "";
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    if (found++ == 0) auth_col_text(st, 0, prov, sizeof prov);
  }
  if (step != LG_DONE) rc = lg_store_fail(s, err, "读取用户的行政区失败");
  lg_store_done(st);
  if (rc == 0 && found == 1 && lg_auth_division_normalize(prov, out, NULL, NULL) != 0)
    out[0] = '\0';
  return rc;
}

int lg_auth_require_store_wide(lg_store_t *s, const lg_subject_t *who, const char *resource,
                               lg_err_t *err) {
  char top[16];
  int rc = lg_auth_store_division(s, top, err);
  if (rc) return rc;
  lg_object_ref_t obj = {.division = top};
  rc = lg_auth_require(s, who, resource, "admin", &obj, err);
  if (rc == LG_EPERM && !top[0])
    lg_err_set(err, LG_EPERM,
               "本库服务的行政区尚未确定 (用户分属多个省, 或还没有用户), 无人可修改%s; "
               "请在服务器上运行 landgov settings set auth.store_division 行政区划代码",
               strcmp(resource, "policy") == 0 ? "权限表" : "系统设置");
  else if (rc == LG_EPERM)
    lg_err_prefix(err, "只有管辖整个系统 (行政区 %s) 的管理员可以修改: ", top);
  return rc;
}

bool lg_auth_policy_console_only(const char *resource) {
  return resource && (strcmp(resource, "policy") == 0 || strcmp(resource, "setting") == 0);
}

int lg_auth_grant_check(const lg_subject_t *who, const char *role, const char *division,
                        lg_err_t *err) {
  if (!role || strcmp(role, "admin") != 0) return 0;
  if (strcmp(who->role, "console") == 0) return 0;
  if (lg_auth_division_within(who->division, division)) return 0;
  lg_err_set(err, LG_EPERM,
             "%s %s (%s) 不能设立行政区 %s 的管理员: 只能在自己管辖的行政区内设立管理员",
             lg_auth_role_title(who->role), who->login, who->division, division ? division : "");
  lg_err_where(err, "role");
  return LG_EPERM;
}

/* ---- Settings ---------------------------------------------------------------
 * Each default is the value its migration writes and the code falls back
 * to; where it encodes a rule, the code that reads it says which (limits:
 * src/http/limits.c; auth: GB/T 22239-2019 8.1.4.1, session.c; metrics:
 * src/cases/metrics.c and seed 000). */

/* BPMN ids as src/cases/metrics.c reads them: letters, digits, _ - . and
 * commas, shorter than its buffer (LG_SETTING_MAX, the same 512). */
static bool ids_ok(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n >= LG_SETTING_MAX) return false;
  for (const char *p = v; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '_' || *p == '-' || *p == '.' || *p == ','))
      return false;
  return true;
}

/* A list of MIME types and the like: words of letters, digits and
 * / + . - _, separated by commas. */
static bool list_ok(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n >= LG_SETTING_MAX) return false;
  return strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+.-_,") == n;
}

int lg_auth_setting_check(const char *key, const char *value, char out[LG_SETTING_MAX],
                          lg_err_t *err) {
  out[0] = '\0';
  const lg_setting_def_t *d = lg_store_setting_def(key);
  size_t ndefs;
  const lg_setting_def_t *defs = lg_store_setting_defs(&ndefs);
  if (!d) {
    lg_buf_t b;
    lg_buf_init(&b);
    for (size_t i = 0; i < ndefs; i++)
      lg_buf_printf(&b, "%s%s", i ? ", " : "", defs[i].key);
    lg_err_set(err, LG_EINVAL, "没有可调整的设置 \"%.64s\"; 可用: %s", key ? key : "", b.data);
    lg_buf_fini(&b);
    return LG_EINVAL;
  }
  if (!value) value = "";
  int rc = 0;
  if (d->kind == LG_SETTING_INT) {
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    /* Digits only (an optional minus): strtoll would also take blanks and "+". */
    bool digits = value[0] && strspn(value + (value[0] == '-'), "0123456789") ==
                                  strlen(value + (value[0] == '-'));
    if (!digits || errno || end == value || *end)
      rc = lg_err_set(err, LG_EINVAL, "设置 %s 应为整数, 得到 \"%.64s\"", key, value);
    else if (v < d->min || v > d->max)
      rc = lg_err_set(err, LG_EINVAL, "设置 %s = %lld 超出范围: 应在 %lld 到 %lld 之间", key, v,
                      d->min, d->max);
    else
      snprintf(out, LG_SETTING_MAX, "%lld", v);
  } else if (d->kind == LG_SETTING_DIVISION) {
    char code[16];
    if (!value[0])
      out[0] = '\0'; /* unset: the province of the accounts */
    else if (lg_auth_division_normalize(value, code, NULL, NULL) != 0 || strlen(code) > 9)
      rc = lg_err_set(err, LG_EINVAL,
                      "设置 %s 应为省、市、县或乡镇的行政区划代码 (GB/T 2260), 或空 (按用户所在的"
                      "省), 得到 \"%.64s\"",
                      key, value);
    else
      snprintf(out, LG_SETTING_MAX, "%s", code);
  } else if (d->kind == LG_SETTING_LIST) {
    if (!list_ok(value))
      rc = lg_err_set(err, LG_EINVAL,
                      "设置 %s 应为逗号分隔的值 (字母、数字和 / + . - _), 得到 \"%.64s\"", key,
                      value);
    else
      snprintf(out, LG_SETTING_MAX, "%s", value);
  } else if (!ids_ok(value)) {
    rc = lg_err_set(err, LG_EINVAL,
                    "设置 %s 应为逗号分隔的流程任务编号 (如 Task_Joint,Task_Committee), 得到 "
                    "\"%.64s\"",
                    key, value);
  } else {
    snprintf(out, LG_SETTING_MAX, "%s", value);
  }
  if (rc) lg_err_where(err, "%s", key);
  return rc;
}

static json_t *setting_state(const char *key, const char *value) {
  return json_pack("{s:s, s:o}", "key", key, "value", value ? json_string(value) : json_null());
}

int lg_auth_setting_set(lg_store_t *s, const char *key, const char *value, const lg_subject_t *by,
                        lg_err_t *err) {
  char v[LG_SETTING_MAX], top[16];
  int rc = lg_auth_setting_check(key, value, v, err);
  if (rc == 0) rc = lg_auth_store_division(s, top, err);
  if (rc) return rc;
  if ((rc = lg_store_begin(s, err))) return rc;
  rc = lg_store_setting_set(s, key, v, err);
  json_t *state = setting_state(key, v);
  if (rc == 0) rc = auth_record(s, by, "setting.set", "setting", key, top, state, err);
  json_decref(state);
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc) lg_store_rollback(s);
  return rc;
}

/* ---- Auditors ---------------------------------------------------------------- */

typedef int (*emit_fn)(void *, const char *, const unsigned char[32]);

static int emit_state(emit_fn emit, void *ctx, const char *id, json_t *state, lg_err_t *err) {
  unsigned char d[32];
  int rc = lg_ledger_digest_json(state, d, err);
  json_decref(state);
  return rc ? rc : emit(ctx, id, d);
}

static int has_entries(lg_store_t *s, const char *type, const char *id, bool *has, lg_err_t *err) {
  size_t total = 0;
  int rc = lg_ledger_object_entries(s, type, id, NULL, 0, &total, err);
  *has = total > 0;
  return rc;
}

int lg_auth_audit_users(lg_store_t *s, emit_fn emit, void *ctx, lg_err_t *err) {
  /* Every account: none may exist without the entry that made it. */
  lg_user_t *us = NULL;
  size_t n = 0;
  int rc = lg_auth_users(s, NULL, &us, &n, err);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = emit_state(emit, ctx, us[i].login, lg_auth_user_state(&us[i]), err);
  lg_free(us);
  return rc;
}

int lg_auth_audit_policy(lg_store_t *s, emit_fn emit, void *ctx, lg_err_t *err) {
  lg_policy_row_t *rows;
  size_t n;
  int rc = lg_auth_policy_list(s, &rows, &n, err);
  if (rc) return rc;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const lg_policy_row_t *r = &rows[i];
    char id[80];
    snprintf(id, sizeof id, "%s:%s:%s", r->role, r->resource, r->action);
    bool has;
    if ((rc = has_entries(s, "policy", id, &has, err))) break;
    /* A cell still as its migration seeded it needs no entry; any other
     * value must have come through landgov (and so have one). */
    const char *seed = lg_auth_policy_default(r->role, r->resource, r->action);
    if (!has && seed && strcmp(seed, r->scope) == 0) continue;
    rc = emit_state(emit, ctx, id, auth_policy_state(r->role, r->resource, r->action, r->scope),
                    err);
  }
  lg_free(rows);
  return rc;
}

int lg_auth_audit_settings(lg_store_t *s, emit_fn emit, void *ctx, lg_err_t *err) {
  int rc = 0;
  size_t ndefs;
  const lg_setting_def_t *defs = lg_store_setting_defs(&ndefs);
  for (size_t i = 0; rc == 0 && i < ndefs; i++) {
    char *v = NULL;
    bool has;
    if ((rc = lg_store_setting_get(s, defs[i].key, &v, err))) break;
    rc = has_entries(s, "setting", defs[i].key, &has, err);
    /* At its default (as the migration wrote it) or never set: no entry
     * needed. */
    bool seeded = !v || strcmp(v, defs[i].dflt) == 0;
    if (rc == 0 && (has || !seeded))
      rc = emit_state(emit, ctx, defs[i].key, setting_state(defs[i].key, v), err);
    lg_free(v);
  }
  return rc;
}
