/*
 * formats: getting layers and boundaries into and out of landgov. GDAL/OGR
 * for the GIS formats bureaus use (Shapefile with GBK attributes,
 * GeoPackage, GeoJSON, FileGDB, KML, DXF), and a native reader and writer
 * for the Ministry standard coordinate file (部标准格式坐标文件,
 * DOMAIN.md section 3).
 *
 * Every import runs in one store transaction: it lands whole or not at all.
 */
#ifndef LG_FORMATS_H
#define LG_FORMATS_H

#include "core/core.h"
#include "geo/geo.h"
#include "store/store.h"

typedef struct lg_formats_import_opts {
  const char *layer;       /* target table name (required) */
  const char *title;       /* human name; NULL: the layer name */
  const char *role;        /* eprl, pbf, udb, landuse, plan, boundary, other */
  const char *class_field; /* land-class code field; NULL: detect */
  const char *encoding;    /* attribute encoding (GBK, UTF-8); NULL: detect */
  const char *src_layer;   /* layer inside a multi-layer source; NULL: the first */
  int src_srs;             /* EPSG of the source when it declares none; 0: from file */
  int to_srs;              /* reproject into this EPSG; 0: keep the source CRS */
  bool replace;            /* replace an existing layer of that name */
  int64_t max_features;    /* refuse sources with more features; 0: no limit
                              (lg_formats_import: 0 is the store's setting
                              limits.import_features, negative no limit) */
} lg_formats_import_opts_t;

typedef struct lg_formats_import_result {
  int64_t count; /* features written */
  int srs_id;    /* CRS of the stored layer */
  char layer[128];
  char geom_type[32];
  char class_field[64]; /* detected or given; "" if none */
  char encoding[32];    /* what the attributes were decoded from */
  char format[32];      /* "ESRI Shapefile", "GPKG", "部标准坐标文件" ... */
  double seconds;
} lg_formats_import_result_t;

/* Imports any supported file into the store as a new layer. Ministry
 * coordinate files (.txt) go to lg_formats_mtxt_import, everything else through
 * GDAL/OGR. */
int lg_formats_import(lg_store_t *s, const char *path, const lg_formats_import_opts_t *o,
                      lg_formats_import_result_t *res, lg_err_t *err);
/* Imports through GDAL/OGR. */
int lg_formats_ogr_import(lg_store_t *s, const char *path, const lg_formats_import_opts_t *o,
                          lg_formats_import_result_t *res, lg_err_t *err);

typedef struct lg_formats_export_opts {
  const char *format; /* "txt" (Ministry file), "geojson", "gpkg", "shp", "kml", "dxf" */
  int to_srs;         /* 0: the layer's CRS */
} lg_formats_export_opts_t;

/* Exports a layer to a file in the given format. */
int lg_formats_export(lg_store_t *s, const char *layer, const char *path,
                      const lg_formats_export_opts_t *o, lg_err_t *err);
int lg_formats_ogr_export(lg_store_t *s, const char *layer, const char *path,
                          const lg_formats_export_opts_t *o, lg_err_t *err);

/* Class-code field names recognised when --class-field is not given, in
 * order of preference: DLBM (Third Land Survey), DLDM, YDYHFLDM (2023 use
 * classification), GHYTDM (planned use), ... */
extern const char *const lg_class_field_names[];
/* The first of lg_class_field_names present among names (case-insensitive),
 * or NULL. */
const char *lg_formats_detect_class_field(const char *const *names, size_t n);

/* The geometries of the first layer of any vector file GDAL reads
 * (Shapefile, GeoPackage, KML, GeoJSON, FileGDB, a path under /vsizip/),
 * each as 2D-or-more ISO WKB, with the layer's CRS found the one way
 * landgov finds it (the .prj's EPSG code, by GDAL's best match; without
 * one, a Gauss-Kruger zone prefix in the eastings or longitudes and
 * latitudes within China's range). srs_override > 0 skips the detection.
 * cb is called for each feature with a geometry (index counts features
 * from 1, those without a geometry too); a non-zero return stops the
 * reading and is returned. driver[32] receives GDAL's short name. */
typedef int (*lg_formats_geom_fn)(void *ud, int index, const unsigned char *wkb, size_t n,
                                  lg_err_t *err);
int lg_formats_read_geoms(const char *path, int srs_override, int *srs, char driver[32],
                          lg_formats_geom_fn cb, void *ud, lg_err_t *err);
/* The same over bytes in memory that hold a zip (a zipped Shapefile, as
 * people send one): read in place through GDAL's /vsizip/ over /vsimem/,
 * nothing written to disk. name is for messages. */
int lg_formats_read_zip_geoms(const void *data, size_t n, const char *name, int srs_override,
                              int *srs, char driver[32], lg_formats_geom_fn cb, void *ud,
                              lg_err_t *err);

