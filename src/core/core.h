/*
 * core: what every other module of landgov stands on. Errors that travel as
 * values (lg_err_t), the one allocation wrapper (out of memory aborts, with
 * a hook tests use to inject failures), a growable byte buffer, logging,
 * and small helpers for text (UTF-8 checks, GBK/UTF-16 conversion) and time.
 *
 * Nothing here calls any other module of ours.
 */
#ifndef LG_CORE_H
#define LG_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Errors ------------------------------------------------------------
 * Fallible functions return int: 0 on success, a negative LG_E* code on
 * failure, and fill an optional lg_err_t with a message a person can act
 * on (what was wrong, where, what to do). Messages shown to users are in
 * Chinese; `where` names the file, line, point or field. One function
 * (lg_err_http_status) maps codes to HTTP statuses. */
enum {
  LG_OK = 0,
  LG_EINVAL = -1,        /* bad input: a file, a parameter, a geometry */
  LG_ENOTFOUND = -2,     /* no such layer, case, entry, file */
  LG_EIO = -3,           /* reading or writing a file failed */
  LG_EDB = -4,           /* the store failed (SQLite, PostgreSQL) */
  LG_EGEOM = -5,         /* a geometry operation failed */
  LG_ECRS = -6,          /* unknown or unusable coordinate reference system */
  LG_ECONFLICT = -7,     /* the thing exists already, or changed under us */
  LG_EPERM = -8,         /* not allowed */
  LG_ELIMIT = -9,        /* over a configured limit (size, count, time) */
  LG_EUNSUPPORTED = -10, /* a format or element landgov does not handle */
  LG_EINTERNAL = -11,    /* a bug: should not happen */
  LG_EAUTH = -12,        /* who is asking is not known: no, a wrong or an expired credential */
  LG_ETHROTTLE = -13     /* too many attempts: wait (the login lock) and try again */
};

typedef struct lg_err {
  int code;        /* one of LG_E*, 0 when unset */
  char msg[768];   /* what went wrong, for a person */
  char where[256]; /* file:line, point, field; may be empty */
} lg_err_t;

/* Sets code and message (printf-style) and returns code, so callers can
 * write `return lg_err_set(err, LG_EINVAL, "...")`. err may be NULL. */
