/*
 * An evaluation year's figures from the sheet the tax, statistics, power
 * and ecology departments deliver (.xlsx, .ods or .csv, read through
 * src/formats): one row per enterprise, columns by their Chinese titles
 * (or the field names of lg_industry_figures_t). All rows land or none
 * does; a bad row is named by file, row and column.
 */
#include "formats/formats.h"
#include "industry/industry_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns: key, title, required; numbers unless text. */
static const struct {
  const char *key, *title;
  bool required, text;
} cols[] = {
    {"credit_code", "统一社会信用代码", true, true},
    {"name", "企业名称", true, true},
    {"division", "行政区代码", true, true},
    {"parcel", "标准地编号", false, true},
    {"area_m2", "用地面积(平方米)", false, false},
    {"area_mu", "用地面积(亩)", false, false},
    {"tax_wan", "税收(万元)", true, false},
    {"value_added_wan", "增加值(万元)", true, false},
    {"revenue_wan", "营业收入(万元)", true, false},
    {"energy_tce", "能耗(吨标准煤)", true, false},
    {"emission_t", "主要污染物排放(吨)", true, false},
    {"rd_wan", "研发经费(万元)", true, false},
    {"employees", "年均职工人数", true, false},
};
enum { NCOLS = sizeof cols / sizeof cols[0] };

static int find_col(lg_sheet_t *sh, int k) {
  int c = lg_formats_sheet_find(sh, cols[k].title);
  if (c < 0) c = lg_formats_sheet_find(sh, cols[k].key);
  return c;
}

/* Where a message points: file, row, the column of key (if any). */
static void locate(lg_err_t *err, lg_sheet_t *sh, const int idx[], const char *key) {
  char where[256];
  int n = snprintf(where, sizeof where, "%s 第 %lld 行", lg_formats_sheet_name(sh),
                   (long long)lg_formats_sheet_row(sh));
  for (int k = 0; k < NCOLS && key; k++) {
    int c = idx[k];
    if (strcmp(cols[k].key, key) || c < 0) continue;
    char ref[8];
    lg_formats_sheet_colref(c, ref);
    snprintf(where + n, sizeof where - (size_t)n, " %s 列 (%s)", ref, cols[k].title);
  }
  lg_err_prefix(err, "%s: ", where);
  lg_err_where(err, "%s", where);
}

/* One row into f (its texts copied into the JSON holder, which owns them). */
static int read_row(lg_sheet_t *sh, const int idx[], int year, json_t *hold,
                    lg_industry_figures_t *f, lg_err_t *err) {
  json_t *o = json_object();
  json_array_append_new(hold, o);
  json_object_set_new(o, "year", json_integer(year));
  double mu = -1;
  for (int k = 0; k < NCOLS; k++) {
    const char *v = idx[k] >= 0 ? lg_formats_sheet_cell(sh, idx[k]) : "";
    if (!*v) {
      if (cols[k].required) {
        lg_err_set(err, LG_EINVAL, "缺少%s", cols[k].title);
        locate(err, sh, idx, cols[k].key);
        return LG_EINVAL;
      }
      continue;
    }
    if (cols[k].text) {
      json_object_set_new(o, cols[k].key, json_string(v));
      continue;
    }
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d)) {
      lg_err_set(err, LG_EINVAL, "%s \"%.40s\" 不是数值", cols[k].title, v);
      locate(err, sh, idx, cols[k].key);
      return LG_EINVAL;
    }
    if (!strcmp(cols[k].key, "area_mu"))
      mu = d;
    else
      json_object_set_new(o, cols[k].key, json_real(d));
  }
  if (!json_object_get(o, "area_m2") && mu > 0)
    json_object_set_new(o, "area_m2", json_real(mu * LG_INDUSTRY_M2_PER_MU));
  if (!json_object_get(o, "area_m2") && !json_object_get(o, "parcel")) {
    lg_err_set(err, LG_EINVAL, "缺少用地面积 (平方米或亩), 且未填标准地编号");
    locate(err, sh, idx, "area_m2");
    return LG_EINVAL;
  }
  int rc = lg_industry_figures_from_json(o, f, err);
  if (rc) locate(err, sh, idx, err->where);
  return rc;
}

int lg_industry_figures_import(lg_store_t *s, const lg_subject_t *who, const char *path,
                               const char *name, int year, size_t *count, lg_err_t *err) {
  lg_sheet_t *sh = NULL;
  json_t *hold = json_array();
  LG_VEC(lg_industry_figures_t) rows = {0};
  LG_VEC(int64_t) lines = {0};
  int idx[NCOLS];
  int rc = lg_formats_sheet_open(path, name, NULL, &sh, err);
  if (rc) goto done;
  for (int k = 0; k < NCOLS; k++) {
    idx[k] = find_col(sh, k);
    if (idx[k] < 0 && cols[k].required) {
      rc = lg_err_set(err, LG_EINVAL, "%s 缺少列 \"%s\"", lg_formats_sheet_name(sh), cols[k].title);
      goto done;
    }
  }
  while ((rc = lg_formats_sheet_next(sh, err)) == 1) {
    if (lg_formats_sheet_blank(sh)) continue;
    lg_industry_figures_t f;
    if ((rc = read_row(sh, idx, year, hold, &f, err))) goto done;
    lg_vec_push(&rows, f);
    lg_vec_push(&lines, lg_formats_sheet_row(sh));
  }
  if (rc < 0) goto done;
  if (!rows.len) {
    rc = lg_err_set(err, LG_EINVAL, "%s 没有数据行", lg_formats_sheet_name(sh));
    goto done;
  }
  rc = ind_figures_add(s, who, rows.items, rows.len, lines.items, lg_formats_sheet_name(sh), err);
  if (rc == 0 && count) *count = rows.len;
done:
  lg_free(rows.items);
  lg_free(lines.items);
  json_decref(hold);
  lg_formats_sheet_close(sh);
  return rc;
}
