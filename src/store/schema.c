/*
 * Schema migrations, numbered and applied in order, each in its own
 * transaction, recorded in lg_migrations. A migration is SQL, a function,
 * or both. To change the schema, append a migration; never edit one that
 * has shipped.
 *
 * The migrations of the modules added after the approval cases (files,
 * stock, quota, industry, consol, monitor, docs, ogc, tlog) live in schema_<module>.c, one
 * file each, each module with its own range of numbers; migrations_all()
 * puts them in one list, in order of their numbers.
 *
 * Migration 1 makes the file a GeoPackage 1.3 (OGC 12-128r15, clauses
 * 1.1.2-1.1.3 and 2.1.5, F.3): application_id 'GPKG', user_version 10300,
 * gpkg_spatial_ref_sys with the three required rows, gpkg_contents,
 * gpkg_geometry_columns and gpkg_extensions.
 */
#include "store/store_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef store_migration_t migration_t;

/* What makes the SQLite file a GeoPackage, and nothing to PostgreSQL. */
static const char gpkg_pragmas_sql[] = "PRAGMA application_id = 1196444487;" /* 'GPKG' */
                                       "PRAGMA user_version = 10300;";

/* The GeoPackage catalogue. On PostgreSQL the same tables are the layer
 * catalogue too (PostGIS's geometry_columns view and spatial_ref_sys
 * serve other GIS tools; these serve landgov, identically on both
 * backends, and make store copy a table copy). */
