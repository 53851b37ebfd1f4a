/*
 * The stock module on the ledger: the state of each of its objects as the
 * entries record it and the audit recomputes it, from the rows and the
 * geometry the layers serve (the SHA-256 of the feature's WKB), never from
 * a column that merely describes them: an approval's boundary moved in
 * QGIS, a visit's figure or an act's date changed behind landgov's back,
 * a document replaced in the store, each is found.
 *
 *   stock_approval  the approval row and its boundary
 *   stock_supply    the supply row (as the monitoring system's sheet had
 *                   it) and its parcel
 *   stock_visit     the visit and the SHA-256 of each photo
 *   stock_act       the act and the SHA-256 of its document
 *   stock_plan      the bureau's plan for a ledger entry
 */
#include "stock/stock_int.h"

#include <stdio.h>
#include <string.h>

#include "files/files.h"

/* A row's columns as JSON members, by the statement's column names. */
static void row_members(lg_stmt_t *st, json_t *o, int from) {
  int n = lg_store_col_count(st);
  for (int i = from; i < n; i++) {
    const char *name = lg_store_col_name(st, i);
    json_t *v;
    switch (lg_store_col_type(st, i)) {
    case LG_COL_NULL:
      v = json_null();
      break;
    case LG_COL_INT:
      v = json_integer(lg_store_col_int(st, i));
      break;
    case LG_COL_REAL:
      v = json_real(lg_store_col_real(st, i));
      break;
    default:
      v = stk_col_text(st, i);
      break;
    }
    json_object_set_new(o, name, v);
  }
}

/* Numbers that PostgreSQL hands back as text when a column's type is
 * numeric in one engine and not the other do not occur here: every REAL
 * column reads as a double on both. Integers likewise. */
static json_t *one_row(lg_store_t *s, const char *sql, int64_t id, const char *what,
                       lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, sql, &st, err)) return NULL;
  lg_store_bind_int(st, 1, id);
  json_t *o = NULL;
  int step = lg_store_step(st);
  if (step == LG_ROW) {
    o = json_object();
    row_members(st, o, 0);
  } else if (step == LG_DONE) {
    lg_err_set(err, LG_ENOTFOUND, "%s %lld 不存在", what, (long long)id);
  } else {
    lg_store_fail(s, err, what);
  }
  lg_store_done(st);
  return o;
}

#define APPROVAL_COLS                                                                              \
  "id, approval_no, name, kind, division, approved_on, declared_m2, area_m2, case_id"
#define SUPPLY_COLS                                                                                \
  "id, supervision_no, project, division, location, declared_m2, area_m2, land_use, method,"       \
  " term_years, price_yuan, holder, contract_on, agreed_delivery_on, agreed_start_on,"             \
  " agreed_completion_on, actual_delivery_on, actual_start_on, actual_completion_on,"              \
  " approval_id, case_id"
#define VISIT_COLS                                                                                 \
  "id, supply_id, visited_on, developed_m2, invested_wan, total_investment_wan,"                   \
  " stopped_since, cause, started_on, completed_on, officer, note, created_by"
#define ACT_COLS                                                                                   \
  "id, object_type, object_id, act, acted_on, doc_kind, doc_no, file_id, cause, method,"           \
  " new_date, amount_yuan, note, articles, created_by"
#define PLAN_COLS "id, kind, object_id, reason, method, unit, deadline, created_by"

static json_t *with_geometry(lg_store_t *s, json_t *o, const char *layer, int64_t id,
                             lg_err_t *err) {
  char sha[65];
  if (!o) return NULL;
  if (stk_feature_sha(s, layer, id, sha, err) != 0) {
    json_decref(o);
    return NULL;
  }
  json_object_set_new(o, "geometry_sha256", json_string(sha));
  return o;
}

json_t *stk_approval_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  json_t *o = one_row(s, "SELECT " APPROVAL_COLS " FROM lg_stock_approvals WHERE id = ?", id,
                      "批准用地", err);
  return with_geometry(s, o, STK_APPROVALS, id, err);
}

json_t *stk_supply_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  json_t *o =
      one_row(s, "SELECT " SUPPLY_COLS " FROM lg_stock_supplies WHERE id = ?", id, "供地", err);
  return with_geometry(s, o, STK_SUPPLIES, id, err);
}

/* The files an owner has (photos, documents) with their recorded SHA-256
 * and whether the stored content still has it: a document replaced in
 * the store changes its owner's digest, so the audit names the visit or
 * the act it belonged to. */
static json_t *files_of(lg_store_t *s, const char *owner_type, int64_t id, lg_err_t *err) {
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  json_t *list = NULL;
  if (lg_files_list(s, owner_type, oid, &list, err) != 0) return NULL;
  json_t *out = json_array();
  size_t i;
  json_t *f;
  json_array_foreach(list, i, f) {
    int64_t fid = json_integer_value(json_object_get(f, "id"));
    lg_buf_t b;
    lg_buf_init(&b);
    lg_err_t e2 = {0};
    /* lg_files_read_all checks the stored chunks against the recorded
     * digest: a replaced content reads as not intact. */
    bool intact = lg_files_read_all(s, fid, (size_t)1 << 30, &b, &e2) == 0;
    lg_buf_fini(&b);
    json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)fid, "kind",
                                         json_string_value(json_object_get(f, "kind")), "sha256",
                                         json_string_value(json_object_get(f, "sha256")), "intact",
                                         intact));
  }
  json_decref(list);
  return out;
}

