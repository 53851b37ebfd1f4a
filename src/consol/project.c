/*
 * The project library (项目库): registration with the control-line
 * overlaps, the status steps 入库 -> 立项 -> 实施 -> 验收, and acceptance
 * posting the quotas produced to the quota bank (src/quota), each change
 * with its act row and its ledger entry in one transaction. The ledger
 * state of a project is proj_state below, computed from the row both
 * when an entry is written and when the auditor checks it.
 */
#include "consol/consol_int.h"
#include "quota/quota.h"

#include <stdio.h>
#include <string.h>

#define PROJ_COLS                                                                                  \
  "id, code, name, type, division, status, budget_fen, start_on, end_on, area_m2, srid, "          \
  "geom, controls, acceptance, note, created_at, created_by"

static const struct {
  const char *code, *title;
} statuses[] = {
    {"registered", "入库"}, {"approved", "立项"}, {"implementing", "实施"}, {"accepted", "验收"}};

const char *lg_consol_status_title(const char *status) {
  for (size_t i = 0; i < LG_ARRAY_LEN(statuses); i++)
    if (status && !strcmp(status, statuses[i].code)) return statuses[i].title;
  return "";
}

static int status_index(const char *status) {
  for (size_t i = 0; i < LG_ARRAY_LEN(statuses); i++)
    if (status && !strcmp(status, statuses[i].code)) return (int)i;
  return -1;
}

static bool is_console(const lg_subject_t *who) {
  return !who || !strcmp(who->role, "console") || !strcmp(who->role, "system");
}

static int c_require(lg_store_t *s, const lg_subject_t *who, const char *action,
                     const char *division, lg_err_t *err) {
  if (is_console(who)) return 0;
  lg_object_ref_t obj = {.division = division};
  return lg_auth_require(s, who, "consol", action, &obj, err);
}

static const char *actor_of(const lg_subject_t *who) {
  return who && who->login[0] ? who->login : "console";
}
static const char *role_of(const lg_subject_t *who) {
  return who && who->role[0] ? who->role : "console";
}

static json_t *col_json_text(lg_stmt_t *st, int i) {
  const char *t = lg_store_col_text(st, i);
  json_t *v = t ? json_loads(t, 0, NULL) : NULL;
  return v ? v : json_null();
}

/* The ledger state of the row st stands on (columns PROJ_COLS): every
 * column, the geometry by the digest of its WKB. */
static json_t *proj_state(lg_stmt_t *st) {
  size_t n;
  const unsigned char *wkb = lg_store_col_blob(st, 11, &n);
  lg_buf_t hex;
  lg_buf_init(&hex);
  for (size_t i = 0; i < n; i++)
    lg_buf_printf(&hex, "%02x", wkb[i]);
  json_t *h = json_string(hex.data ? hex.data : "");
  unsigned char d[32];
  char dh[65] = "";
  if (lg_ledger_digest_json(h, d, NULL) == 0)
    for (int i = 0; i < 32; i++)
      snprintf(dh + 2 * i, 3, "%02x", d[i]);
  json_decref(h);
  lg_buf_fini(&hex);
  const char *note = lg_store_col_text(st, 14);
  return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:f, s:i, s:s, s:o, s:o, "
                   "s:s?, s:s, s:s}",
                   "id", (json_int_t)lg_store_col_int(st, 0), "code", lg_store_col_text(st, 1),
                   "name", lg_store_col_text(st, 2), "type", lg_store_col_text(st, 3), "division",
                   lg_store_col_text(st, 4), "status", lg_store_col_text(st, 5), "budget_fen",
                   (json_int_t)lg_store_col_int(st, 6), "start_on", lg_store_col_text(st, 7),
                   "end_on", lg_store_col_text(st, 8), "area_m2", lg_store_col_real(st, 9), "srid",
                   (int)lg_store_col_int(st, 10), "geom_sha256", dh, "controls",
                   col_json_text(st, 12), "acceptance", col_json_text(st, 13), "note", note,
                   "created_at", lg_store_col_text(st, 15), "created_by",
                   lg_store_col_text(st, 16));
}

