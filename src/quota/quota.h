/*
 * quota: the quota bank (指标银行). Until it, a project's quotas were
 * computed by the compliance check and forgotten; here they are held in
 * accounts, one per administrative division (GB/T 2260, province down to
 * county) and kind: new-construction-land plan quota (新增建设用地计划指标,
 * m2), the three dimensions of the cultivated-land balance (耕地占补平衡:
 * area m2, standard grain capacity kg, paddy area m2), the
 * increase-decrease linkage surplus (增减挂钩节余指标, m2), and kinds an
 * administrator adds. Kinds and every tunable value are data
 * (data/quota/default.json, compiled in; a store may save its own
 * document as the setting quota.config).
 *
 * Units. Amounts are integers in their kind's unit: square metres ("m2")
 * or kilograms ("kg"); money is integer fen (分, 1 yuan = 100 fen). Fields
 * of the API and the CLI's JSON say which: "amount" with "unit",
 * "*_fen" for money.
 *
 * The one rule: quotas are conserved (DOMAIN.md section 7). A quota is
 * created only by an allocation from above the store (issued, with its
 * document) or by an accepted project that produced it (a consolidation
 * or reclamation project; until the consolidation module posts these,
 * lg_quota_produce records them with the acceptance document); consumed
 * only by an approval; moved only by an allocation down the levels, a
 * transfer or a trade. Every movement is double-entry: it debits one
 * bucket of one account and credits another by the same amount, in the
 * same transaction as its cause, with its ledger entry (object type
 * "quota.movement", whose object id carries the movement: see
 * lg_quota_reconcile). The buckets of an account: available, reserved
 * (held for a case or a listing), consumed, and the two sources produced
 * and issued; for every kind the sum of available, reserved and consumed
 * over all accounts equals the sum of produced and issued, always.
 *
 * Approvals consume (lg_quota_init registers the case watcher). A case's
 * needs are its compliance check's quotas (the report's "quotas": new
 * construction, cultivated area, paddy; grain capacity when the check or
 * the configuration gives it), rounded to whole units. The check runs
 * when the window accepts the case, so the needs are reserved at the
 * first status change after it (filed -> in review); a need the county's
 * account cannot cover is reserved in part and the rest recorded as
 * short. The approval decision (the case becoming approved or handed
 * over) consumes the reserve, topping it up first; when an account still
 * lacks quota the watcher fails with "县级 (360781) 新增建设用地计划指标
 * 不足, 缺 2,000 平方米 ...", which aborts the approver's action: the
 * task stays open and the case waits. The configuration may let a county
 * draw on its city's or province's available quota (consumption.draw_on).
 * A rejection, veto, prohibition, return, withdrawal or cancellation
 * releases the reserve to where it came from. A kind nobody has ever
 * allocated or produced in this store is not enforced (its needs are
 * recorded, nothing is reserved): a store that has not started its quota
 * bank approves as before. The account is the case's leading county's,
 * or, for a case most of whose boundary lies in an enclave park, the
 * division the park's agreement names.
 *
 * Concurrency: every write happens in one store transaction, and the
 * store serialises writers (SQLite's single writer; a transaction-scoped
 * advisory lock on PostgreSQL), so "check the balance, then spend" holds
 * against any number of concurrent requests; the accounts' CHECK
 * constraints (no bucket below zero) are the last guard.
 *
 * The market. A seller division lists an amount of a tradable kind with
 * a reserve price per unit (the amount moves to its reserved bucket);
 * buyers bid, or an agreement is recorded; settlement moves the amount
 * to the buyer and, in the same transaction, pays a share of the price
 * (market.compensation.rate_bp, 10% by default, rounded half up to the
 * fen) into the seller division's ecological restoration fund, whose
 * receipts and spending (against consolidation or restoration projects)
 * are entries of their own. Caps as data: per trade, per buyer per year,
 * per seller per year (seed 000 §2.3.2: against speculation), and kinds
 * or regions excluded by policy.
 *
 * Enclave parks (飞地经济, seed 000 §2.3.3): an agreement between a
 * source and a host division for a park (features of a layer), who bears
 * which costs, how tax revenue and GDP are shared by agreement year
 * (ratios as data), whose quota the park's approvals consume; an annual
 * settlement from the park's figures (from the industrial-land module
 * through lg_quota_enclave_figures_source when it is there, otherwise
 * recorded figures).
 *
 * Allocation by stock disposed (增存挂钩, seed 002 §3.2.2): a proposal of
 * next year's allocation for each county from its stock-land figures
 * (approved-but-unsupplied land digested, idle land disposed) and the
 * rates of the configuration. The figures come from the stock module
 * through lg_quota_stock_source when it registers one, otherwise from
 * figures recorded with lg_quota_stock_record.
 *
 * Permissions: the policy resource "quota" (migration 140): read by
 * jurisdiction for staff; create (allocate, produce, list, bid, record an
 * agreement or figures) and act (transfer, withdraw, settle, spend) by
 * jurisdiction for approvers; admin (kinds, the configuration) for the
 * administrator whose jurisdiction holds the whole store. Functions that
 * take `who` check it themselves (who NULL or the console: no check);
 * lists take a filter (lg_auth_filter_t, NULL: everything). The market's
 * open listings are shown to everyone who may read quota anywhere: a
 * market is a notice board.
 */
