/*
 * The demo store's quota bank (`landgov demo`). Before the demo cases are
 * filed (lg_demo_quota_setup), the year's quota comes down the
 * levels: new-construction plan quota issued to the province and given
 * to the city and its counties, cultivated-balance quota produced by an
 * accepted comprehensive land consolidation project in the demo county,
 * increase-decrease linkage surplus produced by reclamation in the
 * neighbouring county; so the cases reserve and consume as they move.
 * After them (lg_demo_quota): the market (a cross-province sale of
 * linkage surplus, a bid accepted, an agreement, a listing still open
 * with a bid waiting, one withdrawn), the ecological fund's receipts and
 * one spending on a restoration project, an enclave park (its boundary a
 * layer beside the town, its signed agreement a document, two years
 * settled), and the stock figures of both counties for the allocation
 * proposal. Amounts are round but plausible for a county: 1 mu = 666.67
 * m2; prices in the range reported for Jiangxi (tens of yuan per m2 of
 * cultivated balance, hundreds for linkage surplus).
 */
#include "quota/quota.h"
#include "auth/auth.h"
#include "cases/cases.h"
#include "demo/demo.h"
#include "formats/formats.h"
#include "onemap/onemap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct qdemo {
  lg_store_t *s;
  char county[8], neighbour[8], city[8], province[4];
  int year;
} qdemo_t;

static int who(qdemo_t *d, const char *login, lg_subject_t *out, lg_err_t *err) {
  lg_user_t u;
  int rc = lg_auth_user_get(d->s, login, &u, err);
  if (rc == 0) lg_auth_subject_from_user(&u, out);
  return rc;
}

static void places(qdemo_t *d, const lg_onemap_gen_result_t *r) {
  snprintf(d->county, sizeof d->county, "%s", r->county_code);
  long long next = atoll(r->county_code) + 1;
  snprintf(d->neighbour, sizeof d->neighbour, "%lld", next);
  snprintf(d->city, sizeof d->city, "%.4s", r->county_code);
  snprintf(d->province, sizeof d->province, "%.2s", r->county_code);
  int y, m, dd;
  lg_date_to_ymd(lg_date_of(lg_now(), LG_TZ_CHINA), &y, &m, &dd);
  d->year = y;
}

static int op(qdemo_t *d, const char *login,
              int (*fn)(lg_store_t *, const lg_subject_t *, const lg_quota_op_t *, int64_t *,
                        lg_err_t *),
              const lg_quota_op_t *o, lg_err_t *err) {
  lg_subject_t w;
  int rc = who(d, login, &w, err);
  if (rc == 0) rc = fn(d->s, &w, o, NULL, err);
  if (rc) lg_err_prefix(err, "演示指标 (%s %s): ", o->kind, o->document ? o->document : "");
  return rc;
}

/* ---- Two cases on farmland, so that approvals consume ----------------------------- */

/* Whether any feature of a layer (by role) meets the box. */
static bool layer_meets(lg_store_t *s, const char *role, const lg_env_t *box) {
  lg_layer_info_t li;
  if (lg_store_layer_by_role(s, role, &li, NULL) != 0) return false;
  lg_geo_t *g = lg_geo_thread();
  lg_geom_t *b = lg_geom_box(g, box);
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.bbox = box, .columns = none};
  lg_store_reader_t *rd = NULL;
  bool meets = false;
  if (b && lg_store_reader_new(s, li.name, &o, &rd, NULL) == 0) {
    while (!meets && lg_store_reader_next(rd, NULL) == 1) {
      size_t n = 0;
      const void *blob = lg_store_reader_blob(rd, &n);
      lg_geom_t *f = blob ? lg_geom_from_gpkg(g, blob, n, NULL) : NULL;
      meets = f && lg_geom_intersects(g, f, b);
      lg_geom_free(g, f);
    }
    lg_store_reader_free(rd);
  }
  lg_geom_free(g, b);
  lg_store_layer_info_fini(&li);
  return meets;
}

/* Up to n boxes of w x h m on cultivated land (class 01xx) a few hundred
 * metres from the town, clear of basic farmland and the red line (whose
 * cases would go to the State Council), apart from each other. */
