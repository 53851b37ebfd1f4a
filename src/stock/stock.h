/*
 * stock: land after approval (批后监管). What happens to land once a case
 * is handed over: it is supplied (供地) or not, built on or not; seed 002
 * (§4.2, §4.3) and seed 000 (§1.2) say this is where most land is lost,
 * and bureaus keep the ledgers by hand. landgov keeps them from its own
 * records, on the map and on the ledger:
 *
 *   approvals  批准用地: every handed-over case (a watcher on the cases
 *              module), historic approvals from a layer (landgov import
 *              --role approval, then landgov stock import --layer) or a
 *              sheet; boundary, 批准文号, date, approved area.
 *   supplies   供地: the supply records as the land-market monitoring
 *              system (土地市场动态监测与监管系统) exports them, each with
 *              its parcel from a boundary file or a layer, matched by
 *              电子监管号; or made from a handed-over case.
 *   visits     site visits (进度核查): developed area, investment made of
 *              the total, construction stopped since, photos (files).
 *   acts       every step of the procedure of the Measures on the
 *              Disposal of Idle Land (闲置土地处置办法, Order 53, 2012):
 *              investigation notice, the owner's answer, government causes
 *              (art. 8) and their disposal (art. 12), determination,
 *              publication, hearing notice, fee decision, fee paid,
 *              recovery decision, recovery; numbered documents.
 *
 * The three ledgers are computed, never typed, and always "as of" a date
 * (default today) so that last year's position reproduces: what was
 * recorded with a date up to then counts, nothing after.
 *
 *   批而未供 (unsupplied)  per approval, the approved area not covered by
 *       supplied parcels (a spatial difference, by the fast overlay of
 *       src/geo, GEOS where it cannot decide), its age, digestion rates
 *       per county and year, and the 增存挂钩 figure (approvals older than
 *       5 years with unsupplied land reduce next year's quota).
 *   供而未用 (unused)      supplies whose agreed start date has passed
 *       without a start (动工, art. 30).
 *   闲置土地 (idle)        Order 53 art. 2, 8, 12, 14.
 *
 * Every entry has a disposal method, a responsible unit and a deadline
 * (the bureau's plan, or the configured default); it is struck off (销号)
 * only by the act that disposed of it (a supply, a start, a fee paid, a
 * recovery, an extension, a revocation), never by deleting it.
 *
 * Thresholds, rates and periods are data (data/stock/default.json, or the
 * setting stock.config), each citing its article. Permissions: policy
 * resource "stock" (a county sees its own). Ledger object types:
 * stock_approval, stock_supply, stock_visit, stock_act, stock_plan.
 */
#ifndef LG_STOCK_H
#define LG_STOCK_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* A date that is not there (day numbers as lg_date_from_ymd gives them). */
#define LG_STOCK_NODATE INT32_MIN

/* Registers the module with the cases module (the watcher that makes an
 * approval of every handed-over case). Call once per process before
 * stores are used, as lg_cases_register_handlers is. */
void lg_stock_init(void);

/* The configuration in force as a new JSON reference (setting
 * stock.config, else data/stock/default.json as built in). */
int lg_stock_config(lg_store_t *s, json_t **out, lg_err_t *err);
const char *lg_stock_config_default_json(void);

/* ---- Order 53: a parcel's status on a date -------------------------------
 * Pure functions of the facts and the rules, for the ledgers and the
 * tests. Periods count as Civil Code art. 201-203 do: a year from day D
 * is full at the end of D's anniversary (a year from 2020-03-01 is full
 * at 24:00 on 2021-03-01; from 2020-02-29, on 2021-02-28). */
typedef struct lg_stock_rules {
  int not_started_years;                  /* art. 2: 1 */
  int stopped_years;                      /* art. 2: 1 */
  int recover_years;                      /* art. 14 (2): 2 */
  int64_t developed_num, developed_den;   /* art. 2: under 1/3 */
  int64_t investment_num, investment_den; /* art. 2: under 25/100 */
  int64_t fee_num, fee_den;               /* art. 14 (1): 20/100 of the price */
  char articles[6][4][8];                 /* per status (order of lg_stock_statuses), up to 4 */
} lg_stock_rules_t;

