/*
 * Enclave parks (飞地经济, seed 000 §2.3.3): the agreement between a
 * source division (飞出地) and a host division (飞入地, where the park lies)
 * with the park's boundary (features of a layer), who bears which costs,
 * how tax revenue and GDP are shared by agreement year, and whose quota
 * the park's approvals consume; each year's figures (from the
 * industrial-land module through the registered source, else recorded
 * by hand) and the settlement that shares them, to the fen.
 */
#include "files/files.h"
#include "quota/quota_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t source_mu = PTHREAD_MUTEX_INITIALIZER;
static lg_quota_enclave_figures_fn figures_fn;
static void *figures_ud;

void lg_quota_enclave_figures_source(lg_quota_enclave_figures_fn fn, void *ud) {
  pthread_mutex_lock(&source_mu);
  figures_fn = fn;
  figures_ud = ud;
  pthread_mutex_unlock(&source_mu);
}

/* ---- The schedule of shares ------------------------------------------------------ */

int q_shares_check(const json_t *shares, const char *where, lg_err_t *err) {
  if (!json_is_array(shares) || json_array_size(shares) == 0) {
    lg_err_set(err, LG_EINVAL, "%s: 分成比例应为非空列表 [{from_year, to_year, source, host}]",
               where);
    lg_err_where(err, "%s", where);
    return LG_EINVAL;
  }
  json_int_t next = 1;
  size_t i, n = json_array_size(shares);
  const json_t *p;
  json_array_foreach(shares, i, p) {
    const json_t *f = json_object_get(p, "from_year"), *t = json_object_get(p, "to_year"),
                 *a = json_object_get(p, "source"), *b = json_object_get(p, "host");
    const char *why = NULL;
    if (!json_is_integer(f) || json_integer_value(f) != next)
      why = "from_year 应从第 1 年起, 紧接上一段";
    else if (!(json_is_null(t) || !t) &&
             (!json_is_integer(t) || json_integer_value(t) < json_integer_value(f)))
      why = "to_year 应不早于 from_year (最后一段可为 null, 表示此后各年)";
    else if ((!t || json_is_null(t)) && i + 1 != n)
      why = "只有最后一段可以不设 to_year";
    else if (!json_is_integer(a) || !json_is_integer(b) || json_integer_value(a) < 0 ||
             json_integer_value(b) < 0 || json_integer_value(a) + json_integer_value(b) <= 0 ||
             json_integer_value(a) + json_integer_value(b) > 1000)
      why = "source、host 应为非负整数比例, 且不全为 0";
    if (why) {
      lg_err_set(err, LG_EINVAL, "%s[%zu]: %s", where, i, why);
      lg_err_where(err, "%s[%zu]", where, i);
      return LG_EINVAL;
    }
    next = t && json_is_integer(t) ? json_integer_value(t) + 1 : next;
  }
  return 0;
}

/* The ratio of agreement year n (1-based). */
static bool share_of(const json_t *shares, int n, int *src, int *host) {
  size_t i;
  const json_t *p;
  json_array_foreach(shares, i, p) {
    const json_t *t = json_object_get(p, "to_year");
    if (n >= json_integer_value(json_object_get(p, "from_year")) &&
        (!json_is_integer(t) || n <= json_integer_value(t))) {
      *src = (int)json_integer_value(json_object_get(p, "source"));
      *host = (int)json_integer_value(json_object_get(p, "host"));
      return true;
    }
  }
  return false;
}

/* total x a / (a + b), rounded half up; the rest to the other side. */
static int64_t part_of(int64_t total, int a, int b) {
  __int128 num = (__int128)total * a * 2 + (a + b);
  return (int64_t)(num / (2 * (__int128)(a + b)));
}

/* ---- Reading ---------------------------------------------------------------------- */

#define ENCLAVE_COLS                                                                               \
  "id, name, source, host, park_layer, park_fid, quota_from, costs, shares, start_year,"           \
  " end_year, agreement_no, file_id, status"

