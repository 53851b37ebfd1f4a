/*
 * Supplies and approvals as of a date: their rows, what was recorded of
 * them up to that date (the latest site visit, the acts of the
 * procedure), what the law makes of them (rules.c) and their ledger
 * entries, with the bureau's plan or the configured default. Nothing
 * dated after the day counts: a supply contracted later is not there, a
 * start recorded later has not happened, so last year's ledger is
 * computed again as it stood.
 *
 * Entries. 供而未用 (unused): a supply enters the day after its agreed
 * start if it had not started by then, and is struck off by its start,
 * its completion, an extension (art. 12) that moves the start past the
 * day, or the land leaving its owner (recovery, paid recovery,
 * exchange). 闲置土地 (idle): a supply enters the day it becomes idle
 * (or the day a government cause was verified) and is struck off by the
 * fee paid (while the fee is what is due), the recovery, an art. 12
 * disposal that takes the land back, or a start, completion or new start
 * date that ends the idleness.
 */
#include "stock/stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_text(char *dst, size_t n, lg_stmt_t *st, int i) {
  const char *t = lg_store_col_text(st, i);
  snprintf(dst, n, "%s", t ? t : "");
}

static int cmp_supply_id(const void *key, const void *elem) {
  int64_t k = *(const int64_t *)key, e = ((const stk_supply_t *)elem)->id;
  return k < e ? -1 : k > e;
}

static stk_supply_t *find_supply(stk_supplies_t *v, int64_t id) {
  return bsearch(&id, v->items, v->len, sizeof *v->items, cmp_supply_id);
}

static int32_t min_date(int32_t a, int32_t b) {
  if (a == LG_STOCK_NODATE) return b;
  if (b == LG_STOCK_NODATE) return a;
  return a < b ? a : b;
}

static bool on_or_before(int32_t d, int32_t day) { return d != LG_STOCK_NODATE && d <= day; }

void stk_supply_facts(const json_t *cfg, const stk_supply_t *p, lg_stock_facts_t *f) {
  memset(f, 0, sizeof *f);
  f->agreed_start = p->agreed_start;
  f->started = p->actual_start;
  f->completed = p->actual_completion;
  f->area_m2 = p->declared_m2 > 0 ? p->declared_m2 : p->area_m2;
  f->have_progress = p->have_progress;
  f->developed_m2 = p->developed_m2;
  f->invested = p->invested_wan;
  f->total_investment = p->total_wan;
  f->stopped_since = p->stopped_since;
  f->price_yuan = p->price_yuan;
  f->exception_on = p->exception_on;
  const json_t *cause = stk_cfg_code(cfg, "government_causes", p->exception_cause);
  f->exception_article = json_string_value(json_object_get(cause, "article"));
  f->art12_on = p->art12_on;
  const json_t *m = stk_cfg_code(cfg, "art12_methods", p->art12_method);
  f->art12_article = json_string_value(json_object_get(m, "article"));
  f->art12_closes = json_is_true(json_object_get(m, "closes"));
  f->new_start = p->art12_new_start;
}

static bool idle_like(const char *status) {
  return !strcmp(status, "idle_fee") || !strcmp(status, "idle_recover") ||
         !strcmp(status, "government_delay");
}

static void strike(lg_stock_entry_t *e, const char *act, int32_t on) {
  e->open = false;
  snprintf(e->struck_act, sizeof e->struck_act, "%s", act);
  e->struck_on = on;
}

