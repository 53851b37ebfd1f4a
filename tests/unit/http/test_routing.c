/*
 * http/routing: the pieces of the server that need no socket: route
 * patterns and their parameters, query parsing, the error shape, content
 * types and which static paths are refused. Expected values are written
 * from the HTTP and JSON rules themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* cmocka.h needs the three above first. */

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "http/http_int.h"

static void test_match(void **state) {
  lg_http_req_t req = {0};
  assert_true(lg_http_match("/api/layers", "/api/layers", &req));
  assert_int_equal(req.nparams, 0);
  assert_false(lg_http_match("/api/layers", "/api/layers/", &req));
  assert_false(lg_http_match("/api/layers", "/api/layer", &req));
  assert_false(lg_http_match("/api/layers", "/api/layersx", &req));
  assert_false(lg_http_match("/api/layers", "/api", &req));
  assert_true(lg_http_match("/", "/", &req));

  assert_true(lg_http_match("/api/layers/{id}/features", "/api/layers/dltb/features", &req));
  assert_int_equal(req.nparams, 1);
  assert_string_equal(lg_http_param(&req, "id"), "dltb");
  assert_null(lg_http_param(&req, "i"));
  assert_null(lg_http_param(&req, "idx"));
  /* A parameter is one non-empty segment. */
  assert_false(lg_http_match("/api/layers/{id}/features", "/api/layers//features", &req));
  assert_false(lg_http_match("/api/layers/{id}/features", "/api/layers/a/b/features", &req));
  assert_int_equal(req.nparams, 0);
  assert_null(lg_http_param(&req, "id"));

  assert_true(
      lg_http_match("/api/cases/{case}/materials/{mid}", "/api/cases/42/materials/土地证", &req));
  assert_string_equal(lg_http_param(&req, "case"), "42");
  assert_string_equal(lg_http_param(&req, "mid"), "土地证");
  lg_http_req_fini(&req);
  assert_int_equal(req.nparams, 0);
}

static void test_route_table(void **state) {
  /* Every route is well formed and no two claim the same method and path. */
  int n = 0;
  for (int t = 0; lg_http_route_tables[t]; t++)
    for (const lg_http_route_t *r = lg_http_route_tables[t]; r->pattern; r++, n++) {
      assert_non_null(r->method);
      assert_non_null(r->fn);
      assert_true(r->pattern[0] == '/');
      for (int u = 0; lg_http_route_tables[u]; u++)
        for (const lg_http_route_t *q = lg_http_route_tables[u]; q->pattern; q++)
          if (q != r && strcmp(q->method, r->method) == 0)
            assert_string_not_equal(q->pattern, r->pattern);
    }
  assert_true(n >= 3);
}

static void test_query_int(void **state) {
  const char *q[] = {"limit", "25", "bad", "12x", "big", "20000", "empty", "", NULL};
  lg_http_req_t req = {.test_query = q};
  lg_err_t err = {0};
  long long v = 0;
  assert_int_equal(lg_http_query_int(&req, "limit", 1000, 1, 10000, &v, &err), 0);
  assert_int_equal(v, 25);
  assert_int_equal(lg_http_query_int(&req, "absent", 1000, 1, 10000, &v, &err), 0);
  assert_int_equal(v, 1000);
  assert_int_equal(lg_http_query_int(&req, "empty", 7, 1, 10000, &v, &err), 0);
  assert_int_equal(v, 7);
  assert_int_equal(lg_http_query_int(&req, "bad", 1000, 1, 10000, &v, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "bad"));
  assert_string_equal(err.where, "bad");
  lg_err_clear(&err);
  assert_int_equal(lg_http_query_int(&req, "big", 1000, 1, 10000, &v, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "10000"));
}

static void test_query_numbers(void **state) {
  const char *q[] = {
      "bbox", "113.5,30,-1e2,4.25", "three", "1,2,3",    "five", "1,2,3,4,5", "word", "1,2,x,4",
      "inf",  "1,2,inf,4",          "sp",    "1, 2,3,4", NULL};
  lg_http_req_t req = {.test_query = q};
  lg_err_t err = {0};
  double v[4];
  bool present = false;
  assert_int_equal(lg_http_query_numbers(&req, "bbox", v, 4, &present, &err), 0);
  assert_true(present);
  assert_true(v[0] == 113.5 && v[1] == 30 && v[2] == -100 && v[3] == 4.25);
  assert_int_equal(lg_http_query_numbers(&req, "none", v, 4, &present, &err), 0);
  assert_false(present);
  const char *bad[] = {"three", "five", "word", "inf"};
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++) {
    lg_err_clear(&err);
    assert_int_equal(lg_http_query_numbers(&req, bad[i], v, 4, &present, &err), LG_EINVAL);
    assert_string_equal(err.where, bad[i]);
  }
  /* strtod skips leading blanks; a space after a comma is accepted. */
  assert_int_equal(lg_http_query_numbers(&req, "sp", v, 4, &present, &err), 0);
}

static json_t *body_json(lg_http_res_t *res) {
  json_error_t je;
  json_t *v = json_loadb(res->body.data, res->body.len, 0, &je);
  if (!v) fail_msg("not JSON (%s): %s", je.text, res->body.data);
  return v;
}

