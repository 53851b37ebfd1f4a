/*
 * Planning conflicts between whole layers (规划冲突分析): how much of one
 * layer overlaps another (ecological red line against permanent basic
 * farmland, land-use patches against farmland), the overlapping pieces as
 * a new layer, and the spatial match degree (空间匹配度) of two layers'
 * class codes: the share of their common area where the codes agree
 * under the rule set's code_match table.
 *
 * The layer with fewer features drives: each of its features is prepared
 * once and the other layer is searched through its R-tree. Driver features
 * are handed out one at a time from a shared counter to worker threads,
 * each with its own GEOS/PROJ context (lg_geo_thread) and its own
 * read-only store connection, so both cores work and a few huge polygons
 * cannot leave one thread idle. Each candidate is first classified from
 * its WKB against the driver's segment index (lg_ovl_classify): inside
 * the driver it counts its own area, containing the driver the driver's,
 * touching or apart nothing; only candidates really crossing the driver's
 * edge are built in GEOS and intersected. Neighbouring patches of a
 * coverage, which share edges with the driver, are the common case this
 * spares: proving in GEOS that they only touch costs a full relate.
 * The overlap is the sum over pairs of area(intersection), as PostGIS's
 * ST_Area(ST_Intersection(a, b)) summed over intersecting pairs.
 *
 * Two whole county layers may take minutes: a server gives the analysis
 * its request's deadline (limits.request_ms), which every thread reads
 * between features, and all of them stop once one finds it passed.
 */
#include "review/review_int.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct opiece {
  int64_t a_fid, b_fid;
  char a_code[24], b_code[24];
  double m2;
  bool agree;
  unsigned char *wkb; /* MultiPolygon WKB (owned) */
  size_t wkb_len;
} opiece_t;

/* Area per (code a, code b) pair, in a small open-addressing table. */
typedef struct pair_slot {
  char a[24], b[24];
  double m2;
  bool used;
} pair_slot_t;

typedef struct pair_tab {
  pair_slot_t *slots;
  size_t cap, len;
} pair_tab_t;

static uint64_t fnv(const char *a, const char *b) {
  uint64_t h = 1469598103934665603ull;
  for (; *a; a++)
    h = (h ^ (unsigned char)*a) * 1099511628211ull;
  h = (h ^ 0xff) * 1099511628211ull;
  for (; *b; b++)
    h = (h ^ (unsigned char)*b) * 1099511628211ull;
  return h;
}

static void pair_add(pair_tab_t *t, const char *a, const char *b, double m2) {
  if (t->len * 2 >= t->cap) {
    pair_tab_t n = {lg_calloc(t->cap ? t->cap * 2 : 256, sizeof(pair_slot_t)),
                    t->cap ? t->cap * 2 : 256, 0};
    for (size_t i = 0; i < t->cap; i++)
      if (t->slots[i].used) pair_add(&n, t->slots[i].a, t->slots[i].b, t->slots[i].m2);
    lg_free(t->slots);
    *t = n;
  }
  size_t i = fnv(a, b) & (t->cap - 1);
  while (t->slots[i].used && (strcmp(t->slots[i].a, a) != 0 || strcmp(t->slots[i].b, b) != 0))
    i = (i + 1) & (t->cap - 1);
  if (!t->slots[i].used) {
    t->slots[i].used = true;
    snprintf(t->slots[i].a, sizeof t->slots[i].a, "%s", a);
    snprintf(t->slots[i].b, sizeof t->slots[i].b, "%s", b);
    t->len++;
  }
  t->slots[i].m2 += m2;
}

typedef struct shared {
  lg_store_t *store; /* the caller's connection: workers open their own to the same store */
  const lg_layer_info_t *drv, *prb;
  bool drv_is_a;
  int work;
  bool drv_class, prb_class;
  const lg_codesys_t *cs_a, *cs_b;
  const lg_rules_t *rules;
  bool want_pieces, match;
  const int64_t *fids; /* driver fids */
  size_t nfids;
  _Atomic size_t next; /* next driver index to take */
  _Atomic int failed;  /* a thread failed: the others stop early */
  double deadline;     /* lg_mono() time to give up at; 0: none */
} shared_t;

