/*
 * landgov case: approval cases from the command line (src/cases), for an
 * operator on the server and for scripts. Acting needs a person: --as
 * LOGIN names the account whose permissions apply and whose name the
 * journal and the ledger keep; reading without --as shows everything (the
 * operator has the file anyway).
 *
 *   case create --as LOGIN --title T --type TYPE --rating A-D --investment YUAN
 *               --enterprise ID --boundary FILE [--use CODE] [--applicant NAME]
 *               [--division CODE] [--srs EPSG] [--parcel N]
 *               [--missing k1,k2] [--departments d1,d2]
 *   case list [--as LOGIN] [--status S] [--level L] [--department D] [--overdue]
 *             [--division CODE] [--limit N]
 *   case show CASE [--as LOGIN]           (CASE: id or code)
 *   case timeline CASE [--as LOGIN]
 *   case inbox --as LOGIN
 *   case act TASK --as LOGIN --action A [--reason R] [--vars JSON]
 *   case supply CASE --as LOGIN [--materials k1,k2]
 *   case tick [--now ISO]                 (fire the timers due now)
 */
#include "auth/auth.h"
#include "cases/cases.h"
#include "cli/cli_int.h"
#include "quota/quota.h"
#include "stock/stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

/* "a,b,c" -> ["a","b","c"]; NULL for NULL. */
static json_t *comma_list(const char *s) {
  if (!s) return NULL;
  json_t *arr = json_array();
  char *copy = lg_strdup(s);
  for (char *p = copy, *e; p; p = e) {
    e = strchr(p, ',');
    if (e) *e++ = '\0';
    lg_trim(p);
    if (*p) json_array_append_new(arr, json_string(p));
  }
  lg_free(copy);
  return arr;
}

/* The subject --as names, or NULL (with rc 0) when it is not given and
 * not required. */
static int subject(lg_cli_t *cli, lg_store_t *s, bool required, lg_subject_t *who, bool *have,
                   lg_err_t *err) {
  *have = false;
  const char *login = lg_cli_arg(cli, "as");
  if (!login) {
    if (required)
      return lg_err_set(err, LG_EINVAL, "请用 --as LOGIN 指定办理人 (其权限与姓名记入日志和账本)");
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

static int need_case(lg_cli_t *cli, lg_store_t *s, const lg_subject_t *who, bool have, int64_t *id,
                     lg_err_t *err) {
  if (cli->args.npos < 2) return lg_err_set(err, LG_EINVAL, "需要案件编号或案件号 (CASE)");
  int rc = lg_cases_find(s, cli->args.pos[1], id, err);
  if (rc || !have) return rc;
  lg_case_ref_t r;
  if ((rc = lg_cases_ref(s, *id, &r, err))) return rc;
  bool ok = false;
  if ((rc = lg_cases_allowed(s, who, &r, "read", &ok, NULL, err))) return rc;
  if (!ok) {
    lg_object_ref_t obj = {.division = r.division, .enterprise = r.enterprise};
    return lg_auth_require(s, who, "case", "read", &obj, err);
  }
  return 0;
}

/* ---- create ---------------------------------------------------------------------- */

static int do_create(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, true, &who, &have, err);
  if (rc) return rc;
  double inv = 0;
  long long srs = 0, parcel = 0;
  if ((rc = lg_cli_arg_double(cli, "investment", &inv, err)) ||
      (rc = lg_cli_arg_int(cli, "srs", &srs, err)) ||
      (rc = lg_cli_arg_int(cli, "parcel", &parcel, err)))
    return rc;
  if (!lg_cli_arg(cli, "boundary"))
    return lg_err_set(err, LG_EINVAL, "缺少 --boundary 用地范围文件 (部标准坐标文件、GeoJSON ...)");
  /* --missing names the items not handed in; the rest were. */
  json_t *materials = NULL;
  json_t *missing = comma_list(lg_cli_arg(cli, "missing"));
  if (missing) {
    materials = json_array();
    size_t i;
    json_t *k;
    json_array_foreach(missing, i, k)
        json_array_append_new(materials, json_pack("{s:O, s:s}", "kind", k, "state", "missing"));
  }
  json_t *depts = comma_list(lg_cli_arg(cli, "departments"));
  lg_case_new_t c = {.title = lg_cli_arg(cli, "title"),
                     .project_type = lg_cli_arg(cli, "type"),
                     .use_code = lg_cli_arg(cli, "use"),
                     .enterprise = lg_cli_arg(cli, "enterprise"),
                     .applicant = lg_cli_arg(cli, "applicant"),
                     .rating = lg_cli_arg(cli, "rating"),
                     .investment = inv,
                     .division = lg_cli_arg(cli, "division"),
                     .boundary_path = lg_cli_arg(cli, "boundary"),
                     .srs_id = (int)srs,
                     .parcel = (int)parcel,
                     .materials = materials,
                     .departments = depts};
  int64_t id = 0;
  rc = lg_cases_create(s, &who, &c, &id, err);
  json_decref(materials);
  json_decref(missing);
  json_decref(depts);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_cases_get(s, id, &o, err))) return rc;
  if (cli->json) {
    json_object_del(o, "boundary");
    lg_cli_print_json(o);
    return 0;
  }
  printf("已立案 %s (编号 %lld): %s\n  行政区 %s", str(o, "code"), (long long)id, str(o, "title"),
         str(o, "division"));
  json_t *divs = json_object_get(o, "divisions");
  if (json_array_size(divs) > 1)
    printf(" (跨 %zu 个县, 组建联合审批委员会)", json_array_size(divs));
  printf("\n  状态 %s; 待办: ", str(o, "status_title"));
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(o, "tasks"), i, t)
      printf("%s任务 %lld %s", i ? ", " : "",
             (long long)json_integer_value(json_object_get(t, "id")), str(t, "name"));
  printf("\n");
  json_decref(o);
  return 0;
}

