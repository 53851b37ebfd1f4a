/*
 * cases: approval cases on a small store whose figures are counted by
 * hand. Two counties of one city, 360781 (south) and 360782 (north), each
 * a 2000 x 1100 m rectangle in EPSG:4526; a land-use layer of two
 * patches: the west half dry land (0103) owned collectively (QSXZ 30),
 * the east half industrial land (0601) owned by the state (QSXZ 20); an
 * urban development boundary over the south-west 1000 x 1000 m.
 *
 * So a boundary in the west half converts agricultural land and needs
 * expropriation (the province approves, after the statutory notices); a
 * boundary in the east half converts nothing and expropriates nothing
 * (the city approves). Dates: the clock starts on Monday Mar 2, 2026,
 * 09:00 Beijing; periods counted by hand on the 2026 calendar (no holiday
 * in March or early April).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case_fixture.h"
#include "cases/cases.h"
#include "flow/flow.h"
#include "formats/formats.h"
#include "ledger/ledger.h"
#include "lg_test.h"
#include "review/review.h"

static int setup(void **state) {
  env_t *e = calloc(1, sizeof *e);
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_cases_XXXXXX");
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
  a = feature("{\"MC\":\"中心城区\"}", 0, 0, 1000, 1000);
  import_layer(e, "czkfbj", "udb", a);
  lg_free(a);
  lg_cases_register_handlers();
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env_t *e = *state;
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  static const char *const files[] = {"county", "dltb", "czkfbj", "county_b"};
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

/* ---- Subjects ------------------------------------------------------------------ */

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
  if (!strcmp(role, "applicant")) snprintf(w.enterprise, sizeof w.enterprise, "%s", qual);
  return w;
}

#define CLERK who("clerk", "clerk", NULL, "360781")
#define COUNTY who("county", "approver", "county", "360781")
#define COUNTY_B who("county.b", "approver", "county", "360782")
#define NR who("nr", "reviewer", "natural_resources", "360781")
#define ECO who("eco", "reviewer", "ecology", "360781")
#define CITY who("city", "approver", "city", "3607")
#define PROV who("prov", "approver", "province", "36")

/* ---- Helpers ---------------------------------------------------------------------- */

static int64_t create(env_t *e, const char *rating, double inv, double x0, double y0, double x1,
                      double y1, const char *materials) {
  char *ring = box(x0, y0, x1, y1);
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:4526\"}},\"coordinates\":%s}",
                        ring);
  lg_free(ring);
  json_t *mats = materials ? json_loads(materials, 0, NULL) : NULL;
  json_t *depts = json_pack("[s,s]", "natural_resources", "ecology");
  lg_case_new_t c = {.title = "稀土深加工项目",
                     .project_type = "industrial",
                     .use_code = "1001",
                     .enterprise = "91360781MA35A0001X",
                     .applicant = "赣州某稀土公司",
                     .rating = rating,
                     .investment = inv,
                     .boundary_data = gj,
                     .boundary_len = strlen(gj),
                     .materials = mats,
                     .departments = depts};
  lg_subject_t clerk = CLERK;
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_cases_create(e->s, &clerk, &c, &id, &err) != 0) fail_msg("create: %s", err.msg);
  lg_free(gj);
  json_decref(mats);
  json_decref(depts);
  return id;
}

static json_t *get(env_t *e, int64_t id) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_cases_get(e->s, id, &o, &err) != 0) fail_msg("get: %s", err.msg);
  return o;
}

static const char *status(env_t *e, int64_t id) {
  static char buf[32];
  json_t *o = get(e, id);
  snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(o, "status")));
  json_decref(o);
  return buf;
}

/* The open task of a case at a node (the one of an element, if given). */
static int64_t task(env_t *e, int64_t id, const char *node, const char *element) {
  json_t *o = get(e, id);
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
  if (!found)
    fail_msg("case %lld has no open task at %s %s", (long long)id, node, element ? element : "");
  return found;
}