/* The six statuses, in this order: not_due, under_construction,
 * completed, government_delay, idle_fee, idle_recover. */
extern const char *const lg_stock_statuses[6];
/* The rules of a configuration (lg_stock_config); LG_EINVAL naming the
 * key when one is missing or not sensible. */
int lg_stock_rules_from(const json_t *cfg, lg_stock_rules_t *out, lg_err_t *err);

typedef struct lg_stock_facts {
  int32_t agreed_start;          /* 约定开工时间 (required) */
  int32_t started;               /* 动工 (art. 30), recorded or seen at a visit; NODATE */
  int32_t completed;             /* 竣工; NODATE */
  double area_m2;                /* 应动工开发建设用地总面积: the parcel */
  bool have_progress;            /* a visit measured developed area and investment */
  double developed_m2;           /* 开发建设用地面积 at the latest visit */
  double invested;               /* 已投资额 (any unit, as total) */
  double total_investment;       /* 总投资额; 0: unknown (the share is not judged) */
  int32_t stopped_since;         /* 中止开发建设 since, at the latest visit; NODATE */
  double price_yuan;             /* 出让或者划拨价款 */
  int32_t exception_on;          /* government cause verified (art. 8); NODATE */
  const char *exception_article; /* "8(1)" ...; NULL: "8" */
  int32_t art12_on;              /* its disposal decided (art. 12); NODATE */
  const char *art12_article;     /* "12(1)" ... */
  bool art12_closes;             /* paid recovery, exchange: the parcel leaves the owner */
  int32_t new_start;             /* the start date agreed anew (art. 12, last paragraph); NODATE */
} lg_stock_facts_t;

typedef struct lg_stock_verdict {
  const char *status;      /* one of lg_stock_statuses (static) */
  int32_t effective_start; /* the agreed start in force (after art. 12) */
  int32_t idle_since;      /* idle: the day idle time is counted from (the
                              agreed start, or the day construction stopped);
                              else NODATE */
  int32_t idle_from;       /* idle: the first day it counts as idle (a full
                              year after idle_since); government delay: the
                              day the cause was verified; else NODATE */
  int32_t next_change;     /* the day the status changes if nothing else
                              happens; NODATE when it will not */
  bool overdue;            /* not started and the agreed start has passed */
  bool below_share;        /* started, and under 1/3 developed or 25% invested */
  double fee_yuan;         /* idle_fee: the idle-land fee due (art. 14 (1)); else 0 */
  int narticles;
  char articles[8][16]; /* the articles the status rests on */
} lg_stock_verdict_t;

/* The status as of a day (see the top of this file and data/stock). */
void lg_stock_classify(const lg_stock_rules_t *r, const lg_stock_facts_t *f, int32_t as_of,
                       lg_stock_verdict_t *out);
/* The day n years after day (month end kept inside a shorter month). */
int32_t lg_stock_add_years(int32_t day, int n);
/* A date as sheets write it (lg_formats_sheet_date), or LG_EINVAL. */
int lg_stock_date_parse(const char *text, int32_t *day);

/* ---- Queries ------------------------------------------------------------- */
typedef struct lg_stock_query {
  int32_t as_of;     /* the day the ledgers are computed for (0: today) */
  const char *scope; /* "all", "jurisdiction" (lg_auth_filter_make), "none" */
  char scope_division[16];
  const char *division; /* only this division and what it contains; NULL: any */
  const char *status;   /* only entries of this status (idle) or state ("open",
                           "struck"); NULL: any */
  const char *q;        /* text in a number, name or holder; NULL: any */
} lg_stock_query_t;

/* A query for who (NULL: the console, everything) with the scope the
 * policy grants it for "stock" read. */
