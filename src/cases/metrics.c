/*
 * Measures of the approval marathon (审批马拉松) that seed 000 names,
 * computed from the cases' step rows (lg_case_steps, kept by sync.c): how
 * many approval nodes a case passes, how long it spends at each level and
 * with each department, what share of its time goes to coordination, which
 * steps ran past their time limit, how many items each department handles
 * a day against the overload threshold, and where a case waits with
 * nobody acting (流程空转). cases.h says what each measure means; this
 * file reads the rows once, in case order, and keeps per case only that
 * case's steps.
 *
 * Times are counted twice, in clock hours and in working days of the
 * calendar (lg_work_calendar): the seed's figures are in days, and a week
 * end spent "in review" is nobody's work.
 */
#include "cases/cases_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Settings ---------------------------------------------------------------- */

/* The settings are the registry's (src/store/settings.c): the load
 * threshold of seed 000 §1.2.1 (2), 10 items a day; idle after 5 working
 * days; the joint review and the committee as coordination. */
int lg_cases_metrics_settings(lg_store_t *s, lg_case_metrics_settings_t *out, lg_err_t *err) {
  (void)err;
  out->load_threshold = (int)lg_store_setting_int(s, "metrics.load_threshold");
  out->idle_days = (int)lg_store_setting_int(s, "metrics.idle_days");
  lg_store_setting_text(s, "metrics.coordination_nodes", out->coordination_nodes,
                        sizeof out->coordination_nodes);
  return 0;
}

int lg_cases_metrics_setting_set(lg_store_t *s, const char *key, const char *value,
                                 const lg_subject_t *by, lg_err_t *err) {
  if (!key || strncmp(key, "metrics.", 8) != 0 || !lg_store_setting_def(key)) {
    lg_err_set(err, LG_EINVAL,
               "没有设置 \"%.60s\"; 可用: metrics.load_threshold, metrics.idle_days, "
               "metrics.coordination_nodes",
               key ? key : "");
    lg_err_where(err, "%.60s", key ? key : "");
    return LG_EINVAL;
  }
  return lg_auth_setting_set(s, key, value, by, err); /* checked, with its ledger entry */
}

/* ---- Working time ---------------------------------------------------------------- */

static bool workday(const lg_workcal_t *cal, int32_t d) { return lg_workday_is(cal, d); }

double lg_cases_work_seconds(const lg_workcal_t *cal, int64_t a, int64_t b) {
  if (b <= a) return 0;
  int32_t d0 = lg_date_of(a, LG_TZ_CHINA), d1 = lg_date_of(b, LG_TZ_CHINA);
  if (d0 == d1) return workday(cal, d0) ? (double)(b - a) : 0;
  double sec = 0;
  if (workday(cal, d0)) sec += (double)(lg_date_start(d0 + 1, LG_TZ_CHINA) - a);
  if (workday(cal, d1)) sec += (double)(b - lg_date_start(d1, LG_TZ_CHINA));
  if (d1 - 1 > d0) sec += 86400.0 * lg_workdays_between(cal, d0, d1 - 1);
  return sec;
}

/* A length of time both ways. */
typedef struct span {
  double secs; /* clock seconds */
  double work; /* seconds on working days */
} span_t;

static double round_to(double v, int decimals) {
  double f = pow(10, decimals);
  return round(v * f) / f;
}

static json_t *span_json(span_t s) {
  return json_pack("{s:f, s:f}", "working_days", round_to(s.work / 86400.0, 4), "hours",
                   round_to(s.secs / 3600.0, 2));
}

static double share(double part, double whole) { return whole > 0 ? round_to(part / whole, 4) : 0; }

typedef struct ival {
  int64_t a, b;
} ival_t;

static int cmp_ival(const void *x, const void *y) {
  const ival_t *p = x, *q = y;
  return p->a < q->a ? -1 : p->a > q->a ? 1 : (p->b < q->b ? -1 : p->b > q->b);
}

/* The union of intervals cut to [ws, we); v is sorted in place. */
static span_t union_span(const lg_workcal_t *cal, ival_t *v, size_t n, int64_t ws, int64_t we) {
  span_t r = {0, 0};
  if (n) qsort(v, n, sizeof *v, cmp_ival);
  int64_t ca = 0, cb = 0;
  bool have = false;
  for (size_t i = 0; i <= n; i++) {
    int64_t a = 0, b = 0;
    if (i < n) {
      a = LG_MAX(v[i].a, ws);
      b = LG_MIN(v[i].b, we);
      if (b <= a) continue;
    }
    if (i < n && have && a <= cb) {
      if (b > cb) cb = b;
      continue;
    }
    if (have) {
      r.secs += (double)(cb - ca);
      r.work += lg_cases_work_seconds(cal, ca, cb);
    }
    ca = a;
    cb = b;
    have = i < n;
  }
  return r;
}

/* ---- Rows ------------------------------------------------------------------------- */

/* Levels in the order reports show them. */
static const char *const levels[] = {"county", "city", "province", "ministry", "state_council"};
#define NLEVELS ((int)LG_ARRAY_LEN(levels))

/* Nodes of the default process whose time is spent above the level that
 * registers them: the province enters the Ministry's review opinion and
 * the State Council's reply (processes/land-approval.bpmn). */
static const struct {
  const char *node, *level;
} node_levels[] = {{"Task_Ministry", "ministry"}, {"Task_StateCouncil", "state_council"}};

typedef struct step {
  int64_t task_id;
  int64_t t0, t1; /* opened; completed or cancelled (0: still open) */
  int64_t due;    /* 0: none */
  char node[64];
  char dept[32];
  char division[16];
  char status[16];
  int level; /* index in levels */
  char *name;
  char *groups;
  char created_iso[32], due_iso[32], completed_iso[32];
} step_t;

typedef struct kase {
  int64_t id;
  char code[32];
  char division[16];
  char status[24];
  char *title;
  int64_t created, end; /* end: now for an open case */
  bool open;
  char created_iso[32], end_iso[32];
  LG_VEC(step_t) steps;
} kase_t;

