/*
 * Features: the bulk writer and the reader of layers, on both backends.
 *
 * GeoPackage: rows are INSERTed with their geometry as a GeoPackage blob;
 * a new layer's R-tree is bulk-loaded when the writer finishes
 * (rtree_bulk.c) and its triggers made, as GDAL does for bulk loads; a
 * writer appending to a finished layer leaves the R-tree to its triggers.
 * The reader walks the table in fid order, through the R-tree when given
 * a box.
 *
 * PostgreSQL: rows go through COPY in text format, the geometry as
 * "SRID=n;" and hex WKB (what PostGIS's geometry input reads), fids
 * assigned here so the writer can report them. Rows are gathered and
 * sent a few megabytes at a time, each batch one whole COPY, so that the
 * connection is free between batches (for another writer, or any
 * statement the caller runs between features); the GiST index is built
 * when a new layer's writer finishes, and the fid sequence moved past the
 * last fid. The reader asks for binary results (no text conversion of
 * half a million geometries), pages through large scans by fid so that
 * the connection stays free for other statements between pages, and
 * hands out each geometry as a GeoPackage blob as the GeoPackage backend
 * does.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- Writer ------------------------------------------------------------- */

typedef struct wval {
  int type; /* LG_COL_* */
  int64_t i;
  double r;
  char *t;
} wval_t;

struct lg_store_writer {
  lg_store_t *s;
  char *layer;
  int srs_id;
  bool multi; /* the layer's type is MULTI*: single parts are promoted (PostgreSQL) */
  int nfields;
  lg_field_t *fields;
  wval_t *vals;   /* bound values of the next row (PostgreSQL) */
  lg_stmt_t *ins; /* GeoPackage */
  lg_buf_t blob;
  lg_buf_t row; /* PostgreSQL: COPY lines not yet sent */
  lg_env_t extent;
  int64_t count;
  int64_t next_fid;              /* PostgreSQL */
  bool indexed;                  /* the layer's index maintains itself (triggers, or GiST exists) */
  LG_VEC(lg_rtree_item_t) boxes; /* GeoPackage, new layer: bulk-loaded at finish */
};

static int64_t scalar_int(lg_store_t *s, const char *sql, const char *arg, lg_err_t *err, int *rc) {
  lg_stmt_t *st;
  int64_t v = 0;
  if ((*rc = lg_store_prepare(s, sql, &st, err)) != 0) return 0;
  if (arg) lg_store_bind_text(st, 1, arg);
  int r = lg_store_step(st);
  if (r == LG_ROW)
    v = lg_store_col_int(st, 0);
  else if (r < 0)
    *rc = lg_store_fail(s, err, "读取图层失败");
  lg_store_done(st);
  return v;
}

static int writer_prepare_gpkg(lg_store_writer_t *w, lg_err_t *err) {
  char q[300];
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_printf(&sql, "INSERT INTO %s (fid, geom", lg_store_quote(q, sizeof q, w->layer));
  for (int i = 0; i < w->nfields; i++)
    lg_buf_printf(&sql, ", %s", lg_store_quote(q, sizeof q, w->fields[i].name));
  lg_buf_puts(&sql, ") VALUES (?, ?");
  for (int i = 0; i < w->nfields; i++)
    lg_buf_puts(&sql, ", ?");
  lg_buf_puts(&sql, ") RETURNING fid");
  int rc = lg_store_prepare_once(w->s, sql.data, &w->ins, err);
  lg_buf_fini(&sql);
  if (rc) return rc;
  /* Appending to a finished layer: its triggers fill the R-tree. */
  char *tn = lg_sprintf("rtree_%s_geom_insert", w->layer);
  w->indexed = scalar_int(w->s,
                          "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                          " AND name = ?",
                          tn, err, &rc) > 0;
  lg_free(tn);
  return rc;
}

