/*
 * landgov conflicts LAYER_A LAYER_B: planning-conflict analysis of two
 * whole layers (规划冲突分析): overlap area and rate, the overlapping
 * pieces as a new layer (--out), and the spatial match degree of their
 * class codes (--match). Runs on every core.
 */
#include "cli/cli_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "review/review.h"

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 2)
    return lg_err_set(err, LG_EINVAL,
                      "需要两个图层: landgov conflicts 图层A 图层B [--out 新图层] [--match]");
  long long threads = 0;
  int rc = lg_cli_arg_int(cli, "threads", &threads, err);
  if (rc) return rc;
  lg_conflict_opts_t o = {.out_layer = lg_cli_arg(cli, "out"),
                          .replace = lg_cli_arg_flag(cli, "replace"),
                          .threads = (int)threads,
                          .match = lg_cli_arg_flag(cli, "match")};
  lg_store_t *s = NULL;
  lg_rules_t *rules = NULL;
  json_t *res = NULL;
  if ((rc = lg_cli_open(cli, o.out_layer ? 0 : LG_STORE_READONLY, &s, err))) return rc;
  if ((rc = lg_review_rules_current(s, &rules, err))) goto done;
  if ((rc = lg_review_conflicts(s, rules, cli->args.pos[0], cli->args.pos[1], &o, &res, err)))
    goto done;
  if (cli->json) {
    lg_cli_print_json(res);
    res = NULL;
    goto done;
  }
  const json_t *a = json_object_get(res, "layer_a"), *b = json_object_get(res, "layer_b");
  char n1[64], n2[64], n3[64];
  lg_fmt_num(n1, sizeof n1, json_real_value(json_object_get(a, "m2")), 2);
  lg_fmt_num(n2, sizeof n2, json_real_value(json_object_get(b, "m2")), 2);
  lg_fmt_num(n3, sizeof n3, json_real_value(json_object_get(res, "overlap_m2")), 2);
  printf("图层 A: %s (%s) %lld 个要素, %s 平方米\n", json_string_value(json_object_get(a, "name")),
         json_string_value(json_object_get(a, "title")),
         (long long)json_integer_value(json_object_get(a, "count")), n1);
  printf("图层 B: %s (%s) %lld 个要素, %s 平方米\n", json_string_value(json_object_get(b, "name")),
         json_string_value(json_object_get(b, "title")),
         (long long)json_integer_value(json_object_get(b, "count")), n2);
  printf("重叠面积: %s 平方米 (%.4f 公顷), %lld 对要素相交\n", n3,
         json_real_value(json_object_get(res, "overlap_m2")) / 1e4,
         (long long)json_integer_value(json_object_get(res, "pairs")));
  printf("重叠率: 占 A 的 %.2f%%, 占 B 的 %.2f%%\n",
         100 * json_real_value(json_object_get(res, "share_of_a")),
         100 * json_real_value(json_object_get(res, "share_of_b")));
  const json_t *m = json_object_get(res, "match");
  if (m) {
    printf("空间匹配度: %.2f%% (共同覆盖 %.2f 公顷中编码一致 %.2f 公顷)\n",
           100 * json_real_value(json_object_get(m, "degree")),
           json_real_value(json_object_get(m, "compared_m2")) / 1e4,
           json_real_value(json_object_get(m, "agree_m2")) / 1e4);
    const json_t *top = json_object_get(m, "top_conflicts");
    if (json_array_size(top)) {
      printf("主要不一致 (A 编码 -> B 编码):\n");
      static const char *const hdr[] = {"A 编码", "A 名称",     "B 编码",
                                        "B 名称", "面积(公顷)", "比例"};
      lg_cli_table_t *t = lg_cli_table_new(6, hdr);
      size_t i;
      const json_t *x;
      json_array_foreach(top, i, x) {
        if (i >= 15) break;
        char ha[64], pct[32];
        lg_fmt_num(ha, sizeof ha, json_real_value(json_object_get(x, "m2")) / 1e4, 4);
        snprintf(pct, sizeof pct, "%.2f%%", 100 * json_real_value(json_object_get(x, "share")));
        lg_cli_table_add(t, json_string_value(json_object_get(x, "a_code")),
                         json_string_value(json_object_get(x, "a_name")),
                         json_string_value(json_object_get(x, "b_code")),
                         json_string_value(json_object_get(x, "b_name")), ha, pct);
      }
      lg_cli_table_print(t);
      lg_cli_table_free(t);
    }
  }
  const json_t *out = json_object_get(res, "out_layer");
  if (out)
    printf("重叠部分已写入图层 %s (%lld 个要素)\n", json_string_value(json_object_get(out, "name")),
           (long long)json_integer_value(json_object_get(out, "count")));
  printf("用时 %.3f 秒 (%lld 个线程)\n", json_real_value(json_object_get(res, "elapsed_ms")) / 1000,
         (long long)json_integer_value(json_object_get(res, "threads")));
done:
  json_decref(res);
  lg_review_rules_free(rules);
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_conflicts = {
    .name = "conflicts",
    .summary = "两个图层的规划冲突分析: 重叠面积与重叠率、重叠部分图层、空间匹配度",
    .usage = "图层A 图层B [--out 新图层 [--replace]] [--match] [--threads N]\n"
             "重叠率 = 重叠面积 / 图层 A 面积 (同时给出占 B 的比例); --match "
             "比较两图层的地类/用途编码。",
    .options = "out=,replace,match,threads=",
    .run = run,
};
