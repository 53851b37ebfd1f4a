/*
 * Requests and responses: route patterns with {name} parameters, query
 * arguments parsed with messages that name the argument, JSON bodies,
 * multipart/form-data uploads (one parser for every route that takes a
 * file), and the response helpers, among them the one error shape every
 * failure of the API takes:
 *
 *   {"error": {"code": "not_found", "message": "图层 x 不存在", "detail": ""}}
 *
 * code is lg_err_name of the LG_E* code, message the Chinese message,
 * detail err->where (file, line, field); the status is lg_err_http_status.
 */
#include "http/http_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Route patterns -------------------------------------------------------- */

static void params_clear(lg_http_req_t *req) {
  for (int i = 0; i < req->nparams; i++)
    lg_free(req->params[i].val);
  req->nparams = 0;
}

void lg_http_req_fini(lg_http_req_t *req) {
  if (req) params_clear(req);
}

/* Both pattern and path are compared segment by segment; a {name} segment
 * matches any one non-empty segment. A trailing slash is a different path
 * (as on most servers), so "/api/layers/" does not match "/api/layers". */
bool lg_http_match(const char *pattern, const char *path, lg_http_req_t *req) {
  params_clear(req);
  const char *p = pattern, *s = path;
  while (*p && *s) {
    if (*p != '/' || *s != '/') break;
    p++, s++;
    const char *pe = strchr(p, '/'), *se = strchr(s, '/');
    size_t pl = pe ? (size_t)(pe - p) : strlen(p);
    size_t sl = se ? (size_t)(se - s) : strlen(s);
    if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
      if (sl == 0 || req->nparams == LG_HTTP_MAX_PARAMS) goto fail;
      req->params[req->nparams].name = p + 1;
      req->params[req->nparams].name_len = pl - 2;
      req->params[req->nparams].val = lg_strndup(s, sl);
      req->nparams++;
    } else if (pl != sl || strncmp(p, s, pl) != 0) {
      goto fail;
    }
    p += pl, s += sl;
  }
  if (*p == '\0' && *s == '\0') return true;
fail:
  params_clear(req);
  return false;
}

const char *lg_http_param(const lg_http_req_t *req, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < req->nparams; i++)
    if (req->params[i].name_len == n && strncmp(req->params[i].name, name, n) == 0)
      return req->params[i].val;
  return NULL;
}

/* ---- Query and headers ----------------------------------------------------- */

const char *lg_http_query(const lg_http_req_t *req, const char *name) {
  if (req->conn) return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
  if (req->test_query)
    for (const char *const *q = req->test_query; q[0] && q[1]; q += 2)
      if (strcmp(q[0], name) == 0) return q[1];
  return NULL;
}

const char *lg_http_header_get(const lg_http_req_t *req, const char *name) {
  return req->conn ? MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *lg_http_cookie(const lg_http_req_t *req, const char *name) {
  return req->conn ? MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name) : NULL;
}

int lg_http_query_int(const lg_http_req_t *req, const char *name, long long def, long long min,
                      long long max, long long *out, lg_err_t *err) {
  const char *s = lg_http_query(req, name);
  *out = def;
  if (!s || !*s) return 0;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end) {
    lg_err_set(err, LG_EINVAL, "参数 %s 应为整数, 得到 \"%.64s\"", name, s);
    lg_err_where(err, "%s", name);
    return LG_EINVAL;
  }
  if (v < min || v > max) {
    lg_err_set(err, LG_EINVAL, "参数 %s=%lld 超出范围: 应在 %lld 到 %lld 之间", name, v, min, max);
    lg_err_where(err, "%s", name);
    return LG_EINVAL;
  }
  *out = v;
  return 0;
}

int lg_http_query_numbers(const lg_http_req_t *req, const char *name, double *v, size_t n,
                          bool *present, lg_err_t *err) {
  const char *s = lg_http_query(req, name);
  *present = s && *s;
  if (!*present) return 0;
  const char *p = s;
  for (size_t i = 0; i < n; i++) {
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    bool sep_ok = i + 1 < n ? *end == ',' : *end == '\0';
    if (errno || end == p || !isfinite(x) || !sep_ok) {
      lg_err_set(err, LG_EINVAL, "参数 %s 应为 %zu 个以逗号分隔的数, 得到 \"%.80s\"", name, n, s);
      lg_err_where(err, "%s", name);
      return LG_EINVAL;
    }
    v[i] = x;
    p = end + 1;
  }
  return 0;
}

