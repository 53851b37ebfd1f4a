/*
 * cases: construction-land approval cases (建设用地报批案件), the part of
 * landgov that turns the process engine (src/flow) and the compliance
 * check (src/review) into applications people file, accept, review,
 * approve and hand over to land supply.
 *
 * A case is the project's facts (title, type, planned use, applicant
 * enterprise and its credit rating A-D, investment in yuan), its boundary
 * (any format `landgov check` reads: Ministry coordinate file, GeoJSON,
 * WKT, OGR sources) kept as a GeoPackage geometry blob in the CRS it came
 * in, with its SHA-256, planar and ellipsoidal areas, the counties it
 * crosses (computed from the county outline layers, GB/T 2260 codes), the
 * materials checklist of its project type with the state of every item,
 * and one instance of the land-approval process (key land_approval,
 * processes/land-approval.bpmn, deployed on first use) that started with
 * it in the same transaction. Its code is "<county>-<year>-<sequence>"
 * ("360781-2026-000123"), sequential per county and year.
 *
 * Everything tunable is data (data/cases/default.json, compiled in; a
 * store may save its own document as the setting cases.config): the
 * checklists with core and non-core items and the rule each cites, the
 * ratings that may defer non-core materials (容缺: A) and the period, the
 * penalty rate (0.5% of the investment by default, 0.5%-1% allowed), the
 * statutory notices and their periods (pre-announcement 10 working days,
 * compensation plan 30 days), the joint-review departments, each step's
 * time limit in working days, the outcomes each step accepts, the format
 * of approval document numbers, and the county outline layers.
 *
 * Service-task handlers (lg_cases_register_handlers) do the process's
 * real work inside the engine's transaction, each appending a ledger
 * entry for the case (object type "case"):
 *   compliance_check   the review module's check of the boundary under the
 *                      current rule set, saved (it is a "check" entry too);
 *                      mutual recognition (标准互认): a check that already
 *                      passed for the same boundary digest, project type,
 *                      use and rule-set version, made for one of the
 *                      case's counties, is reused, not repeated;
 *                      variable check {verdict, check_id, reused, ...}
 *   approval_authority from the check's authority (Land Administration Law
 *                      art. 44, 46): variable authority {level,
 *                      conversion, expropriation, articles, basis}
 *   notice             a notice row with its statutory period (landgov:kind
 *                      expropriation_pre_announcement, compensation_plan,
 *                      supervision)
 *   penalty            deferred materials not supplied in time: a penalty
 *                      row, investment x rate, with the rule cited
 *   approval_number    the approval document number, sequential per
 *                      approving division and year ("赣自然资用地〔2026〕1号")
 *   handover           marks the case handed over to land supply
 *
 * Every public action is one transaction: the case's rows, the engine's
 * transition and their ledger entries commit together or not at all.
 * Permissions: the caller decides with src/auth (lg_cases_allowed for a
 * case crossing several counties, which belongs to each); lg_cases_create
 * checks "case create" on the county it computed, and lg_cases_act that
 * the subject belongs to one of the task's candidate groups.
 *
 * Time: "now" is lg_now(). A server ticks the engine's timers every
 * second (lg_cases_ticker_start); with LANDGOV_CLOCK_FILE set, each tick
 * first reads that file as the clock (lg_cases_clock_sync), so tests can
 * move time forward.
 */
#ifndef LG_CASES_H
#define LG_CASES_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "flow/flow.h"
#include "store/store.h"

/* ---- Configuration and the default process ------------------------------ */

/* The built-in configuration (data/cases/default.json) and process XML
 * (processes/land-approval.bpmn), static, NUL-terminated. */
const char *lg_cases_config_default_json(void);
const char *lg_cases_process_default_xml(void);
/* The store's configuration: the setting cases.config when one is saved,
 * else the built-in. Validated (rates within their range, every list a
 * list); errors name the field. *out is shared with other callers and
 * threads (parsed once per text): read it, never change it; caller
 * decrefs. */
int lg_cases_config(lg_store_t *s, json_t **out, lg_err_t *err);
/* Deploys the built-in process unless its key (config "process") has a
 * version already: a bureau's own later version is never replaced. */
