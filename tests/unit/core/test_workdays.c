/*
 * core: dates, ISO 8601 durations and working days.
 *
 * Expected values are counted by hand on a paper calendar from the State
 * Council's notices (国务院办公厅关于2025年部分节假日安排的通知, 2024-11-12;
 * 关于2026年部分节假日安排的通知, 2025-11-04), typed in below, and from
 * the weekdays the notices themselves print ("1月1日（周四）").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "core/core.h"

/* The two notices, as published. */
static const char official[] =
    "# 2025\n"
    "2025-01-01 holiday 元旦\n"
    "2025-01-26 workday 春节调休\n"
    "2025-01-28 holiday 春节\n2025-01-29 holiday\n2025-01-30 holiday\n2025-01-31 holiday\n"
    "2025-02-01 holiday\n2025-02-02 holiday\n2025-02-03 holiday\n2025-02-04 holiday\n"
    "2025-02-08 workday\n"
    "2025-04-04 holiday 清明节\n2025-04-05 holiday\n2025-04-06 holiday\n"
    "2025-04-27 workday\n"
    "2025-05-01 holiday 劳动节\n2025-05-02 holiday\n2025-05-03 holiday\n2025-05-04 holiday\n"
    "2025-05-05 holiday\n"
    "2025-05-31 holiday 端午节\n2025-06-01 holiday\n2025-06-02 holiday\n"
    "2025-09-28 workday\n"
    "2025-10-01 holiday 国庆节、中秋节\n2025-10-02 holiday\n2025-10-03 holiday\n"
    "2025-10-04 holiday\n2025-10-05 holiday\n2025-10-06 holiday\n2025-10-07 holiday\n"
    "2025-10-08 holiday\n"
    "2025-10-11 workday\n"
    "# 2026, tabs and Chinese kinds are accepted too\n"
    "2026-01-01\t放假\t元旦\n2026-01-02\tholiday\n2026-01-03\tholiday\n"
    "2026-01-04\t上班\n"
    "2026-02-14 workday 春节调休\n"
    "2026-02-15 holiday 春节\n2026-02-16 holiday\n2026-02-17 holiday\n2026-02-18 holiday\n"
    "2026-02-19 holiday\n2026-02-20 holiday\n2026-02-21 holiday\n2026-02-22 holiday\n"
    "2026-02-23 holiday\n"
    "2026-02-28 workday\n"
    "2026-04-04 holiday 清明节\n2026-04-05 holiday\n2026-04-06 holiday\n"
    "2026-05-01 holiday 劳动节\n2026-05-02 holiday\n2026-05-03 holiday\n2026-05-04 holiday\n"
    "2026-05-05 holiday\n"
    "2026-05-09 workday\n"
    "2026-06-19 holiday 端午节\n2026-06-20 holiday\n2026-06-21 holiday\n"
    "2026-09-20 workday\n"
    "2026-09-25 holiday 中秋节\n2026-09-26 holiday\n2026-09-27 holiday\n"
    "2026-10-01 holiday 国庆节\n2026-10-02 holiday\n2026-10-03 holiday\n2026-10-04 holiday\n"
    "2026-10-05 holiday\n2026-10-06 holiday\n2026-10-07 holiday\n"
    "2026-10-10 workday\n";

static int32_t D(const char *s) {
  int32_t d = 0;
  assert_int_equal(lg_date_parse(s, &d, NULL), 0);
  return d;
}

static int64_t T(const char *s) {
  int64_t t = 0;
  assert_int_equal(lg_time_parse_iso(s, &t, NULL), 0);
  return t;
}

static void assert_time(int64_t got, const char *want) {
  char buf[32];
  lg_time_iso(got, buf);
  if (strcmp(buf, want) != 0) fail_msg("got %s, want %s", buf, want);
}

static void assert_date(int32_t got, const char *want) {
  char buf[11];
  lg_date_format(got, buf);
  if (strcmp(buf, want) != 0) fail_msg("got %s, want %s", buf, want);
}

static lg_workcal_t *official_cal(void) {
  lg_workcal_t *c = lg_workcal_new();
  lg_err_t err = {0};
  if (lg_workcal_parse(c, official, &err) != 0) fail_msg("%s", err.msg);
  return c;
}