static int farmland_boxes(lg_store_t *s, const lg_onemap_gen_result_t *r, double w, double h,
                          lg_env_t *out, int n, int *got, lg_err_t *err) {
  lg_layer_info_t li;
  int rc = lg_store_layer_by_role(s, "landuse", &li, err);
  if (rc) return rc;
  lg_env_t around = {r->town_x - 3000, r->town_y - 3000, r->town_x + 3000, r->town_y + 3000};
  const char *cols[] = {li.class_field[0] ? li.class_field : "DLBM", NULL};
  lg_read_opts_t o = {.bbox = &around, .columns = cols};
  lg_store_reader_t *rd = NULL;
  int found = 0;
  if ((rc = lg_store_reader_new(s, li.name, &o, &rd, err)) == 0) {
    while (found < n && lg_store_reader_next(rd, NULL) == 1) {
      const char *code = lg_store_reader_text(rd, 0);
      size_t nb = 0;
      const void *blob = lg_store_reader_blob(rd, &nb);
      int32_t srs;
      lg_env_t env;
      bool empty;
      const unsigned char *wkb;
      size_t wl;
      if (!code || strncmp(code, "01", 2) || !blob ||
          lg_gpkg_blob_parse(blob, nb, &srs, &env, &empty, &wkb, &wl) != 0 || empty)
        continue;
      double cx = (env.minx + env.maxx) / 2, cy = (env.miny + env.maxy) / 2;
      double dx = cx - r->town_x, dy = cy - r->town_y;
      if (env.maxx - env.minx < w * 1.6 || env.maxy - env.miny < h * 1.6 ||
          dx * dx + dy * dy < 700.0 * 700.0)
        continue;
      lg_env_t b = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
      bool apart = true;
      for (int k = 0; k < found && apart; k++)
        apart = fabs(out[k].minx - b.minx) > 400 || fabs(out[k].miny - b.miny) > 400;
      if (!apart || layer_meets(s, "pbf", &b) || layer_meets(s, "eprl", &b)) continue;
      out[found++] = b;
    }
    lg_store_reader_free(rd);
  }
  lg_store_layer_info_fini(&li);
  *got = found;
  return rc;
}

static int file_on(qdemo_t *d, const lg_onemap_gen_result_t *r, const lg_env_t *b,
                   const char *title, double investment, int64_t *id, lg_err_t *err) {
  lg_subject_t clerk;
  int rc = who(d, "clerk", &clerk, err);
  if (rc) return rc;
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:%d\"}},\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],"
                        "[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}",
                        r->srid, b->minx, b->miny, b->maxx, b->miny, b->maxx, b->maxy, b->minx,
                        b->maxy, b->minx, b->miny);
  json_t *depts = json_pack("[s,s]", "natural_resources", "ecology");
  lg_case_new_t c = {.title = title,
                     .project_type = "industrial",
                     .use_code = "1001",
                     .enterprise = "DEMO-ENTERPRISE-1",
                     .applicant = "演示企业",
                     .rating = "B",
                     .investment = investment,
                     .boundary_data = gj,
                     .boundary_len = strlen(gj),
                     .boundary_name = title,
                     .departments = depts};
  rc = lg_cases_create(d->s, &clerk, &c, id, err);
  lg_free(gj);
  json_decref(depts);
  return rc;
}

/* Acts on the case's first open task as the demo account for its node
 * (as src/demo/cases.c does), or, when it waits for a statutory period,
 * moves the clock to its end and fires it. *more false once the case
 * left the process, or once it reached stop_at (a node name, "approval"
 * for the first approval level's task, or NULL). */
