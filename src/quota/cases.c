/*
 * Approvals consume: the case watcher (lg_cases_watch "quota"), called
 * inside the transaction that changes a case's status.
 *
 *   filed (NULL -> submitted)          the case is recorded; its needs are
 *                                      not known yet (the check runs when
 *                                      the window accepts it)
 *   submitted, in_review, notice       needs from the compliance check,
 *                                      reserved on the account as far as it
 *                                      covers them (and the levels above,
 *                                      where the configuration allows);
 *                                      the rest is recorded as short
 *   approved, handed_over              the reserve topped up, then
 *                                      consumed; a shortfall fails the
 *                                      action with the account and amount
 *   returned, prohibited, rejected,    every hold released to the account
 *   vetoed, cancelled, closed          it came from
 *
 * The account is the case's leading county's, or the one an enclave
 * park's agreement names when most of the boundary lies in the park. A
 * kind that no account holds in this store is not enforced (quota.h).
 */
#include "cases/cases.h"
#include "quota/quota_int.h"
#include "review/review.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg_quota_init(void) { lg_cases_watch("quota", q_case_watch, NULL); }

static const char *const releasing[] = {"returned", "prohibited", "rejected",
                                        "vetoed",   "cancelled",  "closed"};

static bool in_list(const char *const *l, size_t n, const char *v) {
  for (size_t i = 0; i < n; i++)
    if (v && !strcmp(l[i], v)) return true;
  return false;
}

static const struct {
  const char *status, *title;
} status_titles[] = {
    {"pending", "待合规审查"}, {"untracked", "未启用指标核算"}, {"reserved", "已预留"},
    {"short", "指标不足"},     {"consumed", "已核销"},          {"released", "已释放"},
};

static const char *status_title(const char *s) {
  for (size_t i = 0; i < LG_ARRAY_LEN(status_titles); i++)
    if (s && !strcmp(s, status_titles[i].status)) return status_titles[i].title;
  return s ? s : "";
}

/* ---- The case's row and needs ----------------------------------------------------- */

typedef struct need {
  char kind[32];
  int64_t needed;
} need_t;
typedef LG_VEC(need_t) needs_t;

typedef struct qcase {
  int64_t id;
  char code[40];
  char case_division[16];
  char division[16]; /* whose account */
  int64_t enclave_id;
  int64_t check_id; /* whose needs are recorded; 0: none yet */
  char status[16];
  bool exists;
} qcase_t;

static int case_row(lg_store_t *s, int64_t id, qcase_t *c, lg_err_t *err) {
  memset(c, 0, sizeof *c);
  c->id = id;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT code, case_division, division, coalesce(enclave_id, 0),"
                            " coalesce(check_id, 0), status FROM lg_quota_cases WHERE case_id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    c->exists = true;
    snprintf(c->code, sizeof c->code, "%s", lg_store_col_text(st, 0));
    snprintf(c->case_division, sizeof c->case_division, "%s", lg_store_col_text(st, 1));
    snprintf(c->division, sizeof c->division, "%s", lg_store_col_text(st, 2));
    c->enclave_id = lg_store_col_int(st, 3);
    c->check_id = lg_store_col_int(st, 4);
    snprintf(c->status, sizeof c->status, "%s", lg_store_col_text(st, 5));
  }
  lg_store_done(st);
  return 0;
}

static int needs_get(lg_store_t *s, int64_t id, needs_t *out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "SELECT kind, needed FROM lg_quota_case_needs WHERE case_id = ? ORDER BY kind", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  while (lg_store_step(st) == LG_ROW) {
    need_t n;
    snprintf(n.kind, sizeof n.kind, "%s", lg_store_col_text(st, 0));
    n.needed = lg_store_col_int(st, 1);
    lg_vec_push(out, n);
  }
  lg_store_done(st);
  return 0;
}

/* The needs a check's report gives, by the configuration's kinds:
 * report.quotas[check_quota] rounded to whole units, or an estimate from
 * another figure when the configuration gives a factor. */
