/*
 * Accounts over HTTP: logging in and out, the session, and the
 * administration of users, their API tokens and the policy table.
 *
 *   POST   /api/login                 {login, password} -> Set-Cookie, {user, csrf}
 *   POST   /api/logout                ends the session, clears the cookie
 *   GET    /api/session               {user (null for the public), csrf, can}
 *   GET    /api/users?within=CODE     users the policy lets one see
 *   POST   /api/users                 {login, role, division, dept, level,
 *                                      enterprise, name, password?}
 *   GET    /api/users/{login}
 *   PUT    /api/users/{login}         {role, division, dept, level,
 *                                      enterprise, name}: a new role or place
 *   POST   /api/users/{login}/disable | /enable
 *   POST   /api/users/{login}/password {password, current_password}
 *   GET    /api/users/{login}/tokens  | POST {name, expires_days}
 *   DELETE /api/tokens/{id}
 *   GET    /api/policy                the whole table, and whether one may edit it
 *   PUT    /api/policy                {role, resource, action, scope}
 *   GET    /api/settings              the tunable settings, and whether one may
 *                                      change them
 *   PUT    /api/settings              {key, value}
 *
 * Every decision about an account is the policy's "user" resource on the
 * account concerned (its division and id from the store): read to see it,
 * create to add one in a division, act to change its password or give it
 * API tokens, admin to disable or enable it or change its role (asked of
 * its old division and of its new one). Whatever the table says, an
 * administrator makes no administrator above its own division
 * (lg_auth_grant_check) and changes neither its own role nor its own
 * place. The policy table and the settings are store-wide: read by
 * whoever has read on "policy" / "setting", changed only by whoever's
 * admin on them reaches the store's whole division
 * (lg_auth_require_store_wide), and a cell only by whoever also has admin
 * on that cell's resource; the cells of "policy" and "setting" themselves,
 * and console-only settings, are changed on the server only. Each change
 * goes on the ledger with who made it (src/auth). Changing one's own
 * password asks for the current one (GB/T 22239-2019 8.1.4.1: a stolen
 * session must not be enough to take the account).
 *
 * Passwords and tokens are shown once, in the response that creates them,
 * and wiped from memory after.
 */
#include "http/http_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string member of a JSON body, or NULL when absent or not a string. */
static const char *str(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

static json_t *opt(const char *s) { return s && *s ? json_string(s) : json_null(); }

static void iso_or_null(json_t *o, const char *key, int64_t t) {
  char ts[32];
  if (t > 0) {
    lg_time_iso(t, ts);
    json_object_set_new(o, key, json_string(ts));
  } else {
    json_object_set_new(o, key, json_null());
  }
}

static json_t *subject_json(const lg_subject_t *w) {
  return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "id",
                   (json_int_t)w->user_id, "login", w->login, "name", w->name, "role", w->role,
                   "role_title", lg_auth_role_title(w->role), "dept", opt(w->dept), "level",
                   opt(w->level), "level_title", w->level[0] ? lg_auth_level_title(w->level) : "",
                   "division", opt(w->division), "enterprise", opt(w->enterprise));
}

static json_t *user_json(const lg_user_t *u) {
  return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:b, s:s, s:s}", "id",
                   (json_int_t)u->id, "login", u->login, "name", u->name, "role", u->role,
                   "role_title", lg_auth_role_title(u->role), "dept", opt(u->dept), "level",
                   opt(u->level), "division", u->division, "enterprise", opt(u->enterprise),
                   "disabled", u->disabled, "created_at", u->created_at, "password_changed_at",
                   u->pw_changed_at);
}

/* An error answered by the handler itself, because it carries a header
 * (Retry-After, Set-Cookie) that the server's error path would drop. */
static int answer_error(lg_http_res_t *res, lg_err_t *err, const char *header, const char *value) {
  lg_http_error(res, err);
  if (header) lg_http_header_add(res, header, value);
  return 0;
}

/* lg_auth_login's lock (LG_ELIMIT with the seconds left) as 429 with
 * Retry-After (RFC 6585 4, RFC 9110 10.2.3). */
