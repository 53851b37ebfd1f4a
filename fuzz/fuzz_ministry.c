/*
 * libFuzzer harness: the Ministry standard coordinate file reader
 * (src/formats/ministry.c), as every uploaded boundary and imported .txt
 * meets it: bytes of any encoding parsed, each parcel built as geometry,
 * the CRS told, and a successful parse written back and read again (the
 * writer's output must always be readable by the reader).
 */
#include <stddef.h>
#include <stdint.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_err_t err = {0};
  lg_formats_mtxt_t *m = NULL;
  if (lg_formats_mtxt_parse("fuzz.txt", (const char *)data, size, &m, &err) != 0) return 0;
  lg_geo_t *g = lg_geo_thread();
  int epsg = 0;
  lg_formats_mtxt_epsg(m, &epsg, &err);
  for (size_t i = 0; i < m->nparcels; i++) {
    lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, i, &err);
    if (geom) lg_geom_free(g, geom);
  }
  char *out = NULL;
  size_t n = 0;
  if (lg_formats_mtxt_write(m, "UTF-8", true, &out, &n, &err) == 0) {
    lg_formats_mtxt_t *again = NULL;
    if (lg_formats_mtxt_parse("roundtrip.txt", out, n, &again, &err) != 0) {
      /* What landgov writes, landgov must read. */
      __builtin_trap();
    }
    lg_formats_mtxt_free(again);
  }
  lg_free(out);
  lg_formats_mtxt_free(m);
  return 0;
}
