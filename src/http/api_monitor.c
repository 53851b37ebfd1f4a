/*
 * Monitoring, alerts and enforcement over HTTP (src/monitor).
 *
 *   GET  /api/monitor/config                 verdicts, states, transitions (for forms)
 *   GET  /api/monitor/batches                the batches in the caller's scope
 *   POST /api/monitor/batches                multipart: "file" (GeoPackage, zipped
 *                                            Shapefile, GeoJSON), fields division, name,
 *                                            before_field, after_field, number_field, srs,
 *                                            detect ("true": detect at once)
 *   GET  /api/monitor/batches/{id}           a batch with its patches; ?geometry=true
 *   POST /api/monitor/batches/{id}/detect    {date?}: classify and raise the alerts
 *   GET  /api/monitor/alerts                 ?batch=&state=&date=
 *   GET  /api/monitor/alerts/{id}            an alert, its events and the moves open to it
 *   POST /api/monitor/alerts/{id}/moves      {to, reason}
 *   GET  /api/monitor/analytics              ?from=&to=: rates per county, seed 000's figures
 *
 * Permissions: policy resource "monitor" (read; create for imports and
 * detection; act for moves), decided on the batch's division as stored
 * (a county sees its own).
 */
#include "http/http_int.h"
#include "monitor/monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The object {id} names (a batch or an alert), if req->who may do action
 * on it; a stranger cannot tell what exists. */
static int permitted(lg_http_req_t *req, const char *type, const char *action, int64_t *id,
                     lg_err_t *err) {
  const char *t = lg_http_param(req, "id");
  char *end;
  long long v = t ? strtoll(t, &end, 10) : 0;
  int rc = 0;
  char division[16];
  if (!t || *end || v <= 0) rc = lg_err_set(err, LG_ENOTFOUND, "编号 \"%.40s\" 不存在", t ? t : "");
  if (rc == 0) rc = lg_monitor_division_of(req->store, type, v, division, err);
  if (rc) return lg_http_missing(req, "monitor", action, rc, err);
  *id = v;
  lg_object_ref_t obj = {.division = division};
  return lg_http_require(req, "monitor", action, &obj, err);
}

static int date_query(lg_http_req_t *req, const char *v, int32_t *day, lg_err_t *err) {
  *day = 0;
  if (v && *v && lg_date_parse(v, day, NULL) != 0) {
    lg_err_set(err, LG_EINVAL, "日期 \"%.40s\" 应为 YYYY-MM-DD", v);
    lg_err_where(err, "date");
    return LG_EINVAL;
  }
  (void)req;
  return 0;
}

static int get_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "monitor", "read", &scope, err);
  if (rc) return rc;
  json_t *c = json_loads(lg_monitor_config_default_json(), 0, NULL);
  if (!c) return lg_err_set(err, LG_EINTERNAL, "内置监测规则无法解析");
  json_t *o = json_pack("{s:O, s:O, s:O, s:I}", "verdicts", json_object_get(c, "verdicts"),
                        "states", json_object_get(c, "states"), "transitions",
                        json_object_get(c, "transitions"), "verify_workdays",
                        (json_int_t)lg_store_setting_int(req->store, "monitor.verify_workdays"));
  json_decref(c);
  lg_http_json(res, 200, o);
  return 0;
}

