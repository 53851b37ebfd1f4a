/*
 * landgov demo: a fresh demo store in one command: creates the database
 * named by --db (refusing to touch an existing one unless --force) and
 * fills it with the synthetic county (landgov gen), then says in Chinese
 * what it made and how to look at it.
 */
#include "cli/cli_int.h"
#include "ledger/ledger.h"
#include "onemap/onemap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* From cmd_gen.c. */
int lg_cli_gen_opts(lg_cli_t *cli, lg_gen_opts_t *o, lg_err_t *err);
void lg_cli_gen_report(lg_cli_t *cli, const lg_gen_opts_t *o, const lg_gen_result_t *r);
/* From demo_users.c. */
int lg_cli_demo_users(lg_cli_t *cli, const char *county_code, lg_err_t *err);
/* From demo_cases.c. */
int lg_cli_demo_cases(lg_cli_t *cli, const lg_gen_result_t *r, lg_err_t *err);
/* From demo_quota.c: the year's quota before the cases, the market and an
 * enclave park after them. */
int lg_cli_demo_quota_setup(lg_cli_t *cli, const lg_gen_result_t *r, lg_err_t *err);
int lg_cli_demo_quota(lg_cli_t *cli, const lg_gen_result_t *r, lg_err_t *err);

/* A fresh demo store gets fresh ledger keys too: the old ones go. */
static int remove_keys(lg_store_t *s, lg_err_t *err) {
  for (int w = 0; w < 2; w++) {
    char *p = lg_ledger_key_path(s, w == 1);
    int rc = unlink(p) == 0 || errno == ENOENT
                 ? 0
                 : lg_err_set(err, LG_EIO, "无法删除 %s: %s", p, strerror(errno));
    lg_free(p);
    if (rc) return rc;
  }
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  lg_gen_opts_t o;
  int rc = lg_cli_gen_opts(cli, &o, err);
  if (rc) return rc;
  bool exists = false;
  if ((rc = lg_store_exists(cli->db_path, &exists, err))) return rc;
  if (exists) {
    if (!lg_arg_flag(cli, "force"))
      return lg_err_set(err, LG_ECONFLICT,
                        "数据库 %s 已存在; 演示库需要新建: 请换一个 --db 路径, 或加 --force 覆盖",
                        cli->db_path);
    if ((rc = lg_store_destroy(cli->db_path, err))) return rc;
  }
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, LG_STORE_CREATE, &s, err))) return rc;
  lg_gen_result_t r;
  rc = remove_keys(s, err);
  if (rc == 0) rc = lg_onemap_gen(s, &o, &r, err);
  /* As `landgov init` does: the ledger's signing and witness keys. */
  if (rc == 0) {
    char origin[64];
    snprintf(origin, sizeof origin, "landgov.example/%s", r.county_code);
    rc = lg_ledger_init(s, origin, err);
  }
  lg_store_close(s);
  if (rc) return rc;
  if (!cli->json) printf("演示数据库 %s 已创建\n\n", cli->db_path);
  lg_cli_gen_report(cli, &o, &r);
  if (!cli->json)
    printf("\n查看: landgov --db %s layers; 浏览: landgov --db %s serve\n", cli->db_path,
           cli->db_path);
  /* Demo accounts, one per role (src/auth, via cli/demo_users.c). */
  if ((rc = lg_cli_demo_users(cli, r.county_code, err))) return rc;
  /* The quota bank's year, then sample approval cases in different states,
   * filed by those accounts (their approvals consume quota), then the
   * quota market and an enclave park. */
  if ((rc = lg_cli_demo_quota_setup(cli, &r, err))) return rc;
  if ((rc = lg_cli_demo_cases(cli, &r, err))) return rc;
  return lg_cli_demo_quota(cli, &r, err);
}

const lg_cmd_t lg_cmd_demo = {
    .name = "demo",
    .summary = "新建演示数据库 (合成县)",
    .usage = "[--patches N] [--seed S] [--force]",
    .options = "patches=,seed=,force",
    .run = run,
};
