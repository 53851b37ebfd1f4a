/*
 * monitor: a batch of change patches from a GeoJSON file, detected
 * against an approval, basic farmland and the red line built here, and
 * the alerts moved through enforcement. Every area is counted by hand
 * from rectangles; offsets in metres from (X0, Y0) in EPSG:4526:
 *
 *   approval  [0,100] x [0,100]       pbf  [200,300] x [0,100]
 *   eprl      [400,500] x [0,100]      revoked  [400,500] x [0,100], an
 *             approval whose status is revoked (it covers nothing)
 *
 *   P1 0103->0601 [50,150] x [0,100]  10,000: approved 50x100 = 5,000,
 *      unapproved 5,000, no control line: unapproved_construction
 *   P2 0101->0701 [10,90] x [10,90]    6,400: all approved: approved
 *   P3 0102->0601 [250,350] x [0,50]   5,000: unapproved 5,000, of it
 *      in pbf [250,300] x [0,50] = 2,500: pbf_non_farm
 *   P4 0301->1003 [450,470] x [20,40]    400: in eprl 400: construction_in_eprl
 *   P5 0101->0301 [600,700] x [0,100]: not construction: no_new_construction
 *   P6 0601->0701 [0,100] x [200,300]: construction before: no_new_construction
 *   P7 0103->05H1 [80,220] x [0,10]    1,400: approved [80,100] = 200,
 *      unapproved 1,200, of it in pbf [200,220] x [0,10] = 200 (the
 *      approved part is never counted against the farmland): pbf_non_farm
 *   P8 0103->0601 [20,100.005] x [20,100]  6,400.4: approved 6,400, the
 *      0.4 m2 outside under min_area_m2.alert_m2 (1): approved, no alert
 *   P9 0103->0601 [900,900.5] x [0,1]      0.5, on nothing: below_minimum
 *
 * Four alerts (P1, P3, P4, P7). Detected on Monday 2026-11-02, the
 * deadline is the 20th working day after it (the first day not counted,
 * Civil Code art. 201; no holiday in November 2026): Tue 3 to Fri 6 (4),
 * the weeks of the 9th, 16th and 23rd (19), Mon 30 (20): 2026-11-30.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/formats.h"
#include "ledger/ledger.h"
#include "lg_test.h"
#include "monitor/monitor.h"
#include "store/store.h"

#define X0 38500000.0
#define Y0 3400000.0

typedef struct env {
  char dir[256], path[300];
  lg_store_t *s;
} env_t;

static env_t E;

static void rect_wkt(char *out, size_t n, double x1, double y1, double x2, double y2) {
  snprintf(out, n, "MULTIPOLYGON (((%.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f, %.1f %.1f)))",
           X0 + x1, Y0 + y1, X0 + x2, Y0 + y1, X0 + x2, Y0 + y2, X0 + x1, Y0 + y2, X0 + x1,
           Y0 + y1);
}

static void control_layer(const char *name, const char *role, double x1, double x2) {
  lg_err_t err = {0};
  lg_field_t f[] = {{"status", LG_FIELD_TEXT}};
  lg_layer_def_t def = {.name = name,
                        .title = name,
                        .role = role,
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = 4526,
                        .fields = f,
                        .nfields = 1};
  assert_int_equal(lg_store_begin(E.s, &err), 0);
  if (lg_store_layer_create(E.s, &def, false, &err) != 0) fail_msg("%s", err.msg);
  lg_store_writer_t *w;
  assert_int_equal(lg_store_writer_new(E.s, name, &w, &err), 0);
  lg_geo_t *g = lg_geo_thread();
  char wkt[512];
  rect_wkt(wkt, sizeof wkt, x1, 0, x2, 100);
  lg_geom_t *geom = lg_geom_from_wkt(g, wkt, &err);
  /* The layer "revoked" holds an approval the stock module marks revoked. */
  lg_store_writer_text(w, 0, strcmp(name, "revoked") ? "approved" : "revoked");
  assert_int_equal(lg_store_writer_add(w, g, geom, NULL, &err), 0);
  lg_geom_free(g, geom);
  assert_int_equal(lg_store_writer_finish(w, &err), 0);
  lg_store_writer_free(w);
  assert_int_equal(lg_store_commit(E.s, &err), 0);
}

