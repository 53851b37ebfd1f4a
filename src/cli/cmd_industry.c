/*
 * landgov industry: industrial land (src/industry) from the command line.
 * Writing acts as --as LOGIN (its permissions apply, its name goes on the
 * ledger) or, without it, as the console ($USER). Money in 万元, areas in
 * m2. JSON arguments (a project, measured figures, enterprise rows) are
 * files or inline text.
 *
 *   industry conditions INDUSTRY                   default conditions of an industry (GB/T 4754)
 *   industry parcels [--division D]
 *   industry parcel add --code C --name N --industry I (--division D --area M2 | --supply NO)
 *                       [--set JSON]
 *   industry parcel show ID|CODE
 *   industry admit ID|CODE --project JSON          the admission check (nothing recorded)
 *   industry commit ID|CODE --credit-code X --enterprise N --investment W --output-per-mu W
 *                   --tax-per-mu W --signed D --start D --completion D --production D
 *   industry accept ID|CODE --stage completion|performance --on D --actuals JSON
 *   industry figures --rows JSON                   enterprises' years, all or none
 *   industry figures --file SHEET --year Y          the same from the departments' sheet
 *   industry evaluate --year Y [--division D] [--save]
 *   industry config [show | set FILE]
 */
#include "auth/auth.h"
#include "cli/cli_int.h"
#include "industry/industry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
  lg_cli_t *cli;
  lg_store_t *s;
  lg_subject_t who;
} ctx_t;

static int subject(ctx_t *c, lg_err_t *err) {
  const char *login = lg_cli_arg(c->cli, "as");
  if (!login) {
    lg_auth_subject_console(&c->who, getenv("USER"));
    return 0;
  }
  lg_user_t u;
  int rc = lg_auth_user_get(c->s, login, &u, err);
  if (rc) return rc;
  if (u.disabled) return lg_err_set(err, LG_EPERM, "账户 %s 已停用", login);
  lg_auth_subject_from_user(&u, &c->who);
  return 0;
}

/* A JSON argument: a file's content, or the text itself. */
static int json_arg(ctx_t *c, const char *name, json_t **out, lg_err_t *err) {
  const char *v = lg_cli_arg(c->cli, name);
  if (!v) return lg_err_set(err, LG_EINVAL, "缺少选项 --%s (JSON 文本或文件)", name);
  json_error_t je;
  *out = (v[0] == '{' || v[0] == '[') ? json_loads(v, 0, &je) : json_load_file(v, 0, &je);
  if (!*out) {
    lg_err_set(err, LG_EINVAL, "--%s: 不是有效的 JSON (%s)", name, je.text);
    lg_err_where(err, "%s line %d, column %d", v, je.line, je.column);
    return LG_EINVAL;
  }
  return 0;
}

static int need_num(ctx_t *c, const char *name, double *v, lg_err_t *err) {
  if (!lg_cli_arg(c->cli, name)) return lg_err_set(err, LG_EINVAL, "缺少选项 --%s", name);
  return lg_cli_arg_double(c->cli, name, v, err);
}

static int parcel_id(ctx_t *c, int64_t *id, lg_err_t *err) {
  if (c->cli->args.npos < 2) return lg_err_set(err, LG_EINVAL, "缺少标准地 (编号或 id)");
  return lg_industry_parcel_find(c->s, c->cli->args.pos[1], id, err);
}

static int print(ctx_t *c, json_t *o) {
  if (c->cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  char *t = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  printf("%s\n", t);
  free(t);
  json_decref(o);
  return 0;
}

static int do_conditions(ctx_t *c, lg_err_t *err) {
  if (c->cli->args.npos < 2) return lg_err_set(err, LG_EINVAL, "缺少行业代码 (GB/T 4754)");
  json_t *cfg = NULL, *o = NULL;
  int rc = lg_industry_config(c->s, &cfg, err);
  if (rc == 0) rc = lg_industry_conditions(cfg, c->cli->args.pos[1], &o, err);
  json_decref(cfg);
  if (rc || c->cli->json) return rc ? rc : print(c, o);
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    printf("%-16s %s %g %s  (来源 %s%s)\n", json_string_value(json_object_get(v, "title")),
           json_string_value(json_object_get(v, "op")),
           json_number_value(json_object_get(v, "value")),
           json_string_value(json_object_get(v, "unit")),
           json_string_value(json_object_get(v, "source")),
           json_is_false(json_object_get(v, "confirmed")) ? ", 未核对" : "");
  }
  json_decref(o);
  return 0;
}

