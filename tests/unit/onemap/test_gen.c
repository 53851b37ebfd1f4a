/*
 * The synthetic county (lg_onemap_gen). Expected values come from outside
 * the generator: GEOS for validity and areas (an independent measure of
 * the coverage: the patches must tile the county outline exactly), the
 * Third Land Survey class names (TD/T 1055-2019) and the 2023 use codes of
 * ../shared/data/ydyh_2023_codes.tsv, the Gauss-Kruger series (Snyder,
 * Map Projections: A Working Manual, 1987, eq. 8-9 and 8-10) worked by
 * hand for where 114.9E 25.8N falls in EPSG:4526, and the land shares of a
 * hilly south-Jiangxi county (forest about 70%, cultivated 10-15% with
 * paddy the majority) for the ranges the class shares must fall in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lg_test.h"
#include "onemap/onemap.h"

#define PATCHES 3000 /* small, to stay quick under ASan */
#define SEED 7

#define assert_between(v, lo, hi)                                                                  \
  do {                                                                                             \
    double v_ = (v);                                                                               \
    if (!(v_ >= (lo) && v_ <= (hi)))                                                               \
      fail_msg("%s = %.6g, expected between %g and %g", #v, v_, (double)(lo), (double)(hi));       \
  } while (0)

static char dir[256];
static lg_store_t *S; /* seed SEED, PATCHES patches */
static lg_onemap_gen_result_t RES;
static const char *const LAYERS[] = {"landuse", "pbf", "eprl", "udb", "plan", "county"};

static char *db_path(const char *name) { return lg_sprintf("%s/%s.gpkg", dir, name); }

static lg_store_t *make_county(const char *name, uint64_t seed, int64_t patches,
                               lg_onemap_gen_result_t *res) {
  char *path = db_path(name);
  lg_store_t *s = NULL;
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err))
    fail_msg("%s: %s", path, err.msg);
  lg_free(path);
  lg_onemap_gen_opts_t o;
  lg_onemap_gen_opts_init(&o);
  o.seed = seed;
  o.patches = patches;
  lg_onemap_gen_result_t r;
  int rc = lg_onemap_gen(s, &o, res ? res : &r, &err);
  if (rc) fail_msg("lg_onemap_gen: rc=%d %s", rc, err.msg);
  return s;
}

static int setup(void **state) {
  snprintf(dir, sizeof dir, "/tmp/lg_test_gen_XXXXXX");
  if (!mkdtemp(dir)) return -1;
  S = make_county("a", SEED, PATCHES, &RES);
  return 0;
}

static int teardown(void **state) {
  lg_store_close(S);
  char *cmd = lg_sprintf("rm -rf '%s'", dir);
  int rc = system(cmd);
  lg_free(cmd);
  return rc == 0 ? 0 : -1;
}

/* ---- Reading layers back ------------------------------------------------ */

typedef struct feat {
  int64_t fid;
  lg_geom_t *geom;
  lg_env_t env;
  char a[64], b[64]; /* two text fields, by name */
  double v;          /* one real field */
} feat_t;

typedef struct {
  feat_t *items;
  size_t len, cap;
} feats_t;

/* Every feature of a layer with text fields fa, fb and real field fv
 * (each may be NULL). */
