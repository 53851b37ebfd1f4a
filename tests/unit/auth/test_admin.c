/*
 * auth: store-wide administration. Which division the store serves and so
 * whose administrator may change the policy table and the settings; that
 * no administrator makes one above itself; the settings' rules; the ledger
 * entries of account, policy and setting changes (who, what, and the
 * digest of a state written out here by hand, with no password in it);
 * and the auditors finding changes made behind landgov's back.
 *
 * Times come from the injectable clock: T0 = 1790000000 is
 * 2026-09-21T14:13:20Z (1790000000 = 20717 days of 86400 s + 51200 s;
 * day 20717 after 1970-01-01 is 2026-09-21; 51200 s = 14:13:20).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "ledger/ledger.h"
#include "lg_test.h"

static char path[256];
static lg_store_t *store;
static const int64_t T0 = 1790000000;
static const char *const PW = "Admin-Test-2026";

static int open_store(const char *p, lg_store_t **s) {
  lg_err_t err = {0};
  unlink(p);
  if (lg_store_open(lg_test_target(p), LG_STORE_CREATE, s, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  /* The smallest argon2id parameters: the sanitizer run stays quick. */
  if (lg_store_setting_set(*s, "auth.pwhash_ops", "1", &err) ||
      lg_store_setting_set(*s, "auth.pwhash_mem", "8192", &err))
    return -1;
  return 0;
}

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_auth_admin_%d.gpkg", (int)getpid());
  return open_store(path, &store);
}

