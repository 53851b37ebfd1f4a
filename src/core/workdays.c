/*
 * Dates, ISO 8601 durations and working days: the arithmetic behind every
 * statutory period landgov counts (a pre-announcement of expropriation "at
 * least 10 working days", a compensation plan posted "at least 30 days",
 * a deadline for deferred materials) and behind the process engine's
 * timers.
 *
 * Periods follow the Civil Code (2020): art. 201, the day a period starts
 * is not counted, counting begins the next day; art. 203, a period ends at
 * 24:00 of its last day. Dates are local dates of Beijing time.
 *
 * Which days are working days is data, not code: the State Council
 * publishes each year's public holidays and the weekend days that become
 * working days in exchange (调休). The calendar here holds those
 * exceptions; the process engine keeps them in a table an administrator
 * edits (src/flow, lg_work_calendar) and the tests feed the official
 * notices by hand.
 */
#include "core/core.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- Civil dates (H. Hinnant's days_from_civil / civil_from_days) -------- */

int32_t lg_date_from_ymd(int y, int m, int d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + (int)doe - 719468);
}

void lg_date_to_ymd(int32_t day, int *y, int *m, int *d) {
  int z = day + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int yy = (int)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned dd = doy - (153 * mp + 2) / 5 + 1;
  int mm = (int)mp + (mp < 10 ? 3 : -9);
  if (y) *y = yy + (mm <= 2);
  if (m) *m = mm;
  if (d) *d = (int)dd;
}

int lg_date_weekday(int32_t day) {
  /* 1970-01-01 was a Thursday (4). */
  int w = (int)(((int64_t)day % 7 + 7 + 3) % 7); /* 0 Monday */
  return w + 1;
}

static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

/* Reads exactly n decimal digits. */
static bool digits(const char *s, int n, int *v) {
  int x = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return false;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return true;
}

int lg_date_parse(const char *s, int32_t *day, lg_err_t *err) {
  int y, m, d;
  if (!s || strlen(s) != 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
      s[7] != '-' || !digits(s + 8, 2, &d))
    return lg_err_set(err, LG_EINVAL, "日期 \"%s\" 格式不对: 应为 YYYY-MM-DD", s ? s : "");
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return lg_err_set(err, LG_EINVAL, "日期 \"%s\" 不存在", s);
  *day = lg_date_from_ymd(y, m, d);
  return 0;
}

void lg_date_format(int32_t day, char out[11]) {
  int y, m, d;
  lg_date_to_ymd(day, &y, &m, &d);
  /* Years outside 0..9999 are not dates anyone files; keep the buffer safe. */
  if (y < 0 || y > 9999) y = 0;
  out[0] = (char)('0' + y / 1000);
  out[1] = (char)('0' + y / 100 % 10);
  out[2] = (char)('0' + y / 10 % 10);
  out[3] = (char)('0' + y % 10);
  out[4] = '-';
  out[5] = (char)('0' + m / 10);
  out[6] = (char)('0' + m % 10);
  out[7] = '-';
  out[8] = (char)('0' + d / 10);
  out[9] = (char)('0' + d % 10);
  out[10] = '\0';
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

int32_t lg_date_of(int64_t t, int32_t offset) { return (int32_t)floor_div(t + offset, 86400); }

int64_t lg_date_start(int32_t day, int32_t offset) { return (int64_t)day * 86400 - offset; }

int lg_time_parse_iso(const char *s, int64_t *t, lg_err_t *err) {
  int y, mo, d, h, mi, se;
  if (!s || strlen(s) != 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
      s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
      s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se) ||
      s[19] != 'Z' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
      se > 60)
    return lg_err_set(err, LG_EINVAL, "时间 \"%s\" 格式不对: 应为 2026-01-31T09:00:00Z",
                      s ? s : "");
  *t = (int64_t)lg_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
  return 0;
}

/* ---- ISO 8601 durations --------------------------------------------------- */

