/*
 * Logging, clocks and the deterministic random generator. The clock can be
 * fixed by tests (statutory deadlines are computed from lg_now()); the
 * generator is xoshiro256** so that a synthetic county is the same for
 * the same seed on every machine.
 */
#include "core/core.h"

#include <stdio.h>
#include <time.h>

static int log_level = LG_LOG_INFO;
static _Atomic int64_t fixed_clock = 0;

void lg_log_set_level(int level) { log_level = level; }

void lg_log(int level, const char *fmt, ...) {
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (level < log_level) return;
  char ts[32];
  lg_time_iso(lg_now(), ts);
  va_list ap;
  va_start(ap, fmt);
  flockfile(stderr);
  fprintf(stderr, "%s %s ", ts, names[level & 3]);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  funlockfile(stderr);
  va_end(ap);
}

int64_t lg_now(void) {
  int64_t f = fixed_clock;
  return f ? f : (int64_t)time(NULL);
}

void lg_clock_set(int64_t fixed) { fixed_clock = fixed; }

double lg_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void lg_time_iso(int64_t t, char out[32]) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void lg_time_iso_ms_now(char out[40]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char base[24];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 40, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void lg_rng_seed(lg_rng_t *r, uint64_t seed) {
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t lg_rng_next(lg_rng_t *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double lg_rng_uniform(lg_rng_t *r) { return (lg_rng_next(r) >> 11) * 0x1.0p-53; }
