/*
 * The bank's core: accounts and their buckets, the one function that
 * posts a movement (debit, credit, the movement row and its ledger entry,
 * all inside the caller's transaction), holds of reserved quota, and the
 * acts that create and move quota: allocation (issued from above the
 * store, or given down the levels), production by an accepted project,
 * transfer. Then what people read: balances and movements.
 */
#include "quota/quota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const q_bucket_names[QB_N] = {"available", "reserved", "consumed", "produced",
                                          "issued"};

int q_bucket_of(const char *name) {
  for (int i = 0; i < QB_N; i++)
    if (name && !strcmp(name, q_bucket_names[i])) return i;
  return -1;
}

/* A debit lowers a balance (never below zero: the WHERE clause refuses,
 * and the table's CHECK would) and raises a source; a credit raises a
 * balance. Consumed is never debited, a source never credited. */
static const char *const debit_sql[QB_N] = {
    "UPDATE lg_quota_accounts SET available = available - ?1"
    " WHERE division = ?2 AND kind = ?3 AND available >= ?1",
    "UPDATE lg_quota_accounts SET reserved = reserved - ?1"
    " WHERE division = ?2 AND kind = ?3 AND reserved >= ?1",
    NULL,
    "UPDATE lg_quota_accounts SET produced = produced + ?1 WHERE division = ?2 AND kind = ?3",
    "UPDATE lg_quota_accounts SET issued = issued + ?1 WHERE division = ?2 AND kind = ?3",
};
static const char *const credit_sql[QB_N] = {
    "UPDATE lg_quota_accounts SET available = available + ?1 WHERE division = ?2 AND kind = ?3",
    "UPDATE lg_quota_accounts SET reserved = reserved + ?1 WHERE division = ?2 AND kind = ?3",
    "UPDATE lg_quota_accounts SET consumed = consumed + ?1 WHERE division = ?2 AND kind = ?3",
    NULL,
    NULL,
};

static const struct {
  const char *type, *title;
} type_titles[] = {
    {"issue", "上级下达"},    {"allocate", "分解下达"}, {"produce", "项目产生"},
    {"reserve", "报批预留"},  {"draw", "动用上级预留"}, {"release", "释放预留"},
    {"consume", "批准核销"},  {"transfer", "调剂划转"}, {"list", "挂牌冻结"},
    {"withdraw", "撤牌解冻"}, {"trade", "交易交割"},
};

static const char *type_title(const char *t) {
  for (size_t i = 0; i < LG_ARRAY_LEN(type_titles); i++)
    if (t && !strcmp(t, type_titles[i].type)) return type_titles[i].title;
  return t ? t : "";
}

void q_movement_object_id(int64_t id, const char *kind, int64_t amount, const char *dd,
                          const char *db, const char *cd, const char *cb, char out[160]) {
  snprintf(out, 160, "%012lld:%s:%lld:%s.%s>%s.%s", (long long)id, kind, (long long)amount, dd, db,
           cd, cb);
}

bool q_movement_object_parse(const char *oid, int64_t *id, char kind[32], int64_t *amount,
                             char dd[16], char db[16], char cd[16], char cb[16]) {
  long long i = 0, a = 0;
  int n = 0;
  if (!oid ||
      sscanf(oid, "%lld:%31[a-z0-9_]:%lld:%15[0-9].%15[a-z]>%15[0-9].%15[a-z]%n", &i, kind, &a, dd,
             db, cd, cb, &n) != 7 ||
      oid[n] != '\0')
    return false;
  *id = i;
  *amount = a;
  return q_bucket_of(db) >= 0 && q_bucket_of(cb) >= 0 && a > 0;
}

/* The state a movement's ledger entry digests, from its fields. */
static json_t *movement_state(int64_t id, const char *kind, int64_t amount, const char *type,
                              const char *dd, const char *db, const char *cd, const char *cb,
                              const char *cause_type, const char *cause_id, int64_t year,
                              const char *document, const char *note, const char *actor,
                              const char *role, const char *at) {
  return json_pack("{s:I, s:s, s:I, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:s?, s:s?, s:I, s:s?, s:s?,"
                   " s:s, s:s?, s:s}",
                   "id", (json_int_t)id, "kind", kind, "amount", (json_int_t)amount, "type", type,
                   "debit", "division", dd, "bucket", db, "credit", "division", cd, "bucket", cb,
                   "cause_type", cause_type, "cause_id", cause_id, "year", (json_int_t)year,
                   "document", document, "note", note, "actor", actor, "role", role, "at", at);
}