static int step_case(qdemo_t *d, int64_t id, const char *stop_at, bool *more, lg_err_t *err) {
  json_t *o = NULL;
  int rc = lg_cases_get(d->s, id, &o, err);
  if (rc) return rc;
  const char *st = json_string_value(json_object_get(o, "status"));
  json_t *tasks = json_object_get(o, "tasks");
  *more = !strcmp(st, "submitted") || !strcmp(st, "in_review") || !strcmp(st, "notice");
  if (!*more) goto out;
  if (json_array_size(tasks) == 0) {
    const char *due = NULL;
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(json_object_get(o, "process"), "waits"), i, w) {
      const char *dw = json_string_value(json_object_get(w, "due_at"));
      if (dw && (!due || strcmp(dw, due) < 0)) due = dw;
    }
    int64_t t = 0;
    if (!due || lg_time_parse_iso(due, &t, err) != 0) {
      rc = lg_err_set(err, LG_EINTERNAL, "演示案件 %lld 停在 %s", (long long)id, st);
      goto out;
    }
    lg_clock_set(t);
    rc = lg_cases_tick(d->s, t, NULL, err);
    lg_clock_set(t + 3600);
    goto out;
  }
  json_t *t0 = json_array_get(tasks, 0);
  const char *node = json_string_value(json_object_get(t0, "node"));
  const char *el = json_string_value(json_object_get(t0, "element"));
  bool approval = !strcmp(node, "Task_City") || !strcmp(node, "Task_Province") ||
                  !strcmp(node, "Task_Ministry") || !strcmp(node, "Task_StateCouncil");
  if (stop_at && (!strcmp(node, stop_at) || (approval && !strcmp(stop_at, "approval")))) {
    *more = false;
    goto out;
  }
  const char *login = !strcmp(node, "Task_Accept") ? "clerk"
                      : !strcmp(node, "Task_Joint")
                          ? (el && !strcmp(el, "ecology") ? "reviewer.eco" : "reviewer")
                      : !strcmp(node, "Task_City") ? "approver.city"
                      : !strncmp(node, "Task_Prov", 9) || !strcmp(node, "Task_Ministry") ||
                              !strcmp(node, "Task_StateCouncil")
                          ? "approver.prov"
                          : "approver";
  const char *action = !strcmp(node, "Task_Accept") ? "accept"
                       : !strcmp(node, "Task_Objections") || !strcmp(node, "Task_Hearing")
                           ? "done"
                           : "approve";
  json_t *vars = !strcmp(node, "Task_Objections")
                     ? json_pack("{s:i, s:i}", "objections", 2, "members", 64)
                     : NULL;
  lg_subject_t w;
  if ((rc = who(d, login, &w, err)) == 0) {
    lg_clock_set(lg_now() + 3 * 3600);
    rc = lg_cases_act(d->s, &w, json_integer_value(json_object_get(t0, "id")), action, NULL, vars,
                      err);
  }
  json_decref(vars);
out:
  json_decref(o);
  return rc;
}

static int drive(qdemo_t *d, int64_t id, const char *stop_at, lg_err_t *err) {
  bool more = true;
  int rc = 0;
  for (int guard = 0; rc == 0 && more && guard < 40; guard++)
    rc = step_case(d, id, stop_at, &more, err);
  return rc;
}

/* What a case needs of a kind, as the bank recorded it. */
static int64_t need_of(qdemo_t *d, int64_t id, const char *kind) {
  json_t *q = NULL;
  int64_t n = 0;
  if (lg_quota_case(d->s, id, &q, NULL) == 0) {
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(q, "lines"), i, l) {
      if (!strcmp(json_string_value(json_object_get(l, "kind")), kind))
        n = json_integer_value(json_object_get(l, "needed"));
    }
  }
  json_decref(q);
  return n;
}

/* The park: a layer of one polygon, imported as any layer is; around a
 * box (the project it hosts) or, when there is none, east of the town. */
