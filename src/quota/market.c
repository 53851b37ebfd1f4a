/*
 * The market (seed 000 §2.3, §2.3.2): listings of tradable quota with a
 * reserve price, bids, settlement by transfer, caps against speculation
 * (per trade, per buyer per year, per seller per year), kinds and regions
 * excluded by policy, and the ecological compensation: a share of every
 * trade's price paid, in the same transaction, into the seller region's
 * ecological restoration fund, whose receipts and spending are entries
 * of their own (seed 003 §三: quota revenue pays for restoration).
 *
 * Prices are integer fen per unit of the kind (分/平方米, 分/千克); a
 * trade's total is amount x price, exact; compensation is total x
 * rate_bp / 10000 rounded half up to the fen; the seller keeps the rest.
 */
#include "quota/quota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t lg_quota_compensation_fen(int64_t total_fen, int rate_bp) {
  if (total_fen <= 0 || rate_bp <= 0) return 0;
  __int128 x = (__int128)total_fen * rate_bp + 5000;
  return (int64_t)(x / 10000);
}

/* ---- Rows as JSON (the states the ledger records) ----------------------------------- */

#define LISTING_COLS                                                                               \
  "id, seller, kind, amount, remaining, reserve_price_fen, status, year, note, created_at,"        \
  " created_by, closed_at"
#define BID_COLS                                                                                   \
  "id, listing_id, buyer, amount, unit_price_fen, status, year, note, created_at, created_by,"     \
  " decided_at"
#define TRADE_COLS                                                                                 \
  "id, listing_id, bid_id, seller, buyer, kind, amount, unit_price_fen, total_fen,"                \
  " compensation_bp, compensation_fen, seller_net_fen, year, agreement, movement_id,"              \
  " settled_at, settled_by"
#define FUND_COLS "id, division, type, amount_fen, trade_id, project, note, at, actor"

static json_t *listing_row(lg_stmt_t *st) {
  return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:s, s:I, s:o, s:s, s:s, s:o}", "id",
                   (json_int_t)lg_store_col_int(st, 0), "seller", lg_store_col_text(st, 1), "kind",
                   lg_store_col_text(st, 2), "amount", (json_int_t)lg_store_col_int(st, 3),
                   "remaining", (json_int_t)lg_store_col_int(st, 4), "reserve_price_fen",
                   (json_int_t)lg_store_col_int(st, 5), "status", lg_store_col_text(st, 6), "year",
                   (json_int_t)lg_store_col_int(st, 7), "note", q_col_text(st, 8), "created_at",
                   lg_store_col_text(st, 9), "created_by", lg_store_col_text(st, 10), "closed_at",
                   q_col_text(st, 11));
}

static json_t *bid_row(lg_stmt_t *st) {
  return json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:I, s:o, s:s, s:s, s:o}", "id",
                   (json_int_t)lg_store_col_int(st, 0), "listing_id",
                   (json_int_t)lg_store_col_int(st, 1), "buyer", lg_store_col_text(st, 2), "amount",
                   (json_int_t)lg_store_col_int(st, 3), "unit_price_fen",
                   (json_int_t)lg_store_col_int(st, 4), "status", lg_store_col_text(st, 5), "year",
                   (json_int_t)lg_store_col_int(st, 6), "note", q_col_text(st, 7), "created_at",
                   lg_store_col_text(st, 8), "created_by", lg_store_col_text(st, 9), "decided_at",
                   q_col_text(st, 10));
}

static json_t *trade_row(lg_stmt_t *st) {
  return json_pack(
      "{s:I, s:I, s:o, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:s, s:s}", "id",
      (json_int_t)lg_store_col_int(st, 0), "listing_id", (json_int_t)lg_store_col_int(st, 1),
      "bid_id", q_col_int_or_null(st, 2), "seller", lg_store_col_text(st, 3), "buyer",
      lg_store_col_text(st, 4), "kind", lg_store_col_text(st, 5), "amount",
      (json_int_t)lg_store_col_int(st, 6), "unit_price_fen", (json_int_t)lg_store_col_int(st, 7),
      "total_fen", (json_int_t)lg_store_col_int(st, 8), "compensation_bp",
      (json_int_t)lg_store_col_int(st, 9), "compensation_fen", (json_int_t)lg_store_col_int(st, 10),
      "seller_net_fen", (json_int_t)lg_store_col_int(st, 11), "year",
      (json_int_t)lg_store_col_int(st, 12), "agreement", q_col_text(st, 13), "movement_id",
      (json_int_t)lg_store_col_int(st, 14), "settled_at", lg_store_col_text(st, 15), "settled_by",
      lg_store_col_text(st, 16));
}

static json_t *fund_row(lg_stmt_t *st) {
  return json_pack("{s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:s, s:s}", "id",
                   (json_int_t)lg_store_col_int(st, 0), "division", lg_store_col_text(st, 1),
                   "type", lg_store_col_text(st, 2), "amount_fen",
                   (json_int_t)lg_store_col_int(st, 3), "trade_id", q_col_int_or_null(st, 4),
                   "project", q_col_text(st, 5), "note", q_col_text(st, 6), "at",
                   lg_store_col_text(st, 7), "actor", lg_store_col_text(st, 8));
}

static int one_row(lg_store_t *s, const char *sql, int64_t id, json_t *(*row)(lg_stmt_t *),
                   json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) *out = row(st);
  lg_store_done(st);
  return 0;
}

int q_listing_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  return one_row(s, "SELECT " LISTING_COLS " FROM lg_quota_listings WHERE id = ?", id, listing_row,
                 out, err);
}