static int throttled(lg_http_res_t *res, lg_err_t *err, int retry_after) {
  char v[24];
  err->code = LG_ETHROTTLE;
  snprintf(v, sizeof v, "%d", retry_after > 0 ? retry_after : 1);
  return answer_error(res, err, "Retry-After", v);
}

/* ---- Logging in and out --------------------------------------------------- */

static int post_login(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_http_open_route(req);
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code;
  const char *login = str(b, "login"), *pw = str(b, "password");
  if (!login || !*login || !pw || !*pw) {
    json_decref(b);
    return lg_err_set(err, LG_EINVAL, "请填写用户名 (login) 和密码 (password)");
  }
  lg_store_t *s = req->store;
  lg_session_t sess;
  lg_subject_t who;
  int retry = 0;
  int rc =
      lg_auth_login(s, login, pw, req->address[0] ? req->address : NULL, &sess, &who, &retry, err);
  json_decref(b);
  if (rc == LG_ELIMIT && retry > 0) return throttled(res, err, retry);
  if (rc == LG_EPERM) {
    /* A wrong password and a disabled account alike: who is asking is
     * not established (401). */
    err->code = LG_EAUTH;
    lg_http_error(res, err);
    if (req->stale_credential) lg_http_cookie_header(req, res, NULL);
    return 0;
  }
  if (rc) return rc;
  /* The session the browser had before (if any) ends: one login, one
   * session per browser. */
  char old[64];
  if (lg_auth_cookie_token(lg_http_header_get(req, "Cookie"), old)) {
    (void)lg_auth_logout(s, old, NULL);
    sodium_memzero(old, sizeof old);
  }
  lg_http_cookie_header(req, res, &sess);
  json_t *o = json_pack("{s:o, s:s}", "user", subject_json(&who), "csrf", sess.csrf);
  iso_or_null(o, "expires_at", sess.expires_at);
  lg_http_json(res, 200, o);
  lg_log(LG_LOG_INFO, "用户 %s 登录 (来自 %s)", who.login, req->address);
  sodium_memzero(&sess, sizeof sess);
  return 0;
}

static int post_logout(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_http_open_route(req);
  char tok[64];
  if (lg_auth_cookie_token(lg_http_header_get(req, "Cookie"), tok)) {
    int rc = lg_auth_logout(req->store, tok, err);
    sodium_memzero(tok, sizeof tok);
    if (rc) return rc;
  }
  lg_http_cookie_header(req, res, NULL);
  lg_http_json(res, 200, json_pack("{s:b}", "ok", 1));
  return 0;
}

/* What the policy grants a role: {resource: {action: scope}}, for the
 * page to show only what may be used (the server decides regardless). */
static int grants_json(lg_store_t *s, const char *role, json_t **out, lg_err_t *err) {
  lg_policy_row_t *rows;
  size_t n;
  int rc = lg_auth_policy_list(s, &rows, &n, err);
  if (rc) return rc;
  json_t *o = json_object();
  for (size_t i = 0; i < n; i++) {
    if (strcmp(rows[i].role, role) != 0) continue;
    json_t *r = json_object_get(o, rows[i].resource);
    if (!r) {
      r = json_object();
      json_object_set_new(o, rows[i].resource, r);
    }
    json_object_set_new(r, rows[i].action, json_string(rows[i].scope));
  }
  lg_free(rows);
  *out = o;
  return 0;
}

static int get_session(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_http_open_route(req);
  lg_store_t *s = req->store;
  json_t *can;
  int rc = grants_json(s, req->who.role, &can, err);
  if (rc) return rc;
  json_t *o = json_pack("{s:o, s:s, s:s, s:o}", "user",
                        req->who.user_id ? subject_json(&req->who) : json_null(), "role",
                        req->who.role, "role_title", lg_auth_role_title(req->who.role), "can", can);
  json_object_set_new(o, "via", opt(req->who.via));
  bool session = strcmp(req->who.via, "session") == 0;
  json_object_set_new(o, "csrf", session ? json_string(req->session.csrf) : json_null());
  iso_or_null(o, "expires_at", session ? req->session.expires_at : 0);
  lg_http_json(res, 200, o);
  return 0;
}

