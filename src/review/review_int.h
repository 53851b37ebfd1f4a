/* Internals shared by the files of the review module. */
#ifndef LG_REVIEW_INT_H
#define LG_REVIEW_INT_H

#include "review/review.h"

/* The three major classes of the Land Administration Law (DOMAIN.md
 * section 2), and codes the rule set does not map. */
enum {
  LG_MAJOR_AGRICULTURAL,
  LG_MAJOR_CONSTRUCTION,
  LG_MAJOR_UNUSED,
  LG_MAJOR_UNCLASSIFIED,
  LG_MAJOR_N
};
extern const char *const lg_major_keys[LG_MAJOR_N];

/* Plan compatibility of a project use with a planned use. */
enum { LG_COMPAT_NO = 0, LG_COMPAT_CONDITIONAL = 1, LG_COMPAT_YES = 2 };

typedef struct lg_prefix_rule {
  char prefix[16];
  int value; /* LG_MAJOR_* */
} lg_prefix_rule_t;

/* A land-class code system (三调 or 2023), compiled from the rule set. */
typedef struct lg_codesys {
  char id[32];
  const char *title;     /* borrowed from the rule set's JSON */
  LG_VEC(char *) fields; /* class field names that select this system */
  LG_VEC(lg_prefix_rule_t) major;
  LG_VEC(char *) cultivated; /* prefixes */
  LG_VEC(char *) paddy;
  const json_t *names; /* code -> name, borrowed */
} lg_codesys_t;

struct lg_rules {
  int version;
  json_t *doc;
  LG_VEC(lg_codesys_t) systems;
};

/* Code system for a class field name (case-insensitive), or NULL. */
const lg_codesys_t *lg_rules_codesys_for_field(const lg_rules_t *r, const char *field);
const lg_codesys_t *lg_rules_codesys(const lg_rules_t *r, const char *id);
/* Major class of a code by longest prefix; LG_MAJOR_UNCLASSIFIED if none. */
int lg_codesys_major(const lg_codesys_t *cs, const char *code);
bool lg_codesys_cultivated(const lg_codesys_t *cs, const char *code);
bool lg_codesys_paddy(const lg_codesys_t *cs, const char *code);
/* Name of a code (longest prefix in names), or "". */
const char *lg_codesys_name(const lg_codesys_t *cs, const char *code);
/* LG_COMPAT_* of a project use against a plan code; *note (may be NULL)
 * receives the table entry's note, borrowed. */
int lg_rules_plan_compat(const lg_rules_t *r, const char *use, const char *plan_code,
                         const char **note);
/* Whether codes a (system sa) and b (system sb) agree (code_match). */
bool lg_rules_codes_agree(const lg_rules_t *r, const lg_codesys_t *sa, const char *a,
                          const lg_codesys_t *sb, const char *b);
/* Title of a project type, or NULL when the rule set does not know it. */
const char *lg_rules_type_title(const lg_rules_t *r, const char *type);
/* Numbers and objects by dotted path ("authority.expropriation.other_ha"). */
const json_t *lg_rules_get(const lg_rules_t *r, const char *path);
double lg_rules_num(const lg_rules_t *r, const char *path, double dflt);
/* True when the JSON array at path contains the string s. */
bool lg_rules_list_has(const lg_rules_t *r, const char *path, const char *s);

/* A code as text from a class column: numeric codes that lost their
 * leading zero in a Shapefile (101 for 0101) are padded back. */
void lg_code_normalise(const char *in, char *out, size_t n);

/* Inside a transaction: saves the built-in default as version 1 when no
 * version is stored yet (rules.c). */
int lg_review_rules_ensure_default(lg_store_t *s, lg_err_t *err);

/* ---- Geometry validation (validate.c) ---------------------------------- */

/* Validates a boundary: ring closure and size, consecutive duplicate
 * points, spikes, self-intersections between segments, ring orientation
 * and GEOS validity. Returns a JSON object {valid, issues: [...]}. With
 * repair, *repaired receives a repaired copy (or NULL if none was
 * needed) and the object records what was done. */
json_t *lg_review_validate(lg_geo_t *g, const lg_boundary_t *b, const lg_rules_t *r, bool repair,
                           lg_geom_t **repaired, lg_err_t *err);
/* The same, giving up with NULL and LG_ELIMIT in err once lg_mono() has
 * passed deadline (0: none), as a server's check must (limits.request_ms). */
json_t *lg_review_validate_until(lg_geo_t *g, const lg_boundary_t *b, const lg_rules_t *r,
                                 bool repair, lg_geom_t **repaired, double deadline, lg_err_t *err);

/* ---- The check (overlay.c, check.c, verdict.c, authority.c) ------------- */

#define LG_M2_PER_HA 10000.0
#define LG_MU_PER_HA 15.0 /* 1 ha = 15 mu (GLOSSARY) */

