/*
 * store: statements kept by a connection (lg_store_stmt). The same text
 * gets the same statement back once it is released; a nested request for
 * a text that is out gets a statement of its own; a released statement
 * holds no bindings and no read snapshot (what another connection
 * commits is seen at once); the cache stays bounded; and a kept
 * statement follows a change of the schema. Expected values are the rows
 * the tests write themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lg_test.h"
#include "store/store.h"

static char path[256];

static int setup(void **state) {
  (void)state;
  snprintf(path, sizeof path, "/tmp/lg_test_stmt_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lg_test_remove_store(path);
  return 0;
}

static lg_store_t *open_store(void) {
  lg_store_t *s = NULL;
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err) != 0)
    fail_msg("open: %s", err.msg);
  return s;
}

static void exec(lg_store_t *s, const char *sql) {
  lg_err_t err = {0};
  if (lg_store_exec(s, sql, &err) != 0) fail_msg("%s: %s", sql, err.msg);
}

#define SELECT_V "SELECT v FROM t WHERE k = ?"

/* The value of key k through the kept statement, or -1 when absent. */
static int64_t value_of(lg_store_t *s, int64_t k) {
  lg_stmt_t *st = NULL;
  lg_err_t err = {0};
  if (lg_store_prepare(s, SELECT_V, &st, &err) != 0) fail_msg("stmt: %s", err.msg);
  lg_store_bind_int(st, 1, k);
  int64_t v = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : -1;
  lg_store_done(st);
  return v;
}

static void test_same_statement_again(void **state) {
  (void)state;
  lg_store_t *s = open_store();
  exec(s, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER);"
          "INSERT INTO t VALUES (1, 10), (2, 20);");
  lg_err_t err = {0};
  lg_stmt_t *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(lg_store_prepare(s, SELECT_V, &a, &err), 0);
  lg_store_done(a);
  /* The same text, built elsewhere (a copy on the stack): the same statement. */
  char copy[64];
  snprintf(copy, sizeof copy, "%s", SELECT_V);
  assert_int_equal(lg_store_prepare(s, copy, &b, &err), 0);
  assert_ptr_equal(a, b);
  /* While it is out, the same text gets another statement, which works
   * and is finalized on release (ASan would see a leak otherwise). */
  assert_int_equal(lg_store_prepare(s, SELECT_V, &c, &err), 0);
  assert_ptr_not_equal(b, c);
  lg_store_bind_int(b, 1, 1);
  lg_store_bind_int(c, 1, 2);
  assert_int_equal(lg_store_step(b), LG_ROW);
  assert_int_equal(lg_store_step(c), LG_ROW);
  assert_int_equal(lg_store_col_int(b, 0), 10);
  assert_int_equal(lg_store_col_int(c, 0), 20);
  lg_store_done(c);
  lg_store_done(b);
  /* Released: unbound, so an unbound parameter is NULL again and finds nothing. */
  assert_int_equal(lg_store_prepare(s, SELECT_V, &a, &err), 0);
  assert_ptr_equal(a, b);
  assert_int_equal(lg_store_step(a), LG_DONE);
  lg_store_done(a);
  /* A text SQLite refuses fails with its message, and nothing is kept. */
  assert_int_equal(lg_store_prepare(s, "SELECT v FROM nowhere", &a, &err), LG_EDB);
  assert_null(a);
  assert_non_null(strstr(err.msg, "nowhere"));
  lg_store_done(NULL);
  lg_store_close(s);
}

static void test_no_stale_snapshot(void **state) {
  (void)state;
  lg_store_t *s = open_store(), *other = open_store();
  exec(s, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 10);");
  assert_int_equal(value_of(s, 1), 10);
  /* Another connection (another worker thread of a server) commits. */
  exec(other, "UPDATE t SET v = 11 WHERE k = 1");
  assert_int_equal(value_of(s, 1), 11);
  /* And this connection can still take the writer lock: a kept
   * statement left open on the old snapshot would make it fail. */
  lg_err_t err = {0};
  assert_int_equal(lg_store_begin(s, &err), 0);
  exec(s, "UPDATE t SET v = 12 WHERE k = 1");
  assert_int_equal(lg_store_commit(s, &err), 0);
  assert_int_equal(value_of(other, 1), 12);
  lg_store_close(other);
  lg_store_close(s);
}

static void test_bounded_and_schema_change(void **state) {
  (void)state;
  lg_store_t *s = open_store();
  exec(s, "CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER); INSERT INTO t VALUES (1, 10);");
  assert_int_equal(value_of(s, 1), 10);
  /* Three times as many distinct texts as are kept: each works, and the
   * oldest are finalized to make room. */
  for (int i = 0; i < 3 * LG_STORE_STMT_MAX; i++) {
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT v + %d FROM t WHERE k = 1", i);
    lg_stmt_t *st = NULL;
    lg_err_t err = {0};
    assert_int_equal(lg_store_prepare(s, sql, &st, &err), 0);
    assert_int_equal(lg_store_step(st), LG_ROW);
    assert_int_equal(lg_store_col_int(st, 0), 10 + i);
    lg_store_done(st);
  }
  assert_int_equal(value_of(s, 1), 10);
  /* The table is rebuilt with the column elsewhere: the kept statement
   * is prepared again by SQLite and reads the new layout. */
  exec(s, "DROP TABLE t; CREATE TABLE t (extra TEXT, v INTEGER, k INTEGER PRIMARY KEY);"
          "INSERT INTO t VALUES ('x', 30, 1);");
  assert_int_equal(value_of(s, 1), 30);
  lg_store_close(s);
}

/* Settings go through kept statements: a value saved by one connection
 * is what the other reads next. */
static void test_settings(void **state) {
  (void)state;
  lg_store_t *s = open_store(), *other = open_store();
  lg_err_t err = {0};
  char *v = NULL;
  assert_int_equal(lg_store_setting_set(s, "perf.test", "一", &err), 0);
  assert_int_equal(lg_store_setting_get(other, "perf.test", &v, &err), 0);
  assert_string_equal(v, "一");
  lg_free(v);
  assert_int_equal(lg_store_setting_set(other, "perf.test", "二", &err), 0);
  assert_int_equal(lg_store_setting_get(s, "perf.test", &v, &err), 0);
  assert_string_equal(v, "二");
  lg_free(v);
  assert_int_equal(lg_store_setting_get(s, "perf.absent", &v, &err), 0);
  assert_null(v);
  lg_store_close(other);
  lg_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_same_statement_again, setup, teardown),
      cmocka_unit_test_setup_teardown(test_no_stale_snapshot, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bounded_and_schema_change, setup, teardown),
      cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
