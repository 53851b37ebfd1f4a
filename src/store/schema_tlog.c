/*
 * Schema of the tlog module (src/ledger, C2SP tlog-tiles, witnessing, cosignatures): its tables,
 * numbered 260-279, in the one migration list of schema.c. The SQL
 * is the module's own (its tables are its own); it lives here because
 * the store runs every migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_tlog = {NULL, 0};
