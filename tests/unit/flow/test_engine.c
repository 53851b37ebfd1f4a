/*
 * flow: the engine on small fixtures (tests/data/bpmn), one element at a
 * time: user tasks, exclusive gateways (both ways, default, no way out),
 * parallel fork and join, multi-instance joint review (veto, all
 * approved, nobody to ask), messages (event-based gateway, boundary,
 * receive task), service-task handlers, restart in the middle, and the
 * ledger entry of every action.
 */
#include "flow_test.h"

#include "ledger/ledger.h"

static void test_simple(void **state) {
  tenv_t *t = *state;
  lg_flow_def_info_t d = deploy(t->s, "simple.bpmn");
  assert_string_equal(d.key, "simple");
  assert_int_equal(d.version, 1);
  assert_string_equal(d.name, "单一审查");
  int64_t id = start(t->s, "simple", "{\"jurisdiction\": \"330106\"}");
  assert_true(id > 0);

  json_t *tasks = open_tasks(t->s, id, "Review");
  assert_int_equal(json_array_size(tasks), 1);
  json_t *task = json_array_get(tasks, 0);
  assert_str(json_object_get(task, "name"), "县级审查");
  /* Candidate groups: the template with {jurisdiction} filled in. */
  json_t *groups = json_object_get(task, "candidate_groups");
  assert_int_equal(json_array_size(groups), 2);
  assert_str(json_array_get(groups, 0), "reviewer:natural_resources@330106");
  assert_str(json_array_get(groups, 1), "chief@330106");
  int64_t tid = json_integer_value(json_object_get(task, "id"));
  json_decref(tasks);

  /* Work queues by role: the task is offered to either group. */
  const char *mine[] = {"clerk@330106", "chief@330106", NULL};
  const char *other[] = {"chief@330102", NULL};
  lg_flow_task_filter_t f = {.groups = mine};
  json_t *q = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_tasks(t->s, &f, &q, &err), 0);
  assert_int_equal(json_array_size(q), 1);
  json_decref(q);
  f.groups = other;
  assert_int_equal(lg_flow_tasks(t->s, &f, &q, &err), 0);
  assert_int_equal(json_array_size(q), 0);
  json_decref(q);

  json_t *o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "active");
  assert_str(json_object_get(json_array_get(json_object_get(o, "active_nodes"), 0), "id"),
             "Review");
  assert_str(json_object_get(json_array_get(json_object_get(o, "active_nodes"), 0), "type"),
             "userTask");
  json_decref(o);

  /* Claimed by one officer, another may not complete it. */
  assert_int_equal(lg_flow_claim(t->s, tid, "wang", &err), 0);
  assert_int_equal(lg_flow_claim(t->s, tid, "li", &err), LG_ECONFLICT);
  assert_int_equal(lg_flow_complete(t->s, tid, "li", "approve", NULL, &err), LG_EPERM);
  assert_int_equal(
      lg_flow_complete(t->s, tid, "wang", "approve", J("{\"opinion\": \"同意\"}"), &err), 0);
  assert_int_equal(lg_flow_complete(t->s, tid, "wang", "approve", NULL, &err), LG_ECONFLICT);

  o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "completed");
  assert_str(json_object_get(o, "end_node"), "End");
  json_t *vars = json_object_get(o, "variables");
  assert_str(json_object_get(vars, "opinion"), "同意");
  assert_str(json_object_get(vars, "outcome"), "approve");
  assert_str(json_object_get(json_object_get(vars, "Review"), "actor"), "wang");
  assert_int_equal(json_array_size(json_object_get(o, "tokens")), 0);
  /* History: start, enter Start, enter Review, task created, claimed,
   * completed, enter End, completed. */
  json_t *h = json_object_get(o, "history");
  static const char *const events[] = {"start",      "enter",         "enter", "task.create",
                                       "task.claim", "task.complete", "enter", "completed"};
  assert_int_equal(json_array_size(h), LG_ARRAY_LEN(events));
  for (size_t i = 0; i < LG_ARRAY_LEN(events); i++)
    assert_str(json_object_get(json_array_get(h, i), "event"), events[i]);
  assert_str(json_object_get(json_array_get(h, 5), "actor"), "wang");
  json_decref(o);

  /* An ended instance takes no more actions. */
  assert_int_equal(lg_flow_set_vars(t->s, id, J("{\"a\": 1}"), "x", &err), LG_ECONFLICT);
  assert_int_equal(lg_flow_start(t->s, "nope", NULL, "x", &id, &err), LG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "nope"));
}

