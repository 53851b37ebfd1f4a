/*
 * landgov stock: land after approval (src/stock) from the command line.
 * Reading needs no account (the operator has the file; --as LOGIN limits
 * what is shown to what that account may see); recording needs --as
 * LOGIN, whose permissions apply and whose name the ledger keeps.
 *
 *   stock import FILE [--kind supplies|approvals] [--boundaries FILE] [--layer NAME]
 *                [--srs EPSG] [--as LOGIN]
 *   stock import --kind approvals --layer NAME        (a layer imported with --role approval)
 *   stock ledger --kind unsupplied|unused|idle [--as-of DATE] [--division CODE]
 *                [--status S] [--json | --xlsx FILE] [--as LOGIN]
 *   stock idle --as-of DATE --json                    (the shape other tools rely on)
 *   stock summary [--as-of DATE]
 *   stock unsupplied [--as-of DATE]                   (the spatial computation alone)
 *   stock show ID [--type supply|approval] [--as-of DATE]
 *   stock visit SUPPLY --date D --officer NAME [--developed-m2 X] [--invested W]
 *                [--total-investment W] [--stopped-since D] [--cause C] [--started-on D]
 *                [--completed-on D] [--photo FILE,...] [--note N] --as LOGIN
 *   stock dispose ID --act A --date D [--cause C] [--method M] [--new-date D]
 *                [--amount YUAN] [--note N] [--type supply|approval] --as LOGIN
 *   stock plan ID --kind K --method M --unit U --deadline D [--reason R] --as LOGIN
 *   stock refresh [--as-of DATE]
 *   stock gen --approvals N --supplies M [--seed S] [--as-of DATE] [--division CODE]
 *                [--procedure] [--no-refresh]
 */
#include "auth/auth.h"
#include "cli/cli_int.h"
#include "stock/stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
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

static int as_of(lg_cli_t *cli, int32_t *day, lg_err_t *err) {
  *day = 0;
  const char *t = lg_cli_arg(cli, "as-of");
  if (t && lg_stock_date_parse(t, day) != 0)
    return lg_err_set(err, LG_EINVAL, "--as-of \"%s\" 不是日期 (应为 YYYY-MM-DD)", t);
  return 0;
}

/* The query for --as (its scope) or the console (everything). */
static int query(lg_cli_t *cli, lg_store_t *s, lg_stock_query_t *q, lg_err_t *err) {
  memset(q, 0, sizeof *q);
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc == 0) rc = lg_stock_query_for(s, have ? &who : NULL, q, err);
  if (rc == 0 && !strcmp(q->scope, "none"))
    rc = lg_auth_require(s, &who, "stock", "read", NULL, err);
  if (rc == 0) rc = as_of(cli, &q->as_of, err);
  q->division = lg_cli_arg(cli, "division");
  q->status = lg_cli_arg(cli, "status");
  q->q = lg_cli_arg(cli, "q");
  return rc;
}

static void fmt_ha(char *out, size_t n, const json_t *v) {
  lg_fmt_num(out, n, json_number_value(v), 4);
}

/* ---- import ---------------------------------------------------------------------------- */

static int do_import(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, false, &who, &have, err);
  if (rc) return rc;
  long long srs = 0;
  if ((rc = lg_cli_arg_int(cli, "srs", &srs, err))) return rc;
  lg_stock_import_t o = {.kind = lg_cli_arg(cli, "kind") ? lg_cli_arg(cli, "kind") : "supplies",
                         .sheet_path = cli->args.npos > 1 ? cli->args.pos[1] : NULL,
                         .boundary_path = lg_cli_arg(cli, "boundaries"),
                         .layer = lg_cli_arg(cli, "layer"),
                         .srs = (int)srs,
                         .who = have ? &who : NULL};
  lg_stock_import_result_t r;
  if ((rc = lg_stock_import_run(s, &o, &r, err))) return rc;
  if ((rc = lg_stock_refresh(s, 0, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I, s:i}", "kind", o.kind, "rows",
                                (json_int_t)r.rows, "created", (json_int_t)r.created, "updated",
                                (json_int_t)r.updated, "unchanged", (json_int_t)r.unchanged,
                                "srs_id", r.srs));
  } else {
    printf("已导入%s %lld 行: 新增 %lld, 更新 %lld, 未变 %lld (图层坐标系 EPSG:%d)\n",
           !strcmp(o.kind, "supplies") ? "供地" : "批准用地", (long long)r.rows,
           (long long)r.created, (long long)r.updated, (long long)r.unchanged, r.srs);
  }
  return 0;
}

