/*
 * quota: approvals consume, through the real land-approval process (the
 * case watcher inside each action's transaction). Land and needs counted
 * by hand in case_env.h: a case on (400,100)-(600,200) converts 10,000 m2
 * of paddy and 10,000 m2 of dry land, so it needs 20,000 m2 of new
 * construction quota, 20,000 m2 of cultivated-balance area and 10,000 m2
 * of paddy. The city's approval fails while an account lacks quota,
 * naming it and the shortfall, and leaves everything as it was; once the
 * quota comes, the same approval consumes exactly the needs. A veto
 * releases the reserve; a county short of quota may draw on its city's
 * where the rules say so; a case in an enclave park uses the account its
 * agreement names.
 */
#include "case_env.h"

/* The bank not started: approvals go as before, the bank records nothing. */
static void test_not_started(void **state) {
  qenv_t *e = *state;
  int64_t id = file_case(e, 400, 100, 600, 200, 5e7);
  to_city(e, id);
  act_ok(e, CITY, id, "Task_City", "approve", NULL);
  char st[32];
  assert_string_equal(case_status(e, id, st), "handed_over");
  assert_i64(q_sql_int(e->s, "SELECT count(*) FROM lg_quota_cases"), 0);
  assert_i64(
      q_sql_int(e->s, "SELECT count(*) FROM lg_ledger_entries WHERE object_type LIKE 'quota.%'"),
      0);
}

static void line_of(qenv_t *e, int64_t id, const char *kind, int64_t *needed, int64_t *reserved,
                    int64_t *consumed, int64_t *lack) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_quota_case(e->s, id, &o, &err) != 0) fail_msg("quota case: %s", err.msg);
  size_t i;
  json_t *l;
  *needed = *reserved = *consumed = *lack = -1;
  json_array_foreach(json_object_get(o, "lines"), i, l) {
    if (strcmp(json_string_value(json_object_get(l, "kind")), kind)) continue;
    *needed = json_integer_value(json_object_get(l, "needed"));
    *reserved = json_integer_value(json_object_get(l, "reserved"));
    *consumed = json_integer_value(json_object_get(l, "consumed"));
    *lack = json_integer_value(json_object_get(l, "short"));
  }
  json_decref(o);
}

static void test_reserve_short_approve(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  /* 15,000 of 20,000 m2 new construction, enough cultivated area, 5,000
   * of 10,000 m2 paddy. */
  issue(e, "36", "new_construction", 100000);
  allocate(e, "36", "360781", "new_construction", 15000);
  issue(e, "360781", "cultivated_area", 50000);
  issue(e, "360781", "cultivated_paddy", 5000);
  int64_t id = file_case(e, 400, 100, 600, 200, 2e8);
  json_t *o = NULL;
  assert_int_equal(lg_quota_case(e->s, id, &o, &err), 0);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "pending");
  json_decref(o);
  to_city(e, id);
  int64_t n, r, c, lack;
  line_of(e, id, "new_construction", &n, &r, &c, &lack);
  assert_i64(n, 20000);
  assert_i64(r, 15000);
  assert_i64(c, 0);
  assert_i64(lack, 5000);
  line_of(e, id, "cultivated_area", &n, &r, &c, &lack);
  assert_i64(n, 20000);
  assert_i64(r, 20000);
  assert_i64(lack, 0);
  line_of(e, id, "cultivated_paddy", &n, &r, &c, &lack);
  assert_i64(n, 10000);
  assert_i64(r, 5000);
  assert_i64(lack, 5000);
  assert_i64(bal(e, "360781", "new_construction", "available"), 0);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 15000);
  assert_i64(bal(e, "360781", "cultivated_area", "available"), 30000);
  assert_int_equal(lg_quota_case(e->s, id, &o, &err), 0);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "short");
  assert_non_null(strstr(json_string_value(json_object_get(o, "message")), "缺 5,000 平方米"));
  json_decref(o);

  /* The city approves: refused, naming the accounts and what they lack. */
  uint64_t ledger0 = ledger_size(e);
  lg_err_clear(&err);
  assert_int_equal(act_as(e, CITY, id, "Task_City", "approve", NULL, &err), LG_ECONFLICT);
  assert_msg(err, "县级 (360781) 新增建设用地计划指标不足, 缺 5,000 平方米");
  assert_msg(err, "县级 (360781) 耕地占补平衡指标 (水田)不足, 缺 5,000 平方米");
  char st[32];
  assert_string_equal(case_status(e, id, st), "in_review");
  open_task(e, id, "Task_City"); /* the task waits */
  assert_i64(ledger_size(e), ledger0);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 15000);
  assert_i64(bal(e, "360781", "new_construction", "consumed"), 0);

  /* Quota comes: the county's from the province, paddy from a project. */
  allocate(e, "36", "360781", "new_construction", 6000);
  lg_quota_op_t p = {.kind = "cultivated_paddy",
                     .amount = 5000,
                     .to = "360781",
                     .project = "TZ-2026-07 旱改水",
                     .document = "赣自然资验〔2026〕8号"};
  assert_int_equal(lg_quota_produce(e->s, NULL, &p, NULL, &err), 0);
  act_ok(e, CITY, id, "Task_City", "approve", NULL);
  assert_string_equal(case_status(e, id, st), "handed_over");
  assert_i64(bal(e, "360781", "new_construction", "consumed"), 20000);
  assert_i64(bal(e, "360781", "new_construction", "available"), 1000);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 0);
  assert_i64(bal(e, "360781", "cultivated_area", "consumed"), 20000);
  assert_i64(bal(e, "360781", "cultivated_area", "available"), 30000);
  assert_i64(bal(e, "360781", "cultivated_paddy", "consumed"), 10000);
  assert_i64(bal(e, "360781", "cultivated_paddy", "available"), 0);
  line_of(e, id, "new_construction", &n, &r, &c, &lack);
  assert_i64(c, 20000);
  assert_i64(r, 0);
  assert_i64(lack, 0);
  assert_int_equal(lg_quota_case(e->s, id, &o, &err), 0);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "consumed");
  json_decref(o);
  /* Movements of the case: three reserves, two top-ups, three consumes. */
  char sql[200];
  snprintf(
      sql, sizeof sql,
      "SELECT count(*) FROM lg_quota_movements WHERE cause_type = 'case' AND cause_id = '%lld'",
      (long long)id);
  assert_i64(q_sql_int(e->s, sql), 8);
  json_t *rec = NULL;
  assert_int_equal(lg_quota_reconcile(e->s, &rec, &err), 0);
  if (!json_is_true(json_object_get(rec, "ok"))) fail_msg("reconcile: %s", json_dumps(rec, 0));
  json_decref(rec);
  assert_int_equal(quota_findings(e, NULL), 0);
}

