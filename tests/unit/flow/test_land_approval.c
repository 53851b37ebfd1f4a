/*
 * flow: the default land-approval process (processes/land-approval.bpmn)
 * deploys, carries a diagram for every element, and runs its main paths
 * on stub handlers: the happy path, a prohibited project, a joint-review
 * veto, a deferral missed with its penalty, an expropriation with its
 * statutory notices and a hearing up to the State Council, a cross-county
 * committee, and a supervision timer. The cases module binds the real
 * handlers; these stubs only set what the process reads.
 *
 * Dates: the 2026 calendar (Mar 2 is a Monday; no holiday in March or
 * early April); periods counted by hand as in test_timers.c.
 */
#include "flow_test.h"

#include "flow/flow_int.h"

static int calls_check, calls_notice, calls_penalty;

/* The stubs take what the test put in the start variables. */
static int h_check(lg_flow_ctx_t *c, void *ud, lg_err_t *err) {
  calls_check++;
  json_t *v = lg_flow_ctx_vars(c);
  json_t *want = json_object_get(v, "test_check");
  json_object_set_new(v, "check",
                      want ? json_deep_copy(want) : json_pack("{s:s}", "verdict", "pass"));
  return 0;
}

static int h_authority(lg_flow_ctx_t *c, void *ud, lg_err_t *err) {
  json_t *v = lg_flow_ctx_vars(c);
  json_t *want = json_object_get(v, "test_authority");
  json_object_set_new(v, "authority",
                      want ? json_deep_copy(want)
                           : json_pack("{s:s,s:s}", "level", "city", "expropriation", "none"));
  return 0;
}

static int h_notice(lg_flow_ctx_t *c, void *ud, lg_err_t *err) {
  calls_notice++;
  json_t *v = lg_flow_ctx_vars(c);
  json_t *list = json_object_get(v, "notices");
  if (!list) json_object_set_new(v, "notices", list = json_array());
  json_array_append_new(list, json_string(lg_flow_ctx_attr(c, "kind")));
  return 0;
}

static int h_penalty(lg_flow_ctx_t *c, void *ud, lg_err_t *err) {
  calls_penalty++;
  json_t *v = lg_flow_ctx_vars(c);
  json_object_set_new(v, "penalty",
                      json_real(json_number_value(json_object_get(v, "investment")) * 0.005));
  return 0;
}

static int h_number(lg_flow_ctx_t *c, void *ud, lg_err_t *err) {
  json_object_set_new(lg_flow_ctx_vars(c), "approval_number", json_string("浙土资批〔2026〕1号"));
  return 0;
}

static int h_handover(lg_flow_ctx_t *c, void *ud, lg_err_t *err) {
  json_object_set_new(lg_flow_ctx_vars(c), "handed_over", json_true());
  return 0;
}

static char *process_xml(size_t *n) {
  const char *dir = getenv("LG_TESTDATA");
  char path[512];
  snprintf(path, sizeof path, "%s/../../processes/land-approval.bpmn", dir ? dir : "tests/data");
  char *xml = NULL;
  lg_err_t err = {0};
  if (lg_file_read(path, &xml, n, &err) != 0) fail_msg("%s", err.msg);
  return xml;
}

static int setup(void **state) {
  if (tenv_setup(state)) return -1;
  tenv_t *t = *state;
  size_t n;
  char *xml = process_xml(&n);
  lg_err_t err = {0};
  lg_flow_def_info_t info;
  if (lg_flow_deploy(t->s, xml, n, "admin", &info, &err) != 0) fail_msg("deploy: %s", err.msg);
  lg_free(xml);
  lg_flow_register_handler("compliance_check", h_check, NULL);
  lg_flow_register_handler("approval_authority", h_authority, NULL);
  lg_flow_register_handler("notice", h_notice, NULL);
  lg_flow_register_handler("penalty", h_penalty, NULL);
  lg_flow_register_handler("approval_number", h_number, NULL);
  lg_flow_register_handler("handover", h_handover, NULL);
  calls_check = calls_notice = calls_penalty = 0;
  /* Monday Mar 2, 2026, 09:00 Beijing. */
  lg_clock_set(T("2026-03-02T01:00:00Z"));
  return 0;
}

static int teardown(void **state) {
  static const char *const names[] = {"compliance_check", "approval_authority", "notice",
                                      "penalty",          "approval_number",    "handover"};
  for (size_t i = 0; i < LG_ARRAY_LEN(names); i++)
    lg_flow_unregister_handler(names[i]);
  return tenv_teardown(state);
}