static int act_rc(env_t *e, lg_subject_t w, int64_t t, const char *action, const char *reason,
                  const char *vars, lg_err_t *err) {
  json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
  int rc = lg_cases_act(e->s, &w, t, action, reason, v, err);
  json_decref(v);
  return rc;
}

static void act(env_t *e, lg_subject_t w, int64_t t, const char *action, const char *reason,
                const char *vars) {
  lg_err_t err = {0};
  if (act_rc(e, w, t, action, reason, vars, &err) != 0)
    fail_msg("act %s on task %lld: %s", action, (long long)t, err.msg);
}

static int tick(env_t *e, const char *when) {
  lg_clock_set(T(when));
  int fired = -1;
  lg_err_t err = {0};
  if (lg_cases_tick(e->s, T(when), &fired, &err) != 0) fail_msg("tick: %s", err.msg);
  return fired;
}

static void assert_str(const json_t *v, const char *want) {
  const char *got = json_string_value(v);
  if (!got || strcmp(got, want)) fail_msg("got \"%s\", want \"%s\"", got ? got : "(null)", want);
}

/* Every case's row agrees with its latest ledger entry. */
static void assert_audit_clean(env_t *e) {
  static const lg_ledger_auditor_t cases = {"case", lg_cases_audit_scan};
  static const lg_ledger_auditor_t *const auditors[] = {&cases, NULL};
  lg_ledger_audit_t a = {0};
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_audit(e->s, auditors, &a, &err), 0);
  if (a.findings.len)
    fail_msg("audit: %zu findings, first %s %s kind %d", a.findings.len,
             a.findings.items[0].object_type, a.findings.items[0].object_id,
             a.findings.items[0].kind);
  lg_ledger_audit_fini(&a);
}

/* ---- Tests ---------------------------------------------------------------------------- */

static void test_create(void **state) {
  env_t *e = *state;
  /* 400 x 300 m in the south county's west half. */
  int64_t id = create(e, "B", 20000000, 100, 100, 500, 400, NULL);
  json_t *o = get(e, id);
  assert_str(json_object_get(o, "code"), "360781-2026-000001");
  assert_str(json_object_get(o, "division"), "360781");
  assert_int_equal(json_array_size(json_object_get(o, "divisions")), 1);
  assert_near(json_real_value(json_object_get(o, "planar_m2")), 120000.0, 1e-6);
  assert_str(json_object_get(o, "status"), "submitted");
  /* The default checklist (12 items) and the industrial project's own. */
  assert_int_equal(json_array_size(json_object_get(o, "materials")), 13);
  json_t *tasks = json_object_get(o, "tasks");
  assert_int_equal(json_array_size(tasks), 1);
  json_t *t0 = json_array_get(tasks, 0);
  assert_str(json_object_get(t0, "node"), "Task_Accept");
  assert_str(json_array_get(json_object_get(t0, "candidate_groups"), 0), "clerk@360781");
  /* Due in 1 working day: Tuesday Mar 3, 24:00 Beijing. */
  assert_str(json_object_get(t0, "due_at"), "2026-03-03T16:00:00Z");
  json_decref(o);
  /* The next one in the county gets the next number. */
  int64_t id2 = create(e, "B", 1, 600, 100, 700, 200, NULL);
  o = get(e, id2);
  assert_str(json_object_get(o, "code"), "360781-2026-000002");
  json_decref(o);
  assert_audit_clean(e);

  /* A boundary partly outside both counties has no known jurisdiction. */
  char *ring = box(1900, 100, 2100, 200);
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:4526\"}},\"coordinates\":%s}",
                        ring);
  lg_case_new_t c = {.title = "越界",
                     .project_type = "industrial",
                     .enterprise = "E1",
                     .rating = "A",
                     .boundary_data = gj,
                     .boundary_len = strlen(gj)};
  lg_subject_t clerk = CLERK;
  lg_err_t err = {0};
  assert_int_equal(lg_cases_create(e->s, &clerk, &c, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "不在任何已知县级行政区界内"));
  /* Another county's clerk may not file a case in this one. */
  lg_free(ring);
  lg_free(gj);
  ring = box(100, 100, 200, 200);
  gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                  "{\"name\":\"EPSG:4526\"}},\"coordinates\":%s}",
                  ring);
  c.boundary_data = gj;
  c.boundary_len = strlen(gj);
  lg_subject_t other = who("clerk.b", "clerk", NULL, "360782");
  lg_err_clear(&err);
  assert_int_equal(lg_cases_create(e->s, &other, &c, NULL, &err), LG_EPERM);
  /* A type the rule set does not know. */
  c.project_type = "spaceport";
  lg_err_clear(&err);
  assert_int_equal(lg_cases_create(e->s, &clerk, &c, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "spaceport"));
  lg_free(ring);
  lg_free(gj);
}

