/*
 * The log as stored: appends inside transactions, roots and proofs read
 * back from the store for every (index, size) and (size1, size2) pair up
 * to 64 entries, checked against a reference tree built here from the
 * entries' text with SHA-256 directly (RFC 9162 2.1.1); out-of-range
 * requests; a failed write leaving neither change nor entry; and the
 * whole-log verification catching edits made behind the application's
 * back (an entry, a tree node, a deleted entry, and a log rebuilt
 * wholesale whose root no longer matches the signed checkpoint).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "ledger/ledger.h"
#include "lg_test.h"

typedef struct fixture {
  char dir[64];
  char path[128];
  lg_store_t *s;
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/lg_ledger_log_XXXXXX");
  if (!mkdtemp(f->dir)) return -1;
  snprintf(f->path, sizeof f->path, "%s/t.gpkg", f->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(f->path), LG_STORE_CREATE, &f->s, &err) != 0) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  lg_store_close(f->s);
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  if (system(cmd) != 0) return -1;
  free(f);
  return 0;
}

static void exec(lg_store_t *s, const char *sql) {
  lg_err_t err = {0};
  if (lg_store_exec(s, sql, &err) != 0) fail_msg("%s: %s", sql, err.msg);
}

static void append_n(lg_store_t *s, int from, int n, int batch) {
  lg_err_t err = {0};
  for (int i = from; i < from + n;) {
    assert_int_equal(lg_store_begin(s, &err), 0);
    for (int k = 0; k < batch && i < from + n; k++, i++) {
      char id[32];
      snprintf(id, sizeof id, "item-%d", i);
      json_t *st = json_pack("{s:i, s:s}", "n", i, "name", "地块");
      lg_ledger_event_t ev = {.actor = "tester",
                              .role = "clerk",
                              .jurisdiction = "330102",
                              .action = "item.create",
                              .object_type = "item",
                              .object_id = id,
                              .time = 1795338000 + i,
                              .state = st};
      int64_t idx = -1;
      int rc = lg_ledger_append(s, &ev, &idx, &err);
      json_decref(st);
      if (rc) fail_msg("append %d: %s", i, err.msg);
      assert_int_equal(idx, i);
    }
    assert_int_equal(lg_store_commit(s, &err), 0);
  }
}

/* ---- The reference: leaves from the entries' text, MTH by the RFC ------- */

static void ref_node(const unsigned char l[32], const unsigned char r[32], unsigned char out[32]) {
  unsigned char b[65];
  b[0] = 1;
  memcpy(b + 1, l, 32);
  memcpy(b + 33, r, 32);
  crypto_hash_sha256(out, b, sizeof b);
}

static void ref_mth(unsigned char (*L)[32], size_t lo, size_t hi, unsigned char out[32]) {
  if (hi == lo) {
    crypto_hash_sha256(out, NULL, 0);
    return;
  }
  if (hi - lo == 1) {
    memcpy(out, L[lo], 32);
    return;
  }
  size_t k = 1;
  while (2 * k < hi - lo)
    k *= 2;
  unsigned char a[32], b[32];
  ref_mth(L, lo, lo + k, a);
  ref_mth(L, lo + k, hi, b);
  ref_node(a, b, out);
}

static void ref_leaves(lg_store_t *s, size_t n, unsigned char (*L)[32]) {
  for (size_t i = 0; i < n; i++) {
    char *text = NULL;
    unsigned char stored[32];
    lg_err_t err = {0};
    assert_int_equal(lg_ledger_entry(s, i, &text, stored, &err), 0);
    size_t len = strlen(text);
    unsigned char *b = malloc(len + 1);
    b[0] = 0;
    memcpy(b + 1, text, len);
    crypto_hash_sha256(L[i], b, len + 1);
    assert_memory_equal(L[i], stored, 32);
    /* The entry names its object. */
    char want[32];
    snprintf(want, sizeof want, "\"object_id\":\"item-%zu\"", i);
    assert_non_null(strstr(text, want));
    free(b);
    lg_free(text);
  }
}

