/*
 * Internals of the synthetic-county generator, shared by its three files:
 * gen_land.c (the landscape model: terrain, rivers, towns, villages,
 * roads, land classes on a grid of cells), gen_trace.c (connected groups
 * of cells and their polygon outlines as WKB) and gen.c (the public entry
 * point: deciding which patches form the control layers and writing every
 * layer to the store).
 *
 * The county is a grid of square cells (GEN_CELL metres). Every cell gets
 * a land class; a patch (图斑) is a 4-connected group of cells with the
 * same class, village and "patch seed". Every layer (patches, red line,
 * boundary, plan zones, outline) is a union of whole patches, and every
 * outline is traced along the grid lines through vertices whose
 * coordinates are a pure function of the vertex's grid index (jittered
 * and smoothly warped), so shared edges are bit-for-bit identical in all
 * polygons that contain them: the patches form an exact coverage.
 */
#ifndef LG_ONEMAP_GEN_INT_H
#define LG_ONEMAP_GEN_INT_H

#include "onemap/onemap.h"

#define GEN_CELL 30.0 /* metres: one cell, the smallest unit of a patch */

/* Land classes of the Third National Land Survey the generator uses
 * (地类, TD/T 1055-2019 工作分类). gen_classes[] gives codes and names. */
enum {
  K_NONE = 0, /* outside the county */
  K_PADDY,    /* 0101 水田 */
  K_IRRIG,    /* 0102 水浇地 */
  K_DRY,      /* 0103 旱地 */
  K_ORCHARD,  /* 0201 果园 (navel orange) */
  K_TEA,      /* 0202 茶园 */
  K_FOREST,   /* 0301 乔木林地 */
  K_BAMBOO,   /* 0302 竹林地 */
  K_SHRUB,    /* 0305 灌木林地 */
  K_OFOREST,  /* 0307 其他林地 */
  K_GRASS,    /* 0404 其他草地 */
  K_COMM,     /* 05H1 商业服务业设施用地 */
  K_WARE,     /* 0508 物流仓储用地 */
  K_IND,      /* 0601 工业用地 */
  K_MINE,     /* 0602 采矿用地 (rare-earth mines of south Jiangxi) */
  K_URBRES,   /* 0701 城镇住宅用地 */
  K_RURRES,   /* 0702 农村宅基地 */
  K_GOV,      /* 08H1 机关团体新闻出版用地 */
  K_PUB,      /* 08H2 科教文卫用地 */
  K_UTIL,     /* 0809 公用设施用地 */
  K_PARK,     /* 0810 公园与绿地 */
  K_SPEC,     /* 09 特殊用地 */
  K_HWY,      /* 1003 公路用地 */
  K_STREET,   /* 1004 城镇村道路用地 */
  K_RROAD,    /* 1006 农村道路 */
  K_RIVER,    /* 1101 河流水面 */
  K_RESV,     /* 1103 水库水面 */
  K_POND,     /* 1104 坑塘水面 */
  K_DITCH,    /* 1107 沟渠 */
  K_HYDRO,    /* 1109 水工建筑用地 (dams) */
  K_FACIL,    /* 1202 设施农用地 */
  K_RIDGE,    /* 1203 田坎 */
  K_BARE,     /* 1206 裸土地 */
  K_COUNT,
  K_FREE = 255 /* inside the county, not yet assigned */
};

typedef struct gen_class {
  const char *dlbm; /* 地类编码 */
  const char *dlmc; /* 地类名称 */
  float spacing;    /* patch seed spacing in cells; 0: one patch per area */
  float aniso;      /* > 1: patches elongated along the valley */
} gen_class_t;
extern const gen_class_t gen_classes[K_COUNT];

static inline bool gen_is_cult(int k) { return k == K_PADDY || k == K_IRRIG || k == K_DRY; }
static inline bool gen_is_forest(int k) {
  return k == K_FOREST || k == K_BAMBOO || k == K_SHRUB || k == K_OFOREST;
}
/* Built-up classes of a town (blocks of the street grid). */
static inline bool gen_is_urban(int k) {
  return k == K_COMM || k == K_WARE || k == K_IND || k == K_URBRES || k == K_GOV || k == K_PUB ||
         k == K_UTIL || k == K_PARK;
}

typedef struct gen_town {
  double x, y;    /* centre, cell units */
  double r;       /* radius of the built-up area, cells */
  double ind_dir; /* direction of the industrial park from the centre, radians */
  int township;   /* index into townships */
  char name[64];
} gen_town_t;

typedef struct gen_township {
  char code[4]; /* 3 digits: 1xx town (镇), 2xx township (乡), GB/T 10114 */
  char name[64];
  int nvil; /* villages numbered so far */
  int nres; /* residents' committees numbered so far */
} gen_township_t;

typedef struct gen_village {
  double x, y; /* seat, cell units */
  int township;
  char code[20]; /* 19-digit ownership unit code: 12-digit village + 0000000 */
  char name[64];
  int32_t tbbh; /* last patch number used in this village */
} gen_village_t;

typedef struct gen_resv {
  double x, y; /* cell units */
  char name[64];
} gen_resv_t;

