/*
 * Sheets: the rows of a spreadsheet (XLSX, ODS), of a CSV file, or of any
 * vector source GDAL opens (Shapefile, GeoJSON, GeoPackage, a zipped
 * shapefile), read one way through GDAL/OGR: column names from the first
 * row, every cell as the text the sheet shows, and each row with the
 * number a person finds it under in the spreadsheet, so that a message
 * can say "第 7 行 约定开工时间 (H 列)". The stock ledgers read the
 * land-market monitoring system's supply sheets with it, the
 * industrial-land and quota modules their own tables.
 *
 * Row numbers. GDAL's XLSX and ODS drivers give each row the feature id
 * of its row in the sheet (the header is row 1), blank rows included. Its
 * CSV driver skips blank lines and numbers records from 1, so the lines
 * records start on are found here by a scan that honours quoted fields
 * (which may hold line breaks), as the driver does. A CSV file is decoded
 * first (bureaus' Excel saves GBK) and handed to GDAL as UTF-8 in memory.
 */
#include "formats/formats.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct lg_sheet {
  GDALDatasetH ds;
  OGRLayerH lyr;
  OGRFeatureH feat;
  char name[256];  /* for messages */
  char vsimem[64]; /* the decoded CSV in memory, "" when none */
  int kind;        /* LG_SHEET_TABLE (spreadsheet, CSV) or LG_SHEET_FEATURES */
  bool csv;
  bool raw_text; /* shapefile without .cpg: cells decoded here (UTF-8 or GBK) */
  int ncols;
  char **cols;    /* column names, UTF-8 */
  char **cells;   /* the current row's cells, trimmed UTF-8 ("" for empty) */
  int64_t row;    /* the current row's number */
  int64_t *lines; /* CSV: line each record starts on (record 0 is the header) */
  size_t nlines;
  int srs;            /* EPSG of the geometries, 0 when unknown or none */
  unsigned char *wkb; /* the current row's geometry (ISO WKB, 2D), or NULL */
  size_t wkb_len;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void init_gdal(void) { GDALAllRegister(); }

static bool suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

const char *lg_formats_sheet_name(const lg_sheet_t *sh) { return sh->name; }
int lg_formats_sheet_kind(const lg_sheet_t *sh) { return sh->kind; }
int lg_formats_sheet_ncols(const lg_sheet_t *sh) { return sh->ncols; }
const char *lg_formats_sheet_colname(const lg_sheet_t *sh, int i) {
  return i >= 0 && i < sh->ncols ? sh->cols[i] : "";
}
int64_t lg_formats_sheet_row(const lg_sheet_t *sh) { return sh->row; }
int lg_formats_sheet_srs(const lg_sheet_t *sh) { return sh->srs; }

const char *lg_formats_sheet_cell(const lg_sheet_t *sh, int col) {
  return sh->cells && col >= 0 && col < sh->ncols ? sh->cells[col] : "";
}

bool lg_formats_sheet_blank(const lg_sheet_t *sh) {
  for (int i = 0; i < sh->ncols; i++)
    if (sh->cells && sh->cells[i][0]) return false;
  return !sh->wkb;
}

const unsigned char *lg_formats_sheet_wkb(const lg_sheet_t *sh, size_t *n) {
  if (n) *n = sh->wkb_len;
  return sh->wkb;
}

void lg_formats_sheet_colref(int col, char out[8]) {
  /* Spreadsheet letters: A..Z, AA..AZ, ... */
  char tmp[8];
  int k = 0;
  for (int c = col + 1; c > 0 && k < 7; c = (c - 1) / 26)
    tmp[k++] = (char)('A' + (c - 1) % 26);
  for (int i = 0; i < k; i++)
    out[i] = tmp[k - 1 - i];
  out[k] = '\0';
}

/* A column title as people write it in both widths: full-width brackets
 * and spaces become ASCII and are dropped where they do not matter, so
 * that "面积（公顷）" and "面积 (公顷)" are the same column. */
void lg_formats_sheet_normalize(const char *in, char *out, size_t n) {
  size_t k = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && k + 4 < n;) {
    if (p[0] == 0xEF && p[1] == 0xBC && (p[2] == 0x88 || p[2] == 0x89)) { /* （ ） */
      out[k++] = p[2] == 0x88 ? '(' : ')';
      p += 3;
    } else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* ideographic space */
      p += 3;
    } else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
      p++;
    } else {
      out[k++] = (char)*p++;
    }
  }
  out[k] = '\0';
}