static int teardown(void **state) {
  lg_clock_set(0);
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

static void add(const char *login, const char *role, const char *division, const lg_subject_t *by) {
  lg_err_t err = {0};
  lg_user_def_t d = {.login = login, .role = role, .division = division, .by = by};
  if (strcmp(role, "approver") == 0)
    d.level = strlen(division) == 2 ? "province" : strlen(division) == 4 ? "city" : "county";
  if (lg_auth_user_add(store, &d, PW, NULL, &err)) fail_msg("%s: %s", login, err.msg);
}

static lg_subject_t subject_of(const char *login) {
  lg_err_t err = {0};
  lg_user_t u;
  if (lg_auth_user_get(store, login, &u, &err)) fail_msg("%s: %s", login, err.msg);
  lg_subject_t s;
  lg_auth_subject_from_user(&u, &s);
  return s;
}

static void exec_sql(const char *sql) {
  lg_err_t err = {0};
  if (lg_store_exec(store, sql, &err) != 0) fail_msg("%s: %s", sql, err.msg);
}

/* The latest ledger entry about an object, parsed; *count receives how
 * many there are. */
static json_t *last_entry(const char *type, const char *id, size_t *count) {
  lg_err_t err = {0};
  uint64_t idx[64];
  size_t total = 0;
  if (lg_ledger_object_entries(store, type, id, idx, 64, &total, &err))
    fail_msg("entries of %s %s: %s", type, id, err.msg);
  if (count) *count = total;
  if (total == 0) return NULL;
  char *text = NULL;
  if (lg_ledger_entry(store, idx[total - 1], &text, NULL, &err)) fail_msg("%s", err.msg);
  json_t *e = json_loads(text, 0, NULL);
  assert_non_null(e);
  json_object_set_new(e, "_text", json_string(text));
  lg_free(text);
  return e;
}

static const char *field(const json_t *e, const char *k) {
  const char *v = json_string_value(json_object_get(e, k));
  return v ? v : "(missing)";
}

/* The hex digest of a JSON document given as text (the expected state,
 * written out by hand). */
static void digest_hex(const char *json, char out[65]) {
  lg_err_t err = {0};
  json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
  if (!v) fail_msg("bad expected JSON: %s", json);
  unsigned char d[32];
  if (lg_ledger_digest_json(v, d, &err)) fail_msg("%s", err.msg);
  json_decref(v);
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void assert_entry(const char *type, const char *id, const char *action, const char *actor,
                         const char *role, const char *jurisdiction, const char *state) {
  json_t *e = last_entry(type, id, NULL);
  if (!e) fail_msg("no entry for %s %s", type, id);
  char want[65];
  digest_hex(state, want);
  if (strcmp(field(e, "action"), action) || strcmp(field(e, "actor"), actor) ||
      strcmp(field(e, "role"), role) || strcmp(field(e, "jurisdiction"), jurisdiction) ||
      strcmp(field(e, "digest"), want))
    fail_msg("%s %s: entry %s\nwanted action %s, actor %s, role %s, jurisdiction %s, digest %s "
             "of %s",
             type, id, field(e, "_text"), action, actor, role, jurisdiction, want, state);
  json_decref(e);
}

/* ---- The store's division and the store-wide rule ------------------------- */

static void test_store_division(void **state) {
  lg_err_t err = {0};
  char top[16];
  assert_int_equal(lg_auth_store_division(store, top, &err), 0);
  assert_string_equal(top, ""); /* no accounts yet */
  add("admin", "admin", "360781", NULL);
  add("clerk", "clerk", "360781", NULL);
  add("admin.b", "admin", "360782", NULL);
  add("admin.city", "admin", "3607", NULL);
  add("admin.prov", "admin", "36", NULL);
  add("clerk.prov", "clerk", "36", NULL);
  assert_int_equal(lg_auth_store_division(store, top, &err), 0);
  assert_string_equal(top, "36");

  lg_subject_t prov = subject_of("admin.prov"), city = subject_of("admin.city"),
               county = subject_of("admin"), clerk = subject_of("clerk.prov");
  assert_int_equal(lg_auth_require_store_wide(store, &prov, "policy", &err), 0);
  assert_int_equal(lg_auth_require_store_wide(store, &prov, "setting", &err), 0);
  assert_int_equal(lg_auth_require_store_wide(store, &city, "policy", &err), LG_EPERM);
  assert_int_equal(lg_auth_require_store_wide(store, &county, "setting", &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "行政区 36"));
  assert_non_null(strstr(err.msg, "admin (360781)"));
  assert_int_equal(lg_auth_require_store_wide(store, &clerk, "policy", &err), LG_EPERM);

  /* Accounts of another province: no division holds the store until the
   * setting says which it is. */
  add("far", "clerk", "440106", NULL);
  assert_int_equal(lg_auth_store_division(store, top, &err), 0);
  assert_string_equal(top, "");
  assert_int_equal(lg_auth_require_store_wide(store, &prov, "policy", &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "auth.store_division"));

  /* A county running its own store says so; 360000 is the province. */
  lg_subject_t ops;
  lg_auth_subject_console(&ops, "ops");
  assert_int_equal(lg_auth_setting_set(store, "auth.store_division", "360781", &ops, &err), 0);
  assert_int_equal(lg_auth_require_store_wide(store, &county, "policy", &err), 0);
  assert_int_equal(lg_auth_require_store_wide(store, &prov, "policy", &err), 0);
  lg_subject_t other = subject_of("admin.b");
  assert_int_equal(lg_auth_require_store_wide(store, &other, "policy", &err), LG_EPERM);
  assert_int_equal(lg_auth_setting_set(store, "auth.store_division", "360000", &ops, &err), 0);
  assert_int_equal(lg_auth_store_division(store, top, &err), 0);
  assert_string_equal(top, "36");
  assert_int_equal(lg_auth_require_store_wide(store, &county, "policy", &err), LG_EPERM);
  /* A value edited by hand into something that is no code: nobody. */
  assert_int_equal(lg_store_setting_set(store, "auth.store_division", "3607x", &err), 0);
  assert_int_equal(lg_auth_store_division(store, top, &err), 0);
  assert_string_equal(top, "");
  assert_int_equal(lg_auth_require_store_wide(store, &prov, "policy", &err), LG_EPERM);
  assert_int_equal(lg_auth_setting_set(store, "auth.store_division", "36", &ops, &err), 0);
  assert_true(lg_auth_policy_console_only("policy"));
  assert_true(lg_auth_policy_console_only("setting"));
  assert_false(lg_auth_policy_console_only("user"));
}

static void test_grant_check(void **state) {
  lg_err_t err = {0};
  lg_subject_t county = subject_of("admin"), ops;
  lg_auth_subject_console(&ops, "ops");
  assert_int_equal(lg_auth_grant_check(&county, "admin", "360781", &err), 0);
  assert_int_equal(lg_auth_grant_check(&county, "admin", "360781101", &err), 0);
  assert_int_equal(lg_auth_grant_check(&county, "admin", "3607", &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "3607"));
  assert_int_equal(lg_auth_grant_check(&county, "admin", "360782", &err), LG_EPERM);
  assert_int_equal(lg_auth_grant_check(&county, "admin", "36", &err), LG_EPERM);
  /* Other roles are the policy's question (where may one create users). */
  assert_int_equal(lg_auth_grant_check(&county, "clerk", "3607", &err), 0);
  assert_int_equal(lg_auth_grant_check(&ops, "admin", "36", &err), 0);
}

/* ---- Settings ------------------------------------------------------------------ */

static void test_setting_rules(void **state) {
  lg_err_t err = {0};
  char out[LG_SETTING_MAX];
  static const struct {
    const char *key, *value, *stored; /* stored NULL: refused */
  } cases[] = {
      {"auth.throttle_address_failures", "50", "50"},
      {"auth.throttle_address_failures", "0", NULL},
      {"auth.throttle_address_failures", "100000", "100000"},
      {"auth.throttle_address_failures", "100001", NULL},
      {"auth.throttle_max", "007", "7"},
      {"auth.throttle_max", " 7", NULL},
      {"auth.throttle_max", "+7", NULL},
      {"auth.throttle_max", "7s", NULL},
      {"auth.throttle_max", "", NULL},
      {"limits.request_ms", "0", "0"},
      {"metrics.load_threshold", "0", NULL},
      {"metrics.load_threshold", "1", "1"},
      {"metrics.load_threshold", "100000", "100000"},
      {"metrics.load_threshold", "100001", NULL},
      {"metrics.idle_days", "3650", "3650"},
      {"metrics.idle_days", "3651", NULL},
      {"metrics.coordination_nodes", "Task_Joint,Task_Committee", "Task_Joint,Task_Committee"},
      {"metrics.coordination_nodes", "Task_A;DROP", NULL},
      {"metrics.coordination_nodes", "", NULL},
      {"auth.store_division", "360700", "3607"},
      {"auth.store_division", "", ""},
      {"auth.store_division", "36078", NULL},
      {"auth.store_division", "360781101001", NULL},
      {"project_srs", "4526", "4526"},
      {"project_srs", "99", NULL},
      {"ledger.vkey", "x", NULL},
      {"auth.pwhash_ops", "1", NULL},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    lg_err_clear(&err);
    int rc = lg_auth_setting_check(cases[i].key, cases[i].value, out, &err);
    if (cases[i].stored ? rc != 0 || strcmp(out, cases[i].stored) != 0 : rc != LG_EINVAL)
      fail_msg("%s = \"%s\": rc %d, stored \"%s\" (%s); wanted %s", cases[i].key, cases[i].value,
               rc, out, err.msg, cases[i].stored ? cases[i].stored : "a refusal");
    if (rc && !strstr(err.msg, cases[i].key)) fail_msg("message names no key: %s", err.msg);
  }
  assert_int_equal(lg_auth_setting_check("auth.throttle_max", "0", out, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "1 到 1000"));
  assert_int_equal(lg_auth_setting_check("nothing", "1", out, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "auth.throttle_address_failures"));
  assert_non_null(strstr(err.msg, "metrics.coordination_nodes"));
  /* The registry lists each key once, with the defaults the migrations
   * wrote where they wrote one (40, 42, 45, 55, 200); a setting no
   * migration wrote reads as its default. */
  size_t n;
  const lg_setting_def_t *d = lg_store_setting_defs(&n);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(d[i].key, d[j].key);
    char *v = NULL;
    assert_int_equal(lg_store_setting_get(store, d[i].key, &v, &err), 0);
    if (strcmp(d[i].key, "project_srs") != 0 && strcmp(d[i].key, "auth.store_division") != 0 &&
        strcmp(d[i].key, "auth.throttle_max") != 0 && v && strcmp(v, d[i].dflt) != 0)
      fail_msg("%s: migration wrote \"%s\", table says \"%s\"", d[i].key, v ? v : "(none)",
               d[i].dflt);
    lg_free(v);
  }
  assert_string_equal(lg_store_setting_def("auth.throttle_address_failures")->dflt, "50");
  assert_true(lg_store_setting_def("auth.store_division")->console_only);
  assert_false(lg_store_setting_def("auth.throttle_max")->console_only);
  assert_null(lg_store_setting_def("ledger.vkey"));
}

/* ---- Ledger entries -------------------------------------------------------------- */

static void test_account_entries(void **state) {
  lg_err_t err = {0};
  lg_subject_t admin = subject_of("admin");
  lg_clock_set(T0);
  lg_user_def_t d = {
      .login = "zhao", .name = "赵", .role = "clerk", .division = "360781101", .by = &admin};
  assert_int_equal(lg_auth_user_add(store, &d, PW, NULL, &err), 0);
  assert_entry("user", "zhao", "user.add", "admin", "admin", "360781101",
               "{\"login\":\"zhao\",\"name\":\"赵\",\"role\":\"clerk\",\"dept\":null,"
               "\"level\":null,\"division\":\"360781101\",\"enterprise\":null,"
               "\"disabled\":false,\"password_changed_at\":\"2026-09-21T14:13:20Z\"}");
  /* Nothing of the password in the log. */
  json_t *e = last_entry("user", "zhao", NULL);
  assert_null(strstr(field(e, "_text"), PW));
  assert_null(strstr(field(e, "_text"), "argon2"));
  json_decref(e);
  /* A refused add writes nothing. */
  size_t before, after;
  json_decref(last_entry("user", "zhao", &before));
  assert_int_equal(lg_auth_user_add(store, &d, PW, NULL, &err), LG_ECONFLICT);
  json_decref(last_entry("user", "zhao", &after));
  assert_int_equal(after, before);

  lg_session_t sess;
  assert_int_equal(lg_auth_login(store, "zhao", PW, NULL, &sess, NULL, NULL, &err), 0);
  assert_int_equal(lg_auth_user_set_disabled(store, "zhao", true, &admin, &err), 0);
  assert_entry("user", "zhao", "user.disable", "admin", "admin", "360781101",
               "{\"login\":\"zhao\",\"name\":\"赵\",\"role\":\"clerk\",\"dept\":null,"
               "\"level\":null,\"division\":\"360781101\",\"enterprise\":null,"
               "\"disabled\":true,\"password_changed_at\":\"2026-09-21T14:13:20Z\"}");
  assert_int_equal(lg_auth_user_set_disabled(store, "zhao", false, NULL, &err), 0);
  assert_entry("user", "zhao", "user.enable", "system", "", "360781101",
               "{\"login\":\"zhao\",\"name\":\"赵\",\"role\":\"clerk\",\"dept\":null,"
               "\"level\":null,\"division\":\"360781101\",\"enterprise\":null,"
               "\"disabled\":false,\"password_changed_at\":\"2026-09-21T14:13:20Z\"}");
  lg_clock_set(T0 + 60);
  lg_subject_t self = subject_of("zhao");
  assert_int_equal(lg_auth_user_passwd(store, "zhao", "Another-Pass-2027", &self, &err), 0);
  assert_entry("user", "zhao", "user.passwd", "zhao", "clerk", "360781101",
               "{\"login\":\"zhao\",\"name\":\"赵\",\"role\":\"clerk\",\"dept\":null,"
               "\"level\":null,\"division\":\"360781101\",\"enterprise\":null,"
               "\"disabled\":false,\"password_changed_at\":\"2026-09-21T14:14:20Z\"}");
  e = last_entry("user", "zhao", NULL);
  assert_null(strstr(field(e, "_text"), "Another-Pass-2027"));
  json_decref(e);

  /* A new role: a county approver needs a six-digit division. */
  assert_int_equal(lg_auth_login(store, "zhao", "Another-Pass-2027", NULL, &sess, NULL, NULL, &err),
                   0);
  lg_user_def_t r = {.role = "approver", .level = "county", .by = &admin};
  assert_int_equal(lg_auth_user_update(store, "zhao", &r, &err), LG_EINVAL);
  r.division = "360781";
  json_decref(last_entry("user", "zhao", &before));
  assert_int_equal(lg_auth_user_update(store, "zhao", &r, &err), 0);
  json_decref(last_entry("user", "zhao", &after));
  assert_int_equal(after, before + 1);
  assert_entry("user", "zhao", "user.role", "admin", "admin", "360781",
               "{\"login\":\"zhao\",\"name\":\"赵\",\"role\":\"approver\",\"dept\":null,"
               "\"level\":\"county\",\"division\":\"360781\",\"enterprise\":null,"
               "\"disabled\":false,\"password_changed_at\":\"2026-09-21T14:14:20Z\"}");
  /* New powers end the sessions the old ones opened. */
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), LG_EPERM);
  /* Only the name: the role keeps its level, the session stays. */
  assert_int_equal(lg_auth_login(store, "zhao", "Another-Pass-2027", NULL, &sess, NULL, NULL, &err),
                   0);
  lg_user_def_t nm = {.name = "赵六", .by = &admin};
  assert_int_equal(lg_auth_user_update(store, "zhao", &nm, &err), 0);
  assert_int_equal(lg_auth_session_lookup(store, sess.token, NULL, NULL, &err), 0);
  lg_user_t u;
  assert_int_equal(lg_auth_user_get(store, "zhao", &u, &err), 0);
  assert_string_equal(u.name, "赵六");
  assert_string_equal(u.level, "county");
  /* A reviewer without a department: refused, nothing written. */
  json_decref(last_entry("user", "zhao", &before));
  lg_user_def_t bad = {.role = "reviewer", .by = &admin};
  assert_int_equal(lg_auth_user_update(store, "zhao", &bad, &err), LG_EINVAL);
  json_decref(last_entry("user", "zhao", &after));
  assert_int_equal(after, before);
  assert_int_equal(lg_auth_user_update(store, "ghost", &bad, &err), LG_ENOTFOUND);
  lg_clock_set(0);
}

