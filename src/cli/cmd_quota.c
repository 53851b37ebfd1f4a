/*
 * landgov quota: the quota bank (src/quota) from the command line.
 * Writing needs a person or the console: --as LOGIN acts as that account
 * (its permissions apply, its name goes on the ledger); without it the
 * operator acts as the console ($USER), as `landgov settings` does.
 * Amounts are integers in the kind's unit (平方米 or 千克), prices and
 * money integer fen (分).
 *
 *   quota balance [--division D] [--kind K]
 *   quota movements [--division D] [--kind K] [--type T] [--case ID] [--year Y]
 *                   [--limit N] [--before ID] | movements --id N
 *   quota allocate --to D --kind K --amount N --document NO [--from D|state] [--year Y]
 *   quota allocate --proposal --year Y [--within D]      (增存挂钩 proposal)
 *   quota produce --to D --kind K --amount N --project P --document NO
 *   quota transfer --from D --to D --kind K --amount N --document NO
 *   quota list [--status S]                              (the market's listings)
 *   quota list --seller D --kind K --amount N --price FEN [--note T]
 *   quota list --withdraw ID
 *   quota bid --listing ID --buyer D --amount N --price FEN
 *   quota settle --listing ID (--bid ID | --buyer D --amount N --price FEN --agreement NO)
 *   quota trades [--year Y] | quota caps [--year Y]
 *   quota fund [--division D] | fund spend --division D --amount-fen N --project P
 *   quota reconcile
 *   quota enclave list | show ID | add ... | figures ID ... | settle ID --year Y
 *   quota figures --division D --year Y --unsupplied M2 --idle M2   (stock disposed)
 *   quota dashboard [--year Y]
 *   quota statement (--trade ID | --year Y [--within D]) [--html FILE | --xlsx FILE]
 *   quota kind list | kind add CODE --title T --unit m2|kg [--tradable]
 *   quota config [show | set FILE]
 *   quota case CASE
 */
#include "auth/auth.h"
#include "cases/cases.h"
#include "cli/cli_int.h"
#include "quota/quota.h"

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

static long long num(const json_t *o, const char *k) {
  return (long long)json_integer_value(json_object_get(o, k));
}

static void fmt_int(char *out, size_t n, long long v) { lg_fmt_num(out, n, (double)v, 0); }

static void fmt_fen(char *out, size_t n, long long fen) {
  long long a = fen < 0 ? -fen : fen;
  char g[48];
  lg_fmt_num(g, sizeof g, (double)(a / 100), 0);
  snprintf(out, n, "%s%s.%02lld", fen < 0 ? "-" : "", g, a % 100);
}

static const char *unit_title(const char *u) {
  return !strcmp(u, "m2") ? "平方米" : !strcmp(u, "kg") ? "千克" : u;
}

/* Kind code -> title, for tables. */
static const char *kind_title(lg_store_t *s, const char *code, char out[128]) {
  lg_quota_kind_t k;
  if (lg_quota_kind_get(s, code, &k, NULL) == 0)
    snprintf(out, 128, "%s", k.title);
  else
    snprintf(out, 128, "%s", code);
  return out;
}

static int need_int(lg_cli_t *cli, const char *name, long long *v, lg_err_t *err) {
  if (!lg_cli_arg(cli, name)) return lg_err_set(err, LG_EINVAL, "缺少选项 --%s", name);
  return lg_cli_arg_int(cli, name, v, err);
}

static int opt_int(lg_cli_t *cli, const char *name, long long *v, lg_err_t *err) {
  return lg_cli_arg_int(cli, name, v, err);
}

/* The subject: --as LOGIN, or the console. */
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

/* What the subject may read: everything at the console, else its scope. */
static int visibility(ctx_t *c, lg_auth_filter_t *f, lg_err_t *err) {
  if (!lg_cli_arg(c->cli, "as")) {
    memset(f, 0, sizeof *f);
    f->kind = "all";
    return 0;
  }
  int scope;
  int rc = lg_auth_scope(c->s, &c->who, "quota", "read", &scope, err);
  if (rc) return rc;
  if (scope == LG_SCOPE_NONE) return lg_auth_require(c->s, &c->who, "quota", "read", NULL, err);
  lg_auth_filter_make(&c->who, scope, f);
  return 0;
}

static int done_json(ctx_t *c, json_t *o) {
  if (c->cli->json)
    lg_cli_print_json(o);
  else
    json_decref(o);
  return 0;
}

/* ---- balance, movements ----------------------------------------------------------- */

