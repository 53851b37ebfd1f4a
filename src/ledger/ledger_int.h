/* Internals shared by the files of the ledger module. */
#ifndef LG_LEDGER_INT_H
#define LG_LEDGER_INT_H

#include "ledger/ledger.h"

/* Hash of the perfect subtree at `level` (0 = leaves) whose leaves are
 * [index << level, (index + 1) << level). The Merkle algorithms read the
 * tree through this, whether it is stored (log.c) or in memory (merkle.c). */
typedef int (*ledger_node_fn)(void *ctx, int level, uint64_t index, unsigned char out[32],
                              lg_err_t *err);

/* MTH(D[lo:hi]) (RFC 9162 2.1.1) for hi > lo, from perfect subtrees. */
int ledger_range_hash(ledger_node_fn node, void *ctx, uint64_t lo, uint64_t hi,
                      unsigned char out[32], lg_err_t *err);
/* PATH(index, D[0:size]) and PROOF(size1, D[0:size2]) (RFC 9162 2.1.3.1
 * and 2.1.4.1); bounds are checked by the callers. */
int ledger_inclusion(ledger_node_fn node, void *ctx, uint64_t index, uint64_t size,
                     lg_ledger_proof_t *out, lg_err_t *err);
int ledger_consistency(ledger_node_fn node, void *ctx, uint64_t size1, uint64_t size2,
                       lg_ledger_proof_t *out, lg_err_t *err);

/* Calls sodium_init once; false when libsodium cannot start. */
bool ledger_sodium(void);

/* Appends s as a canonical JSON string (RFC 8785 section 3.2.2.2). */
void ledger_json_string(lg_buf_t *out, const char *s, size_t n);

/* A statement of the log (log.c), from the store's cache: give it back
 * with lg_store_done. */
enum {
  LEDGER_ST_SIZE,
  LEDGER_ST_INSERT_ENTRY,
  LEDGER_ST_LEAF,
  LEDGER_ST_NODE,
  LEDGER_ST_INSERT_NODE,
  LEDGER_ST_COUNT
};
lg_stmt_t *ledger_stmt(lg_store_t *s, int which, lg_err_t *err);
/* The stored-tree node reader, for ledger_range_hash and friends. */
int ledger_store_node(void *store, int level, uint64_t index, unsigned char out[32], lg_err_t *err);

/* Signed notes (note.c). */
typedef struct ledger_signer {
  char name[300];
  int type; /* 0x01 log key, 0x04 cosignature key */
  uint32_t key_id;
  unsigned char pub[32];
  unsigned char sk[64]; /* libsodium secret key (seed || public key) */
} ledger_signer_t;
int ledger_load_signer(lg_store_t *s, bool witness, ledger_signer_t *out, lg_err_t *err);
void ledger_signer_wipe(ledger_signer_t *k);
/* The key id of a key: SHA-256(name || 0x0A || type || pub)[:4], big-endian. */
uint32_t ledger_key_id(const char *name, int type, const unsigned char pub[32]);
/* "<name>+<key id hex>+<base64(type || pub)>", into out (at least 600 bytes). */
void ledger_vkey_format(const char *name, int type, const unsigned char pub[32], char *out,
                        size_t n);
/* The checkpoint body "<origin>\n<size>\n<base64 root>\n". */
void ledger_checkpoint_body(lg_buf_t *out, const char *origin, uint64_t size,
                            const unsigned char root[32]);
/* Signs body with a log key: the whole note, body + blank line + line. */
char *ledger_note_sign(const ledger_signer_t *k, const char *body);
/* The cosignature line of a witness key over body at time t. */
char *ledger_cosign_line(const ledger_signer_t *k, const char *body, uint64_t t);
/* Splits a note into its text (through the final newline) and its
 * signature lines; checks the format. *text_len and *sigs point into note. */
int ledger_note_split(const char *note, size_t *text_len, const char **sigs, lg_err_t *err);
/* Parses a checkpoint body into origin, size, root. */
int ledger_checkpoint_parse(const char *text, size_t len, lg_ledger_checkpoint_t *out,
                            lg_err_t *err);

#endif
