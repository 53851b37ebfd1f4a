/*
 * The per-mu performance evaluation (亩均效益综合评价, "亩均论英雄";
 * DOMAIN.md section 11): an enterprise's year as the departments deliver
 * it, and the evaluation of a year's enterprises of a division by the
 * rules of the configuration ("permu"):
 *
 *   value      = num / den (x scale), den "mu" being the land in mu
 *                (m2 / (10000/15));
 *   benchmark  = over the enterprises the indicator is evaluated for
 *                (above the size threshold, or all for an indicator of
 *                "below_size"): "aggregate", the sum of num over the sum
 *                of den (the county's figure), or "mean", the mean of the
 *                values;
 *   ratio      = value / benchmark, floored at 0 and capped at cap (3 by
 *                default); a zero den with a positive num, or a zero
 *                benchmark with a positive value, gives the cap;
 *   points     = weight x ratio; below the size threshold (规下), the
 *                below_size indicators only, their weights scaled to 100;
 *   score      = the sum, rounded to 0.01; rank 1 the highest (equal
 *                scores share a rank);
 *   grade      = by thresholds (the first whose min the score reaches) or
 *                by rank shares (rank k of n gets the first grade whose
 *                cumulative share s has k <= ceil(n x s / 100)).
 *
 * The result names every figure so a reader can recompute each.
 */
#include "industry/industry_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Figures ------------------------------------------------------------------ */

static const char *const fig_keys[] = {"area_m2",    "tax_wan",    "value_added_wan", "revenue_wan",
                                       "energy_tce", "emission_t", "rd_wan",          "employees"};
static const char *const fig_titles[] = {
    "用地面积 (平方米)", "税收 (万元)",         "增加值 (万元)",   "营业收入 (万元)",
    "能耗 (吨标准煤)",   "主要污染物排放 (吨)", "研发经费 (万元)", "年均职工人数"};

int lg_industry_figures_from_json(const json_t *j, lg_industry_figures_t *f, lg_err_t *err) {
  memset(f, 0, sizeof *f);
  if (!json_is_object(j)) return lg_err_set(err, LG_EINVAL, "企业年度数据应为 JSON 对象");
  const json_t *y = json_object_get(j, "year");
  if (!json_is_integer(y) || json_integer_value(y) < 1990 || json_integer_value(y) > 2200) {
    lg_err_set(err, LG_EINVAL, "缺少或无效的年度 (year)");
    lg_err_where(err, "year");
    return LG_EINVAL;
  }
  f->year = (int)json_integer_value(y);
  f->credit_code = json_string_value(json_object_get(j, "credit_code"));
  f->name = json_string_value(json_object_get(j, "name"));
  f->division = json_string_value(json_object_get(j, "division"));
  f->parcel = json_string_value(json_object_get(j, "parcel"));
  double *dst[] = {&f->area_m2,    &f->tax_wan,    &f->value_added_wan, &f->revenue_wan,
                   &f->energy_tce, &f->emission_t, &f->rd_wan,          &f->employees};
  for (size_t i = 0; i < LG_ARRAY_LEN(dst); i++) {
    const json_t *x = json_object_get(j, fig_keys[i]);
    /* The land may come from the parcel; value added may be negative (a loss year). */
    if (!x && i == 0 && f->parcel) continue;
    if (i == 2) {
      if (!json_is_number(x)) {
        lg_err_set(err, LG_EINVAL, "缺少%s (%s)", fig_titles[i], fig_keys[i]);
        lg_err_where(err, "%s", fig_keys[i]);
        return LG_EINVAL;
      }
      f->value_added_wan = json_number_value(x);
      continue;
    }
    int rc = ind_json_num(j, fig_keys[i], fig_titles[i], dst[i], err);
    if (rc) return rc;
  }
  return 0;
}

/* One row checked: LG_EINVAL naming the field. division receives the
 * normalised code, area the land (the parcel's when not given). */
