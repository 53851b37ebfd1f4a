/*
 * Filing a case. The boundary is read by the same code `landgov check`
 * uses (src/review: Ministry coordinate file, GeoJSON, WKT, OGR sources),
 * checked for validity (an invalid boundary would fail the compliance
 * check later, where the applicant can no longer fix it), and stored as a
 * GeoPackage blob in its own CRS with its SHA-256 (mutual recognition of
 * checks compares these), its planar area (when the CRS is projected) and
 * its ellipsoidal area on CGCS2000.
 *
 * The counties it lies in come from the county outline layers named in
 * the configuration (divisions.layers, "county" and "county_*" by default,
 * code field XZQDM): each outline's overlap with the boundary, in the
 * layer's CRS. A boundary reaching beyond every known outline is refused
 * (its jurisdiction cannot be told); a store without outlines takes the
 * county given, or the filer's. The county holding most of the boundary
 * leads the case unless one is named.
 *
 * Then, in one transaction: the case code (county-year-sequence), the
 * case row, its counties and materials, the process instance (deployed
 * first if the store has none), its first steps, the journal and the
 * ledger entry.
 */
#include "cases/cases_int.h"

#include <fnmatch.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo.h"
#include "review/review.h"

typedef struct div_area {
  char code[16];
  double m2;
} div_area_t;
typedef LG_VEC(div_area_t) div_vec_t;

static void div_add(div_vec_t *v, const char *code, double m2) {
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i].code, code)) {
      v->items[i].m2 += m2;
      return;
    }
  div_area_t d = {.m2 = m2};
  snprintf(d.code, sizeof d.code, "%s", code);
  lg_vec_push(v, d);
}

static int cmp_div(const void *a, const void *b) {
  const div_area_t *p = a, *q = b;
  if (p->m2 != q->m2) return p->m2 > q->m2 ? -1 : 1;
  return strcmp(p->code, q->code);
}

static bool polygonal(const char *geom_type) {
  return geom_type && strstr(geom_type, "POLYGON") != NULL;
}

static double area_in(lg_geo_t *g, const lg_geom_t *geom, int srs) {
  if (lg_crs_is_projected(g, srs) == 1) return lg_geom_area(g, geom);
  double m2 = 0;
  return lg_geom_area_ellipsoidal(g, geom, srs, &m2, NULL) == 0 ? m2 : 0;
}

/* Overlap of the boundary with the county outlines. *layers receives how
 * many outline layers there were, *total the boundary's area measured as
 * the outlines' overlaps are. */
static int divisions_of(lg_store_t *s, const json_t *cfg, const lg_geom_t *geom, int srs,
                        div_vec_t *out, int *layers, double *total, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  *layers = 0;
  *total = 0;
  lg_layer_info_t *infos = NULL;
  size_t n = 0;
  int rc = lg_store_layers(s, &infos, &n, err);
  if (rc) return rc;
  const char *field = cs_cfg_str(cfg, "divisions.code_field", "XZQDM");
  const json_t *pats = cs_cfg(cfg, "divisions.layers");
  for (size_t i = 0; i < n && rc == 0; i++) {
    bool match = false;
    size_t k;
    const json_t *p;
    json_array_foreach(pats, k, p) {
      if (json_is_string(p) && fnmatch(json_string_value(p), infos[i].name, 0) == 0) match = true;
    }
    if (!match || !polygonal(infos[i].geom_type)) continue;
    lg_geom_t *b = srs == infos[i].srs_id ? lg_geom_clone(g, geom)
                                          : lg_geom_transform(g, geom, srs, infos[i].srs_id, err);
    if (!b) {
      rc = err && err->code ? err->code : LG_ECRS;
      lg_err_prefix(err, "计算用地范围所在行政区 (图层 %s): ", infos[i].name);
      break;
    }
    (*layers)++;
    if (*layers == 1) *total = area_in(g, b, infos[i].srs_id);
    lg_env_t env;
    lg_geom_envelope(g, b, &env);
    lg_read_opts_t ro = {.bbox = &env};
    lg_store_reader_t *r = NULL;
    if ((rc = lg_store_reader_new(s, infos[i].name, &ro, &r, err)) == 0) {
      int fi = lg_store_reader_field_index(r, field);
      if (fi < 0)
        rc = lg_err_set(err, LG_EINVAL, "行政区界图层 %s 没有行政区代码字段 %s", infos[i].name,
                        field);
      int step = 0;
      while (rc == 0 && (step = lg_store_reader_next(r, err)) == 1) {
        size_t bn = 0;
        const void *blob = lg_store_reader_blob(r, &bn);
        const char *code = lg_store_reader_text(r, fi);
        char norm[16];
        if (!blob || !code || lg_auth_division_normalize(code, norm, NULL, NULL) != 0) continue;
        lg_geom_t *f = lg_geom_from_gpkg(g, blob, bn, NULL);
        if (!f) continue;
        lg_geom_t *x = lg_geom_intersects(g, f, b) ? lg_geom_intersection(g, f, b, NULL) : NULL;
        if (x) {
          double m2 = area_in(g, x, infos[i].srs_id);
          if (m2 > 0) div_add(out, norm, m2);
          lg_geom_free(g, x);
        }
        lg_geom_free(g, f);
      }
      if (rc == 0 && step < 0) rc = step;
      lg_store_reader_free(r);
    }
    lg_geom_free(g, b);
  }
  lg_store_layer_infos_free(infos, n);
  return rc;
}

