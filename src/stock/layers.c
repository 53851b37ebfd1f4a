/*
 * The stock module's feature layers: stock_approvals (role approval),
 * stock_supplies (role supply) and stock_unsupplied (the remainders of the
 * last refresh), ordinary layers of the store that QGIS opens and the One
 * Map shows, made on first use in the One Map's coordinate system (the
 * setting project_srs, else the first boundary's projected CRS: areas are
 * planar, in metres). A feature's fid is the id of its row in
 * lg_stock_approvals or lg_stock_supplies; a boundary that changes is
 * written anew under the same fid.
 */
#include "stock/stock_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const lg_field_t approval_fields[] = {
    {"approval_no", LG_FIELD_TEXT},  {"name", LG_FIELD_TEXT},
    {"division", LG_FIELD_TEXT},     {"approved_on", LG_FIELD_TEXT},
    {"approved_ha", LG_FIELD_REAL},  {"unsupplied_ha", LG_FIELD_REAL},
    {"status", LG_FIELD_TEXT},       {"status_title", LG_FIELD_TEXT},
    {"status_as_of", LG_FIELD_TEXT},
};
static const lg_field_t supply_fields[] = {
    {"supervision_no", LG_FIELD_TEXT},  {"project", LG_FIELD_TEXT}, {"division", LG_FIELD_TEXT},
    {"holder", LG_FIELD_TEXT},          {"area_ha", LG_FIELD_REAL}, {"contract_on", LG_FIELD_TEXT},
    {"agreed_start_on", LG_FIELD_TEXT}, {"status", LG_FIELD_TEXT},  {"status_title", LG_FIELD_TEXT},
    {"status_as_of", LG_FIELD_TEXT},
};
static const lg_field_t unsupplied_fields[] = {
    {"approval_id", LG_FIELD_INTEGER}, {"approval_no", LG_FIELD_TEXT},
    {"division", LG_FIELD_TEXT},       {"approved_on", LG_FIELD_TEXT},
    {"unsupplied_ha", LG_FIELD_REAL},  {"age_years", LG_FIELD_INTEGER},
    {"status", LG_FIELD_TEXT},         {"status_title", LG_FIELD_TEXT},
    {"status_as_of", LG_FIELD_TEXT},
};

int stk_layer_srs(lg_store_t *s, lg_err_t *err) {
  lg_layer_info_t info;
  lg_err_t e2 = {0};
  if (lg_store_layer_get(s, STK_SUPPLIES, &info, &e2) != 0) {
    (void)err;
    return 0;
  }
  int srs = info.srs_id;
  lg_store_layer_info_fini(&info);
  return srs;
}

int stk_layers_ensure(lg_store_t *s, int srs_hint, int *srs, lg_err_t *err) {
  int have = stk_layer_srs(s, err);
  if (have > 0) {
    *srs = have;
    return 0;
  }
  char *proj = NULL;
  int rc = lg_store_setting_get(s, "project_srs", &proj, err);
  if (rc) return rc;
  int want = proj && *proj ? atoi(proj) : srs_hint;
  lg_free(proj);
  lg_geo_t *g = lg_geo_thread();
  if (want <= 0 || lg_crs_is_projected(g, want) != 1)
    return lg_err_set(
        err, LG_ECRS,
        "存量图层需要投影坐标系 (面积以平方米计): 边界的坐标系 EPSG:%d 不是投影坐标系;"
        " 请先设置一张图统一坐标系: landgov settings set project_srs 4526",
        want);
  if ((rc = lg_store_ensure_srs(s, want, err))) return rc;
  static const struct {
    const char *name, *title, *role;
    const lg_field_t *fields;
    size_t n;
  } defs[] = {
      {STK_APPROVALS, "批准用地 (存量监管)", "approval", approval_fields,
       LG_ARRAY_LEN(approval_fields)},
      {STK_SUPPLIES, "供地 (存量监管)", "supply", supply_fields, LG_ARRAY_LEN(supply_fields)},
      {STK_UNSUPPLIED, "批而未供地块", "other", unsupplied_fields, LG_ARRAY_LEN(unsupplied_fields)},
  };
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(defs); i++) {
    lg_layer_def_t d = {.name = defs[i].name,
                        .title = defs[i].title,
                        .role = defs[i].role,
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = want,
                        .fields = defs[i].fields,
                        .nfields = defs[i].n,
                        .source = "landgov stock",
                        .meta = "{\"module\":\"stock\"}"};
    rc = lg_store_layer_create(s, &d, false, err);
    /* An empty layer still needs its index: a writer that adds nothing. */
    lg_store_writer_t *w = NULL;
    if (rc == 0) rc = lg_store_writer_new(s, defs[i].name, &w, err);
    if (rc == 0) rc = lg_store_writer_finish(w, err);
    lg_store_writer_free(w);
  }
  if (rc == 0) *srs = want;
  return rc;
}

