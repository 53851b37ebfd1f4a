/*
 * landgov consol: whole-region land consolidation (src/consol).
 *
 *   consol potential (--township CODE | --area FILE [--srid N]) [--features]
 *   consol register --name N --type farmland|reclamation|ecological|heritage
 *                   --division D --budget-fen N --start YYYY-MM-DD --end YYYY-MM-DD
 *                   --area FILE [--srid N] [--note T]
 *   consol list [--status S] | consol show ID
 *   consol advance ID --to approved|implementing [--document NO] [--note T]
 *   consol accept ID --document NO [--date YYYY-MM-DD] [--cultivated M2] [--grain KG]
 *                   [--paddy M2] [--linkage M2] [--note T]
 *   consol evaluate ID --before LAYER --after LAYER   (before and after, as the issue asks)
 *   consol config [show | set FILE]   (the thresholds and rates, data/consol/default.json)
 *
 * An area FILE is anything a boundary may be (a Ministry coordinate file,
 * GeoJSON, WKT, a Shapefile...), read as the compliance check reads it.
 * Writes may carry --as LOGIN to act with that account's permissions.
 */
#include "auth/auth.h"
#include "cli/cli_int.h"
#include "consol/consol.h"
#include "quota/quota.h"
#include "review/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
  lg_cli_t *cli;
  lg_store_t *s;
  lg_subject_t who;
} ctx_t;

static const char *str(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}

static double dnum(const json_t *o, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  const json_t *v = o;
  for (char *p = buf, *e; p && v; p = e) {
    e = strchr(p, '.');
    if (e) *e++ = '\0';
    v = json_object_get(v, p);
  }
  return json_is_number(v) ? json_number_value(v) : 0;
}

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

static int64_t pos_id(ctx_t *c, lg_err_t *err) {
  const char *p = c->cli->args.npos > 1 ? c->cli->args.pos[1] : NULL;
  char *end;
  long long v = p ? strtoll(p, &end, 10) : 0;
  if (!p || *end || v <= 0) {
    lg_err_set(err, LG_EINVAL, "需要项目编号 (数字), 如 landgov consol show 1");
    return 0;
  }
  return v;
}

static int read_area(ctx_t *c, lg_boundary_t *b, lg_err_t *err) {
  const char *path = lg_cli_arg(c->cli, "area");
  long long srid = 0;
  int rc = lg_cli_arg_int(c->cli, "srid", &srid, err);
  if (rc) return rc;
  lg_boundary_opts_t o = {.srs_id = (int)srid};
  return lg_review_boundary_read(path, &o, b, err);
}

static void print_potential(const json_t *p) {
  char a[48], b[48], f[48], s[48], q1[48], q2[48];
  lg_fmt_num(a, sizeof a, dnum(p, "cultivated.area_m2"), 2);
  lg_fmt_num(b, sizeof b, dnum(p, "cultivated.largest_block_m2"), 2);
  lg_fmt_num(f, sizeof f, dnum(p, "cultivated.fragments.area_m2"), 2);
  lg_fmt_num(s, sizeof s, dnum(p, "rural_construction.scattered.area_m2"), 2);
  lg_fmt_num(q1, sizeof q1, dnum(p, "quotas.cultivated_area"), 0);
  lg_fmt_num(q2, sizeof q2, dnum(p, "quotas.linkage_surplus"), 0);
  printf("整治潜力 (%s)\n",
         json_string_value(json_object_get(json_object_get(p, "unit"), "township")) ?: "手绘单元");
  printf("  耕地 %s 平方米, 连片 %.0f 块, 最大连片 %s 平方米\n", a, dnum(p, "cultivated.blocks"),
         b);
  printf("  耕地碎片 (不足 3 亩) %.0f 块, %s 平方米\n", dnum(p, "cultivated.fragments.count"), f);
  printf("  开发边界外零散农村建设用地 %.0f 块, %s 平方米\n",
         dnum(p, "rural_construction.scattered.count"), s);
  printf("  可产生指标: 新增耕地 %s 平方米, 增减挂钩节余 %s 平方米\n", q1, q2);
}

