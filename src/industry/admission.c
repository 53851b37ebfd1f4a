/*
 * The admission check (准入审查) of a project against a standard-land
 * parcel: each of the parcel's conditions met or not with the gap, the
 * industry against the restricted and eliminated catalogue (产业结构调整
 * 指导目录, as data), and the verdict with its reasons in Chinese. The
 * indicators are computed as the control-indicator document defines them:
 *
 *   investment intensity = fixed-asset investment / land area (万元/亩)
 *   floor-area ratio     = total floor area / land area
 *   building coverage    = (buildings + structures + yards) / land area
 *   office and living    = office and living land / land area
 *   green ratio          = green space / land area
 *   output, tax per mu   = yearly output, tax at full production / mu
 *
 * A condition "op >=" is met when the value reaches the required one, "<="
 * when it does not exceed it; the gap is how far it falls short (or over).
 * It is a check: nothing is recorded.
 */
#include "industry/industry_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *field_names[] = {"investment_wan", "floor_area_m2", "footprint_m2",
                                    "office_living_m2", "green_m2"};
static const char *field_titles[] = {"固定资产投资 (万元)", "总建筑面积 (平方米)",
                                     "建筑物、构筑物及堆场占地 (平方米)",
                                     "行政办公及生活服务设施用地 (平方米)", "绿地面积 (平方米)"};

int lg_industry_project_from_json(const json_t *j, lg_industry_project_t *p, lg_err_t *err) {
  memset(p, 0, sizeof *p);
  if (!json_is_object(j)) return lg_err_set(err, LG_EINVAL, "项目应为 JSON 对象");
  p->name = json_string_value(json_object_get(j, "name"));
  p->industry = json_string_value(json_object_get(j, "industry"));
  p->products = json_string_value(json_object_get(j, "products"));
  p->renovation = json_is_true(json_object_get(j, "renovation"));
  if (!p->industry || strlen(p->industry) < 2) {
    lg_err_set(err, LG_EINVAL, "缺少项目的行业代码 (industry, GB/T 4754)");
    lg_err_where(err, "industry");
    return LG_EINVAL;
  }
  double *dst[] = {&p->investment_wan, &p->floor_area_m2, &p->footprint_m2, &p->office_living_m2,
                   &p->green_m2};
  for (size_t i = 0; i < LG_ARRAY_LEN(dst); i++) {
    int rc = ind_json_num(j, field_names[i], field_titles[i], dst[i], err);
    if (rc) return rc;
  }
  p->output_wan = p->tax_wan = -1;
  const json_t *o = json_object_get(j, "output_wan"), *t = json_object_get(j, "tax_wan");
  int rc = 0;
  if (o && !json_is_null(o) &&
      (rc = ind_json_num(j, "output_wan", "年产值 (万元)", &p->output_wan, err)))
    return rc;
  if (t && !json_is_null(t) && (rc = ind_json_num(j, "tax_wan", "年税收 (万元)", &p->tax_wan, err)))
    return rc;
  return 0;
}

/* The value of a condition for the project; NAN when it declares none. */
static double project_value(const char *key, double area_m2, const lg_industry_project_t *p) {
  double mu = ind_mu(area_m2);
  if (!strcmp(key, "investment_intensity_min")) return p->investment_wan / mu;
  if (!strcmp(key, "floor_area_ratio_min")) return p->floor_area_m2 / area_m2;
  if (!strcmp(key, "building_coverage_min")) return 100 * p->footprint_m2 / area_m2;
  if (!strcmp(key, "office_living_max")) return 100 * p->office_living_m2 / area_m2;
  if (!strcmp(key, "green_ratio_max")) return 100 * p->green_m2 / area_m2;
  if (!strcmp(key, "output_per_mu_min")) return p->output_wan < 0 ? NAN : p->output_wan / mu;
  if (!strcmp(key, "tax_per_mu_min")) return p->tax_wan < 0 ? NAN : p->tax_wan / mu;
  return NAN;
}

/* One condition's item, and its reason when not met. */
static json_t *condition_item(const char *key, const json_t *c, double v, json_t *reasons,
                              bool *failed) {
  const char *op = json_string_value(json_object_get(c, "op"));
  const char *title = json_string_value(json_object_get(c, "title"));
  const char *unit = json_string_value(json_object_get(c, "unit"));
  double req = json_number_value(json_object_get(c, "value"));
  bool min = op && !strcmp(op, ">=");
  json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:f}", "key", key, "title", title ? title : key,
                         "unit", unit ? unit : "", "op", op ? op : "", "required", req);
  json_object_set(it, "source", json_object_get(c, "source"));
  json_object_set(it, "confirmed", json_object_get(c, "confirmed"));
  if (isnan(v)) {
    json_object_set_new(it, "actual", json_null());
    json_object_set_new(it, "met", json_null());
    json_object_set_new(it, "gap", json_null());
    return it;
  }
  double a = ind_round(v, 4);
  bool met = min ? a >= req : a <= req;
  double gap = met ? 0 : ind_round(min ? req - a : a - req, 4);
  json_object_set_new(it, "actual", json_real(a));
  json_object_set_new(it, "met", json_boolean(met));
  json_object_set_new(it, "gap", json_real(gap));
  if (!met) {
    char r[512];
    snprintf(r, sizeof r, "%s %.4g%s, 出让条件要求%s %.4g%s, %s %.4g%s", title, a, unit,
             min ? "不低于" : "不超过", req, unit, min ? "差" : "超出", gap, unit);
    json_array_append_new(reasons, json_string(r));
    *failed = true;
  }
  return it;
}

