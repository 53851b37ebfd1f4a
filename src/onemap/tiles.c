/*
 * Vector tiles of the One Map: one layer of the store, one tile z/x/y of
 * the Web Mercator grid (EPSG:3857, XYZ scheme: x east from -180 degrees,
 * y south from the top, as OpenLayers and Google number them), as a
 * Mapbox Vector Tile 2.1 (mvt.c writes the protocol buffers).
 *
 * The work per tile, in the order it happens:
 *   1. The buffered tile (extent 4096 units plus 64 on each side, the
 *      defaults of PostGIS's ST_AsMVT) is cut down to the layer's extent
 *      and carried into the layer's CRS (densified edges), so that a
 *      world tile meets a Gauss-Kruger layer only where its data are.
 *   2. The layer's GeoPackage R-tree gives the candidates in that box; at
 *      low zooms it also drops, before any row is read, the features
 *      whose box is too small to show (below a pixel in both directions,
 *      judged with a bound on the transformation's stretch, so nothing
 *      that would show is lost).
 *   3. Each feature's WKB is read straight from its GeoPackage blob (no
 *      GEOS), and its vertices are carried to tile units in one batch:
 *      through PROJ (lg_xy_transform, the thread's cached transformation)
 *      or through an interpolation grid built from PROJ and checked
 *      against it at every cell's centre (error under 1/50 of a unit):
 *      one over the whole layer, kept by the thread, or one for the tile
 *      when that does not fit and the tile has many vertices.
 *   4. Features smaller than a pixel are dropped; the rest are clipped to
 *      the buffered tile in tile units: Sutherland-Hodgman for polygons
 *      (exact when the clipped part is one piece, which it is almost
 *      always; when the clip would join pieces by slivers along the tile
 *      edge, or a hole crosses the edge, that one polygon goes to GEOS's
 *      overlay through src/geo), Liang-Barsky for lines.
 *   5. Coordinates are rounded to the tile's grid (whole units; below
 *      LG_TILE_DETAIL_ZOOM a grid of half a pixel, the generalisation of
 *      low zooms), repeated and collinear vertices removed (both exact
 *      for shared edges: the patches of a coverage stay gap-free, which
 *      Douglas-Peucker on each ring would not keep), rings that collapse
 *      dropped, and windings set as the specification says (4.3.4.4:
 *      exterior clockwise on screen, holes anticlockwise).
 *
 * Attributes: the feature id (fid) is the MVT id; the tags are the
 * layer's land-class field and the fields that name, number or measure a
 * feature (see tag_field), so a tile carries what the map styles and
 * labels with, not every column; the features API has the rest.
 */
#include "onemap/onemap.h"
#include "onemap/tiles_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Half the width of the Web Mercator world: pi x 6378137 m (EPSG:3857). */
#define MERC_HALF 20037508.342789244

/* A tile makes its own interpolation grid once it has transformed this
 * many vertices with PROJ: below it, PROJ alone is cheaper. */
#define GRID_AFTER 4000
/* Largest error of a grid allowed, in tile units (rounding to whole
 * units then tips a coordinate only when it lies within 1/50 of a half). */
#define GRID_TOL 0.02
#define GRID_MAX_CELLS 64
/* A layer of at least this many features gets a grid over its whole
 * extent, kept by each thread (about 25 ms to make, 1 MB): the tiles of
 * every zoom where its error fits (to z16 or so for a county) then need
 * PROJ only for a handful of points. */
#define LAYER_GRID_MIN_FEATURES 1000
#define LAYER_GRID_CELLS 256

typedef LG_VEC(double) dvec_t;
typedef LG_VEC(int32_t) ivec_t;

void lg_onemap_tile_opts_init(lg_onemap_tile_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->extent = LG_TILE_EXTENT;
  o->buffer = LG_TILE_BUFFER;
  o->min_size = LG_TILE_EXTENT / 512.0;
  o->snap = 0;
  o->exact = false;
}

int lg_onemap_tile_bounds(int z, int x, int y, lg_env_t *env, lg_err_t *err) {
  if (z < 0 || z > LG_TILE_MAX_ZOOM)
    return lg_err_set(err, LG_EINVAL, "瓦片层级 z=%d 无效: 应在 0 到 %d 之间", z, LG_TILE_MAX_ZOOM);
  int64_t n = (int64_t)1 << z;
  if (x < 0 || x >= n || y < 0 || y >= n)
    return lg_err_set(err, LG_EINVAL,
                      "瓦片 %d/%d/%d 无效: 层级 %d 的列号 x 和行号 y 应在 0 到 %lld 之间", z, x, y,
                      z, (long long)(n - 1));
  double size = 2 * MERC_HALF / (double)n;
  env->minx = -MERC_HALF + x * size;
  env->maxx = -MERC_HALF + (x + 1) * size;
  env->maxy = MERC_HALF - y * size;
  env->miny = MERC_HALF - (y + 1) * size;
  return 0;
}

/* ---- Transformation to tile units ------------------------------------------
 * PROJ carries a vertex from a Gauss-Kruger zone to Web Mercator in about
 * 0.2 microseconds (inverse transverse Mercator, then Mercator): for the
 * hundreds of thousands of vertices of a low-zoom tile, most of its time.
 * Over a small region the transformation is smooth enough that bilinear
 * interpolation between points PROJ computed is as good as PROJ at the
 * tile's resolution, and some 20 times faster. A grid is only used where
 * its error, measured against PROJ at every cell's centre (where
 * bilinear interpolation errs most), is under GRID_TOL tile units. */

typedef struct grid {
  lg_env_t region; /* its domain, in the layer's CRS */
  int n;           /* cells per side */
  double dx, dy;
  double *gx, *gy; /* EPSG:3857 at the (n + 1)^2 nodes, row by row */
  double err;      /* largest error at the cells' centres, metres of EPSG:3857 */
} grid_t;

static void grid_free(grid_t *gr) {
  if (!gr) return;
  lg_free(gr->gx);
  lg_free(gr->gy);
  lg_free(gr);
}

static inline bool grid_at(const grid_t *gr, double x, double y, double *X, double *Y) {
  double u = (x - gr->region.minx) / gr->dx, v = (y - gr->region.miny) / gr->dy;
  if (!(u >= 0 && v >= 0 && u <= gr->n && v <= gr->n)) return false;
  int i = (int)u, j = (int)v;
  if (i == gr->n) i--;
  if (j == gr->n) j--;
  double fu = u - i, fv = v - j;
  size_t w = (size_t)gr->n + 1, a = (size_t)j * w + (size_t)i;
  const double *gx = gr->gx, *gy = gr->gy;
  *X = (1 - fv) * ((1 - fu) * gx[a] + fu * gx[a + 1]) +
       fv * ((1 - fu) * gx[a + w] + fu * gx[a + w + 1]);
  *Y = (1 - fv) * ((1 - fu) * gy[a] + fu * gy[a + 1]) +
       fv * ((1 - fu) * gy[a + w] + fu * gy[a + w + 1]);
  return true;
}

/* A grid of n x n cells over region (layer CRS srs), with its measured
 * error; NULL when PROJ cannot transform some node or centre. */
static grid_t *grid_build(lg_geo_t *g, int srs, const lg_env_t *region, int n) {
  if (!(region->maxx > region->minx && region->maxy > region->miny)) return NULL;
  size_t w = (size_t)n + 1, nodes = w * w, centres = (size_t)n * n;
  grid_t *gr = lg_calloc(1, sizeof *gr);
  gr->region = *region;
  gr->n = n;
  gr->dx = (region->maxx - region->minx) / n;
  gr->dy = (region->maxy - region->miny) / n;
  gr->gx = lg_malloc(nodes * sizeof(double));
  gr->gy = lg_malloc(nodes * sizeof(double));
  for (size_t j = 0; j < w; j++)
    for (size_t i = 0; i < w; i++) {
      gr->gx[j * w + i] = region->minx + (double)i * gr->dx;
      gr->gy[j * w + i] = region->miny + (double)j * gr->dy;
    }
  double *cx = lg_malloc(centres * sizeof(double)), *cy = lg_malloc(centres * sizeof(double));
  for (size_t j = 0; j < (size_t)n; j++)
    for (size_t i = 0; i < (size_t)n; i++) {
      cx[j * n + i] = region->minx + ((double)i + 0.5) * gr->dx;
      cy[j * n + i] = region->miny + ((double)j + 0.5) * gr->dy;
    }
  double *ex = lg_malloc(centres * sizeof(double)), *ey = lg_malloc(centres * sizeof(double));
  memcpy(ex, cx, centres * sizeof(double));
  memcpy(ey, cy, centres * sizeof(double));
  bool ok = lg_xy_transform(g, srs, 3857, gr->gx, gr->gy, nodes, NULL) == 0 &&
            lg_xy_transform(g, srs, 3857, ex, ey, centres, NULL) == 0;
  for (size_t c = 0; ok && c < centres; c++) {
    double X = NAN, Y = NAN;
    ok = grid_at(gr, cx[c], cy[c], &X, &Y);
    if (ok) gr->err = fmax(gr->err, fmax(fabs(X - ex[c]), fabs(Y - ey[c])));
  }
  ok = ok && isfinite(gr->err);
  lg_free(cx);
  lg_free(cy);
  lg_free(ex);
  lg_free(ey);
  if (!ok) {
    grid_free(gr);
    return NULL;
  }
  return gr;
}

