/*
 * The documents of the Order 53 procedure: 闲置土地调查通知书 (art. 5, 6),
 * 闲置土地认定书 (art. 9), 听证告知书 (art. 15), 征缴土地闲置费决定书
 * (art. 14 (1), 16) and 收回国有建设用地使用权决定书 (art. 14 (2), 16).
 * Each is numbered (issuer, abbreviation, year, sequence: the pattern of
 * data/stock "document_number"), rendered as a printable HTML page (A4,
 * the facts of the parcel, the articles applied, the periods the owner
 * has, the rights to a hearing and to appeal) and stored as a file of
 * the supply (kind "document:<kind>", its SHA-256 on the ledger), in the
 * transaction of the act that issues it. A PDF generator can take the
 * same facts later; the HTML stays the record of what was issued.
 */
#include "stock/stock_int.h"

#include <stdio.h>
#include <string.h>

#include "files/files.h"

static void esc(lg_buf_t *b, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<':
      lg_buf_puts(b, "&lt;");
      break;
    case '>':
      lg_buf_puts(b, "&gt;");
      break;
    case '&':
      lg_buf_puts(b, "&amp;");
      break;
    case '"':
      lg_buf_puts(b, "&quot;");
      break;
    default:
      lg_buf_putc(b, *s);
    }
  }
}

/* "2026年3月1日" */
static void cn_date(int32_t day, char out[32]) {
  if (day == LG_STOCK_NODATE) {
    snprintf(out, 32, "—");
    return;
  }
  int y, m, d;
  lg_date_to_ymd(day, &y, &m, &d);
  snprintf(out, 32, "%d年%d月%d日", y, m, d);
}

static void money(double yuan, char out[48]) {
  /* Yuan with thousands separators and fen. */
  char digits[40];
  snprintf(digits, sizeof digits, "%.2f", yuan < 0 ? 0 : yuan);
  char *dot = strchr(digits, '.');
  size_t ilen = dot ? (size_t)(dot - digits) : strlen(digits);
  size_t k = 0;
  for (size_t i = 0; i < ilen; i++) {
    if (i && (ilen - i) % 3 == 0) out[k++] = ',';
    out[k++] = digits[i];
  }
  snprintf(out + k, 48 - k, "%s", dot ? dot : "");
}

static int next_seq(lg_store_t *s, const char *kind, const char *scope, int year, int64_t *seq,
                    lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "INSERT INTO lg_stock_counters(kind, scope, year, last) VALUES (?, ?, ?, 1)"
                       " ON CONFLICT (kind, scope, year) DO UPDATE"
                       " SET last = lg_stock_counters.last + 1 RETURNING last",
                       &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  lg_store_bind_text(st, 2, scope);
  lg_store_bind_int(st, 3, year);
  return lg_store_insert_id(st, seq, "文书编号失败", err);
}

static void row(lg_buf_t *b, const char *k, const char *v) {
  lg_buf_puts(b, "<tr><th>");
  esc(b, k);
  lg_buf_puts(b, "</th><td>");
  esc(b, v && *v ? v : "—");
  lg_buf_puts(b, "</td></tr>\n");
}

