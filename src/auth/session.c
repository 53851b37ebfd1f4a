/*
 * Proving who one is: logging in (with throttling of failed attempts),
 * browser sessions with their CSRF tokens, API tokens for machine
 * clients, and the few helpers the HTTP middleware needs (reading the
 * Cookie and Authorization headers, checking the CSRF header, writing
 * Set-Cookie values).
 *
 * Secrets are 32 bytes from randombytes_buf shown once as base64url; the
 * store keeps their SHA-256 only, so a copy of the database (a backup, a
 * GeoPackage sent to a colleague) lets no one in. A plain hash suffices:
 * unlike a password, a 256-bit random token cannot be guessed.
 *
 * Throttling follows GB/T 22239-2019 8.1.4.1 a) (limit failed logins):
 * auth.throttle_max failures of one login within auth.throttle_window_s
 * lock that login for auth.throttle_lock_s; auth.throttle_address_failures
 * failures from one address, on any logins, within the same window lock
 * the address. The address has its own, higher limit because a whole
 * office reaches the server from one address (a bureau's or township's
 * NAT, a proxy): with one limit for both, five typing mistakes by five
 * colleagues would lock all of them out. The per-login limit is what
 * stops guessing one account's password; the per-address one stops one
 * machine from trying a common password on many accounts (spraying),
 * which a per-login limit never sees. Attempts are kept in
 * lg_login_attempts for audit and pruned after 90 days.
 */
#include "auth/auth_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct throttle {
  int64_t max;      /* failures of one login */
  int64_t addr_max; /* failures from one address */
  int64_t window, lock;
} throttle_t;

static void throttle_settings(lg_store_t *s, throttle_t *t) {
  t->max = lg_store_setting_int(s, "auth.throttle_max");
  /* 50 = ten accounts' worth of the per-login limit: an office of a few
   * dozen behind one address may mistype for a quarter of an hour and
   * stay in, while one machine spraying a password over many logins is
   * held to 50 guesses per window and lock. The OWASP Authentication
   * Cheat Sheet ("Account Lockout") ties the failure counter to the
   * account rather than the source address; the address's count is the
   * second, looser line. */
  t->addr_max = lg_store_setting_int(s, "auth.throttle_address_failures");
  t->window = lg_store_setting_int(s, "auth.throttle_window_s");
  t->lock = lg_store_setting_int(s, "auth.throttle_lock_s");
}

/* Seconds left on the lock of (kind, key); 0 when there is none. */
static int lock_left(lg_store_t *s, const char *kind, const char *key, int64_t now, int64_t *left,
                     lg_err_t *err) {
  lg_stmt_t *st;
  *left = 0;
  int rc =
      lg_store_prepare(s, "SELECT until FROM lg_login_locks WHERE kind = ? AND key = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, key);
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    int64_t until = lg_store_col_int(st, 0);
    if (until > now) *left = until - now;
  } else if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "读取登录锁定失败");
  }
  lg_store_done(st);
  return rc;
}

/* Counts the failures that count against (kind, key): inside the window,
 * after the end of its last lock, and (for a login) after its last
 * success; locks it when they reach the limit. */
static int count_and_lock(lg_store_t *s, const char *kind, const char *key, int64_t now,
                          const throttle_t *t, int64_t max, lg_err_t *err) {
  bool by_login = strcmp(kind, "login") == 0;
  const char *sql =
      by_login ? "SELECT count(*) FROM lg_login_attempts a WHERE a.login = ?1 AND a.at > ?2"
                 " AND a.outcome IN ('password', 'unknown')"
                 " AND a.at >= coalesce((SELECT until FROM lg_login_locks WHERE kind = 'login'"
                 "  AND key = ?1), 0)"
                 " AND a.at > coalesce((SELECT max(at) FROM lg_login_attempts WHERE login = ?1"
                 "  AND outcome = 'ok'), 0)"
               : "SELECT count(*) FROM lg_login_attempts a WHERE a.address = ?1 AND a.at > ?2"
                 " AND a.outcome IN ('password', 'unknown')"
                 " AND a.at >= coalesce((SELECT until FROM lg_login_locks WHERE kind = 'address'"
                 "  AND key = ?1), 0)";
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, key);
  lg_store_bind_int(st, 2, now - t->window);
  int64_t n = 0;
  if (lg_store_step(st) == LG_ROW)
    n = lg_store_col_int(st, 0);
  else
    rc = lg_store_fail(s, err, "统计登录失败次数失败");
  lg_store_done(st);
  if (rc || n < max) return rc;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_login_locks(kind, key, until) VALUES (?, ?, ?)"
                             " ON CONFLICT(kind, key) DO UPDATE SET until = excluded.until",
                             &st, err)))
    return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, key);
  lg_store_bind_int(st, 3, now + t->lock);
  lg_log(LG_LOG_WARN, "登录失败 %lld 次, 锁定%s %s %lld 秒", (long long)n,
         by_login ? "用户" : "地址", key, (long long)t->lock);
  return lg_store_run_done(st, "写入登录锁定失败", err);
}

