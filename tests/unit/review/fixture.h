/*
 * A hand-computable One Map for the review tests, in EPSG:4526 with its
 * origin at (X0, Y0) = (38500000, 2850000):
 *
 *   landuse  10 x 10 patches of 100 m x 100 m (1 ha each), DLBM by column:
 *            col 0-1 0101 水田, 2 0103 旱地, 3 0301 乔木林地, 4 1006 农村道路,
 *            5 0601 工业用地, 6 0702 农村宅基地, 7 1101 河流水面,
 *            8 1204 盐碱地, 9 1201 空闲地; QSXZ "10" (state) in rows 8-9,
 *            "30" (collective) elsewhere. fid = 1 + col * 10 + row.
 *   pbf      fid 1: [0, 200] x [0, 300]; fid 2: [200, 300] x [900, 1000]
 *   eprl     fid 1: [700, 900] x [500, 1000]
 *   udb      fid 1: [400, 1000] x [0, 500]
 *   plan     fid 1: [0, 500] x [0, 1000] YDYHFLDM 0101;
 *            fid 2: [500, 1000] x [0, 1000] YDYHFLDM 1001
 * (coordinates relative to the origin, metres). Every expected area in the
 * tests is a product of these numbers.
 */
#ifndef LG_TEST_REVIEW_FIXTURE_H
#define LG_TEST_REVIEW_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lg_test.h"
#include "store/store.h"

#define X0 38500000.0
#define Y0 2850000.0

static const char *const fx_codes[10] = {"0101", "0101", "0103", "0301", "1006",
                                         "0601", "0702", "1101", "1204", "1201"};

static char *fx_rect_wkt(double x1, double y1, double x2, double y2) {
  return lg_sprintf("POLYGON ((%.3f %.3f, %.3f %.3f, %.3f %.3f, %.3f %.3f, %.3f %.3f))", X0 + x1,
                    Y0 + y1, X0 + x1, Y0 + y2, X0 + x2, Y0 + y2, X0 + x2, Y0 + y1, X0 + x1,
                    Y0 + y1);
}

static int fx_add_rect(lg_store_writer_t *w, double x1, double y1, double x2, double y2,
                       lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  char *wkt = fx_rect_wkt(x1, y1, x2, y2);
  lg_geom_t *geom = lg_geom_from_wkt(g, wkt, err);
  lg_free(wkt);
  if (!geom) return LG_EGEOM;
  lg_geom_t *m = lg_geom_to_multi(g, geom);
  int rc = lg_store_writer_add(w, g, m, NULL, err);
  lg_geom_free(g, m);
  lg_geom_free(g, geom);
  return rc;
}

/* Creates one layer of rectangles; each rect is {x1, y1, x2, y2} and code
 * (may be NULL) goes to the class field. */
typedef struct fx_rect {
  double x1, y1, x2, y2;
  const char *code;
  const char *own;
} fx_rect_t;

static int fx_layer(lg_store_t *s, const char *name, const char *role, const char *class_field,
                    const fx_rect_t *r, size_t n, lg_err_t *err) {
  lg_field_t fields[2] = {{class_field ? class_field : "NAME", LG_FIELD_TEXT},
                          {"QSXZ", LG_FIELD_TEXT}};
  lg_layer_def_t def = {.name = name,
                        .title = name,
                        .role = role,
                        .class_field = class_field,
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = 4526,
                        .fields = fields,
                        .nfields = 2};
  int rc = lg_store_layer_create(s, &def, true, err);
  lg_store_writer_t *w = NULL;
  if (rc == 0) rc = lg_store_writer_new(s, name, &w, err);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    lg_store_writer_text(w, 0, r[i].code);
    lg_store_writer_text(w, 1, r[i].own);
    rc = fx_add_rect(w, r[i].x1, r[i].y1, r[i].x2, r[i].y2, err);
  }
  if (rc == 0) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  return rc;
}

/* Which layers to make: bit 1 landuse, 2 pbf, 4 eprl, 8 udb, 16 plan. */
enum { FX_LANDUSE = 1, FX_PBF = 2, FX_EPRL = 4, FX_UDB = 8, FX_PLAN = 16, FX_ALL = 31 };

static int fx_store(const char *path, int which, lg_store_t **out, lg_err_t *err) {
  lg_test_remove_store(path);
  lg_store_t *s;
  int rc = lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, err);
  if (rc) return rc;
  rc = lg_store_begin(s, err);
  if (rc == 0 && (which & FX_LANDUSE)) {
    fx_rect_t cells[100];
    for (int i = 0; i < 10; i++)
      for (int j = 0; j < 10; j++)
        cells[i * 10 + j] = (fx_rect_t){i * 100.0,       j * 100.0,   i * 100.0 + 100,
                                        j * 100.0 + 100, fx_codes[i], j >= 8 ? "10" : "30"};
    rc = fx_layer(s, "landuse", "landuse", "DLBM", cells, 100, err);
  }
  if (rc == 0 && (which & FX_PBF)) {
    fx_rect_t r[] = {{0, 0, 200, 300, NULL, NULL}, {200, 900, 300, 1000, NULL, NULL}};
    rc = fx_layer(s, "pbf", "pbf", NULL, r, 2, err);
  }
  if (rc == 0 && (which & FX_EPRL)) {
    fx_rect_t r[] = {{700, 500, 900, 1000, NULL, NULL}};
    rc = fx_layer(s, "eprl", "eprl", NULL, r, 1, err);
  }
  if (rc == 0 && (which & FX_UDB)) {
    fx_rect_t r[] = {{400, 0, 1000, 500, NULL, NULL}};
    rc = fx_layer(s, "udb", "udb", NULL, r, 1, err);
  }
  if (rc == 0 && (which & FX_PLAN)) {
    fx_rect_t r[] = {{0, 0, 500, 1000, "0101", NULL}, {500, 0, 1000, 1000, "1001", NULL}};
    rc = fx_layer(s, "plan", "plan", "YDYHFLDM", r, 2, err);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc) {
    lg_store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

static void fx_remove(const char *path) { lg_test_remove_store(path); }

#endif
