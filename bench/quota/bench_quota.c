/*
 * Benchmark of the quota bank (bench/quota/run.sh builds and runs it):
 * N transfers through lg_quota_transfer in transactions of B (each a
 * savepoint of its own inside, as a request's would be: kind and
 * divisions checked, the payer's balance read, both accounts updated,
 * the movement row inserted with its ledger entry), beside the floor:
 * plain INSERTs of the same movement rows (the same values, the same
 * table and indexes, in an identical store) in the same run, one
 * transaction of each in turn, the order alternating. Then, at that size:
 * a reconciliation (balances from the kept accounts, from every movement
 * and from every ledger entry, each movement against its entry) beside
 * its floor, the database's own aggregate of the movements by account
 * and bucket; and the ledger audit of the movements.
 *
 *   bench_quota [--n N] [--batch B] [--dir DIR] [--bank TARGET --floor TARGET]
 *
 * Without --bank/--floor the stores are GeoPackages in DIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "quota/quota.h"

static void die(const char *what, const lg_err_t *err) {
  fprintf(stderr, "bench_quota: %s: %s\n", what, err ? err->msg : "");
  exit(1);
}

static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static lg_store_t *open_store(const char *target) {
  lg_store_t *s;
  lg_err_t err = {0};
  if (lg_store_open(target, LG_STORE_CREATE, &s, &err)) die("open", &err);
  return s;
}

/* Transfer i: from the province to one of 100 counties, 1 to 1,000 m2 of
 * one of three kinds. */
static void transfer(uint64_t i, lg_quota_op_t *op, char to[8]) {
  static const char *const kinds[] = {"new_construction", "cultivated_area", "linkage_surplus"};
  uint64_t r = splitmix(i);
  snprintf(to, 8, "3607%02d", (int)(1 + r % 99));
  *op = (lg_quota_op_t){.kind = kinds[(r >> 8) % 3],
                        .amount = (int64_t)(1 + (r >> 16) % 1000),
                        .from = "36",
                        .to = to,
                        .year = 2026,
                        .document = "赣自然资函〔2026〕88号"};
}