static void test_policy_and_setting_entries(void **state) {
  lg_err_t err = {0};
  lg_subject_t prov = subject_of("admin.prov"), ops;
  lg_auth_subject_console(&ops, "ops");
  assert_int_equal(lg_auth_policy_set(store, "clerk", "check", "act", "jurisdiction", &prov, &err),
                   0);
  assert_entry("policy", "clerk:check:act", "policy.set", "admin.prov", "admin", "36",
               "{\"role\":\"clerk\",\"resource\":\"check\",\"action\":\"act\","
               "\"scope\":\"jurisdiction\"}");
  /* A refused cell writes nothing. */
  size_t n0, n1;
  json_decref(last_entry("policy", "public:case:act", &n0));
  assert_int_equal(lg_auth_policy_set(store, "public", "case", "act", "all", &ops, &err),
                   LG_EINVAL);
  json_decref(last_entry("policy", "public:case:act", &n1));
  assert_int_equal(n0, 0);
  assert_int_equal(n1, 0);

  assert_int_equal(lg_auth_setting_set(store, "auth.throttle_max", "007", &ops, &err), 0);
  assert_entry("setting", "auth.throttle_max", "setting.set", "ops", "console", "36",
               "{\"key\":\"auth.throttle_max\",\"value\":\"7\"}");
  char *v = NULL;
  assert_int_equal(lg_store_setting_get(store, "auth.throttle_max", &v, &err), 0);
  assert_string_equal(v, "7");
  lg_free(v);
  assert_int_equal(lg_auth_setting_set(store, "auth.throttle_max", "0", &ops, &err), LG_EINVAL);
  assert_int_equal(lg_store_setting_get(store, "auth.throttle_max", &v, &err), 0);
  assert_string_equal(v, "7");
  lg_free(v);
  assert_int_equal(lg_auth_setting_set(store, "auth.throttle_max", "5", &ops, &err), 0);
}