static feats_t read_layer(lg_store_t *s, const char *layer, const char *fa, const char *fb,
                          const char *fv) {
  lg_geo_t *g = lg_geo_thread();
  lg_store_reader_t *r = NULL;
  lg_err_t err = {0};
  if (lg_store_reader_new(s, layer, NULL, &r, &err)) fail_msg("%s: %s", layer, err.msg);
  int ia = fa ? lg_store_reader_field_index(r, fa) : -1,
      ib = fb ? lg_store_reader_field_index(r, fb) : -1,
      iv = fv ? lg_store_reader_field_index(r, fv) : -1;
  if ((fa && ia < 0) || (fb && ib < 0) || (fv && iv < 0))
    fail_msg("layer %s lacks field %s/%s/%s", layer, fa, fb, fv);
  feats_t v = {0};
  int rc;
  while ((rc = lg_store_reader_next(r, &err)) == 1) {
    feat_t f = {0};
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    assert_non_null(blob);
    f.fid = lg_store_reader_fid(r);
    f.geom = lg_geom_from_gpkg(g, blob, n, &err);
    if (!f.geom) fail_msg("%s fid %lld: %s", layer, (long long)f.fid, err.msg);
    lg_geom_envelope(g, f.geom, &f.env);
    if (ia >= 0) snprintf(f.a, sizeof f.a, "%s", lg_store_reader_text(r, ia));
    if (ib >= 0) snprintf(f.b, sizeof f.b, "%s", lg_store_reader_text(r, ib));
    if (iv >= 0) f.v = lg_store_reader_real(r, iv);
    lg_vec_push(&v, f);
  }
  assert_int_equal(rc, 0);
  lg_store_reader_free(r);
  return v;
}

static void feats_free(feats_t *v) {
  for (size_t k = 0; k < v->len; k++)
    lg_geom_free(lg_geo_thread(), v->items[k].geom);
  lg_free(v->items);
}

