/*
 * The Merkle tree against RFC 6962 / RFC 9162 and the published test
 * vectors of Certificate Transparency (transparency-dev/merkle,
 * proof/verify_test.go: the eight reference leaves, their roots and the
 * inclusion and consistency proofs listed there), the worked example of
 * RFC 6962 section 2.1.3 (a tree of seven leaves, nodes named a..l), and
 * every (index, size) and (size1, size2) pair up to 64 leaves against a
 * reference written here straight from the RFC's recursive definitions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "ledger/ledger.h"

static void unhex(const char *h, unsigned char *out, size_t n) {
  assert_int_equal(strlen(h), 2 * n);
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
    out[i] = (unsigned char)v;
  }
}

static void assert_hash(const unsigned char *got, const char *want_hex, const char *what) {
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", got[i]);
  if (strcmp(hex, want_hex) != 0) fail_msg("%s: got %s, want %s", what, hex, want_hex);
}

/* ---- A reference from the RFC's recursive definitions, SHA-256 direct -- */

static void sha(const unsigned char *a, size_t an, const unsigned char *b, size_t bn,
                const unsigned char *c, size_t cn, unsigned char out[32]) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, a, an);
  if (b) crypto_hash_sha256_update(&st, b, bn);
  if (c) crypto_hash_sha256_update(&st, c, cn);
  crypto_hash_sha256_final(&st, out);
}

static void ref_leaf(const unsigned char *d, size_t n, unsigned char out[32]) {
  static const unsigned char z = 0;
  sha(&z, 1, d, n, NULL, 0, out);
}

static void ref_node(const unsigned char l[32], const unsigned char r[32], unsigned char out[32]) {
  static const unsigned char one = 1;
  sha(&one, 1, l, 32, r, 32, out);
}

static size_t ref_k(size_t n) {
  size_t k = 1;
  while (2 * k < n)
    k *= 2;
  return k;
}

/* MTH(D[lo:hi]) */
static void ref_mth(unsigned char (*L)[32], size_t lo, size_t hi, unsigned char out[32]) {
  if (hi == lo) {
    sha(NULL, 0, NULL, 0, NULL, 0, out);
    return;
  }
  if (hi - lo == 1) {
    memcpy(out, L[lo], 32);
    return;
  }
  size_t k = ref_k(hi - lo);
  unsigned char a[32], b[32];
  ref_mth(L, lo, lo + k, a);
  ref_mth(L, lo + k, hi, b);
  ref_node(a, b, out);
}

/* PATH(m, D[lo:hi]) appended to p */
static void ref_path(unsigned char (*L)[32], size_t m, size_t lo, size_t hi, lg_ledger_proof_t *p) {
  if (hi - lo <= 1) return;
  size_t k = ref_k(hi - lo);
  if (m < k) {
    ref_path(L, m, lo, lo + k, p);
    ref_mth(L, lo + k, hi, p->hash[p->n++]);
  } else {
    ref_path(L, m - k, lo + k, hi, p);
    ref_mth(L, lo, lo + k, p->hash[p->n++]);
  }
}

/* SUBPROOF(m, D[lo:hi], b) appended to p */
static void ref_subproof(unsigned char (*L)[32], size_t m, size_t lo, size_t hi, bool b,
                         lg_ledger_proof_t *p) {
  size_t n = hi - lo;
  if (m == n) {
    if (!b) ref_mth(L, lo, hi, p->hash[p->n++]);
    return;
  }
  size_t k = ref_k(n);
  if (m <= k) {
    ref_subproof(L, m, lo, lo + k, b, p);
    ref_mth(L, lo + k, hi, p->hash[p->n++]);
  } else {
    ref_subproof(L, m - k, lo + k, hi, false, p);
    ref_mth(L, lo, lo + k, p->hash[p->n++]);
  }
}

static void assert_proof_eq(const lg_ledger_proof_t *got, const lg_ledger_proof_t *want,
                            const char *what) {
  if (got->n != want->n) fail_msg("%s: %zu hashes, want %zu", what, got->n, want->n);
  for (size_t i = 0; i < got->n; i++)
    if (memcmp(got->hash[i], want->hash[i], 32) != 0) fail_msg("%s: hash %zu differs", what, i);
}

