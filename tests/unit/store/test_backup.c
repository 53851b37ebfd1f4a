/*
 * store: `landgov backup` takes a consistent copy while another connection
 * keeps writing. A writer thread commits transactions in a loop, each
 * adding one row to two tables; meanwhile the real binary (LG_BIN) backs
 * the store up. The copy must hold a snapshot: every transaction
 * committed before the backup began, whole (both tables the same rows,
 * ids without a gap, payloads intact), and none that began after it
 * ended. A GeoPackage copy must also open, pass PRAGMA integrity_check and
 * be a single self-contained file; restored as docs/backup.md says (copy
 * the file into place) it is a store landgov opens. On PostgreSQL the
 * copy is pg_dump's, restored as docs/backup.md says (pg_restore into a
 * new database) and opened by landgov.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg_test.h"
#include "store/store.h"

#define PREFILL 2000
#define PAYLOAD 4096

static char path[256], out[256], restored[256];
static atomic_long committed;
static atomic_bool stop;
static char writer_error[512];

static void rm_db(const char *p) {
  char x[300];
  lg_test_remove_store(p);
  snprintf(x, sizeof x, "%s.part", p); /* the backup's file in the making */
  unlink(x);
}

static int setup(void **state) {
  snprintf(path, sizeof path, "/tmp/lg_test_backup_%d.gpkg", (int)getpid());
  snprintf(out, sizeof out, "/tmp/lg_test_backup_%d.copy.gpkg", (int)getpid());
  snprintf(restored, sizeof restored, "/tmp/lg_test_backup_%d.restored.gpkg", (int)getpid());
  rm_db(path);
  rm_db(out);
  rm_db(restored);
  return 0;
}

static int teardown(void **state) {
  rm_db(path);
  rm_db(out);
  rm_db(restored);
  return 0;
}

/* One transaction: row i in bk_a (with a payload, so that the file grows
 * while it is copied) and row i in bk_b. */
static int insert_pair(lg_store_t *db, lg_stmt_t *a, lg_stmt_t *b, long i, lg_err_t *err) {
  static unsigned char payload[PAYLOAD];
  memset(payload, (int)(i & 0xff), sizeof payload);
  lg_store_bind_int(a, 1, i);
  lg_store_bind_blob(a, 2, payload, sizeof payload);
  lg_store_bind_int(b, 1, i);
  int rc = lg_store_step(a) == LG_DONE && lg_store_step(b) == LG_DONE ? 0 : LG_EDB;
  if (rc) lg_err_set(err, LG_EDB, "insert %ld: %s", i, lg_store_errmsg(db));
  lg_store_reset(a);
  lg_store_reset(b);
  return rc;
}

static char target[600];

static void *writer(void *arg) {
  lg_store_t *s;
  lg_err_t err = {0};
  if (lg_store_open(target, 0, &s, &err) != 0) {
    snprintf(writer_error, sizeof writer_error, "writer open: %s", err.msg);
    return NULL;
  }
  lg_store_t *db = s;
  lg_stmt_t *a, *b;
  lg_store_prepare(db, "INSERT INTO bk_a(id, payload) VALUES (?, ?)", &a, NULL);
  lg_store_prepare(db, "INSERT INTO bk_b(id) VALUES (?)", &b, NULL);
  for (long i = PREFILL + 1; !atomic_load(&stop); i++) {
    int rc = lg_store_begin(s, &err);
    if (rc == 0) rc = insert_pair(db, a, b, i, &err);
    if (rc == 0) rc = lg_store_commit(s, &err);
    if (rc) {
      lg_store_rollback(s);
      snprintf(writer_error, sizeof writer_error, "writer: %s", err.msg);
      break;
    }
    atomic_fetch_add(&committed, 1);
  }
  lg_store_done(a);
  lg_store_done(b);
  lg_store_close(s);
  return NULL;
}

static int run_backup(const char *bin, const char *db, const char *dest, const char *extra) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "'%s' --db '%s' backup '%s' %s >/dev/null 2>&1", bin, db, dest,
           extra ? extra : "");
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int64_t one_int(lg_store_t *db, const char *sql) {
  lg_stmt_t *st;
  int64_t v = -1;
  lg_err_t err = {0};
  if (lg_store_prepare(db, sql, &st, &err) != 0) fail_msg("%s: %s", sql, err.msg);
  if (lg_store_step(st) == LG_ROW) v = lg_store_col_int(st, 0);
  lg_store_done(st);
  return v;
}

