/*
 * landgov rules: the rule set the compliance check judges by. Shows the
 * current version (or any version), its history, the project types, the
 * built-in default; `rules set FILE` validates a new document and stores
 * it as the next version (versions are never edited).
 */
#include "cli/cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "review/review.h"

static void print_doc(const json_t *doc) {
  char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  if (s) puts(s);
  free(s);
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *sub = cli->args.npos > 0 ? cli->args.pos[0] : "show";
  long long version = 0;
  int rc = lg_cli_arg_int(cli, "version", &version, err);
  if (rc) return rc;
  if (strcmp(sub, "default") == 0) {
    fputs(lg_review_rules_default_json(), stdout);
    return 0;
  }
  if (strcmp(sub, "check") == 0) {
    if (cli->args.npos != 2) return lg_err_set(err, LG_EINVAL, "用法: landgov rules check FILE");
    char *text = NULL;
    size_t n;
    if ((rc = lg_file_read(cli->args.pos[1], &text, &n, err))) return rc;
    lg_rules_t *r = NULL;
    rc = lg_review_rules_parse(text, 0, &r, err);
    lg_free(text);
    lg_review_rules_free(r);
    if (rc == 0) printf("规则集 %s 有效\n", cli->args.pos[1]);
    return rc;
  }
  bool writing = strcmp(sub, "set") == 0;
  lg_store_t *s = NULL;
  if ((rc = lg_cli_open(cli, writing ? 0 : LG_STORE_READONLY, &s, err))) return rc;
  lg_rules_t *r = NULL;
  if (strcmp(sub, "show") == 0 || strcmp(sub, "types") == 0) {
    rc = version > 0 ? lg_review_rules_get(s, (int)version, &r, err)
                     : lg_review_rules_current(s, &r, err);
    if (rc) goto done;
    const json_t *doc = lg_review_rules_json(r);
    if (strcmp(sub, "types") == 0) {
      const json_t *types = json_object_get(doc, "project_types");
      if (cli->json) {
        lg_cli_print_json(json_incref((json_t *)types));
      } else {
        static const char *const hdr[] = {"项目类型", "名称"};
        lg_cli_table_t *t = lg_cli_table_new(2, hdr);
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)types, k, x) lg_cli_table_add(t, k, json_string_value(x));
        lg_cli_table_print(t);
        lg_cli_table_free(t);
      }
    } else if (cli->json) {
      lg_cli_print_json(
          json_pack("{s:i, s:O}", "version", lg_review_rules_version(r), "rules", doc));
    } else {
      printf("规则集第 %d 版: %s\n", lg_review_rules_version(r),
             json_string_value(json_object_get(doc, "name")));
      print_doc(doc);
    }
  } else if (strcmp(sub, "history") == 0) {
    json_t *h = NULL;
    if ((rc = lg_review_rules_history(s, &h, err))) goto done;
    if (cli->json) {
      lg_cli_print_json(h);
    } else {
      static const char *const hdr[] = {"版本", "时间", "修改人", "名称", "说明"};
      lg_cli_table_t *t = lg_cli_table_new(5, hdr);
      size_t i;
      const json_t *x;
      json_array_foreach(h, i, x) {
        char v[16];
        snprintf(v, sizeof v, "%lld", (long long)json_integer_value(json_object_get(x, "version")));
        lg_cli_table_add(t, v, json_string_value(json_object_get(x, "created_at")),
                         json_string_value(json_object_get(x, "actor")),
                         json_string_value(json_object_get(x, "name")),
                         json_string_value(json_object_get(x, "note")));
      }
      lg_cli_table_print(t);
      lg_cli_table_free(t);
      json_decref(h);
    }
  } else if (writing) {
    if (cli->args.npos != 2) {
      rc = lg_err_set(err, LG_EINVAL, "用法: landgov rules set FILE [--note 说明] [--actor 用户]");
      goto done;
    }
    char *text = NULL;
    size_t n;
    if ((rc = lg_file_read(cli->args.pos[1], &text, &n, err))) goto done;
    const char *actor = lg_cli_arg(cli, "actor");
    if (!actor) actor = getenv("USER") && *getenv("USER") ? getenv("USER") : "cli";
    int v = 0;
    rc = lg_review_rules_save(s, text, actor, lg_cli_arg(cli, "note"), &v, err);
    lg_free(text);
    if (rc) goto done;
    if (cli->json)
      lg_cli_print_json(json_pack("{s:i}", "version", v));
    else
      printf("已保存为规则集第 %d 版; 此后的审查使用该版本\n", v);
  } else {
    rc = lg_err_set(
        err, LG_EINVAL,
        "未知的子命令 \"%s\"; 可用: show, types, history, set FILE, check FILE, default", sub);
  }
done:
  lg_review_rules_free(r);
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_rules = {
    .name = "rules",
    .summary = "审查规则集: 查看、历史、替换 (每次替换生成新版本)",
    .usage =
        "[show [--version N] | types | history | set FILE [--note 说明] | check FILE | default]",
    .options = "version=,note=,actor=",
    .run = run,
};
