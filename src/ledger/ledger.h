/*
 * ledger: the verifiable approval ledger (区块链存证). Not a toy blockchain
 * but a transparency log in the manner of Certificate Transparency: an
 * append-only Merkle tree (RFC 6962 / RFC 9162 section 2.1) kept in the
 * store, whose signed tree heads ("checkpoints", C2SP tlog-checkpoint in
 * the C2SP signed-note format) let anyone check, without trusting the
 * bureau's database, that an entry is in the log (inclusion proof) and
 * that the log only ever grew (consistency proof). Other regions witness
 * a bureau's checkpoints and co-sign them (C2SP tlog-cosignature), so the
 * bureau cannot show two different histories to two people.
 *
 * Every state change that a citizen, an enterprise or an auditor may later
 * question is one entry: the canonical JSON of who did what to which
 * object, when, and the SHA-256 digest of the object's new state. Domain
 * modules append it with lg_ledger_append inside the transaction that
 * makes the change, so the change and its entry land together or not at
 * all. `landgov ledger audit` recomputes the digest of every object's
 * current row and compares it with its latest entry, which exposes edits
 * made behind the application's back.
 *
 * Hashes are 32-byte SHA-256 values. Sizes and indexes are leaf counts and
 * 0-based leaf positions, as in RFC 9162.
 */
#ifndef LG_LEDGER_H
#define LG_LEDGER_H

#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

#define LG_LEDGER_HASH_LEN 32
/* Longest proof any tree of up to 2^63 leaves needs (inclusion: 63,
 * consistency: 64), with room to spare for a malformed one to be read and
 * refused rather than cut. */
#define LG_LEDGER_MAX_PROOF 128

/* ---- Hashing (RFC 9162 section 2.1.1) -----------------------------------
 * leaf = SHA-256(0x00 || entry); node = SHA-256(0x01 || left || right);
 * the empty tree's hash is SHA-256 of nothing. */
void lg_ledger_leaf_hash(const void *entry, size_t n, unsigned char out[32]);
void lg_ledger_node_hash(const unsigned char left[32], const unsigned char right[32],
                         unsigned char out[32]);
void lg_ledger_empty_root(unsigned char out[32]);

/* A proof: a list of hashes, leaf side first (RFC 9162 sections 2.1.3 and
 * 2.1.4). Caller-owned storage, no allocation. */
typedef struct lg_ledger_proof {
  size_t n;
  unsigned char hash[LG_LEDGER_MAX_PROOF][32];
} lg_ledger_proof_t;

/* ---- Verifying proofs (needs nothing but the proof) ---------------------
 * RFC 9162 2.1.3.2: 0 when `leaf` at `index` is in the tree of `size`
 * leaves whose root is `root`; LG_EINVAL with a message otherwise. */
int lg_ledger_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[32],
                               const lg_ledger_proof_t *proof, const unsigned char root[32],
                               lg_err_t *err);
/* RFC 9162 2.1.4.2: 0 when the tree of size2 with root2 extends the tree
 * of size1 with root1. size1 == 0 is consistent with anything given an
 * empty proof; size1 == size2 needs an empty proof and equal roots. */
int lg_ledger_verify_consistency(uint64_t size1, uint64_t size2, const unsigned char root1[32],
                                 const unsigned char root2[32], const lg_ledger_proof_t *proof,
                                 lg_err_t *err);

/* ---- Trees held in memory, over an array of leaf hashes -----------------
 * The same algorithms as the stored log, for tools, tests and witnesses
 * that hold a small tree themselves. */
void lg_ledger_mem_root(const unsigned char (*leaves)[32], uint64_t size, unsigned char out[32]);
int lg_ledger_mem_inclusion(const unsigned char (*leaves)[32], uint64_t size, uint64_t index,
                            lg_ledger_proof_t *out, lg_err_t *err);
int lg_ledger_mem_consistency(const unsigned char (*leaves)[32], uint64_t size1, uint64_t size2,
                              lg_ledger_proof_t *out, lg_err_t *err);

/* ---- Canonical JSON and object digests ----------------------------------
 * Canonical JSON in the manner of RFC 8785 (JCS): object members sorted by
 * the UTF-16 code units of their names, no whitespace, strings as UTF-8
 * with only the escapes JSON requires (\" \\ \b \f \n \r \t, other
 * control characters as \u00xx), numbers as ECMAScript prints them
 * (integers exactly, reals in the shortest form that reads back). NaN and
 * infinities are refused (LG_EINVAL). Appends to out. */
