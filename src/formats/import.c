/*
 * The front door for files: picks the reader or writer by file type or
 * requested format. Ministry coordinate files are landgov's own (text
 * parsed here, ministry.c); everything else is GDAL/OGR's (ogr.c).
 */
#include "formats/formats.h"

#include <string.h>
#include <strings.h>


static bool is_ministry_txt(const char *path) {
  size_t n = strlen(path);
  return n > 4 && strcasecmp(path + n - 4, ".txt") == 0;
}

int lg_import(lg_store_t *s, const char *path, const lg_import_opts_t *o,
              lg_import_result_t *res, lg_err_t *err) {
  if (is_ministry_txt(path)) return lg_mtxt_import(s, path, o, res, err);
  return lg_ogr_import(s, path, o, res, err);
}

int lg_export(lg_store_t *s, const char *layer, const char *path, const lg_export_opts_t *o,
              lg_err_t *err) {
  bool txt = o && o->format ? strcasecmp(o->format, "txt") == 0 : is_ministry_txt(path);
  if (txt) return lg_mtxt_export(s, layer, path, o, err);
  return lg_ogr_export(s, layer, path, o, err);
}