int lg_cases_ensure_process(lg_store_t *s, lg_err_t *err);

/* Binds the service-task handlers above (process-wide; call at start-up). */
void lg_cases_register_handlers(void);

/* Chinese titles: status ("审查中"), approval level ("省级"), material
 * state ("已容缺"); "" when unknown. */
const char *lg_cases_status_title(const char *status);
const char *lg_cases_level_title(const char *level);
/* The Chinese name of a task action code ("veto": 否决); the code itself when unknown. */
const char *lg_cases_action_title(const char *action);
const char *lg_cases_material_state_title(const char *state);

/* ---- Creating a case ------------------------------------------------------ */

typedef struct lg_case_new {
  const char *title;        /* project name (required) */
  const char *project_type; /* a project type of the rule set ("industrial"; required) */
  const char *use_code;     /* planned use, 2023 land and sea use code; may be NULL */
  const char *enterprise;   /* applicant enterprise id (统一社会信用代码); an
                               applicant's own is used whatever is given */
  const char *applicant;    /* applicant's name; may be NULL */
  const char *rating;       /* credit rating "A".."D" (required) */
  double investment;        /* yuan, >= 0 */
  const char *division;     /* the county that leads the case; NULL: the one
                               holding most of the boundary */
  /* The boundary: a file, or its content (Ministry file, GeoJSON, WKT). */
  const char *boundary_path;
  const char *boundary_data;
  size_t boundary_len;
  const char *boundary_name; /* for messages ("上传的边界文件"); may be NULL */
  int srs_id;                /* EPSG when the source declares none; 0: default */
  int parcel;                /* 1-based parcel of a multi-parcel file; 0: all */
  int max_vertices;          /* refuse larger boundaries (a server's limit); 0: none */
  /* Materials handed in: an array of kinds (strings), or of {"kind",
   * "state"} with state submitted or missing; NULL: every item of the
   * checklist handed in. */
  const json_t *materials;
  /* Joint-review departments (lg_departments codes); NULL: the project
   * type's from the configuration. */
  const json_t *departments;
} lg_case_new_t;

/* Creates a case and starts its process. who: the subject filing it (its
 * login is the actor; an applicant files for its own enterprise only);
 * "case create" is checked on the county computed from the boundary.
 * *id (may be NULL) receives the case id. */
int lg_cases_create(lg_store_t *s, const lg_subject_t *who, const lg_case_new_t *c, int64_t *id,
                    lg_err_t *err);

/* ---- Who a case belongs to -------------------------------------------------- */

#define LG_CASE_MAX_DIVISIONS 16
typedef struct lg_case_ref {
  int64_t id;
  char code[32];
  char division[16];   /* the leading county */
  char enterprise[64]; /* "" when none */
  int64_t user_id;     /* the account that filed it; 0 when none */
  int64_t instance_id;
  char status[24];
  int ndivisions; /* every county it crosses (the leading one included) */
  char divisions[LG_CASE_MAX_DIVISIONS][16];
} lg_case_ref_t;

/* By id, or LG_ENOTFOUND. */
int lg_cases_ref(lg_store_t *s, int64_t id, lg_case_ref_t *out, lg_err_t *err);
/* A case by its id (digits) or its code; LG_ENOTFOUND when none. */
int lg_cases_find(lg_store_t *s, const char *id_or_code, int64_t *id, lg_err_t *err);
/* Whether who may do `action` on the case (resource "case"): a case
 * crossing several counties belongs to each of them. *allowed_division
 * (may be NULL, 16 bytes) receives the division that allowed it. */
int lg_cases_allowed(lg_store_t *s, const lg_subject_t *who, const lg_case_ref_t *c,
                     const char *action, bool *allowed, char *allowed_division, lg_err_t *err);

/* A task of a case, for the permission policy: its case, node, status,
 * candidate groups (comma-separated) and the division its groups name
 * (the "@code" part; the case's leading county when none). */
