/*
 * libFuzzer harness: the expression language of process conditions
 * (src/flow/expr.c): the text is checked as a modeler would, then
 * evaluated over variables shaped like a case's (a check report, the
 * authority, a multi-instance vote).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"

static json_t *vars;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  vars = json_loads("{\"check\": {\"verdict\": \"prohibited\", \"area_ha\": 36.5, \"rules\": "
                    "[\"R1\", \"R7\"]}, \"authority\": {\"conversion\": \"province\"}, "
                    "\"departments\": [\"natural_resources\", \"ecology\"], \"nrOfVetoes\": 0, "
                    "\"nrOfApproved\": 5, \"nrOfInstances\": 5, \"审批层级\": \"省\", "
                    "\"deferred\": true, \"x\": {\"中文 键\": 7}, \"big\": 9007199254740993, "
                    "\"neg\": -1e308}",
                    0, NULL);
  if (!vars) __builtin_trap();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = lg_strndup((const char *)data, size); /* the language reads C strings */
  lg_err_t err = {0};
  lg_flow_expr_check(text, &err);
  json_t *r = NULL;
  if (lg_flow_expr_eval(text, vars, &r, &err) == 0) json_decref(r);
  lg_free(text);
  return 0;
}
