/*
 * landgov serve: the web server (src/http) on the store named by --db,
 * with the web client's files. Runs until SIGINT or SIGTERM, then stops
 * cleanly: the workers finish their requests and close their store
 * connections.
 *
 * The web directory is --web, else $LANDGOV_WEB, else <directory of the
 * executable>/../web (a build tree inside the project), else ./web. The
 * browser libraries come from the node_modules folder beside it
 * ($LANDGOV_VENDOR overrides), served under /vendor/.
 *
 * Approval processes keep time here: a thread fires the engine's due
 * timers every second, and once at start, so that deadlines that passed
 * while no server ran are met at once (src/cases, lg_cases_ticker_start).
 * With LANDGOV_CLOCK_FILE set, the clock is read from that file on every
 * tick (tests move time with it; POST /api/admin/tick ticks at once).
 */
#include "auth/auth.h"
#include "cases/cases.h"
#include "cli/cli_int.h"
#include "http/http.h"
#include "quota/quota.h"
#include "stock/stock.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_dir(const char *p) {
  struct stat st;
  return p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Where the web client is; NULL when nowhere (the API still works). */
static char *find_web_dir(const char *given) {
  if (given) return lg_strdup(given);
  const char *env = getenv("LANDGOV_WEB");
  if (env && *env) return lg_strdup(env);
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      char *cand = lg_sprintf("%s/../web", exe);
      char real[PATH_MAX];
      if (is_dir(cand) && realpath(cand, real)) {
        lg_free(cand);
        return lg_strdup(real);
      }
      lg_free(cand);
    }
  }
  return is_dir("web") ? lg_strdup("web") : NULL;
}

static char *find_vendor_dir(const char *web) {
  const char *env = getenv("LANDGOV_VENDOR");
  if (env && *env) return lg_strdup(env);
  if (!web) return NULL;
  char *cand = lg_sprintf("%s/../node_modules", web);
  if (is_dir(cand)) return cand;
  lg_free(cand);
  return NULL;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  long long port = 8080, threads = 0;
  int rc = lg_cli_arg_int(cli, "port", &port, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "threads", &threads, err);
  if (rc) return rc;
  if (port < 0 || port > 65535)
    return lg_err_set(err, LG_EINVAL, "--port %lld 无效: 应在 0 到 65535 之间 (0 表示任选空闲端口)",
                      port);
  if (threads < 0 || threads > 256)
    return lg_err_set(err, LG_EINVAL, "--threads %lld 无效: 应在 1 到 256 之间", threads);
  const char *host = lg_cli_arg(cli, "host");
  if (!host) host = "127.0.0.1";

  /* Open once here: a missing store or a failed migration is reported
   * before the server starts, not on the first request. */
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, 0, &s, err))) return rc;
  /* The page needs a login (src/auth): say so if no one can log in yet. */
  lg_user_t *users = NULL;
  size_t nusers = 0;
  if (lg_auth_users(s, NULL, &users, &nusers, NULL) == 0 && nusers == 0)
    fprintf(stderr, "提示: 数据库中还没有用户, 网页需要登录; 请先添加管理员, 如: landgov user add "
                    "admin --role admin --division 360781\n");
  lg_free(users);
  lg_store_close(s);

  char *web = find_web_dir(lg_cli_arg(cli, "web"));
  if (web && !is_dir(web)) {
    rc = lg_err_set(err, LG_EINVAL, "网页目录 %s 不存在", web);
    lg_free(web);
    return rc;
  }
  char *vendor = find_vendor_dir(web);
  if (vendor && !is_dir(vendor)) {
    lg_free(vendor);
    vendor = NULL;
  }

  /* The workers inherit this mask, so the two signals reach only the
   * sigwait below; a client closing its socket must not kill us. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  lg_http_opts_t o = {
      .host = host,
      .port = (int)port,
      .threads = (int)threads,
      .db_path = cli->db_path,
      .db_read = lg_cli_arg(cli, "db-read"),
      .web_dir = web,
      .vendor_dir = vendor,
      .quiet = lg_cli_arg_flag(cli, "quiet"),
  };
  /* The process's service tasks, the quota bank's case watcher, and the
   * clock before the first request. */
  lg_cases_register_handlers();
  lg_stock_init(); /* handed-over cases become approvals */
  lg_quota_init();
  lg_cases_clock_sync();
  lg_cases_ticker_t *ticker = NULL;
  lg_http_t *h = NULL;
  rc = lg_http_start(&o, &h, err);
  if (rc == 0 && (rc = lg_cases_ticker_start(cli->db_path, 1.0, &ticker, err)) != 0) {
    lg_http_stop(h);
    h = NULL;
  }
  if (rc == 0) {
    bool v6 = strchr(host, ':') != NULL;
    char url[300];
    snprintf(url, sizeof url, "http://%s%s%s:%d/", v6 ? "[" : "", host, v6 ? "]" : "",
             lg_http_port(h));
    if (cli->json) {
      lg_cli_print_json(json_pack("{s:s, s:i, s:i, s:s, s:s?}", "url", url, "port", lg_http_port(h),
                                  "threads", lg_http_threads(h), "db", cli->db_path, "web", web));
    } else {
      printf("landgov 已启动: %s\n", url);
      printf("  数据库: %s\n  网页目录: %s\n  工作线程: %d\n  按 Ctrl+C 停止\n", cli->db_path,
             web ? web : "(无, 只提供接口)", lg_http_threads(h));
    }
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    if (!cli->json) printf("收到信号 %s, 正在停止...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    fflush(stdout);
    lg_cases_ticker_stop(ticker);
    lg_http_stop(h);
    if (!cli->json) printf("landgov 已停止\n");
  }
  lg_free(web);
  lg_free(vendor);
  return rc;
}

const lg_cmd_t lg_cmd_serve = {
    .name = "serve",
    .summary = "启动网页服务 (一张图与接口)",
    .usage =
        "[--host 127.0.0.1] [--port 8080] [--threads N] [--web DIR] [--quiet]\n"
        "       [--db-read postgresql://副本/库名]  (瓦片、要素查询和不保存的审查由只读副本答复)",
    .options = "host=,port=,threads=,web=,quiet,db-read=",
    .run = run,
};