/* ---- Ministry standard coordinate file (ministry.c, ministry_store.c) --
 * The text file every surveyed boundary arrives in (部标准格式坐标文件,
 * DOMAIN.md section 3): a [属性描述] section of key=value lines, then a
 * [地块坐标] section of parcels, each a header line ending in "@" followed
 * by point lines "点号,圈号,X,Y" (X northing, Y easting with zone prefix).
 *
 * Inside landgov x is the easting (the file's Y, zone prefix kept as
 * written) and y the northing (the file's X). */

/* Tolerance between a parcel's declared 地块面积 and its planar area
 * computed from the coordinates; beyond it the parse records a warning.
 * The file gives areas to 4 decimals of a hectare. */
#define LG_MTXT_AREA_TOL_HA 0.0001

/* Geodetic datums a file may name in 坐标系. */
enum { LG_MTXT_DATUM_UNKNOWN, LG_MTXT_CGCS2000, LG_MTXT_XIAN80, LG_MTXT_BEIJING54 };

/* Parcel header layouts: the standard one (界址点数,地块面积,地块编号,地块名称,
 * 图形属性,图幅号,地块用途,地类编码[,描述],@) and the one with the township
 * after the area (界址点数,地块面积,乡镇代码,乡镇名称,地块编号,...). */
enum { LG_MTXT_LAYOUT_STANDARD, LG_MTXT_LAYOUT_TOWNSHIP };

/* Roles of the parcel header fields, for lg_formats_mtxt_field. */
enum {
  LG_MTXT_NPOINTS,       /* 界址点数 (closing repeat included) */
  LG_MTXT_AREA,          /* 地块面积, hectares */
  LG_MTXT_TOWNSHIP_CODE, /* 乡镇代码 (township layout only) */
  LG_MTXT_TOWNSHIP_NAME, /* 乡镇名称 (township layout only) */
  LG_MTXT_PARCEL_NO,     /* 地块编号 */
  LG_MTXT_NAME,          /* 地块名称 */
  LG_MTXT_KIND,          /* 图形属性: 面, 线, 点 */
  LG_MTXT_SHEET,         /* 图幅号 */
  LG_MTXT_USE,           /* 地块用途 */
  LG_MTXT_CLASS_CODE,    /* 地类编码 */
  LG_MTXT_DESC,          /* 描述 (variant, before the @) */
  LG_MTXT_NROLES
};

typedef struct lg_formats_mtxt_kv {
  char *key; /* as written, trimmed: 坐标系, 带号, or any unknown key */
  char *val; /* as written, trimmed */
  int line;  /* source line; 0 when made by landgov */
} lg_formats_mtxt_kv_t;

typedef struct lg_formats_mtxt_point {
  char *name;  /* 界址点号 ("J1") */
  int ring_no; /* 圈号 as written */
  double x;    /* easting: the file's Y, with its zone prefix */
  double y;    /* northing: the file's X */
  int line;    /* source line; 0 when made by landgov */
} lg_formats_mtxt_point_t;

typedef struct lg_formats_mtxt_ring {
  int ring_no;                  /* 圈号 of its points */
  lg_formats_mtxt_point_t *pts; /* closed rings repeat the first point at the end */
  size_t npts;
} lg_formats_mtxt_ring_t;

typedef struct lg_formats_mtxt_parcel {
  int line;      /* line of the header ("...,@") */
  char **fields; /* header fields as written, without the "@" */
  size_t nfields;
  int layout;       /* LG_MTXT_LAYOUT_* */
  long npoints;     /* declared 界址点数 */
  double area_ha;   /* declared 地块面积; NAN when the field is empty */
  double planar_m2; /* computed from the rings; NAN for 线/点 parcels */
  lg_formats_mtxt_ring_t *rings;
  size_t nrings;
} lg_formats_mtxt_parcel_t;

typedef struct lg_formats_mtxt {
  char *source;                 /* file name used in messages */
  char encoding[16];            /* what the bytes were: GBK, UTF-8, UTF-8-BOM, UTF-16LE */
  bool crlf;                    /* line ends were CRLF */
  lg_formats_mtxt_kv_t *header; /* every [属性描述] line, in file order */
  size_t nheader;
  int datum;           /* LG_MTXT_DATUM_* from 坐标系 */
  int zone;            /* 带号, or from the coordinates' prefix; 0 unknown */
  int zone_width;      /* 几度分带: 3 or 6; 0 unknown */
  bool prefixed;       /* eastings carry the zone number (38383243.971) */
  double precision;    /* 精度 in metres (0.001); "精度=3" read as 3 decimals */
  int decimals;        /* decimals coordinates are written with */
  double transform[7]; /* 转换参数 (dx, dy, dz, rx, ry, rz, scale); NAN when empty */
  int epsg;            /* CRS of the coordinates; 0 when it cannot be told */
  lg_formats_mtxt_parcel_t *parcels;
  size_t nparcels;
  char **warnings; /* facts worth a look that do not stop an import */
  size_t nwarnings;
} lg_formats_mtxt_t;