typedef struct xform {
  lg_geo_t *g;
  int srs;          /* the layer's CRS */
  double ox, oy, k; /* tile units from EPSG:3857: tx = (X - ox) k, ty = (oy - Y) k */
  bool allow_grid;
  int64_t exact_points; /* transformed by PROJ so far */
  const grid_t *grid;   /* in use: the layer's (kept by the thread) or own */
  grid_t *own;          /* one made for this tile */
  bool tried;           /* own grid tried */
  lg_env_t region;      /* the tile's domain in the layer's CRS */
  dvec_t bx, by;        /* PROJ's scratch */
  LG_VEC(size_t) miss;  /* points outside the grid */
} xform_t;

static void xf_fini(xform_t *f) {
  grid_free(f->own);
  lg_free(f->bx.items);
  lg_free(f->by.items);
  lg_free(f->miss.items);
}

/* x[i], y[i] (layer CRS) to tile units, in place, through PROJ. */
static int xf_exact_xy(xform_t *f, double *x, double *y, size_t n, lg_err_t *err) {
  if (f->srs != 3857) {
    int rc = lg_xy_transform(f->g, f->srs, 3857, x, y, n, err);
    if (rc) return rc;
    f->exact_points += (int64_t)n;
  }
  for (size_t i = 0; i < n; i++) {
    x[i] = (x[i] - f->ox) * f->k;
    y[i] = (f->oy - y[i]) * f->k;
  }
  return 0;
}

/* Whether a grid is good enough for this tile. */
static bool xf_grid_fits(const xform_t *f, const grid_t *gr) {
  return gr && gr->err * f->k <= GRID_TOL;
}

/* The tile's own grid, over its region: finer until it fits. */
static void xf_grid_build(xform_t *f) {
  f->tried = true;
  for (int n = 16; n <= GRID_MAX_CELLS; n *= 2) {
    grid_t *gr = grid_build(f->g, f->srs, &f->region, n);
    if (!gr) return;
    if (xf_grid_fits(f, gr)) {
      f->own = gr;
      f->grid = gr;
      return;
    }
    grid_free(gr);
  }
}

/* n points, xy pairs in the layer's CRS, to tile units in place. */
static int xf_apply(xform_t *f, double *xy, size_t n, lg_err_t *err) {
  if (n == 0) return 0;
  if (!f->grid && !f->tried && f->allow_grid && f->srs != 3857 &&
      f->exact_points + (int64_t)n > GRID_AFTER)
    xf_grid_build(f);
  f->miss.len = 0;
  if (f->grid) {
    for (size_t i = 0; i < n; i++) {
      double X, Y;
      if (grid_at(f->grid, xy[2 * i], xy[2 * i + 1], &X, &Y)) {
        xy[2 * i] = (X - f->ox) * f->k;
        xy[2 * i + 1] = (f->oy - Y) * f->k;
      } else {
        lg_vec_push(&f->miss, i);
      }
    }
    if (f->miss.len == 0) return 0;
  }
  size_t m = f->grid ? f->miss.len : n;
  lg_vec_reserve(&f->bx, m);
  lg_vec_reserve(&f->by, m);
  for (size_t k = 0; k < m; k++) {
    size_t i = f->grid ? f->miss.items[k] : k;
    f->bx.items[k] = xy[2 * i];
    f->by.items[k] = xy[2 * i + 1];
  }
  int rc = xf_exact_xy(f, f->bx.items, f->by.items, m, err);
  if (rc) return rc;
  for (size_t k = 0; k < m; k++) {
    size_t i = f->grid ? f->miss.items[k] : k;
    xy[2 * i] = f->bx.items[k];
    xy[2 * i + 1] = f->by.items[k];
  }
  return 0;
}

/* A bound L on how much the transformation to tile units can stretch a
 * box over the region: a box w x h in the layer's CRS becomes one no
 * larger than L max(w, h) in either direction. Estimated from the
 * Jacobian's row sums on a 4 x 4 sampling, with a margin; 0 when it
 * cannot be computed (then nothing is dropped by size before reading). */
static double xf_stretch(xform_t *f, const lg_env_t *r) {
  enum { S = 5 };
  double x[S * S], y[S * S];
  double dx = (r->maxx - r->minx) / (S - 1), dy = (r->maxy - r->miny) / (S - 1);
  if (!(dx > 0 && dy > 0)) return 0;
  for (int j = 0; j < S; j++)
    for (int i = 0; i < S; i++) {
      x[j * S + i] = r->minx + i * dx;
      y[j * S + i] = r->miny + j * dy;
    }
  if (xf_exact_xy(f, x, y, S * S, NULL) != 0) return 0;
  double L = 0;
  for (int j = 0; j + 1 < S; j++)
    for (int i = 0; i + 1 < S; i++) {
      int p = j * S + i;
      double a = (x[p + 1] - x[p]) / dx, b = (x[p + S] - x[p]) / dy;
      double c = (y[p + 1] - y[p]) / dx, d = (y[p + S] - y[p]) / dy;
      L = LG_MAX(L, LG_MAX(fabs(a) + fabs(b), fabs(c) + fabs(d)));
    }
  return isfinite(L) ? L * 1.25 : 0;
}

/* ---- Reading WKB ----------------------------------------------------------- */

/* One primitive of a feature: a point, a linestring or a polygon ring,
 * its points in tiler.pts[off .. off + n) (xy pairs). */
typedef struct prim {
  size_t off, n;
  int dim;   /* 0 point, 1 line, 2 ring */
  int part;  /* polygon number within the feature */
  bool hole; /* ring after the first of its polygon */
} prim_t;

typedef LG_VEC(prim_t) prim_vec_t;

typedef struct wkb_rd {
  const uint8_t *p, *end;
} wkb_rd_t;

static bool rd_u32(wkb_rd_t *r, bool le, uint32_t *v) {
  if (r->end - r->p < 4) return false;
  *v = lg_wkb_u32(r->p, le);
  r->p += 4;
  return true;
}

/* Appends n points of `dims` ordinates each (x, y kept). */
static bool rd_points(wkb_rd_t *r, bool le, uint32_t n, int dims, dvec_t *pts) {
  size_t stride = 8 * (size_t)dims;
  if ((size_t)(r->end - r->p) / stride < n) return false;
  lg_vec_reserve(pts, pts->len + 2 * (size_t)n);
  double *o = pts->items + pts->len;
  const uint8_t *p = r->p;
  for (uint32_t i = 0; i < n; i++, p += stride) {
    o[2 * i] = lg_wkb_f64(p, le);
    o[2 * i + 1] = lg_wkb_f64(p + 8, le);
  }
  pts->len += 2 * (size_t)n;
  r->p = p;
  return true;
}

/* Reads one geometry (ISO or extended WKB; Z and M are read past) into
 * prims and pts. false on malformed or unsupported (curved) WKB. */
