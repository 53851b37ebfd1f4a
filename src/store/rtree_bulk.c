/*
 * Bulk loading of a GeoPackage R-tree. Inserting half a million boxes one
 * by one into SQLite's R*Tree costs more than everything else an import
 * does; instead the writer collects the boxes and, when the layer is
 * complete, packs them with Sort-Tile-Recursive (Leutenegger et al. 1997)
 * and writes the nodes straight into the R*Tree's shadow tables
 * (<t>_node, <t>_parent, <t>_rowid), as GDAL's GeoPackage driver does.
 *
 * The node format is SQLite's (ext/rtree/rtree.c): a node is a blob of
 * the tree's node size, big-endian: 2 bytes of tree depth (root only),
 * 2 bytes of cell count, then cells of an 8-byte rowid or child node
 * number and, per dimension, a 32-bit float minimum and maximum, rounded
 * outwards so the stored box contains the true one. Node 1 is the root.
 * The result is checked in the tests with SQLite's own rtreecheck().
 */
#include "store/store_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t id;    /* rowid (leaves) or node number (inner levels) */
  float box[4];  /* minx, maxx, miny, maxy, as SQLite stores them */
  double cx, cy; /* centre, for sorting */
} entry_t;

static int cmp_x(const void *a, const void *b) {
  double d = ((const entry_t *)a)->cx - ((const entry_t *)b)->cx;
  return d < 0 ? -1 : d > 0;
}

static int cmp_y(const void *a, const void *b) {
  double d = ((const entry_t *)a)->cy - ((const entry_t *)b)->cy;
  return d < 0 ? -1 : d > 0;
}

/* SQLite's rtreeValueDown / rtreeValueUp: a float no greater (no less)
 * than the double. */
static float down(double d) {
  float f = (float)d;
  return f > d ? nextafterf(f, -INFINITY) : f;
}

static float up(double d) {
  float f = (float)d;
  return f < d ? nextafterf(f, INFINITY) : f;
}

static void put16(unsigned char *p, unsigned v) {
  p[0] = (unsigned char)(v >> 8);
  p[1] = (unsigned char)v;
}

static void put64(unsigned char *p, int64_t v) {
  uint64_t u = (uint64_t)v;
  for (int i = 7; i >= 0; i--, u >>= 8)
    p[i] = (unsigned char)u;
}

static void putf(unsigned char *p, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  p[0] = (unsigned char)(u >> 24);
  p[1] = (unsigned char)(u >> 16);
  p[2] = (unsigned char)(u >> 8);
  p[3] = (unsigned char)u;
}

typedef struct {
  lg_store_t *s;
  lg_stmt_t *node, *parent, *rowid;
  size_t node_size, max_cells;
  unsigned char *blob;
} bulk_t;

static int write_node(bulk_t *b, int64_t nodeno, int depth, const entry_t *cells, size_t n,
                      bool leaf, lg_err_t *err) {
  memset(b->blob, 0, b->node_size);
  put16(b->blob, (unsigned)depth);
  put16(b->blob + 2, (unsigned)n);
  for (size_t i = 0; i < n; i++) {
    unsigned char *c = b->blob + 4 + i * 24;
    put64(c, cells[i].id);
    for (int k = 0; k < 4; k++)
      putf(c + 8 + 4 * k, cells[i].box[k]);
    lg_stmt_t *st = leaf ? b->rowid : b->parent;
    lg_store_bind_int(st, 1, cells[i].id);
    lg_store_bind_int(st, 2, nodeno);
    int rc = lg_store_step(st);
    lg_store_reset(st);
    if (rc != LG_DONE) return lg_store_fail(b->s, err, "写入空间索引失败");
  }
  lg_store_bind_int(b->node, 1, nodeno);
  lg_store_bind_blob(b->node, 2, b->blob, b->node_size);
  int rc = lg_store_step(b->node);
  lg_store_reset(b->node);
  return rc == LG_DONE ? 0 : lg_store_fail(b->s, err, "写入空间索引失败");
}

/* Packs one level: sorts e into tiles of max_cells and returns the boxes
 * of the nodes made (their ids: consecutive node numbers from *next). */
