/*
 * The store connection, whichever the backend: opening (a file path is a
 * GeoPackage, a libpq URI or connection string is PostgreSQL), the
 * statements every module prepares and the one cache that keeps them,
 * transactions and their savepoints, settings and spatial reference
 * systems. The backends are store_sqlite.c and store_pg.c; the schema is
 * schema.c, layers layers.c.
 */
#include "store/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool lg_store_target_is_pg(const char *t) {
  if (!t) return false;
  if (!strncmp(t, "postgresql://", 13) || !strncmp(t, "postgres://", 11)) return true;
  /* A keyword/value connection string ("service=prov", "host=db dbname=x"):
   * a key at the start or after a space. A file name never has '=' there. */
  static const char *const keys[] = {"service=", "host=", "dbname=", "hostaddr=", "user=", "port="};
  for (size_t i = 0; i < LG_ARRAY_LEN(keys); i++)
    for (const char *p = strstr(t, keys[i]); p; p = strstr(p + 1, keys[i]))
      if (p == t || p[-1] == ' ') return true;
  return false;
}

static _Atomic uint64_t serials;

int lg_store_open(const char *target, int flags, lg_store_t **out, lg_err_t *err) {
  *out = NULL;
  if (!target || !*target) return lg_err_set(err, LG_EINVAL, "没有指定数据库 (--db 或 LANDGOV_DB)");
  lg_store_t *s = lg_calloc(1, sizeof *s);
  s->serial = ++serials;
  s->target = lg_strdup(target);
  bool pg = lg_store_target_is_pg(target);
  s->ops = pg ? &lg_store_pg_ops : &lg_store_sqlite_ops;
  s->backend = pg ? LG_STORE_PG : LG_STORE_GPKG;
  s->readonly = (flags & LG_STORE_READONLY) != 0;
  int rc = s->ops->open(s, target, flags, err);
  if (rc == 0) {
    /* A store a newer landgov has migrated may hold tables and rules this
     * program does not know: refuse it rather than half-understand it. */
    int have = lg_store_migrations_max(s), known = lg_store_schema_known();
    if (have > known)
      rc = lg_err_set(err, LG_EUNSUPPORTED,
                      "数据库 %s 的结构版本 (%d) 高于本程序支持的版本 (%d), 是更新的 landgov "
                      "写入的; 请升级 landgov 后再打开, 不要用旧版本写入它",
                      s->path, have, known);
  }
  if (rc == 0) {
    if (!s->readonly) {
      rc = lg_store_migrate(s, err);
    } else if (lg_store_schema_version(s) <= 0) {
      rc = lg_err_set(err, LG_EINVAL, "%s 不是 landgov 数据库; 请先运行 landgov init", s->path);
    }
  }
  if (rc) {
    lg_store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

int lg_store_pg_exists(const char *target, bool *exists, lg_err_t *err);
int lg_store_pg_destroy(const char *target, lg_err_t *err);

int lg_store_exists(const char *target, bool *exists, lg_err_t *err) {
  *exists = false;
  if (lg_store_target_is_pg(target)) return lg_store_pg_exists(target, exists, err);
  struct stat st;
  *exists = stat(target, &st) == 0;
  return 0;
}

int lg_store_destroy(const char *target, lg_err_t *err) {
  if (lg_store_target_is_pg(target)) return lg_store_pg_destroy(target, err);
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  for (size_t k = 0; k < LG_ARRAY_LEN(suffixes); k++) {
    char *p = lg_sprintf("%s%s", target, suffixes[k]);
    int rc = unlink(p) == 0 || errno == ENOENT
                 ? 0
                 : lg_err_set(err, LG_EIO, "无法删除 %s: %s", p, strerror(errno));
    lg_free(p);
    if (rc) return rc;
  }
  return 0;
}

/* Finalizes the kept statements (before the connection closes). A lent
 * one here is a statement some caller never gave back. */
static void stmts_free(lg_store_t *s) {
  for (int i = 0; i < s->nstmts; i++) {
    lg_stmt_t *st = s->stmts[i];
    if (st->lent) lg_log(LG_LOG_WARN, "数据库语句未归还 (lg_store_done): %.120s", st->sql);
    s->ops->finalize(st);
    lg_free(st->sql);
    lg_free(st);
  }
  s->nstmts = 0;
}

void lg_store_close(lg_store_t *s) {
  if (!s) return;
  lg_store_rollback_all(s);
  stmts_free(s);
  s->ops->close(s);
  lg_free(s->path);
  lg_free(s->dbname);
  lg_free(s->target);
  lg_free(s);
}

int lg_store_open_again(lg_store_t *s, int flags, lg_store_t **out, lg_err_t *err) {
  return lg_store_open(s->target, flags, out, err);
}

const char *lg_store_path(lg_store_t *s) { return s->path; }
int lg_store_backend(lg_store_t *s) { return s->backend; }
uint64_t lg_store_serial(lg_store_t *s) { return s->serial; }
bool lg_store_broken(lg_store_t *s) { return s->ops->broken && s->ops->broken(s); }
const char *lg_store_dbname(lg_store_t *s) { return s->dbname ? s->dbname : s->path; }

const char *lg_store_errmsg(lg_store_t *s) { return s->ops->errmsg(s); }

int lg_store_fail(lg_store_t *s, lg_err_t *err, const char *what) {
  const char *m = s ? s->ops->errmsg(s) : NULL;
  return lg_err_set(err, LG_EDB, "%s: %s", what, m && *m ? m : "数据库错误");
}

/* ---- Statements and the cache (store.h says why) --------------------------- */

static uint64_t sql_hash(const char *sql) {
  uint64_t h = 14695981039346656037ULL; /* FNV-1a, 64 bits */
  for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  return h;
}

static lg_stmt_t *stmt_make(lg_store_t *s, const char *sql, uint64_t h, bool keep, lg_err_t *err) {
  lg_stmt_t *st = lg_calloc(1, sizeof *st);
  st->s = s;
  st->sql = lg_strdup(sql);
  st->hash = h;
  if (s->ops->prepare(s, st, keep) != 0) {
    lg_store_fail(s, err, "数据库语句准备失败");
    lg_err_where(err, "%.200s", sql);
    /* For whoever reads the log: which statement, in full. */
    lg_log(LG_LOG_WARN, "数据库语句准备失败 (%s): %s -- %s", s->ops->name, s->ops->errmsg(s), sql);
    lg_free(st->sql);
    lg_free(st);
    return NULL;
  }
  return st;
}

int lg_store_prepare(lg_store_t *s, const char *sql, lg_stmt_t **out, lg_err_t *err) {
  *out = NULL;
  uint64_t h = sql_hash(sql);
  int slot = -1;            /* where a new one is kept: the oldest not lent, or a free slot */
  bool out_already = false; /* the kept one is lent further up the stack */
  for (int i = 0; i < s->nstmts && !out_already; i++) {
    lg_stmt_t *k = s->stmts[i];
    if (k->hash == h && strcmp(k->sql, sql) == 0) {
      if (!k->lent) {
        k->lent = true;
        k->used = ++s->clock;
        *out = k;
        return 0;
      }
      out_already = true;
    } else if (!k->lent && (slot < 0 || k->used < s->stmts[slot]->used)) {
      slot = i;
    }
  }
  if (s->nstmts < LG_STORE_STMT_MAX) slot = s->nstmts;
  /* A second of the same text while the first is out, or one with every
   * slot lent, is the caller's alone (done finalizes it). */
  bool keep = !out_already && slot >= 0;
  lg_stmt_t *fresh = stmt_make(s, sql, h, keep, err);
  if (!fresh) return LG_EDB;
  if (keep) {
    if (slot == s->nstmts) {
      s->nstmts++;
    } else {
      lg_stmt_t *old = s->stmts[slot];
      s->ops->finalize(old);
      lg_free(old->sql);
      lg_free(old);
    }
    fresh->kept = true;
    fresh->used = ++s->clock;
    s->stmts[slot] = fresh;
  }
  fresh->lent = true;
  *out = fresh;
  return 0;
}

int lg_store_prepare_once(lg_store_t *s, const char *sql, lg_stmt_t **out, lg_err_t *err) {
  *out = stmt_make(s, sql, sql_hash(sql), false, err);
  if (!*out) return LG_EDB;
  (*out)->lent = true;
  return 0;
}

void lg_store_done(lg_stmt_t *st) {
  if (!st) return;
  lg_store_t *s = st->s;
  if (st->kept) {
    s->ops->reset(st);
    s->ops->unbind(st);
    st->lent = false;
    return;
  }
  s->ops->finalize(st);
  lg_free(st->sql);
  lg_free(st);
}

lg_store_t *lg_store_of(lg_stmt_t *st) { return st->s; }

void lg_store_bind_null(lg_stmt_t *st, int i) { st->s->ops->bind_null(st, i); }
void lg_store_bind_int(lg_stmt_t *st, int i, int64_t v) { st->s->ops->bind_int(st, i, v); }
void lg_store_bind_real(lg_stmt_t *st, int i, double v) { st->s->ops->bind_real(st, i, v); }
void lg_store_bind_text(lg_stmt_t *st, int i, const char *v) {
  if (v)
    st->s->ops->bind_text(st, i, v, strlen(v));
  else
    st->s->ops->bind_null(st, i);
}
void lg_store_bind_textn(lg_stmt_t *st, int i, const char *v, size_t n) {
  if (v)
    st->s->ops->bind_text(st, i, v, n);
  else
    st->s->ops->bind_null(st, i);
}
void lg_store_bind_blob(lg_stmt_t *st, int i, const void *v, size_t n) {
  if (v)
    st->s->ops->bind_blob(st, i, v, n);
  else
    st->s->ops->bind_null(st, i);
}

int lg_store_step(lg_stmt_t *st) { return st->s->ops->step(st); }

int lg_store_run(lg_stmt_t *st, const char *what, lg_err_t *err) {
  int rc = st->s->ops->step(st);
  if (rc == LG_DONE || rc == LG_ROW) return 0;
  int code = lg_store_fail(st->s, err, what);
  if (rc == LG_ECONFLICT && err) err->code = LG_ECONFLICT;
  return rc == LG_ECONFLICT ? LG_ECONFLICT : code;
}

int lg_store_run_done(lg_stmt_t *st, const char *what, lg_err_t *err) {
  int rc = lg_store_run(st, what, err);
  lg_store_done(st);
  return rc;
}

int lg_store_insert_id(lg_stmt_t *st, int64_t *id, const char *what, lg_err_t *err) {
  int rc = lg_store_step(st);
  if (rc == LG_ROW) {
    *id = lg_store_col_int(st, 0);
    rc = 0;
  } else if (rc == LG_DONE) {
    rc = lg_err_set(err, LG_EINTERNAL, "%s: 插入语句没有返回编号 (缺少 RETURNING)", what);
  } else {
    int code = lg_store_fail(st->s, err, what);
    if (rc == LG_ECONFLICT && err) err->code = LG_ECONFLICT;
    rc = rc == LG_ECONFLICT ? LG_ECONFLICT : code;
  }
  lg_store_done(st);
  return rc;
}

int64_t lg_store_changes(lg_stmt_t *st) { return st->s->ops->changes(st); }
void lg_store_reset(lg_stmt_t *st) { st->s->ops->reset(st); }
void lg_store_unbind(lg_stmt_t *st) { st->s->ops->unbind(st); }

int lg_store_col_count(lg_stmt_t *st) { return st->s->ops->col_count(st); }
const char *lg_store_col_name(lg_stmt_t *st, int i) { return st->s->ops->col_name(st, i); }
int lg_store_col_type(lg_stmt_t *st, int i) { return st->s->ops->col_type(st, i); }
bool lg_store_col_null(lg_stmt_t *st, int i) { return st->s->ops->col_type(st, i) == LG_COL_NULL; }
int64_t lg_store_col_int(lg_stmt_t *st, int i) { return st->s->ops->col_int(st, i); }
double lg_store_col_real(lg_stmt_t *st, int i) { return st->s->ops->col_real(st, i); }
const char *lg_store_col_text(lg_stmt_t *st, int i) { return st->s->ops->col_text(st, i); }
const void *lg_store_col_blob(lg_stmt_t *st, int i, size_t *n) {
  size_t dummy;
  return st->s->ops->col_blob(st, i, n ? n : &dummy);
}
size_t lg_store_col_bytes(lg_stmt_t *st, int i) { return st->s->ops->col_bytes(st, i); }

int lg_store_exec(lg_store_t *s, const char *sql, lg_err_t *err) {
  return s->ops->exec(s, sql, err);
}

int lg_store_exec_ddl(lg_store_t *s, const char *sql, lg_err_t *err) {
  char *t = s->ops->ddl ? s->ops->ddl(sql) : NULL;
  int rc = s->ops->exec(s, t ? t : sql, err);
  lg_free(t);
  return rc;
}

/* ---- Transactions and savepoints -------------------------------------------- */

int lg_store_begin(lg_store_t *s, lg_err_t *err) {
  if (s->depth == 0) {
    int rc = s->ops->begin(s, err);
    if (rc == 0) s->depth = 1;
    return rc;
  }
  char sql[48];
  snprintf(sql, sizeof sql, "SAVEPOINT lg_sp%d", s->depth + 1);
  int rc = s->ops->exec(s, sql, err);
  if (rc == 0) s->depth++;
  return rc;
}

int lg_store_commit(lg_store_t *s, lg_err_t *err) {
  if (s->depth == 0) return lg_err_set(err, LG_EINTERNAL, "提交时没有进行中的事务");
  if (s->depth > 1) {
    char sql[48];
    snprintf(sql, sizeof sql, "RELEASE lg_sp%d", s->depth);
    int rc = s->ops->exec(s, sql, err);
    if (rc == 0) s->depth--;
    return rc;
  }
  int rc = s->ops->commit(s, err);
  /* A failed commit leaves nothing to roll back (the backend rolled the
   * transaction back already); the level is closed either way. */
  s->depth = 0;
  return rc;
}

void lg_store_rollback(lg_store_t *s) {
  if (s->depth == 0) return;
  if (s->depth > 1) {
    char sql[80];
    snprintf(sql, sizeof sql, "ROLLBACK TO lg_sp%d; RELEASE lg_sp%d", s->depth, s->depth);
    s->ops->exec(s, sql, NULL);
    s->depth--;
    return;
  }
  s->ops->rollback(s);
  s->depth = 0;
}

void lg_store_rollback_all(lg_store_t *s) {
  if (s->depth == 0) return;
  s->depth = 1;
  s->ops->rollback(s);
  s->depth = 0;
}

int lg_store_depth(lg_store_t *s) { return s->depth; }
void lg_store_bulk_mode(lg_store_t *s, bool on) { s->ops->bulk_mode(s, on); }
uint64_t lg_store_data_version(lg_store_t *s) { return s->ops->data_version(s); }

int lg_store_backup(lg_store_t *s, const char *dest, lg_err_t *err) {
  return s->ops->backup(s, dest, err);
}

int lg_store_append_only(lg_store_t *s, const char *table, bool allow_delete, lg_err_t *err) {
  return s->ops->append_only(s, table, allow_delete, err);
}

/* ---- Small helpers --------------------------------------------------------- */

const char *lg_store_quote(char *buf, size_t n, const char *ident) {
  size_t j = 0;
  if (n < 3) return "";
  buf[j++] = '"';
  for (const char *p = ident; *p && j + 3 < n; p++) {
    if (*p == '"') buf[j++] = '"';
    buf[j++] = *p;
  }
  buf[j++] = '"';
  buf[j] = '\0';
  return buf;
}

bool lg_store_table_exists(lg_store_t *s, const char *table) {
  lg_stmt_t *st;
  const char *sql =
      s->backend == LG_STORE_PG
          ? "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
            " ON n.oid = c.relnamespace WHERE c.relname = ?"
            " AND n.nspname = current_schema()"
          : "SELECT 1 FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')";
  if (lg_store_prepare(s, sql, &st, NULL)) return false;
  lg_store_bind_text(st, 1, table);
  bool found = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  return found;
}

int lg_store_setting_get(lg_store_t *s, const char *key, char **val, lg_err_t *err) {
  lg_stmt_t *st;
  *val = NULL;
  if (lg_store_prepare(s, "SELECT value FROM lg_settings WHERE key = ?", &st, err)) return LG_EDB;
  lg_store_bind_text(st, 1, key);
  int rc = lg_store_step(st);
  if (rc == LG_ROW)
    *val = lg_strdup(lg_store_col_text(st, 0));
  else if (rc < 0)
    lg_store_fail(s, err, "读取设置失败");
  lg_store_done(st);
  return rc < 0 ? LG_EDB : 0;
}

int lg_store_setting_set(lg_store_t *s, const char *key, const char *val, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "INSERT INTO lg_settings(key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, key);
  lg_store_bind_text(st, 2, val);
  int rc = lg_store_run(st, "保存设置失败", err);
  lg_store_done(st);
  return rc;
}

int lg_store_ensure_srs(lg_store_t *s, int epsg, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, epsg);
  bool found = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  if (found) return 0;
  char *wkt = NULL, *name = NULL;
  int rc = lg_crs_lookup(lg_geo_thread(), epsg, &wkt, &name, err);
  if (rc) return rc;
  rc = lg_store_prepare(s,
                        "INSERT INTO gpkg_spatial_ref_sys(srs_name, srs_id, organization, "
                        "organization_coordsys_id, definition, description) "
                        "VALUES (?, ?, 'EPSG', ?, ?, ?)",
                        &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, name);
    lg_store_bind_int(st, 2, epsg);
    lg_store_bind_int(st, 3, epsg);
    lg_store_bind_text(st, 4, wkt);
    lg_store_bind_text(st, 5, name);
    rc = lg_store_run(st, "写入坐标系失败", err);
    lg_store_done(st);
  }
  lg_free(wkt);
  lg_free(name);
  return rc;
}
