/*
 * The industry module's configuration (data/industry/default.json
 * compiled in, or the store's own document in the setting
 * industry.config) with its validation; the default conditions of a
 * standard-land parcel; the unified social credit code.
 */
#include "industry/industry_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compiled in from data/industry/default.json (CMakeLists.txt). */
extern const unsigned char lg_industry_default_config[];

const char *lg_industry_config_default_json(void) {
  return (const char *)lg_industry_default_config;
}

/* The conditions a parcel carries: key, title, unit, op, where the default
 * lives ("general" or the industry's row). */
static const struct {
  const char *key, *title, *unit, *op;
  bool per_industry;
} cond_keys[] = {
    {"investment_intensity_min", "投资强度", "万元/亩", ">=", false},
    {"floor_area_ratio_min", "容积率", "", ">=", true},
    {"building_coverage_min", "建筑系数", "%", ">=", false},
    {"office_living_max", "行政办公及生活服务设施用地比例", "%", "<=", false},
    {"green_ratio_max", "绿地率", "%", "<=", false},
    {"output_per_mu_min", "亩均产值", "万元/亩", ">=", false},
    {"tax_per_mu_min", "亩均税收", "万元/亩", ">=", false},
};

static int bad(lg_err_t *err, const char *where, const char *what) {
  lg_err_set(err, LG_EINVAL, "产业用地配置 %s: %s", where, what);
  lg_err_where(err, "%s", where);
  return LG_EINVAL;
}

/* An indicator value {value: number >= 0, source: text}. */
static int check_value(const json_t *v, const char *where, lg_err_t *err) {
  if (!json_is_object(v)) return bad(err, where, "应为 {value, source, ...} 对象");
  const json_t *x = json_object_get(v, "value");
  if (!json_is_number(x) || json_number_value(x) < 0) return bad(err, where, "value 应为非负数");
  if (!json_is_string(json_object_get(v, "source")))
    return bad(err, where, "缺少 source (数值的来源)");
  return 0;
}

static int check_permu(const json_t *p, lg_err_t *err) {
  if (!json_is_object(p)) return bad(err, "permu", "应为对象");
  const json_t *ind = json_object_get(p, "indicators");
  if (!json_is_array(ind) || !json_array_size(ind))
    return bad(err, "permu.indicators", "应为非空列表");
  size_t i;
  const json_t *x;
  char w[96];
  json_array_foreach(ind, i, x) {
    snprintf(w, sizeof w, "permu.indicators[%zu]", i);
    if (!json_is_string(json_object_get(x, "key")) || !json_is_string(json_object_get(x, "num")) ||
        !json_is_string(json_object_get(x, "den")))
      return bad(err, w, "需要 key、num、den");
    const json_t *wt = json_object_get(x, "weight");
    if (!json_is_number(wt) || json_number_value(wt) < 0) return bad(err, w, "weight 应为非负数");
  }
  const char *m = json_string_value(ind_cfg(p, "benchmark.method"));
  if (!m || (strcmp(m, "aggregate") && strcmp(m, "mean")))
    return bad(err, "permu.benchmark.method", "应为 aggregate 或 mean");
  if (ind_cfg_num(p, "cap.value", 0) <= 0) return bad(err, "permu.cap.value", "应为正数");
  m = json_string_value(ind_cfg(p, "grading.method"));
  if (!m || (strcmp(m, "threshold") && strcmp(m, "rank_share")))
    return bad(err, "permu.grading.method", "应为 threshold 或 rank_share");
  const char *list = !strcmp(m, "threshold") ? "thresholds" : "rank_shares";
  snprintf(w, sizeof w, "permu.grading.%s", list);
  const json_t *g = json_object_get(json_object_get(p, "grading"), list);
  if (!json_is_array(g) || !json_array_size(g)) return bad(err, w, "应为非空列表");
  double prev = 1e300, sum = 0;
  json_array_foreach(g, i, x) {
    const json_t *v = json_object_get(x, !strcmp(m, "threshold") ? "min" : "share");
    if (!json_is_string(json_object_get(x, "grade")) || !json_is_number(v))
      return bad(err, w, "每项需要 grade 和 min (或 share)");
    double d = json_number_value(v);
    if (!strcmp(m, "threshold") && d >= prev) return bad(err, w, "min 应从高到低");
    prev = d, sum += d;
  }
  if (!strcmp(m, "rank_share") && (sum < 99.999 || sum > 100.001))
    return bad(err, w, "各等级比例之和应为 100");
  return 0;
}

