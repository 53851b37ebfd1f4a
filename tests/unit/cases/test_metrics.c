/*
 * cases: the approval measures (metrics.c) on cases driven through the
 * default process with a fixed clock, every expected figure counted by
 * hand on the 2026 calendar (State Council notice of 2025-11-04: no
 * holiday in March; Qingming Apr 4-6; Saturday Feb 28 a working day).
 *
 * The store is test_cases.c's: two counties of one city, 360781 (south)
 * and 360782 (north), each 2000 x 1100 m in EPSG:4526; the east half of
 * both is state-owned industrial land, so a boundary there converts and
 * expropriates nothing and the city approves it without notices. Joint
 * review by natural resources and ecology.
 *
 * Times: "Mon 09:00" is Beijing time (UTC+8). A working day here is 24
 * hours of a working date: Monday 09:00 to Thursday 09:00 is 3 working
 * days (72 hours), Thursday 09:00 to Monday 09:00 is 2 working days (96
 * clock hours).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case_fixture.h"
#include "cases/cases.h"
#include "flow/flow.h"
#include "formats/formats.h"
#include "lg_test.h"

static void add_user(env_t *e, const char *login, const char *role, const char *dept,
                     const char *level, const char *division) {
  lg_user_def_t d = {
      .login = login, .role = role, .dept = dept, .level = level, .division = division};
  lg_err_t err = {0};
  if (lg_auth_user_add(e->s, &d, "Metrics-Test-2026", NULL, &err) != 0)
    fail_msg("user %s: %s", login, err.msg);
}

static int setup(void **state) {
  env_t *e = calloc(1, sizeof *e);
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_metrics_XXXXXX");
  if (!mkdtemp(e->dir)) return -1;
  snprintf(e->path, sizeof e->path, "%s/test.gpkg", e->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0)
    fail_msg("open: %s", err.msg);
  lg_clock_set(T("2026-03-02T01:00:00Z"));
  char *a = feature("{\"XZQDM\":\"360781\",\"XZQMC\":\"甲县\"}", 0, 0, 2000, 1100);
  char *b = feature("{\"XZQDM\":\"360782\",\"XZQMC\":\"乙县\"}", 0, 1100, 2000, 2200);
  char *both = lg_sprintf("%s,%s", a, b);
  import_layer(e, "county", "other", both);
  lg_free(a);
  lg_free(b);
  lg_free(both);
  a = feature("{\"DLBM\":\"0103\",\"DLMC\":\"旱地\",\"QSXZ\":\"30\"}", 0, 0, 1000, 2200);
  b = feature("{\"DLBM\":\"0601\",\"DLMC\":\"工业用地\",\"QSXZ\":\"20\"}", 1000, 0, 2000, 2200);
  both = lg_sprintf("%s,%s", a, b);
  import_layer(e, "dltb", "landuse", both);
  lg_free(a);
  lg_free(b);
  lg_free(both);
  /* Accounts for who can take a step: every group of the tests has one
   * but the ecology reviewers of 360781, so that their step is nobody's. */
  assert_int_equal(lg_store_setting_set(e->s, "auth.pwhash_ops", "1", &err), 0);
  assert_int_equal(lg_store_setting_set(e->s, "auth.pwhash_mem", "8192", &err), 0);
  add_user(e, "clerk", "clerk", NULL, NULL, "360781");
  add_user(e, "county", "approver", NULL, "county", "360781");
  add_user(e, "nr", "reviewer", "natural_resources", NULL, "360781");
  add_user(e, "city", "approver", NULL, "city", "3607");
  lg_cases_register_handlers();
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env_t *e = *state;
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  static const char *const files[] = {"county", "dltb"};
  for (size_t i = 0; i < LG_ARRAY_LEN(files); i++) {
    char p[400];
    snprintf(p, sizeof p, "%s/%s.geojson", e->dir, files[i]);
    unlink(p);
  }
  rmdir(e->dir);
  free(e);
  lg_clock_set(0);
  return 0;
}