static bool rd_geom(wkb_rd_t *r, int depth, int *part, prim_vec_t *prims, dvec_t *pts) {
  lg_wkb_head_t h;
  if (depth > 8 || lg_wkb_head(&r->p, r->end, &h) != 0) return false;
  bool le = h.le;
  int dims = h.dims, type = h.type;
  uint32_t n;
  switch (type) {
  case 1: { /* Point; an empty one is NaN, NaN */
    size_t before = pts->len;
    if (!rd_points(r, le, 1, dims, pts)) return false;
    if (isnan(pts->items[before])) {
      pts->len = before;
      return true;
    }
    prim_t pr = {before / 2, 1, 0, 0, false};
    lg_vec_push(prims, pr);
    return true;
  }
  case 2: { /* LineString */
    if (!rd_u32(r, le, &n)) return false;
    size_t before = pts->len;
    if (!rd_points(r, le, n, dims, pts)) return false;
    if (n >= 2) {
      prim_t pr = {before / 2, n, 1, 0, false};
      lg_vec_push(prims, pr);
    } else {
      pts->len = before;
    }
    return true;
  }
  case 3: { /* Polygon: rings closed in WKB; the closing repeat is dropped */
    uint32_t nr;
    if (!rd_u32(r, le, &nr)) return false;
    int p = (*part)++;
    for (uint32_t k = 0; k < nr; k++) {
      if (!rd_u32(r, le, &n)) return false;
      size_t before = pts->len;
      if (!rd_points(r, le, n, dims, pts)) return false;
      size_t m = n;
      const double *q = pts->items + before;
      if (m >= 2 && q[0] == q[2 * (m - 1)] && q[1] == q[2 * (m - 1) + 1]) m--;
      pts->len = before + 2 * m;
      prim_t pr = {before / 2, m, 2, p, k > 0};
      lg_vec_push(prims, pr);
    }
    return true;
  }
  case 4:
  case 5:
  case 6:
  case 7: /* Multi* and GeometryCollection */
    if (!rd_u32(r, le, &n)) return false;
    for (uint32_t k = 0; k < n; k++)
      if (!rd_geom(r, depth + 1, part, prims, pts)) return false;
    return true;
  default:
    return false;
  }
}

/* ---- Clipping ------------------------------------------------------------------ */

/* The intersection of segment ab with the line axis = c, computed from the
 * endpoints in a fixed order so that the two polygons sharing an edge get
 * the very same point. */
static inline void cut(const double *a, const double *b, int axis, double c, double *out) {
  if (a[0] > b[0] || (a[0] == b[0] && a[1] > b[1])) {
    const double *t = a;
    a = b, b = t;
  }
  int o = 1 - axis;
  double t = (c - a[axis]) / (b[axis] - a[axis]);
  out[axis] = c;
  out[o] = a[o] + t * (b[o] - a[o]);
}

/* One Sutherland-Hodgman pass: the ring in[0..n) (xy pairs, not closed)
 * clipped to the half-plane axis >= c (ge) or axis <= c. out holds at
 * least 2n points. Returns the points written. */
static size_t sh_pass(const double *in, size_t n, int axis, double c, bool ge, double *out) {
  if (n == 0) return 0;
  size_t m = 0;
  const double *s = in + 2 * (n - 1);
  bool s_in = ge ? s[axis] >= c : s[axis] <= c;
  for (size_t i = 0; i < n; i++) {
    const double *e = in + 2 * i;
    bool e_in = ge ? e[axis] >= c : e[axis] <= c;
    if (e_in != s_in) {
      cut(s, e, axis, c, out + 2 * m);
      m++;
    }
    if (e_in) {
      out[2 * m] = e[0];
      out[2 * m + 1] = e[1];
      m++;
    }
    s = e, s_in = e_in;
  }
  return m;
}

typedef struct edge_iv {
  int line;
  double a, b;
} edge_iv_t;

static int cmp_iv(const void *x, const void *y) {
  const edge_iv_t *p = x, *q = y;
  if (p->line != q->line) return p->line - q->line;
  return p->a < q->a ? -1 : p->a > q->a;
}

/* Whether a clipped ring runs over the same stretch of the clip box's
 * edge twice: Sutherland-Hodgman's way of joining pieces of a polygon
 * that the clip separated, which the specification forbids (4.3.4.4, no
 * self-tangency). */
typedef LG_VEC(edge_iv_t) iv_vec_t;

static bool has_bridge(const double *p, size_t n, double lo, double hi, iv_vec_t *iv) {
  iv->len = 0;
  for (size_t i = 0; i < n; i++) {
    const double *a = p + 2 * i, *b = p + 2 * ((i + 1) % n);
    edge_iv_t e = {-1, 0, 0};
    if (a[0] == b[0] && (a[0] == lo || a[0] == hi))
      e = (edge_iv_t){a[0] == lo ? 0 : 1, LG_MIN(a[1], b[1]), LG_MAX(a[1], b[1])};
    else if (a[1] == b[1] && (a[1] == lo || a[1] == hi))
      e = (edge_iv_t){a[1] == lo ? 2 : 3, LG_MIN(a[0], b[0]), LG_MAX(a[0], b[0])};
    if (e.line >= 0 && e.b > e.a) lg_vec_push(iv, e);
  }
  if (iv->len < 2) return false;
  qsort(iv->items, iv->len, sizeof *iv->items, cmp_iv);
  for (size_t i = 1; i < iv->len; i++)
    if (iv->items[i].line == iv->items[i - 1].line && iv->items[i].a < iv->items[i - 1].b)
      return true;
  return false;
}

/* ---- The tiler ------------------------------------------------------------------ */

typedef struct tiler {
  lg_geo_t *g;
  lg_onemap_tile_opts_t o;
  lg_onemap_tile_stats_t *st;
  double lo, hi; /* the buffered tile in tile units: [-buffer, extent + buffer] */
  xform_t xf;
  lg_mvt_layer_t *mvt;
  lg_geom_t *box; /* the buffered tile for GEOS, made on first need */
  /* Scratch, reused from feature to feature. */
  dvec_t pts;
  prim_vec_t prims;
  dvec_t cpts; /* clipped rings' points */
  prim_vec_t cprims;
  dvec_t sa, sb; /* Sutherland-Hodgman passes */
  iv_vec_t iv;
  ivec_t ipts;
  bool emitted;
} tiler_t;

/* Clips one ring with Sutherland-Hodgman, four passes (left, right,
 * bottom, top in tile units) between t->sa and t->sb; returns the result
 * and its size in *np (0 when nothing is left). */
static const double *clip_ring(tiler_t *t, const double *p, size_t *np) {
  size_t n = *np;
  dvec_t *bufs[2] = {&t->sa, &t->sb};
  const double *in = p;
  for (int pass = 0; pass < 4 && n > 0; pass++) {
    dvec_t *o = bufs[pass % 2];
    lg_vec_reserve(o, 4 * n + 8); /* a pass at most doubles the points */
    bool ge = pass % 2 == 0;
    n = sh_pass(in, n, pass / 2, ge ? t->lo : t->hi, ge, o->items);
    in = o->items;
  }
  *np = n;
  return in;
}

static void cring_add(tiler_t *t, const double *p, size_t n, int part, bool hole) {
  prim_t pr = {t->cpts.len / 2, n, 2, part, hole};
  lg_vec_reserve(&t->cpts, t->cpts.len + 2 * n);
  memcpy(t->cpts.items + t->cpts.len, p, 2 * n * sizeof(double));
  t->cpts.len += 2 * n;
  lg_vec_push(&t->cprims, pr);
}

static bool env_inside(const lg_env_t *e, double lo, double hi) {
  return e->minx >= lo && e->maxx <= hi && e->miny >= lo && e->maxy <= hi;
}

static bool env_disjoint(const lg_env_t *e, double lo, double hi) {
  return e->maxx < lo || e->minx > hi || e->maxy < lo || e->miny > hi;
}

static void prim_env(const double *p, size_t n, lg_env_t *e) {
  e->minx = e->maxx = p[0];
  e->miny = e->maxy = p[1];
  for (size_t i = 1; i < n; i++) {
    double x = p[2 * i], y = p[2 * i + 1];
    if (x < e->minx) e->minx = x;
    if (x > e->maxx) e->maxx = x;
    if (y < e->miny) e->miny = y;
    if (y > e->maxy) e->maxy = y;
  }
}

/* One polygon (rings [r0, r1) of t->prims, the first its shell) clipped
 * by GEOS: for the rare shapes Sutherland-Hodgman cannot clip into valid
 * rings. The pieces go to t->cprims as polygons numbered from *part. */
