/*
 * stock: the Measures on the Disposal of Idle Land (Order 53, 2012) as
 * lg_stock_classify applies them, every expected date and fee counted by
 * hand here from the articles and the Civil Code's rule for periods (art.
 * 201-203: the first day is not counted, a year ends at 24:00 of its
 * anniversary, or of the month's last day when there is none):
 *
 *   art. 2   idle when not started one full year after the agreed start:
 *            agreed 2020-03-01, the year is full at the end of 2021-03-01,
 *            so 2021-03-01 is not idle and 2021-03-02 is;
 *            or started, under 1/3 developed or 25% invested, stopped one
 *            full year (exactly 1/3 and exactly 25% are not "under");
 *   art. 8   a government cause verified: government_delay;
 *   art. 12  an extension moves the start; the clock restarts from it;
 *   art. 14  a full year idle: a fee of 20% of the price; two full years:
 *            recovery, no fee.
 *
 * The rules come from the built-in data/stock/default.json; one test
 * changes the fee rate in a copy to show it is data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stock/stock.h"

static lg_stock_rules_t R;

static int32_t D(const char *s) {
  int32_t d;
  if (lg_date_parse(s, &d, NULL) != 0) fail_msg("bad date %s", s);
  return d;
}

static const char *ds(int32_t d) {
  static char buf[4][11];
  static int k;
  char *b = buf[k++ % 4];
  if (d == LG_STOCK_NODATE) return "(none)";
  lg_date_format(d, b);
  return b;
}

static int setup(void **state) {
  (void)state;
  json_t *cfg = json_loads(lg_stock_config_default_json(), 0, NULL);
  lg_err_t err = {0};
  if (!cfg || lg_stock_rules_from(cfg, &R, &err) != 0) fail_msg("rules: %s", err.msg);
  json_decref(cfg);
  return 0;
}

/* A parcel of 3 ha agreed to start 2020-03-01, price 12,345,678.90 yuan,
 * nothing else recorded. */
static lg_stock_facts_t parcel(void) {
  lg_stock_facts_t f;
  memset(&f, 0, sizeof f);
  f.agreed_start = D("2020-03-01");
  f.started = f.completed = f.stopped_since = f.exception_on = f.art12_on = f.new_start =
      LG_STOCK_NODATE;
  f.area_m2 = 30000;
  f.price_yuan = 12345678.90;
  return f;
}

static void expect(const lg_stock_facts_t *f, const char *day, const char *status,
                   const char *idle_since, double fee) {
  lg_stock_verdict_t v;
  lg_stock_classify(&R, f, D(day), &v);
  if (strcmp(v.status, status)) fail_msg("on %s: status %s, want %s", day, v.status, status);
  if (strcmp(ds(v.idle_since), idle_since ? idle_since : "(none)"))
    fail_msg("on %s: idle_since %s, want %s", day, ds(v.idle_since),
             idle_since ? idle_since : "(none)");
  if (fabs(v.fee_yuan - fee) > 0.001) fail_msg("on %s: fee %.2f, want %.2f", day, v.fee_yuan, fee);
}

static bool has_article(const lg_stock_facts_t *f, const char *day, const char *a) {
  lg_stock_verdict_t v;
  lg_stock_classify(&R, f, D(day), &v);
  for (int i = 0; i < v.narticles; i++)
    if (!strcmp(v.articles[i], a)) return true;
  return false;
}

static void test_add_years(void **state) {
  (void)state;
  assert_string_equal(ds(lg_stock_add_years(D("2020-03-01"), 1)), "2021-03-01");
  /* No 29 February in 2021: the month's last day (Civil Code art. 202). */
  assert_string_equal(ds(lg_stock_add_years(D("2020-02-29"), 1)), "2021-02-28");
  assert_string_equal(ds(lg_stock_add_years(D("2020-02-29"), 4)), "2024-02-29");
  assert_string_equal(ds(lg_stock_add_years(D("2019-12-31"), 2)), "2021-12-31");
}

/* Art. 2 and 14 on a parcel never started. */
static void test_not_started(void **state) {
  (void)state;
  lg_stock_facts_t f = parcel();
  /* Before the agreed start, and up to the full year: not due. */
  expect(&f, "2020-02-01", "not_due", NULL, 0);
  expect(&f, "2020-03-02", "not_due", NULL, 0);
  /* Exactly one year after (the anniversary itself): not yet full. */
  expect(&f, "2021-03-01", "not_due", NULL, 0);
  /* The next day: idle a full year, 20% of 12,345,678.90 = 2,469,135.78. */
  expect(&f, "2021-03-02", "idle_fee", "2020-03-01", 2469135.78);
  assert_true(has_article(&f, "2021-03-02", "2"));
  assert_true(has_article(&f, "2021-03-02", "14"));
  /* Still within the second year on its anniversary. */
  expect(&f, "2022-03-01", "idle_fee", "2020-03-01", 2469135.78);
  /* Two full years: recovery without compensation, no fee. */
  expect(&f, "2022-03-02", "idle_recover", "2020-03-01", 0);
  lg_stock_verdict_t v;
  lg_stock_classify(&R, &f, D("2021-03-01"), &v);
  assert_string_equal(ds(v.next_change), "2021-03-02");
  assert_true(v.overdue); /* 供而未用 since 2020-03-02 */
  lg_stock_classify(&R, &f, D("2020-03-01"), &v);
  assert_false(v.overdue); /* the agreed day itself is not past */
  lg_stock_classify(&R, &f, D("2021-06-01"), &v);
  assert_string_equal(ds(v.idle_from), "2021-03-02");
  assert_string_equal(ds(v.next_change), "2022-03-02");
}