int lg_formats_sheet_find(const lg_sheet_t *sh, const char *name) {
  char want[256], have[256];
  lg_formats_sheet_normalize(name, want, sizeof want);
  for (int i = 0; i < sh->ncols; i++) {
    lg_formats_sheet_normalize(sh->cols[i], have, sizeof have);
    if (strcmp(want, have) == 0) return i;
  }
  return -1;
}

/* The lines CSV records start on, as GDAL's CSV driver reads them: a
 * record ends at a line break outside quotes; lines holding nothing (or
 * only a carriage return) are no records. */
static void csv_record_lines(const char *t, size_t n, int64_t **out, size_t *count) {
  LG_VEC(int64_t) v = {0};
  int64_t line = 1;
  size_t i = 0;
  while (i < n) {
    /* Skip blank lines. */
    if (t[i] == '\n') {
      line++, i++;
      continue;
    }
    if (t[i] == '\r' && (i + 1 == n || t[i + 1] == '\n')) {
      i++;
      continue;
    }
    lg_vec_push(&v, line);
    bool quoted = false;
    for (; i < n; i++) {
      if (t[i] == '"')
        quoted = !quoted;
      else if (t[i] == '\n') {
        line++;
        if (!quoted) {
          i++;
          break;
        }
      }
    }
  }
  *out = v.items;
  *count = v.len;
}

/* The EPSG code of a layer's CRS, or 0. */
static int layer_epsg(OGRLayerH lyr) {
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
  if (!srs) return 0;
  OGRSpatialReferenceH c = OSRClone(srs);
  int epsg = 0;
  if (OSRAutoIdentifyEPSG(c) == OGRERR_NONE) {
    const char *auth = OSRGetAuthorityName(c, NULL), *code = OSRGetAuthorityCode(c, NULL);
    if (code && (!auth || strcmp(auth, "EPSG") == 0)) epsg = atoi(code);
  }
  OSRDestroySpatialReference(c);
  return epsg;
}

static char *cell_text(lg_sheet_t *sh, const char *raw) {
  char *t = NULL;
  size_t len = strlen(raw);
  if (sh->raw_text && !lg_utf8_valid(raw, len)) {
    size_t n2;
    if (lg_iconv_to_utf8("GB18030", raw, len, &t, &n2, NULL) != 0) t = NULL;
  }
  if (!t) t = lg_strdup(raw);
  lg_trim(t);
  return t;
}

static void free_row(lg_sheet_t *sh) {
  if (sh->cells)
    for (int i = 0; i < sh->ncols; i++)
      lg_free(sh->cells[i]);
  lg_free(sh->cells);
  sh->cells = NULL;
  lg_free(sh->wkb);
  sh->wkb = NULL;
  sh->wkb_len = 0;
  if (sh->feat) OGR_F_Destroy(sh->feat);
  sh->feat = NULL;
}

void lg_formats_sheet_close(lg_sheet_t *sh) {
  if (!sh) return;
  free_row(sh);
  if (sh->ds) GDALClose(sh->ds);
  if (sh->vsimem[0]) VSIUnlink(sh->vsimem);
  if (sh->cols)
    for (int i = 0; i < sh->ncols; i++)
      lg_free(sh->cols[i]);
  lg_free(sh->cols);
  lg_free(sh->lines);
  lg_free(sh);
}

