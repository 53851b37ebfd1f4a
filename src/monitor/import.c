/*
 * A monitoring batch from a change-patch file (卫片/遥感变化图斑): the file
 * goes through src/formats into a layer of its own (monitor_batch_<id>,
 * kept as it came, a vintage beside the earlier ones), then each feature
 * becomes a row of lg_monitor_patches with its before and after class
 * codes, checked against the configured codes. One transaction: a file
 * with one unknown code lands nothing, and the message names the rows.
 */
#include "formats/formats.h"
#include "monitor/monitor_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The index of the first of the configured names for `key` (or of
 * `given`) among the reader's fields, or -1. */
static int field_of(lg_store_reader_t *r, const char *key, const char *given) {
  if (given && *given) return lg_store_reader_field_index(r, given);
  const json_t *names = json_object_get(json_object_get(mon_cfg(), "fields"), key);
  size_t i;
  const json_t *n;
  json_array_foreach(names, i, n) {
    int k = lg_store_reader_field_index(r, json_string_value(n));
    if (k >= 0) return k;
  }
  return -1;
}

/* A class code as the file holds it, trimmed; a number (a Shapefile's
 * numeric field loses the leading zero) written back with four digits. */
static void code_of(lg_store_reader_t *r, int i, char out[16]) {
  out[0] = '\0';
  if (lg_store_reader_field_type(r, i) == LG_COL_INT) {
    snprintf(out, 16, "%04lld", (long long)lg_store_reader_int(r, i));
    return;
  }
  const char *t = lg_store_reader_text(r, i);
  if (!t) return;
  while (*t == ' ')
    t++;
  snprintf(out, 16, "%s", t);
  for (size_t n = strlen(out); n && out[n - 1] == ' '; n--)
    out[n - 1] = '\0';
}

static bool is_zip(const char *p) {
  size_t n = strlen(p);
  return n > 4 && !strcasecmp(p + n - 4, ".zip") && strncmp(p, "/vsizip/", 8);
}

static const char *base_name(const char *p) {
  const char *b = strrchr(p, '/');
  return b ? b + 1 : p;
}

/* Names the missing column and the names tried. */
static int missing_field(const char *file, const char *what, const char *key, const char *given,
                         lg_err_t *err) {
  lg_buf_t b;
  lg_buf_init(&b);
  if (given && *given)
    lg_buf_puts(&b, given);
  else {
    const json_t *names = json_object_get(json_object_get(mon_cfg(), "fields"), key);
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n) {
      if (i) lg_buf_puts(&b, "、");
      lg_buf_puts(&b, json_string_value(n));
    }
  }
  lg_err_set(err, LG_EINVAL, "变化图斑文件 %s 缺少%s字段 (找过: %s)", file, what,
             b.data ? b.data : "");
  lg_buf_fini(&b);
  return LG_EINVAL;
}

typedef struct patch_reader {
  lg_store_t *s;
  lg_geo_t *g;
  const lg_monitor_import_t *o;
  const char *file;
  int64_t batch_id;
  int64_t n;
  double area;
  int nbad;
  lg_buf_t bad; /* "第 3 行 BGHDLBM \"0199\"; ..." */
} patch_reader_t;

/* Checks one code; remembers the first ten unknown ones. */
static void check_code(patch_reader_t *p, int64_t row, const char *field, const char *code) {
  if (lg_monitor_major_class(code)) return;
  if (p->nbad++ < 10)
    lg_buf_printf(&p->bad, "%s第 %lld 个图斑 %s \"%s\"", p->nbad > 1 ? "; " : "", (long long)row,
                  field, code);
}

static int read_patches(patch_reader_t *p, const char *layer, lg_err_t *err) {
  lg_store_reader_t *r = NULL;
  lg_stmt_t *ins = NULL;
  lg_geom_t *geom = NULL;
  int rc = lg_store_reader_new(p->s, layer, NULL, &r, err);
  if (rc) return rc;
  int fb = field_of(r, "before", p->o->before_field);
  int fa = field_of(r, "after", p->o->after_field);
  int fn = field_of(r, "number", p->o->number_field);
  if (fb < 0) rc = missing_field(p->file, "变更前地类编码", "before", p->o->before_field, err);
  if (rc == 0 && fa < 0)
    rc = missing_field(p->file, "变更后地类编码", "after", p->o->after_field, err);
  if (rc == 0)
    rc = lg_store_prepare(p->s,
                          "INSERT INTO lg_monitor_patches(batch_id, fid, patch_no, class_before,"
                          " class_after, area_m2) VALUES (?, ?, ?, ?, ?, ?)",
                          &ins, err);
  int step;
  while (rc == 0 && (step = lg_store_reader_next(r, err)) == 1) {
    p->n++;
    char before[16], after[16], no[64];
    code_of(r, fb, before);
    code_of(r, fa, after);
    const char *nt = fn >= 0 ? lg_store_reader_text(r, fn) : NULL;
    if (nt && *nt)
      snprintf(no, sizeof no, "%s", nt);
    else
      snprintf(no, sizeof no, "%lld", (long long)p->n);
    check_code(p, p->n, lg_store_reader_field_name(r, fb), before);
    check_code(p, p->n, lg_store_reader_field_name(r, fa), after);
    size_t bn;
    const void *blob = lg_store_reader_blob(r, &bn);
    double area = 0;
    if (blob && (geom = lg_geom_from_gpkg(p->g, blob, bn, err)) == NULL) {
      rc = err->code ? err->code : LG_EINVAL;
      break;
    }
    if (geom) area = round(lg_geom_area(p->g, geom) * 100) / 100;
    lg_geom_free(p->g, geom);
    geom = NULL;
    if (area <= 0 && p->nbad++ < 10)
      lg_buf_printf(&p->bad, "%s第 %lld 个图斑没有面状几何", p->nbad > 1 ? "; " : "",
                    (long long)p->n);
    p->area += area;
    lg_store_reset(ins);
    lg_store_bind_int(ins, 1, p->batch_id);
    lg_store_bind_int(ins, 2, lg_store_reader_fid(r));
    lg_store_bind_text(ins, 3, no);
    lg_store_bind_text(ins, 4, before);
    lg_store_bind_text(ins, 5, after);
    lg_store_bind_real(ins, 6, area);
    rc = lg_store_run(ins, "保存变化图斑失败", err);
  }
  if (rc == 0 && step < 0) rc = err->code ? err->code : LG_EDB;
  lg_store_done(ins);
  lg_store_reader_free(r);
  return rc;
}

