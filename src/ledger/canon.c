/*
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme) for the subset
 * landgov emits, the digest of an object's state, and the text of a ledger
 * entry. A digest is only worth something if the same state always gives
 * the same bytes, whoever serialises it: jansson's own output escapes
 * control characters in upper case and orders keys by bytes, so the
 * writing is done here, by the rules of RFC 8785 section 3.2.
 *
 * One knowing deviation: integers are written exactly as 64-bit integers,
 * where JCS would first round them to the nearest double. Object states
 * hold ids and counts, never integers beyond 2^53, so the two agree on
 * everything landgov digests.
 */
#include "ledger/ledger_int.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ledger_json_string(lg_buf_t *out, const char *s, size_t n) {
  /* RFC 8785 3.2.2.2: only '"', '\\' and control characters are escaped;
   * the five with short forms use them, the rest \u00xx in lower case. */
  lg_buf_putc(out, '"');
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    lg_buf_append(out, s + start, i - start);
    start = i + 1;
    switch (c) {
    case '"':
      lg_buf_puts(out, "\\\"");
      break;
    case '\\':
      lg_buf_puts(out, "\\\\");
      break;
    case '\b':
      lg_buf_puts(out, "\\b");
      break;
    case '\f':
      lg_buf_puts(out, "\\f");
      break;
    case '\n':
      lg_buf_puts(out, "\\n");
      break;
    case '\r':
      lg_buf_puts(out, "\\r");
      break;
    case '\t':
      lg_buf_puts(out, "\\t");
      break;
    default:
      lg_buf_printf(out, "\\u%04x", c);
      break;
    }
  }
  lg_buf_append(out, s + start, n - start);
  lg_buf_putc(out, '"');
}

/* ECMAScript's Number::toString (ECMA-262, 7.1.12.1), which RFC 8785
 * 3.2.2.3 prescribes: the shortest digits that read back to the same
 * double, placed in fixed or exponent notation by the decimal exponent. */
static void put_real(lg_buf_t *out, double x) {
  if (x == 0) {
    lg_buf_putc(out, '0'); /* -0 too */
    return;
  }
  char buf[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, x);
    if (strtod(buf, NULL) == x) break;
  }
  const char *q = buf;
  if (*q == '-') {
    lg_buf_putc(out, '-');
    q++;
  }
  char digits[24];
  int k = 0;
  for (; *q && *q != 'e'; q++)
    if (*q != '.') digits[k++] = *q;
  int e = atoi(q + 1);
  while (k > 1 && digits[k - 1] == '0')
    k--;
  digits[k] = '\0';
  int n = e + 1; /* x = 0.d1d2... x 10^n */
  if (k <= n && n <= 21) {
    lg_buf_append(out, digits, (size_t)k);
    for (int i = 0; i < n - k; i++)
      lg_buf_putc(out, '0');
  } else if (0 < n && n <= 21) {
    lg_buf_append(out, digits, (size_t)n);
    lg_buf_putc(out, '.');
    lg_buf_puts(out, digits + n);
  } else if (-6 < n && n <= 0) {
    lg_buf_puts(out, "0.");
    for (int i = 0; i < -n; i++)
      lg_buf_putc(out, '0');
    lg_buf_puts(out, digits);
  } else {
    lg_buf_putc(out, digits[0]);
    if (k > 1) {
      lg_buf_putc(out, '.');
      lg_buf_puts(out, digits + 1);
    }
    lg_buf_printf(out, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
  }
}

/* Next UTF-16 code unit of a UTF-8 string (RFC 8785 3.2.3 sorts member
 * names by UTF-16 code units, which orders characters beyond the Basic
 * Multilingual Plane before U+E000..U+FFFF, unlike byte order). Returns -1
 * at the end. *pending holds a low surrogate still to come. */
static int next_unit(const unsigned char **p, const unsigned char *end, int *pending) {
  if (*pending >= 0) {
    int u = *pending;
    *pending = -1;
    return u;
  }
  if (*p >= end) return -1;
  unsigned c = *(*p)++;
  int len = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
  if (len) c &= 0x3Fu >> len;
  for (int i = 0; i < len && *p < end; i++)
    c = (c << 6) | (*(*p)++ & 0x3F);
  if (c >= 0x10000) {
    c -= 0x10000;
    *pending = (int)(0xDC00 + (c & 0x3FF));
    return (int)(0xD800 + (c >> 10));
  }
  return (int)c;
}

static int utf16_cmp(const char *a, size_t an, const char *b, size_t bn) {
  const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
  int qa = -1, qb = -1;
  for (;;) {
    int ua = next_unit(&pa, (const unsigned char *)a + an, &qa);
    int ub = next_unit(&pb, (const unsigned char *)b + bn, &qb);
    if (ua != ub) return ua < ub ? -1 : 1;
    if (ua < 0) return 0;
  }
}

typedef struct member {
  const char *key;
  size_t len;
  json_t *val;
} member_t;

static int member_cmp(const void *x, const void *y) {
  const member_t *a = x, *b = y;
  return utf16_cmp(a->key, a->len, b->key, b->len);
}