#ifndef LG_QUOTA_H
#define LG_QUOTA_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* Registers the case watcher (lg_cases_watch "quota"). Call once at
 * start-up, before stores are used (as lg_cases_register_handlers);
 * calling it again does no harm. */
void lg_quota_init(void);

/* ---- Configuration ------------------------------------------------------ */

/* The built-in configuration (data/quota/default.json), static. */
const char *lg_quota_config_default_json(void);
/* The store's configuration: the setting quota.config when saved, else
 * the built-in; validated. New reference. */
int lg_quota_config(lg_store_t *s, json_t **out, lg_err_t *err);
/* Validates a configuration document; errors name the field. */
int lg_quota_config_check(const json_t *cfg, lg_err_t *err);
/* Validates and saves a configuration (the setting quota.config) with its
 * ledger entry (object type "quota.config", id "quota.config"). */
int lg_quota_config_save(lg_store_t *s, const char *json, const lg_subject_t *who, lg_err_t *err);

/* ---- Kinds ------------------------------------------------------------------ */

typedef struct lg_quota_kind {
  char code[32];
  char title[128];
  char unit[8]; /* "m2" or "kg" */
  bool tradable;
  bool builtin; /* from the configuration; else added by an administrator */
} lg_quota_kind_t;

/* A kind by code; LG_EINVAL naming the known kinds when there is none. */
int lg_quota_kind_get(lg_store_t *s, const char *code, lg_quota_kind_t *out, lg_err_t *err);
/* Every kind: [{code, title, unit, unit_title, tradable, builtin, basis}]. */
int lg_quota_kinds(lg_store_t *s, json_t **out, lg_err_t *err);
/* Adds a kind (code: 2-31 of a-z, 0-9, _), with its ledger entry (object
 * type "quota.kind"). Store-wide administration. */
int lg_quota_kind_add(lg_store_t *s, const lg_subject_t *who, const lg_quota_kind_t *k,
                      const char *basis, lg_err_t *err);

/* ---- Movements ---------------------------------------------------------------- */

typedef struct lg_quota_op {
  const char *kind;
  int64_t amount;       /* > 0, in the kind's unit */
  const char *from;     /* allocate: the division above that gives (NULL or "state":
                           issued from above the store); transfer: the payer */
  const char *to;       /* the receiving division (produce: the producing one) */
  int year;             /* plan year; 0: this year (Beijing) */
  const char *document; /* document number (文号): required to allocate and to produce */
  const char *project;  /* produce: the accepted project ("code name") */
  const char *note;
} lg_quota_op_t;

/* Allocation: from a division to one within it (the level above gives
 * to the level below; any level may be skipped), or, with from NULL or
 * "state", quota issued to `to` from above the store. "quota" create on
 * `from` (on `to` when issued). *id: the movement. */
int lg_quota_allocate(lg_store_t *s, const lg_subject_t *who, const lg_quota_op_t *op, int64_t *id,
                      lg_err_t *err);