static void test_cross_county(void **state) {
  env_t *e = *state;
  /* 400 x 500 m across the county line at y = 1100: 300 m south, 200 m
   * north. */
  int64_t id = create(e, "B", 1000000, 100, 800, 500, 1300, NULL);
  json_t *o = get(e, id);
  assert_str(json_object_get(o, "division"), "360781");
  json_t *shares = json_object_get(o, "division_shares");
  assert_int_equal(json_array_size(shares), 2);
  assert_str(json_object_get(json_array_get(shares, 0), "division"), "360781");
  assert_near(json_real_value(json_object_get(json_array_get(shares, 0), "m2")), 120000, 1e-6);
  assert_near(json_real_value(json_object_get(json_array_get(shares, 0), "share")), 0.6, 1e-12);
  assert_str(json_object_get(json_array_get(shares, 1), "division"), "360782");
  assert_near(json_real_value(json_object_get(json_array_get(shares, 1), "m2")), 80000, 1e-6);
  json_decref(o);
  lg_case_ref_t r;
  lg_err_t err = {0};
  assert_int_equal(lg_cases_ref(e->s, id, &r, &err), 0);
  assert_int_equal(r.ndivisions, 2);
  /* The case belongs to both counties: the north county's clerk may read it. */
  lg_subject_t nb = who("clerk.b", "clerk", NULL, "360782");
  bool ok = false;
  char by[16];
  assert_int_equal(lg_cases_allowed(e->s, &nb, &r, "read", &ok, by, &err), 0);
  assert_true(ok);
  assert_string_equal(by, "360782");
  lg_subject_t far = who("clerk.c", "clerk", NULL, "360783");
  assert_int_equal(lg_cases_allowed(e->s, &far, &r, "read", &ok, NULL, &err), 0);
  assert_false(ok);

  /* Accepted: one check for the whole boundary, then a committee member
   * per county. */
  act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept", NULL, NULL);
  int64_t ta = task(e, id, "Task_Committee", "360781");
  int64_t tb = task(e, id, "Task_Committee", "360782");
  /* Only the north county's approver may speak for it. */
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, COUNTY, tb, "approve", NULL, NULL, &err), LG_EPERM);
  act(e, COUNTY, ta, "approve", NULL, NULL);
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, COUNTY_B, tb, "veto", NULL, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "否决"));
  /* Spaces are no reason: ASCII, the ideographic space U+3000, a no-break
   * space U+00A0 and a tab. */
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, COUNTY_B, tb, "veto", " \xe3\x80\x80\xc2\xa0\t ", NULL, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "只有空格"));
  act(e, COUNTY_B, tb, "veto", "与乙县水源保护规划冲突", NULL);
  assert_string_equal(status(e, id), "vetoed");
  assert_audit_clean(e);
}

