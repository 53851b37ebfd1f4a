/*
 * Demo content of land consolidation (src/consol): three projects of the
 * project library in the county's first township, registered by the
 * county approver through the module's own functions (each checked
 * against the control lines as it is registered), one left registered
 * (the river restoration project, placed across the red line so that
 * its warning shows), one in implementation (on basic farmland), and a construction-land
 * reclamation project accepted, whose new cultivated land and linkage surplus go to the
 * quota bank. The acceptance figures are the demo's, not measured.
 */
#include "consol/consol.h"
#include "auth/auth.h"
#include "demo/demo.h"

#include <stdio.h>
#include <string.h>

typedef struct proj {
  const char *name, *type;
  double dx, dy, w, h; /* metres from the county town's centre */
  int64_t budget_fen;
  const char *start_on, *end_on;
  int steps; /* 0 registered, 1 approved, 2 implementing, 3 accepted */
} proj_t;

static const proj_t projects[] = {
    {"城郊村零散宅基地复垦项目", "reclamation", 2500, -1800, 300, 200, 3200000000LL, "2025-03-01",
     "2026-06-30", 3},
    {"示范乡高标准农田与碎片耕地归并项目", "farmland", -3000, 2500, 800, 600, 8600000000LL,
     "2026-02-01", "2027-12-31", 2},
    {"河道生态保护修复项目", "ecological", 4000, 3500, 1200, 300, 2500000000LL, "2026-09-01",
     "2028-06-30", 0},
};

/* The centre of the box of the feature of a layer nearest the county
 * town (among its first 2,000): the river restoration project is
 * placed on the red line (its registration shows the warning a joint
 * review must answer), the farmland project on basic farmland
 * (cultivated land). false when the layer has none. */
static bool layer_point(lg_store_t *s, const char *layer, const lg_onemap_gen_result_t *r,
                        double *x, double *y) {
  lg_store_reader_t *rd = NULL;
  const char *const none[] = {NULL};
  lg_read_opts_t o = {.limit = 2000, .columns = none};
  double best = -1;
  if (lg_store_reader_new(s, layer, &o, &rd, NULL) != 0) return false;
  while (lg_store_reader_next(rd, NULL) == 1) {
    size_t n, wn;
    int32_t srs;
    lg_env_t e;
    bool empty;
    const unsigned char *wkb;
    const void *blob = lg_store_reader_blob(rd, &n);
    if (!blob || lg_gpkg_blob_parse(blob, n, &srs, &e, &empty, &wkb, &wn) || empty) continue;
    double cx = (e.minx + e.maxx) / 2, cy = (e.miny + e.maxy) / 2;
    double d = (cx - r->town_x) * (cx - r->town_x) + (cy - r->town_y) * (cy - r->town_y);
    if (best < 0 || d < best) {
      best = d;
      *x = cx;
      *y = cy;
    }
  }
  lg_store_reader_free(rd);
  return best >= 0;
}

static int one(lg_store_t *s, const lg_subject_t *who, const lg_onemap_gen_result_t *r,
               const char *township, const proj_t *p, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_env_t e = {r->town_x + p->dx, r->town_y + p->dy, r->town_x + p->dx + p->w,
                r->town_y + p->dy + p->h};
  double x = 0, y = 0;
  const char *on = !strcmp(p->type, "ecological") ? "eprl"
                   : !strcmp(p->type, "farmland") ? "pbf"
                                                  : NULL;
  if (on && layer_point(s, on, r, &x, &y))
    e = (lg_env_t){x - p->w / 2, y - p->h / 2, x + p->w / 2, y + p->h / 2};
  lg_geom_t *a = lg_geom_box(g, &e);
  lg_geom_set_srid(g, a, r->srid);
  lg_consol_project_new_t n = {.name = p->name,
                               .type = p->type,
                               .division = township,
                               .budget_fen = p->budget_fen,
                               .start_on = p->start_on,
                               .end_on = p->end_on,
                               .area = a,
                               .srid = r->srid};
  int64_t id = 0;
  int rc = lg_consol_project_register(s, who, &n, &id, err);
  lg_geom_free(g, a);
  if (rc == 0 && p->steps >= 1)
    rc = lg_consol_project_advance(s, who, id, "approved", "示县整治字〔2025〕8号", NULL, err);
  if (rc == 0 && p->steps >= 2)
    rc = lg_consol_project_advance(s, who, id, "implementing", NULL, "已完成招标, 进场施工", err);
  if (rc == 0 && p->steps >= 3) {
    lg_consol_acceptance_t acc = {.document = "示县整治验字〔2026〕2号",
                                  .cultivated_m2 = 48000,
                                  .grain_kg = 36000,
                                  .paddy_m2 = 20000,
                                  .linkage_m2 = 45000,
                                  .note = "演示: 验收测量面积为示例数值"};
    rc = lg_consol_project_accept(s, who, id, &acc, err);
  }
  if (rc) lg_err_prefix(err, "演示整治项目 (%s): ", p->name);
  return rc;
}

int lg_demo_consol(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  lg_user_t u;
  lg_subject_t who;
  char township[16];
  int rc = lg_auth_user_get(s, "approver", &u, err);
  if (rc) return rc;
  lg_auth_subject_from_user(&u, &who);
  snprintf(township, sizeof township, "%.6s101", r->county_code);
  for (size_t i = 0; rc == 0 && i < LG_ARRAY_LEN(projects); i++)
    rc = one(s, &who, r, township, &projects[i], err);
  return rc;
}
