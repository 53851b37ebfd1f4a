/*
 * flow: deployment. What the engine does not run is refused by name, id
 * and line; broken drawings are refused with the element at fault; each
 * changed drawing is a new version, and a running instance keeps the
 * version it started with.
 */
#include "flow_test.h"

/* A definition around a process body (line 1 is the XML declaration,
 * line 5 the <process>, the body starts on line 6). */
static char *wrap(const char *body) {
  return lg_sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"\n"
                    " xmlns:landgov=\"https://landgov.cn/schema/bpmn/1.0\" id=\"D\"\n"
                    " targetNamespace=\"t\"><bpmn:message id=\"M1\" name=\"m1\"/>\n"
                    "<bpmn:process id=\"p\" isExecutable=\"true\">\n"
                    "%s\n"
                    "</bpmn:process></bpmn:definitions>\n",
                    body);
}

#define START_END "<bpmn:startEvent id=\"S\"/><bpmn:endEvent id=\"E\"/>"

/* Validates `body`; expects `code` and every fragment in the message. */
static void refused(const char *body, int code, const char *part1, const char *part2) {
  char *xml = wrap(body);
  lg_err_t err = {0};
  int rc = lg_flow_validate(xml, strlen(xml), &err);
  lg_free(xml);
  if (rc != code) fail_msg("rc %d (want %d) for:\n%s\nmessage: %s", rc, code, body, err.msg);
  if (part1 && !strstr(err.msg, part1)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, part1);
  if (part2 && !strstr(err.msg, part2)) fail_msg("message \"%s\" lacks \"%s\"", err.msg, part2);
}

static void accepted(const char *body) {
  char *xml = wrap(body);
  lg_err_t err = {0};
  int rc = lg_flow_validate(xml, strlen(xml), &err);
  lg_free(xml);
  if (rc) fail_msg("refused: %s\n%s", err.msg, body);
}

static void test_unsupported_fixture(void **state) {
  tenv_t *t = *state;
  size_t n;
  char *xml = fixture("unsupported.bpmn", &n);
  lg_flow_def_info_t info;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_deploy(t->s, xml, n, "admin", &info, &err), LG_EUNSUPPORTED);
  lg_free(xml);
  assert_non_null(strstr(err.msg, "不支持的 BPMN 元素 <bpmn:complexGateway id=\"G3\">"));
  /* Line 9 of the fixture. */
  assert_non_null(strstr(err.msg, "第 9 行"));
  assert_string_equal(err.where, "第 9 行");
  json_t *defs = NULL;
  assert_int_equal(lg_flow_definitions(t->s, &defs, &err), 0);
  assert_int_equal(json_array_size(defs), 0);
  json_decref(defs);
}