static void needs_of_report(const json_t *cfg, const json_t *report, needs_t *out) {
  const json_t *q = json_object_get(report, "quotas");
  size_t i;
  const json_t *k;
  json_array_foreach(json_object_get(cfg, "kinds"), i, k) {
    const char *field = json_string_value(json_object_get(k, "check_quota"));
    if (!field) continue;
    const json_t *v = json_object_get(q, field);
    double x = NAN;
    if (json_is_number(v)) {
      x = json_number_value(v);
    } else {
      const json_t *est = json_object_get(k, "estimate");
      const json_t *f = json_object_get(est, "kg_per_m2");
      const json_t *from = json_object_get(q, json_string_value(json_object_get(est, "from")));
      if (json_is_number(f) && json_is_number(from))
        x = json_number_value(from) * json_number_value(f);
    }
    if (!isfinite(x) || x < 0.5) continue;
    need_t n;
    snprintf(n.kind, sizeof n.kind, "%s", json_string_value(json_object_get(k, "code")));
    n.needed = (int64_t)llround(x);
    lg_vec_push(out, n);
  }
}

static int needs_replace(lg_store_t *s, int64_t id, const needs_t *n, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "DELETE FROM lg_quota_case_needs WHERE case_id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if ((rc = lg_store_run_done(st, "更新案件指标需求失败", err))) return rc;
  for (size_t i = 0; rc == 0 && i < n->len; i++) {
    if ((rc = lg_store_prepare(s,
                               "INSERT INTO lg_quota_case_needs(case_id, kind, needed, tracked)"
                               " VALUES (?, ?, ?, 0)",
                               &st, err)))
      break;
    lg_store_bind_int(st, 1, id);
    lg_store_bind_text(st, 2, n->items[i].kind);
    lg_store_bind_int(st, 3, n->items[i].needed);
    rc = lg_store_run_done(st, "保存案件指标需求失败", err);
  }
  return rc;
}

static int set_tracked(lg_store_t *s, int64_t id, const char *kind, bool tracked, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "UPDATE lg_quota_case_needs SET tracked = ? WHERE case_id = ? AND kind = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, tracked ? 1 : 0);
  lg_store_bind_int(st, 2, id);
  lg_store_bind_text(st, 3, kind);
  return lg_store_run_done(st, "更新案件指标需求失败", err);
}

/* ---- Holds of one kind: reserve up to the need, consume, release ------------------- */

static int64_t held_sum(const q_holds_t *h) {
  int64_t t = 0;
  for (size_t i = 0; i < h->len; i++)
    t += h->items[i].amount;
  return t;
}

static int release_hold(lg_store_t *s, const q_actor_t *by, const char *cid, const char *code,
                        const char *kind, const q_hold_t *h, int64_t amount, int year,
                        lg_err_t *err) {
  q_move_t m = {.kind = kind,
                .amount = amount,
                .type = "release",
                .debit_division = h->holder,
                .debit_bucket = QB_RESERVED,
                .credit_division = h->source,
                .credit_bucket = QB_AVAILABLE,
                .cause_type = "case",
                .cause_id = cid,
                .year = year,
                .document = code};
  int rc = q_post(s, by, &m, NULL, err);
  if (rc == 0) rc = q_hold_add(s, "case", cid, kind, h->source, h->holder, -amount, err);
  return rc;
}

/* Reserves up to need (or gives back what is held beyond it); *short_by
 * receives what could not be reserved. */
