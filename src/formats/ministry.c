/*
 * The Ministry standard coordinate file (部标准格式坐标文件, DOMAIN.md
 * section 3): reading it into lg_formats_mtxt_t, checking it the way bureau staff
 * expect (every complaint names the file, the line and the boundary point),
 * building each parcel's geometry, and writing the model back as text.
 *
 * The file is informal: written by many tools over twenty years, in GBK,
 * UTF-8 or UTF-16, with full-width brackets and commas, with variants of
 * the parcel header. The reader accepts all of these and keeps whatever it
 * does not understand (unknown header keys, extra parcel fields), so that
 * writing a parsed file gives the same file back in the chosen encoding.
 *
 * Store-facing code (import, export) is in ministry_store.c.
 */
#include "formats/formats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Coordinate reference systems ---------------------------------------
 * EPSG codes of the Gauss-Kruger CRSs a Ministry file may be in: EPSG code
 * = base + zone. Checked against PROJ's database (projinfo EPSG:2349 is
 * "Xian 1980 / 3-degree Gauss-Kruger zone 25", EPSG:21413 "Beijing 1954 /
 * Gauss-Kruger zone 13", EPSG:4534 "CGCS2000 / 3-degree Gauss-Kruger CM
 * 75E", ...). */
static const struct {
  int datum, width, zmin, zmax;
  int prefixed_base; /* eastings with the zone number in front */
  int plain_base;    /* eastings 500000 at the central meridian */
} gk_crs[] = {
    {LG_MTXT_CGCS2000, 3, 25, 45, 4488, 4509},  {LG_MTXT_CGCS2000, 6, 13, 23, 4478, 4489},
    {LG_MTXT_XIAN80, 3, 25, 45, 2324, 2345},    {LG_MTXT_XIAN80, 6, 13, 23, 2314, 2325},
    {LG_MTXT_BEIJING54, 3, 25, 45, 2376, 2397}, {LG_MTXT_BEIJING54, 6, 13, 23, 21400, 21460},
};

static const char *const datum_names[] = {"", "2000国家大地坐标系", "80国家大地坐标系",
                                          "54北京坐标系"};

/* 坐标系 as people write it: "2000国家大地坐标系", "CGCS2000", "1980西安坐标系",
 * "西安80", "80国家大地坐标系", "1954年北京坐标系", "北京54". */
int lg_formats_mtxt_datum_of(const char *s) {
  if (!s || !*s) return LG_MTXT_DATUM_UNKNOWN;
  if (strstr(s, "2000") || strstr(s, "CGCS") || strstr(s, "cgcs")) return LG_MTXT_CGCS2000;
  if (strstr(s, "80") || strstr(s, "西安") || strstr(s, "Xian") || strstr(s, "XIAN"))
    return LG_MTXT_XIAN80;
  if (strstr(s, "54") || strstr(s, "北京") || strstr(s, "Beijing")) return LG_MTXT_BEIJING54;
  return LG_MTXT_DATUM_UNKNOWN;
}

int lg_formats_mtxt_crs_of_epsg(int epsg, int *datum, int *width, int *zone, bool *prefixed,
                                lg_err_t *err) {
  for (size_t i = 0; i < LG_ARRAY_LEN(gk_crs); i++) {
    bool pre = epsg >= gk_crs[i].prefixed_base + gk_crs[i].zmin &&
               epsg <= gk_crs[i].prefixed_base + gk_crs[i].zmax;
    bool plain = epsg >= gk_crs[i].plain_base + gk_crs[i].zmin &&
                 epsg <= gk_crs[i].plain_base + gk_crs[i].zmax;
    if (!pre && !plain) continue;
    if (datum) *datum = gk_crs[i].datum;
    if (width) *width = gk_crs[i].width;
    if (zone) *zone = epsg - (pre ? gk_crs[i].prefixed_base : gk_crs[i].plain_base);
    if (prefixed) *prefixed = pre;
    return 0;
  }
  return lg_err_set(err, LG_ECRS,
                    "EPSG:%d 不是部标准坐标文件可用的高斯-克吕格坐标系 (2000国家大地坐标系、"
                    "80国家大地坐标系或54北京坐标系的 3 度带/6 度带)",
                    epsg);
}

const char *lg_formats_mtxt_datum_name(int datum) {
  return datum > 0 && datum < (int)LG_ARRAY_LEN(datum_names) ? datum_names[datum] : "";
}

int lg_formats_mtxt_epsg_of(int datum, int width, int zone, bool prefixed, int *epsg,
                            lg_err_t *err) {
  for (size_t i = 0; i < LG_ARRAY_LEN(gk_crs); i++) {
    if (gk_crs[i].datum != datum || gk_crs[i].width != width) continue;
    if (zone < gk_crs[i].zmin || zone > gk_crs[i].zmax)
      return lg_err_set(err, LG_ECRS, "带号 %d 不在 %d 度带的范围 %d-%d 内", zone, width,
                        gk_crs[i].zmin, gk_crs[i].zmax);
    *epsg = (prefixed ? gk_crs[i].prefixed_base : gk_crs[i].plain_base) + zone;
    return 0;
  }
  return lg_err_set(err, LG_ECRS, "几度分带=%d 无效; 应为 3 或 6", width);
}

