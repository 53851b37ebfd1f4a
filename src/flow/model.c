/*
 * Reading a BPMN 2.0 definition into the engine's model: libxml2 parses
 * the XML; this file walks the one executable process, keeps the
 * elements the engine runs, refuses everything else by name, id and line
 * (a process that silently skipped a drawn element would approve cases
 * the bureau meant to stop), resolves references and checks the graph:
 * one start, every node reachable, conditions only where they decide
 * something, timers that parse, multi-instance collections and
 * completion conditions that parse.
 *
 * The XML is parsed without network access, DTDs or entity expansion
 * (a definition is uploaded by people, not trusted).
 */
#include "flow/flow_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_XML (8u << 20) /* a drawn process is kilobytes; this is a typo or an attack */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

/* ---- Small XML helpers ------------------------------------------------------ */

static bool is_elem(const xmlNode *n) { return n && n->type == XML_ELEMENT_NODE; }

static bool is_bpmn(const xmlNode *n) {
  return is_elem(n) && n->ns && n->ns->href && !strcmp((const char *)n->ns->href, LG_FLOW_NS_BPMN);
}

static bool named(const xmlNode *n, const char *local) {
  return is_bpmn(n) && !strcmp((const char *)n->name, local);
}

/* An attribute without namespace, copied (NULL if absent or empty). */
static char *attr(const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
  if (!v) return NULL;
  char *r = v[0] ? lg_strdup((const char *)v) : NULL;
  xmlFree(v);
  return r;
}

/* A landgov:* attribute, copied (NULL if absent or empty). */
static char *lg_attr(const xmlNode *n, const char *name) {
  xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)LG_FLOW_NS);
  if (!v) return NULL;
  char *r = v[0] ? lg_strdup((const char *)v) : NULL;
  xmlFree(v);
  return r;
}

/* Text content, trimmed, copied. */
static char *text_of(const xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  char *r = lg_strdup(v ? (const char *)v : "");
  xmlFree(v);
  lg_trim(r);
  return r;
}

/* "<bpmn:complexGateway id="G3">" as written in the file. */
static void describe(const xmlNode *n, char *buf, size_t sz) {
  xmlChar *id = xmlGetNoNsProp(n, (const xmlChar *)"id");
  const char *pre = n->ns && n->ns->prefix ? (const char *)n->ns->prefix : "";
  if (id)
    snprintf(buf, sz, "<%s%s%s id=\"%s\">", pre, *pre ? ":" : "", (const char *)n->name,
             (const char *)id);
  else
    snprintf(buf, sz, "<%s%s%s>", pre, *pre ? ":" : "", (const char *)n->name);
  xmlFree(id);
}

