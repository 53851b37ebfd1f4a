/*
 * consol: whole-region land consolidation (全域土地综合整治, issue 15).
 *
 * Potential (整治潜力). For a township (a GB/T 2260 prefix matched against
 * the land-use patches' 坐落单位代码 ZLDWDM) or any drawn polygon, the
 * One Map's land-use survey layer (role "landuse") is read through the
 * store and overlaid in src/geo:
 *  - cultivated land (class codes starting with cultivated.class_prefix,
 *    "01") is dissolved into contiguous blocks: patches join across
 *    shared edges of positive length, never across a shared corner alone
 *    (DOMAIN.md section 12); a block smaller than
 *    cultivated.fragment_max_m2 (3 mu, 2,000 m2) is a fragment;
 *  - rural construction land (rural_construction.class_codes, "0702")
 *    outside the development boundary (the layer of role "udb") is
 *    dissolved the same way; a block no larger than scattered_max_m2 and
 *    at least core_distance_m away from every village core (a block of at
 *    least core_min_m2) is scattered land that could be reclaimed;
 *  - the quotas the potential would yield (new cultivated land,
 *    increase-decrease linkage surplus) follow from the yield rates.
 * Every number is data (data/consol/default.json, compiled in; a store may
 * hold its own document as the setting consol.config).
 *
 * Project library (项目库). A project has a type (farmland consolidation,
 * construction-land reclamation, ecological restoration, heritage
 * protection: the configuration's project_types), an area polygon, a
 * budget in fen, a schedule and a township or county. On registration
 * its area is overlaid with the three control lines (layers of role
 * eprl, pbf, udb) and the overlaps are kept with the project, with
 * warnings a joint review must answer (a consolidation project may lie
 * in the red line; it is flagged, not refused). Statuses move forward
 * one step at a time: registered 入库 -> approved 立项 -> implementing 实施
 * -> accepted 验收; every change is a row of lg_consol_acts and a ledger
 * entry (object type "consol.project", id the project's id) in the same
 * transaction.
 *
 * Acceptance produces quotas. Accepting a project records the figures
 * the acceptance survey measured and, for a type that produces quotas,
 * posts each nonzero one to the quota bank through lg_quota_produce
 * (production by an accepted project, into the county's account), in
 * the same transaction: the quota exists once, and a second acceptance
 * is refused because the project is already accepted.
 *
 * Permissions: the policy resource "consol" (migration 160): read by
 * jurisdiction for staff, create (register) and act (advance, accept) by
 * jurisdiction for clerks, approvers and administrators. Functions that
 * take `who` check it (who NULL or the console: no check); the quota
 * bank checks its own "quota" create on the county when an acceptance
 * produces quotas.
 */
#ifndef LG_CONSOL_H
#define LG_CONSOL_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "geo/geo.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* ---- Configuration --------------------------------------------------------- */

/* The built-in configuration (data/consol/default.json), static. */
const char *lg_consol_config_default_json(void);
/* The configuration in force: the setting consol.config when saved, else
 * the built-in one. New reference. */
int lg_consol_config(lg_store_t *s, json_t **out, lg_err_t *err);
/* Validates a configuration document; errors name the field. */
int lg_consol_config_check(const json_t *cfg, lg_err_t *err);
/* Validates and saves a configuration (the setting consol.config) with its
 * ledger entry (object type "consol.config"). Store-wide administration:
 * "consol" admin over the store's division (who NULL or the console: no
 * check). */
int lg_consol_config_save(lg_store_t *s, const char *json, const lg_subject_t *who, lg_err_t *err);

/* ---- Potential -------------------------------------------------------------- */

typedef struct lg_consol_unit {
  const char *township;  /* a division code: patches whose ZLDWDM starts with it; or */
  const lg_geom_t *area; /* a drawn polygon (borrowed), in srid */
  int srid;              /* the polygon's EPSG code; 0: the land-use layer's */
  bool with_geometry;    /* add "features": a GeoJSON FeatureCollection of the
                            fragments and scattered blocks, in the layer's CRS */
} lg_consol_unit_t;

/* The potential of a unit:
 * {unit: {township | drawn, srid, area_m2, patches},
 *  cultivated: {area_m2, paddy_m2, blocks, mean_block_m2, largest_block_m2,
 *               fragments: {count, area_m2, max_m2}},
 *  rural_construction: {area_m2, outside_udb_m2, blocks, cores,
 *                       scattered: {count, area_m2}},
 *  quotas: {cultivated_area, linkage_surplus} (whole m2),
 *  params: {...the figures used}, layer: {landuse, udb}}.
 * Areas planar in the layer's CRS, m2, rounded to 0.01. LG_ENOTFOUND when
 * the store has no land-use layer; LG_EINVAL for a unit with neither or
 * both of township and area, or a polygon with no area. */
