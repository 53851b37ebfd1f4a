/*
 * The fast overlay classifier the check and the conflicts rely on
 * (lg_ovl_classify in geo/, written for review/): hand-made cases whose
 * answer is plain from a drawing, then random polygons and a grid of
 * patches sharing edges, where every decided answer must agree with GEOS's
 * own intersection area (the independent judge).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "geo/geo.h"

static int classify(const char *a_wkt, const char *b_wkt) {
  lg_geo_t *g = lg_geo_thread();
  lg_err_t err = {0};
  lg_geom_t *a = lg_geom_from_wkt(g, a_wkt, &err), *b = lg_geom_from_wkt(g, b_wkt, &err);
  assert_non_null(a);
  assert_non_null(b);
  lg_ovl_t *o = lg_ovl_new(g, a);
  size_t n;
  unsigned char *wkb = lg_geom_to_wkb(g, b, &n);
  int c = lg_ovl_classify(g, o, wkb, n);
  lg_free(wkb);
  lg_ovl_free(g, o);
  lg_geom_free(g, a);
  lg_geom_free(g, b);
  return c;
}

#define SQ "POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0))"

static void test_cases(void **state) {
  /* Neighbours sharing an edge only touch. */
  assert_int_equal(classify(SQ, "POLYGON ((100 0, 100 100, 200 100, 200 0, 100 0))"),
                   LG_OVL_DISJOINT);
  /* ... or a corner. */
  assert_int_equal(classify(SQ, "POLYGON ((100 100, 100 200, 200 200, 200 100, 100 100))"),
                   LG_OVL_DISJOINT);
  assert_int_equal(classify(SQ, "POLYGON ((300 300, 300 400, 400 400, 300 300))"), LG_OVL_DISJOINT);
  /* The same square, either way round. */
  assert_int_equal(classify(SQ, SQ), LG_OVL_COVERED);
  assert_int_equal(classify(SQ, "POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0))"), LG_OVL_COVERED);
  assert_int_equal(classify(SQ, "POLYGON ((10 10, 10 20, 20 20, 20 10, 10 10))"), LG_OVL_COVERED);
  assert_int_equal(classify(SQ, "POLYGON ((-10 -10, -10 110, 110 110, 110 -10, -10 -10))"),
                   LG_OVL_CONTAINS);
  assert_int_equal(classify(SQ, "POLYGON ((50 50, 50 150, 150 150, 150 50, 50 50))"),
                   LG_OVL_OVERLAP);
  /* A vertex on the inside of the other's edge: left to GEOS. */
  assert_int_equal(classify(SQ, "POLYGON ((100 50, 100 60, 200 60, 200 50, 100 50))"),
                   LG_OVL_UNKNOWN);
  /* The west half of a square that has vertices at (50, 0) and (50, 100):
   * shares three edges, its fourth is a chord inside. */
  assert_int_equal(classify("POLYGON ((0 0, 0 100, 50 100, 100 100, 100 0, 50 0, 0 0))",
                            "POLYGON ((0 0, 0 100, 50 100, 50 0, 0 0))"),
                   LG_OVL_COVERED);
  /* Around a hole: a square holding the hole overlaps (the hole is not
   * the polygon's); one inside the hole is apart. */
  const char *holed =
      "POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0), (40 40, 60 40, 60 60, 40 60, 40 40))";
  assert_int_equal(classify(holed, "POLYGON ((30 30, 30 70, 70 70, 70 30, 30 30))"),
                   LG_OVL_OVERLAP);
  assert_int_equal(classify(holed, "POLYGON ((45 45, 45 55, 55 55, 55 45, 45 45))"),
                   LG_OVL_DISJOINT);
  assert_int_equal(classify(holed, "POLYGON ((10 10, 10 20, 20 20, 20 10, 10 10))"),
                   LG_OVL_COVERED);
  /* Two parts, one in, one out. */
  assert_int_equal(classify(SQ, "MULTIPOLYGON (((10 10, 10 20, 20 20, 20 10, 10 10)), ((210 10, "
                                "210 20, 220 20, 220 10, 210 10)))"),
                   LG_OVL_OVERLAP);
  /* Not polygons: GEOS decides. */
  assert_int_equal(classify(SQ, "LINESTRING (0 0, 50 50)"), LG_OVL_UNKNOWN);
}

/* Decided answers agree with GEOS's intersection area. */
static void agree(lg_geo_t *g, lg_ovl_t *o, const lg_geom_t *a, const lg_geom_t *b, int *decided,
                  int *total) {
  size_t n;
  unsigned char *wkb = lg_geom_to_wkb(g, b, &n);
  int c = lg_ovl_classify(g, o, wkb, n);
  lg_free(wkb);
  lg_err_t err = {0};
  lg_geom_t *x = lg_geom_intersection(g, a, b, &err);
  assert_non_null(x);
  double ia = lg_geom_area(g, x), aa = lg_geom_area(g, a), ba = lg_geom_area(g, b);
  lg_geom_free(g, x);
  double tol = 1e-9 * fmax(aa, ba);
  bool ok = c == LG_OVL_UNKNOWN || (c == LG_OVL_DISJOINT && ia <= tol) ||
            (c == LG_OVL_COVERED && fabs(ia - ba) <= tol) ||
            (c == LG_OVL_CONTAINS && fabs(ia - aa) <= tol) ||
            (c == LG_OVL_OVERLAP && ia > tol && ia < ba - tol && ia < aa - tol);
  if (!ok) {
    char *wa = lg_geom_to_wkt(g, a, 6), *wb = lg_geom_to_wkt(g, b, 6);
    fprintf(stderr, "class %d but GEOS area %.9f (a %.9f, b %.9f)\n  a: %s\n  b: %s\n", c, ia, aa,
            ba, wa, wb);
    lg_free(wa);
    lg_free(wb);
    fail();
  }
  *decided += c != LG_OVL_UNKNOWN;
  (*total)++;
}

