/*
 * landgov's synthetic county (lg_onemap_gen): the demo and benchmark data
 * of the One Map. gen_land.c draws the landscape on a grid of cells and
 * cuts it into patches; this file decides which patches make up the
 * control layers and writes every layer through the store in one
 * transaction:
 *
 *   landuse  land-class patches, Third Land Survey codes (DLBM, DLMC, TBMJ...)
 *   pbf      permanent basic farmland: cultivated patches outside the towns
 *   eprl     ecological red line: the high hills, the reservoirs' shores and
 *            the main river's corridor (which takes in some riverside
 *            farmland: the overlap real data shows, a planning conflict)
 *   udb      urban development boundary around the county town and the
 *            first township seats
 *   plan     planned use zones, 2023 land and sea use codes
 *   county   the county outline
 *
 * Every layer is a union of whole patches, traced with the same vertices
 * (gen_trace.c), so they line up exactly with each other.
 */
#include "onemap/gen_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* 2023 land and sea use classification (国土空间调查、规划、用途管制用地
 * 用海分类指南, 自然资源部 2023), the codes the plan layer uses. */
typedef struct plan_code {
  const char *code, *name;
} plan_code_t;
enum {
  PL_CULT,
  PL_GARDEN,
  PL_FOREST,
  PL_GRASS,
  PL_RROAD,
  PL_FACIL,
  PL_URBRES,
  PL_RURRES,
  PL_GOV,
  PL_EDU,
  PL_COMM,
  PL_IND,
  PL_MINE,
  PL_WARE,
  PL_HWY,
  PL_STREET,
  PL_UTIL,
  PL_HYDRO,
  PL_PARK,
  PL_SPEC,
  PL_RIVER,
  PL_RESV,
  PL_POND,
  PL_DITCH,
  PL_RIDGE,
  PL_BARE,
  PL_COUNT
};
static const plan_code_t PLAN[PL_COUNT] = {
    [PL_CULT] = {"01", "耕地"},
    [PL_GARDEN] = {"02", "园地"},
    [PL_FOREST] = {"03", "林地"},
    [PL_GRASS] = {"04", "草地"},
    [PL_RROAD] = {"0601", "农村道路"},
    [PL_FACIL] = {"0602", "设施农用地"},
    [PL_URBRES] = {"0701", "城镇住宅用地"},
    [PL_RURRES] = {"0703", "农村宅基地"},
    [PL_GOV] = {"0801", "机关团体用地"},
    [PL_EDU] = {"0804", "教育用地"},
    [PL_COMM] = {"0901", "商业用地"},
    [PL_IND] = {"1001", "工业用地"},
    [PL_MINE] = {"1002", "采矿用地"},
    [PL_WARE] = {"1101", "物流仓储用地"},
    [PL_HWY] = {"1202", "公路用地"},
    [PL_STREET] = {"1207", "城镇村道路用地"},
    [PL_UTIL] = {"13", "公用设施用地"},
    [PL_HYDRO] = {"1311", "水工设施用地"},
    [PL_PARK] = {"1401", "公园绿地"},
    [PL_SPEC] = {"15", "特殊用地"},
    [PL_RIVER] = {"1701", "河流水面"},
    [PL_RESV] = {"1703", "水库水面"},
    [PL_POND] = {"1704", "坑塘水面"},
    [PL_DITCH] = {"1705", "沟渠"},
    [PL_RIDGE] = {"2303", "田坎"},
    [PL_BARE] = {"2306", "裸土地"},
};

/* Planned use of a patch of class k that keeps its present use. */
static const uint8_t PLAN_KEEP[K_COUNT] = {
    [K_PADDY] = PL_CULT,     [K_IRRIG] = PL_CULT,    [K_DRY] = PL_CULT,
    [K_ORCHARD] = PL_GARDEN, [K_TEA] = PL_GARDEN,    [K_FOREST] = PL_FOREST,
    [K_BAMBOO] = PL_FOREST,  [K_SHRUB] = PL_FOREST,  [K_OFOREST] = PL_FOREST,
    [K_GRASS] = PL_GRASS,    [K_COMM] = PL_COMM,     [K_WARE] = PL_WARE,
    [K_IND] = PL_IND,        [K_MINE] = PL_MINE,     [K_URBRES] = PL_URBRES,
    [K_RURRES] = PL_RURRES,  [K_GOV] = PL_GOV,       [K_PUB] = PL_EDU,
    [K_UTIL] = PL_UTIL,      [K_PARK] = PL_PARK,     [K_SPEC] = PL_SPEC,
    [K_HWY] = PL_HWY,        [K_STREET] = PL_STREET, [K_RROAD] = PL_RROAD,
    [K_RIVER] = PL_RIVER,    [K_RESV] = PL_RESV,     [K_POND] = PL_POND,
    [K_DITCH] = PL_DITCH,    [K_HYDRO] = PL_HYDRO,   [K_FACIL] = PL_FACIL,
    [K_RIDGE] = PL_RIDGE,    [K_BARE] = PL_BARE,
};

