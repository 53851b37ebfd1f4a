/* Internals shared by the files of the stock module. */
#ifndef LG_STOCK_INT_H
#define LG_STOCK_INT_H

#include <jansson.h>

#include "auth/auth.h"
#include "geo/geo.h"
#include "ledger/ledger.h"
#include "stock/stock.h"
#include "store/store.h"

/* The module's two feature layers; their fid is the id of the row in
 * lg_stock_approvals / lg_stock_supplies. The third holds the unsupplied
 * remainders of the last refresh. */
#define STK_APPROVALS "stock_approvals"
#define STK_SUPPLIES "stock_supplies"
#define STK_UNSUPPLIED "stock_unsupplied"

/* ---- Small helpers (util.c) ---------------------------------------------- */
/* "YYYY-MM-DD" of a day, "" for LG_STOCK_NODATE; out[11]. */
void stk_date_str(int32_t day, char out[11]);
/* A column holding "YYYY-MM-DD" (or NULL) as a day number. */
int32_t stk_col_date(lg_stmt_t *st, int i);
/* Binds a day as "YYYY-MM-DD", or NULL. */
void stk_bind_date(lg_stmt_t *st, int i, int32_t day);
void stk_bind_text(lg_stmt_t *st, int i, const char *v); /* NULL or "" binds NULL */
/* A column as JSON: text (or null), real, int, date. */
json_t *stk_col_text(lg_stmt_t *st, int i);
json_t *stk_col_real(lg_stmt_t *st, int i);
json_t *stk_date_json(int32_t day);
/* Today's Beijing date. */
int32_t stk_today(void);
/* The Beijing date of an ISO 8601 UTC time, or NODATE. */
int32_t stk_date_of_iso(const char *iso);
/* Rounds to 2 decimals (yuan and fen), to 4 (hectares). */
double stk_round(double v, int decimals);
/* Whole years from a to b (b >= a), by anniversaries. */
int stk_full_years(int32_t a, int32_t b);
/* A division code for scope comparisons: normalised, or as given. */
void stk_division(const char *code, char out[16]);

/* ---- Configuration (config.c) -------------------------------------------- */
/* The configuration in force (setting stock.config, else the built-in
 * one), parsed once per text; borrowed, valid until the process ends. */
int stk_config(lg_store_t *s, const json_t **cfg, lg_err_t *err);
const json_t *stk_cfg(const json_t *cfg, const char *path); /* "idle.fee_rate" */
const char *stk_cfg_str(const json_t *cfg, const char *path, const char *dflt);
double stk_cfg_num(const json_t *cfg, const char *path, double dflt);
/* Title of a status, a government cause, an Article 12 method, an act, a
 * document kind ("" when unknown). */
const char *stk_title(const json_t *cfg, const char *group, const char *code);
/* The entry of a code in an array group ("government_causes"), or NULL. */
const json_t *stk_cfg_code(const json_t *cfg, const char *group, const char *code);

/* ---- The store's layers (layers.c) --------------------------------------- */
/* The stock layers' CRS (0 when they do not exist yet). */
int stk_layer_srs(lg_store_t *s, lg_err_t *err);
/* Makes the approvals and supplies layers when they do not exist: in the
 * setting project_srs, else in srs_hint (which must be projected). Call
 * inside a transaction. *srs receives the layers' CRS. */
int stk_layers_ensure(lg_store_t *s, int srs_hint, int *srs, lg_err_t *err);
/* A polygonal geometry made ready for a stock layer: transformed into
 * srs, polygonal parts only, MultiPolygon, valid. New geometry (caller
 * frees) or NULL with err naming `what`. */
lg_geom_t *stk_geom_prepare(lg_geo_t *g, const lg_geom_t *in, int from_srs, int srs,
                            const char *what, lg_err_t *err);
/* Writes (or replaces) the feature of an approval or a supply with fid id;
 * fields: the layer's attributes as text, in order (NULL entries null; a
 * numeric field is given as text too). */
int stk_feature_put(lg_store_t *s, const char *layer, int64_t id, lg_geo_t *g,
                    const lg_geom_t *geom, const char *const *fields, int nfields, lg_err_t *err);
/* SHA-256 (hex) of the WKB of a feature as the layer serves it, "" when
 * it has none; out[65]. */
int stk_feature_sha(lg_store_t *s, const char *layer, int64_t id, char out[65], lg_err_t *err);
/* The same digest of a geometry about to be written (its WKB as
 * lg_geom_to_wkb gives it, which is what the layer then serves). */
void stk_geom_sha(lg_geo_t *g, const lg_geom_t *geom, char out[65]);

