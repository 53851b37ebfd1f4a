/*
 * The GeoPackage backend: one SQLite file (WAL mode, synchronous=FULL)
 * that is also an OGC GeoPackage 1.3. Statements are SQLite's own (the
 * common SQL of store.h is SQLite's dialect already), transactions are
 * BEGIN IMMEDIATE behind a per-file writer queue, the SQL functions the
 * GeoPackage R-tree triggers call are registered here, and backup is
 * SQLite's online backup.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct store_writer store_writer_t;

typedef struct lite {
  sqlite3 *db;
  store_writer_t *writer; /* the file's writer queue; NULL read-only */
  bool writing;           /* this connection holds it */
} lite_t;

#define DB(s) (((lite_t *)(s)->impl)->db)
#define ST(st) ((sqlite3_stmt *)(st)->impl)

/* ---- One writer at a time, queued in the process ------------------------
 * SQLite lets one connection write at a time. A connection that finds
 * the lock taken waits in SQLite's busy handler, which sleeps 1, 2, 5,
 * 10 ... 100 ms between tries, whatever the writer is doing: with two
 * worker threads of one server writing, a transition of one or two
 * milliseconds could make the other wait 5, 10 or more. Connections of
 * one process to one file queue on a mutex instead, and the next one
 * starts the moment the writer commits. Other processes (the CLI, a
 * second server) still meet SQLite's lock and its busy timeout;
 * durability is untouched (BEGIN IMMEDIATE ... COMMIT, synchronous=FULL).
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

static void writer_enter(lite_t *l) {
  store_writer_t *w = l->writer;
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
  l->writing = true;
}

static void writer_leave(lite_t *l) {
  if (!l->writing) return;
  store_writer_t *w = l->writer;
  pthread_mutex_lock(&writers_mu);
  w->held = false;
  pthread_mutex_unlock(&writers_mu);
  l->writing = false;
  pthread_mutex_unlock(&w->mu);
}

/* ---- SQL functions GeoPackage R-tree triggers call (GPKG 1.3, annex F.3) -- */

/* Envelopes come from the blob header when present. */
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

static void register_gpkg_functions(sqlite3 *db) {
  int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  sqlite3_create_function(db, "ST_IsEmpty", 1, f, NULL, fn_is_empty, NULL, NULL);
  sqlite3_create_function(db, "ST_MinX", 1, f, (void *)0, fn_coord, NULL, NULL);
  sqlite3_create_function(db, "ST_MaxX", 1, f, (void *)1, fn_coord, NULL, NULL);
  sqlite3_create_function(db, "ST_MinY", 1, f, (void *)2, fn_coord, NULL, NULL);
  sqlite3_create_function(db, "ST_MaxY", 1, f, (void *)3, fn_coord, NULL, NULL);
}

/* ---- Connection ------------------------------------------------------------ */

static int lite_exec(lg_store_t *s, const char *sql, lg_err_t *err) {
  char *msg = NULL;
  if (sqlite3_exec(DB(s), sql, NULL, NULL, &msg) != SQLITE_OK) {
    lg_err_set(err, LG_EDB, "数据库操作失败: %s", msg ? msg : sqlite3_errmsg(DB(s)));
    sqlite3_free(msg);
    return LG_EDB;
  }
  return 0;
}

static int lite_open(lg_store_t *s, const char *path, int flags, lg_err_t *err) {
  lite_t *l = lg_calloc(1, sizeof *l);
  s->impl = l;
  s->path = lg_strdup(path);
  struct stat st;
  bool exists = stat(path, &st) == 0;
  if (!exists && !(flags & LG_STORE_CREATE))
    return lg_err_set(err, LG_ENOTFOUND, "数据库 %s 不存在; 请先运行 landgov init 或 landgov demo",
                      path);
  int oflags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  oflags |= SQLITE_OPEN_NOMUTEX; /* one connection, one thread */
  if (sqlite3_open_v2(path, &l->db, oflags, NULL) != SQLITE_OK)
    return lg_err_set(err, LG_EDB, "无法打开数据库 %s: %s", path, sqlite3_errmsg(l->db));
  sqlite3_busy_timeout(l->db, STORE_BUSY_MS);
  if (!s->readonly) l->writer = writer_of(path);
  sqlite3_extended_result_codes(l->db, 1);
  register_gpkg_functions(l->db);
  if (s->readonly) return lite_exec(s, "PRAGMA query_only=1;", err);
  return lite_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                   err);
}