static const char gpkg_core_sql[] =
    "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys ("
    " srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,"
    " organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);"
    "INSERT INTO gpkg_spatial_ref_sys VALUES"
    " ('Undefined Cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined Cartesian coordinate "
    "reference system'),"
    " ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate "
    "reference system'),"
    " ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS "
    "84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM["
    "\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY["
    "\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\","
    "\"4326\"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')"
    " ON CONFLICT DO NOTHING;"
    "CREATE TABLE IF NOT EXISTS gpkg_contents ("
    " table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,"
    " description TEXT DEFAULT '',"
    " last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    " min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,"
    " CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));"
    "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns ("
    " table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,"
    " srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,"
    " CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
    " CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
    " CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
    " CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    "CREATE TABLE IF NOT EXISTS gpkg_extensions ("
    " table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,"
    " scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));";

static const char catalogue_sql[] =
    "CREATE TABLE lg_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE lg_layers ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE REFERENCES gpkg_contents(table_name),"
    " title TEXT, role TEXT NOT NULL, class_field TEXT, geom_type TEXT NOT NULL,"
    " srs_id INTEGER NOT NULL, feature_count INTEGER NOT NULL DEFAULT 0,"
    " source TEXT, meta TEXT, imported_at TEXT NOT NULL);";
static const char *const catalogue_tables[] = {"lg_settings", "lg_layers", NULL};

/* The CGCS2000 systems a Chinese bureau meets (DOMAIN.md section 4):
 * geographic EPSG:4490, Gauss-Kruger 6-degree zones 4491-4512, 3-degree
 * zones 4513-4554, and Web Mercator for web maps. */
static int add_cgcs2000(lg_store_t *s, lg_err_t *err) {
  int rc = lg_store_ensure_srs(s, 4490, err);
  for (int code = 4491; rc == 0 && code <= 4554; code++)
    rc = lg_store_ensure_srs(s, code, err);
  if (rc == 0) rc = lg_store_ensure_srs(s, 3857, err);
  return rc;
}

/* The verifiable approval ledger (src/ledger): entries are the leaves of
 * an RFC 6962 Merkle tree, lg_ledger_nodes its complete perfect subtrees
 * (id = level << 48 | index; level and idx are computed columns for
 * people reading the file), lg_ledger_checkpoints every signed tree head.
 * Peers and witnessed checkpoints are other regions' logs this one
 * co-signs. The triggers make the log append-only for the application;
 * what they cannot stop, `landgov ledger verify` and `audit` reveal. */
static const char ledger_sql[] =
    "CREATE TABLE lg_ledger_entries ("
    " idx INTEGER PRIMARY KEY, entry TEXT NOT NULL, leaf_hash BLOB NOT NULL,"
    " object_type TEXT NOT NULL, object_id TEXT NOT NULL);"
    "CREATE INDEX lg_ledger_entries_object ON lg_ledger_entries(object_type, object_id, idx);"
    "CREATE TABLE lg_ledger_nodes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL);"
    "CREATE TABLE lg_ledger_checkpoints ("
    " size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL);"
    "CREATE TABLE lg_ledger_peers ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL UNIQUE, vkey TEXT NOT NULL,"
    " source TEXT, added_at TEXT NOT NULL);"
    "CREATE TABLE lg_ledger_witnessed ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL, size INTEGER NOT NULL,"
    " root BLOB NOT NULL, note TEXT NOT NULL, witnessed_at TEXT NOT NULL, UNIQUE(origin, size));";
static const char ledger_sqlite_sql[] =
    "ALTER TABLE lg_ledger_nodes ADD COLUMN level INTEGER AS (id >> 48) VIRTUAL;"
    "ALTER TABLE lg_ledger_nodes ADD COLUMN idx INTEGER AS (id & 281474976710655) VIRTUAL;";
static const char ledger_pg_sql[] =
    "ALTER TABLE lg_ledger_nodes ADD COLUMN level BIGINT GENERATED ALWAYS AS (id >> 48) STORED;"
    "ALTER TABLE lg_ledger_nodes ADD COLUMN idx BIGINT"
    " GENERATED ALWAYS AS (id & 281474976710655) STORED;";
static const char *const ledger_append_only[] = {"lg_ledger_entries", "lg_ledger_nodes",
                                                 "lg_ledger_checkpoints", NULL};
static const char *const ledger_tables[] = {"lg_ledger_entries",     "lg_ledger_nodes",
                                            "lg_ledger_checkpoints", "lg_ledger_peers",
                                            "lg_ledger_witnessed",   NULL};

/* The compliance check (src/review): every version of the rule set, never
 * edited (a report names the version it used), and every saved check with
 * its input boundary (a GeoPackage geometry blob), its report JSON and who
 * made it (division, enterprise, account) for the permission policy. */
static const char review_sql[] =
    "CREATE TABLE lg_rule_sets ("
    " version INTEGER PRIMARY KEY, name TEXT, body TEXT NOT NULL, actor TEXT, note TEXT,"
    " created_at TEXT NOT NULL);"
    "CREATE TABLE lg_checks ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, actor TEXT,"
    " name TEXT, use_code TEXT, project_type TEXT, verdict TEXT, area_m2 REAL,"
    " rule_set_version INTEGER, srs_id INTEGER, source TEXT, boundary BLOB,"
    " division TEXT, enterprise TEXT, user_id INTEGER,"
    " report TEXT NOT NULL);"
    "CREATE INDEX lg_checks_created ON lg_checks(created_at);"
    "CREATE INDEX lg_checks_division ON lg_checks(division);";
static const char *const review_tables[] = {"lg_rule_sets", "lg_checks", NULL};
static const char *const review_immutable[] = {"lg_rule_sets", NULL};

/* Accounts and permissions (src/auth; auth.h tells the whole story).
 * Passwords are argon2id strings, session and API tokens are kept only as
 * SHA-256 digests, times in sessions and throttling are Unix seconds.
 * lg_auth_policy is the one policy table: a row (role, resource, action,
 * scope) for every cell, seeded here from the same letter matrix that
 * auth.h shows (a all, j jurisdiction, o own, - none; read/create/act/
 * admin). lg_departments lists the joint review's members; a bureau may
 * add its own. The settings are the defaults of GB/T 22239-2019 8.1.4.1
 * practice: 5 failures in 15 minutes lock for 15, idle sessions end after
 * 30 minutes, passwords of at least 8 characters. */
static const char auth_sql[] =
    "CREATE TABLE lg_departments ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL);"
    "INSERT INTO lg_departments(code, title) VALUES"
    " ('natural_resources', '自然资源'), ('agriculture', '农业农村'), ('ecology', '生态环境'),"
    " ('forestry', '林业和草原'), ('water', '水利'), ('housing', '住房和城乡建设'),"
    " ('development', '发展和改革'), ('transport', '交通运输'), ('culture', '文化和旅游(文物)'),"
    " ('emergency', '应急管理');"
    "CREATE TABLE lg_users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL DEFAULT '', pw_hash TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('clerk','reviewer','approver','admin','applicant')),"
    " dept TEXT REFERENCES lg_departments(code),"
    " level TEXT CHECK (level IS NULL OR level IN ('county','city','province')),"
    " division TEXT NOT NULL, enterprise TEXT, disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, pw_changed_at TEXT NOT NULL);"
    "CREATE INDEX lg_users_division ON lg_users(division);"
    "CREATE TABLE lg_sessions ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash BLOB NOT NULL UNIQUE,"
    " user_id INTEGER NOT NULL REFERENCES lg_users(id), csrf TEXT NOT NULL, address TEXT,"
    " created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE INDEX lg_sessions_user ON lg_sessions(user_id);"
    "CREATE TABLE lg_api_tokens ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash BLOB NOT NULL UNIQUE,"
    " user_id INTEGER NOT NULL REFERENCES lg_users(id), name TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL, last_used INTEGER, expires_at INTEGER, revoked_at INTEGER);"
    "CREATE TABLE lg_login_attempts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, login TEXT NOT NULL,"
    " address TEXT, outcome TEXT NOT NULL);"
    "CREATE INDEX lg_login_attempts_login ON lg_login_attempts(login, at);"
    "CREATE INDEX lg_login_attempts_address ON lg_login_attempts(address, at);"
    "CREATE TABLE lg_login_locks ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " until INTEGER NOT NULL, UNIQUE(kind, key));"
    "CREATE TABLE lg_auth_policy ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, resource TEXT NOT NULL,"
    " action TEXT NOT NULL CHECK (action IN ('read','create','act','admin')),"
    " scope TEXT NOT NULL CHECK (scope IN ('none','own','jurisdiction','all')),"
    " UNIQUE(role, resource, action));"
    "WITH m(role, resource, s) AS (VALUES"
    /*             clerk     reviewer     approver     admin     applicant     public */
    " ('clerk','layer','a---'),   ('reviewer','layer','a---'),   ('approver','layer','a---'),"
    "   ('admin','layer','ajjj'),   ('applicant','layer','----'),   ('public','layer','----'),"
    " ('clerk','feature','a---'), ('reviewer','feature','a---'), ('approver','feature','a---'),"
    "   ('admin','feature','ajjj'), ('applicant','feature','----'), ('public','feature','----'),"
    " ('clerk','check','jj--'),   ('reviewer','check','jj--'),   ('approver','check','jj--'),"
    "   ('admin','check','jj-j'),   ('applicant','check','oo--'),   ('public','check','----'),"
    " ('clerk','case','jjj-'),    ('reviewer','case','j---'),    ('approver','case','j---'),"
    "   ('admin','case','j--j'),    ('applicant','case','ooo-'),    ('public','case','----'),"
    " ('clerk','task','j-j-'),    ('reviewer','task','j-j-'),    ('approver','task','j-j-'),"
    "   ('admin','task','j--j'),    ('applicant','task','o-o-'),    ('public','task','----'),"
    " ('clerk','ledger','j---'),  ('reviewer','ledger','j---'),  ('approver','ledger','j---'),"
    "   ('admin','ledger','j--j'),  ('applicant','ledger','o---'),  ('public','ledger','----'),"
    " ('clerk','user','o-o-'),    ('reviewer','user','o-o-'),    ('approver','user','o-o-'),"
    "   ('admin','user','jjjj'),    ('applicant','user','o-o-'),    ('public','user','----'),"
    " ('clerk','rules','a---'),   ('reviewer','rules','a---'),   ('approver','rules','a---'),"
    "   ('admin','rules','ajjj'),   ('applicant','rules','a---'),   ('public','rules','----'),"
    " ('clerk','process','a---'), ('reviewer','process','a---'), ('approver','process','a---'),"
    "   ('admin','process','ajjj'), ('applicant','process','a---'), ('public','process','----'),"
    " ('clerk','notice','ajj-'),  ('reviewer','notice','a---'),  ('approver','notice','a---'),"
    "   ('admin','notice','ajjj'),  ('applicant','notice','a---'),  ('public','notice','a---'),"
    " ('clerk','progress','a---'), ('reviewer','progress','a---'), ('approver','progress','a---'),"
    "   ('admin','progress','a---'), ('applicant','progress','a---'), "
    "('public','progress','a---')),"
    " a(action, pos) AS (VALUES ('read', 1), ('create', 2), ('act', 3), ('admin', 4))"
    " INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT role, resource, action, CASE substr(s, pos, 1) WHEN 'a' THEN 'all'"
    "  WHEN 'j' THEN 'jurisdiction' WHEN 'o' THEN 'own' ELSE 'none' END FROM m, a;"
    "INSERT INTO lg_settings(key, value) VALUES"
    " ('auth.throttle_max', '5'), ('auth.throttle_window_s', '900'),"
    " ('auth.throttle_lock_s', '900'), ('auth.session_idle_s', '1800'),"
    " ('auth.session_max_s', '43200'), ('auth.password_min_len', '8') ON CONFLICT DO NOTHING;";