static const char *base =
    "{\"jurisdiction\": \"330106\", \"jurisdictions\": [\"330106\"], \"rating\": \"B\","
    " \"investment\": 50000000, \"city\": \"3301\", \"province\": \"33\"}";

/* Start variables: the base with members replaced or added. */
static int64_t start_with(lg_store_t *s, const char *extra) {
  json_t *v = parse(base);
  if (extra) {
    json_t *x = parse(extra);
    json_object_update(v, x);
    json_decref(x);
  }
  char *text = json_dumps(v, 0);
  int64_t id = start(s, "land_approval", text);
  free(text);
  json_decref(v);
  return id;
}

static void approve_all(lg_store_t *s, int64_t id, const char *node) {
  json_t *a = open_tasks(s, id, node);
  size_t i;
  json_t *task;
  if (!json_array_size(a)) fail_msg("no open task at %s", node);
  json_array_foreach(a, i, task)
      complete(s, json_integer_value(json_object_get(task, "id")), "approve", NULL);
  json_decref(a);
}

static int tick(lg_store_t *s, const char *when) {
  int fired = -1;
  lg_err_t err = {0};
  if (lg_flow_tick(s, T(when), &fired, &err) != 0) fail_msg("tick %s: %s", when, err.msg);
  return fired;
}

static void assert_end(lg_store_t *s, int64_t id, const char *status, const char *end) {
  json_t *o = instance(s, id);
  assert_str(json_object_get(o, "status"), status);
  assert_str(json_object_get(o, "end_node"), end);
  json_decref(o);
}

static void test_diagram(void **state) {
  size_t n;
  char *xml = process_xml(&n);
  fl_model_t *m = NULL;
  lg_err_t err = {0};
  assert_int_equal(fl_model_parse(xml, n, &m, &err), 0);
  assert_string_equal(m->key, "land_approval");
  /* Every node and flow has its shape or edge, so bpmn-js can show it. */
  char want[200];
  for (size_t i = 0; i < m->nodes.len; i++) {
    snprintf(want, sizeof want, "<bpmndi:BPMNShape id=\"%s_di\" bpmnElement=\"%s\"",
             m->nodes.items[i].id, m->nodes.items[i].id);
    if (!strstr(xml, want)) fail_msg("no shape for %s", m->nodes.items[i].id);
  }
  for (size_t i = 0; i < m->flows.len; i++) {
    snprintf(want, sizeof want, "<bpmndi:BPMNEdge id=\"%s_di\" bpmnElement=\"%s\"",
             m->flows.items[i].id, m->flows.items[i].id);
    if (!strstr(xml, want)) fail_msg("no edge for %s", m->flows.items[i].id);
  }
  assert_true(m->nodes.len >= 40);
  fl_model_free(m);
  lg_free(xml);
}

static void test_happy_path(void **state) {
  tenv_t *t = *state;
  int64_t id = start_with(t->s, NULL);
  json_t *a = open_tasks(t->s, id, "Task_Accept");
  assert_str(json_array_get(json_object_get(json_array_get(a, 0), "candidate_groups"), 0),
             "clerk@330106");
  json_decref(a);
  complete(t->s, task_at(t->s, id, "Task_Accept"), "accept", NULL);
  assert_int_equal(calls_check, 1);
  complete(t->s, task_at(t->s, id, "Task_County"), "approve", NULL);
  /* Five departments by default, each offered its own group. */
  a = open_tasks(t->s, id, "Task_Joint");
  assert_int_equal(json_array_size(a), 5);
  assert_str(json_array_get(json_object_get(json_array_get(a, 1), "candidate_groups"), 0),
             "reviewer:agriculture@330106");
  json_decref(a);
  approve_all(t->s, id, "Task_Joint");
  a = open_tasks(t->s, id, "Task_City");
  assert_str(json_array_get(json_object_get(json_array_get(a, 0), "candidate_groups"), 0),
             "approver:city@3301");
  json_decref(a);
  complete(t->s, task_at(t->s, id, "Task_City"), "approve", NULL);
  assert_end(t->s, id, "completed", "End_Approved");
  json_t *o = instance(t->s, id);
  json_t *v = json_object_get(o, "variables");
  assert_str(json_object_get(v, "approval_number"), "浙土资批〔2026〕1号");
  assert_true(json_is_true(json_object_get(v, "handed_over")));
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(v, "joint_review"), "nrOfApproved")), 5);
  json_decref(o);
  assert_int_equal(calls_notice, 0);
}

