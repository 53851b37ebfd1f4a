/*
 * What people read at a glance and print: the dashboard of a year (quota
 * gap, idle quota, landing rate of major projects, seed 000 §1.2), and
 * settlement statements of trades (one trade, or a year's), as a
 * printable Chinese HTML page (inline CSS, A4, no scripts) and as an
 * Excel workbook (libxlsxwriter). Money is shown in yuan with fen,
 * computed from integer fen.
 */
#include "quota/quota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The dashboard ------------------------------------------------------------------------- */

typedef struct drow {
  char division[16];
  int64_t need, allocated, consumed, reserved, cases, major, landed;
} drow_t;

typedef LG_VEC(drow_t) drows_t;

static drow_t *drow_of(drows_t *rows, const char *division) {
  for (size_t i = 0; i < rows->len; i++)
    if (!strcmp(rows->items[i].division, division)) return &rows->items[i];
  drow_t r = {0};
  snprintf(r.division, sizeof r.division, "%s", division);
  lg_vec_push(rows, r);
  return &rows->items[rows->len - 1];
}

static json_t *rate(int64_t num, int64_t den) {
  return den > 0 ? json_real((double)num / (double)den) : json_null();
}

int lg_quota_dashboard(lg_store_t *s, const lg_auth_filter_t *vis, int year, json_t **out,
                       lg_err_t *err) {
  json_t *cfg = NULL;
  int rc = lg_quota_config(s, &cfg, err);
  if (rc) return rc;
  if (year == 0) year = q_year_of(lg_now());
  double major_yuan = json_number_value(q_cfg(cfg, "dashboard.major_investment_yuan"));
  int64_t major_fen = (int64_t)(major_yuan * 100.0);
  drows_t rows = {0};
  lg_stmt_t *st;
  const char *vk = vis ? vis->kind : "all", *vd = vis ? vis->division : "";
  /* Allocation kept in the year: received from above (issued or given
   * down) less what the division gave further down. */
  if ((rc = lg_store_prepare(
           s,
           "SELECT d, sum(v) FROM ("
           " SELECT credit_division AS d, amount AS v FROM lg_quota_movements"
           "  WHERE kind = 'new_construction' AND year = ?3 AND type IN ('issue', 'allocate')"
           " UNION ALL SELECT debit_division, -amount FROM lg_quota_movements"
           "  WHERE kind = 'new_construction' AND year = ?3 AND type = 'allocate') x"
           " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND d LIKE ?2 || '%')) GROUP BY d",
           &st, err)))
    goto done;
  lg_store_bind_text(st, 1, vk);
  lg_store_bind_text(st, 2, vd);
  lg_store_bind_int(st, 3, year);
  while (lg_store_step(st) == LG_ROW)
    drow_of(&rows, lg_store_col_text(st, 0))->allocated = lg_store_col_int(st, 1);
  lg_store_done(st);
  /* Consumed by approvals in the year. */
  if ((rc = lg_store_prepare(s,
                             "SELECT credit_division, sum(amount) FROM lg_quota_movements"
                             " WHERE kind = 'new_construction' AND year = ?3 AND type = 'consume'"
                             " AND (?1 = 'all' OR (?1 = 'jurisdiction' AND credit_division LIKE ?2"
                             " || '%')) GROUP BY credit_division",
                             &st, err)))
    goto done;
  lg_store_bind_text(st, 1, vk);
  lg_store_bind_text(st, 2, vd);
  lg_store_bind_int(st, 3, year);
  while (lg_store_step(st) == LG_ROW)
    drow_of(&rows, lg_store_col_text(st, 0))->consumed = lg_store_col_int(st, 1);
  lg_store_done(st);
  /* Held now for the year's cases (assigned, so not idle). */
  if ((rc = lg_store_prepare(
           s,
           "SELECT h.holder, sum(h.amount) FROM lg_quota_holds h JOIN lg_quota_cases c"
           " ON h.cause_type = 'case' AND h.cause_id = CAST(c.case_id AS TEXT)"
           " WHERE h.kind = 'new_construction' AND c.year = ?3"
           " AND (?1 = 'all' OR (?1 = 'jurisdiction' AND h.holder LIKE ?2 || '%'))"
           " GROUP BY h.holder",
           &st, err)))
    goto done;
  lg_store_bind_text(st, 1, vk);
  lg_store_bind_text(st, 2, vd);
  lg_store_bind_int(st, 3, year);
  while (lg_store_step(st) == LG_ROW)
    drow_of(&rows, lg_store_col_text(st, 0))->reserved = lg_store_col_int(st, 1);
  lg_store_done(st);
  /* Cases filed in the year: their need, and the major ones that landed. */
  if ((rc = lg_store_prepare(
           s,
           "SELECT c.division, coalesce(sum(n.needed), 0), count(DISTINCT c.case_id),"
           " count(DISTINCT c.case_id) FILTER (WHERE c.investment_fen >= ?4),"
           " count(DISTINCT c.case_id) FILTER (WHERE c.investment_fen >= ?4 AND c.status ="
           " 'consumed')"
           " FROM lg_quota_cases c LEFT JOIN lg_quota_case_needs n ON n.case_id = c.case_id"
           " AND n.kind = 'new_construction' WHERE c.year = ?3"
           " AND (?1 = 'all' OR (?1 = 'jurisdiction' AND c.division LIKE ?2 || '%'))"
           " GROUP BY c.division",
           &st, err)))
    goto done;
  lg_store_bind_text(st, 1, vk);
  lg_store_bind_text(st, 2, vd);
  lg_store_bind_int(st, 3, year);
  lg_store_bind_int(st, 4, major_fen);
  while (lg_store_step(st) == LG_ROW) {
    drow_t *r = drow_of(&rows, lg_store_col_text(st, 0));
    r->need = lg_store_col_int(st, 1);
    r->cases = lg_store_col_int(st, 2);
    r->major = lg_store_col_int(st, 3);
    r->landed = lg_store_col_int(st, 4);
  }
  lg_store_done(st);
  /* A division's gap is what its cases need beyond what it was given;
   * its idle quota what it was given and neither consumed nor holds for
   * a case. The totals add the divisions' (a surplus in one county does
   * not fill another's gap). */
  json_t *arr = json_array();
  drow_t tot = {0};
  int64_t gap = 0, idle = 0;
  for (size_t i = 0; i < rows.len; i++) {
    const drow_t *r = &rows.items[i];
    int64_t g = r->need > r->allocated ? r->need - r->allocated : 0;
    int64_t used = r->consumed + r->reserved;
    int64_t id = r->allocated > used ? r->allocated - used : 0;
    json_array_append_new(
        arr,
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:I, s:I, s:I, s:o}", "division",
                  r->division, "need_m2", (json_int_t)r->need, "allocated_m2",
                  (json_int_t)r->allocated, "consumed_m2", (json_int_t)r->consumed, "reserved_m2",
                  (json_int_t)r->reserved, "gap_m2", (json_int_t)g, "gap_rate", rate(g, r->need),
                  "idle_m2", (json_int_t)id, "idle_rate", rate(id, r->allocated), "cases",
                  (json_int_t)r->cases, "major_cases", (json_int_t)r->major, "major_landed",
                  (json_int_t)r->landed, "landing_rate", rate(r->landed, r->major)));
    tot.need += r->need;
    tot.allocated += r->allocated;
    tot.consumed += r->consumed;
    tot.reserved += r->reserved;
    tot.cases += r->cases;
    tot.major += r->major;
    tot.landed += r->landed;
    gap += g;
    idle += id;
  }
  *out = json_pack(
      "{s:i, s:s, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:I, s:I, s:I, s:o}, s:o, s:O,"
      " s:s}",
      "year", year, "kind", "new_construction", "major_investment_yuan", major_yuan, "total",
      "need_m2", (json_int_t)tot.need, "allocated_m2", (json_int_t)tot.allocated, "consumed_m2",
      (json_int_t)tot.consumed, "reserved_m2", (json_int_t)tot.reserved, "gap_m2", (json_int_t)gap,
      "gap_rate", rate(gap, tot.need), "idle_m2", (json_int_t)idle, "idle_rate",
      rate(idle, tot.allocated), "cases", (json_int_t)tot.cases, "major_cases",
      (json_int_t)tot.major, "major_landed", (json_int_t)tot.landed, "landing_rate",
      rate(tot.landed, tot.major), "divisions", arr, "references",
      q_cfg(cfg, "dashboard.references") ? q_cfg(cfg, "dashboard.references") : json_null(),
      "definitions",
      "指标缺口 = 各行政区当年报批案件所需新增建设用地指标超出其当年净下达 (收到的下达减去再分解"
      "给下级的) 的部分之和; 闲置指标 = 各行政区当年净下达中既未批准核销、也未为当年案件预留的部分"
      "之和; 重大项目落地率 = 当年报批的重大项目中已批准核销的比例");