static const char *const auth_tables[] = {
    "lg_departments",    "lg_users",       "lg_sessions",    "lg_api_tokens",
    "lg_login_attempts", "lg_login_locks", "lg_auth_policy", NULL};

/* The ledger's signed checkpoints, its public keys and its consistency
 * proofs (GET /api/ledger, /key, /checkpoint, /consistency, /witnessed)
 * carry hashes and signatures only, and a transparency log is worth what
 * anyone can check of it: other regions' witnesses fetch them without an
 * account. They are the policy resource "checkpoint", readable by every
 * role including the public; the entries themselves stay "ledger". */
static const char auth_checkpoint_sql[] =
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'checkpoint', a.column1,"
    "  CASE a.column1 WHEN 'read' THEN 'all' ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";

/* Store-wide administration (src/auth/admin.c). The policy table and the
 * settings decide for every county at once: their policy resources
 * "policy" and "setting" give administrators read and admin by
 * jurisdiction, and admin is asked about the whole store's division, so
 * only an administrator whose jurisdiction holds the whole store changes
 * them; nobody else sees them. Login throttling gets a limit per address
 * of its own, higher than the per-login one (src/auth/session.c says
 * why). */
static const char auth_admin_sql[] =
    "INSERT INTO lg_settings(key, value) VALUES"
    " ('auth.throttle_address_failures', '50') ON CONFLICT DO NOTHING;"
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, res.column1, a.column1,"
    "  CASE WHEN r.column1 = 'admin' AND a.column1 IN ('read', 'admin') THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('policy'), ('setting')) res,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";

/* The process engine (src/flow): BPMN definitions (every deployed version
 * kept, never edited: a running instance keeps the version it started
 * with), instances with their variables (JSON), the tokens that mark
 * where each instance stands, user tasks, what instances wait for (timers
 * with their due time, messages with their name), and the history of
 * every transition (append-only). Times are ISO 8601 UTC text, which
 * sorts as it compares. */
