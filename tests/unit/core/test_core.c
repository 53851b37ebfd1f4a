/*
 * core: text decoding (the encodings Chinese land data arrives in), the
 * byte buffer, error mapping and the deterministic generator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/core.h"

/* "地块" in GBK is B5 D8 BF E9 (GB 2312 code points, from the GB 2312 table). */
static const char gbk_dikuai[] = "\xB5\xD8\xBF\xE9";
static const char utf8_dikuai[] = "\xE5\x9C\xB0\xE5\x9D\x97";

static void test_decode(void **state) {
  char *out = NULL;
  size_t n = 0;
  const char *enc = NULL;
  assert_int_equal(lg_text_decode(gbk_dikuai, 4, &out, &n, &enc, NULL), 0);
  assert_string_equal(enc, "GBK");
  assert_string_equal(out, "地块");
  lg_free(out);
  assert_int_equal(lg_text_decode(utf8_dikuai, 6, &out, &n, &enc, NULL), 0);
  assert_string_equal(enc, "UTF-8");
  assert_string_equal(out, "地块");
  lg_free(out);
  const char bom[] = "\xEF\xBB\xBF"
                     "J1";
  assert_int_equal(lg_text_decode(bom, 5, &out, &n, &enc, NULL), 0);
  assert_string_equal(enc, "UTF-8-BOM");
  assert_string_equal(out, "J1");
  lg_free(out);
  /* UTF-16LE with BOM: FF FE, then 'J' 00 '1' 00, then U+5730 (地) = 30 57. */
  const char u16[] = "\xFF\xFE"
                     "J\0"
                     "1\0"
                     "\x30\x57";
  assert_int_equal(lg_text_decode(u16, 8, &out, &n, &enc, NULL), 0);
  assert_string_equal(enc, "UTF-16LE");
  assert_string_equal(out, "J1地");
  lg_free(out);
  /* Without BOM, NUL high bytes give UTF-16LE away. */
  assert_int_equal(lg_text_decode(u16 + 2, 6, &out, &n, &enc, NULL), 0);
  assert_string_equal(enc, "UTF-16LE");
  lg_free(out);
}

static void test_utf8_valid(void **state) {
  assert_true(lg_utf8_valid(utf8_dikuai, 6));
  assert_false(lg_utf8_valid(utf8_dikuai, 5)); /* truncated sequence */
  assert_false(lg_utf8_valid(gbk_dikuai, 4));
  assert_false(lg_utf8_valid("\xC0\x80", 2));     /* overlong NUL */
  assert_false(lg_utf8_valid("\xED\xA0\x80", 3)); /* surrogate */
  assert_true(lg_utf8_valid("", 0));
}

static void test_iconv_round_trip(void **state) {
  char *gbk = NULL, *back = NULL;
  size_t n = 0, m = 0;
  assert_int_equal(lg_iconv_from_utf8("GBK", "地块坐标", strlen("地块坐标"), &gbk, &n, NULL), 0);
  assert_int_equal(n, 8);
  assert_memory_equal(gbk, gbk_dikuai, 4);
  assert_int_equal(lg_iconv_to_utf8("GBK", gbk, n, &back, &m, NULL), 0);
  assert_string_equal(back, "地块坐标");
  lg_free(gbk);
  lg_free(back);
  lg_err_t err = {0};
  assert_int_equal(lg_iconv_to_utf8("UTF-8", "\xFF\xFE\xFD", 3, &back, &m, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "字节"));
}

static void test_buf_and_err(void **state) {
  lg_buf_t b;
  lg_buf_init(&b);
  for (int i = 0; i < 1000; i++)
    lg_buf_printf(&b, "%d,", i);
  assert_int_equal(b.len, 3890); /* 10*2 + 90*3 + 900*4 */
  assert_int_equal(b.data[b.len], '\0');
  lg_buf_fini(&b);
  lg_err_t err = {0};
  assert_int_equal(lg_err_set(&err, LG_ENOTFOUND, "图层 %s 不存在", "x"), LG_ENOTFOUND);
  lg_err_prefix(&err, "导入: ");
  assert_string_equal(err.msg, "导入: 图层 x 不存在");
  assert_int_equal(lg_err_http_status(LG_ENOTFOUND), 404);
  assert_int_equal(lg_err_http_status(LG_EINVAL), 400);
  assert_int_equal(lg_err_http_status(LG_ELIMIT), 413);
  assert_int_equal(lg_err_http_status(LG_EDB), 500);
  assert_string_equal(lg_err_name(LG_EINVAL), "invalid_input");
  /* RFC 9110 15.5.2 (401) and RFC 6585 4 (429). */
  assert_int_equal(lg_err_http_status(LG_EAUTH), 401);
  assert_int_equal(lg_err_http_status(LG_ETHROTTLE), 429);
  assert_int_equal(lg_err_http_status(LG_EPERM), 403);
  assert_string_equal(lg_err_name(LG_EAUTH), "unauthenticated");
  assert_string_equal(lg_err_name(LG_ETHROTTLE), "too_many_requests");
}

/* Blank: Unicode White_Space characters only (the Unicode Character
 * Database's PropList.txt), U+3000 and U+00A0 among them. */
static void test_text_blank(void **state) {
  (void)state;
  assert_true(lg_text_blank(NULL));
  assert_true(lg_text_blank(""));
  assert_true(lg_text_blank(" \t\r\n"));
  assert_true(lg_text_blank("\xe3\x80\x80\xe3\x80\x80"));         /* two U+3000 */
  assert_true(lg_text_blank("\xc2\xa0\xe2\x80\xaf\xe2\x80\x83")); /* U+00A0, U+202F, U+2003 */
  assert_false(lg_text_blank("\xe3\x80\x80\xe7\x90\x86"));        /* U+3000 then 理 */
  assert_false(lg_text_blank(" x "));
  assert_false(lg_text_blank("\xe3\x80\x81")); /* U+3001 、 is visible */
  assert_false(lg_text_blank("\xe2\x80\x8b")); /* U+200B is not White_Space */
}

static void test_rng(void **state) {
  lg_rng_t a, b;
  lg_rng_seed(&a, 42);
  lg_rng_seed(&b, 42);
  for (int i = 0; i < 100; i++)
    assert_int_equal(lg_rng_next(&a), lg_rng_next(&b));
  /* Reference: splitmix64 of seed 0 gives 0xe220a8397b1dcdaf as its first
   * output (Vigna's published test value). */
  lg_rng_t z;
  lg_rng_seed(&z, 0);
  assert_int_equal(z.s[0], 0xe220a8397b1dcdafULL);
  double sum = 0;
  for (int i = 0; i < 10000; i++) {
    double u = lg_rng_uniform(&a);
    assert_true(u >= 0 && u < 1);
    sum += u;
  }
  assert_true(sum / 10000 > 0.48 && sum / 10000 < 0.52);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode),
      cmocka_unit_test(test_utf8_valid),
      cmocka_unit_test(test_iconv_round_trip),
      cmocka_unit_test(test_buf_and_err),
      cmocka_unit_test(test_rng),
      cmocka_unit_test(test_text_blank),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