static bool env_overlap(const lg_env_t *a, const lg_env_t *b) {
  return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

/* FNV-1a over every layer: fids, geometry blobs and field values. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t k = 0; k < n; k++)
    h = (h ^ b[k]) * 0x100000001B3ull;
  return h;
}

static uint64_t digest(lg_store_t *s) {
  uint64_t h = 0xCBF29CE484222325ull;
  lg_err_t err = {0};
  for (size_t l = 0; l < LG_ARRAY_LEN(LAYERS); l++) {
    lg_store_reader_t *r = NULL;
    if (lg_store_reader_new(s, LAYERS[l], NULL, &r, &err)) fail_msg("%s", err.msg);
    h = fnv(h, LAYERS[l], strlen(LAYERS[l]));
    while (lg_store_reader_next(r, &err) == 1) {
      int64_t fid = lg_store_reader_fid(r);
      size_t n = 0;
      const void *blob = lg_store_reader_blob(r, &n);
      h = fnv(h, &fid, sizeof fid);
      h = fnv(h, blob, n);
      for (int i = 0; i < lg_store_reader_nfields(r); i++) {
        const char *t = lg_store_reader_text(r, i);
        h = fnv(h, t ? t : "", t ? strlen(t) + 1 : 1);
      }
    }
    lg_store_reader_free(r);
  }
  return h;
}

/* ---- Tests ------------------------------------------------------------------ */

/* Same seed: the same county, bit for bit; another seed: another county. */
static void test_deterministic(void **state) {
  uint64_t a = digest(S);
  lg_onemap_gen_result_t r2;
  lg_store_t *b = make_county("b", SEED, PATCHES, &r2);
  assert_true(digest(b) == a);
  assert_int_equal(r2.layers[0].count, RES.layers[0].count);
  lg_store_close(b);
  lg_store_t *c = make_county("c", SEED + 1, PATCHES, NULL);
  assert_true(digest(c) != a);
  lg_store_close(c);
}

/* Every patch is a valid polygon, TBMJ is its area, and the patches tile
 * the county outline: their areas sum to its area, and their union is
 * it (so there are neither overlaps, which would make the sum exceed the
 * union, nor gaps, which would make the union fall short). */
static void test_coverage(void **state) {
  lg_geo_t *g = lg_geo_thread();
  feats_t lu = read_layer(S, "landuse", "DLBM", NULL, "TBMJ");
  feats_t co = read_layer(S, "county", "XZQDM", NULL, "MJ");
  assert_between((double)lu.len, 0.8 * PATCHES, 1.2 * PATCHES);
  assert_int_equal(co.len, 1);
  assert_string_equal(co.items[0].a, "360781");
  double sum = 0;
  lg_geom_t **parts = lg_malloc(sizeof *parts * lu.len);
  for (size_t k = 0; k < lu.len; k++) {
    char why[256];
    double x, y;
    if (!lg_geom_is_valid(g, lu.items[k].geom, why, &x, &y))
      fail_msg("landuse fid %lld invalid: %s at %.3f %.3f", (long long)lu.items[k].fid, why, x, y);
    double a = lg_geom_area(g, lu.items[k].geom);
    assert_near(lu.items[k].v, a, 0.006); /* TBMJ, rounded to 0.01 m2 */
    assert_true(a > 0);
    sum += a;
    parts[k] = lg_geom_clone(g, lu.items[k].geom);
  }
  char why[256];
  assert_true(lg_geom_is_valid(g, co.items[0].geom, why, NULL, NULL));
  double county = lg_geom_area(g, co.items[0].geom);
  assert_near(sum / county, 1.0, 1e-6);
  assert_near(RES.county_area / county, 1.0, 1e-6);
  lg_err_t err = {0};
  lg_geom_t *all = lg_geom_collect(g, parts, lu.len);
  lg_geom_t *u = lg_geom_unary_union(g, all, &err);
  assert_non_null(u);
  assert_near(lg_geom_area(g, u) / county, 1.0, 1e-6);
  lg_geom_t *gap = lg_geom_difference(g, co.items[0].geom, u, &err);
  lg_geom_t *over = lg_geom_difference(g, u, co.items[0].geom, &err);
  assert_true(lg_geom_area(g, gap) < 1e-6 * county);
  assert_true(lg_geom_area(g, over) < 1e-6 * county);
  lg_geom_free(g, gap);
  lg_geom_free(g, over);
  lg_geom_free(g, u);
  lg_geom_free(g, all);
  lg_free(parts);
  feats_free(&lu);
  feats_free(&co);
}

/* Third Land Survey working classification (TD/T 1055-2019 annex A):
 * the codes a south-Jiangxi county has, with their names. */
static const struct {
  const char *code, *name;
} SANDIAO[] = {
    {"0101", "水田"},
    {"0102", "水浇地"},
    {"0103", "旱地"},
    {"0201", "果园"},
    {"0202", "茶园"},
    {"0301", "乔木林地"},
    {"0302", "竹林地"},
    {"0305", "灌木林地"},
    {"0307", "其他林地"},
    {"0404", "其他草地"},
    {"05H1", "商业服务业设施用地"},
    {"0508", "物流仓储用地"},
    {"0601", "工业用地"},
    {"0602", "采矿用地"},
    {"0701", "城镇住宅用地"},
    {"0702", "农村宅基地"},
    {"08H1", "机关团体新闻出版用地"},
    {"08H2", "科教文卫用地"},
    {"0809", "公用设施用地"},
    {"0810", "公园与绿地"},
    {"09", "特殊用地"},
    {"1003", "公路用地"},
    {"1004", "城镇村道路用地"},
    {"1006", "农村道路"},
    {"1101", "河流水面"},
    {"1103", "水库水面"},
    {"1104", "坑塘水面"},
    {"1107", "沟渠"},
    {"1109", "水工建筑用地"},
    {"1202", "设施农用地"},
    {"1203", "田坎"},
    {"1206", "裸土地"},
};

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }
static bool is_any(const char *s, const char *const *set, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (strcmp(s, set[k]) == 0) return true;
  return false;
}