int lg_err_set(lg_err_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Sets the `where` part (file, line, point). err may be NULL. */
void lg_err_where(lg_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the message with context ("导入 x.shp: ..."). err may be NULL. */
void lg_err_prefix(lg_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lg_err_clear(lg_err_t *err);
/* Stable machine name of a code, e.g. "invalid_input". */
const char *lg_err_name(int code);
/* HTTP status for a code: 400, 401, 403, 404, 409, 413, 429, 500... */
int lg_err_http_status(int code);

/* ---- Memory ------------------------------------------------------------
 * All heap memory goes through these. On failure they call the abort hook
 * (default: message and abort()). lg_alloc_fail_after(n) makes the n-th
 * next allocation fail, for tests; -1 turns it off. */
void *lg_malloc(size_t n);
void *lg_calloc(size_t count, size_t n);
void *lg_realloc(void *p, size_t n);
char *lg_strdup(const char *s);
char *lg_strndup(const char *s, size_t n);
char *lg_sprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lg_free(void *p);
void lg_alloc_fail_after(long n);

/* Growable arrays: LG_VEC(T) declares a struct with items, len, cap;
 * lg_vec_push grows it. Free with lg_free(v.items). */
#define LG_VEC(T)                                                                                  \
  struct {                                                                                         \
    T *items;                                                                                      \
    size_t len, cap;                                                                               \
  }
#define lg_vec_reserve(v, n)                                                                       \
  do {                                                                                             \
    if ((v)->cap < (n)) {                                                                          \
      size_t c_ = (v)->cap ? (v)->cap : 8;                                                         \
      while (c_ < (n))                                                                             \
        c_ *= 2;                                                                                   \
      (v)->items = lg_realloc((v)->items, c_ * sizeof(*(v)->items));                               \
      (v)->cap = c_;                                                                               \
    }                                                                                              \
  } while (0)
#define lg_vec_push(v, x)                                                                          \
  do {                                                                                             \
    lg_vec_reserve((v), (v)->len + 1);                                                             \
    (v)->items[(v)->len++] = (x);                                                                  \
  } while (0)

/* ---- Byte buffer -------------------------------------------------------
 * Always NUL-terminated after any append. Caller-owned storage:
 * lg_buf_init/lg_buf_fini. lg_buf_steal hands the bytes to the caller. */
typedef struct lg_buf {
  char *data;
  size_t len, cap;
} lg_buf_t;

void lg_buf_init(lg_buf_t *b);
void lg_buf_fini(lg_buf_t *b);
void lg_buf_reset(lg_buf_t *b);
void lg_buf_append(lg_buf_t *b, const void *p, size_t n);
void lg_buf_puts(lg_buf_t *b, const char *s);
void lg_buf_putc(lg_buf_t *b, char c);
void lg_buf_printf(lg_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lg_buf_vprintf(lg_buf_t *b, const char *fmt, va_list ap);
char *lg_buf_steal(lg_buf_t *b);

/* ---- Files and text ----------------------------------------------------- */
/* Reads a whole file; *out is NUL-terminated, caller frees with lg_free. */
int lg_file_read(const char *path, char **out, size_t *len, lg_err_t *err);
int lg_file_write(const char *path, const void *data, size_t len, lg_err_t *err);
/* True when the n bytes are valid UTF-8. */
bool lg_utf8_valid(const char *s, size_t n);
/* Converts n bytes from encoding `from` (iconv name: "GBK", "UTF-16LE")
 * to UTF-8. *out is NUL-terminated, caller frees. */
int lg_iconv_to_utf8(const char *from, const char *s, size_t n, char **out, size_t *out_len,
                     lg_err_t *err);
int lg_iconv_from_utf8(const char *to, const char *s, size_t n, char **out, size_t *out_len,
                       lg_err_t *err);
/* Decodes a text file of unknown encoding to UTF-8: UTF-8 BOM, UTF-16LE/BE
 * BOM (or a NUL pattern that says UTF-16LE), valid UTF-8, else GBK
 * (GB18030, its superset). *enc receives the name of what was found. */
int lg_text_decode(const char *s, size_t n, char **out, size_t *out_len, const char **enc,
                   lg_err_t *err);
/* Trims ASCII whitespace in place, returns s. */
char *lg_trim(char *s);
/* True when s is NULL, empty or only white space, ASCII or Unicode (the
 * ideographic space U+3000, no-break spaces): a required reason or note
 * must have visible content. */
bool lg_text_blank(const char *s);

/* ---- Logging ------------------------------------------------------------ */
enum { LG_LOG_DEBUG, LG_LOG_INFO, LG_LOG_WARN, LG_LOG_ERROR };
void lg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lg_log_set_level(int level);

/* ---- Time --------------------------------------------------------------- */
/* Current time, seconds since the epoch; tests may set a fixed clock. */
int64_t lg_now(void);
void lg_clock_set(int64_t fixed); /* 0 returns to the real clock */
/* Monotonic seconds, for measuring. */
double lg_mono(void);
/* Formats t as ISO 8601 UTC ("2026-11-22T09:00:00Z") into out[32]. */
void lg_time_iso(int64_t t, char out[32]);
/* The real time now with milliseconds ("2026-11-22T09:00:00.123Z"), as
 * GeoPackage stamps gpkg_contents.last_change; not affected by
 * lg_clock_set (it orders changes, it is no statutory date). */
void lg_time_iso_ms_now(char out[40]);

/* ---- Deterministic random numbers (xoshiro256**, seeded by splitmix64) -- */
typedef struct lg_rng {
  uint64_t s[4];
} lg_rng_t;
void lg_rng_seed(lg_rng_t *r, uint64_t seed);
uint64_t lg_rng_next(lg_rng_t *r);
double lg_rng_uniform(lg_rng_t *r); /* [0, 1) */

#define LG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define LG_MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- Dates, durations and working days (workdays.c) ---------------------
 * Statutory periods are counted in calendar dates of Beijing time (UTC+8,
 * no daylight saving). A date is a day number: days since 1970-01-01 in
 * the proleptic Gregorian calendar. */
#define LG_TZ_CHINA (8 * 3600) /* China Standard Time, seconds east of UTC */

int32_t lg_date_from_ymd(int y, int m, int d);
void lg_date_to_ymd(int32_t day, int *y, int *m, int *d);
/* ISO weekday: 1 Monday ... 7 Sunday. */
int lg_date_weekday(int32_t day);
/* Parses "YYYY-MM-DD" (a real date); LG_EINVAL otherwise. */
int lg_date_parse(const char *s, int32_t *day, lg_err_t *err);
void lg_date_format(int32_t day, char out[11]);
/* The local date of instant t at a UTC offset, and the instant local
 * midnight of a date begins. */
int32_t lg_date_of(int64_t t, int32_t offset);
int64_t lg_date_start(int32_t day, int32_t offset);
/* Parses "2026-10-12T16:00:00Z" (UTC only, as lg_time_iso writes it). */
int lg_time_parse_iso(const char *s, int64_t *t, lg_err_t *err);

/* An ISO 8601 duration, PnYnMnWnDTnHnMnS (integers; weeks become days). */
typedef struct lg_duration {
  int years, months, days; /* calendar parts */
  int64_t seconds;         /* hours, minutes and seconds together */
} lg_duration_t;
int lg_duration_parse(const char *s, lg_duration_t *out, lg_err_t *err);
/* t plus d: years, months and days move the local date (a month end is
 * kept inside the shorter month: Jan 31 + P1M = Feb 28), then seconds. */
int64_t lg_duration_add(int64_t t, const lg_duration_t *d, int32_t offset);

/* A working-day calendar: Monday to Friday work, Saturday and Sunday
 * rest, except where the calendar says otherwise: public holidays
 * (LG_DAY_HOLIDAY, 放假) and weekend days made working days (LG_DAY_WORKDAY,
 * 调休上班). The exceptions are data (China's come from the State
 * Council's yearly notice); the arithmetic is here. */
enum { LG_DAY_NORMAL = 0, LG_DAY_HOLIDAY = 1, LG_DAY_WORKDAY = 2 };
typedef struct lg_workcal lg_workcal_t;
lg_workcal_t *lg_workcal_new(void);
void lg_workcal_free(lg_workcal_t *c);
/* Records an exception (LG_DAY_NORMAL removes one). */
void lg_workcal_set(lg_workcal_t *c, int32_t day, int kind);
int lg_workcal_kind(const lg_workcal_t *c, int32_t day);
/* Reads exceptions, one a line: "2026-10-01 holiday 国庆节" or
 * "2026-10-10 workday 国庆节调休" (fields separated by spaces or tabs;
 * kinds also in Chinese: 放假, 上班; '#' starts a comment). Errors name
 * the line. */
int lg_workcal_parse(lg_workcal_t *c, const char *text, lg_err_t *err);
/* True when the calendar holds any exception in that year: a year it
 * does not know is counted Monday to Friday only. */
bool lg_workcal_covers(const lg_workcal_t *c, int year);
bool lg_workday_is(const lg_workcal_t *c, int32_t day);
/* The n-th working day after `day` (n < 0: before; n == 0: day itself).
 * The starting day is not counted (Civil Code art. 201). c may be NULL
 * (Monday to Friday). */
int32_t lg_workdays_add(const lg_workcal_t *c, int32_t day, int n);
/* Working days in (from, to]; negative when to < from. */
int lg_workdays_between(const lg_workcal_t *c, int32_t from, int32_t to);
/* End of a period of n working days that begins at instant t: 24:00 local
 * time of the n-th working day after t's date (Civil Code art. 201 and
 * 203), i.e. the instant the next day begins. */
int64_t lg_workdays_deadline(const lg_workcal_t *c, int64_t t, int n, int32_t offset);
/* The same for n calendar days (the last day may be any day). */
int64_t lg_days_deadline(int64_t t, int n, int32_t offset);

#endif