static int figures_check(lg_store_t *s, const lg_industry_figures_t *f, char division[16],
                         double *area, int64_t *parcel_id, lg_err_t *err) {
  if (!f->credit_code || !lg_industry_credit_code_valid(f->credit_code)) {
    lg_err_set(err, LG_EINVAL, "统一社会信用代码 \"%.32s\" 无效 (GB 32100-2015)",
               f->credit_code ? f->credit_code : "");
    lg_err_where(err, "credit_code");
    return LG_EINVAL;
  }
  if (!f->name || !*f->name) {
    lg_err_set(err, LG_EINVAL, "缺少企业名称 (name)");
    lg_err_where(err, "name");
    return LG_EINVAL;
  }
  lg_err_t e2 = {0};
  if (!f->division || lg_auth_division_normalize(f->division, division, "行政区", &e2)) {
    lg_err_set(err, LG_EINVAL, "缺少或无法识别行政区 (division, GB/T 2260 代码)");
    lg_err_where(err, "division");
    return LG_EINVAL;
  }
  *area = f->area_m2;
  *parcel_id = 0;
  if (f->parcel && *f->parcel) {
    int rc = lg_industry_parcel_find(s, f->parcel, parcel_id, err);
    if (rc) return rc;
    if (!(*area > 0)) {
      json_t *p = ind_parcel_row(s, *parcel_id, err);
      if (!p) return err->code ? err->code : LG_EDB;
      *area = json_number_value(json_object_get(p, "area_m2"));
      json_decref(p);
    }
  }
  if (!(*area > 0)) {
    lg_err_set(err, LG_EINVAL, "缺少用地面积 (area_m2), 且未关联标准地");
    lg_err_where(err, "area_m2");
    return LG_EINVAL;
  }
  double v[] = {f->tax_wan, f->revenue_wan, f->energy_tce, f->emission_t, f->rd_wan, f->employees};
  int k[] = {1, 3, 4, 5, 6, 7};
  for (size_t i = 0; i < LG_ARRAY_LEN(v); i++) {
    int rc = ind_nonneg(v[i], fig_titles[k[i]], err);
    if (rc) return rc;
  }
  if (!isfinite(f->value_added_wan)) return lg_err_set(err, LG_EINVAL, "增加值不是数值");
  return 0;
}

