/*
 * Schema of the consol module (src/consol, land consolidation projects): its tables,
 * numbered 160-179, in the one migration list of schema.c. The SQL
 * is the module's own (its tables are its own); it lives here because
 * the store runs every migration when it opens.
 *
 * lg_consol_projects: the project library, one row a project with its
 * area (ISO WKB in srid), the control-line overlaps found at
 * registration (JSON text), its status and, once accepted, the
 * acceptance (JSON text: document, date, figures, the quota movements it
 * posted). lg_consol_acts: every status change, never edited.
 */
#include "store/store_int.h"

static const char consol_sql[] =
    "CREATE TABLE lg_consol_projects ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " type TEXT NOT NULL, division TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('registered', 'approved', 'implementing',"
    " 'accepted')),"
    " budget_fen INTEGER NOT NULL CHECK (budget_fen >= 0),"
    " start_on TEXT NOT NULL, end_on TEXT NOT NULL, area_m2 REAL NOT NULL,"
    " srid INTEGER NOT NULL, geom BLOB NOT NULL, controls TEXT NOT NULL, acceptance TEXT,"
    " note TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_consol_projects_division ON lg_consol_projects(division);"
    "CREATE TABLE lg_consol_acts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " project_id INTEGER NOT NULL REFERENCES lg_consol_projects(id), act TEXT NOT NULL,"
    " from_status TEXT, to_status TEXT NOT NULL, document TEXT, note TEXT,"
    " at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL);"
    "CREATE INDEX lg_consol_acts_project ON lg_consol_acts(project_id, id);"
    /* The policy resource "consol": staff read within their jurisdiction;
     * clerks, approvers and administrators register and advance
     * projects; the administrator also configures. Kept in step with the
     * seed table of src/auth/policy.c. */
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'consol', a.column1,"
    "  CASE WHEN r.column1 IN ('clerk', 'approver', 'admin')"
    "   AND a.column1 IN ('read', 'create', 'act') THEN 'jurisdiction'"
    "   WHEN r.column1 = 'reviewer' AND a.column1 = 'read' THEN 'jurisdiction'"
    "   WHEN r.column1 = 'admin' AND a.column1 = 'admin' THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";
static const char *const consol_tables[] = {"lg_consol_projects", "lg_consol_acts", NULL};
static const char *const consol_append_only[] = {"lg_consol_acts", NULL};

static const store_migration_t migrations[] = {
    {160, "consol: project library, status acts, policy consol", .sql = consol_sql,
     .attribute_tables = consol_tables, .append_only = consol_append_only},
};

const store_migrations_t lg_schema_consol = {migrations, LG_ARRAY_LEN(migrations)};