static void test_exclusive(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "exclusive.bpmn");
  /* Prohibited: straight to End_Returned, no task at all. */
  int64_t a =
      start(t->s, "exclusive", "{\"check\": {\"verdict\": \"prohibited\", \"area_ha\": 3}}");
  json_t *o = instance(t->s, a);
  assert_str(json_object_get(o, "status"), "completed");
  assert_str(json_object_get(o, "end_node"), "End_Returned");
  assert_int_equal(json_array_size(json_object_get(o, "tasks")), 0);
  json_decref(o);

  /* Passed: county review; approve takes the conditioned way. */
  int64_t b = start(
      t->s, "exclusive",
      "{\"check\": {\"verdict\": \"pass\", \"area_ha\": 12.5}, \"jurisdiction\": \"330106\"}");
  complete(t->s, task_at(t->s, b, "County"), "approve", NULL);
  o = instance(t->s, b);
  assert_str(json_object_get(o, "end_node"), "End_Approved");
  json_decref(o);
  /* Anything else takes the default way. */
  int64_t c = start(
      t->s, "exclusive",
      "{\"check\": {\"verdict\": \"conditional\", \"area_ha\": 70}, \"jurisdiction\": \"330106\"}");
  complete(t->s, task_at(t->s, c, "County"), "reject", NULL);
  o = instance(t->s, c);
  assert_str(json_object_get(o, "end_node"), "End_Rejected");
  json_decref(o);

  /* No way out: an error naming the gateway, and nothing stored. */
  json_t *instances = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_instances(t->s, NULL, &instances, &err), 0);
  size_t before = json_array_size(instances);
  json_decref(instances);
  int64_t id = 0;
  json_t *v = parse("{\"check\": {\"verdict\": \"needs_survey\", \"area_ha\": 1}}");
  assert_int_equal(lg_flow_start(t->s, "exclusive", v, "x", &id, &err), LG_EINVAL);
  json_decref(v);
  assert_non_null(strstr(err.msg, "G_Verdict"));
  assert_non_null(strstr(err.msg, "没有条件成立的出口"));
  assert_int_equal(id, 0);
  assert_int_equal(lg_flow_instances(t->s, NULL, &instances, &err), 0);
  assert_int_equal(json_array_size(instances), before);
  json_decref(instances);
  /* A condition that cannot be evaluated is an error too (area missing
   * for the `<=`), not a silent "false". */
  v = parse("{\"check\": {\"verdict\": \"pass\"}}");
  assert_int_equal(lg_flow_start(t->s, "exclusive", v, "x", &id, &err), LG_EINVAL);
  json_decref(v);
  assert_non_null(strstr(err.msg, "F_Pass"));
  assert_non_null(strstr(err.msg, "check.area_ha"));
}

static void test_parallel(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "parallel.bpmn");
  int64_t id = start(t->s, "parallel", NULL);
  assert_int_equal(n_open(t->s, id, "Forestry"), 1);
  assert_int_equal(n_open(t->s, id, "Water"), 1);
  assert_int_equal(n_open(t->s, id, "Decide"), 0);
  complete(t->s, task_at(t->s, id, "Water"), "approve", NULL);
  /* One branch at the join: it waits for the other. */
  assert_int_equal(n_open(t->s, id, "Decide"), 0);
  json_t *o = instance(t->s, id);
  json_t *tokens = json_object_get(o, "tokens");
  assert_int_equal(json_array_size(tokens), 2);
  assert_str(json_object_get(json_array_get(tokens, 1), "node"), "Join");
  assert_str(json_object_get(json_array_get(tokens, 1), "state"), "join");
  json_decref(o);
  complete(t->s, task_at(t->s, id, "Forestry"), "approve", NULL);
  assert_int_equal(n_open(t->s, id, "Decide"), 1);
  o = instance(t->s, id);
  assert_int_equal(json_array_size(json_object_get(o, "tokens")), 1);
  json_decref(o);
  complete(t->s, task_at(t->s, id, "Decide"), "approve", NULL);
  assert_string_equal(status_of(t->s, id), "completed");
}

