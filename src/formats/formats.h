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

typedef struct lg_import_opts {
  const char *layer;       /* target table name (required) */
  const char *title;       /* human name; NULL: the layer name */
  const char *role;        /* eprl, pbf, udb, landuse, plan, boundary, other */
  const char *class_field; /* land-class code field; NULL: detect */
  const char *encoding;    /* attribute encoding (GBK, UTF-8); NULL: detect */
  const char *src_layer;   /* layer inside a multi-layer source; NULL: the first */
  int src_srs;             /* EPSG of the source when it declares none; 0: from file */
  int to_srs;              /* reproject into this EPSG; 0: keep the source CRS */
  bool replace;            /* replace an existing layer of that name */
  int64_t max_features;    /* refuse sources with more features; 0: no limit */
} lg_import_opts_t;

typedef struct lg_import_result {
  int64_t count;           /* features written */
  int srs_id;              /* CRS of the stored layer */
  char layer[128];
  char geom_type[32];
  char class_field[64];    /* detected or given; "" if none */
  char encoding[32];       /* what the attributes were decoded from */
  char format[32];         /* "ESRI Shapefile", "GPKG", "部标准坐标文件" ... */
  double seconds;
} lg_import_result_t;

/* Imports any supported file into the store as a new layer. Ministry
 * coordinate files (.txt) go to lg_mtxt_import, everything else through
 * GDAL/OGR. */
int lg_import(lg_store_t *s, const char *path, const lg_import_opts_t *o,
              lg_import_result_t *res, lg_err_t *err);
/* Imports through GDAL/OGR. */
int lg_ogr_import(lg_store_t *s, const char *path, const lg_import_opts_t *o,
                  lg_import_result_t *res, lg_err_t *err);

typedef struct lg_export_opts {
  const char *format;      /* "txt" (Ministry file), "geojson", "gpkg", "shp", "kml", "dxf" */
  int to_srs;              /* 0: the layer's CRS */
} lg_export_opts_t;

/* Exports a layer to a file in the given format. */
int lg_export(lg_store_t *s, const char *layer, const char *path, const lg_export_opts_t *o,
              lg_err_t *err);
int lg_ogr_export(lg_store_t *s, const char *layer, const char *path, const lg_export_opts_t *o,
                  lg_err_t *err);

/* Class-code field names recognised when --class-field is not given, in
 * order of preference: DLBM (Third Land Survey), DLDM, YDYHFLDM (2023 use
 * classification), GHYTDM (planned use), ... */
extern const char *const lg_class_field_names[];
/* The first of lg_class_field_names present among names (case-insensitive),
 * or NULL. */
const char *lg_detect_class_field(const char *const *names, size_t n);

/* ---- Ministry standard coordinate file (ministry.c) -------------------- */
/* (declared by the Ministry-file work: parse, write, import, export) */

#endif