/* ---- ledger, idle, summary, unsupplied ----------------------------------------------------- */

static int do_ledger(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_stock_query_t q;
  int rc = query(cli, s, &q, err);
  if (rc) return rc;
  const char *kind = lg_cli_arg(cli, "kind");
  if (!kind) return lg_err_set(err, LG_EINVAL, "缺少 --kind unsupplied|unused|idle");
  const char *xlsx = lg_cli_arg(cli, "xlsx");
  if (xlsx) {
    if ((rc = lg_stock_ledger_xlsx(s, kind, &q, xlsx, err))) return rc;
    if (cli->json)
      lg_cli_print_json(json_pack("{s:s, s:s}", "kind", kind, "xlsx", xlsx));
    else
      printf("已导出 %s\n", xlsx);
    return 0;
  }
  json_t *l = NULL;
  if ((rc = lg_stock_ledger(s, kind, &q, &l, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(l);
    return 0;
  }
  printf("%s (截至 %s)\n", str(l, "kind_title"), str(l, "as_of"));
  const json_t *rows = json_object_get(l, "rows");
  size_t i;
  const json_t *o;
  lg_cli_table_t *t;
  if (!strcmp(kind, "unsupplied")) {
    static const char *const h[] = {"批准文号", "项目名称", "批准日期", "批准(公顷)", "未供(公顷)",
                                    "年限",     "处置方式", "期限",     "销号"};
    t = lg_cli_table_new(9, h);
    json_array_foreach(rows, i, o) {
      char a[32], b[32], y[16], st[96];
      fmt_ha(a, sizeof a, json_object_get(o, "approved_ha"));
      fmt_ha(b, sizeof b, json_object_get(o, "unsupplied_ha"));
      snprintf(y, sizeof y, "%lld", (long long)json_integer_value(json_object_get(o, "age_years")));
      if (json_is_true(json_object_get(o, "open")))
        snprintf(st, sizeof st, "未销号");
      else
        snprintf(st, sizeof st, "%s %s", str(o, "struck_on"), str(o, "struck_act_title"));
      lg_cli_table_add(t, str(o, "approval_no"), str(o, "name"), str(o, "approved_on"), a, b, y,
                       str(o, "method"), str(o, "deadline"), st);
    }
  } else {
    static const char *const h[] = {"电子监管号", "项目名称", "土地使用权人", "约定开工",
                                    "状态",       "处置方式", "期限",         "销号"};
    t = lg_cli_table_new(8, h);
    json_array_foreach(rows, i, o) {
      char st[96];
      if (json_is_true(json_object_get(o, "open")))
        snprintf(st, sizeof st, "未销号");
      else
        snprintf(st, sizeof st, "%s %s", str(o, "struck_on"), str(o, "struck_act_title"));
      lg_cli_table_add(t, str(o, "supervision_no"), str(o, "project"), str(o, "holder"),
                       str(o, "effective_start_on"), str(o, "status_title"), str(o, "method"),
                       str(o, "deadline"), st);
    }
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  char *tot = json_dumps(json_object_get(l, "totals"), JSON_COMPACT | JSON_ENSURE_ASCII * 0);
  printf("合计: %s\n", tot);
  free(tot);
  json_decref(l);
  return 0;
}

static int do_idle(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_stock_query_t q;
  int rc = query(cli, s, &q, err);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_stock_idle_json(s, &q, &o, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  printf("闲置土地认定 (截至 %s)\n", str(o, "as_of"));
  static const char *const h[] = {"电子监管号", "状态", "闲置起算日", "闲置费(元)", "依据条款"};
  lg_cli_table_t *t = lg_cli_table_new(5, h);
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(o, "parcels"), i, p) {
    char fee[48], arts[96] = "";
    lg_fmt_num(fee, sizeof fee, json_number_value(json_object_get(p, "fee_yuan")), 2);
    size_t k;
    const json_t *a;
    json_array_foreach(json_object_get(p, "articles"), k, a) {
      size_t len = strlen(arts);
      snprintf(arts + len, sizeof arts - len, "%s%s", k ? "," : "", json_string_value(a));
    }
    lg_cli_table_add(t, str(p, "supervision_no"), str(p, "status"), str(p, "idle_since"), fee,
                     arts);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_summary(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_stock_query_t q;
  int rc = query(cli, s, &q, err);
  if (rc) return rc;
  json_t *o = NULL;
  if ((rc = lg_stock_summary(s, &q, &o, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  printf("存量土地概况 (截至 %s)\n", str(o, "as_of"));
  static const char *const h[] = {"县",        "批准(公顷)",         "未供(公顷)",
                                  "消化率",    "增存挂钩核减(公顷)", "供而未用(宗)",
                                  "闲置(公顷)"};
  lg_cli_table_t *t = lg_cli_table_new(7, h);
  size_t i;
  const json_t *c;
  json_array_foreach(json_object_get(o, "counties"), i, c) {
    char a[32], b[32], r[32], z[32], u[32], d[32];
    fmt_ha(a, sizeof a, json_object_get(c, "approved_ha"));
    fmt_ha(b, sizeof b, json_object_get(c, "unsupplied_ha"));
    snprintf(r, sizeof r, "%.2f%%", 100 * json_number_value(json_object_get(c, "digestion_rate")));
    fmt_ha(z, sizeof z, json_object_get(c, "quota_reduction_ha"));
    snprintf(u, sizeof u, "%lld", (long long)json_integer_value(json_object_get(c, "unused")));
    fmt_ha(d, sizeof d, json_object_get(c, "idle_ha"));
    lg_cli_table_add(t, str(c, "county"), a, b, r, z, u, d);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_unsupplied(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_stock_query_t q;
  int rc = query(cli, s, &q, err);
  if (rc) return rc;
  lg_stock_unsupplied_stats_t st;
  json_t *rows = NULL;
  if ((rc = lg_stock_unsupplied(s, &q, &st, lg_cli_arg_flag(cli, "rows") ? &rows : NULL, err)))
    return rc;
  if (cli->json) {
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "approvals", (json_int_t)st.approvals,
                  "candidates", (json_int_t)st.candidates, "fast", (json_int_t)st.fast, "geos",
                  (json_int_t)st.geos, "approved_m2", st.approved_m2, "unsupplied_m2",
                  st.unsupplied_m2, "elapsed_ms", st.seconds * 1000.0);
    if (rows) json_object_set_new(o, "rows", rows);
    lg_cli_print_json(o);
  } else {
    json_decref(rows);
    printf("批而未供计算: 批准用地 %lld 宗, 候选供地 %lld (快速判定 %lld, GEOS %lld), "
           "未供面积 %.4f 公顷 / 批准 %.4f 公顷, 用时 %.1f 毫秒\n",
           (long long)st.approvals, (long long)st.candidates, (long long)st.fast,
           (long long)st.geos, st.unsupplied_m2 / 1e4, st.approved_m2 / 1e4, st.seconds * 1000);
  }
  return 0;
}

/* ---- show ------------------------------------------------------------------------------------ */

static int find(lg_cli_t *cli, lg_store_t *s, const char *type, int64_t *id, lg_err_t *err) {
  if (cli->args.npos < 2)
    return lg_err_set(err, LG_EINVAL, "需要%s",
                      !strcmp(type, "supply") ? "供地编号或电子监管号" : "批准用地编号或批准文号");
  return lg_stock_find(s, type, cli->args.pos[1], id, err);
}

static int do_show(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  const char *type = lg_cli_arg(cli, "type") ? lg_cli_arg(cli, "type") : "supply";
  int64_t id = 0;
  int32_t day;
  int rc = as_of(cli, &day, err);
  if (rc == 0) rc = find(cli, s, type, &id, err);
  if (rc) return rc;
  lg_subject_t who;
  bool have;
  if ((rc = subject(cli, s, false, &who, &have, err))) return rc;
  if (have) {
    char div[16];
    if ((rc = lg_stock_division_of(s, type, id, div, err))) return rc;
    lg_object_ref_t obj = {.division = div};
    if ((rc = lg_auth_require(s, &who, "stock", "read", &obj, err))) return rc;
  }
  json_t *o = NULL;
  if ((rc = lg_stock_get(s, type, id, day, &o, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  const json_t *r = json_object_get(o, "record");
  if (!strcmp(type, "supply")) {
    const json_t *v = json_object_get(o, "verdict");
    printf("供地 %s %s (%s)\n  使用权人 %s; 约定开工 %s\n  截至 %s: %s", str(r, "supervision_no"),
           str(r, "project"), str(r, "division"), str(r, "holder"), str(r, "agreed_start_on"),
           str(o, "as_of"), str(v, "status_title"));
    if (json_is_string(json_object_get(v, "idle_since")))
      printf(", 闲置起算 %s", str(v, "idle_since"));
    if (json_number_value(json_object_get(v, "fee_yuan")) > 0)
      printf(", 闲置费 %.2f 元", json_number_value(json_object_get(v, "fee_yuan")));
    printf("\n");
  } else {
    const json_t *f = json_object_get(o, "figures");
    printf("批准用地 %s %s (%s), 批准 %s\n  批准 %.4f 公顷, 未供 %.4f 公顷, 批后 %lld 年\n",
           str(r, "approval_no"), str(r, "name"), str(r, "division"), str(r, "approved_on"),
           json_number_value(json_object_get(f, "approved_ha")),
           json_number_value(json_object_get(f, "unsupplied_ha")),
           (long long)json_integer_value(json_object_get(f, "age_years")));
  }
  printf("时间线:\n");
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(o, "timeline"), i, e)
      printf("  %s  %s %s\n", str(e, "on"), str(e, "title"), str(e, "detail"));
  printf("存证账本条目: ");
  json_array_foreach(json_object_get(o, "ledger"), i, e)
      printf("%s#%lld %s", i ? ", " : "",
             (long long)json_integer_value(json_object_get(e, "index")), str(e, "action_title"));
  printf("\n");
  json_decref(o);
  return 0;
}

/* ---- visit, dispose, plan ----------------------------------------------------------------------
 */

static double num_arg(lg_cli_t *cli, const char *name, int *rc, lg_err_t *err) {
  double v = -1;
  if (*rc == 0) *rc = lg_cli_arg_double(cli, name, &v, err);
  return v;
}

static int do_visit(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, true, &who, &have, err);
  int64_t id = 0;
  if (rc == 0) rc = find(cli, s, "supply", &id, err);
  if (rc) return rc;
  lg_stock_visit_t v = {.visited_on = lg_cli_arg(cli, "date"),
                        .stopped_since = lg_cli_arg(cli, "stopped-since"),
                        .cause = lg_cli_arg(cli, "cause"),
                        .started_on = lg_cli_arg(cli, "started-on"),
                        .completed_on = lg_cli_arg(cli, "completed-on"),
                        .officer = lg_cli_arg(cli, "officer"),
                        .note = lg_cli_arg(cli, "note")};
  v.developed_m2 = num_arg(cli, "developed-m2", &rc, err);
  v.invested_wan = num_arg(cli, "invested", &rc, err);
  v.total_investment_wan = num_arg(cli, "total-investment", &rc, err);
  if (rc) return rc;
  /* --photo a.jpg,b.jpg */
  char *photos = lg_cli_arg(cli, "photo") ? lg_strdup(lg_cli_arg(cli, "photo")) : NULL;
  const char *list[33] = {0};
  int n = 0;
  for (char *p = photos, *e; p && n < 32; p = e) {
    e = strchr(p, ',');
    if (e) *e++ = '\0';
    if (*p) list[n++] = p;
  }
  v.photos = n ? list : NULL;
  int64_t vid = 0;
  rc = lg_stock_visit_add(s, &who, id, &v, &vid, err);
  lg_free(photos);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:I, s:I}", "visit", (json_int_t)vid, "supply", (json_int_t)id));
  else
    printf("已登记现场核查 %lld (供地 %lld, 照片 %d 张)\n", (long long)vid, (long long)id, n);
  return 0;
}

static int do_dispose(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, true, &who, &have, err);
  const char *type = lg_cli_arg(cli, "type") ? lg_cli_arg(cli, "type") : "supply";
  int64_t id = 0;
  if (rc == 0) rc = find(cli, s, type, &id, err);
  if (rc) return rc;
  lg_stock_act_req_t a = {.object_type = type,
                          .object_id = id,
                          .act = lg_cli_arg(cli, "act"),
                          .on = lg_cli_arg(cli, "date"),
                          .cause = lg_cli_arg(cli, "cause"),
                          .method = lg_cli_arg(cli, "method"),
                          .new_date = lg_cli_arg(cli, "new-date"),
                          .note = lg_cli_arg(cli, "note")};
  a.amount_yuan = num_arg(cli, "amount", &rc, err);
  if (rc) return rc;
  int64_t act = 0;
  if ((rc = lg_stock_act(s, &who, &a, &act, err))) return rc;
  json_t *o = NULL;
  if ((rc = lg_stock_get(s, type, id, 0, &o, err))) return rc;
  const json_t *last = NULL;
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(o, "acts"), i,
                     x) if (json_integer_value(json_object_get(x, "id")) == act) last = x;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:I, s:O}", "act", (json_int_t)act, "record",
                                last ? (json_t *)last : json_null()));
  } else {
    printf("已登记 %s (%s)", str(last, "title"), a.on);
    if (json_is_string(json_object_get(last, "doc_no")))
      printf(": %s %s (文件 %lld)", str(last, "doc_title"), str(last, "doc_no"),
             (long long)json_integer_value(json_object_get(last, "file_id")));
    printf("\n");
  }
  json_decref(o);
  return 0;
}

static int do_plan(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_subject_t who;
  bool have;
  int rc = subject(cli, s, true, &who, &have, err);
  const char *kind = lg_cli_arg(cli, "kind");
  int64_t id = 0;
  if (rc == 0)
    rc = find(cli, s, kind && !strcmp(kind, "unsupplied") ? "approval" : "supply", &id, err);
  if (rc) return rc;
  if ((rc = lg_stock_plan_set(s, &who, kind, id, lg_cli_arg(cli, "reason"),
                              lg_cli_arg(cli, "method"), lg_cli_arg(cli, "unit"),
                              lg_cli_arg(cli, "deadline"), err)))
    return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:I}", "kind", kind, "object", (json_int_t)id));
  else
    printf("已登记处置计划 (%s %lld)\n", kind, (long long)id);
  return 0;
}

/* ---- refresh, gen
 * ---------------------------------------------------------------------------------- */

static int do_refresh(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int32_t day;
  int rc = as_of(cli, &day, err);
  if (rc == 0) rc = lg_stock_refresh(s, day, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:b}", "refreshed", 1));
  else
    printf("已更新存量图层的状态\n");
  return 0;
}

static int do_gen(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  long long na = 200, ns = 600, seed = 1;
  int32_t day;
  int rc = as_of(cli, &day, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "approvals", &na, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "supplies", &ns, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "seed", &seed, err);
  if (rc) return rc;
  lg_stock_gen_t o = {.approvals = na,
                      .supplies = ns,
                      .seed = (uint64_t)seed,
                      .as_of = day,
                      .division = lg_cli_arg(cli, "division"),
                      .procedure = lg_cli_arg_flag(cli, "procedure")};
  lg_stock_gen_result_t r;
  lg_store_bulk_mode(s, true);
  rc = lg_stock_gen_run(s, &o, &r, err);
  lg_store_bulk_mode(s, false);
  if (rc == 0 && !lg_cli_arg_flag(cli, "no-refresh")) rc = lg_stock_refresh(s, day, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:I, s:I, s:I, s:I, s:f}", "approvals", (json_int_t)r.approvals,
                                "supplies", (json_int_t)r.supplies, "visits", (json_int_t)r.visits,
                                "acts", (json_int_t)r.acts, "seconds", r.seconds));
  else
    printf("已生成批准用地 %lld 宗、供地 %lld 宗、核查 %lld 次、处置 %lld 项, 用时 %.2f 秒\n",
           (long long)r.approvals, (long long)r.supplies, (long long)r.visits, (long long)r.acts,
           r.seconds);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  static const struct {
    const char *name;
    int (*fn)(lg_cli_t *, lg_store_t *, lg_err_t *);
    bool writes;
  } subs[] = {{"import", do_import, true},
              {"ledger", do_ledger, false},
              {"idle", do_idle, false},
              {"summary", do_summary, false},
              {"unsupplied", do_unsupplied, false},
              {"show", do_show, false},
              {"visit", do_visit, true},
              {"dispose", do_dispose, true},
              {"plan", do_plan, true},
              {"refresh", do_refresh, true},
              {"gen", do_gen, true}};
  const char *sub = cli->args.npos ? cli->args.pos[0] : "";
  for (size_t i = 0; i < LG_ARRAY_LEN(subs); i++) {
    if (strcmp(subs[i].name, sub)) continue;
    lg_store_t *s;
    int rc = lg_cli_open(cli, subs[i].writes ? 0 : LG_STORE_READONLY, &s, err);
    if (rc) return rc;
    lg_stock_init();
    rc = subs[i].fn(cli, s, err);
    lg_store_close(s);
    return rc;
  }
  return lg_err_set(
      err, LG_EINVAL,
      "%s子命令 \"%s\"; 可用: import、ledger、idle、summary、unsupplied、show、visit、"
      "dispose、plan、refresh、gen",
      *sub ? "未知" : "需要", sub);
}

