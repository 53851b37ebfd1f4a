/*
 * monitor: monitoring, early warning and enforcement (监测预警与执法).
 * What is on the ground compared with what was approved (seeds 003 §五,
 * 004 §2.4; DOMAIN.md section 10, 卫片执法):
 *
 *   batches   a set of change patches (卫片/遥感变化图斑) from a bureau's
 *             file (GeoPackage, Shapefile, GeoJSON, through src/formats),
 *             each with its class code before and after (BGQDLBM,
 *             BGHDLBM), imported in one transaction into a layer of its
 *             own (monitor_batch_<id>: a vintage, never replaced).
 *   detect    each patch turned to construction (the after class is
 *             construction land, the before class is not) is compared,
 *             through GEOS in src/geo, with the approvals and supplies of
 *             the One Map (layers of role approval and supply: what the
 *             stock module keeps from handed-over cases, historic
 *             approvals) and with the control lines (layers of role pbf,
 *             permanent basic farmland, and eprl, the ecological red
 *             line). Areas, in m2 in the batch's projected CRS:
 *               approved_m2    the patch covered by approvals or supplies
 *               unapproved_m2  the rest (area_m2 - approved_m2)
 *               pbf_m2         the unapproved part inside basic farmland
 *               eprl_m2        the unapproved part inside the red line
 *             Verdicts: approved (合法, 已批), unapproved_construction
 *             (疑似违法, 未批先建), pbf_non_farm (占用永久基本农田),
 *             construction_in_eprl (占用生态保护红线), no_new_construction
 *             (非新增建设: no alert), below_minimum (the unapproved part
 *             under the minimum area, no approval: no alert). A suspect
 *             patch gets an alert due for field verification in the
 *             working days of the setting monitor.verify_workdays (20).
 *   alerts    待核查 pending -> 核查属实 confirmed / 核查不属实 unfounded ->
 *             立案 filed -> 整改 rectified / 拆除 demolished / 没收
 *             confiscated -> 结案 closed (unfounded -> closed); each move
 *             with who and why, on the ledger.
 *
 * Codes, class groups, minimum areas, periods and the transitions with
 * the articles they rest on are data (data/monitor/default.json, built
 * in). Permissions: policy resource "monitor" (a county sees its own
 * batches and alerts). Ledger object types: monitor_batch, monitor_alert.
 */
#ifndef LG_MONITOR_H
#define LG_MONITOR_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* The built-in configuration (data/monitor/default.json) as text. */
const char *lg_monitor_config_default_json(void);

/* The major class of a land-class code: "agricultural", "construction",
 * "unused", or NULL for a code the configuration does not know. */
const char *lg_monitor_major_class(const char *code);

/* ---- Batches --------------------------------------------------------------- */
typedef struct lg_monitor_import {
  const char *path;         /* the change-patch file (required) */
  const char *source_name;  /* for messages (an upload's name); NULL: the path's base name */
  const char *name;         /* the batch's name ("2026年第3季度卫片"); NULL: the file's */
  const char *division;     /* the county the batch belongs to (required, GB/T 2260) */
  const char *before_field; /* NULL: the configured names (BGQDLBM ...) */
  const char *after_field;  /* NULL: BGHDLBM ... */
  const char *number_field; /* NULL: JCBH, TBBH ...; absent: the row number */
  int srs;                  /* EPSG of a file that declares none; 0: detect */
  int to_srs;               /* reproject into this EPSG; 0: the basic farmland
                               layer's, else the file's (which must be projected) */
  const lg_subject_t *who;  /* who imports (NULL: the console, "system") */
} lg_monitor_import_t;

/* Imports a batch in one transaction: the layer, a row per patch, the
 * batch's ledger entry; all or nothing. Unknown class codes are refused
 * row by row (the message names the file, the rows and the codes, up to
 * ten). *batch_id receives the batch's id. */
