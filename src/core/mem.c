/*
 * The one allocation wrapper. Out of memory is not an error landgov tries
 * to recover from: it aborts with a message (as Redis' zmalloc does). Tests
 * can make the n-th next allocation fail to exercise that path.
 */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic long fail_after = -1;

void lg_alloc_fail_after(long n) { fail_after = n; }

static void *check(void *p, size_t n) {
  if (!p && n) {
    fprintf(stderr, "landgov: 内存不足 (out of memory allocating %zu bytes)\n", n);
    abort();
  }
  return p;
}

static void maybe_fail(size_t n) {
  if (fail_after >= 0 && fail_after-- == 0) check(NULL, n ? n : 1);
}

void *lg_malloc(size_t n) {
  maybe_fail(n);
  return check(malloc(n ? n : 1), n ? n : 1);
}

void *lg_calloc(size_t count, size_t n) {
  maybe_fail(count * n);
  size_t total = count * n;
  return check(calloc(count ? count : 1, n ? n : 1), total ? total : 1);
}

void *lg_realloc(void *p, size_t n) {
  maybe_fail(n);
  return check(realloc(p, n ? n : 1), n ? n : 1);
}

char *lg_strdup(const char *s) { return s ? lg_strndup(s, strlen(s)) : NULL; }

char *lg_strndup(const char *s, size_t n) {
  char *d = lg_malloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *lg_sprintf(const char *fmt, ...) {
  lg_buf_t b;
  va_list ap;
  lg_buf_init(&b);
  va_start(ap, fmt);
  lg_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  return lg_buf_steal(&b);
}

void lg_free(void *p) { free(p); }
