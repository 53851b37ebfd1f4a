/*
 * Reconciliation (landgov quota reconcile): every account's buckets three
 * ways, the kept balance, the sum of the movements, and the sum of what
 * the ledger's "quota.movement" entries say (their object ids carry each
 * movement: id, kind, amount, debit and credit), each entry's leaf hash
 * checked against its text; the movement rows against the ledger's, one
 * by one; holds against reserved buckets; and conservation per kind.
 * Any difference is reported with the account, the bucket and the three
 * figures. And the module's table of ledger auditors.
 */
#include "quota/quota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Accounts in a small hash table ---------------------------------------------------- */

typedef struct acct {
  char key[64]; /* "division|kind" */
  char division[16], kind[32];
  int64_t stored[QB_N], mov[QB_N], led[QB_N], held;
  bool in_stored;
} acct_t;

typedef struct table {
  acct_t *slots;
  size_t cap, n;
} table_t;

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static acct_t *find(table_t *t, const char *division, const char *kind) {
  if (t->n * 2 >= t->cap) {
    table_t bigger = {.cap = t->cap ? t->cap * 2 : 256};
    bigger.slots = lg_calloc(bigger.cap, sizeof *bigger.slots);
    for (size_t i = 0; i < t->cap; i++) {
      if (!t->slots[i].key[0]) continue;
      size_t j = hash(t->slots[i].key) & (bigger.cap - 1);
      while (bigger.slots[j].key[0])
        j = (j + 1) & (bigger.cap - 1);
      bigger.slots[j] = t->slots[i];
      bigger.n++;
    }
    lg_free(t->slots);
    *t = bigger;
  }
  char key[64];
  snprintf(key, sizeof key, "%s|%s", division, kind);
  size_t j = hash(key) & (t->cap - 1);
  while (t->slots[j].key[0] && strcmp(t->slots[j].key, key))
    j = (j + 1) & (t->cap - 1);
  acct_t *a = &t->slots[j];
  if (!a->key[0]) {
    snprintf(a->key, sizeof a->key, "%s", key);
    snprintf(a->division, sizeof a->division, "%s", division);
    snprintf(a->kind, sizeof a->kind, "%s", kind);
    t->n++;
  }
  return a;
}

/* A debit or credit of amount on a bucket, as q_post applies it. */
static void apply(int64_t *b, int bucket, int64_t amount, bool debit) {
  bool source = bucket == QB_PRODUCED || bucket == QB_ISSUED;
  b[bucket] += (debit == source) ? amount : -amount;
}

/* ---- The ledger's movements ---------------------------------------------------------------- */

typedef struct led {
  int64_t id, amount;
  char kind[32], dd[16], db[16], cd[16], cb[16];
} led_t;

typedef struct scan {
  table_t *t;
  LG_VEC(led_t) items;
  json_t *diffs;
  uint64_t entries;
} scan_t;

static void diff(json_t *diffs, const char *what, const char *division, const char *kind,
                 const char *bucket, json_t *stored, json_t *mov, json_t *led, int64_t movement,
                 const char *text) {
  json_array_append_new(
      diffs,
      json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:o, s:s}", "what", what, "division",
                division, "kind", kind, "bucket", bucket, "stored", stored ? stored : json_null(),
                "from_movements", mov ? mov : json_null(), "from_ledger", led ? led : json_null(),
                "movement_id", movement > 0 ? json_integer(movement) : json_null(), "text", text));
}