static int park_layer(qdemo_t *d, const lg_onemap_gen_result_t *r, const lg_env_t *around,
                      lg_err_t *err) {
  char path[] = "/tmp/landgov-demo-park-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return lg_err_set(err, LG_EIO, "无法创建临时文件");
  double x0 = r->town_x + 420, y0 = r->town_y - 150, x1 = x0 + 600, y1 = y0 + 400;
  if (around)
    x0 = around->minx - 250, y0 = around->miny - 150, x1 = around->maxx + 350,
    y1 = around->maxy + 250;
  char *doc = lg_sprintf(
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
      "\"urn:ogc:def:crs:EPSG::%d\"}},\"features\":[{\"type\":\"Feature\",\"properties\":"
      "{\"MC\":\"两县共建产业合作园\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}]}",
      r->srid, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
  ssize_t w = write(fd, doc, strlen(doc));
  close(fd);
  lg_free(doc);
  int rc = w < 0 ? lg_err_set(err, LG_EIO, "无法写入临时文件") : 0;
  char gj[64];
  snprintf(gj, sizeof gj, "%s.geojson", path);
  if (rc == 0 && rename(path, gj) != 0) rc = lg_err_set(err, LG_EIO, "无法改名临时文件");
  lg_formats_import_opts_t o = {.layer = "enclave_park", .title = "飞地园区范围", .role = "other"};
  lg_formats_import_result_t res;
  if (rc == 0) rc = lg_formats_import(d->s, gj, &o, &res, err);
  unlink(gj);
  unlink(path);
  return rc;
}

/* The shortest PDF that is one: the signed agreement's stand-in. */
static const char agreement_pdf[] =
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    "0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n";

/* The enclave park: the neighbouring county (the source, 飞出地) brings
 * the investment and, by the agreement, the quota its park's approvals
 * consume; the county (the host) the land; 5:5 for three years, then
 * 3:7 (seed 000 §2.3.3). Recorded two years back. */
static int enclave(qdemo_t *d, const lg_onemap_gen_result_t *r, const lg_env_t *around,
                   lg_err_t *err) {
  lg_subject_t prov;
  int rc = who(d, "approver.prov", &prov, err);
  if (rc == 0) rc = park_layer(d, r, around, err);
  json_t *costs = json_pack("{s:s, s:s, s:s, s:s}", "基础设施建设", "source", "征地拆迁补偿",
                            "host", "招商引资", "shared", "园区运营管理", "source");
  char ano[64];
  snprintf(ano, sizeof ano, "飞地共建〔%d〕1号", d->year - 2);
  lg_quota_enclave_new_t en = {.name = "两县共建产业合作园",
                               .source = d->neighbour,
                               .host = d->county,
                               .park_layer = "enclave_park",
                               .quota_from = "source",
                               .costs = costs,
                               .start_year = d->year - 2,
                               .agreement_no = ano,
                               .agreement_data = agreement_pdf,
                               .agreement_len = sizeof agreement_pdf - 1,
                               .agreement_name = "两县共建产业合作园协议.pdf"};
  if (rc == 0) rc = lg_quota_enclave_add(d->s, &prov, &en, NULL, err);
  json_decref(costs);
  return rc;
}

int lg_demo_quota_setup(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  qdemo_t d = {.s = s};
  int rc = 0;
  places(&d, r);
  lg_cases_register_handlers();
  lg_quota_init();
  /* Last year: its plan, a consolidation project's quota, and a project
   * on farmland outside the town filed on Sep 1, approved through the
   * statutory notices once the city gave the county what it needed, its
   * quota consumed. (It is last year's so that its province-level
   * approval number does not meet this year's city-level one: both
   * would be "赣自然资用地〔year〕1号", see the report.) This year: the
   * plan, 150 days back, a first small batch to the county, and a
   * project filed 100 days back that waits at the city short of new
   * construction quota, the shortfall named. src/demo/cases.c's history
   * starts 80 days back. */
  int64_t real = lg_now();
  int prev = d.year - 1;
  lg_clock_set(lg_date_start(lg_date_from_ymd(prev, 8, 20), LG_TZ_CHINA) + 10 * 3600);
  char doc[6][64];
  snprintf(doc[0], 64, "自然资发〔%d〕18号", prev);
  snprintf(doc[1], 64, "赣自然资发〔%d〕7号", prev);
  snprintf(doc[3], 64, "赣自然资验〔%d〕21号", prev);
  const lg_quota_op_t last[] = {
      /* 120 ha to the province's share shown here, 90 to the city; the
       * county's comes with its project, below. */
      {.kind = "new_construction",
       .amount = 1200000,
       .to = d.province,
       .year = prev,
       .document = doc[0],
       .note = "年度土地利用计划 (新增建设用地)"},
      {.kind = "new_construction",
       .amount = 900000,
       .from = d.province,
       .to = d.city,
       .year = prev,
       .document = doc[1]},
  };
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(last); i++)
    rc = op(&d, "approver.prov", lg_quota_allocate, &last[i], err);
  /* An accepted consolidation project in the county: 1,500 mu of new
   * cultivated land (of it 400 mu paddy), its grain capacity at 500 kg a
   * mu; reclamation of rural construction land in the neighbour: 180 mu
   * of linkage surplus. */
  const lg_quota_op_t made[] = {
      {.kind = "cultivated_area",
       .amount = 1000000,
       .to = d.county,
       .year = prev,
       .document = doc[3],
       .project = "QYZZ-2025-03 全域土地综合整治试点项目",
       .note = "新增耕地 1,500 亩"},
      {.kind = "cultivated_paddy",
       .amount = 266667,
       .to = d.county,
       .year = prev,
       .document = doc[3],
       .project = "QYZZ-2025-03 全域土地综合整治试点项目",
       .note = "新增水田 400 亩"},
      {.kind = "cultivated_grain",
       .amount = 750000,
       .to = d.county,
       .year = prev,
       .document = doc[3],
       .project = "QYZZ-2025-03 全域土地综合整治试点项目",
       .note = "新增粮食产能 (每亩 500 千克)"},
      {.kind = "linkage_surplus",
       .amount = 120000,
       .to = d.neighbour,
       .year = prev,
       .document = doc[3],
       .project = "ZJGG-2025-01 城乡建设用地增减挂钩项目",
       .note = "拆旧复垦 180 亩"},
  };
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(made); i++)
    rc = op(&d, "approver.prov", lg_quota_produce, &made[i], err);
  lg_env_t boxes[2];
  int64_t a = 0, b = 0;
  /* A small synthetic county may have no such land: then no such case. */
  int nboxes = 0;
  if (rc == 0) rc = farmland_boxes(d.s, r, 120, 100, boxes, 2, &nboxes, err);
  lg_clock_set(lg_date_start(lg_date_from_ymd(prev, 9, 1), LG_TZ_CHINA) + 9 * 3600);
  if (rc == 0 && nboxes > 0)
    rc = file_on(&d, r, &boxes[0], "高端装备制造产业园一期", 260000000, &a, err);
  if (rc == 0 && a) rc = drive(&d, a, "Task_County", err);
  snprintf(doc[4], 64, "虔自然资发〔%d〕26号", prev);
  lg_quota_op_t more = {.kind = "new_construction",
                        .from = d.city,
                        .to = d.county,
                        .year = prev,
                        .document = doc[4],
                        .note = "按重大项目用地需求追加下达"};
  more.amount = rc == 0 && a ? need_of(&d, a, "new_construction") : 0;
  if (rc == 0 && more.amount > 0) rc = op(&d, "approver.city", lg_quota_allocate, &more, err);
  if (rc == 0 && a) rc = drive(&d, a, NULL, err);
  /* This year. */
  lg_clock_set(lg_date_start(lg_date_of(real, LG_TZ_CHINA) - 150, LG_TZ_CHINA) + 10 * 3600);
  snprintf(doc[0], 64, "自然资发〔%d〕9号", d.year);
  snprintf(doc[1], 64, "赣自然资发〔%d〕4号", d.year);
  snprintf(doc[2], 64, "虔自然资发〔%d〕6号", d.year);
  const lg_quota_op_t now_ops[] = {
      {.kind = "new_construction",
       .amount = 1500000,
       .to = d.province,
       .document = doc[0],
       .note = "年度土地利用计划 (新增建设用地)"},
      {.kind = "new_construction",
       .amount = 1000000,
       .from = d.province,
       .to = d.city,
       .document = doc[1]},
      {.kind = "new_construction",
       .amount = 450000,
       .from = d.city,
       .to = d.county,
       .document = doc[2]},
      {.kind = "new_construction",
       .amount = 5000,
       .from = d.city,
       .to = d.neighbour,
       .document = doc[2],
       .note = "首批下达"},
  };
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(now_ops); i++)
    rc = op(&d, i < 2 ? "approver.prov" : "approver.city", lg_quota_allocate, &now_ops[i], err);
  lg_clock_set(lg_date_start(lg_date_of(real, LG_TZ_CHINA) - 100, LG_TZ_CHINA) + 9 * 3600);
  /* The enclave park around the second project, whose approval, by the
   * agreement, consumes the neighbour's quota: this year's first batch
   * gave it 5,000 m2, short of the project's need. */
  if (rc == 0) rc = enclave(&d, r, nboxes > 1 ? &boxes[1] : NULL, err);
  if (rc == 0 && nboxes > 1) rc = file_on(&d, r, &boxes[1], "锂电新材料项目", 180000000, &b, err);
  if (rc == 0 && b) rc = drive(&d, b, "approval", err);
  if (rc) lg_err_prefix(err, "演示指标银行: ");
  lg_clock_set(0);
  return rc;
}

