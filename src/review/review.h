/*
 * review: the compliance check (合规性审查) of a project boundary against
 * the One Map, layer-against-layer planning conflicts (规划冲突), and the
 * rule set both are judged by.
 *
 * A check takes a boundary (Ministry coordinate file, GeoJSON, WKT,
 * Shapefile or any OGR source) with the project's declared use and type,
 * validates its geometry, and overlays it on every polygon layer of the
 * store: ecological red line, permanent basic farmland, urban development
 * boundary, the land-use survey (class table of the boundary survey), the
 * plan (conformity with planned use) and any other layer. From the areas
 * it derives the approval authority (Land Administration Law art. 44 and
 * 46), the quotas consumed, the follow-ups the law requires and a verdict
 * (pass / conditional / prohibited) with its reasons. Every threshold,
 * list and table comes from a versioned rule set stored as data; the
 * law's values are the built-in default (data/rules/default.json).
 *
 * The report is a JSON document (jansson), stable for other tools:
 *   area.planar_m2, area.ellipsoidal_m2 (also _ha, _mu)
 *   classes            {class code: m2}
 *   major_classes      {agricultural, construction, unused, unclassified: m2}
 *   cultivated_m2, paddy_m2
 *   overlaps           {layer name: {role, title, status, m2, share,
 *                       pieces: [{fid, m2, code?}], pieces_total}}
 *   controls           {eprl, pbf, udb, landuse, plan: {status, ...}}
 *                       status "checked" or "not_checked" (layer missing:
 *                       never reported as "no conflict")
 *   plan               {status, compatible_m2, conditional_m2, share, ...}
 *   authority          {conversion, expropriation: "none" | "county" |
 *                       "city" | "province" | "state_council",
 *                       articles: {conversion: [...], expropriation: [...]},
 *                       basis: {conversion, expropriation}}
 *   quotas             {new_construction_m2, agricultural_conversion_m2,
 *                       unused_conversion_m2, cultivated_balance_m2,
 *                       paddy_balance_m2, pbf_replacement_m2}
 *   followups          [{id, title, basis, text}]
 *   verdict            "pass" | "conditional" | "prohibited"
 *   reasons            [{rule, effect, text, basis}], conditions [text]
 *   validation         {valid, repaired, issues: [{kind, severity, text,
 *                       points: [{name, part, ring, index, x, y}]}]}
 *   rule_set_version   integer
 * and beside them id (once saved), created_at, project, input, class_table
 * (rows of the boundary survey's class table with names and major
 * classes), verdict_title, warnings and elapsed_ms.
 * Areas are planar m2 in the working CRS (the land-use layer's projected
 * CRS) unless the key says ellipsoidal.
 *
 * Threads: a checker, a rule set and a boundary belong to one thread (each
 * thread has its own store connection and geo context). Conflicts between
 * whole layers run on several threads internally.
 */
#ifndef LG_REVIEW_H
#define LG_REVIEW_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "geo/geo.h"
#include "store/store.h"

/* ---- Rule sets (rules.c) ------------------------------------------------ */

typedef struct lg_rules lg_rules_t;

/* The built-in default rule set (data/rules/default.json), as JSON text
 * (static, do not free). */
const char *lg_review_rules_default_json(void);
/* Parses and validates a rule set; errors name the offending field
 * ("controls.pbf.allowed_types[2]"). version is recorded in the result. */
int lg_review_rules_parse(const char *json, int version, lg_rules_t **out, lg_err_t *err);
/* The store's current rule set: the newest saved version, or the built-in
 * default as version 1 when none has been saved (read-only stores too). */
int lg_review_rules_current(lg_store_t *s, lg_rules_t **out, lg_err_t *err);
/* A saved version (version 1 is the built-in default if never saved). */
int lg_review_rules_get(lg_store_t *s, int version, lg_rules_t **out, lg_err_t *err);
/* Validates json and saves it as a new version (the built-in default is
 * saved first as version 1 if the table is empty). *version receives the
 * new number. Opens its own transaction; appends a ledger entry when the
 * ledger module is built in. */
int lg_review_rules_save(lg_store_t *s, const char *json, const char *actor, const char *note,
                         int *version, lg_err_t *err);
/* History: [{version, created_at, actor, note, name}], newest first. */
int lg_review_rules_history(lg_store_t *s, json_t **out, lg_err_t *err);
int lg_review_rules_version(const lg_rules_t *r);
/* The rule set's JSON document (borrowed, valid while r lives). */
const json_t *lg_review_rules_json(const lg_rules_t *r);
void lg_review_rules_free(lg_rules_t *r);