static const char five[] =
    "{\"jurisdiction\": \"330106\", \"departments\": [\"natural_resources\", \"agriculture\","
    " \"ecology\", \"forestry\", \"water\"]}";

static int64_t mi_task(lg_store_t *s, int64_t inst, const char *dept) {
  json_t *a = open_tasks(s, inst, "Joint");
  int64_t id = 0;
  size_t i;
  json_t *task;
  json_array_foreach(a, i, task) {
    if (!strcmp(json_string_value(json_object_get(task, "element")), dept))
      id = json_integer_value(json_object_get(task, "id"));
  }
  json_decref(a);
  if (!id) fail_msg("no open joint-review task for %s", dept);
  return id;
}

static void test_multi_veto(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "multi.bpmn");
  int64_t id = start(t->s, "multi", five);
  json_t *a = open_tasks(t->s, id, "Joint");
  assert_int_equal(json_array_size(a), 5);
  /* One task per department, offered to that department at the county. */
  json_t *t3 = json_array_get(a, 3);
  assert_str(json_object_get(t3, "element"), "forestry");
  assert_int_equal(json_integer_value(json_object_get(t3, "loop_index")), 3);
  assert_str(json_array_get(json_object_get(t3, "candidate_groups"), 0),
             "reviewer:forestry@330106");
  json_decref(a);

  complete(t->s, mi_task(t->s, id, "agriculture"), "approve", "{\"note\": \"无基本农田\"}");
  complete(t->s, mi_task(t->s, id, "water"), "approve", NULL);
  assert_int_equal(n_open(t->s, id, "Joint"), 3);
  /* One vote against ends the joint review: the others are withdrawn. */
  complete(t->s, mi_task(t->s, id, "ecology"), "veto", "{\"reason\": \"占用生态保护红线\"}");
  assert_int_equal(n_open(t->s, id, "Joint"), 0);
  json_t *o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "completed");
  assert_str(json_object_get(o, "end_node"), "End_Vetoed");
  json_t *joint = json_object_get(json_object_get(o, "variables"), "joint");
  assert_int_equal(json_integer_value(json_object_get(joint, "nrOfInstances")), 5);
  assert_int_equal(json_integer_value(json_object_get(joint, "nrOfCompletedInstances")), 3);
  assert_int_equal(json_integer_value(json_object_get(joint, "nrOfApproved")), 2);
  assert_int_equal(json_integer_value(json_object_get(joint, "nrOfVetoes")), 1);
  json_t *outcomes = json_object_get(joint, "outcomes");
  assert_int_equal(json_array_size(outcomes), 3);
  /* In the order of the collection: agriculture, ecology, water. */
  assert_str(json_object_get(json_array_get(outcomes, 1), "element"), "ecology");
  assert_str(json_object_get(json_array_get(outcomes, 1), "outcome"), "veto");
  /* A multi-instance submission stays on its task. */
  assert_null(json_object_get(json_object_get(o, "variables"), "reason"));
  size_t i, cancelled = 0;
  json_t *task;
  json_array_foreach(json_object_get(o, "tasks"), i, task) {
    if (!strcmp(json_string_value(json_object_get(task, "status")), "cancelled")) cancelled++;
    if (!strcmp(json_string_value(json_object_get(task, "element")), "ecology"))
      assert_str(json_object_get(json_object_get(task, "vars"), "reason"), "占用生态保护红线");
  }
  assert_int_equal(cancelled, 2);
  json_decref(o);
}

