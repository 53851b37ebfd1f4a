/*
 * Errors as values: filling lg_err_t, naming codes and mapping them to
 * HTTP statuses. This is the one place that decides which status a kind
 * of failure gets.
 */
#include "core/core.h"

#include <stdio.h>
#include <string.h>

int lg_err_set(lg_err_t *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

void lg_err_where(lg_err_t *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->where, sizeof err->where, fmt, ap);
  va_end(ap);
}

void lg_err_prefix(lg_err_t *err, const char *fmt, ...) {
  if (!err) return;
  char pre[256], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s%s", pre, old);
}

void lg_err_clear(lg_err_t *err) {
  if (!err) return;
  err->code = 0;
  err->msg[0] = '\0';
  err->where[0] = '\0';
}

const char *lg_err_name(int code) {
  switch (code) {
  case LG_OK:
    return "ok";
  case LG_EINVAL:
    return "invalid_input";
  case LG_ENOTFOUND:
    return "not_found";
  case LG_EIO:
    return "io_error";
  case LG_EDB:
    return "store_error";
  case LG_EGEOM:
    return "geometry_error";
  case LG_ECRS:
    return "crs_error";
  case LG_ECONFLICT:
    return "conflict";
  case LG_EPERM:
    return "forbidden";
  case LG_ELIMIT:
    return "limit_exceeded";
  case LG_EUNSUPPORTED:
    return "unsupported";
  case LG_EAUTH:
    return "unauthenticated";
  case LG_ETHROTTLE:
    return "too_many_requests";
  default:
    return "internal_error";
  }
}

int lg_err_http_status(int code) {
  switch (code) {
  case LG_EINVAL:
  case LG_EGEOM:
  case LG_ECRS:
  case LG_EUNSUPPORTED:
    return 400;
  case LG_ENOTFOUND:
    return 404;
  case LG_ECONFLICT:
    return 409;
  case LG_EPERM:
    return 403;
  case LG_ELIMIT:
    return 413;
  case LG_EAUTH:
    return 401; /* RFC 9110 15.5.2: log in (again) */
  case LG_ETHROTTLE:
    return 429; /* RFC 6585 4: with Retry-After */
  default:
    return 500;
  }
}