int lg_formats_mtxt_epsg(const lg_formats_mtxt_t *m, int *epsg, lg_err_t *err) {
  const char *unit = lg_formats_mtxt_header_get(m, "计量单位");
  if (unit && *unit && strcmp(unit, "米") != 0 && strcasecmp(unit, "m") != 0)
    return lg_err_set(err, LG_EUNSUPPORTED, "%s: 计量单位为 \"%s\"; 只支持 米", m->source, unit);
  const char *crs = lg_formats_mtxt_header_get(m, "坐标系");
  int datum = m->datum;
  if (datum == LG_MTXT_DATUM_UNKNOWN) {
    if (crs && *crs)
      return lg_err_set(err, LG_ECRS,
                        "%s: 坐标系 \"%s\" 无法识别; 支持 2000国家大地坐标系、80国家大地坐标系、"
                        "54北京坐标系",
                        m->source, crs);
    datum = LG_MTXT_CGCS2000; /* no 坐标系 line: the national system since 2018 */
  }
  if (m->zone <= 0)
    return lg_err_set(err, LG_ECRS, "%s: 无法确定带号: 文件没有 带号, 坐标也没有带号前缀",
                      m->source);
  int width = m->zone_width;
  if (width == 0) width = m->zone >= 25 ? 3 : 6; /* 3-degree zones in China are 25-45 */
  int rc = lg_formats_mtxt_epsg_of(datum, width, m->zone, m->prefixed, epsg, err);
  if (rc) lg_err_prefix(err, "%s: ", m->source);
  return rc;
}

/* ---- Model ---------------------------------------------------------------- */

static void ring_fini(lg_formats_mtxt_ring_t *r) {
  for (size_t i = 0; i < r->npts; i++)
    lg_free(r->pts[i].name);
  lg_free(r->pts);
}

static void parcel_fini(lg_formats_mtxt_parcel_t *p) {
  for (size_t i = 0; i < p->nfields; i++)
    lg_free(p->fields[i]);
  lg_free(p->fields);
  for (size_t i = 0; i < p->nrings; i++)
    ring_fini(&p->rings[i]);
  lg_free(p->rings);
}

void lg_formats_mtxt_free(lg_formats_mtxt_t *m) {
  if (!m) return;
  lg_free(m->source);
  for (size_t i = 0; i < m->nheader; i++) {
    lg_free(m->header[i].key);
    lg_free(m->header[i].val);
  }
  lg_free(m->header);
  for (size_t i = 0; i < m->nparcels; i++)
    parcel_fini(&m->parcels[i]);
  lg_free(m->parcels);
  for (size_t i = 0; i < m->nwarnings; i++)
    lg_free(m->warnings[i]);
  lg_free(m->warnings);
  lg_free(m);
}

/* Position of each field role in the two header layouts (-1: absent). */
static const int layout_pos[2][LG_MTXT_NROLES] = {
    [LG_MTXT_LAYOUT_STANDARD] = {0, 1, -1, -1, 2, 3, 4, 5, 6, 7, 8},
    [LG_MTXT_LAYOUT_TOWNSHIP] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
};

const char *lg_formats_mtxt_field(const lg_formats_mtxt_parcel_t *p, int role) {
  if (role < 0 || role >= LG_MTXT_NROLES) return "";
  int pos = layout_pos[p->layout == LG_MTXT_LAYOUT_TOWNSHIP][role];
  return pos >= 0 && (size_t)pos < p->nfields ? p->fields[pos] : "";
}

size_t lg_formats_mtxt_extra_fields(const lg_formats_mtxt_parcel_t *p, size_t *first) {
  size_t start = (size_t)layout_pos[p->layout == LG_MTXT_LAYOUT_TOWNSHIP][LG_MTXT_DESC] + 1;
  if (first) *first = start;
  return p->nfields > start ? p->nfields - start : 0;
}

const char *lg_formats_mtxt_header_get(const lg_formats_mtxt_t *m, const char *key) {
  for (size_t i = 0; i < m->nheader; i++)
    if (strcmp(m->header[i].key, key) == 0) return m->header[i].val;
  return NULL;
}

static void add_warning(lg_formats_mtxt_t *m, char *msg) {
  m->warnings = lg_realloc(m->warnings, (m->nwarnings + 1) * sizeof *m->warnings);
  m->warnings[m->nwarnings++] = msg;
}

static bool is_polygon_kind(const lg_formats_mtxt_parcel_t *p) {
  const char *k = lg_formats_mtxt_field(p, LG_MTXT_KIND);
  return strcmp(k, "线") != 0 && strcmp(k, "点") != 0;
}

/* ---- Text ----------------------------------------------------------------- */

/* Copies a line into a fresh string with the full-width forms people type
 * on a Chinese keyboard replaced by their ASCII twins: ，＝＠ and the
 * ideographic space (brackets are handled where sections are read). */
static char *normalise_line(const char *s, size_t n) {
  lg_buf_t b;
  lg_buf_init(&b);
  for (size_t i = 0; i < n;) {
    const unsigned char *u = (const unsigned char *)s + i;
    if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x8C) { /* ， */
      lg_buf_putc(&b, ',');
      i += 3;
    } else if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] == 0x9D) { /* ＝ */
      lg_buf_putc(&b, '=');
      i += 3;
    } else if (n - i >= 3 && u[0] == 0xEF && u[1] == 0xBC && u[2] == 0xA0) { /* ＠ */
      lg_buf_putc(&b, '@');
      i += 3;
    } else if (n - i >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) { /* ideographic space */
      lg_buf_putc(&b, ' ');
      i += 3;
    } else {
      lg_buf_putc(&b, s[i]);
      i++;
    }
  }
  if (!b.data) lg_buf_append(&b, "", 0);
  return lg_buf_steal(&b);
}

static bool starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }
static bool ends_with(const char *s, const char *p) {
  size_t n = strlen(s), k = strlen(p);
  return n >= k && strcmp(s + n - k, p) == 0;
}

/* A section title "[属性描述]", "【属性描述】" or "［属性描述］": returns the
 * name inside (trimmed, into out) or false. */