static lg_subject_t who(const char *login, const char *role, const char *qual,
                        const char *division) {
  lg_subject_t w;
  memset(&w, 0, sizeof w);
  w.user_id = 1;
  snprintf(w.login, sizeof w.login, "%s", login);
  snprintf(w.role, sizeof w.role, "%s", role);
  snprintf(w.division, sizeof w.division, "%s", division);
  if (!strcmp(role, "reviewer")) snprintf(w.dept, sizeof w.dept, "%s", qual);
  if (!strcmp(role, "approver")) snprintf(w.level, sizeof w.level, "%s", qual);
  return w;
}

#define CLERK who("clerk", "clerk", NULL, "360781")
#define CLERK_B who("clerk.b", "clerk", NULL, "360782")
#define COUNTY who("county", "approver", "county", "360781")
#define NR who("nr", "reviewer", "natural_resources", "360781")
#define ECO who("eco", "reviewer", "ecology", "360781")
#define CITY who("city", "approver", "city", "3607")

static int64_t create_as(env_t *e, lg_subject_t clerk, double x0, double y0, double x1, double y1) {
  char *ring = box(x0, y0, x1, y1);
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:4526\"}},\"coordinates\":%s}",
                        ring);
  lg_free(ring);
  json_t *depts = json_pack("[s,s]", "natural_resources", "ecology");
  lg_case_new_t c = {.title = "稀土深加工项目",
                     .project_type = "industrial",
                     .use_code = "1001",
                     .enterprise = "91360781MA35A0001X",
                     .rating = "C",
                     .investment = 5000000,
                     .boundary_data = gj,
                     .boundary_len = strlen(gj),
                     .departments = depts};
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_cases_create(e->s, &clerk, &c, &id, &err) != 0) fail_msg("create: %s", err.msg);
  lg_free(gj);
  json_decref(depts);
  return id;
}

/* A case in the east half of the south county (the city approves it). */
static int64_t create(env_t *e, double x0, double y0) {
  return create_as(e, CLERK, x0, y0, x0 + 100, y0 + 100);
}

static int64_t task(env_t *e, int64_t id, const char *node, const char *element) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_cases_get(e->s, id, &o, &err) != 0) fail_msg("get: %s", err.msg);
  size_t i;
  json_t *t;
  int64_t found = 0;
  json_array_foreach(json_object_get(o, "tasks"), i, t) {
    if (strcmp(json_string_value(json_object_get(t, "node")), node)) continue;
    const char *el = json_string_value(json_object_get(t, "element"));
    if (element && (!el || strcmp(el, element))) continue;
    found = json_integer_value(json_object_get(t, "id"));
  }
  json_decref(o);
  if (!found) fail_msg("case %lld has no open task at %s", (long long)id, node);
  return found;
}

static void act(env_t *e, lg_subject_t w, int64_t t, const char *action) {
  lg_err_t err = {0};
  if (lg_cases_act(e->s, &w, t, action, NULL, NULL, &err) != 0)
    fail_msg("act %s on task %lld: %s", action, (long long)t, err.msg);
}

static void at(const char *iso) { lg_clock_set(T(iso)); }

static json_t *case_metrics(env_t *e, int64_t id) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_cases_metrics_case(e->s, id, &o, &err) != 0) fail_msg("metrics: %s", err.msg);
  return o;
}

static json_t *period(env_t *e, const lg_case_metrics_opts_t *o) {
  json_t *m = NULL;
  lg_err_t err = {0};
  if (lg_cases_metrics(e->s, o, &m, &err) != 0) fail_msg("metrics: %s", err.msg);
  return m;
}

static double num(const json_t *o, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = o;
  for (char *p = buf, *dot; p && v; p = dot) {
    dot = strchr(p, '.');
    if (dot) *dot++ = '\0';
    v = json_is_array(v) ? json_array_get(v, (size_t)atoi(p)) : json_object_get(v, p);
  }
  if (!json_is_number(v)) fail_msg("%s is not a number", path);
  return json_number_value(v);
}

static void expect(const json_t *o, const char *path, double want) {
  double got = num(o, path);
  if (fabs(got - want) > 1e-4) fail_msg("%s: got %.6f, want %.6f", path, got, want);
}

