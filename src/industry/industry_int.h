/*
 * Internals of the industry module shared by its files: who acts and
 * whether they may, the configuration's pieces, numbers and dates checked
 * as a person wants to be told, and ledger entries.
 */
#ifndef LG_INDUSTRY_INT_H
#define LG_INDUSTRY_INT_H

#include "industry/industry.h"
#include "ledger/ledger.h"

/* Whether who is the console or the system (no permission question). */
bool ind_is_console(const lg_subject_t *who);
/* May who do action on an object of this division ("" or NULL: the
 * store's own)? The console and the system always may. */
int ind_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
                lg_err_t *err);
/* The ledger entry of an object's new state (state is stolen). */
int ind_record(lg_store_t *s, const lg_subject_t *who, const char *action, const char *type,
               int64_t id, const char *division, json_t *state, lg_err_t *err);
void ind_now_iso(char out[32]);

/* A path in the configuration ("permu.cap.value"), or NULL. */
const json_t *ind_cfg(const json_t *cfg, const char *path);
double ind_cfg_num(const json_t *cfg, const char *path, double dflt);

/* A date "YYYY-MM-DD" checked, what naming it in the message. */
int ind_date(const char *text, const char *what, int32_t *day, lg_err_t *err);
/* A number >= 0 (finite), what naming it. */
int ind_nonneg(double v, const char *what, lg_err_t *err);
/* Rounds to n decimals (half away from zero), for figures people read. */
double ind_round(double v, int n);
/* A number field of j; LG_EINVAL naming it when missing or not a number. */
int ind_json_num(const json_t *j, const char *key, const char *title, double *v, lg_err_t *err);
/* Rows of a query with one parameter (text when text is not NULL, else
 * the integer id), as objects by column name, JSON columns (conditions,
 * actuals, items, result_json) parsed; NULL with err on failure. */
json_t *ind_rows(lg_store_t *s, const char *sql, int64_t id, const char *text, lg_err_t *err);
/* The state of a recorded object (type industry.parcel, .commitment,
 * .acceptance, .figures, .evaluation) as its ledger entry holds it, built
 * from its row; NULL with err (LG_ENOTFOUND). */
json_t *ind_state(lg_store_t *s, const char *type, int64_t id, lg_err_t *err);

/* The stored parcel (with conditions parsed) and its commitment, as
 * objects by column name; NULL with err (LG_ENOTFOUND when none). */
json_t *ind_parcel_row(lg_store_t *s, int64_t id, lg_err_t *err);
json_t *ind_commitment_row(lg_store_t *s, int64_t parcel_id, lg_err_t *err);

/* Records figures (lg_industry_figures_add); lines (may be NULL): each
 * row's number in file, for messages. */
int ind_figures_add(lg_store_t *s, const lg_subject_t *who, const lg_industry_figures_t *rows,
                    size_t n, const int64_t *lines, const char *file, lg_err_t *err);

/* The mu of an area in m2. */
static inline double ind_mu(double m2) { return m2 / LG_INDUSTRY_M2_PER_MU; }

#endif
