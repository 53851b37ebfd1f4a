/*
 * GIS formats through GDAL/OGR: Shapefile (with .cpg, or GBK attributes
 * detected when there is none, as is common in Chinese data), GeoPackage,
 * GeoJSON, FileGDB (OpenFileGDB), KML and DXF in; the same out.
 *
 * An import reads the source once, writes features straight into a new
 * GeoPackage feature table (WKB from OGR, envelope scanned, R-tree filled
 * in the same pass) and commits once: the layer lands whole or not at all.
 * Coordinates are reprojected (through geo/) only when asked.
 */
#include "formats/formats.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *const lg_class_field_names[] = {
    "DLBM",               /* Third Land Survey class code (三调 地类编码) */
    "DLDM",               /* older surveys' class code */
    "YDYHFLDM",           /* 2023 land and sea use classification code */
    "YDYHDM",   "GHYTDM", /* planned use code (规划用途代码) */
    "GHDLDM",   "YDDM",   "地类编码", "用地代码", NULL,
};

const char *lg_formats_detect_class_field(const char *const *names, size_t n) {
  for (int k = 0; lg_class_field_names[k]; k++)
    for (size_t i = 0; i < n; i++)
      if (names[i] && strcasecmp(names[i], lg_class_field_names[k]) == 0) return names[i];
  return NULL;
}

/* GDAL reports read errors through its error handler; during an import
 * landgov keeps the first failure for its own message instead of letting
 * GDAL print one line per damaged record. */
static _Thread_local char first_gdal_error[512];
static void CPL_STDCALL quiet_handler(CPLErr cls, CPLErrorNum no, const char *msg) {
  (void)no;
  if (cls >= CE_Failure && !first_gdal_error[0])
    snprintf(first_gdal_error, sizeof first_gdal_error, "%s", msg);
}

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_init(void) {
  GDALAllRegister();
  CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0");
}
static void gdal_ready(void) { pthread_once(&gdal_once, gdal_init); }

static bool has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* A shapefile's attributes are decoded by GDAL when a .cpg names their
 * code page; without one (and without --encoding) landgov asks GDAL for
 * raw bytes and decides itself: UTF-8 if every sampled string is valid
 * UTF-8, otherwise GBK. */
static bool shp_needs_detection(const char *path) {
  if (!has_suffix(path, ".shp") && !has_suffix(path, ".dbf")) return false;
  char *cpg = lg_strdup(path);
  strcpy(cpg + strlen(cpg) - 4, ".cpg");
  bool has = file_exists(cpg);
  if (!has) {
    strcpy(cpg + strlen(cpg) - 4, ".CPG");
    has = file_exists(cpg);
  }
  lg_free(cpg);
  return !has;
}

/* How GDAL's layer geometry type maps to a GeoPackage column type: polygons
 * are stored as MULTIPOLYGON (shapefiles mix Polygon and MultiPolygon
 * under one type), lines as MULTILINESTRING. */
static const char *gpkg_type_for(OGRwkbGeometryType t, bool *promote) {
  *promote = false;
  switch (wkbFlatten(t)) {
  case wkbPolygon:
  case wkbMultiPolygon:
  case wkbCurvePolygon:
  case wkbMultiSurface:
    *promote = true;
    return "MULTIPOLYGON";
  case wkbLineString:
  case wkbMultiLineString:
  case wkbCircularString:
  case wkbCompoundCurve:
  case wkbMultiCurve:
    *promote = true;
    return "MULTILINESTRING";
  case wkbPoint:
    return "POINT";
  case wkbMultiPoint:
    return "MULTIPOINT";
  default:
    return "GEOMETRY";
  }
}

static int field_type_for(OGRFieldType t) {
  switch (t) {
  case OFTInteger:
  case OFTInteger64:
    return LG_FIELD_INTEGER;
  case OFTReal:
    return LG_FIELD_REAL;
  case OFTDate:
    return LG_FIELD_DATE;
  case OFTDateTime:
    return LG_FIELD_DATETIME;
  case OFTBinary:
    return LG_FIELD_BLOB;
  default:
    return LG_FIELD_TEXT;
  }
}

