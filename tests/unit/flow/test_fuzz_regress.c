/*
 * flow: inputs fuzz/fuzz_expr and fuzz/fuzz_bpmn found to leak, kept in
 * tests/data/fuzz-regress/ and read back here; LeakSanitizer (the unit
 * tests' ASan build) fails the program at exit if they leak again.
 *
 * expr-list-item-leak.txt ("coalesce(miss*\"a)"): an item of an argument
 * or list whose parsing failed was not yet in the tree, so nothing freed
 * it. bpmn-condition-leak.bpmn: the same through a sequence flow's
 * condition. bpmn-two-conditions-leak.bpmn: a flow with two
 * conditionExpression elements; the second replaced the first, which
 * leaked. BPMN 2.0 allows one (tSequenceFlow), and a second is now refused
 * by name. bpmn-duplicate-completion-condition-leak.bpmn (make check's
 * random run on a fresh clone): a multi-instance task with two
 * completionCondition elements, the same leak one level down; a second
 * completionCondition, and a second multiInstanceLoopCharacteristics, are
 * refused by name too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"

static char *read_regress(const char *name, size_t *n) {
  const char *d = getenv("LG_TESTDATA");
  char *p = lg_sprintf("%s/fuzz-regress/%s", d ? d : "tests/data", name);
  char *data = NULL;
  lg_err_t err = {0};
  if (lg_file_read(p, &data, n, &err) != 0) fail_msg("%s", err.msg);
  lg_free(p);
  return data;
}

static void test_expr_item_leak(void **state) {
  size_t n;
  char *text = read_regress("expr-list-item-leak.txt", &n);
  lg_err_t err = {0};
  json_t *r = NULL;
  assert_int_equal(lg_flow_expr_eval(text, NULL, &r, &err), LG_EINVAL);
  assert_null(r);
  assert_int_equal(lg_flow_expr_check(text, &err), LG_EINVAL);
  /* The same shape inside a list and after a comma. */
  assert_int_equal(lg_flow_expr_check("[1, (2 +", &err), LG_EINVAL);
  assert_int_equal(lg_flow_expr_check("max(1, 2 * \"a)", &err), LG_EINVAL);
  lg_free(text);
}

static void test_bpmn_leaks(void **state) {
  size_t n;
  lg_err_t err = {0};
  char *xml = read_regress("bpmn-condition-leak.bpmn", &n);
  assert_int_not_equal(lg_flow_validate(xml, n, &err), 0);
  lg_free(xml);
  xml = read_regress("bpmn-two-conditions-leak.bpmn", &n);
  assert_int_not_equal(lg_flow_validate(xml, n, &err), 0);
  lg_free(xml);
  xml = read_regress("bpmn-duplicate-completion-condition-leak.bpmn", &n);
  assert_int_not_equal(lg_flow_validate(xml, n, &err), 0);
  lg_free(xml);
}

/* A multi-instance joint review as the default process writes it; DOUBLE
 * is replaced by the element to be doubled. */
static char *multi_xml(const char *inner, const char *outer) {
  return lg_sprintf("<?xml version=\"1.0\"?>\n"
                    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"\n"
                    " xmlns:landgov=\"https://landgov.cn/schema/bpmn/1.0\" id=\"D\">\n"
                    "<bpmn:process id=\"p\" isExecutable=\"true\">\n"
                    "<bpmn:startEvent id=\"S\"/>\n"
                    "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"J\"/>\n"
                    "<bpmn:userTask id=\"J\" landgov:candidateGroups=\"reviewer:{department}\">\n"
                    "<bpmn:multiInstanceLoopCharacteristics isSequential=\"false\"\n"
                    " landgov:collection=\"departments\" landgov:elementVariable=\"department\">\n"
                    "<bpmn:completionCondition>nrOfVetoes &gt; 0</bpmn:completionCondition>\n%s"
                    "</bpmn:multiInstanceLoopCharacteristics>\n%s"
                    "</bpmn:userTask>\n"
                    "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"J\" targetRef=\"E\"/>\n"
                    "<bpmn:endEvent id=\"E\"/>\n"
                    "</bpmn:process>\n"
                    "</bpmn:definitions>\n",
                    inner, outer);
}

static void test_two_completion_conditions_refused(void **state) {
  lg_err_t err = {0};
  char *one = multi_xml("", "");
  if (lg_flow_validate(one, strlen(one), &err) != 0) fail_msg("one condition: %s", err.msg);
  lg_free(one);
  char *two =
      multi_xml("<bpmn:completionCondition>nrOfApproved &gt; 1</bpmn:completionCondition>\n", "");
  assert_int_equal(lg_flow_validate(two, strlen(two), &err), LG_EINVAL);
  if (!strstr(err.msg, "多个完成条件") || !strstr(err.msg, "J")) fail_msg("message: %s", err.msg);
  lg_free(two);
  char *mi = multi_xml("", "<bpmn:multiInstanceLoopCharacteristics isSequential=\"false\""
                           " landgov:collection=\"departments\"/>\n");
  assert_int_equal(lg_flow_validate(mi, strlen(mi), &err), LG_EINVAL);
  if (!strstr(err.msg, "多个多实例定义")) fail_msg("message: %s", err.msg);
  lg_free(mi);
}

static void test_two_conditions_refused(void **state) {
  const char *xml =
      "<?xml version=\"1.0\"?>\n"
      "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" id=\"D\">\n"
      "<bpmn:process id=\"p\" isExecutable=\"true\">\n"
      "<bpmn:startEvent id=\"S\"/>\n"
      "<bpmn:exclusiveGateway id=\"G\" default=\"F3\"/>\n"
      "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"G\"/>\n"
      "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"G\" targetRef=\"E\">\n"
      "<bpmn:conditionExpression>a == 1</bpmn:conditionExpression>\n"
      "<bpmn:conditionExpression>a == 2</bpmn:conditionExpression>\n"
      "</bpmn:sequenceFlow>\n"
      "<bpmn:sequenceFlow id=\"F3\" sourceRef=\"G\" targetRef=\"E\"/>\n"
      "<bpmn:endEvent id=\"E\"/>\n"
      "</bpmn:process>\n"
      "</bpmn:definitions>\n";
  lg_err_t err = {0};
  assert_int_equal(lg_flow_validate(xml, strlen(xml), &err), LG_EINVAL);
  if (!strstr(err.msg, "多个条件") || !strstr(err.msg, "F2")) fail_msg("message: %s", err.msg);
  /* One condition is fine. */
  const char *one_start = strstr(xml, "<bpmn:conditionExpression>a == 2");
  char *one = lg_sprintf("%.*s%s", (int)(one_start - xml), xml,
                         strstr(one_start, "</bpmn:conditionExpression>") + 27);
  if (lg_flow_validate(one, strlen(one), &err) != 0) fail_msg("one condition: %s", err.msg);
  lg_free(one);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expr_item_leak),
      cmocka_unit_test(test_bpmn_leaks),
      cmocka_unit_test(test_two_conditions_refused),
      cmocka_unit_test(test_two_completion_conditions_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
