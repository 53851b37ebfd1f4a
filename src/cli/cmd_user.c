/*
 * landgov user: accounts from the command line (the administrator's tool
 * before there is an administrator to log in to the web page).
 *
 *   user add LOGIN --role R [--dept D] [--level L] --division CODE
 *            [--enterprise E] [--name N] [--password-stdin]
 *   user list [--within CODE]
 *   user disable LOGIN | user enable LOGIN
 *   user passwd LOGIN [--password-stdin]
 *   user role LOGIN [--role R] [--dept D] [--level L] [--division CODE]
 *            [--enterprise E] [--name N]
 *   user token LOGIN [--name N] [--expires-days N]
 *   user tokens [LOGIN] | user revoke-token ID
 *   user record
 *
 * Adding, disabling, enabling, a new password and a new role go on the
 * ledger with who did it: here the console, under --actor or the
 * operating-system account ($USER). `user record` records the accounts
 * made before account changes were recorded (so that `landgov ledger
 * audit` of an older store can pass once someone has vouched for them).
 *
 * Passwords never travel on the command line (where ps and the shell
 * history would keep them): --password-stdin reads one line from standard
 * input (without echo on a terminal); without it a password is generated
 * and printed once. API tokens too are printed once: only their SHA-256
 * is kept.
 */
#include "auth/auth.h"
#include "cli/cli_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PW_MAX 1100

/* Reads one line into buf; on a terminal, without echo, after a prompt on
 * stderr. Trailing CR/LF removed. */
static int read_line(const char *prompt, char *buf, size_t n, lg_err_t *err) {
  bool tty = isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty) {
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)ECHO;
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    } else {
      tty = false;
    }
  }
  char *got = fgets(buf, (int)n, stdin);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (!got) return lg_err_set(err, LG_EINVAL, "没有从标准输入读到密码");
  size_t len = strlen(buf);
  if (len == n - 1 && buf[len - 1] != '\n') return lg_err_set(err, LG_EINVAL, "密码太长");
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  if (len == 0) return lg_err_set(err, LG_EINVAL, "密码为空");
  return 0;
}

/* The new password: from stdin with --password-stdin (asked twice on a
 * terminal), else generated (*generated set). */
static int new_password(lg_cli_t *cli, char *pw, size_t n, bool *generated, lg_err_t *err) {
  *generated = false;
  if (!lg_cli_arg_flag(cli, "password-stdin")) {
    char gen[LG_AUTH_GEN_PASSWORD_LEN + 1];
    lg_auth_password_generate(gen);
    snprintf(pw, n, "%s", gen);
    sodium_memzero(gen, sizeof gen);
    *generated = true;
    return 0;
  }
  int rc = read_line("新密码: ", pw, n, err);
  if (rc == 0 && isatty(STDIN_FILENO)) {
    char again[PW_MAX];
    rc = read_line("再输入一次: ", again, sizeof again, err);
    if (rc == 0 && strcmp(pw, again) != 0) rc = lg_err_set(err, LG_EINVAL, "两次输入的密码不一致");
    sodium_memzero(again, sizeof again);
  }
  return rc;
}

static json_t *user_json(const lg_user_t *u) {
  return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:b, s:s, s:s}", "id",
                   (json_int_t)u->id, "login", u->login, "name", u->name, "role", u->role,
                   "role_title", lg_auth_role_title(u->role), "dept", u->dept[0] ? u->dept : NULL,
                   "level", u->level[0] ? u->level : NULL, "division", u->division, "enterprise",
                   u->enterprise[0] ? u->enterprise : NULL, "disabled", u->disabled, "created_at",
                   u->created_at, "password_changed_at", u->pw_changed_at);
}

/* Who acts from the console, for the ledger. */
static void console(lg_cli_t *cli, lg_subject_t *by) {
  const char *name = lg_cli_arg(cli, "actor");
  lg_auth_subject_console(by, name ? name : getenv("USER"));
}

static int need_login(lg_cli_t *cli, const char *sub, lg_err_t *err) {
  if (cli->args.npos != 2) return lg_err_set(err, LG_EINVAL, "用法: landgov user %s LOGIN", sub);
  return 0;
}

