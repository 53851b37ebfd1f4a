/*
 * The three ledgers, the idle-land JSON other tools rely on, and the
 * dashboard's figures, computed as of a date from the records (eval.c,
 * unsupplied.c). Areas are given in hectares (4 decimals), as bureaus'
 * ledgers give them; money in yuan (fen).
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *act, *title;
} struck_titles[] = {
    {"supply", "已供应"},         {"start", "已动工"},           {"completion", "已竣工"},
    {"fee_paid", "已缴清闲置费"}, {"recovered", "已收回使用权"}, {"revoke", "已撤销批文"},
};

static const char *struck_title(const json_t *cfg, const char *act) {
  for (size_t i = 0; i < LG_ARRAY_LEN(struck_titles); i++)
    if (!strcmp(struck_titles[i].act, act)) return struck_titles[i].title;
  const char *t = stk_title(cfg, "art12_methods", act);
  return *t ? t : act;
}

static void entry_members(const json_t *cfg, json_t *o, const lg_stock_entry_t *e) {
  json_object_set_new(o, "open", json_boolean(e->open));
  json_object_set_new(o, "opened_on", stk_date_json(e->opened_on));
  json_object_set_new(o, "struck_act", e->open ? json_null() : json_string(e->struck_act));
  json_object_set_new(o, "struck_act_title",
                      e->open ? json_null() : json_string(struck_title(cfg, e->struck_act)));
  json_object_set_new(o, "struck_on", e->open ? json_null() : stk_date_json(e->struck_on));
  json_object_set_new(o, "reason", json_string(e->reason));
  json_object_set_new(o, "method", json_string(e->method));
  json_object_set_new(o, "unit", json_string(e->unit));
  json_object_set_new(o, "deadline", stk_date_json(e->deadline));
  json_object_set_new(o, "planned", json_boolean(e->planned));
  json_object_set_new(o, "deadline_passed", json_boolean(e->overdue));
}

static bool state_ok(const lg_stock_query_t *q, const lg_stock_entry_t *e) {
  if (!q->status || !*q->status) return true;
  if (!strcmp(q->status, "open")) return e->open;
  if (!strcmp(q->status, "struck")) return !e->open;
  return true;
}

static double ha(double m2) { return stk_round(m2 / 10000.0, 4); }

static json_t *articles_json(const lg_stock_verdict_t *v) {
  json_t *a = json_array();
  for (int i = 0; i < v->narticles; i++)
    json_array_append_new(a, json_string(v->articles[i]));
  return a;
}

/* The procedure's latest step, in words. */
static const char *stage_of(const stk_supply_t *p) {
  const int32_t NO = LG_STOCK_NODATE;
  if (p->recovered_on != NO) return "已收回";
  if (p->recovery_decision_on != NO) return "已下达收回决定书";
  if (p->fee_paid_on != NO) return "已缴清闲置费";
  if (p->fee_decision_on != NO) return "已下达征缴闲置费决定书";
  if (p->hearing_on != NO) return "已举行听证";
  if (p->hearing_request_on != NO) return "已申请听证";
  if (p->hearing_notice_on != NO) return "已告知听证权利";
  if (p->art12_on != NO) return "已依第十二条处置";
  if (p->exception_on != NO) return "已认定政府原因";
  if (p->publish_on != NO) return "已公开";
  if (p->determine_on != NO) return "已下达认定书";
  if (p->answer_on != NO) return "已收到答复";
  if (p->investigate_on != NO) return "已发出调查通知书";
  return "未启动";
}

static json_t *supply_common(const json_t *cfg, const stk_supply_t *p, int32_t as_of) {
  json_t *o = json_object();
  json_object_set_new(o, "supply_id", json_integer(p->id));
  json_object_set_new(o, "supervision_no", json_string(p->no));
  json_object_set_new(o, "project", json_string(p->project));
  json_object_set_new(o, "holder", json_string(p->holder));
  json_object_set_new(o, "division", json_string(p->division));
  json_object_set_new(o, "location", json_string(p->location));
  json_object_set_new(o, "area_ha",
                      json_real(ha(p->declared_m2 > 0 ? p->declared_m2 : p->area_m2)));
  json_object_set_new(o, "land_use", json_string(p->land_use));
  json_object_set_new(o, "supply_method", json_string(p->method));
  json_object_set_new(o, "price_wan", json_real(stk_round(p->price_yuan / 10000.0, 4)));
  json_object_set_new(o, "contract_on", stk_date_json(p->contract_on));
  json_object_set_new(o, "agreed_start_on", stk_date_json(p->agreed_start));
  json_object_set_new(o, "effective_start_on", stk_date_json(p->v.effective_start));
  json_object_set_new(o, "actual_start_on", stk_date_json(p->actual_start));
  json_object_set_new(o, "status", json_string(p->v.status));
  json_object_set_new(o, "status_title", json_string(stk_title(cfg, "statuses", p->v.status)));
  json_object_set_new(o, "overdue_days",
                      json_integer(p->v.overdue ? as_of - p->v.effective_start : 0));
  return o;
}

