/*
 * Small things the stock module's files share: dates as the store keeps
 * them (Beijing calendar dates, "YYYY-MM-DD"), columns as JSON, rounding,
 * the configuration (data/stock/default.json built in, or the setting
 * stock.config), and the scope condition of queries.
 */
#include "stock/stock_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "formats/formats.h"

void stk_date_str(int32_t day, char out[11]) {
  if (day == LG_STOCK_NODATE)
    out[0] = '\0';
  else
    lg_date_format(day, out);
}

int32_t stk_col_date(lg_stmt_t *st, int i) {
  const char *t = lg_store_col_text(st, i);
  int32_t d;
  if (!t || !*t || lg_date_parse(t, &d, NULL) != 0) return LG_STOCK_NODATE;
  return d;
}

void stk_bind_date(lg_stmt_t *st, int i, int32_t day) {
  if (day == LG_STOCK_NODATE) {
    lg_store_bind_null(st, i);
    return;
  }
  char b[11];
  lg_date_format(day, b);
  lg_store_bind_text(st, i, b);
}

void stk_bind_text(lg_stmt_t *st, int i, const char *v) {
  if (v && *v)
    lg_store_bind_text(st, i, v);
  else
    lg_store_bind_null(st, i);
}

json_t *stk_col_text(lg_stmt_t *st, int i) {
  const char *t = lg_store_col_text(st, i);
  json_t *v = t ? json_string(t) : NULL;
  return v ? v : json_null();
}

json_t *stk_col_real(lg_stmt_t *st, int i) {
  if (lg_store_col_null(st, i)) return json_null();
  return json_real(lg_store_col_real(st, i));
}

json_t *stk_date_json(int32_t day) {
  if (day == LG_STOCK_NODATE) return json_null();
  char b[11];
  lg_date_format(day, b);
  return json_string(b);
}

int32_t stk_today(void) { return lg_date_of(lg_now(), LG_TZ_CHINA); }

int32_t stk_date_of_iso(const char *iso) {
  int64_t t;
  if (!iso || lg_time_parse_iso(iso, &t, NULL) != 0) return LG_STOCK_NODATE;
  return lg_date_of(t, LG_TZ_CHINA);
}

double stk_round(double v, int decimals) {
  double f = pow(10, decimals);
  return round(v * f) / f;
}

int stk_full_years(int32_t a, int32_t b) {
  if (a == LG_STOCK_NODATE || b == LG_STOCK_NODATE || b < a) return 0;
  int ya, ma, da, yb, mb, db;
  lg_date_to_ymd(a, &ya, &ma, &da);
  lg_date_to_ymd(b, &yb, &mb, &db);
  /* A year is full at the end of its anniversary (Civil Code art. 201,
   * 203): on the anniversary itself it is not yet. */
  int n = yb - ya;
  while (n > 0 && lg_stock_add_years(a, n) >= b)
    n--;
  return n;
}

void stk_division(const char *code, char out[16]) {
  if (lg_auth_division_normalize(code, out, "division", NULL) != 0)
    snprintf(out, 16, "%s", code ? code : "");
}

int32_t lg_stock_add_years(int32_t day, int n) {
  int y, m, d;
  lg_date_to_ymd(day, &y, &m, &d);
  y += n;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  /* Civil Code art. 202: no corresponding day, the month's last day. */
  if (d > last) d = last;
  return lg_date_from_ymd(y, m, d);
}

int lg_stock_date_parse(const char *text, int32_t *day) { return lg_formats_sheet_date(text, day); }

void stk_bind_scope(lg_stmt_t *st, const lg_stock_query_t *q) {
  lg_store_bind_text(st, 1, q->scope ? q->scope : "none");
  lg_store_bind_text(st, 2, q->scope_division);
  char d[16] = "";
  if (q->division && *q->division) stk_division(q->division, d);
  lg_store_bind_text(st, 3, d);
}

int lg_stock_query_for(lg_store_t *s, const lg_subject_t *who, lg_stock_query_t *q, lg_err_t *err) {
  if (!who) {
    q->scope = "all";
    q->scope_division[0] = '\0';
    return 0;
  }
  int scope;
  int rc = lg_auth_scope(s, who, "stock", "read", &scope, err);
  if (rc) return rc;
  lg_auth_filter_t f;
  lg_auth_filter_make(who, scope, &f);
  /* "own" has no meaning for land records (no enterprise owns a
   * ledger): lg_auth_filter_make already says none for it without one. */
  q->scope = !strcmp(f.kind, "own") ? "none" : f.kind;
  snprintf(q->scope_division, sizeof q->scope_division, "%s", f.division);
  return 0;
}

/* ---- Configuration --------------------------------------------------------- */