static void kase_reset(kase_t *k) {
  for (size_t i = 0; i < k->steps.len; i++) {
    lg_free(k->steps.items[i].name);
    lg_free(k->steps.items[i].groups);
  }
  k->steps.len = 0;
  lg_free(k->title);
  k->title = NULL;
}

static void copy_col(lg_stmt_t *st, int i, char *out, size_t n) {
  const char *t = lg_store_col_text(st, i);
  snprintf(out, n, "%s", t ? t : "");
}

static int64_t col_time(lg_stmt_t *st, int i) {
  const char *t = lg_store_col_text(st, i);
  int64_t v = 0;
  if (!t || lg_time_parse_iso(t, &v, NULL) != 0) return 0;
  return v;
}

static int level_index(const char *name) {
  for (int i = 0; i < NLEVELS; i++)
    if (!strcmp(levels[i], name)) return i;
  return -1;
}

static int step_level(const char *node, const char *level, const char *division) {
  for (size_t i = 0; i < LG_ARRAY_LEN(node_levels); i++)
    if (!strcmp(node, node_levels[i].node)) return level_index(node_levels[i].level);
  int l = level && *level ? level_index(level) : -1;
  if (l >= 0) return l;
  size_t n = strlen(division);
  return n == 2 ? 2 : n == 4 ? 1 : 0;
}

/* Columns of the query below, from the step's task id on. */
static void read_step(lg_stmt_t *st, const kase_t *k, step_t *p) {
  memset(p, 0, sizeof *p);
  p->task_id = lg_store_col_int(st, 9);
  copy_col(st, 10, p->node, sizeof p->node);
  const char *name = lg_store_col_text(st, 11);
  p->name = lg_strdup(name ? name : p->node);
  const char *groups = lg_store_col_text(st, 12);
  p->groups = lg_strdup(groups ? groups : "");
  copy_col(st, 13, p->dept, sizeof p->dept);
  if (!p->dept[0]) snprintf(p->dept, sizeof p->dept, "natural_resources");
  char level[16], div[16];
  copy_col(st, 14, level, sizeof level);
  copy_col(st, 15, div, sizeof div);
  if (!div[0] || lg_auth_division_normalize(div, p->division, NULL, NULL) != 0)
    snprintf(p->division, sizeof p->division, "%s", k->division);
  p->level = step_level(p->node, level, p->division);
  copy_col(st, 16, p->status, sizeof p->status);
  p->t0 = col_time(st, 17);
  copy_col(st, 17, p->created_iso, sizeof p->created_iso);
  p->due = col_time(st, 18);
  copy_col(st, 18, p->due_iso, sizeof p->due_iso);
  if (strcmp(p->status, "open")) {
    p->t1 = col_time(st, 19);
    copy_col(st, 19, p->completed_iso, sizeof p->completed_iso);
    if (p->t1 < p->t0) p->t1 = p->t0;
  }
}

static const char *const open_statuses[] = {"submitted", "in_review", "notice", "approved"};

/* Fills the case part of a row and decides its end after its steps are read. */
static void read_case(lg_stmt_t *st, kase_t *k) {
  kase_reset(k);
  k->id = lg_store_col_int(st, 0);
  copy_col(st, 1, k->code, sizeof k->code);
  const char *t = lg_store_col_text(st, 2);
  k->title = lg_strdup(t ? t : "");
  copy_col(st, 3, k->division, sizeof k->division);
  copy_col(st, 4, k->status, sizeof k->status);
  k->created = col_time(st, 5);
  copy_col(st, 5, k->created_iso, sizeof k->created_iso);
  k->open = false;
  for (size_t i = 0; i < LG_ARRAY_LEN(open_statuses); i++)
    if (!strcmp(k->status, open_statuses[i])) k->open = true;
  /* A closed case ended with its last step, decision or handover; its
   * updated_at only when none is known. */
  k->end = 0;
  for (int c = 7; c <= 8; c++)
    k->end = LG_MAX(k->end, col_time(st, c));
  if (!k->end) k->end = col_time(st, 6);
}

static void finish_case(kase_t *k, int64_t now) {
  if (k->open) {
    k->end = now;
    k->end_iso[0] = '\0';
  } else {
    for (size_t i = 0; i < k->steps.len; i++)
      k->end = LG_MAX(k->end, k->steps.items[i].t1);
    lg_time_iso(k->end, k->end_iso);
  }
  if (k->end < k->created) k->end = k->created;
}

/* ---- Who can act on a step ------------------------------------------------------------ */

typedef struct staffing {
  lg_user_t *users;
  size_t n;
  bool loaded;
  LG_VEC(char *) groups; /* cache: groups seen */
  LG_VEC(bool) staffed;
} staffing_t;

static void staffing_fini(staffing_t *sf) {
  lg_free(sf->users);
  for (size_t i = 0; i < sf->groups.len; i++)
    lg_free(sf->groups.items[i]);
  lg_free(sf->groups.items);
  lg_free(sf->staffed.items);
}

/* Whether an enabled account belongs to one of the step's groups: a step
 * nobody can take spins for ever, however short its wait so far. */
static int staffed(lg_store_t *s, staffing_t *sf, const char *groups, bool *out, lg_err_t *err) {
  for (size_t i = 0; i < sf->groups.len; i++)
    if (!strcmp(sf->groups.items[i], groups)) {
      *out = sf->staffed.items[i];
      return 0;
    }
  if (!sf->loaded) {
    int rc = lg_auth_users(s, NULL, &sf->users, &sf->n, err);
    if (rc) return rc;
    sf->loaded = true;
  }
  bool any = false;
  for (size_t i = 0; i < sf->n && !any; i++) {
    if (sf->users[i].disabled) continue;
    lg_subject_t w;
    lg_auth_subject_from_user(&sf->users[i], &w);
    any = lg_auth_groups_match(&w, groups);
  }
  lg_vec_push(&sf->groups, lg_strdup(groups));
  lg_vec_push(&sf->staffed, any);
  *out = any;
  return 0;
}