static int pack_level(bulk_t *b, entry_t *e, size_t n, bool leaf, int64_t *next, entry_t **up_out,
                      size_t *nup, lg_err_t *err) {
  size_t M = b->max_cells;
  size_t pages = (n + M - 1) / M;
  size_t slices = (size_t)ceil(sqrt((double)pages));
  size_t per_slice = slices * M;
  qsort(e, n, sizeof *e, cmp_x);
  for (size_t s0 = 0; s0 < n; s0 += per_slice) {
    size_t len = LG_MIN(per_slice, n - s0);
    qsort(e + s0, len, sizeof *e, cmp_y);
  }
  entry_t *upper = lg_malloc(sizeof *upper * pages);
  size_t k = 0;
  for (size_t i = 0; i < n; i += M) {
    size_t len = LG_MIN(M, n - i);
    entry_t u = {.id = (*next)++};
    u.box[0] = e[i].box[0], u.box[1] = e[i].box[1], u.box[2] = e[i].box[2], u.box[3] = e[i].box[3];
    for (size_t j = 1; j < len; j++) {
      const float *c = e[i + j].box;
      if (c[0] < u.box[0]) u.box[0] = c[0];
      if (c[1] > u.box[1]) u.box[1] = c[1];
      if (c[2] < u.box[2]) u.box[2] = c[2];
      if (c[3] > u.box[3]) u.box[3] = c[3];
    }
    u.cx = ((double)u.box[0] + u.box[1]) / 2;
    u.cy = ((double)u.box[2] + u.box[3]) / 2;
    int rc = write_node(b, u.id, 0, e + i, len, leaf, err);
    if (rc) {
      lg_free(upper);
      return rc;
    }
    upper[k++] = u;
  }
  *up_out = upper;
  *nup = k;
  return 0;
}

int lg_store_rtree_bulk(lg_store_t *s, const char *rtree, const lg_rtree_item_t *items, size_t n,
                        lg_err_t *err) {
  char q[300];
  int rc;
  bulk_t b = {.s = s};
  entry_t *e = NULL, *upper = NULL;
  char *sql = NULL;

  /* The node size SQLite chose for this tree: the length of its root. */
  char *node_table = lg_sprintf("%s_node", rtree);
  sql = lg_sprintf("SELECT length(data) FROM %s WHERE nodeno = 1",
                   lg_store_quote(q, sizeof q, node_table));
  lg_free(node_table);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s, sql, &st, err))) goto done;
  b.node_size = lg_store_step(st) == LG_ROW ? (size_t)lg_store_col_int(st, 0) : 0;
  lg_store_done(st);
  if (b.node_size < 4 + 24 * 2) {
    rc = lg_err_set(err, LG_EINTERNAL, "空间索引 %s 的根节点异常", rtree);
    goto done;
  }
  b.max_cells = (b.node_size - 4) / 24;
  b.blob = lg_malloc(b.node_size);

  lg_free(sql);
  sql = lg_sprintf("DELETE FROM \"%s_node\"; DELETE FROM \"%s_parent\"; DELETE FROM \"%s_rowid\";",
                   rtree, rtree, rtree);
  if ((rc = lg_store_exec(s, sql, err))) goto done;
#define PREP(stmt, fmt)                                                                            \
  do {                                                                                             \
    lg_free(sql);                                                                                  \
    sql = lg_sprintf(fmt, rtree);                                                                  \
    if ((rc = lg_store_prepare(s, sql, &b.stmt, err))) goto done;                                  \
  } while (0)
  PREP(node, "INSERT INTO \"%s_node\"(nodeno, data) VALUES (?, ?)");
  PREP(parent, "INSERT INTO \"%s_parent\"(nodeno, parentnode) VALUES (?, ?)");
  PREP(rowid, "INSERT INTO \"%s_rowid\"(rowid, nodeno) VALUES (?, ?)");
#undef PREP

  e = lg_malloc(sizeof *e * (n ? n : 1));
  for (size_t i = 0; i < n; i++) {
    const lg_env_t *v = &items[i].env;
    e[i].id = items[i].id;
    e[i].box[0] = down(v->minx), e[i].box[1] = up(v->maxx);
    e[i].box[2] = down(v->miny), e[i].box[3] = up(v->maxy);
    e[i].cx = (v->minx + v->maxx) / 2;
    e[i].cy = (v->miny + v->maxy) / 2;
  }
  /* Levels from the leaves up; whatever fits in one node becomes the root
   * (node 1), with the tree's depth in its header. */
  bool leaf = true;
  int depth = 0;
  size_t cur = n;
  int64_t next = 2;
  while (cur > b.max_cells) {
    size_t nup;
    if ((rc = pack_level(&b, e, cur, leaf, &next, &upper, &nup, err))) goto done;
    lg_free(e);
    e = upper;
    upper = NULL;
    cur = nup;
    leaf = false;
    depth++;
  }
  rc = write_node(&b, 1, depth, e, cur, leaf, err);

done:
  lg_store_done(b.node);
  lg_store_done(b.parent);
  lg_store_done(b.rowid);
  lg_free(b.blob);
  lg_free(e);
  lg_free(upper);
  lg_free(sql);
  return rc;
}