static void expect_str(const json_t *o, const char *key, const char *want) {
  const char *got = json_string_value(json_object_get(o, key));
  if (!got || strcmp(got, want))
    fail_msg("%s: got \"%s\", want \"%s\"", key, got ? got : "(null)", want);
}

/* The entry of an array whose key has a value. */
static const json_t *find(const json_t *arr, const char *key, const char *val) {
  size_t i;
  const json_t *v;
  json_array_foreach(arr, i, v) {
    const char *s = json_string_value(json_object_get(v, key));
    if (s && !strcmp(s, val)) return v;
  }
  fail_msg("no entry with %s = %s", key, val);
  return NULL;
}

static bool has_warning(const json_t *m, const char *part) {
  size_t i;
  const json_t *w;
  json_array_foreach(json_object_get(m, "warnings"), i, w) {
    if (strstr(json_string_value(w), part)) return true;
  }
  return false;
}

/* ---- Tests ---------------------------------------------------------------------------- */

static void test_work_seconds(void **state) {
  env_t *e = *state;
  lg_workcal_t *cal = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_calendar_load(e->s, &cal, &err), 0);
  /* Friday Apr 3 09:00 to Tuesday Apr 7 09:00: the weekend and Qingming
   * (Apr 4-6) are not working days; Friday's 15 hours and Tuesday's 9. */
  assert_true(lg_cases_work_seconds(cal, T("2026-04-03T01:00:00Z"), T("2026-04-07T01:00:00Z")) ==
              24 * 3600.0);
  /* Saturday Feb 28 is a working day (调休), Sunday Mar 1 is not. */
  assert_true(lg_cases_work_seconds(cal, T("2026-02-28T01:00:00Z"), T("2026-02-28T10:00:00Z")) ==
              9 * 3600.0);
  assert_true(lg_cases_work_seconds(cal, T("2026-02-28T16:00:00Z"), T("2026-03-01T16:00:00Z")) ==
              0);
  /* Within one working day, and an empty interval. */
  assert_true(lg_cases_work_seconds(cal, T("2026-03-02T01:00:00Z"), T("2026-03-02T02:30:00Z")) ==
              5400.0);
  assert_true(lg_cases_work_seconds(cal, T("2026-03-02T02:00:00Z"), T("2026-03-02T01:00:00Z")) ==
              0);
  lg_workcal_free(cal);
}

