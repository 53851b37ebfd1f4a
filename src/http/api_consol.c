/*
 * Whole-region land consolidation over HTTP (src/consol). Money is
 * integer fen ("*_fen"), quotas integer m2 or kg; geometries are GeoJSON
 * geometry objects in the EPSG code given beside them as "srid" (absent:
 * the land-use layer's CRS).
 *
 *   GET  /api/consol/potential          ?township=CODE[&features=1]  potential of a township
 *   POST /api/consol/potential          {area, srid, features}        of a drawn unit
 *   GET  /api/consol/projects           ?status=   the project library (by scope)
 *   POST /api/consol/projects           {name, type, division, budget_fen, start_on, end_on,
 *                                        area, srid, note}  registration (201, Location)
 *   GET  /api/consol/projects/{id}      one project with its control lines and acts
 *   POST /api/consol/projects/{id}/advance {to: approved|implementing, document, note}
 *   POST /api/consol/projects/{id}/accept  {document, accepted_on, cultivated_m2, grain_kg,
 *                                        paddy_m2, linkage_m2, note}: quotas to the bank
 *   GET  /api/consol/projects/{id}/evaluation ?before=LAYER&after=LAYER  before and after
 *   GET  /api/consol/config             the thresholds and rates in force; PUT a new document
 *                                       (administrators of the whole store)
 *
 * Permissions: the policy resource "consol". A township's potential is
 * read over the township; a drawn unit's over the collection (it reads
 * only the One Map, which staff see anyway). A write is first asked of
 * the collection, then the module checks the project's division; one
 * project is read when its division is within reach; lists are filtered
 * by the scope of "consol" read. An acceptance that produces quotas also
 * needs the quota bank's "quota" create on the county.
 */
#include "consol/consol.h"
#include "http/http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *body_object(lg_http_req_t *req, lg_err_t *err) {
  json_t *b = lg_http_body_json(req, err);
  if (!b) return NULL;
  if (!json_is_object(b)) {
    json_decref(b);
    lg_err_set(err, LG_EINVAL, "请求体应为 JSON 对象");
    return NULL;
  }
  return b;
}

static const char *text_of(const json_t *b, const char *name) {
  return json_string_value(json_object_get(b, name));
}

/* An integer field (absent: *v stays). */
static int int_of(const json_t *b, const char *name, int64_t *v, lg_err_t *err) {
  const json_t *x = json_object_get(b, name);
  if (!x || json_is_null(x)) return 0;
  if (json_is_integer(x)) {
    *v = (int64_t)json_integer_value(x);
    return 0;
  }
  lg_err_set(err, LG_EINVAL, "字段 %s 应为整数 (金额以分计, 指标以平方米或千克计)", name);
  lg_err_where(err, "%s", name);
  return LG_EINVAL;
}

/* The GeoJSON geometry of field "area", with "srid"; NULL with err. */
static lg_geom_t *area_of(const json_t *b, int *srid, lg_err_t *err) {
  const json_t *a = json_object_get(b, "area");
  int64_t s = 0;
  if (int_of(b, "srid", &s, err)) return NULL;
  *srid = (int)s;
  if (!json_is_object(a)) {
    lg_err_set(err, LG_EINVAL, "缺少范围 area (GeoJSON 几何对象, 坐标系由 srid 给出)");
    lg_err_where(err, "area");
    return NULL;
  }
  char *text = json_dumps(a, JSON_COMPACT);
  lg_geom_t *g = lg_geom_from_geojson(lg_geo_thread(), text, err);
  free(text);
  if (!g) {
    lg_err_prefix(err, "范围 area 不是有效的 GeoJSON 几何: ");
    lg_err_where(err, "area");
  }
  return g;
}

static int64_t param_id(lg_http_req_t *req, lg_err_t *err) {
  const char *p = lg_http_param(req, "id");
  char *end;
  long long v = p ? strtoll(p, &end, 10) : 0;
  if (!p || end == p || *end || v <= 0) {
    lg_err_set(err, LG_ENOTFOUND, "项目编号 \"%s\" 无效", p ? p : "");
    return 0;
  }
  return v;
}

/* Permission on one project: its division within reach of action. */
static int require_project(lg_http_req_t *req, const char *action, int64_t *id, lg_err_t *err) {
  char div[16];
  *id = param_id(req, err);
  int rc = *id ? lg_consol_project_division(req->store, *id, div, err) : LG_ENOTFOUND;
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "consol", action, NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  lg_object_ref_t obj = {.division = div};
  return lg_http_require(req, "consol", action, &obj, err);
}