int q_bid_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  return one_row(s, "SELECT " BID_COLS " FROM lg_quota_bids WHERE id = ?", id, bid_row, out, err);
}

static int trade_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  return one_row(s, "SELECT " TRADE_COLS " FROM lg_quota_trades WHERE id = ?", id, trade_row, out,
                 err);
}

static int fund_state(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  return one_row(s, "SELECT " FUND_COLS " FROM lg_quota_fund WHERE id = ?", id, fund_row, out, err);
}

/* Appends the entry of an object read back from its row. */
static int record_row(lg_store_t *s, const q_actor_t *by, const char *action, const char *type,
                      int64_t id, int (*state)(lg_store_t *, int64_t, json_t **, lg_err_t *),
                      const char *jurisdiction, lg_err_t *err) {
  json_t *o = NULL;
  int rc = state(s, id, &o, err);
  if (rc) return rc;
  if (!o) return lg_err_set(err, LG_EINTERNAL, "%s %lld 不存在", type, (long long)id);
  char oid[24];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  return q_record(s, by, action, type, oid, jurisdiction, o, err);
}

/* ---- Policy and caps ------------------------------------------------------------------- */

static bool listed_in(const json_t *arr, const char *v) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i, x) {
    if (json_is_string(x) && v && !strcmp(json_string_value(x), v)) return true;
  }
  return false;
}

static int tradable(const json_t *cfg, const lg_quota_kind_t *k, lg_err_t *err) {
  if (!k->tradable || listed_in(q_cfg(cfg, "market.excluded_kinds"), k->code)) {
    lg_err_set(err, LG_EINVAL, "%s (%s) 按政策不得在指标市场交易", k->title, k->code);
    lg_err_where(err, "kind");
    return LG_EINVAL;
  }
  return 0;
}

static int region_allowed(const json_t *cfg, const char *division, const char *who, lg_err_t *err) {
  size_t i;
  const json_t *x;
  json_array_foreach(q_cfg(cfg, "market.excluded_regions"), i, x) {
    const char *p = json_string_value(x);
    char norm[16];
    if (p && lg_auth_division_normalize(p, norm, "excluded_regions", NULL) == 0 &&
        lg_auth_division_within(norm, division)) {
      lg_err_set(err, LG_EINVAL, "%s %s 位于按政策排除的地区 (%s), 不得参与指标交易", who, division,
                 norm);
      lg_err_where(err, "%s", !strcmp(who, "卖方") ? "seller" : "buyer");
      return LG_EINVAL;
    }
  }
  return 0;
}

/* The cap named (per_trade, buyer_year, seller_year) for a kind; -1: none. */
static int64_t cap_of(const json_t *cfg, const char *kind, const char *name) {
  const json_t *v = json_object_get(json_object_get(q_cfg(cfg, "market.caps"), kind), name);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* What a division bought (buyer) or sold in a year, of a kind. */
static int traded(lg_store_t *s, bool as_buyer, const char *division, const char *kind, int year,
                  int64_t *sum, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      as_buyer
          ? "SELECT coalesce(sum(amount), 0) FROM lg_quota_trades WHERE buyer = ? AND kind = ?"
            " AND year = ?"
          : "SELECT coalesce(sum(amount), 0) FROM lg_quota_trades WHERE seller = ? AND kind = ?"
            " AND year = ?",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, division);
  lg_store_bind_text(st, 2, kind);
  lg_store_bind_int(st, 3, year);
  *sum = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : 0;
  lg_store_done(st);
  return 0;
}

static int cap_per_trade(const json_t *cfg, const lg_quota_kind_t *k, int64_t amount,
                         lg_err_t *err) {
  int64_t cap = cap_of(cfg, k->code, "per_trade");
  if (cap < 0 || amount <= cap) return 0;
  char c[64], a[64];
  q_fmt_amount(cap, k->unit, c);
  q_fmt_amount(amount, k->unit, a);
  lg_err_set(err, LG_EINVAL,
             "%s单笔交易上限为 %s, 本笔 %s 超出上限 (设置 market.caps.%s.per_trade)", k->title, c,
             a, k->code);
  lg_err_where(err, "amount");
  return LG_EINVAL;
}

static int cap_year(lg_store_t *s, const json_t *cfg, const lg_quota_kind_t *k, bool buyer,
                    const char *division, int64_t amount, int year, lg_err_t *err) {
  const char *name = buyer ? "buyer_year" : "seller_year";
  int64_t cap = cap_of(cfg, k->code, name), done = 0;
  if (cap < 0) return 0;
  int rc = traded(s, buyer, division, k->code, year, &done, err);
  if (rc) return rc;
  if (done + amount <= cap) return 0;
  char c[64], d[64], a[64], left[64];
  q_fmt_amount(cap, k->unit, c);
  q_fmt_amount(done, k->unit, d);
  q_fmt_amount(amount, k->unit, a);
  q_fmt_amount(cap > done ? cap - done : 0, k->unit, left);
  lg_err_set(
      err, LG_ECONFLICT,
      "%s %s %d 年已%s%s %s, 年度上限 %s, 本笔 %s 超出上限 (尚余 %s; 设置 market.caps.%s.%s)",
      buyer ? "买方" : "卖方", division, year, buyer ? "购入" : "售出", k->title, d, c, a, left,
      k->code, name);
  lg_err_where(err, "amount");
  return LG_ECONFLICT;
}