int lg_industry_config_check(const json_t *cfg, lg_err_t *err) {
  if (!json_is_object(cfg)) return bad(err, "(整体)", "应为 JSON 对象");
  char w[96];
  for (size_t i = 0; i < LG_ARRAY_LEN(cond_keys); i++) {
    if (cond_keys[i].per_industry) continue;
    snprintf(w, sizeof w, "general.%s", cond_keys[i].key);
    int rc = check_value(ind_cfg(cfg, w), w, err);
    if (rc) return rc;
  }
  const json_t *inds = json_object_get(cfg, "industries");
  if (!json_is_array(inds) || !json_array_size(inds)) return bad(err, "industries", "应为非空列表");
  size_t i;
  const json_t *x;
  json_array_foreach(inds, i, x) {
    const char *code = json_string_value(json_object_get(x, "code"));
    snprintf(w, sizeof w, "industries[%zu].code", i);
    if (!code || strlen(code) != 2 || !isdigit((unsigned char)code[0]) ||
        !isdigit((unsigned char)code[1]))
      return bad(err, w, "应为两位 GB/T 4754 大类代码");
    snprintf(w, sizeof w, "industries[%zu].floor_area_ratio_min", i);
    int rc = check_value(json_object_get(x, "floor_area_ratio_min"), w, err);
    if (rc) return rc;
  }
  const json_t *cat = ind_cfg(cfg, "catalogue.entries");
  if (!json_is_array(cat)) return bad(err, "catalogue.entries", "应为列表");
  json_array_foreach(cat, i, x) {
    const char *cl = json_string_value(json_object_get(x, "class"));
    snprintf(w, sizeof w, "catalogue.entries[%zu]", i);
    if (!json_is_string(json_object_get(x, "id")) || !cl ||
        (strcmp(cl, "restricted") && strcmp(cl, "eliminated")))
      return bad(err, w, "需要 id 和 class (restricted 或 eliminated)");
  }
  if (!json_is_array(ind_cfg(cfg, "acceptance.items")))
    return bad(err, "acceptance.items", "应为列表");
  if (ind_cfg_num(cfg, "acceptance.rectify_months.value", -1) < 0)
    return bad(err, "acceptance.rectify_months.value", "应为非负数");
  return check_permu(json_object_get(cfg, "permu"), err);
}

/* ---- Loading, with the parsed document kept per text ---------------------- */

static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static char *kept_text; /* NULL: the built-in */
static json_t *kept_cfg;
static bool kept_any;