static void test_multi_all_approved(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "multi.bpmn");
  int64_t id = start(t->s, "multi", five);
  static const char *const d[] = {"forestry", "natural_resources", "water", "ecology"};
  for (size_t i = 0; i < LG_ARRAY_LEN(d); i++) {
    complete(t->s, mi_task(t->s, id, d[i]), "approve", NULL);
    assert_string_equal(status_of(t->s, id), "active");
  }
  complete(t->s, mi_task(t->s, id, "agriculture"), "approve", NULL);
  json_t *o = instance(t->s, id);
  assert_str(json_object_get(o, "end_node"), "End_Approved");
  json_t *joint = json_object_get(json_object_get(o, "variables"), "joint");
  assert_int_equal(json_integer_value(json_object_get(joint, "nrOfApproved")), 5);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(joint, "counts"), "approve")),
                   5);
  json_decref(o);

  /* Nobody to ask: the activity is skipped with zero counts. */
  int64_t e = start(t->s, "multi", "{\"departments\": []}");
  o = instance(t->s, e);
  assert_str(json_object_get(o, "end_node"), "End_Approved");
  assert_int_equal(json_integer_value(json_object_get(
                       json_object_get(json_object_get(o, "variables"), "joint"), "nrOfInstances")),
                   0);
  json_decref(o);
  /* No list at all is a mistake, not an empty review. */
  lg_err_t err = {0};
  int64_t x = 0;
  assert_int_equal(lg_flow_start(t->s, "multi", NULL, "x", &x, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "应为列表"));
}

/* ---- Messages and service tasks ------------------------------------------ */

static int penalty_calls;
static int penalty_handler(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  penalty_calls++;
  json_t *vars = lg_flow_ctx_vars(ctx);
  /* 0.5% of the investment, the rate named by the task's landgov:rate. */
  const char *rate_var = lg_flow_ctx_attr(ctx, "rate");
  double rate = json_number_value(json_object_get(vars, rate_var ? rate_var : "none"));
  double inv = json_number_value(json_object_get(vars, "investment"));
  json_object_set_new(vars, "penalty", json_real(inv * rate / 100.0));
  json_object_set_new(vars, "penalty_node", json_string(lg_flow_ctx_node(ctx)));
  assert_string_equal((const char *)ud, "ud");
  assert_true(lg_flow_ctx_instance(ctx) > 0);
  assert_null(lg_flow_ctx_attr(ctx, "nothing"));
  return 0;
}

static int failing_handler(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  json_object_set_new(lg_flow_ctx_vars(ctx), "should_not_stay", json_true());
  return lg_err_set(err, LG_EIO, "图层 pbf 不存在");
}

static void test_messages(void **state) {
  tenv_t *t = *state;
  lg_flow_register_handler("penalty", penalty_handler, "ud");
  penalty_calls = 0;
  deploy(t->s, "message.bpmn");
  lg_clock_set(T("2026-03-02T01:00:00Z"));
  const char *vars =
      "{\"jurisdiction\": \"330106\", \"investment\": 20000000, \"rate_percent\": 0.5}";

  /* Materials arrive in time: review; then a withdrawal cuts it short. */
  int64_t a = start(t->s, "deferral", vars);
  complete(t->s, task_at(t->s, a, "Accept"), "accept", NULL);
  json_t *o = instance(t->s, a);
  json_t *waits = json_object_get(o, "waits");
  assert_int_equal(json_array_size(waits), 2);
  assert_str(json_object_get(json_array_get(waits, 0), "message"), "supply_materials");
  assert_str(json_object_get(json_array_get(waits, 1), "kind"), "timer");
  json_decref(o);
  lg_err_t err = {0};
  assert_int_equal(lg_flow_message(t->s, a, "withdraw", NULL, "applicant", &err), LG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "withdraw"));
  assert_int_equal(lg_flow_message(t->s, a, "supply_materials",
                                   J("{\"materials\": [\"环评批复\"]}"), "applicant", &err),
                   0);
  assert_int_equal(n_open(t->s, a, "Review"), 1);
  o = instance(t->s, a);
  waits = json_object_get(o, "waits");
  assert_str(json_object_get(json_array_get(waits, 0), "status"), "fired");
  assert_str(json_object_get(json_array_get(waits, 1), "status"), "cancelled");
  assert_str(json_array_get(json_object_get(json_object_get(o, "variables"), "materials"), 0),
             "环评批复");
  json_decref(o);
  /* The deadline's timer was withdrawn: a tick long after does nothing. */
  int fired = -1;
  assert_int_equal(lg_flow_tick(t->s, T("2026-12-31T00:00:00Z"), &fired, &err), 0);
  assert_int_equal(fired, 0);
  assert_int_equal(lg_flow_message(t->s, a, "withdraw", NULL, "applicant", &err), 0);
  o = instance(t->s, a);
  assert_str(json_object_get(o, "end_node"), "End_Withdrawn");
  assert_str(json_object_get(o, "status"), "completed");
  json_decref(o);

  /* The deadline passes: the penalty handler runs and the terminate end
   * event ends the instance. Deadline: 5 working days after Monday Mar 2,
   * 2026 = Monday Mar 9, ending at 24:00 Beijing. */
  int64_t b = start(t->s, "deferral", vars);
  complete(t->s, task_at(t->s, b, "Accept"), "accept", NULL);
  assert_int_equal(lg_flow_tick(t->s, T("2026-03-09T15:59:59Z"), &fired, &err), 0);
  assert_int_equal(fired, 0);
  assert_int_equal(penalty_calls, 0);
  assert_int_equal(lg_flow_tick(t->s, T("2026-03-09T16:00:00Z"), &fired, &err), 0);
  assert_int_equal(fired, 1);
  assert_int_equal(penalty_calls, 1);
  o = instance(t->s, b);
  assert_str(json_object_get(o, "status"), "terminated");
  assert_str(json_object_get(o, "end_node"), "End_Penalised");
  /* 0.5% of 20,000,000 yuan. */
  assert_true(json_real_value(json_object_get(json_object_get(o, "variables"), "penalty")) ==
              100000.0);
  assert_str(json_object_get(json_object_get(o, "variables"), "penalty_node"), "Penalty");
  assert_str(json_object_get(o, "ended_at"), "2026-03-09T16:00:00Z");
  json_decref(o);
  /* Materials after the end: nobody waits for them. */
  assert_int_equal(lg_flow_message(t->s, b, "supply_materials", NULL, "applicant", &err),
                   LG_ECONFLICT);
  lg_flow_unregister_handler("penalty");
}

