/*
 * Geometry validation of a boundary, in the words a surveyor uses: which
 * boundary point (界址点) repeats its neighbour, which one is a spike,
 * which two edges cross and where, which way the points run. GEOS's own
 * validity test (OGC simple features) is the backstop, but it reports only
 * the first problem and only as a coordinate; here every problem is listed
 * and named by the point names of the Ministry file when there are any.
 *
 * Repair happens only when asked: duplicate points and spikes are dropped,
 * what is still invalid goes through GEOS MakeValid, and parcels that
 * overlap are dissolved; the report lists each step.
 *
 * Cost: a boundary may have 100000 points (limits.geometry_vertices), so
 * nothing here may compare every edge with every other. Edges (and the
 * parcels of a multi-parcel boundary) are put in a packed R-tree and each
 * is compared only with those whose boxes meet its own; a "comb" whose
 * teeth all span the same x range, which a sweep along x alone answers in
 * quadratic time, costs n log n. Inputs whose edges really do meet by the
 * million, or whose boxes all overlap, stay expensive: the caller's
 * deadline (a server's limits.request_ms) is looked at as the work goes,
 * and validation gives up with LG_ELIMIT once it has passed.
 */
#include "review/review_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ISSUES 200

typedef struct vstate {
  lg_geo_t *g;
  const lg_boundary_t *b;
  json_t *issues;
  int nissues;
  int errors;
  bool geographic;
  double tol; /* duplicate tolerance in CRS units */
  double spike_deg;
  double deadline; /* lg_mono() time to give up at; 0: none */
} vstate_t;

/* LG_ELIMIT once the deadline has passed, naming the stage. */
static int late(const vstate_t *v, const char *stage, lg_err_t *err) {
  if (v->deadline <= 0 || lg_mono() <= v->deadline) return 0;
  return lg_err_set(err, LG_ELIMIT, "合规性审查超过时限, 在几何校验 (%s) 时中止", stage);
}

/* A point's name for messages: the file's name, else its number. */
static void point_label(const vstate_t *v, size_t ring, size_t i, char *out, size_t n) {
  if (ring < v->b->names.len && i < v->b->names.items[ring].n &&
      v->b->names.items[ring].names[i][0])
    snprintf(out, n, "%s", v->b->names.items[ring].names[i]);
  else
    snprintf(out, n, "第 %zu 点", i + 1);
}

static const char *ring_title(const lg_ring_t *r, char *out, size_t n, int nparts) {
  char part[48] = "";
  if (nparts > 1) snprintf(part, sizeof part, "第 %d 个地块", r->part + 1);
  if (r->ring == 0)
    snprintf(out, n, "%s外环", part);
  else
    snprintf(out, n, "%s第 %d 个内环", part, r->ring);
  return out;
}

static json_t *point_json(const vstate_t *v, const lg_ring_t *rings, size_t ring, size_t i) {
  char label[128];
  point_label(v, ring, i, label, sizeof label);
  return json_pack("{s:s, s:i, s:i, s:i, s:f, s:f}", "name", label, "part", rings[ring].part + 1,
                   "ring", rings[ring].ring + 1, "index", (int)i + 1, "x", rings[ring].xy[2 * i],
                   "y", rings[ring].xy[2 * i + 1]);
}

