/*
 * The demo store's monitoring (`landgov demo`): a batch of change
 * patches (卫片变化图斑) over the synthetic county, as a bureau receives
 * one, written as a GeoJSON file and imported through the module's own
 * import: some inside approvals (legal), some on basic farmland or in the
 * red line or on no approval at all (suspect), some that are no new
 * construction; detected, and a few alerts moved along enforcement by
 * the county's administrator (one verified and demolished, one found
 * unfounded and closed).
 */
#include "monitor/monitor.h"
#include "auth/auth.h"
#include "demo/demo.h"
#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A patch of about 60 x 60 m cut out of the n-th feature of the first
 * layer of a role (its box's centre), as GeoJSON geometry text, or NULL
 * when the layer is missing or the cut is too small. */
static char *cut(lg_store_t *s, const char *role, int n, double half, lg_err_t *err) {
  lg_layer_info_t info;
  lg_err_t e2 = {0};
  if (lg_store_layer_by_role(s, role, &info, &e2) != 0) return NULL;
  lg_geo_t *g = lg_geo_thread();
  lg_read_opts_t ro = {.offset = n, .limit = 40};
  static const char *const none[] = {NULL};
  ro.columns = none;
  lg_store_reader_t *r = NULL;
  char *out = NULL;
  if (lg_store_reader_new(s, info.name, &ro, &r, err) != 0) goto done;
  while (!out && lg_store_reader_next(r, err) == 1) {
    size_t bn;
    const void *blob = lg_store_reader_blob(r, &bn);
    lg_geom_t *f = blob ? lg_geom_from_gpkg(g, blob, bn, err) : NULL;
    lg_env_t env;
    if (!f || lg_geom_envelope(g, f, &env) != 0) {
      lg_geom_free(g, f);
      continue;
    }
    double cx = (env.minx + env.maxx) / 2, cy = (env.miny + env.maxy) / 2;
    lg_env_t b = {cx - half, cy - half, cx + half, cy + half};
    lg_geom_t *box = lg_geom_box(g, &b);
    lg_geom_set_srid(g, box, info.srs_id);
    lg_geom_t *x = lg_geom_intersection(g, box, f, err);
    lg_geom_t *poly = x ? lg_geom_polygonal(g, x) : NULL;
    if (poly && lg_geom_area(g, poly) > half * half) out = lg_geom_to_geojson(g, poly);
    lg_geom_free(g, poly);
    lg_geom_free(g, x);
    lg_geom_free(g, box);
    lg_geom_free(g, f);
  }
done:
  lg_store_reader_free(r);
  lg_store_layer_info_fini(&info);
  return out;
}

/* A square of side 2 * half around (x, y), as GeoJSON geometry text. */
static char *square(double x, double y, double half) {
  return lg_sprintf("{\"type\":\"Polygon\",\"coordinates\":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],"
                    "[%.2f,%.2f],[%.2f,%.2f]]]}",
                    x - half, y - half, x + half, y - half, x + half, y + half, x - half, y + half,
                    x - half, y - half);
}

typedef struct demo_patch {
  const char *role; /* where it is cut from; NULL: a square near the town */
  int nth;
  const char *before, *after;
} demo_patch_t;

static const demo_patch_t patches[] = {
    {"approval", 0, "0103", "0601"}, /* inside an approval: legal */
    {"approval", 5, "0102", "0701"}, {"approval", 11, "0101", "08H2"},
    {"pbf", 3, "0101", "0702"},                                   /* houses on basic farmland */
    {"pbf", 20, "0103", "0601"},     {"eprl", 2, "0301", "0602"}, /* a quarry in the red line */
    {NULL, 0, "0103", "0508"},                                    /* warehouses beside the town */
    {NULL, 1, "0404", "1003"},                                    /* a road on unused grassland */
    {"pbf", 8, "0102", "0201"}, /* an orchard: no new construction */
    {NULL, 2, "0701", "05H1"},  /* construction before and after */
};

static int write_batch(lg_store_t *s, const lg_onemap_gen_result_t *r, const char *path,
                       lg_err_t *err) {
  FILE *f = fopen(path, "w");
  if (!f) return lg_err_set(err, LG_EIO, "无法写入 %s", path);
  fprintf(f,
          "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
          "{\"name\":\"urn:ogc:def:crs:EPSG::%d\"}},\"features\":[",
          r->srid);
  int k = 0;
  for (size_t i = 0; i < LG_ARRAY_LEN(patches); i++) {
    const demo_patch_t *p = &patches[i];
    char *geom = p->role ? cut(s, p->role, p->nth, 30, err)
                         : square(r->town_x + 900 + 400 * p->nth, r->town_y - 700, 35);
    if (!geom) continue;
    fprintf(f,
            "%s{\"type\":\"Feature\",\"properties\":{\"JCBH\":\"WP%s%03d\",\"BGQDLBM\":\"%s\","
            "\"BGHDLBM\":\"%s\"},\"geometry\":%s}",
            k++ ? "," : "", r->county_code, (int)i + 1, p->before, p->after, geom);
    lg_free(geom);
  }
  fprintf(f, "]}\n");
  fclose(f);
  return 0;
}

/* Moves the first alert of a kind along a path of states. */
static int enforce(lg_store_t *s, const lg_subject_t *who, json_t *alerts, size_t nth,
                   const char *const *path, const char *const *reasons, int n, lg_err_t *err) {
  json_t *a = json_array_get(json_object_get(alerts, "alerts"), nth);
  if (!a) return 0;
  int64_t id = json_integer_value(json_object_get(a, "id"));
  int rc = 0;
  for (int i = 0; rc == 0 && i < n; i++)
    rc = lg_monitor_alert_move(s, who, id, path[i], reasons[i], err);
  return rc;
}

int lg_demo_monitor(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  char path[] = "/tmp/landgov-demo-patches-XXXXXX.geojson";
  int fd = mkstemps(path, 8);
  if (fd < 0) return lg_err_set(err, LG_EIO, "无法创建临时文件");
  close(fd);
  lg_user_t u;
  lg_subject_t admin;
  json_t *alerts = NULL;
  int rc = lg_auth_user_get(s, "admin", &u, err);
  if (rc == 0) lg_auth_subject_from_user(&u, &admin);
  if (rc == 0) rc = write_batch(s, r, path, err);
  lg_monitor_import_t o = {.path = path,
                           .source_name = "卫片变化图斑.geojson",
                           .name = "演示县 2026 年第三季度卫片图斑",
                           .division = r->county_code,
                           .who = &admin};
  int64_t batch = 0;
  if (rc == 0) rc = lg_monitor_import_run(s, &o, &batch, err);
  if (rc == 0) rc = lg_monitor_detect(s, &admin, batch, 0, NULL, err);
  if (rc == 0) rc = lg_monitor_alerts(s, NULL, batch, NULL, 0, &alerts, err);
  static const char *const demolish[] = {"confirmed", "filed", "demolished"};
  static const char *const why1[] = {"现场核查: 未取得用地批准, 已建成", "立案查处",
                                     "责令限期拆除, 当事人已自行拆除"};
  static const char *const unfounded[] = {"unfounded", "closed"};
  static const char *const why2[] = {"现场核查: 为设施农用地备案范围, 非建设", "核查不属实, 结案"};
  if (rc == 0) rc = enforce(s, &admin, alerts, 0, demolish, why1, 3, err);
  if (rc == 0) rc = enforce(s, &admin, alerts, 1, unfounded, why2, 2, err);
  json_decref(alerts);
  unlink(path);
  return rc;
}
