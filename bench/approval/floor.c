/*
 * The floor of bench/approval: N plain SQLite transactions, each one
 * BEGIN IMMEDIATE; INSERT of one row; COMMIT, on a new database in the
 * directory given, with the settings landgov's store uses for approvals
 * (journal_mode=WAL, synchronous=FULL: every commit is on disk before it
 * returns, src/store/store.c). One connection, one after the other: the
 * least any durable transition can cost on this disk. Prints one JSON
 * line: transactions, seconds, per second, p50 and p99 in milliseconds.
 *
 *   floor DIR N
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void must(sqlite3 *db, int rc, const char *what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    fprintf(stderr, "floor: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: floor DIR N\n");
    return 2;
  }
  long n = strtol(argv[2], NULL, 10);
  if (n <= 0) return 2;
  char path[4096];
  snprintf(path, sizeof path, "%s/floor.sqlite", argv[1]);
  remove(path);
  sqlite3 *db = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK) {
    fprintf(stderr, "floor: cannot open %s\n", path);
    return 1;
  }
  must(db,
       sqlite3_exec(db,
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE transitions (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL,"
                    " action TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL, detail TEXT)",
                    NULL, NULL, NULL),
       "schema");
  sqlite3_stmt *ins, *begin, *commit;
  must(db,
       sqlite3_prepare_v2(db,
                          "INSERT INTO transitions (case_id, action, actor, at, detail)"
                          " VALUES (?, ?, ?, ?, ?)",
                          -1, &ins, NULL),
       "prepare");
  must(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), "prepare");
  must(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "prepare");
  static const char *const actions[] = {"create",  "accept",  "approve", "approve", "approve",
                                        "approve", "approve", "approve", "approve"};
  double *lat = malloc((size_t)n * sizeof *lat);
  char detail[160];
  double t0 = mono();
  for (long i = 0; i < n; i++) {
    double a = mono();
    must(db, sqlite3_step(begin), "begin");
    sqlite3_reset(begin);
    snprintf(detail, sizeof detail,
             "{\"case\":\"360781-2026-%06ld\",\"node\":\"Task_%ld\",\"outcome\":\"approve\"}",
             i / 9 + 1, i % 9);
    sqlite3_bind_int64(ins, 1, i / 9 + 1);
    sqlite3_bind_text(ins, 2, actions[i % 9], -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, "bench", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, "2026-11-22T00:00:00Z", -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, detail, -1, SQLITE_TRANSIENT);
    must(db, sqlite3_step(ins), "insert");
    sqlite3_reset(ins);
    must(db, sqlite3_step(commit), "commit");
    sqlite3_reset(commit);
    lat[i] = mono() - a;
  }
  double secs = mono() - t0;
  qsort(lat, (size_t)n, sizeof *lat, cmp_double);
  printf("{\"transactions\":%ld,\"seconds\":%.3f,\"per_second\":%.1f,\"p50_ms\":%.3f,"
         "\"p99_ms\":%.3f}\n",
         n, secs, n / secs, 1e3 * lat[(size_t)(0.50 * (n - 1))],
         1e3 * lat[(size_t)(0.99 * (n - 1))]);
  free(lat);
  sqlite3_finalize(ins);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  remove(path);
  return 0;
}
