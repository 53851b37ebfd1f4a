/*
 * store: connections of one process to one file queue for the writer
 * lock in the process (store.c, lg_store_begin). Three threads, each with
 * its own connection as a server's workers have, each run 150 read-modify-
 * write transactions on one counter, every tenth rolled back: no update
 * may be lost, none may fail for want of the lock, and the queue must be
 * given back on commit and on rollback alike (else the others would wait
 * forever). Expected count: 3 x (150 - 15) = 405, by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lg_test.h"
#include "store/store.h"

#define THREADS 3
#define ROUNDS 150

static char path[256];

typedef struct worker {
  int failures;
  char first[256];
} worker_t;

static int64_t counter(lg_store_t *s) {
  lg_stmt_t *st = NULL;
  if (lg_store_prepare(s, "SELECT n FROM counter", &st, NULL) != 0) return -1;
  int64_t n = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : -1;
  lg_store_done(st);
  return n;
}

static void *work(void *arg) {
  worker_t *w = arg;
  lg_store_t *s = NULL;
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), 0, &s, &err) != 0) {
    w->failures++;
    snprintf(w->first, sizeof w->first, "open: %s", err.msg);
    return NULL;
  }
  for (int i = 0; i < ROUNDS; i++) {
    int rc = lg_store_begin(s, &err);
    int64_t n = rc == 0 ? counter(s) : -1;
    if (rc == 0) {
      char sql[64];
      snprintf(sql, sizeof sql, "UPDATE counter SET n = %lld", (long long)n + 1);
      rc = lg_store_exec(s, sql, &err);
    }
    if (rc == 0 && i % 10 == 9) {
      lg_store_rollback(s);
      continue;
    }
    if (rc == 0) rc = lg_store_commit(s, &err);
    if (rc) {
      lg_store_rollback(s);
      if (!w->failures++) snprintf(w->first, sizeof w->first, "round %d: %s", i, err.msg);
    }
  }
  lg_store_close(s);
  return NULL;
}

static void test_writers_queue(void **state) {
  (void)state;
  snprintf(path, sizeof path, "/tmp/lg_test_writers_%d.gpkg", (int)getpid());
  lg_test_remove_store(path);
  lg_store_t *s = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err), 0);
  assert_int_equal(
      lg_store_exec(s, "CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)", &err),
      0);
  pthread_t th[THREADS];
  worker_t w[THREADS];
  memset(w, 0, sizeof w);
  for (int i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < THREADS; i++)
    if (w[i].failures) fail_msg("thread %d: %d failures, first %s", i, w[i].failures, w[i].first);
  assert_int_equal(counter(s), THREADS * (ROUNDS - ROUNDS / 10));
  /* The queue is free again: this connection writes at once. */
  assert_int_equal(lg_store_begin(s, &err), 0);
  assert_int_equal(lg_store_exec(s, "UPDATE counter SET n = n + 1", &err), 0);
  assert_int_equal(lg_store_commit(s, &err), 0);
  assert_int_equal(counter(s), THREADS * (ROUNDS - ROUNDS / 10) + 1);
  lg_store_close(s);
  lg_test_remove_store(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writers_queue),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