/* ---- Ledger states and entries (audit.c) --------------------------------- */
json_t *stk_approval_state(lg_store_t *s, int64_t id, lg_err_t *err);
json_t *stk_supply_state(lg_store_t *s, int64_t id, lg_err_t *err);
json_t *stk_visit_state(lg_store_t *s, int64_t id, lg_err_t *err);
json_t *stk_act_state(lg_store_t *s, int64_t id, lg_err_t *err);
json_t *stk_plan_state(lg_store_t *s, int64_t id, lg_err_t *err);
/* Appends the entry of an object's new state (object types stock_approval,
 * stock_supply, stock_visit, stock_act, stock_plan). */
int stk_record(lg_store_t *s, const lg_subject_t *who, const char *action, const char *type,
               int64_t id, const char *division, lg_err_t *err);

/* ---- Supplies as of a date (eval.c) -------------------------------------- */
typedef struct stk_supply {
  int64_t id;
  char no[64], project[256], division[16], location[256], holder[256], land_use[64], method[32];
  double declared_m2, area_m2, price_yuan, term_years;
  int32_t contract_on, agreed_delivery, agreed_start, agreed_completion;
  int32_t actual_delivery, actual_start, actual_completion;
  int64_t approval_id, case_id;
  /* The latest visit on or before the date. */
  int32_t visit_on;
  bool have_progress;
  double developed_m2, invested_wan, total_wan;
  int32_t stopped_since;
  char cause[256];
  /* Acts on or before the date. */
  int32_t investigate_on, answer_on, determine_on, publish_on, hearing_notice_on,
      hearing_request_on, hearing_on, fee_decision_on, fee_paid_on, recovery_decision_on,
      recovered_on, exception_on, art12_on;
  char exception_cause[32], art12_method[32];
  int32_t art12_new_start;
  double fee_decided_yuan, fee_paid_yuan;
  /* What the law makes of it (lg_stock_classify), and its ledger entries. */
  lg_stock_verdict_t v;
  lg_stock_entry_t unused, idle;
} stk_supply_t;

typedef LG_VEC(stk_supply_t) stk_supplies_t;

/* Every supply (or the one of id > 0) within the scope, as of a date:
 * rows, the latest visit and the acts up to that date, the verdict and
 * the ledger entries. */
int stk_supplies_load(lg_store_t *s, const lg_stock_query_t *q, int64_t id, stk_supplies_t *out,
                      lg_err_t *err);
/* The facts lg_stock_classify takes, from a loaded supply. */
void stk_supply_facts(const json_t *cfg, const stk_supply_t *p, lg_stock_facts_t *f);
/* The ledger entries of a loaded supply whose verdict is set. */
void stk_supply_entries(const json_t *cfg, const lg_stock_rules_t *rules, stk_supply_t *p,
                        int32_t as_of);

/* ---- Approvals as of a date (eval.c) ------------------------------------- */
typedef struct stk_approval {
  int64_t id;
  char no[128], name[256], kind[16], division[16], source[16];
  int32_t approved_on, revoked_on;
  double declared_m2, area_m2, covered_m2, unsupplied_m2;
  int nsupplies;
  int32_t last_supply_on;
  int64_t case_id;
  int age_years;
  lg_stock_entry_t entry;
} stk_approval_t;
typedef LG_VEC(stk_approval_t) stk_approvals_t;
int stk_approvals_load(lg_store_t *s, const lg_stock_query_t *q, int64_t id, stk_approvals_t *out,
                       lg_stock_unsupplied_stats_t *stats, lg_err_t *err);

/* The bureau's plan for an entry (the latest recorded on or before the
 * date), else the configured default; fills the entry's plan fields. */
int stk_plans_apply(lg_store_t *s, const json_t *cfg, const char *kind, int64_t object_id,
                    int32_t as_of, lg_stock_entry_t *e, lg_err_t *err);

/* The SQL condition of a query's scope on a table alias's division
 * column, with its parameters from ?1 (kind), ?2 (division), ?3 (the
 * division filter prefix). */
#define STK_SCOPE_SQL(col)                                                                         \
  "(?1 = 'all' OR (?1 = 'jurisdiction' AND " col " LIKE ?2 || '%'))"                               \
  " AND (?3 = '' OR " col " LIKE ?3 || '%')"
void stk_bind_scope(lg_stmt_t *st, const lg_stock_query_t *q);

/* ---- Documents (documents.c) --------------------------------------------- */
/* Issues the document of an act: numbers it, renders its printable HTML
 * and stores it (files, owner stock_act), in the caller's transaction. */
int stk_document_issue(lg_store_t *s, const json_t *cfg, const lg_subject_t *who,
                       const stk_supply_t *p, int64_t act_id, const char *doc_kind, int32_t on,
                       double amount, char doc_no[128], int64_t *file_id, lg_err_t *err);

#endif
