/*
 * Schema of the consol module (src/consol, land consolidation projects): its tables,
 * numbered 160-179, in the one migration list of schema.c. The SQL
 * is the module's own (its tables are its own); it lives here because
 * the store runs every migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_consol = {NULL, 0};