static int fail_node(lg_err_t *err, int code, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_node(lg_err_t *err, int code, const xmlNode *n, const char *fmt, ...) {
  char what[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  long line = n ? xmlGetLineNo(n) : 0;
  if (line > 0) {
    lg_err_where(err, "第 %ld 行", line);
    return lg_err_set(err, code, "%s (第 %ld 行)", what, line);
  }
  return lg_err_set(err, code, "%s", what);
}

static int unsupported(lg_err_t *err, const xmlNode *n, const char *hint) {
  char d[300];
  describe(n, d, sizeof d);
  return fail_node(err, LG_EUNSUPPORTED, n, "不支持的 BPMN 元素 %s%s%s", d, hint ? ": " : "",
                   hint ? hint : "");
}

static bool in_list(const char *s, const char *const *list) {
  for (; *list; list++)
    if (!strcmp(s, *list)) return true;
  return false;
}

static bool ident_ok(const char *s) {
  if (!s || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return false;
  for (const char *p = s + 1; *p; p++)
    if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
          (*p >= '0' && *p <= '9')))
      return false;
  return strcmp(s, "and") && strcmp(s, "or") && strcmp(s, "not") && strcmp(s, "in") &&
         strcmp(s, "true") && strcmp(s, "false") && strcmp(s, "null");
}

/* ---- Templates: "reviewer:{department}@{jurisdiction}" ---------------------- */

int fl_template_check(const char *t, lg_err_t *err) {
  for (const char *p = t; *p; p++) {
    if (*p == '}') return lg_err_set(err, LG_EINVAL, "模板 \"%s\" 中有多余的 }", t);
    if (*p != '{') continue;
    const char *q = strchr(p, '}');
    if (!q) return lg_err_set(err, LG_EINVAL, "模板 \"%s\" 中的 { 没有闭合", t);
    char *inner = lg_strndup(p + 1, (size_t)(q - p - 1));
    fl_expr_t *x = NULL;
    int rc = fl_expr_parse(inner, &x, err);
    fl_expr_free(x);
    lg_free(inner);
    if (rc) {
      lg_err_prefix(err, "模板 \"%s\": ", t);
      return rc;
    }
    p = q;
  }
  return 0;
}

/* ---- The model ---------------------------------------------------------------- */

const char *fl_kind_title(fl_kind_t k) {
  static const char *const t[] = {
      [FL_START] = "开始事件",     [FL_END] = "结束事件",     [FL_THROW] = "中间事件",
      [FL_USER] = "用户任务",      [FL_SERVICE] = "服务任务", [FL_RECEIVE] = "接收任务",
      [FL_XOR] = "排他网关",       [FL_AND] = "并行网关",     [FL_EVENTGW] = "事件网关",
      [FL_CATCH] = "中间捕获事件", [FL_BOUNDARY] = "边界事件"};
  return t[k];
}

static void node_fini(fl_node_t *n) {
  lg_free(n->id);
  lg_free(n->name);
  lg_free(n->dur_text);
  fl_expr_free(n->dur_expr);
  lg_free(n->message);
  lg_free(n->groups);
  lg_free(n->assignee);
  lg_free(n->result_var);
  fl_expr_free(n->collection);
  lg_free(n->element_var);
  fl_expr_free(n->completion);
  lg_free(n->handler);
  for (size_t i = 0; i < n->attrs.len; i++) {
    lg_free(n->attrs.items[i].name);
    lg_free(n->attrs.items[i].value);
  }
  lg_free(n->attrs.items);
  lg_free(n->in.items);
  lg_free(n->out.items);
  lg_free(n->boundaries.items);
}

void fl_model_free(fl_model_t *m) {
  if (!m) return;
  for (size_t i = 0; i < m->nodes.len; i++)
    node_fini(&m->nodes.items[i]);
  lg_free(m->nodes.items);
  for (size_t i = 0; i < m->flows.len; i++) {
    lg_free(m->flows.items[i].id);
    lg_free(m->flows.items[i].name);
    fl_expr_free(m->flows.items[i].cond);
  }
  lg_free(m->flows.items);
  lg_free(m->key);
  lg_free(m->name);
  lg_free(m);
}

int fl_model_node(const fl_model_t *m, const char *id) {
  if (!id) return -1;
  for (size_t i = 0; i < m->nodes.len; i++)
    if (!strcmp(m->nodes.items[i].id, id)) return (int)i;
  return -1;
}

static int flow_index(const fl_model_t *m, const char *id) {
  if (!id) return -1;
  for (size_t i = 0; i < m->flows.len; i++)
    if (!strcmp(m->flows.items[i].id, id)) return (int)i;
  return -1;
}

/* Parsing state: the model under construction plus what is resolved
 * after every element has been seen. */
typedef struct pctx {
  fl_model_t *m;
  LG_VEC(char *) msg_ids;   /* bpmn:message ids ... */
  LG_VEC(char *) msg_names; /* ... and their names (the id when unnamed) */
  LG_VEC(char *) src_refs;  /* per flow: sourceRef, targetRef (resolved later) */
  LG_VEC(char *) dst_refs;
  LG_VEC(char *) attached_refs; /* per node: attachedToRef (boundary) */
  LG_VEC(char *) default_refs;  /* per node: default flow (exclusive gateway) */
  LG_VEC(const xmlNode *) node_xml;
  LG_VEC(const xmlNode *) flow_xml;
  lg_err_t *err;
} pctx_t;

static void pctx_fini(pctx_t *c) {
  for (size_t i = 0; i < c->msg_ids.len; i++) {
    lg_free(c->msg_ids.items[i]);
    lg_free(c->msg_names.items[i]);
  }
  lg_free(c->msg_ids.items);
  lg_free(c->msg_names.items);
  for (size_t i = 0; i < c->src_refs.len; i++) {
    lg_free(c->src_refs.items[i]);
    lg_free(c->dst_refs.items[i]);
  }
  lg_free(c->src_refs.items);
  lg_free(c->dst_refs.items);
  for (size_t i = 0; i < c->attached_refs.len; i++) {
    lg_free(c->attached_refs.items[i]);
    lg_free(c->default_refs.items[i]);
  }
  lg_free(c->attached_refs.items);
  lg_free(c->default_refs.items);
  lg_free(c->node_xml.items);
  lg_free(c->flow_xml.items);
}

static const char *message_name(const pctx_t *c, const char *ref) {
  for (size_t i = 0; i < c->msg_ids.len; i++)
    if (!strcmp(c->msg_ids.items[i], ref)) return c->msg_names.items[i];
  return NULL;
}

/* Children that carry no behaviour and may sit in any flow node. */
static const char *const node_ignorable[] = {"incoming",
                                             "outgoing",
                                             "documentation",
                                             "extensionElements",
                                             "dataInputAssociation",
                                             "dataOutputAssociation",
                                             "property",
                                             "ioSpecification",
                                             NULL};

static bool is_event_definition(const xmlNode *c) {
  size_t n = strlen((const char *)c->name);
  return is_bpmn(c) && n > 15 && !strcmp((const char *)c->name + n - 15, "EventDefinition");
}

static int parse_timer(pctx_t *c, const xmlNode *ev, const xmlNode *def, fl_node_t *n) {
  const xmlNode *dur = NULL;
  for (const xmlNode *k = def->children; k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (named(k, "timeDuration"))
      dur = k;
    else if (named(k, "timeDate") || named(k, "timeCycle"))
      return unsupported(c->err, k, "定时器只支持时长 (timeDuration), 不支持固定时间或循环");
    else if (!in_list((const char *)k->name, node_ignorable))
      return unsupported(c->err, k, NULL);
  }
  char d[300];
  describe(ev, d, sizeof d);
  if (!dur) return fail_node(c->err, LG_EINVAL, def, "定时器 %s 缺少 timeDuration", d);
  n->dur_text = text_of(dur);
  lg_err_t e2 = {0};
  bool dynamic = (n->dur_text[0] == '$' || n->dur_text[0] == '#') && n->dur_text[1] == '{';
  if (dynamic) {
    /* A duration taken from the variables (a period that is data of the
     * case, with a default: ${coalesce(deferral_period, "P20D")}). */
    if (fl_expr_parse(n->dur_text, &n->dur_expr, &e2) != 0)
      return fail_node(c->err, LG_EINVAL, dur, "定时器 %s 的时长表达式: %s", d, e2.msg);
  } else if (lg_duration_parse(n->dur_text, &n->dur, &e2) != 0) {
    return fail_node(c->err, LG_EINVAL, dur, "定时器 %s: %s", d, e2.msg);
  }
  char *days = lg_attr(def, "days");
  if (!days) days = lg_attr(ev, "days");
  int rc = 0;
  if (!days || !strcmp(days, "exact")) {
    n->days = FL_DAYS_EXACT;
  } else if (!strcmp(days, "working") || !strcmp(days, "calendar")) {
    n->days = !strcmp(days, "working") ? FL_DAYS_WORKING : FL_DAYS_CALENDAR;
    if (!dynamic && (n->dur.years || n->dur.months || n->dur.seconds || strchr(n->dur_text, 'W') ||
                     n->dur.days <= 0))
      rc = fail_node(c->err, LG_EINVAL, dur, "定时器 %s: 按%s计算的期限只能写成天数 PnD (得到 %s)",
                     d, n->days == FL_DAYS_WORKING ? "工作日" : "自然日", n->dur_text);
  } else {
    rc = fail_node(
        c->err, LG_EINVAL, def,
        "定时器 %s: landgov:days 应为 working (工作日) 或 calendar (自然日), 得到 \"%s\"", d, days);
  }
  lg_free(days);
  return rc;
}

/* Reads the event definitions of an event element, allowing `allowed`
 * (a mask of 1 << FL_EV_*). */
static int parse_event_defs(pctx_t *c, const xmlNode *x, fl_node_t *n, unsigned allowed,
                            const char *what) {
  const xmlNode *def = NULL;
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (is_event_definition(k)) {
      if (def) return unsupported(c->err, x, "一个事件只能有一个事件定义");
      def = k;
    } else if (!in_list((const char *)k->name, node_ignorable)) {
      return unsupported(c->err, k, NULL);
    }
  }
  char hint[300];
  if (xmlHasProp(x, (const xmlChar *)"eventDefinitionRef") ||
      xmlHasProp(x, (const xmlChar *)"parallelMultiple"))
    return unsupported(c->err, x, "不支持引用的事件定义或并行多重事件");
  if (!def) {
    if (!(allowed & (1u << FL_EV_NONE))) {
      snprintf(hint, sizeof hint, "%s需要定时器或消息事件定义", what);
      return unsupported(c->err, x, hint);
    }
    n->event = FL_EV_NONE;
    return 0;
  }
  const char *dn = (const char *)def->name;
  fl_event_t ev = !strcmp(dn, "timerEventDefinition")       ? FL_EV_TIMER
                  : !strcmp(dn, "messageEventDefinition")   ? FL_EV_MESSAGE
                  : !strcmp(dn, "terminateEventDefinition") ? FL_EV_TERMINATE
                                                            : (fl_event_t)-1;
  if ((int)ev < 0 || !(allowed & (1u << ev))) {
    char d[300];
    describe(x, d, sizeof d);
    snprintf(hint, sizeof hint, "%s %s 不支持这种事件定义", what, d);
    return unsupported(c->err, def, hint);
  }
  n->event = ev;
  if (ev == FL_EV_TIMER) return parse_timer(c, x, def, n);
  if (ev == FL_EV_MESSAGE) {
    char *ref = attr(def, "messageRef");
    char d[300];
    describe(x, d, sizeof d);
    if (!ref) return fail_node(c->err, LG_EINVAL, def, "消息事件 %s 缺少 messageRef", d);
    const char *name = message_name(c, ref);
    if (!name) {
      int rc = fail_node(c->err, LG_EINVAL, def, "消息事件 %s 引用的消息 %s 不存在", d, ref);
      lg_free(ref);
      return rc;
    }
    n->message = lg_strdup(name);
    lg_free(ref);
  }
  return 0;
}