static const char flow_sql[] =
    "CREATE TABLE lg_flow_definitions ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, version INTEGER NOT NULL,"
    " name TEXT, xml TEXT NOT NULL, sha256 TEXT NOT NULL, deployed_at TEXT NOT NULL,"
    " deployed_by TEXT NOT NULL, UNIQUE(key, version));"
    "CREATE TABLE lg_flow_instances ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " definition_id INTEGER NOT NULL REFERENCES lg_flow_definitions(id), business_key TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'terminated', 'cancelled')),"
    " variables TEXT NOT NULL DEFAULT '{}', started_at TEXT NOT NULL, started_by TEXT NOT NULL,"
    " ended_at TEXT, end_node TEXT);"
    "CREATE INDEX lg_flow_instances_status ON lg_flow_instances(status);"
    "CREATE INDEX lg_flow_instances_business_key ON lg_flow_instances(business_key);"
    "CREATE TABLE lg_flow_tokens ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " instance_id INTEGER NOT NULL REFERENCES lg_flow_instances(id), node TEXT NOT NULL,"
    " via TEXT, state TEXT NOT NULL CHECK (state IN ('wait', 'join')), created_at TEXT NOT NULL);"
    "CREATE INDEX lg_flow_tokens_instance ON lg_flow_tokens(instance_id, node);"
    "CREATE TABLE lg_flow_tasks ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " instance_id INTEGER NOT NULL REFERENCES lg_flow_instances(id), token_id INTEGER NOT NULL,"
    " node TEXT NOT NULL, name TEXT, candidate_groups TEXT NOT NULL DEFAULT '[]', assignee TEXT,"
    " loop_index INTEGER, element TEXT,"
    " status TEXT NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),"
    " outcome TEXT, actor TEXT, vars TEXT, created_at TEXT NOT NULL, due_at TEXT,"
    " completed_at TEXT);"
    "CREATE INDEX lg_flow_tasks_instance ON lg_flow_tasks(instance_id, status);"
    "CREATE INDEX lg_flow_tasks_status ON lg_flow_tasks(status, due_at);"
    "CREATE TABLE lg_flow_waits ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " instance_id INTEGER NOT NULL REFERENCES lg_flow_instances(id), token_id INTEGER NOT NULL,"
    " node TEXT NOT NULL, source TEXT NOT NULL CHECK (source IN ('boundary', 'catch', 'gateway',"
    " 'receive')), kind TEXT NOT NULL CHECK (kind IN ('timer', 'message')), message TEXT,"
    " due_at TEXT, status TEXT NOT NULL CHECK (status IN ('pending', 'fired', 'cancelled')),"
    " created_at TEXT NOT NULL, fired_at TEXT, error TEXT);"
    "CREATE INDEX lg_flow_waits_due ON lg_flow_waits(status, kind, due_at);"
    "CREATE INDEX lg_flow_waits_instance ON lg_flow_waits(instance_id, status);"
    "CREATE TABLE lg_flow_history ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " instance_id INTEGER NOT NULL REFERENCES lg_flow_instances(id), at TEXT NOT NULL,"
    " actor TEXT NOT NULL, event TEXT NOT NULL, node TEXT, flow TEXT, task_id INTEGER,"
    " detail TEXT);"
    "CREATE INDEX lg_flow_history_instance ON lg_flow_history(instance_id, id);";
static const char *const flow_tables[] = {"lg_flow_definitions",
                                          "lg_flow_instances",
                                          "lg_flow_tokens",
                                          "lg_flow_tasks",
                                          "lg_flow_waits",
                                          "lg_flow_history",
                                          NULL};
static const char *const flow_immutable[] = {"lg_flow_definitions", NULL};
static const char *const flow_append_only[] = {"lg_flow_history", NULL};

/* The working-day calendar (src/flow, src/core/workdays.c): the days that
 * differ from a Monday-to-Friday week, as the State Council publishes
 * them each year, seeded with 2025 and 2026. Administrators add the next
 * year's notice when it appears (lg_flow_calendar_set). */
