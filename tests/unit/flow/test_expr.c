/*
 * flow: the condition language. Expected values are worked out by hand
 * from the grammar in expr.c; malformed and hostile input must be refused
 * with a position, never crash or run anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "flow/flow_int.h"

static const char vars_text[] =
    "{\"check\": {\"verdict\": \"prohibited\", \"area_ha\": 36.5, \"rules\": [\"R1\", \"R7\"]},"
    " \"authority\": {\"conversion\": \"province\", \"expropriation\": \"state_council\"},"
    " \"departments\": [\"natural_resources\", \"agriculture\", \"ecology\", \"forestry\","
    " \"water\"], \"nrOfVetoes\": 0, \"nrOfApproved\": 5, \"nrOfInstances\": 5,"
    " \"objections\": 31, \"members\": 60, \"审批层级\": \"省\", \"rating\": \"A\","
    " \"deferred\": true, \"x\": {\"中文 键\": 7}}";

static json_t *vars(void) {
  json_error_t je;
  json_t *v = json_loads(vars_text, 0, &je);
  if (!v) fail_msg("fixture JSON: %s", je.text);
  return v;
}

/* Evaluates and compares with the JSON text `want`. */
static void expect(const char *expr, const char *want) {
  json_t *v = vars(), *got = NULL, *w = json_loads(want, JSON_DECODE_ANY, NULL);
  lg_err_t err = {0};
  if (lg_flow_expr_eval(expr, v, &got, &err) != 0) fail_msg("%s: %s", expr, err.msg);
  if (!json_equal(got, w)) {
    char *g = json_dumps(got, JSON_ENCODE_ANY);
    fail_msg("%s: got %s, want %s", expr, g, want);
  }
  json_decref(got);
  json_decref(w);
  json_decref(v);
}

/* Expects a refusal whose message contains `part` (and the position
 * marker "第 N 个字符" when pos > 0). */
static void refuse(const char *expr, const char *part, int pos) {
  json_t *v = vars(), *got = NULL;
  lg_err_t err = {0};
  int rc = lg_flow_expr_eval(expr, v, &got, &err);
  json_decref(v);
  if (rc == 0) {
    char *g = json_dumps(got, JSON_ENCODE_ANY);
    fail_msg("accepted \"%s\" = %s", expr, g);
  }
  assert_null(got);
  if (part && !strstr(err.msg, part))
    fail_msg("\"%s\": message \"%s\" lacks \"%s\"", expr, err.msg, part);
  if (pos > 0) {
    char mark[64];
    snprintf(mark, sizeof mark, "第 %d 个字符", pos);
    if (!strstr(err.msg, mark))
      fail_msg("\"%s\": message \"%s\" lacks \"%s\"", expr, err.msg, mark);
  }
}

static void test_values(void **state) {
  expect("1 + 2 * 3", "7");
  expect("(1 + 2) * 3", "9");
  expect("7 / 2", "3.5");
  expect("-3 + 1", "-2");
  expect("--3", "3");
  expect("2.5e2", "250.0");
  expect("'单引号'", "\"单引号\"");
  expect("\"a\\\"b\\\\c\\n\"", "\"a\\\"b\\\\c\\n\"");
  expect("null", "null");
  expect("[1, \"a\", true]", "[1, \"a\", true]");
  expect("[]", "[]");
  expect("check.verdict", "\"prohibited\"");
  expect("check.rules[1]", "\"R7\"");
  expect("check.rules[5]", "null");
  expect("x[\"中文 键\"]", "7");
  expect("missing", "null");
  expect("missing.deeper.still", "null");
  expect("check.verdict.nope", "null");
  expect("len(departments)", "5");
  expect("len(\"审批层级\")", "4");
  expect("len(missing)", "0");
  expect("min(3, 1, 2)", "1");
  expect("max([4, 9, 2])", "9");
  expect("coalesce(missing, deferral, 3)", "3");
  expect("coalesce(missing, rating, 3)", "\"A\"");
  expect("coalesce(missing)", "null");
  expect("${ 1 + 1 }", "2");
  expect("  #{true}  ", "true");
}

