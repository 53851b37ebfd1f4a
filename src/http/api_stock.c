/*
 * Land after approval over HTTP (src/stock): the three ledgers, the idle
 * land JSON, the dashboard, the map, parcels, imports, visits, acts and
 * plans, the documents and photos.
 *
 *   GET  /api/stock/summary                 ?as_of=&division=
 *   GET  /api/stock/ledger/{kind}           unsupplied | unused | idle; ?as_of=&division=
 *                                           &status=&q=&format=xlsx (the workbook)
 *   GET  /api/stock/idle                    ?as_of=&status=: {as_of, parcels: [...]}
 *   GET  /api/stock/map/{what}              approvals | supplies | unsupplied;
 *                                           ?as_of=&bbox=&crs=3857|4490
 *   GET  /api/stock/config                  statuses, causes, methods, acts (for forms)
 *   GET  /api/stock/cases                   handed-over cases (to register a supply)
 *   POST /api/stock/import                  multipart: "sheet" (XLSX/CSV), "boundaries"
 *                                           (Ministry file, zipped shapefile, GeoJSON,
 *                                           GeoPackage), fields kind, layer, srs
 *   GET  /api/stock/supplies/{id}           a supply (id or 电子监管号); ?as_of=
 *   POST /api/stock/supplies                {case_id, supervision_no, ...}: from a case
 *   POST /api/stock/supplies/{id}/visits    JSON or multipart (fields and "photo" files)
 *   POST /api/stock/supplies/{id}/acts      {act, on, cause, method, new_date, amount, note}
 *   GET  /api/stock/approvals/{id}          an approval (id or 批准文号); ?as_of=
 *   POST /api/stock/approvals/{id}/acts     {act: "revoke", on, note}
 *   POST /api/stock/plans                   {kind, object_id, reason, method, unit, deadline}
 *   GET  /api/stock/files/{id}              a document (its printable HTML) or a photo
 *   POST /api/stock/refresh                 the layers' statuses as of today (admin)
 *
 * Permissions: policy resource "stock" (read, create for imports, visits
 * and supplies, act for acts and plans, admin for refresh), decided on
 * the parcel's division as stored (a county sees its own); lists are
 * filtered by the scope the policy grants.
 */
#include "cases/cases.h"
#include "files/files.h"
#include "http/http_int.h"
#include "stock/stock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The day of ?as_of=, or 0 (today). */
static int as_of(lg_http_req_t *req, int32_t *day, lg_err_t *err) {
  *day = 0;
  const char *t = lg_http_query(req, "as_of");
  if (t && *t && lg_stock_date_parse(t, day) != 0) {
    lg_err_set(err, LG_EINVAL, "参数 as_of \"%.40s\" 不是日期 (应为 YYYY-MM-DD)", t);
    lg_err_where(err, "as_of");
    return LG_EINVAL;
  }
  return 0;
}

/* The query of a list: the scope the policy grants, and the filters. */
static int list_query(lg_http_req_t *req, lg_store_t **s, lg_stock_query_t *q, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "stock", "read", &scope, err);
  if (rc) return rc;
  *s = req->store;
  memset(q, 0, sizeof *q);
  if ((rc = lg_stock_query_for(*s, &req->who, q, err))) return rc;
  if ((rc = as_of(req, &q->as_of, err))) return rc;
  q->division = lg_http_query(req, "division");
  q->status = lg_http_query(req, "status");
  q->q = lg_http_query(req, "q");
  return 0;
}

/* The parcel named by {id}, if req->who may do action on it. */
static int permitted(lg_http_req_t *req, const char *type, const char *action, lg_store_t **s,
                     int64_t *id, lg_err_t *err) {
  int rc;
  *s = req->store;
  char division[16];
  rc = lg_stock_find(*s, type, lg_http_param(req, "id"), id, err);
  if (rc == 0) rc = lg_stock_division_of(*s, type, *id, division, err);
  if (rc == LG_ENOTFOUND || rc == LG_EINVAL) {
    /* Decide first, so that a stranger cannot probe what exists. */
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "stock", "read", NULL, &e2);
    if (rc2) {
      *err = e2;
      return rc2;
    }
    return rc;
  }
  if (rc) return rc;
  lg_object_ref_t obj = {.division = division};
  return lg_http_require(req, "stock", action, &obj, err);
}

