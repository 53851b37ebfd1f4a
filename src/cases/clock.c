/*
 * Time for cases: the engine's timers fired on a tick, the cases they
 * moved brought up to date, a background thread that ticks every second
 * for `landgov serve` (and once at start, so that deadlines that passed
 * while no server ran are met at once), and the injectable clock.
 *
 * The clock is landgov's one clock (lg_now, lg_clock_set in core), so a
 * test that moves it moves everything that reads the time: deadlines,
 * timers, the journal, and sessions too (a jump of days ends idle
 * sessions, as it would in life). LANDGOV_CLOCK_FILE names a file read on
 * every tick: absolute Unix seconds, an ISO 8601 UTC time, or "+N"/"-N"
 * seconds from the real clock.
 */
#include "cases/cases_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger/ledger.h"

int64_t lg_cases_clock_sync(void) {
  const char *path = getenv("LANDGOV_CLOCK_FILE");
  if (!path || !*path) return lg_now();
  char *text = NULL;
  size_t n = 0;
  int64_t fixed = 0;
  if (lg_file_read(path, &text, &n, NULL) == 0) {
    char *t = lg_trim(text);
    char *end = NULL;
    if (*t == '+' || *t == '-') {
      errno = 0;
      long long off = strtoll(t, &end, 10);
      if (!errno && end != t && !*lg_trim(end)) fixed = (int64_t)time(NULL) + off;
    } else if (*t) {
      errno = 0;
      long long abs_t = strtoll(t, &end, 10);
      if (!errno && end != t && !*end && abs_t > 0) {
        fixed = abs_t;
      } else if (lg_time_parse_iso(t, &fixed, NULL) != 0) {
        fixed = 0;
        lg_log(LG_LOG_WARN, "时钟文件 %s 的内容 \"%.40s\" 无法识别, 使用系统时钟", path, t);
      }
    }
  }
  lg_free(text);
  lg_clock_set(fixed);
  return lg_now();
}

/* The cases whose instances moved since ledger entry `from`: every
 * transition of the engine, a fired timer included, appends an entry
 * naming its instance ("flow.instance"), so the ledger says exactly which
 * cases a tick touched (and perhaps a few that people moved meanwhile,
 * which costs nothing but a sync). */
static void moved_cases(lg_store_t *s, uint64_t from, void *ids_vec) {
  LG_VEC(int64_t) *ids = ids_vec;
  uint64_t to = 0;
  if (lg_ledger_size(s, &to, NULL) != 0) return;
  for (uint64_t i = from; i < to; i++) {
    char *text = NULL;
    if (lg_ledger_entry(s, i, &text, NULL, NULL) != 0) continue;
    json_t *e = json_loads(text, 0, NULL);
    lg_free(text);
    const char *type = json_string_value(json_object_get(e, "object_type"));
    const char *oid = json_string_value(json_object_get(e, "object_id"));
    int64_t cid = 0;
    if (type && oid && !strcmp(type, "flow.instance") &&
        cs_case_of_instance(s, strtoll(oid, NULL, 10), &cid, NULL) == 0) {
      bool dup = false;
      for (size_t k = 0; k < ids->len; k++)
        if (ids->items[k] == cid) dup = true;
      if (!dup) lg_vec_push(ids, cid);
    }
    json_decref(e);
  }
}

int lg_cases_tick(lg_store_t *s, int64_t now, int *fired, lg_err_t *err) {
  int n = 0;
  uint64_t before = 0;
  bool known = lg_ledger_size(s, &before, NULL) == 0;
  int rc = lg_flow_tick(s, now, &n, err);
  if (fired) *fired = n;
  if (n == 0) return rc;
  /* Timers moved some instances: bring their cases up to date. */
  LG_VEC(int64_t) ids = {0};
  if (known) {
    moved_cases(s, before, &ids);
  } else {
    lg_stmt_t *st;
    lg_err_t e2 = {0};
    if (lg_store_prepare(s, "SELECT id FROM lg_cases WHERE status IN (" CS_OPEN_STATUSES ")", &st,
                         &e2))
      return rc ? rc : lg_err_set(err, e2.code, "%s", e2.msg);
    while (lg_store_step(st) == LG_ROW)
      lg_vec_push(&ids, lg_store_col_int(st, 0));
    lg_store_done(st);
  }
  for (size_t i = 0; i < ids.len; i++) {
    lg_err_t e3 = {0};
    int src = lg_store_begin(s, &e3);
    if (src == 0) src = cs_sync(s, ids.items[i], now, "system", &e3);
    if (src == 0) src = lg_store_commit(s, &e3);
    if (src) {
      lg_store_rollback(s);
      lg_log(LG_LOG_WARN, "案件 %lld 同步流程状态失败: %s", (long long)ids.items[i], e3.msg);
      if (!rc) {
        rc = src;
        if (err) *err = e3;
      }
    }
  }
  lg_free(ids.items);
  return rc;
}

/* ---- The ticking thread ---------------------------------------------------------- */

struct lg_cases_ticker {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
  double interval;
  lg_store_t *s;
};

static void *ticker_main(void *arg) {
  lg_cases_ticker_t *t = arg;
  pthread_mutex_lock(&t->mu);
  while (!t->stop) {
    pthread_mutex_unlock(&t->mu);
    int64_t now = lg_cases_clock_sync();
    lg_err_t err = {0};
    int fired = 0;
    /* Errors are logged by the engine and retried on the next tick. */
    lg_cases_tick(t->s, now, &fired, &err);
    if (fired) lg_log(LG_LOG_INFO, "定时器: 触发 %d 个", fired);
    pthread_mutex_lock(&t->mu);
    if (t->stop) break;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long long ns = (long long)(t->interval * 1e9);
    until.tv_sec += ns / 1000000000LL;
    until.tv_nsec += ns % 1000000000LL;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
      ;
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

int lg_cases_ticker_start(const char *db_path, double interval_s, lg_cases_ticker_t **out,
                          lg_err_t *err) {
  *out = NULL;
  lg_cases_ticker_t *t = lg_calloc(1, sizeof *t);
  t->interval = interval_s > 0 ? interval_s : 1.0;
  int rc = lg_store_open(db_path, 0, &t->s, err);
  if (rc) {
    lg_free(t);
    return rc;
  }
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    lg_store_close(t->s);
    lg_free(t);
    return lg_err_set(err, LG_EINTERNAL, "无法启动定时器线程");
  }
  *out = t;
  return 0;
}

void lg_cases_ticker_stop(lg_cases_ticker_t *t) {
  if (!t) return;
  pthread_mutex_lock(&t->mu);
  t->stop = true;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  pthread_mutex_destroy(&t->mu);
  pthread_cond_destroy(&t->cv);
  lg_store_close(t->s);
  lg_free(t);
}
