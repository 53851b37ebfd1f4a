/*
 * store: where landgov keeps everything, behind one interface with two
 * backends.
 *
 * - GeoPackage (a file path): one SQLite database that is also a valid
 *   OGC GeoPackage 1.3 (application_id 'GPKG', user_version 10300). Every
 *   layer is a GeoPackage feature table with an R-tree spatial index, and
 *   the application's tables sit beside them, registered as GeoPackage
 *   attribute tables. QGIS and ogrinfo open the file as it is. What a
 *   county runs.
 * - PostgreSQL + PostGIS (a libpq URI, "postgresql://user@host/db", or a
 *   connection string with "service=", "host=" or "dbname="): every layer
 *   is a PostGIS table (geometry(<type>, srid) with a GiST index) that
 *   QGIS, GeoServer and ogr2ogr read directly; the same catalogue tables
 *   (gpkg_contents, gpkg_geometry_columns, lg_layers) and the same
 *   application tables with the same names. What a province runs, with
 *   several landgov servers on one database (docs/scale.md).
 *
 * The store is the only code that talks to an SQL engine. Modules keep
 * their own SQL text (their tables are theirs), written once in the
 * dialect both engines accept: `?` and `?N` placeholders (translated to
 * $N for PostgreSQL), INSERT ... ON CONFLICT, RETURNING, CAST, coalesce,
 * CASE, aggregates with FILTER (WHERE ...). Where the dialects differ
 * (column types in DDL, spatial indexes, append-only triggers, backup,
 * change detection) the store offers a named operation instead.
 *
 * One lg_store_t is one connection; it belongs to one thread.
 */
#ifndef LG_STORE_H
#define LG_STORE_H

#include "core/core.h"
#include "geo/geo.h"

typedef struct lg_store lg_store_t;
typedef struct lg_stmt lg_stmt_t;

enum {
  LG_STORE_READONLY = 1, /* open read-only; fail if missing */
  LG_STORE_CREATE = 2,   /* create the file (or the schema) if missing */
};

enum { LG_STORE_GPKG = 1, LG_STORE_PG = 2 };

/* Opens a store (a GeoPackage file path, or a PostgreSQL URI or
 * connection string, see above) and runs pending migrations. Fails with
 * a Chinese message naming the database and what to do when it cannot be
 * reached, refuses the password, lacks PostGIS, or carries a schema newer
 * than this program. */
int lg_store_open(const char *target, int flags, lg_store_t **out, lg_err_t *err);
void lg_store_close(lg_store_t *s);
/* Another connection to the same store (for a worker thread), with the
 * same credentials; flags as for lg_store_open. */
int lg_store_open_again(lg_store_t *s, int flags, lg_store_t **out, lg_err_t *err);
/* Whether a target holds a store already: a file that exists, or a
 * PostgreSQL database with landgov's tables in its schema. */
int lg_store_exists(const char *target, bool *exists, lg_err_t *err);
/* Removes a whole store, for a demo made anew: the file with its WAL
 * companions, or every table of the database's current schema (the
 * schema is dropped and made again, with PostGIS). Keys kept beside it
 * are the ledger's business (lg_ledger_key_path). */
int lg_store_destroy(const char *target, lg_err_t *err);
/* What was opened: the file path, or the connection string with any
 * password removed (for messages and logs). */
const char *lg_store_path(lg_store_t *s);
/* True when the connection is gone for good (PostgreSQL: the server
 * closed it, restarted or failed over): the caller closes the store and
 * opens it again. Never true of a GeoPackage. */
bool lg_store_broken(lg_store_t *s);
/* A short name of the store for files kept beside it: the file path of
 * a GeoPackage, the database's name on PostgreSQL. */
const char *lg_store_dbname(lg_store_t *s);
/* A number no other connection opened by this process has had: a key for
 * what a thread remembers of a connection. */
uint64_t lg_store_serial(lg_store_t *s);
/* LG_STORE_GPKG or LG_STORE_PG; and whether a target names PostgreSQL. */
int lg_store_backend(lg_store_t *s);
bool lg_store_target_is_pg(const char *target);
/* Fills err with the engine's last message on this connection, prefixed
 * by what was being done; returns LG_EDB. */
int lg_store_fail(lg_store_t *s, lg_err_t *err, const char *what);
/* The engine's last message on this connection. */
const char *lg_store_errmsg(lg_store_t *s);

