/*
 * http/limits: the settings limits.* as the server reads them (defaults,
 * values an administrator set, values that are not integers or out of
 * range), the JSON nesting scan (depths counted by hand; brackets inside
 * strings and escaped quotes are text), and lg_http_body_json refusing a
 * body deeper than the limit before jansson sees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_int.h"
#include "lg_test.h"

static void test_depth_scan(void **state) {
  static const struct {
    const char *json;
    size_t depth;
  } cases[] = {
      {"", 0},
      {"42", 0},
      {"\"[[[[\"", 0},
      {"{}", 1},
      {"[[]]", 2},
      {"{\"a\":[1,{\"b\":[[2]]}]}", 5},
      {"{\"s\":\"]]]]}}}}[[\"}", 1},    /* brackets in a string */
      {"{\"s\":\"\\\"[[[[\"}", 1},      /* an escaped quote does not end the string */
      {"[[[\"\\\\\"],[[[]]]]]", 5},     /* an escaped backslash does */
      {"]]]][[", 2},                    /* not JSON: a number all the same */
      {"[属性描述]\n坐标系=2000\n", 1}, /* a Ministry file's section header */
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    size_t d = lg_http_json_depth(cases[i].json, strlen(cases[i].json), 100);
    if (d != cases[i].depth)
      fail_msg("%s: depth %zu, expected %zu", cases[i].json, d, cases[i].depth);
  }
  /* The scan stops past `stop`: a megabyte of '[' costs no more than a few. */
  size_t n = 1 << 20;
  char *deep = lg_malloc(n);
  memset(deep, '[', n);
  size_t d = lg_http_json_depth(deep, n, 32);
  assert_true(d > 32 && d < 64);
  lg_free(deep);
}

static void test_body_json_depth(void **state) {
  lg_err_t err = {0};
  lg_http_req_t req = {0};
  const lg_http_limits_t *l = lg_http_limits(&req); /* no server: the defaults */
  assert_int_equal(l->json_depth, 32);
  /* 32 levels pass, 33 do not. */
  char body[80];
  for (int depth = 32; depth <= 33; depth++) {
    int n = 0;
    for (int i = 0; i < depth; i++)
      body[n++] = '[';
    for (int i = 0; i < depth; i++)
      body[n++] = ']';
    body[n] = '\0';
    req.body = body;
    req.body_len = (size_t)n;
    lg_err_clear(&err);
    json_t *v = lg_http_body_json(&req, &err);
    if (depth == 32) {
      assert_non_null(v);
      json_decref(v);
    } else {
      assert_null(v);
      assert_int_equal(err.code, LG_ELIMIT);
      assert_non_null(strstr(err.msg, "32 层"));
      assert_string_equal(err.where, "limits.json_depth");
    }
  }
  /* Not JSON at all is still invalid input, not a limit. */
  req.body = "{nope";
  req.body_len = 5;
  assert_null(lg_http_body_json(&req, &err));
  assert_int_equal(err.code, LG_EINVAL);
}

static void test_load_settings(void **state) {
  char db[128];
  snprintf(db, sizeof db, "/tmp/lg_test_http_limits_%d.gpkg", (int)getpid());
  lg_test_remove_store(db);
  lg_err_t err = {0};
  lg_store_t *s;
  assert_int_equal(lg_store_open(lg_test_target(db), LG_STORE_CREATE, &s, &err), 0);

  lg_http_limits_t l;
  assert_int_equal(lg_http_limits_load(lg_test_target(db), &l, &err), 0);
  assert_int_equal(l.body_bytes, 4 << 20);
  assert_int_equal(l.upload_bytes, 32 << 20);
  assert_int_equal(l.json_depth, 32);
  assert_int_equal(l.geometry_vertices, 100000);
  assert_int_equal(l.request_ms, 30000);
  assert_int_equal(l.idle_timeout_s, 60);

  /* What an administrator set; a word where a number belongs keeps the
   * default; a value out of range is clamped to the range's end. */
  assert_int_equal(lg_store_setting_set(s, "limits.body_bytes", "65536", &err), 0);
  assert_int_equal(lg_store_setting_set(s, "limits.json_depth", "deep", &err), 0);
  assert_int_equal(lg_store_setting_set(s, "limits.geometry_vertices", "2", &err), 0);
  assert_int_equal(lg_store_setting_set(s, "limits.request_ms", "0", &err), 0);
  assert_int_equal(lg_store_setting_set(s, "limits.idle_timeout_s", "999999", &err), 0);
  assert_int_equal(lg_http_limits_load(lg_test_target(db), &l, &err), 0);
  assert_int_equal(l.body_bytes, 65536);
  assert_int_equal(l.json_depth, 32);
  assert_int_equal(l.geometry_vertices, 4);
  assert_int_equal(l.request_ms, 0); /* 0: no deadline */
  assert_int_equal(l.idle_timeout_s, 3600);
  lg_store_close(s);

  /* A server started on the store has them. */
  lg_http_opts_t o = {.port = 0, .threads = 1, .db_path = lg_test_target(db), .quiet = true};
  lg_http_t *h = NULL;
  assert_int_equal(lg_http_start(&o, &h, &err), 0);
  assert_int_equal(lg_http_limits_of(h)->body_bytes, 65536);
  assert_int_equal(lg_http_limits_of(h)->geometry_vertices, 4);
  lg_http_stop(h);
  /* Options win over the settings. */
  lg_http_limits_t mine;
  lg_http_limits_default(&mine);
  mine.json_depth = 7;
  o.limits = &mine;
  o.max_body = 1000;
  assert_int_equal(lg_http_start(&o, &h, &err), 0);
  assert_int_equal(lg_http_limits_of(h)->json_depth, 7);
  assert_int_equal(lg_http_limits_of(h)->body_bytes, 1000);
  lg_http_stop(h);
  lg_test_remove_store(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_depth_scan),
      cmocka_unit_test(test_body_json_depth),
      cmocka_unit_test(test_load_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
