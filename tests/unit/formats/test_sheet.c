/*
 * formats: the sheet reader. Row numbers as a person finds the rows (a
 * CSV record that spans two lines inside quotes, a blank line), column
 * titles in either width, spreadsheet column letters, and the dates and
 * numbers sheets write, each checked against values written here by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/formats.h"

static void test_dates(void **state) {
  (void)state;
  static const struct {
    const char *in, *out; /* out NULL: refused */
  } cases[] = {
      {"2020-03-01", "2020-03-01"},
      {"2020/3/1", "2020-03-01"},
      {"2020.03.01", "2020-03-01"},
      {"2020年3月1日", "2020-03-01"},
      {"20200301", "2020-03-01"},
      {"2020/03/01 00:00:00", "2020-03-01"},
      {" 2024-02-29 ", "2024-02-29"},
      {"2023-02-29", NULL},
      {"2021-13-01", NULL},
      {"2021-02-30", NULL},
      {"二〇二〇年三月一日", NULL},
      {"2020-03", NULL},
      {"03/01/2020", NULL},
      {"2020-03-01 上午", NULL},
      {"", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int32_t d = 0;
    int rc = lg_formats_sheet_date(cases[i].in, &d);
    if (!cases[i].out) {
      if (rc == 0) fail_msg("\"%s\" accepted", cases[i].in);
      continue;
    }
    if (rc != 0) fail_msg("\"%s\" refused", cases[i].in);
    char b[11];
    lg_date_format(d, b);
    if (strcmp(b, cases[i].out))
      fail_msg("\"%s\" read as %s, want %s", cases[i].in, b, cases[i].out);
  }
  double v = 0;
  assert_int_equal(lg_formats_sheet_number("1,234.5", &v), 0);
  assert_true(v == 1234.5);
  assert_int_equal(lg_formats_sheet_number("-0.8", &v), 0);
  assert_true(v == -0.8);
  assert_int_equal(lg_formats_sheet_number("1.2公顷", &v), LG_EINVAL);
  assert_int_equal(lg_formats_sheet_number("nan", &v), LG_EINVAL);
}

static void test_names(void **state) {
  (void)state;
  char out[8], norm[64];
  lg_formats_sheet_colref(0, out);
  assert_string_equal(out, "A");
  lg_formats_sheet_colref(25, out);
  assert_string_equal(out, "Z");
  lg_formats_sheet_colref(26, out);
  assert_string_equal(out, "AA");
  lg_formats_sheet_colref(27, out);
  assert_string_equal(out, "AB");
  lg_formats_sheet_normalize("面积（公顷）", norm, sizeof norm);
  assert_string_equal(norm, "面积(公顷)");
  lg_formats_sheet_normalize(" 面积 (公顷)　", norm, sizeof norm);
  assert_string_equal(norm, "面积(公顷)");
}

/* Line 1 the header; line 2 a record whose quoted field holds a line
 * break (it ends on line 3); line 4 blank; line 5 the next record. */
static void test_csv_rows(void **state) {
  (void)state;
  char path[] = "/tmp/lg_sheet_XXXXXX.csv";
  int fd = mkstemps(path, 4);
  assert_true(fd >= 0);
  const char *text = "电子监管号,土地坐落（详细）\n"
                     "A1,\"城东\n工业园\"\n"
                     "\n"
                     "A2,城西\n";
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  lg_sheet_t *sh = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_formats_sheet_open(path, "表.csv", NULL, &sh, &err), 0);
  assert_int_equal(lg_formats_sheet_kind(sh), LG_SHEET_TABLE);
  assert_int_equal(lg_formats_sheet_find(sh, "土地坐落(详细)"), 1);
  assert_int_equal(lg_formats_sheet_next(sh, &err), 1);
  assert_int_equal(lg_formats_sheet_row(sh), 2);
  assert_string_equal(lg_formats_sheet_cell(sh, 0), "A1");
  assert_string_equal(lg_formats_sheet_cell(sh, 1), "城东\n工业园");
  assert_int_equal(lg_formats_sheet_next(sh, &err), 1);
  assert_int_equal(lg_formats_sheet_row(sh), 5);
  assert_string_equal(lg_formats_sheet_cell(sh, 0), "A2");
  assert_int_equal(lg_formats_sheet_next(sh, &err), 0);
  lg_formats_sheet_close(sh);
  /* A file that is not there is named. */
  assert_int_equal(lg_formats_sheet_open("/tmp/no-such-sheet.xlsx", NULL, NULL, &sh, &err), LG_EIO);
  assert_non_null(strstr(err.msg, "no-such-sheet.xlsx"));
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_csv_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