static void test_receive_task(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "receive.bpmn");
  int64_t id = start(t->s, "receive", NULL);
  json_t *o = instance(t->s, id);
  assert_str(json_object_get(json_array_get(json_object_get(o, "active_nodes"), 0), "name"),
             "等待缴费");
  json_decref(o);
  lg_err_t err = {0};
  assert_int_equal(lg_flow_message(t->s, id, "fee_unpaid", NULL, "bank", &err), LG_ENOTFOUND);
  assert_int_equal(
      lg_flow_message(t->s, id, "fee_paid", J("{\"receipt\": \"NO.1\"}"), "bank", &err), 0);
  o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "completed");
  /* The milestone was passed and recorded. */
  bool milestone = false;
  size_t i;
  json_t *h;
  json_array_foreach(json_object_get(o, "history"), i, h) {
    const char *node = json_string_value(json_object_get(h, "node"));
    if (node && !strcmp(node, "Milestone")) milestone = true;
  }
  assert_true(milestone);
  json_decref(o);
}

static void test_service_failure_rolls_back(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "message.bpmn");
  lg_clock_set(T("2026-03-02T01:00:00Z"));
  int64_t b = start(t->s, "deferral", "{\"investment\": 1, \"jurisdiction\": \"330106\"}");
  complete(t->s, task_at(t->s, b, "Accept"), "accept", NULL);
  /* No handler registered: the tick fails, the timer keeps its error and
   * stays pending; the instance has not moved. */
  lg_flow_unregister_handler("penalty");
  int fired = -1;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_tick(t->s, T("2026-03-10T00:00:00Z"), &fired, &err), LG_EINTERNAL);
  assert_int_equal(fired, 0);
  assert_non_null(strstr(err.msg, "penalty"));
  assert_non_null(strstr(err.msg, "没有注册"));
  json_t *o = instance(t->s, b);
  assert_str(json_object_get(o, "status"), "active");
  json_t *w = json_array_get(json_object_get(o, "waits"), 1);
  assert_str(json_object_get(w, "status"), "pending");
  assert_non_null(strstr(json_string_value(json_object_get(w, "error")), "没有注册"));
  json_decref(o);
  /* A handler that fails: same, its partial variable is rolled back. */
  lg_flow_register_handler("penalty", failing_handler, NULL);
  assert_int_equal(lg_flow_tick(t->s, T("2026-03-10T00:00:00Z"), &fired, &err), LG_EIO);
  assert_non_null(strstr(err.msg, "Penalty"));
  assert_non_null(strstr(err.msg, "图层 pbf 不存在"));
  o = instance(t->s, b);
  assert_null(json_object_get(json_object_get(o, "variables"), "should_not_stay"));
  json_decref(o);
  /* Once the handler works, the next tick fires it. */
  lg_flow_register_handler("penalty", penalty_handler, "ud");
  assert_int_equal(lg_flow_tick(t->s, T("2026-03-10T00:00:00Z"), &fired, &err), 0);
  assert_int_equal(fired, 1);
  assert_string_equal(status_of(t->s, b), "terminated");
  lg_flow_unregister_handler("penalty");
}