/* 3 working days at county review, 2 in joint review: coordination 2/5. */
static void test_case_times(void **state) {
  env_t *e = *state;
  at("2026-03-02T01:00:00Z"); /* Mon 09:00 */
  int64_t id = create(e, 1100, 100);
  act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept");
  at("2026-03-05T01:00:00Z"); /* Thu 09:00 */
  act(e, COUNTY, task(e, id, "Task_County", NULL), "approve");
  at("2026-03-06T01:00:00Z"); /* Fri 09:00 */
  act(e, NR, task(e, id, "Task_Joint", "natural_resources"), "approve");
  at("2026-03-09T01:00:00Z"); /* Mon 09:00 */
  act(e, ECO, task(e, id, "Task_Joint", "ecology"), "approve");

  json_t *m = case_metrics(e, id);
  expect_str(m, "status", "in_review");
  assert_true(json_is_null(json_object_get(m, "ended_at")));
  /* Mon 09:00 to Mon 09:00: 5 working days, 168 hours. */
  expect(m, "elapsed.working_days", 5);
  expect(m, "elapsed.hours", 168);
  /* Thu 09:00 to Mon 09:00 in joint review: 2 working days, 96 hours. */
  expect(m, "coordination.working_days", 2);
  expect(m, "coordination.hours", 96);
  expect(m, "coordination.share", 0.4);
  expect(m, "coordination.share_hours", 0.5714); /* 96 / 168 */
  /* Window, county review, two departments: 4 nodes passed; the city's
   * step is open. */
  expect(m, "nodes.passed", 4);
  expect(m, "nodes.open", 1);
  /* The joint review sits at the county: all 5 days are the county's. */
  const json_t *county = find(json_object_get(m, "levels"), "level", "county");
  expect(county, "working_days", 5);
  expect(county, "steps", 4);
  const json_t *city = find(json_object_get(m, "levels"), "level", "city");
  expect(city, "working_days", 0);
  expect(city, "steps", 1);
  /* Natural resources: window and county review (Mon-Thu), its joint
   * opinion (Thu-Fri): Mon 09:00 to Fri 09:00, 4 days, 96 hours; its
   * city step has just opened. Ecology: Thu 09:00 to Mon 09:00. */
  const json_t *nr = find(json_object_get(m, "departments"), "department", "natural_resources");
  expect(nr, "working_days", 4);
  expect(nr, "hours", 96);
  expect_str(nr, "title", "自然资源");
  const json_t *eco = find(json_object_get(m, "departments"), "department", "ecology");
  expect(eco, "working_days", 2);
  expect(eco, "hours", 96);
  expect(m, "waiting.hours", 0);
  assert_int_equal(json_array_size(json_object_get(m, "overdue")), 0);
  assert_int_equal(json_array_size(json_object_get(m, "idle")), 0);
  json_decref(m);

  /* The city approves on Wednesday 09:00: 2 more working days. */
  at("2026-03-11T01:00:00Z");
  act(e, CITY, task(e, id, "Task_City", NULL), "approve");
  m = case_metrics(e, id);
  expect_str(m, "status", "handed_over");
  expect_str(m, "ended_at", "2026-03-11T01:00:00Z");
  expect(m, "elapsed.working_days", 7);
  expect(m, "elapsed.hours", 216);
  expect(m, "coordination.share", 0.2857); /* 2 / 7 */
  expect(m, "nodes.passed", 5);
  expect(m, "nodes.open", 0);
  expect(find(json_object_get(m, "levels"), "level", "city"), "working_days", 2);
  expect(find(json_object_get(m, "levels"), "level", "city"), "hours", 48);
  nr = find(json_object_get(m, "departments"), "department", "natural_resources");
  expect(nr, "working_days", 6);
  expect(nr, "hours", 144);
  expect(nr, "share", 0.8571); /* 6 / 7 */
  json_decref(m);

  /* Over March: the case concluded in it, whole. */
  lg_case_metrics_opts_t o = {.from = "2026-03-01", .to = "2026-03-31"};
  m = period(e, &o);
  expect(m, "summary.cases", 1);
  expect(m, "summary.filed", 1);
  expect(m, "summary.concluded", 1);
  expect(m, "summary.nodes_per_concluded_case", 5);
  expect(m, "summary.elapsed_per_concluded_case.working_days", 7);
  expect(m, "summary.coordination.share", 0.2857);
  /* March 1 to March 11 09:00 (now): 8 working days (Mar 2-6, 9-11). */
  expect(m, "period.working_days", 8);
  expect_str(json_object_get(m, "period"), "start", "2026-02-28T16:00:00Z");
  json_decref(m);

  /* Thursday Mar 5 alone: the day cut from the case's life. Its 24 hours
   * are a working day; the county review's last 9 hours, then the joint
   * review's first 15: coordination 15/24. */
  o = (lg_case_metrics_opts_t){.from = "2026-03-05", .to = "2026-03-05"};
  m = period(e, &o);
  expect(m, "summary.cases", 1);
  expect(m, "summary.filed", 0);
  expect(m, "summary.concluded", 0);
  expect(m, "summary.time.working_days", 1);
  expect(m, "summary.coordination.hours", 15);
  expect(m, "summary.coordination.share", 0.625);
  expect(find(json_object_get(m, "levels"), "level", "county"), "hours", 24);
  expect(find(json_object_get(m, "levels"), "level", "city"), "hours", 0);
  /* The cases list shows the case whole. */
  expect(m, "cases.0.elapsed.working_days", 7);
  json_decref(m);
  /* A period before the case: nothing. */
  o = (lg_case_metrics_opts_t){.from = "2026-02-01", .to = "2026-02-28"};
  m = period(e, &o);
  expect(m, "summary.cases", 0);
  json_decref(m);
}

/* A step past its time limit; one waiting 7 working days with nobody
 * acting (流程空转), one exactly 5 (not flagged), one nobody can take. */
