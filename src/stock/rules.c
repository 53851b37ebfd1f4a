/*
 * The Measures on the Disposal of Idle Land (闲置土地处置办法, Order 53,
 * 2012) as a function of a parcel's facts and a day: what the law makes
 * of a supplied parcel on that day. The periods, shares and rate are the
 * configuration's (data/stock/default.json), each citing its article;
 * what is here is the order in which the articles apply:
 *
 *   1. Completed (竣工) on or before the day: completed.
 *   2. A government cause verified (art. 8): government_delay, until its
 *      disposal under art. 12 is decided. A disposal that agrees a new
 *      start date (extension, change of use, temporary use; art. 12, last
 *      paragraph: "动工开发时间按照新约定、规定的时间重新起算") restarts
 *      the clock from it, and the parcel is judged anew as below; paid
 *      recovery and exchange take it from its owner: it stays
 *      government_delay (and its entry is struck off by that act).
 *   3. Started (动工, art. 30): under_construction, unless construction
 *      stopped and the developed area is under 1/3 of the total or the
 *      investment under 25% of the total (art. 2, para. 2): then idle
 *      once it has been stopped a full year.
 *   4. Not started: not_due until a full year after the agreed start
 *      (art. 2, para. 1); then idle_fee (art. 14 (1): a fee of 20% of the
 *      price); after two full years idle_recover (art. 14 (2): recovery
 *      without compensation).
 *
 * "A full year" counts as the Civil Code does (art. 201-203): the start
 * day is not counted, the period ends at 24:00 of the anniversary (the
 * month's last day when the anniversary does not exist), so the parcel
 * is idle from the day after. Shares compare exactly in integers scaled
 * from the rational thresholds: 1/3 of 30,000 m2 developed is not "under
 * 1/3".
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const lg_stock_statuses[6] = {"not_due",          "under_construction", "completed",
                                          "government_delay", "idle_fee",           "idle_recover"};

static int status_index(const char *s) {
  for (int i = 0; i < 6; i++)
    if (!strcmp(lg_stock_statuses[i], s)) return i;
  return 0;
}

static int years_of(const json_t *cfg, const char *key, int *out, lg_err_t *err) {
  const json_t *v = json_object_get(json_object_get(json_object_get(cfg, "idle"), key), "value");
  if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 20)
    return lg_err_set(err, LG_EINVAL, "存量土地配置 idle.%s.value 应为 1 到 20 的整数年", key);
  *out = (int)json_integer_value(v);
  return 0;
}

static int ratio_of(const json_t *cfg, const char *key, int64_t *num, int64_t *den, lg_err_t *err) {
  const json_t *o = json_object_get(json_object_get(cfg, "idle"), key);
  const json_t *n = json_object_get(o, "numerator"), *d = json_object_get(o, "denominator");
  if (!json_is_integer(n) || !json_is_integer(d) || json_integer_value(n) < 0 ||
      json_integer_value(d) <= 0 || json_integer_value(n) > json_integer_value(d))
    return lg_err_set(err, LG_EINVAL,
                      "存量土地配置 idle.%s 应为 {numerator, denominator}, 0 <= 分子 <= 分母", key);
  *num = json_integer_value(n);
  *den = json_integer_value(d);
  return 0;
}

int lg_stock_rules_from(const json_t *cfg, lg_stock_rules_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  int rc;
  if ((rc = years_of(cfg, "not_started_years", &out->not_started_years, err)) ||
      (rc = years_of(cfg, "stopped_years", &out->stopped_years, err)) ||
      (rc = years_of(cfg, "recover_years", &out->recover_years, err)) ||
      (rc = ratio_of(cfg, "developed_share", &out->developed_num, &out->developed_den, err)) ||
      (rc = ratio_of(cfg, "investment_share", &out->investment_num, &out->investment_den, err)) ||
      (rc = ratio_of(cfg, "fee_rate", &out->fee_num, &out->fee_den, err)))
    return rc;
  if (out->recover_years <= out->not_started_years)
    return lg_err_set(err, LG_EINVAL,
                      "存量土地配置: 无偿收回的年限 (recover_years) 应长于征缴闲置费的年限");
  const json_t *st = json_object_get(cfg, "statuses");
  for (int i = 0; i < 6; i++) {
    const json_t *a = json_object_get(json_object_get(st, lg_stock_statuses[i]), "articles");
    if (!json_is_array(a))
      return lg_err_set(err, LG_EINVAL, "存量土地配置 statuses.%s.articles 应为条款数组",
                        lg_stock_statuses[i]);
    for (size_t k = 0; k < json_array_size(a) && k < 4; k++)
      snprintf(out->articles[i][k], sizeof out->articles[i][k], "%s",
               json_string_value(json_array_get(a, k)) ? json_string_value(json_array_get(a, k))
                                                       : "");
  }
  return 0;
}

static void add_article(lg_stock_verdict_t *v, const char *a) {
  if (!a || !*a) return;
  for (int i = 0; i < v->narticles; i++)
    if (!strcmp(v->articles[i], a)) return;
  if (v->narticles < 8) snprintf(v->articles[v->narticles++], sizeof v->articles[0], "%s", a);
}

static void set_status(const lg_stock_rules_t *r, lg_stock_verdict_t *v, const char *status) {
  v->status = lg_stock_statuses[status_index(status)];
  int i = status_index(status);
  for (int k = 0; k < 4; k++)
    add_article(v, r->articles[i][k]);
}

/* a < b * num / den, without division: a * den < b * num. */
static bool below(double a, double b, int64_t num, int64_t den) {
  return a * (double)den < b * (double)num;
}