static json_t *enclave_row(lg_stmt_t *st) {
  json_t *costs = json_loads(lg_store_col_text(st, 7), 0, NULL);
  json_t *shares = json_loads(lg_store_col_text(st, 8), 0, NULL);
  return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:s}", "id",
                   (json_int_t)lg_store_col_int(st, 0), "name", lg_store_col_text(st, 1), "source",
                   lg_store_col_text(st, 2), "host", lg_store_col_text(st, 3), "park_layer",
                   q_col_text(st, 4), "park_fid", q_col_int_or_null(st, 5), "quota_from",
                   lg_store_col_text(st, 6), "costs", costs ? costs : json_null(), "shares",
                   shares ? shares : json_null(), "start_year", (json_int_t)lg_store_col_int(st, 9),
                   "end_year", q_col_int_or_null(st, 10), "agreement_no", q_col_text(st, 11),
                   "file_id", q_col_int_or_null(st, 12), "status", lg_store_col_text(st, 13));
}

int q_enclave_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s, "SELECT " ENCLAVE_COLS " FROM lg_quota_enclaves WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) *out = enclave_row(st);
  lg_store_done(st);
  return 0;
}

int lg_quota_enclaves(lg_store_t *s, const lg_auth_filter_t *vis, json_t **out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT " ENCLAVE_COLS " FROM lg_quota_enclaves"
                            " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND (source LIKE ?2 || '%'"
                            "  OR host LIKE ?2 || '%'))) ORDER BY id",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, vis ? vis->kind : "all");
  lg_store_bind_text(st, 2, vis ? vis->division : "");
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(arr, enclave_row(st));
  lg_store_done(st);
  *out = arr;
  return 0;
}

static json_t *figures_row(lg_stmt_t *st) {
  json_t *o = json_pack(
      "{s:I, s:I, s:I, s:o, s:s, s:s, s:s}", "year", (json_int_t)lg_store_col_int(st, 0), "tax_fen",
      (json_int_t)lg_store_col_int(st, 1), "gdp_fen", (json_int_t)lg_store_col_int(st, 2),
      "enterprises", q_col_int_or_null(st, 3), "source", lg_store_col_text(st, 4), "recorded_at",
      lg_store_col_text(st, 5), "recorded_by", lg_store_col_text(st, 6));
  json_object_set_new(o, "enclave_id", json_integer(lg_store_col_int(st, 7)));
  return o;
}

static json_t *settlement_row(lg_stmt_t *st) {
  json_t *o =
      json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "year",
                (json_int_t)lg_store_col_int(st, 0), "source_share",
                (json_int_t)lg_store_col_int(st, 1), "host_share",
                (json_int_t)lg_store_col_int(st, 2), "tax_fen", (json_int_t)lg_store_col_int(st, 3),
                "source_tax_fen", (json_int_t)lg_store_col_int(st, 4), "host_tax_fen",
                (json_int_t)lg_store_col_int(st, 5), "gdp_fen", (json_int_t)lg_store_col_int(st, 6),
                "source_gdp_fen", (json_int_t)lg_store_col_int(st, 7), "host_gdp_fen",
                (json_int_t)lg_store_col_int(st, 8), "figures_source", lg_store_col_text(st, 9),
                "settled_at", lg_store_col_text(st, 10), "settled_by", lg_store_col_text(st, 11));
  json_object_set_new(o, "enclave_id", json_integer(lg_store_col_int(st, 12)));
  return o;
}

#define FIGURES_COLS                                                                               \
  "year, tax_fen, gdp_fen, enterprises, source, recorded_at, recorded_by, enclave_id"
#define SETTLEMENT_COLS                                                                            \
  "year, source_share, host_share, tax_fen, source_tax_fen, host_tax_fen, gdp_fen,"                \
  " source_gdp_fen, host_gdp_fen, figures_source, settled_at, settled_by, enclave_id"