/* One patch (图斑): a connected group of cells of one class and village. */
typedef struct gen_patch {
  int32_t ncell;
  int32_t first;  /* first cell (lowest row, then column) */
  uint8_t cls;    /* K_* */
  uint8_t town;   /* town index + 1 when in a town's built-up area */
  uint16_t vil;   /* village index + 1 */
  uint16_t dmain; /* least distance to the main river, thirds of a cell */
  uint16_t dres;  /* least distance to a reservoir, thirds of a cell */
  float dmean;    /* mean distance to the main river, thirds of a cell */
  uint8_t resv;   /* reservoir index + 1 for reservoir patches and their shores */
  uint8_t udb;    /* town index + 1 when inside that urban development boundary */
  uint8_t eprl;   /* red-line kind: 0 none, 1 mountain, 2 reservoir, 3 river */
  uint8_t pbf;    /* 1 when permanent basic farmland */
  uint8_t plan;   /* index into the plan-code table (gen.c) */
  float cx, cy;   /* centroid, cell units */
  float h;        /* mean elevation, m */
  double area;    /* m2, from the traced geometry */
} gen_patch_t;

typedef struct gen {
  /* inputs */
  uint64_t seed;
  int64_t target; /* patches wanted */
  char county_code[8];
  char county_name[64];
  int srid; /* 4526 */

  /* grid: cell (i, j) spans vertices (i, j)..(i+1, j+1); index j*nx + i */
  int nx, ny;
  size_t ncell;
  int64_t ncounty;     /* cells inside the county */
  double x0, y0;       /* projected position of vertex (0, 0) before jitter */
  double cx, cy;       /* county centre, cell units */
  double r0;           /* mean county radius, cells */
  int wstep, wnx, wny; /* warp lattice: a node every wstep vertices */
  double *warp;        /* 2 doubles (dx, dy in m) per warp node */

  /* rasters (NULL once no longer needed) */
  uint8_t *cls;     /* K_* */
  uint8_t *town;    /* town index + 1 */
  uint16_t *vil;    /* village index + 1 */
  float *h;         /* elevation, m */
  uint16_t *dmain;  /* distance to the main river (chamfer 3-4: thirds of a cell) */
  uint16_t *dres;   /* distance to a reservoir */
  int32_t *seedid;  /* patch seed per cell (reused as a layer key later) */
  int32_t *pid;     /* patch id per cell, 0 outside */
  int32_t *cells;   /* cells grouped by component (labelling output) */
  int32_t *lab;     /* layer labels (second labelling) */
  uint8_t *vis;     /* traced cell sides, 4 bits per cell */
  float hq[1001];   /* elevation quantiles over the county: hq[k] at k/1000 */
  double river_dir; /* direction of the main river, radians */

  /* places */
  gen_town_t *towns; /* [0] is the county town */
  int ntowns;
  gen_township_t *tships; /* [i] belongs to towns[i] */
  int ntships;
  gen_village_t *vils;
  int nvils;
  gen_resv_t *resvs;
  int nresvs;
  char river_name[32];

  /* patches, 1-based */
  gen_patch_t *patches;
  int32_t npatch;
  int32_t *pstart; /* component starts in cells[], npatch + 2 entries */
} gen_t;

/* ---- Hashing and noise (deterministic for a seed) ----------------------- */
static inline uint64_t gen_mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static inline uint64_t gen_hash(uint64_t seed, int64_t a, int64_t b, uint64_t salt) {
  return gen_mix(seed ^ gen_mix((uint64_t)a ^ gen_mix((uint64_t)b ^ gen_mix(salt))));
}
/* [0, 1) from a hash. */
static inline double gen_u01(uint64_t h) { return (double)(h >> 11) * 0x1.0p-53; }
/* Value noise on a unit lattice, smooth, in [-1, 1]. */
double gen_noise(uint64_t seed, double x, double y);
/* Fractal sum of octaves of gen_noise, about [-1, 1]. */
double gen_fbm(uint64_t seed, double x, double y, int octaves);

/* ---- gen_land.c ---------------------------------------------------------- */
/* Sizes the grid for G->target patches and fills cls, town, vil, h, dmain,
 * dres and seedid, and the places. */
int gen_land_build(gen_t *G, lg_err_t *err);
/* Labels patches (pid, cells, pstart, patches[]) and frees the rasters
 * only the landscape needed. */
int gen_land_patches(gen_t *G, lg_err_t *err);
void gen_free(gen_t *G);

/* ---- gen_trace.c -------------------------------------------------------- */
/* 4-connected components of cells with equal nonzero key[] (key NULL:
 * patches, cells of equal class, village and seed); writes ids 1..n into
 * lab[], the cells grouped by component into cells[] (ncell entries) and
 * the start of each component into *start (n + 2 entries, caller frees).
 * Returns n. */
int32_t gen_components(gen_t *G, const int32_t *key, int32_t *lab, int32_t *cells, int32_t **start);

/* Coordinates of grid vertex (I, J) in the county's CRS. */
void gen_vertex_xy(const gen_t *G, int I, int J, double *x, double *y);

/* Outline of component id of lab[] (its cells cells[0..n)) as the WKB of
 * a one-part MultiPolygon appended to out (reset first); *area receives
 * its planar area in m2. Vertices where only two patches meet in a simple
 * line or corner are dropped on alternate grid vertices, the same way in
 * every layer, so staircases become diagonals and shared edges stay
 * identical. */
typedef struct gen_tracer gen_tracer_t;
gen_tracer_t *gen_tracer_new(gen_t *G);
void gen_tracer_free(gen_tracer_t *t);
int gen_trace(gen_tracer_t *t, const int32_t *lab, int32_t id, const int32_t *cells, int32_t n,
              lg_buf_t *out, double *area, lg_err_t *err);
/* Forgets which sides were traced, before tracing another labelling. */
void gen_tracer_reset(gen_tracer_t *t);

#endif