static int price_total(int64_t amount, int64_t price, int64_t *total, lg_err_t *err) {
  if (price < 0) {
    lg_err_set(err, LG_EINVAL, "单价应为非负整数 (分/单位), 得到 %lld", (long long)price);
    lg_err_where(err, "unit_price_fen");
    return LG_EINVAL;
  }
  if (__builtin_mul_overflow(amount, price, total) || *total > 900000000000000000LL) {
    lg_err_set(err, LG_EINVAL, "成交价款超出可记录的范围 (%lld x %lld 分)", (long long)amount,
               (long long)price);
    lg_err_where(err, "unit_price_fen");
    return LG_EINVAL;
  }
  return 0;
}

/* ---- Listing ----------------------------------------------------------------------------- */

typedef struct listing {
  int64_t id, amount, remaining, reserve;
  char seller[16], kind[32], status[16];
  int year;
} listing_t;

static int listing_get(lg_store_t *s, int64_t id, listing_t *l, lg_err_t *err) {
  memset(l, 0, sizeof *l);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT id, seller, kind, amount, remaining, reserve_price_fen, status,"
                            " year FROM lg_quota_listings WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    l->id = lg_store_col_int(st, 0);
    snprintf(l->seller, sizeof l->seller, "%s", lg_store_col_text(st, 1));
    snprintf(l->kind, sizeof l->kind, "%s", lg_store_col_text(st, 2));
    l->amount = lg_store_col_int(st, 3);
    l->remaining = lg_store_col_int(st, 4);
    l->reserve = lg_store_col_int(st, 5);
    snprintf(l->status, sizeof l->status, "%s", lg_store_col_text(st, 6));
    l->year = (int)lg_store_col_int(st, 7);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的挂牌", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

static int listing_open(const listing_t *l, const char *doing, lg_err_t *err) {
  if (!strcmp(l->status, "open")) return 0;
  lg_err_set(err, LG_ECONFLICT, "挂牌 %lld %s, 不能%s", (long long)l->id,
             !strcmp(l->status, "withdrawn") ? "已撤牌" : "已全部成交", doing);
  lg_err_where(err, "listing");
  return LG_ECONFLICT;
}

int lg_quota_list(lg_store_t *s, const lg_subject_t *who, const lg_quota_listing_new_t *l,
                  int64_t *id, lg_err_t *err) {
  lg_quota_kind_t k;
  char seller[16];
  json_t *cfg = NULL;
  int rc = lg_quota_kind_get(s, l->kind, &k, err);
  if (rc == 0) rc = q_amount(l->amount, "挂牌数量 (amount)", err);
  if (rc == 0) rc = q_division(l->seller, seller, "卖方 (seller)", err);
  if (rc == 0 && l->reserve_price_fen < 0) {
    rc = lg_err_set(err, LG_EINVAL, "保留价应为非负整数 (分/%s)", q_unit_title(k.unit));
    lg_err_where(err, "reserve_price_fen");
  }
  if (rc == 0) rc = lg_quota_config(s, &cfg, err);
  if (rc == 0) rc = tradable(cfg, &k, err);
  if (rc == 0) rc = region_allowed(cfg, seller, "卖方", err);
  if (rc == 0) rc = q_require(s, who, "create", seller, err);
  if (rc) goto out;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  int year = q_year_of(lg_now());
  char now[32];
  q_now_iso(now);
  if ((rc = lg_store_begin(s, err))) goto out;
  /* What the seller could still sell this year. */
  rc = cap_year(s, cfg, &k, false, seller, l->amount, year, err);
  q_account_t a;
  if (rc == 0 && (rc = q_account_get(s, seller, k.code, &a, err)) == 0 &&
      a.b[QB_AVAILABLE] < l->amount) {
    char lab[48], have[64], need[64];
    q_division_label(seller, lab);
    q_fmt_amount(a.b[QB_AVAILABLE], k.unit, have);
    q_fmt_amount(l->amount, k.unit, need);
    rc = lg_err_set(err, LG_ECONFLICT, "卖方%s %s可用 %s, 不足以挂牌 %s", lab, k.title, have, need);
    lg_err_where(err, "amount");
  }
  int64_t lid = 0;
  lg_stmt_t *st;
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "INSERT INTO lg_quota_listings(seller, kind, amount,"
                                        " remaining, reserve_price_fen, status, year, note,"
                                        " created_at, created_by) VALUES (?, ?, ?, ?, ?, 'open',"
                                        " ?, ?, ?, ?) RETURNING id",
                                        &st, err)) == 0) {
    lg_store_bind_text(st, 1, seller);
    lg_store_bind_text(st, 2, k.code);
    lg_store_bind_int(st, 3, l->amount);
    lg_store_bind_int(st, 4, l->amount);
    lg_store_bind_int(st, 5, l->reserve_price_fen);
    lg_store_bind_int(st, 6, year);
    lg_store_bind_text(st, 7, l->note && *l->note ? l->note : NULL);
    lg_store_bind_text(st, 8, now);
    lg_store_bind_text(st, 9, by.login);
    rc = lg_store_insert_id(st, &lid, "保存挂牌失败", err);
  }
  char cid[24];
  snprintf(cid, sizeof cid, "%lld", (long long)lid);
  q_move_t m = {.kind = k.code,
                .amount = l->amount,
                .type = "list",
                .debit_division = seller,
                .debit_bucket = QB_AVAILABLE,
                .credit_division = seller,
                .credit_bucket = QB_RESERVED,
                .cause_type = "listing",
                .cause_id = cid,
                .year = year};
  if (rc == 0) rc = q_post(s, &by, &m, NULL, err);
  if (rc == 0) rc = q_hold_add(s, "listing", cid, k.code, seller, seller, l->amount, err);
  if (rc == 0)
    rc = record_row(s, &by, "quota.list", "quota.listing", lid, q_listing_state, seller, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = lid;
out:
  json_decref(cfg);
  return rc;
}

