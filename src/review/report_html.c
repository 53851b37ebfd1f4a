/*
 * The printable report: one self-contained Chinese HTML page (inline CSS,
 * A4 print layout, no scripts, no external resources) made from the JSON
 * report, so that what is printed and signed is exactly what the API
 * returned. Its sections follow the order an approval officer reads: the
 * conclusion first, then the evidence (geometry, areas, overlaps, the
 * class table of the boundary survey, plan conformity), then the legal
 * consequences (approval authority, quotas, follow-ups).
 */
#include "review/review_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void lg_html_escape(lg_buf_t *out, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&':
      lg_buf_puts(out, "&amp;");
      break;
    case '<':
      lg_buf_puts(out, "&lt;");
      break;
    case '>':
      lg_buf_puts(out, "&gt;");
      break;
    case '"':
      lg_buf_puts(out, "&quot;");
      break;
    case '\'':
      lg_buf_puts(out, "&#39;");
      break;
    default:
      lg_buf_putc(out, *s);
    }
  }
}

/* Numbers with thousands separators, as Chinese statistical tables print them. */
static void put_num(lg_buf_t *b, double v, int decimals) {
  if (!isfinite(v)) {
    lg_buf_puts(b, "—");
    return;
  }
  char raw[64];
  snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
  const char *dot = strchr(raw, '.');
  size_t intlen = dot ? (size_t)(dot - raw) : strlen(raw);
  size_t start = raw[0] == '-' ? 1 : 0;
  if (start) lg_buf_putc(b, '-');
  for (size_t i = start; i < intlen; i++) {
    lg_buf_putc(b, raw[i]);
    size_t left = intlen - i - 1;
    if (left > 0 && left % 3 == 0) lg_buf_putc(b, ',');
  }
  if (dot) lg_buf_puts(b, dot);
}

static void td_text(lg_buf_t *b, const char *s) {
  lg_buf_puts(b, "<td>");
  lg_html_escape(b, s);
  lg_buf_puts(b, "</td>");
}

static void td_num(lg_buf_t *b, double v, int decimals) {
  lg_buf_puts(b, "<td class=n>");
  put_num(b, v, decimals);
  lg_buf_puts(b, "</td>");
}

static void td_pct(lg_buf_t *b, double share) {
  lg_buf_puts(b, "<td class=n>");
  if (isfinite(share))
    lg_buf_printf(b, "%.2f%%", 100 * share);
  else
    lg_buf_puts(b, "—");
  lg_buf_puts(b, "</td>");
}

static void strings_list(lg_buf_t *b, const json_t *arr) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i, x) {
    if (i) lg_buf_puts(b, "; ");
    lg_html_escape(b, json_string_value(x));
  }
}

static const char css[] =
    "@page{size:A4;margin:18mm 16mm}"
    "body{font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',SimSun,sans-serif;"
    "font-size:10.5pt;color:#111;margin:0 auto;max-width:190mm;line-height:1.5}"
    "h1{text-align:center;font-size:18pt;margin:0 0 4mm}"
    "h2{font-size:12.5pt;border-bottom:1.5px solid #333;margin:6mm 0 2mm;padding-bottom:1mm}"
    "table{border-collapse:collapse;width:100%;margin:1mm 0 3mm}"
    "th,td{border:1px solid #555;padding:1mm 2mm;vertical-align:top}"
    "th{background:#eee;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.sub td{background:#f6f6f6;font-weight:600}tr.total td{font-weight:700;border-top:2px solid "
    "#333}"
    ".meta td:first-child{width:28mm;background:#f6f6f6}"
    ".verdict{border:2px solid;padding:3mm;margin:3mm 0;page-break-inside:avoid}"
    ".v-unreviewable{border-color:#6a737d}.v-unreviewable .big{color:#57606a}"
    ".v-pass{border-color:#1a7f37}.v-conditional{border-color:#b08800}.v-prohibited{border-color:#"
    "c0392b}"
    ".verdict .big{font-size:16pt;font-weight:700}"
    ".v-pass .big{color:#1a7f37}.v-conditional .big{color:#8a6d00}.v-prohibited .big{color:#c0392b}"
    ".small{font-size:9pt;color:#444}.err{color:#c0392b}.warn{color:#8a6d00}"
    "ul{margin:1mm 0;padding-left:6mm}footer{margin-top:8mm;font-size:9pt;color:#444}"
    "@media print{h2{page-break-after:avoid}tr{page-break-inside:avoid}}";