/* ---- Restart, cancel, variables ----------------------------------------- */

static void test_restart(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "parallel.bpmn");
  int64_t id = start(t->s, "parallel", "{\"case\": \"2026-001\"}");
  complete(t->s, task_at(t->s, id, "Forestry"), "approve", NULL);
  /* The server stops with one branch waiting at the join... */
  tenv_close(t);
  tenv_open(t);
  /* ... and after the restart the other branch completes the join. */
  assert_int_equal(n_open(t->s, id, "Forestry"), 0);
  complete(t->s, task_at(t->s, id, "Water"), "approve", NULL);
  int64_t decide = task_at(t->s, id, "Decide");
  tenv_close(t);
  tenv_open(t);
  complete(t->s, decide, "approve", NULL);
  json_t *o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "completed");
  assert_str(json_object_get(json_object_get(o, "variables"), "case"), "2026-001");
  json_decref(o);
}

static void test_cancel_and_vars(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "parallel.bpmn");
  int64_t id = start(t->s, "parallel", NULL);
  lg_err_t err = {0};
  assert_int_equal(lg_flow_set_vars(t->s, id, J("{\"deferred\": true}"), "window", &err), 0);
  assert_int_equal(lg_flow_set_vars(t->s, id, J("[1]"), "window", &err), LG_EINVAL);
  assert_int_equal(lg_flow_cancel(t->s, id, "applicant", "申请人撤回", &err), 0);
  json_t *o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "cancelled");
  assert_true(json_is_true(json_object_get(json_object_get(o, "variables"), "deferred")));
  assert_int_equal(json_array_size(json_object_get(o, "tokens")), 0);
  size_t i;
  json_t *task;
  json_array_foreach(json_object_get(o, "tasks"), i, task)
      assert_str(json_object_get(task, "status"), "cancelled");
  json_decref(o);
  assert_int_equal(lg_flow_cancel(t->s, id, "applicant", NULL, &err), LG_ECONFLICT);
  assert_int_equal(lg_flow_cancel(t->s, 9999, "applicant", NULL, &err), LG_ENOTFOUND);
  assert_int_equal(lg_flow_complete(t->s, 9999, "x", NULL, NULL, &err), LG_ENOTFOUND);
}

/* A caller (the cases module) may wrap an action in its own transaction:
 * the instance then lives or dies with the caller's change. */
static void test_nested_transaction(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "parallel.bpmn");
  lg_err_t err = {0};
  int64_t id = 0;
  assert_int_equal(lg_store_begin(t->s, &err), 0);
  assert_int_equal(lg_flow_start(t->s, "parallel", NULL, "x", &id, &err), 0);
  lg_store_rollback(t->s);
  json_t *o = NULL;
  assert_int_equal(lg_flow_instance_json(t->s, id, 0, &o, &err), LG_ENOTFOUND);
  assert_int_equal(lg_store_begin(t->s, &err), 0);
  assert_int_equal(lg_flow_start(t->s, "parallel", NULL, "x", &id, &err), 0);
  assert_int_equal(lg_store_commit(t->s, &err), 0);
  assert_string_equal(status_of(t->s, id), "active");
}

/* ---- Ledger ------------------------------------------------------------- */

typedef struct digest_ctx {
  const char *id;
  char hex[65];
} digest_ctx_t;

