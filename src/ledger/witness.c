/*
 * Witnessing between regions. A log alone could show one history to one
 * person and another to someone else (a "split view"); witnesses close
 * that door. This region checks each checkpoint another region's log
 * publishes: that its key signed it (the key recorded on first contact;
 * any other key is refused), and that it extends the last checkpoint of
 * that log witnessed here (a consistency proof). Then it co-signs the
 * checkpoint with its witness key (C2SP tlog-cosignature) and keeps it.
 * A checkpoint that contradicts what was witnessed before is a fork, the
 * one thing a transparency log must never do, and is refused loudly.
 *
 * Each newly witnessed checkpoint is also an entry in this region's own
 * log (object type "witnessed_checkpoint"), so two regions that witness
 * each other anchor each other's history.
 */
#include "ledger/ledger_int.h"

#include <stdio.h>
#include <string.h>

/* The state of a witnessed checkpoint that the entry digests. */
static json_t *witnessed_state(const char *origin, uint64_t size, const unsigned char root[32]) {
  char b64[48];
  lg_ledger_b64(root, 32, b64);
  return json_pack("{s:s, s:I, s:s}", "origin", origin, "size", (json_int_t)size, "root", b64);
}

int lg_ledger_witness_last(lg_store_t *s, const char *origin, uint64_t *size, lg_err_t *err) {
  lg_stmt_t *st;
  *size = 0;
  if (lg_store_prepare(s, "SELECT max(size) FROM lg_ledger_witnessed WHERE origin = ?", &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, origin);
  int rc = LG_ENOTFOUND;
  if (lg_store_step(st) == LG_ROW && lg_store_col_type(st, 0) != LG_COL_NULL) {
    *size = (uint64_t)lg_store_col_int(st, 0);
    rc = 0;
  }
  lg_store_done(st);
  if (rc) lg_err_set(err, rc, "本地区还没有见证过日志 %s 的检查点", origin);
  return rc;
}

/* The log's key as recorded on first contact; *vkey NULL when unknown. */
static int peer_key(lg_store_t *s, const char *origin, char **vkey, lg_err_t *err) {
  lg_stmt_t *st;
  *vkey = NULL;
  if (lg_store_prepare(s, "SELECT vkey FROM lg_ledger_peers WHERE origin = ?", &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, origin);
  if (lg_store_step(st) == LG_ROW) *vkey = lg_strdup(lg_store_col_text(st, 0));
  lg_store_done(st);
  return 0;
}

/* Runs one statement whose parameters are numbered by role: ?1 and ?2
 * text, ?3 an integer, ?4 a 32-byte hash, ?5 and ?6 text. */
static int exec_bind(lg_store_t *s, const char *sql, const char *what, lg_err_t *err,
                     const char *t1, const char *t2, int64_t i3, const unsigned char *b4,
                     const char *t5, const char *t6) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, sql, &st, err)) return LG_EDB;
  /* Numbers the statement does not use are not bound (the store ignores them). */
  lg_store_bind_text(st, 1, t1);
  lg_store_bind_text(st, 2, t2);
  lg_store_bind_int(st, 3, i3);
  if (b4) lg_store_bind_blob(st, 4, b4, 32);
  lg_store_bind_text(st, 5, t5);
  lg_store_bind_text(st, 6, t6);
  int rc = lg_store_run(st, what, err);
  lg_store_done(st);
  return rc;
}

