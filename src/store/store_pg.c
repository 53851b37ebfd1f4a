/*
 * The PostgreSQL + PostGIS backend, through libpq.
 *
 * Statements: the common SQL of store.h with its `?` and `?N`
 * placeholders renumbered to PostgreSQL's $N, prepared on the server once
 * per connection (PQprepare) and run with PQexecPrepared; parameters go
 * as text with no declared type, so the server infers each from its
 * context as it would for a quoted literal, except blobs, which go in
 * binary. Results come as text and are read with SQLite's conversions
 * (store.h), or in binary for the layer reader's large scans.
 *
 * Writers: every landgov process on one database takes one transaction-
 * scoped advisory lock at the outermost BEGIN. Every state change is
 * appended to the one ledger in the same transaction, and the ledger is
 * a sequence (entry n+1 hashes over entry n), so writers are serial by
 * nature; taking the lock first, rather than at the first ledger append,
 * keeps every module's read-then-write logic as correct as it is under
 * SQLite's single writer (a quota balance read and then spent, a case
 * counter, a timer fired once), with no deadlock between writers, while
 * reads, which are most of the work (tiles, features, checks), run in
 * parallel on every server. docs/scale.md measures what it costs.
 *
 * Change detection: every committing writer sends NOTIFY landgov_changes
 * in its transaction (delivered at commit) and every connection LISTENs;
 * lg_store_data_version counts what arrived, reading the socket without
 * a round trip, so caches in every process see each other's commits.
 */
#include "store/store_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The writer lock's key: "landgov" in ASCII. */
#define PG_WRITER_LOCK 0x6c616e64676f76LL

/* Type OIDs of pg_type.h (stable across releases). */
enum {
  OID_BOOL = 16,
  OID_BYTEA = 17,
  OID_CHAR = 18,
  OID_NAME = 19,
  OID_INT8 = 20,
  OID_INT2 = 21,
  OID_INT4 = 23,
  OID_TEXT = 25,
  OID_OID = 26,
  OID_FLOAT4 = 700,
  OID_FLOAT8 = 701,
  OID_BPCHAR = 1042,
  OID_VARCHAR = 1043,
  OID_NUMERIC = 1700
};

typedef struct pgconn {
  PGconn *conn;
  char errmsg[1024];
  uint64_t version; /* notifications seen plus own commits */
  bool standby;     /* a hot standby: no LISTEN; changes are its replay position */
  uint64_t names;   /* prepared statements named so far */
  bool copying;
} pgconn_t;

typedef struct pgst {
  char name[32];
  int nparams;
  char **vals; /* parameter values (owned), NULL for SQL NULL */
  int *lens, *fmts;
  PGresult *res;
  PGresult *desc; /* the statement's description: its columns before any run */
  int row;        /* current row, -1 before the first */
  bool ran;
  bool binary; /* results in binary */
  int64_t changes;
  /* Decoded bytea of the current row, by column (text results). */
  unsigned char **blobs;
  size_t *blob_lens;
  int ncols_dec;
  char num[32]; /* scratch for a binary number read as text */
} pgst_t;

#define PC(s) ((pgconn_t *)(s)->impl)
#define PS(st) ((pgst_t *)(st)->impl)

static void set_err(lg_store_t *s, const char *msg) {
  snprintf(PC(s)->errmsg, sizeof PC(s)->errmsg, "%s", msg ? msg : "");
  /* libpq ends its messages with a newline. */
  size_t n = strlen(PC(s)->errmsg);
  while (n && (PC(s)->errmsg[n - 1] == '\n' || PC(s)->errmsg[n - 1] == ' '))
    PC(s)->errmsg[--n] = '\0';
}

/* The engine's message from a failed result: primary text, detail and
 * hint, without the "ERROR:" prefix; or the connection's own. */
static void res_err(lg_store_t *s, const PGresult *r) {
  const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  if (!m) {
    set_err(s, PQerrorMessage(PC(s)->conn));
  } else {
    const char *d = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    snprintf(PC(s)->errmsg, sizeof PC(s)->errmsg, "%s%s%s", m, d ? " (" : "", d ? d : "");
    if (d) strncat(PC(s)->errmsg, ")", sizeof PC(s)->errmsg - strlen(PC(s)->errmsg) - 1);
  }
  if (PQstatus(PC(s)->conn) == CONNECTION_BAD)
    snprintf(PC(s)->errmsg, sizeof PC(s)->errmsg,
             "与数据库 %s 的连接已断开, 操作未完成 (已回滚): 请检查数据库服务后重试", s->path);
}

static bool res_ok(const PGresult *r) { return PQresultStatus(r) == PGRES_COMMAND_OK; }

static bool res_conflict(const PGresult *r) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  return state && strcmp(state, "23505") == 0; /* unique_violation */
}

/* ---- Placeholders and DDL ----------------------------------------------------- */