/* Whether text contains any of the entry's keywords (an entry with none
 * matches the whole industry). */
static bool keywords_hit(const json_t *e, const char *text) {
  const json_t *kw = json_object_get(e, "keywords");
  if (!json_array_size(kw)) return true;
  size_t i;
  const json_t *k;
  json_array_foreach(kw, i, k) {
    const char *w = json_string_value(k);
    if (w && *w && text && strstr(text, w)) return true;
  }
  return false;
}

static void catalogue_check(const json_t *cfg, const lg_industry_project_t *p, json_t *hits,
                            json_t *reasons, bool *failed) {
  size_t i;
  const json_t *e;
  json_array_foreach(ind_cfg(cfg, "catalogue.entries"), i, e) {
    const char *ind = json_string_value(json_object_get(e, "industry"));
    if (ind && strncmp(p->industry, ind, strlen(ind))) continue;
    if (!keywords_hit(e, p->products)) continue;
    const char *cl = json_string_value(json_object_get(e, "class"));
    bool elim = cl && !strcmp(cl, "eliminated");
    const char *text = json_string_value(json_object_get(e, "text"));
    json_array_append_new(hits, json_pack("{s:O, s:s, s:s, s:s}", "id", json_object_get(e, "id"),
                                          "class", cl, "class_title", elim ? "淘汰类" : "限制类",
                                          "text", text ? text : ""));
    char r[512];
    if (elim) {
      snprintf(r, sizeof r, "属《产业结构调整指导目录》淘汰类 \"%s\", 禁止投资", text ? text : "");
      *failed = true;
    } else if (!p->renovation) {
      snprintf(r, sizeof r, "属《产业结构调整指导目录》限制类 \"%s\", 禁止新建", text ? text : "");
      *failed = true;
    } else {
      snprintf(r, sizeof r, "属限制类 \"%s\", 作为现有项目改造升级可准入, 须符合改造要求",
               text ? text : "");
    }
    json_array_append_new(reasons, json_string(r));
  }
}

int lg_industry_admission_eval(const json_t *cfg, const json_t *conditions,
                               const char *parcel_industry, double area_m2,
                               const lg_industry_project_t *p, json_t **out, lg_err_t *err) {
  *out = NULL;
  if (!(area_m2 > 0)) return lg_err_set(err, LG_EINVAL, "标准地面积应为正数");
  if (!p->industry || strlen(p->industry) < 2) {
    lg_err_set(err, LG_EINVAL, "缺少项目的行业代码 (industry, GB/T 4754)");
    lg_err_where(err, "industry");
    return LG_EINVAL;
  }
  json_t *items = json_array(), *reasons = json_array(), *hits = json_array();
  bool failed = false;
  const char *key;
  const json_t *c;
  /* Conditions in the order the configuration's general block lists them,
   * floor-area ratio first (object order is the insertion order). */
  json_object_foreach((json_t *)conditions, key, c) {
    json_array_append_new(items,
                          condition_item(key, c, project_value(key, area_m2, p), reasons, &failed));
  }
  if (parcel_industry && strncmp(parcel_industry, p->industry, 2)) {
    char r[256];
    snprintf(r, sizeof r, "项目行业 %.2s 与标准地出让的行业 %.2s 不同: 控制指标按出让条件核定",
             p->industry, parcel_industry);
    json_array_append_new(reasons, json_string(r));
  }
  catalogue_check(cfg, p, hits, reasons, &failed);
  if (!failed)
    json_array_insert_new(reasons, 0,
                          json_string("各项控制指标均满足出让条件, 不属淘汰类或禁止新建的限制类"));
  *out = json_pack(
      "{s:s, s:s, s:f, s:f, s:o, s:o, s:o}", "verdict", failed ? "refused" : "admitted",
      "verdict_title", failed ? "不予准入" : "准予准入", "area_m2", area_m2, "mu",
      ind_round(ind_mu(area_m2), 4), "reasons", reasons, "items", items, "catalogue", hits);
  if (p->name) json_object_set_new(*out, "project", json_string(p->name));
  return 0;
}

int lg_industry_admission(lg_store_t *s, int64_t parcel_id, const lg_industry_project_t *p,
                          json_t **out, lg_err_t *err) {
  *out = NULL;
  json_t *cfg = NULL, *parcel = ind_parcel_row(s, parcel_id, err);
  if (!parcel) return err->code ? err->code : LG_ENOTFOUND;
  int rc = lg_industry_config(s, &cfg, err);
  if (rc == 0)
    rc = lg_industry_admission_eval(cfg, json_object_get(parcel, "conditions"),
                                    json_string_value(json_object_get(parcel, "industry")),
                                    json_number_value(json_object_get(parcel, "area_m2")), p, out,
                                    err);
  if (rc == 0) {
    json_object_set(*out, "parcel", json_object_get(parcel, "code"));
  }
  json_decref(cfg);
  json_decref(parcel);
  return rc;
}