static int witness(lg_store_t *s, const char *vkey, const char *note,
                   const lg_ledger_proof_t *proof, char **cosigned, lg_err_t *err) {
  lg_ledger_checkpoint_t cp = {0};
  ledger_signer_t w = {0};
  char *known = NULL, *line = NULL, *out = NULL;
  char name[256], at[32];
  int type;
  unsigned char pub[32];
  lg_ledger_proof_t empty = {0};
  json_t *state = NULL;
  lg_time_iso(lg_now(), at);

  char *recorded = NULL;
  int rc = 0;
  if (!vkey) {
    /* The key recorded for the note's log on first contact. */
    size_t text_len;
    const char *sigs;
    rc = ledger_note_split(note, &text_len, &sigs, err);
    if (rc == 0) rc = ledger_checkpoint_parse(note, text_len, &cp, err);
    if (rc == 0) rc = peer_key(s, cp.origin, &recorded, err);
    if (rc == 0 && !recorded)
      rc = lg_err_set(err, LG_EINVAL, "首次见证日志 %s, 须给出其公钥 (经可靠渠道取得, 如 --key)",
                      cp.origin);
    if (rc) goto done;
    vkey = recorded;
  }
  rc = lg_ledger_vkey_parse(vkey, name, &type, pub, err);
  if (rc == 0 && type != 0x01)
    rc = lg_err_set(err, LG_EINVAL, "公钥 %s 是见证者的联署密钥, 不是日志的签名密钥", name);
  if (rc == 0) rc = lg_ledger_note_verify(note, vkey, &cp, err);
  if (rc == 0) rc = peer_key(s, cp.origin, &known, err);
  if (rc) goto done;
  if (known && strcmp(known, vkey) != 0) {
    rc = lg_err_set(err, LG_EPERM,
                    "日志 %s 的公钥已记录为 %s, 本次给出的 %s 是未知的密钥; 拒绝见证 "
                    "(密钥轮换须先由管理员核实)",
                    cp.origin, known, vkey);
    goto done;
  }
  if (!known) {
    rc = exec_bind(s, "INSERT INTO lg_ledger_peers(origin, vkey, added_at) VALUES (?1, ?2, ?5)",
                   "记录对方日志公钥失败", err, cp.origin, vkey, 0, NULL, at, NULL);
    if (rc) goto done;
  }

  /* The last checkpoint of this log witnessed here. */
  lg_stmt_t *st;
  rc = lg_store_prepare(s,
                        "SELECT size, root FROM lg_ledger_witnessed WHERE origin = ?"
                        " ORDER BY size DESC LIMIT 1",
                        &st, err);
  if (rc) goto done;
  lg_store_bind_text(st, 1, cp.origin);
  bool have = false;
  uint64_t last_size = 0;
  unsigned char last_root[32] = {0};
  if (lg_store_step(st) == LG_ROW && lg_store_col_bytes(st, 1) == 32) {
    have = true;
    last_size = (uint64_t)lg_store_col_int(st, 0);
    memcpy(last_root, lg_store_col_blob(st, 1, NULL), 32);
  }
  lg_store_done(st);
  if (have) {
    if (cp.size < last_size) {
      rc = lg_err_set(err, LG_ECONFLICT,
                      "日志 %s 的检查点 (大小 %llu) 小于本地区已见证的 (大小 %llu): "
                      "日志回退或分叉, 拒绝联署",
                      cp.origin, (unsigned long long)cp.size, (unsigned long long)last_size);
      goto done;
    }
    if (cp.size > last_size && (!proof || proof->n == 0)) {
      rc = lg_err_set(
          err, LG_EINVAL,
          "见证日志 %s 的检查点 (大小 %llu) 需要从本地区上次见证的大小 %llu 起的一致性证明",
          cp.origin, (unsigned long long)cp.size, (unsigned long long)last_size);
      goto done;
    }
    lg_err_t e = {0};
    if (lg_ledger_verify_consistency(last_size, cp.size, last_root, cp.root, proof ? proof : &empty,
                                     &e) != 0) {
      rc = lg_err_set(err, LG_ECONFLICT,
                      "日志 %s 的检查点 (大小 %llu) 与本地区已见证的检查点 (大小 %llu) 不一致: "
                      "分叉, 拒绝联署 (%s)",
                      cp.origin, (unsigned long long)cp.size, (unsigned long long)last_size, e.msg);
      goto done;
    }
  }

  /* Co-sign and keep. */
  rc = ledger_load_signer(s, true, &w, err);
  if (rc) goto done;
  size_t text_len;
  const char *sigs;
  if ((rc = ledger_note_split(note, &text_len, &sigs, err)) != 0) goto done;
  char *body = lg_strndup(note, text_len);
  line = ledger_cosign_line(&w, body, (uint64_t)lg_now());
  lg_free(body);
  out = lg_sprintf("%s%s", note, line);
  bool is_new = !have || cp.size > last_size;
  if (is_new) {
    rc =
        exec_bind(s,
                  "INSERT INTO lg_ledger_witnessed(origin, note, size, root, witnessed_at)"
                  " VALUES (?, ?, ?, ?, ?)",
                  "保存见证的检查点失败", err, cp.origin, out, (int64_t)cp.size, cp.root, at, NULL);
    if (rc) goto done;
    /* This region vouched for that log at that size: a state change of
     * its own, recorded in its own log. */
    char id[320];
    snprintf(id, sizeof id, "%s@%llu", cp.origin, (unsigned long long)cp.size);
    state = witnessed_state(cp.origin, cp.size, cp.root);
    lg_ledger_event_t ev = {.actor = "system",
                            .role = "witness",
                            .action = "ledger.witness",
                            .object_type = "witnessed_checkpoint",
                            .object_id = id,
                            .state = state};
    rc = lg_ledger_append(s, &ev, NULL, err);
  } else {
    /* The same checkpoint again: a fresh cosignature, same record. */
    rc = exec_bind(s,
                   "UPDATE lg_ledger_witnessed SET note = ?2, witnessed_at = ?5"
                   " WHERE origin = ?1 AND size = ?3",
                   "保存见证的检查点失败", err, cp.origin, out, (int64_t)cp.size, NULL, at, NULL);
  }
  if (rc == 0 && cosigned) {
    *cosigned = out;
    out = NULL;
  }
done:
  json_decref(state);
  lg_free(recorded);
  ledger_signer_wipe(&w);
  lg_ledger_checkpoint_fini(&cp);
  lg_free(known);
  lg_free(line);
  lg_free(out);
  return rc;
}

int lg_ledger_witness(lg_store_t *s, const char *vkey, const char *note,
                      const lg_ledger_proof_t *proof, char **cosigned, lg_err_t *err) {
  if (cosigned) *cosigned = NULL;
  /* Inside a caller's transaction this is a savepoint; the caller
   * commits or rolls back the whole. */
  bool own = true;
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  rc = witness(s, vkey, note, proof, cosigned, err);
  if (own) {
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
  }
  if (rc && cosigned) {
    lg_free(*cosigned);
    *cosigned = NULL;
  }
  return rc;
}

/* The auditor of witnessed checkpoints: their rows against the entries
 * lg_ledger_witness appended. */
static int scan_witnessed(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT origin, size, root FROM lg_ledger_witnessed", &st, err))
    return LG_EDB;
  int rc = 0, step;
  while (rc == 0 && (step = lg_store_step(st)) == LG_ROW) {
    const char *origin = lg_store_col_text(st, 0);
    uint64_t size = (uint64_t)lg_store_col_int(st, 1);
    unsigned char root[32] = {0};
    if (lg_store_col_bytes(st, 2) == 32) memcpy(root, lg_store_col_blob(st, 2, NULL), 32);
    char id[320];
    snprintf(id, sizeof id, "%s@%llu", origin, (unsigned long long)size);
    json_t *state = witnessed_state(origin, size, root);
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, id, d);
  }
  lg_store_done(st);
  return rc;
}

const lg_ledger_auditor_t lg_ledger_witnessed_auditor = {"witnessed_checkpoint", scan_witnessed};