/* Open bids of a listing lapse (it closed). */
static int lapse_bids(lg_store_t *s, const q_actor_t *by, int64_t listing, const char *now,
                      const char *jurisdiction, lg_err_t *err) {
  LG_VEC(int64_t) ids = {0};
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "SELECT id FROM lg_quota_bids WHERE listing_id = ? AND status = 'open' ORDER BY id", &st,
      err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, listing);
  while (lg_store_step(st) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  lg_store_done(st);
  for (size_t i = 0; rc == 0 && i < ids.len; i++) {
    if ((rc = lg_store_prepare(s,
                               "UPDATE lg_quota_bids SET status = 'lapsed', decided_at = ?"
                               " WHERE id = ?",
                               &st, err)))
      break;
    lg_store_bind_text(st, 1, now);
    lg_store_bind_int(st, 2, ids.items[i]);
    if ((rc = lg_store_run_done(st, "更新竞价失败", err))) break;
    rc = record_row(s, by, "quota.bid.lapse", "quota.bid", ids.items[i], q_bid_state, jurisdiction,
                    err);
  }
  lg_free(ids.items);
  return rc;
}

int lg_quota_withdraw(lg_store_t *s, const lg_subject_t *who, int64_t listing_id, lg_err_t *err) {
  listing_t l;
  int rc = listing_get(s, listing_id, &l, err);
  if (rc) return rc;
  if ((rc = q_require(s, who, "act", l.seller, err))) return rc;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32], cid[24];
  q_now_iso(now);
  snprintf(cid, sizeof cid, "%lld", (long long)listing_id);
  if ((rc = lg_store_begin(s, err))) return rc;
  /* Read again under the writer's lock: another request may have closed it. */
  if ((rc = listing_get(s, listing_id, &l, err)) == 0) rc = listing_open(&l, "撤牌", err);
  if (rc == 0 && l.remaining > 0) {
    q_move_t m = {.kind = l.kind,
                  .amount = l.remaining,
                  .type = "withdraw",
                  .debit_division = l.seller,
                  .debit_bucket = QB_RESERVED,
                  .credit_division = l.seller,
                  .credit_bucket = QB_AVAILABLE,
                  .cause_type = "listing",
                  .cause_id = cid,
                  .year = q_year_of(lg_now())};
    rc = q_post(s, &by, &m, NULL, err);
    if (rc == 0) rc = q_hold_add(s, "listing", cid, l.kind, l.seller, l.seller, -l.remaining, err);
  }
  lg_stmt_t *st;
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "UPDATE lg_quota_listings SET status = 'withdrawn',"
                                        " remaining = 0, closed_at = ? WHERE id = ?",
                                        &st, err)) == 0) {
    lg_store_bind_text(st, 1, now);
    lg_store_bind_int(st, 2, listing_id);
    rc = lg_store_run_done(st, "撤牌失败", err);
  }
  if (rc == 0) rc = lapse_bids(s, &by, listing_id, now, l.seller, err);
  if (rc == 0)
    rc = record_row(s, &by, "quota.withdraw", "quota.listing", listing_id, q_listing_state,
                    l.seller, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

/* What a bid or an agreement must satisfy, against the listing as it is
 * now (inside the transaction). */
static int trade_checks(lg_store_t *s, const json_t *cfg, const listing_t *l,
                        const lg_quota_kind_t *k, const char *buyer, int64_t amount, int64_t price,
                        int year, bool settling, lg_err_t *err) {
  int rc = listing_open(l, settling ? "成交" : "竞价", err);
  if (rc) return rc;
  if (!strcmp(buyer, l->seller)) {
    lg_err_set(err, LG_EINVAL, "买方不能是卖方自己 (%s)", buyer);
    lg_err_where(err, "buyer");
    return LG_EINVAL;
  }
  if ((rc = tradable(cfg, k, err)) || (rc = region_allowed(cfg, buyer, "买方", err)) ||
      (rc = region_allowed(cfg, l->seller, "卖方", err)))
    return rc;
  if (amount > l->remaining) {
    char a[64], r[64];
    q_fmt_amount(amount, k->unit, a);
    q_fmt_amount(l->remaining, k->unit, r);
    lg_err_set(err, LG_ECONFLICT, "挂牌 %lld 尚余 %s, 不足 %s", (long long)l->id, r, a);
    lg_err_where(err, "amount");
    return LG_ECONFLICT;
  }
  if (price < l->reserve) {
    char p[64], r[64];
    q_fmt_fen(price, p);
    q_fmt_fen(l->reserve, r);
    lg_err_set(err, LG_EINVAL, "单价 %s/%s 低于挂牌保留价 %s/%s", p, q_unit_title(k->unit), r,
               q_unit_title(k->unit));
    lg_err_where(err, "unit_price_fen");
    return LG_EINVAL;
  }
  if ((rc = cap_per_trade(cfg, k, amount, err)) ||
      (rc = cap_year(s, cfg, k, true, buyer, amount, year, err)))
    return rc;
  if (settling && (rc = cap_year(s, cfg, k, false, l->seller, amount, year, err))) return rc;
  return 0;
}

int lg_quota_bid(lg_store_t *s, const lg_subject_t *who, int64_t listing_id, const char *buyer_in,
                 int64_t amount, int64_t price, const char *note, int64_t *id, lg_err_t *err) {
  char buyer[16];
  listing_t l;
  lg_quota_kind_t k;
  json_t *cfg = NULL;
  int rc = q_division(buyer_in, buyer, "买方 (buyer)", err);
  if (rc == 0) rc = q_amount(amount, "竞买数量 (amount)", err);
  int64_t total = 0;
  if (rc == 0) rc = price_total(amount, price, &total, err);
  if (rc == 0) rc = listing_get(s, listing_id, &l, err);
  if (rc == 0) rc = lg_quota_kind_get(s, l.kind, &k, err);
  if (rc == 0) rc = lg_quota_config(s, &cfg, err);
  if (rc == 0) rc = q_require(s, who, "create", buyer, err);
  if (rc) goto out;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  int year = q_year_of(lg_now());
  char now[32];
  q_now_iso(now);
  if ((rc = lg_store_begin(s, err))) goto out;
  if ((rc = listing_get(s, listing_id, &l, err)) == 0)
    rc = trade_checks(s, cfg, &l, &k, buyer, amount, price, year, false, err);
  int64_t bid = 0;
  lg_stmt_t *st;
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "INSERT INTO lg_quota_bids(listing_id, buyer, amount,"
                                        " unit_price_fen, status, year, note, created_at,"
                                        " created_by) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?)"
                                        " RETURNING id",
                                        &st, err)) == 0) {
    lg_store_bind_int(st, 1, listing_id);
    lg_store_bind_text(st, 2, buyer);
    lg_store_bind_int(st, 3, amount);
    lg_store_bind_int(st, 4, price);
    lg_store_bind_int(st, 5, year);
    lg_store_bind_text(st, 6, note && *note ? note : NULL);
    lg_store_bind_text(st, 7, now);
    lg_store_bind_text(st, 8, by.login);
    rc = lg_store_insert_id(st, &bid, "保存竞价失败", err);
  }
  if (rc == 0) rc = record_row(s, &by, "quota.bid", "quota.bid", bid, q_bid_state, buyer, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = bid;
out:
  json_decref(cfg);
  return rc;
}

