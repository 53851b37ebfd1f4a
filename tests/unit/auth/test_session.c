/*
 * auth: sessions, login throttling, API tokens and the helpers of the HTTP
 * middleware. Time is the injectable clock (lg_clock_set); every expected
 * second below is worked out by hand from the rules: 5 failures of one
 * login, or 50 from one address, within 15 minutes lock for 15 minutes,
 * sessions end after 30 idle minutes or 12 hours in all (the seeded
 * settings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "lg_test.h"

static char path[256];
static lg_store_t *store;
static const int64_t T0 = 1790000000; /* 2026-09-21T14:13:20Z */

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_auth_session_%d.gpkg", (int)getpid());
  unlink(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  lg_store_setting_set(store, "auth.pwhash_ops", "1", &err);
  lg_store_setting_set(store, "auth.pwhash_mem", "8192", &err);
  return 0;
}

static int teardown(void **state) {
  lg_clock_set(0);
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

static void add_user(const char *login, const char *role, const char *password) {
  lg_err_t err = {0};
  lg_user_def_t d = {.login = login, .role = role, .division = "360781"};
  if (strcmp(role, "reviewer") == 0) d.dept = "water";
  if (strcmp(role, "applicant") == 0) d.enterprise = "E1";
  if (lg_auth_user_add(store, &d, password, NULL, &err)) fail_msg("%s: %s", login, err.msg);
}

static int login_at(int64_t t, const char *login, const char *pw, const char *addr, int *retry) {
  lg_err_t err = {0};
  lg_clock_set(t);
  return lg_auth_login(store, login, pw, addr, NULL, NULL, retry, &err);
}

/* ---- Throttling ----------------------------------------------------------- */

static void test_lock_after_five_failures(void **state) {
  add_user("t_lock", "clerk", "Right-Pass-1");
  int retry = -1;
  /* Failures at T0, +10, +20, +30, +40: the fifth locks until T0+940. */
  for (int i = 0; i < 5; i++)
    assert_int_equal(login_at(T0 + 10 * i, "t_lock", "Wrong-Pass-1", NULL, &retry), LG_EPERM);
  /* The right password does not help while locked; 880 s are left at T0+60. */
  assert_int_equal(login_at(T0 + 60, "t_lock", "Right-Pass-1", NULL, &retry), LG_ELIMIT);
  assert_int_equal(retry, 880);
  assert_int_equal(login_at(T0 + 939, "t_lock", "Right-Pass-1", NULL, &retry), LG_ELIMIT);
  assert_int_equal(retry, 1);
  /* The lock is over at T0+940. */
  assert_int_equal(login_at(T0 + 940, "t_lock", "Right-Pass-1", NULL, &retry), 0);
  assert_int_equal(retry, 0);
  /* Failures before the lock do not count again: one more failure after
   * it is only one. */
  assert_int_equal(login_at(T0 + 950, "t_lock", "Wrong-Pass-1", NULL, &retry), LG_EPERM);
  assert_int_equal(login_at(T0 + 951, "t_lock", "Right-Pass-1", NULL, &retry), 0);
  /* The lock's message says how long. */
  lg_err_t err = {0};
  for (int i = 0; i < 5; i++)
    login_at(T0 + 2000 + i, "t_lock", "Wrong-Pass-1", NULL, NULL);
  lg_clock_set(T0 + 2004);
  assert_int_equal(lg_auth_login(store, "t_lock", "Right-Pass-1", NULL, NULL, NULL, NULL, &err),
                   LG_ELIMIT);
  assert_non_null(strstr(err.msg, "15 分钟"));
}

/* A success resets the count of its login. */
static void test_success_resets(void **state) {
  add_user("t_reset", "clerk", "Right-Pass-1");
  for (int i = 0; i < 4; i++)
    assert_int_equal(login_at(T0 + i, "t_reset", "Wrong-Pass-1", NULL, NULL), LG_EPERM);
  assert_int_equal(login_at(T0 + 10, "t_reset", "Right-Pass-1", NULL, NULL), 0);
  for (int i = 0; i < 4; i++)
    assert_int_equal(login_at(T0 + 20 + i, "t_reset", "Wrong-Pass-1", NULL, NULL), LG_EPERM);
  assert_int_equal(login_at(T0 + 30, "t_reset", "Right-Pass-1", NULL, NULL), 0);
}

/* Failures older than the window do not count. */
static void test_window(void **state) {
  add_user("t_window", "clerk", "Right-Pass-1");
  for (int i = 0; i < 4; i++)
    assert_int_equal(login_at(T0 + i, "t_window", "Wrong-Pass-1", NULL, NULL), LG_EPERM);
  /* At T0+904 the failures at T0..T0+3 are all more than 900 s old. */
  assert_int_equal(login_at(T0 + 904, "t_window", "Wrong-Pass-1", NULL, NULL), LG_EPERM);
  assert_int_equal(login_at(T0 + 905, "t_window", "Right-Pass-1", NULL, NULL), 0);
  /* Four inside the window and a fifth at its edge do lock: failures at
   * T0+1000..1003 and T0+1899 are within 900 s of T0+1899. */
  for (int i = 0; i < 4; i++)
    login_at(T0 + 1000 + i, "t_window", "Wrong-Pass-1", NULL, NULL);
  assert_int_equal(login_at(T0 + 1899, "t_window", "Wrong-Pass-1", NULL, NULL), LG_EPERM);
  assert_int_equal(login_at(T0 + 1900, "t_window", "Right-Pass-1", NULL, NULL), LG_ELIMIT);
}

/* One address has its own limit, ten times the per-login one (50,
 * auth.throttle_address_failures): five failures from an office's one
 * address lock nobody out there; the fiftieth failure from it, on
 * whatever logins, locks the address and not the logins elsewhere. */
static void test_address_lock(void **state) {
  add_user("t_addr", "clerk", "Right-Pass-1");
  char login[32];
  const char *office = "203.0.113.7";
  for (int i = 0; i < 5; i++) {
    snprintf(login, sizeof login, "sprayed%d", i);
    assert_int_equal(login_at(T0 + i, login, "Summer2026!", office, NULL), LG_EPERM);
  }
  /* Five (the per-login limit) from one address lock nothing. */
  assert_int_equal(login_at(T0 + 10, "t_addr", "Right-Pass-1", office, NULL), 0);
  /* Failures 6 to 49, at T0+25 .. T0+68: still open. */
  for (int i = 5; i < 49; i++) {
    snprintf(login, sizeof login, "sprayed%d", i);
    assert_int_equal(login_at(T0 + 20 + i, login, "Summer2026!", office, NULL), LG_EPERM);
  }
  assert_int_equal(login_at(T0 + 70, "t_addr", "Right-Pass-1", office, NULL), 0);
  /* The fiftieth, at T0+80, locks the address until T0+980. */
  assert_int_equal(login_at(T0 + 80, "sprayed49", "Summer2026!", office, NULL), LG_EPERM);
  int retry;
  assert_int_equal(login_at(T0 + 90, "t_addr", "Right-Pass-1", office, &retry), LG_ELIMIT);
  assert_int_equal(retry, 890);
  lg_err_t err = {0};
  lg_clock_set(T0 + 91);
  assert_int_equal(lg_auth_login(store, "t_addr", "Right-Pass-1", office, NULL, NULL, NULL, &err),
                   LG_ELIMIT);
  assert_non_null(strstr(err.msg, office));
  /* Not the login elsewhere, nor without an address. */
  assert_int_equal(login_at(T0 + 92, "t_addr", "Right-Pass-1", "198.51.100.2", NULL), 0);
  assert_int_equal(login_at(T0 + 93, "t_addr", "Right-Pass-1", NULL, NULL), 0);
  assert_int_equal(login_at(T0 + 979, "t_addr", "Right-Pass-1", office, &retry), LG_ELIMIT);
  assert_int_equal(retry, 1);
  assert_int_equal(login_at(T0 + 980, "t_addr", "Right-Pass-1", office, NULL), 0);
}

/* The limits are settings. */
static void test_throttle_settings(void **state) {
  lg_err_t err = {0};
  add_user("t_set", "clerk", "Right-Pass-1");
  assert_int_equal(lg_store_setting_set(store, "auth.throttle_max", "2", &err), 0);
  assert_int_equal(lg_store_setting_set(store, "auth.throttle_lock_s", "60", &err), 0);
  int retry;
  login_at(T0, "t_set", "Wrong-Pass-1", NULL, NULL);
  login_at(T0 + 1, "t_set", "Wrong-Pass-1", NULL, NULL);
  assert_int_equal(login_at(T0 + 2, "t_set", "Right-Pass-1", NULL, &retry), LG_ELIMIT);
  assert_int_equal(retry, 59);
  assert_int_equal(login_at(T0 + 61, "t_set", "Right-Pass-1", NULL, NULL), 0);
  /* The address's limit too: three failures from 192.0.2.9 on three
   * logins lock it (each login has one failure, under its limit of 2). */
  assert_int_equal(lg_store_setting_set(store, "auth.throttle_address_failures", "3", &err), 0);
  login_at(T0 + 100, "s_one", "Wrong-Pass-1", "192.0.2.9", NULL);
  login_at(T0 + 101, "s_two", "Wrong-Pass-1", "192.0.2.9", NULL);
  assert_int_equal(login_at(T0 + 102, "t_set", "Right-Pass-1", "192.0.2.9", NULL), 0);
  login_at(T0 + 103, "s_three", "Wrong-Pass-1", "192.0.2.9", NULL);
  assert_int_equal(login_at(T0 + 104, "t_set", "Right-Pass-1", "192.0.2.9", &retry), LG_ELIMIT);
  assert_int_equal(retry, 59); /* locked at T0+103 for 60 s */
  assert_int_equal(login_at(T0 + 105, "t_set", "Right-Pass-1", "192.0.2.10", NULL), 0);
  assert_int_equal(lg_store_setting_set(store, "auth.throttle_address_failures", "50", &err), 0);
  assert_int_equal(lg_store_setting_set(store, "auth.throttle_max", "5", &err), 0);
  assert_int_equal(lg_store_setting_set(store, "auth.throttle_lock_s", "900", &err), 0);
}

/* Every attempt is on record, with its outcome. */
static void test_attempts_recorded(void **state) {
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(store,
                                    "SELECT outcome, count(*) FROM lg_login_attempts WHERE"
                                    " login = 't_reset' GROUP BY outcome ORDER BY outcome",
                                    &st, NULL),
                   0);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_string_equal(lg_store_col_text(st, 0), "ok");
  assert_int_equal(lg_store_col_int(st, 1), 2);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_string_equal(lg_store_col_text(st, 0), "password");
  assert_int_equal(lg_store_col_int(st, 1), 8);
  assert_int_equal(lg_store_step(st), LG_DONE);
  lg_store_done(st);
}

