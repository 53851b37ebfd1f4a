/*
 * review against PostGIS: the demo county is generated, loaded into a
 * throwaway PostgreSQL + PostGIS cluster (pgtmp.sh, ogr2ogr), and for a
 * dozen boundaries the check's areas must equal PostGIS's
 * ST_Area(ST_Intersection(...)) per layer and per land class, and
 * ST_Area of the boundary, to a relative 1e-9; the whole-layer overlaps
 * of `conflicts` must equal the SQL sums the same way. On the PostgreSQL
 * backend (LG_TEST_PG) the county is generated into PostGIS by landgov
 * itself and the same SQL runs on its tables. Skipped (with the reason)
 * only when PostgreSQL cannot start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lg_test.h"
#include "onemap/onemap.h"
#include "review/review.h"

static char dir[256], db[300], conn[600], script[600];
static char class_col[32] = "dlbm"; /* ogr2ogr lowercases column names */
static int port;
static lg_store_t *S;
static lg_rules_t *R;
static lg_checker_t *C;
static lg_onemap_gen_result_t G;
static bool pg_up, own_cluster;

static int run(const char *cmd) {
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(dir, sizeof dir, "/tmp/lg_test_postgis_%d", (int)getpid());
  mkdir(dir, 0755);
  snprintf(db, sizeof db, "%s/county.gpkg", dir);
  if (lg_store_open(lg_test_target(db), LG_STORE_CREATE, &S, &err)) return -1;
  lg_onemap_gen_opts_t o;
  lg_onemap_gen_opts_init(&o);
  o.patches = 6000;
  if (lg_onemap_gen(S, &o, &G, &err)) {
    fprintf(stderr, "gen: %s\n", err.msg);
    return -1;
  }
  if (lg_review_rules_current(S, &R, &err) || lg_review_checker_new(S, R, &C, &err)) return -1;
  if (lg_store_backend(S) == LG_STORE_PG) {
    /* The county is in PostGIS already, in landgov's own tables: the
     * same SQL runs on them, beside the check of the PostgreSQL backend. */
    snprintf(conn, sizeof conn, "%s", lg_test_target(db));
    snprintf(class_col, sizeof class_col, "\"DLBM\"");
    pg_up = true;
    return 0;
  }
  const char *src = getenv("LG_TESTDATA");
  snprintf(script, sizeof script, "%s/../pgtmp.sh", src ? src : "tests/data");
  port = 56000 + getpid() % 1000;
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "bash %s start %s/pg %d > %s/conn.txt 2> %s/pg.err", script, dir, port,
           dir, dir);
  int rc = run(cmd);
  if (rc != 0) {
    fprintf(stderr,
            "PostgreSQL/PostGIS unavailable (pgtmp.sh exit %d); the comparison is skipped:\n", rc);
    snprintf(cmd, sizeof cmd, "cat %s/pg.err >&2", dir);
    run(cmd);
    return 0;
  }
  pg_up = own_cluster = true;
  snprintf(conn, sizeof conn, "host=%s/pg port=%d dbname=lg user=postgres", dir, port);
  snprintf(cmd, sizeof cmd,
           "ogr2ogr -f PostgreSQL \"PG:%s\" %s -lco GEOMETRY_NAME=geom -lco FID=fid "
           "-lco SPATIAL_INDEX=GIST landuse pbf eprl udb plan county 2> %s/ogr.err",
           conn, db, dir);
  if (run(cmd) != 0) {
    fprintf(stderr, "ogr2ogr into PostGIS failed\n");
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  char cmd[1024];
  if (own_cluster) {
    snprintf(cmd, sizeof cmd, "bash %s stop %s/pg", script, dir);
    run(cmd);
  }
  lg_review_checker_free(C);
  lg_review_rules_free(R);
  lg_store_close(S);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  run(cmd);
  return 0;
}

/* Runs one SQL query through psql; returns its rows (caller frees). */
static char *psql(const char *sql) {
  char path[400];
  snprintf(path, sizeof path, "%s/q.sql", dir);
  FILE *f = fopen(path, "w");
  fputs(sql, f);
  fclose(f);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "psql \"%s\" -X -q -At -F '|' -v ON_ERROR_STOP=1 -f %s", conn, path);
  FILE *p = popen(cmd, "r");
  if (!p) return NULL;
  lg_buf_t b;
  lg_buf_init(&b);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
    lg_buf_append(&b, chunk, n);
  if (pclose(p) != 0) {
    lg_buf_fini(&b);
    return NULL;
  }
  return b.data ? lg_buf_steal(&b) : lg_strdup("");
}

