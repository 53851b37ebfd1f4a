/*
 * 批而未供: for each approval, the approved area that no parcel supplied
 * up to the day covers, i.e. area(approval) - area(approval ∩ ∪ supplies).
 *
 * The union is never built when it need not be. Supplies are parcels cut
 * from approved land, surveyed on their own: most lie wholly inside their
 * approval, some cross its edge, few touch each other's interiors. So
 * each candidate (a supply whose box meets the approval's) is classified
 * against the approval by the fast overlay of src/geo (lg_ovl_classify:
 * segment index, no GEOS object built for the candidate): outside counts
 * nothing, inside counts its own area (shoelace on its WKB), containing
 * the approval counts all of it, crossing counts the area of the
 * intersection (lg_ovl_overlap_area: the approval cut into triangles
 * once, the candidate clipped to each); whatever the classifier cannot
 * decide goes to GEOS. The covered area is then the sum over candidates,
 * which is right as long as the contributing supplies do not overlap one
 * another: pairs whose boxes overlap are checked (the classifier again,
 * one against the other), and an approval with an overlapping pair is
 * done wholly in GEOS (the union of its supplies, intersected).
 *
 * Candidates come from an in-memory grid over every supply contracted up
 * to the day (one scan of the supplies layer), or, for a handful of
 * approvals, from the layer's spatial index by box.
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cand {
  int64_t id;
  int32_t contract_on;
  lg_env_t env;
  unsigned char *wkb;
  size_t n;
} cand_t;

typedef LG_VEC(cand_t) cand_vec_t;

/* A uniform grid of the candidates' boxes. */
typedef struct grid {
  double x0, y0, cw, ch;
  int gx, gy;
  uint32_t *start, *items;
  uint32_t *stamp;
  uint32_t q;
} grid_t;

static void grid_cells(const grid_t *G, const lg_env_t *e, int *x0, int *x1, int *y0, int *y1) {
  *x0 = LG_MAX(0, LG_MIN(G->gx - 1, (int)floor((e->minx - G->x0) / G->cw)));
  *x1 = LG_MAX(0, LG_MIN(G->gx - 1, (int)floor((e->maxx - G->x0) / G->cw)));
  *y0 = LG_MAX(0, LG_MIN(G->gy - 1, (int)floor((e->miny - G->y0) / G->ch)));
  *y1 = LG_MAX(0, LG_MIN(G->gy - 1, (int)floor((e->maxy - G->y0) / G->ch)));
}

static void grid_build(grid_t *G, const cand_vec_t *c) {
  memset(G, 0, sizeof *G);
  lg_env_t all = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  double side = 0;
  for (size_t i = 0; i < c->len; i++) {
    const lg_env_t *e = &c->items[i].env;
    all.minx = fmin(all.minx, e->minx), all.miny = fmin(all.miny, e->miny);
    all.maxx = fmax(all.maxx, e->maxx), all.maxy = fmax(all.maxy, e->maxy);
    side += fmax(e->maxx - e->minx, e->maxy - e->miny);
  }
  /* Cells about twice the mean size of a box: few cells per box, few
   * boxes per cell. */
  side = c->len ? fmax(2 * side / (double)c->len, 1e-6) : 1;
  double w = fmax(all.maxx - all.minx, 1e-6), h = fmax(all.maxy - all.miny, 1e-6);
  G->gx = (int)fmin(4096, fmax(1, ceil(w / side)));
  G->gy = (int)fmin(4096, fmax(1, ceil(h / side)));
  G->x0 = all.minx, G->y0 = all.miny;
  G->cw = w / G->gx, G->ch = h / G->gy;
  size_t nc = (size_t)G->gx * (size_t)G->gy;
  G->start = lg_calloc(nc + 1, sizeof(uint32_t));
  uint32_t *fill = lg_calloc(nc, sizeof(uint32_t));
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < c->len; i++) {
      int x0, x1, y0, y1;
      grid_cells(G, &c->items[i].env, &x0, &x1, &y0, &y1);
      for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
          size_t k = (size_t)y * G->gx + x;
          if (pass == 0)
            G->start[k + 1]++;
          else
            G->items[G->start[k] + fill[k]++] = (uint32_t)i;
        }
    }
    if (pass == 0) {
      for (size_t k = 0; k < nc; k++)
        G->start[k + 1] += G->start[k];
      G->items = lg_malloc(sizeof(uint32_t) * (G->start[nc] ? G->start[nc] : 1));
    }
  }
  lg_free(fill);
  G->stamp = lg_calloc(c->len ? c->len : 1, sizeof(uint32_t));
}

static void grid_free(grid_t *G) {
  lg_free(G->start);
  lg_free(G->items);
  lg_free(G->stamp);
}

