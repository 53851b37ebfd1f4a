/*
 * auth: the permission decision. The whole matrix, role x resource x
 * action x object, is checked against a table written out here by hand
 * from the rules of the issue (not read from the seed data), so that the
 * seeded lg_auth_policy, the scope logic and the division arithmetic are
 * all tested together. Then: GB/T 2260 codes, cities and provinces,
 * tasks addressed to a department or a level, candidate groups, SQL
 * filters, editing the table, and malformed questions.
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

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_auth_policy_%d.gpkg", (int)getpid());
  unlink(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &store, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_store_close(store);
  lg_test_remove_store(path);
  return 0;
}

/* Subjects: everyone at the county of Ruijin (360781), the applicant from
 * enterprise E1. */
static lg_subject_t subject(const char *role) {
  lg_subject_t s;
  memset(&s, 0, sizeof s);
  if (strcmp(role, "public") == 0) {
    lg_auth_subject_public(&s);
    return s;
  }
  s.user_id = 7;
  snprintf(s.login, sizeof s.login, "u_%s", role);
  snprintf(s.role, sizeof s.role, "%s", role);
  snprintf(s.division, sizeof s.division, "360781");
  if (strcmp(role, "reviewer") == 0) snprintf(s.dept, sizeof s.dept, "natural_resources");
  if (strcmp(role, "approver") == 0) snprintf(s.level, sizeof s.level, "county");
  if (strcmp(role, "applicant") == 0) snprintf(s.enterprise, sizeof s.enterprise, "E1");
  return s;
}

/* The objects every cell is tried on. */
enum { OBJ_OWN, OBJ_CHILD, OBJ_OTHER_COUNTY, OBJ_OTHER_ENT, OBJ_PARENT, OBJ_COLLECTION, NOBJ };
static const char *const obj_names[NOBJ] = {
    "own (360781, E1, own user)",    "child township (360781101, E2)", "other county (360782, E1)",
    "other enterprise (360781, E2)", "parent city (3607, E2)",         "collection (NULL)"};
static const lg_object_ref_t objects[NOBJ - 1] = {
    {.division = "360781", .enterprise = "E1", .user_id = 7},
    {.division = "360781101", .enterprise = "E2", .user_id = 8},
    {.division = "360782", .enterprise = "E1", .user_id = 9},
    {.division = "360781", .enterprise = "E2", .user_id = 10},
    {.division = "3607", .enterprise = "E2", .user_id = 11},
};

/* What each scope allows on the six objects above, worked out by hand:
 * jurisdiction reaches the county and its township, not the neighbour or
 * the city above; own reaches the subject's own user record, and for an
 * applicant whatever belongs to its enterprise, wherever it lies; any
 * scope but none reaches the collection. */
#define ALL "YYYYYY"
#define JUR "YYNYNY"
#define OWN_STAFF "YNNNNY"
#define OWN_APPL "YNYNNY"
#define NONE "NNNNNN"

/* The rules as a table: for each role and resource, the outcome
 * for read, create, act, admin (one string per action). */
typedef struct cell {
  const char *role, *resource;
  const char *expect[4];
} cell_t;