/* Red-line types of Jiangxi's ecological protection red line (江西省生态
 * 保护红线, 2018): water conservation, biodiversity, soil conservation. */
static const char *const HXLX[] = {"水源涵养", "生物多样性维护", "水土保持"};
static const char *const HILLS[] = {"云台山", "金鸡岭", "罗汉岩", "狮子山", "莲花山", "凤凰山",
                                    "翠微峰", "白鹭岭", "马岭",   "铜钵山", "梅岭",   "石门山",
                                    "天华山", "宝莲山", "龙岩嶂", "仙人嶂", "九龙山", "青峰岭"};

void lg_onemap_gen_opts_init(lg_onemap_gen_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->patches = LG_GEN_DEFAULT_PATCHES;
  o->seed = 1;
  o->county_code = "360781";
  o->county_name = "示范县";
  o->lon = 114.9;
  o->lat = 25.8;
}

static const char *const LAYERS[] = {"landuse", "pbf", "eprl", "udb", "plan", "county"};

/* ---- Which patches belong to which layer ---------------------------------- */

/* Layers made of many patches are cut into pieces by blocks, so that no
 * polygon grows to the size of the county: red line by 10 km blocks (and
 * by reservoir), plan zones by 2 km blocks. */
#define EPRL_BLOCK 333     /* cells */
#define PLAN_BLOCK 67      /* cells */
#define EPRL_MIN_CELLS 222 /* 20 ha: smaller red-line pieces are left out */

/* The group of a patch in the red line: kind and block (or reservoir). */
static int32_t eprl_key(const gen_t *G, const gen_patch_t *P) {
  int ebx = G->nx / EPRL_BLOCK + 1, eby = G->ny / EPRL_BLOCK + 1;
  int b = (int)(P->cy / EPRL_BLOCK) * ebx + (int)(P->cx / EPRL_BLOCK);
  return P->eprl == 0 ? 0 : P->eprl == 2 ? 1 + P->resv : 1000 + (P->eprl - 1) * ebx * eby + b;
}

/* Labels the connected pieces of a layer (pkey[p]: the group of patch p,
 * 0 outside the layer) and takes out of it the patches of every piece
 * smaller than min_cells, or, with largest_only, of every piece but the
 * largest of its group. */
static void prune(gen_t *G, const int32_t *pkey, int64_t min_cells, bool largest_only,
                  void (*drop)(gen_patch_t *)) {
  int32_t *key = G->seedid;
  for (size_t c = 0; c < G->ncell; c++)
    key[c] = G->pid[c] ? pkey[G->pid[c]] : 0;
  int32_t *start = NULL, *cells = lg_malloc(sizeof(int32_t) * G->ncell);
  int32_t n = gen_components(G, key, G->lab, cells, &start);
  int32_t maxkey = 0;
  for (int32_t p = 1; p <= G->npatch; p++)
    maxkey = pkey[p] > maxkey ? pkey[p] : maxkey;
  int32_t *best = lg_calloc((size_t)maxkey + 1, sizeof *best); /* largest piece of a group */
  for (int32_t id = 1; id <= n; id++) {
    int32_t k = key[cells[start[id]]], sz = start[id + 1] - start[id];
    if (!best[k] || sz > start[best[k] + 1] - start[best[k]]) best[k] = id;
  }
  for (int32_t id = 1; id <= n; id++) {
    int32_t k = key[cells[start[id]]], sz = start[id + 1] - start[id];
    if (sz >= min_cells && (!largest_only || best[k] == id)) continue;
    for (int32_t c = start[id]; c < start[id + 1]; c++)
      drop(&G->patches[G->pid[cells[c]]]);
  }
  lg_free(best);
  lg_free(start);
  lg_free(cells);
}

