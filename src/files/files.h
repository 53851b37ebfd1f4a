/*
 * files: the documents of landgov. Every material a case needs, every
 * notice and decision, a site visit's photos, an enterprise's signed
 * agreement is a real file kept here: content-addressed by SHA-256 (the
 * same bytes are kept once, whoever uploads them), its type decided from
 * its content (libmagic), never from its name, attached to the object it
 * belongs to (an owner type and id, and a kind: "material:site_plan",
 * "photo", "agreement") and versioned (a new upload of the same kind is
 * version n+1; older versions stay readable).
 *
 * Storage (docs/files.md says why): inside the store, in chunks of 1 MiB
 * (lg_file_chunks), on both backends alike. An upload and its ledger
 * entry (digest, size, type, uploader, time) commit together; a backup of
 * the store is a backup of the documents; a copy between backends carries
 * them. An upload is first read from a file on disk twice: once to hash
 * and type it (no transaction held), once to write it in chunks (inside
 * the caller's transaction): no upload is ever held whole in memory.
 *
 * Limits and allowed types are settings an administrator changes
 * (files.max_bytes, files.types); executables are refused whatever the
 * list says.
 */
#ifndef LG_FILES_H
#define LG_FILES_H

#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

#define LG_FILES_CHUNK (1u << 20)

typedef struct lg_file_info {
  int64_t id;          /* this version's id */
  char sha256[65];     /* of the content, lowercase hex */
  int64_t size;        /* bytes */
  char mime[128];      /* from the content (libmagic) */
  char name[256];      /* the name it was given, cleaned: no path, no control characters */
  char owner_type[32]; /* "case", "supply", "visit", ... */
  char owner_id[64];
  char kind[64]; /* what it is to its owner: "material:site_plan", "photo" */
  int version;   /* 1, 2, ... per owner and kind */
  char uploaded_by[64];
  char uploaded_at[32]; /* ISO 8601 UTC */
} lg_file_info_t;

/* Who puts what where. owner_type, owner_id, kind and actor are required;
 * role and jurisdiction go on the ledger entry. types: MIME types allowed
 * for this use (NULL-terminated; NULL: the setting files.types). */
typedef struct lg_file_put {
  const char *owner_type;
  const char *owner_id;
  const char *kind;
  const char *name;
  const char *actor;
  const char *role;
  const char *jurisdiction;
  const char *const *types;
} lg_file_put_t;

/* The MIME type of a file's first bytes (libmagic); out[128]. */
int lg_files_sniff(const void *head, size_t n, char out[128], lg_err_t *err);

/* Stores the file at path as the next version of (owner, kind), with its
 * ledger entry ("file.put"), in one transaction (a savepoint inside the
 * caller's, if any). Refuses, with a Chinese message naming the file: an
 * empty file, one over files.max_bytes, a type not allowed, an executable,
 * a name with path separators or control characters. *out (may be NULL)
 * receives what was stored. */
int lg_files_put_path(lg_store_t *s, const lg_file_put_t *p, const char *path, lg_file_info_t *out,
                      lg_err_t *err);
/* The same for bytes in memory (small generated documents). */
int lg_files_put_mem(lg_store_t *s, const lg_file_put_t *p, const void *data, size_t n,
                     lg_file_info_t *out, lg_err_t *err);

/* One version by id; the latest version of (owner, kind). */
int lg_files_get(lg_store_t *s, int64_t id, lg_file_info_t *out, lg_err_t *err);
int lg_files_latest(lg_store_t *s, const char *owner_type, const char *owner_id, const char *kind,
                    lg_file_info_t *out, lg_err_t *err);
/* Every version of every kind an owner has, newest first per kind:
 * [{id, kind, version, name, mime, size, sha256, uploaded_by, uploaded_at}]. */
int lg_files_list(lg_store_t *s, const char *owner_type, const char *owner_id, json_t **out,
                  lg_err_t *err);
json_t *lg_files_info_json(const lg_file_info_t *f);

/* The content of a version, chunk by chunk, to a callback (an HTTP
 * response, a file), checked against its digest at the end: content that
 * was changed in the store fails with LG_ECONFLICT rather than being
 * served as if it were the recorded document. */
typedef int (*lg_files_sink_fn)(void *ctx, const void *data, size_t n);
int lg_files_read(lg_store_t *s, int64_t id, lg_files_sink_fn sink, void *ctx, lg_err_t *err);
/* The whole content in memory (small files only; max bytes or LG_ELIMIT). */
int lg_files_read_all(lg_store_t *s, int64_t id, size_t max, lg_buf_t *out, lg_err_t *err);

/* Ledger auditor scan (object type "file"): each version's recorded state
 * with its content's digest recomputed from the stored chunks, so a
 * document changed behind landgov's back is found. */
int lg_files_audit_scan(lg_store_t *s,
                        int (*emit)(void *ctx, const char *object_id,
                                    const unsigned char digest[32]),
                        void *ctx, lg_err_t *err);

#endif