static int figures_insert(lg_store_t *s, const lg_subject_t *who, const lg_industry_figures_t *f,
                          const char *division, double area, int64_t parcel_id, int64_t *id,
                          lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(
      s, "SELECT 1 FROM lg_industry_figures WHERE year = ? AND credit_code = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, f->year);
  lg_store_bind_text(st, 2, f->credit_code);
  bool dup = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  if (dup) {
    lg_err_set(err, LG_ECONFLICT, "企业 %s (%s) 的 %d 年度数据已录入", f->name, f->credit_code,
               f->year);
    lg_err_where(err, "credit_code");
    return LG_ECONFLICT;
  }
  char now[32];
  ind_now_iso(now);
  rc = lg_store_prepare(
      s,
      "INSERT INTO lg_industry_figures(year, credit_code, name, division, parcel_id, area_m2,"
      " tax_wan, value_added_wan, revenue_wan, energy_tce, emission_t, rd_wan, employees,"
      " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, f->year);
  lg_store_bind_text(st, 2, f->credit_code);
  lg_store_bind_text(st, 3, f->name);
  lg_store_bind_text(st, 4, division);
  if (parcel_id)
    lg_store_bind_int(st, 5, parcel_id);
  else
    lg_store_bind_null(st, 5);
  double v[] = {area,          f->tax_wan,    f->value_added_wan, f->revenue_wan,
                f->energy_tce, f->emission_t, f->rd_wan,          f->employees};
  for (int i = 0; i < 8; i++)
    lg_store_bind_real(st, 6 + i, v[i]);
  lg_store_bind_text(st, 14, now);
  lg_store_bind_text(st, 15, who && who->login[0] ? who->login : "system");
  rc = lg_store_insert_id(st, id, "企业年度数据", err);
  lg_store_done(st);
  return rc;
}

int ind_figures_add(lg_store_t *s, const lg_subject_t *who, const lg_industry_figures_t *rows,
                    size_t n, const int64_t *lines, const char *file, lg_err_t *err) {
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  for (size_t i = 0; i < n && rc == 0; i++) {
    char division[16];
    double area = 0;
    int64_t pid = 0, id = 0;
    rc = figures_check(s, &rows[i], division, &area, &pid, err);
    if (rc == 0) rc = ind_require(s, who, "create", division, err);
    if (rc == 0) rc = figures_insert(s, who, &rows[i], division, area, pid, &id, err);
    json_t *state = NULL;
    if (rc == 0 && !(state = ind_state(s, "industry.figures", id, err)))
      rc = err->code ? err->code : LG_EDB;
    if (rc == 0)
      rc = ind_record(s, who, "industry.figures.add", "industry.figures", id, division, state, err);
    if (rc && lines)
      lg_err_prefix(err, "%s 第 %lld 行: ", file ? file : "", (long long)lines[i]);
    else if (rc && n > 1)
      lg_err_prefix(err, "第 %zu 行: ", i + 1);
  }
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc) lg_store_rollback(s);
  return rc;
}

int lg_industry_figures_add(lg_store_t *s, const lg_subject_t *who,
                            const lg_industry_figures_t *rows, size_t n, lg_err_t *err) {
  return ind_figures_add(s, who, rows, n, NULL, NULL, err);
}

/* ---- The evaluation ------------------------------------------------------------ */

typedef struct ent {
  const json_t *row;
  bool above;
  double mu, score;
  json_t *inds;
  int rank;
} ent_t;

static double input_of(const ent_t *e, const char *name) {
  if (!strcmp(name, "mu")) return e->mu;
  return json_number_value(json_object_get(e->row, name));
}

static bool in_list(const json_t *list, const char *key) {
  size_t i;
  const json_t *x;
  json_array_foreach(list, i,
                     x) if (json_string_value(x) && !strcmp(json_string_value(x), key)) return true;
  return false;
}

/* The benchmark of one indicator over the enterprises it applies to. */
static double benchmark(ent_t *es, size_t n, const json_t *ind, bool all, bool mean, double scale) {
  const char *num = json_string_value(json_object_get(ind, "num"));
  const char *den = json_string_value(json_object_get(ind, "den"));
  double sn = 0, sd = 0, sv = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (!all && !es[i].above) continue;
    double a = input_of(&es[i], num), b = input_of(&es[i], den);
    sn += a, sd += b;
    if (b > 0) sv += a / b * scale, k++;
  }
  if (mean) return k ? sv / k : 0;
  return sd > 0 ? sn / sd * scale : 0;
}

static double ratio_of(double num, double den, double scale, double bench, double cap) {
  if (!(den > 0)) return num > 0 ? cap : 0;
  double v = num / den * scale;
  if (v <= 0) return 0;
  if (!(bench > 0)) return cap;
  return fmin(v / bench, cap);
}