/* ---- Sessions --------------------------------------------------------------- */

static void test_session_lifecycle(void **state) {
  lg_err_t err = {0};
  add_user("s_user", "reviewer", "Right-Pass-1");
  lg_clock_set(T0);
  lg_session_t sess;
  lg_subject_t who;
  assert_int_equal(
      lg_auth_login(store, "s_user", "Right-Pass-1", "10.1.2.3", &sess, &who, NULL, &err), 0);
  assert_int_equal(strlen(sess.token), 43);
  assert_int_equal(strlen(sess.csrf), 43);
  assert_string_not_equal(sess.token, sess.csrf);
  assert_int_equal(sess.expires_at, T0 + 43200);
  assert_string_equal(who.via, "session");
  assert_int_equal(who.credential, sess.id);

  /* Only the SHA-256 of the token is stored. */
  unsigned char h[32];
  crypto_hash_sha256(h, (const unsigned char *)sess.token, strlen(sess.token));
  lg_stmt_t *st;
  assert_int_equal(
      lg_store_prepare(store, "SELECT token_hash, csrf FROM lg_sessions WHERE id = ?", &st, NULL),
      0);
  lg_store_bind_int(st, 1, sess.id);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_int_equal(lg_store_col_bytes(st, 0), 32);
  assert_memory_equal(lg_store_col_blob(st, 0, NULL), h, 32);
  lg_store_done(st);

  lg_subject_t got;
  lg_session_t found;
  lg_clock_set(T0 + 1799);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, &got, &found, &err), 0);
  assert_string_equal(got.login, "s_user");
  assert_string_equal(got.role, "reviewer");
  assert_string_equal(got.dept, "water");
  assert_string_equal(got.division, "360781");
  assert_string_equal(found.csrf, sess.csrf);
  assert_int_equal(found.id, sess.id);
  /* Used at T0+1799, idle until T0+3599 at most. */
  lg_clock_set(T0 + 3598);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, &got, NULL, &err), 0);
  /* Idle from T0+3598 for 1800 s: over at T0+5398. */
  lg_clock_set(T0 + 5398);
  lg_err_clear(&err);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, &got, NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "30 分钟"));
  /* Gone for good, even if the clock went back. */
  lg_clock_set(T0 + 3600);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), LG_EPERM);

  /* Untouched idle: over at exactly 1800 s. */
  lg_clock_set(T0);
  assert_int_equal(lg_auth_login(store, "s_user", "Right-Pass-1", NULL, &sess, NULL, NULL, &err),
                   0);
  lg_clock_set(T0 + 1800);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), LG_EPERM);
}

