/*
 * What the industry module's tests share: a store of their own per test
 * (both backends, lg_test.h), valid unified social credit codes (check
 * characters computed by a separate script from GB 32100-2015, not by
 * the module), and counts read with plain SQL of their own.
 */
#ifndef INDUSTRY_FIXTURE_H
#define INDUSTRY_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "industry/industry.h"
#include "ledger/ledger.h"
#include "lg_test.h"

/* A call that must succeed, printing the error when it does not. */
#define I_OK(call)                                                                                 \
  do {                                                                                             \
    int rc_ = (call);                                                                              \
    if (rc_ != 0) fail_msg("%s: %d %s (%s)", #call, rc_, err.msg, err.where);                      \
  } while (0)

/* 91360781MA35E000n with its check character (GB 32100-2015). */
static const char *const CC[] = {"91360781MA35E00011", "91360781MA35E00024", "91360781MA35E00037",
                                 "91360781MA35E0004A", "91360781MA35E0005D", "91360782MA35F00017"};

typedef struct ienv {
  char dir[256], path[300];
  lg_store_t *s;
} ienv_t;

static inline int ienv_setup(void **state) {
  ienv_t *e = calloc(1, sizeof *e);
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_industry_XXXXXX");
  if (!mkdtemp(e->dir)) return -1;
  snprintf(e->path, sizeof e->path, "%s/industry.gpkg", e->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  *state = e;
  return 0;
}

static inline int ienv_teardown(void **state) {
  ienv_t *e = *state;
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", e->dir);
  free(e);
  return 0;
}

static inline int64_t i_sql_int(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  lg_err_t err = {0};
  if (lg_store_prepare(s, sql, &st, &err) != 0) fail_msg("prepare %s: %s", sql, err.msg);
  int64_t v = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : 0;
  lg_store_done(st);
  return v;
}

static inline uint64_t i_ledger_size(lg_store_t *s) {
  uint64_t n = 0;
  lg_err_t err = {0};
  if (lg_ledger_size(s, &n, &err) != 0) fail_msg("ledger size: %s", err.msg);
  return n;
}

/* A parcel of 20,000 m2 (30 mu) in 360781 for industry 39 with the
 * default conditions. */
static inline int64_t i_parcel(lg_store_t *s, const char *code) {
  lg_err_t err = {0};
  int64_t id = 0;
  lg_industry_parcel_req_t r = {.code = code,
                                .name = "电子信息产业园 A-01",
                                .division = "360781",
                                .industry = "39",
                                .area_m2 = 20000};
  if (lg_industry_parcel_create(s, NULL, &r, &id, &err) != 0) fail_msg("parcel: %s", err.msg);
  return id;
}

#endif
