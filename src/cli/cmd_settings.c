/*
 * landgov settings [get KEY | set KEY VALUE]: the values an administrator
 * tunes without a new build: limits on requests and imports (limits.*,
 * read by landgov serve when it starts and by landgov import), login
 * throttling, session lifetimes and the password length (auth.*, GB/T
 * 22239-2019 8.1.4.1), and the One Map's coordinate system. Only the keys
 * listed here can be set: the table also holds values that must never be
 * edited by hand (the ledger's public keys).
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct setting_def {
  const char *key;
  const char *dflt; /* "" when there is none */
  long long min, max;
  const char *title; /* Chinese, for the table */
} setting_def_t;

static const setting_def_t defs[] = {
    {"limits.body_bytes", "4194304", 1024, 1LL << 30, "请求体上限 (字节)"},
    {"limits.upload_bytes", "33554432", 1024, 4LL << 30, "上传文件上限 (multipart, 字节)"},
    {"limits.json_depth", "32", 2, 1000, "JSON 嵌套层数上限"},
    {"limits.geometry_vertices", "100000", 4, 100000000, "每个边界的点数上限"},
    {"limits.request_ms", "30000", 0, 3600000, "每个请求的处理时限 (毫秒, 0 不限)"},
    {"limits.idle_timeout_s", "60", 1, 3600, "空闲连接关闭时间 (秒)"},
    {"limits.import_features", "2000000", 1, 1000000000000LL, "单次导入的要素数上限"},
    {"auth.throttle_max", "5", 1, 1000, "登录失败锁定次数"},
    {"auth.throttle_window_s", "900", 1, 86400 * 30, "登录失败计数窗口 (秒)"},
    {"auth.throttle_lock_s", "900", 1, 86400 * 30, "登录锁定时长 (秒)"},
    {"auth.session_idle_s", "1800", 60, 86400 * 30, "会话空闲超时 (秒)"},
    {"auth.session_max_s", "43200", 60, 86400 * 30, "会话最长时长 (秒)"},
    {"auth.password_min_len", "8", 6, 128, "密码最短长度"},
    {"project_srs", "", 1024, 999999, "一张图统一坐标系 (EPSG)"},
};

static const setting_def_t *find(const char *key) {
  for (size_t i = 0; i < LG_ARRAY_LEN(defs); i++)
    if (strcmp(defs[i].key, key) == 0) return &defs[i];
  return NULL;
}

static int unknown(const char *key, lg_err_t *err) {
  lg_buf_t b;
  lg_buf_init(&b);
  for (size_t i = 0; i < LG_ARRAY_LEN(defs); i++)
    lg_buf_printf(&b, "%s%s", i ? ", " : "", defs[i].key);
  int rc = lg_err_set(err, LG_EINVAL, "没有可调整的设置 \"%s\"; 可用: %s", key, b.data);
  lg_buf_fini(&b);
  return rc;
}

static int show(lg_cli_t *cli, lg_store_t *s, const setting_def_t *only, lg_err_t *err) {
  json_t *arr = json_array();
  int rc = 0;
  for (size_t i = 0; i < LG_ARRAY_LEN(defs) && rc == 0; i++) {
    if (only && only != &defs[i]) continue;
    char *val = NULL;
    if ((rc = lg_store_setting_get(s, defs[i].key, &val, err))) break;
    json_array_append_new(arr, json_pack("{s:s, s:s?, s:s, s:s}", "key", defs[i].key, "value", val,
                                         "default", defs[i].dflt, "title", defs[i].title));
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
    static const char *const hdr[] = {"设置", "当前值", "默认值", "说明"};
    lg_table_t *t = lg_table_new(4, hdr);
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
      const char *v = json_string_value(json_object_get(x, "value"));
      lg_table_add(t, json_string_value(json_object_get(x, "key")), v ? v : "(未设置)",
                   json_string_value(json_object_get(x, "default")),
                   json_string_value(json_object_get(x, "title")));
    }
    lg_table_print(t);
    lg_table_free(t);
    printf("(limits.* 在 landgov serve 启动时读取: 修改后请重启服务)\n");
  }
  json_decref(arr);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *verb = cli->args.npos > 0 ? cli->args.pos[0] : "list";
  const setting_def_t *d = NULL;
  /* list, get, set: also the number of words they take. */
  int want = strcmp(verb, "list") == 0  ? 1
             : strcmp(verb, "get") == 0 ? 2
             : strcmp(verb, "set") == 0 ? 3
                                        : 0;
  if (!want || (cli->args.npos != want && !(want == 1 && cli->args.npos == 0)))
    return lg_err_set(err, LG_EINVAL, "用法: landgov settings [list] | get KEY | set KEY VALUE");
  if (want >= 2 && !(d = find(cli->args.pos[1]))) return unknown(cli->args.pos[1], err);
  lg_store_t *s;
  int rc = lg_cli_open(cli, want == 3 ? 0 : LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  if (want == 3) {
    const char *val = cli->args.pos[2];
    char *end;
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end)
      rc = lg_err_set(err, LG_EINVAL, "设置 %s 应为整数, 得到 \"%.64s\"", d->key, val);
    else if (v < d->min || v > d->max)
      rc = lg_err_set(err, LG_EINVAL, "设置 %s = %lld 超出范围: 应在 %lld 到 %lld 之间", d->key, v,
                      d->min, d->max);
    else
      rc = lg_store_setting_set(s, d->key, val, err);
    if (rc == 0 && !cli->json)
      printf("已设置 %s = %s%s\n", d->key, val,
             strncmp(d->key, "limits.", 7) == 0 && strcmp(d->key, "limits.import_features") != 0
                 ? " (重启 landgov serve 后生效)"
                 : "");
  }
  if (rc == 0 && (want < 3 || cli->json)) rc = show(cli, s, d, err);
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_settings = {
    .name = "settings",
    .summary = "查看或调整系统设置 (请求与导入上限、登录限制、统一坐标系)",
    .usage = "[list] | get KEY | set KEY VALUE",
    .options = "",
    .run = run,
};