static int writer_prepare_pg(lg_store_writer_t *w, lg_err_t *err) {
  char q[300];
  int rc = 0;
  char *sql =
      lg_sprintf("SELECT coalesce(max(fid), 0) FROM %s", lg_store_quote(q, sizeof q, w->layer));
  w->next_fid = scalar_int(w->s, sql, NULL, err, &rc) + 1;
  lg_free(sql);
  if (rc) return rc;
  char *idx = lg_sprintf("%s_geom_idx", w->layer);
  w->indexed = scalar_int(w->s,
                          "SELECT count(*) FROM pg_indexes WHERE schemaname ="
                          " current_schema() AND indexname = ?",
                          idx, err, &rc) > 0;
  lg_free(idx);
  w->vals = lg_calloc((size_t)(w->nfields ? w->nfields : 1), sizeof *w->vals);
  lg_buf_init(&w->row);
  return rc;
}

int lg_store_writer_new(lg_store_t *s, const char *layer, lg_store_writer_t **out, lg_err_t *err) {
  lg_layer_info_t info;
  *out = NULL;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  lg_store_layer_info_fini(&info);
  lg_store_writer_t *w = lg_calloc(1, sizeof *w);
  w->s = s;
  w->layer = lg_strdup(info.name);
  w->srs_id = info.srs_id;
  w->multi = strncasecmp(info.geom_type, "MULTI", 5) == 0;
  size_t nf = 0;
  rc = lg_store_layer_fields(s, layer, &w->fields, &nf, err);
  w->nfields = (int)nf;
  lg_buf_init(&w->blob);
  if (rc == 0)
    rc = s->backend == LG_STORE_PG ? writer_prepare_pg(w, err) : writer_prepare_gpkg(w, err);
  if (rc) {
    lg_store_writer_free(w);
    return rc;
  }
  *out = w;
  return 0;
}

static void put_val(lg_store_writer_t *w, int f, wval_t v) {
  if (f < 0 || f >= w->nfields) {
    lg_free(v.t);
    return;
  }
  lg_free(w->vals[f].t);
  w->vals[f] = v;
}

void lg_store_writer_null(lg_store_writer_t *w, int f) {
  if (w->ins)
    lg_store_bind_null(w->ins, f + 3);
  else
    put_val(w, f, (wval_t){.type = LG_COL_NULL});
}
void lg_store_writer_int(lg_store_writer_t *w, int f, int64_t v) {
  if (w->ins)
    lg_store_bind_int(w->ins, f + 3, v);
  else
    put_val(w, f, (wval_t){.type = LG_COL_INT, .i = v});
}
void lg_store_writer_real(lg_store_writer_t *w, int f, double v) {
  if (w->ins)
    lg_store_bind_real(w->ins, f + 3, v);
  else
    put_val(w, f, (wval_t){.type = LG_COL_REAL, .r = v});
}
void lg_store_writer_text(lg_store_writer_t *w, int f, const char *v) {
  if (w->ins)
    lg_store_bind_text(w->ins, f + 3, v);
  else
    put_val(w, f,
            v ? (wval_t){.type = LG_COL_TEXT, .t = lg_strdup(v)} : (wval_t){.type = LG_COL_NULL});
}

static void widen(lg_store_writer_t *w, const lg_env_t *env) {
  if (w->count == 0 || w->extent.minx > env->minx) w->extent.minx = env->minx;
  if (w->count == 0 || w->extent.miny > env->miny) w->extent.miny = env->miny;
  if (w->count == 0 || w->extent.maxx < env->maxx) w->extent.maxx = env->maxx;
  if (w->count == 0 || w->extent.maxy < env->maxy) w->extent.maxy = env->maxy;
}

/* Text of COPY's text format: backslash, tab, newline and carriage
 * return escaped (PostgreSQL, COPY, "File Formats"). */
static void copy_text(lg_buf_t *b, const char *t) {
  for (const char *p = t; *p; p++) {
    switch (*p) {
    case '\\':
      lg_buf_puts(b, "\\\\");
      break;
    case '\t':
      lg_buf_puts(b, "\\t");
      break;
    case '\n':
      lg_buf_puts(b, "\\n");
      break;
    case '\r':
      lg_buf_puts(b, "\\r");
      break;
    default:
      lg_buf_putc(b, *p);
    }
  }
}

