/*
 * What people record about a parcel after it is supplied: site visits
 * (with photos, as files), the acts of the Order 53 procedure in the
 * law's order, and the bureau's plan for a ledger entry. Each is a row
 * that is never edited (a correction is a new row), with its ledger
 * entry, in one transaction.
 *
 * The order the law gives, and what each act needs before it (refused
 * with LG_ECONFLICT naming what is missing):
 *
 *   investigate        the parcel is suspected idle on that day: not
 *                      started after its agreed start, or stopped under
 *                      the art. 2 shares (art. 5: investigation notice)
 *   answer             an investigation notice (art. 5: within 30 days)
 *   exception          an investigation; a cause of art. 8
 *   art12              a verified exception; a method of art. 12 (an
 *                      extension needs a new start date at most a year
 *                      after the agreement, temporary use an end at most
 *                      two years after it)
 *   determine          an investigation, its answer or the end of the
 *                      answer period, no exception, and the parcel idle
 *                      on that day (art. 2, 9: determination)
 *   publish            a determination (art. 11)
 *   hearing_notice     a determination (art. 15)
 *   hearing_request    a hearing notice, within the request period
 *   hearing            a hearing request
 *   fee_decision       a determination, a hearing notice whose period
 *                      passed with no request, or the hearing held; the
 *                      parcel idle a full year (art. 14 (1)); the fee is
 *                      computed, 20% of the price
 *   fee_paid           a fee decision (art. 17: within 30 days)
 *   recovery_decision  as fee_decision, the parcel idle two full years
 *                      (art. 14 (2))
 *   recovered          a recovery decision (art. 17)
 *   revoke             (an approval) unsupplied land on that day
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "files/files.h"
#include "flow/flow.h"

static const lg_stock_query_t all_scope = {.scope = "all"};

static int parse_day(const char *text, const char *what, int32_t *day, lg_err_t *err) {
  if (!text || !*text) {
    lg_err_set(err, LG_EINVAL, "缺少%s", what);
    lg_err_where(err, "%s", what);
    return LG_EINVAL;
  }
  if (lg_stock_date_parse(text, day) != 0) {
    lg_err_set(err, LG_EINVAL, "%s \"%s\" 不是日期 (应为 YYYY-MM-DD)", what, text);
    lg_err_where(err, "%s", what);
    return LG_EINVAL;
  }
  if (*day > stk_today()) {
    lg_err_set(err, LG_EINVAL, "%s %s 晚于今天: 只能登记已经发生的事", what, text);
    lg_err_where(err, "%s", what);
    return LG_EINVAL;
  }
  return 0;
}

/* One supply as of a day (with its verdict and entries). */
static int load_one(lg_store_t *s, int64_t id, int32_t as_of, stk_supply_t *out, lg_err_t *err) {
  lg_stock_query_t q = all_scope;
  q.as_of = as_of;
  stk_supplies_t v;
  int rc = stk_supplies_load(s, &q, id, &v, err);
  if (rc == 0 && v.len == 0) {
    /* Not contracted by that day, or not there at all. */
    char d[11];
    lg_date_format(as_of, d);
    int64_t there = 0;
    lg_stmt_t *st;
    if (lg_store_prepare(s, "SELECT contract_on FROM lg_stock_supplies WHERE id = ?", &st, NULL) ==
        0) {
      lg_store_bind_int(st, 1, id);
      if (lg_store_step(st) == LG_ROW) there = 1;
      lg_store_done(st);
    }
    rc = there ? lg_err_set(err, LG_ECONFLICT, "供地 %lld 在 %s 尚未签订合同", (long long)id, d)
               : lg_err_set(err, LG_ENOTFOUND, "供地 %lld 不存在", (long long)id);
  }
  if (rc == 0) *out = v.items[0];
  lg_free(v.items);
  return rc;
}

