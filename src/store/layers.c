/*
 * Layers: GeoPackage feature tables and their catalogue. Creating a layer
 * writes the table, its gpkg_contents and gpkg_geometry_columns rows and
 * its lg_layers row; the writer fills it and, at the end, its R-tree
 * (rtree_<t>_geom, GeoPackage extension gpkg_rtree_index) and the R-tree
 * triggers, as GDAL does for bulk loads; the reader walks it,
 * through the R-tree when given a box.
 *
 * A new layer's R-tree is bulk-loaded at the end (rtree_bulk.c); a writer
 * appending to a finished layer leaves the R-tree to its triggers.
 */
#include "store/store_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const roles[] = {LG_ROLES};
static const char *const role_titles[] = {"生态保护红线", "永久基本农田", "城镇开发边界",
                                          "土地利用现状", "规划用途分区", "项目用地范围",
                                          "其他"};

bool lg_role_valid(const char *role) {
  for (size_t i = 0; i < LG_ARRAY_LEN(roles); i++)
    if (role && strcmp(role, roles[i]) == 0) return true;
  return false;
}

const char *lg_role_title(const char *role) {
  for (size_t i = 0; i < LG_ARRAY_LEN(roles); i++)
    if (role && strcmp(role, roles[i]) == 0) return role_titles[i];
  return "其他";
}

bool lg_layer_name_valid(const char *name) {
  if (!name || !*name || strlen(name) > 100) return false;
  if (!(isalpha((unsigned char)name[0]) || name[0] == '_')) return false;
  for (const char *p = name; *p; p++)
    if (!(isalnum((unsigned char)*p) || *p == '_')) return false;
  /* Names the GeoPackage and landgov reserve. */
  if (strncmp(name, "gpkg_", 5) == 0 || strncmp(name, "rtree_", 6) == 0 ||
      strncmp(name, "lg_", 3) == 0 || strncmp(name, "sqlite_", 7) == 0)
    return false;
  return true;
}

static const char *field_sql_type(int t) {
  switch (t) {
  case LG_FIELD_INTEGER: return "INTEGER";
  case LG_FIELD_REAL: return "REAL";
  case LG_FIELD_DATE: return "DATE";
  case LG_FIELD_DATETIME: return "DATETIME";
  case LG_FIELD_BLOB: return "BLOB";
  default: return "TEXT";
  }
}

