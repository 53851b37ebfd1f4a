/* Internals shared by the files of the auth module. */
#ifndef LG_AUTH_INT_H
#define LG_AUTH_INT_H

#include <sodium.h>

#include "auth/auth.h"
#include "ledger/ledger.h"

/* Columns of lg_users that auth_user_row reads, in its order; the table
 * must be aliased u. */
#define AUTH_USER_COLS                                                                             \
  "u.id, u.login, u.name, u.role, u.dept, u.level, u.division, u.enterprise, u.disabled, "         \
  "u.created_at, u.pw_changed_at"
#define AUTH_USER_NCOLS 11

/* Longest password accepted: argon2 does not care, but a megabyte sent to
 * the login form should be refused before it is hashed. */
#define AUTH_PASSWORD_MAX 1024
/* Seconds between refreshes of a session's idle clock (a write each). */
#define AUTH_TOUCH_S 60
/* Days login attempts are kept for audit before they are pruned. */
#define AUTH_ATTEMPTS_KEEP_S (90 * 86400)

/* sodium_init (thread-safe, idempotent); false when it failed. */
bool auth_sodium(void);
/* Prepares a statement on the store's connection, filling err on failure. */
/* An integer from lg_settings that is not an administrator's setting (the
 * password hash's cost, which tests lower), clamped to [min, max]. */
int64_t auth_setting_int(lg_store_t *s, const char *key, int64_t def, int64_t min, int64_t max);
/* Copies a text column into a fixed buffer ("" for NULL). */
void auth_col_text(lg_stmt_t *st, int col, char *out, size_t n);
/* Reads AUTH_USER_COLS starting at column col0. */
void auth_user_row(lg_stmt_t *st, int col0, lg_user_t *u);
/* 32 random bytes as base64url without padding (43 characters). */
void auth_random_token(char out[64]);
/* SHA-256 of a token's text: what the store keeps instead of the token. */
void auth_token_hash(const char *token, unsigned char out[32]);
/* True when s is exactly n characters of the base64url alphabet. */
bool auth_is_b64url(const char *s, size_t n);
/* Lower-cases a login into out[64]; false when it is not a valid login
 * (2-63 of a-z 0-9 . _ - @, starting with a letter or digit). out holds
 * the lower-cased, truncated text either way (for throttling). */
bool auth_login_norm(const char *login, char out[64]);
/* An argon2id hash string of password under the store's settings. */
int auth_hash_password(lg_store_t *s, const char *password, char out[crypto_pwhash_STRBYTES],
                       lg_err_t *err);
/* Whether a stored hash was made with other parameters than the current
 * settings, or another algorithm (then a successful login rehashes). */
bool auth_needs_rehash(lg_store_t *s, const char *hash);
/* Ends every session of a user (inside or outside a transaction). */
int auth_end_sessions(lg_store_t *s, int64_t user_id, lg_err_t *err);
/* Appends the ledger entry of an administrative change (inside the
 * caller's transaction): actor and role from by (NULL: "system"), the
 * object's type, id, division and new state. */
int auth_record(lg_store_t *s, const lg_subject_t *by, const char *action, const char *type,
                const char *id, const char *jurisdiction, const json_t *state, lg_err_t *err);
/* The ledger state of a policy cell: {role, resource, action, scope}. */
json_t *auth_policy_state(const char *role, const char *resource, const char *action,
                          const char *scope);

#endif
