/*
 * The land-approval process's service tasks, bound by name
 * (lg_cases_register_handlers). Each runs inside the engine's transaction
 * for the action that reached it, finds its case by the instance's
 * business key (the case code), does its work on the case's tables,
 * journals it and appends the case's ledger entry, and leaves its result
 * in the instance's variables for the gateways that follow.
 */
#include "cases/cases_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geo/geo.h"
#include "review/review.h"

/* The case of a handler's instance, and the configuration. */
static int ctx_case(lg_flow_ctx_t *ctx, int64_t *case_id, json_t **cfg, lg_err_t *err) {
  lg_store_t *s = lg_flow_ctx_store(ctx);
  const char *code = lg_flow_ctx_business_key(ctx);
  int rc = code ? cs_case_of_code(s, code, case_id, err)
                : cs_case_of_instance(s, lg_flow_ctx_instance(ctx), case_id, err);
  if (rc == 0 && cfg) rc = lg_cases_config(s, cfg, err);
  return rc;
}

/* Journal and ledger for a handler's effect. detail is stolen. A handler
 * is the system's work (a service task), not the person whose action let
 * the process reach it: the system is its actor, and that person is named
 * as what triggered it. */
static int note(lg_flow_ctx_t *ctx, int64_t case_id, const char *event, const char *action,
                json_t *detail, lg_err_t *err) {
  lg_store_t *s = lg_flow_ctx_store(ctx);
  int64_t now = lg_flow_ctx_now(ctx);
  const char *by = lg_flow_ctx_actor(ctx);
  if (json_is_object(detail) && by && strcmp(by, "system"))
    json_object_set_new(detail, "triggered_by", json_string(by));
  int rc = cs_event(s, case_id, now, "system", NULL, event, 0, lg_flow_ctx_node(ctx), detail, err);
  if (rc == 0) rc = cs_record(s, case_id, now, "system", NULL, action, err);
  return rc;
}

/* Runs sql with ?1 = a, ?2 = b (either may be unused) and ?3 = case_id. */
static int exec_update(lg_store_t *s, const char *sql, int64_t case_id, const char *a,
                       const char *b, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  cs_bind_text(st, 1, a);
  cs_bind_text(st, 2, b);
  lg_store_bind_int(st, 3, case_id);
  return lg_store_run_done(st, "更新案件失败", err);
}

/* ---- compliance_check ------------------------------------------------------- */

typedef struct case_geo {
  char sha[65], type[64], use[32], title[512], division[16], enterprise[64], divisions[512];
  int srs;
  lg_buf_t blob;
} case_geo_t;

static int load_geo(lg_store_t *s, int64_t id, case_geo_t *c, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT boundary_sha256, project_type, coalesce(use_code, ''), title,"
                            " division, coalesce(enterprise, ''), divisions, srs_id, boundary"
                            " FROM lg_cases WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    snprintf(c->sha, sizeof c->sha, "%s", lg_store_col_text(st, 0));
    snprintf(c->type, sizeof c->type, "%s", lg_store_col_text(st, 1));
    snprintf(c->use, sizeof c->use, "%s", lg_store_col_text(st, 2));
    snprintf(c->title, sizeof c->title, "%s", lg_store_col_text(st, 3));
    snprintf(c->division, sizeof c->division, "%s", lg_store_col_text(st, 4));
    snprintf(c->enterprise, sizeof c->enterprise, "%s", lg_store_col_text(st, 5));
    snprintf(c->divisions, sizeof c->divisions, "%s", lg_store_col_text(st, 6));
    c->srs = lg_store_col_int(st, 7);
    lg_buf_append(&c->blob, lg_store_col_blob(st, 8, NULL), (size_t)lg_store_col_bytes(st, 8));
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

/* 标准互认: a check of the same boundary, type, use and rule set that
 * passed (or passed with conditions) for one of this case's counties. */
static int find_recognised(lg_store_t *s, const case_geo_t *c, int version, int64_t *check_id,
                           int64_t *from_case, char division[16], char code[64], lg_err_t *err) {
  *check_id = 0;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT k.check_id, k.case_id, k.division, c.code FROM lg_case_checks k"
                            " JOIN lg_cases c ON c.id = k.case_id"
                            " WHERE k.boundary_sha256 = ?1 AND k.rule_set_version = ?2"
                            " AND k.project_type IS NOT DISTINCT FROM ?3"
                            " AND k.use_code IS NOT DISTINCT FROM ?4"
                            " AND k.verdict IN ('pass', 'conditional') AND k.reused = 0"
                            /* ?5 is the JSON array of the case's county codes (digits). */
                            " AND ?5 LIKE '%\"' || k.division || '\"%'"
                            " ORDER BY k.id LIMIT 1",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, c->sha);
  lg_store_bind_int(st, 2, version);
  lg_store_bind_text(st, 3, c->type);
  cs_bind_text(st, 4, c->use[0] ? c->use : NULL);
  lg_store_bind_text(st, 5, c->divisions);
  if (lg_store_step(st) == LG_ROW) {
    *check_id = lg_store_col_int(st, 0);
    *from_case = lg_store_col_int(st, 1);
    snprintf(division, 16, "%s", lg_store_col_text(st, 2));
    snprintf(code, 64, "%s", lg_store_col_text(st, 3));
  }
  lg_store_done(st);
  return 0;
}