int lg_quota_settle(lg_store_t *s, const lg_subject_t *who, const lg_quota_settle_t *t,
                    int64_t *trade_id, lg_err_t *err) {
  listing_t l;
  lg_quota_kind_t k;
  json_t *cfg = NULL;
  char buyer[16] = "";
  int64_t amount = t->amount, price = t->unit_price_fen, total = 0;
  int rc = listing_get(s, t->listing_id, &l, err);
  if (rc == 0) rc = lg_quota_kind_get(s, l.kind, &k, err);
  if (rc == 0) rc = lg_quota_config(s, &cfg, err);
  if (rc) goto out;
  if (t->bid_id <= 0) {
    if ((rc = q_division(t->buyer, buyer, "买方 (buyer)", err)) ||
        (rc = q_amount(amount, "成交数量 (amount)", err)) ||
        (rc = price_total(amount, price, &total, err)))
      goto out;
    if (!t->agreement || !*t->agreement) {
      rc = lg_err_set(err, LG_EINVAL, "协议成交须注明协议编号 (agreement), 或指定接受的竞价 (bid)");
      lg_err_where(err, "agreement");
      goto out;
    }
  }
  if ((rc = q_require(s, who, "act", l.seller, err))) goto out;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  int year = q_year_of(lg_now());
  char now[32], cid[24];
  q_now_iso(now);
  snprintf(cid, sizeof cid, "%lld", (long long)t->listing_id);
  if ((rc = lg_store_begin(s, err))) goto out;
  /* Under the writer's lock: the listing and the bid as they are now. */
  rc = listing_get(s, t->listing_id, &l, err);
  if (rc == 0 && t->bid_id > 0) {
    json_t *b = NULL;
    if ((rc = q_bid_state(s, t->bid_id, &b, err)) == 0 && !b)
      rc = lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的竞价", (long long)t->bid_id);
    if (rc == 0 && json_integer_value(json_object_get(b, "listing_id")) != t->listing_id)
      rc = lg_err_set(err, LG_EINVAL, "竞价 %lld 不是对挂牌 %lld 的竞价", (long long)t->bid_id,
                      (long long)t->listing_id);
    if (rc == 0 && strcmp(json_string_value(json_object_get(b, "status")), "open"))
      rc = lg_err_set(err, LG_ECONFLICT, "竞价 %lld 的状态是 %s, 不能成交", (long long)t->bid_id,
                      json_string_value(json_object_get(b, "status")));
    if (rc == 0) {
      snprintf(buyer, sizeof buyer, "%s", json_string_value(json_object_get(b, "buyer")));
      amount = json_integer_value(json_object_get(b, "amount"));
      price = json_integer_value(json_object_get(b, "unit_price_fen"));
      rc = price_total(amount, price, &total, err);
    }
    json_decref(b);
  }
  if (rc == 0) rc = trade_checks(s, cfg, &l, &k, buyer, amount, price, year, true, err);
  int bp = (int)q_cfg_int(cfg, "market.compensation.rate_bp", 1000);
  int64_t comp = lg_quota_compensation_fen(total, bp);
  int64_t mid = 0, tid = 0;
  q_move_t m = {.kind = k.code,
                .amount = amount,
                .type = "trade",
                .debit_division = l.seller,
                .debit_bucket = QB_RESERVED,
                .credit_division = buyer,
                .credit_bucket = QB_AVAILABLE,
                .cause_type = "listing",
                .cause_id = cid,
                .year = year,
                .document = t->bid_id > 0 ? NULL : t->agreement};
  if (rc == 0) rc = q_post(s, &by, &m, &mid, err);
  if (rc == 0) rc = q_hold_add(s, "listing", cid, k.code, l.seller, l.seller, -amount, err);
  lg_stmt_t *st;
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_trades(listing_id, bid_id, seller, buyer, kind,"
                             " amount, unit_price_fen, total_fen, compensation_bp,"
                             " compensation_fen, seller_net_fen, year, agreement, movement_id,"
                             " settled_at, settled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                             " ?, ?, ?, ?) RETURNING id",
                             &st, err)) == 0) {
    lg_store_bind_int(st, 1, t->listing_id);
    if (t->bid_id > 0)
      lg_store_bind_int(st, 2, t->bid_id);
    else
      lg_store_bind_null(st, 2);
    lg_store_bind_text(st, 3, l.seller);
    lg_store_bind_text(st, 4, buyer);
    lg_store_bind_text(st, 5, k.code);
    lg_store_bind_int(st, 6, amount);
    lg_store_bind_int(st, 7, price);
    lg_store_bind_int(st, 8, total);
    lg_store_bind_int(st, 9, bp);
    lg_store_bind_int(st, 10, comp);
    lg_store_bind_int(st, 11, total - comp);
    lg_store_bind_int(st, 12, year);
    lg_store_bind_text(st, 13, t->bid_id > 0 ? NULL : t->agreement);
    lg_store_bind_int(st, 14, mid);
    lg_store_bind_text(st, 15, now);
    lg_store_bind_text(st, 16, by.login);
    rc = lg_store_insert_id(st, &tid, "保存成交记录失败", err);
  }
  if (rc == 0)
    rc = record_row(s, &by, "quota.settle", "quota.trade", tid, trade_state, l.seller, err);
  /* The listing: what remains, closed when nothing does. */
  bool sold_out = l.remaining - amount == 0;
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "UPDATE lg_quota_listings SET remaining = remaining - ?,"
                                        " status = CASE WHEN remaining - ? = 0 THEN 'sold'"
                                        " ELSE status END, closed_at = CASE WHEN remaining - ? = 0"
                                        " THEN ? ELSE closed_at END WHERE id = ?",
                                        &st, err)) == 0) {
    lg_store_bind_int(st, 1, amount);
    lg_store_bind_int(st, 2, amount);
    lg_store_bind_int(st, 3, amount);
    lg_store_bind_text(st, 4, now);
    lg_store_bind_int(st, 5, t->listing_id);
    rc = lg_store_run_done(st, "更新挂牌失败", err);
  }
  if (rc == 0 && t->bid_id > 0 &&
      (rc = lg_store_prepare(s,
                             "UPDATE lg_quota_bids SET status = 'accepted', decided_at = ?"
                             " WHERE id = ?",
                             &st, err)) == 0) {
    lg_store_bind_text(st, 1, now);
    lg_store_bind_int(st, 2, t->bid_id);
    rc = lg_store_run_done(st, "更新竞价失败", err);
    if (rc == 0)
      rc = record_row(s, &by, "quota.bid.accept", "quota.bid", t->bid_id, q_bid_state, buyer, err);
  }
  if (rc == 0 && sold_out) rc = lapse_bids(s, &by, t->listing_id, now, l.seller, err);
  if (rc == 0)
    rc = record_row(s, &by, "quota.settle", "quota.listing", t->listing_id, q_listing_state,
                    l.seller, err);
  /* The ecological compensation, into the seller region's fund. */
  if (rc == 0 && comp > 0) {
    int64_t fid = 0;
    if ((rc =
             lg_store_prepare(s,
                              "INSERT INTO lg_quota_fund(division, type, amount_fen, trade_id,"
                              " note, at, actor) VALUES (?, 'receipt', ?, ?, ?, ?, ?) RETURNING id",
                              &st, err)) == 0) {
      char note[128];
      snprintf(note, sizeof note, "指标交易 %lld 的生态补偿 (成交价款的 %d.%02d%%)", (long long)tid,
               bp / 100, bp % 100);
      lg_store_bind_text(st, 1, l.seller);
      lg_store_bind_int(st, 2, comp);
      lg_store_bind_int(st, 3, tid);
      lg_store_bind_text(st, 4, note);
      lg_store_bind_text(st, 5, now);
      lg_store_bind_text(st, 6, by.login);
      rc = lg_store_insert_id(st, &fid, "记入生态修复基金失败", err);
    }
    if (rc == 0)
      rc = record_row(s, &by, "quota.fund.receipt", "quota.fund", fid, fund_state, l.seller, err);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && trade_id) *trade_id = tid;