static int setup(void **state) {
  (void)state;
  snprintf(E.dir, sizeof E.dir, "/tmp/lg_monitor_XXXXXX");
  if (!mkdtemp(E.dir)) fail_msg("mkdtemp");
  snprintf(E.path, sizeof E.path, "%s/test.gpkg", E.dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(E.path), LG_STORE_CREATE, &E.s, &err) != 0)
    fail_msg("open: %s", err.msg);
  control_layer("appr", "approval", 0, 100);
  control_layer("pbf", "pbf", 200, 300);
  control_layer("eprl", "eprl", 400, 500);
  control_layer("revoked", "approval", 400, 500);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lg_store_close(E.s);
  lg_test_remove_store(E.path);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", E.dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", E.dir);
  return 0;
}

typedef struct patch {
  const char *no, *before, *after;
  double x1, y1, x2, y2;
} patch_t;

/* A GeoJSON file of patches, with the legacy crs member GDAL honours. */
static char *write_patches(const char *name, const patch_t *p, int n) {
  char *path = lg_sprintf("%s/%s", E.dir, name);
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
             "{\"name\":\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":[");
  for (int i = 0; i < n; i++) {
    double xs[] = {p[i].x1, p[i].x2, p[i].x2, p[i].x1, p[i].x1};
    double ys[] = {p[i].y1, p[i].y1, p[i].y2, p[i].y2, p[i].y1};
    fprintf(f,
            "%s{\"type\":\"Feature\",\"properties\":{\"JCBH\":\"%s\",\"BGQDLBM\":\"%s\","
            "\"BGHDLBM\":\"%s\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
            i ? "," : "", p[i].no, p[i].before, p[i].after);
    for (int k = 0; k < 5; k++)
      fprintf(f, "%s[%.3f,%.3f]", k ? "," : "", X0 + xs[k], Y0 + ys[k]);
    fprintf(f, "]]}}");
  }
  fprintf(f, "]}");
  fclose(f);
  return path;
}

static const patch_t patches[] = {
    {"P1", "0103", "0601", 50, 0, 150, 100},  {"P2", "0101", "0701", 10, 10, 90, 90},
    {"P3", "0102", "0601", 250, 0, 350, 50},  {"P4", "0301", "1003", 450, 20, 470, 40},
    {"P5", "0101", "0301", 600, 0, 700, 100}, {"P6", "0601", "0701", 0, 200, 100, 300},
    {"P7", "0103", "05H1", 80, 0, 220, 10},   {"P8", "0103", "0601", 20, 20, 100.005, 100},
    {"P9", "0103", "0601", 900, 0, 900.5, 1},
};

static int64_t count(const char *sql) {
  lg_err_t err = {0};
  lg_stmt_t *st;
  assert_int_equal(lg_store_prepare(E.s, sql, &st, &err), 0);
  assert_int_equal(lg_store_step(st), LG_ROW);
  int64_t n = lg_store_col_int(st, 0);
  lg_store_done(st);
  return n;
}

static const json_t *patch_of(const json_t *batch, const char *no) {
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(batch, "patches"), i, p) {
    if (!strcmp(json_string_value(json_object_get(p, "patch_no")), no)) return p;
  }
  fail_msg("no patch %s", no);
  return NULL;
}

