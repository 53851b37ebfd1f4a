/*
 * The quota bank's configuration (data/quota/default.json compiled in, or
 * the store's own document in the setting quota.config) with its
 * validation, and the kinds of quota: those the configuration lists and
 * those an administrator added (lg_quota_kinds, each with its ledger
 * entry).
 */
#include "quota/quota_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compiled in from data/quota/default.json (CMakeLists.txt). */
extern const unsigned char lg_quota_default_config[];

const char *lg_quota_config_default_json(void) { return (const char *)lg_quota_default_config; }

const char *q_unit_title(const char *unit) {
  if (unit && !strcmp(unit, "m2")) return "平方米";
  if (unit && !strcmp(unit, "kg")) return "千克";
  return unit ? unit : "";
}

const json_t *q_cfg(const json_t *cfg, const char *path) {
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

int64_t q_cfg_int(const json_t *cfg, const char *path, int64_t def) {
  const json_t *v = q_cfg(cfg, path);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

const json_t *q_cfg_kind(const json_t *cfg, const char *code) {
  size_t i;
  const json_t *k;
  json_array_foreach(json_object_get(cfg, "kinds"), i, k) {
    const char *c = json_string_value(json_object_get(k, "code"));
    if (c && code && !strcmp(c, code)) return k;
  }
  return NULL;
}

/* ---- Validation ------------------------------------------------------------ */

static int bad(lg_err_t *err, const char *where, const char *fmt, const char *what) {
  lg_err_set(err, LG_EINVAL, "指标银行配置 %s: %s", where, fmt);
  (void)what;
  lg_err_where(err, "%s", where);
  return LG_EINVAL;
}

static bool code_ok(const char *c) {
  size_t n = c ? strlen(c) : 0;
  if (n < 2 || n > 31) return false;
  for (size_t i = 0; i < n; i++)
    if (!(islower((unsigned char)c[i]) || isdigit((unsigned char)c[i]) || c[i] == '_'))
      return false;
  return isalpha((unsigned char)c[0]);
}

static bool unit_ok(const char *u) { return u && (!strcmp(u, "m2") || !strcmp(u, "kg")); }

/* Each entry of a list of division prefixes or kind codes is text. */
static int text_list(const json_t *v, const char *where, lg_err_t *err) {
  if (!v) return 0;
  if (!json_is_array(v)) return bad(err, where, "应为列表", NULL);
  size_t i;
  const json_t *x;
  json_array_foreach(v, i, x) {
    if (!json_is_string(x)) {
      char w[96];
      snprintf(w, sizeof w, "%s[%zu]", where, i);
      return bad(err, w, "应为文本", NULL);
    }
  }
  return 0;
}

static int nonneg_int(const json_t *v, const char *where, lg_err_t *err) {
  if (!v || json_is_null(v)) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return bad(err, where, "应为非负整数 (种类的计量单位)", NULL);
  return 0;
}

int lg_quota_config_check(const json_t *cfg, lg_err_t *err) {
  if (!json_is_object(cfg)) return bad(err, "(整体)", "应为 JSON 对象", NULL);
  const json_t *kinds = json_object_get(cfg, "kinds");
  if (!json_is_array(kinds) || json_array_size(kinds) == 0)
    return bad(err, "kinds", "应为非空列表", NULL);
  size_t i;
  const json_t *k;
  char w[128];
  json_array_foreach(kinds, i, k) {
    const char *code = json_string_value(json_object_get(k, "code"));
    snprintf(w, sizeof w, "kinds[%zu].code", i);
    if (!code_ok(code)) return bad(err, w, "应为 2-31 个小写字母、数字或下划线, 以字母开头", NULL);
    for (size_t j = 0; j < i; j++)
      if (!strcmp(code, json_string_value(json_object_get(json_array_get(kinds, j), "code"))))
        return bad(err, w, "种类代码重复", NULL);
    snprintf(w, sizeof w, "kinds[%zu].title", i);
    if (!json_is_string(json_object_get(k, "title"))) return bad(err, w, "缺少名称", NULL);
    snprintf(w, sizeof w, "kinds[%zu].unit", i);
    if (!unit_ok(json_string_value(json_object_get(k, "unit"))))
      return bad(err, w, "计量单位应为 m2 (平方米) 或 kg (千克)", NULL);
    const json_t *cq = json_object_get(k, "check_quota");
    snprintf(w, sizeof w, "kinds[%zu].check_quota", i);
    if (cq && !json_is_null(cq) && !json_is_string(cq))
      return bad(err, w, "应为合规审查结果 quotas 中的字段名或 null", NULL);
    const json_t *est = json_object_get(k, "estimate");
    if (est && !json_is_null(est)) {
      snprintf(w, sizeof w, "kinds[%zu].estimate.kg_per_m2", i);
      const json_t *f = json_object_get(est, "kg_per_m2");
      if (f && !json_is_null(f) && (!json_is_number(f) || json_number_value(f) < 0))
        return bad(err, w, "应为非负数或 null", NULL);
    }
  }
  /* Levels a county may draw on, per kind. */
  const json_t *draw = q_cfg(cfg, "consumption.draw_on");
  if (draw && !json_is_object(draw)) return bad(err, "consumption.draw_on", "应为对象", NULL);
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)draw, key, v) {
    snprintf(w, sizeof w, "consumption.draw_on.%s", key);
    if (!q_cfg_kind(cfg, key)) return bad(err, w, "不是配置中的指标种类", NULL);
    if (!json_is_array(v)) return bad(err, w, "应为层级列表 (city、province)", NULL);
    size_t j;
    const json_t *lv;
    json_array_foreach(v, j, lv) {
      const char *l = json_string_value(lv);
      if (!l || (strcmp(l, "city") && strcmp(l, "province")))
        return bad(err, w, "层级应为 city 或 province", NULL);
    }
  }
  const json_t *market = json_object_get(cfg, "market");
  if (market && !json_is_object(market)) return bad(err, "market", "应为对象", NULL);
  int rc;
  if ((rc = text_list(json_object_get(market, "excluded_kinds"), "market.excluded_kinds", err)) ||
      (rc = text_list(json_object_get(market, "excluded_regions"), "market.excluded_regions", err)))
    return rc;
  const json_t *caps = json_object_get(market, "caps");
  if (caps && !json_is_object(caps)) return bad(err, "market.caps", "应为对象", NULL);
  json_object_foreach((json_t *)caps, key, v) {
    static const char *const names[] = {"per_trade", "buyer_year", "seller_year"};
    for (size_t j = 0; j < LG_ARRAY_LEN(names); j++) {
      snprintf(w, sizeof w, "market.caps.%s.%s", key, names[j]);
      if ((rc = nonneg_int(json_object_get(v, names[j]), w, err))) return rc;
    }
  }
  const json_t *bp = q_cfg(cfg, "market.compensation.rate_bp");
  if (bp && (!json_is_integer(bp) || json_integer_value(bp) < 0 || json_integer_value(bp) > 10000))
    return bad(err, "market.compensation.rate_bp", "应为 0 到 10000 的整数 (万分之一)", NULL);
  const json_t *rates = q_cfg(cfg, "allocation.stock_rates");
  if (rates) {
    static const char *const names[] = {"unsupplied_digested", "idle_disposed"};
    for (size_t j = 0; j < LG_ARRAY_LEN(names); j++) {
      const json_t *r = json_object_get(rates, names[j]);
      snprintf(w, sizeof w, "allocation.stock_rates.%s", names[j]);
      if (!json_is_number(r) || json_number_value(r) < 0 || json_number_value(r) > 10)
        return bad(err, w, "应为 0 到 10 之间的数", NULL);
    }
  }
  const json_t *shares = q_cfg(cfg, "enclave.shares_default");
  if (shares && (rc = q_shares_check(shares, "enclave.shares_default", err))) return rc;
  const json_t *major = q_cfg(cfg, "dashboard.major_investment_yuan");
  if (major && (!json_is_number(major) || json_number_value(major) < 0))
    return bad(err, "dashboard.major_investment_yuan", "应为非负数 (元)", NULL);
  return 0;
}