/* The layer's status columns of one supply, as of today. */
static int supply_status_update(lg_store_t *s, int64_t id, lg_err_t *err) {
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  int32_t today = stk_today();
  stk_supply_t p;
  if (load_one(s, id, today, &p, err) != 0) return 0; /* contracted later: nothing to show yet */
  char d[11];
  char *sql = lg_sprintf(
      "UPDATE %s SET status = ?, status_title = ?, status_as_of = ? WHERE fid = ?", STK_SUPPLIES);
  lg_stmt_t *st;
  rc = lg_store_prepare(s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  lg_date_format(today, d);
  lg_store_bind_text(st, 1, p.v.status);
  lg_store_bind_text(st, 2, stk_title(cfg, "statuses", p.v.status));
  lg_store_bind_text(st, 3, d);
  lg_store_bind_int(st, 4, id);
  return lg_store_run_done(st, "更新供地状态失败", err);
}

/* ---- Visits ------------------------------------------------------------------------ */

static int opt_day(const char *text, const char *what, int32_t *day, lg_err_t *err) {
  *day = LG_STOCK_NODATE;
  if (!text || !*text) return 0;
  return parse_day(text, what, day, err);
}

int lg_stock_visit_add(lg_store_t *s, const lg_subject_t *who, int64_t supply_id,
                       const lg_stock_visit_t *v, int64_t *id, lg_err_t *err) {
  int32_t on, stop, started, completed;
  int rc;
  if ((rc = parse_day(v->visited_on, "核查日期 (visited_on)", &on, err)) ||
      (rc = opt_day(v->stopped_since, "停工日期 (stopped_since)", &stop, err)) ||
      (rc = opt_day(v->started_on, "动工日期 (started_on)", &started, err)) ||
      (rc = opt_day(v->completed_on, "竣工日期 (completed_on)", &completed, err)))
    return rc;
  if (!v->officer || !*v->officer) {
    lg_err_set(err, LG_EINVAL, "缺少核查人员 (officer)");
    lg_err_where(err, "officer");
    return LG_EINVAL;
  }
  if (stop != LG_STOCK_NODATE && stop > on)
    return lg_err_set(err, LG_EINVAL, "停工日期 %s 晚于核查日期 %s", v->stopped_since,
                      v->visited_on);
  if (v->invested_wan >= 0 && v->total_investment_wan >= 0 &&
      v->invested_wan > v->total_investment_wan)
    return lg_err_set(err, LG_EINVAL, "已投资额 %.2f 万元大于总投资额 %.2f 万元", v->invested_wan,
                      v->total_investment_wan);
  stk_supply_t p;
  if ((rc = load_one(s, supply_id, on, &p, err))) return rc;
  if (who) {
    lg_object_ref_t obj = {.division = p.division};
    if ((rc = lg_auth_require(s, who, "stock", "create", &obj, err))) return rc;
  }
  if (v->developed_m2 > p.area_m2 * 1.05 && p.area_m2 > 0)
    return lg_err_set(err, LG_EINVAL, "开发建设面积 %.2f 平方米大于宗地面积 %.2f 平方米",
                      v->developed_m2, p.area_m2);
  char now[32];
  lg_time_iso(lg_now(), now);
  if ((rc = lg_store_begin(s, err))) return rc;
  lg_stmt_t *st;
  int64_t vid = 0;
  rc = lg_store_prepare(
      s,
      "INSERT INTO lg_stock_visits(supply_id, visited_on, developed_m2, invested_wan,"
      " total_investment_wan, stopped_since, cause, started_on, completed_on, officer, note,"
      " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc == 0) {
    lg_store_bind_int(st, 1, supply_id);
    stk_bind_date(st, 2, on);
    if (v->developed_m2 >= 0)
      lg_store_bind_real(st, 3, v->developed_m2);
    else
      lg_store_bind_null(st, 3);
    if (v->invested_wan >= 0)
      lg_store_bind_real(st, 4, v->invested_wan);
    else
      lg_store_bind_null(st, 4);
    if (v->total_investment_wan >= 0)
      lg_store_bind_real(st, 5, v->total_investment_wan);
    else
      lg_store_bind_null(st, 5);
    stk_bind_date(st, 6, stop);
    stk_bind_text(st, 7, v->cause);
    stk_bind_date(st, 8, started);
    stk_bind_date(st, 9, completed);
    lg_store_bind_text(st, 10, v->officer);
    stk_bind_text(st, 11, v->note);
    lg_store_bind_text(st, 12, now);
    lg_store_bind_text(st, 13, who && who->login[0] ? who->login : "system");
    rc = lg_store_insert_id(st, &vid, "写入核查记录失败", err);
  }
  /* Photos: files owned by the visit, each on the ledger with its digest. */
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)vid);
  for (size_t i = 0; rc == 0 && v->photos && v->photos[i]; i++) {
    const char *name = v->photo_names && v->photo_names[i] ? v->photo_names[i] : NULL;
    if (!name) {
      name = strrchr(v->photos[i], '/');
      name = name ? name + 1 : v->photos[i];
    }
    static const char *const images[] = {"image/jpeg", "image/png", "image/webp",
                                         "image/tiff", "image/gif", NULL};
    lg_file_put_t fp = {.owner_type = "visit",
                        .owner_id = oid,
                        .kind = "photo",
                        .name = name,
                        .actor = who && who->login[0] ? who->login : "system",
                        .role = who ? who->role : NULL,
                        .jurisdiction = p.division,
                        .types = images};
    rc = lg_files_put_path(s, &fp, v->photos[i], NULL, err);
  }
  if (rc == 0) rc = stk_record(s, who, "stock.visit", "stock_visit", vid, p.division, err);
  if (rc == 0) rc = supply_status_update(s, supply_id, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = vid;
  return rc;
}