static int find_digest(void *ctx, const char *object_id, const unsigned char d[32]) {
  digest_ctx_t *c = ctx;
  if (!strcmp(object_id, c->id)) lg_ledger_hex(d, 32, c->hex);
  return 0;
}

/* The digest the latest ledger entry of type/id recorded. */
static void latest_entry_digest(lg_store_t *s, const char *type, const char *id, char out[65],
                                char action[64]) {
  uint64_t n = 0;
  assert_int_equal(lg_ledger_size(s, &n, NULL), 0);
  out[0] = '\0';
  for (uint64_t i = n; i-- > 0;) {
    char *text = NULL;
    assert_int_equal(lg_ledger_entry(s, i, &text, NULL, NULL), 0);
    json_t *e = json_loads(text, 0, NULL);
    lg_free(text);
    if (!strcmp(json_string_value(json_object_get(e, "object_type")), type) &&
        !strcmp(json_string_value(json_object_get(e, "object_id")), id)) {
      snprintf(out, 65, "%s", json_string_value(json_object_get(e, "digest")));
      snprintf(action, 64, "%s", json_string_value(json_object_get(e, "action")));
      json_decref(e);
      return;
    }
    json_decref(e);
  }
}

static void test_ledger(void **state) {
  tenv_t *t = *state;
  uint64_t n0 = 0, n1 = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_size(t->s, &n0, &err), 0);
  deploy(t->s, "simple.bpmn");
  assert_int_equal(lg_ledger_size(t->s, &n1, &err), 0);
  assert_int_equal(n1, n0 + 1); /* the deployment */
  deploy(t->s, "simple.bpmn");  /* the same drawing again: no new version */
  assert_int_equal(lg_ledger_size(t->s, &n1, &err), 0);
  assert_int_equal(n1, n0 + 1);

  int64_t id = start(t->s, "simple", "{\"jurisdiction\": \"330106\"}");
  int64_t tid = task_at(t->s, id, "Review");
  assert_int_equal(lg_flow_claim(t->s, tid, "wang", &err), 0);
  assert_int_equal(lg_flow_complete(t->s, tid, "wang", "approve", NULL, &err), 0);
  assert_int_equal(lg_ledger_size(t->s, &n1, &err), 0);
  assert_int_equal(n1, n0 + 4); /* deploy, start, claim, complete */

  /* The latest entry's digest is the digest of the instance as it is. */
  char want[65], action[64];
  latest_entry_digest(t->s, "flow.instance", "1", want, action);
  assert_string_equal(action, "flow.task.complete");
  digest_ctx_t c = {.id = "1"};
  assert_int_equal(lg_flow_audit_scan(t->s, find_digest, &c, &err), 0);
  assert_string_equal(c.hex, want);
  /* The same for the deployed definition. */
  char def_want[65];
  latest_entry_digest(t->s, "flow.definition", "simple@1", def_want, action);
  assert_string_equal(action, "flow.deploy");
  digest_ctx_t dc = {.id = "simple@1"};
  assert_int_equal(lg_flow_audit_scan_definitions(t->s, find_digest, &dc, &err), 0);
  assert_string_equal(dc.hex, def_want);
  /* Someone edits the variables behind the application's back: the
   * audit's digest no longer matches the ledger. */
  assert_int_equal(lg_store_exec(t->s,
                                 "UPDATE lg_flow_instances SET variables ="
                                 " '{\"jurisdiction\": \"330106\", \"outcome\": \"veto\"}'",
                                 &err),
                   0);
  assert_int_equal(lg_flow_audit_scan(t->s, find_digest, &c, &err), 0);
  assert_string_not_equal(c.hex, want);

  /* A failed action leaves no entry. */
  assert_int_equal(lg_ledger_size(t->s, &n0, &err), 0);
  int64_t x;
  assert_int_equal(lg_flow_start(t->s, "simple", NULL, "x", &x, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "jurisdiction"));
  assert_int_equal(lg_ledger_size(t->s, &n1, &err), 0);
  assert_int_equal(n1, n0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_simple, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_exclusive, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_parallel, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_multi_veto, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_multi_all_approved, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_messages, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_receive_task, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_service_failure_rolls_back, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_restart, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_cancel_and_vars, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_nested_transaction, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_ledger, tenv_setup, tenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