static void test_overdue_and_idle(void **state) {
  env_t *e = *state;
  at("2026-03-02T01:00:00Z"); /* Mon Mar 2 09:00 */
  int64_t a = create(e, 1100, 100);
  act(e, CLERK, task(e, a, "Task_Accept", NULL), "accept");
  at("2026-03-04T01:00:00Z"); /* Wed Mar 4 09:00 */
  int64_t b = create(e, 1300, 100);
  act(e, CLERK, task(e, b, "Task_Accept", NULL), "accept");
  at("2026-03-10T01:00:00Z"); /* Tue Mar 10 09:00 */
  int64_t c = create(e, 1500, 100);
  act(e, CLERK, task(e, c, "Task_Accept", NULL), "accept");
  act(e, COUNTY, task(e, c, "Task_County", NULL), "approve");
  act(e, NR, task(e, c, "Task_Joint", "natural_resources"), "approve");
  at("2026-03-11T01:00:00Z"); /* Wed Mar 11 09:00 */

  /* a: the county review (5 working days: Mar 3-6, 9) fell due Monday
   * Mar 9 at 24:00; by Wednesday 09:00 it is 33 hours over, all on
   * working days (Tuesday 24, Wednesday 9): 1.375 working days. It has
   * waited Mon Mar 2 09:00 to Wed Mar 11 09:00: 7 working days, 216 h. */
  json_t *m = case_metrics(e, a);
  json_t *ov = json_object_get(m, "overdue");
  assert_int_equal(json_array_size(ov), 1);
  const json_t *s = json_array_get(ov, 0);
  expect_str(s, "node", "Task_County");
  expect_str(s, "due_at", "2026-03-09T16:00:00Z");
  expect(s, "limit_days", 5);
  expect(s, "over.hours", 33);
  expect(s, "over.working_days", 1.375);
  json_t *idle = json_object_get(m, "idle");
  assert_int_equal(json_array_size(idle), 1);
  s = json_array_get(idle, 0);
  expect_str(s, "node", "Task_County");
  expect(s, "waited.working_days", 7);
  expect(s, "waited.hours", 216);
  assert_true(json_is_true(json_object_get(s, "idle")));
  assert_true(json_is_true(json_object_get(s, "staffed")));
  json_decref(m);

  /* b: waited Wed Mar 4 09:00 to Wed Mar 11 09:00, exactly 5 working
   * days: not more than the 5 allowed; due Mar 11 at 24:00. */
  m = case_metrics(e, b);
  assert_int_equal(json_array_size(json_object_get(m, "overdue")), 0);
  assert_int_equal(json_array_size(json_object_get(m, "idle")), 0);
  json_decref(m);

  /* c: the ecology review waited one day, but no account can take it. */
  m = case_metrics(e, c);
  idle = json_object_get(m, "idle");
  assert_int_equal(json_array_size(idle), 1);
  s = json_array_get(idle, 0);
  expect_str(s, "department", "ecology");
  expect(s, "waited.working_days", 1);
  assert_false(json_is_true(json_object_get(s, "idle")));
  assert_false(json_is_true(json_object_get(s, "staffed")));
  json_decref(m);

  lg_case_metrics_opts_t o = {.from = "2026-03-01", .to = "2026-03-31"};
  m = period(e, &o);
  expect(m, "summary.cases", 3);
  expect(m, "summary.open", 3);
  expect(m, "summary.overdue_steps", 1);
  expect(m, "summary.idle_steps", 1);
  expect(m, "summary.unstaffed_steps", 1);
  expect(m, "settings.idle_days", 5);
  assert_true(has_warning(m, "流程空转"));
  assert_true(has_warning(m, "无人可办"));
  json_decref(m);

  /* Idle after 4 days (a setting): b's 5 days are idle too. */
  lg_err_t err = {0};
  assert_int_equal(lg_cases_metrics_setting_set(e->s, "metrics.idle_days", "4", NULL, &err), 0);
  m = period(e, &o);
  expect(m, "summary.idle_steps", 2);
  expect(m, "settings.idle_days", 4);
  json_decref(m);
  /* A caller's own figure wins: after 10 days, none. */
  o.idle_days = 10;
  m = period(e, &o);
  expect(m, "summary.idle_steps", 0);
  json_decref(m);
  /* Settings are checked and named. */
  assert_int_equal(lg_cases_metrics_setting_set(e->s, "metrics.idle_days", "0", NULL, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "metrics.idle_days"));
  lg_err_clear(&err);
  assert_int_equal(lg_cases_metrics_setting_set(e->s, "metrics.load_threshold", "ten", NULL, &err),
                   LG_EINVAL);
  lg_err_clear(&err);
  assert_int_equal(lg_cases_metrics_setting_set(e->s, "metrics.nothing", "1", NULL, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "metrics.nothing"));
  lg_err_clear(&err);
  assert_int_equal(lg_cases_metrics_setting_set(e->s, "metrics.coordination_nodes",
                                                "Task_Joint; DROP", NULL, &err),
                   LG_EINVAL);
  /* Coordination as the county review alone: a's 7 days are all of it. */
  assert_int_equal(
      lg_cases_metrics_setting_set(e->s, "metrics.coordination_nodes", "Task_County", NULL, &err),
      0);
  m = case_metrics(e, a);
  expect(m, "coordination.share", 1);
  json_decref(m);
}