/* Parses a file's bytes (any of GBK, UTF-8 with or without BOM, UTF-16LE
 * with or without BOM; CRLF, LF or CR; 【】 or [] brackets, full-width
 * commas). Validates everything users expect (point counts, closed rings,
 * no self-intersection, zone prefix agreeing with 带号, numbers) and fails
 * with LG_EINVAL and a message naming file, line and point. Declared area
 * off by more than LG_MTXT_AREA_TOL_HA is a warning in (*out)->warnings.
 * Caller frees *out with lg_formats_mtxt_free. */
int lg_formats_mtxt_parse(const char *name_for_messages, const char *bytes, size_t n,
                          lg_formats_mtxt_t **out, lg_err_t *err);
/* As lg_formats_mtxt_parse, decoding from `encoding` (iconv name) instead of
 * detecting it; NULL detects. */
int lg_formats_mtxt_parse_enc(const char *name_for_messages, const char *bytes, size_t n,
                              const char *encoding, lg_formats_mtxt_t **out, lg_err_t *err);
/* Reads and parses a file; messages name its base name. */
int lg_formats_mtxt_read(const char *path, lg_formats_mtxt_t **out, lg_err_t *err);
void lg_formats_mtxt_free(lg_formats_mtxt_t *m);
/* A header field of parcel p by role (LG_MTXT_NAME...); "" when absent. */
const char *lg_formats_mtxt_field(const lg_formats_mtxt_parcel_t *p, int role);
/* Fields after the ones the layout names (kept, written back), or 0. */
size_t lg_formats_mtxt_extra_fields(const lg_formats_mtxt_parcel_t *p, size_t *first);
/* The value of a [属性描述] key, or NULL. */
const char *lg_formats_mtxt_header_get(const lg_formats_mtxt_t *m, const char *key);
/* EPSG code of the coordinates' CRS, from 坐标系, 几度分带, 带号 and the
 * prefix: CGCS2000 3-degree 4513-4533 (4534-4554 without prefix), 6-degree
 * 4491-4501 (4502-4512); Xian 1980 2349-2369 (2370-2390), 2327-2337
 * (2338-2348); Beijing 1954 2401-2421 (2422-2442), 21413-21423
 * (21473-21483). LG_ECRS when it cannot be told. */
int lg_formats_mtxt_epsg(const lg_formats_mtxt_t *m, int *epsg, lg_err_t *err);
/* The datum, zone width and zone of an EPSG code from that list, and
 * whether its eastings carry the prefix. LG_ECRS when not in the list. */
int lg_formats_mtxt_crs_of_epsg(int epsg, int *datum, int *width, int *zone, bool *prefixed,
                                lg_err_t *err);
/* The EPSG code of a datum (LG_MTXT_CGCS2000...), zone width, zone and
 * prefix choice, from the same list; LG_ECRS when there is none. */
int lg_formats_mtxt_epsg_of(int datum, int width, int zone, bool prefixed, int *epsg,
                            lg_err_t *err);
/* The datum a 坐标系 text names ("1980西安坐标系" -> LG_MTXT_XIAN80). */
int lg_formats_mtxt_datum_of(const char *crs_text);
/* 坐标系 text for a datum ("2000国家大地坐标系"); "" for unknown. */
const char *lg_formats_mtxt_datum_name(int datum);
/* Geometry of parcel i: Polygon or MultiPolygon with srid m->epsg. Rings
 * are sorted by containment (a ring inside an outer ring is its hole, a
 * ring inside a hole is a further part), whatever their numbers. Caller
 * frees with lg_geom_free. */
lg_geom_t *lg_formats_mtxt_parcel_geom(lg_geo_t *g, const lg_formats_mtxt_t *m, size_t i,
                                       lg_err_t *err);
/* Serialises m: encoding "GBK" (NULL: the default bureau software expects),
 * "UTF-8", "UTF-8-BOM" or "UTF-16LE"; crlf for CRLF line ends. The point
 * count written is the actual one. *out is the caller's (lg_free). */
int lg_formats_mtxt_write(const lg_formats_mtxt_t *m, const char *encoding, bool crlf, char **out,
                          size_t *n, lg_err_t *err);
/* Imports a file as one MULTIPOLYGON layer (role default "boundary") in one
 * transaction; fields parcel_no, name, kind, sheet, use, class_code,
 * declared_ha, planar_m2 (in the file's Gauss-Kruger CRS), ellipsoidal_m2
 * (CGCS2000), plus desc / township_code / township_name / extra when the
 * file has them. The header goes to the layer's meta JSON. */
