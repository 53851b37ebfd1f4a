/*
 * The Merkle tree of RFC 6962 as restated by RFC 9162 section 2.1:
 * hashing, the tree hash of any range, inclusion and consistency proofs,
 * and their verification. Trees of any size, not only powers of two.
 *
 * The algorithms read the tree only through "perfect subtree" hashes
 * (ledger_node_fn): a range [lo, hi) splits at the largest power of two
 * below its length, exactly as the RFC's recursive definition of MTH, and
 * every left part of such a split is a perfect subtree the log stores once
 * it is complete (as Trillian and tlog-tiles do). So the root and every
 * proof need O(log n) reads whatever the size of the log. The same code
 * serves trees held in memory, over an array of leaf hashes.
 */
#include "ledger/ledger_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

bool ledger_sodium(void) {
  /* sodium_init is thread-safe and returns 1 when already done. */
  return sodium_init() >= 0;
}

void lg_ledger_leaf_hash(const void *entry, size_t n, unsigned char out[32]) {
  crypto_hash_sha256_state st;
  static const unsigned char prefix = 0x00; /* RFC 9162 2.1.1: leaf prefix */
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, &prefix, 1);
  crypto_hash_sha256_update(&st, entry, n);
  crypto_hash_sha256_final(&st, out);
}

void lg_ledger_node_hash(const unsigned char left[32], const unsigned char right[32],
                         unsigned char out[32]) {
  unsigned char buf[65];
  buf[0] = 0x01; /* RFC 9162 2.1.1: interior node prefix */
  memcpy(buf + 1, left, 32);
  memcpy(buf + 33, right, 32);
  crypto_hash_sha256(out, buf, sizeof buf);
}

void lg_ledger_empty_root(unsigned char out[32]) { crypto_hash_sha256(out, NULL, 0); }

/* The largest power of two strictly below n (n >= 2): the RFC's k. */
static uint64_t split_point(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n)
    k <<= 1;
  return k;
}

static bool is_pow2(uint64_t n) { return n && (n & (n - 1)) == 0; }

static int log2_exact(uint64_t n) {
  int l = 0;
  while ((n >>= 1) != 0)
    l++;
  return l;
}

int ledger_range_hash(ledger_node_fn node, void *ctx, uint64_t lo, uint64_t hi,
                      unsigned char out[32], lg_err_t *err) {
  uint64_t n = hi - lo;
  if (hi <= lo)
    return lg_err_set(err, LG_EINTERNAL, "空的哈希区间 [%llu, %llu)", (unsigned long long)lo,
                      (unsigned long long)hi);
  /* A perfect, aligned subtree is stored (or computed) as one node. */
  if (is_pow2(n) && lo % n == 0) return node(ctx, log2_exact(n), lo / n, out, err);
  uint64_t k = split_point(n);
  unsigned char l[32], r[32];
  int rc = ledger_range_hash(node, ctx, lo, lo + k, l, err);
  if (rc == 0) rc = ledger_range_hash(node, ctx, lo + k, hi, r, err);
  if (rc == 0) lg_ledger_node_hash(l, r, out);
  return rc;
}

/* Proof elements are found top-down; the RFC lists them leaf side first. */
static void reverse(lg_ledger_proof_t *p) {
  for (size_t i = 0, j = p->n ? p->n - 1 : 0; i < j; i++, j--) {
    unsigned char t[32];
    memcpy(t, p->hash[i], 32);
    memcpy(p->hash[i], p->hash[j], 32);
    memcpy(p->hash[j], t, 32);
  }
}

int ledger_inclusion(ledger_node_fn node, void *ctx, uint64_t index, uint64_t size,
                     lg_ledger_proof_t *out, lg_err_t *err) {
  /* RFC 9162 2.1.3.1: PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when
   * m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]). */
  uint64_t lo = 0, hi = size;
  int rc = 0;
  out->n = 0;
  while (rc == 0 && hi - lo > 1) {
    uint64_t k = split_point(hi - lo);
    if (index < lo + k) {
      rc = ledger_range_hash(node, ctx, lo + k, hi, out->hash[out->n++], err);
      hi = lo + k;
    } else {
      rc = ledger_range_hash(node, ctx, lo, lo + k, out->hash[out->n++], err);
      lo += k;
    }
  }
  reverse(out);
  return rc;
}