static void sha256_hex(const void *data, size_t n, char out[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, data, n);
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The state of each checklist item as handed in. */
static int materials_in(const json_t *given, const json_t *checklist, json_t **states,
                        lg_err_t *err) {
  *states = json_object();
  size_t i;
  const json_t *item;
  json_array_foreach(checklist, i, item)
      json_object_set_new(*states, json_string_value(json_object_get(item, "kind")),
                          json_string(given ? "missing" : "submitted"));
  if (!given) return 0;
  if (!json_is_array(given))
    return lg_err_set(err, LG_EINVAL, "materials 应为材料种类的列表, 如 [\"application_form\"]");
  const json_t *m;
  json_array_foreach(given, i, m) {
    const char *kind =
        json_is_string(m) ? json_string_value(m) : json_string_value(json_object_get(m, "kind"));
    const char *state = json_is_object(m) ? json_string_value(json_object_get(m, "state")) : NULL;
    if (!state) state = "submitted";
    if (!kind || !json_object_get(*states, kind)) {
      lg_buf_t known;
      lg_buf_init(&known);
      const char *k;
      json_t *v;
      json_object_foreach(*states, k, v) lg_buf_printf(&known, "%s%s", known.len ? ", " : "", k);
      int rc = lg_err_set(err, LG_EINVAL, "材料种类 \"%s\" 不在本项目类型的清单中; 清单: %s",
                          kind ? kind : "(空)", known.data ? known.data : "");
      lg_err_where(err, "materials[%zu]", i);
      lg_buf_fini(&known);
      return rc;
    }
    if (strcmp(state, "submitted") && strcmp(state, "missing")) {
      lg_err_set(err, LG_EINVAL, "材料 %s 的状态 \"%s\" 无效: 申请时应为 submitted 或 missing",
                 kind, state);
      lg_err_where(err, "materials[%zu].state", i);
      return LG_EINVAL;
    }
    json_object_set_new(*states, kind, json_string(state));
  }
  return 0;
}

static int departments_in(lg_store_t *s, const json_t *given, const json_t *cfg, const char *type,
                          json_t **out, lg_err_t *err) {
  *out = given ? json_deep_copy(given) : cs_departments(cfg, type);
  if (!json_is_array(*out) || json_array_size(*out) == 0)
    return lg_err_set(err, LG_EINVAL, "联审部门 departments 应为非空的部门编码列表");
  size_t i;
  const json_t *d;
  json_array_foreach(*out, i, d) {
    bool found = false;
    const char *code = json_string_value(d);
    int rc = code ? lg_auth_dept_get(s, code, &found, NULL, err) : 0;
    if (rc) return rc;
    if (!found) {
      lg_err_set(err, LG_EINVAL, "联审部门 \"%s\" 不在部门表 lg_departments 中",
                 code ? code : "(非文本)");
      lg_err_where(err, "departments[%zu]", i);
      return LG_EINVAL;
    }
  }
  return 0;
}

static int check_facts(lg_store_t *s, const lg_case_new_t *c, lg_err_t *err) {
  if (!c->title || !*c->title) return lg_err_set(err, LG_EINVAL, "缺少项目名称 (title)");
  if (strlen(c->title) > 500) return lg_err_set(err, LG_EINVAL, "项目名称过长 (最多 500 字节)");
  if (!c->rating || strlen(c->rating) != 1 || c->rating[0] < 'A' || c->rating[0] > 'D')
    return lg_err_set(err, LG_EINVAL, "信用等级 (rating) 应为 A、B、C 或 D, 得到 \"%s\"",
                      c->rating ? c->rating : "");
  if (!isfinite(c->investment) || c->investment < 0)
    return lg_err_set(err, LG_EINVAL, "投资额 (investment, 元) 应为非负数");
  if (!c->project_type || !*c->project_type)
    return lg_err_set(err, LG_EINVAL, "缺少项目类型 (type)");
  lg_rules_t *r = NULL;
  int rc = lg_review_rules_current(s, &r, err);
  if (rc) return rc;
  const json_t *types = json_object_get(lg_review_rules_json(r), "project_types");
  if (!json_object_get(types, c->project_type)) {
    lg_buf_t known;
    lg_buf_init(&known);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)types, k, v)
        lg_buf_printf(&known, "%s%s", known.len ? ", " : "", k);
    rc = lg_err_set(err, LG_EINVAL, "项目类型 \"%s\" 不在规则集中; 可用: %s", c->project_type,
                    known.data ? known.data : "");
    lg_err_where(err, "type");
    lg_buf_fini(&known);
  }
  lg_review_rules_free(r);
  return rc;
}

