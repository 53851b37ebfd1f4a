/*
 * The project library on the fixture's One Map (consol_fixture.h):
 * registration with the control lines, the status steps, acceptance
 * posting quotas to the bank exactly once, a failed action changing
 * nothing, and the ledger audit.
 */
#include <math.h>

#include "consol_fixture.h"
#include "quota/quota.h"

static uint64_t ledger_size(cenv_t *e) {
  uint64_t n = 0;
  lg_err_t err = {0};
  if (lg_ledger_size(e->s, &n, &err)) fail_msg("ledger: %s", err.msg);
  return n;
}

static int64_t bal(cenv_t *e, const char *kind) {
  char sql[200];
  snprintf(sql, sizeof sql,
           "SELECT available FROM lg_quota_accounts WHERE division = '360781' AND kind = '%s'",
           kind);
  return c_sql_int(e->s, sql);
}

/* Registers a project over [0,100] x [0,100] in township 360781101. */
static int64_t reg(cenv_t *e, const char *type, lg_err_t *err) {
  lg_geom_t *a = rect(0, 0, 100, 100);
  lg_consol_project_new_t p = {.name = "示范村全域整治",
                               .type = type,
                               .division = "360781101",
                               .budget_fen = 120000000,
                               .start_on = "2026-03-01",
                               .end_on = "2027-12-31",
                               .area = a,
                               .srid = 4526};
  int64_t id = 0;
  int rc = lg_consol_project_register(e->s, NULL, &p, &id, err);
  lg_geom_free(lg_geo_thread(), a);
  return rc ? rc : id;
}

static void to_implementing(cenv_t *e, int64_t id) {
  lg_err_t err = {0};
  if (lg_consol_project_advance(e->s, NULL, id, "approved", "示县整字〔2026〕1号", NULL, &err) ||
      lg_consol_project_advance(e->s, NULL, id, "implementing", NULL, NULL, &err))
    fail_msg("advance: %s", err.msg);
}

/* Control lines of [0,100]^2 (10000 m2): the red line [50,150]^2 overlaps
 * [50,100]^2 = 2500; basic farmland (A) [0,40]^2 = 1600; the development
 * boundary lies at x >= 990: 0. The red line is flagged, not refused. */
static void test_register(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  uint64_t before = ledger_size(e);
  int64_t id = reg(e, "reclamation", &err);
  assert_true(id > 0);
  assert_int_equal(ledger_size(e), before + 1);
  json_t *p = NULL;
  assert_int_equal(lg_consol_project_get(e->s, id, &p, &err), 0);
  assert_string_equal(json_string_value(json_object_get(p, "code")), "TZ360781-2026-001");
  assert_string_equal(json_string_value(json_object_get(p, "status_title")), "入库");
  assert_near(jnum(p, "area_m2"), 10000, 0.01);
  assert_near(jnum(p, "controls.eprl.overlap_m2"), 2500, 0.01);
  assert_near(jnum(p, "controls.pbf.overlap_m2"), 1600, 0.01);
  assert_near(jnum(p, "controls.udb.overlap_m2"), 0, 0.001);
  json_t *w = json_object_get(json_object_get(p, "controls"), "warnings");
  assert_true(json_array_size(w) >= 1);
  assert_non_null(strstr(json_string_value(json_array_get(w, 0)), "生态保护红线"));
  json_decref(p);
  assert_int_equal(reg(e, "farmland", &err), id + 1); /* the second: TZ360781-2026-002 */
  assert_int_equal(c_sql_int(e->s, "SELECT count(*) FROM lg_consol_projects"
                                   " WHERE code = 'TZ360781-2026-002'"),
                   1);
}

static void test_register_bad(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  uint64_t before = ledger_size(e);
  assert_int_equal(reg(e, "golf", &err), LG_EINVAL);
  assert_string_equal(err.where, "type");
  lg_geom_t *a = rect(0, 0, 100, 100);
  lg_consol_project_new_t p = {.name = "x",
                               .type = "farmland",
                               .division = "360781101",
                               .start_on = "2027-03-01",
                               .end_on = "2026-12-31",
                               .area = a,
                               .srid = 4526};
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_register(e->s, NULL, &p, NULL, &err), LG_EINVAL);
  assert_string_equal(err.where, "end_on");
  lg_geom_free(lg_geo_thread(), a);
  assert_int_equal(ledger_size(e), before);
  assert_int_equal(c_sql_int(e->s, "SELECT count(*) FROM lg_consol_projects"), 0);
}

static void test_steps(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = reg(e, "farmland", &err);
  assert_int_equal(lg_consol_project_advance(e->s, NULL, id, "implementing", NULL, NULL, &err),
                   LG_ECONFLICT);
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_advance(e->s, NULL, id, "approved", NULL, NULL, &err),
                   LG_EINVAL);
  assert_string_equal(err.where, "document");
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_advance(e->s, NULL, id, "accepted", "x", NULL, &err),
                   LG_EINVAL);
  to_implementing(e, id);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM lg_consol_acts WHERE project_id = %lld",
           (long long)id);
  assert_int_equal(c_sql_int(e->s, sql), 3);
}

