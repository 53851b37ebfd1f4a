/*
 * The demo store's approval cases (`landgov demo`): a handful of cases
 * near the synthetic county's town, filed and moved through the default
 * process by the demo accounts, each left in another state (waiting at
 * the window, in joint review, deferred and late with its penalty,
 * vetoed, returned, refused by the negative list, approved and handed
 * over), so that the web client has something to show. Their history is
 * played on a simulated clock that starts some weeks back and is set
 * back to the real one at the end; timers that fall due later fire in
 * the server as they would.
 */
#include "cases/cases.h"
#include "auth/auth.h"
#include "demo/demo.h"
#include "stock/stock.h"

#include <stdio.h>
#include <string.h>

typedef struct demo {
  lg_store_t *s;
  int64_t now; /* the simulated clock */
  char county[8];
  const char *departments; /* JSON list of the next case's joint review; NULL: the usual two */
} demo_t;

static int subject(demo_t *d, const char *login, lg_subject_t *out, lg_err_t *err) {
  lg_user_t u;
  int rc = lg_auth_user_get(d->s, login, &u, err);
  if (rc == 0) lg_auth_subject_from_user(&u, out);
  return rc;
}

/* Time passes between two acts: a few working hours. */
static void later(demo_t *d, int hours) {
  d->now += (int64_t)hours * 3600;
  lg_clock_set(d->now);
}

static int file_case(demo_t *d, const char *who, const char *title, const char *type,
                     const char *use, const char *rating, double investment, double x, double y,
                     double w, double h, const char *materials, int64_t *id, lg_err_t *err) {
  lg_subject_t s;
  int rc = subject(d, who, &s, err);
  if (rc) return rc;
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:4526\"}},\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],"
                        "[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}",
                        x, y, x + w, y, x + w, y + h, x, y + h, x, y);
  json_t *mats = materials ? json_loads(materials, 0, NULL) : NULL;
  json_t *depts = d->departments ? json_loads(d->departments, 0, NULL)
                                 : json_pack("[s,s]", "natural_resources", "ecology");
  lg_case_new_t c = {.title = title,
                     .project_type = type,
                     .use_code = use,
                     .enterprise = "DEMO-ENTERPRISE-1",
                     .applicant = "演示企业",
                     .rating = rating,
                     .investment = investment,
                     .boundary_data = gj,
                     .boundary_len = strlen(gj),
                     .boundary_name = title,
                     .materials = mats,
                     .departments = depts};
  rc = lg_cases_create(d->s, &s, &c, id, err);
  lg_free(gj);
  json_decref(mats);
  json_decref(depts);
  if (rc) lg_err_prefix(err, "演示案件 %s: ", title);
  return rc;
}

/* The demo account that acts at a node (element: the department or the
 * committee member's county). */
static const char *actor_for(const char *node, const char *element) {
  if (!strcmp(node, "Task_Accept")) return "clerk";
  if (!strcmp(node, "Task_Joint"))
    return element && !strcmp(element, "ecology") ? "reviewer.eco" : "reviewer";
  if (!strcmp(node, "Task_City")) return "approver.city";
  if (!strcmp(node, "Task_Province") || !strcmp(node, "Task_Ministry") ||
      !strcmp(node, "Task_StateCouncil"))
    return "approver.prov";
  return "approver"; /* county review, objections, hearing, committee */
}

/* Acts on the open task at node (the first, or the one of element). */
static int act(demo_t *d, int64_t id, const char *node, const char *element, const char *action,
               const char *reason, const char *vars, lg_err_t *err) {
  json_t *o = NULL;
  int rc = lg_cases_get(d->s, id, &o, err);
  if (rc) return rc;
  int64_t task = 0;
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(o, "tasks"), i, t) {
    const char *el = json_string_value(json_object_get(t, "element"));
    if (!task && !strcmp(json_string_value(json_object_get(t, "node")), node) &&
        (!element || (el && !strcmp(el, element))))
      task = json_integer_value(json_object_get(t, "id"));
  }
  json_decref(o);
  if (!task)
    return lg_err_set(err, LG_EINTERNAL, "演示案件 %lld 没有待办环节 %s", (long long)id, node);
  lg_subject_t s;
  if ((rc = subject(d, actor_for(node, element), &s, err))) return rc;
  json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
  later(d, 3);
  rc = lg_cases_act(d->s, &s, task, action, reason, v, err);
  json_decref(v);
  return rc;
}