static lg_geom_t *star(lg_geo_t *g, lg_rng_t *r, double cx, double cy, double rad) {
  int k = 3 + (int)(lg_rng_uniform(r) * 10);
  double xy[2 * 14];
  for (int i = 0; i < k; i++) {
    double a = 2 * M_PI * i / k, rr = rad * (0.5 + lg_rng_uniform(r));
    xy[2 * i] = cx + rr * cos(a), xy[2 * i + 1] = cy + rr * sin(a);
  }
  xy[2 * k] = xy[0], xy[2 * k + 1] = xy[1];
  const double *rings[1] = {xy};
  size_t np[1] = {(size_t)k + 1};
  return lg_geom_polygon(g, rings, np, 1, NULL);
}

static void test_random_stars(void **state) {
  lg_geo_t *g = lg_geo_thread();
  lg_rng_t r;
  lg_rng_seed(&r, 42);
  int decided = 0, total = 0;
  for (int i = 0; i < 60; i++) {
    lg_geom_t *a = star(g, &r, 1000 * lg_rng_uniform(&r), 1000 * lg_rng_uniform(&r),
                        50 + 200 * lg_rng_uniform(&r));
    lg_ovl_t *o = lg_ovl_new(g, a);
    for (int j = 0; j < 40; j++) {
      lg_geom_t *b = star(g, &r, 1000 * lg_rng_uniform(&r), 1000 * lg_rng_uniform(&r),
                          10 + 300 * lg_rng_uniform(&r));
      agree(g, o, a, b, &decided, &total);
      lg_geom_free(g, b);
    }
    lg_ovl_free(g, o);
    lg_geom_free(g, a);
  }
  /* Random shapes in general position are nearly always decided. */
  assert_true(decided > total * 9 / 10);
}

/* A jittered grid of cells: patches that share their edges bit for bit,
 * and unions of 2 x 2 of them (as a farmland layer is made of patches). */
static void test_shared_edges(void **state) {
  lg_geo_t *g = lg_geo_thread();
  lg_rng_t r;
  lg_rng_seed(&r, 7);
  enum { N = 8 };
  double vx[N + 1][N + 1], vy[N + 1][N + 1];
  for (int i = 0; i <= N; i++)
    for (int j = 0; j <= N; j++)
      vx[i][j] = 38500000 + 30.0 * i + 9 * lg_rng_uniform(&r),
      vy[i][j] = 2850000 + 30.0 * j + 9 * lg_rng_uniform(&r);
  lg_geom_t *cell[N][N];
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      double xy[10] = {vx[i][j],         vy[i][j],     vx[i][j + 1], vy[i][j + 1], vx[i + 1][j + 1],
                       vy[i + 1][j + 1], vx[i + 1][j], vy[i + 1][j], vx[i][j],     vy[i][j]};
      const double *rings[1] = {xy};
      size_t np[1] = {5};
      cell[i][j] = lg_geom_polygon(g, rings, np, 1, NULL);
    }
  int decided = 0, total = 0;
  for (int i = 0; i + 1 < N; i += 2)
    for (int j = 0; j + 1 < N; j += 2) {
      /* The 2 x 2 block, traced through all 8 of its boundary vertices. */
      double xy[18] = {vx[i][j],         vy[i][j],         vx[i][j + 1],     vy[i][j + 1],
                       vx[i][j + 2],     vy[i][j + 2],     vx[i + 1][j + 2], vy[i + 1][j + 2],
                       vx[i + 2][j + 2], vy[i + 2][j + 2], vx[i + 2][j + 1], vy[i + 2][j + 1],
                       vx[i + 2][j],     vy[i + 2][j],     vx[i + 1][j],     vy[i + 1][j],
                       vx[i][j],         vy[i][j]};
      const double *rings[1] = {xy};
      size_t np[1] = {9};
      lg_geom_t *blk = lg_geom_polygon(g, rings, np, 1, NULL);
      lg_ovl_t *o = lg_ovl_new(g, blk);
      for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++)
          agree(g, o, blk, cell[a][b], &decided, &total);
      lg_ovl_free(g, o);
      /* And a single cell against its neighbours. */
      o = lg_ovl_new(g, cell[i + 1][j + 1]);
      for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++)
          agree(g, o, cell[i + 1][j + 1], cell[a][b], &decided, &total);
      lg_ovl_free(g, o);
      lg_geom_free(g, blk);
    }
  /* Exact shared edges leave nothing undecided. */
  assert_int_equal(decided, total);
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++)
      lg_geom_free(g, cell[i][j]);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_cases),
                                     cmocka_unit_test(test_random_stars),
                                     cmocka_unit_test(test_shared_edges)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