static int do_parcels(ctx_t *c, lg_err_t *err) {
  json_t *o = NULL;
  const char *d = lg_cli_arg(c->cli, "division");
  int rc = 0;
  if (lg_cli_arg(c->cli, "as")) {
    /* An account sees the parcels of its jurisdiction (or those of the
     * division it names, if it may read them). */
    lg_object_ref_t obj = {.division = d && *d ? d : c->who.division};
    rc = lg_auth_require(c->s, &c->who, "industry", "read", &obj, err);
    if (!d || !*d) d = c->who.division;
  }
  if (rc == 0) rc = lg_industry_parcels(c->s, d ? d : "", &o, err);
  if (rc || c->cli->json) return rc ? rc : print(c, o);
  static const char *const h[] = {"编号", "名称", "行政区", "行业", "面积 (亩)", "企业", "验收"};
  lg_cli_table_t *t = lg_cli_table_new(7, h);
  size_t i;
  json_t *p;
  json_array_foreach(o, i, p) {
    char mu[32];
    lg_fmt_num(mu, sizeof mu,
               json_number_value(json_object_get(p, "area_m2")) / LG_INDUSTRY_M2_PER_MU, 2);
    const char *r = json_string_value(json_object_get(p, "result"));
    lg_cli_table_add(t, json_string_value(json_object_get(p, "code")),
                     json_string_value(json_object_get(p, "name")),
                     json_string_value(json_object_get(p, "division")),
                     json_string_value(json_object_get(p, "industry")), mu,
                     json_is_string(json_object_get(p, "enterprise"))
                         ? json_string_value(json_object_get(p, "enterprise"))
                         : "",
                     !r                      ? ""
                     : !strcmp(r, "pass")    ? "通过"
                     : !strcmp(r, "rectify") ? "整改"
                                             : "违约");
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_parcel(ctx_t *c, lg_err_t *err) {
  const char *sub = c->cli->args.npos > 1 ? c->cli->args.pos[1] : "";
  int64_t id = 0;
  json_t *o = NULL;
  int rc = 0;
  if (!strcmp(sub, "add")) {
    json_t *set = NULL;
    double area = 0;
    if (lg_cli_arg(c->cli, "set") && (rc = json_arg(c, "set", &set, err))) return rc;
    if (lg_cli_arg(c->cli, "area")) rc = lg_cli_arg_double(c->cli, "area", &area, err);
    lg_industry_parcel_req_t r = {.code = lg_cli_arg(c->cli, "code"),
                                  .name = lg_cli_arg(c->cli, "name"),
                                  .division = lg_cli_arg(c->cli, "division"),
                                  .industry = lg_cli_arg(c->cli, "industry"),
                                  .area_m2 = area,
                                  .supply = lg_cli_arg(c->cli, "supply"),
                                  .set = set};
    if (rc == 0) rc = lg_industry_parcel_create(c->s, &c->who, &r, &id, err);
    json_decref(set);
  } else if (!strcmp(sub, "show")) {
    if (c->cli->args.npos < 3) return lg_err_set(err, LG_EINVAL, "缺少标准地 (编号或 id)");
    rc = lg_industry_parcel_find(c->s, c->cli->args.pos[2], &id, err);
  } else {
    return lg_err_set(err, LG_EINVAL, "parcel 的子命令: add、show");
  }
  if (rc == 0) rc = lg_industry_parcel_get(c->s, id, &o, err);
  return rc ? rc : print(c, o);
}

static int do_admit(ctx_t *c, lg_err_t *err) {
  int64_t id = 0;
  json_t *pj = NULL, *o = NULL;
  lg_industry_project_t p;
  int rc = parcel_id(c, &id, err);
  if (rc == 0) rc = json_arg(c, "project", &pj, err);
  if (rc == 0) rc = lg_industry_project_from_json(pj, &p, err);
  if (rc == 0) rc = lg_industry_admission(c->s, id, &p, &o, err);
  json_decref(pj);
  if (rc || c->cli->json) return rc ? rc : print(c, o);
  printf("准入审查: %s\n", json_string_value(json_object_get(o, "verdict_title")));
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(o, "reasons"), i, r) printf("  - %s\n", json_string_value(r));
  json_decref(o);
  return 0;
}

static int do_commit(ctx_t *c, lg_err_t *err) {
  int64_t id = 0;
  lg_industry_commitment_t m = {.credit_code = lg_cli_arg(c->cli, "credit-code"),
                                .enterprise = lg_cli_arg(c->cli, "enterprise"),
                                .signed_on = lg_cli_arg(c->cli, "signed"),
                                .start_on = lg_cli_arg(c->cli, "start"),
                                .completion_on = lg_cli_arg(c->cli, "completion"),
                                .production_on = lg_cli_arg(c->cli, "production")};
  json_t *o = NULL;
  int rc = parcel_id(c, &id, err);
  if (rc == 0) rc = need_num(c, "investment", &m.investment_wan, err);
  if (rc == 0) rc = need_num(c, "output-per-mu", &m.output_per_mu_wan, err);
  if (rc == 0) rc = need_num(c, "tax-per-mu", &m.tax_per_mu_wan, err);
  if (rc == 0) rc = lg_industry_commit(c->s, &c->who, id, &m, NULL, err);
  if (rc == 0) rc = lg_industry_parcel_get(c->s, id, &o, err);
  return rc ? rc : print(c, o);
}

static int do_accept(ctx_t *c, lg_err_t *err) {
  int64_t id = 0;
  json_t *a = NULL, *o = NULL;
  int rc = parcel_id(c, &id, err);
  if (rc == 0) rc = json_arg(c, "actuals", &a, err);
  if (rc == 0)
    rc = lg_industry_accept(c->s, &c->who, id, lg_cli_arg(c->cli, "stage"),
                            lg_cli_arg(c->cli, "on"), a, &o, NULL, err);
  json_decref(a);
  if (rc || c->cli->json) return rc ? rc : print(c, o);
  printf("%s\n", json_string_value(json_object_get(o, "message")));
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(o, "items"), i, it) {
    printf("  %s [%s] %s 约定 %g, 实测 %g%s\n", json_string_value(json_object_get(it, "title")),
           json_string_value(json_object_get(it, "department")),
           json_string_value(json_object_get(it, "op")),
           json_number_value(json_object_get(it, "required")),
           json_number_value(json_object_get(it, "actual")),
           json_is_true(json_object_get(it, "met")) ? "" : " (未达到)");
  }
  json_decref(o);
  return 0;
}

