/*
 * The settings registry: every setting an administrator may tune, with
 * its default, its bounds and its description, written once here and read
 * by the module that obeys it (through lg_store_setting_int/_text), by
 * `landgov settings` and by the administration page (/api/settings). The
 * values live in the table lg_settings; a setting that was never set reads
 * as its default here, and a stored value that is out of bounds or not a
 * number (an edit behind landgov's back) reads as the nearest bound or the
 * default, with a warning in the log.
 *
 * Where a default encodes a rule, the code that obeys it says which
 * (limits: src/http/limits.c; auth: GB/T 22239-2019 8.1.4.1,
 * src/auth/session.c; metrics: src/cases/metrics.c and seed 000; files:
 * src/files/files.c; tiles: src/onemap/tiles.c).
 */
#include "store/store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const lg_setting_def_t defs[] = {
    /* Limits of one request and one import (src/http/limits.c). */
    {"limits.body_bytes", "4194304", LG_SETTING_INT, 1024, 1LL << 30, false, "请求体上限 (字节)"},
    {"limits.upload_bytes", "33554432", LG_SETTING_INT, 1024, 4LL << 30, false,
     "上传文件上限 (multipart, 字节)"},
    {"limits.json_depth", "32", LG_SETTING_INT, 2, 1000, false, "JSON 嵌套层数上限"},
    {"limits.geometry_vertices", "100000", LG_SETTING_INT, 4, 100000000, false,
     "每个边界的点数上限"},
    {"limits.request_ms", "30000", LG_SETTING_INT, 0, 3600000, false,
     "每个请求的处理时限 (毫秒, 0 不限)"},
    {"limits.idle_timeout_s", "60", LG_SETTING_INT, 1, 3600, false, "空闲连接关闭时间 (秒)"},
    {"limits.import_features", "2000000", LG_SETTING_INT, 1, 1000000000000LL, false,
     "单次导入的要素数上限"},
    /* Accounts and sessions (src/auth). */
    {"auth.throttle_max", "5", LG_SETTING_INT, 1, 1000, false, "同一用户名登录失败锁定次数"},
    {"auth.throttle_address_failures", "50", LG_SETTING_INT, 1, 100000, false,
     "同一来源地址登录失败锁定次数 (一个单位常共用一个出口地址)"},
    {"auth.throttle_window_s", "900", LG_SETTING_INT, 1, 86400 * 30, false,
     "登录失败计数窗口 (秒)"},
    {"auth.throttle_lock_s", "900", LG_SETTING_INT, 1, 86400 * 30, false, "登录锁定时长 (秒)"},
    {"auth.session_idle_s", "1800", LG_SETTING_INT, 60, 86400 * 30, false, "会话空闲超时 (秒)"},
    {"auth.session_max_s", "43200", LG_SETTING_INT, 60, 86400 * 30, false, "会话最长时长 (秒)"},
    {"auth.password_min_len", "8", LG_SETTING_INT, 6, 128, false, "密码最短长度"},
    {"auth.store_division", "", LG_SETTING_DIVISION, 0, 0, true,
     "本库服务的行政区 (管辖此区的管理员可修改权限表和设置; 不设: 用户所在的省)"},
    /* The measures of approval (src/cases/metrics.c). */
    {"metrics.load_threshold", "10", LG_SETTING_INT, 1, 100000, false,
     "部门日均办件负荷阈值 (件/日)"},
    {"metrics.idle_days", "5", LG_SETTING_INT, 1, 3650, false,
     "环节无人办理超过此数即流程空转 (工作日)"},
    {"metrics.coordination_nodes", "Task_Joint,Task_Committee", LG_SETTING_IDS, 0, 0, false,
     "计为协调的流程环节 (任务编号, 逗号分隔)"},
    /* Documents (src/files): 64 MiB holds a scanned approval file of a
     * few hundred pages; the types are decided from the content. */
    {"files.max_bytes", "67108864", LG_SETTING_INT, 1, 4LL << 30, false, "单个文件大小上限 (字节)"},
    {"files.types",
     "application/pdf,image/jpeg,image/png,image/tiff,image/webp,image/gif,"
     "text/plain,text/csv,application/json,application/zip,application/msword,"
     "application/vnd.ms-excel,application/vnd.ms-office,"
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
     "application/vnd.sqlite3,application/x-sqlite3,application/xml,text/xml",
     LG_SETTING_LIST, 0, 0, false, "允许上传的文件类型 (按内容识别的 MIME 类型, 逗号分隔)"},
    /* Map tiles (src/http/api_tiles.c, read when the server starts). */
    {"tiles.cache_mb", "64", LG_SETTING_INT, 0, 1 << 20, false,
     "矢量瓦片缓存 (MB, 0 关闭; 重启服务后生效)"},
    {"tiles.full_detail", "0", LG_SETTING_INT, 0, 1, false,
     "瓦片不做综合 (1: 每级都输出全部要素和全部节点; 重启服务后生效)"},
    /* The One Map. */
    {"project_srs", "", LG_SETTING_INT, 1024, 999999, false, "一张图统一坐标系 (EPSG)"},
    /* Monitoring (src/monitor): a landgov default, not a published period
     * (data/monitor/default.json says so); the province's satellite
     * enforcement notice sets its own. */
    {"monitor.verify_workdays", "20", LG_SETTING_INT, 1, 365, false,
     "监测预警的现场核查期限 (工作日, 自检测之日起算)"},
};

const lg_setting_def_t *lg_store_setting_defs(size_t *n) {
  *n = LG_ARRAY_LEN(defs);
  return defs;
}

const lg_setting_def_t *lg_store_setting_def(const char *key) {
  for (size_t i = 0; key && i < LG_ARRAY_LEN(defs); i++)
    if (strcmp(defs[i].key, key) == 0) return &defs[i];
  return NULL;
}

long long lg_store_setting_int(lg_store_t *s, const char *key) {
  const lg_setting_def_t *d = lg_store_setting_def(key);
  if (!d || d->kind != LG_SETTING_INT) {
    lg_log(LG_LOG_ERROR, "设置 %s 不是登记的整数设置", key ? key : "");
    return 0;
  }
  long long def = d->dflt[0] ? strtoll(d->dflt, NULL, 10) : 0;
  char *val = NULL;
  if (!s || lg_store_setting_get(s, key, &val, NULL) != 0 || !val || !*val) {
    lg_free(val);
    return def;
  }
  char *end;
  errno = 0;
  long long v = strtoll(val, &end, 10);
  if (errno || end == val || *end) {
    lg_log(LG_LOG_WARN, "设置 %s = \"%s\" 不是整数, 使用默认值 %lld", key, val, def);
    v = def;
  } else if (v < d->min || v > d->max) {
    long long c = v < d->min ? d->min : d->max;
    lg_log(LG_LOG_WARN, "设置 %s = %lld 超出范围 %lld 到 %lld, 按 %lld 执行", key, v, d->min,
           d->max, c);
    v = c;
  }
  lg_free(val);
  return v;
}

void lg_store_setting_text(lg_store_t *s, const char *key, char *out, size_t n) {
  const lg_setting_def_t *d = lg_store_setting_def(key);
  char *val = NULL;
  if (s) lg_store_setting_get(s, key, &val, NULL);
  snprintf(out, n, "%s", val ? val : d ? d->dflt : "");
  lg_free(val);
}