int lg_ledger_canonical(const json_t *v, lg_buf_t *out, lg_err_t *err);
/* SHA-256 of the canonical JSON of an object's state: the digest an entry
 * records and the audit recomputes. A deleted object's state is JSON null
 * (pass NULL or json_null()). */
int lg_ledger_digest_json(const json_t *state, unsigned char out[32], lg_err_t *err);

/* ---- Entries ------------------------------------------------------------ */
typedef struct lg_ledger_event {
  const char *actor;        /* who acted: user login, or "system" (required) */
  const char *role;         /* the role under which they acted; NULL: "" */
  const char *jurisdiction; /* administrative division code (行政区划代码); NULL: "" */
  const char *action;       /* what was done, "case.approve" (required) */
  const char *object_type;  /* the kind of object changed, "case" (required) */
  const char *object_id;    /* its id within its kind (required) */
  int64_t time;             /* seconds since the epoch; 0: now (lg_now) */
  /* The object's new state: either its digest (32 bytes, from
   * lg_ledger_digest_json) or the state itself, digested here. Both NULL
   * means the object no longer exists (digest of JSON null). */
  const unsigned char *digest;
  const json_t *state;
} lg_ledger_event_t;

/* The canonical JSON entry for an event, appended to out:
 * {"action","actor","digest","jurisdiction","object_id","object_type",
 * "role","time","v"}: digest as 64 lowercase hex digits, time as ISO 8601
 * UTC ("2026-11-22T09:00:00Z"), v the entry format version (1). */
int lg_ledger_entry_text(const lg_ledger_event_t *ev, lg_buf_t *out, lg_err_t *err);

/* THE call every module uses to record a state change. Appends the entry
 * to the log and extends the Merkle tree. Must be called inside the
 * caller's transaction (lg_store_begin), so that the change and its entry
 * commit or roll back together: without one it fails with LG_EINTERNAL and
 * writes nothing. *index (may be NULL) receives the entry's 0-based
 * position. A caller that gets an error must roll back. Typical use:
 *
 *   if ((rc = lg_store_begin(s, err)) != 0) return rc;
 *   rc = ...UPDATE the case row...;
 *   json_t *state = case_state(s, id);   (the same JSON the auditor builds)
 *   lg_ledger_event_t ev = {.actor = user, .role = role, .jurisdiction = code,
 *                           .action = "case.approve", .object_type = "case",
 *                           .object_id = id, .state = state};
 *   if (rc == 0) rc = lg_ledger_append(s, &ev, NULL, err);
 *   json_decref(state);
 *   if (rc == 0) rc = lg_store_commit(s, err); else lg_store_rollback(s);
 */
int lg_ledger_append(lg_store_t *s, const lg_ledger_event_t *ev, int64_t *index, lg_err_t *err);

/* Number of entries (the tree size). */
int lg_ledger_size(lg_store_t *s, uint64_t *size, lg_err_t *err);
/* Root hash of the tree made of the first `size` entries (size <= the
 * current size; 0 gives the empty-tree hash). O(log n) reads. */
int lg_ledger_root(lg_store_t *s, uint64_t size, unsigned char out[32], lg_err_t *err);
/* Entry `index`: its canonical JSON (*text, caller frees with lg_free;
 * may be NULL) and its stored leaf hash (may be NULL). LG_ENOTFOUND when
 * out of range. */
int lg_ledger_entry(lg_store_t *s, uint64_t index, char **text, unsigned char leaf_hash[32],
                    lg_err_t *err);
/* The entries recorded about one object (a saved check, a case), oldest
 * first: up to max of their indexes into out, and *total (may be NULL) the
 * number there are. None is not an error (*total 0). Read-only. */
int lg_ledger_object_entries(lg_store_t *s, const char *object_type, const char *object_id,
                             uint64_t *out, size_t max, size_t *total, lg_err_t *err);