static void test_unsupported_inline(void **state) {
  const char *flows = "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"X\"/>"
                      "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\" targetRef=\"E\"/>";
  char body[2048];
  static const struct {
    const char *element;
    const char *expect;
  } cases[] = {
      {"<bpmn:scriptTask id=\"X\" "
       "scriptFormat=\"js\"><bpmn:script>x</bpmn:script></bpmn:scriptTask>",
       "<bpmn:scriptTask id=\"X\">: 流程中不执行脚本"},
      {"<bpmn:task id=\"X\"/>", "<bpmn:task id=\"X\">: 未指定类型的任务"},
      {"<bpmn:inclusiveGateway id=\"X\"/>", "<bpmn:inclusiveGateway id=\"X\">"},
      {"<bpmn:subProcess id=\"X\"/>", "<bpmn:subProcess id=\"X\">: 不支持子流程"},
      {"<bpmn:callActivity id=\"X\" calledElement=\"q\"/>", "<bpmn:callActivity id=\"X\">"},
      {"<bpmn:sendTask id=\"X\"/>", "<bpmn:sendTask id=\"X\">"},
      {"<bpmn:businessRuleTask id=\"X\"/>", "<bpmn:businessRuleTask id=\"X\">"},
      {"<bpmn:manualTask id=\"X\"/>", "<bpmn:manualTask id=\"X\">"},
      {"<bpmn:userTask id=\"X\"><bpmn:standardLoopCharacteristics id=\"L1\"/></bpmn:userTask>",
       "<bpmn:standardLoopCharacteristics id=\"L1\">"},
      {"<bpmn:userTask id=\"X\"><bpmn:multiInstanceLoopCharacteristics id=\"L2\" "
       "isSequential=\"true\""
       " landgov:collection=\"a\"/></bpmn:userTask>",
       "只支持并行多实例"},
      {"<bpmn:intermediateThrowEvent id=\"X\"><bpmn:signalEventDefinition id=\"SD\"/>"
       "</bpmn:intermediateThrowEvent>",
       "<bpmn:signalEventDefinition id=\"SD\">"},
      {"<bpmn:intermediateCatchEvent id=\"X\"><bpmn:conditionalEventDefinition id=\"CD\"/>"
       "</bpmn:intermediateCatchEvent>",
       "<bpmn:conditionalEventDefinition id=\"CD\">"},
      {"<bpmn:intermediateCatchEvent id=\"X\"><bpmn:timerEventDefinition id=\"TD\">"
       "<bpmn:timeCycle id=\"TC\">R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition>"
       "</bpmn:intermediateCatchEvent>",
       "<bpmn:timeCycle id=\"TC\">"},
      {"<bpmn:intermediateCatchEvent id=\"X\"><bpmn:timerEventDefinition>"
       "<bpmn:timeDate>2026-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition>"
       "</bpmn:intermediateCatchEvent>",
       "不支持固定时间或循环"},
      {"<bpmn:intermediateCatchEvent id=\"X\"/>", "需要定时器或消息事件定义"},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(cases); i++) {
    snprintf(body, sizeof body, "%s%s%s", START_END, cases[i].element, flows);
    refused(body, LG_EUNSUPPORTED, cases[i].expect, "不支持");
  }
  /* Start events with a trigger, end events that throw. */
  refused("<bpmn:startEvent id=\"S\"><bpmn:timerEventDefinition id=\"TS\"/></bpmn:startEvent>"
          "<bpmn:endEvent id=\"E\"/><bpmn:sequenceFlow id=\"F\" sourceRef=\"S\" targetRef=\"E\"/>",
          LG_EUNSUPPORTED, "<bpmn:timerEventDefinition id=\"TS\">", "<bpmn:startEvent id=\"S\">");
  refused("<bpmn:startEvent id=\"S\"/><bpmn:endEvent id=\"E\"><bpmn:errorEventDefinition/>"
          "</bpmn:endEvent><bpmn:sequenceFlow id=\"F\" sourceRef=\"S\" targetRef=\"E\"/>",
          LG_EUNSUPPORTED, "errorEventDefinition", NULL);
  /* Scripted conditions. */
  refused(START_END
          "<bpmn:exclusiveGateway id=\"G\" default=\"F3\"/>"
          "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"G\"/>"
          "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"G\" targetRef=\"E\"><bpmn:conditionExpression"
          " language=\"javascript\">x</bpmn:conditionExpression></bpmn:sequenceFlow>"
          "<bpmn:sequenceFlow id=\"F3\" sourceRef=\"G\" targetRef=\"E\"/>",
          LG_EUNSUPPORTED, "javascript", NULL);
  /* Not BPMN at all, or not XML. */
  lg_err_t err = {0};
  const char *notxml = "<bpmn:definitions";
  assert_int_equal(lg_flow_validate(notxml, strlen(notxml), &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "不是合格的 XML"));
  const char *other = "<definitions xmlns=\"urn:x\"/>";
  assert_int_equal(lg_flow_validate(other, strlen(other), &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "不是 BPMN 2.0"));
  const char *dtd =
      "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaa\">]>"
      "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"/>";
  assert_int_equal(lg_flow_validate(dtd, strlen(dtd), &err), LG_EUNSUPPORTED);
  assert_non_null(strstr(err.msg, "DTD"));
  assert_int_equal(lg_flow_validate("", 0, &err), LG_EINVAL);
}