static void clip_polygon_geos(tiler_t *t, size_t r0, size_t r1, int *part) {
  lg_geo_t *g = t->g;
  size_t nr = r1 - r0;
  double **rings = lg_calloc(nr, sizeof *rings);
  const double **crings = lg_calloc(nr, sizeof *crings);
  size_t *npts = lg_calloc(nr, sizeof *npts);
  size_t k = 0;
  lg_geom_t *poly = NULL, *fixed = NULL, *cut_geom = NULL;
  lg_ring_t *out = NULL;
  size_t nout = 0;
  for (size_t r = r0; r < r1; r++) {
    const prim_t *pr = &t->prims.items[r];
    if (pr->n < 3) {
      if (r == r0) goto done; /* no shell, no polygon */
      continue;
    }
    rings[k] = lg_malloc(2 * (pr->n + 1) * sizeof(double));
    memcpy(rings[k], t->pts.items + 2 * pr->off, 2 * pr->n * sizeof(double));
    rings[k][2 * pr->n] = rings[k][0];
    rings[k][2 * pr->n + 1] = rings[k][1];
    crings[k] = rings[k];
    npts[k] = pr->n + 1;
    k++;
  }
  t->st->geos_clips++;
  if (!t->box) {
    lg_env_t b = {t->lo, t->lo, t->hi, t->hi};
    t->box = lg_geom_box(g, &b);
  }
  poly = lg_geom_polygon(g, crings, npts, k, NULL);
  if (!poly) goto done;
  cut_geom = lg_geom_intersection(g, poly, t->box, NULL);
  if (!cut_geom) { /* an invalid polygon: repaired, then clipped */
    fixed = lg_geom_make_valid(g, poly, NULL);
    if (fixed) cut_geom = lg_geom_intersection(g, fixed, t->box, NULL);
  }
  if (!cut_geom || lg_geom_rings(g, cut_geom, &out, &nout, NULL) != 0) goto done;
  int base = *part, maxp = -1;
  for (size_t i = 0; i < nout; i++) {
    if (out[i].n < 4) continue;
    cring_add(t, out[i].xy, out[i].n - 1, base + out[i].part, out[i].ring > 0);
    maxp = LG_MAX(maxp, out[i].part);
  }
  *part = base + maxp + 1;
done:
  lg_rings_free(out, nout);
  lg_geom_free(g, cut_geom);
  lg_geom_free(g, fixed);
  lg_geom_free(g, poly);
  for (size_t i = 0; i < nr; i++)
    lg_free(rings[i]);
  lg_free(rings);
  lg_free(crings);
  lg_free(npts);
}

/* Clips the polygons of t->prims into t->cprims. */
static void clip_polygons(tiler_t *t, bool inside) {
  t->cpts.len = t->cprims.len = 0;
  int part = 0;
  size_t np = t->prims.len;
  for (size_t r0 = 0; r0 < np;) {
    const prim_t *shell = &t->prims.items[r0];
    size_t r1 = r0 + 1;
    while (r1 < np && t->prims.items[r1].dim == 2 && t->prims.items[r1].part == shell->part &&
           t->prims.items[r1].hole)
      r1++;
    /* A point or line of a collection, or a shell of fewer than three
     * points (a degenerate polygon: no area, holes and all). */
    if (shell->dim != 2 || shell->hole || shell->n < 3) {
      r0 = r1;
      continue;
    }
    lg_env_t se;
    prim_env(t->pts.items + 2 * shell->off, shell->n, &se);
    if (inside || env_inside(&se, t->lo, t->hi)) { /* holes lie inside their shell */
      for (size_t r = r0; r < r1; r++) {
        const prim_t *pr = &t->prims.items[r];
        if (pr->n >= 3) cring_add(t, t->pts.items + 2 * pr->off, pr->n, part, r > r0);
      }
      part++;
      r0 = r1;
      continue;
    }
    if (env_disjoint(&se, t->lo, t->hi)) {
      r0 = r1;
      continue;
    }
    /* The shell crosses the tile's edge. Holes wholly inside stay as they
     * are, holes wholly outside go; a hole across the edge, or a shell
     * whose clip comes out in pieces, is left to GEOS. */
    bool geos = false;
    for (size_t r = r0 + 1; r < r1 && !geos; r++) {
      lg_env_t he;
      const prim_t *pr = &t->prims.items[r];
      if (pr->n < 3) continue;
      prim_env(t->pts.items + 2 * pr->off, pr->n, &he);
      if (!env_inside(&he, t->lo, t->hi) && !env_disjoint(&he, t->lo, t->hi)) geos = true;
    }
    size_t m = shell->n;
    const double *c = NULL;
    if (!geos) {
      c = clip_ring(t, t->pts.items + 2 * shell->off, &m);
      if (m >= 3 && has_bridge(c, m, t->lo, t->hi, &t->iv)) geos = true;
    }
    if (geos) {
      clip_polygon_geos(t, r0, r1, &part);
      r0 = r1;
      continue;
    }
    t->st->clipped++;
    if (m >= 3) {
      cring_add(t, c, m, part, false);
      for (size_t r = r0 + 1; r < r1; r++) {
        const prim_t *pr = &t->prims.items[r];
        lg_env_t he;
        if (pr->n < 3) continue;
        prim_env(t->pts.items + 2 * pr->off, pr->n, &he);
        if (env_inside(&he, t->lo, t->hi))
          cring_add(t, t->pts.items + 2 * pr->off, pr->n, part, true);
      }
      part++;
    }
    r0 = r1;
  }
}

/* A coordinate on the tile's grid: the integer grid, or a coarser one of
 * step units (generalisation at low zooms; the same for every feature, so
 * shared edges stay shared). */
static inline int32_t snap(const tiler_t *t, double v) {
  if (t->o.snap == 1) return (int32_t)lrint(v);
  return (int32_t)lrint(v / t->o.snap) * t->o.snap;
}

static inline int64_t cross3(const int32_t *a, const int32_t *b, const int32_t *c) {
  return ((int64_t)b[0] - a[0]) * ((int64_t)c[1] - a[1]) -
         ((int64_t)b[1] - a[1]) * ((int64_t)c[0] - a[0]);
}

/* Rounds a ring to the integer grid into t->ipts (appended) and removes
 * repeated and collinear vertices (spikes included), cyclically. Returns
 * the vertices kept; fewer than 3 means the ring collapsed. */
static size_t round_ring(tiler_t *t, const double *p, size_t n) {
  size_t base = t->ipts.len;
  lg_vec_reserve(&t->ipts, base + 2 * n);
  int32_t *q = t->ipts.items + base;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t x = snap(t, p[2 * i]), y = snap(t, p[2 * i + 1]);
    int32_t v[2] = {x, y};
    bool repeat = false;
    for (;;) {
      if (m >= 1 && q[2 * (m - 1)] == x && q[2 * (m - 1) + 1] == y) {
        repeat = true;
        break;
      }
      if (m >= 2 && cross3(q + 2 * (m - 2), q + 2 * (m - 1), v) == 0) {
        m--; /* the middle one is on the line (or a spike's tip) */
        continue;
      }
      break;
    }
    if (repeat) continue;
    q[2 * m] = x, q[2 * m + 1] = y;
    m++;
  }
  /* Across the seam: the last point against the first ones. */
  size_t s = 0;
  bool changed = true;
  while (changed && m - s >= 3) {
    changed = false;
    int32_t *first = q + 2 * s, *last = q + 2 * (m - 1);
    if (last[0] == first[0] && last[1] == first[1]) {
      m--;
      changed = true;
    } else if (cross3(q + 2 * (m - 2), last, first) == 0) {
      m--;
      changed = true;
    } else if (cross3(last, first, q + 2 * (s + 1)) == 0) {
      s++;
      changed = true;
    }
  }
  if (m - s < 3) {
    t->ipts.len = base;
    return 0;
  }
  if (s) memmove(q, q + 2 * s, 2 * (m - s) * sizeof(int32_t));
  t->ipts.len = base + 2 * (m - s);
  return m - s;
}

static int64_t ring_area2(const int32_t *q, size_t n) {
  int64_t a = 0;
  for (size_t i = 0; i < n; i++) {
    const int32_t *p = q + 2 * i, *r = q + 2 * ((i + 1) % n);
    a += (int64_t)p[0] * r[1] - (int64_t)r[0] * p[1];
  }
  return a;
}

static void ring_reverse(int32_t *q, size_t n) {
  for (size_t i = 0, j = n - 1; i < j; i++, j--) {
    int32_t x = q[2 * i], y = q[2 * i + 1];
    q[2 * i] = q[2 * j], q[2 * i + 1] = q[2 * j + 1];
    q[2 * j] = x, q[2 * j + 1] = y;
  }
}

/* Rounds the clipped polygons and writes them: each shell (made positive
 * by the surveyor's formula in tile coordinates, 4.3.4.4) followed by its
 * holes (negative); a shell that collapses takes its holes with it. */
