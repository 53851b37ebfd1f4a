/*
 * libFuzzer harness: a boundary as POST /api/checks receives it
 * (lg_review_boundary_parse: GeoJSON, WKT or a Ministry file, told apart
 * by content), then the geometry validation every check starts with
 * (lg_review_validate, with repair), under the server's default vertex
 * limit. The seeds are GeoJSON, so that is where the fuzzer spends its
 * time; the other two formats are reached as well.
 */
#include <stddef.h>
#include <stdint.h>

#include "review/review_int.h"

static lg_rules_t *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  lg_err_t err = {0};
  if (lg_review_rules_parse(lg_review_rules_default_json(), 1, &rules, &err) != 0) __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_err_t err = {0};
  lg_boundary_t b;
  lg_boundary_opts_t o = {.srs_id = 4526, .max_vertices = 100000};
  if (lg_review_boundary_parse((const char *)data, size, "fuzz", &o, &b, &err) != 0) return 0;
  lg_geo_t *g = lg_geo_thread();
  lg_geom_t *repaired = NULL;
  json_t *v = lg_review_validate(g, &b, rules, true, &repaired, &err);
  json_decref(v);
  if (repaired) lg_geom_free(g, repaired);
  lg_review_boundary_fini(&b);
  return 0;
}
