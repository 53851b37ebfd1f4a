/*
 * auth: who may do what in landgov. Accounts (users with argon2id password
 * hashes), browser sessions and API tokens, login throttling, and the one
 * policy table from which every permission decision comes.
 *
 * Roles. Staff: clerk (受理窗口, the window that takes applications in),
 * reviewer (部门审查, one department of the joint review), approver (审批,
 * one approval level: county, city or province), admin (管理员). Outside
 * the bureau: applicant (企业申请人, an enterprise that sees and acts on its
 * own cases only) and public (公众, anonymous: public notices and the
 * progress of a case by its code, nothing else).
 *
 * Jurisdiction (行政区划代码, GB/T 2260; townships GB/T 10114): a subject
 * whose division code is D may reach an object whose code is O when O
 * starts with D. A county (6 digits, 360781) sees its own cases and its
 * townships' (9 digits, 360781101); a city (4 digits, 3607) its counties;
 * a province (2 digits, 36) its cities. Six-digit codes written with
 * trailing zeros (360700 for a city, 360000 for a province) and 12-digit
 * statistical codes (360781000000) are normalised first.
 *
 * Policy. lg_auth_policy holds one row (role, resource, action, scope) for
 * every cell; scope is none, own, jurisdiction or all. lg_auth_allowed is
 * the one function that decides; every permission check in landgov calls
 * it (or lg_auth_require, or takes lg_auth_scope for filtering a list).
 * The default table, seeded by migration 40 (src/store/schema.c), where
 * a = all, j = jurisdiction, o = own, - = none, columns read/create/act/admin:
 *
 *   resource   clerk  reviewer approver admin  applicant public
 *   layer      a---   a---     a---     ajjj   ----      ----
 *   feature    a---   a---     a---     ajjj   ----      ----
 *   check      jj--   jj--     jj--     jj-j   oo--      ----
 *   case       jjj-   j---     j---     j--j   ooo-      ----
 *   task       j-j-   j-j-     j-j-     j--j   o-o-      ----
 *   ledger     j---   j---     j---     j--j   o---      ----
 *   user       o-o-   o-o-     o-o-     jjjj   o-o-      ----
 *   rules      a---   a---     a---     ajjj   a---      ----
 *   process    a---   a---     a---     ajjj   a---      ----
 *   notice     ajj-   a---     a---     ajjj   a---      a---
 *   progress   a---   a---     a---     a---   a---      a---
 *   checkpoint a---   a---     a---     a---   a---      a---   (migration 41)
 *   metrics    j---   j---     j---     j--j   ----      ----   (migration 55)
 *   policy     ----   ----     ----     j--j   ----      ----   (migration 42)
 *   setting    ----   ----     ----     j--j   ----      ----   (migration 42)
 *   stock      jjj-   jjj-     jjj-     jjjj   ----      ----   (migration 100)
 *
 * "checkpoint" covers the ledger's signed checkpoints, keys and
 * consistency proofs, which hold hashes and signatures only and which
 * other regions' witnesses fetch without an account; "ledger" covers the
 * entries themselves. "metrics" is the approval measures (审批效能).
 * "policy" is this table and "setting" the tunable settings: both are
 * store-wide, so their admin cell is asked about the store's whole
 * division (lg_auth_store_division): only an administrator whose
 * jurisdiction holds the whole store (the province's, in a provincial
 * deployment) may change them; a county's administrator reads them and
 * manages the accounts of its county.
 *
 * Actions: read (see it), create (make a new one), act (change it: accept
 * a case, complete a task, edit a feature, change one's own password),
 * admin (configure, reassign, drop). Reviewers and approvers act on cases
 * through their tasks; the administrator configures but does not approve.
 *
 * Security rules cited: GB/T 22239-2019 (网络安全等级保护基本要求) 8.1.4.1
 * identity authentication: unique identities, password complexity, limits
 * on failed logins, and automatic logout of idle sessions.
 */
#ifndef LG_AUTH_H
#define LG_AUTH_H

#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

/* ---- Roles, departments, levels, division codes ------------------------- */