lg_geom_t *stk_geom_prepare(lg_geo_t *g, const lg_geom_t *in, int from_srs, int srs,
                            const char *what, lg_err_t *err) {
  lg_geom_t *t = NULL, *poly = NULL, *multi = NULL;
  if (from_srs > 0 && from_srs != srs) {
    t = lg_geom_transform(g, in, from_srs, srs, err);
    if (!t) {
      lg_err_prefix(err, "%s: 坐标转换 EPSG:%d -> EPSG:%d 失败: ", what, from_srs, srs);
      return NULL;
    }
  }
  poly = lg_geom_polygonal(g, t ? t : in);
  lg_geom_free(g, t);
  if (!poly || lg_geom_is_empty(g, poly)) {
    lg_geom_free(g, poly);
    lg_err_set(err, LG_EINVAL, "%s: 没有面状地块", what);
    return NULL;
  }
  char reason[256];
  double x = 0, y = 0;
  if (!lg_geom_is_valid(g, poly, reason, &x, &y)) {
    lg_geom_free(g, poly);
    lg_err_set(err, LG_EINVAL, "%s: 边界几何无效 (%s), 位置 X=%.3f Y=%.3f", what, reason, y, x);
    return NULL;
  }
  multi = lg_geom_to_multi(g, poly);
  lg_geom_free(g, poly);
  lg_geom_set_srid(g, multi, srs);
  return multi;
}

int stk_feature_put(lg_store_t *s, const char *layer, int64_t id, lg_geo_t *g,
                    const lg_geom_t *geom, const char *const *fields, int nfields, lg_err_t *err) {
  char *sql = lg_sprintf("DELETE FROM %s WHERE fid = ?", layer);
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if ((rc = lg_store_run_done(st, "替换地块边界失败", err))) return rc;
  lg_store_writer_t *w = NULL;
  if ((rc = lg_store_writer_new(s, layer, &w, err))) return rc;
  for (int i = 0; i < nfields; i++) {
    if (!fields || !fields[i])
      lg_store_writer_null(w, i);
    else
      lg_store_writer_text(w, i, fields[i]);
  }
  size_t n = 0;
  unsigned char *wkb = lg_geom_to_wkb(g, geom, &n);
  rc = wkb ? lg_store_writer_add_wkb(w, id, wkb, n, NULL, err)
           : lg_err_set(err, LG_EGEOM, "地块几何无法写出");
  lg_free(wkb);
  if (rc == 0) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  return rc;
}

void stk_geom_sha(lg_geo_t *g, const lg_geom_t *geom, char out[65]) {
  size_t n = 0;
  unsigned char *wkb = lg_geom_to_wkb(g, geom, &n);
  unsigned char h[32];
  crypto_hash_sha256(h, wkb ? wkb : (const unsigned char *)"", wkb ? n : 0);
  lg_free(wkb);
  lg_ledger_hex(h, 32, out);
}

int stk_feature_sha(lg_store_t *s, const char *layer, int64_t id, char out[65], lg_err_t *err) {
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.fid = id, .columns = none};
  lg_store_reader_t *r = NULL;
  out[0] = '\0';
  int rc = lg_store_reader_new(s, layer, &o, &r, err);
  if (rc) return rc;
  int step = lg_store_reader_next(r, err);
  if (step == 1) {
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    const unsigned char *wkb = NULL;
    size_t wn = 0;
    int32_t srs;
    lg_env_t env;
    bool empty;
    if (blob && lg_gpkg_blob_parse(blob, n, &srs, &env, &empty, &wkb, &wn) == 0) {
      unsigned char h[32];
      crypto_hash_sha256(h, wkb, wn);
      lg_ledger_hex(h, 32, out);
    }
  } else if (step < 0) {
    rc = step;
  }
  lg_store_reader_free(r);
  return rc;
}