static int ledger_unsupplied(lg_store_t *s, const json_t *cfg, const lg_stock_query_t *q,
                             int32_t as_of, json_t *out, lg_err_t *err) {
  stk_approvals_t v;
  lg_stock_unsupplied_stats_t st = {0};
  int rc = stk_approvals_load(s, q, 0, &v, &st, err);
  if (rc) return rc;
  int age = (int)stk_cfg_num(cfg, "zengcun.age_years", 5);
  double rate = stk_cfg_num(cfg, "zengcun.reduction_rate", 1.0);
  json_t *rows = json_array();
  double t_app = 0, t_unsup = 0, t_old = 0;
  int64_t n_open = 0;
  for (size_t i = 0; rc == 0 && i < v.len; i++) {
    stk_approval_t *a = &v.items[i];
    if (!state_ok(q, &a->entry)) continue;
    if ((rc = stk_plans_apply(s, cfg, "unsupplied", a->id, as_of, &a->entry, err))) break;
    bool old = a->entry.open && a->age_years >= age;
    json_t *o = json_object();
    json_object_set_new(o, "approval_id", json_integer(a->id));
    json_object_set_new(o, "approval_no", json_string(a->no));
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "kind", json_string(a->kind));
    json_object_set_new(o, "kind_title",
                        json_string(!strcmp(a->kind, "single") ? "单独选址" : "批次"));
    json_object_set_new(o, "division", json_string(a->division));
    json_object_set_new(o, "source", json_string(a->source));
    json_object_set_new(o, "approved_on", stk_date_json(a->approved_on));
    json_object_set_new(o, "approved_ha", json_real(ha(a->area_m2)));
    json_object_set_new(o, "supplied_ha", json_real(ha(a->area_m2 - a->unsupplied_m2)));
    json_object_set_new(o, "unsupplied_ha", json_real(ha(a->unsupplied_m2)));
    json_object_set_new(o, "supplies", json_integer(a->nsupplies));
    json_object_set_new(o, "age_years", json_integer(a->age_years));
    json_object_set_new(o, "zengcun", json_boolean(old));
    entry_members(cfg, o, &a->entry);
    json_array_append_new(rows, o);
    t_app += a->area_m2;
    if (a->entry.open) {
      n_open++;
      t_unsup += a->unsupplied_m2;
      if (old) t_old += a->unsupplied_m2;
    }
  }
  lg_free(v.items);
  if (rc) {
    json_decref(rows);
    return rc;
  }
  json_object_set_new(out, "rows", rows);
  json_object_set_new(
      out, "totals",
      json_pack(
          "{s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:i}", "count", (json_int_t)json_array_size(rows),
          "open", (json_int_t)n_open, "approved_ha", ha(t_app), "unsupplied_ha", ha(t_unsup),
          "zengcun_ha", ha(t_old), "quota_reduction_ha", ha(t_old * rate), "digestion_rate",
          t_app > 0 ? stk_round((t_app - t_unsup) / t_app, 4) : 0.0, "zengcun_age_years", age));
  json_object_set_new(out, "computation",
                      json_pack("{s:I, s:I, s:I, s:I, s:f}", "approvals", (json_int_t)st.approvals,
                                "candidates", (json_int_t)st.candidates, "fast",
                                (json_int_t)st.fast, "geos", (json_int_t)st.geos, "elapsed_ms",
                                st.seconds * 1000.0));
  return 0;
}