/* ---- Acts ------------------------------------------------------------------------------ */

static int missing(lg_err_t *err, const char *act_title, const char *what) {
  return lg_err_set(err, LG_ECONFLICT, "不能%s: %s", act_title, what);
}

static bool idle(const stk_supply_t *p) {
  return !strcmp(p->v.status, "idle_fee") || !strcmp(p->v.status, "idle_recover");
}

/* The hearing step before a decision (art. 15): a notice whose request
 * period passed with no request, or a hearing held. */
static int hearing_done(const json_t *cfg, const lg_workcal_t *cal, const stk_supply_t *p,
                        int32_t on, const char *title, lg_err_t *err) {
  if (p->hearing_notice_on == LG_STOCK_NODATE)
    return missing(err, title, "尚未书面告知听证权利 (第十五条)");
  if (p->hearing_request_on != LG_STOCK_NODATE) {
    if (p->hearing_on == LG_STOCK_NODATE)
      return missing(err, title, "使用权人已申请听证, 尚未举行听证");
    return 0;
  }
  int days = (int)stk_cfg_num(cfg, "procedure.hearing_request_working_days.value", 5);
  int32_t end = lg_workdays_add(cal, p->hearing_notice_on, days);
  if (on <= end) {
    char d[11];
    lg_date_format(end, d);
    char msg[160];
    snprintf(msg, sizeof msg, "听证申请期限 (%d 个工作日) 至 %s 才届满", days, d);
    return missing(err, title, msg);
  }
  return 0;
}