/* Identifies the EPSG code of a layer's CRS. Without one, a projected
 * layer whose eastings carry a Gauss-Kruger zone prefix is taken to be
 * CGCS2000 in that zone, and longitude/latitude within China's range to be
 * CGCS2000 geographic; anything else is refused as unknown. */
static int detect_srs(OGRLayerH lyr, const char *path, int override, int *epsg, lg_err_t *err) {
  if (override > 0) {
    *epsg = override;
    return 0;
  }
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(lyr);
  if (srs) {
    OGRSpatialReferenceH c = OSRClone(srs);
    const char *code = NULL;
    if (OSRAutoIdentifyEPSG(c) == OGRERR_NONE) code = OSRGetAuthorityCode(c, NULL);
    if (code &&
        (!OSRGetAuthorityName(c, NULL) || strcmp(OSRGetAuthorityName(c, NULL), "EPSG") == 0)) {
      *epsg = atoi(code);
      OSRDestroySpatialReference(c);
      return 0;
    }
    OSRDestroySpatialReference(c);
    int nm = 0;
    int *conf = NULL;
    OGRSpatialReferenceH *m = OSRFindMatches(srs, NULL, &nm, &conf);
    int best = -1;
    for (int i = 0; i < nm; i++)
      if (conf[i] >= 70 && (best < 0 || conf[i] > conf[best])) best = i;
    if (best >= 0 && OSRGetAuthorityCode(m[best], NULL)) {
      *epsg = atoi(OSRGetAuthorityCode(m[best], NULL));
      OSRFreeSRSArray(m);
      CPLFree(conf);
      return 0;
    }
    if (m) OSRFreeSRSArray(m);
    CPLFree(conf);
    char *wkt = NULL;
    OSRExportToWkt(srs, &wkt);
    lg_err_set(err, LG_ECRS,
               "%s: 无法识别坐标系 (不是已知的 EPSG 坐标系); 请用 --srs EPSG代码 指定", path);
    lg_err_where(err, "%.200s", wkt ? wkt : "");
    CPLFree(wkt);
    return LG_ECRS;
  }
  OGREnvelope e;
  if (OGR_L_GetExtent(lyr, &e, 1) == OGRERR_NONE) {
    int zone, width, code;
    if (lg_gk_zone_from_easting(e.MinX, &zone, &width, &code) == 0 &&
        lg_gk_zone_from_easting(e.MaxX, NULL, NULL, NULL) == 0 && (int)(e.MaxX / 1e6) == zone &&
        e.MinY > 0 && e.MaxY < 6e6) {
      *epsg = code;
      lg_log(LG_LOG_INFO,
             "%s 没有坐标系定义, 按东坐标带号前缀判定为 CGCS2000 %d 度带第 %d 带 (EPSG:%d)", path,
             width, zone, code);
      return 0;
    }
    if (e.MinX >= 73 && e.MaxX <= 136 && e.MinY >= 3 && e.MaxY <= 54) {
      *epsg = 4490;
      lg_log(LG_LOG_INFO, "%s 没有坐标系定义, 按经纬度范围判定为 CGCS2000 地理坐标 (EPSG:4490)",
             path);
      return 0;
    }
  }
  return lg_err_set(
      err, LG_ECRS,
      "%s: 坐标系未知 (文件没有 .prj 等坐标系定义, 坐标也不像带号前缀的高斯-克吕格坐标); "
      "请用 --srs EPSG代码 指定",
      path);
}

typedef struct {
  bool raw; /* strings arrive as raw bytes and must be decoded */
  bool gbk; /* ... from GBK (otherwise they are UTF-8) */
} decoder_t;

/* Returns UTF-8 text for a raw or decoded string; *tmp receives memory to
 * free when a conversion happened. */
static const char *decode_str(const decoder_t *d, const char *s, char **tmp) {
  *tmp = NULL;
  if (!s || !d->raw || !d->gbk) return s;
  if (lg_iconv_to_utf8("GBK", s, strlen(s), tmp, NULL, NULL) != 0) return s;
  return *tmp;
}

