/*
 * landgov settings [get KEY | set KEY VALUE]: the values an administrator
 * tunes without a new build: limits on requests and imports (limits.*,
 * read by landgov serve when it starts and by landgov import), login
 * throttling, session lifetimes and the password length (auth.*, GB/T
 * 22239-2019 8.1.4.1), the division the whole store serves
 * (auth.store_division: whose administrator may change the policy table
 * and the settings), the approval measures (metrics.*, src/cases/metrics.c)
 * and the One Map's coordinate system. The keys, defaults and ranges are
 * src/auth's table (lg_auth_setting_defs), shared with /api/settings; only
 * they can be set: the table lg_settings also holds values that must never
 * be edited by hand (the ledger's public keys). Each change goes on the
 * ledger with who made it (--actor, or $USER).
 */
#include "auth/auth.h"
#include "cli/cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a value may be, for the table: "1 – 1000", "行政区划代码". */
static void range_text(const lg_setting_def_t *d, char *out, size_t n) {
  if (d->kind == LG_SETTING_INT)
    snprintf(out, n, "%lld – %lld", d->min, d->max);
  else if (d->kind == LG_SETTING_DIVISION)
    snprintf(out, n, "行政区划代码或空");
  else if (d->kind == LG_SETTING_LIST)
    snprintf(out, n, "逗号分隔的值");
  else
    snprintf(out, n, "任务编号, 逗号分隔");
}

static int show(lg_cli_t *cli, lg_store_t *s, const lg_setting_def_t *only, lg_err_t *err) {
  size_t nd;
  const lg_setting_def_t *defs = lg_store_setting_defs(&nd);
  json_t *arr = json_array();
  int rc = 0;
  for (size_t i = 0; i < nd && rc == 0; i++) {
    if (only && only != &defs[i]) continue;
    char *val = NULL;
    if ((rc = lg_store_setting_get(s, defs[i].key, &val, err))) break;
    char range[64];
    range_text(&defs[i], range, sizeof range);
    json_t *o = json_pack("{s:s, s:s?, s:s, s:s, s:s}", "key", defs[i].key, "value", val, "default",
                          defs[i].dflt, "title", defs[i].title, "range", range);
    if (defs[i].kind == LG_SETTING_INT) {
      json_object_set_new(o, "min", json_integer(defs[i].min));
      json_object_set_new(o, "max", json_integer(defs[i].max));
    }
    json_array_append_new(arr, o);
    lg_free(val);
  }
  if (rc) {
    json_decref(arr);
    return rc;
  }
  if (cli->json) {
    lg_cli_print_json(only ? json_incref(json_array_get(arr, 0))
                           : json_pack("{s:O}", "settings", arr));
  } else if (only) {
    const char *v = json_string_value(json_object_get(json_array_get(arr, 0), "value"));
    printf("%s\n", v ? v : "");
  } else {
    static const char *const hdr[] = {"设置", "当前值", "默认值", "范围", "说明"};
    lg_cli_table_t *t = lg_cli_table_new(5, hdr);
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
      const char *v = json_string_value(json_object_get(x, "value"));
      lg_cli_table_add(t, json_string_value(json_object_get(x, "key")), v ? v : "(未设置)",
                       json_string_value(json_object_get(x, "default")),
                       json_string_value(json_object_get(x, "range")),
                       json_string_value(json_object_get(x, "title")));
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
    printf("(limits.* 在 landgov serve 启动时读取: 修改后请重启服务)\n");
  }
  json_decref(arr);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *verb = cli->args.npos > 0 ? cli->args.pos[0] : "list";
  const lg_setting_def_t *d = NULL;
  /* list, get, set: also the number of words they take. */
  int want = strcmp(verb, "list") == 0  ? 1
             : strcmp(verb, "get") == 0 ? 2
             : strcmp(verb, "set") == 0 ? 3
                                        : 0;
  if (!want || (cli->args.npos != want && !(want == 1 && cli->args.npos == 0)))
    return lg_err_set(err, LG_EINVAL, "用法: landgov settings [list] | get KEY | set KEY VALUE");
  if (want >= 2 && !(d = lg_store_setting_def(cli->args.pos[1]))) {
    char out[LG_SETTING_MAX];
    return lg_auth_setting_check(cli->args.pos[1], "", out, err); /* names the known keys */
  }
  lg_store_t *s;
  int rc = lg_cli_open(cli, want == 3 ? 0 : LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  if (want == 3) {
    const char *name = lg_cli_arg(cli, "actor");
    lg_subject_t by;
    lg_auth_subject_console(&by, name ? name : getenv("USER"));
    rc = lg_auth_setting_set(s, d->key, cli->args.pos[2], &by, err);
    char *now = NULL;
    if (rc == 0 && !cli->json && lg_store_setting_get(s, d->key, &now, NULL) == 0)
      printf("已设置 %s = %s%s\n", d->key, now ? now : "",
             strncmp(d->key, "limits.", 7) == 0 && strcmp(d->key, "limits.import_features") != 0
                 ? " (重启 landgov serve 后生效)"
                 : "");
    lg_free(now);
  }
  if (rc == 0 && (want < 3 || cli->json)) rc = show(cli, s, d, err);
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_settings = {
    .name = "settings",
    .summary = "查看或调整系统设置 (请求与导入上限、登录限制、整库行政区、审批效能、统一坐标系)",
    .usage = "[list] | get KEY | set KEY VALUE [--actor 操作人]",
    .options = "actor=",
    .run = run,
};
