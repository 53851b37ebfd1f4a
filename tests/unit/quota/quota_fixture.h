/*
 * What the quota bank's tests share: a store of their own per test
 * (both backends, lg_test.h), and the figures they compare, read with
 * plain SQL of their own rather than through the module's functions.
 */
#ifndef QUOTA_FIXTURE_H
#define QUOTA_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "lg_test.h"
#include "quota/quota.h"

typedef struct qenv {
  char dir[256], path[300];
  lg_store_t *s;
} qenv_t;

static inline int qenv_setup(void **state) {
  qenv_t *e = calloc(1, sizeof *e);
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_quota_XXXXXX");
  if (!mkdtemp(e->dir)) return -1;
  snprintf(e->path, sizeof e->path, "%s/quota.gpkg", e->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  *state = e;
  return 0;
}

static inline int qenv_teardown(void **state) {
  qenv_t *e = *state;
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", e->dir);
  free(e);
  lg_clock_set(0);
  return 0;
}

/* One integer from SQL (0 when no row). */
static inline int64_t q_sql_int(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  lg_err_t err = {0};
  if (lg_store_prepare(s, sql, &st, &err) != 0) fail_msg("prepare %s: %s", sql, err.msg);
  int64_t v = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : 0;
  lg_store_done(st);
  return v;
}

/* A bucket of an account, by plain SQL. */
static inline int64_t bal(qenv_t *e, const char *division, const char *kind, const char *bucket) {
  char sql[256];
  snprintf(sql, sizeof sql,
           "SELECT %s FROM lg_quota_accounts WHERE division = '%s' AND kind = '%s'", bucket,
           division, kind);
  return q_sql_int(e->s, sql);
}

static inline uint64_t ledger_size(qenv_t *e) {
  uint64_t n = 0;
  lg_err_t err = {0};
  if (lg_ledger_size(e->s, &n, &err) != 0) fail_msg("ledger size: %s", err.msg);
  return n;
}

#define assert_i64(got, want)                                                                      \
  do {                                                                                             \
    long long g_ = (long long)(got), w_ = (long long)(want);                                       \
    if (g_ != w_) fail_msg("%s: got %lld, want %lld", #got, g_, w_);                               \
  } while (0)

/* err's message holds needle. */
#define assert_msg(err, needle)                                                                    \
  do {                                                                                             \
    if (!strstr((err).msg, (needle)))                                                              \
      fail_msg("message \"%s\" lacks \"%s\"", (err).msg, (needle));                                \
  } while (0)

static inline void issue(qenv_t *e, const char *to, const char *kind, int64_t amount) {
  lg_quota_op_t op = {.kind = kind, .amount = amount, .to = to, .document = "国发〔2026〕1号"};
  lg_err_t err = {0};
  if (lg_quota_allocate(e->s, NULL, &op, NULL, &err) != 0) fail_msg("issue: %s", err.msg);
}

static inline void allocate(qenv_t *e, const char *from, const char *to, const char *kind,
                            int64_t amount) {
  lg_quota_op_t op = {
      .kind = kind, .amount = amount, .from = from, .to = to, .document = "赣自然资发〔2026〕2号"};
  lg_err_t err = {0};
  if (lg_quota_allocate(e->s, NULL, &op, NULL, &err) != 0) fail_msg("allocate: %s", err.msg);
}

/* The findings of the whole audit for the quota bank's object types. */
static inline size_t quota_findings(qenv_t *e, const char *type) {
  lg_ledger_audit_t a;
  lg_err_t err = {0};
  if (lg_ledger_audit(e->s, lg_quota_auditors, &a, &err) != 0) fail_msg("audit: %s", err.msg);
  size_t n = 0;
  for (size_t i = 0; i < a.findings.len; i++)
    if (!type || !strcmp(a.findings.items[i].object_type, type)) n++;
  lg_ledger_audit_fini(&a);
  return n;
}

#endif