static const char calendar_sql[] =
    "CREATE TABLE lg_work_calendar ("
    " day TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),"
    " name TEXT, source TEXT);"
    "WITH n(src) AS (VALUES ('国务院办公厅关于2025年部分节假日安排的通知 "
    "(国办发明电〔2024〕12号)'))"
    " INSERT INTO lg_work_calendar(day, kind, name, source)"
    " SELECT v.column1, v.column2, v.column3, src FROM n, (VALUES"
    " ('2025-01-01', 'holiday', '元旦'),"
    " ('2025-01-26', 'workday', '春节调休上班'),"
    " ('2025-01-28', 'holiday', '春节'), ('2025-01-29', 'holiday', '春节'),"
    " ('2025-01-30', 'holiday', '春节'), ('2025-01-31', 'holiday', '春节'),"
    " ('2025-02-01', 'holiday', '春节'), ('2025-02-02', 'holiday', '春节'),"
    " ('2025-02-03', 'holiday', '春节'), ('2025-02-04', 'holiday', '春节'),"
    " ('2025-02-08', 'workday', '春节调休上班'),"
    " ('2025-04-04', 'holiday', '清明节'), ('2025-04-05', 'holiday', '清明节'),"
    " ('2025-04-06', 'holiday', '清明节'),"
    " ('2025-04-27', 'workday', '劳动节调休上班'),"
    " ('2025-05-01', 'holiday', '劳动节'), ('2025-05-02', 'holiday', '劳动节'),"
    " ('2025-05-03', 'holiday', '劳动节'), ('2025-05-04', 'holiday', '劳动节'),"
    " ('2025-05-05', 'holiday', '劳动节'),"
    " ('2025-05-31', 'holiday', '端午节'), ('2025-06-01', 'holiday', '端午节'),"
    " ('2025-06-02', 'holiday', '端午节'),"
    " ('2025-09-28', 'workday', '国庆节调休上班'),"
    " ('2025-10-01', 'holiday', '国庆节、中秋节'), ('2025-10-02', 'holiday', '国庆节、中秋节'),"
    " ('2025-10-03', 'holiday', '国庆节、中秋节'), ('2025-10-04', 'holiday', '国庆节、中秋节'),"
    " ('2025-10-05', 'holiday', '国庆节、中秋节'), ('2025-10-06', 'holiday', '国庆节、中秋节'),"
    " ('2025-10-07', 'holiday', '国庆节、中秋节'), ('2025-10-08', 'holiday', '国庆节、中秋节'),"
    " ('2025-10-11', 'workday', '国庆节调休上班')) AS v;"
    "WITH n(src) AS (VALUES ('国务院办公厅关于2026年部分节假日安排的通知 (2025年11月4日)'))"
    " INSERT INTO lg_work_calendar(day, kind, name, source)"
    " SELECT v.column1, v.column2, v.column3, src FROM n, (VALUES"
    " ('2026-01-01', 'holiday', '元旦'), ('2026-01-02', 'holiday', '元旦'),"
    " ('2026-01-03', 'holiday', '元旦'),"
    " ('2026-01-04', 'workday', '元旦调休上班'),"
    " ('2026-02-14', 'workday', '春节调休上班'),"
    " ('2026-02-15', 'holiday', '春节'), ('2026-02-16', 'holiday', '春节'),"
    " ('2026-02-17', 'holiday', '春节'), ('2026-02-18', 'holiday', '春节'),"
    " ('2026-02-19', 'holiday', '春节'), ('2026-02-20', 'holiday', '春节'),"
    " ('2026-02-21', 'holiday', '春节'), ('2026-02-22', 'holiday', '春节'),"
    " ('2026-02-23', 'holiday', '春节'),"
    " ('2026-02-28', 'workday', '春节调休上班'),"
    " ('2026-04-04', 'holiday', '清明节'), ('2026-04-05', 'holiday', '清明节'),"
    " ('2026-04-06', 'holiday', '清明节'),"
    " ('2026-05-01', 'holiday', '劳动节'), ('2026-05-02', 'holiday', '劳动节'),"
    " ('2026-05-03', 'holiday', '劳动节'), ('2026-05-04', 'holiday', '劳动节'),"
    " ('2026-05-05', 'holiday', '劳动节'),"
    " ('2026-05-09', 'workday', '劳动节调休上班'),"
    " ('2026-06-19', 'holiday', '端午节'), ('2026-06-20', 'holiday', '端午节'),"
    " ('2026-06-21', 'holiday', '端午节'),"
    " ('2026-09-20', 'workday', '国庆节调休上班'),"
    " ('2026-09-25', 'holiday', '中秋节'), ('2026-09-26', 'holiday', '中秋节'),"
    " ('2026-09-27', 'holiday', '中秋节'),"
    " ('2026-10-01', 'holiday', '国庆节'), ('2026-10-02', 'holiday', '国庆节'),"
    " ('2026-10-03', 'holiday', '国庆节'), ('2026-10-04', 'holiday', '国庆节'),"
    " ('2026-10-05', 'holiday', '国庆节'), ('2026-10-06', 'holiday', '国庆节'),"
    " ('2026-10-07', 'holiday', '国庆节'),"
    " ('2026-10-10', 'workday', '国庆节调休上班')) AS v;";
static const char *const calendar_tables[] = {"lg_work_calendar", NULL};

/* Limits on requests and imports (src/http/limits.c, src/formats/import.c
 * say why each default is what it is), written out so that an
 * administrator sees them and can change them (landgov settings). */
static const char limits_sql[] =
    "INSERT INTO lg_settings(key, value) VALUES"
    " ('limits.body_bytes', '4194304'), ('limits.upload_bytes', '33554432'),"
    " ('limits.json_depth', '32'), ('limits.geometry_vertices', '100000'),"
    " ('limits.request_ms', '30000'), ('limits.idle_timeout_s', '60'),"
    " ('limits.import_features', '2000000') ON CONFLICT DO NOTHING;";