static const cell_t matrix[] = {
    /* Window clerk: takes cases in and publishes notices for its county;
     * reads the One Map, the rules and the process. */
    {"clerk", "layer", {ALL, NONE, NONE, NONE}},
    {"clerk", "feature", {ALL, NONE, NONE, NONE}},
    {"clerk", "check", {JUR, JUR, NONE, NONE}},
    {"clerk", "case", {JUR, JUR, JUR, NONE}},
    {"clerk", "task", {JUR, NONE, JUR, NONE}},
    {"clerk", "ledger", {JUR, NONE, NONE, NONE}},
    {"clerk", "user", {OWN_STAFF, NONE, OWN_STAFF, NONE}},
    {"clerk", "rules", {ALL, NONE, NONE, NONE}},
    {"clerk", "process", {ALL, NONE, NONE, NONE}},
    {"clerk", "notice", {ALL, JUR, JUR, NONE}},
    {"clerk", "progress", {ALL, NONE, NONE, NONE}},
    {"clerk", "metrics", {JUR, NONE, NONE, NONE}},
    {"clerk", "policy", {NONE, NONE, NONE, NONE}},
    {"clerk", "setting", {NONE, NONE, NONE, NONE}},
    /* The quota bank (migration 140): staff read their jurisdiction's
     * accounts; approvers allocate, trade and transfer for it. */
    {"clerk", "quota", {JUR, NONE, NONE, NONE}},
    /* Department reviewer: reads its county's cases, runs checks, acts on
     * its tasks. */
    {"reviewer", "layer", {ALL, NONE, NONE, NONE}},
    {"reviewer", "feature", {ALL, NONE, NONE, NONE}},
    {"reviewer", "check", {JUR, JUR, NONE, NONE}},
    {"reviewer", "case", {JUR, NONE, NONE, NONE}},
    {"reviewer", "task", {JUR, NONE, JUR, NONE}},
    {"reviewer", "ledger", {JUR, NONE, NONE, NONE}},
    {"reviewer", "user", {OWN_STAFF, NONE, OWN_STAFF, NONE}},
    {"reviewer", "rules", {ALL, NONE, NONE, NONE}},
    {"reviewer", "process", {ALL, NONE, NONE, NONE}},
    {"reviewer", "notice", {ALL, NONE, NONE, NONE}},
    {"reviewer", "progress", {ALL, NONE, NONE, NONE}},
    {"reviewer", "metrics", {JUR, NONE, NONE, NONE}},
    {"reviewer", "policy", {NONE, NONE, NONE, NONE}},
    {"reviewer", "setting", {NONE, NONE, NONE, NONE}},
    {"reviewer", "quota", {JUR, NONE, NONE, NONE}},
    /* Approver: the same, at its level. */
    {"approver", "layer", {ALL, NONE, NONE, NONE}},
    {"approver", "feature", {ALL, NONE, NONE, NONE}},
    {"approver", "check", {JUR, JUR, NONE, NONE}},
    {"approver", "case", {JUR, NONE, NONE, NONE}},
    {"approver", "task", {JUR, NONE, JUR, NONE}},
    {"approver", "ledger", {JUR, NONE, NONE, NONE}},
    {"approver", "user", {OWN_STAFF, NONE, OWN_STAFF, NONE}},
    {"approver", "rules", {ALL, NONE, NONE, NONE}},
    {"approver", "process", {ALL, NONE, NONE, NONE}},
    {"approver", "notice", {ALL, NONE, NONE, NONE}},
    {"approver", "progress", {ALL, NONE, NONE, NONE}},
    {"approver", "metrics", {JUR, NONE, NONE, NONE}},
    {"approver", "policy", {NONE, NONE, NONE, NONE}},
    {"approver", "setting", {NONE, NONE, NONE, NONE}},
    {"approver", "quota", {JUR, JUR, JUR, NONE}},
    /* Administrator: configures its jurisdiction (users, layers, rules,
     * process, notices), reads its cases, approves nothing. */
    {"admin", "layer", {ALL, JUR, JUR, JUR}},
    {"admin", "feature", {ALL, JUR, JUR, JUR}},
    {"admin", "check", {JUR, JUR, NONE, JUR}},
    {"admin", "case", {JUR, NONE, NONE, JUR}},
    {"admin", "task", {JUR, NONE, NONE, JUR}},
    {"admin", "ledger", {JUR, NONE, NONE, JUR}},
    {"admin", "user", {JUR, JUR, JUR, JUR}},
    {"admin", "rules", {ALL, JUR, JUR, JUR}},
    {"admin", "process", {ALL, JUR, JUR, JUR}},
    {"admin", "notice", {ALL, JUR, JUR, JUR}},
    {"admin", "progress", {ALL, NONE, NONE, NONE}},
    /* The approval measures of its jurisdiction; the policy table and
     * the settings: read, and changed over what its jurisdiction holds
     * (which for these is asked about the whole store's division). */
    {"admin", "metrics", {JUR, NONE, NONE, JUR}},
    {"admin", "policy", {JUR, NONE, NONE, JUR}},
    {"admin", "setting", {JUR, NONE, NONE, JUR}},
    {"admin", "quota", {JUR, NONE, NONE, JUR}},
    /* Enterprise applicant: its own cases, checks, tasks and ledger
     * entries; the published rules and process; nothing of the map. */
    {"applicant", "layer", {NONE, NONE, NONE, NONE}},
    {"applicant", "feature", {NONE, NONE, NONE, NONE}},
    {"applicant", "check", {OWN_APPL, OWN_APPL, NONE, NONE}},
    {"applicant", "case", {OWN_APPL, OWN_APPL, OWN_APPL, NONE}},
    {"applicant", "task", {OWN_APPL, NONE, OWN_APPL, NONE}},
    {"applicant", "ledger", {OWN_APPL, NONE, NONE, NONE}},
    {"applicant", "user", {OWN_APPL, NONE, OWN_APPL, NONE}},
    {"applicant", "rules", {ALL, NONE, NONE, NONE}},
    {"applicant", "process", {ALL, NONE, NONE, NONE}},
    {"applicant", "notice", {ALL, NONE, NONE, NONE}},
    {"applicant", "progress", {ALL, NONE, NONE, NONE}},
    {"applicant", "metrics", {NONE, NONE, NONE, NONE}},
    {"applicant", "policy", {NONE, NONE, NONE, NONE}},
    {"applicant", "setting", {NONE, NONE, NONE, NONE}},
    {"applicant", "quota", {NONE, NONE, NONE, NONE}},
    /* The public: public notices and progress by case code, nothing else. */
    {"public", "layer", {NONE, NONE, NONE, NONE}},
    {"public", "feature", {NONE, NONE, NONE, NONE}},
    {"public", "check", {NONE, NONE, NONE, NONE}},
    {"public", "case", {NONE, NONE, NONE, NONE}},
    {"public", "task", {NONE, NONE, NONE, NONE}},
    {"public", "ledger", {NONE, NONE, NONE, NONE}},
    {"public", "user", {NONE, NONE, NONE, NONE}},
    {"public", "rules", {NONE, NONE, NONE, NONE}},
    {"public", "process", {NONE, NONE, NONE, NONE}},
    {"public", "notice", {ALL, NONE, NONE, NONE}},
    {"public", "progress", {ALL, NONE, NONE, NONE}},
    {"public", "metrics", {NONE, NONE, NONE, NONE}},
    {"public", "policy", {NONE, NONE, NONE, NONE}},
    {"public", "setting", {NONE, NONE, NONE, NONE}},
    {"public", "quota", {NONE, NONE, NONE, NONE}},
};