static void score_all(const json_t *p, ent_t *es, size_t n, json_t *benches) {
  const json_t *inds = json_object_get(p, "indicators");
  const json_t *below = ind_cfg(p, "below_size.indicators");
  bool mean = !strcmp(json_string_value(ind_cfg(p, "benchmark.method")), "mean");
  double cap = ind_cfg_num(p, "cap.value", 3), below_w = 0;
  size_t i, j;
  const json_t *ind;
  json_array_foreach(inds, i,
                     ind) if (in_list(below, json_string_value(json_object_get(ind, "key"))))
      below_w += json_number_value(json_object_get(ind, "weight"));
  json_array_foreach(inds, i, ind) {
    const char *key = json_string_value(json_object_get(ind, "key"));
    bool all = in_list(below, key);
    double scale = json_is_number(json_object_get(ind, "scale"))
                       ? json_number_value(json_object_get(ind, "scale"))
                       : 1;
    double w = json_number_value(json_object_get(ind, "weight"));
    double b = benchmark(es, n, ind, all, mean, scale);
    json_object_set_new(benches, key, json_real(ind_round(b, 6)));
    const char *num = json_string_value(json_object_get(ind, "num"));
    const char *den = json_string_value(json_object_get(ind, "den"));
    for (j = 0; j < n; j++) {
      if (!es[j].above && !all) continue;
      double a = input_of(&es[j], num), d = input_of(&es[j], den);
      double r = ratio_of(a, d, scale, b, cap);
      double wt = es[j].above ? w : (below_w > 0 ? w * 100 / below_w : 0);
      es[j].score += wt * r;
      json_t *v = d > 0 ? json_real(ind_round(a / d * scale, 6)) : json_null();
      json_array_append_new(
          es[j].inds, json_pack("{s:s, s:O, s:O, s:o, s:f, s:f, s:f, s:f}", "key", key, "title",
                                json_object_get(ind, "title"), "unit", json_object_get(ind, "unit"),
                                "value", v, "benchmark", ind_round(b, 6), "ratio", ind_round(r, 6),
                                "weight", wt, "points", ind_round(wt * r, 4)));
    }
  }
  for (j = 0; j < n; j++)
    es[j].score = ind_round(es[j].score, 2);
}

static int by_score(const void *a, const void *b) {
  const ent_t *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return strcmp(json_string_value(json_object_get(x->row, "credit_code")),
                json_string_value(json_object_get(y->row, "credit_code")));
}

static const char *grade_of(const json_t *g, const ent_t *e, size_t n) {
  const char *m = json_string_value(json_object_get(g, "method"));
  size_t i;
  const json_t *x;
  const char *last = "D";
  if (!strcmp(m, "threshold")) {
    json_array_foreach(json_object_get(g, "thresholds"), i, x) {
      last = json_string_value(json_object_get(x, "grade"));
      if (e->score >= json_number_value(json_object_get(x, "min"))) return last;
    }
    return last;
  }
  double cum = 0;
  json_array_foreach(json_object_get(g, "rank_shares"), i, x) {
    last = json_string_value(json_object_get(x, "grade"));
    cum += json_number_value(json_object_get(x, "share"));
    if ((double)e->rank <= ceil((double)n * cum / 100 - 1e-9)) return last;
  }
  return last;
}

int lg_industry_permu_eval(const json_t *cfg, int year, const json_t *rows, json_t **out,
                           lg_err_t *err) {
  *out = NULL;
  const json_t *p = json_object_get(cfg, "permu");
  size_t n = json_array_size(rows);
  ent_t *es = lg_calloc(n ? n : 1, sizeof *es);
  double thr = ind_cfg_num(p, "above_size_revenue_wan.value", 2000);
  for (size_t i = 0; i < n; i++) {
    es[i].row = json_array_get(rows, i);
    es[i].above = json_number_value(json_object_get(es[i].row, "revenue_wan")) >= thr;
    es[i].mu = ind_mu(json_number_value(json_object_get(es[i].row, "area_m2")));
    es[i].inds = json_array();
  }
  json_t *benches = json_object();
  score_all(p, es, n, benches);
  qsort(es, n, sizeof *es, by_score);
  const json_t *g = json_object_get(p, "grading");
  json_t *list = json_array(), *counts = json_object();
  for (size_t i = 0; i < n; i++) {
    es[i].rank = i && es[i].score == es[i - 1].score ? es[i - 1].rank : (int)i + 1;
    const char *gr = grade_of(g, &es[i], n);
    json_object_set_new(counts, gr,
                        json_integer(json_integer_value(json_object_get(counts, gr)) + 1));
    json_t *o = json_pack("{s:O, s:O, s:O, s:b, s:f, s:o, s:f, s:i, s:s}", "credit_code",
                          json_object_get(es[i].row, "credit_code"), "name",
                          json_object_get(es[i].row, "name"), "division",
                          json_object_get(es[i].row, "division"), "above_size", es[i].above, "mu",
                          ind_round(es[i].mu, 4), "indicators", es[i].inds, "score", es[i].score,
                          "rank", es[i].rank, "grade", gr);
    json_object_set(o, "grade_title",
                    ind_cfg(g, "titles") ? json_object_get(ind_cfg(g, "titles"), gr) : json_null());
    if (!json_object_get(o, "grade_title")) json_object_set_new(o, "grade_title", json_string(gr));
    json_array_append_new(list, o);
  }
  lg_free(es);
  *out = json_pack("{s:i, s:s, s:s, s:f, s:f, s:o, s:o, s:o}", "year", year, "benchmark_method",
                   json_string_value(ind_cfg(p, "benchmark.method")), "grading_method",
                   json_string_value(ind_cfg(g, "method")), "cap", ind_cfg_num(p, "cap.value", 3),
                   "above_size_revenue_wan", thr, "benchmarks", benches, "enterprises", list,
                   "grades", counts);
  (void)err;
  return 0;
}

