/*
 * Internals of the vector tiles (tiles.c, mvt.c): the Mapbox Vector Tile
 * 2.1 encoder that tiles.c feeds with geometry already in tile
 * coordinates. Nothing outside src/onemap includes this header.
 */
#ifndef LG_ONEMAP_TILES_INT_H
#define LG_ONEMAP_TILES_INT_H

#include "core/core.h"

/* MVT 2.1 GeomType (vector_tile.proto). */
enum { LG_MVT_POINT = 1, LG_MVT_LINESTRING = 2, LG_MVT_POLYGON = 3 };

/* One layer of a tile being written: its features, its key table (fixed
 * when the layer is made) and its value table (each distinct value stored
 * once, as the specification asks, 4.4). */
typedef struct lg_mvt_layer lg_mvt_layer_t;

/* name and keys are copied. */
lg_mvt_layer_t *lg_mvt_layer_new(const char *name, uint32_t extent, const char *const *keys,
                                 size_t nkeys);
void lg_mvt_layer_free(lg_mvt_layer_t *l);

/* A feature is written between begin and end; end drops it when no
 * geometry was added. id 0 means none (the field is then left out). */
void lg_mvt_feature_begin(lg_mvt_layer_t *l, uint64_t id, int type);
void lg_mvt_tag_string(lg_mvt_layer_t *l, size_t key, const char *s, size_t n);
void lg_mvt_tag_double(lg_mvt_layer_t *l, size_t key, double v);
void lg_mvt_tag_int(lg_mvt_layer_t *l, size_t key, int64_t v);
/* Geometry in tile coordinates (x right, y down), xy pairs:
 *   ring:   a polygon ring of n >= 3 distinct points, not closed, in the
 *           winding the specification gives it (exterior positive area by
 *           the surveyor's formula, interior negative); consecutive points
 *           differ;
 *   line:   a linestring of n >= 2 points, consecutive points differ;
 *   points: n points (one MoveTo with count n). */
void lg_mvt_ring(lg_mvt_layer_t *l, const int32_t *xy, size_t n);
void lg_mvt_line(lg_mvt_layer_t *l, const int32_t *xy, size_t n);
void lg_mvt_points(lg_mvt_layer_t *l, const int32_t *xy, size_t n);
/* Returns true when the feature was kept. */
bool lg_mvt_feature_end(lg_mvt_layer_t *l);
size_t lg_mvt_layer_count(const lg_mvt_layer_t *l);
/* Appends the layer as field 3 of a Tile message to out (a tile is the
 * concatenation of its layers). A layer without features adds nothing. */
void lg_mvt_layer_finish(lg_mvt_layer_t *l, lg_buf_t *out);

#endif