int lg_quota_enclave_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  json_t *o = NULL;
  int rc = q_enclave_state(s, id, &o, err);
  if (rc) return rc;
  if (!o) return lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的飞地园区协议", (long long)id);
  json_t *figs = json_array(), *sets = json_array();
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "SELECT " FIGURES_COLS " FROM lg_quota_enclave_figures"
                             " WHERE enclave_id = ? ORDER BY year",
                             &st, err)) == 0) {
    lg_store_bind_int(st, 1, id);
    while (lg_store_step(st) == LG_ROW)
      json_array_append_new(figs, figures_row(st));
    lg_store_done(st);
  }
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "SELECT " SETTLEMENT_COLS " FROM lg_quota_enclave_settlements"
                             " WHERE enclave_id = ? ORDER BY year",
                             &st, err)) == 0) {
    lg_store_bind_int(st, 1, id);
    while (lg_store_step(st) == LG_ROW)
      json_array_append_new(sets, settlement_row(st));
    lg_store_done(st);
  }
  json_object_set_new(o, "figures", figs);
  json_object_set_new(o, "settlements", sets);
  /* The cases whose approvals the park's agreement decides. */
  json_t *cases = json_array();
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "SELECT case_id, code, division, status FROM lg_quota_cases"
                                        " WHERE enclave_id = ? ORDER BY case_id",
                                        &st, err)) == 0) {
    lg_store_bind_int(st, 1, id);
    while (lg_store_step(st) == LG_ROW)
      json_array_append_new(
          cases, json_pack("{s:I, s:s, s:s, s:s}", "case_id", (json_int_t)lg_store_col_int(st, 0),
                           "code", lg_store_col_text(st, 1), "division", lg_store_col_text(st, 2),
                           "status", lg_store_col_text(st, 3)));
    lg_store_done(st);
  }
  json_object_set_new(o, "cases", cases);
  if (rc)
    json_decref(o);
  else
    *out = o;
  return rc;
}

/* ---- Recording an agreement --------------------------------------------------------- */

static int costs_check(const json_t *costs, lg_err_t *err) {
  if (!costs) return 0;
  if (!json_is_object(costs)) {
    lg_err_set(err, LG_EINVAL, "成本分担 (costs) 应为对象 {成本项: source | host | shared}");
    lg_err_where(err, "costs");
    return LG_EINVAL;
  }
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)costs, k, v) {
    const char *w = json_string_value(v);
    if (!w || (strcmp(w, "source") && strcmp(w, "host") && strcmp(w, "shared"))) {
      lg_err_set(err, LG_EINVAL, "成本分担 %s 应为 source (飞出地)、host (飞入地) 或 shared (共担)",
                 k);
      lg_err_where(err, "costs.%s", k);
      return LG_EINVAL;
    }
  }
  return 0;
}