/* The ledger entry of a project's present row; inside the transaction. */
static int proj_record(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *action,
                       lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc =
      lg_store_prepare(s, "SELECT " PROJ_COLS " FROM lg_consol_projects WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) != LG_ROW) {
    rc = lg_store_fail(s, err, "读取整治项目");
    lg_store_done(st);
    return rc;
  }
  json_t *state = proj_state(st);
  char oid[24], div[16];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  snprintf(div, sizeof div, "%s", lg_store_col_text(st, 4));
  lg_store_done(st);
  lg_ledger_event_t ev = {.actor = actor_of(who),
                          .role = role_of(who),
                          .jurisdiction = div,
                          .action = action,
                          .object_type = "consol.project",
                          .object_id = oid,
                          .state = state};
  rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}

static int act_insert(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *act,
                      const char *from, const char *to, const char *document, const char *note,
                      lg_err_t *err) {
  lg_stmt_t *st = NULL;
  char at[32];
  lg_time_iso(lg_now(), at);
  int rc = lg_store_prepare(s,
                            "INSERT INTO lg_consol_acts(project_id, act, from_status, to_status,"
                            " document, note, at, actor, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  lg_store_bind_text(st, 2, act);
  lg_store_bind_text(st, 3, from);
  lg_store_bind_text(st, 4, to);
  lg_store_bind_text(st, 5, document && *document ? document : NULL);
  lg_store_bind_text(st, 6, note && *note ? note : NULL);
  lg_store_bind_text(st, 7, at);
  lg_store_bind_text(st, 8, actor_of(who));
  lg_store_bind_text(st, 9, role_of(who));
  return lg_store_run_done(st, "记录整治项目办理环节", err);
}

/* ---- Registration ------------------------------------------------------------ */

static int bad(lg_err_t *err, const char *field, const char *msg) {
  lg_err_set(err, LG_EINVAL, "%s", msg);
  lg_err_where(err, "%s", field);
  return LG_EINVAL;
}

static int check_new(const json_t *cfg, const lg_consol_project_new_t *p, char div[16],
                     int32_t *start, int32_t *end, lg_err_t *err) {
  if (!p->name || !*p->name) return bad(err, "name", "缺少项目名称 (name)");
  if (!p->type || !c_cfg_type(cfg, p->type))
    return bad(err, "type",
               "项目类型 (type) 应为 farmland (农用地整理), reclamation (建设用地复垦),"
               " ecological (生态保护修复) 或 heritage (乡村历史文化保护)");
  if (lg_auth_division_normalize(p->division, div, "项目所在行政区 (division)", err))
    return LG_EINVAL;
  if (strlen(div) < 6)
    return bad(err, "division", "项目所在行政区 (division) 应为县级 (6 位) 或乡镇 (9 位) 代码");
  if (p->budget_fen < 0) return bad(err, "budget_fen", "预算 (budget_fen, 分) 不能为负");
  if (!p->start_on || lg_date_parse(p->start_on, start, NULL))
    return bad(err, "start_on", "开工日期 (start_on) 应为 YYYY-MM-DD");
  if (!p->end_on || lg_date_parse(p->end_on, end, NULL))
    return bad(err, "end_on", "完工日期 (end_on) 应为 YYYY-MM-DD");
  if (*end < *start) return bad(err, "end_on", "完工日期 (end_on) 早于开工日期 (start_on)");
  if (!p->area) return bad(err, "area", "缺少项目区范围 (area)");
  return 0;
}

/* The project's area in the land-use layer's CRS (or its own, projected). */
static lg_geom_t *area_ready(lg_store_t *s, lg_geo_t *g, const lg_consol_project_new_t *p,
                             int *srid, lg_err_t *err) {
  lg_layer_info_t li = {0};
  int target = 0;
  if (lg_store_layer_by_role(s, "landuse", &li, NULL) == 0) target = li.srs_id;
  lg_store_layer_info_fini(&li);
  int from = p->srid ? p->srid : target;
  if (!target) target = from;
  if (!from || lg_crs_is_projected(g, target) != 1) {
    lg_err_set(err, LG_EINVAL,
               "项目区范围须给出投影坐标系 (srid, 如 EPSG:4526): 本库没有土地利用"
               "现状图层可供参照");
    lg_err_where(err, "srid");
    return NULL;
  }
  *srid = target;
  lg_geom_t *a = c_geom_ready(g, p->area, from, target, "项目区范围 (area) ", err);
  if (!a) lg_err_where(err, "area");
  return a;
}

static int next_code(lg_store_t *s, const char *div, int year, char out[64], lg_err_t *err) {
  char prefix[40];
  snprintf(prefix, sizeof prefix, "TZ%.6s-%04d-", div, year);
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(s, "SELECT count(*) FROM lg_consol_projects WHERE code LIKE ? || '%'",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, prefix);
  int64_t n = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : 0;
  lg_store_done(st);
  snprintf(out, 64, "%s%03lld", prefix, (long long)n + 1);
  return 0;
}

static int insert_project(lg_store_t *s, const lg_subject_t *who, const lg_consol_project_new_t *p,
                          const char *div, const char *code, lg_geo_t *g, const lg_geom_t *a,
                          int srid, const json_t *controls, int64_t *id, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  char at[32];
  size_t n = 0;
  lg_time_iso(lg_now(), at);
  unsigned char *wkb = lg_geom_to_wkb(g, a, &n);
  char *ctext = json_dumps(controls, JSON_COMPACT | JSON_SORT_KEYS);
  int rc = lg_store_prepare(
      s,
      "INSERT INTO lg_consol_projects(code, name, type, division, status, budget_fen, start_on,"
      " end_on, area_m2, srid, geom, controls, note, created_at, created_by)"
      " VALUES (?, ?, ?, ?, 'registered', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc == 0) {
    lg_store_bind_text(st, 1, code);
    lg_store_bind_text(st, 2, p->name);
    lg_store_bind_text(st, 3, p->type);
    lg_store_bind_text(st, 4, div);
    lg_store_bind_int(st, 5, p->budget_fen);
    lg_store_bind_text(st, 6, p->start_on);
    lg_store_bind_text(st, 7, p->end_on);
    lg_store_bind_real(st, 8, c_round2(lg_geom_area(g, a)));
    lg_store_bind_int(st, 9, srid);
    lg_store_bind_blob(st, 10, wkb, n);
    lg_store_bind_text(st, 11, ctext);
    lg_store_bind_text(st, 12, p->note && *p->note ? p->note : NULL);
    lg_store_bind_text(st, 13, at);
    lg_store_bind_text(st, 14, actor_of(who));
    rc = lg_store_insert_id(st, id, "登记整治项目", err);
    lg_store_done(st);
  }
  lg_free(wkb);
  free(ctext);
  return rc;
}

int lg_consol_project_register(lg_store_t *s, const lg_subject_t *who,
                               const lg_consol_project_new_t *p, int64_t *id_out, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  json_t *cfg = NULL, *controls = NULL;
  lg_geom_t *a = NULL;
  char div[16], code[64];
  int32_t start, end;
  int64_t id = 0;
  int srid = 0, y, m, d;
  int rc = lg_consol_config(s, &cfg, err);
  if (rc == 0) rc = check_new(cfg, p, div, &start, &end, err);
  if (rc == 0) rc = c_require(s, who, "create", div, err);
  if (rc) goto done;
  if (!(a = area_ready(s, g, p, &srid, err))) {
    rc = LG_EINVAL;
    goto done;
  }
  if ((rc = c_controls(s, g, a, srid, p->type, &controls, err))) goto done;
  lg_date_to_ymd(start, &y, &m, &d);
  if ((rc = lg_store_begin(s, err))) goto done;
  rc = next_code(s, div, y, code, err);
  if (rc == 0) rc = insert_project(s, who, p, div, code, g, a, srid, controls, &id, err);
  if (rc == 0) rc = act_insert(s, who, id, "register", NULL, "registered", NULL, p->note, err);
  if (rc == 0) rc = proj_record(s, who, id, "consol.project.register", err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id_out) *id_out = id;
done:
  lg_geom_free(g, a);
  json_decref(controls);
  json_decref(cfg);
  return rc;
}

/* ---- Reading ---------------------------------------------------------------------- */

static json_t *acts_of(lg_store_t *s, int64_t id, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  if (lg_store_prepare(s,
                       "SELECT act, from_status, to_status, document, note, at, actor, role"
                       " FROM lg_consol_acts WHERE project_id = ? ORDER BY id",
                       &st, err))
    return NULL;
  lg_store_bind_int(st, 1, id);
  json_t *a = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(a, json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s}", "act",
                                       lg_store_col_text(st, 0), "from", lg_store_col_text(st, 1),
                                       "to", lg_store_col_text(st, 2), "to_title",
                                       lg_consol_status_title(lg_store_col_text(st, 2)), "document",
                                       lg_store_col_text(st, 3), "note", lg_store_col_text(st, 4),
                                       "at", lg_store_col_text(st, 5), "actor",
                                       lg_store_col_text(st, 6), "role", lg_store_col_text(st, 7)));
  lg_store_done(st);
  return a;
}

