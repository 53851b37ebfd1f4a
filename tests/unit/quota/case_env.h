/*
 * A store with land where approval cases convert agricultural land, for
 * the tests of the case watcher (test_cases.c, test_conservation.c).
 * Counted by hand, in EPSG:4526 around (X0, Y0):
 *
 *   counties  360781 (0,0)-(2000,1100), 360782 (0,1100)-(2000,2200)
 *   land use  (0,0)-(500,500) paddy 0101; (500,0)-(1000,500) and
 *             (0,500)-(1000,2200) dry land 0103; (1000,0)-(2000,2200)
 *             industrial 0601; all state-owned (QSXZ 20), so no case
 *             needs expropriation and its notices
 *   udb       (0,0)-(1000,1000)
 *
 * A box (x0,y0)-(x1,y1) inside the west half converts its whole area of
 * agricultural land: new construction = cultivated = its area, paddy =
 * its part west of 500 and south of 500. The process goes: window,
 * county review, joint review (natural resources only), city approval.
 */
#ifndef QUOTA_CASE_ENV_H
#define QUOTA_CASE_ENV_H

#include "cases/cases.h"
#include "formats/formats.h"
#include "quota/quota_int.h"
#include "quota_fixture.h"

#define X0 38500000.0
#define Y0 3400000.0

static inline char *ring_of(double x0, double y0, double x1, double y1) {
  return lg_sprintf("[[[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f],[%.1f,%.1f]]]", X0 + x0,
                    Y0 + y0, X0 + x1, Y0 + y0, X0 + x1, Y0 + y1, X0 + x0, Y0 + y1, X0 + x0,
                    Y0 + y0);
}

static inline char *feat(const char *props, double x0, double y0, double x1, double y1) {
  char *r = ring_of(x0, y0, x1, y1);
  char *f = lg_sprintf("{\"type\":\"Feature\",\"properties\":%s,\"geometry\":{\"type\":"
                       "\"Polygon\",\"coordinates\":%s}}",
                       props, r);
  lg_free(r);
  return f;
}

static inline void import_fc(qenv_t *e, const char *name, const char *role, const char *features) {
  char file[400];
  snprintf(file, sizeof file, "%s/%s.geojson", e->dir, name);
  char *doc =
      lg_sprintf("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                 "{\"name\":\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":[%s]}",
                 features);
  FILE *f = fopen(file, "w");
  if (!f) fail_msg("cannot write %s", file);
  fputs(doc, f);
  fclose(f);
  lg_free(doc);
  lg_formats_import_opts_t o = {.layer = name, .role = role};
  lg_formats_import_result_t res;
  lg_err_t err = {0};
  if (lg_formats_import(e->s, file, &o, &res, &err) != 0) fail_msg("import %s: %s", name, err.msg);
}

static inline int case_env_setup(void **state) {
  if (qenv_setup(state)) return -1;
  qenv_t *e = *state;
  int64_t t0 = 0;
  lg_time_parse_iso("2026-03-02T01:00:00Z", &t0, NULL);
  lg_clock_set(t0);
  char *a = feat("{\"XZQDM\":\"360781\",\"XZQMC\":\"甲县\"}", 0, 0, 2000, 1100);
  char *b = feat("{\"XZQDM\":\"360782\",\"XZQMC\":\"乙县\"}", 0, 1100, 2000, 2200);
  char *all = lg_sprintf("%s,%s", a, b);
  import_fc(e, "county", "other", all);
  lg_free(a), lg_free(b), lg_free(all);
  char *p1 = feat("{\"DLBM\":\"0101\",\"DLMC\":\"水田\",\"QSXZ\":\"20\"}", 0, 0, 500, 500);
  char *p2 = feat("{\"DLBM\":\"0103\",\"DLMC\":\"旱地\",\"QSXZ\":\"20\"}", 500, 0, 1000, 500);
  char *p3 = feat("{\"DLBM\":\"0103\",\"DLMC\":\"旱地\",\"QSXZ\":\"20\"}", 0, 500, 1000, 2200);
  char *p4 = feat("{\"DLBM\":\"0601\",\"DLMC\":\"工业用地\",\"QSXZ\":\"20\"}", 1000, 0, 2000, 2200);
  all = lg_sprintf("%s,%s,%s,%s", p1, p2, p3, p4);
  import_fc(e, "dltb", "landuse", all);
  lg_free(p1), lg_free(p2), lg_free(p3), lg_free(p4), lg_free(all);
  a = feat("{\"MC\":\"中心城区\"}", 0, 0, 1000, 1000);
  import_fc(e, "czkfbj", "udb", a);
  lg_free(a);
  lg_cases_register_handlers();
  lg_quota_init();
  return 0;
}

