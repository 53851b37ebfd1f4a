/*
 * The consol module's configuration: the thresholds of the potential,
 * the yield rates and the project types, as data
 * (data/consol/default.json, compiled in). A store may keep its own
 * document in the setting consol.config; it replaces the built-in one
 * as a whole.
 */
#include "consol/consol_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compiled in from data/consol/default.json (CMakeLists.txt). */
extern const unsigned char lg_consol_default_config[];

const char *lg_consol_config_default_json(void) { return (const char *)lg_consol_default_config; }

int lg_consol_config(lg_store_t *s, json_t **out, lg_err_t *err) {
  char *saved = NULL;
  int rc = s ? lg_store_setting_get(s, "consol.config", &saved, err) : 0;
  if (rc) return rc;
  const char *text = saved && *saved ? saved : lg_consol_config_default_json();
  json_error_t je;
  json_t *cfg = json_loads(text, 0, &je);
  if (!cfg || !json_is_object(cfg)) {
    json_decref(cfg);
    lg_err_set(err, LG_EINVAL, "全域土地综合整治配置%s无法解析: 第 %d 行: %s",
               saved ? " (设置 consol.config) " : "", je.line, je.text);
    lg_err_where(err, "consol.config");
    lg_free(saved);
    return LG_EINVAL;
  }
  lg_free(saved);
  *out = cfg;
  return 0;
}

const json_t *c_cfg(const json_t *cfg, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = cfg;
  for (char *p = buf, *e; p && v; p = e) {
    e = strchr(p, '.');
    if (e) *e++ = '\0';
    v = json_object_get(v, p);
  }
  return v;
}

double c_cfg_num(const json_t *cfg, const char *path, double dflt) {
  const json_t *v = c_cfg(cfg, path);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

const char *c_cfg_str(const json_t *cfg, const char *path, const char *dflt) {
  const char *v = json_string_value(c_cfg(cfg, path));
  return v ? v : dflt;
}

const json_t *c_cfg_type(const json_t *cfg, const char *code) {
  size_t i;
  const json_t *t;
  json_array_foreach(json_object_get(cfg, "project_types"), i, t) {
    const char *c = json_string_value(json_object_get(t, "code"));
    if (c && code && !strcmp(c, code)) return t;
  }
  return NULL;
}

/* ---- Validation and saving ------------------------------------------------------- */

static int cfg_bad(lg_err_t *err, const char *where, const char *what) {
  lg_err_set(err, LG_EINVAL, "全域土地综合整治配置 %s: %s", where, what);
  lg_err_where(err, "%s", where);
  return LG_EINVAL;
}

static int need_num(const json_t *cfg, const char *path, double min, double max, lg_err_t *err) {
  const json_t *v = c_cfg(cfg, path);
  if (!json_is_number(v)) return cfg_bad(err, path, "应为数值");
  double x = json_number_value(v);
  if (x < min || x > max) {
    lg_err_set(err, LG_EINVAL, "全域土地综合整治配置 %s: %g 超出范围 %g 到 %g", path, x, min, max);
    lg_err_where(err, "%s", path);
    return LG_EINVAL;
  }
  return 0;
}

int lg_consol_config_check(const json_t *cfg, lg_err_t *err) {
  static const struct {
    const char *path;
    double min, max;
  } nums[] = {
      {"cultivated.fragment_max_m2", 1, 1e6},      {"rural_construction.scattered_max_m2", 0, 1e6},
      {"rural_construction.core_min_m2", 1, 1e7},  {"rural_construction.core_distance_m", 0, 1e4},
      {"yield.reclamation_cultivated_rate", 0, 1}, {"yield.reclamation_linkage_rate", 0, 1},
      {"yield.fragment_cultivated_rate", 0, 1}};
  if (!json_is_object(cfg)) return cfg_bad(err, "(文档)", "应为 JSON 对象");
  const char *prefix = json_string_value(c_cfg(cfg, "cultivated.class_prefix"));
  if (!prefix || !*prefix)
    return cfg_bad(err, "cultivated.class_prefix", "应为耕地地类编码前缀, 如 \"01\"");
  if (!json_is_array(c_cfg(cfg, "rural_construction.class_codes")) ||
      !json_array_size(c_cfg(cfg, "rural_construction.class_codes")))
    return cfg_bad(err, "rural_construction.class_codes", "应为地类编码的数组, 如 [\"0702\"]");
  for (size_t i = 0; i < LG_ARRAY_LEN(nums); i++) {
    int rc = need_num(cfg, nums[i].path, nums[i].min, nums[i].max, err);
    if (rc) return rc;
  }
  const json_t *types = json_object_get(cfg, "project_types"), *t;
  size_t i;
  if (!json_is_array(types) || !json_array_size(types))
    return cfg_bad(err, "project_types", "应为项目类型的数组");
  json_array_foreach(types, i, t) {
    if (!json_string_value(json_object_get(t, "code")) ||
        !json_string_value(json_object_get(t, "title")) ||
        !json_is_array(json_object_get(t, "produces"))) {
      char where[48];
      snprintf(where, sizeof where, "project_types[%zu]", i);
      return cfg_bad(err, where, "每个类型应有 code, title 和 produces (指标种类数组)");
    }
  }
  return 0;
}

int lg_consol_config_save(lg_store_t *s, const char *text, const lg_subject_t *who, lg_err_t *err) {
  int rc = 0;
  if (who && strcmp(who->role, "console") && strcmp(who->role, "system")) {
    char div[16];
    if ((rc = lg_auth_store_division(s, div, err))) return rc;
    if (!div[0])
      return lg_err_set(err, LG_EPERM,
                        "全域土地综合整治配置由管辖全库的管理员设定, 本库的管辖行政区尚不明确 "
                        "(请在服务器上执行 landgov settings set auth.store_division CODE)");
    lg_object_ref_t obj = {.division = div};
    if ((rc = lg_auth_require(s, who, "consol", "admin", &obj, err))) return rc;
  }
  json_error_t je;
  json_t *cfg = json_loads(text ? text : "", 0, &je);
  if (!cfg) {
    lg_err_set(err, LG_EINVAL, "全域土地综合整治配置不是有效的 JSON: %s", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
    return LG_EINVAL;
  }
  if ((rc = lg_consol_config_check(cfg, err))) {
    json_decref(cfg);
    return rc;
  }
  /* Stored compact, in the form that is digested, so that what the
   * ledger recorded and what the audit reads are the same document. */
  char *compact = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
  lg_ledger_event_t ev = {.actor = who && who->login[0] ? who->login : "console",
                          .role = who && who->role[0] ? who->role : "console",
                          .action = "consol.config",
                          .object_type = "consol.config",
                          .object_id = "consol.config",
                          .state = cfg};
  if ((rc = lg_store_begin(s, err)) == 0) {
    rc = lg_store_setting_set(s, "consol.config", compact, err);
    if (rc == 0) rc = lg_ledger_append(s, &ev, NULL, err);
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
  }
  free(compact);
  json_decref(cfg);
  return rc;
}

int c_audit_config(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  char *saved = NULL;
  int rc = lg_store_setting_get(s, "consol.config", &saved, err);
  if (rc || !saved) {
    lg_free(saved);
    return rc;
  }
  json_t *cfg = json_loads(saved, 0, NULL);
  lg_free(saved);
  unsigned char d[32];
  rc = lg_ledger_digest_json(cfg ? cfg : json_null(), d, err);
  json_decref(cfg);
  return rc ? rc : emit(ctx, "consol.config", d);
}
