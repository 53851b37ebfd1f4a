/*
 * quota: the market. Prices and the ecological compensation counted by
 * hand to the fen (10% of the price, rounded half up: .9 and .5 up, .4
 * down); every cap refused on each branch where it applies (per trade at
 * a bid and at a settlement, per buyer per year at a bid and at a
 * settlement, per seller per year at a listing and at a settlement),
 * the cap itself allowed, a new year starting afresh; kinds and regions
 * excluded by policy; a bid under the reserve price, a buyer buying from
 * itself, a trade on a withdrawn listing: a clear Chinese error and
 * nothing changed. The seller's fund receives each compensation and pays
 * only what it holds; statements print what was settled.
 */
#include "quota_fixture.h"

static int64_t list(qenv_t *e, const char *seller, const char *kind, int64_t amount,
                    int64_t price) {
  lg_quota_listing_new_t l = {
      .seller = seller, .kind = kind, .amount = amount, .reserve_price_fen = price};
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_quota_list(e->s, NULL, &l, &id, &err) != 0) fail_msg("list: %s", err.msg);
  return id;
}

static int64_t bid(qenv_t *e, int64_t listing, const char *buyer, int64_t amount, int64_t price) {
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_quota_bid(e->s, NULL, listing, buyer, amount, price, NULL, &id, &err) != 0)
    fail_msg("bid: %s", err.msg);
  return id;
}

static json_t *settle(qenv_t *e, const lg_quota_settle_t *t) {
  int64_t id = 0;
  lg_err_t err = {0};
  json_t *o = NULL;
  if (lg_quota_settle(e->s, NULL, t, &id, &err) != 0) fail_msg("settle: %s", err.msg);
  if (lg_quota_trade_get(e->s, id, &o, &err) != 0) fail_msg("trade: %s", err.msg);
  return o;
}

#define I(o, k) json_integer_value(json_object_get((o), (k)))