/* `?` and `?N` to $N, outside quotes and comments; *nparams receives the
 * highest number. `?` after `?N` is N+1, as in SQLite. used[n-1] is set
 * for each number that appears (at most 256 tracked). */
#define PG_MAXTRACK 256
static char *translate_params(const char *sql, int *nparams, bool used[PG_MAXTRACK]) {
  lg_buf_t b;
  lg_buf_init(&b);
  int max = 0;
  for (const char *p = sql; *p;) {
    if (*p == '\'' || *p == '"') {
      char q = *p;
      const char *e = p + 1;
      while (*e && !(*e == q && e[1] != q))
        e += (*e == q) ? 2 : 1;
      if (*e) e++;
      lg_buf_append(&b, p, (size_t)(e - p));
      p = e;
    } else if (p[0] == '-' && p[1] == '-') {
      const char *e = strchr(p, '\n');
      e = e ? e : p + strlen(p);
      lg_buf_append(&b, p, (size_t)(e - p));
      p = e;
    } else if (*p == '?') {
      p++;
      int n = 0;
      if (*p >= '0' && *p <= '9') {
        while (*p >= '0' && *p <= '9')
          n = n * 10 + (*p++ - '0');
      } else {
        n = max + 1;
      }
      if (n > max) max = n;
      if (n >= 1 && n <= PG_MAXTRACK) used[n - 1] = true;
      lg_buf_printf(&b, "$%d", n);
    } else {
      lg_buf_putc(&b, *p++);
    }
  }
  *nparams = max;
  return lg_buf_steal(&b);
}

static bool is_word(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The migrations' DDL is written with SQLite's type names; PostgreSQL's
 * for each (docs/scale.md lists the mapping). Text columns compare
 * byte-wise (COLLATE "C") as SQLite's do, so that orderings and unique
 * keys agree on both backends whatever the database's locale. */
static char *pg_ddl(const char *sql) {
  static const struct {
    const char *from, *to;
  } words[] = {
      {"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
      {"INTEGER", "BIGINT"},
      {"TINYINT", "SMALLINT"},
      {"REAL", "DOUBLE PRECISION"},
      {"DOUBLE", "DOUBLE PRECISION"},
      {"BLOB", "BYTEA"},
      {"DATETIME", "TEXT COLLATE \"C\""},
      {"TEXT", "TEXT COLLATE \"C\""},
  };
  /* GeoPackage's default for gpkg_contents.last_change, in PostgreSQL. */
  static const char now_lite[] = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
  static const char now_pg[] =
      "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  lg_buf_t b;
  lg_buf_init(&b);
  const char *prev_word = "";
  size_t prev_len = 0;
  for (const char *p = sql; *p;) {
    if (!strncmp(p, now_lite, sizeof now_lite - 1)) {
      lg_buf_puts(&b, now_pg);
      p += sizeof now_lite - 1;
      continue;
    }
    if (*p == '\'' || *p == '"') {
      char q = *p;
      const char *e = p + 1;
      while (*e && !(*e == q && e[1] != q))
        e += (*e == q) ? 2 : 1;
      if (*e) e++;
      lg_buf_append(&b, p, (size_t)(e - p));
      p = e;
      continue;
    }
    if (!is_word(*p) || (p > sql && is_word(p[-1]))) {
      lg_buf_putc(&b, *p++);
      continue;
    }
    const char *e = p;
    while (is_word(*e))
      e++;
    bool done = false;
    for (size_t i = 0; i < LG_ARRAY_LEN(words) && !done; i++) {
      size_t n = strlen(words[i].from);
      if (strncmp(p, words[i].from, n) != 0 || is_word(p[n])) continue;
      /* CAST(x AS TEXT) and DOUBLE PRECISION stay as they are. */
      bool after_as = prev_len == 2 && !strncmp(prev_word, "AS", 2);
      if (!strcmp(words[i].from, "TEXT") && after_as) break;
      if (!strcmp(words[i].from, "DOUBLE") && !strncmp(p + n, " PRECISION", 10)) break;
      lg_buf_puts(&b, words[i].to);
      prev_word = p;
      prev_len = n;
      p += n;
      done = true;
    }
    if (done) continue;
    lg_buf_append(&b, p, (size_t)(e - p));
    prev_word = p;
    prev_len = (size_t)(e - p);
    p = e;
  }
  return lg_buf_steal(&b);
}

/* ---- Connection ------------------------------------------------------------------ */

/* The connection string without its password, for messages. */
static char *redact(const char *t) {
  char *r = lg_strdup(t);
  if (!strncmp(r, "postgres", 8)) {
    char *at = strchr(r, '@'), *scheme = strstr(r, "://");
    if (at && scheme) {
      char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
      if (colon) memmove(colon, at, strlen(at) + 1);
    }
  }
  char *pw = strstr(r, "password=");
  if (pw) {
    char *e = pw + 9;
    while (*e && *e != ' ')
      e++;
    memmove(pw, e, strlen(e) + 1);
  }
  return r;
}

/* What a person should do about a failed connection. */
static int connect_err(lg_store_t *s, lg_err_t *err) {
  const char *m = PQerrorMessage(PC(s)->conn);
  const char *what = "请检查连接串、数据库服务是否在运行、网络和账号";
  if (strstr(m, "password authentication failed") || strstr(m, "no password supplied"))
    what = "用户名或密码错误; 请检查连接串中的用户和密码 (或 ~/.pgpass)";
  else if (strstr(m, "does not exist"))
    what = "数据库不存在; 请先用 createdb 创建它, 再运行 landgov init";
  else if (strstr(m, "Connection refused") || strstr(m, "could not connect") ||
           strstr(m, "No such file") || strstr(m, "timeout") || strstr(m, "translate host"))
    what = "无法连接到数据库服务; 请检查主机、端口和数据库服务是否在运行";
  char msg[600];
  snprintf(msg, sizeof msg, "%s", m);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';
  return lg_err_set(err, LG_EDB, "无法打开 PostgreSQL 数据库 %s: %s (%s)", s->path, what, msg);
}

static PGresult *run_simple(lg_store_t *s, const char *sql) { return PQexec(PC(s)->conn, sql); }

static int pg_exec(lg_store_t *s, const char *sql, lg_err_t *err) {
  PGresult *r = run_simple(s, sql);
  ExecStatusType t = PQresultStatus(r);
  int rc = 0;
  if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_EMPTY_QUERY) {
    res_err(s, r);
    if (getenv("LANDGOV_SQL_TRACE"))
      lg_log(LG_LOG_WARN, "PostgreSQL: %s -- %.300s", PC(s)->errmsg, sql);
    rc = lg_err_set(err, LG_EDB, "数据库操作失败: %s", PC(s)->errmsg);
  }
  PQclear(r);
  return rc;
}

/* PostGIS is what makes layers tables other GIS tools read: installed
 * here when the account may, else the message says who must. */
static int ensure_postgis(lg_store_t *s, lg_err_t *err) {
  PGresult *r = run_simple(s, "SELECT 1 FROM pg_extension WHERE extname = 'postgis'");
  bool have = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  PQclear(r);
  if (have) return 0;
  if (s->readonly)
    return lg_err_set(err, LG_EDB,
                      "数据库 %s 没有安装 PostGIS 扩展, 不是 landgov 数据库; 请先运行 landgov init",
                      s->path);
  r = run_simple(s, "CREATE EXTENSION IF NOT EXISTS postgis");
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) res_err(s, r);
  PQclear(r);
  if (!ok)
    return lg_err_set(err, LG_EDB,
                      "数据库 %s 没有安装 PostGIS 扩展, 且当前账号无权安装 (%s); 请数据库管理员"
                      "执行 CREATE EXTENSION postgis 后重试",
                      s->path, PC(s)->errmsg);
  return 0;
}

