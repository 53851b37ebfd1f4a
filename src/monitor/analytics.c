/*
 * What the records say: the monitoring rates per county (issue 16:
 * alerts, verified, rectified, overdue) and, beside them, seed 000's
 * figures of the approval marathon as the cases module measures them from
 * landgov's own case records (lg_cases_metrics, cases.h): approval nodes
 * per concluded case (the seed's 7.2), working days per concluded case
 * (263) and the share of time in coordination (42%). Each figure says how
 * it is computed and from which records.
 */
#include "cases/cases.h"
#include "monitor/monitor_int.h"

#include <stdio.h>
#include <string.h>

static double ratio(json_int_t a, json_int_t b) { return b ? (double)a / (double)b : 0; }

static int rates(lg_store_t *s, const lg_subject_t *who, int32_t today, json_t **out,
                 lg_err_t *err) {
  const char *kind;
  char div[16], d[11];
  int rc = mon_scope(s, who, &kind, div, err);
  if (rc) return rc;
  lg_date_format(today, d);
  lg_stmt_t *st;
  rc = lg_store_prepare(
      s,
      "SELECT a.division, count(*),"
      " sum(CASE WHEN a.state <> 'pending' THEN 1 ELSE 0 END),"
      " sum(CASE WHEN EXISTS (SELECT 1 FROM lg_monitor_events e WHERE e.alert_id = a.id"
      "  AND e.to_state IN ('rectified', 'demolished', 'confiscated')) THEN 1 ELSE 0 END),"
      " sum(CASE WHEN a.state = 'pending' AND a.deadline < ?3 THEN 1 ELSE 0 END),"
      " sum(CASE WHEN a.state = 'closed' THEN 1 ELSE 0 END)"
      " FROM lg_monitor_alerts a"
      " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND a.division LIKE ?2 || '%'))"
      " GROUP BY a.division ORDER BY a.division",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, div);
  lg_store_bind_text(st, 3, d);
  json_t *a = json_array();
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    json_int_t n = lg_store_col_int(st, 1), v = lg_store_col_int(st, 2),
               r = lg_store_col_int(st, 3), o = lg_store_col_int(st, 4),
               c = lg_store_col_int(st, 5);
    json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "division",
                                       lg_store_col_text(st, 0), "alerts", n, "verified", v,
                                       "rectified", r, "overdue", o, "closed", c, "verified_rate",
                                       ratio(v, n), "rectified_rate", ratio(r, n), "overdue_rate",
                                       ratio(o, n)));
  }
  if (step < 0) rc = lg_store_fail(s, err, "统计监测预警失败");
  lg_store_done(st);
  if (rc)
    json_decref(a);
  else
    *out = a;
  return rc;
}

/* A figure with its seed value, its measure, its formula and records. */
static json_t *figure(const char *key, const char *title, double seed, json_t *measured,
                      const char *unit, const char *formula) {
  return json_pack("{s:s, s:s, s:f, s:o, s:s, s:s, s:s}", "key", key, "title", title, "seed", seed,
                   "measured", measured ? measured : json_null(), "unit", unit, "formula", formula,
                   "records", "lg_case_steps (lg_cases_metrics, src/cases/metrics.c)");
}

static int seed_figures(lg_store_t *s, const lg_subject_t *who, const char *from, const char *to,
                        json_t **out, json_t **period, lg_err_t *err) {
  lg_case_metrics_opts_t o = {.from = from, .to = to, .who = who, .scope = LG_SCOPE_ALL};
  int rc = 0;
  if (who) rc = lg_auth_scope(s, who, "metrics", "read", &o.scope, err);
  json_t *m = NULL;
  if (rc == 0) rc = lg_cases_metrics(s, &o, &m, err);
  if (rc) return rc;
  const json_t *sum = json_object_get(m, "summary");
  json_int_t concluded = json_integer_value(json_object_get(sum, "concluded"));
  json_t *nodes = concluded ? json_copy(json_object_get(sum, "nodes_per_concluded_case")) : NULL;
  json_t *days = concluded
                     ? json_copy(json_object_get(json_object_get(sum, "elapsed_per_concluded_case"),
                                                 "working_days"))
                     : NULL;
  json_t *share = json_copy(json_object_get(json_object_get(sum, "coordination"), "share"));
  json_t *a = json_array();
  json_array_append_new(a, figure("nodes_per_case", "每件审批经过的节点数", 7.2, nodes, "个",
                                  "本期办结案件经过的审批节点数之和 / 本期办结案件数"
                                  " (每个完成的步骤算一个节点, 并行会审的各部门各算一个)"));
  json_array_append_new(a, figure("days_per_case", "每件审批用时", 263, days, "工作日",
                                  "本期办结案件自受理至办结的工作日之和 / 本期办结案件数"
                                  " (工作日按 lg_work_calendar 的日历计)"));
  json_array_append_new(a,
                        figure("coordination_share", "协调环节用时占比", 0.42, share, "比例",
                               "会审与审委会步骤的工作时间 (并行步骤取并集) / 全部步骤的工作时间"));
  *period = json_incref(json_object_get(m, "period"));
  json_object_set_new(*period, "cases",
                      json_integer(json_integer_value(json_object_get(sum, "cases"))));
  json_object_set_new(*period, "concluded", json_integer(concluded));
  json_decref(m);
  *out = a;
  return 0;
}

int lg_monitor_analytics(lg_store_t *s, const lg_subject_t *who, const char *from, const char *to,
                         json_t **out, lg_err_t *err) {
  *out = NULL;
  int32_t today = lg_date_of(lg_now(), LG_TZ_CHINA);
  json_t *r = NULL, *f = NULL, *period = NULL;
  int rc = rates(s, who, today, &r, err);
  if (rc == 0) rc = seed_figures(s, who, from, to, &f, &period, err);
  if (rc) {
    json_decref(r);
    return rc;
  }
  char d[11];
  lg_date_format(today, d);
  *out = json_pack(
      "{s:s, s:o, s:s, s:o, s:o}", "as_of", d, "rates", r, "rates_formula",
      "按县统计: 已核查 = 状态不再是待核查的预警; 已整改处置 = 曾转为整改、拆除或没收的预警;"
      " 逾期 = 待核查且已过核查期限; 各率 = 该数 / 预警数 (lg_monitor_alerts, "
      "lg_monitor_events)",
      "seed_000", f, "period", period);
  return 0;
}
