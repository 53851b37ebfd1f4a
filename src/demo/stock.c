/*
 * The demo store's land after approval (`landgov demo`): a few hundred
 * approvals and supplies over the synthetic county with ten years of
 * history (some supplied and built, some idle, some excepted for the
 * government's delay and extended, some with their fee paid or recovered,
 * all through the module's own functions so the law's order holds), a
 * smaller set for the neighbouring county (to see that a county sees its
 * own), a supply registered from the handed-over demo case, a few plans
 * the bureau recorded, a revoked approval, a site visit with a photo; the
 * layers' statuses as of today.
 */
#include "stock/stock.h"
#include "auth/auth.h"
#include "cases/cases.h"
#include "demo/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A 1 x 1 PNG (the demo's stand-in for a site photo). */
static const unsigned char png1[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
    0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08,
    0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d,
    0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static int subject(lg_store_t *s, const char *login, lg_subject_t *out, lg_err_t *err) {
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc == 0) lg_auth_subject_from_user(&u, out);
  return rc;
}

/* The first rows of a ledger, for plans and acts on them. */
static int64_t nth_id(json_t *ledger, const char *key, size_t n) {
  json_t *row = json_array_get(json_object_get(ledger, "rows"), n);
  return json_integer_value(json_object_get(row, key));
}