static void test_conditions(void **state) {
  expect("check.verdict == \"prohibited\"", "true");
  expect("${check.verdict == \"prohibited\"}", "true");
  expect("check.verdict != \"prohibited\"", "false");
  expect("authority.conversion in [\"province\", \"state_council\"]", "true");
  expect("authority.conversion not in [\"province\", \"state_council\"]", "false");
  expect("\"R7\" in check.rules", "true");
  expect("\"R9\" in check.rules", "false");
  expect("\"vince\" in authority.conversion", "true");
  expect("\"check\" in x", "false");
  expect("\"a\" in missing", "false");
  expect("nrOfVetoes > 0 or nrOfApproved == nrOfInstances", "true");
  expect("nrOfVetoes > 0 and nrOfApproved == nrOfInstances", "false");
  expect("not deferred", "false");
  expect("!deferred || rating == 'A'", "true");
  expect("deferred && rating == 'B'", "false");
  /* A majority of the collective's members objects: 31 of 60. */
  expect("objections * 2 > members", "true");
  expect("check.area_ha > 35", "true");
  expect("check.area_ha <= 35", "false");
  expect("check.area_ha >= 36.5 and check.area_ha < 36.6", "true");
  expect("1 == 1.0", "true");
  expect("\"1\" == 1", "false");
  expect("null == missing", "true");
  expect("[1, 2] == [1.0, 2]", "true");
  expect("\"abc\" < \"abd\"", "true");
  expect("审批层级 == \"省\"", "true");
  /* Short-circuit: the right side would be an error if evaluated. */
  expect("missing != null and missing.area > 1", "false");
  expect("true or 1 > \"a\"", "true");
  /* Precedence: not binds looser than comparison, and tighter than and. */
  expect("not 1 == 2 and true", "true");
  expect("false and false or true", "true");
  expect("false or true and false", "false");
}

static void test_errors(void **state) {
  refuse("", "缺少表达式", 1);
  refuse("   ", "缺少表达式", 0);
  refuse("a ==", "缺少表达式", 5);
  refuse("${x > }", "缺少表达式", 7);
  refuse("审批 == ", "缺少表达式", 6);
  refuse("a = 1", "==", 3);
  refuse("(a == 1", "缺少 )", 8);
  refuse("a == 1)", "应当结束", 7);
  refuse("1 2", "应当结束", 3);
  refuse("'abc", "结束引号", 1);
  refuse("'abc\\", "结束引号", 1);
  refuse("\"\\x\"", "转义", 2);
  refuse("a < b < c", "连写", 7);
  refuse("a == b in c", "连写", 8);
  refuse("a..b", "成员名", 3);
  refuse("a.", "成员名", 3);
  refuse("a[", "下标", 3);
  refuse("a[-1]", "下标", 3);
  refuse("a[1", "缺少 ]", 4);
  refuse("1e999", "超出范围", 1);
  refuse("1.", "小数点", 3);
  refuse("12abc", "字母", 1);
  refuse("@", "不认识的字符 '@'", 1);
  refuse("a ? b : c", "'?'", 3);
  refuse("a & b", "'&'", 3);
  refuse("a not b", "not 后应为 in", 3);
  refuse("in == 1", "保留字", 1);
  refuse("[1, 2", "缺少 ]", 6);
  refuse("len()", "恰好一个参数", 1);
  refuse("max()", "至少需要一个参数", 1);
  refuse("coalesce()", "至少需要一个参数", 1);
  /* Evaluation errors, with the operator's position. */
  refuse("check.verdict > 1", "不能用 > 比较字符串与数字", 15);
  refuse("missing > 1", "变量 missing 为空或不存在", 9);
  refuse("1 > missing.x", "变量 missing.x 为空或不存在", 3);
  refuse("deferred and 1", "and 的操作数应为布尔值", 14);
  refuse("not 'yes'", "not 的操作数应为布尔值", 5);
  refuse("1 / 0", "除数为零", 3);
  refuse("'a' + 1", "+ 两边应为数字", 5);
  refuse("-'a'", "负号", 1);
  refuse("1 in 2", "in 的右边", 3);
  refuse("min('a')", "min 的参数应为数字", 1);
  refuse("len(5)", "len 的参数", 1);
}

/* Whatever is written, nothing runs: function calls outside the
 * whitelist, attempts at code and at reaching the process. */
