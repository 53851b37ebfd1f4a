/*
 * landgov metrics: the approval measures of src/cases/metrics.c as Chinese
 * tables (or --json): nodes per case, time per level and per department,
 * the share of coordination, overdue steps, each department's daily load
 * against the threshold, and steps where cases wait with nobody acting
 * (流程空转). --as LOGIN measures what that account may see (resource
 * "metrics"); without it, everything (the operator has the file anyway).
 *
 *   metrics approval [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--division CODE]
 *                    [--as LOGIN] [--threshold N] [--idle-days N] [--limit N]
 *   metrics case CASE [--as LOGIN]
 *   metrics settings                       (the settings in force)
 *   metrics set KEY VALUE                  (metrics.load_threshold, ...)
 */
#include "auth/auth.h"
#include "cases/cases.h"
#include "cli/cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

static double num(const json_t *o, const char *key) {
  return json_number_value(json_object_get(o, key));
}

static void fmt(char *out, double v, int decimals) { lg_fmt_num(out, 32, v, decimals); }

static void pct(char *out, double share) { snprintf(out, 32, "%.1f%%", 100.0 * share); }

/* The subject --as names; *have false when it is not given. */
static int subject(lg_cli_t *cli, lg_store_t *s, lg_subject_t *who, bool *have, lg_err_t *err) {
  *have = false;
  const char *login = lg_cli_arg(cli, "as");
  if (!login) return 0;
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc) return rc;
  if (u.disabled) return lg_err_set(err, LG_EPERM, "账户 %s 已停用", login);
  lg_auth_subject_from_user(&u, who);
  *have = true;
  return 0;
}

static void print_spans(const char *title, const char *key_title, const char *key,
                        const json_t *arr) {
  printf("\n%s\n", title);
  const char *hdr[] = {key_title, "环节数", "工作日", "小时", "占比"};
  lg_cli_table_t *tb = lg_cli_table_new(5, hdr);
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    char n[32], wd[32], h[32], sh[32];
    snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(v, "steps")));
    fmt(wd, num(v, "working_days"), 2);
    fmt(h, num(v, "hours"), 1);
    pct(sh, num(v, "share"));
    char name[96];
    snprintf(name, sizeof name, "%s", str(v, "title")[0] ? str(v, "title") : str(v, key));
    lg_cli_table_add(tb, name, n, wd, h, sh);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
}

static void print_overdue(const json_t *arr, bool with_code) {
  if (!json_array_size(arr)) return;
  printf("\n超期环节 (超过办理时限)\n");
  const char *hdr[] = {"案件号", "环节",          "部门",        "行政区", "时限 (工作日)",
                       "到期",   "超期 (工作日)", "超期 (小时)", "状态"};
  lg_cli_table_t *tb = lg_cli_table_new(9, hdr);
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    char lim[16], due[32], wd[32], h[32];
    snprintf(lim, sizeof lim, "%lld",
             (long long)json_integer_value(json_object_get(v, "limit_days")));
    lg_cli_local_time(json_object_get(v, "due_at"), due);
    fmt(wd, num(json_object_get(v, "over"), "working_days"), 2);
    fmt(h, num(json_object_get(v, "over"), "hours"), 1);
    lg_cli_table_add(tb, with_code ? str(v, "code") : "", str(v, "name"),
                     str(v, "department_title"), str(v, "division"), lim, due, wd, h,
                     !strcmp(str(v, "status"), "open") ? "在办" : "已结束");
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
}

static void print_idle(const json_t *arr, int idle_days) {
  if (!json_array_size(arr)) return;
  printf("\n流程空转 (无人办理超过 %d 个工作日, 或无人可办)\n", idle_days);
  const char *hdr[] = {"案件号", "环节", "候选组", "开始", "等待 (工作日)", "等待 (小时)", "情况"};
  lg_cli_table_t *tb = lg_cli_table_new(7, hdr);
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    char since[32], wd[32], h[32], what[96];
    lg_cli_local_time(json_object_get(v, "created_at"), since);
    fmt(wd, num(json_object_get(v, "waited"), "working_days"), 2);
    fmt(h, num(json_object_get(v, "waited"), "hours"), 1);
    bool idle = json_is_true(json_object_get(v, "idle"));
    bool staffed = json_is_true(json_object_get(v, "staffed"));
    snprintf(what, sizeof what, "%s%s%s", idle ? "空转" : "", idle && !staffed ? "; " : "",
             staffed ? "" : "无人可办 (无在职账户)");
    if (strcmp(str(v, "status"), "open"))
      strncat(what, " (已结束)", sizeof what - strlen(what) - 1);
    lg_cli_table_add(tb, str(v, "code"), str(v, "name"), str(v, "groups"), since, wd, h, what);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
}