static bool close_enough(double got, double want, double scale) {
  return fabs(got - want) <= 1e-9 * fmax(fabs(want), scale);
}

static int failures;

static void compare(const char *what, double got, double want, double scale) {
  if (!close_enough(got, want, scale)) {
    fprintf(stderr, "%s: landgov %.10f, PostGIS %.10f (relative %.3g)\n", what, got, want,
            fabs(got - want) / fmax(fabs(want), 1e-300));
    failures++;
  }
}

/* Boundaries: rotated rectangles and irregular heptagons of 1-50 ha
 * scattered over the county, one patch copied exactly (shared edges with
 * its neighbours), and one across the county's edge. */
static char *boundary_wkt(int i, lg_rng_t *rng) {
  lg_env_t e = G.extent;
  double cx = e.minx + (0.15 + 0.7 * lg_rng_uniform(rng)) * (e.maxx - e.minx);
  double cy = e.miny + (0.15 + 0.7 * lg_rng_uniform(rng)) * (e.maxy - e.miny);
  if (i == 10) cx = e.minx, cy = (e.miny + e.maxy) / 2; /* straddles the county edge */
  double area = 1e4 * (1 + 49 * lg_rng_uniform(rng));
  lg_buf_t b;
  lg_buf_init(&b);
  lg_buf_puts(&b, "POLYGON ((");
  int n = i % 2 ? 7 : 4;
  double r = sqrt(area / (n == 4 ? 2.0 : 2.6)), rot = lg_rng_uniform(rng) * M_PI;
  double x0 = 0, y0 = 0;
  for (int k = 0; k < n; k++) {
    double a = rot + 2 * M_PI * k / n, rr = n == 4 ? r : r * (0.7 + 0.6 * lg_rng_uniform(rng));
    double x = cx + rr * cos(a), y = cy + rr * sin(a);
    if (k == 0) x0 = x, y0 = y;
    lg_buf_printf(&b, "%.17g %.17g, ", x, y);
  }
  lg_buf_printf(&b, "%.17g %.17g))", x0, y0);
  return lg_buf_steal(&b);
}

static void check_one(const char *wkt, const char *label) {
  lg_err_t err = {0};
  lg_geo_t *g = lg_geo_thread();
  lg_boundary_t b;
  assert_int_equal(
      lg_review_boundary_from_geom(lg_geom_from_wkt(g, wkt, &err), 4526, label, &b, &err), 0);
  json_t *r = NULL;
  lg_check_opts_t o = {.use = "1001", .type = "industrial", .max_pieces = 100000};
  int rc = lg_review_check(C, &b, &o, &r, &err);
  if (rc) fprintf(stderr, "%s: %s\n", label, err.msg);
  assert_int_equal(rc, 0);
  double area = json_number_value(json_object_get(json_object_get(r, "area"), "planar_m2"));
  char *sql =
      lg_sprintf("WITH b AS (SELECT ST_GeomFromText('%s', 4526) AS g)\n"
                 "SELECT 'area', ST_Area(g) FROM b\n"
                 "UNION ALL SELECT 'ell', ST_Area(ST_Transform(g, 4490)::geography) FROM b\n"
                 "UNION ALL SELECT 'layer:landuse', coalesce(sum(ST_Area(ST_Intersection(l.geom, "
                 "b.g))), 0) FROM landuse l, b WHERE ST_Intersects(l.geom, b.g)\n"
                 "UNION ALL SELECT 'layer:pbf', coalesce(sum(ST_Area(ST_Intersection(l.geom, "
                 "b.g))), 0) FROM pbf l, b WHERE ST_Intersects(l.geom, b.g)\n"
                 "UNION ALL SELECT 'layer:eprl', coalesce(sum(ST_Area(ST_Intersection(l.geom, "
                 "b.g))), 0) FROM eprl l, b WHERE ST_Intersects(l.geom, b.g)\n"
                 "UNION ALL SELECT 'layer:udb', coalesce(sum(ST_Area(ST_Intersection(l.geom, "
                 "b.g))), 0) FROM udb l, b WHERE ST_Intersects(l.geom, b.g)\n"
                 "UNION ALL SELECT 'layer:plan', coalesce(sum(ST_Area(ST_Intersection(l.geom, "
                 "b.g))), 0) FROM plan l, b WHERE ST_Intersects(l.geom, b.g)\n"
                 "UNION ALL SELECT 'layer:county', coalesce(sum(ST_Area(ST_Intersection(l.geom, "
                 "b.g))), 0) FROM county l, b WHERE ST_Intersects(l.geom, b.g)\n"
                 "UNION ALL (SELECT 'class:' || l.%s, sum(ST_Area(ST_Intersection(l.geom, b.g))) "
                 "FROM landuse l, b WHERE ST_Intersects(l.geom, b.g) GROUP BY l.%s);\n",
                 wkt, class_col, class_col);
  char *out = psql(sql);
  lg_free(sql);
  assert_non_null(out);
  int rows = 0;
  for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    char *bar = strchr(line, '|');
    if (!bar) continue;
    *bar = '\0';
    double want = strtod(bar + 1, NULL);
    char what[256];
    snprintf(what, sizeof what, "%s %s", label, line);
    rows++;
    if (strcmp(line, "area") == 0) {
      compare(what, area, want, 1.0);
    } else if (strcmp(line, "ell") == 0) {
      /* PostGIS measures on WGS 84 with its own algorithm; CGCS2000's
       * ellipsoid differs in the 11th digit of f: agree to 1e-6. */
      double got = json_number_value(json_object_get(json_object_get(r, "area"), "ellipsoidal_m2"));
      if (fabs(got - want) > 1e-6 * want) {
        fprintf(stderr, "%s: landgov %.6f, PostGIS %.6f\n", what, got, want);
        failures++;
      }
    } else if (strncmp(line, "layer:", 6) == 0) {
      const json_t *ov = json_object_get(json_object_get(r, "overlaps"), line + 6);
      compare(what, json_number_value(json_object_get(ov, "m2")), want, area);
    } else if (strncmp(line, "class:", 6) == 0) {
      compare(what, json_number_value(json_object_get(json_object_get(r, "classes"), line + 6)),
              want, area);
    }
  }
  assert_true(rows >= 8);
  lg_free(out);
  json_decref(r);
  lg_review_boundary_fini(&b);
}

