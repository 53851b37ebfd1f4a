/*
 * Finding the entries recorded about one object (lg_ledger_object_entries),
 * as the web page does to verify a saved check: entries of two objects and
 * of an object of another type with the same id, appended interleaved in
 * a known order, so that each object's indexes are known by counting the
 * appends; a short buffer still counts them all; an unknown object has
 * none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger/ledger.h"
#include "lg_test.h"

static lg_store_t *S;
static char path[64];

static void append(const char *type, const char *id, const char *action) {
  lg_err_t err = {0};
  assert_int_equal(lg_store_begin(S, &err), 0);
  json_t *state = json_pack("{s:s, s:s}", "id", id, "action", action);
  lg_ledger_event_t ev = {.actor = "clerk",
                          .role = "clerk",
                          .jurisdiction = "360781",
                          .action = action,
                          .object_type = type,
                          .object_id = id,
                          .state = state};
  if (lg_ledger_append(S, &ev, NULL, &err)) fail_msg("%s", err.msg);
  json_decref(state);
  assert_int_equal(lg_store_commit(S, &err), 0);
}

static int setup(void **state) {
  (void)state;
  snprintf(path, sizeof path, "/tmp/lg_ledger_objects_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &S, &err) != 0) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  /* Index: 0 check 7, 1 check 12, 2 case 7, 3 check 7, 4 check 12,
   * 5 check 7. */
  append("check", "7", "check.create");
  append("check", "12", "check.create");
  append("case", "7", "case.create");
  append("check", "7", "check.review");
  append("check", "12", "check.review");
  append("check", "7", "check.close");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lg_store_close(S);
  lg_test_remove_store(path);
  return 0;
}

static void test_entries_of_one_object_in_order(void **state) {
  (void)state;
  uint64_t idx[8];
  size_t total = 99;
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_object_entries(S, "check", "7", idx, 8, &total, &err), 0);
  assert_int_equal(total, 3);
  assert_int_equal(idx[0], 0);
  assert_int_equal(idx[1], 3);
  assert_int_equal(idx[2], 5);
  assert_int_equal(lg_ledger_object_entries(S, "check", "12", idx, 8, &total, &err), 0);
  assert_int_equal(total, 2);
  assert_int_equal(idx[0], 1);
  assert_int_equal(idx[1], 4);
  /* Same id, other type: only its own entry. */
  assert_int_equal(lg_ledger_object_entries(S, "case", "7", idx, 8, &total, &err), 0);
  assert_int_equal(total, 1);
  assert_int_equal(idx[0], 2);
  /* And each index is indeed about that object, as the entry text says. */
  char *text = NULL;
  assert_int_equal(lg_ledger_entry(S, 5, &text, NULL, &err), 0);
  assert_non_null(strstr(text, "\"object_id\":\"7\""));
  assert_non_null(strstr(text, "\"action\":\"check.close\""));
  lg_free(text);
}

static void test_short_buffer_counts_all(void **state) {
  (void)state;
  uint64_t idx[2] = {0, 0};
  size_t total = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_object_entries(S, "check", "7", idx, 1, &total, &err), 0);
  assert_int_equal(total, 3);
  assert_int_equal(idx[0], 0);
  assert_int_equal(idx[1], 0); /* untouched past max */
}

static void test_unknown_object_has_none(void **state) {
  (void)state;
  uint64_t idx[1];
  size_t total = 99;
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_object_entries(S, "check", "8", idx, 1, &total, &err), 0);
  assert_int_equal(total, 0);
  assert_int_equal(lg_ledger_object_entries(S, "parcel", "7", idx, 1, NULL, &err), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_entries_of_one_object_in_order),
      cmocka_unit_test(test_short_buffer_counts_all),
      cmocka_unit_test(test_unknown_object_has_none),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