typedef struct job {
  shared_t *sh;
  int64_t plo, phi; /* probe fids whose area this thread sums */
  double overlap, agree, drv_area, prb_area;
  int64_t pairs, prb_count, repaired;
  LG_VEC(opiece_t) pieces;
  pair_tab_t codes;
  int rc;
  lg_err_t err;
} job_t;

/* LG_ELIMIT in j once the analysis is past its deadline: a server's
 * request must not hold a worker (and these threads) past its time. Read
 * once per driver feature and every 256 candidates, since one driver
 * polygon may meet thousands of them. */
static bool past_deadline(job_t *j) {
  shared_t *sh = j->sh;
  if (sh->deadline <= 0 || lg_mono() <= sh->deadline) return false;
  size_t at = atomic_load(&sh->next);
  j->rc = lg_err_set(&j->err, LG_ELIMIT,
                     "规划冲突分析超过时限, 处理到图层 %s 的第 %zu 个要素 (共 %zu 个) 时中止",
                     sh->drv->name, at < sh->nfids ? at : sh->nfids, sh->nfids);
  return true;
}

static void quote(lg_buf_t *b, const char *ident) {
  lg_buf_putc(b, '"');
  for (const char *p = ident; *p; p++) {
    if (*p == '"') lg_buf_putc(b, '"');
    lg_buf_putc(b, *p);
  }
  lg_buf_putc(b, '"');
}

/* A reader of a layer's geometry and, when it is to be read, its class
 * field (column 0). */
static int layer_reader(lg_store_t *s, const lg_layer_info_t *L, bool with_class,
                        const lg_read_opts_t *o, lg_store_reader_t **r, lg_err_t *err) {
  const char *cols[] = {with_class ? L->class_field : NULL, NULL};
  lg_read_opts_t ro = *o;
  ro.columns = cols;
  return lg_store_reader_new(s, L->name, &ro, r, err);
}

/* A geometry from a row's blob, in the working CRS. */
static lg_geom_t *row_geom(lg_geo_t *g, lg_store_reader_t *r, int srs, int work, lg_err_t *err) {
  size_t n = 0;
  const void *blob = lg_store_reader_blob(r, &n);
  if (!blob || n == 0) return NULL;
  lg_geom_t *geom = lg_geom_from_gpkg(g, blob, n, err);
  if (geom && srs != work) {
    lg_geom_t *t = lg_geom_transform(g, geom, srs, work, err);
    lg_geom_free(g, geom);
    geom = t;
  }
  return geom;
}

static void code_of(lg_store_reader_t *r, bool has, char *out, size_t n) {
  if (has && lg_store_reader_field_type(r, 0) != LG_COL_NULL)
    lg_code_normalise(lg_store_reader_text(r, 0), out, n);
  else
    out[0] = '\0';
}

static void add_piece(job_t *j, lg_geo_t *g, const lg_geom_t *geom, int64_t dfid, int64_t pfid,
                      const char *dcode, const char *pcode, double m2, bool agree) {
  opiece_t p = {.m2 = m2, .agree = agree};
  p.a_fid = j->sh->drv_is_a ? dfid : pfid;
  p.b_fid = j->sh->drv_is_a ? pfid : dfid;
  snprintf(p.a_code, sizeof p.a_code, "%s", j->sh->drv_is_a ? dcode : pcode);
  snprintf(p.b_code, sizeof p.b_code, "%s", j->sh->drv_is_a ? pcode : dcode);
  lg_geom_t *poly = lg_geom_polygonal(g, geom);
  if (poly) {
    p.wkb = lg_geom_to_wkb(g, poly, &p.wkb_len);
    lg_geom_free(g, poly);
  }
  lg_vec_push(&j->pieces, p);
}