/* ---- Accumulating ----------------------------------------------------------------------- */

typedef struct dept_acc {
  char code[32];
  span_t t;
  int steps;
} dept_acc_t;

typedef struct dept_vec {
  dept_acc_t *items;
  size_t len, cap;
} dept_vec_t;

typedef struct load_item {
  int unit;
  int32_t day;
  int kind; /* 0 handled, 1 arrived */
  int64_t case_id;
} load_item_t;

typedef struct unit {
  char dept[32];
  char division[16];
} unit_t;

typedef struct mctx {
  lg_store_t *s;
  const lg_workcal_t *cal;
  json_t *cfg;
  lg_case_metrics_settings_t set;
  int64_t now;
  json_t *coord;  /* array of node ids */
  json_t *titles; /* department code -> Chinese title (lg_departments) */
  staffing_t staff;
  /* Aggregates over the window. */
  span_t elapsed, coordination, in_steps;
  span_t level_t[NLEVELS];
  int level_steps[NLEVELS];
  dept_vec_t depts;
  LG_VEC(unit_t) units;
  LG_VEC(load_item_t) load;
  int ncases, filed, concluded, open_cases;
  long nodes_concluded;
  span_t elapsed_concluded;
  int n_overdue, n_idle, n_unstaffed;
  json_t *overdue, *idle, *cases, *warnings;
} mctx_t;

static bool is_coordination(const mctx_t *m, const char *node) {
  return cs_list_has(m->coord, node);
}

/* A department's Chinese name, from src/auth's list; its code when unknown. */
static const char *dept_title(const mctx_t *m, const char *code) {
  const char *t = json_string_value(json_object_get(m->titles, code));
  if (t) return t;
  bool found = false;
  char *title = NULL;
  if (lg_auth_dept_get(m->s, code, &found, &title, NULL) != 0) found = false;
  json_object_set_new(m->titles, code, json_string(found && title ? title : code));
  lg_free(title);
  return json_string_value(json_object_get(m->titles, code));
}

static dept_acc_t *dept_of(dept_vec_t *v, const char *code) {
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i].code, code)) return &v->items[i];
  dept_acc_t d = {0};
  snprintf(d.code, sizeof d.code, "%s", code);
  lg_vec_push(v, d);
  return &v->items[v->len - 1];
}

static int unit_of(mctx_t *m, const char *dept, const char *division) {
  for (size_t i = 0; i < m->units.len; i++)
    if (!strcmp(m->units.items[i].dept, dept) && !strcmp(m->units.items[i].division, division))
      return (int)i;
  unit_t u;
  snprintf(u.dept, sizeof u.dept, "%s", dept);
  snprintf(u.division, sizeof u.division, "%s", division);
  lg_vec_push(&m->units, u);
  return (int)m->units.len - 1;
}

static int64_t step_end(const mctx_t *m, const step_t *p) { return p->t1 ? p->t1 : m->now; }

/* What one case contributes within [ws, we). */
typedef struct case_result {
  span_t elapsed, coordination, in_steps;
  span_t level_t[NLEVELS];
  int level_steps[NLEVELS];
  dept_vec_t depts;
  int passed, open, cancelled;
} case_result_t;

static void case_compute(const mctx_t *m, const kase_t *k, int64_t ws, int64_t we,
                         case_result_t *r) {
  memset(r, 0, sizeof *r);
  ival_t life = {k->created, k->end};
  r->elapsed = union_span(m->cal, &life, 1, ws, we);
  size_t n = k->steps.len;
  ival_t *iv = lg_malloc((n ? n : 1) * sizeof *iv);
  size_t c;
  /* Every step, for the time the case spent outside any (statutory
   * notices, automatic steps). */
  for (size_t i = 0; i < n; i++) {
    const step_t *p = &k->steps.items[i];
    iv[i] = (ival_t){p->t0, step_end(m, p)};
    if (!strcmp(p->status, "completed"))
      r->passed++;
    else if (!strcmp(p->status, "open"))
      r->open++;
    else
      r->cancelled++;
  }
  r->in_steps = union_span(m->cal, iv, n, LG_MAX(ws, k->created), LG_MIN(we, k->end));
  c = 0;
  for (size_t i = 0; i < n; i++) {
    const step_t *p = &k->steps.items[i];
    if (is_coordination(m, p->node)) iv[c++] = (ival_t){p->t0, step_end(m, p)};
  }
  r->coordination = union_span(m->cal, iv, c, LG_MAX(ws, k->created), LG_MIN(we, k->end));
  for (int l = 0; l < NLEVELS; l++) {
    c = 0;
    for (size_t i = 0; i < n; i++) {
      const step_t *p = &k->steps.items[i];
      if (p->level != l) continue;
      int64_t e = step_end(m, p);
      if (e >= ws && p->t0 < we) r->level_steps[l]++;
      iv[c++] = (ival_t){p->t0, e};
    }
    r->level_t[l] = union_span(m->cal, iv, c, ws, we);
  }
  for (size_t j = 0; j < n; j++) {
    const char *code = k->steps.items[j].dept;
    bool seen = false;
    for (size_t i = 0; i < r->depts.len; i++)
      if (!strcmp(r->depts.items[i].code, code)) seen = true;
    if (seen) continue;
    dept_acc_t *d = dept_of(&r->depts, code);
    c = 0;
    for (size_t i = 0; i < n; i++) {
      const step_t *p = &k->steps.items[i];
      if (strcmp(p->dept, code)) continue;
      int64_t e = step_end(m, p);
      if (e >= ws && p->t0 < we) d->steps++;
      iv[c++] = (ival_t){p->t0, e};
    }
    d->t = union_span(m->cal, iv, c, ws, we);
  }
  lg_free(iv);
}

static void case_result_fini(case_result_t *r) { lg_free(r->depts.items); }

