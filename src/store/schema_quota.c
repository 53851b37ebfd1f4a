/*
 * Schema of the quota module (src/quota, the quota bank: accounts,
 * movements, the market, enclave parks), numbered 140-159, in the one
 * migration list of schema.c. The SQL is the module's own (its tables are
 * its own); it lives here because the store runs every migration when it
 * opens. src/quota/quota.h tells what each table means.
 *
 * Units: quota amounts are integers in the unit of their kind (square
 * metres "m2" or kilograms "kg"); money is integer fen (分, 1 yuan = 100
 * fen). Nothing here is a REAL, so that conservation and "to the fen"
 * are exact sums.
 *
 * lg_quota_accounts keeps one row per (division, kind) with its buckets;
 * the CHECK constraints are the last guard against an overdraft (the
 * application checks first and says which account lacks how much).
 * lg_quota_movements is the double-entry journal: every row debits one
 * bucket and credits another by the same amount; it is append-only, as
 * are trades, fund entries and enclave settlements. Balances and holds
 * are kept for speed and reconciled against the movements and the ledger
 * (landgov quota reconcile).
 */
#include "store/store_int.h"

static const char quota_sql[] =
    "CREATE TABLE lg_quota_kinds ("
    " code TEXT PRIMARY KEY, title TEXT NOT NULL, unit TEXT NOT NULL CHECK (unit IN ('m2', 'kg')),"
    " tradable INTEGER NOT NULL DEFAULT 0, basis TEXT, created_at TEXT NOT NULL,"
    " created_by TEXT NOT NULL);"
    "CREATE TABLE lg_quota_accounts ("
    " division TEXT NOT NULL, kind TEXT NOT NULL,"
    " available INTEGER NOT NULL DEFAULT 0 CHECK (available >= 0),"
    " reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),"
    " consumed INTEGER NOT NULL DEFAULT 0 CHECK (consumed >= 0),"
    " produced INTEGER NOT NULL DEFAULT 0 CHECK (produced >= 0),"
    " issued INTEGER NOT NULL DEFAULT 0 CHECK (issued >= 0),"
    " opened_at TEXT NOT NULL, PRIMARY KEY (division, kind));"
    "CREATE INDEX lg_quota_accounts_kind ON lg_quota_accounts(kind, division);"
    "CREATE TABLE lg_quota_movements ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
    " amount INTEGER NOT NULL CHECK (amount > 0), type TEXT NOT NULL,"
    " debit_division TEXT NOT NULL, debit_bucket TEXT NOT NULL,"
    " credit_division TEXT NOT NULL, credit_bucket TEXT NOT NULL,"
    " cause_type TEXT, cause_id TEXT, year INTEGER NOT NULL, document TEXT, note TEXT,"
    " actor TEXT NOT NULL, role TEXT, at TEXT NOT NULL);"
    "CREATE INDEX lg_quota_movements_debit ON lg_quota_movements(debit_division, kind, id);"
    "CREATE INDEX lg_quota_movements_credit ON lg_quota_movements(credit_division, kind, id);"
    "CREATE INDEX lg_quota_movements_cause ON lg_quota_movements(cause_type, cause_id);"
    "CREATE TABLE lg_quota_holds ("
    " cause_type TEXT NOT NULL, cause_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " source TEXT NOT NULL, holder TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount >= 0),"
    " PRIMARY KEY (cause_type, cause_id, kind, source));"
    "CREATE INDEX lg_quota_holds_holder ON lg_quota_holds(holder, kind);"
    "CREATE TABLE lg_quota_cases ("
    " case_id INTEGER PRIMARY KEY, code TEXT NOT NULL, case_division TEXT NOT NULL,"
    " division TEXT NOT NULL, enclave_id INTEGER, check_id INTEGER, status TEXT NOT NULL,"
    " investment_fen INTEGER NOT NULL DEFAULT 0, year INTEGER NOT NULL, filed_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, message TEXT);"
    "CREATE INDEX lg_quota_cases_division ON lg_quota_cases(division, year);"
    "CREATE TABLE lg_quota_case_needs ("
    " case_id INTEGER NOT NULL, kind TEXT NOT NULL, needed INTEGER NOT NULL CHECK (needed >= 0),"
    " tracked INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (case_id, kind));"
    "CREATE TABLE lg_quota_stock_figures ("
    " division TEXT NOT NULL, year INTEGER NOT NULL,"
    " unsupplied_digested_m2 INTEGER NOT NULL CHECK (unsupplied_digested_m2 >= 0),"
    " idle_disposed_m2 INTEGER NOT NULL CHECK (idle_disposed_m2 >= 0), source TEXT NOT NULL,"
    " note TEXT, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,"
    " PRIMARY KEY (division, year));"
    /* The market. */
    "CREATE TABLE lg_quota_listings ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, seller TEXT NOT NULL, kind TEXT NOT NULL,"
    " amount INTEGER NOT NULL CHECK (amount > 0), remaining INTEGER NOT NULL CHECK (remaining >= "
    "0),"
    " reserve_price_fen INTEGER NOT NULL CHECK (reserve_price_fen >= 0), status TEXT NOT NULL,"
    " year INTEGER NOT NULL, note TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " closed_at TEXT);"
    "CREATE INDEX lg_quota_listings_status ON lg_quota_listings(status, kind);"
    "CREATE TABLE lg_quota_bids ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, listing_id INTEGER NOT NULL,"
    " buyer TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0),"
    " unit_price_fen INTEGER NOT NULL CHECK (unit_price_fen >= 0), status TEXT NOT NULL,"
    " year INTEGER NOT NULL, note TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " decided_at TEXT);"
    "CREATE INDEX lg_quota_bids_listing ON lg_quota_bids(listing_id, status);"
    "CREATE TABLE lg_quota_trades ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, listing_id INTEGER NOT NULL, bid_id INTEGER,"
    " seller TEXT NOT NULL, buyer TEXT NOT NULL, kind TEXT NOT NULL,"
    " amount INTEGER NOT NULL CHECK (amount > 0), unit_price_fen INTEGER NOT NULL,"
    " total_fen INTEGER NOT NULL, compensation_bp INTEGER NOT NULL,"
    " compensation_fen INTEGER NOT NULL, seller_net_fen INTEGER NOT NULL, year INTEGER NOT NULL,"
    " agreement TEXT, movement_id INTEGER NOT NULL, settled_at TEXT NOT NULL,"
    " settled_by TEXT NOT NULL);"
    "CREATE INDEX lg_quota_trades_year ON lg_quota_trades(year, seller, buyer);"
    "CREATE TABLE lg_quota_fund ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, division TEXT NOT NULL,"
    " type TEXT NOT NULL CHECK (type IN ('receipt', 'spending')),"
    " amount_fen INTEGER NOT NULL CHECK (amount_fen > 0), trade_id INTEGER, project TEXT,"
    " note TEXT, at TEXT NOT NULL, actor TEXT NOT NULL);"
    "CREATE INDEX lg_quota_fund_division ON lg_quota_fund(division, id);"
    /* Enclave parks. */
    "CREATE TABLE lg_quota_enclaves ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, source TEXT NOT NULL,"
    " host TEXT NOT NULL, park_layer TEXT, park_fid INTEGER,"
    " quota_from TEXT NOT NULL CHECK (quota_from IN ('source', 'host')),"
    " costs TEXT NOT NULL, shares TEXT NOT NULL, start_year INTEGER NOT NULL, end_year INTEGER,"
    " agreement_no TEXT, file_id INTEGER, status TEXT NOT NULL, created_at TEXT NOT NULL,"
    " created_by TEXT NOT NULL);"
    "CREATE TABLE lg_quota_enclave_figures ("
    " enclave_id INTEGER NOT NULL, year INTEGER NOT NULL,"
    " tax_fen INTEGER NOT NULL CHECK (tax_fen >= 0), gdp_fen INTEGER NOT NULL CHECK (gdp_fen >= 0),"
    " enterprises INTEGER, source TEXT NOT NULL, recorded_at TEXT NOT NULL,"
    " recorded_by TEXT NOT NULL, PRIMARY KEY (enclave_id, year));"
    "CREATE TABLE lg_quota_enclave_settlements ("
    " enclave_id INTEGER NOT NULL, year INTEGER NOT NULL, source_share INTEGER NOT NULL,"
    " host_share INTEGER NOT NULL, tax_fen INTEGER NOT NULL, source_tax_fen INTEGER NOT NULL,"
    " host_tax_fen INTEGER NOT NULL, gdp_fen INTEGER NOT NULL, source_gdp_fen INTEGER NOT NULL,"
    " host_gdp_fen INTEGER NOT NULL, figures_source TEXT NOT NULL, settled_at TEXT NOT NULL,"
    " settled_by TEXT NOT NULL, PRIMARY KEY (enclave_id, year));"
    /* The policy resource "quota": staff read the accounts of their
     * jurisdiction; approvers (the natural-resources authority of their
     * level, Land Administration Law art. 5) allocate, list, bid, transfer
     * and settle for it; administrators add kinds and change the bank's
     * rules. Applicants and the public: nothing. */
    "INSERT INTO lg_auth_policy(role, resource, action, scope)"
    " SELECT r.column1, 'quota', a.column1,"
    "  CASE WHEN r.column1 IN ('clerk', 'reviewer', 'approver', 'admin') AND a.column1 = 'read'"
    "   THEN 'jurisdiction'"
    "   WHEN r.column1 = 'approver' AND a.column1 IN ('create', 'act') THEN 'jurisdiction'"
    "   WHEN r.column1 = 'admin' AND a.column1 = 'admin' THEN 'jurisdiction'"
    "   ELSE 'none' END"
    " FROM (VALUES ('clerk'), ('reviewer'), ('approver'), ('admin'), ('applicant'), ('public')) r,"
    " (VALUES ('read'), ('create'), ('act'), ('admin')) a WHERE true ON CONFLICT DO NOTHING;";

static const char *const quota_tables[] = {"lg_quota_kinds",
                                           "lg_quota_accounts",
                                           "lg_quota_movements",
                                           "lg_quota_holds",
                                           "lg_quota_cases",
                                           "lg_quota_case_needs",
                                           "lg_quota_stock_figures",
                                           "lg_quota_listings",
                                           "lg_quota_bids",
                                           "lg_quota_trades",
                                           "lg_quota_fund",
                                           "lg_quota_enclaves",
                                           "lg_quota_enclave_figures",
                                           "lg_quota_enclave_settlements",
                                           NULL};
static const char *const quota_append_only[] = {
    "lg_quota_kinds", "lg_quota_movements",           "lg_quota_trades",
    "lg_quota_fund",  "lg_quota_enclave_settlements", NULL};

static const store_migration_t migrations[] = {
    {140,
     "quota: accounts, double-entry movements, holds, case needs, stock figures, market, "
     "ecological fund, enclave parks; policy resource quota",
     .sql = quota_sql, .attribute_tables = quota_tables, .append_only = quota_append_only},
};

const store_migrations_t lg_schema_quota = {migrations, LG_ARRAY_LEN(migrations)};
