/*
 * The report as an Excel workbook (libxlsxwriter), for the officers who
 * paste figures into the approval forms: one sheet each for the summary,
 * the class table of the boundary survey (勘测定界土地分类面积表), the
 * overlaps with every layer and their pieces, authority and quotas, and
 * the geometry check. Areas are written as numbers, not text, so that the
 * sheets add up.
 */
#include "review/review_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef LG_HAVE_XLSXWRITER
#include <xlsxwriter.h>

typedef struct fmts {
  lxw_format *head, *bold, *m2, *ha, *pct, *text, *sub;
} fmts_t;

static void num(lxw_worksheet *ws, int r, int c, double v, lxw_format *f) {
  if (isfinite(v))
    worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, v, f);
  else
    worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, "—", NULL);
}

static void str(lxw_worksheet *ws, int r, int c, const char *s, lxw_format *f) {
  worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, s ? s : "", f);
}

static void header(lxw_worksheet *ws, int r, const fmts_t *F, const char *const *cols, int n) {
  for (int i = 0; i < n; i++)
    str(ws, r, i, cols[i], F->head);
}

static void join(const json_t *arr, char *out, size_t n) {
  size_t i, len = 0;
  const json_t *x;
  out[0] = '\0';
  json_array_foreach(arr, i, x) {
    int w = snprintf(out + len, n - len, "%s%s", i ? "; " : "", json_string_value(x));
    if (w < 0 || (size_t)w >= n - len) break;
    len += (size_t)w;
  }
}

static void sheet_summary(lxw_workbook *wb, const json_t *r, const fmts_t *F) {
  lxw_worksheet *ws = workbook_add_worksheet(wb, "概要");
  worksheet_set_column(ws, 0, 0, 18, NULL);
  worksheet_set_column(ws, 1, 1, 90, F->text);
  const json_t *p = json_object_get(r, "project"), *a = json_object_get(r, "area");
  int row = 0;
  str(ws, row++, 0, "建设项目用地合规性审查报告", F->bold);
  char buf[1024];
  str(ws, row, 0, "项目名称", F->bold), str(ws, row++, 1, lg_review_get_str(p, "name"), NULL);
  str(ws, row, 0, "项目类型", F->bold), str(ws, row++, 1, lg_review_get_str(p, "type_title"), NULL);
  snprintf(buf, sizeof buf, "%s %s", lg_review_get_str(p, "use"), lg_review_get_str(p, "use_name"));
  str(ws, row, 0, "拟用途", F->bold),
      str(ws, row++, 1, *lg_review_get_str(p, "use") ? buf : "(未申报)", NULL);
  str(ws, row, 0, "审查时间", F->bold), str(ws, row++, 1, lg_review_get_str(r, "created_at"), NULL);
  snprintf(buf, sizeof buf, "第 %lld 版 %s", lg_review_get_int(r, "rule_set_version"),
           lg_review_get_str(r, "rule_set_name"));
  str(ws, row, 0, "规则集", F->bold), str(ws, row++, 1, buf, NULL);
  str(ws, row, 0, "审查结论", F->bold);
  str(ws, row++, 1,
      *lg_review_get_str(r, "verdict") ? lg_review_get_str(r, "verdict_title")
                                       : "未完成 (边界几何无效)",
      F->bold);
  if (a) {
    str(ws, row, 0, "平面面积 (平方米)", F->bold),
        num(ws, row++, 1, lg_review_get_num(a, "planar_m2"), F->m2);
    str(ws, row, 0, "平面面积 (公顷)", F->bold),
        num(ws, row++, 1, lg_review_get_num(a, "planar_ha"), F->ha);
    str(ws, row, 0, "平面面积 (亩)", F->bold),
        num(ws, row++, 1, lg_review_get_num(a, "planar_mu"), F->m2);
    str(ws, row, 0, "椭球面积 (平方米)", F->bold),
        num(ws, row++, 1, lg_review_get_num(a, "ellipsoidal_m2"), F->m2);
  }
  row++;
  str(ws, row++, 0, "理由", F->bold);
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "reasons"), i, x) {
    char basis[512];
    join(json_object_get(x, "basis"), basis, sizeof basis);
    snprintf(buf, sizeof buf, "%s%s%s%s", lg_review_get_str(x, "text"), *basis ? " (依据: " : "",
             basis, *basis ? ")" : "");
    str(ws, row, 0, lg_review_get_str(x, "effect"), NULL);
    str(ws, row++, 1, buf, NULL);
  }
  if (json_array_size(json_object_get(r, "conditions"))) {
    row++;
    str(ws, row++, 0, "须满足的条件", F->bold);
    json_array_foreach(json_object_get(r, "conditions"), i, x) {
      snprintf(buf, sizeof buf, "%zu", i + 1);
      str(ws, row, 0, buf, NULL);
      str(ws, row++, 1, json_string_value(x), NULL);
    }
  }
  if (json_array_size(json_object_get(r, "warnings"))) {
    row++;
    str(ws, row++, 0, "提示", F->bold);
    json_array_foreach(json_object_get(r, "warnings"), i, x)
        str(ws, row++, 1, json_string_value(x), NULL);
  }
}

