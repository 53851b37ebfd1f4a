/* Internals shared by the files of the cli module. */
#ifndef LG_CLI_INT_H
#define LG_CLI_INT_H

#include "cli/cli.h"

extern const lg_cmd_t *const lg_commands[];

/* Formats numbers for tables: "1,234.5678". */
void lg_fmt_num(char *out, size_t n, double v, int decimals);

#endif