static void test_release(void **state) {
  qenv_t *e = *state;
  issue(e, "360781", "new_construction", 100000);
  issue(e, "360781", "cultivated_area", 100000);
  issue(e, "360781", "cultivated_paddy", 100000);
  /* Vetoed in the joint review. */
  int64_t a = file_case(e, 400, 100, 600, 200, 1e7);
  act_ok(e, CLERK, a, "Task_Accept", "accept", NULL);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 20000);
  act_ok(e, COUNTY, a, "Task_County", "approve", NULL);
  act_ok(e, NR, a, "Task_Joint", "veto", "占用水田, 未落实补充");
  char st[32];
  assert_string_equal(case_status(e, a, st), "vetoed");
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 0);
  assert_i64(bal(e, "360781", "new_construction", "available"), 100000);
  /* Refused by the city. */
  int64_t b = file_case(e, 600, 600, 700, 700, 1e7); /* 10,000 m2 dry land */
  to_city(e, b);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 10000);
  assert_i64(bal(e, "360781", "cultivated_paddy", "reserved"), 0);
  act_ok(e, CITY, b, "Task_City", "reject", "不符合供地政策");
  assert_string_equal(case_status(e, b, st), "rejected");
  for (int k = 0; k < 3; k++) {
    static const char *const kinds[] = {"new_construction", "cultivated_area", "cultivated_paddy"};
    assert_i64(bal(e, "360781", kinds[k], "available"), 100000);
    assert_i64(bal(e, "360781", kinds[k], "reserved"), 0);
    assert_i64(bal(e, "360781", kinds[k], "consumed"), 0);
  }
  json_t *o = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_quota_case(e->s, b, &o, &err), 0);
  assert_string_equal(json_string_value(json_object_get(o, "status")), "released");
  json_decref(o);
  assert_int_equal(quota_findings(e, NULL), 0);
}

/* The rules let a county draw on its city's quota: the shortfall comes
 * from 3607, is consumed at the county, and a release gives it back to
 * the city. */