/* Approval cases (src/cases): the case with its project boundary (a
 * GeoPackage geometry blob in the CRS it arrived in, its SHA-256 for
 * mutual recognition of checks, planar and ellipsoidal areas), every
 * county it crosses, its materials checklist with the state of each item
 * (容缺: deferred until due_at), penalties, statutory notices with their
 * periods, the steps of its process as rows for queues and measures, the
 * checks it ran or reused, and an append-only journal of what people and
 * handlers did to it. Counters give case codes and approval document
 * numbers, sequential per division and year. Times are ISO 8601 UTC. */
static const char cases_sql[] =
    "CREATE TABLE lg_cases ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
    " project_type TEXT NOT NULL, use_code TEXT, enterprise TEXT, applicant TEXT,"
    " rating TEXT NOT NULL CHECK (rating IN ('A', 'B', 'C', 'D')),"
    " investment REAL NOT NULL DEFAULT 0 CHECK (investment >= 0),"
    " division TEXT NOT NULL, divisions TEXT NOT NULL DEFAULT '[]',"
    " departments TEXT NOT NULL DEFAULT '[]', boundary BLOB NOT NULL, srs_id INTEGER NOT NULL,"
    " boundary_sha256 TEXT NOT NULL, boundary_format TEXT, boundary_source TEXT,"
    " planar_m2 REAL, ellipsoidal_m2 REAL, status TEXT NOT NULL, instance_id INTEGER,"
    " check_id INTEGER, verdict TEXT, level TEXT, document_no TEXT UNIQUE,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL, user_id INTEGER,"
    " updated_at TEXT NOT NULL, decided_at TEXT, handed_over_at TEXT);"
    "CREATE INDEX lg_cases_division ON lg_cases(division);"
    "CREATE INDEX lg_cases_status ON lg_cases(status);"
    "CREATE INDEX lg_cases_enterprise ON lg_cases(enterprise);"
    "CREATE INDEX lg_cases_instance ON lg_cases(instance_id);"
    "CREATE TABLE lg_case_divisions ("
    " case_id INTEGER NOT NULL REFERENCES lg_cases(id), division TEXT NOT NULL, m2 REAL,"
    " share REAL, PRIMARY KEY (case_id, division));"
    "CREATE INDEX lg_case_divisions_division ON lg_case_divisions(division, case_id);"
    "CREATE TABLE lg_case_materials ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL REFERENCES lg_cases(id),"
    " kind TEXT NOT NULL, name TEXT NOT NULL, core INTEGER NOT NULL, required INTEGER NOT NULL,"
    " basis TEXT, state TEXT NOT NULL CHECK (state IN ('submitted', 'deferred', 'supplied',"
    " 'missing')), due_at TEXT, supplied_at TEXT, supplied_by TEXT, UNIQUE (case_id, kind));"
    "CREATE TABLE lg_case_penalties ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL REFERENCES lg_cases(id),"
    " kind TEXT NOT NULL, investment REAL NOT NULL, rate REAL NOT NULL, amount REAL NOT NULL,"
    " rule TEXT NOT NULL, basis TEXT, materials TEXT, created_at TEXT NOT NULL);"
    "CREATE INDEX lg_case_penalties_case ON lg_case_penalties(case_id);"
    "CREATE TABLE lg_case_notices ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL REFERENCES lg_cases(id),"
    " kind TEXT NOT NULL, title TEXT NOT NULL, start_at TEXT NOT NULL, end_at TEXT,"
    " period TEXT, basis TEXT, text TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE INDEX lg_case_notices_case ON lg_case_notices(case_id);"
    "CREATE TABLE lg_case_steps ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL REFERENCES lg_cases(id),"
    " task_id INTEGER NOT NULL UNIQUE, node TEXT NOT NULL, name TEXT, groups TEXT,"
    " department TEXT, level TEXT, division TEXT, status TEXT NOT NULL, outcome TEXT,"
    " actor TEXT, created_at TEXT NOT NULL, due_at TEXT, completed_at TEXT);"
    "CREATE INDEX lg_case_steps_case ON lg_case_steps(case_id);"
    "CREATE INDEX lg_case_steps_open ON lg_case_steps(status, department, due_at);"
    "CREATE TABLE lg_case_checks ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL REFERENCES lg_cases(id),"
    " check_id INTEGER NOT NULL, boundary_sha256 TEXT NOT NULL, project_type TEXT,"
    " use_code TEXT, rule_set_version INTEGER NOT NULL, division TEXT NOT NULL,"
    " verdict TEXT NOT NULL, reused INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);"
    "CREATE INDEX lg_case_checks_digest ON lg_case_checks(boundary_sha256, rule_set_version);"
    "CREATE TABLE lg_case_events ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, case_id INTEGER NOT NULL REFERENCES lg_cases(id),"
    " at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT, event TEXT NOT NULL, task_id INTEGER,"
    " node TEXT, detail TEXT);"
    "CREATE INDEX lg_case_events_case ON lg_case_events(case_id, id);"
    "CREATE TABLE lg_case_counters ("
    " kind TEXT NOT NULL, scope TEXT NOT NULL, year INTEGER NOT NULL, last INTEGER NOT NULL,"
    " PRIMARY KEY (kind, scope, year));";