static int ledger_supplies(lg_store_t *s, const json_t *cfg, const char *kind,
                           const lg_stock_query_t *q, int32_t as_of, json_t *out, lg_err_t *err) {
  stk_supplies_t v;
  lg_stock_query_t q2 = *q;
  bool idle = !strcmp(kind, "idle");
  /* For the idle ledger, a status filter names a status, not open/struck. */
  const char *status = idle && q->status && strcmp(q->status, "open") && strcmp(q->status, "struck")
                           ? q->status
                           : NULL;
  if (status) q2.status = NULL;
  int rc = stk_supplies_load(s, &q2, 0, &v, err);
  if (rc) return rc;
  json_t *rows = json_array();
  double t_area = 0, t_fee = 0;
  int64_t n_open = 0;
  for (size_t i = 0; rc == 0 && i < v.len; i++) {
    stk_supply_t *p = &v.items[i];
    lg_stock_entry_t *e = idle ? &p->idle : &p->unused;
    if (!e->listed || !state_ok(&q2, e)) continue;
    if (status && strcmp(p->v.status, status)) continue;
    if ((rc = stk_plans_apply(s, cfg, kind, p->id, as_of, e, err))) break;
    if (idle && !e->planned) {
      const char *m = stk_cfg_str(stk_cfg(cfg, "ledger_defaults.idle.methods"), p->v.status, NULL);
      if (m) snprintf(e->method, sizeof e->method, "%s", m);
    }
    json_t *o = supply_common(cfg, p, as_of);
    if (idle) {
      json_object_set_new(o, "idle_since", stk_date_json(p->v.idle_since));
      json_object_set_new(o, "idle_from", stk_date_json(p->v.idle_from));
      json_object_set_new(o, "fee_yuan", json_real(p->v.fee_yuan));
      json_object_set_new(o, "articles", articles_json(&p->v));
      json_object_set_new(o, "stage", json_string(stage_of(p)));
      json_object_set_new(o, "cause",
                          json_string(stk_title(cfg, "government_causes", p->exception_cause)));
      json_object_set_new(o, "fee_decided_yuan", json_real(p->fee_decided_yuan));
      json_object_set_new(o, "fee_paid_yuan", json_real(p->fee_paid_yuan));
      if (e->open && !strcmp(p->v.status, "idle_fee")) t_fee += p->v.fee_yuan;
    }
    entry_members(cfg, o, e);
    json_array_append_new(rows, o);
    if (e->open) {
      n_open++;
      t_area += p->declared_m2 > 0 ? p->declared_m2 : p->area_m2;
    }
  }
  lg_free(v.items);
  if (rc) {
    json_decref(rows);
    return rc;
  }
  json_object_set_new(out, "rows", rows);
  json_t *t = json_pack("{s:I, s:I, s:f}", "count", (json_int_t)json_array_size(rows), "open",
                        (json_int_t)n_open, "open_ha", ha(t_area));
  if (idle) json_object_set_new(t, "fees_due_yuan", json_real(stk_round(t_fee, 2)));
  json_object_set_new(out, "totals", t);
  return 0;
}

int lg_stock_unsupplied(lg_store_t *s, const lg_stock_query_t *q, lg_stock_unsupplied_stats_t *st,
                        json_t **rows, lg_err_t *err) {
  stk_approvals_t v;
  memset(st, 0, sizeof *st);
  if (rows) *rows = NULL;
  int rc = stk_approvals_load(s, q, 0, &v, st, err);
  if (rc) return rc;
  if (rows) {
    *rows = json_array();
    for (size_t i = 0; i < v.len; i++)
      json_array_append_new(*rows, json_pack("{s:I, s:s, s:f, s:f}", "approval_id",
                                             (json_int_t)v.items[i].id, "approval_no",
                                             v.items[i].no, "area_m2", v.items[i].area_m2,
                                             "unsupplied_m2", v.items[i].unsupplied_m2));
  }
  lg_free(v.items);
  return 0;
}

static const char *kind_title(const char *kind) {
  return !strcmp(kind, "unsupplied") ? "批而未供土地台账"
         : !strcmp(kind, "unused")   ? "供而未用土地台账"
                                     : "闲置土地台账";
}

int lg_stock_ledger(lg_store_t *s, const char *kind, const lg_stock_query_t *q, json_t **out,
                    lg_err_t *err) {
  *out = NULL;
  if (!kind || (strcmp(kind, "unsupplied") && strcmp(kind, "unused") && strcmp(kind, "idle")))
    return lg_err_set(err, LG_EINVAL,
                      "台账类型 \"%s\" 无效: 应为 unsupplied (批而未供)、unused (供而未用) 或 idle "
                      "(闲置土地)",
                      kind ? kind : "");
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  int32_t as_of = q->as_of ? q->as_of : stk_today();
  json_t *o = json_object();
  json_object_set_new(o, "kind", json_string(kind));
  json_object_set_new(o, "kind_title", json_string(kind_title(kind)));
  json_object_set_new(o, "as_of", stk_date_json(as_of));
  json_object_set_new(o, "law", json_string(stk_cfg_str(cfg, "law", "")));
  lg_stock_query_t q2 = *q;
  q2.as_of = as_of;
  rc = !strcmp(kind, "unsupplied") ? ledger_unsupplied(s, cfg, &q2, as_of, o, err)
                                   : ledger_supplies(s, cfg, kind, &q2, as_of, o, err);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return 0;
}

