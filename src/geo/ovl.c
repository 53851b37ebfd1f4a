/*
 * The exact overlay classifier the compliance check and the conflicts
 * engine use (geo.h, "Fast overlay classification"), and intersection
 * areas without GEOS for small boundaries cut into triangles.
 */
#include "geo/geo_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fast overlay classification ----------------------------------------
 * See geo.h. The polygon's segments go into a uniform grid (about four
 * segments a cell); a candidate's segments look up their cells. Stamps
 * (a counter per query and per candidate segment) mark what was seen
 * without clearing arrays between queries. */

typedef struct ovl_seg {
  double ax, ay, bx, by;
  int ring;
} ovl_seg_t;

struct lg_ovl {
  GEOSGeometry *geom; /* borrowed */
  int tri_state;      /* 0 not tried, 1 triangulated, -1 not possible */
  double *tri;        /* 6 doubles a triangle, counter-clockwise, local coordinates */
  size_t ntri;
  const GEOSPreparedGeometry *prep;
  lg_env_t env;
  double area;
  ovl_seg_t *segs;
  size_t nsegs;
  int nrings;
  double *ring_pt; /* first vertex of each ring */
  int gx, gy;
  double x0, y0, cw, ch;
  uint32_t *cell_start, *cell_items;
  uint32_t *seen, *shared, *ring_contact, *ring_tested;
  uint32_t stamp, qstamp;
  size_t shared_count;
};

typedef LG_VEC(ovl_seg_t) ovl_seg_vec_t;

static void ovl_ring(lg_ovl_t *o, const GEOSGeometry *ring, ovl_seg_vec_t *v, lg_geo_t *g) {
  const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, ring);
  unsigned n = 0;
  GEOSCoordSeq_getSize_r(g->h, cs, &n);
  int r = o->nrings++;
  o->ring_pt = lg_realloc(o->ring_pt, sizeof(double) * 2 * (size_t)(r + 1));
  double px = 0, py = 0;
  for (unsigned i = 0; i < n; i++) {
    double x, y;
    GEOSCoordSeq_getXY_r(g->h, cs, i, &x, &y);
    if (i == 0) {
      o->ring_pt[2 * r] = x, o->ring_pt[2 * r + 1] = y;
    } else if (x != px || y != py) {
      ovl_seg_t s = {px, py, x, y, r};
      lg_vec_push(v, s);
    }
    px = x, py = y;
  }
}