/* ---- Statements -----------------------------------------------------------
 * lg_store_prepare hands out a statement for sql, ready to bind. Parsing
 * and planning cost more than running most statements, so every
 * statement is kept by the connection, found again by its text and kept
 * until the connection closes (least recently used first out, at most
 * LG_STORE_STMT_MAX). lg_store_done gives it back: reset (so it holds no
 * read snapshot) and unbound (so no pointer to the caller's memory stays
 * in it). Call lg_store_done on every path, as one would finalize a
 * statement; it accepts NULL. A statement is lent to one user at a time:
 * asking for the same text while it is out (a nested call) gets a fresh
 * one that done finalizes. Texts built at run time with values in them
 * (rather than placeholders) should not come here.
 *
 * Placeholders: `?` numbered left to right, or `?N`; indexes of bind
 * functions start at 1, of column functions at 0. Text and blobs are
 * copied when bound. */
#define LG_STORE_STMT_MAX 160
int lg_store_prepare(lg_store_t *s, const char *sql, lg_stmt_t **st, lg_err_t *err);
void lg_store_done(lg_stmt_t *st);
lg_store_t *lg_store_of(lg_stmt_t *st);

void lg_store_bind_null(lg_stmt_t *st, int i);
void lg_store_bind_int(lg_stmt_t *st, int i, int64_t v);
void lg_store_bind_real(lg_stmt_t *st, int i, double v);
/* NULL binds SQL NULL. */
void lg_store_bind_text(lg_stmt_t *st, int i, const char *v);
void lg_store_bind_textn(lg_stmt_t *st, int i, const char *v, size_t n);
void lg_store_bind_blob(lg_stmt_t *st, int i, const void *v, size_t n);

/* Runs the statement or moves to its next row. */
enum { LG_DONE = 0, LG_ROW = 1 };
/* LG_ROW, LG_DONE, or < 0 (LG_EDB; LG_ECONFLICT for a unique or
 * primary-key violation); lg_store_fail then says what the engine said. */
int lg_store_step(lg_stmt_t *st);
/* Steps a statement that returns no rows (INSERT, UPDATE, DELETE without
 * RETURNING): 0, or err filled with `what` and the engine's message. */
int lg_store_run(lg_stmt_t *st, const char *what, lg_err_t *err);
/* lg_store_run, then lg_store_done: the statement is given back whatever
 * happened. */
int lg_store_run_done(lg_stmt_t *st, const char *what, lg_err_t *err);
/* Runs an INSERT ... RETURNING <id> and gives it back: *id is the first
 * column of the row it returned. */
int lg_store_insert_id(lg_stmt_t *st, int64_t *id, const char *what, lg_err_t *err);
/* Rows changed by the last run of this statement. */
int64_t lg_store_changes(lg_stmt_t *st);
/* Back to before the first step, bindings kept; unbind clears them. */
void lg_store_reset(lg_stmt_t *st);
void lg_store_unbind(lg_stmt_t *st);

/* Columns of the current row. Types: */
enum { LG_COL_INT = 1, LG_COL_REAL = 2, LG_COL_TEXT = 3, LG_COL_BLOB = 4, LG_COL_NULL = 5 };
int lg_store_col_count(lg_stmt_t *st);
const char *lg_store_col_name(lg_stmt_t *st, int i);
int lg_store_col_type(lg_stmt_t *st, int i);
bool lg_store_col_null(lg_stmt_t *st, int i);
/* Conversions as SQLite does them: text read as a number is parsed,
 * NULL reads as 0 or NULL. A boolean from PostgreSQL reads as 1 or 0. */
int64_t lg_store_col_int(lg_stmt_t *st, int i);
double lg_store_col_real(lg_stmt_t *st, int i);
/* Borrowed until the next step, reset or done; NULL for SQL NULL. */
const char *lg_store_col_text(lg_stmt_t *st, int i);
const void *lg_store_col_blob(lg_stmt_t *st, int i, size_t *n);
/* Bytes of the text or blob value. */
size_t lg_store_col_bytes(lg_stmt_t *st, int i);

