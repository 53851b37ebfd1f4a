/*
 * Response compression: gzip (RFC 1952, zlib's deflate) for clients that
 * ask for it in Accept-Encoding (RFC 9110 12.5.3). Vector tiles of a
 * county at zoom 10 run to megabytes and shrink to under half; GeoJSON
 * and JSON reports are text and shrink several times: what a bureau's
 * thin line to its townships needs.
 *
 * The server calls lg_http_compress on every response before sending it:
 * a body held in memory, of a compressible type and at least
 * LG_HTTP_COMPRESS_MIN bytes, is replaced by its gzip form when the
 * client accepts gzip and the result is smaller (at zlib's fastest level,
 * since it is done for every request). Every such response says
 * "Vary: Accept-Encoding", compressed or not, so that a cache between
 * server and browser keeps the two forms apart. A handler that sends an
 * encoded body of its own (tiles come gzipped from the tile cache) sets
 * Content-Encoding itself, and is then left alone. Files sent from disk
 * (the web client's static files) go out as they are.
 */
#include "http/http_int.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

static bool has_header(const lg_http_res_t *res, const char *name) {
  for (size_t i = 0; i < res->headers.len; i++)
    if (strcasecmp(res->headers.items[i].name, name) == 0) return true;
  return false;
}

bool lg_http_compressible(const char *ct) {
  if (!ct) return false;
  static const char *const types[] = {
      "text/",
      "application/json",
      "application/geo+json",
      "application/javascript",
      "application/xml",
      "application/vnd.mapbox-vector-tile",
      "application/x-protobuf",
      "image/svg+xml",
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(types); i++)
    if (strncasecmp(ct, types[i], strlen(types[i])) == 0) return true;
  return false;
}

/* The q-value of one Accept-Encoding element's parameters (";q=0.5"):
 * 1 when absent; a malformed one counts as 0, refusing rather than
 * guessing. */
static double qvalue(const char *p, const char *end) {
  while (p < end) {
    while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
      p++;
    if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      p += 2;
      /* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
      if (p >= end || (*p != '0' && *p != '1')) return 0;
      double q = *p++ - '0', scale = 0.1;
      if (p < end && *p == '.')
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, scale /= 10)
          q += (*p - '0') * scale;
      return q > 1 ? 1 : q;
    }
    while (p < end && *p != ';')
      p++;
  }
  return 1;
}

bool lg_http_accepts_encoding(const char *accept, const char *coding) {
  if (!accept) return false;
  size_t cl = strlen(coding);
  double q_named = -1, q_any = -1;
  for (const char *p = accept; *p;) {
    const char *e = strchr(p, ',');
    if (!e) e = p + strlen(p);
    while (p < e && (*p == ' ' || *p == '\t'))
      p++;
    size_t tl = strcspn(p, ";, \t");
    if (tl > (size_t)(e - p)) tl = (size_t)(e - p);
    double q = qvalue(p + tl, e);
    /* x-gzip is gzip (RFC 9110 8.4.1.3). */
    if ((tl == cl && strncasecmp(p, coding, cl) == 0) ||
        (strcmp(coding, "gzip") == 0 && tl == 6 && strncasecmp(p, "x-gzip", 6) == 0))
      q_named = q > q_named ? q : q_named;
    else if (tl == 1 && *p == '*')
      q_any = q;
    p = *e ? e + 1 : e;
  }
  /* A coding named outright wins over "*" (RFC 9110 12.5.3). */
  return q_named >= 0 ? q_named > 0 : q_any > 0;
}

int lg_http_gzip(const void *data, size_t n, int level, lg_buf_t *out, lg_err_t *err) {
  if (n > (size_t)UINT32_MAX / 2) return lg_err_set(err, LG_ELIMIT, "响应过大, 无法压缩");
  z_stream z;
  memset(&z, 0, sizeof z);
  /* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return lg_err_set(err, LG_EINTERNAL, "无法初始化 gzip 压缩");
  /* deflateBound is enough for one deflate(Z_FINISH) call. */
  size_t bound = deflateBound(&z, (uLong)n);
  char *buf = lg_malloc(bound + 1);
  z.next_in = (Bytef *)(uintptr_t)data;
  z.avail_in = (uInt)n;
  z.next_out = (Bytef *)buf;
  z.avail_out = (uInt)bound;
  int zr = deflate(&z, Z_FINISH);
  size_t made = bound - z.avail_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) {
    lg_free(buf);
    return lg_err_set(err, LG_EINTERNAL, "gzip 压缩失败 (zlib 返回 %d)", zr);
  }
  buf[made] = '\0'; /* an lg_buf_t is always terminated */
  lg_buf_fini(out);
  out->data = buf;
  out->len = made;
  out->cap = bound + 1;
  return 0;
}

void lg_http_compress(const lg_http_req_t *req, lg_http_res_t *res) {
  if (res->fd >= 0 || res->body.len < LG_HTTP_COMPRESS_MIN ||
      !lg_http_compressible(res->content_type))
    return;
  if (!has_header(res, "Vary")) lg_http_header_add(res, "Vary", "Accept-Encoding");
  if (has_header(res, "Content-Encoding")) return; /* the handler encoded it */
  if (!lg_http_accepts_encoding(lg_http_header_get(req, "Accept-Encoding"), "gzip")) return;
  lg_buf_t gz;
  lg_buf_init(&gz);
  if (lg_http_gzip(res->body.data, res->body.len, LG_HTTP_GZIP_FAST, &gz, NULL) == 0 &&
      gz.len < res->body.len) {
    lg_buf_fini(&res->body);
    res->body = gz;
    lg_http_header_add(res, "Content-Encoding", "gzip");
    return;
  }
  lg_buf_fini(&gz);
}
