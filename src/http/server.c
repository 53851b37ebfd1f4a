/*
 * The server: a libmicrohttpd daemon with an internal polling thread per
 * worker (MHD_OPTION_THREAD_POOL_SIZE), request bodies gathered under a
 * size limit, dispatch through the route table (routes.c) with 404 and 405
 * in the one error shape, static files for everything outside /api/, and
 * the per-worker-thread resources handlers use.
 *
 * Before an API handler runs, the guard (guard.c) authenticates the
 * request; after it, a handler that answered without a permission decision
 * is turned into a 500, so that no route is open by omission.
 *
 * Worker resources: libmicrohttpd runs a connection's callbacks on the
 * pool thread that accepted it, and a request is handled in one callback,
 * so each thread's store connection and GEOS/PROJ context are used by that
 * thread alone. The store connection is opened on the thread's first
 * request that asks for one (lg_http_store) and closed in lg_http_stop,
 * after libmicrohttpd has joined its threads.
 */
#include "http/http_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct lg_http_worker {
  lg_store_t *store;      /* opened on first use */
  lg_store_t *read;       /* the replica's connection, when there is one */
  lg_http_worker_t *next; /* all workers, for closing at stop */
};

struct lg_http {
  struct MHD_Daemon *d;
  char *db_path;
  char *db_read;    /* a replica for read-only work, or NULL */
  char *web_dir;    /* realpath, or NULL */
  char *vendor_dir; /* realpath, or NULL */
  size_t max_body;
  lg_http_limits_t limits; /* limits.* settings (limits.c); body_bytes is max_body */
  bool quiet;
  int port;
  int threads;
  pthread_key_t key; /* this server's lg_http_worker_t of the calling thread */
  pthread_mutex_t lock;
  lg_http_worker_t *workers;
};

/* What one connection's request gathers across libmicrohttpd's calls. */
typedef struct conn_state {
  lg_buf_t body;
  uint64_t received; /* body bytes seen, kept or not */
  size_t limit;      /* limits.body_bytes, or limits.upload_bytes for multipart */
  bool multipart;    /* which of the two */
  bool too_large;    /* over limit: the rest is read and dropped */
  double start;      /* for the access log */
} conn_state_t;

int lg_http_port(const lg_http_t *h) { return h->port; }
int lg_http_threads(const lg_http_t *h) { return h->threads; }
const lg_http_limits_t *lg_http_limits_of(const lg_http_t *h) { return &h->limits; }
const char *lg_http_web_dir(const lg_http_t *h) { return h ? h->web_dir : NULL; }
const char *lg_http_vendor_dir(const lg_http_t *h) { return h ? h->vendor_dir : NULL; }

/* ---- Worker resources ---------------------------------------------------- */

static lg_http_worker_t *worker_get(lg_http_t *h) {
  lg_http_worker_t *w = pthread_getspecific(h->key);
  if (w) return w;
  w = lg_calloc(1, sizeof *w);
  pthread_setspecific(h->key, w);
  pthread_mutex_lock(&h->lock);
  w->next = h->workers;
  h->workers = w;
  pthread_mutex_unlock(&h->lock);
  return w;
}

lg_store_t *lg_http_store(lg_http_req_t *req, lg_err_t *err) {
  lg_http_worker_t *w = req->worker;
  if (!w || !req->server) {
    lg_err_set(err, LG_EINTERNAL, "此请求不在服务器的工作线程中, 无法使用数据库");
    return NULL;
  }
  /* A connection the database closed (a restart, a failover, a lost
   * network) is opened again for this request. */
  if (w->store && lg_store_broken(w->store)) {
    lg_log(LG_LOG_WARN, "数据库连接已断开, 重新连接: %s", lg_store_path(w->store));
    lg_store_close(w->store);
    w->store = NULL;
  }
  if (!w->store && lg_store_open(req->server->db_path, 0, &w->store, err) != 0) {
    w->store = NULL;
    return NULL;
  }
  return w->store;
}

