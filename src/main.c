/*
 * landgov: One Map of territorial spatial plans and the land-use approval
 * system built on it. Everything happens in the subcommands (src/cli).
 */
#include "cli/cli.h"

int main(int argc, char **argv) { return lg_cli_main(argc, argv); }
