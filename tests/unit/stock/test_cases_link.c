/*
 * stock and cases: a case handed over to land supply becomes an approval
 * record in the transaction of the action that hands it over (the
 * watcher lg_stock_init registers), and a supply is registered from it.
 * On the cases tests' county (tests/unit/cases/case_fixture.h): a
 * 200 x 200 m boundary on state-owned industrial land in the east half,
 * which the city approves; the clock stands at Monday 2026-03-02 09:00
 * Beijing, so the approval is dated 2026-03-02, numbered by the city
 * 赣自然资用地〔2026〕1号, 40,000 m2.
 *
 * If the approval cannot be written (here: the One Map's coordinate
 * system set to a geographic one, in which no area can be kept), the
 * city's approval fails with it and the case stays where it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cases/case_fixture.h"
#include "cases/cases.h"
#include "ledger/ledger.h"
#include "lg_test.h"
#include "stock/stock.h"

static int setup(void **state) {
  env_t *e = calloc(1, sizeof *e);
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_stock_cases_XXXXXX");
  if (!mkdtemp(e->dir)) return -1;
  snprintf(e->path, sizeof e->path, "%s/test.gpkg", e->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0)
    fail_msg("open: %s", err.msg);
  lg_clock_set(T("2026-03-02T01:00:00Z"));
  char *a = feature("{\"XZQDM\":\"360781\",\"XZQMC\":\"甲县\"}", 0, 0, 2000, 1100);
  import_layer(e, "county", "other", a);
  lg_free(a);
  a = feature("{\"DLBM\":\"0601\",\"DLMC\":\"工业用地\",\"QSXZ\":\"20\"}", 0, 0, 2000, 1100);
  import_layer(e, "dltb", "landuse", a);
  lg_free(a);
  lg_cases_register_handlers();
  lg_stock_init();
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env_t *e = *state;
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", e->dir);
  free(e);
  lg_clock_set(0);
  return 0;
}

static lg_subject_t who(const char *role, const char *qual, const char *division) {
  lg_subject_t w;
  memset(&w, 0, sizeof w);
  w.user_id = 1;
  snprintf(w.login, sizeof w.login, "%s.%s", role, qual ? qual : "x");
  snprintf(w.role, sizeof w.role, "%s", role);
  snprintf(w.division, sizeof w.division, "%s", division);
  if (!strcmp(role, "reviewer")) snprintf(w.dept, sizeof w.dept, "%s", qual);
  if (!strcmp(role, "approver")) snprintf(w.level, sizeof w.level, "%s", qual);
  return w;
}

static int64_t task(env_t *e, int64_t id, const char *node, const char *element) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_cases_get(e->s, id, &o, &err) != 0) fail_msg("get: %s", err.msg);
  size_t i;
  json_t *t;
  int64_t found = 0;
  json_array_foreach(json_object_get(o, "tasks"), i, t) {
    const char *el = json_string_value(json_object_get(t, "element"));
    if (!strcmp(json_string_value(json_object_get(t, "node")), node) &&
        (!element || (el && !strcmp(el, element))))
      found = json_integer_value(json_object_get(t, "id"));
  }
  json_decref(o);
  if (!found) fail_msg("no task %s", node);
  return found;
}

static int act(env_t *e, lg_subject_t w, int64_t t, const char *action, lg_err_t *err) {
  return lg_cases_act(e->s, &w, t, action, NULL, NULL, err);
}

static const char *status(env_t *e, int64_t id) {
  static char buf[32];
  json_t *o = NULL;
  lg_cases_get(e->s, id, &o, NULL);
  snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(o, "status")));
  json_decref(o);
  return buf;
}

static void test_handover_makes_approval(void **state) {
  env_t *e = *state;
  char *ring = box(1100, 100, 1300, 300);
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:4526\"}},\"coordinates\":%s}",
                        ring);
  lg_free(ring);
  json_t *depts = json_pack("[s,s]", "natural_resources", "ecology");
  lg_case_new_t c = {.title = "稀土深加工项目",
                     .project_type = "industrial",
                     .use_code = "1001",
                     .enterprise = "91360781MA35A0001X",
                     .applicant = "赣州某稀土公司",
                     .rating = "B",
                     .investment = 5000000,
                     .boundary_data = gj,
                     .boundary_len = strlen(gj),
                     .departments = depts};
  lg_subject_t clerk = who("clerk", NULL, "360781");
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_cases_create(e->s, &clerk, &c, &id, &err) != 0) fail_msg("create: %s", err.msg);
  lg_free(gj);
  json_decref(depts);
  assert_int_equal(act(e, clerk, task(e, id, "Task_Accept", NULL), "accept", &err), 0);
  assert_int_equal(act(e, who("approver", "county", "360781"), task(e, id, "Task_County", NULL),
                       "approve", &err),
                   0);
  assert_int_equal(act(e, who("reviewer", "natural_resources", "360781"),
                       task(e, id, "Task_Joint", "natural_resources"), "approve", &err),
                   0);
  assert_int_equal(act(e, who("reviewer", "ecology", "360781"),
                       task(e, id, "Task_Joint", "ecology"), "approve", &err),
                   0);
  /* The One Map's CRS set to a geographic one: the approval cannot be
   * kept, so the handover fails with it and nothing of it remains. */
  assert_int_equal(lg_store_setting_set(e->s, "project_srs", "4490", &err), 0);
  uint64_t size0 = 0;
  lg_ledger_size(e->s, &size0, &err);
  int64_t city = task(e, id, "Task_City", NULL);
  lg_err_clear(&err);
  assert_int_not_equal(act(e, who("approver", "city", "3607"), city, "approve", &err), 0);
  assert_non_null(strstr(err.msg, "投影坐标系"));
  assert_string_equal(status(e, id), "in_review");
  uint64_t size1 = 0;
  lg_ledger_size(e->s, &size1, &err);
  assert_int_equal(size1, size0);
  assert_false(lg_store_table_exists(e->s, "stock_approvals"));
  /* Set right: the handover goes through with its approval. */
  assert_int_equal(lg_store_setting_set(e->s, "project_srs", "4526", &err), 0);
  lg_err_clear(&err);
  if (act(e, who("approver", "city", "3607"), city, "approve", &err) != 0)
    fail_msg("approve: %s", err.msg);
  assert_string_equal(status(e, id), "handed_over");
  int64_t aid = 0;
  assert_int_equal(lg_stock_find(e->s, "approval", "赣自然资用地〔2026〕1号", &aid, &err), 0);
  json_t *o = NULL;
  assert_int_equal(lg_stock_get(e->s, "approval", aid, 0, &o, &err), 0);
  const json_t *r = json_object_get(o, "record");
  assert_string_equal(json_string_value(json_object_get(r, "approved_on")), "2026-03-02");
  assert_string_equal(json_string_value(json_object_get(r, "division")), "360781");
  assert_string_equal(json_string_value(json_object_get(r, "kind")), "single");
  assert_int_equal(json_integer_value(json_object_get(r, "case_id")), id);
  assert_true(fabs(json_number_value(json_object_get(r, "area_m2")) - 40000) < 1e-6);
  /* Nothing supplied yet: all 4 ha unsupplied, and the approval has its
   * ledger entry (stock.approval.case). */
  assert_true(
      fabs(json_number_value(json_object_get(json_object_get(o, "figures"), "unsupplied_ha")) - 4) <
      1e-9);
  assert_true(json_array_size(json_object_get(o, "ledger")) >= 1);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(json_object_get(o, "ledger"), 0), "action")),
      "stock.approval.case");
  json_decref(o);

  /* A supply registered from the case: its whole boundary, contracted
   * 2026-03-02 (the clock's day). */
  json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f}", "supervision_no", "3607812026B00001",
                        "land_use", "工业用地", "method", "挂牌出让", "contract_on", "2026-03-02",
                        "agreed_start_on", "2026-09-01", "price_wan", 1500.0);
  lg_subject_t nr = who("reviewer", "natural_resources", "360781");
  int64_t sid = 0;
  if (lg_stock_supply_from_case(e->s, &nr, id, f, &sid, &err) != 0) fail_msg("supply: %s", err.msg);
  /* The same number twice is refused. */
  lg_err_clear(&err);
  assert_int_equal(lg_stock_supply_from_case(e->s, &nr, id, f, NULL, &err), LG_ECONFLICT);
  json_decref(f);
  assert_int_equal(lg_stock_get(e->s, "supply", sid, 0, &o, &err), 0);
  r = json_object_get(o, "record");
  assert_int_equal(json_integer_value(json_object_get(r, "case_id")), id);
  assert_int_equal(json_integer_value(json_object_get(r, "approval_id")), aid);
  assert_string_equal(json_string_value(json_object_get(r, "holder")), "赣州某稀土公司");
  assert_true(fabs(json_number_value(json_object_get(r, "price_yuan")) - 15000000) < 1e-6);
  assert_string_equal(json_string_value(json_object_get(json_object_get(o, "verdict"), "status")),
                      "not_due");
  json_decref(o);
  /* The approval is now wholly supplied: struck off by that supply. */
  lg_stock_query_t q = {.scope = "all"};
  json_t *l = NULL;
  assert_int_equal(lg_stock_ledger(e->s, "unsupplied", &q, &l, &err), 0);
  const json_t *row = json_array_get(json_object_get(l, "rows"), 0);
  assert_false(json_is_true(json_object_get(row, "open")));
  assert_string_equal(json_string_value(json_object_get(row, "struck_act")), "supply");
  json_decref(l);
  /* Rows and ledger agree. */
  lg_ledger_audit_t au = {0};
  assert_int_equal(lg_ledger_audit(e->s, lg_stock_auditors, &au, &err), 0);
  assert_int_equal(au.findings.len, 0);
  lg_ledger_audit_fini(&au);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_handover_makes_approval),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