/* ---- From the store ------------------------------------------------------------- */

static int load_year(lg_store_t *s, int year, const char *prefix, json_t **rows, lg_err_t *err) {
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(
      s,
      "SELECT credit_code, name, division, parcel_id, area_m2, tax_wan, value_added_wan,"
      " revenue_wan, energy_tce, emission_t, rd_wan, employees FROM lg_industry_figures"
      " WHERE year = ? AND division LIKE ? || '%' ORDER BY credit_code",
      &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, year);
  lg_store_bind_text(st, 2, prefix);
  *rows = json_array();
  while ((rc = lg_store_step(st)) == LG_ROW) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "credit_code", lg_store_col_text(st, 0), "name",
                          lg_store_col_text(st, 1), "division", lg_store_col_text(st, 2));
    json_object_set_new(o, "parcel_id",
                        lg_store_col_null(st, 3) ? json_null()
                                                 : json_integer(lg_store_col_int(st, 3)));
    for (int i = 0; i < 8; i++)
      json_object_set_new(o, fig_keys[i], json_real(lg_store_col_real(st, 4 + i)));
    json_array_append_new(*rows, o);
  }
  rc = rc == LG_DONE ? 0 : lg_store_fail(s, err, "读取企业年度数据");
  lg_store_done(st);
  if (rc) {
    json_decref(*rows);
    *rows = NULL;
  }
  return rc;
}

static int save_evaluation(lg_store_t *s, const lg_subject_t *who, int year, const char *division,
                           json_t *res, lg_err_t *err) {
  char now[32];
  ind_now_iso(now);
  char *text = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
  lg_stmt_t *st = NULL;
  int64_t id = 0;
  int rc = lg_store_begin(s, err);
  if (rc == 0)
    rc = lg_store_prepare(s,
                          "INSERT INTO lg_industry_evaluations(year, division, enterprises, result,"
                          " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                          &st, err);
  if (rc == 0) {
    lg_store_bind_int(st, 1, year);
    lg_store_bind_text(st, 2, division);
    lg_store_bind_int(st, 3, (int64_t)json_array_size(json_object_get(res, "enterprises")));
    lg_store_bind_text(st, 4, text);
    lg_store_bind_text(st, 5, now);
    lg_store_bind_text(st, 6, who && who->login[0] ? who->login : "system");
    rc = lg_store_insert_id(st, &id, "亩均效益评价", err);
    lg_store_done(st);
  }
  json_t *state = NULL;
  if (rc == 0 && !(state = ind_state(s, "industry.evaluation", id, err)))
    rc = err->code ? err->code : LG_EDB;
  if (rc == 0)
    rc = ind_record(s, who, "industry.evaluation.run", "industry.evaluation", id, division, state,
                    err);
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc) lg_store_rollback(s);
  free(text);
  if (rc == 0) json_object_set_new(res, "id", json_integer(id));
  return rc;
}

/* The grades of the latest kept evaluation of a year and division, by
 * credit code ({} when none was kept). */