static void drop_udb(gen_patch_t *P) { P->udb = 0; }
static void drop_eprl(gen_patch_t *P) { P->eprl = 0; }

static double dist(double ax, double ay, double bx, double by) { return hypot(ax - bx, ay - by); }

/* Towns with an urban development boundary: the county town and the
 * first one or two township seats. */
static int udb_towns(const gen_t *G) { return G->ntowns >= 3 ? 3 : G->ntowns; }

static void decide_udb(gen_t *G) {
  int nt = udb_towns(G);
  uint64_t ns = gen_mix(G->seed ^ 0xDB);
  float hmax = G->hq[450];
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    for (int t = 0; t < nt && !P->udb; t++) {
      const gen_town_t *T = &G->towns[t];
      if (P->town == t + 1) {
        P->udb = (uint8_t)(t + 1);
        break;
      }
      double dx = P->cx - T->x, dy = P->cy - T->y, th = atan2(dy, dx);
      double rr = T->r * (t == 0 ? 1.45 : 1.8) *
                  (1 + 0.1 * gen_noise(ns + (uint64_t)t, 2 * cos(th) + 3, 2 * sin(th) + 3));
      if (hypot(dx, dy) < rr && P->h < hmax && P->cls != K_RESV && P->cls != K_HYDRO)
        P->udb = (uint8_t)(t + 1);
    }
  }
}

/* Permanent basic farmland: most cultivated patches outside the urban
 * development boundaries, paddy most of all (Land Administration Law
 * art. 33 names first the grain bases and the well-irrigated fields). */
static void decide_pbf(gen_t *G) {
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    if (!gen_is_cult(P->cls) || P->udb) continue;
    double prob = P->cls == K_PADDY ? 0.93 : P->cls == K_IRRIG ? 0.85 : 0.72;
    if (P->ncell < 2) prob *= 0.5;
    P->pbf = gen_u01(gen_hash(G->seed, p, 0, 0xBF)) < prob;
  }
}

static bool eprl_eligible(const gen_patch_t *P) {
  if (P->udb) return false;
  int k = P->cls;
  return gen_is_forest(k) || gen_is_cult(k) || k == K_GRASS || k == K_BARE || k == K_RIVER ||
         k == K_RESV || k == K_POND || k == K_DITCH || k == K_RIDGE;
}

typedef struct {
  float key;
  int32_t p;
} pkey_t;

static int cmp_desc(const void *a, const void *b) {
  const pkey_t *x = a, *y = b;
  return x->key < y->key ? 1 : x->key > y->key ? -1 : (x->p > y->p) - (x->p < y->p);
}
static int cmp_asc(const void *a, const void *b) { return -cmp_desc(a, b); }

/* The ecological red line: the highest hills (about 27% of the county,
 * near Jiangxi's share of about 28%), the land within 800 m of a reservoir, and a
 * corridor along the main river. Basic farmland enters the hills and
 * shores only up to a twentieth of it; the corridor is then made just
 * wide enough that about a tenth of all basic farmland lies in the red
 * line, the kind of overlap the seeds found in real data (12.3%). */
static void decide_eprl(gen_t *G) {
  pkey_t *v = lg_malloc(sizeof(pkey_t) * ((size_t)G->npatch + 1));
  int64_t pbf = 0, inside = 0;
  for (int32_t p = 1; p <= G->npatch; p++)
    pbf += G->patches[p].pbf ? G->patches[p].ncell : 0;
  size_t n = 0;
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    if (eprl_eligible(P) && P->cls != K_RIVER && P->cls != K_RESV) v[n++] = (pkey_t){P->h, p};
  }
  qsort(v, n, sizeof *v, cmp_desc);
  int64_t want = (int64_t)(0.27 * (double)G->ncounty), got = 0;
  for (size_t k = 0; k < n && got < want; k++) {
    gen_patch_t *P = &G->patches[v[k].p];
    if (P->pbf && inside + P->ncell > pbf / 20) continue;
    P->eprl = 1;
    got += P->ncell;
    if (P->pbf) inside += P->ncell;
  }
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    if (!P->resv || !eprl_eligible(P) || P->eprl) continue;
    if (P->pbf && inside + P->ncell > pbf / 20) continue;
    P->eprl = 2;
    if (P->pbf) inside += P->ncell;
  }
  n = 0;
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    if (P->pbf && !P->eprl) v[n++] = (pkey_t){P->dmean, p};
  }
  qsort(v, n, sizeof *v, cmp_asc);
  /* The corridor's width: the mean distance from the river of the last
   * basic farmland it must take in; the main river and everything
   * eligible on average that near join. */
  float width = -1, wmax = (float)(3 * 1500 / GEN_CELL);
  for (size_t k = 0; k < n && inside < pbf / 10 && v[k].key <= wmax; k++) {
    width = v[k].key;
    inside += G->patches[v[k].p].ncell;
  }
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    if (!P->eprl && eprl_eligible(P) && (P->dmean <= width || (P->cls == K_RIVER && P->dmain == 0)))
      P->eprl = 3;
  }
  lg_free(v);
}