int lg_ledger_canonical(const json_t *v, lg_buf_t *out, lg_err_t *err) {
  switch (json_typeof(v)) {
  case JSON_NULL:
    lg_buf_puts(out, "null");
    return 0;
  case JSON_TRUE:
    lg_buf_puts(out, "true");
    return 0;
  case JSON_FALSE:
    lg_buf_puts(out, "false");
    return 0;
  case JSON_INTEGER:
    lg_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return 0;
  case JSON_REAL: {
    double x = json_real_value(v);
    if (!isfinite(x)) return lg_err_set(err, LG_EINVAL, "规范化 JSON 不能含有 NaN 或无穷大");
    put_real(out, x);
    return 0;
  }
  case JSON_STRING:
    ledger_json_string(out, json_string_value(v), json_string_length(v));
    return 0;
  case JSON_ARRAY: {
    lg_buf_putc(out, '[');
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (i) lg_buf_putc(out, ',');
      int rc = lg_ledger_canonical(json_array_get(v, i), out, err);
      if (rc) return rc;
    }
    lg_buf_putc(out, ']');
    return 0;
  }
  case JSON_OBJECT: {
    size_t n = json_object_size(v), i = 0;
    member_t *m = lg_calloc(n ? n : 1, sizeof *m);
    for (void *it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it)) {
      m[i].key = json_object_iter_key(it);
      m[i].len = json_object_iter_key_len(it);
      m[i].val = json_object_iter_value(it);
      i++;
    }
    qsort(m, n, sizeof *m, member_cmp);
    int rc = 0;
    lg_buf_putc(out, '{');
    for (i = 0; i < n && rc == 0; i++) {
      if (i) lg_buf_putc(out, ',');
      ledger_json_string(out, m[i].key, m[i].len);
      lg_buf_putc(out, ':');
      rc = lg_ledger_canonical(m[i].val, out, err);
    }
    lg_buf_putc(out, '}');
    lg_free(m);
    return rc;
  }
  }
  return lg_err_set(err, LG_EINTERNAL, "未知的 JSON 类型");
}

int lg_ledger_digest_json(const json_t *state, unsigned char out[32], lg_err_t *err) {
  lg_buf_t b;
  lg_buf_init(&b);
  int rc = state ? lg_ledger_canonical(state, &b, err) : 0;
  if (!state) lg_buf_puts(&b, "null");
  if (rc == 0) crypto_hash_sha256(out, (const unsigned char *)b.data, b.len);
  lg_buf_fini(&b);
  return rc;
}

/* Checks one text field of an event: present when required, valid UTF-8,
 * not longer than max bytes. */
static int check_field(const char *name, const char *v, bool required, size_t max, lg_err_t *err) {
  if (!v || !*v) {
    if (!required) return 0;
    return lg_err_set(err, LG_EINVAL, "账本条目缺少字段 %s", name);
  }
  size_t n = strlen(v);
  if (n > max)
    return lg_err_set(err, LG_EINVAL, "账本条目字段 %s 过长 (%zu 字节, 上限 %zu)", name, n, max);
  if (!lg_utf8_valid(v, n))
    return lg_err_set(err, LG_EINVAL, "账本条目字段 %s 不是有效的 UTF-8 文本", name);
  return 0;
}

int lg_ledger_entry_text(const lg_ledger_event_t *ev, lg_buf_t *out, lg_err_t *err) {
  int rc = check_field("actor", ev->actor, true, 255, err);
  if (rc == 0) rc = check_field("role", ev->role, false, 255, err);
  if (rc == 0) rc = check_field("jurisdiction", ev->jurisdiction, false, 255, err);
  if (rc == 0) rc = check_field("action", ev->action, true, 255, err);
  if (rc == 0) rc = check_field("object_type", ev->object_type, true, 63, err);
  if (rc == 0) rc = check_field("object_id", ev->object_id, true, 255, err);
  if (rc) return rc;
  int64_t t = ev->time ? ev->time : lg_now();
  /* Years 1970..9999 keep the ISO form fixed-width. */
  if (t < 0 || t > 253402300799LL)
    return lg_err_set(err, LG_EINVAL, "账本条目时间 %lld 超出范围", (long long)t);
  unsigned char d[32];
  if (ev->digest)
    memcpy(d, ev->digest, 32);
  else if ((rc = lg_ledger_digest_json(ev->state, d, err)) != 0)
    return rc;
  char hex[65], iso[32];
  lg_ledger_hex(d, 32, hex);
  lg_time_iso(t, iso);
  /* Members in RFC 8785 order (all names are ASCII, so byte order). */
  lg_buf_puts(out, "{\"action\":");
  ledger_json_string(out, ev->action, strlen(ev->action));
  lg_buf_puts(out, ",\"actor\":");
  ledger_json_string(out, ev->actor, strlen(ev->actor));
  lg_buf_printf(out, ",\"digest\":\"%s\",\"jurisdiction\":", hex);
  const char *j = ev->jurisdiction ? ev->jurisdiction : "";
  ledger_json_string(out, j, strlen(j));
  lg_buf_puts(out, ",\"object_id\":");
  ledger_json_string(out, ev->object_id, strlen(ev->object_id));
  lg_buf_puts(out, ",\"object_type\":");
  ledger_json_string(out, ev->object_type, strlen(ev->object_type));
  lg_buf_puts(out, ",\"role\":");
  const char *r = ev->role ? ev->role : "";
  ledger_json_string(out, r, strlen(r));
  lg_buf_printf(out, ",\"time\":\"%s\",\"v\":1}", iso);
  return 0;
}