static void test_backup_while_writing(void **state) {
  const char *bin = getenv("LG_BIN");
  if (!bin || access(bin, X_OK) != 0) {
    print_message("LG_BIN not set or not built; skipping\n");
    skip();
  }
  lg_store_t *s;
  lg_err_t err = {0};
  snprintf(target, sizeof target, "%s", lg_test_target(path));
  assert_int_equal(lg_store_open(target, LG_STORE_CREATE, &s, &err), 0);
  bool pg = lg_store_backend(s) == LG_STORE_PG;
  lg_store_t *db = s;
  assert_int_equal(lg_store_exec_ddl(s,
                                     "CREATE TABLE bk_a(id INTEGER PRIMARY KEY, payload BLOB);"
                                     "CREATE TABLE bk_b(id INTEGER PRIMARY KEY)",
                                     &err),
                   0);
  lg_stmt_t *a, *b;
  assert_int_equal(lg_store_prepare(db, "INSERT INTO bk_a(id, payload) VALUES (?, ?)", &a, &err),
                   0);
  assert_int_equal(lg_store_prepare(db, "INSERT INTO bk_b(id) VALUES (?)", &b, &err), 0);
  assert_int_equal(lg_store_begin(s, &err), 0);
  for (long i = 1; i <= PREFILL; i++)
    assert_int_equal(insert_pair(db, a, b, i, &err), 0);
  assert_int_equal(lg_store_commit(s, &err), 0);
  lg_store_done(a);
  lg_store_done(b);
  int version = lg_store_schema_version(s);
  lg_store_close(s);

  pthread_t th;
  atomic_store(&committed, 0);
  atomic_store(&stop, false);
  assert_int_equal(pthread_create(&th, NULL, writer, NULL), 0);
  while (atomic_load(&committed) < 20 && !writer_error[0])
    usleep(1000);
  long before = atomic_load(&committed);
  int code = run_backup(bin, target, out, NULL);
  long after = atomic_load(&committed);
  /* A second backup to the same name is refused; --force replaces it. */
  int again = run_backup(bin, target, out, NULL);
  atomic_store(&stop, true);
  pthread_join(th, NULL);
  if (writer_error[0]) fail_msg("%s", writer_error);
  assert_int_equal(code, 0);
  assert_int_not_equal(again, 0);
  print_message("writer committed %ld before the backup, %ld by its end, %ld in all\n", before,
                after, atomic_load(&committed));

  lg_store_t *copy;
  if (pg) {
    /* Restore as docs/backup.md says: a new, empty database, pg_restore. */
    char rtarget[600], cmd[1400];
    lg_test_remove_store(restored);
    char rname[64];
    lg_test_dbname(restored, rname);
    snprintf(cmd, sizeof cmd, "CREATE DATABASE %s TEMPLATE template0", rname);
    assert_int_equal(lg_test_pg_admin(cmd), 0);
    snprintf(rtarget, sizeof rtarget, "%s dbname=%s", getenv("LG_TEST_PG"), rname);
    snprintf(cmd, sizeof cmd, "pg_restore --no-owner --dbname='%s' '%s'", rtarget, out);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(lg_store_open(rtarget, LG_STORE_READONLY, &copy, &err), 0);
  } else {
    assert_int_equal(lg_store_open(out, LG_STORE_READONLY, &copy, &err), 0);
    lg_stmt_t *st;
    assert_int_equal(lg_store_prepare(copy, "PRAGMA integrity_check", &st, &err), 0);
    assert_int_equal(lg_store_step(st), LG_ROW);
    assert_string_equal(lg_store_col_text(st, 0), "ok");
    lg_store_done(st);
    /* A GeoPackage still. */
    assert_int_equal(one_int(copy, "PRAGMA application_id"), 0x47504B47);
    /* One self-contained file: header bytes 18-19 say rollback journal (1),
     * not WAL (2); no -wal beside it. */
    FILE *f = fopen(out, "rb");
    unsigned char hdr[20];
    assert_non_null(f);
    assert_int_equal(fread(hdr, 1, 20, f), 20);
    fclose(f);
    assert_int_equal(hdr[18], 1);
    assert_int_equal(hdr[19], 1);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", out);
    assert_int_not_equal(access(wal, F_OK), 0);
  }
  /* The schema as it was. */
  assert_int_equal(one_int(copy, "SELECT max(version) FROM lg_migrations"), version);

  /* The snapshot: both tables hold rows 1..n, nothing missing, nothing
   * half-done, n between what was committed when the backup started and
   * what was committed when it ended (the counter trails a commit by at
   * most one). */
  int64_t na = one_int(copy, "SELECT count(*) FROM bk_a"),
          nb = one_int(copy, "SELECT count(*) FROM bk_b");
  int64_t maxa = one_int(copy, "SELECT max(id) FROM bk_a"),
          maxb = one_int(copy, "SELECT max(id) FROM bk_b");
  print_message("backup holds %lld pairs\n", (long long)na);
  assert_int_equal(na, nb);
  assert_int_equal(na, maxa);
  assert_int_equal(nb, maxb);
  assert_true(na >= PREFILL + before);
  assert_true(na <= PREFILL + after + 1);
  assert_int_equal(one_int(copy, "SELECT count(*) FROM bk_a a JOIN bk_b b USING (id)"), na);
  /* Payloads whole: row i is filled with byte i mod 256. */
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(copy, "SELECT id, payload FROM bk_a", &st, &err), 0);
  int64_t bad = 0;
  while (lg_store_step(st) == LG_ROW) {
    size_t n = 0;
    const unsigned char *p = lg_store_col_blob(st, 1, &n);
    int64_t id = lg_store_col_int(st, 0);
    bool ok = n == PAYLOAD;
    for (size_t k = 0; ok && k < n; k++)
      ok = p[k] == (unsigned char)(id & 0xff);
    bad += !ok;
  }
  lg_store_done(st);
  assert_int_equal(bad, 0);
  lg_store_close(copy);

  /* --force replaces an old backup. */
  assert_int_equal(run_backup(bin, target, out, "--force"), 0);
  if (pg) return;
  /* The database itself is never the target. */
  assert_int_not_equal(run_backup(bin, path, path, "--force"), 0);

  /* Restore as docs/backup.md says: copy the backup into place (no -wal
   * or -shm of an older store beside it) and open it. */
  char cmd[700];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", out, restored);
  assert_int_equal(system(cmd), 0);
  assert_int_equal(lg_store_open(lg_test_target(restored), 0, &s, &err), 0);
  assert_int_equal(lg_store_schema_version(s), version);
  assert_true(one_int(s, "SELECT count(*) FROM bk_b") >= na);
  assert_int_equal(lg_store_exec(s, "INSERT INTO bk_b(id) VALUES (-1)", &err), 0);
  lg_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backup_while_writing),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