static void test_prohibited_and_veto(void **state) {
  tenv_t *t = *state;
  int64_t p =
      start_with(t->s, "{\"test_check\": {\"verdict\": \"prohibited\", \"rule\": \"R-EPRL-1\"}}");
  complete(t->s, task_at(t->s, p, "Task_Accept"), "accept", NULL);
  assert_end(t->s, p, "terminated", "End_Prohibited");
  assert_int_equal(n_open(t->s, p, "Task_County"), 0);

  int64_t v = start_with(t->s, NULL);
  complete(t->s, task_at(t->s, v, "Task_Accept"), "accept", NULL);
  complete(t->s, task_at(t->s, v, "Task_County"), "approve", NULL);
  json_t *a = open_tasks(t->s, v, "Task_Joint");
  complete(t->s, json_integer_value(json_object_get(json_array_get(a, 0), "id")), "approve", NULL);
  complete(t->s, json_integer_value(json_object_get(json_array_get(a, 2), "id")), "veto",
           "{\"reason\": \"占用生态保护红线\"}");
  json_decref(a);
  assert_end(t->s, v, "terminated", "End_JointVetoed");
  assert_int_equal(n_open(t->s, v, "Task_Joint"), 0);

  /* The county says no. */
  int64_t r = start_with(t->s, NULL);
  complete(t->s, task_at(t->s, r, "Task_Accept"), "accept", NULL);
  complete(t->s, task_at(t->s, r, "Task_County"), "reject", NULL);
  assert_end(t->s, r, "terminated", "End_CountyRejected");
}

static void test_deferral(void **state) {
  tenv_t *t = *state;
  /* Rated B: deferral does not apply, the window must decide again. */
  int64_t b = start_with(t->s, NULL);
  complete(t->s, task_at(t->s, b, "Task_Accept"), "defer", NULL);
  assert_int_equal(n_open(t->s, b, "Task_Accept"), 1);
  assert_int_equal(calls_check, 0);

  /* Rated A: accepted with deferred materials; the review goes on. */
  int64_t a = start_with(t->s, "{\"rating\": \"A\"}");
  complete(t->s, task_at(t->s, a, "Task_Accept"), "defer", NULL);
  assert_int_equal(n_open(t->s, a, "Task_County"), 1);
  /* Missed: 20 working days from Monday Mar 2 end on Monday Mar 30. A
   * tick just before fires only the county review's 5-working-day
   * reminder (due Mar 9): a supervision notice, the review goes on. */
  assert_int_equal(tick(t->s, "2026-03-30T15:59:59Z"), 1);
  assert_int_equal(calls_penalty, 0);
  assert_int_equal(calls_notice, 1);
  assert_int_equal(n_open(t->s, a, "Task_County"), 1);
  assert_int_equal(tick(t->s, "2026-03-30T16:00:00Z"), 1);
  assert_int_equal(calls_penalty, 1);
  json_t *o = instance(t->s, a);
  /* 0.5% of 50,000,000 yuan. */
  assert_true(json_real_value(json_object_get(json_object_get(o, "variables"), "penalty")) ==
              250000.0);
  assert_str(json_object_get(o, "status"), "active");
  json_decref(o);
  /* Supplied in time, in another case: no penalty. */
  int64_t c = start_with(t->s, "{\"rating\": \"A\"}");
  complete(t->s, task_at(t->s, c, "Task_Accept"), "defer", NULL);
  lg_err_t err = {0};
  assert_int_equal(lg_flow_message(t->s, c, "supply_materials", NULL, "applicant", &err), 0);
  /* Its deadline was withdrawn; only its county reminder is left to fire. */
  assert_int_equal(tick(t->s, "2026-04-30T00:00:00Z"), 1);
  assert_int_equal(calls_penalty, 1);
  assert_int_equal(calls_notice, 2);
  /* The main path still completes each case. */
  complete(t->s, task_at(t->s, c, "Task_County"), "approve", NULL);
  approve_all(t->s, c, "Task_Joint");
  complete(t->s, task_at(t->s, c, "Task_City"), "approve", NULL);
  assert_end(t->s, c, "completed", "End_Approved");
}