static int do_balance(ctx_t *c, lg_err_t *err) {
  lg_auth_filter_t f;
  int rc = visibility(c, &f, err);
  char within[16] = "";
  const char *d = lg_cli_arg(c->cli, "division");
  if (rc == 0 && d) rc = lg_auth_division_normalize(d, within, "--division", err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_quota_balances(c->s, &f, within, lg_cli_arg(c->cli, "kind"), &o, err);
  if (rc) return rc;
  if (c->cli->json) {
    lg_cli_print_json(o);
    return 0;
  }
  static const char *const hdr[] = {"行政区", "指标种类", "单位",    "可用",
                                    "预留",   "已核销",   "项目产生"};
  lg_cli_table_t *t = lg_cli_table_new(7, hdr);
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(o, "accounts"), i, a) {
    char k[128], v[4][48];
    static const char *const f4[] = {"available", "reserved", "consumed", "produced"};
    for (int j = 0; j < 4; j++)
      fmt_int(v[j], sizeof v[j], num(a, f4[j]));
    lg_cli_table_add(t, str(a, "division"), kind_title(c->s, str(a, "kind"), k),
                     unit_title(str(a, "unit")), v[0], v[1], v[2], v[3]);
  }
  if (json_array_size(json_object_get(o, "accounts")) == 0)
    printf("(没有指标账户)\n");
  else
    lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

static int do_movements(ctx_t *c, lg_err_t *err) {
  long long id = 0;
  int rc = opt_int(c->cli, "id", &id, err);
  if (rc) return rc;
  json_t *o = NULL;
  if (id > 0) {
    if ((rc = lg_quota_movement_get(c->s, id, true, &o, err))) return rc;
    if (lg_cli_arg(c->cli, "as")) {
      char d1[16], d2[16];
      if ((rc = lg_quota_movement_divisions(c->s, id, d1, d2, err))) goto one_out;
      lg_object_ref_t a = {.division = d1}, b = {.division = d2};
      bool ok1 = false, ok2 = false;
      lg_auth_allowed(c->s, &c->who, "quota", "read", &a, &ok1, NULL);
      lg_auth_allowed(c->s, &c->who, "quota", "read", &b, &ok2, NULL);
      if (!ok1 && !ok2) rc = lg_auth_require(c->s, &c->who, "quota", "read", &a, err);
    }
  one_out:
    if (rc) {
      json_decref(o);
      return rc;
    }
    if (c->cli->json) return done_json(c, o);
    char k[128], amt[48];
    fmt_int(amt, sizeof amt, num(o, "amount"));
    printf("指标流水 %lld: %s %s %s %s\n  借: %s %s  贷: %s %s\n  文号: %s  经办: %s  时间: %s\n",
           num(o, "id"), str(o, "type_title"), kind_title(c->s, str(o, "kind"), k), amt,
           unit_title(str(o, "unit")), str(json_object_get(o, "debit"), "division"),
           str(json_object_get(o, "debit"), "bucket"),
           str(json_object_get(o, "credit"), "division"),
           str(json_object_get(o, "credit"), "bucket"), str(o, "document"), str(o, "actor"),
           str(o, "at"));
    const json_t *p = json_object_get(o, "proof");
    if (p)
      printf("  账本条目 %lld, 存在性证明对树大小 %lld 的检查点 (%zu 个哈希)\n",
             num(o, "ledger_index"), num(p, "size"), json_array_size(json_object_get(p, "proof")));
    json_decref(o);
    return 0;
  }
  lg_auth_filter_t f;
  if ((rc = visibility(c, &f, err))) return rc;
  long long year = 0, limit = 0, before = 0;
  if ((rc = opt_int(c->cli, "year", &year, err)) || (rc = opt_int(c->cli, "limit", &limit, err)) ||
      (rc = opt_int(c->cli, "before", &before, err)))
    return rc;
  char within[16] = "";
  const char *d = lg_cli_arg(c->cli, "division");
  if (d && (rc = lg_auth_division_normalize(d, within, "--division", err))) return rc;
  const char *case_ref = lg_cli_arg(c->cli, "case");
  char cid[24] = "";
  if (case_ref) {
    int64_t cs = 0;
    if ((rc = lg_cases_find(c->s, case_ref, &cs, err))) return rc;
    snprintf(cid, sizeof cid, "%lld", (long long)cs);
  }
  lg_quota_movement_filter_t mf = {.division = within[0] ? within : NULL,
                                   .kind = lg_cli_arg(c->cli, "kind"),
                                   .type = lg_cli_arg(c->cli, "type"),
                                   .cause_type = cid[0] ? "case" : NULL,
                                   .cause_id = cid[0] ? cid : NULL,
                                   .year = (int)year,
                                   .before_id = before,
                                   .limit = (int)limit};
  if ((rc = lg_quota_movements(c->s, &f, &mf, &o, err))) return rc;
  if (c->cli->json) return done_json(c, o);
  static const char *const hdr[] = {"编号", "时间", "类型", "指标种类", "数量",
                                    "借方", "贷方", "文号", "账本条目"};
  lg_cli_table_t *t = lg_cli_table_new(9, hdr);
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(o, "movements"), i, m) {
    char id_s[24], amt[64], deb[48], cre[48], k[128], idx[24] = "—";
    snprintf(id_s, sizeof id_s, "%lld", num(m, "id"));
    char a[48];
    fmt_int(a, sizeof a, num(m, "amount"));
    snprintf(amt, sizeof amt, "%s %s", a, unit_title(str(m, "unit")));
    snprintf(deb, sizeof deb, "%s.%s", str(json_object_get(m, "debit"), "division"),
             str(json_object_get(m, "debit"), "bucket"));
    snprintf(cre, sizeof cre, "%s.%s", str(json_object_get(m, "credit"), "division"),
             str(json_object_get(m, "credit"), "bucket"));
    if (json_is_integer(json_object_get(m, "ledger_index")))
      snprintf(idx, sizeof idx, "%lld", num(m, "ledger_index"));
    lg_cli_table_add(t, id_s, str(m, "at"), str(m, "type_title"),
                     kind_title(c->s, str(m, "kind"), k), amt, deb, cre, str(m, "document"), idx);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(o);
  return 0;
}

/* ---- allocate, produce, transfer ------------------------------------------------------ */

static int op_from_args(ctx_t *c, lg_quota_op_t *op, lg_err_t *err) {
  long long amount = 0, year = 0;
  int rc = need_int(c->cli, "amount", &amount, err);
  if (rc == 0) rc = opt_int(c->cli, "year", &year, err);
  if (rc) return rc;
  *op = (lg_quota_op_t){.kind = lg_cli_arg(c->cli, "kind"),
                        .amount = amount,
                        .from = lg_cli_arg(c->cli, "from"),
                        .to = lg_cli_arg(c->cli, "to"),
                        .year = (int)year,
                        .document = lg_cli_arg(c->cli, "document"),
                        .project = lg_cli_arg(c->cli, "project"),
                        .note = lg_cli_arg(c->cli, "note")};
  if (!op->kind) return lg_err_set(err, LG_EINVAL, "缺少选项 --kind (指标种类)");
  return 0;
}

static int print_movement(ctx_t *c, int64_t id, const char *what, lg_err_t *err) {
  json_t *o = NULL;
  int rc = lg_quota_movement_get(c->s, id, false, &o, err);
  if (rc) return rc;
  if (c->cli->json) return done_json(c, o);
  char k[128], a[48];
  fmt_int(a, sizeof a, num(o, "amount"));
  printf("%s: 指标流水 %lld, %s %s %s (%s -> %s), 账本条目 %lld\n", what, num(o, "id"),
         kind_title(c->s, str(o, "kind"), k), a, unit_title(str(o, "unit")),
         str(json_object_get(o, "debit"), "division"),
         str(json_object_get(o, "credit"), "division"), num(o, "ledger_index"));
  json_decref(o);
  return 0;
}

static int do_proposal(ctx_t *c, lg_err_t *err) {
  long long year = 0;
  int rc = need_int(c->cli, "year", &year, err);
  json_t *o = NULL;
  if (rc == 0) rc = lg_quota_proposal(c->s, lg_cli_arg(c->cli, "within"), (int)year, &o, err);
  if (rc) return rc;
  if (c->cli->json) return done_json(c, o);
  printf("%lld 年新增建设用地计划指标建议 (增存挂钩, 依据 %lld 年存量土地处置; 批而未供消化 x %g, "
         "闲置土地处置 x %g):\n",
         num(o, "for_year"), num(o, "year"),
         json_number_value(json_object_get(json_object_get(o, "rates"), "unsupplied_digested")),
         json_number_value(json_object_get(json_object_get(o, "rates"), "idle_disposed")));
  static const char *const hdr[] = {"县", "批而未供消化 (平方米)", "闲置土地处置 (平方米)",
                                    "数据来源", "建议下达 (平方米)"};
  lg_cli_table_t *t = lg_cli_table_new(5, hdr);
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(o, "counties"), i, x) {
    char a[48], b[48], p[48];
    fmt_int(a, sizeof a, num(x, "unsupplied_digested_m2"));
    fmt_int(b, sizeof b, num(x, "idle_disposed_m2"));
    fmt_int(p, sizeof p, num(x, "proposed_m2"));
    lg_cli_table_add(t, str(x, "division"), a, b,
                     !strcmp(str(x, "source"), "stock") ? "存量模块" : "手工登记", p);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  char tot[48];
  fmt_int(tot, sizeof tot, num(o, "total_m2"));
  printf("合计: %s 平方米\n", tot);
  json_decref(o);
  return 0;
}

static int do_allocate(ctx_t *c, lg_err_t *err) {
  if (lg_cli_arg_flag(c->cli, "proposal")) return do_proposal(c, err);
  lg_quota_op_t op;
  int rc = op_from_args(c, &op, err);
  int64_t id = 0;
  if (rc == 0) rc = lg_quota_allocate(c->s, &c->who, &op, &id, err);
  return rc ? rc : print_movement(c, id, "已下达", err);
}

static int do_produce(ctx_t *c, lg_err_t *err) {
  lg_quota_op_t op;
  int rc = op_from_args(c, &op, err);
  int64_t id = 0;
  if (rc == 0) rc = lg_quota_produce(c->s, &c->who, &op, &id, err);
  return rc ? rc : print_movement(c, id, "已记入项目产生的指标", err);
}

static int do_transfer(ctx_t *c, lg_err_t *err) {
  lg_quota_op_t op;
  int rc = op_from_args(c, &op, err);
  int64_t id = 0;
  if (rc == 0) rc = lg_quota_transfer(c->s, &c->who, &op, &id, err);
  return rc ? rc : print_movement(c, id, "已划转", err);
}

/* ---- The market ------------------------------------------------------------------------ */

static void print_listings(ctx_t *c, const json_t *arr) {
  static const char *const hdr[] = {
      "挂牌", "卖方", "指标种类", "挂牌数量", "尚余", "保留价 (元/单位)", "状态", "竞价"};
  lg_cli_table_t *t = lg_cli_table_new(8, hdr);
  size_t i;
  json_t *l;
  json_array_foreach(arr, i, l) {
    char id[24], a[48], r[48], p[48], k[128], nb[24];
    snprintf(id, sizeof id, "%lld", num(l, "id"));
    fmt_int(a, sizeof a, num(l, "amount"));
    fmt_int(r, sizeof r, num(l, "remaining"));
    fmt_fen(p, sizeof p, num(l, "reserve_price_fen"));
    snprintf(nb, sizeof nb, "%zu", json_array_size(json_object_get(l, "bids")));
    const char *st = str(l, "status");
    lg_cli_table_add(t, id, str(l, "seller"), kind_title(c->s, str(l, "kind"), k), a, r, p,
                     !strcmp(st, "open")   ? "挂牌中"
                     : !strcmp(st, "sold") ? "已成交"
                                           : "已撤牌",
                     nb);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
}

static int do_list(ctx_t *c, lg_err_t *err) {
  long long withdraw = 0;
  int rc = opt_int(c->cli, "withdraw", &withdraw, err);
  if (rc) return rc;
  if (withdraw > 0) {
    if ((rc = lg_quota_withdraw(c->s, &c->who, withdraw, err))) return rc;
    json_t *o = NULL;
    if ((rc = lg_quota_listing_get(c->s, withdraw, &o, err))) return rc;
    if (!c->cli->json) printf("挂牌 %lld 已撤牌, 未成交的指标已解冻\n", withdraw);
    return done_json(c, o);
  }
  if (lg_cli_arg(c->cli, "amount")) {
    long long amount = 0, price = 0;
    if ((rc = need_int(c->cli, "amount", &amount, err)) ||
        (rc = need_int(c->cli, "price", &price, err)))
      return rc;
    lg_quota_listing_new_t l = {.seller = lg_cli_arg(c->cli, "seller"),
                                .kind = lg_cli_arg(c->cli, "kind"),
                                .amount = amount,
                                .reserve_price_fen = price,
                                .note = lg_cli_arg(c->cli, "note")};
    int64_t id = 0;
    if ((rc = lg_quota_list(c->s, &c->who, &l, &id, err))) return rc;
    json_t *o = NULL;
    if ((rc = lg_quota_listing_get(c->s, id, &o, err))) return rc;
    if (!c->cli->json) printf("已挂牌: 第 %lld 号\n", (long long)id);
    return done_json(c, o);
  }
  lg_auth_filter_t f;
  json_t *arr = NULL;
  if ((rc = visibility(c, &f, err)) ||
      (rc = lg_quota_listings(c->s, &f, lg_cli_arg(c->cli, "status"), &arr, err)))
    return rc;
  if (c->cli->json) return done_json(c, json_pack("{s:o}", "listings", arr));
  print_listings(c, arr);
  json_decref(arr);
  return 0;
}

static int do_bid(ctx_t *c, lg_err_t *err) {
  long long listing = 0, amount = 0, price = 0;
  int rc = need_int(c->cli, "listing", &listing, err);
  if (rc == 0) rc = need_int(c->cli, "amount", &amount, err);
  if (rc == 0) rc = need_int(c->cli, "price", &price, err);
  int64_t id = 0;
  if (rc == 0)
    rc = lg_quota_bid(c->s, &c->who, listing, lg_cli_arg(c->cli, "buyer"), amount, price,
                      lg_cli_arg(c->cli, "note"), &id, err);
  if (rc) return rc;
  if (c->cli->json)
    return done_json(
        c, json_pack("{s:I, s:I}", "bid_id", (json_int_t)id, "listing_id", (json_int_t)listing));
  printf("已竞价: 第 %lld 号 (挂牌 %lld)\n", (long long)id, listing);
  return 0;
}

static void print_trade(const json_t *t) {
  char a[48], p[48], tot[48], comp[48], net[48];
  fmt_int(a, sizeof a, num(t, "amount"));
  fmt_fen(p, sizeof p, num(t, "unit_price_fen"));
  fmt_fen(tot, sizeof tot, num(t, "total_fen"));
  fmt_fen(comp, sizeof comp, num(t, "compensation_fen"));
  fmt_fen(net, sizeof net, num(t, "seller_net_fen"));
  printf("成交 %lld: %s -> %s, %s %s %s, 单价 %s 元, 价款 %s 元, 生态补偿 %s 元 (计入 %s "
         "生态修复基金), 卖方实得 %s 元\n",
         num(t, "id"), str(t, "seller"), str(t, "buyer"), str(t, "kind_title"), a,
         unit_title(str(t, "unit")), p, tot, comp, str(t, "seller"), net);
}

static int do_settle(ctx_t *c, lg_err_t *err) {
  long long listing = 0, bid = 0, amount = 0, price = 0;
  int rc = need_int(c->cli, "listing", &listing, err);
  if (rc == 0) rc = opt_int(c->cli, "bid", &bid, err);
  if (rc == 0 && bid <= 0) {
    if ((rc = need_int(c->cli, "amount", &amount, err)) == 0)
      rc = need_int(c->cli, "price", &price, err);
  }
  if (rc) return rc;
  lg_quota_settle_t t = {.listing_id = listing,
                         .bid_id = bid,
                         .buyer = lg_cli_arg(c->cli, "buyer"),
                         .amount = amount,
                         .unit_price_fen = price,
                         .agreement = lg_cli_arg(c->cli, "agreement")};
  int64_t tid = 0;
  json_t *o = NULL;
  if ((rc = lg_quota_settle(c->s, &c->who, &t, &tid, err)) ||
      (rc = lg_quota_trade_get(c->s, tid, &o, err)))
    return rc;
  if (!c->cli->json) print_trade(o);
  return done_json(c, o);
}

static int do_trades(ctx_t *c, lg_err_t *err) {
  lg_auth_filter_t f;
  long long year = 0;
  json_t *arr = NULL;
  int rc = visibility(c, &f, err);
  if (rc == 0) rc = opt_int(c->cli, "year", &year, err);
  if (rc == 0) rc = lg_quota_trades(c->s, &f, (int)year, &arr, err);
  if (rc) return rc;
  if (c->cli->json) return done_json(c, json_pack("{s:o}", "trades", arr));
  size_t i;
  json_t *t;
  json_array_foreach(arr, i, t) print_trade(t);
  if (!json_array_size(arr)) printf("(没有成交记录)\n");
  json_decref(arr);
  return 0;
}

static int do_caps(ctx_t *c, lg_err_t *err) {
  lg_auth_filter_t f;
  long long year = 0;
  json_t *arr = NULL;
  int rc = visibility(c, &f, err);
  if (rc == 0) rc = opt_int(c->cli, "year", &year, err);
  if (rc == 0 && year == 0) {
    int y, m, d;
    lg_date_to_ymd(lg_date_of(lg_now(), LG_TZ_CHINA), &y, &m, &d);
    year = y;
  }
  if (rc == 0) rc = lg_quota_caps(c->s, &f, (int)year, &arr, err);
  if (rc) return rc;
  if (c->cli->json)
    return done_json(c, json_pack("{s:I, s:o}", "year", (json_int_t)year, "caps", arr));
  static const char *const hdr[] = {"行政区",   "指标种类",     "本年购入", "买方年度上限",
                                    "本年售出", "卖方年度上限", "单笔上限"};
  lg_cli_table_t *t = lg_cli_table_new(7, hdr);
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) {
    const json_t *cp = json_object_get(x, "caps");
    char b[48], bc[48] = "不限", s2[48], sc[48] = "不限", pt[48] = "不限";
    fmt_int(b, sizeof b, num(x, "bought"));
    fmt_int(s2, sizeof s2, num(x, "sold"));
    if (json_is_integer(json_object_get(cp, "buyer_year")))
      fmt_int(bc, sizeof bc, num(cp, "buyer_year"));
    if (json_is_integer(json_object_get(cp, "seller_year")))
      fmt_int(sc, sizeof sc, num(cp, "seller_year"));
    if (json_is_integer(json_object_get(cp, "per_trade")))
      fmt_int(pt, sizeof pt, num(cp, "per_trade"));
    lg_cli_table_add(t, str(x, "division"), str(x, "kind_title"), b, bc, s2, sc, pt);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  json_decref(arr);
  return 0;
}

static int do_fund(ctx_t *c, lg_err_t *err) {
  int rc;
  if (c->cli->args.npos >= 2 && !strcmp(c->cli->args.pos[1], "spend")) {
    long long fen = 0;
    int64_t id = 0;
    if ((rc = need_int(c->cli, "amount-fen", &fen, err)) ||
        (rc = lg_quota_fund_spend(c->s, &c->who, lg_cli_arg(c->cli, "division"), fen,
                                  lg_cli_arg(c->cli, "project"), lg_cli_arg(c->cli, "note"), &id,
                                  err)))
      return rc;
    if (!c->cli->json) printf("已记录生态修复基金支出: 第 %lld 号\n", (long long)id);
  }
  lg_auth_filter_t f;
  json_t *arr = NULL;
  char div[16] = "";
  const char *d = lg_cli_arg(c->cli, "division");
  if ((rc = visibility(c, &f, err))) return rc;
  if (d && (rc = lg_auth_division_normalize(d, div, "--division", err))) return rc;
  if ((rc = lg_quota_funds(c->s, &f, div[0] ? div : NULL, &arr, err))) return rc;
  if (c->cli->json) return done_json(c, json_pack("{s:o}", "funds", arr));
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) {
    char r[48], sp[48], b[48];
    fmt_fen(r, sizeof r, num(x, "receipts_fen"));
    fmt_fen(sp, sizeof sp, num(x, "spending_fen"));
    fmt_fen(b, sizeof b, num(x, "balance_fen"));
    printf("%s 生态修复基金: 收入 %s 元, 支出 %s 元, 余额 %s 元\n", str(x, "division"), r, sp, b);
  }
  if (!json_array_size(arr)) printf("(没有生态修复基金记录)\n");
  json_decref(arr);
  return 0;
}

/* ---- reconcile, dashboard, statements ---------------------------------------------------- */

static int do_reconcile(ctx_t *c, lg_err_t *err) {
  json_t *o = NULL;
  int rc = lg_quota_reconcile(c->s, &o, err);
  if (rc) return rc;
  bool ok = json_is_true(json_object_get(o, "ok"));
  if (c->cli->json) {
    lg_cli_print_json(o);
  } else {
    printf("对账: %lld 个账户, %lld 条流水, %lld 个账本条目\n", num(o, "accounts"),
           num(o, "movements"), num(o, "ledger_entries"));
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(o, "differences"), i, d)
        printf("  不符: %s\n", str(d, "text"));
    printf(ok ? "结论: 账户余额、流水与账本一致, 各种类指标守恒\n" : "结论: 发现不符, 见上\n");
    json_decref(o);
  }
  return ok ? 0 : lg_err_set(err, LG_ECONFLICT, "指标银行对账发现不符 (见输出)");
}