static void test_leap_day(void **state) {
  (void)state;
  lg_stock_facts_t f = parcel();
  f.agreed_start = D("2020-02-29");
  expect(&f, "2021-02-28", "not_due", NULL, 0);
  expect(&f, "2021-03-01", "idle_fee", "2020-02-29", 2469135.78);
}

/* Art. 2, second paragraph: started, stopped, under the shares. */
static void test_stopped(void **state) {
  (void)state;
  lg_stock_facts_t f = parcel();
  f.started = D("2020-04-01");
  f.have_progress = true;
  f.stopped_since = D("2022-05-10");
  f.total_investment = 100; /* 万元 */
  /* Exactly 1/3 developed (10,000 of 30,000 m2) and exactly 25%
   * invested: neither is "under", so not idle however long it stops. */
  f.developed_m2 = 10000;
  f.invested = 25;
  expect(&f, "2024-06-01", "under_construction", NULL, 0);
  /* One square metre less than a third: idle once stopped a full year.
   * Stopped 2022-05-10: the year is full at the end of 2023-05-10. */
  f.developed_m2 = 9999;
  expect(&f, "2023-05-10", "under_construction", NULL, 0);
  expect(&f, "2023-05-11", "idle_fee", "2022-05-10", 2469135.78);
  expect(&f, "2024-05-10", "idle_fee", "2022-05-10", 2469135.78);
  expect(&f, "2024-05-11", "idle_recover", "2022-05-10", 0);
  /* A third developed, but investment just under 25%: idle. */
  f.developed_m2 = 10000;
  f.invested = 24.99;
  expect(&f, "2023-05-11", "idle_fee", "2022-05-10", 2469135.78);
  /* Not stopped (the latest visit says it goes on): under construction. */
  f.stopped_since = LG_STOCK_NODATE;
  expect(&f, "2025-01-01", "under_construction", NULL, 0);
  /* Completed: nothing to judge. */
  f.completed = D("2024-12-01");
  expect(&f, "2025-01-01", "completed", NULL, 0);
  expect(&f, "2024-11-30", "under_construction", NULL, 0);
}

/* Art. 8 and 12: the government's delay, then an extension that moves
 * the start (to 2021-06-01, agreed on 2021-01-10: within a year). */
static void test_exception_extends(void **state) {
  (void)state;
  lg_stock_facts_t f = parcel();
  f.exception_on = D("2020-12-01");
  f.exception_article = "8(1)";
  f.art12_on = D("2021-01-10");
  f.art12_article = "12(1)";
  f.new_start = D("2021-06-01");
  /* Before the cause was verified: as any parcel. */
  expect(&f, "2020-11-30", "not_due", NULL, 0);
  /* Verified, its disposal not decided yet. */
  expect(&f, "2020-12-15", "government_delay", NULL, 0);
  assert_true(has_article(&f, "2020-12-15", "8(1)"));
  /* Without the extension it would be idle from 2021-03-02; with it the
   * clock runs from 2021-06-01: full a year at the end of 2022-06-01. */
  expect(&f, "2021-03-02", "not_due", NULL, 0);
  expect(&f, "2022-06-01", "not_due", NULL, 0);
  expect(&f, "2022-06-02", "idle_fee", "2021-06-01", 2469135.78);
  assert_true(has_article(&f, "2022-06-02", "12(1)"));
  assert_true(has_article(&f, "2022-06-02", "14"));
  expect(&f, "2023-06-02", "idle_recover", "2021-06-01", 0);
  /* Paid recovery (art. 12 (4)) takes the land back: no idle status. */
  f.art12_article = "12(4)";
  f.art12_closes = true;
  f.new_start = LG_STOCK_NODATE;
  expect(&f, "2023-06-02", "government_delay", NULL, 0);
}

/* The fee rate is data: 30% in a changed copy of the rules. */
static void test_rate_is_data(void **state) {
  (void)state;
  json_t *cfg = json_loads(lg_stock_config_default_json(), 0, NULL);
  json_object_set_new(json_object_get(json_object_get(cfg, "idle"), "fee_rate"), "numerator",
                      json_integer(30));
  lg_stock_rules_t r2;
  lg_err_t err = {0};
  assert_int_equal(lg_stock_rules_from(cfg, &r2, &err), 0);
  lg_stock_facts_t f = parcel();
  lg_stock_verdict_t v;
  lg_stock_classify(&r2, &f, D("2021-03-02"), &v);
  /* 30% of 12,345,678.90 = 3,703,703.67 */
  assert_true(fabs(v.fee_yuan - 3703703.67) < 0.001);
  /* A rate above 100% is refused, naming the key. */
  json_object_set_new(json_object_get(json_object_get(cfg, "idle"), "fee_rate"), "numerator",
                      json_integer(300));
  assert_int_equal(lg_stock_rules_from(cfg, &r2, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "fee_rate"));
  json_decref(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_years),         cmocka_unit_test(test_not_started),
      cmocka_unit_test(test_leap_day),          cmocka_unit_test(test_stopped),
      cmocka_unit_test(test_exception_extends), cmocka_unit_test(test_rate_is_data),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