lg_ovl_t *lg_ovl_new(lg_geo_t *g, const lg_geom_t *geom) {
  int t = GEOSGeomTypeId_r(g->h, geom);
  if ((t != GEOS_POLYGON && t != GEOS_MULTIPOLYGON) || GEOSisEmpty_r(g->h, geom) == 1) return NULL;
  lg_ovl_t *o = lg_calloc(1, sizeof *o);
  o->geom = (GEOSGeometry *)geom;
  ovl_seg_vec_t v = {0};
  int np = t == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(g->h, geom);
  for (int i = 0; i < np; i++) {
    const GEOSGeometry *p = t == GEOS_POLYGON ? geom : GEOSGetGeometryN_r(g->h, geom, i);
    if (GEOSisEmpty_r(g->h, p) == 1) continue;
    ovl_ring(o, GEOSGetExteriorRing_r(g->h, p), &v, g);
    int nh = GEOSGetNumInteriorRings_r(g->h, p);
    for (int h = 0; h < nh; h++)
      ovl_ring(o, GEOSGetInteriorRingN_r(g->h, p, h), &v, g);
  }
  o->segs = v.items;
  o->nsegs = v.len;
  lg_geom_envelope(g, geom, &o->env);
  GEOSArea_r(g->h, geom, &o->area);
  o->prep = GEOSPrepare_r(g->h, geom);
  /* The grid: about four segments a cell, at most 1024 x 1024. */
  double w = fmax(o->env.maxx - o->env.minx, 1e-9), h = fmax(o->env.maxy - o->env.miny, 1e-9);
  double cells = fmax(1.0, (double)o->nsegs / 4.0);
  double side = sqrt(w * h / cells);
  o->gx = (int)fmin(1024, fmax(1, ceil(w / side)));
  o->gy = (int)fmin(1024, fmax(1, ceil(h / side)));
  o->x0 = o->env.minx, o->y0 = o->env.miny;
  o->cw = w / o->gx, o->ch = h / o->gy;
  size_t nc = (size_t)o->gx * (size_t)o->gy;
  o->cell_start = lg_calloc(nc + 1, sizeof(uint32_t));
  /* Two passes: count, then fill (counting sort by cell). */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t k = 0; k < o->nsegs; k++) {
      const ovl_seg_t *s = &o->segs[k];
      int cx0 = (int)((fmin(s->ax, s->bx) - o->x0) / o->cw),
          cx1 = (int)((fmax(s->ax, s->bx) - o->x0) / o->cw);
      int cy0 = (int)((fmin(s->ay, s->by) - o->y0) / o->ch),
          cy1 = (int)((fmax(s->ay, s->by) - o->y0) / o->ch);
      cx0 = LG_MAX(0, LG_MIN(o->gx - 1, cx0)), cx1 = LG_MAX(0, LG_MIN(o->gx - 1, cx1));
      cy0 = LG_MAX(0, LG_MIN(o->gy - 1, cy0)), cy1 = LG_MAX(0, LG_MIN(o->gy - 1, cy1));
      for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++) {
          size_t c = (size_t)cy * o->gx + cx;
          if (pass == 0)
            o->cell_start[c + 1]++;
          else
            o->cell_items[o->cell_start[c] + o->seen[c]++] = (uint32_t)k;
        }
    }
    if (pass == 0) {
      for (size_t c = 0; c < nc; c++)
        o->cell_start[c + 1] += o->cell_start[c];
      o->cell_items = lg_malloc(sizeof(uint32_t) * (o->cell_start[nc] ? o->cell_start[nc] : 1));
      o->seen = lg_calloc(nc > o->nsegs ? nc : o->nsegs ? o->nsegs : 1, sizeof(uint32_t));
    }
  }
  memset(o->seen, 0, sizeof(uint32_t) * (nc > o->nsegs ? nc : o->nsegs ? o->nsegs : 1));
  o->shared = lg_calloc(o->nsegs ? o->nsegs : 1, sizeof(uint32_t));
  o->ring_contact = lg_calloc((size_t)(o->nrings ? o->nrings : 1), sizeof(uint32_t));
  o->ring_tested = lg_calloc((size_t)(o->nrings ? o->nrings : 1), sizeof(uint32_t));
  return o;
}

void lg_ovl_free(lg_geo_t *g, lg_ovl_t *o) {
  if (!o) return;
  if (o->prep) GEOSPreparedGeom_destroy_r(g->h, o->prep);
  lg_free(o->segs);
  lg_free(o->ring_pt);
  lg_free(o->cell_start);
  lg_free(o->cell_items);
  lg_free(o->seen);
  lg_free(o->shared);
  lg_free(o->ring_contact);
  lg_free(o->ring_tested);
  lg_free(o->tri);
  lg_free(o);
}

double lg_ovl_area(const lg_ovl_t *o) { return o->area; }

/* The candidate's rings, read in place from its WKB. */
typedef struct wring {
  const unsigned char *p; /* first coordinate */
  uint32_t n;
  int stride, le;
  bool shell; /* the first ring of its polygon */
} wring_t;

typedef LG_VEC(wring_t) wring_vec_t;

static int wkb_rings(const unsigned char **pp, const unsigned char *end, int depth,
                     wring_vec_t *v) {
  const unsigned char *p = *pp;
  lg_wkb_head_t h;
  if (depth > 32 || lg_wkb_head(&p, end, &h) != 0) return -1;
  bool le = h.le;
  int dims = h.dims, type = h.type;
  if (type != 3 && type != 6) return -1; /* polygons only; anything else: GEOS */
  if (end - p < 4) return -1;
  uint32_t n = lg_wkb_u32(p, le);
  p += 4;
  if (type == 6) {
    *pp = p;
    for (uint32_t i = 0; i < n; i++)
      if (wkb_rings(pp, end, depth + 1, v) != 0) return -1;
    return 0;
  }
  for (uint32_t r = 0; r < n; r++) {
    if (end - p < 4) return -1;
    uint32_t np = lg_wkb_u32(p, le);
    p += 4;
    size_t stride = (size_t)dims * 8;
    if ((size_t)(end - p) < (size_t)np * stride) return -1;
    wring_t w = {p, np, (int)stride, le, r == 0};
    lg_vec_push(v, w);
    p += (size_t)np * stride;
  }
  *pp = p;
  return 0;
}