static int do_dashboard(ctx_t *c, lg_err_t *err) {
  lg_auth_filter_t f;
  long long year = 0;
  json_t *o = NULL;
  int rc = visibility(c, &f, err);
  if (rc == 0) rc = opt_int(c->cli, "year", &year, err);
  if (rc == 0) rc = lg_quota_dashboard(c->s, &f, (int)year, &o, err);
  if (rc) return rc;
  if (c->cli->json) return done_json(c, o);
  const json_t *t = json_object_get(o, "total");
  char need[48], alloc[48], gap[48], idle[48];
  fmt_int(need, sizeof need, num(t, "need_m2"));
  fmt_int(alloc, sizeof alloc, num(t, "allocated_m2"));
  fmt_int(gap, sizeof gap, num(t, "gap_m2"));
  fmt_int(idle, sizeof idle, num(t, "idle_m2"));
  const json_t *gr = json_object_get(t, "gap_rate"), *ir = json_object_get(t, "idle_rate"),
               *lr = json_object_get(t, "landing_rate");
  char g[16] = "—", ii[16] = "—", l[16] = "—";
  if (json_is_number(gr)) snprintf(g, sizeof g, "%.1f%%", 100 * json_number_value(gr));
  if (json_is_number(ir)) snprintf(ii, sizeof ii, "%.1f%%", 100 * json_number_value(ir));
  if (json_is_number(lr)) snprintf(l, sizeof l, "%.1f%%", 100 * json_number_value(lr));
  printf("%lld 年新增建设用地指标看板\n", num(o, "year"));
  printf("  报批所需 %s 平方米, 当年净下达 %s 平方米, 缺口 %s 平方米 (%s)\n", need, alloc, gap, g);
  printf("  闲置 %s 平方米 (%s)\n", idle, ii);
  printf("  重大项目 %lld 个, 已落地 %lld 个 (%s)\n", num(t, "major_cases"), num(t, "major_landed"),
         l);
  json_decref(o);
  return 0;
}

