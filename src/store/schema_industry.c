/*
 * Schema of the industry module (src/industry, industrial land: standard
 * land, commitments, joint acceptance, per-mu evaluation): its tables,
 * numbered 120-139, in the one migration list of schema.c. The SQL is the
 * module's own (its tables are its own); it lives here because the store
 * runs every migration when it opens. src/industry/industry.h tells what
 * each table means.
 *
 * lg_industry_parcels holds a standard-land parcel (标准地) with the
 * control indicators it is offered under, as the JSON "conditions" copied
 * from the configuration when it was made (so a later change of the
 * defaults does not change what was offered); supply_no links it to the
 * stock module's supply record (电子监管号) when there is one.
 * lg_industry_commitments is the investment agreement (one per parcel);
 * lg_industry_acceptances the joint acceptances and performance reviews,
 * never edited (a new inspection is a new row). lg_industry_figures holds
 * an enterprise's year as the departments deliver it, one row per
 * enterprise and year; lg_industry_evaluations every evaluation run with
 * its full result, never edited. Amounts are 万元 (REAL), areas m2.
 */
#include "store/store_int.h"

static const char industry_sql[] =
    "CREATE TABLE lg_industry_parcels ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " division TEXT NOT NULL, industry TEXT NOT NULL, area_m2 REAL NOT NULL CHECK (area_m2 > 0),"
    " supply_no TEXT, conditions TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT "
    "NULL);"
    "CREATE INDEX lg_industry_parcels_division ON lg_industry_parcels(division);"
    "CREATE TABLE lg_industry_commitments ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " parcel_id INTEGER NOT NULL UNIQUE REFERENCES lg_industry_parcels(id),"
    " credit_code TEXT NOT NULL, enterprise TEXT NOT NULL,"
    " investment_wan REAL NOT NULL CHECK (investment_wan > 0),"
    " output_per_mu_wan REAL NOT NULL CHECK (output_per_mu_wan >= 0),"
    " tax_per_mu_wan REAL NOT NULL CHECK (tax_per_mu_wan >= 0),"
    " signed_on TEXT NOT NULL, start_on TEXT NOT NULL, completion_on TEXT NOT NULL,"
    " production_on TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_industry_commitments_credit ON lg_industry_commitments(credit_code);"
    "CREATE TABLE lg_industry_acceptances ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " commitment_id INTEGER NOT NULL REFERENCES lg_industry_commitments(id),"
    " stage TEXT NOT NULL CHECK (stage IN ('completion', 'performance')),"
    " inspected_on TEXT NOT NULL, actuals TEXT NOT NULL, items TEXT NOT NULL,"
    " result TEXT NOT NULL CHECK (result IN ('pass', 'rectify', 'breach')), deadline TEXT,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_industry_acceptances_commitment ON lg_industry_acceptances(commitment_id, id);"
    "CREATE TABLE lg_industry_figures ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, credit_code TEXT NOT NULL,"
    " name TEXT NOT NULL, division TEXT NOT NULL, parcel_id INTEGER,"
    " area_m2 REAL NOT NULL CHECK (area_m2 > 0), tax_wan REAL NOT NULL CHECK (tax_wan >= 0),"
    " value_added_wan REAL NOT NULL, revenue_wan REAL NOT NULL CHECK (revenue_wan >= 0),"
    " energy_tce REAL NOT NULL CHECK (energy_tce >= 0),"
    " emission_t REAL NOT NULL CHECK (emission_t >= 0), rd_wan REAL NOT NULL CHECK (rd_wan >= 0),"
    " employees REAL NOT NULL CHECK (employees >= 0),"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL, UNIQUE (year, credit_code));"
    "CREATE INDEX lg_industry_figures_division ON lg_industry_figures(year, division);"
    "CREATE TABLE lg_industry_evaluations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, year INTEGER NOT NULL, division TEXT NOT NULL,"
    " enterprises INTEGER NOT NULL, result TEXT NOT NULL,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
    "CREATE INDEX lg_industry_evaluations_year ON lg_industry_evaluations(year, division, id);"
    /* The policy resource "industry": staff read, record and act within
     * their jurisdiction; the administrator also configures; applicants
     * and the public see none of it. Kept in step with the seed table of
     * src/auth/policy.c. */
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'industry', a.column1,"
    "  CASE WHEN r.column1 IN ('clerk', 'reviewer', 'approver', 'admin')"
    "   AND a.column1 IN ('read', 'create', 'act') THEN 'jurisdiction'"
    "   WHEN r.column1 = 'admin' AND a.column1 = 'admin' THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";
static const char *const industry_tables[] = {"lg_industry_parcels",     "lg_industry_commitments",
                                              "lg_industry_acceptances", "lg_industry_figures",
                                              "lg_industry_evaluations", NULL};
static const char *const industry_append_only[] = {"lg_industry_acceptances",
                                                   "lg_industry_evaluations", NULL};

static const store_migration_t migrations[] = {
    {120,
     "industry: standard-land parcels, commitments, acceptances, per-mu figures and "
     "evaluations, policy industry",
     .sql = industry_sql, .attribute_tables = industry_tables, .append_only = industry_append_only},
};

const store_migrations_t lg_schema_industry = {migrations, LG_ARRAY_LEN(migrations)};