static void emit_polygons(tiler_t *t) {
  size_t np = t->cprims.len;
  for (size_t r0 = 0; r0 < np;) {
    size_t r1 = r0 + 1;
    while (r1 < np && t->cprims.items[r1].part == t->cprims.items[r0].part &&
           t->cprims.items[r1].hole)
      r1++;
    for (size_t r = r0; r < r1; r++) {
      const prim_t *pr = &t->cprims.items[r];
      t->ipts.len = 0;
      size_t m = round_ring(t, t->cpts.items + 2 * pr->off, pr->n);
      if (m < 3) {
        if (r == r0) break;
        continue;
      }
      int32_t *q = t->ipts.items;
      int64_t a = ring_area2(q, m);
      if (a == 0) {
        if (r == r0) break;
        continue;
      }
      if ((r == r0) != (a > 0)) ring_reverse(q, m);
      lg_mvt_ring(t->mvt, q, m);
      t->st->vertices += (int64_t)m;
      t->emitted = true;
    }
    r0 = r1;
  }
}

/* Liang-Barsky: the part of segment ab inside the box, as parameters. */
static bool lb_clip(const double *a, const double *b, double lo, double hi, double *t0,
                    double *t1) {
  double dx = b[0] - a[0], dy = b[1] - a[1];
  double p[4] = {-dx, dx, -dy, dy};
  double q[4] = {a[0] - lo, hi - a[0], a[1] - lo, hi - a[1]};
  *t0 = 0, *t1 = 1;
  for (int i = 0; i < 4; i++) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;
      continue;
    }
    double r = q[i] / p[i];
    if (p[i] < 0) {
      if (r > *t1) return false;
      if (r > *t0) *t0 = r;
    } else {
      if (r < *t0) return false;
      if (r < *t1) *t1 = r;
    }
  }
  return true;
}

/* Writes one piece of a line (doubles) rounded, without repeats. */
static void emit_line_piece(tiler_t *t, const double *p, size_t n) {
  t->ipts.len = 0;
  lg_vec_reserve(&t->ipts, 2 * n);
  int32_t *q = t->ipts.items;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    int32_t x = snap(t, p[2 * i]), y = snap(t, p[2 * i + 1]);
    if (m > 0 && q[2 * (m - 1)] == x && q[2 * (m - 1) + 1] == y) continue;
    q[2 * m] = x, q[2 * m + 1] = y;
    m++;
  }
  if (m >= 2) {
    lg_mvt_line(t->mvt, q, m);
    t->st->vertices += (int64_t)m;
    t->emitted = true;
  }
}

static void emit_lines(tiler_t *t, bool inside) {
  for (size_t k = 0; k < t->prims.len; k++) {
    const prim_t *pr = &t->prims.items[k];
    if (pr->dim != 1) continue;
    const double *p = t->pts.items + 2 * pr->off;
    if (inside) {
      emit_line_piece(t, p, pr->n);
      continue;
    }
    t->cpts.len = 0;
    for (size_t i = 0; i + 1 < pr->n; i++) {
      double t0, t1;
      const double *a = p + 2 * i, *b = p + 2 * i + 2;
      if (!lb_clip(a, b, t->lo, t->hi, &t0, &t1)) {
        if (t->cpts.len) emit_line_piece(t, t->cpts.items, t->cpts.len / 2);
        t->cpts.len = 0;
        continue;
      }
      double p0[2] = {a[0] + t0 * (b[0] - a[0]), a[1] + t0 * (b[1] - a[1])};
      double p1[2] = {a[0] + t1 * (b[0] - a[0]), a[1] + t1 * (b[1] - a[1])};
      if (t0 > 0 && t->cpts.len) { /* re-entering: a new piece */
        emit_line_piece(t, t->cpts.items, t->cpts.len / 2);
        t->cpts.len = 0;
      }
      if (t->cpts.len == 0) {
        lg_vec_push(&t->cpts, p0[0]);
        lg_vec_push(&t->cpts, p0[1]);
      }
      lg_vec_push(&t->cpts, p1[0]);
      lg_vec_push(&t->cpts, p1[1]);
      if (t1 < 1) {
        emit_line_piece(t, t->cpts.items, t->cpts.len / 2);
        t->cpts.len = 0;
      }
    }
    if (t->cpts.len) emit_line_piece(t, t->cpts.items, t->cpts.len / 2);
  }
}

static void emit_points(tiler_t *t) {
  t->ipts.len = 0;
  size_t m = 0;
  for (size_t k = 0; k < t->prims.len; k++) {
    const prim_t *pr = &t->prims.items[k];
    if (pr->dim != 0) continue;
    const double *p = t->pts.items + 2 * pr->off;
    if (p[0] < t->lo || p[0] > t->hi || p[1] < t->lo || p[1] > t->hi) continue;
    lg_vec_push(&t->ipts, snap(t, p[0]));
    lg_vec_push(&t->ipts, snap(t, p[1]));
    m++;
  }
  if (m) {
    lg_mvt_points(t->mvt, t->ipts.items, m);
    t->st->vertices += (int64_t)m;
    t->emitted = true;
  }
}

/* Planar area of the polygons in prims (layer CRS units), holes
 * subtracted, by the shoelace formula. */
static double prims_area(const tiler_t *t) {
  double sum = 0;
  for (size_t k = 0; k < t->prims.len; k++) {
    const prim_t *pr = &t->prims.items[k];
    if (pr->dim != 2 || pr->n < 3) continue;
    const double *p = t->pts.items + 2 * pr->off;
    double a = 0;
    for (size_t i = 0; i < pr->n; i++) {
      size_t j = (i + 1) % pr->n;
      a += (p[2 * i] - p[0]) * (p[2 * j + 1] - p[1]) - (p[2 * j] - p[0]) * (p[2 * i + 1] - p[1]);
    }
    sum += pr->hole ? -fabs(a) / 2 : fabs(a) / 2;
  }
  return sum;
}

/* ---- Which attributes become tags ---------------------------------------------
 * The land-class field (the layer's class_field), and the fields whose
 * names say they name, number or measure the feature in the naming of
 * the Third Land Survey and the planning databases (TD/T 1055-2019,
 * GB/T 21010): ...MC (名称, name), ...BH (编号, number), ...MJ (面积,
 * area), BSM (标识码, identifier). Owner and location unit names
 * (QSDWMC, ZLDWMC, "...DWMC") are left out: long texts that repeat over
 * thousands of patches and that a click on the map fetches anyway. */
static bool tag_field(const char *name, const char *class_field) {
  size_t n = strlen(name);
  if (class_field && *class_field && strcasecmp(name, class_field) == 0) return true;
  if (strcasecmp(name, "BSM") == 0) return true;
  if (n >= 4 && strcasecmp(name + n - 4, "DWMC") == 0) return false;
  return n >= 2 && (strcasecmp(name + n - 2, "MC") == 0 || strcasecmp(name + n - 2, "BH") == 0 ||
                    strcasecmp(name + n - 2, "MJ") == 0);
}

static bool is_area_field(const char *name) {
  size_t n = strlen(name);
  return n >= 2 && strcasecmp(name + n - 2, "MJ") == 0;
}

/* Layers of polygons or lines (GeoPackage type names): a feature can be
 * too small to show. Not GEOMETRY or GEOMETRYCOLLECTION, which may hold
 * points. */
static bool type_has_extent(const char *geom_type) {
  char up[32];
  size_t i = 0;
  for (; geom_type[i] && i + 1 < sizeof up; i++)
    up[i] = (char)(geom_type[i] >= 'a' && geom_type[i] <= 'z' ? geom_type[i] - 32 : geom_type[i]);
  up[i] = '\0';
  return strstr(up, "POLYGON") || strstr(up, "LINESTRING") || strstr(up, "SURFACE") ||
         strstr(up, "CURVE");
}

