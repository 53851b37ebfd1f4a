/*
 * quota: the bank's accounts and movements on both backends. Balances
 * are counted by hand below and read back with plain SQL; every movement
 * is on the ledger, with an inclusion proof checked by the ledger's own
 * verifier from the leaf hash this test computes; bad input is refused
 * with a Chinese message naming the field, and changes nothing (the
 * ledger, the movements and every balance are compared before and
 * after); permissions follow the policy table; and transfers from one
 * account by many threads at once, each on its own connection, never
 * spend more than the account holds.
 */
#include <pthread.h>
#include <sodium.h>

#include "quota_fixture.h"

static lg_subject_t subj(const char *login, const char *role, const char *level,
                         const char *division) {
  lg_subject_t w;
  memset(&w, 0, sizeof w);
  w.user_id = 1;
  snprintf(w.login, sizeof w.login, "%s", login);
  snprintf(w.role, sizeof w.role, "%s", role);
  snprintf(w.division, sizeof w.division, "%s", division);
  if (level) snprintf(w.level, sizeof w.level, "%s", level);
  return w;
}

/* The hand count of the test below: 36 receives 1,000,000 m2 from the
 * State and gives 400,000 to 3607 and 100,000 to 360782 directly; 3607
 * gives 150,000 to 360781; 360781 transfers 50,000 to 360782. */