static inline void wxy(const wring_t *w, uint32_t i, double *x, double *y) {
  *x = lg_wkb_f64(w->p + (size_t)i * w->stride, w->le);
  *y = lg_wkb_f64(w->p + (size_t)i * w->stride + 8, w->le);
}

/* Orientation of c against a->b, and whether it is too close to zero to
 * trust in double precision (the robust answer would need more bits). */
static inline double ovl_orient(double ax, double ay, double bx, double by, double cx, double cy,
                                bool *shaky) {
  double l = (bx - ax) * (cy - ay), r = (by - ay) * (cx - ax);
  double d = l - r;
  if (d != 0 && fabs(d) <= 1e-12 * (fabs(l) + fabs(r))) *shaky = true;
  return d;
}

/* Crossing number of (x, y) in the candidate's rings (even-odd). */
static bool wkb_pip(const wring_t *rings, size_t nr, double x, double y) {
  bool in = false;
  for (size_t r = 0; r < nr; r++) {
    const wring_t *w = &rings[r];
    double px, py;
    if (w->n == 0) continue;
    wxy(w, w->n - 1, &px, &py);
    for (uint32_t i = 0; i < w->n; i++) {
      double qx, qy;
      wxy(w, i, &qx, &qy);
      if ((qy > y) != (py > y) && x < (px - qx) * (y - qy) / (py - qy) + qx) in = !in;
      px = qx, py = qy;
    }
  }
  return in;
}

static bool ovl_pip(lg_geo_t *g, const lg_ovl_t *o, double x, double y) {
  if (x < o->env.minx || x > o->env.maxx || y < o->env.miny || y > o->env.maxy) return false;
  GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g->h, x, y);
  bool in = GEOSPreparedIntersects_r(g->h, o->prep, pt) == 1;
  GEOSGeom_destroy_r(g->h, pt);
  return in;
}

static bool env_within(const lg_env_t *a, const lg_env_t *b) {
  return a->minx >= b->minx && a->maxx <= b->maxx && a->miny >= b->miny && a->maxy <= b->maxy;
}