static int kept_grades(lg_store_t *s, int year, const char *division, json_t **out, lg_err_t *err) {
  *out = json_object();
  lg_stmt_t *st = NULL;
  int rc = lg_store_prepare(s,
                            "SELECT result FROM lg_industry_evaluations WHERE year = ? AND"
                            " division = ? ORDER BY id DESC LIMIT 1",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, year);
  lg_store_bind_text(st, 2, division);
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    json_t *res = json_loads(lg_store_col_text(st, 0), 0, NULL);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(res, "enterprises"), i, e) {
      const char *cc = json_string_value(json_object_get(e, "credit_code"));
      if (cc) json_object_set(*out, cc, json_object_get(e, "grade"));
    }
    json_decref(res);
  } else if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "读取上年度评价");
  }
  lg_store_done(st);
  return rc;
}

/* Each enterprise's grade of the year before (the latest kept evaluation
 * of the same division) and the flag 产而低效 when both are the lowest
 * grade (seed 002: grade D two years running). */
static int mark_history(lg_store_t *s, const json_t *cfg, int year, const char *division,
                        json_t *res, lg_err_t *err) {
  json_t *prev = NULL;
  int rc = kept_grades(s, year - 1, division, &prev, err);
  if (rc) return rc;
  const json_t *g = ind_cfg(cfg, "permu.grading");
  const json_t *list = json_object_get(
      g, !strcmp(json_string_value(json_object_get(g, "method")), "threshold") ? "thresholds"
                                                                               : "rank_shares");
  const char *lowest =
      json_string_value(json_object_get(json_array_get(list, json_array_size(list) - 1), "grade"));
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(res, "enterprises"), i, e) {
    const json_t *pg = json_object_get(prev, json_string_value(json_object_get(e, "credit_code")));
    json_object_set_new(e, "previous_grade", pg ? json_incref((json_t *)pg) : json_null());
    json_t *flags = json_array();
    const char *now = json_string_value(json_object_get(e, "grade"));
    if (pg && lowest && now && !strcmp(now, lowest) && !strcmp(json_string_value(pg), lowest))
      json_array_append_new(flags, json_pack("{s:s, s:s}", "code", "low_efficiency", "title",
                                             "产而低效 (连续两年最低等级)"));
    json_object_set_new(e, "flags", flags);
  }
  json_decref(prev);
  return 0;
}

int lg_industry_evaluate(lg_store_t *s, const lg_subject_t *who, int year, const char *division,
                         bool save, json_t **out, lg_err_t *err) {
  *out = NULL;
  char div[16] = "";
  lg_err_t e2 = {0};
  if (division && *division && lg_auth_division_normalize(division, div, "行政区", &e2)) {
    lg_err_set(err, LG_EINVAL, "无法识别行政区 \"%.20s\" (GB/T 2260 代码)", division);
    lg_err_where(err, "division");
    return LG_EINVAL;
  }
  /* A person without a division named evaluates their own. */
  if (!div[0] && !ind_is_console(who)) snprintf(div, sizeof div, "%s", who->division);
  int rc = ind_require(s, who, save ? "act" : "read", div, err);
  json_t *cfg = NULL, *rows = NULL;
  if (rc == 0) rc = lg_industry_config(s, &cfg, err);
  if (rc == 0) rc = load_year(s, year, div, &rows, err);
  if (rc == 0 && !json_array_size(rows))
    rc = div[0] ? lg_err_set(err, LG_ENOTFOUND, "%d 年度 %s 没有企业数据", year, div)
                : lg_err_set(err, LG_ENOTFOUND, "%d 年度没有企业数据", year);
  if (rc == 0) rc = lg_industry_permu_eval(cfg, year, rows, out, err);
  if (rc == 0) json_object_set_new(*out, "division", json_string(div));
  if (rc == 0) rc = mark_history(s, cfg, year, div, *out, err);
  if (rc == 0 && save) rc = save_evaluation(s, who, year, div, *out, err);
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  json_decref(rows);
  json_decref(cfg);
  return rc;
}