static void test_class_shares(void **state) {
  feats_t lu = read_layer(S, "landuse", "DLBM", "DLMC", "TBMJ");
  double total = 0, forest = 0, cult = 0, paddy = 0, garden = 0, water = 0, roads = 0, rural = 0,
         urban = 0;
  static const char *const ROADS[] = {"1003", "1004", "1006"};
  static const char *const URBAN[] = {"05H1", "0508", "0601", "0701",
                                      "08H1", "08H2", "0809", "0810"};
  for (size_t k = 0; k < lu.len; k++) {
    const feat_t *f = &lu.items[k];
    size_t c = 0;
    while (c < LG_ARRAY_LEN(SANDIAO) && strcmp(SANDIAO[c].code, f->a) != 0)
      c++;
    if (c == LG_ARRAY_LEN(SANDIAO)) fail_msg("fid %lld: unknown DLBM %s", (long long)f->fid, f->a);
    assert_string_equal(f->b, SANDIAO[c].name);
    total += f->v;
    if (starts(f->a, "03")) forest += f->v;
    if (starts(f->a, "01")) cult += f->v;
    if (strcmp(f->a, "0101") == 0) paddy += f->v;
    if (starts(f->a, "02")) garden += f->v;
    if (starts(f->a, "11")) water += f->v;
    if (is_any(f->a, ROADS, LG_ARRAY_LEN(ROADS))) roads += f->v;
    if (strcmp(f->a, "0702") == 0) rural += f->v;
    if (is_any(f->a, URBAN, LG_ARRAY_LEN(URBAN))) urban += f->v;
  }
  assert_between(forest / total, 0.60, 0.80);
  assert_between(cult / total, 0.08, 0.18);
  assert_between(paddy / cult, 0.5, 0.9);
  assert_between(garden / total, 0.02, 0.09);
  assert_between(water / total, 0.015, 0.06);
  assert_between(roads / total, 0.01, 0.04);
  assert_between(rural / total, 0.015, 0.05);
  assert_between(urban / total, 0.008, 0.04);
  /* Mean patch of 1.5-3 ha, as county survey data has. */
  assert_between(total / lu.len / 1e4, 1.5, 3.0);
  feats_free(&lu);
}

/* Basic farmland: cultivated patches, each a copy of a landuse patch of
 * the same class, and none inside the urban development boundary. */
static void test_pbf(void **state) {
  lg_geo_t *g = lg_geo_thread();
  feats_t pbf = read_layer(S, "pbf", "DLBM", "ZLDWDM", "TBMJ");
  feats_t lu = read_layer(S, "landuse", "DLBM", NULL, NULL);
  feats_t udb = read_layer(S, "udb", "XZQDM", "MC", NULL);
  assert_true(pbf.len > 0);
  double cult = 0, area = 0;
  for (size_t k = 0; k < lu.len; k++)
    if (starts(lu.items[k].a, "01")) cult += lg_geom_area(g, lu.items[k].geom);
  for (size_t k = 0; k < pbf.len; k++) {
    const feat_t *f = &pbf.items[k];
    if (!starts(f->a, "01")) fail_msg("pbf fid %lld has DLBM %s", (long long)f->fid, f->a);
    assert_int_equal(strlen(f->b), 19);
    area += lg_geom_area(g, f->geom);
    bool within = false;
    for (size_t m = 0; m < lu.len && !within; m++) {
      if (!env_overlap(&f->env, &lu.items[m].env) || strcmp(lu.items[m].a, f->a) != 0) continue;
      lg_prep_t *p = lg_prep_new(g, lu.items[m].geom);
      within = lg_prep_covers(g, p, f->geom);
      lg_prep_free(g, p);
    }
    if (!within)
      fail_msg("pbf fid %lld lies in no landuse patch of class %s", (long long)f->fid, f->a);
    for (size_t m = 0; m < udb.len; m++) {
      if (!env_overlap(&f->env, &udb.items[m].env)) continue;
      lg_err_t err = {0};
      lg_geom_t *x = lg_geom_intersection(g, f->geom, udb.items[m].geom, &err);
      assert_non_null(x);
      assert_true(lg_geom_area(g, x) < 1e-3);
      lg_geom_free(g, x);
    }
  }
  assert_between(area / cult, 0.5, 0.98);
  feats_free(&pbf);
  feats_free(&lu);
  feats_free(&udb);
}

/* The red line covers some basic farmland, as real data does (the seeds
 * report 12.3%), but not most of it. */