static void para(lg_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void para(lg_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *t = NULL;
  lg_buf_t tmp;
  lg_buf_init(&tmp);
  lg_buf_vprintf(&tmp, fmt, ap);
  va_end(ap);
  t = tmp.data;
  lg_buf_puts(b, "<p>");
  esc(b, t);
  lg_buf_puts(b, "</p>\n");
  lg_buf_fini(&tmp);
}

int stk_document_issue(lg_store_t *s, const json_t *cfg, const lg_subject_t *who,
                       const stk_supply_t *p, int64_t act_id, const char *doc_kind, int32_t on,
                       double amount, char doc_no[128], int64_t *file_id, lg_err_t *err) {
  (void)act_id;
  const json_t *doc = json_object_get(json_object_get(cfg, "documents"), doc_kind);
  if (!doc) return lg_err_set(err, LG_EINTERNAL, "未配置的文书种类 %s", doc_kind);
  const char *title = stk_cfg_str(doc, "title", doc_kind);
  /* The issuer: the county's natural-resources authority. */
  char county[16];
  snprintf(county, sizeof county, "%.6s", p->division);
  const char *issuer =
      stk_cfg_str(json_object_get(stk_cfg(cfg, "document_number"), "issuers"), county, county);
  int y, m, d;
  lg_date_to_ymd(on, &y, &m, &d);
  int64_t seq = 0;
  int rc = next_seq(s, doc_kind, issuer, y, &seq, err);
  if (rc) return rc;
  lg_buf_t no;
  lg_buf_init(&no);
  for (const char *q =
           stk_cfg_str(cfg, "document_number.pattern", "{issuer}{abbr}〔{year}〕{seq}号");
       *q; q++) {
    if (!strncmp(q, "{issuer}", 8))
      lg_buf_puts(&no, issuer), q += 7;
    else if (!strncmp(q, "{abbr}", 6))
      lg_buf_puts(&no, stk_cfg_str(doc, "abbr", "")), q += 5;
    else if (!strncmp(q, "{year}", 6))
      lg_buf_printf(&no, "%d", y), q += 5;
    else if (!strncmp(q, "{seq}", 5))
      lg_buf_printf(&no, "%lld", (long long)seq), q += 4;
    else
      lg_buf_putc(&no, *q);
  }
  snprintf(doc_no, 128, "%s", no.data);
  lg_buf_fini(&no);

  char on_cn[32], start_cn[32], contract_cn[32], idle_cn[32], ha[32], price[48], fee[48];
  cn_date(on, on_cn);
  cn_date(p->v.effective_start, start_cn);
  cn_date(p->contract_on, contract_cn);
  cn_date(p->v.idle_since, idle_cn);
  snprintf(ha, sizeof ha, "%.4f", (p->declared_m2 > 0 ? p->declared_m2 : p->area_m2) / 10000.0);
  money(p->price_yuan, price);
  money(amount >= 0 ? amount : p->v.fee_yuan, fee);
  bool started = p->actual_start != LG_STOCK_NODATE;
  const char *holder = p->holder[0] ? p->holder : "国有建设用地使用权人";

  lg_buf_t b;
  lg_buf_init(&b);
  lg_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
  esc(&b, title);
  lg_buf_puts(&b, " ");
  esc(&b, doc_no);
  lg_buf_puts(
      &b, "</title>\n<style>@page{size:A4;margin:25mm 20mm}body{font-family:'Songti SC',SimSun,"
          "serif;font-size:12pt;line-height:1.8;max-width:170mm;margin:auto}h1{text-align:center;"
          "font-size:20pt;letter-spacing:.2em;margin-bottom:0}.no{text-align:center;margin:"
          "0 0 1.5em}table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px "
          "solid #000;padding:2px 6px;text-align:left}th{width:30%;font-weight:normal}.sign{"
          "text-align:right;margin-top:3em}.foot{font-size:9pt;color:#555;margin-top:3em;"
          "border-top:1px solid #999}</style></head>\n<body>\n<h1>");
  esc(&b, title);
  lg_buf_puts(&b, "</h1>\n<p class=\"no\">");
  esc(&b, doc_no);
  lg_buf_puts(&b, "</p>\n<p>");
  esc(&b, holder);
  lg_buf_puts(&b, ":</p>\n");

  if (!strcmp(doc_kind, "investigation_notice")) {
    para(&b,
         "你单位于%s签订的国有建设用地使用权合同 (电子监管号 %s) 约定的动工开发日期为%s。经查, "
         "截至%s, 该宗地%s, 涉嫌构成《闲置土地处置办法》第二条规定的闲置土地。",
         contract_cn, p->no, start_cn, on_cn,
         started ? "已动工开发但中止开发建设, 开发建设用地面积或已投资额未达到规定比例"
                 : "未动工开发");
    char due[32];
    cn_date(on + (int)stk_cfg_num(cfg, "procedure.answer_days.value", 30), due);
    para(
        &b,
        "依据《闲置土地处置办法》第五条、第六条, 本机关对该宗地开展调查核实。请你单位自接到本通知书"
        "之日起三十日内 (%s前), 提供土地开发利用情况、闲置原因以及相关说明等材料; 属于政府或者政府"
        "有关部门的行为造成动工开发延迟的 (第八条), 请一并提供土地闲置原因说明材料。",
        due);
    para(&b, "调查期间, 你单位有权陈述、申辩, 并应当如实提供材料, 配合调查。");
  } else if (!strcmp(doc_kind, "determination")) {
    para(&b,
         "经调查核实, 你单位取得的下列宗地%s自%s起%s, 不属于《闲置土地处置办法》第八条规定的"
         "情形。依据该办法第二条、第九条, 认定该宗地为闲置土地。",
         started ? "中止开发建设," : "超过约定的动工开发日期,", idle_cn,
         !strcmp(p->v.status, "idle_recover") ? "已满两年" : "已满一年");
    para(&b, "本认定书下达后, 本机关将通过门户网站等形式向社会公开该闲置土地的位置、国有建设用地"
             "使用权人名称、闲置时间等信息 (第十一条), 并依照第十四条处置。");
  } else if (!strcmp(doc_kind, "hearing_notice")) {
    bool recover = !strcmp(p->v.status, "idle_recover");
    if (recover)
      para(&b, "该宗地未动工开发已满两年, 本机关拟依据《闲置土地处置办法》第十四条第 (二) 项, "
               "报经有批准权的人民政府批准后, 无偿收回该宗地的国有建设用地使用权。");
    else
      para(&b,
           "该宗地未动工开发已满一年, 本机关拟依据《闲置土地处置办法》第十四条第 (一) 项, 按照"
           "土地出让或者划拨价款 %s 元的百分之二十, 征缴土地闲置费 %s 元。",
           price, fee);
    int days = (int)stk_cfg_num(cfg, "procedure.hearing_request_working_days.value", 5);
    para(
        &b,
        "依据第十五条, 你单位有要求举行听证的权利。如要求听证, 请自收到本告知书之日起 %d 个工作日内"
        "向本机关提出; 逾期未提出的, 视为放弃听证。",
        days);
  } else if (!strcmp(doc_kind, "fee_decision")) {
    para(
        &b,
        "经认定, 你单位取得的下列宗地为闲置土地, "
        "未动工开发已满一年。依据《闲置土地处置办法》第十四条"
        "第 (一) 项, 按照土地出让或者划拨价款 %s 元的百分之二十, 决定向你单位征缴土地闲置费 %s 元。"
        "土地闲置费不得列入生产成本。",
        price, fee);
    char due[32];
    cn_date(on + (int)stk_cfg_num(cfg, "procedure.fee_payment_days.value", 30), due);
    para(&b, "请自本决定书送达之日起三十日内 (%s前) 缴纳 (第十七条)。", due);
    para(&b, "如不服本决定, 可以依法申请行政复议或者提起行政诉讼。");
  } else if (!strcmp(doc_kind, "recovery_decision")) {
    para(&b, "经认定, 你单位取得的下列宗地为闲置土地, "
             "未动工开发已满两年。依据《闲置土地处置办法》第十四条"
             "第 (二) 项及《中华人民共和国城市房地产管理法》第二十六条, 经有批准权的人民政府批准, "
             "决定无偿"
             "收回该宗地的国有建设用地使用权。该宗地设有抵押权的, 本决定书同时抄送抵押权人。");
    para(&b, "请自本决定书送达之日起三十日内, 到本机关办理国有建设用地使用权注销登记, 交回土地权利"
             "证书 (第十七条)。如不服本决定, 可以依法申请行政复议或者提起行政诉讼。");
  }

  lg_buf_puts(&b, "<table>\n");
  row(&b, "电子监管号", p->no);
  row(&b, "项目名称", p->project);
  row(&b, "土地坐落", p->location);
  row(&b, "宗地面积 (公顷)", ha);
  row(&b, "土地用途", p->land_use);
  row(&b, "供地方式", p->method);
  row(&b, "合同签订日期", contract_cn);
  row(&b, "约定动工日期", start_cn);
  row(&b, "出让或划拨价款 (元)", price);
  lg_buf_puts(&b, "</table>\n<p>依据: 《闲置土地处置办法》(国土资源部令第53号) ");
  esc(&b, stk_cfg_str(doc, "article", ""));
  lg_buf_puts(&b, "。</p>\n<p class=\"sign\">");
  esc(&b, issuer);
  lg_buf_puts(&b, " 自然资源主管部门 (印章)<br>");
  esc(&b, on_cn);
  lg_buf_puts(&b, "</p>\n<p class=\"foot\">本文书由 landgov 生成, 文号 ");
  esc(&b, doc_no);
  lg_buf_puts(&b, "; 文书内容的 SHA-256 记入存证账本, 可在系统中核验。</p>\n</body></html>\n");

  char oid[32], name[256];
  snprintf(oid, sizeof oid, "%lld", (long long)p->id);
  snprintf(name, sizeof name, "%s-%s.html", title, doc_no);
  char kind[64];
  snprintf(kind, sizeof kind, "document:%s", doc_kind);
  static const char *const html[] = {"text/html", NULL};
  lg_file_put_t fp = {.owner_type = "stock_supply",
                      .owner_id = oid,
                      .kind = kind,
                      .name = name,
                      .actor = who && who->login[0] ? who->login : "system",
                      .role = who ? who->role : NULL,
                      .jurisdiction = p->division,
                      .types = html};
  lg_file_info_t info;
  rc = lg_files_put_mem(s, &fp, b.data, b.len, &info, err);
  lg_buf_fini(&b);
  if (rc == 0) *file_id = info.id;
  return rc;
}
