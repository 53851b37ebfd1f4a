/*
 * Dispatch: global options, the command's own options checked against
 * what it declares, running it, and turning an error into a message on
 * stderr (and, with --json, an error document on stdout) and exit code 1.
 * Also the small output helpers every command uses.
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const lg_cmd_t *find_cmd(const char *name) {
  for (int i = 0; lg_commands[i]; i++)
    if (strcmp(lg_commands[i]->name, name) == 0) return lg_commands[i];
  return NULL;
}

static void usage_all(FILE *f) {
  fprintf(f, "landgov: 国土空间规划一张图与用地审批系统\n\n"
             "用法: landgov [--db FILE] [--json] <命令> [参数]\n\n命令:\n");
  for (int i = 0; lg_commands[i]; i++) {
    int w = lg_cli_display_width(lg_commands[i]->name);
    fprintf(f, "  %s%*s %s\n", lg_commands[i]->name, 12 - w, "", lg_commands[i]->summary);
  }
  fprintf(f, "\n全局选项:\n  --db FILE   数据库文件 (默认 $LANDGOV_DB 或 ./landgov.gpkg)\n"
             "  --json      以 JSON 输出结果\n  --help      显示帮助\n");
}

static void usage_cmd(FILE *f, const lg_cmd_t *c) {
  fprintf(f, "用法: landgov %s %s\n%s\n", c->name, c->usage ? c->usage : "", c->summary);
}

/* Looks name up in the command's option spec: 0 unknown, 1 flag, 2 takes a value. */
static int opt_kind(const lg_cmd_t *c, const char *name) {
  const char *p = c->options ? c->options : "";
  size_t n = strlen(name);
  while (*p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    size_t base = len && p[len - 1] == '=' ? len - 1 : len;
    if (base == n && strncmp(p, name, n) == 0) return base == len ? 1 : 2;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

static int parse_args(const lg_cmd_t *c, int argc, char **argv, lg_cli_args_t *a, lg_err_t *err) {
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (strncmp(s, "--", 2) == 0 && s[2]) {
      char name[64];
      const char *eq = strchr(s + 2, '=');
      size_t n = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
      snprintf(name, sizeof name, "%.*s", (int)n, s + 2);
      int kind = opt_kind(c, name);
      if (kind == 0)
        return lg_err_set(err, LG_EINVAL, "命令 %s 不认识选项 --%s (见 landgov %s --help)", c->name,
                          name, c->name);
      if (a->nopt == LG_MAX_ARGS) return lg_err_set(err, LG_EINVAL, "选项太多");
      a->opt[a->nopt].name = s + 2;
      if (kind == 2) {
        if (eq)
          a->opt[a->nopt].val = eq + 1;
        else if (i + 1 < argc)
          a->opt[a->nopt].val = argv[++i];
        else
          return lg_err_set(err, LG_EINVAL, "选项 --%s 需要一个值", name);
      } else if (eq) {
        return lg_err_set(err, LG_EINVAL, "选项 --%s 不带值", name);
      }
      /* Keep only the bare name: the option text is in argv, copy it. */
      a->opt[a->nopt].name = lg_strdup(name);
      a->nopt++;
    } else {
      if (a->npos == LG_MAX_ARGS) return lg_err_set(err, LG_EINVAL, "参数太多");
      a->pos[a->npos++] = s;
    }
  }
  return 0;
}

const char *lg_cli_arg(const lg_cli_t *cli, const char *name) {
  for (int i = cli->args.nopt - 1; i >= 0; i--)
    if (strcmp(cli->args.opt[i].name, name) == 0) return cli->args.opt[i].val;
  return NULL;
}

bool lg_cli_arg_flag(const lg_cli_t *cli, const char *name) {
  for (int i = 0; i < cli->args.nopt; i++)
    if (strcmp(cli->args.opt[i].name, name) == 0) return true;
  return false;
}

int lg_cli_arg_int(const lg_cli_t *cli, const char *name, long long *v, lg_err_t *err) {
  const char *s = lg_cli_arg(cli, name);
  if (!s) return 0;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return lg_err_set(err, LG_EINVAL, "选项 --%s 需要整数, 得到 \"%s\"", name, s);
  *v = x;
  return 0;
}

int lg_cli_arg_double(const lg_cli_t *cli, const char *name, double *v, lg_err_t *err) {
  const char *s = lg_cli_arg(cli, name);
  if (!s) return 0;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(x))
    return lg_err_set(err, LG_EINVAL, "选项 --%s 需要数值, 得到 \"%s\"", name, s);
  *v = x;
  return 0;
}

int lg_cli_open(lg_cli_t *cli, int flags, lg_store_t **s, lg_err_t *err) {
  return lg_store_open(cli->db_path, flags, s, err);
}

void lg_cli_local_time(const json_t *v, char out[32]) {
  int64_t t;
  out[0] = '\0';
  if (!json_is_string(v) || lg_time_parse_iso(json_string_value(v), &t, NULL) != 0) return;
  char iso[32];
  lg_time_iso(t + LG_TZ_CHINA, iso);
  snprintf(out, 32, "%.10s %.5s", iso, iso + 11);
}

void lg_cli_print_json(json_t *v) {
  char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENSURE_ASCII * 0 | JSON_REAL_PRECISION(15));
  if (s) {
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
  }
  json_decref(v);
}