int lg_stock_query_for(lg_store_t *s, const lg_subject_t *who, lg_stock_query_t *q, lg_err_t *err);

/* An entry of a ledger. */
typedef struct lg_stock_entry {
  bool listed;         /* the object was in the ledger's state at some day up to as_of */
  bool open;           /* and still is (not struck off) */
  int32_t opened_on;   /* the first day it was */
  char struck_act[32]; /* the act that struck it off: supply, start, completion,
                          fee_paid, recovered, extension, paid_recovery, exchange,
                          revoke, ... ("" while open) */
  int32_t struck_on;
  /* The disposal: the bureau's latest plan, else the configured default. */
  bool planned; /* recorded by the bureau (else default) */
  char reason[256], method[128], unit[128];
  int32_t deadline;
  bool overdue; /* open past its deadline */
} lg_stock_entry_t;

/* ---- The 批而未供 computation --------------------------------------------- */
typedef struct lg_stock_unsupplied_stats {
  int64_t approvals;  /* approvals computed */
  int64_t candidates; /* supplies whose box met an approval's */
  int64_t fast;       /* candidates decided by the fast overlay */
  int64_t geos;       /* candidates (or approvals, for overlapping supplies) done in GEOS */
  double seconds;     /* wall time of the spatial part */
  double unsupplied_m2, approved_m2;
} lg_stock_unsupplied_stats_t;

/* The spatial part of 批而未供 alone, as of q->as_of over the approvals
 * in scope: totals and how the candidates were decided (the benchmark's
 * figure). rows (may be NULL): [{approval_id, approval_no, area_m2,
 * unsupplied_m2}] in id order. */
int lg_stock_unsupplied(lg_store_t *s, const lg_stock_query_t *q, lg_stock_unsupplied_stats_t *st,
                        json_t **rows, lg_err_t *err);

/* ---- Ledgers --------------------------------------------------------------
 * kind: "unsupplied", "unused" or "idle". JSON: {kind, kind_title, as_of,
 * rows: [...], totals: {...}, computation (unsupplied only)}; the rows'
 * columns are those of the Excel ledgers (lg_stock_ledger_xlsx). */
int lg_stock_ledger(lg_store_t *s, const char *kind, const lg_stock_query_t *q, json_t **out,
                    lg_err_t *err);
/* The same ledger as an Excel workbook at path (the columns bureaus use,
 * a title naming the date it assumes). */
int lg_stock_ledger_xlsx(lg_store_t *s, const char *kind, const lg_stock_query_t *q,
                         const char *path, lg_err_t *err);
/* {"as_of", "parcels": [{"supervision_no", "status", "idle_since",
 * "fee_yuan", "articles": [...]}]}: every supply in the query's scope,
 * status one of lg_stock_statuses, idle_since "YYYY-MM-DD" or null. The
 * shape other tools rely on: keep it. */
int lg_stock_idle_json(lg_store_t *s, const lg_stock_query_t *q, json_t **out, lg_err_t *err);
/* The dashboard: per county (6 digits), approved, supplied and unsupplied
 * area, digestion rate, unsupplied area older than the 增存挂钩 age and
 * the quota it withholds, unused and idle parcels and areas, fees; and
 * digestion per county and approval year. */
int lg_stock_summary(lg_store_t *s, const lg_stock_query_t *q, json_t **out, lg_err_t *err);

/* ---- One parcel ------------------------------------------------------------ */
/* What an object belongs to, for permission decisions: its division.
 * type "supply" or "approval"; LG_ENOTFOUND when none. */
int lg_stock_division_of(lg_store_t *s, const char *type, int64_t id, char division[16],
                         lg_err_t *err);
/* A supply by id or 电子监管号; an approval by id or 批准文号. */
int lg_stock_find(lg_store_t *s, const char *type, const char *id_or_no, int64_t *id,
                  lg_err_t *err);
