/*
 * flow: timers with an injected clock. Every expected date is counted by
 * hand on the State Council's 2026 holiday notice (国务院办公厅关于2026年
 * 部分节假日安排的通知, 2025-11-04): National Day Oct 1-7 off, Saturday
 * Oct 10 a working day; Spring Festival Feb 15-23 off, Saturdays Feb 14
 * and 28 working days. A period counted in days starts the day after the
 * event and ends at 24:00 Beijing time (16:00Z) of its last day.
 */
#include "flow_test.h"

#include <pthread.h>

static const char *wait_due(json_t *o, const char *node) {
  size_t i;
  json_t *w;
  json_array_foreach(json_object_get(o, "waits"), i, w) {
    if (!strcmp(json_string_value(json_object_get(w, "node")), node))
      return json_string_value(json_object_get(w, "due_at"));
  }
  fail_msg("no wait at %s", node);
  return NULL;
}

static int tick(lg_store_t *s, const char *when) {
  int fired = -1;
  lg_err_t err = {0};
  if (lg_flow_tick(s, T(when), &fired, &err) != 0) fail_msg("tick %s: %s", when, err.msg);
  return fired;
}

static void test_escalation_working_days(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "timer.bpmn");
  /* Tuesday Sep 29, 2026, 10:00 Beijing. */
  lg_clock_set(T("2026-09-29T02:00:00Z"));
  int64_t id = start(t->s, "timer", NULL);
  json_t *o = instance(t->s, id);
  /* Reminder, 5 working days: Sep 30 (1), Oct 1-7 off, Oct 8 (2), 9 (3),
   * Saturday 10 (4), Sunday 11 off, Monday 12 (5): ends Oct 12 24:00. */
  assert_string_equal(wait_due(o, "Remind"), "2026-10-12T16:00:00Z");
  /* Deadline, 10 working days: ... Oct 12 (5), 13 (6), 14 (7), 15 (8),
   * 16 (9), weekend, Monday 19 (10): ends Oct 19 24:00. */
  assert_string_equal(wait_due(o, "Deadline"), "2026-10-19T16:00:00Z");
  /* The task carries its deadline (the interrupting timer). */
  assert_str(json_object_get(json_array_get(json_object_get(o, "tasks"), 0), "due_at"),
             "2026-10-19T16:00:00Z");
  json_decref(o);

  assert_int_equal(tick(t->s, "2026-10-12T15:59:59Z"), 0);
  assert_int_equal(n_open(t->s, id, "Supervise"), 0);
  assert_int_equal(tick(t->s, "2026-10-12T16:00:00Z"), 1);
  /* Non-interrupting: supervision starts, the review goes on. */
  assert_int_equal(n_open(t->s, id, "Supervise"), 1);
  assert_int_equal(n_open(t->s, id, "Review"), 1);
  assert_int_equal(tick(t->s, "2026-10-12T16:00:00Z"), 0);

  /* The server restarts; the deadline still stands. */
  tenv_close(t);
  tenv_open(t);
  assert_int_equal(tick(t->s, "2026-10-19T15:59:59Z"), 0);
  assert_int_equal(tick(t->s, "2026-10-19T16:00:00Z"), 1);
  /* Interrupting: the review is withdrawn, the path ends at End_Timeout;
   * supervision is still open, so the instance is too. */
  assert_int_equal(n_open(t->s, id, "Review"), 0);
  o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "active");
  size_t i;
  json_t *h;
  bool timeout = false;
  json_array_foreach(json_object_get(o, "history"), i, h) {
    const char *node = json_string_value(json_object_get(h, "node"));
    if (node && !strcmp(node, "End_Timeout")) {
      timeout = true;
      assert_str(json_object_get(h, "at"), "2026-10-19T16:00:00Z");
      assert_str(json_object_get(h, "actor"), "system");
    }
  }
  assert_true(timeout);
  assert_str(json_object_get(json_array_get(json_object_get(o, "tasks"), 0), "status"),
             "cancelled");
  json_decref(o);
  complete(t->s, task_at(t->s, id, "Supervise"), "done", NULL);
  o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "completed");
  json_decref(o);
}