lg_store_t *lg_http_read_store(lg_http_req_t *req, lg_err_t *err) {
  lg_http_worker_t *w = req->worker;
  if (!w || !req->server || !req->server->db_read) return lg_http_store(req, err);
  if (w->read && lg_store_broken(w->read)) {
    lg_store_close(w->read);
    w->read = NULL;
  }
  if (!w->read && lg_store_open(req->server->db_read, LG_STORE_READONLY, &w->read, err) != 0) {
    w->read = NULL;
    /* The replica is down: the primary answers instead. */
    lg_log(LG_LOG_WARN, "只读副本不可用, 改由主库答复: %s", err ? err->msg : "");
    lg_err_clear(err);
    return lg_http_store(req, err);
  }
  return w->read;
}

lg_geo_t *lg_http_geo(lg_http_req_t *req) {
  (void)req;
  return lg_geo_thread();
}

/* ---- Dispatch ------------------------------------------------------------- */

static bool is_api_path(const char *path) {
  return strncmp(path, "/api", 4) == 0 && (path[4] == '\0' || path[4] == '/');
}

/* Adds m to a comma-separated Allow list unless it is there already. */
static void allow_add(char *allow, size_t n, const char *m) {
  size_t ml = strlen(m);
  for (const char *p = allow; (p = strstr(p, m)) != NULL; p += ml)
    if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0')) return;
  size_t len = strlen(allow);
  snprintf(allow + len, n - len, "%s%s", len ? ", " : "", m);
}

/* A 401 says how to authenticate (RFC 9110 11.6.1); when the session
 * cookie the client sent is what failed, it is cleared as well, so that the
 * browser stops sending it. */
static void unauthorized(lg_http_req_t *req, lg_http_res_t *res, bool bad_cookie) {
  lg_http_header_add(res, "WWW-Authenticate", "Bearer realm=\"landgov\"");
  const char *cookie = lg_http_header_get(req, "Cookie");
  if (bad_cookie && !lg_http_header_get(req, "Authorization") && cookie &&
      strstr(cookie, LG_AUTH_COOKIE "="))
    lg_http_cookie_header(req, res, NULL);
}

/* A handler that gave up at its deadline (LG_ELIMIT past req->deadline):
 * 503, since the server, not the request, ran out (RFC 9110 15.6.4), with
 * the limit and its setting named and a Retry-After. */
static void deadline_passed(lg_http_res_t *res, int ms, const lg_err_t *err) {
  char msg[1024];
  snprintf(msg, sizeof msg, "请求超过 %d 毫秒的处理时限 (设置 limits.request_ms), 已中止: %s", ms,
           err->msg);
  lg_http_error_status(res, 503, "timeout", msg, "limits.request_ms");
  lg_http_header_add(res, "Retry-After", "60");
}