int lg_ovl_classify(lg_geo_t *g, lg_ovl_t *o, const void *wkb, size_t n) {
  wring_vec_t rings = {0};
  const unsigned char *p = wkb;
  int result = LG_OVL_UNKNOWN;
  unsigned char *contact = NULL, *bshared = NULL;
  size_t *bstart = NULL;
  if (wkb_rings(&p, (const unsigned char *)wkb + n, 0, &rings) != 0 || rings.len == 0) goto out;
  lg_env_t be = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  size_t nbseg = 0;
  bstart = lg_malloc(sizeof(size_t) * (rings.len + 1));
  for (size_t r = 0; r < rings.len; r++) {
    bstart[r] = nbseg;
    for (uint32_t i = 0; i < rings.items[r].n; i++) {
      double x, y;
      wxy(&rings.items[r], i, &x, &y);
      be.minx = fmin(be.minx, x), be.maxx = fmax(be.maxx, x);
      be.miny = fmin(be.miny, y), be.maxy = fmax(be.maxy, y);
    }
    nbseg += rings.items[r].n ? rings.items[r].n - 1 : 0;
  }
  bstart[rings.len] = nbseg;
  if (be.minx > o->env.maxx || be.maxx < o->env.minx || be.miny > o->env.maxy ||
      be.maxy < o->env.miny) {
    result = LG_OVL_DISJOINT;
    goto out;
  }
  contact = lg_calloc(rings.len, 1);
  bshared = lg_calloc(nbseg ? nbseg : 1, 1);
  if (++o->qstamp == 0) o->qstamp = 1; /* a wrap would only cost a false "seen" */
  uint32_t q = o->qstamp;
  o->shared_count = 0;

  /* 1. Every candidate segment against the polygon's segments nearby. */
  for (size_t r = 0; r < rings.len; r++) {
    const wring_t *w = &rings.items[r];
    for (uint32_t i = 0; i + 1 < w->n; i++) {
      double px, py, qx, qy;
      wxy(w, i, &px, &py);
      wxy(w, i + 1, &qx, &qy);
      if (px == qx && py == qy) {
        bshared[bstart[r] + i] = 1; /* a repeated point: no edge */
        continue;
      }
      double sminx = fmin(px, qx), smaxx = fmax(px, qx), sminy = fmin(py, qy), smaxy = fmax(py, qy);
      if (sminx > o->env.maxx || smaxx < o->env.minx || sminy > o->env.maxy || smaxy < o->env.miny)
        continue;
      if (++o->stamp == 0) o->stamp = 1;
      int cx0 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((sminx - o->x0) / o->cw)));
      int cx1 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((smaxx - o->x0) / o->cw)));
      int cy0 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((sminy - o->y0) / o->ch)));
      int cy1 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((smaxy - o->y0) / o->ch)));
      for (int cy = cy0; cy <= cy1; cy++)
        for (int cx = cx0; cx <= cx1; cx++) {
          size_t c = (size_t)cy * o->gx + cx;
          for (uint32_t k = o->cell_start[c]; k < o->cell_start[c + 1]; k++) {
            uint32_t si = o->cell_items[k];
            if (o->seen[si] == o->stamp) continue;
            o->seen[si] = o->stamp;
            const ovl_seg_t *a = &o->segs[si];
            if (fmax(a->ax, a->bx) < sminx || fmin(a->ax, a->bx) > smaxx ||
                fmax(a->ay, a->by) < sminy || fmin(a->ay, a->by) > smaxy)
              continue;
            bool same_fwd = a->ax == px && a->ay == py && a->bx == qx && a->by == qy;
            bool same_rev = a->ax == qx && a->ay == qy && a->bx == px && a->by == py;
            if (same_fwd || same_rev) {
              bshared[bstart[r] + i] = 1;
              if (o->shared[si] != q) {
                o->shared[si] = q;
                o->shared_count++;
              }
              contact[r] = 1;
              o->ring_contact[a->ring] = q;
              continue;
            }
            bool shaky = false;
            double o1 = ovl_orient(a->ax, a->ay, a->bx, a->by, px, py, &shaky);
            double o2 = ovl_orient(a->ax, a->ay, a->bx, a->by, qx, qy, &shaky);
            double o3 = ovl_orient(px, py, qx, qy, a->ax, a->ay, &shaky);
            double o4 = ovl_orient(px, py, qx, qy, a->bx, a->by, &shaky);
            if (shaky) goto out; /* unknown */
            if (((o1 < 0 && o2 > 0) || (o1 > 0 && o2 < 0)) &&
                ((o3 < 0 && o4 > 0) || (o3 > 0 && o4 < 0))) {
              result = LG_OVL_OVERLAP; /* a proper crossing */
              goto out;
            }
            bool shares = (a->ax == px && a->ay == py) || (a->ax == qx && a->ay == qy) ||
                          (a->bx == px && a->by == py) || (a->bx == qx && a->by == qy);
            if (o1 == 0 && o2 == 0) {
              /* Collinear: fine only when they meet at a shared end and
               * do not overlap along the line. */
              if (!shares) {
                if (fmax(sminx, fmin(a->ax, a->bx)) <= fmin(smaxx, fmax(a->ax, a->bx)) &&
                    fmax(sminy, fmin(a->ay, a->by)) <= fmin(smaxy, fmax(a->ay, a->by)))
                  goto out;
                continue;
              }
              double dx = qx - px, dy = qy - py;
              double ta = (a->ax - px) * dx + (a->ay - py) * dy,
                     tb = (a->bx - px) * dx + (a->by - py) * dy;
              double len = dx * dx + dy * dy;
              if ((ta > 0 && ta < len) || (tb > 0 && tb < len) ||
                  (fmin(ta, tb) < 0 && fmax(ta, tb) > len))
                goto out;
              double ex = a->bx - a->ax, ey = a->by - a->ay;
              double sa = (px - a->ax) * ex + (py - a->ay) * ey,
                     sb = (qx - a->ax) * ex + (qy - a->ay) * ey;
              double la = ex * ex + ey * ey;
              if ((sa > 0 && sa < la) || (sb > 0 && sb < la)) goto out;
              contact[r] = 1;
              o->ring_contact[a->ring] = q;
              continue;
            }
            if (shares) {
              contact[r] = 1;
              o->ring_contact[a->ring] = q;
              continue;
            }
            /* An end of one on the other's line, inside its extent: a
             * T-junction, which only GEOS sorts out. */
            if ((o1 == 0 && px >= fmin(a->ax, a->bx) && px <= fmax(a->ax, a->bx) &&
                 py >= fmin(a->ay, a->by) && py <= fmax(a->ay, a->by)) ||
                (o2 == 0 && qx >= fmin(a->ax, a->bx) && qx <= fmax(a->ax, a->bx) &&
                 qy >= fmin(a->ay, a->by) && qy <= fmax(a->ay, a->by)) ||
                (o3 == 0 && a->ax >= sminx && a->ax <= smaxx && a->ay >= sminy && a->ay <= smaxy) ||
                (o4 == 0 && a->bx >= sminx && a->bx <= smaxx && a->by >= sminy && a->by <= smaxy))
              goto out;
          }
        }
    }
  }

  /* 2. Which side of the polygon is each part of the candidate's boundary
   * on? Boundaries meet only at shared vertices and edges now, so a ring
   * that met nothing is wholly in or out, and an unshared edge's midpoint
   * tells its side. */
  bool b_in = false, b_out = !env_within(&be, &o->env), b_any = false;
  for (size_t r = 0; r < rings.len; r++) {
    const wring_t *w = &rings.items[r];
    if (w->n < 4) goto out;
    if (!contact[r]) {
      double x, y;
      wxy(w, 0, &x, &y);
      if (ovl_pip(g, o, x, y))
        b_in = true;
      else
        b_out = true;
      b_any = true;
      continue;
    }
    for (uint32_t i = 0; i + 1 < w->n; i++) {
      if (bshared[bstart[r] + i]) continue;
      double px, py, qx, qy;
      wxy(w, i, &px, &py);
      wxy(w, i + 1, &qx, &qy);
      b_any = true;
      if (ovl_pip(g, o, (px + qx) / 2, (py + qy) / 2))
        b_in = true;
      else
        b_out = true;
      if (b_in && b_out) break;
    }
    if (b_in && b_out) break;
  }
  if (b_in && b_out) {
    result = LG_OVL_OVERLAP;
    goto out;
  }
  if (!b_any) {
    /* Every candidate edge is one of the polygon's: the same ring(s) when
     * the polygon has no other edge. */
    if (o->shared_count == o->nsegs) result = LG_OVL_COVERED;
    goto out;
  }
  /* 3. The polygon's boundary near the candidate, against the candidate. */
  bool a_in = false, a_out = !env_within(&o->env, &be);
  if (++o->stamp == 0) o->stamp = 1;
  int cx0 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((be.minx - o->x0) / o->cw)));
  int cx1 = LG_MAX(0, LG_MIN(o->gx - 1, (int)((be.maxx - o->x0) / o->cw)));
  int cy0 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((be.miny - o->y0) / o->ch)));
  int cy1 = LG_MAX(0, LG_MIN(o->gy - 1, (int)((be.maxy - o->y0) / o->ch)));
  for (int cy = cy0; cy <= cy1 && !(a_in && a_out); cy++)
    for (int cx = cx0; cx <= cx1 && !(a_in && a_out); cx++) {
      size_t c = (size_t)cy * o->gx + cx;
      for (uint32_t k = o->cell_start[c]; k < o->cell_start[c + 1]; k++) {
        uint32_t si = o->cell_items[k];
        if (o->seen[si] == o->stamp) continue;
        o->seen[si] = o->stamp;
        const ovl_seg_t *a = &o->segs[si];
        if (o->ring_contact[a->ring] != q) {
          if (o->ring_tested[a->ring] == q) continue;
          o->ring_tested[a->ring] = q;
          if (wkb_pip(rings.items, rings.len, o->ring_pt[2 * a->ring], o->ring_pt[2 * a->ring + 1]))
            a_in = true;
          else
            a_out = true;
          continue;
        }
        if (o->shared[si] == q) continue;
        if (fmax(a->ax, a->bx) < be.minx || fmin(a->ax, a->bx) > be.maxx ||
            fmax(a->ay, a->by) < be.miny || fmin(a->ay, a->by) > be.maxy) {
          a_out = true;
          continue;
        }
        if (wkb_pip(rings.items, rings.len, (a->ax + a->bx) / 2, (a->ay + a->by) / 2))
          a_in = true;
        else
          a_out = true;
        if (a_in && a_out) break;
      }
    }
  if (a_in && a_out)
    result = LG_OVL_OVERLAP;
  else if (b_in && !a_in)
    result = LG_OVL_COVERED;
  else if (b_in)
    result = LG_OVL_OVERLAP;
  else if (a_in)
    result = LG_OVL_CONTAINS;
  else
    result = LG_OVL_DISJOINT;