int lg_formats_sheet_open(const char *path, const char *name, const char *layer, lg_sheet_t **out,
                          lg_err_t *err) {
  pthread_once(&once, init_gdal);
  *out = NULL;
  lg_sheet_t *sh = lg_calloc(1, sizeof *sh);
  const char *base = strrchr(path, '/');
  snprintf(sh->name, sizeof sh->name, "%s", name && *name ? name : base ? base + 1 : path);
  char *text = NULL, *open_path = NULL;
  char **oo = NULL;
  int rc = 0;
  struct stat stb;
  if (stat(path, &stb) != 0) {
    rc = lg_err_set(err, LG_EIO, "%s: 文件不存在或无法读取", sh->name);
    goto done;
  }
  if (suffix(path, ".csv") || suffix(path, ".tsv")) {
    char *raw = NULL;
    size_t n = 0, tn = 0;
    const char *enc = NULL;
    if ((rc = lg_file_read(path, &raw, &n, err))) goto done;
    rc = lg_text_decode(raw, n, &text, &tn, &enc, err);
    lg_free(raw);
    if (rc) {
      lg_err_prefix(err, "%s: ", sh->name);
      goto done;
    }
    sh->csv = true;
    csv_record_lines(text, tn, &sh->lines, &sh->nlines);
    static atomic_uint serial;
    snprintf(sh->vsimem, sizeof sh->vsimem, "/vsimem/lg_sheet_%u.csv",
             atomic_fetch_add(&serial, 1));
    /* GDAL owns the copy (CPLMalloc'd) and frees it when the memory file
     * is unlinked at close. */
    GByte *copy = CPLMalloc(tn + 1);
    memcpy(copy, text, tn + 1);
    VSILFILE *f = VSIFileFromMemBuffer(sh->vsimem, copy, (vsi_l_offset)tn, TRUE);
    if (!f) {
      CPLFree(copy);
      sh->vsimem[0] = '\0';
      rc = lg_err_set(err, LG_EIO, "%s: 无法读入内存", sh->name);
      goto done;
    }
    VSIFCloseL(f);
    open_path = lg_strdup(sh->vsimem);
    oo = CSLSetNameValue(oo, "HEADERS", "YES");
    oo = CSLSetNameValue(oo, "AUTODETECT_TYPE", "NO");
    sh->kind = LG_SHEET_TABLE;
  } else if (suffix(path, ".xlsx") || suffix(path, ".ods")) {
    open_path = lg_strdup(path);
    oo = CSLSetNameValue(oo, "HEADERS", "FORCE");
    oo = CSLSetNameValue(oo, "FIELD_TYPES", "STRING");
    sh->kind = LG_SHEET_TABLE;
  } else {
    open_path = suffix(path, ".zip") ? lg_sprintf("/vsizip/%s", path) : lg_strdup(path);
    sh->kind = LG_SHEET_FEATURES;
    /* A shapefile without a .cpg: raw bytes, decoded here cell by cell. */
    if (suffix(path, ".shp") || suffix(path, ".dbf")) {
      char *cpg = lg_strdup(path);
      strcpy(cpg + strlen(cpg) - 4, ".cpg");
      bool has = stat(cpg, &stb) == 0;
      strcpy(cpg + strlen(cpg) - 4, ".CPG");
      has = has || stat(cpg, &stb) == 0;
      lg_free(cpg);
      if (!has) {
        oo = CSLSetNameValue(oo, "ENCODING", "");
        sh->raw_text = true;
      }
    }
  }
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
  const char *const allowed_tab[] = {"CSV", "XLSX", "ODS", NULL};
  sh->ds =
      GDALOpenEx(open_path, GDAL_OF_VECTOR | GDAL_OF_READONLY,
                 sh->kind == LG_SHEET_TABLE ? allowed_tab : NULL, (const char *const *)oo, NULL);
  char gerr[300];
  snprintf(gerr, sizeof gerr, "%s", CPLGetLastErrorMsg());
  CPLPopErrorHandler();
  if (!sh->ds) {
    rc = lg_err_set(err, LG_EINVAL, "%s: 无法作为表格或矢量数据打开%s%s", sh->name,
                    gerr[0] ? ": " : "", gerr);
    goto done;
  }
  sh->lyr = layer && *layer                        ? GDALDatasetGetLayerByName(sh->ds, layer)
            : GDALDatasetGetLayerCount(sh->ds) > 0 ? GDALDatasetGetLayer(sh->ds, 0)
                                                   : NULL;
  if (!sh->lyr) {
    rc = layer && *layer
             ? lg_err_set(err, LG_EINVAL, "%s: 没有名为 \"%s\" 的工作表或图层", sh->name, layer)
             : lg_err_set(err, LG_EINVAL, "%s: 没有工作表或图层", sh->name);
    goto done;
  }
  OGRFeatureDefnH fd = OGR_L_GetLayerDefn(sh->lyr);
  sh->ncols = OGR_FD_GetFieldCount(fd);
  sh->cols = lg_calloc((size_t)(sh->ncols ? sh->ncols : 1), sizeof(char *));
  for (int i = 0; i < sh->ncols; i++)
    sh->cols[i] = cell_text(sh, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i)));
  if (sh->kind == LG_SHEET_FEATURES) sh->srs = layer_epsg(sh->lyr);
  OGR_L_ResetReading(sh->lyr);
done:
  CSLDestroy(oo);
  lg_free(open_path);
  lg_free(text);
  if (rc) {
    lg_formats_sheet_close(sh);
    return rc;
  }
  *out = sh;
  return 0;
}