/* ---- Audit ------------------------------------------------------------------------ */

static const lg_ledger_auditor_t a_users = {"user", lg_auth_audit_users};
static const lg_ledger_auditor_t a_policy = {"policy", lg_auth_audit_policy};
static const lg_ledger_auditor_t a_settings = {"setting", lg_auth_audit_settings};
static const lg_ledger_auditor_t *const auditors[] = {&a_users, &a_policy, &a_settings, NULL};

static void audit(lg_store_t *s, lg_ledger_audit_t *a) {
  lg_err_t err = {0};
  memset(a, 0, sizeof *a);
  if (lg_ledger_audit(s, auditors, a, &err)) fail_msg("audit: %s", err.msg);
}

static bool found(const lg_ledger_audit_t *a, const char *type, const char *id, int kind) {
  for (size_t i = 0; i < a->findings.len; i++)
    if (!strcmp(a->findings.items[i].object_type, type) &&
        !strcmp(a->findings.items[i].object_id, id) && a->findings.items[i].kind == kind)
      return true;
  return false;
}

static void print_findings(const lg_ledger_audit_t *a) {
  for (size_t i = 0; i < a->findings.len; i++)
    print_error("finding: %s %s kind %d\n", a->findings.items[i].object_type,
                a->findings.items[i].object_id, a->findings.items[i].kind);
}