static double num(const json_t *o, const char *k) {
  return json_number_value(json_object_get(o, k));
}
static const char *str(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static int64_t batch_id;

static void test_import_and_detect(void **state) {
  (void)state;
  lg_err_t err = {0};
  char *path = write_patches("patches.geojson", patches, 9);
  lg_monitor_import_t o = {.path = path, .name = "2026年第4季度卫片", .division = "360781"};
  if (lg_monitor_import_run(E.s, &o, &batch_id, &err) != 0) fail_msg("import: %s", err.msg);
  lg_free(path);
  assert_int_equal(count("SELECT count(*) FROM lg_monitor_patches"), 9);
  /* The batch's area: 10,000 + 6,400 + 5,000 + 400 + 10,000 + 10,000 +
   * 1,400 + 6,400.4 + 0.5. */
  json_t *b = NULL;
  assert_int_equal(lg_monitor_batch_get(E.s, batch_id, false, &b, &err), 0);
  assert_near(num(b, "area_m2"), 49600.9, 0.01);
  json_decref(b);

  int32_t today = lg_date_from_ymd(2026, 11, 2);
  if (lg_monitor_detect(E.s, NULL, batch_id, today, &b, &err) != 0) fail_msg("detect: %s", err.msg);
  const json_t *p = patch_of(b, "P1");
  assert_string_equal(str(p, "verdict"), "unapproved_construction");
  assert_near(num(p, "approved_m2"), 5000, 0.01);
  assert_near(num(p, "unapproved_m2"), 5000, 0.01);
  assert_near(num(p, "pbf_m2"), 0, 0.01);
  p = patch_of(b, "P2");
  assert_string_equal(str(p, "verdict"), "approved");
  assert_near(num(p, "approved_m2"), 6400, 0.01);
  p = patch_of(b, "P3");
  assert_string_equal(str(p, "verdict"), "pbf_non_farm");
  assert_near(num(p, "unapproved_m2"), 5000, 0.01);
  assert_near(num(p, "pbf_m2"), 2500, 0.01);
  p = patch_of(b, "P4");
  assert_string_equal(str(p, "verdict"), "construction_in_eprl");
  assert_near(num(p, "eprl_m2"), 400, 0.01);
  assert_string_equal(str(patch_of(b, "P5"), "verdict"), "no_new_construction");
  assert_string_equal(str(patch_of(b, "P6"), "verdict"), "no_new_construction");
  p = patch_of(b, "P7");
  assert_string_equal(str(p, "verdict"), "pbf_non_farm");
  assert_near(num(p, "approved_m2"), 200, 0.01);
  assert_near(num(p, "unapproved_m2"), 1200, 0.01);
  assert_near(num(p, "pbf_m2"), 200, 0.01);
  assert_int_equal(json_array_size(json_object_get(p, "layer_refs")), 2);
  p = patch_of(b, "P8");
  assert_string_equal(str(p, "verdict"), "approved");
  assert_near(num(p, "approved_m2"), 6400, 0.01);
  assert_near(num(p, "unapproved_m2"), 0.4, 0.01);
  p = patch_of(b, "P9");
  assert_string_equal(str(p, "verdict"), "below_minimum");
  assert_near(num(p, "unapproved_m2"), 0.5, 0.01);
  /* The alerts as the issue asks: P1 5,000 unapproved, P3 2,500 and P7
   * 200 of farmland, P4 400 of red line. */
  json_t *issue = json_object_get(b, "alerts");
  assert_int_equal(json_array_size(issue), 4);
  const double m2s[] = {5000, 2500, 400, 200};
  const char *kinds[] = {"unapproved_construction", "pbf_non_farm", "construction_in_eprl",
                         "pbf_non_farm"};
  for (size_t k = 0; k < 4; k++) {
    assert_string_equal(str(json_array_get(issue, k), "kind"), kinds[k]);
    assert_near(num(json_array_get(issue, k), "m2"), m2s[k], 0.01);
  }
  json_decref(b);

  json_t *a = NULL;
  assert_int_equal(lg_monitor_alerts(E.s, NULL, batch_id, NULL, today, &a, &err), 0);
  json_t *alerts = json_object_get(a, "alerts");
  assert_int_equal(json_array_size(alerts), 4);
  size_t i;
  json_t *al;
  json_array_foreach(alerts, i, al) {
    assert_string_equal(str(al, "state"), "pending");
    assert_string_equal(str(al, "deadline"), "2026-11-30");
  }
  json_decref(a);
  /* Overdue the day after the deadline, not on it. */
  assert_int_equal(
      lg_monitor_alerts(E.s, NULL, batch_id, NULL, lg_date_from_ymd(2026, 11, 30), &a, &err), 0);
  assert_int_equal(json_integer_value(json_object_get(a, "overdue")), 0);
  json_decref(a);
  assert_int_equal(
      lg_monitor_alerts(E.s, NULL, batch_id, NULL, lg_date_from_ymd(2026, 12, 1), &a, &err), 0);
  assert_int_equal(json_integer_value(json_object_get(a, "overdue")), 4);
  json_decref(a);

  /* A batch is detected once. */
  assert_int_equal(lg_monitor_detect(E.s, NULL, batch_id, today, NULL, &err), LG_ECONFLICT);
}

static int64_t first_alert(void) { return count("SELECT min(id) FROM lg_monitor_alerts"); }

static void test_enforcement(void **state) {
  (void)state;
  lg_err_t err = {0};
  int64_t id = first_alert();
  lg_subject_t who = {0};
  snprintf(who.login, sizeof who.login, "%s", "inspector");
  /* Out of order: pending cannot be filed before verification. */
  assert_int_equal(lg_monitor_alert_move(E.s, NULL, id, "filed", "x", &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "核查属实"));
  assert_int_equal(lg_monitor_alert_move(E.s, NULL, id, "confirmed", "", &err), LG_EINVAL);
  const char *path[] = {"confirmed", "filed", "demolished", "closed"};
  for (int i = 0; i < 4; i++)
    if (lg_monitor_alert_move(E.s, NULL, id, path[i], "现场核查属实, 依法处理", &err) != 0)
      fail_msg("%s: %s", path[i], err.msg);
  assert_int_equal(lg_monitor_alert_move(E.s, NULL, id, "filed", "again", &err), LG_ECONFLICT);
  json_t *a = NULL;
  assert_int_equal(lg_monitor_alert_get(E.s, id, &a, &err), 0);
  assert_string_equal(str(a, "state"), "closed");
  assert_int_equal(json_array_size(json_object_get(a, "events")), 4);
  json_decref(a);
  /* On the ledger: raised, then the four moves. */
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  size_t total = 0;
  uint64_t idx[8];
  assert_int_equal(lg_ledger_object_entries(E.s, "monitor_alert", oid, idx, 8, &total, &err), 0);
  assert_int_equal(total, 5);
  /* And the rows agree with their entries. */
  const lg_ledger_auditor_t *aud[] = {&lg_monitor_auditor_batches, &lg_monitor_auditor_alerts,
                                      NULL};
  lg_ledger_audit_t au = {0};
  assert_int_equal(lg_ledger_audit(E.s, aud, &au, &err), 0);
  assert_int_equal(au.findings.len, 0);
  lg_ledger_audit_fini(&au);
}

/* Unknown codes: named row by row, nothing written. */
static void test_bad_codes(void **state) {
  (void)state;
  lg_err_t err = {0};
  patch_t bad[] = {{"B1", "0101", "0601", 0, 0, 10, 10},
                   {"B2", "0199", "0601", 0, 0, 10, 10},
                   {"B3", "0101", "9999", 0, 0, 10, 10}};
  char *path = write_patches("bad.geojson", bad, 3);
  int64_t batches = count("SELECT count(*) FROM lg_monitor_batches");
  int64_t rows = count("SELECT count(*) FROM lg_monitor_patches");
  uint64_t size0 = 0, size1 = 0;
  lg_ledger_size(E.s, &size0, &err);
  lg_monitor_import_t o = {.path = path, .division = "360781"};
  int64_t id = 0;
  assert_int_equal(lg_monitor_import_run(E.s, &o, &id, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "第 2 个图斑 BGQDLBM \"0199\""));
  assert_non_null(strstr(err.msg, "第 3 个图斑 BGHDLBM \"9999\""));
  assert_int_equal(count("SELECT count(*) FROM lg_monitor_batches"), batches);
  assert_int_equal(count("SELECT count(*) FROM lg_monitor_patches"), rows);
  lg_ledger_size(E.s, &size1, &err);
  assert_int_equal(size1, size0);
  assert_false(lg_store_table_exists(E.s, "monitor_batch_2"));
  /* No division: refused before anything. */
  o.division = NULL;
  assert_int_equal(lg_monitor_import_run(E.s, &o, &id, &err), LG_EINVAL);
  lg_free(path);
}

/* The period is the setting monitor.verify_workdays: 5 working days
 * from Monday 2026-11-02 end on Monday 2026-11-09 (Tue 3 to Fri 6, then
 * Mon 9). */
static void test_deadline_setting(void **state) {
  (void)state;
  lg_err_t err = {0};
  patch_t one[] = {{"S1", "0103", "0601", 5000, 0, 5010, 10}};
  char *path = write_patches("one.geojson", one, 1);
  assert_int_equal(lg_store_setting_set(E.s, "monitor.verify_workdays", "5", &err), 0);
  lg_monitor_import_t o = {.path = path, .division = "360781"};
  int64_t id = 0;
  if (lg_monitor_import_run(E.s, &o, &id, &err) != 0) fail_msg("import: %s", err.msg);
  assert_int_equal(lg_monitor_detect(E.s, NULL, id, lg_date_from_ymd(2026, 11, 2), NULL, &err), 0);
  json_t *a = NULL;
  assert_int_equal(lg_monitor_alerts(E.s, NULL, id, NULL, 0, &a, &err), 0);
  json_t *al = json_array_get(json_object_get(a, "alerts"), 0);
  assert_string_equal(str(al, "deadline"), "2026-11-09");
  assert_string_equal(str(al, "kind"), "unapproved_construction");
  json_decref(a);
  lg_free(path);
}

/* The same patches through a Shapefile (written by landgov's own export
 * of the first batch's layer) and P4 in geographic CGCS2000 (EPSG:4490,
 * reprojected on import into the basic farmland's EPSG:4526): the same
 * verdicts and, within the round trip's centimetres, the same areas. */
static void test_other_formats(void **state) {
  (void)state;
  lg_err_t err = {0};
  char *shp = lg_sprintf("%s/patches.shp", E.dir);
  lg_formats_export_opts_t eo = {.format = "shp"};
  if (lg_formats_export(E.s, "monitor_batch_1", shp, &eo, &err) != 0)
    fail_msg("export: %s", err.msg);
  lg_monitor_import_t o = {.path = shp, .division = "360781"};
  int64_t id = 0;
  if (lg_monitor_import_run(E.s, &o, &id, &err) != 0) fail_msg("shp: %s", err.msg);
  json_t *b = NULL;
  assert_int_equal(lg_monitor_detect(E.s, NULL, id, lg_date_from_ymd(2026, 11, 2), &b, &err), 0);
  assert_string_equal(str(patch_of(b, "P3"), "verdict"), "pbf_non_farm");
  assert_near(num(patch_of(b, "P3"), "pbf_m2"), 2500, 0.01);
  assert_string_equal(str(patch_of(b, "P8"), "verdict"), "approved");
  json_decref(b);
  lg_free(shp);

  double x[] = {X0 + 450, X0 + 470, X0 + 470, X0 + 450, X0 + 450};
  double y[] = {Y0 + 20, Y0 + 20, Y0 + 40, Y0 + 40, Y0 + 20};
  assert_int_equal(lg_xy_transform(lg_geo_thread(), 4526, 4490, x, y, 5, &err), 0);
  char *path = lg_sprintf("%s/p4_4490.geojson", E.dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
             "{\"name\":\"urn:ogc:def:crs:EPSG::4490\"}},\"features\":[{\"type\":\"Feature\","
             "\"properties\":{\"JCBH\":\"G4\",\"BGQDLBM\":\"0301\",\"BGHDLBM\":\"1003\"},"
             "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
  for (int k = 0; k < 5; k++)
    fprintf(f, "%s[%.12f,%.12f]", k ? "," : "", x[k], y[k]);
  fprintf(f, "]]}}]}");
  fclose(f);
  o.path = path;
  if (lg_monitor_import_run(E.s, &o, &id, &err) != 0) fail_msg("4490: %s", err.msg);
  assert_int_equal(lg_monitor_detect(E.s, NULL, id, lg_date_from_ymd(2026, 11, 2), &b, &err), 0);
  assert_int_equal(json_integer_value(json_object_get(b, "srs")), 4526);
  const json_t *p = patch_of(b, "G4");
  assert_string_equal(str(p, "verdict"), "construction_in_eprl");
  assert_near(num(p, "eprl_m2"), 400, 0.05);
  json_decref(b);
  lg_free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_import_and_detect), cmocka_unit_test(test_enforcement),
      cmocka_unit_test(test_bad_codes),         cmocka_unit_test(test_deadline_setting),
      cmocka_unit_test(test_other_formats),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