static int do_potential(ctx_t *c, lg_err_t *err) {
  lg_boundary_t b;
  lg_review_boundary_init(&b);
  json_t *o = NULL;
  lg_consol_unit_t u = {.township = lg_cli_arg(c->cli, "township"),
                        .with_geometry = lg_cli_arg_flag(c->cli, "features")};
  int rc = 0;
  if (lg_cli_arg(c->cli, "area") && (rc = read_area(c, &b, err)) == 0) {
    u.area = b.geom;
    u.srid = b.srs_id;
  }
  if (rc == 0) rc = lg_consol_potential(c->s, &u, &o, err);
  if (rc == 0) {
    if (c->cli->json)
      lg_cli_print_json(json_incref(o));
    else
      print_potential(o);
  }
  json_decref(o);
  lg_review_boundary_fini(&b);
  return rc;
}

static int do_register(ctx_t *c, lg_err_t *err) {
  lg_boundary_t b;
  lg_review_boundary_init(&b);
  long long budget = 0;
  int64_t id = 0;
  int rc = lg_cli_arg_int(c->cli, "budget-fen", &budget, err);
  if (rc == 0 && !lg_cli_arg(c->cli, "area"))
    rc = lg_err_set(err, LG_EINVAL, "缺少选项 --area (项目区范围文件)");
  if (rc == 0) rc = read_area(c, &b, err);
  if (rc) goto done;
  lg_consol_project_new_t p = {.name = lg_cli_arg(c->cli, "name"),
                               .type = lg_cli_arg(c->cli, "type"),
                               .division = lg_cli_arg(c->cli, "division"),
                               .budget_fen = budget,
                               .start_on = lg_cli_arg(c->cli, "start"),
                               .end_on = lg_cli_arg(c->cli, "end"),
                               .area = b.geom,
                               .srid = b.srs_id,
                               .note = lg_cli_arg(c->cli, "note")};
  if ((rc = lg_consol_project_register(c->s, &c->who, &p, &id, err))) goto done;
  json_t *o = NULL;
  if ((rc = lg_consol_project_get(c->s, id, &o, err))) goto done;
  if (c->cli->json) {
    lg_cli_print_json(o);
  } else {
    printf("已入库: %s %s (编号 %lld)\n", str(o, "code"), str(o, "name"), (long long)id);
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(json_object_get(o, "controls"), "warnings"), i, w)
        printf("  提示: %s\n", json_string_value(w));
    json_decref(o);
  }
done:
  lg_review_boundary_fini(&b);
  return rc;
}

static int do_list(ctx_t *c, lg_err_t *err) {
  lg_auth_filter_t f = {.kind = "all"};
  json_t *o = NULL;
  int rc = 0;
  if (lg_cli_arg(c->cli, "as")) {
    int scope;
    if ((rc = lg_auth_scope(c->s, &c->who, "consol", "read", &scope, err))) return rc;
    if (scope == LG_SCOPE_NONE) return lg_auth_require(c->s, &c->who, "consol", "read", NULL, err);
    lg_auth_filter_make(&c->who, scope, &f);
  }
  if ((rc = lg_consol_projects(c->s, &f, lg_cli_arg(c->cli, "status"), &o, err))) return rc;
  if (c->cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  static const char *const hdr[] = {"编号",   "项目代码", "名称",          "类型",
                                    "行政区", "状态",     "面积 (平方米)", "预算 (元)"};
  lg_cli_table_t *t = lg_cli_table_new(8, hdr);
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(o, "projects"), i, p) {
    char id[24], a[48], b[48];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(p, "id")));
    lg_fmt_num(a, sizeof a, dnum(p, "area_m2"), 2);
    lg_fmt_num(b, sizeof b, dnum(p, "budget_fen") / 100.0, 2);
    lg_cli_table_add(t, id, str(p, "code"), str(p, "name"), str(p, "type_title"),
                     str(p, "division"), str(p, "status_title"), a, b);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_show(ctx_t *c, lg_err_t *err) {
  int64_t id = pos_id(c, err);
  json_t *o = NULL;
  if (!id) return LG_EINVAL;
  int rc = lg_consol_project_get(c->s, id, &o, err);
  if (rc) return rc;
  if (lg_cli_arg(c->cli, "as")) {
    lg_object_ref_t obj = {.division = str(o, "division")};
    if ((rc = lg_auth_require(c->s, &c->who, "consol", "read", &obj, err))) {
      json_decref(o);
      return rc;
    }
  }
  if (!c->cli->json) json_object_del(o, "geometry");
  lg_cli_print_json(o); /* a project is a document: JSON either way */
  return 0;
}

