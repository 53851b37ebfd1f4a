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

const char *lg_consol_config_default_json(void) {
  return (const char *)lg_consol_default_config;
}

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
