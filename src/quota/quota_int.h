/*
 * Internals shared by the files of the quota module: the configuration
 * lookups, the one function that posts a movement (q_post), holds,
 * permission checks, JSON of rows, and small helpers.
 */
#ifndef LG_QUOTA_INT_H
#define LG_QUOTA_INT_H

#include "ledger/ledger.h"
#include "quota/quota.h"

/* Buckets of an account (the columns of lg_quota_accounts). available,
 * reserved and consumed are balances a credit raises; produced and
 * issued are the sources of quota (what projects produced, what came from
 * above the store) that a debit raises. Every movement debits one bucket
 * and credits another by the same amount, so for every kind
 *   sum(available + reserved + consumed) = sum(produced + issued). */
enum { QB_AVAILABLE, QB_RESERVED, QB_CONSUMED, QB_PRODUCED, QB_ISSUED, QB_N };
extern const char *const q_bucket_names[QB_N];
int q_bucket_of(const char *name); /* -1 when unknown */

/* Who acts: a person's login and role, or "system". */
typedef struct q_actor {
  char login[64];
  char role[16];
} q_actor_t;
void q_actor_of(const lg_subject_t *who, const char *fallback, q_actor_t *out);

/* A movement to post. */
typedef struct q_move {
  const char *kind;
  int64_t amount;
  const char *type; /* issue, allocate, produce, reserve, draw, release, consume,
                       transfer, list, withdraw, trade */
  const char *debit_division;
  int debit_bucket; /* QB_* */
  const char *credit_division;
  int credit_bucket;
  const char *cause_type; /* "case", "listing", "trade", ...; may be NULL */
  const char *cause_id;
  int year;
  const char *document;
  const char *note;
} q_move_t;

/* Posts a movement inside the caller's transaction: opens the accounts it
 * touches, debits and credits them (an overdraft fails with LG_ECONFLICT:
 * callers check first, so that their message names the shortfall), writes
 * the movement row and its ledger entry (object type "quota.movement").
 * *id (may be NULL) receives the movement's id. */
int q_post(lg_store_t *s, const q_actor_t *by, const q_move_t *m, int64_t *id, lg_err_t *err);

/* The ledger object id of a movement, which carries the movement itself
 * so that balances can be recomputed from the ledger alone:
 *   "<id as 12 digits>:<kind>:<amount>:<debit division>.<bucket>><credit division>.<bucket>" */
void q_movement_object_id(int64_t id, const char *kind, int64_t amount, const char *dd,
                          const char *db, const char *cd, const char *cb, char out[160]);
/* Parses one; false when it is not of that form. */
bool q_movement_object_parse(const char *oid, int64_t *id, char kind[32], int64_t *amount,
                             char dd[16], char db[16], char cd[16], char cb[16]);

/* One account's buckets. */
typedef struct q_account {
  int64_t b[QB_N];
  bool exists;
} q_account_t;
int q_account_get(lg_store_t *s, const char *division, const char *kind, q_account_t *out,
                  lg_err_t *err);
/* Whether any account of the kind exists in the store (the bank is in use
 * for that kind). */
int q_kind_in_use(lg_store_t *s, const char *kind, bool *used, lg_err_t *err);

/* Holds: quota reserved for a cause (a case, a listing), per source
 * account it was taken from. */
typedef struct q_hold {
  char source[16];
  char holder[16];
  int64_t amount;
} q_hold_t;
typedef LG_VEC(q_hold_t) q_holds_t;
int q_holds_get(lg_store_t *s, const char *cause_type, const char *cause_id, const char *kind,
                q_holds_t *out, lg_err_t *err);
/* Adds delta (may be negative) to a hold, creating it. */
int q_hold_add(lg_store_t *s, const char *cause_type, const char *cause_id, const char *kind,
               const char *source, const char *holder, int64_t delta, lg_err_t *err);

/* ---- Configuration (config.c) --------------------------------------------- */
/* The kind's entry of the configuration, or NULL for a kind added by an
 * administrator (or unknown). */
const json_t *q_cfg_kind(const json_t *cfg, const char *code);
/* Integer at a dotted path, or def. */
int64_t q_cfg_int(const json_t *cfg, const char *path, int64_t def);
const json_t *q_cfg(const json_t *cfg, const char *path);
/* The unit's Chinese name ("平方米"). */
const char *q_unit_title(const char *unit);

/* ---- Permission ------------------------------------------------------------ */
/* may who do action on resource "quota" at division? who NULL, or the
 * console (landgov run on the server), may do anything. LG_EPERM with
 * lg_auth_require's message otherwise. */
int q_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
              lg_err_t *err);
/* The store-wide administration of the bank (kinds, the configuration):
 * "quota" admin over the store's whole division. */
int q_require_admin(lg_store_t *s, const lg_subject_t *who, lg_err_t *err);

/* ---- Checks of input --------------------------------------------------------- */
/* A division code for an account: normalised, province down to county
 * (2, 4 or 6 significant digits), its province one of GB/T 2260's.
 * what names the field in the message. */
int q_division(const char *code, char out[16], const char *what, lg_err_t *err);
int q_amount(int64_t amount, const char *what, lg_err_t *err);
/* "县级 (360781)", "市级 (3607)", "省级 (36)". */
void q_division_label(const char *division, char out[48]);
/* "12,345 平方米" */
void q_fmt_amount(int64_t v, const char *unit, char out[64]);
/* "1,234.56 元" from fen. */
void q_fmt_fen(int64_t fen, char out[64]);
/* The Beijing year of a time. */
int q_year_of(int64_t t);
void q_now_iso(char out[32]);

/* ---- Rows as JSON (shared with the auditors) ----------------------------------- */
json_t *q_col_text(lg_stmt_t *st, int i);
json_t *q_col_int_or_null(lg_stmt_t *st, int i);
/* Appends a ledger entry for object (type, id) with state. */
int q_record(lg_store_t *s, const q_actor_t *by, const char *action, const char *object_type,
             const char *object_id, const char *jurisdiction, json_t *state, lg_err_t *err);

/* State JSON of the module's objects, as recorded and as audited. */
int q_listing_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
int q_bid_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
int q_case_state(lg_store_t *s, int64_t case_id, json_t **out, lg_err_t *err);
int q_enclave_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);

/* A schedule of enclave shares: [{from_year, to_year (null: open),
 * source, host}], agreement years counted from 1, positive integer
 * ratios, the periods in order without gaps or overlaps. (enclave.c) */
int q_shares_check(const json_t *shares, const char *where, lg_err_t *err);

/* Auditor scans (their files). */
int q_audit_kinds(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_config(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);

/* The case watcher (cases.c). */
int q_case_watch(lg_store_t *s, int64_t case_id, const char *from, const char *to, int64_t now,
                 const char *actor, void *ud, lg_err_t *err);

/* Which enclave park a case lies in (most of its boundary inside the
 * park's features), if any: *enclave_id 0 when none. (enclave.c) */
int q_enclave_of_case(lg_store_t *s, const json_t *case_json, int64_t *enclave_id,
                      char quota_division[16], lg_err_t *err);

#endif
