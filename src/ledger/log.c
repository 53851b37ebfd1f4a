/*
 * The log as stored: appending entries in the caller's transaction, the
 * tree's perfect subtrees kept as they complete, the root and proofs of
 * any size read back in O(log n), and the whole-log verification that
 * recomputes everything from the entries.
 *
 * Layout (migration 10, src/store/schema.c): lg_ledger_entries holds each
 * entry's canonical JSON and its leaf hash (level 0 of the tree);
 * lg_ledger_nodes holds every complete perfect subtree above the leaves,
 * keyed by level << 48 | index. Appending leaf n completes one subtree per
 * trailing one bit of n, so an append costs on average one read and one
 * insert besides the entry itself; the root of any size is the fold of at
 * most 64 stored subtrees (the tree's "compact range").
 *
 * The few statements an append runs are kept by the store's statement
 * cache (lg_store_prepare): preparing them anew for each of a million
 * appends would cost more than the appends.
 */
#include "ledger/ledger_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *const stmt_sql[LEDGER_ST_COUNT] = {
    [LEDGER_ST_SIZE] = "SELECT coalesce(max(idx) + 1, 0) FROM lg_ledger_entries",
    [LEDGER_ST_INSERT_ENTRY] = "INSERT INTO lg_ledger_entries(idx, entry, leaf_hash, object_type,"
                               " object_id) VALUES (?, ?, ?, ?, ?)",
    [LEDGER_ST_LEAF] = "SELECT leaf_hash FROM lg_ledger_entries WHERE idx = ?",
    [LEDGER_ST_NODE] = "SELECT hash FROM lg_ledger_nodes WHERE id = ?",
    [LEDGER_ST_INSERT_NODE] = "INSERT INTO lg_ledger_nodes(id, hash) VALUES (?, ?)",
};

lg_stmt_t *ledger_stmt(lg_store_t *s, int which, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  if (lg_store_prepare(s, stmt_sql[which], &st, err)) return NULL;
  return st;
}

static int64_t node_id(int level, uint64_t index) {
  return (int64_t)(((uint64_t)level << 48) | index);
}

/* Reads one stored hash: the leaf hash at level 0, else a subtree. */
int ledger_store_node(void *store, int level, uint64_t index, unsigned char out[32],
                      lg_err_t *err) {
  lg_store_t *s = store;
  lg_stmt_t *st = ledger_stmt(s, level == 0 ? LEDGER_ST_LEAF : LEDGER_ST_NODE, err);
  if (!st) return LG_EDB;
  lg_store_bind_int(st, 1, level == 0 ? (int64_t)index : node_id(level, index));
  int rc = lg_store_step(st);
  int ret = 0;
  if (rc == LG_ROW && lg_store_col_bytes(st, 0) == 32) {
    memcpy(out, lg_store_col_blob(st, 0, NULL), 32);
  } else if (rc == LG_ROW || rc == LG_DONE) {
    ret = lg_err_set(err, LG_ECONFLICT,
                     "账本数据不完整: 缺少或损坏了第 %d 层第 %llu 个节点的哈希; "
                     "请运行 landgov ledger verify",
                     level, (unsigned long long)index);
  } else {
    ret = lg_store_fail(s, err, "读取账本节点失败");
  }
  lg_store_done(st);
  return ret;
}

int lg_ledger_size(lg_store_t *s, uint64_t *size, lg_err_t *err) {
  lg_stmt_t *st = ledger_stmt(s, LEDGER_ST_SIZE, err);
  if (!st) return LG_EDB;
  int ret = 0;
  if (lg_store_step(st) == LG_ROW)
    *size = (uint64_t)lg_store_col_int(st, 0);
  else
    ret = lg_store_fail(s, err, "读取账本大小失败");
  lg_store_done(st);
  return ret;
}

