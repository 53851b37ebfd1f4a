/*
 * The joint acceptance at completion (联合验收) and the performance
 * review at the agreed production date (达产复核): the departments'
 * measured figures compared item by item with the investment agreement
 * (investment intensity, output and tax per mu) or with the parcel's
 * conditions of sale (floor-area ratio, building coverage, office and
 * living share, green ratio), each with its shortfall. The items, which
 * department measures each and the rectification period are data
 * (acceptance in data/industry/default.json).
 *
 * The decision: every item met, pass; any short, rectify, with a deadline
 * acceptance.rectify_months after the inspection; still short at the
 * inspection after a rectify, breach. A stage decided pass or breach is
 * closed; the performance review waits for a passed completion.
 */
#include "industry/industry_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an acceptance item compares: the actual from which input, scaled
 * by the land (per mu, ratio, percent), against a commitment field or a
 * parcel condition, met when at least (min) or at most. */
enum { PER_MU, RATIO, PERCENT };
static const struct {
  const char *key, *input;
  int scale;
  const char *commitment; /* field of the commitment, per mu unless investment */
  const char *condition;  /* key of the parcel's conditions */
  bool min;
} item_rules[] = {
    {"investment_intensity", "investment_wan", PER_MU, "investment_wan", NULL, true},
    {"floor_area_ratio", "floor_area_m2", RATIO, NULL, "floor_area_ratio_min", true},
    {"building_coverage", "footprint_m2", PERCENT, NULL, "building_coverage_min", true},
    {"office_living", "office_living_m2", PERCENT, NULL, "office_living_max", false},
    {"green_ratio", "green_m2", PERCENT, NULL, "green_ratio_max", false},
    {"output_per_mu", "output_wan", PER_MU, "output_per_mu_wan", NULL, true},
    {"tax_per_mu", "tax_wan", PER_MU, "tax_per_mu_wan", NULL, true},
};

static int rule_of(const char *key) {
  for (size_t i = 0; i < LG_ARRAY_LEN(item_rules); i++)
    if (key && !strcmp(item_rules[i].key, key)) return (int)i;
  return -1;
}

/* The day months after day, the day of the month kept inside a shorter
 * month (2026-08-31 + 6 months = 2027-02-28). */
static int32_t add_months(int32_t day, int months) {
  int y, m, d;
  lg_date_to_ymd(day, &y, &m, &d);
  int t = y * 12 + (m - 1) + months;
  y = t / 12, m = t % 12 + 1;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  return lg_date_from_ymd(y, m, d > last ? last : d);
}

/* The required value of a rule. */
static double required_of(int r, const json_t *parcel, const json_t *commitment, double mu) {
  if (item_rules[r].commitment) {
    double v = json_number_value(json_object_get(commitment, item_rules[r].commitment));
    return item_rules[r].scale == PER_MU && !strcmp(item_rules[r].commitment, "investment_wan")
               ? v / mu
               : v;
  }
  const json_t *c = json_object_get(json_object_get(parcel, "conditions"), item_rules[r].condition);
  return json_number_value(json_object_get(c, "value"));
}

static double actual_of(int r, double input, double area_m2) {
  switch (item_rules[r].scale) {
  case PER_MU:
    return input / ind_mu(area_m2);
  case RATIO:
    return input / area_m2;
  default:
    return 100 * input / area_m2;
  }
}