static const char *const actions[] = {"read", "create", "act", "admin"};

static void test_matrix(void **state) {
  lg_err_t err = {0};
  int failures = 0, checked = 0;
  assert_int_equal(LG_ARRAY_LEN(matrix), 6 * 15);
  for (size_t i = 0; i < LG_ARRAY_LEN(matrix); i++) {
    lg_subject_t who = subject(matrix[i].role);
    for (int a = 0; a < 4; a++) {
      for (int o = 0; o < NOBJ; o++) {
        const lg_object_ref_t *obj = o == OBJ_COLLECTION ? NULL : &objects[o];
        bool want = matrix[i].expect[a][o] == 'Y';
        bool allowed = !want; /* so that a call that sets nothing fails */
        int rc = lg_auth_allowed(store, &who, matrix[i].resource, actions[a], obj, &allowed, &err);
        if (rc != 0)
          fail_msg("%s %s %s: %s", matrix[i].role, matrix[i].resource, actions[a], err.msg);
        checked++;
        if (allowed != want) {
          failures++;
          print_error("%s may %s %s on %s: expected %s, got %s\n", matrix[i].role, actions[a],
                      matrix[i].resource, obj_names[o], want ? "allowed" : "denied",
                      allowed ? "allowed" : "denied");
        }
        /* lg_auth_require agrees, and names who and what when it refuses. */
        lg_err_clear(&err);
        rc = lg_auth_require(store, &who, matrix[i].resource, actions[a], obj, &err);
        if (rc != (want ? 0 : LG_EPERM) || (!want && !strstr(err.msg, "无权"))) {
          failures++;
          print_error("lg_auth_require %s %s %s on %s: %d (%s)\n", matrix[i].role, actions[a],
                      matrix[i].resource, obj_names[o], rc, err.msg);
        }
      }
    }
  }
  assert_int_equal(checked, 6 * 15 * 4 * 6);
  assert_int_equal(failures, 0);
}

