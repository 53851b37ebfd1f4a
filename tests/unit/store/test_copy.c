/*
 * store copy: a demo county made by the real binary (layers, accounts,
 * cases in every state, the ledger) is copied A -> B -> C, where B is on
 * PostgreSQL when the tests run there (else another GeoPackage) and C is a
 * GeoPackage again. Every application table holds the same rows in all
 * three (compared value by value, in key order), every layer the same
 * features (fid, geometry bytes, attributes), and the ledger the same size
 * and root. A target that holds data already is refused.
 */
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

static char dir[128], pa[200], pb[200], pc[200];

static int setup(void **state) {
  snprintf(dir, sizeof dir, "/tmp/lg_test_copy_%d", (int)getpid());
  mkdir(dir, 0755);
  snprintf(pa, sizeof pa, "%s/a.gpkg", dir);
  snprintf(pb, sizeof pb, "%s/b.gpkg", dir);
  snprintf(pc, sizeof pc, "%s/c.gpkg", dir);
  return 0;
}

static int teardown(void **state) {
  lg_test_remove_store(pb);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

/* A table's rows as text, one line per row, in the order of its first
 * column (every application table's key or sequence comes first). */
static char *dump_table(lg_store_t *s, const char *table) {
  char *sql = lg_sprintf("SELECT * FROM %s ORDER BY 1", table);
  lg_stmt_t *st;
  lg_err_t err = {0};
  if (lg_store_prepare(s, sql, &st, &err)) fail_msg("%s: %s", sql, err.msg);
  lg_free(sql);
  lg_buf_t b;
  lg_buf_init(&b);
  int n = lg_store_col_count(st);
  while (lg_store_step(st) == LG_ROW) {
    for (int i = 0; i < n; i++) {
      const char *name = lg_store_col_name(st, i);
      /* Generated columns are made, not copied (the same on both sides
       * anyway); the GeoPackage stamps its own registration times. */
      if (!strcmp(table, "gpkg_contents") && !strcmp(name, "last_change")) continue;
      switch (lg_store_col_type(st, i)) {
      case LG_COL_NULL:
        lg_buf_puts(&b, "NULL");
        break;
      case LG_COL_INT:
        lg_buf_printf(&b, "%lld", (long long)lg_store_col_int(st, i));
        break;
      case LG_COL_REAL:
        lg_buf_printf(&b, "%.17g", lg_store_col_real(st, i));
        break;
      default: {
        size_t k = 0;
        const unsigned char *p = lg_store_col_blob(st, i, &k);
        for (size_t j = 0; j < k; j++)
          lg_buf_printf(&b, "%02x", p[j]);
      }
      }
      lg_buf_putc(&b, '|');
    }
    lg_buf_putc(&b, '\n');
  }
  lg_store_done(st);
  return b.data ? lg_buf_steal(&b) : lg_strdup("");
}

static char *dump_layer(lg_store_t *s, const char *layer) {
  lg_store_reader_t *r;
  lg_err_t err = {0};
  if (lg_store_reader_new(s, layer, NULL, &r, &err)) fail_msg("%s: %s", layer, err.msg);
  lg_buf_t b;
  lg_buf_init(&b);
  while (lg_store_reader_next(r, &err) == 1) {
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    const unsigned char *wkb = NULL;
    size_t wl = 0;
    assert_non_null(blob);
    assert_int_equal(lg_gpkg_blob_parse(blob, n, NULL, NULL, NULL, &wkb, &wl), 0);
    lg_buf_printf(&b, "%lld:", (long long)lg_store_reader_fid(r));
    for (size_t j = 0; j < wl; j++)
      lg_buf_printf(&b, "%02x", wkb[j]);
    for (int i = 0; i < lg_store_reader_nfields(r); i++) {
      const char *t = lg_store_reader_text(r, i);
      lg_buf_printf(&b, "|%s=%s", lg_store_reader_field_name(r, i), t ? t : "NULL");
    }
    lg_buf_putc(&b, '\n');
  }
  lg_store_reader_free(r);
  return b.data ? lg_buf_steal(&b) : lg_strdup("");
}

static void same_root(lg_store_t *a, lg_store_t *b) {
  lg_err_t err = {0};
  uint64_t na = 0, nb = 0;
  unsigned char ra[32], rb[32];
  assert_int_equal(lg_ledger_size(a, &na, &err), 0);
  assert_int_equal(lg_ledger_size(b, &nb, &err), 0);
  assert_int_equal(na, nb);
  assert_true(na > 10);
  assert_int_equal(lg_ledger_root(a, na, ra, &err), 0);
  assert_int_equal(lg_ledger_root(b, nb, rb, &err), 0);
  assert_memory_equal(ra, rb, 32);
}

static void compare(lg_store_t *a, lg_store_t *b, const char *what) {
  static const char *const tables[] = {
      "lg_settings",           "lg_layers",        "lg_ledger_entries", "lg_ledger_nodes",
      "lg_ledger_checkpoints", "lg_rule_sets",     "lg_checks",         "lg_flow_definitions",
      "lg_flow_instances",     "lg_flow_tokens",   "lg_flow_tasks",     "lg_flow_waits",
      "lg_flow_history",       "lg_work_calendar", "lg_departments",    "lg_users",
      "lg_auth_policy",        "lg_cases",         "lg_case_divisions", "lg_case_materials",
      "lg_case_penalties",     "lg_case_notices",  "lg_case_steps",     "lg_case_checks",
      "lg_case_events",        "lg_case_counters", "gpkg_contents",     NULL};
  int rows = 0;
  for (const char *const *t = tables; *t; t++) {
    char *x = dump_table(a, *t), *y = dump_table(b, *t);
    if (strcmp(x, y)) fail_msg("%s: table %s differs", what, *t);
    for (const char *p = x; *p; p++)
      rows += *p == '\n';
    lg_free(x);
    lg_free(y);
  }
  lg_layer_info_t *L = NULL;
  size_t nl = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_store_layers(a, &L, &nl, &err), 0);
  assert_true(nl >= 6);
  for (size_t i = 0; i < nl; i++) {
    char *x = dump_layer(a, L[i].name), *y = dump_layer(b, L[i].name);
    if (strcmp(x, y)) {
      size_t k = 0;
      while (x[k] && x[k] == y[k])
        k++;
      fail_msg("%s: layer %s differs at byte %zu:\n%.300s\n%.300s", what, L[i].name, k,
               x + (k > 100 ? k - 100 : 0), y + (k > 100 ? k - 100 : 0));
    }
    lg_free(x);
    lg_free(y);
  }
  lg_store_layer_infos_free(L, nl);
  same_root(a, b);
  print_message("%s: %d rows and every feature of every layer equal\n", what, rows);
}

