/*
 * libFuzzer harness: the BPMN 2.0 subset reader and its checks
 * (lg_flow_validate: libxml2 without network or entities, then landgov's
 * model of the process), as a deployed or uploaded definition meets it.
 */
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_err_t err = {0};
  lg_flow_validate((const char *)data, size, &err);
  return 0;
}
