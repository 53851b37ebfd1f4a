/*
 * auth: accounts and passwords. argon2id hashes with libsodium's
 * INTERACTIVE parameters (2 passes, 64 MiB: libsodium's documentation),
 * verification and rejection, rehashing under new parameters, the
 * password policy, the rules for each role's account, lists by
 * jurisdiction, disabling and password changes.
 *
 * The store is told to hash with the smallest argon2id parameters (the
 * auth.pwhash_* settings), except where the default is the point, so that
 * sanitizer runs stay quick.
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
static lg_store_t *store;

static void fast_hashing(void) {
  lg_err_t err = {0};
  assert_int_equal(lg_store_setting_set(store, "auth.pwhash_ops", "1", &err), 0);
  assert_int_equal(lg_store_setting_set(store, "auth.pwhash_mem", "8192", &err), 0);
}

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_auth_users_%d.gpkg", (int)getpid());
  unlink(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  fast_hashing();
  return 0;
}

static int teardown(void **state) {
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

static char *stored_hash(const char *login) {
  lg_stmt_t *st;
  char *out = NULL;
  assert_int_equal(
      lg_store_prepare(store, "SELECT pw_hash FROM lg_users WHERE login = ?", &st, NULL), 0);
  lg_store_bind_text(st, 1, login);
  if (lg_store_step(st) == LG_ROW) out = lg_strdup(lg_store_col_text(st, 0));
  lg_store_done(st);
  assert_non_null(out);
  return out;
}

static void add_clerk(const char *login, const char *password) {
  lg_err_t err = {0};
  lg_user_def_t d = {.login = login, .role = "clerk", .division = "360781", .name = "测试"};
  int rc = lg_auth_user_add(store, &d, password, NULL, &err);
  if (rc) fail_msg("adding %s: %s", login, err.msg);
}

/* Default parameters: argon2id, m = 65536 KiB, t = 2 (libsodium's
 * crypto_pwhash_OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE, 64 MiB). */