static int do_statement(ctx_t *c, lg_err_t *err) {
  long long trade = 0, year = 0;
  int rc = opt_int(c->cli, "trade", &trade, err);
  if (rc == 0) rc = opt_int(c->cli, "year", &year, err);
  if (rc) return rc;
  if (trade <= 0 && year <= 0)
    return lg_err_set(err, LG_EINVAL, "请用 --trade ID 指定一笔成交, 或用 --year Y 指定年度");
  const char *within = lg_cli_arg(c->cli, "within");
  const char *xlsx = lg_cli_arg(c->cli, "xlsx"), *html = lg_cli_arg(c->cli, "html");
  if (xlsx) {
    if ((rc = lg_quota_statement_xlsx(c->s, trade, (int)year, within, xlsx, err))) return rc;
    if (!c->cli->json)
      printf("结算单已写入 %s\n", xlsx);
    else
      lg_cli_print_json(json_pack("{s:s}", "xlsx", xlsx));
    return 0;
  }
  lg_buf_t b;
  lg_buf_init(&b);
  rc = lg_quota_statement_html(c->s, trade, (int)year, within, &b, err);
  if (rc == 0 && html) rc = lg_file_write(html, b.data, b.len, err);
  if (rc == 0) {
    if (html)
      printf("结算单已写入 %s\n", html);
    else
      fwrite(b.data, 1, b.len, stdout);
  }
  lg_buf_fini(&b);
  return rc;
}

