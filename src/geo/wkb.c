/*
 * WKB and GeoPackage blobs read without GEOS: the one decoder of WKB
 * headers (byte order, geometry type, its dimensions from ISO or EWKB
 * codes, an EWKB SRID skipped) that every reader of WKB in landgov uses
 * (the envelope and area scans here, the overlay classifier, the tiles'
 * encoder, the Ministry file writer), GeoPackage binary (GPKG 1.3 clause
 * 2.1.3), envelopes and shoelace areas straight from the bytes.
 */
#include "geo/geo_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

uint32_t lg_wkb_u32(const unsigned char *p, bool le) {
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

double lg_wkb_f64(const unsigned char *p, bool le) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = le ? p[i] : p[7 - i];
  double d;
  memcpy(&d, b, 8); /* hosts are little-endian (x86_64, arm64) */
  return d;
}

/* OGC 06-103r4 (Simple Features) 8.2: ISO WKB codes types 1-7 with 1000
 * (Z), 2000 (M) or 3000 (ZM) added; PostGIS's EWKB flags them in the top
 * bits instead (0x80000000 Z, 0x40000000 M) and may carry an SRID
 * (0x20000000) after the type. */
int lg_wkb_head(const unsigned char **pp, const unsigned char *end, lg_wkb_head_t *h) {
  const unsigned char *p = *pp;
  if (!p || end - p < 5 || (p[0] != 0 && p[0] != 1)) return -1;
  h->le = p[0] == 1;
  uint32_t type = lg_wkb_u32(p + 1, h->le);
  p += 5;
  h->dims = 2;
  h->srid = 0;
  if (type & 0x80000000u) h->dims++;
  if (type & 0x40000000u) h->dims++;
  if (type & 0x20000000u) {
    if (end - p < 4) return -1;
    h->srid = (int32_t)lg_wkb_u32(p, h->le);
    p += 4;
  }
  type &= 0x0FFFFFFFu;
  if (type >= 3000)
    h->dims = 4, type -= 3000;
  else if (type >= 2000)
    h->dims = 3, type -= 2000;
  else if (type >= 1000)
    h->dims = 3, type -= 1000;
  if (type < 1 || type > 7) return -1;
  h->type = (int)type;
  *pp = p;
  return 0;
}

/* ---- To 2D ----------------------------------------------------------------- */

static void put_u32le(lg_buf_t *out, uint32_t v) {
  unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  lg_buf_append(out, b, 4);
}

static void put_f64le(lg_buf_t *out, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  unsigned char b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char)(u >> (8 * i));
  lg_buf_append(out, b, 8);
}

/* n points of h's dimensions at *pp, their x and y to out. */
static int points_2d(const unsigned char **pp, const unsigned char *end, const lg_wkb_head_t *h,
                     uint32_t n, lg_buf_t *out) {
  size_t size = (size_t)h->dims * 8;
  if ((size_t)(end - *pp) / size < n) return -1;
  for (uint32_t i = 0; i < n; i++, *pp += size) {
    put_f64le(out, lg_wkb_f64(*pp, h->le));
    put_f64le(out, lg_wkb_f64(*pp + 8, h->le));
  }
  return 0;
}

static int count(const unsigned char **pp, const unsigned char *end, bool le, uint32_t *n) {
  if (end - *pp < 4) return -1;
  *n = lg_wkb_u32(*pp, le);
  *pp += 4;
  return 0;
}

static int geom_2d(const unsigned char **pp, const unsigned char *end, lg_buf_t *out, int depth) {
  lg_wkb_head_t h;
  uint32_t n, m;
  if (depth > 32 || lg_wkb_head(pp, end, &h) != 0) return -1;
  lg_buf_putc(out, 1);
  put_u32le(out, (uint32_t)h.type);
  switch (h.type) {
  case 1:
    return points_2d(pp, end, &h, 1, out);
  case 2:
    if (count(pp, end, h.le, &n)) return -1;
    put_u32le(out, n);
    return points_2d(pp, end, &h, n, out);
  case 3:
    if (count(pp, end, h.le, &n)) return -1;
    put_u32le(out, n);
    for (uint32_t r = 0; r < n; r++) {
      if (count(pp, end, h.le, &m)) return -1;
      put_u32le(out, m);
      if (points_2d(pp, end, &h, m, out)) return -1;
    }
    return 0;
  default: /* 4-7: Multi* and GeometryCollection, each part a geometry */
    if (count(pp, end, h.le, &n)) return -1;
    put_u32le(out, n);
    for (uint32_t k = 0; k < n; k++)
      if (geom_2d(pp, end, out, depth + 1)) return -1;
    return 0;
  }
}

