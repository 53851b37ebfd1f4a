/*
 * From cells to polygons for the synthetic county: connected components of
 * cells with equal keys, and the outline of a component traced along the
 * grid lines as WKB.
 *
 * Why the patches form an exact coverage: a vertex's coordinates depend
 * only on its grid index (gen_vertex_xy), and whether a vertex is kept
 * depends only on the patches around it (removable), never on which
 * polygon is being traced; so two polygons that share an edge list the
 * same vertices with the same bits. A layer that is a union of patches
 * (red line, boundary, plan zones, county outline) reuses the same rule
 * and so follows the patches' edges exactly.
 *
 * Outlines keep the region on their left: shells come out counter-
 * clockwise and holes clockwise (the right-hand rule of RFC 7946). Where
 * two cells of a region touch only at a corner, the tracer turns right,
 * keeping the region joined through the corner; since a component is
 * 4-connected the two cells are joined elsewhere too, and the result is a
 * shell and a hole touching at one point, which OGC Simple Features
 * allows, rather than a ring crossing itself, which it does not.
 */
#include "onemap/gen_int.h"

#include <math.h>
#include <string.h>

/* Jitter of a vertex, as a fraction of a cell on each axis. Small enough
 * that every cell stays convex, so the diagonal cut made by dropping a
 * vertex stays inside its cell. */
#define GEN_JITTER 0.15

static inline size_t IDX(const gen_t *G, int i, int j) {
  return (size_t)j * (size_t)G->nx + (size_t)i;
}

/* ---- Components ------------------------------------------------------------- */

static inline bool eligible(const gen_t *G, const int32_t *key, size_t c) {
  return key ? key[c] != 0 : G->cls[c] != K_NONE;
}

static inline bool same(const gen_t *G, const int32_t *key, size_t a, size_t b) {
  if (key) return key[a] == key[b];
  return G->cls[a] == G->cls[b] && G->vil[a] == G->vil[b] && G->seedid[a] == G->seedid[b];
}

int32_t gen_components(gen_t *G, const int32_t *key, int32_t *lab, int32_t *cells,
                       int32_t **start_out) {
  memset(lab, 0, sizeof(int32_t) * G->ncell);
  LG_VEC(int32_t) start = {0};
  lg_vec_push(&start, 0); /* ids are 1-based */
  int32_t n = 0, tail = 0;
  int nx = G->nx, ny = G->ny;
  for (size_t c0 = 0; c0 < G->ncell; c0++) {
    if (lab[c0] || !eligible(G, key, c0)) continue;
    n++;
    lg_vec_push(&start, tail);
    lab[c0] = n;
    cells[tail++] = (int32_t)c0;
    for (int32_t head = start.items[n]; head < tail; head++) {
      size_t c = (size_t)cells[head];
      int i = (int)(c % (size_t)nx), j = (int)(c / (size_t)nx);
      size_t nb[4];
      int m = 0;
      if (i > 0) nb[m++] = c - 1;
      if (i + 1 < nx) nb[m++] = c + 1;
      if (j > 0) nb[m++] = c - (size_t)nx;
      if (j + 1 < ny) nb[m++] = c + (size_t)nx;
      for (int k = 0; k < m; k++)
        if (!lab[nb[k]] && eligible(G, key, nb[k]) && same(G, key, c, nb[k])) {
          lab[nb[k]] = n;
          cells[tail++] = (int32_t)nb[k];
        }
    }
  }
  lg_vec_push(&start, tail);
  *start_out = start.items;
  return n;
}

/* ---- Vertices ------------------------------------------------------------------ */

/* Not inlined, so that every caller computes a vertex with the very same
 * instructions and gets the very same bits. */
__attribute__((noinline)) void gen_vertex_xy(const gen_t *G, int I, int J, double *x, double *y) {
  uint64_t h = gen_hash(G->seed, I, J, 0x7E47);
  double jx = ((double)(h & 0xFFFFF) / 1048575.0 - 0.5) * 2 * GEN_JITTER;
  double jy = ((double)((h >> 20) & 0xFFFFF) / 1048575.0 - 0.5) * 2 * GEN_JITTER;
  int wi = I / G->wstep, wj = J / G->wstep;
  double fu = (double)(I - wi * G->wstep) / G->wstep, fv = (double)(J - wj * G->wstep) / G->wstep;
  const double *w00 = G->warp + 2 * ((size_t)wj * G->wnx + wi);
  const double *w10 = w00 + 2, *w01 = w00 + 2 * G->wnx, *w11 = w01 + 2;
  double dx = (1 - fu) * (1 - fv) * w00[0] + fu * (1 - fv) * w10[0] + (1 - fu) * fv * w01[0] +
              fu * fv * w11[0];
  double dy = (1 - fu) * (1 - fv) * w00[1] + fu * (1 - fv) * w10[1] + (1 - fu) * fv * w01[1] +
              fu * fv * w11[1];
  *x = G->x0 + ((I + jx) * GEN_CELL + dx);
  *y = G->y0 + ((J + jy) * GEN_CELL + dy);
}