static void test_expropriation_state_council(void **state) {
  tenv_t *t = *state;
  int64_t id = start_with(t->s, "{\"test_authority\": {\"level\": \"state_council\","
                                " \"expropriation\": \"state_council\"}}");
  complete(t->s, task_at(t->s, id, "Task_Accept"), "accept", NULL);
  complete(t->s, task_at(t->s, id, "Task_County"), "approve", NULL);
  approve_all(t->s, id, "Task_Joint");
  assert_int_equal(calls_notice, 1); /* the pre-announcement */
  /* 10 working days from Mar 2: Mar 3-6, 9-13, 16: ends Mar 16 24:00. */
  assert_int_equal(tick(t->s, "2026-03-16T15:59:59Z"), 0);
  assert_int_equal(tick(t->s, "2026-03-16T16:00:00Z"), 1);
  assert_int_equal(calls_notice, 2); /* the compensation plan */
  /* Posted on Mar 17 (Beijing): 30 days, Mar 18 ... Apr 16. */
  assert_int_equal(tick(t->s, "2026-04-16T15:59:59Z"), 0);
  assert_int_equal(tick(t->s, "2026-04-16T16:00:00Z"), 1);
  /* 31 of 60 members object: a hearing. */
  complete(t->s, task_at(t->s, id, "Task_Objections"), "done",
           "{\"objections\": 31, \"members\": 60}");
  complete(t->s, task_at(t->s, id, "Task_Hearing"), "done", NULL);
  complete(t->s, task_at(t->s, id, "Task_Ministry"), "approve", NULL);
  complete(t->s, task_at(t->s, id, "Task_StateCouncil"), "approve", NULL);
  assert_end(t->s, id, "completed", "End_Approved");
  json_t *o = instance(t->s, id);
  json_t *notices = json_object_get(json_object_get(o, "variables"), "notices");
  assert_str(json_array_get(notices, 0), "expropriation_pre_announcement");
  assert_str(json_array_get(notices, 1), "compensation_plan");
  json_decref(o);

  /* 30 of 60 is no majority: no hearing; a province-level case. */
  int64_t p = start_with(t->s, "{\"test_authority\": {\"level\": \"province\","
                               " \"expropriation\": \"province\"}}");
  complete(t->s, task_at(t->s, p, "Task_Accept"), "accept", NULL);
  complete(t->s, task_at(t->s, p, "Task_County"), "approve", NULL);
  approve_all(t->s, p, "Task_Joint");
  tick(t->s, "2026-03-16T16:00:00Z");
  tick(t->s, "2026-04-16T16:00:00Z");
  complete(t->s, task_at(t->s, p, "Task_Objections"), "done",
           "{\"objections\": 30, \"members\": 60}");
  assert_int_equal(n_open(t->s, p, "Task_Hearing"), 0);
  complete(t->s, task_at(t->s, p, "Task_Province"), "reject", NULL);
  assert_end(t->s, p, "terminated", "End_NotApproved");
}

static void test_cross_county(void **state) {
  tenv_t *t = *state;
  const char *two = "{\"jurisdictions\": [\"330106\", \"330108\"]}";
  int64_t v = start_with(t->s, two);
  complete(t->s, task_at(t->s, v, "Task_Accept"), "accept", NULL);
  /* One check for the whole boundary (mutual recognition), one member
   * per county. */
  assert_int_equal(calls_check, 1);
  assert_int_equal(n_open(t->s, v, "Task_County"), 0);
  json_t *a = open_tasks(t->s, v, "Task_Committee");
  assert_int_equal(json_array_size(a), 2);
  assert_str(json_array_get(json_object_get(json_array_get(a, 1), "candidate_groups"), 0),
             "approver:county@330108");
  complete(t->s, json_integer_value(json_object_get(json_array_get(a, 1), "id")), "veto", NULL);
  json_decref(a);
  assert_end(t->s, v, "terminated", "End_CommitteeVetoed");

  int64_t ok = start_with(t->s, two);
  complete(t->s, task_at(t->s, ok, "Task_Accept"), "accept", NULL);
  approve_all(t->s, ok, "Task_Committee");
  assert_int_equal(n_open(t->s, ok, "Task_Joint"), 5);
  assert_int_equal(calls_check, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_diagram),
      cmocka_unit_test_setup_teardown(test_happy_path, setup, teardown),
      cmocka_unit_test_setup_teardown(test_prohibited_and_veto, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deferral, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expropriation_state_council, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cross_county, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