static int parse_multi(pctx_t *c, const xmlNode *mi, fl_node_t *n) {
  char *seq = attr(mi, "isSequential");
  bool sequential = seq && !strcmp(seq, "true");
  lg_free(seq);
  if (sequential) return unsupported(c->err, mi, "只支持并行多实例 (isSequential=\"false\")");
  char d[300];
  describe(mi->parent, d, sizeof d);
  char *coll = lg_attr(mi, "collection");
  if (!coll)
    return fail_node(c->err, LG_EINVAL, mi,
                     "多实例任务 %s 缺少 landgov:collection (给出列表的表达式, 如 departments)", d);
  int rc = fl_expr_parse(coll, &n->collection, c->err);
  lg_free(coll);
  if (rc) {
    lg_err_prefix(c->err, "多实例任务 %s 的 landgov:collection: ", d);
    return rc;
  }
  n->element_var = lg_attr(mi, "elementVariable");
  if (!n->element_var) n->element_var = lg_strdup("element");
  if (!ident_ok(n->element_var))
    return fail_node(c->err, LG_EINVAL, mi,
                     "多实例任务 %s 的 landgov:elementVariable \"%s\" 不是合法的变量名", d,
                     n->element_var);
  for (const xmlNode *k = mi->children; k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (named(k, "completionCondition")) {
      if (n->completion)
        /* BPMN 2.0 (tMultiInstanceLoopCharacteristics) allows one; a
         * second would replace, and leak, the first. */
        return fail_node(c->err, LG_EINVAL, k,
                         "多实例任务 %s 有多个完成条件 (completionCondition 只能有一个)", d);
      char *t = text_of(k);
      rc = fl_expr_parse(t, &n->completion, c->err);
      lg_free(t);
      if (rc) {
        lg_err_prefix(c->err, "多实例任务 %s 的完成条件: ", d);
        return rc;
      }
    } else if (!in_list((const char *)k->name, node_ignorable)) {
      return unsupported(c->err, k, "多实例只支持 landgov:collection 与 completionCondition");
    }
  }
  n->multi = true;
  return 0;
}