static void dispatch(lg_http_req_t *req, lg_http_res_t *res) {
  lg_err_t err = {0};
  const char *m = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
  char allow[128] = "";
  for (int t = 0; lg_http_route_tables[t]; t++) {
    for (const lg_http_route_t *r = lg_http_route_tables[t]; r->pattern; r++) {
      if (!lg_http_match(r->pattern, req->path, req)) continue;
      if (strcmp(r->method, m) != 0) {
        allow_add(allow, sizeof allow, r->method);
        if (strcmp(r->method, "GET") == 0) allow_add(allow, sizeof allow, "HEAD");
        continue;
      }
      int rc = 0;
      if (!(req->store = lg_http_store(req, &err))) {
        if (!err.code) lg_err_set(&err, LG_EDB, "无法打开数据库");
        lg_http_error(res, &err);
        return;
      }
      rc = lg_http_authenticate(req, r->flags & LG_HTTP_ANY_CREDENTIAL, &err);
      if (rc) {
        lg_http_error(res, &err);
        if (rc == LG_EAUTH) unauthorized(req, res, true);
        return;
      }
      int ms = req->server ? req->server->limits.request_ms : 0;
      req->deadline = ms > 0 ? lg_mono() + ms / 1000.0 : 0;
      rc = r->fn(req, res, &err);
      if (rc != 0) {
        lg_http_res_fini(res);
        lg_http_res_init(res);
        if (!err.code) lg_err_set(&err, rc, "处理请求 %s %s 失败", req->method, req->path);
        if (rc == LG_ELIMIT && req->deadline > 0 && lg_mono() > req->deadline)
          deadline_passed(res, ms, &err);
        else
          lg_http_error(res, &err);
      } else if (res->status == 0) {
        lg_err_set(&err, LG_EINTERNAL, "接口 %s %s 没有给出响应", req->method, req->path);
        lg_http_error(res, &err);
      } else if (!req->decided) {
        /* Fail closed: what the handler made is not sent. */
        lg_http_res_fini(res);
        lg_http_res_init(res);
        lg_err_set(&err, LG_EINTERNAL, "接口 %s %s 没有做权限判断 (lg_http_require), 已拒绝响应",
                   req->method, req->path);
        lg_http_error(res, &err);
      }
      if (res->status == 401) unauthorized(req, res, false);
      return;
    }
  }
  if (allow[0]) {
    char msg[256];
    snprintf(msg, sizeof msg, "接口 %s 不支持 %s 方法; 可用: %s", req->path, req->method, allow);
    lg_http_error_status(res, 405, "method_not_allowed", msg, "");
    lg_http_header_add(res, "Allow", allow);
    return;
  }
  if (is_api_path(req->path)) {
    lg_err_set(&err, LG_ENOTFOUND, "没有这个接口: %s %s", req->method, req->path);
    lg_http_error(res, &err);
    return;
  }
  if (strcmp(m, "GET") != 0) {
    char msg[256];
    snprintf(msg, sizeof msg, "静态文件只能用 GET 或 HEAD 读取, 不支持 %s", req->method);
    lg_http_error_status(res, 405, "method_not_allowed", msg, req->path);
    lg_http_header_add(res, "Allow", "GET, HEAD");
    return;
  }
  if (lg_http_static(req, res, &err) != 0) {
    lg_http_res_fini(res);
    lg_http_res_init(res);
    lg_http_error(res, &err);
  }
}

/* ---- libmicrohttpd callbacks ---------------------------------------------- */

static bool has_header(const lg_http_res_t *res, const char *name) {
  for (size_t i = 0; i < res->headers.len; i++)
    if (strcasecmp(res->headers.items[i].name, name) == 0) return true;
  return false;
}

static enum MHD_Result send_res(struct MHD_Connection *c, lg_http_res_t *res) {
  struct MHD_Response *r;
  if (res->fd >= 0) {
    r = MHD_create_response_from_fd(res->fd_size, res->fd);
    if (!r) close(res->fd);
    res->fd = -1; /* libmicrohttpd closes it with the response */
  } else {
    size_t n = res->body.len;
    char *data = lg_buf_steal(&res->body);
    r = MHD_create_response_from_buffer_with_free_callback(n, data, lg_free);
    if (!r) lg_free(data);
  }
  if (!r) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          res->content_type ? res->content_type : "application/octet-stream");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  if (!has_header(res, "Cache-Control")) MHD_add_response_header(r, "Cache-Control", "no-store");
  for (size_t i = 0; i < res->headers.len; i++)
    MHD_add_response_header(r, res->headers.items[i].name, res->headers.items[i].value);
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)res->status, r);
  MHD_destroy_response(r);
  return ok;
}

/* A body declared or sent beyond this is not even read: the connection is
 * closed. Below it, an oversized body is read and dropped so that the
 * client (which may still be sending) gets the 413 cleanly. */
static uint64_t hard_cap(const conn_state_t *cs) {
  uint64_t cap = (uint64_t)cs->limit * 4;
  return cap < ((uint64_t)64 << 20) ? (uint64_t)64 << 20 : cap;
}

