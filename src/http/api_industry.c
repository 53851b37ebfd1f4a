/*
 * Industrial land over HTTP (src/industry): standard-land parcels, the
 * admission check, the investment agreement, the joint acceptance and the
 * per-mu evaluation.
 *
 *   GET  /api/industry/config                    the rules in force (indicators, catalogue, ...)
 *   GET  /api/industry/conditions/{industry}     a parcel's default conditions for an industry
 *   GET  /api/industry/parcels                   ?division=: parcels in the caller's scope
 *   POST /api/industry/parcels                   {code, name, division, industry, area_m2,
 *                                                supply, set: {key: value}}
 *   GET  /api/industry/parcels/{id}              a parcel (id or code) with its agreement
 *                                                and acceptances
 *   POST /api/industry/parcels/{id}/admission    a project: the check (nothing is recorded)
 *   POST /api/industry/parcels/{id}/commitment   {credit_code, enterprise, investment_wan,
 *                                                output_per_mu_wan, tax_per_mu_wan, signed_on,
 *                                                start_on, completion_on, production_on}
 *   POST /api/industry/parcels/{id}/acceptances  {stage, on, actuals: {...}}
 *   POST /api/industry/figures                   {rows: [...]}: enterprises' years, all or none
 *   GET  /api/industry/evaluation                ?year=&division=: the evaluation, not kept
 *   POST /api/industry/evaluations               {year, division}: evaluated and kept
 *
 * Permissions: policy resource "industry" (read; create for parcels and
 * figures; act for agreements, acceptances and kept evaluations), decided
 * on the parcel's division as stored; the module asks the policy again
 * for what it writes.
 */
#include "http/http_int.h"
#include "industry/industry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parcel named by {id}, if req->who may do action on it. */
static int permitted(lg_http_req_t *req, const char *action, int64_t *id, lg_err_t *err) {
  char division[16];
  int rc = lg_industry_parcel_find(req->store, lg_http_param(req, "id"), id, err);
  if (rc == 0) rc = lg_industry_parcel_division(req->store, *id, division, err);
  if (rc == LG_ENOTFOUND || rc == LG_EINVAL)
    return lg_http_missing(req, "industry", "read", rc, err);
  if (rc) return rc;
  lg_object_ref_t obj = {.division = division};
  return lg_http_require(req, "industry", action, &obj, err);
}

/* The division prefix a list covers: the caller's jurisdiction, narrowed
 * by ?division= (which must lie within it). */
static int list_prefix(lg_http_req_t *req, const char *action, char out[16], lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "industry", action, &scope, err);
  if (rc) return rc;
  lg_auth_filter_t f;
  lg_auth_filter_make(&req->who, scope, &f);
  const char *base = strcmp(f.kind, "all") ? f.division : "";
  const char *q = lg_http_query(req, "division");
  char d[16] = "";
  lg_err_t e2 = {0};
  if (q && *q && lg_auth_division_normalize(q, d, "行政区", &e2)) {
    lg_err_set(err, LG_EINVAL, "参数 division \"%.20s\" 不是行政区划代码", q);
    lg_err_where(err, "division");
    return LG_EINVAL;
  }
  if (d[0] && strncmp(d, base, strlen(base))) {
    lg_object_ref_t obj = {.division = d};
    return lg_http_require(req, "industry", action, &obj, err);
  }
  snprintf(out, 16, "%s", d[0] ? d : base);
  return 0;
}

static int get_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "industry", "read", NULL, err);
  json_t *cfg = NULL;
  if (rc == 0) rc = lg_industry_config(req->store, &cfg, err);
  if (rc == 0) lg_http_json(res, 200, cfg);
  return rc;
}

static int get_conditions(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "industry", "read", NULL, err);
  json_t *cfg = NULL, *c = NULL;
  if (rc == 0) rc = lg_industry_config(req->store, &cfg, err);
  if (rc == 0) rc = lg_industry_conditions(cfg, lg_http_param(req, "industry"), &c, err);
  if (rc == 0) lg_http_json(res, 200, c);
  json_decref(cfg);
  return rc;
}

static int list_parcels(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  char prefix[16];
  json_t *o = NULL;
  int rc = list_prefix(req, "read", prefix, err);
  if (rc == 0) rc = lg_industry_parcels(req->store, prefix, &o, err);
  if (rc == 0) lg_http_json(res, 200, json_pack("{s:o}", "parcels", o));
  return rc;
}

static int post_parcel(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "industry", "create", NULL, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err), *o = NULL;
  if (!b) return err->code ? err->code : LG_EINVAL;
  const json_t *set = json_object_get(b, "set");
  lg_industry_parcel_req_t r = {.code = json_string_value(json_object_get(b, "code")),
                                .name = json_string_value(json_object_get(b, "name")),
                                .division = json_string_value(json_object_get(b, "division")),
                                .industry = json_string_value(json_object_get(b, "industry")),
                                .area_m2 = json_number_value(json_object_get(b, "area_m2")),
                                .supply = json_string_value(json_object_get(b, "supply")),
                                .set = json_is_object(set) ? set : NULL};
  int64_t id = 0;
  rc = lg_industry_parcel_create(req->store, &req->who, &r, &id, err);
  json_decref(b);
  if (rc == 0) rc = lg_industry_parcel_get(req->store, id, &o, err);
  if (rc) return rc;
  char loc[64];
  snprintf(loc, sizeof loc, "/api/industry/parcels/%lld", (long long)id);
  lg_http_header_add(res, "Location", loc);
  lg_http_json(res, 201, o);
  return 0;
}