static int pg_open(lg_store_t *s, const char *target, int flags, lg_err_t *err) {
  pgconn_t *c = lg_calloc(1, sizeof *c);
  s->impl = c;
  s->path = redact(target);
  /* A lost server is noticed within a minute rather than hanging. */
  const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
  const char *vals[] = {target, "10", "landgov", NULL};
  c->conn = PQconnectdbParams(keys, vals, 1);
  if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) return connect_err(s, err);
  s->dbname = lg_strdup(PQdb(c->conn));
  int rc = pg_exec(s,
                   "SET client_min_messages = warning; SET extra_float_digits = 3;"
                   " SET client_encoding = 'UTF8'; SET DateStyle = 'ISO'; SET bytea_output = 'hex'",
                   err);
  /* A hot standby (a read replica) takes no LISTEN: what it replays is
   * told by its replay position instead (pg_data_version). */
  PGresult *r = rc ? NULL : run_simple(s, "SELECT pg_is_in_recovery()");
  c->standby = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
               PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  if (rc == 0 && !c->standby) rc = pg_exec(s, "LISTEN landgov_changes", err);
  if (rc == 0 && s->readonly && !c->standby)
    rc = pg_exec(s, "SET default_transaction_read_only = on", err);
  if (rc == 0) rc = ensure_postgis(s, err);
  (void)flags;
  return rc;
}

static void pg_close(lg_store_t *s) {
  pgconn_t *c = s->impl;
  if (!c) return;
  if (c->conn) PQfinish(c->conn);
  lg_free(c);
  s->impl = NULL;
}

static const char *pg_errmsg(lg_store_t *s) { return s->impl ? PC(s)->errmsg : "无数据库"; }

/* ---- Statements --------------------------------------------------------------------- */