static json_t *levels_json(const span_t *t, const int *steps, double whole, bool skip_empty) {
  json_t *arr = json_array();
  for (int l = 0; l < NLEVELS; l++) {
    if (skip_empty && steps[l] == 0) continue;
    json_t *o = json_pack("{s:s, s:s, s:i}", "level", levels[l], "title",
                          lg_cases_level_title(levels[l]), "steps", steps[l]);
    json_object_update_new(o, span_json(t[l]));
    json_object_set_new(o, "share", json_real(share(t[l].work, whole)));
    json_array_append_new(arr, o);
  }
  return arr;
}

static int cmp_dept(const void *x, const void *y) {
  const dept_acc_t *p = x, *q = y;
  if (p->t.work != q->t.work) return p->t.work > q->t.work ? -1 : 1;
  if (p->t.secs != q->t.secs) return p->t.secs > q->t.secs ? -1 : 1;
  return strcmp(p->code, q->code);
}

static json_t *depts_json(const mctx_t *m, dept_acc_t *d, size_t n, double whole) {
  if (n) qsort(d, n, sizeof *d, cmp_dept);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *o = json_pack("{s:s, s:s, s:i}", "department", d[i].code, "title",
                          dept_title(m, d[i].code), "steps", d[i].steps);
    json_object_update_new(o, span_json(d[i].t));
    json_object_set_new(o, "share", json_real(share(d[i].t.work, whole)));
    json_array_append_new(arr, o);
  }
  return arr;
}

static json_t *coordination_json(span_t coord, span_t elapsed) {
  json_t *o = span_json(coord);
  json_object_set_new(o, "share", json_real(share(coord.work, elapsed.work)));
  json_object_set_new(o, "share_hours", json_real(share(coord.secs, elapsed.secs)));
  return o;
}

/* Step entries for the overdue and idle lists. */
static json_t *step_json(const mctx_t *m, const kase_t *k, const step_t *p) {
  json_t *o =
      json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "case_id", (json_int_t)k->id,
                "code", k->code, "task_id", (json_int_t)p->task_id, "node", p->node, "name",
                p->name, "department", p->dept, "division", p->division, "level", levels[p->level],
                "status", p->status, "created_at", p->created_iso);
  json_object_set_new(o, "due_at", p->due_iso[0] ? json_string(p->due_iso) : json_null());
  json_object_set_new(o, "completed_at",
                      p->completed_iso[0] ? json_string(p->completed_iso) : json_null());
  json_object_set_new(o, "department_title", json_string(dept_title(m, p->dept)));
  return o;
}

/* The overdue and idle steps of a case whose time meets [ws, we). */
static int case_flags(mctx_t *m, const kase_t *k, int64_t ws, int64_t we, json_t *overdue,
                      json_t *idle, int *n_overdue, int *n_idle, int *n_unstaffed, lg_err_t *err) {
  for (size_t i = 0; i < k->steps.len; i++) {
    const step_t *p = &k->steps.items[i];
    int64_t e = step_end(m, p);
    if (p->due && e > p->due && p->due < we && e > ws) {
      json_t *o = step_json(m, k, p);
      json_object_set_new(o, "limit_days", json_integer(cs_time_limit(m->cfg, p->node)));
      span_t over = {(double)(e - p->due), lg_cases_work_seconds(m->cal, p->due, e)};
      json_object_set_new(o, "over", span_json(over));
      json_array_append_new(overdue, o);
      (*n_overdue)++;
    }
    if (!(p->t0 < we && e > ws)) continue;
    span_t waited = {(double)(e - p->t0), lg_cases_work_seconds(m->cal, p->t0, e)};
    bool is_idle = waited.work > m->set.idle_days * 86400.0;
    bool has_staff = true;
    if (!p->t1) {
      int rc = staffed(m->s, &m->staff, p->groups, &has_staff, err);
      if (rc) return rc;
    }
    if (!is_idle && has_staff) continue;
    json_t *o = step_json(m, k, p);
    json_object_set_new(o, "groups", json_string(p->groups));
    json_object_set_new(o, "waited", span_json(waited));
    json_object_set_new(o, "idle", json_boolean(is_idle));
    json_object_set_new(o, "staffed", json_boolean(has_staff));
    json_array_append_new(idle, o);
    if (is_idle) (*n_idle)++;
    if (!has_staff) (*n_unstaffed)++;
  }
  return 0;
}

/* ---- Reading the rows ----------------------------------------------------------------- */

#define CASE_STEP_COLUMNS                                                                          \
  "SELECT c.id, c.code, c.title, c.division, c.status, c.created_at, c.updated_at,"                \
  " c.decided_at, c.handed_over_at, p.task_id, p.node, p.name, p.groups, p.department,"            \
  " p.level, p.division, p.status, p.created_at, p.due_at, p.completed_at"                         \
  " FROM lg_cases c LEFT JOIN lg_case_steps p ON p.case_id = c.id"

typedef int (*case_fn)(mctx_t *m, kase_t *k, void *ctx, lg_err_t *err);

/* Runs fn on each case of the statement's rows (ordered by case, then step). */
static int each_case(mctx_t *m, lg_stmt_t *st, case_fn fn, void *ctx, lg_err_t *err) {
  kase_t k = {0};
  bool have = false;
  int rc = 0, step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    int64_t id = lg_store_col_int(st, 0);
    if (!have || id != k.id) {
      if (have) {
        finish_case(&k, m->now);
        if ((rc = fn(m, &k, ctx, err))) break;
      }
      read_case(st, &k);
      have = true;
    }
    if (lg_store_col_type(st, 9) != LG_COL_NULL) {
      step_t p;
      read_step(st, &k, &p);
      lg_vec_push(&k.steps, p);
    }
  }
  if (rc == 0 && step != LG_DONE) rc = lg_store_fail(m->s, err, "读取案件环节失败");
  if (rc == 0 && have) {
    finish_case(&k, m->now);
    rc = fn(m, &k, ctx, err);
  }
  kase_reset(&k);
  lg_free(k.steps.items);
  return rc;
}

