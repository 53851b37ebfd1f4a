/* Internals shared by the files of the store module. */
#ifndef LG_STORE_INT_H
#define LG_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

/* A statement kept by the connection (lg_store_stmt). */
typedef struct store_stmt {
  uint64_t hash;   /* FNV-1a of the SQL text; the text itself is sqlite3_sql(st) */
  sqlite3_stmt *st;
  uint64_t used;   /* the cache's clock at the last hand-out, for eviction */
  bool lent;       /* handed out and not yet given back */
} store_stmt_t;

/* The writer queue of one database file, shared by the process's
 * connections to it (store.c, lg_store_begin). */
typedef struct store_writer store_writer_t;

struct lg_store {
  sqlite3 *db;
  char *path;
  int depth;        /* transaction nesting */
  int readonly;
  store_stmt_t stmts[LG_STORE_STMT_MAX]; /* kept statements (lg_store_stmt) */
  int nstmts;                            /* slots of stmts in use */
  uint64_t clock;                        /* counts hand-outs, for store_stmt_t.used */
  store_writer_t *writer;                /* the file's writer queue; NULL read-only */
  bool writing;                          /* this connection holds it */
};

/* Runs every migration above the store's version (schema.c). */
int lg_store_migrate(lg_store_t *s, lg_err_t *err);
/* Registers ST_IsEmpty, ST_MinX... used by the GeoPackage R-tree triggers. */
void lg_store_register_gpkg_functions(sqlite3 *db);
/* Prepares a statement, filling err on failure. */
int lg_store_prepare(lg_store_t *s, const char *sql, sqlite3_stmt **st, lg_err_t *err);
/* Double-quotes an identifier for SQL into buf. */
const char *lg_store_quote(char *buf, size_t n, const char *ident);

/* Fills an empty R*Tree (created by CREATE VIRTUAL TABLE ... USING rtree)
 * with these boxes in one pass, packed by Sort-Tile-Recursive, writing its
 * shadow tables directly (rtree_bulk.c). */
typedef struct lg_rtree_item {
  int64_t id;
  lg_env_t env;
} lg_rtree_item_t;
int lg_store_rtree_bulk(lg_store_t *s, const char *rtree, const lg_rtree_item_t *items, size_t n,
                        lg_err_t *err);

#endif