/* The peer's numeric address, for login throttling by address. Behind a
 * reverse proxy every request comes from the proxy: its X-Forwarded-For
 * is not trusted, since any client can write one. */
static void client_address(struct MHD_Connection *c, char *out, size_t n) {
  out[0] = '\0';
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  if (!sa) return;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
              (socklen_t)n);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
              (socklen_t)n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls) {
  lg_http_t *h = cls;
  conn_state_t *cs = *con_cls;
  if (!cs) {
    cs = lg_calloc(1, sizeof *cs);
    lg_buf_init(&cs->body);
    cs->start = lg_mono();
    *con_cls = cs;
    /* Files come as multipart/form-data and may be larger than the
     * JSON and coordinate files sent as plain bodies. */
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    cs->multipart = ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
    cs->limit = cs->multipart ? h->limits.upload_bytes : h->max_body;
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
      unsigned long long declared = strtoull(cl, NULL, 10);
      if (declared > cs->limit) cs->too_large = true;
      if (declared > hard_cap(cs)) return MHD_NO;
    }
    return MHD_YES;
  }
  if (*upload_size) {
    cs->received += *upload_size;
    if (!cs->too_large && cs->received > cs->limit) {
      cs->too_large = true;
      lg_buf_fini(&cs->body);
    }
    if (!cs->too_large) lg_buf_append(&cs->body, upload_data, *upload_size);
    *upload_size = 0;
    return cs->received > hard_cap(cs) ? MHD_NO : MHD_YES;
  }

  lg_http_req_t req = {0};
  lg_http_res_t res;
  lg_http_res_init(&res);
  req.method = method;
  req.path = url;
  req.body = cs->body.data ? cs->body.data : "";
  req.body_len = cs->body.len;
  req.server = h;
  req.worker = worker_get(h);
  req.conn = c;
  client_address(c, req.address, sizeof req.address);
  if (cs->too_large) {
    lg_err_t err = {0};
    const char *key = cs->multipart ? "limits.upload_bytes" : "limits.body_bytes";
    char mib[32] = "";
    if (cs->limit >= ((size_t)1 << 20))
      snprintf(mib, sizeof mib, " (%.1f MiB)", cs->limit / 1048576.0);
    /* The path is left out: decoded, it need not be UTF-8, and the
     * message must stay valid JSON text. */
    lg_err_set(&err, LG_ELIMIT, "%s超过 %zu 字节%s的上限 (设置 %s)",
               cs->multipart ? "上传文件" : "请求体", cs->limit, mib, key);
    lg_err_where(&err, "%s", key);
    lg_http_error(&res, &err);
  } else {
    dispatch(&req, &res);
  }
  /* A transaction a handler left open must not hold the writer lock. */
  if (req.worker->store) lg_store_rollback_all(req.worker->store);
  lg_http_compress(&req, &res);
  int status = res.status;
  enum MHD_Result ok = send_res(c, &res);
  if (!h->quiet) {
    /* The decoded path may hold control characters ("%0a"): a request
     * must not be able to write lines of its own into the log. */
    char shown[512];
    size_t i = 0;
    for (; url[i] && i < sizeof shown - 1; i++)
      shown[i] = (unsigned char)url[i] < 0x20 || url[i] == 0x7f ? '?' : url[i];
    shown[i] = '\0';
    lg_log(LG_LOG_INFO, "%s %s %d %.1fms", method, shown, status, (lg_mono() - cs->start) * 1000);
  }
  lg_http_res_fini(&res);
  lg_http_req_fini(&req);
  return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  conn_state_t *cs = *con_cls;
  if (!cs) return;
  lg_buf_fini(&cs->body);
  lg_free(cs);
  *con_cls = NULL;
}

/* libmicrohttpd's own %HH decoding, except that a decoded NUL ("%00")
 * becomes 0x01: a NUL would silently cut the path short ("/%00/../x"
 * would be served as "/"), while 0x01 is a control character every path
 * and parameter check refuses. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s) {
  size_t n = MHD_http_unescape(s);
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\0') s[i] = '\x01';
  return n;
}

/* ---- Start and stop ------------------------------------------------------- */