static int do_advance(ctx_t *c, lg_err_t *err) {
  int64_t id = pos_id(c, err);
  if (!id) return LG_EINVAL;
  int rc =
      lg_consol_project_advance(c->s, &c->who, id, lg_cli_arg(c->cli, "to"),
                                lg_cli_arg(c->cli, "document"), lg_cli_arg(c->cli, "note"), err);
  if (rc == 0 && !c->cli->json)
    printf("项目 %lld 已转为「%s」\n", (long long)id,
           lg_consol_status_title(lg_cli_arg(c->cli, "to")));
  return rc;
}

static int do_accept(ctx_t *c, lg_err_t *err) {
  int64_t id = pos_id(c, err);
  long long cu = 0, gr = 0, pa = 0, li = 0;
  if (!id) return LG_EINVAL;
  int rc = lg_cli_arg_int(c->cli, "cultivated", &cu, err);
  if (rc == 0) rc = lg_cli_arg_int(c->cli, "grain", &gr, err);
  if (rc == 0) rc = lg_cli_arg_int(c->cli, "paddy", &pa, err);
  if (rc == 0) rc = lg_cli_arg_int(c->cli, "linkage", &li, err);
  if (rc) return rc;
  lg_consol_acceptance_t a = {.document = lg_cli_arg(c->cli, "document"),
                              .accepted_on = lg_cli_arg(c->cli, "date"),
                              .cultivated_m2 = cu,
                              .grain_kg = gr,
                              .paddy_m2 = pa,
                              .linkage_m2 = li,
                              .note = lg_cli_arg(c->cli, "note")};
  if ((rc = lg_consol_project_accept(c->s, &c->who, id, &a, err))) return rc;
  json_t *o = NULL;
  if ((rc = lg_consol_project_get(c->s, id, &o, err))) return rc;
  if (c->cli->json) {
    lg_cli_print_json(json_incref(json_object_get(o, "acceptance")));
  } else {
    printf("项目 %s 已验收\n", str(o, "code"));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(json_object_get(o, "acceptance"), "movements"), i, m)
        printf("  指标入库: %s %lld (流水 %lld)\n", str(m, "kind"),
               (long long)json_integer_value(json_object_get(m, "amount")),
               (long long)json_integer_value(json_object_get(m, "movement_id")));
  }
  json_decref(o);
  return 0;
}