/* ---- Users ----------------------------------------------------------------- */

/* The account named in the path, if req->who may do `action` on it. An
 * account that does not exist is 404 only for those whose scope reaches
 * beyond their own record; to the others it is refused like any other
 * (so that they cannot probe which logins exist). */
static int load_user(lg_http_req_t *req, lg_store_t *s, const char *action, lg_user_t *u,
                     lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "user", action, &scope, err);
  if (rc) return rc;
  rc = lg_auth_user_get(s, lg_http_param(req, "login"), u, err);
  if (rc == LG_ENOTFOUND && scope < LG_SCOPE_JURISDICTION) {
    lg_err_clear(err);
    lg_object_ref_t nobody = {.division = "", .user_id = -1};
    return lg_http_require(req, "user", action, &nobody, err);
  }
  if (rc) return rc;
  lg_object_ref_t obj = {.division = u->division, .user_id = u->id};
  return lg_http_require(req, "user", action, &obj, err);
}

static int get_users(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "user", "read", &scope, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  const char *within = lg_http_query(req, "within");
  char w[16] = "";
  if (within && *within) {
    if ((rc = lg_auth_division_normalize(within, w, "参数 within", err))) return rc;
    /* Asking for a division outside one's own is refused, not emptied. */
    lg_object_ref_t obj = {.division = w};
    if (scope != LG_SCOPE_OWN && (rc = lg_http_require(req, "user", "read", &obj, err))) return rc;
  } else if (scope == LG_SCOPE_JURISDICTION) {
    snprintf(w, sizeof w, "%s", req->who.division);
  }
  lg_user_t *us = NULL;
  size_t n = 0;
  if (scope == LG_SCOPE_OWN) {
    us = lg_calloc(1, sizeof *us);
    rc = lg_auth_user_get(s, req->who.login, us, err);
    n = rc == 0 && (!w[0] || lg_auth_division_within(w, us->division)) ? 1 : 0;
  } else {
    rc = lg_auth_users(s, w[0] ? w : NULL, &us, &n, err);
  }
  if (rc == 0) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(arr, user_json(&us[i]));
    lg_http_json(res, 200, json_pack("{s:o}", "users", arr));
  }
  lg_free(us);
  return rc;
}

static int get_user(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s = req->store;
  lg_user_t u;
  int rc = load_user(req, s, "read", &u, err);
  if (rc) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "user", user_json(&u)));
  return 0;
}

static int post_users(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "user", "create", &scope, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code;
  char pw[LG_AUTH_GEN_PASSWORD_LEN + 1] = "";
  lg_store_t *s = req->store;
  /* Where the account will be decides who may add it. */
  char div[16];
  if ((rc = lg_auth_division_normalize(str(b, "division"), div, "division", err))) goto done;
  lg_object_ref_t obj = {.division = div};
  if ((rc = lg_http_require(req, "user", "create", &obj, err))) goto done;
  if ((rc = lg_auth_grant_check(&req->who, str(b, "role"), div, err))) goto done;
  const char *given = str(b, "password");
  if (!given || !*given) lg_auth_password_generate(pw);
  lg_user_def_t def = {.login = str(b, "login"),
                       .name = str(b, "name"),
                       .role = str(b, "role"),
                       .dept = str(b, "dept"),
                       .level = str(b, "level"),
                       .division = div,
                       .enterprise = str(b, "enterprise"),
                       .by = &req->who};
  if ((rc = lg_auth_user_add(s, &def, pw[0] ? pw : given, NULL, err))) goto done;
  lg_user_t u;
  if ((rc = lg_auth_user_get(s, def.login, &u, err))) goto done;
  json_t *o = json_pack("{s:o}", "user", user_json(&u));
  if (pw[0]) json_object_set_new(o, "password", json_string(pw));
  lg_http_json(res, 201, o);
  lg_log(LG_LOG_INFO, "用户 %s 添加了用户 %s (%s, %s)", req->who.login, u.login, u.role,
         u.division);
done:
  sodium_memzero(pw, sizeof pw);
  json_decref(b);
  return rc;
}

