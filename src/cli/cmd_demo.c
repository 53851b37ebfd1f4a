/*
 * landgov demo: a fresh demo store in one command: creates the database
 * named by --db (refusing to touch an existing one unless --force) and
 * fills it with the synthetic county (landgov gen), then says in Chinese
 * what it made and how to look at it.
 */
#include "cases/cases.h"
#include "cli/cli_int.h"
#include "demo/demo.h"
#include "industry/industry.h"
#include "ledger/ledger.h"
#include "monitor/monitor.h"
#include "onemap/onemap.h"
#include "quota/quota.h"
#include "stock/stock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* From cmd_gen.c. */
int lg_cli_gen_opts(lg_cli_t *cli, lg_onemap_gen_opts_t *o, lg_err_t *err);
void lg_cli_gen_report(lg_cli_t *cli, const lg_onemap_gen_opts_t *o,
                       const lg_onemap_gen_result_t *r);

/* A fresh demo store gets fresh ledger keys too: the old ones go. */
static int remove_keys(lg_store_t *s, lg_err_t *err) {
  for (int w = 0; w < 2; w++) {
    char *p = lg_ledger_key_path(s, w == 1);
    int rc = unlink(p) == 0 || errno == ENOENT
                 ? 0
                 : lg_err_set(err, LG_EIO, "无法删除 %s: %s", p, strerror(errno));
    lg_free(p);
    if (rc) return rc;
  }
  return 0;
}

/* The accounts (with their one password) and the cases, for whoever runs
 * the demo. With --json the demo prints one document (the generator's);
 * the accounts are the same fixed list, documented in README. */
static void print_demo(const lg_demo_user_t *us, size_t n, const json_t *cases) {
  printf("\n演示账户 (密码均为 %s, 仅用于演示库):\n", LG_DEMO_PASSWORD);
  static const char *const uhdr[] = {"用户名", "角色", "行政区"};
  lg_cli_table_t *t = lg_cli_table_new(3, uhdr);
  for (size_t i = 0; i < n; i++)
    lg_cli_table_add(t, us[i].login, us[i].what, us[i].division);
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  printf("\n演示报批案件 (landgov case list; 网页: 审批):\n");
  static const char *const chdr[] = {"案件号", "项目名称", "状态", "审批层级", "批准文号"};
  t = lg_cli_table_new(5, chdr);
  size_t i;
  json_t *c;
  json_array_foreach(cases, i, c) {
    const char *no = json_string_value(json_object_get(c, "document_no"));
    lg_cli_table_add(t, json_string_value(json_object_get(c, "code")),
                     json_string_value(json_object_get(c, "title")),
                     json_string_value(json_object_get(c, "status_title")),
                     json_string_value(json_object_get(c, "level_title")), no ? no : "");
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
}

/* The quota bank's accounts and its reconciliation (landgov quota). */
static void print_quota(lg_store_t *s) {
  json_t *bal = NULL, *rec = NULL;
  if (lg_quota_balances(s, NULL, NULL, NULL, &bal, NULL) == 0 &&
      lg_quota_reconcile(s, &rec, NULL) == 0)
    printf("\n演示指标银行 (landgov quota balance; 网页: 指标银行): %zu 个账户, %lld 条流水, "
           "对账%s; 指标市场 3 个挂牌、2 笔成交, 飞地园区 1 个\n",
           json_array_size(json_object_get(bal, "accounts")),
           (long long)json_integer_value(json_object_get(rec, "movements")),
           json_is_true(json_object_get(rec, "ok")) ? "一致" : "发现不符");
  json_decref(bal);
  json_decref(rec);
}

/* Industrial land: parcels and the year's per-mu grades (landgov industry). */
static void print_industry(lg_store_t *s) {
  json_t *ps = NULL, *ev = NULL;
  if (lg_industry_parcels(s, "", &ps, NULL) == 0 &&
      lg_industry_evaluate(s, NULL, 2025, NULL, false, &ev, NULL) == 0) {
    const json_t *g = json_object_get(ev, "grades");
    printf("\n演示产业用地 (landgov industry parcels; landgov industry evaluate --year 2025): "
           "%zu 宗标准地; 2025 年度亩均效益评价 %zu 家企业, A %lld, B %lld, C %lld, D %lld\n",
           json_array_size(ps), json_array_size(json_object_get(ev, "enterprises")),
           (long long)json_integer_value(json_object_get(g, "A")),
           (long long)json_integer_value(json_object_get(g, "B")),
           (long long)json_integer_value(json_object_get(g, "C")),
           (long long)json_integer_value(json_object_get(g, "D")));
  }
  json_decref(ps);
  json_decref(ev);
}

/* The stock ledgers' totals by county (landgov stock summary). */
static void print_stock(const json_t *sum) {
  printf("\n演示存量土地 (landgov stock summary; 网页: 存量土地):\n");
  static const char *const hdr[] = {"县",     "批准用地", "批准(公顷)", "未供(公顷)",
                                    "消化率", "供地",     "供而未用",   "闲置(公顷)"};
  lg_cli_table_t *t = lg_cli_table_new(8, hdr);
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(sum, "counties"), i, c) {
    char a[16], b[32], u[32], d[16], n[16], un[16], id[32];
    snprintf(a, sizeof a, "%lld", (long long)json_integer_value(json_object_get(c, "approvals")));
    lg_fmt_num(b, sizeof b, json_number_value(json_object_get(c, "approved_ha")), 2);
    lg_fmt_num(u, sizeof u, json_number_value(json_object_get(c, "unsupplied_ha")), 2);
    snprintf(d, sizeof d, "%.1f%%", 100 * json_number_value(json_object_get(c, "digestion_rate")));
    snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(c, "supplies")));
    snprintf(un, sizeof un, "%lld", (long long)json_integer_value(json_object_get(c, "unused")));
    lg_fmt_num(id, sizeof id, json_number_value(json_object_get(c, "idle_ha")), 2);
    lg_cli_table_add(t, json_string_value(json_object_get(c, "county")), a, b, u, d, n, un, id);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
}