static int cmd_add(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int rc = need_login(cli, "add", err);
  if (rc) return rc;
  lg_subject_t by;
  console(cli, &by);
  lg_user_def_t def = {.by = &by,
                       .login = cli->args.pos[1],
                       .name = lg_cli_arg(cli, "name"),
                       .role = lg_cli_arg(cli, "role"),
                       .dept = lg_cli_arg(cli, "dept"),
                       .level = lg_cli_arg(cli, "level"),
                       .division = lg_cli_arg(cli, "division"),
                       .enterprise = lg_cli_arg(cli, "enterprise")};
  if (!def.role)
    return lg_err_set(err, LG_EINVAL, "缺少 --role (clerk、reviewer、approver、admin、applicant)");
  char pw[PW_MAX];
  bool generated;
  if ((rc = new_password(cli, pw, sizeof pw, &generated, err))) goto done;
  if ((rc = lg_auth_user_add(s, &def, pw, NULL, err))) goto done;
  lg_user_t u;
  if ((rc = lg_auth_user_get(s, def.login, &u, err))) goto done;
  if (cli->json) {
    json_t *o = json_pack("{s:o}", "user", user_json(&u));
    if (generated) json_object_set_new(o, "password", json_string(pw));
    lg_cli_print_json(o);
  } else {
    printf("已添加用户 %s (%s, 行政区 %s)\n", u.login, lg_auth_role_title(u.role), u.division);
    if (generated) printf("初始密码 (只显示这一次, 请转交本人并要求其修改): %s\n", pw);
  }
done:
  sodium_memzero(pw, sizeof pw);
  return rc;
}

static int cmd_list(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_user_t *us;
  size_t n;
  int rc = lg_auth_users(s, lg_cli_arg(cli, "within"), &us, &n, err);
  if (rc) return rc;
  if (cli->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(arr, user_json(&us[i]));
    lg_cli_print_json(json_pack("{s:o}", "users", arr));
  } else {
    static const char *const hdr[] = {"编号",   "用户名", "姓名", "角色",    "部门/层级",
                                      "行政区", "企业",   "状态", "创建时间"};
    lg_cli_table_t *t = lg_cli_table_new(9, hdr);
    for (size_t i = 0; i < n; i++) {
      char id[32];
      snprintf(id, sizeof id, "%lld", (long long)us[i].id);
      const char *unit = us[i].dept[0] ? us[i].dept : lg_auth_level_title(us[i].level);
      lg_cli_table_add(t, id, us[i].login, us[i].name, lg_auth_role_title(us[i].role), unit,
                       us[i].division, us[i].enterprise, us[i].disabled ? "已停用" : "正常",
                       us[i].created_at);
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
    if (n == 0) printf("(还没有用户; 用 landgov user add 添加)\n");
  }
  lg_free(us);
  return 0;
}

static int cmd_disable(lg_cli_t *cli, lg_store_t *s, bool disabled, lg_err_t *err) {
  int rc = need_login(cli, disabled ? "disable" : "enable", err);
  lg_subject_t by;
  console(cli, &by);
  if (rc == 0) rc = lg_auth_user_set_disabled(s, cli->args.pos[1], disabled, &by, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:b}", "login", cli->args.pos[1], "disabled", disabled));
  else
    printf(disabled ? "已停用用户 %s (其会话已结束, API 令牌停止生效)\n" : "已启用用户 %s\n",
           cli->args.pos[1]);
  return 0;
}

static int cmd_passwd(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int rc = need_login(cli, "passwd", err);
  if (rc) return rc;
  lg_user_t u;
  if ((rc = lg_auth_user_get(s, cli->args.pos[1], &u, err))) return rc;
  char pw[PW_MAX];
  bool generated;
  if ((rc = new_password(cli, pw, sizeof pw, &generated, err))) goto done;
  lg_subject_t by;
  console(cli, &by);
  if ((rc = lg_auth_user_passwd(s, u.login, pw, &by, err))) goto done;
  if (cli->json) {
    json_t *o = json_pack("{s:s}", "login", u.login);
    if (generated) json_object_set_new(o, "password", json_string(pw));
    lg_cli_print_json(o);
  } else {
    printf("已修改用户 %s 的密码 (其会话已结束)\n", u.login);
    if (generated) printf("新密码 (只显示这一次): %s\n", pw);
  }
done:
  sodium_memzero(pw, sizeof pw);
  return rc;
}

static int cmd_role(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int rc = need_login(cli, "role", err);
  if (rc) return rc;
  lg_subject_t by;
  console(cli, &by);
  lg_user_def_t def = {.by = &by,
                       .name = lg_cli_arg(cli, "name"),
                       .role = lg_cli_arg(cli, "role"),
                       .dept = lg_cli_arg(cli, "dept"),
                       .level = lg_cli_arg(cli, "level"),
                       .division = lg_cli_arg(cli, "division"),
                       .enterprise = lg_cli_arg(cli, "enterprise")};
  if ((rc = lg_auth_user_update(s, cli->args.pos[1], &def, err))) return rc;
  lg_user_t u;
  if ((rc = lg_auth_user_get(s, cli->args.pos[1], &u, err))) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:o}", "user", user_json(&u)));
  } else {
    const char *unit = u.dept[0] ? u.dept : lg_auth_level_title(u.level);
    printf("用户 %s 现为 %s%s%s%s (行政区 %s)\n", u.login, lg_auth_role_title(u.role),
           unit[0] ? " (" : "", unit, unit[0] ? ")" : "", u.division);
  }
  return 0;
}