static void test_happy_path_province(void **state) {
  env_t *e = *state;
  int64_t id = create(e, "B", 30000000, 100, 100, 500, 400, NULL);
  act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept", NULL, NULL);
  json_t *o = get(e, id);
  /* The check ran and was saved; no red line or plan layer: conditional. */
  json_t *check = json_object_get(o, "check");
  assert_str(json_object_get(check, "verdict"), "conditional");
  assert_false(json_is_true(json_object_get(check, "reused")));
  assert_true(json_integer_value(json_object_get(check, "check_id")) > 0);
  /* 12 ha of collectively owned dry land inside the development
   * boundary: the county may convert it, but expropriation is the
   * province's (art. 46: under 35 ha of cultivated land), so the
   * province approves. */
  json_t *auth = json_object_get(o, "authority");
  assert_str(json_object_get(auth, "conversion"), "county");
  assert_str(json_object_get(auth, "expropriation"), "province");
  assert_str(json_object_get(auth, "level"), "province");
  assert_str(json_object_get(o, "level"), "province");
  assert_str(json_object_get(o, "status"), "in_review");
  json_decref(o);
  act(e, COUNTY, task(e, id, "Task_County", NULL), "approve", NULL, NULL);
  /* The joint review is offered to each department's reviewers. */
  lg_subject_t nr = NR;
  json_t *inbox = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_cases_inbox(e->s, &nr, &inbox, &err), 0);
  assert_int_equal(json_array_size(inbox), 1);
  assert_str(json_object_get(json_array_get(inbox, 0), "case_code"), "360781-2026-000001");
  json_decref(inbox);
  act(e, NR, task(e, id, "Task_Joint", "natural_resources"), "approve", NULL, NULL);
  act(e, ECO, task(e, id, "Task_Joint", "ecology"), "approve", NULL, NULL);
  /* Expropriation: the pre-announcement, 10 working days from Monday
   * Mar 2: Mar 3-6, 9-13, 16: it ends Mar 16 at 24:00 Beijing. */
  o = get(e, id);
  assert_str(json_object_get(o, "status"), "notice");
  json_t *n0 = json_array_get(json_object_get(o, "notices"), 0);
  assert_str(json_object_get(n0, "kind"), "expropriation_pre_announcement");
  assert_str(json_object_get(n0, "end_at"), "2026-03-16T16:00:00Z");
  json_decref(o);
  assert_int_equal(tick(e, "2026-03-16T15:59:59Z"), 0);
  assert_int_equal(tick(e, "2026-03-16T16:00:00Z"), 1);
  /* The compensation plan, posted Mar 17 (Beijing): 30 days, Mar 18 to
   * Apr 16. */
  o = get(e, id);
  json_t *n1 = json_array_get(json_object_get(o, "notices"), 1);
  assert_str(json_object_get(n1, "kind"), "compensation_plan");
  assert_str(json_object_get(n1, "end_at"), "2026-04-16T16:00:00Z");
  json_decref(o);
  assert_int_equal(tick(e, "2026-04-16T16:00:00Z"), 1);
  /* The tick brought the case's steps up to date: the objections step is
   * there. Opened Apr 17 (Beijing), due in 5 working days after it
   * (Apr 20-24): Friday Apr 24, 24:00. */
  o = get(e, id);
  json_t *last =
      json_array_get(json_object_get(o, "steps"), json_array_size(json_object_get(o, "steps")) - 1);
  assert_str(json_object_get(last, "node"), "Task_Objections");
  assert_str(json_object_get(last, "status"), "open");
  assert_str(json_object_get(last, "due_at"), "2026-04-24T16:00:00Z");
  json_decref(o);
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, COUNTY, task(e, id, "Task_Objections", NULL), "done", NULL,
                          "{\"objections\": 70, \"members\": 60}", &err),
                   LG_EINVAL);
  act(e, COUNTY, task(e, id, "Task_Objections", NULL), "done", NULL,
      "{\"objections\": 12, \"members\": 60}");
  assert_string_equal(status(e, id), "in_review");
  /* The city has no say in a province-level case. */
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, CITY, task(e, id, "Task_Province", NULL), "approve", NULL, NULL, &err),
                   LG_EPERM);
  act(e, PROV, task(e, id, "Task_Province", NULL), "approve", NULL, NULL);
  o = get(e, id);
  assert_str(json_object_get(o, "status"), "handed_over");
  /* The province numbers its own approvals, in its own pattern
   * (document_number.patterns.province): its first of the year does not
   * read like the city's first (赣自然资用地〔2026〕1号). */
  assert_str(json_object_get(o, "document_no"), "赣府土字〔2026〕1号");
  assert_true(json_is_string(json_object_get(o, "handed_over_at")));
  json_decref(o);
  /* The timeline names who did what: the window, the check, the province. */
  json_t *tl = NULL;
  assert_int_equal(lg_cases_timeline(e->s, id, &tl, &err), 0);
  bool saw_prov = false, saw_check = false, saw_handover = false;
  size_t i;
  json_t *ev;
  json_array_foreach(tl, i, ev) {
    const char *a = json_string_value(json_object_get(ev, "actor"));
    const char *what = json_string_value(json_object_get(ev, "event"));
    if (a && !strcmp(a, "prov") && !strcmp(what, "task.complete")) saw_prov = true;
    if (!strcmp(what, "check")) saw_check = true;
    if (!strcmp(what, "handover")) saw_handover = true;
  }
  assert_true(saw_prov && saw_check && saw_handover);
  json_decref(tl);
  /* The city's first approval of the same year is numbered 1 by the city,
   * beside the province's 1 (they used to collide on the unique
   * document number). */
  int64_t cid = create(e, "C", 5000000, 1100, 400, 1300, 600, NULL);
  act(e, CLERK, task(e, cid, "Task_Accept", NULL), "accept", NULL, NULL);
  act(e, COUNTY, task(e, cid, "Task_County", NULL), "approve", NULL, NULL);
  act(e, NR, task(e, cid, "Task_Joint", "natural_resources"), "approve", NULL, NULL);
  act(e, ECO, task(e, cid, "Task_Joint", "ecology"), "approve", NULL, NULL);
  act(e, CITY, task(e, cid, "Task_City", NULL), "approve", NULL, NULL);
  o = get(e, cid);
  assert_str(json_object_get(o, "document_no"), "赣自然资用地〔2026〕1号");
  json_decref(o);
  assert_audit_clean(e);
}

