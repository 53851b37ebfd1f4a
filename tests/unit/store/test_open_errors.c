/*
 * store: what a person sees when a store cannot be used, on both
 * backends. A schema newer than this program is refused (on a GeoPackage
 * and on PostgreSQL); on PostgreSQL, an unreachable server, a wrong
 * password, a database without PostGIS, and an account that may not
 * install it each give a Chinese message naming the database and what to
 * do, and write nothing; a connection lost in the middle of a transaction
 * fails the action and leaves nothing of it.
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

static char path[200];

static void has(const char *msg, const char *part) {
  if (!strstr(msg, part)) fail_msg("message lacks \"%s\": %s", part, msg);
}

static void test_newer_schema(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_newer_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  const char *target = lg_test_target(path);
  lg_err_t err = {0};
  lg_store_t *s;
  assert_int_equal(lg_store_open(target, LG_STORE_CREATE, &s, &err), 0);
  assert_int_equal(lg_store_exec(s,
                                 "INSERT INTO lg_migrations(version, name, applied_at)"
                                 " VALUES (9999, 'from the future', '2030-01-01T00:00:00Z')",
                                 &err),
                   0);
  lg_store_close(s);
  assert_int_equal(lg_store_open(target, 0, &s, &err), LG_EUNSUPPORTED);
  has(err.msg, "9999");
  has(err.msg, "请升级 landgov");
  lg_test_remove_store(path);
}

static void test_unreachable(void **state) {
  if (!lg_test_pg()) skip();
  lg_err_t err = {0};
  lg_store_t *s;
  assert_int_equal(
      lg_store_open("host=/nonexistent/socket port=1 dbname=x user=postgres", 0, &s, &err), LG_EDB);
  has(err.msg, "无法连接到数据库服务");
  has(err.msg, "dbname=x");
  /* A password is never shown. */
  assert_int_equal(
      lg_store_open("postgresql://u:secret@127.0.0.1:1/x?connect_timeout=2", 0, &s, &err), LG_EDB);
  assert_null(strstr(err.msg, "secret"));
}

static void test_wrong_password(void **state) {
  if (!lg_test_pg()) skip();
  char t[600];
  snprintf(t, sizeof t, "%s dbname=postgres", getenv("LG_TEST_PG"));
  /* The cluster's lg_pw must give its password (tests/pgtmp.sh). */
  char *w = strstr(t, "user=postgres");
  assert_non_null(w);
  memcpy(w, "user=lg_pw   ", 13);
  char with_pw[700];
  snprintf(with_pw, sizeof with_pw, "%s password=wrong", t);
  lg_err_t err = {0};
  lg_store_t *s;
  assert_int_equal(lg_store_open(with_pw, 0, &s, &err), LG_EDB);
  has(err.msg, "用户名或密码错误");
  assert_null(strstr(err.msg, "password=wrong"));
}

static void test_without_postgis(void **state) {
  if (!lg_test_pg()) skip();
  char name[64];
  lg_test_dbname("/tmp/lg_test_nopostgis", name);
  char sql[200];
  snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  lg_test_pg_admin(sql);
  snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 OWNER lg_pw", name);
  assert_int_equal(lg_test_pg_admin(sql), 0);
  char t[700];
  snprintf(t, sizeof t, "%s dbname=%s", getenv("LG_TEST_PG"), name);
  lg_err_t err = {0};
  lg_store_t *s;
  /* Read-only: not a landgov store at all. */
  assert_int_equal(lg_store_open(t, LG_STORE_READONLY, &s, &err), LG_EDB);
  has(err.msg, "PostGIS");
  /* An account that may not install the extension: told who must. */
  char *w = strstr(t, "user=postgres");
  memcpy(w, "user=lg_pw   ", 13);
  strncat(t, " password=lg-right-password", sizeof t - strlen(t) - 1);
  assert_int_equal(lg_store_open(t, LG_STORE_CREATE, &s, &err), LG_EDB);
  has(err.msg, "CREATE EXTENSION postgis");
  /* Nothing was written. */
  char cmd[900];
  snprintf(cmd, sizeof cmd,
           "test \"$(psql \"%s dbname=%s\" -qAt -c \"SELECT count(*) FROM pg_class WHERE relname"
           " LIKE 'lg_%%'\")\" = 0",
           getenv("LG_TEST_PG"), name);
  assert_int_equal(system(cmd), 0);
  snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  lg_test_pg_admin(sql);
}

/* The server goes away in the middle of a transaction: the commit fails
 * with a message saying so, and nothing of the transaction is there. */
static void test_connection_lost(void **state) {
  if (!lg_test_pg()) skip();
  snprintf(path, sizeof path, "/tmp/lg_test_lost_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  const char *target = lg_test_target(path);
  lg_err_t err = {0};
  lg_store_t *s;
  assert_int_equal(lg_store_open(target, LG_STORE_CREATE, &s, &err), 0);
  assert_int_equal(lg_store_exec_ddl(s, "CREATE TABLE t (k INTEGER PRIMARY KEY)", &err), 0);
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(s, "SELECT pg_backend_pid()", &st, &err), 0);
  assert_int_equal(lg_store_step(st), LG_ROW);
  int64_t pid = lg_store_col_int(st, 0);
  lg_store_done(st);
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_exec(s, "INSERT INTO t VALUES (1)", &err), 0);
  char sql[100];
  snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", (long long)pid);
  assert_int_equal(lg_test_pg_admin(sql), 0);
  usleep(200 * 1000);
  assert_int_equal(lg_store_exec(s, "INSERT INTO t VALUES (2)", &err), LG_EDB);
  has(err.msg, "连接已断开");
  assert_int_not_equal(lg_store_commit(s, &err), 0);
  lg_store_close(s);
  assert_int_equal(lg_store_open(target, 0, &s, &err), 0);
  assert_int_equal(lg_store_prepare(s, "SELECT count(*) FROM t", &st, &err), 0);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_int_equal(lg_store_col_int(st, 0), 0);
  lg_store_done(st);
  lg_store_close(s);
  lg_test_remove_store(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_newer_schema),    cmocka_unit_test(test_unreachable),
      cmocka_unit_test(test_wrong_password),  cmocka_unit_test(test_without_postgis),
      cmocka_unit_test(test_connection_lost),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