static inline lg_subject_t person(const char *login, const char *role, const char *qual,
                                  const char *division) {
  lg_subject_t w;
  memset(&w, 0, sizeof w);
  w.user_id = 1;
  snprintf(w.login, sizeof w.login, "%s", login);
  snprintf(w.role, sizeof w.role, "%s", role);
  snprintf(w.division, sizeof w.division, "%s", division);
  if (!strcmp(role, "reviewer")) snprintf(w.dept, sizeof w.dept, "%s", qual);
  if (!strcmp(role, "approver")) snprintf(w.level, sizeof w.level, "%s", qual);
  return w;
}

#define CLERK person("clerk", "clerk", NULL, "360781")
#define COUNTY person("county", "approver", "county", "360781")
#define NR person("nr", "reviewer", "natural_resources", "360781")
#define CITY person("city", "approver", "city", "3607")

static inline int64_t file_case(qenv_t *e, double x0, double y0, double x1, double y1, double inv) {
  char *ring = ring_of(x0, y0, x1, y1);
  char *gj = lg_sprintf("{\"type\":\"Polygon\",\"crs\":{\"type\":\"name\",\"properties\":"
                        "{\"name\":\"EPSG:4526\"}},\"coordinates\":%s}",
                        ring);
  lg_free(ring);
  json_t *depts = json_pack("[s]", "natural_resources");
  lg_case_new_t c = {.title = "新能源装备制造项目",
                     .project_type = "industrial",
                     .use_code = "1001",
                     .enterprise = "91360781MA35A0001X",
                     .rating = "B",
                     .investment = inv,
                     .boundary_data = gj,
                     .boundary_len = strlen(gj),
                     .departments = depts};
  lg_subject_t clerk = CLERK;
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_cases_create(e->s, &clerk, &c, &id, &err) != 0) fail_msg("create: %s", err.msg);
  lg_free(gj);
  json_decref(depts);
  return id;
}

static inline char *case_status(qenv_t *e, int64_t id, char out[32]) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_cases_get(e->s, id, &o, &err) != 0) fail_msg("get: %s", err.msg);
  snprintf(out, 32, "%s", json_string_value(json_object_get(o, "status")));
  json_decref(o);
  return out;
}

static inline int64_t open_task(qenv_t *e, int64_t id, const char *node) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_cases_get(e->s, id, &o, &err) != 0) fail_msg("get: %s", err.msg);
  int64_t t = 0;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(o, "tasks"), i, x) {
    if (!strcmp(json_string_value(json_object_get(x, "node")), node))
      t = json_integer_value(json_object_get(x, "id"));
  }
  json_decref(o);
  if (!t) fail_msg("case %lld has no open task at %s", (long long)id, node);
  return t;
}

static inline int act_as(qenv_t *e, lg_subject_t w, int64_t id, const char *node,
                         const char *action, const char *reason, lg_err_t *err) {
  return lg_cases_act(e->s, &w, open_task(e, id, node), action, reason, NULL, err);
}

static inline void act_ok(qenv_t *e, lg_subject_t w, int64_t id, const char *node,
                          const char *action, const char *reason) {
  lg_err_t err = {0};
  if (act_as(e, w, id, node, action, reason, &err) != 0)
    fail_msg("%s %s on case %lld: %s", node, action, (long long)id, err.msg);
}

/* Window, county review and joint review: the case waits for the city. */
static inline void to_city(qenv_t *e, int64_t id) {
  act_ok(e, CLERK, id, "Task_Accept", "accept", NULL);
  act_ok(e, COUNTY, id, "Task_County", "approve", NULL);
  act_ok(e, NR, id, "Task_Joint", "approve", NULL);
  open_task(e, id, "Task_City");
}

#endif