static void test_city_and_numbers(void **state) {
  env_t *e = *state;
  /* On state-owned industrial land: nothing to convert or expropriate;
   * the city approves, without notices. Two cases in one year are
   * numbered 1 and 2 by the city (3607). */
  for (int k = 1; k <= 2; k++) {
    int64_t id = create(e, "C", 5000000, 1100, 100 + 300 * k, 1300, 300 + 300 * k, NULL);
    act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept", NULL, NULL);
    json_t *o = get(e, id);
    assert_str(json_object_get(json_object_get(o, "authority"), "expropriation"), "none");
    assert_str(json_object_get(o, "level"), "city");
    json_decref(o);
    act(e, COUNTY, task(e, id, "Task_County", NULL), "approve", NULL, NULL);
    act(e, NR, task(e, id, "Task_Joint", "natural_resources"), "approve", NULL, NULL);
    act(e, ECO, task(e, id, "Task_Joint", "ecology"), "approve", NULL, NULL);
    act(e, CITY, task(e, id, "Task_City", NULL), "approve", NULL, NULL);
    o = get(e, id);
    char want[64];
    snprintf(want, sizeof want, "赣自然资用地〔2026〕%d号", k);
    assert_str(json_object_get(o, "document_no"), want);
    assert_int_equal(json_array_size(json_object_get(o, "notices")), 0);
    json_decref(o);
  }
  /* A city that says no ends the case. */
  int64_t id = create(e, "C", 5000000, 1500, 100, 1600, 200, NULL);
  act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept", NULL, NULL);
  act(e, COUNTY, task(e, id, "Task_County", NULL), "approve", NULL, NULL);
  act(e, NR, task(e, id, "Task_Joint", "natural_resources"), "approve", NULL, NULL);
  act(e, ECO, task(e, id, "Task_Joint", "ecology"), "approve", NULL, NULL);
  act(e, CITY, task(e, id, "Task_City", NULL), "reject", "不符合产业准入", NULL);
  assert_string_equal(status(e, id), "rejected");
  json_t *list = NULL;
  lg_err_t err = {0};
  lg_case_filter_t f = {.status = "handed_over"};
  assert_int_equal(lg_cases_list(e->s, NULL, LG_SCOPE_ALL, &f, &list, &err), 0);
  assert_int_equal(json_array_size(list), 2);
  json_decref(list);
  f = (lg_case_filter_t){.level = "city"};
  assert_int_equal(lg_cases_list(e->s, NULL, LG_SCOPE_ALL, &f, &list, &err), 0);
  assert_int_equal(json_array_size(list), 3);
  json_decref(list);
}