/* Approves whatever is open until the case leaves the process, moving
 * the clock to the end of each statutory notice on the way. */
static int approve_all(demo_t *d, int64_t id, lg_err_t *err) {
  for (int guard = 0; guard < 40; guard++) {
    json_t *o = NULL;
    int rc = lg_cases_get(d->s, id, &o, err);
    if (rc) return rc;
    const char *st = json_string_value(json_object_get(o, "status"));
    json_t *tasks = json_object_get(o, "tasks");
    if (strcmp(st, "submitted") && strcmp(st, "in_review") && strcmp(st, "notice")) {
      json_decref(o);
      return 0;
    }
    if (json_array_size(tasks) == 0) {
      /* Waiting for a notice period: to its end, and fire. */
      const char *due = NULL;
      size_t i;
      json_t *w;
      json_array_foreach(json_object_get(json_object_get(o, "process"), "waits"), i, w) {
        const char *dw = json_string_value(json_object_get(w, "due_at"));
        if (dw && (!due || strcmp(dw, due) < 0)) due = dw;
      }
      int64_t t = 0;
      if (!due || lg_time_parse_iso(due, &t, err) != 0) {
        json_decref(o);
        return lg_err_set(err, LG_EINTERNAL, "演示案件 %lld 停在 %s, 没有可办理的环节",
                          (long long)id, st);
      }
      json_decref(o);
      d->now = t;
      lg_clock_set(t);
      if ((rc = lg_cases_tick(d->s, t, NULL, err))) return rc;
      later(d, 1);
      continue;
    }
    json_t *t0 = json_array_get(tasks, 0);
    char node[64], element[64] = "";
    snprintf(node, sizeof node, "%s", json_string_value(json_object_get(t0, "node")));
    const json_t *el = json_object_get(t0, "element");
    if (json_is_string(el)) snprintf(element, sizeof element, "%s", json_string_value(el));
    json_decref(o);
    const char *action = !strcmp(node, "Task_Accept") ? "accept"
                         : !strcmp(node, "Task_Objections") || !strcmp(node, "Task_Hearing")
                             ? "done"
                             : "approve";
    const char *vars =
        !strcmp(node, "Task_Objections") ? "{\"objections\": 3, \"members\": 86}" : NULL;
    if ((rc = act(d, id, node, element[0] ? element : NULL, action, NULL, vars, err))) return rc;
  }
  return lg_err_set(err, LG_EINTERNAL, "演示案件 %lld 未能走完流程", (long long)id);
}

/* Moves the clock to target, firing on the way every timer that falls
 * due, each at its own time (as a running server would have). */
static int advance_to(demo_t *d, int64_t target, lg_err_t *err) {
  for (int guard = 0; guard < 100; guard++) {
    json_t *list = NULL;
    int rc = lg_cases_list(d->s, NULL, LG_SCOPE_ALL, NULL, &list, err);
    if (rc) return rc;
    int64_t next = target;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
      json_t *o = NULL;
      if ((rc = lg_cases_get(d->s, json_integer_value(json_object_get(c, "id")), &o, err))) break;
      size_t k;
      json_t *w;
      json_array_foreach(json_object_get(json_object_get(o, "process"), "waits"), k, w) {
        int64_t t;
        const char *due = json_string_value(json_object_get(w, "due_at"));
        if (due && lg_time_parse_iso(due, &t, NULL) == 0 && t > d->now && t < next) next = t;
      }
      json_decref(o);
    }
    json_decref(list);
    if (rc) return rc;
    d->now = next;
    lg_clock_set(next);
    if ((rc = lg_cases_tick(d->s, next, NULL, err))) return rc;
    if (next >= target) return 0;
  }
  return 0;
}