out:
  lg_free(rings.items);
  lg_free(contact);
  lg_free(bshared);
  lg_free(bstart);
  return result;
}

/* ---- Intersection areas without GEOS -------------------------------------
 * Coordinates are taken relative to the polygon's envelope corner, which
 * keeps Gauss-Kruger eastings (tens of millions of metres) from eating
 * the digits the products need. */

#define OVL_TRI_MAX 512

static double tri_orient(const double *a, const double *b, const double *c) {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

static bool in_triangle(const double *a, const double *b, const double *c, const double *p) {
  return tri_orient(a, b, p) >= 0 && tri_orient(b, c, p) >= 0 && tri_orient(c, a, p) >= 0;
}

/* Ear clipping of the polygon's one ring; false when it has holes or
 * parts, too many points, or the triangles do not add up to its area. */
static bool ovl_triangulate(lg_ovl_t *o) {
  if (o->nrings != 1 || o->nsegs < 3 || o->nsegs > OVL_TRI_MAX) return false;
  size_t n = o->nsegs;
  double *pt = lg_malloc(sizeof(double) * 2 * n);
  for (size_t i = 0; i < n; i++) {
    pt[2 * i] = o->segs[i].ax - o->x0;
    pt[2 * i + 1] = o->segs[i].ay - o->y0;
  }
  double area = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = (i + 1) % n;
    area += pt[2 * i] * pt[2 * j + 1] - pt[2 * j] * pt[2 * i + 1];
  }
  size_t *idx = lg_malloc(sizeof(size_t) * n);
  for (size_t i = 0; i < n; i++)
    idx[i] = area > 0 ? i : n - 1 - i; /* counter-clockwise */
  o->tri = lg_malloc(sizeof(double) * 6 * n);
  o->ntri = 0;
  size_t m = n;
  bool ok = true;
  while (m > 3 && ok) {
    bool cut = false;
    for (size_t k = 0; k < m && !cut; k++) {
      const double *a = pt + 2 * idx[(k + m - 1) % m], *b = pt + 2 * idx[k],
                   *c = pt + 2 * idx[(k + 1) % m];
      if (tri_orient(a, b, c) < 0) continue; /* reflex */
      bool empty = true;
      for (size_t q = 0; q < m && empty; q++) {
        if (q == k || q == (k + m - 1) % m || q == (k + 1) % m) continue;
        const double *p = pt + 2 * idx[q];
        if ((p[0] == a[0] && p[1] == a[1]) || (p[0] == c[0] && p[1] == c[1])) continue;
        if (in_triangle(a, b, c, p)) empty = false;
      }
      if (!empty) continue;
      double *t = o->tri + 6 * o->ntri++;
      t[0] = a[0], t[1] = a[1], t[2] = b[0], t[3] = b[1], t[4] = c[0], t[5] = c[1];
      memmove(idx + k, idx + k + 1, sizeof(size_t) * (m - k - 1));
      m--;
      cut = true;
    }
    ok = cut;
  }
  if (ok) {
    double *t = o->tri + 6 * o->ntri++;
    for (int v = 0; v < 3; v++)
      t[2 * v] = pt[2 * idx[v]], t[2 * v + 1] = pt[2 * idx[v] + 1];
    double sum = 0;
    for (size_t i = 0; i < o->ntri; i++)
      sum += tri_orient(o->tri + 6 * i, o->tri + 6 * i + 2, o->tri + 6 * i + 4);
    ok = fabs(sum - fabs(area)) <= 1e-9 * fabs(area);
  }
  lg_free(idx);
  lg_free(pt);
  if (!ok) {
    lg_free(o->tri);
    o->tri = NULL;
    o->ntri = 0;
  }
  return ok;
}