static void section_meta(lg_buf_t *b, const json_t *r) {
  const json_t *p = json_object_get(r, "project"), *in = json_object_get(r, "input");
  lg_buf_puts(b, "<table class=meta>");
  lg_buf_puts(b, "<tr><td>项目名称</td>");
  td_text(b, *lg_review_get_str(p, "name") ? lg_review_get_str(p, "name") : "(未填写)");
  lg_buf_puts(b, "</tr><tr><td>项目类型</td>");
  td_text(b, lg_review_get_str(p, "type_title"));
  lg_buf_puts(b, "</tr><tr><td>拟用途</td><td>");
  if (*lg_review_get_str(p, "use")) {
    lg_html_escape(b, lg_review_get_str(p, "use"));
    lg_buf_puts(b, " ");
    lg_html_escape(b, lg_review_get_str(p, "use_name"));
  } else {
    lg_buf_puts(b, "(未申报)");
  }
  lg_buf_puts(b, "</td></tr><tr><td>用地范围来源</td><td>");
  lg_html_escape(b, lg_review_get_str(in, "source"));
  lg_buf_printf(b, " (%s, EPSG:%lld, %lld 个地块, %lld 个界址点)", lg_review_get_str(in, "format"),
                lg_review_get_int(in, "srs_id"), lg_review_get_int(in, "parcels"),
                lg_review_get_int(in, "points"));
  lg_buf_puts(b, "</td></tr><tr><td>审查时间</td>");
  td_text(b, lg_review_get_str(r, "created_at"));
  lg_buf_printf(b, "</tr><tr><td>规则集</td><td>第 %lld 版 ",
                lg_review_get_int(r, "rule_set_version"));
  lg_html_escape(b, lg_review_get_str(r, "rule_set_name"));
  lg_buf_puts(b, "</td></tr>");
  if (json_is_integer(json_object_get(r, "id")))
    lg_buf_printf(b, "<tr><td>审查编号</td><td>%lld</td></tr>", lg_review_get_int(r, "id"));
  lg_buf_puts(b, "</table>");
}

static void section_verdict(lg_buf_t *b, const json_t *r) {
  const char *v = lg_review_get_str(r, "verdict");
  lg_buf_printf(b, "<div class='verdict v-%s'><div class=big>审查结论: ", *v ? v : "none");
  lg_html_escape(b, *v ? lg_review_get_str(r, "verdict_title") : "未完成 (边界几何无效)");
  lg_buf_puts(b, "</div><p>理由:</p><ul>");
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(r, "reasons"), i, x) {
    lg_buf_printf(b, "<li class='%s'>",
                  strcmp(lg_review_get_str(x, "effect"), "prohibited") == 0 ? "err" : "");
    lg_html_escape(b, lg_review_get_str(x, "text"));
    if (json_array_size(json_object_get(x, "basis"))) {
      lg_buf_puts(b, " <span class=small>(依据: ");
      strings_list(b, json_object_get(x, "basis"));
      lg_buf_puts(b, ")</span>");
    }
    lg_buf_puts(b, "</li>");
  }
  lg_buf_puts(b, "</ul>");
  if (json_array_size(json_object_get(r, "conditions"))) {
    lg_buf_puts(b, "<p>须满足的条件:</p><ol>");
    json_array_foreach(json_object_get(r, "conditions"), i, x) {
      lg_buf_puts(b, "<li>");
      lg_html_escape(b, json_string_value(x));
      lg_buf_puts(b, "</li>");
    }
    lg_buf_puts(b, "</ol>");
  }
  lg_buf_puts(b, "</div>");
}