static inline int32_t patch_at(const gen_t *G, int i, int j) {
  if (i < 0 || j < 0 || i >= G->nx || j >= G->ny) return 0;
  return G->pid[IDX(G, i, j)];
}

/* Whether vertex (I, J) is dropped from every outline through it: on
 * alternate vertices (I + J odd, so two neighbours along an outline are
 * never both dropped), where exactly two patches meet in a straight line
 * or a simple corner, unless the corner cell is a patch of one cell (it
 * would collapse). Dropping it replaces two edges by their chord, a
 * triangle inside the cells around the vertex, the same for both sides. */
static bool removable(const gen_t *G, int I, int J) {
  if (((I + J) & 1) == 0) return false;
  int32_t q[4] = {patch_at(G, I - 1, J - 1), patch_at(G, I, J - 1), patch_at(G, I, J),
                  patch_at(G, I - 1, J)}; /* SW, SE, NE, NW: around the vertex */
  int32_t a = q[0], b = a;
  int na = 0;
  for (int k = 0; k < 4; k++) {
    if (q[k] == a)
      na++;
    else if (b == a)
      b = q[k];
    else if (q[k] != b)
      return false; /* three patches: a junction */
  }
  if (b == a) return false;                       /* inside one patch */
  if (q[0] == q[2] && q[1] == q[3]) return false; /* corners touching */
  int32_t odd = na == 1 ? a : na == 3 ? b : 0;    /* the single cell of a corner */
  if (odd > 0 && G->patches[odd].ncell <= 1) return false;
  return true;
}

/* ---- Tracing ----------------------------------------------------------------- */

struct gen_tracer {
  gen_t *G;
  uint8_t *vis;           /* bit d: side d of the cell traced */
  LG_VEC(uint32_t) verts; /* vertex indices J * (nx + 1) + I */
  LG_VEC(size_t) rings;   /* start of each ring in verts */
  LG_VEC(double) xy;
};

gen_tracer_t *gen_tracer_new(gen_t *G) {
  gen_tracer_t *t = lg_calloc(1, sizeof *t);
  t->G = G;
  t->vis = lg_calloc(G->ncell, 1);
  return t;
}

void gen_tracer_free(gen_tracer_t *t) {
  if (!t) return;
  lg_free(t->vis);
  lg_free(t->verts.items);
  lg_free(t->rings.items);
  lg_free(t->xy.items);
  lg_free(t);
}

void gen_tracer_reset(gen_tracer_t *t) { memset(t->vis, 0, t->G->ncell); }

/* Sides of a cell: 0 south, 1 east, 2 north, 3 west. Walking a side with
 * the cell on the left: the neighbour across it (N*), the direction of
 * travel (T*) and the vertex it starts from (S*). */
static const int NX_[4] = {0, 1, 0, -1}, NY_[4] = {-1, 0, 1, 0};
static const int TX_[4] = {1, 0, -1, 0}, TY_[4] = {0, 1, 0, -1};
static const int SX_[4] = {0, 1, 1, 0}, SY_[4] = {0, 0, 1, 1};

static inline bool in_region(const gen_t *G, const int32_t *lab, int32_t id, int i, int j) {
  return i >= 0 && j >= 0 && i < G->nx && j < G->ny && lab[IDX(G, i, j)] == id;
}

