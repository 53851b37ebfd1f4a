/*
 * The front door for files: picks the reader or writer by file type or
 * requested format. Ministry coordinate files are landgov's own (text
 * parsed here, ministry.c); everything else is GDAL/OGR's (ogr.c).
 */
#include "formats/formats.h"

#include <string.h>
#include <strings.h>

#ifndef LG_HAVE_MTXT
#define LG_MTXT_IMPORT(s, p, o, r, e) lg_err_set(e, LG_EUNSUPPORTED, "部标准坐标文件导入尚未接入")
#define LG_MTXT_EXPORT(s, l, p, o, e) lg_err_set(e, LG_EUNSUPPORTED, "部标准坐标文件导出尚未接入")
#endif

static bool is_ministry_txt(const char *path) {
  size_t n = strlen(path);
  return n > 4 && strcasecmp(path + n - 4, ".txt") == 0;
}

int lg_import(lg_store_t *s, const char *path, const lg_import_opts_t *o,
              lg_import_result_t *res, lg_err_t *err) {
  if (is_ministry_txt(path)) return LG_MTXT_IMPORT(s, path, o, res, err);
  return lg_ogr_import(s, path, o, res, err);
}

int lg_export(lg_store_t *s, const char *layer, const char *path, const lg_export_opts_t *o,
              lg_err_t *err) {
  bool txt = o && o->format ? strcasecmp(o->format, "txt") == 0 : is_ministry_txt(path);
  if (txt) return LG_MTXT_EXPORT(s, layer, path, o, err);
  return lg_ogr_export(s, layer, path, o, err);
}