/* The parcel page: the record, its status as of the date with the
 * articles, the entries, visits, acts with their documents, photos, the
 * approvals it lies in (a supply) or the supplies inside (an approval),
 * its timeline, and its ledger entries (indexes, for proofs), and the
 * boundary as GeoJSON in EPSG:4490. */
int lg_stock_get(lg_store_t *s, const char *type, int64_t id, int32_t as_of, json_t **out,
                 lg_err_t *err);

/* ---- Imports ---------------------------------------------------------------
 * One transaction: everything lands or nothing does. Errors name the file,
 * the row and the column (in Chinese). */
typedef struct lg_stock_import {
  const char *kind;          /* "supplies" or "approvals" */
  const char *sheet_path;    /* XLSX or CSV; NULL for approvals from a layer */
  const char *sheet_name;    /* for messages (an upload's name); NULL: base name */
  const char *boundary_path; /* Ministry coordinate file, shapefile (.shp, .zip),
                                GeoJSON, GeoPackage: parcels by 电子监管号 / 批准文号 */
  const char *boundary_name; /* for messages; NULL: base name */
  const char *layer;         /* a store layer holding the boundaries (or, for
                                approvals without a sheet, the approvals themselves) */
  int srs;                   /* EPSG of a boundary file that declares none; 0: detect */
  const lg_subject_t *who;   /* who imports (checked: "stock" create in each row's division) */
} lg_stock_import_t;

typedef struct lg_stock_import_result {
  int64_t rows, created, updated, unchanged;
  int srs; /* the stock layers' CRS */
} lg_stock_import_result_t;

int lg_stock_import_run(lg_store_t *s, const lg_stock_import_t *o, lg_stock_import_result_t *r,
                        lg_err_t *err);

/* Makes the approval of a handed-over case (what the watcher does; also
 * for cases handed over before the module was there). *id (may be NULL)
 * receives it; an approval that exists already is left as it is. */
int lg_stock_approval_from_case(lg_store_t *s, int64_t case_id, const char *actor, int64_t *id,
                                lg_err_t *err);

/* A supply made from a handed-over case (its approval's boundary, or a
 * part of it given as GeoJSON in fields.boundary): fields are the sheet's
 * columns by their keys (supervision_no, project, division, location,
 * land_use, method, term_years, price_wan, holder, contract_on,
 * agreed_delivery_on, agreed_start_on, agreed_completion_on). */
int lg_stock_supply_from_case(lg_store_t *s, const lg_subject_t *who, int64_t case_id,
                              const json_t *fields, int64_t *id, lg_err_t *err);

/* ---- Site visits ----------------------------------------------------------- */
typedef struct lg_stock_visit {
  const char *visited_on; /* YYYY-MM-DD (required) */
  double developed_m2;    /* < 0: not measured */
  double invested_wan;    /* < 0: not known */
  double total_investment_wan;
  const char *stopped_since; /* construction stopped since (停工日期); NULL: going on */
  const char *cause;         /* why it stopped, or remarks */
  const char *started_on;    /* 动工 seen (art. 30); NULL */
  const char *completed_on;  /* 竣工; NULL */
  const char *officer;       /* 核查人员 (required) */
  const char *note;
  const char *const *photos;      /* file paths, NULL-terminated; NULL: none */
  const char *const *photo_names; /* their names for people (an upload's); NULL: base names */
} lg_stock_visit_t;

int lg_stock_visit_add(lg_store_t *s, const lg_subject_t *who, int64_t supply_id,
                       const lg_stock_visit_t *v, int64_t *id, lg_err_t *err);

/* ---- Acts of the procedure and disposals ------------------------------------
 * act (data/stock "acts"): investigate, answer, exception (cause: a code of
 * government_causes), determine, publish, hearing_notice, hearing_request,
 * hearing, fee_decision, fee_paid (amount), recovery_decision, recovered,
 * art12 (method: a code of art12_methods, new_date: the new agreed start
 * or the end of temporary use), on supplies; revoke on approvals. Each
 * is refused (LG_ECONFLICT, naming what is missing) out of the law's
 * order; documents are generated for investigate, determine,
 * hearing_notice, fee_decision and recovery_decision. */