void stk_supply_entries(const json_t *cfg, const lg_stock_rules_t *rules, stk_supply_t *p,
                        int32_t as_of) {
  lg_stock_facts_t f;
  stk_supply_facts(cfg, p, &f);
  const lg_stock_verdict_t *v = &p->v;
  const json_t *m = stk_cfg_code(cfg, "art12_methods", p->art12_method);
  bool art12 = on_or_before(p->art12_on, as_of);
  bool closes = art12 && json_is_true(json_object_get(m, "closes"));
  bool started = on_or_before(p->actual_start, as_of);
  bool completed = on_or_before(p->actual_completion, as_of);
  bool recovered = on_or_before(p->recovered_on, as_of);

  /* 供而未用 */
  lg_stock_entry_t *u = &p->unused;
  memset(u, 0, sizeof *u);
  u->opened_on = u->struck_on = u->deadline = LG_STOCK_NODATE;
  int32_t opened = p->agreed_start + 1;
  if (opened <= as_of && (p->actual_start == LG_STOCK_NODATE || p->actual_start >= opened)) {
    u->listed = true;
    u->opened_on = opened;
    u->open = true;
    if (started)
      strike(u, "start", p->actual_start);
    else if (completed)
      strike(u, "completion", p->actual_completion);
    else if (recovered)
      strike(u, "recovered", p->recovered_on);
    else if (closes)
      strike(u, p->art12_method, p->art12_on);
    else if (art12 && p->art12_new_start != LG_STOCK_NODATE && p->art12_new_start >= as_of)
      strike(u, p->art12_method, p->art12_on);
  }

  /* 闲置土地 */
  lg_stock_entry_t *e = &p->idle;
  memset(e, 0, sizeof *e);
  e->opened_on = e->struck_on = e->deadline = LG_STOCK_NODATE;
  if (idle_like(v->status)) {
    e->listed = e->open = true;
    e->opened_on = v->idle_from;
    if (!strcmp(v->status, "idle_fee") && on_or_before(p->fee_paid_on, as_of) &&
        p->fee_paid_on >= v->idle_from)
      strike(e, "fee_paid", p->fee_paid_on);
    else if (!strcmp(v->status, "idle_recover") && recovered)
      strike(e, "recovered", p->recovered_on);
    else if (!strcmp(v->status, "government_delay") && closes)
      strike(e, p->art12_method, p->art12_on);
    return;
  }
  /* Not idle now: was it before an act ended it? Judge the day before
   * each such act. */
  struct {
    int32_t day;
    const char *act;
  } ends[] = {{started ? p->actual_start : LG_STOCK_NODATE, "start"},
              {completed ? p->actual_completion : LG_STOCK_NODATE, "completion"},
              {art12 ? p->art12_on : LG_STOCK_NODATE, p->art12_method}};
  for (size_t i = 0; i < LG_ARRAY_LEN(ends); i++) {
    if (ends[i].day == LG_STOCK_NODATE) continue;
    lg_stock_verdict_t before;
    lg_stock_classify(rules, &f, ends[i].day - 1, &before);
    if (idle_like(before.status)) {
      e->listed = true;
      e->opened_on = before.idle_from;
      strike(e, ends[i].act, ends[i].day);
      return;
    }
  }
}

int stk_plans_apply(lg_store_t *s, const json_t *cfg, const char *kind, int64_t object_id,
                    int32_t as_of, lg_stock_entry_t *e, lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "SELECT coalesce(reason, ''), method, unit, deadline, created_at"
                       " FROM lg_stock_plans WHERE kind = ? AND object_id = ? ORDER BY id DESC",
                       &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_int(st, 2, object_id);
  e->planned = false;
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    int32_t made = stk_date_of_iso(lg_store_col_text(st, 4));
    if (made == LG_STOCK_NODATE || made > as_of) continue;
    e->planned = true;
    copy_text(e->reason, sizeof e->reason, st, 0);
    copy_text(e->method, sizeof e->method, st, 1);
    copy_text(e->unit, sizeof e->unit, st, 2);
    e->deadline = stk_col_date(st, 3);
    break;
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取处置计划失败");
  lg_store_done(st);
  if (rc == 0 && !e->planned) {
    char path[64];
    snprintf(path, sizeof path, "ledger_defaults.%s", kind);
    const json_t *d = stk_cfg(cfg, path);
    e->reason[0] = '\0';
    snprintf(e->method, sizeof e->method, "%s", stk_cfg_str(d, "method", ""));
    snprintf(e->unit, sizeof e->unit, "%s", stk_cfg_str(d, "unit", ""));
    int days = (int)stk_cfg_num(d, "deadline_days", 365);
    e->deadline = e->opened_on == LG_STOCK_NODATE ? LG_STOCK_NODATE : e->opened_on + days;
  }
  e->overdue = e->open && e->deadline != LG_STOCK_NODATE && e->deadline < as_of;
  return rc;
}

