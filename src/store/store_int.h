/* Internals shared by the files of the store module. */
#ifndef LG_STORE_INT_H
#define LG_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

struct lg_store {
  sqlite3 *db;
  char *path;
  int depth;        /* transaction nesting */
  int readonly;
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
