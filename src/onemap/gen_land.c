/*
 * The landscape of the synthetic county, on a grid of 30 m cells: the
 * county outline, a main river with tributaries, terrain (hills with
 * valleys carved along the rivers, as in the low hills and basins of
 * south Jiangxi), reservoirs dammed in tributary valleys, the county town
 * on the main river with a street grid and an industrial park at its
 * edge, township seats, administrative villages (the ownership units),
 * hamlets at the foot of the hills, highways and rural roads routed along
 * the valleys, and the remaining land split by elevation into paddy and
 * dry land on the valley floors, navel-orange orchards on the low hills,
 * and forest above. Finally every cell gets a "patch seed", so that a
 * patch is a connected group of cells sharing class, village and seed.
 *
 * Shares by area follow a hilly south-Jiangxi county (Ganzhou's counties:
 * forest about 70%, cultivated land 12-13% with paddy the majority,
 * orchards about 5%, rural settlements 3%, towns and industry 2%, roads
 * 2%, water 3%). Everything is a function of the seed: random choices made
 * in sequence come from lg_rng_t, values needed at arbitrary places
 * (noise, per-cell jitter) from a hash of the seed and the position.
 */
#include "onemap/gen_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* County area per patch requested, m2: calibrated so that the number of
 * patches comes out near the request (mean patch about 2 ha). */
#define AREA_PER_PATCH 21250.0

/* Third National Land Survey working classification (第三次全国国土调查
 * 工作分类, TD/T 1055-2019 annex A), with the spacing (cells) of the seeds
 * that cut a class into patches: forest patches of several hectares,
 * fields of about one, elongated along the valley. */
const gen_class_t gen_classes[K_COUNT] = {
    [K_NONE] = {"", "", 0, 1},
    [K_PADDY] = {"0101", "水田", 4.3f, 1.9f},
    [K_IRRIG] = {"0102", "水浇地", 4.0f, 1.6f},
    [K_DRY] = {"0103", "旱地", 4.0f, 1.6f},
    [K_ORCHARD] = {"0201", "果园", 6.5f, 1.3f},
    [K_TEA] = {"0202", "茶园", 5.5f, 1.3f},
    [K_FOREST] = {"0301", "乔木林地", 12.0f, 1},
    [K_BAMBOO] = {"0302", "竹林地", 8.5f, 1},
    [K_SHRUB] = {"0305", "灌木林地", 8.5f, 1},
    [K_OFOREST] = {"0307", "其他林地", 8.0f, 1},
    [K_GRASS] = {"0404", "其他草地", 6.0f, 1},
    [K_COMM] = {"05H1", "商业服务业设施用地", 5.0f, 1},
    [K_WARE] = {"0508", "物流仓储用地", 5.0f, 1},
    [K_IND] = {"0601", "工业用地", 6.0f, 1},
    [K_MINE] = {"0602", "采矿用地", 9.0f, 1},
    [K_URBRES] = {"0701", "城镇住宅用地", 5.0f, 1},
    [K_RURRES] = {"0702", "农村宅基地", 5.0f, 1},
    [K_GOV] = {"08H1", "机关团体新闻出版用地", 5.0f, 1},
    [K_PUB] = {"08H2", "科教文卫用地", 5.0f, 1},
    [K_UTIL] = {"0809", "公用设施用地", 5.0f, 1},
    [K_PARK] = {"0810", "公园与绿地", 5.0f, 1},
    [K_SPEC] = {"09", "特殊用地", 5.0f, 1},
    [K_HWY] = {"1003", "公路用地", 14.0f, 1},
    [K_STREET] = {"1004", "城镇村道路用地", 8.0f, 1},
    [K_RROAD] = {"1006", "农村道路", 14.0f, 1},
    [K_RIVER] = {"1101", "河流水面", 12.0f, 1},
    [K_RESV] = {"1103", "水库水面", 0, 1},
    [K_POND] = {"1104", "坑塘水面", 4.0f, 1},
    [K_DITCH] = {"1107", "沟渠", 14.0f, 1},
    [K_HYDRO] = {"1109", "水工建筑用地", 0, 1},
    [K_FACIL] = {"1202", "设施农用地", 4.5f, 1},
    [K_RIDGE] = {"1203", "田坎", 3.5f, 1},
    [K_BARE] = {"1206", "裸土地", 5.0f, 1},
};

/* ---- Noise ---------------------------------------------------------------- */

static inline uint64_t lattice(uint64_t seed, int64_t x, int64_t y) {
  return gen_mix(seed + (uint64_t)x * 0x9E3779B97F4A7C15ull + (uint64_t)y * 0xC2B2AE3D27D4EB4Full);
}

static inline double fade(double t) { return t * t * t * (t * (t * 6 - 15) + 10); }

double gen_noise(uint64_t seed, double x, double y) {
  double fx = floor(x), fy = floor(y);
  int64_t ix = (int64_t)fx, iy = (int64_t)fy;
  double u = fade(x - fx), v = fade(y - fy);
  double a = gen_u01(lattice(seed, ix, iy)), b = gen_u01(lattice(seed, ix + 1, iy));
  double c = gen_u01(lattice(seed, ix, iy + 1)), d = gen_u01(lattice(seed, ix + 1, iy + 1));
  double ab = a + (b - a) * u, cd = c + (d - c) * u;
  return 2 * (ab + (cd - ab) * v) - 1;
}

double gen_fbm(uint64_t seed, double x, double y, int octaves) {
  double sum = 0, amp = 1, norm = 0;
  for (int o = 0; o < octaves; o++) {
    sum += amp * gen_noise(seed + (uint64_t)o * 0x51ED27ull, x, y);
    norm += amp;
    amp *= 0.5;
    x *= 2.03;
    y *= 2.03;
  }
  return sum / norm;
}

/* Salts that keep the seed's many noise fields apart. */
enum {
  S_SHAPE = 1,
  S_HILLS,
  S_DETAIL,
  S_VALLEY_W,
  S_TRIB_W,
  S_FINE,
  S_TOWN,
  S_BLOB,
  S_VILWARP,
  S_CULT,
  S_PADDY,
  S_IRRIG,
  S_ORCH,
  S_TEA,
  S_GRASS,
  S_BAMBOO,
  S_SHRUB,
  S_OFOREST,
  S_ANISO,
  S_SEED,
  S_BLOCK,
  S_RIVER
};

static inline uint64_t fseed(const gen_t *G, int salt) {
  return gen_mix(G->seed ^ (0xA5A5ull * (uint64_t)salt));
}

/* ---- Small helpers -------------------------------------------------------- */

static inline size_t IDX(const gen_t *G, int i, int j) {
  return (size_t)j * (size_t)G->nx + (size_t)i;
}
static inline bool in_grid(const gen_t *G, int i, int j) {
  return i >= 0 && j >= 0 && i < G->nx && j < G->ny;
}
static inline bool in_county(const gen_t *G, int i, int j) {
  return in_grid(G, i, j) && G->cls[IDX(G, i, j)] != K_NONE;
}
static inline double urand(lg_rng_t *R) { return lg_rng_uniform(R); }
static double gauss(lg_rng_t *R) {
  double u = urand(R), v = urand(R);
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}
static inline double dist(double ax, double ay, double bx, double by) {
  return hypot(ax - bx, ay - by);
}
/* Share of the county's cells, as a count. */
static inline int64_t share(const gen_t *G, double f) {
  return (int64_t)llround(f * (double)G->ncounty);
}
/* Elevation at quantile q (0..1) of the county. */
static inline float hq(const gen_t *G, double q) {
  int k = (int)lround(q * 1000);
  return G->hq[k < 0 ? 0 : k > 1000 ? 1000 : k];
}

/* Chamfer (3-4) distance transform: d holds 0 at sources and 65535
 * elsewhere on entry; distances in thirds of a cell on exit. */
static void chamfer(const gen_t *G, uint16_t *d) {
  int nx = G->nx, ny = G->ny;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      size_t c = IDX(G, i, j);
      unsigned v = d[c];
      if (v == 0) continue;
      if (i > 0 && d[c - 1] + 3u < v) v = d[c - 1] + 3u;
      if (j > 0) {
        size_t u = c - (size_t)nx;
        if (d[u] + 3u < v) v = d[u] + 3u;
        if (i > 0 && d[u - 1] + 4u < v) v = d[u - 1] + 4u;
        if (i + 1 < nx && d[u + 1] + 4u < v) v = d[u + 1] + 4u;
      }
      d[c] = (uint16_t)(v > 65535 ? 65535 : v);
    }
  for (int j = ny - 1; j >= 0; j--)
    for (int i = nx - 1; i >= 0; i--) {
      size_t c = IDX(G, i, j);
      unsigned v = d[c];
      if (v == 0) continue;
      if (i + 1 < nx && d[c + 1] + 3u < v) v = d[c + 1] + 3u;
      if (j + 1 < ny) {
        size_t u = c + (size_t)nx;
        if (d[u] + 3u < v) v = d[u] + 3u;
        if (i + 1 < nx && d[u + 1] + 4u < v) v = d[u + 1] + 4u;
        if (i > 0 && d[u - 1] + 4u < v) v = d[u - 1] + 4u;
      }
      d[c] = (uint16_t)(v > 65535 ? 65535 : v);
    }
}

/* A polyline in cell units. */
typedef LG_VEC(double) pts_t;
static void pts_add(pts_t *p, double x, double y) {
  lg_vec_push(p, x);
  lg_vec_push(p, y);
}

/* Chaikin corner cutting, keeping the end points. */
static void chaikin(pts_t *p) {
  size_t n = p->len / 2;
  if (n < 3) return;
  pts_t q = {0};
  pts_add(&q, p->items[0], p->items[1]);
  for (size_t k = 0; k + 1 < n; k++) {
    double ax = p->items[2 * k], ay = p->items[2 * k + 1];
    double bx = p->items[2 * k + 2], by = p->items[2 * k + 3];
    pts_add(&q, 0.75 * ax + 0.25 * bx, 0.75 * ay + 0.25 * by);
    pts_add(&q, 0.25 * ax + 0.75 * bx, 0.25 * ay + 0.75 * by);
  }
  pts_add(&q, p->items[2 * n - 2], p->items[2 * n - 1]);
  lg_free(p->items);
  *p = q;
}