typedef struct lg_stock_act_req {
  const char *object_type; /* "supply" or "approval" */
  int64_t object_id;
  const char *act;
  const char *on; /* YYYY-MM-DD (required) */
  const char *cause;
  const char *method;
  const char *new_date;
  double amount_yuan; /* fee_paid; < 0: the fee decided */
  const char *note;
} lg_stock_act_req_t;

int lg_stock_act(lg_store_t *s, const lg_subject_t *who, const lg_stock_act_req_t *a, int64_t *id,
                 lg_err_t *err);

/* The bureau's plan for a ledger entry (kind unsupplied: an approval;
 * unused, idle: a supply): reason, disposal method, responsible unit,
 * deadline (YYYY-MM-DD). A new version each time. */
int lg_stock_plan_set(lg_store_t *s, const lg_subject_t *who, const char *kind, int64_t object_id,
                      const char *reason, const char *method, const char *unit,
                      const char *deadline, lg_err_t *err);

/* ---- Map and refresh --------------------------------------------------------- */
/* Features of "approvals", "supplies" or "unsupplied" (the remainders) as
 * of the date, each with its status and status_title, as a GeoJSON
 * FeatureCollection in out_srs (bbox in out_srs; NULL: all). */
int lg_stock_map_geojson(lg_store_t *s, const char *what, const lg_stock_query_t *q,
                         const lg_env_t *bbox, int out_srs, lg_buf_t *out, lg_err_t *err);
/* Writes the status of every approval and supply as of a date into the
 * layers (status, status_title, status_as_of, unsupplied_ha) and the
 * unsupplied remainders into stock_unsupplied, for QGIS and the One Map.
 * One transaction. */
int lg_stock_refresh(lg_store_t *s, int32_t as_of, lg_err_t *err);

/* ---- Synthetic approvals and supplies (gen.c) -------------------------------- */
typedef struct lg_stock_gen {
  int64_t approvals, supplies;
  uint64_t seed;
  int32_t as_of;        /* dates are spread over the ten years before it */
  const char *division; /* their county */
  lg_env_t extent;      /* where (in srs); empty: the layer "county" */
  int srs;              /* 0: the extent layer's */
  bool procedure;       /* record site visits and acts (demo) */
  const lg_subject_t *who;
} lg_stock_gen_t;

typedef struct lg_stock_gen_result {
  int64_t approvals, supplies, visits, acts;
  double seconds;
} lg_stock_gen_result_t;

int lg_stock_gen_run(lg_store_t *s, const lg_stock_gen_t *o, lg_stock_gen_result_t *r,
                     lg_err_t *err);

/* ---- Ledger audit -------------------------------------------------------------
 * The auditors of the module's object types, for the CLI's table
 * (src/cli/cmd_ledger.c), one by one and as a NULL-terminated list. Each
 * recomputes an object's digest from the rows and the geometry the layers
 * serve. */
extern const lg_ledger_auditor_t lg_stock_auditor_approvals; /* stock_approval */
extern const lg_ledger_auditor_t lg_stock_auditor_supplies;  /* stock_supply */
extern const lg_ledger_auditor_t lg_stock_auditor_visits;    /* stock_visit */
extern const lg_ledger_auditor_t lg_stock_auditor_acts;      /* stock_act */
extern const lg_ledger_auditor_t lg_stock_auditor_plans;     /* stock_plan */
extern const lg_ledger_auditor_t *const lg_stock_auditors[];

/* A stored file of the module (a visit's photo, an act's document) with
 * the supply or approval it belongs to, for permission decisions. */
int lg_stock_file_owner(lg_store_t *s, int64_t file_id, char type[16], int64_t *object_id,
                        lg_err_t *err);

#endif