static void test_append_needs_transaction(void **state) {
  fixture_t *f = *state;
  lg_err_t err = {0};
  lg_ledger_event_t ev = {.actor = "a", .action = "x", .object_type = "t", .object_id = "1"};
  assert_int_equal(lg_ledger_append(f->s, &ev, NULL, &err), LG_EINTERNAL);
  assert_non_null(strstr(err.msg, "事务"));
  uint64_t n = 99;
  assert_int_equal(lg_ledger_size(f->s, &n, &err), 0);
  assert_int_equal(n, 0);
  unsigned char root[32], empty[32];
  assert_int_equal(lg_ledger_root(f->s, 0, root, &err), 0);
  crypto_hash_sha256(empty, NULL, 0);
  assert_memory_equal(root, empty, 32);
}

static void test_every_pair_from_store(void **state) {
  fixture_t *f = *state;
  enum { N = 64 };
  /* Transactions of uneven sizes, so that appends straddle them. */
  append_n(f->s, 0, 5, 1);
  append_n(f->s, 5, 20, 7);
  append_n(f->s, 25, 39, 13);
  uint64_t n = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_size(f->s, &n, &err), 0);
  assert_int_equal(n, N);
  unsigned char L[N][32], roots[N + 1][32];
  ref_leaves(f->s, N, L);
  for (size_t k = 0; k <= N; k++) {
    unsigned char got[32];
    ref_mth(L, 0, k, roots[k]);
    assert_int_equal(lg_ledger_root(f->s, k, got, &err), 0);
    if (memcmp(got, roots[k], 32) != 0) fail_msg("root of size %zu differs", k);
  }
  for (uint64_t size = 1; size <= N; size++)
    for (uint64_t idx = 0; idx < size; idx++) {
      lg_ledger_proof_t p, m;
      if (lg_ledger_prove_inclusion(f->s, idx, size, &p, &err) != 0) fail_msg("%s", err.msg);
      int rc = lg_ledger_verify_inclusion(idx, size, L[idx], &p, roots[size], &err);
      if (rc)
        fail_msg("inclusion (%llu, %llu): %s", (unsigned long long)idx, (unsigned long long)size,
                 err.msg);
      /* The stored tree and a tree in memory give the same proof. */
      assert_int_equal(lg_ledger_mem_inclusion((const unsigned char(*)[32])L, size, idx, &m, &err),
                       0);
      assert_int_equal(p.n, m.n);
      assert_memory_equal(p.hash, m.hash, 32 * p.n);
    }
  for (uint64_t s2 = 0; s2 <= N; s2++)
    for (uint64_t s1 = 0; s1 <= s2; s1++) {
      lg_ledger_proof_t p;
      if (lg_ledger_prove_consistency(f->s, s1, s2, &p, &err) != 0) fail_msg("%s", err.msg);
      int rc = lg_ledger_verify_consistency(s1, s2, roots[s1], roots[s2], &p, &err);
      if (rc)
        fail_msg("consistency (%llu, %llu): %s", (unsigned long long)s1, (unsigned long long)s2,
                 err.msg);
    }
}

static void test_out_of_range(void **state) {
  fixture_t *f = *state;
  append_n(f->s, 0, 10, 10);
  lg_ledger_proof_t p;
  lg_err_t err = {0};
  unsigned char h[32];
  char *text = NULL;
  assert_int_equal(lg_ledger_prove_inclusion(f->s, 10, 10, &p, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "10"));
  assert_non_null(strstr(err.msg, "超出范围"));
  assert_int_equal(lg_ledger_prove_inclusion(f->s, 0, 11, &p, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "只有 10 个条目"));
  assert_int_equal(lg_ledger_prove_inclusion(f->s, 0, 0, &p, &err), LG_EINVAL);
  assert_int_equal(lg_ledger_prove_consistency(f->s, 6, 5, &p, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "起点 6 大于终点 5"));
  assert_int_equal(lg_ledger_prove_consistency(f->s, 1, 11, &p, &err), LG_EINVAL);
  assert_int_equal(lg_ledger_root(f->s, 11, h, &err), LG_EINVAL);
  assert_int_equal(lg_ledger_entry(f->s, 10, &text, h, &err), LG_ENOTFOUND);
  assert_null(text);
  assert_non_null(strstr(err.msg, "第 10 号"));
}

