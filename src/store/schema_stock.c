/*
 * Schema of the stock module (src/stock, approvals, supplies, the stock
 * ledgers and idle land): its tables, numbered 100-119, in the one
 * migration list of schema.c. The SQL is the module's own (its tables are
 * its own); it lives here because the store runs every migration when it
 * opens.
 *
 * The geometries of approvals and supplies live in two feature layers the
 * module makes on first use (stock_approvals, stock_supplies: QGIS shows
 * them, the One Map colours them by status), whose fid is the id of the
 * row here. The rows hold what the law and the land-market monitoring
 * system record: lg_stock_approvals (批准文号, date, area, where it came
 * from: a handed-over case, a layer, a sheet), lg_stock_supplies (the
 * supply record as the monitoring system exports it, dates as Beijing
 * calendar dates "YYYY-MM-DD", the price in yuan), lg_stock_visits (site
 * visits, never edited: a new visit is a new row), lg_stock_acts (every
 * step of the Order 53 procedure and every disposal, with its numbered
 * document, never edited), lg_stock_plans (the reason, disposal method,
 * responsible unit and deadline the bureau records for a ledger entry,
 * each change a new row). The ledgers themselves are computed, never
 * stored. Counters number the documents per issuer, kind and year.
 */
#include "store/store_int.h"

static const char stock_sql[] =
    "CREATE TABLE lg_stock_approvals ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, approval_no TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('batch', 'single')),"
    " division TEXT NOT NULL, approved_on TEXT NOT NULL, declared_m2 REAL,"
    " area_m2 REAL NOT NULL, source TEXT NOT NULL, source_ref TEXT, case_id INTEGER UNIQUE,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_stock_approvals_division ON lg_stock_approvals(division);"
    "CREATE TABLE lg_stock_supplies ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, supervision_no TEXT NOT NULL UNIQUE,"
    " project TEXT NOT NULL, division TEXT NOT NULL, location TEXT,"
    " declared_m2 REAL NOT NULL CHECK (declared_m2 >= 0), area_m2 REAL NOT NULL,"
    " land_use TEXT NOT NULL, method TEXT NOT NULL, term_years REAL,"
    " price_yuan REAL CHECK (price_yuan >= 0), holder TEXT, contract_on TEXT NOT NULL,"
    " agreed_delivery_on TEXT, agreed_start_on TEXT NOT NULL, agreed_completion_on TEXT,"
    " actual_delivery_on TEXT, actual_start_on TEXT, actual_completion_on TEXT,"
    " approval_id INTEGER REFERENCES lg_stock_approvals(id), case_id INTEGER,"
    " source TEXT NOT NULL, source_ref TEXT, source_row INTEGER,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);"
    "CREATE INDEX lg_stock_supplies_division ON lg_stock_supplies(division);"
    "CREATE TABLE lg_stock_visits ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " supply_id INTEGER NOT NULL REFERENCES lg_stock_supplies(id), visited_on TEXT NOT NULL,"
    " developed_m2 REAL CHECK (developed_m2 >= 0),"
    " invested_wan REAL CHECK (invested_wan >= 0),"
    " total_investment_wan REAL CHECK (total_investment_wan >= 0),"
    " stopped_since TEXT, cause TEXT, started_on TEXT, completed_on TEXT,"
    " officer TEXT NOT NULL, note TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_stock_visits_supply ON lg_stock_visits(supply_id, visited_on);"
    "CREATE TABLE lg_stock_acts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " object_type TEXT NOT NULL CHECK (object_type IN ('supply', 'approval')),"
    " object_id INTEGER NOT NULL, act TEXT NOT NULL, acted_on TEXT NOT NULL,"
    " doc_kind TEXT, doc_no TEXT UNIQUE, file_id INTEGER, cause TEXT, method TEXT,"
    " new_date TEXT, amount_yuan REAL, note TEXT, articles TEXT NOT NULL DEFAULT '[]',"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_stock_acts_object ON lg_stock_acts(object_type, object_id, acted_on);"
    "CREATE TABLE lg_stock_plans ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind TEXT NOT NULL CHECK (kind IN ('unsupplied', 'unused', 'idle')),"
    " object_id INTEGER NOT NULL, reason TEXT, method TEXT NOT NULL, unit TEXT NOT NULL,"
    " deadline TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_stock_plans_object ON lg_stock_plans(kind, object_id, id);"
    "CREATE TABLE lg_stock_counters ("
    " kind TEXT NOT NULL, scope TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,"
    " PRIMARY KEY (kind, scope, year));"
    /* The policy resource "stock": staff read, record and act within
     * their jurisdiction (a county sees its own); the administrator also
     * configures; applicants and the public see none of it. Kept in step
     * with the seed table of src/auth/policy.c. */
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'stock', a.column1,"
    "  CASE WHEN r.column1 IN ('clerk', 'reviewer', 'approver', 'admin')"
    "   AND a.column1 IN ('read', 'create', 'act') THEN 'jurisdiction'"
    "   WHEN r.column1 = 'admin' AND a.column1 = 'admin' THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";
static const char *const stock_tables[] = {"lg_stock_approvals",
                                           "lg_stock_supplies",
                                           "lg_stock_visits",
                                           "lg_stock_acts",
                                           "lg_stock_plans",
                                           "lg_stock_counters",
                                           NULL};
static const char *const stock_append_only[] = {"lg_stock_visits", "lg_stock_acts",
                                                "lg_stock_plans", NULL};

static const store_migration_t migrations[] = {
    {100, "stock: approvals, supplies, site visits, Order 53 acts, ledger plans, policy stock",
     .sql = stock_sql, .attribute_tables = stock_tables, .append_only = stock_append_only},
};

const store_migrations_t lg_schema_stock = {migrations, LG_ARRAY_LEN(migrations)};