static void sheet_classes(lxw_workbook *wb, const json_t *r, const fmts_t *F) {
  lxw_worksheet *ws = workbook_add_worksheet(wb, "土地分类面积表");
  static const char *const cols[] = {"地类编码",     "地类名称",   "三大类",
                                     "面积(平方米)", "面积(公顷)", "面积(亩)"};
  worksheet_set_column(ws, 0, 0, 12, NULL);
  worksheet_set_column(ws, 1, 2, 20, NULL);
  worksheet_set_column(ws, 3, 5, 16, NULL);
  int row = 0;
  str(ws, row++, 0, "勘测定界土地分类面积表", F->bold);
  header(ws, row++, F, cols, 6);
  static const char *const keys[] = {"agricultural", "construction", "unused", "unclassified"};
  static const char *const titles[] = {"农用地", "建设用地", "未利用地", "未归类"};
  const json_t *mj = json_object_get(r, "major_classes"),
               *table = json_object_get(r, "class_table");
  for (int k = 0; k < 4; k++) {
    double m2 = lg_review_get_num(mj, keys[k]);
    if (k == 3 && !(m2 > 0)) continue;
    str(ws, row, 0, "", F->sub), str(ws, row, 1, titles[k], F->sub), str(ws, row, 2, "", F->sub);
    num(ws, row, 3, m2, F->sub), num(ws, row, 4, m2 / 1e4, F->sub),
        num(ws, row++, 5, m2 / 1e4 * 15, F->sub);
    if (k == 0) {
      double cu = lg_review_get_num(r, "cultivated_m2"), pa = lg_review_get_num(r, "paddy_m2");
      str(ws, row, 1, "其中: 耕地", NULL);
      num(ws, row, 3, cu, F->m2), num(ws, row, 4, cu / 1e4, F->ha),
          num(ws, row++, 5, cu / 1e4 * 15, F->m2);
      str(ws, row, 1, "其中: 水田", NULL);
      num(ws, row, 3, pa, F->m2), num(ws, row, 4, pa / 1e4, F->ha),
          num(ws, row++, 5, pa / 1e4 * 15, F->m2);
    }
    size_t i;
    const json_t *x;
    json_array_foreach(table, i, x) {
      if (strcmp(lg_review_get_str(x, "major"), keys[k]) != 0) continue;
      str(ws, row, 0, lg_review_get_str(x, "code"), NULL);
      str(ws, row, 1, lg_review_get_str(x, "name"), NULL);
      str(ws, row, 2, lg_review_get_str(x, "major_title"), NULL);
      num(ws, row, 3, lg_review_get_num(x, "m2"), F->m2);
      num(ws, row, 4, lg_review_get_num(x, "ha"), F->ha);
      num(ws, row++, 5, lg_review_get_num(x, "mu"), F->m2);
    }
  }
  const json_t *lu = json_object_get(json_object_get(r, "controls"), "landuse");
  if (lg_review_get_num(lu, "uncovered_m2") > 0.005) {
    str(ws, row, 1, "超出现状数据范围", NULL);
    num(ws, row, 3, lg_review_get_num(lu, "uncovered_m2"), F->m2);
    num(ws, row, 4, lg_review_get_num(lu, "uncovered_m2") / 1e4, F->ha);
    num(ws, row++, 5, lg_review_get_num(lu, "uncovered_m2") / 1e4 * 15, F->m2);
  }
  double total = lg_review_get_num(json_object_get(r, "area"), "planar_m2");
  str(ws, row, 1, "合计", F->sub);
  num(ws, row, 3, total, F->sub), num(ws, row, 4, total / 1e4, F->sub),
      num(ws, row, 5, total / 1e4 * 15, F->sub);
}

