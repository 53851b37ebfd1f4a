/*
 * Standard-land parcels (标准地) and their investment agreements: a parcel
 * is made with the conditions of its industry from the configuration (or
 * those the bureau sets instead), linked to the stock module's supply
 * when there is one; the agreement is recorded once per parcel. Each
 * change with its ledger entry, in its transaction.
 */
#include "industry/industry_int.h"
#include "stock/stock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARCEL_COLS                                                                                \
  "id, code, name, division, industry, area_m2, supply_no, conditions, created_at, created_by"
#define COMMIT_COLS                                                                                \
  "id, parcel_id, credit_code, enterprise, investment_wan, output_per_mu_wan, tax_per_mu_wan,"     \
  " signed_on, start_on, completion_on, production_on, created_at, created_by"

static json_t *one_row(lg_store_t *s, const char *sql, int64_t id, const char *what,
                       lg_err_t *err) {
  json_t *rows = ind_rows(s, sql, id, NULL, err);
  if (!rows) return NULL;
  json_t *o = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  if (!o) lg_err_set(err, LG_ENOTFOUND, "%s %lld 不存在", what, (long long)id);
  return o;
}

json_t *ind_parcel_row(lg_store_t *s, int64_t id, lg_err_t *err) {
  return one_row(s, "SELECT " PARCEL_COLS " FROM lg_industry_parcels WHERE id = ?", id, "标准地",
                 err);
}

json_t *ind_commitment_row(lg_store_t *s, int64_t parcel_id, lg_err_t *err) {
  return one_row(s, "SELECT " COMMIT_COLS " FROM lg_industry_commitments WHERE parcel_id = ?",
                 parcel_id, "标准地的投资协议 (标准地编号)", err);
}

/* ---- Finding ------------------------------------------------------------------ */

int lg_industry_parcel_find(lg_store_t *s, const char *id_or_code, int64_t *id, lg_err_t *err) {
  if (!id_or_code || !*id_or_code) return lg_err_set(err, LG_EINVAL, "缺少标准地编号或 id");
  json_t *rows =
      ind_rows(s, "SELECT id FROM lg_industry_parcels WHERE code = ?", 0, id_or_code, err);
  if (!rows) return err->code ? err->code : LG_EDB;
  json_t *r = json_array_get(rows, 0);
  if (!r) {
    char *end;
    errno = 0;
    long long v = strtoll(id_or_code, &end, 10);
    if (!*end && !errno && v > 0) {
      json_decref(rows);
      rows = ind_rows(s, "SELECT id FROM lg_industry_parcels WHERE id = ?", v, NULL, err);
      if (!rows) return err->code ? err->code : LG_EDB;
      r = json_array_get(rows, 0);
    }
  }
  int rc = 0;
  if (r)
    *id = json_integer_value(json_object_get(r, "id"));
  else
    rc = lg_err_set(err, LG_ENOTFOUND, "标准地 \"%.64s\" 不存在 (按编号或 id 查找)", id_or_code);
  json_decref(rows);
  return rc;
}

int lg_industry_parcel_division(lg_store_t *s, int64_t id, char division[16], lg_err_t *err) {
  json_t *p = ind_parcel_row(s, id, err);
  if (!p) return err->code ? err->code : LG_ENOTFOUND;
  snprintf(division, 16, "%s", json_string_value(json_object_get(p, "division")));
  json_decref(p);
  return 0;
}

/* ---- Making a parcel ------------------------------------------------------------ */

/* The conditions: the industry's defaults, with the bureau's values. */
static int parcel_conditions(const json_t *cfg, const lg_industry_parcel_req_t *r, json_t **out,
                             lg_err_t *err) {
  int rc = lg_industry_conditions(cfg, r->industry, out, err);
  if (rc) return rc;
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)r->set, k, v) {
    json_t *c = json_object_get(*out, k);
    if (!c) {
      lg_err_set(err, LG_EINVAL,
                 "未知的控制指标 \"%s\" (可设: investment_intensity_min、"
                 "floor_area_ratio_min、building_coverage_min、office_living_max、"
                 "green_ratio_max、output_per_mu_min、tax_per_mu_min)",
                 k);
      lg_err_where(err, "set.%s", k);
      rc = LG_EINVAL;
      break;
    }
    if (!json_is_number(v) || json_number_value(v) < 0) {
      lg_err_set(err, LG_EINVAL, "控制指标 %s 应为非负数", k);
      lg_err_where(err, "set.%s", k);
      rc = LG_EINVAL;
      break;
    }
    json_object_set_new(c, "value", json_real(json_number_value(v)));
    json_object_set_new(c, "source", json_string("bureau"));
    json_object_set_new(c, "note", json_string("出让条件由本局设定"));
    json_object_del(c, "confirmed");
  }
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