static int insert_node(lg_store_t *s, int level, uint64_t index, const unsigned char h[32],
                       lg_err_t *err) {
  lg_stmt_t *st = ledger_stmt(s, LEDGER_ST_INSERT_NODE, err);
  if (!st) return LG_EDB;
  lg_store_bind_int(st, 1, node_id(level, index));
  lg_store_bind_blob(st, 2, h, 32);
  int ret = lg_store_run(st, "写入账本节点失败", err);
  lg_store_done(st);
  return ret;
}

int lg_ledger_append(lg_store_t *s, const lg_ledger_event_t *ev, int64_t *index, lg_err_t *err) {
  if (lg_store_depth(s) == 0)
    return lg_err_set(err, LG_EINTERNAL,
                      "lg_ledger_append 必须在记录变更的同一事务中调用 (先 lg_store_begin)");
  lg_buf_t b;
  lg_buf_init(&b);
  uint64_t n = 0;
  unsigned char acc[32];
  int rc = lg_ledger_entry_text(ev, &b, err);
  if (rc == 0) rc = lg_ledger_size(s, &n, err);
  if (rc) goto done;
  lg_ledger_leaf_hash(b.data, b.len, acc);

  lg_stmt_t *st = ledger_stmt(s, LEDGER_ST_INSERT_ENTRY, err);
  if (!st) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_int(st, 1, (int64_t)n);
  lg_store_bind_textn(st, 2, b.data, b.len);
  lg_store_bind_blob(st, 3, acc, 32);
  lg_store_bind_text(st, 4, ev->object_type);
  lg_store_bind_text(st, 5, ev->object_id);
  rc = lg_store_run(st, "写入账本条目失败", err);
  lg_store_done(st);
  if (rc) goto done;

  /* Leaf n completes one perfect subtree per trailing one bit of n: fold
   * each left sibling in and keep the result. */
  uint64_t i = n;
  for (int level = 0; rc == 0 && (i & 1); level++, i >>= 1) {
    unsigned char left[32];
    rc = ledger_store_node(s, level, i - 1, left, err);
    if (rc == 0) {
      lg_ledger_node_hash(left, acc, acc);
      rc = insert_node(s, level + 1, i >> 1, acc, err);
    }
  }
  if (rc == 0 && index) *index = (int64_t)n;
done:
  lg_buf_fini(&b);
  return rc;
}

int lg_ledger_root(lg_store_t *s, uint64_t size, unsigned char out[32], lg_err_t *err) {
  uint64_t n = 0;
  int rc = lg_ledger_size(s, &n, err);
  if (rc) return rc;
  if (size > n)
    return lg_err_set(err, LG_EINVAL, "树的大小 %llu 超出范围: 账本只有 %llu 个条目",
                      (unsigned long long)size, (unsigned long long)n);
  if (size == 0) {
    lg_ledger_empty_root(out);
    return 0;
  }
  return ledger_range_hash(ledger_store_node, s, 0, size, out, err);
}

int lg_ledger_entry(lg_store_t *s, uint64_t index, char **text, unsigned char leaf_hash[32],
                    lg_err_t *err) {
  lg_stmt_t *st;
  if (text) *text = NULL;
  if (lg_store_prepare(s, "SELECT entry, leaf_hash FROM lg_ledger_entries WHERE idx = ?", &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, (int64_t)index);
  int rc = lg_store_step(st), ret = 0;
  if (rc == LG_ROW) {
    if (text) *text = lg_strdup(lg_store_col_text(st, 0));
    if (leaf_hash) {
      if (lg_store_col_bytes(st, 1) == 32)
        memcpy(leaf_hash, lg_store_col_blob(st, 1, NULL), 32);
      else
        memset(leaf_hash, 0, 32);
    }
  } else if (rc == LG_DONE) {
    uint64_t n = 0;
    lg_ledger_size(s, &n, NULL);
    ret = lg_err_set(err, LG_ENOTFOUND, "账本没有第 %llu 号条目 (共 %llu 个条目, 序号从 0 开始)",
                     (unsigned long long)index, (unsigned long long)n);
  } else {
    ret = lg_store_fail(s, err, "读取账本条目失败");
  }
  lg_store_done(st);
  return ret;
}

/* Through the index on (object_type, object_id, idx) of migration 10. */
int lg_ledger_type_entries(lg_store_t *s, const char *object_type, lg_ledger_entry_fn fn, void *ctx,
                           lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT idx, object_id, entry, leaf_hash FROM lg_ledger_entries"
                       " WHERE object_type = ? ORDER BY idx",
                       &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, object_type);
  int rc = 0, step;
  while (rc == 0 && (step = lg_store_step(st)) == LG_ROW) {
    const unsigned char *leaf =
        lg_store_col_bytes(st, 3) == 32 ? lg_store_col_blob(st, 3, NULL) : NULL;
    const char *text = lg_store_col_text(st, 2);
    rc = fn(ctx, (uint64_t)lg_store_col_int(st, 0), lg_store_col_text(st, 1), text ? text : "",
            lg_store_col_bytes(st, 2), leaf);
  }
  if (rc == 0 && step != LG_DONE) rc = lg_store_fail(s, err, "读取账本条目失败");
  lg_store_done(st);
  return rc;
}