static int parse_user(pctx_t *c, const xmlNode *x, fl_node_t *n) {
  char d[300];
  describe(x, d, sizeof d);
  n->groups = lg_attr(x, "candidateGroups");
  n->assignee = lg_attr(x, "assignee");
  int rc = 0;
  if (n->groups && (rc = fl_template_check(n->groups, c->err)) != 0) goto prefix;
  if (n->assignee && (rc = fl_template_check(n->assignee, c->err)) != 0) goto prefix;
  char *rv = lg_attr(x, "resultVariable");
  if (rv && !ident_ok(rv)) {
    rc = fail_node(c->err, LG_EINVAL, x,
                   "用户任务 %s 的 landgov:resultVariable \"%s\" 不是合法的变量名", d, rv);
    lg_free(rv);
    return rc;
  }
  n->result_var = rv ? rv : ident_ok(n->id) ? lg_strdup(n->id) : NULL;
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (named(k, "multiInstanceLoopCharacteristics")) {
      if (n->multi)
        return fail_node(
            c->err, LG_EINVAL, k,
            "用户任务 %s 有多个多实例定义 (multiInstanceLoopCharacteristics 只能有一个)", d);
      if ((rc = parse_multi(c, k, n)) != 0) return rc;
    } else if (!in_list((const char *)k->name, node_ignorable)) {
      return unsupported(c->err, k, NULL);
    }
  }
  return 0;
prefix:
  lg_err_prefix(c->err, "用户任务 %s: ", d);
  return rc;
}

static bool handler_name_ok(const char *s) {
  if (!s || !*s) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
      return false;
  return true;
}

static int parse_service(pctx_t *c, const xmlNode *x, fl_node_t *n) {
  char d[300];
  describe(x, d, sizeof d);
  n->handler = lg_attr(x, "handler");
  if (!n->handler)
    return fail_node(c->err, LG_EINVAL, x,
                     "服务任务 %s 缺少 landgov:handler (内置处理程序的名称, 如 compliance_check)",
                     d);
  if (!handler_name_ok(n->handler))
    return fail_node(
        c->err, LG_EINVAL, x,
        "服务任务 %s 的 landgov:handler \"%s\" 不是合法的名称 (小写字母、数字、_ 和 .)", d,
        n->handler);
  for (const xmlAttr *a = x->properties; a; a = a->next) {
    if (!a->ns || !a->ns->href || strcmp((const char *)a->ns->href, LG_FLOW_NS)) continue;
    xmlChar *v = xmlNodeListGetString(x->doc, a->children, 1);
    fl_attr_t at = {lg_strdup((const char *)a->name), lg_strdup(v ? (const char *)v : "")};
    xmlFree(v);
    lg_vec_push(&n->attrs, at);
  }
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (!in_list((const char *)k->name, node_ignorable))
      return unsupported(c->err, k, "服务任务不支持多实例或循环");
  }
  return 0;
}

static int parse_plain_children(pctx_t *c, const xmlNode *x) {
  for (const xmlNode *k = x->children; k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (!in_list((const char *)k->name, node_ignorable)) return unsupported(c->err, k, NULL);
  }
  return 0;
}