static int set_disabled(lg_http_req_t *req, lg_http_res_t *res, bool disabled, lg_err_t *err) {
  lg_store_t *s = req->store;
  lg_user_t u;
  int rc = load_user(req, s, "admin", &u, err);
  if (rc) return rc;
  if (disabled && u.id == req->who.user_id)
    return lg_err_set(err, LG_EINVAL, "不能停用自己的账户 %s", u.login);
  if ((rc = lg_auth_user_set_disabled(s, u.login, disabled, &req->who, err))) return rc;
  if ((rc = lg_auth_user_get(s, u.login, &u, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "user", user_json(&u)));
  lg_log(LG_LOG_INFO, "用户 %s %s了用户 %s", req->who.login, disabled ? "停用" : "启用", u.login);
  return 0;
}

static int post_disable(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return set_disabled(req, res, true, err);
}

static int post_enable(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return set_disabled(req, res, false, err);
}

/* A new role or place for an account: admin on it where it is and where
 * it goes, and never an administrator above oneself. */
static int put_user(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s = req->store;
  lg_user_t u;
  int rc = load_user(req, s, "admin", &u, err);
  if (rc) return rc;
  if (u.id == req->who.user_id)
    return lg_err_set(err, LG_EPERM, "不能修改自己的角色或行政区 (%s); 请由上级管理员修改",
                      u.login);
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code;
  const char *role = str(b, "role");
  char div[16];
  const char *given_div = str(b, "division");
  if (given_div && *given_div)
    rc = lg_auth_division_normalize(given_div, div, "division", err);
  else
    snprintf(div, sizeof div, "%s", u.division);
  lg_object_ref_t obj = {.division = div};
  if (rc == 0) rc = lg_http_require(req, "user", "admin", &obj, err);
  if (rc == 0) rc = lg_auth_grant_check(&req->who, role && *role ? role : u.role, div, err);
  lg_user_def_t def = {.name = str(b, "name"),
                       .role = role,
                       .dept = str(b, "dept"),
                       .level = str(b, "level"),
                       .division = div,
                       .enterprise = str(b, "enterprise"),
                       .by = &req->who};
  if (rc == 0) rc = lg_auth_user_update(s, u.login, &def, err);
  json_decref(b);
  if (rc == 0) rc = lg_auth_user_get(s, u.login, &u, err);
  if (rc) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "user", user_json(&u)));
  lg_log(LG_LOG_WARN, "用户 %s 修改了用户 %s: %s (%s)", req->who.login, u.login, u.role,
         u.division);
  return 0;
}

static int post_password(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code;
  char gen[LG_AUTH_GEN_PASSWORD_LEN + 1] = "";
  lg_session_t sess = {0};
  lg_user_t u;
  int rc = 0;
  lg_store_t *s = req->store;
  if ((rc = load_user(req, s, "act", &u, err))) goto done;
  bool self = u.id == req->who.user_id;
  const char *pw = str(b, "password");
  if (self) {
    const char *cur = str(b, "current_password");
    int retry = 0;
    if (!cur || !*cur || !pw || !*pw) {
      rc = lg_err_set(err, LG_EINVAL,
                      "修改自己的密码需要当前密码 (current_password) 和新密码 "
                      "(password)");
      goto done;
    }
    /* Checked as a login is (and throttled like one), without a session. */
    rc = lg_auth_login(s, u.login, cur, req->address[0] ? req->address : NULL, NULL, NULL, &retry,
                       err);
    if (rc == LG_ELIMIT && retry > 0) {
      rc = throttled(res, err, retry);
      goto done;
    }
    if (rc == LG_EPERM) {
      rc = lg_err_set(err, LG_EPERM, "当前密码不正确");
      lg_err_where(err, "current_password");
    }
    if (rc) goto done;
  } else if (!pw || !*pw) {
    lg_auth_password_generate(gen); /* a reset by an administrator */
    pw = gen;
  }
  if ((rc = lg_auth_user_passwd(s, u.login, pw, &req->who, err))) goto done;
  json_t *o = json_pack("{s:s}", "login", u.login);
  if (gen[0]) json_object_set_new(o, "password", json_string(gen));
  /* A new password ends every session, this one too: a browser changing
   * its own password gets a fresh session at once. */
  if (self && strcmp(req->who.via, "session") == 0 &&
      lg_auth_login(s, u.login, pw, req->address[0] ? req->address : NULL, &sess, NULL, NULL,
                    NULL) == 0) {
    lg_http_cookie_header(req, res, &sess);
    json_object_set_new(o, "csrf", json_string(sess.csrf));
  }
  lg_http_json(res, 200, o);
  lg_log(LG_LOG_INFO, "用户 %s 修改了用户 %s 的密码", req->who.login, u.login);
done:
  sodium_memzero(gen, sizeof gen);
  sodium_memzero(&sess, sizeof sess);
  json_decref(b);
  return rc;
}