static void sample_encoding(OGRLayerH lyr, OGRFeatureDefnH defn, decoder_t *d) {
  int nf = OGR_FD_GetFieldCount(defn);
  for (int i = 0; i < nf && !d->gbk; i++) {
    const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
    if (!lg_utf8_valid(name, strlen(name))) d->gbk = true;
  }
  OGR_L_ResetReading(lyr);
  OGRFeatureH f;
  int seen = 0;
  while (!d->gbk && seen++ < 2000 && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
    for (int i = 0; i < nf; i++) {
      if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)) != OFTString ||
          !OGR_F_IsFieldSetAndNotNull(f, i))
        continue;
      const char *v = OGR_F_GetFieldAsString(f, i);
      if (!lg_utf8_valid(v, strlen(v))) {
        d->gbk = true;
        break;
      }
    }
    OGR_F_Destroy(f);
  }
  OGR_L_ResetReading(lyr);
}

/* GeoJSON, KML and DXF declare no geometry type when features mix Polygon
 * and MultiPolygon; a pass over the features finds the family they share
 * (unknown when they mix areas, lines and points). */
static OGRwkbGeometryType scan_geometry_type(OGRLayerH lyr) {
  OGRwkbGeometryType fam = wkbNone;
  OGRFeatureH f;
  OGR_L_ResetReading(lyr);
  while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
    OGRGeometryH geom = OGR_F_GetGeometryRef(f);
    OGRwkbGeometryType t = geom ? wkbFlatten(OGR_G_GetGeometryType(geom)) : wkbNone;
    OGR_F_Destroy(f);
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface)
      t = wkbMultiPolygon;
    else if (t == wkbLineString || t == wkbMultiLineString || t == wkbCompoundCurve ||
             t == wkbCircularString || t == wkbMultiCurve)
      t = wkbMultiLineString;
    else if (t == wkbPoint)
      t = wkbPoint;
    else if (t == wkbMultiPoint)
      t = wkbMultiPoint;
    else
      t = wkbUnknown;
    if (fam == wkbNone)
      fam = t;
    else if (fam != t) {
      fam = wkbUnknown;
      break;
    }
  }
  OGR_L_ResetReading(lyr);
  return fam == wkbNone ? wkbUnknown : fam;
}

/* Opens a source for reading; raw asks the shapefile driver for undecoded bytes. */
static GDALDatasetH open_source(const char *path, const char *encoding, bool raw, lg_err_t *err) {
  char **oo = NULL;
  if (encoding)
    oo = CSLSetNameValue(oo, "ENCODING", encoding);
  else if (raw)
    oo = CSLSetNameValue(oo, "ENCODING", "");
  CPLErrorReset();
  CPLPushErrorHandler(CPLQuietErrorHandler);
  GDALDatasetH ds =
      GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, (const char *const *)oo, NULL);
  CPLPopErrorHandler();
  CSLDestroy(oo);
  if (!ds) {
    if (!file_exists(path))
      lg_err_set(err, LG_EIO, "文件 %s 不存在或无法读取", path);
    else
      lg_err_set(err, LG_EINVAL, "无法读取 %s: 不是可识别的矢量数据, 或文件已损坏 (%s)", path,
                 CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "GDAL 无法识别");
  }
  return ds;
}