static int reserve_kind(lg_store_t *s, const q_actor_t *by, const json_t *cfg, const qcase_t *c,
                        const char *kind, int64_t need, int year, int64_t *short_by,
                        lg_err_t *err) {
  char cid[24];
  snprintf(cid, sizeof cid, "%lld", (long long)c->id);
  q_holds_t holds = {0};
  int rc = q_holds_get(s, "case", cid, kind, &holds, err);
  int64_t held = held_sum(&holds);
  *short_by = 0;
  /* Held beyond the need (a smaller check): give back, what was drawn
   * from above first (q_holds_get orders sources longest first). */
  for (size_t i = 0; rc == 0 && held > need && i < holds.len; i++) {
    int64_t give = LG_MIN(holds.items[i].amount, held - need);
    rc = release_hold(s, by, cid, c->code, kind, &holds.items[i], give, year, err);
    held -= give;
  }
  lg_free(holds.items);
  if (rc || held >= need) return rc;
  int64_t gap = need - held;
  /* The account itself, then the levels above it the rules allow. */
  char sources[3][16];
  int nsrc = 0;
  snprintf(sources[nsrc++], 16, "%s", c->division);
  const json_t *draw = json_object_get(q_cfg(cfg, "consumption.draw_on"), kind);
  size_t len = strlen(c->division);
  size_t j;
  const json_t *lv;
  json_array_foreach(draw, j, lv) {
    size_t plen = !strcmp(json_string_value(lv), "city") ? 4 : 2;
    if (plen < len && nsrc < 3) snprintf(sources[nsrc++], 16, "%.*s", (int)plen, c->division);
  }
  for (int k = 0; rc == 0 && gap > 0 && k < nsrc; k++) {
    q_account_t a;
    if ((rc = q_account_get(s, sources[k], kind, &a, err))) break;
    int64_t take = LG_MIN(gap, a.b[QB_AVAILABLE]);
    if (take <= 0) continue;
    q_move_t m = {.kind = kind,
                  .amount = take,
                  .type = k == 0 ? "reserve" : "draw",
                  .debit_division = sources[k],
                  .debit_bucket = QB_AVAILABLE,
                  .credit_division = c->division,
                  .credit_bucket = QB_RESERVED,
                  .cause_type = "case",
                  .cause_id = cid,
                  .year = year,
                  .document = c->code};
    rc = q_post(s, by, &m, NULL, err);
    if (rc == 0) rc = q_hold_add(s, "case", cid, kind, sources[k], c->division, take, err);
    gap -= take;
  }
  *short_by = gap;
  return rc;
}

static int consume_kind(lg_store_t *s, const q_actor_t *by, const qcase_t *c, const char *kind,
                        int year, lg_err_t *err) {
  char cid[24];
  snprintf(cid, sizeof cid, "%lld", (long long)c->id);
  q_holds_t holds = {0};
  int rc = q_holds_get(s, "case", cid, kind, &holds, err);
  for (size_t i = 0; rc == 0 && i < holds.len; i++) {
    const q_hold_t *h = &holds.items[i];
    q_move_t m = {.kind = kind,
                  .amount = h->amount,
                  .type = "consume",
                  .debit_division = h->holder,
                  .debit_bucket = QB_RESERVED,
                  .credit_division = h->holder,
                  .credit_bucket = QB_CONSUMED,
                  .cause_type = "case",
                  .cause_id = cid,
                  .year = year,
                  .document = c->code};
    rc = q_post(s, by, &m, NULL, err);
    if (rc == 0) rc = q_hold_add(s, "case", cid, kind, h->source, h->holder, -h->amount, err);
  }
  lg_free(holds.items);
  return rc;
}

static int release_kind(lg_store_t *s, const q_actor_t *by, const qcase_t *c, const char *kind,
                        int year, lg_err_t *err) {
  char cid[24];
  snprintf(cid, sizeof cid, "%lld", (long long)c->id);
  q_holds_t holds = {0};
  int rc = q_holds_get(s, "case", cid, kind, &holds, err);
  for (size_t i = 0; rc == 0 && i < holds.len; i++)
    rc = release_hold(s, by, cid, c->code, kind, &holds.items[i], holds.items[i].amount, year, err);
  lg_free(holds.items);
  return rc;
}

/* ---- The case's state on the ledger ------------------------------------------------ */

