/*
 * quota: conservation under a long random sequence of every operation
 * the bank has: issues and allocations down the levels, productions by
 * projects, transfers, reservations, approvals and releases of real
 * approval cases (their compliance checks computed on the land of
 * case_env.h), listings, withdrawals and trades. The test keeps its own
 * account of what was created (each successful issue and production) and
 * consumed (each successful approval: the case's needs counted by hand
 * from its box, below), and checks at every step, with plain SQL, that
 * for every kind the quota in hand (available + reserved, over all
 * accounts) is what was created minus what was consumed, that the
 * consumed and source buckets say the same, and that a refused operation
 * changed nothing at all. Every 250 steps, and at the end, the bank
 * reconciles from its movements and its ledger, and the ledger audit
 * finds nothing.
 *
 * A case on box (x0,y0)-(x1,y1) in the west half needs its area of new
 * construction and of cultivated area, and the part of it inside
 * (0,0)-(500,500) of paddy (case_env.h).
 */
#include "case_env.h"

#define STEPS 5000
#define NCASES 48

static const char *const kinds[] = {"new_construction", "cultivated_area", "cultivated_paddy"};
static const char *const divisions[] = {"36", "3607", "360781", "360782"};

typedef struct mcase {
  int64_t id;
  int64_t need[3];
  bool final;
} mcase_t;

static int64_t created[3], consumed[3];

static uint64_t pick(lg_rng_t *r, uint64_t n) { return lg_rng_next(r) % n; }

static int watch(qenv_t *e, const mcase_t *c, const char *to, lg_err_t *err) {
  int rc = lg_store_begin(e->s, err);
  if (rc) return rc;
  rc = q_case_watch(e->s, c->id, "in_review", to, lg_now(), "random", NULL, err);
  if (rc == 0)
    rc = lg_store_commit(e->s, err);
  else
    lg_store_rollback(e->s);
  return rc;
}

static void check(qenv_t *e, int step, const char *what) {
  for (int k = 0; k < 3; k++) {
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(available + reserved), 0) * 1000003 + coalesce(sum(consumed), 0)"
             " FROM lg_quota_accounts WHERE kind = '%s'",
             kinds[k]);
    /* Two sums in one number would overflow nothing here (each < 10^9). */
    int64_t v = q_sql_int(e->s, sql);
    int64_t in_hand = v / 1000003, used = v % 1000003;
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(produced + issued), 0) FROM lg_quota_accounts WHERE kind = '%s'",
             kinds[k]);
    int64_t sources = q_sql_int(e->s, sql);
    if (in_hand != created[k] - consumed[k] || used != consumed[k] || sources != created[k])
      fail_msg(
          "step %d (%s), %s: in hand %lld, consumed %lld, created %lld; expected %lld, %lld, %lld",
          step, what, kinds[k], (long long)in_hand, (long long)used, (long long)sources,
          (long long)(created[k] - consumed[k]), (long long)consumed[k], (long long)created[k]);
  }
}