/* ---- approval ---------------------------------------------------------------------- */

static int do_approval(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, &who, &have, err);
  if (rc) return rc;
  int scope = LG_SCOPE_ALL;
  const char *division = lg_cli_arg(cli, "division");
  if (have) {
    if ((rc = lg_auth_scope(s, &who, "metrics", "read", &scope, err))) return rc;
    if (scope == LG_SCOPE_NONE) return lg_auth_require(s, &who, "metrics", "read", NULL, err);
    if (division) {
      char d[16];
      if ((rc = lg_auth_division_normalize(division, d, "--division", err))) return rc;
      lg_object_ref_t obj = {.division = d};
      if ((rc = lg_auth_require(s, &who, "metrics", "read", &obj, err))) return rc;
    }
  }
  long long threshold = 0, idle = 0, limit = 100;
  if ((rc = lg_cli_arg_int(cli, "threshold", &threshold, err)) ||
      (rc = lg_cli_arg_int(cli, "idle-days", &idle, err)) ||
      (rc = lg_cli_arg_int(cli, "limit", &limit, err)))
    return rc;
  if (threshold < 0 || idle < 0 || limit < 1)
    return lg_err_set(err, LG_EINVAL, "--threshold、--idle-days 应为正整数, --limit 至少为 1");
  lg_case_metrics_opts_t o = {.from = lg_cli_arg(cli, "from"),
                              .to = lg_cli_arg(cli, "to"),
                              .division = division,
                              .who = have ? &who : NULL,
                              .scope = scope,
                              .load_threshold = (int)threshold,
                              .idle_days = (int)idle,
                              .max_cases = (int)limit};
  json_t *m = NULL;
  if ((rc = lg_cases_metrics(s, &o, &m, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(m);
    return 0;
  }
  const json_t *p = json_object_get(m, "period"), *sm = json_object_get(m, "summary"),
               *set = json_object_get(m, "settings"), *sc = json_object_get(m, "scope");
  int idle_days = (int)json_integer_value(json_object_get(set, "idle_days"));
  printf("审批效能统计: %s 至 %s (%lld 个工作日), 范围: %s\n", str(p, "from"), str(p, "to"),
         (long long)json_integer_value(json_object_get(p, "working_days")),
         str(sc, "division")[0] ? str(sc, "division")
         : have                 ? who.division
                                : "全部");
  char a[32], b[32], c[32], d[32];
  printf("案件 %lld 件 (期内立案 %lld, 办结 %lld; 目前在办 %lld)\n",
         (long long)json_integer_value(json_object_get(sm, "cases")),
         (long long)json_integer_value(json_object_get(sm, "filed")),
         (long long)json_integer_value(json_object_get(sm, "concluded")),
         (long long)json_integer_value(json_object_get(sm, "open")));
  const json_t *ec = json_object_get(sm, "elapsed_per_concluded_case");
  fmt(a, num(sm, "nodes_per_concluded_case"), 2);
  fmt(b, num(ec, "working_days"), 2);
  fmt(c, num(ec, "hours"), 1);
  if (json_integer_value(json_object_get(sm, "concluded")) > 0)
    printf("办结案件平均经过审批节点 %s 个, 平均用时 %s 个工作日 (%s 小时)\n", a, b, c);
  else
    printf("期内无办结案件\n");
  const json_t *co = json_object_get(sm, "coordination");
  pct(a, num(co, "share"));
  pct(b, num(co, "share_hours"));
  fmt(c, num(co, "working_days"), 2);
  fmt(d, num(json_object_get(sm, "time"), "working_days"), 2);
  printf("协调 (%s) 用时 %s / %s 个工作日, 占 %s (按小时 %s)\n", "联合审查、联合审批委员会", c, d,
         a, b);
  printf("超期环节 %lld 个; 流程空转 %lld 个; 无人可办 %lld 个; 超负荷部门 %lld 个 (阈值 %lld "
         "件/日)\n",
         (long long)json_integer_value(json_object_get(sm, "overdue_steps")),
         (long long)json_integer_value(json_object_get(sm, "idle_steps")),
         (long long)json_integer_value(json_object_get(sm, "unstaffed_steps")),
         (long long)json_integer_value(json_object_get(sm, "overloaded_units")),
         (long long)json_integer_value(json_object_get(set, "load_threshold")));

  print_spans("各层级用时", "层级", "level", json_object_get(m, "levels"));
  print_spans("各部门用时", "部门", "department", json_object_get(m, "departments"));

  const json_t *load = json_object_get(m, "load");
  if (json_array_size(load)) {
    printf("\n部门日负荷 (每日办结所涉案件数, 阈值 %lld 件/日)\n",
           (long long)json_integer_value(json_object_get(set, "load_threshold")));
    const char *hdr[] = {"部门",     "行政区", "办理",   "到达",
                         "工作日均", "峰值",   "峰值日", "超负荷天数"};
    lg_cli_table_t *tb = lg_cli_table_new(8, hdr);
    size_t i;
    json_t *u;
    json_array_foreach(load, i, u) {
      char h[16], ar[16], avg[32], pk[16], od[16];
      snprintf(h, sizeof h, "%lld", (long long)json_integer_value(json_object_get(u, "handled")));
      snprintf(ar, sizeof ar, "%lld", (long long)json_integer_value(json_object_get(u, "arrived")));
      fmt(avg, num(u, "average"), 2);
      snprintf(pk, sizeof pk, "%lld", (long long)json_integer_value(json_object_get(u, "peak")));
      snprintf(od, sizeof od, "%lld",
               (long long)json_integer_value(json_object_get(u, "overloaded_days")));
      lg_cli_table_add(tb, str(u, "title"), str(u, "division"), h, ar, avg, pk, str(u, "peak_day"),
                       od);
    }
    lg_cli_table_print(tb);
    lg_cli_table_free(tb);
  }
  print_overdue(json_object_get(m, "overdue"), true);
  print_idle(json_object_get(m, "idle"), idle_days);
  const json_t *w = json_object_get(m, "warnings");
  if (json_array_size(w)) {
    printf("\n预警\n");
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) printf("  - %s\n", json_string_value(v));
  }
  json_decref(m);
  return 0;
}

