/*
 * Imports of supplies and approvals: a sheet (XLSX or CSV, as the
 * land-market monitoring system exports it: columns by their Chinese
 * names) with the parcels' boundaries from a file (Ministry coordinate
 * file, shapefile, GeoJSON, GeoPackage) or a store layer, matched by
 * 电子监管号 (supplies) or 批准文号 (approvals); or approvals straight
 * from a layer imported with --role approval.
 *
 * Everything is read and checked before anything is written, and the
 * writing is one transaction: a sheet with a missing column, an
 * unparseable date, a negative area, a duplicate 电子监管号, a boundary
 * missing or off its declared area by more than the tolerance (5%), or a
 * row outside the importer's jurisdiction changes nothing, and the
 * message names the file, the row and the column (and the boundary's
 * file and line).
 *
 * A supply already in the store (the same 电子监管号) is updated from the
 * new sheet, which is how the monitoring system's cumulative exports
 * bring actual start and completion dates; each change is a ledger entry.
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cases/cases.h"
#include "formats/formats.h"

/* ---- Boundaries by key --------------------------------------------------------- */

typedef struct bound {
  char *key;
  lg_geom_t *geom;
  int srs;
  char where[320]; /* "x.txt 第 12 行地块", "x.shp 要素 5" */
  int used;        /* rows that took it */
} bound_t;

typedef struct bounds {
  LG_VEC(bound_t) v;
  char source[256];
} bounds_t;

static void bounds_free(lg_geo_t *g, bounds_t *b) {
  for (size_t i = 0; i < b->v.len; i++) {
    lg_free(b->v.items[i].key);
    lg_geom_free(g, b->v.items[i].geom);
  }
  lg_free(b->v.items);
  memset(b, 0, sizeof *b);
}

static bound_t *bound_find(bounds_t *b, const char *key) {
  for (size_t i = 0; i < b->v.len; i++)
    if (!strcmp(b->v.items[i].key, key)) return &b->v.items[i];
  return NULL;
}

/* Adds a part under key (a key seen before gets the part added: a batch
 * approval of several parcels). Takes geom. */
static void bound_add(lg_geo_t *g, bounds_t *b, const char *key, lg_geom_t *geom, int srs,
                      const char *where) {
  bound_t *x = bound_find(b, key);
  if (x) {
    lg_geom_t *parts[2] = {x->geom, geom};
    lg_geom_t *coll = lg_geom_collect(g, parts, 2);
    x->geom = coll;
    return;
  }
  bound_t n = {.key = lg_strdup(key), .geom = geom, .srs = srs};
  snprintf(n.where, sizeof n.where, "%s", where);
  lg_vec_push(&b->v, n);
}

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static const char *base_name(const char *p) {
  const char *b = strrchr(p, '/');
  return b ? b + 1 : p;
}

/* Key columns a boundary source may use, in order of preference. */
static const char *const supply_keys[] = {"电子监管号", "DZJGH", "JGH", "supervision_no", NULL};
static const char *const approval_keys[] = {"批准文号", "PZWH", "approval_no", NULL};

static int key_column_of(lg_sheet_t *sh, const char *const *keys) {
  for (int k = 0; keys[k]; k++) {
    int c = lg_formats_sheet_find(sh, keys[k]);
    if (c >= 0) return c;
    for (int i = 0; i < lg_formats_sheet_ncols(sh); i++)
      if (!strcasecmp(lg_formats_sheet_colname(sh, i), keys[k])) return i;
  }
  return -1;
}

static int bounds_from_mtxt(lg_geo_t *g, const char *path, const char *name, bounds_t *b,
                            lg_err_t *err) {
  lg_formats_mtxt_t *m = NULL;
  int rc = lg_formats_mtxt_read(path, &m, err);
  if (rc) return rc;
  for (size_t i = 0; rc == 0 && i < m->nparcels; i++) {
    const lg_formats_mtxt_parcel_t *p = &m->parcels[i];
    lg_geom_t *geom = lg_formats_mtxt_parcel_geom(g, m, i, err);
    if (!geom) {
      rc = err && err->code ? err->code : LG_EINVAL;
      break;
    }
    char where[320];
    snprintf(where, sizeof where, "%s 第 %d 行地块", name, p->line);
    /* The parcel's number, or else its name, is the key. */
    const char *key = lg_formats_mtxt_field(p, LG_MTXT_PARCEL_NO);
    const char *alt = lg_formats_mtxt_field(p, LG_MTXT_NAME);
    if (alt && *alt && (!key || !*key)) key = alt;
    if (alt && *alt && key && strcmp(key, alt) != 0) {
      lg_geom_t *copy = lg_geom_clone(g, geom);
      bound_add(g, b, alt, copy, m->epsg, where);
    }
    bound_add(g, b, key ? key : "", geom, m->epsg, where);
  }
  lg_formats_mtxt_free(m);
  return rc;
}

