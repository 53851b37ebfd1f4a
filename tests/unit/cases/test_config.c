/*
 * cases: the configuration document, parsed once per text and shared
 * (util.c). What an administrator saves in cases.config is what the next
 * call returns, on this connection or another (a server's other worker);
 * removing it brings back the built-in document; a saved document that
 * fails validation fails every time, naming the field; and the shared
 * document outlives every caller's reference. Expected values are the
 * ones the test saves, and the built-in data/cases/default.json (Task_Accept
 * 1 working day, penalty rate 0.5%-1%).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases/cases.h"
#include "lg_test.h"

typedef struct env {
  char path[300];
  lg_store_t *s, *other;
} env_t;

static int setup(void **state) {
  env_t *e = calloc(1, sizeof *e);
  snprintf(e->path, sizeof e->path, "/tmp/lg_cases_config_%d.gpkg", (int)getpid());
  lg_test_remove_store(e->path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0)
    fail_msg("open: %s", err.msg);
  if (lg_store_open(lg_test_target(e->path), 0, &e->other, &err) != 0)
    fail_msg("open: %s", err.msg);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env_t *e = *state;
  lg_store_close(e->other);
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  free(e);
  return 0;
}

/* time_limits.nodes.Task_Accept of the store's configuration. */
static json_int_t accept_days(lg_store_t *s) {
  json_t *cfg = NULL;
  lg_err_t err = {0};
  if (lg_cases_config(s, &cfg, &err) != 0) fail_msg("config: %s", err.msg);
  json_int_t v = json_integer_value(json_object_get(
      json_object_get(json_object_get(cfg, "time_limits"), "nodes"), "Task_Accept"));
  json_decref(cfg);
  return v;
}

/* The built-in document with Task_Accept's limit and the penalty rate set. */
static char *variant(json_int_t days, double rate) {
  json_t *cfg = json_loads(lg_cases_config_default_json(), 0, NULL);
  assert_non_null(cfg);
  json_object_set_new(json_object_get(json_object_get(cfg, "time_limits"), "nodes"), "Task_Accept",
                      json_integer(days));
  json_object_set_new(json_object_get(cfg, "penalty"), "rate", json_real(rate));
  char *t = json_dumps(cfg, JSON_COMPACT);
  json_decref(cfg);
  return t;
}

static void save(lg_store_t *s, const char *text) {
  lg_err_t err = {0};
  if (lg_store_setting_set(s, "cases.config", text, &err) != 0) fail_msg("save: %s", err.msg);
}

static void test_saved_config_takes_effect(void **state) {
  env_t *e = *state;
  assert_int_equal(accept_days(e->s), 1); /* built-in */
  assert_int_equal(accept_days(e->s), 1); /* kept: the same answer */
  char *three = variant(3, 0.006), *two = variant(2, 0.007);
  save(e->s, three);
  assert_int_equal(accept_days(e->s), 3);
  assert_int_equal(accept_days(e->other), 3);
  /* Saved by the other connection: seen here at once. */
  save(e->other, two);
  assert_int_equal(accept_days(e->s), 2);
  save(e->other, three);
  assert_int_equal(accept_days(e->s), 3);
  /* Removed: the built-in document again. */
  lg_err_t err = {0};
  assert_int_equal(
      lg_store_exec(e->other, "DELETE FROM lg_settings WHERE key = 'cases.config'", &err), 0);
  assert_int_equal(accept_days(e->s), 1);
  free(three);
  free(two);
}

static void test_invalid_config_fails_each_time(void **state) {
  env_t *e = *state;
  /* 2% is outside the 0.5%-1% the document itself allows. */
  char *bad = variant(3, 0.02);
  save(e->s, bad);
  for (int i = 0; i < 2; i++) {
    json_t *cfg = NULL;
    lg_err_t err = {0};
    assert_int_equal(lg_cases_config(e->s, &cfg, &err), LG_EINVAL);
    assert_null(cfg);
    assert_non_null(strstr(err.msg, "penalty.rate"));
    assert_non_null(strstr(err.msg, "cases.config"));
  }
  /* Not JSON at all. */
  save(e->s, "{\"process\": ");
  json_t *cfg = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_cases_config(e->s, &cfg, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "cases.config"));
  /* Repaired: valid again. */
  char *good = variant(4, 0.008);
  save(e->s, good);
  assert_int_equal(accept_days(e->s), 4);
  free(bad);
  free(good);
}

static void test_shared_document_outlives_callers(void **state) {
  env_t *e = *state;
  json_t *a = NULL, *b = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_cases_config(e->s, &a, &err), 0);
  assert_int_equal(lg_cases_config(e->other, &b, &err), 0);
  /* One document for both, read-only. */
  assert_ptr_equal(a, b);
  json_decref(a);
  json_decref(b);
  /* More distinct texts than are kept push it out; what a caller still
   * holds stays valid (ASan would report a use after free). */
  json_t *held = NULL;
  assert_int_equal(lg_cases_config(e->s, &held, &err), 0);
  for (int i = 0; i < 10; i++) {
    char *t = variant(5 + i, 0.0075);
    save(e->s, t);
    assert_int_equal(accept_days(e->s), 5 + i);
    free(t);
  }
  assert_int_equal(
      json_integer_value(json_object_get(
          json_object_get(json_object_get(held, "time_limits"), "nodes"), "Task_Accept")),
      1);
  json_decref(held);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_saved_config_takes_effect, setup, teardown),
      cmocka_unit_test_setup_teardown(test_invalid_config_fails_each_time, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shared_document_outlives_callers, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
