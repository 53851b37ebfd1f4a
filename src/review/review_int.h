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

/* ---- HTML helpers ------------------------------------------------------- */
void lg_html_escape(lg_buf_t *out, const char *s);

/* Chinese title of an authority level ("国务院"). */
const char *lg_review_level_title(const lg_rules_t *r, const char *level);

#endif