int lg_stock_idle_json(lg_store_t *s, const lg_stock_query_t *q, json_t **out, lg_err_t *err) {
  *out = NULL;
  int32_t as_of = q->as_of ? q->as_of : stk_today();
  lg_stock_query_t q2 = *q;
  q2.as_of = as_of;
  q2.status = NULL;
  stk_supplies_t v;
  int rc = stk_supplies_load(s, &q2, 0, &v, err);
  if (rc) return rc;
  json_t *parcels = json_array();
  for (size_t i = 0; i < v.len; i++) {
    const stk_supply_t *p = &v.items[i];
    if (q->status && *q->status && strcmp(q->status, p->v.status)) continue;
    json_array_append_new(parcels,
                          json_pack("{s:s, s:s, s:o, s:f, s:o}", "supervision_no", p->no, "status",
                                    p->v.status, "idle_since", stk_date_json(p->v.idle_since),
                                    "fee_yuan", p->v.fee_yuan, "articles", articles_json(&p->v)));
  }
  lg_free(v.items);
  *out = json_pack("{s:o, s:o}", "as_of", stk_date_json(as_of), "parcels", parcels);
  return 0;
}

/* ---- The dashboard ------------------------------------------------------------------ */

typedef struct county {
  char code[8];
  int64_t approvals, supplies, unused, idle[6];
  double approved, unsupplied, old, supplied_area, unused_area, idle_area, fees;
} county_t;

typedef LG_VEC(county_t) county_vec_t;

static county_t *county_of(county_vec_t *v, const char *division) {
  char c[8];
  snprintf(c, sizeof c, "%.6s", division);
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i].code, c)) return &v->items[i];
  county_t n;
  memset(&n, 0, sizeof n);
  snprintf(n.code, sizeof n.code, "%s", c);
  lg_vec_push(v, n);
  return &v->items[v->len - 1];
}