/* The seed has exactly one row per cell: 6 roles x 20 resources x 4
 * actions (the 11 of migration 40, "checkpoint", the ledger's public
 * checkpoints, of migration 41, "policy" and "setting", the store-wide
 * administration, of migration 42, "metrics", the approval measures,
 * of migration 55, "stock", the stock ledgers, of migration 100,
 * "industry", industrial land, of migration 120, "quota", the quota
 * bank, of migration 140, "consol", land consolidation, of migration
 * 160, and "monitor", monitoring, of migration 180); and each row holds what
 * lg_auth_policy_default says the seed gives it, which is what the ledger
 * audit trusts for cells nobody changed. Runs before test_policy_edit
 * changes any. */
static void test_seed_complete(void **state) {
  lg_policy_row_t *rows;
  size_t n;
  lg_err_t err = {0};
  assert_int_equal(lg_auth_policy_list(store, &rows, &n, &err), 0);
  assert_int_equal(n, 480);
  for (size_t i = 0; i < n; i++) {
    const char *d = lg_auth_policy_default(rows[i].role, rows[i].resource, rows[i].action);
    if (!d || strcmp(d, rows[i].scope) != 0)
      fail_msg("%s %s %s: seeded %s, lg_auth_policy_default says %s", rows[i].role,
               rows[i].resource, rows[i].action, rows[i].scope, d ? d : "(none)");
  }
  lg_free(rows);
  assert_null(lg_auth_policy_default("clerk", "no_such_resource", "read"));
  assert_null(lg_auth_policy_default("chief", "case", "read"));
  assert_string_equal(lg_auth_policy_default("admin", "policy", "admin"), "jurisdiction");
  assert_string_equal(lg_auth_policy_default("public", "notice", "read"), "all");
}

static void test_divisions(void **state) {
  char out[16];
  lg_err_t err = {0};
  static const struct {
    const char *in, *out;
  } ok[] = {{"36", "36"},
            {"360000", "36"},
            {"3607", "3607"},
            {"360700", "3607"},
            {"360781", "360781"},
            {"360781101", "360781101"},
            {"360781000", "360781"},
            {"360781000000", "360781"},
            {"360781101000", "360781101"},
            {"3600", "36"}};
  for (size_t i = 0; i < LG_ARRAY_LEN(ok); i++) {
    assert_int_equal(lg_auth_division_normalize(ok[i].in, out, "t", &err), 0);
    assert_string_equal(out, ok[i].out);
  }
  static const char *const bad[] = {"",   "3",      "36078",      "3607811", "000000",
                                    "00", "36a781", "3607810000", " 360781", NULL};
  for (int i = 0; bad[i]; i++)
    assert_int_equal(lg_auth_division_normalize(bad[i], out, "--division", &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "--division"));
  assert_int_equal(lg_auth_division_normalize(NULL, out, NULL, &err), LG_EINVAL);

  assert_true(lg_auth_division_within("36", "3607"));
  assert_true(lg_auth_division_within("360000", "360781101"));
  assert_true(lg_auth_division_within("3607", "360781"));
  assert_true(lg_auth_division_within("360700", "360781"));
  assert_true(lg_auth_division_within("360781", "360781"));
  assert_false(lg_auth_division_within("3607", "3608"));
  assert_false(lg_auth_division_within("3607", "360881"));
  assert_false(lg_auth_division_within("360781", "3607"));
  assert_false(lg_auth_division_within("360781", "360782101"));
  assert_false(lg_auth_division_within("36", "35"));
  assert_false(lg_auth_division_within("bad", "360781"));
}

/* Cities see their counties and townships, provinces their cities; a
 * township officer does not see the county above it. */
