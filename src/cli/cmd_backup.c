/*
 * landgov backup FILE: a consistent copy of the store, taken while the
 * server keeps working (docs/backup.md tells how to restore it).
 *
 * SQLite's online backup API copies the database page by page. Asked to
 * copy everything in one step, it does so inside one read transaction;
 * in WAL mode that transaction is a snapshot: the copy is the store as of
 * the last commit before the backup began, every committed transaction
 * whole and nothing after it, while writers go on appending to the WAL.
 * (Copying in several steps would restart whenever another connection
 * writes, and might never finish under a steady load.)
 *
 * The copy is written next to FILE as FILE.part, switched to rollback-
 * journal mode so that it is one self-contained file, checked (PRAGMA
 * quick_check), synced, and only then renamed to FILE, so that FILE is
 * either absent or a whole backup.
 */
#include "cli/cli_int.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsync of the directory holding path, so that the rename survives a
 * power cut. */
static void sync_dir(const char *path) {
  char *copy = lg_strdup(path);
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  lg_free(copy);
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 1) return lg_err_set(err, LG_EINVAL, "用法: landgov backup FILE [--force]");
  const char *dest = cli->args.pos[0];
  struct stat stt;
  if (stat(dest, &stt) == 0) {
    char a[PATH_MAX], b[PATH_MAX];
    if (realpath(dest, a) && realpath(cli->db_path, b) && strcmp(a, b) == 0)
      return lg_err_set(err, LG_EINVAL, "备份文件不能是数据库本身 (%s)", dest);
    if (!lg_arg_flag(cli, "force"))
      return lg_err_set(err, LG_ECONFLICT, "文件 %s 已存在; 换一个文件名, 或加 --force 覆盖", dest);
  }
  lg_store_t *s = NULL;
  sqlite3 *d = NULL;
  sqlite3_backup *bk = NULL;
  char *part = lg_sprintf("%s.part", dest);
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) goto done;
  int version = lg_store_schema_version(s);
  unlink(part); /* a leftover of an interrupted backup */
  if (sqlite3_open_v2(part, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    rc = lg_err_set(err, LG_EIO, "无法创建备份文件 %s: %s", part,
                    d ? sqlite3_errmsg(d) : "内存不足");
    goto done;
  }
  bk = sqlite3_backup_init(d, "main", lg_store_db(s), "main");
  if (!bk) {
    rc = lg_err_set(err, LG_EDB, "无法开始备份: %s", sqlite3_errmsg(d));
    goto done;
  }
  double t0 = lg_mono();
  int step;
  /* BUSY only while another connection recovers the WAL or holds an
   * exclusive lock; wait it out (at most about a minute). */
  for (int tries = 0;; tries++) {
    step = sqlite3_backup_step(bk, -1);
    if ((step != SQLITE_BUSY && step != SQLITE_LOCKED) || tries >= 600) break;
    sqlite3_sleep(100);
  }
  int pages = sqlite3_backup_pagecount(bk);
  sqlite3_backup_finish(bk);
  bk = NULL;
  if (step != SQLITE_DONE) {
    rc = lg_err_set(err, LG_EDB, "备份失败: %s", sqlite3_errstr(step));
    goto done;
  }
  double secs = lg_mono() - t0;
  /* One self-contained file: the page copied from a WAL store says WAL. */
  char *msg = NULL;
  if (sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK) {
    rc = lg_err_set(err, LG_EDB, "备份文件 %s 设置日志模式失败: %s", part, msg ? msg : "");
    sqlite3_free(msg);
    goto done;
  }
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(d, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK) {
    rc = lg_err_set(err, LG_EDB, "检查备份文件失败: %s", sqlite3_errmsg(d));
    goto done;
  }
  const char *verdict =
      sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
  if (!verdict || strcmp(verdict, "ok") != 0)
    rc = lg_err_set(err, LG_EDB, "备份文件 %s 未通过完整性检查: %s", part,
                    verdict ? verdict : sqlite3_errmsg(d));
  sqlite3_finalize(st);
  if (rc) goto done;
  if (sqlite3_close(d) != SQLITE_OK) {
    rc = lg_err_set(err, LG_EIO, "关闭备份文件 %s 失败", part);
    d = NULL;
    goto done;
  }
  d = NULL;
  int fd = open(part, O_RDONLY);
  if (fd < 0 || fsync(fd) != 0) rc = lg_err_set(err, LG_EIO, "写入备份文件 %s 失败", part);
  if (fd >= 0) close(fd);
  if (rc) goto done;
  if (rename(part, dest) != 0) {
    rc = lg_err_set(err, LG_EIO, "无法把 %s 改名为 %s", part, dest);
    goto done;
  }
  sync_dir(dest);
  stat(dest, &stt);
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:s, s:i, s:I, s:i, s:f}", "db", cli->db_path, "backup",
                                dest, "pages", pages, "bytes", (json_int_t)stt.st_size,
                                "schema_version", version, "seconds", secs));
  else
    printf("已备份 %s 到 %s: %d 页, %.1f MB, 模式版本 %d, 用时 %.1f 秒, 完整性检查通过\n",
           cli->db_path, dest, pages, (double)stt.st_size / 1048576.0, version, secs);
done:
  if (bk) sqlite3_backup_finish(bk);
  if (d) sqlite3_close(d);
  if (rc) unlink(part);
  lg_free(part);
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
