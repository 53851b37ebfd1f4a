/*
 * The front door for files: picks the reader or writer by file type or
 * requested format. Ministry coordinate files are landgov's own (text
 * parsed here, ministry.c); everything else is GDAL/OGR's (ogr.c).
 */
#include "formats/formats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_ministry_txt(const char *path) {
  size_t n = strlen(path);
  return n > 4 && strcasecmp(path + n - 4, ".txt") == 0;
}

int lg_formats_import(lg_store_t *s, const char *path, const lg_formats_import_opts_t *o,
                      lg_formats_import_result_t *res, lg_err_t *err) {
  lg_formats_import_opts_t lim = *o;
  bool from_setting = o->max_features == 0;
  /* The store's setting limits.import_features (an administrator's, like
   * the server's limits), 2,000,000 by default: above the land-use layer
   * of any county of the Third Land Survey (a few hundred thousand
   * patches), and it keeps a mistaken national file from filling the disk
   * inside one transaction. */
  if (from_setting) lim.max_features = lg_store_setting_int(s, "limits.import_features");
  if (lim.max_features < 0) lim.max_features = 0; /* the readers' "no limit" */
  int rc = is_ministry_txt(path) ? lg_formats_mtxt_import(s, path, &lim, res, err)
                                 : lg_formats_ogr_import(s, path, &lim, res, err);
  if (rc == LG_ELIMIT && err) {
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, " (%s)",
             from_setting ? "设置 limits.import_features; 单次导入可用 --max-features 调整"
                          : "--max-features");
    lg_err_where(err, "%s", from_setting ? "limits.import_features" : "max_features");
  }
  return rc;
}

int lg_formats_export(lg_store_t *s, const char *layer, const char *path,
                      const lg_formats_export_opts_t *o, lg_err_t *err) {
  bool txt = o && o->format ? strcasecmp(o->format, "txt") == 0 : is_ministry_txt(path);
  if (txt) return lg_formats_mtxt_export(s, layer, path, o, err);
  return lg_formats_ogr_export(s, layer, path, o, err);
}