static int bounds_from_file(lg_geo_t *g, const char *path, const char *name, int srs_given,
                            const char *const *keys, bounds_t *b, lg_err_t *err) {
  if (!name) name = base_name(path);
  snprintf(b->source, sizeof b->source, "%s", name);
  if (ends_with(path, ".txt")) return bounds_from_mtxt(g, path, name, b, err);
  lg_sheet_t *sh = NULL;
  int rc = lg_formats_sheet_open(path, name, NULL, &sh, err);
  if (rc) return rc;
  int kc = key_column_of(sh, keys);
  if (kc < 0) {
    rc = lg_err_set(err, LG_EINVAL, "%s: 没有 \"%s\" 字段, 无法与表格中的地块对应", name, keys[0]);
    lg_formats_sheet_close(sh);
    return rc;
  }
  int srs = lg_formats_sheet_srs(sh);
  if (srs <= 0) srs = srs_given;
  while ((rc = lg_formats_sheet_next(sh, err)) == 1) {
    size_t n = 0;
    const unsigned char *wkb = lg_formats_sheet_wkb(sh, &n);
    const char *key = lg_formats_sheet_cell(sh, kc);
    if (!wkb || !*key) continue;
    lg_geom_t *geom = lg_geom_from_wkb(g, wkb, n, err);
    if (!geom) {
      rc = lg_err_set(err, LG_EINVAL, "%s 要素 %lld: 几何无法读取", name,
                      (long long)lg_formats_sheet_row(sh));
      break;
    }
    int this_srs = srs;
    if (this_srs <= 0) {
      /* No CRS declared: a Gauss-Kruger easting with its zone prefix says
       * which zone (DOMAIN.md section 4). */
      lg_env_t env;
      int zone, width;
      if (lg_geom_envelope(g, geom, &env) == 0 &&
          lg_gk_zone_from_easting(env.minx, &zone, &width, &this_srs) != 0)
        this_srs = 0;
    }
    if (this_srs <= 0) {
      lg_geom_free(g, geom);
      rc = lg_err_set(err, LG_ECRS, "%s: 未声明坐标系, 请用 --srs 指定 EPSG 代码", name);
      break;
    }
    char where[320];
    snprintf(where, sizeof where, "%s 要素 %lld", name, (long long)lg_formats_sheet_row(sh));
    bound_add(g, b, key, geom, this_srs, where);
  }
  lg_formats_sheet_close(sh);
  return rc < 0 ? rc : 0;
}

static int bounds_from_layer(lg_store_t *s, lg_geo_t *g, const char *layer, const char *const *keys,
                             bounds_t *b, lg_err_t *err) {
  lg_layer_info_t info;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  int srs = info.srs_id;
  lg_store_layer_info_fini(&info);
  snprintf(b->source, sizeof b->source, "图层 %s", layer);
  lg_store_reader_t *r = NULL;
  lg_read_opts_t o = {0};
  if ((rc = lg_store_reader_new(s, layer, &o, &r, err))) return rc;
  int kc = -1;
  for (int k = 0; keys[k] && kc < 0; k++)
    kc = lg_store_reader_field_index(r, keys[k]);
  if (kc < 0) {
    lg_store_reader_free(r);
    return lg_err_set(err, LG_EINVAL, "图层 %s 没有 \"%s\" 字段", layer, keys[0]);
  }
  while ((rc = lg_store_reader_next(r, err)) == 1) {
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    const char *key = lg_store_reader_text(r, kc);
    if (!blob || !key || !*key) continue;
    lg_geom_t *geom = lg_geom_from_gpkg(g, blob, n, err);
    if (!geom) continue;
    char where[320];
    snprintf(where, sizeof where, "图层 %s 要素 %lld", layer, (long long)lg_store_reader_fid(r));
    bound_add(g, b, key, geom, srs, where);
  }
  lg_store_reader_free(r);
  return rc < 0 ? rc : 0;
}

/* ---- Rows ------------------------------------------------------------------------ */

enum { F_TEXT, F_REQTEXT, F_AREA, F_NUM, F_DATE, F_REQDATE, F_DIVISION, F_METHOD };

typedef struct col {
  const char *title; /* the sheet's column */
  const char *key;   /* the row's field */
  int kind;
  bool required; /* the column must be there */
} col_t;

static const col_t supply_cols[] = {
    {"电子监管号", "supervision_no", F_REQTEXT, true},
    {"项目名称", "project", F_REQTEXT, true},
    {"行政区代码", "division", F_DIVISION, true},
    {"土地坐落", "location", F_TEXT, false},
    {"面积(公顷)", "area_ha", F_AREA, true},
    {"土地用途", "land_use", F_REQTEXT, true},
    {"供地方式", "method", F_METHOD, true},
    {"土地使用年限", "term_years", F_NUM, false},
    {"成交价款(万元)", "price_wan", F_NUM, false},
    {"土地使用权人", "holder", F_TEXT, false},
    {"合同签订日期", "contract_on", F_REQDATE, true},
    {"约定交地时间", "agreed_delivery_on", F_DATE, false},
    {"约定开工时间", "agreed_start_on", F_REQDATE, true},
    {"约定竣工时间", "agreed_completion_on", F_DATE, false},
    {"实际交地时间", "actual_delivery_on", F_DATE, false},
    {"实际开工时间", "actual_start_on", F_DATE, false},
    {"实际竣工时间", "actual_completion_on", F_DATE, false},
};

static const col_t approval_cols[] = {
    {"批准文号", "approval_no", F_REQTEXT, true},  {"批准日期", "approved_on", F_REQDATE, true},
    {"批准面积(公顷)", "area_ha", F_AREA, true},   {"项目名称", "name", F_TEXT, false},
    {"行政区代码", "division", F_DIVISION, false}, {"批次类型", "kind", F_TEXT, false},
};

typedef struct row {
  int64_t line;
  json_t *f; /* field key -> value (text, real, or "YYYY-MM-DD") */
  bound_t *bound;
  lg_geom_t *geom; /* prepared in the stock layers' CRS */
  double area_m2;
  int64_t existing; /* id of the record of the same key, 0 when new */
  bool changed, geom_changed;
} row_t;

typedef LG_VEC(row_t) row_vec_t;

static int row_error(lg_err_t *err, const char *file, int64_t line, const col_t *c, int colidx,
                     const char *fmt, const char *value) {
  char ref[8] = "";
  if (colidx >= 0) lg_formats_sheet_colref(colidx, ref);
  char what[512];
  snprintf(what, sizeof what, fmt, value ? value : "");
  lg_err_set(err, LG_EINVAL, "%s 第 %lld 行 %s%s%s%s: %s", file, (long long)line, c ? c->title : "",
             ref[0] ? " (" : "", ref, ref[0] ? " 列)" : "", what);
  lg_err_where(err, "%s:%lld:%s", file, (long long)line, ref[0] ? ref : (c ? c->title : ""));
  return LG_EINVAL;
}