static void add_titles(const json_t *cfg, json_t *o) {
  const json_t *t = c_cfg_type(cfg, json_string_value(json_object_get(o, "type")));
  json_object_set_new(o, "type_title",
                      json_string(t ? json_string_value(json_object_get(t, "title")) : ""));
  json_object_set_new(
      o, "status_title",
      json_string(lg_consol_status_title(json_string_value(json_object_get(o, "status")))));
}

int lg_consol_project_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  json_t *cfg = NULL, *o = NULL;
  lg_geo_t *g = lg_geo_thread();
  int rc = lg_consol_config(s, &cfg, err);
  if (rc == 0)
    rc = lg_store_prepare(s, "SELECT " PROJ_COLS " FROM lg_consol_projects WHERE id = ?", &st, err);
  if (rc) goto done;
  lg_store_bind_int(st, 1, id);
  if ((rc = lg_store_step(st)) != LG_ROW) {
    rc = rc < 0 ? lg_store_fail(s, err, "读取整治项目")
                : lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的整治项目", (long long)id);
    goto done;
  }
  o = proj_state(st);
  json_object_del(o, "geom_sha256");
  size_t n;
  const void *wkb = lg_store_col_blob(st, 11, &n);
  lg_geom_t *geom = lg_geom_from_wkb(g, wkb, n, NULL);
  char *gj = geom ? lg_geom_to_geojson(g, geom) : NULL;
  json_object_set_new(o, "geometry", gj ? json_loads(gj, 0, NULL) : json_null());
  lg_free(gj);
  lg_geom_free(g, geom);
  lg_store_done(st);
  st = NULL;
  add_titles(cfg, o);
  json_t *acts = acts_of(s, id, err);
  if (!acts) {
    rc = LG_EDB;
    goto done;
  }
  json_object_set_new(o, "acts", acts);
  *out = o;
  o = NULL;
  rc = 0;