static int pg_prepare(lg_store_t *s, lg_stmt_t *st, bool keep) {
  (void)keep;
  pgst_t *p = lg_calloc(1, sizeof *p);
  bool used[PG_MAXTRACK] = {0};
  char *sql = translate_params(st->sql, &p->nparams, used);
  snprintf(p->name, sizeof p->name, "lg%llu", (unsigned long long)++PC(s)->names);
  /* A number the text skips ("?1 ... ?3") has no context to take its
   * type from: it is declared text, and whatever is bound to it unused. */
  Oid types[PG_MAXTRACK];
  int ntypes = p->nparams < PG_MAXTRACK ? p->nparams : PG_MAXTRACK;
  for (int i = 0; i < ntypes; i++)
    types[i] = used[i] ? 0 : OID_TEXT;
  /* Inside a transaction a failed PREPARE would abort it: a savepoint
   * keeps the transaction usable whatever the server says (once per
   * statement and connection: prepared statements are kept). */
  bool guarded = s->depth > 0;
  if (guarded) PQclear(PQexec(PC(s)->conn, "SAVEPOINT lg_prepare"));
  PGresult *r = PQprepare(PC(s)->conn, p->name, sql, ntypes, ntypes ? types : NULL);
  /* A parameter whose only context says nothing of its type ("? IS NULL",
   * SQLite's way of writing an optional filter) is taken as text, as
   * SQLite would take it; at most once per parameter. */
  for (int tries = 0; tries < ntypes && !res_ok(r); tries++) {
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *dollar = msg ? strchr(msg, '$') : NULL;
    int n = dollar ? atoi(dollar + 1) : 0;
    if (!state || (strcmp(state, "42P18") && strcmp(state, "42P08")) || n < 1 || n > ntypes ||
        types[n - 1] != 0)
      break;
    types[n - 1] = OID_TEXT;
    PQclear(r);
    if (guarded) PQclear(PQexec(PC(s)->conn, "ROLLBACK TO SAVEPOINT lg_prepare"));
    r = PQprepare(PC(s)->conn, p->name, sql, ntypes, types);
  }
  if (guarded) {
    if (!res_ok(r)) res_err(s, r); /* the message, before the rollback clears it */
    PQclear(PQexec(PC(s)->conn,
                   res_ok(r) ? "RELEASE SAVEPOINT lg_prepare"
                             : "ROLLBACK TO SAVEPOINT lg_prepare; RELEASE SAVEPOINT lg_prepare"));
  }
  lg_free(sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    res_err(s, r);
    PQclear(r);
    lg_free(p);
    return LG_EDB;
  }
  PQclear(r);
  /* Its columns, known before it runs, as SQLite knows them after
   * preparing (a caller may ask how many there are before stepping). */
  p->desc = PQdescribePrepared(PC(s)->conn, p->name);
  if (PQresultStatus(p->desc) != PGRES_COMMAND_OK) {
    PQclear(p->desc);
    p->desc = NULL;
  }
  if (p->nparams > 0) {
    p->vals = lg_calloc((size_t)p->nparams, sizeof *p->vals);
    p->lens = lg_calloc((size_t)p->nparams, sizeof *p->lens);
    p->fmts = lg_calloc((size_t)p->nparams, sizeof *p->fmts);
  }
  p->row = -1;
  st->impl = p;
  return 0;
}

static void clear_blobs(pgst_t *p) {
  for (int i = 0; i < p->ncols_dec; i++) {
    lg_free(p->blobs[i]);
    p->blobs[i] = NULL;
  }
}

static void clear_result(pgst_t *p) {
  clear_blobs(p);
  if (p->res) PQclear(p->res);
  p->res = NULL;
  p->row = -1;
  p->ran = false;
}

static void pg_unbind(lg_stmt_t *st) {
  pgst_t *p = PS(st);
  for (int i = 0; i < p->nparams; i++) {
    lg_free(p->vals[i]);
    p->vals[i] = NULL;
    p->lens[i] = 0;
    p->fmts[i] = 0;
  }
}

static void pg_finalize(lg_stmt_t *st) {
  pgst_t *p = PS(st);
  if (!p) return;
  clear_result(p);
  if (p->desc) PQclear(p->desc);
  pg_unbind(st);
  lg_free(p->vals);
  lg_free(p->lens);
  lg_free(p->fmts);
  lg_free(p->blobs);
  lg_free(p->blob_lens);
  /* The server keeps a prepared statement until the session ends. */
  pgconn_t *c = PC(st->s);
  if (c && c->conn && PQstatus(c->conn) == CONNECTION_OK && !c->copying) {
    char sql[64];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", p->name);
    PQclear(PQexec(c->conn, sql));
  }
  lg_free(p);
}

static void put_param(lg_stmt_t *st, int i, char *v, int len, int fmt) {
  pgst_t *p = PS(st);
  if (i < 1 || i > p->nparams) {
    lg_free(v);
    return;
  }
  lg_free(p->vals[i - 1]);
  p->vals[i - 1] = v;
  p->lens[i - 1] = len;
  p->fmts[i - 1] = fmt;
}