/* A boundary in the county but outside its land survey (a second county
 * outline layer reaches x 2000-3000 where dltb does not): the check
 * cannot review it, and the process returns the case at once instead of
 * deciding an authority from nothing. */
static void test_unreviewable(void **state) {
  env_t *e = *state;
  char *f = feature("{\"XZQDM\":\"360781\",\"XZQMC\":\"甲县飞地\"}", 2000, 0, 3000, 1000);
  import_layer(e, "county_b", "other", f);
  lg_free(f);
  int64_t id = create(e, "C", 5000000, 2100, 100, 2300, 300, NULL);
  act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept", NULL, NULL);
  json_t *o = get(e, id);
  assert_str(json_object_get(o, "status"), "returned");
  assert_str(json_object_get(json_object_get(o, "check"), "verdict"), "unreviewable");
  assert_int_equal(json_array_size(json_object_get(o, "tasks")), 0);
  json_decref(o);
  assert_audit_clean(e);
}

static void test_window_rules_and_penalty(void **state) {
  env_t *e = *state;
  /* Every item but the geological-hazard assessment (non-core). */
  const char *some =
      "[\"application_form\", \"pre_review\", \"project_approval\", \"boundary_survey\","
      " \"conversion_plan\", \"expropriation_plan\", \"supply_plan\", \"business_licence\","
      " \"authorisation\", \"site_plan\", \"mineral_overlay\", \"investment_agreement\"]";
  lg_err_t err = {0};
  /* Rated B: the window may not accept an incomplete file, nor defer. */
  int64_t b = create(e, "B", 12345678, 1100, 100, 1300, 300, some);
  int64_t tb = task(e, b, "Task_Accept", NULL);
  assert_int_equal(act_rc(e, CLERK, tb, "accept", NULL, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "地质灾害危险性评估报告"));
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, CLERK, tb, "defer", NULL, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "不适用容缺受理"));
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, CLERK, tb, "return", NULL, NULL, &err), LG_EINVAL);
  act(e, CLERK, tb, "return", "缺地质灾害危险性评估报告", NULL);
  assert_string_equal(status(e, b), "returned");

  /* A core item missing: no deferral even for A. */
  int64_t c = create(e, "A", 12345678, 1100, 400, 1300, 600,
                     "[{\"kind\": \"boundary_survey\", \"state\": \"missing\"}]");
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, CLERK, task(e, c, "Task_Accept", NULL), "defer", NULL, NULL, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "核心材料"));

  /* Rated A, a non-core item deferred: 20 working days from Monday Mar 2
   * end Monday Mar 30 at 24:00 Beijing. */
  int64_t a = create(e, "A", 12345678, 1100, 700, 1300, 900, some);
  act(e, CLERK, task(e, a, "Task_Accept", NULL), "defer", NULL, NULL);
  json_t *o = get(e, a);
  assert_str(json_object_get(o, "status"), "in_review");
  json_t *m;
  size_t i;
  json_array_foreach(json_object_get(o, "materials"), i, m) {
    if (strcmp(json_string_value(json_object_get(m, "kind")), "geohazard_assessment")) continue;
    assert_str(json_object_get(m, "state"), "deferred");
    assert_str(json_object_get(m, "due_at"), "2026-03-30T16:00:00Z");
  }
  json_decref(o);
  /* The county review's 5 working days end Monday Mar 9: a supervision
   * notice, the review goes on; and the case is overdue. */
  assert_int_equal(tick(e, "2026-03-09T16:00:00Z"), 1);
  o = get(e, a);
  json_t *n0 = json_array_get(json_object_get(o, "notices"), 0);
  assert_str(json_object_get(n0, "kind"), "supervision");
  assert_non_null(strstr(json_string_value(json_object_get(n0, "text")), "县级审查"));
  assert_int_equal(json_array_size(json_object_get(o, "penalties")), 0);
  json_decref(o);
  json_t *list = NULL;
  lg_case_filter_t f = {.overdue = true};
  assert_int_equal(lg_cases_list(e->s, NULL, LG_SCOPE_ALL, &f, &list, &err), 0);
  assert_true(json_array_size(list) >= 1);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), a);
  json_decref(list);
  /* Missed: 0.5% of 12,345,678 yuan is 61,728.39 yuan. */
  assert_int_equal(tick(e, "2026-03-30T15:59:59Z"), 0);
  assert_int_equal(tick(e, "2026-03-30T16:00:00Z"), 1);
  o = get(e, a);
  json_t *p = json_array_get(json_object_get(o, "penalties"), 0);
  assert_non_null(p);
  assert_near(json_real_value(json_object_get(p, "amount")), 61728.39, 1e-6);
  assert_near(json_real_value(json_object_get(p, "rate")), 0.005, 1e-12);
  json_array_foreach(json_object_get(o, "materials"), i, m) {
    if (!strcmp(json_string_value(json_object_get(m, "kind")), "geohazard_assessment"))
      assert_str(json_object_get(m, "state"), "missing");
  }
  /* The review itself goes on. */
  assert_str(json_object_get(o, "status"), "in_review");
  json_decref(o);
  assert_audit_clean(e);
}