static int do_figures(ctx_t *c, lg_err_t *err) {
  json_t *rows = NULL;
  if (lg_cli_arg(c->cli, "file")) {
    long long year = 0;
    size_t n = 0;
    int rc = lg_cli_arg_int(c->cli, "year", &year, err);
    if (rc == 0 && !year) rc = lg_err_set(err, LG_EINVAL, "缺少选项 --year (数据所属年度)");
    if (rc == 0)
      rc = lg_industry_figures_import(c->s, &c->who, lg_cli_arg(c->cli, "file"), NULL, (int)year,
                                      &n, err);
    if (rc == 0 && c->cli->json)
      lg_cli_print_json(json_pack("{s:I}", "added", (json_int_t)n));
    else if (rc == 0)
      printf("已导入 %zu 家企业的 %lld 年度数据\n", n, year);
    return rc;
  }
  int rc = json_arg(c, "rows", &rows, err);
  if (rc) return rc;
  if (json_is_object(rows) && json_is_array(json_object_get(rows, "rows"))) {
    json_t *r = json_incref(json_object_get(rows, "rows"));
    json_decref(rows);
    rows = r;
  }
  size_t n = json_array_size(rows);
  lg_industry_figures_t *f = lg_calloc(n ? n : 1, sizeof *f);
  if (!n) rc = lg_err_set(err, LG_EINVAL, "--rows: 应为非空列表");
  for (size_t i = 0; i < n && rc == 0; i++)
    if ((rc = lg_industry_figures_from_json(json_array_get(rows, i), &f[i], err)))
      lg_err_prefix(err, "第 %zu 行: ", i + 1);
  if (rc == 0) rc = lg_industry_figures_add(c->s, &c->who, f, n, err);
  if (rc == 0) {
    if (c->cli->json)
      lg_cli_print_json(json_pack("{s:I}", "added", (json_int_t)n));
    else
      printf("已录入 %zu 家企业的年度数据\n", n);
  }
  lg_free(f);
  json_decref(rows);
  return rc;
}