static int mctx_init(mctx_t *m, lg_store_t *s, lg_err_t *err) {
  memset(m, 0, sizeof *m);
  m->s = s;
  m->now = lg_now();
  int rc = lg_cases_metrics_settings(s, &m->set, err);
  if (rc == 0) rc = lg_cases_config(s, &m->cfg, err);
  lg_workcal_t *cal = NULL;
  if (rc == 0) rc = lg_flow_calendar_load(s, &cal, err);
  m->cal = cal;
  m->coord = json_array();
  m->titles = json_object();
  char *copy = lg_strdup(m->set.coordination_nodes);
  for (char *p = copy, *e; p; p = e) {
    e = strchr(p, ',');
    if (e) *e++ = '\0';
    lg_trim(p);
    if (*p) json_array_append_new(m->coord, json_string(p));
  }
  lg_free(copy);
  m->overdue = json_array();
  m->idle = json_array();
  m->cases = json_array();
  m->warnings = json_array();
  return rc;
}

static void mctx_fini(mctx_t *m) {
  json_decref(m->cfg);
  lg_workcal_free((lg_workcal_t *)m->cal);
  json_decref(m->coord);
  json_decref(m->titles);
  staffing_fini(&m->staff);
  lg_free(m->depts.items);
  lg_free(m->units.items);
  lg_free(m->load.items);
  json_decref(m->overdue);
  json_decref(m->idle);
  json_decref(m->cases);
  json_decref(m->warnings);
}

/* ---- One case ------------------------------------------------------------------------------ */

static json_t *case_json(mctx_t *m, const kase_t *k, const case_result_t *r) {
  json_t *o =
      json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)k->id, "code", k->code,
                "title", k->title, "division", k->division, "status", k->status, "status_title",
                lg_cases_status_title(k->status), "created_at", k->created_iso);
  json_object_set_new(o, "ended_at", k->open ? json_null() : json_string(k->end_iso));
  json_object_set_new(o, "elapsed", span_json(r->elapsed));
  json_object_set_new(o, "nodes",
                      json_pack("{s:i, s:i, s:i, s:i}", "passed", r->passed, "open", r->open,
                                "cancelled", r->cancelled, "total",
                                r->passed + r->open + r->cancelled));
  json_object_set_new(o, "coordination", coordination_json(r->coordination, r->elapsed));
  (void)m;
  return o;
}

static int one_case(mctx_t *m, kase_t *k, void *ctx, lg_err_t *err) {
  json_t **out = ctx;
  case_result_t r;
  case_compute(m, k, INT64_MIN / 2, m->now + 1, &r);
  json_t *o = case_json(m, k, &r);
  json_object_set_new(o, "levels", levels_json(r.level_t, r.level_steps, r.elapsed.work, true));
  json_object_set_new(o, "departments", depts_json(m, r.depts.items, r.depts.len, r.elapsed.work));
  span_t waiting = {LG_MAX(0, r.elapsed.secs - r.in_steps.secs),
                    LG_MAX(0, r.elapsed.work - r.in_steps.work)};
  json_object_set_new(o, "waiting", span_json(waiting));
  json_t *overdue = json_array(), *idle = json_array();
  int no = 0, ni = 0, nu = 0;
  int rc = case_flags(m, k, INT64_MIN / 2, m->now + 1, overdue, idle, &no, &ni, &nu, err);
  json_object_set_new(o, "overdue", overdue);
  json_object_set_new(o, "idle", idle);
  json_t *steps = json_array();
  for (size_t i = 0; i < k->steps.len; i++) {
    const step_t *p = &k->steps.items[i];
    json_t *sj = step_json(m, k, p);
    json_object_del(sj, "case_id");
    json_object_del(sj, "code");
    int64_t e = step_end(m, p);
    json_object_set_new(
        sj, "time",
        span_json((span_t){(double)(e - p->t0), lg_cases_work_seconds(m->cal, p->t0, e)}));
    json_object_set_new(sj, "coordination", json_boolean(is_coordination(m, p->node)));
    json_array_append_new(steps, sj);
  }
  json_object_set_new(o, "steps", steps);
  json_object_set_new(
      o, "settings",
      json_pack("{s:i, s:O}", "idle_days", m->set.idle_days, "coordination_nodes", m->coord));
  case_result_fini(&r);
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return 0;
}

int lg_cases_metrics_case(lg_store_t *s, int64_t id, json_t **out, lg_err_t *err) {
  *out = NULL;
  mctx_t m;
  int rc = mctx_init(&m, s, err);
  lg_stmt_t *st = NULL;
  if (rc == 0)
    rc = lg_store_prepare(s, CASE_STEP_COLUMNS " WHERE c.id = ? ORDER BY p.id", &st, err);
  if (rc == 0) {
    lg_store_bind_int(st, 1, id);
    rc = each_case(&m, st, one_case, out, err);
    lg_store_done(st);
  }
  if (rc == 0 && !*out) rc = lg_err_set(err, LG_ENOTFOUND, "案件 %lld 不存在", (long long)id);
  mctx_fini(&m);
  return rc;
}

/* ---- A period -------------------------------------------------------------------------------- */

typedef struct period {
  int64_t ws, we; /* the window: [from 00:00, to+1 00:00) cut to now */
  const lg_subject_t *who;
  int scope;
  char division[16]; /* "" none */
  int max_cases;
} period_t;

/* Whether a unit's division lies in what the caller may measure. */
static bool unit_in_scope(const period_t *pd, const char *division) {
  if (pd->division[0] && !lg_auth_division_within(pd->division, division)) return false;
  if (!pd->who || pd->scope == LG_SCOPE_ALL) return true;
  if (pd->scope == LG_SCOPE_JURISDICTION)
    return pd->who->division[0] && lg_auth_division_within(pd->who->division, division);
  return false; /* own or none: a subject with no bureau has no units */
}