static void test_trade_and_compensation(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  issue(e, "360781", "cultivated_area", 500000);
  /* 6,667 m2 (10 mu) listed at 45.00 yuan/m2; bid at 45.37. */
  int64_t l1 = list(e, "360781", "cultivated_area", 6667, 4500);
  assert_i64(bal(e, "360781", "cultivated_area", "available"), 493333);
  assert_i64(bal(e, "360781", "cultivated_area", "reserved"), 6667);
  int64_t b1 = bid(e, l1, "440305", 6667, 4537);
  lg_quota_settle_t t = {.listing_id = l1, .bid_id = b1};
  json_t *tr = settle(e, &t);
  /* 6,667 x 4,537 = 30,248,179 fen; 10% = 3,024,817.9 -> 3,024,818;
   * the seller keeps 27,223,361. */
  assert_i64(I(tr, "total_fen"), 30248179);
  assert_i64(I(tr, "compensation_fen"), 3024818);
  assert_i64(I(tr, "seller_net_fen"), 27223361);
  assert_i64(I(tr, "compensation_bp"), 1000);
  assert_string_equal(json_string_value(json_object_get(tr, "buyer")), "440305");
  json_decref(tr);
  assert_i64(bal(e, "440305", "cultivated_area", "available"), 6667);
  assert_i64(bal(e, "360781", "cultivated_area", "reserved"), 0);
  json_t *l = NULL;
  assert_int_equal(lg_quota_listing_get(e->s, l1, &l, &err), 0);
  assert_string_equal(json_string_value(json_object_get(l, "status")), "sold");
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(json_object_get(l, "bids"), 0), "status")),
      "accepted");
  json_decref(l);
  /* By agreement: 1,234 m2 at 30.01: 3,703,234 fen; 370,323.4 -> 370,323. */
  int64_t l2 = list(e, "360781", "cultivated_area", 2000, 3000);
  t = (lg_quota_settle_t){.listing_id = l2,
                          .buyer = "4403",
                          .amount = 1234,
                          .unit_price_fen = 3001,
                          .agreement = "深赣指标〔2026〕1号"};
  tr = settle(e, &t);
  assert_i64(I(tr, "total_fen"), 3703234);
  assert_i64(I(tr, "compensation_fen"), 370323);
  assert_i64(I(tr, "seller_net_fen"), 3332911);
  json_decref(tr);
  /* 5 m2 at 1 fen: 0.5 fen -> 1 fen, half up. */
  t = (lg_quota_settle_t){.listing_id = l2,
                          .buyer = "4403",
                          .amount = 5,
                          .unit_price_fen = 3000,
                          .agreement = "深赣指标〔2026〕2号"};
  tr = settle(e, &t);
  assert_i64(I(tr, "total_fen"), 15000);
  assert_i64(I(tr, "compensation_fen"), 1500);
  json_decref(tr);
  assert_i64(lg_quota_compensation_fen(5, 1000), 1);
  assert_i64(lg_quota_compensation_fen(4, 1000), 0);
  assert_i64(lg_quota_compensation_fen(15, 1000), 2);
  assert_i64(lg_quota_compensation_fen(14, 1000), 1);
  /* The listing has 761 m2 left, still open. */
  assert_int_equal(lg_quota_listing_get(e->s, l2, &l, &err), 0);
  assert_i64(I(l, "remaining"), 761);
  assert_string_equal(json_string_value(json_object_get(l, "status")), "open");
  json_decref(l);

  /* The seller's fund: 3,024,818 + 370,323 + 1,500 = 3,396,641 fen. */
  json_t *f = NULL;
  assert_int_equal(lg_quota_funds(e->s, NULL, "360781", &f, &err), 0);
  assert_i64(I(json_array_get(f, 0), "receipts_fen"), 3396641);
  assert_i64(I(json_array_get(f, 0), "balance_fen"), 3396641);
  assert_int_equal(json_array_size(json_object_get(json_array_get(f, 0), "entries")), 3);
  json_decref(f);
  uint64_t n0 = ledger_size(e);
  assert_int_equal(lg_quota_fund_spend(e->s, NULL, "360781", 3396642, "XF-2026-01 废弃矿山生态修复",
                                       NULL, NULL, &err),
                   LG_ECONFLICT);
  assert_msg(err, "余额 33,966.41 元, 不足以支出 33,966.42 元");
  assert_int_equal(lg_quota_fund_spend(e->s, NULL, "360781", 1000, NULL, NULL, NULL, &err),
                   LG_EINVAL);
  assert_msg(err, "项目");
  assert_int_equal(lg_quota_fund_spend(e->s, NULL, "360781", 0, "XF-1", NULL, NULL, &err),
                   LG_EINVAL);
  assert_i64(ledger_size(e), n0);
  assert_int_equal(lg_quota_fund_spend(e->s, NULL, "360781", 3000000, "XF-2026-01 废弃矿山生态修复",
                                       "一期工程款", NULL, &err),
                   0);
  assert_int_equal(lg_quota_funds(e->s, NULL, "360781", &f, &err), 0);
  assert_i64(I(json_array_get(f, 0), "spending_fen"), 3000000);
  assert_i64(I(json_array_get(f, 0), "balance_fen"), 396641);
  json_decref(f);

  /* Statements: the trade's page, and the year's workbook (a zip). */
  lg_buf_t h;
  lg_buf_init(&h);
  assert_int_equal(lg_quota_statement_html(e->s, 1, 0, NULL, &h, &err), 0);
  assert_non_null(strstr(h.data, "302,481.79 元"));
  assert_non_null(strstr(h.data, "30,248.18 元"));
  assert_non_null(strstr(h.data, "272,233.61 元"));
  lg_buf_reset(&h);
  assert_int_equal(lg_quota_statement_html(e->s, 0, 2026, NULL, &h, &err), 0);
  assert_non_null(strstr(h.data, "合计 (3 笔)"));
  /* 30,248,179 + 3,703,234 + 15,000 = 33,966,413 fen. */
  assert_non_null(strstr(h.data, "339,664.13 元"));
  lg_buf_fini(&h);
  char x[400];
  snprintf(x, sizeof x, "%s/statement.xlsx", e->dir);
  assert_int_equal(lg_quota_statement_xlsx(e->s, 0, 2026, NULL, x, &err), 0);
  FILE *fx = fopen(x, "rb");
  assert_non_null(fx);
  char sig[2] = {0};
  assert_int_equal(fread(sig, 1, 2, fx), 2);
  fclose(fx);
  assert_memory_equal(sig, "PK", 2);

  json_t *r = NULL;
  assert_int_equal(lg_quota_reconcile(e->s, &r, &err), 0);
  assert_true(json_is_true(json_object_get(r, "ok")));
  json_decref(r);
  assert_int_equal(quota_findings(e, NULL), 0);
}