static int h_compliance_check(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  (void)ud;
  lg_store_t *s = lg_flow_ctx_store(ctx);
  int64_t case_id = 0, check_id = 0, from_case = 0;
  case_geo_t c = {0};
  lg_buf_init(&c.blob);
  lg_rules_t *rules = NULL;
  lg_checker_t *checker = NULL;
  lg_boundary_t b;
  lg_review_boundary_init(&b);
  json_t *rep = NULL;
  char from_div[16] = "", from_code[64] = "";
  int rc = ctx_case(ctx, &case_id, NULL, err);
  if (rc == 0) rc = load_geo(s, case_id, &c, err);
  if (rc == 0) rc = lg_review_rules_current(s, &rules, err);
  if (rc) goto done;
  int version = lg_review_rules_version(rules);
  if ((rc = find_recognised(s, &c, version, &check_id, &from_case, from_div, from_code, err)))
    goto done;
  bool reused = check_id > 0;
  if (reused) {
    if ((rc = lg_review_check_get(s, check_id, &rep, err))) goto done;
  } else {
    lg_geo_t *g = lg_geo_thread();
    lg_geom_t *geom = lg_geom_from_gpkg(g, c.blob.data, c.blob.len, err);
    if (!geom) {
      rc = err && err->code ? err->code : LG_EGEOM;
      goto done;
    }
    char src[64];
    snprintf(src, sizeof src, "案件 %s", lg_flow_ctx_business_key(ctx));
    if ((rc = lg_review_boundary_from_geom(geom, c.srs, src, &b, err))) goto done;
    if ((rc = lg_review_checker_new(s, rules, &checker, err))) goto done;
    lg_check_opts_t o = {.use = c.use[0] ? c.use : NULL, .type = c.type, .name = c.title};
    if ((rc = lg_review_check(checker, &b, &o, &rep, err))) goto done;
    lg_check_meta_t meta = {.actor = lg_flow_ctx_actor(ctx),
                            .division = c.division,
                            .enterprise = c.enterprise[0] ? c.enterprise : NULL};
    if ((rc = lg_review_check_save(s, &b, rep, &meta, &check_id, err))) goto done;
  }
  const char *verdict = json_string_value(json_object_get(rep, "verdict"));
  if (!verdict) verdict = "prohibited";
  /* Record it, reused or not, so the next member can recognise it. */
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_case_checks(case_id, check_id, boundary_sha256,"
                             " project_type, use_code, rule_set_version, division, verdict, reused,"
                             " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err)))
    goto done;
  char ts[32];
  lg_time_iso(lg_flow_ctx_now(ctx), ts);
  lg_store_bind_int(st, 1, case_id);
  lg_store_bind_int(st, 2, check_id);
  lg_store_bind_text(st, 3, c.sha);
  lg_store_bind_text(st, 4, c.type);
  cs_bind_text(st, 5, c.use[0] ? c.use : NULL);
  lg_store_bind_int(st, 6, version);
  lg_store_bind_text(st, 7, c.division);
  lg_store_bind_text(st, 8, verdict);
  lg_store_bind_int(st, 9, reused);
  lg_store_bind_text(st, 10, ts);
  if ((rc = lg_store_run_done(st, "记录案件审查失败", err))) goto done;
  if ((rc = lg_store_prepare(s, "UPDATE lg_cases SET check_id = ?, verdict = ? WHERE id = ?", &st,
                             err)))
    goto done;
  lg_store_bind_int(st, 1, check_id);
  lg_store_bind_text(st, 2, verdict);
  lg_store_bind_int(st, 3, case_id);
  if ((rc = lg_store_run_done(st, "更新案件失败", err))) goto done;

  /* What the gateways and people need: the verdict, and for a refusal
   * the rules that refused it. */
  json_t *reasons = json_array();
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(rep, "reasons"), i, r) {
    const char *eff = json_string_value(json_object_get(r, "effect"));
    if (eff && strcmp(eff, "pass"))
      json_array_append_new(
          reasons, json_pack("{s:O, s:O, s:O}", "rule", json_object_get(r, "rule"), "effect",
                             json_object_get(r, "effect"), "text", json_object_get(r, "text")));
  }
  json_t *check = json_pack(
      "{s:s, s:I, s:i, s:b, s:O, s:o, s:O}", "verdict", verdict, "check_id", (json_int_t)check_id,
      "rule_set_version", version, "reused", reused, "verdict_title",
      json_object_get(rep, "verdict_title") ? json_object_get(rep, "verdict_title") : json_null(),
      "reasons", reasons, "area_m2",
      json_object_get(json_object_get(rep, "area"), "planar_m2")
          ? json_object_get(json_object_get(rep, "area"), "planar_m2")
          : json_null());
  if (reused) {
    json_object_set_new(check, "recognised_from_case", json_integer(from_case));
    json_object_set_new(check, "recognised_from_code", json_string(from_code));
    json_object_set_new(check, "recognised_division", json_string(from_div));
  }
  json_object_set(lg_flow_ctx_vars(ctx), "check", check);
  rc = note(ctx, case_id, "check", "case.check", check, err);
done:
  json_decref(rep);
  lg_review_checker_free(checker);
  lg_review_rules_free(rules);
  lg_review_boundary_fini(&b);
  lg_buf_fini(&c.blob);
  return rc;
}