static const char *const cases_tables[] = {"lg_cases",          "lg_case_divisions",
                                           "lg_case_materials", "lg_case_penalties",
                                           "lg_case_notices",   "lg_case_steps",
                                           "lg_case_checks",    "lg_case_events",
                                           "lg_case_counters",  NULL};
static const char *const cases_append_only[] = {"lg_case_events", NULL};

/* Approval measures (src/cases/metrics.c): their settings written out so
 * that an administrator sees and changes them (landgov metrics set): the
 * daily load above which a department counts as overloaded (seed 000
 * §1.2.1 (2): 10 items a day), the working days a step may wait with
 * nobody acting before it is flagged (流程空转), the steps that are
 * coordination. The policy resource "metrics": staff and administrators
 * measure their own jurisdiction; applicants and the public see none. */
static const char metrics_sql[] =
    "INSERT INTO lg_settings(key, value) VALUES"
    " ('metrics.load_threshold', '10'), ('metrics.idle_days', '5'),"
    " ('metrics.coordination_nodes', 'Task_Joint,Task_Committee') ON CONFLICT DO NOTHING;"
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'metrics', a.column1,"
    "  CASE WHEN r.column1 IN ('clerk', 'reviewer', 'approver', 'admin') AND a.column1 = 'read'"
    "   THEN 'jurisdiction' WHEN r.column1 = 'admin' AND a.column1 = 'admin' THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";

/* Indexes by token for the engine's transitions (found with EXPLAIN
 * QUERY PLAN of every statement a transition runs, bench/README.md
 * "approval"). Leaving a token cancels its open tasks and pending waits:
 * without these, a read of every open task and every pending wait of
 * every instance. Completing one task of a multi-instance visit counts
 * its siblings: without them, a read of every task ever created, which
 * made each joint-review vote slower as cases accumulated. */
static const char flow_token_index_sql[] =
    "CREATE INDEX IF NOT EXISTS lg_flow_tasks_token ON lg_flow_tasks(token_id, loop_index);"
    "CREATE INDEX IF NOT EXISTS lg_flow_waits_token ON lg_flow_waits(token_id);";

/* Positional fields of migration_t, by name, for the table below. */
#define SQL(x) .sql = (x)
#define TABLES(x) .attribute_tables = (x)

static const migration_t migrations[] = {
    {1, "geopackage core", SQL(gpkg_core_sql), .sqlite_sql = gpkg_pragmas_sql},
    {2, "settings and layer catalogue", SQL(catalogue_sql), TABLES(catalogue_tables)},
    {3, "CGCS2000 coordinate systems", .fn = add_cgcs2000},
    {10, "verifiable approval ledger", SQL(ledger_sql), .sqlite_sql = ledger_sqlite_sql,
     .pg_sql = ledger_pg_sql, TABLES(ledger_tables), .append_only = ledger_append_only},
    {20, "review: rule sets and saved checks", SQL(review_sql), TABLES(review_tables),
     .immutable = review_immutable},
    {30, "flow: process definitions, instances, tokens, tasks, waits, history", SQL(flow_sql),
     TABLES(flow_tables), .append_only = flow_append_only, .immutable = flow_immutable},
    {31, "working-day calendar with the 2025-2026 public holidays", SQL(calendar_sql),
     TABLES(calendar_tables)},
    {40, "auth: users, sessions, API tokens, throttling, policy", SQL(auth_sql),
     TABLES(auth_tables)},
    {41, "auth: ledger checkpoints are public (policy resource checkpoint)",
     SQL(auth_checkpoint_sql)},
    {42,
     "auth: store-wide administration (policy resources policy, setting), per-address "
     "login limit",
     SQL(auth_admin_sql)},
    {45, "limits: request, upload, JSON depth, vertices, time, import (settings limits.*)",
     SQL(limits_sql)},
    {50, "cases: approval cases, materials, penalties, notices, steps, checks, events",
     SQL(cases_sql), TABLES(cases_tables), .append_only = cases_append_only},
    {55, "metrics: settings of the approval measures (metrics.*), policy resource metrics",
     SQL(metrics_sql)},
    {56, "flow: tasks and waits indexed by token", SQL(flow_token_index_sql)},
};

/* The modules' own lists (schema_<module>.c). */
static const store_migrations_t *const module_lists[] = {
    &lg_schema_files,   &lg_schema_stock, &lg_schema_quota, &lg_schema_industry, &lg_schema_consol,
    &lg_schema_monitor, &lg_schema_docs,  &lg_schema_ogc,   &lg_schema_tlog,
};

static int by_version(const void *a, const void *b) {
  const migration_t *x = *(const migration_t *const *)a, *y = *(const migration_t *const *)b;
  return (x->version > y->version) - (x->version < y->version);
}

static const migration_t *all_list[512];
static size_t all_count;

