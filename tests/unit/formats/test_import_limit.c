/*
 * formats/import: the number of features one import may bring, from the
 * store's setting limits.import_features when the caller gives none, for
 * GDAL sources and Ministry coordinate files alike. A refused import
 * leaves no layer behind. The feature counts are those written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "formats/formats.h"
#include "lg_test.h"

static char db[128], gj[128], txt[128];

/* Three 10 m triangles, EPSG:4526. */
static const char three[] =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
    "\"urn:ogc:def:crs:EPSG::4526\"}},\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"N\":1},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[38500000,2850000],[38500010,2850000],[38500010,2850010],[38500000,2850000]]"
    "]}},"
    "{\"type\":\"Feature\",\"properties\":{\"N\":2},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[38500100,2850000],[38500110,2850000],[38500110,2850010],[38500100,2850000]]"
    "]}},"
    "{\"type\":\"Feature\",\"properties\":{\"N\":3},\"geometry\":{\"type\":\"Polygon\","
    "\"coordinates\":[[[38500200,2850000],[38500210,2850000],[38500210,2850010],[38500200,2850000]]"
    "]}}"
    "]}";

/* Two parcels. */
static const char two[] =
    "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n精度=0.001\n[地块坐标]\n"
    "4,0.0050,1,甲,面,,,,@\n"
    "J1,1,2850000.000,38500000.000\nJ2,1,2850000.000,38500010.000\n"
    "J3,1,2850010.000,38500010.000\nJ1,1,2850000.000,38500000.000\n"
    "4,0.0050,2,乙,面,,,,@\n"
    "J1,1,2850000.000,38500100.000\nJ2,1,2850000.000,38500110.000\n"
    "J3,1,2850010.000,38500110.000\nJ1,1,2850000.000,38500100.000\n";

static int setup(void **state) {
  snprintf(db, sizeof db, "/tmp/lg_test_import_limit_%d.gpkg", (int)getpid());
  snprintf(gj, sizeof gj, "/tmp/lg_test_import_limit_%d.geojson", (int)getpid());
  snprintf(txt, sizeof txt, "/tmp/lg_test_import_limit_%d.txt", (int)getpid());
  lg_test_remove_store(db);
  return lg_file_write(gj, three, strlen(three), NULL) ||
         lg_file_write(txt, two, strlen(two), NULL);
}

static int teardown(void **state) {
  lg_test_remove_store(db);
  unlink(gj);
  unlink(txt);
  return 0;
}

static bool has_layer(lg_store_t *s, const char *name) {
  lg_layer_info_t info;
  return lg_store_layer_get(s, name, &info, NULL) == 0;
}

static void test_setting(void **state) {
  lg_err_t err = {0};
  lg_store_t *s;
  assert_int_equal(lg_store_open(lg_test_target(db), LG_STORE_CREATE, &s, &err), 0);
  lg_formats_import_result_t res;
  lg_formats_import_opts_t o = {.layer = "a", .role = "other"};

  /* The default (2,000,000) lets three through. */
  int rc = lg_formats_import(s, gj, &o, &res, &err);
  if (rc) fail_msg("%s", err.msg);
  assert_int_equal(res.count, 3);

  /* An administrator's 2: three GeoJSON features and ... */
  assert_int_equal(lg_store_setting_set(s, "limits.import_features", "2", &err), 0);
  o.layer = "b";
  assert_int_equal(lg_formats_import(s, gj, &o, &res, &err), LG_ELIMIT);
  assert_non_null(strstr(err.msg, "3 个要素"));
  assert_non_null(strstr(err.msg, "limits.import_features"));
  assert_string_equal(err.where, "limits.import_features");
  assert_false(has_layer(s, "b"));
  /* ... two parcels of a Ministry file pass, one is refused. */
  o.layer = "t";
  rc = lg_formats_import(s, txt, &o, &res, &err);
  if (rc) fail_msg("%s", err.msg);
  assert_int_equal(res.count, 2);
  assert_int_equal(lg_store_setting_set(s, "limits.import_features", "1", &err), 0);
  o.layer = "t1";
  assert_int_equal(lg_formats_import(s, txt, &o, &res, &err), LG_ELIMIT);
  assert_non_null(strstr(err.msg, "2 个地块"));
  assert_false(has_layer(s, "t1"));

  /* The caller's own limit wins (the CLI's --max-features); negative is none. */
  o.layer = "c";
  o.max_features = 3;
  assert_int_equal(lg_formats_import(s, gj, &o, &res, &err), 0);
  o.layer = "d";
  o.max_features = -1;
  assert_int_equal(lg_formats_import(s, gj, &o, &res, &err), 0);
  o.layer = "e";
  o.max_features = 2;
  assert_int_equal(lg_formats_import(s, gj, &o, &res, &err), LG_ELIMIT);
  assert_string_equal(err.where, "max_features");
  lg_store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_setting)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