const lg_cmd_t lg_cmd_stock = {
    .name = "stock",
    .summary = "批后监管: 供地导入, 批而未供/供而未用/闲置土地台账, 现场核查, 闲置土地处置",
    .usage =
        "import FILE [--kind supplies|approvals] [--boundaries FILE] [--layer NAME]\n"
        "                    [--srs EPSG] [--as LOGIN]\n"
        "       landgov stock ledger --kind unsupplied|unused|idle [--as-of DATE] [--division D]\n"
        "                    [--status S] [--json | --xlsx FILE] [--as LOGIN]\n"
        "       landgov stock idle [--as-of DATE] [--json]\n"
        "       landgov stock summary|unsupplied [--as-of DATE]\n"
        "       landgov stock show ID [--type supply|approval] [--as-of DATE]\n"
        "       landgov stock visit SUPPLY --date D --officer NAME [--developed-m2 X]\n"
        "                    [--invested 万元] [--total-investment 万元] [--stopped-since D]\n"
        "                    [--cause C] [--started-on D] [--completed-on D] [--photo F,...] --as "
        "LOGIN\n"
        "       landgov stock dispose ID --act A --date D [--cause C] [--method M] [--new-date D]\n"
        "                    [--amount 元] [--note N] [--type supply|approval] --as LOGIN\n"
        "       landgov stock plan ID --kind K --method M --unit U --deadline D [--reason R] --as "
        "LOGIN\n"
        "       landgov stock refresh [--as-of DATE]\n"
        "       landgov stock gen [--approvals N] [--supplies M] [--seed S] [--as-of DATE]\n"
        "                    [--division D] [--procedure] [--no-refresh]\n"
        "处置环节 (act): investigate 调查通知书, answer 答复, exception 政府原因 (--cause),\n"
        "       art12 第十二条处置 (--method, --new-date), determine 认定书, publish 公开,\n"
        "       hearing_notice 听证告知, hearing_request, hearing, fee_decision 闲置费决定书,\n"
        "       fee_paid 缴清, recovery_decision 收回决定书, recovered 注销收回; revoke 撤销批文 "
        "(批准用地)",
    .options = "kind=,boundaries=,layer=,srs=,as=,as-of=,division=,status=,q=,xlsx=,type=,date=,"
               "officer=,developed-m2=,invested=,total-investment=,stopped-since=,cause=,"
               "started-on=,completed-on=,photo=,note=,act=,method=,new-date=,amount=,unit=,"
               "deadline=,reason=,approvals=,supplies=,seed=,procedure,no-refresh,rows",
    .run = run,
};