int lg_formats_ogr_import(lg_store_t *s, const char *path, const lg_formats_import_opts_t *o,
                          lg_formats_import_result_t *res, lg_err_t *err) {
  gdal_ready();
  double t0 = lg_mono();
  memset(res, 0, sizeof *res);
  decoder_t dec = {0};
  dec.raw = !o->encoding && shp_needs_detection(path);
  GDALDatasetH ds = open_source(path, o->encoding, dec.raw, err);
  if (!ds) return err ? err->code : LG_EINVAL;

  int rc = 0;
  bool in_tx = false, pushed = false;
  unsigned char *wkb = NULL;
  lg_store_writer_t *w = NULL;
  lg_field_t *fields = NULL;
  char **tmp_names = NULL;
  int *src_index = NULL;
  OGRFeatureH f = NULL;
  const char *role = o->role ? o->role : "other";
  lg_geo_t *g = lg_geo_thread();

  CPLPushErrorHandler(quiet_handler);
  pushed = true;
  OGRLayerH lyr =
      o->src_layer ? GDALDatasetGetLayerByName(ds, o->src_layer) : GDALDatasetGetLayer(ds, 0);
  if (!lyr) {
    rc = lg_err_set(err, LG_ENOTFOUND, o->src_layer ? "%s 中没有图层 %s" : "%s 中没有任何图层",
                    path, o->src_layer ? o->src_layer : "");
    goto done;
  }
  snprintf(res->format, sizeof res->format, "%s", GDALGetDriverShortName(GDALGetDatasetDriver(ds)));
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
  if (dec.raw) sample_encoding(lyr, defn, &dec);
  snprintf(res->encoding, sizeof res->encoding, "%s",
           o->encoding ? o->encoding
           : dec.raw   ? (dec.gbk ? "GBK" : "UTF-8")
                       : "UTF-8");

  int epsg = 0;
  if ((rc = detect_srs(lyr, path, o->src_srs, &epsg, err))) goto done;
  int out_srs = o->to_srs > 0 ? o->to_srs : epsg;
  if (lg_crs_is_projected(g, out_srs) < 0) {
    rc = lg_err_set(err, LG_ECRS, "未知坐标系 EPSG:%d", out_srs);
    goto done;
  }

  /* Fields: names decoded, clashes with fid/geom renamed, duplicates skipped. */
  int nf = OGR_FD_GetFieldCount(defn);
  fields = lg_calloc((size_t)nf + 1, sizeof *fields);
  tmp_names = lg_calloc((size_t)nf + 1, sizeof *tmp_names);
  src_index = lg_calloc((size_t)nf + 1, sizeof *src_index);
  size_t nfields = 0;
  for (int i = 0; i < nf; i++) {
    OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
    char *conv;
    const char *name = decode_str(&dec, OGR_Fld_GetNameRef(fd), &conv);
    char *final;
    if (strcasecmp(name, "fid") == 0 || strcasecmp(name, "geom") == 0)
      final = lg_sprintf("src_%s", name);
    else
      final = lg_strdup(name);
    lg_free(conv);
    bool dup = false;
    for (size_t k = 0; k < nfields; k++)
      dup |= strcasecmp(fields[k].name, final) == 0;
    if (dup || !*final) {
      lg_free(final);
      continue;
    }
    tmp_names[nfields] = final;
    fields[nfields].name = final;
    fields[nfields].type = field_type_for(OGR_Fld_GetType(fd));
    src_index[nfields] = i;
    nfields++;
  }

  const char *class_field = NULL;
  if (o->class_field) {
    for (size_t k = 0; k < nfields; k++)
      if (strcasecmp(fields[k].name, o->class_field) == 0) class_field = fields[k].name;
    if (!class_field) {
      rc = lg_err_set(err, LG_EINVAL, "%s 中没有字段 %s (--class-field)", path, o->class_field);
      goto done;
    }
  } else {
    class_field = lg_formats_detect_class_field((const char *const *)tmp_names, nfields);
    if (!class_field && (strcmp(role, "landuse") == 0 || strcmp(role, "plan") == 0)) {
      rc = lg_err_set(err, LG_EINVAL,
                      "%s 中没有找到地类编码字段 (DLBM、DLDM、YDYHFLDM、GHYTDM 等); "
                      "请用 --class-field 字段名 指定",
                      path);
      goto done;
    }
  }
  snprintf(res->class_field, sizeof res->class_field, "%s", class_field ? class_field : "");

  GIntBig total = OGR_L_GetFeatureCount(lyr, 0);
  if (o->max_features > 0 && total > o->max_features) {
    rc = lg_err_set(err, LG_ELIMIT, "%s 有 %lld 个要素, 超过上限 %lld", path, (long long)total,
                    (long long)o->max_features);
    goto done;
  }

  bool promote;
  OGRwkbGeometryType decl = OGR_L_GetGeomType(lyr);
  if (wkbFlatten(decl) == wkbUnknown) decl = scan_geometry_type(lyr);
  const char *gtype = gpkg_type_for(decl, &promote);
  snprintf(res->geom_type, sizeof res->geom_type, "%s", gtype);
  snprintf(res->layer, sizeof res->layer, "%s", o->layer);
  res->srs_id = out_srs;

  char *meta = lg_sprintf("{\"source_format\":\"%s\",\"source_srs\":%d,\"encoding\":\"%s\"}",
                          res->format, epsg, res->encoding);
  lg_layer_def_t def = {.name = o->layer,
                        .title = o->title,
                        .role = role,
                        .class_field = class_field,
                        .geom_type = gtype,
                        .srs_id = out_srs,
                        .fields = fields,
                        .nfields = nfields,
                        .source = path,
                        .meta = meta};
  if ((rc = lg_store_begin(s, err)) == 0) in_tx = true;
  lg_store_bulk_mode(s, true);
  if (rc == 0) rc = lg_store_layer_create(s, &def, o->replace, err);
  lg_free(meta);
  if (rc == 0) rc = lg_store_writer_new(s, o->layer, &w, err);
  if (rc) goto done;

  size_t wkb_cap = 0;
  int64_t nread = 0;
  OGR_L_ResetReading(lyr);
  CPLErrorReset();
  first_gdal_error[0] = '\0';
  while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
    nread++;
    for (size_t k = 0; k < nfields; k++) {
      int i = src_index[k];
      if (!OGR_F_IsFieldSetAndNotNull(f, i)) {
        lg_store_writer_null(w, (int)k);
        continue;
      }
      switch (fields[k].type) {
      case LG_FIELD_INTEGER:
        lg_store_writer_int(w, (int)k, OGR_F_GetFieldAsInteger64(f, i));
        break;
      case LG_FIELD_REAL:
        lg_store_writer_real(w, (int)k, OGR_F_GetFieldAsDouble(f, i));
        break;
      default: {
        char *conv;
        const char *v = decode_str(&dec, OGR_F_GetFieldAsString(f, i), &conv);
        lg_store_writer_text(w, (int)k, v);
        lg_free(conv);
      }
      }
    }
    OGRGeometryH geom = OGR_F_StealGeometry(f);
    if (!geom && first_gdal_error[0]) {
      rc = lg_err_set(err, LG_EINVAL, "读取 %s 时出错 (第 %lld 个要素): %s; 文件可能不完整或已损坏",
                      path, (long long)nread, first_gdal_error);
      goto done;
    }
    if (!geom) {
      rc = lg_err_set(err, LG_EGEOM, "%s 第 %lld 个要素 (FID %lld) 没有几何", path,
                      (long long)nread, (long long)OGR_F_GetFID(f));
      goto done;
    }
    if (OGR_G_HasCurveGeometry(geom, 1)) {
      OGRGeometryH lin = OGR_G_GetLinearGeometry(geom, 0, NULL);
      OGR_G_DestroyGeometry(geom);
      geom = lin;
    }
    OGR_G_FlattenTo2D(geom);
    if (promote) {
      OGRwkbGeometryType ft = wkbFlatten(OGR_G_GetGeometryType(geom));
      if (ft == wkbPolygon)
        geom = OGR_G_ForceToMultiPolygon(geom);
      else if (ft == wkbLineString)
        geom = OGR_G_ForceToMultiLineString(geom);
    }
    size_t n = (size_t)OGR_G_WkbSize(geom);
    if (n > wkb_cap) {
      wkb_cap = n * 2;
      wkb = lg_realloc(wkb, wkb_cap);
    }
    OGR_G_ExportToIsoWkb(geom, wkbNDR, wkb);
    OGR_G_DestroyGeometry(geom);
    if (out_srs != epsg) {
      lg_geom_t *gg = lg_geom_from_wkb(g, wkb, n, err);
      lg_geom_t *tg = gg ? lg_geom_transform(g, gg, epsg, out_srs, err) : NULL;
      lg_geom_free(g, gg);
      if (!tg) {
        lg_err_where(err, "%s 第 %lld 个要素", path, (long long)nread);
        rc = err ? err->code : LG_ECRS;
        goto done;
      }
      lg_free(wkb);
      wkb = lg_geom_to_wkb(g, tg, &n);
      wkb_cap = n;
      lg_geom_free(g, tg);
    }
    rc = lg_store_writer_add_wkb(w, 0, wkb, n, NULL, err);
    OGR_F_Destroy(f);
    f = NULL;
    if (rc) {
      lg_err_where(err, "%s 第 %lld 个要素", path, (long long)nread);
      goto done;
    }
  }
  /* A truncated file shows up as a read error rather than an early end. */
  if (first_gdal_error[0]) {
    rc = lg_err_set(err, LG_EINVAL,
                    "读取 %s 时出错 (读到第 %lld 个要素): %s; 文件可能不完整或已损坏", path,
                    (long long)nread, first_gdal_error);
    goto done;
  }
  if (total >= 0 && nread < total) {
    rc = lg_err_set(err, LG_EINVAL, "%s 声明有 %lld 个要素, 只读到 %lld 个; 文件可能不完整", path,
                    (long long)total, (long long)nread);
    goto done;
  }
  if ((rc = lg_store_writer_finish(w, err))) goto done;
  rc = lg_store_commit(s, err);
  in_tx = false;
  res->count = nread;