int ledger_consistency(ledger_node_fn node, void *ctx, uint64_t size1, uint64_t size2,
                       lg_ledger_proof_t *out, lg_err_t *err) {
  /* RFC 9162 2.1.4.1: SUBPROOF(m, D[n], b). The old size m is kept as an
   * absolute boundary; b turns false once the path leaves the left edge,
   * and then the subtree that equals the old tree's part is included. */
  out->n = 0;
  if (size1 == 0 || size1 == size2) return 0;
  uint64_t lo = 0, hi = size2;
  bool b = true;
  int rc = 0;
  while (rc == 0 && size1 != hi) {
    uint64_t k = split_point(hi - lo);
    if (size1 <= lo + k) {
      rc = ledger_range_hash(node, ctx, lo + k, hi, out->hash[out->n++], err);
      hi = lo + k;
    } else {
      rc = ledger_range_hash(node, ctx, lo, lo + k, out->hash[out->n++], err);
      lo += k;
      b = false;
    }
  }
  if (rc == 0 && !b) rc = ledger_range_hash(node, ctx, lo, hi, out->hash[out->n++], err);
  reverse(out);
  return rc;
}

/* ---- Verification (RFC 9162 2.1.3.2 and 2.1.4.2) ------------------------ */

int lg_ledger_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[32],
                               const lg_ledger_proof_t *proof, const unsigned char root[32],
                               lg_err_t *err) {
  if (index >= size)
    return lg_err_set(err, LG_EINVAL, "包含证明无效: 条目序号 %llu 不在大小为 %llu 的树中",
                      (unsigned long long)index, (unsigned long long)size);
  if (proof->n > LG_LEDGER_MAX_PROOF)
    return lg_err_set(err, LG_EINVAL, "包含证明无效: 证明过长 (%zu 个哈希)", proof->n);
  uint64_t fn = index, sn = size - 1;
  unsigned char r[32];
  memcpy(r, leaf, 32);
  for (size_t i = 0; i < proof->n; i++) {
    if (sn == 0)
      return lg_err_set(err, LG_EINVAL, "包含证明无效: 证明过长 (%zu 个哈希, 第 %zu 个多余)",
                        proof->n, i + 1);
    if ((fn & 1) || fn == sn) {
      lg_ledger_node_hash(proof->hash[i], r, r);
      if (!(fn & 1))
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      lg_ledger_node_hash(r, proof->hash[i], r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return lg_err_set(err, LG_EINVAL, "包含证明无效: 证明过短 (%zu 个哈希)", proof->n);
  if (sodium_memcmp(r, root, 32) != 0)
    return lg_err_set(err, LG_EINVAL,
                      "包含证明无效: 由条目 %llu 和证明算出的根哈希与树 (大小 %llu) 的根哈希不符",
                      (unsigned long long)index, (unsigned long long)size);
  return 0;
}

int lg_ledger_verify_consistency(uint64_t size1, uint64_t size2, const unsigned char root1[32],
                                 const unsigned char root2[32], const lg_ledger_proof_t *proof,
                                 lg_err_t *err) {
  if (size2 < size1)
    return lg_err_set(err, LG_EINVAL, "一致性证明无效: 新树 (%llu) 比旧树 (%llu) 小",
                      (unsigned long long)size2, (unsigned long long)size1);
  if (size1 == size2) {
    if (proof->n != 0)
      return lg_err_set(err, LG_EINVAL, "一致性证明无效: 大小相同的两棵树的证明应为空");
    if (sodium_memcmp(root1, root2, 32) != 0)
      return lg_err_set(err, LG_EINVAL, "一致性证明无效: 大小同为 %llu 的两棵树根哈希不同 (分叉)",
                        (unsigned long long)size1);
    return 0;
  }
  if (size1 == 0) {
    if (proof->n != 0) return lg_err_set(err, LG_EINVAL, "一致性证明无效: 从空树出发的证明应为空");
    return 0;
  }
  if (proof->n == 0) return lg_err_set(err, LG_EINVAL, "一致性证明无效: 证明为空");
  if (proof->n > LG_LEDGER_MAX_PROOF)
    return lg_err_set(err, LG_EINVAL, "一致性证明无效: 证明过长 (%zu 个哈希)", proof->n);
  /* Step 2: when size1 is a power of two its root is the first node. */
  const unsigned char *c[LG_LEDGER_MAX_PROOF + 1];
  size_t n = 0;
  if (is_pow2(size1)) c[n++] = root1;
  for (size_t i = 0; i < proof->n; i++)
    c[n++] = proof->hash[i];
  uint64_t fn = size1 - 1, sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  unsigned char fr[32], sr[32];
  memcpy(fr, c[0], 32);
  memcpy(sr, c[0], 32);
  for (size_t i = 1; i < n; i++) {
    if (sn == 0)
      return lg_err_set(err, LG_EINVAL, "一致性证明无效: 证明过长 (%zu 个哈希)", proof->n);
    if ((fn & 1) || fn == sn) {
      lg_ledger_node_hash(c[i], fr, fr);
      lg_ledger_node_hash(c[i], sr, sr);
      if (!(fn & 1))
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      lg_ledger_node_hash(sr, c[i], sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return lg_err_set(err, LG_EINVAL, "一致性证明无效: 证明过短 (%zu 个哈希)", proof->n);
  if (sodium_memcmp(fr, root1, 32) != 0)
    return lg_err_set(err, LG_EINVAL,
                      "一致性证明无效: 证明推出的旧根哈希与大小 %llu 的检查点不符 (分叉)",
                      (unsigned long long)size1);
  if (sodium_memcmp(sr, root2, 32) != 0)
    return lg_err_set(err, LG_EINVAL,
                      "一致性证明无效: 大小 %llu 的树不是大小 %llu 的树的延续 (分叉), "
                      "或证明有误",
                      (unsigned long long)size2, (unsigned long long)size1);
  return 0;
}

/* ---- Trees in memory ---------------------------------------------------- */

typedef struct mem_tree {
  const unsigned char (*leaves)[32];
} mem_tree_t;

static int mem_node(void *ctx, int level, uint64_t index, unsigned char out[32], lg_err_t *err) {
  mem_tree_t *t = ctx;
  if (level == 0) {
    memcpy(out, t->leaves[index], 32);
    return 0;
  }
  unsigned char l[32], r[32];
  mem_node(ctx, level - 1, 2 * index, l, err);
  mem_node(ctx, level - 1, 2 * index + 1, r, err);
  lg_ledger_node_hash(l, r, out);
  return 0;
}

void lg_ledger_mem_root(const unsigned char (*leaves)[32], uint64_t size, unsigned char out[32]) {
  mem_tree_t t = {leaves};
  if (size == 0)
    lg_ledger_empty_root(out);
  else
    ledger_range_hash(mem_node, &t, 0, size, out, NULL);
}

int lg_ledger_mem_inclusion(const unsigned char (*leaves)[32], uint64_t size, uint64_t index,
                            lg_ledger_proof_t *out, lg_err_t *err) {
  mem_tree_t t = {leaves};
  if (index >= size)
    return lg_err_set(err, LG_EINVAL, "条目序号 %llu 超出范围 (树的大小为 %llu)",
                      (unsigned long long)index, (unsigned long long)size);
  return ledger_inclusion(mem_node, &t, index, size, out, err);
}

int lg_ledger_mem_consistency(const unsigned char (*leaves)[32], uint64_t size1, uint64_t size2,
                              lg_ledger_proof_t *out, lg_err_t *err) {
  mem_tree_t t = {leaves};
  if (size1 > size2)
    return lg_err_set(err, LG_EINVAL, "一致性证明的起点 %llu 大于终点 %llu",
                      (unsigned long long)size1, (unsigned long long)size2);
  return ledger_consistency(mem_node, &t, size1, size2, out, err);
}

/* ---- Encodings ---------------------------------------------------------- */

void lg_ledger_hex(const unsigned char *b, size_t n, char *out) {
  sodium_bin2hex(out, 2 * n + 1, b, n);
}

void lg_ledger_b64(const unsigned char *b, size_t n, char *out) {
  sodium_bin2base64(out, sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), b, n,
                    sodium_base64_VARIANT_ORIGINAL);
}

int lg_ledger_unb64(const char *s, unsigned char *out, size_t n, lg_err_t *err) {
  size_t len = 0;
  const char *end = NULL;
  size_t slen = strlen(s);
  if (sodium_base642bin(out, n, s, slen, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len != n || end != s + slen)
    return lg_err_set(err, LG_EINVAL, "\"%.80s\" 不是 %zu 字节的 base64 编码", s, n);
  return 0;
}
