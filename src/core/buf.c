/*
 * A growable, always NUL-terminated byte buffer: the way landgov builds
 * JSON fragments, SQL, file contents and messages.
 */
#include "core/core.h"

#include <stdio.h>
#include <string.h>

void lg_buf_init(lg_buf_t *b) {
  b->data = NULL;
  b->len = b->cap = 0;
}

void lg_buf_fini(lg_buf_t *b) {
  lg_free(b->data);
  lg_buf_init(b);
}

void lg_buf_reset(lg_buf_t *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

static void grow(lg_buf_t *b, size_t extra) {
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return;
  size_t c = b->cap ? b->cap : 64;
  while (c < need)
    c *= 2;
  b->data = lg_realloc(b->data, c);
  b->cap = c;
}

void lg_buf_append(lg_buf_t *b, const void *p, size_t n) {
  grow(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void lg_buf_puts(lg_buf_t *b, const char *s) { lg_buf_append(b, s, strlen(s)); }

void lg_buf_putc(lg_buf_t *b, char c) { lg_buf_append(b, &c, 1); }

void lg_buf_vprintf(lg_buf_t *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return;
  grow(b, (size_t)n);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void lg_buf_printf(lg_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lg_buf_vprintf(b, fmt, ap);
  va_end(ap);
}

char *lg_buf_steal(lg_buf_t *b) {
  char *d = b->data ? b->data : lg_strdup("");
  lg_buf_init(b);
  return d;
}