/* Sutherland-Hodgman: the ring in[0..n) (open) clipped to the left of
 * a->b, into out; returns the count. */
static size_t clip_half(const double *in, size_t n, const double *a, const double *b, double *out) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const double *p = in + 2 * i, *q = in + 2 * ((i + 1) % n);
    double dp = tri_orient(a, b, p), dq = tri_orient(a, b, q);
    if (dp >= 0) out[2 * k] = p[0], out[2 * k + 1] = p[1], k++;
    if ((dp > 0 && dq < 0) || (dp < 0 && dq > 0)) {
      double t = dp / (dp - dq);
      out[2 * k] = p[0] + t * (q[0] - p[0]);
      out[2 * k + 1] = p[1] + t * (q[1] - p[1]);
      k++;
    }
  }
  return k;
}

static double ring_area2(const double *p, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = (i + 1) % n;
    s += p[2 * i] * p[2 * j + 1] - p[2 * j] * p[2 * i + 1];
  }
  return s;
}

bool lg_ovl_overlap_area(lg_ovl_t *o, const void *wkb, size_t n, double *area) {
  if (o->tri_state == 0) o->tri_state = ovl_triangulate(o) ? 1 : -1;
  if (o->tri_state < 0) return false;
  wring_vec_t rings = {0};
  const unsigned char *p = wkb;
  if (wkb_rings(&p, (const unsigned char *)wkb + n, 0, &rings) != 0 || rings.len == 0) {
    lg_free(rings.items);
    return false;
  }
  /* Holes subtract whatever their orientation. */
  double total = 0;
  size_t cap = 0;
  double *buf = NULL, *tmp = NULL;
  for (size_t r = 0; r < rings.len; r++) {
    const wring_t *w = &rings.items[r];
    if (w->n < 4) continue;
    size_t m = w->n - 1;
    /* Each half-plane can turn k points into at most 3k/2 (alternating
     * in and out): after three, under 3.4 m. */
    if (cap < 4 * (m + 8)) {
      cap = 4 * (m + 8);
      buf = lg_realloc(buf, sizeof(double) * 2 * cap);
      tmp = lg_realloc(tmp, sizeof(double) * 2 * cap);
    }
    double *ring = lg_malloc(sizeof(double) * 2 * m);
    for (uint32_t i = 0; i < m; i++) {
      double x, y;
      wxy(w, i, &x, &y);
      ring[2 * i] = x - o->x0, ring[2 * i + 1] = y - o->y0;
    }
    double own = ring_area2(ring, m);
    double sign = (own >= 0 ? 1 : -1) * (w->shell ? 1 : -1);
    double ring_total = 0;
    for (size_t t = 0; t < o->ntri; t++) {
      const double *tv = o->tri + 6 * t;
      size_t k = m;
      memcpy(buf, ring, sizeof(double) * 2 * m);
      for (int e = 0; e < 3 && k > 0; e++) {
        size_t k2 = clip_half(buf, k, tv + 2 * e, tv + 2 * ((e + 1) % 3), tmp);
        double *sw = buf;
        buf = tmp, tmp = sw;
        k = k2;
      }
      if (k >= 3) ring_total += ring_area2(buf, k);
    }
    total += sign * ring_total / 2;
    lg_free(ring);
  }
  lg_free(buf);
  lg_free(tmp);
  lg_free(rings.items);
  *area = fmax(0, total);
  return true;
}