static int record_attempt(lg_store_t *s, const char *login, const char *address,
                          const char *outcome, int64_t now, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "INSERT INTO lg_login_attempts(at, login, address, outcome)"
                            " VALUES (?, ?, ?, ?)",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, now);
  lg_store_bind_text(st, 2, login);
  if (address) lg_store_bind_text(st, 3, address);
  lg_store_bind_text(st, 4, outcome);
  return lg_store_run_done(st, "记录登录尝试失败", err);
}

/* A failed attempt, in its own transaction: it must stay recorded though
 * the login itself fails. */
static int record_failure(lg_store_t *s, const char *login, const char *address,
                          const char *outcome, int64_t now, const throttle_t *t, lg_err_t *err) {
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  rc = record_attempt(s, login, address, outcome, now, err);
  if (rc == 0) rc = count_and_lock(s, "login", login, now, t, t->max, err);
  if (rc == 0 && address) rc = count_and_lock(s, "address", address, now, t, t->addr_max, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

static int session_create(lg_store_t *s, int64_t user_id, const char *address, int64_t now,
                          lg_session_t *sess, lg_err_t *err) {
  memset(sess, 0, sizeof *sess);
  auth_random_token(sess->token);
  auth_random_token(sess->csrf);
  unsigned char h[32];
  auth_token_hash(sess->token, h);
  sess->expires_at = now + lg_store_setting_int(s, "auth.session_max_s");
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "INSERT INTO lg_sessions(token_hash, user_id, csrf, address,"
                            " created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?5, ?6)"
                            " RETURNING id",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_blob(st, 1, h, 32);
  lg_store_bind_int(st, 2, user_id);
  lg_store_bind_text(st, 3, sess->csrf);
  if (address) lg_store_bind_text(st, 4, address);
  lg_store_bind_int(st, 5, now);
  lg_store_bind_int(st, 6, sess->expires_at);
  return lg_store_insert_id(st, &sess->id, "创建会话失败", err);
}

/* Housekeeping at each login: sessions past their end, old attempts,
 * locks long over. */
static int prune(lg_store_t *s, int64_t now, lg_err_t *err) {
  int64_t idle = lg_store_setting_int(s, "auth.session_idle_s");
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "DELETE FROM lg_sessions WHERE expires_at <= ?1 OR last_seen <= ?1 - ?2", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, now);
  lg_store_bind_int(st, 2, idle);
  if ((rc = lg_store_run_done(st, "清理过期会话失败", err))) return rc;
  if ((rc = lg_store_prepare(s, "DELETE FROM lg_login_attempts WHERE at < ?", &st, err))) return rc;
  lg_store_bind_int(st, 1, now - AUTH_ATTEMPTS_KEEP_S);
  return lg_store_run_done(st, "清理登录记录失败", err);
}

int lg_auth_login(lg_store_t *s, const char *login, const char *password, const char *address,
                  lg_session_t *sess, lg_subject_t *who, int *retry_after, lg_err_t *err) {
  if (retry_after) *retry_after = 0;
  if (!auth_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  if (!password) password = "";
  if (address && !*address) address = NULL;
  char key[64], addr[64] = "";
  auth_login_norm(login ? login : "", key);
  if (address) snprintf(addr, sizeof addr, "%s", address);
  int64_t now = lg_now();
  throttle_t t;
  throttle_settings(s, &t);

  /* A locked login or address is refused before any hashing: the lock is
   * also what keeps a flood of guesses from eating the CPU. */
  int64_t left_login, left_addr = 0;
  int rc = lock_left(s, "login", key, now, &left_login, err);
  if (rc == 0 && address) rc = lock_left(s, "address", addr, now, &left_addr, err);
  if (rc) return rc;
  if (left_login > 0 || left_addr > 0) {
    int64_t left = LG_MAX(left_login, left_addr);
    if (retry_after) *retry_after = (int)left;
    if (left_login > 0)
      lg_err_set(err, LG_ELIMIT, "用户 %s 登录失败次数过多, 已锁定; 请 %lld 分钟后再试", key,
                 (long long)((left + 59) / 60));
    else
      lg_err_set(err, LG_ELIMIT, "来自 %s 的登录失败次数过多, 已锁定; 请 %lld 分钟后再试", addr,
                 (long long)((left + 59) / 60));
    return LG_ELIMIT;
  }

  lg_user_t u = {0};
  char hash[crypto_pwhash_STRBYTES] = "";
  bool found = false;
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(
           s, "SELECT " AUTH_USER_COLS ", u.pw_hash FROM lg_users u WHERE u.login = ?", &st, err)))
    return rc;
  lg_store_bind_text(st, 1, key);
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    found = true;
    auth_user_row(st, 0, &u);
    auth_col_text(st, AUTH_USER_NCOLS, hash, sizeof hash);
  } else if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "查询用户失败");
  }
  lg_store_done(st);
  if (rc) return rc;

  size_t plen = strlen(password);
  bool ok = false;
  if (plen <= AUTH_PASSWORD_MAX) {
    if (found) {
      ok = crypto_pwhash_str_verify(hash, password, plen) == 0;
    } else {
      /* Same work for a login that does not exist, so that timing does
       * not tell which logins do. */
      char dummy[crypto_pwhash_STRBYTES];
      (void)auth_hash_password(s, password, dummy, NULL);
    }
  }
  if (!ok) {
    rc =
        record_failure(s, key, address ? addr : NULL, found ? "password" : "unknown", now, &t, err);
    if (rc) return rc;
    return lg_err_set(err, LG_EPERM, "用户名或密码错误");
  }
  if (u.disabled) {
    rc = record_failure(s, key, address ? addr : NULL, "disabled", now, &t, err);
    if (rc) return rc;
    return lg_err_set(err, LG_EPERM, "账户 %s 已停用; 请联系管理员", key);
  }

  /* Passwords hashed under older parameters are rehashed now that the
   * plain text is at hand (hashing before the writer lock is taken). */
  char fresh[crypto_pwhash_STRBYTES] = "";
  if (auth_needs_rehash(s, hash) && auth_hash_password(s, password, fresh, NULL) != 0)
    fresh[0] = '\0';
  if ((rc = lg_store_begin(s, err))) goto out;
  if ((rc = record_attempt(s, key, address ? addr : NULL, "ok", now, err))) goto done;
  if (fresh[0]) {
    if ((rc = lg_store_prepare(s, "UPDATE lg_users SET pw_hash = ? WHERE id = ?", &st, err)))
      goto done;
    lg_store_bind_text(st, 1, fresh);
    lg_store_bind_int(st, 2, u.id);
    if ((rc = lg_store_run_done(st, "更新密码散列失败", err))) goto done;
  }
  if ((rc = prune(s, now, err))) goto done;
  if (sess && (rc = session_create(s, u.id, address ? addr : NULL, now, sess, err))) goto done;
  rc = lg_store_commit(s, err);