static void test_eprl_overlap(void **state) {
  lg_geo_t *g = lg_geo_thread();
  feats_t pbf = read_layer(S, "pbf", NULL, NULL, NULL);
  feats_t red = read_layer(S, "eprl", "HXMC", "HXLX", "MJ");
  assert_between((double)red.len, 3, 200);
  double pa = 0, ov = 0, ra = 0;
  for (size_t m = 0; m < red.len; m++) {
    char why[256];
    assert_true(lg_geom_is_valid(g, red.items[m].geom, why, NULL, NULL));
    assert_near(red.items[m].v, lg_geom_area(g, red.items[m].geom), 0.006);
    assert_true(strstr(red.items[m].a, "生态保护红线") != NULL);
    static const char *const TYPES[] = {"水源涵养", "生物多样性维护", "水土保持"};
    assert_true(is_any(red.items[m].b, TYPES, 3));
    ra += red.items[m].v;
  }
  for (size_t k = 0; k < pbf.len; k++) {
    pa += lg_geom_area(g, pbf.items[k].geom);
    for (size_t m = 0; m < red.len; m++) {
      if (!env_overlap(&pbf.items[k].env, &red.items[m].env)) continue;
      lg_err_t err = {0};
      lg_geom_t *x = lg_geom_intersection(g, pbf.items[k].geom, red.items[m].geom, &err);
      assert_non_null(x);
      ov += lg_geom_area(g, x);
      lg_geom_free(g, x);
    }
  }
  assert_true(ov > 0);
  assert_between(ov / pa, 0.01, 0.2);
  assert_near(RES.pbf_eprl_overlap / ov, 1.0, 1e-6);
  assert_between(ra / RES.county_area, 0.15, 0.45);
  feats_free(&pbf);
  feats_free(&red);
}

/* The urban development boundary holds the county town: its centre, and
 * town streets and housing around it. */
static void test_udb_town(void **state) {
  lg_geo_t *g = lg_geo_thread();
  feats_t udb = read_layer(S, "udb", "XZQDM", "MC", "MJ");
  assert_between((double)udb.len, 1, 10);
  char wkt[128];
  snprintf(wkt, sizeof wkt, "POINT(%.3f %.3f)", RES.town_x, RES.town_y);
  lg_err_t err = {0};
  lg_geom_t *pt = lg_geom_from_wkt(g, wkt, &err);
  assert_non_null(pt);
  int inside = 0;
  for (size_t m = 0; m < udb.len; m++) {
    lg_prep_t *p = lg_prep_new(g, udb.items[m].geom);
    if (lg_prep_contains(g, p, pt)) {
      inside++;
      assert_true(starts(udb.items[m].a, "360781"));
      assert_int_equal(strlen(udb.items[m].a), 9);
    }
    lg_prep_free(g, p);
  }
  assert_int_equal(inside, 1);
  lg_env_t box = {RES.town_x - 400, RES.town_y - 400, RES.town_x + 400, RES.town_y + 400};
  lg_read_opts_t ro = {.bbox = &box};
  lg_store_reader_t *r = NULL;
  assert_int_equal(lg_store_reader_new(S, "landuse", &ro, &r, &err), 0);
  int streets = 0, housing = 0, i = lg_store_reader_field_index(r, "DLBM");
  while (lg_store_reader_next(r, &err) == 1) {
    streets += strcmp(lg_store_reader_text(r, i), "1004") == 0;
    housing += strcmp(lg_store_reader_text(r, i), "0701") == 0;
  }
  lg_store_reader_free(r);
  assert_true(streets > 0);
  assert_true(housing > 0);
  lg_geom_free(g, pt);
  feats_free(&udb);
}

/* Where the county lies: EPSG:4526, zone 38 with the zone prefix; the
 * requested centre 114.9E 25.8N projects (Gauss-Kruger series on the
 * CGCS2000 ellipsoid, central meridian 114E, worked by hand) to
 * E 38,590,260.29 m, N 2,854,985.83 m; the outline's centre converts back
 * to about 114.9E 25.8N. */
