/*
 * The quota module's small shared pieces: who acts and whether they may,
 * division codes and amounts checked as a person would want to be told,
 * numbers formatted for messages, columns as JSON and ledger entries.
 */
#include "quota/quota_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Who acts ------------------------------------------------------------------ */

void q_actor_of(const lg_subject_t *who, const char *fallback, q_actor_t *out) {
  memset(out, 0, sizeof *out);
  if (who && who->login[0]) {
    snprintf(out->login, sizeof out->login, "%s", who->login);
    snprintf(out->role, sizeof out->role, "%s", who->role);
  } else {
    snprintf(out->login, sizeof out->login, "%s", fallback && *fallback ? fallback : "system");
    snprintf(out->role, sizeof out->role, "%s", "system");
  }
}

static bool is_console(const lg_subject_t *who) {
  return !who || !strcmp(who->role, "console") || !strcmp(who->role, "system");
}

int q_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
              lg_err_t *err) {
  if (is_console(who)) return 0;
  lg_object_ref_t obj = {.division = division};
  return lg_auth_require(s, who, "quota", action, &obj, err);
}

int q_require_admin(lg_store_t *s, const lg_subject_t *who, lg_err_t *err) {
  if (is_console(who)) return 0;
  char div[16];
  int rc = lg_auth_store_division(s, div, err);
  if (rc) return rc;
  if (!div[0])
    return lg_err_set(err, LG_EPERM,
                      "指标银行的种类和规则由管辖全库的管理员设定, 本库的管辖行政区尚不明确 "
                      "(请在服务器上执行 landgov settings set auth.store_division CODE)");
  lg_object_ref_t obj = {.division = div};
  return lg_auth_require(s, who, "quota", "admin", &obj, err);
}

/* ---- Input ---------------------------------------------------------------------- */

/* The field a label names: "接收方 (to)" -> "to"; the label itself when
 * it names none. */
static void field_of(const char *what, char out[64]) {
  const char *o = strrchr(what, '('), *c = o ? strchr(o, ')') : NULL;
  if (o && c && c > o + 1)
    snprintf(out, 64, "%.*s", (int)(c - o - 1), o + 1);
  else
    snprintf(out, 64, "%s", what);
}

/* Provinces, autonomous regions, municipalities and special administrative
 * regions of GB/T 2260-2007 (and the codes of Taiwan, Hong Kong, Macao). */
static const char *const provinces[] = {"11", "12", "13", "14", "15", "21", "22", "23", "31",
                                        "32", "33", "34", "35", "36", "37", "41", "42", "43",
                                        "44", "45", "46", "50", "51", "52", "53", "54", "61",
                                        "62", "63", "64", "65", "71", "81", "82"};

int q_division(const char *code, char out[16], const char *what, lg_err_t *err) {
  char field[64];
  field_of(what, field);
  if (!code || !*code) {
    lg_err_set(err, LG_EINVAL, "缺少%s (行政区划代码, GB/T 2260)", what);
    lg_err_where(err, "%s", field);
    return LG_EINVAL;
  }
  lg_err_t e2 = {0};
  if (lg_auth_division_normalize(code, out, what, &e2) != 0) {
    lg_err_set(err, LG_EINVAL,
               "未知的行政区 \"%s\" (%s): 应为 GB/T 2260 行政区划代码, 如 36 (省)、3607 或 360700 "
               "(市)、360781 (县)",
               code, what);
    lg_err_where(err, "%s", field);
    return LG_EINVAL;
  }
  size_t n = strlen(out);
  if (n > 6) {
    lg_err_set(err, LG_EINVAL, "%s %s 是乡镇代码: 指标账户只设到县级 (省、市、县)", what, code);
    lg_err_where(err, "%s", field);
    return LG_EINVAL;
  }
  bool known = false;
  for (size_t i = 0; i < LG_ARRAY_LEN(provinces) && !known; i++)
    known = !strncmp(out, provinces[i], 2);
  if (!known) {
    lg_err_set(err, LG_EINVAL, "未知的行政区 \"%s\" (%s): 前两位 %.2s 不是 GB/T 2260 的省级代码",
               code, what, out);
    lg_err_where(err, "%s", field);
    return LG_EINVAL;
  }
  return 0;
}

int q_amount(int64_t amount, const char *what, lg_err_t *err) {
  if (amount > 0 && amount <= 1000000000000LL) return 0;
  char field[64];
  field_of(what, field);
  if (amount <= 0)
    lg_err_set(err, LG_EINVAL, "%s 应为正整数, 得到 %lld", what, (long long)amount);
  else
    lg_err_set(err, LG_EINVAL, "%s %lld 过大 (上限 10^12)", what, (long long)amount);
  lg_err_where(err, "%s", field);
  return LG_EINVAL;
}

void q_division_label(const char *division, char out[48]) {
  size_t n = strlen(division);
  const char *level = n <= 2 ? "省级" : n <= 4 ? "市级" : "县级";
  snprintf(out, 48, "%s (%s)", level, division);
}

/* 1234567 -> "1,234,567" */
static void group(int64_t v, char *out, size_t n) {
  char digits[32];
  bool neg = v < 0;
  unsigned long long u = neg ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;
  snprintf(digits, sizeof digits, "%llu", u);
  size_t len = strlen(digits), k = 0;
  char buf[48];
  if (neg) buf[k++] = '-';
  for (size_t i = 0; i < len; i++) {
    if (i && (len - i) % 3 == 0) buf[k++] = ',';
    buf[k++] = digits[i];
  }
  buf[k] = '\0';
  snprintf(out, n, "%s", buf);
}

void q_fmt_amount(int64_t v, const char *unit, char out[64]) {
  char g[48];
  group(v, g, sizeof g);
  snprintf(out, 64, "%s %s", g, q_unit_title(unit));
}

void q_fmt_fen(int64_t fen, char out[64]) {
  char g[48];
  int64_t a = fen < 0 ? -fen : fen;
  group(a / 100, g, sizeof g);
  snprintf(out, 64, "%s%s.%02lld 元", fen < 0 ? "-" : "", g, (long long)(a % 100));
}

int q_year_of(int64_t t) {
  int y, m, d;
  lg_date_to_ymd(lg_date_of(t, LG_TZ_CHINA), &y, &m, &d);
  return y;
}

void q_now_iso(char out[32]) { lg_time_iso(lg_now(), out); }

/* ---- Columns and the ledger -------------------------------------------------------- */

json_t *q_col_text(lg_stmt_t *st, int i) {
  if (lg_store_col_type(st, i) == LG_COL_NULL) return json_null();
  json_t *v = json_string(lg_store_col_text(st, i));
  return v ? v : json_null();
}

json_t *q_col_int_or_null(lg_stmt_t *st, int i) {
  if (lg_store_col_type(st, i) == LG_COL_NULL) return json_null();
  return json_integer(lg_store_col_int(st, i));
}

int q_record(lg_store_t *s, const q_actor_t *by, const char *action, const char *object_type,
             const char *object_id, const char *jurisdiction, json_t *state, lg_err_t *err) {
  lg_ledger_event_t ev = {.actor = by->login,
                          .role = by->role,
                          .jurisdiction = jurisdiction ? jurisdiction : "",
                          .action = action,
                          .object_type = object_type,
                          .object_id = object_id,
                          .state = state};
  int rc = lg_ledger_append(s, &ev, NULL, err);
  json_decref(state);
  return rc;
}
