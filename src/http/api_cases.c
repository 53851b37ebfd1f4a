/*
 * Approval cases, their tasks and processes over HTTP (src/cases,
 * src/flow):
 *
 *   POST /api/cases                   file a case; 201 with the case
 *        application/json    {"title", "type", "use", "enterprise", "applicant",
 *                            "rating", "investment", "division", "boundary":
 *                            GeoJSON geometry, Feature or FeatureCollection (or
 *                            WKT / a Ministry file as text), "srs", "parcel",
 *                            "materials": [kind ...] or [{"kind","state"}],
 *                            "departments": [code ...]}
 *        multipart/form-data a "file" part (Ministry coordinate file, GeoJSON
 *                            or WKT) and the same fields (lists comma-separated
 *                            or as JSON)
 *   GET  /api/cases                   ?status=&level=&department=&overdue=1
 *                                     &division=&limit=&offset=
 *   GET  /api/cases/{id}              one case (id or code)
 *   GET  /api/cases/{id}/timeline
 *   GET  /api/cases/{id}/materials
 *   POST /api/cases/{id}/materials    {"materials": [kind ...]}: handed in later
 *   GET  /api/tasks                   the caller's inbox
 *   GET  /api/tasks/{id}              one task
 *   POST /api/tasks/{id}              {"action", "reason", "vars"}
 *   GET  /api/tasks/unattended        open tasks no one can act on (无人办理)
 *                                     in the cases the caller reads
 *   POST /api/tasks/{id}/assign       {"login", "reason"}: an administrator
 *                                     gives the task to a staff account
 *   GET  /api/processes               every deployed definition
 *   GET  /api/processes/{key}/xml     BPMN XML (?version=N; default the latest)
 *   POST /api/processes               deploy BPMN XML (the body); admin
 *   GET  /api/public/cases/{code}     the public's view: status only
 *   POST /api/admin/tick              fire due timers now (reads the test
 *                                     clock, LANDGOV_CLOCK_FILE); admin
 *
 * Permissions (src/auth's policy): "case" read / create / act on the case
 * as stored, where a case crossing several counties belongs to each (so a
 * committee member of the neighbouring county reads it); "task" read and
 * act on a task's division and candidate groups (act needs the subject
 * in one of the groups); "process" read and admin; "progress" read for
 * the public page. A case or task that does not exist answers 404 only
 * after the caller was found allowed to look at such things at all.
 */
#include "cases/cases.h"
#include "flow/flow.h"
#include "http/http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Permission on a case (it belongs to every county it crosses) -------- */

static int require_case(lg_http_req_t *req, lg_store_t *s, const lg_case_ref_t *c,
                        const char *action, lg_err_t *err) {
  bool ok = false;
  char by[16];
  int rc = lg_cases_allowed(s, &req->who, c, action, &ok, by, err);
  if (rc) return rc;
  lg_object_ref_t obj = {.division = ok ? by : c->division,
                         .enterprise = c->enterprise[0] ? c->enterprise : NULL,
                         .user_id = c->user_id};
  return lg_http_require(req, "case", action, &obj, err);
}

/* The case named by {id} (an id or a code), if req->who may do action on it. */
static int permitted_case(lg_http_req_t *req, const char *action, lg_store_t **s, lg_case_ref_t *c,
                          lg_err_t *err) {
  int rc;
  *s = req->store;
  int64_t id = 0;
  rc = lg_cases_find(*s, lg_http_param(req, "id"), &id, err);
  if (rc == 0) rc = lg_cases_ref(*s, id, c, err);
  if (rc == LG_ENOTFOUND || rc == LG_EINVAL) return lg_http_missing(req, "case", "read", rc, err);
  if (rc) return rc;
  return require_case(req, *s, c, action, err);
}

/* ---- POST /api/cases ------------------------------------------------------------ */

/* A list field: a JSON array, or text "a,b" (a form field). New reference. */
static json_t *list_of(const json_t *v) {
  if (json_is_array(v)) return json_incref((json_t *)v);
  if (!json_is_string(v)) return NULL;
  const char *t = json_string_value(v);
  json_t *parsed = json_loads(t, 0, NULL);
  if (json_is_array(parsed)) return parsed;
  json_decref(parsed);
  json_t *arr = json_array();
  char *copy = lg_strdup(t);
  for (char *p = copy, *e; p; p = e) {
    e = strchr(p, ',');
    if (e) *e++ = '\0';
    lg_trim(p);
    if (*p) json_array_append_new(arr, json_string(p));
  }
  lg_free(copy);
  return arr;
}