static bool env_meet(const lg_env_t *a, const lg_env_t *b) {
  return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

/* Interiors of the boxes overlap (boxes that only touch do not). */
static bool env_overlap(const lg_env_t *a, const lg_env_t *b) {
  return a->minx < b->maxx && b->minx < a->maxx && a->miny < b->maxy && b->miny < a->maxy;
}

static void free_cands(cand_vec_t *c) {
  for (size_t i = 0; i < c->len; i++)
    lg_free(c->items[i].wkb);
  lg_free(c->items);
  memset(c, 0, sizeof *c);
}

/* Reads supplies contracted up to the day: all of them, or those in box. */
static int read_supplies(lg_store_t *s, int32_t as_of, const lg_env_t *box, cand_vec_t *out,
                         lg_err_t *err) {
  static const char *const cols[] = {"contract_on", NULL};
  lg_read_opts_t o = {.bbox = box, .columns = cols};
  lg_store_reader_t *r = NULL;
  int rc = lg_store_reader_new(s, STK_SUPPLIES, &o, &r, err);
  if (rc) return rc;
  char day[11];
  lg_date_format(as_of, day);
  int step;
  while ((step = lg_store_reader_next(r, err)) == 1) {
    const char *c = lg_store_reader_text(r, 0);
    if (!c || strcmp(c, day) > 0) continue;
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    const unsigned char *wkb;
    size_t wn;
    int32_t srs;
    lg_env_t env;
    bool empty;
    if (!blob || lg_gpkg_blob_parse(blob, n, &srs, &env, &empty, &wkb, &wn) != 0 || empty) continue;
    if (lg_wkb_envelope(wkb, wn, &env, &empty) != 0 || empty) continue;
    cand_t x = {.id = lg_store_reader_fid(r), .env = env, .n = wn};
    lg_date_parse(c, &x.contract_on, NULL);
    x.wkb = lg_malloc(wn);
    memcpy(x.wkb, wkb, wn);
    lg_vec_push(out, x);
  }
  if (step < 0) rc = step;
  lg_store_reader_free(r);
  return rc;
}

/* The area of a ∩ b in GEOS; -1 on failure. */
static double geos_overlap(lg_geo_t *g, const lg_geom_t *a, const cand_t *c, lg_err_t *err) {
  lg_geom_t *b = lg_geom_from_wkb(g, c->wkb, c->n, err);
  if (!b) return -1;
  lg_geom_t *x = lg_geom_intersection(g, a, b, err);
  lg_geom_free(g, b);
  if (!x) return -1;
  double area = lg_geom_area(g, x);
  lg_geom_free(g, x);
  return area;
}

/* Whether two supplies' interiors overlap: the classifier on one against
 * the other, GEOS when it cannot tell. */
static bool supplies_overlap(lg_geo_t *g, const cand_t *a, const cand_t *b) {
  lg_geom_t *ga = lg_geom_from_wkb(g, a->wkb, a->n, NULL);
  if (!ga) return true;
  lg_ovl_t *o = lg_ovl_new(g, ga);
  int cls = o ? lg_ovl_classify(g, o, b->wkb, b->n) : LG_OVL_UNKNOWN;
  lg_ovl_free(g, o);
  bool over = cls != LG_OVL_DISJOINT;
  if (cls == LG_OVL_UNKNOWN) {
    double area = geos_overlap(g, ga, b, NULL);
    over = area != 0;
  }
  lg_geom_free(g, ga);
  return over;
}

typedef struct contrib {
  size_t cand;
  double m2;
} contrib_t;

/* The covered area of one approval. */
static int cover_one(lg_geo_t *g, const lg_geom_t *ageom, const cand_t *cands, const uint32_t *idx,
                     size_t nidx, stk_approval_t *a, lg_stock_unsupplied_stats_t *st,
                     lg_err_t *err) {
  lg_ovl_t *o = lg_ovl_new(g, ageom);
  if (!o) {
    a->area_m2 = 0;
    a->covered_m2 = 0;
    return 0;
  }
  double area = lg_ovl_area(o);
  LG_VEC(contrib_t) cs = {0};
  int rc = 0;
  lg_env_t aenv;
  lg_geom_envelope(g, ageom, &aenv);
  for (size_t k = 0; k < nidx; k++) {
    const cand_t *c = &cands[idx[k]];
    if (!env_meet(&c->env, &aenv)) continue;
    st->candidates++;
    double m2 = 0;
    int cls = lg_ovl_classify(g, o, c->wkb, c->n);
    switch (cls) {
    case LG_OVL_DISJOINT:
      st->fast++;
      break;
    case LG_OVL_COVERED:
      st->fast++;
      if (lg_wkb_area(c->wkb, c->n, &m2) != 0) m2 = 0;
      break;
    case LG_OVL_CONTAINS:
      st->fast++;
      m2 = area;
      break;
    case LG_OVL_OVERLAP:
      if (lg_ovl_overlap_area(o, c->wkb, c->n, &m2)) {
        st->fast++;
        break;
      }
      /* fall through */
    default:
      st->geos++;
      m2 = geos_overlap(g, ageom, c, err);
      if (m2 < 0) rc = err && err->code ? err->code : LG_EGEOM;
      break;
    }
    if (rc) break;
    if (m2 > 0) {
      contrib_t x = {idx[k], m2};
      lg_vec_push(&cs, x);
    }
  }
  bool overlapping = false;
  for (size_t i = 0; rc == 0 && i < cs.len && !overlapping; i++)
    for (size_t j = i + 1; j < cs.len && !overlapping; j++)
      if (env_overlap(&cands[cs.items[i].cand].env, &cands[cs.items[j].cand].env) &&
          supplies_overlap(g, &cands[cs.items[i].cand], &cands[cs.items[j].cand]))
        overlapping = true;
  double covered = 0;
  if (rc == 0 && overlapping) {
    /* The union of this approval's supplies, then the intersection. */
    st->geos++;
    lg_geom_t **parts = lg_malloc(sizeof(lg_geom_t *) * cs.len);
    size_t np = 0;
    for (size_t i = 0; i < cs.len; i++) {
      lg_geom_t *p =
          lg_geom_from_wkb(g, cands[cs.items[i].cand].wkb, cands[cs.items[i].cand].n, err);
      if (p) parts[np++] = p;
    }
    lg_geom_t *coll = lg_geom_collect(g, parts, np);
    lg_free(parts);
    lg_geom_t *u = coll ? lg_geom_unary_union(g, coll, err) : NULL;
    lg_geom_t *x = u ? lg_geom_intersection(g, ageom, u, err) : NULL;
    if (!x)
      rc = err && err->code ? err->code : LG_EGEOM;
    else
      covered = lg_geom_area(g, x);
    lg_geom_free(g, x);
    lg_geom_free(g, u);
    lg_geom_free(g, coll);
  } else {
    for (size_t i = 0; i < cs.len; i++)
      covered += cs.items[i].m2;
  }
  a->nsupplies = (int)cs.len;
  a->last_supply_on = LG_STOCK_NODATE;
  for (size_t i = 0; i < cs.len; i++) {
    int32_t d = cands[cs.items[i].cand].contract_on;
    if (a->last_supply_on == LG_STOCK_NODATE || d > a->last_supply_on) a->last_supply_on = d;
  }
  a->area_m2 = area;
  a->covered_m2 = fmin(area, covered);
  lg_free(cs.items);
  lg_ovl_free(g, o);
  return rc;
}

static int cmp_approval_id(const void *key, const void *elem) {
  int64_t k = *(const int64_t *)key, e = ((const stk_approval_t *)elem)->id;
  return k < e ? -1 : k > e;
}

/* Fills area_m2, covered_m2, nsupplies and last_supply_on of every
 * approval of v (sorted by id) as of the day. */
static int compute(lg_store_t *s, int32_t as_of, stk_approvals_t *v,
                   lg_stock_unsupplied_stats_t *st, lg_err_t *err) {
  double t0 = lg_mono();
  lg_geo_t *g = lg_geo_thread();
  cand_vec_t cands = {0};
  grid_t G = {0};
  bool few = v->len <= 16;
  int rc = 0;
  if (!few) {
    if ((rc = read_supplies(s, as_of, NULL, &cands, err))) goto done;
    grid_build(&G, &cands);
  }
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.columns = none};
  if (few && v->len == 1) o.fid = v->items[0].id;
  lg_store_reader_t *r = NULL;
  if ((rc = lg_store_reader_new(s, STK_APPROVALS, &o, &r, err))) goto done;
  int step;
  LG_VEC(uint32_t) idx = {0};
  while ((step = lg_store_reader_next(r, err)) == 1) {
    int64_t fid = lg_store_reader_fid(r);
    stk_approval_t *a = bsearch(&fid, v->items, v->len, sizeof *v->items, cmp_approval_id);
    if (!a) continue;
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    lg_geom_t *geom = blob ? lg_geom_from_gpkg(g, blob, n, err) : NULL;
    if (!geom) continue;
    lg_env_t env;
    lg_geom_envelope(g, geom, &env);
    idx.len = 0;
    if (few) {
      free_cands(&cands);
      if ((rc = read_supplies(s, as_of, &env, &cands, err)) == 0)
        for (size_t i = 0; i < cands.len; i++)
          lg_vec_push(&idx, (uint32_t)i);
    } else if (cands.len) {
      if (++G.q == 0) G.q = 1;
      int x0, x1, y0, y1;
      grid_cells(&G, &env, &x0, &x1, &y0, &y1);
      for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
          size_t k = (size_t)y * G.gx + x;
          for (uint32_t j = G.start[k]; j < G.start[k + 1]; j++) {
            uint32_t ci = G.items[j];
            if (G.stamp[ci] == G.q) continue;
            G.stamp[ci] = G.q;
            lg_vec_push(&idx, ci);
          }
        }
    }
    if (rc == 0) rc = cover_one(g, geom, cands.items, idx.items, idx.len, a, st, err);
    lg_geom_free(g, geom);
    st->approvals++;
    if (rc) break;
  }
  if (rc == 0 && step < 0) rc = step;
  lg_free(idx.items);
  lg_store_reader_free(r);