static bool method_known(const json_t *cfg, const char *m) {
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(cfg, "supply_methods"), i,
                     x) if (json_string_value(x) && !strcmp(json_string_value(x), m)) return true;
  return false;
}

/* One cell into the row's fields, checked. */
static int take_cell(const json_t *cfg, const char *file, int64_t line, const col_t *c, int colidx,
                     const char *text, json_t *f, lg_err_t *err) {
  switch (c->kind) {
  case F_TEXT:
    if (*text) json_object_set_new(f, c->key, json_string(text));
    return 0;
  case F_REQTEXT:
    if (!*text) return row_error(err, file, line, c, colidx, "不能为空%s", "");
    json_object_set_new(f, c->key, json_string(text));
    return 0;
  case F_AREA:
  case F_NUM: {
    if (!*text) {
      if (c->kind == F_AREA) return row_error(err, file, line, c, colidx, "不能为空%s", "");
      return 0;
    }
    double v;
    if (lg_formats_sheet_number(text, &v) != 0)
      return row_error(err, file, line, c, colidx, "\"%s\" 不是数值", text);
    if (v < 0) return row_error(err, file, line, c, colidx, "不能为负数 (%s)", text);
    if (c->kind == F_AREA && v == 0)
      return row_error(err, file, line, c, colidx, "面积应大于零 (%s)", text);
    json_object_set_new(f, c->key, json_real(v));
    return 0;
  }
  case F_DATE:
  case F_REQDATE: {
    if (!*text) {
      if (c->kind == F_REQDATE) return row_error(err, file, line, c, colidx, "不能为空%s", "");
      return 0;
    }
    int32_t d;
    if (lg_formats_sheet_date(text, &d) != 0)
      return row_error(err, file, line, c, colidx,
                       "无法识别的日期 \"%s\" (应为 2020-03-01、2020/3/1 或 2020年3月1日)", text);
    char b[11];
    lg_date_format(d, b);
    json_object_set_new(f, c->key, json_string(b));
    return 0;
  }
  case F_DIVISION: {
    if (!*text) {
      if (c->required) return row_error(err, file, line, c, colidx, "不能为空%s", "");
      return 0;
    }
    char norm[16];
    if (lg_auth_division_normalize(text, norm, c->title, NULL) != 0)
      return row_error(err, file, line, c, colidx,
                       "\"%s\" 不是行政区划代码 (GB/T 2260: 6 位县级代码, 或 9、12 位乡镇、村代码)",
                       text);
    json_object_set_new(f, c->key, json_string(norm));
    return 0;
  }
  case F_METHOD:
    if (!*text) return row_error(err, file, line, c, colidx, "不能为空%s", "");
    if (!method_known(cfg, text))
      return row_error(err, file, line, c, colidx,
                       "未知的供地方式 \"%s\" (可为 划拨、协议出让、招标出让、拍卖出让、挂牌出让、"
                       "租赁、先租后让、弹性年期)",
                       text);
    json_object_set_new(f, c->key, json_string(text));
    return 0;
  }
  return 0;
}

