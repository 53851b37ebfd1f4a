/*
 * Shared by the unit tests: what several test programs need the same way.
 *
 * Every test that uses a store runs on both backends. A test names its
 * store by a file path, as a county would; lg_test_target gives what to
 * open: that path (the GeoPackage backend), or, when the tests run
 * against PostgreSQL (LG_TEST_PG holds the connection string of the
 * cluster `make check` starts, tests/pgtmp.sh), a database of its own
 * named after the path, made from the cluster's PostGIS template.
 */
#ifndef LG_TEST_H
#define LG_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

/* |a - b| <= eps, printing both values (cmocka 1.1 has no double
 * compare). For use after <cmocka.h>. */
#define assert_near(a, b, eps)                                                                     \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= (eps)))                                                                 \
      fail_msg("%s = %.10g, expected %.10g (within %g)", #a, a_, b_, (double)(eps));               \
  } while (0)
/* a equals b to 1e-9 of b (at least 1e-9): areas and lengths that are
 * products of whole metres, computed in double precision. */
#define assert_close(a, b)                                                                         \
  do {                                                                                             \
    double a_ = (a), b_ = (b);                                                                     \
    if (!(fabs(a_ - b_) <= 1e-9 * fmax(1.0, fabs(b_))))                                            \
      fail_msg("%s = %.10f, expected %.10f", #a, a_, b_);                                          \
  } while (0)

/* True when this run is against PostgreSQL. */
static inline int lg_test_pg(void) {
  const char *c = getenv("LG_TEST_PG");
  return c && *c;
}

/* The database a path stands for: lgt_ and a hash of the whole path
 * (paths carry the test's pid), then its base name for a person reading
 * the cluster. */
static inline void lg_test_dbname(const char *path, char out[64]) {
  uint32_t h = 2166136261u;
  for (const char *p = path; *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t k = (size_t)snprintf(out, 64, "lgt_%08x_", h);
  for (const char *p = base; *p && *p != '.' && k < 62; p++)
    out[k++] = (char)(((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) ? *p : '_');
  out[k] = '\0';
}

/* Runs SQL on the cluster's maintenance database through psql. */
static inline int lg_test_pg_admin(const char *sql) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "psql \"%s dbname=postgres\" -qAt -v ON_ERROR_STOP=1 -c '%s' >/dev/null",
           getenv("LG_TEST_PG"), sql);
  return system(cmd);
}

/* What to open for the store at path (see the top of this file). On
 * PostgreSQL the database is made anew (empty but for PostGIS) the first
 * time a path is asked for after lg_test_remove_store. The text lives in
 * a ring of eight, enough for the stores one test holds at once. */
static inline const char *lg_test_target(const char *path) {
  static char ring[8][512];
  static int next;
  if (!lg_test_pg()) return path;
  char name[64];
  lg_test_dbname(path, name);
  char *out = ring[next++ % 8];
  snprintf(out, sizeof ring[0], "%s dbname=%s", getenv("LG_TEST_PG"), name);
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT 1 FROM pg_database WHERE datname = $$%s$$", name);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "psql \"%s dbname=postgres\" -qAt -c '%s' | grep -q 1",
           getenv("LG_TEST_PG"), sql);
  if (system(cmd) != 0) {
    snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE lg_template", name);
    if (lg_test_pg_admin(sql) != 0) fprintf(stderr, "lg_test: cannot create database %s\n", name);
  }
  return out;
}

/* Where landgov keeps the ledger's key for the store at path: beside the
 * file, or (PostgreSQL) in LANDGOV_KEY_DIR, named after the database.
 * Caller frees. */
static inline char *lg_test_key_path(const char *path, const char *kind) {
  char *out = malloc(1024);
  if (!lg_test_pg()) {
    snprintf(out, 1024, "%s.%s.key", path, kind);
  } else {
    char name[64];
    lg_test_dbname(path, name);
    const char *dir = getenv("LANDGOV_KEY_DIR");
    snprintf(out, 1024, "%s/%s.%s.key", dir && *dir ? dir : ".", name, kind);
  }
  return out;
}

/* Drops the triggers that make a table append-only, as someone with the
 * database's own tools could, behind landgov's back (what the audit and
 * verify must then catch). 0 on success. */
static inline int lg_test_drop_append_only(lg_store_t *s, const char *table) {
  char sql[512];
  const char *on = lg_test_pg() ? " ON " : "";
  const char *t = lg_test_pg() ? table : "";
  snprintf(
      sql, sizeof sql,
      "DROP TRIGGER IF EXISTS %s_append_only_u%s%s; DROP TRIGGER IF EXISTS %s_append_only_d%s%s",
      table, on, t, table, on, t);
  return lg_store_exec(s, sql, NULL);
}

/* Removes a test store and every file SQLite and landgov keep beside it
 * (WAL, shared memory, rollback journal, the ledger's keys); on
 * PostgreSQL drops its database and the keys kept for it. */
static inline void lg_test_remove_store(const char *path) {
  static const char *const suffixes[] = {"",         "-wal",        "-shm",
                                         "-journal", ".ledger.key", ".witness.key"};
  char p[1024];
  for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
    snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
    unlink(p);
  }
  if (!lg_test_pg()) return;
  char name[64], sql[256];
  lg_test_dbname(path, name);
  snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  lg_test_pg_admin(sql);
  const char *dir = getenv("LANDGOV_KEY_DIR");
  for (int w = 0; w < 2; w++) {
    snprintf(p, sizeof p, "%s/%s.%s.key", dir && *dir ? dir : ".", name, w ? "witness" : "ledger");
    unlink(p);
  }
}

#endif