static int exec_fmt(lg_store_t *s, lg_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int exec_fmt(lg_store_t *s, lg_err_t *err, const char *fmt, ...) {
  lg_buf_t b;
  lg_buf_init(&b);
  va_list ap;
  va_start(ap, fmt);
  lg_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  int rc = lg_store_exec(s, b.data, err);
  lg_buf_fini(&b);
  return rc;
}

static bool layer_exists(lg_store_t *s, const char *name) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM gpkg_contents WHERE table_name = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return false;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

int lg_store_layer_create(lg_store_t *s, const lg_layer_def_t *d, bool replace, lg_err_t *err) {
  if (!lg_layer_name_valid(d->name))
    return lg_err_set(err, LG_EINVAL,
                      "图层名 \"%s\" 无效: 只能用字母、数字和下划线, 且不能以数字开头, "
                      "不能以 gpkg_、rtree_、lg_ 开头", d->name ? d->name : "");
  if (!lg_role_valid(d->role))
    return lg_err_set(err, LG_EINVAL,
                      "图层角色 \"%s\" 无效; 可用: eprl, pbf, udb, landuse, plan, boundary, other",
                      d->role ? d->role : "");
  if (layer_exists(s, d->name)) {
    if (!replace)
      return lg_err_set(err, LG_ECONFLICT, "图层 %s 已存在; 如需替换请加 --replace", d->name);
    int rc = lg_store_layer_drop(s, d->name, err);
    if (rc) return rc;
  }
  int rc = lg_store_ensure_srs(s, d->srs_id, err);
  if (rc) return rc;

  char q[300];
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_printf(&sql, "CREATE TABLE %s (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom %s",
                lg_store_quote(q, sizeof q, d->name), d->geom_type);
  for (size_t i = 0; i < d->nfields; i++) {
    if (strcasecmp(d->fields[i].name, "fid") == 0 || strcasecmp(d->fields[i].name, "geom") == 0) {
      lg_buf_fini(&sql);
      return lg_err_set(err, LG_EINVAL, "字段名 %s 与系统字段冲突", d->fields[i].name);
    }
    lg_buf_printf(&sql, ", %s %s", lg_store_quote(q, sizeof q, d->fields[i].name),
                  field_sql_type(d->fields[i].type));
  }
  lg_buf_puts(&sql, ")");
  rc = lg_store_exec(s, sql.data, err);
  lg_buf_fini(&sql);
  if (rc) return rc;

  sqlite3_stmt *st;
  if ((rc = lg_store_prepare(s, "INSERT INTO gpkg_contents(table_name, data_type, identifier,"
                                " description, srs_id) VALUES (?, 'features', ?, ?, ?)",
                             &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, d->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, d->title ? d->title : "", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, d->srs_id);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(s, err, "登记图层失败");
  sqlite3_finalize(st);
  if (rc) return rc;

  if ((rc = lg_store_prepare(s, "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                             &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, d->geom_type, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, d->srs_id);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(s, err, "登记几何字段失败");
  sqlite3_finalize(st);
  if (rc) return rc;

  char ts[32];
  lg_time_iso(lg_now(), ts);
  if ((rc = lg_store_prepare(s, "INSERT INTO lg_layers(name, title, role, class_field, geom_type,"
                                " srs_id, source, meta, imported_at) VALUES (?,?,?,?,?,?,?,?,?)",
                             &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, d->title ? d->title : d->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, d->role, -1, SQLITE_STATIC);
  if (d->class_field) sqlite3_bind_text(st, 4, d->class_field, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, d->geom_type, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, d->srs_id);
  if (d->source) sqlite3_bind_text(st, 7, d->source, -1, SQLITE_STATIC);
  if (d->meta) sqlite3_bind_text(st, 8, d->meta, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, ts, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(s, err, "登记图层目录失败");
  sqlite3_finalize(st);
  if (rc) return rc;

  /* The R-tree exists from the start; its triggers come in finish. */
  char rq[300];
  char *rt = lg_sprintf("rtree_%s_geom", d->name);
  rc = exec_fmt(s, err, "CREATE VIRTUAL TABLE %s USING rtree(id, minx, maxx, miny, maxy)",
                lg_store_quote(rq, sizeof rq, rt));
  lg_free(rt);
  if (rc) return rc;
  if ((rc = lg_store_prepare(s, "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index',"
                                " 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                             &st, err)))
    return rc;
  sqlite3_bind_text(st, 1, d->name, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(s, err, "登记空间索引扩展失败");
  sqlite3_finalize(st);
  return rc;
}

int lg_store_layer_drop(lg_store_t *s, const char *name, lg_err_t *err) {
  if (!lg_layer_name_valid(name)) return lg_err_set(err, LG_EINVAL, "图层名 \"%s\" 无效", name);
  char q[300], rq[300];
  char *rt = lg_sprintf("rtree_%s_geom", name);
  int rc = exec_fmt(s, err,
                    "DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s;"
                    "DELETE FROM lg_layers WHERE name = '%s';"
                    "DELETE FROM gpkg_extensions WHERE table_name = '%s';"
                    "DELETE FROM gpkg_geometry_columns WHERE table_name = '%s';"
                    "DELETE FROM gpkg_contents WHERE table_name = '%s';",
                    lg_store_quote(rq, sizeof rq, rt), lg_store_quote(q, sizeof q, name), name,
                    name, name, name);
  lg_free(rt);
  return rc;
}

/* ---- Catalogue ---------------------------------------------------------- */

#define INFO_COLS                                                                          \
  "l.id, l.name, coalesce(l.title, l.name), l.role, coalesce(l.class_field, ''),"         \
  " l.geom_type, l.srs_id, l.feature_count, coalesce(l.source, ''), l.imported_at, l.meta," \
  " c.min_x, c.min_y, c.max_x, c.max_y"                                                    \
  " FROM lg_layers l JOIN gpkg_contents c ON c.table_name = l.name"

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void read_info(sqlite3_stmt *st, lg_layer_info_t *o) {
  memset(o, 0, sizeof *o);
  o->id = sqlite3_column_int64(st, 0);
  copy_col(o->name, sizeof o->name, st, 1);
  copy_col(o->title, sizeof o->title, st, 2);
  copy_col(o->role, sizeof o->role, st, 3);
  copy_col(o->class_field, sizeof o->class_field, st, 4);
  copy_col(o->geom_type, sizeof o->geom_type, st, 5);
  o->srs_id = sqlite3_column_int(st, 6);
  o->count = sqlite3_column_int64(st, 7);
  copy_col(o->source, sizeof o->source, st, 8);
  copy_col(o->imported_at, sizeof o->imported_at, st, 9);
  if (sqlite3_column_type(st, 10) != SQLITE_NULL)
    o->meta = lg_strdup((const char *)sqlite3_column_text(st, 10));
  o->extent.minx = sqlite3_column_double(st, 11);
  o->extent.miny = sqlite3_column_double(st, 12);
  o->extent.maxx = sqlite3_column_double(st, 13);
  o->extent.maxy = sqlite3_column_double(st, 14);
}

void lg_layer_info_fini(lg_layer_info_t *info) {
  if (!info) return;
  lg_free(info->meta);
  info->meta = NULL;
}

int lg_store_layer_get(lg_store_t *s, const char *key, lg_layer_info_t *out, lg_err_t *err) {
  sqlite3_stmt *st;
  if (lg_store_prepare(s, "SELECT " INFO_COLS " WHERE l.name = ?1 OR CAST(l.id AS TEXT) = ?1",
                       &st, err))
    return LG_EDB;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) read_info(st, out);
  else rc = lg_err_set(err, LG_ENOTFOUND, "图层 %s 不存在", key);
  sqlite3_finalize(st);
  return rc;
}

int lg_store_layer_by_role(lg_store_t *s, const char *role, lg_layer_info_t *out,
                           lg_err_t *err) {
  sqlite3_stmt *st;
  if (lg_store_prepare(s, "SELECT " INFO_COLS " WHERE l.role = ? ORDER BY l.id LIMIT 1", &st, err))
    return LG_EDB;
  sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) read_info(st, out);
  else rc = lg_err_set(err, LG_ENOTFOUND, "没有角色为 %s (%s) 的图层", role, lg_role_title(role));
  sqlite3_finalize(st);
  return rc;
}

int lg_store_layers(lg_store_t *s, lg_layer_info_t **out, size_t *n, lg_err_t *err) {
  sqlite3_stmt *st;
  *out = NULL;
  *n = 0;
  if (lg_store_prepare(s, "SELECT " INFO_COLS " ORDER BY CASE l.role WHEN 'eprl' THEN 1"
                          " WHEN 'pbf' THEN 2 WHEN 'udb' THEN 3 WHEN 'plan' THEN 4"
                          " WHEN 'landuse' THEN 5 ELSE 6 END, l.name",
                       &st, err))
    return LG_EDB;
  LG_VEC(lg_layer_info_t) v = {0};
  while (sqlite3_step(st) == SQLITE_ROW) {
    lg_layer_info_t info;
    read_info(st, &info);
    lg_vec_push(&v, info);
  }
  sqlite3_finalize(st);
  *out = v.items;
  *n = v.len;
  return 0;
}

void lg_layer_infos_free(lg_layer_info_t *infos, size_t n) {
  for (size_t i = 0; i < n; i++) lg_layer_info_fini(&infos[i]);
  lg_free(infos);
}

/* ---- Writer ------------------------------------------------------------- */

struct lg_writer {
  lg_store_t *s;
  char *layer;
  int srs_id;
  int nfields;
  sqlite3_stmt *ins;
  lg_buf_t blob;
  lg_env_t extent;
  int64_t count;
  bool triggers; /* the layer's R-tree triggers exist already (appending) */
  LG_VEC(lg_rtree_item_t) boxes; /* for a new layer: bulk-loaded at finish */
};

int lg_writer_new(lg_store_t *s, const char *layer, lg_writer_t **out, lg_err_t *err) {
  lg_layer_info_t info;
  *out = NULL;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  lg_layer_info_fini(&info);
  lg_field_t *fields;
  size_t nf;
  if ((rc = lg_store_layer_fields(s, layer, &fields, &nf, err))) return rc;
  lg_writer_t *w = lg_calloc(1, sizeof *w);
  w->s = s;
  w->layer = lg_strdup(layer);
  w->srs_id = info.srs_id;
  w->nfields = (int)nf;
  char q[300];
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_printf(&sql, "INSERT INTO %s (fid, geom", lg_store_quote(q, sizeof q, layer));
  for (size_t i = 0; i < nf; i++) lg_buf_printf(&sql, ", %s", lg_store_quote(q, sizeof q, fields[i].name));
  lg_buf_puts(&sql, ") VALUES (?, ?");
  for (size_t i = 0; i < nf; i++) lg_buf_puts(&sql, ", ?");
  lg_buf_puts(&sql, ")");
  lg_fields_free(fields, nf);
  rc = lg_store_prepare(s, sql.data, &w->ins, err);
  lg_buf_fini(&sql);
  if (rc == 0) {
    /* Appending to a finished layer: its triggers fill the R-tree. */
    sqlite3_stmt *t;
    char *tn = lg_sprintf("rtree_%s_geom_insert", layer);
    rc = lg_store_prepare(s, "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", &t, err);
    if (rc == 0) {
      sqlite3_bind_text(t, 1, tn, -1, SQLITE_STATIC);
      w->triggers = sqlite3_step(t) == SQLITE_ROW;
      sqlite3_finalize(t);
    }
    lg_free(tn);
  }
  lg_buf_init(&w->blob);
  if (rc) {
    lg_writer_free(w);
    return rc;
  }
  *out = w;
  return 0;
}

void lg_writer_bind_null(lg_writer_t *w, int f) { sqlite3_bind_null(w->ins, f + 3); }
void lg_writer_bind_int(lg_writer_t *w, int f, int64_t v) { sqlite3_bind_int64(w->ins, f + 3, v); }
void lg_writer_bind_real(lg_writer_t *w, int f, double v) { sqlite3_bind_double(w->ins, f + 3, v); }
void lg_writer_bind_text(lg_writer_t *w, int f, const char *v) {
  if (v) sqlite3_bind_text(w->ins, f + 3, v, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(w->ins, f + 3);
}

static int writer_put(lg_writer_t *w, int64_t fid, const lg_env_t *env, bool empty,
                      int64_t *out_fid, lg_err_t *err) {
  if (fid > 0) sqlite3_bind_int64(w->ins, 1, fid);
  else sqlite3_bind_null(w->ins, 1);
  sqlite3_bind_blob(w->ins, 2, w->blob.data, (int)w->blob.len, SQLITE_STATIC);
  int rc = sqlite3_step(w->ins);
  sqlite3_reset(w->ins);
  sqlite3_clear_bindings(w->ins);
  if (rc != SQLITE_DONE) return lg_store_fail(w->s, err, "写入要素失败");
  int64_t id = sqlite3_last_insert_rowid(w->s->db);
  if (out_fid) *out_fid = id;
  if (!empty && !w->triggers) {
    lg_rtree_item_t item = {id, *env};
    lg_vec_push(&w->boxes, item);
  }
  if (!empty) {
    if (w->count == 0 || w->extent.minx > env->minx) w->extent.minx = env->minx;
    if (w->count == 0 || w->extent.miny > env->miny) w->extent.miny = env->miny;
    if (w->count == 0 || w->extent.maxx < env->maxx) w->extent.maxx = env->maxx;
    if (w->count == 0 || w->extent.maxy < env->maxy) w->extent.maxy = env->maxy;
  }
  w->count++;
  return 0;
}

int lg_writer_add_wkb(lg_writer_t *w, int64_t fid, const void *wkb, size_t n, int64_t *out_fid,
                      lg_err_t *err) {
  lg_env_t env;
  bool empty = false;
  if (lg_wkb_envelope(wkb, n, &env, &empty) != 0)
    return lg_err_set(err, LG_EGEOM, "几何数据 (WKB) 无效");
  lg_buf_reset(&w->blob);
  lg_gpkg_blob_write(&w->blob, w->srs_id, &env, empty, wkb, n);
  return writer_put(w, fid, &env, empty, out_fid, err);
}

int lg_writer_add(lg_writer_t *w, lg_geo_t *g, const lg_geom_t *geom, int64_t *out_fid,
                  lg_err_t *err) {
  size_t n = 0;
  unsigned char *wkb = lg_geom_to_wkb(g, geom, &n);
  if (!wkb) return lg_err_set(err, LG_EGEOM, "几何无法编码为 WKB");
  int rc = lg_writer_add_wkb(w, 0, wkb, n, out_fid, err);
  lg_free(wkb);
  return rc;
}

/* R-tree triggers of GeoPackage 1.3, annex F.3 (gpkg_rtree_index). */
static const char rtree_triggers[] =
    "CREATE TRIGGER \"rtree_%1$s_geom_insert\" AFTER INSERT ON \"%1$s\""
    " WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN"
    " INSERT OR REPLACE INTO \"rtree_%1$s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom),"
    " ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
    "CREATE TRIGGER \"rtree_%1$s_geom_update1\" AFTER UPDATE OF geom ON \"%1$s\""
    " WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN"
    " INSERT OR REPLACE INTO \"rtree_%1$s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom),"
    " ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
    "CREATE TRIGGER \"rtree_%1$s_geom_update2\" AFTER UPDATE OF geom ON \"%1$s\""
    " WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN"
    " DELETE FROM \"rtree_%1$s_geom\" WHERE id = OLD.fid; END;"
    "CREATE TRIGGER \"rtree_%1$s_geom_update3\" AFTER UPDATE ON \"%1$s\""
    " WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN"
    " DELETE FROM \"rtree_%1$s_geom\" WHERE id = OLD.fid;"
    " INSERT OR REPLACE INTO \"rtree_%1$s_geom\" VALUES (NEW.fid, ST_MinX(NEW.geom),"
    " ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;"
    "CREATE TRIGGER \"rtree_%1$s_geom_update4\" AFTER UPDATE ON \"%1$s\""
    " WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN"
    " DELETE FROM \"rtree_%1$s_geom\" WHERE id IN (OLD.fid, NEW.fid); END;"
    "CREATE TRIGGER \"rtree_%1$s_geom_delete\" AFTER DELETE ON \"%1$s\""
    " WHEN old.geom NOT NULL BEGIN"
    " DELETE FROM \"rtree_%1$s_geom\" WHERE id = OLD.fid; END;";

int lg_writer_finish(lg_writer_t *w, lg_err_t *err) {
  int rc = 0;
  if (!w->triggers) {
    char *rt = lg_sprintf("rtree_%s_geom", w->layer);
    rc = lg_store_rtree_bulk(w->s, rt, w->boxes.items, w->boxes.len, err);
    lg_free(rt);
    if (rc == 0) rc = exec_fmt(w->s, err, rtree_triggers, w->layer);
    if (rc) return rc;
    w->triggers = true; /* later adds through this writer go by trigger */
  }
  sqlite3_stmt *st;
  /* Widen, never replace, the recorded extent: a writer may append to a
   * layer that already has features. */
  if ((rc = lg_store_prepare(w->s, "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?1), ?1),"
                                   " min_y = min(coalesce(min_y, ?2), ?2),"
                                   " max_x = max(coalesce(max_x, ?3), ?3),"
                                   " max_y = max(coalesce(max_y, ?4), ?4),"
                                   " last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now')"
                                   " WHERE table_name = ?5",
                             &st, err)))
    return rc;
  if (w->count > 0) {
    sqlite3_bind_double(st, 1, w->extent.minx);
    sqlite3_bind_double(st, 2, w->extent.miny);
    sqlite3_bind_double(st, 3, w->extent.maxx);
    sqlite3_bind_double(st, 4, w->extent.maxy);
  }
  sqlite3_bind_text(st, 5, w->layer, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(w->s, err, "更新图层范围失败");
  sqlite3_finalize(st);
  if (rc) return rc;
  char q[300];
  char *sql = lg_sprintf("UPDATE lg_layers SET feature_count = (SELECT count(*) FROM %s)"
                         " WHERE name = ?", lg_store_quote(q, sizeof q, w->layer));
  rc = lg_store_prepare(w->s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  sqlite3_bind_text(st, 1, w->layer, -1, SQLITE_STATIC);
  rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(w->s, err, "更新要素数失败");
  sqlite3_finalize(st);
  return rc;
}

void lg_writer_free(lg_writer_t *w) {
  if (!w) return;
  sqlite3_finalize(w->ins);
  lg_free(w->boxes.items);
  lg_buf_fini(&w->blob);
  lg_free(w->layer);
  lg_free(w);
}

/* ---- Reader ------------------------------------------------------------- */

struct lg_reader {
  lg_store_t *s;
  sqlite3_stmt *st;
  int ncols;
};

int lg_reader_new(lg_store_t *s, const char *layer, const lg_read_opts_t *o,
                  lg_reader_t **out, lg_err_t *err) {
  lg_layer_info_t info;
  *out = NULL;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  lg_layer_info_fini(&info);
  char q[300], rq[300];
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_printf(&sql, "SELECT t.* FROM %s t", lg_store_quote(q, sizeof q, info.name));
  if (o && o->bbox) {
    char *rt = lg_sprintf("rtree_%s_geom", info.name);
    lg_buf_printf(&sql, " JOIN %s r ON r.id = t.fid WHERE r.minx <= ?1 AND r.maxx >= ?2"
                        " AND r.miny <= ?3 AND r.maxy >= ?4",
                  lg_store_quote(rq, sizeof rq, rt));
    lg_free(rt);
  } else {
    lg_buf_puts(&sql, " WHERE 1");
  }
  if (o && o->fid > 0) lg_buf_puts(&sql, " AND t.fid = ?5");
  lg_buf_puts(&sql, " ORDER BY t.fid");
  if (o && o->limit > 0) lg_buf_puts(&sql, " LIMIT ?6");
  else if (o && o->offset > 0) lg_buf_puts(&sql, " LIMIT -1");
  if (o && o->offset > 0) lg_buf_puts(&sql, " OFFSET ?7");
  lg_reader_t *r = lg_calloc(1, sizeof *r);
  r->s = s;
  rc = lg_store_prepare(s, sql.data, &r->st, err);
  lg_buf_fini(&sql);
  if (rc) {
    lg_reader_free(r);
    return rc;
  }
  if (o && o->bbox) {
    sqlite3_bind_double(r->st, 1, o->bbox->maxx);
    sqlite3_bind_double(r->st, 2, o->bbox->minx);
    sqlite3_bind_double(r->st, 3, o->bbox->maxy);
    sqlite3_bind_double(r->st, 4, o->bbox->miny);
  }
  if (o && o->fid > 0) sqlite3_bind_int64(r->st, 5, o->fid);
  if (o && o->limit > 0) sqlite3_bind_int64(r->st, 6, o->limit);
  if (o && o->offset > 0) sqlite3_bind_int64(r->st, 7, o->offset);
  r->ncols = sqlite3_column_count(r->st);
  *out = r;
  return 0;
}

int lg_reader_next(lg_reader_t *r, lg_err_t *err) {
  int rc = sqlite3_step(r->st);
  if (rc == SQLITE_ROW) return 1;
  if (rc == SQLITE_DONE) return 0;
  return lg_store_fail(r->s, err, "读取要素失败");
}

int64_t lg_reader_fid(lg_reader_t *r) { return sqlite3_column_int64(r->st, 0); }

const void *lg_reader_blob(lg_reader_t *r, size_t *n) {
  if (sqlite3_column_type(r->st, 1) == SQLITE_NULL) return NULL;
  const void *b = sqlite3_column_blob(r->st, 1);
  *n = (size_t)sqlite3_column_bytes(r->st, 1);
  return b;
}

/* Attribute fields start after fid and geom. */
int lg_reader_nfields(lg_reader_t *r) { return r->ncols - 2; }
const char *lg_reader_field_name(lg_reader_t *r, int i) { return sqlite3_column_name(r->st, i + 2); }
int lg_reader_field_type(lg_reader_t *r, int i) { return sqlite3_column_type(r->st, i + 2); }
int64_t lg_reader_int(lg_reader_t *r, int i) { return sqlite3_column_int64(r->st, i + 2); }
double lg_reader_real(lg_reader_t *r, int i) { return sqlite3_column_double(r->st, i + 2); }
const char *lg_reader_text(lg_reader_t *r, int i) {
  return (const char *)sqlite3_column_text(r->st, i + 2);
}

int lg_reader_field_index(lg_reader_t *r, const char *name) {
  for (int i = 2; i < r->ncols; i++)
    if (strcasecmp(sqlite3_column_name(r->st, i), name) == 0) return i - 2;
  return -1;
}

void lg_reader_free(lg_reader_t *r) {
  if (!r) return;
  sqlite3_finalize(r->st);
  lg_free(r);
}

int lg_store_layer_fields(lg_store_t *s, const char *layer, lg_field_t **fields, size_t *n,
                          lg_err_t *err) {
  char q[300];
  char *sql = lg_sprintf("PRAGMA table_info(%s)", lg_store_quote(q, sizeof q, layer));
  sqlite3_stmt *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  LG_VEC(lg_field_t) v = {0};
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 1);
    const char *type = (const char *)sqlite3_column_text(st, 2);
    if (strcasecmp(name, "fid") == 0 || strcasecmp(name, "geom") == 0) continue;
    lg_field_t f = {lg_strdup(name), LG_FIELD_TEXT};
    if (strcasecmp(type, "INTEGER") == 0) f.type = LG_FIELD_INTEGER;
    else if (strcasecmp(type, "REAL") == 0 || strcasecmp(type, "DOUBLE") == 0) f.type = LG_FIELD_REAL;
    else if (strcasecmp(type, "DATE") == 0) f.type = LG_FIELD_DATE;
    else if (strcasecmp(type, "DATETIME") == 0) f.type = LG_FIELD_DATETIME;
    else if (strcasecmp(type, "BLOB") == 0) f.type = LG_FIELD_BLOB;
    lg_vec_push(&v, f);
  }
  sqlite3_finalize(st);
  *fields = v.items;
  *n = v.len;
  return 0;
}

void lg_fields_free(lg_field_t *fields, size_t n) {
  for (size_t i = 0; i < n; i++) lg_free((char *)fields[i].name);
  lg_free(fields);
}