int lg_quota_enclave_add(lg_store_t *s, const lg_subject_t *who, const lg_quota_enclave_new_t *e,
                         int64_t *id, lg_err_t *err) {
  char src[16], host[16];
  json_t *cfg = NULL, *shares = NULL, *costs = NULL;
  int rc = 0;
  if (!e->name || !*e->name) {
    lg_err_set(err, LG_EINVAL, "飞地园区协议缺少园区名称 (name)");
    lg_err_where(err, "name");
    return LG_EINVAL;
  }
  if ((rc = q_division(e->source, src, "飞出地 (source)", err)) ||
      (rc = q_division(e->host, host, "飞入地 (host)", err)))
    return rc;
  if (!strcmp(src, host)) {
    lg_err_set(err, LG_EINVAL, "飞出地与飞入地不能是同一行政区 (%s)", src);
    lg_err_where(err, "host");
    return LG_EINVAL;
  }
  const char *qf = e->quota_from && *e->quota_from ? e->quota_from : "host";
  if (strcmp(qf, "source") && strcmp(qf, "host")) {
    lg_err_set(err, LG_EINVAL, "quota_from 应为 source (用飞出地的指标) 或 host (用飞入地的指标)");
    lg_err_where(err, "quota_from");
    return LG_EINVAL;
  }
  if (e->start_year < 2000 || e->start_year > 2100 ||
      (e->end_year && (e->end_year < e->start_year || e->end_year > 2100))) {
    lg_err_set(err, LG_EINVAL, "协议年度无效: 起始 %d, 终止 %d", e->start_year, e->end_year);
    lg_err_where(err, "start_year");
    return LG_EINVAL;
  }
  if ((rc = costs_check(e->costs, err))) return rc;
  if (e->park_layer && *e->park_layer) {
    lg_layer_info_t li;
    if ((rc = lg_store_layer_get(s, e->park_layer, &li, err))) {
      lg_err_prefix(err, "园区边界图层: ");
      return rc;
    }
    lg_store_layer_info_fini(&li);
  }
  if ((rc = lg_quota_config(s, &cfg, err))) return rc;
  shares = json_deep_copy(e->shares ? e->shares : q_cfg(cfg, "enclave.shares_default"));
  json_decref(cfg);
  if ((rc = q_shares_check(shares, "分成比例 (shares)", err))) goto out;
  if ((rc = q_require(s, who, "create", host, err))) goto out;
  costs = e->costs ? json_deep_copy(e->costs) : json_object();
  char *costs_text = json_dumps(costs, JSON_COMPACT | JSON_SORT_KEYS);
  char *shares_text = json_dumps(shares, JSON_COMPACT | JSON_SORT_KEYS);
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32];
  q_now_iso(now);
  int64_t eid = 0;
  if ((rc = lg_store_begin(s, err)) == 0) {
    lg_stmt_t *st;
    if ((rc = lg_store_prepare(s,
                               "INSERT INTO lg_quota_enclaves(name, source, host, park_layer,"
                               " park_fid, quota_from, costs, shares, start_year, end_year,"
                               " agreement_no, status, created_at, created_by)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)"
                               " RETURNING id",
                               &st, err)) == 0) {
      lg_store_bind_text(st, 1, e->name);
      lg_store_bind_text(st, 2, src);
      lg_store_bind_text(st, 3, host);
      lg_store_bind_text(st, 4, e->park_layer && *e->park_layer ? e->park_layer : NULL);
      if (e->park_fid > 0)
        lg_store_bind_int(st, 5, e->park_fid);
      else
        lg_store_bind_null(st, 5);
      lg_store_bind_text(st, 6, qf);
      lg_store_bind_text(st, 7, costs_text);
      lg_store_bind_text(st, 8, shares_text);
      lg_store_bind_int(st, 9, e->start_year);
      if (e->end_year)
        lg_store_bind_int(st, 10, e->end_year);
      else
        lg_store_bind_null(st, 10);
      lg_store_bind_text(st, 11, e->agreement_no && *e->agreement_no ? e->agreement_no : NULL);
      lg_store_bind_text(st, 12, now);
      lg_store_bind_text(st, 13, by.login);
      rc = lg_store_insert_id(st, &eid, "保存飞地园区协议失败", err);
    }
    /* The signed agreement, as a document of its own (src/files). */
    bool has_file = (e->agreement_path && *e->agreement_path) || e->agreement_data;
    if (rc == 0 && has_file) {
      char oid[24];
      snprintf(oid, sizeof oid, "%lld", (long long)eid);
      const char *name = e->agreement_name;
      if (!name || !*name) {
        const char *base = e->agreement_path ? strrchr(e->agreement_path, '/') : NULL;
        name = base ? base + 1 : e->agreement_path ? e->agreement_path : "协议";
      }
      lg_file_put_t fp = {.owner_type = "quota.enclave",
                          .owner_id = oid,
                          .kind = "agreement",
                          .name = name,
                          .actor = by.login,
                          .role = by.role,
                          .jurisdiction = host};
      lg_file_info_t fi;
      rc = e->agreement_data
               ? lg_files_put_mem(s, &fp, e->agreement_data, e->agreement_len, &fi, err)
               : lg_files_put_path(s, &fp, e->agreement_path, &fi, err);
      if (rc == 0 &&
          (rc = lg_store_prepare(s, "UPDATE lg_quota_enclaves SET file_id = ? WHERE id = ?", &st,
                                 err)) == 0) {
        lg_store_bind_int(st, 1, fi.id);
        lg_store_bind_int(st, 2, eid);
        rc = lg_store_run_done(st, "保存飞地园区协议失败", err);
      }
    }
    json_t *state = NULL;
    if (rc == 0) rc = q_enclave_state(s, eid, &state, err);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)eid);
    if (rc == 0) rc = q_record(s, &by, "quota.enclave.add", "quota.enclave", oid, host, state, err);
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
  }
  free(costs_text);
  free(shares_text);
  if (rc == 0 && id) *id = eid;