json_t *lg_http_body_json(const lg_http_req_t *req, lg_err_t *err) {
  /* jansson recurses once per level (up to its compiled-in 2048): the
   * depth is checked first, by a scan that does not recurse at all. */
  if (lg_http_json_depth_check(req, req->body ? req->body : "", req->body_len, "请求体", err))
    return NULL;
  json_error_t je;
  json_t *v = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &je);
  if (!v) {
    lg_err_set(err, LG_EINVAL, "请求体不是有效的 JSON: %s", je.text);
    lg_err_where(err, "第 %d 行, 第 %d 列", je.line, je.column);
  }
  return v;
}

/* ---- multipart/form-data (RFC 7578) ------------------------------------------
 * Just enough for what browsers and curl send: a file part and text fields,
 * each with a Content-Disposition naming it. The body is split in place;
 * parts point into it. */

static const char *find_bytes(const char *h, size_t hn, const char *n, size_t nn) {
  if (nn == 0 || hn < nn) return NULL;
  for (const char *p = h, *end = h + hn - nn + 1; p < end;) {
    p = memchr(p, n[0], (size_t)(end - p));
    if (!p) return NULL;
    if (memcmp(p, n, nn) == 0) return p;
    p++;
  }
  return NULL;
}

/* The value of key="..." in a Content-Disposition line (n bytes). */
static void disposition_value(const char *line, size_t n, const char *key, char *out, size_t on) {
  out[0] = '\0';
  char pat[32];
  snprintf(pat, sizeof pat, "%s=\"", key);
  size_t pl = strlen(pat);
  const char *p = find_bytes(line, n, pat, pl);
  /* "name=" must not match inside "filename=". */
  while (p && p > line && p[-1] != ' ' && p[-1] != ';' && p[-1] != '\t')
    p = find_bytes(p + 1, n - (size_t)(p + 1 - line), pat, pl);
  if (!p) return;
  p += pl;
  const char *e = memchr(p, '"', n - (size_t)(p - line));
  if (e) snprintf(out, on, "%.*s", (int)(e - p), p);
}

/* The boundary parameter of a Content-Type (its name case-insensitive,
 * RFC 2045 5.1), quoted or not; 0 when absent or not 1 to 70 characters
 * (RFC 2046 5.1.1). */
static size_t boundary_of(const char *ctype, const char **out) {
  for (const char *p = ctype; *p; p++) {
    if (strncasecmp(p, "boundary=", 9) != 0 || (p > ctype && !strchr(" ;\t", p[-1]))) continue;
    const char *b = p + 9;
    size_t bl;
    if (*b == '"') {
      b++;
      const char *q = strchr(b, '"');
      if (!q) return 0;
      bl = (size_t)(q - b);
    } else {
      bl = strcspn(b, "; \t");
    }
    *out = b;
    return bl >= 1 && bl <= 70 ? bl : 0;
  }
  return 0;
}

int lg_http_multipart(const char *ctype, const char *body, size_t n, lg_http_part_t *parts, int max,
                      int *nparts, lg_err_t *err) {
  *nparts = 0;
  const char *b = NULL;
  size_t bl = ctype ? boundary_of(ctype, &b) : 0;
  if (!bl)
    return lg_err_set(err, LG_EINVAL,
                      "multipart/form-data 缺少有效的 boundary 参数 (1 到 70 个字符)");
  /* Each delimiter is CRLF "--" boundary (RFC 2046 5.1.1); the first may
   * stand at the very start, without the CRLF. */
  char close[80];
  int cl = snprintf(close, sizeof close, "\r\n--%.*s", (int)bl, b);
  const char *delim = close + 2;
  size_t dl = (size_t)cl - 2;
  const char *end = body + n;
  const char *p = find_bytes(body, n, delim, dl);
  while (p) {
    p += dl;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') break; /* the closing delimiter */
    if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') p += 2;
    const char *hend = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
    if (!hend)
      return lg_err_set(err, LG_EINVAL, "multipart 第 %d 部分缺少头部结束标记", *nparts + 1);
    const char *data = hend + 4;
    const char *next = find_bytes(data, (size_t)(end - data), close, (size_t)cl);
    if (!next) return lg_err_set(err, LG_EINVAL, "multipart 第 %d 部分没有结束分隔线", *nparts + 1);
    if (*nparts == max) return lg_err_set(err, LG_ELIMIT, "multipart 部分过多 (最多 %d 个)", max);
    lg_http_part_t *m = &parts[(*nparts)++];
    memset(m, 0, sizeof *m);
    /* Headers: Content-Disposition, its name case-insensitive. */
    for (const char *l = p; l < hend;) {
      const char *le = find_bytes(l, (size_t)(hend - l), "\r\n", 2);
      if (!le) le = hend;
      if ((size_t)(le - l) > 20 && strncasecmp(l, "content-disposition:", 20) == 0) {
        disposition_value(l, (size_t)(le - l), "name", m->name, sizeof m->name);
        disposition_value(l, (size_t)(le - l), "filename", m->filename, sizeof m->filename);
      }
      l = le + 2;
    }
    m->data = data;
    m->len = (size_t)(next - data);
    p = next + 2;
  }
  return 0;
}