static void test_spring_festival(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "timer.bpmn");
  /* Tuesday Feb 10, 2026, 09:00 Beijing. */
  lg_clock_set(T("2026-02-10T01:00:00Z"));
  int64_t id = start(t->s, "timer", NULL);
  json_t *o = instance(t->s, id);
  /* Feb 11 (1), 12 (2), 13 (3), Saturday 14 (4), Feb 15-23 off, 24 (5). */
  assert_string_equal(wait_due(o, "Remind"), "2026-02-24T16:00:00Z");
  /* 25 (6), 26 (7), 27 (8), Saturday 28 (9), Sunday Mar 1 off, Mar 2 (10). */
  assert_string_equal(wait_due(o, "Deadline"), "2026-03-02T16:00:00Z");
  json_decref(o);
  /* Completing in time withdraws both timers. */
  lg_clock_set(T("2026-02-26T02:00:00Z"));
  complete(t->s, task_at(t->s, id, "Review"), "approve", NULL);
  assert_int_equal(tick(t->s, "2026-12-31T00:00:00Z"), 0);
  o = instance(t->s, id);
  assert_str(json_object_get(o, "status"), "completed");
  assert_str(json_object_get(o, "end_node"), "End_Done");
  json_decref(o);
}

static void test_calendar_is_data(void **state) {
  tenv_t *t = *state;
  lg_err_t err = {0};
  json_t *days = NULL;
  /* The seeded notices: 2026 has 33 days off (3 + 9 + 3 + 5 + 3 + 3 + 7)
   * and 6 weekend working days; 2025 has 28 (1 + 8 + 3 + 5 + 3 + 8) and 5. */
  assert_int_equal(lg_flow_calendar_json(t->s, 2026, &days, &err), 0);
  assert_int_equal(json_array_size(days), 39);
  json_decref(days);
  assert_int_equal(lg_flow_calendar_json(t->s, 2025, &days, &err), 0);
  assert_int_equal(json_array_size(days), 33);
  assert_str(json_object_get(json_array_get(days, 0), "day"), "2025-01-01");
  assert_str(json_object_get(json_array_get(days, 0), "name"), "元旦");
  json_decref(days);

  /* An administrator corrects the calendar: Saturday Oct 10, 2026 is no
   * longer a working day. The reminder from Sep 29 then runs Sep 30 (1),
   * Oct 8 (2), 9 (3), 12 (4), 13 (5). */
  assert_int_equal(lg_flow_calendar_set(t->s, "2026-10-10", NULL, NULL, "admin", &err), 0);
  deploy(t->s, "timer.bpmn");
  lg_clock_set(T("2026-09-29T02:00:00Z"));
  int64_t id = start(t->s, "timer", NULL);
  json_t *o = instance(t->s, id);
  assert_string_equal(wait_due(o, "Remind"), "2026-10-13T16:00:00Z");
  json_decref(o);
  /* A local holiday added (e.g. a typhoon day off): Oct 13 is off too. */
  assert_int_equal(lg_flow_calendar_set(t->s, "2026-10-13", "holiday", "台风停工", "admin", &err),
                   0);
  id = start(t->s, "timer", NULL);
  o = instance(t->s, id);
  assert_string_equal(wait_due(o, "Remind"), "2026-10-14T16:00:00Z");
  json_decref(o);

  assert_int_equal(lg_flow_calendar_set(t->s, "2026-13-01", "holiday", NULL, "admin", &err),
                   LG_EINVAL);
  assert_int_equal(lg_flow_calendar_set(t->s, "2026-10-01", "vacation", NULL, "admin", &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "vacation"));
}

static void test_catch_timers(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "timer_catch.bpmn");
  /* The compensation plan is posted Sunday Mar 1, 2026, 10:00 Beijing:
   * 30 calendar days, Mar 2 ... Mar 31, ending at 24:00 on Mar 31. */
  lg_clock_set(T("2026-03-01T02:00:00Z"));
  int64_t id = start(t->s, "timer_catch", NULL);
  json_t *o = instance(t->s, id);
  assert_string_equal(wait_due(o, "Posted"), "2026-03-31T16:00:00Z");
  json_decref(o);
  assert_int_equal(tick(t->s, "2026-03-31T15:59:59Z"), 0);
  assert_int_equal(tick(t->s, "2026-03-31T16:00:00Z"), 1);
  /* Then a plain PT2H from the moment it fired, on the next tick. */
  o = instance(t->s, id);
  assert_string_equal(wait_due(o, "Cool"), "2026-03-31T18:00:00Z");
  json_decref(o);
  assert_int_equal(n_open(t->s, id, "Decide"), 0);
  assert_int_equal(tick(t->s, "2026-03-31T18:00:00Z"), 1);
  assert_int_equal(n_open(t->s, id, "Decide"), 1);
}