done:
  lg_free(wkb);
  if (pushed) CPLPopErrorHandler();
  if (f) OGR_F_Destroy(f);
  lg_store_writer_free(w);
  if (in_tx) lg_store_rollback(s);
  lg_store_bulk_mode(s, false);
  if (tmp_names)
    for (int i = 0; tmp_names[i]; i++)
      lg_free(tmp_names[i]);
  lg_free(tmp_names);
  lg_free(fields);
  lg_free(src_index);
  GDALClose(ds);
  res->seconds = lg_mono() - t0;
  return rc;
}

/* ---- Export ---------------------------------------------------------------- */

static const struct {
  const char *format, *driver, *ext;
} drivers[] = {
    {"geojson", "GeoJSON", ".geojson"},
    {"gpkg", "GPKG", ".gpkg"},
    {"shp", "ESRI Shapefile", ".shp"},
    {"kml", "KML", ".kml"},
    {"dxf", "DXF", ".dxf"},
    {"gdb", "OpenFileGDB", ".gdb"},
};

static OGRwkbGeometryType ogr_type_for(const char *gpkg) {
  if (strcasecmp(gpkg, "MULTIPOLYGON") == 0) return wkbMultiPolygon;
  if (strcasecmp(gpkg, "POLYGON") == 0) return wkbPolygon;
  if (strcasecmp(gpkg, "MULTILINESTRING") == 0) return wkbMultiLineString;
  if (strcasecmp(gpkg, "LINESTRING") == 0) return wkbLineString;
  if (strcasecmp(gpkg, "POINT") == 0) return wkbPoint;
  if (strcasecmp(gpkg, "MULTIPOINT") == 0) return wkbMultiPoint;
  return wkbUnknown;
}