static int64_t count(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  lg_store_prepare(s, sql, &st, NULL);
  int64_t v = -1;
  if (lg_store_step(st) == LG_ROW) v = lg_store_col_int(st, 0);
  lg_store_done(st);
  return v;
}

static void test_failed_write_leaves_nothing(void **state) {
  fixture_t *f = *state;
  lg_err_t err = {0};
  assert_int_equal(
      lg_store_exec_ddl(f->s, "CREATE TABLE parcel (id TEXT PRIMARY KEY, status TEXT NOT NULL)",
                        NULL),
      0);
  append_n(f->s, 0, 3, 3);
  unsigned char root_before[32], root_after[32];
  assert_int_equal(lg_ledger_root(f->s, 3, root_before, &err), 0);

  /* The change and its entry, then a second change that fails. */
  assert_int_equal(lg_store_begin(f->s, &err), 0);
  exec(f->s, "INSERT INTO parcel VALUES ('p1', 'approved')");
  lg_ledger_event_t ev = {
      .actor = "a", .action = "parcel.approve", .object_type = "parcel", .object_id = "p1"};
  assert_int_equal(lg_ledger_append(f->s, &ev, NULL, &err), 0);
  assert_int_equal(count(f->s, "SELECT count(*) FROM lg_ledger_entries"), 4);
  assert_int_not_equal(lg_store_exec(f->s, "INSERT INTO parcel VALUES ('p1', 'again')", NULL), 0);
  lg_store_rollback(f->s);
  assert_int_equal(count(f->s, "SELECT count(*) FROM parcel"), 0);
  assert_int_equal(count(f->s, "SELECT count(*) FROM lg_ledger_entries"), 3);

  /* An entry that cannot be written (no actor): the caller rolls back. */
  assert_int_equal(lg_store_begin(f->s, &err), 0);
  exec(f->s, "INSERT INTO parcel VALUES ('p2', 'approved')");
  ev.actor = "";
  assert_int_equal(lg_ledger_append(f->s, &ev, NULL, &err), LG_EINVAL);
  lg_store_rollback(f->s);
  assert_int_equal(count(f->s, "SELECT count(*) FROM parcel"), 0);

  /* Neither the tree nor the next append notices the attempts. */
  uint64_t n;
  assert_int_equal(lg_ledger_size(f->s, &n, &err), 0);
  assert_int_equal(n, 3);
  assert_int_equal(lg_ledger_root(f->s, 3, root_after, &err), 0);
  assert_memory_equal(root_before, root_after, 32);
  append_n(f->s, 3, 2, 2);
  lg_ledger_verify_report_t r;
  assert_int_equal(lg_ledger_verify(f->s, &r, &err), 0);
  assert_int_equal(r.size, 5);
  lg_ledger_verify_report_fini(&r);
}

static void test_append_only_triggers(void **state) {
  fixture_t *f = *state;
  append_n(f->s, 0, 4, 4);
  assert_int_not_equal(lg_store_exec(f->s, "UPDATE lg_ledger_entries SET entry = 'x'", NULL), 0);
  assert_int_not_equal(lg_store_exec(f->s, "DELETE FROM lg_ledger_nodes", NULL), 0);
  assert_int_equal(count(f->s, "SELECT count(*) FROM lg_ledger_nodes"), 3); /* 2 + 1 */
  /* The node table reads as levels and indexes. */
  assert_int_equal(count(f->s, "SELECT idx FROM lg_ledger_nodes WHERE level = 2"), 0);
  assert_int_equal(count(f->s, "SELECT count(*) FROM lg_ledger_nodes WHERE level = 1"), 2);
}