int lg_stock_summary(lg_store_t *s, const lg_stock_query_t *q, json_t **out, lg_err_t *err) {
  *out = NULL;
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  int32_t as_of = q->as_of ? q->as_of : stk_today();
  lg_stock_query_t q2 = *q;
  q2.as_of = as_of;
  q2.status = NULL;
  int age = (int)stk_cfg_num(cfg, "zengcun.age_years", 5);
  double rate = stk_cfg_num(cfg, "zengcun.reduction_rate", 1.0);
  stk_approvals_t av;
  stk_supplies_t sv = {0};
  lg_stock_unsupplied_stats_t st = {0};
  if ((rc = stk_approvals_load(s, &q2, 0, &av, &st, err))) return rc;
  if ((rc = stk_supplies_load(s, &q2, 0, &sv, err))) {
    lg_free(av.items);
    return rc;
  }
  county_vec_t cs = {0};
  /* Digestion per county and approval year. */
  json_t *years = json_object();
  for (size_t i = 0; i < av.len; i++) {
    const stk_approval_t *a = &av.items[i];
    if (a->revoked_on != LG_STOCK_NODATE) continue; /* no longer approved land */
    county_t *c = county_of(&cs, a->division);
    c->approvals++;
    c->approved += a->area_m2;
    c->unsupplied += a->unsupplied_m2;
    if (a->unsupplied_m2 > 0 && a->age_years >= age) c->old += a->unsupplied_m2;
    int y, m, d;
    lg_date_to_ymd(a->approved_on, &y, &m, &d);
    char key[24];
    snprintf(key, sizeof key, "%s/%d", c->code, y);
    json_t *yo = json_object_get(years, key);
    if (!yo) {
      yo = json_pack("{s:s, s:i, s:f, s:f}", "county", c->code, "year", y, "approved", 0.0,
                     "unsupplied", 0.0);
      json_object_set_new(years, key, yo);
    }
    json_object_set_new(yo, "approved",
                        json_real(json_real_value(json_object_get(yo, "approved")) + a->area_m2));
    json_object_set_new(
        yo, "unsupplied",
        json_real(json_real_value(json_object_get(yo, "unsupplied")) + a->unsupplied_m2));
  }
  for (size_t i = 0; i < sv.len; i++) {
    const stk_supply_t *p = &sv.items[i];
    county_t *c = county_of(&cs, p->division);
    double area = p->declared_m2 > 0 ? p->declared_m2 : p->area_m2;
    c->supplies++;
    c->supplied_area += area;
    if (p->unused.listed && p->unused.open) {
      c->unused++;
      c->unused_area += area;
    }
    if (p->idle.listed && p->idle.open) {
      for (int k = 0; k < 6; k++)
        if (!strcmp(lg_stock_statuses[k], p->v.status)) c->idle[k]++;
      c->idle_area += area;
      c->fees += p->v.fee_yuan;
    }
  }
  json_t *counties = json_array();
  county_t tot;
  memset(&tot, 0, sizeof tot);
  for (size_t i = 0; i < cs.len; i++) {
    const county_t *c = &cs.items[i];
    json_t *idle = json_object();
    for (int k = 0; k < 6; k++) {
      json_object_set_new(idle, lg_stock_statuses[k], json_integer(c->idle[k]));
      tot.idle[k] += c->idle[k];
    }
    json_array_append_new(
        counties,
        json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:f, s:I, s:f, s:o, s:f, s:f}",
                  "county", c->code, "approvals", (json_int_t)c->approvals, "approved_ha",
                  ha(c->approved), "supplied_ha", ha(c->approved - c->unsupplied), "unsupplied_ha",
                  ha(c->unsupplied), "digestion_rate",
                  c->approved > 0 ? stk_round((c->approved - c->unsupplied) / c->approved, 4) : 0.0,
                  "zengcun_ha", ha(c->old), "quota_reduction_ha", ha(c->old * rate), "supplies",
                  (json_int_t)c->supplies, "supplies_ha", ha(c->supplied_area), "unused",
                  (json_int_t)c->unused, "unused_ha", ha(c->unused_area), "idle", idle, "idle_ha",
                  ha(c->idle_area), "fees_due_yuan", stk_round(c->fees, 2)));
    tot.approvals += c->approvals, tot.approved += c->approved, tot.unsupplied += c->unsupplied;
    tot.old += c->old, tot.supplies += c->supplies, tot.supplied_area += c->supplied_area;
    tot.unused += c->unused, tot.unused_area += c->unused_area, tot.idle_area += c->idle_area;
    tot.fees += c->fees;
  }
  json_t *by_year = json_array();
  const char *key;
  json_t *yo;
  json_object_foreach(years, key, yo) {
    double ap = json_real_value(json_object_get(yo, "approved"));
    double un = json_real_value(json_object_get(yo, "unsupplied"));
    json_array_append_new(by_year, json_pack("{s:O, s:O, s:f, s:f, s:f}", "county",
                                             json_object_get(yo, "county"), "year",
                                             json_object_get(yo, "year"), "approved_ha", ha(ap),
                                             "unsupplied_ha", ha(un), "digestion_rate",
                                             ap > 0 ? stk_round((ap - un) / ap, 4) : 0.0));
  }
  json_decref(years);
  json_t *idle_tot = json_object();
  for (int k = 0; k < 6; k++)
    json_object_set_new(idle_tot, lg_stock_statuses[k], json_integer(tot.idle[k]));
  *out = json_pack(
      "{s:o, s:o, s:o, s:{s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:o, s:f, s:f}, s:{s:i, "
      "s:f, s:s}}",
      "as_of", stk_date_json(as_of), "counties", counties, "digestion_by_year", by_year, "totals",
      "approvals", (json_int_t)tot.approvals, "approved_ha", ha(tot.approved), "unsupplied_ha",
      ha(tot.unsupplied), "digestion_rate",
      tot.approved > 0 ? stk_round((tot.approved - tot.unsupplied) / tot.approved, 4) : 0.0,
      "zengcun_ha", ha(tot.old), "quota_reduction_ha", ha(tot.old * rate), "supplies",
      (json_int_t)tot.supplies, "unused", (json_int_t)tot.unused, "unused_ha", ha(tot.unused_area),
      "idle", idle_tot, "idle_ha", ha(tot.idle_area), "fees_due_yuan", stk_round(tot.fees, 2),
      "zengcun", "age_years", age, "reduction_rate", rate, "source",
      stk_cfg_str(cfg, "zengcun.source", ""));
  lg_free(cs.items);
  lg_free(av.items);
  lg_free(sv.items);
  return 0;
}
