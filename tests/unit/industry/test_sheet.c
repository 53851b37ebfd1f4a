/*
 * A year's figures from the departments' sheet (src/industry/sheet.c), a
 * CSV file here (the same reader takes .xlsx and .ods): the five
 * enterprises of test_permu.c, the last with its land in mu (15 mu =
 * 10,000 m2), import and evaluate to the scores computed by hand there
 * (E3 248.69, E1 202.49, E2 58.16, E5 31.58, E4 4.21). Bad sheets are
 * refused naming file, row and column, and nothing is imported.
 */
#include "industry_fixture.h"

#include <math.h>

static const char header[] = "统一社会信用代码,企业名称,行政区代码,用地面积（平方米）,用地面积(亩),"
                             "税收(万元),增加值(万元),营业收入(万元),能耗(吨标准煤),"
                             "主要污染物排放(吨),研发经费(万元),年均职工人数\n";

static void write_sheet(const char *path, const char *body) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(header, f);
  fputs(body, f);
  fclose(f);
}

static void rows(char *out, size_t n, const char *tax3) {
  snprintf(out, n,
           "%s,赣江电子,360781,20000,,600,3000,20000,1500,30,600,300\n"
           "%s,瑞金机械,360781,40000,,%s,1800,9000,3000,90,90,300\n"
           "%s,瑞兴光电,360781,10000,,450,1200,6000,400,10,300,100\n"
           "%s,红都纺织,360781,20000,,30,-60,3000,600,60,0,60\n"
           ",,,,,,,,,,,\n"
           "%s,小微五金,360781,,15,45,150,1500,100,5,0,30\n",
           CC[0], CC[1], tax3, CC[2], CC[3], CC[4]);
}

static double score_of(const json_t *res, const char *cc) {
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(res, "enterprises"), i,
                     e) if (!strcmp(json_string_value(json_object_get(e, "credit_code")),
                                    cc)) return json_number_value(json_object_get(e, "score"));
  fail_msg("%s missing", cc);
  return 0;
}

static void test_import(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  char path[400], body[2048];
  snprintf(path, sizeof path, "%s/figures.csv", e->dir);
  /* Row 3 (the second enterprise) with a negative tax: refused, nothing in. */
  rows(body, sizeof body, "-300");
  write_sheet(path, body);
  size_t n = 0;
  assert_int_equal(lg_industry_figures_import(e->s, NULL, path, "亩均数据.csv", 2025, &n, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "亩均数据.csv 第 3 行"));
  assert_non_null(strstr(err.msg, "F 列"));
  assert_non_null(strstr(err.msg, "税收"));
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_figures"), 0);
  /* A text where a number belongs. */
  rows(body, sizeof body, "三百");
  write_sheet(path, body);
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_figures_import(e->s, NULL, path, "亩均数据.csv", 2025, &n, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "不是数值"));
  /* The good sheet: five rows (the blank one skipped). */
  rows(body, sizeof body, "300");
  write_sheet(path, body);
  err = (lg_err_t){0};
  I_OK(lg_industry_figures_import(e->s, NULL, path, NULL, 2025, &n, &err));
  assert_int_equal(n, 5);
  json_t *res = NULL;
  I_OK(lg_industry_evaluate(e->s, NULL, 2025, "360781", false, &res, &err));
  assert_near(score_of(res, CC[2]), 248.69, 1e-9);
  assert_near(score_of(res, CC[0]), 202.49, 1e-9);
  assert_near(score_of(res, CC[1]), 58.16, 1e-9);
  assert_near(score_of(res, CC[4]), 31.58, 1e-9);
  assert_near(score_of(res, CC[3]), 4.21, 1e-9);
  json_decref(res);
  /* The same sheet again: a duplicate enterprise-year, named by row. */
  err = (lg_err_t){0};
  assert_int_equal(lg_industry_figures_import(e->s, NULL, path, "亩均数据.csv", 2025, &n, &err),
                   LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "第 2 行"));
  assert_non_null(strstr(err.msg, "已录入"));
  assert_int_equal(i_sql_int(e->s, "SELECT count(*) FROM lg_industry_figures"), 5);
}

static void test_missing_column(void **state) {
  ienv_t *e = *state;
  lg_err_t err = {0};
  char path[400];
  snprintf(path, sizeof path, "%s/short.csv", e->dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("统一社会信用代码,企业名称,行政区代码\n91360781MA35E00011,赣江电子,360781\n", f);
  fclose(f);
  size_t n = 0;
  assert_int_equal(lg_industry_figures_import(e->s, NULL, path, NULL, 2025, &n, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "缺少列"));
  assert_non_null(strstr(err.msg, "税收(万元)"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_import, ienv_setup, ienv_teardown),
      cmocka_unit_test_setup_teardown(test_missing_column, ienv_setup, ienv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
