/*
 * The industry module's small shared pieces: permission, ledger entries,
 * dates and numbers checked with a message naming what was wrong.
 */
#include "industry/industry_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ind_is_console(const lg_subject_t *who) {
  return !who || !strcmp(who->role, "console") || !strcmp(who->role, "system");
}

int ind_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
                lg_err_t *err) {
  if (ind_is_console(who)) return 0;
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
  int rc = ind_nonneg(*v, title, err);
  if (rc) lg_err_where(err, "%s", key);
  return rc;
}

/* ---- Reading rows ------------------------------------------------------------ */

static json_t *col_json(lg_stmt_t *st, int i) {
  switch (lg_store_col_type(st, i)) {
  case LG_COL_NULL:
    return json_null();
  case LG_COL_INT:
    return json_integer(lg_store_col_int(st, i));
  case LG_COL_REAL:
    return json_real(lg_store_col_real(st, i));
  default: {
    const char *name = lg_store_col_name(st, i);
    const char *t = lg_store_col_text(st, i);
    /* Columns that hold JSON documents come back parsed. */
    if (!strcmp(name, "conditions") || !strcmp(name, "actuals") || !strcmp(name, "items") ||
        !strcmp(name, "result_json")) {
      json_t *j = json_loads(t ? t : "null", JSON_DECODE_ANY, NULL);
      if (j) return j;
    }
    return json_string(t ? t : "");
  }
  }
}

/* Rows of a query with one integer parameter, as objects by column name;
 * NULL with err on failure. */
json_t *ind_rows(lg_store_t *s, const char *sql, int64_t id, const char *text, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  if (lg_store_prepare(s, sql, &st, err) != 0) return NULL;
  if (text)
    lg_store_bind_text(st, 1, text);
  else
    lg_store_bind_int(st, 1, id);
  json_t *out = json_array();
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW) {
    json_t *o = json_object();
    for (int i = 0; i < lg_store_col_count(st); i++)
      json_object_set_new(o, lg_store_col_name(st, i), col_json(st, i));
    json_array_append_new(out, o);
  }
  if (rc != LG_DONE) {
    lg_store_fail(s, err, "读取产业用地记录");
    json_decref(out);
    out = NULL;
  }
  lg_store_done(st);
  return out;
}