/* A period read from the case's variables, with a default in the drawing. */
static void test_duration_expression(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "timer_expr.bpmn");
  /* Monday Mar 2, 2026: 3 working days run Mar 3, 4, 5. */
  lg_clock_set(T("2026-03-02T02:00:00Z"));
  int64_t a = start(t->s, "timer_expr", "{\"deferral_period\": \"P3D\"}");
  json_t *o = instance(t->s, a);
  assert_string_equal(wait_due(o, "Period"), "2026-03-05T16:00:00Z");
  json_decref(o);
  /* The default, 20 working days: Mar 3-6 (4), 9-13 (9), 16-20 (14),
   * 23-27 (19), Mar 30 (20). */
  int64_t b = start(t->s, "timer_expr", NULL);
  o = instance(t->s, b);
  assert_string_equal(wait_due(o, "Period"), "2026-03-30T16:00:00Z");
  json_decref(o);
  /* A period that is not a number of days is refused when armed. */
  json_t *v = parse("{\"deferral_period\": \"PT5H\"}");
  int64_t c = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_start(t->s, "timer_expr", v, "x", &c, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "PT5H"));
  json_decref(v);
  v = parse("{\"deferral_period\": 20}");
  assert_int_equal(lg_flow_start(t->s, "timer_expr", v, "x", &c, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "ISO 8601"));
  json_decref(v);
}

/* Two servers on one store tick at the same moment (two connections, two
 * threads): every due timer fires once, never twice (the second finds it
 * fired under the store's writer lock), none is lost. Counted from the
 * instances' histories. */
typedef struct ticker {
  const char *target;
  int fired;
  char error[256];
} ticker_t;

static void *tick_thread(void *arg) {
  ticker_t *k = arg;
  lg_store_t *s;
  lg_err_t err = {0};
  if (lg_store_open(k->target, 0, &s, &err) != 0) {
    snprintf(k->error, sizeof k->error, "open: %s", err.msg);
    return NULL;
  }
  if (lg_flow_tick(s, T("2026-10-12T16:00:00Z"), &k->fired, &err) != 0)
    snprintf(k->error, sizeof k->error, "tick: %s", err.msg);
  lg_store_close(s);
  return NULL;
}

static void test_two_tickers_fire_once(void **state) {
  tenv_t *t = *state;
  deploy(t->s, "timer.bpmn");
  lg_clock_set(T("2026-09-29T02:00:00Z"));
  enum { N = 12 };
  int64_t ids[N];
  for (int i = 0; i < N; i++)
    ids[i] = start(t->s, "timer", NULL);
  /* The 5-working-day reminders fall due Oct 12 24:00 (see above). */
  ticker_t a = {.target = lg_test_target(t->path)}, b = a;
  pthread_t ta, tb;
  assert_int_equal(pthread_create(&ta, NULL, tick_thread, &a), 0);
  assert_int_equal(pthread_create(&tb, NULL, tick_thread, &b), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  if (a.error[0]) fail_msg("%s", a.error);
  if (b.error[0]) fail_msg("%s", b.error);
  assert_int_equal(a.fired + b.fired, N);
  for (int i = 0; i < N; i++) {
    json_t *o = instance(t->s, ids[i]);
    int timers = 0;
    size_t k;
    json_t *h;
    json_array_foreach(json_object_get(o, "history"), k, h) {
      if (!strcmp(json_string_value(json_object_get(h, "event")), "timer")) timers++;
    }
    assert_int_equal(timers, 1);
    assert_int_equal(n_open(t->s, ids[i], "Supervise"), 1);
    json_decref(o);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_escalation_working_days, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_spring_festival, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_calendar_is_data, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_catch_timers, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_duration_expression, tenv_setup, tenv_teardown),
      cmocka_unit_test_setup_teardown(test_two_tickers_fire_once, tenv_setup, tenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