/* Production by an accepted project (op.to, op.project, op.document).
 * "quota" create on op.to. */
int lg_quota_produce(lg_store_t *s, const lg_subject_t *who, const lg_quota_op_t *op, int64_t *id,
                     lg_err_t *err);
/* Transfer of available quota between two divisions (not to itself).
 * "quota" act on op.from. */
int lg_quota_transfer(lg_store_t *s, const lg_subject_t *who, const lg_quota_op_t *op, int64_t *id,
                      lg_err_t *err);

/* Balances: {"accounts": [{division, kind, unit, available, reserved,
 * consumed, produced}]}, ordered by division and kind; within a division
 * prefix and of a kind (either NULL: all). vis: what the caller may see
 * (NULL: all). */
int lg_quota_balances(lg_store_t *s, const lg_auth_filter_t *vis, const char *within,
                      const char *kind, json_t **out, lg_err_t *err);

typedef struct lg_quota_movement_filter {
  const char *division; /* touching an account within this prefix; NULL: any */
  const char *kind;
  const char *type;
  const char *cause_type;
  const char *cause_id;
  int year;          /* 0: any */
  int64_t before_id; /* > 0: only ids below it (keyset paging) */
  int limit;         /* 0: 100 */
} lg_quota_movement_filter_t;
/* Movements, newest first: {movements: [{id, kind, unit, amount, type,
 * type_title, debit: {division, bucket}, credit: {...}, cause_type,
 * cause_id, year, document, note, actor, role, at, ledger_index}],
 * next_before}. */
int lg_quota_movements(lg_store_t *s, const lg_auth_filter_t *vis,
                       const lg_quota_movement_filter_t *f, json_t **out, lg_err_t *err);
/* One movement with its ledger entry and inclusion proof (as
 * lg_ledger_inclusion_json, against the latest checkpoint: signing one
 * when none covers it needs a writable store). */
int lg_quota_movement_get(lg_store_t *s, int64_t id, bool with_proof, json_t **out, lg_err_t *err);
/* Divisions a movement touches (for its permission): debit and credit. */
int lg_quota_movement_divisions(lg_store_t *s, int64_t id, char debit[16], char credit[16],
                                lg_err_t *err);

/* A case's quota lines: {case_id, code, division, case_division,
 * enclave_id, status, status_title, message, lines: [{kind, title, unit,
 * needed, reserved, consumed, short, tracked}]}; LG_ENOTFOUND when the
 * bank has not seen the case. */
int lg_quota_case(lg_store_t *s, int64_t case_id, json_t **out, lg_err_t *err);

/* ---- The market ------------------------------------------------------------------ */

typedef struct lg_quota_listing_new {
  const char *seller;
  const char *kind;
  int64_t amount;
  int64_t reserve_price_fen; /* per unit (分/平方米 or 分/千克), >= 0 */
  const char *note;
} lg_quota_listing_new_t;

/* Lists quota for sale: its amount moves from the seller's available to
 * its reserved bucket. "quota" create on the seller. */
int lg_quota_list(lg_store_t *s, const lg_subject_t *who, const lg_quota_listing_new_t *l,
                  int64_t *id, lg_err_t *err);
/* Withdraws an open listing: what remains returns to available, open bids
 * lapse. "quota" act on the seller. */
int lg_quota_withdraw(lg_store_t *s, const lg_subject_t *who, int64_t listing_id, lg_err_t *err);
/* A bid on an open listing, at or above its reserve price, within the
 * caps. "quota" create on the buyer. */
int lg_quota_bid(lg_store_t *s, const lg_subject_t *who, int64_t listing_id, const char *buyer,
                 int64_t amount, int64_t unit_price_fen, const char *note, int64_t *id,
                 lg_err_t *err);

typedef struct lg_quota_settle {
  int64_t listing_id;
  int64_t bid_id;         /* > 0: accept this bid; else an agreement: */
  const char *buyer;      /*   the buyer, */
  int64_t amount;         /*   the amount, */
  int64_t unit_price_fen; /*   the price per unit, */
  const char *agreement;  /*   and its number (required) */
} lg_quota_settle_t;
/* Settles a trade: the transfer, the listing's and bid's new state, the
 * ecological compensation into the seller's fund, all in one
 * transaction. "quota" act on the seller. *trade_id may be NULL. */