static int ensure_account(lg_store_t *s, const char *division, const char *kind, const char *now,
                          lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "INSERT INTO lg_quota_accounts(division, kind, opened_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (division, kind) DO NOTHING",
                       &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, division);
  lg_store_bind_text(st, 2, kind);
  lg_store_bind_text(st, 3, now);
  return lg_store_run_done(st, "开立指标账户失败", err);
}

static int bucket_update(lg_store_t *s, const char *sql, const char *division, const char *kind,
                         int64_t amount, bool *changed, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, sql, &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, amount);
  lg_store_bind_text(st, 2, division);
  lg_store_bind_text(st, 3, kind);
  rc = lg_store_run(st, "更新指标账户失败", err);
  *changed = rc == 0 && lg_store_changes(st) == 1;
  lg_store_done(st);
  return rc;
}

int q_post(lg_store_t *s, const q_actor_t *by, const q_move_t *m, int64_t *id, lg_err_t *err) {
  if (m->debit_bucket < 0 || m->debit_bucket >= QB_N || !debit_sql[m->debit_bucket] ||
      m->credit_bucket < 0 || m->credit_bucket >= QB_N || !credit_sql[m->credit_bucket])
    return lg_err_set(err, LG_EINTERNAL, "指标流水的借贷科目无效 (%d -> %d)", m->debit_bucket,
                      m->credit_bucket);
  if (m->amount <= 0)
    return lg_err_set(err, LG_EINTERNAL, "指标流水的数量应为正数, 得到 %lld", (long long)m->amount);
  char now[32];
  q_now_iso(now);
  /* Each side's UPDATE first: an account that exists (the usual case)
   * needs no other statement. One that does not is opened and updated
   * again, unless the debit is of a balance, which an account that does
   * not exist cannot pay. */
  bool changed = false;
  int rc = bucket_update(s, debit_sql[m->debit_bucket], m->debit_division, m->kind, m->amount,
                         &changed, err);
  bool source = m->debit_bucket == QB_PRODUCED || m->debit_bucket == QB_ISSUED;
  if (rc == 0 && !changed && source &&
      (rc = ensure_account(s, m->debit_division, m->kind, now, err)) == 0)
    rc = bucket_update(s, debit_sql[m->debit_bucket], m->debit_division, m->kind, m->amount,
                       &changed, err);
  if (rc) return rc;
  if (!changed) {
    char lab[48], amt[64];
    q_division_label(m->debit_division, lab);
    q_fmt_amount(m->amount, "", amt);
    return lg_err_set(err, LG_ECONFLICT, "%s %s 账户的%s余额不足以支出 %s", lab, m->kind,
                      m->debit_bucket == QB_AVAILABLE ? "可用" : "预留", amt);
  }
  if ((rc = bucket_update(s, credit_sql[m->credit_bucket], m->credit_division, m->kind, m->amount,
                          &changed, err)))
    return rc;
  if (!changed && (rc = ensure_account(s, m->credit_division, m->kind, now, err)) == 0)
    rc = bucket_update(s, credit_sql[m->credit_bucket], m->credit_division, m->kind, m->amount,
                       &changed, err);
  if (rc) return rc;
  if (!changed)
    return lg_err_set(err, LG_EINTERNAL, "指标账户 %s %s 不存在", m->credit_division, m->kind);

  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_movements(kind, amount, type, debit_division,"
                             " debit_bucket, credit_division, credit_bucket, cause_type, cause_id,"
                             " year, document, note, actor, role, at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             &st, err)))
    return rc;
  const char *db = q_bucket_names[m->debit_bucket], *cb = q_bucket_names[m->credit_bucket];
  lg_store_bind_text(st, 1, m->kind);
  lg_store_bind_int(st, 2, m->amount);
  lg_store_bind_text(st, 3, m->type);
  lg_store_bind_text(st, 4, m->debit_division);
  lg_store_bind_text(st, 5, db);
  lg_store_bind_text(st, 6, m->credit_division);
  lg_store_bind_text(st, 7, cb);
  lg_store_bind_text(st, 8, m->cause_type);
  lg_store_bind_text(st, 9, m->cause_id);
  lg_store_bind_int(st, 10, m->year);
  lg_store_bind_text(st, 11, m->document);
  lg_store_bind_text(st, 12, m->note);
  lg_store_bind_text(st, 13, by->login);
  lg_store_bind_text(st, 14, by->role);
  lg_store_bind_text(st, 15, now);
  int64_t mid = 0;
  if ((rc = lg_store_insert_id(st, &mid, "记录指标流水失败", err))) return rc;
  char oid[160];
  q_movement_object_id(mid, m->kind, m->amount, m->debit_division, db, m->credit_division, cb, oid);
  char action[48];
  snprintf(action, sizeof action, "quota.%s", m->type);
  rc = q_record(s, by, action, "quota.movement", oid,
                source ? m->credit_division : m->debit_division,
                movement_state(mid, m->kind, m->amount, m->type, m->debit_division, db,
                               m->credit_division, cb, m->cause_type, m->cause_id, m->year,
                               m->document, m->note, by->login, by->role, now),
                err);
  if (rc == 0 && id) *id = mid;
  return rc;
}

int q_account_get(lg_store_t *s, const char *division, const char *kind, q_account_t *out,
                  lg_err_t *err) {
  memset(out, 0, sizeof *out);
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT available, reserved, consumed, produced, issued"
                            " FROM lg_quota_accounts WHERE division = ? AND kind = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, division);
  lg_store_bind_text(st, 2, kind);
  if (lg_store_step(st) == LG_ROW) {
    out->exists = true;
    for (int i = 0; i < QB_N; i++)
      out->b[i] = lg_store_col_int(st, i);
  }
  lg_store_done(st);
  return 0;
}

int q_kind_in_use(lg_store_t *s, const char *kind, bool *used, lg_err_t *err) {
  lg_stmt_t *st;
  *used = false;
  int rc = lg_store_prepare(s, "SELECT 1 FROM lg_quota_accounts WHERE kind = ? LIMIT 1", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, kind);
  *used = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  return 0;
}

/* ---- Holds ------------------------------------------------------------------------ */

int q_holds_get(lg_store_t *s, const char *cause_type, const char *cause_id, const char *kind,
                q_holds_t *out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            "SELECT source, holder, amount FROM lg_quota_holds WHERE cause_type = ?"
                            " AND cause_id = ? AND kind = ? AND amount > 0 ORDER BY source DESC",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, cause_type);
  lg_store_bind_text(st, 2, cause_id);
  lg_store_bind_text(st, 3, kind);
  while (lg_store_step(st) == LG_ROW) {
    q_hold_t h;
    snprintf(h.source, sizeof h.source, "%s", lg_store_col_text(st, 0));
    snprintf(h.holder, sizeof h.holder, "%s", lg_store_col_text(st, 1));
    h.amount = lg_store_col_int(st, 2);
    lg_vec_push(out, h);
  }
  lg_store_done(st);
  return 0;
}