/* One feature of the query: geometry to the layer, then its tags. */
static int tile_feature(tiler_t *t, lg_store_reader_t *rd, int ntags, bool area_tag,
                        lg_err_t *err) {
  int64_t fid = lg_store_reader_fid(rd);
  size_t blen = 0;
  const void *blob = lg_store_reader_blob(rd, &blen);
  if (!blob) return 0;
  int32_t srs_id;
  lg_env_t env;
  bool empty;
  const unsigned char *wkb;
  size_t wlen;
  if (lg_gpkg_blob_parse(blob, blen, &srs_id, &env, &empty, &wkb, &wlen) != 0) {
    t->st->unreadable++;
    return 0;
  }
  if (empty) return 0;
  t->pts.len = t->prims.len = 0;
  wkb_rd_t r = {wkb, wkb + wlen};
  int part = 0;
  if (!rd_geom(&r, 0, &part, &t->prims, &t->pts)) {
    t->st->unreadable++;
    return 0;
  }
  if (t->prims.len == 0) return 0;
  int dim = 0;
  for (size_t k = 0; k < t->prims.len; k++)
    dim = LG_MAX(dim, t->prims.items[k].dim);
  double area = area_tag && dim == 2 ? prims_area(t) : 0;

  int rc = xf_apply(&t->xf, t->pts.items, t->pts.len / 2, err);
  if (rc) {
    lg_err_where(err, "要素 %lld", (long long)fid);
    return rc;
  }
  /* The feature's box in tile units, over the parts of its dimension. */
  lg_env_t te = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t k = 0; k < t->prims.len; k++) {
    const prim_t *pr = &t->prims.items[k];
    if (pr->dim != dim || pr->n == 0) continue;
    lg_env_t e;
    prim_env(t->pts.items + 2 * pr->off, pr->n, &e);
    te.minx = LG_MIN(te.minx, e.minx), te.miny = LG_MIN(te.miny, e.miny);
    te.maxx = LG_MAX(te.maxx, e.maxx), te.maxy = LG_MAX(te.maxy, e.maxy);
  }
  if (env_disjoint(&te, t->lo, t->hi)) return 0;
  if (dim > 0 && te.maxx - te.minx < t->o.min_size && te.maxy - te.miny < t->o.min_size) {
    t->st->small++;
    return 0;
  }
  bool inside = env_inside(&te, t->lo, t->hi);
  t->emitted = false;
  lg_mvt_feature_begin(t->mvt, fid > 0 ? (uint64_t)fid : 0,
                       dim == 2   ? LG_MVT_POLYGON
                       : dim == 1 ? LG_MVT_LINESTRING
                                  : LG_MVT_POINT);
  if (dim == 2) {
    clip_polygons(t, inside);
    emit_polygons(t);
  } else if (dim == 1) {
    emit_lines(t, inside);
  } else {
    emit_points(t);
  }
  if (!t->emitted) {
    t->st->collapsed++;
    return 0;
  }
  for (int i = 0; i < ntags; i++) {
    switch (lg_store_reader_field_type(rd, i)) {
    case LG_COL_INT:
      lg_mvt_tag_int(t->mvt, (size_t)i, lg_store_reader_int(rd, i));
      break;
    case LG_COL_REAL: {
      double v = lg_store_reader_real(rd, i);
      if (isfinite(v)) lg_mvt_tag_double(t->mvt, (size_t)i, v);
      break;
    }
    case LG_COL_TEXT: {
      const char *s = lg_store_reader_text(rd, i);
      lg_mvt_tag_string(t->mvt, (size_t)i, s, lg_store_reader_bytes(rd, i));
      break;
    }
    default: /* NULL and blobs: no tag (MVT has no null) */
      break;
    }
  }
  if (area_tag && dim == 2) lg_mvt_tag_double(t->mvt, (size_t)ntags, round(area * 100) / 100);
  lg_mvt_feature_end(t->mvt);
  t->st->features++;
  return 0;
}

static bool env_intersect(const lg_env_t *a, const lg_env_t *b, lg_env_t *out) {
  out->minx = LG_MAX(a->minx, b->minx);
  out->miny = LG_MAX(a->miny, b->miny);
  out->maxx = LG_MIN(a->maxx, b->maxx);
  out->maxy = LG_MIN(a->maxy, b->maxy);
  return out->minx <= out->maxx && out->miny <= out->maxy;
}

static void env_pad(lg_env_t *e, double frac, double abs) {
  double px = (e->maxx - e->minx) * frac + abs, py = (e->maxy - e->miny) * frac + abs;
  e->minx -= px, e->maxx += px, e->miny -= py, e->maxy += py;
}

/* The box of env (in CRS from) in CRS to, from K (at most 8) points along
 * each edge, padded by 1% against the bulge between them: over a tile, or
 * a county, a straight edge becomes a curve of tiny curvature (over a z12
 * tile, well under a metre between two points), and a tile needs a cheap
 * answer (lg_onemap_env_transform samples 32 a side and copes with points
 * PROJ refuses; it is the fallback). */
static int box_transform(lg_geo_t *g, const lg_env_t *e, int from, int to, int K, lg_env_t *out,
                         lg_err_t *err) {
  enum { KMAX = 8, N = 4 * KMAX };
  if (K < 1 || K > KMAX) K = KMAX;
  int n = 4 * K;
  double x[N], y[N], w = e->maxx - e->minx, h = e->maxy - e->miny;
  for (int i = 0; i < K; i++) {
    double f = (double)i / K;
    x[i] = e->minx + f * w, y[i] = e->miny;
    x[K + i] = e->maxx, y[K + i] = e->miny + f * h;
    x[2 * K + i] = e->maxx - f * w, y[2 * K + i] = e->maxy;
    x[3 * K + i] = e->minx, y[3 * K + i] = e->maxy - f * h;
  }
  if (lg_xy_transform(g, from, to, x, y, (size_t)n, NULL) == 0) {
    *out = (lg_env_t){x[0], y[0], x[0], y[0]};
    for (int i = 1; i < n; i++) {
      out->minx = LG_MIN(out->minx, x[i]), out->maxx = LG_MAX(out->maxx, x[i]);
      out->miny = LG_MIN(out->miny, y[i]), out->maxy = LG_MAX(out->maxy, y[i]);
    }
  } else {
    int rc = lg_onemap_env_transform(g, e, from, to, out, err);
    if (rc) return rc;
  }
  env_pad(out, 0.01, 0);
  return 0;
}

/* ---- What a thread keeps from tile to tile ----------------------------------------
 * A server's worker thread makes tile after tile of the same few layers
 * on its one store connection. The store keeps the tile queries
 * prepared (its statement cache); the thread keeps each layer's extent
 * carried to EPSG:3857 and its interpolation grid (keyed by the exact
 * extent and CRS they came from, so they cannot go stale), and each
 * layer's description and version until anything is committed to the
 * store, keyed by the connection's serial number (never reused, unlike
 * its address). Freed when the thread ends. */
#define KEEP 8

typedef struct tkeep {
  struct {
    int srs;
    lg_env_t from, merc;
  } ext[KEEP];
  int next_ext;
  /* Layers as the store described them, with their versions: good while
   * nothing was committed since (lg_store_data_version, which moves with
   * every connection's commits, in this process or another). */
  struct {
    uint64_t store; /* lg_store_serial of the connection, 0: unused */
    char key[128];
    uint64_t data_version;
    lg_layer_info_t info; /* meta NULL */
    char version[LG_TILE_VERSION_LEN];
  } layer[KEEP];
  int next_layer;
  /* Interpolation grids over whole layers, by CRS and extent. */
  struct {
    int srs;
    lg_env_t ext;
    grid_t *grid; /* NULL: PROJ could not make one */
    bool made;
  } lgrid[4];
  int next_lgrid;
} tkeep_t;

static pthread_key_t keep_key;
static pthread_once_t keep_once = PTHREAD_ONCE_INIT;

static void keep_free(void *p) {
  tkeep_t *k = p;
  for (size_t i = 0; i < LG_ARRAY_LEN(k->lgrid); i++)
    grid_free(k->lgrid[i].grid);
  lg_free(k);
}

static void keep_key_make(void) { pthread_key_create(&keep_key, keep_free); }

static tkeep_t *keep_get(void) {
  pthread_once(&keep_once, keep_key_make);
  tkeep_t *k = pthread_getspecific(keep_key);
  if (!k) {
    k = lg_calloc(1, sizeof *k);
    pthread_setspecific(keep_key, k);
  }
  return k;
}

/* A layer's extent in EPSG:3857, remembered. */
static int keep_extent(lg_geo_t *g, const lg_env_t *e, int srs, lg_env_t *merc, lg_err_t *err) {
  tkeep_t *k = keep_get();
  for (int i = 0; i < KEEP; i++)
    if (k->ext[i].srs == srs && memcmp(&k->ext[i].from, e, sizeof *e) == 0) {
      *merc = k->ext[i].merc;
      return 0;
    }
  int rc = box_transform(g, e, srs, 3857, 8, merc, err);
  if (rc) return rc;
  int i = k->next_ext;
  k->next_ext = (i + 1) % KEEP;
  k->ext[i].srs = srs;
  k->ext[i].from = *e;
  k->ext[i].merc = *merc;
  return 0;
}

