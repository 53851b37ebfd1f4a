/*
 * The table of subcommands. To add one: write cmd_<name>.c exporting
 * `const lg_cmd_t lg_cmd_<name>` and list it here.
 */
#include "cli/cli_int.h"

extern const lg_cmd_t lg_cmd_init;
extern const lg_cmd_t lg_cmd_layers;
extern const lg_cmd_t lg_cmd_import;
extern const lg_cmd_t lg_cmd_export;
extern const lg_cmd_t lg_cmd_serve;
extern const lg_cmd_t lg_cmd_gen;
extern const lg_cmd_t lg_cmd_demo;
extern const lg_cmd_t lg_cmd_ledger;
extern const lg_cmd_t lg_cmd_check;
extern const lg_cmd_t lg_cmd_conflicts;
extern const lg_cmd_t lg_cmd_rules;
extern const lg_cmd_t lg_cmd_user;
extern const lg_cmd_t lg_cmd_backup;
extern const lg_cmd_t lg_cmd_settings;
extern const lg_cmd_t lg_cmd_case;
extern const lg_cmd_t lg_cmd_metrics;
extern const lg_cmd_t lg_cmd_policy;
extern const lg_cmd_t lg_cmd_store;
extern const lg_cmd_t lg_cmd_stock;
extern const lg_cmd_t lg_cmd_quota;
extern const lg_cmd_t lg_cmd_monitor;
extern const lg_cmd_t lg_cmd_industry;
extern const lg_cmd_t lg_cmd_consol;

const lg_cmd_t *const lg_commands[] = {
    &lg_cmd_init,    &lg_cmd_layers,    &lg_cmd_import, &lg_cmd_export,
    &lg_cmd_serve,   &lg_cmd_gen,       &lg_cmd_demo,   &lg_cmd_ledger,
    &lg_cmd_check,   &lg_cmd_conflicts, &lg_cmd_rules,  &lg_cmd_user,
    &lg_cmd_backup,  &lg_cmd_settings,  &lg_cmd_case,   &lg_cmd_metrics,
    &lg_cmd_policy,  &lg_cmd_store,     &lg_cmd_stock,  &lg_cmd_quota,
    &lg_cmd_monitor, &lg_cmd_industry,  &lg_cmd_consol, NULL,
};