/* ---- enclave -------------------------------------------------------------------------------- */

static void print_enclave(const json_t *e) {
  printf("飞地园区 %lld: %s, 飞出地 %s, 飞入地 %s, 起始 %lld 年, 指标由%s承担%s%s\n", num(e, "id"),
         str(e, "name"), str(e, "source"), str(e, "host"), num(e, "start_year"),
         !strcmp(str(e, "quota_from"), "source") ? "飞出地" : "飞入地",
         *str(e, "park_layer") ? ", 园区边界图层 " : "", str(e, "park_layer"));
}

static int do_enclave(ctx_t *c, lg_err_t *err) {
  const char *sub = c->cli->args.npos >= 2 ? c->cli->args.pos[1] : "list";
  long long id = c->cli->args.npos >= 3 ? atoll(c->cli->args.pos[2]) : 0;
  int rc = 0;
  json_t *o = NULL;
  if (!strcmp(sub, "list")) {
    lg_auth_filter_t f;
    if ((rc = visibility(c, &f, err)) || (rc = lg_quota_enclaves(c->s, &f, &o, err))) return rc;
    if (c->cli->json) return done_json(c, json_pack("{s:o}", "enclaves", o));
    size_t i;
    json_t *e;
    json_array_foreach(o, i, e) print_enclave(e);
    if (!json_array_size(o)) printf("(没有飞地园区协议)\n");
    json_decref(o);
    return 0;
  }
  if (!strcmp(sub, "show")) {
    if ((rc = lg_quota_enclave_get(c->s, id, &o, err))) return rc;
    if (!c->cli->json) print_enclave(o);
    return done_json(c, o);
  }
  if (!strcmp(sub, "add")) {
    long long start = 0, end = 0, fid = 0;
    if ((rc = need_int(c->cli, "start-year", &start, err)) ||
        (rc = opt_int(c->cli, "end-year", &end, err)) || (rc = opt_int(c->cli, "fid", &fid, err)))
      return rc;
    json_t *costs = NULL, *shares = NULL;
    json_error_t je;
    if (lg_cli_arg(c->cli, "costs") && !(costs = json_loads(lg_cli_arg(c->cli, "costs"), 0, &je)))
      return lg_err_set(err, LG_EINVAL, "--costs 不是有效的 JSON: %s", je.text);
    if (lg_cli_arg(c->cli, "shares") &&
        !(shares = json_loads(lg_cli_arg(c->cli, "shares"), 0, &je))) {
      json_decref(costs);
      return lg_err_set(err, LG_EINVAL, "--shares 不是有效的 JSON: %s", je.text);
    }
    lg_quota_enclave_new_t e = {.name = lg_cli_arg(c->cli, "name"),
                                .source = lg_cli_arg(c->cli, "source"),
                                .host = lg_cli_arg(c->cli, "host"),
                                .park_layer = lg_cli_arg(c->cli, "layer"),
                                .park_fid = fid,
                                .quota_from = lg_cli_arg(c->cli, "quota-from"),
                                .costs = costs,
                                .shares = shares,
                                .start_year = (int)start,
                                .end_year = (int)end,
                                .agreement_no = lg_cli_arg(c->cli, "agreement-no"),
                                .agreement_path = lg_cli_arg(c->cli, "agreement")};
    int64_t eid = 0;
    rc = lg_quota_enclave_add(c->s, &c->who, &e, &eid, err);
    json_decref(costs);
    json_decref(shares);
    if (rc == 0) rc = lg_quota_enclave_get(c->s, eid, &o, err);
    if (rc) return rc;
    if (!c->cli->json) print_enclave(o);
    return done_json(c, o);
  }
  if (!strcmp(sub, "figures")) {
    long long year = 0, tax = 0, gdp = 0, ent = -1;
    if ((rc = need_int(c->cli, "year", &year, err)) ||
        (rc = need_int(c->cli, "tax-fen", &tax, err)) ||
        (rc = need_int(c->cli, "gdp-fen", &gdp, err)) ||
        (rc = opt_int(c->cli, "enterprises", &ent, err)) ||
        (rc = lg_quota_enclave_record(c->s, &c->who, id, (int)year, tax, gdp, (int)ent, err)))
      return rc;
    if (!c->cli->json) printf("已登记飞地园区 %lld 的 %lld 年数据\n", id, year);
    if ((rc = lg_quota_enclave_get(c->s, id, &o, err))) return rc;
    return done_json(c, o);
  }
  if (!strcmp(sub, "settle")) {
    long long year = 0;
    if ((rc = need_int(c->cli, "year", &year, err)) ||
        (rc = lg_quota_enclave_settle(c->s, &c->who, id, (int)year, &o, err)))
      return rc;
    if (!c->cli->json) {
      char t[48], st[48], ht[48];
      fmt_fen(t, sizeof t, num(o, "tax_fen"));
      fmt_fen(st, sizeof st, num(o, "source_tax_fen"));
      fmt_fen(ht, sizeof ht, num(o, "host_tax_fen"));
      printf("飞地园区 %lld %lld 年结算 (飞出地:飞入地 = %lld:%lld): 税收 %s 元, 飞出地 %s 元, "
             "飞入地 %s 元\n",
             id, year, num(o, "source_share"), num(o, "host_share"), t, st, ht);
    }
    return done_json(c, o);
  }
  return lg_err_set(err, LG_EINVAL, "未知子命令 enclave %s; 可用: list、show、add、figures、settle",
                    sub);
}