static int on_entry(void *ctx, uint64_t index, const char *oid, const char *text, size_t len,
                    const unsigned char *leaf) {
  scan_t *sc = ctx;
  sc->entries++;
  led_t l;
  char msg[400];
  unsigned char h[32];
  lg_ledger_leaf_hash(text, len, h);
  /* The entry must be what its leaf hash says, and name this object. */
  char want[200];
  snprintf(want, sizeof want, "\"object_id\":\"%s\"", oid ? oid : "");
  if (!leaf || memcmp(h, leaf, 32) != 0 || !strstr(text, want)) {
    snprintf(msg, sizeof msg, "账本第 %llu 号条目 (%s) 与其叶哈希或对象编号不符: 条目被改动",
             (unsigned long long)index, oid ? oid : "");
    diff(sc->diffs, "ledger_entry", NULL, NULL, NULL, NULL, NULL, NULL, 0, msg);
    return 0;
  }
  if (!q_movement_object_parse(oid, &l.id, l.kind, &l.amount, l.dd, l.db, l.cd, l.cb)) {
    snprintf(msg, sizeof msg, "账本第 %llu 号条目的对象编号 %s 不是指标流水的格式",
             (unsigned long long)index, oid ? oid : "");
    diff(sc->diffs, "ledger_entry", NULL, NULL, NULL, NULL, NULL, NULL, 0, msg);
    return 0;
  }
  lg_vec_push(&sc->items, l);
  apply(find(sc->t, l.dd, l.kind)->led, q_bucket_of(l.db), l.amount, true);
  apply(find(sc->t, l.cd, l.kind)->led, q_bucket_of(l.cb), l.amount, false);
  return 0;
}

static int led_cmp(const void *a, const void *b) {
  int64_t x = ((const led_t *)a)->id, y = ((const led_t *)b)->id;
  return x < y ? -1 : x > y;
}

/* ---- Reconcile ----------------------------------------------------------------------------------
 */

