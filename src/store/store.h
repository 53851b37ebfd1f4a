/*
 * store: landgov's one file of data. A SQLite database that is also a valid
 * OGC GeoPackage 1.3 (application_id 'GPKG', user_version 10300): every
 * layer is a GeoPackage feature table with an R-tree spatial index, and the
 * application's own tables sit beside them, registered as GeoPackage
 * attribute tables. QGIS and ogrinfo open the file as it is.
 *
 * The store owns the GeoPackage mechanics (gpkg_* tables, blobs, R-trees,
 * spatial reference systems), the numbered schema migrations of every
 * module, and the layer catalogue (lg_layers: which feature table plays
 * which role in the One Map).
 *
 * One lg_store_t is one connection; it belongs to one thread. SQLite runs
 * in WAL mode (many readers, one writer) with synchronous=FULL.
 */
#ifndef LG_STORE_H
#define LG_STORE_H

#include "core/core.h"
#include "geo/geo.h"

struct sqlite3;
struct sqlite3_stmt;
typedef struct lg_store lg_store_t;

enum {
  LG_STORE_READONLY = 1, /* open read-only; fail if missing */
  LG_STORE_CREATE = 2,   /* create the file if missing */
};

/* Opens (and if asked creates) a store, registers the GeoPackage SQL
 * functions R-tree triggers need, and runs pending migrations. */
int lg_store_open(const char *path, int flags, lg_store_t **out, lg_err_t *err);
void lg_store_close(lg_store_t *s);
const char *lg_store_path(lg_store_t *s);
/* The SQLite handle, for the modules' own tables (each module reads and
 * writes only its own). */
struct sqlite3 *lg_store_db(lg_store_t *s);
/* Fills err with SQLite's last message on this connection; returns LG_EDB. */
int lg_store_fail(lg_store_t *s, lg_err_t *err, const char *what);

/* Statements kept by the connection. Parsing and planning a statement
 * costs more than running most of them, and a transition runs dozens, so
 * the modules' fixed SQL is prepared once per connection, found again by
 * its text, and kept until the connection closes (SQLite re-prepares a
 * kept statement by itself when the schema changes). lg_store_stmt hands
 * out the statement for sql, ready to bind; lg_store_stmt_release gives
 * it back: reset (so it holds no read snapshot) and unbound (so no
 * pointer to the caller's memory stays in it). Release every statement
 * on every path, as one would finalize it; release also finalizes one
 * that did not come from here, and accepts NULL. A statement is lent to
 * one user at a time: asking for the same text while it is out (a nested
 * call) gets a fresh one that release finalizes. At most
 * LG_STORE_STMT_MAX are kept; the least recently used goes first. Texts
 * built at run time with values in them should not come here (they
 * would only push the fixed ones out). */
#define LG_STORE_STMT_MAX 160
int lg_store_stmt(lg_store_t *s, const char *sql, struct sqlite3_stmt **st, lg_err_t *err);
void lg_store_stmt_release(lg_store_t *s, struct sqlite3_stmt *st);

/* Transactions: BEGIN IMMEDIATE (the writer lock is taken at once, so a
 * transaction never fails half-way for want of it). Nested calls are
 * counted; only the outermost commits. Rollback undoes the outermost.
 * The connections of one process to one file queue for the writer lock
 * on a mutex first, so the next writer starts when the last commits
 * (store.c says why); other processes meet SQLite's lock as before. */
int lg_store_begin(lg_store_t *s, lg_err_t *err);
int lg_store_commit(lg_store_t *s, lg_err_t *err);
void lg_store_rollback(lg_store_t *s);
int lg_store_exec(lg_store_t *s, const char *sql, lg_err_t *err);
/* Faster, less durable writes for bulk imports (synchronous=NORMAL in WAL:
 * a power cut may lose the import, never corrupt the store). */
void lg_store_bulk_mode(lg_store_t *s, bool on);

/* Schema version after migrations (number of the last one applied). */
int lg_store_schema_version(lg_store_t *s);

/* Settings: a small key/value table (lg_settings). *val is NULL when
 * absent; caller frees. */
int lg_store_setting_get(lg_store_t *s, const char *key, char **val, lg_err_t *err);
int lg_store_setting_set(lg_store_t *s, const char *key, const char *val, lg_err_t *err);

/* Makes sure gpkg_spatial_ref_sys has an EPSG code (definition from
 * PROJ's database). */
int lg_store_ensure_srs(lg_store_t *s, int epsg, lg_err_t *err);

/* ---- Layers ------------------------------------------------------------ */

/* Roles a layer plays in the One Map. */
#define LG_ROLES "eprl", "pbf", "udb", "landuse", "plan", "boundary", "other"
bool lg_role_valid(const char *role);
/* Chinese name of a role for users ("生态保护红线"). */
const char *lg_role_title(const char *role);

enum { LG_FIELD_INTEGER, LG_FIELD_REAL, LG_FIELD_TEXT, LG_FIELD_DATE, LG_FIELD_DATETIME,
       LG_FIELD_BLOB };

typedef struct lg_field {
  const char *name; /* column name, UTF-8 */
  int type;         /* LG_FIELD_* */
} lg_field_t;

