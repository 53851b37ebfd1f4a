/*
 * http: landgov's web server. libmicrohttpd with a fixed pool of worker
 * threads; a table of routes ({method, path pattern, handler}) that each
 * API file contributes to (api_*.c, gathered in routes.c); JSON responses
 * with one error shape, {"error":{"code","message","detail"}}; and the
 * static files of the web client.
 *
 * Each worker thread owns its resources (ARCHITECTURE.md, "Concurrency"):
 * its GEOS and PROJ contexts (lg_geo_thread) and its own store connection,
 * opened on the thread's first request that needs one and closed when the
 * server stops.
 *
 * This header is the module's public face (start, stop, options); route
 * files include http_int.h for the request and response helpers.
 */
#ifndef LG_HTTP_H
#define LG_HTTP_H

#include "core/core.h"

/* Request bodies larger than this are refused with 413 unless the options
 * say otherwise. Enough for JSON and coordinate files; file uploads of
 * whole layers will want a larger, per-route limit. */
#define LG_HTTP_MAX_BODY ((size_t)4 << 20)

/* Limits on what one request may ask of the server. Each is a setting an
 * administrator can change (landgov settings set limits.KEY VALUE, table
 * lg_settings), read when the server starts; a request over one is
 * refused with 413 (503 for time), in the one error shape, with a Chinese
 * message naming the limit, its value and its setting. */
typedef struct lg_http_limits {
  size_t body_bytes;     /* limits.body_bytes: a request body (JSON, a raw file); 4 MiB */
  size_t upload_bytes;   /* limits.upload_bytes: a multipart/form-data upload; 32 MiB */
  int json_depth;        /* limits.json_depth: nesting of JSON bodies and uploads; 32 */
  int geometry_vertices; /* limits.geometry_vertices: points of one boundary; 100000 */
  int request_ms;        /* limits.request_ms: time a handler may run; 30000 (503) */
  int idle_timeout_s;    /* limits.idle_timeout_s: a connection silent this long is
                            closed (slow clients hold no worker); 60 */
} lg_http_limits_t;

/* The built-in defaults. */
void lg_http_limits_default(lg_http_limits_t *l);
/* The defaults overridden by the store's settings limits.*; a value that
 * is not an integer, or out of its range, is logged and replaced by the
 * default or clamped. Fails only when the store cannot be read. */
int lg_http_limits_load(const char *db_path, lg_http_limits_t *l, lg_err_t *err);

typedef struct lg_http_opts {
  const char *host;               /* numeric address to listen on; NULL: 127.0.0.1 */
  int port;                       /* 0: a free port chosen by the kernel (see lg_http_port) */
  int threads;                    /* worker threads; <= 0: the number of online cores */
  const char *db_path;            /* the store every worker opens (must exist) */
  const char *db_read;            /* a streaming replica of it (PostgreSQL) for read-only
                                     work: tiles, features, checks not saved; NULL: none */
  const char *web_dir;            /* static files of the web client; NULL: none */
  const char *vendor_dir;         /* node_modules, served read-only under /vendor/ for
                                     the packages the page needs; NULL: none */
  size_t max_body;                /* request body limit in bytes; 0: limits.body_bytes */
  const lg_http_limits_t *limits; /* NULL: the store's settings (lg_http_limits_load) */
  bool quiet;                     /* no access log on stderr */
} lg_http_opts_t;

typedef struct lg_http lg_http_t;

/* Starts the server: binds, starts the worker threads and returns. The
 * options' strings are copied. Fails with LG_EIO when the address cannot
 * be bound, LG_EINVAL for a bad address or directory. */
int lg_http_start(const lg_http_opts_t *opts, lg_http_t **out, lg_err_t *err);
/* The port actually bound (useful with port 0). */
int lg_http_port(const lg_http_t *h);
/* The limits in force (settings read at start, then the options). */
const lg_http_limits_t *lg_http_limits_of(const lg_http_t *h);
/* The number of worker threads. */
int lg_http_threads(const lg_http_t *h);
/* Stops accepting, waits for the workers to finish their requests, closes
 * their store connections and frees h. Accepts NULL. */
void lg_http_stop(lg_http_t *h);

#endif