static const struct {
  const char *tag;
  fl_kind_t kind;
} node_tags[] = {
    {"startEvent", FL_START},
    {"endEvent", FL_END},
    {"intermediateThrowEvent", FL_THROW},
    {"intermediateCatchEvent", FL_CATCH},
    {"boundaryEvent", FL_BOUNDARY},
    {"userTask", FL_USER},
    {"serviceTask", FL_SERVICE},
    {"receiveTask", FL_RECEIVE},
    {"exclusiveGateway", FL_XOR},
    {"parallelGateway", FL_AND},
    {"eventBasedGateway", FL_EVENTGW},
};

/* Elements of a process that carry no behaviour: kept, not executed. */
static const char *const process_ignorable[] = {
    "laneSet",    "textAnnotation",      "association",
    "group",      "documentation",       "extensionElements",
    "dataObject", "dataObjectReference", "dataStoreReference",
    "property",   "ioSpecification",     NULL};

/* Hints for elements people are likely to draw. */
static const char *unsupported_hint(const char *tag) {
  if (!strcmp(tag, "scriptTask")) return "流程中不执行脚本; 请改用服务任务 (landgov:handler)";
  if (!strcmp(tag, "task")) return "未指定类型的任务无法执行; 请改为用户任务或服务任务";
  if (!strcmp(tag, "inclusiveGateway") || !strcmp(tag, "complexGateway"))
    return "请改用排他网关或并行网关";
  if (!strcmp(tag, "subProcess") || !strcmp(tag, "callActivity") || !strcmp(tag, "transaction") ||
      !strcmp(tag, "adHocSubProcess"))
    return "不支持子流程; 请把步骤画在同一流程中";
  return NULL;
}

static int parse_node(pctx_t *c, const xmlNode *x, fl_kind_t kind) {
  fl_node_t n = {.kind = kind, .default_flow = -1, .attached = -1, .interrupting = true};
  n.id = attr(x, "id");
  n.name = attr(x, "name");
  n.line = (int)xmlGetLineNo(x);
  n.type = NULL;
  for (size_t i = 0; i < LG_ARRAY_LEN(node_tags); i++)
    if (!strcmp(node_tags[i].tag, (const char *)x->name)) n.type = node_tags[i].tag;
  int rc = 0;
  char *attached = NULL, *dflt = NULL;
  if (!n.id) {
    rc = fail_node(c->err, LG_EINVAL, x, "元素 <%s> 缺少 id", (const char *)x->name);
    goto done;
  }
  switch (kind) {
  case FL_START:
    rc = parse_event_defs(c, x, &n, 1u << FL_EV_NONE, "开始事件只支持空开始事件;");
    break;
  case FL_END:
    rc = parse_event_defs(c, x, &n, (1u << FL_EV_NONE) | (1u << FL_EV_TERMINATE),
                          "结束事件只支持空结束或终止结束;");
    break;
  case FL_THROW:
    rc = parse_event_defs(c, x, &n, 1u << FL_EV_NONE, "中间抛出事件只支持空事件 (里程碑);");
    break;
  case FL_CATCH:
    rc = parse_event_defs(c, x, &n, (1u << FL_EV_TIMER) | (1u << FL_EV_MESSAGE), "中间捕获事件");
    break;
  case FL_BOUNDARY: {
    rc = parse_event_defs(c, x, &n, (1u << FL_EV_TIMER) | (1u << FL_EV_MESSAGE), "边界事件");
    attached = attr(x, "attachedToRef");
    char *ca = attr(x, "cancelActivity");
    n.interrupting = !(ca && !strcmp(ca, "false"));
    lg_free(ca);
    break;
  }
  case FL_USER:
    rc = parse_user(c, x, &n);
    break;
  case FL_SERVICE:
    rc = parse_service(c, x, &n);
    break;
  case FL_RECEIVE: {
    char *ref = attr(x, "messageRef");
    char d[300];
    describe(x, d, sizeof d);
    if (!ref) {
      rc = fail_node(c->err, LG_EINVAL, x, "接收任务 %s 缺少 messageRef", d);
      break;
    }
    const char *name = message_name(c, ref);
    if (!name)
      rc = fail_node(c->err, LG_EINVAL, x, "接收任务 %s 引用的消息 %s 不存在", d, ref);
    else
      n.message = lg_strdup(name);
    lg_free(ref);
    if (rc == 0) rc = parse_plain_children(c, x);
    break;
  }
  case FL_XOR:
    dflt = attr(x, "default");
    rc = parse_plain_children(c, x);
    break;
  case FL_AND:
  case FL_EVENTGW: {
    char *inst = attr(x, "instantiate");
    if (kind == FL_EVENTGW && inst && !strcmp(inst, "true"))
      rc = unsupported(c->err, x, "不支持以事件网关启动流程");
    lg_free(inst);
    if (rc == 0) rc = parse_plain_children(c, x);
    break;
  }
  }
done:
  if (rc) {
    node_fini(&n);
    lg_free(attached);
    lg_free(dflt);
    return rc;
  }
  lg_vec_push(&c->m->nodes, n);
  lg_vec_push(&c->attached_refs, attached);
  lg_vec_push(&c->default_refs, dflt);
  lg_vec_push(&c->node_xml, x);
  return 0;
}