typedef struct lg_case_task_ref {
  int64_t task_id;
  char node[64];
  char name[256];
  char status[16]; /* "open", "completed", "cancelled" */
  char groups[512];
  char division[16];
  lg_case_ref_t c;
  lg_flow_task_t task; /* the engine's task */
} lg_case_task_ref_t;
/* LG_ENOTFOUND for no such task, or a task of no case. */
int lg_cases_task_ref(lg_store_t *s, int64_t task_id, lg_case_task_ref_t *out, lg_err_t *err);

/* ---- Who can act (staff.c) ---------------------------------------------------- */

/* The enabled accounts able to act on a task ({login, name, role_title}):
 * its assignee, or those matching its candidate groups. New reference. */
int lg_cases_task_holders(lg_store_t *s, int64_t task_id, json_t **out, lg_err_t *err);
/* The open tasks no one can act on ("无人办理") in cases `who` may read:
 * [{task_id, case_id, code, title, name, division, groups, created_at,
 * due_at}]. New reference. */
int lg_cases_unattended(lg_store_t *s, const lg_subject_t *who, json_t **out, lg_err_t *err);
/* An administrator (task admin on the task's county) gives an open task
 * to a named staff account, with a reason; journal, ledger, steps. */
int lg_cases_reassign(lg_store_t *s, const lg_subject_t *who, int64_t task_id, const char *login,
                      const char *reason, lg_err_t *err);

/* ---- Reading ---------------------------------------------------------------- */

typedef struct lg_case_filter {
  const char *status;     /* NULL: any */
  const char *level;      /* approval level: city, province, state_council; NULL: any */
  const char *department; /* an open step offered to this department; NULL: any */
  bool overdue;           /* only cases with an open step, or deferred material, past due */
  const char *division;   /* within this division code (prefix); NULL: any */
  const char *enterprise; /* NULL: any */
  int limit;              /* 0: 100 */
  int offset;
} lg_case_filter_t;

/* Cases, newest first: [{id, code, title, project_type, enterprise,
 * rating, investment, division, divisions, status, status_title, level,
 * level_title, verdict, document_no, created_at, updated_at, current:
 * [step names], overdue}]. who NULL: every case (command line); else the
 * cases the scope (LG_SCOPE_*, from lg_auth_scope for "case" read) lets
 * it see. */
int lg_cases_list(lg_store_t *s, const lg_subject_t *who, int scope, const lg_case_filter_t *f,
                  json_t **out, lg_err_t *err);
/* One case: its row (titles included), divisions with area shares,
 * materials, penalties, notices, steps, open tasks, the process (status,
 * end node, active nodes, pending waits), the check and authority
 * variables and the boundary as GeoJSON (in its CRS). */
int lg_cases_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* The checklist with each item's state: [{kind, name, core, required,
 * basis, state, state_title, due_at, supplied_at, supplied_by}]. */
int lg_cases_materials(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* What happened, oldest first: the engine's history (without its
 * bookkeeping of passing nodes) and the case's own journal, each {at,
 * actor, source: "flow" | "case", event, node, node_name, task_id,
 * detail}. */