/* The supply's number, division and area when the parcel names one. */
static int linked_supply(lg_store_t *s, const char *supply, char no[64], char division[16],
                         double *area, lg_err_t *err) {
  int64_t sid = 0;
  json_t *o = NULL;
  int rc = lg_stock_find(s, "supply", supply, &sid, err);
  if (rc == 0) rc = lg_stock_get(s, "supply", sid, 0, &o, err);
  if (rc) {
    lg_err_prefix(err, "关联的供地 \"%.64s\": ", supply);
    lg_err_where(err, "supply");
    return rc;
  }
  const json_t *rec = json_object_get(o, "record");
  snprintf(no, 64, "%s", json_string_value(json_object_get(rec, "supervision_no")));
  snprintf(division, 16, "%s", json_string_value(json_object_get(rec, "division")));
  *area = json_number_value(json_object_get(rec, "area_m2"));
  json_decref(o);
  return 0;
}

static int parcel_check(const lg_industry_parcel_req_t *r, lg_err_t *err) {
  if (!r->code || !*r->code) {
    lg_err_set(err, LG_EINVAL, "缺少标准地编号 (code)");
    lg_err_where(err, "code");
    return LG_EINVAL;
  }
  if (!r->name || !*r->name) {
    lg_err_set(err, LG_EINVAL, "缺少标准地名称 (name)");
    lg_err_where(err, "name");
    return LG_EINVAL;
  }
  if (!isfinite(r->area_m2) || r->area_m2 < 0) {
    lg_err_set(err, LG_EINVAL, "面积 (area_m2) 应为正数");
    lg_err_where(err, "area_m2");
    return LG_EINVAL;
  }
  return 0;
}

static int parcel_insert(lg_store_t *s, const lg_subject_t *who, const lg_industry_parcel_req_t *r,
                         const char *division, double area, const char *supply_no,
                         const json_t *cond, int64_t *id, lg_err_t *err) {
  char now[32];
  ind_now_iso(now);
  char *ctext = json_dumps(cond, JSON_COMPACT | JSON_SORT_KEYS);
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(
      s,
      "INSERT INTO lg_industry_parcels(code, name, division, industry, area_m2, supply_no,"
      " conditions, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, r->code);
    lg_store_bind_text(st, 2, r->name);
    lg_store_bind_text(st, 3, division);
    lg_store_bind_textn(st, 4, r->industry, 2);
    lg_store_bind_real(st, 5, area);
    if (supply_no && *supply_no)
      lg_store_bind_text(st, 6, supply_no);
    else
      lg_store_bind_null(st, 6);
    lg_store_bind_text(st, 7, ctext);
    lg_store_bind_text(st, 8, now);
    lg_store_bind_text(st, 9, who && who->login[0] ? who->login : "system");
    rc = lg_store_insert_id(st, id, "标准地", err);
    lg_store_done(st);
  }
  free(ctext);
  if (rc == LG_ECONFLICT || (rc && strstr(err->msg, "UNIQUE"))) {
    lg_err_set(err, LG_ECONFLICT, "标准地编号 %s 已存在", r->code);
    lg_err_where(err, "code");
    rc = LG_ECONFLICT;
  }
  return rc;
}

