/*
 * Shared by the unit tests: what several test programs need the same way.
 */
#ifndef LG_TEST_H
#define LG_TEST_H

#include <stdio.h>
#include <unistd.h>

/* Removes a test store and every file SQLite and landgov keep beside it
 * (WAL, shared memory, rollback journal, the ledger's keys). */
static inline void lg_test_remove_store(const char *path) {
  static const char *const suffixes[] = {"",         "-wal",        "-shm",
                                         "-journal", ".ledger.key", ".witness.key"};
  char p[1024];
  for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
    snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
    unlink(p);
  }
}

#endif