int lg_cli_main(int argc, char **argv) {
  lg_cli_t cli = {0};
  lg_err_t err = {0};
  cli.argv0 = argv[0];
  cli.db_path = getenv("LANDGOV_DB");
  if (!cli.db_path || !*cli.db_path) cli.db_path = "landgov.gpkg";

  /* Pull out global options wherever they are; find the command. */
  char **rest = lg_calloc((size_t)argc + 1, sizeof *rest);
  int nrest = 0;
  bool help = false;
  const lg_cmd_t *cmd = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
      cli.db_path = argv[++i];
    else if (strncmp(argv[i], "--db=", 5) == 0)
      cli.db_path = argv[i] + 5;
    else if (strcmp(argv[i], "--json") == 0)
      cli.json = true;
    else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      help = true;
    else if (!cmd && argv[i][0] != '-') {
      cmd = find_cmd(argv[i]);
      if (!cmd) {
        fprintf(stderr, "landgov: 未知命令 \"%s\"\n\n", argv[i]);
        usage_all(stderr);
        lg_free(rest);
        return 2;
      }
    } else
      rest[nrest++] = argv[i];
  }
  if (!cmd) {
    usage_all(help ? stdout : stderr);
    lg_free(rest);
    return help ? 0 : 2;
  }
  if (help) {
    usage_cmd(stdout, cmd);
    lg_free(rest);
    return 0;
  }
  int rc = parse_args(cmd, nrest, rest, &cli.args, &err);
  if (rc == 0) rc = cmd->run(&cli, &err);
  for (int i = 0; i < cli.args.nopt; i++)
    lg_free((char *)cli.args.opt[i].name);
  lg_free(rest);
  if (rc != 0) {
    if (!err.msg[0]) lg_err_set(&err, rc, "命令 %s 失败", cmd->name);
    if (err.where[0])
      fprintf(stderr, "landgov %s: 错误: %s (位置: %s)\n", cmd->name, err.msg, err.where);
    else
      fprintf(stderr, "landgov %s: 错误: %s\n", cmd->name, err.msg);
    if (cli.json) {
      json_t *e =
          json_pack("{s:{s:s, s:s, s:s}}", "error", "code", lg_err_name(err.code ? err.code : rc),
                    "message", err.msg, "detail", err.where);
      lg_cli_print_json(e);
    }
    return 1;
  }
  return 0;
}

/* ---- Output helpers ----------------------------------------------------- */

int lg_cli_display_width(const char *s) {
  int w = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p;
    int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    unsigned cp = c;
    if (len > 1) {
      cp = c & (0xFF >> (len + 1));
      for (int i = 1; i < len && p[i]; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* East Asian wide and full-width ranges take two columns. */
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    for (int i = 0; i < len && *p; i++)
      p++;
  }
  return w;
}

struct lg_cli_table {
  int ncols;
  LG_VEC(char *) cells; /* row-major, header first */
};

lg_cli_table_t *lg_cli_table_new(int ncols, const char *const *headers) {
  lg_cli_table_t *t = lg_calloc(1, sizeof *t);
  t->ncols = ncols;
  lg_cli_table_addv(t, headers);
  return t;
}

void lg_cli_table_addv(lg_cli_table_t *t, const char *const *values) {
  for (int i = 0; i < t->ncols; i++)
    lg_vec_push(&t->cells, lg_strdup(values[i] ? values[i] : ""));
}

void lg_cli_table_add(lg_cli_table_t *t, ...) {
  va_list ap;
  va_start(ap, t);
  for (int i = 0; i < t->ncols; i++) {
    const char *v = va_arg(ap, const char *);
    lg_vec_push(&t->cells, lg_strdup(v ? v : ""));
  }
  va_end(ap);
}

void lg_cli_table_print(lg_cli_table_t *t) {
  int *w = lg_calloc((size_t)t->ncols, sizeof *w);
  size_t rows = t->cells.len / (size_t)t->ncols;
  for (size_t r = 0; r < rows; r++)
    for (int c = 0; c < t->ncols; c++) {
      int dw = lg_cli_display_width(t->cells.items[r * t->ncols + c]);
      if (dw > w[c]) w[c] = dw;
    }
  for (size_t r = 0; r < rows; r++) {
    for (int c = 0; c < t->ncols; c++) {
      const char *v = t->cells.items[r * t->ncols + c];
      printf("%s%s%*s", c ? "  " : "", v, c + 1 < t->ncols ? w[c] - lg_cli_display_width(v) : 0,
             "");
    }
    printf("\n");
    if (r == 0) {
      for (int c = 0; c < t->ncols; c++) {
        printf("%s", c ? "  " : "");
        for (int k = 0; k < w[c]; k++)
          putchar('-');
      }
      printf("\n");
    }
  }
  lg_free(w);
}

void lg_cli_table_free(lg_cli_table_t *t) {
  if (!t) return;
  for (size_t i = 0; i < t->cells.len; i++)
    lg_free(t->cells.items[i]);
  lg_free(t->cells.items);
  lg_free(t);
}

void lg_fmt_num(char *out, size_t n, double v, int decimals) {
  char raw[64];
  snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
  char *dot = strchr(raw, '.');
  size_t ilen = dot ? (size_t)(dot - raw) : strlen(raw);
  char buf[96];
  size_t j = 0;
  if (v < 0) buf[j++] = '-';
  for (size_t i = 0; i < ilen; i++) {
    if (i && (ilen - i) % 3 == 0) buf[j++] = ',';
    buf[j++] = raw[i];
  }
  snprintf(buf + j, sizeof buf - j, "%s", dot ? dot : "");
  snprintf(out, n, "%s", buf);
}