static void test_random_sequence(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  lg_rng_t r;
  lg_rng_seed(&r, 20261207);
  /* Cases filed and accepted before the bank starts: their checks run. */
  mcase_t cases[NCASES];
  for (int i = 0; i < NCASES; i++) {
    /* Eight per row, 120 m apart; rows 150 m apart from y = 100 (the
     * first three rows reach into the paddy south of y = 500). */
    double x0 = (double)(i % 8) * 120 + 10, y0 = (double)(i / 8) * 150 + 100;
    double w = 40 + (double)(pick(&r, 7)) * 10, h = 40 + (double)(pick(&r, 7)) * 10;
    cases[i].id = file_case(e, x0, y0, x0 + w, y0 + h, 1e7 * (double)(1 + i));
    act_ok(e, CLERK, cases[i].id, "Task_Accept", "accept", NULL);
    double px = x0 + w <= 500 ? w : (x0 >= 500 ? 0 : 500 - x0);
    double py = y0 + h <= 500 ? h : (y0 >= 500 ? 0 : 500 - y0);
    cases[i].need[0] = cases[i].need[1] = (int64_t)(w * h);
    cases[i].need[2] = (int64_t)(px * py);
    cases[i].final = false;
  }
  memset(created, 0, sizeof created);
  memset(consumed, 0, sizeof consumed);
  /* The bank starts with some of every kind at the province. */
  for (int k = 0; k < 3; k++) {
    issue(e, "36", kinds[k], 20000);
    created[k] += 20000;
  }
  LG_VEC(int64_t) listings = {0};
  int ok = 0, refused = 0, counts[10] = {0};
  for (int step = 0; step < STEPS; step++) {
    uint64_t before = ledger_size(e);
    int op = (int)pick(&r, 10), k = (int)pick(&r, 3), rc = 0;
    int64_t amount = 1 + (int64_t)pick(&r, 30000);
    const char *d1 = divisions[pick(&r, 4)], *d2 = divisions[pick(&r, 4)];
    lg_err_clear(&err);
    const char *what = "";
    int64_t made = 0, used[3] = {0};
    switch (op) {
    case 0: {
      what = "issue";
      lg_quota_op_t o = {.kind = kinds[k], .amount = amount, .to = d1, .document = "国发"};
      if ((rc = lg_quota_allocate(e->s, NULL, &o, NULL, &err)) == 0) made = amount;
      break;
    }
    case 1: {
      what = "allocate";
      lg_quota_op_t o = {
          .kind = kinds[k], .amount = amount, .from = d1, .to = d2, .document = "分解"};
      rc = lg_quota_allocate(e->s, NULL, &o, NULL, &err);
      break;
    }
    case 2: {
      what = "produce";
      lg_quota_op_t o = {.kind = kinds[k],
                         .amount = amount / 3 + 1,
                         .to = d1,
                         .project = "TZ 随机项目",
                         .document = "验收"};
      if ((rc = lg_quota_produce(e->s, NULL, &o, NULL, &err)) == 0) made = o.amount;
      break;
    }
    case 3: {
      what = "transfer";
      lg_quota_op_t o = {
          .kind = kinds[k], .amount = amount, .from = d1, .to = d2, .document = "划转"};
      rc = lg_quota_transfer(e->s, NULL, &o, NULL, &err);
      break;
    }
    case 4:
    case 5: {
      what = "reserve";
      mcase_t *c = &cases[pick(&r, NCASES)];
      rc = watch(e, c, op == 4 ? "in_review" : "notice", &err);
      break;
    }
    case 6: {
      what = "approve";
      mcase_t *c = &cases[pick(&r, NCASES)];
      rc = watch(e, c, "handed_over", &err);
      if (rc == 0 && !c->final) {
        for (int j = 0; j < 3; j++)
          used[j] = c->need[j];
        c->final = true;
      }
      break;
    }
    case 7: {
      what = "release";
      mcase_t *c = &cases[pick(&r, NCASES)];
      rc = watch(e, c, pick(&r, 2) ? "rejected" : "vetoed", &err);
      if (rc == 0) c->final = true;
      break;
    }
    case 8: {
      what = "list";
      lg_quota_listing_new_t l = {.seller = d1,
                                  .kind = kinds[1 + pick(&r, 2)],
                                  .amount = amount / 4 + 1,
                                  .reserve_price_fen = 100};
      int64_t id = 0;
      if ((rc = lg_quota_list(e->s, NULL, &l, &id, &err)) == 0) lg_vec_push(&listings, id);
      break;
    }
    case 9: {
      what = "trade";
      if (!listings.len) break;
      int64_t lid = listings.items[pick(&r, listings.len)];
      if (pick(&r, 3) == 0) {
        rc = lg_quota_withdraw(e->s, NULL, lid, &err);
      } else {
        lg_quota_settle_t t = {.listing_id = lid,
                               .buyer = d2,
                               .amount = amount / 8 + 1,
                               .unit_price_fen = 100 + (int64_t)pick(&r, 50),
                               .agreement = "随机协议"};
        rc = lg_quota_settle(e->s, NULL, &t, NULL, &err);
      }
      break;
    }
    }
    counts[op]++;
    if (rc == 0) {
      ok++;
      created[k] += made;
      for (int j = 0; j < 3; j++)
        consumed[j] += used[j];
    } else {
      refused++;
      /* Refused: for want of quota, a closed listing, itself, an upward
       * allocation; never anything else, and nothing changed. */
      if (rc != LG_ECONFLICT && rc != LG_EINVAL)
        fail_msg("step %d (%s): unexpected %d: %s", step, what, rc, err.msg);
      if (ledger_size(e) != before)
        fail_msg("step %d (%s): refused, yet the ledger grew", step, what);
    }
    check(e, step, what);
    if (step % 250 == 249 || step == STEPS - 1) {
      json_t *rec = NULL;
      if (lg_quota_reconcile(e->s, &rec, &err) != 0) fail_msg("reconcile: %s", err.msg);
      if (!json_is_true(json_object_get(rec, "ok")))
        fail_msg("step %d: reconcile: %s", step, json_dumps(rec, 0));
      json_decref(rec);
    }
  }
  lg_free(listings.items);
  print_message("%d operations succeeded, %d refused; final cases: ", ok, refused);
  int finals = 0;
  for (int i = 0; i < NCASES; i++)
    finals += cases[i].final;
  print_message("%d of %d\n", finals, NCASES);
  /* The sequence exercised every operation, and refusals as well. */
  for (int op = 0; op < 10; op++)
    assert_true(counts[op] > 50);
  assert_true(ok > STEPS / 3);
  assert_true(refused > 20);
  assert_true(consumed[0] > 0);
  assert_int_equal(quota_findings(e, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_random_sequence, case_env_setup, qenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
