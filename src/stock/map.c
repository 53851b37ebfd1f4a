/*
 * The stock on the map. lg_stock_map_geojson serves the web page's map:
 * approvals, supplies or the unsupplied remainders in view, each with its
 * status as of the asked day (computed, as the ledgers are). lg_stock_refresh
 * writes those statuses into the layers themselves (status, status_title,
 * status_as_of) and the remainders into stock_unsupplied, so that the One
 * Map and QGIS, which read the layers as they are, show the stock as of
 * the last refresh (the date is in each feature).
 *
 * Approval statuses: unsupplied (未供应), partial (部分供应), supplied
 * (已全部供应), revoked (已撤销批文); supplies: the six of Order 53.
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onemap/onemap.h"

static const char *approval_status(const stk_approval_t *a) {
  if (a->revoked_on != LG_STOCK_NODATE) return "revoked";
  if (a->unsupplied_m2 <= 0) return "supplied";
  if (a->unsupplied_m2 < a->area_m2 - 1e-6) return "partial";
  return "unsupplied";
}

static const char *approval_status_title(const char *s) {
  return !strcmp(s, "revoked")    ? "已撤销批文"
         : !strcmp(s, "supplied") ? "已全部供应"
         : !strcmp(s, "partial")  ? "部分供应"
                                  : "未供应";
}

/* The remainder of an approval: its boundary minus the supplies
 * contracted up to the day (GEOS: a geometry is wanted, not an area). */
static lg_geom_t *stk_remainder(lg_store_t *s, lg_geo_t *g, const lg_geom_t *a, int32_t as_of,
                                lg_err_t *err) {
  lg_env_t env;
  lg_geom_envelope(g, a, &env);
  static const char *const cols[] = {"contract_on", NULL};
  lg_read_opts_t o = {.bbox = &env, .columns = cols};
  lg_store_reader_t *r = NULL;
  if (lg_store_reader_new(s, STK_SUPPLIES, &o, &r, err) != 0) return NULL;
  char day[11];
  lg_date_format(as_of, day);
  LG_VEC(lg_geom_t *) parts = {0};
  while (lg_store_reader_next(r, err) == 1) {
    const char *c = lg_store_reader_text(r, 0);
    if (!c || strcmp(c, day) > 0) continue;
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    lg_geom_t *p = blob ? lg_geom_from_gpkg(g, blob, n, NULL) : NULL;
    if (p && lg_geom_intersects(g, a, p))
      lg_vec_push(&parts, p);
    else
      lg_geom_free(g, p);
  }
  lg_store_reader_free(r);
  if (!parts.len) {
    lg_free(parts.items);
    return lg_geom_clone(g, a);
  }
  lg_geom_t *coll = lg_geom_collect(g, parts.items, parts.len);
  lg_free(parts.items);
  lg_geom_t *u = coll ? lg_geom_unary_union(g, coll, err) : NULL;
  lg_geom_t *d = u ? lg_geom_difference(g, a, u, err) : NULL;
  lg_geom_free(g, coll);
  lg_geom_free(g, u);
  lg_geom_t *poly = d ? lg_geom_polygonal(g, d) : NULL;
  lg_geom_free(g, d);
  return poly;
}

typedef struct feat {
  int64_t id;
  json_t *props;
} feat_t;

static int cmp_feat(const void *k, const void *e) {
  int64_t a = *(const int64_t *)k, b = ((const feat_t *)e)->id;
  return a < b ? -1 : a > b;
}

/* Appends a Feature with geom (in the layer's srs) transformed to out_srs. */
static void put_feature(lg_buf_t *out, bool *first, lg_geo_t *g, const lg_geom_t *geom, int srs,
                        int out_srs, const lg_env_t *bbox, int64_t id, const json_t *props) {
  lg_geom_t *t = out_srs && out_srs != srs ? lg_geom_transform(g, geom, srs, out_srs, NULL)
                                           : lg_geom_clone(g, geom);
  if (!t) return;
  if (bbox) {
    lg_env_t e;
    lg_geom_envelope(g, t, &e);
    if (e.minx > bbox->maxx || e.maxx < bbox->minx || e.miny > bbox->maxy || e.maxy < bbox->miny) {
      lg_geom_free(g, t);
      return;
    }
  }
  char *gj = lg_geom_to_geojson(g, t);
  lg_geom_free(g, t);
  if (!gj) return;
  char *pj = json_dumps(props, JSON_COMPACT | JSON_REAL_PRECISION(12));
  lg_buf_printf(out, "%s{\"type\":\"Feature\",\"id\":%lld,\"properties\":%s,\"geometry\":%s}",
                *first ? "" : ",", (long long)id, pj ? pj : "{}", gj);
  *first = false;
  free(pj);
  lg_free(gj);
}