/* Visits the cells of a polyline as a 4-connected chain (a diagonal step
 * goes through the side cell nearer the line); visit returns false to stop. */
typedef bool (*visit_fn)(gen_t *G, int i, int j, void *ud);
static void walk_line(gen_t *G, const pts_t *p, visit_fn visit, void *ud) {
  size_t n = p->len / 2;
  if (n == 0) return;
  int ci = (int)floor(p->items[0]), cj = (int)floor(p->items[1]);
  if (!visit(G, ci, cj, ud)) return;
  for (size_t k = 0; k + 1 < n; k++) {
    double ax = p->items[2 * k], ay = p->items[2 * k + 1];
    double bx = p->items[2 * k + 2], by = p->items[2 * k + 3];
    double len = dist(ax, ay, bx, by);
    int steps = (int)ceil(len / 0.3);
    for (int s = 1; s <= steps; s++) {
      double t = (double)s / steps, x = ax + (bx - ax) * t, y = ay + (by - ay) * t;
      int ni = (int)floor(x), nj = (int)floor(y);
      if (ni == ci && nj == cj) continue;
      if (ni != ci && nj != cj) {
        /* Through the side cell whose centre lies nearer the point. */
        double d1 = dist(ni + 0.5, cj + 0.5, x, y), d2 = dist(ci + 0.5, nj + 0.5, x, y);
        int si = d1 <= d2 ? ni : ci, sj = d1 <= d2 ? cj : nj;
        if (!visit(G, si, sj, ud)) return;
      }
      ci = ni;
      cj = nj;
      if (!visit(G, ci, cj, ud)) return;
    }
  }
}

/* A random cell of the county whose class is K_FREE and elevation within
 * [lo, hi]; false after `tries` misses. */
static bool pick_free(gen_t *G, lg_rng_t *R, float lo, float hi, int tries, int *pi, int *pj) {
  for (int t = 0; t < tries; t++) {
    int i = (int)(urand(R) * G->nx), j = (int)(urand(R) * G->ny);
    size_t c = IDX(G, i, j);
    if (G->cls[c] != K_FREE || G->town[c] || G->h[c] < lo || G->h[c] > hi) continue;
    *pi = i;
    *pj = j;
    return true;
  }
  return false;
}

/* Sets about n cells around (x, y) within a noisy radius to class k,
 * where the cell is K_FREE and outside towns. Returns the cells set. */
static int64_t blob(gen_t *G, double x, double y, double n, int k, uint64_t salt) {
  double r = sqrt(n / M_PI);
  int lo_i = (int)floor(x - 1.4 * r - 1), hi_i = (int)ceil(x + 1.4 * r + 1);
  int lo_j = (int)floor(y - 1.4 * r - 1), hi_j = (int)ceil(y + 1.4 * r + 1);
  uint64_t ns = fseed(G, S_BLOB) ^ gen_mix(salt);
  int64_t set = 0;
  for (int j = lo_j; j <= hi_j; j++)
    for (int i = lo_i; i <= hi_i; i++) {
      if (!in_grid(G, i, j)) continue;
      size_t c = IDX(G, i, j);
      if (G->cls[c] != K_FREE || G->town[c]) continue;
      double dx = i + 0.5 - x, dy = j + 0.5 - y, rho = hypot(dx, dy);
      double th = atan2(dy, dx);
      double rr = r * (1 + 0.3 * gen_noise(ns, 1.6 * cos(th) + 8, 1.6 * sin(th) + 8)) + 0.5;
      if (rho < rr) {
        G->cls[c] = (uint8_t)k;
        set++;
      }
    }
  return set;
}

/* ---- Names ---------------------------------------------------------------- */

static const char *const NAME1[] = {"上", "下", "东", "西", "南", "北", "新", "老", "大", "小",
                                    "石", "黄", "高", "长", "竹", "梅", "桥", "塘", "坪", "田",
                                    "龙", "凤", "金", "银", "白", "青", "杨", "刘", "陈", "李",
                                    "谢", "曾", "钟", "罗", "古", "温", "廖", "赖", "邱", "彭"};
static const char *const NAME2[] = {"坑", "坪", "塘", "田", "岭", "坝", "洲", "溪", "坊", "屋",
                                    "围", "寨", "岗", "山", "湖", "源", "口", "排", "迳", "陂",
                                    "背", "垅", "岽", "圳", "坳", "埠", "江", "潭", "垄", "湾"};
static const char *const HILL[] = {"云台", "金鸡", "罗汉", "狮子", "莲花", "凤凰", "翠微", "白鹭",
                                   "马岭", "铜钵", "梅岭", "石门", "天华", "宝莲", "龙岩", "仙人",
                                   "九龙", "青峰", "紫云", "峰山", "赤石", "鹅公", "丫髻", "笔架"};

static void make_name(uint64_t h, const char *suffix, char *out, size_t n) {
  snprintf(out, n, "%s%s%s", NAME1[h % LG_ARRAY_LEN(NAME1)], NAME2[(h >> 16) % LG_ARRAY_LEN(NAME2)],
           suffix);
}

/* ---- County outline and warp ----------------------------------------------- */

static int build_grid(gen_t *G, lg_rng_t *R) {
  /* Above the default size patches come a little denser (measured: +7%
   * at 500,000), so the area grows a little slower than the count. */
  double area = (double)G->target * AREA_PER_PATCH;
  if (G->target > 50000) area *= pow((double)G->target / 50000, -0.032);
  double amp[6] = {0}, ph[6] = {0}, s1 = 0, s2 = 0;
  for (int k = 2; k <= 5; k++) {
    amp[k] = (0.015 + 0.055 * urand(R)) / (k - 1) * 1.5;
    ph[k] = 2 * M_PI * urand(R);
    s1 += amp[k];
    s2 += amp[k] * amp[k] / 2;
  }
  double elong = 0.85 + 0.35 * urand(R), rot = M_PI * urand(R);
  double r0 = sqrt(area / (M_PI * (1 + s2))) / GEN_CELL;
  double rmax = r0 * (1 + s1 + 0.03) * (elong > 1 ? elong : 1 / elong);
  int half = (int)ceil(rmax) + 4;
  G->nx = G->ny = 2 * half;
  G->ncell = (size_t)G->nx * (size_t)G->ny;
  G->cx = G->cy = half;
  G->r0 = r0;
  G->cls = lg_calloc(G->ncell, 1);
  G->town = lg_calloc(G->ncell, 1);
  uint64_t ns = fseed(G, S_SHAPE);
  double cr = cos(rot), sr = sin(rot);
  for (int j = 0; j < G->ny; j++)
    for (int i = 0; i < G->nx; i++) {
      double dx = i + 0.5 - G->cx, dy = j + 0.5 - G->cy;
      double u = (dx * cr + dy * sr) / elong, v = (-dx * sr + dy * cr) * elong;
      double rho = hypot(u, v), th = atan2(v, u);
      double rr = 1 + 0.025 * gen_noise(ns, 3 * cos(th) + 10, 3 * sin(th) + 10);
      for (int k = 2; k <= 5; k++)
        rr += amp[k] * cos(k * th + ph[k]);
      if (rho < r0 * rr) G->cls[IDX(G, i, j)] = K_FREE;
    }
  /* A diagonal-only contact of cells would pinch the outline: fill it. */
  for (int pass = 0, changed = 1; changed && pass < 20; pass++) {
    changed = 0;
    for (int j = 0; j + 1 < G->ny; j++)
      for (int i = 0; i + 1 < G->nx; i++) {
        size_t a = IDX(G, i, j), b = a + 1, c = a + (size_t)G->nx, d = c + 1;
        bool ia = G->cls[a] != K_NONE, ib = G->cls[b] != K_NONE, ic = G->cls[c] != K_NONE,
             id = G->cls[d] != K_NONE;
        if (ia == id && ib == ic && ia != ib) {
          G->cls[a] = G->cls[b] = G->cls[c] = G->cls[d] = K_FREE;
          changed = 1;
        }
      }
  }
  G->ncounty = 0;
  for (size_t c = 0; c < G->ncell; c++)
    G->ncounty += G->cls[c] != K_NONE;

  /* A smooth displacement of every vertex (a few long sine waves) bends
   * the grid lines, so fields are not all aligned with north. Its slope
   * stays small (2*pi*0.012 per wave), so cells stay convex. */
  G->wstep = 16;
  G->wnx = G->nx / G->wstep + 2;
  G->wny = G->ny / G->wstep + 2;
  G->warp = lg_malloc(sizeof(double) * 2 * (size_t)G->wnx * (size_t)G->wny);
  double wl[6], wd[6], wp[6];
  for (int k = 0; k < 6; k++) {
    wl[k] = 2500 + 6500 * urand(R);
    wd[k] = 2 * M_PI * urand(R);
    wp[k] = 2 * M_PI * urand(R);
  }
  for (int b = 0; b < G->wny; b++)
    for (int a = 0; a < G->wnx; a++) {
      double px = (double)a * G->wstep * GEN_CELL, py = (double)b * G->wstep * GEN_CELL;
      double dx = 0, dy = 0;
      for (int k = 0; k < 3; k++) {
        double t = (px * cos(wd[k]) + py * sin(wd[k])) / wl[k];
        dx += 0.012 * wl[k] * sin(2 * M_PI * t + wp[k]);
        double t2 = (px * cos(wd[k + 3]) + py * sin(wd[k + 3])) / wl[k + 3];
        dy += 0.012 * wl[k + 3] * sin(2 * M_PI * t2 + wp[k + 3]);
      }
      G->warp[2 * ((size_t)b * G->wnx + a)] = dx;
      G->warp[2 * ((size_t)b * G->wnx + a) + 1] = dy;
    }
  return 0;
}

/* ---- Rivers ----------------------------------------------------------------- */

typedef struct {
  pts_t line; /* the tributary's course, cell units, from its source */
  double len; /* cells */
} trib_t;

typedef struct {
  const uint16_t *d; /* distance to the streams of earlier rounds */
  uint8_t *vline;    /* valley lines (streams too small to map) */
  bool draw;         /* a mapped river, else a valley line */
} river_ud_t;

static bool mark_river(gen_t *G, int i, int j, void *p) {
  river_ud_t *u = p;
  if (!in_grid(G, i, j)) return true;
  size_t c = IDX(G, i, j);
  if (G->cls[c] == K_NONE) return true;
  if (u->d[c] == 0) return false; /* joined an older stream */
  if (u->draw)
    G->cls[c] = K_RIVER;
  else
    u->vline[c] = 1;
  return true;
}