/* ---- Reading ---------------------------------------------------------------------------- */

static int get_summary(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_stock_query_t q;
  int rc = list_query(req, &s, &q, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_stock_summary(s, &q, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_ledger(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_stock_query_t q;
  int rc = list_query(req, &s, &q, err);
  if (rc) return rc;
  const char *kind = lg_http_param(req, "kind");
  const char *format = lg_http_query(req, "format");
  if (format && !strcmp(format, "xlsx")) {
    char path[] = "/tmp/landgov-stock-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return lg_err_set(err, LG_EIO, "无法创建临时文件");
    close(fd);
    rc = lg_stock_ledger_xlsx(s, kind, &q, path, err);
    char *data = NULL;
    size_t n = 0;
    if (rc == 0) rc = lg_file_read(path, &data, &n, err);
    unlink(path);
    if (rc) return rc;
    lg_http_body(res, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 data, n);
    lg_free(data);
    char cd[160];
    snprintf(cd, sizeof cd, "attachment; filename=\"stock-%s.xlsx\"", kind);
    lg_http_header_add(res, "Content-Disposition", cd);
    return 0;
  }
  json_t *o = NULL;
  if ((rc = lg_stock_ledger(s, kind, &q, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_idle(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_stock_query_t q;
  int rc = list_query(req, &s, &q, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_stock_idle_json(s, &q, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_map(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_stock_query_t q;
  int rc = list_query(req, &s, &q, err);
  if (rc) return rc;
  long long crs;
  if ((rc = lg_http_query_int(req, "crs", 3857, 1024, 999999, &crs, err))) return rc;
  double b[4];
  bool has;
  if ((rc = lg_http_query_numbers(req, "bbox", b, 4, &has, err))) return rc;
  lg_env_t box = {b[0], b[1], b[2], b[3]};
  lg_buf_t out;
  lg_buf_init(&out);
  rc = lg_stock_map_geojson(s, lg_http_param(req, "what"), &q, has ? &box : NULL, (int)crs, &out,
                            err);
  if (rc == 0) lg_http_body_buf(res, 200, "application/geo+json", &out);
  lg_buf_fini(&out);
  return rc;
}

static int get_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "stock", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *cfg = NULL;
  if ((rc = lg_stock_config(s, &cfg, err))) return rc;
  lg_http_json(res, 200, cfg);
  return 0;
}

static int get_cases(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_require(req, "stock", "create", NULL, err);
  if (rc == 0) rc = lg_http_scope(req, "case", "read", &scope, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  lg_case_filter_t f = {.status = "handed_over", .limit = 500};
  json_t *list = NULL;
  if ((rc = lg_cases_list(s, &req->who, scope, &f, &list, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "cases", list));
  return 0;
}

static int get_parcel(lg_http_req_t *req, lg_http_res_t *res, const char *type, lg_err_t *err) {
  lg_store_t *s;
  int64_t id;
  int rc = permitted(req, type, "read", &s, &id, err);
  int32_t day = 0;
  if (rc == 0) rc = as_of(req, &day, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_stock_get(s, type, id, day, &o, err);
  if (rc) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_supply(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return get_parcel(req, res, "supply", err);
}

static int get_approval(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return get_parcel(req, res, "approval", err);
}

static int get_file(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  const char *v = lg_http_param(req, "id");
  char *end;
  errno = 0;
  long long id = v ? strtoll(v, &end, 10) : 0;
  char type[16];
  int64_t owner = 0;
  if (!v || errno || end == v || *end || id <= 0)
    rc = lg_err_set(err, LG_EINVAL, "文件编号应为正整数");
  else
    rc = lg_stock_file_owner(s, id, type, &owner, err);
  char division[16];
  if (rc == 0) rc = lg_stock_division_of(s, type, owner, division, err);
  if (rc == LG_ENOTFOUND || rc == LG_EINVAL) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "stock", "read", NULL, &e2);
    if (rc2) {
      *err = e2;
      return rc2;
    }
    return rc;
  }
  if (rc) return rc;
  lg_object_ref_t obj = {.division = division};
  if ((rc = lg_http_require(req, "stock", "read", &obj, err))) return rc;
  lg_file_info_t info;
  if ((rc = lg_files_get(s, id, &info, err))) return rc;
  lg_buf_t b;
  lg_buf_init(&b);
  rc = lg_files_read_all(s, id, 64u << 20, &b, err);
  if (rc == 0) {
    /* The documents are landgov's own HTML; served as such, with their
     * recorded digest for whoever checks them against the ledger. */
    bool html = !strcmp(info.mime, "text/html");
    lg_http_body(res, 200,
                 html                               ? "text/html; charset=utf-8"
                 : !strcmp(info.mime, "image/png")  ? "image/png"
                 : !strcmp(info.mime, "image/jpeg") ? "image/jpeg"
                                                    : "application/octet-stream",
                 b.data, b.len);
    lg_http_header_add(res, "X-Content-SHA256", info.sha256);
    lg_http_header_add(res, "Content-Security-Policy",
                       "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'");
  }
  lg_buf_fini(&b);
  return rc;
}

/* ---- Uploads ---------------------------------------------------------------------------- */

/* A part written to a private temporary file that keeps the upload's
 * extension (the readers go by it). path[96]. */
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

static char *part_text(const lg_http_part_t *p) { return lg_strndup(p->data, p->len); }

static int post_import(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  /* May this subject import at all? Each row's county is decided on as
   * the import reads it. */
  int rc = lg_http_require(req, "stock", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  const char *ctype = lg_http_header_get(req, "content-type");
  if (!ctype || strncasecmp(ctype, "multipart/form-data", 19))
    return lg_err_set(err, LG_EINVAL,
                      "请以 multipart/form-data 上传 sheet (供地表格) 与 boundaries (边界文件)");
  lg_http_part_t parts[8];
  int n = 0;
  if ((rc = lg_http_multipart(ctype, req->body, req->body_len, parts, 8, &n, err))) return rc;
  char sheet[96] = "", bounds[96] = "";
  char *kind = NULL, *layer = NULL, *srs = NULL;
  const char *sheet_name = NULL, *bound_name = NULL;
  for (int i = 0; rc == 0 && i < n; i++) {
    if (!strcmp(parts[i].name, "sheet") && !sheet[0]) {
      rc = part_to_file(&parts[i], sheet, err);
      sheet_name = parts[i].filename[0] ? parts[i].filename : "sheet";
    } else if (!strcmp(parts[i].name, "boundaries") && !bounds[0]) {
      rc = part_to_file(&parts[i], bounds, err);
      bound_name = parts[i].filename[0] ? parts[i].filename : "boundaries";
    } else if (!strcmp(parts[i].name, "kind") && !kind) {
      kind = part_text(&parts[i]);
    } else if (!strcmp(parts[i].name, "layer") && !layer) {
      layer = part_text(&parts[i]);
    } else if (!strcmp(parts[i].name, "srs") && !srs) {
      srs = part_text(&parts[i]);
    }
  }
  if (rc == 0 && !sheet[0] && !(layer && *layer))
    rc = lg_err_set(err, LG_EINVAL, "缺少名为 sheet 的供地表格 (XLSX 或 CSV)");
  lg_stock_import_result_t r = {0};
  lg_stock_import_t o = {.kind = kind && *kind ? kind : "supplies",
                         .sheet_path = sheet[0] ? sheet : NULL,
                         .sheet_name = sheet_name,
                         .boundary_path = bounds[0] ? bounds : NULL,
                         .boundary_name = bound_name,
                         .layer = layer && *layer ? layer : NULL,
                         .srs = srs ? atoi(srs) : 0,
                         .who = &req->who};
  if (rc == 0) rc = lg_stock_import_run(s, &o, &r, err);
  if (rc == 0) rc = lg_stock_refresh(s, 0, err);
  if (rc == 0)
    lg_http_json(res, 200,
                 json_pack("{s:s, s:I, s:I, s:I, s:I, s:i}", "kind", o.kind, "rows",
                           (json_int_t)r.rows, "created", (json_int_t)r.created, "updated",
                           (json_int_t)r.updated, "unchanged", (json_int_t)r.unchanged, "srs_id",
                           r.srs));
  if (sheet[0]) unlink(sheet);
  if (bounds[0]) unlink(bounds);
  lg_free(kind);
  lg_free(layer);
  lg_free(srs);
  return rc;
}

static int post_supply(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "stock", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *body = lg_http_body_json(req, err);
  if (!body) return err->code ? err->code : LG_EINVAL;
  int64_t case_id = json_integer_value(json_object_get(body, "case_id"));
  lg_case_ref_t c;
  if (case_id <= 0) {
    rc = lg_err_set(err, LG_EINVAL, "缺少 case_id (已移交供地的案件)");
    lg_err_where(err, "case_id");
  } else {
    rc = lg_cases_ref(s, case_id, &c, err);
  }
  if (rc == 0) {
    /* The case itself: may the subject read it? */
    bool ok = false;
    rc = lg_cases_allowed(s, &req->who, &c, "read", &ok, NULL, err);
    if (rc == 0 && !ok) {
      lg_object_ref_t obj = {.division = c.division};
      rc = lg_http_require(req, "case", "read", &obj, err);
    }
  }
  int64_t id = 0;
  if (rc == 0) rc = lg_stock_supply_from_case(s, &req->who, case_id, body, &id, err);
  json_decref(body);
  json_t *o = NULL;
  /* The layers show the approval supplied now. */
  if (rc == 0) rc = lg_stock_refresh(s, 0, err);
  if (rc == 0) rc = lg_stock_get(s, "supply", id, 0, &o, err);
  if (rc) return rc;
  char loc[64];
  snprintf(loc, sizeof loc, "/api/stock/supplies/%lld", (long long)id);
  lg_http_header_add(res, "Location", loc);
  lg_http_json(res, 201, o);
  return 0;
}

static double num_field(const json_t *f, const char *k, int *rc, lg_err_t *err) {
  const json_t *v = json_object_get(f, k);
  if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) return -1;
  if (json_is_number(v)) return json_number_value(v);
  char *end;
  const char *t = json_string_value(v);
  double x = t ? strtod(t, &end) : 0;
  if (!t || end == t || *end) {
    if (*rc == 0) {
      *rc = lg_err_set(err, LG_EINVAL, "字段 %s 应为数值", k);
      lg_err_where(err, "%s", k);
    }
    return -1;
  }
  return x;
}

static int post_visit(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  int64_t id;
  int rc = permitted(req, "supply", "create", &s, &id, err);
  if (rc) return rc;
  const char *ctype = lg_http_header_get(req, "content-type");
  json_t *f = NULL;
  char paths[8][96];
  const char *photos[9] = {0}, *names[9] = {0};
  int np = 0;
  lg_http_part_t parts[24];
  if (ctype && !strncasecmp(ctype, "multipart/form-data", 19)) {
    int n = 0;
    if ((rc = lg_http_multipart(ctype, req->body, req->body_len, parts, 24, &n, err))) return rc;
    f = json_object();
    for (int i = 0; rc == 0 && i < n; i++) {
      if (!strcmp(parts[i].name, "photo") && parts[i].len) {
        if (np >= 8) {
          rc = lg_err_set(err, LG_ELIMIT, "一次核查最多上传 8 张照片");
          break;
        }
        if ((rc = part_to_file(&parts[i], paths[np], err))) break;
        photos[np] = paths[np];
        names[np] = parts[i].filename[0] ? parts[i].filename : "photo";
        np++;
      } else if (parts[i].name[0]) {
        char *t = part_text(&parts[i]);
        json_t *js = json_string(t);
        lg_free(t);
        if (!js)
          rc = lg_err_set(err, LG_EINVAL, "表单字段 %s 不是 UTF-8 文本", parts[i].name);
        else
          json_object_set_new(f, parts[i].name, js);
      }
    }
  } else {
    f = lg_http_body_json(req, err);
    if (!f) return err->code ? err->code : LG_EINVAL;
  }
  lg_stock_visit_t v = {
      .visited_on = json_string_value(json_object_get(f, "visited_on")),
      .stopped_since = json_string_value(json_object_get(f, "stopped_since")),
      .cause = json_string_value(json_object_get(f, "cause")),
      .started_on = json_string_value(json_object_get(f, "started_on")),
      .completed_on = json_string_value(json_object_get(f, "completed_on")),
      .officer = json_string_value(json_object_get(f, "officer")),
      .note = json_string_value(json_object_get(f, "note")),
      .photos = np ? photos : NULL,
      .photo_names = np ? names : NULL,
  };
  if (v.stopped_since && !*v.stopped_since) v.stopped_since = NULL;
  if (v.started_on && !*v.started_on) v.started_on = NULL;
  if (v.completed_on && !*v.completed_on) v.completed_on = NULL;
  v.developed_m2 = num_field(f, "developed_m2", &rc, err);
  v.invested_wan = num_field(f, "invested_wan", &rc, err);
  v.total_investment_wan = num_field(f, "total_investment_wan", &rc, err);
  int64_t vid = 0;
  if (rc == 0) rc = lg_stock_visit_add(s, &req->who, id, &v, &vid, err);
  for (int i = 0; i < np; i++)
    unlink(paths[i]);
  json_decref(f);
  json_t *o = NULL;
  if (rc == 0) rc = lg_stock_get(s, "supply", id, 0, &o, err);
  if (rc) return rc;
  json_object_set_new(o, "visit_id", json_integer(vid));
  lg_http_json(res, 201, o);
  return 0;
}

static int post_act(lg_http_req_t *req, lg_http_res_t *res, const char *type, lg_err_t *err) {
  lg_store_t *s;
  int64_t id;
  int rc = permitted(req, type, "act", &s, &id, err);
  if (rc) return rc;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  lg_stock_act_req_t a = {.object_type = type,
                          .object_id = id,
                          .act = json_string_value(json_object_get(b, "act")),
                          .on = json_string_value(json_object_get(b, "on")),
                          .cause = json_string_value(json_object_get(b, "cause")),
                          .method = json_string_value(json_object_get(b, "method")),
                          .new_date = json_string_value(json_object_get(b, "new_date")),
                          .note = json_string_value(json_object_get(b, "note"))};
  a.amount_yuan = num_field(b, "amount", &rc, err);
  int64_t act = 0;
  if (rc == 0) rc = lg_stock_act(s, &req->who, &a, &act, err);
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0) rc = lg_stock_get(s, type, id, 0, &o, err);
  if (rc) return rc;
  json_object_set_new(o, "act_id", json_integer(act));
  lg_http_json(res, 201, o);
  return 0;
}

static int post_supply_act(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return post_act(req, res, "supply", err);
}

static int post_approval_act(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return post_act(req, res, "approval", err);
}

static int post_plan(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "stock", "act", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = lg_http_body_json(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  const char *kind = json_string_value(json_object_get(b, "kind"));
  int64_t id = json_integer_value(json_object_get(b, "object_id"));
  /* The object's county decides (lg_stock_plan_set asks the policy). */
  rc = lg_stock_plan_set(s, &req->who, kind, id, json_string_value(json_object_get(b, "reason")),
                         json_string_value(json_object_get(b, "method")),
                         json_string_value(json_object_get(b, "unit")),
                         json_string_value(json_object_get(b, "deadline")), err);
  if (rc == 0)
    lg_http_json(res, 201, json_pack("{s:s, s:I}", "kind", kind, "object_id", (json_int_t)id));
  json_decref(b); /* kind was borrowed from it */
  return rc;
}

static int post_refresh(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "stock", "admin", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int32_t day = 0;
  if ((rc = as_of(req, &day, err)) || (rc = lg_stock_refresh(s, day, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:b}", "refreshed", 1));
  return 0;
}

const lg_http_route_t lg_http_routes_stock[] = {
    {"GET", "/api/stock/summary", get_summary},
    {"GET", "/api/stock/ledger/{kind}", get_ledger},
    {"GET", "/api/stock/idle", get_idle},
    {"GET", "/api/stock/map/{what}", get_map},
    {"GET", "/api/stock/config", get_config},
    {"GET", "/api/stock/cases", get_cases},
    {"POST", "/api/stock/import", post_import},
    {"GET", "/api/stock/supplies/{id}", get_supply},
    {"POST", "/api/stock/supplies", post_supply},
    {"POST", "/api/stock/supplies/{id}/visits", post_visit},
    {"POST", "/api/stock/supplies/{id}/acts", post_supply_act},
    {"GET", "/api/stock/approvals/{id}", get_approval},
    {"POST", "/api/stock/approvals/{id}/acts", post_approval_act},
    {"POST", "/api/stock/plans", post_plan},
    {"GET", "/api/stock/files/{id}", get_file},
    {"POST", "/api/stock/refresh", post_refresh},
    {0},
};