int lg_stock_map_geojson(lg_store_t *s, const char *what, const lg_stock_query_t *q,
                         const lg_env_t *bbox, int out_srs, lg_buf_t *out, lg_err_t *err) {
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  bool approvals = what && !strcmp(what, "approvals");
  bool supplies = what && !strcmp(what, "supplies");
  bool unsup = what && !strcmp(what, "unsupplied");
  if (!approvals && !supplies && !unsup)
    return lg_err_set(err, LG_EINVAL, "地图图层应为 approvals、supplies 或 unsupplied");
  lg_geo_t *g = lg_geo_thread();
  int srs = stk_layer_srs(s, err);
  lg_buf_printf(out,
                "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                "{\"name\":\"urn:ogc:def:crs:EPSG::%d\"}},\"features\":[",
                out_srs ? out_srs : srs);
  if (srs <= 0) {
    lg_buf_puts(out, "]}");
    return 0;
  }
  int32_t as_of = q->as_of ? q->as_of : stk_today();
  lg_stock_query_t q2 = *q;
  q2.as_of = as_of;
  /* Statuses of what the scope holds, by id. */
  LG_VEC(feat_t) fs = {0};
  stk_approvals_t av = {0};
  if (supplies) {
    stk_supplies_t v;
    if ((rc = stk_supplies_load(s, &q2, 0, &v, err))) return rc;
    for (size_t i = 0; i < v.len; i++) {
      const stk_supply_t *p = &v.items[i];
      feat_t f = {p->id,
                  json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:f, s:b}", "id", (json_int_t)p->id,
                            "supervision_no", p->no, "project", p->project, "holder", p->holder,
                            "status", p->v.status, "status_title",
                            stk_title(cfg, "statuses", p->v.status), "area_ha",
                            stk_round(p->declared_m2 / 1e4, 4), "overdue", p->v.overdue)};
      lg_vec_push(&fs, f);
    }
    lg_free(v.items);
  } else {
    if ((rc = stk_approvals_load(s, &q2, 0, &av, NULL, err))) return rc;
    for (size_t i = 0; i < av.len; i++) {
      const stk_approval_t *a = &av.items[i];
      if (unsup && !a->entry.open) continue;
      const char *st = approval_status(a);
      feat_t f = {a->id,
                  json_pack("{s:I, s:s, s:s, s:s, s:s, s:f, s:f, s:i}", "id", (json_int_t)a->id,
                            "approval_no", a->no, "name", a->name, "status", st, "status_title",
                            approval_status_title(st), "approved_ha",
                            stk_round(a->area_m2 / 1e4, 4), "unsupplied_ha",
                            stk_round(a->unsupplied_m2 / 1e4, 4), "age_years", a->age_years)};
      lg_vec_push(&fs, f);
    }
    lg_free(av.items);
  }
  lg_env_t box, *pbox = NULL;
  if (bbox) {
    if (out_srs && out_srs != srs) {
      if ((rc = lg_onemap_env_transform(g, bbox, out_srs, srs, &box, err))) goto done;
    } else {
      box = *bbox;
    }
    pbox = &box;
  }
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.bbox = pbox, .columns = none};
  lg_store_reader_t *r = NULL;
  if ((rc = lg_store_reader_new(s, supplies ? STK_SUPPLIES : STK_APPROVALS, &o, &r, err)))
    goto done;
  bool first = true;
  int step;
  while ((step = lg_store_reader_next(r, err)) == 1) {
    int64_t fid = lg_store_reader_fid(r);
    feat_t *f = bsearch(&fid, fs.items, fs.len, sizeof *fs.items, cmp_feat);
    if (!f) continue;
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    lg_geom_t *geom = blob ? lg_geom_from_gpkg(g, blob, n, NULL) : NULL;
    if (!geom) continue;
    if (unsup) {
      lg_geom_t *rem = stk_remainder(s, g, geom, as_of, err);
      lg_geom_free(g, geom);
      geom = rem;
      if (!geom || lg_geom_is_empty(g, geom)) {
        lg_geom_free(g, geom);
        continue;
      }
    }
    put_feature(out, &first, g, geom, srs, out_srs, bbox, fid, f->props);
    lg_geom_free(g, geom);
  }
  if (step < 0) rc = step;
  lg_store_reader_free(r);
  lg_buf_puts(out, "]}");
done:
  for (size_t i = 0; i < fs.len; i++)
    json_decref(fs.items[i].props);
  lg_free(fs.items);
  return rc;
}

/* ---- Refresh ------------------------------------------------------------------------------ */

