/*
 * The cases module's small shared pieces: JSON helpers over store columns, the
 * configuration document (built-in data/cases/default.json or the store's
 * cases.config) with its validation and the lookups the other files make
 * in it (checklists, departments, time limits, outcomes per step), the
 * built-in process and its deployment, and the Chinese titles of
 * statuses, levels and material states.
 */
#include "cases/cases_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compiled in from data/cases/default.json and processes/land-approval.bpmn
 * (CMakeLists.txt, embed.cmake). */
extern const unsigned char lg_cases_default_config[];
extern const unsigned char lg_cases_default_process[];
extern const size_t lg_cases_default_process_len;

const char *lg_cases_config_default_json(void) { return (const char *)lg_cases_default_config; }
const char *lg_cases_process_default_xml(void) { return (const char *)lg_cases_default_process; }

/* ---- Watchers of a case's status ------------------------------------------- */

#define MAX_WATCHERS 16

static struct {
  char name[32];
  lg_cases_watch_fn fn;
  void *ud;
} watchers[MAX_WATCHERS];
static int nwatchers;
static pthread_mutex_t watchers_mu = PTHREAD_MUTEX_INITIALIZER;

/* Registering a name again replaces its watcher (a test may register
 * twice). */
void lg_cases_watch(const char *name, lg_cases_watch_fn fn, void *ud) {
  pthread_mutex_lock(&watchers_mu);
  int i = 0;
  while (i < nwatchers && strcmp(watchers[i].name, name))
    i++;
  if (i < MAX_WATCHERS) {
    snprintf(watchers[i].name, sizeof watchers[i].name, "%s", name);
    watchers[i].fn = fn;
    watchers[i].ud = ud;
    if (i == nwatchers) nwatchers++;
  }
  pthread_mutex_unlock(&watchers_mu);
}

int cs_notify(lg_store_t *s, int64_t case_id, const char *from, const char *to, int64_t now,
              const char *actor, lg_err_t *err) {
  pthread_mutex_lock(&watchers_mu);
  int n = nwatchers;
  pthread_mutex_unlock(&watchers_mu);
  for (int i = 0; i < n; i++) {
    if (!watchers[i].fn) continue;
    int rc = watchers[i].fn(s, case_id, from, to, now, actor, watchers[i].ud, err);
    if (rc) return rc;
  }
  return 0;
}

/* ---- Columns as JSON ------------------------------------------------------- */

json_t *cs_col_text(lg_stmt_t *st, int i) {
  if (lg_store_col_type(st, i) == LG_COL_NULL) return json_null();
  json_t *v = json_string(lg_store_col_text(st, i));
  return v ? v : json_null();
}

json_t *cs_col_json(lg_stmt_t *st, int i) {
  if (lg_store_col_type(st, i) == LG_COL_NULL) return json_null();
  json_t *v = json_loads(lg_store_col_text(st, i), JSON_DECODE_ANY, NULL);
  return v ? v : json_null();
}

json_t *cs_col_real(lg_stmt_t *st, int i) {
  return lg_store_col_type(st, i) == LG_COL_NULL ? json_null()
                                                 : json_real(lg_store_col_real(st, i));
}

json_t *cs_col_int(lg_stmt_t *st, int i) {
  return lg_store_col_type(st, i) == LG_COL_NULL ? json_null()
                                                 : json_integer(lg_store_col_int(st, i));
}

void cs_bind_text(lg_stmt_t *st, int i, const char *v) {
  if (v)
    lg_store_bind_text(st, i, v);
  else
    lg_store_bind_null(st, i);
}

char *cs_json_text(const json_t *v) {
  char *t =
      json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
  char *r = lg_strdup(t ? t : "null");
  free(t);
  return r;
}