/* Through the index on (object_type, object_id, idx) of migration 10. */
int lg_ledger_object_entries(lg_store_t *s, const char *object_type, const char *object_id,
                             uint64_t *out, size_t max, size_t *total, lg_err_t *err) {
  lg_stmt_t *st;
  if (total) *total = 0;
  if (lg_store_prepare(s,
                       "SELECT idx FROM lg_ledger_entries WHERE object_type = ? AND object_id = ?"
                       " ORDER BY idx",
                       &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, object_type);
  lg_store_bind_text(st, 2, object_id);
  size_t n = 0;
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW) {
    if (n < max) out[n] = (uint64_t)lg_store_col_int(st, 0);
    n++;
  }
  int ret = rc == LG_DONE ? 0 : lg_store_fail(s, err, "读取对象的账本条目失败");
  lg_store_done(st);
  if (ret == 0 && total) *total = n;
  return ret;
}

int lg_ledger_prove_inclusion(lg_store_t *s, uint64_t index, uint64_t size, lg_ledger_proof_t *out,
                              lg_err_t *err) {
  uint64_t n = 0;
  out->n = 0;
  int rc = lg_ledger_size(s, &n, err);
  if (rc) return rc;
  if (size > n)
    return lg_err_set(err, LG_EINVAL, "树的大小 %llu 超出范围: 账本只有 %llu 个条目",
                      (unsigned long long)size, (unsigned long long)n);
  if (index >= size)
    return lg_err_set(err, LG_EINVAL, "条目序号 %llu 超出范围: 大小为 %llu 的树只含序号 0 到 %lld",
                      (unsigned long long)index, (unsigned long long)size, (long long)size - 1);
  return ledger_inclusion(ledger_store_node, s, index, size, out, err);
}

int lg_ledger_prove_consistency(lg_store_t *s, uint64_t size1, uint64_t size2,
                                lg_ledger_proof_t *out, lg_err_t *err) {
  uint64_t n = 0;
  out->n = 0;
  int rc = lg_ledger_size(s, &n, err);
  if (rc) return rc;
  if (size2 > n)
    return lg_err_set(err, LG_EINVAL, "树的大小 %llu 超出范围: 账本只有 %llu 个条目",
                      (unsigned long long)size2, (unsigned long long)n);
  if (size1 > size2)
    return lg_err_set(err, LG_EINVAL, "一致性证明的起点 %llu 大于终点 %llu",
                      (unsigned long long)size1, (unsigned long long)size2);
  return ledger_consistency(ledger_store_node, s, size1, size2, out, err);
}

/* ---- Whole-log verification -------------------------------------------- */

#define MAX_PROBLEMS 100

