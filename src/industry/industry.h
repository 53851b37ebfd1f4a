/*
 * industry: industrial land, "deep cultivation" (seed 002; DOMAIN.md
 * sections 6 and 11). The life of an industrial parcel after the stock
 * module has supplied it:
 *
 *   parcels      标准地: a parcel offered with its control indicators as
 *                conditions of sale (investment intensity 万元/亩,
 *                floor-area ratio, building coverage, office and living
 *                share, green ratio, output and tax per mu), copied from
 *                the configuration's defaults for its industry (GB/T
 *                4754-2017 two-digit division) when it is made, with any
 *                value the bureau sets instead; linked to the stock
 *                module's supply by 电子监管号 when there is one.
 *   admission    a project against a parcel: each indicator met or not,
 *                with the gap; the industry against the restricted and
 *                eliminated catalogue (产业结构调整指导目录, as data); a
 *                verdict with its reasons in Chinese. A check, not a
 *                record: it changes nothing.
 *   commitments  the investment agreement (投资建设协议): the enterprise
 *                (统一社会信用代码, GB 32100-2015), committed investment,
 *                output and tax per mu, the start, completion and
 *                production dates. One per parcel.
 *   acceptances  the joint acceptance at completion (联合验收) and the
 *                performance review (达产复核): the departments' measured
 *                figures compared item by item with the commitment or the
 *                parcel's conditions, with the shortfall; result pass,
 *                rectify (deadline: acceptance.rectify_months after) or
 *                breach (still short at the inspection after a rectify).
 *   figures      an enterprise's year (tax, value added, revenue, energy,
 *                emissions, R&D, employees, land area).
 *   evaluations  亩均效益综合评价 of a year and a division: per enterprise
 *                every indicator's value, benchmark, capped ratio, weight
 *                and points, the score, rank and grade A-D, by the rules
 *                of the configuration ("permu"), kept with the result.
 *
 * Units: money in 万元 (10,000 yuan), areas in m2, 1 mu = 10000/15 m2.
 * Every rule and default is data (data/industry/default.json, compiled in;
 * a store may save its own document as the setting industry.config), each
 * value with its source and whether it was confirmed against the
 * published text. Permissions: policy resource "industry" (a county sees
 * its own). Ledger object types: industry.parcel, industry.commitment,
 * industry.acceptance, industry.figures, industry.evaluation,
 * industry.config; each recorded in the transaction of its change.
 */
#ifndef LG_INDUSTRY_H
#define LG_INDUSTRY_H

#include <jansson.h>

#include "auth/auth.h"
#include "core/core.h"
#include "ledger/ledger.h"
#include "store/store.h"

/* Square metres per mu (亩): 10000/15. */
#define LG_INDUSTRY_M2_PER_MU (10000.0 / 15.0)

/* ---- Configuration ------------------------------------------------------- */
/* The configuration in force as a new reference (setting industry.config,
 * else data/industry/default.json as built in). */
int lg_industry_config(lg_store_t *s, json_t **out, lg_err_t *err);
const char *lg_industry_config_default_json(void);
/* Checks a configuration document; LG_EINVAL naming the key. */
int lg_industry_config_check(const json_t *cfg, lg_err_t *err);
/* Saves the store's own configuration (admin), with its ledger entry. */
int lg_industry_config_save(lg_store_t *s, const lg_subject_t *who, const char *text,
                            lg_err_t *err);

/* The default conditions of a standard-land parcel of an industry (two
 * digits, GB/T 4754-2017 division 13-43; a longer class code is read by
 * its first two): {key: {value, unit, source, confirmed, note, op}} for
 * investment_intensity_min, floor_area_ratio_min, building_coverage_min,
 * office_living_max, green_ratio_max, output_per_mu_min, tax_per_mu_min.
 * LG_EINVAL for an industry the table does not list. */
int lg_industry_conditions(const json_t *cfg, const char *industry, json_t **out, lg_err_t *err);