static void test_dates(void **state) {
  assert_int_equal(lg_date_from_ymd(1970, 1, 1), 0);
  /* 2000-01-01 is day 10957 (30 years, 7 of them leap: 30*365+7); then
   * 31 days of January and 29 of February. */
  assert_int_equal(lg_date_from_ymd(2000, 3, 1), 10957 + 31 + 29);
  assert_int_equal(lg_date_from_ymd(1969, 12, 31), -1);
  int y, m, d;
  lg_date_to_ymd(10957 + 31 + 28, &y, &m, &d);
  assert_int_equal(y, 2000);
  assert_int_equal(m, 2);
  assert_int_equal(d, 29);
  /* Weekdays as the notices print them. */
  assert_int_equal(lg_date_weekday(D("2026-01-01")), 4); /* 周四 */
  assert_int_equal(lg_date_weekday(D("2026-02-15")), 7); /* 周日 */
  assert_int_equal(lg_date_weekday(D("2025-01-28")), 2); /* 周二 */
  assert_int_equal(lg_date_weekday(D("2026-10-10")), 6); /* 周六 */
  assert_int_equal(lg_date_weekday(D("1970-01-01")), 4);
  assert_int_equal(lg_date_weekday(D("1969-12-29")), 1);
  assert_date(D("2024-02-29"), "2024-02-29");

  lg_err_t err = {0};
  int32_t day;
  assert_int_equal(lg_date_parse("2026-02-29", &day, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "不存在"));
  assert_int_equal(lg_date_parse("2026-2-1", &day, &err), LG_EINVAL);
  assert_int_equal(lg_date_parse("", &day, &err), LG_EINVAL);

  /* Beijing dates of instants: 16:00Z is midnight in Beijing. */
  assert_date(lg_date_of(T("2026-02-13T15:59:59Z"), LG_TZ_CHINA), "2026-02-13");
  assert_date(lg_date_of(T("2026-02-13T16:00:00Z"), LG_TZ_CHINA), "2026-02-14");
  assert_date(lg_date_of(T("1969-12-31T16:00:00Z"), LG_TZ_CHINA), "1970-01-01");
  assert_date(lg_date_of(T("1969-12-31T15:59:59Z"), LG_TZ_CHINA), "1969-12-31");
  assert_time(lg_date_start(D("2026-10-13"), LG_TZ_CHINA), "2026-10-12T16:00:00Z");

  int64_t t;
  assert_int_equal(lg_time_parse_iso("2026-13-01T00:00:00Z", &t, &err), LG_EINVAL);
  assert_int_equal(lg_time_parse_iso("2026-01-01 00:00:00", &t, &err), LG_EINVAL);
}

static void test_durations(void **state) {
  lg_duration_t d;
  lg_err_t err = {0};
  assert_int_equal(lg_duration_parse("P10D", &d, &err), 0);
  assert_int_equal(d.days, 10);
  assert_int_equal(d.seconds, 0);
  assert_int_equal(lg_duration_parse("PT2H30M", &d, &err), 0);
  assert_int_equal(d.seconds, 2 * 3600 + 30 * 60);
  assert_int_equal(lg_duration_parse("P1Y2M3W4DT5H6M7S", &d, &err), 0);
  assert_int_equal(d.years, 1);
  assert_int_equal(d.months, 2);
  assert_int_equal(d.days, 3 * 7 + 4);
  assert_int_equal(d.seconds, 5 * 3600 + 6 * 60 + 7);
  static const char *bad[] = {"10D",  "P",   "PT",   "P1.5D", "P1D2Y",      "P-1D", "PXD",
                              "P1DT", "P1H", "PT1D", "P1D1D", "P99999999D", "p1d",  ""};
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++) {
    if (lg_duration_parse(bad[i], &d, &err) != LG_EINVAL) fail_msg("accepted \"%s\"", bad[i]);
  }
  assert_int_equal(lg_duration_parse(NULL, &d, &err), LG_EINVAL);

  /* 09:00 Beijing on Jan 31 plus one month: Feb 28 (2026) and Feb 29 (2024). */
  assert_int_equal(lg_duration_parse("P1M", &d, NULL), 0);
  assert_time(lg_duration_add(T("2026-01-31T01:00:00Z"), &d, LG_TZ_CHINA), "2026-02-28T01:00:00Z");
  assert_time(lg_duration_add(T("2024-01-31T01:00:00Z"), &d, LG_TZ_CHINA), "2024-02-29T01:00:00Z");
  /* 23:30 Beijing on Jan 31 is 15:30Z the same UTC day; the local date is
   * what moves. */
  assert_time(lg_duration_add(T("2026-01-31T15:30:00Z"), &d, LG_TZ_CHINA), "2026-02-28T15:30:00Z");
  assert_int_equal(lg_duration_parse("P1DT12H", &d, NULL), 0);
  assert_time(lg_duration_add(T("2026-03-01T00:00:00Z"), &d, LG_TZ_CHINA), "2026-03-02T12:00:00Z");
  /* 30 calendar days posted from March 1 (Beijing): the last day is March
   * 31, the period ends at its 24:00. */
  assert_time(lg_days_deadline(T("2026-03-01T02:00:00Z"), 30, LG_TZ_CHINA), "2026-03-31T16:00:00Z");
}