static bool section_name(const char *line, char *out, size_t n) {
  static const char *const open[] = {"[", "【", "［"};
  static const char *const close[] = {"]", "】", "］"};
  for (size_t i = 0; i < LG_ARRAY_LEN(open); i++) {
    if (!starts_with(line, open[i])) continue;
    for (size_t j = 0; j < LG_ARRAY_LEN(close); j++) {
      size_t lo = strlen(open[i]), lc = strlen(close[j]), ll = strlen(line);
      if (ll < lo + lc || !ends_with(line, close[j])) continue;
      snprintf(out, n, "%.*s", (int)(ll - lo - lc), line + lo);
      lg_trim(out);
      return true;
    }
  }
  return false;
}

/* Splits a line at commas into trimmed, owned fields. */
static size_t split_fields(const char *line, char ***out) {
  LG_VEC(char *) v = {0};
  const char *p = line;
  for (;;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    char *f = lg_strndup(p, len);
    lg_trim(f);
    lg_vec_push(&v, f);
    if (!c) break;
    p = c + 1;
  }
  *out = v.items;
  return v.len;
}

static void free_fields(char **f, size_t n) {
  for (size_t i = 0; i < n; i++)
    lg_free(f[i]);
  lg_free(f);
}

/* A decimal number and nothing else (no hex, no "nan", no trailing text);
 * *decimals receives the digits after the point. */
static bool parse_number(const char *s, double *v, int *decimals) {
  if (!*s) return false;
  for (const char *p = s; *p; p++)
    if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p)) return false;
  char *end;
  double d = strtod(s, &end);
  if (*end || !isfinite(d)) return false;
  *v = d;
  if (decimals) {
    const char *dot = strchr(s, '.');
    int k = 0;
    if (dot)
      for (const char *p = dot + 1; isdigit((unsigned char)*p); p++)
        k++;
    *decimals = k;
  }
  return true;
}

static bool parse_long(const char *s, long *v) {
  if (!*s) return false;
  char *end;
  long x = strtol(s, &end, 10);
  if (*end) return false;
  *v = x;
  return true;
}

/* ---- Reading the header --------------------------------------------------- */

/* Interprets the [属性描述] keys the model names; called when the
 * coordinates start, since the zone check of every point needs 带号. */
static void read_header(lg_formats_mtxt_t *m) {
  const char *v;
  m->datum = lg_formats_mtxt_datum_of(lg_formats_mtxt_header_get(m, "坐标系"));
  if ((v = lg_formats_mtxt_header_get(m, "坐标系")) == NULL || !*v)
    add_warning(m, lg_sprintf("%s: 没有注明坐标系, 按 2000国家大地坐标系 处理", m->source));
  long l;
  if ((v = lg_formats_mtxt_header_get(m, "带号")) && parse_long(v, &l) && l > 0 && l <= 60)
    m->zone = (int)l;
  else if (v && *v)
    add_warning(m, lg_sprintf("%s: 带号 \"%s\" 无效, 改用坐标中的带号前缀", m->source, v));
  if ((v = lg_formats_mtxt_header_get(m, "几度分带")) && parse_long(v, &l) && (l == 3 || l == 6))
    m->zone_width = (int)l;
  double d;
  int dec = 0;
  m->precision = 0.001;
  if ((v = lg_formats_mtxt_header_get(m, "精度")) && parse_number(v, &d, &dec) && d > 0) {
    /* Most files write the precision in metres (0.001); some tools write
     * the number of decimals (3). */
    if (d >= 1 && d == floor(d) && d <= 6)
      m->precision = pow(10, -d);
    else if (d < 1)
      m->precision = d;
  }
  m->decimals = (int)LG_MAX(0, ceil(-log10(m->precision) - 1e-9));
  for (int i = 0; i < 7; i++)
    m->transform[i] = NAN;
  if ((v = lg_formats_mtxt_header_get(m, "转换参数"))) {
    char **f;
    size_t nf = split_fields(v, &f);
    for (size_t i = 0; i < nf && i < 7; i++)
      if (!parse_number(f[i], &m->transform[i], NULL)) m->transform[i] = NAN;
    free_fields(f, nf);
  }
}

/* ---- Parsing -------------------------------------------------------------- */

typedef struct {
  lg_formats_mtxt_t *m;
  lg_err_t *err;
  lg_geo_t *g;
  const char *src;
  bool zone_from_points;               /* no usable 带号: the first prefixed point sets it */
  int prefix_state;                    /* 0 no point yet, 1 prefixed, -1 plain */
  LG_VEC(lg_formats_mtxt_point_t) pts; /* points of the parcel being read */
} parse_t;

