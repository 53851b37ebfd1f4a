/*
 * Schema of the monitor module (src/monitor, monitoring, alerts and
 * enforcement): its tables, numbered 180-199, in the one migration list of
 * schema.c. The SQL is the module's own (its tables are its own); it lives
 * here because the store runs every migration when it opens.
 *
 * A monitoring batch (监测批次) is a set of change patches (卫片/遥感变化
 * 图斑) imported from a bureau's file into a feature layer of its own
 * (monitor_batch_<id>, kept as it came: each batch is a vintage, none
 * replaces another); lg_monitor_patches holds one row per patch with its
 * before and after class codes and, once detected, its verdict and the
 * areas it rests on. lg_monitor_alerts holds the alert of each suspect
 * patch with its state and deadline; lg_monitor_events every move of an
 * alert (who, why), never edited.
 */
#include "store/store_int.h"

static const char monitor_sql[] =
    "CREATE TABLE lg_monitor_batches ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, division TEXT NOT NULL,"
    " layer TEXT NOT NULL UNIQUE, source TEXT, srs INTEGER NOT NULL,"
    " patches INTEGER NOT NULL, area_m2 REAL NOT NULL, detected_at TEXT, detected_by TEXT,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_monitor_batches_division ON lg_monitor_batches(division);"
    "CREATE TABLE lg_monitor_patches ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch_id INTEGER NOT NULL REFERENCES lg_monitor_batches(id), fid INTEGER NOT NULL,"
    " patch_no TEXT NOT NULL, class_before TEXT NOT NULL, class_after TEXT NOT NULL,"
    " area_m2 REAL NOT NULL, verdict TEXT, approved_m2 REAL, unapproved_m2 REAL,"
    " pbf_m2 REAL, eprl_m2 REAL, refs TEXT, UNIQUE (batch_id, fid));"
    "CREATE TABLE lg_monitor_alerts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " patch_id INTEGER NOT NULL UNIQUE REFERENCES lg_monitor_patches(id),"
    " batch_id INTEGER NOT NULL REFERENCES lg_monitor_batches(id), division TEXT NOT NULL,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, deadline TEXT NOT NULL,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, updated_by TEXT NOT NULL);"
    "CREATE INDEX lg_monitor_alerts_division ON lg_monitor_alerts(division, state);"
    "CREATE TABLE lg_monitor_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " alert_id INTEGER NOT NULL REFERENCES lg_monitor_alerts(id),"
    " from_state TEXT NOT NULL, to_state TEXT NOT NULL, reason TEXT NOT NULL,"
    " actor TEXT NOT NULL, role TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE INDEX lg_monitor_events_alert ON lg_monitor_events(alert_id, id);"
    /* The policy resource "monitor": staff read, import and detect
     * (create) and move alerts (act) within their jurisdiction; the
     * administrator also configures; applicants and the public see none
     * of it. Kept in step with the seed table of src/auth/policy.c. */
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'monitor', a.column1,"
    "  CASE WHEN r.column1 IN ('clerk', 'reviewer', 'approver', 'admin')"
    "   AND a.column1 IN ('read', 'create', 'act') THEN 'jurisdiction'"
    "   WHEN r.column1 = 'admin' AND a.column1 = 'admin' THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";
static const char *const monitor_tables[] = {"lg_monitor_batches", "lg_monitor_patches",
                                             "lg_monitor_alerts", "lg_monitor_events", NULL};
static const char *const monitor_append_only[] = {"lg_monitor_events", NULL};

static const store_migration_t migrations[] = {
    {180, "monitor: change-patch batches, patches, alerts, enforcement events, policy monitor",
     .sql = monitor_sql, .attribute_tables = monitor_tables, .append_only = monitor_append_only},
};

const store_migrations_t lg_schema_monitor = {migrations, LG_ARRAY_LEN(migrations)};