/* Whether a table (or view) of that name exists in the store. */
bool lg_store_table_exists(lg_store_t *s, const char *table);
/* Runs SQL without parameters (several statements separated by ';'). */
int lg_store_exec(lg_store_t *s, const char *sql, lg_err_t *err);
/* The same for DDL written in the common form (SQLite's type names:
 * INTEGER, REAL, TEXT, BLOB, INTEGER PRIMARY KEY AUTOINCREMENT), which
 * the PostgreSQL backend translates, as it does the migrations'. */
int lg_store_exec_ddl(lg_store_t *s, const char *sql, lg_err_t *err);

/* ---- Transactions ---------------------------------------------------------
 * The outermost lg_store_begin starts a write transaction that takes the
 * store's writer lock at once, so a transaction never fails half-way for
 * want of it: SQLite's BEGIN IMMEDIATE (the connections of one process to
 * one file queue on a mutex first, store_sqlite.c says why); on
 * PostgreSQL BEGIN plus a transaction-scoped advisory lock that every
 * landgov process takes (store_pg.c says why: every change is appended to
 * the one ledger in the same transaction, so writers are serial by
 * nature, and logic that reads then writes stays correct).
 *
 * A nested begin is a savepoint: its rollback undoes its own work only and
 * leaves the enclosing transaction usable, and the caller decides what to
 * do about the failure. Commit of a nested level releases its savepoint;
 * only the outermost commit makes anything durable. */
int lg_store_begin(lg_store_t *s, lg_err_t *err);
int lg_store_commit(lg_store_t *s, lg_err_t *err);
void lg_store_rollback(lg_store_t *s);
/* Rolls back every level open on this connection (a request's end: no
 * transaction a handler left open may hold the writer lock). */
void lg_store_rollback_all(lg_store_t *s);
/* Transaction levels open on this connection (0: none). */
int lg_store_depth(lg_store_t *s);
/* Faster, less durable writes for bulk imports (SQLite: synchronous=NORMAL
 * in WAL, a power cut may lose the import, never corrupt the store;
 * PostgreSQL: synchronous_commit off for this session). */
void lg_store_bulk_mode(lg_store_t *s, bool on);

/* A number that changes whenever anything may have been committed to the
 * store since it was last read, by this connection or any other (another
 * thread, the CLI, another landgov server on the same PostgreSQL). Caches
 * of derived data compare it instead of reading again. SQLite: its
 * data_version and this connection's change count; PostgreSQL: a counter
 * moved by the notifications every committing writer sends (LISTEN/NOTIFY),
 * read without a round trip. */
uint64_t lg_store_data_version(lg_store_t *s);

/* ---- Schema ----------------------------------------------------------------
 * Number of the last migration applied, and of the last one this program
 * knows. */
int lg_store_schema_version(lg_store_t *s);
int lg_store_schema_known(void);

/* ---- Settings: a small key/value table (lg_settings) -------------------- */
/* *val is NULL when absent; caller frees. */
int lg_store_setting_get(lg_store_t *s, const char *key, char **val, lg_err_t *err);
int lg_store_setting_set(lg_store_t *s, const char *key, const char *val, lg_err_t *err);

/* The settings registry (settings.c): what an administrator may tune,
 * with defaults and bounds, listed once for the modules that obey them,
 * `landgov settings` and /api/settings. lg_settings also holds values
 * nobody may edit (the ledger's public keys): those are not listed. */
enum { LG_SETTING_INT, LG_SETTING_DIVISION, LG_SETTING_IDS, LG_SETTING_LIST };
typedef struct lg_setting_def {
  const char *key;
  const char *dflt;   /* the default, as stored ("" when there is none) */
  int kind;           /* LG_SETTING_INT: an integer in [min, max];
                       * LG_SETTING_DIVISION: a GB/T 2260 code or "";
                       * LG_SETTING_IDS: comma-separated BPMN ids;
                       * LG_SETTING_LIST: comma-separated words (MIME types) */
  long long min, max; /* LG_SETTING_INT only */
  bool console_only;  /* changed with landgov settings only, not over HTTP */
  const char *title;  /* in Chinese, for tables and the admin page */
} lg_setting_def_t;
/* The longest stored value of a setting, with its NUL. */
#define LG_SETTING_MAX 512
/* Every tunable setting, in the order they are listed. */
const lg_setting_def_t *lg_store_setting_defs(size_t *n);
/* NULL for a key that is not tunable. */
const lg_setting_def_t *lg_store_setting_def(const char *key);
/* An integer setting as stored (s may be NULL), its default when unset,
 * clamped to its bounds; a value that is not an integer reads as the
 * default. Both with a warning in the log. */