int lg_monitor_import_run(lg_store_t *s, const lg_monitor_import_t *o, int64_t *batch_id,
                          lg_err_t *err);

/* ---- Detection ---------------------------------------------------------------
 * Classifies every patch of the batch and raises the alerts, in one
 * transaction, with the batch's entry (its verdicts) and one entry per
 * alert on the ledger. A batch is detected once (LG_ECONFLICT after).
 * today: the day detection counts the deadline from (0: today, Beijing).
 * *out (may be NULL): the result, as lg_monitor_batch_get gives it. */
int lg_monitor_detect(lg_store_t *s, const lg_subject_t *who, int64_t batch_id, int32_t today,
                      json_t **out, lg_err_t *err);

/* A batch: {id, name, division, layer, srs, patch_count, area_m2,
 * detected_at, counts: [{verdict, title, n}], patches: [{id, fid, patch_no,
 * class_before, class_after, class_before_title, class_after_title,
 * area_m2, verdict, verdict_title, approved_m2, unapproved_m2, pbf_m2,
 * eprl_m2, layer_refs: [{layer, role, fid, m2}], alert_id, alert_state,
 * geometry (GeoJSON, EPSG:4490, when with_geometry)}], alerts: [{kind, m2
 * (the area the kind rests on: pbf_m2, eprl_m2 or unapproved_m2),
 * class_before, class_after, layer_refs, geometry, alert_id, patch_no}]}. */
int lg_monitor_batch_get(lg_store_t *s, int64_t batch_id, bool with_geometry, json_t **out,
                         lg_err_t *err);
/* The batches within who's scope (NULL: all), newest first. */
int lg_monitor_batches(lg_store_t *s, const lg_subject_t *who, json_t **out, lg_err_t *err);
/* The division of a batch or an alert ("batch", "alert"); LG_ENOTFOUND. */
int lg_monitor_division_of(lg_store_t *s, const char *type, int64_t id, char division[16],
                           lg_err_t *err);

/* ---- Alerts and enforcement --------------------------------------------------- */
/* Alerts within who's scope (NULL: all), filtered by batch (0: any) and
 * state (NULL: any): [{id, batch_id, patch_id, patch_no, division, kind,
 * kind_title, state, state_title, deadline, overdue, area_m2,
 * unapproved_m2, pbf_m2, eprl_m2}], totals: [{state, title, n}], overdue
 * (a count), as_of. today (0: today) decides overdue (pending past its
 * deadline). */
int lg_monitor_alerts(lg_store_t *s, const lg_subject_t *who, int64_t batch_id, const char *state,
                      int32_t today, json_t **out, lg_err_t *err);
/* One alert with its patch and its events [{from, to, reason, actor, at}]. */
int lg_monitor_alert_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* Moves an alert to state `to` with a reason (required): refused with
 * LG_ECONFLICT (naming the states it may go to) out of order; the event
 * and the alert's entry on the ledger in one transaction. */
int lg_monitor_alert_move(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *to,
                          const char *reason, lg_err_t *err);

/* ---- Analytics (analytics.c) --------------------------------------------------
 * {as_of, rates: [{division, alerts, verified, rectified, overdue, closed,
 * verified_rate, rectified_rate, overdue_rate}], rates_formula, seed_000:
 * [{key, title, seed, measured, unit, formula, records}], period}: the
 * monitoring rates per county within who's scope (NULL: all), and seed
 * 000's figures of approval (nodes and working days per concluded case,
 * the coordination share) as lg_cases_metrics measures them over the
 * period from..to (NULL: the 30 days ending today). */
int lg_monitor_analytics(lg_store_t *s, const lg_subject_t *who, const char *from, const char *to,
                         json_t **out, lg_err_t *err);

/* ---- Ledger audit ------------------------------------------------------------ */
extern const lg_ledger_auditor_t lg_monitor_auditor_batches; /* monitor_batch */
extern const lg_ledger_auditor_t lg_monitor_auditor_alerts;  /* monitor_alert */

#endif
