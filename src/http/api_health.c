/*
 * GET /api/health: whether the server can read its store, for load
 * balancers, the test harness (which waits for it before testing) and
 * operators: {"status":"ok","version","schema_version","layers"}. Open to
 * everyone, the public included: it tells nothing but that the server
 * works and how many layers it has.
 */
#include "http/http_int.h"

#ifndef LG_VERSION
#define LG_VERSION "0.0.0"
#endif

static int get_health(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_http_open_route(req);
  lg_store_t *s = req->store;
  lg_layer_info_t *ls;
  size_t n;
  int rc = lg_store_layers(s, &ls, &n, err);
  if (rc) return rc;
  lg_store_layer_infos_free(ls, n);
  lg_http_json(res, 200,
               json_pack("{s:s, s:s, s:i, s:I}", "status", "ok", "version", LG_VERSION,
                         "schema_version", lg_store_schema_version(s), "layers", (json_int_t)n));
  return 0;
}

const lg_http_route_t lg_http_routes_health[] = {
    {"GET", "/api/health", get_health},
    {0},
};