static void pg_bind_null(lg_stmt_t *st, int i) { put_param(st, i, NULL, 0, 0); }
static void pg_bind_int(lg_stmt_t *st, int i, int64_t v) {
  put_param(st, i, lg_sprintf("%lld", (long long)v), 0, 0);
}
static void pg_bind_real(lg_stmt_t *st, int i, double v) {
  put_param(st, i, lg_sprintf("%.17g", v), 0, 0);
}
static void pg_bind_text(lg_stmt_t *st, int i, const char *v, size_t n) {
  put_param(st, i, lg_strndup(v, n), 0, 0);
}
static void pg_bind_blob(lg_stmt_t *st, int i, const void *v, size_t n) {
  char *c = lg_malloc(n ? n : 1);
  memcpy(c, v, n);
  put_param(st, i, c, (int)n, 1);
}

static int pg_step(lg_stmt_t *st) {
  pgst_t *p = PS(st);
  lg_store_t *s = st->s;
  if (!p->ran) {
    clear_result(p);
    p->res = PQexecPrepared(PC(s)->conn, p->name, p->nparams, (const char *const *)p->vals, p->lens,
                            p->fmts, p->binary ? 1 : 0);
    p->ran = true;
    ExecStatusType t = PQresultStatus(p->res);
    if (t == PGRES_COMMAND_OK) {
      const char *n = PQcmdTuples(p->res);
      p->changes = *n ? atoll(n) : 0;
      return LG_DONE;
    }
    if (t != PGRES_TUPLES_OK) {
      res_err(s, p->res);
      /* LANDGOV_SQL_TRACE=1 logs every statement the server refused. */
      if (getenv("LANDGOV_SQL_TRACE"))
        lg_log(LG_LOG_WARN, "PostgreSQL: %s -- %s", PC(s)->errmsg, st->sql);
      int rc = res_conflict(p->res) ? LG_ECONFLICT : LG_EDB;
      clear_result(p);
      p->ran = true;
      return rc;
    }
    const char *n = PQcmdTuples(p->res);
    p->changes = *n ? atoll(n) : 0; /* INSERT ... RETURNING */
    int nc = PQnfields(p->res);
    if (nc > p->ncols_dec) {
      p->blobs = lg_realloc(p->blobs, (size_t)nc * sizeof *p->blobs);
      p->blob_lens = lg_realloc(p->blob_lens, (size_t)nc * sizeof *p->blob_lens);
      for (int i = p->ncols_dec; i < nc; i++)
        p->blobs[i] = NULL;
      p->ncols_dec = nc;
    }
  }
  if (!p->res) return LG_DONE;
  clear_blobs(p);
  if (p->row + 1 < PQntuples(p->res)) {
    p->row++;
    return LG_ROW;
  }
  p->row = PQntuples(p->res);
  return LG_DONE;
}

static void pg_reset(lg_stmt_t *st) { clear_result(PS(st)); }
static int64_t pg_changes(lg_stmt_t *st) { return PS(st)->changes; }
static int pg_col_count(lg_stmt_t *st) {
  pgst_t *p = PS(st);
  return p->res ? PQnfields(p->res) : p->desc ? PQnfields(p->desc) : 0;
}
static const char *pg_col_name(lg_stmt_t *st, int i) {
  pgst_t *p = PS(st);
  return p->res ? PQfname(p->res, i) : p->desc ? PQfname(p->desc, i) : NULL;
}

static bool has_value(pgst_t *p, int i) {
  return p->res && p->row >= 0 && p->row < PQntuples(p->res) && i >= 0 && i < PQnfields(p->res) &&
         !PQgetisnull(p->res, p->row, i);
}

static int pg_col_type(lg_stmt_t *st, int i) {
  pgst_t *p = PS(st);
  if (!has_value(p, i)) return LG_COL_NULL;
  switch (PQftype(p->res, i)) {
  case OID_BOOL:
  case OID_INT2:
  case OID_INT4:
  case OID_INT8:
  case OID_OID:
    return LG_COL_INT;
  case OID_FLOAT4:
  case OID_FLOAT8:
  case OID_NUMERIC:
    return LG_COL_REAL;
  case OID_BYTEA:
    return LG_COL_BLOB;
  default:
    return LG_COL_TEXT;
  }
}

static uint64_t be(const unsigned char *b, int n) {
  uint64_t v = 0;
  for (int k = 0; k < n; k++)
    v = v << 8 | b[k];
  return v;
}

/* A value of the binary result as a number. */
static bool bin_number(pgst_t *p, int i, int64_t *iv, double *dv) {
  const unsigned char *b = (const unsigned char *)PQgetvalue(p->res, p->row, i);
  switch (PQftype(p->res, i)) {
  case OID_BOOL:
    *iv = b[0] != 0;
    *dv = (double)*iv;
    return true;
  case OID_INT2:
    *iv = (int16_t)be(b, 2);
    *dv = (double)*iv;
    return true;
  case OID_INT4:
  case OID_OID:
    *iv = (int32_t)be(b, 4);
    *dv = (double)*iv;
    return true;
  case OID_INT8:
    *iv = (int64_t)be(b, 8);
    *dv = (double)*iv;
    return true;
  case OID_FLOAT4: {
    uint32_t u = (uint32_t)be(b, 4);
    float f;
    memcpy(&f, &u, 4);
    *dv = f;
    *iv = (int64_t)f;
    return true;
  }
  case OID_FLOAT8: {
    uint64_t u = be(b, 8);
    memcpy(dv, &u, 8);
    *iv = (int64_t)*dv;
    return true;
  }
  default:
    return false;
  }
}