int lg_formats_ogr_export(lg_store_t *s, const char *layer, const char *path,
                          const lg_formats_export_opts_t *o, lg_err_t *err) {
  gdal_ready();
  const char *fmt = o && o->format ? o->format : NULL;
  const char *driver = NULL;
  for (size_t i = 0; i < LG_ARRAY_LEN(drivers); i++) {
    if (fmt ? strcasecmp(fmt, drivers[i].format) == 0 : has_suffix(path, drivers[i].ext)) {
      driver = drivers[i].driver;
      fmt = drivers[i].format;
    }
  }
  if (!driver)
    return lg_err_set(err, LG_EUNSUPPORTED,
                      "不支持的导出格式 %s; 可用: txt, geojson, gpkg, shp, kml, dxf, gdb",
                      fmt ? fmt : path);
  lg_layer_info_t info;
  int rc = lg_store_layer_get(s, layer, &info, err);
  if (rc) return rc;
  lg_store_layer_info_fini(&info);
  /* KML is WGS 84 by definition; CGCS2000 coincides with it to centimetres. */
  int out_srs = o && o->to_srs > 0 ? o->to_srs : strcmp(fmt, "kml") == 0 ? 4490 : info.srs_id;
  lg_geo_t *g = lg_geo_thread();
  GDALDriverH drv = GDALGetDriverByName(driver);
  if (!drv) return lg_err_set(err, LG_EUNSUPPORTED, "GDAL 缺少 %s 驱动", driver);
  if (file_exists(path)) GDALDeleteDataset(drv, path);
  GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  if (!ds) return lg_err_set(err, LG_EIO, "无法创建 %s: %s", path, CPLGetLastErrorMsg());
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(srs, out_srs);
  OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
  char **lco = NULL;
  if (strcmp(fmt, "shp") == 0) lco = CSLSetNameValue(lco, "ENCODING", "UTF-8");
  OGRLayerH lyr = GDALDatasetCreateLayer(ds, info.name, srs, ogr_type_for(info.geom_type), lco);
  CSLDestroy(lco);
  OSRRelease(srs);
  lg_store_reader_t *r = NULL;
  lg_field_t *fields = NULL;
  size_t nf = 0;
  if (!lyr) {
    rc = lg_err_set(err, LG_EIO, "无法在 %s 中创建图层: %s", path, CPLGetLastErrorMsg());
    goto done;
  }
  if ((rc = lg_store_layer_fields(s, layer, &fields, &nf, err))) goto done;
  for (size_t i = 0; i < nf; i++) {
    OGRFieldType t = fields[i].type == LG_FIELD_INTEGER ? OFTInteger64
                     : fields[i].type == LG_FIELD_REAL  ? OFTReal
                                                        : OFTString;
    OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, t);
    OGR_L_CreateField(lyr, fd, 1);
    OGR_Fld_Destroy(fd);
  }
  if ((rc = lg_store_reader_new(s, layer, NULL, &r, err))) goto done;
  if (GDALDatasetTestCapability(ds, ODsCTransactions)) GDALDatasetStartTransaction(ds, 0);
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
  while ((rc = lg_store_reader_next(r, err)) == 1) {
    OGRFeatureH f = OGR_F_Create(defn);
    for (int i = 0; i < lg_store_reader_nfields(r); i++) {
      int t = lg_store_reader_field_type(r, i);
      int fi = OGR_F_GetFieldIndex(f, lg_store_reader_field_name(r, i));
      if (fi < 0 || t == 5 /* LG_COL_NULL */) continue;
      if (t == 1)
        OGR_F_SetFieldInteger64(f, fi, lg_store_reader_int(r, i));
      else if (t == 2)
        OGR_F_SetFieldDouble(f, fi, lg_store_reader_real(r, i));
      else
        OGR_F_SetFieldString(f, fi, lg_store_reader_text(r, i));
    }
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    if (blob) {
      lg_geom_t *gg = lg_geom_from_gpkg(g, blob, n, err);
      if (gg && out_srs != info.srs_id) {
        lg_geom_t *tg = lg_geom_transform(g, gg, info.srs_id, out_srs, err);
        lg_geom_free(g, gg);
        gg = tg;
      }
      if (!gg) {
        OGR_F_Destroy(f);
        rc = err ? err->code : LG_EGEOM;
        goto done;
      }
      size_t wn;
      unsigned char *wkb = lg_geom_to_wkb(g, gg, &wn);
      lg_geom_free(g, gg);
      OGRGeometryH og = NULL;
      OGR_G_CreateFromWkb(wkb, NULL, &og, (int)wn);
      lg_free(wkb);
      if (og) OGR_F_SetGeometryDirectly(f, og);
    }
    OGR_F_SetFID(f, lg_store_reader_fid(r));
    if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE) {
      OGR_F_Destroy(f);
      rc = lg_err_set(err, LG_EIO, "写入 %s 失败: %s", path, CPLGetLastErrorMsg());
      goto done;
    }
    OGR_F_Destroy(f);
  }
  if (rc == 0 && GDALDatasetTestCapability(ds, ODsCTransactions)) GDALDatasetCommitTransaction(ds);