static int get_potential(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  const char *t = lg_http_query(req, "township");
  char div[16] = "";
  int rc = t && *t ? lg_auth_division_normalize(t, div, "township", err)
                   : lg_err_set(err, LG_EINVAL, "缺少查询参数 township (乡镇代码)");
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "consol", "read", NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  lg_object_ref_t obj = {.division = div};
  if ((rc = lg_http_require(req, "consol", "read", &obj, err))) return rc;
  bool features = false;
  if ((rc = lg_http_query_bool(req, "features", false, &features, err))) return rc;
  lg_consol_unit_t u = {.township = t, .with_geometry = features};
  json_t *o = NULL;
  if ((rc = lg_consol_potential(req->store, &u, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int post_potential(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "consol", "read", NULL, err);
  if (rc) return rc;
  json_t *b = body_object(req, err), *o = NULL;
  if (!b) return err->code ? err->code : LG_EINVAL;
  int srid = 0;
  lg_geom_t *g = area_of(b, &srid, err);
  if (!g) {
    rc = err->code ? err->code : LG_EINVAL;
  } else {
    lg_consol_unit_t u = {
        .area = g, .srid = srid, .with_geometry = json_is_true(json_object_get(b, "features"))};
    if ((rc = lg_consol_potential(req->store, &u, &o, err)) == 0) lg_http_json(res, 200, o);
  }
  lg_geom_free(lg_geo_thread(), g);
  json_decref(b);
  return rc;
}

static int get_projects(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "consol", "read", &scope, err);
  if (rc) return rc;
  lg_auth_filter_t f;
  lg_auth_filter_make(&req->who, scope, &f);
  json_t *o = NULL;
  const char *st = lg_http_query(req, "status");
  if ((rc = lg_consol_projects(req->store, &f, st && *st ? st : NULL, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int created(lg_http_req_t *req, lg_http_res_t *res, int64_t id, int status, lg_err_t *err) {
  json_t *o = NULL;
  int rc = lg_consol_project_get(req->store, id, &o, err);
  if (rc) return rc;
  char loc[64];
  snprintf(loc, sizeof loc, "/api/consol/projects/%lld", (long long)id);
  if (status == 201) lg_http_header_add(res, "Location", loc);
  lg_http_json(res, status, o);
  return 0;
}

static int post_project(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "consol", "create", NULL, err);
  if (rc) return rc;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int srid = 0;
  int64_t budget = 0, id = 0;
  lg_geom_t *g = NULL;
  if ((rc = int_of(b, "budget_fen", &budget, err)) == 0 && !(g = area_of(b, &srid, err)))
    rc = err->code ? err->code : LG_EINVAL;
  if (rc == 0) {
    lg_consol_project_new_t p = {.name = text_of(b, "name"),
                                 .type = text_of(b, "type"),
                                 .division = text_of(b, "division"),
                                 .budget_fen = budget,
                                 .start_on = text_of(b, "start_on"),
                                 .end_on = text_of(b, "end_on"),
                                 .area = g,
                                 .srid = srid,
                                 .note = text_of(b, "note")};
    rc = lg_consol_project_register(req->store, &req->who, &p, &id, err);
  }
  if (rc == 0) rc = created(req, res, id, 201, err);
  lg_geom_free(lg_geo_thread(), g);
  json_decref(b);
  return rc;
}

static int get_project(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  int rc = require_project(req, "read", &id, err);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_consol_project_get(req->store, id, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int post_advance(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  int rc = require_project(req, "act", &id, err);
  if (rc) return rc;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  rc = lg_consol_project_advance(req->store, &req->who, id, text_of(b, "to"),
                                 text_of(b, "document"), text_of(b, "note"), err);
  if (rc == 0) rc = created(req, res, id, 200, err);
  json_decref(b);
  return rc;
}

static int post_accept(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  int rc = require_project(req, "act", &id, err);
  if (rc) return rc;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  lg_consol_acceptance_t a = {.document = text_of(b, "document"),
                              .accepted_on = text_of(b, "accepted_on"),
                              .note = text_of(b, "note")};
  if ((rc = int_of(b, "cultivated_m2", &a.cultivated_m2, err)) == 0 &&
      (rc = int_of(b, "grain_kg", &a.grain_kg, err)) == 0 &&
      (rc = int_of(b, "paddy_m2", &a.paddy_m2, err)) == 0 &&
      (rc = int_of(b, "linkage_m2", &a.linkage_m2, err)) == 0)
    rc = lg_consol_project_accept(req->store, &req->who, id, &a, err);
  if (rc == 0) rc = created(req, res, id, 200, err);
  json_decref(b);
  return rc;
}

static int get_evaluation(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  int rc = require_project(req, "read", &id, err);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_consol_evaluate(req->store, id, lg_http_query(req, "before"),
                               lg_http_query(req, "after"), &o, err)))
    return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "consol", "read", NULL, err);
  if (rc) return rc;
  json_t *cfg = NULL;
  if ((rc = lg_consol_config(req->store, &cfg, err))) return rc;
  lg_http_json(res, 200, cfg);
  return 0;
}

static int put_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "consol", "admin", NULL, err);
  if (rc) return rc;
  if ((rc = lg_consol_config_save(req->store, req->body, &req->who, err))) return rc;
  json_t *cfg = NULL;
  if ((rc = lg_consol_config(req->store, &cfg, err))) return rc;
  lg_http_json(res, 200, cfg);
  return 0;
}

const lg_http_route_t lg_http_routes_consol[] = {
    {"GET", "/api/consol/config", get_config},
    {"PUT", "/api/consol/config", put_config},
    {"GET", "/api/consol/potential", get_potential},
    {"POST", "/api/consol/potential", post_potential},
    {"GET", "/api/consol/projects", get_projects},
    {"POST", "/api/consol/projects", post_project},
    {"GET", "/api/consol/projects/{id}", get_project},
    {"POST", "/api/consol/projects/{id}/advance", post_advance},
    {"POST", "/api/consol/projects/{id}/accept", post_accept},
    {"GET", "/api/consol/projects/{id}/evaluation", get_evaluation},
    {0},
};