static int64_t pg_col_int(lg_stmt_t *st, int i) {
  pgst_t *p = PS(st);
  if (!has_value(p, i)) return 0;
  int64_t iv = 0;
  double dv = 0;
  if (p->binary) return bin_number(p, i, &iv, &dv) ? iv : atoll(PQgetvalue(p->res, p->row, i));
  const char *v = PQgetvalue(p->res, p->row, i);
  if (PQftype(p->res, i) == OID_BOOL) return v[0] == 't';
  if (strpbrk(v, ".eEnN")) return (int64_t)strtod(v, NULL);
  return strtoll(v, NULL, 10);
}

static double pg_col_real(lg_stmt_t *st, int i) {
  pgst_t *p = PS(st);
  if (!has_value(p, i)) return 0;
  int64_t iv = 0;
  double dv = 0;
  if (p->binary) return bin_number(p, i, &iv, &dv) ? dv : atof(PQgetvalue(p->res, p->row, i));
  const char *v = PQgetvalue(p->res, p->row, i);
  if (PQftype(p->res, i) == OID_BOOL) return v[0] == 't';
  return strtod(v, NULL);
}

static int hexval(unsigned char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* bytea of the current row, decoded once from the hex text the session
 * asks for (bytea_output = hex), with a NUL after it so that a blob read
 * as text is a string, as in SQLite. */
static const unsigned char *blob_of(pgst_t *p, int i, size_t *n) {
  if (p->binary) {
    *n = (size_t)PQgetlength(p->res, p->row, i);
    return (const unsigned char *)PQgetvalue(p->res, p->row, i);
  }
  if (!p->blobs[i]) {
    const unsigned char *h = (const unsigned char *)PQgetvalue(p->res, p->row, i);
    size_t len = (size_t)PQgetlength(p->res, p->row, i);
    if (len >= 2 && h[0] == '\\' && h[1] == 'x') {
      h += 2;
      len -= 2;
    }
    unsigned char *b = lg_malloc(len / 2 + 1);
    size_t k = 0;
    for (size_t j = 0; j + 1 < len; j += 2) {
      int hi = hexval(h[j]), lo = hexval(h[j + 1]);
      if (hi < 0 || lo < 0) break;
      b[k++] = (unsigned char)(hi << 4 | lo);
    }
    b[k] = 0;
    p->blobs[i] = b;
    p->blob_lens[i] = k;
  }
  *n = p->blob_lens[i];
  return p->blobs[i];
}

static const char *pg_col_text(lg_stmt_t *st, int i) {
  pgst_t *p = PS(st);
  if (!has_value(p, i)) return NULL;
  Oid t = PQftype(p->res, i);
  if (t == OID_BOOL)
    return (p->binary ? PQgetvalue(p->res, p->row, i)[0] : PQgetvalue(p->res, p->row, i)[0] == 't')
               ? "1"
               : "0";
  if (t == OID_BYTEA) {
    size_t n;
    return (const char *)blob_of(p, i, &n);
  }
  if (t == OID_FLOAT4 || t == OID_FLOAT8) {
    /* As SQLite writes a REAL as text ("%!.15g": 15 significant digits, a
     * decimal point always), so that both backends show the same. */
    snprintf(p->num, sizeof p->num, "%.15g", pg_col_real(st, i));
    if (!strpbrk(p->num, ".eEni")) strncat(p->num, ".0", sizeof p->num - strlen(p->num) - 1);
    return p->num;
  }
  if (p->binary) {
    int64_t iv;
    double dv;
    if (bin_number(p, i, &iv, &dv)) {
      snprintf(p->num, sizeof p->num, "%lld", (long long)iv);
      return p->num;
    }
  }
  return PQgetvalue(p->res, p->row, i);
}

static const void *pg_col_blob(lg_stmt_t *st, int i, size_t *n) {
  pgst_t *p = PS(st);
  *n = 0;
  if (!has_value(p, i)) return NULL;
  if (PQftype(p->res, i) == OID_BYTEA) return blob_of(p, i, n);
  const char *t = pg_col_text(st, i);
  *n = t ? strlen(t) : 0;
  return t;
}

static size_t pg_col_bytes(lg_stmt_t *st, int i) {
  pgst_t *p = PS(st);
  if (!has_value(p, i)) return 0;
  if (PQftype(p->res, i) == OID_BYTEA) {
    size_t n;
    blob_of(p, i, &n);
    return n;
  }
  const char *t = pg_col_text(st, i);
  return t ? strlen(t) : 0;
}

void lg_store_pg_binary(lg_stmt_t *st) {
  if (st->s->backend == LG_STORE_PG) PS(st)->binary = true;
}

/* ---- Transactions ------------------------------------------------------------------ */

static int pg_begin(lg_store_t *s, lg_err_t *err) {
  char sql[96];
  snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", PG_WRITER_LOCK);
  int rc = pg_exec(s, sql, err);
  if (rc) pg_exec(s, "ROLLBACK", NULL);
  return rc;
}

static int pg_commit(lg_store_t *s, lg_err_t *err) {
  int rc = pg_exec(s, "NOTIFY landgov_changes; COMMIT", err);
  if (rc)
    pg_exec(s, "ROLLBACK", NULL);
  else
    PC(s)->version++;
  return rc;
}

static void pg_rollback(lg_store_t *s) { pg_exec(s, "ROLLBACK", NULL); }

static void pg_bulk_mode(lg_store_t *s, bool on) {
  pg_exec(s, on ? "SET synchronous_commit = off" : "SET synchronous_commit = on", NULL);
}

static uint64_t pg_data_version(lg_store_t *s) {
  pgconn_t *c = PC(s);
  if (c->standby) {
    /* Everything committed on the primary reaches the standby as WAL it
     * replays: the position moves exactly when its data may have. */
    PGresult *r = run_simple(s, "SELECT pg_last_wal_replay_lsn() - '0/0'");
    uint64_t v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                     ? strtoull(PQgetvalue(r, 0, 0), NULL, 10)
                     : c->version + 1;
    PQclear(r);
    return v;
  }
  if (PQconsumeInput(c->conn)) {
    PGnotify *n;
    while ((n = PQnotifies(c->conn)) != NULL) {
      c->version++;
      PQfreemem(n);
    }
  }
  return c->version;
}

/* ---- COPY ------------------------------------------------------------------------ */

int lg_store_pg_copy_begin(lg_store_t *s, const char *sql, lg_err_t *err) {
  PGresult *r = run_simple(s, sql);
  bool ok = PQresultStatus(r) == PGRES_COPY_IN;
  if (!ok) res_err(s, r);
  PQclear(r);
  if (!ok) return lg_err_set(err, LG_EDB, "开始批量写入失败: %s", PC(s)->errmsg);
  PC(s)->copying = true;
  return 0;
}

int lg_store_pg_copy_put(lg_store_t *s, const char *row, size_t n, lg_err_t *err) {
  if (PQputCopyData(PC(s)->conn, row, (int)n) != 1) {
    set_err(s, PQerrorMessage(PC(s)->conn));
    return lg_err_set(err, LG_EDB, "批量写入失败: %s", PC(s)->errmsg);
  }
  return 0;
}

int lg_store_pg_copy_end(lg_store_t *s, lg_err_t *err) {
  pgconn_t *c = PC(s);
  int rc = 0;
  if (PQputCopyEnd(c->conn, NULL) != 1) {
    set_err(s, PQerrorMessage(c->conn));
    rc = lg_err_set(err, LG_EDB, "结束批量写入失败: %s", c->errmsg);
  }
  PGresult *r;
  while ((r = PQgetResult(c->conn)) != NULL) {
    if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
      res_err(s, r);
      rc = lg_err_set(err, LG_EDB, "批量写入失败: %s", c->errmsg);
    }
    PQclear(r);
  }
  c->copying = false;
  return rc;
}