int lg_formats_mtxt_import(lg_store_t *s, const char *path, const lg_formats_import_opts_t *o,
                           lg_formats_import_result_t *res, lg_err_t *err);
/* Builds a Ministry file model of a polygon layer: header from the layer's
 * meta when it came from such a file, else defaults (2000国家大地坐标系,
 * 3-degree zones); coordinates in to_srs when given (a prefixed
 * Gauss-Kruger CRS of the list above), else in the layer's CRS when it is
 * one, else in the prefixed CGCS2000 3-degree zone of the layer's centre;
 * points J1..Jn per parcel; area = planar area, 4 decimals of a hectare. */
int lg_formats_mtxt_from_layer(lg_store_t *s, const char *layer, int to_srs,
                               lg_formats_mtxt_t **out, lg_err_t *err);
/* lg_formats_mtxt_from_layer, written as GBK with CRLF line ends to path. */
int lg_formats_mtxt_export(lg_store_t *s, const char *layer, const char *path,
                           const lg_formats_export_opts_t *o, lg_err_t *err);

/* ---- Sheets (sheet.c) ---------------------------------------------------
 * The rows of a spreadsheet (.xlsx, .ods), a CSV file (.csv, any of the
 * encodings lg_text_decode knows), or any vector source GDAL opens
 * (.shp, .geojson, .gpkg, a zipped shapefile): column names from the
 * first row, every cell as the text the sheet shows (trimmed; "" when
 * empty), and each row numbered as a person finds it: the spreadsheet's
 * row (the header is row 1), the CSV file's line, a vector source's
 * feature id. Rows of vector sources carry their geometry. Modules that
 * take tables from bureaus (stock's supply sheets, the quota and
 * industrial-land tables) read them here and name file, row and column
 * in their messages. One sheet belongs to one thread. */
enum { LG_SHEET_TABLE = 1, LG_SHEET_FEATURES = 2 };
typedef struct lg_sheet lg_sheet_t;
/* Opens path; name: how messages call it (NULL: its base name); layer:
 * the worksheet or layer (NULL: the first). LG_EIO when the file cannot
 * be read, LG_EINVAL when GDAL cannot open it or has no such sheet. */
int lg_formats_sheet_open(const char *path, const char *name, const char *layer, lg_sheet_t **out,
                          lg_err_t *err);
void lg_formats_sheet_close(lg_sheet_t *sh);
const char *lg_formats_sheet_name(const lg_sheet_t *sh);
/* LG_SHEET_TABLE (rows are spreadsheet rows or CSV lines) or
 * LG_SHEET_FEATURES (rows are features). */
int lg_formats_sheet_kind(const lg_sheet_t *sh);
int lg_formats_sheet_ncols(const lg_sheet_t *sh);
const char *lg_formats_sheet_colname(const lg_sheet_t *sh, int i);
/* The column whose title, normalised (lg_formats_sheet_normalize), is
 * name's; -1 when none. */
int lg_formats_sheet_find(const lg_sheet_t *sh, const char *name);
/* Moves to the next row: 1 when there is one, 0 at the end, < 0 when the
 * source cannot be read further (err names the file). */
int lg_formats_sheet_next(lg_sheet_t *sh, lg_err_t *err);
int64_t lg_formats_sheet_row(const lg_sheet_t *sh);
/* A cell of the current row (borrowed until the next row). */
const char *lg_formats_sheet_cell(const lg_sheet_t *sh, int col);
/* Whether every cell of the current row is empty and it has no geometry
 * (spreadsheets keep blank rows). */
bool lg_formats_sheet_blank(const lg_sheet_t *sh);
/* The current row's geometry as 2D ISO WKB (borrowed), NULL when none;
 * the EPSG code of the source's CRS, 0 when it declares none GDAL can
 * name. */
const unsigned char *lg_formats_sheet_wkb(const lg_sheet_t *sh, size_t *n);
int lg_formats_sheet_srs(const lg_sheet_t *sh);
/* The spreadsheet letters of a 0-based column: 0 "A", 27 "AB". */
void lg_formats_sheet_colref(int col, char out[8]);
/* A column title in one width: full-width brackets to ASCII, spaces and
 * ideographic spaces dropped ("面积（公顷）" -> "面积(公顷)"). */
void lg_formats_sheet_normalize(const char *in, char *out, size_t n);
/* A date as sheets write it: 2020-03-01, 2020/3/1, 2020.03.01,
 * 2020年3月1日, 20200301, with or without a time of day after it (what
 * GDAL gives for a date-typed cell). A day number (lg_date_from_ymd);
 * LG_EINVAL for anything else or a day that does not exist. */
int lg_formats_sheet_date(const char *text, int32_t *day);
/* A finite number, thousands separators allowed ("1,234.5"); LG_EINVAL
 * otherwise. */
int lg_formats_sheet_number(const char *text, double *v);

#endif