int q_hold_add(lg_store_t *s, const char *cause_type, const char *cause_id, const char *kind,
               const char *source, const char *holder, int64_t delta, lg_err_t *err) {
  lg_stmt_t *st;
  /* A release or a consumption lowers a hold that exists (an INSERT of a
   * negative amount would fail the table's CHECK before its conflict
   * clause is looked at); a reservation raises it or makes it. */
  int rc = lg_store_prepare(
      s,
      delta < 0 ? "UPDATE lg_quota_holds SET amount = amount + ?6 WHERE cause_type = ?1"
                  " AND cause_id = ?2 AND kind = ?3 AND source = ?4 AND holder = ?5"
                  " AND amount + ?6 >= 0"
                : "INSERT INTO lg_quota_holds(cause_type, cause_id, kind, source, holder, amount)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (cause_type, cause_id, kind,"
                  " source) DO UPDATE SET amount = lg_quota_holds.amount + excluded.amount",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, cause_type);
  lg_store_bind_text(st, 2, cause_id);
  lg_store_bind_text(st, 3, kind);
  lg_store_bind_text(st, 4, source);
  lg_store_bind_text(st, 5, holder);
  lg_store_bind_int(st, 6, delta);
  rc = lg_store_run(st, "更新指标预留失败", err);
  if (rc == 0 && lg_store_changes(st) != 1)
    rc = lg_err_set(err, LG_EINTERNAL, "%s %s 的 %s 预留 (来自 %s) 不足以减少 %lld", cause_type,
                    cause_id, kind, source, (long long)-delta);
  lg_store_done(st);
  return rc;
}

