/*
 * Allocation by stock disposed (增存挂钩, seed 002 §3.2.2 and §4.3; 自然资规
 * 〔2018〕1号): next year's new-construction quota for each county proposed
 * from the stock land it disposed of this year, at rates that are data
 * (allocation.stock_rates).
 *
 * The figures are the stock module's business. Until it is there (it is
 * being built beside this one), they are recorded by hand, each with its
 * ledger entry; when the stock module registers a source
 * (lg_quota_stock_source), its figures are used instead for the counties
 * it knows, and recorded ones fill the rest. The proposal is a proposal:
 * the level above allocates with lg_quota_allocate, citing its document.
 */
#include "quota/quota_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static lg_quota_stock_fn stock_fn;
static void *stock_ud;

void lg_quota_stock_source(lg_quota_stock_fn fn, void *ud) {
  pthread_mutex_lock(&mu);
  stock_fn = fn;
  stock_ud = ud;
  pthread_mutex_unlock(&mu);
}

#define STOCK_COLS                                                                                 \
  "division, year, unsupplied_digested_m2, idle_disposed_m2, source, note, recorded_at,"           \
  " recorded_by"

/* A county's figures as served and recorded (STOCK_COLS). */
static json_t *stock_row(lg_stmt_t *st) {
  return json_pack("{s:s, s:I, s:I, s:I, s:s, s:o, s:s, s:s}", "division", lg_store_col_text(st, 0),
                   "year", (json_int_t)lg_store_col_int(st, 1), "unsupplied_digested_m2",
                   (json_int_t)lg_store_col_int(st, 2), "idle_disposed_m2",
                   (json_int_t)lg_store_col_int(st, 3), "source", lg_store_col_text(st, 4), "note",
                   q_col_text(st, 5), "recorded_at", lg_store_col_text(st, 6), "recorded_by",
                   lg_store_col_text(st, 7));
}

int lg_quota_stock_record(lg_store_t *s, const lg_subject_t *who,
                          const lg_quota_stock_figures_t *in, const char *note, lg_err_t *err) {
  lg_quota_stock_figures_t f = *in;
  int rc = q_division(in->division, f.division, "县 (division)", err);
  if (rc) return rc;
  if (strlen(f.division) != 6) {
    lg_err_set(err, LG_EINVAL, "存量土地处置数据按县登记: %s 不是县级代码", in->division);
    lg_err_where(err, "division");
    return LG_EINVAL;
  }
  if (f.year < 2000 || f.year > 2100) {
    lg_err_set(err, LG_EINVAL, "年度 %d 无效", f.year);
    lg_err_where(err, "year");
    return LG_EINVAL;
  }
  if (f.unsupplied_digested_m2 < 0 || f.idle_disposed_m2 < 0) {
    lg_err_set(err, LG_EINVAL, "处置面积应为非负整数 (平方米)");
    lg_err_where(err, f.unsupplied_digested_m2 < 0 ? "unsupplied_digested_m2" : "idle_disposed_m2");
    return LG_EINVAL;
  }
  snprintf(f.source, sizeof f.source, "recorded");
  if ((rc = q_require(s, who, "create", f.division, err))) return rc;
  q_actor_t by;
  q_actor_of(who, NULL, &by);
  char now[32], oid[32];
  q_now_iso(now);
  snprintf(oid, sizeof oid, "%s:%d", f.division, f.year);
  if ((rc = lg_store_begin(s, err))) return rc;
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_quota_stock_figures(division, year,"
                             " unsupplied_digested_m2, idle_disposed_m2, source, note, recorded_at,"
                             " recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (division,"
                             " year) DO UPDATE SET unsupplied_digested_m2 ="
                             " excluded.unsupplied_digested_m2, idle_disposed_m2 ="
                             " excluded.idle_disposed_m2, source = excluded.source, note ="
                             " excluded.note, recorded_at = excluded.recorded_at, recorded_by ="
                             " excluded.recorded_by",
                             &st, err)) == 0) {
    lg_store_bind_text(st, 1, f.division);
    lg_store_bind_int(st, 2, f.year);
    lg_store_bind_int(st, 3, f.unsupplied_digested_m2);
    lg_store_bind_int(st, 4, f.idle_disposed_m2);
    lg_store_bind_text(st, 5, f.source);
    lg_store_bind_text(st, 6, note && *note ? note : NULL);
    lg_store_bind_text(st, 7, now);
    lg_store_bind_text(st, 8, by.login);
    rc = lg_store_run_done(st, "保存存量土地处置数据失败", err);
  }
  json_t *state = NULL;
  if (rc == 0 &&
      (rc = lg_store_prepare(s,
                             "SELECT " STOCK_COLS " FROM lg_quota_stock_figures WHERE division = ?"
                             " AND year = ?",
                             &st, err)) == 0) {
    lg_store_bind_text(st, 1, f.division);
    lg_store_bind_int(st, 2, f.year);
    if (lg_store_step(st) == LG_ROW) state = stock_row(st);
    lg_store_done(st);
  }
  if (rc == 0)
    rc =
        q_record(s, &by, "quota.stock_figures", "quota.stock_figures", oid, f.division, state, err);
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  return rc;
}

