/*
 * onemap: the One Map (一张图) built on the store's layers: feature
 * queries in a requested CRS, the synthetic demo county, and (later)
 * layer-vs-layer analysis and vector tiles.
 */
#ifndef LG_ONEMAP_H
#define LG_ONEMAP_H

#include "core/core.h"
#include "geo/geo.h"
#include "store/store.h"

/* ---- Synthetic county (gen.c) ------------------------------------------ */
/* (declared by the generator work) */

/* ---- Feature queries (features.c) -------------------------------------- */
/* (declared by the feature-query work) */

#endif