static void test_invalid(void **state) {
  /* No start, two starts. */
  refused("<bpmn:endEvent id=\"E\"/>", LG_EINVAL, "恰有一个开始事件", NULL);
  refused("<bpmn:startEvent id=\"S\"/><bpmn:startEvent id=\"S2\"/><bpmn:endEvent id=\"E\"/>"
          "<bpmn:sequenceFlow id=\"F\" sourceRef=\"S\" targetRef=\"E\"/>"
          "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"S2\" targetRef=\"E\"/>",
          LG_EINVAL, "实有 2 个", NULL);
  /* Dangling references, with the flow named. */
  refused(START_END "<bpmn:sequenceFlow id=\"F9\" sourceRef=\"S\" targetRef=\"Nowhere\"/>",
          LG_EINVAL, "F9", "Nowhere");
  /* A dead end and an unreachable task. */
  refused(START_END
          "<bpmn:userTask id=\"U\"/><bpmn:sequenceFlow id=\"F\" sourceRef=\"S\""
          " targetRef=\"U\"/><bpmn:sequenceFlow id=\"F0\" sourceRef=\"S\" targetRef=\"E\"/>",
          LG_EINVAL, "<bpmn:userTask id=\"U\">", "没有出口");
  refused(
      START_END
      "<bpmn:sequenceFlow id=\"F\" sourceRef=\"S\" targetRef=\"E\"/>"
      "<bpmn:userTask id=\"U\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"U\" targetRef=\"U2\"/>"
      "<bpmn:userTask id=\"U2\"/><bpmn:sequenceFlow id=\"F3\" sourceRef=\"U2\" targetRef=\"U\"/>"
      "<bpmn:sequenceFlow id=\"F4\" sourceRef=\"U2\" targetRef=\"E\"/>",
      LG_EINVAL, "无法到达", "<bpmn:userTask id=\"U\">");
  /* Conditions that do not parse name the flow, the line and the column. */
  refused(START_END
          "<bpmn:exclusiveGateway id=\"G\" default=\"F3\"/>\n"
          "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"G\"/>\n"
          "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"G\" targetRef=\"E\">\n"
          "<bpmn:conditionExpression>area_ha &gt;</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
          "<bpmn:sequenceFlow id=\"F3\" sourceRef=\"G\" targetRef=\"E\"/>",
          LG_EINVAL, "<bpmn:sequenceFlow id=\"F2\"> 的条件 (第 9 行)", "第 10 个字符: 缺少表达式");
  /* A condition where nothing is decided; an undecided way out. */
  refused(START_END
          "<bpmn:userTask id=\"U\"/><bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\""
          " targetRef=\"U\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"U\" targetRef=\"E\">"
          "<bpmn:conditionExpression>true</bpmn:conditionExpression></bpmn:sequenceFlow>",
          LG_EINVAL, "只能写在排他网关的出口上", "F2");
  refused(START_END
          "<bpmn:exclusiveGateway id=\"G\"/>"
          "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"G\"/>"
          "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"G\" targetRef=\"E\">"
          "<bpmn:conditionExpression>a == 1</bpmn:conditionExpression></bpmn:sequenceFlow>"
          "<bpmn:sequenceFlow id=\"F3\" sourceRef=\"G\" targetRef=\"E\"/>",
          LG_EINVAL, "F3 既没有条件也不是默认出口", NULL);
  /* Service tasks must name their handler; timers must parse; working
   * days only in days; boundary events only on tasks that wait. */
  refused(START_END
          "<bpmn:serviceTask id=\"X\"/><bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\""
          " targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\" targetRef=\"E\"/>",
          LG_EINVAL, "缺少 landgov:handler", "<bpmn:serviceTask id=\"X\">");
  refused(START_END
          "<bpmn:serviceTask id=\"X\" landgov:handler=\"rm -rf\"/><bpmn:sequenceFlow"
          " id=\"F1\" sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\""
          " targetRef=\"E\"/>",
          LG_EINVAL, "不是合法的名称", NULL);
  refused(
      START_END
      "<bpmn:intermediateCatchEvent id=\"X\"><bpmn:timerEventDefinition>"
      "<bpmn:timeDuration>10 days</bpmn:timeDuration></bpmn:timerEventDefinition>"
      "</bpmn:intermediateCatchEvent><bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"X\"/>"
      "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\" targetRef=\"E\"/>",
      LG_EINVAL, "10 days", "ISO 8601");
  refused(START_END
          "<bpmn:intermediateCatchEvent id=\"X\"><bpmn:timerEventDefinition"
          " landgov:days=\"working\"><bpmn:timeDuration>P1M</bpmn:timeDuration>"
          "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id=\"F1\""
          " sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\" "
          "targetRef=\"E\"/>",
          LG_EINVAL, "工作日", "PnD");
  refused(START_END
          "<bpmn:intermediateCatchEvent id=\"X\"><bpmn:timerEventDefinition"
          " landgov:days=\"lunar\"><bpmn:timeDuration>P1D</bpmn:timeDuration>"
          "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:sequenceFlow id=\"F1\""
          " sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\" "
          "targetRef=\"E\"/>",
          LG_EINVAL, "lunar", NULL);
  refused(
      START_END
      "<bpmn:serviceTask id=\"X\" landgov:handler=\"h\"/><bpmn:boundaryEvent id=\"B\""
      " attachedToRef=\"X\"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
      "</bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:sequenceFlow id=\"F1\" "
      "sourceRef=\"S\""
      " targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\" sourceRef=\"X\" targetRef=\"E\"/>"
      "<bpmn:sequenceFlow id=\"F3\" sourceRef=\"B\" targetRef=\"E\"/>",
      LG_EINVAL, "只能附着在用户任务或接收任务上", "<bpmn:boundaryEvent id=\"B\">");
  /* Messages must exist; multi-instance needs a collection; templates
   * must close. */
  refused(START_END "<bpmn:receiveTask id=\"X\" messageRef=\"M404\"/><bpmn:sequenceFlow id=\"F1\""
                    " sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\" "
                    "sourceRef=\"X\" targetRef=\"E\"/>",
          LG_EINVAL, "M404", "不存在");
  refused(
      START_END
      "<bpmn:userTask id=\"X\"><bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>"
      "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\""
      " sourceRef=\"X\" targetRef=\"E\"/>",
      LG_EINVAL, "landgov:collection", NULL);
  refused(
      START_END
      "<bpmn:userTask id=\"X\" landgov:candidateGroups=\"reviewer@{jurisdiction\"/>"
      "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\""
      " sourceRef=\"X\" targetRef=\"E\"/>",
      LG_EINVAL, "没有闭合", "<bpmn:userTask id=\"X\">");
  refused(
      START_END
      "<bpmn:userTask id=\"X\" landgov:candidateGroups=\"r@{system('x')}\"/>"
      "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"X\"/><bpmn:sequenceFlow id=\"F2\""
      " sourceRef=\"X\" targetRef=\"E\"/>",
      LG_EINVAL, "不允许调用函数 system", NULL);
  /* Duplicate ids. */
  refused(START_END "<bpmn:userTask id=\"S\"/>", LG_EINVAL, "重复", NULL);
  /* A process id that cannot be a key. */
  const char *badkey =
      "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">"
      "<bpmn:process id=\"1-x\"/></bpmn:definitions>";
  lg_err_t err = {0};
  assert_int_equal(lg_flow_validate(badkey, strlen(badkey), &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "1-x"));
}