done:
  lg_store_done(st);
  json_decref(o);
  json_decref(cfg);
  return rc;
}

int lg_consol_project_division(lg_store_t *s, int64_t id, char out[16], lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(s, "SELECT division FROM lg_consol_projects WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if ((rc = lg_store_step(st)) == LG_ROW) {
    snprintf(out, 16, "%s", lg_store_col_text(st, 0));
    rc = 0;
  } else {
    rc = rc < 0 ? lg_store_fail(s, err, "读取整治项目")
                : lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的整治项目", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

int lg_consol_projects(lg_store_t *s, const lg_auth_filter_t *vis, const char *status, json_t **out,
                       lg_err_t *err) {
  lg_stmt_t *st = NULL;
  json_t *cfg = NULL;
  int rc = lg_consol_config(s, &cfg, err);
  if (rc == 0)
    rc = lg_store_prepare(
        s,
        "SELECT id, code, name, type, division, status, budget_fen, start_on, end_on, area_m2"
        " FROM lg_consol_projects WHERE (?1 IS NULL OR status = ?1)"
        " AND (?2 = 'all' OR (?2 = 'jurisdiction' AND division LIKE ?3 || '%'))"
        " ORDER BY id DESC",
        &st, err);
  if (rc) {
    json_decref(cfg);
    return rc;
  }
  lg_store_bind_text(st, 1, status && *status ? status : NULL);
  lg_store_bind_text(st, 2, vis ? vis->kind : "all");
  lg_store_bind_text(st, 3, vis ? vis->division : "");
  json_t *list = json_array();
  while ((rc = lg_store_step(st)) == LG_ROW) {
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:f}", "id",
                  (json_int_t)lg_store_col_int(st, 0), "code", lg_store_col_text(st, 1), "name",
                  lg_store_col_text(st, 2), "type", lg_store_col_text(st, 3), "division",
                  lg_store_col_text(st, 4), "status", lg_store_col_text(st, 5), "budget_fen",
                  (json_int_t)lg_store_col_int(st, 6), "start_on", lg_store_col_text(st, 7),
                  "end_on", lg_store_col_text(st, 8), "area_m2", lg_store_col_real(st, 9));
    add_titles(cfg, o);
    json_array_append_new(list, o);
  }
  if (rc < 0) rc = lg_store_fail(s, err, "列出整治项目");
  lg_store_done(st);
  json_decref(cfg);
  if (rc) {
    json_decref(list);
    return rc;
  }
  *out = json_pack("{s:o}", "projects", list);
  return 0;
}