static void decide_plan(gen_t *G) {
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    int k = P->cls, pl = PLAN_KEEP[k];
    if (P->udb && !gen_is_urban(k) && k != K_STREET && k != K_HWY && k != K_RIVER && k != K_RESV &&
        k != K_POND && k != K_DITCH && k != K_HYDRO && k != K_SPEC && k != K_MINE) {
      /* Land inside the boundary that is to be built on: industry in the
       * county town's industrial quarter, housing, shops, parks and
       * schools elsewhere. */
      const gen_town_t *T = &G->towns[P->udb - 1];
      double rho = dist(P->cx, P->cy, T->x, T->y) / T->r;
      double ang = fabs(remainder(atan2(P->cy - T->y, P->cx - T->x) - T->ind_dir, 2 * M_PI));
      double u = gen_u01(gen_hash(G->seed, p, 1, 0x9A));
      if (P->udb == 1 && rho > 0.45 && ang < 0.95)
        pl = PL_IND;
      else
        pl = u < 0.62   ? PL_URBRES
             : u < 0.72 ? PL_COMM
             : u < 0.86 ? PL_PARK
             : u < 0.93 ? PL_EDU
             : u < 0.97 ? PL_UTIL
                        : PL_GOV;
    }
    P->plan = (uint8_t)pl;
  }
}

/* ---- Writing ------------------------------------------------------------------ */

