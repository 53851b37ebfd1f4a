/*
 * Benchmark of the ledger (bench/ledger/run.sh builds and runs it): append
 * N entries through lg_ledger_append in transactions of B entries, beside
 * the floor, a plain SQLite insert of the same rows (same entry text made
 * by the same function, same columns but the hash, same index, same store
 * settings) in the same run; then, at that size, the time to compute the
 * root, to generate and verify inclusion and consistency proofs, to sign
 * a checkpoint and to verify the whole log. Prints the figures and the
 * ratio ledger / floor.
 *
 *   bench_ledger [--n N] [--batch B] [--proofs K] [--dir DIR] [--sync full|normal]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"

static void die(const char *what, const lg_err_t *err) {
  fprintf(stderr, "bench_ledger: %s: %s\n", what, err ? err->msg : "");
  exit(1);
}

static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Event i: a case decision; 200,000 distinct cases, so most are changed
 * several times, as cases are. */
static void event(uint64_t i, lg_ledger_event_t *ev, char id[32], unsigned char digest[32]) {
  static const char *const actions[] = {"case.submit", "case.review", "case.approve", "case.reject",
                                        "case.defer"};
  snprintf(id, 32, "2026-%06llu", (unsigned long long)(i % 200000));
  for (int k = 0; k < 4; k++) {
    uint64_t r = splitmix(i * 4 + (uint64_t)k);
    memcpy(digest + 8 * k, &r, 8);
  }
  memset(ev, 0, sizeof *ev);
  ev->actor = "zhangsan";
  ev->role = "审批科";
  ev->jurisdiction = "330102";
  ev->action = actions[i % 5];
  ev->object_type = "case";
  ev->object_id = id;
  ev->time = 1795338000 + (int64_t)i;
  ev->digest = digest;
}

static lg_store_t *open_store(const char *dir, const char *name, bool normal) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  unlink(path);
  char aux[600];
  snprintf(aux, sizeof aux, "%s-wal", path);
  unlink(aux);
  snprintf(aux, sizeof aux, "%s-shm", path);
  unlink(aux);
  lg_store_t *s;
  lg_err_t err = {0};
  if (lg_store_open(path, LG_STORE_CREATE, &s, &err)) die("open", &err);
  if (normal) lg_store_bulk_mode(s, true);
  return s;
}

static double file_mb(const char *dir, const char *name) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return stat(path, &st) == 0 ? (double)st.st_size / 1e6 : 0;
}

