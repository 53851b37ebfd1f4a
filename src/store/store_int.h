/* Internals shared by the files of the store module: the connection, the
 * statement, and the operations each backend (store_sqlite.c, store_pg.c)
 * provides. Nothing outside src/store includes this. */
#ifndef LG_STORE_INT_H
#define LG_STORE_INT_H

#include "store/store.h"

typedef struct store_ops store_ops_t;

/* A statement. The common part (its text, its place in the cache) is
 * here; impl is the backend's (sqlite3_stmt, or store_pg.c's pgst_t). */
struct lg_stmt {
  lg_store_t *s;
  char *sql;     /* the text it was prepared from (the cache's key) */
  uint64_t hash; /* FNV-1a of sql */
  void *impl;
  bool kept;     /* in the connection's cache (else done finalizes it) */
  bool lent;     /* handed out and not yet given back */
  uint64_t used; /* the cache's clock at the last hand-out, for eviction */
};

struct lg_store {
  const store_ops_t *ops;
  int backend;  /* LG_STORE_GPKG or LG_STORE_PG */
  void *impl;   /* the backend's connection state */
  char *path;   /* file path, or the connection string without password */
  char *dbname; /* lg_store_dbname (set by the backend's open) */
  char *target; /* what was opened, as given (with any password) */
  int depth;    /* transaction nesting (0: none; > 1: savepoints) */
  bool readonly;
  bool failed_commit;                  /* the outermost commit failed: the transaction is gone */
  lg_stmt_t *stmts[LG_STORE_STMT_MAX]; /* kept statements */
  int nstmts;
  uint64_t clock;  /* counts hand-outs, for lg_stmt_t.used */
  uint64_t serial; /* lg_store_serial */
};

/* What a backend does. Statement functions get the lg_stmt_t whose impl
 * they made. Errors: functions returning int give 0 or a negative LG_E*
 * code; the text of the engine's last error is errmsg. */
struct store_ops {
  const char *name; /* "GeoPackage", "PostgreSQL" */
  int (*open)(lg_store_t *s, const char *target, int flags, lg_err_t *err);
  void (*close)(lg_store_t *s);
  const char *(*errmsg)(lg_store_t *s);
  /* keep: the statement will be kept and reused (a hint to the engine). */
  int (*prepare)(lg_store_t *s, lg_stmt_t *st, bool keep);
  void (*finalize)(lg_stmt_t *st);
  void (*bind_null)(lg_stmt_t *st, int i);
  void (*bind_int)(lg_stmt_t *st, int i, int64_t v);
  void (*bind_real)(lg_stmt_t *st, int i, double v);
  void (*bind_text)(lg_stmt_t *st, int i, const char *v, size_t n);
  void (*bind_blob)(lg_stmt_t *st, int i, const void *v, size_t n);
  int (*step)(lg_stmt_t *st);
  void (*reset)(lg_stmt_t *st);
  void (*unbind)(lg_stmt_t *st);
  int64_t (*changes)(lg_stmt_t *st);
  int (*col_count)(lg_stmt_t *st);
  const char *(*col_name)(lg_stmt_t *st, int i);
  int (*col_type)(lg_stmt_t *st, int i);
  int64_t (*col_int)(lg_stmt_t *st, int i);
  double (*col_real)(lg_stmt_t *st, int i);
  const char *(*col_text)(lg_stmt_t *st, int i);
  const void *(*col_blob)(lg_stmt_t *st, int i, size_t *n);
  size_t (*col_bytes)(lg_stmt_t *st, int i);
  int (*exec)(lg_store_t *s, const char *sql, lg_err_t *err);
  /* Outermost transaction only; savepoints are common code. */
  int (*begin)(lg_store_t *s, lg_err_t *err);
  int (*commit)(lg_store_t *s, lg_err_t *err);
  void (*rollback)(lg_store_t *s);
  void (*bulk_mode)(lg_store_t *s, bool on);
  uint64_t (*data_version)(lg_store_t *s);
  int (*backup)(lg_store_t *s, const char *dest, lg_err_t *err);
  /* Translates DDL written in the common form (SQLite's type names) to
   * the backend's; NULL when nothing needs changing. Caller frees. */
  char *(*ddl)(const char *sql);
  int (*append_only)(lg_store_t *s, const char *table, bool allow_delete, lg_err_t *err);
  bool (*broken)(lg_store_t *s); /* may be NULL: never */
};

