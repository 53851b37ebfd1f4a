/*
 * Reading a report: the one accessor set its renderers (the CLI table in
 * src/cli/cmd_check.c, report_html.c, report_xlsx.c) share, so that a
 * missing value reads the same everywhere: "" for text, NaN for a number
 * (printed as a dash, never as 0: an area that was not measured is not
 * an area of zero).
 */
#include "review/review.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const json_t *lg_review_get(const json_t *r, const char *path) {
  const json_t *cur = r;
  const char *p = path;
  while (cur && p && *p) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    char key[128];
    if (n >= sizeof key) return NULL;
    memcpy(key, p, n);
    key[n] = '\0';
    if (json_is_array(cur)) {
      char *end;
      unsigned long i = strtoul(key, &end, 10);
      cur = *key && !*end ? json_array_get(cur, i) : NULL;
    } else {
      cur = json_object_get(cur, key);
    }
    p = dot ? dot + 1 : NULL;
  }
  return cur;
}

const char *lg_review_get_str(const json_t *r, const char *path) {
  const char *s = json_string_value(lg_review_get(r, path));
  return s ? s : "";
}

double lg_review_get_num(const json_t *r, const char *path) {
  const json_t *x = lg_review_get(r, path);
  return json_is_number(x) ? json_number_value(x) : NAN;
}

long long lg_review_get_int(const json_t *r, const char *path) {
  return (long long)json_integer_value(lg_review_get(r, path));
}