static void *worker(void *arg) {
  job_t *j = arg;
  shared_t *sh = j->sh;
  lg_geo_t *g = lg_geo_thread();
  lg_store_t *s = NULL;
  lg_store_reader_t *drv = NULL, *prb = NULL, *tot = NULL;
  j->rc = lg_store_open_again(sh->store, LG_STORE_READONLY, &s, &j->err);
  if (j->rc) goto out;
  lg_env_t any = {0, 0, 0, 0};
  lg_read_opts_t by_fid = {.fid = 1}, by_box = {.bbox = &any};
  if ((j->rc = layer_reader(s, sh->drv, sh->drv_class, &by_fid, &drv, &j->err)) ||
      (j->rc = layer_reader(s, sh->prb, sh->prb_class, &by_box, &prb, &j->err)))
    goto out;
  /* The probe layer's total area, this thread's share of it, straight
   * from the WKB. */
  lg_read_opts_t range = {.after_fid = j->plo - 1 > 0 ? j->plo - 1 : 0, .max_fid = j->phi};
  if ((j->rc = layer_reader(s, sh->prb, false, &range, &tot, &j->err))) goto out;
  while (lg_store_reader_next(tot, &j->err) == 1) {
    size_t n = 0;
    const void *blob = lg_store_reader_blob(tot, &n);
    const unsigned char *wkb;
    size_t wl;
    double a = 0;
    if (blob && lg_gpkg_blob_parse(blob, n, NULL, NULL, NULL, &wkb, &wl) == 0 &&
        lg_wkb_area(wkb, wl, &a) == 0)
      j->prb_area += a;
    j->prb_count++;
  }
  bool same = sh->prb->srs_id == sh->work;

  for (;;) {
    if (atomic_load(&sh->failed) || past_deadline(j)) break;
    size_t k = atomic_fetch_add(&sh->next, 1);
    if (k >= sh->nfids) break;
    by_fid.fid = sh->fids[k];
    if ((j->rc = lg_store_reader_rewind(drv, &by_fid, &j->err)) != 0) break;
    if (lg_store_reader_next(drv, &j->err) != 1) continue;
    int64_t dfid = lg_store_reader_fid(drv);
    char dcode[24];
    code_of(drv, sh->drv_class, dcode, sizeof dcode);
    lg_geom_t *dg = row_geom(g, drv, sh->drv->srs_id, sh->work, &j->err);
    if (!dg) {
      if (j->err.code) {
        j->rc = j->err.code;
        lg_err_prefix(&j->err, "图层 %s 要素 %lld: ", sh->drv->name, (long long)dfid);
        break;
      }
      continue;
    }
    if (lg_geom_is_empty(g, dg)) {
      lg_geom_free(g, dg);
      continue;
    }
    j->drv_area += lg_geom_area(g, dg);
    lg_prep_t *prep = lg_prep_new(g, dg);
    lg_ovl_t *ovl = same ? lg_ovl_new(g, dg) : NULL;
    lg_env_t env;
    if (same) {
      lg_geom_envelope(g, dg, &env);
    } else {
      lg_geom_t *t = lg_geom_transform(g, dg, sh->work, sh->prb->srs_id, &j->err);
      if (!t) {
        j->rc = j->err.code ? j->err.code : LG_ECRS;
        lg_prep_free(g, prep);
        lg_ovl_free(g, ovl);
        lg_geom_free(g, dg);
        break;
      }
      lg_geom_envelope(g, t, &env);
      double dx = (env.maxx - env.minx) * 0.01, dy = (env.maxy - env.miny) * 0.01;
      env.minx -= dx, env.maxx += dx, env.miny -= dy, env.maxy += dy;
      lg_geom_free(g, t);
    }
    by_box.bbox = &env;
    if ((j->rc = lg_store_reader_rewind(prb, &by_box, &j->err)) != 0) {
      lg_prep_free(g, prep);
      lg_ovl_free(g, ovl);
      lg_geom_free(g, dg);
      break;
    }
    unsigned ncand = 0;
    while (j->rc == 0 && lg_store_reader_next(prb, &j->err) == 1) {
      if (++ncand % 256 == 0 && (atomic_load(&sh->failed) || past_deadline(j))) break;
      /* Classified from the WKB first: only candidates crossing the
       * driver's edge (or undecided ones) are built and intersected. */
      int cls = LG_OVL_UNKNOWN;
      const unsigned char *wkb = NULL;
      size_t wl = 0;
      size_t bn = 0;
      const void *blob = lg_store_reader_blob(prb, &bn);
      if (ovl && blob && lg_gpkg_blob_parse(blob, bn, NULL, NULL, NULL, &wkb, &wl) == 0)
        cls = lg_ovl_classify(g, ovl, wkb, wl);
      if (cls == LG_OVL_DISJOINT) continue;
      lg_geom_t *piece = NULL, *pg = NULL;
      double a = 0;
      if ((cls == LG_OVL_COVERED && lg_wkb_area(wkb, wl, &a) == 0) || cls == LG_OVL_CONTAINS) {
        if (cls == LG_OVL_CONTAINS) a = lg_ovl_area(ovl);
        if (sh->want_pieces) {
          piece = cls == LG_OVL_CONTAINS ? lg_geom_clone(g, dg)
                                         : row_geom(g, prb, sh->prb->srs_id, sh->work, &j->err);
        }
        goto counted;
      }
      /* Only the area wanted: a small driver cut into triangles clips the
       * candidate faster than a GEOS overlay. */
      if (!sh->want_pieces && ovl && wkb && lg_ovl_overlap_area(ovl, wkb, wl, &a)) goto counted;
      pg = row_geom(g, prb, sh->prb->srs_id, sh->work, &j->err);
      if (!pg) {
        if (j->err.code) j->rc = j->err.code;
        continue;
      }
      if (!lg_prep_intersects(g, prep, pg)) {
        lg_geom_free(g, pg);
        continue;
      }
      if (cls == LG_OVL_UNKNOWN && lg_prep_covers(g, prep, pg)) {
        a = lg_geom_area(g, pg);
        if (sh->want_pieces) piece = lg_geom_clone(g, pg);
      } else {
        piece = lg_geom_intersection(g, dg, pg, NULL);
        if (!piece) {
          /* An invalid feature: measure its repaired form (counted). */
          lg_geom_t *mv = lg_geom_make_valid(g, pg, NULL);
          piece = mv ? lg_geom_intersection(g, dg, mv, NULL) : NULL;
          lg_geom_free(g, mv);
          j->repaired++;
        }
        if (!piece) {
          j->rc = lg_err_set(&j->err, LG_EGEOM, "图层 %s 要素 %lld 与 %s 要素 %lld 无法求交: %s",
                             sh->drv->name, (long long)dfid, sh->prb->name,
                             (long long)lg_store_reader_fid(prb), lg_geo_last_error(g));
          lg_geom_free(g, pg);
          break;
        }
        a = lg_geom_area(g, piece);
      }
    counted:
      if (a > 0) {
        int64_t pfid = lg_store_reader_fid(prb);
        char pcode[24];
        code_of(prb, sh->prb_class, pcode, sizeof pcode);
        bool agree = false;
        j->overlap += a;
        j->pairs++;
        if (sh->match) {
          const char *ca = sh->drv_is_a ? dcode : pcode, *cb = sh->drv_is_a ? pcode : dcode;
          agree = lg_rules_codes_agree(sh->rules, sh->cs_a, ca, sh->cs_b, cb);
          if (agree) j->agree += a;
          pair_add(&j->codes, ca, cb, a);
        }
        if (sh->want_pieces && piece) add_piece(j, g, piece, dfid, pfid, dcode, pcode, a, agree);
      }
      lg_geom_free(g, piece);
      lg_geom_free(g, pg);
    }
    lg_prep_free(g, prep);
    lg_ovl_free(g, ovl);
    lg_geom_free(g, dg);
    if (j->rc) break;
  }
out:
  if (j->rc) atomic_store(&sh->failed, 1);
  lg_store_reader_free(drv);
  lg_store_reader_free(prb);
  lg_store_reader_free(tot);
  lg_store_close(s);
  return NULL;
}