static void test_levels_of_jurisdiction(void **state) {
  lg_err_t err = {0};
  bool ok;
  lg_subject_t city = subject("approver");
  snprintf(city.division, sizeof city.division, "3607");
  snprintf(city.level, sizeof city.level, "city");
  static const struct {
    const char *div;
    bool want;
  } city_cases[] = {{"3607", true},  {"360781", true},  {"360781101", true}, {"360702", true},
                    {"3608", false}, {"360881", false}, {"36", false},       {"350781", false}};
  for (size_t i = 0; i < LG_ARRAY_LEN(city_cases); i++) {
    lg_object_ref_t o = {.division = city_cases[i].div};
    assert_int_equal(lg_auth_allowed(store, &city, "case", "read", &o, &ok, &err), 0);
    if (ok != city_cases[i].want) fail_msg("city 3607 reading a case of %s", city_cases[i].div);
  }
  lg_subject_t prov = subject("reviewer");
  snprintf(prov.division, sizeof prov.division, "36");
  lg_object_ref_t o = {.division = "360881"};
  assert_int_equal(lg_auth_allowed(store, &prov, "case", "read", &o, &ok, &err), 0);
  assert_true(ok);
  o.division = "350102";
  assert_int_equal(lg_auth_allowed(store, &prov, "case", "read", &o, &ok, &err), 0);
  assert_false(ok);

  lg_subject_t town = subject("clerk");
  snprintf(town.division, sizeof town.division, "360781101");
  o.division = "360781";
  assert_int_equal(lg_auth_allowed(store, &town, "case", "read", &o, &ok, &err), 0);
  assert_false(ok);
  o.division = "360781101";
  assert_int_equal(lg_auth_allowed(store, &town, "case", "act", &o, &ok, &err), 0);
  assert_true(ok);
  o.division = "360781102";
  assert_int_equal(lg_auth_allowed(store, &town, "case", "act", &o, &ok, &err), 0);
  assert_false(ok);
  /* An object without a division is in no one's jurisdiction. */
  lg_object_ref_t nodiv = {.enterprise = "E1"};
  assert_int_equal(lg_auth_allowed(store, &city, "case", "read", &nodiv, &ok, &err), 0);
  assert_false(ok);
}

/* Tasks addressed to a department or a level: reviewers act only on their
 * department's, approvers only on their level's; all may read. */
static void test_addressed_tasks(void **state) {
  lg_err_t err = {0};
  bool ok;
  lg_subject_t nr = subject("reviewer"), eco = subject("reviewer"), county = subject("approver"),
               clerk = subject("clerk");
  snprintf(eco.dept, sizeof eco.dept, "ecology");
  lg_object_ref_t t = {.division = "360781", .role = "reviewer", .dept = "natural_resources"};
  assert_int_equal(lg_auth_allowed(store, &nr, "task", "act", &t, &ok, &err), 0);
  assert_true(ok);
  assert_int_equal(lg_auth_allowed(store, &eco, "task", "act", &t, &ok, &err), 0);
  assert_false(ok);
  assert_int_equal(lg_auth_allowed(store, &eco, "task", "read", &t, &ok, &err), 0);
  assert_true(ok);
  assert_int_equal(lg_auth_allowed(store, &clerk, "task", "act", &t, &ok, &err), 0);
  assert_false(ok);

  lg_object_ref_t city_task = {.division = "360781", .role = "approver", .level = "city"};
  assert_int_equal(lg_auth_allowed(store, &county, "task", "act", &city_task, &ok, &err), 0);
  assert_false(ok);
  lg_subject_t city = subject("approver");
  snprintf(city.division, sizeof city.division, "3607");
  snprintf(city.level, sizeof city.level, "city");
  assert_int_equal(lg_auth_allowed(store, &city, "task", "act", &city_task, &ok, &err), 0);
  assert_true(ok);
  /* ... but not for a case of another city, though addressed to its level. */
  city_task.division = "360881";
  assert_int_equal(lg_auth_allowed(store, &city, "task", "act", &city_task, &ok, &err), 0);
  assert_false(ok);
}

static void test_candidate_groups(void **state) {
  lg_subject_t nr = subject("reviewer"), county = subject("approver"), appl = subject("applicant"),
               clerk = subject("clerk");
  assert_true(lg_auth_group_matches(&nr, "reviewer:natural_resources@360781"));
  assert_true(lg_auth_group_matches(&nr, "reviewer:natural_resources"));
  assert_true(lg_auth_group_matches(&nr, "reviewer"));
  assert_true(lg_auth_group_matches(&nr, " reviewer@360781 "));
  assert_false(lg_auth_group_matches(&nr, "reviewer:ecology@360781"));
  assert_false(lg_auth_group_matches(&nr, "reviewer:natural_resources@360782"));
  assert_false(lg_auth_group_matches(&nr, "reviewer:natural_resources@3607"));
  assert_false(lg_auth_group_matches(&nr, "approver:county@360781"));
  assert_true(lg_auth_group_matches(&county, "approver:county@360781000000"));
  assert_false(lg_auth_group_matches(&county, "approver:city@360781"));
  assert_true(lg_auth_group_matches(&appl, "applicant:E1"));
  assert_false(lg_auth_group_matches(&appl, "applicant:E2"));
  assert_true(lg_auth_group_matches(&clerk, "clerk@360781"));
  assert_false(lg_auth_group_matches(&clerk, "clerk:x@360781"));
  assert_false(lg_auth_group_matches(&clerk, "chief"));
  assert_false(lg_auth_group_matches(&clerk, ""));
  assert_false(lg_auth_group_matches(&clerk, NULL));
  assert_true(lg_auth_groups_match(&nr, "chief,reviewer:natural_resources@360781"));
  assert_false(lg_auth_groups_match(&nr, "chief,reviewer:ecology@360781"));

  lg_err_t err = {0};
  bool ok;
  lg_object_ref_t t = {.division = "360781", .groups = "reviewer:ecology@360781,clerk@360781"};
  assert_int_equal(lg_auth_allowed(store, &clerk, "task", "act", &t, &ok, &err), 0);
  assert_true(ok);
  assert_int_equal(lg_auth_allowed(store, &nr, "task", "act", &t, &ok, &err), 0);
  assert_false(ok);
}

