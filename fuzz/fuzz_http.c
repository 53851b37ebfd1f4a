/*
 * libFuzzer harness: what the server does with the bytes of a request
 * line before a handler runs, and the request helpers handlers use
 * (src/http/request.c). The input is a URL path, then query arguments
 * one a line ("name=value"), then after an empty line a body. The path is
 * %-decoded as the server decodes it (libmicrohttpd's unescape, NUL
 * turned to 0x01), matched against every route of the table, and the
 * helpers read it: path parameters, integer and number-list arguments,
 * the static-file path check and content type, the session cookie, the
 * JSON nesting scan and the JSON body. The body is also split as a
 * multipart/form-data upload (the parser POST /api/checks and POST
 * /api/cases share), at the boundary of the query argument "boundary"
 * (else "XyZ"), and the argument "ae" is read as an Accept-Encoding.
 */
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = lg_malloc(size + 1); /* the whole input, NULs and all */
  memcpy(text, data, size);
  text[size] = '\0';
  char *body = strstr(text, "\n\n");
  size_t body_len = 0;
  if (body) {
    *body = '\0';
    body += 2;
    body_len = size - (size_t)(body - text);
  }
  /* Path: the first line, decoded in place. */
  char *nl = strchr(text, '\n');
  if (nl) *nl = '\0';
  size_t n = MHD_http_unescape(text);
  for (size_t i = 0; i < n; i++)
    if (text[i] == '\0') text[i] = '\x01';
  text[n] = '\0';
  /* Query arguments: name=value lines, at most 16. */
  const char *q[33] = {0};
  int nq = 0;
  for (char *line = nl ? nl + 1 : NULL; line && *line && nq < 32;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char *eq = strchr(line, '=');
    if (eq) {
      *eq = '\0';
      q[nq++] = line;
      q[nq++] = eq + 1;
    }
    line = next;
  }
  lg_http_req_t req = {0};
  req.method = "GET";
  req.path = text;
  req.test_query = q;
  req.body = body ? body : "";
  req.body_len = body_len;
  lg_err_t err = {0};
  for (int t = 0; lg_http_route_tables[t]; t++)
    for (const lg_http_route_t *r = lg_http_route_tables[t]; r->pattern; r++)
      if (lg_http_match(r->pattern, req.path, &req)) {
        for (int i = 0; i < req.nparams; i++) {
          char name[64];
          size_t nl2 =
              req.params[i].name_len < sizeof name - 1 ? req.params[i].name_len : sizeof name - 1;
          memcpy(name, req.params[i].name, nl2);
          name[nl2] = '\0';
          const char *v = lg_http_param(&req, name);
          if (!v) __builtin_trap(); /* a captured parameter must be found */
        }
      }
  long long v;
  lg_http_query_int(&req, "limit", 100, 1, 10000, &v, &err);
  double bbox[4];
  bool present;
  lg_http_query_numbers(&req, "bbox", bbox, 4, &present, &err);
  if (text[0] == '/') lg_http_path_safe(text + 1);
  lg_http_content_type(text);
  char tok[64];
  lg_auth_cookie_token(text, tok);
  lg_http_json_depth(req.body, req.body_len, 32);
  json_t *j = lg_http_body_json(&req, &err);
  json_decref(j);
  /* multipart/form-data: every part found must lie inside the body. */
  const char *bd = lg_http_query(&req, "boundary");
  char *ctype = lg_sprintf("multipart/form-data; boundary=%s", bd ? bd : "XyZ");
  lg_http_part_t parts[16];
  int np = 0;
  if (lg_http_multipart(ctype, req.body, req.body_len, parts, 16, &np, &err) == 0)
    for (int i = 0; i < np; i++)
      if (parts[i].data < req.body || parts[i].data + parts[i].len > req.body + req.body_len)
        __builtin_trap();
  lg_free(ctype);
  lg_http_accepts_encoding(lg_http_query(&req, "ae"), "gzip");
  lg_http_req_fini(&req);
  lg_free(text);
  return 0;
}