static int period_case(mctx_t *m, kase_t *k, void *ctx, lg_err_t *err) {
  const period_t *pd = ctx;
  /* Not open at any time in the period. */
  if (k->created >= pd->we || k->end < pd->ws || (k->end == pd->ws && k->created < pd->ws))
    return 0;
  case_result_t r;
  case_compute(m, k, pd->ws, pd->we, &r);
  m->ncases++;
  if (k->created >= pd->ws) m->filed++;
  if (k->open) m->open_cases++;
  if (!k->open && k->end >= pd->ws && k->end < pd->we) {
    m->concluded++;
    m->nodes_concluded += r.passed;
    m->elapsed_concluded.secs += (double)(k->end - k->created);
    m->elapsed_concluded.work += lg_cases_work_seconds(m->cal, k->created, k->end);
  }
  m->elapsed.secs += r.elapsed.secs;
  m->elapsed.work += r.elapsed.work;
  m->coordination.secs += r.coordination.secs;
  m->coordination.work += r.coordination.work;
  m->in_steps.secs += r.in_steps.secs;
  m->in_steps.work += r.in_steps.work;
  for (int l = 0; l < NLEVELS; l++) {
    m->level_t[l].secs += r.level_t[l].secs;
    m->level_t[l].work += r.level_t[l].work;
    m->level_steps[l] += r.level_steps[l];
  }
  for (size_t i = 0; i < r.depts.len; i++) {
    dept_acc_t *d = dept_of(&m->depts, r.depts.items[i].code);
    d->t.secs += r.depts.items[i].t.secs;
    d->t.work += r.depts.items[i].t.work;
    d->steps += r.depts.items[i].steps;
  }
  /* Load: what each unit in scope handled, and what reached it, by day. */
  for (size_t i = 0; i < k->steps.len; i++) {
    const step_t *p = &k->steps.items[i];
    if (!unit_in_scope(pd, p->division)) continue;
    int u = unit_of(m, p->dept, p->division);
    if (p->t0 >= pd->ws && p->t0 < pd->we)
      lg_vec_push(&m->load, ((load_item_t){u, lg_date_of(p->t0, LG_TZ_CHINA), 1, k->id}));
    if (!strcmp(p->status, "completed") && p->t1 >= pd->ws && p->t1 < pd->we)
      lg_vec_push(&m->load, ((load_item_t){u, lg_date_of(p->t1, LG_TZ_CHINA), 0, k->id}));
  }
  int rc = case_flags(m, k, pd->ws, pd->we, m->overdue, m->idle, &m->n_overdue, &m->n_idle,
                      &m->n_unstaffed, err);
  if (rc == 0 && (int)json_array_size(m->cases) < pd->max_cases) {
    /* The list shows each case whole, not cut to the period. */
    case_result_t whole;
    case_compute(m, k, INT64_MIN / 2, m->now + 1, &whole);
    json_t *o = case_json(m, k, &whole);
    int no = 0, ni = 0;
    for (size_t i = 0; i < k->steps.len; i++) {
      const step_t *p = &k->steps.items[i];
      int64_t e = step_end(m, p);
      if (p->due && e > p->due) no++;
      if (lg_cases_work_seconds(m->cal, p->t0, e) > m->set.idle_days * 86400.0) ni++;
    }
    json_object_set_new(o, "overdue_steps", json_integer(no));
    json_object_set_new(o, "idle_steps", json_integer(ni));
    json_array_append_new(m->cases, o);
    case_result_fini(&whole);
  }
  case_result_fini(&r);
  return rc;
}

static int cmp_load(const void *x, const void *y) {
  const load_item_t *p = x, *q = y;
  if (p->unit != q->unit) return p->unit < q->unit ? -1 : 1;
  if (p->day != q->day) return p->day < q->day ? -1 : 1;
  if (p->kind != q->kind) return p->kind < q->kind ? -1 : 1;
  return p->case_id < q->case_id ? -1 : p->case_id > q->case_id;
}

static int cmp_unit_json(const void *x, const void *y) {
  const json_t *p = *(json_t *const *)x, *q = *(json_t *const *)y;
  json_int_t a = json_integer_value(json_object_get(p, "peak"));
  json_int_t b = json_integer_value(json_object_get(q, "peak"));
  if (a != b) return a > b ? -1 : 1;
  a = json_integer_value(json_object_get(p, "handled"));
  b = json_integer_value(json_object_get(q, "handled"));
  if (a != b) return a > b ? -1 : 1;
  return strcmp(json_string_value(json_object_get(p, "unit")),
                json_string_value(json_object_get(q, "unit")));
}

/* Per unit: days with activity, handled and arrived counted once per case
 * and day, the average per working day of the period, the peak, and the
 * days over the threshold. */