/* Rows gathered before they go to the server as one COPY. */
#define PG_BATCH_BYTES (4u << 20)

/* Sends the gathered rows: one COPY, begun and ended here. */
static int flush_pg(lg_store_writer_t *w, lg_err_t *err) {
  if (w->row.len == 0) return 0;
  char q[300];
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_printf(&sql, "COPY %s (fid, geom", lg_store_quote(q, sizeof q, w->layer));
  for (int i = 0; i < w->nfields; i++)
    lg_buf_printf(&sql, ", %s", lg_store_quote(q, sizeof q, w->fields[i].name));
  lg_buf_puts(&sql, ") FROM STDIN");
  int rc = lg_store_pg_copy_begin(w->s, sql.data, err);
  lg_buf_fini(&sql);
  if (rc == 0) {
    rc = lg_store_pg_copy_put(w->s, w->row.data, w->row.len, err);
    int rc2 = lg_store_pg_copy_end(w->s, rc ? NULL : err);
    if (rc == 0) rc = rc2;
  }
  lg_buf_reset(&w->row);
  if (rc) lg_err_prefix(err, "写入图层 %s: ", w->layer);
  return rc;
}

/* The WKB of a single polygon, line or point wrapped in its Multi type,
 * for a MULTI* column (PostGIS checks the type; GeoPackage does not). */