#define LG_AUTH_ROLES "clerk", "reviewer", "approver", "admin", "applicant", "public"
#define LG_AUTH_LEVELS "county", "city", "province"
#define LG_AUTH_ACTIONS "read", "create", "act", "admin"

bool lg_auth_role_valid(const char *role);
/* Chinese name for users ("受理窗口"); "" for an unknown role. */
const char *lg_auth_role_title(const char *role);
bool lg_auth_level_valid(const char *level);
const char *lg_auth_level_title(const char *level); /* "县级" */
bool lg_auth_action_valid(const char *action);
/* Whether a department code is in lg_departments (seeded with the joint
 * review's members; a bureau may add its own). *title (may be NULL)
 * receives its Chinese name, caller frees. */
int lg_auth_dept_get(lg_store_t *s, const char *code, bool *found, char **title, lg_err_t *err);

/* Normalises a GB/T 2260 (or GB/T 10114 township, 12-digit statistical)
 * code to its significant digits: "360700" -> "3607", "360000" -> "36",
 * "360781000000" -> "360781", "360781101" stays. LG_EINVAL (naming
 * `what`, e.g. "--division") unless it is 2, 4, 6, 9 or 12 digits with a
 * nonzero province. */
int lg_auth_division_normalize(const char *code, char out[16], const char *what, lg_err_t *err);
/* True when `inner` lies within `outer` (both normalised or normalisable):
 * "3607" contains "360781" and "360781101", not "3608". False for codes
 * that are not valid. */
bool lg_auth_division_within(const char *outer, const char *inner);

/* ---- Subjects and objects ---------------------------------------------- */

/* Who is asking: an authenticated user, or the public. Caller-owned. */
typedef struct lg_subject {
  int64_t user_id; /* 0 for the public */
  char login[64];
  char name[256];
  char role[16];       /* one of LG_AUTH_ROLES */
  char dept[32];       /* reviewers: department code; else "" */
  char level[16];      /* approvers: county, city or province; else "" */
  char division[16];   /* normalised GB/T 2260 code; "" for the public */
  char enterprise[64]; /* applicants: enterprise id; else "" */
  char via[8];         /* how they proved it: "session", "token", or "" */
  int64_t credential;  /* id of the session or API token; 0 for the public */
} lg_subject_t;

/* Fills *out with the anonymous public. */
void lg_auth_subject_public(lg_subject_t *out);

/* What is being reached. Pass NULL to lg_auth_allowed for the collection
 * (may this subject list cases at all? create one somewhere?) or for a
 * thing bound to no division (the rule set, a process definition, a
 * shared layer); any scope but none then allows, and the caller filters
 * a list with lg_auth_scope / lg_auth_filter_make. All fields optional. */
typedef struct lg_object_ref {
  const char *division;   /* GB/T 2260 code of the place it belongs to */
  const char *enterprise; /* enterprise that owns it (an applicant's case) */
  int64_t user_id;        /* the account it belongs to (a user record) */
  /* For a task: to whom it is addressed. Each one set restricts who may
   * act on it (read is governed by scope alone, so that the members of a
   * joint review see each other's opinions). */
  const char *role;  /* a role: "clerk", "applicant" ... */
  const char *dept;  /* a reviewer's department */
  const char *level; /* an approver's level */
  /* A task's candidate groups as the process engine writes them, comma-
   * separated (landgov:candidateGroups after substitution): to act, the
   * subject must match one (lg_auth_group_matches). */
  const char *groups;
} lg_object_ref_t;

/* Whether a subject belongs to a candidate group written
 * role[:qualifier][@division]: the role must be the subject's; the
 * qualifier is a reviewer's department, an approver's level or an
 * applicant's enterprise ("reviewer:ecology@360781", "approver:city@3607",
 * "applicant:91360781MA35XXXX0X", "clerk@360781"); the division, when
 * given, must be the subject's own (the unit at that place, not the one
 * above it). Names that are not roles match no one. */
bool lg_auth_group_matches(const lg_subject_t *who, const char *group);
/* The same for a comma-separated list: true when one matches. */
bool lg_auth_groups_match(const lg_subject_t *who, const char *groups);