/* ---- Responses ------------------------------------------------------------- */

void lg_http_res_init(lg_http_res_t *res) {
  memset(res, 0, sizeof *res);
  lg_buf_init(&res->body);
  res->fd = -1;
}

void lg_http_res_fini(lg_http_res_t *res) {
  if (!res) return;
  lg_buf_fini(&res->body);
  if (res->fd >= 0) close(res->fd);
  res->fd = -1;
  for (size_t i = 0; i < res->headers.len; i++) {
    lg_free(res->headers.items[i].name);
    lg_free(res->headers.items[i].value);
  }
  lg_free(res->headers.items);
  res->headers.items = NULL;
  res->headers.len = res->headers.cap = 0;
}

void lg_http_body(lg_http_res_t *res, int status, const char *content_type, const void *data,
                  size_t n) {
  res->status = status;
  res->content_type = content_type;
  lg_buf_reset(&res->body);
  lg_buf_append(&res->body, data, n);
}

void lg_http_body_buf(lg_http_res_t *res, int status, const char *content_type, lg_buf_t *b) {
  res->status = status;
  res->content_type = content_type;
  lg_buf_fini(&res->body);
  res->body = *b;
  lg_buf_init(b);
  if (!res->body.data) lg_buf_puts(&res->body, "");
}

void lg_http_json(lg_http_res_t *res, int status, json_t *v) {
  /* UTF-8 as it is (no \u escapes): the Chinese stays readable in logs and
   * curl; 15 significant digits keep coordinates and areas exact enough. */
  char *s = v ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  if (!s) {
    lg_http_error_status(res, 500, lg_err_name(LG_EINTERNAL), "无法生成 JSON 响应", "");
    return;
  }
  lg_http_body(res, status, "application/json; charset=utf-8", s, strlen(s));
  free(s);
}

void lg_http_header_add(lg_http_res_t *res, const char *name, const char *value) {
  lg_http_header_t hd = {lg_strdup(name), lg_strdup(value)};
  lg_vec_push(&res->headers, hd);
}

void lg_http_error_status(lg_http_res_t *res, int status, const char *code, const char *message,
                          const char *detail) {
  json_t *e = json_object();
  json_t *in = json_object();
  json_object_set_new(in, "code", json_string(code));
  /* A message cut mid-character by a fixed buffer would make
   * json_string refuse it; fall back to the bytes that are valid. */
  json_t *m = json_string(message);
  if (!m) m = json_stringn_nocheck("", 0);
  json_object_set_new(in, "message", m);
  json_t *d = json_string(detail ? detail : "");
  if (!d) d = json_stringn_nocheck("", 0);
  json_object_set_new(in, "detail", d);
  json_object_set_new(e, "error", in);
  char *s = json_dumps(e, JSON_COMPACT);
  json_decref(e);
  res->status = status;
  res->content_type = "application/json; charset=utf-8";
  lg_buf_reset(&res->body);
  lg_buf_puts(&res->body,
              s ? s : "{\"error\":{\"code\":\"internal_error\",\"message\":\"\",\"detail\":\"\"}}");
  free(s);
}

int lg_http_error(lg_http_res_t *res, const lg_err_t *err) {
  int code = err && err->code ? err->code : LG_EINTERNAL;
  const char *msg = err && err->msg[0] ? err->msg : "服务器内部错误";
  lg_http_error_status(res, lg_err_http_status(code), lg_err_name(code), msg,
                       err ? err->where : "");
  return code;
}

int lg_http_file(lg_http_res_t *res, const char *path, const char *cache_control, lg_err_t *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return lg_err_set(err, LG_ENOTFOUND, "文件不存在");
  }
  lg_buf_reset(&res->body);
  if (res->fd >= 0) close(res->fd);
  res->fd = fd;
  res->fd_size = (uint64_t)st.st_size;
  res->status = 200;
  res->content_type = lg_http_content_type(path);
  if (cache_control) lg_http_header_add(res, "Cache-Control", cache_control);
  return 0;
}