/* ---- API tokens --------------------------------------------------------------- */

static json_t *token_json(const lg_api_token_t *t) {
  json_t *o = json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)t->id, "login", t->login, "name",
                        t->name, "revoked", t->revoked_at > 0);
  iso_or_null(o, "created_at", t->created_at);
  iso_or_null(o, "last_used", t->last_used);
  iso_or_null(o, "expires_at", t->expires_at);
  iso_or_null(o, "revoked_at", t->revoked_at);
  return o;
}

static int get_tokens(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s = req->store;
  lg_user_t u;
  int rc = load_user(req, s, "read", &u, err);
  if (rc) return rc;
  lg_api_token_t *ts;
  size_t n;
  if ((rc = lg_auth_tokens(s, u.login, &ts, &n, err))) return rc;
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, token_json(&ts[i]));
  lg_free(ts);
  lg_http_json(res, 200, json_pack("{s:o}", "tokens", arr));
  return 0;
}

static int post_tokens(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s = req->store;
  lg_user_t u;
  int rc = load_user(req, s, "act", &u, err);
  if (rc) return rc;
  json_t *b = req->body_len ? lg_http_body_json(req, err) : json_object();
  if (!b) return err->code;
  json_t *days = json_object_get(b, "expires_days");
  json_int_t d = days ? json_integer_value(days) : 0;
  if (days && (!json_is_integer(days) || d < 0 || d > 3650)) {
    json_decref(b);
    lg_err_set(err, LG_EINVAL, "expires_days 应为 0 (不过期) 到 3650 之间的整数");
    lg_err_where(err, "expires_days");
    return LG_EINVAL;
  }
  char tok[64];
  int64_t id;
  int64_t expires = d > 0 ? lg_now() + (int64_t)d * 86400 : 0;
  rc = lg_auth_token_create(s, u.login, str(b, "name"), expires, tok, &id, err);
  json_decref(b);
  if (rc) return rc;
  json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "login", u.login, "token", tok);
  iso_or_null(o, "expires_at", expires);
  lg_http_json(res, 201, o);
  sodium_memzero(tok, sizeof tok);
  lg_log(LG_LOG_INFO, "用户 %s 为用户 %s 发放了 API 令牌 %lld", req->who.login, u.login,
         (long long)id);
  return 0;
}