int lg_wkb_to_2d(const void *wkb, size_t n, lg_buf_t *out) {
  const unsigned char *p = wkb;
  return geom_2d(&p, p + n, out, 0);
}

/* ---- GeoPackage blobs --------------------------------------------------- */

int lg_gpkg_blob_parse(const void *blob, size_t n, int32_t *srs_id, lg_env_t *env, bool *empty,
                       const unsigned char **wkb, size_t *wkb_len) {
  const unsigned char *b = blob;
  if (n < 8 || b[0] != 'G' || b[1] != 'P') return LG_EINVAL;
  unsigned flags = b[3];
  int le = flags & 1;
  unsigned envind = (flags >> 1) & 7;
  static const size_t env_sizes[] = {0, 32, 48, 48, 64};
  if (envind > 4) return LG_EINVAL;
  size_t hdr = 8 + env_sizes[envind];
  if (n < hdr) return LG_EINVAL;
  if (srs_id) *srs_id = (int32_t)lg_wkb_u32(b + 4, le);
  if (empty) *empty = (flags >> 4) & 1;
  if (env) {
    if (envind >= 1) {
      env->minx = lg_wkb_f64(b + 8, le);
      env->maxx = lg_wkb_f64(b + 16, le);
      env->miny = lg_wkb_f64(b + 24, le);
      env->maxy = lg_wkb_f64(b + 32, le);
    } else {
      bool e = false;
      if (lg_wkb_envelope(b + hdr, n - hdr, env, &e) != 0) return LG_EINVAL;
    }
  }
  if (wkb) *wkb = b + hdr;
  if (wkb_len) *wkb_len = n - hdr;
  return 0;
}

void lg_gpkg_blob_write(lg_buf_t *out, int32_t srs_id, const lg_env_t *env, bool empty,
                        const void *wkb, size_t wkb_len) {
  unsigned char h[40];
  int with_env = env && !empty;
  h[0] = 'G';
  h[1] = 'P';
  h[2] = 0;                                         /* version 1 */
  h[3] = 1 | (with_env ? 2 : 0) | (empty ? 16 : 0); /* LE, xy envelope */
  memcpy(h + 4, &srs_id, 4);
  size_t hl = 8;
  if (with_env) {
    double e[4] = {env->minx, env->maxx, env->miny, env->maxy};
    memcpy(h + 8, e, 32);
    hl = 40;
  }
  lg_buf_append(out, h, hl);
  lg_buf_append(out, wkb, wkb_len);
}

lg_geom_t *lg_geom_from_gpkg(lg_geo_t *g, const void *blob, size_t n, lg_err_t *err) {
  int32_t srs = 0;
  const unsigned char *wkb;
  size_t wl;
  if (lg_gpkg_blob_parse(blob, n, &srs, NULL, NULL, &wkb, &wl) != 0) {
    lg_err_set(err, LG_EINVAL, "不是有效的 GeoPackage 几何");
    return NULL;
  }
  lg_geom_t *geom = lg_geom_from_wkb(g, wkb, wl, err);
  if (geom) GEOSSetSRID_r(g->h, geom, srs);
  return geom;
}

void lg_geom_to_gpkg(lg_geo_t *g, const lg_geom_t *geom, int32_t srs_id, lg_buf_t *out) {
  size_t n = 0;
  unsigned char *wkb = lg_geom_to_wkb(g, geom, &n);
  lg_env_t env;
  bool empty = GEOSisEmpty_r(g->h, geom) == 1;
  if (!empty) lg_geom_envelope(g, geom, &env);
  lg_gpkg_blob_write(out, srs_id, empty ? NULL : &env, empty, wkb, n);
  lg_free(wkb);
}

/* WKB scanning for envelopes: walks the structure (ISO or EWKB type codes,
 * either byte order) and widens the box with every x and y. */
typedef struct {
  const unsigned char *p, *end;
  lg_env_t *env;
  size_t npts;
} wkb_scan_t;

static int scan_geom(wkb_scan_t *s, int depth);

static int scan_points(wkb_scan_t *s, bool le, uint32_t count, int dims) {
  size_t need = (size_t)count * dims * 8;
  if ((size_t)(s->end - s->p) < need) return -1;
  for (uint32_t i = 0; i < count; i++) {
    double x = lg_wkb_f64(s->p, le), y = lg_wkb_f64(s->p + 8, le);
    s->p += dims * 8;
    if (isnan(x) || isnan(y)) continue; /* empty point */
    if (s->npts++ == 0) {
      s->env->minx = s->env->maxx = x;
      s->env->miny = s->env->maxy = y;
    } else {
      if (x < s->env->minx) s->env->minx = x;
      if (x > s->env->maxx) s->env->maxx = x;
      if (y < s->env->miny) s->env->miny = y;
      if (y > s->env->maxy) s->env->maxy = y;
    }
  }
  return 0;
}

