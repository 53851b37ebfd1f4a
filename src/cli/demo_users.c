/*
 * The demo store's accounts (`landgov demo`): created through src/auth
 * (lg_auth_demo_users) and listed with their one fixed password, so that
 * whoever runs the demo can log in at once as each role and see what a
 * neighbouring county's account may not see.
 */
#include "auth/auth.h"
#include "cli/cli_int.h"

#include <stdio.h>

/* Called by cmd_demo.c at the end of its run. */
int lg_cli_demo_users(lg_cli_t *cli, const char *county_code, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, 0, &s, err);
  if (rc) return rc;
  lg_auth_demo_user_t *us = NULL;
  size_t n = 0;
  rc = lg_auth_demo_users(s, county_code, &us, &n, err);
  lg_store_close(s);
  if (rc) return rc;
  /* With --json the demo prints one document (the generator's); the
   * accounts are the same fixed list, documented in README. */
  if (!cli->json) {
    printf("\n演示账户 (密码均为 %s, 仅用于演示库):\n", LG_AUTH_DEMO_PASSWORD);
    static const char *const hdr[] = {"用户名", "角色", "行政区"};
    lg_table_t *t = lg_table_new(3, hdr);
    for (size_t i = 0; i < n; i++)
      lg_table_add(t, us[i].login, us[i].what, us[i].division);
    lg_table_print(t);
    lg_table_free(t);
  }
  lg_free(us);
  return 0;
}