int lg_duration_parse(const char *s, lg_duration_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  const char *p = s;
  if (!p || *p != 'P')
    return lg_err_set(err, LG_EINVAL, "时长 \"%s\" 不是 ISO 8601 时长 (例如 P10D, PT2H)",
                      s ? s : "");
  p++;
  bool time = false, any = false;
  int last_rank = -1; /* designators must come in order: Y M W D T H M S */
  while (*p) {
    if (*p == 'T') {
      if (time) goto bad;
      time = true;
      last_rank = 4;
      p++;
      if (!*p) goto bad;
      continue;
    }
    if (!isdigit((unsigned char)*p)) goto bad;
    int64_t v = 0;
    while (isdigit((unsigned char)*p)) {
      v = v * 10 + (*p++ - '0');
      if (v > 1000000) /* ~ 2700 years of days: a typo, not a deadline */
        return lg_err_set(err, LG_EINVAL, "时长 \"%s\" 的数值过大", s);
    }
    if (*p == '.' || *p == ',')
      return lg_err_set(err, LG_EINVAL, "时长 \"%s\": 不支持小数, 请改用更小的单位", s);
    int rank;
    char u = *p++;
    if (!time) {
      rank = u == 'Y' ? 0 : u == 'M' ? 1 : u == 'W' ? 2 : u == 'D' ? 3 : -1;
    } else {
      rank = u == 'H' ? 5 : u == 'M' ? 6 : u == 'S' ? 7 : -1;
    }
    if (rank < 0 || rank <= last_rank) goto bad;
    last_rank = rank;
    any = true;
    switch (rank) {
    case 0:
      out->years = (int)v;
      break;
    case 1:
      out->months = (int)v;
      break;
    case 2:
      out->days += (int)v * 7;
      break;
    case 3:
      out->days += (int)v;
      break;
    case 5:
      out->seconds += v * 3600;
      break;
    case 6:
      out->seconds += v * 60;
      break;
    default:
      out->seconds += v;
      break;
    }
  }
  if (!any) goto bad;
  return 0;
bad:
  return lg_err_set(err, LG_EINVAL, "时长 \"%s\" 不是 ISO 8601 时长 (例如 P10D, P1M, PT2H)", s);
}

int64_t lg_duration_add(int64_t t, const lg_duration_t *dur, int32_t offset) {
  int32_t day = lg_date_of(t, offset);
  int64_t in_day = t + offset - (int64_t)day * 86400;
  if (dur->years || dur->months) {
    int y, m, d;
    lg_date_to_ymd(day, &y, &m, &d);
    int mm = (m - 1) + dur->months + 12 * dur->years;
    y += mm / 12;
    m = mm % 12 + 1;
    if (d > days_in_month(y, m)) d = days_in_month(y, m);
    day = lg_date_from_ymd(y, m, d);
  }
  day += dur->days;
  return (int64_t)day * 86400 + in_day - offset + dur->seconds;
}

/* ---- Working-day calendar ------------------------------------------------- */

typedef struct special {
  int32_t day;
  int kind;
} special_t;

struct lg_workcal {
  LG_VEC(special_t) days; /* sorted by day, no duplicates */
};

lg_workcal_t *lg_workcal_new(void) { return lg_calloc(1, sizeof(lg_workcal_t)); }

void lg_workcal_free(lg_workcal_t *c) {
  if (!c) return;
  lg_free(c->days.items);
  lg_free(c);
}