/* ---- Boundaries (boundary.c) -------------------------------------------- */

/* Names of the points of one ring, for messages that point at them: the
 * Ministry file's point names (J1, J2, ...). */
typedef struct lg_ring_names {
  size_t n;
  char **names; /* n names, owned */
} lg_ring_names_t;

typedef struct lg_boundary {
  lg_geom_t *geom;    /* polygonal geometry (owned), srid set */
  int srs_id;         /* EPSG of geom */
  char format[48];    /* "部标准坐标文件", "GeoJSON", "WKT", "ESRI Shapefile"... */
  char source[512];   /* file name or "request" */
  int parcels;        /* parcels (features) merged into geom */
  char name[256];     /* parcel or project name from the file, may be "" */
  char use[32];       /* use code declared in the file (地块用途/地类编码), may be "" */
  double declared_ha; /* area the file declares (Ministry file), 0 if none */
  /* Point names per ring, in lg_geom_rings order; empty when the source
   * has none (GeoJSON, WKT), and then messages number the points. */
  LG_VEC(lg_ring_names_t) names;
} lg_boundary_t;

typedef struct lg_boundary_opts {
  int srs_id;       /* EPSG when the source declares none (WKT; GeoJSON without
                       crs is EPSG:4326 per RFC 7946); 0: default */
  int parcel;       /* Ministry file / multi-feature source: 1-based parcel to
                       take; 0: all parcels merged */
  int max_vertices; /* refuse a boundary of more points with LG_ELIMIT (the
                       server's limits.geometry_vertices); 0: no limit */
} lg_boundary_opts_t;

void lg_review_boundary_init(lg_boundary_t *b);
void lg_review_boundary_fini(lg_boundary_t *b);
/* Reads a boundary file: .txt (Ministry coordinate file), .geojson/.json,
 * .wkt, or anything OGR opens (.shp, .gpkg, .kml, .dxf...). */
int lg_review_boundary_read(const char *path, const lg_boundary_opts_t *o, lg_boundary_t *out,
                            lg_err_t *err);
/* The same from memory (an upload): Ministry file, GeoJSON, WKT or a
 * Shapefile as .zip, recognised by content. name is used in messages (may be NULL). */
int lg_review_boundary_parse(const char *data, size_t n, const char *name,
                             const lg_boundary_opts_t *o, lg_boundary_t *out, lg_err_t *err);
/* From a geometry the caller made; takes ownership of geom. */
int lg_review_boundary_from_geom(lg_geom_t *geom, int srs_id, const char *source,
                                 lg_boundary_t *out, lg_err_t *err);

/* ---- Checks (check.c) --------------------------------------------------- */

typedef struct lg_check_opts {
  const char *use;  /* planned use code of the project (2023 code, "1001"); may be NULL */
  const char *type; /* project type key from the rule set ("industrial"); NULL: unspecified */
  const char *name; /* project name for the report; may be NULL */
  bool make_valid;  /* repair an invalid boundary (and say so in the report) */
  int max_pieces;   /* pieces listed per layer; 0: the rule set's max_pieces */
  double deadline;  /* lg_mono() time past which the check gives up with
                       LG_ELIMIT (a server's time per request); 0: none */
  const char *repair_hint; /* how the asker requests a repair, for the message about an
                              invalid boundary ("可加 --make-valid ..."); NULL: in general */
} lg_check_opts_t;

/* A checker keeps what several checks share on one store connection: the
 * layer catalogue, prepared R-tree queries and the rule set. */
typedef struct lg_checker lg_checker_t;
/* rules is borrowed and must outlive the checker. */
int lg_review_checker_new(lg_store_t *s, const lg_rules_t *rules, lg_checker_t **out,
                          lg_err_t *err);
void lg_review_checker_free(lg_checker_t *c);

/* Checks one boundary. On success *report is a new JSON object (caller
 * decrefs). An invalid boundary without make_valid fails with LG_EGEOM
 * naming the points, and *report still receives the validation part
 * (verdict null) so that callers can show it; other failures leave
 * *report NULL. */
int lg_review_check(lg_checker_t *c, const lg_boundary_t *b, const lg_check_opts_t *o,
                    json_t **report, lg_err_t *err);