/* ---- list, show, timeline, inbox --------------------------------------------------- */

static int do_list(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc) return rc;
  int scope = LG_SCOPE_ALL;
  if (have) {
    if ((rc = lg_auth_scope(s, &who, "case", "read", &scope, err))) return rc;
    if (scope == LG_SCOPE_NONE) return lg_auth_require(s, &who, "case", "read", NULL, err);
  }
  long long limit = 100;
  if ((rc = lg_cli_arg_int(cli, "limit", &limit, err))) return rc;
  lg_case_filter_t f = {.status = lg_cli_arg(cli, "status"),
                        .level = lg_cli_arg(cli, "level"),
                        .department = lg_cli_arg(cli, "department"),
                        .overdue = lg_cli_arg_flag(cli, "overdue"),
                        .division = lg_cli_arg(cli, "division"),
                        .limit = (int)limit};
  json_t *list = NULL;
  if ((rc = lg_cases_list(s, have ? &who : NULL, scope, &f, &list, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:o}", "cases", list));
    return 0;
  }
  static const char *const hdr[] = {"编号",     "案件号",   "项目名称", "行政区",  "状态",
                                    "审批层级", "当前环节", "超期",     "更新时间"};
  lg_cli_table_t *tb = lg_cli_table_new(9, hdr);
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    char id[24], when[32];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(c, "id")));
    lg_cli_local_time(json_object_get(c, "updated_at"), when);
    lg_buf_t cur;
    lg_buf_init(&cur);
    size_t k;
    json_t *n;
    json_array_foreach(json_object_get(c, "current"), k, n)
        lg_buf_printf(&cur, "%s%s", k ? "、" : "", json_string_value(n));
    lg_cli_table_add(tb, id, str(c, "code"), str(c, "title"), str(c, "division"),
                     str(c, "status_title"), str(c, "level_title"), cur.data ? cur.data : "",
                     json_is_true(json_object_get(c, "overdue")) ? "是" : "", when);
    lg_buf_fini(&cur);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
  printf("共 %zu 件\n", json_array_size(list));
  json_decref(list);
  return 0;
}