void lg_stock_classify(const lg_stock_rules_t *r, const lg_stock_facts_t *f, int32_t as_of,
                       lg_stock_verdict_t *v) {
  memset(v, 0, sizeof *v);
  v->idle_since = v->idle_from = v->next_change = LG_STOCK_NODATE;
  v->effective_start = f->agreed_start;
  const int32_t NO = LG_STOCK_NODATE;
  if (f->completed != NO && f->completed <= as_of) {
    set_status(r, v, "completed");
    return;
  }
  int32_t start = f->agreed_start;
  if (f->exception_on != NO && f->exception_on <= as_of) {
    add_article(v, f->exception_article ? f->exception_article : "8");
    bool decided = f->art12_on != NO && f->art12_on <= as_of;
    if (decided) add_article(v, f->art12_article ? f->art12_article : "12");
    if (!decided || f->art12_closes || f->new_start == NO) {
      /* Excepted, its disposal pending (or the parcel left its owner). */
      set_status(r, v, "government_delay");
      v->idle_from = f->exception_on;
      return;
    }
    start = f->new_start;
    v->effective_start = start;
  }
  bool started = f->started != NO && f->started <= as_of;
  if (started) {
    bool stopped = f->stopped_since != NO && f->stopped_since <= as_of;
    bool share = f->have_progress &&
                 (below(f->developed_m2, f->area_m2, r->developed_num, r->developed_den) ||
                  (f->total_investment > 0 &&
                   below(f->invested, f->total_investment, r->investment_num, r->investment_den)));
    v->below_share = share;
    if (stopped && share) {
      int32_t one = lg_stock_add_years(f->stopped_since, r->stopped_years);
      if (as_of > one) {
        v->idle_since = f->stopped_since;
        v->idle_from = one + 1;
        int32_t two = lg_stock_add_years(f->stopped_since, r->recover_years);
        if (as_of > two) {
          set_status(r, v, "idle_recover");
        } else {
          set_status(r, v, "idle_fee");
          v->next_change = two + 1;
        }
      } else {
        set_status(r, v, "under_construction");
        v->next_change = one + 1;
      }
    } else {
      set_status(r, v, "under_construction");
    }
  } else {
    v->overdue = as_of > start;
    int32_t one = lg_stock_add_years(start, r->not_started_years);
    int32_t two = lg_stock_add_years(start, r->recover_years);
    if (as_of <= one) {
      set_status(r, v, "not_due");
      v->next_change = one + 1;
    } else {
      v->idle_since = start;
      v->idle_from = one + 1;
      if (as_of <= two) {
        set_status(r, v, "idle_fee");
        v->next_change = two + 1;
      } else {
        set_status(r, v, "idle_recover");
      }
    }
  }
  if (!strcmp(v->status, "idle_fee"))
    v->fee_yuan = round(f->price_yuan * (double)r->fee_num / (double)r->fee_den * 100.0) / 100.0;
}