/* An accepted reclamation project posts 800 m2 cultivated, 300 m2
 * paddy, 5000 kg grain and 700 m2 linkage surplus to 360781, each
 * once: the second acceptance is refused and nothing moves. */
static void test_accept_once(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = reg(e, "reclamation", &err);
  lg_consol_acceptance_t a = {.document = "示县整验〔2027〕3号",
                              .accepted_on = "2027-12-20",
                              .cultivated_m2 = 800,
                              .grain_kg = 5000,
                              .paddy_m2 = 300,
                              .linkage_m2 = 700};
  assert_int_equal(lg_consol_project_accept(e->s, NULL, id, &a, &err), LG_ECONFLICT);
  to_implementing(e, id);
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_accept(e->s, NULL, id, &a, &err), 0);
  assert_int_equal(bal(e, "cultivated_area"), 800);
  assert_int_equal(bal(e, "cultivated_paddy"), 300);
  assert_int_equal(bal(e, "cultivated_grain"), 5000);
  assert_int_equal(bal(e, "linkage_surplus"), 700);
  assert_int_equal(c_sql_int(e->s, "SELECT count(*) FROM lg_quota_movements"
                                   " WHERE type = 'produce' AND cause_type = 'project'"),
                   4);
  uint64_t before = ledger_size(e);
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_accept(e->s, NULL, id, &a, &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "只产生一次"));
  assert_int_equal(bal(e, "cultivated_area"), 800);
  assert_int_equal(ledger_size(e), before);
  json_t *p = NULL;
  assert_int_equal(lg_consol_project_get(e->s, id, &p, &err), 0);
  assert_string_equal(json_string_value(json_object_get(p, "status")), "accepted");
  assert_int_equal(json_array_size(json_object_get(json_object_get(p, "acceptance"), "movements")),
                   4);
  json_decref(p);
}

/* Figures the type does not produce, and an acceptance the quota bank
 * refuses (a clerk may act on projects but not create quota), change
 * nothing: the project stays implementing, no quota, no entry. */
static void test_accept_refused(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  int64_t fid = reg(e, "farmland", &err), rid = reg(e, "reclamation", &err);
  to_implementing(e, fid);
  to_implementing(e, rid);
  uint64_t before = ledger_size(e);
  lg_consol_acceptance_t a = {.document = "验〔2027〕1号", .cultivated_m2 = 800, .linkage_m2 = 700};
  assert_int_equal(lg_consol_project_accept(e->s, NULL, fid, &a, &err), LG_EINVAL);
  assert_string_equal(err.where, "linkage_m2");
  /* More new cultivated land than the project's 10000 m2. */
  lg_consol_acceptance_t big = {.document = "验〔2027〕2号", .cultivated_m2 = 10001};
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_accept(e->s, NULL, rid, &big, &err), LG_EINVAL);
  assert_string_equal(err.where, "cultivated_m2");
  lg_subject_t clerk = {.user_id = 9, .login = "clerk9", .role = "clerk", .division = "360781"};
  lg_err_clear(&err);
  assert_int_equal(lg_consol_project_accept(e->s, &clerk, rid, &a, &err), LG_EPERM);
  assert_int_equal(ledger_size(e), before);
  assert_int_equal(c_sql_int(e->s, "SELECT count(*) FROM lg_quota_movements"), 0);
  assert_int_equal(c_sql_int(e->s, "SELECT count(*) FROM lg_consol_projects"
                                   " WHERE status = 'accepted'"),
                   0);
  assert_int_equal(c_sql_int(e->s, "SELECT count(*) FROM lg_consol_acts WHERE act = 'accept'"), 0);
}

/* The ledger audit finds every project as recorded, and a budget changed
 * behind landgov's back. */
static void test_audit(void **state) {
  cenv_t *e = *state;
  lg_err_t err = {0};
  int64_t id = reg(e, "ecological", &err);
  to_implementing(e, id);
  lg_ledger_audit_t au = {0};
  assert_int_equal(lg_ledger_audit(e->s, lg_consol_auditors, &au, &err), 0);
  assert_int_equal(au.findings.len, 0);
  assert_int_equal(au.objects, 1);
  lg_ledger_audit_fini(&au);
  assert_int_equal(lg_store_exec(e->s, "UPDATE lg_consol_projects SET budget_fen = 1", &err), 0);
  memset(&au, 0, sizeof au);
  assert_int_equal(lg_ledger_audit(e->s, lg_consol_auditors, &au, &err), 0);
  assert_int_equal(au.findings.len, 1);
  assert_int_equal(au.findings.items[0].kind, LG_LEDGER_AUDIT_CHANGED);
  lg_ledger_audit_fini(&au);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_register, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_register_bad, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_steps, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_accept_once, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_accept_refused, cenv_setup, cenv_teardown),
      cmocka_unit_test_setup_teardown(test_audit, cenv_setup, cenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