int lg_quota_settle(lg_store_t *s, const lg_subject_t *who, const lg_quota_settle_t *t,
                    int64_t *trade_id, lg_err_t *err);
/* The compensation of a price: total_fen x rate_bp / 10000, rounded half
 * up to the fen (the rule of market.compensation). */
int64_t lg_quota_compensation_fen(int64_t total_fen, int rate_bp);

/* Listings (status NULL: all), newest first, each with its bids. The
 * filter applies to closed listings; open ones are shown to all who may
 * read. */
int lg_quota_listings(lg_store_t *s, const lg_auth_filter_t *vis, const char *status, json_t **out,
                      lg_err_t *err);
int lg_quota_listing_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* Trades of a year (0: all) where buyer or seller is visible. */
int lg_quota_trades(lg_store_t *s, const lg_auth_filter_t *vis, int year, json_t **out,
                    lg_err_t *err);
int lg_quota_trade_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* Caps used in a year by each visible division and kind: [{division,
 * kind, bought, sold, caps: {per_trade, buyer_year, seller_year}}]. */
int lg_quota_caps(lg_store_t *s, const lg_auth_filter_t *vis, int year, json_t **out,
                  lg_err_t *err);

/* ---- Ecological restoration funds ----------------------------------------------------- */

/* Funds of visible divisions: [{division, receipts_fen, spending_fen,
 * balance_fen, entries: [{id, type, amount_fen, trade_id, project, note,
 * at, actor}]}]; one division when division is given. */
int lg_quota_funds(lg_store_t *s, const lg_auth_filter_t *vis, const char *division, json_t **out,
                   lg_err_t *err);
/* Spending from a division's fund on a consolidation or restoration
 * project; not more than its balance. "quota" act on the division. */
int lg_quota_fund_spend(lg_store_t *s, const lg_subject_t *who, const char *division,
                        int64_t amount_fen, const char *project, const char *note, int64_t *id,
                        lg_err_t *err);

/* ---- Enclave parks --------------------------------------------------------------------- */

typedef struct lg_quota_enclave_new {
  const char *name;
  const char *source;     /* 飞出地 */
  const char *host;       /* 飞入地, where the park lies */
  const char *park_layer; /* the layer of the park's boundary (may be NULL) */
  int64_t park_fid;       /* one feature of it; 0: every feature */
  const char *quota_from; /* "source" or "host": whose quota the park's approvals consume */
  const json_t *costs;    /* {cost item: "source" | "host" | "shared"} */
  const json_t *shares;   /* [{from_year, to_year, source, host}]; NULL: the configuration's */
  int start_year;
  int end_year; /* 0: open */
  const char *agreement_no;
  const char *agreement_path; /* the signed agreement, a file (may be NULL), */
  const void *agreement_data; /* or its bytes (an upload), with its name */
  size_t agreement_len;
  const char *agreement_name;
} lg_quota_enclave_new_t;

/* Records an agreement (with its file through src/files). "quota" create
 * on the host. */
int lg_quota_enclave_add(lg_store_t *s, const lg_subject_t *who, const lg_quota_enclave_new_t *e,
                         int64_t *id, lg_err_t *err);
int lg_quota_enclaves(lg_store_t *s, const lg_auth_filter_t *vis, json_t **out, lg_err_t *err);
/* One agreement with its figures and settlements. */
int lg_quota_enclave_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* Records a year's figures of the park (tax revenue and GDP in fen).
 * "quota" create on the host. */
int lg_quota_enclave_record(lg_store_t *s, const lg_subject_t *who, int64_t id, int year,
                            int64_t tax_fen, int64_t gdp_fen, int enterprises, lg_err_t *err);
/* Settles a year: the figures (from the registered source when it has
 * them, else the recorded ones) shared by the ratio of that agreement
 * year; to the fen, the two parts summing to the whole. Once per year.
 * "quota" act on the host. *out (may be NULL) receives the settlement. */
int lg_quota_enclave_settle(lg_store_t *s, const lg_subject_t *who, int64_t id, int year,
                            json_t **out, lg_err_t *err);