static void test_checks_match_postgis(void **state) {
  if (!pg_up) skip();
  lg_rng_t rng;
  lg_rng_seed(&rng, 20261122);
  failures = 0;
  for (int i = 0; i < 12; i++) {
    char *wkt = boundary_wkt(i, &rng);
    char label[32];
    snprintf(label, sizeof label, "boundary %d", i);
    check_one(wkt, label);
    lg_free(wkt);
  }
  /* A land-use patch copied exactly: its neighbours share its edges. */
  char *patch = psql(
      "SELECT ST_AsText(geom, 17) FROM landuse WHERE fid = (SELECT min(fid) + 100 FROM landuse)");
  assert_non_null(patch);
  patch[strcspn(patch, "\n")] = '\0';
  check_one(patch, "patch copy");
  lg_free(patch);
  assert_int_equal(failures, 0);
}

static void test_conflicts_match_postgis(void **state) {
  if (!pg_up) skip();
  static const char *const pairs[][2] = {{"eprl", "pbf"}, {"landuse", "pbf"}, {"udb", "plan"}};
  failures = 0;
  for (size_t i = 0; i < LG_ARRAY_LEN(pairs); i++) {
    lg_err_t err = {0};
    json_t *r = NULL;
    assert_int_equal(lg_review_conflicts(S, R, pairs[i][0], pairs[i][1], NULL, &r, &err), 0);
    char *sql =
        lg_sprintf("SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0),"
                   " (SELECT sum(ST_Area(geom)) FROM %s), (SELECT sum(ST_Area(geom)) FROM %s)"
                   " FROM %s a JOIN %s b ON ST_Intersects(a.geom, b.geom)",
                   pairs[i][0], pairs[i][1], pairs[i][0], pairs[i][1]);
    char *out = psql(sql);
    lg_free(sql);
    assert_non_null(out);
    double ov = 0, aa = 0, ba = 0;
    assert_int_equal(sscanf(out, "%lf|%lf|%lf", &ov, &aa, &ba), 3);
    char what[128];
    snprintf(what, sizeof what, "%s x %s overlap", pairs[i][0], pairs[i][1]);
    compare(what, json_number_value(json_object_get(r, "overlap_m2")), ov, 1.0);
    snprintf(what, sizeof what, "%s area", pairs[i][0]);
    compare(what, json_number_value(json_object_get(json_object_get(r, "layer_a"), "m2")), aa, 1.0);
    snprintf(what, sizeof what, "%s area", pairs[i][1]);
    compare(what, json_number_value(json_object_get(json_object_get(r, "layer_b"), "m2")), ba, 1.0);
    lg_free(out);
    json_decref(r);
  }
  assert_int_equal(failures, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_checks_match_postgis),
                                     cmocka_unit_test(test_conflicts_match_postgis)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