enum { LG_SCOPE_NONE, LG_SCOPE_OWN, LG_SCOPE_JURISDICTION, LG_SCOPE_ALL };
const char *lg_auth_scope_name(int scope); /* "none", "own", ... */
int lg_auth_scope_parse(const char *name, int *scope, lg_err_t *err);

/* ---- Decisions ----------------------------------------------------------- */

/* The one decision: may `who` do `action` on `resource` (obj as above)?
 * *allowed receives the answer; the return value is an error only when
 * the question is malformed (unknown role, action, or a resource with no
 * row in the policy table: LG_EINVAL) or the store fails. Missing rows
 * deny. */
int lg_auth_allowed(lg_store_t *s, const lg_subject_t *who, const char *resource,
                    const char *action, const lg_object_ref_t *obj, bool *allowed, lg_err_t *err);
/* The same, with a denial turned into LG_EPERM and a message naming who,
 * what and where ("受理窗口 zhang (360781) 无权审批 案件 (行政区 360782)"). */
int lg_auth_require(lg_store_t *s, const lg_subject_t *who, const char *resource,
                    const char *action, const lg_object_ref_t *obj, lg_err_t *err);
/* The scope the policy grants (LG_SCOPE_*), for filtering lists. */
int lg_auth_scope(lg_store_t *s, const lg_subject_t *who, const char *resource, const char *action,
                  int *scope, lg_err_t *err);
/* Whether a granted scope reaches obj for this action (the part of
 * lg_auth_allowed that needs no store; obj NULL as above). */
bool lg_auth_scope_reaches(const lg_subject_t *who, int scope, const char *action,
                           const lg_object_ref_t *obj);
/* What a scope lets a subject see of a list, as typed values a module
 * turns into its own SQL (its tables are its own): kind is "all",
 * "jurisdiction" (rows whose division code starts with division), "own"
 * (rows of enterprise) or "none". Every module writes the same condition
 * with placeholders, for example
 *   (?1 = 'all' OR (?1 = 'jurisdiction' AND c.division LIKE ?2 || '%')
 *    OR (?1 = 'own' AND c.enterprise = ?3))
 * and binds kind, division and enterprise. A jurisdiction without a valid
 * code, or own without an enterprise, is "none". */
typedef struct lg_auth_filter {
  const char *kind;    /* "all", "jurisdiction", "own", "none" (static strings) */
  char division[16];   /* normalised GB/T 2260 code, for jurisdiction */
  char enterprise[64]; /* for own */
} lg_auth_filter_t;
void lg_auth_filter_make(const lg_subject_t *who, int scope, lg_auth_filter_t *out);

/* Who makes an administrative change, for its ledger entry: `landgov`
 * run on the server (role "console", which no permission question
 * accepts) under the name given (NULL or "": "console"). */
void lg_auth_subject_console(lg_subject_t *out, const char *name);

/* Editing the table (an admin page or command). Refuses grants to the
 * public other than read, and scopes that make no sense for it. The change
 * and its ledger entry (object type "policy", id "role:resource:action",
 * state {role, resource, action, scope}) are one transaction; by: who
 * made it (NULL: "system"). Who may call it is the caller's question
 * (lg_auth_store_division). */
int lg_auth_policy_set(lg_store_t *s, const char *role, const char *resource, const char *action,
                       const char *scope, const lg_subject_t *by, lg_err_t *err);
typedef struct lg_policy_row {
  char role[16], resource[32], action[16], scope[16];
} lg_policy_row_t;
/* Every row, ordered by role, resource, action. Caller frees *rows with lg_free. */
int lg_auth_policy_list(lg_store_t *s, lg_policy_row_t **rows, size_t *n, lg_err_t *err);
/* The scope the seed (migrations 40, 41, 42, 55) gives a cell, as
 * lg_auth_scope_name spells it; NULL for a cell no migration seeds. The
 * ledger audit takes a cell that was never changed through landgov to be
 * right only when it still holds this. */
const char *lg_auth_policy_default(const char *role, const char *resource, const char *action);

/* ---- Store-wide administration ----------------------------------------- */

/* The division the whole store serves: the setting auth.store_division
 * when it is set (a county running its own store: its code); else the
 * province all accounts belong to (a store serves one province at most:
 * ARCHITECTURE.md), "" when they span several or there are none. "" means
 * nobody's jurisdiction holds the whole store until the setting says
 * which it is. */