json_t *stk_visit_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  json_t *o =
      one_row(s, "SELECT " VISIT_COLS " FROM lg_stock_visits WHERE id = ?", id, "核查记录", err);
  if (!o) return NULL;
  json_t *f = files_of(s, "visit", id, err);
  if (!f) {
    json_decref(o);
    return NULL;
  }
  json_object_set_new(o, "photos", f);
  return o;
}

json_t *stk_act_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  json_t *o =
      one_row(s, "SELECT " ACT_COLS " FROM lg_stock_acts WHERE id = ?", id, "处置记录", err);
  if (!o) return NULL;
  /* The document it issued: its recorded digest, and whether the stored
   * content still has it. */
  const json_t *fid = json_object_get(o, "file_id");
  if (json_is_integer(fid)) {
    lg_file_info_t fi;
    lg_err_t e2 = {0};
    json_t *doc;
    if (lg_files_get(s, json_integer_value(fid), &fi, &e2) == 0) {
      lg_buf_t b;
      lg_buf_init(&b);
      bool intact = lg_files_read_all(s, fi.id, (size_t)1 << 30, &b, &e2) == 0;
      lg_buf_fini(&b);
      doc = json_pack("{s:I, s:s, s:b}", "id", (json_int_t)fi.id, "sha256", fi.sha256, "intact",
                      intact);
    } else {
      doc = json_pack("{s:I, s:n}", "id", (json_int_t)json_integer_value(fid), "sha256");
    }
    json_object_set_new(o, "document", doc);
  }
  return o;
}

json_t *stk_plan_state(lg_store_t *s, int64_t id, lg_err_t *err) {
  return one_row(s, "SELECT " PLAN_COLS " FROM lg_stock_plans WHERE id = ?", id, "处置计划", err);
}

static json_t *state_of(lg_store_t *s, const char *type, int64_t id, lg_err_t *err) {
  if (!strcmp(type, "stock_approval")) return stk_approval_state(s, id, err);
  if (!strcmp(type, "stock_supply")) return stk_supply_state(s, id, err);
  if (!strcmp(type, "stock_visit")) return stk_visit_state(s, id, err);
  if (!strcmp(type, "stock_act")) return stk_act_state(s, id, err);
  if (!strcmp(type, "stock_plan")) return stk_plan_state(s, id, err);
  lg_err_set(err, LG_EINTERNAL, "未知的对象类型 %s", type);
  return NULL;
}

int stk_record(lg_store_t *s, const lg_subject_t *who, const char *action, const char *type,
               int64_t id, const char *division, lg_err_t *err) {
  json_t *state = state_of(s, type, id, err);
  if (!state) return err && err->code ? err->code : LG_EDB;
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  lg_ledger_event_t ev = {.actor = who && who->login[0] ? who->login : "system",
                          .role = who ? who->role : NULL,
                          .jurisdiction = division,
                          .action = action,
                          .object_type = type,
                          .object_id = oid,
                          .state = state};
  int rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}

/* ---- Auditors ------------------------------------------------------------------ */

static int scan_ids(lg_store_t *s, const char *sql, const char *type, lg_ledger_emit_fn emit,
                    void *ctx, lg_err_t *err) {
  LG_VEC(int64_t) ids = {0};
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  int step;
  while ((step = lg_store_step(st)) == LG_ROW)
    lg_vec_push(&ids, lg_store_col_int(st, 0));
  if (step < 0) rc = lg_store_fail(s, err, "读取存量土地记录失败");
  lg_store_done(st);
  for (size_t i = 0; rc == 0 && i < ids.len; i++) {
    json_t *state = state_of(s, type, ids.items[i], err);
    if (!state) {
      rc = err && err->code ? err->code : LG_EDB;
      break;
    }
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)ids.items[i]);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(ids.items);
  return rc;
}

static int scan_approvals(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan_ids(s, "SELECT id FROM lg_stock_approvals ORDER BY id", "stock_approval", emit, ctx,
                  err);
}
static int scan_supplies(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan_ids(s, "SELECT id FROM lg_stock_supplies ORDER BY id", "stock_supply", emit, ctx,
                  err);
}
static int scan_visits(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan_ids(s, "SELECT id FROM lg_stock_visits ORDER BY id", "stock_visit", emit, ctx, err);
}
static int scan_acts(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan_ids(s, "SELECT id FROM lg_stock_acts ORDER BY id", "stock_act", emit, ctx, err);
}
static int scan_plans(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  return scan_ids(s, "SELECT id FROM lg_stock_plans ORDER BY id", "stock_plan", emit, ctx, err);
}

const lg_ledger_auditor_t lg_stock_auditor_approvals = {"stock_approval", scan_approvals};
const lg_ledger_auditor_t lg_stock_auditor_supplies = {"stock_supply", scan_supplies};
const lg_ledger_auditor_t lg_stock_auditor_visits = {"stock_visit", scan_visits};
const lg_ledger_auditor_t lg_stock_auditor_acts = {"stock_act", scan_acts};
const lg_ledger_auditor_t lg_stock_auditor_plans = {"stock_plan", scan_plans};
const lg_ledger_auditor_t *const lg_stock_auditors[] = {
    &lg_stock_auditor_approvals, &lg_stock_auditor_supplies, &lg_stock_auditor_visits,
    &lg_stock_auditor_acts,      &lg_stock_auditor_plans,    NULL};