static void promote(lg_buf_t *out, const unsigned char *wkb, size_t n) {
  uint32_t type;
  if (n < 5) return;
  if (wkb[0] == 1)
    type =
        (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 | (uint32_t)wkb[3] << 16 | (uint32_t)wkb[4] << 24;
  else
    type =
        (uint32_t)wkb[4] | (uint32_t)wkb[3] << 8 | (uint32_t)wkb[2] << 16 | (uint32_t)wkb[1] << 24;
  uint32_t base = type % 1000, dims = type - base;
  if (base < 1 || base > 3) {
    lg_buf_append(out, wkb, n);
    return;
  }
  uint32_t mt = dims + base + 3;
  unsigned char head[9] = {1,
                           (unsigned char)mt,
                           (unsigned char)(mt >> 8),
                           (unsigned char)(mt >> 16),
                           (unsigned char)(mt >> 24),
                           1,
                           0,
                           0,
                           0};
  lg_buf_append(out, head, sizeof head);
  lg_buf_append(out, wkb, n);
}

static int put_pg(lg_store_writer_t *w, int64_t fid, const void *wkb, size_t n, lg_err_t *err) {
  static const char hex[] = "0123456789ABCDEF";
  lg_buf_t *b = &w->row;
  lg_buf_printf(b, "%lld\tSRID=%d;", (long long)fid, w->srs_id);
  lg_buf_t pm, flat;
  lg_buf_init(&pm);
  lg_buf_init(&flat);
  /* PostGIS columns are 2D (geometry(MultiPolygon, srid)): heights and
   * measures go, as no computation of landgov reads them. */
  const unsigned char *p0 = wkb;
  lg_wkb_head_t h;
  if (lg_wkb_head(&p0, p0 + n, &h) == 0 && (h.dims > 2 || h.srid)) {
    if (lg_wkb_to_2d(wkb, n, &flat) != 0) {
      lg_buf_fini(&flat);
      lg_buf_fini(&pm);
      return lg_err_set(err, LG_EGEOM, "几何数据 (WKB) 无效");
    }
    wkb = flat.data;
    n = flat.len;
  }
  if (w->multi) {
    promote(&pm, wkb, n);
    wkb = pm.data;
    n = pm.len;
  }
  const unsigned char *u = wkb;
  for (size_t i = 0; i < n; i++) {
    lg_buf_putc(b, hex[u[i] >> 4]);
    lg_buf_putc(b, hex[u[i] & 15]);
  }
  lg_buf_fini(&pm);
  lg_buf_fini(&flat);
  for (int f = 0; f < w->nfields; f++) {
    lg_buf_putc(b, '\t');
    wval_t *v = &w->vals[f];
    if (v->type == LG_COL_INT)
      lg_buf_printf(b, "%lld", (long long)v->i);
    else if (v->type == LG_COL_REAL)
      lg_buf_printf(b, "%.17g", v->r);
    else if (v->type == LG_COL_TEXT && (*v->t || (w->fields[f].type != LG_FIELD_DATE &&
                                                  w->fields[f].type != LG_FIELD_DATETIME)))
      copy_text(b, v->t);
    else
      lg_buf_puts(b, "\\N");
    lg_free(v->t);
    *v = (wval_t){.type = LG_COL_NULL};
  }
  lg_buf_putc(b, '\n');
  return b->len >= PG_BATCH_BYTES ? flush_pg(w, err) : 0;
}

static int put_gpkg(lg_store_writer_t *w, int64_t fid, int64_t *id, lg_err_t *err) {
  if (fid > 0)
    lg_store_bind_int(w->ins, 1, fid);
  else
    lg_store_bind_null(w->ins, 1);
  lg_store_bind_blob(w->ins, 2, w->blob.data, w->blob.len);
  int rc = lg_store_step(w->ins);
  if (rc == LG_ROW) *id = lg_store_col_int(w->ins, 0);
  lg_store_reset(w->ins);
  lg_store_unbind(w->ins);
  return rc == LG_ROW ? 0 : lg_store_fail(w->s, err, "写入要素失败");
}

int lg_store_writer_add_wkb(lg_store_writer_t *w, int64_t fid, const void *wkb, size_t n,
                            int64_t *out_fid, lg_err_t *err) {
  lg_env_t env;
  bool empty = false;
  if (lg_wkb_envelope(wkb, n, &env, &empty) != 0)
    return lg_err_set(err, LG_EGEOM, "几何数据 (WKB) 无效");
  int64_t id = 0;
  int rc;
  if (w->s->backend == LG_STORE_PG) {
    id = fid > 0 ? fid : w->next_fid;
    if (id >= w->next_fid) w->next_fid = id + 1;
    rc = put_pg(w, id, wkb, n, err);
  } else {
    lg_buf_reset(&w->blob);
    lg_gpkg_blob_write(&w->blob, w->srs_id, &env, empty, wkb, n);
    rc = put_gpkg(w, fid, &id, err);
  }
  if (rc) return rc;
  if (out_fid) *out_fid = id;
  if (!empty && !w->indexed && w->s->backend == LG_STORE_GPKG) {
    lg_rtree_item_t item = {id, env};
    lg_vec_push(&w->boxes, item);
  }
  if (!empty) widen(w, &env);
  w->count++;
  return 0;
}

int lg_store_writer_add(lg_store_writer_t *w, lg_geo_t *g, const lg_geom_t *geom, int64_t *out_fid,
                        lg_err_t *err) {
  size_t n = 0;
  unsigned char *wkb = lg_geom_to_wkb(g, geom, &n);
  if (!wkb) return lg_err_set(err, LG_EGEOM, "几何无法编码为 WKB");
  int rc = lg_store_writer_add_wkb(w, 0, wkb, n, out_fid, err);
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

/* The spatial index of a layer the writer filled from empty. */
static int finish_index(lg_store_writer_t *w, lg_err_t *err) {
  int rc = 0;
  char q[300], iq[300];
  if (w->s->backend == LG_STORE_PG) {
    if ((rc = flush_pg(w, err)) != 0) return rc;
    char *idx = lg_sprintf("%s_geom_idx", w->layer);
    char *tq = lg_strdup(lg_store_quote(q, sizeof q, w->layer));
    char *sql;
    if (!w->indexed) {
      sql = lg_sprintf("CREATE INDEX IF NOT EXISTS %s ON %s USING GIST (geom); ANALYZE %s",
                       lg_store_quote(iq, sizeof iq, idx), tq, tq);
      rc = lg_store_exec(w->s, sql, err);
      lg_free(sql);
    }
    if (rc == 0) {
      /* The table name inside a string literal: quotes doubled. */
      lg_buf_t lit;
      lg_buf_init(&lit);
      for (const char *p = tq; *p; p++) {
        if (*p == '\'') lg_buf_putc(&lit, '\'');
        lg_buf_putc(&lit, *p);
      }
      sql = lg_sprintf("SELECT setval(pg_get_serial_sequence('%s', 'fid'),"
                       " greatest(coalesce(max(fid), 0), 1), max(fid) IS NOT NULL) FROM %s",
                       lit.data, tq);
      lg_buf_fini(&lit);
      rc = lg_store_exec(w->s, sql, err);
      lg_free(sql);
    }
    lg_free(idx);
    lg_free(tq);
    w->indexed = true;
    return rc;
  }
  if (w->indexed) return 0;
  char *rt = lg_sprintf("rtree_%s_geom", w->layer);
  rc = lg_store_rtree_bulk(w->s, rt, w->boxes.items, w->boxes.len, err);
  lg_free(rt);
  if (rc == 0) {
    char *sql = lg_sprintf(rtree_triggers, w->layer);
    rc = lg_store_exec(w->s, sql, err);
    lg_free(sql);
  }
  if (rc == 0) w->indexed = true; /* later adds through this writer go by trigger */
  return rc;
}

int lg_store_writer_finish(lg_store_writer_t *w, lg_err_t *err) {
  int rc = finish_index(w, err);
  if (rc) return rc;
  lg_stmt_t *st;
  /* Widen, never replace, the recorded extent: a writer may append to a
   * layer that already has features. last_change (GeoPackage's
   * millisecond timestamp) tells caches the features changed. */
  if ((rc = lg_store_prepare(w->s,
                             "UPDATE gpkg_contents SET"
                             " min_x = CASE WHEN ?6 = 0 THEN min_x WHEN min_x IS NULL OR ?1 < min_x"
                             " THEN ?1 ELSE min_x END,"
                             " min_y = CASE WHEN ?6 = 0 THEN min_y WHEN min_y IS NULL OR ?2 < min_y"
                             " THEN ?2 ELSE min_y END,"
                             " max_x = CASE WHEN ?6 = 0 THEN max_x WHEN max_x IS NULL OR ?3 > max_x"
                             " THEN ?3 ELSE max_x END,"
                             " max_y = CASE WHEN ?6 = 0 THEN max_y WHEN max_y IS NULL OR ?4 > max_y"
                             " THEN ?4 ELSE max_y END,"
                             " last_change = ?7 WHERE table_name = ?5",
                             &st, err)))
    return rc;
  lg_store_bind_real(st, 1, w->extent.minx);
  lg_store_bind_real(st, 2, w->extent.miny);
  lg_store_bind_real(st, 3, w->extent.maxx);
  lg_store_bind_real(st, 4, w->extent.maxy);
  lg_store_bind_text(st, 5, w->layer);
  lg_store_bind_int(st, 6, w->count > 0);
  char ts[40];
  lg_time_iso_ms_now(ts);
  lg_store_bind_text(st, 7, ts);
  rc = lg_store_run(st, "更新图层范围失败", err);
  lg_store_done(st);
  if (rc) return rc;
  char q[300];
  char *sql = lg_sprintf("UPDATE lg_layers SET feature_count = (SELECT count(*) FROM %s)"
                         " WHERE name = ?",
                         lg_store_quote(q, sizeof q, w->layer));
  rc = lg_store_prepare_once(w->s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  lg_store_bind_text(st, 1, w->layer);
  rc = lg_store_run(st, "更新要素数失败", err);
  lg_store_done(st);
  return rc;
}

void lg_store_writer_free(lg_store_writer_t *w) {
  if (!w) return;
  lg_store_done(w->ins);
  for (int i = 0; w->vals && i < w->nfields; i++)
    lg_free(w->vals[i].t);
  lg_free(w->vals);
  lg_store_fields_free(w->fields, (size_t)w->nfields);
  lg_free(w->boxes.items);
  lg_buf_fini(&w->blob);
  lg_buf_fini(&w->row);
  lg_free(w->layer);
  lg_free(w);
}

/* ---- Reader ------------------------------------------------------------- */

/* Rows a PostgreSQL reader asks for at a time when the caller set no
 * limit: large enough that paging costs nothing, small enough that a
 * scan of a million patches does not sit in memory. */
#define PG_PAGE 5000

struct lg_store_reader {
  lg_store_t *s;
  lg_stmt_t *st;
  int srs_id;
  lg_read_opts_t o;
  lg_env_t bbox;
  int nfields;
  char **names; /* the attribute columns read */
  bool *dated;  /* PostgreSQL: a date or timestamp column, read as ISO text */
  bool paged;   /* PostgreSQL: paging by fid */
  int64_t last_fid;
  int64_t in_page; /* rows of the current page seen */
  lg_buf_t blob;   /* PostgreSQL: the GeoPackage blob made of the row's WKB */
};

static int reader_columns(lg_store_reader_t *r, const char *layer, const char *const *want,
                          lg_err_t *err) {
  lg_field_t *fields = NULL;
  size_t nf = 0;
  int rc = lg_store_layer_fields(r->s, layer, &fields, &nf, err);
  if (rc) return rc;
  r->names = lg_calloc(nf + 1, sizeof *r->names);
  r->dated = lg_calloc(nf + 1, sizeof *r->dated);
  for (size_t i = 0; i < nf; i++) {
    bool take = !want;
    for (const char *const *w = want; w && *w && !take; w++)
      take = !strcasecmp(fields[i].name, *w);
    if (!take) continue;
    r->names[r->nfields] = lg_strdup(fields[i].name);
    r->dated[r->nfields] = r->s->backend == LG_STORE_PG &&
                           (fields[i].type == LG_FIELD_DATE || fields[i].type == LG_FIELD_DATETIME);
    r->nfields++;
  }
  /* Asked-for columns keep the order asked for. */
  if (want) {
    int k = 0;
    for (const char *const *w = want; *w; w++)
      for (int j = k; j < r->nfields; j++)
        if (!strcasecmp(r->names[j], *w)) {
          char *tn = r->names[k];
          bool td = r->dated[k];
          r->names[k] = r->names[j], r->dated[k] = r->dated[j];
          r->names[j] = tn, r->dated[j] = td;
          k++;
          break;
        }
  }
  lg_store_fields_free(fields, nf);
  return 0;
}

/* Dates on PostgreSQL are read as ISO text, as GeoPackage keeps them. */
static void column_expr(lg_buf_t *sql, const char *name, bool dated) {
  char q[300];
  if (dated)
    lg_buf_printf(sql,
                  ", CASE WHEN t.%1$s IS NULL THEN NULL ELSE replace(CAST(t.%1$s AS TEXT),"
                  " ' ', 'T') END",
                  lg_store_quote(q, sizeof q, name));
  else
    lg_buf_printf(sql, ", t.%s", lg_store_quote(q, sizeof q, name));
}

static int reader_query(lg_store_reader_t *r, const char *layer, lg_err_t *err) {
  lg_store_t *s = r->s;
  const lg_read_opts_t *o = &r->o;
  bool pg = s->backend == LG_STORE_PG;
  char q[300], rq[300];
  lg_buf_t sql;
  lg_buf_init(&sql);
  lg_buf_puts(&sql, pg ? "SELECT t.fid, ST_AsBinary(t.geom)" : "SELECT t.fid, t.geom");
  for (int i = 0; i < r->nfields; i++)
    column_expr(&sql, r->names[i], r->dated[i]);
  lg_buf_printf(&sql, " FROM %s t WHERE true", lg_store_quote(q, sizeof q, layer));
  if (o->bbox && pg) {
    lg_buf_printf(&sql, " AND t.geom && ST_MakeEnvelope(?2, ?4, ?1, ?3, %d)", r->srs_id);
    if (o->min_extent > 0)
      lg_buf_puts(&sql, " AND (ST_XMax(t.geom) - ST_XMin(t.geom) >= ?8"
                        " OR ST_YMax(t.geom) - ST_YMin(t.geom) >= ?8)");
  } else if (o->bbox) {
    char *rt = lg_sprintf("rtree_%s_geom", layer);
    lg_buf_printf(&sql,
                  " AND t.fid IN (SELECT id FROM %s WHERE minx <= ?1 AND maxx >= ?2"
                  " AND miny <= ?3 AND maxy >= ?4%s)",
                  lg_store_quote(rq, sizeof rq, rt),
                  o->min_extent > 0 ? " AND (maxx - minx >= ?8 OR maxy - miny >= ?8)" : "");
    lg_free(rt);
  }
  if (o->fid > 0) lg_buf_puts(&sql, " AND t.fid = ?5");
  if (o->after_fid > 0 || r->paged) lg_buf_puts(&sql, " AND t.fid > ?9");
  if (o->max_fid > 0) lg_buf_puts(&sql, " AND t.fid <= ?10");
  lg_buf_puts(&sql, " ORDER BY t.fid");
  if (o->limit > 0 || r->paged)
    lg_buf_puts(&sql, " LIMIT ?6");
  else if (o->offset > 0 && !pg)
    lg_buf_puts(&sql, " LIMIT -1");
  if (o->offset > 0) lg_buf_puts(&sql, " OFFSET ?7");
  int rc = lg_store_prepare(s, sql.data, &r->st, err);
  lg_buf_fini(&sql);
  if (rc) return rc;
  if (pg) lg_store_pg_binary(r->st);
  return 0;
}

static void reader_bind(lg_store_reader_t *r) {
  const lg_read_opts_t *o = &r->o;
  lg_stmt_t *st = r->st;
  if (o->bbox) {
    lg_store_bind_real(st, 1, r->bbox.maxx);
    lg_store_bind_real(st, 2, r->bbox.minx);
    lg_store_bind_real(st, 3, r->bbox.maxy);
    lg_store_bind_real(st, 4, r->bbox.miny);
    if (o->min_extent > 0) lg_store_bind_real(st, 8, o->min_extent);
  }
  if (o->fid > 0) lg_store_bind_int(st, 5, o->fid);
  if (r->paged)
    lg_store_bind_int(st, 6, PG_PAGE);
  else if (o->limit > 0)
    lg_store_bind_int(st, 6, o->limit);
  if (o->offset > 0) lg_store_bind_int(st, 7, o->offset);
  if (o->after_fid > 0 || r->paged) lg_store_bind_int(st, 9, r->last_fid);
  if (o->max_fid > 0) lg_store_bind_int(st, 10, o->max_fid);
}

int lg_store_reader_rewind(lg_store_reader_t *r, const lg_read_opts_t *o, lg_err_t *err) {
  if (!o || !o->bbox != !r->o.bbox || (o->fid > 0) != (r->o.fid > 0) ||
      (o->after_fid > 0) != (r->o.after_fid > 0) || (o->max_fid > 0) != (r->o.max_fid > 0) ||
      (o->limit > 0) != (r->o.limit > 0) || (o->offset > 0) != (r->o.offset > 0) ||
      (o->min_extent > 0) != (r->o.min_extent > 0))
    return lg_err_set(err, LG_EINTERNAL, "读取器的新条件与原查询不一致");
  if (o->bbox) r->bbox = *o->bbox;
  r->o.fid = o->fid;
  r->o.after_fid = o->after_fid;
  r->o.max_fid = o->max_fid;
  r->o.limit = o->limit;
  r->o.offset = o->offset;
  r->o.min_extent = o->min_extent;
  r->last_fid = o->after_fid;
  r->in_page = 0;
  lg_store_reset(r->st);
  reader_bind(r);
  return 0;
}

int lg_store_reader_new(lg_store_t *s, const char *layer, const lg_read_opts_t *opts,
                        lg_store_reader_t **out, lg_err_t *err) {
  lg_layer_info_t info;
  *out = NULL;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  lg_store_layer_info_fini(&info);
  lg_store_reader_t *r = lg_calloc(1, sizeof *r);
  r->s = s;
  r->srs_id = info.srs_id;
  if (opts) r->o = *opts;
  if (opts && opts->bbox) {
    r->bbox = *opts->bbox;
    r->o.bbox = &r->bbox;
  }
  r->o.columns = NULL;
  r->last_fid = r->o.after_fid;
  /* A whole-layer scan pages by fid. A box query is bounded by its box
   * and runs once: paging it would repeat the index scan for each page. */
  r->paged = s->backend == LG_STORE_PG && r->o.limit <= 0 && r->o.offset <= 0 && r->o.fid <= 0 &&
             !r->o.bbox;
  lg_buf_init(&r->blob);
  rc = reader_columns(r, info.name, opts ? opts->columns : NULL, err);
  if (rc == 0) rc = reader_query(r, info.name, err);
  if (rc) {
    lg_store_reader_free(r);
    return rc;
  }
  reader_bind(r);
  *out = r;
  return 0;
}

int lg_store_reader_next(lg_store_reader_t *r, lg_err_t *err) {
  for (;;) {
    int rc = lg_store_step(r->st);
    if (rc == LG_ROW) {
      r->in_page++;
      r->last_fid = lg_store_col_int(r->st, 0);
      return 1;
    }
    if (rc < 0) return lg_store_fail(r->s, err, "读取要素失败");
    /* A full page may have more behind it. */
    if (!r->paged || r->in_page < PG_PAGE) return 0;
    r->in_page = 0;
    lg_store_reset(r->st);
    reader_bind(r);
  }
}

int64_t lg_store_reader_fid(lg_store_reader_t *r) { return lg_store_col_int(r->st, 0); }

const void *lg_store_reader_blob(lg_store_reader_t *r, size_t *n) {
  if (lg_store_col_null(r->st, 1)) return NULL;
  size_t len = 0;
  const void *b = lg_store_col_blob(r->st, 1, &len);
  if (r->s->backend == LG_STORE_GPKG) {
    *n = len;
    return b;
  }
  lg_env_t env;
  bool empty = false;
  if (lg_wkb_envelope(b, len, &env, &empty) != 0) return NULL;
  lg_buf_reset(&r->blob);
  lg_gpkg_blob_write(&r->blob, r->srs_id, &env, empty, b, len);
  *n = r->blob.len;
  return r->blob.data;
}

/* Attribute fields start after fid and geom. */
int lg_store_reader_nfields(lg_store_reader_t *r) { return r->nfields; }
const char *lg_store_reader_field_name(lg_store_reader_t *r, int i) { return r->names[i]; }
int lg_store_reader_field_type(lg_store_reader_t *r, int i) {
  return lg_store_col_type(r->st, i + 2);
}
int64_t lg_store_reader_int(lg_store_reader_t *r, int i) { return lg_store_col_int(r->st, i + 2); }
double lg_store_reader_real(lg_store_reader_t *r, int i) { return lg_store_col_real(r->st, i + 2); }
const char *lg_store_reader_text(lg_store_reader_t *r, int i) {
  return lg_store_col_text(r->st, i + 2);
}
size_t lg_store_reader_bytes(lg_store_reader_t *r, int i) {
  return lg_store_col_bytes(r->st, i + 2);
}

int lg_store_reader_field_index(lg_store_reader_t *r, const char *name) {
  for (int i = 0; i < r->nfields; i++)
    if (strcasecmp(r->names[i], name) == 0) return i;
  return -1;
}

void lg_store_reader_free(lg_store_reader_t *r) {
  if (!r) return;
  lg_store_done(r->st);
  for (int i = 0; r->names && i < r->nfields; i++)
    lg_free(r->names[i]);
  lg_free(r->names);
  lg_free(r->dated);
  lg_buf_fini(&r->blob);
  lg_free(r);
}
