/*
 * The compliance check, planning conflicts and the rule set over HTTP
 * (src/review):
 *
 *   POST /api/checks                   check a boundary; 201 with the report
 *        application/json     {"geometry": GeoJSON geometry, Feature or
 *                             FeatureCollection, "srs": EPSG (default: the
 *                             GeoJSON's "crs", else 4326), "use", "type",
 *                             "name", "make_valid", "save" (default true)}
 *        multipart/form-data  a "file" part (Ministry coordinate file,
 *                             GeoJSON, WKT or a Shapefile as .zip) and
 *                             fields use, type, name,
 *                             srs, parcel, make_valid, save
 *        anything else        the body is the file; fields in the query
 *   GET  /api/checks                   recent checks the caller may see (?limit=)
 *   GET  /api/checks/{id}              a saved report
 *   GET  /api/checks/{id}/report.html  the printable Chinese page
 *   GET  /api/checks/{id}/report.xlsx  the workbook
 *   GET  /api/checks/{id}/boundary     the checked boundary (GeoJSON, its CRS)
 *   POST /api/conflicts                {"a", "b", "match", "out", "replace"}
 *   GET  /api/rules                    the current rule set (?version=N)
 *   GET  /api/rules/history            its versions
 *   PUT  /api/rules                    a new version (body: the rule set)
 *
 * Permissions: the policy's "check" create for a check (the check belongs
 * to the caller's division and enterprise), "check" read on the saved
 * check's owner for reading one, its scope as an SQL filter for the list;
 * "layer" read for conflicts ("layer" create to write the pieces as a
 * layer); "rules" read and admin. A boundary that is not valid geometry
 * answers 400 with the error and the validation report beside it.
 *
 * Time: a check (its geometry validation included) and a conflicts
 * analysis are handed the request's deadline (limits.request_ms) and stop
 * past it; the server then answers 503. Uploads come as plain bodies or
 * as multipart/form-data, split by lg_http_multipart (request.c).
 */
#include "http/http_int.h"
#include "review/review.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- Parameters from JSON, multipart fields or the query ---------------- */

typedef struct params {
  char use[32], type[48], name[256];
  double srs, parcel;
  bool make_valid, save;
} params_t;

static void copy_field(lg_http_req_t *req, lg_http_form_t *f, const char *name, char *out,
                       size_t n) {
  const char *v = lg_http_form_str(req, f, name);
  snprintf(out, n, "%s", v ? v : "");
}

/* The check's parameters, from the form (lg_http_form_read). */
static int read_params(lg_http_req_t *req, lg_http_form_t *f, params_t *p, lg_err_t *err) {
  copy_field(req, f, "use", p->use, sizeof p->use);
  copy_field(req, f, "type", p->type, sizeof p->type);
  copy_field(req, f, "name", p->name, sizeof p->name);
  int rc;
  if ((rc = lg_http_form_bool(req, f, "make_valid", false, &p->make_valid, err)) ||
      (rc = lg_http_form_bool(req, f, "save", true, &p->save, err)) ||
      (rc = lg_http_form_num(req, f, "srs", 0, 0, 1000000, &p->srs, err)) ||
      (rc = lg_http_form_num(req, f, "parcel", 0, 0, 1000000, &p->parcel, err)))
    return rc;
  return 0;
}

/* ---- POST /api/checks ----------------------------------------------------- */

/* limits.json_depth for an uploaded file that is JSON (it starts with {
 * or [ after a BOM and blanks); other files are not scanned, since a zip's
 * bytes may hold any number of brackets. */
static int upload_depth_check(lg_http_req_t *req, const char *data, size_t len, const char *fname,
                              lg_err_t *err) {
  size_t i = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  while (i < len && strchr(" \t\r\n", data[i]) && data[i])
    i++;
  if (i == len || (data[i] != '{' && data[i] != '[')) return 0;
  return lg_http_json_depth_check(req, data + i, len - i, fname, err);
}