static int parse_flow(pctx_t *c, const xmlNode *x) {
  fl_flow_t f = {.src = -1, .dst = -1};
  f.id = attr(x, "id");
  f.name = attr(x, "name");
  f.line = (int)xmlGetLineNo(x);
  char *src = attr(x, "sourceRef"), *dst = attr(x, "targetRef");
  int rc = 0;
  char d[300];
  describe(x, d, sizeof d);
  if (!f.id)
    rc = fail_node(c->err, LG_EINVAL, x, "顺序流缺少 id");
  else if (!src || !dst)
    rc = fail_node(c->err, LG_EINVAL, x, "顺序流 %s 缺少 sourceRef 或 targetRef", d);
  for (const xmlNode *k = x->children; rc == 0 && k; k = k->next) {
    if (!is_bpmn(k)) continue;
    if (named(k, "conditionExpression")) {
      char *lang = attr(k, "language");
      if (lang && strcasecmp(lang, "landgov") && strcasecmp(lang, "juel") &&
          strcasecmp(lang, "${}")) {
        char hint[200];
        snprintf(hint, sizeof hint, "条件不执行脚本语言 %s; 请用 landgov 条件表达式", lang);
        rc = unsupported(c->err, k, hint);
      }
      lg_free(lang);
      if (rc) break;
      char *t = text_of(k);
      if (!*t) {
        lg_free(t);
        continue; /* an empty condition, as modelers leave behind, is no condition */
      }
      if (f.cond) {
        /* BPMN 2.0 (tSequenceFlow) allows one conditionExpression; a
         * second would also replace, and leak, the first. */
        lg_free(t);
        rc = fail_node(c->err, LG_EINVAL, k,
                       "顺序流 %s 有多个条件 (conditionExpression 只能有一个)", d);
        break;
      }
      rc = fl_expr_parse(t, &f.cond, c->err);
      lg_free(t);
      if (rc) {
        char where[32];
        snprintf(where, sizeof where, "第 %ld 行", xmlGetLineNo(k));
        lg_err_where(c->err, "%s", where);
        lg_err_prefix(c->err, "顺序流 %s 的条件 (%s): ", d, where);
      }
    } else if (!in_list((const char *)k->name, node_ignorable)) {
      rc = unsupported(c->err, k, NULL);
    }
  }
  if (rc) {
    lg_free(f.id);
    lg_free(f.name);
    fl_expr_free(f.cond);
    lg_free(src);
    lg_free(dst);
    return rc;
  }
  lg_vec_push(&c->m->flows, f);
  lg_vec_push(&c->src_refs, src);
  lg_vec_push(&c->dst_refs, dst);
  lg_vec_push(&c->flow_xml, x);
  return 0;
}

static int parse_process(pctx_t *c, const xmlNode *proc) {
  int rc = 0;
  for (const xmlNode *x = proc->children; rc == 0 && x; x = x->next) {
    if (!is_elem(x)) continue;
    if (!is_bpmn(x)) continue; /* other vendors' extensions: not ours to run */
    const char *tag = (const char *)x->name;
    if (!strcmp(tag, "sequenceFlow")) {
      rc = parse_flow(c, x);
      continue;
    }
    int kind = -1;
    for (size_t i = 0; i < LG_ARRAY_LEN(node_tags); i++)
      if (!strcmp(node_tags[i].tag, tag)) kind = (int)node_tags[i].kind;
    if (kind >= 0)
      rc = parse_node(c, x, (fl_kind_t)kind);
    else if (!in_list(tag, process_ignorable))
      rc = unsupported(c->err, x, unsupported_hint(tag));
  }
  return rc;
}

/* ---- Resolution and graph checks ------------------------------------------- */

