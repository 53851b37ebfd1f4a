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
 *
 * The store. Before a handler runs, the server opens this worker
 * thread's store connection once (reopening it when the database closed
 * it) and puts it in req->store; a store that cannot be opened is
 * answered with its error before any handler runs. Read-only work that may go to a replica
 * asks lg_http_read_store.
 *
 * Who is asking. Before a handler runs, the server authenticates the
 * request (src/auth: the session cookie or an "Authorization: Bearer"
 * API token; neither means the public, a credential that is not valid is
 * refused with 401) and, for requests that may change something, checks
 * the Origin and the session's CSRF token (403). The handler finds the
 * subject in req->who and must make a permission decision through
 * lg_http_require or lg_http_scope (which read the one policy table,
 * src/auth) before it answers: a handler that answers without one gets a
 * 500 instead, so a route cannot be left open by forgetting. The few
 * routes that need no permission (health, login, logout, the session
 * itself) say so with lg_http_open_route. A typical handler:
 *
 *   lg_object_ref_t obj = {.division = thing.division};   (from the store)
 *   int rc = lg_http_require(req, "case", "act", &obj, err);
 *   if (rc) return rc;                       (401 for the public, else 403)
 *
 * and a list filters with the granted scope:
 *
 *   int scope;
 *   if ((rc = lg_http_scope(req, "check", "read", &scope, err))) return rc;
 *   lg_auth_filter_t f = lg_auth_filter_make(&req->who, scope);  (to the module's list)
 */
#ifndef LG_HTTP_INT_H
#define LG_HTTP_INT_H

#include <jansson.h>

#include "auth/auth.h"
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
  lg_store_t *store;           /* this worker's store connection (see above); not closed by
                                  handlers. A transaction a handler leaves open is rolled
                                  back after the request. */
  struct MHD_Connection *conn; /* for headers and the query; NULL in tests */
  /* Query arguments for requests built without a connection (tests). */
  const char *const *test_query; /* name, value, name, value, ..., NULL */
  /* Set by the server before the handler runs. */
  lg_subject_t who;      /* who is asking; the public when no credential came */
  lg_session_t session;  /* the browser session, when who.via is "session" */
  bool stale_credential; /* a login or logout came with an invalid credential */
  char address[64];      /* the client's numeric address; "" outside a server */
  bool secure;           /* reached over HTTPS (a proxy's X-Forwarded-Proto) */
  bool decided;          /* a permission decision was made for this request */
  /* lg_mono() time by which the handler should give up (limits.request_ms);
   * 0: no deadline. Long work (a check's overlays) is handed it and fails
   * with LG_ELIMIT once past it; the server then answers 503. */
  double deadline;
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

/* Route flags. LG_HTTP_ANY_CREDENTIAL: the route runs whatever
 * credential comes (logging in and out, api_auth.c): one that is not valid
 * (an expired session) leaves the subject the public and sets
 * req->stale_credential instead of being refused, and no CSRF token is
 * asked (the Origin still is). */
enum { LG_HTTP_ANY_CREDENTIAL = 1 };

typedef struct lg_http_route {
  const char *method;  /* "GET", "POST", "PUT", "DELETE", ... */
  const char *pattern; /* "/api/layers/{id}/features": {name} matches one segment */
  lg_http_fn fn;
  int flags; /* LG_HTTP_* */
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
/* The query argument `name` as a yes or no, as lg_http_form_bool reads
 * a field. */
int lg_http_query_bool(const lg_http_req_t *req, const char *name, bool dflt, bool *out,
                       lg_err_t *err);
/* Parses `name` as exactly n comma-separated finite numbers ("1.5,2,3,4").
 * *present tells whether the argument was given; LG_EINVAL when malformed. */
int lg_http_query_numbers(const lg_http_req_t *req, const char *name, double *v, size_t n,
                          bool *present, lg_err_t *err);
/* The body parsed as JSON (caller decrefs); NULL with LG_EINVAL (line and
 * column in err->where) when it is not, or LG_ELIMIT when it nests deeper
 * than limits.json_depth (err->code tells which). */
json_t *lg_http_body_json(const lg_http_req_t *req, lg_err_t *err);
/* One part of a multipart/form-data body (RFC 7578): the form field's
 * name, the file name when the part is a file, and its bytes. */
typedef struct lg_http_part {
  char name[64];      /* Content-Disposition name= (cut to fit) */
  char filename[256]; /* filename=, "" for a plain field */
  const char *data;   /* into the body, not NUL-terminated */
  size_t len;
} lg_http_part_t;
/* Splits a multipart/form-data body of n bytes at the boundary its
 * Content-Type ctype names into at most max parts (*nparts of them).
 * LG_EINVAL naming the part for a missing boundary or a malformed body,
 * LG_ELIMIT for more than max parts. The parts point into body. */
int lg_http_multipart(const char *ctype, const char *body, size_t n, lg_http_part_t *parts, int max,
                      int *nparts, lg_err_t *err);
/* ---- Forms (form.c) ------------------------------------------------------ */
/* What a client submits with a file: fields and one file, as a JSON
 * object (the file as one of its members, which the handler reads), as
 * multipart/form-data (fields as text parts, the file as the part named
 * "file"), or as the file alone as the body with the fields in the query.
 * Each field is looked up in the body first, then in the query. */
typedef struct lg_http_form {
  json_t *fields;   /* an object: text from a form, any JSON value from a JSON body */
  bool json;        /* the body was a JSON object */
  const char *file; /* the file's bytes (into the body), or NULL */
  size_t file_len;
  char file_name[256]; /* the part's filename=, "" when it gave none */
} lg_http_form_t;
/* Reads req's body into f (lg_http_form_fini it, also on failure).
 * LG_EINVAL for a JSON body that is not an object, a malformed multipart
 * body or a field that is not UTF-8 text, naming the field. */
int lg_http_form_read(lg_http_req_t *req, lg_http_form_t *f, lg_err_t *err);
void lg_http_form_fini(lg_http_form_t *f);
/* A field as text (a JSON number or boolean as its text, "true"/"false"),
 * or NULL when absent from the body and the query. Valid until the next
 * call with the same form or its fini. */
const char *lg_http_form_str(lg_http_req_t *req, lg_http_form_t *f, const char *name);
/* A field as a yes or no: 1, true, yes, on (any case) and JSON true are
 * yes; 0, false, no, off and JSON false are no; absent or empty is dflt.
 * LG_EINVAL naming the field for anything else. */
int lg_http_form_bool(lg_http_req_t *req, lg_http_form_t *f, const char *name, bool dflt, bool *out,
                      lg_err_t *err);
/* The same reading of a text value v of the field name (NULL: absent). */
int lg_http_parse_bool(const char *name, const char *v, bool dflt, bool *out, lg_err_t *err);
/* A field as a number within [min, max]; dflt when absent or empty.
 * LG_EINVAL naming the field and the range otherwise. */
int lg_http_form_num(lg_http_req_t *req, lg_http_form_t *f, const char *name, double dflt,
                     double min, double max, double *out, lg_err_t *err);

/* This worker thread's store connection, opened on first use and opened
 * again when the database closed it; NULL with err when the store cannot
 * be opened. The server calls it once per request for req->store. */
lg_store_t *lg_http_store(lg_http_req_t *req, lg_err_t *err);
/* The store for read-only work (tiles, features, checks not saved): the
 * replica given to landgov serve --db-read, else req->store. What it
 * reads may trail the primary by the replica's lag (docs/scale.md). */
lg_store_t *lg_http_read_store(lg_http_req_t *req, lg_err_t *err);
/* This thread's GEOS/PROJ context. */
lg_geo_t *lg_http_geo(lg_http_req_t *req);

/* ---- Limits (limits.c) ---------------------------------------------------- */
/* The limits in force for req: its server's, or the defaults for a
 * request built without a server (tests). */
const lg_http_limits_t *lg_http_limits(const lg_http_req_t *req);
/* The deepest nesting of [ and { in n bytes of JSON (strings skipped),
 * counted until it passes stop (then stop + 1 or more is returned). Not a
 * parser: text that is not JSON gives some number, never a fault. */
size_t lg_http_json_depth(const char *s, size_t n, size_t stop);
/* 0, or LG_ELIMIT naming `what`, the limit and its setting when the JSON
 * in s nests deeper than limits.json_depth (lg_http_body_json applies it
 * to the body; handlers apply it to JSON files inside an upload). */
int lg_http_json_depth_check(const lg_http_req_t *req, const char *s, size_t n, const char *what,
                             lg_err_t *err);

/* ---- Permissions (src/auth's one policy table) -------------------------- */
/* May req->who do `action` on `resource` (obj: the object as the store
 * has it, never as the client describes it; NULL for the collection or a
 * thing bound to no division)? 0 when allowed; a denial is LG_EAUTH
 * (401: log in) for the public and LG_EPERM (403) for a user, with
 * lg_auth_require's message naming who, what and where. */
int lg_http_require(lg_http_req_t *req, const char *resource, const char *action,
                    const lg_object_ref_t *obj, lg_err_t *err);
/* The scope (LG_SCOPE_*) the policy grants req->who for filtering a list;
 * a scope of none is denied as lg_http_require denies. */
int lg_http_scope(lg_http_req_t *req, const char *resource, const char *action, int *scope,
                  lg_err_t *err);
/* The object a path names was not found (rc, err filled): a subject who
 * may not do `action` on the collection of `resource` gets that refusal
 * instead, so that a stranger cannot probe which ids exist; the others
 * get rc. Returns the code to answer with. */
int lg_http_missing(lg_http_req_t *req, const char *resource, const char *action, int rc,
                    lg_err_t *err);
/* Marks a route that needs no permission because it reveals nothing a
 * stranger may not know (health) or is how one proves who one is (login,
 * logout, session). Every other route decides through the policy. */
void lg_http_open_route(lg_http_req_t *req);
/* Authenticates a request from its Cookie and Authorization headers and,
 * for methods that may change something, checks Origin (must be this
 * server's host when sent) and the session's CSRF token; fills req->who
 * and req->session. LG_EAUTH for a credential that is not valid (unless
 * any_credential, see lg_http_route_any_credential), LG_EPERM for a
 * cross-site request or a missing or wrong CSRF token. The server calls it
 * before each API handler. */
int lg_http_authenticate(lg_http_req_t *req, bool any_credential, lg_err_t *err);
/* Set-Cookie for this request's scheme (Secure over HTTPS): the session
 * cookie, or (sess NULL) the one that clears it. */
void lg_http_cookie_header(lg_http_req_t *req, lg_http_res_t *res, const lg_session_t *sess);

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

/* ---- Compression (compress.c) ------------------------------------------ */
/* Bodies shorter than this go out as they are: they fit a packet or two,
 * and gzip's header and the time spent would be all the gain. */
#define LG_HTTP_COMPRESS_MIN 1024
/* Whether a Content-Type is worth compressing: text, JSON and GeoJSON,
 * XML, JavaScript, SVG, vector tiles. */
bool lg_http_compressible(const char *content_type);
/* Whether an Accept-Encoding header value accepts a content coding
 * ("gzip"): named (or "*") with a q-value above 0, a name outright
 * winning over "*". NULL (no header): false. */
bool lg_http_accepts_encoding(const char *accept_encoding, const char *coding);
/* zlib levels. What is compressed for each request goes fast: level 1
 * takes a 3.7 MB z10 tile to 50% of its size in about 45 ms; what is kept
 * in a cache is compressed once, at zlib's default, 6: 45% in 145 ms
 * (level 9: 44.8% in 500 ms). */
#define LG_HTTP_GZIP_FAST 1
#define LG_HTTP_GZIP_CACHED 6
/* The gzip form (RFC 1952) of n bytes at a zlib level (1-9) into out,
 * whose old contents are dropped. LG_EINTERNAL when zlib fails. */
int lg_http_gzip(const void *data, size_t n, int level, lg_buf_t *out, lg_err_t *err);
/* What the server does to each response before sending it: see
 * compress.c. */
void lg_http_compress(const lg_http_req_t *req, lg_http_res_t *res);

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