int lg_industry_parcel_create(lg_store_t *s, const lg_subject_t *who,
                              const lg_industry_parcel_req_t *r, int64_t *id, lg_err_t *err) {
  json_t *cfg = NULL, *cond = NULL, *state = NULL;
  char supply_no[64] = "", division[16] = "";
  double area = r->area_m2;
  int rc = parcel_check(r, err);
  if (rc) return rc;
  if (r->supply && *r->supply &&
      (rc = linked_supply(s, r->supply, supply_no, division, &area, err)))
    return rc;
  if (!division[0]) {
    lg_err_t e2 = {0};
    if (!r->division || lg_auth_division_normalize(r->division, division, "行政区", &e2)) {
      lg_err_set(err, LG_EINVAL, "缺少或无法识别行政区 (division, GB/T 2260 代码)");
      lg_err_where(err, "division");
      return LG_EINVAL;
    }
  }
  if (r->area_m2 > 0) area = r->area_m2;
  if (!(area > 0)) {
    lg_err_set(err, LG_EINVAL, "缺少面积 (area_m2, 平方米), 且未关联供地");
    lg_err_where(err, "area_m2");
    return LG_EINVAL;
  }
  if ((rc = ind_require(s, who, "create", division, err))) return rc;
  if ((rc = lg_industry_config(s, &cfg, err))) return rc;
  if ((rc = parcel_conditions(cfg, r, &cond, err))) goto done;
  if ((rc = lg_store_begin(s, err))) goto done;
  int64_t pid = 0;
  rc = parcel_insert(s, who, r, division, area, supply_no, cond, &pid, err);
  if (rc == 0 && !(state = ind_state(s, "industry.parcel", pid, err)))
    rc = err->code ? err->code : LG_EDB;
  if (rc == 0)
    rc = ind_record(s, who, "industry.parcel.create", "industry.parcel", pid, division,
                    json_incref(state), err);
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc)
    lg_store_rollback(s);
  else if (id)
    *id = pid;
done:
  json_decref(state);
  json_decref(cond);
  json_decref(cfg);
  return rc;
}

/* ---- Reading ---------------------------------------------------------------------- */

int lg_industry_parcel_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  json_t *p = ind_parcel_row(s, id, err);
  if (!p) return err->code ? err->code : LG_ENOTFOUND;
  json_object_set_new(
      p, "mu", json_real(ind_round(ind_mu(json_number_value(json_object_get(p, "area_m2"))), 4)));
  lg_err_t e2 = {0};
  json_t *c = ind_commitment_row(s, id, &e2);
  json_object_set_new(p, "commitment", c ? c : json_null());
  json_t *acc = json_array();
  if (c) {
    json_decref(acc);
    acc = ind_rows(s,
                   "SELECT id, stage, inspected_on, actuals, items, result, deadline, created_at,"
                   " created_by FROM lg_industry_acceptances WHERE commitment_id = ? ORDER BY id",
                   json_integer_value(json_object_get(c, "id")), NULL, err);
    if (!acc) {
      json_decref(p);
      return err->code ? err->code : LG_EDB;
    }
  }
  json_object_set_new(p, "acceptances", acc);
  *out = p;
  return 0;
}

int lg_industry_parcels(lg_store_t *s, const char *prefix, json_t **out, lg_err_t *err) {
  *out = ind_rows(
      s,
      "SELECT p.id, p.code, p.name, p.division, p.industry, p.area_m2, p.supply_no,"
      " c.credit_code, c.enterprise,"
      " (SELECT a.result FROM lg_industry_acceptances a WHERE a.commitment_id = c.id"
      "  ORDER BY a.id DESC LIMIT 1) AS result"
      " FROM lg_industry_parcels p LEFT JOIN lg_industry_commitments c ON c.parcel_id = p.id"
      " WHERE p.division LIKE ? || '%' ORDER BY p.code",
      0, prefix ? prefix : "", err);
  return *out ? 0 : (err->code ? err->code : LG_EDB);
}

/* ---- The commitment ------------------------------------------------------------------ */