/* The filter a scope makes selects exactly the rows it reaches, through
 * the condition auth.h documents (the one every module writes). */
static const char filter_sql[] =
    "SELECT id FROM t WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND div LIKE ?2 || '%')"
    " OR (?1 = 'own' AND ent = ?3)) ORDER BY id";

static void filtered_ids(const lg_auth_filter_t *f, char *out, size_t n) {
  lg_stmt_t *st;
  lg_err_t err = {0};
  if (lg_store_prepare(store, filter_sql, &st, &err)) fail_msg("%s", err.msg);
  lg_store_bind_text(st, 1, f->kind);
  lg_store_bind_text(st, 2, f->division);
  lg_store_bind_text(st, 3, f->enterprise);
  out[0] = '\0';
  while (lg_store_step(st) == LG_ROW)
    snprintf(out + strlen(out), n - strlen(out), "%s%lld", out[0] ? "," : "",
             (long long)lg_store_col_int(st, 0));
  lg_store_done(st);
}

static void test_sql_filter(void **state) {
  lg_err_t err = {0};
  assert_int_equal(lg_store_exec(store,
                                 "CREATE TEMP TABLE t(id INTEGER PRIMARY KEY, div TEXT, ent TEXT);"
                                 "INSERT INTO t VALUES (1,'360781','E1'),(2,'360781101','E2'),"
                                 "(3,'360782','E1'),(4,'3607','E2'),(5,'3608','E3'),(6,NULL,NULL)",
                                 &err),
                   0);
  static const struct {
    const char *role, *division;
    int scope;
    const char *want;
  } cases[] = {{"clerk", "360781", LG_SCOPE_JURISDICTION, "1,2"},
               {"approver", "360700", LG_SCOPE_JURISDICTION, "1,2,3,4"},
               {"approver", "36", LG_SCOPE_JURISDICTION, "1,2,3,4,5"},
               {"applicant", "360781", LG_SCOPE_OWN, "1,3"},
               {"clerk", "360781", LG_SCOPE_OWN, ""},
               {"clerk", "360781", LG_SCOPE_ALL, "1,2,3,4,5,6"},
               {"clerk", "360781", LG_SCOPE_NONE, ""}};
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    lg_subject_t who = subject(cases[i].role);
    snprintf(who.division, sizeof who.division, "%s", cases[i].division);
    lg_auth_filter_t f;
    lg_auth_filter_make(&who, cases[i].scope, &f);
    char got[64];
    filtered_ids(&f, got, sizeof got);
    if (strcmp(got, cases[i].want) != 0)
      fail_msg("%s %s scope %d (%s): got {%s}, expected {%s}", cases[i].role, cases[i].division,
               cases[i].scope, f.kind, got, cases[i].want);
  }
  /* A quote in an enterprise id is a value, never SQL. */
  lg_subject_t evil = subject("applicant");
  snprintf(evil.enterprise, sizeof evil.enterprise, "x' OR '1'='1");
  lg_auth_filter_t f;
  lg_auth_filter_make(&evil, LG_SCOPE_OWN, &f);
  char got[64];
  filtered_ids(&f, got, sizeof got);
  assert_string_equal(got, "");
  assert_int_equal(lg_store_exec(store, "DROP TABLE t", &err), 0);
}