static int fetch_fids(lg_store_t *s, const char *layer, int64_t **out, size_t *n, lg_err_t *err) {
  lg_buf_t b;
  lg_buf_init(&b);
  lg_buf_puts(&b, "SELECT fid FROM ");
  quote(&b, layer);
  lg_buf_puts(&b, " ORDER BY fid");
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, b.data, &st, err);
  lg_buf_fini(&b);
  if (rc) return rc;
  LG_VEC(int64_t) v = {0};
  while ((rc = lg_store_step(st)) == LG_ROW)
    lg_vec_push(&v, lg_store_col_int(st, 0));
  lg_store_done(st);
  if (rc < 0) {
    lg_free(v.items);
    return lg_store_fail(s, err, "读取要素编号失败");
  }
  *out = v.items;
  *n = v.len;
  return 0;
}

static bool polygonal(const char *t) {
  return strstr(t, "POLYGON") || strstr(t, "polygon") || strcmp(t, "GEOMETRY") == 0 ||
         strcmp(t, "GEOMETRYCOLLECTION") == 0;
}

static int cmp_slot(const void *a, const void *b) {
  const pair_slot_t *p = a, *q = b;
  return p->m2 < q->m2 ? 1 : p->m2 > q->m2 ? -1 : 0;
}

static int write_pieces(lg_store_t *s, const lg_conflict_opts_t *o, int work, job_t *jobs, int nj,
                        const lg_layer_info_t *A, const lg_layer_info_t *B, int64_t *count,
                        lg_err_t *err) {
  lg_field_t fields[] = {{"a_fid", LG_FIELD_INTEGER}, {"b_fid", LG_FIELD_INTEGER},
                         {"a_code", LG_FIELD_TEXT},   {"b_code", LG_FIELD_TEXT},
                         {"area_m2", LG_FIELD_REAL},  {"agree", LG_FIELD_INTEGER}};
  char title[300], meta[600];
  snprintf(title, sizeof title, "%s 与 %s 重叠部分", A->title, B->title);
  snprintf(meta, sizeof meta, "{\"conflicts\":{\"a\":\"%s\",\"b\":\"%s\"}}", A->name, B->name);
  lg_layer_def_t def = {.name = o->out_layer,
                        .title = title,
                        .role = "other",
                        .class_field = NULL,
                        .geom_type = "MULTIPOLYGON",
                        .srs_id = work,
                        .fields = fields,
                        .nfields = LG_ARRAY_LEN(fields),
                        .source = "landgov conflicts",
                        .meta = meta};
  lg_store_writer_t *w = NULL;
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  lg_store_bulk_mode(s, true);
  rc = lg_store_layer_create(s, &def, o->replace, err);
  if (rc == 0) rc = lg_store_writer_new(s, o->out_layer, &w, err);
  *count = 0;
  for (int t = 0; rc == 0 && t < nj; t++)
    for (size_t i = 0; rc == 0 && i < jobs[t].pieces.len; i++) {
      opiece_t *p = &jobs[t].pieces.items[i];
      if (!p->wkb) continue;
      lg_store_writer_int(w, 0, p->a_fid);
      lg_store_writer_int(w, 1, p->b_fid);
      lg_store_writer_text(w, 2, p->a_code[0] ? p->a_code : NULL);
      lg_store_writer_text(w, 3, p->b_code[0] ? p->b_code : NULL);
      lg_store_writer_real(w, 4, p->m2);
      lg_store_writer_int(w, 5, p->agree);
      rc = lg_store_writer_add_wkb(w, 0, p->wkb, p->wkb_len, NULL, err);
      (*count)++;
    }
  if (rc == 0) rc = lg_store_writer_finish(w, err);
  lg_store_writer_free(w);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  lg_store_bulk_mode(s, false);
  return rc;
}