static int node_fail(pctx_t *c, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int node_fail(pctx_t *c, int i, const char *fmt, ...) {
  char what[500], d[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  describe(c->node_xml.items[i], d, sizeof d);
  return fail_node(c->err, LG_EINVAL, c->node_xml.items[i], "%s %s", d, what);
}

static int resolve(pctx_t *c) {
  fl_model_t *m = c->m;
  /* Ids are unique across nodes and flows (XML IDs). */
  for (size_t i = 0; i < m->nodes.len; i++) {
    for (size_t j = i + 1; j < m->nodes.len; j++)
      if (!strcmp(m->nodes.items[i].id, m->nodes.items[j].id))
        return node_fail(c, (int)j, "的 id 与第 %d 行的元素重复", m->nodes.items[i].line);
    if (flow_index(m, m->nodes.items[i].id) >= 0)
      return node_fail(c, (int)i, "的 id 与一条顺序流重复");
  }
  for (size_t i = 0; i < m->flows.len; i++) {
    fl_flow_t *f = &m->flows.items[i];
    for (size_t j = i + 1; j < m->flows.len; j++)
      if (!strcmp(f->id, m->flows.items[j].id))
        return fail_node(c->err, LG_EINVAL, c->flow_xml.items[j], "顺序流 id \"%s\" 重复", f->id);
    f->src = fl_model_node(m, c->src_refs.items[i]);
    f->dst = fl_model_node(m, c->dst_refs.items[i]);
    if (f->src < 0)
      return fail_node(c->err, LG_EINVAL, c->flow_xml.items[i],
                       "顺序流 %s 的 sourceRef \"%s\" 不是本流程中的节点", f->id,
                       c->src_refs.items[i]);
    if (f->dst < 0)
      return fail_node(c->err, LG_EINVAL, c->flow_xml.items[i],
                       "顺序流 %s 的 targetRef \"%s\" 不是本流程中的节点", f->id,
                       c->dst_refs.items[i]);
    lg_vec_push(&m->nodes.items[f->src].out, (int)i);
    lg_vec_push(&m->nodes.items[f->dst].in, (int)i);
    if (f->cond && m->nodes.items[f->src].kind != FL_XOR)
      return fail_node(c->err, LG_EINVAL, c->flow_xml.items[i],
                       "顺序流 %s 带有条件, 但条件只能写在排他网关的出口上 (它从%s %s 出发)", f->id,
                       fl_kind_title(m->nodes.items[f->src].kind), m->nodes.items[f->src].id);
  }
  int starts = 0;
  for (size_t i = 0; i < m->nodes.len; i++) {
    fl_node_t *n = &m->nodes.items[i];
    if (n->kind == FL_START) {
      starts++;
      m->start = (int)i;
    }
    if (n->kind == FL_BOUNDARY) {
      const char *ref = c->attached_refs.items[i];
      int a = fl_model_node(m, ref);
      if (!ref) return node_fail(c, (int)i, "缺少 attachedToRef");
      if (a < 0) return node_fail(c, (int)i, "附着的活动 \"%s\" 不存在", ref);
      if (m->nodes.items[a].kind != FL_USER && m->nodes.items[a].kind != FL_RECEIVE)
        return node_fail(c, (int)i, "只能附着在用户任务或接收任务上 (\"%s\" 是%s)", ref,
                         fl_kind_title(m->nodes.items[a].kind));
      n->attached = a;
      lg_vec_push(&m->nodes.items[a].boundaries, (int)i);
    }
    if (n->kind == FL_XOR && c->default_refs.items[i]) {
      n->default_flow = flow_index(m, c->default_refs.items[i]);
      if (n->default_flow < 0 || m->flows.items[n->default_flow].src != (int)i)
        return node_fail(c, (int)i, "的默认出口 \"%s\" 不是它的出口顺序流",
                         c->default_refs.items[i]);
    }
  }
  if (starts != 1)
    return lg_err_set(c->err, LG_EINVAL, "流程 %s 应恰有一个开始事件, 实有 %d 个", m->key, starts);

  for (size_t i = 0; i < m->nodes.len; i++) {
    fl_node_t *n = &m->nodes.items[i];
    size_t nin = n->in.len, nout = n->out.len;
    switch (n->kind) {
    case FL_START:
      if (nin) return node_fail(c, (int)i, "不能有入口顺序流");
      if (!nout) return node_fail(c, (int)i, "没有出口顺序流");
      break;
    case FL_END:
      if (nout) return node_fail(c, (int)i, "不能有出口顺序流");
      if (!nin) return node_fail(c, (int)i, "没有入口顺序流");
      break;
    case FL_BOUNDARY:
      if (nin) return node_fail(c, (int)i, "不能有入口顺序流");
      if (!nout) return node_fail(c, (int)i, "没有出口顺序流");
      break;
    default:
      if (!nin) return node_fail(c, (int)i, "没有入口顺序流");
      if (!nout) return node_fail(c, (int)i, "没有出口顺序流 (流程在此无法继续)");
      break;
    }
    if (n->kind == FL_XOR && nout > 1) {
      for (size_t k = 0; k < nout; k++) {
        int fi = n->out.items[k];
        if (fi != n->default_flow && !m->flows.items[fi].cond)
          return node_fail(c, (int)i, "的出口 %s 既没有条件也不是默认出口", m->flows.items[fi].id);
      }
    }
    if (n->kind == FL_EVENTGW) {
      if (nout < 2) return node_fail(c, (int)i, "至少需要两个出口");
      for (size_t k = 0; k < nout; k++) {
        const fl_node_t *t = &m->nodes.items[m->flows.items[n->out.items[k]].dst];
        if (!((t->kind == FL_CATCH) || t->kind == FL_RECEIVE))
          return node_fail(c, (int)i, "的出口只能连到定时器/消息中间事件或接收任务 (%s 是%s)",
                           t->id, fl_kind_title(t->kind));
        if (t->in.len != 1) return node_fail(c, (int)i, "之后的 %s 只能有这一个入口", t->id);
      }
    }
  }
  /* Every node reachable from the start (boundary events through their
   * activity): a drawn but unreachable step is a mistake worth naming. */
  char *seen = lg_calloc(m->nodes.len, 1);
  int *stack = lg_malloc(m->nodes.len * sizeof(int) + 1);
  size_t sp = 0;
  stack[sp++] = m->start;
  seen[m->start] = 1;
  while (sp) {
    const fl_node_t *n = &m->nodes.items[stack[--sp]];
    for (size_t k = 0; k < n->out.len + n->boundaries.len; k++) {
      int t = k < n->out.len ? m->flows.items[n->out.items[k]].dst
                             : n->boundaries.items[k - n->out.len];
      if (!seen[t]) {
        seen[t] = 1;
        stack[sp++] = t;
      }
    }
  }
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < m->nodes.len; i++)
    if (!seen[i]) rc = node_fail(c, (int)i, "从开始事件无法到达");
  lg_free(seen);
  lg_free(stack);
  return rc;
}

/* ---- Entry point --------------------------------------------------------------- */

int fl_model_parse(const char *xml, size_t len, fl_model_t **out, lg_err_t *err) {
  *out = NULL;
  if (!xml || len == 0) return lg_err_set(err, LG_EINVAL, "BPMN 定义为空");
  if (len > MAX_XML)
    return lg_err_set(err, LG_ELIMIT, "BPMN 定义过大 (%zu 字节, 上限 %u)", len, MAX_XML);
  pthread_once(&xml_once, xml_init);
  xmlParserCtxtPtr px = xmlNewParserCtxt();
  if (!px) return lg_err_set(err, LG_EINTERNAL, "无法创建 XML 解析器");
  pctx_t c = {.err = err};
  int rc = 0;
  xmlDocPtr doc = xmlCtxtReadMemory(px, xml, (int)len, "definition.bpmn", NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) {
    xmlErrorPtr e = xmlCtxtGetLastError(px);
    char msg[400];
    snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "未知错误");
    lg_trim(msg);
    int line = e ? e->line : 0;
    lg_err_where(err, "第 %d 行", line);
    rc = lg_err_set(err, LG_EINVAL, "BPMN 文件不是合格的 XML (第 %d 行): %s", line, msg);
    goto done;
  }
  if (doc->intSubset || doc->extSubset) {
    rc = lg_err_set(err, LG_EUNSUPPORTED, "BPMN 文件不应包含 DTD (<!DOCTYPE>)");
    goto done;
  }
  const xmlNode *root = xmlDocGetRootElement(doc);
  if (!named(root, "definitions")) {
    rc = lg_err_set(err, LG_EINVAL, "不是 BPMN 2.0 文件: 根元素应为命名空间 %s 中的 <definitions>",
                    LG_FLOW_NS_BPMN);
    goto done;
  }
  c.m = lg_calloc(1, sizeof(fl_model_t));
  c.m->start = -1;
  /* Messages first: events refer to them by id. */
  const xmlNode *proc = NULL;
  int executable = 0, processes = 0;
  for (const xmlNode *x = root->children; x; x = x->next) {
    if (!is_bpmn(x)) continue;
    if (named(x, "message")) {
      char *id = attr(x, "id"), *name = attr(x, "name");
      if (!id) {
        lg_free(name);
        rc = fail_node(err, LG_EINVAL, x, "<message> 缺少 id");
        goto done;
      }
      lg_vec_push(&c.msg_ids, id);
      lg_vec_push(&c.msg_names, name ? name : lg_strdup(id));
    } else if (named(x, "process")) {
      processes++;
      char *ex = attr(x, "isExecutable");
      bool is_ex = ex && !strcmp(ex, "true");
      lg_free(ex);
      if (is_ex) {
        executable++;
        proc = x;
      } else if (!proc && executable == 0) {
        proc = x;
      }
    } else if (!named(x, "collaboration") && !named(x, "category") && !named(x, "signal") &&
               !named(x, "error") && !named(x, "escalation") && !named(x, "itemDefinition") &&
               !named(x, "dataStore") && !named(x, "documentation") &&
               !named(x, "extensionElements") && !named(x, "extension") && !named(x, "import")) {
      rc = unsupported(err, x, NULL);
      goto done;
    }
  }
  if (executable > 1 || (executable == 0 && processes > 1)) {
    rc = lg_err_set(err, LG_EINVAL,
                    "文件中有 %d 个流程; 请只把一个标为可执行 (isExecutable=\"true\")", processes);
    goto done;
  }
  if (!proc) {
    rc = lg_err_set(err, LG_EINVAL, "文件中没有 <process>");
    goto done;
  }
  c.m->key = attr(proc, "id");
  c.m->name = attr(proc, "name");
  if (!c.m->key || !ident_ok(c.m->key)) {
    rc = fail_node(err, LG_EINVAL, proc,
                   "流程的 id \"%s\" 不能作为流程标识: 应由字母、数字和 _ 组成且不以数字开头",
                   c.m->key ? c.m->key : "");
    goto done;
  }
  if ((rc = parse_process(&c, proc)) != 0) goto done;
  rc = resolve(&c);
done:
  pctx_fini(&c);
  if (doc) xmlFreeDoc(doc);
  xmlFreeParserCtxt(px);
  if (rc) {
    fl_model_free(c.m);
    return rc;
  }
  *out = c.m;
  return 0;
}

int lg_flow_validate(const char *xml, size_t len, lg_err_t *err) {
  fl_model_t *m = NULL;
  int rc = fl_model_parse(xml, len, &m, err);
  fl_model_free(m);
  return rc;
}