/* Every entry about objects of one type, oldest first, in one read: fn
 * gets each entry's index, object id, canonical JSON text (len bytes)
 * and stored leaf hash (32 bytes, or NULL when the stored one is not 32
 * bytes). A non-zero return of fn stops the scan and is returned. For
 * modules that recompute what their entries say (the quota bank's
 * reconciliation from the ledger alone). Read-only. */
typedef int (*lg_ledger_entry_fn)(void *ctx, uint64_t index, const char *object_id,
                                  const char *text, size_t len, const unsigned char *leaf_hash);
int lg_ledger_type_entries(lg_store_t *s, const char *object_type, lg_ledger_entry_fn fn, void *ctx,
                           lg_err_t *err);
/* Inclusion proof of entry `index` in the tree of `size` entries, and
 * consistency proof between sizes size1 <= size2. Out-of-range requests
 * fail with LG_EINVAL naming the bounds. O(log n) reads. */
int lg_ledger_prove_inclusion(lg_store_t *s, uint64_t index, uint64_t size, lg_ledger_proof_t *out,
                              lg_err_t *err);
int lg_ledger_prove_consistency(lg_store_t *s, uint64_t size1, uint64_t size2,
                                lg_ledger_proof_t *out, lg_err_t *err);

/* ---- Keys ---------------------------------------------------------------
 * The log's Ed25519 signing key lives beside the store in <db>.ledger.key
 * (mode 0600), in the note signer format
 * "PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>"; the witness key,
 * for co-signing other regions' checkpoints, in <db>.witness.key with
 * type 0x04. Their public halves are recorded in the store's settings so
 * that a lost or swapped key file is noticed instead of silently
 * replaced. Verifier keys are published in the signed-note format
 * "<name>+<key id as 8 hex digits>+<base64(type || public key)>". */
typedef struct lg_ledger_keys {
  char origin[256];       /* the log's name: checkpoint origin and key name */
  char vkey[512];         /* the log's verifier key (type 0x01) */
  char witness_name[300]; /* "<origin>/witness" */
  char witness_vkey[600]; /* the witness's verifier key (type 0x04) */
} lg_ledger_keys_t;

/* Makes sure both keys exist (creating them on first use) and are the
 * ones the store recorded. Idempotent; `landgov init` calls it, and every
 * function that signs calls it. origin: the log's name on creation
 * (NULL: "landgov.example/<db file name>"); if given for an existing log it
 * must match. Needs a writable store. */
int lg_ledger_init(lg_store_t *s, const char *origin, lg_err_t *err);
/* The public keys, from the store's settings (works read-only).
 * LG_ENOTFOUND when the log has no key yet. */
int lg_ledger_keys(lg_store_t *s, lg_ledger_keys_t *out, lg_err_t *err);
/* The key files' paths for a store: caller frees. */
char *lg_ledger_key_path(lg_store_t *s, bool witness);

/* ---- Checkpoints (C2SP tlog-checkpoint, signed-note) --------------------
 *   <origin>\n<size>\n<base64 root>\n\n— <origin> <base64(key id || sig)>\n
 */
typedef struct lg_ledger_checkpoint {
  char origin[256];
  uint64_t size;
  unsigned char root[32];
  char *note;         /* the whole signed note, signature lines included; owned */
  char signed_at[32]; /* when this log signed it, ISO 8601 UTC ("" when unknown) */
} lg_ledger_checkpoint_t;
void lg_ledger_checkpoint_fini(lg_ledger_checkpoint_t *cp);

/* The checkpoint of the current tree: the latest stored one if the tree
 * has not grown since, else a new one, signed now and kept. Before signing
 * it checks that the new tree extends the last signed one (a log must
 * never sign two inconsistent checkpoints); LG_ECONFLICT if not. Opens its
 * own transaction (nested in the caller's, if any). */
int lg_ledger_checkpoint(lg_store_t *s, lg_ledger_checkpoint_t *out, lg_err_t *err);
/* The latest stored checkpoint, or LG_ENOTFOUND (read-only). */
int lg_ledger_checkpoint_latest(lg_store_t *s, lg_ledger_checkpoint_t *out, lg_err_t *err);
/* The stored checkpoint of exactly `size` entries, or LG_ENOTFOUND. */
int lg_ledger_checkpoint_at(lg_store_t *s, uint64_t size, lg_ledger_checkpoint_t *out,
                            lg_err_t *err);