/* ---- figures, kinds, config, case ---------------------------------------------------------- */

static int do_figures(ctx_t *c, lg_err_t *err) {
  long long year = 0, un = 0, idle = 0;
  int rc = need_int(c->cli, "year", &year, err);
  if (rc == 0) rc = need_int(c->cli, "unsupplied", &un, err);
  if (rc == 0) rc = need_int(c->cli, "idle", &idle, err);
  if (rc) return rc;
  lg_quota_stock_figures_t f = {
      .year = (int)year, .unsupplied_digested_m2 = un, .idle_disposed_m2 = idle};
  snprintf(f.division, sizeof f.division, "%s",
           lg_cli_arg(c->cli, "division") ? lg_cli_arg(c->cli, "division") : "");
  if ((rc = lg_quota_stock_record(c->s, &c->who, &f, lg_cli_arg(c->cli, "note"), err))) return rc;
  if (c->cli->json)
    lg_cli_print_json(json_pack("{s:s, s:I, s:I, s:I}", "division", f.division, "year",
                                (json_int_t)year, "unsupplied_digested_m2", (json_int_t)un,
                                "idle_disposed_m2", (json_int_t)idle));
  else
    printf("已登记 %s %lld 年存量土地处置数据\n", f.division, year);
  return 0;
}