out:
  json_decref(cfg);
  return rc;
}

/* ---- Reading the market ------------------------------------------------------------------- */

static void bind_vis(lg_stmt_t *st, const lg_auth_filter_t *vis) {
  lg_store_bind_text(st, 1, vis ? vis->kind : "all");
  lg_store_bind_text(st, 2, vis ? vis->division : "");
}

static json_t *bids_of(lg_store_t *s, int64_t listing) {
  json_t *arr = json_array();
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT " BID_COLS " FROM lg_quota_bids WHERE listing_id = ? ORDER BY id",
                       &st, NULL) == 0) {
    lg_store_bind_int(st, 1, listing);
    while (lg_store_step(st) == LG_ROW)
      json_array_append_new(arr, bid_row(st));
    lg_store_done(st);
  }
  return arr;
}

static void kind_titles(lg_store_t *s, json_t *o) {
  lg_quota_kind_t k;
  if (lg_quota_kind_get(s, json_string_value(json_object_get(o, "kind")), &k, NULL) == 0) {
    json_object_set_new(o, "kind_title", json_string(k.title));
    json_object_set_new(o, "unit", json_string(k.unit));
  }
}

int lg_quota_listings(lg_store_t *s, const lg_auth_filter_t *vis, const char *status, json_t **out,
                      lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      "SELECT " LISTING_COLS " FROM lg_quota_listings"
      " WHERE (status = 'open' OR ?1 = 'all' OR (?1 = 'jurisdiction' AND seller LIKE ?2 || '%'))"
      " AND (?3 = '' OR status = ?3) ORDER BY id DESC LIMIT 500",
      &st, err);
  if (rc) return rc;
  bind_vis(st, vis);
  lg_store_bind_text(st, 3, status ? status : "");
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(arr, listing_row(st));
  lg_store_done(st);
  size_t i;
  json_t *l;
  json_array_foreach(arr, i, l) {
    kind_titles(s, l);
    json_object_set_new(l, "bids", bids_of(s, json_integer_value(json_object_get(l, "id"))));
  }
  *out = arr;
  return 0;
}