/* ---- Backup: pg_dump ----------------------------------------------------------- */

/* pg_dump takes one snapshot for the whole dump (its transaction is
 * REPEATABLE READ), so the file is the store as of one instant while
 * landgov keeps writing; custom format, restored by pg_restore. Written
 * beside dest and renamed, as the GeoPackage backup is. */
static int pg_backup(lg_store_t *s, const char *dest, lg_err_t *err) {
  const char *target = PQdb(PC(s)->conn);
  char *part = lg_sprintf("%s.part", dest);
  /* The connection's own parameters, so that the dump reads what landgov
   * reads (password from the environment or ~/.pgpass, never argv). */
  char *conn = lg_sprintf("dbname='%s' host='%s' port='%s' user='%s'", target,
                          PQhost(PC(s)->conn) ? PQhost(PC(s)->conn) : "",
                          PQport(PC(s)->conn) ? PQport(PC(s)->conn) : "",
                          PQuser(PC(s)->conn) ? PQuser(PC(s)->conn) : "");
  char *fileopt = lg_sprintf("--file=%s", part);
  char *dbopt = lg_sprintf("--dbname=%s", conn);
  char *argv[] = {"pg_dump", "--format=custom", "--no-owner", fileopt, dbopt, NULL};
  const char *pw = PQpass(PC(s)->conn);
  if (pw && *pw) setenv("PGPASSWORD", pw, 1);
  pid_t pid;
  int rc = 0;
  unlink(part);
  if (posix_spawnp(&pid, "pg_dump", NULL, NULL, argv, environ) != 0) {
    rc = lg_err_set(err, LG_EIO,
                    "无法运行 pg_dump (%s); 请安装 PostgreSQL 客户端 (postgresql-client)",
                    strerror(errno));
  } else {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      rc = lg_err_set(err, LG_EIO, "pg_dump 备份 %s 失败 (退出码 %d); 详情见上方 pg_dump 的输出",
                      s->path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  if (pw && *pw) unsetenv("PGPASSWORD");
  if (rc == 0 && rename(part, dest) != 0)
    rc = lg_err_set(err, LG_EIO, "无法把 %s 改名为 %s", part, dest);
  if (rc) unlink(part);
  lg_free(part);
  lg_free(conn);
  lg_free(fileopt);
  lg_free(dbopt);
  return rc;
}

/* ---- DDL -------------------------------------------------------------------------- */

static int pg_append_only(lg_store_t *s, const char *table, bool allow_delete, lg_err_t *err) {
  char *sql =
      lg_sprintf("CREATE OR REPLACE FUNCTION lg_append_only() RETURNS trigger LANGUAGE plpgsql AS"
                 " $$BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END$$;"
                 "DROP TRIGGER IF EXISTS %1$s_append_only_u ON %1$s;"
                 "CREATE TRIGGER %1$s_append_only_u BEFORE UPDATE ON %1$s"
                 " FOR EACH ROW EXECUTE FUNCTION lg_append_only();"
                 "DROP TRIGGER IF EXISTS %1$s_append_only_t ON %1$s;"
                 "CREATE TRIGGER %1$s_append_only_t BEFORE TRUNCATE ON %1$s"
                 " FOR EACH STATEMENT EXECUTE FUNCTION lg_append_only();",
                 table);
  int rc = pg_exec(s, sql, err);
  lg_free(sql);
  if (rc || allow_delete) return rc;
  sql = lg_sprintf("DROP TRIGGER IF EXISTS %1$s_append_only_d ON %1$s;"
                   "CREATE TRIGGER %1$s_append_only_d BEFORE DELETE ON %1$s"
                   " FOR EACH ROW EXECUTE FUNCTION lg_append_only();",
                   table);
  rc = pg_exec(s, sql, err);
  lg_free(sql);
  return rc;
}

/* ---- The database as a whole ------------------------------------------------- */

static PGconn *raw_connect(const char *target, char **shown, lg_err_t *err) {
  const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
  const char *vals[] = {target, "10", "landgov", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  *shown = redact(target);
  if (c && PQstatus(c) == CONNECTION_OK) return c;
  lg_store_t tmp = {.path = *shown};
  pgconn_t pc = {.conn = c};
  tmp.impl = &pc;
  connect_err(&tmp, err);
  if (c) PQfinish(c);
  return NULL;
}

int lg_store_pg_exists(const char *target, bool *exists, lg_err_t *err) {
  char *shown = NULL;
  PGconn *c = raw_connect(target, &shown, err);
  lg_free(shown);
  if (!c) return LG_EDB;
  PGresult *r = PQexec(c, "SELECT 1 FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace n"
                          " ON n.oid = k.relnamespace WHERE k.relname = 'lg_migrations'"
                          " AND n.nspname = current_schema()");
  *exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  PQclear(r);
  PQfinish(c);
  return 0;
}

int lg_store_pg_destroy(const char *target, lg_err_t *err) {
  char *shown = NULL;
  PGconn *c = raw_connect(target, &shown, err);
  if (!c) {
    lg_free(shown);
    return LG_EDB;
  }
  /* The schema goes whole (tables, PostGIS with it) and comes back empty
   * with PostGIS: nothing of the old store is left to half-match. */
  PGresult *r = PQexec(c, "DO $$DECLARE s text := current_schema(); BEGIN"
                          " EXECUTE format('DROP SCHEMA %I CASCADE', s);"
                          " EXECUTE format('CREATE SCHEMA %I', s);"
                          " EXECUTE format('CREATE EXTENSION postgis SCHEMA %I', s); END$$");
  int rc = 0;
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    rc = lg_err_set(err, LG_EDB, "无法清空数据库 %s: %s", shown,
                    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                        ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                        : PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  lg_free(shown);
  return rc;
}

static bool pg_broken(lg_store_t *s) {
  return !s->impl || !PC(s)->conn || PQstatus(PC(s)->conn) == CONNECTION_BAD;
}

const store_ops_t lg_store_pg_ops = {
    .name = "PostgreSQL",
    .open = pg_open,
    .close = pg_close,
    .errmsg = pg_errmsg,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_null = pg_bind_null,
    .bind_int = pg_bind_int,
    .bind_real = pg_bind_real,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .reset = pg_reset,
    .unbind = pg_unbind,
    .changes = pg_changes,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .col_bytes = pg_col_bytes,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .bulk_mode = pg_bulk_mode,
    .data_version = pg_data_version,
    .backup = pg_backup,
    .ddl = pg_ddl,
    .append_only = pg_append_only,
    .broken = pg_broken,
};
