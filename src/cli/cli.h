/*
 * cli: landgov's command line. One file per subcommand, each exporting a
 * const lg_cmd_t; commands.c gathers them in one table that drives
 * dispatch and --help (as tmux does).
 *
 * Global options, accepted anywhere on the line: --db FILE (default
 * $LANDGOV_DB or ./landgov.gpkg), --json (print one JSON document on
 * stdout instead of Chinese tables), --help.
 */
#ifndef LG_CLI_H
#define LG_CLI_H

#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

#define LG_MAX_ARGS 64

typedef struct lg_cli_args {
  const char *pos[LG_MAX_ARGS]; /* positional arguments */
  int npos;
  struct {
    const char *name; /* without the leading "--" */
    const char *val;  /* NULL for flags */
  } opt[LG_MAX_ARGS];
  int nopt;
} lg_cli_args_t;

typedef struct lg_cli {
  const char *db_path; /* --db, LANDGOV_DB or ./landgov.gpkg */
  bool json;           /* --json */
  lg_cli_args_t args;  /* the command's own arguments */
  const char *argv0;
} lg_cli_t;

typedef struct lg_cmd {
  const char *name;
  const char *summary; /* one line, Chinese */
  const char *usage;   /* "FILE --layer NAME --role ROLE [--class-field F]" */
  /* Options the command takes, comma-separated; a trailing '=' means the
   * option takes a value: "layer=,role=,replace". */
  const char *options;
  int (*run)(lg_cli_t *cli, lg_err_t *err);
} lg_cmd_t;

/* Runs landgov with argv; returns the process exit code. */
int lg_cli_main(int argc, char **argv);

/* The value of --name, or NULL. */
const char *lg_cli_arg(const lg_cli_t *cli, const char *name);
bool lg_cli_arg_flag(const lg_cli_t *cli, const char *name);
/* Parses --name as an integer / double into *v; LG_EINVAL with a message
 * if malformed; leaves *v alone when absent. */
int lg_cli_arg_int(const lg_cli_t *cli, const char *name, long long *v, lg_err_t *err);
int lg_cli_arg_double(const lg_cli_t *cli, const char *name, double *v, lg_err_t *err);

/* Opens the store named by --db (creating it when flags has CREATE). */
int lg_cli_open(lg_cli_t *cli, int flags, lg_store_t **s, lg_err_t *err);

/* An ISO time of the API ("2026-03-02T16:00:00Z") as Beijing wall-clock
 * time for people ("2026-03-03 00:00"): midnight is 00:00 of the day it
 * begins, as a clock shows it; "" for none or a value that is no time. */
void lg_cli_local_time(const json_t *iso, char out[32]);

/* Prints a JSON value (and decrefs it) on stdout. */
void lg_cli_print_json(json_t *v);

/* Text tables for people: columns aligned by display width (CJK
 * characters take two columns). */
typedef struct lg_cli_table lg_cli_table_t;
lg_cli_table_t *lg_cli_table_new(int ncols, const char *const *headers);
void lg_cli_table_add(lg_cli_table_t *t, ...); /* ncols const char* values */
void lg_cli_table_addv(lg_cli_table_t *t, const char *const *values);
void lg_cli_table_print(lg_cli_table_t *t);
void lg_cli_table_free(lg_cli_table_t *t);
/* Display width of UTF-8 text in terminal columns. */
int lg_cli_display_width(const char *s);

#endif