int main(int argc, char **argv) {
  uint64_t n = 100000, batch = 1000;
  const char *dir = "/tmp", *bank_target = NULL, *floor_target = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--n"))
      n = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--batch"))
      batch = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
    else if (!strcmp(argv[i], "--bank"))
      bank_target = argv[i + 1];
    else if (!strcmp(argv[i], "--floor"))
      floor_target = argv[i + 1];
  }
  if (n == 0 || batch == 0) die("--n and --batch must be > 0", NULL);
  lg_log_set_level(LG_LOG_WARN);
  char bank_path[512], floor_path[512];
  snprintf(bank_path, sizeof bank_path, "%s/bench_quota_bank.gpkg", dir);
  snprintf(floor_path, sizeof floor_path, "%s/bench_quota_floor.gpkg", dir);
  if (!bank_target) {
    unlink(bank_path);
    unlink(floor_path);
    bank_target = bank_path;
    floor_target = floor_path;
  }
  lg_err_t err = {0};
  lg_store_t *s = open_store(bank_target), *f = open_store(floor_target);
  printf("quota benchmark: %llu transfers, transactions of %llu, on %s\n", (unsigned long long)n,
         (unsigned long long)batch,
         lg_store_backend(s) == LG_STORE_PG ? "PostgreSQL" : "GeoPackage");
  if (lg_ledger_init(s, "landgov.example/bench", &err)) die("init", &err);
  /* What the province has to give: more than N transfers can take. */
  static const char *const kinds[] = {"new_construction", "cultivated_area", "linkage_surplus"};
  for (int k = 0; k < 3; k++) {
    lg_quota_op_t op = {.kind = kinds[k],
                        .amount = 1000000000,
                        .to = "36",
                        .year = 2026,
                        .document = "自然资发〔2026〕1号"};
    if (lg_quota_allocate(s, NULL, &op, NULL, &err)) die("issue", &err);
  }
  lg_stmt_t *ins;
  if (lg_store_prepare(f,
                       "INSERT INTO lg_quota_movements(kind, amount, type, debit_division,"
                       " debit_bucket, credit_division, credit_bucket, cause_type, cause_id, year,"
                       " document, note, actor, role, at) VALUES (?, ?, 'transfer', ?, 'available',"
                       " ?, 'available', NULL, NULL, ?, ?, NULL, 'system', 'system', ?)",
                       &ins, &err))
    die("floor insert", &err);
  char now[32];
  lg_time_iso(lg_now(), now);
  double t_floor = 0, t_bank = 0, t0;
  for (uint64_t start = 0, round = 0; start < n; start += batch, round++) {
    uint64_t end = start + batch < n ? start + batch : n;
    for (int which = 0; which < 2; which++) {
      bool bank = (which + round) % 2 == 1;
      lg_store_t *x = bank ? s : f;
      t0 = lg_mono();
      if (lg_store_begin(x, &err)) die("begin", &err);
      for (uint64_t i = start; i < end; i++) {
        lg_quota_op_t op;
        char to[8];
        transfer(i, &op, to);
        if (bank) {
          if (lg_quota_transfer(s, NULL, &op, NULL, &err)) die("transfer", &err);
        } else {
          lg_store_bind_text(ins, 1, op.kind);
          lg_store_bind_int(ins, 2, op.amount);
          lg_store_bind_text(ins, 3, op.from);
          lg_store_bind_text(ins, 4, op.to);
          lg_store_bind_int(ins, 5, op.year);
          lg_store_bind_text(ins, 6, op.document);
          lg_store_bind_text(ins, 7, now);
          if (lg_store_step(ins) != LG_DONE) die("insert", NULL);
          lg_store_reset(ins);
        }
      }
      if (lg_store_commit(x, &err)) die("commit", &err);
      if (bank)
        t_bank += lg_mono() - t0;
      else
        t_floor += lg_mono() - t0;
    }
  }
  lg_store_done(ins);
  printf("\ntransfers (%llu, %llu per transaction)\n", (unsigned long long)n,
         (unsigned long long)batch);
  printf("  floor, plain INSERT of the movement rows  %8.2f s  %8.1f us/row\n", t_floor,
         t_floor / (double)n * 1e6);
  printf("  lg_quota_transfer                         %8.2f s  %8.1f us/row\n", t_bank,
         t_bank / (double)n * 1e6);
  printf("  ratio bank / floor                        %8.2f\n", t_bank / t_floor);

  /* ---- At that size ------------------------------------------------------------- */
  json_t *rec = NULL;
  t0 = lg_mono();
  if (lg_quota_reconcile(s, &rec, &err)) die("reconcile", &err);
  double t_rec = lg_mono() - t0;
  if (!json_is_true(json_object_get(rec, "ok"))) die("reconcile found differences", NULL);
  long long movements = (long long)json_integer_value(json_object_get(rec, "movements"));
  long long entries = (long long)json_integer_value(json_object_get(rec, "ledger_entries"));
  json_decref(rec);
  lg_stmt_t *agg;
  t0 = lg_mono();
  if (lg_store_prepare(f,
                       "SELECT credit_division, kind, credit_bucket, sum(amount), count(*)"
                       " FROM lg_quota_movements GROUP BY credit_division, kind, credit_bucket",
                       &agg, &err))
    die("aggregate", &err);
  long long groups = 0;
  while (lg_store_step(agg) == LG_ROW)
    groups++;
  lg_store_done(agg);
  double t_agg = lg_mono() - t0;
  printf("\nreconciliation at %lld movements, %lld ledger entries\n", movements, entries);
  printf("  floor, one GROUP BY over the movements    %8.3f s  (%lld groups)\n", t_agg, groups);
  printf("  lg_quota_reconcile                        %8.3f s\n", t_rec);
  printf("  ratio reconcile / floor                   %8.2f\n", t_rec / t_agg);
  const lg_ledger_auditor_t *only[] = {lg_quota_auditors[0], NULL};
  lg_ledger_audit_t a;
  t0 = lg_mono();
  if (lg_ledger_audit(s, only, &a, &err)) die("audit", &err);
  double t_audit = lg_mono() - t0;
  if (a.findings.len) die("audit found differences", NULL);
  printf("  ledger audit of every movement            %8.3f s  (%llu objects)\n", t_audit,
         (unsigned long long)a.objects);
  lg_ledger_audit_fini(&a);
  lg_store_close(f);
  lg_store_close(s);
  return 0;
}