static void section_validation(lg_buf_t *b, const json_t *r) {
  const json_t *v = json_object_get(r, "validation");
  lg_buf_puts(b, "<h2>一、几何检查</h2><p>");
  if (json_is_true(json_object_get(v, "valid")))
    lg_buf_puts(b, "边界几何有效 (无自相交、无折返尖刺)。");
  else if (json_is_true(json_object_get(v, "repaired")))
    lg_buf_puts(
        b, "<span class=err>边界几何无效, 已按申请自动修复, 以下面积均按修复后的边界计算。</span>");
  else
    lg_buf_puts(b, "<span class=err>边界几何无效, 未修复, 审查未完成。</span>");
  lg_buf_puts(b, "</p>");
  if (json_array_size(json_object_get(v, "repairs"))) {
    lg_buf_puts(b, "<p>修复步骤: ");
    strings_list(b, json_object_get(v, "repairs"));
    lg_buf_puts(b, "</p>");
  }
  const json_t *issues = json_object_get(v, "issues");
  if (json_array_size(issues)) {
    lg_buf_puts(b, "<table><tr><th style='width:18mm'>级别</th><th>问题</th></tr>");
    size_t i;
    const json_t *x;
    json_array_foreach(issues, i, x) {
      const char *sev = lg_review_get_str(x, "severity");
      lg_buf_printf(b, "<tr><td class='%s'>%s</td>", strcmp(sev, "error") == 0 ? "err" : "warn",
                    strcmp(sev, "error") == 0     ? "错误"
                    : strcmp(sev, "warning") == 0 ? "警告"
                                                  : "提示");
      td_text(b, lg_review_get_str(x, "text"));
      lg_buf_puts(b, "</tr>");
    }
    lg_buf_puts(b, "</table>");
  }
}

static void section_area(lg_buf_t *b, const json_t *r) {
  const json_t *a = json_object_get(r, "area");
  if (!a) return;
  lg_buf_printf(b,
                "<h2>二、用地面积</h2><table><tr><th>计算方式</th><th>平方米</th><th>公顷</th>"
                "<th>亩</th></tr><tr><td>平面面积 (EPSG:%lld 高斯-克吕格投影)</td>",
                lg_review_get_int(a, "srs_id"));
  td_num(b, lg_review_get_num(a, "planar_m2"), 2);
  td_num(b, lg_review_get_num(a, "planar_ha"), 4);
  td_num(b, lg_review_get_num(a, "planar_mu"), 2);
  lg_buf_puts(b, "</tr><tr><td>椭球面积 (CGCS2000 椭球)</td>");
  td_num(b, lg_review_get_num(a, "ellipsoidal_m2"), 2);
  td_num(b, lg_review_get_num(a, "ellipsoidal_ha"), 4);
  td_num(b, lg_review_get_num(a, "ellipsoidal_mu"), 2);
  lg_buf_puts(b, "</tr></table>");
}

static void section_overlaps(lg_buf_t *b, const json_t *r) {
  const json_t *ov = json_object_get(r, "overlaps");
  if (!ov) return;
  lg_buf_puts(b, "<h2>三、与一张图各图层叠加</h2><table><tr><th>图层</th><th>类别</th><th>状态</th>"
                 "<th>重叠面积 (平方米)</th><th>占用地比例</th><th>图斑数</th></tr>");
  const char *k;
  const json_t *x;
  json_object_foreach((json_t *)ov, k, x) {
    bool checked = strcmp(lg_review_get_str(x, "status"), "checked") == 0;
    lg_buf_puts(b, "<tr>");
    td_text(b, k);
    td_text(b, lg_review_get_str(x, "role_title"));
    lg_buf_printf(b, "<td class='%s'>%s</td>", checked ? "" : "err",
                  checked ? "已审查" : "未审查 (图层缺失)");
    td_num(b, lg_review_get_num(x, "m2"), 2);
    td_pct(b, lg_review_get_num(x, "share"));
    lg_buf_printf(b, "<td class=n>%lld</td></tr>", lg_review_get_int(x, "pieces_total"));
  }
  lg_buf_puts(b, "</table>");
  const json_t *udb = json_object_get(json_object_get(r, "controls"), "udb");
  if (udb && strcmp(lg_review_get_str(udb, "status"), "checked") == 0) {
    lg_buf_puts(b, "<p>城镇开发边界: 边界内 ");
    put_num(b, lg_review_get_num(udb, "inside_m2"), 2);
    lg_buf_puts(b, " 平方米, 边界外 ");
    put_num(b, lg_review_get_num(udb, "outside_m2"), 2);
    lg_buf_puts(b, " 平方米。</p>");
  }
  /* The pieces of the control layers, which an officer checks on the map. */
  static const char *const shown[] = {"eprl", "pbf"};
  json_object_foreach((json_t *)ov, k, x) {
    bool show = false;
    for (size_t i = 0; i < 2; i++)
      show |= strcmp(lg_review_get_str(x, "role"), shown[i]) == 0;
    if (!show || json_array_size(json_object_get(x, "pieces")) == 0) continue;
    lg_buf_puts(b, "<p>");
    lg_html_escape(b, lg_review_get_str(x, "role_title"));
    lg_buf_puts(b, " (");
    lg_html_escape(b, k);
    lg_buf_puts(b, ") 重叠图斑: ");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(x, "pieces"), i, p) {
      if (i == 50) {
        lg_buf_puts(b, " …");
        break;
      }
      lg_buf_printf(b, "%s要素 %lld (", i ? "; " : "", lg_review_get_int(p, "fid"));
      put_num(b, lg_review_get_num(p, "m2"), 2);
      lg_buf_puts(b, " 平方米)");
    }
    lg_buf_puts(b, "</p>");
  }
}