static int cmd_record(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  if (cli->args.npos != 1) return lg_err_set(err, LG_EINVAL, "用法: landgov user record");
  lg_subject_t by;
  console(cli, &by);
  size_t n = 0;
  int rc = lg_auth_users_record(s, &by, &n, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:I}", "recorded", (json_int_t)n));
  else if (n)
    printf("已为 %zu 个账户补记账本条目 (由 %s 确认)\n", n, by.login);
  else
    printf("所有账户都已有账本条目, 无需补记\n");
  return 0;
}

static int cmd_token(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  int rc = need_login(cli, "token", err);
  if (rc) return rc;
  long long days = 0;
  if ((rc = lg_cli_arg_int(cli, "expires-days", &days, err))) return rc;
  if (days < 0 || days > 3650)
    return lg_err_set(err, LG_EINVAL, "--expires-days 应在 0 (不过期) 到 3650 之间");
  char tok[64];
  int64_t id;
  int64_t expires = days > 0 ? lg_now() + (int64_t)days * 86400 : 0;
  if ((rc = lg_auth_token_create(s, cli->args.pos[1], lg_cli_arg(cli, "name"), expires, tok, &id,
                                 err)))
    return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "login", cli->args.pos[1],
                                "token", tok));
  } else {
    printf("API 令牌 %lld (用户 %s; 只显示这一次, 请妥善保存):\n%s\n", (long long)id,
           cli->args.pos[1], tok);
    printf("使用: Authorization: Bearer <令牌>; 吊销: landgov user revoke-token %lld\n",
           (long long)id);
  }
  sodium_memzero(tok, sizeof tok);
  return 0;
}

static void fmt_time(int64_t t, char out[32]) {
  if (t > 0)
    lg_time_iso(t, out);
  else
    snprintf(out, 32, "-");
}

static int cmd_tokens(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  lg_api_token_t *ts;
  size_t n;
  int rc = lg_auth_tokens(s, cli->args.npos > 1 ? cli->args.pos[1] : NULL, &ts, &n, err);
  if (rc) return rc;
  if (cli->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I}", "id",
                                           (json_int_t)ts[i].id, "login", ts[i].login, "name",
                                           ts[i].name, "created_at", (json_int_t)ts[i].created_at,
                                           "last_used", (json_int_t)ts[i].last_used, "expires_at",
                                           (json_int_t)ts[i].expires_at, "revoked_at",
                                           (json_int_t)ts[i].revoked_at));
    lg_cli_print_json(json_pack("{s:o}", "tokens", arr));
  } else {
    static const char *const hdr[] = {"编号", "用户名", "名称", "创建", "最近使用", "到期", "状态"};
    lg_cli_table_t *t = lg_cli_table_new(7, hdr);
    for (size_t i = 0; i < n; i++) {
      char id[32], c[32], u[32], e[32];
      snprintf(id, sizeof id, "%lld", (long long)ts[i].id);
      fmt_time(ts[i].created_at, c);
      fmt_time(ts[i].last_used, u);
      fmt_time(ts[i].expires_at, e);
      lg_cli_table_add(t, id, ts[i].login, ts[i].name, c, u, e,
                       ts[i].revoked_at ? "已吊销" : "有效");
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
  }
  lg_free(ts);
  return 0;
}