long long lg_store_setting_int(lg_store_t *s, const char *key);
/* A text setting as stored (s may be NULL), or its default. */
void lg_store_setting_text(lg_store_t *s, const char *key, char *out, size_t n);

/* Makes sure the store knows an EPSG code (GeoPackage: a row of
 * gpkg_spatial_ref_sys from PROJ's database; PostgreSQL: PostGIS's
 * spatial_ref_sys as well). */
int lg_store_ensure_srs(lg_store_t *s, int epsg, lg_err_t *err);

/* ---- Backup and copy --------------------------------------------------------
 * A consistent copy of the whole store, taken while it is in use.
 * GeoPackage: SQLite's online backup into dest (a file path; written
 * beside it and renamed, so dest is never half a store). PostgreSQL:
 * pg_dump's custom format into dest (a consistent snapshot; restore with
 * pg_restore into an empty database, docs/backup.md). */
int lg_store_backup(lg_store_t *s, const char *dest, lg_err_t *err);
/* Copies every table of one store into another, empty one (any backend
 * to any backend): catalogue, layers with their geometries and indexes,
 * application tables row by row, the ledger byte for byte. Progress
 * lines go to the log. */
int lg_store_copy(lg_store_t *from, lg_store_t *to, lg_err_t *err);

/* ---- Layers ---------------------------------------------------------------- */

/* Roles a layer plays in the One Map. "approval" (批准用地) and "supply"
 * (供地) are the land approved for construction and the land supplied,
 * as the stock module (src/stock) keeps them and as historic approvals
 * arrive from a bureau's files (landgov import --role approval). */
#define LG_ROLES "eprl", "pbf", "udb", "landuse", "plan", "boundary", "other", "approval", "supply"
bool lg_store_role_valid(const char *role);
/* Chinese name of a role for users ("生态保护红线"). */
const char *lg_store_role_title(const char *role);

enum {
  LG_FIELD_INTEGER,
  LG_FIELD_REAL,
  LG_FIELD_TEXT,
  LG_FIELD_DATE,
  LG_FIELD_DATETIME,
  LG_FIELD_BLOB
};

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
  const char *source; /* where it came from (file path), may be NULL */
  const char *meta;   /* JSON object of extra facts (file header...), may be NULL */
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
  char changed_at[40]; /* when features last changed (gpkg_contents.last_change) */
  char *meta;          /* JSON text or NULL; freed by lg_store_layer_info_fini */
} lg_layer_info_t;

bool lg_store_layer_name_valid(const char *name);
/* Creates the feature table and registers it (gpkg_contents,
 * gpkg_geometry_columns, lg_layers). Call inside a transaction. A layer of
 * that name must not exist (LG_ECONFLICT), unless replace is set, in which
 * case the old one is dropped first. */
int lg_store_layer_create(lg_store_t *s, const lg_layer_def_t *def, bool replace, lg_err_t *err);
int lg_store_layer_drop(lg_store_t *s, const char *name, lg_err_t *err);
/* Looks a layer up by name or by numeric id (as text). */
int lg_store_layer_get(lg_store_t *s, const char *name_or_id, lg_layer_info_t *out, lg_err_t *err);
void lg_store_layer_info_fini(lg_layer_info_t *info);
/* All layers, ordered by role then name. Free with lg_store_layer_infos_free. */
int lg_store_layers(lg_store_t *s, lg_layer_info_t **out, size_t *n, lg_err_t *err);
void lg_store_layer_infos_free(lg_layer_info_t *infos, size_t n);
/* The first layer with a role, or LG_ENOTFOUND. */
int lg_store_layer_by_role(lg_store_t *s, const char *role, lg_layer_info_t *out, lg_err_t *err);
/* Column definitions of a layer (excluding fid and geometry): names and
 * LG_FIELD_* types. Free with lg_store_fields_free. */
int lg_store_layer_fields(lg_store_t *s, const char *layer, lg_field_t **fields, size_t *n,
                          lg_err_t *err);
void lg_store_fields_free(lg_field_t *fields, size_t n);

/* Bulk writing of features: prepare once, bind fields by index (order of
 * the layer's fields), then add with the geometry. finish records the
 * extent and count and builds the spatial index (GeoPackage: the R-tree
 * bulk-loaded, then its triggers; PostgreSQL: rows went through COPY, the
 * GiST index is built at the end). A writer appending to a finished layer
 * leaves the index to maintain itself. */