typedef struct lg_layer_def {
  const char *name;        /* table name: letters, digits, _; not starting with a digit */
  const char *title;       /* human name (Chinese allowed); may be NULL */
  const char *role;        /* one of LG_ROLES */
  const char *class_field; /* land-class code column for landuse/plan, or NULL */
  const char *geom_type;   /* GeoPackage type name: MULTIPOLYGON, POINT, ... */
  int srs_id;              /* EPSG code */
  const lg_field_t *fields;
  size_t nfields;
  const char *source;      /* where it came from (file path), may be NULL */
  const char *meta;        /* JSON object of extra facts (file header...), may be NULL */
} lg_layer_def_t;

typedef struct lg_layer_info {
  int64_t id;
  char name[128];
  char title[256];
  char role[16];
  char class_field[64];
  char geom_type[32];
  int srs_id;
  int64_t count;
  lg_env_t extent;
  char source[512];
  char imported_at[32];
  char *meta; /* JSON text or NULL; freed by lg_layer_info_fini */
} lg_layer_info_t;

bool lg_layer_name_valid(const char *name);
/* Creates the feature table and registers it (gpkg_contents,
 * gpkg_geometry_columns, lg_layers). Call inside a transaction. A layer of
 * that name must not exist (LG_ECONFLICT), unless replace is set, in which
 * case the old one is dropped first. */
int lg_store_layer_create(lg_store_t *s, const lg_layer_def_t *def, bool replace,
                          lg_err_t *err);
int lg_store_layer_drop(lg_store_t *s, const char *name, lg_err_t *err);
/* Looks a layer up by name or by numeric id (as text). */
int lg_store_layer_get(lg_store_t *s, const char *name_or_id, lg_layer_info_t *out,
                       lg_err_t *err);
void lg_layer_info_fini(lg_layer_info_t *info);
/* All layers, ordered by role then name. Free with lg_layer_infos_free. */
int lg_store_layers(lg_store_t *s, lg_layer_info_t **out, size_t *n, lg_err_t *err);
void lg_layer_infos_free(lg_layer_info_t *infos, size_t n);
/* The first layer with a role, or LG_ENOTFOUND. */
int lg_store_layer_by_role(lg_store_t *s, const char *role, lg_layer_info_t *out,
                           lg_err_t *err);

/* Bulk writing of features: prepare once, bind fields by index (order of
 * def->fields), then lg_writer_add with the geometry. lg_writer_finish
 * records the extent and count and builds the R-tree's triggers. */
typedef struct lg_writer lg_writer_t;
int lg_writer_new(lg_store_t *s, const char *layer, lg_writer_t **out, lg_err_t *err);
void lg_writer_bind_null(lg_writer_t *w, int field);
void lg_writer_bind_int(lg_writer_t *w, int field, int64_t v);
void lg_writer_bind_real(lg_writer_t *w, int field, double v);
void lg_writer_bind_text(lg_writer_t *w, int field, const char *v); /* copied */
/* Adds one feature from WKB (GeoPackage blob made here, envelope scanned).
 * fid 0 lets SQLite choose. *out_fid receives the id (may be NULL). */
int lg_writer_add_wkb(lg_writer_t *w, int64_t fid, const void *wkb, size_t n,
                      int64_t *out_fid, lg_err_t *err);
int lg_writer_add(lg_writer_t *w, lg_geo_t *g, const lg_geom_t *geom, int64_t *out_fid,
                  lg_err_t *err);
int lg_writer_finish(lg_writer_t *w, lg_err_t *err);
void lg_writer_free(lg_writer_t *w);

/* Reading features, optionally inside a bbox (in the layer's CRS, through
 * the R-tree), in fid order. */
typedef struct lg_reader lg_reader_t;
typedef struct lg_read_opts {
  const lg_env_t *bbox; /* NULL: all */
  int64_t limit;        /* 0: no limit */
  int64_t offset;
  int64_t fid;          /* > 0: only this feature */
} lg_read_opts_t;
int lg_reader_new(lg_store_t *s, const char *layer, const lg_read_opts_t *opts,
                  lg_reader_t **out, lg_err_t *err);
/* 1: a row is ready; 0: done; < 0: error. */
int lg_reader_next(lg_reader_t *r, lg_err_t *err);
int64_t lg_reader_fid(lg_reader_t *r);
/* The GeoPackage blob of the current row, borrowed until next; NULL if null. */
const void *lg_reader_blob(lg_reader_t *r, size_t *n);
int lg_reader_nfields(lg_reader_t *r);
const char *lg_reader_field_name(lg_reader_t *r, int i);
/* SQLITE_INTEGER (1), SQLITE_FLOAT (2), SQLITE_TEXT (3), SQLITE_BLOB (4), SQLITE_NULL (5). */
int lg_reader_field_type(lg_reader_t *r, int i);
int64_t lg_reader_int(lg_reader_t *r, int i);
double lg_reader_real(lg_reader_t *r, int i);
const char *lg_reader_text(lg_reader_t *r, int i);
/* Field index by name, or -1. */
int lg_reader_field_index(lg_reader_t *r, const char *name);
void lg_reader_free(lg_reader_t *r);

/* Column definitions of a layer (excluding fid and geometry): names and
 * LG_FIELD_* types. Free with lg_fields_free. */
int lg_store_layer_fields(lg_store_t *s, const char *layer, lg_field_t **fields, size_t *n,
                          lg_err_t *err);
void lg_fields_free(lg_field_t *fields, size_t n);

#endif