static int do_show(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int64_t id = 0;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = need_case(cli, s, &who, have, &id, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_cases_get(s, id, &o, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  char created[32], updated[32];
  lg_cli_local_time(json_object_get(o, "created_at"), created);
  lg_cli_local_time(json_object_get(o, "updated_at"), updated);
  char inv[48], area[48];
  lg_fmt_num(inv, sizeof inv, json_number_value(json_object_get(o, "investment")), 2);
  lg_fmt_num(area, sizeof area, json_number_value(json_object_get(o, "ellipsoidal_m2")) / 10000, 4);
  printf("案件 %s (编号 %lld): %s\n", str(o, "code"), (long long)id, str(o, "title"));
  printf("  状态:     %s\n  项目类型: %s   拟用途: %s\n", str(o, "status_title"),
         str(o, "project_type"), str(o, "use_code"));
  printf("  申请企业: %s %s   信用等级: %s   投资额: %s 元\n", str(o, "enterprise"),
         str(o, "applicant"), str(o, "rating"), inv);
  printf("  行政区:   %s", str(o, "division"));
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(o, "division_shares"), i, d)
      printf("%s%s %.1f%%", i ? ", " : " (", str(d, "division"),
             100 * json_number_value(json_object_get(d, "share")));
  printf(")\n  用地面积: %s 公顷 (椭球面积)   坐标系 EPSG:%lld\n", area,
         (long long)json_integer_value(json_object_get(o, "srs_id")));
  if (json_is_object(json_object_get(o, "check")))
    printf("  合规审查: %s (审查记录 %lld%s)\n", str(json_object_get(o, "check"), "verdict_title"),
           (long long)json_integer_value(json_object_get(json_object_get(o, "check"), "check_id")),
           json_is_true(json_object_get(json_object_get(o, "check"), "reused")) ? ", 互认" : "");
  if (json_is_string(json_object_get(o, "level")))
    printf("  审批层级: %s\n", str(o, "level_title"));
  if (json_is_string(json_object_get(o, "document_no")))
    printf("  批准文号: %s\n", str(o, "document_no"));
  printf("  立案:     %s (%s)   更新: %s\n", created, str(o, "created_by"), updated);

  printf("\n材料清单:\n");
  static const char *const mh[] = {"种类", "名称", "核心", "状态", "补正期限"};
  lg_cli_table_t *tb = lg_cli_table_new(5, mh);
  json_t *m;
  json_array_foreach(json_object_get(o, "materials"), i, m) {
    char due[32];
    lg_cli_local_time(json_object_get(m, "due_at"), due);
    lg_cli_table_add(tb, str(m, "kind"), str(m, "name"),
                     json_is_true(json_object_get(m, "core")) ? "是" : "否", str(m, "state_title"),
                     due);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);

  printf("\n审批环节:\n");
  static const char *const sh[] = {"任务", "环节", "部门/层级", "状态", "结论", "办理人", "期限"};
  tb = lg_cli_table_new(7, sh);
  json_t *p;
  json_array_foreach(json_object_get(o, "steps"), i, p) {
    char tid[24], due[32];
    snprintf(tid, sizeof tid, "%lld", (long long)json_integer_value(json_object_get(p, "task_id")));
    lg_cli_local_time(json_object_get(p, "due_at"), due);
    const char *dl = *str(p, "department") ? str(p, "department_title") : str(p, "level_title");
    const char *stt = !strcmp(str(p, "status"), "open")        ? "待办"
                      : !strcmp(str(p, "status"), "completed") ? "已办"
                                                               : "已取消";
    lg_cli_table_add(tb, tid, str(p, "name"), dl, stt, str(p, "outcome_title"), str(p, "actor"),
                     due);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);

  json_t *list = json_object_get(o, "notices");
  if (json_array_size(list)) {
    printf("\n公告与通知:\n");
    static const char *const nh[] = {"种类", "开始", "届满", "期限"};
    tb = lg_cli_table_new(4, nh);
    json_t *n;
    json_array_foreach(list, i, n) {
      char a[32], b[32];
      lg_cli_local_time(json_object_get(n, "start_at"), a);
      lg_cli_local_time(json_object_get(n, "end_at"), b);
      lg_cli_table_add(tb, str(n, "title"), a, b, str(n, "period"));
    }
    lg_cli_table_print(tb);
    lg_cli_table_free(tb);
  }
  list = json_object_get(o, "penalties");
  if (json_array_size(list)) {
    printf("\n违约金:\n");
    static const char *const ph[] = {"金额 (元)", "费率", "投资额 (元)", "依据"};
    tb = lg_cli_table_new(4, ph);
    json_t *n;
    json_array_foreach(list, i, n) {
      char amt[48], rate[16], base[48];
      lg_fmt_num(amt, sizeof amt, json_number_value(json_object_get(n, "amount")), 2);
      snprintf(rate, sizeof rate, "%g%%", 100 * json_number_value(json_object_get(n, "rate")));
      lg_fmt_num(base, sizeof base, json_number_value(json_object_get(n, "investment")), 2);
      lg_cli_table_add(tb, amt, rate, base, str(n, "rule"));
    }
    lg_cli_table_print(tb);
    lg_cli_table_free(tb);
  }
  json_decref(o);
  return 0;
}

static int do_timeline(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int64_t id = 0;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = need_case(cli, s, &who, have, &id, err);
  json_t *tl = NULL;
  if (rc == 0) rc = lg_cases_timeline(s, id, &tl, err);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:o}", "timeline", tl));
    return 0;
  }
  static const char *const hdr[] = {"时间 (北京)", "办理人", "来源", "事件", "环节", "说明"};
  lg_cli_table_t *tb = lg_cli_table_new(6, hdr);
  size_t i;
  json_t *e;
  json_array_foreach(tl, i, e) {
    char when[32];
    lg_cli_local_time(json_object_get(e, "at"), when);
    const json_t *d = json_object_get(e, "detail");
    char *dt = json_is_null(d) || !d ? lg_strdup("") : NULL;
    if (!dt) {
      char *t = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
      dt = lg_strdup(t ? t : "");
      free(t);
      /* At most 80 bytes, cut at a character boundary. */
      size_t n = strlen(dt);
      if (n > 80) {
        n = 80;
        while (n > 0 && ((unsigned char)dt[n] & 0xC0) == 0x80)
          n--;
        memcpy(dt + n, "...", 4);
      }
    }
    const char *node = *str(e, "node_name") ? str(e, "node_name") : str(e, "node");
    lg_cli_table_add(tb, when, str(e, "actor"), !strcmp(str(e, "source"), "flow") ? "流程" : "案件",
                     str(e, "event"), node, dt);
    lg_free(dt);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
  json_decref(tl);
  return 0;
}

