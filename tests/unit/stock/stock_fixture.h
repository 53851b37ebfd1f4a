/*
 * What the stock tests share: a store in a temporary folder, sheets
 * written with libxlsxwriter (date cells as Excel stores them) or as CSV,
 * Ministry coordinate files of rectangles whose areas are counted by
 * hand, and counts of rows and ledger entries (to show that a failed
 * import changed nothing).
 *
 * Coordinates: EPSG:4526 (CGCS2000 3-degree zone 38 with the prefix),
 * offsets in metres from (X0, Y0) = easting 38,500,000, northing
 * 3,400,000. A Ministry file writes X (northing) before Y (easting).
 */
#ifndef STOCK_FIXTURE_H
#define STOCK_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/core.h"
#include "ledger/ledger.h"
#include "lg_test.h"
#include "stock/stock.h"
#include "store/store.h"

#define X0 38500000.0
#define Y0 3400000.0

typedef struct env {
  char dir[256], path[300];
  lg_store_t *s;
} env_t;

static inline void env_open(env_t *e, const char *tag) {
  snprintf(e->dir, sizeof e->dir, "/tmp/lg_stock_%s_XXXXXX", tag);
  if (!mkdtemp(e->dir)) fail_msg("mkdtemp");
  snprintf(e->path, sizeof e->path, "%s/test.gpkg", e->dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(e->path), LG_STORE_CREATE, &e->s, &err) != 0)
    fail_msg("open: %s", err.msg);
}

static inline void env_close(env_t *e) {
  lg_store_close(e->s);
  lg_test_remove_store(e->path);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
  if (!getenv("LG_KEEP") && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", e->dir);
}

static char *fpath(env_t *e, const char *name) { return lg_sprintf("%s/%s", e->dir, name); }

static inline void write_text(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n) fail_msg("cannot write %s", path);
  fclose(f);
}

/* An XLSX sheet: headers, then rows of cells; a cell "D:2020-03-01" is
 * written as a date cell, "N:1.2" as a number, anything else as text, NULL
 * as empty. */
static inline void write_xlsx(const char *path, const char *const *headers, int ncols,
                              const char *const *cells, int nrows) {
  lxw_workbook *wb = workbook_new(path);
  lxw_worksheet *ws = workbook_add_worksheet(wb, "供地");
  lxw_format *df = workbook_add_format(wb);
  format_set_num_format(df, "yyyy-mm-dd");
  for (int c = 0; c < ncols; c++)
    worksheet_write_string(ws, 0, (lxw_col_t)c, headers[c], NULL);
  for (int r = 0; r < nrows; r++)
    for (int c = 0; c < ncols; c++) {
      const char *v = cells[r * ncols + c];
      if (!v) continue;
      if (!strncmp(v, "D:", 2)) {
        lxw_datetime d = {0};
        sscanf(v + 2, "%d-%d-%d", &d.year, &d.month, &d.day);
        worksheet_write_datetime(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, &d, df);
      } else if (!strncmp(v, "N:", 2)) {
        worksheet_write_number(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, atof(v + 2), NULL);
      } else {
        worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, v, NULL);
      }
    }
  if (workbook_close(wb) != LXW_NO_ERROR) fail_msg("cannot write %s", path);
}

/* A Ministry coordinate file of rectangles: parcel i is named no[i] and
 * spans x offsets [x0, x1] (east) and y offsets [y0, y1] (north). */
typedef struct rect {
  const char *no;
  double x0, y0, x1, y1;
} rect_t;

static inline void write_mtxt(const char *path, const rect_t *r, int n) {
  lg_buf_t b;
  lg_buf_init(&b);
  lg_buf_puts(&b, "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n"
                  "计量单位=米\n带号=38\n精度=0.001\n转换参数=,,,,,,\n[地块坐标]\n");
  for (int i = 0; i < n; i++) {
    double area = (r[i].x1 - r[i].x0) * (r[i].y1 - r[i].y0) / 10000.0;
    lg_buf_printf(&b, "5,%.4f,%s,%s,面,,工业用地,0601,@\n", area, r[i].no, r[i].no);
    double xs[] = {r[i].x0, r[i].x1, r[i].x1, r[i].x0, r[i].x0};
    double ys[] = {r[i].y0, r[i].y0, r[i].y1, r[i].y1, r[i].y0};
    for (int k = 0; k < 5; k++)
      lg_buf_printf(&b, "J%d,1,%.3f,%.3f\n", k == 4 ? 1 : k + 1, Y0 + ys[k], X0 + xs[k]);
  }
  write_text(path, b.data, b.len);
  lg_buf_fini(&b);
}

static inline int64_t count_rows(env_t *e, const char *sql) {
  lg_stmt_t *st;
  lg_err_t err = {0};
  if (lg_store_prepare(e->s, sql, &st, &err) != 0) fail_msg("%s: %s", sql, err.msg);
  int64_t n = lg_store_step(st) == LG_ROW ? lg_store_col_int(st, 0) : -1;
  lg_store_done(st);
  return n;
}

static inline uint64_t ledger_size(env_t *e) {
  uint64_t n = 0;
  lg_err_t err = {0};
  if (lg_ledger_size(e->s, &n, &err) != 0) fail_msg("ledger: %s", err.msg);
  return n;
}

static inline void assert_contains(const char *hay, const char *needle) {
  if (!strstr(hay, needle)) fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* Every stock object's row agrees with its latest ledger entry. */
static inline void assert_audit_clean(env_t *e) {
  lg_ledger_audit_t a = {0};
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_audit(e->s, lg_stock_auditors, &a, &err), 0);
  if (a.findings.len)
    fail_msg("audit: %zu findings, first %s %s kind %d", a.findings.len,
             a.findings.items[0].object_type, a.findings.items[0].object_id,
             a.findings.items[0].kind);
  lg_ledger_audit_fini(&a);
}

#endif