/* What bpmn-js and the Camunda Modeler write around the process is kept
 * and ignored: lanes, annotations, documentation, extension elements of
 * other vendors, a collaboration, the diagram. */
static void test_accepted_extras(void **state) {
  accepted("<bpmn:documentation>说明</bpmn:documentation>"
           "<bpmn:laneSet id=\"LS\"><bpmn:lane id=\"L\" "
           "name=\"窗口\"><bpmn:flowNodeRef>S</bpmn:flowNodeRef>"
           "</bpmn:lane></bpmn:laneSet>"
           "<bpmn:startEvent id=\"S\"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>"
           "<bpmn:userTask id=\"U\"><bpmn:extensionElements><x:props xmlns:x=\"urn:x\"/>"
           "</bpmn:extensionElements><bpmn:incoming>F1</bpmn:incoming></bpmn:userTask>"
           "<bpmn:textAnnotation id=\"TA\"><bpmn:text>注</bpmn:text></bpmn:textAnnotation>"
           "<bpmn:association id=\"A\" sourceRef=\"U\" targetRef=\"TA\"/>"
           "<bpmn:endEvent id=\"E\"/>"
           "<bpmn:sequenceFlow id=\"F1\" sourceRef=\"S\" targetRef=\"U\"/>"
           "<bpmn:sequenceFlow id=\"F2\" sourceRef=\"U\" targetRef=\"E\">"
           "<bpmn:conditionExpression></bpmn:conditionExpression></bpmn:sequenceFlow>");
}