/* ---- Status steps ------------------------------------------------------------------ */

typedef struct prow {
  char code[64], name[256], type[32], division[16], status[16];
  double area_m2;
} prow_t;

static int row_load(lg_store_t *s, int64_t id, prow_t *r, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(
      s, "SELECT code, name, type, division, status, area_m2 FROM lg_consol_projects WHERE id = ?",
      &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if ((rc = lg_store_step(st)) == LG_ROW) {
    snprintf(r->code, sizeof r->code, "%s", lg_store_col_text(st, 0));
    snprintf(r->name, sizeof r->name, "%s", lg_store_col_text(st, 1));
    snprintf(r->type, sizeof r->type, "%s", lg_store_col_text(st, 2));
    snprintf(r->division, sizeof r->division, "%s", lg_store_col_text(st, 3));
    snprintf(r->status, sizeof r->status, "%s", lg_store_col_text(st, 4));
    r->area_m2 = lg_store_col_real(st, 5);
    rc = 0;
  } else {
    rc = rc < 0 ? lg_store_fail(s, err, "读取整治项目")
                : lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的整治项目", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

/* Sets the status (and the acceptance, when given) only if it is still
 * `from`: a concurrent step finds nothing to change. */
static int set_status(lg_store_t *s, int64_t id, const char *from, const char *to,
                      const char *acceptance, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(s,
                            "UPDATE lg_consol_projects SET status = ?, acceptance ="
                            " coalesce(?, acceptance) WHERE id = ? AND status = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, to);
  lg_store_bind_text(st, 2, acceptance);
  lg_store_bind_int(st, 3, id);
  lg_store_bind_text(st, 4, from);
  rc = lg_store_run(st, "更新整治项目状态", err);
  if (rc == 0 && lg_store_changes(st) != 1)
    rc = lg_err_set(err, LG_ECONFLICT, "整治项目 %lld 的状态已被他人改变, 请刷新后重试",
                    (long long)id);
  lg_store_done(st);
  return rc;
}

int lg_consol_project_advance(lg_store_t *s, const lg_subject_t *who, int64_t id, const char *to,
                              const char *document, const char *note, lg_err_t *err) {
  prow_t r;
  int rc = row_load(s, id, &r, err);
  if (rc) return rc;
  if ((rc = c_require(s, who, "act", r.division, err))) return rc;
  int ti = status_index(to), fi = status_index(r.status);
  if (ti == 3) return bad(err, "to", "验收须通过验收办理 (accept), 并填写验收文号和新增指标");
  if (ti < 0) return bad(err, "to", "目标状态 (to) 应为 approved (立项) 或 implementing (实施)");
  if (ti != fi + 1) {
    lg_err_set(err, LG_ECONFLICT,
               "整治项目 %s 现为「%s」, 不能转为「%s」: 状态须按 入库 → 立项 → "
               "实施 → 验收 逐步推进",
               r.code, lg_consol_status_title(r.status), lg_consol_status_title(to));
    lg_err_where(err, "to");
    return LG_ECONFLICT;
  }
  if (ti == 1 && (!document || !*document))
    return bad(err, "document", "立项须填写立项批复文号 (document)");
  if ((rc = lg_store_begin(s, err))) return rc;
  rc = set_status(s, id, r.status, to, NULL, err);
  if (rc == 0)
    rc = act_insert(s, who, id, ti == 1 ? "approve" : "implement", r.status, to, document, note,
                    err);
  if (rc == 0)
    rc = proj_record(s, who, id, ti == 1 ? "consol.project.approve" : "consol.project.implement",
                     err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

/* ---- Acceptance -------------------------------------------------------------------- */

static bool produces(const json_t *type, const char *kind) {
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(type, "produces"), i,
                     v) if (json_string_value(v) &&
                            !strcmp(json_string_value(v), kind)) return true;
  return false;
}

static int check_acceptance(const json_t *type, const prow_t *r, const lg_consol_acceptance_t *a,
                            int32_t *day, lg_err_t *err) {
  const struct {
    const char *kind, *field;
    int64_t v;
  } f[] = {{"cultivated_area", "cultivated_m2", a->cultivated_m2},
           {"cultivated_grain", "grain_kg", a->grain_kg},
           {"cultivated_paddy", "paddy_m2", a->paddy_m2},
           {"linkage_surplus", "linkage_m2", a->linkage_m2}};
  if (!a->document || !*a->document) return bad(err, "document", "验收须填写验收文号 (document)");
  if (a->accepted_on && *a->accepted_on) {
    if (lg_date_parse(a->accepted_on, day, NULL))
      return bad(err, "accepted_on", "验收日期 (accepted_on) 应为 YYYY-MM-DD");
  } else {
    *day = lg_date_of(lg_now(), LG_TZ_CHINA);
  }
  for (size_t i = 0; i < LG_ARRAY_LEN(f); i++) {
    if (f[i].v < 0) {
      lg_err_set(err, LG_EINVAL, "验收新增指标 %s 不能为负", f[i].field);
      lg_err_where(err, "%s", f[i].field);
      return LG_EINVAL;
    }
    if (f[i].v > 0 && !produces(type, f[i].kind)) {
      lg_err_set(err, LG_EINVAL, "%s项目 (%s) 不产生指标 %s, 验收时不能填写",
                 json_string_value(json_object_get(type, "title")), r->code, f[i].field);
      lg_err_where(err, "%s", f[i].field);
      return LG_EINVAL;
    }
  }
  if (a->paddy_m2 > a->cultivated_m2)
    return bad(err, "paddy_m2", "新增水田面积 (paddy_m2) 不能大于新增耕地面积 (cultivated_m2)");
  /* What the project produces lies within its area. */
  for (size_t i = 0; i < LG_ARRAY_LEN(f); i++) {
    if (strcmp(f[i].kind, "cultivated_grain") && (double)f[i].v > r->area_m2 + 0.5) {
      lg_err_set(err, LG_EINVAL,
                 "验收新增指标 %s (%lld 平方米) 大于项目区面积 (%.2f 平方米), 请核对验收测量",
                 f[i].field, (long long)f[i].v, r->area_m2);
      lg_err_where(err, "%s", f[i].field);
      return LG_EINVAL;
    }
  }
  return 0;
}

/* Posts the nonzero figures to the quota bank; movements into *moves. */
static int post_quotas(lg_store_t *s, const lg_subject_t *who, const prow_t *r,
                       const lg_consol_acceptance_t *a, int year, json_t *moves, lg_err_t *err) {
  const struct {
    const char *kind;
    int64_t v;
  } f[] = {{"cultivated_area", a->cultivated_m2},
           {"cultivated_grain", a->grain_kg},
           {"cultivated_paddy", a->paddy_m2},
           {"linkage_surplus", a->linkage_m2}};
  char county[8], project[400];
  snprintf(county, sizeof county, "%.6s", r->division);
  snprintf(project, sizeof project, "%s %s", r->code, r->name);
  for (size_t i = 0; i < LG_ARRAY_LEN(f); i++) {
    if (f[i].v <= 0) continue;
    lg_quota_op_t op = {.kind = f[i].kind,
                        .amount = f[i].v,
                        .to = county,
                        .year = year,
                        .document = a->document,
                        .project = project,
                        .note = "全域土地综合整治项目验收"};
    int64_t mid = 0;
    int rc = lg_quota_produce(s, who, &op, &mid, err);
    if (rc) {
      lg_err_prefix(err, "验收产生指标入库失败 (%s): ", f[i].kind);
      return rc;
    }
    json_array_append_new(moves, json_pack("{s:s, s:I, s:I}", "kind", f[i].kind, "amount",
                                           (json_int_t)f[i].v, "movement_id", (json_int_t)mid));
  }
  return 0;
}

int lg_consol_project_accept(lg_store_t *s, const lg_subject_t *who, int64_t id,
                             const lg_consol_acceptance_t *a, lg_err_t *err) {
  prow_t r;
  json_t *cfg = NULL, *acc = NULL;
  char *text = NULL;
  int32_t day = 0;
  int rc = row_load(s, id, &r, err);
  if (rc == 0) rc = c_require(s, who, "act", r.division, err);
  if (rc == 0) rc = lg_consol_config(s, &cfg, err);
  if (rc) goto done;
  if (strcmp(r.status, "implementing")) {
    rc = lg_err_set(err, LG_ECONFLICT, "整治项目 %s 现为「%s」, 只有实施中的项目可以验收%s", r.code,
                    lg_consol_status_title(r.status),
                    strcmp(r.status, "accepted") ? ""
                                                 : " (已验收的项目不能再次验收, 指标只产生一次)");
    goto done;
  }
  if ((rc = check_acceptance(c_cfg_type(cfg, r.type), &r, a, &day, err))) goto done;
  char on[11];
  int y, m, d;
  lg_date_format(day, on);
  lg_date_to_ymd(day, &y, &m, &d);
  json_t *moves = json_array();
  acc = json_pack("{s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:o, s:s?}", "document", a->document,
                  "accepted_on", on, "figures", "cultivated_m2", (json_int_t)a->cultivated_m2,
                  "grain_kg", (json_int_t)a->grain_kg, "paddy_m2", (json_int_t)a->paddy_m2,
                  "linkage_m2", (json_int_t)a->linkage_m2, "movements", moves, "note", a->note);
  if ((rc = lg_store_begin(s, err))) goto done;
  rc = post_quotas(s, who, &r, a, y, moves, err);
  if (rc == 0) {
    text = json_dumps(acc, JSON_COMPACT | JSON_SORT_KEYS);
    rc = set_status(s, id, "implementing", "accepted", text, err);
  }
  if (rc == 0)
    rc = act_insert(s, who, id, "accept", "implementing", "accepted", a->document, a->note, err);
  if (rc == 0) rc = proj_record(s, who, id, "consol.project.accept", err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
done:
  free(text);
  json_decref(acc);
  json_decref(cfg);
  return rc;
}

/* ---- Audit ------------------------------------------------------------------------- */

static int audit_projects(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc =
      lg_store_prepare(s, "SELECT " PROJ_COLS " FROM lg_consol_projects ORDER BY id", &st, err);
  if (rc) return rc;
  while (rc == 0 && (rc = lg_store_step(st)) == LG_ROW) {
    json_t *state = proj_state(st);
    unsigned char d[32];
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)lg_store_col_int(st, 0));
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  if (rc < 0 && rc != LG_DONE) rc = rc == LG_EDB ? lg_store_fail(s, err, "核对整治项目") : rc;
  lg_store_done(st);
  return rc > 0 ? 0 : rc;
}

static const lg_ledger_auditor_t a_project = {"consol.project", audit_projects};
static const lg_ledger_auditor_t a_config = {"consol.config", c_audit_config};
const lg_ledger_auditor_t *const lg_consol_auditors[] = {&a_project, &a_config, NULL};