typedef struct snap {
  uint64_t ledger;
  int64_t sum, rows;
} snap_t;

static snap_t snap(qenv_t *e) {
  return (snap_t){
      ledger_size(e),
      q_sql_int(e->s, "SELECT coalesce(sum(available * 3 + reserved * 5 + consumed * 7), 0) FROM "
                      "lg_quota_accounts"),
      q_sql_int(e->s, "SELECT (SELECT count(*) FROM lg_quota_listings) * 10000 + (SELECT count(*)"
                      " FROM lg_quota_bids) * 100 + (SELECT count(*) FROM lg_quota_trades)")};
}

static void same(qenv_t *e, snap_t a) {
  snap_t b = snap(e);
  assert_i64(b.ledger, a.ledger);
  assert_i64(b.sum, a.sum);
  assert_i64(b.rows, a.rows);
}

#define REFUSED(call, code, needle)                                                                \
  do {                                                                                             \
    snap_t s0_ = snap(e);                                                                          \
    lg_err_clear(&err);                                                                            \
    assert_int_equal((call), (code));                                                              \
    assert_msg(err, needle);                                                                       \
    same(e, s0_);                                                                                  \
  } while (0)

static void save_caps(qenv_t *e, const char *excluded_kind, const char *excluded_region) {
  json_t *cfg = json_loads(lg_quota_config_default_json(), 0, NULL);
  json_t *m = json_object_get(cfg, "market");
  json_object_set_new(
      json_object_get(m, "caps"), "cultivated_area",
      json_pack("{s:i, s:i, s:i}", "per_trade", 10000, "buyer_year", 15000, "seller_year", 20000));
  if (excluded_kind) json_object_set_new(m, "excluded_kinds", json_pack("[s]", excluded_kind));
  if (excluded_region)
    json_object_set_new(m, "excluded_regions", json_pack("[s]", excluded_region));
  char *text = json_dumps(cfg, 0);
  lg_err_t err = {0};
  if (lg_quota_config_save(e->s, text, NULL, &err) != 0) fail_msg("config: %s", err.msg);
  free(text);
  json_decref(cfg);
}