static int get_parcel(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  json_t *o = NULL;
  int rc = permitted(req, "read", &id, err);
  if (rc == 0) rc = lg_industry_parcel_get(req->store, id, &o, err);
  if (rc == 0) lg_http_json(res, 200, o);
  return rc;
}

static int post_admission(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  int rc = permitted(req, "read", &id, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err), *o = NULL;
  if (!b) return err->code ? err->code : LG_EINVAL;
  lg_industry_project_t p;
  rc = lg_industry_project_from_json(b, &p, err);
  if (rc == 0) rc = lg_industry_admission(req->store, id, &p, &o, err);
  json_decref(b);
  if (rc == 0) lg_http_json(res, 200, o);
  return rc;
}

static double num(const json_t *b, const char *k) {
  const json_t *v = json_object_get(b, k);
  return json_is_number(v) ? json_number_value(v) : -1;
}

static int post_commitment(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  int rc = permitted(req, "act", &id, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err), *o = NULL;
  if (!b) return err->code ? err->code : LG_EINVAL;
  lg_industry_commitment_t c = {
      .credit_code = json_string_value(json_object_get(b, "credit_code")),
      .enterprise = json_string_value(json_object_get(b, "enterprise")),
      .investment_wan = num(b, "investment_wan"),
      .output_per_mu_wan = num(b, "output_per_mu_wan"),
      .tax_per_mu_wan = num(b, "tax_per_mu_wan"),
      .signed_on = json_string_value(json_object_get(b, "signed_on")),
      .start_on = json_string_value(json_object_get(b, "start_on")),
      .completion_on = json_string_value(json_object_get(b, "completion_on")),
      .production_on = json_string_value(json_object_get(b, "production_on"))};
  rc = lg_industry_commit(req->store, &req->who, id, &c, NULL, err);
  json_decref(b);
  if (rc == 0) rc = lg_industry_parcel_get(req->store, id, &o, err);
  if (rc == 0) lg_http_json(res, 201, o);
  return rc;
}

static int post_acceptance(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  int rc = permitted(req, "act", &id, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err), *o = NULL;
  if (!b) return err->code ? err->code : LG_EINVAL;
  rc = lg_industry_accept(req->store, &req->who, id, json_string_value(json_object_get(b, "stage")),
                          json_string_value(json_object_get(b, "on")),
                          json_object_get(b, "actuals"), &o, NULL, err);
  json_decref(b);
  if (rc == 0) lg_http_json(res, 201, o);
  return rc;
}

static int post_figures(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "industry", "create", NULL, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  const json_t *rows = json_object_get(b, "rows");
  size_t n = json_array_size(rows);
  lg_industry_figures_t *f = lg_calloc(n ? n : 1, sizeof *f);
  if (!n) {
    rc = lg_err_set(err, LG_EINVAL, "缺少企业年度数据 (rows, 非空列表)");
    lg_err_where(err, "rows");
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = lg_industry_figures_from_json(json_array_get(rows, i), &f[i], err);
    if (rc) lg_err_prefix(err, "第 %zu 行: ", i + 1);
  }
  if (rc == 0) rc = lg_industry_figures_add(req->store, &req->who, f, n, err);
  if (rc == 0) lg_http_json(res, 201, json_pack("{s:I}", "added", (json_int_t)n));
  lg_free(f);
  json_decref(b);
  return rc;
}

static int get_evaluation(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  char prefix[16];
  long long year = 0;
  json_t *o = NULL;
  int rc = list_prefix(req, "read", prefix, err);
  if (rc == 0) rc = lg_http_query_int(req, "year", 0, 1990, 2200, &year, err);
  if (rc == 0 && !year) {
    rc = lg_err_set(err, LG_EINVAL, "缺少参数 year (评价年度)");
    lg_err_where(err, "year");
  }
  if (rc == 0) rc = lg_industry_evaluate(req->store, &req->who, (int)year, prefix, false, &o, err);
  if (rc == 0) lg_http_json(res, 200, o);
  return rc;
}

static int post_evaluation(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "industry", "act", NULL, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err), *o = NULL;
  if (!b) return err->code ? err->code : LG_EINVAL;
  const json_t *y = json_object_get(b, "year");
  const char *d = json_string_value(json_object_get(b, "division"));
  if (!json_is_integer(y)) {
    rc = lg_err_set(err, LG_EINVAL, "缺少评价年度 (year)");
    lg_err_where(err, "year");
  } else {
    rc = lg_industry_evaluate(req->store, &req->who, (int)json_integer_value(y),
                              d && *d ? d : req->who.division, true, &o, err);
  }
  json_decref(b);
  if (rc == 0) lg_http_json(res, 201, o);
  return rc;
}

const lg_http_route_t lg_http_routes_industry[] = {
    {"GET", "/api/industry/config", get_config},
    {"GET", "/api/industry/conditions/{industry}", get_conditions},
    {"GET", "/api/industry/parcels", list_parcels},
    {"POST", "/api/industry/parcels", post_parcel},
    {"GET", "/api/industry/parcels/{id}", get_parcel},
    {"POST", "/api/industry/parcels/{id}/admission", post_admission},
    {"POST", "/api/industry/parcels/{id}/commitment", post_commitment},
    {"POST", "/api/industry/parcels/{id}/acceptances", post_acceptance},
    {"POST", "/api/industry/figures", post_figures},
    {"GET", "/api/industry/evaluation", get_evaluation},
    {"POST", "/api/industry/evaluations", post_evaluation},
    {0},
};