static void test_default_hash_is_argon2id_interactive(void **state) {
  assert_int_equal(
      lg_store_exec(store, "DELETE FROM lg_settings WHERE key LIKE 'auth.pwhash%'", NULL), 0);
  add_clerk("interactive", "Correct-Horse-9");
  char *h = stored_hash("interactive");
  assert_true(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
  assert_null(strstr(h, "Correct-Horse-9"));
  lg_free(h);
  lg_err_t err = {0};
  assert_int_equal(
      lg_auth_login(store, "interactive", "Correct-Horse-9", NULL, NULL, NULL, NULL, &err), 0);
  fast_hashing();
}

static void test_verify_and_reject(void **state) {
  lg_err_t err = {0};
  add_clerk("verify", "Tr0ub4dor&3");
  char *h = stored_hash("verify");
  /* The smallest argon2id: 8 KiB, one pass. */
  assert_true(strncmp(h, "$argon2id$v=19$m=8,t=1,p=1$", 27) == 0);
  lg_free(h);
  lg_subject_t who;
  assert_int_equal(lg_auth_login(store, "verify", "Tr0ub4dor&3", NULL, NULL, &who, NULL, &err), 0);
  assert_string_equal(who.login, "verify");
  assert_string_equal(who.role, "clerk");
  assert_string_equal(who.division, "360781");
  /* Logins are case-insensitive; passwords are not. */
  assert_int_equal(lg_auth_login(store, "VERIFY", "Tr0ub4dor&3", NULL, NULL, NULL, NULL, &err), 0);
  static const char *const wrong[] = {"Tr0ub4dor&4", "tr0ub4dor&3", "Tr0ub4dor&3 ", ""};
  for (size_t i = 0; i < LG_ARRAY_LEN(wrong); i++) {
    lg_err_clear(&err);
    assert_int_equal(lg_auth_login(store, "verify", wrong[i], NULL, NULL, NULL, NULL, &err),
                     LG_EPERM);
    assert_string_equal(err.msg, "用户名或密码错误");
  }
  /* An unknown login gets the very same answer. */
  lg_err_clear(&err);
  assert_int_equal(lg_auth_login(store, "nobody", "Tr0ub4dor&3", NULL, NULL, NULL, NULL, &err),
                   LG_EPERM);
  assert_string_equal(err.msg, "用户名或密码错误");
  assert_int_equal(lg_auth_login(store, NULL, NULL, NULL, NULL, NULL, NULL, &err), LG_EPERM);
}

/* A login under new parameters rehashes the password with them. */
static void test_rehash_on_login(void **state) {
  lg_err_t err = {0};
  add_clerk("rehash", "Rehash-Me-42");
  assert_int_equal(lg_store_setting_set(store, "auth.pwhash_ops", "2", &err), 0);
  assert_int_equal(lg_store_setting_set(store, "auth.pwhash_mem", "16384", &err), 0);
  assert_int_equal(lg_auth_login(store, "rehash", "Rehash-Me-42", NULL, NULL, NULL, NULL, &err), 0);
  char *h = stored_hash("rehash");
  assert_true(strncmp(h, "$argon2id$v=19$m=16,t=2,p=1$", 28) == 0);
  lg_free(h);
  assert_int_equal(lg_auth_login(store, "rehash", "Rehash-Me-42", NULL, NULL, NULL, NULL, &err), 0);
  fast_hashing();
}

static void test_password_policy(void **state) {
  lg_err_t err = {0};
  static const char *const bad[] = {
      "Ab1",        /* short */
      "abcdefgh",   /* one class */
      "abcdefg1",   /* two classes */
      "ABCDEFGH1",  /* two classes */
      "短密码Ab1",  /* three classes, but 6 characters */
      "Abcdefg1\n", /* a control character */
      "\xff\xfe"
      "Abcdefg1", /* not UTF-8 */
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++)
    if (lg_auth_password_acceptable(store, bad[i], &err) != LG_EINVAL)
      fail_msg("password %zu accepted", i);
  static const char *const good[] = {"Abcdefg1", "abcdefg1!", "ABCDEFG1-", "国土空间规划Ab1"};
  for (size_t i = 0; i < LG_ARRAY_LEN(good); i++)
    if (lg_auth_password_acceptable(store, good[i], &err) != 0)
      fail_msg("password \"%s\" refused: %s", good[i], err.msg);
  assert_int_equal(lg_store_setting_set(store, "auth.password_min_len", "12", &err), 0);
  assert_int_equal(lg_auth_password_acceptable(store, "Abcdefg1", &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "12"));
  assert_int_equal(lg_store_setting_set(store, "auth.password_min_len", "8", &err), 0);
  /* A weak password does not make an account. */
  lg_user_def_t d = {.login = "weak", .role = "clerk", .division = "360781"};
  assert_int_equal(lg_auth_user_add(store, &d, "password", NULL, &err), LG_EINVAL);
  assert_int_equal(lg_auth_user_get(store, "weak", &(lg_user_t){0}, &err), LG_ENOTFOUND);
}

static void test_generated_passwords(void **state) {
  lg_err_t err = {0};
  char a[LG_AUTH_GEN_PASSWORD_LEN + 1], b[LG_AUTH_GEN_PASSWORD_LEN + 1];
  for (int i = 0; i < 50; i++) {
    lg_auth_password_generate(a);
    assert_int_equal(strlen(a), 16);
    assert_null(strpbrk(a, "0O1lIo"));
    if (lg_auth_password_acceptable(store, a, &err) != 0) fail_msg("%s: %s", a, err.msg);
  }
  lg_auth_password_generate(b);
  assert_string_not_equal(a, b);
}

/* Each role's account needs what the role needs, and nothing else. */
static void test_account_rules(void **state) {
  lg_err_t err = {0};
  const char *pw = "Good-Pass-1";
  static const struct {
    lg_user_def_t d;
    int want;
  } cases[] = {
      {{.login = "r1", .role = "reviewer", .division = "360781"}, LG_EINVAL},
      {{.login = "r2", .role = "reviewer", .division = "360781", .dept = "nonexistent"}, LG_EINVAL},
      {{.login = "r3", .role = "reviewer", .division = "360781", .dept = "ecology"}, 0},
      {{.login = "a1", .role = "approver", .division = "360781"}, LG_EINVAL},
      {{.login = "a2", .role = "approver", .division = "3607", .level = "county"}, LG_EINVAL},
      {{.login = "a3", .role = "approver", .division = "360700", .level = "city"}, 0},
      {{.login = "a4", .role = "approver", .division = "360000", .level = "province"}, 0},
      {{.login = "a5", .role = "approver", .division = "360781", .level = "township"}, LG_EINVAL},
      {{.login = "e1", .role = "applicant", .division = "360781"}, LG_EINVAL},
      {{.login = "e2", .role = "applicant", .division = "360781", .enterprise = "91 3607"},
       LG_EINVAL},
      {{.login = "e3",
        .role = "applicant",
        .division = "360781",
        .enterprise = "91360781MA35ABCD1X"},
       0},
      {{.login = "c1", .role = "clerk", .division = "360781", .dept = "ecology"}, LG_EINVAL},
      {{.login = "c2", .role = "clerk", .division = "360781", .enterprise = "E1"}, LG_EINVAL},
      {{.login = "c3", .role = "clerk", .division = "360781", .level = "county"}, LG_EINVAL},
      {{.login = "c4", .role = "clerk", .division = "36078"}, LG_EINVAL},
      {{.login = "c5", .role = "clerk"}, LG_EINVAL},
      {{.login = "c6", .role = "clerk", .division = "360781101"}, 0},
      {{.login = "c7", .role = "clerk", .division = "360781101001"}, LG_EINVAL},
      {{.login = "p1", .role = "public", .division = "360781"}, LG_EINVAL},
      {{.login = "x1", .role = "chief", .division = "360781"}, LG_EINVAL},
      {{.login = "x", .role = "clerk", .division = "360781"}, LG_EINVAL},
      {{.login = "_x", .role = "clerk", .division = "360781"}, LG_EINVAL},
      {{.login = "x y", .role = "clerk", .division = "360781"}, LG_EINVAL},
      {{.login = "张三", .role = "clerk", .division = "360781"}, LG_EINVAL},
      {{.login = "Zhang.San@gov", .role = "clerk", .division = "360781"}, 0},
      {{.login = "ZHANG.SAN@GOV", .role = "admin", .division = "360781"}, LG_ECONFLICT},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    lg_err_clear(&err);
    int rc = lg_auth_user_add(store, &cases[i].d, pw, NULL, &err);
    if (rc != cases[i].want)
      fail_msg("%s: got %d (%s), expected %d", cases[i].d.login, rc, err.msg, cases[i].want);
  }
  lg_user_t u;
  assert_int_equal(lg_auth_user_get(store, "a3", &u, &err), 0);
  assert_string_equal(u.division, "3607"); /* 360700 normalised */
  assert_string_equal(u.level, "city");
  assert_int_equal(lg_auth_user_get(store, "zhang.san@gov", &u, &err), 0);
  assert_string_equal(u.login, "zhang.san@gov");
  assert_int_equal(lg_auth_user_get(store, "e3", &u, &err), 0);
  assert_string_equal(u.enterprise, "91360781MA35ABCD1X");
  assert_int_equal(lg_auth_user_get(store, "r3", &u, &err), 0);
  assert_string_equal(u.dept, "ecology");
  assert_false(u.disabled);
  assert_int_equal(lg_auth_user_get(store, "nobody", &u, &err), LG_ENOTFOUND);
}

static void test_list_within(void **state) {
  lg_err_t err = {0};
  static const struct {
    const char *login, *div;
  } us[] = {{"w_prov", "36"},        {"w_city", "3607"},    {"w_county", "360781"},
            {"w_town", "360781101"}, {"w_other", "360881"}, {"w_far", "350102"}};
  for (size_t i = 0; i < LG_ARRAY_LEN(us); i++) {
    lg_user_def_t d = {.login = us[i].login, .role = "clerk", .division = us[i].div};
    assert_int_equal(lg_auth_user_add(store, &d, "Good-Pass-1", NULL, &err), 0);
  }
  lg_user_t *list;
  size_t n;
  assert_int_equal(lg_auth_users(store, "360700", &list, &n, &err), 0);
  /* In login order: w_city, w_county, w_town (other tests' users are at
   * 360781 too, so look only at w_*). */
  const char *want[] = {"w_city", "w_county", "w_town"};
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(list[i].login, "w_", 2) != 0) continue;
    assert_true(k < 3);
    assert_string_equal(list[i].login, want[k++]);
  }
  assert_int_equal(k, 3);
  lg_free(list);
  assert_int_equal(lg_auth_users(store, NULL, &list, &n, &err), 0);
  k = 0;
  for (size_t i = 0; i < n; i++)
    k += strncmp(list[i].login, "w_", 2) == 0;
  assert_int_equal(k, 6);
  lg_free(list);
  assert_int_equal(lg_auth_users(store, "3607x", &list, &n, &err), LG_EINVAL);
}