done:
  grid_free(&G);
  free_cands(&cands);
  st->seconds += lg_mono() - t0;
  return rc;
}

int stk_approvals_load(lg_store_t *s, const lg_stock_query_t *q, int64_t id, stk_approvals_t *out,
                       lg_stock_unsupplied_stats_t *stats, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  lg_stock_unsupplied_stats_t local = {0};
  if (!stats) stats = &local;
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  if (stk_layer_srs(s, err) <= 0) return 0; /* nothing recorded yet */
  int32_t as_of = q->as_of ? q->as_of : stk_today();
  char day[11];
  lg_date_format(as_of, day);
  lg_stmt_t *st;
  rc = lg_store_prepare(
      s,
      "SELECT a.id, a.approval_no, a.name, a.kind, a.division, a.approved_on,"
      " coalesce(a.declared_m2, 0), a.area_m2, a.source, coalesce(a.case_id, 0),"
      " (SELECT min(x.acted_on) FROM lg_stock_acts x WHERE x.object_type = 'approval'"
      "  AND x.object_id = a.id AND x.act = 'revoke' AND x.acted_on <= ?4)"
      " FROM lg_stock_approvals a WHERE " STK_SCOPE_SQL(
          "a.division") " AND a.approved_on <= ?4 AND (?5 = 0 OR a.id = ?5)"
                        " AND (?6 = '' OR a.approval_no LIKE '%' || ?6 || '%' OR a.name LIKE '%' "
                        "|| ?6 || '%')"
                        " ORDER BY a.id",
      &st, err);
  if (rc) return rc;
  stk_bind_scope(st, q);
  lg_store_bind_text(st, 4, day);
  lg_store_bind_int(st, 5, id);
  lg_store_bind_text(st, 6, q->q ? q->q : "");
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    stk_approval_t a;
    memset(&a, 0, sizeof a);
    a.id = lg_store_col_int(st, 0);
    snprintf(a.no, sizeof a.no, "%s", lg_store_col_text(st, 1));
    snprintf(a.name, sizeof a.name, "%s", lg_store_col_text(st, 2));
    snprintf(a.kind, sizeof a.kind, "%s", lg_store_col_text(st, 3));
    snprintf(a.division, sizeof a.division, "%s", lg_store_col_text(st, 4));
    a.approved_on = stk_col_date(st, 5);
    a.declared_m2 = lg_store_col_real(st, 6);
    a.area_m2 = lg_store_col_real(st, 7);
    snprintf(a.source, sizeof a.source, "%s", lg_store_col_text(st, 8));
    a.case_id = lg_store_col_int(st, 9);
    a.revoked_on = stk_col_date(st, 10);
    lg_vec_push(out, a);
  }
  if (step < 0) rc = lg_store_fail(s, err, "读取批准用地失败");
  lg_store_done(st);
  if (rc || out->len == 0) return rc;
  if ((rc = compute(s, as_of, out, stats, err))) return rc;
  double min_m2 = stk_cfg_num(cfg, "unsupplied.min_m2", 1.0);
  for (size_t i = 0; i < out->len; i++) {
    stk_approval_t *a = &out->items[i];
    a->unsupplied_m2 = fmax(0, a->area_m2 - a->covered_m2);
    if (a->unsupplied_m2 < min_m2) a->unsupplied_m2 = 0;
    a->age_years = stk_full_years(a->approved_on, as_of);
    stats->approved_m2 += a->area_m2;
    stats->unsupplied_m2 += a->revoked_on == LG_STOCK_NODATE ? a->unsupplied_m2 : 0;
    lg_stock_entry_t *e = &a->entry;
    memset(e, 0, sizeof *e);
    e->listed = e->open = true;
    e->opened_on = a->approved_on;
    e->struck_on = e->deadline = LG_STOCK_NODATE;
    if (a->revoked_on != LG_STOCK_NODATE) {
      e->open = false;
      snprintf(e->struck_act, sizeof e->struck_act, "revoke");
      e->struck_on = a->revoked_on;
    } else if (a->unsupplied_m2 <= 0) {
      e->open = false;
      snprintf(e->struck_act, sizeof e->struck_act, "supply");
      e->struck_on = a->last_supply_on;
    }
  }
  return 0;
}
