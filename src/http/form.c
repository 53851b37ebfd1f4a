/*
 * Forms: the fields and the file a client submits, read the same way
 * whether they came as a JSON object, as multipart/form-data (RFC 7578,
 * split by lg_http_multipart) or as the file alone with the fields in the
 * query, so that every handler that takes a file with fields (a check, a
 * case) agrees on what "on" or "1" means and names a bad field the same
 * way.
 */
#include "http/http_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PARTS 32

static bool is_type(const char *ctype, const char *t) {
  return ctype && strncasecmp(ctype, t, strlen(t)) == 0;
}

static int read_multipart(lg_http_req_t *req, const char *ctype, lg_http_form_t *f, lg_err_t *err) {
  lg_http_part_t parts[MAX_PARTS];
  int n = 0;
  int rc = lg_http_multipart(ctype, req->body, req->body_len, parts, MAX_PARTS, &n, err);
  for (int i = 0; rc == 0 && i < n; i++) {
    if (strcmp(parts[i].name, "file") == 0) {
      f->file = parts[i].data;
      f->file_len = parts[i].len;
      snprintf(f->file_name, sizeof f->file_name, "%s", parts[i].filename);
    } else if (parts[i].name[0]) {
      char *v = lg_strndup(parts[i].data, parts[i].len);
      json_t *js = json_string(v);
      lg_free(v);
      if (!js) {
        rc = lg_err_set(err, LG_EINVAL, "表单字段 %s 不是 UTF-8 文本", parts[i].name);
        lg_err_where(err, "%s", parts[i].name);
      } else {
        json_object_set_new(f->fields, parts[i].name, js);
      }
    }
  }
  return rc;
}

int lg_http_form_read(lg_http_req_t *req, lg_http_form_t *f, lg_err_t *err) {
  memset(f, 0, sizeof *f);
  const char *ctype = lg_http_header_get(req, "content-type");
  if (is_type(ctype, "application/json")) {
    json_t *body = lg_http_body_json(req, err);
    if (!body) return err->code ? err->code : LG_EINVAL;
    if (!json_is_object(body)) {
      json_decref(body);
      return lg_err_set(err, LG_EINVAL, "请求体应为 JSON 对象");
    }
    f->fields = body;
    f->json = true;
    return 0;
  }
  f->fields = json_object();
  if (is_type(ctype, "multipart/form-data")) return read_multipart(req, ctype, f, err);
  /* The file alone. */
  f->file = req->body;
  f->file_len = req->body_len;
  return 0;
}

void lg_http_form_fini(lg_http_form_t *f) {
  json_decref(f->fields);
  f->fields = NULL;
}

const char *lg_http_form_str(lg_http_req_t *req, lg_http_form_t *f, const char *name) {
  const json_t *v = f->fields ? json_object_get(f->fields, name) : NULL;
  if (!v || json_is_null(v)) return lg_http_query(req, name);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_boolean(v)) return json_is_true(v) ? "true" : "false";
  if (json_is_number(v)) {
    /* Kept beside the fields, so that it lives as long as the form. */
    char key[96];
    snprintf(key, sizeof key, "\x01%s", name);
    json_t *text = json_is_integer(v) ? json_sprintf("%lld", (long long)json_integer_value(v))
                                      : json_sprintf("%.17g", json_real_value(v));
    json_object_set_new(f->fields, key, text);
    return json_string_value(text);
  }
  return NULL; /* an object or array is not a field value */
}

int lg_http_form_bool(lg_http_req_t *req, lg_http_form_t *f, const char *name, bool dflt, bool *out,
                      lg_err_t *err) {
  return lg_http_parse_bool(name, lg_http_form_str(req, f, name), dflt, out, err);
}

int lg_http_query_bool(const lg_http_req_t *req, const char *name, bool dflt, bool *out,
                       lg_err_t *err) {
  return lg_http_parse_bool(name, lg_http_query(req, name), dflt, out, err);
}

int lg_http_parse_bool(const char *name, const char *v, bool dflt, bool *out, lg_err_t *err) {
  *out = dflt;
  if (!v || !*v) return 0;
  static const char *const yes[] = {"1", "true", "yes", "on"}, *const no[] = {"0", "false", "no",
                                                                              "off"};
  for (size_t i = 0; i < LG_ARRAY_LEN(yes); i++) {
    if (strcasecmp(v, yes[i]) == 0) return *out = true, 0;
    if (strcasecmp(v, no[i]) == 0) return *out = false, 0;
  }
  lg_err_set(err, LG_EINVAL, "参数 %s 应为是或否 (1/0, true/false, yes/no, on/off), 得到 \"%.40s\"",
             name, v);
  lg_err_where(err, "%s", name);
  return LG_EINVAL;
}

int lg_http_form_num(lg_http_req_t *req, lg_http_form_t *f, const char *name, double dflt,
                     double min, double max, double *out, lg_err_t *err) {
  const char *v = lg_http_form_str(req, f, name);
  *out = dflt;
  if (!v || !*v) return 0;
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !isfinite(x) || x < min || x > max) {
    lg_err_set(err, LG_EINVAL, "参数 %s 应为 %g 到 %g 之间的数值, 得到 \"%.40s\"", name, min, max,
               v);
    lg_err_where(err, "%s", name);
    return LG_EINVAL;
  }
  *out = x;
  return 0;
}