static void test_calendar(void **state) {
  lg_workcal_t *c = official_cal();
  assert_int_equal(lg_workcal_kind(c, D("2026-02-14")), LG_DAY_WORKDAY);
  assert_int_equal(lg_workcal_kind(c, D("2026-01-01")), LG_DAY_HOLIDAY);
  assert_int_equal(lg_workcal_kind(c, D("2026-03-02")), LG_DAY_NORMAL);
  assert_true(lg_workday_is(c, D("2026-02-14")));  /* Saturday, made a working day */
  assert_false(lg_workday_is(c, D("2026-02-16"))); /* Monday in the Spring Festival */
  assert_false(lg_workday_is(c, D("2026-03-01"))); /* an ordinary Sunday */
  assert_true(lg_workday_is(c, D("2026-03-02")));  /* an ordinary Monday */
  assert_true(lg_workcal_covers(c, 2025));
  assert_true(lg_workcal_covers(c, 2026));
  assert_false(lg_workcal_covers(c, 2027));
  assert_false(lg_workcal_covers(c, 2024));

  /* Editing: a day set back to normal is an ordinary weekday again. */
  lg_workcal_set(c, D("2026-10-10"), LG_DAY_NORMAL);
  assert_false(lg_workday_is(c, D("2026-10-10")));
  lg_workcal_set(c, D("2026-10-10"), LG_DAY_WORKDAY);
  assert_true(lg_workday_is(c, D("2026-10-10")));

  /* 2025: three working days after Friday Sep 26 are Sunday Sep 28 (made
   * a working day), Monday 29 and Tuesday 30. */
  assert_date(lg_workdays_add(c, D("2025-09-26"), 3), "2025-09-30");
  /* And the next one after that is Thursday Oct 9 (Oct 1-8 are off). */
  assert_date(lg_workdays_add(c, D("2025-09-26"), 4), "2025-10-09");
  assert_date(lg_workdays_add(c, D("2026-10-08"), -1), "2026-09-30");
  assert_date(lg_workdays_add(c, D("2026-10-08"), 0), "2026-10-08");
  /* Working days in (Sep 30, Oct 12]: Oct 8, 9, 10 (Saturday, made
   * working) and 12. */
  assert_int_equal(lg_workdays_between(c, D("2026-09-30"), D("2026-10-12")), 4);
  assert_int_equal(lg_workdays_between(c, D("2026-10-12"), D("2026-09-30")), -4);
  lg_workcal_free(c);
}

static void test_deadlines(void **state) {
  lg_workcal_t *c = official_cal();
  /* Expropriation pre-announcement of 10 working days posted on Tuesday
   * Feb 10, 2026 (09:00 Beijing). Counting from the next day: Feb 11 (1),
   * 12 (2), 13 (3), Saturday 14 made working (4), Feb 15-23 off, 24 (5),
   * 25 (6), 26 (7), 27 (8), Saturday 28 made working (9), Sunday Mar 1
   * off, Monday Mar 2 (10). The period ends at 24:00 on Mar 2 Beijing. */
  assert_time(lg_workdays_deadline(c, T("2026-02-10T01:00:00Z"), 10, LG_TZ_CHINA),
              "2026-03-02T16:00:00Z");
  /* The same without the notice's data, Monday to Friday only: Feb 24. */
  assert_time(lg_workdays_deadline(NULL, T("2026-02-10T01:00:00Z"), 10, LG_TZ_CHINA),
              "2026-02-24T16:00:00Z");
  /* Five working days from Tuesday Sep 29, 2026 10:00 Beijing: Sep 30
   * (1), Oct 1-7 off, 8 (2), 9 (3), Saturday 10 made working (4), Sunday
   * 11 off, Monday 12 (5). */
  assert_time(lg_workdays_deadline(c, T("2026-09-29T02:00:00Z"), 5, LG_TZ_CHINA),
              "2026-10-12T16:00:00Z");
  /* One second before and at Beijing midnight of Saturday Feb 14: from
   * Friday 13, the next working day is Saturday 14; from Saturday 14, it
   * is Tuesday Feb 24. */
  assert_time(lg_workdays_deadline(c, T("2026-02-13T15:59:59Z"), 1, LG_TZ_CHINA),
              "2026-02-14T16:00:00Z");
  assert_time(lg_workdays_deadline(c, T("2026-02-13T16:00:00Z"), 1, LG_TZ_CHINA),
              "2026-02-24T16:00:00Z");
  lg_workcal_free(c);
}

static void test_parse_errors(void **state) {
  lg_workcal_t *c = lg_workcal_new();
  lg_err_t err = {0};
  assert_int_equal(lg_workcal_parse(c, "2026-01-01 holiday\n2026-02-30 holiday\n", &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "第 2 行"));
  assert_int_equal(lg_workcal_parse(c, "# c\n\n2026-01-01 vacation\n", &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "第 3 行"));
  assert_non_null(strstr(err.msg, "vacation"));
  assert_int_equal(lg_workcal_parse(c, "2026-01-05\n", &err), LG_EINVAL);
  /* The first line was read before the error. */
  assert_int_equal(lg_workcal_kind(c, D("2026-01-01")), LG_DAY_HOLIDAY);
  assert_int_equal(lg_workcal_parse(c, "", &err), 0);
  lg_workcal_free(c);
  lg_workcal_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates),        cmocka_unit_test(test_durations),
      cmocka_unit_test(test_calendar),     cmocka_unit_test(test_deadlines),
      cmocka_unit_test(test_parse_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
