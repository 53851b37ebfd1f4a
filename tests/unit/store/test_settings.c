/*
 * store: the settings registry. A setting never set reads as the default
 * the registry gives; one stored out of its bounds (an edit behind
 * landgov's back, since landgov settings refuses it) reads as the nearest
 * bound; one that is not an integer reads as the default. The expected
 * values are the registry's own entries, read back through
 * lg_store_setting_def.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lg_test.h"
#include "store/store.h"

static char path[128];
static lg_store_t *S;

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_settings_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  return lg_store_open(lg_test_target(path), LG_STORE_CREATE, &S, &err);
}

static int teardown(void **state) {
  lg_store_close(S);
  lg_test_remove_store(path);
  return 0;
}

static void test_int(void **state) {
  lg_err_t err = {0};
  const lg_setting_def_t *d = lg_store_setting_def("tiles.cache_mb");
  assert_non_null(d);
  assert_string_equal(d->dflt, "64");
  /* Never set: the default, with or without a store. */
  assert_int_equal(lg_store_setting_int(S, "tiles.cache_mb"), 64);
  assert_int_equal(lg_store_setting_int(NULL, "tiles.cache_mb"), 64);
  /* Set within bounds. */
  assert_int_equal(lg_store_setting_set(S, "tiles.cache_mb", "0", &err), 0);
  assert_int_equal(lg_store_setting_int(S, "tiles.cache_mb"), 0);
  /* Out of bounds: the nearest bound (max 1 << 20). */
  assert_int_equal(lg_store_setting_set(S, "tiles.cache_mb", "99999999", &err), 0);
  assert_int_equal(lg_store_setting_int(S, "tiles.cache_mb"), 1 << 20);
  assert_int_equal(lg_store_setting_set(S, "limits.json_depth", "1", &err), 0);
  assert_int_equal(lg_store_setting_int(S, "limits.json_depth"), 2);
  /* Not an integer: the default. */
  assert_int_equal(lg_store_setting_set(S, "limits.json_depth", "32x", &err), 0);
  assert_int_equal(lg_store_setting_int(S, "limits.json_depth"), 32);
  /* Not a registered integer setting. */
  assert_int_equal(lg_store_setting_int(S, "ledger.vkey"), 0);
}

static void test_text(void **state) {
  lg_err_t err = {0};
  char v[LG_SETTING_MAX];
  lg_store_setting_text(S, "metrics.coordination_nodes", v, sizeof v);
  assert_string_equal(v, "Task_Joint,Task_Committee");
  assert_int_equal(lg_store_setting_set(S, "metrics.coordination_nodes", "Task_A", &err), 0);
  lg_store_setting_text(S, "metrics.coordination_nodes", v, sizeof v);
  assert_string_equal(v, "Task_A");
  /* files.types is longer than a few words but fits a setting. */
  const lg_setting_def_t *d = lg_store_setting_def("files.types");
  assert_true(strlen(d->dflt) < LG_SETTING_MAX);
  assert_non_null(strstr(d->dflt, "application/pdf"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_int), cmocka_unit_test(test_text)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
