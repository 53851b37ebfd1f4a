/*
 * Internals of the http module, for the files that define routes
 * (api_*.c) and for its tests: the request and response, their helpers,
 * and the route table.
 *
 * Adding an API: write src/http/api_<topic>.c with handlers of type
 * lg_http_fn and one table
 *
 *   const lg_http_route_t lg_http_routes_<topic>[] = {
 *       {"GET", "/api/<topic>/{id}", get_thing},
 *       {"POST", "/api/<topic>", create_thing},
 *       {0},
 *   };
 *
 * then list it in routes.c. A handler reads what it needs through the
 * lg_http_* request helpers, fills the response with lg_http_json (or
 * another body helper) and returns 0; on failure it returns the negative
 * LG_E* code with err filled, and the server answers with the error shape
 * {"error":{"code","message","detail"}}: status from lg_err_http_status,
 * code from lg_err_name, message err->msg (Chinese), detail err->where.
 */
#ifndef LG_HTTP_INT_H
#define LG_HTTP_INT_H

#include <jansson.h>

#include "geo/geo.h"
#include "http/http.h"
#include "store/store.h"

#define LG_HTTP_MAX_PARAMS 8

typedef struct lg_http_worker lg_http_worker_t;

typedef struct lg_http_req {
  const char *method; /* "GET", "POST", ...; HEAD is served by GET routes */
  const char *path;   /* percent-decoded path, without the query string */
  const char *body;   /* the request body, NUL-terminated; "" when none */
  size_t body_len;
  int nparams; /* path parameters captured by {name} segments */
  struct {
    const char *name; /* points into the route pattern, not terminated: use len */
    size_t name_len;
    char *val; /* decoded segment, owned by the request */
  } params[LG_HTTP_MAX_PARAMS];
  lg_http_t *server;
  lg_http_worker_t *worker;    /* this thread's resources; NULL outside a server */
  struct MHD_Connection *conn; /* for headers and the query; NULL in tests */
  /* Query arguments for requests built without a connection (tests). */
  const char *const *test_query; /* name, value, name, value, ..., NULL */
} lg_http_req_t;

typedef struct lg_http_header {
  char *name, *value;
} lg_http_header_t;

typedef struct lg_http_res {
  int status;               /* 0 until a helper sets it */
  const char *content_type; /* a static string */
  lg_buf_t body;
  int fd;           /* a file to send instead of body; -1: none */
  uint64_t fd_size; /* its size */
  LG_VEC(lg_http_header_t) headers;
} lg_http_res_t;

/* A handler: fill res and return 0, or return a negative LG_E* code with
 * err filled (the server then sends the error shape). */
typedef int (*lg_http_fn)(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err);

typedef struct lg_http_route {
  const char *method;  /* "GET", "POST", "PUT", "DELETE", ... */
  const char *pattern; /* "/api/layers/{id}/features": {name} matches one segment */
  lg_http_fn fn;
} lg_http_route_t;

/* Every API file's table, NULL-terminated (routes.c). */
extern const lg_http_route_t *const lg_http_route_tables[];

/* ---- Request ------------------------------------------------------------ */
/* A path parameter ({id}), or NULL. */
const char *lg_http_param(const lg_http_req_t *req, const char *name);
/* A query argument (percent-decoded), or NULL when absent. */
const char *lg_http_query(const lg_http_req_t *req, const char *name);
/* A request header, or NULL. */
const char *lg_http_header_get(const lg_http_req_t *req, const char *name);
/* A cookie sent with the request, or NULL. */
const char *lg_http_cookie(const lg_http_req_t *req, const char *name);
/* Parses the query argument `name` as an integer in [min, max]; *out is
 * def when the argument is absent or empty. LG_EINVAL names the argument. */
int lg_http_query_int(const lg_http_req_t *req, const char *name, long long def, long long min,
                      long long max, long long *out, lg_err_t *err);
/* Parses `name` as exactly n comma-separated finite numbers ("1.5,2,3,4").
 * *present tells whether the argument was given; LG_EINVAL when malformed. */
int lg_http_query_numbers(const lg_http_req_t *req, const char *name, double *v, size_t n,
                          bool *present, lg_err_t *err);
/* The body parsed as JSON (caller decrefs); NULL with LG_EINVAL (line and
 * column in err->where) when it is not. */
json_t *lg_http_body_json(const lg_http_req_t *req, lg_err_t *err);
/* This worker thread's store connection, opened on first use; NULL with
 * err when the store cannot be opened. Do not close it. A transaction a
 * handler leaves open is rolled back after the request. */
lg_store_t *lg_http_store(lg_http_req_t *req, lg_err_t *err);
/* This thread's GEOS/PROJ context. */
lg_geo_t *lg_http_geo(lg_http_req_t *req);

/* ---- Response ----------------------------------------------------------- */
void lg_http_res_init(lg_http_res_t *res);
void lg_http_res_fini(lg_http_res_t *res);
/* Sends a JSON value; steals the reference. */
void lg_http_json(lg_http_res_t *res, int status, json_t *v);
/* Sends bytes (copied) / a buffer (taken over: b is left empty). */
void lg_http_body(lg_http_res_t *res, int status, const char *content_type, const void *data,
                  size_t n);
void lg_http_body_buf(lg_http_res_t *res, int status, const char *content_type, lg_buf_t *b);
/* Adds a response header (both copied). */
void lg_http_header_add(lg_http_res_t *res, const char *name, const char *value);
/* The error shape for err; returns err->code (or LG_EINTERNAL). */
int lg_http_error(lg_http_res_t *res, const lg_err_t *err);
/* The error shape with an explicit status and code name, for the few
 * statuses no LG_E* code maps to (405). */
void lg_http_error_status(lg_http_res_t *res, int status, const char *code, const char *message,
                          const char *detail);
/* Sends a file (Content-Type from its extension). LG_ENOTFOUND when it is
 * missing or not a regular file. */
int lg_http_file(lg_http_res_t *res, const char *path, const char *cache_control, lg_err_t *err);

/* ---- Routing and static files (also used by the tests) ----------------- */
/* Matches path against a route pattern, capturing {name} segments into
 * req->params (freed by lg_http_req_fini). */
bool lg_http_match(const char *pattern, const char *path, lg_http_req_t *req);
void lg_http_req_fini(lg_http_req_t *req);
/* Content-Type for a file name, by extension. */
const char *lg_http_content_type(const char *path);
/* True when a relative URL path is safe to join to a directory: no empty
 * name, no ".", "..", or hidden (".x") segment, no backslash, no control
 * characters. */
bool lg_http_path_safe(const char *rel);
/* Serves GET/HEAD of a path outside /api/ from the web directory, or from
 * the vendor directory under /vendor/<package>/ for the packages the page
 * is allowed to load (static.c). */
int lg_http_static(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err);
/* Directories the server was started with (realpath), or NULL. */
const char *lg_http_web_dir(const lg_http_t *h);
const char *lg_http_vendor_dir(const lg_http_t *h);

#endif
