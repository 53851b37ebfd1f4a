/* Helpers shared by the flow engine's tests: a fresh store in a temporary
 * directory, fixtures from tests/data/bpmn, and short ways to find tasks
 * and read an instance. Included by one test file each (static). */
#ifndef FLOW_TEST_H
#define FLOW_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow/flow.h"
#include "lg_test.h"

static json_t *garbage[256];
static size_t ngarbage;

typedef struct tenv {
  char dir[256];
  char path[300];
  lg_store_t *s;
} tenv_t;

static inline void tenv_open(tenv_t *t) {
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(t->path), LG_STORE_CREATE, &t->s, &err) != 0)
    fail_msg("open: %s", err.msg);
}

static inline void tenv_close(tenv_t *t) {
  lg_store_close(t->s);
  t->s = NULL;
}

static inline int tenv_setup(void **state) {
  tenv_t *t = calloc(1, sizeof *t);
  snprintf(t->dir, sizeof t->dir, "/tmp/lg_flow_XXXXXX");
  if (!mkdtemp(t->dir)) return -1;
  snprintf(t->path, sizeof t->path, "%s/test.gpkg", t->dir);
  tenv_open(t);
  lg_clock_set(0);
  *state = t;
  return 0;
}

static inline int tenv_teardown(void **state) {
  tenv_t *t = *state;
  tenv_close(t);
  while (ngarbage)
    json_decref(garbage[--ngarbage]);
  char p[400];
  static const char *const suffix[] = {"",         "-wal",        "-shm",
                                       "-journal", ".ledger.key", ".witness.key"};
  for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
    snprintf(p, sizeof p, "%s%s", t->path, suffix[i]);
    unlink(p);
  }
  rmdir(t->dir);
  free(t);
  lg_clock_set(0);
  return 0;
}

static inline char *fixture(const char *name, size_t *len) {
  const char *dir = getenv("LG_TESTDATA");
  char path[512];
  snprintf(path, sizeof path, "%s/bpmn/%s", dir ? dir : "tests/data", name);
  char *data = NULL;
  lg_err_t err = {0};
  if (lg_file_read(path, &data, len, &err) != 0) fail_msg("fixture %s: %s", path, err.msg);
  return data;
}

static inline lg_flow_def_info_t deploy(lg_store_t *s, const char *name) {
  size_t n = 0;
  char *xml = fixture(name, &n);
  lg_flow_def_info_t info;
  lg_err_t err = {0};
  if (lg_flow_deploy(s, xml, n, "admin", &info, &err) != 0)
    fail_msg("deploy %s: %s", name, err.msg);
  lg_free(xml);
  return info;
}

static inline json_t *parse(const char *text) {
  json_error_t je;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
  if (!v) fail_msg("test JSON: %s", je.text);
  return v;
}

/* JSON for one call: kept until the test's teardown frees it. */
static inline json_t *J(const char *text) {
  json_t *v = parse(text);
  if (ngarbage < sizeof garbage / sizeof *garbage) garbage[ngarbage++] = v;
  return v;
}

static inline int64_t start(lg_store_t *s, const char *key, const char *vars) {
  json_t *v = vars ? parse(vars) : NULL;
  int64_t id = 0;
  lg_err_t err = {0};
  if (lg_flow_start(s, key, v, "applicant", &id, &err) != 0) fail_msg("start %s: %s", key, err.msg);
  json_decref(v);
  return id;
}

static inline json_t *instance(lg_store_t *s, int64_t id) {
  json_t *o = NULL;
  lg_err_t err = {0};
  if (lg_flow_instance_json(s, id, LG_FLOW_WITH_HISTORY, &o, &err) != 0) fail_msg("%s", err.msg);
  return o;
}

static inline const char *status_of(lg_store_t *s, int64_t id) {
  static char buf[32];
  json_t *o = instance(s, id);
  snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(o, "status")));
  json_decref(o);
  return buf;
}

/* Open tasks of an instance at a node, as a JSON array (caller decrefs). */
static inline json_t *open_tasks(lg_store_t *s, int64_t inst, const char *node) {
  lg_flow_task_filter_t f = {.instance_id = inst, .node = node};
  json_t *arr = NULL;
  lg_err_t err = {0};
  if (lg_flow_tasks(s, &f, &arr, &err) != 0) fail_msg("%s", err.msg);
  return arr;
}

static inline size_t n_open(lg_store_t *s, int64_t inst, const char *node) {
  json_t *a = open_tasks(s, inst, node);
  size_t n = json_array_size(a);
  json_decref(a);
  return n;
}

/* The one open task at a node. */
static inline int64_t task_at(lg_store_t *s, int64_t inst, const char *node) {
  json_t *a = open_tasks(s, inst, node);
  if (json_array_size(a) != 1)
    fail_msg("expected one open task at %s, found %zu", node, json_array_size(a));
  int64_t id = json_integer_value(json_object_get(json_array_get(a, 0), "id"));
  json_decref(a);
  return id;
}

static inline void complete(lg_store_t *s, int64_t task, const char *outcome, const char *vars) {
  json_t *v = vars ? parse(vars) : NULL;
  lg_err_t err = {0};
  if (lg_flow_complete(s, task, "officer", outcome, v, &err) != 0)
    fail_msg("complete %lld: %s", (long long)task, err.msg);
  json_decref(v);
}

static inline int64_t T(const char *iso) {
  int64_t t = 0;
  if (lg_time_parse_iso(iso, &t, NULL) != 0) fail_msg("bad time %s", iso);
  return t;
}

static inline void assert_str(const json_t *v, const char *want) {
  const char *got = json_string_value(v);
  if (!got || strcmp(got, want)) fail_msg("got \"%s\", want \"%s\"", got ? got : "(null)", want);
}

#endif
