/*
 * flow: the parsed definitions kept for the whole process (models.c).
 * Two stores open side by side both number their first definition 1, with
 * different drawings: each instance must run its own store's drawing.
 * More versions than are kept run in turn, each still its own. And the
 * ledger entries, now made from the variables the engine holds rather
 * than from their stored text, agree with what the audit recomputes from
 * the tables, for variables with fractions, large numbers and nesting.
 * Expected paths and names are read off the fixture drawings.
 */
#include "flow_test.h"

#include "ledger/ledger.h"

static void complete_as(lg_store_t *s, int64_t task, const char *vars) {
  complete(s, task, "approve", vars);
}

static void test_same_id_two_stores(void **state) {
  tenv_t *a = *state;
  tenv_t *b = NULL;
  void *bs = NULL;
  assert_int_equal(tenv_setup(&bs), 0);
  b = bs;
  /* Both stores: definition row 1, key "simple", version 1. */
  lg_flow_def_info_t da = deploy(a->s, "simple.bpmn");
  lg_flow_def_info_t db = deploy(b->s, "simple_v2.bpmn");
  assert_int_equal(da.id, 1);
  assert_int_equal(db.id, 1);
  int64_t ia = start(a->s, "simple", "{\"jurisdiction\": \"330106\"}");
  int64_t ib = start(b->s, "simple", "{\"jurisdiction\": \"330106\"}");
  /* simple.bpmn: Review then the end. */
  complete_as(a->s, task_at(a->s, ia, "Review"), NULL);
  assert_string_equal(status_of(a->s, ia), "completed");
  /* simple_v2.bpmn: Review, then CityReview (市级审查). */
  complete_as(b->s, task_at(b->s, ib, "Review"), NULL);
  assert_string_equal(status_of(b->s, ib), "active");
  json_t *o = instance(b->s, ib);
  json_t *node = json_array_get(json_object_get(o, "active_nodes"), 0);
  assert_str(json_object_get(node, "id"), "CityReview");
  assert_str(json_object_get(node, "name"), "市级审查");
  json_decref(o);
  complete_as(b->s, task_at(b->s, ib, "CityReview"), NULL);
  assert_string_equal(status_of(b->s, ib), "completed");
  tenv_teardown(&bs);
}

/* text with its first `from` replaced by `to`. (noinline: GCC 12 at -O2
 * otherwise mistakes the text for a pointer into fixture's local
 * variable and warns of a dangling pointer.) */
__attribute__((noinline)) static char *replaced(const char *text, const char *from,
                                                const char *to) {
  const char *at = strstr(text, from);
  if (!at) fail_msg("\"%s\" not found in the fixture", from);
  size_t head = (size_t)(at - text), skip = strlen(from);
  return lg_sprintf("%.*s%s%s", (int)head, text, to, text + head + skip);
}

/* The fixture with its process name changed: another drawing of the
 * same key, so the next version. */
static lg_flow_def_info_t deploy_named(lg_store_t *s, int n) {
  size_t len = 0;
  char *xml = fixture("simple.bpmn", &len);
  char name[64];
  snprintf(name, sizeof name, "name=\"单一审查 第%d稿\"", n);
  char *text = replaced(xml, "name=\"单一审查\"", name);
  lg_flow_def_info_t info;
  lg_err_t err = {0};
  if (lg_flow_deploy(s, text, strlen(text), "admin", &info, &err) != 0)
    fail_msg("deploy %d: %s", n, err.msg);
  lg_free(text);
  lg_free(xml);
  return info;
}

static void test_more_versions_than_kept(void **state) {
  tenv_t *t = *state;
  enum { N = 40 }; /* more than the 16 definitions models.c keeps */
  int64_t inst[N];
  for (int i = 0; i < N; i++) {
    lg_flow_def_info_t d = deploy_named(t->s, i + 1);
    assert_int_equal(d.version, i + 1);
    lg_flow_start_opts_t o = {.key = "simple",
                              .version = i + 1,
                              .vars = J("{\"jurisdiction\": \"330106\"}"),
                              .actor = "applicant"};
    lg_err_t err = {0};
    assert_int_equal(lg_flow_start_ex(t->s, &o, &inst[i], &err), 0);
  }
  /* Oldest first, then the rest backwards: every model leaves the table
   * and comes back at least once. */
  for (int k = 0; k < N; k++) {
    int i = k < N / 2 ? k : N - 1 - (k - N / 2);
    json_t *o = instance(t->s, inst[i]);
    json_t *def = json_object_get(o, "definition");
    assert_int_equal(json_integer_value(json_object_get(def, "version")), i + 1);
    char want[64];
    snprintf(want, sizeof want, "单一审查 第%d稿", i + 1);
    assert_str(json_object_get(def, "name"), want);
    assert_str(json_object_get(json_array_get(json_object_get(o, "active_nodes"), 0), "name"),
               "县级审查");
    json_decref(o);
    complete_as(t->s, task_at(t->s, inst[i], "Review"), NULL);
    assert_string_equal(status_of(t->s, inst[i]), "completed");
  }
}

static void test_ledger_state_from_held_variables(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "simple.bpmn");
  int64_t id = start(t->s, "simple",
                     "{\"jurisdiction\": \"330106\", \"investment\": 10000000.0,"
                     " \"rate\": 0.1, \"share\": 0.30000000000000004, \"big\": 9007199254740993,"
                     " \"tiny\": 5e-324, \"neg\": -0.0,"
                     " \"nested\": {\"名称\": [1, 2.5, \"x\", null, true, {\"k\": []}]}}");
  complete_as(t->s, task_at(t->s, id, "Review"),
              "{\"opinion\": \"同意\\n附条件\", \"score\": 1e21}");
  static const lg_ledger_auditor_t flow = {"flow.instance", lg_flow_audit_scan};
  static const lg_ledger_auditor_t *const auditors[] = {&flow, NULL};
  lg_ledger_audit_t a = {0};
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_audit(t->s, auditors, &a, &err), 0);
  if (a.findings.len)
    fail_msg("audit: %zu findings, first %s %s kind %d", a.findings.len,
             a.findings.items[0].object_type, a.findings.items[0].object_id,
             a.findings.items[0].kind);
  lg_ledger_audit_fini(&a);
  /* And an edit behind the application's back is still seen. */
  assert_int_equal(lg_store_exec(t->s,
                                 "UPDATE lg_flow_instances SET variables ="
                                 " '{\"edited\":true,' || substr(variables, 2)",
                                 &err),
                   0);
  lg_ledger_audit_t b = {0};
  assert_int_equal(lg_ledger_audit(t->s, auditors, &b, &err), 0);
  assert_int_equal(b.findings.len, 1);
  lg_ledger_audit_fini(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_same_id_two_stores, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_more_versions_than_kept, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_ledger_state_from_held_variables, tenv_setup,
                                      tenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