/* The items of a stage; LG_EINVAL naming the first missing figure. */
static int stage_items(const json_t *cfg, const json_t *parcel, const json_t *commitment,
                       const char *stage, const json_t *actuals, json_t *items, int *short_n,
                       lg_err_t *err) {
  double area = json_number_value(json_object_get(parcel, "area_m2"));
  size_t i;
  const json_t *it;
  json_array_foreach(ind_cfg(cfg, "acceptance.items"), i, it) {
    const char *st = json_string_value(json_object_get(it, "stage"));
    if (!st || strcmp(st, stage)) continue;
    const char *key = json_string_value(json_object_get(it, "key"));
    const char *title = json_string_value(json_object_get(it, "title"));
    const char *dept = json_string_value(json_object_get(it, "department"));
    const char *unit = json_string_value(json_object_get(it, "unit"));
    int r = rule_of(key);
    if (r < 0) {
      lg_err_set(err, LG_EINVAL, "产业用地配置 acceptance.items[%zu]: 未知的验收项目 \"%s\"", i,
                 key ? key : "");
      return LG_EINVAL;
    }
    const json_t *x = json_object_get(actuals, item_rules[r].input);
    if (!json_is_number(x) || json_number_value(x) < 0) {
      lg_err_set(err, LG_EINVAL, "%s部门的%s实测值 (%s) %s, 无法作出验收结论", dept ? dept : "",
                 title ? title : key, item_rules[r].input, x ? "不是非负数" : "缺失");
      lg_err_where(err, "%s", item_rules[r].input);
      return LG_EINVAL;
    }
    double req = ind_round(required_of(r, parcel, commitment, ind_mu(area)), 4);
    double act = ind_round(actual_of(r, json_number_value(x), area), 4);
    bool met = item_rules[r].min ? act >= req : act <= req;
    double gap = met ? 0 : ind_round(item_rules[r].min ? req - act : act - req, 4);
    if (!met) (*short_n)++;
    json_array_append_new(items,
                          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:b, s:f, s:O}",
                                    "key", key, "title", title ? title : key, "department",
                                    dept ? dept : "", "unit", unit ? unit : "", "against",
                                    item_rules[r].commitment ? "commitment" : "parcel", "op",
                                    item_rules[r].min ? ">=" : "<=", "required", req, "actual", act,
                                    "met", met, "shortfall", gap, "input", x));
  }
  return 0;
}

int lg_industry_acceptance_eval(const json_t *cfg, const json_t *parcel, const json_t *commitment,
                                const char *stage, const json_t *actuals, const char *on,
                                const char *previous_result, json_t **out, lg_err_t *err) {
  *out = NULL;
  if (!stage || (strcmp(stage, "completion") && strcmp(stage, "performance"))) {
    lg_err_set(err, LG_EINVAL,
               "验收阶段 \"%s\" 未知 (completion 竣工联合验收, performance 达产复核)",
               stage ? stage : "");
    lg_err_where(err, "stage");
    return LG_EINVAL;
  }
  int32_t day;
  int rc = ind_date(on, "验收日期 (on)", &day, err);
  if (rc) return rc;
  if (!json_is_object(actuals))
    return lg_err_set(err, LG_EINVAL, "缺少实测值 (actuals, JSON 对象)");
  json_t *items = json_array();
  int short_n = 0;
  if ((rc = stage_items(cfg, parcel, commitment, stage, actuals, items, &short_n, err))) {
    json_decref(items);
    return rc;
  }
  const char *result = !short_n                                                 ? "pass"
                       : previous_result && !strcmp(previous_result, "rectify") ? "breach"
                                                                                : "rectify";
  json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:i}", "stage", stage, "inspected_on", on, "result",
                        result, "items", items, "short", short_n);
  char msg[256];
  if (!strcmp(result, "pass")) {
    snprintf(msg, sizeof msg, "各项指标均达到%s, 验收通过",
             !strcmp(stage, "completion") ? "协议和出让条件" : "协议约定");
    json_object_set_new(o, "deadline", json_null());
  } else if (!strcmp(result, "rectify")) {
    int months = (int)ind_cfg_num(cfg, "acceptance.rectify_months.value", 6);
    char d[11];
    lg_date_format(add_months(day, months), d);
    snprintf(msg, sizeof msg, "%d 项未达到约定, 限期整改至 %s (%d 个月)", short_n, d, months);
    json_object_set_new(o, "deadline", json_string(d));
  } else {
    snprintf(msg, sizeof msg, "整改期后仍有 %d 项未达到约定, 认定违约", short_n);
    json_object_set_new(o, "deadline", json_null());
  }
  json_object_set_new(o, "result_title",
                      json_string(!strcmp(result, "pass")      ? "通过"
                                  : !strcmp(result, "rectify") ? "限期整改"
                                                               : "违约"));
  json_object_set_new(o, "message", json_string(msg));
  *out = o;
  return 0;
}

/* The latest result of a stage of a commitment ("" when none) and whether
 * the completion passed. */
static int previous(lg_store_t *s, int64_t cid, const char *stage, char last[16],
                    bool *completion_passed, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(s,
                            "SELECT stage, result FROM lg_industry_acceptances"
                            " WHERE commitment_id = ? ORDER BY id",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, cid);
  last[0] = '\0';
  *completion_passed = false;
  while ((rc = lg_store_step(st)) == LG_ROW) {
    const char *sg = lg_store_col_text(st, 0), *res = lg_store_col_text(st, 1);
    if (!strcmp(sg, stage)) snprintf(last, 16, "%s", res);
    if (!strcmp(sg, "completion") && !strcmp(res, "pass")) *completion_passed = true;
  }
  rc = rc == LG_DONE ? 0 : lg_store_fail(s, err, "读取验收记录");
  lg_store_done(st);
  return rc;
}

