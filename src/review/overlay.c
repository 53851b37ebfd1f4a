/*
 * The checker and the overlay of one layer, the first half of the
 * compliance check (check.c holds its stages). A checker is made once
 * per store and rule set: it lists the polygon layers, finds their class
 * and ownership fields, and prepares each layer's box query through its
 * spatial index (the GeoPackage R-tree or PostGIS's GiST), so that a check
 * pays for no SQL compilation.
 *
 * The overlay reads the features in the boundary's envelope and
 * classifies each straight from its WKB (lg_ovl_classify): one wholly
 * inside counts its own area, one that only touches or misses the
 * boundary counts none, one containing the boundary counts the
 * boundary's area, and only the ones crossing its edge are measured, by
 * clipping them to the boundary's triangles (lg_ovl_overlap_area) or, for
 * boundaries with holes or hundreds of points, built in GEOS and
 * intersected.
 */
#include "review/review_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_polygonal_type(const char *t) {
  char up[64];
  size_t i = 0;
  for (; t[i] && i + 1 < sizeof up; i++)
    up[i] = (char)toupper((unsigned char)t[i]);
  up[i] = '\0';
  return strstr(up, "POLYGON") || strcmp(up, "GEOMETRY") == 0 ||
         strcmp(up, "GEOMETRYCOLLECTION") == 0 || strstr(up, "SURFACE");
}

static bool has_field(lg_store_t *s, const char *layer, const char *field) {
  lg_field_t *f;
  size_t n;
  if (!field || !*field || lg_store_layer_fields(s, layer, &f, &n, NULL) != 0) return false;
  bool found = false;
  for (size_t i = 0; i < n; i++)
    if (strcasecmp(f[i].name, field) == 0) found = true;
  lg_store_fields_free(f, n);
  return found;
}

/* The box query reads the feature table through its spatial index (the
 * GeoPackage R-tree, or PostGIS's GiST), made once per checker so that a
 * check pays for no SQL compilation: each check rewinds it with its box. */
static int prepare_layer(lg_checker_t *c, lg_clayer_t *L, const char *own_field, lg_err_t *err) {
  const char *cols[3] = {NULL, NULL, NULL};
  int k = 0;
  L->class_col = L->own_col = -1;
  if (L->has_class) cols[L->class_col = k++] = L->info.class_field;
  if (L->has_own) cols[L->own_col = k++] = own_field;
  lg_env_t none = {0, 0, 0, 0};
  lg_read_opts_t o = {.bbox = &none, .columns = cols};
  int rc = lg_store_reader_new(c->s, L->info.name, &o, &L->q, err);
  if (rc) lg_err_prefix(err, "图层 %s 的空间查询: ", L->info.name);
  return rc;
}

