/*
 * Schema of the ogc module (src/ogc, layer versions on the ledger, OGC API Features and Tiles): its
 * tables, numbered 240-259, in the one migration list of schema.c. The SQL is the module's own (its
 * tables are its own); it lives here because the store runs every migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_ogc = {NULL, 0};