/* A polygon layer of the checker, with its prepared box query. */
typedef struct lg_clayer {
  lg_layer_info_t info;
  lg_store_reader_t *q;   /* features inside a box: class code, ownership (in that order) */
  int class_col, own_col; /* their columns in q, or -1 */
  bool has_class, has_own;
  const lg_codesys_t *cs; /* code system of the class field, NULL if unknown */
} lg_clayer_t;

struct lg_checker {
  lg_store_t *s;
  const lg_rules_t *rules;
  lg_clayer_t *layers;
  size_t nlayers;
  json_t *skipped;   /* layers that are not polygons */
  int work_srs;      /* 0: decided per boundary */
  int landuse, plan; /* index of the first layer of the role, or -1 */
  double deadline;   /* of the check under way (lg_check_opts_t); 0: none */
};

/* One feature's overlap with the boundary. */
typedef struct lg_piece {
  int64_t fid;
  double m2;
  char code[24];
  bool state_owned;
} lg_piece_t;

/* A layer's overlap: its total and its pieces, largest first. */
typedef struct lg_lres {
  double m2;
  LG_VEC(lg_piece_t) pieces;
  int repaired; /* layer features made valid to be measured */
} lg_lres_t;

/* Overlays the boundary bw (working CRS work, prepared as prep and ovl)
 * on every feature of layer L near it. */
int lg_review_overlay(lg_checker_t *c, lg_clayer_t *L, const lg_geom_t *bw, const lg_prep_t *prep,
                      lg_ovl_t *ovl, int work, lg_lres_t *res, lg_err_t *err);
/* True when the JSON array arr holds the string s. */
bool lg_review_in_list(const json_t *arr, const char *s);

/* The verdict under way: its level (LG_VERDICT_*), reasons and
 * conditions. */
enum { LG_VERDICT_PASS, LG_VERDICT_CONDITIONAL, LG_VERDICT_UNREVIEWABLE, LG_VERDICT_PROHIBITED };
typedef struct lg_verdict {
  int level;
  json_t *reasons;
  json_t *conditions;
} lg_verdict_t;

/* Totals of the layers of one control role (eprl, pbf, udb). */
typedef struct lg_role_total {
  double m2;
  int n;          /* layers of the role */
  json_t *layers; /* their names */
} lg_role_total_t;

/* Everything one check knows, stage by stage (check.c): each stage reads
 * what the ones before it left here and adds its own part. */
typedef struct lg_check {
  /* What was asked. */
  lg_checker_t *c;
  const lg_boundary_t *b;
  const lg_check_opts_t *o;
  lg_geo_t *g;
  const lg_rules_t *R;
  const char *type, *type_title;
  char use[24]; /* the declared use, normalised; "" when none */
  const lg_codesys_t *ydyh;
  double sliver; /* areas at or below it count as none */
  /* Validation and the working CRS. */
  json_t *validation, *warnings;
  lg_geom_t *src, *bw; /* dissolved, in its own CRS; in the working CRS */
  int work;
  double planar, ell;
  /* Overlays: one result per checker layer. */
  lg_lres_t *res;
  json_t *overlaps;
  lg_role_total_t eprl, pbf, udb;
  /* The land-class table (of the land-use layer). */
  const lg_clayer_t *LU;
  double major[LG_MAJOR_N], cultivated, paddy, covered, uncovered, state_m2, cultivated_state;
  bool unreviewable; /* too little of it in the land survey to review (controls.coverage) */
  json_t *classes, *class_table;
  const char *lu_status;
  /* Plan conformity. */
  const lg_clayer_t *PL;
  double compat_m2, cond_m2, incompat_m2, plan_m2, plan_constr_m2;
  json_t *plan;
  /* The verdict, the authority and what follows. */
  lg_verdict_t V;
  double agri, unused;            /* agricultural and unused land taken (art. 44) */
  bool conversion, expropriation; /* whether each approval is needed */
  json_t *authority, *quotas, *followups;
} lg_check_t;

json_t *lg_review_num(double v); /* a JSON real, 0 for NaN and infinities */

void lg_verdict_condition(lg_verdict_t *v, const char *text);
void lg_verdict_conditions(lg_verdict_t *v, const json_t *arr);
void lg_verdict_reason(lg_verdict_t *v, const char *rule, const char *effect, const json_t *basis,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The verdict rules of the rule set's controls and negative list, applied
 * to what the check found (verdict.c). */
void lg_review_verdict(lg_check_t *k);
/* The approval authority of the conversion of agricultural land and of
 * the expropriation of collective land (Land Administration Law art. 44,
 * 46; authority.c): sets k->agri, k->conversion, k->expropriation and
 * k->authority. */
void lg_review_authority(lg_check_t *k);

/* ---- HTML helpers ------------------------------------------------------- */
void lg_html_escape(lg_buf_t *out, const char *s);

/* Chinese title of an authority level ("国务院"). */
const char *lg_review_level_title(const lg_rules_t *r, const char *level);

#endif