int lg_industry_config(lg_store_t *s, json_t **out, lg_err_t *err) {
  *out = NULL;
  char *saved = NULL;
  int rc = lg_store_setting_get(s, "industry.config", &saved, err);
  if (rc) return rc;
  pthread_mutex_lock(&cfg_mu);
  if (kept_any && ((!saved && !kept_text) || (saved && kept_text && !strcmp(saved, kept_text)))) {
    *out = json_incref(kept_cfg);
    pthread_mutex_unlock(&cfg_mu);
    lg_free(saved);
    return 0;
  }
  pthread_mutex_unlock(&cfg_mu);
  const char *text = saved ? saved : lg_industry_config_default_json();
  json_error_t je;
  json_t *cfg = json_loads(text, 0, &je);
  if (!cfg) {
    rc = lg_err_set(err, LG_EINVAL, "%s不是有效的 JSON: %s",
                    saved ? "设置 industry.config " : "内置产业用地配置 ", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
  } else if ((rc = lg_industry_config_check(cfg, err)) != 0) {
    if (saved) lg_err_prefix(err, "设置 industry.config: ");
    json_decref(cfg);
    cfg = NULL;
  } else {
    pthread_mutex_lock(&cfg_mu);
    json_decref(kept_cfg);
    lg_free(kept_text);
    kept_cfg = json_incref(cfg);
    kept_text = saved ? lg_strdup(saved) : NULL;
    kept_any = true;
    pthread_mutex_unlock(&cfg_mu);
  }
  lg_free(saved);
  *out = cfg;
  return rc;
}

int lg_industry_config_save(lg_store_t *s, const lg_subject_t *who, const char *text,
                            lg_err_t *err) {
  int rc = ind_require(s, who, "admin", NULL, err);
  if (rc) return rc;
  json_error_t je;
  json_t *cfg = json_loads(text ? text : "", 0, &je);
  if (!cfg) {
    lg_err_set(err, LG_EINVAL, "产业用地配置不是有效的 JSON: %s", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
    return LG_EINVAL;
  }
  if ((rc = lg_industry_config_check(cfg, err))) {
    json_decref(cfg);
    return rc;
  }
  char *compact = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
  if ((rc = lg_store_begin(s, err)) == 0) {
    rc = lg_store_setting_set(s, "industry.config", compact, err);
    if (rc == 0)
      rc = ind_record(s, who, "industry.config", "industry.config", 0, NULL, json_incref(cfg), err);
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
  }
  free(compact);
  json_decref(cfg);
  return rc;
}

/* ---- Conditions ------------------------------------------------------------ */

static const json_t *industry_row(const json_t *cfg, const char *code) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(cfg, "industries"), i, x) {
    const char *c = json_string_value(json_object_get(x, "code"));
    if (c && !strncmp(c, code, 2)) return x;
  }
  return NULL;
}

int lg_industry_conditions(const json_t *cfg, const char *industry, json_t **out, lg_err_t *err) {
  *out = NULL;
  const json_t *row = industry && strlen(industry) >= 2 ? industry_row(cfg, industry) : NULL;
  if (!row) {
    lg_err_set(err, LG_EINVAL,
               "行业代码 \"%s\" 不在控制指标表中 (应为 GB/T 4754-2017 制造业大类 13-43, "
               "如 39 计算机、通信和其他电子设备制造业)",
               industry ? industry : "");
    lg_err_where(err, "industry");
    return LG_EINVAL;
  }
  json_t *o = json_object();
  for (size_t i = 0; i < LG_ARRAY_LEN(cond_keys); i++) {
    const json_t *src = cond_keys[i].per_industry
                            ? json_object_get(row, cond_keys[i].key)
                            : json_object_get(json_object_get(cfg, "general"), cond_keys[i].key);
    json_t *c = json_deep_copy(src);
    json_object_set_new(c, "title", json_string(cond_keys[i].title));
    json_object_set_new(c, "unit", json_string(cond_keys[i].unit));
    json_object_set_new(c, "op", json_string(cond_keys[i].op));
    json_object_set_new(o, cond_keys[i].key, c);
  }
  *out = o;
  return 0;
}

/* ---- The unified social credit code (GB 32100-2015) ----------------------------
 * 18 characters from 0-9 and the capitals without I, O, Z, S, V; the last
 * is the check character: 31 - (sum of value x weight over the first 17,
 * weights 3^i mod 31) mod 31, 31 read as 0. */
bool lg_industry_credit_code_valid(const char *code) {
  static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  if (!code || strlen(code) != 18) return false;
  int sum = 0, w = 1;
  for (int i = 0; i < 18; i++) {
    const char *p = strchr(alphabet, code[i]);
    if (!p || !code[i]) return false;
    int v = (int)(p - alphabet);
    if (i == 17) {
      int c = 31 - sum % 31;
      return (c == 31 ? 0 : c) == v;
    }
    sum += v * w;
    w = w * 3 % 31;
  }
  return false;
}