/* The grid over a layer's whole extent (padded by 1%), made once. */
static const grid_t *keep_layer_grid(lg_geo_t *g, int srs, const lg_env_t *ext) {
  tkeep_t *k = keep_get();
  for (size_t i = 0; i < LG_ARRAY_LEN(k->lgrid); i++)
    if (k->lgrid[i].made && k->lgrid[i].srs == srs &&
        memcmp(&k->lgrid[i].ext, ext, sizeof *ext) == 0)
      return k->lgrid[i].grid;
  int i = k->next_lgrid;
  k->next_lgrid = (i + 1) % (int)LG_ARRAY_LEN(k->lgrid);
  grid_free(k->lgrid[i].grid);
  lg_env_t r = *ext;
  env_pad(&r, 0.01, 1.0);
  k->lgrid[i].srs = srs;
  k->lgrid[i].ext = *ext;
  k->lgrid[i].grid = grid_build(g, srs, &r, LAYER_GRID_CELLS);
  k->lgrid[i].made = true;
  return k->lgrid[i].grid;
}

/* The layer (name or id) and its version (see lg_onemap_tile_version),
 * remembered by the thread until something is committed to the store. */
static int layer_state(lg_store_t *s, const char *layer, lg_layer_info_t *info,
                       char version[LG_TILE_VERSION_LEN], lg_err_t *err) {
  tkeep_t *k = keep_get();
  uint64_t id = lg_store_serial(s), data_version = lg_store_data_version(s);
  bool memo = strlen(layer) < sizeof k->layer[0].key;
  for (int i = 0; memo && i < KEEP; i++)
    if (k->layer[i].store == id && strcmp(k->layer[i].key, layer) == 0 &&
        k->layer[i].data_version == data_version) {
      *info = k->layer[i].info;
      memcpy(version, k->layer[i].version, LG_TILE_VERSION_LEN);
      return 0;
    }
  int rc = lg_store_layer_get(s, layer, info, err);
  if (rc) return rc;
  lg_store_layer_info_fini(info);
  info->meta = NULL;
  snprintf(version, LG_TILE_VERSION_LEN, "%lld.%lld.%.40s", (long long)info->id,
           (long long)info->count, info->changed_at);
  /* Only characters an HTTP ETag may hold. */
  for (char *p = version; *p; p++)
    if (*p <= ' ' || *p == '"' || *p == '\\' || (unsigned char)*p >= 0x7f) *p = '_';
  if (memo) {
    int i = k->next_layer;
    k->next_layer = (i + 1) % KEEP;
    k->layer[i].store = id;
    snprintf(k->layer[i].key, sizeof k->layer[i].key, "%s", layer);
    k->layer[i].data_version = data_version;
    k->layer[i].info = *info;
    memcpy(k->layer[i].version, version, LG_TILE_VERSION_LEN);
  }
  return 0;
}

int lg_onemap_tile(lg_store_t *s, const char *layer, int z, int x, int y,
                   const lg_onemap_tile_opts_t *opts, lg_buf_t *out, lg_onemap_tile_stats_t *stats,
                   lg_err_t *err) {
  lg_onemap_tile_opts_t o;
  if (opts)
    o = *opts;
  else
    lg_onemap_tile_opts_init(&o);
  if (o.extent == 0) o.extent = LG_TILE_EXTENT;
  if (o.snap == 0) o.snap = z < LG_TILE_DETAIL_ZOOM ? o.extent / 1024 : 1;
  if (o.extent < 256 || o.extent > 65536 || o.buffer < 0 || o.buffer > o.extent ||
      !(o.min_size >= 0) || o.snap < 1 || o.snap > o.extent / 16)
    return lg_err_set(
        err, LG_EINVAL,
        "瓦片参数无效: extent=%d (应在 256 到 65536 之间), buffer=%d (应在 0 到 extent "
        "之间), min_size=%g (应不小于 0), snap=%d (应在 1 到 extent/16 之间)",
        o.extent, o.buffer, o.min_size, o.snap);
  lg_onemap_tile_stats_t st0;
  if (!stats) stats = &st0;
  memset(stats, 0, sizeof *stats);
  lg_env_t tb;
  int rc = lg_onemap_tile_bounds(z, x, y, &tb, err);
  if (rc) return rc;
  lg_layer_info_t info;
  char version[LG_TILE_VERSION_LEN];
  if ((rc = layer_state(s, layer, &info, version, err))) return rc;

  size_t start = out->len;
  tiler_t t = {0};
  lg_store_reader_t *rd = NULL;
  lg_field_t *fields = NULL;
  size_t nfields = 0;
  const char **keys = NULL, **cols = NULL;
  t.g = lg_geo_thread();
  t.o = o;
  t.st = stats;
  t.lo = -o.buffer;
  t.hi = o.extent + o.buffer;
  if (info.count == 0) goto done;

  /* 1. The buffered tile, cut to the layer's extent, in the layer's CRS. */
  double size = tb.maxx - tb.minx, k = o.extent / size, b = o.buffer / k;
  lg_env_t qb = {tb.minx - b, tb.miny - b, tb.maxx + b, tb.maxy + b}, le, cut3857, region;
  if (info.srs_id == 3857) {
    le = info.extent;
  } else if ((rc = keep_extent(t.g, &info.extent, info.srs_id, &le, err))) {
    goto done;
  }
  env_pad(&le, 0, 1.0);
  if (!env_intersect(&qb, &le, &cut3857)) goto done;
  if (info.srs_id == 3857) {
    region = cut3857;
  } else {
    if ((rc = box_transform(t.g, &cut3857, 3857, info.srs_id, z >= 12 ? 2 : 8, &region, err)))
      goto done;
  }
  t.xf = (xform_t){.g = t.g,
                   .srs = info.srs_id,
                   .ox = tb.minx,
                   .oy = tb.maxy,
                   .k = k,
                   .allow_grid = !o.exact,
                   .region = region};
  stats->zoom = z;
  if (!o.exact && info.srs_id != 3857 && info.count >= LAYER_GRID_MIN_FEATURES) {
    const grid_t *lgr = keep_layer_grid(t.g, info.srs_id, &info.extent);
    if (xf_grid_fits(&t.xf, lgr)) t.xf.grid = lgr;
  }

  /* 2. The query: tags first decided, then the box (R-tree or GiST),
   * and the smallest boxes left out at once when the layer has an extent. */
  if ((rc = lg_store_layer_fields(s, info.name, &fields, &nfields, err))) goto done;
  keys = lg_calloc(nfields + 1, sizeof *keys);
  int ntags = 0;
  bool has_area = false;
  for (size_t i = 0; i < nfields; i++) {
    if (fields[i].type == LG_FIELD_BLOB || !tag_field(fields[i].name, info.class_field)) continue;
    keys[ntags++] = fields[i].name;
    has_area |= is_area_field(fields[i].name);
  }
  /* Every polygon says its area: the layer's own area field when it has
   * one, else its planar area in the layer's projected CRS (metres). */
  bool area_tag = !has_area && info.srs_id != 3857 && lg_crs_is_projected(t.g, info.srs_id) == 1;
  if (area_tag) keys[ntags] = "area_m2";
  double min_src = 0;
  /* At the zooms of full detail a pixel is a metre or two: nothing worth
   * the bound's PROJ calls is left out. */
  if (o.min_size > 0 && z < LG_TILE_DETAIL_ZOOM && type_has_extent(info.geom_type)) {
    double L = xf_stretch(&t.xf, &region);
    if (L > 0) min_src = o.min_size / L;
  }
  /* The tags' columns, NULL-terminated (keys goes on with area_m2). */
  cols = lg_calloc((size_t)ntags + 1, sizeof *cols);
  memcpy(cols, keys, (size_t)ntags * sizeof *cols);
  lg_read_opts_t ro = {.bbox = &region, .columns = cols, .min_extent = min_src};
  if ((rc = lg_store_reader_new(s, info.name, &ro, &rd, err))) goto done;

  /* 3-5. Every candidate feature. */
  t.mvt = lg_mvt_layer_new(info.name, (uint32_t)o.extent, keys, (size_t)ntags + (area_tag ? 1 : 0));
  int step;
  while ((step = lg_store_reader_next(rd, err)) == 1) {
    stats->candidates++;
    if ((rc = tile_feature(&t, rd, ntags, area_tag, err))) {
      lg_err_prefix(err, "图层 %s 瓦片 %d/%d/%d: ", info.name, z, x, y);
      goto done;
    }
  }
  if (step < 0) {
    rc = step;
    lg_err_prefix(err, "读取图层 %s 的要素: ", info.name);
    goto done;
  }
  lg_mvt_layer_finish(t.mvt, out);
  stats->grid = !t.xf.grid ? 0 : t.xf.grid == t.xf.own ? 1 : 2;
  if (stats->unreadable)
    lg_log(LG_LOG_WARN, "图层 %s 瓦片 %d/%d/%d: %lld 个要素的几何无法读取, 已跳过", info.name, z, x,
           y, (long long)stats->unreadable);

done:
  if (rc) {
    out->len = start;
    if (out->data) out->data[start] = '\0';
  }
  lg_store_reader_free(rd);
  lg_free(keys);
  lg_free(cols);
  lg_store_fields_free(fields, nfields);
  lg_mvt_layer_free(t.mvt);
  lg_geom_free(t.g, t.box);
  xf_fini(&t.xf);
  lg_free(t.pts.items);
  lg_free(t.prims.items);
  lg_free(t.cpts.items);
  lg_free(t.cprims.items);
  lg_free(t.sa.items);
  lg_free(t.sb.items);
  lg_free(t.iv.items);
  lg_free(t.ipts.items);
  return rc;
}