static const char *fs(const json_t *f, const char *k) {
  const char *v = json_string_value(json_object_get(f, k));
  return v ? v : NULL;
}
static double fn(const json_t *f, const char *k, double dflt) {
  const json_t *v = json_object_get(f, k);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

/* Reads and checks every row of a sheet. */
static int read_sheet(const json_t *cfg, const char *path, const char *name, const col_t *cols,
                      size_t ncols, const char *key, row_vec_t *rows, lg_err_t *err) {
  lg_sheet_t *sh = NULL;
  int rc = lg_formats_sheet_open(path, name, NULL, &sh, err);
  if (rc) return rc;
  const char *file = lg_formats_sheet_name(sh);
  int idx[32];
  for (size_t i = 0; i < ncols; i++) {
    idx[i] = lg_formats_sheet_find(sh, cols[i].title);
    /* "批准面积" without its unit is the same column (hectares). */
    if (idx[i] < 0 && !strcmp(cols[i].title, "批准面积(公顷)"))
      idx[i] = lg_formats_sheet_find(sh, "批准面积");
    if (idx[i] < 0 && cols[i].required) {
      lg_buf_t have;
      lg_buf_init(&have);
      for (int k = 0; k < lg_formats_sheet_ncols(sh); k++)
        lg_buf_printf(&have, "%s%s", k ? "、" : "", lg_formats_sheet_colname(sh, k));
      rc = lg_err_set(err, LG_EINVAL, "%s 第 1 行 (表头): 缺少列 \"%s\"; 表头有: %s", file,
                      cols[i].title, have.len ? have.data : "(空)");
      lg_err_where(err, "%s:1:%s", file, cols[i].title);
      lg_buf_fini(&have);
      goto done;
    }
  }
  while ((rc = lg_formats_sheet_next(sh, err)) == 1) {
    if (lg_formats_sheet_blank(sh)) continue;
    row_t r = {.line = lg_formats_sheet_row(sh), .f = json_object()};
    rc = 0; /* the row's own checks from here */
    for (size_t i = 0; rc == 0 && i < ncols; i++) {
      const char *text = idx[i] >= 0 ? lg_formats_sheet_cell(sh, idx[i]) : "";
      rc = take_cell(cfg, file, r.line, &cols[i], idx[i], text, r.f, err);
    }
    if (rc == 0) {
      /* A key seen in an earlier row. */
      const char *k = fs(r.f, key);
      for (size_t j = 0; j < rows->len; j++)
        if (!strcmp(fs(rows->items[j].f, key), k)) {
          char msg[128];
          snprintf(msg, sizeof msg, "\"%%s\" 与第 %lld 行重复", (long long)rows->items[j].line);
          rc = row_error(err, file, r.line, &cols[0], idx[0], msg, k);
          break;
        }
    }
    if (rc) {
      json_decref(r.f);
      break;
    }
    lg_vec_push(rows, r);
  }
  if (rc == 0 && rows->len == 0) rc = lg_err_set(err, LG_EINVAL, "%s: 没有数据行", file);
done:
  lg_formats_sheet_close(sh);
  return rc < 0 ? rc : 0;
}

static void rows_free(lg_geo_t *g, row_vec_t *rows) {
  for (size_t i = 0; i < rows->len; i++) {
    json_decref(rows->items[i].f);
    lg_geom_free(g, rows->items[i].geom);
  }
  lg_free(rows->items);
  memset(rows, 0, sizeof *rows);
}

/* ---- Writing -------------------------------------------------------------------- */

static int64_t existing_id(lg_store_t *s, const char *sql, const char *key, int *rc,
                           lg_err_t *err) {
  lg_stmt_t *st;
  if ((*rc = lg_store_prepare(s, sql, &st, err))) return 0;
  lg_store_bind_text(st, 1, key);
  int64_t id = 0;
  int step = lg_store_step(st);
  if (step == LG_ROW)
    id = lg_store_col_int(st, 0);
  else if (step < 0)
    *rc = lg_store_fail(s, err, "查询已有记录失败");
  lg_store_done(st);
  return id;
}

static void bind_f_text(lg_stmt_t *st, int i, const json_t *f, const char *k) {
  stk_bind_text(st, i, fs(f, k));
}

static void bind_f_real(lg_stmt_t *st, int i, const json_t *f, const char *k, double scale) {
  const json_t *v = json_object_get(f, k);
  if (json_is_number(v))
    lg_store_bind_real(st, i, json_number_value(v) * scale);
  else
    lg_store_bind_null(st, i);
}

static void writer_opt_text(lg_store_writer_t *w, int i, const char *v) {
  if (v)
    lg_store_writer_text(w, i, v);
  else
    lg_store_writer_null(w, i);
}

/* Writes the features of the rows whose boundary is new or changed, under
 * their records' ids: the old features of those ids go first, then one
 * writer adds them all. */
static int write_features(lg_store_t *s, const char *layer, row_vec_t *rows, bool supplies,
                          lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  char *sql = lg_sprintf("DELETE FROM %s WHERE fid = ?", layer);
  int rc = 0;
  size_t n = 0;
  for (size_t k = 0; rc == 0 && k < rows->len; k++) {
    if (!rows->items[k].geom_changed) continue;
    n++;
    lg_stmt_t *st;
    if ((rc = lg_store_prepare(s, sql, &st, err))) break;
    lg_store_bind_int(st, 1, rows->items[k].existing);
    rc = lg_store_run_done(st, "替换地块边界失败", err);
  }
  lg_free(sql);
  if (rc || n == 0) return rc;
  lg_store_writer_t *w = NULL;
  if ((rc = lg_store_writer_new(s, layer, &w, err))) return rc;
  for (size_t k = 0; rc == 0 && k < rows->len; k++) {
    row_t *r = &rows->items[k];
    if (!r->geom_changed) continue;
    const json_t *f = r->f;
    if (supplies) {
      lg_store_writer_text(w, 0, fs(f, "supervision_no"));
      lg_store_writer_text(w, 1, fs(f, "project"));
      lg_store_writer_text(w, 2, fs(f, "division"));
      writer_opt_text(w, 3, fs(f, "holder"));
      lg_store_writer_real(w, 4, stk_round(fn(f, "area_ha", 0), 4));
      lg_store_writer_text(w, 5, fs(f, "contract_on"));
      lg_store_writer_text(w, 6, fs(f, "agreed_start_on"));
      for (int i = 7; i < 10; i++)
        lg_store_writer_null(w, i);
    } else {
      lg_store_writer_text(w, 0, fs(f, "approval_no"));
      writer_opt_text(w, 1, fs(f, "name") ? fs(f, "name") : fs(f, "approval_no"));
      writer_opt_text(w, 2, fs(f, "division"));
      lg_store_writer_text(w, 3, fs(f, "approved_on"));
      lg_store_writer_real(w, 4, stk_round(fn(f, "area_ha", 0), 4));
      for (int i = 5; i < 9; i++)
        lg_store_writer_null(w, i);
    }
    size_t wn = 0;
    unsigned char *wkb = lg_geom_to_wkb(g, r->geom, &wn);
    rc = wkb ? lg_store_writer_add_wkb(w, r->existing, wkb, wn, NULL, err)
             : lg_err_set(err, LG_EGEOM, "地块几何无法写出");
    lg_free(wkb);
  }
  if (rc == 0) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  return rc;
}

/* Rows, features, entries. */
static int write_rows(lg_store_t *s, const lg_stock_import_t *o, bool supplies, row_vec_t *rows,
                      const char *source_ref, lg_stock_import_result_t *res, lg_err_t *err) {
  char now[32];
  lg_time_iso(lg_now(), now);
  const char *actor = o->who && o->who->login[0] ? o->who->login : "system";
  const char *type = supplies ? "stock_supply" : "stock_approval";
  int rc = 0;
  unsigned char(*before)[32] = lg_calloc(rows->len ? rows->len : 1, 32);
  for (size_t i = 0; rc == 0 && i < rows->len; i++) {
    row_t *r = &rows->items[i];
    const json_t *f = r->f;
    lg_stmt_t *st = NULL;
    if (r->existing) {
      json_t *b = supplies ? stk_supply_state(s, r->existing, err)
                           : stk_approval_state(s, r->existing, err);
      if (!b) {
        rc = err->code ? err->code : LG_EDB;
        break;
      }
      rc = lg_ledger_digest_json(b, before[i], err);
      json_decref(b);
      if (rc) break;
    }
    if (supplies) {
      rc = lg_store_prepare(
          s,
          r->existing
              ? "UPDATE lg_stock_supplies SET project = ?2, division = ?3, location = ?4,"
                " declared_m2 = ?5, area_m2 = coalesce(?6, area_m2), land_use = ?7, method = ?8,"
                " term_years = ?9, price_yuan = ?10, holder = ?11, contract_on = ?12,"
                " agreed_delivery_on = ?13, agreed_start_on = ?14, agreed_completion_on = ?15,"
                " actual_delivery_on = ?16, actual_start_on = ?17, actual_completion_on = ?18,"
                " source_ref = ?19, source_row = ?20, updated_at = ?21, updated_by = ?22"
                " WHERE id = ?1"
              : "INSERT INTO lg_stock_supplies(supervision_no, project, division, location,"
                " declared_m2, area_m2, land_use, method, term_years, price_yuan, holder,"
                " contract_on, agreed_delivery_on, agreed_start_on, agreed_completion_on,"
                " actual_delivery_on, actual_start_on, actual_completion_on, source_ref,"
                " source_row, created_at, created_by, updated_at, updated_by, source)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                " ?17, ?18, ?19, ?20, ?21, ?22, ?21, ?22, 'sheet') RETURNING id",
          &st, err);
      if (rc) break;
      if (!r->existing) lg_store_bind_text(st, 1, fs(f, "supervision_no"));
      bind_f_text(st, 2, f, "project");
      bind_f_text(st, 3, f, "division");
      bind_f_text(st, 4, f, "location");
      bind_f_real(st, 5, f, "area_ha", 10000.0);
      if (r->geom)
        lg_store_bind_real(st, 6, r->area_m2);
      else
        lg_store_bind_null(st, 6);
      bind_f_text(st, 7, f, "land_use");
      bind_f_text(st, 8, f, "method");
      bind_f_real(st, 9, f, "term_years", 1.0);
      bind_f_real(st, 10, f, "price_wan", 10000.0);
      bind_f_text(st, 11, f, "holder");
      bind_f_text(st, 12, f, "contract_on");
      bind_f_text(st, 13, f, "agreed_delivery_on");
      bind_f_text(st, 14, f, "agreed_start_on");
      bind_f_text(st, 15, f, "agreed_completion_on");
      bind_f_text(st, 16, f, "actual_delivery_on");
      bind_f_text(st, 17, f, "actual_start_on");
      bind_f_text(st, 18, f, "actual_completion_on");
    } else {
      rc = lg_store_prepare(
          s,
          r->existing
              ? "UPDATE lg_stock_approvals SET name = ?2, kind = ?3, division = ?4,"
                " approved_on = ?5, declared_m2 = ?6, area_m2 = coalesce(?7, area_m2),"
                " source_ref = ?8 WHERE id = ?1"
              : "INSERT INTO lg_stock_approvals(approval_no, name, kind, division, approved_on,"
                " declared_m2, area_m2, source_ref, source, created_at, created_by)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
          &st, err);
      if (rc) break;
      if (!r->existing) lg_store_bind_text(st, 1, fs(f, "approval_no"));
      lg_store_bind_text(st, 2, fs(f, "name") ? fs(f, "name") : fs(f, "approval_no"));
      const char *kind = fs(f, "kind");
      lg_store_bind_text(
          st, 3, kind && (strstr(kind, "单独") || !strcmp(kind, "single")) ? "single" : "batch");
      bind_f_text(st, 4, f, "division");
      bind_f_text(st, 5, f, "approved_on");
      bind_f_real(st, 6, f, "area_ha", 10000.0);
      if (r->geom)
        lg_store_bind_real(st, 7, r->area_m2);
      else
        lg_store_bind_null(st, 7);
      lg_store_bind_text(st, 8, source_ref);
      if (!r->existing) {
        lg_store_bind_text(st, 9, o->sheet_path ? "sheet" : "layer");
        lg_store_bind_text(st, 10, now);
        lg_store_bind_text(st, 11, actor);
      }
    }
    if (supplies) {
      lg_store_bind_text(st, 19, source_ref);
      lg_store_bind_int(st, 20, r->line);
      lg_store_bind_text(st, 21, now);
      lg_store_bind_text(st, 22, actor);
    }
    if (r->existing) {
      lg_store_bind_int(st, 1, r->existing);
      rc = lg_store_run_done(st, supplies ? "更新供地记录失败" : "更新批准用地失败", err);
    } else {
      int64_t id = 0;
      rc = lg_store_insert_id(st, &id, supplies ? "写入供地记录失败" : "写入批准用地失败", err);
      r->existing = id;
      r->changed = true;
      r->geom_changed = r->geom != NULL;
      memset(before[i], 0, 32);
    }
  }
  if (rc == 0) rc = write_features(s, supplies ? STK_SUPPLIES : STK_APPROVALS, rows, supplies, err);
  for (size_t i = 0; rc == 0 && i < rows->len; i++) {
    row_t *r = &rows->items[i];
    json_t *after =
        supplies ? stk_supply_state(s, r->existing, err) : stk_approval_state(s, r->existing, err);
    if (!after) {
      rc = err->code ? err->code : LG_EDB;
      break;
    }
    unsigned char d[32];
    rc = lg_ledger_digest_json(after, d, err);
    json_decref(after);
    if (rc) break;
    bool created = r->changed;
    if (!created && memcmp(d, before[i], 32) == 0) {
      res->unchanged++;
      continue;
    }
    if (created)
      res->created++;
    else
      res->updated++;
    rc = stk_record(s, o->who,
                    supplies ? (created ? "stock.supply.import" : "stock.supply.update")
                             : (created ? "stock.approval.import" : "stock.approval.update"),
                    type, r->existing, fs(r->f, "division"), err);
  }
  lg_free(before);
  return rc;
}