static void test_crs(void **state) {
  lg_err_t err = {0};
  for (size_t l = 0; l < LG_ARRAY_LEN(LAYERS); l++) {
    lg_layer_info_t info;
    assert_int_equal(lg_store_layer_get(S, LAYERS[l], &info, &err), 0);
    assert_int_equal(info.srs_id, 4526);
    assert_true(info.count > 0);
    lg_store_layer_info_fini(&info);
  }
  assert_near(RES.centre_x, 38590260.29, 0.5);
  assert_near(RES.centre_y, 2854985.83, 0.5);
  lg_layer_info_t co;
  assert_int_equal(lg_store_layer_get(S, "county", &co, &err), 0);
  int zone = 0, width = 0, epsg = 0;
  assert_int_equal(lg_gk_zone_from_easting(co.extent.minx, &zone, &width, &epsg), 0);
  assert_int_equal(zone, 38);
  assert_int_equal(width, 3);
  assert_int_equal(epsg, 4526);
  assert_int_equal(lg_gk_zone_from_easting(co.extent.maxx, &zone, NULL, NULL), 0);
  assert_int_equal(zone, 38);
  double x = (co.extent.minx + co.extent.maxx) / 2, y = (co.extent.miny + co.extent.maxy) / 2;
  lg_store_layer_info_fini(&co);
  assert_int_equal(lg_xy_transform(lg_geo_thread(), 4526, 4490, &x, &y, 1, &err), 0);
  assert_near(x, 114.9, 0.05);
  assert_near(y, 25.8, 0.05);
}

/* Plan zones use 2023 codes with their names as the classification
 * gives them, and tile the county as the patches do. */
static void test_plan_codes(void **state) {
  lg_geo_t *g = lg_geo_thread();
  const char *sh = getenv("LG_SHARED");
  char *path = lg_sprintf("%s/data/ydyh_2023_codes.tsv", sh ? sh : "../shared");
  char *tsv = NULL;
  size_t n = 0;
  lg_err_t err = {0};
  if (lg_file_read(path, &tsv, &n, &err)) fail_msg("%s", err.msg);
  lg_free(path);
  feats_t plan = read_layer(S, "plan", "YDYHFLDM", "YDYHFLMC", "MJ");
  assert_true(plan.len > 10);
  double sum = 0;
  int zones_0701 = 0, zones_01 = 0;
  for (size_t k = 0; k < plan.len; k++) {
    const feat_t *f = &plan.items[k];
    /* Level 1: "01\t耕地\t..."; level 2: "0101 水田" inside the third
     * column, where a line may abbreviate "1311 水工设施" and say once
     * "(all ...用地)". */
    char *want =
        strlen(f->a) == 2 ? lg_sprintf("\n%s\t%s\t", f->a, f->b) : lg_sprintf("%s %s", f->a, f->b);
    bool found = strstr(tsv, want) != NULL;
    size_t nl = strlen(want), sl = strlen("用地");
    if (!found && nl > sl && strcmp(want + nl - sl, "用地") == 0) {
      want[nl - sl] = '\0';
      const char *at = strstr(tsv, want), *eol = at ? strchr(at, '\n') : NULL;
      const char *note = at ? strstr(at, "(all ...用地)") : NULL;
      found = note && (!eol || note < eol);
    }
    if (!found)
      fail_msg("plan fid %lld: %s %s not in the 2023 classification", (long long)f->fid, f->a,
               f->b);
    lg_free(want);
    sum += lg_geom_area(g, f->geom);
    zones_0701 += strcmp(f->a, "0701") == 0;
    zones_01 += strcmp(f->a, "01") == 0;
  }
  assert_true(zones_0701 > 0);
  assert_true(zones_01 > 0);
  assert_near(sum / RES.county_area, 1.0, 1e-6);
  lg_free(tsv);
  feats_free(&plan);
}