static void test_supply_in_time(void **state) {
  env_t *e = *state;
  const char *some =
      "[\"application_form\", \"pre_review\", \"project_approval\", \"boundary_survey\","
      " \"conversion_plan\", \"expropriation_plan\", \"supply_plan\", \"business_licence\","
      " \"authorisation\", \"site_plan\", \"mineral_overlay\", \"investment_agreement\"]";
  int64_t a = create(e, "A", 8000000, 1100, 100, 1300, 300, some);
  act(e, CLERK, task(e, a, "Task_Accept", NULL), "defer", NULL, NULL);
  lg_clock_set(T("2026-03-20T02:00:00Z"));
  lg_subject_t app = who("applicant", "applicant", "91360781MA35A0001X", "360781");
  lg_err_t err = {0};
  assert_int_equal(lg_cases_supply(e->s, &app, a, NULL, &err), 0);
  json_t *o = get(e, a);
  json_t *m;
  size_t i;
  json_array_foreach(json_object_get(o, "materials"), i, m) {
    if (!strcmp(json_string_value(json_object_get(m, "kind")), "geohazard_assessment")) {
      assert_str(json_object_get(m, "state"), "supplied");
      assert_str(json_object_get(m, "supplied_at"), "2026-03-20T02:00:00Z");
    }
  }
  /* Its deadline was withdrawn: nothing waits for it any more. */
  json_t *w;
  json_array_foreach(json_object_get(json_object_get(o, "process"), "waits"), i, w)
      assert_null(json_string_value(json_object_get(w, "message")));
  json_decref(o);
  tick(e, "2026-04-30T00:00:00Z");
  o = get(e, a);
  assert_int_equal(json_array_size(json_object_get(o, "penalties")), 0);
  json_decref(o);
  /* Nothing left to supply. */
  lg_err_clear(&err);
  assert_int_equal(lg_cases_supply(e->s, &app, a, NULL, &err), LG_EINVAL);
}