int lg_quota_reconcile(lg_store_t *s, json_t **out, lg_err_t *err) {
  table_t t = {0};
  scan_t sc = {.t = &t, .diffs = json_array()};
  lg_stmt_t *st = NULL;
  uint64_t movements = 0;
  char msg[400];
  /* 1. The kept balances. */
  int rc = lg_store_prepare(s,
                            "SELECT division, kind, available, reserved, consumed, produced, issued"
                            " FROM lg_quota_accounts",
                            &st, err);
  if (rc) goto done;
  while (lg_store_step(st) == LG_ROW) {
    acct_t *a = find(&t, lg_store_col_text(st, 0), lg_store_col_text(st, 1));
    a->in_stored = true;
    for (int b = 0; b < QB_N; b++)
      a->stored[b] = lg_store_col_int(st, 2 + b);
  }
  lg_store_done(st);
  /* 2. The movements, summed by the database. */
  static const char *const sums[2] = {
      "SELECT debit_division, kind, debit_bucket, sum(amount), count(*) FROM lg_quota_movements"
      " GROUP BY debit_division, kind, debit_bucket",
      "SELECT credit_division, kind, credit_bucket, sum(amount), count(*) FROM lg_quota_movements"
      " GROUP BY credit_division, kind, credit_bucket"};
  for (int side = 0; side < 2; side++) {
    if ((rc = lg_store_prepare(s, sums[side], &st, err))) goto done;
    while (lg_store_step(st) == LG_ROW) {
      int b = q_bucket_of(lg_store_col_text(st, 2));
      if (side == 0) movements += (uint64_t)lg_store_col_int(st, 4);
      if (b < 0) {
        snprintf(msg, sizeof msg, "流水的科目 \"%s\" 无效", lg_store_col_text(st, 2));
        diff(sc.diffs, "movement", lg_store_col_text(st, 0), lg_store_col_text(st, 1), NULL, NULL,
             NULL, NULL, 0, msg);
        continue;
      }
      apply(find(&t, lg_store_col_text(st, 0), lg_store_col_text(st, 1))->mov, b,
            lg_store_col_int(st, 3), side == 0);
    }
    lg_store_done(st);
  }
  /* 3. The ledger alone. */
  if ((rc = lg_ledger_type_entries(s, "quota.movement", on_entry, &sc, err))) goto done;
  /* 4. Holds. */
  if ((rc = lg_store_prepare(s,
                             "SELECT holder, kind, sum(amount) FROM lg_quota_holds"
                             " GROUP BY holder, kind",
                             &st, err)))
    goto done;
  while (lg_store_step(st) == LG_ROW)
    find(&t, lg_store_col_text(st, 0), lg_store_col_text(st, 1))->held = lg_store_col_int(st, 2);
  lg_store_done(st);

  /* Account by account, bucket by bucket. */
  json_t *kinds = json_object();
  for (size_t i = 0; i < t.cap; i++) {
    acct_t *a = &t.slots[i];
    if (!a->key[0]) continue;
    for (int b = 0; b < QB_N; b++) {
      if (a->stored[b] == a->mov[b] && a->mov[b] == a->led[b]) continue;
      snprintf(msg, sizeof msg, "%s %s 的 %s: 账户表 %lld, 按流水 %lld, 按账本 %lld%s", a->division,
               a->kind, q_bucket_names[b], (long long)a->stored[b], (long long)a->mov[b],
               (long long)a->led[b], a->in_stored ? "" : " (账户表中没有此账户)");
      diff(sc.diffs, "balance", a->division, a->kind, q_bucket_names[b], json_integer(a->stored[b]),
           json_integer(a->mov[b]), json_integer(a->led[b]), 0, msg);
    }
    if (a->held != a->stored[QB_RESERVED]) {
      snprintf(msg, sizeof msg, "%s %s 的预留 %lld 与各项预留之和 %lld 不符", a->division, a->kind,
               (long long)a->stored[QB_RESERVED], (long long)a->held);
      diff(sc.diffs, "hold", a->division, a->kind, "reserved", json_integer(a->stored[QB_RESERVED]),
           json_integer(a->held), NULL, 0, msg);
    }
    json_t *k = json_object_get(kinds, a->kind);
    if (!k) {
      k = json_pack("{s:s, s:I, s:I, s:I, s:I}", "kind", a->kind, "in_hand", (json_int_t)0,
                    "consumed", (json_int_t)0, "produced", (json_int_t)0, "issued", (json_int_t)0);
      json_object_set_new(kinds, a->kind, k);
    }
    static const char *const f[] = {"in_hand", "consumed", "produced", "issued"};
    int64_t v[] = {a->stored[QB_AVAILABLE] + a->stored[QB_RESERVED], a->stored[QB_CONSUMED],
                   a->stored[QB_PRODUCED], a->stored[QB_ISSUED]};
    for (int j = 0; j < 4; j++)
      json_object_set_new(k, f[j],
                          json_integer(json_integer_value(json_object_get(k, f[j])) + v[j]));
  }
  /* Conservation: what is in hand or consumed is what was produced or issued. */
  json_t *karr = json_array();
  const char *kk;
  json_t *kv;
  json_object_foreach(kinds, kk, kv) {
    json_int_t lhs = json_integer_value(json_object_get(kv, "in_hand")) +
                     json_integer_value(json_object_get(kv, "consumed"));
    json_int_t rhs = json_integer_value(json_object_get(kv, "produced")) +
                     json_integer_value(json_object_get(kv, "issued"));
    if (lhs != rhs) {
      snprintf(msg, sizeof msg, "%s 不守恒: 在手 + 已核销 = %lld, 产生 + 下达 = %lld", kk,
               (long long)lhs, (long long)rhs);
      diff(sc.diffs, "conservation", NULL, kk, NULL, json_integer(lhs), json_integer(rhs), NULL, 0,
           msg);
    }
    json_array_append(karr, kv);
  }
  json_decref(kinds);

  /* Row by row: each movement against its ledger entry. */
  if (sc.items.len) qsort(sc.items.items, sc.items.len, sizeof *sc.items.items, led_cmp);
  if ((rc = lg_store_prepare(s,
                             "SELECT id, kind, amount, debit_division, debit_bucket,"
                             " credit_division, credit_bucket FROM lg_quota_movements ORDER BY id",
                             &st, err))) {
    json_decref(karr);
    goto done;
  }
  size_t j = 0;
  while (lg_store_step(st) == LG_ROW) {
    int64_t id = lg_store_col_int(st, 0);
    for (; j < sc.items.len && sc.items.items[j].id < id; j++) {
      snprintf(msg, sizeof msg, "账本记有流水 %lld, 流水表中却没有",
               (long long)sc.items.items[j].id);
      diff(sc.diffs, "movement", sc.items.items[j].dd, sc.items.items[j].kind, NULL, NULL, NULL,
           NULL, sc.items.items[j].id, msg);
    }
    char oid[160];
    q_movement_object_id(id, lg_store_col_text(st, 1), lg_store_col_int(st, 2),
                         lg_store_col_text(st, 3), lg_store_col_text(st, 4),
                         lg_store_col_text(st, 5), lg_store_col_text(st, 6), oid);
    if (j < sc.items.len && sc.items.items[j].id == id) {
      const led_t *l = &sc.items.items[j];
      char lo[160];
      q_movement_object_id(l->id, l->kind, l->amount, l->dd, l->db, l->cd, l->cb, lo);
      if (strcmp(lo, oid)) {
        snprintf(msg, sizeof msg, "流水 %lld 与账本不符: 流水表 %s, 账本 %s", (long long)id, oid,
                 lo);
        diff(sc.diffs, "movement", lg_store_col_text(st, 3), lg_store_col_text(st, 1), NULL,
             json_string(oid), NULL, json_string(lo), id, msg);
      }
      j++;
    } else {
      snprintf(msg, sizeof msg, "流水 %lld (%s) 没有账本记录", (long long)id, oid);
      diff(sc.diffs, "movement", lg_store_col_text(st, 3), lg_store_col_text(st, 1), NULL,
           json_string(oid), NULL, NULL, id, msg);
    }
  }
  lg_store_done(st);
  for (; j < sc.items.len; j++) {
    snprintf(msg, sizeof msg, "账本记有流水 %lld, 流水表中却没有", (long long)sc.items.items[j].id);
    diff(sc.diffs, "movement", sc.items.items[j].dd, sc.items.items[j].kind, NULL, NULL, NULL, NULL,
         sc.items.items[j].id, msg);
  }
  size_t accounts = 0;
  for (size_t i = 0; i < t.cap; i++)
    accounts += t.slots[i].key[0] && t.slots[i].in_stored;
  *out =
      json_pack("{s:b, s:I, s:I, s:I, s:o, s:O}", "ok", json_array_size(sc.diffs) == 0, "accounts",
                (json_int_t)accounts, "movements", (json_int_t)movements, "ledger_entries",
                (json_int_t)sc.entries, "kinds", karr, "differences", sc.diffs);
done:
  json_decref(sc.diffs);
  lg_free(sc.items.items);
  lg_free(t.slots);
  return rc;
}

