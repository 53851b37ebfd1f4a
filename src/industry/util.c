/*
 * The industry module's small shared pieces: permission, ledger entries,
 * dates and numbers checked with a message naming what was wrong.
 */
#include "industry/industry_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool is_console(const lg_subject_t *who) {
  return !who || !strcmp(who->role, "console") || !strcmp(who->role, "system");
}

int ind_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
                lg_err_t *err) {
  if (is_console(who)) return 0;
  lg_object_ref_t obj = {.division = division};
  return lg_auth_require(s, who, "industry", action, division && *division ? &obj : NULL, err);
}

int ind_record(lg_store_t *s, const lg_subject_t *who, const char *action, const char *type,
               int64_t id, const char *division, json_t *state, lg_err_t *err) {
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  const char *actor = who && who->login[0] ? who->login : "system";
  const char *role = who && who->role[0] ? who->role : "system";
  lg_ledger_event_t ev = {.actor = actor,
                          .role = role,
                          .jurisdiction = division ? division : "",
                          .action = action,
                          .object_type = type,
                          .object_id = oid,
                          .state = state};
  int rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}

void ind_now_iso(char out[32]) { lg_time_iso(lg_now(), out); }

const json_t *ind_cfg(const json_t *cfg, const char *path) {
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

double ind_cfg_num(const json_t *cfg, const char *path, double dflt) {
  const json_t *v = ind_cfg(cfg, path);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

int ind_date(const char *text, const char *what, int32_t *day, lg_err_t *err) {
  if (!text || !*text) {
    lg_err_set(err, LG_EINVAL, "缺少%s (日期, YYYY-MM-DD)", what);
    lg_err_where(err, "%s", what);
    return LG_EINVAL;
  }
  lg_err_t e2 = {0};
  if (lg_date_parse(text, day, &e2) != 0) {
    lg_err_set(err, LG_EINVAL, "%s \"%.40s\" 不是日期 (应为 YYYY-MM-DD)", what, text);
    lg_err_where(err, "%s", what);
    return LG_EINVAL;
  }
  return 0;
}

int ind_nonneg(double v, const char *what, lg_err_t *err) {
  if (isfinite(v) && v >= 0) return 0;
  lg_err_set(err, LG_EINVAL, "%s 不能为负数或非数值 (得到 %g)", what, v);
  lg_err_where(err, "%s", what);
  return LG_EINVAL;
}

double ind_round(double v, int n) {
  double f = pow(10, n);
  return round(v * f) / f;
}

int ind_json_num(const json_t *j, const char *key, const char *title, double *v, lg_err_t *err) {
  const json_t *x = json_object_get(j, key);
  if (!json_is_number(x)) {
    lg_err_set(err, LG_EINVAL, "%s %s (%s)", x ? "不是数值:" : "缺少", title, key);
    lg_err_where(err, "%s", key);
    return LG_EINVAL;
  }
  *v = json_number_value(x);
  return ind_nonneg(*v, title, err);
}