static void class_rows(lg_buf_t *b, const json_t *table, const char *major, double sub,
                       double total) {
  size_t i;
  const json_t *x;
  json_array_foreach(table, i, x) {
    if (strcmp(lg_review_get_str(x, "major"), major) != 0) continue;
    lg_buf_puts(b, "<tr>");
    td_text(b, lg_review_get_str(x, "code"));
    td_text(b, lg_review_get_str(x, "name"));
    td_num(b, lg_review_get_num(x, "m2"), 2);
    td_num(b, lg_review_get_num(x, "ha"), 4);
    td_num(b, lg_review_get_num(x, "mu"), 2);
    td_pct(b, total > 0 ? lg_review_get_num(x, "m2") / total : NAN);
    lg_buf_puts(b, "</tr>");
  }
  (void)sub;
}

static void section_classes(lg_buf_t *b, const json_t *r) {
  const json_t *lu = json_object_get(json_object_get(r, "controls"), "landuse");
  if (!lu) return;
  lg_buf_puts(b, "<h2>四、勘测定界土地分类面积表</h2>");
  if (strcmp(lg_review_get_str(lu, "status"), "checked") != 0) {
    lg_buf_puts(b, "<p class=err>土地利用现状图层缺失或无地类编码, 未审查。</p>");
    return;
  }
  double total = lg_review_get_num(json_object_get(r, "area"), "planar_m2");
  const json_t *table = json_object_get(r, "class_table"),
               *mj = json_object_get(r, "major_classes");
  lg_buf_puts(b, "<p class=small>地类来源: ");
  lg_html_escape(b, lg_review_get_str(lu, "layer"));
  lg_buf_puts(b, " (");
  lg_html_escape(b, lg_review_get_str(lu, "code_system"));
  lg_buf_puts(
      b,
      "); 面积为平面面积。</p><table><tr><th>地类编码</th><th>地类名称</th><th>面积 (平方米)</th>"
      "<th>公顷</th><th>亩</th><th>比例</th></tr>");
  static const char *const keys[] = {"agricultural", "construction", "unused", "unclassified"};
  static const char *const titles[] = {"农用地", "建设用地", "未利用地", "未归类"};
  for (size_t i = 0; i < 4; i++) {
    double m2 = lg_review_get_num(mj, keys[i]);
    if (i == 3 && !(m2 > 0)) continue;
    lg_buf_printf(b, "<tr class=sub><td colspan=2>%s</td>", titles[i]);
    td_num(b, m2, 2);
    td_num(b, m2 / 10000, 4);
    td_num(b, m2 / 10000 * 15, 2);
    td_pct(b, total > 0 ? m2 / total : NAN);
    lg_buf_puts(b, "</tr>");
    if (i == 0) {
      double cu = lg_review_get_num(r, "cultivated_m2"), pa = lg_review_get_num(r, "paddy_m2");
      lg_buf_puts(b, "<tr><td colspan=2>&emsp;其中: 耕地</td>");
      td_num(b, cu, 2);
      td_num(b, cu / 10000, 4);
      td_num(b, cu / 10000 * 15, 2);
      td_pct(b, total > 0 ? cu / total : NAN);
      lg_buf_puts(b, "</tr><tr><td colspan=2>&emsp;&emsp;其中: 水田</td>");
      td_num(b, pa, 2);
      td_num(b, pa / 10000, 4);
      td_num(b, pa / 10000 * 15, 2);
      td_pct(b, total > 0 ? pa / total : NAN);
      lg_buf_puts(b, "</tr>");
    }
    class_rows(b, table, keys[i], m2, total);
  }
  double uncovered = lg_review_get_num(lu, "uncovered_m2");
  if (uncovered > 0.005) {
    lg_buf_puts(b, "<tr><td colspan=2 class=err>超出现状数据范围</td>");
    td_num(b, uncovered, 2);
    td_num(b, uncovered / 10000, 4);
    td_num(b, uncovered / 10000 * 15, 2);
    td_pct(b, total > 0 ? uncovered / total : NAN);
    lg_buf_puts(b, "</tr>");
  }
  lg_buf_puts(b, "<tr class=total><td colspan=2>合计</td>");
  td_num(b, total, 2);
  td_num(b, total / 10000, 4);
  td_num(b, total / 10000 * 15, 2);
  td_pct(b, 1);
  lg_buf_puts(b, "</tr></table>");
}

