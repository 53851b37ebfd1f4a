/*
 * What the consol tests share: a store of their own per test (both
 * backends, lg_test.h) holding a small One Map built here, whose areas
 * are counted by hand.
 *
 * Coordinates: EPSG:4526 (CGCS2000 3-degree zone 38 with the prefix),
 * offsets in metres from (X0, Y0) = easting 38,500,000, northing
 * 3,400,000. Every patch is a rectangle [x0, x1] x [y0, y1].
 *
 * Land use (DLBM, ZLDWDM; township 360781101 unless said):
 *   A 0101 [0,40]x[0,40]      1600 m2 (paddy)
 *   B 0103 [40,80]x[0,40]     1600    shares A's east edge
 *   E 0103 [0,40]x[40,60]      800    shares A's north edge
 *   C 0103 [80,110]x[40,70]    900    meets B only at the corner (80,40)
 *   D 0102 [200,230]x[0,30]    900    alone; township 360781102
 *   F 0301 [110,200]x[0,40]   3600    forest (neither class)
 *   H1 0702 [300,380]x[0,80]  6400    a village core (>= 5,000)
 *   H2 0702 [400,420]x[0,20]   400    20 m from H1: not scattered
 *   H3 0702 [700,730]x[0,30]   900    320 m from H1: scattered
 *   H4 0702 [700,730]x[100,140] 1200  larger than 1,000: not scattered
 *   H5 0702 [1000,1020]x[0,20]  400   inside the development boundary
 * udb  [990,1100]x[-10,100]
 * eprl [50,150]x[50,150]
 * pbf  a copy of A, [0,40]x[0,40]
 */
#ifndef CONSOL_FIXTURE_H
#define CONSOL_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consol/consol.h"
#include "ledger/ledger.h"
#include "lg_test.h"

#define X0 38500000.0
#define Y0 3400000.0

typedef struct cenv {
  char dir[256], path[300];
  lg_store_t *s;
} cenv_t;

typedef struct patch {
  const char *dlbm, *zl;
  double x0, y0, x1, y1;
} patch_t;

#define T1 "3607811010010000000"
#define T2 "3607811020010000000"

static const patch_t fixture_patches[] = {
    {"0101", T1, 0, 0, 40, 40},      {"0103", T1, 40, 0, 80, 40},
    {"0103", T1, 0, 40, 40, 60},     {"0103", T1, 80, 40, 110, 70},
    {"0102", T2, 200, 0, 230, 30},   {"0301", T1, 110, 0, 200, 40},
    {"0702", T1, 300, 0, 380, 80},   {"0702", T1, 400, 0, 420, 20},
    {"0702", T1, 700, 0, 730, 30},   {"0702", T1, 700, 100, 730, 140},
    {"0702", T1, 1000, 0, 1020, 20},
};

/* A rectangle's WKT in EPSG:4526. */
static inline char *rect_wkt(double x0, double y0, double x1, double y1) {
  return lg_sprintf("POLYGON((%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f,%.3f %.3f))", X0 + x0,
                    Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0,
                    Y0 + y0);
}

static inline lg_geom_t *rect(double x0, double y0, double x1, double y1) {
  char *w = rect_wkt(x0, y0, x1, y1);
  lg_err_t err = {0};
  lg_geom_t *g = lg_geom_from_wkt(lg_geo_thread(), w, &err);
  lg_free(w);
  if (!g) fail_msg("wkt: %s", err.msg);
  lg_geom_set_srid(lg_geo_thread(), g, 4526);
  return g;
}

static inline void layer_make(lg_store_t *s, const char *name, const char *role,
                              const char *class_field, const lg_field_t *fields, size_t nf,
                              const patch_t *p, size_t n) {
  lg_err_t err = {0};
  lg_layer_def_t def = {.name = name,
                        .role = role,
                        .class_field = class_field,
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = 4526,
                        .fields = fields,
                        .nfields = nf};
  lg_store_writer_t *w = NULL;
  if (lg_store_layer_create(s, &def, false, &err) || lg_store_writer_new(s, name, &w, &err))
    fail_msg("layer %s: %s", name, err.msg);
  for (size_t i = 0; i < n; i++) {
    if (nf > 0) lg_store_writer_text(w, 0, p[i].dlbm);
    if (nf > 1) lg_store_writer_text(w, 1, p[i].zl);
    lg_geom_t *g = rect(p[i].x0, p[i].y0, p[i].x1, p[i].y1);
    lg_geom_t *m = lg_geom_to_multi(lg_geo_thread(), g);
    if (lg_store_writer_add(w, lg_geo_thread(), m, NULL, &err)) fail_msg("add: %s", err.msg);
    lg_geom_free(lg_geo_thread(), g);
    lg_geom_free(lg_geo_thread(), m);
  }
  if (lg_store_writer_finish(w, &err)) fail_msg("finish %s: %s", name, err.msg);
  lg_store_writer_free(w);
}

/* The fixture's One Map (see the top of this file). */
static inline void fixture_onemap(lg_store_t *s) {
  lg_err_t err = {0};
  static const lg_field_t lu[] = {{"DLBM", LG_FIELD_TEXT}, {"ZLDWDM", LG_FIELD_TEXT}};
  static const patch_t udb[] = {{NULL, NULL, 990, -10, 1100, 100}};
  static const patch_t eprl[] = {{NULL, NULL, 50, 50, 150, 150}};
  static const patch_t pbf[] = {{NULL, NULL, 0, 0, 40, 40}};
  if (lg_store_begin(s, &err)) fail_msg("begin: %s", err.msg);
  layer_make(s, "landuse", "landuse", "DLBM", lu, 2, fixture_patches,
             LG_ARRAY_LEN(fixture_patches));
  layer_make(s, "udb", "udb", NULL, NULL, 0, udb, 1);
  layer_make(s, "eprl", "eprl", NULL, NULL, 0, eprl, 1);
  layer_make(s, "pbf", "pbf", NULL, NULL, 0, pbf, 1);
  if (lg_store_commit(s, &err)) fail_msg("commit: %s", err.msg);
}

static inline int cenv_setup(void **state) {
  cenv_t *e = calloc(1, sizeof *e);
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_consol_XXXXXX");
  if (!mkdtemp(e->dir)) return -1;
  snprintf(e->path, sizeof e->path, "%s/consol.gpkg", e->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  fixture_onemap(e->s);
  *state = e;
  return 0;
}

static inline int cenv_teardown(void **state) {
  cenv_t *e = *state;
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", e->dir);
  free(e);
  return 0;
}

static inline int64_t c_sql_int(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  lg_err_t err = {0};
  if (lg_store_prepare(s, sql, &st, &err) != 0) fail_msg("prepare %s: %s", sql, err.msg);
  int64_t v = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : 0;
  lg_store_done(st);
  return v;
}

/* A number at a dotted path of a JSON document. */
static inline double jnum(const json_t *o, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = o;
  for (char *p = buf, *e; p && v; p = e) {
    e = strchr(p, '.');
    if (e) *e++ = '\0';
    v = json_object_get(v, p);
  }
  if (!json_is_number(v)) fail_msg("%s is not a number", path);
  return json_number_value(v);
}

#endif
