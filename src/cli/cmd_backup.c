/*
 * landgov backup FILE: a consistent copy of the store, taken while the
 * server keeps working (docs/backup.md tells how to restore it). The
 * store does the copying (lg_store_backup): SQLite's online backup of a
 * GeoPackage, checked and renamed into place; pg_dump's custom format of
 * a PostgreSQL store, one snapshot for the whole dump. Either way FILE is
 * absent or a whole backup.
 */
#include "cli/cli_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 1) return lg_err_set(err, LG_EINVAL, "用法: landgov backup FILE [--force]");
  const char *dest = cli->args.pos[0];
  struct stat stt;
  if (stat(dest, &stt) == 0) {
    char a[PATH_MAX], b[PATH_MAX];
    if (realpath(dest, a) && realpath(cli->db_path, b) && strcmp(a, b) == 0)
      return lg_err_set(err, LG_EINVAL, "备份文件不能是数据库本身 (%s)", dest);
    if (!lg_cli_arg_flag(cli, "force"))
      return lg_err_set(err, LG_ECONFLICT, "文件 %s 已存在; 换一个文件名, 或加 --force 覆盖", dest);
  }
  lg_store_t *s = NULL;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  int version = lg_store_schema_version(s);
  double t0 = lg_mono();
  rc = lg_store_backup(s, dest, err);
  double secs = lg_mono() - t0;
  const char *kind = lg_store_backend(s) == LG_STORE_PG ? "pg_dump" : "geopackage";
  if (rc == 0) {
    stat(dest, &stt);
    if (cli->json)
      lg_cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:i, s:f}", "db", lg_store_path(s),
                                  "backup", dest, "format", kind, "bytes", (json_int_t)stt.st_size,
                                  "schema_version", version, "seconds", secs));
    else
      printf("已备份 %s 到 %s (%s): %.1f MB, 模式版本 %d, 用时 %.1f 秒%s\n", lg_store_path(s), dest,
             kind, (double)stt.st_size / 1048576.0, version, secs,
             lg_store_backend(s) == LG_STORE_GPKG ? ", 完整性检查通过" : "");
  }
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_backup = {
    .name = "backup",
    .summary = "在线备份数据库 (服务运行时也一致)",
    .usage = "FILE [--force]\n恢复方法见 docs/backup.md",
    .options = "force",
    .run = run,
};