int lg_auth_store_division(lg_store_t *s, char out[16], lg_err_t *err);
/* Whether `who` may change a store-wide thing, resource "policy" or
 * "setting": the policy's admin cell of that resource, asked about the
 * store's division. LG_EPERM naming who and the division otherwise (and
 * how to set it when it is not known). */
int lg_auth_require_store_wide(lg_store_t *s, const lg_subject_t *who, const char *resource,
                               lg_err_t *err);
/* Resources whose rows decide who administers the store ("policy",
 * "setting"): changed from the server's console only (landgov policy),
 * so that no administrator hands the table to others over the web. */
bool lg_auth_policy_console_only(const char *resource);
/* An administrator never makes an account more powerful than itself,
 * whatever the table says: the admin role only within its own division
 * (a county's administrator may not make a city's or province's). 0 or
 * LG_EPERM. The console may grant anything. */
int lg_auth_grant_check(const lg_subject_t *who, const char *role, const char *division,
                        lg_err_t *err);

/* ---- Settings an administrator may tune ---------------------------------- */

/* The settings themselves are listed in the store's registry
 * (lg_store_setting_defs, src/store/settings.c). */
/* Validates value for key and writes its stored form (integers without
 * leading zeros or sign, division codes normalised) into out. LG_EINVAL
 * naming the key and what it should be (the known keys listed for an
 * unknown one). */
int lg_auth_setting_check(const char *key, const char *value, char out[LG_SETTING_MAX],
                          lg_err_t *err);
/* Validates and saves one setting, with its ledger entry (object type
 * "setting", id the key, state {key, value}) in the same transaction. by:
 * who (NULL: "system"). Who may call it is the caller's question. */
int lg_auth_setting_set(lg_store_t *s, const char *key, const char *value, const lg_subject_t *by,
                        lg_err_t *err);

/* ---- Ledger auditors (landgov ledger audit) -------------------------------
 * Each emits the digest of the state its changes recorded: every account
 * ("user", by login); every policy cell that was changed through landgov
 * or differs from its seed ("policy"); every tunable setting that was
 * changed through landgov or differs from its default ("setting"). A cell
 * or setting still at the value its migration wrote needs no entry. */
int lg_auth_audit_users(lg_store_t *s, int (*emit)(void *, const char *, const unsigned char[32]),
                        void *ctx, lg_err_t *err);
int lg_auth_audit_policy(lg_store_t *s, int (*emit)(void *, const char *, const unsigned char[32]),
                         void *ctx, lg_err_t *err);
int lg_auth_audit_settings(lg_store_t *s,
                           int (*emit)(void *, const char *, const unsigned char[32]), void *ctx,
                           lg_err_t *err);

/* ---- Users --------------------------------------------------------------- */

typedef struct lg_user {
  int64_t id;
  char login[64];
  char name[256];
  char role[16];
  char dept[32];
  char level[16];
  char division[16];
  char enterprise[64];
  bool disabled;
  char created_at[32];    /* ISO 8601 UTC */
  char pw_changed_at[32]; /* ISO 8601 UTC */
} lg_user_t;

/* What lg_auth_user_add needs. Rules: login 2-63 characters of a-z 0-9 .
 * _ - @ (stored lower-case, unique); role one of LG_AUTH_ROLES but public;
 * a reviewer needs a department, an approver a level matching the length
 * of its division (county 6 digits, city 4, province 2), an applicant an
 * enterprise id; everyone a division code. */
typedef struct lg_user_def {
  const char *login;
  const char *name; /* may be NULL */
  const char *role;
  const char *dept;  /* NULL unless reviewer */
  const char *level; /* NULL unless approver */
  const char *division;
  const char *enterprise; /* NULL unless applicant */
  const lg_subject_t *by; /* who makes the change, for its ledger entry; NULL: "system" */
} lg_user_def_t;

/* Checks a new password against the policy (GB/T 22239-2019 8.1.4.1 a:
 * complexity): at least auth.password_min_len (8) characters from at
 * least three of: upper-case, lower-case, digits, other characters. */