/* ---- approval_authority ------------------------------------------------------- */

static int level_rank(const char *l) {
  static const char *const order[] = {"none",     "county",   "city",
                                      "province", "ministry", "state_council"};
  for (int i = 0; l && i < (int)LG_ARRAY_LEN(order); i++)
    if (!strcmp(order[i], l)) return i;
  return -1;
}

static const char *rank_level(int r) {
  static const char *const order[] = {"none",     "county",   "city",
                                      "province", "ministry", "state_council"};
  return r >= 0 && r < (int)LG_ARRAY_LEN(order) ? order[r] : "city";
}

static int h_approval_authority(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  (void)ud;
  lg_store_t *s = lg_flow_ctx_store(ctx);
  json_t *vars = lg_flow_ctx_vars(ctx), *cfg = NULL, *rep = NULL;
  int64_t case_id = 0;
  int rc = ctx_case(ctx, &case_id, &cfg, err);
  if (rc) return rc;
  json_int_t check_id =
      json_integer_value(json_object_get(json_object_get(vars, "check"), "check_id"));
  if (check_id <= 0) {
    rc = lg_err_set(err, LG_EINVAL, "确定审批权限需要先完成合规审查 (变量 check.check_id)");
    goto done;
  }
  if ((rc = lg_review_check_get(s, check_id, &rep, err))) goto done;
  const json_t *a = json_object_get(rep, "authority");
  const char *conv = json_string_value(json_object_get(a, "conversion"));
  const char *expr = json_string_value(json_object_get(a, "expropriation"));
  /* Land Administration Law art. 44 and 46: the higher of the two
   * authorities approves; a county-level conversion goes to the city,
   * the lowest level this process approves at (routing.min_level). */
  int r = LG_MAX(level_rank(conv), level_rank(expr));
  r = LG_MAX(r, level_rank(cs_cfg_str(cfg, "routing.min_level", "city")));
  const char *level = rank_level(r);
  json_t *articles = json_array();
  const json_t *arts = json_object_get(a, "articles");
  json_array_extend(articles, json_object_get(arts, "conversion"));
  json_array_extend(articles, json_object_get(arts, "expropriation"));
  json_t *authority = json_pack(
      "{s:s, s:s, s:s?, s:s?, s:o, s:O, s:s}", "level", level, "level_title",
      lg_cases_level_title(level), "conversion", conv, "expropriation", expr, "articles", articles,
      "basis", json_object_get(a, "basis") ? json_object_get(a, "basis") : json_null(), "routing",
      cs_cfg_str(cfg, "routing.basis", ""));
  if (!authority) {
    rc = lg_err_set(err, LG_EINTERNAL, "审批权限结果无法生成");
    goto done;
  }
  json_object_set(vars, "authority", authority);
  if ((rc = exec_update(s, "UPDATE lg_cases SET level = ?1 WHERE id = ?3", case_id, level, NULL,
                        err)) == 0)
    rc = note(ctx, case_id, "authority", "case.authority", authority, err);
  else
    json_decref(authority);
done:
  json_decref(rep);
  json_decref(cfg);
  return rc;
}