done:
  if (rc) lg_store_rollback(s);
out:
  sodium_memzero(fresh, sizeof fresh);
  if (rc == 0 && who) {
    lg_auth_subject_from_user(&u, who);
    if (sess) {
      snprintf(who->via, sizeof who->via, "session");
      who->credential = sess->id;
    }
  }
  if (rc && sess) sodium_memzero(sess, sizeof *sess);
  return rc;
}

static int delete_session(lg_store_t *s, int64_t id, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "DELETE FROM lg_sessions WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  return lg_store_run_done(st, "结束会话失败", err);
}

int lg_auth_session_lookup(lg_store_t *s, const char *token, lg_subject_t *who, lg_session_t *sess,
                           lg_err_t *err) {
  if (!auth_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  if (!auth_is_b64url(token, 43)) return lg_err_set(err, LG_EPERM, "会话无效, 请重新登录");
  unsigned char h[32];
  auth_token_hash(token, h);
  /* Asked on every request of a browser: kept by the connection
   * (lg_store_stmt) and given back reset on both paths, so each lookup
   * reads the session as it is now (a logout counts at once). */
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT s.id, s.csrf, s.last_seen, s.expires_at, " AUTH_USER_COLS
                            " FROM lg_sessions s JOIN lg_users u ON u.id = s.user_id"
                            " WHERE s.token_hash = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_blob(st, 1, h, 32);
  int step = lg_store_step(st);
  if (step != LG_ROW) {
    rc = step == LG_DONE ? lg_err_set(err, LG_EPERM, "会话无效或已结束, 请重新登录")
                         : lg_store_fail(s, err, "查询会话失败");
    lg_store_done(st);
    return rc;
  }
  lg_session_t found = {0};
  lg_user_t u;
  found.id = lg_store_col_int(st, 0);
  auth_col_text(st, 1, found.csrf, sizeof found.csrf);
  int64_t last_seen = lg_store_col_int(st, 2);
  found.expires_at = lg_store_col_int(st, 3);
  auth_user_row(st, 4, &u);
  lg_store_done(st);

  int64_t now = lg_now();
  int64_t idle = lg_store_setting_int(s, "auth.session_idle_s");
  /* GB/T 22239-2019 8.1.4.1 a): a session idle too long ends by itself. */
  if (found.expires_at <= now || last_seen + idle <= now || u.disabled) {
    if ((rc = delete_session(s, found.id, err))) return rc;
    if (u.disabled) return lg_err_set(err, LG_EPERM, "账户 %s 已停用; 请联系管理员", u.login);
    if (found.expires_at <= now) return lg_err_set(err, LG_EPERM, "会话已到期, 请重新登录");
    return lg_err_set(err, LG_EPERM, "会话因 %lld 分钟未操作已结束, 请重新登录",
                      (long long)(idle / 60));
  }
  if (now - last_seen >= AUTH_TOUCH_S) {
    if ((rc = lg_store_prepare(s, "UPDATE lg_sessions SET last_seen = ? WHERE id = ?", &st, err)))
      return rc;
    lg_store_bind_int(st, 1, now);
    lg_store_bind_int(st, 2, found.id);
    if ((rc = lg_store_run_done(st, "更新会话失败", err))) return rc;
  }
  if (who) {
    lg_auth_subject_from_user(&u, who);
    snprintf(who->via, sizeof who->via, "session");
    who->credential = found.id;
  }
  if (sess) {
    *sess = found;
    snprintf(sess->token, sizeof sess->token, "%s", token);
  }
  return 0;
}

int lg_auth_logout(lg_store_t *s, const char *token, lg_err_t *err) {
  if (!auth_is_b64url(token, 43)) return 0;
  if (!auth_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  unsigned char h[32];
  auth_token_hash(token, h);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "DELETE FROM lg_sessions WHERE token_hash = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_blob(st, 1, h, 32);
  return lg_store_run_done(st, "退出登录失败", err);
}

/* ---- API tokens ------------------------------------------------------------ */

#define TOKEN_LEN (sizeof LG_AUTH_TOKEN_PREFIX - 1 + 43)

int lg_auth_token_create(lg_store_t *s, const char *login, const char *name, int64_t expires_at,
                         char out[64], int64_t *id, lg_err_t *err) {
  out[0] = '\0';
  if (!auth_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  if (name && (strlen(name) > 127 || !lg_utf8_valid(name, strlen(name))))
    return lg_err_set(err, LG_EINVAL, "令牌名称应为不超过 127 字节的 UTF-8 文本");
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc) return rc;
  if (u.disabled) return lg_err_set(err, LG_EPERM, "账户 %s 已停用, 不能发放 API 令牌", u.login);
  char body[64];
  auth_random_token(body);
  snprintf(out, 64, "%s%s", LG_AUTH_TOKEN_PREFIX, body);
  sodium_memzero(body, sizeof body);
  unsigned char h[32];
  auth_token_hash(out, h);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_api_tokens(token_hash, user_id, name, created_at,"
                             " expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                             &st, err))) {
    sodium_memzero(out, 64);
    return rc;
  }
  lg_store_bind_blob(st, 1, h, 32);
  lg_store_bind_int(st, 2, u.id);
  lg_store_bind_text(st, 3, name ? name : "");
  lg_store_bind_int(st, 4, lg_now());
  if (expires_at > 0) lg_store_bind_int(st, 5, expires_at);
  int64_t new_id = 0;
  rc = lg_store_insert_id(st, &new_id, "保存 API 令牌失败", err);
  if (rc)
    sodium_memzero(out, 64);
  else if (id)
    *id = new_id;
  return rc;
}

int lg_auth_token_lookup(lg_store_t *s, const char *token, lg_subject_t *who, lg_err_t *err) {
  if (!auth_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  size_t plen = sizeof LG_AUTH_TOKEN_PREFIX - 1;
  if (!token || strlen(token) != TOKEN_LEN || strncmp(token, LG_AUTH_TOKEN_PREFIX, plen) != 0 ||
      !auth_is_b64url(token + plen, 43))
    return lg_err_set(err, LG_EPERM, "API 令牌格式无效 (应为 %s 开头的 %zu 个字符)",
                      LG_AUTH_TOKEN_PREFIX, TOKEN_LEN);
  unsigned char h[32];
  auth_token_hash(token, h);
  /* Every API request asks this: the statement is kept by the connection
   * (lg_store_stmt) and given back reset on both paths, so each lookup
   * reads the row as it is now (a revocation counts at once). */
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT t.id, t.expires_at, t.revoked_at, t.last_used, " AUTH_USER_COLS
                            " FROM lg_api_tokens t JOIN lg_users u ON u.id = t.user_id"
                            " WHERE t.token_hash = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_blob(st, 1, h, 32);
  int step = lg_store_step(st);
  if (step != LG_ROW) {
    rc = step == LG_DONE ? lg_err_set(err, LG_EPERM, "API 令牌无效")
                         : lg_store_fail(s, err, "查询 API 令牌失败");
    lg_store_done(st);
    return rc;
  }
  int64_t id = lg_store_col_int(st, 0), expires = lg_store_col_int(st, 1);
  bool revoked = lg_store_col_type(st, 2) != LG_COL_NULL;
  int64_t last_used = lg_store_col_int(st, 3);
  lg_user_t u;
  auth_user_row(st, 4, &u);
  lg_store_done(st);
  int64_t now = lg_now();
  if (revoked) return lg_err_set(err, LG_EPERM, "API 令牌 %lld 已吊销", (long long)id);
  if (expires > 0 && expires <= now)
    return lg_err_set(err, LG_EPERM, "API 令牌 %lld 已过期", (long long)id);
  if (u.disabled) return lg_err_set(err, LG_EPERM, "账户 %s 已停用; 请联系管理员", u.login);
  if (now - last_used >= AUTH_TOUCH_S) {
    if ((rc = lg_store_prepare(s, "UPDATE lg_api_tokens SET last_used = ? WHERE id = ?", &st, err)))
      return rc;
    lg_store_bind_int(st, 1, now);
    lg_store_bind_int(st, 2, id);
    if ((rc = lg_store_run_done(st, "更新 API 令牌失败", err))) return rc;
  }
  if (who) {
    lg_auth_subject_from_user(&u, who);
    snprintf(who->via, sizeof who->via, "token");
    who->credential = id;
  }
  return 0;
}

int lg_auth_token_revoke(lg_store_t *s, int64_t id, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "UPDATE lg_api_tokens SET revoked_at = coalesce(revoked_at, ?)"
                            " WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, lg_now());
  lg_store_bind_int(st, 2, id);
  rc = lg_store_run(st, "吊销 API 令牌失败", err);
  int64_t changed = lg_store_changes(st);
  lg_store_done(st);
  if (rc) return rc;
  if (changed == 0)
    return lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的 API 令牌", (long long)id);
  return 0;
}

int lg_auth_tokens(lg_store_t *s, const char *login, lg_api_token_t **out, size_t *n,
                   lg_err_t *err) {
  *out = NULL;
  *n = 0;
  char key[64] = "";
  if (login) auth_login_norm(login, key);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT t.id, u.login, t.name, t.created_at, t.last_used, t.expires_at,"
                            " t.revoked_at FROM lg_api_tokens t JOIN lg_users u ON u.id = t.user_id"
                            " WHERE ?1 = '' OR u.login = ?1 ORDER BY t.id DESC",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, key);
  LG_VEC(lg_api_token_t) v = {0};
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    lg_api_token_t t = {0};
    t.id = lg_store_col_int(st, 0);
    auth_col_text(st, 1, t.login, sizeof t.login);
    auth_col_text(st, 2, t.name, sizeof t.name);
    t.created_at = lg_store_col_int(st, 3);
    t.last_used = lg_store_col_int(st, 4);
    t.expires_at = lg_store_col_int(st, 5);
    t.revoked_at = lg_store_col_int(st, 6);
    lg_vec_push(&v, t);
  }
  if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "列出 API 令牌失败");
    lg_free(v.items);
  } else {
    *out = v.items;
    *n = v.len;
  }
  lg_store_done(st);
  return rc;
}