int lg_consol_potential(lg_store_t *s, const lg_consol_unit_t *u, json_t **out, lg_err_t *err);

/* ---- Projects ----------------------------------------------------------------- */

typedef struct lg_consol_project_new {
  const char *name;
  const char *type;      /* a code of project_types: farmland, reclamation, ecological, heritage */
  const char *division;  /* the township (9 digits) or county (6) */
  int64_t budget_fen;    /* >= 0 */
  const char *start_on;  /* "YYYY-MM-DD" */
  const char *end_on;    /* "YYYY-MM-DD", not before start_on */
  const lg_geom_t *area; /* the project area (borrowed), polygonal */
  int srid;              /* its EPSG code; 0: the land-use layer's */
  const char *note;
} lg_consol_project_new_t;

/* Registers a project (status registered) with its control-line overlaps
 * and its first act and ledger entry. "consol" create on the division.
 * *id (may be NULL) receives its id. */
int lg_consol_project_register(lg_store_t *s, const lg_subject_t *who,
                               const lg_consol_project_new_t *p, int64_t *id, lg_err_t *err);

/* One project: {id, code, name, type, type_title, division, status,
 * status_title, budget_fen, start_on, end_on, area_m2, srid, controls:
 * {eprl, pbf, udb: {layer, overlap_m2} | null, warnings: [..]},
 * acceptance: {...} | null, note, created_at, created_by, acts: [...],
 * geometry (GeoJSON, in srid)}. LG_ENOTFOUND when there is none. */
int lg_consol_project_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* The division of a project (for permissions); LG_ENOTFOUND. */
int lg_consol_project_division(lg_store_t *s, int64_t id, char out[16], lg_err_t *err);
/* Projects the caller may see (vis NULL: all), of a status (NULL: any),
 * newest first: {projects: [{id, code, name, type, type_title, division,
 * status, status_title, budget_fen, start_on, end_on, area_m2}]}. */
int lg_consol_projects(lg_store_t *s, const lg_auth_filter_t *vis, const char *status, json_t **out,
                       lg_err_t *err);

/* Moves a project one step on: "approved" (立项, from registered) or
 * "implementing" (实施, from approved), with the document that decided it
 * (文号, required for approved). Acceptance goes through
 * lg_consol_project_accept. "consol" act on the division. */
int lg_consol_project_advance(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *to,
                              const char *document, const char *note, lg_err_t *err);

typedef struct lg_consol_acceptance {
  const char *document;    /* the acceptance document number (验收文号), required */
  const char *accepted_on; /* "YYYY-MM-DD"; NULL: today (Beijing) */
  int64_t cultivated_m2;   /* new cultivated land, whole m2 */
  int64_t grain_kg;        /* its standard grain capacity */
  int64_t paddy_m2;        /* of it paddy */
  int64_t linkage_m2;      /* linkage surplus (reclamation only) */
  const char *note;
} lg_consol_acceptance_t;

/* Accepts an implementing project and, for a type that produces quotas,
 * posts each nonzero figure to the quota bank (lg_quota_produce, kinds
 * cultivated_area, cultivated_grain, cultivated_paddy, linkage_surplus,
 * into the county of the project's division), all in one transaction.
 * A figure the type does not produce is refused. "consol" act on the
 * division (and the bank's "quota" create on the county). */
int lg_consol_project_accept(lg_store_t *s, const lg_subject_t *who, int64_t id,
                             const lg_consol_acceptance_t *a, lg_err_t *err);

/* Evaluation of a project (evaluate.c): its area's land use in the layer
 * `before` and the layer `after` (names or ids of land-use layers; the
 * after layer must cover the area), as {project, layers, cultivated_m2,
 * paddy_m2, pbf_cultivated_m2, blocks, fragments, fragments_m2,
 * mean_block_m2, largest_block_m2, rural_construction_m2,
 * construction_m2: {before, after, change} (m2, counts integers),
 * rural_construction_reclaimed_m2, new_construction_m2, quotas:
 * {cultivated_area, cultivated_paddy, linkage_surplus}, notes: [..]}. */
int lg_consol_evaluate(lg_store_t *s, int64_t id, const char *before, const char *after,
                       json_t **out, lg_err_t *err);

/* Chinese title of a status ("入库"), "" when unknown. */
const char *lg_consol_status_title(const char *status);

/* The ledger auditors of the module's object types, NULL-terminated. */
extern const lg_ledger_auditor_t *const lg_consol_auditors[];

#endif
