/* Internals shared by the files of the cases module. */
#ifndef LG_CASES_INT_H
#define LG_CASES_INT_H

#include "cases/cases.h"
#include "flow/flow.h"

/* Statuses a case may be in; the first four are open (its process runs). */
#define CS_OPEN_STATUSES "'submitted', 'in_review', 'notice', 'approved'"

/* ---- Small helpers (util.c) ------------------------------------------------ */
/* Tells every watcher (lg_cases_watch) that a case went from `from` (NULL:
 * filed) to `to`; the first error stops and is returned. */
int cs_notify(lg_store_t *s, int64_t case_id, const char *from, const char *to, int64_t now,
              const char *actor, lg_err_t *err);
/* Column as JSON: text or null; parsed JSON text or null; number or null. */
json_t *cs_col_text(lg_stmt_t *st, int i);
json_t *cs_col_json(lg_stmt_t *st, int i);
json_t *cs_col_real(lg_stmt_t *st, int i);
json_t *cs_col_int(lg_stmt_t *st, int i);
void cs_bind_text(lg_stmt_t *st, int i, const char *v); /* NULL binds NULL */
/* Compact, key-sorted JSON text; caller frees with lg_free. */
char *cs_json_text(const json_t *v);
/* A JSON value at a dotted path ("notices.supervision.title"), borrowed. */
const json_t *cs_cfg(const json_t *cfg, const char *path);
const char *cs_cfg_str(const json_t *cfg, const char *path, const char *dflt);
/* The checklist of a project type: the default items with the type's own
 * added (an item of the same kind replaces the default one). New array. */
json_t *cs_checklist(const json_t *cfg, const char *type);
/* Joint-review departments of a project type. New array. */
json_t *cs_departments(const json_t *cfg, const char *type);
/* Time limit of a step in working days. */
int cs_time_limit(const json_t *cfg, const char *node);
/* Outcomes a step accepts (borrowed from cfg when it lists the node, else
 * the static fallback for multi-instance or other user tasks). */
json_t *cs_task_actions(const json_t *cfg, const char *node, bool multi);
/* Whether arr (JSON array of strings) holds s. */
bool cs_list_has(const json_t *arr, const char *s);

/* The division named by a candidate group ("reviewer:ecology@360781" ->
 * "360781"), "" when it names none; department and level likewise. */
void cs_group_parts(const char *group, char role[16], char qual[64], char division[16]);

/* ---- Journal, state, ledger (record.c) ------------------------------------- */
/* Appends one row to the case's journal; detail (may be NULL) is stolen. */
int cs_event(lg_store_t *s, int64_t case_id, int64_t at, const char *actor, const char *role,
             const char *event, int64_t task_id, const char *node, json_t *detail, lg_err_t *err);
/* The case's state as the ledger records it and the audit recomputes. */
int cs_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* Appends a "case" ledger entry with the case's current state (inside the
 * caller's transaction). */
int cs_record(lg_store_t *s, int64_t id, int64_t at, const char *actor, const char *role,
              const char *action, lg_err_t *err);
/* The next number of a counter (case codes per county and year, document
 * numbers per approving division and year), inside a transaction. */
int cs_counter_next(lg_store_t *s, const char *kind, const char *scope, int year, int64_t *out,
                    lg_err_t *err);
/* Adds "holders" (who can act) and "unattended" to each task of a case's
 * JSON (staff.c). */
int cs_tasks_holders(lg_store_t *s, json_t *tasks, lg_err_t *err);
/* The year of instant t in Beijing time. */
int cs_year(int64_t t);

/* ---- Keeping a case in step with its process (sync.c) --------------------- */
/* Mirrors the instance's tasks into lg_case_steps (each with its due time
 * from the configured time limits) and derives the case's status; a
 * changed status is journalled and recorded on the ledger. Inside the
 * caller's transaction. */
int cs_sync(lg_store_t *s, int64_t case_id, int64_t now, const char *actor, lg_err_t *err);
/* The case whose process is instance inst (LG_ENOTFOUND when none). */
int cs_case_of_instance(lg_store_t *s, int64_t inst, int64_t *case_id, lg_err_t *err);
/* The case with this code (the instance's business key). */
int cs_case_of_code(lg_store_t *s, const char *code, int64_t *case_id, lg_err_t *err);

#endif