static int commitment_check(const lg_industry_commitment_t *c, lg_err_t *err) {
  if (!c->credit_code || !lg_industry_credit_code_valid(c->credit_code)) {
    lg_err_set(err, LG_EINVAL,
               "统一社会信用代码 \"%.32s\" 无效 (应为 18 位, 末位校验码符合 GB 32100-2015)",
               c->credit_code ? c->credit_code : "");
    lg_err_where(err, "credit_code");
    return LG_EINVAL;
  }
  if (!c->enterprise || !*c->enterprise) {
    lg_err_set(err, LG_EINVAL, "缺少企业名称 (enterprise)");
    lg_err_where(err, "enterprise");
    return LG_EINVAL;
  }
  int rc;
  if (!(c->investment_wan > 0)) {
    lg_err_set(err, LG_EINVAL, "承诺固定资产投资 (investment_wan) 应为正数 (万元)");
    lg_err_where(err, "investment_wan");
    return LG_EINVAL;
  }
  if ((rc = ind_nonneg(c->output_per_mu_wan, "承诺亩均产值 (output_per_mu_wan)", err)) ||
      (rc = ind_nonneg(c->tax_per_mu_wan, "承诺亩均税收 (tax_per_mu_wan)", err)))
    return rc;
  static const char *const titles[] = {"签订日期 (signed_on)", "开工日期 (start_on)",
                                       "竣工日期 (completion_on)", "达产日期 (production_on)"};
  const char *dates[] = {c->signed_on, c->start_on, c->completion_on, c->production_on};
  int32_t d[4];
  for (int i = 0; i < 4; i++) {
    if ((rc = ind_date(dates[i], titles[i], &d[i], err))) return rc;
    if (i && d[i] < d[i - 1]) {
      lg_err_set(err, LG_EINVAL, "%s %s 早于%s %s", titles[i], dates[i], titles[i - 1],
                 dates[i - 1]);
      lg_err_where(err, "%s", titles[i]);
      return LG_EINVAL;
    }
  }
  return 0;
}

static int commitment_insert(lg_store_t *s, const lg_subject_t *who, int64_t parcel_id,
                             const lg_industry_commitment_t *c, int64_t *id, lg_err_t *err) {
  char now[32];
  ind_now_iso(now);
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(
      s,
      "INSERT INTO lg_industry_commitments(parcel_id, credit_code, enterprise, investment_wan,"
      " output_per_mu_wan, tax_per_mu_wan, signed_on, start_on, completion_on, production_on,"
      " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, parcel_id);
  lg_store_bind_text(st, 2, c->credit_code);
  lg_store_bind_text(st, 3, c->enterprise);
  lg_store_bind_real(st, 4, c->investment_wan);
  lg_store_bind_real(st, 5, c->output_per_mu_wan);
  lg_store_bind_real(st, 6, c->tax_per_mu_wan);
  lg_store_bind_text(st, 7, c->signed_on);
  lg_store_bind_text(st, 8, c->start_on);
  lg_store_bind_text(st, 9, c->completion_on);
  lg_store_bind_text(st, 10, c->production_on);
  lg_store_bind_text(st, 11, now);
  lg_store_bind_text(st, 12, who && who->login[0] ? who->login : "system");
  rc = lg_store_insert_id(st, id, "投资协议", err);
  lg_store_done(st);
  return rc;
}

int lg_industry_commit(lg_store_t *s, const lg_subject_t *who, int64_t parcel_id,
                       const lg_industry_commitment_t *c, int64_t *id, lg_err_t *err) {
  char division[16];
  int rc = commitment_check(c, err);
  if (rc == 0) rc = lg_industry_parcel_division(s, parcel_id, division, err);
  if (rc == 0) rc = ind_require(s, who, "act", division, err);
  if (rc) return rc;
  lg_err_t e2 = {0};
  json_t *old = ind_commitment_row(s, parcel_id, &e2), *state = NULL;
  if (old) {
    rc = lg_err_set(err, LG_ECONFLICT, "标准地 %lld 已签订投资协议 (%s, %s)", (long long)parcel_id,
                    json_string_value(json_object_get(old, "enterprise")),
                    json_string_value(json_object_get(old, "signed_on")));
    json_decref(old);
    return rc;
  }
  if ((rc = lg_store_begin(s, err))) return rc;
  int64_t cid = 0;
  rc = commitment_insert(s, who, parcel_id, c, &cid, err);
  if (rc == 0 && !(state = ind_state(s, "industry.commitment", cid, err)))
    rc = err->code ? err->code : LG_EDB;
  if (rc == 0)
    rc = ind_record(s, who, "industry.commitment.sign", "industry.commitment", cid, division, state,
                    err);
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc)
    lg_store_rollback(s);
  else if (id)
    *id = cid;
  return rc;
}