/* A disabled user cannot log in, even with the right password, and loses
 * the sessions it had; enabling it again lets it in. */
static void test_disabled_user(void **state) {
  lg_err_t err = {0};
  add_clerk("leaver", "Leaving-Soon-1");
  lg_session_t sess;
  assert_int_equal(
      lg_auth_login(store, "leaver", "Leaving-Soon-1", "10.0.0.9", &sess, NULL, NULL, &err), 0);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), 0);
  assert_int_equal(lg_auth_user_set_disabled(store, "leaver", true, NULL, &err), 0);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), LG_EPERM);
  lg_err_clear(&err);
  assert_int_equal(
      lg_auth_login(store, "leaver", "Leaving-Soon-1", "10.0.0.9", &sess, NULL, NULL, &err),
      LG_EPERM);
  assert_non_null(strstr(err.msg, "已停用"));
  /* The wrong password still says only that the password is wrong. */
  assert_int_equal(lg_auth_login(store, "leaver", "Wrong-Pass-1", NULL, NULL, NULL, NULL, &err),
                   LG_EPERM);
  assert_string_equal(err.msg, "用户名或密码错误");
  lg_user_t u;
  assert_int_equal(lg_auth_user_get(store, "leaver", &u, &err), 0);
  assert_true(u.disabled);
  assert_int_equal(lg_auth_user_set_disabled(store, "leaver", false, NULL, &err), 0);
  assert_int_equal(lg_auth_login(store, "leaver", "Leaving-Soon-1", NULL, &sess, NULL, NULL, &err),
                   0);
  assert_int_equal(lg_auth_user_set_disabled(store, "ghost", true, NULL, &err), LG_ENOTFOUND);
}