static int cmd_revoke(lg_cli_t *cli, lg_store_t *s, lg_err_t *err) {
  char *end;
  long long id = cli->args.npos == 2 ? strtoll(cli->args.pos[1], &end, 10) : 0;
  if (cli->args.npos != 2 || *end || id <= 0)
    return lg_err_set(err, LG_EINVAL, "用法: landgov user revoke-token ID (编号见 user tokens)");
  int rc = lg_auth_token_revoke(s, id, err);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1));
  else
    printf("已吊销 API 令牌 %lld\n", id);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *sub = cli->args.npos > 0 ? cli->args.pos[0] : "";
  static const char *const readers[] = {"list", "tokens"};
  static const char *const writers[] = {"add",   "disable",      "enable", "passwd",
                                        "token", "revoke-token", "role",   "record"};
  bool read_only = false, known = false;
  for (size_t i = 0; i < LG_ARRAY_LEN(readers); i++)
    if (strcmp(sub, readers[i]) == 0) known = read_only = true;
  for (size_t i = 0; i < LG_ARRAY_LEN(writers); i++)
    if (strcmp(sub, writers[i]) == 0) known = true;
  if (!known)
    return lg_err_set(err, LG_EINVAL,
                      "未知子命令 \"%s\": 应为 add、list、disable、enable、passwd、role、token、"
                      "tokens、revoke-token 或 record (见 landgov user --help)",
                      sub);
  lg_store_t *s;
  int rc = lg_cli_open(cli, read_only ? LG_STORE_READONLY : 0, &s, err);
  if (rc) return rc;
  if (strcmp(sub, "add") == 0)
    rc = cmd_add(cli, s, err);
  else if (strcmp(sub, "list") == 0)
    rc = cmd_list(cli, s, err);
  else if (strcmp(sub, "disable") == 0)
    rc = cmd_disable(cli, s, true, err);
  else if (strcmp(sub, "enable") == 0)
    rc = cmd_disable(cli, s, false, err);
  else if (strcmp(sub, "passwd") == 0)
    rc = cmd_passwd(cli, s, err);
  else if (strcmp(sub, "token") == 0)
    rc = cmd_token(cli, s, err);
  else if (strcmp(sub, "tokens") == 0)
    rc = cmd_tokens(cli, s, err);
  else if (strcmp(sub, "role") == 0)
    rc = cmd_role(cli, s, err);
  else if (strcmp(sub, "record") == 0)
    rc = cmd_record(cli, s, err);
  else
    rc = cmd_revoke(cli, s, err);
  lg_store_close(s);
  return rc;
}

const lg_cmd_t lg_cmd_user = {
    .name = "user",
    .summary = "用户与 API 令牌 (add、list、disable、passwd、role、token ...)",
    .usage = "add LOGIN --role R [--dept D] [--level L] --division CODE [--enterprise E] "
             "[--name N] [--password-stdin]\n"
             "       landgov user list [--within CODE]\n"
             "       landgov user disable|enable LOGIN\n"
             "       landgov user passwd LOGIN [--password-stdin]\n"
             "       landgov user role LOGIN [--role R] [--dept D] [--level L] [--division CODE] "
             "[--enterprise E] [--name N]\n"
             "       landgov user token LOGIN [--name N] [--expires-days N]\n"
             "       landgov user tokens [LOGIN]\n"
             "       landgov user revoke-token ID\n"
             "       landgov user record   (为此前创建、尚无账本条目的账户补记)\n"
             "增、停用、启用、改密码、改角色都记入账本 (操作人: --actor, 或系统用户名 $USER)\n"
             "角色: clerk 受理窗口, reviewer 部门审查 (需 --dept), approver 审批 (需 --level "
             "county|city|province), admin 管理员, applicant 企业申请人 (需 --enterprise)",
    .options =
        "role=,dept=,level=,division=,enterprise=,name=,password-stdin,within=,expires-days=,"
        "actor=",
    .run = run,
};