int lg_auth_password_acceptable(lg_store_t *s, const char *password, lg_err_t *err);
/* A random password that passes the policy: 16 characters, no look-alikes
 * (0/O, 1/l/I). */
#define LG_AUTH_GEN_PASSWORD_LEN 16
void lg_auth_password_generate(char out[LG_AUTH_GEN_PASSWORD_LEN + 1]);

/* Account changes are appended to the ledger in the transaction that
 * makes them: object type "user", id the login, jurisdiction the
 * account's division, actions user.add, user.disable, user.enable,
 * user.passwd, user.role, user.record; the state is the account as
 * lg_auth_user_state gives it, which holds the fact and time of a password
 * change and nothing of the password. */

/* Adds a user with an argon2id hash of password (libsodium
 * crypto_pwhash_str, OPSLIMIT/MEMLIMIT_INTERACTIVE unless the settings
 * auth.pwhash_ops / auth.pwhash_mem say otherwise, which tests use to
 * stay fast). LG_ECONFLICT when the login is taken. *id may be NULL. */
int lg_auth_user_add(lg_store_t *s, const lg_user_def_t *def, const char *password, int64_t *id,
                     lg_err_t *err);
/* Changes an account's role and place (def->login is ignored; def->by
 * names who). Fields left NULL keep their value while the role stays the
 * same; a new role needs its own field (a reviewer's dept, an approver's
 * level, an applicant's enterprise) and drops the others. The same rules
 * as lg_user_add. A change of role or division ends the account's
 * sessions. LG_ENOTFOUND when there is no such login. */
int lg_auth_user_update(lg_store_t *s, const char *login, const lg_user_def_t *def, lg_err_t *err);
/* The ledger state of an account: {login, name, role, dept, level,
 * division, enterprise, disabled, password_changed_at}. New reference. */
json_t *lg_auth_user_state(const lg_user_t *u);
/* Records in the ledger ("user.record") every account that has no entry
 * yet: accounts made before account changes were recorded. by: who
 * vouches for them. *n (may be NULL) receives how many. */
int lg_auth_users_record(lg_store_t *s, const lg_subject_t *by, size_t *n, lg_err_t *err);
/* LG_ENOTFOUND when there is no such login. */
int lg_auth_user_get(lg_store_t *s, const char *login, lg_user_t *out, lg_err_t *err);
/* Users whose division lies within `within` (NULL: all), by login. Caller
 * frees *users with lg_free. */
int lg_auth_users(lg_store_t *s, const char *within, lg_user_t **users, size_t *n, lg_err_t *err);
/* Disables (or enables) an account. Disabling ends its sessions; its API
 * tokens stop working while it stays disabled. by: who (NULL: "system"). */
int lg_auth_user_set_disabled(lg_store_t *s, const char *login, bool disabled,
                              const lg_subject_t *by, lg_err_t *err);
/* Sets a new password (checked against the policy) and ends the user's
 * sessions. by: who (NULL: "system"). */
int lg_auth_user_passwd(lg_store_t *s, const char *login, const char *password,
                        const lg_subject_t *by, lg_err_t *err);
/* Fills a subject from a user record (via and credential left empty). */
void lg_auth_subject_from_user(const lg_user_t *u, lg_subject_t *out);

/* ---- Sessions ------------------------------------------------------------- */

/* A browser session: the token goes into an HttpOnly, SameSite=Strict
 * cookie; the CSRF token goes to the page, which sends it back in the
 * X-CSRF-Token header of every request that changes something. Only the
 * SHA-256 of the session token is stored. */
#define LG_AUTH_COOKIE "lg_session"
#define LG_AUTH_CSRF_HEADER "X-CSRF-Token"
typedef struct lg_session {
  int64_t id;
  char token[64];     /* the secret (base64url of 32 random bytes) */
  char csrf[64];      /* base64url of 32 random bytes */
  int64_t expires_at; /* absolute end (auth.session_max_s after login) */
} lg_session_t;