/* What an intruder with an SQL client can do: drop the triggers. */
static void drop_triggers(lg_store_t *s) {
  assert_int_equal(lg_test_drop_append_only(s, "lg_ledger_entries"), 0);
  assert_int_equal(lg_test_drop_append_only(s, "lg_ledger_nodes"), 0);
}

static bool has_problem(const lg_ledger_verify_report_t *r, const char *needle) {
  for (size_t i = 0; i < r->problems.len; i++)
    if (strstr(r->problems.items[i], needle)) return true;
  return false;
}

static void test_verify_catches_edited_entry(void **state) {
  fixture_t *f = *state;
  lg_err_t err = {0};
  append_n(f->s, 0, 20, 20);
  lg_ledger_checkpoint_t cp;
  assert_int_equal(lg_ledger_checkpoint(f->s, &cp, &err), 0);
  lg_ledger_verify_report_t r;
  assert_int_equal(lg_ledger_verify(f->s, &r, &err), 0);
  assert_int_equal(r.problems.len, 0);
  assert_int_equal(r.checkpoints, 1);
  assert_memory_equal(r.root, cp.root, 32);
  lg_ledger_verify_report_fini(&r);

  /* The entry's inclusion proof holds before the edit. */
  char *text = NULL;
  unsigned char leaf[32];
  lg_ledger_proof_t p;
  assert_int_equal(lg_ledger_entry(f->s, 10, &text, NULL, &err), 0);
  assert_int_equal(lg_ledger_prove_inclusion(f->s, 10, cp.size, &p, &err), 0);
  lg_ledger_leaf_hash(text, strlen(text), leaf);
  assert_int_equal(lg_ledger_verify_inclusion(10, cp.size, leaf, &p, cp.root, &err), 0);
  lg_free(text);

  drop_triggers(f->s);
  exec(f->s, "UPDATE lg_ledger_entries SET entry = replace(entry, 'tester', 'mallory')"
             " WHERE idx = 10");
  assert_int_equal(lg_ledger_verify(f->s, &r, &err), LG_ECONFLICT);
  assert_true(has_problem(&r, "第 10 号条目"));
  /* The nodes above it are not reported again; the signed checkpoint
   * that covers it is. */
  assert_true(has_problem(&r, "检查点 (大小 20)"));
  assert_int_equal(r.problems.len, 2);
  assert_non_null(strstr(err.msg, "第 10 号条目"));
  lg_ledger_verify_report_fini(&r);
  /* The edited entry no longer proves against the signed root. */
  assert_int_equal(lg_ledger_entry(f->s, 10, &text, NULL, &err), 0);
  lg_ledger_leaf_hash(text, strlen(text), leaf);
  assert_int_not_equal(lg_ledger_verify_inclusion(10, cp.size, leaf, &p, cp.root, &err), 0);
  lg_free(text);
  lg_ledger_checkpoint_fini(&cp);
}