int lg_demo_stock(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  int rc = 0;
  lg_stock_init();
  lg_subject_t admin, neighbour;
  json_t *unsup = NULL, *idle = NULL, *cases = NULL, *sum = NULL;
  if ((rc = subject(s, "admin", &admin, err)) || (rc = subject(s, "admin.360782", &neighbour, err)))
    goto done;
  /* The county: 120 approvals, 360 supplies with their histories. */
  lg_stock_gen_t o = {.approvals = 120,
                      .supplies = 360,
                      .seed = 7,
                      .division = r->county_code, /* within the county layer's outline */
                      .procedure = true,
                      .who = &admin};
  lg_stock_gen_result_t gr;
  if ((rc = lg_stock_gen_run(s, &o, &gr, err))) goto done;
  /* The neighbour: fewer, north of the county. */
  double h = r->extent.maxy - r->extent.miny;
  lg_stock_gen_t o2 = o;
  o2.approvals = 24, o2.supplies = 70, o2.seed = 8, o2.division = "360782", o2.who = &neighbour;
  o2.extent = r->extent;
  o2.srs = r->srid;
  o2.extent.miny = r->extent.maxy + 0.02 * h;
  o2.extent.maxy = r->extent.maxy + 0.22 * h;
  lg_stock_gen_result_t gr2;
  if ((rc = lg_stock_gen_run(s, &o2, &gr2, err))) goto done;
  /* The handed-over demo case: its supply, a month ago. */
  lg_case_filter_t cf = {.status = "handed_over"};
  if ((rc = lg_cases_list(s, NULL, LG_SCOPE_ALL, &cf, &cases, err))) goto done;
  json_t *c0 = json_array_get(cases, 0);
  if (c0) {
    int32_t day = lg_date_of(lg_now(), LG_TZ_CHINA);
    char c1[11], c2[11], c3[11], c4[11], no[32];
    lg_date_format(day - 30, c1);
    lg_date_format(day + 15, c2);
    lg_date_format(day + 120, c3);
    lg_date_format(day + 600, c4);
    snprintf(no, sizeof no, "%s2026B90001", r->county_code);
    json_t *f =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s, s:s, s:s}", "supervision_no", no,
                  "land_use", "公共管理与公共服务用地", "method", "划拨", "location", "示范县城南",
                  "holder", "示范县城市建设投资有限公司", "price_wan", 860.0, "contract_on", c1,
                  "agreed_delivery_on", c2, "agreed_start_on", c3, "agreed_completion_on", c4,
                  "project", json_string_value(json_object_get(c0, "title")));
    rc = lg_stock_supply_from_case(s, &admin, json_integer_value(json_object_get(c0, "id")), f,
                                   NULL, err);
    json_decref(f);
    if (rc) goto done;
  }
  /* A plan or two the bureau recorded, and a revocation. */
  lg_stock_query_t q = {.scope = "all"};
  if ((rc = lg_stock_ledger(s, "unsupplied", &q, &unsup, err))) goto done;
  char today[11], deadline[11];
  lg_date_format(lg_date_of(lg_now(), LG_TZ_CHINA), today);
  lg_date_format(lg_date_of(lg_now(), LG_TZ_CHINA) + 180, deadline);
  static const char *const reasons[] = {"征地拆迁未完成", "规划调整, 项目未落地",
                                        "招商引资项目流失"};
  static const char *const methods[] = {"加快征拆, 纳入年度供地计划", "调整批文后供应",
                                        "以标准地方式招商供应"};
  for (size_t i = 0; rc == 0 && i < 3; i++) {
    int64_t id = nth_id(unsup, "approval_id", i * 5 + 1);
    if (id)
      rc = lg_stock_plan_set(s, &admin, "unsupplied", id, reasons[i], methods[i],
                             "示范县自然资源局耕保股", deadline, err);
  }
  if (rc == 0) {
    /* The oldest approval with land left: its batch revoked by the province. */
    int64_t oldest = 0;
    int age = -1;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(unsup, "rows"), i, row) {
      if (!json_is_true(json_object_get(row, "open"))) continue;
      int a = (int)json_integer_value(json_object_get(row, "age_years"));
      if (a > age &&
          !strncmp(json_string_value(json_object_get(row, "division")), r->county_code, 6))
        age = a, oldest = json_integer_value(json_object_get(row, "approval_id"));
    }
    if (oldest) {
      lg_stock_act_req_t a = {.object_type = "approval",
                              .object_id = oldest,
                              .act = "revoke",
                              .on = today,
                              .note = "赣府土批撤〔2026〕3号: 近期确实无法使用, 报省政府撤销批文"};
      rc = lg_stock_act(s, &admin, &a, NULL, err);
    }
  }
  if (rc == 0 && (rc = lg_stock_ledger(s, "idle", &q, &idle, err)) == 0) {
    int64_t id = nth_id(idle, "supply_id", 0);
    if (id)
      rc = lg_stock_plan_set(s, &admin, "idle", id, "企业资金链断裂", "依法征缴闲置费后督促开工",
                             "示范县自然资源局执法监察大队", deadline, err);
  }
  /* A site visit with a photo, on a parcel being built. */
  if (rc == 0) {
    json_t *unused = NULL;
    lg_stock_query_t q2 = {.scope = "all", .status = "struck"};
    if ((rc = lg_stock_ledger(s, "unused", &q2, &unused, err)) == 0) {
      int64_t id = nth_id(unused, "supply_id", 0);
      char photo[] = "/tmp/landgov-demo-photo-XXXXXX.png";
      int fd = id ? mkstemps(photo, 4) : -1;
      if (fd >= 0) {
        ssize_t w = write(fd, png1, sizeof png1);
        close(fd);
        const char *photos[] = {photo, NULL};
        const char *names[] = {"现场照片-东侧.png", NULL};
        lg_stock_visit_t v = {.visited_on = today,
                              .developed_m2 = -1,
                              .invested_wan = -1,
                              .total_investment_wan = -1,
                              .officer = "执法监察大队 王工",
                              .note = "主体结构施工中",
                              .photos = w == (ssize_t)sizeof png1 ? photos : NULL,
                              .photo_names = names};
        rc = lg_stock_visit_add(s, &admin, id, &v, NULL, err);
        unlink(photo);
      }
      json_decref(unused);
    }
  }
  if (rc == 0) rc = lg_stock_refresh(s, 0, err);
done:
  json_decref(unsup);
  json_decref(idle);
  json_decref(cases);
  json_decref(sum);
  if (rc) lg_err_prefix(err, "演示存量土地: ");
  return rc;
}