static int check_act(const json_t *cfg, const lg_workcal_t *cal, const lg_stock_act_req_t *a,
                     const stk_supply_t *p, int32_t on, int32_t new_date, double *amount,
                     lg_err_t *err) {
  const char *act = a->act;
  const char *title = stk_title(cfg, "acts", act);
  const int32_t NO = LG_STOCK_NODATE;
  if (!strcmp(act, "investigate")) {
    if (p->investigate_on != NO && (p->art12_on == NO || p->investigate_on > p->art12_on))
      return missing(err, title, "已发出调查通知书");
    bool stopped = p->v.below_share && p->stopped_since != NO;
    if (!p->v.overdue && !idle(p) && !stopped)
      return missing(err, title, "该宗地未超过约定动工日期, 也未中止开发建设, 不涉嫌闲置 (第二条)");
    return 0;
  }
  if (p->investigate_on == NO && strcmp(act, "fee_paid") && strcmp(act, "recovered"))
    return missing(err, title, "尚未发出闲置土地调查通知书 (第五条)");
  if (!strcmp(act, "answer")) return 0;
  if (!strcmp(act, "exception")) {
    if (!stk_cfg_code(cfg, "government_causes", a->cause))
      return lg_err_set(err, LG_EINVAL,
                        "政府原因 (cause) 应为第八条所列情形之一: not_delivered, plan_revision,"
                        " national_policy, petition, military_heritage, other_government,"
                        " force_majeure");
    if (p->exception_on != NO) return missing(err, title, "已认定过政府原因");
    if (p->determine_on != NO) return missing(err, title, "已下达闲置土地认定书");
    return 0;
  }
  if (!strcmp(act, "art12")) {
    const json_t *m = stk_cfg_code(cfg, "art12_methods", a->method);
    if (!m)
      return lg_err_set(err, LG_EINVAL,
                        "处置方式 (method) 应为第十二条所列之一: extension, use_change,"
                        " temporary_use, paid_recovery, exchange, other");
    if (p->exception_on == NO) return missing(err, title, "尚未认定政府原因 (第八条)");
    const char *ns = stk_cfg_str(m, "new_start", "none");
    if (!strcmp(ns, "required") && new_date == NO)
      return lg_err_set(err, LG_EINVAL, "%s须约定新的动工开发日期 (new_date)",
                        stk_cfg_str(m, "title", ""));
    if (!strcmp(a->method, "extension")) {
      int years = (int)stk_cfg_num(cfg, "procedure.extension_max_years.value", 1);
      int32_t max = lg_stock_add_years(on, years);
      if (new_date > max) {
        char d[11];
        lg_date_format(max, d);
        return lg_err_set(
            err, LG_EINVAL,
            "延长动工开发期限最长不得超过 %d 年 (第十二条第 (一) 项): 新的动工日期应不晚于 %s",
            years, d);
      }
    }
    if (!strcmp(a->method, "temporary_use") && new_date != NO) {
      int years = (int)stk_cfg_num(cfg, "procedure.temporary_use_max_years.value", 2);
      if (new_date > lg_stock_add_years(on, years))
        return lg_err_set(err, LG_EINVAL, "临时使用期限最长不得超过 %d 年 (第十二条第 (三) 项)",
                          years);
    }
    if (new_date != NO && new_date <= on && !strcmp(ns, "required"))
      return lg_err_set(err, LG_EINVAL, "新的动工开发日期应晚于处置日期");
    return 0;
  }
  if (!strcmp(act, "determine")) {
    if (p->determine_on != NO) return missing(err, title, "已下达闲置土地认定书");
    if (p->exception_on != NO) return missing(err, title, "已认定为政府原因造成, 应依第十二条处置");
    int days = (int)stk_cfg_num(cfg, "procedure.answer_days.value", 30);
    if (p->answer_on == NO && on <= p->investigate_on + days) {
      char d[11];
      lg_date_format(p->investigate_on + days, d);
      char msg[200];
      snprintf(msg, sizeof msg, "使用权人的答复期限 (%d 日) 至 %s 届满, 尚未收到答复", days, d);
      return missing(err, title, msg);
    }
    if (!idle(p)) {
      char msg[200];
      snprintf(msg, sizeof msg, "该宗地在 %s 尚不构成闲置土地 (状态: %s)", a->on,
               stk_title(cfg, "statuses", p->v.status));
      return missing(err, title, msg);
    }
    return 0;
  }
  if (p->determine_on == NO && strcmp(act, "fee_paid") && strcmp(act, "recovered"))
    return missing(err, title, "尚未下达闲置土地认定书");
  if (!strcmp(act, "publish")) return p->publish_on != NO ? missing(err, title, "已公开") : 0;
  if (!strcmp(act, "hearing_notice"))
    return p->hearing_notice_on != NO ? missing(err, title, "已告知听证权利") : 0;
  if (!strcmp(act, "hearing_request")) {
    if (p->hearing_notice_on == NO) return missing(err, title, "尚未告知听证权利");
    int days = (int)stk_cfg_num(cfg, "procedure.hearing_request_working_days.value", 5);
    if (on > lg_workdays_add(cal, p->hearing_notice_on, days))
      return missing(err, title, "已超过听证申请期限");
    return 0;
  }
  if (!strcmp(act, "hearing"))
    return p->hearing_request_on == NO ? missing(err, title, "使用权人未申请听证") : 0;
  if (!strcmp(act, "fee_decision")) {
    if (p->fee_decision_on != NO) return missing(err, title, "已下达征缴土地闲置费决定书");
    int rc = hearing_done(cfg, cal, p, on, title, err);
    if (rc) return rc;
    if (strcmp(p->v.status, "idle_fee") != 0) {
      char msg[200];
      snprintf(msg, sizeof msg, "该宗地在 %s 不是闲置满一年未满两年 (状态: %s; 第十四条)", a->on,
               stk_title(cfg, "statuses", p->v.status));
      return missing(err, title, msg);
    }
    *amount = p->v.fee_yuan;
    return 0;
  }
  if (!strcmp(act, "fee_paid")) {
    if (p->fee_decision_on == NO) return missing(err, title, "尚未下达征缴土地闲置费决定书");
    if (*amount < 0) *amount = p->fee_decided_yuan;
    return 0;
  }
  if (!strcmp(act, "recovery_decision")) {
    if (p->recovery_decision_on != NO) return missing(err, title, "已下达收回决定书");
    int rc = hearing_done(cfg, cal, p, on, title, err);
    if (rc) return rc;
    if (strcmp(p->v.status, "idle_recover") != 0) {
      char msg[200];
      snprintf(msg, sizeof msg, "该宗地在 %s 未闲置满两年 (状态: %s; 第十四条第 (二) 项)", a->on,
               stk_title(cfg, "statuses", p->v.status));
      return missing(err, title, msg);
    }
    return 0;
  }
  if (!strcmp(act, "recovered"))
    return p->recovery_decision_on == NO ? missing(err, title, "尚未下达收回决定书") : 0;
  return lg_err_set(err, LG_EINVAL, "未知的处置环节 \"%s\"", act);
}