static void test_error_shape(void **state) {
  lg_http_res_t res;
  lg_http_res_init(&res);
  lg_err_t err = {0};
  lg_err_set(&err, LG_ENOTFOUND, "图层 %s 不存在", "x");
  lg_err_where(&err, "id");
  assert_int_equal(lg_http_error(&res, &err), LG_ENOTFOUND);
  assert_int_equal(res.status, 404);
  assert_string_equal(res.content_type, "application/json; charset=utf-8");
  json_t *v = body_json(&res);
  json_t *e = json_object_get(v, "error");
  assert_int_equal(json_object_size(v), 1);
  assert_int_equal(json_object_size(e), 3);
  assert_string_equal(json_string_value(json_object_get(e, "code")), "not_found");
  assert_string_equal(json_string_value(json_object_get(e, "message")), "图层 x 不存在");
  assert_string_equal(json_string_value(json_object_get(e, "detail")), "id");
  json_decref(v);

  /* Each code takes core's status. */
  const struct {
    int code, status;
    const char *name;
  } cases[] = {
      {LG_EINVAL, 400, "invalid_input"},  {LG_ECRS, 400, "crs_error"},
      {LG_ELIMIT, 413, "limit_exceeded"}, {LG_EDB, 500, "store_error"},
      {LG_ECONFLICT, 409, "conflict"},    {LG_EPERM, 403, "forbidden"},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    lg_err_clear(&err);
    lg_err_set(&err, cases[i].code, "x");
    lg_http_error(&res, &err);
    assert_int_equal(res.status, cases[i].status);
    v = body_json(&res);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "error"), "code")),
                        cases[i].name);
    json_decref(v);
  }
  /* A message cut inside a UTF-8 character still gives valid JSON. */
  lg_http_error_status(&res, 405, "method_not_allowed", "\xe5\x9b", "");
  assert_int_equal(res.status, 405);
  v = body_json(&res);
  json_decref(v);
  lg_http_res_fini(&res);
}

static void test_json_response(void **state) {
  lg_http_res_t res;
  lg_http_res_init(&res);
  lg_http_json(&res, 201, json_pack("{s:s, s:f}", "名称", "永久基本农田", "x", 114.123456789012));
  assert_int_equal(res.status, 201);
  /* UTF-8 kept as is, 15 significant digits. */
  assert_string_equal(res.body.data, "{\"名称\":\"永久基本农田\",\"x\":114.123456789012}");
  lg_http_header_add(&res, "X-A", "1");
  assert_int_equal(res.headers.len, 1);
  lg_http_res_fini(&res);
}

static void test_body_json(void **state) {
  lg_err_t err = {0};
  const char good[] = "{\"a\": [1, 2]}";
  lg_http_req_t req = {.body = good, .body_len = sizeof good - 1};
  json_t *v = lg_http_body_json(&req, &err);
  assert_non_null(v);
  assert_int_equal(json_array_size(json_object_get(v, "a")), 2);
  json_decref(v);
  const char bad[] = "{\n\"a\": }";
  req.body = bad;
  req.body_len = sizeof bad - 1;
  assert_null(lg_http_body_json(&req, &err));
  assert_int_equal(err.code, LG_EINVAL);
  assert_non_null(strstr(err.where, "第 2 行"));
}

static void test_content_types(void **state) {
  assert_string_equal(lg_http_content_type("/a/index.html"), "text/html; charset=utf-8");
  assert_string_equal(lg_http_content_type("app.js"), "text/javascript; charset=utf-8");
  assert_string_equal(lg_http_content_type("x.MJS"), "text/javascript; charset=utf-8");
  assert_string_equal(lg_http_content_type("ol/ol.css"), "text/css; charset=utf-8");
  assert_string_equal(lg_http_content_type("a.svg"), "image/svg+xml");
  assert_string_equal(lg_http_content_type("a.png"), "image/png");
  assert_string_equal(lg_http_content_type("a.json"), "application/json; charset=utf-8");
  assert_string_equal(lg_http_content_type("a.woff2"), "font/woff2");
  assert_string_equal(lg_http_content_type("Makefile"), "application/octet-stream");
  assert_string_equal(lg_http_content_type("dir.v2/file"), "application/octet-stream");
  assert_string_equal(lg_http_content_type("a."), "application/octet-stream");
}

static void test_path_safe(void **state) {
  assert_true(lg_http_path_safe("index.html"));
  assert_true(lg_http_path_safe("ol/layer/Vector.js"));
  assert_true(lg_http_path_safe("中文/图.png"));
  assert_true(lg_http_path_safe("a..b/c"));
  const char *bad[] = {
      "",     "..", "../etc/passwd", "a/../../b", "a/..", "./a",  "a/./b", ".git/config", "a/.env",
      "a//b", "a/", "/etc/passwd",   "a\\..\\b",  "a\tb", "c:/x", "a/\x7f"};
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++)
    if (lg_http_path_safe(bad[i])) fail_msg("path \"%s\" should be refused", bad[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_match),       cmocka_unit_test(test_route_table),
      cmocka_unit_test(test_query_int),   cmocka_unit_test(test_query_numbers),
      cmocka_unit_test(test_error_shape), cmocka_unit_test(test_json_response),
      cmocka_unit_test(test_body_json),   cmocka_unit_test(test_content_types),
      cmocka_unit_test(test_path_safe),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