static void sheet_overlaps(lxw_workbook *wb, const json_t *r, const fmts_t *F) {
  lxw_worksheet *ws = workbook_add_worksheet(wb, "管控图层叠加");
  static const char *const cols[] = {"图层", "类别", "状态", "重叠面积(平方米)", "占比", "图斑数"};
  worksheet_set_column(ws, 0, 2, 18, NULL);
  worksheet_set_column(ws, 3, 5, 16, NULL);
  int row = 0;
  header(ws, row++, F, cols, 6);
  const char *k;
  const json_t *x;
  json_object_foreach(json_object_get(r, "overlaps"), k, x) {
    str(ws, row, 0, k, NULL);
    str(ws, row, 1, lg_review_get_str(x, "role_title"), NULL);
    str(ws, row, 2,
        strcmp(lg_review_get_str(x, "status"), "checked") == 0 ? "已审查" : "未审查 (图层缺失)",
        NULL);
    num(ws, row, 3, lg_review_get_num(x, "m2"), F->m2);
    num(ws, row, 4, lg_review_get_num(x, "share"), F->pct);
    num(ws, row++, 5, (double)json_integer_value(json_object_get(x, "pieces_total")), NULL);
  }
  row++;
  static const char *const pcols[] = {"图层", "要素编号", "重叠面积(平方米)", "编码"};
  header(ws, row++, F, pcols, 4);
  json_object_foreach(json_object_get(r, "overlaps"), k, x) {
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(x, "pieces"), i, p) {
      str(ws, row, 0, k, NULL);
      num(ws, row, 1, (double)json_integer_value(json_object_get(p, "fid")), NULL);
      num(ws, row, 2, lg_review_get_num(p, "m2"), F->m2);
      str(ws, row++, 3, lg_review_get_str(p, "code"), NULL);
    }
  }
}

static void sheet_authority(lxw_workbook *wb, const json_t *r, const fmts_t *F) {
  lxw_worksheet *ws = workbook_add_worksheet(wb, "审批权限与指标");
  worksheet_set_column(ws, 0, 0, 22, NULL);
  worksheet_set_column(ws, 1, 1, 16, NULL);
  worksheet_set_column(ws, 2, 3, 60, F->text);
  const json_t *a = json_object_get(r, "authority");
  int row = 0;
  static const char *const cols[] = {"事项", "审批机关", "法律依据", "计算过程"};
  header(ws, row++, F, cols, 4);
  char buf[1024];
  if (a) {
    const json_t *arts = json_object_get(a, "articles"), *basis = json_object_get(a, "basis");
    str(ws, row, 0, "农用地转用", NULL);
    str(ws, row, 1, lg_review_get_str(a, "conversion_title"), NULL);
    join(json_object_get(arts, "conversion"), buf, sizeof buf);
    str(ws, row, 2, buf, NULL);
    str(ws, row++, 3, lg_review_get_str(basis, "conversion"), NULL);
    str(ws, row, 0, "土地征收", NULL);
    str(ws, row, 1, lg_review_get_str(a, "expropriation_title"), NULL);
    join(json_object_get(arts, "expropriation"), buf, sizeof buf);
    str(ws, row, 2, buf, NULL);
    str(ws, row++, 3, lg_review_get_str(basis, "expropriation"), NULL);
  }
  row++;
  static const char *const qcols[] = {"指标", "平方米", "公顷", "亩"};
  header(ws, row++, F, qcols, 4);
  static const struct {
    const char *key, *title;
  } q[] = {{"new_construction_m2", "新增建设用地"}, {"agricultural_conversion_m2", "农用地转用"},
           {"unused_conversion_m2", "未利用地"},    {"cultivated_balance_m2", "耕地占补平衡"},
           {"paddy_balance_m2", "水田占补平衡"},    {"pbf_replacement_m2", "永久基本农田补划"}};
  const json_t *qs = json_object_get(r, "quotas");
  if (json_is_null(qs)) str(ws, row++, 0, "用地范围未能审查, 消耗指标无从计算", NULL);
  for (size_t i = 0; json_is_object(qs) && i < LG_ARRAY_LEN(q); i++) {
    double v = lg_review_get_num(qs, q[i].key);
    str(ws, row, 0, q[i].title, NULL);
    num(ws, row, 1, v, F->m2);
    num(ws, row, 2, v / 1e4, F->ha);
    num(ws, row++, 3, v / 1e4 * 15, F->m2);
  }
  row++;
  static const char *const fcols[] = {"后续事项", "依据", "内容"};
  header(ws, row++, F, fcols, 3);
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "followups"), i, x) {
    str(ws, row, 0, lg_review_get_str(x, "title"), NULL);
    join(json_object_get(x, "basis"), buf, sizeof buf);
    str(ws, row, 1, buf, NULL);
    str(ws, row++, 2, lg_review_get_str(x, "text"), NULL);
  }
}