/* ---- For the HTTP middleware ------------------------------------------------ */

bool lg_auth_cookie_token(const char *cookie_header, char out[64]) {
  out[0] = '\0';
  if (!cookie_header) return false;
  size_t name_len = strlen(LG_AUTH_COOKIE);
  const char *p = cookie_header;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ';')
      p++;
    const char *end = strchr(p, ';');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > name_len && strncmp(p, LG_AUTH_COOKIE, name_len) == 0 && p[name_len] == '=') {
      const char *v = p + name_len + 1;
      size_t vlen = len - name_len - 1;
      while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
        vlen--;
      if (vlen == 43) {
        memcpy(out, v, 43);
        out[43] = '\0';
        if (auth_is_b64url(out, 43)) return true;
      }
      out[0] = '\0';
      return false;
    }
    if (!end) break;
    p = end + 1;
  }
  return false;
}

int lg_auth_authenticate(lg_store_t *s, const char *cookie, const char *authorization,
                         lg_subject_t *who, lg_session_t *sess, lg_err_t *err) {
  lg_auth_subject_public(who);
  if (sess) memset(sess, 0, sizeof *sess);
  if (authorization && *authorization) {
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
      return lg_err_set(err, LG_EPERM, "Authorization 头应为 \"Bearer %s...\"",
                        LG_AUTH_TOKEN_PREFIX);
    const char *tok = authorization + 7;
    while (*tok == ' ')
      tok++;
    int rc = lg_auth_token_lookup(s, tok, who, err);
    if (rc) lg_auth_subject_public(who);
    return rc;
  }
  if (cookie && strstr(cookie, LG_AUTH_COOKIE "=")) {
    char token[64];
    if (!lg_auth_cookie_token(cookie, token))
      return lg_err_set(err, LG_EPERM, "会话无效, 请重新登录");
    int rc = lg_auth_session_lookup(s, token, who, sess, err);
    sodium_memzero(token, sizeof token);
    if (rc) {
      lg_auth_subject_public(who);
      if (sess) memset(sess, 0, sizeof *sess);
    }
    return rc;
  }
  return 0;
}

int lg_auth_csrf_check(const lg_subject_t *who, const lg_session_t *sess, const char *method,
                       const char *header, lg_err_t *err) {
  if (method &&
      (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0))
    return 0;
  /* Only the cookie travels with a forged cross-site request; a bearer
   * token or no credential at all gives a forger nothing to borrow. */
  if (strcmp(who->via, "session") != 0) return 0;
  size_t n = sess ? strlen(sess->csrf) : 0;
  if (n == 0 || !header || strlen(header) != n || sodium_memcmp(header, sess->csrf, n) != 0)
    return lg_err_set(err, LG_EPERM, "缺少或错误的 CSRF 令牌 (请求头 %s); 请刷新页面后重试",
                      LG_AUTH_CSRF_HEADER);
  return 0;
}

void lg_auth_cookie_set(const lg_session_t *sess, bool secure, char *out, size_t n) {
  snprintf(out, n, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", LG_AUTH_COOKIE, sess->token,
           secure ? "; Secure" : "");
}

void lg_auth_cookie_clear(bool secure, char *out, size_t n) {
  snprintf(out, n, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", LG_AUTH_COOKIE,
           secure ? "; Secure" : "");
}