int lg_cases_timeline(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* The public's view of a case by its code: {code, title, status,
 * status_title, created_at, decided_at, handed_over_at, document_no,
 * steps: [{name, department(_title), level(_title), status, created_at,
 * completed_at}] on the path the case took (no one's name), notices:
 * [{title, start_at, end_at, period}]}. LG_ENOTFOUND when no case has
 * that code. */
int lg_cases_progress(lg_store_t *s, const char *code, json_t **out, lg_err_t *err);
/* Open tasks offered to one of who's candidate groups or assigned to
 * who, oldest first, each with its case's code, title and division and
 * its step's due time: [{id, node, name, case_id, case_code, case_title,
 * division, candidate_groups, element, created_at, due_at, overdue,
 * actions}]. */
int lg_cases_inbox(lg_store_t *s, const lg_subject_t *who, json_t **out, lg_err_t *err);

/* ---- Acting ----------------------------------------------------------------- */

/* Completes task_id with an action: accept, defer (容缺: rating A,
 * non-core items only; vars.deferred lists them, default all items not
 * handed in) or return at the window; approve or reject at a review or
 * approval step; approve or veto in a joint review or committee; done
 * with vars.objections and vars.members when objections are counted.
 * "supply" delivers the case's deferred materials (as lg_cases_supply,
 * vars.materials). A reason is required for return, reject and veto.
 * who must belong to one of the task's candidate groups (or hold it).
 * vars: only comment, opinion, conditions, objections and members are
 * passed on to the process (a reviewer cannot set the routing). */
int lg_cases_act(lg_store_t *s, const lg_subject_t *who, int64_t task_id, const char *action,
                 const char *reason, const json_t *vars, lg_err_t *err);
/* Records materials handed in later (kinds: an array of strings; NULL:
 * every deferred or missing item). When no deferred item is left and the
 * process waits for them, delivers its message supply_materials. */
int lg_cases_supply(lg_store_t *s, const lg_subject_t *who, int64_t case_id, const json_t *kinds,
                    lg_err_t *err);

/* ---- Watching a case's status ---------------------------------------------------
 * Modules above cases (the quota bank reserving and consuming quota, the
 * stock ledgers recording an approval, monitoring keeping the case layers)
 * learn of a case's status changing through watchers, called inside the
 * transaction that changes it, so what they write commits or rolls back
 * with it; a watcher's error aborts the action (its message is the
 * user's: "the county's quota lacks 2,000 m2"). from is NULL when the case
 * is filed (to "submitted"). Watchers are registered once per process,
 * before stores are used (at most 16). */
typedef int (*lg_cases_watch_fn)(lg_store_t *s, int64_t case_id, const char *from, const char *to,
                                 int64_t now, const char *actor, void *ud, lg_err_t *err);
void lg_cases_watch(const char *name, lg_cases_watch_fn fn, void *ud);

/* ---- Time ------------------------------------------------------------------- */

/* Fires the engine's timers due at now (lg_flow_tick), then brings the
 * status and steps of every open case up to date. */
int lg_cases_tick(lg_store_t *s, int64_t now, int *fired, lg_err_t *err);

/* The injectable clock: when LANDGOV_CLOCK_FILE names a file, reads it and
 * sets landgov's clock (lg_clock_set): Unix seconds ("1772413200"), an ISO
 * 8601 UTC time ("2026-03-02T01:00:00Z"), or an offset from the real clock
 * ("+86400", "-3600"). An empty or missing file means the real clock.
 * Returns the time now in force. */
int64_t lg_cases_clock_sync(void);

/* A thread that syncs the clock and ticks every interval_s seconds (at
 * once too, so timers that fell due while no server ran fire at start),
 * on its own store connection. */
typedef struct lg_cases_ticker lg_cases_ticker_t;
int lg_cases_ticker_start(const char *db_path, double interval_s, lg_cases_ticker_t **out,
                          lg_err_t *err);
/* Stops and joins the thread; accepts NULL. */
void lg_cases_ticker_stop(lg_cases_ticker_t *t);

/* ---- Measures of the approval marathon (metrics.c) ----------------------------
 * What seed 000 (§1.1-1.2) measures of land approval, computed from the
 * cases' own step rows (lg_case_steps): approval nodes passed per case
 * (7.2 in the seed), time per approval level and per department, the
 * share of time spent in coordination (joint review and committee: 42% in
 * the seed), steps past their time limit (time_limits of the case
 * configuration), the daily load of each department against a threshold
 * (14.2 items/day against 10 in the seed, §1.2.1 (2)), and steps where a
 * case waits with nobody acting (流程空转, §1.2.2, §2.2.3).
 *
 * Time is given twice: in hours (clock time) and in working days (the
 * part of the interval that falls on working days of the calendar in
 * lg_work_calendar, Beijing dates, in days of 24 hours: a step opened
 * Thursday 09:00 and closed Monday 09:00 took 2 working days and 96
 * hours). Shares are of working time. Parallel steps (the departments of
 * a joint review) count once: the time of a level, a department or of
 * coordination is the union of its steps' intervals.
 *
 * A step's level: the approver level its candidate group names (county,
 * city, province), ministry and state_council for the default process's
 * Task_Ministry and Task_StateCouncil (registered by the province, spent
 * at the Ministry and the State Council), else by its division code (6
 * digits county, 4 city, 2 province). Its department: a reviewer's
 * department, else natural_resources (the window and the approvers are
 * the natural-resources authority of their level, Land Administration Law
 * art. 5). A department's unit is department@division ("ecology@360781").
 *
 * Load: the cases a unit handled (completed a step of) on a Beijing
 * calendar day, each case once however many of its steps the unit
 * completed that day: the seed's 14.2 is a processing volume (日均处理量)
 * of approval items. Arrivals (cases whose step reached the unit that
 * day) are reported beside it.
 *
 * Settings (lg_settings, defaults written by migration 55; landgov
 * metrics set KEY VALUE):
 *   metrics.load_threshold      10  items a unit may handle per day before
 *                                   it counts as overloaded (seed 000
 *                                   §1.2.1 (2): the OECD critical value of
 *                                   10 items/day)
 *   metrics.idle_days           5   working days a step may wait with
 *                                   nobody acting before it is flagged
 *                                   流程空转 (one working week: the county
 *                                   review's own limit, half the joint
 *                                   review's, so long-limit steps left
 *                                   untouched show before they fall due)
 *   metrics.coordination_nodes  Task_Joint,Task_Committee
 */
typedef struct lg_case_metrics_settings {
  int load_threshold;
  int idle_days;
  char coordination_nodes[512]; /* comma-separated task ids of the process */
} lg_case_metrics_settings_t;

/* The settings in force; a stored value that is not valid is logged and
 * replaced by its default. */
int lg_cases_metrics_settings(lg_store_t *s, lg_case_metrics_settings_t *out, lg_err_t *err);
/* Validates and saves one setting (key as above) through
 * lg_auth_setting_set, so the change is in the ledger; by: who (NULL:
 * "system"). LG_EINVAL names the key. */
int lg_cases_metrics_setting_set(lg_store_t *s, const char *key, const char *value,
                                 const lg_subject_t *by, lg_err_t *err);

typedef struct lg_case_metrics_opts {
  const char *from, *to;   /* the period, Beijing dates "YYYY-MM-DD" inclusive;
                              NULL: the 30 days ending today */
  const char *division;    /* only cases and units within this division; NULL: all */
  const lg_subject_t *who; /* NULL: everything (command line); else what scope
                              (LG_SCOPE_*, lg_auth_scope for "metrics" read) reaches */
  int scope;
  int load_threshold; /* 0: the setting */
  int idle_days;      /* 0: the setting */
  int max_cases;      /* rows of the case list; 0: 100 */
} lg_case_metrics_opts_t;

/* The measures over a period, for the cases that belong (lg_case_divisions)
 * to the scope and were open at some time in it, every interval cut to
 * the period (and to now): {period, scope, settings, summary, levels,
 * departments, load, overdue, idle, cases, warnings}. The nodes and the
 * elapsed time of cases concluded in the period are whole-life figures.
 * Load counts the units within the scope. */
int lg_cases_metrics(lg_store_t *s, const lg_case_metrics_opts_t *o, json_t **out, lg_err_t *err);
/* One case's measures over its whole life so far: {id, code, status,
 * created_at, ended_at, elapsed, nodes, levels, departments,
 * coordination, waiting, overdue, idle, steps}. */
int lg_cases_metrics_case(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);

/* Working time of [a, b): seconds of it that fall on working days of cal
 * (Beijing dates). */
double lg_cases_work_seconds(const lg_workcal_t *cal, int64_t a, int64_t b);

/* ---- Ledger audit ------------------------------------------------------------
 * Calls emit once per case (object type "case", id = case id) with the
 * digest of its state (row, materials, penalties, notices) computed as
 * when it was recorded; the CLI's table of auditors lists it. */
int lg_cases_audit_scan(lg_store_t *s,
                        int (*emit)(void *ctx, const char *object_id,
                                    const unsigned char digest[32]),
                        void *ctx, lg_err_t *err);

#endif