static int get_batches(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "monitor", "read", &scope, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_monitor_batches(req->store, &req->who, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_batch(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  bool geom = false;
  int rc = permitted(req, "batch", "read", &id, err);
  if (rc == 0) rc = lg_http_query_bool(req, "geometry", false, &geom, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_monitor_batch_get(req->store, id, geom, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int part_to_file(const lg_http_part_t *p, char path[96], lg_err_t *err) {
  const char *dot = strrchr(p->filename, '.');
  char ext[12] = "";
  if (dot && strlen(dot) < sizeof ext) {
    bool ok = true;
    for (const char *c = dot + 1; *c; c++)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
        ok = false;
    if (ok) snprintf(ext, sizeof ext, "%s", dot);
  }
  snprintf(path, 96, "/tmp/landgov-upload-XXXXXX%s", ext);
  int fd = mkstemps(path, (int)strlen(ext));
  if (fd < 0) return lg_err_set(err, LG_EIO, "无法创建临时文件");
  size_t done = 0;
  while (done < p->len) {
    ssize_t w = write(fd, p->data + done, p->len - done);
    if (w <= 0) {
      close(fd);
      unlink(path);
      return lg_err_set(err, LG_EIO, "无法写入临时文件");
    }
    done += (size_t)w;
  }
  close(fd);
  return 0;
}

/* The text of a plain field among parts, or NULL; caller frees. */
static char *field(const lg_http_part_t *parts, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(parts[i].name, name) && !parts[i].filename[0])
      return lg_strndup(parts[i].data, parts[i].len);
  return NULL;
}

static int post_batch(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  /* May this subject import at all? The batch's county is decided on by
   * the import. */
  int rc = lg_http_require(req, "monitor", "create", NULL, err);
  if (rc) return rc;
  const char *ctype = lg_http_header_get(req, "content-type");
  if (!ctype || strncasecmp(ctype, "multipart/form-data", 19))
    return lg_err_set(err, LG_EINVAL, "请以 multipart/form-data 上传 file (变化图斑文件)");
  lg_http_part_t parts[12];
  int n = 0;
  if ((rc = lg_http_multipart(ctype, req->body, req->body_len, parts, 12, &n, err))) return rc;
  char path[96] = "";
  const char *fname = NULL;
  for (int i = 0; rc == 0 && i < n && !path[0]; i++)
    if (!strcmp(parts[i].name, "file")) {
      rc = part_to_file(&parts[i], path, err);
      fname = parts[i].filename[0] ? parts[i].filename : "file";
    }
  if (rc == 0 && !path[0]) rc = lg_err_set(err, LG_EINVAL, "缺少名为 file 的变化图斑文件");
  char *division = field(parts, n, "division"), *name = field(parts, n, "name");
  char *before = field(parts, n, "before_field"), *after = field(parts, n, "after_field");
  char *number = field(parts, n, "number_field"), *srs = field(parts, n, "srs");
  char *detect = field(parts, n, "detect");
  lg_monitor_import_t o = {.path = path,
                           .source_name = fname,
                           .name = name,
                           .division = division,
                           .before_field = before,
                           .after_field = after,
                           .number_field = number,
                           .srs = srs ? atoi(srs) : 0,
                           .who = &req->who};
  int64_t id = 0;
  json_t *b = NULL;
  if (rc == 0) rc = lg_monitor_import_run(req->store, &o, &id, err);
  if (rc == 0 && detect && !strcmp(detect, "true"))
    rc = lg_monitor_detect(req->store, &req->who, id, 0, &b, err);
  else if (rc == 0)
    rc = lg_monitor_batch_get(req->store, id, false, &b, err);
  if (rc == 0) lg_http_json(res, 201, b);
  if (path[0]) unlink(path);
  lg_free(division);
  lg_free(name);
  lg_free(before);
  lg_free(after);
  lg_free(number);
  lg_free(srs);
  lg_free(detect);
  return rc;
}

static int post_detect(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  int32_t day = 0;
  int rc = permitted(req, "batch", "create", &id, err);
  if (rc) return rc;
  json_t *body = req->body_len ? lg_http_body_json(req, err) : json_object();
  if (!body) return err->code ? err->code : LG_EINVAL;
  rc = date_query(req, json_string_value(json_object_get(body, "date")), &day, err);
  json_decref(body);
  json_t *o = NULL;
  if (rc == 0) rc = lg_monitor_detect(req->store, &req->who, id, day, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_alerts(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  long long batch = 0;
  int32_t day = 0;
  int rc = lg_http_scope(req, "monitor", "read", &scope, err);
  if (rc == 0) rc = lg_http_query_int(req, "batch", 0, 0, INT64_MAX, &batch, err);
  if (rc == 0) rc = date_query(req, lg_http_query(req, "date"), &day, err);
  json_t *o = NULL;
  if (rc == 0)
    rc = lg_monitor_alerts(req->store, &req->who, batch, lg_http_query(req, "state"), day, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_alert(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  int rc = permitted(req, "alert", "read", &id, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_monitor_alert_get(req->store, id, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int post_move(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id = 0;
  int rc = permitted(req, "alert", "act", &id, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  rc = lg_monitor_alert_move(req->store, &req->who, id, json_string_value(json_object_get(b, "to")),
                             json_string_value(json_object_get(b, "reason")), err);
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0) rc = lg_monitor_alert_get(req->store, id, &o, err);
  if (rc) return rc;
  lg_http_json(res, 201, o);
  return 0;
}

static int get_analytics(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "monitor", "read", &scope, err);
  json_t *o = NULL;
  if (rc == 0)
    rc = lg_monitor_analytics(req->store, &req->who, lg_http_query(req, "from"),
                              lg_http_query(req, "to"), &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

const lg_http_route_t lg_http_routes_monitor[] = {
    {"GET", "/api/monitor/config", get_config},
    {"GET", "/api/monitor/batches", get_batches},
    {"POST", "/api/monitor/batches", post_batch},
    {"GET", "/api/monitor/batches/{id}", get_batch},
    {"POST", "/api/monitor/batches/{id}/detect", post_detect},
    {"GET", "/api/monitor/alerts", get_alerts},
    {"GET", "/api/monitor/alerts/{id}", get_alert},
    {"POST", "/api/monitor/alerts/{id}/moves", post_move},
    {"GET", "/api/monitor/analytics", get_analytics},
    {0},
};
