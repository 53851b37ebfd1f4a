/*
 * landgov check FILE [--use CODE] [--type TYPE]: the compliance check of a
 * project boundary against the One Map (合规性审查). FILE is a Ministry
 * coordinate file, GeoJSON, WKT, Shapefile or any OGR source ("-" reads
 * stdin). Prints the report in Chinese, or the JSON report with --json;
 * --html and --xlsx write the printable page and the workbook. The check
 * is saved (with a ledger entry) unless --no-save.
 *
 * --each checks every polygon of the file on its own and prints latency
 * figures: a batch of parcels, or the benchmark's thousand boundaries.
 */
#include "cli/cli_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "review/review.h"

static void fmt_m2(char *out, size_t n, double v) {
  if (isfinite(v))
    lg_fmt_num(out, n, v, 2);
  else
    snprintf(out, n, "—");
}

static void join(const json_t *arr, char *out, size_t n) {
  size_t i, len = 0;
  const json_t *x;
  out[0] = '\0';
  json_array_foreach(arr, i, x) {
    int w = snprintf(out + len, n - len, "%s%s", i ? "、" : "", json_string_value(x));
    if (w < 0 || (size_t)w >= n - len) break;
    len += (size_t)w;
  }
}

static void print_report(const json_t *r) {
  const json_t *a = json_object_get(r, "area"), *v = json_object_get(r, "validation");
  char b1[64], b2[64], b3[64], buf[1024];
  printf("审查结论: %s",
         *lg_review_get_str(r, "verdict") ? lg_review_get_str(r, "verdict_title") : "未完成");
  printf(" (规则集第 %lld 版", lg_review_get_int(r, "rule_set_version"));
  if (json_is_integer(json_object_get(r, "id")))
    printf(", 审查编号 %lld", lg_review_get_int(r, "id"));
  printf(")\n");
  if (a) {
    fmt_m2(b1, sizeof b1, lg_review_get_num(a, "planar_m2"));
    fmt_m2(b2, sizeof b2, lg_review_get_num(a, "ellipsoidal_m2"));
    lg_fmt_num(b3, sizeof b3, lg_review_get_num(a, "planar_ha"), 4);
    printf("用地面积: 平面 %s 平方米 (%s 公顷, %.2f 亩; EPSG:%lld), 椭球 %s 平方米\n", b1, b3,
           lg_review_get_num(a, "planar_mu"), lg_review_get_int(a, "srs_id"), b2);
  }
  printf("几何检查: %s", json_is_true(json_object_get(v, "valid"))      ? "有效"
                         : json_is_true(json_object_get(v, "repaired")) ? "无效, 已修复"
                                                                        : "无效");
  printf(" (%zu 项提示)\n", json_array_size(json_object_get(v, "issues")));
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(v, "issues"), i, x) {
    if (strcmp(lg_review_get_str(x, "severity"), "info") == 0) continue;
    printf("  [%s] %s\n", strcmp(lg_review_get_str(x, "severity"), "error") == 0 ? "错误" : "警告",
           lg_review_get_str(x, "text"));
  }
  json_array_foreach(json_object_get(v, "repairs"), i, x)
      printf("  [修复] %s\n", json_string_value(x));

  const json_t *ov = json_object_get(r, "overlaps");
  if (ov) {
    printf("\n与一张图各图层叠加:\n");
    static const char *const hdr[] = {"图层", "类别", "状态", "重叠面积(平方米)", "比例", "图斑数"};
    lg_cli_table_t *t = lg_cli_table_new(6, hdr);
    const char *k;
    json_object_foreach((json_t *)ov, k, x) {
      char pct[32], cnt[32];
      fmt_m2(b1, sizeof b1, lg_review_get_num(x, "m2"));
      if (isfinite(lg_review_get_num(x, "share")))
        snprintf(pct, sizeof pct, "%.2f%%", 100 * lg_review_get_num(x, "share"));
      else
        snprintf(pct, sizeof pct, "—");
      snprintf(cnt, sizeof cnt, "%lld", lg_review_get_int(x, "pieces_total"));
      lg_cli_table_add(t, k, lg_review_get_str(x, "role_title"),
                       strcmp(lg_review_get_str(x, "status"), "checked") == 0 ? "已审查"
                                                                              : "未审查(缺失)",
                       b1, pct, cnt);
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
  }
  const json_t *ct = json_object_get(r, "class_table");
  if (json_array_size(ct)) {
    printf("\n勘测定界土地分类面积表:\n");
    static const char *const hdr[] = {"地类编码",     "地类名称", "三大类",
                                      "面积(平方米)", "公顷",     "亩"};
    lg_cli_table_t *t = lg_cli_table_new(6, hdr);
    json_array_foreach(ct, i, x) {
      fmt_m2(b1, sizeof b1, lg_review_get_num(x, "m2"));
      lg_fmt_num(b2, sizeof b2, lg_review_get_num(x, "ha"), 4);
      lg_fmt_num(b3, sizeof b3, lg_review_get_num(x, "mu"), 2);
      lg_cli_table_add(t, lg_review_get_str(x, "code"), lg_review_get_str(x, "name"),
                       lg_review_get_str(x, "major_title"), b1, b2, b3);
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
    const json_t *mj = json_object_get(r, "major_classes");
    char c1[64], c2[64], c3[64], c4[64], c5[64];
    fmt_m2(c1, sizeof c1, lg_review_get_num(mj, "agricultural"));
    fmt_m2(c2, sizeof c2, lg_review_get_num(r, "cultivated_m2"));
    fmt_m2(c3, sizeof c3, lg_review_get_num(r, "paddy_m2"));
    fmt_m2(c4, sizeof c4, lg_review_get_num(mj, "construction"));
    fmt_m2(c5, sizeof c5, lg_review_get_num(mj, "unused"));
    printf("农用地 %s 平方米 (其中耕地 %s, 水田 %s); 建设用地 %s; 未利用地 %s\n", c1, c2, c3, c4,
           c5);
  }
  const json_t *p = json_object_get(r, "plan");
  if (p) {
    if (strcmp(lg_review_get_str(p, "status"), "checked") == 0)
      printf("\n规划符合性: 相符 %.2f%%, 有条件相符 %.2f%% (拟用途 %s)\n",
             100 * lg_review_get_num(p, "share"), 100 * lg_review_get_num(p, "conditional_share"),
             lg_review_get_str(p, "use"));
    else
      printf("\n规划符合性: 未审查 (%s)\n", lg_review_get_str(p, "text"));
  }
  const json_t *au = json_object_get(r, "authority");
  if (au) {
    const json_t *arts = json_object_get(au, "articles"), *basis = json_object_get(au, "basis");
    join(json_object_get(arts, "conversion"), buf, sizeof buf);
    printf("\n审批权限:\n  农用地转用: %s%s%s%s\n    %s\n",
           lg_review_get_str(au, "conversion_title"), *buf ? " (" : "", buf, *buf ? ")" : "",
           lg_review_get_str(basis, "conversion"));
    join(json_object_get(arts, "expropriation"), buf, sizeof buf);
    printf("  土地征收: %s%s%s%s\n    %s\n", lg_review_get_str(au, "expropriation_title"),
           *buf ? " (" : "", buf, *buf ? ")" : "", lg_review_get_str(basis, "expropriation"));
    if (json_is_string(json_object_get(au, "joint")))
      printf("  %s\n", lg_review_get_str(au, "joint"));
  }
  const json_t *q = json_object_get(r, "quotas");
  if (json_is_null(q)) printf("\n消耗指标: 用地范围未能审查, 无从计算\n");
  if (json_is_object(q)) {
    char c1[64], c2[64], c3[64], c4[64];
    fmt_m2(c1, sizeof c1, lg_review_get_num(q, "new_construction_m2"));
    fmt_m2(c2, sizeof c2, lg_review_get_num(q, "cultivated_balance_m2"));
    fmt_m2(c3, sizeof c3, lg_review_get_num(q, "paddy_balance_m2"));
    fmt_m2(c4, sizeof c4, lg_review_get_num(q, "pbf_replacement_m2"));
    printf(
        "\n消耗指标: 新增建设用地 %s 平方米; 耕地占补平衡 %s (其中水田 %s); 永久基本农田补划 %s\n",
        c1, c2, c3, c4);
  }
  const json_t *f = json_object_get(r, "followups");
  if (json_array_size(f)) {
    printf("\n须办理的后续事项:\n");
    json_array_foreach(f, i, x) {
      join(json_object_get(x, "basis"), buf, sizeof buf);
      printf("  %zu. %s: %s (%s)\n", i + 1, lg_review_get_str(x, "title"),
             lg_review_get_str(x, "text"), buf);
    }
  }
  printf("\n理由:\n");
  json_array_foreach(json_object_get(r, "reasons"), i, x) {
    join(json_object_get(x, "basis"), buf, sizeof buf);
    printf("  - %s%s%s%s\n", lg_review_get_str(x, "text"), *buf ? " [依据: " : "", buf,
           *buf ? "]" : "");
  }
  if (json_array_size(json_object_get(r, "conditions"))) {
    printf("须满足的条件:\n");
    json_array_foreach(json_object_get(r, "conditions"), i, x)
        printf("  %zu. %s\n", i + 1, json_string_value(x));
  }
  json_array_foreach(json_object_get(r, "warnings"), i, x)
      printf("提示: %s\n", json_string_value(x));
}

static int write_outputs(lg_cli_t *cli, const json_t *r, lg_err_t *err) {
  const char *html = lg_cli_arg(cli, "html"), *xlsx = lg_cli_arg(cli, "xlsx");
  int rc = 0;
  if (html) {
    lg_buf_t b;
    lg_buf_init(&b);
    lg_review_report_html(r, &b);
    rc = lg_file_write(html, b.data, b.len, err);
    lg_buf_fini(&b);
    if (rc) return rc;
    if (!cli->json) printf("报告网页: %s\n", html);
  }
  if (xlsx) {
    if ((rc = lg_review_report_xlsx(r, xlsx, err))) return rc;
    if (!cli->json) printf("报告工作簿: %s\n", xlsx);
  }
  return 0;
}

static int read_boundary(lg_cli_t *cli, const lg_boundary_opts_t *bo, lg_boundary_t *b,
                         lg_err_t *err) {
  const char *path = cli->args.pos[0];
  if (strcmp(path, "-") != 0) return lg_review_boundary_read(path, bo, b, err);
  lg_buf_t in;
  lg_buf_init(&in);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
    lg_buf_append(&in, chunk, n);
  int rc = lg_review_boundary_parse(in.data ? in.data : "", in.len, "标准输入", bo, b, err);
  lg_buf_fini(&in);
  return rc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, size_t n, double p) {
  if (n == 0) return NAN;
  size_t k = (size_t)ceil(p * (double)n);
  if (k < 1) k = 1;
  return sorted[k - 1];
}

/* Checks every polygon of the file separately. */
static int run_each(lg_cli_t *cli, lg_store_t *s, lg_checker_t *c, lg_boundary_t *all,
                    const lg_check_opts_t *o, bool save, const char *actor, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  int np = lg_geom_nparts(g, all->geom);
  double *lat = lg_calloc((size_t)(np ? np : 1), sizeof *lat);
  json_t *list = json_array();
  int counts[4] = {0, 0, 0, 0}, failed = 0; /* pass, conditional, prohibited, unreviewable */
  double t0 = lg_mono();
  for (int i = 0; i < np; i++) {
    lg_boundary_t b;
    lg_err_t e = {0};
    char src[600];
    snprintf(src, sizeof src, "%s#%d", all->source, i + 1);
    int rc = lg_review_boundary_from_geom(lg_geom_part(g, all->geom, i), all->srs_id, src, &b, &e);
    json_t *rep = NULL;
    double t1 = lg_mono();
    if (rc == 0) {
      snprintf(b.format, sizeof b.format, "%s", all->format);
      rc = lg_review_check(c, &b, o, &rep, &e);
    }
    lat[i] = (lg_mono() - t1) * 1000;
    lg_check_meta_t meta = {.actor = actor};
    if (rc == 0 && save) rc = lg_review_check_save(s, &b, rep, &meta, NULL, &e);
    const char *v = rep ? json_string_value(json_object_get(rep, "verdict")) : NULL;
    if (rc == 0 && v)
      counts[strcmp(v, "pass") == 0          ? 0
             : strcmp(v, "conditional") == 0 ? 1
             : strcmp(v, "prohibited") == 0  ? 2
                                             : 3]++;
    else
      failed++;
    json_t *row =
        json_pack("{s:i, s:s?, s:f, s:f}", "index", i + 1, "verdict", rc == 0 ? v : NULL, "area_m2",
                  rep ? lg_review_get_num(json_object_get(rep, "area"), "planar_m2") : 0.0,
                  "elapsed_ms", lat[i]);
    if (rep && rc == 0)
      json_object_set_new(
          row, "landuse_m2",
          json_real(lg_review_get_num(json_object_get(json_object_get(rep, "controls"), "landuse"),
                                      "covered_m2")));
    if (rc) json_object_set_new(row, "error", json_string(e.msg));
    if (rep && json_is_integer(json_object_get(rep, "id")))
      json_object_set(row, "id", json_object_get(rep, "id"));
    json_array_append_new(list, row);
    json_decref(rep);
    lg_review_boundary_fini(&b);
  }
  double total = lg_mono() - t0;
  qsort(lat, (size_t)np, sizeof *lat, cmp_double);
  double p50 = percentile(lat, (size_t)np, 0.50), p99 = percentile(lat, (size_t)np, 0.99);
  double sum = 0;
  for (int i = 0; i < np; i++)
    sum += lat[i];
  json_t *stats = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f}", "checks", np,
                            "pass", counts[0], "conditional", counts[1], "prohibited", counts[2],
                            "unreviewable", counts[3], "failed", failed, "p50_ms", p50, "p99_ms",
                            p99, "max_ms", np ? lat[np - 1] : 0.0, "mean_ms", np ? sum / np : 0.0,
                            "checks_per_s", total > 0 ? np / total : 0.0);
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:o, s:o}", "stats", stats, "checks", list));
  } else {
    printf("逐个审查 %d 个用地范围: 通过 %d, 有条件通过 %d, 禁止 %d, 无法审查 %d, 失败 %d\n", np,
           counts[0], counts[1], counts[2], counts[3], failed);
    printf("单次审查耗时: p50 %.3f ms, p99 %.3f ms, 最长 %.3f ms; 每秒 %.1f 次\n", p50, p99,
           np ? lat[np - 1] : 0.0, total > 0 ? np / total : 0.0);
    json_decref(stats);
    json_decref(list);
  }
  lg_free(lat);
  (void)err;
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 1)
    return lg_err_set(
        err, LG_EINVAL,
        "需要一个边界文件: landgov check FILE [--use 编码] [--type 类型] (FILE 为 - 时读标准输入)");
  lg_boundary_opts_t bo = {0};
  long long srs = 0, parcel = 0, version = 0, pieces = 0;
  int rc = lg_cli_arg_int(cli, "srs", &srs, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "parcel", &parcel, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "rules-version", &version, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "max-pieces", &pieces, err);
  if (rc) return rc;
  bo.srs_id = (int)srs;
  bo.parcel = (int)parcel;
  bool each = lg_cli_arg_flag(cli, "each");
  bool save = each ? lg_cli_arg_flag(cli, "save") : !lg_cli_arg_flag(cli, "no-save");
  const char *actor = lg_cli_arg(cli, "actor");
  if (!actor) actor = getenv("USER") && *getenv("USER") ? getenv("USER") : "cli";

  lg_store_t *s = NULL;
  lg_rules_t *rules = NULL;
  lg_checker_t *c = NULL;
  json_t *rep = NULL;
  lg_boundary_t b;
  lg_review_boundary_init(&b);
  if ((rc = read_boundary(cli, &bo, &b, err))) goto done;
  if ((rc = lg_cli_open(cli, save ? 0 : LG_STORE_READONLY, &s, err))) goto done;
  rc = version > 0 ? lg_review_rules_get(s, (int)version, &rules, err)
                   : lg_review_rules_current(s, &rules, err);
  if (rc) goto done;
  if ((rc = lg_review_checker_new(s, rules, &c, err))) goto done;
  lg_check_opts_t o = {.repair_hint = "; 可加 --make-valid 自动修复 (报告会注明已修复)",
                       .use = lg_cli_arg(cli, "use"),
                       .type = lg_cli_arg(cli, "type"),
                       .name = lg_cli_arg(cli, "name"),
                       .make_valid = lg_cli_arg_flag(cli, "make-valid"),
                       .max_pieces = (int)pieces};
  if (each) {
    rc = run_each(cli, s, c, &b, &o, save, actor, err);
    goto done;
  }
  rc = lg_review_check(c, &b, &o, &rep, err);
  if (rc) {
    /* An invalid boundary still has a validation report worth showing. */
    if (rep && cli->json) {
      json_object_set_new(
          rep, "error",
          json_pack("{s:s, s:s}", "code", lg_err_name(rc), "message", err ? err->msg : ""));
      lg_cli_print_json(rep);
      rep = NULL;
    } else if (rep) {
      print_report(rep);
    }
    goto done;
  }
  lg_check_meta_t meta = {.actor = actor};
  if (save && (rc = lg_review_check_save(s, &b, rep, &meta, NULL, err))) goto done;
  if ((rc = write_outputs(cli, rep, err))) goto done;
  if (cli->json) {
    lg_cli_print_json(rep);
    rep = NULL;
  } else {
    print_report(rep);
  }
done:
  json_decref(rep);
  lg_review_checker_free(c);
  lg_review_rules_free(rules);
  lg_store_close(s);
  lg_review_boundary_fini(&b);
  return rc;
}

const lg_cmd_t lg_cmd_check = {
    .name = "check",
    .summary = "建设项目用地合规性审查: 用地范围与一张图叠加, 给出审批权限、指标和结论",
    .usage =
        "FILE [--use 拟用途编码] [--type 项目类型] [--name 项目名称] [--srs EPSG] [--parcel N]\n"
        "       [--make-valid] [--html 报告.html] [--xlsx 报告.xlsx] [--no-save] [--each "
        "[--save]]\n"
        "       [--rules-version N] [--max-pieces N] [--actor 用户]\n"
        "FILE: 部标准坐标文件 (.txt)、GeoJSON、WKT、Shapefile 等; - 读标准输入。\n"
        "项目类型见 landgov rules types; 拟用途为《用地用海分类指南》编码 (如 1001 工业用地)。",
    .options = "use=,type=,name=,srs=,parcel=,make-valid,html=,xlsx=,no-save,save,each,"
               "rules-version=,max-pieces=,actor=",
    .run = run,
};
