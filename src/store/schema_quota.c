/*
 * Schema of the quota module (src/quota, the quota bank: accounts, movements, the market, enclave parks): its tables,
 * numbered 140-159, in the one migration list of schema.c. The SQL
 * is the module's own (its tables are its own); it lives here because
 * the store runs every migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_quota = {NULL, 0};