static int real_dir(const char *path, const char *what, char **out, lg_err_t *err) {
  *out = NULL;
  if (!path) return 0;
  char buf[PATH_MAX];
  if (!realpath(path, buf))
    return lg_err_set(err, LG_EINVAL, "%s %s 不存在: %s", what, path, strerror(errno));
  *out = lg_strdup(buf);
  return 0;
}

int lg_http_start(const lg_http_opts_t *o, lg_http_t **out, lg_err_t *err) {
  *out = NULL;
  if (!o->db_path) return lg_err_set(err, LG_EINVAL, "没有指定数据库");
  if (o->port < 0 || o->port > 65535)
    return lg_err_set(err, LG_EINVAL, "端口 %d 无效: 应在 0 到 65535 之间", o->port);

  const char *host = o->host ? o->host : "127.0.0.1";
  if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  memset(&a4, 0, sizeof a4);
  memset(&a6, 0, sizeof a6);
  struct sockaddr *addr;
  bool v6 = false;
  if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
    a4.sin_family = AF_INET;
    a4.sin_port = htons((uint16_t)o->port);
    addr = (struct sockaddr *)&a4;
  } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons((uint16_t)o->port);
    addr = (struct sockaddr *)&a6;
    v6 = true;
  } else {
    return lg_err_set(err, LG_EINVAL,
                      "监听地址 \"%s\" 无效: 请写数字地址, 如 127.0.0.1、0.0.0.0 或 ::1", host);
  }

  lg_http_limits_t limits;
  if (o->limits) {
    limits = *o->limits;
  } else {
    int lrc = lg_http_limits_load(o->db_path, &limits, err);
    if (lrc) return lrc;
  }
  if (o->max_body) limits.body_bytes = o->max_body;

  lg_http_t *h = lg_calloc(1, sizeof *h);
  h->db_path = lg_strdup(o->db_path);
  h->db_read = o->db_read && *o->db_read ? lg_strdup(o->db_read) : NULL;
  h->limits = limits;
  h->max_body = limits.body_bytes;
  h->quiet = o->quiet;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  h->threads = o->threads > 0 ? o->threads : (ncpu > 0 ? (int)ncpu : 1);
  pthread_mutex_init(&h->lock, NULL);
  pthread_key_create(&h->key, NULL);
  int rc = real_dir(o->web_dir, "网页目录", &h->web_dir, err);
  if (rc == 0) rc = real_dir(o->vendor_dir, "前端依赖目录", &h->vendor_dir, err);
  if (rc) {
    lg_http_stop(h);
    return rc;
  }

  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
  if (v6) flags |= MHD_USE_IPv6;
  errno = 0;
  h->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                          addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)h->threads,
                          MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->limits.idle_timeout_s,
                          MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
  if (!h->d) {
    int e = errno;
    lg_err_set(err, LG_EIO, "无法在 %s 端口 %d 上启动服务: %s (端口是否已被占用?)", host, o->port,
               e ? strerror(e) : "libmicrohttpd 启动失败");
    lg_http_stop(h);
    return LG_EIO;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  h->port = info && info->port ? info->port : o->port;
  *out = h;
  return 0;
}

void lg_http_stop(lg_http_t *h) {
  if (!h) return;
  /* Joins the worker threads: no request runs after this. */
  if (h->d) MHD_stop_daemon(h->d);
  lg_http_worker_t *w = h->workers;
  while (w) {
    lg_http_worker_t *next = w->next;
    lg_store_close(w->store);
    lg_store_close(w->read);
    lg_free(w);
    w = next;
  }
  pthread_key_delete(h->key);
  pthread_mutex_destroy(&h->lock);
  lg_free(h->db_path);
  lg_free(h->db_read);
  lg_free(h->web_dir);
  lg_free(h->vendor_dir);
  lg_free(h);
}