/* Index of the first entry >= day. */
static size_t lower_bound(const lg_workcal_t *c, int32_t day) {
  size_t lo = 0, hi = c->days.len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (c->days.items[mid].day < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void lg_workcal_set(lg_workcal_t *c, int32_t day, int kind) {
  size_t i = lower_bound(c, day);
  bool found = i < c->days.len && c->days.items[i].day == day;
  if (kind == LG_DAY_NORMAL) {
    if (found) {
      memmove(&c->days.items[i], &c->days.items[i + 1], (c->days.len - i - 1) * sizeof(special_t));
      c->days.len--;
    }
    return;
  }
  if (found) {
    c->days.items[i].kind = kind;
    return;
  }
  lg_vec_reserve(&c->days, c->days.len + 1);
  memmove(&c->days.items[i + 1], &c->days.items[i], (c->days.len - i) * sizeof(special_t));
  c->days.items[i] = (special_t){day, kind};
  c->days.len++;
}

int lg_workcal_kind(const lg_workcal_t *c, int32_t day) {
  if (!c) return LG_DAY_NORMAL;
  size_t i = lower_bound(c, day);
  return i < c->days.len && c->days.items[i].day == day ? c->days.items[i].kind : LG_DAY_NORMAL;
}

bool lg_workcal_covers(const lg_workcal_t *c, int year) {
  if (!c) return false;
  size_t i = lower_bound(c, lg_date_from_ymd(year, 1, 1));
  return i < c->days.len && c->days.items[i].day < lg_date_from_ymd(year + 1, 1, 1);
}

bool lg_workday_is(const lg_workcal_t *c, int32_t day) {
  int k = lg_workcal_kind(c, day);
  if (k == LG_DAY_HOLIDAY) return false;
  if (k == LG_DAY_WORKDAY) return true;
  return lg_date_weekday(day) <= 5;
}

int lg_workcal_parse(lg_workcal_t *c, const char *text, lg_err_t *err) {
  int line = 0;
  const char *p = text;
  while (p && *p) {
    line++;
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    char buf[512];
    if (n >= sizeof buf) {
      lg_err_where(err, "第 %d 行", line);
      return lg_err_set(err, LG_EINVAL, "工作日历第 %d 行过长", line);
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
    p = eol ? eol + 1 : NULL;
    char *hash = strchr(buf, '#');
    if (hash) *hash = '\0';
    char *save = NULL;
    char *date = strtok_r(buf, " \t\r", &save);
    if (!date) continue; /* blank or comment line */
    char *kind = strtok_r(NULL, " \t\r", &save);
    int32_t day;
    if (lg_date_parse(date, &day, err) != 0) {
      lg_err_where(err, "第 %d 行", line);
      lg_err_prefix(err, "工作日历第 %d 行: ", line);
      return LG_EINVAL;
    }
    int k;
    if (kind && (!strcmp(kind, "holiday") || !strcmp(kind, "放假") || !strcmp(kind, "休")))
      k = LG_DAY_HOLIDAY;
    else if (kind && (!strcmp(kind, "workday") || !strcmp(kind, "上班") || !strcmp(kind, "班")))
      k = LG_DAY_WORKDAY;
    else {
      lg_err_where(err, "第 %d 行", line);
      return lg_err_set(
          err, LG_EINVAL,
          "工作日历第 %d 行: 日期 %s 后应写 holiday(放假) 或 workday(上班), 得到 \"%s\"", line,
          date, kind ? kind : "");
    }
    lg_workcal_set(c, day, k);
  }
  return 0;
}

int32_t lg_workdays_add(const lg_workcal_t *c, int32_t day, int n) {
  int step = n >= 0 ? 1 : -1;
  int left = n >= 0 ? n : -n;
  while (left > 0) {
    day += step;
    if (lg_workday_is(c, day)) left--;
  }
  return day;
}

int lg_workdays_between(const lg_workcal_t *c, int32_t from, int32_t to) {
  int sign = 1;
  if (to < from) {
    int32_t t = from;
    from = to;
    to = t;
    sign = -1;
  }
  int n = 0;
  for (int32_t d = from + 1; d <= to; d++)
    if (lg_workday_is(c, d)) n++;
  return sign * n;
}

int64_t lg_workdays_deadline(const lg_workcal_t *c, int64_t t, int n, int32_t offset) {
  int32_t last = lg_workdays_add(c, lg_date_of(t, offset), n);
  return lg_date_start(last + 1, offset);
}

int64_t lg_days_deadline(int64_t t, int n, int32_t offset) {
  return lg_date_start(lg_date_of(t, offset) + n + 1, offset);
}