static json_t *load_json(mctx_t *m, int workdays, int threshold) {
  if (m->load.len) qsort(m->load.items, m->load.len, sizeof *m->load.items, cmp_load);
  size_t nu = m->units.len;
  json_t **units = lg_calloc(nu ? nu : 1, sizeof *units);
  for (size_t u = 0; u < nu; u++) {
    char key[64];
    snprintf(key, sizeof key, "%s@%s", m->units.items[u].dept, m->units.items[u].division);
    units[u] = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:n, s:o}", "unit", key, "department",
                         m->units.items[u].dept, "title", dept_title(m, m->units.items[u].dept),
                         "division", m->units.items[u].division, "handled", 0, "arrived", 0, "peak",
                         0, "peak_day", "days", json_array());
  }
  size_t i = 0;
  while (i < m->load.len) {
    int u = m->load.items[i].unit;
    int32_t day = m->load.items[i].day;
    int counts[2] = {0, 0};
    int64_t last[2] = {-1, -1};
    for (; i < m->load.len && m->load.items[i].unit == u && m->load.items[i].day == day; i++) {
      const load_item_t *it = &m->load.items[i];
      if (it->case_id != last[it->kind]) counts[it->kind]++;
      last[it->kind] = it->case_id;
    }
    json_t *o = units[u];
    char ds[11];
    lg_date_format(day, ds);
    bool over = counts[0] > threshold;
    json_array_append_new(json_object_get(o, "days"),
                          json_pack("{s:s, s:i, s:i, s:b}", "day", ds, "handled", counts[0],
                                    "arrived", counts[1], "overloaded", over));
    json_object_set_new(
        o, "handled", json_integer(json_integer_value(json_object_get(o, "handled")) + counts[0]));
    json_object_set_new(
        o, "arrived", json_integer(json_integer_value(json_object_get(o, "arrived")) + counts[1]));
    if (counts[0] > json_integer_value(json_object_get(o, "peak"))) {
      json_object_set_new(o, "peak", json_integer(counts[0]));
      json_object_set_new(o, "peak_day", json_string(ds));
    }
    if (over) {
      char w[512];
      snprintf(w, sizeof w, "%s (%s) %s 办理 %d 件, 超过负荷阈值 %d 件/日 %.0f%%",
               json_string_value(json_object_get(o, "title")), m->units.items[u].division, ds,
               counts[0], threshold, 100.0 * (counts[0] - threshold) / threshold);
      json_array_append_new(m->warnings, json_string(w));
    }
  }
  json_t *arr = json_array();
  for (size_t u = 0; u < nu; u++) {
    json_t *o = units[u];
    json_int_t handled = json_integer_value(json_object_get(o, "handled"));
    double avg = workdays > 0 ? (double)handled / workdays : 0;
    json_object_set_new(o, "working_days", json_integer(workdays));
    json_object_set_new(o, "average", json_real(round_to(avg, 2)));
    int overdays = 0;
    size_t k;
    json_t *d;
    json_array_foreach(json_object_get(o, "days"), k, d) overdays +=
        json_is_true(json_object_get(d, "overloaded"));
    json_object_set_new(o, "overloaded_days", json_integer(overdays));
    json_object_set_new(o, "overloaded", json_boolean(overdays > 0));
    /* Sustained overload, as the seed measures it: the average itself. */
    json_object_set_new(o, "average_overloaded", json_boolean(avg > threshold));
    if (avg > threshold) {
      char w[512];
      snprintf(w, sizeof w, "%s (%s) 工作日日均办理 %.1f 件, 持续超过负荷阈值 %d 件/日",
               json_string_value(json_object_get(o, "title")), m->units.items[u].division, avg,
               threshold);
      json_array_append_new(m->warnings, json_string(w));
    }
    json_array_append_new(arr, o);
  }
  lg_free(units);
  /* Busiest first. */
  size_t n = json_array_size(arr);
  json_t **v = lg_malloc((n ? n : 1) * sizeof *v);
  for (size_t k = 0; k < n; k++)
    v[k] = json_incref(json_array_get(arr, k));
  if (n) qsort(v, n, sizeof *v, cmp_unit_json);
  json_array_clear(arr);
  for (size_t k = 0; k < n; k++)
    json_array_append_new(arr, v[k]);
  lg_free(v);
  return arr;
}

static int cmp_by(const void *x, const void *y, const char *outer) {
  const json_t *p = *(json_t *const *)x, *q = *(json_t *const *)y;
  double a = json_real_value(json_object_get(json_object_get(p, outer), "working_days"));
  double b = json_real_value(json_object_get(json_object_get(q, outer), "working_days"));
  if (a != b) return a > b ? -1 : 1;
  json_int_t i = json_integer_value(json_object_get(p, "task_id"));
  json_int_t j = json_integer_value(json_object_get(q, "task_id"));
  return i < j ? -1 : i > j;
}
static int cmp_over(const void *x, const void *y) { return cmp_by(x, y, "over"); }
static int cmp_waited(const void *x, const void *y) { return cmp_by(x, y, "waited"); }

static void sort_array(json_t *arr, int (*cmp)(const void *, const void *)) {
  size_t n = json_array_size(arr);
  json_t **v = lg_malloc((n ? n : 1) * sizeof *v);
  for (size_t k = 0; k < n; k++)
    v[k] = json_incref(json_array_get(arr, k));
  if (n) qsort(v, n, sizeof *v, cmp);
  json_array_clear(arr);
  for (size_t k = 0; k < n; k++)
    json_array_append_new(arr, v[k]);
  lg_free(v);
}