static int scan_geom(wkb_scan_t *s, int depth) {
  lg_wkb_head_t h;
  if (depth > 32 || lg_wkb_head(&s->p, s->end, &h) != 0) return -1;
  int le = h.le, dims = h.dims, type = h.type;
  if (s->end - s->p < 4 && type != 1) return -1;
  switch (type) {
  case 1:
    return scan_points(s, le, 1, dims);
  case 2: {
    uint32_t n = lg_wkb_u32(s->p, le);
    s->p += 4;
    return scan_points(s, le, n, dims);
  }
  case 3: {
    uint32_t nr = lg_wkb_u32(s->p, le);
    s->p += 4;
    for (uint32_t r = 0; r < nr; r++) {
      if (s->end - s->p < 4) return -1;
      uint32_t n = lg_wkb_u32(s->p, le);
      s->p += 4;
      if (scan_points(s, le, n, dims) != 0) return -1;
    }
    return 0;
  }
  case 4:
  case 5:
  case 6:
  case 7: {
    uint32_t n = lg_wkb_u32(s->p, le);
    s->p += 4;
    for (uint32_t i = 0; i < n; i++)
      if (scan_geom(s, depth + 1) != 0) return -1;
    return 0;
  }
  default:
    return -1;
  }
}

int lg_wkb_envelope(const void *wkb, size_t n, lg_env_t *env, bool *empty) {
  wkb_scan_t s = {wkb, (const unsigned char *)wkb + n, env, 0};
  if (scan_geom(&s, 0) != 0) return LG_EINVAL;
  if (empty) *empty = s.npts == 0;
  if (s.npts == 0) memset(env, 0, sizeof *env);
  return 0;
}

/* Shoelace area straight from WKB, walking it as scan_geom does. Each ring
 * is summed relative to its first point, which keeps the products small
 * for Gauss-Kruger coordinates of tens of millions of metres. */
typedef struct {
  const unsigned char *p, *end;
} wkb_area_t;

static int area_geom(wkb_area_t *s, int depth, double *sum) {
  lg_wkb_head_t h;
  if (depth > 32 || lg_wkb_head(&s->p, s->end, &h) != 0) return -1;
  bool le = h.le;
  int dims = h.dims, type = h.type;
  if (type == 1) {
    if ((size_t)(s->end - s->p) < (size_t)dims * 8) return -1;
    s->p += dims * 8;
    return 0;
  }
  if (s->end - s->p < 4) return -1;
  uint32_t n = lg_wkb_u32(s->p, le);
  s->p += 4;
  if (type == 2) {
    if ((size_t)(s->end - s->p) < (size_t)n * dims * 8) return -1;
    s->p += (size_t)n * dims * 8;
    return 0;
  }
  if (type == 3) {
    double poly = 0;
    for (uint32_t r = 0; r < n; r++) {
      if (s->end - s->p < 4) return -1;
      uint32_t np = lg_wkb_u32(s->p, le);
      s->p += 4;
      size_t stride = (size_t)dims * 8;
      if ((size_t)(s->end - s->p) < (size_t)np * stride) return -1;
      double ring = 0;
      if (np >= 3) {
        double x0 = lg_wkb_f64(s->p, le), y0 = lg_wkb_f64(s->p + 8, le);
        double px = 0, py = 0;
        for (uint32_t i = 1; i < np; i++) {
          double x = lg_wkb_f64(s->p + i * stride, le) - x0,
                 y = lg_wkb_f64(s->p + i * stride + 8, le) - y0;
          ring += px * y - x * py;
          px = x, py = y;
        }
      }
      s->p += (size_t)np * stride;
      poly += r == 0 ? fabs(ring) / 2 : -fabs(ring) / 2;
    }
    *sum += poly;
    return 0;
  }
  if (type >= 4 && type <= 7) {
    for (uint32_t i = 0; i < n; i++)
      if (area_geom(s, depth + 1, sum) != 0) return -1;
    return 0;
  }
  return -1;
}

int lg_wkb_area(const void *wkb, size_t n, double *area) {
  wkb_area_t s = {wkb, (const unsigned char *)wkb + n};
  double sum = 0;
  if (area_geom(&s, 0, &sum) != 0) return LG_EINVAL;
  *area = sum;
  return 0;
}