extern const store_ops_t lg_store_sqlite_ops;
extern const store_ops_t lg_store_pg_ops;

/* A numbered schema migration (schema.c). A migration is SQL, a
 * function, or both; never edit one that has shipped, append another. */
typedef struct store_migration {
  int version;
  const char *name;
  const char *sql;                         /* both backends: DDL in SQLite's type names, which the
                                              PostgreSQL backend translates (store_pg.c); may be NULL */
  const char *sqlite_sql;                  /* GeoPackage only; may be NULL */
  const char *pg_sql;                      /* PostgreSQL only, as written; may be NULL */
  int (*fn)(lg_store_t *s, lg_err_t *err); /* may be NULL */
  const char *const *attribute_tables;     /* registered in gpkg_contents */
  const char *const *append_only;          /* refuse UPDATE and DELETE */
  const char *const *immutable;            /* refuse UPDATE (rows may go) */
} store_migration_t;

/* A module's migrations (schema_<module>.c), with its own numbers. */
typedef struct store_migrations {
  const store_migration_t *list;
  size_t n;
} store_migrations_t;
extern const store_migrations_t lg_schema_files;    /* 200-219 */
extern const store_migrations_t lg_schema_stock;    /* 100-119 */
extern const store_migrations_t lg_schema_quota;    /* 140-159 */
extern const store_migrations_t lg_schema_industry; /* 120-139 */
extern const store_migrations_t lg_schema_consol;   /* 160-179 */
extern const store_migrations_t lg_schema_monitor;  /* 180-199 */
extern const store_migrations_t lg_schema_docs;     /* 220-239 */
extern const store_migrations_t lg_schema_ogc;      /* 240-259 */
extern const store_migrations_t lg_schema_tlog;     /* 260-279 */

/* Runs every migration above the store's version (schema.c). */
int lg_store_migrate(lg_store_t *s, lg_err_t *err);
/* The highest migration a store has, without running any (0: none). */
int lg_store_migrations_max(lg_store_t *s);
/* The application tables the migrations make, in the order they make
 * them (which is the order their foreign keys need). */
size_t lg_store_schema_tables(const char **out, size_t max);
/* Double-quotes an identifier for SQL into buf. */
const char *lg_store_quote(char *buf, size_t n, const char *ident);
/* A statement prepared for this caller alone, never kept (DDL, texts
 * built at run time). Released with lg_store_done like any other. */
int lg_store_prepare_once(lg_store_t *s, const char *sql, lg_stmt_t **st, lg_err_t *err);

/* GeoPackage only (store_sqlite.c, rtree_bulk.c). */
typedef struct lg_rtree_item {
  int64_t id;
  lg_env_t env;
} lg_rtree_item_t;
/* Fills an empty R*Tree (created by CREATE VIRTUAL TABLE ... USING rtree)
 * with these boxes in one pass, packed by Sort-Tile-Recursive, writing its
 * shadow tables directly. */
int lg_store_rtree_bulk(lg_store_t *s, const char *rtree, const lg_rtree_item_t *items, size_t n,
                        lg_err_t *err);

/* The layer operations whose SQL differs between the backends
 * (layers_gpkg.c, layers_pg.c): the feature table with its spatial index,
 * the writer's rows, the reader's query. */
typedef struct layer_ops {
  int (*create)(lg_store_t *s, const lg_layer_def_t *d, lg_err_t *err);
  int (*drop)(lg_store_t *s, const char *name, lg_err_t *err);
  int (*fields)(lg_store_t *s, const char *layer, lg_field_t **fields, size_t *n, lg_err_t *err);
} layer_ops_t;

/* PostgreSQL only (store_pg.c): COPY rows in text format into a table. */
typedef struct store_copy store_copy_t;
int lg_store_pg_copy_begin(lg_store_t *s, const char *sql, lg_err_t *err);
int lg_store_pg_copy_put(lg_store_t *s, const char *row, size_t n, lg_err_t *err);
int lg_store_pg_copy_end(lg_store_t *s, lg_err_t *err);
/* Whether a database holds landgov's tables; emptying its schema. */
int lg_store_pg_exists(const char *target, bool *exists, lg_err_t *err);
int lg_store_pg_destroy(const char *target, lg_err_t *err);
/* Binary results for the statement's next runs (the reader's rows:
 * integers, floats, text and bytea decoded without text conversion). */
void lg_store_pg_binary(lg_stmt_t *st);

#endif