#define SUPPLY_SELECT                                                                              \
  "SELECT id, supervision_no, project, division, coalesce(location, ''), declared_m2,"             \
  " area_m2, land_use, method, coalesce(term_years, 0), coalesce(price_yuan, 0),"                  \
  " coalesce(holder, ''), contract_on, agreed_delivery_on, agreed_start_on,"                       \
  " agreed_completion_on, actual_delivery_on, actual_start_on, actual_completion_on,"              \
  " coalesce(approval_id, 0), coalesce(case_id, 0) FROM lg_stock_supplies s"                       \
  " WHERE " STK_SCOPE_SQL(                                                                         \
      "s.division") " AND s.contract_on <= ?4 AND (?5 = 0 OR s.id = ?5)"                           \
                    " AND (?6 = '' OR s.supervision_no LIKE '%' || ?6 || '%' OR s.project LIKE "   \
                    "'%' || ?6 || '%'"                                                             \
                    " OR coalesce(s.holder, '') LIKE '%' || ?6 || '%') ORDER BY s.id"

int stk_supplies_load(lg_store_t *s, const lg_stock_query_t *q, int64_t id, stk_supplies_t *out,
                      lg_err_t *err) {
  memset(out, 0, sizeof *out);
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  lg_stock_rules_t rules;
  if ((rc = lg_stock_rules_from(cfg, &rules, err))) return rc;
  int32_t as_of = q->as_of ? q->as_of : stk_today();
  char day[11];
  lg_date_format(as_of, day);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s, SUPPLY_SELECT, &st, err))) return rc;
  stk_bind_scope(st, q);
  lg_store_bind_text(st, 4, day);
  lg_store_bind_int(st, 5, id);
  lg_store_bind_text(st, 6, q->q ? q->q : "");
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    stk_supply_t p;
    memset(&p, 0, sizeof p);
    p.id = lg_store_col_int(st, 0);
    copy_text(p.no, sizeof p.no, st, 1);
    copy_text(p.project, sizeof p.project, st, 2);
    copy_text(p.division, sizeof p.division, st, 3);
    copy_text(p.location, sizeof p.location, st, 4);
    p.declared_m2 = lg_store_col_real(st, 5);
    p.area_m2 = lg_store_col_real(st, 6);
    copy_text(p.land_use, sizeof p.land_use, st, 7);
    copy_text(p.method, sizeof p.method, st, 8);
    p.term_years = lg_store_col_real(st, 9);
    p.price_yuan = lg_store_col_real(st, 10);
    copy_text(p.holder, sizeof p.holder, st, 11);
    p.contract_on = stk_col_date(st, 12);
    p.agreed_delivery = stk_col_date(st, 13);
    p.agreed_start = stk_col_date(st, 14);
    p.agreed_completion = stk_col_date(st, 15);
    /* What happened after the day has not happened yet. */
    int32_t d;
    p.actual_delivery = on_or_before(d = stk_col_date(st, 16), as_of) ? d : LG_STOCK_NODATE;
    p.actual_start = on_or_before(d = stk_col_date(st, 17), as_of) ? d : LG_STOCK_NODATE;
    p.actual_completion = on_or_before(d = stk_col_date(st, 18), as_of) ? d : LG_STOCK_NODATE;
    p.approval_id = lg_store_col_int(st, 19);
    p.case_id = lg_store_col_int(st, 20);
    p.visit_on = p.stopped_since = LG_STOCK_NODATE;
    p.investigate_on = p.answer_on = p.determine_on = p.publish_on = p.hearing_notice_on =
        p.hearing_request_on = p.hearing_on = p.fee_decision_on = p.fee_paid_on =
            p.recovery_decision_on = p.recovered_on = p.exception_on = p.art12_on =
                p.art12_new_start = LG_STOCK_NODATE;
    lg_vec_push(out, p);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取供地记录失败");
  lg_store_done(st);
  if (rc || out->len == 0) return rc;

  /* The latest visit up to the day; the first start and completion seen. */
  rc = lg_store_prepare(s,
                        "SELECT supply_id, visited_on, developed_m2, invested_wan,"
                        " total_investment_wan, stopped_since, coalesce(cause, ''), started_on,"
                        " completed_on FROM lg_stock_visits WHERE visited_on <= ?"
                        " AND (? = 0 OR supply_id = ?) ORDER BY supply_id, visited_on, id",
                        &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, day);
  lg_store_bind_int(st, 2, id);
  lg_store_bind_int(st, 3, id);
  while ((step = lg_store_step(st)) == LG_ROW) {
    stk_supply_t *p = find_supply(out, lg_store_col_int(st, 0));
    if (!p) continue;
    p->visit_on = stk_col_date(st, 1);
    p->have_progress = !lg_store_col_null(st, 2) && !lg_store_col_null(st, 3);
    p->developed_m2 = lg_store_col_real(st, 2);
    p->invested_wan = lg_store_col_real(st, 3);
    p->total_wan = lg_store_col_real(st, 4);
    int32_t stop = stk_col_date(st, 5);
    p->stopped_since = on_or_before(stop, as_of) ? stop : LG_STOCK_NODATE;
    copy_text(p->cause, sizeof p->cause, st, 6);
    int32_t s1 = stk_col_date(st, 7), c1 = stk_col_date(st, 8);
    if (on_or_before(s1, as_of)) p->actual_start = min_date(p->actual_start, s1);
    if (on_or_before(c1, as_of)) p->actual_completion = min_date(p->actual_completion, c1);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取核查记录失败");
  lg_store_done(st);
  if (rc) return rc;

  /* The acts up to the day. */
  rc = lg_store_prepare(s,
                        "SELECT object_id, act, acted_on, coalesce(cause, ''),"
                        " coalesce(method, ''), new_date, amount_yuan FROM lg_stock_acts"
                        " WHERE object_type = 'supply' AND acted_on <= ?"
                        " AND (? = 0 OR object_id = ?) ORDER BY object_id, acted_on, id",
                        &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, day);
  lg_store_bind_int(st, 2, id);
  lg_store_bind_int(st, 3, id);
  while ((step = lg_store_step(st)) == LG_ROW) {
    stk_supply_t *p = find_supply(out, lg_store_col_int(st, 0));
    if (!p) continue;
    const char *act = lg_store_col_text(st, 1);
    int32_t on = stk_col_date(st, 2);
    struct {
      const char *name;
      int32_t *at;
    } firsts[] = {
        {"investigate", &p->investigate_on},
        {"answer", &p->answer_on},
        {"determine", &p->determine_on},
        {"publish", &p->publish_on},
        {"hearing_notice", &p->hearing_notice_on},
        {"hearing_request", &p->hearing_request_on},
        {"hearing", &p->hearing_on},
        {"fee_decision", &p->fee_decision_on},
        {"fee_paid", &p->fee_paid_on},
        {"recovery_decision", &p->recovery_decision_on},
        {"recovered", &p->recovered_on},
        {"exception", &p->exception_on},
    };
    for (size_t i = 0; i < LG_ARRAY_LEN(firsts); i++)
      if (!strcmp(act, firsts[i].name) && *firsts[i].at == LG_STOCK_NODATE) *firsts[i].at = on;
    if (!strcmp(act, "exception") && !p->exception_cause[0])
      copy_text(p->exception_cause, sizeof p->exception_cause, st, 3);
    if (!strcmp(act, "fee_decision")) p->fee_decided_yuan = lg_store_col_real(st, 6);
    if (!strcmp(act, "fee_paid")) p->fee_paid_yuan += lg_store_col_real(st, 6);
    if (!strcmp(act, "art12")) {
      /* The latest disposal decided is the one in force. */
      p->art12_on = on;
      copy_text(p->art12_method, sizeof p->art12_method, st, 4);
      p->art12_new_start = stk_col_date(st, 5);
    }
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取处置记录失败");
  lg_store_done(st);
  if (rc) return rc;

  for (size_t i = 0; i < out->len; i++) {
    stk_supply_t *p = &out->items[i];
    lg_stock_facts_t f;
    stk_supply_facts(cfg, p, &f);
    lg_stock_classify(&rules, &f, as_of, &p->v);
    stk_supply_entries(cfg, &rules, p, as_of);
  }
  return 0;
}