static int do_inbox(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, true, &who, &have, err);
  if (rc) return rc;
  json_t *list = NULL;
  if ((rc = lg_cases_inbox(s, &who, &list, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:o}", "tasks", list));
    return 0;
  }
  static const char *const hdr[] = {"任务",   "环节", "案件号",  "项目名称",
                                    "行政区", "期限", "可选结论"};
  lg_cli_table_t *tb = lg_cli_table_new(7, hdr);
  size_t i;
  json_t *t;
  json_array_foreach(list, i, t) {
    char tid[24], due[48];
    snprintf(tid, sizeof tid, "%lld", (long long)json_integer_value(json_object_get(t, "id")));
    lg_cli_local_time(json_object_get(t, "due_at"), due);
    if (json_is_true(json_object_get(t, "overdue"))) strcat(due, " 超期");
    lg_buf_t acts;
    lg_buf_init(&acts);
    size_t k;
    json_t *a;
    json_array_foreach(json_object_get(t, "actions"), k, a)
        lg_buf_printf(&acts, "%s%s", k ? "/" : "", json_string_value(a));
    char name[300];
    const json_t *el = json_object_get(t, "element");
    snprintf(name, sizeof name, "%s%s%s%s", str(t, "name"), json_is_string(el) ? " [" : "",
             json_is_string(el) ? json_string_value(el) : "", json_is_string(el) ? "]" : "");
    lg_cli_table_add(tb, tid, name, str(t, "case_code"), str(t, "case_title"), str(t, "division"),
                     due, acts.data ? acts.data : "");
    lg_buf_fini(&acts);
  }
  lg_cli_table_print(tb);
  lg_cli_table_free(tb);
  printf("共 %zu 项待办\n", json_array_size(list));
  json_decref(list);
  return 0;
}

