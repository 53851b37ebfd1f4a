/* Internals shared by the files of the geo module: the thread's context
 * and the helpers more than one file uses. */
#ifndef LG_GEO_INT_H
#define LG_GEO_INT_H

#include <geos_c.h>
#include <proj.h>

#include "geo/geo.h"

#define XFORM_CACHE 16

struct lg_geo {
  GEOSContextHandle_t h;
  PJ_CONTEXT *pj;
  char last_error[512];
  GEOSWKBReader *wkb_r;
  GEOSWKBWriter *wkb_w;
  GEOSWKTReader *wkt_r;
  GEOSWKTWriter *wkt_w;
  GEOSGeoJSONReader *json_r;
  GEOSGeoJSONWriter *json_w;
  struct {
    int from, to;
    PJ *pj;
  } xf[XFORM_CACHE];
  int nxf;
};

/* Fills err with GEOS's last message on g (what names the operation);
 * returns NULL, for `return geos_fail(...)`. */
lg_geom_t *geo_fail(lg_geo_t *g, lg_err_t *err, const char *what);

#endif