static void add_issue(vstate_t *v, const char *kind, const char *severity, json_t *points,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void add_issue(vstate_t *v, const char *kind, const char *severity, json_t *points,
                      const char *fmt, ...) {
  if (strcmp(severity, "error") == 0) v->errors++;
  if (v->nissues++ >= MAX_ISSUES) {
    json_decref(points);
    return;
  }
  char text[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  json_array_append_new(v->issues,
                        json_pack("{s:s, s:s, s:s, s:o}", "kind", kind, "severity", severity,
                                  "text", text, "points", points ? points : json_array()));
}

/* ---- Per-ring checks ---------------------------------------------------- */

/* A ring with its repeated points removed: positions into the original
 * ring, closing point not repeated. */
typedef struct dring {
  size_t ring; /* index into the rings array */
  size_t *idx; /* original indices of kept points */
  size_t m;    /* kept points (open ring) */
} dring_t;

static double dist(const double *a, const double *b) { return hypot(a[0] - b[0], a[1] - b[1]); }

static void dedup_ring(vstate_t *v, const lg_ring_t *rings, size_t r, dring_t *d, int nparts) {
  const lg_ring_t *rg = &rings[r];
  d->ring = r;
  d->idx = lg_malloc(sizeof(size_t) * (rg->n ? rg->n : 1));
  d->m = 0;
  size_t last = rg->n ? rg->n - 1 : 0; /* the closing repeat is not a point of its own */
  char where[96];
  ring_title(rg, where, sizeof where, nparts);
  for (size_t i = 0; i < last; i++) {
    if (d->m > 0 && dist(rg->xy + 2 * i, rg->xy + 2 * d->idx[d->m - 1]) <= v->tol) {
      char a[128], b[128];
      point_label(v, r, d->idx[d->m - 1], a, sizeof a);
      point_label(v, r, i, b, sizeof b);
      json_t *pts =
          json_pack("[o,o]", point_json(v, rings, r, d->idx[d->m - 1]), point_json(v, rings, r, i));
      add_issue(v, "duplicate_point", "warning", pts, "%s: 界址点 %s 与 %s 重合 (间距 %.4f)", where,
                a, b, dist(rg->xy + 2 * i, rg->xy + 2 * d->idx[d->m - 1]));
      continue;
    }
    d->idx[d->m++] = i;
  }
  /* The last kept point may repeat the first (a doubled closing point). */
  while (d->m > 1 && dist(rg->xy + 2 * d->idx[d->m - 1], rg->xy + 2 * d->idx[0]) <= v->tol) {
    char a[128], b[128];
    point_label(v, r, d->idx[d->m - 1], a, sizeof a);
    point_label(v, r, d->idx[0], b, sizeof b);
    json_t *pts = json_pack("[o,o]", point_json(v, rings, r, d->idx[d->m - 1]),
                            point_json(v, rings, r, d->idx[0]));
    add_issue(v, "duplicate_point", "warning", pts, "%s: 界址点 %s 与首点 %s 重合", where, a, b);
    d->m--;
  }
}

/* Angle at vertex j of a deduplicated ring, in degrees (0 = the boundary
 * turns straight back on itself). */
static double vertex_angle(const lg_ring_t *rg, const dring_t *d, size_t j) {
  const double *u = rg->xy + 2 * d->idx[(j + d->m - 1) % d->m];
  const double *p = rg->xy + 2 * d->idx[j];
  const double *w = rg->xy + 2 * d->idx[(j + 1) % d->m];
  double ax = u[0] - p[0], ay = u[1] - p[1], bx = w[0] - p[0], by = w[1] - p[1];
  return atan2(fabs(ax * by - ay * bx), ax * bx + ay * by) * 180.0 / M_PI;
}

static void check_spikes(vstate_t *v, const lg_ring_t *rings, const dring_t *d, int nparts) {
  const lg_ring_t *rg = &rings[d->ring];
  if (d->m < 3) return;
  char where[96];
  ring_title(rg, where, sizeof where, nparts);
  for (size_t j = 0; j < d->m; j++) {
    double ang = vertex_angle(rg, d, j);
    if (ang >= v->spike_deg) continue;
    char a[128];
    point_label(v, d->ring, d->idx[j], a, sizeof a);
    json_t *pts = json_pack("[o]", point_json(v, rings, d->ring, d->idx[j]));
    /* A zero angle folds the ring onto itself (invalid); a merely sharp
     * one is legal but almost always a digitising slip. */
    if (ang < 1e-9)
      add_issue(v, "spike", "error", pts, "%s: 界址点 %s 处边界折返 (尖刺, 夹角 0°)", where, a);
    else
      add_issue(v, "spike", "warning", pts, "%s: 界址点 %s 处夹角仅 %.3f° (疑似尖刺)", where, a,
                ang);
  }
}

static double ring_signed_area(const lg_ring_t *rg, const dring_t *d) {
  if (d->m < 3) return 0;
  const double *o = rg->xy + 2 * d->idx[0];
  double s = 0;
  for (size_t j = 1; j + 1 < d->m; j++) {
    const double *p = rg->xy + 2 * d->idx[j], *q = rg->xy + 2 * d->idx[j + 1];
    s += (p[0] - o[0]) * (q[1] - o[1]) - (q[0] - o[0]) * (p[1] - o[1]);
  }
  return s / 2;
}

/* ---- Segment intersections ---------------------------------------------- */

typedef struct seg {
  size_t dr; /* index into the dring array */
  size_t j;  /* segment j runs from kept point j to j+1 (cyclic) */
  double ax, ay, bx, by;
  double minx, maxx, miny, maxy;
} seg_t;

static int cmp_seg(const void *a, const void *b) {
  const seg_t *s = a, *t = b;
  return s->minx < t->minx ? -1 : s->minx > t->minx;
}

static double orient(double ax, double ay, double bx, double by, double cx, double cy) {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

static int sgn(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

static bool on_seg(double ax, double ay, double bx, double by, double px, double py) {
  return px >= fmin(ax, bx) && px <= fmax(ax, bx) && py >= fmin(ay, by) && py <= fmax(ay, by);
}

/* ---- A packed R-tree of boxes ---------------------------------------------
 * Sort-Tile-Recursive packing (Leutenegger, Lopez and Edgington, 1997):
 * the boxes are sorted by centre x, cut into vertical slices, each slice
 * sorted by centre y, and runs of BT_FAN consecutive boxes make the
 * leaves' parents; runs of those make the next level, up to one root.
 * Built once over a flat array and only queried, it needs no insertion
 * or balancing, and no GEOS geometry per edge (GEOS's STRtree takes a
 * geometry for each item: a hundred thousand allocations here). */

#define BT_FAN 16

typedef struct boxtree {
  const lg_env_t *items; /* borrowed */
  size_t n;
  size_t *order;  /* item indices in packing order: leaf slot -> item */
  lg_env_t *node; /* every level, leaves' parents first */
  size_t lvl_off[16], lvl_len[16];
  int levels;
} boxtree_t;

typedef struct sortkey {
  double key;
  size_t idx;
} sortkey_t;

static int cmp_key(const void *a, const void *b) {
  const sortkey_t *p = a, *q = b;
  return p->key < q->key ? -1 : p->key > q->key ? 1 : (p->idx > q->idx) - (p->idx < q->idx);
}

static void env_grow(lg_env_t *e, const lg_env_t *x, bool first) {
  if (first) {
    *e = *x;
    return;
  }
  e->minx = fmin(e->minx, x->minx), e->miny = fmin(e->miny, x->miny);
  e->maxx = fmax(e->maxx, x->maxx), e->maxy = fmax(e->maxy, x->maxy);
}

static void boxtree_build(boxtree_t *t, const lg_env_t *items, size_t n) {
  memset(t, 0, sizeof *t);
  t->items = items;
  t->n = n;
  if (n == 0) return;
  sortkey_t *k = lg_malloc(sizeof *k * n);
  for (size_t i = 0; i < n; i++)
    k[i] = (sortkey_t){(items[i].minx + items[i].maxx) / 2, i};
  qsort(k, n, sizeof *k, cmp_key);
  size_t leaves = (n + BT_FAN - 1) / BT_FAN;
  size_t slices = (size_t)ceil(sqrt((double)leaves));
  size_t per = slices * BT_FAN; /* boxes per vertical slice */
  for (size_t s0 = 0; s0 < n; s0 += per) {
    size_t s1 = s0 + per < n ? s0 + per : n;
    for (size_t i = s0; i < s1; i++)
      k[i].key = (items[k[i].idx].miny + items[k[i].idx].maxy) / 2;
    qsort(k + s0, s1 - s0, sizeof *k, cmp_key);
  }
  t->order = lg_malloc(sizeof *t->order * n);
  for (size_t i = 0; i < n; i++)
    t->order[i] = k[i].idx;
  lg_free(k);
  /* Levels: at most n / 15 nodes in all. */
  t->node = lg_malloc(sizeof *t->node * (leaves * 2 + 16));
  size_t below = n, off = 0;
  for (int L = 0; L < 16; L++) {
    size_t len = (below + BT_FAN - 1) / BT_FAN;
    t->lvl_off[L] = off;
    t->lvl_len[L] = len;
    for (size_t j = 0; j < len; j++)
      for (size_t c = j * BT_FAN; c < below && c < (j + 1) * BT_FAN; c++)
        env_grow(&t->node[off + j], L == 0 ? &items[t->order[c]] : &t->node[t->lvl_off[L - 1] + c],
                 c == j * BT_FAN);
    off += len;
    t->levels = L + 1;
    below = len;
    if (len == 1) break;
  }
}

static void boxtree_free(boxtree_t *t) {
  lg_free(t->order);
  lg_free(t->node);
}

static bool env_meet(const lg_env_t *a, const lg_env_t *b) {
  return a->minx <= b->maxx && a->maxx >= b->minx && a->miny <= b->maxy && a->maxy >= b->miny;
}

typedef LG_VEC(size_t) idxvec_t;

static void boxtree_walk(const boxtree_t *t, int L, size_t j, const lg_env_t *q, idxvec_t *out) {
  size_t below = L == 0 ? t->n : t->lvl_len[L - 1];
  for (size_t c = j * BT_FAN; c < below && c < (j + 1) * BT_FAN; c++) {
    if (L == 0) {
      if (env_meet(&t->items[t->order[c]], q)) lg_vec_push(out, t->order[c]);
    } else if (env_meet(&t->node[t->lvl_off[L - 1] + c], q)) {
      boxtree_walk(t, L - 1, c, q, out);
    }
  }
}

/* Appends to out the items whose boxes meet q (edges included), in no
 * particular order. */
static void boxtree_query(const boxtree_t *t, const lg_env_t *q, idxvec_t *out) {
  if (t->n == 0) return;
  int top = t->levels - 1;
  if (env_meet(&t->node[t->lvl_off[top]], q)) boxtree_walk(t, top, 0, q, out);
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* ---- Points already reported: a set of coordinate pairs ---------------- */

typedef struct ptset {
  double *xy; /* 2 * cap; a slot is free when its first value is NaN */
  size_t cap, len;
} ptset_t;

static uint64_t pt_hash(double x, double y) {
  uint64_t a, b;
  x += 0.0, y += 0.0; /* -0 and 0 are the same point */
  memcpy(&a, &x, 8);
  memcpy(&b, &y, 8);
  uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
  return h ^ (h >> 29);
}

/* True when (x, y) was seen before; else records it. */
static bool seen_point(ptset_t *s, double x, double y) {
  if (s->len * 2 >= s->cap) {
    ptset_t n = {lg_malloc(sizeof(double) * 2 * (s->cap ? s->cap * 2 : 64)),
                 s->cap ? s->cap * 2 : 64, 0};
    for (size_t i = 0; i < n.cap; i++)
      n.xy[2 * i] = NAN;
    for (size_t i = 0; i < s->cap; i++)
      if (!isnan(s->xy[2 * i])) seen_point(&n, s->xy[2 * i], s->xy[2 * i + 1]);
    lg_free(s->xy);
    *s = n;
  }
  if (isnan(x)) return false; /* never equal to anything, as before */
  size_t i = pt_hash(x, y) & (s->cap - 1);
  while (!isnan(s->xy[2 * i])) {
    if (s->xy[2 * i] == x && s->xy[2 * i + 1] == y) return true;
    i = (i + 1) & (s->cap - 1);
  }
  s->xy[2 * i] = x;
  s->xy[2 * i + 1] = y;
  s->len++;
  return false;
}

/* Segments of one polygon part (its shell and holes): every pair whose
 * boxes overlap and that are not neighbours on the same ring. The pairs
 * come from the R-tree of the edges' boxes, and are taken in the order of
 * a sweep along x (edges by their west end, each with the later ones),
 * which is the order the issues are listed in. 0, or LG_ELIMIT past the
 * deadline. */
static int check_crossings(vstate_t *v, const lg_ring_t *rings, const dring_t *dr, size_t ndr,
                           int nparts, lg_err_t *err) {
  LG_VEC(seg_t) segs = {0};
  for (size_t k = 0; k < ndr; k++) {
    const lg_ring_t *rg = &rings[dr[k].ring];
    for (size_t j = 0; dr[k].m >= 3 && j < dr[k].m; j++) {
      const double *a = rg->xy + 2 * dr[k].idx[j], *b = rg->xy + 2 * dr[k].idx[(j + 1) % dr[k].m];
      seg_t s = {k,
                 j,
                 a[0],
                 a[1],
                 b[0],
                 b[1],
                 fmin(a[0], b[0]),
                 fmax(a[0], b[0]),
                 fmin(a[1], b[1]),
                 fmax(a[1], b[1])};
      lg_vec_push(&segs, s);
    }
  }
  if (segs.len) qsort(segs.items, segs.len, sizeof *segs.items, cmp_seg);
  lg_env_t *env = lg_malloc(sizeof *env * (segs.len ? segs.len : 1));
  for (size_t i = 0; i < segs.len; i++)
    env[i] =
        (lg_env_t){segs.items[i].minx, segs.items[i].miny, segs.items[i].maxx, segs.items[i].maxy};
  boxtree_t tree;
  boxtree_build(&tree, env, segs.len);
  ptset_t seen = {0};
  idxvec_t cand = {0};
  size_t work = 0; /* boxes looked at since the clock was last read */
  int rc = 0;
  for (size_t i = 0; i < segs.len && rc == 0; i++) {
    const seg_t *s = &segs.items[i];
    cand.len = 0;
    boxtree_query(&tree, &env[i], &cand);
    /* The later edges only (each pair once), in sweep order. */
    size_t nk = 0;
    for (size_t c = 0; c < cand.len; c++)
      if (cand.items[c] > i) cand.items[nk++] = cand.items[c];
    if (nk > 1) qsort(cand.items, nk, sizeof *cand.items, cmp_size);
    work += cand.len + 1;
    if (work > 16384) {
      work = 0;
      if ((rc = late(v, "边的相交检查", err))) break;
    }
    for (size_t c = 0; c < nk; c++) {
      const seg_t *t = &segs.items[cand.items[c]];
      bool same = s->dr == t->dr;
      size_t m = dr[s->dr].m;
      if (same && (s->j + 1 == t->j || t->j + 1 == s->j || (s->j == 0 && t->j == m - 1) ||
                   (t->j == 0 && s->j == m - 1)))
        continue;
      int o1 = sgn(orient(s->ax, s->ay, s->bx, s->by, t->ax, t->ay));
      int o2 = sgn(orient(s->ax, s->ay, s->bx, s->by, t->bx, t->by));
      int o3 = sgn(orient(t->ax, t->ay, t->bx, t->by, s->ax, s->ay));
      int o4 = sgn(orient(t->ax, t->ay, t->bx, t->by, s->bx, s->by));
      double px, py;
      bool proper = o1 * o2 < 0 && o3 * o4 < 0;
      bool touch = false;
      if (proper) {
        double d = (s->bx - s->ax) * (t->by - t->ay) - (s->by - s->ay) * (t->bx - t->ax);
        double u = ((t->ax - s->ax) * (t->by - t->ay) - (t->ay - s->ay) * (t->bx - t->ax)) / d;
        px = s->ax + u * (s->bx - s->ax);
        py = s->ay + u * (s->by - s->ay);
      } else if (o1 == 0 && on_seg(s->ax, s->ay, s->bx, s->by, t->ax, t->ay)) {
        touch = true, px = t->ax, py = t->ay;
      } else if (o2 == 0 && on_seg(s->ax, s->ay, s->bx, s->by, t->bx, t->by)) {
        touch = true, px = t->bx, py = t->by;
      } else if (o3 == 0 && on_seg(t->ax, t->ay, t->bx, t->by, s->ax, s->ay)) {
        touch = true, px = s->ax, py = s->ay;
      } else if (o4 == 0 && on_seg(t->ax, t->ay, t->bx, t->by, s->bx, s->by)) {
        touch = true, px = s->bx, py = s->by;
      } else {
        continue;
      }
      bool collinear = o1 == 0 && o2 == 0;
      /* A hole may touch its shell (or another hole) at a single point
       * (OGC simple features); sharing an edge or crossing it may not. */
      if (!same && touch && !collinear) continue;
      if (seen_point(&seen, px, py)) continue;
      if (v->nissues >= MAX_ISSUES) { /* counted, not described */
        v->nissues++, v->errors++;
        if (++work > 16384) {
          work = 0;
          if ((rc = late(v, "边的相交检查", err))) break;
        }
        continue;
      }
      const dring_t *ds = &dr[s->dr], *dt = &dr[t->dr];
      size_t s0 = ds->idx[s->j], s1 = ds->idx[(s->j + 1) % ds->m];
      size_t t0 = dt->idx[t->j], t1 = dt->idx[(t->j + 1) % dt->m];
      char a0[128], a1[128], b0[128], b1[128], wa[96], wb[96];
      point_label(v, ds->ring, s0, a0, sizeof a0);
      point_label(v, ds->ring, s1, a1, sizeof a1);
      point_label(v, dt->ring, t0, b0, sizeof b0);
      point_label(v, dt->ring, t1, b1, sizeof b1);
      ring_title(&rings[ds->ring], wa, sizeof wa, nparts);
      ring_title(&rings[dt->ring], wb, sizeof wb, nparts);
      json_t *pts = json_pack(
          "[o,o,o,o]", point_json(v, rings, ds->ring, s0), point_json(v, rings, ds->ring, s1),
          point_json(v, rings, dt->ring, t0), point_json(v, rings, dt->ring, t1));
      const char *kind = same ? (proper ? "self_intersection" : "self_touch") : "ring_crossing";
      const char *what = proper ? "相交" : collinear ? "部分重叠" : "相接";
      if (same)
        add_issue(v, kind, "error", pts, "%s: 边 %s-%s 与边 %s-%s %s于 (%.3f, %.3f)", wa, a0, a1,
                  b0, b1, what, px, py);
      else
        add_issue(v, kind, "error", pts, "%s的边 %s-%s 与%s的边 %s-%s %s于 (%.3f, %.3f)", wa, a0,
                  a1, wb, b0, b1, what, px, py);
    }
  }
  lg_free(cand.items);
  lg_free(seen.xy);
  boxtree_free(&tree);
  lg_free(env);
  lg_free(segs.items);
  return rc;
}

/* ---- GEOS validity ------------------------------------------------------ */

static const char *reason_zh(const char *r) {
  static const struct {
    const char *en, *zh;
  } t[] = {{"Ring Self-intersection", "环自接触"},
           {"Self-intersection", "自相交"},
           {"Hole lies outside shell", "内环位于外环之外"},
           {"Nested holes", "内环相互嵌套"},
           {"Interior is disconnected", "面内部不连通"},
           {"Too few points", "点数过少"},
           {"Invalid Coordinate", "坐标无效"},
           {"Nested shells", "外环相互嵌套"},
           {"Duplicate Rings", "环重复"},
           {"Ring is not closed", "环未闭合"}};
  for (size_t i = 0; i < LG_ARRAY_LEN(t); i++)
    if (strstr(r, t[i].en)) return t[i].zh;
  return r;
}

/* The named point nearest to (x, y), for a GEOS location. */
static json_t *nearest_point(const vstate_t *v, const lg_ring_t *rings, size_t nr, int part,
                             double x, double y, char *label, size_t n) {
  double best = INFINITY;
  size_t br = 0, bi = 0;
  for (size_t r = 0; r < nr; r++) {
    if (rings[r].part != part) continue;
    for (size_t i = 0; i < rings[r].n; i++) {
      double d = hypot(rings[r].xy[2 * i] - x, rings[r].xy[2 * i + 1] - y);
      if (d < best) best = d, br = r, bi = i;
    }
  }
  if (!isfinite(best)) {
    snprintf(label, n, "?");
    return json_array();
  }
  point_label(v, br, bi, label, n);
  return json_pack("[o]", point_json(v, rings, br, bi));
}

/* ---- Repair --------------------------------------------------------------- */

/* Rebuilds part p from its deduplicated rings with spikes removed. */
static lg_geom_t *clean_part(vstate_t *v, const lg_ring_t *rings, dring_t *dr, size_t ndr, int part,
                             int *removed_spikes) {
  LG_VEC(double *) xs = {0};
  LG_VEC(size_t) ns = {0};
  for (size_t k = 0; k < ndr; k++) {
    if (rings[dr[k].ring].part != part) continue;
    const lg_ring_t *rg = &rings[dr[k].ring];
    dring_t d = dr[k];
    size_t *idx = lg_malloc(sizeof(size_t) * (d.m ? d.m : 1));
    memcpy(idx, d.idx, sizeof(size_t) * d.m);
    d.idx = idx;
    /* Removing one spike can expose another behind it: repeat. */
    for (bool again = true; again && d.m >= 3;) {
      again = false;
      for (size_t j = 0; j < d.m && d.m >= 3; j++) {
        if (vertex_angle(rg, &d, j) < v->spike_deg) {
          memmove(d.idx + j, d.idx + j + 1, sizeof(size_t) * (d.m - j - 1));
          d.m--;
          (*removed_spikes)++;
          again = true;
          break;
        }
      }
    }
    if (d.m >= 3) {
      double *xy = lg_malloc(sizeof(double) * 2 * (d.m + 1));
      for (size_t j = 0; j < d.m; j++) {
        xy[2 * j] = rg->xy[2 * d.idx[j]];
        xy[2 * j + 1] = rg->xy[2 * d.idx[j] + 1];
      }
      xy[2 * d.m] = xy[0];
      xy[2 * d.m + 1] = xy[1];
      if (rg->ring == 0 || xs.len > 0) {
        lg_vec_push(&xs, xy);
        lg_vec_push(&ns, d.m + 1);
      } else {
        lg_free(xy); /* a hole without its shell */
      }
    } else if (rg->ring == 0) {
      lg_free(idx);
      break; /* the shell collapsed: the part is gone */
    }
    lg_free(idx);
  }
  lg_geom_t *p = NULL;
  if (xs.len) p = lg_geom_polygon(v->g, (const double *const *)xs.items, ns.items, xs.len, NULL);
  for (size_t i = 0; i < xs.len; i++)
    lg_free(xs.items[i]);
  lg_free(xs.items);
  lg_free(ns.items);
  return p;
}

json_t *lg_review_validate(lg_geo_t *g, const lg_boundary_t *b, const lg_rules_t *r, bool repair,
                           lg_geom_t **repaired, lg_err_t *err) {
  return lg_review_validate_until(g, b, r, repair, repaired, 0, err);
}

/* Whether a boundary's format prescribes a direction for its rings, and
 * which (*cw: the exterior clockwise) on what basis: the rule set's
 * validation.orientation by format name (a Ministry coordinate file and a
 * Shapefile clockwise, GeoJSON counter-clockwise, RFC 7946); formats
 * without a convention (WKT, GeoPackage, KML) get no remark. A rule set
 * older than that map gives every format validation.exterior_clockwise. */
static bool orientation_rule(const lg_rules_t *r, const char *format, bool *cw,
                             const char **basis) {
  const json_t *map = lg_rules_get(r, "validation.orientation");
  if (!json_is_object(map)) {
    *cw = json_is_true(lg_rules_get(r, "validation.exterior_clockwise"));
    *basis = json_string_value(lg_rules_get(r, "validation.orientation_basis"));
    return true;
  }
  const json_t *f = json_object_get(map, format ? format : "");
  if (!json_is_object(f)) return false;
  *cw = json_is_true(json_object_get(f, "exterior_clockwise"));
  *basis = json_string_value(json_object_get(f, "basis"));
  return true;
}

json_t *lg_review_validate_until(lg_geo_t *g, const lg_boundary_t *b, const lg_rules_t *r,
                                 bool repair, lg_geom_t **repaired, double deadline,
                                 lg_err_t *err) {
  if (repaired) *repaired = NULL;
  vstate_t v = {.g = g, .b = b, .issues = json_array(), .deadline = deadline};
  if (late(&v, "开始前", err)) {
    json_decref(v.issues);
    return NULL;
  }
  v.geographic = lg_crs_is_projected(g, b->srs_id) == 0;
  /* Tolerances are given in metres; a degree is about 111 km. */
  v.tol =
      lg_rules_num(r, "validation.duplicate_tolerance_m", 0.001) / (v.geographic ? 111320.0 : 1);
  v.spike_deg = lg_rules_num(r, "validation.spike_angle_deg", 1.0);
  bool want_cw = false;
  const char *basis = NULL;
  bool check_orientation = orientation_rule(r, b->format, &want_cw, &basis);
  json_t *orient_arr = json_array();

  lg_ring_t *rings = NULL;
  size_t nr = 0;
  if (lg_geom_rings(g, b->geom, &rings, &nr, err) != 0) {
    json_decref(v.issues);
    json_decref(orient_arr);
    return NULL;
  }
  int nparts = nr ? rings[nr - 1].part + 1 : 0;
  dring_t *dr = lg_calloc(nr ? nr : 1, sizeof *dr);
  for (size_t k = 0; k < nr; k++) {
    char where[96];
    ring_title(&rings[k], where, sizeof where, nparts);
    dedup_ring(&v, rings, k, &dr[k], nparts);
    if (dr[k].m < 3) {
      add_issue(&v, "too_few_points", "error", json_array(),
                "%s: 去掉重合点后只剩 %zu 个不同的点, 构不成面", where, dr[k].m);
      continue;
    }
    check_spikes(&v, rings, &dr[k], nparts);
    double a = ring_signed_area(&rings[k], &dr[k]);
    bool cw = a < 0;
    json_array_append_new(orient_arr, json_pack("{s:i, s:i, s:s}", "part", rings[k].part + 1,
                                                "ring", rings[k].ring + 1, "direction",
                                                cw ? "clockwise" : "counterclockwise"));
    bool expect_cw = rings[k].ring == 0 ? want_cw : !want_cw;
    if (check_orientation && cw != expect_cw)
      add_issue(&v, "orientation", "info", json_array(), "%s的点按%s方向排列, %s规定为%s (%s)",
                where, cw ? "顺时针" : "逆时针", b->format, expect_cw ? "顺时针" : "逆时针",
                basis ? basis : "规则集");
  }
  /* Crossings are searched per polygon part (shell with its holes). */
  int rc = 0;
  json_t *out = NULL;
  LG_VEC(lg_geom_t *) parts = {0};
  lg_env_t *penv = NULL;
  boxtree_t ptree = {0};
  idxvec_t cand = {0};
  for (size_t k = 0; k < nr && rc == 0;) {
    size_t e = k;
    while (e < nr && rings[e].part == rings[k].part)
      e++;
    rc = check_crossings(&v, rings, dr + k, e - k, nparts, err);
    k = e;
  }
  if (rc) goto done;

  /* GEOS validity per part, for what the checks above do not name; and
   * overlaps between parcels, which make the merged boundary count land
   * twice. */
  int np = lg_geom_nparts(g, b->geom);
  for (int i = 0; i < np; i++) {
    if ((rc = late(&v, "GEOS 有效性检查", err))) goto done;
    lg_geom_t *p = lg_geom_part(g, b->geom, i);
    if (!p) continue;
    lg_vec_push(&parts, p);
    char reason[256];
    double x = NAN, y = NAN;
    if (!lg_geom_is_valid(g, p, reason, &x, &y) && v.errors == 0) {
      char label[128] = "";
      json_t *pts =
          isfinite(x) ? nearest_point(&v, rings, nr, i, x, y, label, sizeof label) : json_array();
      char partname[48] = "";
      if (np > 1) snprintf(partname, sizeof partname, "第 %d 个地块: ", i + 1);
      if (isfinite(x))
        add_issue(&v, "invalid", "error", pts, "%s几何无效: %s, 位置 (%.3f, %.3f), 最近的界址点 %s",
                  partname, reason_zh(reason), x, y, label);
      else
        add_issue(&v, "invalid", "error", pts, "%s几何无效: %s", partname, reason_zh(reason));
    }
  }
  double overlap_tol = lg_rules_num(r, "sliver_m2", 0.01) / (v.geographic ? 1.24e10 : 1);
  int overlaps = 0;
  /* Parcels whose boxes meet, from an R-tree of the boxes: a boundary of
   * thousands of parcels is not compared pair by pair. */
  penv = lg_malloc(sizeof *penv * (parts.len ? parts.len : 1));
  for (size_t i = 0; i < parts.len; i++)
    lg_geom_envelope(g, parts.items[i], &penv[i]);
  if (v.errors == 0) boxtree_build(&ptree, penv, parts.len);
  for (size_t i = 0; v.errors == 0 && i < parts.len; i++) {
    if ((rc = late(&v, "地块重叠检查", err))) goto done;
    cand.len = 0;
    boxtree_query(&ptree, &penv[i], &cand);
    if (cand.len > 1) qsort(cand.items, cand.len, sizeof *cand.items, cmp_size);
    for (size_t c = 0; c < cand.len; c++) {
      size_t j = cand.items[c];
      if (j <= i) continue;
      if (c % 64 == 63 && (rc = late(&v, "地块重叠检查", err))) goto done;
      lg_geom_t *x = lg_geom_intersection(g, parts.items[i], parts.items[j], NULL);
      double a = x ? lg_geom_area(g, x) : 0;
      lg_geom_free(g, x);
      if (a > overlap_tol) {
        overlaps++;
        add_issue(&v, "parts_overlap", "error", json_array(),
                  "第 %zu 个地块与第 %zu 个地块重叠, 重叠面积 %.4f%s", i + 1, j + 1, a,
                  v.geographic ? " 平方度" : " 平方米");
      }
    }
  }

  /* Errors first, then warnings, then remarks, each in the order found. */
  json_t *sorted = json_array();
  static const char *const order[] = {"error", "warning", "info"};
  for (size_t o = 0; o < 3; o++) {
    size_t i;
    json_t *x;
    json_array_foreach(v.issues, i, x) if (strcmp(json_string_value(json_object_get(x, "severity")),
                                                  order[o]) == 0) json_array_append(sorted, x);
  }
  json_decref(v.issues);
  v.issues = sorted;
  out = json_pack("{s:b, s:b, s:i, s:i, s:o, s:o}", "valid", v.errors == 0, "repaired", 0, "errors",
                  v.errors, "parts", np, "issues", v.issues, "orientation", orient_arr);
  v.issues = orient_arr = NULL; /* out has them */
  if (v.nissues > MAX_ISSUES) json_object_set_new(out, "issues_total", json_integer(v.nissues));

  bool dirty = false;
  const json_t *listed = json_object_get(out, "issues");
  for (size_t i = 0; i < json_array_size(listed); i++) {
    const char *k = json_string_value(json_object_get(json_array_get(listed, i), "kind"));
    const char *sev = json_string_value(json_object_get(json_array_get(listed, i), "severity"));
    if (strcmp(k, "duplicate_point") == 0 || strcmp(k, "spike") == 0 || strcmp(sev, "error") == 0)
      dirty = true;
  }
  if (repair && dirty && repaired) {
    json_t *steps = json_array();
    int spikes = 0;
    size_t dups = 0;
    for (size_t k = 0; k < nr; k++)
      dups += rings[k].n - 1 - dr[k].m;
    LG_VEC(lg_geom_t *) clean = {0};
    size_t k0 = 0; /* rings come part by part: part i's start at k0 */
    for (int i = 0; i < np; i++) {
      if ((rc = late(&v, "修复", err))) {
        for (size_t c = 0; c < clean.len; c++)
          lg_geom_free(g, clean.items[c]);
        lg_free(clean.items);
        json_decref(steps);
        goto done;
      }
      size_t k1 = k0;
      while (k1 < nr && rings[k1].part == i)
        k1++;
      lg_geom_t *p = clean_part(&v, rings, dr + k0, k1 - k0, i, &spikes);
      k0 = k1;
      if (!p) continue;
      if (!lg_geom_is_valid(g, p, NULL, NULL, NULL)) {
        lg_geom_t *mv = lg_geom_make_valid(g, p, NULL);
        lg_geom_t *poly = mv ? lg_geom_polygonal(g, mv) : NULL;
        lg_geom_free(g, mv);
        lg_geom_free(g, p);
        p = poly;
        char s[128];
        snprintf(s, sizeof s, "第 %d 个地块经 GEOS MakeValid 修复 (自相交处拆分为多个面)", i + 1);
        json_array_append_new(steps, json_string(s));
      }
      if (p) lg_vec_push(&clean, p);
    }
    if (dups) {
      char s[96];
      snprintf(s, sizeof s, "删除重合界址点 %zu 个", dups);
      json_array_append_new(steps, json_string(s));
    }
    if (spikes) {
      char s[96];
      snprintf(s, sizeof s, "删除尖刺界址点 %d 个", spikes);
      json_array_append_new(steps, json_string(s));
    }
    lg_geom_t *res = NULL;
    if (clean.len == 1) {
      res = clean.items[0];
    } else if (clean.len > 1) {
      lg_geom_t *coll = lg_geom_collect(g, clean.items, clean.len);
      lg_geom_t *u = lg_geom_unary_union(g, coll, NULL);
      res = u ? lg_geom_polygonal(g, u) : NULL;
      lg_geom_free(g, u);
      lg_geom_free(g, coll);
      if (overlaps) json_array_append_new(steps, json_string("合并相互重叠的地块"));
    }
    lg_free(clean.items);
    if (res && !lg_geom_is_empty(g, res)) {
      lg_geom_set_srid(g, res, b->srs_id);
      *repaired = res;
      json_object_set_new(out, "repaired", json_true());
      json_object_set_new(out, "repairs", steps);
    } else {
      lg_geom_free(g, res);
      json_object_set_new(out, "repairs", steps);
      json_array_append_new(steps, json_string("修复后不剩任何面: 边界无法修复"));
    }
  }

done:
  json_decref(v.issues);
  json_decref(orient_arr);
  if (rc) {
    json_decref(out);
    out = NULL;
  }
  for (size_t i = 0; i < parts.len; i++)
    lg_geom_free(g, parts.items[i]);
  lg_free(parts.items);
  lg_free(penv);
  boxtree_free(&ptree);
  lg_free(cand.items);
  for (size_t k = 0; k < nr; k++)
    lg_free(dr[k].idx);
  lg_free(dr);
  lg_rings_free(rings, nr);
  return out;
}