static void test_hostile(void **state) {
  refuse("system('rm -rf /')", "不允许调用函数 system", 1);
  refuse("exec(\"x\")", "不允许调用函数 exec", 1);
  refuse("__import__('os').system('id')", "不允许调用函数 __import__", 1);
  refuse("${T(java.lang.Runtime).getRuntime().exec('id')}", "不允许调用函数 T", 3);
  refuse("check.verdict.constructor('x')", "应当结束", 26);
  refuse("x; drop table lg_flow_instances", "不认识的字符 ';'", 2);
  refuse("`id`", "不认识的字符 '`'", 1);
  refuse("a\x01", "不认识的字符 (0x01)", 2);
  /* Invalid UTF-8 is refused before parsing. */
  json_t *r = NULL;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_expr_eval("a == \"\xC0\x80\"", NULL, &r, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "UTF-8"));

  /* Deep nesting, long chains, long lists, long text: refused or
   * computed, never a crash. */
  lg_buf_t b;
  lg_buf_init(&b);
  for (int i = 0; i < 500; i++)
    lg_buf_putc(&b, '(');
  lg_buf_puts(&b, "1");
  for (int i = 0; i < 500; i++)
    lg_buf_putc(&b, ')');
  refuse(b.data, "嵌套过深", 0);
  lg_buf_reset(&b);
  for (int i = 0; i < 300; i++)
    lg_buf_puts(&b, "not ");
  lg_buf_puts(&b, "true");
  refuse(b.data, "嵌套过深", 0);
  lg_buf_reset(&b);
  for (int i = 0; i < 300; i++)
    lg_buf_puts(&b, "-");
  lg_buf_puts(&b, "1");
  refuse(b.data, "嵌套过深", 0);
  lg_buf_reset(&b);
  lg_buf_puts(&b, "[");
  for (int i = 0; i < 1001; i++)
    lg_buf_puts(&b, "1,");
  lg_buf_puts(&b, "1]");
  refuse(b.data, "列表超过 1000 项", 0);
  lg_buf_reset(&b);
  for (int i = 0; i < 1500; i++)
    lg_buf_puts(&b, "1+");
  lg_buf_puts(&b, "1");
  refuse(b.data, "过于复杂", 0);
  lg_buf_reset(&b);
  for (int i = 0; i < 2100; i++)
    lg_buf_puts(&b, "1+");
  lg_buf_puts(&b, "1");
  assert_int_equal(lg_flow_expr_check(b.data, &err), LG_ELIMIT);
  assert_non_null(strstr(err.msg, "过长"));
  lg_buf_reset(&b);
  /* 10 levels of parentheses are fine. */
  for (int i = 0; i < 10; i++)
    lg_buf_putc(&b, '(');
  lg_buf_puts(&b, "1");
  for (int i = 0; i < 10; i++)
    lg_buf_putc(&b, ')');
  expect(b.data, "1");
  /* A chain of 600 additions fits the limits and adds up. */
  lg_buf_reset(&b);
  for (int i = 0; i < 600; i++)
    lg_buf_puts(&b, "1+");
  lg_buf_puts(&b, "1");
  expect(b.data, "601");
  lg_buf_fini(&b);
  assert_int_equal(lg_flow_expr_check(NULL, &err), LG_EINVAL);
}

/* Conditions must be boolean: a number or a string routes nothing. */
static void test_condition_type(void **state) {
  fl_expr_t *x = NULL;
  lg_err_t err = {0};
  bool yes = true;
  json_t *v = vars();
  assert_int_equal(fl_expr_parse("check.area_ha", &x, &err), 0);
  assert_int_equal(fl_expr_test(x, v, &yes, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "结果应为 true 或 false"));
  fl_expr_free(x);
  assert_int_equal(fl_expr_parse("missing", &x, &err), 0);
  assert_int_equal(fl_expr_test(x, v, &yes, &err), 0);
  assert_false(yes);
  fl_expr_free(x);
  assert_int_equal(fl_expr_parse("deferred", &x, &err), 0);
  assert_int_equal(fl_expr_test(x, v, &yes, &err), 0);
  assert_true(yes);
  assert_string_equal(fl_expr_text(x), "deferred");
  fl_expr_free(x);
  fl_expr_free(NULL);
  json_decref(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),         cmocka_unit_test(test_conditions),
      cmocka_unit_test(test_errors),         cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_condition_type),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