int lg_review_conflicts(lg_store_t *s, const lg_rules_t *rules, const char *layer_a,
                        const char *layer_b, const lg_conflict_opts_t *o, json_t **result,
                        lg_err_t *err) {
  static const lg_conflict_opts_t dflt = {0};
  if (!o) o = &dflt;
  *result = NULL;
  double t0 = lg_mono();
  lg_geo_t *g = lg_geo_thread();
  lg_layer_info_t A, B;
  memset(&A, 0, sizeof A);
  memset(&B, 0, sizeof B);
  int rc = lg_store_layer_get(s, layer_a, &A, err);
  if (rc) return rc;
  if ((rc = lg_store_layer_get(s, layer_b, &B, err))) {
    lg_store_layer_info_fini(&A);
    return rc;
  }
  int64_t *fids = NULL;
  size_t nfids = 0;
  job_t *jobs = NULL;
  int nj = 0;
  shared_t *sh = NULL;
  if (strcmp(A.name, B.name) == 0) {
    rc = lg_err_set(err, LG_EINVAL, "两个图层相同 (%s); 请给出两个不同的图层", A.name);
    goto done;
  }
  if (!polygonal(A.geom_type) || !polygonal(B.geom_type)) {
    rc = lg_err_set(err, LG_EINVAL, "图层 %s 不是面图层, 不能做叠加分析",
                    polygonal(A.geom_type) ? B.name : A.name);
    goto done;
  }
  if (o->out_layer && (strcmp(o->out_layer, A.name) == 0 || strcmp(o->out_layer, B.name) == 0)) {
    rc = lg_err_set(err, LG_EINVAL, "输出图层 %s 不能是参与分析的图层", o->out_layer);
    goto done;
  }
  if (o->out_layer && !lg_store_layer_name_valid(o->out_layer)) {
    rc = lg_err_set(err, LG_EINVAL, "输出图层名 \"%s\" 无效: 只能用字母、数字和下划线",
                    o->out_layer);
    goto done;
  }
  int work = lg_crs_is_projected(g, A.srs_id) == 1   ? A.srs_id
             : lg_crs_is_projected(g, B.srs_id) == 1 ? B.srs_id
                                                     : 0;
  if (!work) {
    rc = lg_err_set(err, LG_ECRS, "图层 %s 和 %s 都不是投影坐标系, 无法计算平面面积", A.name,
                    B.name);
    goto done;
  }
  bool a_drives = A.count <= B.count;
  const lg_layer_info_t *D = a_drives ? &A : &B, *P = a_drives ? &B : &A;
  if ((rc = fetch_fids(s, D->name, &fids, &nfids, err))) goto done;
  int64_t *pf = NULL;
  size_t npf = 0;
  if ((rc = fetch_fids(s, P->name, &pf, &npf, err))) goto done;

  nj = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (nj < 1) nj = 1;
  if (nj > 8) nj = 8;
  sh = lg_calloc(1, sizeof *sh);
  sh->store = s;
  sh->drv = D;
  sh->prb = P;
  sh->drv_is_a = a_drives;
  sh->work = work;
  sh->rules = rules;
  sh->want_pieces = o->out_layer != NULL;
  sh->fids = fids;
  sh->nfids = nfids;
  atomic_init(&sh->next, 0);
  atomic_init(&sh->failed, 0);
  sh->deadline = o->deadline;
  bool a_class = A.class_field[0] != 0, b_class = B.class_field[0] != 0;
  sh->drv_class = a_drives ? a_class : b_class;
  sh->prb_class = a_drives ? b_class : a_class;
  sh->cs_a = a_class ? lg_rules_codesys_for_field(rules, A.class_field) : NULL;
  sh->cs_b = b_class ? lg_rules_codesys_for_field(rules, B.class_field) : NULL;
  sh->match = o->match && a_class && b_class;
  if (o->match && !sh->match) {
    rc = lg_err_set(err, LG_EINVAL, "空间匹配度需要两个图层都有地类/用途编码字段; %s 没有",
                    a_class ? B.name : A.name);
    lg_free(pf);
    goto done;
  }
  jobs = lg_calloc((size_t)nj, sizeof *jobs);
  pthread_t *th = lg_calloc((size_t)nj, sizeof *th);
  for (int t = 0; t < nj; t++) {
    jobs[t].sh = sh;
    size_t lo = npf * (size_t)t / (size_t)nj, hi = npf * (size_t)(t + 1) / (size_t)nj;
    jobs[t].plo = lo < hi ? pf[lo] : 1;
    jobs[t].phi = lo < hi ? pf[hi - 1] : 0;
  }
  lg_free(pf);
  int started = 0;
  for (int t = 0; t < nj; t++) {
    if (pthread_create(&th[t], NULL, worker, &jobs[t]) != 0) {
      rc = lg_err_set(err, LG_EINTERNAL, "无法创建工作线程");
      atomic_store(&sh->failed, 1);
      break;
    }
    started++;
  }
  for (int t = 0; t < started; t++)
    pthread_join(th[t], NULL);
  lg_free(th);
  for (int t = 0; rc == 0 && t < nj; t++)
    if (jobs[t].rc) {
      rc = jobs[t].rc;
      if (err) *err = jobs[t].err;
    }
  if (rc) goto done;

  double overlap = 0, agree = 0, drv_area = 0, prb_area = 0;
  int64_t pairs = 0, repaired = 0;
  pair_tab_t codes = {0};
  for (int t = 0; t < nj; t++) {
    overlap += jobs[t].overlap;
    agree += jobs[t].agree;
    drv_area += jobs[t].drv_area;
    prb_area += jobs[t].prb_area;
    pairs += jobs[t].pairs;
    repaired += jobs[t].repaired;
    for (size_t i = 0; i < jobs[t].codes.cap; i++)
      if (jobs[t].codes.slots[i].used)
        pair_add(&codes, jobs[t].codes.slots[i].a, jobs[t].codes.slots[i].b,
                 jobs[t].codes.slots[i].m2);
  }
  double a_area = a_drives ? drv_area : prb_area, b_area = a_drives ? prb_area : drv_area;
  json_t *res = json_pack(
      "{s:{s:s, s:s, s:s, s:I, s:f}, s:{s:s, s:s, s:s, s:I, s:f}, s:i, s:f, s:f, s:f, s:f, s:I}",
      "layer_a", "name", A.name, "title", A.title, "role", A.role, "count", (json_int_t)A.count,
      "m2", a_area, "layer_b", "name", B.name, "title", B.title, "role", B.role, "count",
      (json_int_t)B.count, "m2", b_area, "srs_id", work, "overlap_m2", overlap, "rate",
      a_area > 0 ? overlap / a_area : 0, "share_of_a", a_area > 0 ? overlap / a_area : 0,
      "share_of_b", b_area > 0 ? overlap / b_area : 0, "pairs", (json_int_t)pairs);
  if (repaired) json_object_set_new(res, "repaired_features", json_integer(repaired));
  if (sh->match) {
    /* Where the codes disagree is where the plans conflict: list the
     * largest disagreements first. */
    pair_slot_t *sl = lg_calloc(codes.len ? codes.len : 1, sizeof *sl);
    size_t ns = 0;
    for (size_t i = 0; i < codes.cap; i++)
      if (codes.slots[i].used) sl[ns++] = codes.slots[i];
    qsort(sl, ns, sizeof *sl, cmp_slot);
    json_t *conf = json_array(), *agreeing = json_array();
    for (size_t i = 0; i < ns; i++) {
      bool ok = lg_rules_codes_agree(rules, sh->cs_a, sl[i].a, sh->cs_b, sl[i].b);
      json_t *arr = ok ? agreeing : conf;
      if (json_array_size(arr) >= 50) continue;
      json_array_append_new(arr,
                            json_pack("{s:s, s:s, s:s, s:s, s:f, s:f}", "a_code", sl[i].a, "a_name",
                                      lg_codesys_name(sh->cs_a, sl[i].a), "b_code", sl[i].b,
                                      "b_name", lg_codesys_name(sh->cs_b, sl[i].b), "m2", sl[i].m2,
                                      "share", overlap > 0 ? sl[i].m2 / overlap : 0));
    }
    lg_free(sl);
    json_object_set_new(res, "match",
                        json_pack("{s:s?, s:s?, s:f, s:f, s:f, s:o, s:o, s:s}", "code_system_a",
                                  sh->cs_a ? sh->cs_a->id : NULL, "code_system_b",
                                  sh->cs_b ? sh->cs_b->id : NULL, "compared_m2", overlap,
                                  "agree_m2", agree, "degree", overlap > 0 ? agree / overlap : 0,
                                  "top_conflicts", conf, "top_agreements", agreeing, "basis",
                                  "两图层共同覆盖范围内编码一致 (同一体系编码相同或互为上下级, "
                                  "跨体系按规则集 code_match 对应表) 的面积占比"));
  }
  lg_free(codes.slots);
  if (o->out_layer && o->deadline > 0 && lg_mono() > o->deadline) {
    rc = lg_err_set(err, LG_ELIMIT, "规划冲突分析超过时限, 写出图层 %s 前中止", o->out_layer);
    json_decref(res);
    goto done;
  }
  if (o->out_layer) {
    int64_t written = 0;
    rc = write_pieces(s, o, work, jobs, nj, &A, &B, &written, err);
    if (rc) {
      json_decref(res);
      goto done;
    }
    json_object_set_new(
        res, "out_layer",
        json_pack("{s:s, s:I}", "name", o->out_layer, "count", (json_int_t)written));
  }
  json_object_set_new(res, "threads", json_integer(nj));
  json_object_set_new(res, "rule_set_version", json_integer(lg_review_rules_version(rules)));
  json_object_set_new(res, "elapsed_ms", json_real((lg_mono() - t0) * 1000));
  *result = res;

done:
  for (int t = 0; jobs && t < nj; t++) {
    for (size_t i = 0; i < jobs[t].pieces.len; i++)
      lg_free(jobs[t].pieces.items[i].wkb);
    lg_free(jobs[t].pieces.items);
    lg_free(jobs[t].codes.slots);
  }
  lg_free(jobs);
  lg_free(sh);
  lg_free(fids);
  lg_store_layer_info_fini(&A);
  lg_store_layer_info_fini(&B);
  return rc;
}