static int post_case(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  /* May this subject file cases at all? The county is known only once the
   * boundary is read: lg_cases_create decides on it. */
  int rc = lg_http_require(req, "case", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  lg_http_form_t form;
  char *btext = NULL;
  const char *bdata = NULL, *bname = "用地范围";
  size_t blen = 0;
  json_t *materials = NULL, *depts = NULL, *o = NULL;
  if ((rc = lg_http_form_read(req, &form, err))) goto done;
  json_t *f = form.fields;
  if (!form.json) {
    if (!form.file || !form.file_len) {
      rc = lg_err_set(err, LG_EINVAL, "multipart 请求缺少名为 file 的用地范围文件");
      goto done;
    }
    bdata = form.file;
    blen = form.file_len;
    if (form.file_name[0]) bname = form.file_name;
  } else {
    const json_t *bd = json_object_get(f, "boundary");
    if (json_is_object(bd)) {
      btext = json_dumps(bd, JSON_COMPACT | JSON_REAL_PRECISION(17));
      bdata = btext;
      blen = strlen(btext);
      bname = "请求中的 boundary";
    } else if (json_is_string(bd)) {
      bdata = json_string_value(bd);
      blen = strlen(bdata);
      bname = "请求中的 boundary";
    } else {
      rc = lg_err_set(err, LG_EINVAL,
                      "请求缺少 boundary (GeoJSON 几何、Feature 或 FeatureCollection, 或 WKT)");
      lg_err_where(err, "boundary");
      goto done;
    }
  }
  double inv = 0, srs = 0, parcel = 0;
  if ((rc = lg_http_form_num(req, &form, "investment", 0, 0, 1e15, &inv, err)) ||
      (rc = lg_http_form_num(req, &form, "srs", 0, 0, 1000000, &srs, err)) ||
      (rc = lg_http_form_num(req, &form, "parcel", 0, 0, 1000000, &parcel, err)))
    goto done;
  materials = list_of(json_object_get(f, "materials"));
  depts = list_of(json_object_get(f, "departments"));
  lg_case_new_t c = {.title = json_string_value(json_object_get(f, "title")),
                     .project_type = json_string_value(json_object_get(f, "type")),
                     .use_code = json_string_value(json_object_get(f, "use")),
                     .enterprise = json_string_value(json_object_get(f, "enterprise")),
                     .applicant = json_string_value(json_object_get(f, "applicant")),
                     .rating = json_string_value(json_object_get(f, "rating")),
                     .investment = inv,
                     .division = json_string_value(json_object_get(f, "division")),
                     .boundary_data = bdata,
                     .boundary_len = blen,
                     .boundary_name = bname,
                     .srs_id = (int)srs,
                     .parcel = (int)parcel,
                     .materials = materials,
                     .departments = depts};
  int64_t id = 0;
  if ((rc = lg_cases_create(s, &req->who, &c, &id, err))) goto done;
  if ((rc = lg_cases_get(s, id, &o, err))) goto done;
  char loc[64];
  snprintf(loc, sizeof loc, "/api/cases/%lld", (long long)id);
  lg_http_header_add(res, "Location", loc);
  lg_http_json(res, 201, o);
  o = NULL;
done:
  free(btext);
  lg_http_form_fini(&form);
  json_decref(materials);
  json_decref(depts);
  json_decref(o);
  return rc;
}

/* ---- Reading cases ------------------------------------------------------------------ */

static int list_cases(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "case", "read", &scope, err);
  if (rc) return rc;
  long long limit, offset;
  if ((rc = lg_http_query_int(req, "limit", 100, 1, 1000, &limit, err)) ||
      (rc = lg_http_query_int(req, "offset", 0, 0, 1000000000, &offset, err)))
    return rc;
  bool overdue;
  if ((rc = lg_http_query_bool(req, "overdue", false, &overdue, err))) return rc;
  lg_store_t *s = req->store;
  lg_case_filter_t f = {.status = lg_http_query(req, "status"),
                        .level = lg_http_query(req, "level"),
                        .department = lg_http_query(req, "department"),
                        .overdue = overdue,
                        .division = lg_http_query(req, "division"),
                        .limit = (int)limit,
                        .offset = (int)offset};
  json_t *list = NULL;
  if ((rc = lg_cases_list(s, &req->who, scope, &f, &list, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "cases", list));
  return 0;
}

static int get_case(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_ref_t c;
  int rc = permitted_case(req, "read", &s, &c, err);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_cases_get(s, c.id, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_timeline(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_ref_t c;
  int rc = permitted_case(req, "read", &s, &c, err);
  if (rc) return rc;
  json_t *tl = NULL;
  if ((rc = lg_cases_timeline(s, c.id, &tl, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:s, s:o}", "code", c.code, "timeline", tl));
  return 0;
}

static int get_materials(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_ref_t c;
  int rc = permitted_case(req, "read", &s, &c, err);
  if (rc) return rc;
  json_t *m = NULL;
  if ((rc = lg_cases_materials(s, c.id, &m, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:s, s:o}", "code", c.code, "materials", m));
  return 0;
}

static int post_materials(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_ref_t c;
  int rc = permitted_case(req, "act", &s, &c, err);
  if (rc) return rc;
  json_t *body = req->body_len ? lg_http_body_json(req, err) : json_object();
  if (!body) return err->code ? err->code : LG_EINVAL;
  rc = lg_cases_supply(s, &req->who, c.id, json_object_get(body, "materials"), err);
  json_decref(body);
  json_t *m = NULL;
  if (rc == 0) rc = lg_cases_materials(s, c.id, &m, err);
  if (rc) return rc;
  lg_http_json(res, 200, json_pack("{s:s, s:o}", "code", c.code, "materials", m));
  return 0;
}

static int get_progress(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "progress", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *o = NULL;
  if ((rc = lg_cases_progress(s, lg_http_param(req, "code"), &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

/* ---- Tasks ------------------------------------------------------------------------- */

static int list_tasks(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "task", "read", &scope, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *list = NULL;
  if ((rc = lg_cases_inbox(s, &req->who, &list, err))) return rc;
  /* Offered to the caller's groups, which name its own division: within
   * any scope but none. */
  lg_http_json(res, 200, json_pack("{s:o}", "tasks", list));
  return 0;
}

static int permitted_task(lg_http_req_t *req, const char *action, lg_store_t **s,
                          lg_case_task_ref_t *t, lg_err_t *err) {
  int rc;
  *s = req->store;
  const char *v = lg_http_param(req, "id");
  char *end;
  errno = 0;
  long long id = v ? strtoll(v, &end, 10) : 0;
  if (!v || errno || end == v || *end || id <= 0) {
    rc = lg_err_set(err, LG_EINVAL, "任务编号应为正整数, 得到 \"%.40s\"", v ? v : "");
  } else {
    rc = lg_cases_task_ref(*s, id, t, err);
  }
  if (rc == LG_ENOTFOUND || rc == LG_EINVAL) return lg_http_missing(req, "task", "read", rc, err);
  if (rc) return rc;
  /* A task given to someone by name (claimed, or reassigned by an
   * administrator) is theirs whatever its groups. */
  bool held = t->task.assignee[0] && !strcmp(t->task.assignee, req->who.login);
  lg_object_ref_t obj = {.division = t->division,
                         .enterprise = t->c.enterprise[0] ? t->c.enterprise : NULL,
                         .groups = !strcmp(action, "act") && !held ? t->groups : NULL};
  return lg_http_require(req, "task", action, &obj, err);
}

static int get_task(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_task_ref_t t;
  int rc = permitted_task(req, "read", &s, &t, err);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_flow_task_json(s, t.task_id, &o, err))) return rc;
  json_object_set_new(o, "case_id", json_integer(t.c.id));
  json_object_set_new(o, "case_code", json_string(t.c.code));
  json_object_set_new(o, "division", json_string(t.division));
  lg_http_json(res, 200, o);
  return 0;
}

static int post_task(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_task_ref_t t;
  int rc = permitted_task(req, "act", &s, &t, err);
  if (rc) return rc;
  json_t *body = lg_http_body_json(req, err);
  if (!body) return err->code ? err->code : LG_EINVAL;
  const json_t *vars = json_object_get(body, "vars");
  rc = lg_cases_act(s, &req->who, t.task_id, json_string_value(json_object_get(body, "action")),
                    json_string_value(json_object_get(body, "reason")),
                    json_is_object(vars) ? vars : NULL, err);
  json_decref(body);
  json_t *o = NULL;
  if (rc == 0) rc = lg_cases_get(s, t.c.id, &o, err);
  if (rc) return rc;
  json_object_del(o, "boundary");
  lg_http_json(res, 200, o);
  return 0;
}

static int list_unattended(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "task", "read", NULL, err);
  json_t *list = NULL;
  if (rc == 0) rc = lg_cases_unattended(req->store, &req->who, &list, err);
  if (rc == 0) lg_http_json(res, 200, json_pack("{s:o}", "tasks", list));
  return rc;
}

static int post_assign(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_store_t *s;
  lg_case_task_ref_t t;
  int rc = permitted_task(req, "admin", &s, &t, err);
  if (rc) return rc;
  json_t *body = lg_http_body_json(req, err);
  if (!body) return err->code ? err->code : LG_EINVAL;
  rc = lg_cases_reassign(s, &req->who, t.task_id, json_string_value(json_object_get(body, "login")),
                         json_string_value(json_object_get(body, "reason")), err);
  json_decref(body);
  json_t *o = NULL;
  if (rc == 0) rc = lg_cases_get(s, t.c.id, &o, err);
  if (rc) return rc;
  json_object_del(o, "boundary");
  lg_http_json(res, 200, o);
  return 0;
}

/* ---- Processes ---------------------------------------------------------------------- */

static int list_processes(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "process", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *defs = NULL;
  if ((rc = lg_flow_definitions(s, &defs, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "processes", defs));
  return 0;
}

static int get_process_xml(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "process", "read", NULL, err);
  if (rc) return rc;
  long long version;
  if ((rc = lg_http_query_int(req, "version", 0, 0, 1000000, &version, err))) return rc;
  lg_store_t *s = req->store;
  char *xml = NULL;
  lg_flow_def_info_t info;
  if ((rc = lg_flow_definition_xml(s, lg_http_param(req, "key"), (int)version, &xml, &info, err)))
    return rc;
  lg_http_body(res, 200, "application/xml; charset=utf-8", xml, strlen(xml));
  lg_free(xml);
  char v[32];
  snprintf(v, sizeof v, "%d", info.version);
  lg_http_header_add(res, "X-Process-Version", v);
  return 0;
}

static int post_process(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "process", "admin", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  if (req->body_len == 0) return lg_err_set(err, LG_EINVAL, "请求体为空: 请提交 BPMN 2.0 XML");
  lg_flow_def_info_t info;
  if ((rc = lg_flow_deploy(s, req->body, req->body_len, req->who.login, &info, err))) return rc;
  lg_http_json(res, info.created ? 201 : 200,
               json_pack("{s:I, s:s, s:i, s:s, s:b}", "id", (json_int_t)info.id, "key", info.key,
                         "version", info.version, "name", info.name, "created", info.created));
  return 0;
}

/* ---- Time --------------------------------------------------------------------------- */

static int post_tick(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "process", "admin", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t now = lg_cases_clock_sync();
  int fired = 0;
  if ((rc = lg_cases_tick(s, now, &fired, err))) return rc;
  char iso[32];
  lg_time_iso(now, iso);
  lg_http_json(res, 200, json_pack("{s:s, s:i}", "now", iso, "fired", fired));
  return 0;
}

const lg_http_route_t lg_http_routes_cases[] = {
    {"POST", "/api/cases", post_case},
    {"GET", "/api/cases", list_cases},
    {"GET", "/api/cases/{id}", get_case},
    {"GET", "/api/cases/{id}/timeline", get_timeline},
    {"GET", "/api/cases/{id}/materials", get_materials},
    {"POST", "/api/cases/{id}/materials", post_materials},
    {"GET", "/api/tasks", list_tasks},
    {"GET", "/api/tasks/unattended", list_unattended},
    {"GET", "/api/tasks/{id}", get_task},
    {"POST", "/api/tasks/{id}/assign", post_assign},
    {"POST", "/api/tasks/{id}", post_task},
    {"GET", "/api/processes", list_processes},
    {"GET", "/api/processes/{key}/xml", get_process_xml},
    {"POST", "/api/processes", post_process},
    {"GET", "/api/public/cases/{code}", get_progress},
    {"POST", "/api/admin/tick", post_tick},
    {0},
};