#define F(n, t)                                                                                    \
  { n, LG_FIELD_##t }
static const lg_field_t LANDUSE_F[] = {F("DLBM", TEXT),   F("DLMC", TEXT),   F("TBMJ", REAL),
                                       F("TBBH", TEXT),   F("QSXZ", TEXT),   F("QSDWDM", TEXT),
                                       F("QSDWMC", TEXT), F("ZLDWDM", TEXT), F("ZLDWMC", TEXT)};
static const lg_field_t PBF_F[] = {F("JBNTTBBH", TEXT), F("TBBH", TEXT),   F("DLBM", TEXT),
                                   F("DLMC", TEXT),     F("ZLDWDM", TEXT), F("ZLDWMC", TEXT),
                                   F("TBMJ", REAL)};
static const lg_field_t EPRL_F[] = {F("HXBH", TEXT), F("HXMC", TEXT), F("HXLX", TEXT),
                                    F("MJ", REAL)};
static const lg_field_t UDB_F[] = {F("XZQDM", TEXT), F("MC", TEXT), F("MJ", REAL)};
static const lg_field_t PLAN_F[] = {F("YDYHFLDM", TEXT), F("YDYHFLMC", TEXT), F("MJ", REAL)};
static const lg_field_t COUNTY_F[] = {F("XZQDM", TEXT), F("XZQMC", TEXT), F("MJ", REAL)};
#undef F

static int create_layers(lg_store_t *s, const gen_t *G, bool replace, const char *meta,
                         lg_err_t *err) {
  const lg_layer_def_t defs[] = {
      {"landuse", "土地利用现状 (三调地类图斑)", "landuse", "DLBM", "MULTIPOLYGON", G->srid,
       LANDUSE_F, LG_ARRAY_LEN(LANDUSE_F), "landgov gen", meta},
      {"pbf", "永久基本农田", "pbf", NULL, "MULTIPOLYGON", G->srid, PBF_F, LG_ARRAY_LEN(PBF_F),
       "landgov gen", meta},
      {"eprl", "生态保护红线", "eprl", NULL, "MULTIPOLYGON", G->srid, EPRL_F, LG_ARRAY_LEN(EPRL_F),
       "landgov gen", meta},
      {"udb", "城镇开发边界", "udb", NULL, "MULTIPOLYGON", G->srid, UDB_F, LG_ARRAY_LEN(UDB_F),
       "landgov gen", meta},
      {"plan", "国土空间规划用途分区", "plan", "YDYHFLDM", "MULTIPOLYGON", G->srid, PLAN_F,
       LG_ARRAY_LEN(PLAN_F), "landgov gen", meta},
      {"county", "县级行政区", "other", NULL, "MULTIPOLYGON", G->srid, COUNTY_F,
       LG_ARRAY_LEN(COUNTY_F), "landgov gen", meta},
  };
  for (size_t k = 0; k < LG_ARRAY_LEN(defs); k++) {
    int rc = lg_store_layer_create(s, &defs[k], replace, err);
    if (rc) return rc;
  }
  return 0;
}

static bool state_owned(const gen_patch_t *P) {
  return P->town || P->cls == K_HWY || P->cls == K_RIVER || P->cls == K_RESV || P->cls == K_HYDRO;
}

/* Patches and the basic farmland copied from them. */
/* A county's patches keep their numbers as fids; a county appended to a
 * province's layers takes the fids after the last one. */
static int write_landuse(lg_store_t *s, gen_t *G, gen_tracer_t *tr, bool append, lg_err_t *err) {
  lg_store_writer_t *wl = NULL, *wp = NULL;
  lg_buf_t wkb;
  lg_buf_init(&wkb);
  int rc = lg_store_writer_new(s, "landuse", &wl, err);
  if (rc == 0) rc = lg_store_writer_new(s, "pbf", &wp, err);
  int64_t npbf = 0;
  for (int32_t p = 1; rc == 0 && p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    const int32_t *cells = G->cells + G->pstart[p];
    rc = gen_trace(tr, G->pid, p, cells, G->pstart[p + 1] - G->pstart[p], &wkb, &P->area, err);
    if (rc) break;
    gen_village_t *V = &G->vils[P->vil - 1];
    const gen_township_t *S = &G->tships[V->township];
    const gen_class_t *K = &gen_classes[P->cls];
    char tbbh[16], qs[24], qsmc[96];
    snprintf(tbbh, sizeof tbbh, "%d", ++V->tbbh);
    bool state = state_owned(P);
    if (state) {
      snprintf(qs, sizeof qs, "%.6s%.3s0000000000", G->county_code, S->code);
      snprintf(qsmc, sizeof qsmc, "%s国有土地", S->name);
    }
    lg_store_writer_text(wl, 0, K->dlbm);
    lg_store_writer_text(wl, 1, K->dlmc);
    lg_store_writer_real(wl, 2, round(P->area * 100) / 100);
    lg_store_writer_text(wl, 3, tbbh);
    lg_store_writer_text(wl, 4, state ? "10" : "30"); /* 国有 / 集体土地所有权 */
    lg_store_writer_text(wl, 5, state ? qs : V->code);
    lg_store_writer_text(wl, 6, state ? qsmc : V->name);
    lg_store_writer_text(wl, 7, V->code);
    lg_store_writer_text(wl, 8, V->name);
    rc = lg_store_writer_add_wkb(wl, append ? 0 : p, wkb.data, wkb.len, NULL, err);
    if (rc || !P->pbf) continue;
    char jb[24];
    snprintf(jb, sizeof jb, "%.12s%06lld", V->code, (long long)++npbf);
    lg_store_writer_text(wp, 0, jb);
    lg_store_writer_text(wp, 1, tbbh);
    lg_store_writer_text(wp, 2, K->dlbm);
    lg_store_writer_text(wp, 3, K->dlmc);
    lg_store_writer_text(wp, 4, V->code);
    lg_store_writer_text(wp, 5, V->name);
    lg_store_writer_real(wp, 6, round(P->area * 100) / 100);
    rc = lg_store_writer_add_wkb(wp, 0, wkb.data, wkb.len, NULL, err);
  }
  if (rc == 0) rc = lg_store_writer_finish(wl, err);
  if (rc == 0) rc = lg_store_writer_finish(wp, err);
  lg_store_writer_free(wl);
  lg_store_writer_free(wp);
  lg_buf_fini(&wkb);
  return rc;
}

/* A layer made of groups of patches: key[p] (0: not in the layer) says
 * which group a patch joins; each connected piece of a group is one
 * feature, its fields filled by fill(). */
typedef void (*fill_fn)(gen_t *G, lg_store_writer_t *w, int32_t key, const gen_patch_t *first,
                        double area, int64_t seq);

static int write_groups(lg_store_t *s, gen_t *G, gen_tracer_t *tr, const char *layer,
                        const int32_t *pkey, fill_fn fill, int64_t *count, double *area_sum,
                        lg_err_t *err) {
  int32_t *key = G->seedid;
  for (size_t c = 0; c < G->ncell; c++)
    key[c] = G->pid[c] ? pkey[G->pid[c]] : 0;
  int32_t *start = NULL;
  int32_t n = gen_components(G, key, G->lab, G->cells, &start);
  gen_tracer_reset(tr);
  lg_store_writer_t *w = NULL;
  lg_buf_t wkb;
  lg_buf_init(&wkb);
  int rc = lg_store_writer_new(s, layer, &w, err);
  *count = 0;
  *area_sum = 0;
  for (int32_t id = 1; rc == 0 && id <= n; id++) {
    const int32_t *cells = G->cells + start[id];
    double area = 0;
    rc = gen_trace(tr, G->lab, id, cells, start[id + 1] - start[id], &wkb, &area, err);
    if (rc) break;
    fill(G, w, key[cells[0]], &G->patches[G->pid[cells[0]]], area, ++*count);
    rc = lg_store_writer_add_wkb(w, 0, wkb.data, wkb.len, NULL, err);
    *area_sum += area;
  }
  if (rc == 0) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  lg_buf_fini(&wkb);
  lg_free(start);
  return rc;
}

static void fill_eprl(gen_t *G, lg_store_writer_t *w, int32_t key, const gen_patch_t *P,
                      double area, int64_t seq) {
  char bh[32], mc[160];
  const char *lx;
  snprintf(bh, sizeof bh, "%.6s%04lld", G->county_code, (long long)seq);
  if (P->eprl == 2) {
    lx = HXLX[0];
    snprintf(mc, sizeof mc, "%s%s生态保护红线", G->resvs[P->resv - 1].name, lx);
  } else if (P->eprl == 3) {
    lx = HXLX[0];
    snprintf(mc, sizeof mc, "%s%s生态保护红线", G->river_name, lx);
  } else {
    uint64_t h = gen_hash(G->seed, key, 0, 0x11);
    lx = HXLX[h % 3];
    snprintf(mc, sizeof mc, "%s%s生态保护红线", HILLS[(h >> 8) % LG_ARRAY_LEN(HILLS)], lx);
  }
  lg_store_writer_text(w, 0, bh);
  lg_store_writer_text(w, 1, mc);
  lg_store_writer_text(w, 2, lx);
  lg_store_writer_real(w, 3, round(area * 100) / 100);
}

static void fill_udb(gen_t *G, lg_store_writer_t *w, int32_t key, const gen_patch_t *P, double area,
                     int64_t seq) {
  const gen_town_t *T = &G->towns[key - 1];
  const gen_township_t *S = &G->tships[T->township];
  char code[16], mc[128];
  snprintf(code, sizeof code, "%.6s%.3s", G->county_code, S->code);
  snprintf(mc, sizeof mc, "%s城镇开发边界", T->name);
  lg_store_writer_text(w, 0, code);
  lg_store_writer_text(w, 1, mc);
  lg_store_writer_real(w, 2, round(area * 100) / 100);
}

static void fill_plan(gen_t *G, lg_store_writer_t *w, int32_t key, const gen_patch_t *P,
                      double area, int64_t seq) {
  lg_store_writer_text(w, 0, PLAN[P->plan].code);
  lg_store_writer_text(w, 1, PLAN[P->plan].name);
  lg_store_writer_real(w, 2, round(area * 100) / 100);
}

static void fill_county(gen_t *G, lg_store_writer_t *w, int32_t key, const gen_patch_t *P,
                        double area, int64_t seq) {
  lg_store_writer_text(w, 0, G->county_code);
  lg_store_writer_text(w, 1, G->county_name);
  lg_store_writer_real(w, 2, round(area * 100) / 100);
}

static int write_controls(lg_store_t *s, gen_t *G, gen_tracer_t *tr, lg_onemap_gen_result_t *r,
                          lg_err_t *err) {
  int32_t *pkey = lg_calloc((size_t)G->npatch + 1, sizeof *pkey);
  for (int32_t p = 1; p <= G->npatch; p++)
    pkey[p] = eprl_key(G, &G->patches[p]);
  int rc =
      write_groups(s, G, tr, "eprl", pkey, fill_eprl, &r->layers[2].count, &r->layers[2].area, err);
  for (int32_t p = 1; rc == 0 && p <= G->npatch; p++)
    pkey[p] = G->patches[p].udb;
  if (rc == 0)
    rc =
        write_groups(s, G, tr, "udb", pkey, fill_udb, &r->layers[3].count, &r->layers[3].area, err);
  int pbx = G->nx / PLAN_BLOCK + 1, pby = G->ny / PLAN_BLOCK + 1;
  for (int32_t p = 1; rc == 0 && p <= G->npatch; p++) {
    const gen_patch_t *P = &G->patches[p];
    int b = (int)(P->cy / PLAN_BLOCK) * pbx + (int)(P->cx / PLAN_BLOCK);
    pkey[p] = 1 + P->plan * pbx * pby + b;
  }
  if (rc == 0)
    rc = write_groups(s, G, tr, "plan", pkey, fill_plan, &r->layers[4].count, &r->layers[4].area,
                      err);
  for (int32_t p = 1; rc == 0 && p <= G->npatch; p++)
    pkey[p] = 1;
  if (rc == 0)
    rc = write_groups(s, G, tr, "county", pkey, fill_county, &r->layers[5].count,
                      &r->layers[5].area, err);
  lg_free(pkey);
  return rc;
}

static void summarise(const gen_t *G, lg_onemap_gen_result_t *r) {
  for (int k = 1; k < K_COUNT; k++) {
    lg_onemap_gen_class_t *c = &r->classes[r->nclasses];
    memset(c, 0, sizeof *c);
    snprintf(c->dlbm, sizeof c->dlbm, "%s", gen_classes[k].dlbm);
    snprintf(c->dlmc, sizeof c->dlmc, "%s", gen_classes[k].dlmc);
    for (int32_t p = 1; p <= G->npatch; p++)
      if (G->patches[p].cls == k) {
        c->count++;
        c->area += G->patches[p].area;
      }
    if (c->count) r->nclasses++;
  }
  r->layers[0].count = G->npatch;
  for (int32_t p = 1; p <= G->npatch; p++) {
    const gen_patch_t *P = &G->patches[p];
    r->layers[0].area += P->area;
    if (P->pbf) {
      r->layers[1].count++;
      r->layers[1].area += P->area;
      if (P->eprl) r->pbf_eprl_overlap += P->area;
    }
  }
  r->county_area = r->layers[5].area;
  r->ntownships = G->ntships;
  r->nvillages = G->nvils;
  gen_vertex_xy(G, (int)lround(G->towns[0].x), (int)lround(G->towns[0].y), &r->town_x, &r->town_y);
}

int lg_onemap_gen(lg_store_t *s, const lg_onemap_gen_opts_t *o, lg_onemap_gen_result_t *r,
                  lg_err_t *err) {
  double t0 = lg_mono();
  lg_onemap_gen_opts_t def;
  if (!o) {
    lg_onemap_gen_opts_init(&def);
    o = &def;
  }
  memset(r, 0, sizeof *r);
  if (o->patches < LG_GEN_MIN_PATCHES || o->patches > LG_GEN_MAX_PATCHES)
    return lg_err_set(err, LG_EINVAL, "图斑数 %lld 超出范围: 应在 %d 到 %d 之间",
                      (long long)o->patches, LG_GEN_MIN_PATCHES, LG_GEN_MAX_PATCHES);
  const char *code = o->county_code ? o->county_code : "360781";
  if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
    return lg_err_set(err, LG_EINVAL, "县级行政区划代码 \"%s\" 无效: 应为 6 位数字 (GB/T 2260)",
                      code);
  if (!o->replace && !o->append) {
    for (size_t k = 0; k < LG_ARRAY_LEN(LAYERS); k++) {
      lg_layer_info_t info;
      if (lg_store_layer_get(s, LAYERS[k], &info, NULL) == 0) {
        lg_store_layer_info_fini(&info);
        return lg_err_set(err, LG_ECONFLICT, "图层 %s 已存在; 如需重新生成请加 --replace",
                          LAYERS[k]);
      }
    }
  }
  lg_geo_t *g = lg_geo_thread();
  double ex = o->lon, ey = o->lat;
  int rc = lg_xy_transform(g, 4490, 4526, &ex, &ey, 1, err);
  if (rc) return rc;
  int zone = 0;
  if (lg_gk_zone_from_easting(ex, &zone, NULL, NULL) != 0 || zone != 38)
    return lg_err_set(
        err, LG_ECRS,
        "中心 %.4f°E %.4f°N 不在 CGCS2000 3 度带第 38 带 (EPSG:4526, 112.5°E-115.5°E)", o->lon,
        o->lat);

  gen_t *G = lg_calloc(1, sizeof *G);
  G->seed = o->seed;
  G->target = o->patches;
  G->srid = 4526;
  snprintf(G->county_code, sizeof G->county_code, "%s", code);
  snprintf(G->county_name, sizeof G->county_name, "%s", o->county_name ? o->county_name : "示范县");
  gen_tracer_t *tr = NULL;
  char *meta = NULL;
  int32_t *pkey = NULL;
  bool began = false;
  rc = gen_land_build(G, err);
  if (rc) goto done;
  lg_log(LG_LOG_DEBUG, "gen: landscape %dx%d cells, %.2f s", G->nx, G->ny, lg_mono() - t0);
  /* Whole metres for the grid origin, with the county's centre at (ex, ey). */
  G->x0 = round(ex - G->cx * GEN_CELL);
  G->y0 = round(ey - G->cy * GEN_CELL);
  rc = gen_land_patches(G, err);
  if (rc) goto done;
  lg_log(LG_LOG_DEBUG, "gen: %d patches, %.2f s", G->npatch, lg_mono() - t0);
  G->lab = lg_malloc(sizeof(int32_t) * G->ncell);
  pkey = lg_calloc((size_t)G->npatch + 1, sizeof *pkey);
  decide_udb(G);
  for (int32_t p = 1; p <= G->npatch; p++)
    pkey[p] = G->patches[p].udb;
  prune(G, pkey, 0, true, drop_udb);
  decide_pbf(G);
  decide_eprl(G);
  for (int32_t p = 1; p <= G->npatch; p++)
    pkey[p] = eprl_key(G, &G->patches[p]);
  prune(G, pkey, EPRL_MIN_CELLS, false, drop_eprl);
  decide_plan(G);
  tr = gen_tracer_new(G);

  json_t *m =
      json_pack("{s:s, s:I, s:I, s:s, s:s, s:f, s:f}", "generator", "landgov gen", "seed",
                (json_int_t)o->seed, "patches_requested", (json_int_t)o->patches, "county_code",
                G->county_code, "county_name", G->county_name, "lon", o->lon, "lat", o->lat);
  meta = json_dumps(m, JSON_COMPACT);
  json_decref(m);

  lg_store_bulk_mode(s, true);
  if ((rc = lg_store_begin(s, err))) goto done;
  began = true;
  if (!o->append && (rc = create_layers(s, G, o->replace, meta, err))) goto done;
  if ((rc = write_landuse(s, G, tr, o->append, err))) goto done;
  lg_log(LG_LOG_DEBUG, "gen: landuse and pbf written, %.2f s", lg_mono() - t0);
  if ((rc = write_controls(s, G, tr, r, err))) goto done;
  lg_log(LG_LOG_DEBUG, "gen: control layers written, %.2f s", lg_mono() - t0);
  rc = lg_store_commit(s, err);
  began = false;
  if (rc) goto done;

  static const char *const roles[] = {"landuse", "pbf", "eprl", "udb", "plan", "other"};
  r->nlayers = (int)LG_ARRAY_LEN(LAYERS);
  for (int k = 0; k < r->nlayers; k++) {
    snprintf(r->layers[k].name, sizeof r->layers[k].name, "%s", LAYERS[k]);
    snprintf(r->layers[k].role, sizeof r->layers[k].role, "%s", roles[k]);
  }
  summarise(G, r);
  r->srid = G->srid;
  snprintf(r->county_code, sizeof r->county_code, "%s", G->county_code);
  snprintf(r->county_name, sizeof r->county_name, "%s", G->county_name);
  r->lon = o->lon;
  r->lat = o->lat;
  r->centre_x = ex;
  r->centre_y = ey;
  lg_layer_info_t ci;
  if (lg_store_layer_get(s, "county", &ci, NULL) == 0) {
    r->extent = ci.extent;
    lg_store_layer_info_fini(&ci);
  }
  r->seconds = lg_mono() - t0;
done:
  if (began) lg_store_rollback(s);
  lg_store_bulk_mode(s, false);
  if (rc) lg_err_prefix(err, "生成合成县: ");
  free(meta);
  lg_free(pkey);
  gen_tracer_free(tr);
  gen_free(G);
  return rc;
}