/* Whether a unified social credit code is well formed with its check
 * character (GB 32100-2015). */
bool lg_industry_credit_code_valid(const char *code);

/* ---- Standard-land parcels ------------------------------------------------ */
typedef struct lg_industry_parcel_req {
  const char *code;     /* the parcel's number (宗地编号), unique (required) */
  const char *name;     /* (required) */
  const char *division; /* GB/T 2260 county; taken from the supply when linked */
  const char *industry; /* GB/T 4754 division the parcel is offered to (required) */
  double area_m2;       /* > 0; 0: the supply's area when linked */
  const char *supply;   /* a stock supply's id or 电子监管号; NULL: none */
  const json_t *set;    /* {key: number} conditions the bureau sets instead of the defaults */
} lg_industry_parcel_req_t;

int lg_industry_parcel_create(lg_store_t *s, const lg_subject_t *who,
                              const lg_industry_parcel_req_t *r, int64_t *id, lg_err_t *err);
/* A parcel by id or code; LG_ENOTFOUND. */
int lg_industry_parcel_find(lg_store_t *s, const char *id_or_code, int64_t *id, lg_err_t *err);
int lg_industry_parcel_division(lg_store_t *s, int64_t id, char division[16], lg_err_t *err);
/* The parcel with its conditions, commitment and acceptances. */
int lg_industry_parcel_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err);
/* Parcels whose division starts with prefix ("" or NULL: all), with their
 * commitment's enterprise and latest acceptance result. */
int lg_industry_parcels(lg_store_t *s, const char *prefix, json_t **out, lg_err_t *err);

/* ---- Admission ------------------------------------------------------------ */
typedef struct lg_industry_project {
  const char *name;
  const char *industry;    /* GB/T 4754 code, 2 or 4 digits (required) */
  const char *products;    /* what it makes, in words (matched against the catalogue) */
  bool renovation;         /* upgrading an existing plant (限制类 allows it) */
  double investment_wan;   /* fixed-asset investment (万元) */
  double floor_area_m2;    /* total floor area (容积率) */
  double footprint_m2;     /* buildings, structures and yards (建筑系数) */
  double office_living_m2; /* office and living land (行政办公及生活服务设施用地) */
  double green_m2;         /* green space */
  double output_wan;       /* yearly output at full production; < 0: not declared */
  double tax_wan;          /* yearly tax at full production; < 0: not declared */
} lg_industry_project_t;

/* The project of a JSON object (the fields above by name); LG_EINVAL
 * naming a missing or negative field. Strings borrowed from j. */
int lg_industry_project_from_json(const json_t *j, lg_industry_project_t *p, lg_err_t *err);
/* The check, a pure function: {verdict: "admitted"|"refused",
 * verdict_title, reasons: [...], items: [{key, title, unit, op,
 * required, actual, met, gap, source, confirmed}], catalogue: [{id,
 * class, class_title, text}]}. */
int lg_industry_admission_eval(const json_t *cfg, const json_t *conditions,
                               const char *parcel_industry, double area_m2,
                               const lg_industry_project_t *p, json_t **out, lg_err_t *err);
/* The same against a stored parcel. */
int lg_industry_admission(lg_store_t *s, int64_t parcel_id, const lg_industry_project_t *p,
                          json_t **out, lg_err_t *err);

/* ---- The commitment ------------------------------------------------------- */
typedef struct lg_industry_commitment {
  const char *credit_code;                  /* 统一社会信用代码 (required, checked) */
  const char *enterprise;                   /* (required) */
  double investment_wan;                    /* committed fixed-asset investment, > 0 */
  double output_per_mu_wan, tax_per_mu_wan; /* at full production, >= 0 */
  const char *signed_on, *start_on, *completion_on, *production_on; /* YYYY-MM-DD, in order */
} lg_industry_commitment_t;

int lg_industry_commit(lg_store_t *s, const lg_subject_t *who, int64_t parcel_id,
                       const lg_industry_commitment_t *c, int64_t *id, lg_err_t *err);