/* ---- case ---------------------------------------------------------------------------- */

static int do_case(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  if (cli->args.npos < 2) return lg_err_set(err, LG_EINVAL, "需要案件编号或案件号 (CASE)");
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, &who, &have, err);
  if (rc) return rc;
  int64_t id = 0;
  lg_case_ref_t r;
  if ((rc = lg_cases_find(s, cli->args.pos[1], &id, err)) || (rc = lg_cases_ref(s, id, &r, err)))
    return rc;
  if (have) {
    bool ok = false;
    for (int i = 0; i < r.ndivisions && !ok && rc == 0; i++) {
      lg_object_ref_t obj = {.division = r.divisions[i],
                             .enterprise = r.enterprise[0] ? r.enterprise : NULL,
                             .user_id = r.user_id};
      rc = lg_auth_allowed(s, &who, "metrics", "read", &obj, &ok, err);
    }
    if (rc) return rc;
    if (!ok) {
      lg_object_ref_t obj = {.division = r.division};
      return lg_auth_require(s, &who, "metrics", "read", &obj, err);
    }
  }
  json_t *m = NULL;
  if ((rc = lg_cases_metrics_case(s, id, &m, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(m);
    return 0;
  }
  char a[32], b[32], c[32], d[32];
  lg_cli_local_time(json_object_get(m, "created_at"), a);
  lg_cli_local_time(json_object_get(m, "ended_at"), b);
  printf("案件 %s: %s (%s), 立案 %s%s%s\n", str(m, "code"), str(m, "title"), str(m, "status_title"),
         a, b[0] ? ", 办结 " : ", 在办", b);
  const json_t *el = json_object_get(m, "elapsed"), *nodes = json_object_get(m, "nodes");
  fmt(a, num(el, "working_days"), 2);
  fmt(b, num(el, "hours"), 1);
  printf("用时 %s 个工作日 (%s 小时); 经过审批节点 %lld 个, 在办 %lld 个, 撤销 %lld 个\n", a, b,
         (long long)json_integer_value(json_object_get(nodes, "passed")),
         (long long)json_integer_value(json_object_get(nodes, "open")),
         (long long)json_integer_value(json_object_get(nodes, "cancelled")));
  const json_t *co = json_object_get(m, "coordination");
  fmt(a, num(co, "working_days"), 2);
  pct(b, num(co, "share"));
  pct(c, num(co, "share_hours"));
  fmt(d, num(json_object_get(m, "waiting"), "working_days"), 2);
  printf("协调用时 %s 个工作日, 占 %s (按小时 %s); 法定公告等无人环节的时间 %s 个工作日\n", a, b, c,
         d);
  print_spans("各层级用时", "层级", "level", json_object_get(m, "levels"));
  print_spans("各部门用时", "部门", "department", json_object_get(m, "departments"));
  printf("\n环节\n");
  const char *hdr[] = {"任务", "环节", "部门", "行政区", "开始", "结束", "工作日", "小时", "协调"};
  lg_cli_table_t *tb = lg_cli_table_new(9, hdr);
  size_t i;
  json_t *st;
  json_array_foreach(json_object_get(m, "steps"), i, st) {
    char tid[24], t0[32], t1[32], wd[32], h[32];
    snprintf(tid, sizeof tid, "%lld",
             (long long)json_integer_value(json_object_get(st, "task_id")));
    lg_cli_local_time(json_object_get(st, "created_at"), t0);
    lg_cli_local_time(json_object_get(st, "completed_at"), t1);
    fmt(wd, num(json_object_get(st, "time"), "working_days"), 2);
    fmt(h, num(json_object_get(st, "time"), "hours"), 1);
    lg_cli_table_add(tb, tid, str(st, "name"), str(st, "department_title"), str(st, "division"), t0,
                     t1[0] ? t1 : "(在办)", wd, h,
                     json_is_true(json_object_get(st, "coordination")) ? "是" : "");
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
  print_overdue(json_object_get(m, "overdue"), true);
  print_idle(json_object_get(m, "idle"),
             (int)json_integer_value(json_object_get(json_object_get(m, "settings"), "idle_days")));
  json_decref(m);
  return 0;
}

/* ---- settings ------------------------------------------------------------------------ */

static int do_settings(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_case_metrics_settings_t set;
  int rc = lg_cases_metrics_settings(s, &set, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:i, s:i, s:s}", "metrics.load_threshold", set.load_threshold,
                                "metrics.idle_days", set.idle_days, "metrics.coordination_nodes",
                                set.coordination_nodes));
    return 0;
  }
  const char *hdr[] = {"设置", "值", "含义"};
  lg_cli_table_t *tb = lg_cli_table_new(3, hdr);
  char a[16], b[16];
  snprintf(a, sizeof a, "%d", set.load_threshold);
  snprintf(b, sizeof b, "%d", set.idle_days);
  lg_cli_table_add(tb, "metrics.load_threshold", a,
                   "部门日办理量超过此数即超负荷 (件/日; seed 000 §1.2.1: 10)");
  lg_cli_table_add(tb, "metrics.idle_days", b, "环节无人办理超过此数即流程空转 (工作日)");
  lg_cli_table_add(tb, "metrics.coordination_nodes", set.coordination_nodes,
                   "计入协调用时的流程环节 (联合审查、联合审批委员会)");
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
  return 0;
}