/* ---- The reference leaves of Certificate Transparency ------------------- */

static const char *const ct_data_hex[8] = {"",
                                           "00",
                                           "10",
                                           "2021",
                                           "3031",
                                           "40414243",
                                           "5051525354555657",
                                           "606162636465666768696a6b6c6d6e6f"};
static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static unsigned char ct_leaves[8][32];

static int setup_ct(void **state) {
  (void)state;
  for (int i = 0; i < 8; i++) {
    unsigned char d[16];
    size_t n = strlen(ct_data_hex[i]) / 2;
    if (n) unhex(ct_data_hex[i], d, n);
    lg_ledger_leaf_hash(d, n, ct_leaves[i]);
  }
  return 0;
}

static void test_empty_and_single(void **state) {
  (void)state;
  unsigned char h[32];
  lg_ledger_empty_root(h);
  assert_hash(h, ct_roots[0], "empty tree");
  lg_ledger_mem_root(ct_leaves, 0, h);
  assert_hash(h, ct_roots[0], "root of 0 leaves");
  lg_ledger_leaf_hash("", 0, h);
  assert_hash(h, ct_roots[1], "leaf hash of the empty entry");
  lg_ledger_mem_root(ct_leaves, 1, h);
  assert_hash(h, ct_roots[1], "root of a single leaf");
  /* The prefixes: a node is not a leaf of the same 64 bytes. */
  unsigned char cat[64], leaf[32];
  memcpy(cat, ct_leaves[0], 32);
  memcpy(cat + 32, ct_leaves[1], 32);
  lg_ledger_leaf_hash(cat, 64, leaf);
  lg_ledger_node_hash(ct_leaves[0], ct_leaves[1], h);
  assert_memory_not_equal(leaf, h, 32);
  assert_hash(h, ct_roots[2], "node of the first two leaves");
}

static void test_ct_roots(void **state) {
  (void)state;
  for (int n = 0; n <= 8; n++) {
    unsigned char h[32];
    char what[32];
    lg_ledger_mem_root(ct_leaves, (uint64_t)n, h);
    snprintf(what, sizeof what, "root of %d leaves", n);
    assert_hash(h, ct_roots[n], what);
  }
}

static void load_proof(lg_ledger_proof_t *p, const char *const *hex, size_t n) {
  p->n = n;
  for (size_t i = 0; i < n; i++)
    unhex(hex[i], p->hash[i], 32);
}

