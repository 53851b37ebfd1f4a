/*
 * Schema of the stock module (src/stock, approvals, supplies, the stock ledgers and idle land): its tables,
 * numbered 100-119, in the one migration list of schema.c. The SQL
 * is the module's own (its tables are its own); it lives here because
 * the store runs every migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_stock = {NULL, 0};