static void make_all(void) {
  for (size_t i = 0; i < LG_ARRAY_LEN(migrations) && all_count < LG_ARRAY_LEN(all_list); i++)
    all_list[all_count++] = &migrations[i];
  for (size_t l = 0; l < LG_ARRAY_LEN(module_lists); l++)
    for (size_t i = 0; i < module_lists[l]->n && all_count < LG_ARRAY_LEN(all_list); i++)
      all_list[all_count++] = &module_lists[l]->list[i];
  qsort(all_list, all_count, sizeof *all_list, by_version);
}

static const migration_t *const *all_migrations(size_t *n) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, make_all);
  *n = all_count;
  return all_list;
}

int lg_store_schema_known(void) {
  size_t n;
  const migration_t *const *all = all_migrations(&n);
  return n ? all[n - 1]->version : 0;
}

size_t lg_store_schema_tables(const char **out, size_t max) {
  size_t k = 0, n;
  const migration_t *const *all = all_migrations(&n);
  for (size_t i = 0; i < n; i++)
    for (const char *const *t = all[i]->attribute_tables; t && *t && k < max; t++)
      out[k++] = *t;
  return k;
}

int lg_store_schema_version(lg_store_t *s) { return lg_store_migrations_max(s); }

int lg_store_migrations_max(lg_store_t *s) {
  if (!lg_store_table_exists(s, "lg_migrations")) return 0;
  lg_stmt_t *st;
  int v = 0;
  if (lg_store_prepare(s, "SELECT max(version) FROM lg_migrations", &st, NULL)) return 0;
  if (lg_store_step(st) == LG_ROW) v = (int)lg_store_col_int(st, 0);
  lg_store_done(st);
  return v;
}

/* Whether a migration ran: asked of each one, not compared with the
 * highest applied, so a module's migration numbered below another's that
 * shipped earlier still runs. */
static bool migration_applied(lg_store_t *s, int version) {
  lg_stmt_t *st;
  bool found = false;
  if (lg_store_prepare(s, "SELECT 1 FROM lg_migrations WHERE version = ?", &st, NULL)) return false;
  lg_store_bind_int(st, 1, version);
  found = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  return found;
}

static int register_attributes(lg_store_t *s, const char *const *tables, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "INSERT INTO gpkg_contents(table_name, data_type, identifier,"
                       " description) VALUES (?, 'attributes', ?, 'landgov application table')"
                       " ON CONFLICT DO NOTHING",
                       &st, err))
    return LG_EDB;
  int rc = 0;
  for (; *tables && rc == 0; tables++) {
    lg_store_bind_text(st, 1, *tables);
    lg_store_bind_text(st, 2, *tables);
    rc = lg_store_run(st, "登记属性表失败", err);
    lg_store_reset(st);
  }
  lg_store_done(st);
  return rc;
}

static int apply(lg_store_t *s, const migration_t *m, bool fresh, lg_err_t *err) {
  int rc = 0;
  if (m->sql) rc = lg_store_exec_ddl(s, m->sql, err);
  const char *own = s->backend == LG_STORE_PG ? m->pg_sql : m->sqlite_sql;
  if (rc == 0 && own) rc = lg_store_exec(s, own, err);
  if (rc == 0 && m->fn) rc = m->fn(s, err);
  for (const char *const *t = m->append_only; rc == 0 && t && *t; t++)
    rc = lg_store_append_only(s, *t, false, err);
  for (const char *const *t = m->immutable; rc == 0 && t && *t; t++)
    rc = lg_store_append_only(s, *t, true, err);
  if (rc == 0 && m->attribute_tables) rc = register_attributes(s, m->attribute_tables, err);
  if (rc == 0 && fresh && m->version == 1) {
    static const char *const mt[] = {"lg_migrations", NULL};
    rc = register_attributes(s, mt, err);
  }
  if (rc == 0) {
    lg_stmt_t *st;
    char ts[32];
    lg_time_iso(lg_now(), ts);
    rc = lg_store_prepare(
        s, "INSERT INTO lg_migrations(version, name, applied_at) VALUES (?, ?, ?)", &st, err);
    if (rc == 0) {
      lg_store_bind_int(st, 1, m->version);
      lg_store_bind_text(st, 2, m->name);
      lg_store_bind_text(st, 3, ts);
      rc = lg_store_run(st, "记录迁移失败", err);
      lg_store_done(st);
    }
  }
  return rc;
}

int lg_store_migrate(lg_store_t *s, lg_err_t *err) {
  int have = lg_store_migrations_max(s);
  int rc =
      lg_store_exec_ddl(s,
                        "CREATE TABLE IF NOT EXISTS lg_migrations (version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                        err);
  if (rc) return rc;
  size_t n;
  const migration_t *const *all = all_migrations(&n);
  for (size_t i = 0; i < n; i++) {
    const migration_t *m = all[i];
    if (migration_applied(s, m->version)) continue;
    if ((rc = lg_store_begin(s, err)) != 0) return rc;
    rc = apply(s, m, have == 0, err);
    if (rc == 0) rc = lg_store_commit(s, err);
    if (rc) {
      lg_store_rollback(s);
      lg_err_prefix(err, "数据库迁移 %d (%s) 失败: ", m->version, m->name);
      return rc;
    }
  }
  return 0;
}