/* Parses a signed checkpoint and verifies the signature of vkey on it: an
 * Ed25519 note key (type 0x01) or an Ed25519 cosignature key (0x04). The
 * key's name must be the origin for a log key. Fails with LG_EINVAL for a
 * malformed note or key, LG_EPERM when the note carries no signature by
 * that key or the signature does not verify. out may be NULL. */
int lg_ledger_note_verify(const char *note, const char *vkey, lg_ledger_checkpoint_t *out,
                          lg_err_t *err);
/* Parses a verifier key: name (buffer of 256), type byte, public key. */
int lg_ledger_vkey_parse(const char *vkey, char name[256], int *type, unsigned char pub[32],
                         lg_err_t *err);

/* ---- Verifying the whole log -------------------------------------------- */
typedef struct lg_ledger_verify_report {
  uint64_t size;              /* entries read */
  unsigned char root[32];     /* root recomputed from the entries */
  uint64_t nodes_checked;     /* stored interior nodes compared */
  uint64_t checkpoints;       /* stored checkpoints checked (signature and root) */
  uint64_t latest_checkpoint; /* size of the latest checkpoint, 0 if none */
  LG_VEC(char *) problems;    /* one Chinese sentence per problem, entry named */
} lg_ledger_verify_report_t;
void lg_ledger_verify_report_fini(lg_ledger_verify_report_t *r);

/* Re-reads every entry, recomputes every leaf and interior hash and
 * compares them with the stored ones, recomputes the root at every stored
 * checkpoint's size and checks each checkpoint's signature with the log's
 * key. Returns 0 when everything agrees; LG_ECONFLICT (err: the first
 * problem) when anything does not, with all problems (at most 100) in r. */
int lg_ledger_verify(lg_store_t *s, lg_ledger_verify_report_t *r, lg_err_t *err);

/* ---- Audit: objects against their latest entries ------------------------
 * Each module that records objects supplies an auditor for its object
 * type: a function that calls emit once per object currently in its
 * tables, with the digest of the object's state computed exactly as when
 * it was recorded (lg_ledger_digest_json of the same JSON shape). The CLI
 * keeps the table of auditors (src/cli/cmd_ledger.c). */