static int insert_act(lg_store_t *s, const lg_subject_t *who, const char *object_type,
                      int64_t object_id, const lg_stock_act_req_t *a, int32_t on,
                      const char *doc_kind, const char *doc_no, int64_t file_id, int32_t new_date,
                      double amount, const char *articles, int64_t *id, lg_err_t *err) {
  char now[32];
  lg_time_iso(lg_now(), now);
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      "INSERT INTO lg_stock_acts(object_type, object_id, act, acted_on, doc_kind, doc_no,"
      " file_id, cause, method, new_date, amount_yuan, note, articles, created_at, created_by)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, object_type);
  lg_store_bind_int(st, 2, object_id);
  lg_store_bind_text(st, 3, a->act);
  stk_bind_date(st, 4, on);
  stk_bind_text(st, 5, doc_kind);
  stk_bind_text(st, 6, doc_no);
  if (file_id)
    lg_store_bind_int(st, 7, file_id);
  else
    lg_store_bind_null(st, 7);
  stk_bind_text(st, 8, a->cause);
  stk_bind_text(st, 9, a->method);
  stk_bind_date(st, 10, new_date);
  if (amount >= 0)
    lg_store_bind_real(st, 11, amount);
  else
    lg_store_bind_null(st, 11);
  stk_bind_text(st, 12, a->note);
  lg_store_bind_text(st, 13, articles);
  lg_store_bind_text(st, 14, now);
  lg_store_bind_text(st, 15, who && who->login[0] ? who->login : "system");
  return lg_store_insert_id(st, id, "写入处置记录失败", err);
}

