/*
 * landgov store copy FROM TO: copies a whole store into a new, empty one,
 * between backends: a county's GeoPackage into the province's PostgreSQL,
 * or a PostgreSQL store back into one file (lg_store_copy says how). The
 * target is made with its schema first (as landgov init would); the copy
 * carries the ledger byte for byte, so `ledger verify` and `ledger audit`
 * pass on it and its root is the source's, which this command checks and
 * prints.
 *
 * landgov store info: which backend, where, schema version, sizes.
 */
#include "cli/cli_int.h"
#include "ledger/ledger.h"

#include <stdio.h>
#include <string.h>

static int64_t count_of(lg_store_t *s, const char *sql) {
  lg_stmt_t *st;
  int64_t n = -1;
  if (lg_store_prepare(s, sql, &st, NULL) == 0) {
    if (lg_store_step(st) == LG_ROW) n = lg_store_col_int(st, 0);
    lg_store_done(st);
  }
  return n;
}

/* The ledger's size and root, as hex, of a store ("" when empty). */
static int ledger_root(lg_store_t *s, uint64_t *size, char hex[65], lg_err_t *err) {
  unsigned char root[32];
  hex[0] = '\0';
  int rc = lg_ledger_size(s, size, err);
  if (rc || *size == 0) return rc;
  if ((rc = lg_ledger_root(s, *size, root, err))) return rc;
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", root[i]);
  return 0;
}

static int copy(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 3)
    return lg_err_set(err, LG_EINVAL,
                      "用法: landgov store copy FROM TO (GeoPackage 文件或 PostgreSQL 连接串)");
  const char *from_t = cli->args.pos[1], *to_t = cli->args.pos[2];
  /* The target is made (or migrated) first; lg_store_copy refuses one that
   * holds layers or ledger entries already. */
  int rc = 0;
  lg_store_t *from = NULL, *to = NULL;
  uint64_t n1 = 0, n2 = 0;
  char r1[65], r2[65];
  double t0 = lg_mono();
  if ((rc = lg_store_open(from_t, LG_STORE_READONLY, &from, err))) goto done;
  if ((rc = lg_store_open(to_t, LG_STORE_CREATE, &to, err))) goto done;
  if ((rc = lg_store_copy(from, to, err))) goto done;
  if ((rc = ledger_root(from, &n1, r1, err)) || (rc = ledger_root(to, &n2, r2, err))) goto done;
  if (n1 != n2 || strcmp(r1, r2))
    rc = lg_err_set(err, LG_EINTERNAL, "复制后账本不一致: 源 %llu 条 %s, 目标 %llu 条 %s",
                    (unsigned long long)n1, r1, (unsigned long long)n2, r2);
  if (rc) goto done;
  int64_t layers = count_of(to, "SELECT count(*) FROM lg_layers");
  int64_t features = count_of(to, "SELECT coalesce(sum(feature_count), 0) FROM lg_layers");
  double secs = lg_mono() - t0;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:f}", "from", lg_store_path(from),
                                "to", lg_store_path(to), "layers", (json_int_t)layers, "features",
                                (json_int_t)features, "ledger_size", (json_int_t)n2, "ledger_root",
                                r2, "seconds", secs));
  else
    printf("已把 %s 复制到 %s: %lld 个图层, %lld 个要素, 账本 %llu 条, 根哈希 %s (与源库一致), "
           "用时 %.1f 秒\n",
           lg_store_path(from), lg_store_path(to), (long long)layers, (long long)features,
           (unsigned long long)n2, r2[0] ? r2 : "(空)", secs);
done:
  lg_store_close(from);
  lg_store_close(to);
  return rc;
}

static int info(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s = NULL;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  uint64_t n = 0;
  char root[65];
  rc = ledger_root(s, &n, root, err);
  if (rc == 0) {
    const char *backend = lg_store_backend(s) == LG_STORE_PG ? "postgresql" : "geopackage";
    int64_t layers = count_of(s, "SELECT count(*) FROM lg_layers");
    int64_t features = count_of(s, "SELECT coalesce(sum(feature_count), 0) FROM lg_layers");
    if (cli->json)
      lg_cli_print_json(json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:I}", "backend", backend, "db",
                                  lg_store_path(s), "schema_version", lg_store_schema_version(s),
                                  "schema_known", lg_store_schema_known(), "layers",
                                  (json_int_t)layers, "features", (json_int_t)features,
                                  "ledger_size", (json_int_t)n));
    else
      printf(
          "数据库 %s (%s), 结构版本 %d (本程序支持到 %d), %lld 个图层, %lld 个要素, 账本 %llu 条\n",
          lg_store_path(s), strcmp(backend, "postgresql") ? "GeoPackage" : "PostgreSQL",
          lg_store_schema_version(s), lg_store_schema_known(), (long long)layers,
          (long long)features, (unsigned long long)n);
  }
  lg_store_close(s);
  return rc;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *sub = cli->args.npos > 0 ? cli->args.pos[0] : "";
  if (!strcmp(sub, "copy")) return copy(cli, err);
  if (!strcmp(sub, "info")) return info(cli, err);
  return lg_err_set(err, LG_EINVAL, "用法: landgov store copy FROM TO | landgov store info");
}

const lg_cmd_t lg_cmd_store = {
    .name = "store",
    .summary = "数据库: 在 GeoPackage 与 PostgreSQL 之间整库复制, 查看数据库信息",
    .usage = "copy FROM TO | info\n"
             "FROM, TO: GeoPackage 文件路径, 或 PostgreSQL 连接串 (postgresql://用户@主机/库名)",
    .options = "",
    .run = run,
};