/* ---- Creating and moving quota ------------------------------------------------------ */

static int op_year(int year, lg_err_t *err) {
  if (year == 0) return q_year_of(lg_now());
  if (year < 2000 || year > 2100) {
    lg_err_set(err, LG_EINVAL, "年度 %d 无效: 应在 2000 到 2100 之间", year);
    lg_err_where(err, "year");
    return -1;
  }
  return year;
}

static int need_text(const char *v, const char *what, const char *field, lg_err_t *err) {
  if (v && *v) return 0;
  lg_err_set(err, LG_EINVAL, "%s", what);
  lg_err_where(err, "%s", field);
  return LG_EINVAL;
}

/* The available quota of an account covers amount, or a message naming
 * the account and the shortfall. */
static int require_available(lg_store_t *s, const char *division, const lg_quota_kind_t *k,
                             int64_t amount, const char *role, lg_err_t *err) {
  q_account_t a;
  int rc = q_account_get(s, division, k->code, &a, err);
  if (rc) return rc;
  if (a.b[QB_AVAILABLE] >= amount) return 0;
  char lab[48], have[64], need[64], lack[64];
  q_division_label(division, lab);
  q_fmt_amount(a.b[QB_AVAILABLE], k->unit, have);
  q_fmt_amount(amount, k->unit, need);
  q_fmt_amount(amount - a.b[QB_AVAILABLE], k->unit, lack);
  return lg_err_set(err, LG_ECONFLICT, "%s%s %s不足, 缺 %s: 需要 %s, 可用 %s", role, lab, k->title,
                    lack, need, have);
}

