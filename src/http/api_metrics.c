/*
 * Approval measures over HTTP (src/cases/metrics.c): what seed 000 says
 * the approval marathon is made of, measured from landgov's own records.
 *
 *   GET /api/metrics/approval   ?from=YYYY-MM-DD&to=YYYY-MM-DD (Beijing
 *                               dates, inclusive; default the 30 days
 *                               ending today) &division=CODE (within the
 *                               caller's jurisdiction) &limit=N (rows of
 *                               the case list, default 100)
 *   GET /api/cases/{id}/metrics one case's measures over its life so far
 *
 * Permissions (src/auth's policy, resource "metrics", migration 55): staff
 * and administrators read the measures of their own jurisdiction (a
 * county its own, a city its counties, a province its cities); applicants
 * and the public none. A case's measures need "metrics" read on one of
 * the counties the case crosses, as reading the case needs "case" read.
 */
#include "cases/cases.h"
#include "http/http_int.h"

#include <stdio.h>

static int get_approval(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "metrics", "read", &scope, err);
  if (rc) return rc;
  const char *division = lg_http_query(req, "division");
  if (division && *division) {
    /* A division outside the caller's reach is refused, not answered
     * with nothing, so that a typo and a trespass both say so. */
    char d[16];
    if ((rc = lg_auth_division_normalize(division, d, "division", err))) return rc;
    lg_object_ref_t obj = {.division = d};
    if ((rc = lg_http_require(req, "metrics", "read", &obj, err))) return rc;
  }
  long long limit;
  if ((rc = lg_http_query_int(req, "limit", 100, 1, 100000, &limit, err))) return rc;
  lg_store_t *s = req->store;
  lg_case_metrics_opts_t o = {.from = lg_http_query(req, "from"),
                              .to = lg_http_query(req, "to"),
                              .division = division,
                              .who = &req->who,
                              .scope = scope,
                              .max_cases = (int)limit};
  json_t *out = NULL;
  if ((rc = lg_cases_metrics(s, &o, &out, err))) return rc;
  lg_http_json(res, 200, out);
  return 0;
}

static int get_case_metrics(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "metrics", "read", &scope, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t id = 0;
  lg_case_ref_t c;
  if ((rc = lg_cases_find(s, lg_http_param(req, "id"), &id, err)) ||
      (rc = lg_cases_ref(s, id, &c, err)))
    return rc;
  /* The case belongs to every county it crosses. */
  bool reached = false;
  for (int i = 0; i < c.ndivisions && !reached; i++) {
    lg_object_ref_t obj = {.division = c.divisions[i],
                           .enterprise = c.enterprise[0] ? c.enterprise : NULL,
                           .user_id = c.user_id};
    reached = lg_auth_scope_reaches(&req->who, scope, "read", &obj);
  }
  if (!reached) {
    lg_object_ref_t obj = {.division = c.division,
                           .enterprise = c.enterprise[0] ? c.enterprise : NULL,
                           .user_id = c.user_id};
    return lg_http_require(req, "metrics", "read", &obj, err);
  }
  json_t *out = NULL;
  if ((rc = lg_cases_metrics_case(s, c.id, &out, err))) return rc;
  lg_http_json(res, 200, out);
  return 0;
}

const lg_http_route_t lg_http_routes_metrics[] = {
    {"GET", "/api/metrics/approval", get_approval},
    {"GET", "/api/cases/{id}/metrics", get_case_metrics},
    {0},
};
