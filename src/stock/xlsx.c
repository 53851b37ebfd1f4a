/*
 * The ledgers as Excel workbooks (libxlsxwriter), with the columns the
 * bureaus' hand-kept ledgers have (seed 002 §4.2.1: area, owner, deadline
 * and disposal of every parcel, struck off when disposed), a title that
 * names the date the ledger is computed for, areas and money as numbers
 * (so the sheet adds up), and a totals row.
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef LG_HAVE_XLSXWRITER
#include <xlsxwriter.h>

typedef struct column {
  const char *title;
  const char *key;
  char kind; /* t text, n number (4 decimals), m money (2), i integer, b yes/no, a articles, s
                struck */
  double width;
} column_t;

static const column_t unsupplied_cols[] = {
    {"行政区代码", "division", 't', 11},
    {"批准文号", "approval_no", 't', 26},
    {"项目名称", "name", 't', 28},
    {"批次类型", "kind_title", 't', 9},
    {"批准日期", "approved_on", 't', 11},
    {"批准面积(公顷)", "approved_ha", 'n', 13},
    {"已供面积(公顷)", "supplied_ha", 'n', 13},
    {"未供面积(公顷)", "unsupplied_ha", 'n', 13},
    {"批后年限(年)", "age_years", 'i', 11},
    {"增存挂钩", "zengcun", 'b', 9},
    {"未供原因", "reason", 't', 20},
    {"处置方式", "method", 't', 18},
    {"责任单位", "unit", 't', 18},
    {"处置期限", "deadline", 't', 11},
    {"销号情况", "struck", 's', 20},
};
static const column_t unused_cols[] = {
    {"电子监管号", "supervision_no", 't', 20},
    {"项目名称", "project", 't', 26},
    {"土地使用权人", "holder", 't', 22},
    {"行政区代码", "division", 't', 11},
    {"土地坐落", "location", 't', 20},
    {"面积(公顷)", "area_ha", 'n', 11},
    {"土地用途", "land_use", 't', 12},
    {"供地方式", "supply_method", 't', 10},
    {"合同签订日期", "contract_on", 't', 12},
    {"约定开工时间", "effective_start_on", 't', 12},
    {"超期天数", "overdue_days", 'i', 9},
    {"状态", "status_title", 't', 16},
    {"原因", "reason", 't', 18},
    {"处置方式", "method", 't', 18},
    {"责任单位", "unit", 't', 18},
    {"处置期限", "deadline", 't', 11},
    {"销号情况", "struck", 's', 20},
};
static const column_t idle_cols[] = {
    {"电子监管号", "supervision_no", 't', 20},
    {"项目名称", "project", 't', 26},
    {"土地使用权人", "holder", 't', 22},
    {"行政区代码", "division", 't', 11},
    {"面积(公顷)", "area_ha", 'n', 11},
    {"成交价款(万元)", "price_wan", 'n', 13},
    {"约定开工时间", "effective_start_on", 't', 12},
    {"闲置起算日", "idle_since", 't', 11},
    {"闲置状态", "status_title", 't', 22},
    {"闲置费(元)", "fee_yuan", 'm', 14},
    {"依据条款", "articles", 'a', 12},
    {"政府原因", "cause", 't', 20},
    {"处置进展", "stage", 't', 18},
    {"处置方式", "method", 't', 24},
    {"责任单位", "unit", 't', 18},
    {"处置期限", "deadline", 't', 11},
    {"销号情况", "struck", 's', 20},
};

static void cell(lxw_worksheet *ws, int r, int c, const column_t *col, const json_t *o,
                 lxw_format *num4, lxw_format *num2) {
  const char *key = col->key;
  const json_t *v = json_object_get(o, key);
  switch (col->kind) {
  case 'n':
  case 'm':
  case 'i':
    if (json_is_number(v))
      worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, json_number_value(v),
                             col->kind == 'n'   ? num4
                             : col->kind == 'm' ? num2
                                                : NULL);
    break;
  case 'b':
    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, json_is_true(v) ? "是" : "否", NULL);
    break;
  case 'a': {
    /* "2" -> 第2条, "12(1)" -> 第12条第(1)项 */
    char buf[160] = "";
    size_t i, len = 0;
    const json_t *x;
    json_array_foreach(v, i, x) {
      const char *a = json_string_value(x);
      int n = 0, k = 0, w;
      if (a && sscanf(a, "%d(%d)", &n, &k) == 2)
        w = snprintf(buf + len, sizeof buf - len, "%s第%d条第(%d)项", i ? "、" : "", n, k);
      else
        w = snprintf(buf + len, sizeof buf - len, "%s第%s条", i ? "、" : "", a ? a : "");
      if (w < 0 || (size_t)w >= sizeof buf - len) break;
      len += (size_t)w;
    }
    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, buf, NULL);
    break;
  }
  case 's': {
    char buf[96];
    if (json_is_true(json_object_get(o, "open")))
      snprintf(buf, sizeof buf, "未销号");
    else
      snprintf(buf, sizeof buf, "%s销号 (%s)",
               json_string_value(json_object_get(o, "struck_on"))
                   ? json_string_value(json_object_get(o, "struck_on"))
                   : "",
               json_string_value(json_object_get(o, "struck_act_title"))
                   ? json_string_value(json_object_get(o, "struck_act_title"))
                   : "");
    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, buf, NULL);
    break;
  }
  default:
    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c,
                           json_string_value(v) ? json_string_value(v) : "", NULL);
  }
}