/* Extension point for the industrial-land module: the park's figures of
 * a year from the per-mu data of its enterprises. *found false: none. */
typedef int (*lg_quota_enclave_figures_fn)(lg_store_t *s, int64_t enclave_id,
                                           const char *park_layer, int64_t park_fid, int year,
                                           int64_t *tax_fen, int64_t *gdp_fen, int *enterprises,
                                           bool *found, void *ud, lg_err_t *err);
void lg_quota_enclave_figures_source(lg_quota_enclave_figures_fn fn, void *ud);

/* ---- Allocation by stock disposed (增存挂钩) --------------------------------------------- */

typedef struct lg_quota_stock_figures {
  char division[16];
  int year;                       /* the year the land was disposed */
  int64_t unsupplied_digested_m2; /* approved-but-unsupplied land digested (批而未供消化) */
  int64_t idle_disposed_m2;       /* idle land disposed (闲置土地处置) */
  char source[16];                /* "recorded", "stock" */
} lg_quota_stock_figures_t;

/* Extension point for the stock module: the figures of the counties
 * within a division for a year. *out is allocated with lg_malloc (the
 * caller frees); n 0 when it has none. */
typedef int (*lg_quota_stock_fn)(lg_store_t *s, const char *within, int year,
                                 lg_quota_stock_figures_t **out, size_t *n, void *ud,
                                 lg_err_t *err);
void lg_quota_stock_source(lg_quota_stock_fn fn, void *ud);
/* Records a county's figures by hand (source "recorded"), with its
 * ledger entry. "quota" create on the county. */
int lg_quota_stock_record(lg_store_t *s, const lg_subject_t *who, const lg_quota_stock_figures_t *f,
                          const char *note, lg_err_t *err);
/* The proposal of year+1's new-construction quota for each county within
 * `within` from year's figures: {year, for_year, rates, basis, counties:
 * [{division, unsupplied_digested_m2, idle_disposed_m2, source,
 * proposed_m2}], total_m2}. proposed = round(unsupplied x rate +
 * idle x rate). */
int lg_quota_proposal(lg_store_t *s, const char *within, int year, json_t **out, lg_err_t *err);

/* ---- What users see at a glance -------------------------------------------------------- */

/* The dashboard of a year for visible divisions: quota gap (new
 * construction needed by cases filed in the year against what was
 * allocated in), idle quota (allocated in and not consumed), the landing
 * rate of major projects (approved among those filed), per division and
 * in total, with the seed's reference figures. */
int lg_quota_dashboard(lg_store_t *s, const lg_auth_filter_t *vis, int year, json_t **out,
                       lg_err_t *err);

/* Reconciliation: every balance recomputed from the movements alone and
 * from the ledger alone (the object ids of its "quota.movement" entries,
 * each entry's leaf hash checked), holds against reserved buckets,
 * conservation per kind; each movement row's digest against its entry.
 * {ok, accounts, movements, ledger_entries, kinds: [{kind, in_hand,
 * consumed, produced, issued}], differences: [{what, division, kind,
 * bucket, stored, from_movements, from_ledger, movement_id, text}]}. */
int lg_quota_reconcile(lg_store_t *s, json_t **out, lg_err_t *err);

/* Settlement statements: one trade (trade_id > 0), or a year's trades
 * (within a division prefix, NULL: all), as a printable Chinese HTML page
 * or an Excel workbook written to path. */
int lg_quota_statement_html(lg_store_t *s, int64_t trade_id, int year, const char *within,
                            lg_buf_t *out, lg_err_t *err);
int lg_quota_statement_xlsx(lg_store_t *s, int64_t trade_id, int year, const char *within,
                            const char *path, lg_err_t *err);

/* ---- Ledger auditors ----------------------------------------------------------------------
 * One per object type the bank records: quota.movement, quota.kind,
 * quota.config, quota.case, quota.listing, quota.bid, quota.trade,
 * quota.fund, quota.enclave, quota.enclave_figures,
 * quota.enclave_settlement, quota.stock_figures. NULL-terminated. */
extern const lg_ledger_auditor_t *const lg_quota_auditors[];

#endif