static void problem(lg_ledger_verify_report_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(lg_ledger_verify_report_t *r, const char *fmt, ...) {
  if (r->problems.len >= MAX_PROBLEMS) return;
  va_list ap;
  lg_buf_t b;
  lg_buf_init(&b);
  va_start(ap, fmt);
  lg_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  lg_vec_push(&r->problems, lg_buf_steal(&b));
}

void lg_ledger_verify_report_fini(lg_ledger_verify_report_t *r) {
  if (!r) return;
  for (size_t i = 0; i < r->problems.len; i++)
    lg_free(r->problems.items[i]);
  lg_free(r->problems.items);
  memset(r, 0, sizeof *r);
}

/* The right edge of the tree while streaming through the leaves: one
 * perfect subtree per set bit of the count, largest first. `tainted`
 * marks subtrees above a leaf already reported, whose stored nodes are
 * expected to differ, so one edit is reported once. */
typedef struct compact {
  int n;
  int level[65];
  bool tainted[65];
  unsigned char hash[65][32];
} compact_t;

static void compact_root(const compact_t *c, unsigned char out[32]) {
  if (c->n == 0) {
    lg_ledger_empty_root(out);
    return;
  }
  memcpy(out, c->hash[c->n - 1], 32);
  for (int i = c->n - 2; i >= 0; i--)
    lg_ledger_node_hash(c->hash[i], out, out);
}

typedef struct cp_row {
  uint64_t size;
  unsigned char root[32];
  char *note;
} cp_row_t;

typedef LG_VEC(cp_row_t) cp_vec_t;

static int load_checkpoints(lg_store_t *s, cp_vec_t *out, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT size, root, note FROM lg_ledger_checkpoints ORDER BY size", &st,
                       err))
    return LG_EDB;
  int rc;
  while ((rc = lg_store_step(st)) == LG_ROW) {
    cp_row_t c = {0};
    c.size = (uint64_t)lg_store_col_int(st, 0);
    if (lg_store_col_bytes(st, 1) == 32) memcpy(c.root, lg_store_col_blob(st, 1, NULL), 32);
    c.note = lg_strdup(lg_store_col_text(st, 2));
    lg_vec_push(out, c);
  }
  int ret = rc == LG_DONE ? 0 : lg_store_fail(s, err, "读取检查点失败");
  lg_store_done(st);
  return ret;
}

static void check_checkpoint(lg_ledger_verify_report_t *r, const cp_row_t *c, const char *vkey,
                             const unsigned char root[32]) {
  lg_ledger_checkpoint_t parsed = {0};
  lg_err_t e = {0};
  r->checkpoints++;
  if (!vkey) {
    problem(r, "检查点 (大小 %llu) 无法核验签名: 数据库中没有账本公钥",
            (unsigned long long)c->size);
  } else if (lg_ledger_note_verify(c->note, vkey, &parsed, &e) != 0) {
    problem(r, "检查点 (大小 %llu) 签名无效: %s", (unsigned long long)c->size, e.msg);
  } else if (parsed.size != c->size || memcmp(parsed.root, c->root, 32) != 0) {
    problem(r, "检查点 (大小 %llu) 的签名文本与其记录的大小或根哈希不符",
            (unsigned long long)c->size);
  }
  if (memcmp(root, c->root, 32) != 0)
    problem(r,
            "检查点 (大小 %llu) 已签名的根哈希与由条目重算的根哈希不符: "
            "前 %llu 个条目在签名后被改动",
            (unsigned long long)c->size, (unsigned long long)c->size);
  lg_ledger_checkpoint_fini(&parsed);
}