out:
  json_decref(shares);
  json_decref(costs);
  return rc;
}

/* ---- Figures and settlements ------------------------------------------------------------ */

typedef struct enc {
  char source[16], host[16], layer[128];
  int64_t fid;
  int start_year, end_year;
  json_t *shares;
} enc_t;

static int enc_get(lg_store_t *s, int64_t id, enc_t *e, lg_err_t *err) {
  memset(e, 0, sizeof *e);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT source, host, coalesce(park_layer, ''), coalesce(park_fid, 0),"
                            " start_year, coalesce(end_year, 0), shares FROM lg_quota_enclaves"
                            " WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    snprintf(e->source, sizeof e->source, "%s", lg_store_col_text(st, 0));
    snprintf(e->host, sizeof e->host, "%s", lg_store_col_text(st, 1));
    snprintf(e->layer, sizeof e->layer, "%s", lg_store_col_text(st, 2));
    e->fid = lg_store_col_int(st, 3);
    e->start_year = (int)lg_store_col_int(st, 4);
    e->end_year = (int)lg_store_col_int(st, 5);
    e->shares = json_loads(lg_store_col_text(st, 6), 0, NULL);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的飞地园区协议", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

static int year_in(const enc_t *e, int year, lg_err_t *err) {
  if (year >= e->start_year && (!e->end_year || year <= e->end_year)) return 0;
  char end[16] = "今";
  if (e->end_year) snprintf(end, sizeof end, "%d 年", e->end_year);
  lg_err_set(err, LG_EINVAL, "%d 年不在协议期内 (%d 年至%s)", year, e->start_year, end);
  lg_err_where(err, "year");
  return LG_EINVAL;
}

/* A year's figures or settlement as served (FIGURES_COLS, SETTLEMENT_COLS):
 * the state their entries record and the audit recomputes. */
static int year_row(lg_store_t *s, const char *sql, int64_t id, int year,
                    json_t *(*row)(lg_stmt_t *), json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  lg_store_bind_int(st, 2, year);
  if (lg_store_step(st) == LG_ROW) *out = row(st);
  lg_store_done(st);
  return *out
             ? 0
             : lg_err_set(err, LG_EINTERNAL, "飞地园区 %lld 没有 %d 年的记录", (long long)id, year);
}

#define FIGURES_ONE                                                                                \
  "SELECT " FIGURES_COLS " FROM lg_quota_enclave_figures WHERE enclave_id = ? AND year = ?"
#define SETTLEMENT_ONE                                                                             \
  "SELECT " SETTLEMENT_COLS " FROM lg_quota_enclave_settlements WHERE enclave_id = ? AND year = ?"

static bool settled(lg_store_t *s, int64_t id, int year) {
  lg_stmt_t *st;
  if (lg_store_prepare(
          s, "SELECT 1 FROM lg_quota_enclave_settlements WHERE enclave_id = ? AND year = ?", &st,
          NULL))
    return false;
  lg_store_bind_int(st, 1, id);
  lg_store_bind_int(st, 2, year);
  bool found = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  return found;
}

int lg_quota_enclave_record(lg_store_t *s, const lg_subject_t *who, int64_t id, int year,
                            int64_t tax_fen, int64_t gdp_fen, int enterprises, lg_err_t *err) {
  enc_t e;
  int rc = enc_get(s, id, &e, err);
  if (rc) return rc;
  json_decref(e.shares);
  if ((rc = year_in(&e, year, err))) return rc;
  if (tax_fen < 0 || gdp_fen < 0) {
    lg_err_set(err, LG_EINVAL, "税收和 GDP 应为非负整数 (分)");
    lg_err_where(err, tax_fen < 0 ? "tax_fen" : "gdp_fen");
    return LG_EINVAL;
  }
  if ((rc = q_require(s, who, "create", e.host, err))) return rc;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32], oid[48];
  q_now_iso(now);
  snprintf(oid, sizeof oid, "%lld:%d", (long long)id, year);
  if ((rc = lg_store_begin(s, err))) return rc;
  if (settled(s, id, year))
    rc = lg_err_set(err, LG_ECONFLICT, "飞地园区 %lld 的 %d 年已结算, 数据不能再改", (long long)id,
                    year);
  lg_stmt_t *st;
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_enclave_figures(enclave_id, year, tax_fen,"
                             " gdp_fen, enterprises, source, recorded_at, recorded_by)"
                             " VALUES (?, ?, ?, ?, ?, 'recorded', ?, ?) ON CONFLICT (enclave_id,"
                             " year) DO UPDATE SET tax_fen = excluded.tax_fen,"
                             " gdp_fen = excluded.gdp_fen, enterprises = excluded.enterprises,"
                             " source = excluded.source, recorded_at = excluded.recorded_at,"
                             " recorded_by = excluded.recorded_by",
                             &st, err)) == 0) {
    lg_store_bind_int(st, 1, id);
    lg_store_bind_int(st, 2, year);
    lg_store_bind_int(st, 3, tax_fen);
    lg_store_bind_int(st, 4, gdp_fen);
    if (enterprises >= 0)
      lg_store_bind_int(st, 5, enterprises);
    else
      lg_store_bind_null(st, 5);
    lg_store_bind_text(st, 6, now);
    lg_store_bind_text(st, 7, by.login);
    rc = lg_store_run_done(st, "保存飞地园区年度数据失败", err);
  }
  json_t *state = NULL;
  if (rc == 0) rc = year_row(s, FIGURES_ONE, id, year, figures_row, &state, err);
  if (rc == 0)
    rc =
        q_record(s, &by, "quota.enclave.figures", "quota.enclave_figures", oid, e.host, state, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

int lg_quota_enclave_settle(lg_store_t *s, const lg_subject_t *who, int64_t id, int year,
                            json_t **out, lg_err_t *err) {
  enc_t e;
  int rc = enc_get(s, id, &e, err);
  if (rc) return rc;
  if ((rc = year_in(&e, year, err))) goto out;
  int a = 0, b = 0;
  if (!share_of(e.shares, year - e.start_year + 1, &a, &b)) {
    rc = lg_err_set(err, LG_EINVAL, "协议没有第 %d 年 (%d 年) 的分成比例", year - e.start_year + 1,
                    year);
    goto out;
  }
  if ((rc = q_require(s, who, "act", e.host, err))) goto out;
  /* The figures: the registered source's (the industrial-land module's
   * per-mu data), else those recorded. */
  int64_t tax = 0, gdp = 0;
  int ent = -1;
  bool found = false;
  char source[16] = "recorded";
  pthread_mutex_lock(&source_mu);
  lg_quota_enclave_figures_fn fn = figures_fn;
  void *ud = figures_ud;
  pthread_mutex_unlock(&source_mu);
  if (fn) {
    if ((rc = fn(s, id, e.layer[0] ? e.layer : NULL, e.fid, year, &tax, &gdp, &ent, &found, ud,
                 err)))
      goto out;
    if (found) snprintf(source, sizeof source, "industry");
  }
  lg_stmt_t *st;
  if (!found) {
    if ((rc = lg_store_prepare(s,
                               "SELECT tax_fen, gdp_fen FROM lg_quota_enclave_figures"
                               " WHERE enclave_id = ? AND year = ?",
                               &st, err)))
      goto out;
    lg_store_bind_int(st, 1, id);
    lg_store_bind_int(st, 2, year);
    if (lg_store_step(st) == LG_ROW) {
      found = true;
      tax = lg_store_col_int(st, 0);
      gdp = lg_store_col_int(st, 1);
    }
    lg_store_done(st);
  }
  if (!found) {
    rc = lg_err_set(err, LG_EINVAL,
                    "飞地园区 %lld 没有 %d 年的数据: 请先登记园区企业的税收和 GDP "
                    "(landgov quota enclave figures)",
                    (long long)id, year);
    goto out;
  }
  int64_t stax = part_of(tax, a, b), sgdp = part_of(gdp, a, b);
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32], oid[48];
  q_now_iso(now);
  snprintf(oid, sizeof oid, "%lld:%d", (long long)id, year);
  if ((rc = lg_store_begin(s, err))) goto out;
  if (settled(s, id, year))
    rc = lg_err_set(err, LG_ECONFLICT, "飞地园区 %lld 的 %d 年已经结算", (long long)id, year);
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_enclave_settlements(enclave_id, year,"
                             " source_share, host_share, tax_fen, source_tax_fen, host_tax_fen,"
                             " gdp_fen, source_gdp_fen, host_gdp_fen, figures_source, settled_at,"
                             " settled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err)) == 0) {
    int64_t v[] = {id, year, a, b, tax, stax, tax - stax, gdp, sgdp, gdp - sgdp};
    for (int i = 0; i < 10; i++)
      lg_store_bind_int(st, i + 1, v[i]);
    lg_store_bind_text(st, 11, source);
    lg_store_bind_text(st, 12, now);
    lg_store_bind_text(st, 13, by.login);
    rc = lg_store_run_done(st, "保存飞地园区结算失败", err);
  }
  json_t *state = NULL;
  if (rc == 0) rc = year_row(s, SETTLEMENT_ONE, id, year, settlement_row, &state, err);
  if (rc == 0)
    rc = q_record(s, &by, "quota.enclave.settle", "quota.enclave_settlement", oid, e.host,
                  json_incref(state), err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && out) *out = json_incref(state);
  json_decref(state);
out:
  json_decref(e.shares);
  return rc;
}

