/*
 * demo: the demo store's accounts (lg_demo_users). The expected list
 * is written out here from what README promises: one account of each
 * role in the demo county, approvers of its city (first four digits) and
 * province (first two), the province's administrator (the one whose
 * jurisdiction holds the whole demo store), and an administrator and a
 * clerk of the next
 * county code; all log in with LG_DEMO_PASSWORD; a second call
 * changes nothing; and the neighbour's clerk is refused what the demo
 * county's clerk may read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "demo/demo.h"
#include "lg_test.h"

static char path[256];
static lg_store_t *store;

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_auth_demo_%d.gpkg", (int)getpid());
  unlink(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  /* The smallest argon2id parameters: the sanitizer run stays quick. */
  if (lg_store_setting_set(store, "auth.pwhash_ops", "1", &err) ||
      lg_store_setting_set(store, "auth.pwhash_mem", "8192", &err))
    return -1;
  return 0;
}

static int teardown(void **state) {
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

static const struct {
  const char *login, *role, *division, *dept, *level, *enterprise;
} want[] = {
    {"admin", "admin", "360781", "", "", ""},
    {"clerk", "clerk", "360781", "", "", ""},
    {"reviewer", "reviewer", "360781", "natural_resources", "", ""},
    {"reviewer.eco", "reviewer", "360781", "ecology", "", ""},
    {"approver", "approver", "360781", "", "county", ""},
    {"approver.city", "approver", "3607", "", "city", ""},
    {"approver.prov", "approver", "36", "", "province", ""},
    {"admin.prov", "admin", "36", "", "", ""},
    {"applicant", "applicant", "360781", "", "", "DEMO-ENTERPRISE-1"},
    {"admin.360782", "admin", "360782", "", "", ""},
    {"clerk.360782", "clerk", "360782", "", "", ""},
};

static void test_demo_users(void **state) {
  lg_err_t err = {0};
  lg_demo_user_t *us;
  size_t n;
  if (lg_demo_users(store, "360781", &us, &n, &err) != 0) fail_msg("%s", err.msg);
  assert_int_equal(n, LG_ARRAY_LEN(want));
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(us[i].login, want[i].login);
    assert_string_equal(us[i].role, want[i].role);
    assert_string_equal(us[i].division, want[i].division);
    assert_true(strlen(us[i].what) > 0);
    lg_user_t u;
    if (lg_auth_user_get(store, want[i].login, &u, &err) != 0) fail_msg("%s", err.msg);
    assert_string_equal(u.role, want[i].role);
    assert_string_equal(u.division, want[i].division);
    assert_string_equal(u.dept, want[i].dept);
    assert_string_equal(u.level, want[i].level);
    assert_string_equal(u.enterprise, want[i].enterprise);
    lg_subject_t who;
    if (lg_auth_login(store, want[i].login, LG_DEMO_PASSWORD, NULL, NULL, &who, NULL, &err))
      fail_msg("%s: %s", want[i].login, err.msg);
  }
  assert_string_equal(us[2].what, "部门审查 (自然资源)");
  assert_string_equal(us[5].what, "市级审批");
  lg_free(us);

  /* Again: nothing new, nothing fails. */
  assert_int_equal(lg_demo_users(store, "360781", NULL, NULL, &err), 0);
  lg_user_t *all;
  assert_int_equal(lg_auth_users(store, NULL, &all, &n, &err), 0);
  assert_int_equal(n, LG_ARRAY_LEN(want));
  lg_free(all);

  /* The neighbour's clerk may not read what the demo county's may. */
  lg_subject_t a, b;
  assert_int_equal(lg_auth_login(store, "clerk", LG_DEMO_PASSWORD, NULL, NULL, &a, NULL, &err), 0);
  assert_int_equal(
      lg_auth_login(store, "clerk.360782", LG_DEMO_PASSWORD, NULL, NULL, &b, NULL, &err), 0);
  lg_object_ref_t obj = {.division = "360781101"};
  bool ok;
  assert_int_equal(lg_auth_allowed(store, &a, "case", "read", &obj, &ok, &err), 0);
  assert_true(ok);
  assert_int_equal(lg_auth_allowed(store, &b, "case", "read", &obj, &ok, &err), 0);
  assert_false(ok);

  /* The province's administrator is the one who may change the policy
   * table of the demo store; the county's is not. */
  lg_subject_t prov, county;
  assert_int_equal(
      lg_auth_login(store, "admin.prov", LG_DEMO_PASSWORD, NULL, NULL, &prov, NULL, &err), 0);
  assert_int_equal(lg_auth_login(store, "admin", LG_DEMO_PASSWORD, NULL, NULL, &county, NULL, &err),
                   0);
  assert_int_equal(lg_auth_require_store_wide(store, &prov, "policy", &err), 0);
  assert_int_equal(lg_auth_require_store_wide(store, &county, "policy", &err), LG_EPERM);

  /* A code that is not a county's. */
  assert_int_equal(lg_demo_users(store, "3607", NULL, NULL, &err), LG_EINVAL);
  assert_int_equal(lg_demo_users(store, "36078", NULL, NULL, &err), LG_EINVAL);
}

static void test_demo_neighbour_at_99(void **state) {
  /* At the end of the numbering the neighbour is the code before. */
  lg_err_t err = {0};
  lg_demo_user_t *us;
  size_t n;
  if (lg_demo_users(store, "360799", &us, &n, &err) != 0) fail_msg("%s", err.msg);
  assert_string_equal(us[n - 1].login, "clerk.360798");
  assert_string_equal(us[n - 1].division, "360798");
  lg_free(us);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_demo_users, setup, teardown),
      cmocka_unit_test_setup_teardown(test_demo_neighbour_at_99, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