/* ---- notice ----------------------------------------------------------------------- */

static int h_notice(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  (void)ud;
  lg_store_t *s = lg_flow_ctx_store(ctx);
  json_t *cfg = NULL;
  int64_t case_id = 0;
  lg_workcal_t *cal = NULL;
  lg_buf_t text;
  lg_buf_init(&text);
  int rc = ctx_case(ctx, &case_id, &cfg, err);
  if (rc) return rc;
  const char *kind = lg_flow_ctx_attr(ctx, "kind");
  const json_t *def = json_object_get(cs_cfg(cfg, "notices"), kind ? kind : "");
  if (!json_is_object(def)) {
    rc = lg_err_set(err, LG_EINVAL, "公告种类 \"%s\" 不在案件配置 notices 中",
                    kind ? kind : "(未指定 landgov:kind)");
    goto done;
  }
  int64_t now = lg_flow_ctx_now(ctx);
  char start[32], end[32] = "", period[64] = "";
  lg_time_iso(now, start);
  const json_t *days = json_object_get(def, "days");
  if (json_is_integer(days) && json_integer_value(days) > 0) {
    int n = (int)json_integer_value(days);
    bool working = json_is_true(json_object_get(def, "working"));
    int64_t e;
    if (working) {
      if ((rc = lg_flow_calendar_load(s, &cal, err))) goto done;
      e = lg_workdays_deadline(cal, now, n, LG_TZ_CHINA);
    } else {
      e = lg_days_deadline(now, n, LG_TZ_CHINA);
    }
    lg_time_iso(e, end);
    snprintf(period, sizeof period, "%d 个%s", n, working ? "工作日" : "日");
  }
  lg_buf_puts(&text, json_string_value(json_object_get(def, "text")));
  if (kind && !strcmp(kind, "supervision")) {
    /* Which steps are late: the open tasks of the instance. */
    json_t *tasks = NULL;
    lg_flow_task_filter_t f = {.instance_id = lg_flow_ctx_instance(ctx)};
    if ((rc = lg_flow_tasks(s, &f, &tasks, err))) goto done;
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t) {
      const json_t *el = json_object_get(t, "element");
      lg_buf_printf(&text, "%s%s%s%s%s (自 %s)", i ? "; " : " ",
                    json_string_value(json_object_get(t, "name")), json_is_string(el) ? " [" : "",
                    json_is_string(el) ? json_string_value(el) : "", json_is_string(el) ? "]" : "",
                    json_string_value(json_object_get(t, "created_at")));
    }
    json_decref(tasks);
  }
  const char *title = json_string_value(json_object_get(def, "title"));
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(
           s,
           "INSERT INTO lg_case_notices(case_id, kind, title, start_at, end_at, period,"
           " basis, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
           &st, err)))
    goto done;
  lg_store_bind_int(st, 1, case_id);
  lg_store_bind_text(st, 2, kind);
  lg_store_bind_text(st, 3, title ? title : kind);
  lg_store_bind_text(st, 4, start);
  cs_bind_text(st, 5, end[0] ? end : NULL);
  cs_bind_text(st, 6, period[0] ? period : NULL);
  cs_bind_text(st, 7, json_string_value(json_object_get(def, "basis")));
  lg_store_bind_text(st, 8, text.data ? text.data : "");
  lg_store_bind_text(st, 9, start);
  int64_t nid = 0;
  if ((rc = lg_store_insert_id(st, &nid, "保存公告失败", err))) goto done;
  rc = note(ctx, case_id, "notice", "case.notice",
            json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:s?}", "notice_id", (json_int_t)nid, "kind",
                      kind, "title", title, "start_at", start, "end_at", end[0] ? end : NULL,
                      "period", period[0] ? period : NULL),
            err);