static int read_boundary(const lg_case_new_t *c, lg_boundary_t *b, lg_err_t *err) {
  lg_boundary_opts_t o = {.srs_id = c->srs_id, .parcel = c->parcel};
  int rc;
  if (c->boundary_path)
    rc = lg_review_boundary_read(c->boundary_path, &o, b, err);
  else if (c->boundary_data && c->boundary_len)
    rc = lg_review_boundary_parse(c->boundary_data, c->boundary_len,
                                  c->boundary_name ? c->boundary_name : "用地范围", &o, b, err);
  else
    return lg_err_set(err, LG_EINVAL,
                      "缺少用地范围: 请提供部标准坐标文件、GeoJSON 或 WKT (boundary)");
  if (rc) return rc;
  lg_geo_t *g = lg_geo_thread();
  int npts = lg_geom_npoints(g, b->geom);
  if (c->max_vertices > 0 && npts > c->max_vertices)
    return lg_err_set(err, LG_ELIMIT, "用地范围有 %d 个点, 超过上限 %d (limits.geometry_vertices)",
                      npts, c->max_vertices);
  char reason[256];
  double x = NAN, y = NAN;
  if (!lg_geom_is_valid(g, b->geom, reason, &x, &y)) {
    lg_err_set(err, LG_EGEOM, "用地范围不是有效的面: %s; 请修正后再申请", reason);
    if (isfinite(x)) lg_err_where(err, "%s (%.3f, %.3f)", b->source, x, y);
    return LG_EGEOM;
  }
  return 0;
}