static void sheet_validation(lxw_workbook *wb, const json_t *r, const fmts_t *F) {
  lxw_worksheet *ws = workbook_add_worksheet(wb, "几何检查");
  worksheet_set_column(ws, 0, 1, 14, NULL);
  worksheet_set_column(ws, 2, 2, 90, F->text);
  const json_t *v = json_object_get(r, "validation");
  int row = 0;
  str(ws, row, 0, "几何有效", F->bold);
  str(ws, row++, 1, json_is_true(json_object_get(v, "valid")) ? "是" : "否", NULL);
  str(ws, row, 0, "已修复", F->bold);
  str(ws, row++, 1, json_is_true(json_object_get(v, "repaired")) ? "是" : "否", NULL);
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(v, "repairs"), i, x)
      str(ws, row++, 2, json_string_value(x), NULL);
  row++;
  static const char *const cols[] = {"类型", "级别", "说明"};
  header(ws, row++, F, cols, 3);
  json_array_foreach(json_object_get(v, "issues"), i, x) {
    str(ws, row, 0, lg_review_get_str(x, "kind"), NULL);
    str(ws, row, 1, lg_review_get_str(x, "severity"), NULL);
    str(ws, row++, 2, lg_review_get_str(x, "text"), NULL);
  }
}

int lg_review_report_xlsx(const json_t *r, const char *path, lg_err_t *err) {
  lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  if (!wb) return lg_err_set(err, LG_EIO, "无法创建工作簿 %s", path);
  fmts_t F;
  F.head = workbook_add_format(wb);
  format_set_bold(F.head);
  format_set_bg_color(F.head, 0xDDDDDD);
  format_set_border(F.head, LXW_BORDER_THIN);
  F.bold = workbook_add_format(wb);
  format_set_bold(F.bold);
  F.m2 = workbook_add_format(wb);
  format_set_num_format(F.m2, "#,##0.00");
  F.ha = workbook_add_format(wb);
  format_set_num_format(F.ha, "#,##0.0000");
  F.pct = workbook_add_format(wb);
  format_set_num_format(F.pct, "0.00%");
  F.text = workbook_add_format(wb);
  format_set_text_wrap(F.text);
  F.sub = workbook_add_format(wb);
  format_set_bold(F.sub);
  format_set_bg_color(F.sub, 0xF2F2F2);
  format_set_num_format(F.sub, "#,##0.00");
  sheet_summary(wb, r, &F);
  if (json_object_get(r, "class_table")) sheet_classes(wb, r, &F);
  if (json_object_get(r, "overlaps")) sheet_overlaps(wb, r, &F);
  if (json_object_get(r, "authority")) sheet_authority(wb, r, &F);
  sheet_validation(wb, r, &F);
  lxw_error e = workbook_close(wb);
  if (e != LXW_NO_ERROR)
    return lg_err_set(err, LG_EIO, "写入工作簿 %s 失败: %s", path, lxw_strerror(e));
  return 0;
}

#else

int lg_review_report_xlsx(const json_t *r, const char *path, lg_err_t *err) {
  (void)r, (void)path;
  return lg_err_set(err, LG_EUNSUPPORTED, "本程序编译时未带 libxlsxwriter, 不能生成 XLSX 工作簿");
}

#endif