/* The demo's monitoring batch: its verdicts and its alerts by state. */
static void print_monitor(lg_store_t *s) {
  json_t *bs = NULL, *b = NULL, *al = NULL;
  lg_err_t e = {0};
  if (lg_monitor_batches(s, NULL, &bs, &e) != 0) return;
  json_t *first = json_array_get(json_object_get(bs, "batches"), 0);
  int64_t id = json_integer_value(json_object_get(first, "id"));
  if (id && lg_monitor_batch_get(s, id, false, &b, &e) == 0 &&
      lg_monitor_alerts(s, NULL, id, NULL, 0, &al, &e) == 0) {
    printf("\n演示监测预警 (landgov monitor show %lld; landgov monitor alerts; 网页: 监测预警):\n",
           (long long)id);
    printf("  %s: 图斑 %lld 个", json_string_value(json_object_get(b, "name")),
           (long long)json_integer_value(json_object_get(b, "patch_count")));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(b, "counts"), i, v)
        printf(", %s %lld", json_string_value(json_object_get(v, "title")),
               (long long)json_integer_value(json_object_get(v, "n")));
    printf("\n  预警 %zu 条", json_array_size(json_object_get(al, "alerts")));
    json_array_foreach(json_object_get(al, "totals"), i, v)
        printf(", %s %lld", json_string_value(json_object_get(v, "title")),
               (long long)json_integer_value(json_object_get(v, "n")));
    printf("\n");
  }
  json_decref(bs);
  json_decref(b);
  json_decref(al);
}

/* What the demo made, module by module. */
static int print_made(lg_store_t *s, const lg_demo_user_t *us, size_t n, lg_err_t *err) {
  json_t *cases = NULL, *stock = NULL;
  lg_stock_query_t all = {.scope = "all"};
  int rc = lg_cases_list(s, NULL, LG_SCOPE_ALL, NULL, &cases, err);
  if (rc == 0) rc = lg_stock_summary(s, &all, &stock, err);
  if (rc == 0) {
    print_demo(us, n, cases);
    print_stock(stock);
    print_quota(s);
    print_monitor(s);
    print_industry(s);
  }
  json_decref(cases);
  json_decref(stock);
  return rc;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  lg_onemap_gen_opts_t o;
  int rc = lg_cli_gen_opts(cli, &o, err);
  if (rc) return rc;
  bool exists = false;
  if ((rc = lg_store_exists(cli->db_path, &exists, err))) return rc;
  if (exists) {
    if (!lg_cli_arg_flag(cli, "force"))
      return lg_err_set(err, LG_ECONFLICT,
                        "数据库 %s 已存在; 演示库需要新建: 请换一个 --db 路径, 或加 --force 覆盖",
                        cli->db_path);
    if ((rc = lg_store_destroy(cli->db_path, err))) return rc;
  }
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, LG_STORE_CREATE, &s, err))) return rc;
  lg_onemap_gen_result_t r;
  rc = remove_keys(s, err);
  if (rc == 0) rc = lg_onemap_gen(s, &o, &r, err);
  /* As `landgov init` does: the ledger's signing and witness keys. */
  if (rc == 0) {
    char origin[64];
    snprintf(origin, sizeof origin, "landgov.example/%s", r.county_code);
    rc = lg_ledger_init(s, origin, err);
  }
  lg_store_close(s);
  if (rc) return rc;
  if (!cli->json) printf("演示数据库 %s 已创建\n\n", cli->db_path);
  lg_cli_gen_report(cli, &o, &r);
  if (!cli->json)
    printf("\n查看: landgov --db %s layers; 浏览: landgov --db %s serve\n", cli->db_path,
           cli->db_path);
  /* The demo content of every module (src/demo), then what was made. */
  if ((rc = lg_cli_open(cli, 0, &s, err))) return rc;
  lg_demo_user_t *us = NULL;
  size_t n = 0;
  rc = lg_demo_users(s, r.county_code, &us, &n, err);
  /* The quota bank's year, then the cases (their approvals consume
   * quota), the stock ledgers, then the quota market and an enclave
   * park. */
  if (rc == 0) rc = lg_demo_quota_setup(s, &r, err);
  if (rc == 0) rc = lg_demo_cases(s, &r, err);
  if (rc == 0) rc = lg_demo_stock(s, &r, err);
  if (rc == 0) rc = lg_demo_quota(s, &r, err);
  if (rc == 0) rc = lg_demo_monitor(s, &r, err);
  if (rc == 0) rc = lg_demo_industry(s, &r, err);
  if (rc == 0) rc = lg_demo_consol(s, &r, err);
  if (rc == 0 && !cli->json) rc = print_made(s, us, n, err);
  lg_store_close(s);
  lg_free(us);
  return rc;
}

const lg_cmd_t lg_cmd_demo = {
    .name = "demo",
    .summary = "新建演示数据库 (合成县)",
    .usage = "[--patches N] [--seed S] [--force]",
    .options = "patches=,seed=,force",
    .run = run,
};