static int fail_at(parse_t *ps, int line, const char *point, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(parse_t *ps, int line, const char *point, const char *fmt, ...) {
  char what[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (point && *point)
    lg_err_set(ps->err, LG_EINVAL, "%s 第 %d 行, 界址点 %s: %s", ps->src, line, point, what);
  else if (line > 0)
    lg_err_set(ps->err, LG_EINVAL, "%s 第 %d 行: %s", ps->src, line, what);
  else
    lg_err_set(ps->err, LG_EINVAL, "%s: %s", ps->src, what);
  if (point && *point)
    lg_err_where(ps->err, "%s:%d 界址点 %s", ps->src, line, point);
  else if (line > 0)
    lg_err_where(ps->err, "%s:%d", ps->src, line);
  else
    lg_err_where(ps->err, "%s", ps->src);
  return LG_EINVAL;
}

static void discard_points(parse_t *ps) {
  for (size_t i = 0; i < ps->pts.len; i++)
    lg_free(ps->pts.items[i].name);
  ps->pts.len = 0;
}

/* One point line: 点号, 圈号, X (northing), Y (easting with zone prefix). */
static int read_point(parse_t *ps, char **f, int line) {
  lg_formats_mtxt_t *m = ps->m;
  const char *name = f[0];
  long ring;
  double north, east;
  int d1 = 0, d2 = 0;
  if (!parse_long(f[1], &ring)) return fail_at(ps, line, name, "圈号 \"%s\" 不是整数", f[1]);
  if (!parse_number(f[2], &north, &d1))
    return fail_at(ps, line, name, "X 坐标 \"%s\" 不是数字", f[2]);
  if (!parse_number(f[3], &east, &d2))
    return fail_at(ps, line, name, "Y 坐标 \"%s\" 不是数字", f[3]);
  if (north >= 1e7 && east < 1e7)
    return fail_at(ps, line, name,
                   "X 坐标 %s 带有带号前缀而 Y 坐标 %s 没有: X 与 Y 可能颠倒 "
                   "(X 应为北坐标, Y 为带号加东坐标)",
                   f[2], f[3]);
  int pre = 0;
  if (east >= 1e7) {
    int z;
    if (lg_gk_zone_from_easting(east, &z, NULL, NULL) != 0)
      return fail_at(ps, line, name, "Y 坐标 %s 的带号前缀 %.0f 不是有效的高斯-克吕格带号", f[3],
                     floor(east / 1e6)); /* may be far beyond an int */
    if (m->zone > 0 && z != m->zone)
      return fail_at(ps, line, name, "Y 坐标 %s 的带号前缀为 %d, 与%s%d 不一致", f[3], z,
                     ps->zone_from_points ? "前面坐标的带号 " : "文件头的 带号=", m->zone);
    m->zone = z;
    pre = 1;
  } else if (east >= 1e6 || east < 0) {
    return fail_at(ps, line, name, "Y 坐标 %s 不是高斯-克吕格东坐标 (应为 带号加六位整数米)", f[3]);
  } else {
    pre = -1;
  }
  if (ps->prefix_state != 0 && pre != ps->prefix_state)
    return fail_at(ps, line, name, "Y 坐标 %s %s带号前缀, 而前面的坐标%s", f[3],
                   pre > 0 ? "带有" : "没有", pre > 0 ? "没有" : "带有");
  ps->prefix_state = pre;
  m->prefixed = pre > 0;
  if (d1 > m->decimals) m->decimals = d1;
  if (d2 > m->decimals) m->decimals = d2;
  lg_formats_mtxt_point_t p = {lg_strdup(name), (int)ring, east, north, line};
  lg_vec_push(&ps->pts, p);
  return 0;
}

/* Starts a parcel from its header fields (the "@" removed). */
static int start_parcel(parse_t *ps, char **f, size_t nf, int line) {
  lg_formats_mtxt_t *m = ps->m;
  lg_formats_mtxt_parcel_t p = {0};
  p.line = line;
  p.fields = f;
  p.nfields = nf;
  /* The layout is told by where the geometry kind (面/线/点) sits; a header
   * that leaves it empty is told by its length. */
  bool k4 = nf > 4 && (!strcmp(f[4], "面") || !strcmp(f[4], "线") || !strcmp(f[4], "点"));
  bool k6 = nf > 6 && (!strcmp(f[6], "面") || !strcmp(f[6], "线") || !strcmp(f[6], "点"));
  p.layout = k4         ? LG_MTXT_LAYOUT_STANDARD
             : k6       ? LG_MTXT_LAYOUT_TOWNSHIP
             : nf >= 10 ? LG_MTXT_LAYOUT_TOWNSHIP
                        : LG_MTXT_LAYOUT_STANDARD;
  p.planar_m2 = NAN;
  m->parcels = lg_realloc(m->parcels, (m->nparcels + 1) * sizeof *m->parcels);
  m->parcels[m->nparcels++] = p; /* owned by m from here, freed with it on failure */
  lg_formats_mtxt_parcel_t *pp = &m->parcels[m->nparcels - 1];
  if (nf < 2) return fail_at(ps, line, NULL, "地块信息行至少应有 界址点数,地块面积 两项");
  if (!parse_long(f[0], &pp->npoints) || pp->npoints < 0)
    return fail_at(ps, line, NULL, "界址点数 \"%s\" 不是非负整数", f[0]);
  if (!*f[1])
    pp->area_ha = NAN;
  else if (!parse_number(f[1], &pp->area_ha, NULL))
    return fail_at(ps, line, NULL, "地块面积 \"%s\" 不是数字", f[1]);
  return 0;
}

static bool same_xy(const lg_formats_mtxt_point_t *a, const lg_formats_mtxt_point_t *b) {
  return a->x == b->x && a->y == b->y;
}

static const char *parcel_label(const lg_formats_mtxt_parcel_t *p, char *buf, size_t n) {
  const char *no = lg_formats_mtxt_field(p, LG_MTXT_PARCEL_NO),
             *name = lg_formats_mtxt_field(p, LG_MTXT_NAME);
  if (*no && *name)
    snprintf(buf, n, "%s (%s)", no, name);
  else
    snprintf(buf, n, "%s", *no ? no : *name ? name : "(无编号)");
  return buf;
}

static int check_geometry(parse_t *ps, lg_formats_mtxt_parcel_t *p);

/* Ends the parcel being read: splits its points into rings (a ring ends
 * when its first point comes back or its 圈号 changes), checks closure,
 * size, the declared count, the geometry and the declared area. */
static int finish_parcel(parse_t *ps) {
  lg_formats_mtxt_t *m = ps->m;
  if (m->nparcels == 0) return 0;
  lg_formats_mtxt_parcel_t *p = &m->parcels[m->nparcels - 1];
  if (p->rings || p->nrings) return 0;
  lg_formats_mtxt_point_t *pt = ps->pts.items;
  size_t n = ps->pts.len;
  char lab[300];
  parcel_label(p, lab, sizeof lab);
  if (n == 0) return fail_at(ps, p->line, NULL, "地块 %s 没有界址点", lab);
  bool poly = is_polygon_kind(p);
  LG_VEC(lg_formats_mtxt_ring_t) rings = {0};
  size_t start = 0;
  int rc = 0;
  for (size_t k = 1; k <= n && rc == 0; k++) {
    /* [start, k) is a closed ring when its last point is back on its first
     * one, with at least one point between (a doubled first point is not a
     * closure). */
    bool closed = k - start >= 3 && same_xy(&pt[k - 1], &pt[start]);
    bool end = k == n || pt[k].ring_no != pt[start].ring_no || (poly && closed);
    if (!end) continue;
    if (poly && !closed) {
      const lg_formats_mtxt_point_t *last = &pt[k - 1];
      rc = fail_at(ps, last->line, last->name,
                   "地块 %s 的第 %zu 个环 (圈号 %d) 没有闭合: 环的最后一点应与首点 %s "
                   "(第 %d 行) 坐标相同",
                   lab, rings.len + 1, pt[start].ring_no, pt[start].name, pt[start].line);
      break;
    }
    if (poly && k - start < 4) {
      rc = fail_at(ps, pt[start].line, pt[start].name,
                   "地块 %s 的第 %zu 个环只有 %zu 个点 (含闭合点), 闭合环至少需要 4 个点", lab,
                   rings.len + 1, k - start);
      break;
    }
    lg_formats_mtxt_ring_t r = {pt[start].ring_no, lg_malloc((k - start) * sizeof *pt), k - start};
    memcpy(r.pts, pt + start, (k - start) * sizeof *pt);
    for (size_t i = start; i < k; i++)
      pt[i].name = NULL; /* moved into the ring */
    lg_vec_push(&rings, r);
    start = k;
  }
  if (rc) {
    for (size_t i = 0; i < rings.len; i++)
      ring_fini(&rings.items[i]);
    lg_free(rings.items);
    discard_points(ps);
    return rc;
  }
  p->rings = rings.items;
  p->nrings = rings.len;
  discard_points(ps);
  if ((long)n != p->npoints) {
    const lg_formats_mtxt_point_t *last =
        &p->rings[p->nrings - 1].pts[p->rings[p->nrings - 1].npts - 1];
    return fail_at(ps, p->line, NULL,
                   "地块 %s 声明界址点数为 %ld, 实际有 %zu 个 (含各环闭合点; 最后一点 %s 在第 %d "
                   "行)",
                   lab, p->npoints, n, last->name, last->line);
  }
  if (!poly) return 0;
  return check_geometry(ps, p);
}

/* The boundary point of p nearest to (x, y): how a GEOS location becomes a
 * point name a surveyor can find. */
static const lg_formats_mtxt_point_t *nearest_point(const lg_formats_mtxt_parcel_t *p, double x,
                                                    double y) {
  const lg_formats_mtxt_point_t *best = NULL;
  double bd = INFINITY;
  for (size_t r = 0; r < p->nrings; r++)
    for (size_t i = 0; i < p->rings[r].npts; i++) {
      const lg_formats_mtxt_point_t *q = &p->rings[r].pts[i];
      double d = hypot(q->x - x, q->y - y);
      if (d < bd) {
        bd = d;
        best = q;
      }
    }
  return best;
}

/* GEOS' reasons in the words of the trade. */
static const char *reason_zh(const char *r) {
  if (strstr(r, "Ring Self-intersection")) return "边界自相交 (环在一点上自身相触)";
  if (strstr(r, "Self-intersection")) return "边界自相交";
  if (strstr(r, "Too few points")) return "点数太少";
  if (strstr(r, "Hole lies outside shell")) return "内环在外环之外";
  if (strstr(r, "Nested shells")) return "外环相互嵌套";
  if (strstr(r, "Interior is disconnected")) return "内环把地块分割成不相连的部分";
  if (strstr(r, "Invalid Coordinate")) return "坐标无效";
  return "几何无效";
}

static int invalid_at(parse_t *ps, const lg_formats_mtxt_parcel_t *p, const char *reason, double x,
                      double y) {
  char lab[300];
  parcel_label(p, lab, sizeof lab);
  const lg_formats_mtxt_point_t *q = isfinite(x) ? nearest_point(p, x, y) : NULL;
  if (!q) q = &p->rings[0].pts[0];
  return fail_at(ps, q->line, q->name,
                 "地块 %s %s (GEOS: %s; 问题位置 X=%.3f, Y=%.3f, 最近的界址点是 %s)", lab,
                 reason_zh(reason), reason, y, x, q->name);
}

/* ---- Geometry ------------------------------------------------------------- */

static double ring_signed_area(const lg_formats_mtxt_ring_t *r) {
  double a = 0;
  for (size_t i = 0; i + 1 < r->npts; i++)
    a += (r->pts[i].x - r->pts[0].x) * (r->pts[i + 1].y - r->pts[0].y) -
         (r->pts[i + 1].x - r->pts[0].x) * (r->pts[i].y - r->pts[0].y);
  return a / 2;
}

static double *ring_xy(const lg_formats_mtxt_ring_t *r) {
  double *xy = lg_malloc(2 * r->npts * sizeof(double));
  for (size_t i = 0; i < r->npts; i++) {
    xy[2 * i] = r->pts[i].x;
    xy[2 * i + 1] = r->pts[i].y;
  }
  return xy;
}

/* Builds parcel p's geometry. Each ring alone must be a valid polygon; then
 * every ring finds its parent, the smallest ring that covers it; depth
 * parity decides its role (0 outer, 1 hole, 2 island in a hole, ...). The
 * file's ring numbers and orientation are not trusted for this: surveying
 * tools number further parts and holes alike and write both orientations.
 * On invalid input returns NULL with LG_EINVAL through ps (when given) or
 * LG_EGEOM in err. */
static lg_geom_t *build_geom(lg_geo_t *g, const lg_formats_mtxt_t *m,
                             const lg_formats_mtxt_parcel_t *p, parse_t *ps, lg_err_t *err) {
  size_t nr = p->nrings;
  lg_geom_t **single = lg_calloc(nr, sizeof *single);
  lg_prep_t **prep = lg_calloc(nr, sizeof *prep);
  double **xy = lg_calloc(nr, sizeof *xy);
  double *area = lg_calloc(nr, sizeof *area);
  size_t *order = lg_calloc(nr, sizeof *order);
  long *parent = lg_calloc(nr, sizeof *parent);
  int *depth = lg_calloc(nr, sizeof *depth);
  lg_geom_t **parts = lg_calloc(nr, sizeof *parts);
  size_t nparts = 0;
  lg_geom_t *out = NULL;
  char reason[256];
  double rx, ry;
  char lab[300];

  if (nr == 0) {
    lg_err_set(err, LG_EGEOM, "%s: 地块 %s 没有环", m->source, parcel_label(p, lab, sizeof lab));
    goto done;
  }
  for (size_t i = 0; i < nr; i++) {
    xy[i] = ring_xy(&p->rings[i]);
    const double *rings1[1] = {xy[i]};
    size_t np = p->rings[i].npts;
    single[i] = lg_geom_polygon(g, rings1, &np, 1, err);
    if (!single[i]) goto done;
    if (!lg_geom_is_valid(g, single[i], reason, &rx, &ry)) {
      if (ps)
        invalid_at(ps, p, reason, rx, ry);
      else
        lg_err_set(err, LG_EINVAL, "地块 %s 的第 %zu 个环无效: %s",
                   parcel_label(p, lab, sizeof lab), i + 1, reason);
      goto done;
    }
    area[i] = fabs(ring_signed_area(&p->rings[i]));
    prep[i] = lg_prep_new(g, single[i]);
    order[i] = i;
  }
  /* Largest first, file order among equals: a parent comes before its children. */
  for (size_t i = 1; i < nr; i++)
    for (size_t j = i; j > 0 && area[order[j]] > area[order[j - 1]]; j--) {
      size_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (size_t oi = 0; oi < nr; oi++) {
    size_t i = order[oi];
    parent[i] = -1;
    depth[i] = 0;
    for (size_t oj = oi; oj-- > 0;) { /* smallest covering ring first */
      size_t j = order[oj];
      if (lg_prep_covers(g, prep[j], single[i])) {
        parent[i] = (long)j;
        depth[i] = depth[j] + 1;
        break;
      }
    }
  }
  for (size_t oi = 0; oi < nr; oi++) {
    size_t s = order[oi];
    if (depth[s] % 2) continue;
    LG_VEC(const double *) rr = {0};
    LG_VEC(size_t) nn = {0};
    lg_vec_push(&rr, xy[s]);
    lg_vec_push(&nn, p->rings[s].npts);
    for (size_t h = 0; h < nr; h++)
      if (parent[h] == (long)s && depth[h] % 2) {
        lg_vec_push(&rr, xy[h]);
        lg_vec_push(&nn, p->rings[h].npts);
      }
    parts[nparts] = lg_geom_polygon(g, rr.items, nn.items, rr.len, err);
    lg_free(rr.items);
    lg_free(nn.items);
    if (!parts[nparts]) goto done;
    nparts++;
  }
  if (nparts == 1) {
    out = parts[0];
  } else {
    out = lg_geom_collect(g, parts, nparts);
    if (!out) {
      lg_err_set(err, LG_EGEOM, "组合地块的各部分失败: %s", lg_geo_last_error(g));
      goto done;
    }
  }
  nparts = 0; /* owned by out now */
  if (!lg_geom_is_valid(g, out, reason, &rx, &ry)) {
    if (ps)
      invalid_at(ps, p, reason, rx, ry);
    else
      lg_err_set(err, LG_EINVAL, "地块 %s 的几何无效: %s", parcel_label(p, lab, sizeof lab),
                 reason);
    lg_geom_free(g, out);
    out = NULL;
    goto done;
  }
  lg_geom_set_srid(g, out, m->epsg);

done:
  for (size_t i = 0; i < nparts; i++)
    lg_geom_free(g, parts[i]);
  for (size_t i = 0; i < nr; i++) {
    lg_prep_free(g, prep[i]);
    lg_geom_free(g, single[i]);
    lg_free(xy[i]);
  }
  lg_free(parts);
  lg_free(single);
  lg_free(prep);
  lg_free(xy);
  lg_free(area);
  lg_free(order);
  lg_free(parent);
  lg_free(depth);
  return out;
}

static int check_geometry(parse_t *ps, lg_formats_mtxt_parcel_t *p) {
  lg_geom_t *geom = build_geom(ps->g, ps->m, p, ps, ps->err);
  if (!geom) return ps->err->code ? ps->err->code : LG_EGEOM;
  p->planar_m2 = lg_geom_area(ps->g, geom);
  lg_geom_free(ps->g, geom);
  if (isfinite(p->area_ha)) {
    double diff = fabs(p->planar_m2 / 10000.0 - p->area_ha);
    if (diff > LG_MTXT_AREA_TOL_HA + 1e-9) {
      char lab[300];
      add_warning(ps->m, lg_sprintf("%s 第 %d 行: 地块 %s 声明面积 %.4f 公顷, 按坐标计算的平面面积 "
                                    "%.4f 公顷, 相差 %.4f 公顷 (超过 %.4f 公顷)",
                                    ps->src, p->line, parcel_label(p, lab, sizeof lab), p->area_ha,
                                    p->planar_m2 / 10000.0, diff, LG_MTXT_AREA_TOL_HA));
    }
  }
  return 0;
}

lg_geom_t *lg_formats_mtxt_parcel_geom(lg_geo_t *g, const lg_formats_mtxt_t *m, size_t i,
                                       lg_err_t *err) {
  if (i >= m->nparcels) {
    lg_err_set(err, LG_EINVAL, "%s: 没有第 %zu 个地块 (共 %zu 个)", m->source, i + 1, m->nparcels);
    return NULL;
  }
  const lg_formats_mtxt_parcel_t *p = &m->parcels[i];
  if (!is_polygon_kind(p)) {
    char lab[300];
    lg_err_set(err, LG_EUNSUPPORTED, "%s 第 %d 行: 地块 %s 的图形属性为 %s; 只支持 面 状地块",
               m->source, p->line, parcel_label(p, lab, sizeof lab),
               lg_formats_mtxt_field(p, LG_MTXT_KIND));
    return NULL;
  }
  return build_geom(g, m, p, NULL, err);
}

/* Decodes the bytes: a BOM, valid UTF-8 or GBK as lg_text_decode tells,
 * and UTF-16LE without BOM, which lg_text_decode misses when the text
 * starts with a Chinese character ("[属" is 5B 00 5E 5C): a file of mostly
 * ASCII coordinates in UTF-16LE has NUL in most odd bytes and none in even. */
static int decode(const char *bytes, size_t n, const char *encoding, char **text, size_t *len,
                  char enc_out[16], lg_err_t *err) {
  const char *enc = NULL;
  int rc;
  if (encoding && *encoding) {
    enc = encoding;
    if (strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0) {
      size_t skip = n >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
      if (!lg_utf8_valid(bytes + skip, n - skip))
        return lg_err_set(err, LG_EINVAL, "文本声明为 UTF-8 但含有无效字节");
      *text = lg_strndup(bytes + skip, n - skip);
      *len = n - skip;
      rc = 0;
    } else {
      rc = lg_iconv_to_utf8(encoding, bytes, n, text, len, err);
    }
  } else {
    size_t odd0 = 0, even0 = 0, look = LG_MIN(n, (size_t)8192) & ~(size_t)1;
    for (size_t i = 0; i < look; i++)
      if (bytes[i] == 0) *(i % 2 ? &odd0 : &even0) += 1;
    bool bom = n >= 2 && ((unsigned char)bytes[0] == 0xFF && (unsigned char)bytes[1] == 0xFE);
    if (!bom && look >= 8 && odd0 * 8 >= look && even0 * 4 < odd0) {
      enc = "UTF-16LE";
      rc = lg_iconv_to_utf8("UTF-16LE", bytes, n, text, len, err);
    } else {
      rc = lg_text_decode(bytes, n, text, len, &enc, err);
    }
  }
  snprintf(enc_out, 16, "%s", enc ? enc : "");
  return rc;
}

int lg_formats_mtxt_parse_enc(const char *name, const char *bytes, size_t n, const char *encoding,
                              lg_formats_mtxt_t **out, lg_err_t *err) {
  *out = NULL;
  if (!name) name = "坐标文件";
  char *text = NULL;
  size_t len = 0;
  lg_formats_mtxt_t *m = lg_calloc(1, sizeof *m);
  m->source = lg_strdup(name);
  m->decimals = 3;
  m->precision = 0.001;
  for (int i = 0; i < 7; i++)
    m->transform[i] = NAN;
  lg_err_t local;
  if (!err) err = &local; /* the geometry checks read the code back */
  lg_err_clear(err);
  parse_t ps = {m, err, lg_geo_thread(), m->source, false, 0, {0}};
  int rc = decode(bytes, n, encoding, &text, &len, m->encoding, err);
  if (rc) {
    lg_err_prefix(err, "%s: ", name);
    lg_err_where(err, "%s", name);
    goto done;
  }
  m->crlf = strstr(text, "\r\n") != NULL;

  enum { S_NONE, S_ATTR, S_COORD, S_OTHER } sec = S_NONE;
  bool seen_coord = false, any_content = false;
  int line = 0;
  const char *p = text, *end = text + len;
  while (p < end && rc == 0) {
    const char *e = p;
    while (e < end && *e != '\n' && *e != '\r')
      e++;
    line++;
    char *ln = normalise_line(p, (size_t)(e - p));
    if (e < end && *e == '\r' && e + 1 < end && e[1] == '\n') e++;
    p = e + 1;
    lg_trim(ln);
    char sname[128];
    if (!*ln) {
      lg_free(ln);
      continue;
    }
    any_content = true;
    if (section_name(ln, sname, sizeof sname)) {
      if (strcmp(sname, "属性描述") == 0) {
        sec = S_ATTR;
      } else if (strcmp(sname, "地块坐标") == 0) {
        if (!seen_coord) {
          read_header(m);
          ps.zone_from_points = m->zone == 0;
        }
        sec = S_COORD;
        seen_coord = true;
      } else {
        sec = S_OTHER;
        add_warning(m, lg_sprintf("%s 第 %d 行: 未知的节 [%s], 其内容被忽略", name, line, sname));
      }
      lg_free(ln);
      continue;
    }
    if (sec == S_NONE || sec == S_ATTR) {
      char *eq = strchr(ln, '=');
      if (eq) {
        *eq = '\0';
        lg_formats_mtxt_kv_t kv = {lg_strdup(ln), lg_strdup(eq + 1), line};
        lg_trim(kv.key);
        lg_trim(kv.val);
        m->header = lg_realloc(m->header, (m->nheader + 1) * sizeof *m->header);
        m->header[m->nheader++] = kv;
      } else if (strchr(ln, ',')) {
        rc = fail_at(&ps, line, NULL,
                     "缺少 [地块坐标] 节标题: 地块或界址点数据出现在 [属性描述] 中 (\"%s\")", ln);
      } else {
        add_warning(m, lg_sprintf("%s 第 %d 行: [属性描述] 中的 \"%s\" 不是 键=值, 被忽略", name,
                                  line, ln));
      }
      lg_free(ln);
      continue;
    }
    if (sec == S_OTHER) {
      lg_free(ln);
      continue;
    }
    char **f;
    size_t nf = split_fields(ln, &f);
    if (strcmp(f[nf - 1], "@") == 0) {
      rc = finish_parcel(&ps);
      lg_free(f[nf - 1]);
      if (rc == 0)
        rc = start_parcel(&ps, f, nf - 1, line);
      else
        free_fields(f, nf - 1);
      lg_free(ln);
      continue;
    }
    while (nf > 4 && !*f[nf - 1])
      lg_free(f[--nf]); /* "J1,1,X,Y," */
    if (nf == 4) {
      if (m->nparcels == 0)
        rc = fail_at(&ps, line, f[0], "界址点出现在第一个地块信息行 (以 @ 结尾) 之前");
      else
        rc = read_point(&ps, f, line);
    } else if (nf > 4) {
      rc = fail_at(&ps, line, NULL,
                   "地块信息行缺少结尾的 @ (界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,"
                   "地块用途,地类编码,@)");
    } else {
      rc = fail_at(&ps, line, nf > 1 ? f[0] : NULL,
                   "界址点行应有 点号,圈号,X,Y 四项, 这里只有 %zu 项", nf);
    }
    free_fields(f, nf);
    lg_free(ln);
  }
  if (rc) goto done;
  if (!any_content) {
    rc = fail_at(&ps, 0, NULL, "文件为空, 没有任何内容");
    goto done;
  }
  if (!seen_coord) {
    rc = fail_at(&ps, 0, NULL, "缺少 [地块坐标] 一节, 文件里没有地块");
    goto done;
  }
  if ((rc = finish_parcel(&ps))) goto done;
  if (m->nparcels == 0) {
    rc = fail_at(&ps, 0, NULL, "[地块坐标] 中没有任何地块");
    goto done;
  }
  if (lg_formats_mtxt_epsg(m, &m->epsg, NULL) != 0) m->epsg = 0;

done:
  discard_points(&ps);
  lg_free(ps.pts.items);
  lg_free(text);
  if (rc) {
    lg_formats_mtxt_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

int lg_formats_mtxt_parse(const char *name, const char *bytes, size_t n, lg_formats_mtxt_t **out,
                          lg_err_t *err) {
  return lg_formats_mtxt_parse_enc(name, bytes, n, NULL, out, err);
}

int lg_formats_mtxt_read(const char *path, lg_formats_mtxt_t **out, lg_err_t *err) {
  char *bytes = NULL;
  size_t n = 0;
  *out = NULL;
  int rc = lg_file_read(path, &bytes, &n, err);
  if (rc) return rc;
  const char *base = strrchr(path, '/');
  rc = lg_formats_mtxt_parse(base ? base + 1 : path, bytes, n, out, err);
  lg_free(bytes);
  return rc;
}

/* ---- Writing -------------------------------------------------------------- */

int lg_formats_mtxt_write(const lg_formats_mtxt_t *m, const char *encoding, bool crlf, char **out,
                          size_t *n, lg_err_t *err) {
  const char *nl = crlf ? "\r\n" : "\n";
  if (!encoding) encoding = "GBK";
  lg_buf_t b;
  lg_buf_init(&b);
  lg_buf_printf(&b, "[属性描述]%s", nl);
  for (size_t i = 0; i < m->nheader; i++)
    lg_buf_printf(&b, "%s=%s%s", m->header[i].key, m->header[i].val, nl);
  lg_buf_printf(&b, "[地块坐标]%s", nl);
  int dec = m->decimals > 0 ? m->decimals : 3;
  for (size_t i = 0; i < m->nparcels; i++) {
    const lg_formats_mtxt_parcel_t *p = &m->parcels[i];
    size_t total = 0;
    for (size_t r = 0; r < p->nrings; r++)
      total += p->rings[r].npts;
    lg_buf_printf(&b, "%zu", total);
    for (size_t f = 1; f < p->nfields; f++)
      lg_buf_printf(&b, ",%s", p->fields[f]);
    lg_buf_printf(&b, ",@%s", nl);
    for (size_t r = 0; r < p->nrings; r++)
      for (size_t k = 0; k < p->rings[r].npts; k++) {
        const lg_formats_mtxt_point_t *q = &p->rings[r].pts[k];
        lg_buf_printf(&b, "%s,%d,%.*f,%.*f%s", q->name, q->ring_no, dec, q->y, dec, q->x, nl);
      }
  }
  int rc = 0;
  if (strcasecmp(encoding, "UTF-8") == 0 || strcasecmp(encoding, "UTF8") == 0) {
    *n = b.len;
    *out = lg_buf_steal(&b);
  } else if (strcasecmp(encoding, "UTF-8-BOM") == 0) {
    char *o = lg_malloc(b.len + 4);
    memcpy(o, "\xEF\xBB\xBF", 3);
    memcpy(o + 3, b.data, b.len + 1);
    *n = b.len + 3;
    *out = o;
  } else {
    char *conv = NULL;
    size_t cl = 0;
    bool bom = strcasecmp(encoding, "UTF-16LE") == 0; /* Windows tools expect the BOM */
    rc = lg_iconv_from_utf8(encoding, b.data, b.len, &conv, &cl, err);
    if (rc == 0 && bom) {
      char *o = lg_malloc(cl + 4);
      memcpy(o, "\xFF\xFE", 2);
      memcpy(o + 2, conv, cl + 2);
      lg_free(conv);
      conv = o;
      cl += 2;
    }
    if (rc == 0) {
      *out = conv;
      *n = cl;
    } else {
      lg_err_prefix(err, "写出坐标文件 (%s 编码): ", encoding);
    }
  }
  lg_buf_fini(&b);
  return rc;
}