/* The policy is data: changing a row changes the decision. */
static void test_policy_edit(void **state) {
  lg_err_t err = {0};
  bool ok;
  lg_subject_t clerk = subject("clerk");
  lg_object_ref_t own = {.division = "360781"};
  assert_int_equal(lg_auth_allowed(store, &clerk, "check", "act", &own, &ok, &err), 0);
  assert_false(ok);
  assert_int_equal(lg_auth_policy_set(store, "clerk", "check", "act", "jurisdiction", NULL, &err),
                   0);
  assert_int_equal(lg_auth_allowed(store, &clerk, "check", "act", &own, &ok, &err), 0);
  assert_true(ok);
  assert_int_equal(lg_auth_policy_set(store, "clerk", "check", "act", "none", NULL, &err), 0);
  assert_int_equal(lg_auth_allowed(store, &clerk, "check", "act", &own, &ok, &err), 0);
  assert_false(ok);
  /* A new resource a later module brings. */
  assert_int_equal(
      lg_auth_policy_set(store, "clerk", "future_module", "read", "jurisdiction", NULL, &err), 0);
  assert_int_equal(lg_auth_allowed(store, &clerk, "future_module", "read", &own, &ok, &err), 0);
  assert_true(ok);
  lg_subject_t rev = subject("reviewer");
  assert_int_equal(lg_auth_allowed(store, &rev, "future_module", "read", &own, &ok, &err), 0);
  assert_false(ok); /* no row: denied */

  assert_int_equal(lg_auth_policy_set(store, "public", "case", "read", "all", NULL, &err), 0);
  assert_int_equal(lg_auth_policy_set(store, "public", "case", "read", "none", NULL, &err), 0);
  assert_int_equal(lg_auth_policy_set(store, "public", "case", "act", "all", NULL, &err),
                   LG_EINVAL);
  assert_int_equal(lg_auth_policy_set(store, "public", "case", "read", "jurisdiction", NULL, &err),
                   LG_EINVAL);
  assert_int_equal(lg_auth_policy_set(store, "chief", "case", "read", "all", NULL, &err),
                   LG_EINVAL);
  assert_int_equal(lg_auth_policy_set(store, "clerk", "Case;", "read", "all", NULL, &err),
                   LG_EINVAL);
  assert_int_equal(lg_auth_policy_set(store, "clerk", "case", "delete", "all", NULL, &err),
                   LG_EINVAL);
  assert_int_equal(lg_auth_policy_set(store, "clerk", "case", "read", "some", NULL, &err),
                   LG_EINVAL);
}

static void test_malformed_questions(void **state) {
  lg_err_t err = {0};
  bool ok = true;
  lg_subject_t clerk = subject("clerk");
  assert_int_equal(lg_auth_allowed(store, &clerk, "cases", "read", NULL, &ok, &err), LG_EINVAL);
  assert_false(ok);
  assert_non_null(strstr(err.msg, "cases"));
  assert_int_equal(lg_auth_allowed(store, &clerk, "case", "approve", NULL, &ok, &err), LG_EINVAL);
  assert_int_equal(lg_auth_allowed(store, &clerk, "", "read", NULL, &ok, &err), LG_EINVAL);
  lg_subject_t nobody;
  memset(&nobody, 0, sizeof nobody);
  assert_int_equal(lg_auth_allowed(store, &nobody, "case", "read", NULL, &ok, &err), LG_EINVAL);
  assert_false(ok);

  /* The refusal names the subject, the action, the resource and where. */
  lg_object_ref_t other = {.division = "360782"};
  assert_int_equal(lg_auth_require(store, &clerk, "case", "act", &other, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "受理窗口"));
  assert_non_null(strstr(err.msg, "u_clerk"));
  assert_non_null(strstr(err.msg, "办理"));
  assert_non_null(strstr(err.msg, "案件"));
  assert_non_null(strstr(err.msg, "360782"));
  /* The approval measures have a Chinese name too. */
  assert_int_equal(lg_auth_require(store, &clerk, "metrics", "admin", NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "无权管理审批效能"));
  assert_null(strstr(err.msg, "metrics"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_seed_complete),
      cmocka_unit_test(test_divisions),
      cmocka_unit_test(test_levels_of_jurisdiction),
      cmocka_unit_test(test_addressed_tasks),
      cmocka_unit_test(test_candidate_groups),
      cmocka_unit_test(test_sql_filter),
      cmocka_unit_test(test_policy_edit),
      cmocka_unit_test(test_malformed_questions),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