/* Who made a check, for the permission policy and the ledger. */
typedef struct lg_check_meta {
  const char *actor;      /* login or "cli"; NULL: "system" */
  const char *role;       /* the actor's role; may be NULL */
  const char *division;   /* GB/T 2260 code the check belongs to; may be NULL */
  const char *enterprise; /* an applicant's enterprise; may be NULL */
  int64_t user_id;        /* the account; 0 for none */
} lg_check_meta_t;

/* Records a check (input geometry, report, rule-set version, who) in
 * lg_checks, appending a ledger entry in the same transaction when the
 * ledger module is built in. Sets report.id and returns the id. meta may
 * be NULL. */
int lg_review_check_save(lg_store_t *s, const lg_boundary_t *b, json_t *report,
                         const lg_check_meta_t *meta, int64_t *id, lg_err_t *err);
/* A saved check's report (new reference), or LG_ENOTFOUND. */
int lg_review_check_get(lg_store_t *s, int64_t id, json_t **report, lg_err_t *err);
/* Who a saved check belongs to: division and enterprise ("" when none,
 * buffers of 16 and 64) and the account id. LG_ENOTFOUND when absent. */
int lg_review_check_owner(lg_store_t *s, int64_t id, char division[16], char enterprise[64],
                          int64_t *user_id, lg_err_t *err);
/* The saved boundary of a check as GeoJSON (caller frees), in its CRS. */
int lg_review_check_geojson(lg_store_t *s, int64_t id, char **geojson, int *srs_id, lg_err_t *err);
/* Recent checks: [{id, created_at, name, use, type, verdict, area_m2,
 * rule_set_version, division}], newest first; limit 0: 100. filter: what
 * the reader's scope reaches (a check's division and enterprise), or NULL
 * for all. */
int lg_review_checks_list(lg_store_t *s, int limit, const lg_auth_filter_t *filter, json_t **out,
                          lg_err_t *err);
/* Ledger auditor scans (see ledger.h): object type "check" (the stored
 * report) and "rule_set" (the stored document of each version). */
int lg_review_rules_audit_scan(lg_store_t *s,
                               int (*emit)(void *ctx, const char *object_id,
                                           const unsigned char digest[32]),
                               void *ctx, lg_err_t *err);
int lg_review_checks_audit_scan(lg_store_t *s,
                                int (*emit)(void *ctx, const char *object_id,
                                            const unsigned char digest[32]),
                                void *ctx, lg_err_t *err);

/* ---- Report documents (report_html.c, report_xlsx.c) -------------------- */

/* Reading a report, for its renderers (the CLI table, HTML, XLSX): the
 * value at a dotted path ("area.planar_m2", "reasons.0.text"; a number
 * indexes an array); the string ("" when absent or not a string), the
 * number (NaN when absent, which renderers print as a dash) or the
 * integer (0 when absent) there. */
const json_t *lg_review_get(const json_t *report, const char *path);
const char *lg_review_get_str(const json_t *report, const char *path);
double lg_review_get_num(const json_t *report, const char *path);
long long lg_review_get_int(const json_t *report, const char *path);

/* A printable Chinese HTML page of a report, appended to out. */
void lg_review_report_html(const json_t *report, lg_buf_t *out);
/* An XLSX workbook of a report: summary, class table, overlaps,
 * authority and quotas, validation. LG_EUNSUPPORTED when built without
 * libxlsxwriter. */
int lg_review_report_xlsx(const json_t *report, const char *path, lg_err_t *err);

/* ---- Whole-layer conflicts (conflicts.c) -------------------------------- */

typedef struct lg_conflict_opts {
  const char *out_layer; /* write the overlapping pieces as this new layer; NULL: don't */
  bool replace;          /* replace out_layer if it exists */
  int threads;           /* worker threads; 0: number of online CPUs (at most 8) */
  bool match;            /* compute the spatial match degree of the class codes */
  double deadline;       /* lg_mono() time past which the analysis gives up with
                            LG_ELIMIT (a server's limits.request_ms); 0: none */
} lg_conflict_opts_t;

/* Overlap of layer a with layer b: total areas, overlap area (sum over
 * pairs of ST_Area(ST_Intersection(a, b)), in a's CRS), its share of
 * each layer, pair count, and with match the share of the overlap where
 * the two layers' class codes agree (rule set code_match). *result is a
 * new JSON object. Opens read-only connections of its own for the worker
 * threads; s itself is written only when out_layer is set. */
int lg_review_conflicts(lg_store_t *s, const lg_rules_t *rules, const char *layer_a,
                        const char *layer_b, const lg_conflict_opts_t *o, json_t **result,
                        lg_err_t *err);

#endif