/* ---- Loading, with the parsed document kept per text ---------------------------- */

static pthread_mutex_t cfg_mu = PTHREAD_MUTEX_INITIALIZER;
static char *kept_text; /* NULL: the built-in */
static json_t *kept_cfg;
static bool kept_any;

int lg_quota_config(lg_store_t *s, json_t **out, lg_err_t *err) {
  *out = NULL;
  char *saved = NULL;
  int rc = lg_store_setting_get(s, "quota.config", &saved, err);
  if (rc) return rc;
  pthread_mutex_lock(&cfg_mu);
  if (kept_any && ((!saved && !kept_text) || (saved && kept_text && !strcmp(saved, kept_text)))) {
    *out = json_incref(kept_cfg);
    pthread_mutex_unlock(&cfg_mu);
    lg_free(saved);
    return 0;
  }
  pthread_mutex_unlock(&cfg_mu);
  const char *text = saved ? saved : lg_quota_config_default_json();
  json_error_t je;
  json_t *cfg = json_loads(text, 0, &je);
  if (!cfg) {
    rc = lg_err_set(err, LG_EINVAL, "%s不是有效的 JSON: %s",
                    saved ? "设置 quota.config " : "内置指标银行配置 ", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
  } else if ((rc = lg_quota_config_check(cfg, err)) != 0) {
    if (saved) lg_err_prefix(err, "设置 quota.config: ");
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

int lg_quota_config_save(lg_store_t *s, const char *text, const lg_subject_t *who, lg_err_t *err) {
  int rc = q_require_admin(s, who, err);
  if (rc) return rc;
  json_error_t je;
  json_t *cfg = json_loads(text ? text : "", 0, &je);
  if (!cfg) {
    lg_err_set(err, LG_EINVAL, "指标银行配置不是有效的 JSON: %s", je.text);
    lg_err_where(err, "line %d, column %d", je.line, je.column);
    return LG_EINVAL;
  }
  if ((rc = lg_quota_config_check(cfg, err))) {
    json_decref(cfg);
    return rc;
  }
  /* Stored compact, in the form that is digested, so that what the
   * ledger recorded and what the audit reads are the same document. */
  char *compact = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  if ((rc = lg_store_begin(s, err)) == 0) {
    rc = lg_store_setting_set(s, "quota.config", compact, err);
    if (rc == 0)
      rc = q_record(s, &by, "quota.config", "quota.config", "quota.config", NULL, json_incref(cfg),
                    err);
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
  }
  free(compact);
  json_decref(cfg);
  return rc;
}

/* ---- Kinds ----------------------------------------------------------------------- */

static void kind_from_cfg(const json_t *k, lg_quota_kind_t *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->code, sizeof out->code, "%s", json_string_value(json_object_get(k, "code")));
  snprintf(out->title, sizeof out->title, "%s", json_string_value(json_object_get(k, "title")));
  snprintf(out->unit, sizeof out->unit, "%s", json_string_value(json_object_get(k, "unit")));
  out->tradable = json_is_true(json_object_get(k, "tradable"));
  out->builtin = true;
}

int lg_quota_kinds(lg_store_t *s, json_t **out, lg_err_t *err) {
  json_t *cfg = NULL;
  int rc = lg_quota_config(s, &cfg, err);
  if (rc) return rc;
  json_t *arr = json_array();
  size_t i;
  const json_t *k;
  json_array_foreach(json_object_get(cfg, "kinds"), i, k) {
    const char *unit = json_string_value(json_object_get(k, "unit"));
    json_array_append_new(
        arr, json_pack("{s:O, s:O, s:s, s:s, s:b, s:b, s:O}", "code", json_object_get(k, "code"),
                       "title", json_object_get(k, "title"), "unit", unit, "unit_title",
                       q_unit_title(unit), "tradable", json_is_true(json_object_get(k, "tradable")),
                       "builtin", 1, "basis",
                       json_object_get(k, "basis") ? json_object_get(k, "basis") : json_null()));
  }
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "SELECT code, title, unit, tradable, basis FROM lg_quota_kinds"
                             " ORDER BY code",
                             &st, err)) == 0) {
    while (lg_store_step(st) == LG_ROW) {
      const char *unit = lg_store_col_text(st, 2);
      json_array_append_new(
          arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:o}", "code", lg_store_col_text(st, 0),
                         "title", lg_store_col_text(st, 1), "unit", unit, "unit_title",
                         q_unit_title(unit), "tradable", (int)lg_store_col_int(st, 3), "builtin", 0,
                         "basis", q_col_text(st, 4)));
    }
    lg_store_done(st);
  }
  json_decref(cfg);
  if (rc)
    json_decref(arr);
  else
    *out = arr;
  return rc;
}

