/*
 * The audit against a small table of this test's own: parcels whose rows
 * are written with their ledger entries in one transaction, then edited,
 * inserted and deleted behind the application's back with plain SQL. Each
 * edit must be reported with the object and its latest entry; honest
 * changes, deletions recorded as such included, must not be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger/ledger.h"
#include "lg_test.h"

static char dir[64], path[128];
static lg_store_t *S;

static void exec(const char *sql) {
  lg_err_t err = {0};
  if (lg_store_exec(S, sql, &err) != 0) fail_msg("%s: %s", sql, err.msg);
}

/* The state of a parcel as the module records it. */
static json_t *parcel_state(const char *id, const char *status, double area) {
  return json_pack("{s:s, s:s, s:f}", "id", id, "status", status, "area_ha", area);
}

static int scan_parcels(lg_store_t *s, lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT id, status, area_ha FROM parcel", &st, NULL) != 0)
    return lg_err_set(err, LG_EDB, "parcel");
  int rc = 0;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    const char *id = lg_store_col_text(st, 0);
    json_t *j = parcel_state(id, lg_store_col_text(st, 1), lg_store_col_real(st, 2));
    unsigned char d[32];
    rc = lg_ledger_digest_json(j, d, err);
    json_decref(j);
    if (rc == 0) rc = emit(ctx, id, d);
  }
  lg_store_done(st);
  return rc;
}

static const lg_ledger_auditor_t parcel_auditor = {"parcel", scan_parcels};
static const lg_ledger_auditor_t *const auditors[] = {&parcel_auditor, NULL};

/* An honest change: the row and its entry in one transaction. */
static void put(const char *id, const char *status, double area, bool del) {
  lg_err_t err = {0};
  assert_int_equal(lg_store_begin(S, &err), 0);
  char sql[256];
  if (del)
    snprintf(sql, sizeof sql, "DELETE FROM parcel WHERE id = '%s'", id);
  else
    snprintf(sql, sizeof sql,
             "INSERT INTO parcel VALUES ('%s', '%s', %.17g) ON CONFLICT(id)"
             " DO UPDATE SET status = excluded.status, area_ha = excluded.area_ha",
             id, status, area);
  exec(sql);
  json_t *j = del ? NULL : parcel_state(id, status, area);
  lg_ledger_event_t ev = {.actor = "李四",
                          .role = "审批科",
                          .jurisdiction = "330102",
                          .action = del ? "parcel.delete" : "parcel.save",
                          .object_type = "parcel",
                          .object_id = id,
                          .state = j};
  if (lg_ledger_append(S, &ev, NULL, &err)) fail_msg("%s", err.msg);
  json_decref(j);
  assert_int_equal(lg_store_commit(S, &err), 0);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/lg_ledger_audit_XXXXXX");
  if (!mkdtemp(dir)) return -1;
  snprintf(path, sizeof path, "%s/a.gpkg", dir);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &S, &err)) return -1;
  exec("CREATE TABLE parcel (id TEXT PRIMARY KEY, status TEXT NOT NULL, area_ha REAL NOT NULL)");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lg_store_close(S);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static const lg_ledger_finding_t *find(const lg_ledger_audit_t *a, const char *id) {
  for (size_t i = 0; i < a->findings.len; i++)
    if (strcmp(a->findings.items[i].object_id, id) == 0) return &a->findings.items[i];
  return NULL;
}

static void test_audit(void **state) {
  (void)state;
  lg_err_t err = {0};
  put("p1", "submitted", 1.25, false); /* entry 0 */
  put("p2", "submitted", 3.5, false);  /* entry 1 */
  put("p3", "submitted", 0.75, false); /* entry 2 */
  put("p1", "approved", 1.25, false);  /* entry 3 */
  put("p3", "", 0, true);              /* entry 4: deleted, honestly */
  /* Another module's entries, with no auditor here. */
  lg_store_begin(S, &err);
  lg_ledger_event_t other = {
      .actor = "x", .action = "quota.move", .object_type = "quota", .object_id = "q1"};
  assert_int_equal(lg_ledger_append(S, &other, NULL, &err), 0);
  lg_store_commit(S, &err);

  lg_ledger_audit_t a;
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  assert_int_equal(a.objects, 2);
  assert_int_equal(a.types, 1);
  if (a.findings.len) fail_msg("clean store reported %s", a.findings.items[0].object_id);
  assert_int_equal(a.unaudited.len, 1);
  assert_string_equal(a.unaudited.items[0], "quota");
  lg_ledger_audit_fini(&a);

  /* Behind the application's back. */
  exec("UPDATE parcel SET area_ha = 12.5 WHERE id = 'p1'");  /* changed */
  exec("INSERT INTO parcel VALUES ('p9', 'approved', 2.0)"); /* never recorded */
  exec("DELETE FROM parcel WHERE id = 'p2'");                /* vanished */
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  assert_int_equal(a.findings.len, 3);
  const lg_ledger_finding_t *f = find(&a, "p1");
  assert_non_null(f);
  assert_int_equal(f->kind, LG_LEDGER_AUDIT_CHANGED);
  assert_int_equal(f->entry, 3);
  assert_string_equal(f->object_type, "parcel");
  assert_string_not_equal(f->recorded, f->actual);
  f = find(&a, "p9");
  assert_non_null(f);
  assert_int_equal(f->kind, LG_LEDGER_AUDIT_UNRECORDED);
  assert_int_equal(f->entry, -1);
  f = find(&a, "p2");
  assert_non_null(f);
  assert_int_equal(f->kind, LG_LEDGER_AUDIT_MISSING);
  assert_int_equal(f->entry, 1);
  assert_null(find(&a, "p3"));
  lg_ledger_audit_fini(&a);

  /* Put the row back as recorded: clean again for p1. */
  exec("UPDATE parcel SET area_ha = 1.25 WHERE id = 'p1'");
  /* A deleted object's row reappearing is a change too. */
  exec("INSERT INTO parcel VALUES ('p3', 'submitted', 0.75)");
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  assert_null(find(&a, "p1"));
  f = find(&a, "p3");
  assert_non_null(f);
  assert_int_equal(f->kind, LG_LEDGER_AUDIT_CHANGED);
  assert_int_equal(f->entry, 4);
  lg_ledger_audit_fini(&a);

  /* Someone "fixes" the entry instead of the row: the entry is caught. */
  assert_int_equal(lg_test_drop_append_only(S, "lg_ledger_entries"), 0);
  exec("UPDATE lg_ledger_entries SET entry = replace(entry, '李四', '王五') WHERE idx = 1");
  exec("INSERT INTO parcel VALUES ('p2', 'submitted', 3.5)");
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  f = find(&a, "p2");
  /* The row matches the digest in the entry again, but the entry (its
   * actor rewritten) no longer matches its leaf hash. */
  assert_non_null(f);
  assert_int_equal(f->kind, LG_LEDGER_AUDIT_BAD_ENTRY);
  assert_int_equal(f->entry, 1);
  lg_ledger_audit_fini(&a);
  assert_string_not_equal(lg_ledger_finding_title(LG_LEDGER_AUDIT_CHANGED), "");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test_setup_teardown(test_audit, setup, teardown)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