/* ---- act, supply, tick ----------------------------------------------------------- */

static int do_act(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, true, &who, &have, err);
  if (rc) return rc;
  if (cli->args.npos < 2) return lg_err_set(err, LG_EINVAL, "需要任务编号 (TASK)");
  char *end;
  long long tid = strtoll(cli->args.pos[1], &end, 10);
  if (*end || tid <= 0)
    return lg_err_set(err, LG_EINVAL, "任务编号应为正整数, 得到 \"%s\"", cli->args.pos[1]);
  lg_case_task_ref_t tr;
  if ((rc = lg_cases_task_ref(s, tid, &tr, err))) return rc;
  lg_object_ref_t obj = {.division = tr.division,
                         .enterprise = tr.c.enterprise[0] ? tr.c.enterprise : NULL,
                         .groups = tr.groups};
  if ((rc = lg_auth_require(s, &who, "task", "act", &obj, err))) return rc;
  json_t *vars = NULL;
  const char *vtext = lg_cli_arg(cli, "vars");
  if (vtext) {
    json_error_t je;
    vars = json_loads(vtext, 0, &je);
    if (!json_is_object(vars)) {
      json_decref(vars);
      return lg_err_set(err, LG_EINVAL, "--vars 应为 JSON 对象: %s", je.text);
    }
  }
  rc = lg_cases_act(s, &who, tid, lg_cli_arg(cli, "action"), lg_cli_arg(cli, "reason"), vars, err);
  json_decref(vars);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_cases_get(s, tr.c.id, &o, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:I, s:s, s:O, s:O, s:O}", "task", (json_int_t)tid, "action",
                                lg_cli_arg(cli, "action"), "case", json_object_get(o, "code"),
                                "status", json_object_get(o, "status"), "tasks",
                                json_object_get(o, "tasks")));
  } else {
    printf("任务 %lld (%s) 已办理: %s\n案件 %s 状态: %s\n", tid, tr.name, lg_cli_arg(cli, "action"),
           str(o, "code"), str(o, "status_title"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(o, "tasks"), i, t) {
      const json_t *el = json_object_get(t, "element");
      printf("  待办: 任务 %lld %s%s%s%s\n",
             (long long)json_integer_value(json_object_get(t, "id")), str(t, "name"),
             json_is_string(el) ? " [" : "", json_is_string(el) ? json_string_value(el) : "",
             json_is_string(el) ? "]" : "");
    }
  }
  json_decref(o);
  return 0;
}

static int do_supply(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int64_t id = 0;
  int rc = subject(cli, s, true, &who, &have, err);
  if (rc == 0) rc = need_case(cli, s, &who, have, &id, err);
  if (rc) return rc;
  lg_case_ref_t r;
  if ((rc = lg_cases_ref(s, id, &r, err))) return rc;
  bool ok = false;
  if ((rc = lg_cases_allowed(s, &who, &r, "act", &ok, NULL, err))) return rc;
  if (!ok) {
    lg_object_ref_t obj = {.division = r.division, .enterprise = r.enterprise};
    return lg_auth_require(s, &who, "case", "act", &obj, err);
  }
  json_t *kinds = comma_list(lg_cli_arg(cli, "materials"));
  rc = lg_cases_supply(s, &who, id, kinds, err);
  json_decref(kinds);
  if (rc) return rc;
  json_t *m = NULL;
  if ((rc = lg_cases_materials(s, id, &m, err))) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:o}", "case", r.code, "materials", m));
  else {
    printf("案件 %s 已登记补正材料\n", r.code);
    json_decref(m);
  }
  return 0;
}