extern const unsigned char lg_stock_default_config[];
const char *lg_stock_config_default_json(void) { return (const char *)lg_stock_default_config; }

/* Parsed configurations, by their text (a few at most: the built-in one
 * and whatever was saved), kept for the life of the process. */
static struct {
  char *text;
  json_t *cfg;
} kept[8];
static int nkept;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;

static int validate(const json_t *cfg, lg_err_t *err) {
  lg_stock_rules_t r;
  int rc = lg_stock_rules_from(cfg, &r, err);
  if (rc) return rc;
  static const char *const groups[] = {"statuses", "acts", "documents", "ledger_defaults"};
  for (size_t i = 0; i < LG_ARRAY_LEN(groups); i++)
    if (!json_is_object(json_object_get(cfg, groups[i])))
      return lg_err_set(err, LG_EINVAL, "存量土地配置缺少 %s", groups[i]);
  if (!json_is_array(json_object_get(cfg, "government_causes")) ||
      !json_is_array(json_object_get(cfg, "art12_methods")) ||
      !json_is_array(json_object_get(cfg, "supply_methods")))
    return lg_err_set(err, LG_EINVAL,
                      "存量土地配置缺少 government_causes、art12_methods 或 supply_methods");
  return 0;
}

int stk_config(lg_store_t *s, const json_t **out, lg_err_t *err) {
  char *saved = NULL;
  int rc = lg_store_setting_get(s, "stock.config", &saved, err);
  if (rc) return rc;
  const char *text = saved ? saved : lg_stock_config_default_json();
  pthread_mutex_lock(&kept_mu);
  for (int i = 0; i < nkept; i++)
    if (!strcmp(kept[i].text, text)) {
      *out = kept[i].cfg;
      pthread_mutex_unlock(&kept_mu);
      lg_free(saved);
      return 0;
    }
  pthread_mutex_unlock(&kept_mu);
  json_error_t je;
  json_t *cfg = json_loads(text, 0, &je);
  if (!cfg) {
    rc = lg_err_set(err, LG_EINVAL, "%s不是有效的 JSON: %s",
                    saved ? "设置 stock.config " : "内置存量土地配置 ", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
  } else if ((rc = validate(cfg, err)) != 0) {
    if (saved) lg_err_prefix(err, "设置 stock.config: ");
    json_decref(cfg);
    cfg = NULL;
  }
  if (rc == 0) {
    pthread_mutex_lock(&kept_mu);
    if (nkept < (int)LG_ARRAY_LEN(kept)) {
      kept[nkept].text = lg_strdup(text);
      kept[nkept].cfg = cfg;
      nkept++;
      *out = cfg;
    } else {
      /* Too many versions in one process: keep the newest in the last slot
       * (the old one stays referenced by whoever holds it: leaked, which
       * a long-lived server with eight edits of its rules can afford). */
      kept[nkept - 1].text = lg_strdup(text);
      kept[nkept - 1].cfg = cfg;
      *out = cfg;
    }
    pthread_mutex_unlock(&kept_mu);
  }
  lg_free(saved);
  return rc;
}

int lg_stock_config(lg_store_t *s, json_t **out, lg_err_t *err) {
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  *out = rc ? NULL : json_deep_copy(cfg);
  return rc;
}

const json_t *stk_cfg(const json_t *cfg, const char *path) {
  const json_t *v = cfg;
  char key[64];
  for (const char *p = path; v && *p;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    if (n >= sizeof key) return NULL;
    memcpy(key, p, n);
    key[n] = '\0';
    v = json_object_get(v, key);
    p += n + (dot ? 1 : 0);
  }
  return v;
}

const char *stk_cfg_str(const json_t *cfg, const char *path, const char *dflt) {
  const char *s = json_string_value(stk_cfg(cfg, path));
  return s ? s : dflt;
}

double stk_cfg_num(const json_t *cfg, const char *path, double dflt) {
  const json_t *v = stk_cfg(cfg, path);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

const json_t *stk_cfg_code(const json_t *cfg, const char *group, const char *code) {
  size_t i;
  const json_t *x;
  if (!code) return NULL;
  json_array_foreach(json_object_get(cfg, group), i, x) {
    const char *c = json_string_value(json_object_get(x, "code"));
    if (c && !strcmp(c, code)) return x;
  }
  return NULL;
}

const char *stk_title(const json_t *cfg, const char *group, const char *code) {
  if (!code) return "";
  const json_t *g = json_object_get(cfg, group);
  const json_t *x = json_is_array(g) ? stk_cfg_code(cfg, group, code) : json_object_get(g, code);
  const char *t = json_string_value(json_object_get(x, "title"));
  return t ? t : "";
}