static void section_plan(lg_buf_t *b, const json_t *r) {
  const json_t *p = json_object_get(r, "plan");
  if (!p) return;
  lg_buf_puts(b, "<h2>五、规划符合性</h2>");
  if (strcmp(lg_review_get_str(p, "status"), "checked") != 0) {
    lg_buf_puts(b, "<p class=err>未审查: ");
    lg_html_escape(b, lg_review_get_str(p, "text"));
    lg_buf_puts(b, "</p>");
  } else {
    lg_buf_puts(b, "<p>与规划用途相符 ");
    put_num(b, lg_review_get_num(p, "compatible_m2"), 2);
    lg_buf_printf(b, " 平方米 (%.2f%%), 有条件相符 ", 100 * lg_review_get_num(p, "share"));
    put_num(b, lg_review_get_num(p, "conditional_m2"), 2);
    lg_buf_puts(b, " 平方米, 不相符 ");
    put_num(b, lg_review_get_num(p, "incompatible_m2"), 2);
    lg_buf_puts(b, " 平方米, 无规划用途 ");
    put_num(b, lg_review_get_num(p, "unplanned_m2"), 2);
    lg_buf_puts(b, " 平方米。</p>");
  }
  const json_t *rows = json_object_get(p, "by_code");
  if (json_array_size(rows)) {
    lg_buf_puts(
        b,
        "<table><tr><th>规划用途编码</th><th>名称</th><th>面积 (平方米)</th><th>相符性</th></tr>");
    size_t i;
    const json_t *x;
    json_array_foreach(rows, i, x) {
      const char *c = lg_review_get_str(x, "compatibility");
      lg_buf_puts(b, "<tr>");
      td_text(b, lg_review_get_str(x, "code"));
      td_text(b, lg_review_get_str(x, "name"));
      td_num(b, lg_review_get_num(x, "m2"), 2);
      td_text(b, strcmp(c, "compatible") == 0     ? "相符"
                 : strcmp(c, "conditional") == 0  ? "有条件相符"
                 : strcmp(c, "incompatible") == 0 ? "不相符"
                                                  : "—");
      lg_buf_puts(b, "</tr>");
    }
    lg_buf_puts(b, "</table>");
  }
}

static void section_authority(lg_buf_t *b, const json_t *r) {
  const json_t *a = json_object_get(r, "authority");
  if (!a) return;
  const json_t *arts = json_object_get(a, "articles"), *basis = json_object_get(a, "basis");
  lg_buf_puts(
      b, "<h2>六、审批权限</h2><table><tr><th style='width:24mm'>事项</th><th style='width:26mm'>"
         "审批机关</th><th>法律依据</th><th>计算过程</th></tr><tr><td>农用地转用</td>");
  td_text(b, lg_review_get_str(a, "conversion_title"));
  lg_buf_puts(b, "<td>");
  strings_list(b, json_object_get(arts, "conversion"));
  lg_buf_puts(b, "</td>");
  td_text(b, lg_review_get_str(basis, "conversion"));
  lg_buf_puts(b, "</tr><tr><td>土地征收</td>");
  td_text(b, lg_review_get_str(a, "expropriation_title"));
  lg_buf_puts(b, "<td>");
  strings_list(b, json_object_get(arts, "expropriation"));
  lg_buf_puts(b, "</td>");
  td_text(b, lg_review_get_str(basis, "expropriation"));
  lg_buf_puts(b, "</tr></table>");
  if (json_is_string(json_object_get(a, "joint"))) {
    lg_buf_puts(b, "<p>");
    lg_html_escape(b, lg_review_get_str(a, "joint"));
    lg_buf_puts(b, "</p>");
  }
}