static void test_allocate_and_move(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  issue(e, "36", "new_construction", 1000000);
  allocate(e, "36", "3607", "new_construction", 400000);
  allocate(e, "3607", "360781", "new_construction", 150000);
  allocate(e, "360000", "360782", "new_construction", 100000); /* six-digit province code */
  lg_quota_op_t t = {.kind = "new_construction",
                     .amount = 50000,
                     .from = "360781",
                     .to = "360782",
                     .document = "赣自然资函〔2026〕9号"};
  int64_t tid = 0;
  assert_int_equal(lg_quota_transfer(e->s, NULL, &t, &tid, &err), 0);
  /* A consolidation project produced 6,667 m2 (10 mu) of cultivated land. */
  lg_quota_op_t p = {.kind = "cultivated_area",
                     .amount = 6667,
                     .to = "360781",
                     .project = "TZ-2026-01 某村全域土地综合整治",
                     .document = "赣自然资验〔2026〕3号"};
  assert_int_equal(lg_quota_produce(e->s, NULL, &p, NULL, &err), 0);

  assert_i64(bal(e, "36", "new_construction", "available"), 500000);
  assert_i64(bal(e, "36", "new_construction", "issued"), 1000000);
  assert_i64(bal(e, "3607", "new_construction", "available"), 250000);
  assert_i64(bal(e, "360781", "new_construction", "available"), 100000);
  assert_i64(bal(e, "360782", "new_construction", "available"), 150000);
  assert_i64(bal(e, "360781", "cultivated_area", "available"), 6667);
  assert_i64(bal(e, "360781", "cultivated_area", "produced"), 6667);
  assert_i64(q_sql_int(e->s, "SELECT count(*) FROM lg_quota_movements"), 6);

  /* The balances document: exactly the issue's shape. */
  json_t *b = NULL;
  assert_int_equal(lg_quota_balances(e->s, NULL, NULL, NULL, &b, &err), 0);
  assert_int_equal(json_object_size(b), 1);
  json_t *accounts = json_object_get(b, "accounts");
  assert_int_equal(json_array_size(accounts), 5);
  static const char *const keys[] = {"division", "kind",     "unit",    "available",
                                     "reserved", "consumed", "produced"};
  size_t i;
  json_t *a;
  json_array_foreach(accounts, i, a) {
    assert_int_equal(json_object_size(a), 7);
    for (size_t k = 0; k < 7; k++)
      if (!json_object_get(a, keys[k])) fail_msg("account %zu lacks %s", i, keys[k]);
  }
  /* Ordered by division, then kind. */
  assert_string_equal(json_string_value(json_object_get(json_array_get(accounts, 0), "division")),
                      "36");
  json_t *k81 = json_array_get(accounts, 2);
  assert_string_equal(json_string_value(json_object_get(k81, "kind")), "cultivated_area");
  assert_string_equal(json_string_value(json_object_get(k81, "unit")), "m2");
  assert_i64(json_integer_value(json_object_get(k81, "produced")), 6667);
  json_decref(b);
  /* Within a division and of a kind. */
  assert_int_equal(lg_quota_balances(e->s, NULL, "3607", "new_construction", &b, &err), 0);
  assert_int_equal(json_array_size(json_object_get(b, "accounts")), 3); /* 3607, 360781, 360782 */
  json_decref(b);

  /* The transfer with its ledger entry and an inclusion proof, checked
   * from the entry's text by the ledger's verifier. */
  json_t *m = NULL;
  assert_int_equal(lg_quota_movement_get(e->s, tid, true, &m, &err), 0);
  assert_string_equal(json_string_value(json_object_get(m, "type")), "transfer");
  assert_i64(json_integer_value(json_object_get(m, "amount")), 50000);
  json_t *proof = json_object_get(m, "proof");
  assert_non_null(proof);
  const char *entry = json_string_value(json_object_get(proof, "entry"));
  assert_non_null(strstr(entry, "\"object_type\":\"quota.movement\""));
  unsigned char leaf[32], root[32];
  lg_ledger_leaf_hash(entry, strlen(entry), leaf);
  size_t rl = 0;
  const char *root_b64 = json_string_value(json_object_get(proof, "root"));
  assert_int_equal(sodium_base642bin(root, 32, root_b64, strlen(root_b64), NULL, &rl, NULL,
                                     sodium_base64_VARIANT_ORIGINAL),
                   0);
  lg_ledger_proof_t pr;
  assert_int_equal(lg_ledger_proof_from_json(json_object_get(proof, "proof"), &pr, &err), 0);
  assert_int_equal(
      lg_ledger_verify_inclusion((uint64_t)json_integer_value(json_object_get(proof, "index")),
                                 (uint64_t)json_integer_value(json_object_get(proof, "size")), leaf,
                                 &pr, root, &err),
      0);
  json_decref(m);

  /* Movements, newest first, each with its ledger entry. */
  json_t *ms = NULL;
  lg_quota_movement_filter_t f = {.division = "360781"};
  assert_int_equal(lg_quota_movements(e->s, NULL, &f, &ms, &err), 0);
  json_t *arr = json_object_get(ms, "movements");
  assert_int_equal(json_array_size(arr), 3); /* 3607 -> 360781, transfer, production */
  assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "type")),
                      "produce");
  json_array_foreach(arr, i, a) assert_true(json_is_integer(json_object_get(a, "ledger_index")));
  json_decref(ms);
  /* Paging: two at a time. */
  lg_quota_movement_filter_t f2 = {.limit = 2};
  assert_int_equal(lg_quota_movements(e->s, NULL, &f2, &ms, &err), 0);
  assert_int_equal(json_array_size(json_object_get(ms, "movements")), 2);
  assert_i64(json_integer_value(json_object_get(ms, "next_before")), 5);
  json_decref(ms);

  json_t *r = NULL;
  assert_int_equal(lg_quota_reconcile(e->s, &r, &err), 0);
  if (!json_is_true(json_object_get(r, "ok"))) fail_msg("reconcile: %s", json_dumps(r, 0));
  assert_i64(json_integer_value(json_object_get(r, "movements")), 6);
  assert_i64(json_integer_value(json_object_get(r, "ledger_entries")), 6);
  json_decref(r);
  assert_int_equal(quota_findings(e, NULL), 0);
}

/* Runs op, expecting code and a message holding needle, and nothing changed. */
typedef struct snap {
  uint64_t ledger;
  int64_t movements, sum;
} snap_t;

static snap_t snap(qenv_t *e) {
  return (snap_t){ledger_size(e), q_sql_int(e->s, "SELECT count(*) FROM lg_quota_movements"),
                  q_sql_int(e->s, "SELECT coalesce(sum(available + 3 * reserved + 7 * consumed +"
                                  " 11 * produced + 13 * issued), 0) FROM lg_quota_accounts")};
}

static void same(qenv_t *e, snap_t before) {
  snap_t now = snap(e);
  assert_i64(now.ledger, before.ledger);
  assert_i64(now.movements, before.movements);
  assert_i64(now.sum, before.sum);
}