bool cs_list_has(const json_t *arr, const char *s) {
  size_t i;
  const json_t *v;
  if (!s) return false;
  json_array_foreach(arr, i,
                     v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
  return false;
}

void cs_group_parts(const char *group, char role[16], char qual[64], char division[16]) {
  role[0] = qual[0] = division[0] = '\0';
  if (!group) return;
  char g[256];
  snprintf(g, sizeof g, "%s", group);
  char *at = strchr(g, '@');
  if (at) {
    *at++ = '\0';
    if (lg_auth_division_normalize(at, division, NULL, NULL) != 0) division[0] = '\0';
  }
  char *colon = strchr(g, ':');
  if (colon) {
    *colon++ = '\0';
    snprintf(qual, 64, "%s", colon);
  }
  snprintf(role, 16, "%s", g);
}

/* ---- Configuration ---------------------------------------------------------- */

const json_t *cs_cfg(const json_t *cfg, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = cfg;
  for (char *p = buf, *dot; v && p; p = dot) {
    dot = strchr(p, '.');
    if (dot) *dot++ = '\0';
    v = json_object_get(v, p);
  }
  return v;
}

const char *cs_cfg_str(const json_t *cfg, const char *path, const char *dflt) {
  const char *v = json_string_value(cs_cfg(cfg, path));
  return v ? v : dflt;
}

json_t *cs_checklist(const json_t *cfg, const char *type) {
  json_t *out = json_deep_copy(cs_cfg(cfg, "materials.default"));
  if (!json_is_array(out)) {
    json_decref(out);
    out = json_array();
  }
  const json_t *extra = json_object_get(cs_cfg(cfg, "materials.by_type"), type ? type : "");
  size_t i;
  const json_t *item;
  json_array_foreach(extra, i, item) {
    const char *kind = json_string_value(json_object_get(item, "kind"));
    bool replaced = false;
    size_t k;
    json_t *have;
    json_array_foreach(out, k, have) {
      if (kind && !strcmp(kind, json_string_value(json_object_get(have, "kind")))) {
        json_array_set_new(out, k, json_deep_copy(item));
        replaced = true;
        break;
      }
    }
    if (!replaced) json_array_append_new(out, json_deep_copy(item));
  }
  return out;
}

json_t *cs_departments(const json_t *cfg, const char *type) {
  const json_t *own = json_object_get(cs_cfg(cfg, "departments.by_type"), type ? type : "");
  return json_deep_copy(json_is_array(own) ? own : cs_cfg(cfg, "departments.default"));
}

int cs_time_limit(const json_t *cfg, const char *node) {
  const json_t *v = json_object_get(cs_cfg(cfg, "time_limits.nodes"), node ? node : "");
  if (!json_is_integer(v)) v = cs_cfg(cfg, "time_limits.default");
  return json_is_integer(v) ? (int)json_integer_value(v) : 10;
}

json_t *cs_task_actions(const json_t *cfg, const char *node, bool multi) {
  const json_t *v = json_object_get(cs_cfg(cfg, "task_actions.nodes"), node ? node : "");
  if (json_is_array(v)) return json_incref((json_t *)v);
  return multi ? json_pack("[s,s]", "approve", "veto") : json_pack("[s,s]", "approve", "reject");
}

/* Every field the code reads is checked once here, so that a document an
 * administrator saved with a typo fails with the field's name rather than
 * somewhere in the middle of a case. */
static int config_validate(const json_t *cfg, lg_err_t *err) {
  static const char *const arrays[] = {"materials.default", "deferral.ratings",
                                       "departments.default", "divisions.layers"};
  for (size_t i = 0; i < LG_ARRAY_LEN(arrays); i++)
    if (!json_is_array(cs_cfg(cfg, arrays[i])))
      return lg_err_set(err, LG_EINVAL, "案件配置缺少列表 %s", arrays[i]);
  size_t i;
  const json_t *item;
  json_array_foreach(cs_cfg(cfg, "materials.default"), i, item) {
    if (!json_is_string(json_object_get(item, "kind")) ||
        !json_is_string(json_object_get(item, "name")) ||
        !json_is_boolean(json_object_get(item, "core")))
      return lg_err_set(err, LG_EINVAL, "案件配置 materials.default[%zu] 须有 kind、name 和 core",
                        i);
  }
  double rate = json_number_value(cs_cfg(cfg, "penalty.rate"));
  double lo = json_number_value(cs_cfg(cfg, "penalty.min_rate"));
  double hi = json_number_value(cs_cfg(cfg, "penalty.max_rate"));
  if (!(lo > 0 && lo <= hi && rate >= lo && rate <= hi))
    return lg_err_set(err, LG_EINVAL,
                      "案件配置 penalty.rate = %g 应在 penalty.min_rate (%g) 与 "
                      "penalty.max_rate (%g) 之间 (违约金为投资额的 0.5%%-1%%)",
                      rate, lo, hi);
  lg_duration_t d;
  lg_err_t e2 = {0};
  const char *period = cs_cfg_str(cfg, "deferral.period", "");
  if (lg_duration_parse(period, &d, &e2) != 0 || d.days <= 0 || d.years || d.months || d.seconds)
    return lg_err_set(err, LG_EINVAL, "案件配置 deferral.period \"%s\" 应为天数, 如 P20D", period);
  if (!json_is_string(cs_cfg(cfg, "document_number.pattern")) ||
      !strstr(cs_cfg_str(cfg, "document_number.pattern", ""), "{seq}"))
    return lg_err_set(err, LG_EINVAL, "案件配置 document_number.pattern 须含 {seq}");
  const char *lv;
  const json_t *pat;
  json_object_foreach((json_t *)cs_cfg(cfg, "document_number.patterns"), lv, pat) {
    if (!json_is_string(pat) || !strstr(json_string_value(pat), "{seq}"))
      return lg_err_set(err, LG_EINVAL, "案件配置 document_number.patterns.%s 须含 {seq}", lv);
  }
  if (!json_is_string(cs_cfg(cfg, "process")))
    return lg_err_set(err, LG_EINVAL, "案件配置缺少流程标识 process");
  return 0;
}

/* The configuration is read on every action (the window's rules, the
 * steps' time limits, the outcomes a step accepts), several times per
 * transition, and parsing and validating its JSON each time cost more
 * than the transition's own work. Parsed documents are kept, process-wide,
 * by their text: the saved setting is read each time (one kept
 * statement), so a document saved by any connection is what the next
 * call returns, and a text seen before costs a comparison. Kept
 * documents are shared read-only; a few texts are kept (the built-in and
 * the saved one, a store or two in tests), the oldest dropped. */
#define CFG_KEPT 4

typedef struct cfg_kept {
  char *text; /* NULL: the built-in document */
  bool builtin;
  json_t *cfg;
  uint64_t used;
} cfg_kept_t;

static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static cfg_kept_t cfg_kept[CFG_KEPT];
static uint64_t cfg_clock;

static json_t *cfg_find(const char *saved) {
  json_t *found = NULL;
  pthread_mutex_lock(&cfg_mu);
  for (int i = 0; i < CFG_KEPT && !found; i++) {
    cfg_kept_t *k = &cfg_kept[i];
    if (!k->cfg || (saved ? k->builtin || strcmp(k->text, saved) : !k->builtin)) continue;
    k->used = ++cfg_clock;
    found = json_incref(k->cfg);
  }
  pthread_mutex_unlock(&cfg_mu);
  return found;
}

static void cfg_keep(const char *saved, json_t *cfg) {
  json_t *gone = NULL;
  char *gone_text = NULL;
  pthread_mutex_lock(&cfg_mu);
  int slot = 0;
  for (int i = 0; i < CFG_KEPT; i++) {
    if (!cfg_kept[i].cfg) {
      slot = i;
      break;
    }
    if (cfg_kept[i].used < cfg_kept[slot].used) slot = i;
  }
  gone = cfg_kept[slot].cfg;
  gone_text = cfg_kept[slot].text;
  cfg_kept[slot] = (cfg_kept_t){.text = saved ? lg_strdup(saved) : NULL,
                                .builtin = !saved,
                                .cfg = json_incref(cfg),
                                .used = ++cfg_clock};
  pthread_mutex_unlock(&cfg_mu);
  json_decref(gone);
  lg_free(gone_text);
}

int lg_cases_config(lg_store_t *s, json_t **out, lg_err_t *err) {
  *out = NULL;
  char *saved = NULL;
  int rc = lg_store_setting_get(s, "cases.config", &saved, err);
  if (rc) return rc;
  json_t *cfg = cfg_find(saved);
  if (cfg) {
    lg_free(saved);
    *out = cfg;
    return 0;
  }
  const char *text = saved ? saved : lg_cases_config_default_json();
  json_error_t je;
  cfg = json_loads(text, 0, &je);
  if (!cfg) {
    rc = lg_err_set(err, LG_EINVAL, "%s不是有效的 JSON: %s",
                    saved ? "设置 cases.config " : "内置案件配置 ", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
  } else if ((rc = config_validate(cfg, err)) != 0) {
    if (saved) lg_err_prefix(err, "设置 cases.config: ");
    json_decref(cfg);
    cfg = NULL;
  } else {
    cfg_keep(saved, cfg);
  }
  lg_free(saved);
  *out = cfg;
  return rc;
}

int lg_cases_ensure_process(lg_store_t *s, lg_err_t *err) {
  json_t *cfg = NULL;
  int rc = lg_cases_config(s, &cfg, err);
  if (rc) return rc;
  char *xml = NULL;
  rc = lg_flow_definition_xml(s, cs_cfg_str(cfg, "process", "land_approval"), 0, &xml, NULL, err);
  lg_free(xml);
  if (rc == LG_ENOTFOUND) {
    lg_err_clear(err);
    const char *def = lg_cases_process_default_xml();
    rc = lg_flow_deploy(s, def, strlen(def), "system", NULL, err);
  }
  json_decref(cfg);
  return rc;
}

/* ---- Titles -------------------------------------------------------------------- */

static const char *title_of(const char *const (*table)[2], size_t n, const char *key) {
  for (size_t i = 0; key && i < n; i++)
    if (!strcmp(table[i][0], key)) return table[i][1];
  return "";
}

const char *lg_cases_status_title(const char *status) {
  static const char *const t[][2] = {
      {"submitted", "待受理"},
      {"in_review", "审查中"},
      {"notice", "公告中"},
      {"approved", "已批准"},
      {"handed_over", "已移交供地"},
      {"returned", "退回补正"},
      {"prohibited", "禁止 (负面清单)"},
      {"rejected", "不予批准"},
      {"vetoed", "一票否决"},
      {"cancelled", "已撤销"},
      {"closed", "已办结"},
  };
  return title_of(t, LG_ARRAY_LEN(t), status);
}

const char *lg_cases_action_title(const char *action) {
  static const char *const t[][2] = {
      {"accept", "受理"},     {"defer", "容缺受理"}, {"return", "退回补正"}, {"approve", "通过"},
      {"reject", "不予通过"}, {"veto", "否决"},      {"done", "办结"},
  };
  const char *v = title_of(t, LG_ARRAY_LEN(t), action);
  return *v ? v : action;
}

const char *lg_cases_level_title(const char *level) {
  static const char *const t[][2] = {
      {"county", "县级"},          {"city", "市级"},
      {"province", "省级"},        {"ministry", "自然资源部"},
      {"state_council", "国务院"}, {"none", "无需审批"},
  };
  return title_of(t, LG_ARRAY_LEN(t), level);
}

const char *lg_cases_material_state_title(const char *state) {
  static const char *const t[][2] = {{"submitted", "已提交"},
                                     {"deferred", "容缺待补"},
                                     {"supplied", "已补正"},
                                     {"missing", "缺失"}};
  return title_of(t, LG_ARRAY_LEN(t), state);
}

int cs_year(int64_t t) {
  int y;
  lg_date_to_ymd(lg_date_of(t, LG_TZ_CHINA), &y, NULL, NULL);
  return y;
}

int cs_counter_next(lg_store_t *s, const char *kind, const char *scope, int year, int64_t *out,
                    lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      "INSERT INTO lg_case_counters(kind, scope, year, last) VALUES (?, ?, ?, 1)"
      " ON CONFLICT(kind, scope, year) DO UPDATE SET last = lg_case_counters.last + 1"
      " RETURNING last",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, scope);
  lg_store_bind_int(st, 3, year);
  if (lg_store_step(st) == LG_ROW)
    *out = lg_store_col_int(st, 0);
  else
    rc = lg_store_fail(s, err, "分配编号失败");
  lg_store_done(st);
  return rc;
}