/* ---- The import ----------------------------------------------------------------- */

/* Approvals from a layer without a sheet: each feature is a row (features
 * sharing a 批准文号 are one batch of several parcels). */
static int rows_from_layer(lg_store_t *s, const json_t *cfg, const char *layer,
                           const lg_subject_t *who, row_vec_t *rows, bounds_t *b, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_layer_info_t info;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  int srs = info.srs_id;
  lg_store_layer_info_fini(&info);
  snprintf(b->source, sizeof b->source, "图层 %s", layer);
  lg_store_reader_t *r = NULL;
  lg_read_opts_t o = {0};
  if ((rc = lg_store_reader_new(s, layer, &o, &r, err))) return rc;
  int idx[LG_ARRAY_LEN(approval_cols)];
  static const char *const alias[][3] = {{"批准文号", "PZWH", NULL},
                                         {"批准日期", "PZRQ", NULL},
                                         {"批准面积", "PZMJ", "批准面积(公顷)"},
                                         {"项目名称", "XMMC", "批次名称"},
                                         {"行政区代码", "XZQDM", NULL},
                                         {"批次类型", "PCLX", NULL}};
  for (size_t i = 0; i < LG_ARRAY_LEN(approval_cols); i++) {
    idx[i] = -1;
    for (int k = 0; k < 3 && alias[i][k] && idx[i] < 0; k++)
      idx[i] = lg_store_reader_field_index(r, alias[i][k]);
    if (idx[i] < 0 && approval_cols[i].required) {
      lg_store_reader_free(r);
      return lg_err_set(err, LG_EINVAL, "图层 %s 缺少字段 \"%s\" (批准文号、批准日期、批准面积)",
                        layer, alias[i][0]);
    }
  }
  char file[160];
  snprintf(file, sizeof file, "图层 %s", layer);
  while ((rc = lg_store_reader_next(r, err)) == 1) {
    int64_t fid = lg_store_reader_fid(r);
    json_t *f = json_object();
    rc = 0; /* the feature's own checks from here */
    for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(approval_cols); i++) {
      char num[64];
      const char *text = "";
      if (idx[i] >= 0) {
        int t = lg_store_reader_field_type(r, idx[i]);
        if (t == LG_COL_REAL) {
          snprintf(num, sizeof num, "%.10g", lg_store_reader_real(r, idx[i]));
          text = num;
        } else if (t == LG_COL_INT) {
          snprintf(num, sizeof num, "%lld", (long long)lg_store_reader_int(r, idx[i]));
          text = num;
        } else if (t != LG_COL_NULL) {
          text = lg_store_reader_text(r, idx[i]);
        }
      }
      char *copy = lg_strdup(text ? text : "");
      lg_trim(copy);
      rc = take_cell(cfg, file, fid, &approval_cols[i], -1, copy, f, err);
      lg_free(copy);
      if (rc) lg_err_where(err, "%s:fid %lld:%s", layer, (long long)fid, approval_cols[i].title);
    }
    if (rc == 0 && !json_object_get(f, "division")) {
      /* No division in the layer: the importer's own county. */
      if (who && strlen(who->division) >= 6)
        json_object_set_new(f, "division", json_string(who->division));
      else
        rc = lg_err_set(err, LG_EINVAL,
                        "图层 %s 要素 %lld: 没有行政区代码, 请在图层中加入"
                        " 行政区代码 字段",
                        layer, (long long)fid);
    }
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    lg_geom_t *geom = rc == 0 && blob ? lg_geom_from_gpkg(g, blob, n, err) : NULL;
    if (rc == 0 && !geom)
      rc = lg_err_set(err, LG_EINVAL, "图层 %s 要素 %lld: 没有几何", layer, (long long)fid);
    if (rc) {
      json_decref(f);
      break;
    }
    const char *key = fs(f, "approval_no");
    char where[200];
    snprintf(where, sizeof where, "图层 %s 要素 %lld", layer, (long long)fid);
    bound_add(g, b, key, geom, srs, where);
    /* One row per 批准文号: a later feature adds its parcel and area. */
    row_t *same = NULL;
    for (size_t j = 0; j < rows->len; j++)
      if (!strcmp(fs(rows->items[j].f, "approval_no"), key)) same = &rows->items[j];
    if (same) {
      if (strcmp(fs(same->f, "approved_on"), fs(f, "approved_on"))) {
        rc = lg_err_set(err, LG_EINVAL,
                        "图层 %s 要素 %lld: 批准文号 %s 的批准日期 %s 与要素 %lld 的 %s 不一致",
                        layer, (long long)fid, key, fs(f, "approved_on"), (long long)same->line,
                        fs(same->f, "approved_on"));
        json_decref(f);
        break;
      }
      json_object_set_new(same->f, "area_ha",
                          json_real(fn(same->f, "area_ha", 0) + fn(f, "area_ha", 0)));
      json_decref(f);
      continue;
    }
    row_t row = {.line = fid, .f = f};
    lg_vec_push(rows, row);
  }
  lg_store_reader_free(r);
  if (rc == 0 && rows->len == 0) rc = lg_err_set(err, LG_EINVAL, "图层 %s 没有要素", layer);
  return rc < 0 ? rc : 0;
}

