/*
 * The Mapbox Vector Tile 2.1 encoder: protocol buffers written by hand,
 * since a tile uses a handful of fields of a four-message schema
 * (vector_tile.proto: Tile, Layer, Feature, Value) and a generated
 * library would add a dependency for forty lines of varints.
 *
 * Wire format (protocol buffers encoding): each field is a key
 * (field number << 3 | wire type) followed by a varint (type 0), eight
 * little-endian bytes (type 1) or a length and bytes (type 2). Packed
 * repeated fields (Feature.tags, Feature.geometry) are one length-
 * delimited run of varints. A Tile is a sequence of Layer fields (3), so
 * layers can be appended to a tile one after the other.
 *
 * Geometry (MVT 2.1, 4.3): commands MoveTo (1), LineTo (2), ClosePath (7)
 * as (id | count << 3), each parameter the zigzag of the difference from
 * the cursor, the cursor carried across all parts of one feature.
 */
#include "onemap/tiles_int.h"

#include <string.h>

/* A byte buffer with cheap appends (the hot path writes one byte at a
 * time). */
typedef struct bbuf {
  uint8_t *p;
  size_t len, cap;
} bbuf_t;

static void bb_reserve(bbuf_t *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t c = b->cap ? b->cap : 256;
  while (c < b->len + extra)
    c *= 2;
  b->p = lg_realloc(b->p, c);
  b->cap = c;
}

static inline void bb_varint(bbuf_t *b, uint64_t v) {
  bb_reserve(b, 10);
  while (v >= 0x80) {
    b->p[b->len++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b->p[b->len++] = (uint8_t)v;
}

static void bb_bytes(bbuf_t *b, const void *p, size_t n) {
  bb_reserve(b, n);
  if (n) memcpy(b->p + b->len, p, n);
  b->len += n;
}

static inline void bb_key(bbuf_t *b, unsigned field, unsigned wire) {
  bb_varint(b, (uint64_t)field << 3 | wire);
}

static inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80)
    v >>= 7, n++;
  return n;
}

static inline uint32_t zigzag32(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }

static inline uint64_t zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };
enum { CMD_MOVE_TO = 1, CMD_LINE_TO = 2, CMD_CLOSE_PATH = 7 };

static inline uint32_t command(unsigned id, size_t count) {
  return (uint32_t)(id & 0x7) | (uint32_t)count << 3;
}

typedef LG_VEC(uint32_t) u32_vec_t;

struct lg_mvt_layer {
  char *name;
  uint32_t extent;
  char **keys;
  size_t nkeys;
  bbuf_t features; /* Layer.features fields, each with its key and length */
  size_t nfeatures;
  bbuf_t values;       /* the Value messages, back to back (bodies only) */
  LG_VEC(size_t) voff; /* offset of value i in values; i + 1 is its end */
  uint32_t *vhash;     /* open addressing: value index + 1, 0 empty */
  size_t vhash_cap;
  /* The feature being written. */
  uint64_t id;
  int type;
  u32_vec_t tags;
  u32_vec_t geom;
  int32_t cx, cy; /* the cursor (4.3) */
  bbuf_t scratch; /* the Value being looked up */
};

lg_mvt_layer_t *lg_mvt_layer_new(const char *name, uint32_t extent, const char *const *keys,
                                 size_t nkeys) {
  lg_mvt_layer_t *l = lg_calloc(1, sizeof *l);
  l->name = lg_strdup(name);
  l->extent = extent;
  l->keys = lg_calloc(nkeys ? nkeys : 1, sizeof *l->keys);
  for (size_t i = 0; i < nkeys; i++)
    l->keys[i] = lg_strdup(keys[i]);
  l->nkeys = nkeys;
  lg_vec_push(&l->voff, (size_t)0);
  return l;
}

void lg_mvt_layer_free(lg_mvt_layer_t *l) {
  if (!l) return;
  lg_free(l->name);
  for (size_t i = 0; i < l->nkeys; i++)
    lg_free(l->keys[i]);
  lg_free(l->keys);
  lg_free(l->features.p);
  lg_free(l->values.p);
  lg_free(l->voff.items);
  lg_free(l->vhash);
  lg_free(l->tags.items);
  lg_free(l->geom.items);
  lg_free(l->scratch.p);
  lg_free(l);
}

size_t lg_mvt_layer_count(const lg_mvt_layer_t *l) { return l->nfeatures; }