int lg_quota_listing_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  json_t *o = NULL;
  int rc = q_listing_state(s, id, &o, err);
  if (rc) return rc;
  if (!o) return lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的挂牌", (long long)id);
  kind_titles(s, o);
  json_object_set_new(o, "bids", bids_of(s, id));
  json_t *trades = json_array();
  lg_stmt_t *st;
  if (lg_store_prepare(
          s, "SELECT " TRADE_COLS " FROM lg_quota_trades WHERE listing_id = ? ORDER BY id", &st,
          NULL) == 0) {
    lg_store_bind_int(st, 1, id);
    while (lg_store_step(st) == LG_ROW)
      json_array_append_new(trades, trade_row(st));
    lg_store_done(st);
  }
  json_object_set_new(o, "trades", trades);
  *out = o;
  return 0;
}

int lg_quota_trades(lg_store_t *s, const lg_auth_filter_t *vis, int year, json_t **out,
                    lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "SELECT " TRADE_COLS " FROM lg_quota_trades"
                       " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND (seller LIKE ?2 || '%'"
                       "  OR buyer LIKE ?2 || '%'))) AND (?3 = 0 OR year = ?3) ORDER BY id DESC",
                       &st, err);
  if (rc) return rc;
  bind_vis(st, vis);
  lg_store_bind_int(st, 3, year);
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(arr, trade_row(st));
  lg_store_done(st);
  size_t i;
  json_t *t;
  json_array_foreach(arr, i, t) kind_titles(s, t);
  *out = arr;
  return 0;
}

int lg_quota_trade_get(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  json_t *o = NULL;
  int rc = trade_state(s, id, &o, err);
  if (rc) return rc;
  if (!o) return lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的成交记录", (long long)id);
  kind_titles(s, o);
  *out = o;
  return 0;
}

int lg_quota_caps(lg_store_t *s, const lg_auth_filter_t *vis, int year, json_t **out,
                  lg_err_t *err) {
  json_t *cfg = NULL;
  int rc = lg_quota_config(s, &cfg, err);
  if (rc) return rc;
  lg_stmt_t *st;
  /* Every division that traded, listed or bid in the year, by kind. */
  rc = lg_store_prepare(
      s,
      "SELECT d.division, d.kind,"
      " (SELECT coalesce(sum(t.amount), 0) FROM lg_quota_trades t WHERE t.buyer = d.division"
      "  AND t.kind = d.kind AND t.year = ?3),"
      " (SELECT coalesce(sum(t.amount), 0) FROM lg_quota_trades t WHERE t.seller = d.division"
      "  AND t.kind = d.kind AND t.year = ?3)"
      " FROM (SELECT buyer AS division, kind FROM lg_quota_trades WHERE year = ?3"
      "  UNION SELECT seller, kind FROM lg_quota_trades WHERE year = ?3"
      "  UNION SELECT seller, kind FROM lg_quota_listings WHERE year = ?3"
      "  UNION SELECT b.buyer, l.kind FROM lg_quota_bids b JOIN lg_quota_listings l"
      "   ON l.id = b.listing_id WHERE b.year = ?3) d"
      " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND d.division LIKE ?2 || '%'))"
      " ORDER BY d.division, d.kind",
      &st, err);
  if (rc) {
    json_decref(cfg);
    return rc;
  }
  bind_vis(st, vis);
  lg_store_bind_int(st, 3, year);
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW) {
    const char *kind = lg_store_col_text(st, 1);
    json_t *caps = json_object();
    static const char *const names[] = {"per_trade", "buyer_year", "seller_year"};
    for (size_t i = 0; i < LG_ARRAY_LEN(names); i++) {
      int64_t c = cap_of(cfg, kind, names[i]);
      json_object_set_new(caps, names[i], c >= 0 ? json_integer(c) : json_null());
    }
    json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I, s:o}", "division",
                                         lg_store_col_text(st, 0), "kind", kind, "bought",
                                         (json_int_t)lg_store_col_int(st, 2), "sold",
                                         (json_int_t)lg_store_col_int(st, 3), "caps", caps));
  }
  lg_store_done(st);
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) kind_titles(s, x);
  json_decref(cfg);
  *out = arr;
  return 0;
}

/* ---- Ecological restoration funds ----------------------------------------------------------- */