int lg_quota_kind_get(lg_store_t *s, const char *code, lg_quota_kind_t *out, lg_err_t *err) {
  json_t *cfg = NULL;
  int rc = lg_quota_config(s, &cfg, err);
  if (rc) return rc;
  const json_t *k = q_cfg_kind(cfg, code);
  if (k) {
    kind_from_cfg(k, out);
    json_decref(cfg);
    return 0;
  }
  json_decref(cfg);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(
           s, "SELECT code, title, unit, tradable FROM lg_quota_kinds WHERE code = ?", &st, err)))
    return rc;
  lg_store_bind_text(st, 1, code ? code : "");
  if (lg_store_step(st) == LG_ROW) {
    memset(out, 0, sizeof *out);
    snprintf(out->code, sizeof out->code, "%s", lg_store_col_text(st, 0));
    snprintf(out->title, sizeof out->title, "%s", lg_store_col_text(st, 1));
    snprintf(out->unit, sizeof out->unit, "%s", lg_store_col_text(st, 2));
    out->tradable = lg_store_col_int(st, 3) != 0;
    lg_store_done(st);
    return 0;
  }
  lg_store_done(st);
  /* Unknown: name the ones there are. */
  json_t *all = NULL;
  lg_buf_t b;
  lg_buf_init(&b);
  if (lg_quota_kinds(s, &all, NULL) == 0) {
    size_t i;
    const json_t *x;
    json_array_foreach(all, i, x) {
      lg_buf_printf(&b, "%s%s (%s)", i ? "、" : "", json_string_value(json_object_get(x, "code")),
                    json_string_value(json_object_get(x, "title")));
    }
  }
  json_decref(all);
  lg_err_set(err, LG_EINVAL, "未知的指标种类 \"%s\"; 可用的种类: %s", code ? code : "",
             b.data ? b.data : "");
  lg_err_where(err, "kind");
  lg_buf_fini(&b);
  return LG_EINVAL;
}