static void section_quotas(lg_buf_t *b, const json_t *r) {
  const json_t *q = json_object_get(r, "quotas");
  if (!q) return;
  if (json_is_null(q)) {
    lg_buf_puts(b, "<h2>七、消耗指标</h2><p>用地范围未能审查, 消耗指标无从计算。</p>");
    return;
  }
  static const struct {
    const char *key, *title;
  } rows[] = {{"new_construction_m2", "新增建设用地"},
              {"agricultural_conversion_m2", "其中: 农用地转用"},
              {"unused_conversion_m2", "其中: 未利用地"},
              {"cultivated_balance_m2", "耕地占补平衡 (数量)"},
              {"paddy_balance_m2", "其中: 水田"},
              {"pbf_replacement_m2", "永久基本农田补划"}};
  lg_buf_puts(
      b,
      "<h2>七、消耗指标</h2><table><tr><th>指标</th><th>平方米</th><th>公顷</th><th>亩</th></tr>");
  for (size_t i = 0; i < LG_ARRAY_LEN(rows); i++) {
    double v = lg_review_get_num(q, rows[i].key);
    lg_buf_puts(b, "<tr>");
    td_text(b, rows[i].title);
    td_num(b, v, 2);
    td_num(b, v / 10000, 4);
    td_num(b, v / 10000 * 15, 2);
    lg_buf_puts(b, "</tr>");
  }
  lg_buf_puts(b, "</table><p class=small>");
  lg_html_escape(b, lg_review_get_str(q, "note"));
  lg_buf_puts(b, "</p>");
}

static void section_followups(lg_buf_t *b, const json_t *r) {
  const json_t *f = json_object_get(r, "followups");
  if (!f) return;
  lg_buf_puts(b, "<h2>八、须办理的后续事项</h2>");
  if (json_array_size(f) == 0) {
    lg_buf_puts(b, "<p>无。</p>");
    return;
  }
  lg_buf_puts(b, "<ol>");
  size_t i;
  const json_t *x;
  json_array_foreach(f, i, x) {
    lg_buf_puts(b, "<li><b>");
    lg_html_escape(b, lg_review_get_str(x, "title"));
    lg_buf_puts(b, "</b>: ");
    lg_html_escape(b, lg_review_get_str(x, "text"));
    lg_buf_puts(b, " <span class=small>(");
    strings_list(b, json_object_get(x, "basis"));
    lg_buf_puts(b, ")</span></li>");
  }
  lg_buf_puts(b, "</ol>");
}

void lg_review_report_html(const json_t *r, lg_buf_t *b) {
  lg_buf_puts(b, "<!DOCTYPE html><html lang=zh-CN><head><meta charset=utf-8>"
                 "<title>建设项目用地合规性审查报告</title><style>");
  lg_buf_puts(b, css);
  lg_buf_puts(b, "</style></head><body><h1>建设项目用地合规性审查报告</h1>");
  section_meta(b, r);
  section_verdict(b, r);
  section_validation(b, r);
  section_area(b, r);
  section_overlaps(b, r);
  section_classes(b, r);
  section_plan(b, r);
  section_authority(b, r);
  section_quotas(b, r);
  section_followups(b, r);
  const json_t *w = json_object_get(r, "warnings");
  if (json_array_size(w)) {
    lg_buf_puts(b, "<h2>提示</h2><ul>");
    size_t i;
    const json_t *x;
    json_array_foreach(w, i, x) {
      lg_buf_puts(b, "<li class=warn>");
      lg_html_escape(b, json_string_value(x));
      lg_buf_puts(b, "</li>");
    }
    lg_buf_puts(b, "</ul>");
  }
  lg_buf_puts(
      b, "<footer>本报告由 landgov 根据一张图数据和规则集自动生成; 面积由系统依据坐标计算, "
         "不采用申报面积。审查结论供审批参考, 以有权机关的批准文件为准。</footer></body></html>\n");
}