static void test_draw_on_city(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  json_t *cfg = json_loads(lg_quota_config_default_json(), 0, NULL);
  json_object_set_new(json_object_get(cfg, "consumption"), "draw_on",
                      json_pack("{s:[s]}", "new_construction", "city"));
  char *text = json_dumps(cfg, 0);
  json_decref(cfg);
  assert_int_equal(lg_quota_config_save(e->s, text, NULL, &err), 0);
  free(text);
  issue(e, "36", "new_construction", 100000);
  allocate(e, "36", "3607", "new_construction", 50000);
  allocate(e, "3607", "360781", "new_construction", 12000);
  int64_t id = file_case(e, 600, 600, 800, 700, 1e7); /* 20,000 m2 dry land */
  to_city(e, id);
  /* Cultivated area is not in use in this store: recorded, not enforced. */
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 20000);
  assert_i64(bal(e, "360781", "new_construction", "available"), 0);
  assert_i64(bal(e, "3607", "new_construction", "available"), 30000);
  act_ok(e, CITY, id, "Task_City", "approve", NULL);
  assert_i64(bal(e, "360781", "new_construction", "consumed"), 20000);
  assert_i64(bal(e, "3607", "new_construction", "consumed"), 0);
  int64_t n, r, c, lack;
  line_of(e, id, "cultivated_area", &n, &r, &c, &lack);
  assert_i64(n, 20000);
  assert_i64(r, 0);
  assert_i64(c, 0);
  assert_i64(lack, 0);
  /* A second case, drawn on the city and then vetoed: back to the city. */
  int64_t b = file_case(e, 600, 800, 700, 900, 1e7); /* 10,000 m2 */
  act_ok(e, CLERK, b, "Task_Accept", "accept", NULL);
  assert_i64(bal(e, "3607", "new_construction", "available"), 20000);
  act_ok(e, COUNTY, b, "Task_County", "reject", "选址不合理");
  assert_i64(bal(e, "3607", "new_construction", "available"), 30000);
  assert_i64(bal(e, "360781", "new_construction", "available"), 0);
  json_t *rec = NULL;
  assert_int_equal(lg_quota_reconcile(e->s, &rec, &err), 0);
  assert_true(json_is_true(json_object_get(rec, "ok")));
  json_decref(rec);
  /* The saved configuration is on the ledger, and audited. */
  assert_int_equal(quota_findings(e, NULL), 0);
  assert_int_equal(lg_store_exec(e->s,
                                 "UPDATE lg_settings SET value = replace(value, '\"city\"', "
                                 "'\"province\"') WHERE key = 'quota.config'",
                                 &err),
                   0);
  assert_int_equal(quota_findings(e, "quota.config"), 1);
}

/* A case most of whose boundary lies in an enclave park uses the account
 * the park's agreement names (here the source's, 360782). */
static void test_enclave_case(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  char *park = feat("{\"MC\":\"甲乙共建产业园\"}", 300, 50, 900, 450);
  import_fc(e, "park", "other", park);
  lg_free(park);
  issue(e, "360781", "new_construction", 5000);
  issue(e, "360782", "new_construction", 50000);
  lg_quota_enclave_new_t en = {.name = "甲乙共建产业园",
                               .source = "360782",
                               .host = "360781",
                               .park_layer = "park",
                               .quota_from = "source",
                               .start_year = 2026};
  int64_t eid = 0;
  assert_int_equal(lg_quota_enclave_add(e->s, NULL, &en, &eid, &err), 0);
  int64_t id = file_case(e, 400, 100, 600, 200, 1e7); /* inside the park */
  to_city(e, id);
  assert_i64(bal(e, "360782", "new_construction", "reserved"), 20000);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 0);
  act_ok(e, CITY, id, "Task_City", "approve", NULL);
  assert_i64(bal(e, "360782", "new_construction", "consumed"), 20000);
  assert_i64(bal(e, "360781", "new_construction", "available"), 5000);
  json_t *o = NULL;
  assert_int_equal(lg_quota_case(e->s, id, &o, &err), 0);
  assert_i64(json_integer_value(json_object_get(o, "enclave_id")), eid);
  assert_string_equal(json_string_value(json_object_get(o, "division")), "360782");
  assert_string_equal(json_string_value(json_object_get(o, "case_division")), "360781");
  json_decref(o);
  /* A case outside the park stays with its county. */
  int64_t out = file_case(e, 100, 700, 150, 800, 1e7); /* 5,000 m2 */
  act_ok(e, CLERK, out, "Task_Accept", "accept", NULL);
  assert_i64(bal(e, "360781", "new_construction", "reserved"), 5000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_not_started, case_env_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_reserve_short_approve, case_env_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_release, case_env_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_draw_on_city, case_env_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_enclave_case, case_env_setup, qenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
