/*
 * Limits on what one request may ask of the server: body and upload
 * size, JSON nesting, points of a geometry, time, and how long a silent
 * connection is kept. They are settings (table lg_settings, keys
 * limits.*), read once when the server starts, so that an administrator
 * can raise or lower them for a bureau's hardware and files without a new
 * build (landgov settings set limits.body_bytes 8388608, then restart).
 *
 * The defaults: a 4 MiB body holds any JSON request and a coordinate file
 * of tens of thousands of points; 32 MiB of multipart upload holds a
 * zipped Shapefile of a township; GeoJSON needs at most 6 levels of
 * nesting (FeatureCollection > features > Feature > geometry >
 * coordinates of a MultiPolygon > polygon > ring > position is 8), so 32
 * leaves room for any real document and none for a stack-eating one;
 * 100000 points is more than the largest linear project's boundary; 30 s
 * is longer than any check of the demo county takes on one core.
 */
#include "http/http_int.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where each setting goes; defaults and bounds are the registry's
 * (src/store/settings.c). */
typedef struct limit_def {
  const char *key;
  size_t off;   /* offset in lg_http_limits_t */
  bool is_size; /* size_t, else int */
} limit_def_t;

static const limit_def_t defs[] = {
    {"limits.body_bytes", offsetof(lg_http_limits_t, body_bytes), true},
    {"limits.upload_bytes", offsetof(lg_http_limits_t, upload_bytes), true},
    {"limits.json_depth", offsetof(lg_http_limits_t, json_depth), false},
    {"limits.geometry_vertices", offsetof(lg_http_limits_t, geometry_vertices), false},
    {"limits.request_ms", offsetof(lg_http_limits_t, request_ms), false}, /* 0: no deadline */
    {"limits.idle_timeout_s", offsetof(lg_http_limits_t, idle_timeout_s), false},
};

/* The limits from s (NULL: the defaults). */
static void load(lg_store_t *s, lg_http_limits_t *l) {
  memset(l, 0, sizeof *l);
  for (size_t i = 0; i < LG_ARRAY_LEN(defs); i++) {
    long long v = lg_store_setting_int(s, defs[i].key);
    char *p = (char *)l + defs[i].off;
    if (defs[i].is_size)
      *(size_t *)(void *)p = (size_t)v;
    else
      *(int *)(void *)p = (int)v;
  }
}

void lg_http_limits_default(lg_http_limits_t *l) { load(NULL, l); }

int lg_http_limits_load(const char *db_path, lg_http_limits_t *l, lg_err_t *err) {
  lg_store_t *s = NULL;
  lg_http_limits_default(l);
  int rc = lg_store_open(db_path, 0, &s, err);
  if (rc) return rc;
  load(s, l);
  lg_store_close(s);
  return 0;
}

/* ---- JSON nesting ---------------------------------------------------------- */

size_t lg_http_json_depth(const char *s, size_t n, size_t stop) {
  size_t depth = 0, max = 0;
  bool in_str = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++; /* whatever is escaped, it is not the closing quote */
      else if (c == '"')
        in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max && (max = depth) > stop) return max;
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return max;
}

static lg_http_limits_t defaults;
static pthread_once_t defaults_once = PTHREAD_ONCE_INIT;
static void defaults_init(void) { lg_http_limits_default(&defaults); }

const lg_http_limits_t *lg_http_limits(const lg_http_req_t *req) {
  if (req && req->server) return lg_http_limits_of(req->server);
  pthread_once(&defaults_once, defaults_init); /* requests built by tests */
  return &defaults;
}

int lg_http_json_depth_check(const lg_http_req_t *req, const char *s, size_t n, const char *what,
                             lg_err_t *err) {
  size_t lim = (size_t)lg_http_limits(req)->json_depth;
  if (lg_http_json_depth(s, n, lim) <= lim) return 0;
  lg_err_set(err, LG_ELIMIT,
             "%s 的 JSON 嵌套超过 %zu 层的上限 (设置 limits.json_depth); GeoJSON 只需 8 层左右",
             what, lim);
  lg_err_where(err, "limits.json_depth");
  return LG_ELIMIT;
}
