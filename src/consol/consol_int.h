/* Internals shared by the files of the consol module. */
#ifndef LG_CONSOL_INT_H
#define LG_CONSOL_INT_H

#include <jansson.h>

#include "consol/consol.h"

/* ---- Configuration (config.c) -------------------------------------------- */
/* A member of the configuration by a dotted path ("yield.note"), or NULL. */
const json_t *c_cfg(const json_t *cfg, const char *path);
double c_cfg_num(const json_t *cfg, const char *path, double dflt);
const char *c_cfg_str(const json_t *cfg, const char *path, const char *dflt);
/* The entry of a project type, or NULL. */
const json_t *c_cfg_type(const json_t *cfg, const char *code);
/* The auditor's scan of the saved configuration. */
int c_audit_config(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);

/* ---- Patches of a unit (potential.c) -------------------------------------- */
typedef LG_VEC(lg_geom_t *) c_geoms_t;
typedef struct c_pot {
  lg_geo_t *g;
  const json_t *cfg;
  const char *prefix;          /* cultivated class prefix ("01") */
  const json_t *paddy, *rural; /* arrays of class codes */
  const json_t *construction;  /* class code prefixes of construction land, or NULL */
  c_geoms_t cult, rur;         /* cultivated and rural construction patches (clipped) */
  double paddy_m2, unit_m2;
  double covered_m2;      /* the patches' area within the unit */
  double construction_m2; /* of classes in construction */
  int64_t patches;
} c_pot_t;
/* Reads the patches of a land-use layer within a township (ZLDWDM
 * prefix) or clipped to area (in the layer's CRS) into p. */
int c_pot_read(lg_store_t *s, c_pot_t *p, const lg_layer_info_t *li, const char *township,
               const lg_geom_t *area, lg_err_t *err);
void c_pot_fini(c_pot_t *p);
/* The blocks of patches dissolved across shared edges (v is consumed):
 * a MultiPolygon in srid, or NULL with err. */
lg_geom_t *c_dissolve(lg_geo_t *g, c_geoms_t *v, int srid, lg_err_t *err);

/* ---- Geometry helpers (overlay.c) ---------------------------------------- */
/* Rounds to 2 decimals (m2 as reported). */
double c_round2(double v);
/* A polygonal geometry in the target CRS: transformed when from differs,
 * polygonal parts only, made valid. New geometry, or NULL with err naming
 * what. */
lg_geom_t *c_geom_ready(lg_geo_t *g, const lg_geom_t *in, int from, int to, const char *what,
                        lg_err_t *err);
/* The union of the features of a layer that meet geom (same CRS),
 * clipped to geom when clip is set; an empty MultiPolygon when none.
 * New geometry, or NULL with err. */
lg_geom_t *c_layer_union(lg_store_t *s, lg_geo_t *g, const char *layer, const lg_geom_t *geom,
                         bool clip, lg_err_t *err);
/* The overlaps of a project area (in srid) with the three control lines:
 * {eprl, pbf, udb: {layer, title, overlap_m2} | null, warnings: [..]}. */
int c_controls(lg_store_t *s, lg_geo_t *g, const lg_geom_t *area, int srid, const char *type,
               json_t **out, lg_err_t *err);

#endif
