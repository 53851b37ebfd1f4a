/*
 * The store connection: opening a GeoPackage file (creating it when asked),
 * pragmas, transactions, settings, spatial reference systems, and the SQL
 * functions GeoPackage R-tree triggers call. The schema itself is in
 * schema.c, layers in layers.c.
 */
#include "store/store_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int lg_store_fail(lg_store_t *s, lg_err_t *err, const char *what) {
  return lg_err_set(err, LG_EDB, "%s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : "无数据库");
}

int lg_store_prepare(lg_store_t *s, const char *sql, sqlite3_stmt **st, lg_err_t *err) {
  if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
    return lg_store_fail(s, err, "数据库语句准备失败");
  return 0;
}

/* ---- Kept statements (store.h says what for) ------------------------------ */

static uint64_t sql_hash(const char *sql) {
  uint64_t h = 14695981039346656037ULL; /* FNV-1a, 64 bits */
  for (const unsigned char *p = (const unsigned char *)sql; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  return h;
}

int lg_store_stmt(lg_store_t *s, const char *sql, sqlite3_stmt **st, lg_err_t *err) {
  *st = NULL;
  uint64_t h = sql_hash(sql);
  int slot = -1;    /* where a new one is kept: the oldest not lent, or a free slot */
  bool out = false; /* the kept one is lent further up the stack */
  for (int i = 0; i < s->nstmts && !out; i++) {
    store_stmt_t *k = &s->stmts[i];
    if (k->hash == h && strcmp(sqlite3_sql(k->st), sql) == 0) {
      if (!k->lent) {
        k->lent = true;
        k->used = ++s->clock;
        *st = k->st;
        return 0;
      }
      out = true;
    } else if (!k->lent && (slot < 0 || k->used < s->stmts[slot].used)) {
      slot = i;
    }
  }
  if (s->nstmts < LG_STORE_STMT_MAX) slot = s->nstmts;
  sqlite3_stmt *fresh = NULL;
  if (sqlite3_prepare_v3(s->db, sql, -1, out ? 0 : SQLITE_PREPARE_PERSISTENT, &fresh, NULL) !=
      SQLITE_OK) {
    sqlite3_finalize(fresh);
    return lg_store_fail(s, err, "数据库语句准备失败");
  }
  /* A second of the same text while the first is out, or one with every
   * slot lent, is the caller's alone (release finalizes it). */
  if (!out && slot >= 0) {
    if (slot == s->nstmts)
      s->nstmts++;
    else
      sqlite3_finalize(s->stmts[slot].st);
    s->stmts[slot] = (store_stmt_t){.hash = h, .st = fresh, .used = ++s->clock, .lent = true};
  }
  *st = fresh;
  return 0;
}

void lg_store_stmt_release(lg_store_t *s, sqlite3_stmt *st) {
  if (!st) return;
  for (int i = 0; s && i < s->nstmts; i++) {
    if (s->stmts[i].st != st) continue;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    s->stmts[i].lent = false;
    return;
  }
  sqlite3_finalize(st);
}

/* Finalizes the kept statements (before the connection closes). A lent
 * one here is a statement some caller never gave back. */
static void stmts_free(lg_store_t *s) {
  for (int i = 0; i < s->nstmts; i++) {
    if (s->stmts[i].lent)
      lg_log(LG_LOG_WARN, "数据库语句未归还 (lg_store_stmt_release): %.120s",
             sqlite3_sql(s->stmts[i].st));
    sqlite3_finalize(s->stmts[i].st);
  }
  s->nstmts = 0;
}

/* ---- One writer at a time, queued in the process ------------------------
 * SQLite lets one connection write at a time. A connection that finds
 * the lock taken waits in SQLite's busy handler, which sleeps 1, 2, 5,
 * 10 ... 100 ms between tries, whatever the writer is doing: with two
 * worker threads of one server writing, a transition of one or two
 * milliseconds could make the other wait 5, 10 or more. Connections of one process to
 * one file queue on a mutex instead, and the next one starts the moment
 * the writer commits. Other processes (the CLI, a second server) still
 * meet SQLite's lock and its busy timeout, as before; durability is
 * untouched (BEGIN IMMEDIATE ... COMMIT, synchronous=FULL, as before).
 *
 * Two connections of one thread must not wait for each other here (the
 * thread would wait for itself): a thread that already writes through
 * another connection skips the queue and meets SQLite's lock as before.
 * A writer that never ends (a forgotten transaction) delays the others
 * by the busy timeout, after which they too meet SQLite's lock. */
#define STORE_BUSY_MS 10000

struct store_writer {
  dev_t dev;
  ino_t ino;
  pthread_mutex_t mu;
  pthread_t owner; /* valid while held */
  bool held;       /* owner is set; read and written under writers_mu */
  store_writer_t *next;
};

/* One per file opened for writing, kept for the process's life (a few
 * dozen bytes each; a file deleted and made again may reuse one). */
static pthread_mutex_t writers_mu = PTHREAD_MUTEX_INITIALIZER;
static store_writer_t *writers;

static store_writer_t *writer_of(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return NULL;
  pthread_mutex_lock(&writers_mu);
  store_writer_t *w = writers;
  while (w && !(w->dev == st.st_dev && w->ino == st.st_ino))
    w = w->next;
  if (!w) {
    w = lg_calloc(1, sizeof *w);
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    pthread_mutex_init(&w->mu, NULL);
    w->next = writers;
    writers = w;
  }
  pthread_mutex_unlock(&writers_mu);
  return w;
}

static void writer_enter(lg_store_t *s) {
  store_writer_t *w = s->writer;
  if (!w) return;
  pthread_mutex_lock(&writers_mu);
  bool mine = w->held && pthread_equal(w->owner, pthread_self());
  pthread_mutex_unlock(&writers_mu);
  if (mine) return;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += STORE_BUSY_MS / 1000;
  if (pthread_mutex_timedlock(&w->mu, &until) != 0) return;
  pthread_mutex_lock(&writers_mu);
  w->owner = pthread_self();
  w->held = true;
  pthread_mutex_unlock(&writers_mu);
  s->writing = true;
}

static void writer_leave(lg_store_t *s) {
  if (!s->writing) return;
  store_writer_t *w = s->writer;
  pthread_mutex_lock(&writers_mu);
  w->held = false;
  pthread_mutex_unlock(&writers_mu);
  s->writing = false;
  pthread_mutex_unlock(&w->mu);
}

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

/* GeoPackage R-tree triggers (GPKG 1.3, annex F.3) call these on geometry
 * blobs. Envelopes come from the blob header when present. */
static int blob_env(sqlite3_value *v, lg_env_t *env, bool *empty) {
  if (sqlite3_value_type(v) != SQLITE_BLOB) return -1;
  const void *b = sqlite3_value_blob(v);
  int n = sqlite3_value_bytes(v);
  return lg_gpkg_blob_parse(b, (size_t)n, NULL, env, empty, NULL, NULL);
}

static void fn_is_empty(sqlite3_context *c, int argc, sqlite3_value **argv) {
  lg_env_t e;
  bool empty = false;
  if (blob_env(argv[0], &e, &empty) != 0) {
    sqlite3_result_null(c);
    return;
  }
  sqlite3_result_int(c, empty);
}

static void fn_coord(sqlite3_context *c, int argc, sqlite3_value **argv) {
  lg_env_t e;
  bool empty = false;
  if (blob_env(argv[0], &e, &empty) != 0 || empty) {
    sqlite3_result_null(c);
    return;
  }
  intptr_t which = (intptr_t)sqlite3_user_data(c);
  double v = which == 0 ? e.minx : which == 1 ? e.maxx : which == 2 ? e.miny : e.maxy;
  sqlite3_result_double(c, v);
}

void lg_store_register_gpkg_functions(sqlite3 *db) {
  int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  sqlite3_create_function(db, "ST_IsEmpty", 1, f, NULL, fn_is_empty, NULL, NULL);
  sqlite3_create_function(db, "ST_MinX", 1, f, (void *)0, fn_coord, NULL, NULL);
  sqlite3_create_function(db, "ST_MaxX", 1, f, (void *)1, fn_coord, NULL, NULL);
  sqlite3_create_function(db, "ST_MinY", 1, f, (void *)2, fn_coord, NULL, NULL);
  sqlite3_create_function(db, "ST_MaxY", 1, f, (void *)3, fn_coord, NULL, NULL);
}

int lg_store_open(const char *path, int flags, lg_store_t **out, lg_err_t *err) {
  *out = NULL;
  struct stat st;
  bool exists = stat(path, &st) == 0;
  if (!exists && !(flags & LG_STORE_CREATE))
    return lg_err_set(err, LG_ENOTFOUND,
                      "数据库 %s 不存在; 请先运行 landgov init 或 landgov demo", path);
  int oflags = (flags & LG_STORE_READONLY) ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  oflags |= SQLITE_OPEN_NOMUTEX; /* one connection, one thread */
  lg_store_t *s = lg_calloc(1, sizeof *s);
  s->path = lg_strdup(path);
  s->readonly = (flags & LG_STORE_READONLY) != 0;
  if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
    lg_err_set(err, LG_EDB, "无法打开数据库 %s: %s", path, sqlite3_errmsg(s->db));
    lg_store_close(s);
    return LG_EDB;
  }
  sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
  if (!s->readonly) s->writer = writer_of(path);
  sqlite3_extended_result_codes(s->db, 1);
  lg_store_register_gpkg_functions(s->db);
  int rc = 0;
  if (!s->readonly) {
    rc = lg_store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON;", err);
    if (rc == 0) rc = lg_store_migrate(s, err);
  } else {
    rc = lg_store_exec(s, "PRAGMA query_only=1;", err);
    if (rc == 0 && lg_store_schema_version(s) <= 0)
      rc = lg_err_set(err, LG_EINVAL, "%s 不是 landgov 数据库", path);
  }
  if (rc != 0) {
    lg_store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

void lg_store_close(lg_store_t *s) {
  if (!s) return;
  if (s->writing && s->db && !sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  writer_leave(s);
  stmts_free(s);
  /* close_v2: statements a caller forgot are finalised when they are (the
   * R-tree module owns statements of its own that must not be touched). */
  if (s->db) sqlite3_close_v2(s->db);
  lg_free(s->path);
  lg_free(s);
}

const char *lg_store_path(lg_store_t *s) { return s->path; }
sqlite3 *lg_store_db(lg_store_t *s) { return s->db; }

int lg_store_exec(lg_store_t *s, const char *sql, lg_err_t *err) {
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    lg_err_set(err, LG_EDB, "数据库操作失败: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return LG_EDB;
  }
  return 0;
}

/* BEGIN and COMMIT run around every change: kept, like the modules'
 * statements, rather than parsed again each time by sqlite3_exec. */
static int exec_kept(lg_store_t *s, const char *sql, lg_err_t *err) {
  sqlite3_stmt *st;
  int rc = lg_store_stmt(s, sql, &st, err);
  if (rc) return rc;
  if (sqlite3_step(st) != SQLITE_DONE)
    rc = lg_err_set(err, LG_EDB, "数据库操作失败: %s", sqlite3_errmsg(s->db));
  lg_store_stmt_release(s, st);
  return rc;
}

int lg_store_begin(lg_store_t *s, lg_err_t *err) {
  if (s->depth++ > 0) return 0;
  writer_enter(s);
  int rc = exec_kept(s, "BEGIN IMMEDIATE", err);
  if (rc) {
    s->depth = 0;
    writer_leave(s);
  }
  return rc;
}

int lg_store_commit(lg_store_t *s, lg_err_t *err) {
  if (s->depth == 0) return lg_err_set(err, LG_EINTERNAL, "提交时没有进行中的事务");
  if (--s->depth > 0) return 0;
  int rc = exec_kept(s, "COMMIT", err);
  if (rc)
    lg_store_rollback(s);
  else
    writer_leave(s);
  return rc;
}

void lg_store_rollback(lg_store_t *s) {
  s->depth = 0;
  if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  writer_leave(s);
}

void lg_store_bulk_mode(lg_store_t *s, bool on) {
  sqlite3_exec(s->db, on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", NULL,
               NULL, NULL);
}

int lg_store_setting_get(lg_store_t *s, const char *key, char **val, lg_err_t *err) {
  sqlite3_stmt *st;
  *val = NULL;
  if (lg_store_stmt(s, "SELECT value FROM lg_settings WHERE key = ?", &st, err)) return LG_EDB;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) *val = lg_strdup((const char *)sqlite3_column_text(st, 0));
  lg_store_stmt_release(s, st);
  return 0;
}

int lg_store_setting_set(lg_store_t *s, const char *key, const char *val, lg_err_t *err) {
  sqlite3_stmt *st;
  if (lg_store_stmt(s, "INSERT INTO lg_settings(key, value) VALUES (?, ?) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    &st, err))
    return LG_EDB;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(s, err, "保存设置失败");
  lg_store_stmt_release(s, st);
  return rc;
}

int lg_store_ensure_srs(lg_store_t *s, int epsg, lg_err_t *err) {
  sqlite3_stmt *st;
  if (lg_store_prepare(s, "SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", &st, err))
    return LG_EDB;
  sqlite3_bind_int(st, 1, epsg);
  int found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  if (found) return 0;
  char *wkt = NULL, *name = NULL;
  int rc = lg_crs_lookup(lg_geo_thread(), epsg, &wkt, &name, err);
  if (rc) return rc;
  rc = lg_store_prepare(s, "INSERT INTO gpkg_spatial_ref_sys(srs_name, srs_id, organization, "
                           "organization_coordsys_id, definition, description) "
                           "VALUES (?, ?, 'EPSG', ?, ?, ?)",
                        &st, err);
  if (rc == 0) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, epsg);
    sqlite3_bind_int(st, 3, epsg);
    sqlite3_bind_text(st, 4, wkt, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lg_store_fail(s, err, "写入坐标系失败");
    sqlite3_finalize(st);
  }
  lg_free(wkt);
  lg_free(name);
  return rc;
}