static int do_tick(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int64_t now = lg_cases_clock_sync();
  const char *at = lg_cli_arg(cli, "now");
  if (at && lg_time_parse_iso(at, &now, err) != 0) return LG_EINVAL;
  if (at) lg_clock_set(now);
  int fired = 0;
  int rc = lg_cases_tick(s, now, &fired, err);
  if (rc) return rc;
  char iso[32];
  lg_time_iso(now, iso);
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:i}", "now", iso, "fired", fired));
  else
    printf("%s: 触发定时器 %d 个\n", iso, fired);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos < 1)
    return lg_err_set(err, LG_EINVAL,
                      "需要子命令: create、list、show、timeline、inbox、act、supply 或 tick");
  const char *sub = cli->args.pos[0];
  static const struct {
    const char *name;
    int (*fn)(lg_cli_t *, lg_store_t *, lg_err_t *);
    bool writes;
  } subs[] = {{"create", do_create, true}, {"list", do_list, false},
              {"show", do_show, false},    {"timeline", do_timeline, false},
              {"inbox", do_inbox, false},  {"act", do_act, true},
              {"supply", do_supply, true}, {"tick", do_tick, true}};
  for (size_t i = 0; i < LG_ARRAY_LEN(subs); i++) {
    if (strcmp(subs[i].name, sub)) continue;
    lg_store_t *s;
    int rc = lg_cli_open(cli, subs[i].writes ? 0 : LG_STORE_READONLY, &s, err);
    if (rc) return rc;
    /* The process's service tasks and the quota bank's case watcher run
     * inside actions made here too. */
    lg_cases_register_handlers();
    lg_stock_init(); /* handed-over cases become approvals */
    lg_quota_init();
    if (subs[i].writes) lg_cases_clock_sync();
    rc = subs[i].fn(cli, s, err);
    lg_store_close(s);
    return rc;
  }
  return lg_err_set(
      err, LG_EINVAL,
      "未知子命令 \"%s\"; 可用: create、list、show、timeline、inbox、act、supply、tick", sub);
}

const lg_cmd_t lg_cmd_case = {
    .name = "case",
    .summary = "用地报批案件 (立案、列表、详情、待办、办理、补正、时间线)",
    .usage =
        "create --as LOGIN --title T --type TYPE --rating A-D --investment YUAN\n"
        "                    --enterprise ID --boundary FILE [--use CODE] [--applicant NAME]\n"
        "                    [--division CODE] [--srs EPSG] [--parcel N] [--missing k1,k2]\n"
        "                    [--departments d1,d2]\n"
        "       landgov case list [--as LOGIN] [--status S] [--level L] [--department D]\n"
        "                    [--overdue] [--division CODE] [--limit N]\n"
        "       landgov case show|timeline CASE [--as LOGIN]\n"
        "       landgov case inbox --as LOGIN\n"
        "       landgov case act TASK --as LOGIN --action A [--reason R] [--vars JSON]\n"
        "       landgov case supply CASE --as LOGIN [--materials k1,k2]\n"
        "       landgov case tick [--now 2026-03-16T16:00:00Z]\n"
        "结论 (action): accept 受理, defer 容缺受理, return 退回, approve 同意, reject 不同意,\n"
        "       veto 否决 (一票否决), done 办结 (异议登记: --vars "
        "'{\"objections\":N,\"members\":M}'),\n"
        "       supply 补正材料; return、reject、veto 须 --reason",
    .options = "as=,title=,type=,rating=,investment=,enterprise=,use=,applicant=,division=,"
               "boundary=,srs=,parcel=,missing=,departments=,status=,level=,department=,overdue,"
               "limit=,action=,reason=,vars=,materials=,now=",
    .run = run,
};