int lg_cases_metrics(lg_store_t *s, const lg_case_metrics_opts_t *o, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_case_metrics_opts_t none = {0};
  if (!o) o = &none;
  mctx_t m;
  int rc = mctx_init(&m, s, err);
  lg_stmt_t *st = NULL;
  lg_buf_t sql;
  lg_buf_init(&sql);
  if (rc) goto done;
  if (o->load_threshold > 0) m.set.load_threshold = o->load_threshold;
  if (o->idle_days > 0) m.set.idle_days = o->idle_days;

  /* The period, in Beijing dates; the last 30 days by default. */
  int32_t today = lg_date_of(m.now, LG_TZ_CHINA), from, to;
  if (o->to && *o->to) {
    if ((rc = lg_date_parse(o->to, &to, err))) {
      lg_err_where(err, "to");
      goto done;
    }
  } else {
    to = today;
  }
  if (o->from && *o->from) {
    if ((rc = lg_date_parse(o->from, &from, err))) {
      lg_err_where(err, "from");
      goto done;
    }
  } else {
    from = to - 29;
  }
  if (to < from) {
    char a[11], b[11];
    lg_date_format(from, a);
    lg_date_format(to, b);
    rc = lg_err_set(err, LG_EINVAL, "统计期间无效: 起始日 %s 晚于截止日 %s", a, b);
    lg_err_where(err, "from");
    goto done;
  }
  if (to - from > 3660) {
    rc = lg_err_set(err, LG_ELIMIT, "统计期间过长 (%d 天): 一次最多统计 10 年", to - from + 1);
    lg_err_where(err, "to");
    goto done;
  }
  period_t pd = {.ws = lg_date_start(from, LG_TZ_CHINA),
                 .we = LG_MIN(lg_date_start(to + 1, LG_TZ_CHINA), m.now + 1),
                 .who = o->who,
                 .scope = o->scope,
                 .max_cases = o->max_cases > 0 ? o->max_cases : 100};
  if (o->division && *o->division &&
      (rc = lg_auth_division_normalize(o->division, pd.division, "division", err)))
    goto done;

  /* What the scope lets who see (lg_auth_filter_t): a case belongs to
   * every county it crosses. */
  lg_buf_puts(&sql, CASE_STEP_COLUMNS
              " WHERE (?3 = 'all' OR EXISTS (SELECT 1 FROM lg_case_divisions d WHERE"
              "  d.case_id = c.id AND ((?3 = 'jurisdiction' AND d.division LIKE ?4 || '%')"
              "  OR (?3 = 'own' AND c.enterprise = ?5))))"
              " AND (?1 IS NULL OR EXISTS (SELECT 1 FROM lg_case_divisions d"
              "  WHERE d.case_id = c.id AND d.division LIKE ?1 || '%'))"
              " AND c.created_at < ?2 ORDER BY c.id, p.id");
  if ((rc = lg_store_prepare(s, sql.data, &st, err))) goto done;
  lg_auth_filter_t af = {.kind = "all"};
  if (o->who) lg_auth_filter_make(o->who, o->scope, &af);
  lg_store_bind_text(st, 3, af.kind);
  lg_store_bind_text(st, 4, af.division);
  lg_store_bind_text(st, 5, af.enterprise);
  cs_bind_text(st, 1, pd.division[0] ? pd.division : NULL);
  char we_iso[32];
  lg_time_iso(pd.we, we_iso);
  lg_store_bind_text(st, 2, we_iso);
  rc = each_case(&m, st, period_case, &pd, err);
  lg_store_done(st);
  if (rc) goto done;

  int32_t last = LG_MIN(to, today);
  int workdays = last >= from ? lg_workdays_between(m.cal, from - 1, last) : 0;
  json_t *load = load_json(&m, workdays, m.set.load_threshold);
  sort_array(m.overdue, cmp_over);
  sort_array(m.idle, cmp_waited);
  size_t i;
  json_t *it;
  json_array_foreach(m.idle, i, it) {
    if (json_is_true(json_object_get(it, "staffed"))) continue;
    char w[512];
    snprintf(w, sizeof w, "案件 %s 的环节「%s」无人可办: 没有在职账户属于候选组 %s",
             json_string_value(json_object_get(it, "code")),
             json_string_value(json_object_get(it, "name")),
             json_string_value(json_object_get(it, "groups")));
    json_array_append_new(m.warnings, json_string(w));
  }
  if (m.n_idle) {
    char w[256];
    snprintf(w, sizeof w, "%d 个环节无人办理超过 %d 个工作日 (流程空转)", m.n_idle,
             m.set.idle_days);
    json_array_append_new(m.warnings, json_string(w));
  }

  char fs[11], ts[11], ws_iso[32];
  lg_date_format(from, fs);
  lg_date_format(to, ts);
  lg_time_iso(pd.ws, ws_iso);
  json_t *summary = json_pack(
      "{s:i, s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i}", "cases", m.ncases, "filed",
      m.filed, "concluded", m.concluded, "open", m.open_cases, "nodes_per_concluded_case",
      json_real(m.concluded ? round_to((double)m.nodes_concluded / m.concluded, 2) : 0),
      "elapsed_per_concluded_case",
      span_json((span_t){m.concluded ? m.elapsed_concluded.secs / m.concluded : 0,
                         m.concluded ? m.elapsed_concluded.work / m.concluded : 0}),
      "time", span_json(m.elapsed), "coordination", coordination_json(m.coordination, m.elapsed),
      "waiting",
      span_json((span_t){LG_MAX(0, m.elapsed.secs - m.in_steps.secs),
                         LG_MAX(0, m.elapsed.work - m.in_steps.work)}),
      "overdue_steps", m.n_overdue, "idle_steps", m.n_idle, "unstaffed_steps", m.n_unstaffed);
  int overloaded_units = 0;
  json_array_foreach(load, i, it) overloaded_units +=
      json_is_true(json_object_get(it, "overloaded"));
  json_object_set_new(summary, "overloaded_units", json_integer(overloaded_units));
  *out = json_pack(
      "{s:{s:s, s:s, s:s, s:s, s:i}, s:{s:o, s:s, s:o}, s:{s:i, s:s, s:i, s:O}, s:o, s:o, s:o,"
      " s:o, s:O, s:O, s:O, s:O}",
      "period", "from", fs, "to", ts, "start", ws_iso, "end", we_iso, "working_days", workdays,
      "scope", "division", pd.division[0] ? json_string(pd.division) : json_null(), "scope",
      o->who ? lg_auth_scope_name(o->scope) : "all", "subject",
      o->who && o->who->division[0] ? json_string(o->who->division) : json_null(), "settings",
      "load_threshold", m.set.load_threshold, "load_basis",
      "各部门 (部门@行政区) 每日办结环节所涉案件数, 同一案件同日只计一次; 阈值依 seed 000 "
      "§1.2.1 (2) 行政效率临界值 10 项/日",
      "idle_days", m.set.idle_days, "coordination_nodes", m.coord, "summary", summary, "levels",
      levels_json(m.level_t, m.level_steps, m.elapsed.work, false), "departments",
      depts_json(&m, m.depts.items, m.depts.len, m.elapsed.work), "load", load, "overdue",
      m.overdue, "idle", m.idle, "cases", m.cases, "warnings", m.warnings);
  json_object_set_new(*out, "cases_truncated",
                      json_boolean((int)json_array_size(m.cases) < m.ncases));
done:
  lg_buf_fini(&sql);
  mctx_fini(&m);
  return rc;
}
