/*
 * landgov policy [list [--role R] [--resource X]] | set ROLE RESOURCE
 * ACTION SCOPE: the one policy table (src/auth/auth.h) from the server's
 * console. The web page edits the same table (PUT /api/policy) for an
 * administrator whose jurisdiction holds the whole store; the rows of
 * "policy" and "setting", which say who that is, are changed here only,
 * so that no administrator can hand the table to others over the web.
 * Each change goes on the ledger with who made it (--actor, or $USER).
 */
#include "auth/auth.h"
#include "cli/cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_list(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_policy_row_t *rows;
  size_t n;
  int rc = lg_auth_policy_list(s, &rows, &n, err);
  if (rc) return rc;
  const char *role = lg_cli_arg(cli, "role"), *resource = lg_cli_arg(cli, "resource");
  json_t *arr = json_array();
  static const char *const hdr[] = {"角色", "资源", "操作", "范围", "与初始值"};
  lg_cli_table_t *t = cli->json ? NULL : lg_cli_table_new(5, hdr);
  for (size_t i = 0; i < n; i++) {
    const lg_policy_row_t *r = &rows[i];
    if ((role && strcmp(role, r->role) != 0) || (resource && strcmp(resource, r->resource) != 0))
      continue;
    const char *seed = lg_auth_policy_default(r->role, r->resource, r->action);
    bool changed = !seed || strcmp(seed, r->scope) != 0;
    if (t)
      lg_cli_table_add(t, r->role, r->resource, r->action, r->scope,
                       !seed     ? "(非初始项)"
                       : changed ? "已修改"
                                 : "");
    else
      json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "role", r->role,
                                           "resource", r->resource, "action", r->action, "scope",
                                           r->scope, "default", seed));
  }
  lg_free(rows);
  if (t) {
    lg_cli_table_print(t);
    lg_cli_table_free(t);
  } else {
    lg_cli_print_json(json_pack("{s:o}", "policy", arr));
    arr = NULL;
  }
  json_decref(arr);
  return 0;
}

static int cmd_set(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  const char *name = lg_cli_arg(cli, "actor");
  lg_subject_t by;
  lg_auth_subject_console(&by, name ? name : getenv("USER"));
  const char *const *p = cli->args.pos;
  int rc = lg_auth_policy_set(s, p[1], p[2], p[3], p[4], &by, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "role", p[1], "resource", p[2], "action",
                                p[3], "scope", p[4]));
  else
    printf("已设置权限: %s 对 %s 的 %s 范围为 %s (已记入账本)\n", p[1], p[2], p[3], p[4]);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *verb = cli->args.npos > 0 ? cli->args.pos[0] : "list";
  bool set = strcmp(verb, "set") == 0;
  if (!(set && cli->args.npos == 5) && !(strcmp(verb, "list") == 0 && cli->args.npos <= 1))
    return lg_err_set(err, LG_EINVAL,
                      "用法: landgov policy [list [--role R] [--resource X]] | set ROLE RESOURCE "
                      "ACTION SCOPE");
  lg_store_t *s;
  int rc = lg_cli_open(cli, set ? 0 : LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  rc = set ? cmd_set(cli, s, err) : cmd_list(cli, s, err);
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_policy = {
    .name = "policy",
    .summary = "权限表: 查看, 或在服务器上修改 (含谁能修改权限表和设置)",
    .usage = "[list [--role R] [--resource X]] | set ROLE RESOURCE ACTION SCOPE [--actor 操作人]\n"
             "ROLE: clerk reviewer approver admin applicant public; ACTION: read create act "
             "admin;\nSCOPE: none own jurisdiction all",
    .options = "role=,resource=,actor=",
    .run = run,
};
