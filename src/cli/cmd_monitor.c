/*
 * landgov monitor: monitoring batches of change patches, detection and
 * enforcement (src/monitor) from the command line. Reading needs no
 * account (--as LOGIN limits what is shown to what that account may see);
 * moving an alert needs --as LOGIN, whose permissions apply and whose name
 * the ledger keeps (imports and detection without it are the console's,
 * "system").
 *
 *   monitor import FILE --division CODE [--name N] [--before-field F] [--after-field F]
 *                  [--number-field F] [--srs EPSG] [--to-srs EPSG] [--detect] [--as LOGIN]
 *   monitor detect BATCH [--date YYYY-MM-DD] [--json] [--as LOGIN]
 *   monitor batches [--json] [--as LOGIN]
 *   monitor show BATCH [--json] [--geometry]
 *   monitor alerts [--batch N] [--state S] [--date D] [--json] [--as LOGIN]
 *   monitor alert ID [--json]
 *   monitor move ALERT --to STATE --reason TEXT --as LOGIN
 *   monitor analytics [--from D] [--to D] [--json] [--as LOGIN]
 */
#include "auth/auth.h"
#include "cli/cli_int.h"
#include "monitor/monitor.h"

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

static int subject(lg_cli_t *cli, lg_store_t *s, bool required, lg_subject_t *who, bool *have,
                   lg_err_t *err) {
  *have = false;
  const char *login = lg_cli_arg(cli, "as");
  if (!login) {
    if (required)
      return lg_err_set(err, LG_EINVAL, "请用 --as LOGIN 指定办理人 (其权限与姓名记入账本)");
    return 0;
  }
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc) return rc;
  if (u.disabled) return lg_err_set(err, LG_EPERM, "账户 %s 已停用", login);
  lg_auth_subject_from_user(&u, who);
  *have = true;
  return 0;
}

static int id_arg(lg_cli_t *cli, const char *what, int64_t *id, lg_err_t *err) {
  const char *t = cli->args.npos > 1 ? cli->args.pos[1] : NULL;
  char *end;
  long long v = t ? strtoll(t, &end, 10) : 0;
  if (!t || *end || v <= 0) return lg_err_set(err, LG_EINVAL, "请给出%s编号 (正整数)", what);
  *id = v;
  return 0;
}

static int date_arg(lg_cli_t *cli, int32_t *day, lg_err_t *err) {
  *day = 0;
  const char *t = lg_cli_arg(cli, "date");
  if (t && lg_date_parse(t, day, NULL) != 0)
    return lg_err_set(err, LG_EINVAL, "--date \"%s\" 不是日期 (应为 YYYY-MM-DD)", t);
  return 0;
}

static void print_batch(const json_t *b) {
  printf("监测批次 %lld %s (%s), 图斑 %lld 个, %.2f 平方米, 图层 %s\n",
         (long long)json_integer_value(json_object_get(b, "id")), str(b, "name"),
         str(b, "division"), (long long)json_integer_value(json_object_get(b, "patch_count")),
         num(b, "area_m2"), str(b, "layer"));
  const char *h[] = {"图斑",    "变更前",      "变更后",      "面积 m2", "已批 m2",
                     "未批 m2", "基本农田 m2", "生态红线 m2", "结论"};
  lg_cli_table_t *t = lg_cli_table_new(9, h);
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(b, "patches"), i, p) {
    char v[6][32];
    const char *keys[] = {"area_m2", "approved_m2", "unapproved_m2", "pbf_m2", "eprl_m2"};
    for (int k = 0; k < 5; k++)
      if (json_is_number(json_object_get(p, keys[k])))
        snprintf(v[k], sizeof v[k], "%.2f", num(p, keys[k]));
      else
        snprintf(v[k], sizeof v[k], "-");
    char before[96], after[96];
    snprintf(before, sizeof before, "%s %s", str(p, "class_before"), str(p, "class_before_title"));
    snprintf(after, sizeof after, "%s %s", str(p, "class_after"), str(p, "class_after_title"));
    lg_cli_table_add(t, str(p, "patch_no"), before, after, v[0], v[1], v[2], v[3], v[4],
                     str(p, "verdict_title"));
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
}

