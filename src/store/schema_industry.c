/*
 * Schema of the industry module (src/industry, industrial land: standard land, commitments, per-mu evaluation): its tables,
 * numbered 120-139, in the one migration list of schema.c. The SQL
 * is the module's own (its tables are its own); it lives here because
 * the store runs every migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_industry = {NULL, 0};