int lg_stock_ledger_xlsx(lg_store_t *s, const char *kind, const lg_stock_query_t *q,
                         const char *path, lg_err_t *err) {
  json_t *l = NULL;
  int rc = lg_stock_ledger(s, kind, q, &l, err);
  if (rc) return rc;
  const column_t *cols = !strcmp(kind, "unsupplied") ? unsupplied_cols
                         : !strcmp(kind, "unused")   ? unused_cols
                                                     : idle_cols;
  size_t ncols = !strcmp(kind, "unsupplied") ? LG_ARRAY_LEN(unsupplied_cols)
                 : !strcmp(kind, "unused")   ? LG_ARRAY_LEN(unused_cols)
                                             : LG_ARRAY_LEN(idle_cols);
  lxw_workbook *wb = workbook_new(path);
  if (!wb) {
    json_decref(l);
    return lg_err_set(err, LG_EIO, "无法写入 %s", path);
  }
  lxw_worksheet *ws =
      workbook_add_worksheet(wb, json_string_value(json_object_get(l, "kind_title")));
  lxw_format *title = workbook_add_format(wb);
  format_set_bold(title);
  format_set_font_size(title, 14);
  lxw_format *head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_border(head, LXW_BORDER_THIN);
  format_set_bg_color(head, 0xDDEBF7);
  format_set_text_wrap(head);
  lxw_format *num4 = workbook_add_format(wb);
  format_set_num_format(num4, "0.0000");
  lxw_format *num2 = workbook_add_format(wb);
  format_set_num_format(num2, "#,##0.00");
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  char buf[256];
  snprintf(buf, sizeof buf, "%s (截至 %s)", json_string_value(json_object_get(l, "kind_title")),
           json_string_value(json_object_get(l, "as_of")));
  worksheet_write_string(ws, 0, 0, buf, title);
  snprintf(buf, sizeof buf, "依据 %s; 由 landgov 按记录计算, 非手工填报",
           json_string_value(json_object_get(l, "law")));
  worksheet_write_string(ws, 1, 0, buf, NULL);
  worksheet_write_string(ws, 3, 0, "序号", head);
  worksheet_set_column(ws, 0, 0, 6, NULL);
  for (size_t c = 0; c < ncols; c++) {
    worksheet_write_string(ws, 3, (lxw_col_t)(c + 1), cols[c].title, head);
    worksheet_set_column(ws, (lxw_col_t)(c + 1), (lxw_col_t)(c + 1), cols[c].width, NULL);
  }
  worksheet_freeze_panes(ws, 4, 2);
  const json_t *rows = json_object_get(l, "rows");
  size_t i;
  const json_t *o;
  int r = 4;
  json_array_foreach(rows, i, o) {
    worksheet_write_number(ws, (lxw_row_t)r, 0, (double)(i + 1), NULL);
    for (size_t c = 0; c < ncols; c++)
      cell(ws, r, (int)c + 1, &cols[c], o, num4, num2);
    r++;
  }
  /* Totals of the numeric columns, as formulas (so a filtered copy sums
   * what it keeps). */
  worksheet_write_string(ws, (lxw_row_t)r, 1, "合计", bold);
  for (size_t c = 0; c < ncols && json_array_size(rows); c++) {
    if (cols[c].kind != 'n' && cols[c].kind != 'm') continue;
    char a1[16], a2[16], f[64];
    lxw_rowcol_to_cell(a1, 4, (lxw_col_t)(c + 1));
    lxw_rowcol_to_cell(a2, (lxw_row_t)(r - 1), (lxw_col_t)(c + 1));
    snprintf(f, sizeof f, "=SUM(%s:%s)", a1, a2);
    worksheet_write_formula(ws, (lxw_row_t)r, (lxw_col_t)(c + 1), f,
                            cols[c].kind == 'n' ? num4 : num2);
  }
  worksheet_autofilter(ws, 3, 0, (lxw_row_t)(r - 1 > 3 ? r - 1 : 3), (lxw_col_t)ncols);
  lxw_error e = workbook_close(wb);
  json_decref(l);
  if (e != LXW_NO_ERROR) return lg_err_set(err, LG_EIO, "写入 %s 失败: %s", path, lxw_strerror(e));
  return 0;
}

#else
int lg_stock_ledger_xlsx(lg_store_t *s, const char *kind, const lg_stock_query_t *q,
                         const char *path, lg_err_t *err) {
  (void)s, (void)kind, (void)q, (void)path;
  return lg_err_set(err, LG_EUNSUPPORTED, "本程序构建时没有 libxlsxwriter, 不能导出 Excel");
}
#endif