done:
  lg_buf_fini(&text);
  lg_workcal_free(cal);
  json_decref(cfg);
  return rc;
}

/* ---- penalty ---------------------------------------------------------------------- */

static int h_penalty(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  (void)ud;
  lg_store_t *s = lg_flow_ctx_store(ctx);
  json_t *cfg = NULL, *late = json_array();
  int64_t case_id = 0;
  int rc = ctx_case(ctx, &case_id, &cfg, err);
  if (rc) goto done;
  lg_stmt_t *st;
  double investment = 0;
  if ((rc = lg_store_prepare(s, "SELECT investment FROM lg_cases WHERE id = ?", &st, err)))
    goto done;
  lg_store_bind_int(st, 1, case_id);
  if (lg_store_step(st) == LG_ROW) investment = lg_store_col_real(st, 0);
  lg_store_done(st);
  if ((rc = lg_store_prepare(
           s,
           "SELECT kind FROM lg_case_materials WHERE case_id = ? AND state = 'deferred'"
           " ORDER BY id",
           &st, err)))
    goto done;
  lg_store_bind_int(st, 1, case_id);
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(late, cs_col_text(st, 0));
  lg_store_done(st);
  /* Items still deferred when the period ends are missing now. */
  if ((rc = exec_update(s,
                        "UPDATE lg_case_materials SET state = 'missing'"
                        " WHERE case_id = ?3 AND state = 'deferred'",
                        case_id, NULL, NULL, err)))
    goto done;
  /* The rate is data (penalty.rate, within 0.5%-1%); amounts in yuan,
   * rounded to the fen. */
  double rate = json_number_value(cs_cfg(cfg, "penalty.rate"));
  double amount = round(investment * rate * 100.0) / 100.0;
  const char *kind = lg_flow_ctx_attr(ctx, "kind");
  const char *rule = cs_cfg_str(cfg, "penalty.rule", "");
  char *late_text = cs_json_text(late);
  int64_t now = lg_flow_ctx_now(ctx);
  char ts[32];
  lg_time_iso(now, ts);
  if ((rc = lg_store_prepare(
           s,
           "INSERT INTO lg_case_penalties(case_id, kind, investment, rate, amount,"
           " rule, basis, materials, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
           &st, err)) == 0) {
    lg_store_bind_int(st, 1, case_id);
    lg_store_bind_text(st, 2, kind ? kind : "deferral");
    lg_store_bind_real(st, 3, investment);
    lg_store_bind_real(st, 4, rate);
    lg_store_bind_real(st, 5, amount);
    lg_store_bind_text(st, 6, rule);
    cs_bind_text(st, 7, cs_cfg_str(cfg, "penalty.basis", NULL));
    lg_store_bind_text(st, 8, late_text);
    lg_store_bind_text(st, 9, ts);
    rc = lg_store_run_done(st, "保存违约金失败", err);
  }
  lg_free(late_text);
  if (rc) goto done;
  json_t *pen = json_pack("{s:f, s:f, s:f, s:O, s:s}", "amount", amount, "rate", rate, "investment",
                          investment, "materials", late, "rule", rule);
  json_object_set(lg_flow_ctx_vars(ctx), "penalty", pen);
  rc = note(ctx, case_id, "penalty", "case.penalty", pen, err);
done:
  json_decref(late);
  json_decref(cfg);
  return rc;
}

/* ---- approval_number -------------------------------------------------------------- */