int lg_quota_proposal(lg_store_t *s, const char *within_in, int year, json_t **out, lg_err_t *err) {
  char within[16] = "";
  int rc = 0;
  if (within_in && *within_in && (rc = q_division(within_in, within, "范围 (within)", err)))
    return rc;
  json_t *cfg = NULL;
  if ((rc = lg_quota_config(s, &cfg, err))) return rc;
  double r1 = json_number_value(q_cfg(cfg, "allocation.stock_rates.unsupplied_digested"));
  double r2 = json_number_value(q_cfg(cfg, "allocation.stock_rates.idle_disposed"));
  LG_VEC(lg_quota_stock_figures_t) figs = {0};
  /* The stock module's figures first. */
  pthread_mutex_lock(&mu);
  lg_quota_stock_fn fn = stock_fn;
  void *ud = stock_ud;
  pthread_mutex_unlock(&mu);
  if (fn) {
    lg_quota_stock_figures_t *got = NULL;
    size_t n = 0;
    if ((rc = fn(s, within, year, &got, &n, ud, err))) goto done;
    for (size_t i = 0; i < n; i++) {
      snprintf(got[i].source, sizeof got[i].source, "stock");
      lg_vec_push(&figs, got[i]);
    }
    lg_free(got);
  }
  /* Recorded figures for the counties the source did not give. */
  lg_stmt_t *st;
  if ((rc =
           lg_store_prepare(s,
                            "SELECT division, unsupplied_digested_m2, idle_disposed_m2, source"
                            " FROM lg_quota_stock_figures WHERE year = ? AND division LIKE ? || '%'"
                            " ORDER BY division",
                            &st, err)))
    goto done;
  lg_store_bind_int(st, 1, year);
  lg_store_bind_text(st, 2, within);
  while (lg_store_step(st) == LG_ROW) {
    const char *d = lg_store_col_text(st, 0);
    bool have = false;
    for (size_t i = 0; i < figs.len && !have; i++)
      have = !strcmp(figs.items[i].division, d);
    if (have) continue;
    lg_quota_stock_figures_t f = {.year = year,
                                  .unsupplied_digested_m2 = lg_store_col_int(st, 1),
                                  .idle_disposed_m2 = lg_store_col_int(st, 2)};
    snprintf(f.division, sizeof f.division, "%s", d);
    snprintf(f.source, sizeof f.source, "%s", lg_store_col_text(st, 3));
    lg_vec_push(&figs, f);
  }
  lg_store_done(st);
  json_t *counties = json_array();
  int64_t total = 0;
  for (size_t i = 0; i < figs.len; i++) {
    const lg_quota_stock_figures_t *f = &figs.items[i];
    int64_t p =
        (int64_t)llround((double)f->unsupplied_digested_m2 * r1 + (double)f->idle_disposed_m2 * r2);
    total += p;
    json_array_append_new(counties,
                          json_pack("{s:s, s:I, s:I, s:s, s:I}", "division", f->division,
                                    "unsupplied_digested_m2", (json_int_t)f->unsupplied_digested_m2,
                                    "idle_disposed_m2", (json_int_t)f->idle_disposed_m2, "source",
                                    f->source, "proposed_m2", (json_int_t)p));
  }
  *out = json_pack("{s:i, s:i, s:s, s:O, s:O, s:o, s:I, s:s}", "year", year, "for_year", year + 1,
                   "within", within, "rates", q_cfg(cfg, "allocation.stock_rates"), "basis",
                   q_cfg(cfg, "allocation.basis") ? q_cfg(cfg, "allocation.basis") : json_null(),
                   "counties", counties, "total_m2", (json_int_t)total, "kind", "new_construction");
done:
  lg_free(figs.items);
  json_decref(cfg);
  return rc;
}

int q_audit_stock_figures(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT " STOCK_COLS " FROM lg_quota_stock_figures", &st, err);
  if (rc) return rc;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    json_t *state = stock_row(st);
    char oid[32];
    snprintf(oid, sizeof oid, "%s:%lld", lg_store_col_text(st, 0),
             (long long)lg_store_col_int(st, 1));
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_store_done(st);
  return rc;
}