int lg_demo_quota(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  qdemo_t d = {.s = s};
  int rc = 0;
  places(&d, r);
  lg_subject_t county, prov, city;
  if ((rc = who(&d, "approver", &county, err)) || (rc = who(&d, "approver.prov", &prov, err)) ||
      (rc = who(&d, "approver.city", &city, err)))
    goto done;
  /* The market. The neighbour sells linkage surplus across provinces
   * (Shenzhen, 440300) at 450 yuan/m2 (300,000 yuan a mu); the county
   * sells cultivated balance to the neighbour at 60 yuan/m2. */
  int64_t l1 = 0, l2 = 0, l3 = 0, l4 = 0, b = 0;
  lg_quota_listing_new_t ls[] = {
      {.seller = d.neighbour,
       .kind = "linkage_surplus",
       .amount = 60000,
       .reserve_price_fen = 42000,
       .note = "增减挂钩节余指标跨省域调剂"},
      {.seller = d.county,
       .kind = "cultivated_area",
       .amount = 40000,
       .reserve_price_fen = 5500,
       .note = "耕地占补平衡指标 (数量) 公开挂牌"},
      {.seller = d.county,
       .kind = "cultivated_paddy",
       .amount = 20000,
       .reserve_price_fen = 9000,
       .note = "水田指标, 价格待议"},
      {.seller = d.county,
       .kind = "cultivated_grain",
       .amount = 50000,
       .reserve_price_fen = 60,
       .note = "粮食产能指标"},
  };
  int64_t *ids[] = {&l1, &l2, &l3, &l4};
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(ls); i++)
    rc = lg_quota_list(d.s, &prov, &ls[i], ids[i], err);
  /* A buyer outside the store's province: its bid comes through the
   * trading platform, recorded here by the console. */
  if (rc == 0)
    rc = lg_quota_bid(d.s, NULL, l1, "440300", 40000, 45000, "深圳市跨省域补充调剂 (交易平台录入)",
                      &b, err);
  lg_quota_settle_t t1 = {.listing_id = l1, .bid_id = b};
  if (rc == 0) rc = lg_quota_settle(d.s, &prov, &t1, NULL, err);
  char agreement[64];
  snprintf(agreement, sizeof agreement, "赣指标交易〔%d〕3号", d.year);
  lg_quota_settle_t t2 = {.listing_id = l2,
                          .buyer = d.neighbour,
                          .amount = 25000,
                          .unit_price_fen = 6000,
                          .agreement = agreement};
  if (rc == 0) rc = lg_quota_settle(d.s, &prov, &t2, NULL, err);
  if (rc == 0) rc = lg_quota_bid(d.s, &prov, l2, d.city, 10000, 5800, "市级统筹储备", NULL, err);
  if (rc == 0) rc = lg_quota_withdraw(d.s, &prov, l4, err);
  /* The neighbour's fund pays for restoring an abandoned mine. */
  if (rc == 0)
    rc = lg_quota_fund_spend(d.s, &prov, d.neighbour, 50000000, "XF-2026-02 废弃稀土矿山生态修复",
                             "一期工程进度款", NULL, err);
  /* The enclave park's years (the agreement was recorded before the
   * cases, lg_demo_quota_setup). */
  int64_t eid = 0;
  json_t *encl = NULL;
  if (rc == 0 && (rc = lg_quota_enclaves(d.s, NULL, &encl, err)) == 0)
    eid = json_integer_value(json_object_get(json_array_get(encl, 0), "id"));
  json_decref(encl);
  /* Tax revenue and GDP of the park's enterprises, in fen (18.65, 26.34
   * and 31.01 million yuan of tax). */
  static const int64_t tax[] = {1865000000, 2634215003, 3101187505};
  static const int64_t gdp[] = {41200000000, 59875000000, 70530000000};
  for (int k = 0; rc == 0 && k < 3; k++) {
    rc = lg_quota_enclave_record(d.s, &prov, eid, d.year - 2 + k, tax[k], gdp[k], 14 + 5 * k, err);
    if (rc == 0 && k < 2) rc = lg_quota_enclave_settle(d.s, &prov, eid, d.year - 2 + k, NULL, err);
  }
  /* Stock disposed this year, for next year's proposal (增存挂钩). */
  lg_quota_stock_figures_t f1 = {
      .year = d.year, .unsupplied_digested_m2 = 186667, .idle_disposed_m2 = 53334};
  snprintf(f1.division, sizeof f1.division, "%s", d.county);
  lg_quota_stock_figures_t f2 = {
      .year = d.year, .unsupplied_digested_m2 = 93334, .idle_disposed_m2 = 20000};
  snprintf(f2.division, sizeof f2.division, "%s", d.neighbour);
  if (rc == 0)
    rc = lg_quota_stock_record(d.s, &prov, &f1,
                               "批而未供土地消化台账 (280 亩), 闲置土地处置 (80 亩)", err);
  if (rc == 0)
    rc = lg_quota_stock_record(d.s, &prov, &f2,
                               "批而未供土地消化台账 (140 亩), 闲置土地处置 (30 亩)", err);
  if (rc) {
    lg_err_prefix(err, "演示指标银行: ");
    goto done;
  }
done:
  return rc;
}