static void trace_ring(gen_tracer_t *t, const int32_t *lab, int32_t id, int i0, int j0, int d0) {
  const gen_t *G = t->G;
  lg_vec_push(&t->rings, t->verts.len);
  int i = i0, j = j0, d = d0;
  uint32_t stride = (uint32_t)G->nx + 1;
  do {
    t->vis[IDX(G, i, j)] |= (uint8_t)(1u << d);
    int vi = i + SX_[d], vj = j + SY_[d];
    if (!removable(G, vi, vj)) lg_vec_push(&t->verts, (uint32_t)vj * stride + (uint32_t)vi);
    int ali = i + TX_[d], alj = j + TY_[d];     /* ahead, left */
    int ari = ali + NX_[d], arj = alj + NY_[d]; /* ahead, right */
    if (in_region(G, lab, id, ari, arj)) {
      i = ari;
      j = arj;
      d = (d + 3) & 3; /* turn right */
    } else if (in_region(G, lab, id, ali, alj)) {
      i = ali;
      j = alj; /* straight on */
    } else {
      d = (d + 1) & 3; /* turn left */
    }
  } while (!(i == i0 && j == j0 && d == d0));
}

static void put_u32(lg_buf_t *b, uint32_t v) { lg_buf_append(b, &v, 4); }

int gen_trace(gen_tracer_t *t, const int32_t *lab, int32_t id, const int32_t *cells, int32_t n,
              lg_buf_t *out, double *area, lg_err_t *err) {
  const gen_t *G = t->G;
  t->verts.len = 0;
  t->rings.len = 0;
  for (int32_t k = 0; k < n; k++) {
    size_t c = (size_t)cells[k];
    int i = (int)(c % (size_t)G->nx), j = (int)(c / (size_t)G->nx);
    for (int d = 0; d < 4; d++) {
      if (t->vis[c] & (1u << d)) continue;
      if (in_region(G, lab, id, i + NX_[d], j + NY_[d])) continue;
      trace_ring(t, lab, id, i, j, d);
    }
  }
  lg_vec_push(&t->rings, t->verts.len);
  size_t nr = t->rings.len - 1;

  /* Coordinates and signed areas (relative to the ring's first point, to
   * keep the precision that coordinates of 38 million metres would eat). */
  uint32_t stride = (uint32_t)G->nx + 1;
  t->xy.len = 0;
  lg_vec_reserve(&t->xy, 2 * (t->verts.len + nr));
  double *xy = t->xy.items;
  size_t *xoff = lg_malloc(sizeof(size_t) * (nr + 1));
  double *sa = lg_malloc(sizeof(double) * (nr ? nr : 1));
  size_t w = 0, shell = (size_t)-1;
  int nshell = 0;
  for (size_t r = 0; r < nr; r++) {
    xoff[r] = w;
    size_t s = t->rings.items[r], e = t->rings.items[r + 1];
    for (size_t k = s; k <= e; k++) {
      uint32_t v = t->verts.items[k < e ? k : s]; /* closed: first point again */
      gen_vertex_xy(G, (int)(v % stride), (int)(v / stride), &xy[2 * w], &xy[2 * w + 1]);
      w++;
    }
    double a2 = 0, ox = xy[2 * xoff[r]], oy = xy[2 * xoff[r] + 1];
    for (size_t k = xoff[r]; k + 1 < w; k++)
      a2 += (xy[2 * k] - ox) * (xy[2 * k + 3] - oy) - (xy[2 * k + 2] - ox) * (xy[2 * k + 1] - oy);
    sa[r] = a2 / 2;
    if (sa[r] > 0) {
      shell = r;
      nshell++;
    }
  }
  xoff[nr] = w;
  int rc = 0;
  if (nshell != 1 || nr == 0) {
    rc = lg_err_set(err, LG_EINTERNAL, "区域 %d 的轮廓有 %d 个外环 (应为 1 个; 生成器的缺陷)", id,
                    nshell);
    goto done;
  }
  /* WKB (ISO, little-endian): MultiPolygon of one Polygon, shell first. */
  lg_buf_reset(out);
  lg_buf_putc(out, 1);
  put_u32(out, 6);
  put_u32(out, 1);
  lg_buf_putc(out, 1);
  put_u32(out, 3);
  put_u32(out, (uint32_t)nr);
  double total = 0;
  for (size_t k = 0; k < nr; k++) {
    size_t r = k == 0 ? shell : (k <= shell ? k - 1 : k);
    size_t np = xoff[r + 1] - xoff[r];
    put_u32(out, (uint32_t)np);
    lg_buf_append(out, &xy[2 * xoff[r]], sizeof(double) * 2 * np);
    total += sa[r];
  }
  *area = total;
done:
  lg_free(xoff);
  lg_free(sa);
  return rc;
}