static int do_import(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  long long srs = 0, to_srs = 0;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "srs", &srs, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "to-srs", &to_srs, err);
  if (rc) return rc;
  if (cli->args.npos < 2) return lg_err_set(err, LG_EINVAL, "请给出变化图斑文件");
  lg_monitor_import_t o = {.path = cli->args.pos[1],
                           .name = lg_cli_arg(cli, "name"),
                           .division = lg_cli_arg(cli, "division"),
                           .before_field = lg_cli_arg(cli, "before-field"),
                           .after_field = lg_cli_arg(cli, "after-field"),
                           .number_field = lg_cli_arg(cli, "number-field"),
                           .srs = (int)srs,
                           .to_srs = (int)to_srs,
                           .who = have ? &who : NULL};
  int64_t id = 0;
  if ((rc = lg_monitor_import_run(s, &o, &id, err))) return rc;
  json_t *b = NULL;
  if (lg_cli_arg_flag(cli, "detect"))
    rc = lg_monitor_detect(s, have ? &who : NULL, id, 0, &b, err);
  else
    rc = lg_monitor_batch_get(s, id, false, &b, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(b);
  else {
    print_batch(b);
    json_decref(b);
  }
  return 0;
}

static int do_detect(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int64_t id = 0;
  int32_t day;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = id_arg(cli, "监测批次", &id, err);
  if (rc == 0) rc = date_arg(cli, &day, err);
  json_t *b = NULL;
  if (rc == 0) rc = lg_monitor_detect(s, have ? &who : NULL, id, day, &b, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(b);
    return 0;
  }
  print_batch(b);
  json_decref(b);
  return 0;
}

static int do_batches(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  json_t *o = NULL;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = lg_monitor_batches(s, have ? &who : NULL, &o, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  const char *h[] = {"批次", "名称", "行政区", "图斑", "面积 m2", "预警", "检测时间"};
  lg_cli_table_t *t = lg_cli_table_new(7, h);
  size_t i;
  const json_t *b;
  json_array_foreach(json_object_get(o, "batches"), i, b) {
    char id[24], n[24], a[32], al[24];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(b, "id")));
    snprintf(n, sizeof n, "%lld", (long long)json_integer_value(json_object_get(b, "patch_count")));
    snprintf(a, sizeof a, "%.2f", num(b, "area_m2"));
    snprintf(al, sizeof al, "%lld", (long long)json_integer_value(json_object_get(b, "alerts")));
    lg_cli_table_add(t, id, str(b, "name"), str(b, "division"), n, a, al,
                     *str(b, "detected_at") ? str(b, "detected_at") : "未检测");
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_show(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int64_t id = 0;
  json_t *b = NULL;
  int rc = id_arg(cli, "监测批次", &id, err);
  if (rc == 0) rc = lg_monitor_batch_get(s, id, lg_cli_arg_flag(cli, "geometry"), &b, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(b);
    return 0;
  }
  print_batch(b);
  json_decref(b);
  return 0;
}

static int do_alerts(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  long long batch = 0;
  int32_t day;
  json_t *o = NULL;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "batch", &batch, err);
  if (rc == 0) rc = date_arg(cli, &day, err);
  if (rc == 0)
    rc = lg_monitor_alerts(s, have ? &who : NULL, batch, lg_cli_arg(cli, "state"), day, &o, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  const char *h[] = {"预警", "批次", "图斑", "类别", "未批 m2", "状态", "核查期限"};
  lg_cli_table_t *t = lg_cli_table_new(7, h);
  size_t i;
  const json_t *a;
  json_array_foreach(json_object_get(o, "alerts"), i, a) {
    char id[24], b[24], m2[32], dl[40];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(a, "id")));
    snprintf(b, sizeof b, "%lld", (long long)json_integer_value(json_object_get(a, "batch_id")));
    snprintf(m2, sizeof m2, "%.2f", num(a, "unapproved_m2"));
    snprintf(dl, sizeof dl, "%s%s", str(a, "deadline"),
             json_is_true(json_object_get(a, "overdue")) ? " (逾期)" : "");
    lg_cli_table_add(t, id, b, str(a, "patch_no"), str(a, "kind_title"), m2, str(a, "state_title"),
                     dl);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  size_t k;
  const json_t *x;
  json_array_foreach(json_object_get(o, "totals"), k, x) printf(
      "%s %lld 条; ", str(x, "title"), (long long)json_integer_value(json_object_get(x, "n")));
  printf("共 %zu 条, 逾期未核查 %lld 条 (截至 %s)\n", json_array_size(json_object_get(o, "alerts")),
         (long long)json_integer_value(json_object_get(o, "overdue")), str(o, "as_of"));
  json_decref(o);
  return 0;
}