int q_case_state(lg_store_t *s, int64_t case_id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT code, case_division, division, enclave_id, check_id, status,"
                            " message, investment_fen, year, filed_at FROM lg_quota_cases"
                            " WHERE case_id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, case_id);
  json_t *o = NULL;
  if (lg_store_step(st) == LG_ROW)
    o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "case_id", (json_int_t)case_id,
                  "code", lg_store_col_text(st, 0), "case_division", lg_store_col_text(st, 1),
                  "division", lg_store_col_text(st, 2), "enclave_id", q_col_int_or_null(st, 3),
                  "check_id", q_col_int_or_null(st, 4), "status", lg_store_col_text(st, 5),
                  "message", q_col_text(st, 6), "needs", json_object());
  if (o) {
    json_object_set_new(o, "investment_fen", json_integer(lg_store_col_int(st, 7)));
    json_object_set_new(o, "year", json_integer(lg_store_col_int(st, 8)));
    json_object_set_new(o, "filed_at", json_string(lg_store_col_text(st, 9)));
  }
  lg_store_done(st);
  if (!o) return 0;
  needs_t n = {0};
  if ((rc = needs_get(s, case_id, &n, err)) == 0)
    for (size_t i = 0; i < n.len; i++)
      json_object_set_new(json_object_get(o, "needs"), n.items[i].kind,
                          json_integer(n.items[i].needed));
  lg_free(n.items);
  if (rc)
    json_decref(o);
  else
    *out = o;
  return rc;
}

/* The new status and message, on the ledger when they changed (always
 * for a case the bank has just recorded). */
static int set_status(lg_store_t *s, const q_actor_t *by, int64_t id, const char *status,
                      const char *message, bool fresh, lg_err_t *err) {
  json_t *before = NULL, *after = NULL;
  int rc = q_case_state(s, id, &before, err);
  lg_stmt_t *st;
  char now[32];
  q_now_iso(now);
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "UPDATE lg_quota_cases SET status = ?, message = ?, updated_at = ?"
                             " WHERE case_id = ?",
                             &st, err)) == 0) {
    lg_store_bind_text(st, 1, status);
    lg_store_bind_text(st, 2, message && *message ? message : NULL);
    lg_store_bind_text(st, 3, now);
    lg_store_bind_int(st, 4, id);
    rc = lg_store_run_done(st, "更新案件指标状态失败", err);
  }
  if (rc == 0) rc = q_case_state(s, id, &after, err);
  if (rc == 0 && (fresh || !json_equal(before, after))) {
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    rc = q_record(s, by, "quota.case", "quota.case", oid,
                  json_string_value(json_object_get(after, "division")), json_incref(after), err);
  }
  json_decref(before);
  json_decref(after);
  return rc;
}

/* ---- The watcher --------------------------------------------------------------------- */

/* Records a case the bank has not seen: its number, counties, account
 * (an enclave park's, when it lies in one), investment and year. */
static int case_insert(lg_store_t *s, const json_t *cj, qcase_t *c, lg_err_t *err) {
  snprintf(c->code, sizeof c->code, "%s", json_string_value(json_object_get(cj, "code")));
  snprintf(c->case_division, sizeof c->case_division, "%s",
           json_string_value(json_object_get(cj, "division")));
  snprintf(c->division, sizeof c->division, "%s", c->case_division);
  int rc = q_enclave_of_case(s, cj, &c->enclave_id, c->division, err);
  if (rc) return rc;
  if (!c->division[0]) snprintf(c->division, sizeof c->division, "%s", c->case_division);
  int64_t filed = lg_now();
  const char *created = json_string_value(json_object_get(cj, "created_at"));
  if (created) lg_time_parse_iso(created, &filed, NULL);
  double inv = json_number_value(json_object_get(cj, "investment"));
  char now[32];
  q_now_iso(now);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_cases(case_id, code, case_division, division,"
                             " enclave_id, check_id, status, investment_fen, year, filed_at,"
                             " updated_at) VALUES (?, ?, ?, ?, ?, NULL, 'pending', ?, ?, ?, ?)",
                             &st, err)))
    return rc;
  char filed_iso[32];
  lg_time_iso(filed, filed_iso);
  lg_store_bind_int(st, 1, c->id);
  lg_store_bind_text(st, 2, c->code);
  lg_store_bind_text(st, 3, c->case_division);
  lg_store_bind_text(st, 4, c->division);
  if (c->enclave_id)
    lg_store_bind_int(st, 5, c->enclave_id);
  else
    lg_store_bind_null(st, 5);
  lg_store_bind_int(st, 6, isfinite(inv) && inv > 0 ? (int64_t)llround(inv * 100.0) : 0);
  lg_store_bind_int(st, 7, q_year_of(filed));
  lg_store_bind_text(st, 8, filed_iso);
  lg_store_bind_text(st, 9, now);
  rc = lg_store_run_done(st, "记录报批案件的指标信息失败", err);
  c->exists = rc == 0;
  snprintf(c->status, sizeof c->status, "pending");
  return rc;
}