/* Kept busy, a session still ends 12 hours after login. */
static void test_session_absolute_end(void **state) {
  lg_err_t err = {0};
  lg_clock_set(T0);
  lg_session_t sess;
  assert_int_equal(lg_auth_login(store, "s_user", "Right-Pass-1", NULL, &sess, NULL, NULL, &err),
                   0);
  for (int k = 1; k <= 43; k++) {
    lg_clock_set(T0 + 1000 * k);
    if (lg_auth_session_lookup(store, sess.token, NULL, NULL, &err) != 0)
      fail_msg("at +%d s: %s", 1000 * k, err.msg);
  }
  lg_clock_set(T0 + 43199);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), 0);
  lg_clock_set(T0 + 43200);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), LG_EPERM);
}

static void test_logout_and_forgery(void **state) {
  lg_err_t err = {0};
  lg_clock_set(T0);
  lg_session_t a, b;
  assert_int_equal(lg_auth_login(store, "s_user", "Right-Pass-1", NULL, &a, NULL, NULL, &err), 0);
  assert_int_equal(lg_auth_login(store, "s_user", "Right-Pass-1", NULL, &b, NULL, NULL, &err), 0);
  assert_string_not_equal(a.token, b.token);
  /* A token one character off, the CSRF token, junk: no session. */
  char forged[64];
  snprintf(forged, sizeof forged, "%s", a.token);
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  assert_int_equal(lg_auth_session_lookup(store, forged, NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_session_lookup(store, a.csrf, NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_session_lookup(store, "", NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_session_lookup(store, NULL, NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_session_lookup(store, "x' OR 1=1 --", NULL, NULL, &err), LG_EPERM);
  /* Logging out ends that session only. */
  assert_int_equal(lg_auth_logout(store, a.token, &err), 0);
  assert_int_equal(lg_auth_session_lookup(store, a.token, NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_session_lookup(store, b.token, NULL, NULL, &err), 0);
  assert_int_equal(lg_auth_logout(store, a.token, &err), 0);
  assert_int_equal(lg_auth_logout(store, "junk", &err), 0);
  lg_user_t u;
  assert_int_equal(lg_auth_user_get(store, "s_user", &u, &err), 0);
  assert_int_equal(lg_auth_sessions_end_user(store, u.id, &err), 0);
  assert_int_equal(lg_auth_session_lookup(store, b.token, NULL, NULL, &err), LG_EPERM);
}

/* ---- API tokens -------------------------------------------------------------- */

static void test_api_tokens(void **state) {
  lg_err_t err = {0};
  add_user("m_bot", "applicant", "Right-Pass-1");
  lg_clock_set(T0);
  char tok[64], tok2[64];
  int64_t id, id2;
  assert_int_equal(lg_auth_token_create(store, "m_bot", "同步程序", 0, tok, &id, &err), 0);
  assert_int_equal(strlen(tok), 47);
  assert_true(strncmp(tok, "lgt_", 4) == 0);
  lg_subject_t who;
  assert_int_equal(lg_auth_token_lookup(store, tok, &who, &err), 0);
  assert_string_equal(who.login, "m_bot");
  assert_string_equal(who.enterprise, "E1");
  assert_string_equal(who.via, "token");
  assert_int_equal(who.credential, id);
  /* Not stored in clear. */
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(store,
                                    "SELECT count(*) FROM lg_api_tokens WHERE token_hash = ?1"
                                    " OR name LIKE '%' || ?2 || '%'",
                                    &st, NULL),
                   0);
  lg_store_bind_blob(st, 1, tok, strlen(tok));
  lg_store_bind_text(st, 2, tok + 4);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_int_equal(lg_store_col_int(st, 0), 0);
  lg_store_done(st);

  /* Expiring tokens. */
  assert_int_equal(lg_auth_token_create(store, "m_bot", "临时", T0 + 100, tok2, &id2, &err), 0);
  lg_clock_set(T0 + 99);
  assert_int_equal(lg_auth_token_lookup(store, tok2, NULL, &err), 0);
  lg_clock_set(T0 + 100);
  assert_int_equal(lg_auth_token_lookup(store, tok2, NULL, &err), LG_EPERM);

  /* Disabled users' tokens stop, and work again when re-enabled. */
  assert_int_equal(lg_auth_user_set_disabled(store, "m_bot", true, NULL, &err), 0);
  assert_int_equal(lg_auth_token_lookup(store, tok, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_token_create(store, "m_bot", "x", 0, tok2, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_user_set_disabled(store, "m_bot", false, NULL, &err), 0);
  assert_int_equal(lg_auth_token_lookup(store, tok, NULL, &err), 0);

  /* Revoked: for good. */
  assert_int_equal(lg_auth_token_revoke(store, id, &err), 0);
  assert_int_equal(lg_auth_token_lookup(store, tok, NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "吊销"));
  assert_int_equal(lg_auth_token_revoke(store, id, &err), 0);
  assert_int_equal(lg_auth_token_revoke(store, 999999, &err), LG_ENOTFOUND);

  lg_api_token_t *list;
  size_t n;
  assert_int_equal(lg_auth_tokens(store, "m_bot", &list, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(list[0].id, id2); /* newest first */
  assert_int_equal(list[1].id, id);
  assert_string_equal(list[1].name, "同步程序");
  assert_true(list[1].revoked_at > 0);
  assert_int_equal(list[0].expires_at, T0 + 100);
  lg_free(list);

  static const char *const junk[] = {"", "lgt_", "lgt_short", "Bearer", NULL};
  for (int i = 0; junk[i]; i++)
    assert_int_equal(lg_auth_token_lookup(store, junk[i], NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_token_lookup(store, NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_token_create(store, "ghost", "", 0, tok2, NULL, &err), LG_ENOTFOUND);
}

/* ---- Middleware helpers ------------------------------------------------------- */

static void test_cookies(void **state) {
  char tok[64], line[256];
  const char *t = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456"; /* 43 */
  char hdr[256];
  snprintf(hdr, sizeof hdr, "theme=dark; lg_session=%s; lang=zh", t);
  assert_true(lg_auth_cookie_token(hdr, tok));
  assert_string_equal(tok, t);
  snprintf(hdr, sizeof hdr, "lg_session=%s", t);
  assert_true(lg_auth_cookie_token(hdr, tok));
  snprintf(hdr, sizeof hdr, "xlg_session=%s; lg_session2=%s", t, t);
  assert_false(lg_auth_cookie_token(hdr, tok));
  assert_false(lg_auth_cookie_token("lg_session=short", tok));
  assert_false(lg_auth_cookie_token("lg_session=", tok));
  assert_false(lg_auth_cookie_token(NULL, tok));
  snprintf(hdr, sizeof hdr, "lg_session=%.42s!", t);
  assert_false(lg_auth_cookie_token(hdr, tok));

  lg_session_t s = {0};
  snprintf(s.token, sizeof s.token, "%s", t);
  lg_auth_cookie_set(&s, false, line, sizeof line);
  assert_non_null(strstr(line, "lg_session=abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456;"));
  assert_non_null(strstr(line, "HttpOnly"));
  assert_non_null(strstr(line, "SameSite=Strict"));
  assert_non_null(strstr(line, "Path=/"));
  assert_null(strstr(line, "Secure"));
  lg_auth_cookie_set(&s, true, line, sizeof line);
  assert_non_null(strstr(line, "; Secure"));
  lg_auth_cookie_clear(false, line, sizeof line);
  assert_non_null(strstr(line, "lg_session=;"));
  assert_non_null(strstr(line, "Max-Age=0"));
}

static void test_authenticate_and_csrf(void **state) {
  lg_err_t err = {0};
  add_user("h_user", "clerk", "Right-Pass-1");
  lg_clock_set(T0);
  lg_session_t sess, got_sess;
  assert_int_equal(lg_auth_login(store, "h_user", "Right-Pass-1", NULL, &sess, NULL, NULL, &err),
                   0);
  char tok[64];
  assert_int_equal(lg_auth_token_create(store, "h_user", "", 0, tok, NULL, &err), 0);
  lg_subject_t who;
  char cookie[128], bearer[128];
  snprintf(cookie, sizeof cookie, "a=1; lg_session=%s", sess.token);
  snprintf(bearer, sizeof bearer, "Bearer %s", tok);

  /* No credential: the public. */
  assert_int_equal(lg_auth_authenticate(store, NULL, NULL, &who, &got_sess, &err), 0);
  assert_string_equal(who.role, "public");
  assert_int_equal(who.user_id, 0);
  assert_int_equal(lg_auth_authenticate(store, "theme=dark", "", &who, NULL, &err), 0);
  assert_string_equal(who.role, "public");
  /* A session cookie. */
  assert_int_equal(lg_auth_authenticate(store, cookie, NULL, &who, &got_sess, &err), 0);
  assert_string_equal(who.login, "h_user");
  assert_string_equal(who.via, "session");
  assert_string_equal(got_sess.csrf, sess.csrf);
  /* A bearer token (which wins over a cookie). */
  assert_int_equal(lg_auth_authenticate(store, cookie, bearer, &who, &got_sess, &err), 0);
  assert_string_equal(who.via, "token");
  bearer[0] = 'b'; /* the scheme is case-insensitive */
  assert_int_equal(lg_auth_authenticate(store, NULL, bearer, &who, NULL, &err), 0);
  /* A credential that fails is an error, never the public. */
  assert_int_equal(lg_auth_authenticate(store, NULL, "Basic aDp1", &who, NULL, &err), LG_EPERM);
  assert_string_equal(who.role, "public");
  assert_int_equal(lg_auth_authenticate(store, "lg_session=expired", NULL, &who, NULL, &err),
                   LG_EPERM);
  assert_int_equal(lg_auth_authenticate(store, NULL, "Bearer lgt_nope", &who, NULL, &err),
                   LG_EPERM);

  /* CSRF: a cookie-authenticated change needs the session's token. */
  assert_int_equal(lg_auth_authenticate(store, cookie, NULL, &who, &got_sess, &err), 0);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "GET", NULL, &err), 0);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "HEAD", NULL, &err), 0);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "POST", NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "X-CSRF-Token"));
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "POST", "", &err), LG_EPERM);
  char wrong[64];
  snprintf(wrong, sizeof wrong, "%s", sess.csrf);
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "POST", wrong, &err), LG_EPERM);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "DELETE", sess.token, &err), LG_EPERM);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "POST", sess.csrf, &err), 0);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "PUT", sess.csrf, &err), 0);
  /* Bearer tokens and the public need none. */
  assert_int_equal(lg_auth_authenticate(store, NULL, bearer, &who, &got_sess, &err), 0);
  assert_int_equal(lg_auth_csrf_check(&who, &got_sess, "POST", NULL, &err), 0);
  lg_auth_subject_public(&who);
  assert_int_equal(lg_auth_csrf_check(&who, NULL, "POST", NULL, &err), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lock_after_five_failures),
      cmocka_unit_test(test_success_resets),
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_address_lock),
      cmocka_unit_test(test_throttle_settings),
      cmocka_unit_test(test_attempts_recorded),
      cmocka_unit_test(test_session_lifecycle),
      cmocka_unit_test(test_session_absolute_end),
      cmocka_unit_test(test_logout_and_forgery),
      cmocka_unit_test(test_api_tokens),
      cmocka_unit_test(test_cookies),
      cmocka_unit_test(test_authenticate_and_csrf),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