static void test_replace_and_errors(void **state) {
  lg_err_t err = {0};
  lg_onemap_gen_opts_t o;
  lg_onemap_gen_opts_init(&o);
  o.seed = SEED;
  o.patches = PATCHES;
  lg_onemap_gen_result_t r;
  assert_int_equal(lg_onemap_gen(S, &o, &r, &err), LG_ECONFLICT);
  assert_true(strstr(err.msg, "--replace") != NULL);
  o.patches = 10;
  o.replace = true;
  assert_int_equal(lg_onemap_gen(S, &o, &r, &err), LG_EINVAL);
  o.patches = PATCHES;
  o.county_code = "36078";
  assert_int_equal(lg_onemap_gen(S, &o, &r, &err), LG_EINVAL);
  o.county_code = NULL;
  o.lon = 120.0; /* zone 40, not 38 */
  assert_int_equal(lg_onemap_gen(S, &o, &r, &err), LG_ECRS);
  o.lon = 114.9;
  /* Replacing with the same seed gives back the same county. */
  uint64_t before = digest(S);
  assert_int_equal(lg_onemap_gen(S, &o, &r, &err), 0);
  assert_true(digest(S) == before);
}

/* The commands: gen --json reports the layers; demo refuses an existing
 * database. */
static void test_cli(void **state) {
  const char *bin = getenv("LG_BIN");
  if (!bin || access(bin, X_OK) != 0) skip();
  char *dbfile = db_path("cli"), *out = db_path("cli_out");
  lg_test_remove_store(dbfile);
  char *db = lg_strdup(lg_test_target(dbfile));
  char *cmd = lg_sprintf("'%s' --db '%s' gen --patches 500 --seed 3 --json > '%s'", bin, db, out);
  assert_int_equal(system(cmd), 0);
  lg_free(cmd);
  json_error_t je;
  json_t *doc = json_load_file(out, 0, &je);
  if (!doc) fail_msg("gen --json: %s", je.text);
  json_t *layers = json_object_get(doc, "layers");
  assert_int_equal(json_array_size(layers), 6);
  for (size_t k = 0; k < 6; k++) {
    json_t *l = json_array_get(layers, k);
    assert_string_equal(json_string_value(json_object_get(l, "name")), LAYERS[k]);
    assert_true(json_integer_value(json_object_get(l, "count")) > 0);
  }
  assert_true(json_array_size(json_object_get(doc, "area_by_class")) > 10);
  json_decref(doc);
  cmd = lg_sprintf("'%s' --db '%s' demo --patches 500 > /dev/null 2>&1", bin, db);
  assert_int_not_equal(system(cmd), 0);
  lg_free(cmd);
  cmd = lg_sprintf("'%s' --db '%s' gen --patches 500 > /dev/null 2>&1", bin, db);
  assert_int_not_equal(system(cmd), 0); /* layers exist, no --replace */
  lg_free(cmd);
  /* demo --force makes a fresh store with its ledger keys, as init does:
   * the key's name is the demo county's origin, file mode 0600. */
  cmd = lg_sprintf("'%s' --db '%s' demo --patches 500 --force > /dev/null 2>&1", bin, db);
  assert_int_equal(system(cmd), 0);
  lg_free(cmd);
  char *key = lg_test_key_path(dbfile, "ledger");
  struct stat st;
  assert_int_equal(stat(key, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  free(key);
  cmd = lg_sprintf("'%s' --db '%s' ledger key | grep -q '^landgov.example/360781+'", bin, db);
  assert_int_equal(system(cmd), 0);
  lg_free(cmd);
  lg_free(db);
  lg_test_remove_store(dbfile);
  lg_free(dbfile);
  lg_free(out);
}

/* Counts a layer's features whose text field starts with prefix, and
 * gathers the envelopes of the features (at most 16). */
static int64_t count_prefix(lg_store_t *s, const char *layer, const char *field, const char *prefix,
                            lg_env_t *envs, int *nenv) {
  const char *cols[] = {field, NULL};
  lg_read_opts_t o = {.columns = cols};
  lg_store_reader_t *q;
  lg_err_t err = {0};
  if (lg_store_reader_new(s, layer, &o, &q, &err)) fail_msg("%s: %s", layer, err.msg);
  int64_t n = 0;
  while (lg_store_reader_next(q, &err) == 1) {
    const char *v = lg_store_reader_text(q, 0);
    if (prefix && (!v || strncmp(v, prefix, strlen(prefix)) != 0)) continue;
    n++;
    size_t nb;
    const void *blob = lg_store_reader_blob(q, &nb);
    const unsigned char *wkb;
    size_t wl;
    if (envs && *nenv < 16 && lg_gpkg_blob_parse(blob, nb, NULL, NULL, NULL, &wkb, &wl) == 0 &&
        lg_wkb_envelope(wkb, wl, &envs[*nenv], &(bool){false}) == 0)
      (*nenv)++;
  }
  lg_store_reader_free(q);
  return n;
}

/* gen --counties 3: three counties in the same six layers, side by side
 * without overlapping; each county's patches are exactly those of the
 * same county generated alone (same seed, same size: the generator's
 * landscape does not depend on where the county lies). */
static void test_province(void **state) {
  const char *bin = getenv("LG_BIN");
  if (!bin || access(bin, X_OK) != 0) fail_msg("LG_BIN not set");
  char *dbfile = db_path("province");
  lg_test_remove_store(dbfile);
  char *db = lg_strdup(lg_test_target(dbfile));
  char *cmd =
      lg_sprintf("'%s' --db '%s' gen --counties 3 --patches 500 --seed 3 > /dev/null", bin, db);
  assert_int_equal(system(cmd), 0);
  lg_free(cmd);
  lg_store_t *p;
  lg_err_t err = {0};
  assert_int_equal(lg_store_open(db, 0, &p, &err), 0);
  lg_env_t env[16];
  int nenv = 0;
  assert_int_equal(count_prefix(p, "county", "XZQDM", NULL, env, &nenv), 3);
  assert_int_equal(nenv, 3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < i; j++)
      if (!(env[i].maxx < env[j].minx || env[j].maxx < env[i].minx || env[i].maxy < env[j].miny ||
            env[j].maxy < env[i].miny))
        fail_msg("counties %d and %d overlap", i, j);
  int64_t total = 0;
  for (int i = 0; i < 3; i++) {
    char code[8], name[16];
    snprintf(code, sizeof code, "%06d", 360781 + i);
    assert_int_equal(count_prefix(p, "county", "XZQDM", code, NULL, NULL), 1);
    snprintf(name, sizeof name, "alone%d", i);
    lg_onemap_gen_result_t r;
    lg_store_t *one = make_county(name, 3 + (uint64_t)i, 500, &r);
    int64_t n = count_prefix(p, "landuse", "ZLDWDM", code, NULL, NULL);
    assert_int_equal(n, r.layers[0].count);
    total += n;
    lg_store_close(one);
    char *op = db_path(name);
    lg_test_remove_store(op);
    lg_free(op);
  }
  assert_int_equal(count_prefix(p, "landuse", "ZLDWDM", NULL, NULL, NULL), total);
  lg_store_close(p);
  lg_free(db);
  lg_test_remove_store(dbfile);
  lg_free(dbfile);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_coverage),
      cmocka_unit_test(test_class_shares),
      cmocka_unit_test(test_pbf),
      cmocka_unit_test(test_eprl_overlap),
      cmocka_unit_test(test_udb_town),
      cmocka_unit_test(test_crs),
      cmocka_unit_test(test_plan_codes),
      cmocka_unit_test(test_replace_and_errors),
      cmocka_unit_test(test_cli),
      cmocka_unit_test(test_province),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