static void main_river(gen_t *G, lg_rng_t *R) {
  double a = 2 * M_PI * urand(R);
  G->river_dir = a;
  double ux = cos(a), uy = sin(a), px = -uy, py = ux;
  double L = 1.35 * (G->nx / 2.0);
  double A1 = G->r0 * (0.07 + 0.06 * urand(R)), k1 = 0.8 + 0.8 * urand(R), p1 = 2 * M_PI * urand(R);
  double A2 = G->r0 * (0.015 + 0.02 * urand(R)), k2 = 3 + 3 * urand(R), p2 = 2 * M_PI * urand(R);
  int n = (int)ceil(2 * L / 0.35);
  uint64_t ns = fseed(G, S_RIVER);
  for (int s = 0; s <= n; s++) {
    double t = (double)s / n - 0.5;
    double off =
        A1 * (sin(2 * M_PI * k1 * t + p1) - sin(p1)) + A2 * (sin(2 * M_PI * k2 * t + p2) - sin(p2));
    double x = G->cx + 2 * L * t * ux + off * px, y = G->cy + 2 * L * t * uy + off * py;
    double w = 1.55 + 0.35 * gen_noise(ns, t * 30, 0.5);
    for (int j = (int)floor(y - w - 1); j <= (int)ceil(y + w + 1); j++)
      for (int i = (int)floor(x - w - 1); i <= (int)ceil(x + w + 1); i++) {
        if (!in_county(G, i, j)) continue;
        if (dist(i + 0.5, j + 0.5, x, y) <= w) G->cls[IDX(G, i, j)] = K_RIVER;
      }
  }
  for (size_t c = 0; c < G->ncell; c++)
    G->dmain[c] = G->cls[c] == K_RIVER ? 0 : 65535;
  chamfer(G, G->dmain);
}

/* Tributaries in three rounds, each from points in the hills far from
 * every stream so far, down the distance to the nearest one: a dendritic
 * network. The first two rounds are mapped rivers; the last only carves
 * the small side valleys where fields and hamlets sit. */
static void tributaries(gen_t *G, lg_rng_t *R, uint8_t *vline, trib_t **out, int *nout) {
  static const struct {
    double far_m, per_km2;
    bool draw;
  } rounds[] = {{2500, 1 / 40.0, true}, {1200, 1 / 15.0, true}, {550, 1 / 6.0, false}};
  double km2 = (double)G->ncounty * GEN_CELL * GEN_CELL / 1e6;
  uint16_t *dany = G->dres;
  LG_VEC(trib_t) T = {0};
  for (size_t rd = 0; rd < LG_ARRAY_LEN(rounds); rd++) {
    for (size_t c = 0; c < G->ncell; c++)
      dany[c] = G->cls[c] == K_RIVER || vline[c] ? 0 : 65535;
    chamfer(G, dany);
    long K = lround(km2 * rounds[rd].per_km2);
    if (K < 2) K = 2;
    if (K > 200000) K = 200000;
    unsigned far = (unsigned)(3 * rounds[rd].far_m / GEN_CELL);
    river_ud_t ud = {dany, vline, rounds[rd].draw};
    for (long k = 0; k < K; k++) {
      int si = 0, sj = 0, found = 0;
      for (int t = 0; t < 200 && !found; t++) {
        si = (int)(urand(R) * G->nx);
        sj = (int)(urand(R) * G->ny);
        size_t c = IDX(G, si, sj);
        found = G->cls[c] == K_FREE && dany[c] >= far;
      }
      if (!found) continue;
      /* Steepest descent of the distance to the nearest stream. */
      int ci = si, cj = sj;
      for (int guard = 0; guard < G->nx * 4; guard++) {
        size_t c = IDX(G, ci, cj);
        if (dany[c] == 0) break;
        int bi = ci, bj = cj;
        unsigned best = dany[c];
        for (int dj = -1; dj <= 1; dj++)
          for (int di = -1; di <= 1; di++) {
            if (!in_grid(G, ci + di, cj + dj)) continue;
            unsigned v = dany[IDX(G, ci + di, cj + dj)];
            if (v < best) {
              best = v;
              bi = ci + di;
              bj = cj + dj;
            }
          }
        if (bi == ci && bj == cj) break;
        ci = bi;
        cj = bj;
      }
      double sx = si + 0.5, sy = sj + 0.5, ex = ci + 0.5, ey = cj + 0.5;
      double len = dist(sx, sy, ex, ey);
      if (len < 8) continue;
      double ux = (ex - sx) / len, uy = (ey - sy) / len;
      double amp = fmin(0.08 * len, 30) * (0.5 + urand(R)), m = 1 + 2.5 * urand(R),
             ph = 2 * M_PI * urand(R), amp2 = fmin(0.02 * len, 6), m2 = 5 + 5 * urand(R);
      trib_t tr = {{0}, len};
      int n = (int)ceil(len / 0.5) + 1;
      for (int s = 0; s <= n; s++) {
        double t = (double)s / n;
        double off =
            (amp * sin(2 * M_PI * m * t + ph) + amp2 * sin(2 * M_PI * m2 * t)) * sin(M_PI * t);
        pts_add(&tr.line, sx + (ex - sx) * t - uy * off, sy + (ey - sy) * t + ux * off);
      }
      walk_line(G, &tr.line, mark_river, &ud);
      if (rd == 0)
        lg_vec_push(&T, tr); /* reservoirs go on the long ones */
      else
        lg_free(tr.line.items);
    }
  }
  *out = T.items;
  *nout = (int)T.len;
}

/* ---- Terrain ------------------------------------------------------------------ */

static void terrain(gen_t *G, const uint8_t *vline) {
  /* Distance to any stream (the tributaries carve narrower valleys). */
  uint16_t *dany = G->dres;
  for (size_t c = 0; c < G->ncell; c++)
    dany[c] = G->cls[c] == K_RIVER || vline[c] ? 0 : 65535;
  chamfer(G, dany);
  uint64_t s1 = fseed(G, S_HILLS), s2 = fseed(G, S_DETAIL), s3 = fseed(G, S_VALLEY_W),
           s4 = fseed(G, S_TRIB_W), s5 = fseed(G, S_FINE);
  float lo = 1e30f, hi = -1e30f;
  for (int j = 0; j < G->ny; j++)
    for (int i = 0; i < G->nx; i++) {
      size_t c = IDX(G, i, j);
      if (G->cls[c] == K_NONE) {
        G->h[c] = 0;
        continue;
      }
      double x = (i + 0.5) * GEN_CELL, y = (j + 0.5) * GEN_CELL;
      double base = gen_fbm(s1, x / 7000, y / 7000, 4);
      double hills = 380 + 330 * base + 70 * gen_noise(s2, x / 900, y / 900);
      double wm = 1500 * (1 + 0.45 * gen_noise(s3, x / 6000, y / 6000));
      double wt = 340 * (1 + 0.5 * gen_noise(s4, x / 2500, y / 2500));
      double dm = G->dmain[c] * GEN_CELL / 3, dt = dany[c] * GEN_CELL / 3;
      double v = fmax(exp(-(dm / wm) * (dm / wm)), 0.9 * exp(-(dt / wt) * (dt / wt)));
      double h = 95 + (hills - 95) * (1 - 0.9 * v) + 6 * gen_noise(s5, x / 150, y / 150);
      G->h[c] = (float)h;
      if (h < lo) lo = (float)h;
      if (h > hi) hi = (float)h;
    }
  /* Quantiles of elevation over the county, from a fine histogram. */
  enum { NB = 1 << 16 };
  int64_t *hist = lg_calloc(NB, sizeof *hist);
  double w = (hi - lo) / NB + 1e-9;
  for (size_t c = 0; c < G->ncell; c++)
    if (G->cls[c] != K_NONE) {
      int b = (int)((G->h[c] - lo) / w);
      hist[b < 0 ? 0 : b >= NB ? NB - 1 : b]++;
    }
  int64_t cum = 0;
  int k = 0;
  for (int b = 0; b < NB && k <= 1000; b++) {
    cum += hist[b];
    while (k <= 1000 && cum >= (int64_t)((double)k / 1000 * (double)G->ncounty))
      G->hq[k++] = (float)(lo + (b + 1) * w);
  }
  while (k <= 1000)
    G->hq[k++] = hi;
  G->hq[0] = lo;
  lg_free(hist);
}

/* ---- Reservoirs ------------------------------------------------------------------ */

typedef LG_VEC(int32_t) ivec_t;

/* Cells a reservoir with water level h0 + dh would flood: connected to the
 * dam cell, upstream of the dam line, within rmax. */
static int64_t flood(gen_t *G, int di, int dj, double ux, double uy, double level, double rmax,
                     ivec_t *q, uint8_t *seen, bool mark) {
  q->len = 0;
  size_t c0 = IDX(G, di, dj);
  lg_vec_push(q, (int32_t)c0);
  seen[c0] = 1;
  for (size_t k = 0; k < q->len; k++) {
    size_t c = (size_t)q->items[k];
    int i = (int)(c % (size_t)G->nx), j = (int)(c / (size_t)G->nx);
    static const int DI[4] = {1, -1, 0, 0}, DJ[4] = {0, 0, 1, -1};
    for (int d = 0; d < 4; d++) {
      int a = i + DI[d], b = j + DJ[d];
      if (!in_grid(G, a, b)) continue;
      size_t n = IDX(G, a, b);
      if (seen[n]) continue;
      uint8_t k2 = G->cls[n];
      if (!(k2 == K_FREE || (k2 == K_RIVER && G->dmain[n] > 0)) || G->h[n] > level) continue;
      double rx = a + 0.5 - (di + 0.5), ry = b + 0.5 - (dj + 0.5);
      if (rx * ux + ry * uy > 0 || hypot(rx, ry) > rmax) continue;
      seen[n] = 1;
      lg_vec_push(q, (int32_t)n);
    }
  }
  for (size_t k = 0; k < q->len; k++) {
    seen[q->items[k]] = 0;
    if (mark) G->cls[q->items[k]] = K_RESV;
  }
  return (int64_t)q->len;
}