/* ---- Layer versions ---------------------------------------------------------------
 * A tile changes only when its layer does. Every landgov writer
 * (lg_store_writer_finish) stamps gpkg_contents.last_change, as GeoPackage 1.3
 * asks of any writer (clause 1.1.3.1.1), and a replaced layer gets a new
 * id; with the feature count this names one state of the layer. */
int lg_onemap_tile_version(lg_store_t *s, const char *layer, char out[LG_TILE_VERSION_LEN],
                           lg_err_t *err) {
  lg_layer_info_t info;
  return layer_state(s, layer, &info, out, err);
}

/* ---- The cache of encoded tiles ----------------------------------------------------
 * Shared by the server's worker threads (one mutex: a lookup is a hash
 * probe and a copy, far shorter than making a tile). Entries are keyed by
 * scope (store and layer), layer version and z/x/y; least recently used
 * entries go first once the bytes exceed the limit. When a scope is seen
 * with a new version, its old tiles are dropped at once rather than left
 * to age out. */

typedef struct centry {
  char *key; /* scope \n version \n z/x/y */
  size_t scope_len;
  uint64_t hash;
  uint8_t *data;
  size_t n;
  struct centry *prev, *next; /* most recently used first */
  struct centry *chain;       /* hash bucket */
} centry_t;

typedef struct cscope {
  char *scope, *version;
} cscope_t;

struct lg_onemap_tile_cache {
  pthread_mutex_t lock;
  size_t max_bytes, bytes, count;
  centry_t **buckets;
  size_t nbuckets;
  centry_t *head, *tail;
  LG_VEC(cscope_t) scopes;
  uint64_t hits, misses;
};

lg_onemap_tile_cache_t *lg_onemap_tile_cache_new(size_t max_bytes) {
  lg_onemap_tile_cache_t *c = lg_calloc(1, sizeof *c);
  pthread_mutex_init(&c->lock, NULL);
  c->max_bytes = max_bytes;
  c->nbuckets = 4096;
  c->buckets = lg_calloc(c->nbuckets, sizeof *c->buckets);
  return c;
}

static void centry_unlink(lg_onemap_tile_cache_t *c, centry_t *e) {
  if (e->prev)
    e->prev->next = e->next;
  else
    c->head = e->next;
  if (e->next)
    e->next->prev = e->prev;
  else
    c->tail = e->prev;
  e->prev = e->next = NULL;
}

static void centry_remove(lg_onemap_tile_cache_t *c, centry_t *e) {
  centry_t **pp = &c->buckets[e->hash % c->nbuckets];
  while (*pp && *pp != e)
    pp = &(*pp)->chain;
  if (*pp) *pp = e->chain;
  centry_unlink(c, e);
  c->bytes -= e->n + strlen(e->key);
  c->count--;
  lg_free(e->key);
  lg_free(e->data);
  lg_free(e);
}

void lg_onemap_tile_cache_free(lg_onemap_tile_cache_t *c) {
  if (!c) return;
  while (c->head)
    centry_remove(c, c->head);
  for (size_t i = 0; i < c->scopes.len; i++) {
    lg_free(c->scopes.items[i].scope);
    lg_free(c->scopes.items[i].version);
  }
  lg_free(c->scopes.items);
  lg_free(c->buckets);
  pthread_mutex_destroy(&c->lock);
  lg_free(c);
}

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

/* Records the version a scope is at; drops the scope's tiles of any other. */
static void scope_check(lg_onemap_tile_cache_t *c, const char *scope, const char *version) {
  for (size_t i = 0; i < c->scopes.len; i++) {
    cscope_t *sc = &c->scopes.items[i];
    if (strcmp(sc->scope, scope) != 0) continue;
    if (strcmp(sc->version, version) == 0) return;
    size_t sl = strlen(scope);
    for (centry_t *e = c->head, *next; e; e = next) {
      next = e->next;
      if (e->scope_len == sl && strncmp(e->key, scope, sl) == 0) centry_remove(c, e);
    }
    lg_free(sc->version);
    sc->version = lg_strdup(version);
    return;
  }
  cscope_t sc = {lg_strdup(scope), lg_strdup(version)};
  lg_vec_push(&c->scopes, sc);
}

/* A variant (an encoded form: "gzip") is a key of its own after the
 * tile's, so it lives, ages and is dropped with its scope's version as
 * the tile does. */
static char *cache_key(const char *scope, const char *version, int z, int x, int y,
                       const char *variant) {
  return lg_sprintf("%s\n%s\n%d/%d/%d%s%s", scope, version, z, x, y, variant ? "\n" : "",
                    variant ? variant : "");
}

bool lg_onemap_tile_cache_get(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                              int z, int x, int y, lg_buf_t *out) {
  return lg_onemap_tile_cache_get_as(c, scope, version, z, x, y, NULL, out);
}

void lg_onemap_tile_cache_put(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                              int z, int x, int y, const void *data, size_t n) {
  lg_onemap_tile_cache_put_as(c, scope, version, z, x, y, NULL, data, n);
}

bool lg_onemap_tile_cache_get_as(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                                 int z, int x, int y, const char *variant, lg_buf_t *out) {
  if (!c) return false;
  char *key = cache_key(scope, version, z, x, y, variant);
  uint64_t h = str_hash(key);
  bool hit = false;
  pthread_mutex_lock(&c->lock);
  scope_check(c, scope, version);
  for (centry_t *e = c->buckets[h % c->nbuckets]; e; e = e->chain)
    if (e->hash == h && strcmp(e->key, key) == 0) {
      centry_unlink(c, e);
      e->next = c->head;
      if (c->head) c->head->prev = e;
      c->head = e;
      if (!c->tail) c->tail = e;
      lg_buf_append(out, e->data, e->n);
      hit = true;
      break;
    }
  if (hit)
    c->hits++;
  else
    c->misses++;
  pthread_mutex_unlock(&c->lock);
  lg_free(key);
  return hit;
}

void lg_onemap_tile_cache_put_as(lg_onemap_tile_cache_t *c, const char *scope, const char *version,
                                 int z, int x, int y, const char *variant, const void *data,
                                 size_t n) {
  if (!c) return;
  char *key = cache_key(scope, version, z, x, y, variant);
  size_t cost = n + strlen(key);
  if (cost > c->max_bytes / 4) { /* one tile must not empty the cache */
    lg_free(key);
    return;
  }
  centry_t *e = lg_calloc(1, sizeof *e);
  e->key = key;
  e->scope_len = strlen(scope);
  e->hash = str_hash(key);
  e->n = n;
  if (n) {
    e->data = lg_malloc(n);
    memcpy(e->data, data, n);
  }
  pthread_mutex_lock(&c->lock);
  scope_check(c, scope, version);
  /* Another thread may have made the same tile meanwhile. */
  for (centry_t *o = c->buckets[e->hash % c->nbuckets]; o; o = o->chain)
    if (o->hash == e->hash && strcmp(o->key, key) == 0) {
      centry_remove(c, o);
      break;
    }
  e->chain = c->buckets[e->hash % c->nbuckets];
  c->buckets[e->hash % c->nbuckets] = e;
  e->next = c->head;
  if (c->head) c->head->prev = e;
  c->head = e;
  if (!c->tail) c->tail = e;
  c->bytes += cost;
  c->count++;
  while (c->bytes > c->max_bytes && c->tail && c->tail != e)
    centry_remove(c, c->tail);
  pthread_mutex_unlock(&c->lock);
}

void lg_onemap_tile_cache_counts(lg_onemap_tile_cache_t *c, uint64_t *hits, uint64_t *misses,
                                 size_t *entries, size_t *bytes) {
  pthread_mutex_lock(&c->lock);
  if (hits) *hits = c->hits;
  if (misses) *misses = c->misses;
  if (entries) *entries = c->count;
  if (bytes) *bytes = c->bytes;
  pthread_mutex_unlock(&c->lock);
}