static int delete_token(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  const char *v = lg_http_param(req, "id");
  char *end;
  long long id = v ? strtoll(v, &end, 10) : 0;
  if (!v || *end || id <= 0) return lg_err_set(err, LG_EINVAL, "令牌编号应为正整数");
  int scope;
  int rc = lg_http_scope(req, "user", "act", &scope, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  lg_api_token_t *ts;
  size_t n;
  if ((rc = lg_auth_tokens(s, NULL, &ts, &n, err))) return rc;
  char owner[64] = "";
  for (size_t i = 0; i < n; i++)
    if (ts[i].id == id) snprintf(owner, sizeof owner, "%s", ts[i].login);
  lg_free(ts);
  lg_user_t u;
  lg_object_ref_t obj = {.division = "", .user_id = -1};
  if (owner[0] && (rc = lg_auth_user_get(s, owner, &u, err)) == 0) {
    obj.division = u.division;
    obj.user_id = u.id;
  }
  if (rc) return rc;
  if (!owner[0] && scope >= LG_SCOPE_JURISDICTION)
    return lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的 API 令牌", id);
  if ((rc = lg_http_require(req, "user", "act", &obj, err))) return rc;
  if ((rc = lg_auth_token_revoke(s, id, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
  lg_log(LG_LOG_INFO, "用户 %s 吊销了 API 令牌 %lld", req->who.login, id);
  return 0;
}

/* ---- The policy table and the settings -------------------------------------- */

/* Whether req->who may change store-wide things (for the page, which
 * shows the table editable or not; the PUT decides again). */
static bool store_wide(lg_http_req_t *req, lg_store_t *s, const char *resource) {
  lg_err_t e = {0};
  return lg_auth_require_store_wide(s, &req->who, resource, &e) == 0;
}

static int get_policy(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "policy", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  char top[16];
  if ((rc = lg_auth_store_division(s, top, err))) return rc;
  lg_policy_row_t *rows;
  size_t n;
  if ((rc = lg_auth_policy_list(s, &rows, &n, err))) return rc;
  bool editable = store_wide(req, s, "policy");
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    /* A cell one may change: store-wide, a resource one administers, and
     * not one of the rows that say who administers the store. */
    bool cell = editable && !lg_auth_policy_console_only(rows[i].resource);
    if (cell) {
      bool ok = false;
      lg_err_t e = {0};
      cell = lg_auth_allowed(s, &req->who, rows[i].resource, "admin", NULL, &ok, &e) == 0 && ok;
    }
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b}", "role", rows[i].role,
                                         "resource", rows[i].resource, "action", rows[i].action,
                                         "scope", rows[i].scope, "editable", cell));
  }
  lg_free(rows);
  static const char *const roles[] = {LG_AUTH_ROLES};
  json_t *rs = json_array();
  for (size_t i = 0; i < LG_ARRAY_LEN(roles); i++)
    json_array_append_new(
        rs, json_pack("{s:s, s:s}", "role", roles[i], "title", lg_auth_role_title(roles[i])));
  lg_http_json(res, 200,
               json_pack("{s:o, s:o, s:[s,s,s,s], s:[s,s,s,s], s:b, s:o}", "policy", arr, "roles",
                         rs, "actions", LG_AUTH_ACTIONS, "scopes", "none", "own", "jurisdiction",
                         "all", "editable", editable, "store_division", opt(top)));
  return 0;
}