static void reservoirs(gen_t *G, lg_rng_t *R, trib_t *T, int nt) {
  double km2 = (double)G->ncounty * GEN_CELL * GEN_CELL / 1e6;
  int nres = (int)lround(km2 / 1200);
  if (nres < 1) nres = 1;
  if (nres > 200) nres = 200;
  if (nres > nt) nres = nt;
  G->resvs = lg_calloc((size_t)(nres > 0 ? nres : 1), sizeof *G->resvs);
  /* The longest tributaries get the reservoirs. */
  int *order = lg_malloc(sizeof(int) * (size_t)(nt > 0 ? nt : 1));
  for (int k = 0; k < nt; k++)
    order[k] = k;
  for (int a = 1; a < nt; a++)
    for (int b = a; b > 0 && T[order[b]].len > T[order[b - 1]].len; b--) {
      int t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  ivec_t q = {0};
  uint8_t *seen = lg_calloc(G->ncell, 1);
  int64_t want = share(G, 0.0095) / (nres > 0 ? nres : 1);
  for (int r = 0; r < nres; r++) {
    trib_t *tr = &T[order[r]];
    size_t np = tr->line.len / 2;
    size_t at = (size_t)(np * (0.3 + 0.1 * urand(R)));
    if (at + 2 >= np) continue;
    double x = tr->line.items[2 * at], y = tr->line.items[2 * at + 1];
    double ux = tr->line.items[2 * at + 2] - x, uy = tr->line.items[2 * at + 3] - y;
    double ul = hypot(ux, uy);
    if (ul == 0) continue;
    ux /= ul;
    uy /= ul;
    int di = (int)floor(x), dj = (int)floor(y);
    if (!in_county(G, di, dj)) continue;
    double h0 = G->h[IDX(G, di, dj)], rmax = 2.6 * sqrt((double)want / M_PI);
    double lo = 0, hi = 600;
    for (int it = 0; it < 16; it++) {
      double mid = (lo + hi) / 2;
      if (flood(G, di, dj, ux, uy, h0 + mid, rmax, &q, seen, false) < want)
        lo = mid;
      else
        hi = mid;
    }
    flood(G, di, dj, ux, uy, h0 + hi, rmax, &q, seen, true);
    /* The dam: across the valley just below the water. */
    for (int s = -2; s <= 2; s++) {
      int a = (int)floor(x + ux * 1.0 - uy * s), b = (int)floor(y + uy * 1.0 + ux * s);
      if (!in_county(G, a, b)) continue;
      uint8_t *k = &G->cls[IDX(G, a, b)];
      if (*k == K_FREE || *k == K_RIVER) *k = K_HYDRO;
    }
    gen_resv_t *rv = &G->resvs[G->nresvs++];
    rv->x = x;
    rv->y = y;
    uint64_t hh = gen_hash(G->seed, r, 0, 0x5E5);
    snprintf(rv->name, sizeof rv->name, "%s水库", HILL[hh % LG_ARRAY_LEN(HILL)]);
  }
  lg_free(q.items);
  lg_free(seen);
  lg_free(order);
  for (size_t c = 0; c < G->ncell; c++)
    G->dres[c] = G->cls[c] == K_RESV ? 0 : 65535;
  chamfer(G, G->dres);
}

/* ---- Towns ------------------------------------------------------------------------ */

/* Streets along one axis of a town: street k, 1 cell wide (2 for every
 * fourth, the arterials), then block k, gmin..gmax cells. For each cell
 * offset: the index k and whether it is street. Block k runs over
 * [bpos[k], bpos[k] + blen[k]). */
typedef struct {
  int n, nk;
  int16_t *k;
  uint8_t *street;
  int *bpos, *blen;
} axis_t;

static void axis_build(axis_t *A, lg_rng_t *R, int n, int gmin, int gmax) {
  A->n = n;
  A->k = lg_calloc((size_t)n, sizeof *A->k);
  A->street = lg_calloc((size_t)n, 1);
  int cap = n / gmin + 4;
  A->bpos = lg_calloc((size_t)cap, sizeof(int));
  A->blen = lg_calloc((size_t)cap, sizeof(int));
  int pos = -(int)(urand(R) * gmax), k = 0;
  while (pos < n && k < cap) {
    int w = k % 4 == 0 ? 2 : 1;
    for (int s = 0; s < w; s++, pos++)
      if (pos >= 0 && pos < n) {
        A->k[pos] = (int16_t)k;
        A->street[pos] = 1;
      }
    int g = gmin + (int)(urand(R) * (gmax - gmin + 1));
    A->bpos[k] = pos;
    A->blen[k] = g;
    for (int s = 0; s < g; s++, pos++)
      if (pos >= 0 && pos < n) A->k[pos] = (int16_t)k;
    k++;
  }
  A->nk = k;
}

static void axis_free(axis_t *A) {
  lg_free(A->k);
  lg_free(A->street);
  lg_free(A->bpos);
  lg_free(A->blen);
}

/* Centre (offset) of the pair of blocks 2K, 2K+1: an industrial plot. */
static double axis_pair_centre(const axis_t *A, int K) {
  int a = 2 * K, b = 2 * K + 1 < A->nk ? 2 * K + 1 : 2 * K;
  return (A->bpos[a] + A->bpos[b] + A->blen[b]) / 2.0;
}

/* A town's streets at irregular spacing and its blocks' uses: commerce
 * and offices at the centre, housing around, and in the county town an
 * industrial quarter on one side at the edge, whose plots span two blocks
 * each way (its minor streets are not built). Each block or plot is one
 * patch. */
static void town_layout(gen_t *G, int t, lg_rng_t *R) {
  gen_town_t *T = &G->towns[t];
  int r = (int)ceil(T->r * 1.8) + 2, n = 2 * r + 1;
  int bx = (int)floor(T->x) - r, by = (int)floor(T->y) - r;
  axis_t AX, AY;
  axis_build(&AX, R, n, t == 0 ? 4 : 4, t == 0 ? 9 : 7);
  axis_build(&AY, R, n, t == 0 ? 4 : 4, t == 0 ? 9 : 7);
  for (int j = by; j < by + n; j++)
    for (int i = bx; i < bx + n; i++) {
      if (!in_grid(G, i, j)) continue;
      size_t c = IDX(G, i, j);
      if (G->town[c] != t + 1) continue;
      int kx = AX.k[i - bx], ky = AY.k[j - by];
      bool sx = AX.street[i - bx], sy = AY.street[j - by];
      /* The industrial quarter, judged at the centre of a two-by-two plot. */
      double px = bx + axis_pair_centre(&AX, kx >> 1), py = by + axis_pair_centre(&AY, ky >> 1);
      double prho = dist(px, py, T->x, T->y) / T->r;
      double pang = fabs(remainder(atan2(py - T->y, px - T->x) - T->ind_dir, 2 * M_PI));
      bool ind = t == 0 && prho > 0.45 && pang < 0.95;
      bool street = ind ? (sx && kx % 2 == 0) || (sy && ky % 2 == 0) : sx || sy;
      if (street) {
        G->cls[c] = K_STREET;
        continue;
      }
      int bi = ind ? kx >> 1 : kx, bj = ind ? ky >> 1 : ky;
      double cx = bx + AX.bpos[kx] + AX.blen[kx] / 2.0, cy = by + AY.bpos[ky] + AY.blen[ky] / 2.0;
      double rho = dist(cx, cy, T->x, T->y) / T->r;
      double u = gen_u01(gen_hash(G->seed, bi, bj, (ind ? 0x170 : 0x70) + (uint64_t)t));
      int cls;
      if (ind)
        cls = u < 0.85 ? K_IND : K_WARE;
      else if (rho < (t == 0 ? 0.28 : 0.35))
        cls = u < 0.45 ? K_COMM : u < 0.6 ? K_GOV : u < 0.92 ? K_URBRES : K_PARK;
      else if (t == 0)
        cls = u < 0.68   ? K_URBRES
              : u < 0.79 ? K_PUB
              : u < 0.88 ? K_COMM
              : u < 0.95 ? K_PARK
              : u < 0.98 ? K_UTIL
                         : K_GOV;
      else
        cls = u < 0.74 ? K_URBRES : u < 0.86 ? K_PUB : u < 0.94 ? K_COMM : K_IND;
      G->cls[c] = (uint8_t)cls;
      /* Block ids sit above every lattice id (< 2^30), so a block never
       * merges with a neighbouring patch of its class outside the town. */
      G->seedid[c] = 0x40000000 | (ind ? 0x20000000 : 0) | ((bi & 0x3FFF) << 14) | (bj & 0x3FFF);
    }
  axis_free(&AX);
  axis_free(&AY);
}

static void mark_town(gen_t *G, int t) {
  gen_town_t *T = &G->towns[t];
  uint64_t ns = fseed(G, S_TOWN) + (uint64_t)t;
  int r = (int)ceil(T->r * 1.8) + 2;
  for (int j = (int)T->y - r; j <= (int)T->y + r; j++)
    for (int i = (int)T->x - r; i <= (int)T->x + r; i++) {
      if (!in_grid(G, i, j)) continue;
      size_t c = IDX(G, i, j);
      if (G->cls[c] != K_FREE) continue;
      /* Stretched along the river and lobed, as towns grow along roads
       * and valleys. */
      double dx = i + 0.5 - T->x, dy = j + 0.5 - T->y;
      double al = (dx * cos(G->river_dir) + dy * sin(G->river_dir)) / 1.3;
      double ac = (-dx * sin(G->river_dir) + dy * cos(G->river_dir)) * 1.1;
      double th = atan2(ac, al);
      double rr = T->r * (1 + 0.22 * gen_fbm(ns, 1.6 * cos(th) + 4, 1.6 * sin(th) + 4, 3));
      if (hypot(al, ac) < rr) G->town[c] = (uint8_t)(t + 1);
    }
}

static void towns(gen_t *G, lg_rng_t *R) {
  double km2 = (double)G->ncounty * GEN_CELL * GEN_CELL / 1e6;
  int nt = (int)lround(km2 / 110);
  if (nt < 2) nt = 2;
  if (nt > 250) nt = 250;
  G->towns = lg_calloc((size_t)nt + 1, sizeof *G->towns);
  G->tships = lg_calloc((size_t)nt + 1, sizeof *G->tships);
  /* The county town: on the main river at the county's centre. */
  gen_town_t *T = &G->towns[0];
  T->r = sqrt((double)share(G, 0.018) / M_PI);
  double side = urand(R) < 0.5 ? -1 : 1;
  T->x = G->cx - sin(G->river_dir) * 0.3 * T->r * side;
  T->y = G->cy + cos(G->river_dir) * 0.3 * T->r * side;
  T->ind_dir = 2 * M_PI * urand(R);
  snprintf(T->name, sizeof T->name, "%s县城", G->county_name);
  G->ntowns = 1;
  mark_town(G, 0);
  /* Township seats: on valley floors, spread over the county. */
  double rt = sqrt((double)share(G, 0.004) / nt / M_PI);
  if (rt < 4) rt = 4;
  double dmin = 0.6 * sqrt((double)G->ncounty / nt);
  for (int tries = 0; G->ntowns <= nt && tries < 400 * nt; tries++) {
    if (tries > 0 && tries % (40 * nt) == 0) dmin *= 0.85;
    int i, j;
    if (!pick_free(G, R, -1e30f, hq(G, 0.12), 50, &i, &j)) continue;
    double x = i + 0.5, y = j + 0.5;
    if (dist(x, y, G->towns[0].x, G->towns[0].y) < 2.2 * G->towns[0].r + 2 * rt) continue;
    bool ok = true;
    for (int t = 1; t < G->ntowns && ok; t++)
      ok = dist(x, y, G->towns[t].x, G->towns[t].y) >= dmin;
    for (int a = 0; a < 8 && ok; a++)
      ok = in_county(G, (int)floor(x + 2.5 * rt * cos(a * M_PI / 4)),
                     (int)floor(y + 2.5 * rt * sin(a * M_PI / 4)));
    if (!ok) continue;
    gen_town_t *S = &G->towns[G->ntowns];
    S->x = x;
    S->y = y;
    S->r = rt * (0.8 + 0.4 * urand(R));
    S->ind_dir = 2 * M_PI * urand(R);
    mark_town(G, G->ntowns);
    G->ntowns++;
  }
  /* Townships: the county town's is 城关镇 (100); then towns (1xx) and
   * townships (2xx), GB/T 10114 codes. */
  G->ntships = G->ntowns;
  int nzhen = (int)(0.6 * (G->ntowns - 1));
  if (nzhen > 98) nzhen = 98;
  for (int t = 0; t < G->ntowns; t++) {
    gen_township_t *S = &G->tships[t];
    G->towns[t].township = t;
    uint64_t hh = gen_hash(G->seed, t, 1, 0x7A);
    char base[48];
    make_name(hh, "", base, sizeof base);
    if (t == 0) {
      snprintf(S->code, sizeof S->code, "100");
      snprintf(S->name, sizeof S->name, "城关镇");
    } else if (t <= nzhen) {
      snprintf(S->code, sizeof S->code, "%03d", 100 + t);
      snprintf(S->name, sizeof S->name, "%s镇", base);
    } else {
      snprintf(S->code, sizeof S->code, "%03d", 200 + (t - nzhen - 1) % 200);
      snprintf(S->name, sizeof S->name, "%s乡", base);
    }
    if (t > 0) snprintf(G->towns[t].name, sizeof G->towns[t].name, "%s", S->name);
  }
  for (int t = 0; t < G->ntowns; t++)
    town_layout(G, t, R);
}

/* ---- Villages (ownership units) -------------------------------------------------------- */

typedef struct {
  int bs, bnx, bny; /* bucket size (cells) and counts */
  int32_t *head, *next;
} buckets_t;

static void buckets_build(buckets_t *B, const gen_t *G, const gen_village_t *v, int n, int bs) {
  B->bs = bs;
  B->bnx = G->nx / bs + 1;
  B->bny = G->ny / bs + 1;
  B->head = lg_malloc(sizeof(int32_t) * (size_t)B->bnx * (size_t)B->bny);
  B->next = lg_malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
  for (int k = 0; k < B->bnx * B->bny; k++)
    B->head[k] = -1;
  for (int k = 0; k < n; k++) {
    int bx = (int)(v[k].x / bs), by = (int)(v[k].y / bs);
    bx = bx < 0 ? 0 : bx >= B->bnx ? B->bnx - 1 : bx;
    by = by < 0 ? 0 : by >= B->bny ? B->bny - 1 : by;
    B->next[k] = B->head[by * B->bnx + bx];
    B->head[by * B->bnx + bx] = k;
  }
}

/* Nearest seat to (x, y): rings of buckets until the best is provably so. */
static int buckets_nearest(const buckets_t *B, const gen_village_t *v, double x, double y) {
  int bx = (int)(x / B->bs), by = (int)(y / B->bs), best = -1;
  double bd = 1e300;
  for (int r = 0; r < B->bnx + B->bny; r++) {
    for (int b = by - r; b <= by + r; b++)
      for (int a = bx - r; a <= bx + r; a++) {
        if (a < 0 || b < 0 || a >= B->bnx || b >= B->bny) continue;
        if (r > 0 && a > bx - r && a < bx + r && b > by - r && b < by + r) continue;
        for (int k = B->head[b * B->bnx + a]; k >= 0; k = B->next[k]) {
          double d = dist(x, y, v[k].x, v[k].y);
          if (d < bd) {
            bd = d;
            best = k;
          }
        }
      }
    if (best >= 0 && bd <= (double)r * B->bs) break;
  }
  return best;
}

static void villages(gen_t *G, lg_rng_t *R) {
  double km2 = (double)G->ncounty * GEN_CELL * GEN_CELL / 1e6;
  int nv = (int)lround(km2 / 8.5);
  if (nv < 2 * G->ntowns) nv = 2 * G->ntowns;
  if (nv > 60000) nv = 60000;
  G->vils = lg_calloc((size_t)nv, sizeof *G->vils);
  /* Each town's own residents' committee sits at its centre. */
  for (int t = 0; t < G->ntowns; t++) {
    G->vils[G->nvils].x = G->towns[t].x;
    G->vils[G->nvils].y = G->towns[t].y;
    G->nvils++;
  }
  double dmin = 0.62 * sqrt((double)G->ncounty / nv);
  int bs = (int)ceil(dmin) + 1;
  int bnx = G->nx / bs + 1, bny = G->ny / bs + 1;
  LG_VEC(int32_t) *grid = lg_calloc((size_t)bnx * bny, sizeof *grid);
  for (int k = 0; k < G->nvils; k++)
    lg_vec_push(&grid[(int)(G->vils[k].y / bs) * bnx + (int)(G->vils[k].x / bs)], k);
  for (long tries = 0; G->nvils < nv && tries < 80L * nv; tries++) {
    int i = (int)(urand(R) * G->nx), j = (int)(urand(R) * G->ny);
    size_t c = IDX(G, i, j);
    if (G->cls[c] == K_NONE) continue;
    if (G->h[c] > hq(G, 0.35) && urand(R) > 0.25) continue;
    double x = i + 0.5, y = j + 0.5;
    int bx = (int)(x / bs), by = (int)(y / bs);
    bool ok = true;
    for (int b = by - 1; b <= by + 1 && ok; b++)
      for (int a = bx - 1; a <= bx + 1 && ok; a++) {
        if (a < 0 || b < 0 || a >= bnx || b >= bny) continue;
        for (size_t m = 0; m < grid[b * bnx + a].len && ok; m++) {
          gen_village_t *o = &G->vils[grid[b * bnx + a].items[m]];
          ok = dist(x, y, o->x, o->y) >= dmin;
        }
      }
    if (!ok) continue;
    G->vils[G->nvils].x = x;
    G->vils[G->nvils].y = y;
    lg_vec_push(&grid[by * bnx + bx], G->nvils);
    G->nvils++;
  }
  for (int k = 0; k < bnx * bny; k++)
    lg_free(grid[k].items);
  lg_free(grid);

  /* Township of each village: the nearest town; codes and names. */
  for (int v = 0; v < G->nvils; v++) {
    gen_village_t *V = &G->vils[v];
    int best = 0;
    double bd = 1e300;
    for (int t = 0; t < G->ntowns; t++) {
      double d = dist(V->x, V->y, G->towns[t].x, G->towns[t].y);
      if (d < bd) {
        bd = d;
        best = t;
      }
    }
    V->township = best;
    gen_township_t *S = &G->tships[best];
    uint64_t hh = gen_hash(G->seed, v, 2, 0x71);
    char base[48];
    make_name(hh, "", base, sizeof base);
    /* Residents' committees 001-199, villagers' committees 200-399
     * (GB/T 10114 rules for village-level codes). */
    int num;
    if (bd < 1.3 * G->towns[best].r) {
      num = 1 + S->nres++ % 199;
      snprintf(V->name, sizeof V->name, "%s社区", base);
    } else {
      num = 200 + S->nvil++ % 200;
      snprintf(V->name, sizeof V->name, "%s村", base);
    }
    snprintf(V->code, sizeof V->code, "%.6s%.3s%03d0000000", G->county_code, S->code, num);
  }

  /* Village of every cell: nearest seat of a warped position, so that
   * village boundaries wander like real ones. */
  buckets_t B;
  buckets_build(&B, G, G->vils, G->nvils, bs);
  uint64_t sx = fseed(G, S_VILWARP), sy = sx ^ 0xFEEDull;
  double wscale = 1 / (0.5 * dmin), wamp = 0.25 * dmin;
  for (int j = 0; j < G->ny; j++)
    for (int i = 0; i < G->nx; i++) {
      size_t c = IDX(G, i, j);
      if (G->cls[c] == K_NONE) continue;
      double x = i + 0.5, y = j + 0.5;
      double qx = x + wamp * gen_noise(sx, x * wscale, y * wscale);
      double qy = y + wamp * gen_noise(sy, x * wscale, y * wscale);
      G->vil[c] = (uint16_t)(buckets_nearest(&B, G->vils, qx, qy) + 1);
    }
  lg_free(B.head);
  lg_free(B.next);
}

/* ---- Hamlets ------------------------------------------------------------------------- */

static void hamlets(gen_t *G, lg_rng_t *R, pts_t *centres) {
  int64_t want = share(G, 0.027), got = 0;
  float lo = hq(G, 0.03), hi = hq(G, 0.24);
  for (long tries = 0; got < want && tries < 200000L + want; tries++) {
    int i, j;
    if (!pick_free(G, R, lo, hi, 20, &i, &j)) continue;
    double ha = exp(log(2.2) + 0.55 * gauss(R));
    ha = ha < 0.4 ? 0.4 : ha > 10 ? 10 : ha;
    double n = ha * 10000 / (GEN_CELL * GEN_CELL), r = sqrt(n / M_PI);
    int m = (int)ceil(r + 4);
    bool clear = true;
    for (int b = j - m; b <= j + m && clear; b++)
      for (int a = i - m; a <= i + m && clear; a++)
        if (in_grid(G, a, b)) {
          size_t c = IDX(G, a, b);
          clear = G->cls[c] != K_RURRES && !G->town[c];
        }
    if (!clear) continue;
    got += blob(G, i + 0.5, j + 0.5, n, K_RURRES, (uint64_t)tries);
    pts_add(centres, i + 0.5, j + 0.5);
  }
}

/* ---- Roads ------------------------------------------------------------------------------ */

#define RB 8 /* cells per routing node side */

typedef struct {
  int nbx, nby;
  float *cost; /* per node; < 0 impassable */
  float *d;
  int32_t *pred;
  uint8_t *net; /* node on the road network */
} route_t;

typedef struct {
  float d;
  int32_t n;
} heap_item_t;
typedef LG_VEC(heap_item_t) heap_t;

static void heap_push(heap_t *h, heap_item_t it) {
  lg_vec_push(h, it);
  size_t k = h->len - 1;
  while (k > 0) {
    size_t p = (k - 1) / 2;
    if (h->items[p].d <= h->items[k].d) break;
    heap_item_t t = h->items[p];
    h->items[p] = h->items[k];
    h->items[k] = t;
    k = p;
  }
}

static heap_item_t heap_pop(heap_t *h) {
  heap_item_t top = h->items[0];
  h->items[0] = h->items[--h->len];
  size_t k = 0;
  for (;;) {
    size_t l = 2 * k + 1, r = l + 1, m = k;
    if (l < h->len && h->items[l].d < h->items[m].d) m = l;
    if (r < h->len && h->items[r].d < h->items[m].d) m = r;
    if (m == k) break;
    heap_item_t t = h->items[m];
    h->items[m] = h->items[k];
    h->items[k] = t;
    k = m;
  }
  return top;
}

/* Least-cost paths from every node with net set (8-neighbour moves). */
static void dijkstra(route_t *rt) {
  size_t n = (size_t)rt->nbx * rt->nby;
  heap_t h = {0};
  for (size_t k = 0; k < n; k++) {
    rt->d[k] = INFINITY;
    rt->pred[k] = -1;
    if (rt->net[k] && rt->cost[k] >= 0) {
      rt->d[k] = 0;
      heap_push(&h, (heap_item_t){0, (int32_t)k});
    }
  }
  while (h.len) {
    heap_item_t it = heap_pop(&h);
    if (it.d > rt->d[it.n]) continue;
    int a = it.n % rt->nbx, b = it.n / rt->nbx;
    for (int db = -1; db <= 1; db++)
      for (int da = -1; da <= 1; da++) {
        if (!da && !db) continue;
        int x = a + da, y = b + db;
        if (x < 0 || y < 0 || x >= rt->nbx || y >= rt->nby) continue;
        int32_t m = y * rt->nbx + x;
        if (rt->cost[m] < 0) continue;
        float nd = it.d + 0.5f * (rt->cost[m] + rt->cost[it.n]) * (da && db ? 1.4142f : 1.0f);
        if (nd < rt->d[m]) {
          rt->d[m] = nd;
          rt->pred[m] = it.n;
          heap_push(&h, (heap_item_t){nd, m});
        }
      }
  }
  lg_free(h.items);
}

typedef struct {
  uint8_t cls;
  int64_t set;
  int64_t budget;
} road_ud_t;

static bool mark_road(gen_t *G, int i, int j, void *p) {
  road_ud_t *u = p;
  if (!in_grid(G, i, j)) return true;
  size_t c = IDX(G, i, j);
  uint8_t k = G->cls[c];
  if (G->town[c]) return true;
  bool ok = k == K_FREE || (u->cls == K_HWY && (k == K_RURRES || k == K_RROAD));
  if (ok) {
    G->cls[c] = u->cls;
    u->set++;
  }
  return u->budget <= 0 || u->set < u->budget;
}

/* Backtracks from node n to the network and lays the road. Returns false
 * when the budget is spent. */
static bool lay_road(gen_t *G, route_t *rt, int32_t n, double fx, double fy, road_ud_t *u) {
  if (rt->pred[n] < 0 && !rt->net[n]) return true; /* unreachable */
  pts_t p = {0};
  pts_add(&p, fx, fy);
  LG_VEC(int32_t) path = {0};
  while (n >= 0) {
    lg_vec_push(&path, n);
    if (rt->net[n]) break;
    n = rt->pred[n];
  }
  for (size_t k = 0; k < path.len; k++) {
    int32_t m = path.items[k];
    pts_add(&p, (m % rt->nbx + 0.5) * RB, (m / rt->nbx + 0.5) * RB);
    rt->net[m] = 1;
  }
  lg_free(path.items);
  chaikin(&p);
  chaikin(&p);
  walk_line(G, &p, mark_road, u);
  lg_free(p.items);
  return u->budget <= 0 || u->set < u->budget;
}

static void roads(gen_t *G, lg_rng_t *R, const pts_t *hams) {
  route_t rt = {0};
  rt.nbx = (G->nx + RB - 1) / RB;
  rt.nby = (G->ny + RB - 1) / RB;
  size_t n = (size_t)rt.nbx * rt.nby;
  rt.cost = lg_calloc(n, sizeof(float));
  rt.d = lg_calloc(n, sizeof(float));
  rt.pred = lg_calloc(n, sizeof(int32_t));
  rt.net = lg_calloc(n, 1);
  float sig = hq(G, 0.9) - hq(G, 0.1) + 1;
  for (int b = 0; b < rt.nby; b++)
    for (int a = 0; a < rt.nbx; a++) {
      int in = 0, water = 0, town = 0;
      double hs = 0;
      for (int j = b * RB; j < (b + 1) * RB; j++)
        for (int i = a * RB; i < (a + 1) * RB; i++) {
          if (!in_county(G, i, j)) continue;
          size_t c = IDX(G, i, j);
          in++;
          hs += G->h[c];
          water += G->cls[c] == K_RIVER || G->cls[c] == K_RESV;
          town += G->town[c] != 0;
        }
      float *cost = &rt.cost[b * rt.nbx + a];
      if (in < RB * RB / 2) {
        *cost = -1;
        continue;
      }
      double hr = (hs / in - hq(G, 0.0)) / sig;
      *cost = (float)(1 + 9 * hr * hr + 25.0 * water / in + (town ? -0.4 : 0));
    }
  /* Highways: from the county town to every township seat and to a few
   * points on the county's edge (the roads to the neighbours). */
  int32_t home = (int32_t)((int)(G->towns[0].y / RB) * rt.nbx + (int)(G->towns[0].x / RB));
  rt.net[home] = 1;
  rt.cost[home] = rt.cost[home] < 0 ? 1 : rt.cost[home];
  dijkstra(&rt);
  road_ud_t hw = {K_HWY, 0, 0};
  for (int t = 1; t < G->ntowns; t++) {
    int32_t m = (int32_t)((int)(G->towns[t].y / RB) * rt.nbx + (int)(G->towns[t].x / RB));
    lay_road(G, &rt, m, G->towns[t].x, G->towns[t].y, &hw);
  }
  int nexit = 3 + (G->ntowns - 1) / 15;
  if (nexit > 8) nexit = 8;
  double a0 = 2 * M_PI * urand(R);
  for (int e = 0; e < nexit; e++) {
    double th = a0 + 2 * M_PI * e / nexit + 0.4 * (urand(R) - 0.5);
    double x = G->cx, y = G->cy, lx = x, ly = y;
    for (double s = 0; s < G->nx; s += 1) {
      double px = G->cx + s * cos(th), py = G->cy + s * sin(th);
      if (!in_county(G, (int)floor(px), (int)floor(py))) break;
      lx = px;
      ly = py;
    }
    x = lx;
    y = ly;
    int32_t m = (int32_t)((int)(y / RB) * rt.nbx + (int)(x / RB));
    if (rt.cost[m] >= 0) lay_road(G, &rt, m, x, y, &hw);
  }
  /* Rural roads: from village seats, then hamlets, to the network, until
   * their budget of land is spent. */
  dijkstra(&rt);
  road_ud_t rr = {K_RROAD, 0, share(G, 0.0105)};
  bool more = true;
  for (int v = G->ntowns; v < G->nvils && more; v++) {
    int32_t m = (int32_t)((int)(G->vils[v].y / RB) * rt.nbx + (int)(G->vils[v].x / RB));
    if (!rt.net[m]) more = lay_road(G, &rt, m, G->vils[v].x, G->vils[v].y, &rr);
  }
  size_t nh = hams->len / 2;
  size_t *ord = lg_malloc(sizeof(size_t) * (nh ? nh : 1));
  for (size_t k = 0; k < nh; k++)
    ord[k] = k;
  for (size_t k = nh; k > 1; k--) {
    size_t r = (size_t)(urand(R) * k), t = ord[k - 1];
    ord[k - 1] = ord[r];
    ord[r] = t;
  }
  for (size_t k = 0; k < nh && more; k++) {
    double x = hams->items[2 * ord[k]], y = hams->items[2 * ord[k] + 1];
    int32_t m = (int32_t)((int)(y / RB) * rt.nbx + (int)(x / RB));
    if (!rt.net[m]) more = lay_road(G, &rt, m, x, y, &rr);
  }
  lg_free(ord);
  lg_free(rt.cost);
  lg_free(rt.d);
  lg_free(rt.pred);
  lg_free(rt.net);
}

/* ---- Small features -------------------------------------------------------------------- */

typedef struct {
  int64_t set;
} line_ud_t;

static bool mark_ditch(gen_t *G, int i, int j, void *p) {
  line_ud_t *u = p;
  if (!in_grid(G, i, j)) return false;
  size_t c = IDX(G, i, j);
  if (G->cls[c] == K_FREE && !G->town[c]) {
    G->cls[c] = K_DITCH;
    u->set++;
    return true;
  }
  return G->cls[c] == K_DITCH || G->cls[c] == K_RIVER;
}

static void features(gen_t *G, lg_rng_t *R, const pts_t *hams) {
  int64_t got;
  uint64_t salt = 1;
  /* Ponds on the valley floors. */
  got = 0;
  for (long t = 0, want = share(G, 0.0078); got < want && t < 100000L + want; t++) {
    int i, j;
    if (!pick_free(G, R, -1e30f, hq(G, 0.16), 20, &i, &j)) continue;
    double u = urand(R);
    got += blob(G, i + 0.5, j + 0.5, 2 + 9 * u * u, K_POND, salt++);
  }
  /* Irrigation ditches along the valleys. */
  line_ud_t lu = {0};
  for (long t = 0, want = share(G, 0.0018); lu.set < want && t < 20000L + want; t++) {
    int i, j;
    if (!pick_free(G, R, -1e30f, hq(G, 0.12), 20, &i, &j)) continue;
    double th = G->river_dir + 0.6 * (urand(R) - 0.5) + (urand(R) < 0.5 ? 0 : M_PI);
    double len = 25 + 45 * urand(R), m = 1 + 2 * urand(R), ph = 2 * M_PI * urand(R);
    pts_t p = {0};
    for (int s = 0; s <= 40; s++) {
      double f = s / 40.0, off = 3 * sin(2 * M_PI * m * f + ph);
      pts_add(&p, i + 0.5 + f * len * cos(th) - off * sin(th),
              j + 0.5 + f * len * sin(th) + off * cos(th));
    }
    walk_line(G, &p, mark_ditch, &lu);
    lg_free(p.items);
  }
  /* Facility farmland (pig farms, greenhouses) beside hamlets. */
  size_t nh = hams->len / 2;
  got = 0;
  for (long t = 0, want = share(G, 0.002); nh && got < want && t < 20000L + want; t++) {
    size_t k = (size_t)(urand(R) * nh);
    double th = 2 * M_PI * urand(R), d = 5 + 4 * urand(R);
    got += blob(G, hams->items[2 * k] + d * cos(th), hams->items[2 * k + 1] + d * sin(th),
                4 + 12 * urand(R), K_FACIL, salt++);
  }
  /* Rare-earth mines in the hills, with bare spoil beside them. */
  got = 0;
  for (long t = 0, want = share(G, 0.0021); got < want && t < 20000L + want; t++) {
    int i, j;
    if (!pick_free(G, R, hq(G, 0.45), hq(G, 0.85), 20, &i, &j)) continue;
    double u = urand(R), n = 40 + 200 * u * u, r = sqrt(n / M_PI), th = 2 * M_PI * urand(R);
    got += blob(G, i + 0.5, j + 0.5, n, K_MINE, salt++);
    blob(G, i + 0.5 + 1.1 * r * cos(th), j + 0.5 + 1.1 * r * sin(th), 0.35 * n, K_BARE, salt++);
  }
  got = 0;
  for (long t = 0, want = share(G, 0.0004); got < want && t < 20000L + want; t++) {
    int i, j;
    if (!pick_free(G, R, hq(G, 0.3), hq(G, 0.95), 20, &i, &j)) continue;
    got += blob(G, i + 0.5, j + 0.5, 3 + 9 * urand(R), K_BARE, salt++);
  }
  /* Factories along the highways, on low ground. */
  ivec_t hwy = {0};
  for (size_t c = 0; c < G->ncell; c++)
    if (G->cls[c] == K_HWY && G->h[c] <= hq(G, 0.35)) lg_vec_push(&hwy, (int32_t)c);
  got = 0;
  for (long t = 0, want = share(G, 0.0022); hwy.len && got < want && t < 20000L + want; t++) {
    size_t c = (size_t)hwy.items[(size_t)(urand(R) * hwy.len)];
    int i = (int)(c % (size_t)G->nx), j = (int)(c / (size_t)G->nx);
    double n = 25 + 70 * urand(R), r = sqrt(n / M_PI), th = 2 * M_PI * urand(R);
    got += blob(G, i + 0.5 + (r + 1.5) * cos(th), j + 0.5 + (r + 1.5) * sin(th), n, K_IND, salt++);
  }
  lg_free(hwy.items);
  /* Special land (cemeteries, military) on low hills near the towns. */
  got = 0;
  for (long t = 0, want = share(G, 0.0006); got < want && t < 20000L + want; t++) {
    gen_town_t *T = &G->towns[(int)(urand(R) * G->ntowns)];
    double th = 2 * M_PI * urand(R), d = T->r * (1.4 + 0.8 * urand(R));
    int i = (int)floor(T->x + d * cos(th)), j = (int)floor(T->y + d * sin(th));
    if (!in_county(G, i, j) || G->cls[IDX(G, i, j)] != K_FREE) continue;
    got += blob(G, i + 0.5, j + 0.5, 8 + 30 * urand(R), K_SPEC, salt++);
  }
}

/* ---- The rest by quantiles ----------------------------------------------------------- */

typedef double (*score_fn)(const gen_t *G, size_t c, double x, double y);

/* Gives class `to` to about `want` cells of class `from`: those with the
 * lowest score. Returns the number changed. */
static int64_t assign_lowest(gen_t *G, uint8_t from, uint8_t to, int64_t want, score_fn f,
                             float *buf) {
  if (want <= 0) return 0;
  double lo = INFINITY, hi = -INFINITY;
  int64_t n = 0;
  for (int j = 0; j < G->ny; j++)
    for (int i = 0; i < G->nx; i++) {
      size_t c = IDX(G, i, j);
      if (G->cls[c] != from) continue;
      double s = f(G, c, (i + 0.5) * GEN_CELL, (j + 0.5) * GEN_CELL);
      buf[c] = (float)s;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
      n++;
    }
  if (n == 0) return 0;
  double t = INFINITY;
  if (want < n) {
    enum { NB = 1 << 16 };
    int64_t *hist = lg_calloc(NB, sizeof *hist);
    double w = (hi - lo) / NB + 1e-12;
    for (size_t c = 0; c < G->ncell; c++)
      if (G->cls[c] == from) {
        int b = (int)((buf[c] - lo) / w);
        hist[b < 0 ? 0 : b >= NB ? NB - 1 : b]++;
      }
    int64_t cum = 0;
    for (int b = 0; b < NB; b++) {
      cum += hist[b];
      if (cum >= want) {
        t = lo + (b + 1) * w;
        break;
      }
    }
    lg_free(hist);
  }
  int64_t set = 0;
  for (size_t c = 0; c < G->ncell; c++)
    if (G->cls[c] == from && buf[c] < t) {
      G->cls[c] = to;
      set++;
    }
  return set;
}

static double sigma(const gen_t *G) { return G->hq[900] - G->hq[100] + 1; }
static double sc_cult(const gen_t *G, size_t c, double x, double y) {
  return G->h[c] + 0.07 * sigma(G) * gen_noise(fseed(G, S_CULT), x / 450, y / 450);
}
static double sc_dry(const gen_t *G, size_t c, double x, double y) {
  return -(G->h[c] + 0.12 * sigma(G) * gen_noise(fseed(G, S_PADDY), x / 350, y / 350));
}
static double sc_ridge(const gen_t *G, size_t c, double x, double y) { return -G->h[c]; }
static double sc_irrig(const gen_t *G, size_t c, double x, double y) {
  return -gen_noise(fseed(G, S_IRRIG), x / 700, y / 700);
}
static double sc_orchard(const gen_t *G, size_t c, double x, double y) {
  return G->h[c] + 0.45 * sigma(G) * gen_fbm(fseed(G, S_ORCH), x / 1100, y / 1100, 3);
}
static double sc_tea(const gen_t *G, size_t c, double x, double y) {
  return -gen_fbm(fseed(G, S_TEA), x / 900, y / 900, 2) +
         0.6 * fabs(G->h[c] - G->hq[550]) / sigma(G);
}
static double sc_grass(const gen_t *G, size_t c, double x, double y) {
  return -(G->h[c] + 0.35 * sigma(G) * gen_noise(fseed(G, S_GRASS), x / 800, y / 800));
}
static double sc_bamboo(const gen_t *G, size_t c, double x, double y) {
  return -gen_fbm(fseed(G, S_BAMBOO), x / 1000, y / 1000, 3);
}
static double sc_shrub(const gen_t *G, size_t c, double x, double y) {
  return -(G->h[c] + 0.5 * sigma(G) * gen_fbm(fseed(G, S_SHRUB), x / 800, y / 800, 3));
}
static double sc_oforest(const gen_t *G, size_t c, double x, double y) {
  return -gen_fbm(fseed(G, S_OFOREST), x / 700, y / 700, 3);
}

static void classify(gen_t *G) {
  float *buf = lg_malloc(sizeof(float) * G->ncell);
  /* Cultivated land on the valley floors; paddy the lowest and wettest,
   * dry land higher up, field ridges (terrace banks) at the top of the
   * cultivated band, a little irrigated dry land. */
  int64_t ncult = assign_lowest(G, K_FREE, K_PADDY, share(G, 0.129), sc_cult, buf);
  assign_lowest(G, K_PADDY, K_DRY, (int64_t)(0.27 * ncult), sc_dry, buf);
  assign_lowest(G, K_DRY, K_RIDGE, (int64_t)(0.023 * ncult), sc_ridge, buf);
  assign_lowest(G, K_PADDY, K_IRRIG, (int64_t)(0.03 * ncult), sc_irrig, buf);
  /* Navel-orange orchards on the low hills, tea higher, grass on the
   * ridges, forest everywhere else. */
  assign_lowest(G, K_FREE, K_ORCHARD, share(G, 0.05), sc_orchard, buf);
  assign_lowest(G, K_FREE, K_TEA, share(G, 0.005), sc_tea, buf);
  assign_lowest(G, K_FREE, K_GRASS, share(G, 0.013), sc_grass, buf);
  int64_t nf = 0;
  for (size_t c = 0; c < G->ncell; c++)
    if (G->cls[c] == K_FREE) {
      G->cls[c] = K_FOREST;
      nf++;
    }
  assign_lowest(G, K_FOREST, K_BAMBOO, (int64_t)(0.09 * nf), sc_bamboo, buf);
  assign_lowest(G, K_FOREST, K_SHRUB, (int64_t)(0.07 * nf), sc_shrub, buf);
  assign_lowest(G, K_FOREST, K_OFOREST, (int64_t)(0.10 * nf), sc_oforest, buf);
  lg_free(buf);
  /* A field or wood of one cell with no neighbour of its class is noise
   * of the thresholds above: give it the class most of its neighbours have. */
  for (int j = 1; j + 1 < G->ny; j++)
    for (int i = 1; i + 1 < G->nx; i++) {
      size_t c = IDX(G, i, j);
      int k = G->cls[c];
      if (!(gen_is_cult(k) || gen_is_forest(k) || k == K_ORCHARD || k == K_TEA || k == K_GRASS))
        continue;
      size_t nb[4] = {c - 1, c + 1, c - (size_t)G->nx, c + (size_t)G->nx};
      int best = -1, bestn = 0;
      bool alone = true;
      for (int a = 0; a < 4 && alone; a++)
        alone = G->cls[nb[a]] != k;
      if (!alone) continue;
      for (int a = 0; a < 4; a++) {
        int ka = G->cls[nb[a]], na = 0;
        if (!(gen_is_cult(ka) || gen_is_forest(ka) || ka == K_ORCHARD || ka == K_TEA ||
              ka == K_GRASS))
          continue;
        for (int b = 0; b < 4; b++)
          na += G->cls[nb[b]] == ka;
        if (na > bestn) {
          bestn = na;
          best = ka;
        }
      }
      if (best >= 0) G->cls[c] = (uint8_t)best;
    }
}

/* ---- Patch seeds ------------------------------------------------------------------------ */

static void seeds(gen_t *G) {
  uint64_t sa = fseed(G, S_ANISO);
  for (int j = 0; j < G->ny; j++)
    for (int i = 0; i < G->nx; i++) {
      size_t c = IDX(G, i, j);
      int k = G->cls[c];
      if (k == K_NONE) continue;
      if (G->town[c] && gen_is_urban(k)) continue; /* a town block */
      float sp = gen_classes[k].spacing;
      if (sp <= 0) {
        G->seedid[c] = 0;
        continue;
      }
      double an = gen_classes[k].aniso;
      double x = (i + 0.5) / sp, y = (j + 0.5) / sp;
      double phi = G->river_dir +
                   0.7 * gen_noise(sa, (i + 0.5) * GEN_CELL / 4000, (j + 0.5) * GEN_CELL / 4000);
      double eu = cos(phi), ev = sin(phi);
      int li = (int)floor(x), lj = (int)floor(y), reach = an > 1.01 ? 2 : 1;
      uint64_t salt = 0x5EED00ull + (uint64_t)lround(sp * 10);
      double best = INFINITY;
      int32_t id = 0;
      for (int b = lj - reach; b <= lj + reach; b++)
        for (int a = li - reach; a <= li + reach; a++) {
          uint64_t hh = gen_hash(G->seed, a, b, salt);
          double px = a + 0.5 + 0.9 * (gen_u01(hh) - 0.5);
          double py = b + 0.5 + 0.9 * (gen_u01(gen_mix(hh)) - 0.5);
          double dx = px - x, dy = py - y;
          double along = dx * eu + dy * ev, across = -dx * ev + dy * eu;
          double d = along * along / an + across * across * an;
          if (d < best) {
            best = d;
            id = (int32_t)((a & 0x7FFF) | ((b & 0x7FFF) << 15));
          }
        }
      G->seedid[c] = id;
    }
}

/* ---- Entry points ----------------------------------------------------------------------- */

int gen_land_build(gen_t *G, lg_err_t *err) {
  double t0 = lg_mono();
  lg_rng_t R;
  lg_rng_seed(&R, G->seed);
  build_grid(G, &R);
  G->vil = lg_calloc(G->ncell, sizeof *G->vil);
  G->h = lg_calloc(G->ncell, sizeof *G->h);
  G->dmain = lg_calloc(G->ncell, sizeof *G->dmain);
  G->dres = lg_calloc(G->ncell, sizeof *G->dres);
  G->seedid = lg_calloc(G->ncell, sizeof *G->seedid);

  uint64_t rh = gen_hash(G->seed, 3, 3, 0x21);
  snprintf(G->river_name, sizeof G->river_name, "%s%s江", NAME1[rh % LG_ARRAY_LEN(NAME1)],
           NAME2[(rh >> 20) % LG_ARRAY_LEN(NAME2)]);
  main_river(G, &R);
  trib_t *T = NULL;
  int nt = 0;
  uint8_t *vline = lg_calloc(G->ncell, 1);
  tributaries(G, &R, vline, &T, &nt);
  terrain(G, vline);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "terrain", lg_mono() - t0);
  lg_free(vline);
  reservoirs(G, &R, T, nt);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "reservoirs", lg_mono() - t0);
  for (int k = 0; k < nt; k++)
    lg_free(T[k].line.items);
  lg_free(T);
  towns(G, &R);
  villages(G, &R);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "villages", lg_mono() - t0);
  pts_t hams = {0};
  hamlets(G, &R, &hams);
  roads(G, &R, &hams);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "roads", lg_mono() - t0);
  features(G, &R, &hams);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "features", lg_mono() - t0);
  lg_free(hams.items);
  classify(G);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "classify", lg_mono() - t0);
  seeds(G);
  lg_log(LG_LOG_DEBUG, "gen: %s done, %.2f s", "seeds", lg_mono() - t0);
  (void)err;
  return 0;
}