static void print_alert(const json_t *a) {
  printf("监测预警 %lld: 图斑 %s (%s -> %s), %s, 未批 %.2f 平方米, %s, 核查期限 %s\n",
         (long long)json_integer_value(json_object_get(a, "id")), str(a, "patch_no"),
         str(a, "class_before_title"), str(a, "class_after_title"), str(a, "kind_title"),
         num(a, "unapproved_m2"), str(a, "state_title"), str(a, "deadline"));
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(a, "events"), i, e)
      printf("  %s %s -> %s (%s): %s\n", str(e, "at"), str(e, "actor"), str(e, "to_title"),
             str(e, "to_state"), str(e, "reason"));
  json_array_foreach(json_object_get(a, "next"), i, e)
      printf("  可转为 %s %s (%s)\n", str(e, "state"), str(e, "title"), str(e, "basis"));
}

static int do_alert(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int64_t id = 0;
  json_t *a = NULL;
  int rc = id_arg(cli, "监测预警", &id, err);
  if (rc == 0) rc = lg_monitor_alert_get(s, id, &a, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(a);
    return 0;
  }
  print_alert(a);
  json_decref(a);
  return 0;
}

static int do_move(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int64_t id = 0;
  int rc = subject(cli, s, true, &who, &have, err);
  if (rc == 0) rc = id_arg(cli, "监测预警", &id, err);
  if (rc == 0)
    rc = lg_monitor_alert_move(s, &who, id, lg_cli_arg(cli, "to"), lg_cli_arg(cli, "reason"), err);
  json_t *a = NULL;
  if (rc == 0) rc = lg_monitor_alert_get(s, id, &a, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(a);
    return 0;
  }
  print_alert(a);
  json_decref(a);
  return 0;
}