int lg_review_checker_new(lg_store_t *s, const lg_rules_t *rules, lg_checker_t **out,
                          lg_err_t *err) {
  *out = NULL;
  lg_layer_info_t *infos = NULL;
  size_t n = 0;
  int rc = lg_store_layers(s, &infos, &n, err);
  if (rc) return rc;
  lg_checker_t *c = lg_calloc(1, sizeof *c);
  c->s = s;
  c->rules = rules;
  c->layers = lg_calloc(n ? n : 1, sizeof *c->layers);
  c->skipped = json_array();
  c->landuse = c->plan = -1;
  lg_geo_t *g = lg_geo_thread();
  const char *own =
      json_string_value(lg_rules_get(rules, "authority.expropriation.ownership_field"));
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (!is_polygonal_type(infos[i].geom_type)) {
      json_array_append_new(c->skipped,
                            json_pack("{s:s, s:s, s:s}", "layer", infos[i].name, "geometry_type",
                                      infos[i].geom_type, "reason", "不是面图层, 不参与叠加"));
      lg_store_layer_info_fini(&infos[i]);
      continue;
    }
    lg_clayer_t *L = &c->layers[c->nlayers];
    L->info = infos[i];
    infos[i].meta = NULL;
    L->has_class = L->info.class_field[0] && has_field(s, L->info.name, L->info.class_field);
    L->cs = L->has_class ? lg_rules_codesys_for_field(rules, L->info.class_field) : NULL;
    L->has_own = strcmp(L->info.role, "landuse") == 0 && has_field(s, L->info.name, own);
    rc = prepare_layer(c, L, own, err);
    if (rc) {
      lg_store_layer_info_fini(&L->info);
      break;
    }
    if (strcmp(L->info.role, "landuse") == 0 && c->landuse < 0) c->landuse = (int)c->nlayers;
    if (strcmp(L->info.role, "plan") == 0 && c->plan < 0) c->plan = (int)c->nlayers;
    c->nlayers++;
  }
  for (size_t i = 0; i < n; i++)
    lg_store_layer_info_fini(&infos[i]);
  lg_free(infos);
  if (rc) {
    lg_review_checker_free(c);
    return rc;
  }
  /* Areas are measured in the land-use layer's projected CRS, the one the
   * county's survey statistics use; failing that, in any projected layer's. */
  if (c->landuse >= 0 && lg_crs_is_projected(g, c->layers[c->landuse].info.srs_id) == 1)
    c->work_srs = c->layers[c->landuse].info.srs_id;
  for (size_t i = 0; c->work_srs == 0 && i < c->nlayers; i++)
    if (lg_crs_is_projected(g, c->layers[i].info.srs_id) == 1)
      c->work_srs = c->layers[i].info.srs_id;
  *out = c;
  return 0;
}

void lg_review_checker_free(lg_checker_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nlayers; i++) {
    lg_store_reader_free(c->layers[i].q);
    lg_store_layer_info_fini(&c->layers[i].info);
  }
  lg_free(c->layers);
  json_decref(c->skipped);
  lg_free(c);
}

/* ---- Overlay of one layer ------------------------------------------------ */

static int cmp_piece_area(const void *a, const void *b) {
  const lg_piece_t *p = a, *q = b;
  if (p->m2 != q->m2) return p->m2 > q->m2 ? -1 : 1;
  return p->fid < q->fid ? -1 : p->fid > q->fid;
}

bool lg_review_in_list(const json_t *arr, const char *s) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i,
                     x) if (json_is_string(x) && strcmp(json_string_value(x), s) == 0) return true;
  return false;
}