static void test_passwd(void **state) {
  lg_err_t err = {0};
  add_clerk("changer", "First-Pass-1");
  lg_session_t sess;
  assert_int_equal(lg_auth_login(store, "changer", "First-Pass-1", NULL, &sess, NULL, NULL, &err),
                   0);
  assert_int_equal(lg_auth_user_passwd(store, "changer", "short", NULL, &err), LG_EINVAL);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), 0);
  assert_int_equal(lg_auth_user_passwd(store, "changer", "Second-Pass-2", NULL, &err), 0);
  /* The new password ends the old sessions. */
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), LG_EPERM);
  assert_int_equal(lg_auth_login(store, "changer", "First-Pass-1", NULL, NULL, NULL, NULL, &err),
                   LG_EPERM);
  assert_int_equal(lg_auth_login(store, "changer", "Second-Pass-2", NULL, NULL, NULL, NULL, &err),
                   0);
  assert_int_equal(lg_auth_user_passwd(store, "ghost", "Second-Pass-2", NULL, &err), LG_ENOTFOUND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_hash_is_argon2id_interactive),
      cmocka_unit_test(test_verify_and_reject),
      cmocka_unit_test(test_rehash_on_login),
      cmocka_unit_test(test_password_policy),
      cmocka_unit_test(test_generated_passwords),
      cmocka_unit_test(test_account_rules),
      cmocka_unit_test(test_list_within),
      cmocka_unit_test(test_disabled_user),
      cmocka_unit_test(test_passwd),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