static int h_approval_number(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  (void)ud;
  lg_store_t *s = lg_flow_ctx_store(ctx);
  json_t *cfg = NULL;
  int64_t case_id = 0;
  int rc = ctx_case(ctx, &case_id, &cfg, err);
  if (rc) return rc;
  char division[16] = "", level[24] = "";
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(
           s, "SELECT division, coalesce(level, 'city') FROM lg_cases WHERE id = ?", &st, err)))
    goto done;
  lg_store_bind_int(st, 1, case_id);
  if (lg_store_step(st) == LG_ROW) {
    snprintf(division, sizeof division, "%s", lg_store_col_text(st, 0));
    snprintf(level, sizeof level, "%s", lg_store_col_text(st, 1));
  }
  lg_store_done(st);
  /* The approving body numbers its own documents: the city for city
   * approvals, the province for the province and above (the Ministry's
   * and the State Council's replies are issued on by the province). */
  char issuer[16];
  int digits = !strcmp(level, "county") ? 6 : !strcmp(level, "city") ? 4 : 2;
  snprintf(issuer, sizeof issuer, "%.*s", digits, division);
  int64_t now = lg_flow_ctx_now(ctx);
  int year = cs_year(now);
  int64_t seq = 0;
  if ((rc = cs_counter_next(s, "document", issuer, year, &seq, err))) goto done;
  char prov[4];
  snprintf(prov, sizeof prov, "%.2s", division);
  const char *abbr =
      json_string_value(json_object_get(cs_cfg(cfg, "document_number.province_abbr"), prov));
  lg_buf_t no;
  lg_buf_init(&no);
  /* Each approving body has its own numbers (the counter is the
   * issuer's), so each level has its own pattern: a city's and the
   * province's first approvals of a year must not read alike. */
  const char *pattern =
      json_string_value(json_object_get(cs_cfg(cfg, "document_number.patterns"), level));
  if (!pattern) pattern = cs_cfg_str(cfg, "document_number.pattern", "{seq}");
  for (const char *p = pattern; *p; p++) {
    if (!strncmp(p, "{province_abbr}", 15)) {
      lg_buf_puts(&no, abbr ? abbr : prov);
      p += 14;
    } else if (!strncmp(p, "{year}", 6)) {
      lg_buf_printf(&no, "%d", year);
      p += 5;
    } else if (!strncmp(p, "{seq}", 5)) {
      lg_buf_printf(&no, "%lld", (long long)seq);
      p += 4;
    } else if (!strncmp(p, "{division}", 10)) {
      lg_buf_puts(&no, issuer);
      p += 9;
    } else {
      lg_buf_putc(&no, *p);
    }
  }
  char ts[32];
  lg_time_iso(now, ts);
  rc = exec_update(s, "UPDATE lg_cases SET document_no = ?1, decided_at = ?2 WHERE id = ?3",
                   case_id, no.data, ts, err);
  if (rc == 0) {
    json_object_set_new(lg_flow_ctx_vars(ctx), "approval_number", json_string(no.data));
    rc = note(ctx, case_id, "decision", "case.approve",
              json_pack("{s:s, s:s, s:s, s:I}", "document_no", no.data, "issuer", issuer, "level",
                        level, "sequence", (json_int_t)seq),
              err);
  }
  lg_buf_fini(&no);
done:
  json_decref(cfg);
  return rc;
}

/* ---- handover --------------------------------------------------------------------- */

static int h_handover(lg_flow_ctx_t *ctx, void *ud, lg_err_t *err) {
  (void)ud;
  lg_store_t *s = lg_flow_ctx_store(ctx);
  int64_t case_id = 0;
  int rc = ctx_case(ctx, &case_id, NULL, err);
  if (rc) return rc;
  char ts[32];
  lg_time_iso(lg_flow_ctx_now(ctx), ts);
  rc = exec_update(s, "UPDATE lg_cases SET handed_over_at = ?1, updated_at = ?2 WHERE id = ?3",
                   case_id, ts, ts, err);
  if (rc) return rc;
  json_object_set_new(lg_flow_ctx_vars(ctx), "handed_over", json_true());
  return note(ctx, case_id, "handover", "case.handover",
              json_pack("{s:s, s:s}", "handed_over_at", ts, "to", "land_supply"), err);
}

void lg_cases_register_handlers(void) {
  lg_flow_register_handler("compliance_check", h_compliance_check, NULL);
  lg_flow_register_handler("approval_authority", h_approval_authority, NULL);
  lg_flow_register_handler("notice", h_notice, NULL);
  lg_flow_register_handler("penalty", h_penalty, NULL);
  lg_flow_register_handler("approval_number", h_approval_number, NULL);
  lg_flow_register_handler("handover", h_handover, NULL);
}