done:
  lg_store_reader_free(r);
  lg_store_fields_free(fields, nf);
  GDALClose(ds);
  if (rc) {
    GDALDriverH d2 = GDALGetDriverByName(driver);
    if (d2 && file_exists(path)) GDALDeleteDataset(d2, path);
  }
  return rc;
}

/* ---- Geometries of a file, for a boundary (lg_formats_read_geoms) ---------- */

int lg_formats_read_geoms(const char *path, int srs_override, int *srs, char driver[32],
                          lg_formats_geom_fn cb, void *ud, lg_err_t *err) {
  GDALAllRegister();
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!ds) return lg_err_set(err, LG_EIO, "无法打开文件 %s: %s", path, CPLGetLastErrorMsg());
  int rc = 0;
  OGRLayerH lyr = GDALDatasetGetLayerCount(ds) > 0 ? GDALDatasetGetLayer(ds, 0) : NULL;
  if (!lyr) {
    rc = lg_err_set(err, LG_EINVAL, "%s 中没有图层", path);
    goto done;
  }
  if ((rc = detect_srs(lyr, path, srs_override, srs, err))) goto done;
  if (driver) snprintf(driver, 32, "%s", GDALGetDriverShortName(GDALGetDatasetDriver(ds)));
  OGR_L_ResetReading(lyr);
  OGRFeatureH f;
  int idx = 0;
  unsigned char *wkb = NULL;
  size_t cap = 0;
  while (rc == 0 && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
    idx++;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (og) {
      size_t n = (size_t)OGR_G_WkbSize(og);
      if (n > cap) wkb = lg_realloc(wkb, cap = n);
      OGR_G_ExportToIsoWkb(og, wkbNDR, wkb);
      rc = cb(ud, idx, wkb, n, err);
    }
    OGR_F_Destroy(f);
  }
  lg_free(wkb);