static int read_boundary(lg_http_req_t *req, params_t *p, lg_boundary_t *b, lg_err_t *err) {
  lg_review_boundary_init(b);
  lg_http_form_t f;
  int rc = lg_http_form_read(req, &f, err);
  if (rc == 0) rc = read_params(req, &f, p, err);
  lg_boundary_opts_t o = {.srs_id = (int)p->srs,
                          .parcel = (int)p->parcel,
                          .max_vertices = lg_http_limits(req)->geometry_vertices};
  if (rc == 0 && f.json) {
    const json_t *geom = json_object_get(f.fields, "geometry");
    if (!json_is_object(geom)) {
      rc = lg_err_set(err, LG_EINVAL,
                      "请求缺少 geometry (GeoJSON 几何、Feature 或 FeatureCollection)");
    } else {
      char *text = json_dumps(geom, JSON_COMPACT | JSON_REAL_PRECISION(17));
      rc = lg_review_boundary_parse(text, strlen(text), "请求中的 geometry", &o, b, err);
      free(text);
    }
  } else if (rc == 0) {
    const char *fname = f.file_name[0] ? f.file_name : "上传的边界文件";
    if (!f.file)
      rc = lg_err_set(err, LG_EINVAL, "multipart 请求缺少名为 file 的文件部分");
    else if (f.file_len == 0)
      rc = lg_err_set(err, LG_EINVAL,
                      "请求体为空: 请上传部标准坐标文件、GeoJSON、WKT 或 Shapefile 压缩包 (.zip)");
    /* An uploaded GeoJSON goes through jansson too: the same depth limit. */
    else if ((rc = upload_depth_check(req, f.file, f.file_len, fname, err)) == 0)
      rc = lg_review_boundary_parse(f.file, f.file_len, fname, &o, b, err);
  }
  lg_http_form_fini(&f);
  return rc;
}

static int post_check(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_object_ref_t me = {.division = req->who.division, .enterprise = req->who.enterprise};
  int rc = lg_http_require(req, "check", "create", &me, err);
  if (rc) return rc;
  lg_store_t *s = NULL;
  params_t p = {.save = true};
  lg_boundary_t b;
  lg_rules_t *rules = NULL;
  lg_checker_t *c = NULL;
  json_t *rep = NULL;
  if ((rc = read_boundary(req, &p, &b, err))) goto done;
  /* A check that is not kept only reads: the replica may answer it. */
  s = p.save ? req->store : lg_http_read_store(req, err);
  if (!s) {
    rc = err->code ? err->code : LG_EDB;
    goto done;
  }
  if ((rc = lg_review_rules_current(s, &rules, err))) goto done;
  if ((rc = lg_review_checker_new(s, rules, &c, err))) goto done;
  lg_check_opts_t o = {.repair_hint = "; 可勾选「自动修复无效的几何」后重新审查 (接口参数 "
                                      "make_valid=true), 报告会注明已修复",
                       .use = p.use[0] ? p.use : NULL,
                       .type = p.type[0] ? p.type : NULL,
                       .name = p.name[0] ? p.name : NULL,
                       .make_valid = p.make_valid,
                       .deadline = req->deadline};
  rc = lg_review_check(c, &b, &o, &rep, err);
  if (rc == LG_EGEOM && rep) {
    /* Show what is wrong with the boundary beside the error. */
    lg_http_json(res, lg_err_http_status(rc),
                 json_pack("{s:{s:s, s:s, s:s}, s:O}", "error", "code", lg_err_name(rc), "message",
                           err->msg, "detail", err->where, "report", rep));
    rc = 0;
    goto done;
  }
  if (rc) goto done;
  if (p.save) {
    lg_check_meta_t meta = {.actor = req->who.login[0] ? req->who.login : "system",
                            .role = req->who.role,
                            .division = req->who.division,
                            .enterprise = req->who.enterprise,
                            .user_id = req->who.user_id};
    int64_t id = 0;
    if ((rc = lg_review_check_save(s, &b, rep, &meta, &id, err))) goto done;
    char loc[64];
    snprintf(loc, sizeof loc, "/api/checks/%lld", (long long)id);
    lg_http_header_add(res, "Location", loc);
  }
  lg_http_json(res, p.save ? 201 : 200, json_incref(rep));
done:
  json_decref(rep);
  lg_review_checker_free(c);
  lg_review_rules_free(rules);
  lg_review_boundary_fini(&b);
  return rc;
}