static int act_on_approval(lg_store_t *s, const lg_subject_t *who, const lg_stock_act_req_t *a,
                           int32_t on, int64_t *id, lg_err_t *err) {
  if (strcmp(a->act, "revoke") != 0)
    return lg_err_set(err, LG_EINVAL, "批准用地只能登记 revoke (撤销或调整批文)");
  lg_stock_query_t q = all_scope;
  q.as_of = on;
  stk_approvals_t v;
  int rc = stk_approvals_load(s, &q, a->object_id, &v, NULL, err);
  if (rc == 0 && v.len == 0)
    rc = lg_err_set(err, LG_ENOTFOUND, "批准用地 %lld 不存在或在 %s 尚未批准",
                    (long long)a->object_id, a->on);
  stk_approval_t ap = rc == 0 ? v.items[0] : (stk_approval_t){0};
  lg_free(v.items);
  if (rc) return rc;
  if (who) {
    lg_object_ref_t obj = {.division = ap.division};
    if ((rc = lg_auth_require(s, who, "stock", "act", &obj, err))) return rc;
  }
  if (!ap.entry.open)
    return lg_err_set(err, LG_ECONFLICT, "批准用地 %s 在 %s 已没有未供应的土地, 无须撤销", ap.no,
                      a->on);
  if (!a->note || !*a->note)
    return lg_err_set(err, LG_EINVAL, "撤销或调整批文须写明依据 (note: 上级批复文号等)");
  if ((rc = lg_store_begin(s, err))) return rc;
  int64_t act_id = 0;
  rc = insert_act(s, who, "approval", a->object_id, a, on, NULL, NULL, 0, LG_STOCK_NODATE, -1, "[]",
                  &act_id, err);
  if (rc == 0) rc = stk_record(s, who, "stock.act.revoke", "stock_act", act_id, ap.division, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = act_id;
  return rc;
}

int lg_stock_act(lg_store_t *s, const lg_subject_t *who, const lg_stock_act_req_t *a, int64_t *id,
                 lg_err_t *err) {
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  if (!a->act || !json_object_get(json_object_get(cfg, "acts"), a->act))
    return lg_err_set(
        err, LG_EINVAL,
        "未知的处置环节 \"%s\"; 可为: investigate, answer, exception, art12,"
        " determine, publish, hearing_notice, hearing_request, hearing,"
        " fee_decision, fee_paid, recovery_decision, recovered (供地), revoke (批准用地)",
        a->act ? a->act : "");
  int32_t on, new_date = LG_STOCK_NODATE;
  if ((rc = parse_day(a->on, "日期 (on)", &on, err))) return rc;
  if (a->new_date && *a->new_date && lg_stock_date_parse(a->new_date, &new_date) != 0) {
    lg_err_set(err, LG_EINVAL, "new_date \"%s\" 不是日期", a->new_date);
    lg_err_where(err, "new_date");
    return LG_EINVAL;
  }
  const char *type = a->object_type ? a->object_type : "supply";
  if (!strcmp(type, "approval")) return act_on_approval(s, who, a, on, id, err);
  if (strcmp(type, "supply")) return lg_err_set(err, LG_EINVAL, "对象类型应为 supply 或 approval");
  if (!strcmp(a->act, "revoke")) return lg_err_set(err, LG_EINVAL, "revoke 只用于批准用地");
  stk_supply_t p;
  if ((rc = load_one(s, a->object_id, on, &p, err))) return rc;
  if (who) {
    lg_object_ref_t obj = {.division = p.division};
    if ((rc = lg_auth_require(s, who, "stock", "act", &obj, err))) return rc;
  }
  double amount = a->amount_yuan;
  if (strcmp(a->act, "fee_paid")) amount = -1;
  /* Working days of the hearing request period: the store's calendar
   * (public holidays and 调休 as data, src/flow). */
  lg_workcal_t *cal = NULL;
  if ((rc = lg_flow_calendar_load(s, &cal, err))) return rc;
  rc = check_act(cfg, cal, a, &p, on, new_date, &amount, err);
  lg_workcal_free(cal);
  if (rc) return rc;
  const json_t *def = json_object_get(json_object_get(cfg, "acts"), a->act);
  const char *doc_kind = json_string_value(json_object_get(def, "document"));
  /* The articles the act rests on: a cause's or a method's item ("8(1)")
   * where there is one, else the act's own article ("8"). */
  json_t *arts = json_array();
  const char *art = json_string_value(json_object_get(def, "article"));
  const json_t *sub = !strcmp(a->act, "exception")
                          ? stk_cfg_code(cfg, "government_causes", a->cause)
                      : !strcmp(a->act, "art12") ? stk_cfg_code(cfg, "art12_methods", a->method)
                                                 : NULL;
  const char *sa = json_string_value(json_object_get(sub, "article"));
  if (sa && *sa)
    json_array_append_new(arts, json_string(sa));
  else if (art && *art)
    json_array_append_new(arts, json_string(art));
  char *articles = json_dumps(arts, JSON_COMPACT);
  json_decref(arts);
  if ((rc = lg_store_begin(s, err))) {
    free(articles);
    return rc;
  }
  char doc_no[128] = "";
  int64_t file_id = 0, act_id = 0;
  if (doc_kind)
    rc = stk_document_issue(s, cfg, who, &p, 0, doc_kind, on,
                            !strcmp(a->act, "fee_decision") ? amount : -1, doc_no, &file_id, err);
  if (rc == 0)
    rc = insert_act(s, who, "supply", a->object_id, a, on, doc_kind, doc_kind ? doc_no : NULL,
                    file_id, new_date, amount, articles, &act_id, err);
  free(articles);
  char action[64];
  snprintf(action, sizeof action, "stock.act.%s", a->act);
  if (rc == 0) rc = stk_record(s, who, action, "stock_act", act_id, p.division, err);
  if (rc == 0) rc = supply_status_update(s, a->object_id, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = act_id;
  return rc;
}

/* ---- Plans ------------------------------------------------------------------------------ */

int lg_stock_plan_set(lg_store_t *s, const lg_subject_t *who, const char *kind, int64_t object_id,
                      const char *reason, const char *method, const char *unit,
                      const char *deadline, lg_err_t *err) {
  if (!kind || (strcmp(kind, "unsupplied") && strcmp(kind, "unused") && strcmp(kind, "idle")))
    return lg_err_set(err, LG_EINVAL, "台账类型应为 unsupplied、unused 或 idle");
  if (!method || !*method) {
    lg_err_set(err, LG_EINVAL, "缺少处置方式 (method)");
    lg_err_where(err, "method");
    return LG_EINVAL;
  }
  if (!unit || !*unit) {
    lg_err_set(err, LG_EINVAL, "缺少责任单位 (unit)");
    lg_err_where(err, "unit");
    return LG_EINVAL;
  }
  int32_t dl;
  if (!deadline || lg_stock_date_parse(deadline, &dl) != 0) {
    lg_err_set(err, LG_EINVAL, "处置期限 (deadline) \"%s\" 不是日期", deadline ? deadline : "");
    lg_err_where(err, "deadline");
    return LG_EINVAL;
  }
  char division[16];
  int rc = lg_stock_division_of(s, strcmp(kind, "unsupplied") ? "supply" : "approval", object_id,
                                division, err);
  if (rc) return rc;
  if (who) {
    lg_object_ref_t obj = {.division = division};
    if ((rc = lg_auth_require(s, who, "stock", "act", &obj, err))) return rc;
  }
  char now[32], d[11];
  lg_time_iso(lg_now(), now);
  lg_date_format(dl, d);
  if ((rc = lg_store_begin(s, err))) return rc;
  lg_stmt_t *st;
  int64_t id = 0;
  rc =
      lg_store_prepare(s,
                       "INSERT INTO lg_stock_plans(kind, object_id, reason, method, unit, deadline,"
                       " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, kind);
    lg_store_bind_int(st, 2, object_id);
    stk_bind_text(st, 3, reason);
    lg_store_bind_text(st, 4, method);
    lg_store_bind_text(st, 5, unit);
    lg_store_bind_text(st, 6, d);
    lg_store_bind_text(st, 7, now);
    lg_store_bind_text(st, 8, who && who->login[0] ? who->login : "system");
    rc = lg_store_insert_id(st, &id, "写入处置计划失败", err);
  }
  if (rc == 0) rc = stk_record(s, who, "stock.plan", "stock_plan", id, division, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}