static int fund_balance(lg_store_t *s, const char *division, int64_t *receipts, int64_t *spending,
                        lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT coalesce(sum(amount_fen) FILTER (WHERE type = 'receipt'), 0),"
                            " coalesce(sum(amount_fen) FILTER (WHERE type = 'spending'), 0)"
                            " FROM lg_quota_fund WHERE division = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, division);
  *receipts = *spending = 0;
  if (lg_store_step(st) == LG_ROW) {
    *receipts = lg_store_col_int(st, 0);
    *spending = lg_store_col_int(st, 1);
  }
  lg_store_done(st);
  return 0;
}

int lg_quota_funds(lg_store_t *s, const lg_auth_filter_t *vis, const char *division, json_t **out,
                   lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "SELECT DISTINCT division FROM lg_quota_fund"
                       " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND division LIKE ?2 || '%'))"
                       " AND (?3 = '' OR division = ?3) ORDER BY division",
                       &st, err);
  if (rc) return rc;
  bind_vis(st, vis);
  lg_store_bind_text(st, 3, division ? division : "");
  LG_VEC(char *) divs = {0};
  while (lg_store_step(st) == LG_ROW)
    lg_vec_push(&divs, lg_strdup(lg_store_col_text(st, 0)));
  lg_store_done(st);
  json_t *arr = json_array();
  for (size_t i = 0; rc == 0 && i < divs.len; i++) {
    int64_t rec = 0, sp = 0;
    if ((rc = fund_balance(s, divs.items[i], &rec, &sp, err))) break;
    json_t *entries = json_array();
    if ((rc = lg_store_prepare(s,
                               "SELECT " FUND_COLS " FROM lg_quota_fund WHERE division = ?"
                               " ORDER BY id DESC",
                               &st, err)) == 0) {
      lg_store_bind_text(st, 1, divs.items[i]);
      while (lg_store_step(st) == LG_ROW)
        json_array_append_new(entries, fund_row(st));
      lg_store_done(st);
    }
    json_array_append_new(arr,
                          json_pack("{s:s, s:I, s:I, s:I, s:o}", "division", divs.items[i],
                                    "receipts_fen", (json_int_t)rec, "spending_fen", (json_int_t)sp,
                                    "balance_fen", (json_int_t)(rec - sp), "entries", entries));
  }
  for (size_t i = 0; i < divs.len; i++)
    lg_free(divs.items[i]);
  lg_free(divs.items);
  if (rc)
    json_decref(arr);
  else
    *out = arr;
  return rc;
}

int lg_quota_fund_spend(lg_store_t *s, const lg_subject_t *who, const char *division_in,
                        int64_t amount_fen, const char *project, const char *note, int64_t *id,
                        lg_err_t *err) {
  char division[16];
  int rc = q_division(division_in, division, "基金所属行政区 (division)", err);
  if (rc == 0 && (amount_fen <= 0 || amount_fen > 900000000000000000LL)) {
    rc = lg_err_set(err, LG_EINVAL, "支出金额应为正整数 (分), 得到 %lld", (long long)amount_fen);
    lg_err_where(err, "amount_fen");
  }
  if (rc == 0 && (!project || !*project)) {
    rc = lg_err_set(err, LG_EINVAL,
                    "生态修复基金的支出须注明所用于的整治或修复项目 (project: 编号和名称)");
    lg_err_where(err, "project");
  }
  if (rc == 0) rc = q_require(s, who, "act", division, err);
  if (rc) return rc;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32];
  q_now_iso(now);
  if ((rc = lg_store_begin(s, err))) return rc;
  int64_t rec = 0, sp = 0, fid = 0;
  rc = fund_balance(s, division, &rec, &sp, err);
  if (rc == 0 && rec - sp < amount_fen) {
    char have[64], want[64];
    q_fmt_fen(rec - sp, have);
    q_fmt_fen(amount_fen, want);
    rc = lg_err_set(err, LG_ECONFLICT, "%s 的生态修复基金余额 %s, 不足以支出 %s", division, have,
                    want);
    lg_err_where(err, "amount_fen");
  }
  lg_stmt_t *st;
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_fund(division, type, amount_fen, project, note,"
                             " at, actor) VALUES (?, 'spending', ?, ?, ?, ?, ?) RETURNING id",
                             &st, err)) == 0) {
    lg_store_bind_text(st, 1, division);
    lg_store_bind_int(st, 2, amount_fen);
    lg_store_bind_text(st, 3, project);
    lg_store_bind_text(st, 4, note && *note ? note : NULL);
    lg_store_bind_text(st, 5, now);
    lg_store_bind_text(st, 6, by.login);
    rc = lg_store_insert_id(st, &fid, "记录基金支出失败", err);
  }
  if (rc == 0)
    rc = record_row(s, &by, "quota.fund.spend", "quota.fund", fid, fund_state, division, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && id) *id = fid;
  return rc;
}

/* ---- Auditors -------------------------------------------------------------------------------- */

static int audit_rows(lg_store_t *s, const char *sql, json_t *(*row)(lg_stmt_t *),
                      lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    json_t *state = row(st);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)lg_store_col_int(st, 0));
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_store_done(st);
  return rc;
}

int q_audit_listings(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return audit_rows(s, "SELECT " LISTING_COLS " FROM lg_quota_listings", listing_row, emit, ctx,
                    err);
}
int q_audit_bids(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return audit_rows(s, "SELECT " BID_COLS " FROM lg_quota_bids", bid_row, emit, ctx, err);
}
int q_audit_trades(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return audit_rows(s, "SELECT " TRADE_COLS " FROM lg_quota_trades", trade_row, emit, ctx, err);
}
int q_audit_fund(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return audit_rows(s, "SELECT " FUND_COLS " FROM lg_quota_fund", fund_row, emit, ctx, err);
}