void lg_mvt_feature_begin(lg_mvt_layer_t *l, uint64_t id, int type) {
  l->id = id;
  l->type = type;
  l->tags.len = 0;
  l->geom.len = 0;
  l->cx = l->cy = 0;
}

/* ---- Values ---------------------------------------------------------------- */

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static size_t nvalues(const lg_mvt_layer_t *l) { return l->voff.len - 1; }

static void vhash_insert(lg_mvt_layer_t *l, size_t idx) {
  const uint8_t *p = l->values.p + l->voff.items[idx];
  size_t n = l->voff.items[idx + 1] - l->voff.items[idx];
  size_t mask = l->vhash_cap - 1;
  for (size_t h = (size_t)fnv1a(p, n) & mask;; h = (h + 1) & mask)
    if (!l->vhash[h]) {
      l->vhash[h] = (uint32_t)(idx + 1);
      return;
    }
}

/* The index of the Value whose body is in l->scratch, added if new. */
static uint32_t value_index(lg_mvt_layer_t *l) {
  const uint8_t *p = l->scratch.p;
  size_t n = l->scratch.len;
  if ((nvalues(l) + 1) * 2 > l->vhash_cap) { /* keep the table at most half full */
    lg_free(l->vhash);
    l->vhash_cap = l->vhash_cap ? l->vhash_cap * 2 : 256;
    l->vhash = lg_calloc(l->vhash_cap, sizeof *l->vhash);
    for (size_t i = 0; i < nvalues(l); i++)
      vhash_insert(l, i);
  }
  size_t mask = l->vhash_cap - 1;
  for (size_t h = (size_t)fnv1a(p, n) & mask;; h = (h + 1) & mask) {
    uint32_t e = l->vhash[h];
    if (!e) break;
    size_t off = l->voff.items[e - 1], len = l->voff.items[e] - off;
    if (len == n && memcmp(l->values.p + off, p, n) == 0) return e - 1;
  }
  size_t idx = nvalues(l);
  bb_bytes(&l->values, p, n);
  lg_vec_push(&l->voff, l->values.len);
  vhash_insert(l, idx);
  return (uint32_t)idx;
}

static void tag_add(lg_mvt_layer_t *l, size_t key) {
  uint32_t v = value_index(l);
  lg_vec_push(&l->tags, (uint32_t)key);
  lg_vec_push(&l->tags, v);
}

void lg_mvt_tag_string(lg_mvt_layer_t *l, size_t key, const char *s, size_t n) {
  l->scratch.len = 0;
  bb_key(&l->scratch, 1, WIRE_LEN); /* Value.string_value */
  bb_varint(&l->scratch, n);
  bb_bytes(&l->scratch, s, n);
  tag_add(l, key);
}

void lg_mvt_tag_double(lg_mvt_layer_t *l, size_t key, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  uint8_t le[8];
  for (int i = 0; i < 8; i++)
    le[i] = (uint8_t)(bits >> (8 * i));
  l->scratch.len = 0;
  bb_key(&l->scratch, 3, WIRE_FIXED64); /* Value.double_value */
  bb_bytes(&l->scratch, le, 8);
  tag_add(l, key);
}

void lg_mvt_tag_int(lg_mvt_layer_t *l, size_t key, int64_t v) {
  l->scratch.len = 0;
  if (v >= 0) {
    bb_key(&l->scratch, 5, WIRE_VARINT); /* Value.uint_value */
    bb_varint(&l->scratch, (uint64_t)v);
  } else {
    bb_key(&l->scratch, 6, WIRE_VARINT); /* Value.sint_value, zigzag */
    bb_varint(&l->scratch, zigzag64(v));
  }
  tag_add(l, key);
}

/* ---- Geometry ---------------------------------------------------------------- */

static inline void geom_xy(lg_mvt_layer_t *l, int32_t x, int32_t y) {
  lg_vec_push(&l->geom, zigzag32(x - l->cx));
  lg_vec_push(&l->geom, zigzag32(y - l->cy));
  l->cx = x, l->cy = y;
}

void lg_mvt_ring(lg_mvt_layer_t *l, const int32_t *xy, size_t n) {
  if (n < 3) return;
  lg_vec_reserve(&l->geom, l->geom.len + 2 * n + 3);
  lg_vec_push(&l->geom, command(CMD_MOVE_TO, 1));
  geom_xy(l, xy[0], xy[1]);
  lg_vec_push(&l->geom, command(CMD_LINE_TO, n - 1));
  for (size_t i = 1; i < n; i++)
    geom_xy(l, xy[2 * i], xy[2 * i + 1]);
  lg_vec_push(&l->geom, command(CMD_CLOSE_PATH, 1));
}