static int do_evaluate(ctx_t *c, lg_err_t *err) {
  int64_t id = pos_id(c, err);
  if (!id) return LG_EINVAL;
  json_t *o = NULL;
  char div[16];
  int rc = lg_consol_project_division(c->s, id, div, err);
  if (rc == 0 && lg_cli_arg(c->cli, "as")) {
    lg_object_ref_t obj = {.division = div};
    rc = lg_auth_require(c->s, &c->who, "consol", "read", &obj, err);
  }
  if (rc == 0)
    rc = lg_consol_evaluate(c->s, id, lg_cli_arg(c->cli, "before"), lg_cli_arg(c->cli, "after"), &o,
                            err);
  if (rc) return rc;
  if (c->cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  static const struct {
    const char *key, *title;
  } rows[] = {{"cultivated_m2", "耕地面积 (平方米)"},
              {"paddy_m2", "水田面积 (平方米)"},
              {"pbf_cultivated_m2", "永久基本农田内耕地 (平方米)"},
              {"blocks", "耕地连片块数"},
              {"fragments", "不足 3 亩的耕地碎片 (块)"},
              {"fragments_m2", "耕地碎片面积 (平方米)"},
              {"mean_block_m2", "平均连片面积 (平方米)"},
              {"largest_block_m2", "最大连片面积 (平方米)"},
              {"rural_construction_m2", "农村宅基地 (平方米)"},
              {"construction_m2", "建设用地 (平方米)"}};
  static const char *const hdr[] = {"指标", "整治前", "整治后", "变化"};
  lg_cli_table_t *t = lg_cli_table_new(4, hdr);
  for (size_t i = 0; i < LG_ARRAY_LEN(rows); i++) {
    const json_t *r = json_object_get(o, rows[i].key);
    char b[48], a[48], d[48];
    int dec = json_is_integer(json_object_get(r, "before")) ? 0 : 2;
    lg_fmt_num(b, sizeof b, dnum(r, "before"), dec);
    lg_fmt_num(a, sizeof a, dnum(r, "after"), dec);
    lg_fmt_num(d, sizeof d, dnum(r, "change"), dec);
    lg_cli_table_add(t, rows[i].title, b, a, d);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  printf("可产生指标: 新增耕地 %.0f 平方米, 水田 %.0f 平方米, 增减挂钩节余 %.0f 平方米\n",
         dnum(o, "quotas.cultivated_area"), dnum(o, "quotas.cultivated_paddy"),
         dnum(o, "quotas.linkage_surplus"));
  size_t i;
  json_t *n;
  json_array_foreach(json_object_get(o, "notes"), i, n) printf("说明: %s\n", json_string_value(n));
  json_decref(o);
  return 0;
}

static int do_config(ctx_t *c, lg_err_t *err) {
  const char *what = c->cli->args.npos > 1 ? c->cli->args.pos[1] : "show";
  if (!strcmp(what, "show")) {
    json_t *cfg = NULL;
    int rc = lg_consol_config(c->s, &cfg, err);
    if (rc == 0) lg_cli_print_json(cfg);
    return rc;
  }
  if (strcmp(what, "set") || c->cli->args.npos < 3)
    return lg_err_set(err, LG_EINVAL, "用法: landgov consol config [show | set FILE]");
  char *text = NULL;
  size_t n = 0;
  int rc = lg_file_read(c->cli->args.pos[2], &text, &n, err);
  if (rc == 0) rc = lg_consol_config_save(c->s, text, &c->who, err);
  if (rc == 0 && !c->cli->json) printf("已保存全域土地综合整治配置 (记入账本)\n");
  lg_free(text);
  return rc;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  static const char *const list =
      "potential、register、list、show、advance、accept、evaluate、config";
  if (cli->args.npos < 1) return lg_err_set(err, LG_EINVAL, "需要子命令: %s", list);
  const char *sub = cli->args.pos[0];
  static const struct {
    const char *name;
    int (*fn)(ctx_t *, lg_err_t *);
    bool writes;
  } subs[] = {
      {"potential", do_potential, false}, {"register", do_register, true},
      {"list", do_list, false},           {"show", do_show, false},
      {"advance", do_advance, true},      {"accept", do_accept, true},
      {"config", do_config, true},        {"evaluate", do_evaluate, false},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(subs); i++) {
    if (strcmp(subs[i].name, sub)) continue;
    ctx_t c = {.cli = cli};
    int rc = lg_cli_open(cli, subs[i].writes ? 0 : LG_STORE_READONLY, &c.s, err);
    if (rc) return rc;
    lg_quota_init();
    rc = subject(&c, err);
    if (rc == 0) rc = subs[i].fn(&c, err);
    lg_store_close(c.s);
    return rc;
  }
  return lg_err_set(err, LG_EINVAL, "未知子命令 \"%s\"; 可用: %s", sub, list);
}

const lg_cmd_t lg_cmd_consol = {
    .name = "consol",
    .summary = "全域土地综合整治 (整治潜力、项目库、立项实施、验收产生指标)",
    .usage = "potential (--township CODE | --area FILE [--srid N]) [--features]\n"
             "       landgov consol register --name N --type farmland|reclamation|ecological|"
             "heritage\n"
             "                    --division D --budget-fen N --start DATE --end DATE --area FILE\n"
             "                    [--srid N] [--note T]\n"
             "       landgov consol list [--status S] | show ID\n"
             "       landgov consol advance ID --to approved|implementing [--document NO]\n"
             "       landgov consol accept ID --document NO [--date DATE] [--cultivated M2]\n"
             "                    [--grain KG] [--paddy M2] [--linkage M2]\n"
             "       landgov consol evaluate ID --before LAYER --after LAYER\n"
             "       landgov consol config [show | set FILE]\n"
             "写入操作可加 --as LOGIN 以该账户的权限办理; 预算为整数分, 指标为整数平方米或千克。",
    .options =
        "as=,township=,area=,srid=,features,name=,type=,division=,budget-fen=,start=,"
        "end=,note=,status=,to=,document=,date=,cultivated=,grain=,paddy=,linkage=,before=,after=",
    .run = run,
};