static int run_op(lg_store_t *s, const lg_subject_t *who, const q_move_t *m, const char *check_div,
                  const lg_quota_kind_t *k, const char *role, int64_t *id, lg_err_t *err) {
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  /* q_post refuses an overdraft itself; only then is the account read,
   * for a message that names what it lacks. */
  rc = q_post(s, &by, m, id, err);
  if (rc == LG_ECONFLICT && check_div) {
    lg_err_t e2 = {0};
    if (require_available(s, check_div, k, m->amount, role, &e2) == LG_ECONFLICT) *err = e2;
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

int lg_quota_allocate(lg_store_t *s, const lg_subject_t *who, const lg_quota_op_t *op, int64_t *id,
                      lg_err_t *err) {
  lg_quota_kind_t k;
  char to[16], from[16] = "";
  int rc = lg_quota_kind_get(s, op->kind, &k, err);
  if (rc == 0) rc = q_amount(op->amount, "下达数量 (amount)", err);
  if (rc == 0) rc = q_division(op->to, to, "接收方 (to)", err);
  bool issue = !op->from || !*op->from || !strcmp(op->from, "state");
  if (rc == 0 && !issue) rc = q_division(op->from, from, "下达方 (from)", err);
  if (rc) return rc;
  if (!issue && (!strcmp(from, to) || !lg_auth_division_within(from, to))) {
    lg_err_set(err, LG_EINVAL,
               "分解下达只能由上级给其辖区内的下级: %s 不在 %s 之内 (平级或向上调剂请用划转 "
               "transfer)",
               to, from);
    lg_err_where(err, "to");
    return LG_EINVAL;
  }
  if ((rc = need_text(op->document, "下达指标须注明下达文件的文号 (document)", "document", err)))
    return rc;
  int year = op_year(op->year, err);
  if (year < 0) return LG_EINVAL;
  if ((rc = q_require(s, who, "create", issue ? to : from, err))) return rc;
  q_move_t m = {.kind = k.code,
                .amount = op->amount,
                .type = issue ? "issue" : "allocate",
                .debit_division = issue ? to : from,
                .debit_bucket = issue ? QB_ISSUED : QB_AVAILABLE,
                .credit_division = to,
                .credit_bucket = QB_AVAILABLE,
                .year = year,
                .document = op->document,
                .note = op->note};
  return run_op(s, who, &m, issue ? NULL : from, &k, "下达方", id, err);
}

int lg_quota_produce(lg_store_t *s, const lg_subject_t *who, const lg_quota_op_t *op, int64_t *id,
                     lg_err_t *err) {
  lg_quota_kind_t k;
  char to[16];
  int rc = lg_quota_kind_get(s, op->kind, &k, err);
  if (rc == 0) rc = q_amount(op->amount, "产生数量 (amount)", err);
  if (rc == 0) rc = q_division(op->to, to, "产生指标的行政区 (to)", err);
  if (rc == 0)
    rc = need_text(op->project, "项目产生指标须注明产生指标的项目 (project: 编号和名称)", "project",
                   err);
  if (rc == 0)
    rc = need_text(op->document, "项目产生指标须注明验收文件的文号 (document)", "document", err);
  if (rc) return rc;
  int year = op_year(op->year, err);
  if (year < 0) return LG_EINVAL;
  if ((rc = q_require(s, who, "create", to, err))) return rc;
  q_move_t m = {.kind = k.code,
                .amount = op->amount,
                .type = "produce",
                .debit_division = to,
                .debit_bucket = QB_PRODUCED,
                .credit_division = to,
                .credit_bucket = QB_AVAILABLE,
                .cause_type = "project",
                .cause_id = op->project,
                .year = year,
                .document = op->document,
                .note = op->note};
  return run_op(s, who, &m, NULL, &k, "", id, err);
}

int lg_quota_transfer(lg_store_t *s, const lg_subject_t *who, const lg_quota_op_t *op, int64_t *id,
                      lg_err_t *err) {
  lg_quota_kind_t k;
  char to[16], from[16];
  int rc = lg_quota_kind_get(s, op->kind, &k, err);
  if (rc == 0) rc = q_amount(op->amount, "划转数量 (amount)", err);
  if (rc == 0) rc = q_division(op->from, from, "划出方 (from)", err);
  if (rc == 0) rc = q_division(op->to, to, "划入方 (to)", err);
  if (rc) return rc;
  if (!strcmp(from, to)) {
    lg_err_set(err, LG_EINVAL, "不能把指标划转给自己 (%s)", from);
    lg_err_where(err, "to");
    return LG_EINVAL;
  }
  if ((rc = need_text(op->document, "划转指标须注明依据文件的文号 (document)", "document", err)))
    return rc;
  int year = op_year(op->year, err);
  if (year < 0) return LG_EINVAL;
  if ((rc = q_require(s, who, "act", from, err))) return rc;
  q_move_t m = {.kind = k.code,
                .amount = op->amount,
                .type = "transfer",
                .debit_division = from,
                .debit_bucket = QB_AVAILABLE,
                .credit_division = to,
                .credit_bucket = QB_AVAILABLE,
                .year = year,
                .document = op->document,
                .note = op->note};
  return run_op(s, who, &m, from, &k, "划出方", id, err);
}

/* ---- Reading ------------------------------------------------------------------------ */

/* code -> unit of every kind, as one JSON object. */
static json_t *units_of(lg_store_t *s) {
  json_t *kinds = NULL, *u = json_object();
  if (lg_quota_kinds(s, &kinds, NULL) == 0) {
    size_t i;
    const json_t *k;
    json_array_foreach(kinds, i, k) {
      json_object_set(u, json_string_value(json_object_get(k, "code")), json_object_get(k, "unit"));
    }
  }
  json_decref(kinds);
  return u;
}

static void bind_vis(lg_stmt_t *st, int i, const lg_auth_filter_t *vis) {
  lg_store_bind_text(st, i, vis ? vis->kind : "all");
  lg_store_bind_text(st, i + 1, vis ? vis->division : "");
}

int lg_quota_balances(lg_store_t *s, const lg_auth_filter_t *vis, const char *within,
                      const char *kind, json_t **out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      "SELECT division, kind, available, reserved, consumed, produced FROM lg_quota_accounts"
      " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND division LIKE ?2 || '%'))"
      " AND division LIKE ?3 || '%' AND (?4 = '' OR kind = ?4) ORDER BY division, kind",
      &st, err);
  if (rc) return rc;
  bind_vis(st, 1, vis);
  lg_store_bind_text(st, 3, within ? within : "");
  lg_store_bind_text(st, 4, kind ? kind : "");
  json_t *units = units_of(s), *arr = json_array();
  while (lg_store_step(st) == LG_ROW) {
    const char *k = lg_store_col_text(st, 1);
    const char *u = json_string_value(json_object_get(units, k));
    json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "division",
                                         lg_store_col_text(st, 0), "kind", k, "unit", u ? u : "",
                                         "available", (json_int_t)lg_store_col_int(st, 2),
                                         "reserved", (json_int_t)lg_store_col_int(st, 3),
                                         "consumed", (json_int_t)lg_store_col_int(st, 4),
                                         "produced", (json_int_t)lg_store_col_int(st, 5)));
  }
  lg_store_done(st);
  json_decref(units);
  *out = json_pack("{s:o}", "accounts", arr);
  return 0;
}