static int do_evaluate(ctx_t *c, lg_err_t *err) {
  long long year = 0;
  json_t *o = NULL;
  int rc = lg_cli_arg_int(c->cli, "year", &year, err);
  if (rc == 0 && !year) rc = lg_err_set(err, LG_EINVAL, "缺少选项 --year");
  if (rc == 0)
    rc = lg_industry_evaluate(c->s, &c->who, (int)year, lg_cli_arg(c->cli, "division"),
                              lg_cli_arg_flag(c->cli, "save"), &o, err);
  if (rc || c->cli->json) return rc ? rc : print(c, o);
  static const char *const h[] = {"名次", "企业", "统一社会信用代码", "规上", "得分", "等级"};
  lg_cli_table_t *t = lg_cli_table_new(6, h);
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(o, "enterprises"), i, e) {
    char rank[16], score[32];
    snprintf(rank, sizeof rank, "%lld", (long long)json_integer_value(json_object_get(e, "rank")));
    lg_fmt_num(score, sizeof score, json_number_value(json_object_get(e, "score")), 2);
    char grade[64];
    snprintf(grade, sizeof grade, "%s %s", json_string_value(json_object_get(e, "grade")),
             json_string_value(json_object_get(e, "grade_title")));
    lg_cli_table_add(t, rank, json_string_value(json_object_get(e, "name")),
                     json_string_value(json_object_get(e, "credit_code")),
                     json_is_true(json_object_get(e, "above_size")) ? "是" : "否", score, grade);
  }
  printf("%lld 年度亩均效益综合评价%s\n", year,
         json_is_integer(json_object_get(o, "id")) ? " (已保存并记入存证账本)" : "");
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_config(ctx_t *c, lg_err_t *err) {
  const char *sub = c->cli->args.npos > 1 ? c->cli->args.pos[1] : "show";
  if (!strcmp(sub, "show")) {
    json_t *cfg = NULL;
    int rc = lg_industry_config(c->s, &cfg, err);
    return rc ? rc : print(c, cfg);
  }
  if (strcmp(sub, "set") || c->cli->args.npos < 3)
    return lg_err_set(err, LG_EINVAL, "用法: landgov industry config [show | set FILE]");
  char *text = NULL;
  size_t n = 0;
  int rc = lg_file_read(c->cli->args.pos[2], &text, &n, err);
  if (rc == 0) rc = lg_industry_config_save(c->s, &c->who, text, err);
  lg_free(text);
  if (rc == 0) printf("产业用地配置已保存并记入存证账本\n");
  return rc;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  static const char *const list =
      "conditions、parcels、parcel、admit、commit、accept、figures、evaluate、config";
  if (cli->args.npos < 1) return lg_err_set(err, LG_EINVAL, "需要子命令: %s", list);
  static const struct {
    const char *name;
    int (*fn)(ctx_t *, lg_err_t *);
    bool writes;
  } subs[] = {
      {"conditions", do_conditions, false}, {"parcels", do_parcels, false},
      {"parcel", do_parcel, true},          {"admit", do_admit, false},
      {"commit", do_commit, true},          {"accept", do_accept, true},
      {"figures", do_figures, true},        {"evaluate", do_evaluate, true},
      {"config", do_config, true},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(subs); i++) {
    if (strcmp(subs[i].name, cli->args.pos[0])) continue;
    ctx_t c = {.cli = cli};
    int rc = lg_cli_open(cli, subs[i].writes ? 0 : LG_STORE_READONLY, &c.s, err);
    if (rc) return rc;
    rc = subject(&c, err);
    if (rc == 0) rc = subs[i].fn(&c, err);
    lg_store_close(c.s);
    return rc;
  }
  return lg_err_set(err, LG_EINVAL, "未知子命令 \"%s\"; 可用: %s", cli->args.pos[0], list);
}

const lg_cmd_t lg_cmd_industry = {
    .name = "industry",
    .summary = "产业用地 (标准地控制指标、准入审查、投资协议、联合验收、亩均效益评价)",
    .usage =
        "conditions INDUSTRY | parcels [--division D]\n"
        "       landgov industry parcel add --code C --name N --industry I (--division D "
        "--area M2 | --supply NO) [--set JSON]\n"
        "       landgov industry parcel show ID|CODE\n"
        "       landgov industry admit ID|CODE --project JSON\n"
        "       landgov industry commit ID|CODE --credit-code X --enterprise N --investment W\n"
        "                    --output-per-mu W --tax-per-mu W --signed D --start D\n"
        "                    --completion D --production D\n"
        "       landgov industry accept ID|CODE --stage completion|performance --on D "
        "--actuals JSON\n"
        "       landgov industry figures --rows JSON\n"
        "       landgov industry evaluate --year Y [--division D] [--save]\n"
        "       landgov industry config [show | set FILE]\n"
        "金额单位万元, 面积平方米; JSON 选项可为文件或 JSON 文本; 写入操作可加 --as LOGIN。",
    .options = "as=,division=,code=,name=,industry=,area=,supply=,set=,project=,credit-code=,"
               "enterprise=,investment=,output-per-mu=,tax-per-mu=,signed=,start=,completion=,"
               "production=,stage=,on=,actuals=,rows=,file=,year=,save",
    .run = run,
};