/* Logs in. On success fills *sess (may be NULL: then the session is not
 * created, for checking a password only) and *who (may be NULL).
 * Failures: LG_EPERM "用户名或密码错误" for an unknown login or a wrong
 * password alike (the same work is done for both), LG_EPERM naming the
 * disabled account once the password was right, LG_ELIMIT when the login
 * is locked after auth.throttle_max (5) failures within
 * auth.throttle_window_s (900 s), or the address after
 * auth.throttle_address_failures (50) failures on any logins within the
 * same window: the lock lasts auth.throttle_lock_s (900 s), *retry_after
 * (may be NULL) receives the seconds left. A success resets the count of
 * its login, not of its address. address may be NULL (command line,
 * tests): no per-address throttling. Call it outside any transaction: a
 * failed attempt is committed on its own, so that it counts though the
 * login fails. */
int lg_auth_login(lg_store_t *s, const char *login, const char *password, const char *address,
                  lg_session_t *sess, lg_subject_t *who, int *retry_after, lg_err_t *err);
/* Finds the session of a token; LG_EPERM when unknown, ended, past its
 * absolute end or idle longer than auth.session_idle_s (1800 s), or its
 * user is disabled. Refreshes its idle clock (at most once a minute, to
 * spare the writer). *sess may be NULL; its token is filled from `token`. */
int lg_auth_session_lookup(lg_store_t *s, const char *token, lg_subject_t *who, lg_session_t *sess,
                           lg_err_t *err);
/* Ends the session of a token (logout). Unknown tokens are not an error. */
int lg_auth_logout(lg_store_t *s, const char *token, lg_err_t *err);
/* Ends every session of a user. */
int lg_auth_sessions_end_user(lg_store_t *s, int64_t user_id, lg_err_t *err);

/* ---- API tokens for machine clients ------------------------------------- */

/* "lgt_" + base64url of 32 random bytes; sent as "Authorization: Bearer". */
#define LG_AUTH_TOKEN_PREFIX "lgt_"
typedef struct lg_api_token {
  int64_t id;
  char login[64];
  char name[128];
  int64_t created_at, last_used, expires_at, revoked_at; /* 0: never / not yet */
} lg_api_token_t;

/* A new token for a user, shown once in out (only its SHA-256 is kept).
 * expires_at 0: until revoked. */
int lg_auth_token_create(lg_store_t *s, const char *login, const char *name, int64_t expires_at,
                         char out[64], int64_t *id, lg_err_t *err);
/* LG_EPERM when unknown, revoked, expired or its user disabled. */
int lg_auth_token_lookup(lg_store_t *s, const char *token, lg_subject_t *who, lg_err_t *err);
int lg_auth_token_revoke(lg_store_t *s, int64_t id, lg_err_t *err);
/* Tokens of a user (NULL: everyone's), newest first. Caller frees with lg_free. */
int lg_auth_tokens(lg_store_t *s, const char *login, lg_api_token_t **out, size_t *n,
                   lg_err_t *err);

/* ---- For the HTTP middleware --------------------------------------------- */

/* Authenticates a request from its Cookie and Authorization headers
 * (either may be NULL). Neither credential present: the public, 0. A
 * credential present but not valid: LG_EPERM (the client should log in
 * again), never a silent fall-back to the public. *sess (may be NULL)
 * receives the session when a cookie was used. */
int lg_auth_authenticate(lg_store_t *s, const char *cookie, const char *authorization,
                         lg_subject_t *who, lg_session_t *sess, lg_err_t *err);
/* CSRF: a request that may change something (any method but GET, HEAD,
 * OPTIONS) made with a session cookie must carry the session's CSRF token
 * in X-CSRF-Token; API tokens and the public need none (they are not
 * sent by the browser on its own). LG_EPERM when missing or wrong;
 * compared in constant time. */
int lg_auth_csrf_check(const lg_subject_t *who, const lg_session_t *sess, const char *method,
                       const char *header, lg_err_t *err);
/* The session token from a Cookie header ("a=b; lg_session=...").
 * False when absent or malformed. */
bool lg_auth_cookie_token(const char *cookie_header, char out[64]);
/* Set-Cookie values: the session cookie (HttpOnly; SameSite=Strict;
 * Path=/; Secure when secure), and the one that clears it at logout. */
void lg_auth_cookie_set(const lg_session_t *sess, bool secure, char *out, size_t n);
void lg_auth_cookie_clear(bool secure, char *out, size_t n);

#endif