static void test_mutual_recognition(void **state) {
  env_t *e = *state;
  /* The same boundary filed twice: the second case's check is the first
   * one's, not repeated. */
  int64_t a = create(e, "B", 1000000, 100, 800, 500, 1300, NULL);
  int64_t b = create(e, "B", 1000000, 100, 800, 500, 1300, NULL);
  act(e, CLERK, task(e, a, "Task_Accept", NULL), "accept", NULL, NULL);
  act(e, CLERK, task(e, b, "Task_Accept", NULL), "accept", NULL, NULL);
  json_t *oa = get(e, a), *ob = get(e, b);
  json_t *ca = json_object_get(oa, "check"), *cb = json_object_get(ob, "check");
  assert_false(json_is_true(json_object_get(ca, "reused")));
  assert_true(json_is_true(json_object_get(cb, "reused")));
  assert_int_equal(json_integer_value(json_object_get(ca, "check_id")),
                   json_integer_value(json_object_get(cb, "check_id")));
  assert_int_equal(json_integer_value(json_object_get(cb, "recognised_from_case")), a);
  json_decref(oa);
  json_decref(ob);
  json_t *checks = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_review_checks_list(e->s, 0, NULL, &checks, &err), 0);
  assert_int_equal(json_array_size(checks), 1);
  json_decref(checks);
}

static void test_restart(void **state) {
  env_t *e = *state;
  /* Nothing lives in memory: a case goes on after the store is closed and
   * opened again. */
  int64_t id = create(e, "B", 1000000, 1100, 100, 1300, 300, NULL);
  act(e, CLERK, task(e, id, "Task_Accept", NULL), "accept", NULL, NULL);
  lg_store_close(e->s);
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(lg_test_target(e->path), 0, &e->s, &err), 0);
  act(e, COUNTY, task(e, id, "Task_County", NULL), "approve", NULL, NULL);
  act(e, NR, task(e, id, "Task_Joint", "natural_resources"), "approve", NULL, NULL);
  lg_err_clear(&err);
  assert_int_equal(act_rc(e, NR, task(e, id, "Task_Joint", "ecology"), "approve", NULL, NULL, &err),
                   LG_EPERM);
  act(e, ECO, task(e, id, "Task_Joint", "ecology"), "veto", "占用生态保护红线", NULL);
  assert_string_equal(status(e, id), "vetoed");
  json_t *tl = NULL;
  assert_int_equal(lg_cases_timeline(e->s, id, &tl, &err), 0);
  json_t *last = json_array_get(tl, json_array_size(tl) - 1);
  assert_str(json_object_get(last, "event"), "status");
  json_decref(tl);
}

static void test_clock_file(void **state) {
  (void)state;
  char path[] = "/tmp/lg_cases_clock_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  setenv("LANDGOV_CLOCK_FILE", path, 1);
  write_file(path, "1772413200\n");
  assert_int_equal(lg_cases_clock_sync(), 1772413200); /* 2026-03-02T01:00:00Z */
  assert_int_equal(lg_now(), 1772413200);
  write_file(path, "2026-03-16T16:00:00Z");
  assert_int_equal(lg_cases_clock_sync(), T("2026-03-16T16:00:00Z"));
  write_file(path, "+86400");
  int64_t got = lg_cases_clock_sync();
  int64_t real = (int64_t)time(NULL);
  assert_true(got >= real + 86400 - 5 && got <= real + 86400 + 5);
  write_file(path, "");
  lg_cases_clock_sync();
  assert_true(llabs(lg_now() - (int64_t)time(NULL)) <= 5);
  unsetenv("LANDGOV_CLOCK_FILE");
  unlink(path);
  lg_clock_set(0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cross_county, setup, teardown),
      cmocka_unit_test_setup_teardown(test_happy_path_province, setup, teardown),
      cmocka_unit_test_setup_teardown(test_city_and_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unreviewable, setup, teardown),
      cmocka_unit_test_setup_teardown(test_window_rules_and_penalty, setup, teardown),
      cmocka_unit_test_setup_teardown(test_supply_in_time, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mutual_recognition, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
      cmocka_unit_test(test_clock_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
