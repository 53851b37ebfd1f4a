/*
 * Schema of the files module (src/files, documents: content-addressed
 * files and their versions), numbered 200-219, in the one migration list
 * of schema.c. The SQL is the module's own (its tables are its own); it
 * lives here because the store runs every migration when it opens.
 *
 * lg_file_blobs: one row per distinct content (SHA-256, size, type), its
 * bytes in lg_file_chunks (1 MiB each, in order). lg_files: the versions
 * people upload, each naming its content; never edited, never deleted
 * (a new upload is a new version). The settings: the largest file
 * (64 MiB, about a scanned approval file of a few hundred pages) and the
 * types accepted, decided from the content: PDF, images, office and text
 * documents, zipped shapefiles and GeoPackages, GeoJSON.
 */
#include "store/store_int.h"

static const char files_sql[] =
    "CREATE TABLE lg_file_blobs ("
    " sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, mime TEXT NOT NULL,"
    " chunks INTEGER NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE lg_file_chunks ("
    " sha256 TEXT NOT NULL REFERENCES lg_file_blobs(sha256), seq INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY (sha256, seq));"
    "CREATE TABLE lg_files ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, owner_type TEXT NOT NULL, owner_id TEXT NOT NULL,"
    " kind TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
    " sha256 TEXT NOT NULL REFERENCES lg_file_blobs(sha256), size INTEGER NOT NULL,"
    " mime TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL,"
    " UNIQUE (owner_type, owner_id, kind, version));"
    "CREATE INDEX lg_files_owner ON lg_files(owner_type, owner_id, kind, version);"
    "INSERT INTO lg_settings(key, value) VALUES"
    " ('files.max_bytes', '67108864'),"
    " ('files.types', 'application/pdf,image/jpeg,image/png,image/tiff,image/webp,image/gif,"
    "text/plain,text/csv,application/json,application/zip,application/msword,"
    "application/vnd.ms-excel,application/vnd.ms-office,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.sqlite3,application/x-sqlite3,application/xml,text/xml')"
    " ON CONFLICT DO NOTHING;";
static const char *const files_tables[] = {"lg_file_blobs", "lg_file_chunks", "lg_files", NULL};
static const char *const files_append_only[] = {"lg_file_chunks", "lg_files", NULL};

static const store_migration_t migrations[] = {
    {200, "files: content-addressed documents, chunks, versions (settings files.*)",
     .sql = files_sql, .attribute_tables = files_tables, .append_only = files_append_only},
};

const store_migrations_t lg_schema_files = {migrations, LG_ARRAY_LEN(migrations)};