/* ---- Saved checks ---------------------------------------------------------- */

static int check_id(lg_http_req_t *req, int64_t *id, lg_err_t *err) {
  const char *v = lg_http_param(req, "id");
  char *end;
  errno = 0;
  long long x = v ? strtoll(v, &end, 10) : 0;
  if (!v || errno || end == v || *end || x <= 0)
    return lg_err_set(err, LG_EINVAL, "审查编号应为正整数, 得到 \"%.40s\"", v ? v : "");
  *id = x;
  return 0;
}

/* The saved check, if req->who may read it. */
static int permitted_check(lg_http_req_t *req, lg_store_t **s, int64_t *id, lg_err_t *err) {
  int rc = check_id(req, id, err);
  if (rc) return rc;
  *s = req->store;
  char div[16], ent[64];
  int64_t uid = 0;
  rc = lg_review_check_owner(*s, *id, div, ent, &uid, err);
  if (rc == LG_ENOTFOUND) return lg_http_missing(req, "check", "read", rc, err);
  if (rc) return rc;
  lg_object_ref_t obj = {.division = div, .enterprise = ent[0] ? ent : NULL, .user_id = uid};
  return lg_http_require(req, "check", "read", &obj, err);
}

/* The saved report of /api/checks/{id}, once the asker may read it. */
static int permitted_report(lg_http_req_t *req, int64_t *id, json_t **rep, lg_err_t *err) {
  lg_store_t *s;
  int rc = permitted_check(req, &s, id, err);
  return rc ? rc : lg_review_check_get(s, *id, rep, err);
}

static int get_check(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  json_t *rep;
  int rc = permitted_report(req, &id, &rep, err);
  if (rc) return rc;
  lg_http_json(res, 200, rep);
  return 0;
}

static int get_check_html(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  json_t *rep;
  int rc = permitted_report(req, &id, &rep, err);
  if (rc) return rc;
  lg_buf_t b;
  lg_buf_init(&b);
  lg_review_report_html(rep, &b);
  json_decref(rep);
  lg_http_body_buf(res, 200, "text/html; charset=utf-8", &b);
  return 0;
}

static int get_check_xlsx(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int64_t id;
  json_t *rep;
  int rc = permitted_report(req, &id, &rep, err);
  if (rc) return rc;
  /* libxlsxwriter writes files: a private temporary one, read back. */
  char path[] = "/tmp/landgov-check-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    json_decref(rep);
    return lg_err_set(err, LG_EIO, "无法创建临时文件");
  }
  close(fd);
  rc = lg_review_report_xlsx(rep, path, err);
  json_decref(rep);
  char *data = NULL;
  size_t n = 0;
  if (rc == 0) rc = lg_file_read(path, &data, &n, err);
  unlink(path);
  if (rc) return rc;
  lg_http_body(res, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data,
               n);
  lg_free(data);
  char cd[96];
  snprintf(cd, sizeof cd, "attachment; filename=\"check-%lld.xlsx\"", (long long)id);
  lg_http_header_add(res, "Content-Disposition", cd);
  return 0;
}

static int get_check_boundary(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  int64_t id;
  int rc = permitted_check(req, &s, &id, err);
  if (rc) return rc;
  char *gj = NULL;
  int srs = 0;
  if ((rc = lg_review_check_geojson(s, id, &gj, &srs, err))) return rc;
  char *doc =
      lg_sprintf("{\"type\":\"Feature\",\"id\":%lld,\"crs\":{\"type\":\"name\",\"properties\":"
                 "{\"name\":\"urn:ogc:def:crs:EPSG::%d\"}},\"properties\":{},\"geometry\":%s}",
                 (long long)id, srs, gj);
  lg_free(gj);
  lg_http_body(res, 200, "application/geo+json; charset=utf-8", doc, strlen(doc));
  lg_free(doc);
  return 0;
}