int lg_review_overlay(lg_checker_t *c, lg_clayer_t *L, const lg_geom_t *bw, const lg_prep_t *prep,
                      lg_ovl_t *ovl, int work, lg_lres_t *res, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  lg_env_t env;
  lg_geom_t *bl = NULL;
  int rc = 0;
  bool same = L->info.srs_id == work;
  if (same) {
    lg_geom_envelope(g, bw, &env);
  } else {
    bl = lg_geom_transform(g, bw, work, L->info.srs_id, err);
    if (!bl) return err ? err->code : LG_ECRS;
    lg_geom_envelope(g, bl, &env);
    /* Straight edges bend across CRSs: widen the box a little. */
    double dx = (env.maxx - env.minx) * 0.01, dy = (env.maxy - env.miny) * 0.01;
    env.minx -= dx, env.maxx += dx, env.miny -= dy, env.maxy += dy;
    lg_geom_free(g, bl);
  }
  const json_t *state_codes = lg_rules_get(c->rules, "authority.expropriation.state_owned_codes");
  lg_store_reader_t *q = L->q;
  lg_read_opts_t box = {.bbox = &env};
  if ((rc = lg_store_reader_rewind(q, &box, err)) != 0) return rc;
  int step;
  while ((step = lg_store_reader_next(q, err)) == 1) {
    if (c->deadline > 0 && lg_mono() > c->deadline) {
      rc = lg_err_set(err, LG_ELIMIT, "合规性审查超过时限, 在叠加图层 %s 时中止", L->info.title);
      break;
    }
    size_t nb = 0;
    const void *blob = lg_store_reader_blob(q, &nb);
    if (!blob || nb == 0) continue;
    double a = 0;
    int cls = LG_OVL_UNKNOWN;
    const unsigned char *wkb = NULL;
    size_t wl = 0;
    /* Most candidates lie wholly inside, wholly outside or along the
     * boundary: decided from the WKB without building them in GEOS. */
    if (same && ovl && lg_gpkg_blob_parse(blob, (size_t)nb, NULL, NULL, NULL, &wkb, &wl) == 0)
      cls = lg_ovl_classify(g, ovl, wkb, wl);
    if (cls == LG_OVL_DISJOINT) continue;
    if (cls == LG_OVL_COVERED && lg_wkb_area(wkb, wl, &a) == 0) {
      goto piece;
    }
    if (cls == LG_OVL_CONTAINS) {
      a = lg_ovl_area(ovl);
      goto piece;
    }
    /* Crossing the boundary: the area alone is wanted, and a small
     * boundary cut into triangles clips it faster than a GEOS overlay. */
    if (wkb && (cls == LG_OVL_OVERLAP || cls == LG_OVL_UNKNOWN) &&
        lg_ovl_overlap_area(ovl, wkb, wl, &a)) {
      goto piece;
    }
    lg_geom_t *cand = lg_geom_from_gpkg(g, blob, (size_t)nb, err);
    if (!cand) {
      rc = LG_EGEOM;
      lg_err_prefix(err, "图层 %s 要素 %lld: ", L->info.name, (long long)lg_store_reader_fid(q));
      break;
    }
    if (!same) {
      lg_geom_t *t = lg_geom_transform(g, cand, L->info.srs_id, work, err);
      lg_geom_free(g, cand);
      if (!t) {
        rc = err ? err->code : LG_ECRS;
        break;
      }
      cand = t;
    }
    if (lg_prep_intersects(g, prep, cand)) {
      if (cls == LG_OVL_UNKNOWN && lg_prep_covers(g, prep, cand)) {
        a = lg_geom_area(g, cand);
      } else {
        lg_geom_t *x = lg_geom_intersection(g, bw, cand, NULL);
        if (!x) {
          /* An invalid feature in the layer (GEOS topology error): measure
           * its repaired form rather than fail the whole check. */
          lg_geom_t *mv = lg_geom_make_valid(g, cand, NULL);
          x = mv ? lg_geom_intersection(g, bw, mv, NULL) : NULL;
          lg_geom_free(g, mv);
          res->repaired++;
        }
        if (!x) {
          lg_geom_free(g, cand);
          rc = lg_err_set(err, LG_EGEOM, "图层 %s 要素 %lld 无法与边界求交: %s", L->info.name,
                          (long long)lg_store_reader_fid(q), lg_geo_last_error(g));
          break;
        }
        a = lg_geom_area(g, x);
        lg_geom_free(g, x);
      }
    }
    lg_geom_free(g, cand);
  piece:
    if (!(a > 0)) continue;
    lg_piece_t p = {.fid = lg_store_reader_fid(q), .m2 = a};
    if (L->class_col >= 0)
      lg_code_normalise(lg_store_reader_text(q, L->class_col), p.code, sizeof p.code);
    if (L->own_col >= 0 && lg_store_reader_field_type(q, L->own_col) != LG_COL_NULL) {
      char own[24];
      lg_code_normalise(lg_store_reader_text(q, L->own_col), own, sizeof own);
      p.state_owned = lg_review_in_list(state_codes, own);
    }
    res->m2 += a;
    lg_vec_push(&res->pieces, p);
  }
  if (rc == 0 && step < 0) {
    rc = step;
    lg_err_prefix(err, "读取图层 %s: ", L->info.name);
  }
  /* Largest first: the report lists the largest pieces, and the class
   * table adds them up in this order. */
  if (rc == 0 && res->pieces.len)
    qsort(res->pieces.items, res->pieces.len, sizeof *res->pieces.items, cmp_piece_area);
  return rc;
}
