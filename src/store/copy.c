/*
 * Copying a whole store into another, empty one, between any backends
 * (landgov store copy FROM TO): a county's GeoPackage into the province's
 * PostgreSQL, or a PostgreSQL store back into one file to take away.
 *
 * In one transaction on the target: every layer is made again with the
 * same name, role, fields and CRS and filled through the writer with the
 * same fids; then every application table registered in gpkg_contents is
 * emptied of the rows its migration seeded (departments, policy,
 * calendar, settings) and filled with the source's rows, column by
 * column, values with their types (hashes and signatures of the ledger
 * as the same bytes), in the order the migrations made them, which is the
 * order their foreign keys need. The ledger's entries, nodes and
 * checkpoints are rows like the others, so the copy has the same root and
 * the same signed checkpoints; `landgov ledger verify` and `audit` pass on
 * it. Identity counters are moved past the copied ids (PostgreSQL).
 */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

/* Columns of a table that an INSERT may name (not generated ones). */
static int insertable_columns(lg_store_t *s, const char *table, char ***out, int *n,
                              lg_err_t *err) {
  char q[300];
  char *sql = s->backend == LG_STORE_PG
                  ? lg_strdup("SELECT column_name FROM information_schema.columns"
                              " WHERE table_schema = current_schema() AND table_name = ?"
                              " AND is_generated = 'NEVER' ORDER BY ordinal_position")
                  : lg_sprintf("SELECT name FROM pragma_table_xinfo(%s) WHERE hidden = 0",
                               lg_store_quote(q, sizeof q, table));
  lg_stmt_t *st;
  int rc = lg_store_prepare_once(s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  if (s->backend == LG_STORE_PG) lg_store_bind_text(st, 1, table);
  LG_VEC(char *) v = {0};
  while ((rc = lg_store_step(st)) == LG_ROW) {
    char *c = lg_strdup(lg_store_col_text(st, 0));
    lg_vec_push(&v, c);
  }
  lg_store_done(st);
  if (rc < 0) {
    for (size_t i = 0; i < v.len; i++)
      lg_free(v.items[i]);
    lg_free(v.items);
    return lg_store_fail(s, err, "读取表结构失败");
  }
  *out = v.items;
  *n = (int)v.len;
  return 0;
}

static void free_names(char **names, int n) {
  for (int i = 0; i < n; i++)
    lg_free(names[i]);
  lg_free(names);
}

/* The value of column i of a row read from one store, bound into a
 * statement of the other, keeping its type. */
static void bind_same(lg_stmt_t *to, int k, lg_stmt_t *from, int i) {
  switch (lg_store_col_type(from, i)) {
  case LG_COL_NULL:
    lg_store_bind_null(to, k);
    break;
  case LG_COL_INT:
    lg_store_bind_int(to, k, lg_store_col_int(from, i));
    break;
  case LG_COL_REAL:
    lg_store_bind_real(to, k, lg_store_col_real(from, i));
    break;
  case LG_COL_BLOB: {
    size_t n = 0;
    const void *b = lg_store_col_blob(from, i, &n);
    lg_store_bind_blob(to, k, b ? b : "", n);
    break;
  }
  default:
    lg_store_bind_textn(to, k, lg_store_col_text(from, i), lg_store_col_bytes(from, i));
  }
}

/* Copies the rows of one table: the target's insertable columns that the
 * source has too. */
static int copy_table(lg_store_t *from, lg_store_t *to, const char *table, int64_t *rows,
                      lg_err_t *err) {
  char **cols = NULL;
  int ncols = 0;
  int rc = insertable_columns(to, table, &cols, &ncols, err);
  if (rc) return rc;
  char q[300];
  lg_buf_t sel, ins;
  lg_buf_init(&sel);
  lg_buf_init(&ins);
  lg_buf_puts(&sel, "SELECT ");
  lg_buf_printf(&ins, "INSERT INTO %s (", lg_store_quote(q, sizeof q, table));
  for (int i = 0; i < ncols; i++) {
    lg_buf_printf(&sel, "%s%s", i ? ", " : "", lg_store_quote(q, sizeof q, cols[i]));
    lg_buf_printf(&ins, "%s%s", i ? ", " : "", lg_store_quote(q, sizeof q, cols[i]));
  }
  lg_buf_printf(&sel, " FROM %s", lg_store_quote(q, sizeof q, table));
  lg_buf_puts(&ins, ") VALUES (");
  for (int i = 0; i < ncols; i++)
    lg_buf_puts(&ins, i ? ", ?" : "?");
  lg_buf_puts(&ins, ")");
  lg_stmt_t *r = NULL, *w = NULL;
  char *del = lg_sprintf("DELETE FROM %s", lg_store_quote(q, sizeof q, table));
  /* Only seeded tables have rows in a new store; the append-only ones
   * (which refuse DELETE) have none. */
  int64_t have = 0;
  char *cnt = lg_sprintf("SELECT count(*) FROM %s", lg_store_quote(q, sizeof q, table));
  if ((rc = lg_store_prepare_once(to, cnt, &r, err)) == 0) {
    if (lg_store_step(r) == LG_ROW) have = lg_store_col_int(r, 0);
    lg_store_done(r);
    r = NULL;
  }
  lg_free(cnt);
  if (rc == 0 && have > 0) rc = lg_store_exec(to, del, err);
  if (rc == 0) rc = lg_store_prepare_once(from, sel.data, &r, err);
  if (rc == 0) rc = lg_store_prepare_once(to, ins.data, &w, err);
  int step = 0;
  while (rc == 0 && (step = lg_store_step(r)) == LG_ROW) {
    for (int i = 0; i < ncols; i++)
      bind_same(w, i + 1, r, i);
    rc = lg_store_run(w, "写入失败", err);
    lg_store_reset(w);
    (*rows)++;
  }
  if (rc == 0 && step < 0) rc = lg_store_fail(from, err, "读取失败");
  if (rc) lg_err_prefix(err, "复制表 %s: ", table);
  lg_store_done(r);
  lg_store_done(w);
  lg_free(del);
  lg_buf_fini(&sel);
  lg_buf_fini(&ins);
  free_names(cols, ncols);
  return rc;
}

/* PostgreSQL: identity columns continue after the highest copied id. */
static int move_identities(lg_store_t *to, lg_err_t *err) {
  if (to->backend != LG_STORE_PG) return 0;
  lg_stmt_t *st;
  int rc = lg_store_prepare_once(to,
                                 "SELECT table_name, column_name FROM information_schema.columns"
                                 " WHERE table_schema = current_schema() AND is_identity = 'YES'",
                                 &st, err);
  if (rc) return rc;
  LG_VEC(char *) v = {0};
  while (lg_store_step(st) == LG_ROW) {
    char q1[300], q2[300];
    char *sql = lg_sprintf(
        "SELECT setval(pg_get_serial_sequence('%s', '%s'), greatest(coalesce(max(%s), 0), 1),"
        " max(%s) IS NOT NULL) FROM %s",
        lg_store_quote(q1, sizeof q1, lg_store_col_text(st, 0)), lg_store_col_text(st, 1),
        lg_store_quote(q2, sizeof q2, lg_store_col_text(st, 1)), q2, q1);
    lg_vec_push(&v, sql);
  }
  lg_store_done(st);
  for (size_t i = 0; i < v.len; i++) {
    if (rc == 0) rc = lg_store_exec(to, v.items[i], err);
    lg_free(v.items[i]);
  }
  lg_free(v.items);
  return rc;
}

/* One layer: made again, filled with the same fids, its catalogue row
 * (id, time of import, extent, last change) as it was. */
static int copy_layer(lg_store_t *from, lg_store_t *to, const lg_layer_info_t *L, int64_t *rows,
                      lg_err_t *err) {
  lg_field_t *fields = NULL;
  size_t nf = 0;
  int rc = lg_store_layer_fields(from, L->name, &fields, &nf, err);
  if (rc) return rc;
  lg_layer_def_t def = {.name = L->name,
                        .title = L->title,
                        .role = L->role,
                        .class_field = L->class_field[0] ? L->class_field : NULL,
                        .geom_type = L->geom_type,
                        .srs_id = L->srs_id,
                        .fields = fields,
                        .nfields = nf,
                        .source = L->source[0] ? L->source : NULL,
                        .meta = L->meta};
  lg_store_writer_t *w = NULL;
  lg_store_reader_t *r = NULL;
  rc = lg_store_layer_create(to, &def, false, err);
  if (rc == 0) rc = lg_store_writer_new(to, L->name, &w, err);
  if (rc == 0) rc = lg_store_reader_new(from, L->name, NULL, &r, err);
  int more = 0;
  while (rc == 0 && (more = lg_store_reader_next(r, err)) == 1) {
    for (int i = 0; i < lg_store_reader_nfields(r); i++) {
      switch (lg_store_reader_field_type(r, i)) {
      case LG_COL_NULL:
        lg_store_writer_null(w, i);
        break;
      case LG_COL_INT:
        lg_store_writer_int(w, i, lg_store_reader_int(r, i));
        break;
      case LG_COL_REAL:
        lg_store_writer_real(w, i, lg_store_reader_real(r, i));
        break;
      default:
        lg_store_writer_text(w, i, lg_store_reader_text(r, i));
      }
    }
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    const unsigned char *wkb = NULL;
    size_t wl = 0;
    if (!blob || lg_gpkg_blob_parse(blob, n, NULL, NULL, NULL, &wkb, &wl) != 0) {
      rc = lg_err_set(err, LG_EGEOM, "图层 %s 要素 %lld 的几何无法读取", L->name,
                      (long long)lg_store_reader_fid(r));
      break;
    }
    rc = lg_store_writer_add_wkb(w, lg_store_reader_fid(r), wkb, wl, NULL, err);
    (*rows)++;
  }
  if (rc == 0 && more < 0) rc = more;
  if (rc == 0) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  lg_store_reader_free(r);
  lg_store_fields_free(fields, nf);
  lg_stmt_t *st;
  /* The source's id, negated until every layer is in (ids the target gave
   * the layers made so far may be the source's ids of others). */
  if (rc == 0 &&
      (rc = lg_store_prepare(to, "UPDATE lg_layers SET id = ?, imported_at = ? WHERE name = ?", &st,
                             err)) == 0) {
    lg_store_bind_int(st, 1, -L->id);
    lg_store_bind_text(st, 2, L->imported_at);
    lg_store_bind_text(st, 3, L->name);
    rc = lg_store_run(st, "复制图层目录失败", err);
    lg_store_done(st);
  }
  if (rc == 0 && (rc = lg_store_prepare(to,
                                        "UPDATE gpkg_contents SET last_change = ?, min_x = ?,"
                                        " min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
                                        &st, err)) == 0) {
    lg_store_bind_text(st, 1, L->changed_at);
    lg_store_bind_real(st, 2, L->extent.minx);
    lg_store_bind_real(st, 3, L->extent.miny);
    lg_store_bind_real(st, 4, L->extent.maxx);
    lg_store_bind_real(st, 5, L->extent.maxy);
    lg_store_bind_text(st, 6, L->name);
    rc = lg_store_run(st, "复制图层范围失败", err);
    lg_store_done(st);
  }
  if (rc) lg_err_prefix(err, "复制图层 %s: ", L->name);
  return rc;
}

/* Spatial reference systems the source has and the target does not (a
 * CRS with no EPSG code, stored with its WKT). */
static int copy_srs(lg_store_t *from, lg_store_t *to, lg_err_t *err) {
  lg_stmt_t *r, *have, *w;
  int rc = lg_store_prepare(from,
                            "SELECT srs_name, srs_id, organization, organization_coordsys_id,"
                            " definition, description FROM gpkg_spatial_ref_sys ORDER BY srs_id",
                            &r, err);
  if (rc) return rc;
  if ((rc = lg_store_prepare(to, "SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", &have,
                             err))) {
    lg_store_done(r);
    return rc;
  }
  if ((rc = lg_store_prepare(to, "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", &w,
                             err))) {
    lg_store_done(r);
    lg_store_done(have);
    return rc;
  }
  while (rc == 0 && lg_store_step(r) == LG_ROW) {
    lg_store_bind_int(have, 1, lg_store_col_int(r, 1));
    bool known = lg_store_step(have) == LG_ROW;
    lg_store_reset(have);
    if (known) continue;
    for (int i = 0; i < 6; i++)
      bind_same(w, i + 1, r, i);
    rc = lg_store_run(w, "复制坐标系失败", err);
    lg_store_reset(w);
  }
  lg_store_done(r);
  lg_store_done(have);
  lg_store_done(w);
  return rc;
}

/* The application tables, in the order the migrations made them. */
static int attribute_tables(lg_store_t *to, char ***out, int *n, lg_err_t *err) {
  (void)to;
  (void)err;
  const char *names[256];
  size_t k = lg_store_schema_tables(names, LG_ARRAY_LEN(names));
  char **v = lg_calloc(k + 1, sizeof *v);
  int m = 0;
  for (size_t i = 0; i < k; i++)
    if (strcmp(names[i], "lg_layers") && strcmp(names[i], "lg_migrations"))
      v[m++] = lg_strdup(names[i]);
  *out = v;
  *n = m;
  return 0;
}

static int64_t count_rows(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  int64_t n = -1;
  if (lg_store_prepare(s, sql, &st, NULL) == 0) {
    if (lg_store_step(st) == LG_ROW) n = lg_store_col_int(st, 0);
    lg_store_done(st);
  }
  return n;
}

int lg_store_copy(lg_store_t *from, lg_store_t *to, lg_err_t *err) {
  if (count_rows(to, "SELECT count(*) FROM lg_layers") != 0 ||
      count_rows(to, "SELECT count(*) FROM lg_ledger_entries") != 0)
    return lg_err_set(err, LG_ECONFLICT,
                      "目标数据库 %s 不是空的 (已有图层或账本条目); 请复制到新建的空数据库",
                      to->path);
  if (lg_store_schema_version(from) != lg_store_schema_version(to))
    return lg_err_set(err, LG_EUNSUPPORTED,
                      "源数据库 %s 的结构版本 (%d) 与目标 (%d) 不同; "
                      "请先用本版本 landgov 打开源数据库一次 (完成迁移)",
                      from->path, lg_store_schema_version(from), lg_store_schema_version(to));
  lg_layer_info_t *layers = NULL;
  size_t nl = 0;
  char **tables = NULL;
  int nt = 0;
  int rc = lg_store_layers(from, &layers, &nl, err);
  if (rc == 0) rc = attribute_tables(to, &tables, &nt, err);
  if (rc == 0) rc = lg_store_begin(to, err);
  if (rc) goto done;
  lg_store_bulk_mode(to, true);
  rc = copy_srs(from, to, err);
  for (size_t i = 0; rc == 0 && i < nl; i++) {
    int64_t rows = 0;
    double t0 = lg_mono();
    rc = copy_layer(from, to, &layers[i], &rows, err);
    if (rc == 0)
      lg_log(LG_LOG_INFO, "复制图层 %s: %lld 个要素, %.1f 秒", layers[i].name, (long long)rows,
             lg_mono() - t0);
  }
  for (int i = 0; rc == 0 && i < nt; i++) {
    int64_t rows = 0;
    rc = copy_table(from, to, tables[i], &rows, err);
    if (rc == 0 && rows) lg_log(LG_LOG_INFO, "复制表 %s: %lld 行", tables[i], (long long)rows);
  }
  if (rc == 0) rc = lg_store_exec(to, "UPDATE lg_layers SET id = -id WHERE id < 0", err);
  if (rc == 0) rc = move_identities(to, err);
  if (rc == 0)
    rc = lg_store_commit(to, err);
  else
    lg_store_rollback(to);
  lg_store_bulk_mode(to, false);
done:
  lg_store_layer_infos_free(layers, nl);
  free_names(tables, nt);
  return rc;
}