static int do_kind(ctx_t *c, lg_err_t *err) {
  const char *sub = c->cli->args.npos >= 2 ? c->cli->args.pos[1] : "list";
  int rc;
  if (!strcmp(sub, "add")) {
    if (c->cli->args.npos < 3)
      return lg_err_set(err, LG_EINVAL, "用法: landgov quota kind add CODE --title T --unit m2|kg");
    lg_quota_kind_t k = {.tradable = lg_cli_arg_flag(c->cli, "tradable")};
    snprintf(k.code, sizeof k.code, "%s", c->cli->args.pos[2]);
    snprintf(k.title, sizeof k.title, "%s",
             lg_cli_arg(c->cli, "title") ? lg_cli_arg(c->cli, "title") : "");
    snprintf(k.unit, sizeof k.unit, "%s",
             lg_cli_arg(c->cli, "unit") ? lg_cli_arg(c->cli, "unit") : "");
    if ((rc = lg_quota_kind_add(c->s, &c->who, &k, lg_cli_arg(c->cli, "basis"), err))) return rc;
    if (!c->cli->json) printf("已增加指标种类 %s (%s)\n", k.code, k.title);
  } else if (strcmp(sub, "list")) {
    return lg_err_set(err, LG_EINVAL, "未知子命令 kind %s; 可用: list、add", sub);
  }
  json_t *arr = NULL;
  if ((rc = lg_quota_kinds(c->s, &arr, err))) return rc;
  if (c->cli->json) return done_json(c, json_pack("{s:o}", "kinds", arr));
  if (!strcmp(sub, "list")) {
    static const char *const hdr[] = {"代码", "名称", "单位", "可交易", "来源"};
    lg_cli_table_t *t = lg_cli_table_new(5, hdr);
    size_t i;
    json_t *k;
    json_array_foreach(arr, i, k) {
      lg_cli_table_add(t, str(k, "code"), str(k, "title"), str(k, "unit_title"),
                       json_is_true(json_object_get(k, "tradable")) ? "是" : "否",
                       json_is_true(json_object_get(k, "builtin")) ? "配置" : "管理员增加");
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
  }
  json_decref(arr);
  return 0;
}

static int do_config(ctx_t *c, lg_err_t *err) {
  const char *sub = c->cli->args.npos >= 2 ? c->cli->args.pos[1] : "show";
  int rc;
  if (!strcmp(sub, "set")) {
    if (c->cli->args.npos < 3)
      return lg_err_set(err, LG_EINVAL, "用法: landgov quota config set FILE");
    char *text = NULL;
    size_t n = 0;
    if ((rc = lg_file_read(c->cli->args.pos[2], &text, &n, err))) return rc;
    rc = lg_quota_config_save(c->s, text, &c->who, err);
    lg_free(text);
    if (rc) {
      lg_err_prefix(err, "%s: ", c->cli->args.pos[2]);
      return rc;
    }
    if (!c->cli->json) {
      printf("已保存指标银行配置 (设置 quota.config, 已记入账本)\n");
      return 0;
    }
  } else if (strcmp(sub, "show")) {
    return lg_err_set(err, LG_EINVAL, "未知子命令 config %s; 可用: show、set FILE", sub);
  }
  json_t *cfg = NULL;
  if ((rc = lg_quota_config(c->s, &cfg, err))) return rc;
  if (c->cli->json)
    lg_cli_print_json(cfg);
  else {
    char *t = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", t);
    free(t);
    json_decref(cfg);
  }
  return 0;
}

static int do_case(ctx_t *c, lg_err_t *err) {
  if (c->cli->args.npos < 2)
    return lg_err_set(err, LG_EINVAL, "用法: landgov quota case CASE (编号或案件号)");
  int64_t id = 0;
  json_t *o = NULL;
  int rc = lg_cases_find(c->s, c->cli->args.pos[1], &id, err);
  if (rc == 0) rc = lg_quota_case(c->s, id, &o, err);
  if (rc) return rc;
  if (c->cli->json) return done_json(c, o);
  printf("案件 %s: 指标账户 %s, %s%s%s\n", str(o, "code"), str(o, "division"),
         str(o, "status_title"), *str(o, "message") ? "; " : "", str(o, "message"));
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(o, "lines"), i, l) {
    char n[48], r[48], k[48], sh[48];
    fmt_int(n, sizeof n, num(l, "needed"));
    fmt_int(r, sizeof r, num(l, "reserved"));
    fmt_int(k, sizeof k, num(l, "consumed"));
    fmt_int(sh, sizeof sh, num(l, "short"));
    printf("  %s: 需要 %s, 预留 %s, 核销 %s, 缺 %s %s%s\n", str(l, "title"), n, r, k, sh,
           unit_title(str(l, "unit")),
           json_is_true(json_object_get(l, "tracked")) ? "" : " (未启用)");
  }
  json_decref(o);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  static const char *const list =
      "balance、movements、allocate、produce、transfer、list、bid、settle、trades、caps、fund、"
      "reconcile、enclave、figures、dashboard、statement、kind、config、case";
  if (cli->args.npos < 1) return lg_err_set(err, LG_EINVAL, "需要子命令: %s", list);
  const char *sub = cli->args.pos[0];
  static const struct {
    const char *name;
    int (*fn)(ctx_t *, lg_err_t *);
    bool writes;
  } subs[] = {
      {"balance", do_balance, false},
      {"movements", do_movements, true},
      {"allocate", do_allocate, true},
      {"produce", do_produce, true},
      {"transfer", do_transfer, true},
      {"list", do_list, true},
      {"bid", do_bid, true},
      {"settle", do_settle, true},
      {"trades", do_trades, false},
      {"caps", do_caps, false},
      {"fund", do_fund, true},
      {"reconcile", do_reconcile, false},
      {"enclave", do_enclave, true},
      {"figures", do_figures, true},
      {"dashboard", do_dashboard, false},
      {"statement", do_statement, false},
      {"kind", do_kind, true},
      {"config", do_config, true},
      {"case", do_case, false},
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

const lg_cmd_t lg_cmd_quota = {
    .name = "quota",
    .summary = "指标银行 (账户余额、流水、下达、划转、交易市场、生态补偿、飞地园区、对账)",
    .usage =
        "balance [--division D] [--kind K]\n"
        "       landgov quota movements [--division D] [--kind K] [--type T] [--case C] [--year "
        "Y]\n"
        "                    [--limit N] [--before ID] | movements --id N\n"
        "       landgov quota allocate --to D --kind K --amount N --document NO [--from D|state]\n"
        "                    [--year Y]; allocate --proposal --year Y [--within D] (增存挂钩)\n"
        "       landgov quota produce --to D --kind K --amount N --project P --document NO\n"
        "       landgov quota transfer --from D --to D --kind K --amount N --document NO\n"
        "       landgov quota list [--status S] | list --seller D --kind K --amount N --price FEN\n"
        "                    | list --withdraw ID\n"
        "       landgov quota bid --listing ID --buyer D --amount N --price FEN\n"
        "       landgov quota settle --listing ID (--bid ID | --buyer D --amount N --price FEN\n"
        "                    --agreement NO)\n"
        "       landgov quota trades|caps|dashboard [--year Y]; fund [--division D]\n"
        "       landgov quota fund spend --division D --amount-fen N --project P\n"
        "       landgov quota reconcile\n"
        "       landgov quota enclave list | show ID | add --name N --source D --host D\n"
        "                    --start-year Y [--end-year Y] [--layer L] [--fid N]\n"
        "                    [--quota-from source|host] [--costs JSON] [--shares JSON]\n"
        "                    [--agreement-no NO] [--agreement FILE]\n"
        "                    | figures ID --year Y --tax-fen N --gdp-fen N [--enterprises N]\n"
        "                    | settle ID --year Y\n"
        "       landgov quota figures --division D --year Y --unsupplied M2 --idle M2\n"
        "       landgov quota statement (--trade ID | --year Y [--within D]) [--html F | --xlsx "
        "F]\n"
        "       landgov quota kind list | kind add CODE --title T --unit m2|kg [--tradable]\n"
        "       landgov quota config [show | set FILE]; quota case CASE\n"
        "写入操作可加 --as LOGIN 以该账户的权限办理; 数量为整数 (平方米或千克), "
        "价格与金额为整数分。",
    .options = "as=,division=,kind=,type=,case=,year=,limit=,before=,id=,to=,from=,amount=,"
               "document=,project=,note=,proposal,within=,status=,seller=,price=,withdraw=,"
               "listing=,buyer=,bid=,agreement=,amount-fen=,trade=,html=,xlsx=,name=,source=,"
               "host=,layer=,fid=,quota-from=,costs=,shares=,start-year=,end-year=,"
               "agreement-no=,tax-fen=,gdp-fen=,enterprises=,unsupplied=,idle=,title=,unit=,"
               "tradable,basis=",
    .run = run,
};