static int do_set(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  if (cli->args.npos < 3) return lg_err_set(err, LG_EINVAL, "用法: landgov metrics set KEY VALUE");
  const char *name = lg_cli_arg(cli, "actor");
  lg_subject_t by;
  lg_auth_subject_console(&by, name ? name : getenv("USER"));
  int rc = lg_cases_metrics_setting_set(s, cli->args.pos[1], cli->args.pos[2], &by, err);
  if (rc) return rc;
  if (!cli->json)
    printf("已设置 %s = %s\n", cli->args.pos[1], cli->args.pos[2]);
  else
    lg_cli_print_json(json_pack("{s:s, s:s}", "key", cli->args.pos[1], "value", cli->args.pos[2]));
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos < 1)
    return lg_err_set(err, LG_EINVAL, "需要子命令: approval、case、settings 或 set");
  const char *sub = cli->args.pos[0];
  static const struct {
    const char *name;
    int (*fn)(lg_cli_t *, lg_store_t *, lg_err_t *);
    bool writes;
  } subs[] = {{"approval", do_approval, false},
              {"case", do_case, false},
              {"settings", do_settings, false},
              {"set", do_set, true}};
  for (size_t i = 0; i < LG_ARRAY_LEN(subs); i++) {
    if (strcmp(subs[i].name, sub)) continue;
    lg_store_t *s;
    int rc = lg_cli_open(cli, subs[i].writes ? 0 : LG_STORE_READONLY, &s, err);
    if (rc) return rc;
    /* Measured at the clock tests inject, as the server measures. */
    lg_cases_clock_sync();
    rc = subs[i].fn(cli, s, err);
    lg_store_close(s);
    return rc;
  }
  return lg_err_set(err, LG_EINVAL, "未知子命令 \"%s\"; 可用: approval、case、settings、set", sub);
}

const lg_cmd_t lg_cmd_metrics = {
    .name = "metrics",
    .summary = "审批效能 (审批节点、各层级与部门用时、协调占比、超期、部门负荷、流程空转)",
    .usage = "approval [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--division CODE] [--as LOGIN]\n"
             "                    [--threshold N] [--idle-days N] [--limit N]\n"
             "       landgov metrics case CASE [--as LOGIN]\n"
             "       landgov metrics settings\n"
             "       landgov metrics set KEY VALUE   (metrics.load_threshold 件/日,\n"
             "                    metrics.idle_days 工作日, metrics.coordination_nodes)\n"
             "期间按北京时间日期计 (含首尾), 缺省为截至今日的 30 天; 时间同时以工作日 (工作日历)\n"
             "和小时给出",
    .options = "from=,to=,division=,as=,threshold=,idle-days=,limit=,actor=",
    .run = run,
};