int lg_formats_sheet_next(lg_sheet_t *sh, lg_err_t *err) {
  free_row(sh);
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
  sh->feat = OGR_L_GetNextFeature(sh->lyr);
  char gerr[300];
  snprintf(gerr, sizeof gerr, "%s",
           CPLGetLastErrorType() >= CE_Failure ? CPLGetLastErrorMsg() : "");
  CPLPopErrorHandler();
  if (!sh->feat) {
    if (gerr[0]) return lg_err_set(err, LG_EINVAL, "%s: 读取失败: %s", sh->name, gerr);
    return 0;
  }
  GIntBig fid = OGR_F_GetFID(sh->feat);
  if (sh->csv) {
    /* Records are numbered from 1 after the header (record 0). */
    sh->row = fid >= 0 && (size_t)fid < sh->nlines ? sh->lines[fid] : (int64_t)fid + 1;
  } else {
    sh->row = (int64_t)fid;
  }
  sh->cells = lg_calloc((size_t)(sh->ncols ? sh->ncols : 1), sizeof(char *));
  for (int i = 0; i < sh->ncols; i++)
    sh->cells[i] = OGR_F_IsFieldSetAndNotNull(sh->feat, i)
                       ? cell_text(sh, OGR_F_GetFieldAsString(sh->feat, i))
                       : lg_strdup("");
  OGRGeometryH g = OGR_F_GetGeometryRef(sh->feat);
  if (g && !OGR_G_IsEmpty(g)) {
    OGRGeometryH flat = OGR_G_Clone(g);
    OGR_G_FlattenTo2D(flat);
    /* Curved types (from FileGDB) as their linear forms. */
    OGRGeometryH lin = OGR_G_GetLinearGeometry(flat, 0, NULL);
    OGR_G_DestroyGeometry(flat);
    if (lin) {
      size_t n = (size_t)OGR_G_WkbSize(lin);
      sh->wkb = lg_malloc(n);
      if (OGR_G_ExportToIsoWkb(lin, wkbNDR, sh->wkb) == OGRERR_NONE) {
        sh->wkb_len = n;
      } else {
        lg_free(sh->wkb);
        sh->wkb = NULL;
      }
      OGR_G_DestroyGeometry(lin);
    }
  }
  return 1;
}

/* ---- Values as sheets write them ----------------------------------------- */

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return n > 0;
}

int lg_formats_sheet_date(const char *text, int32_t *day) {
  if (!text) return LG_EINVAL;
  char buf[64];
  snprintf(buf, sizeof buf, "%s", text);
  lg_trim(buf);
  int y = 0, m = 0, d = 0;
  size_t n = strlen(buf);
  char rest[64] = "";
  if (n == 8 && all_digits(buf, 8)) {
    y = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + (buf[3] - '0');
    m = (buf[4] - '0') * 10 + (buf[5] - '0');
    d = (buf[6] - '0') * 10 + (buf[7] - '0');
  } else {
    /* 2020-3-1, 2020/03/01, 2020.03.01, 2020年3月1日, each with an optional
     * time after it (which a date does not need). */
    char *p = buf;
    char *end;
    long v[3];
    for (int k = 0; k < 3; k++) {
      if (*p < '0' || *p > '9') return LG_EINVAL;
      v[k] = strtol(p, &end, 10);
      if (end == p || end - p > (k == 0 ? 4 : 2)) return LG_EINVAL;
      p = end;
      if (k < 2) {
        if (*p == '-' || *p == '/' || *p == '.')
          p++;
        else if (!strncmp(p, "年", 3) && k == 0)
          p += 3;
        else if (!strncmp(p, "月", 3) && k == 1)
          p += 3;
        else
          return LG_EINVAL;
      }
    }
    if (!strncmp(p, "日", 3)) p += 3;
    snprintf(rest, sizeof rest, "%s", p);
    y = (int)v[0], m = (int)v[1], d = (int)v[2];
    /* Only a time of day may follow. */
    char *r = rest;
    while (*r == ' ' || *r == 'T')
      r++;
    for (; *r; r++)
      if (!((*r >= '0' && *r <= '9') || *r == ':' || *r == '.' || *r == 'Z')) return LG_EINVAL;
  }
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31) return LG_EINVAL;
  int32_t t = lg_date_from_ymd(y, m, d);
  int y2, m2, d2;
  lg_date_to_ymd(t, &y2, &m2, &d2);
  if (y2 != y || m2 != m || d2 != d) return LG_EINVAL; /* Feb 30 */
  *day = t;
  return 0;
}

int lg_formats_sheet_number(const char *text, double *v) {
  if (!text) return LG_EINVAL;
  char buf[96];
  size_t k = 0;
  for (const char *p = text; *p && k + 1 < sizeof buf; p++)
    if (*p != ',' && *p != ' ') buf[k++] = *p; /* thousands separators */
  buf[k] = '\0';
  if (!k) return LG_EINVAL;
  char *end;
  double x = strtod(buf, &end);
  if (end == buf || *end || !isfinite(x)) return LG_EINVAL;
  *v = x;
  return 0;
}