done:
  lg_free(rows.items);
  json_decref(cfg);
  return rc;
}

/* ---- Statements --------------------------------------------------------------------------------
 */

static void esc(lg_buf_t *b, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '&':
      lg_buf_puts(b, "&amp;");
      break;
    case '<':
      lg_buf_puts(b, "&lt;");
      break;
    case '>':
      lg_buf_puts(b, "&gt;");
      break;
    case '"':
      lg_buf_puts(b, "&quot;");
      break;
    default:
      lg_buf_putc(b, *s);
    }
  }
}

static const char *sv(const json_t *o, const char *k) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static int64_t iv(const json_t *o, const char *k) {
  return (int64_t)json_integer_value(json_object_get(o, k));
}

/* The trades a statement covers, with kind titles. */
static int statement_trades(lg_store_t *s, int64_t trade_id, int year, const char *within,
                            json_t **out, lg_err_t *err) {
  if (trade_id > 0) {
    json_t *t = NULL;
    int rc = lg_quota_trade_get(s, trade_id, &t, err);
    if (rc) return rc;
    *out = json_pack("[o]", t);
    return 0;
  }
  lg_auth_filter_t f = {.kind = "all"};
  if (within && *within) {
    f.kind = "jurisdiction";
    snprintf(f.division, sizeof f.division, "%s", within);
  }
  return lg_quota_trades(s, &f, year, out, err);
}

