/*
 * The audit: every object's current row against its latest ledger entry.
 *
 * The log proves what was recorded; the audit proves that what is in the
 * tables now is what was recorded. Each module's auditor recomputes the
 * digest of its objects' rows; the latest entry of each object holds the
 * digest the application wrote with the change. A row edited, inserted
 * or deleted behind the application's back (an SQL client, a restored
 * backup, a careless script) shows as a finding naming the object and the
 * entry. Entries are matched by (object type, object id) through the
 * index lg_ledger_entries_object, so the audit reads each object's latest
 * entry once.
 */
#include "ledger/ledger_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct row {
  char *id;
  unsigned char digest[32];
} row_t;

typedef LG_VEC(row_t) rows_t;

static int collect(void *ctx, const char *object_id, const unsigned char digest[32]) {
  rows_t *rows = ctx;
  row_t r;
  r.id = lg_strdup(object_id ? object_id : "");
  memcpy(r.digest, digest, 32);
  lg_vec_push(rows, r);
  return 0;
}

static int row_cmp(const void *a, const void *b) {
  return strcmp(((const row_t *)a)->id, ((const row_t *)b)->id);
}

const char *lg_ledger_finding_title(int kind) {
  switch (kind) {
  case LG_LEDGER_AUDIT_CHANGED:
    return "对象已被改动 (与最近一次记账不符)";
  case LG_LEDGER_AUDIT_UNRECORDED:
    return "对象没有任何记账";
  case LG_LEDGER_AUDIT_MISSING:
    return "对象已被删除 (账本记载它仍存在)";
  case LG_LEDGER_AUDIT_BAD_ENTRY:
    return "账本条目本身被改动";
  default:
    return "未知问题";
  }
}

static void add_finding(lg_ledger_audit_t *a, int kind, const char *type, const char *id,
                        int64_t entry, const char *recorded, const unsigned char *actual) {
  lg_ledger_finding_t f;
  memset(&f, 0, sizeof f);
  f.kind = kind;
  snprintf(f.object_type, sizeof f.object_type, "%s", type);
  snprintf(f.object_id, sizeof f.object_id, "%s", id);
  f.entry = entry;
  snprintf(f.recorded, sizeof f.recorded, "%s", recorded ? recorded : "");
  if (actual) lg_ledger_hex(actual, 32, f.actual);
  lg_vec_push(&a->findings, f);
}

/* The digest an entry recorded, as hex, or "" when the entry is not the
 * JSON landgov writes. */
static void entry_digest(const char *text, char out[65]) {
  out[0] = '\0';
  json_t *j = json_loads(text ? text : "", 0, NULL);
  const char *d = json_string_value(json_object_get(j, "digest"));
  if (d && strlen(d) == 64) snprintf(out, 65, "%s", d);
  json_decref(j);
}