static void test_verify_catches_node_and_gap(void **state) {
  fixture_t *f = *state;
  lg_err_t err = {0};
  append_n(f->s, 0, 16, 16);
  drop_triggers(f->s);
  /* A node of level 2 (entries 4..7) replaced. */
  exec(f->s, "UPDATE lg_ledger_nodes SET hash = (SELECT leaf_hash FROM lg_ledger_entries"
             " WHERE idx = 0) WHERE level = 2 AND idx = 1");
  lg_ledger_verify_report_t r;
  assert_int_equal(lg_ledger_verify(f->s, &r, &err), LG_ECONFLICT);
  assert_true(has_problem(&r, "第 2 层第 1 个树节点"));
  lg_ledger_verify_report_fini(&r);
  /* Proofs through that node now fail to reach the true root. */
  unsigned char L[16][32], root[32];
  ref_leaves(f->s, 16, L);
  ref_mth(L, 0, 16, root);
  lg_ledger_proof_t p;
  assert_int_equal(lg_ledger_prove_inclusion(f->s, 0, 16, &p, &err), 0);
  assert_int_not_equal(lg_ledger_verify_inclusion(0, 16, L[0], &p, root, &err), 0);
  /* An entry deleted. */
  exec(f->s, "DELETE FROM lg_ledger_entries WHERE idx = 3");
  assert_int_equal(lg_ledger_verify(f->s, &r, &err), LG_ECONFLICT);
  assert_true(has_problem(&r, "缺少第 3 号"));
  lg_ledger_verify_report_fini(&r);
}

/* The intruder rewrites an entry and rebuilds every hash above it: the
 * stored tree is consistent again, but the signed checkpoint is not. */
static void test_verify_catches_rebuilt_log(void **state) {
  fixture_t *f = *state;
  lg_err_t err = {0};
  enum { N = 12 };
  append_n(f->s, 0, N, N);
  lg_ledger_checkpoint_t cp;
  assert_int_equal(lg_ledger_checkpoint(f->s, &cp, &err), 0);
  drop_triggers(f->s);
  exec(f->s, "UPDATE lg_ledger_entries SET entry = replace(entry, 'clerk', 'boss') WHERE idx = 5");
  /* Recompute every leaf hash and stored node from the edited text. */
  unsigned char L[N][32];
  for (int i = 0; i < N; i++) {
    char *text;
    lg_ledger_entry(f->s, (uint64_t)i, &text, NULL, &err);
    lg_ledger_leaf_hash(text, strlen(text), L[i]);
    lg_free(text);
    lg_stmt_t *st;
    lg_store_prepare(f->s, "UPDATE lg_ledger_entries SET leaf_hash = ? WHERE idx = ?", &st, NULL);
    lg_store_bind_blob(st, 1, L[i], 32);
    lg_store_bind_int(st, 2, i);
    assert_int_equal(lg_store_step(st), LG_DONE);
    lg_store_done(st);
  }
  exec(f->s, "DELETE FROM lg_ledger_nodes");
  for (int level = 1; (1 << level) <= N; level++)
    for (int i = 0; (i + 1) << level <= N; i++) {
      unsigned char h[32];
      ref_mth(L, (size_t)i << level, (size_t)(i + 1) << level, h);
      lg_stmt_t *st;
      lg_store_prepare(f->s, "INSERT INTO lg_ledger_nodes(id, hash) VALUES (?, ?)", &st, NULL);
      lg_store_bind_int(st, 1, ((int64_t)level << 48) | i);
      lg_store_bind_blob(st, 2, h, 32);
      assert_int_equal(lg_store_step(st), LG_DONE);
      lg_store_done(st);
    }
  lg_ledger_verify_report_t r;
  assert_int_equal(lg_ledger_verify(f->s, &r, &err), LG_ECONFLICT);
  assert_int_equal(r.problems.len, 1);
  assert_true(has_problem(&r, "检查点 (大小 12)"));
  lg_ledger_verify_report_fini(&r);
  /* And the log refuses to sign over the rewritten history. */
  append_n(f->s, N, 1, 1);
  lg_ledger_checkpoint_t cp2;
  assert_int_equal(lg_ledger_checkpoint(f->s, &cp2, &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "拒绝签名"));
  lg_ledger_checkpoint_fini(&cp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_append_needs_transaction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_every_pair_from_store, setup, teardown),
      cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_append_only_triggers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_catches_edited_entry, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_catches_node_and_gap, setup, teardown),
      cmocka_unit_test_setup_teardown(test_verify_catches_rebuilt_log, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