int lg_cases_create(lg_store_t *s, const lg_subject_t *who, const lg_case_new_t *c, int64_t *id,
                    lg_err_t *err) {
  if (id) *id = 0;
  if (sodium_init() < 0) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  lg_geo_t *g = lg_geo_thread();
  lg_boundary_t b;
  lg_review_boundary_init(&b);
  json_t *cfg = NULL, *checklist = NULL, *states = NULL, *depts = NULL, *vars = NULL;
  div_vec_t divs = {0};
  lg_buf_t blob;
  lg_buf_init(&blob);
  bool in_tx = false;
  int rc = check_facts(s, c, err);
  if (rc == 0) rc = lg_cases_config(s, &cfg, err);
  if (rc == 0) rc = read_boundary(c, &b, err);
  if (rc) goto done;

  /* Enterprise: an applicant files for itself. */
  const char *enterprise = c->enterprise;
  if (who && !strcmp(who->role, "applicant")) enterprise = who->enterprise;
  if (!enterprise || !*enterprise) {
    rc = lg_err_set(err, LG_EINVAL, "缺少申请企业 (enterprise, 统一社会信用代码)");
    goto done;
  }

  /* Areas and digest. */
  double planar = NAN, ell = NAN;
  if (lg_crs_is_projected(g, b.srs_id) == 1) planar = lg_geom_area(g, b.geom);
  if (lg_geom_area_ellipsoidal(g, b.geom, b.srs_id, &ell, err) != 0) {
    rc = err->code ? err->code : LG_ECRS;
    goto done;
  }
  lg_geom_to_gpkg(g, b.geom, b.srs_id, &blob);
  char digest[65];
  sha256_hex(blob.data, blob.len, digest);

  /* Jurisdictions. */
  int nlayers = 0;
  double total = 0;
  if ((rc = divisions_of(s, cfg, b.geom, b.srs_id, &divs, &nlayers, &total, err))) goto done;
  char lead[16] = "";
  if (c->division && *c->division &&
      (rc = lg_auth_division_normalize(c->division, lead, "division", err)))
    goto done;
  double min_m2 = json_number_value(cs_cfg(cfg, "divisions.min_m2"));
  double gap_tol = json_number_value(cs_cfg(cfg, "divisions.gap_tolerance_m2"));
  if (nlayers > 0) {
    double covered = 0;
    for (size_t i = 0; i < divs.len; i++)
      covered += divs.items[i].m2;
    if (total - covered > gap_tol) {
      rc = lg_err_set(err, LG_EINVAL,
                      "用地范围有 %.2f 平方米 (共 %.2f 平方米) 不在任何已知县级行政区界内, "
                      "无法确定管辖; 请核对坐标, 或导入相邻县的行政区界图层 (county_*)",
                      total - covered, total);
      goto done;
    }
    size_t kept = 0;
    for (size_t i = 0; i < divs.len; i++)
      if (divs.items[i].m2 >= min_m2) divs.items[kept++] = divs.items[i];
    divs.len = kept;
    qsort(divs.items, divs.len, sizeof *divs.items, cmp_div);
    if (divs.len == 0) {
      rc = lg_err_set(err, LG_EINVAL, "用地范围不在任何已知县级行政区界内");
      goto done;
    }
    if (lead[0]) {
      bool found = false;
      for (size_t i = 0; i < divs.len; i++)
        if (!strcmp(divs.items[i].code, lead)) found = true;
      if (!found) {
        rc = lg_err_set(err, LG_EINVAL, "指定的行政区 %s 与用地范围不相交 (范围位于 %s%s)", lead,
                        divs.items[0].code, divs.len > 1 ? " 等" : "");
        lg_err_where(err, "division");
        goto done;
      }
    } else {
      snprintf(lead, sizeof lead, "%s", divs.items[0].code);
    }
  } else {
    if (!lead[0] && who) snprintf(lead, sizeof lead, "%s", who->division);
    if (strlen(lead) != 6) {
      rc = lg_err_set(
          err, LG_EINVAL,
          "数据库中没有县级行政区界图层 (county), 请用 division 指定案件所属县 (6 位代码)");
      goto done;
    }
    div_add(&divs, lead, isfinite(planar) ? planar : ell);
    total = divs.items[0].m2;
  }
  if (divs.len > LG_CASE_MAX_DIVISIONS) {
    rc = lg_err_set(err, LG_ELIMIT, "用地范围跨越 %zu 个县, 超过上限 %d", divs.len,
                    LG_CASE_MAX_DIVISIONS);
    goto done;
  }

  /* May who file a case here, for this enterprise? */
  if (who) {
    lg_object_ref_t obj = {.division = lead, .enterprise = enterprise};
    if ((rc = lg_auth_require(s, who, "case", "create", &obj, err))) goto done;
  }

  checklist = cs_checklist(cfg, c->project_type);
  if ((rc = materials_in(c->materials, checklist, &states, err))) goto done;
  if ((rc = departments_in(s, c->departments, cfg, c->project_type, &depts, err))) goto done;
  if ((rc = lg_cases_ensure_process(s, err))) goto done;

  if ((rc = lg_store_begin(s, err))) goto done;
  in_tx = true;
  int64_t now = lg_now();
  char ts[32];
  lg_time_iso(now, ts);
  int year = cs_year(now);
  int64_t seq = 0;
  if ((rc = cs_counter_next(s, "case", lead, year, &seq, err))) goto done;
  char code[32];
  snprintf(code, sizeof code, "%s-%d-%06lld", lead, year, (long long)seq);
  json_t *jur = json_array();
  for (size_t i = 0; i < divs.len; i++)
    json_array_append_new(jur, json_string(divs.items[i].code));
  char *jur_text = cs_json_text(jur);
  char *dept_text = cs_json_text(depts);
  const char *actor = who && who->login[0] ? who->login : "system";

  lg_stmt_t *st;
  int64_t cid = 0;
  if ((rc = lg_store_prepare(
           s,
           "INSERT INTO lg_cases(code, title, project_type, use_code, enterprise,"
           " applicant, rating, investment, division, divisions, departments, boundary,"
           " srs_id, boundary_sha256, boundary_format, boundary_source, planar_m2,"
           " ellipsoidal_m2, status, created_at, created_by, user_id, updated_at)"
           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'submitted',?,?,?,?)"
           " RETURNING id",
           &st, err)) == 0) {
    lg_store_bind_text(st, 1, code);
    lg_store_bind_text(st, 2, c->title);
    lg_store_bind_text(st, 3, c->project_type);
    cs_bind_text(st, 4, c->use_code && *c->use_code ? c->use_code : NULL);
    lg_store_bind_text(st, 5, enterprise);
    cs_bind_text(st, 6, c->applicant && *c->applicant ? c->applicant : NULL);
    lg_store_bind_text(st, 7, c->rating);
    lg_store_bind_real(st, 8, c->investment);
    lg_store_bind_text(st, 9, lead);
    lg_store_bind_text(st, 10, jur_text);
    lg_store_bind_text(st, 11, dept_text);
    lg_store_bind_blob(st, 12, blob.data, blob.len);
    lg_store_bind_int(st, 13, b.srs_id);
    lg_store_bind_text(st, 14, digest);
    lg_store_bind_text(st, 15, b.format);
    lg_store_bind_text(st, 16, b.source);
    if (isfinite(planar)) lg_store_bind_real(st, 17, planar);
    lg_store_bind_real(st, 18, ell);
    lg_store_bind_text(st, 19, ts);
    lg_store_bind_text(st, 20, actor);
    if (who && who->user_id > 0) lg_store_bind_int(st, 21, who->user_id);
    lg_store_bind_text(st, 22, ts);
    rc = lg_store_insert_id(st, &cid, "保存案件失败", err);
  }
  lg_free(jur_text);
  lg_free(dept_text);
  if (rc) {
    json_decref(jur);
    goto done;
  }

  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_case_divisions(case_id, division, m2, share)"
                             " VALUES (?, ?, ?, ?)",
                             &st, err)) == 0) {
    for (size_t i = 0; i < divs.len && rc == 0; i++) {
      lg_store_bind_int(st, 1, cid);
      lg_store_bind_text(st, 2, divs.items[i].code);
      lg_store_bind_real(st, 3, divs.items[i].m2);
      lg_store_bind_real(st, 4, total > 0 ? fmin(1, divs.items[i].m2 / total) : 1);
      if (lg_store_step(st) != LG_DONE) rc = lg_store_fail(s, err, "保存案件行政区失败");
      lg_store_reset(st);
    }
    lg_store_done(st);
  }
  if (rc == 0 && (rc = lg_store_prepare(
                      s,
                      "INSERT INTO lg_case_materials(case_id, kind, name, core, required, basis,"
                      " state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      &st, err)) == 0) {
    size_t i;
    const json_t *item;
    json_array_foreach(checklist, i, item) {
      const char *kind = json_string_value(json_object_get(item, "kind"));
      const json_t *req = json_object_get(item, "required");
      lg_store_bind_int(st, 1, cid);
      lg_store_bind_text(st, 2, kind);
      lg_store_bind_text(st, 3, json_string_value(json_object_get(item, "name")));
      lg_store_bind_int(st, 4, json_is_true(json_object_get(item, "core")));
      lg_store_bind_int(st, 5, req ? json_is_true(req) : 1);
      cs_bind_text(st, 6, json_string_value(json_object_get(item, "basis")));
      lg_store_bind_text(st, 7, json_string_value(json_object_get(states, kind)));
      if (lg_store_step(st) != LG_DONE) {
        rc = lg_store_fail(s, err, "保存材料清单失败");
        break;
      }
      lg_store_reset(st);
    }
    lg_store_done(st);
  }
  if (rc) {
    json_decref(jur);
    goto done;
  }

  /* The process, with what it reads (processes/land-approval.bpmn). */
  char city[8], prov[4];
  snprintf(city, sizeof city, "%.4s", lead);
  snprintf(prov, sizeof prov, "%.2s", lead);
  vars = json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:o, s:s, s:s, s:O, s:s}", "case_id",
                   (json_int_t)cid, "code", code, "title", c->title, "project_type",
                   c->project_type, "rating", c->rating, "investment", c->investment, "enterprise",
                   enterprise, "jurisdiction", lead, "jurisdictions", jur, "city", city, "province",
                   prov, "departments", depts, "deferral_period",
                   cs_cfg_str(cfg, "deferral.period", "P20D"));
  if (c->use_code && *c->use_code) json_object_set_new(vars, "use_code", json_string(c->use_code));
  lg_flow_start_opts_t fo = {.key = cs_cfg_str(cfg, "process", "land_approval"),
                             .business_key = code,
                             .vars = vars,
                             .actor = actor};
  int64_t inst = 0;
  /* On failure the engine undid its own part (a savepoint); the case's
   * own writes go below. */
  if ((rc = lg_flow_start_ex(s, &fo, &inst, err))) goto done;
  if ((rc = lg_store_prepare(s, "UPDATE lg_cases SET instance_id = ? WHERE id = ?", &st, err)) ==
      0) {
    lg_store_bind_int(st, 1, inst);
    lg_store_bind_int(st, 2, cid);
    rc = lg_store_run_done(st, "保存案件流程失败", err);
  }
  if (rc == 0)
    rc = cs_event(s, cid, now, actor, who ? who->role : NULL, "create", 0, NULL,
                  json_pack("{s:s, s:O, s:s, s:s, s:I}", "code", code, "divisions",
                            json_object_get(vars, "jurisdictions"), "boundary_sha256", digest,
                            "boundary_format", b.format, "instance_id", (json_int_t)inst),
                  err);
  if (rc == 0) rc = cs_notify(s, cid, NULL, "submitted", now, actor, err);
  if (rc == 0) rc = cs_sync(s, cid, now, actor, err);
  if (rc == 0) rc = cs_record(s, cid, now, actor, who ? who->role : NULL, "case.create", err);
  if (rc == 0) rc = lg_store_commit(s, err);
  in_tx = false;
  if (rc == 0 && id) *id = cid;
done:
  if (in_tx || rc) lg_store_rollback(s);
  json_decref(vars);
  json_decref(depts);
  json_decref(states);
  json_decref(checklist);
  json_decref(cfg);
  lg_free(divs.items);
  lg_buf_fini(&blob);
  lg_review_boundary_fini(&b);
  return rc;
}