static void test_bad_input(void **state) {
  qenv_t *e = *state;
  issue(e, "36", "new_construction", 100000);
  allocate(e, "36", "360781", "new_construction", 30000);
  snap_t s0 = snap(e);
  lg_err_t err = {0};
  lg_quota_op_t op;
#define REFUSE(call, code, needle, field)                                                          \
  do {                                                                                             \
    lg_err_clear(&err);                                                                            \
    assert_int_equal((call), (code));                                                              \
    assert_msg(err, needle);                                                                       \
    const char *f_ = (field);                                                                      \
    if (f_ && strcmp(err.where, f_)) fail_msg("where \"%s\", want \"%s\"", err.where, f_);         \
    same(e, s0);                                                                                   \
  } while (0)
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 0, .from = "360781", .to = "360782", .document = "x"};
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "应为正整数", "amount");
  op.amount = -5;
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "得到 -5", "amount");
  op = (lg_quota_op_t){
      .kind = "new_land", .amount = 5, .from = "360781", .to = "360782", .document = "x"};
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "未知的指标种类 \"new_land\"",
         "kind");
  assert_msg(err, "新增建设用地计划指标"); /* the message names the kinds there are */
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 5, .from = "360781", .to = "991234", .document = "x"};
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "未知的行政区 \"991234\"",
         "to");
  op.to = "36078";
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "未知的行政区 \"36078\"", "to");
  op.to = "360781101";
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "乡镇", "to");
  op.to = "360781";
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "不能把指标划转给自己", "to");
  op = (lg_quota_op_t){.kind = "new_construction",
                       .amount = 30001,
                       .from = "360781",
                       .to = "360782",
                       .document = "x"};
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_ECONFLICT, "缺 1 平方米", NULL);
  assert_msg(err, "可用 30,000 平方米");
  op.amount = 5;
  op.document = NULL;
  REFUSE(lg_quota_transfer(e->s, NULL, &op, NULL, &err), LG_EINVAL, "文号", "document");
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 5, .from = "360781", .to = "36", .document = "x"};
  REFUSE(lg_quota_allocate(e->s, NULL, &op, NULL, &err), LG_EINVAL, "分解下达只能由上级", "to");
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 5, .from = "360782", .to = "360782", .document = "x"};
  REFUSE(lg_quota_allocate(e->s, NULL, &op, NULL, &err), LG_EINVAL, "分解下达只能由上级", "to");
  op = (lg_quota_op_t){.kind = "cultivated_area", .amount = 5, .to = "360781", .document = "x"};
  REFUSE(lg_quota_produce(e->s, NULL, &op, NULL, &err), LG_EINVAL, "项目", "project");
  op.project = "TZ-1";
  op.year = 1999;
  REFUSE(lg_quota_produce(e->s, NULL, &op, NULL, &err), LG_EINVAL, "年度 1999", "year");

  /* Permissions: the policy table decides (quota: approvers create and
   * act within their jurisdiction; clerks read). */
  lg_subject_t clerk = subj("clerk", "clerk", NULL, "360781");
  lg_subject_t county = subj("county", "approver", "county", "360781");
  lg_subject_t other = subj("other", "approver", "county", "360782");
  lg_subject_t city = subj("city", "approver", "city", "3607");
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 5, .from = "360781", .to = "360782", .document = "x"};
  REFUSE(lg_quota_transfer(e->s, &clerk, &op, NULL, &err), LG_EPERM, "无权", NULL);
  REFUSE(lg_quota_transfer(e->s, &other, &op, NULL, &err), LG_EPERM, "无权", NULL);
  /* A county may not allocate from the province; the city may not either. */
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 5, .from = "36", .to = "360781", .document = "x"};
  REFUSE(lg_quota_allocate(e->s, &county, &op, NULL, &err), LG_EPERM, "无权", NULL);
  REFUSE(lg_quota_allocate(e->s, &city, &op, NULL, &err), LG_EPERM, "无权", NULL);