int lg_ledger_verify(lg_store_t *s, lg_ledger_verify_report_t *r, lg_err_t *err) {
  memset(r, 0, sizeof *r);
  cp_vec_t cps = {0};
  lg_stmt_t *st = NULL;
  char *vkey = NULL;
  compact_t *c = lg_calloc(1, sizeof *c);
  size_t next_cp = 0;
  int rc = load_checkpoints(s, &cps, err);
  if (rc) goto done;
  lg_ledger_keys_t keys;
  if (lg_ledger_keys(s, &keys, NULL) == 0) vkey = lg_strdup(keys.vkey);
  if (cps.len) r->latest_checkpoint = cps.items[cps.len - 1].size;

  rc = lg_store_prepare(s, "SELECT idx, entry, leaf_hash FROM lg_ledger_entries ORDER BY idx", &st,
                        err);
  if (rc) goto done;
  uint64_t expect = 0;
  unsigned char root[32];
  for (;;) {
    /* Checkpoints of the size reached so far. */
    while (next_cp < cps.len && cps.items[next_cp].size == expect) {
      compact_root(c, root);
      check_checkpoint(r, &cps.items[next_cp++], vkey, root);
    }
    int step = lg_store_step(st);
    if (step == LG_DONE) break;
    if (step != LG_ROW) {
      rc = lg_store_fail(s, err, "读取账本条目失败");
      goto done;
    }
    uint64_t idx = (uint64_t)lg_store_col_int(st, 0);
    if (idx != expect) {
      problem(r, "账本条目不连续: 缺少第 %llu 号 (下一个是第 %llu 号), 条目被删除",
              (unsigned long long)expect, (unsigned long long)idx);
      break; /* the tree cannot be rebuilt past a gap */
    }
    const char *text = lg_store_col_text(st, 1);
    int tlen = lg_store_col_bytes(st, 1);
    unsigned char leaf[32];
    lg_ledger_leaf_hash(text ? text : "", (size_t)tlen, leaf);
    bool bad =
        lg_store_col_bytes(st, 2) != 32 || memcmp(lg_store_col_blob(st, 2, NULL), leaf, 32) != 0;
    if (bad)
      problem(r, "第 %llu 号条目的内容与其叶哈希不符: 条目在写入后被改动", (unsigned long long)idx);
    /* Push the leaf and fold the completed subtrees, checking each
     * against its stored node. */
    memcpy(c->hash[c->n], leaf, 32);
    c->level[c->n] = 0;
    c->tainted[c->n] = bad;
    c->n++;
    while (c->n >= 2 && c->level[c->n - 1] == c->level[c->n - 2]) {
      int L = c->level[c->n - 1] + 1;
      unsigned char h[32], stored[32];
      lg_ledger_node_hash(c->hash[c->n - 2], c->hash[c->n - 1], h);
      bool tainted = c->tainted[c->n - 1] || c->tainted[c->n - 2];
      c->n -= 2;
      lg_err_t e = {0};
      uint64_t nidx = idx >> L;
      if (ledger_store_node(s, L, nidx, stored, &e) != 0) {
        if (!tainted)
          problem(r, "第 %d 层第 %llu 个树节点缺失或损坏 (含条目 %llu 至 %llu)", L,
                  (unsigned long long)nidx, (unsigned long long)(nidx << L),
                  (unsigned long long)(((nidx + 1) << L) - 1));
        tainted = true;
      } else if (memcmp(stored, h, 32) != 0) {
        if (!tainted)
          problem(r, "第 %d 层第 %llu 个树节点与其下的条目不符 (含条目 %llu 至 %llu): 节点被改动",
                  L, (unsigned long long)nidx, (unsigned long long)(nidx << L),
                  (unsigned long long)(((nidx + 1) << L) - 1));
        tainted = true;
      }
      r->nodes_checked++;
      memcpy(c->hash[c->n], h, 32);
      c->level[c->n] = L;
      c->tainted[c->n] = tainted;
      c->n++;
    }
    expect++;
  }
  r->size = expect;
  compact_root(c, r->root);
  for (; next_cp < cps.len; next_cp++)
    problem(r, "检查点 (大小 %llu) 超出账本现有的 %llu 个条目: 已签名的条目被删除",
            (unsigned long long)cps.items[next_cp].size, (unsigned long long)expect);
  if (r->problems.len)
    rc = lg_err_set(err, LG_ECONFLICT, "账本核验未通过 (%zu 处问题): %s", r->problems.len,
                    r->problems.items[0]);
done:
  lg_store_done(st);
  for (size_t i = 0; i < cps.len; i++)
    lg_free(cps.items[i].note);
  lg_free(cps.items);
  lg_free(vkey);
  lg_free(c);
  return rc;
}