static void lite_close(lg_store_t *s) {
  lite_t *l = s->impl;
  if (!l) return;
  if (l->db && !sqlite3_get_autocommit(l->db)) sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
  writer_leave(l);
  /* close_v2: statements a caller forgot are finalised when they are (the
   * R-tree module owns statements of its own that must not be touched). */
  if (l->db) sqlite3_close_v2(l->db);
  lg_free(l);
  s->impl = NULL;
}

static const char *lite_errmsg(lg_store_t *s) {
  return s->impl && DB(s) ? sqlite3_errmsg(DB(s)) : "无数据库";
}

/* ---- Statements ------------------------------------------------------------ */

static int lite_prepare(lg_store_t *s, lg_stmt_t *st, bool keep) {
  sqlite3_stmt *p = NULL;
  if (sqlite3_prepare_v3(DB(s), st->sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &p, NULL) !=
      SQLITE_OK) {
    sqlite3_finalize(p);
    return LG_EDB;
  }
  st->impl = p;
  return 0;
}

static void lite_finalize(lg_stmt_t *st) { sqlite3_finalize(ST(st)); }
static void lite_bind_null(lg_stmt_t *st, int i) { sqlite3_bind_null(ST(st), i); }
static void lite_bind_int(lg_stmt_t *st, int i, int64_t v) { sqlite3_bind_int64(ST(st), i, v); }
static void lite_bind_real(lg_stmt_t *st, int i, double v) { sqlite3_bind_double(ST(st), i, v); }
static void lite_bind_text(lg_stmt_t *st, int i, const char *v, size_t n) {
  sqlite3_bind_text64(ST(st), i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}
static void lite_bind_blob(lg_stmt_t *st, int i, const void *v, size_t n) {
  sqlite3_bind_blob64(ST(st), i, v, n, SQLITE_TRANSIENT);
}

static int lite_step(lg_stmt_t *st) {
  int rc = sqlite3_step(ST(st));
  if (rc == SQLITE_ROW) return LG_ROW;
  if (rc == SQLITE_DONE) return LG_DONE;
  int ext = sqlite3_extended_errcode(DB(st->s));
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return LG_ECONFLICT;
  return LG_EDB;
}

static void lite_reset(lg_stmt_t *st) { sqlite3_reset(ST(st)); }
static void lite_unbind(lg_stmt_t *st) { sqlite3_clear_bindings(ST(st)); }
static int64_t lite_changes(lg_stmt_t *st) { return sqlite3_changes64(DB(st->s)); }
static int lite_col_count(lg_stmt_t *st) { return sqlite3_column_count(ST(st)); }
static const char *lite_col_name(lg_stmt_t *st, int i) { return sqlite3_column_name(ST(st), i); }
/* LG_COL_* are SQLite's own numbers. */
static int lite_col_type(lg_stmt_t *st, int i) { return sqlite3_column_type(ST(st), i); }
static int64_t lite_col_int(lg_stmt_t *st, int i) { return sqlite3_column_int64(ST(st), i); }
static double lite_col_real(lg_stmt_t *st, int i) { return sqlite3_column_double(ST(st), i); }
static const char *lite_col_text(lg_stmt_t *st, int i) {
  return (const char *)sqlite3_column_text(ST(st), i);
}
static const void *lite_col_blob(lg_stmt_t *st, int i, size_t *n) {
  const void *b = sqlite3_column_blob(ST(st), i);
  *n = (size_t)sqlite3_column_bytes(ST(st), i);
  return b;
}
static size_t lite_col_bytes(lg_stmt_t *st, int i) {
  return (size_t)sqlite3_column_bytes(ST(st), i);
}

/* ---- Transactions ------------------------------------------------------------ */

/* BEGIN and COMMIT run around every change: kept, like the modules'
 * statements, rather than parsed again each time by sqlite3_exec. */
static int exec_kept(lg_store_t *s, const char *sql, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  rc = lg_store_run(st, "数据库操作失败", err);
  lg_store_done(st);
  return rc;
}

static int lite_begin(lg_store_t *s, lg_err_t *err) {
  lite_t *l = s->impl;
  writer_enter(l);
  int rc = exec_kept(s, "BEGIN IMMEDIATE", err);
  if (rc) writer_leave(l);
  return rc;
}

static void lite_rollback(lg_store_t *s) {
  lite_t *l = s->impl;
  if (!sqlite3_get_autocommit(l->db)) sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
  writer_leave(l);
}

static int lite_commit(lg_store_t *s, lg_err_t *err) {
  int rc = exec_kept(s, "COMMIT", err);
  if (rc)
    lite_rollback(s);
  else
    writer_leave(s->impl);
  return rc;
}

static void lite_bulk_mode(lg_store_t *s, bool on) {
  sqlite3_exec(DB(s), on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", NULL, NULL,
               NULL);
}

/* PRAGMA data_version moves when another connection commits; this
 * connection's own commits show in its change count. */
static uint64_t lite_data_version(lg_store_t *s) {
  sqlite3_stmt *st = NULL;
  uint64_t v = 0;
  if (sqlite3_prepare_v2(DB(s), "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return (v << 32) ^ (uint64_t)sqlite3_total_changes64(DB(s));
}

/* ---- Backup ----------------------------------------------------------------
 * SQLite's online backup API copies the database page by page. Asked to
 * copy everything in one step, it does so inside one read transaction;
 * in WAL mode that transaction is a snapshot: the copy is the store as of
 * the last commit before the backup began, every committed transaction
 * whole and nothing after it, while writers go on appending to the WAL.
 * (Copying in several steps would restart whenever another connection
 * writes, and might never finish under a steady load.)
 *
 * The copy is written next to dest as dest.part, switched to rollback-
 * journal mode so that it is one self-contained file, checked (PRAGMA
 * quick_check), synced, and only then renamed to dest, so that dest is
 * either absent or a whole backup. */

/* fsync of the directory holding path, so that the rename survives a
 * power cut. */
static void sync_dir(const char *path) {
  char *copy = lg_strdup(path);
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  lg_free(copy);
}

static int backup_check(sqlite3 *d, const char *part, lg_err_t *err) {
  char *msg = NULL;
  if (sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
    int rc = lg_err_set(err, LG_EDB, "备份文件 %s 设置日志模式失败: %s", part, msg ? msg : "");
    sqlite3_free(msg);
    return rc;
  }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(d, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
    return lg_err_set(err, LG_EDB, "检查备份文件失败: %s", sqlite3_errmsg(d));
  const char *verdict =
      sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  int rc = 0;
  if (!verdict || strcmp(verdict, "ok") != 0)
    rc = lg_err_set(err, LG_EDB, "备份文件 %s 未通过完整性检查: %s", part,
                    verdict ? verdict : sqlite3_errmsg(d));
  sqlite3_finalize(st);
  return rc;
}

static int lite_backup(lg_store_t *s, const char *dest, lg_err_t *err) {
  char a[PATH_MAX], b[PATH_MAX];
  if (realpath(dest, a) && realpath(s->path, b) && strcmp(a, b) == 0)
    return lg_err_set(err, LG_EINVAL, "备份文件不能是数据库本身 (%s)", dest);
  sqlite3 *d = NULL;
  sqlite3_backup *bk = NULL;
  char *part = lg_sprintf("%s.part", dest);
  int rc = 0;
  unlink(part); /* a leftover of an interrupted backup */
  if (sqlite3_open_v2(part, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    rc = lg_err_set(err, LG_EIO, "无法创建备份文件 %s: %s", part,
                    d ? sqlite3_errmsg(d) : "内存不足");
    goto done;
  }
  bk = sqlite3_backup_init(d, "main", DB(s), "main");
  if (!bk) {
    rc = lg_err_set(err, LG_EDB, "无法开始备份: %s", sqlite3_errmsg(d));
    goto done;
  }
  int step;
  /* BUSY only while another connection recovers the WAL or holds an
   * exclusive lock; wait it out (at most about a minute). */
  for (int tries = 0;; tries++) {
    step = sqlite3_backup_step(bk, -1);
    if ((step != SQLITE_BUSY && step != SQLITE_LOCKED) || tries >= 600) break;
    sqlite3_sleep(100);
  }
  sqlite3_backup_finish(bk);
  bk = NULL;
  if (step != SQLITE_DONE) {
    rc = lg_err_set(err, LG_EDB, "备份失败: %s", sqlite3_errstr(step));
    goto done;
  }
  if ((rc = backup_check(d, part, err)) != 0) goto done;
  if (sqlite3_close(d) != SQLITE_OK) {
    rc = lg_err_set(err, LG_EIO, "关闭备份文件 %s 失败", part);
    d = NULL;
    goto done;
  }
  d = NULL;
  int fd = open(part, O_RDONLY);
  if (fd < 0 || fsync(fd) != 0) rc = lg_err_set(err, LG_EIO, "写入备份文件 %s 失败", part);
  if (fd >= 0) close(fd);
  if (rc) goto done;
  if (rename(part, dest) != 0) {
    rc = lg_err_set(err, LG_EIO, "无法把 %s 改名为 %s", part, dest);
    goto done;
  }
  sync_dir(dest);
done:
  if (bk) sqlite3_backup_finish(bk);
  if (d) sqlite3_close(d);
  if (rc) unlink(part);
  lg_free(part);
  return rc;
}

/* ---- DDL --------------------------------------------------------------------- */

static int lite_append_only(lg_store_t *s, const char *table, bool allow_delete, lg_err_t *err) {
  char *sql = lg_sprintf("CREATE TRIGGER IF NOT EXISTS %1$s_append_only_u BEFORE UPDATE ON %1$s"
                         " BEGIN SELECT RAISE(ABORT, '%1$s is append-only'); END;",
                         table);
  int rc = lite_exec(s, sql, err);
  lg_free(sql);
  if (rc || allow_delete) return rc;
  sql = lg_sprintf("CREATE TRIGGER IF NOT EXISTS %1$s_append_only_d BEFORE DELETE ON %1$s"
                   " BEGIN SELECT RAISE(ABORT, '%1$s is append-only'); END;",
                   table);
  rc = lite_exec(s, sql, err);
  lg_free(sql);
  return rc;
}

const store_ops_t lg_store_sqlite_ops = {
    .name = "GeoPackage",
    .open = lite_open,
    .close = lite_close,
    .errmsg = lite_errmsg,
    .prepare = lite_prepare,
    .finalize = lite_finalize,
    .bind_null = lite_bind_null,
    .bind_int = lite_bind_int,
    .bind_real = lite_bind_real,
    .bind_text = lite_bind_text,
    .bind_blob = lite_bind_blob,
    .step = lite_step,
    .reset = lite_reset,
    .unbind = lite_unbind,
    .changes = lite_changes,
    .col_count = lite_col_count,
    .col_name = lite_col_name,
    .col_type = lite_col_type,
    .col_int = lite_col_int,
    .col_real = lite_col_real,
    .col_text = lite_col_text,
    .col_blob = lite_col_blob,
    .col_bytes = lite_col_bytes,
    .exec = lite_exec,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .bulk_mode = lite_bulk_mode,
    .data_version = lite_data_version,
    .backup = lite_backup,
    .ddl = NULL,
    .append_only = lite_append_only,
};

/* The SQLite handle for the store's own GeoPackage-only files
 * (rtree_bulk.c, layers_gpkg.c). */
sqlite3 *lg_store_sqlite_db(lg_store_t *s);
sqlite3 *lg_store_sqlite_db(lg_store_t *s) { return s->backend == LG_STORE_GPKG ? DB(s) : NULL; }
