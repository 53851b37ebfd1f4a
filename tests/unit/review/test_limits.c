/*
 * review: the limits a server puts on one check (src/http/limits.c hands
 * them down): points per boundary (lg_boundary_opts_t.max_vertices),
 * counted here by hand from the WKT and the Ministry file, and the time a
 * check may take (lg_check_opts_t.deadline), given as a time already past
 * so that the outcome does not depend on the machine's speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "fixture.h"
#include "review/review.h"

static char path[256];
static lg_store_t *S;
static lg_rules_t *R;
static lg_checker_t *C;

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(path, sizeof path, "/tmp/lg_test_review_limits_%d.gpkg", (int)getpid());
  if (fx_store(path, FX_ALL, &S, &err) != 0 || lg_review_rules_current(S, &R, &err) ||
      lg_review_checker_new(S, R, &C, &err)) {
    fprintf(stderr, "fixture: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_review_checker_free(C);
  lg_review_rules_free(R);
  lg_store_close(S);
  fx_remove(path);
  return 0;
}

/* A square of 100 m at the fixture's origin: 5 positions (4 corners and
 * the closing repeat). */
#define SQUARE                                                                                     \
  "POLYGON ((38500010 2850010, 38500010 2850110, 38500110 2850110, 38500110 2850010, 38500010 "    \
  "2850010))"

static void test_vertex_limit_wkt(void **state) {
  lg_err_t err = {0};
  lg_boundary_t b;
  lg_boundary_opts_t o = {.srs_id = 4526, .max_vertices = 4};
  int rc = lg_review_boundary_parse(SQUARE, strlen(SQUARE), "square.wkt", &o, &b, &err);
  assert_int_equal(rc, LG_ELIMIT);
  assert_non_null(strstr(err.msg, "5 个界址点"));
  assert_non_null(strstr(err.msg, "4 个点"));
  assert_non_null(strstr(err.msg, "limits.geometry_vertices"));
  assert_string_equal(err.where, "limits.geometry_vertices");
  assert_null(b.geom); /* nothing half-made is left */
  lg_review_boundary_fini(&b);
  /* Exactly at the limit is allowed; 0 is no limit. */
  o.max_vertices = 5;
  assert_int_equal(lg_review_boundary_parse(SQUARE, strlen(SQUARE), "square.wkt", &o, &b, &err), 0);
  lg_review_boundary_fini(&b);
  o.max_vertices = 0;
  assert_int_equal(lg_review_boundary_parse(SQUARE, strlen(SQUARE), "square.wkt", &o, &b, &err), 0);
  lg_review_boundary_fini(&b);
}

static void test_vertex_limit_ministry(void **state) {
  /* Two parcels of 5 positions each: 10 points in all. */
  const char *txt = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n精度=0.001\n[地块坐标]\n"
                    "5,1.0000,1,甲,面,,,,@\n"
                    "J1,1,2850000.000,38500000.000\nJ2,1,2850100.000,38500000.000\n"
                    "J3,1,2850100.000,38500100.000\nJ4,1,2850000.000,38500100.000\n"
                    "J1,1,2850000.000,38500000.000\n"
                    "5,1.0000,2,乙,面,,,,@\n"
                    "J1,1,2850000.000,38500200.000\nJ2,1,2850100.000,38500200.000\n"
                    "J3,1,2850100.000,38500300.000\nJ4,1,2850000.000,38500300.000\n"
                    "J1,1,2850000.000,38500200.000\n";
  lg_err_t err = {0};
  lg_boundary_t b;
  lg_boundary_opts_t o = {.max_vertices = 9};
  assert_int_equal(lg_review_boundary_parse(txt, strlen(txt), "two.txt", &o, &b, &err), LG_ELIMIT);
  assert_non_null(strstr(err.msg, "10 个界址点"));
  lg_review_boundary_fini(&b);
  o.max_vertices = 10;
  int rc = lg_review_boundary_parse(txt, strlen(txt), "two.txt", &o, &b, &err);
  if (rc) fail_msg("%s", err.msg);
  assert_int_equal(b.parcels, 2);
  lg_review_boundary_fini(&b);
}

static void test_deadline(void **state) {
  lg_err_t err = {0};
  lg_boundary_t b;
  lg_boundary_opts_t bo = {.srs_id = 4526};
  assert_int_equal(lg_review_boundary_parse(SQUARE, strlen(SQUARE), "square.wkt", &bo, &b, &err),
                   0);
  /* A deadline already past: refused before the overlays, whatever the
   * speed of the machine. */
  lg_check_opts_t o = {.deadline = lg_mono() - 1};
  json_t *rep = NULL;
  assert_int_equal(lg_review_check(C, &b, &o, &rep, &err), LG_ELIMIT);
  assert_null(rep);
  assert_non_null(strstr(err.msg, "超过时限"));
  /* A deadline far ahead, and none at all, change nothing: 1 ha of the
   * fixture's land use (10 000 m2, hand-computed from the square). */
  for (int k = 0; k < 2; k++) {
    o.deadline = k == 0 ? lg_mono() + 3600 : 0;
    int rc = lg_review_check(C, &b, &o, &rep, &err);
    if (rc) fail_msg("%s", err.msg);
    double m2 = json_number_value(json_object_get(json_object_get(rep, "area"), "planar_m2"));
    assert_true(fabs(m2 - 10000.0) < 1e-6);
    json_decref(rep);
    rep = NULL;
  }
  lg_review_boundary_fini(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vertex_limit_wkt),
      cmocka_unit_test(test_vertex_limit_ministry),
      cmocka_unit_test(test_deadline),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
