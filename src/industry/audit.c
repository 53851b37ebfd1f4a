/*
 * The states the industry module records on the ledger, built from the
 * rows (so that what was recorded and what the audit recomputes are the
 * same document), and the auditors `landgov ledger audit` runs over them.
 */
#include "industry/industry_int.h"

#include <stdio.h>
#include <string.h>

static const struct {
  const char *type, *sql, *table;
} kinds[] = {
    {"industry.parcel",
     "SELECT id, code, name, division, industry, area_m2, supply_no, conditions, created_at,"
     " created_by FROM lg_industry_parcels WHERE id = ?",
     "lg_industry_parcels"},
    {"industry.commitment",
     "SELECT id, parcel_id, credit_code, enterprise, investment_wan, output_per_mu_wan,"
     " tax_per_mu_wan, signed_on, start_on, completion_on, production_on, created_at, created_by"
     " FROM lg_industry_commitments WHERE id = ?",
     "lg_industry_commitments"},
    {"industry.acceptance",
     "SELECT id, commitment_id, stage, inspected_on, actuals, items, result, deadline,"
     " created_at, created_by FROM lg_industry_acceptances WHERE id = ?",
     "lg_industry_acceptances"},
    {"industry.figures",
     "SELECT id, year, credit_code, name, division, parcel_id, area_m2, tax_wan,"
     " value_added_wan, revenue_wan, energy_tce, emission_t, rd_wan, employees, created_at,"
     " created_by FROM lg_industry_figures WHERE id = ?",
     "lg_industry_figures"},
    {"industry.evaluation",
     "SELECT id, year, division, enterprises, result AS result_json, created_at, created_by"
     " FROM lg_industry_evaluations WHERE id = ?",
     "lg_industry_evaluations"},
};

static int kind_of(const char *type) {
  for (size_t i = 0; i < LG_ARRAY_LEN(kinds); i++)
    if (!strcmp(kinds[i].type, type)) return (int)i;
  return -1;
}

json_t *ind_state(lg_store_t *s, const char *type, int64_t id, lg_err_t *err) {
  int k = kind_of(type);
  if (k < 0) {
    lg_err_set(err, LG_EINVAL, "未知的对象类型 %s", type);
    return NULL;
  }
  json_t *rows = ind_rows(s, kinds[k].sql, id, NULL, err);
  if (!rows) return NULL;
  json_t *o = json_incref(json_array_get(rows, 0));
  json_decref(rows);
  if (!o) lg_err_set(err, LG_ENOTFOUND, "%s %lld 不存在", type, (long long)id);
  return o;
}

static int scan(lg_store_t *s, int k, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT id FROM %s ORDER BY id", kinds[k].table);
  LG_VEC(int64_t) ids = {0};
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  int step;
  while ((step = lg_store_step(st)) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  if (step < 0) rc = lg_store_fail(s, err, "读取产业用地记录");
  lg_store_done(st);
  for (size_t i = 0; rc == 0 && i < ids.len; i++) {
    json_t *state = ind_state(s, kinds[k].type, ids.items[i], err);
    if (!state) {
      rc = err && err->code ? err->code : LG_EDB;
      break;
    }
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)ids.items[i]);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(ids.items);
  return rc;
}

static int scan_parcels(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, 0, emit, ctx, err);
}
static int scan_commitments(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, 1, emit, ctx, err);
}
static int scan_acceptances(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, 2, emit, ctx, err);
}
static int scan_figures(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, 3, emit, ctx, err);
}
static int scan_evaluations(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan(s, 4, emit, ctx, err);
}

/* The store's own configuration (setting industry.config), object id 0. */
static int scan_config(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  char *text = NULL;
  int rc = lg_store_setting_get(s, "industry.config", &text, err);
  if (rc || !text) return rc;
  json_error_t je;
  json_t *cfg = json_loads(text, 0, &je);
  lg_free(text);
  if (!cfg) return lg_err_set(err, LG_EINVAL, "设置 industry.config 不是有效的 JSON: %s", je.text);
  unsigned char d[32];
  rc = lg_ledger_digest_json(cfg, d, err);
  json_decref(cfg);
  return rc ? rc : emit(ctx, "0", d);
}

static const lg_ledger_auditor_t a_parcels = {"industry.parcel", scan_parcels};
static const lg_ledger_auditor_t a_commitments = {"industry.commitment", scan_commitments};
static const lg_ledger_auditor_t a_acceptances = {"industry.acceptance", scan_acceptances};
static const lg_ledger_auditor_t a_figures = {"industry.figures", scan_figures};
static const lg_ledger_auditor_t a_evaluations = {"industry.evaluation", scan_evaluations};
static const lg_ledger_auditor_t a_config = {"industry.config", scan_config};
const lg_ledger_auditor_t *const lg_industry_auditors[] = {
    &a_parcels, &a_commitments, &a_acceptances, &a_figures, &a_evaluations, &a_config, NULL};