static int ledger_index_of(lg_store_t *s, const char *oid, int64_t *idx) {
  uint64_t found[1];
  size_t total = 0;
  *idx = -1;
  if (lg_ledger_object_entries(s, "quota.movement", oid, found, 1, &total, NULL) == 0 && total)
    *idx = (int64_t)found[0];
  return 0;
}

#define MOVEMENT_COLS                                                                              \
  "id, kind, amount, type, debit_division, debit_bucket, credit_division, credit_bucket,"          \
  " cause_type, cause_id, year, document, note, actor, role, at"

/* A movement row (MOVEMENT_COLS) as people read it. */
static json_t *movement_row(lg_stmt_t *st, const json_t *units, bool with_index, lg_store_t *s) {
  const char *kind = lg_store_col_text(st, 1);
  const char *u = json_string_value(json_object_get(units, kind));
  const char *type = lg_store_col_text(st, 3);
  json_t *o = json_pack(
      "{s:I, s:s, s:s, s:I, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:o, s:I, s:o, s:o, s:s,"
      " s:o, s:s}",
      "id", (json_int_t)lg_store_col_int(st, 0), "kind", kind, "unit", u ? u : "", "amount",
      (json_int_t)lg_store_col_int(st, 2), "type", type, "type_title", type_title(type), "debit",
      "division", lg_store_col_text(st, 4), "bucket", lg_store_col_text(st, 5), "credit",
      "division", lg_store_col_text(st, 6), "bucket", lg_store_col_text(st, 7), "cause_type",
      q_col_text(st, 8), "cause_id", q_col_text(st, 9), "year",
      (json_int_t)lg_store_col_int(st, 10), "document", q_col_text(st, 11), "note",
      q_col_text(st, 12), "actor", lg_store_col_text(st, 13), "role", q_col_text(st, 14), "at",
      lg_store_col_text(st, 15));
  if (with_index) {
    char oid[160];
    q_movement_object_id(lg_store_col_int(st, 0), kind, lg_store_col_int(st, 2),
                         lg_store_col_text(st, 4), lg_store_col_text(st, 5),
                         lg_store_col_text(st, 6), lg_store_col_text(st, 7), oid);
    int64_t idx;
    ledger_index_of(s, oid, &idx);
    json_object_set_new(o, "ledger_object_id", json_string(oid));
    json_object_set_new(o, "ledger_index", idx >= 0 ? json_integer(idx) : json_null());
  }
  return o;
}