static int accept_insert(lg_store_t *s, const lg_subject_t *who, int64_t cid, const json_t *o,
                         const json_t *actuals, int64_t *id, lg_err_t *err) {
  char now[32];
  ind_now_iso(now);
  char *a = json_dumps(actuals, JSON_COMPACT | JSON_SORT_KEYS);
  char *it = json_dumps(json_object_get(o, "items"), JSON_COMPACT | JSON_SORT_KEYS);
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(
      s,
      "INSERT INTO lg_industry_acceptances(commitment_id, stage, inspected_on, actuals, items,"
      " result, deadline, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc == 0) {
    const char *dl = json_string_value(json_object_get(o, "deadline"));
    lg_store_bind_int(st, 1, cid);
    lg_store_bind_text(st, 2, json_string_value(json_object_get(o, "stage")));
    lg_store_bind_text(st, 3, json_string_value(json_object_get(o, "inspected_on")));
    lg_store_bind_text(st, 4, a);
    lg_store_bind_text(st, 5, it);
    lg_store_bind_text(st, 6, json_string_value(json_object_get(o, "result")));
    if (dl)
      lg_store_bind_text(st, 7, dl);
    else
      lg_store_bind_null(st, 7);
    lg_store_bind_text(st, 8, now);
    lg_store_bind_text(st, 9, who && who->login[0] ? who->login : "system");
    rc = lg_store_insert_id(st, id, "验收记录", err);
    lg_store_done(st);
  }
  free(a);
  free(it);
  return rc;
}

int lg_industry_accept(lg_store_t *s, const lg_subject_t *who, int64_t parcel_id, const char *stage,
                       const char *on, const json_t *actuals, json_t **out, int64_t *id,
                       lg_err_t *err) {
  if (out) *out = NULL;
  json_t *cfg = NULL, *parcel = NULL, *com = NULL, *o = NULL;
  char division[16], last[16];
  bool passed = false;
  int64_t aid = 0;
  int rc = 0;
  if (!(parcel = ind_parcel_row(s, parcel_id, err))) return err->code ? err->code : LG_ENOTFOUND;
  snprintf(division, sizeof division, "%s", json_string_value(json_object_get(parcel, "division")));
  if ((rc = ind_require(s, who, "act", division, err))) goto done;
  lg_err_t e2 = {0};
  if (!(com = ind_commitment_row(s, parcel_id, &e2))) {
    rc = lg_err_set(err, LG_ECONFLICT, "标准地 %s 尚未签订投资协议, 无从验收",
                    json_string_value(json_object_get(parcel, "code")));
    goto done;
  }
  int64_t cid = json_integer_value(json_object_get(com, "id"));
  if ((rc = previous(s, cid, stage ? stage : "", last, &passed, err))) goto done;
  if (!strcmp(last, "pass") || !strcmp(last, "breach")) {
    rc = lg_err_set(err, LG_ECONFLICT, "该阶段已有结论 (%s), 不再验收",
                    !strcmp(last, "pass") ? "通过" : "违约");
    goto done;
  }
  if (stage && !strcmp(stage, "performance") && !passed) {
    rc = lg_err_set(err, LG_ECONFLICT, "竣工联合验收尚未通过, 不能进行达产复核");
    goto done;
  }
  if ((rc = lg_industry_config(s, &cfg, err))) goto done;
  if ((rc = lg_industry_acceptance_eval(cfg, parcel, com, stage, actuals, on, last, &o, err)))
    goto done;
  if ((rc = lg_store_begin(s, err))) goto done;
  rc = accept_insert(s, who, cid, o, actuals, &aid, err);
  json_t *state = NULL;
  if (rc == 0 && !(state = ind_state(s, "industry.acceptance", aid, err)))
    rc = err->code ? err->code : LG_EDB;
  if (rc == 0)
    rc = ind_record(s, who, "industry.acceptance.decide", "industry.acceptance", aid, division,
                    state, err);
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc) lg_store_rollback(s);
done:
  if (rc == 0) {
    json_object_set_new(o, "id", json_integer(aid));
    if (id) *id = aid;
    if (out) *out = json_incref(o);
  }
  json_decref(o);
  json_decref(cfg);
  json_decref(com);
  json_decref(parcel);
  return rc;
}