typedef struct lg_store_writer lg_store_writer_t;
int lg_store_writer_new(lg_store_t *s, const char *layer, lg_store_writer_t **out, lg_err_t *err);
void lg_store_writer_null(lg_store_writer_t *w, int field);
void lg_store_writer_int(lg_store_writer_t *w, int field, int64_t v);
void lg_store_writer_real(lg_store_writer_t *w, int field, double v);
void lg_store_writer_text(lg_store_writer_t *w, int field, const char *v); /* copied */
/* Adds one feature from WKB (2D ISO WKB; the envelope is scanned here).
 * fid 0 lets the store choose. *out_fid receives the id (may be NULL). */
int lg_store_writer_add_wkb(lg_store_writer_t *w, int64_t fid, const void *wkb, size_t n,
                            int64_t *out_fid, lg_err_t *err);
int lg_store_writer_add(lg_store_writer_t *w, lg_geo_t *g, const lg_geom_t *geom, int64_t *out_fid,
                        lg_err_t *err);
int lg_store_writer_finish(lg_store_writer_t *w, lg_err_t *err);
void lg_store_writer_free(lg_store_writer_t *w);

/* Reading features in fid order, optionally inside a box (in the layer's
 * CRS, through the R-tree or the GiST index). The geometry of a row is
 * handed out as a GeoPackage binary blob on both backends (header with
 * srs_id and envelope, then WKB; lg_gpkg_blob_parse reads it). */
typedef struct lg_store_reader lg_store_reader_t;
typedef struct lg_read_opts {
  const lg_env_t *bbox; /* NULL: all */
  int64_t limit;        /* 0: no limit */
  int64_t offset;
  int64_t fid;                /* > 0: only this feature */
  int64_t after_fid;          /* > 0: features with fid above it (keyset paging) */
  int64_t max_fid;            /* > 0: features with fid up to it */
  const char *const *columns; /* attribute columns to read, NULL-terminated; NULL: all */
  double min_extent;          /* > 0: only features whose box is at least this wide or high */
} lg_read_opts_t;
int lg_store_reader_new(lg_store_t *s, const char *layer, const lg_read_opts_t *opts,
                        lg_store_reader_t **out, lg_err_t *err);
/* Runs the reader's query again with other values: the box, fid,
 * after_fid, max_fid, limit and offset of opts (which must ask for the
 * same things as the opts it was made with: a box if it had one, and so
 * on), without looking the layer up or preparing anything again. */
int lg_store_reader_rewind(lg_store_reader_t *r, const lg_read_opts_t *opts, lg_err_t *err);
/* 1: a row is ready; 0: done; < 0: error. */
int lg_store_reader_next(lg_store_reader_t *r, lg_err_t *err);
int64_t lg_store_reader_fid(lg_store_reader_t *r);
/* The GeoPackage blob of the current row, borrowed until next; NULL if null. */
const void *lg_store_reader_blob(lg_store_reader_t *r, size_t *n);
/* Attribute columns, 0-based, in the order read (opts.columns, or the
 * layer's). Types are LG_COL_*. */
int lg_store_reader_nfields(lg_store_reader_t *r);
const char *lg_store_reader_field_name(lg_store_reader_t *r, int i);
int lg_store_reader_field_type(lg_store_reader_t *r, int i);
int64_t lg_store_reader_int(lg_store_reader_t *r, int i);
double lg_store_reader_real(lg_store_reader_t *r, int i);
const char *lg_store_reader_text(lg_store_reader_t *r, int i);
size_t lg_store_reader_bytes(lg_store_reader_t *r, int i);
/* Field index by name (case-insensitive), or -1. */
int lg_store_reader_field_index(lg_store_reader_t *r, const char *name);
void lg_store_reader_free(lg_store_reader_t *r);

/* ---- Append-only tables -----------------------------------------------------
 * Makes a table refuse UPDATE and DELETE (the engine's triggers), for the
 * ledger, histories and journals. What the triggers cannot stop (a person
 * with the database's own tools) `landgov ledger audit` reveals. */
int lg_store_append_only(lg_store_t *s, const char *table, bool allow_delete, lg_err_t *err);

#endif