static int set_status(lg_store_t *s, const char *layer, int64_t fid, const char *status,
                      const char *title, const char *day, double unsup_ha, lg_err_t *err) {
  char *sql = lg_sprintf(unsup_ha >= 0 ? "UPDATE %s SET status = ?, status_title = ?,"
                                         " status_as_of = ?, unsupplied_ha = ? WHERE fid = ?"
                                       : "UPDATE %s SET status = ?, status_title = ?,"
                                         " status_as_of = ? WHERE fid = ?",
                         layer);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  lg_free(sql);
  if (rc) return rc;
  lg_store_bind_text(st, 1, status);
  lg_store_bind_text(st, 2, title);
  lg_store_bind_text(st, 3, day);
  if (unsup_ha >= 0) {
    lg_store_bind_real(st, 4, unsup_ha);
    lg_store_bind_int(st, 5, fid);
  } else {
    lg_store_bind_int(st, 4, fid);
  }
  return lg_store_run_done(st, "更新存量图层状态失败", err);
}

static int cmp_approval(const void *k, const void *e) {
  int64_t a = *(const int64_t *)k, b = ((const stk_approval_t *)e)->id;
  return a < b ? -1 : a > b;
}

int lg_stock_refresh(lg_store_t *s, int32_t as_of, lg_err_t *err) {
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  int srs = stk_layer_srs(s, err);
  if (srs <= 0) return 0;
  if (!as_of) as_of = stk_today();
  char day[11];
  lg_date_format(as_of, day);
  lg_stock_query_t q = {.scope = "all", .as_of = as_of};
  stk_approvals_t av = {0};
  stk_supplies_t sv = {0};
  if ((rc = stk_approvals_load(s, &q, 0, &av, NULL, err))) return rc;
  if ((rc = stk_supplies_load(s, &q, 0, &sv, err))) {
    lg_free(av.items);
    return rc;
  }
  lg_geo_t *g = lg_geo_thread();
  if ((rc = lg_store_begin(s, err))) goto out;
  for (size_t i = 0; rc == 0 && i < av.len; i++) {
    const char *st = approval_status(&av.items[i]);
    rc = set_status(s, STK_APPROVALS, av.items[i].id, st, approval_status_title(st), day,
                    stk_round(av.items[i].unsupplied_m2 / 1e4, 4), err);
  }
  for (size_t i = 0; rc == 0 && i < sv.len; i++)
    rc = set_status(s, STK_SUPPLIES, sv.items[i].id, sv.items[i].v.status,
                    stk_title(cfg, "statuses", sv.items[i].v.status), day, -1, err);
  /* The remainders, written anew. */
  char *sql = lg_sprintf("DELETE FROM %s", STK_UNSUPPLIED);
  if (rc == 0) rc = lg_store_exec(s, sql, err);
  lg_free(sql);
  lg_store_writer_t *w = NULL;
  if (rc == 0) rc = lg_store_writer_new(s, STK_UNSUPPLIED, &w, err);
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.columns = none};
  lg_store_reader_t *r = NULL;
  if (rc == 0) rc = lg_store_reader_new(s, STK_APPROVALS, &o, &r, err);
  int step = 0;
  while (rc == 0 && (step = lg_store_reader_next(r, err)) == 1) {
    int64_t fid = lg_store_reader_fid(r);
    stk_approval_t *a = bsearch(&fid, av.items, av.len, sizeof *av.items, cmp_approval);
    if (!a || !a->entry.open) continue;
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    lg_geom_t *geom = blob ? lg_geom_from_gpkg(g, blob, n, NULL) : NULL;
    if (!geom) continue;
    lg_geom_t *rem = a->nsupplies ? stk_remainder(s, g, geom, as_of, err) : lg_geom_clone(g, geom);
    lg_geom_free(g, geom);
    if (!rem || lg_geom_is_empty(g, rem)) {
      lg_geom_free(g, rem);
      continue;
    }
    lg_geom_t *m = lg_geom_to_multi(g, rem);
    lg_geom_free(g, rem);
    lg_store_writer_int(w, 0, a->id);
    lg_store_writer_text(w, 1, a->no);
    lg_store_writer_text(w, 2, a->division);
    char ad[11];
    lg_date_format(a->approved_on, ad);
    lg_store_writer_text(w, 3, ad);
    lg_store_writer_real(w, 4, stk_round(a->unsupplied_m2 / 1e4, 4));
    lg_store_writer_int(w, 5, a->age_years);
    const char *st = approval_status(a);
    lg_store_writer_text(w, 6, st);
    lg_store_writer_text(w, 7, approval_status_title(st));
    lg_store_writer_text(w, 8, day);
    rc = lg_store_writer_add(w, g, m, NULL, err);
    lg_geom_free(g, m);
  }
  if (rc == 0 && step < 0) rc = step;
  lg_store_reader_free(r);
  if (rc == 0 && w) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
out:
  lg_free(av.items);
  lg_free(sv.items);
  return rc;
}