/* A new store: nothing to find, and nothing needs an entry (every cell
 * and setting is as its migration wrote it). */
static void test_audit_fresh_store(void **state) {
  char p2[256];
  snprintf(p2, sizeof p2, "/tmp/lg_test_auth_admin_fresh_%d.gpkg", (int)getpid());
  lg_store_t *s2;
  assert_int_equal(open_store(p2, &s2), 0);
  lg_ledger_audit_t a;
  audit(s2, &a);
  if (a.findings.len) print_findings(&a);
  assert_int_equal(a.findings.len, 0);
  assert_int_equal(a.objects, 0);
  assert_int_equal(a.types, 3);
  lg_ledger_audit_fini(&a);
  lg_store_close(s2);
  lg_test_remove_store(p2);
}

static void test_audit(void **state) {
  lg_err_t err = {0};
  lg_ledger_audit_t a;
  audit(store, &a);
  if (a.findings.len) print_findings(&a);
  assert_int_equal(a.findings.len, 0);
  /* 8 accounts; the cell clerk:check:act; auth.store_division and
   * auth.throttle_max (back at its default, but recorded). */
  assert_int_equal(a.objects, 8 + 1 + 2);
  lg_ledger_audit_fini(&a);

  /* Behind landgov's back: a clerk made administrator, an account slipped
   * in, a cell of the table and a setting changed, a recorded cell put
   * back. */
  exec_sql("UPDATE lg_users SET role = 'admin' WHERE login = 'clerk'");
  exec_sql("INSERT INTO lg_users(login, name, pw_hash, role, division, created_at, pw_changed_at)"
           " SELECT 'mole', '', pw_hash, 'admin', '36', '2026-09-21T14:13:20Z',"
           " '2026-09-21T14:13:20Z' FROM lg_users WHERE login = 'clerk'");
  exec_sql("UPDATE lg_auth_policy SET scope = 'all' WHERE role = 'applicant' AND resource = "
           "'case' AND action = 'read'");
  exec_sql("UPDATE lg_auth_policy SET scope = 'none' WHERE role = 'clerk' AND resource = "
           "'check' AND action = 'act'");
  exec_sql("UPDATE lg_settings SET value = '100000' WHERE key = "
           "'auth.throttle_address_failures'");
  audit(store, &a);
  bool ok = a.findings.len == 5 && found(&a, "user", "clerk", LG_LEDGER_AUDIT_CHANGED) &&
            found(&a, "user", "mole", LG_LEDGER_AUDIT_UNRECORDED) &&
            found(&a, "policy", "applicant:case:read", LG_LEDGER_AUDIT_UNRECORDED) &&
            found(&a, "policy", "clerk:check:act", LG_LEDGER_AUDIT_CHANGED) &&
            found(&a, "setting", "auth.throttle_address_failures", LG_LEDGER_AUDIT_UNRECORDED);
  if (!ok) print_findings(&a);
  assert_true(ok);
  lg_ledger_audit_fini(&a);

  /* Vouching for unrecorded accounts records those only: the changed one
   * stays a finding. */
  lg_subject_t ops;
  lg_auth_subject_console(&ops, "ops");
  size_t n = 99;
  assert_int_equal(lg_auth_users_record(store, &ops, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_entry("user", "mole", "user.record", "ops", "console", "36",
               "{\"login\":\"mole\",\"name\":\"\",\"role\":\"admin\",\"dept\":null,"
               "\"level\":null,\"division\":\"36\",\"enterprise\":null,\"disabled\":false,"
               "\"password_changed_at\":\"2026-09-21T14:13:20Z\"}");
  audit(store, &a);
  assert_int_equal(a.findings.len, 4);
  assert_true(found(&a, "user", "clerk", LG_LEDGER_AUDIT_CHANGED));
  lg_ledger_audit_fini(&a);
  assert_int_equal(lg_auth_users_record(store, &ops, &n, &err), 0);
  assert_int_equal(n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_store_division),
      cmocka_unit_test(test_grant_check),
      cmocka_unit_test(test_setting_rules),
      cmocka_unit_test(test_account_entries),
      cmocka_unit_test(test_policy_and_setting_entries),
      cmocka_unit_test(test_audit_fresh_store),
      cmocka_unit_test(test_audit),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