static int set_check(lg_store_t *s, int64_t id, int64_t check_id, lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s, "UPDATE lg_quota_cases SET check_id = ? WHERE case_id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, check_id);
  lg_store_bind_int(st, 2, id);
  return lg_store_run_done(st, "更新案件指标信息失败", err);
}

int q_case_watch(lg_store_t *s, int64_t case_id, const char *from, const char *to, int64_t now,
                 const char *actor, void *ud, lg_err_t *err) {
  (void)from;
  (void)ud;
  json_t *cj = NULL, *cfg = NULL, *report = NULL;
  needs_t needs = {0};
  lg_buf_t msg;
  lg_buf_init(&msg);
  q_actor_t by;
  q_actor_of(NULL, actor, &by);
  qcase_t c;
  int year = q_year_of(now ? now : lg_now());
  /* A store that has not started its quota bank (no account of any kind)
   * approves as before, and the bank records nothing. */
  bool started = false;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT 1 FROM lg_quota_accounts LIMIT 1", &st, err);
  if (rc) goto done;
  started = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  if (!started) goto done;
  if ((rc = case_row(s, case_id, &c, err))) goto done;
  bool release = in_list(releasing, LG_ARRAY_LEN(releasing), to);
  bool consume = to && (!strcmp(to, "approved") || !strcmp(to, "handed_over"));
  /* Nothing to do for a case already settled one way or the other. */
  if (c.exists && (!strcmp(c.status, "consumed") || !strcmp(c.status, "released"))) goto done;
  if ((rc = lg_cases_get(s, case_id, &cj, err))) goto done;
  if ((rc = lg_quota_config(s, &cfg, err))) goto done;
  bool fresh = !c.exists;
  if (fresh && (rc = case_insert(s, cj, &c, err))) goto done;

  /* The needs, once the check has run (again if it was another check). */
  const json_t *chk = json_object_get(cj, "check_id");
  int64_t check_id = json_is_integer(chk) ? (int64_t)json_integer_value(chk) : 0;
  if (check_id > 0 && check_id != c.check_id) {
    if ((rc = lg_review_check_get(s, check_id, &report, err))) goto done;
    needs_of_report(cfg, report, &needs);
    if ((rc = needs_replace(s, case_id, &needs, err)) ||
        (rc = set_check(s, case_id, check_id, err)))
      goto done;
    c.check_id = check_id;
    lg_free(needs.items);
    memset(&needs, 0, sizeof needs);
  }
  if ((rc = needs_get(s, case_id, &needs, err))) goto done;

  const char *status = NULL;
  if (release) {
    for (size_t i = 0; rc == 0 && i < needs.len; i++)
      rc = release_kind(s, &by, &c, needs.items[i].kind, year, err);
    status = "released";
    lg_buf_printf(&msg, "案件%s (%s), 预留的指标已释放", lg_cases_status_title(to), to);
  } else if (c.check_id == 0) {
    status = "pending";
  } else {
    bool any_tracked = false, any_short = false;
    for (size_t i = 0; rc == 0 && i < needs.len; i++) {
      const need_t *n = &needs.items[i];
      bool used = false;
      if ((rc = q_kind_in_use(s, n->kind, &used, err)) ||
          (rc = set_tracked(s, case_id, n->kind, used, err)))
        break;
      if (!used) continue;
      any_tracked = true;
      int64_t short_by = 0;
      if ((rc = reserve_kind(s, &by, cfg, &c, n->kind, n->needed, year, &short_by, err))) break;
      if (short_by <= 0) continue;
      any_short = true;
      lg_quota_kind_t k;
      if ((rc = lg_quota_kind_get(s, n->kind, &k, err))) break;
      char lab[48], lack[64], need[64], got[64];
      q_division_label(c.division, lab);
      q_fmt_amount(short_by, k.unit, lack);
      q_fmt_amount(n->needed, k.unit, need);
      q_fmt_amount(n->needed - short_by, k.unit, got);
      lg_buf_printf(&msg, "%s%s %s不足, 缺 %s: 案件 %s 需要 %s, 已预留 %s", msg.len ? "; " : "",
                    lab, k.title, lack, c.code, need, got);
    }
    if (rc) goto done;
    if (consume && any_short) {
      rc = lg_err_set(err, LG_ECONFLICT, "%s; 请上级下达或调剂指标后再批准", msg.data);
      lg_err_where(err, "指标银行 (quota)");
      goto done;
    }
    if (consume) {
      for (size_t i = 0; rc == 0 && i < needs.len; i++)
        rc = consume_kind(s, &by, &c, needs.items[i].kind, year, err);
      status = "consumed";
      lg_buf_reset(&msg);
    } else {
      status = !any_tracked ? "untracked" : any_short ? "short" : "reserved";
    }
  }
  if (rc == 0 && status) rc = set_status(s, &by, case_id, status, msg.data, fresh, err);
done:
  lg_buf_fini(&msg);
  lg_free(needs.items);
  json_decref(report);
  json_decref(cfg);
  json_decref(cj);
  return rc;
}