#undef REFUSE
  op = (lg_quota_op_t){
      .kind = "new_construction", .amount = 5, .from = "360781", .to = "360782", .document = "x"};
  assert_int_equal(lg_quota_transfer(e->s, &county, &op, NULL, &err), 0);
  assert_i64(bal(e, "360781", "new_construction", "available"), 29995);
  /* The ledger entry names who acted. */
  char *text = NULL;
  assert_int_equal(lg_ledger_entry(e->s, ledger_size(e) - 1, &text, NULL, &err), 0);
  assert_non_null(strstr(text, "\"actor\":\"county\""));
  lg_free(text);
  /* Kinds and the configuration are store-wide administration. */
  lg_quota_kind_t k = {.code = "forest_quota", .title = "林地定额", .unit = "m2"};
  lg_subject_t admin = subj("admin", "admin", NULL, "360781");
  assert_int_equal(lg_quota_kind_add(e->s, &admin, &k, NULL, &err), LG_EPERM);
  assert_int_equal(lg_quota_kind_add(e->s, NULL, &k, "《森林法》第三十九条", &err), 0);
  assert_int_equal(lg_quota_kind_add(e->s, NULL, &k, NULL, &err), LG_ECONFLICT);
  lg_quota_kind_t bad = {.code = "Bad Kind", .title = "x", .unit = "m2"};
  assert_int_equal(lg_quota_kind_add(e->s, NULL, &bad, NULL, &err), LG_EINVAL);
  lg_quota_kind_t badu = {.code = "acre_quota", .title = "x", .unit = "acre"};
  assert_int_equal(lg_quota_kind_add(e->s, NULL, &badu, NULL, &err), LG_EINVAL);
  assert_msg(err, "计量单位");
  issue(e, "360781", "forest_quota", 12);
  assert_i64(bal(e, "360781", "forest_quota", "available"), 12);
  assert_int_equal(quota_findings(e, NULL), 0);
}

/* ---- Many threads spending one account ---------------------------------------------- */

#define THREADS 8
#define TRIES 25
#define EACH 1000

typedef struct worker {
  lg_store_t *s;
  int ok, refused, other;
  char to[16];
} worker_t;

static void *spend(void *arg) {
  worker_t *w = arg;
  for (int i = 0; i < TRIES; i++) {
    lg_quota_op_t op = {.kind = "new_construction",
                        .amount = EACH,
                        .from = "360781",
                        .to = w->to,
                        .document = "并发划转"};
    lg_err_t err = {0};
    int rc = lg_quota_transfer(w->s, NULL, &op, NULL, &err);
    if (rc == 0)
      w->ok++;
    else if (rc == LG_ECONFLICT && strstr(err.msg, "不足"))
      w->refused++;
    else
      w->other++;
  }
  return NULL;
}

/* 8 threads x 25 transfers of 1,000 m2 from an account of 100,000:
 * exactly 100 succeed, whatever the interleaving. */
static void test_concurrent_transfers(void **state) {
  qenv_t *e = *state;
  issue(e, "36", "new_construction", 1000000);
  allocate(e, "36", "360781", "new_construction", 100000);
  worker_t w[THREADS];
  pthread_t th[THREADS];
  lg_err_t err = {0};
  for (int i = 0; i < THREADS; i++) {
    memset(&w[i], 0, sizeof w[i]);
    snprintf(w[i].to, sizeof w[i].to, "3607%02d", 82 + i % 3);
    if (lg_store_open_again(e->s, 0, &w[i].s, &err) != 0) fail_msg("open: %s", err.msg);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_create(&th[i], NULL, spend, &w[i]);
  int ok = 0, refused = 0, other = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    ok += w[i].ok;
    refused += w[i].refused;
    other += w[i].other;
    lg_store_close(w[i].s);
  }
  assert_int_equal(other, 0);
  assert_int_equal(ok, 100);
  assert_int_equal(refused, THREADS * TRIES - 100);
  assert_i64(bal(e, "360781", "new_construction", "available"), 0);
  assert_i64(q_sql_int(e->s, "SELECT sum(available) FROM lg_quota_accounts WHERE division IN"
                             " ('360782', '360783', '360784')"),
             100000);
  assert_i64(q_sql_int(e->s, "SELECT count(*) FROM lg_quota_movements WHERE type = 'transfer'"),
             100);
  json_t *r = NULL;
  assert_int_equal(lg_quota_reconcile(e->s, &r, &err), 0);
  assert_true(json_is_true(json_object_get(r, "ok")));
  json_decref(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_allocate_and_move, qenv_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_bad_input, qenv_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_concurrent_transfers, qenv_setup, qenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