/* The CRS the patches are stored in: the one asked for, else basic
 * farmland's (so detection compares like with like), else the file's. */
static int target_srs(lg_store_t *s, const lg_monitor_import_t *o) {
  if (o->to_srs) return o->to_srs;
  lg_layer_info_t info;
  lg_err_t e2 = {0};
  if (lg_store_layer_by_role(s, "pbf", &info, &e2) != 0) return 0;
  int srs = info.srs_id;
  lg_store_layer_info_fini(&info);
  return srs;
}

static int check_args(const lg_monitor_import_t *o, char division[16], lg_err_t *err) {
  if (!o->path || !*o->path) return lg_err_set(err, LG_EINVAL, "请给出变化图斑文件");
  if (!o->division || !*o->division)
    return lg_err_set(err, LG_EINVAL, "请给出监测批次所属的行政区 (division, 县级代码)");
  return lg_auth_division_normalize(o->division, division, "division", err);
}

int lg_monitor_import_run(lg_store_t *s, const lg_monitor_import_t *o, int64_t *batch_id,
                          lg_err_t *err) {
  char division[16], now[32], layer[64];
  int rc = check_args(o, division, err);
  if (rc == 0) rc = mon_require(s, o->who, "create", division, err);
  if (rc) return rc;
  const char *file = o->source_name ? o->source_name : base_name(o->path);
  patch_reader_t p = {.s = s, .g = lg_geo_thread(), .o = o, .file = file};
  lg_buf_init(&p.bad);
  mon_now(now);
  lg_stmt_t *st = NULL;
  if ((rc = lg_store_begin(s, err))) goto out;
  rc =
      lg_store_prepare(s,
                       "INSERT INTO lg_monitor_batches(name, division, layer, source, srs, patches,"
                       " area_m2, created_at, created_by) VALUES (?, ?, 'monitor_batch_new', ?,"
                       " 0, 0, 0, ?, ?) RETURNING id",
                       &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, o->name && *o->name ? o->name : file);
    lg_store_bind_text(st, 2, division);
    lg_store_bind_text(st, 3, file);
    lg_store_bind_text(st, 4, now);
    lg_store_bind_text(st, 5, mon_actor(o->who));
    rc = lg_store_insert_id(st, &p.batch_id, "保存监测批次失败", err);
    lg_store_done(st);
    st = NULL;
  }
  snprintf(layer, sizeof layer, "monitor_batch_%lld", (long long)p.batch_id);
  lg_formats_import_opts_t io = {.layer = layer,
                                 .title = o->name && *o->name ? o->name : file,
                                 .role = "other",
                                 .src_srs = o->srs,
                                 .to_srs = target_srs(s, o)};
  lg_formats_import_result_t ir = {0};
  /* A zipped Shapefile, as people send one, is read inside its zip. */
  char *src = is_zip(o->path) ? lg_sprintf("/vsizip/%s", o->path) : NULL;
  if (rc == 0) rc = lg_formats_import(s, src ? src : o->path, &io, &ir, err);
  lg_free(src);
  if (rc == 0 && lg_crs_is_projected(p.g, ir.srs_id) != 1)
    rc = lg_err_set(err, LG_ECRS,
                    "变化图斑文件 %s 的坐标系 EPSG:%d 不是投影坐标系, 无法计算面积;"
                    " 请用 to_srs 指定投影坐标系 (如 CGCS2000 3 度带)",
                    file, ir.srs_id);
  if (rc == 0) rc = read_patches(&p, layer, err);
  if (rc == 0 && p.n == 0) rc = lg_err_set(err, LG_EINVAL, "变化图斑文件 %s 没有图斑", file);
  if (rc == 0 && p.nbad)
    rc = lg_err_set(err, LG_EINVAL, "变化图斑文件 %s 有 %d 处无法识别: %s%s (地类编码见 %s)", file,
                    p.nbad, p.bad.data, p.nbad > 10 ? " ..." : "", "第三次全国国土调查工作分类");
  if (rc == 0)
    rc = lg_store_prepare(s,
                          "UPDATE lg_monitor_batches SET layer = ?, srs = ?, patches = ?,"
                          " area_m2 = ? WHERE id = ?",
                          &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, layer);
    lg_store_bind_int(st, 2, ir.srs_id);
    lg_store_bind_int(st, 3, p.n);
    lg_store_bind_real(st, 4, round(p.area * 100) / 100);
    lg_store_bind_int(st, 5, p.batch_id);
    rc = lg_store_run_done(st, "保存监测批次失败", err);
  }
  if (rc == 0)
    rc = mon_record(s, o->who, "monitor.import", "monitor_batch", p.batch_id, division, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && batch_id) *batch_id = p.batch_id;
out:
  lg_buf_fini(&p.bad);
  return rc;
}