/* ---- Reading ------------------------------------------------------------------------- */

int lg_quota_case(lg_store_t *s, int64_t case_id, json_t **out, lg_err_t *err) {
  json_t *o = NULL;
  int rc = q_case_state(s, case_id, &o, err);
  if (rc) return rc;
  if (!o) return lg_err_set(err, LG_ENOTFOUND, "指标银行没有案件 %lld 的记录", (long long)case_id);
  json_object_set_new(o, "status_title",
                      json_string(status_title(json_string_value(json_object_get(o, "status")))));
  json_t *lines = json_array();
  char cid[24];
  snprintf(cid, sizeof cid, "%lld", (long long)case_id);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(
           s,
           "SELECT n.kind, n.needed, n.tracked,"
           " (SELECT coalesce(sum(h.amount), 0) FROM lg_quota_holds h WHERE h.cause_type = 'case'"
           "  AND h.cause_id = ?2 AND h.kind = n.kind),"
           " (SELECT coalesce(sum(m.amount), 0) FROM lg_quota_movements m WHERE m.cause_type ="
           "  'case' AND m.cause_id = ?2 AND m.kind = n.kind AND m.type = 'consume')"
           " FROM lg_quota_case_needs n WHERE n.case_id = ?1 ORDER BY n.kind",
           &st, err)) == 0) {
    lg_store_bind_int(st, 1, case_id);
    lg_store_bind_text(st, 2, cid);
    while (lg_store_step(st) == LG_ROW) {
      const char *kind = lg_store_col_text(st, 0);
      lg_quota_kind_t k = {0};
      lg_quota_kind_get(s, kind, &k, NULL);
      int64_t needed = lg_store_col_int(st, 1), held = lg_store_col_int(st, 3),
              consumed = lg_store_col_int(st, 4);
      bool tracked = lg_store_col_int(st, 2) != 0;
      int64_t lack = tracked ? needed - held - consumed : 0;
      json_array_append_new(
          lines, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b}", "kind", kind, "title",
                           k.title, "unit", k.unit, "needed", (json_int_t)needed, "reserved",
                           (json_int_t)held, "consumed", (json_int_t)consumed, "short",
                           (json_int_t)(lack > 0 ? lack : 0), "tracked", tracked));
    }
    lg_store_done(st);
  }
  json_object_set_new(o, "lines", lines);
  if (rc)
    json_decref(o);
  else
    *out = o;
  return rc;
}

int q_audit_cases(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT case_id FROM lg_quota_cases ORDER BY case_id", &st, err);
  if (rc) return rc;
  LG_VEC(int64_t) ids = {0};
  while (lg_store_step(st) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  lg_store_done(st);
  for (size_t i = 0; rc == 0 && i < ids.len; i++) {
    json_t *state = NULL;
    unsigned char d[32];
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)ids.items[i]);
    if ((rc = q_case_state(s, ids.items[i], &state, err)) == 0)
      rc = lg_ledger_digest_json(state ? state : json_null(), d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(ids.items);
  return rc;
}