/* ---- Which park a case lies in ------------------------------------------------------------ */

int q_enclave_of_case(lg_store_t *s, const json_t *cj, int64_t *enclave_id, char quota_division[16],
                      lg_err_t *err) {
  *enclave_id = 0;
  typedef struct cand {
    int64_t id, fid;
    char layer[128], division[16];
  } cand_t;
  LG_VEC(cand_t) cands = {0};
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT id, park_layer, coalesce(park_fid, 0),"
                            " CASE quota_from WHEN 'source' THEN source ELSE host END"
                            " FROM lg_quota_enclaves WHERE status = 'active'"
                            " AND park_layer IS NOT NULL ORDER BY id",
                            &st, err);
  if (rc) return rc;
  while (lg_store_step(st) == LG_ROW) {
    cand_t c;
    c.id = lg_store_col_int(st, 0);
    snprintf(c.layer, sizeof c.layer, "%s", lg_store_col_text(st, 1));
    c.fid = lg_store_col_int(st, 2);
    snprintf(c.division, sizeof c.division, "%s", lg_store_col_text(st, 3));
    lg_vec_push(&cands, c);
  }
  lg_store_done(st);
  const json_t *bj = json_object_get(cj, "boundary");
  int srs = (int)json_integer_value(json_object_get(cj, "srs_id"));
  if (!cands.len || !json_is_object(bj) || srs <= 0) goto done;
  lg_geo_t *g = lg_geo_thread();
  char *text = json_dumps(bj, JSON_COMPACT | JSON_REAL_PRECISION(17));
  lg_geom_t *b = lg_geom_from_geojson(g, text, NULL);
  free(text);
  if (!b) goto done;
  double barea = lg_geom_area(g, b);
  for (size_t i = 0; rc == 0 && i < cands.len && !*enclave_id; i++) {
    lg_layer_info_t li;
    if (lg_store_layer_get(s, cands.items[i].layer, &li, NULL) != 0) continue;
    int lsrs = li.srs_id;
    lg_store_layer_info_fini(&li);
    lg_geom_t *bt = lsrs == srs ? lg_geom_clone(g, b) : lg_geom_transform(g, b, srs, lsrs, NULL);
    if (!bt) continue;
    lg_env_t env;
    lg_geom_envelope(g, bt, &env);
    double in = 0, tarea = lsrs == srs ? barea : lg_geom_area(g, bt);
    lg_read_opts_t o = {.bbox = &env, .fid = cands.items[i].fid};
    static const char *const none[] = {NULL};
    o.columns = none;
    lg_store_reader_t *r = NULL;
    if (lg_store_reader_new(s, cands.items[i].layer, &o, &r, NULL) == 0) {
      while (lg_store_reader_next(r, NULL) == 1) {
        size_t n = 0;
        const void *blob = lg_store_reader_blob(r, &n);
        lg_geom_t *p = blob ? lg_geom_from_gpkg(g, blob, n, NULL) : NULL;
        lg_geom_t *x = p ? lg_geom_intersection(g, bt, p, NULL) : NULL;
        if (x) in += lg_geom_area(g, x);
        lg_geom_free(g, x);
        lg_geom_free(g, p);
      }
      lg_store_reader_free(r);
    }
    lg_geom_free(g, bt);
    /* Most of the boundary inside the park: its approvals are the park's. */
    if (tarea > 0 && in > 0.5 * tarea) {
      *enclave_id = cands.items[i].id;
      snprintf(quota_division, 16, "%s", cands.items[i].division);
    }
  }
  lg_geom_free(g, b);
done:
  lg_free(cands.items);
  return rc;
}

/* ---- Auditors ---------------------------------------------------------------------------- */

int q_audit_enclaves(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s, "SELECT " ENCLAVE_COLS " FROM lg_quota_enclaves ORDER BY id", &st, err);
  if (rc) return rc;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    json_t *state = enclave_row(st);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)lg_store_col_int(st, 0));
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_store_done(st);
  return rc;
}

static int audit_years(lg_store_t *s, const char *sql, json_t *(*row)(lg_stmt_t *),
                       lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    json_t *state = row(st);
    char oid[48];
    snprintf(oid, sizeof oid, "%lld:%lld",
             (long long)json_integer_value(json_object_get(state, "enclave_id")),
             (long long)json_integer_value(json_object_get(state, "year")));
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_store_done(st);
  return rc;
}

int q_audit_enclave_figures(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return audit_years(s, "SELECT " FIGURES_COLS " FROM lg_quota_enclave_figures", figures_row, emit,
                     ctx, err);
}

int q_audit_enclave_settlements(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return audit_years(s, "SELECT " SETTLEMENT_COLS " FROM lg_quota_enclave_settlements",
                     settlement_row, emit, ctx, err);
}