static void test_caps_and_refusals(void **state) {
  qenv_t *e = *state;
  lg_err_t err = {0};
  int64_t t0 = 0;
  lg_time_parse_iso("2026-06-01T02:00:00Z", &t0, NULL);
  lg_clock_set(t0);
  save_caps(e, NULL, NULL);
  issue(e, "360781", "cultivated_area", 500000);
  issue(e, "360781", "new_construction", 500000);
  issue(e, "360781", "linkage_surplus", 500000);
  lg_quota_listing_new_t nl = {
      .seller = "360781", .kind = "cultivated_area", .amount = 20001, .reserve_price_fen = 3000};
  /* Seller per year, at the listing. */
  REFUSED(lg_quota_list(e->s, NULL, &nl, NULL, &err), LG_ECONFLICT, "年度上限 20,000 平方米");
  /* Not tradable, by kind. */
  nl.kind = "new_construction";
  nl.amount = 100;
  REFUSED(lg_quota_list(e->s, NULL, &nl, NULL, &err), LG_EINVAL, "不得在指标市场交易");
  nl.kind = "cultivated_area";
  nl.amount = 0;
  REFUSED(lg_quota_list(e->s, NULL, &nl, NULL, &err), LG_EINVAL, "应为正整数");
  nl.amount = 600000;
  nl.kind = "linkage_surplus"; /* no cap on it: refused for want of quota */
  REFUSED(lg_quota_list(e->s, NULL, &nl, NULL, &err), LG_ECONFLICT, "不足以挂牌");
  int64_t l1 = list(e, "360781", "cultivated_area", 20000, 3000); /* the cap itself */
  /* Per trade, at a bid; under the reserve price; from oneself. */
  REFUSED(lg_quota_bid(e->s, NULL, l1, "360782", 10001, 3000, NULL, NULL, &err), LG_EINVAL,
          "单笔交易上限为 10,000 平方米");
  REFUSED(lg_quota_bid(e->s, NULL, l1, "360782", 100, 2999, NULL, NULL, &err), LG_EINVAL,
          "低于挂牌保留价 30.00 元");
  REFUSED(lg_quota_bid(e->s, NULL, l1, "360781", 100, 3000, NULL, NULL, &err), LG_EINVAL,
          "买方不能是卖方自己");
  REFUSED(lg_quota_bid(e->s, NULL, l1, "99", 100, 3000, NULL, NULL, &err), LG_EINVAL,
          "未知的行政区");
  REFUSED(lg_quota_bid(e->s, NULL, 999, "360782", 100, 3000, NULL, NULL, &err), LG_ENOTFOUND,
          "没有编号为 999 的挂牌");
  /* Per trade, at a settlement by agreement. */
  lg_quota_settle_t t = {.listing_id = l1,
                         .buyer = "3608",
                         .amount = 10001,
                         .unit_price_fen = 3000,
                         .agreement = "协议-0"};
  REFUSED(lg_quota_settle(e->s, NULL, &t, NULL, &err), LG_EINVAL, "单笔交易上限为 10,000 平方米");
  int64_t ba = bid(e, l1, "360782", 10000, 3000); /* A: the per-trade cap itself */
  t = (lg_quota_settle_t){.listing_id = l1, .bid_id = ba};
  json_decref(settle(e, &t));
  /* Buyer per year, at a bid: 10,000 bought, cap 15,000. */
  REFUSED(lg_quota_bid(e->s, NULL, l1, "360782", 5001, 3000, NULL, NULL, &err), LG_ECONFLICT,
          "买方 360782 2026 年已购入耕地占补平衡指标 (数量) 10,000 平方米, 年度上限 15,000 平方米");
  int64_t ba2 = bid(e, l1, "360782", 5000, 3000); /* exactly the cap */
  /* More than the listing has left. */
  t = (lg_quota_settle_t){.listing_id = l1,
                          .buyer = "3608",
                          .amount = 10001,
                          .unit_price_fen = 3000,
                          .agreement = "协议-1"};
  REFUSED(lg_quota_settle(e->s, NULL, &t, NULL, &err), LG_ECONFLICT, "尚余 10,000 平方米");
  int64_t l2 = list(e, "360781", "cultivated_area", 1, 3000);
  /* Buyer per year, at a settlement: 360782 buys 1,000 more by agreement
   * while its bid of 5,000 waits (10,000 + 1,000 + 5,000 > 15,000 only
   * once both settle). */
  t = (lg_quota_settle_t){.listing_id = l1,
                          .buyer = "360782",
                          .amount = 1000,
                          .unit_price_fen = 3000,
                          .agreement = "协议-2"};
  json_decref(settle(e, &t));
  t = (lg_quota_settle_t){.listing_id = l1, .bid_id = ba2};
  REFUSED(lg_quota_settle(e->s, NULL, &t, NULL, &err), LG_ECONFLICT, "买方 360782 2026 年已购入");
  /* Seller per year, at a settlement: 360781 sold 11,000 and has 1 m2
   * on a second listing; selling 9,000 more to 3608 reaches 20,000... */
  t = (lg_quota_settle_t){.listing_id = l1,
                          .buyer = "3608",
                          .amount = 9000,
                          .unit_price_fen = 3000,
                          .agreement = "协议-3"};
  json_decref(settle(e, &t));
  /* ...and one square metre more is over it. */
  t = (lg_quota_settle_t){.listing_id = l2,
                          .buyer = "3608",
                          .amount = 1,
                          .unit_price_fen = 3000,
                          .agreement = "协议-4"};
  REFUSED(lg_quota_settle(e->s, NULL, &t, NULL, &err), LG_ECONFLICT,
          "卖方 360781 2026 年已售出耕地占补平衡指标 (数量) 20,000 平方米");
  /* An agreement without its number. */
  t.agreement = NULL;
  REFUSED(lg_quota_settle(e->s, NULL, &t, NULL, &err), LG_EINVAL, "协议编号");
  /* The caps used, as shown. */
  json_t *caps = NULL;
  assert_int_equal(lg_quota_caps(e->s, NULL, 2026, &caps, &err), 0);
  size_t i;
  json_t *c;
  int seen = 0;
  json_array_foreach(caps, i, c) {
    const char *d = json_string_value(json_object_get(c, "division"));
    if (!strcmp(d, "360781")) {
      assert_i64(I(c, "sold"), 20000);
      seen++;
    }
    if (!strcmp(d, "360782")) {
      assert_i64(I(c, "bought"), 11000);
      seen++;
    }
    if (!strcmp(d, "3608")) {
      assert_i64(I(c, "bought"), 9000);
      seen++;
    }
  }
  assert_int_equal(seen, 3);
  json_decref(caps);

  /* A withdrawn listing: what remains goes back, its bids lapse, no
   * trade and no bid on it. */
  int64_t before = bal(e, "360781", "cultivated_area", "available");
  assert_int_equal(lg_quota_withdraw(e->s, NULL, l2, &err), 0);
  assert_i64(bal(e, "360781", "cultivated_area", "available"), before + 1);
  t = (lg_quota_settle_t){.listing_id = l2,
                          .buyer = "3608",
                          .amount = 1,
                          .unit_price_fen = 3000,
                          .agreement = "协议-5"};
  REFUSED(lg_quota_settle(e->s, NULL, &t, NULL, &err), LG_ECONFLICT, "挂牌");
  assert_msg(err, "已撤牌");
  REFUSED(lg_quota_bid(e->s, NULL, l2, "3608", 1, 3000, NULL, NULL, &err), LG_ECONFLICT, "已撤牌");
  REFUSED(lg_quota_withdraw(e->s, NULL, l2, &err), LG_ECONFLICT, "已撤牌");
  /* The whole first listing is sold: its waiting bid lapsed. */
  json_t *l = NULL;
  assert_int_equal(lg_quota_listing_get(e->s, l1, &l, &err), 0);
  assert_string_equal(json_string_value(json_object_get(l, "status")), "sold");
  json_array_foreach(json_object_get(l, "bids"), i, c) {
    if (I(c, "id") == ba2)
      assert_string_equal(json_string_value(json_object_get(c, "status")), "lapsed");
  }
  json_decref(l);

  /* A new year: the annual caps start afresh. */
  lg_time_parse_iso("2027-01-04T02:00:00Z", &t0, NULL);
  lg_clock_set(t0);
  int64_t l3 = list(e, "360781", "cultivated_area", 20000, 3000);
  int64_t b3 = bid(e, l3, "360782", 10000, 3000);
  t = (lg_quota_settle_t){.listing_id = l3, .bid_id = b3};
  json_t *tr = settle(e, &t);
  assert_i64(I(tr, "year"), 2027);
  json_decref(tr);

  /* Kinds and regions excluded by policy. */
  save_caps(e, "linkage_surplus", "4403");
  nl = (lg_quota_listing_new_t){
      .seller = "360781", .kind = "linkage_surplus", .amount = 100, .reserve_price_fen = 1};
  REFUSED(lg_quota_list(e->s, NULL, &nl, NULL, &err), LG_EINVAL,
          "增减挂钩节余指标 (linkage_surplus) 按政策不得");
  REFUSED(lg_quota_bid(e->s, NULL, l3, "440305", 100, 3000, NULL, NULL, &err), LG_EINVAL,
          "买方 440305 位于按政策排除的地区 (4403)");
  issue(e, "440305", "cultivated_area", 1000);
  nl = (lg_quota_listing_new_t){
      .seller = "440305", .kind = "cultivated_area", .amount = 100, .reserve_price_fen = 1};
  REFUSED(lg_quota_list(e->s, NULL, &nl, NULL, &err), LG_EINVAL,
          "卖方 440305 位于按政策排除的地区");

  json_t *r = NULL;
  assert_int_equal(lg_quota_reconcile(e->s, &r, &err), 0);
  if (!json_is_true(json_object_get(r, "ok"))) fail_msg("reconcile: %s", json_dumps(r, 0));
  json_decref(r);
  assert_int_equal(quota_findings(e, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_trade_and_compensation, qenv_setup, qenv_teardown),
      cmocka_unit_test_setup_teardown(test_caps_and_refusals, qenv_setup, qenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