void lg_mvt_line(lg_mvt_layer_t *l, const int32_t *xy, size_t n) {
  if (n < 2) return;
  lg_vec_reserve(&l->geom, l->geom.len + 2 * n + 2);
  lg_vec_push(&l->geom, command(CMD_MOVE_TO, 1));
  geom_xy(l, xy[0], xy[1]);
  lg_vec_push(&l->geom, command(CMD_LINE_TO, n - 1));
  for (size_t i = 1; i < n; i++)
    geom_xy(l, xy[2 * i], xy[2 * i + 1]);
}

void lg_mvt_points(lg_mvt_layer_t *l, const int32_t *xy, size_t n) {
  if (n == 0) return;
  /* A POINT geometry is a single MoveTo (4.3.4.2): a feature gets its
   * points in one call. */
  lg_vec_push(&l->geom, command(CMD_MOVE_TO, n));
  for (size_t i = 0; i < n; i++)
    geom_xy(l, xy[2 * i], xy[2 * i + 1]);
}

static size_t packed_size(const u32_vec_t *v) {
  size_t n = 0;
  for (size_t i = 0; i < v->len; i++)
    n += varint_size(v->items[i]);
  return n;
}

static void packed_write(bbuf_t *b, const u32_vec_t *v) {
  bb_reserve(b, 5 * v->len);
  for (size_t i = 0; i < v->len; i++)
    bb_varint(b, v->items[i]);
}

bool lg_mvt_feature_end(lg_mvt_layer_t *l) {
  if (l->geom.len == 0) return false;
  size_t tags_len = packed_size(&l->tags), geom_len = packed_size(&l->geom);
  size_t body = 0;
  if (l->id) body += 1 + varint_size(l->id);
  if (l->tags.len) body += 1 + varint_size(tags_len) + tags_len;
  body += 1 + varint_size((uint64_t)l->type);
  body += 1 + varint_size(geom_len) + geom_len;
  bbuf_t *b = &l->features;
  bb_reserve(b, body + 12);
  bb_key(b, 2, WIRE_LEN); /* Layer.features */
  bb_varint(b, body);
  if (l->id) {
    bb_key(b, 1, WIRE_VARINT); /* Feature.id */
    bb_varint(b, l->id);
  }
  if (l->tags.len) {
    bb_key(b, 2, WIRE_LEN); /* Feature.tags, packed */
    bb_varint(b, tags_len);
    packed_write(b, &l->tags);
  }
  bb_key(b, 3, WIRE_VARINT); /* Feature.type */
  bb_varint(b, (uint64_t)l->type);
  bb_key(b, 4, WIRE_LEN); /* Feature.geometry, packed */
  bb_varint(b, geom_len);
  packed_write(b, &l->geom);
  l->nfeatures++;
  return true;
}

void lg_mvt_layer_finish(lg_mvt_layer_t *l, lg_buf_t *out) {
  if (l->nfeatures == 0) return;
  bbuf_t b = {0};
  size_t name_len = strlen(l->name);
  bb_key(&b, 1, WIRE_LEN); /* Layer.name */
  bb_varint(&b, name_len);
  bb_bytes(&b, l->name, name_len);
  bb_bytes(&b, l->features.p, l->features.len);
  for (size_t i = 0; i < l->nkeys; i++) {
    size_t n = strlen(l->keys[i]);
    bb_key(&b, 3, WIRE_LEN); /* Layer.keys */
    bb_varint(&b, n);
    bb_bytes(&b, l->keys[i], n);
  }
  for (size_t i = 0; i < nvalues(l); i++) {
    size_t off = l->voff.items[i], n = l->voff.items[i + 1] - off;
    bb_key(&b, 4, WIRE_LEN); /* Layer.values */
    bb_varint(&b, n);
    bb_bytes(&b, l->values.p + off, n);
  }
  bb_key(&b, 5, WIRE_VARINT); /* Layer.extent */
  bb_varint(&b, l->extent);
  bb_key(&b, 15, WIRE_VARINT); /* Layer.version: 2 for this specification */
  bb_varint(&b, 2);

  bbuf_t head = {0};
  bb_key(&head, 3, WIRE_LEN); /* Tile.layers */
  bb_varint(&head, b.len);
  lg_buf_append(out, head.p, head.len);
  lg_buf_append(out, b.p, b.len);
  lg_free(head.p);
  lg_free(b.p);
}
