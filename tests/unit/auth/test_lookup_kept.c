/*
 * auth: the token and session lookups run on statements the connection
 * keeps (session.c, lg_store_stmt). Keeping the statement must keep
 * nothing of the answer: a revocation, a logout or a disabled account
 * made on another connection (another worker thread of the server)
 * counts on the very next lookup here, and an unknown token between two
 * good ones changes nothing. Expected outcomes are the rules of auth.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "lg_test.h"

static char path[256];
static lg_store_t *store, *other;

static int setup(void **state) {
  (void)state;
  snprintf(path, sizeof path, "/tmp/lg_test_auth_kept_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0)
    fail_msg("open: %s", err.msg);
  if (lg_store_open(lg_test_target(path), 0, &other, &err) != 0) fail_msg("open: %s", err.msg);
  lg_store_setting_set(store, "auth.pwhash_ops", "1", &err);
  lg_store_setting_set(store, "auth.pwhash_mem", "8192", &err);
  lg_user_def_t d = {.login = "clerk1", .role = "clerk", .division = "360781"};
  if (lg_auth_user_add(store, &d, "Kept-Statement-2026", NULL, &err) != 0)
    fail_msg("user: %s", err.msg);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lg_clock_set(0);
  lg_store_close(other);
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

static int token_lookup(const char *token) {
  lg_subject_t who;
  lg_err_t err = {0};
  return lg_auth_token_lookup(store, token, &who, &err);
}

static void test_token_revoked_elsewhere(void **state) {
  (void)state;
  char token[64];
  int64_t id = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_auth_token_create(store, "clerk1", "bench", 0, token, &id, &err), 0);
  for (int i = 0; i < 3; i++)
    assert_int_equal(token_lookup(token), 0);
  /* A well-formed token nobody issued, then the good one again. */
  char unknown[64];
  snprintf(unknown, sizeof unknown, "%s", token);
  unknown[strlen(unknown) - 1] = unknown[strlen(unknown) - 1] == 'A' ? 'B' : 'A';
  assert_int_equal(token_lookup(unknown), LG_EPERM);
  assert_int_equal(token_lookup(token), 0);
  /* Revoked through the other connection: refused here at once. */
  assert_int_equal(lg_auth_token_revoke(other, id, &err), 0);
  lg_subject_t who;
  lg_err_clear(&err);
  assert_int_equal(lg_auth_token_lookup(store, token, &who, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "吊销"));
}

static void test_session_ended_elsewhere(void **state) {
  (void)state;
  lg_session_t sess;
  lg_subject_t who;
  lg_err_t err = {0};
  assert_int_equal(
      lg_auth_login(store, "clerk1", "Kept-Statement-2026", "127.0.0.1", &sess, &who, NULL, &err),
      0);
  lg_session_t found;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(lg_auth_session_lookup(store, sess.token, &who, &found, &err), 0);
    assert_string_equal(who.login, "clerk1");
    assert_string_equal(found.csrf, sess.csrf);
  }
  /* Logged out on the other connection: the next lookup here fails. */
  assert_int_equal(lg_auth_logout(other, sess.token, &err), 0);
  lg_err_clear(&err);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, &who, &found, &err), LG_EPERM);
  /* A new session, then the account disabled elsewhere: refused here. */
  assert_int_equal(
      lg_auth_login(store, "clerk1", "Kept-Statement-2026", "127.0.0.1", &sess, &who, NULL, &err),
      0);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, &who, &found, &err), 0);
  assert_int_equal(
      lg_store_exec(other, "UPDATE lg_users SET disabled = 1 WHERE login = 'clerk1'", &err), 0);
  lg_err_clear(&err);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, &who, &found, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "停用"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_token_revoked_elsewhere, setup, teardown),
      cmocka_unit_test_setup_teardown(test_session_ended_elsewhere, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