typedef int (*lg_ledger_emit_fn)(void *ctx, const char *object_id, const unsigned char digest[32]);
typedef struct lg_ledger_auditor {
  const char *object_type;
  int (*scan)(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
} lg_ledger_auditor_t;

enum {
  LG_LEDGER_AUDIT_CHANGED = 1, /* row's digest differs from its latest entry's */
  LG_LEDGER_AUDIT_UNRECORDED,  /* a row with no entry at all */
  LG_LEDGER_AUDIT_MISSING,     /* latest entry says it exists, the row is gone */
  LG_LEDGER_AUDIT_BAD_ENTRY,   /* the latest entry itself no longer matches its leaf hash */
};

typedef struct lg_ledger_finding {
  int kind; /* LG_LEDGER_AUDIT_* */
  char object_type[64];
  char object_id[256];
  int64_t entry;     /* index of the object's latest entry; -1 if none */
  char recorded[65]; /* digest in the entry (hex), "" if none */
  char actual[65];   /* digest of the current row (hex), "" if none */
} lg_ledger_finding_t;

typedef struct lg_ledger_audit {
  uint64_t objects; /* rows examined */
  uint64_t types;   /* object types with an auditor */
  LG_VEC(lg_ledger_finding_t) findings;
  LG_VEC(char *) unaudited; /* object types in the log with no auditor */
} lg_ledger_audit_t;
void lg_ledger_audit_fini(lg_ledger_audit_t *a);

/* Runs every auditor of the NULL-terminated table. Returns 0 when the
 * audit ran (findings, if any, are in out), a negative code when it could
 * not run. */
int lg_ledger_audit(lg_store_t *s, const lg_ledger_auditor_t *const *auditors,
                    lg_ledger_audit_t *out, lg_err_t *err);
/* The scan of an auditor whose objects keep the JSON document that was
 * recorded (a saved check's report, a rule set's body): runs sql, whose
 * rows are (object id, JSON text), and emits for each the digest of the
 * parsed document (lg_ledger_digest_json). what names the objects in an
 * error message ("审查记录"). */
int lg_ledger_scan_json_rows(lg_store_t *s, const char *sql, const char *what,
                             lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
/* The auditor of the checkpoints this region witnessed (witness.c); the
 * CLI's table of auditors lists it with the other modules' ones. */
extern const lg_ledger_auditor_t lg_ledger_witnessed_auditor;
/* A short Chinese name of a finding kind ("对象已被改动"). */
const char *lg_ledger_finding_title(int kind);

/* ---- Witnessing other regions' logs --------------------------------------
 * A region witnesses another region's log by checking each new checkpoint
 * of it: the signature by the log's key (recorded on first contact; a
 * different key later is refused), and its consistency with the last
 * checkpoint of that log this region witnessed. Then it co-signs the
 * checkpoint (C2SP tlog-cosignature, Ed25519 "cosignature/v1") with its
 * witness key and keeps it. */

/* The latest checkpoint of `origin` witnessed here: its size (0 and
 * LG_ENOTFOUND when none). */
int lg_ledger_witness_last(lg_store_t *s, const char *origin, uint64_t *size, lg_err_t *err);
/* Witnesses `note` (a checkpoint signed by vkey; NULL: by the key recorded
 * for its log on first contact). proof: the consistency
 * proof from the last witnessed size (lg_ledger_witness_last) to the
 * note's size; NULL or empty when there is none to give (first contact,
 * same size). *cosigned (may be NULL) receives the note with this
 * region's cosignature appended; caller frees. Errors: LG_EINVAL
 * (malformed), LG_EPERM (bad signature; key differs from the one recorded
 * for that log), LG_ECONFLICT (a fork: not consistent with what was seen,
 * or smaller than it). */
int lg_ledger_witness(lg_store_t *s, const char *vkey, const char *note,
                      const lg_ledger_proof_t *proof, char **cosigned, lg_err_t *err);

/* ---- JSON documents (json.c) ---------------------------------------------
 * The shapes the CLI (--json), the HTTP API and the standalone verifier
 * (tools/verify) share. Hashes are standard base64. Returned values are
 * new references. */
json_t *lg_ledger_proof_json(const lg_ledger_proof_t *p);
int lg_ledger_proof_from_json(const json_t *a, lg_ledger_proof_t *out, lg_err_t *err);
/* {origin, size, root, checkpoint (the signed note), signed_at, key} */
json_t *lg_ledger_checkpoint_json(const lg_ledger_checkpoint_t *cp, const char *vkey);
/* {index, size, entry, leaf_hash, proof, root, checkpoint, key}: entry
 * `index` with its inclusion proof. size 0: against the latest checkpoint,
 * signing a new one when none covers the entry (needs a writable store);
 * otherwise against the tree of `size` entries, with the checkpoint of
 * that size if one was signed (else checkpoint is null). */
int lg_ledger_inclusion_json(lg_store_t *s, uint64_t index, uint64_t size, json_t **out,
                             lg_err_t *err);
/* {from, to, proof, root_from, root_to, checkpoint (at `to`, or null)} */
int lg_ledger_consistency_json(lg_store_t *s, uint64_t from, uint64_t to, json_t **out,
                               lg_err_t *err);
/* What another region needs to witness this log offline:
 * {key, checkpoint, size, consistency: {from, to, proof, ...}} for the
 * current checkpoint (signed if needed) and a proof from size `from`. */
int lg_ledger_witness_bundle(lg_store_t *s, uint64_t from, json_t **out, lg_err_t *err);
/* The checkpoints of other logs this region witnessed, newest first:
 * [{origin, size, root, witnessed_at, cosigned}], at most `limit`. */
int lg_ledger_witnessed_json(lg_store_t *s, int limit, json_t **out, lg_err_t *err);

/* ---- Hex and base64 helpers (for the CLI and the API) ------------------- */
void lg_ledger_hex(const unsigned char *b, size_t n, char *out); /* out: 2n+1 */
/* Standard base64 (RFC 4648 section 4); out: at least 4*ceil(n/3)+1. */
void lg_ledger_b64(const unsigned char *b, size_t n, char *out);
/* Decodes standard base64 of exactly n bytes; LG_EINVAL otherwise. */
int lg_ledger_unb64(const char *s, unsigned char *out, size_t n, lg_err_t *err);

#endif