static void test_round_trip(void **state) {
  const char *bin = getenv("LG_BIN");
  if (!bin || access(bin, X_OK) != 0) fail_msg("LG_BIN not set");
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "'%s' --db '%s' demo --patches 800 > /dev/null 2>&1", bin, pa);
  assert_int_equal(system(cmd), 0);
  lg_err_t err = {0};
  lg_store_t *a, *b, *c;
  lg_test_remove_store(pb);
  const char *tb = lg_test_target(pb);
  assert_int_equal(lg_store_open(pa, LG_STORE_READONLY, &a, &err), 0);
  assert_int_equal(lg_store_open(tb, LG_STORE_CREATE, &b, &err), 0);
  assert_int_equal(lg_store_copy(a, b, &err), 0);
  compare(a, b,
          lg_store_backend(b) == LG_STORE_PG ? "GeoPackage -> PostgreSQL"
                                             : "GeoPackage -> GeoPackage");
  assert_int_equal(lg_store_open(pc, LG_STORE_CREATE, &c, &err), 0);
  assert_int_equal(lg_store_copy(b, c, &err), 0);
  compare(a, c, "and back");
  /* Into a store with data: refused, nothing written. */
  assert_int_equal(lg_store_copy(a, c, &err), LG_ECONFLICT);
  lg_store_close(a);
  lg_store_close(b);
  lg_store_close(c);
  /* The copy is a store landgov verifies: with the source's key beside it. */
  snprintf(cmd, sizeof cmd,
           "cp '%s.ledger.key' '%s.ledger.key' && '%s' --db '%s' ledger verify > /dev/null"
           " && '%s' --db '%s' ledger audit > /dev/null",
           pa, pc, bin, pc, bin, pc);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_round_trip)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
