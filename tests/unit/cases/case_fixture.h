/*
 * What the cases tests (test_cases.c, test_metrics.c) share: a temporary
 * store in a folder, times written as ISO 8601, and layers made of boxes
 * in EPSG:4526 around (X0, Y0), imported through the real importer.
 */
#ifndef CASE_FIXTURE_H
#define CASE_FIXTURE_H

#include <stdio.h>

#include "core/core.h"
#include "formats/formats.h"
#include "store/store.h"

#define X0 38500000.0
#define Y0 3400000.0

typedef struct env {
  char dir[256], path[300];
  lg_store_t *s;
} env_t;

static int64_t T(const char *iso) {
  int64_t t = 0;
  if (lg_time_parse_iso(iso, &t, NULL) != 0) fail_msg("bad time %s", iso);
  return t;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) fail_msg("cannot write %s", path);
  fputs(text, f);
  fclose(f);
}

/* A GeoJSON polygon ring of a box, offsets from (X0, Y0). */
static char *box(double x0, double y0, double x1, double y1) {
  return lg_sprintf("[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]", X0 + x0,
                    Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0,
                    Y0 + y0);
}

static void import_layer(env_t *e, const char *name, const char *role, const char *features) {
  char file[400];
  snprintf(file, sizeof file, "%s/%s.geojson", e->dir, name);
  char *doc =
      lg_sprintf("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                 "{\"name\":\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":[%s]}",
                 features);
  write_file(file, doc);
  lg_free(doc);
  lg_formats_import_opts_t o = {.layer = name, .role = role};
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  if (lg_formats_import(e->s, file, &o, &res, &err) != 0) fail_msg("import %s: %s", name, err.msg);
}

static char *feature(const char *props, double x0, double y0, double x1, double y1) {
  char *b = box(x0, y0, x1, y1);
  char *f = lg_sprintf("{\"type\":\"Feature\",\"properties\":%s,\"geometry\":{\"type\":"
                       "\"Polygon\",\"coordinates\":%s}}",
                       props, b);
  lg_free(b);
  return f;
}

#endif