static int list_checks(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "check", "read", &scope, err);
  if (rc) return rc;
  long long limit;
  if ((rc = lg_http_query_int(req, "limit", 100, 1, 1000, &limit, err))) return rc;
  lg_store_t *s = req->store;
  lg_auth_filter_t filter;
  lg_auth_filter_make(&req->who, scope, &filter);
  json_t *list = NULL;
  rc = lg_review_checks_list(s, (int)limit, &filter, &list, err);
  if (rc) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "checks", list));
  return 0;
}

/* ---- POST /api/conflicts ---------------------------------------------------- */

static int post_conflicts(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "layer", "read", NULL, err);
  if (rc) return rc;
  json_t *body = lg_http_body_json(req, err);
  if (!body) return err->code;
  const char *a = json_string_value(json_object_get(body, "a"));
  const char *b = json_string_value(json_object_get(body, "b"));
  const char *out = json_string_value(json_object_get(body, "out"));
  lg_store_t *s = NULL;
  lg_rules_t *rules = NULL;
  json_t *result = NULL;
  if (!a || !b) {
    rc = lg_err_set(err, LG_EINVAL, "请求需要 a 和 b 两个图层名");
    goto done;
  }
  if (out && (rc = lg_http_require(req, "layer", "create", NULL, err))) goto done;
  s = req->store;
  if ((rc = lg_review_rules_current(s, &rules, err))) goto done;
  /* One thread per request: the server's own pool already uses the cores. */
  lg_conflict_opts_t o = {.out_layer = out,
                          .replace = json_is_true(json_object_get(body, "replace")),
                          .match = json_is_true(json_object_get(body, "match")),
                          .threads = json_is_integer(json_object_get(body, "threads"))
                                         ? (int)json_integer_value(json_object_get(body, "threads"))
                                         : 1,
                          .deadline = req->deadline};
  if ((rc = lg_review_conflicts(s, rules, a, b, &o, &result, err))) goto done;
  lg_http_json(res, 200, result);
  result = NULL;
done:
  json_decref(result);
  lg_review_rules_free(rules);
  json_decref(body);
  return rc;
}

/* ---- Rule sets -------------------------------------------------------------- */

static int get_rules(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "rules", "read", NULL, err);
  if (rc) return rc;
  long long version;
  if ((rc = lg_http_query_int(req, "version", 0, 0, 1000000000, &version, err))) return rc;
  lg_store_t *s = req->store;
  lg_rules_t *r = NULL;
  rc = version > 0 ? lg_review_rules_get(s, (int)version, &r, err)
                   : lg_review_rules_current(s, &r, err);
  if (rc) return rc;
  lg_http_json(res, 200,
               json_pack("{s:i, s:O}", "version", lg_review_rules_version(r), "rules",
                         lg_review_rules_json(r)));
  lg_review_rules_free(r);
  return 0;
}

static int get_rules_history(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "rules", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *h;
  if ((rc = lg_review_rules_history(s, &h, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "versions", h));
  return 0;
}

static int put_rules(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "rules", "admin", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int v = 0;
  rc = lg_review_rules_save(s, req->body, req->who.login[0] ? req->who.login : "system",
                            lg_http_query(req, "note"), &v, err);
  if (rc) return rc;
  lg_http_json(res, 201, json_pack("{s:i}", "version", v));
  return 0;
}

const lg_http_route_t lg_http_routes_checks[] = {
    {"POST", "/api/checks", post_check},
    {"GET", "/api/checks", list_checks},
    {"GET", "/api/checks/{id}", get_check},
    {"GET", "/api/checks/{id}/report.html", get_check_html},
    {"GET", "/api/checks/{id}/report.xlsx", get_check_xlsx},
    {"GET", "/api/checks/{id}/boundary", get_check_boundary},
    {"POST", "/api/conflicts", post_conflicts},
    {"GET", "/api/rules", get_rules},
    {"GET", "/api/rules/history", get_rules_history},
    {"PUT", "/api/rules", put_rules},
    {0},
};