static int put_policy(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s = req->store;
  /* Admin on the resource at all first (the public is asked to log in,
   * staff refused), then over the whole store. */
  int rc = lg_http_require(req, "policy", "admin", NULL, err);
  if (rc == 0) rc = lg_auth_require_store_wide(s, &req->who, "policy", err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code;
  const char *role = str(b, "role"), *resource = str(b, "resource"), *action = str(b, "action"),
             *scope = str(b, "scope");
  if (!role || !resource || !action || !scope) {
    rc = lg_err_set(err, LG_EINVAL, "请给出 role、resource、action 和 scope");
    goto done;
  }
  /* Only a resource one administers, and only one the table knows (an
   * unknown name is refused here as malformed). */
  if ((rc = lg_http_require(req, resource, "admin", NULL, err))) goto done;
  if (lg_auth_policy_console_only(resource)) {
    rc = lg_err_set(err, LG_EPERM,
                    "权限表中 %s 一项决定谁能修改权限表和系统设置, 只能在服务器上修改 (landgov "
                    "policy set)",
                    resource);
    goto done;
  }
  if (strcmp(role, "admin") == 0 && strcmp(resource, "user") == 0 && strcmp(action, "admin") == 0 &&
      strcmp(scope, "jurisdiction") != 0 && strcmp(scope, "all") != 0) {
    rc = lg_err_set(err, LG_EINVAL,
                    "不能取消管理员对用户的管理权限: 否则再没有人能通过网页管理用户和权限表");
    goto done;
  }
  if ((rc = lg_auth_policy_set(s, role, resource, action, scope, &req->who, err))) goto done;
  lg_http_json(res, 200,
               json_pack("{s:s, s:s, s:s, s:s}", "role", role, "resource", resource, "action",
                         action, "scope", scope));
  lg_log(LG_LOG_WARN, "用户 %s 修改了权限表: %s %s %s = %s", req->who.login, role, resource, action,
         scope);
done:
  json_decref(b);
  return rc;
}

static int get_settings(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "setting", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  char top[16];
  if ((rc = lg_auth_store_division(s, top, err))) return rc;
  bool editable = store_wide(req, s, "setting");
  size_t n;
  const lg_setting_def_t *d = lg_store_setting_defs(&n);
  json_t *arr = json_array();
  for (size_t i = 0; i < n && rc == 0; i++) {
    char *v = NULL;
    if ((rc = lg_store_setting_get(s, d[i].key, &v, err))) break;
    static const char *const kinds[] = {"integer", "division", "ids", "list"};
    json_t *o =
        json_pack("{s:s, s:o, s:s, s:s, s:s, s:b}", "key", d[i].key, "value",
                  v ? json_string(v) : json_null(), "default", d[i].dflt, "title", d[i].title,
                  "kind", kinds[d[i].kind], "editable", editable && !d[i].console_only);
    if (d[i].kind == LG_SETTING_INT) {
      json_object_set_new(o, "min", json_integer(d[i].min));
      json_object_set_new(o, "max", json_integer(d[i].max));
    }
    json_array_append_new(arr, o);
    lg_free(v);
  }
  if (rc) {
    json_decref(arr);
    return rc;
  }
  lg_http_json(res, 200,
               json_pack("{s:o, s:b, s:o}", "settings", arr, "editable", editable, "store_division",
                         opt(top)));
  return 0;
}

static int put_settings(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s = req->store;
  /* Admin on the resource at all first (the public is asked to log in,
   * staff refused), then over the whole store. */
  int rc = lg_http_require(req, "setting", "admin", NULL, err);
  if (rc == 0) rc = lg_auth_require_store_wide(s, &req->who, "setting", err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code;
  const char *key = str(b, "key");
  json_t *jv = json_object_get(b, "value");
  char num[32];
  const char *value = json_string_value(jv);
  if (json_is_integer(jv)) {
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(jv));
    value = num;
  }
  const lg_setting_def_t *d = lg_store_setting_def(key);
  if (!key || (!value && !json_is_null(jv))) {
    rc = lg_err_set(err, LG_EINVAL, "请给出 key 和 value (字符串或整数)");
  } else if (d && d->console_only) {
    rc = lg_err_set(err, LG_EPERM, "设置 %s 只能在服务器上修改 (landgov settings set)", key);
    lg_err_where(err, "%s", key);
  } else {
    rc = lg_auth_setting_set(s, key, value ? value : "", &req->who, err);
  }
  if (rc == 0) {
    char *v = NULL;
    rc = lg_store_setting_get(s, key, &v, err);
    if (rc == 0) {
      lg_http_json(res, 200, json_pack("{s:s, s:s?}", "key", key, "value", v));
      lg_log(LG_LOG_WARN, "用户 %s 修改了设置 %s = %s", req->who.login, key, v ? v : "");
    }
    lg_free(v);
  }
  json_decref(b);
  return rc;
}

const lg_http_route_t lg_http_routes_auth[] = {
    {"POST", "/api/login", post_login, LG_HTTP_ANY_CREDENTIAL},
    {"POST", "/api/logout", post_logout, LG_HTTP_ANY_CREDENTIAL},
    {"GET", "/api/session", get_session},
    {"GET", "/api/users", get_users},
    {"POST", "/api/users", post_users},
    {"GET", "/api/users/{login}", get_user},
    {"PUT", "/api/users/{login}", put_user},
    {"POST", "/api/users/{login}/disable", post_disable},
    {"POST", "/api/users/{login}/enable", post_enable},
    {"POST", "/api/users/{login}/password", post_password},
    {"GET", "/api/users/{login}/tokens", get_tokens},
    {"POST", "/api/users/{login}/tokens", post_tokens},
    {"DELETE", "/api/tokens/{id}", delete_token},
    {"GET", "/api/policy", get_policy},
    {"PUT", "/api/policy", put_policy},
    {"GET", "/api/settings", get_settings},
    {"PUT", "/api/settings", put_settings},
    {0},
};
