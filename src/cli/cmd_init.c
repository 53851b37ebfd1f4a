/*
 * landgov init: creates an empty store (a GeoPackage with landgov's
 * schema and the CGCS2000 coordinate systems) and the ledger's signing
 * key beside it. Running it on an existing store only applies pending
 * migrations (and creates the ledger keys if the store has none yet).
 */
#include "cli/cli_int.h"
#include "ledger/ledger.h"

#include <stdio.h>

static int run(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_CREATE, &s, err);
  if (rc) return rc;
  int version = lg_store_schema_version(s);
  /* The ledger's signing and witness keys, created once beside the store
   * (ledger.h, "Keys"); later runs check they are still the same. */
  lg_ledger_keys_t keys;
  rc = lg_ledger_init(s, lg_cli_arg(cli, "origin"), err);
  if (rc == 0) rc = lg_ledger_keys(s, &keys, err);
  lg_store_close(s);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:i, s:s, s:s}", "db", cli->db_path, "schema_version",
                                version, "ledger_origin", keys.origin, "ledger_key", keys.vkey));
  else
    printf("数据库 %s 已就绪 (模式版本 %d)\n账本 %s 的公钥: %s\n", cli->db_path, version,
           keys.origin, keys.vkey);
  return 0;
}

const lg_cmd_t lg_cmd_init = {
    .name = "init",
    .summary = "创建或升级数据库 (GeoPackage)",
    .usage = "[--origin 账本名称, 如 landgov.example/330102]",
    .options = "origin=",
    .run = run,
};