int gen_land_patches(gen_t *G, lg_err_t *err) {
  G->pid = lg_malloc(sizeof(int32_t) * G->ncell);
  G->cells = lg_malloc(sizeof(int32_t) * G->ncell);
  G->npatch = gen_components(G, NULL, G->pid, G->cells, &G->pstart);
  /* Sieve: a sliver of a few cells, left where a class boundary or a
   * village boundary cut a seed's area, joins the largest neighbouring
   * patch of its class (taking its seed and village), then all is
   * labelled again. */
  for (int32_t p = 1; p <= G->npatch; p++) {
    int32_t s0 = G->pstart[p], n = G->pstart[p + 1] - s0;
    if (n > 3) continue;
    size_t c0 = (size_t)G->cells[s0];
    int32_t best = 0, bestn = 0;
    size_t bestc = 0;
    for (int32_t k = s0; k < s0 + n; k++) {
      size_t c = (size_t)G->cells[k];
      int i = (int)(c % (size_t)G->nx), j = (int)(c / (size_t)G->nx);
      static const int DI[4] = {1, -1, 0, 0}, DJ[4] = {0, 0, 1, -1};
      for (int d = 0; d < 4; d++) {
        if (!in_grid(G, i + DI[d], j + DJ[d])) continue;
        size_t b = IDX(G, i + DI[d], j + DJ[d]);
        int32_t q = G->pid[b];
        if (q == 0 || q == p || G->cls[b] != G->cls[c0]) continue;
        int32_t qn = G->pstart[q + 1] - G->pstart[q];
        if (qn > bestn) {
          bestn = qn;
          best = q;
          bestc = b;
        }
      }
    }
    if (!best || bestn <= n) continue;
    for (int32_t k = s0; k < s0 + n; k++) {
      size_t c = (size_t)G->cells[k];
      G->seedid[c] = G->seedid[bestc];
      G->vil[c] = G->vil[bestc];
      G->pid[c] = best;
    }
  }
  lg_free(G->pstart);
  G->npatch = gen_components(G, NULL, G->pid, G->cells, &G->pstart);
  G->patches = lg_calloc((size_t)G->npatch + 1, sizeof *G->patches);
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    int32_t s = G->pstart[p], e = G->pstart[p + 1];
    double sx = 0, sy = 0, sh = 0, sd = 0;
    unsigned dm = 65535, dr = 65535;
    int32_t first = G->cells[s];
    for (int32_t k = s; k < e; k++) {
      size_t c = (size_t)G->cells[k];
      if ((int32_t)c < first) first = (int32_t)c;
      sx += (double)(c % (size_t)G->nx) + 0.5;
      sy += (double)(c / (size_t)G->nx) + 0.5;
      sh += G->h[c];
      sd += G->dmain[c];
      if (G->dmain[c] < dm) dm = G->dmain[c];
      if (G->dres[c] < dr) dr = G->dres[c];
    }
    P->ncell = e - s;
    P->first = first;
    P->cls = G->cls[first];
    P->town = G->town[first];
    P->vil = G->vil[first];
    P->cx = (float)(sx / P->ncell);
    P->cy = (float)(sy / P->ncell);
    P->h = (float)(sh / P->ncell);
    P->dmain = (uint16_t)dm;
    P->dmean = (float)(sd / P->ncell);
    P->dres = (uint16_t)dr;
  }
  /* The nearest reservoir of each reservoir-side patch. */
  for (int32_t p = 1; p <= G->npatch; p++) {
    gen_patch_t *P = &G->patches[p];
    if (P->dres > 3 * 800 / GEN_CELL || G->nresvs == 0) continue;
    int best = 0;
    double bd = 1e300;
    for (int r = 0; r < G->nresvs; r++) {
      double d = dist(P->cx, P->cy, G->resvs[r].x, G->resvs[r].y);
      if (d < bd) {
        bd = d;
        best = r;
      }
    }
    P->resv = (uint8_t)(best + 1);
  }
  /* The landscape rasters are done with; tracing needs only pid. */
  lg_free(G->cls);
  lg_free(G->town);
  lg_free(G->vil);
  lg_free(G->h);
  lg_free(G->dmain);
  lg_free(G->dres);
  G->cls = G->town = NULL;
  G->vil = G->dmain = G->dres = NULL;
  G->h = NULL;
  (void)err;
  return 0;
}

void gen_free(gen_t *G) {
  if (!G) return;
  lg_free(G->cls);
  lg_free(G->town);
  lg_free(G->vil);
  lg_free(G->h);
  lg_free(G->dmain);
  lg_free(G->dres);
  lg_free(G->seedid);
  lg_free(G->pid);
  lg_free(G->cells);
  lg_free(G->lab);
  lg_free(G->vis);
  lg_free(G->warp);
  lg_free(G->towns);
  lg_free(G->tships);
  lg_free(G->vils);
  lg_free(G->resvs);
  lg_free(G->patches);
  lg_free(G->pstart);
  lg_free(G);
}