done:
  GDALClose(ds);
  return rc;
}

int lg_formats_read_zip_geoms(const void *data, size_t n, const char *name, int srs_override,
                              int *srs, char driver[32], lg_formats_geom_fn cb, void *ud,
                              lg_err_t *err) {
  static _Atomic unsigned long serial;
  char mem[96], vsi[128];
  snprintf(mem, sizeof mem, "/vsimem/landgov-upload-%lu.zip", (unsigned long)++serial);
  snprintf(vsi, sizeof vsi, "/vsizip/%s", mem);
  VSILFILE *f = VSIFileFromMemBuffer(mem, (GByte *)data, (vsi_l_offset)n, FALSE);
  if (!f) return lg_err_set(err, LG_EIO, "无法读取压缩包 %s", name);
  VSIFCloseL(f);
  int rc = lg_formats_read_geoms(vsi, srs_override, srs, driver, cb, ud, err);
  VSIUnlink(mem);
  if (rc == LG_EIO || rc == LG_ENOTFOUND) {
    rc = lg_err_set(err, LG_EINVAL,
                    "%s 中没有可读的 Shapefile: 请把 .shp、.shx、.dbf 和 .prj 直接放在压缩包根目录",
                    name);
  } else if (rc && err) {
    /* Name the upload, not GDAL's virtual path, in the message. */
    char *at = strstr(err->msg, vsi);
    if (at) {
      char *fixed = lg_sprintf("%.*s%s%s", (int)(at - err->msg), err->msg, name, at + strlen(vsi));
      snprintf(err->msg, sizeof err->msg, "%s", fixed);
      lg_free(fixed);
    }
  }
  return rc;
}