int lg_stock_import_run(lg_store_t *s, const lg_stock_import_t *o, lg_stock_import_result_t *res,
                        lg_err_t *err) {
  memset(res, 0, sizeof *res);
  lg_geo_t *g = lg_geo_thread();
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  bool supplies = o->kind && !strcmp(o->kind, "supplies");
  if (!supplies && !(o->kind && !strcmp(o->kind, "approvals")))
    return lg_err_set(err, LG_EINVAL, "导入类型应为 supplies (供地) 或 approvals (批准用地)");
  const char *key = supplies ? "supervision_no" : "approval_no";
  const char *key_title = supplies ? "电子监管号" : "批准文号";
  row_vec_t rows = {0};
  bounds_t b = {0};
  char source_ref[512] = "";
  const char *file = "";
  /* 1. Rows and boundaries, read and checked. */
  if (o->sheet_path) {
    rc = read_sheet(cfg, o->sheet_path, o->sheet_name, supplies ? supply_cols : approval_cols,
                    supplies ? LG_ARRAY_LEN(supply_cols) : LG_ARRAY_LEN(approval_cols), key, &rows,
                    err);
    file = o->sheet_name ? o->sheet_name : base_name(o->sheet_path);
    snprintf(source_ref, sizeof source_ref, "%s", file);
    if (rc == 0 && o->boundary_path)
      rc = bounds_from_file(g, o->boundary_path, o->boundary_name, o->srs,
                            supplies ? supply_keys : approval_keys, &b, err);
    else if (rc == 0 && o->layer)
      rc = bounds_from_layer(s, g, o->layer, supplies ? supply_keys : approval_keys, &b, err);
  } else if (!supplies && o->layer) {
    rc = rows_from_layer(s, cfg, o->layer, o->who, &rows, &b, err);
    snprintf(source_ref, sizeof source_ref, "图层 %s", o->layer);
    file = source_ref;
  } else {
    rc = lg_err_set(err, LG_EINVAL,
                    supplies ? "需要供地表格 (XLSX 或 CSV)"
                             : "需要批准用地表格, 或以 --layer 指定已导入的批准用地图层");
  }
  if (rc) goto done;
  res->rows = (int64_t)rows.len;
  /* 2. Who may, what exists, which boundary, within its declared area. */
  int srs = stk_layer_srs(s, err);
  double tol = stk_cfg_num(cfg, "area_tolerance.value", 0.05);
  const char *ex_sql = supplies ? "SELECT id FROM lg_stock_supplies WHERE supervision_no = ?"
                                : "SELECT id FROM lg_stock_approvals WHERE approval_no = ?";
  int area_col = -1;
  for (size_t i = 0; i < rows.len && rc == 0; i++) {
    row_t *r = &rows.items[i];
    const char *k = fs(r->f, key);
    if (o->who) {
      lg_object_ref_t obj = {.division = fs(r->f, "division")};
      if ((rc = lg_auth_require(s, o->who, "stock", "create", &obj, err))) {
        lg_err_prefix(err, "%s 第 %lld 行: ", file, (long long)r->line);
        break;
      }
    }
    r->existing = existing_id(s, ex_sql, k, &rc, err);
    if (rc) break;
    r->bound = bound_find(&b, k);
    if (!r->bound) {
      if (r->existing) continue; /* an update of the record alone */
      rc = lg_err_set(err, LG_EINVAL, "%s 第 %lld 行 %s \"%s\": %s%s", file, (long long)r->line,
                      key_title, k, b.source[0] ? b.source : "(没有给出边界文件)",
                      b.source[0] ? " 中没有这个地块的边界" : ", 无法确定地块范围");
      lg_err_where(err, "%s:%lld:%s", file, (long long)r->line, key_title);
      break;
    }
    r->bound->used++;
    if (srs <= 0) srs = r->bound->srs; /* the first boundary decides, unless project_srs */
    char what[400];
    snprintf(what, sizeof what, "%s 第 %lld 行 (%s)", file, (long long)r->line, r->bound->where);
    int target = srs;
    if (stk_layer_srs(s, err) <= 0) {
      char *proj = NULL;
      lg_store_setting_get(s, "project_srs", &proj, NULL);
      if (proj && *proj) target = atoi(proj);
      lg_free(proj);
    }
    if (target <= 0 || lg_crs_is_projected(g, target) != 1) {
      rc = lg_err_set(err, LG_ECRS,
                      "%s: 坐标系 EPSG:%d 不是投影坐标系; 请先设置一张图统一坐标系"
                      " (landgov settings set project_srs 4526)",
                      what, target);
      break;
    }
    srs = target;
    r->geom = stk_geom_prepare(g, r->bound->geom, r->bound->srs, srs, what, err);
    if (!r->geom) {
      rc = err->code ? err->code : LG_EINVAL;
      break;
    }
    r->area_m2 = lg_geom_area(g, r->geom);
    double declared = fn(r->f, "area_ha", 0) * 10000.0;
    if (declared > 0 && fabs(r->area_m2 - declared) > tol * declared) {
      if (area_col < 0) area_col = supplies ? 4 : 2;
      const col_t *c = supplies ? &supply_cols[4] : &approval_cols[2];
      rc = lg_err_set(err, LG_EINVAL,
                      "%s 第 %lld 行 %s: 申报 %.4f 公顷, %s 的边界计算为 %.4f 公顷,"
                      " 相差 %.1f%%, 超过允许的 %.0f%%",
                      file, (long long)r->line, c->title, declared / 10000.0, r->bound->where,
                      r->area_m2 / 10000.0, fabs(r->area_m2 - declared) / declared * 100.0,
                      tol * 100.0);
      lg_err_where(err, "%s:%lld:%s", file, (long long)r->line, c->title);
      break;
    }
    if (r->existing) {
      /* A boundary that did not change is not written again. */
      char have[65], want[65];
      if ((rc =
               stk_feature_sha(s, supplies ? STK_SUPPLIES : STK_APPROVALS, r->existing, have, err)))
        break;
      stk_geom_sha(g, r->geom, want);
      r->geom_changed = strcmp(have, want) != 0;
    }
  }
  if (rc) goto done;
  /* 3. Written together. */
  if ((rc = lg_store_begin(s, err))) goto done;
  int have_srs;
  rc = stk_layers_ensure(s, srs, &have_srs, err);
  if (rc == 0) rc = write_rows(s, o, supplies, &rows, source_ref, res, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  res->srs = have_srs;
done:
  rows_free(g, &rows);
  bounds_free(g, &b);
  return rc;
}

/* ---- A supply from a handed-over case ---------------------------------------------- */

int lg_stock_supply_from_case(lg_store_t *s, const lg_subject_t *who, int64_t case_id,
                              const json_t *fields, int64_t *id, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  if (!json_is_object(fields)) return lg_err_set(err, LG_EINVAL, "供地信息应为 JSON 对象");
  int64_t approval = 0;
  json_t *c = NULL;
  row_vec_t rows = {0};
  lg_geom_t *geom = NULL;
  if ((rc = lg_cases_get(s, case_id, &c, err))) return rc;
  const char *status = json_string_value(json_object_get(c, "status"));
  if (!status || strcmp(status, "handed_over")) {
    rc = lg_err_set(err, LG_ECONFLICT, "案件 %s 尚未移交供地 (状态: %s), 不能登记供地",
                    json_string_value(json_object_get(c, "code")),
                    json_string_value(json_object_get(c, "status_title")));
    goto done;
  }
  /* The sheet's columns, from the request (with the case's own values
   * where the request leaves them out). */
  json_t *f = json_object();
  row_t r = {.line = 1, .f = f};
  lg_vec_push(&rows, r);
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(supply_cols); i++) {
    const col_t *col = &supply_cols[i];
    const json_t *v = json_object_get(fields, col->key);
    char num[64];
    const char *text = json_string_value(v);
    if (json_is_number(v)) {
      snprintf(num, sizeof num, "%.10g", json_number_value(v));
      text = num;
    }
    if (!text || !*text) {
      if (!strcmp(col->key, "project"))
        text = json_string_value(json_object_get(c, "title"));
      else if (!strcmp(col->key, "division"))
        text = json_string_value(json_object_get(c, "division"));
      else if (!strcmp(col->key, "holder"))
        text = json_string_value(json_object_get(c, "applicant"));
      else if (!strcmp(col->key, "area_ha")) {
        snprintf(num, sizeof num, "%.4f",
                 json_number_value(json_object_get(c, "planar_m2")) / 10000.0);
        text = num;
      }
    }
    char *copy = lg_strdup(text ? text : "");
    lg_trim(copy);
    rc = take_cell(cfg, "供地信息", 1, col, -1, copy, f, err);
    lg_free(copy);
    if (rc) {
      /* Name the request's field rather than a sheet row. */
      char msg[800];
      snprintf(msg, sizeof msg, "%s", err->msg);
      const char *p = strstr(msg, ": ");
      lg_err_set(err, LG_EINVAL, "供地信息 %s (%s)%s", col->title, col->key, p ? p : "");
      lg_err_where(err, "%s", col->key);
    }
  }
  if (rc) goto done;
  if (who) {
    lg_object_ref_t obj = {.division = fs(f, "division")};
    if ((rc = lg_auth_require(s, who, "stock", "create", &obj, err))) goto done;
  }
  int exists = 0;
  if (existing_id(s, "SELECT id FROM lg_stock_supplies WHERE supervision_no = ?",
                  fs(f, "supervision_no"), &exists, err)) {
    rc = lg_err_set(err, LG_ECONFLICT, "电子监管号 %s 已登记", fs(f, "supervision_no"));
    lg_err_where(err, "supervision_no");
    goto done;
  }
  if ((rc = exists)) goto done;
  /* The parcel: as given, or the whole approved boundary. */
  int src_srs = (int)json_integer_value(json_object_get(c, "srs_id"));
  const json_t *bd = json_object_get(fields, "boundary");
  char *text = json_dumps(json_is_object(bd) ? bd : json_object_get(c, "boundary"),
                          JSON_COMPACT | JSON_REAL_PRECISION(17));
  lg_geom_t *raw = text ? lg_geom_from_geojson(g, text, err) : NULL;
  free(text);
  if (!raw) {
    rc = err->code ? err->code : LG_EINVAL;
    lg_err_prefix(err, "供地边界: ");
    goto done;
  }
  if ((rc = lg_store_begin(s, err))) {
    lg_geom_free(g, raw);
    goto done;
  }
  int srs = 0;
  rc = lg_stock_approval_from_case(s, case_id, who ? who->login : "system", &approval, err);
  if (rc == 0) rc = stk_layers_ensure(s, src_srs, &srs, err);
  if (rc == 0) {
    geom = stk_geom_prepare(g, raw, src_srs, srs, "供地边界", err);
    if (!geom) rc = err->code ? err->code : LG_EINVAL;
  }
  lg_geom_free(g, raw);
  if (rc == 0) {
    rows.items[0].geom = geom;
    geom = NULL;
    rows.items[0].area_m2 = lg_geom_area(g, rows.items[0].geom);
    lg_stock_import_t o = {.kind = "supplies", .who = who};
    lg_stock_import_result_t res = {0};
    char ref[64];
    snprintf(ref, sizeof ref, "案件 %s", json_string_value(json_object_get(c, "code")));
    rc = write_rows(s, &o, true, &rows, ref, &res, err);
  }
  if (rc == 0) {
    lg_stmt_t *st;
    rc = lg_store_prepare(s,
                          "UPDATE lg_stock_supplies SET source = 'case', case_id = ?,"
                          " approval_id = ? WHERE id = ?",
                          &st, err);
    if (rc == 0) {
      lg_store_bind_int(st, 1, case_id);
      lg_store_bind_int(st, 2, approval);
      lg_store_bind_int(st, 3, rows.items[0].existing);
      rc = lg_store_run_done(st, "登记供地失败", err);
    }
    /* The entry recorded by write_rows did not hold the case yet. */
    if (rc == 0)
      rc = stk_record(s, who, "stock.supply.case", "stock_supply", rows.items[0].existing,
                      fs(f, "division"), err);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = rows.items[0].existing;
done:
  lg_geom_free(g, geom);
  rows_free(g, &rows);
  json_decref(c);
  return rc;
}