int lg_quota_movements(lg_store_t *s, const lg_auth_filter_t *vis,
                       const lg_quota_movement_filter_t *f, json_t **out, lg_err_t *err) {
  lg_quota_movement_filter_t none = {0};
  if (!f) f = &none;
  int limit = f->limit > 0 && f->limit <= 1000 ? f->limit : 100;
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      "SELECT " MOVEMENT_COLS " FROM lg_quota_movements"
      " WHERE (?1 = 'all' OR (?1 = 'jurisdiction' AND (debit_division LIKE ?2 || '%'"
      "  OR credit_division LIKE ?2 || '%')))"
      " AND (?3 = '' OR debit_division LIKE ?3 || '%' OR credit_division LIKE ?3 || '%')"
      " AND (?4 = '' OR kind = ?4) AND (?5 = '' OR type = ?5)"
      " AND (?6 = '' OR cause_type = ?6) AND (?7 = '' OR cause_id = ?7)"
      " AND (?8 = 0 OR year = ?8) AND (?9 = 0 OR id < ?9)"
      " ORDER BY id DESC LIMIT ?10",
      &st, err);
  if (rc) return rc;
  bind_vis(st, 1, vis);
  lg_store_bind_text(st, 3, f->division ? f->division : "");
  lg_store_bind_text(st, 4, f->kind ? f->kind : "");
  lg_store_bind_text(st, 5, f->type ? f->type : "");
  lg_store_bind_text(st, 6, f->cause_type ? f->cause_type : "");
  lg_store_bind_text(st, 7, f->cause_id ? f->cause_id : "");
  lg_store_bind_int(st, 8, f->year);
  lg_store_bind_int(st, 9, f->before_id);
  lg_store_bind_int(st, 10, limit + 1);
  json_t *units = units_of(s), *arr = json_array();
  int64_t last = 0;
  bool more = false;
  while (lg_store_step(st) == LG_ROW) {
    if ((int)json_array_size(arr) == limit) {
      more = true;
      break;
    }
    last = lg_store_col_int(st, 0);
    json_array_append_new(arr, movement_row(st, units, true, s));
  }
  lg_store_done(st);
  json_decref(units);
  *out = json_pack("{s:o, s:o}", "movements", arr, "next_before",
                   more ? json_integer(last) : json_null());
  return 0;
}

int lg_quota_movement_get(lg_store_t *s, int64_t id, bool with_proof, json_t **out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT " MOVEMENT_COLS " FROM lg_quota_movements WHERE id = ?", &st,
                            err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  json_t *o = NULL;
  if (lg_store_step(st) == LG_ROW) {
    json_t *units = units_of(s);
    o = movement_row(st, units, true, s);
    json_decref(units);
  }
  lg_store_done(st);
  if (!o) return lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的指标流水", (long long)id);
  const json_t *idx = json_object_get(o, "ledger_index");
  if (with_proof && json_is_integer(idx)) {
    json_t *proof = NULL;
    if ((rc = lg_ledger_inclusion_json(s, (uint64_t)json_integer_value(idx), 0, &proof, err))) {
      json_decref(o);
      return rc;
    }
    json_object_set_new(o, "proof", proof);
  }
  *out = o;
  return 0;
}

int lg_quota_movement_divisions(lg_store_t *s, int64_t id, char debit[16], char credit[16],
                                lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s, "SELECT debit_division, credit_division FROM lg_quota_movements WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  if (lg_store_step(st) == LG_ROW) {
    snprintf(debit, 16, "%s", lg_store_col_text(st, 0));
    snprintf(credit, 16, "%s", lg_store_col_text(st, 1));
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "没有编号为 %lld 的指标流水", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

/* ---- The auditor of movements ------------------------------------------------------ */

int q_audit_movements(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s, "SELECT " MOVEMENT_COLS " FROM lg_quota_movements ORDER BY id", &st, err);
  if (rc) return rc;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    int64_t id = lg_store_col_int(st, 0), amount = lg_store_col_int(st, 2);
    const char *kind = lg_store_col_text(st, 1), *dd = lg_store_col_text(st, 4),
               *db = lg_store_col_text(st, 5), *cd = lg_store_col_text(st, 6),
               *cb = lg_store_col_text(st, 7);
    json_t *state = movement_state(id, kind, amount, lg_store_col_text(st, 3), dd, db, cd, cb,
                                   lg_store_col_text(st, 8), lg_store_col_text(st, 9),
                                   lg_store_col_int(st, 10), lg_store_col_text(st, 11),
                                   lg_store_col_text(st, 12), lg_store_col_text(st, 13),
                                   lg_store_col_text(st, 14), lg_store_col_text(st, 15));
    char oid[160];
    q_movement_object_id(id, kind, amount, dd, db, cd, cb, oid);
    unsigned char d[32];
    rc = lg_ledger_digest_json(state ? state : json_null(), d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_store_done(st);
  return rc;
}