int main(int argc, char **argv) {
  uint64_t n = 1000000, batch = 100, k = 10000;
  const char *dir = "/tmp";
  bool normal = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--n"))
      n = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--batch"))
      batch = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--proofs"))
      k = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
    else if (!strcmp(argv[i], "--sync"))
      normal = !strcmp(argv[i + 1], "normal");
  }
  if (n == 0 || batch == 0) die("--n and --batch must be > 0", NULL);
  lg_log_set_level(LG_LOG_WARN);
  lg_err_t err = {0};
  lg_ledger_event_t ev;
  char id[32];
  unsigned char digest[32];
  printf("ledger benchmark: %llu entries, transactions of %llu, synchronous=%s, in %s\n",
         (unsigned long long)n, (unsigned long long)batch, normal ? "NORMAL" : "FULL", dir);

  /* The floor (the same rows, plain INSERT) and the ledger run side by
   * side, one transaction of each in turn, the order alternating, so that
   * both meet the same disk and the same neighbours on a shared machine. */
  lg_store_t *f = open_store(dir, "bench_floor.gpkg", normal);
  if (lg_store_exec(f,
                    "CREATE TABLE bench_plain (idx INTEGER PRIMARY KEY, entry TEXT NOT NULL,"
                    " object_type TEXT NOT NULL, object_id TEXT NOT NULL);"
                    "CREATE INDEX bench_plain_object ON bench_plain(object_type, object_id, idx)",
                    &err))
    die("floor table", &err);
  lg_stmt_t *ins;
  lg_store_prepare(f, "INSERT INTO bench_plain VALUES (?, ?, ?, ?)", &ins, NULL);
  lg_store_t *s = open_store(dir, "bench_ledger.gpkg", normal);
  if (lg_ledger_init(s, "landgov.example/bench", &err)) die("init", &err);
  lg_buf_t b;
  lg_buf_init(&b);
  double t_floor = 0, t_ledger = 0, t0;
  for (uint64_t start = 0, round = 0; start < n; start += batch, round++) {
    uint64_t end = start + batch < n ? start + batch : n;
    for (int which = 0; which < 2; which++) {
      bool ledger = (which + round) % 2 == 1;
      t0 = lg_mono();
      if (!ledger) {
        if (lg_store_begin(f, &err)) die("begin", &err);
        for (uint64_t i = start; i < end; i++) {
          event(i, &ev, id, digest);
          lg_buf_reset(&b);
          if (lg_ledger_entry_text(&ev, &b, &err)) die("entry", &err);
          lg_store_bind_int(ins, 1, (int64_t)i);
          lg_store_bind_textn(ins, 2, b.data, b.len);
          lg_store_bind_text(ins, 3, ev.object_type);
          lg_store_bind_text(ins, 4, ev.object_id);
          if (lg_store_step(ins) != LG_DONE) die("insert", NULL);
          lg_store_reset(ins);
        }
        if (lg_store_commit(f, &err)) die("commit", &err);
        t_floor += lg_mono() - t0;
      } else {
        if (lg_store_begin(s, &err)) die("begin", &err);
        for (uint64_t i = start; i < end; i++) {
          event(i, &ev, id, digest);
          if (lg_ledger_append(s, &ev, NULL, &err)) die("append", &err);
        }
        if (lg_store_commit(s, &err)) die("commit", &err);
        t_ledger += lg_mono() - t0;
      }
    }
  }
  lg_store_done(ins);
  lg_buf_fini(&b);
  lg_store_close(f);

  printf("\nappend (%llu entries, %llu per transaction)\n", (unsigned long long)n,
         (unsigned long long)batch);
  printf("  floor, plain INSERT      %8.2f s  %9.0f rows/s  %6.2f us/row  %7.1f MB\n", t_floor,
         (double)n / t_floor, t_floor / (double)n * 1e6, file_mb(dir, "bench_floor.gpkg"));
  printf("  lg_ledger_append         %8.2f s  %9.0f rows/s  %6.2f us/row  %7.1f MB\n", t_ledger,
         (double)n / t_ledger, t_ledger / (double)n * 1e6, file_mb(dir, "bench_ledger.gpkg"));
  printf("  ratio ledger / floor     %8.2f\n", t_ledger / t_floor);

  /* ---- At that size --------------------------------------------------------- */
  unsigned char root[32];
  t0 = lg_mono();
  const int roots = 1000;
  for (int r = 0; r < roots; r++)
    if (lg_ledger_root(s, n - (uint64_t)r % (n > 1 ? n - 1 : 1), root, &err)) die("root", &err);
  double t_root = (lg_mono() - t0) / roots;
  if (lg_ledger_root(s, n, root, &err)) die("root", &err);

  lg_ledger_proof_t p;
  double t_prove = 0, t_verify = 0;
  size_t plen = 0;
  for (uint64_t r = 0; r < k; r++) {
    uint64_t idx = splitmix(r + 7) % n;
    unsigned char leaf[32];
    t0 = lg_mono();
    if (lg_ledger_prove_inclusion(s, idx, n, &p, &err)) die("prove", &err);
    t_prove += lg_mono() - t0;
    plen += p.n;
    if (lg_ledger_entry(s, idx, NULL, leaf, &err)) die("entry", &err);
    t0 = lg_mono();
    if (lg_ledger_verify_inclusion(idx, n, leaf, &p, root, &err)) die("verify", &err);
    t_verify += lg_mono() - t0;
  }
  double t_cprove = 0, t_cverify = 0;
  size_t clen = 0;
  for (uint64_t r = 0; r < k; r++) {
    uint64_t m = 1 + splitmix(r + 99) % n;
    unsigned char r1[32];
    if (lg_ledger_root(s, m, r1, &err)) die("root", &err);
    t0 = lg_mono();
    if (lg_ledger_prove_consistency(s, m, n, &p, &err)) die("consistency", &err);
    t_cprove += lg_mono() - t0;
    clen += p.n;
    t0 = lg_mono();
    if (lg_ledger_verify_consistency(m, n, r1, root, &p, &err)) die("verify consistency", &err);
    t_cverify += lg_mono() - t0;
  }
  lg_ledger_checkpoint_t cp;
  t0 = lg_mono();
  if (lg_ledger_checkpoint(s, &cp, &err)) die("checkpoint", &err);
  double t_sign = lg_mono() - t0;
  lg_ledger_checkpoint_fini(&cp);
  lg_ledger_verify_report_t rep;
  t0 = lg_mono();
  if (lg_ledger_verify(s, &rep, &err)) die("verify log", &err);
  double t_all = lg_mono() - t0;
  lg_ledger_verify_report_fini(&rep);

  printf("\nat %llu entries (%llu samples each)\n", (unsigned long long)n, (unsigned long long)k);
  printf("  root of a tree size            %8.1f us\n", t_root * 1e6);
  printf("  inclusion proof, generate      %8.1f us  (%.1f hashes)\n", t_prove / (double)k * 1e6,
         (double)plen / (double)k);
  printf("  inclusion proof, verify        %8.1f us\n", t_verify / (double)k * 1e6);
  printf("  consistency proof, generate    %8.1f us  (%.1f hashes)\n", t_cprove / (double)k * 1e6,
         (double)clen / (double)k);
  printf("  consistency proof, verify      %8.1f us\n", t_cverify / (double)k * 1e6);
  printf("  sign a checkpoint              %8.1f ms\n", t_sign * 1e3);
  printf("  verify the whole log           %8.2f s\n", t_all);
  lg_store_close(s);
  return 0;
}