/* ---- The auditors ------------------------------------------------------------------------------
 */

int q_audit_movements(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_cases(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_listings(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_bids(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_trades(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_fund(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_enclaves(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_enclave_figures(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_enclave_settlements(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);
int q_audit_stock_figures(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err);

static const lg_ledger_auditor_t a_movement = {"quota.movement", q_audit_movements};
static const lg_ledger_auditor_t a_kind = {"quota.kind", q_audit_kinds};
static const lg_ledger_auditor_t a_config = {"quota.config", q_audit_config};
static const lg_ledger_auditor_t a_case = {"quota.case", q_audit_cases};
static const lg_ledger_auditor_t a_listing = {"quota.listing", q_audit_listings};
static const lg_ledger_auditor_t a_bid = {"quota.bid", q_audit_bids};
static const lg_ledger_auditor_t a_trade = {"quota.trade", q_audit_trades};
static const lg_ledger_auditor_t a_fund = {"quota.fund", q_audit_fund};
static const lg_ledger_auditor_t a_enclave = {"quota.enclave", q_audit_enclaves};
static const lg_ledger_auditor_t a_figures = {"quota.enclave_figures", q_audit_enclave_figures};
static const lg_ledger_auditor_t a_settlement = {"quota.enclave_settlement",
                                                 q_audit_enclave_settlements};
static const lg_ledger_auditor_t a_stock = {"quota.stock_figures", q_audit_stock_figures};

const lg_ledger_auditor_t *const lg_quota_auditors[] = {
    &a_movement, &a_kind,    &a_config,  &a_case,       &a_listing, &a_bid, &a_trade,
    &a_fund,     &a_enclave, &a_figures, &a_settlement, &a_stock,   NULL,
};