static int audit_type(lg_store_t *s, const lg_ledger_auditor_t *au, lg_ledger_audit_t *a,
                      lg_err_t *err) {
  rows_t rows = {0};
  lg_stmt_t *st = NULL;
  unsigned char deleted[32];
  lg_ledger_digest_json(NULL, deleted, NULL);
  char deleted_hex[65];
  lg_ledger_hex(deleted, 32, deleted_hex);

  int rc = au->scan(s, collect, &rows, err);
  if (rc) {
    lg_err_prefix(err, "审计对象类型 %s: ", au->object_type);
    goto done;
  }
  a->objects += rows.len;
  if (rows.len) qsort(rows.items, rows.len, sizeof *rows.items, row_cmp);
  rc = lg_store_prepare(s,
                        "SELECT e.object_id, e.idx, e.entry, e.leaf_hash FROM lg_ledger_entries e"
                        " JOIN (SELECT max(idx) AS m FROM lg_ledger_entries WHERE object_type = ?"
                        " GROUP BY object_id) l ON e.idx = l.m ORDER BY e.object_id",
                        &st, err);
  if (rc) goto done;
  lg_store_bind_text(st, 1, au->object_type);
  size_t i = 0;
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    const char *id = lg_store_col_text(st, 0);
    int64_t idx = lg_store_col_int(st, 1);
    const char *text = lg_store_col_text(st, 2);
    /* Rows before this entry's object have no entry at all. */
    for (; i < rows.len && strcmp(rows.items[i].id, id) < 0; i++)
      add_finding(a, LG_LEDGER_AUDIT_UNRECORDED, au->object_type, rows.items[i].id, -1, NULL,
                  rows.items[i].digest);
    char rec[65];
    entry_digest(text, rec);
    unsigned char leaf[32];
    lg_ledger_leaf_hash(text ? text : "", (size_t)lg_store_col_bytes(st, 2), leaf);
    bool row_here = i < rows.len && strcmp(rows.items[i].id, id) == 0;
    const unsigned char *actual = row_here ? rows.items[i].digest : NULL;
    if (lg_store_col_bytes(st, 3) != 32 || memcmp(lg_store_col_blob(st, 3, NULL), leaf, 32) != 0 ||
        !rec[0]) {
      add_finding(a, LG_LEDGER_AUDIT_BAD_ENTRY, au->object_type, id, idx, rec, actual);
    } else if (row_here) {
      char hex[65];
      lg_ledger_hex(actual, 32, hex);
      if (strcmp(hex, rec) != 0)
        add_finding(a, LG_LEDGER_AUDIT_CHANGED, au->object_type, id, idx, rec, actual);
    } else if (strcmp(rec, deleted_hex) != 0) {
      add_finding(a, LG_LEDGER_AUDIT_MISSING, au->object_type, id, idx, rec, NULL);
    }
    if (row_here) i++;
  }
  if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "读取账本条目失败");
    goto done;
  }
  for (; i < rows.len; i++)
    add_finding(a, LG_LEDGER_AUDIT_UNRECORDED, au->object_type, rows.items[i].id, -1, NULL,
                rows.items[i].digest);
done:
  lg_store_done(st);
  for (size_t k = 0; k < rows.len; k++)
    lg_free(rows.items[k].id);
  lg_free(rows.items);
  return rc;
}

int lg_ledger_audit(lg_store_t *s, const lg_ledger_auditor_t *const *auditors,
                    lg_ledger_audit_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  int rc = 0;
  for (size_t i = 0; auditors && auditors[i] && rc == 0; i++) {
    rc = audit_type(s, auditors[i], out, err);
    out->types++;
  }
  if (rc) return rc;
  /* Object types recorded in the log that no auditor covers. */
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT DISTINCT object_type FROM lg_ledger_entries ORDER BY 1", &st,
                       err))
    return LG_EDB;
  while (lg_store_step(st) == LG_ROW) {
    const char *t = lg_store_col_text(st, 0);
    bool known = false;
    for (size_t i = 0; auditors && auditors[i] && !known; i++)
      known = strcmp(auditors[i]->object_type, t) == 0;
    if (!known) lg_vec_push(&out->unaudited, lg_strdup(t));
  }
  lg_store_done(st);
  return 0;
}

void lg_ledger_audit_fini(lg_ledger_audit_t *a) {
  if (!a) return;
  lg_free(a->findings.items);
  for (size_t i = 0; i < a->unaudited.len; i++)
    lg_free(a->unaudited.items[i]);
  lg_free(a->unaudited.items);
  memset(a, 0, sizeof *a);
}

int lg_ledger_scan_json_rows(lg_store_t *s, const char *sql, const char *what,
                             lg_ledger_emit_fn emit, void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, sql, &st, NULL) != 0)
    return lg_err_set(err, LG_EDB, "读取%s失败: %s", what, lg_store_errmsg(s));
  int rc = 0;
  while (rc == 0 && lg_store_step(st) == LG_ROW) {
    const char *id = lg_store_col_text(st, 0);
    const char *text = lg_store_col_text(st, 1);
    /* A document that no longer parses digests as null: the audit then
     * reports the object as changed, which it is. */
    json_t *state = text ? json_loads(text, 0, NULL) : NULL;
    unsigned char d[32];
    rc = lg_ledger_digest_json(state ? state : json_null(), d, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, id ? id : "", d);
  }
  lg_store_done(st);
  return rc;
}