static int do_analytics(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  json_t *o = NULL;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0)
    rc = lg_monitor_analytics(s, have ? &who : NULL, lg_cli_arg(cli, "from"),
                              lg_cli_arg(cli, "to-date"), &o, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  printf("监测预警 (截至 %s):\n", str(o, "as_of"));
  const char *h[] = {"行政区", "预警", "已核查", "已整改处置", "逾期", "结案", "核查率", "整改率"};
  lg_cli_table_t *t = lg_cli_table_new(8, h);
  size_t i;
  const json_t *r;
  json_array_foreach(json_object_get(o, "rates"), i, r) {
    char v[7][24];
    const char *k[] = {"alerts", "verified", "rectified", "overdue", "closed"};
    for (int j = 0; j < 5; j++)
      snprintf(v[j], sizeof v[j], "%lld", (long long)json_integer_value(json_object_get(r, k[j])));
    snprintf(v[5], sizeof v[5], "%.1f%%", 100 * num(r, "verified_rate"));
    snprintf(v[6], sizeof v[6], "%.1f%%", 100 * num(r, "rectified_rate"));
    lg_cli_table_add(t, str(r, "division"), v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  printf(
      "  %s\n\n种子 000 的审批指标, 由本库案件记录计算 (%s 至 %s, 案件 %lld 件, 办结 %lld 件):\n",
      str(o, "rates_formula"), str(json_object_get(o, "period"), "from"),
      str(json_object_get(o, "period"), "to"),
      (long long)json_integer_value(json_object_get(json_object_get(o, "period"), "cases")),
      (long long)json_integer_value(json_object_get(json_object_get(o, "period"), "concluded")));
  json_array_foreach(json_object_get(o, "seed_000"), i, r) {
    const json_t *m = json_object_get(r, "measured");
    if (json_is_number(m))
      printf("  %s: 本库 %.4g %s (种子 %.4g)\n    %s\n", str(r, "title"), json_number_value(m),
             str(r, "unit"), num(r, "seed"), str(r, "formula"));
    else
      printf("  %s: 本期无办结案件 (种子 %.4g %s)\n    %s\n", str(r, "title"), num(r, "seed"),
             str(r, "unit"), str(r, "formula"));
  }
  json_decref(o);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  static const struct {
    const char *name;
    int (*fn)(lg_cli_t *, lg_store_t *, lg_err_t *);
    bool writes;
  } subs[] = {{"import", do_import, true},    {"detect", do_detect, true},
              {"batches", do_batches, false}, {"show", do_show, false},
              {"alerts", do_alerts, false},   {"alert", do_alert, false},
              {"move", do_move, true},        {"analytics", do_analytics, false}};
  const char *sub = cli->args.npos ? cli->args.pos[0] : "";
  for (size_t i = 0; i < LG_ARRAY_LEN(subs); i++) {
    if (strcmp(subs[i].name, sub)) continue;
    lg_store_t *s;
    int rc = lg_cli_open(cli, subs[i].writes ? 0 : LG_STORE_READONLY, &s, err);
    if (rc) return rc;
    rc = subs[i].fn(cli, s, err);
    lg_store_close(s);
    return rc;
  }
  return lg_err_set(err, LG_EINVAL,
                    "%s子命令 \"%s\"; 可用: import、detect、batches、show、alerts、alert、move、"
                    "analytics",
                    *sub ? "未知" : "需要", sub);
}

const lg_cmd_t lg_cmd_monitor = {
    .name = "monitor",
    .summary = "监测预警与执法: 导入卫片变化图斑, 与批地和管控线比对, 预警核查与执法流转",
    .usage =
        "import FILE --division CODE [--name N] [--before-field F] [--after-field F]\n"
        "                    [--number-field F] [--srs EPSG] [--to-srs EPSG] [--detect] [--as "
        "LOGIN]\n"
        "       landgov monitor detect BATCH [--date YYYY-MM-DD] [--json] [--as LOGIN]\n"
        "       landgov monitor batches [--json] [--as LOGIN]\n"
        "       landgov monitor show BATCH [--json] [--geometry]\n"
        "       landgov monitor alerts [--batch N] [--state S] [--date D] [--json] [--as LOGIN]\n"
        "       landgov monitor alert ID [--json]\n"
        "       landgov monitor move ALERT --to STATE --reason TEXT --as LOGIN\n"
        "       landgov monitor analytics [--from D] [--to-date D] [--json] [--as LOGIN]\n"
        "预警状态: pending 待核查, confirmed 核查属实, unfounded 核查不属实, filed 立案,\n"
        "       rectified 整改, demolished 拆除, confiscated 没收, closed 结案",
    .options = "division=,name=,before-field=,after-field=,number-field=,srs=,to-srs=,detect,as=,"
               "date=,geometry,batch=,state=,to=,reason=,from=,to-date=",
    .run = run,
};