/* ---- Joint acceptance and performance review -------------------------------
 * stage "completion" or "performance"; actuals {investment_wan,
 * floor_area_m2, footprint_m2, office_living_m2, green_m2} at completion,
 * {output_wan, tax_wan} at the review, each a number the department
 * named in the configuration measured. A missing figure: LG_EINVAL naming
 * the department and the figure, nothing recorded. */
int lg_industry_acceptance_eval(const json_t *cfg, const json_t *parcel, const json_t *commitment,
                                const char *stage, const json_t *actuals, const char *on,
                                const char *previous_result, json_t **out, lg_err_t *err);
int lg_industry_accept(lg_store_t *s, const lg_subject_t *who, int64_t parcel_id, const char *stage,
                       const char *on, const json_t *actuals, json_t **out, int64_t *id,
                       lg_err_t *err);

/* ---- Per-mu evaluation ------------------------------------------------------ */
typedef struct lg_industry_figures {
  int year;
  const char *credit_code, *name, *division;
  const char *parcel; /* a parcel's id or code; NULL: none */
  double area_m2, tax_wan, value_added_wan, revenue_wan, energy_tce, emission_t, rd_wan, employees;
} lg_industry_figures_t;

/* The figures of a JSON object (fields above by name); LG_EINVAL naming
 * the field. Strings borrowed from j. */
int lg_industry_figures_from_json(const json_t *j, lg_industry_figures_t *f, lg_err_t *err);
/* Records rows (one transaction: all or none; a duplicate enterprise-year
 * is refused naming the row). */
int lg_industry_figures_add(lg_store_t *s, const lg_subject_t *who,
                            const lg_industry_figures_t *rows, size_t n, lg_err_t *err);
/* The figures of a year from a sheet (.xlsx, .ods, .csv) as departments
 * deliver it: columns 统一社会信用代码, 企业名称, 行政区代码, 标准地编号
 * (optional), 用地面积(平方米) or 用地面积(亩) (or the parcel's), 税收(万元),
 * 增加值(万元), 营业收入(万元), 能耗(吨标准煤), 主要污染物排放(吨),
 * 研发经费(万元), 年均职工人数 (or the field names). name: how messages
 * call the file (NULL: its base name). One transaction; a bad row is
 * refused naming file, row and column, and nothing is imported. */
int lg_industry_figures_import(lg_store_t *s, const lg_subject_t *who, const char *path,
                               const char *name, int year, size_t *count, lg_err_t *err);
/* The evaluation, a pure function of the rows (json objects with the
 * fields of lg_industry_figures_t) and the configuration: {year, method,
 * benchmarks: {key: value}, enterprises: [{credit_code, name, above_size,
 * mu, indicators: [{key, value, benchmark, ratio, weight, points}],
 * score, rank, grade, grade_title}], grades: {A: n, ...}}. Scores are
 * rounded to 0.01 before ranking. */
int lg_industry_permu_eval(const json_t *cfg, int year, const json_t *rows, json_t **out,
                           lg_err_t *err);
/* Evaluates a year's figures of a division (prefix) from the store, each
 * enterprise with its previous_grade (the latest kept evaluation of the
 * year before, same division) and flags ([{code: "low_efficiency",
 * title}] for 产而低效: the lowest grade two years running); when save,
 * records the result (and its ledger entry). */
int lg_industry_evaluate(lg_store_t *s, const lg_subject_t *who, int year, const char *division,
                         bool save, json_t **out, lg_err_t *err);

/* ---- Ledger audit ------------------------------------------------------------
 * The auditors of the module's object types (industry.parcel, .commitment,
 * .acceptance, .figures, .evaluation, .config), NULL-terminated, for the CLI's
 * table (src/cli/cmd_ledger.c): each recomputes an object's digest from
 * its row. */
extern const lg_ledger_auditor_t *const lg_industry_auditors[];

#endif