static void test_versions(void **state) {
  tenv_t *t = *state;
  lg_flow_def_info_t v1 = deploy(t->s, "simple.bpmn");
  assert_int_equal(v1.version, 1);
  assert_true(v1.created);
  int64_t a = start(t->s, "simple", "{\"jurisdiction\": \"330106\"}");

  lg_flow_def_info_t v2 = deploy(t->s, "simple_v2.bpmn");
  assert_string_equal(v2.key, "simple");
  assert_int_equal(v2.version, 2);
  assert_true(v2.created);
  assert_true(v2.id != v1.id);
  /* The same drawing again is not a new version. */
  lg_flow_def_info_t again = deploy(t->s, "simple_v2.bpmn");
  assert_int_equal(again.version, 2);
  assert_false(again.created);
  assert_int_equal(again.id, v2.id);

  int64_t b = start(t->s, "simple", "{\"jurisdiction\": \"330106\"}");
  json_t *o = instance(t->s, a);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "definition"), "version")),
                   1);
  json_decref(o);
  o = instance(t->s, b);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "definition"), "version")),
                   2);
  json_decref(o);
  /* Instance a keeps version 1: one review and it is done. */
  complete(t->s, task_at(t->s, a, "Review"), "approve", NULL);
  assert_string_equal(status_of(t->s, a), "completed");
  /* Instance b runs version 2: a city review follows. */
  complete(t->s, task_at(t->s, b, "Review"), "approve", NULL);
  assert_string_equal(status_of(t->s, b), "active");
  assert_int_equal(n_open(t->s, b, "CityReview"), 1);

  /* An explicit version can still be started. */
  lg_flow_start_opts_t so = {.key = "simple",
                             .version = 1,
                             .business_key = "2026-0007",
                             .vars = J("{\"jurisdiction\": \"330102\"}"),
                             .actor = "window"};
  int64_t c = 0;
  lg_err_t err = {0};
  assert_int_equal(lg_flow_start_ex(t->s, &so, &c, &err), 0);
  o = instance(t->s, c);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "definition"), "version")),
                   1);
  assert_str(json_object_get(o, "business_key"), "2026-0007");
  assert_str(json_object_get(o, "started_by"), "window");
  json_decref(o);
  so.version = 3;
  assert_int_equal(lg_flow_start_ex(t->s, &so, &c, &err), LG_ENOTFOUND);

  /* The stored XML is the drawing, byte for byte. */
  char *xml = NULL;
  lg_flow_def_info_t info;
  assert_int_equal(lg_flow_definition_xml(t->s, "simple", 1, &xml, &info, &err), 0);
  size_t n;
  char *orig = fixture("simple.bpmn", &n);
  assert_string_equal(xml, orig);
  assert_int_equal(info.version, 1);
  lg_free(xml);
  lg_free(orig);
  assert_int_equal(lg_flow_definition_xml(t->s, "simple", 0, &xml, &info, &err), 0);
  assert_int_equal(info.version, 2);
  lg_free(xml);
  json_t *defs = NULL;
  assert_int_equal(lg_flow_definitions(t->s, &defs, &err), 0);
  assert_int_equal(json_array_size(defs), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(defs, 0), "version")), 2);
  assert_int_equal(json_integer_value(json_object_get(json_array_get(defs, 1), "instances")), 2);
  json_decref(defs);
  /* Versions are never edited. */
  assert_int_equal(lg_store_exec(t->s, "UPDATE lg_flow_definitions SET xml = 'x'", &err), LG_EDB);
  /* Instances by business key. */
  lg_flow_instance_filter_t f = {.business_key = "2026-0007"};
  json_t *list = NULL;
  assert_int_equal(lg_flow_instances(t->s, &f, &list, &err), 0);
  assert_int_equal(json_array_size(list), 1);
  json_decref(list);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_unsupported_fixture, tenv_setup, tenv_teardown),
      cmocka_unit_test(test_unsupported_inline),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_accepted_extras),
      cmocka_unit_test_setup_teardown(test_versions, tenv_setup, tenv_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