static void money(lg_buf_t *b, int64_t fen) {
  char m[64];
  q_fmt_fen(fen, m);
  esc(b, m);
}

int lg_quota_statement_html(lg_store_t *s, int64_t trade_id, int year, const char *within,
                            lg_buf_t *b, lg_err_t *err) {
  json_t *trades = NULL;
  int rc = statement_trades(s, trade_id, year, within, &trades, err);
  if (rc) return rc;
  char title[160];
  if (trade_id > 0)
    snprintf(title, sizeof title, "指标交易结算单 (第 %lld 号)", (long long)trade_id);
  else
    snprintf(title, sizeof title, "%d 年指标交易结算汇总表%s%s", year,
             within && *within ? " · " : "", within && *within ? within : "");
  lg_buf_puts(b, "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
  esc(b, title);
  lg_buf_puts(b, "</title><style>@page{size:A4;margin:18mm}body{font-family:\"Noto Sans CJK SC\","
                 "\"Source Han Sans SC\",sans-serif;font-size:11pt;color:#111}h1{font-size:16pt;"
                 "text-align:center}table{border-collapse:collapse;width:100%;margin:8pt 0}"
                 "th,td{border:1px solid #444;padding:3pt 5pt}th{background:#eee;text-align:left}"
                 "td.num{text-align:right;font-variant-numeric:tabular-nums}.sign{margin-top:28pt;"
                 "display:flex;justify-content:space-between}.note{font-size:9pt;color:#444}"
                 "</style></head><body><h1>");
  esc(b, title);
  lg_buf_puts(b, "</h1>");
  int64_t amount_tot = 0, total = 0, comp = 0, net = 0;
  size_t i;
  json_t *t;
  if (trade_id > 0) {
    t = json_array_get(trades, 0);
    char amt[64], unit_price[64];
    q_fmt_amount(iv(t, "amount"), sv(t, "unit"), amt);
    q_fmt_fen(iv(t, "unit_price_fen"), unit_price);
    lg_buf_puts(b, "<table>");
    const char *rows[][2] = {
        {"成交编号", NULL},       {"成交时间", sv(t, "settled_at")}, {"卖方", sv(t, "seller")},
        {"买方", sv(t, "buyer")}, {"指标种类", sv(t, "kind_title")}, {"成交数量", amt},
        {"单价", unit_price},
    };
    for (size_t r = 0; r < LG_ARRAY_LEN(rows); r++) {
      lg_buf_puts(b, "<tr><th>");
      esc(b, rows[r][0]);
      lg_buf_puts(b, "</th><td>");
      if (r == 0)
        lg_buf_printf(b, "%lld (挂牌 %lld%s)", (long long)iv(t, "id"),
                      (long long)iv(t, "listing_id"),
                      json_is_integer(json_object_get(t, "bid_id")) ? ", 竞价成交" : ", 协议成交");
      else
        esc(b, rows[r][1]);
      if (r == 6) lg_buf_printf(b, " / %s", q_unit_title(sv(t, "unit")));
      lg_buf_puts(b, "</td></tr>");
    }
    lg_buf_puts(b, "<tr><th>成交价款</th><td class=\"num\">");
    money(b, iv(t, "total_fen"));
    lg_buf_printf(b,
                  "</td></tr><tr><th>生态补偿 (%lld.%02lld%%, 计入卖方生态修复基金)</th>"
                  "<td class=\"num\">",
                  (long long)(iv(t, "compensation_bp") / 100),
                  (long long)(iv(t, "compensation_bp") % 100));
    money(b, iv(t, "compensation_fen"));
    lg_buf_puts(b, "</td></tr><tr><th>卖方实得</th><td class=\"num\">");
    money(b, iv(t, "seller_net_fen"));
    lg_buf_puts(b, "</td></tr>");
    if (*sv(t, "agreement")) {
      lg_buf_puts(b, "<tr><th>协议编号</th><td>");
      esc(b, sv(t, "agreement"));
      lg_buf_puts(b, "</td></tr>");
    }
    lg_buf_printf(b, "<tr><th>指标流水</th><td>第 %lld 号 (账本可查验)</td></tr></table>",
                  (long long)iv(t, "movement_id"));
    lg_buf_puts(b, "<div class=\"sign\"><span>卖方 (盖章):</span><span>买方 (盖章):</span>"
                   "<span>经办人:</span></div>");
  } else {
    lg_buf_puts(b, "<table><thead><tr><th>编号</th><th>成交时间</th><th>卖方</th><th>买方</th>"
                   "<th>种类</th><th>数量</th><th>单价 (元)</th><th>成交价款 (元)</th>"
                   "<th>生态补偿 (元)</th><th>卖方实得 (元)</th></tr></thead><tbody>");
    json_array_foreach(trades, i, t) {
      char amt[64], up[64];
      q_fmt_amount(iv(t, "amount"), sv(t, "unit"), amt);
      q_fmt_fen(iv(t, "unit_price_fen"), up);
      lg_buf_printf(b, "<tr><td>%lld</td><td>", (long long)iv(t, "id"));
      esc(b, sv(t, "settled_at"));
      lg_buf_puts(b, "</td><td>");
      esc(b, sv(t, "seller"));
      lg_buf_puts(b, "</td><td>");
      esc(b, sv(t, "buyer"));
      lg_buf_puts(b, "</td><td>");
      esc(b, sv(t, "kind_title"));
      lg_buf_puts(b, "</td><td class=\"num\">");
      esc(b, amt);
      lg_buf_puts(b, "</td><td class=\"num\">");
      esc(b, up);
      lg_buf_puts(b, "</td><td class=\"num\">");
      money(b, iv(t, "total_fen"));
      lg_buf_puts(b, "</td><td class=\"num\">");
      money(b, iv(t, "compensation_fen"));
      lg_buf_puts(b, "</td><td class=\"num\">");
      money(b, iv(t, "seller_net_fen"));
      lg_buf_puts(b, "</td></tr>");
      amount_tot += iv(t, "amount");
      total += iv(t, "total_fen");
      comp += iv(t, "compensation_fen");
      net += iv(t, "seller_net_fen");
    }
    lg_buf_printf(b, "</tbody><tfoot><tr><th colspan=\"7\">合计 (%zu 笔)</th><td class=\"num\">",
                  json_array_size(trades));
    money(b, total);
    lg_buf_puts(b, "</td><td class=\"num\">");
    money(b, comp);
    lg_buf_puts(b, "</td><td class=\"num\">");
    money(b, net);
    lg_buf_puts(b, "</td></tr></tfoot></table>");
    (void)amount_tot;
  }
  lg_buf_puts(b, "<p class=\"note\">金额按分计, 生态补偿按成交价款乘补偿比例四舍五入到分; "
                 "依据 seed 000 §2.3.2 (生态补偿导向的指标交易机制)。本单由 landgov 指标银行生成, "
                 "每笔成交及其生态补偿均已记入可验证账本。</p></body></html>");
  json_decref(trades);
  return 0;
}

#ifdef LG_HAVE_XLSXWRITER
#include <xlsxwriter.h>

int lg_quota_statement_xlsx(lg_store_t *s, int64_t trade_id, int year, const char *within,
                            const char *path, lg_err_t *err) {
  json_t *trades = NULL;
  int rc = statement_trades(s, trade_id, year, within, &trades, err);
  if (rc) return rc;
  lxw_workbook *wb = workbook_new(path);
  if (!wb) {
    json_decref(trades);
    return lg_err_set(err, LG_EIO, "无法写入 %s", path);
  }
  lxw_format *head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_bg_color(head, 0xEEEEEE);
  format_set_border(head, LXW_BORDER_THIN);
  lxw_format *yuan = workbook_add_format(wb);
  format_set_num_format(yuan, "#,##0.00");
  lxw_format *qty = workbook_add_format(wb);
  format_set_num_format(qty, "#,##0");
  lxw_worksheet *ws = workbook_add_worksheet(wb, trade_id > 0 ? "结算单" : "结算汇总");
  char title[160];
  if (trade_id > 0)
    snprintf(title, sizeof title, "指标交易结算单 (第 %lld 号)", (long long)trade_id);
  else
    snprintf(title, sizeof title, "%d 年指标交易结算汇总表", year);
  worksheet_write_string(ws, 0, 0, title, head);
  static const char *const cols[] = {
      "编号",          "成交时间",      "卖方",      "买方",          "种类",
      "数量",          "单位",          "单价 (元)", "成交价款 (元)", "生态补偿比例",
      "生态补偿 (元)", "卖方实得 (元)", "协议编号",  "流水编号"};
  for (size_t c = 0; c < LG_ARRAY_LEN(cols); c++)
    worksheet_write_string(ws, 2, (lxw_col_t)c, cols[c], head);
  worksheet_set_column(ws, 0, 13, 14, NULL);
  size_t i;
  json_t *t;
  int r = 3;
  json_array_foreach(trades, i, t) {
    worksheet_write_number(ws, r, 0, (double)iv(t, "id"), NULL);
    worksheet_write_string(ws, r, 1, sv(t, "settled_at"), NULL);
    worksheet_write_string(ws, r, 2, sv(t, "seller"), NULL);
    worksheet_write_string(ws, r, 3, sv(t, "buyer"), NULL);
    worksheet_write_string(ws, r, 4, sv(t, "kind_title"), NULL);
    worksheet_write_number(ws, r, 5, (double)iv(t, "amount"), qty);
    worksheet_write_string(ws, r, 6, q_unit_title(sv(t, "unit")), NULL);
    /* Fen to yuan is exact in a double for every amount below 2^53 fen. */
    worksheet_write_number(ws, r, 7, (double)iv(t, "unit_price_fen") / 100.0, yuan);
    worksheet_write_number(ws, r, 8, (double)iv(t, "total_fen") / 100.0, yuan);
    char bp[32];
    snprintf(bp, sizeof bp, "%lld.%02lld%%", (long long)(iv(t, "compensation_bp") / 100),
             (long long)(iv(t, "compensation_bp") % 100));
    worksheet_write_string(ws, r, 9, bp, NULL);
    worksheet_write_number(ws, r, 10, (double)iv(t, "compensation_fen") / 100.0, yuan);
    worksheet_write_number(ws, r, 11, (double)iv(t, "seller_net_fen") / 100.0, yuan);
    worksheet_write_string(ws, r, 12, sv(t, "agreement"), NULL);
    worksheet_write_number(ws, r, 13, (double)iv(t, "movement_id"), NULL);
    r++;
  }
  if (trade_id <= 0 && r > 3) {
    worksheet_write_string(ws, r, 0, "合计", head);
    char f[64];
    static const int sumcols[] = {8, 10, 11};
    for (size_t k = 0; k < LG_ARRAY_LEN(sumcols); k++) {
      char col = (char)('A' + sumcols[k]);
      snprintf(f, sizeof f, "=SUM(%c4:%c%d)", col, col, r);
      worksheet_write_formula(ws, r, (lxw_col_t)sumcols[k], f, yuan);
    }
  }
  lxw_error e = workbook_close(wb);
  json_decref(trades);
  if (e != LXW_NO_ERROR)
    return lg_err_set(err, LG_EIO, "写入 Excel 文件 %s 失败: %s", path, lxw_strerror(e));
  return 0;
}
#else
int lg_quota_statement_xlsx(lg_store_t *s, int64_t trade_id, int year, const char *within,
                            const char *path, lg_err_t *err) {
  (void)s, (void)trade_id, (void)year, (void)within, (void)path;
  return lg_err_set(err, LG_EUNSUPPORTED, "本程序构建时没有 libxlsxwriter, 不能生成 Excel 结算单");
}
#endif