/* 11 cases accepted at the window on one day: over the 10 a day of the
 * seed; 10 the next day: not. */
static void test_overload(void **state) {
  env_t *e = *state;
  at("2026-03-02T01:00:00Z"); /* Mon */
  int64_t ids[21];
  for (int i = 0; i < 21; i++)
    ids[i] = create(e, 1050 + (i % 7) * 130, 50 + (i / 7) * 300);
  at("2026-03-03T02:00:00Z"); /* Tue 10:00 */
  for (int i = 0; i < 11; i++)
    act(e, CLERK, task(e, ids[i], "Task_Accept", NULL), "accept");
  at("2026-03-04T02:00:00Z"); /* Wed 10:00 */
  for (int i = 11; i < 21; i++)
    act(e, CLERK, task(e, ids[i], "Task_Accept", NULL), "accept");
  at("2026-03-04T10:00:00Z"); /* Wed 18:00 */

  lg_case_metrics_opts_t o = {.from = "2026-03-02", .to = "2026-03-04"};
  json_t *m = period(e, &o);
  expect(m, "settings.load_threshold", 10);
  /* The window and the county review are both natural resources of
   * 360781: Monday 21 cases reach it (filed), Tuesday it accepts 11 (and
   * their county reviews reach it), Wednesday 10. */
  const json_t *u = find(json_object_get(m, "load"), "unit", "natural_resources@360781");
  expect(u, "handled", 21);
  expect(u, "arrived", 42);
  expect(u, "working_days", 3);
  expect(u, "average", 7);
  expect(u, "peak", 11);
  expect_str(u, "peak_day", "2026-03-03");
  expect(u, "overloaded_days", 1);
  assert_true(json_is_true(json_object_get(u, "overloaded")));
  assert_false(json_is_true(json_object_get(u, "average_overloaded")));
  const json_t *days = json_object_get(u, "days");
  assert_int_equal(json_array_size(days), 3);
  const json_t *mon = find(days, "day", "2026-03-02"), *tue = find(days, "day", "2026-03-03"),
               *wed = find(days, "day", "2026-03-04");
  expect(mon, "handled", 0);
  expect(mon, "arrived", 21);
  expect(tue, "handled", 11);
  expect(tue, "arrived", 11);
  assert_true(json_is_true(json_object_get(tue, "overloaded")));
  expect(wed, "handled", 10);
  assert_false(json_is_true(json_object_get(wed, "overloaded")));
  assert_true(has_warning(m, "2026-03-03 办理 11 件, 超过负荷阈值 10 件/日 10%"));
  expect(m, "summary.overloaded_units", 1);
  json_decref(m);

  /* An administrator raises the threshold to 11: no day is over it. */
  lg_err_t err = {0};
  assert_int_equal(lg_cases_metrics_setting_set(e->s, "metrics.load_threshold", "11", NULL, &err),
                   0);
  m = period(e, &o);
  u = find(json_object_get(m, "load"), "unit", "natural_resources@360781");
  expect(u, "overloaded_days", 0);
  expect(m, "summary.overloaded_units", 0);
  json_decref(m);
  /* At 6 a day, the average of 7 is itself an overload. */
  o.load_threshold = 6;
  m = period(e, &o);
  u = find(json_object_get(m, "load"), "unit", "natural_resources@360781");
  assert_true(json_is_true(json_object_get(u, "average_overloaded")));
  assert_true(has_warning(m, "持续超过负荷阈值 6 件/日"));
  json_decref(m);
}