static void test_ct_inclusion_vectors(void **state) {
  (void)state;
  /* verify_test.go lists leaves 1-based: {leaf, size, proof}. */
  static const struct {
    int leaf, size, n;
    const char *proof[3];
  } v[] = {
      {1,
       8,
       3,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       3,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {3, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {2,
       5,
       3,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (size_t t = 0; t < LG_ARRAY_LEN(v); t++) {
    lg_ledger_proof_t want, got;
    lg_err_t err = {0};
    load_proof(&want, v[t].proof, (size_t)v[t].n);
    uint64_t idx = (uint64_t)v[t].leaf - 1, size = (uint64_t)v[t].size;
    assert_int_equal(lg_ledger_mem_inclusion(ct_leaves, size, idx, &got, &err), 0);
    assert_proof_eq(&got, &want, "CT inclusion vector");
    unsigned char root[32];
    unhex(ct_roots[size], root, 32);
    int rc = lg_ledger_verify_inclusion(idx, size, ct_leaves[idx], &want, root, &err);
    if (rc) fail_msg("vector %zu: %s", t, err.msg);
  }
}

static void test_ct_consistency_vectors(void **state) {
  (void)state;
  static const struct {
    int size1, size2, n;
    const char *proof[3];
  } v[] = {
      {1,
       8,
       3,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       3,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       2,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
      {6,
       7,
       3,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
  };
  for (size_t t = 0; t < LG_ARRAY_LEN(v); t++) {
    lg_ledger_proof_t want, got;
    lg_err_t err = {0};
    load_proof(&want, v[t].proof, (size_t)v[t].n);
    uint64_t s1 = (uint64_t)v[t].size1, s2 = (uint64_t)v[t].size2;
    assert_int_equal(lg_ledger_mem_consistency(ct_leaves, s1, s2, &got, &err), 0);
    assert_proof_eq(&got, &want, "CT consistency vector");
    unsigned char r1[32], r2[32];
    unhex(ct_roots[s1], r1, 32);
    unhex(ct_roots[s2], r2, 32);
    int rc = lg_ledger_verify_consistency(s1, s2, r1, r2, &want, &err);
    if (rc) fail_msg("vector %zu: %s", t, err.msg);
  }
}

/* RFC 6962 section 2.1.3: the tree of d0..d6, its nodes named by hand. */
static void test_rfc6962_worked_example(void **state) {
  (void)state;
  unsigned char(*d)[32] = ct_leaves;
  unsigned char a[32], b[32], c[32], dd[32], e[32], f[32], g[32], h[32], i[32], j[32], k[32], l[32],
      root[32];
  memcpy(a, d[0], 32);
  memcpy(b, d[1], 32);
  memcpy(c, d[2], 32);
  memcpy(dd, d[3], 32);
  memcpy(e, d[4], 32);
  memcpy(f, d[5], 32);
  memcpy(j, d[6], 32);
  ref_node(a, b, g);
  ref_node(c, dd, h);
  ref_node(e, f, i);
  ref_node(g, h, k);
  ref_node(i, j, l);
  ref_node(k, l, root);
  assert_hash(root, ct_roots[7], "hand-built root of the RFC's 7-leaf tree");

  lg_ledger_proof_t p, want;
  lg_err_t err = {0};
#define WANT(...)                                                                                  \
  do {                                                                                             \
    const unsigned char *xs[] = {__VA_ARGS__};                                                     \
    want.n = LG_ARRAY_LEN(xs);                                                                     \
    for (size_t q = 0; q < want.n; q++)                                                            \
      memcpy(want.hash[q], xs[q], 32);                                                             \
  } while (0)
  /* "The audit path for d0 is [b, h, l]" */
  WANT(b, h, l);
  assert_int_equal(lg_ledger_mem_inclusion(d, 7, 0, &p, &err), 0);
  assert_proof_eq(&p, &want, "path of d0");
  /* "The audit path for d3 is [c, g, l]" */
  WANT(c, g, l);
  assert_int_equal(lg_ledger_mem_inclusion(d, 7, 3, &p, &err), 0);
  assert_proof_eq(&p, &want, "path of d3");
  /* "The audit path for d4 is [f, j, k]" */
  WANT(f, j, k);
  assert_int_equal(lg_ledger_mem_inclusion(d, 7, 4, &p, &err), 0);
  assert_proof_eq(&p, &want, "path of d4");
  /* "The audit path for d6 is [i, k]" */
  WANT(i, k);
  assert_int_equal(lg_ledger_mem_inclusion(d, 7, 6, &p, &err), 0);
  assert_proof_eq(&p, &want, "path of d6");
  /* "PROOF(3, D[7]) = [c, d, g, l]" */
  WANT(c, dd, g, l);
  assert_int_equal(lg_ledger_mem_consistency(d, 3, 7, &p, &err), 0);
  assert_proof_eq(&p, &want, "consistency 3 -> 7");
  /* "PROOF(4, D[7]) = [l]" */
  WANT(l);
  assert_int_equal(lg_ledger_mem_consistency(d, 4, 7, &p, &err), 0);
  assert_proof_eq(&p, &want, "consistency 4 -> 7");
  /* "PROOF(6, D[7]) = [i, j, k]" */
  WANT(i, j, k);
  assert_int_equal(lg_ledger_mem_consistency(d, 6, 7, &p, &err), 0);
  assert_proof_eq(&p, &want, "consistency 6 -> 7");
#undef WANT
  unsigned char r3[32], r4[32], r6[32];
  unhex(ct_roots[3], r3, 32);
  unhex(ct_roots[4], r4, 32);
  unhex(ct_roots[6], r6, 32);
  lg_ledger_mem_consistency(d, 3, 7, &p, &err);
  assert_int_equal(lg_ledger_verify_consistency(3, 7, r3, root, &p, &err), 0);
  lg_ledger_mem_consistency(d, 4, 7, &p, &err);
  assert_int_equal(lg_ledger_verify_consistency(4, 7, r4, root, &p, &err), 0);
  lg_ledger_mem_consistency(d, 6, 7, &p, &err);
  assert_int_equal(lg_ledger_verify_consistency(6, 7, r6, root, &p, &err), 0);
}

/* ---- Every pair up to 64 ------------------------------------------------ */

#define N 64
static unsigned char many[N][32];

static void make_many(void) {
  for (int i = 0; i < N; i++) {
    unsigned char d[2] = {(unsigned char)i, (unsigned char)(i * 7)};
    ref_leaf(d, 2, many[i]);
  }
}

/* Each corruption of a good inclusion proof must be refused. */
static void inclusion_must_fail(uint64_t idx, uint64_t size, const lg_ledger_proof_t *p,
                                const unsigned char root[32]) {
  lg_ledger_proof_t q;
  lg_err_t err = {0};
  unsigned char other[32];
  memcpy(other, root, 32);
  other[5] ^= 1;
  if (lg_ledger_verify_inclusion(idx, size, many[idx], p, other, &err) == 0)
    fail_msg("(%llu,%llu) accepted a wrong root", (unsigned long long)idx,
             (unsigned long long)size);
  if (lg_ledger_verify_inclusion(idx, size, many[(idx + 1) % N], p, root, &err) == 0)
    fail_msg("(%llu,%llu) accepted another leaf", (unsigned long long)idx,
             (unsigned long long)size);
  for (size_t i = 0; i < p->n; i++) {
    q = *p;
    q.hash[i][0] ^= 8;
    if (lg_ledger_verify_inclusion(idx, size, many[idx], &q, root, &err) == 0)
      fail_msg("(%llu,%llu) accepted a tampered proof node %zu", (unsigned long long)idx,
               (unsigned long long)size, i);
  }
  if (p->n) {
    q = *p;
    q.n--;
    if (lg_ledger_verify_inclusion(idx, size, many[idx], &q, root, &err) == 0)
      fail_msg("(%llu,%llu) accepted a truncated proof", (unsigned long long)idx,
               (unsigned long long)size);
  }
  q = *p;
  memcpy(q.hash[q.n++], root, 32);
  if (lg_ledger_verify_inclusion(idx, size, many[idx], &q, root, &err) == 0)
    fail_msg("(%llu,%llu) accepted trailing garbage", (unsigned long long)idx,
             (unsigned long long)size);
  if (size > 1 && lg_ledger_verify_inclusion(idx ^ 1, size, many[idx], p, root, &err) == 0 &&
      (idx ^ 1) < size)
    fail_msg("(%llu,%llu) accepted a wrong index", (unsigned long long)idx,
             (unsigned long long)size);
  if (lg_ledger_verify_inclusion(idx, size * 2, many[idx], p, root, &err) == 0)
    fail_msg("(%llu,%llu) accepted a wrong size", (unsigned long long)idx,
             (unsigned long long)size);
}

static void test_every_inclusion_pair(void **state) {
  (void)state;
  make_many();
  for (uint64_t size = 1; size <= N; size++) {
    unsigned char root[32], mroot[32];
    ref_mth(many, 0, size, root);
    lg_ledger_mem_root(many, size, mroot);
    assert_memory_equal(root, mroot, 32);
    for (uint64_t idx = 0; idx < size; idx++) {
      lg_ledger_proof_t want = {0}, got;
      lg_err_t err = {0};
      ref_path(many, idx, 0, size, &want);
      assert_int_equal(lg_ledger_mem_inclusion(many, size, idx, &got, &err), 0);
      assert_proof_eq(&got, &want, "inclusion proof");
      int rc = lg_ledger_verify_inclusion(idx, size, many[idx], &got, root, &err);
      if (rc)
        fail_msg("(%llu,%llu): %s", (unsigned long long)idx, (unsigned long long)size, err.msg);
      inclusion_must_fail(idx, size, &got, root);
    }
  }
}

static void test_every_consistency_pair(void **state) {
  (void)state;
  make_many();
  unsigned char roots[N + 1][32];
  for (size_t n = 0; n <= N; n++)
    ref_mth(many, 0, n, roots[n]);
  for (uint64_t s2 = 1; s2 <= N; s2++)
    for (uint64_t s1 = 1; s1 <= s2; s1++) {
      lg_ledger_proof_t want = {0}, got, q;
      lg_err_t err = {0};
      ref_subproof(many, s1, 0, s2, true, &want);
      assert_int_equal(lg_ledger_mem_consistency(many, s1, s2, &got, &err), 0);
      assert_proof_eq(&got, &want, "consistency proof");
      int rc = lg_ledger_verify_consistency(s1, s2, roots[s1], roots[s2], &got, &err);
      if (rc) fail_msg("(%llu,%llu): %s", (unsigned long long)s1, (unsigned long long)s2, err.msg);
      if (s1 == s2) continue;
      /* A forked old root, a wrong new root, tampered nodes: refused. */
      unsigned char fork[32];
      memcpy(fork, roots[s1], 32);
      fork[0] ^= 1;
      assert_int_not_equal(lg_ledger_verify_consistency(s1, s2, fork, roots[s2], &got, &err), 0);
      assert_int_not_equal(
          lg_ledger_verify_consistency(s1, s2, roots[s1], roots[s2 - 1], &got, &err), 0);
      for (size_t i = 0; i < got.n; i++) {
        q = got;
        q.hash[i][3] ^= 16;
        if (lg_ledger_verify_consistency(s1, s2, roots[s1], roots[s2], &q, &err) == 0)
          fail_msg("(%llu,%llu) accepted tampered node %zu", (unsigned long long)s1,
                   (unsigned long long)s2, i);
      }
      q = got;
      q.n = 0;
      assert_int_not_equal(lg_ledger_verify_consistency(s1, s2, roots[s1], roots[s2], &q, &err), 0);
      if (s1 + 1 < s2)
        assert_int_not_equal(
            lg_ledger_verify_consistency(s1 + 1, s2, roots[s1 + 1], roots[s2], &got, &err), 0);
    }
}

static void test_consistency_edges(void **state) {
  (void)state;
  make_many();
  lg_ledger_proof_t empty = {0}, one = {.n = 1};
  unsigned char r1[32], r2[32];
  lg_err_t err = {0};
  ref_mth(many, 0, 3, r1);
  ref_mth(many, 0, 5, r2);
  /* Equal sizes: empty proof and equal roots, else a fork. */
  assert_int_equal(lg_ledger_verify_consistency(3, 3, r1, r1, &empty, &err), 0);
  assert_int_not_equal(lg_ledger_verify_consistency(3, 3, r1, r2, &empty, &err), 0);
  assert_non_null(strstr(err.msg, "分叉"));
  assert_int_not_equal(lg_ledger_verify_consistency(3, 3, r1, r1, &one, &err), 0);
  /* From the empty tree, anything; backwards, nothing. */
  assert_int_equal(lg_ledger_verify_consistency(0, 5, r1, r2, &empty, &err), 0);
  assert_int_not_equal(lg_ledger_verify_consistency(5, 3, r2, r1, &empty, &err), 0);
  /* Out-of-range requests on a tree in memory. */
  lg_ledger_proof_t p;
  assert_int_equal(lg_ledger_mem_inclusion(many, 5, 5, &p, &err), LG_EINVAL);
  assert_int_equal(lg_ledger_mem_consistency(many, 6, 5, &p, &err), LG_EINVAL);
  /* Index past the size in verification. */
  assert_int_not_equal(lg_ledger_verify_inclusion(5, 5, many[0], &empty, r2, &err), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_and_single),       cmocka_unit_test(test_ct_roots),
      cmocka_unit_test(test_ct_inclusion_vectors),   cmocka_unit_test(test_ct_consistency_vectors),
      cmocka_unit_test(test_rfc6962_worked_example), cmocka_unit_test(test_every_inclusion_pair),
      cmocka_unit_test(test_every_consistency_pair), cmocka_unit_test(test_consistency_edges),
  };
  return cmocka_run_group_tests(tests, setup_ct, NULL);
}
