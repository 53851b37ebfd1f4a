/*
 * landgov init: creates an empty store (a GeoPackage with landgov's
 * schema and the CGCS2000 coordinate systems). Running it on an existing
 * store only applies pending migrations.
 */
#include "cli/cli_int.h"

#include <stdio.h>

static int run(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_CREATE, &s, err);
  if (rc) return rc;
  int version = lg_store_schema_version(s);
  lg_store_close(s);
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:i}", "db", cli->db_path, "schema_version", version));
  else
    printf("数据库 %s 已就绪 (模式版本 %d)\n", cli->db_path, version);
  return 0;
}

const lg_cmd_t lg_cmd_init = {
    .name = "init",
    .summary = "创建或升级数据库 (GeoPackage)",
    .usage = "",
    .options = "",
    .run = run,
};
