/*
 * The guard in front of every API handler: who is asking (the session
 * cookie, an API token, or nobody: the public), whether a request that may
 * change something really comes from our own page (Origin, and the
 * session's CSRF token), and the permission decision each handler makes
 * through the one policy table of src/auth.
 *
 * The rules: no credential is the public, never an error; a credential
 * that is not valid (expired, ended, revoked, its account disabled) is a
 * 401 that clears the cookie, never a silent fall-back to the public (the
 * client must know to log in again); a refused permission is 401 for the
 * public (log in) and 403 for a user. CSRF defences are the SameSite=Strict
 * cookie, the Origin check and the per-session token in X-CSRF-Token,
 * after OWASP's CSRF Prevention Cheat Sheet; API tokens are not sent by
 * browsers on their own, so requests made with one need no CSRF token.
 */
#include "http/http_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool safe_method(const char *m) {
  return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* The host[:port] part of an origin ("http://127.0.0.1:8080"), or NULL
 * for anything else, "null" included (sandboxed frames, file: pages). */
static const char *origin_host(const char *origin) {
  if (strncasecmp(origin, "http://", 7) == 0) return origin + 7;
  if (strncasecmp(origin, "https://", 8) == 0) return origin + 8;
  return NULL;
}

/* A browser names the page a request comes from in Origin (on every
 * cross-origin request and every same-origin one but GET and HEAD); it
 * must be this server as the client reached it: the Host header, or the
 * host a reverse proxy says it forwarded for. A cross-site page cannot set
 * either header. No Origin at all is a client that is not a browser
 * (curl, a script), which a forged request cannot be, unless the browser
 * says it is cross-site in Sec-Fetch-Site. */
static int origin_check(lg_http_req_t *req, lg_err_t *err) {
  const char *origin = lg_http_header_get(req, "Origin");
  if (!origin) {
    const char *site = lg_http_header_get(req, "Sec-Fetch-Site");
    if (site && strcasecmp(site, "cross-site") == 0)
      return lg_err_set(err, LG_EPERM, "跨站请求被拒绝: 不能从其他网站修改本系统的数据");
    return 0;
  }
  const char *h = origin_host(origin);
  const char *host = lg_http_header_get(req, "Host");
  const char *fwd = lg_http_header_get(req, "X-Forwarded-Host");
  if (h && ((host && strcasecmp(h, host) == 0) || (fwd && strcasecmp(h, fwd) == 0))) return 0;
  lg_err_set(err, LG_EPERM, "跨站请求被拒绝: 来源 %.100s 不是本服务器 %.100s", origin,
             host ? host : "(无 Host)");
  lg_err_where(err, "Origin");
  return LG_EPERM;
}

int lg_http_authenticate(lg_http_req_t *req, bool any_credential, lg_err_t *err) {
  lg_auth_subject_public(&req->who);
  memset(&req->session, 0, sizeof req->session);
  req->stale_credential = false;
  const char *proto = lg_http_header_get(req, "X-Forwarded-Proto");
  req->secure = proto && strcasecmp(proto, "https") == 0;
  bool unsafe = !safe_method(req->method);
  int rc = unsafe ? origin_check(req, err) : 0;
  if (rc) return rc;

  const char *cookie = lg_http_header_get(req, "Cookie");
  const char *authz = lg_http_header_get(req, "Authorization");
  if ((!cookie || !strstr(cookie, LG_AUTH_COOKIE "=")) && !authz) return 0; /* the public */
  lg_store_t *s = req->store;
  rc = lg_auth_authenticate(s, cookie, authz, &req->who, &req->session, err);
  if (rc == LG_EPERM) {
    if (any_credential) {
      lg_err_clear(err);
      req->stale_credential = true;
      return 0;
    }
    err->code = rc = LG_EAUTH; /* the message (expired, disabled ...) stays */
    lg_err_where(err, "%s", authz ? "Authorization" : "Cookie");
  }
  if (rc || !unsafe || any_credential) return rc;
  rc = lg_auth_csrf_check(&req->who, &req->session, req->method,
                          lg_http_header_get(req, LG_AUTH_CSRF_HEADER), err);
  if (rc) lg_err_where(err, "%s", LG_AUTH_CSRF_HEADER);
  return rc;
}

void lg_http_cookie_header(lg_http_req_t *req, lg_http_res_t *res, const lg_session_t *sess) {
  char v[256];
  if (sess)
    lg_auth_cookie_set(sess, req->secure, v, sizeof v);
  else
    lg_auth_cookie_clear(req->secure, v, sizeof v);
  lg_http_header_add(res, "Set-Cookie", v);
}

/* A denial of the public asks it to log in (401); of a user, 403. */
static int denied(const lg_http_req_t *req, int rc, lg_err_t *err) {
  if (rc == LG_EPERM && req->who.user_id == 0) {
    err->code = LG_EAUTH;
    lg_err_prefix(err, "请先登录: ");
    return LG_EAUTH;
  }
  return rc;
}

int lg_http_require(lg_http_req_t *req, const char *resource, const char *action,
                    const lg_object_ref_t *obj, lg_err_t *err) {
  req->decided = true;
  lg_store_t *s = req->store;
  return denied(req, lg_auth_require(s, &req->who, resource, action, obj, err), err);
}

int lg_http_scope(lg_http_req_t *req, const char *resource, const char *action, int *scope,
                  lg_err_t *err) {
  req->decided = true;
  *scope = LG_SCOPE_NONE;
  lg_store_t *s = req->store;
  int rc = lg_auth_scope(s, &req->who, resource, action, scope, err);
  /* A scope of none: lg_auth_require words the refusal. */
  if (rc == 0 && *scope == LG_SCOPE_NONE) rc = lg_http_require(req, resource, action, NULL, err);
  return rc;
}

void lg_http_open_route(lg_http_req_t *req) { req->decided = true; }

int lg_http_missing(lg_http_req_t *req, const char *resource, const char *action, int rc,
                    lg_err_t *err) {
  lg_err_t refused = {0};
  int denied_rc = lg_http_require(req, resource, action, NULL, &refused);
  if (denied_rc == 0) return rc;
  *err = refused;
  return denied_rc;
}