/* A county measures its own cases and units; the city both counties'. */
static void test_scope(void **state) {
  env_t *e = *state;
  at("2026-03-02T01:00:00Z");
  int64_t a = create(e, 1100, 100);
  act(e, CLERK, task(e, a, "Task_Accept", NULL), "accept");
  int64_t b = create_as(e, CLERK_B, 1100, 1300, 1200, 1400);
  act(e, CLERK_B, task(e, b, "Task_Accept", NULL), "accept");
  at("2026-03-03T01:00:00Z");

  lg_subject_t county_a = CLERK, city = CITY;
  lg_case_metrics_opts_t o = {
      .from = "2026-03-01", .to = "2026-03-31", .who = &county_a, .scope = LG_SCOPE_JURISDICTION};
  json_t *m = period(e, &o);
  expect(m, "summary.cases", 1);
  expect_str(json_array_get(json_object_get(m, "cases"), 0), "code", "360781-2026-000001");
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(m, "load"), i, u) {
    if (strncmp(json_string_value(json_object_get(u, "division")), "360781", 6))
      fail_msg("a unit of %s in 360781's measures",
               json_string_value(json_object_get(u, "division")));
  }
  assert_int_equal(json_array_size(json_object_get(m, "load")), 1);
  json_decref(m);

  o.who = &city;
  m = period(e, &o);
  expect(m, "summary.cases", 2);
  assert_int_equal(json_array_size(json_object_get(m, "load")), 2);
  json_decref(m);
  o.division = "360782";
  m = period(e, &o);
  expect(m, "summary.cases", 1);
  expect_str(json_array_get(json_object_get(m, "cases"), 0), "code", "360782-2026-000001");
  expect_str(json_array_get(json_object_get(m, "load"), 0), "unit", "natural_resources@360782");
  json_decref(m);

  /* An applicant's own scope reaches its cases, but no bureau's load. */
  lg_subject_t app = who("app", "applicant", NULL, "360781");
  snprintf(app.enterprise, sizeof app.enterprise, "91360781MA35A0001X");
  o = (lg_case_metrics_opts_t){
      .from = "2026-03-01", .to = "2026-03-31", .who = &app, .scope = LG_SCOPE_OWN};
  m = period(e, &o);
  assert_int_equal(json_array_size(json_object_get(m, "load")), 0);
  json_decref(m);

  /* Bad input is named. */
  lg_err_t err = {0};
  json_t *out = NULL;
  o = (lg_case_metrics_opts_t){.from = "2026-02-30"};
  assert_int_equal(lg_cases_metrics(e->s, &o, &out, &err), LG_EINVAL);
  assert_string_equal(err.where, "from");
  lg_err_clear(&err);
  o = (lg_case_metrics_opts_t){.from = "2026-03-10", .to = "2026-03-01"};
  assert_int_equal(lg_cases_metrics(e->s, &o, &out, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "2026-03-10"));
  lg_err_clear(&err);
  o = (lg_case_metrics_opts_t){.division = "36x"};
  assert_int_equal(lg_cases_metrics(e->s, &o, &out, &err), LG_EINVAL);
  assert_null(out);
  assert_int_equal(lg_cases_metrics_case(e->s, 999, &out, &err), LG_ENOTFOUND);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_work_seconds, setup, teardown),
      cmocka_unit_test_setup_teardown(test_case_times, setup, teardown),
      cmocka_unit_test_setup_teardown(test_overdue_and_idle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_overload, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
