/*
 * The JSON shapes in which the ledger is shown to the outside: checkpoint,
 * inclusion bundle, consistency proof, witness bundle. The CLI (--json)
 * and the HTTP API give the same documents, and the standalone verifier
 * (tools/verify) reads them, so they are built in one place. Hashes are
 * standard base64, as in checkpoints.
 */
#include "ledger/ledger_int.h"

#include <stdio.h>
#include <string.h>

static json_t *b64_json(const unsigned char h[32]) {
  char b[48];
  lg_ledger_b64(h, 32, b);
  return json_string(b);
}

json_t *lg_ledger_proof_json(const lg_ledger_proof_t *p) {
  json_t *a = json_array();
  for (size_t i = 0; i < p->n; i++)
    json_array_append_new(a, b64_json(p->hash[i]));
  return a;
}

int lg_ledger_proof_from_json(const json_t *a, lg_ledger_proof_t *out, lg_err_t *err) {
  out->n = 0;
  if (!json_is_array(a)) return lg_err_set(err, LG_EINVAL, "证明应为 base64 哈希的数组");
  if (json_array_size(a) > LG_LEDGER_MAX_PROOF)
    return lg_err_set(err, LG_EINVAL, "证明过长 (%zu 个哈希)", json_array_size(a));
  for (size_t i = 0; i < json_array_size(a); i++) {
    const char *s = json_string_value(json_array_get(a, i));
    if (!s || lg_ledger_unb64(s, out->hash[i], 32, NULL) != 0)
      return lg_err_set(err, LG_EINVAL, "证明的第 %zu 个元素不是 32 字节哈希的 base64", i + 1);
    out->n = i + 1;
  }
  return 0;
}

json_t *lg_ledger_checkpoint_json(const lg_ledger_checkpoint_t *cp, const char *vkey) {
  return json_pack("{s:s, s:I, s:o, s:s, s:s?, s:s?}", "origin", cp->origin, "size",
                   (json_int_t)cp->size, "root", b64_json(cp->root), "checkpoint",
                   cp->note ? cp->note : "", "signed_at", cp->signed_at[0] ? cp->signed_at : NULL,
                   "key", vkey);
}

int lg_ledger_inclusion_json(lg_store_t *s, uint64_t index, uint64_t size, json_t **out,
                             lg_err_t *err) {
  *out = NULL;
  lg_ledger_checkpoint_t cp = {0};
  lg_ledger_keys_t keys;
  lg_ledger_proof_t p;
  char *text = NULL;
  unsigned char leaf[32], root[32];
  bool have_cp = false;
  int rc = 0;
  if (size == 0) {
    /* Against the latest checkpoint, signing a new one if it does not
     * cover the entry yet. */
    rc = lg_ledger_checkpoint_latest(s, &cp, NULL);
    if (rc != 0 || cp.size <= index) {
      lg_ledger_checkpoint_fini(&cp);
      uint64_t n = 0;
      if ((rc = lg_ledger_size(s, &n, err)) != 0) goto done;
      if (index >= n) {
        rc = lg_err_set(err, LG_EINVAL, "条目序号 %llu 超出范围: 账本共有 %llu 个条目",
                        (unsigned long long)index, (unsigned long long)n);
        goto done;
      }
      if ((rc = lg_ledger_checkpoint(s, &cp, err)) != 0) goto done;
    }
    have_cp = true;
    size = cp.size;
  } else {
    have_cp = lg_ledger_checkpoint_at(s, size, &cp, NULL) == 0;
  }
  rc = lg_ledger_prove_inclusion(s, index, size, &p, err);
  if (rc == 0) rc = lg_ledger_entry(s, index, &text, leaf, err);
  if (rc == 0) rc = lg_ledger_root(s, size, root, err);
  if (rc) goto done;
  bool keyed = lg_ledger_keys(s, &keys, NULL) == 0;
  *out = json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:s?, s:s?}", "index", (json_int_t)index, "size",
                   (json_int_t)size, "entry", text, "leaf_hash", b64_json(leaf), "proof",
                   lg_ledger_proof_json(&p), "root", b64_json(root), "checkpoint",
                   have_cp ? cp.note : NULL, "key", keyed ? keys.vkey : NULL);
done:
  lg_free(text);
  lg_ledger_checkpoint_fini(&cp);
  return rc;
}

int lg_ledger_consistency_json(lg_store_t *s, uint64_t from, uint64_t to, json_t **out,
                               lg_err_t *err) {
  *out = NULL;
  lg_ledger_proof_t p;
  lg_ledger_checkpoint_t cp = {0};
  unsigned char r1[32], r2[32];
  int rc = lg_ledger_prove_consistency(s, from, to, &p, err);
  if (rc == 0) rc = lg_ledger_root(s, from, r1, err);
  if (rc == 0) rc = lg_ledger_root(s, to, r2, err);
  if (rc) return rc;
  bool have_cp = lg_ledger_checkpoint_at(s, to, &cp, NULL) == 0;
  *out = json_pack("{s:I, s:I, s:o, s:o, s:o, s:s?}", "from", (json_int_t)from, "to",
                   (json_int_t)to, "proof", lg_ledger_proof_json(&p), "root_from", b64_json(r1),
                   "root_to", b64_json(r2), "checkpoint", have_cp ? cp.note : NULL);
  lg_ledger_checkpoint_fini(&cp);
  return 0;
}

int lg_ledger_witness_bundle(lg_store_t *s, uint64_t from, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_ledger_checkpoint_t cp = {0};
  lg_ledger_keys_t keys;
  json_t *cons = NULL;
  int rc = lg_ledger_checkpoint(s, &cp, err);
  if (rc == 0) rc = lg_ledger_keys(s, &keys, err);
  if (rc == 0 && from > cp.size)
    rc = lg_err_set(err, LG_EINVAL, "起点 %llu 大于当前检查点的大小 %llu", (unsigned long long)from,
                    (unsigned long long)cp.size);
  if (rc == 0) rc = lg_ledger_consistency_json(s, from, cp.size, &cons, err);
  if (rc == 0)
    *out = json_pack("{s:s, s:s, s:I, s:o}", "key", keys.vkey, "checkpoint", cp.note, "size",
                     (json_int_t)cp.size, "consistency", cons);
  lg_ledger_checkpoint_fini(&cp);
  return rc;
}

int lg_ledger_witnessed_json(lg_store_t *s, int limit, json_t **out, lg_err_t *err) {
  lg_stmt_t *st;
  *out = NULL;
  if (lg_store_prepare(s,
                       "SELECT origin, size, root, witnessed_at, note FROM lg_ledger_witnessed"
                       " ORDER BY witnessed_at DESC, id DESC LIMIT ?",
                       &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, limit);
  json_t *a = json_array();
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    unsigned char root[32] = {0};
    if (lg_store_col_bytes(st, 2) == 32) memcpy(root, lg_store_col_blob(st, 2, NULL), 32);
    json_array_append_new(
        a, json_pack("{s:s, s:I, s:o, s:s, s:s}", "origin", lg_store_col_text(st, 0), "size",
                     (json_int_t)lg_store_col_int(st, 1), "root", b64_json(root), "witnessed_at",
                     lg_store_col_text(st, 3), "cosigned", lg_store_col_text(st, 4)));
  }
  lg_store_done(st);
  if (step != LG_DONE) {
    json_decref(a);
    return lg_store_fail(s, err, "读取见证记录失败");
  }
  *out = a;
  return 0;
}