int lg_demo_cases(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  demo_t d = {.s = s};
  int rc = 0;
  lg_cases_register_handlers();
  lg_stock_init(); /* the handed-over demo case becomes an approval */
  snprintf(d.county, sizeof d.county, "%s", r->county_code);
  /* The history starts 80 days back, at 09:00 Beijing. */
  int64_t real = lg_now();
  int32_t day = lg_date_of(real, LG_TZ_CHINA) - 80;
  d.now = lg_date_start(day, LG_TZ_CHINA) + 9 * 3600;
  lg_clock_set(d.now);
  const double tx = r->town_x, ty = r->town_y;
  static const char *const all_but_one =
      "[\"application_form\", \"pre_review\", \"project_approval\", \"boundary_survey\","
      " \"conversion_plan\", \"expropriation_plan\", \"supply_plan\", \"business_licence\","
      " \"authorisation\", \"site_plan\", \"mineral_overlay\", \"investment_agreement\"]";
  int64_t done_id = 0, joint = 0, deferred = 0, vetoed = 0, returned = 0, banned = 0, fresh = 0;
  /* Approved and handed over to land supply. */
  rc = file_case(&d, "clerk", "城南污水处理厂扩建工程", "public_service", "1310", "B", 86000000,
                 tx - 60, ty - 260, 120, 90, NULL, &done_id, err);
  if (rc == 0) rc = approve_all(&d, done_id, err);
  /* Vetoed in the joint review. */
  if (rc == 0)
    rc = file_case(&d, "clerk", "稀土分离冶炼技改项目", "industrial", "1001", "B", 120000000,
                   tx + 180, ty - 120, 150, 110, NULL, &vetoed, err);
  if (rc == 0) rc = act(&d, vetoed, "Task_Accept", NULL, "accept", NULL, NULL, err);
  if (rc == 0) rc = act(&d, vetoed, "Task_County", NULL, "approve", NULL, NULL, err);
  if (rc == 0) rc = act(&d, vetoed, "Task_Joint", "natural_resources", "approve", NULL, NULL, err);
  if (rc == 0)
    rc = act(&d, vetoed, "Task_Joint", "ecology", "veto",
             "冶炼废水排放口位于饮用水水源二级保护区上游, 环境影响评价未通过", NULL, err);
  /* Refused by the negative list at the compliance check. */
  if (rc == 0)
    rc = file_case(&d, "clerk", "山湖别墅区", "villa", "0701", "C", 300000000, tx - 320, ty + 200,
                   160, 120, NULL, &banned, err);
  if (rc == 0) rc = act(&d, banned, "Task_Accept", NULL, "accept", NULL, NULL, err);
  /* Returned at the window for a missing core document. */
  if (rc == 0)
    rc = file_case(&d, "applicant", "电子信息产业园标准厂房", "industrial", "1001", "B", 45000000,
                   tx + 60, ty + 260, 130, 100,
                   "[{\"kind\": \"boundary_survey\", \"state\": \"missing\"}]", &returned, err);
  if (rc == 0)
    rc = act(&d, returned, "Task_Accept", NULL, "return",
             "缺少勘测定界技术报告书, 请补正后重新申请", NULL, err);
  /* Deferred (容缺, rating A), its item never came: penalty; its county
   * review is late too. */
  if (rc == 0) {
    later(&d, 24);
    rc = file_case(&d, "clerk", "新能源汽车零部件生产基地", "industrial", "1001", "A", 68000000,
                   tx - 260, ty - 60, 140, 120, all_but_one, &deferred, err);
  }
  if (rc == 0) rc = act(&d, deferred, "Task_Accept", NULL, "defer", NULL, NULL, err);
  /* In the joint review, one department has spoken. */
  if (rc == 0) rc = advance_to(&d, real - 2 * 86400, err);
  /* Its joint review names the water department too, which has no
   * reviewer in the demo: that task shows 无人办理 on the case page and
   * the dashboard, for the administrator to reassign (issue 19). */
  d.departments = "[\"natural_resources\", \"ecology\", \"water\"]";
  if (rc == 0) {
    rc = file_case(&d, "clerk", "物流仓储配送中心", "warehouse", "1101", "A", 32000000, tx + 120,
                   ty + 40, 110, 90, NULL, &joint, err);
  }
  d.departments = NULL;
  if (rc == 0) rc = act(&d, joint, "Task_Accept", NULL, "accept", NULL, NULL, err);
  if (rc == 0) rc = act(&d, joint, "Task_County", NULL, "approve", NULL, NULL, err);
  if (rc == 0) rc = act(&d, joint, "Task_Joint", "natural_resources", "approve", NULL, NULL, err);
  /* Just filed, waiting at the window. */
  if (rc == 0) rc = advance_to(&d, real - 3600, err);
  if (rc == 0) {
    rc = file_case(&d, "applicant", "智能制造示范工厂", "industrial", "1001", "A", 25000000,
                   tx - 120, ty + 80, 100, 80, NULL, &fresh, err);
  }
  /* Back to the real clock. */
  if (rc == 0) rc = advance_to(&d, real, err);
  lg_clock_set(0);
  return rc;
}