static json_t *kind_state(const lg_quota_kind_t *k, const char *basis) {
  return json_pack("{s:s, s:s, s:s, s:b, s:s?}", "code", k->code, "title", k->title, "unit",
                   k->unit, "tradable", k->tradable, "basis", basis);
}

int lg_quota_kind_add(lg_store_t *s, const lg_subject_t *who, const lg_quota_kind_t *k,
                      const char *basis, lg_err_t *err) {
  int rc = q_require_admin(s, who, err);
  if (rc) return rc;
  if (!code_ok(k->code)) {
    lg_err_set(err, LG_EINVAL,
               "种类代码 \"%s\" 无效: 应为 2-31 个小写字母、数字或下划线, 以字母开头", k->code);
    lg_err_where(err, "code");
    return LG_EINVAL;
  }
  if (!k->title[0]) {
    lg_err_set(err, LG_EINVAL, "新种类 %s 缺少名称", k->code);
    lg_err_where(err, "title");
    return LG_EINVAL;
  }
  if (!unit_ok(k->unit)) {
    lg_err_set(err, LG_EINVAL, "计量单位 \"%s\" 无效: 应为 m2 (平方米) 或 kg (千克)", k->unit);
    lg_err_where(err, "unit");
    return LG_EINVAL;
  }
  lg_quota_kind_t have;
  if (lg_quota_kind_get(s, k->code, &have, NULL) == 0)
    return lg_err_set(err, LG_ECONFLICT, "指标种类 %s (%s) 已存在", k->code, have.title);
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32];
  q_now_iso(now);
  if ((rc = lg_store_begin(s, err))) return rc;
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_kinds(code, title, unit, tradable, basis,"
                             " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             &st, err)) == 0) {
    lg_store_bind_text(st, 1, k->code);
    lg_store_bind_text(st, 2, k->title);
    lg_store_bind_text(st, 3, k->unit);
    lg_store_bind_int(st, 4, k->tradable ? 1 : 0);
    lg_store_bind_text(st, 5, basis);
    lg_store_bind_text(st, 6, now);
    lg_store_bind_text(st, 7, by.login);
    rc = lg_store_run_done(st, "保存指标种类失败", err);
  }
  if (rc == 0)
    rc = q_record(s, &by, "quota.kind.add", "quota.kind", k->code, NULL, kind_state(k, basis), err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

/* The auditor of added kinds: the row's state as recorded. */
int q_audit_kinds(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT code, title, unit, tradable, basis FROM lg_quota_kinds", &st,
                            err);
  if (rc) return rc;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    lg_quota_kind_t k;
    memset(&k, 0, sizeof k);
    snprintf(k.code, sizeof k.code, "%s", lg_store_col_text(st, 0));
    snprintf(k.title, sizeof k.title, "%s", lg_store_col_text(st, 1));
    snprintf(k.unit, sizeof k.unit, "%s", lg_store_col_text(st, 2));
    k.tradable = lg_store_col_int(st, 3) != 0;
    json_t *state = kind_state(&k, lg_store_col_text(st, 4));
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, k.code, d);
  }
  lg_store_done(st);
  return rc;
}

/* The auditor of the saved configuration: present when saved. */
int q_audit_config(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  char *saved = NULL;
  int rc = lg_store_setting_get(s, "quota.config", &saved, err);
  if (rc || !saved) return rc;
  json_t *cfg = json_loads(saved, 0, NULL);
  unsigned char d[32];
  rc = lg_ledger_digest_json(cfg ? cfg : json_null(), d, err);
  json_decref(cfg);
  lg_free(saved);
  if (rc == 0) rc = emit(ctx, "quota.config", d);
  return rc;
}
