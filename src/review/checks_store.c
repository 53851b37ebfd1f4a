/*
 * Saved checks: each check that is kept (every one made through the API)
 * lands in lg_checks with its input boundary, its report and the rule-set
 * version it was judged by, and, when the ledger is built in, as an entry
 * of the approval ledger in the same transaction, so that a report shown
 * to an applicant later can be proven to be the one the system produced.
 */
#include "review/review_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LG_HAVE_LEDGER
#include "ledger/ledger.h"
#endif

static const char *str_or(const json_t *v, const char *dflt) {
  return json_is_string(v) ? json_string_value(v) : dflt;
}

int lg_review_check_save(lg_store_t *s, const lg_boundary_t *b, json_t *report,
                         const lg_check_meta_t *meta, int64_t *id, lg_err_t *err) {
  static const lg_check_meta_t nobody = {0};
  if (!meta) meta = &nobody;
  const char *actor = meta->actor ? meta->actor : "system";
  lg_geo_t *g = lg_geo_thread();
  sqlite3 *db = lg_store_db(s);
  sqlite3_stmt *st = NULL;
  char *text = NULL;
  lg_buf_t blob;
  lg_buf_init(&blob);
  int rc = lg_store_begin(s, err);
  if (rc) goto out;
  int version = (int)json_integer_value(json_object_get(report, "rule_set_version"));
  if (version == 1 && (rc = lg_review_rules_ensure_default(s, err)) != 0) goto fail;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO lg_checks(created_at, actor, name, use_code, project_type,"
                         " verdict, area_m2, rule_set_version, srs_id, source, boundary, division,"
                         " enterprise, user_id, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, '{}')",
                         -1, &st, NULL) != SQLITE_OK) {
    rc = lg_store_fail(s, err, "保存审查记录失败");
    goto fail;
  }
  const json_t *project = json_object_get(report, "project");
  sqlite3_bind_text(st, 1, str_or(json_object_get(report, "created_at"), ""), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, str_or(json_object_get(project, "name"), ""), -1, SQLITE_TRANSIENT);
  if (json_is_string(json_object_get(project, "use")))
    sqlite3_bind_text(st, 4, json_string_value(json_object_get(project, "use")), -1,
                      SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, str_or(json_object_get(project, "type"), ""), -1, SQLITE_TRANSIENT);
  if (json_is_string(json_object_get(report, "verdict")))
    sqlite3_bind_text(st, 6, json_string_value(json_object_get(report, "verdict")), -1,
                      SQLITE_TRANSIENT);
  sqlite3_bind_double(
      st, 7, json_number_value(json_object_get(json_object_get(report, "area"), "planar_m2")));
  sqlite3_bind_int(st, 8, version);
  sqlite3_bind_int(st, 9, b->srs_id);
  sqlite3_bind_text(st, 10, b->source, -1, SQLITE_TRANSIENT);
  lg_geom_to_gpkg(g, b->geom, b->srs_id, &blob);
  sqlite3_bind_blob(st, 11, blob.data, (int)blob.len, SQLITE_STATIC);
  if (meta->division && *meta->division)
    sqlite3_bind_text(st, 12, meta->division, -1, SQLITE_TRANSIENT);
  if (meta->enterprise && *meta->enterprise)
    sqlite3_bind_text(st, 13, meta->enterprise, -1, SQLITE_TRANSIENT);
  if (meta->user_id > 0) sqlite3_bind_int64(st, 14, meta->user_id);
  if (sqlite3_step(st) != SQLITE_DONE) {
    rc = lg_store_fail(s, err, "保存审查记录失败");
    goto fail;
  }
  sqlite3_finalize(st);
  st = NULL;
  int64_t rid = sqlite3_last_insert_rowid(db);
  json_object_set_new(report, "id", json_integer(rid));
  text = json_dumps(report, JSON_COMPACT | JSON_REAL_PRECISION(17));
  if (sqlite3_prepare_v2(db, "UPDATE lg_checks SET report = ? WHERE id = ?", -1, &st, NULL) !=
      SQLITE_OK) {
    rc = lg_store_fail(s, err, "保存审查报告失败");
    goto fail;
  }
  sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, rid);
  if (sqlite3_step(st) != SQLITE_DONE) {
    rc = lg_store_fail(s, err, "保存审查报告失败");
    goto fail;
  }
#ifdef LG_HAVE_LEDGER
  {
    /* The report as stored is the check's state: the audit re-reads it. */
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)rid);
    json_t *state = json_loads(text, 0, NULL);
    lg_ledger_event_t ev = {.actor = actor,
                            .role = meta->role,
                            .jurisdiction = meta->division,
                            .action = "check.create",
                            .object_type = "check",
                            .object_id = oid,
                            .state = state};
    rc = lg_ledger_append(s, &ev, NULL, err);
    json_decref(state);
    if (rc) goto fail;
  }
#endif
  sqlite3_finalize(st);
  st = NULL;
  rc = lg_store_commit(s, err);
  if (rc == 0 && id) *id = rid;
  goto out;
fail:
  sqlite3_finalize(st);
  st = NULL;
  lg_store_rollback(s);
  json_object_del(report, "id");
out:
  free(text);
  lg_buf_fini(&blob);
  return rc;
}

static bool checks_table(lg_store_t *s) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(lg_store_db(s),
                         "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lg_checks'",
                         -1, &st, NULL) != SQLITE_OK)
    return false;
  bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

int lg_review_check_get(lg_store_t *s, int64_t id, json_t **report, lg_err_t *err) {
  *report = NULL;
  if (!checks_table(s)) return lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(lg_store_db(s), "SELECT report FROM lg_checks WHERE id = ?", -1, &st,
                         NULL) != SQLITE_OK)
    return lg_store_fail(s, err, "读取审查记录失败");
  sqlite3_bind_int64(st, 1, id);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    json_error_t je;
    *report = json_loads((const char *)sqlite3_column_text(st, 0), 0, &je);
    if (!*report)
      rc = lg_err_set(err, LG_EINTERNAL, "审查记录 %lld 的报告已损坏: %s", (long long)id, je.text);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  }
  sqlite3_finalize(st);
  return rc;
}

int lg_review_check_geojson(lg_store_t *s, int64_t id, char **geojson, int *srs_id, lg_err_t *err) {
  *geojson = NULL;
  if (!checks_table(s)) return lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(lg_store_db(s), "SELECT boundary, srs_id FROM lg_checks WHERE id = ?", -1,
                         &st, NULL) != SQLITE_OK)
    return lg_store_fail(s, err, "读取审查记录失败");
  sqlite3_bind_int64(st, 1, id);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    lg_geo_t *g = lg_geo_thread();
    lg_geom_t *geom =
        lg_geom_from_gpkg(g, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), err);
    if (geom) {
      *geojson = lg_geom_to_geojson(g, geom);
      if (srs_id) *srs_id = sqlite3_column_int(st, 1);
      lg_geom_free(g, geom);
    } else {
      rc = LG_EINTERNAL;
    }
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  }
  sqlite3_finalize(st);
  return rc;
}

int lg_review_check_owner(lg_store_t *s, int64_t id, char division[16], char enterprise[64],
                          int64_t *user_id, lg_err_t *err) {
  division[0] = enterprise[0] = '\0';
  if (user_id) *user_id = 0;
  if (!checks_table(s)) return lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(lg_store_db(s),
                         "SELECT coalesce(division, ''), coalesce(enterprise, ''),"
                         " coalesce(user_id, 0) FROM lg_checks WHERE id = ?",
                         -1, &st, NULL) != SQLITE_OK)
    return lg_store_fail(s, err, "读取审查记录失败");
  sqlite3_bind_int64(st, 1, id);
  int rc = 0;
  if (sqlite3_step(st) == SQLITE_ROW) {
    snprintf(division, 16, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(enterprise, 64, "%s", (const char *)sqlite3_column_text(st, 1));
    if (user_id) *user_id = sqlite3_column_int64(st, 2);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  }
  sqlite3_finalize(st);
  return rc;
}

int lg_review_checks_list(lg_store_t *s, int limit, const char *filter, json_t **out,
                          lg_err_t *err) {
  *out = json_array();
  if (!checks_table(s)) return 0;
  sqlite3_stmt *st;
  char *sql = lg_sprintf("SELECT id, created_at, coalesce(name, ''), use_code, project_type,"
                         " verdict, area_m2, rule_set_version, division FROM lg_checks WHERE %s"
                         " ORDER BY id DESC LIMIT ?",
                         filter && *filter ? filter : "1");
  int prc = sqlite3_prepare_v2(lg_store_db(s), sql, -1, &st, NULL);
  lg_free(sql);
  if (prc != SQLITE_OK) {
    json_decref(*out);
    *out = NULL;
    return lg_store_fail(s, err, "读取审查记录失败");
  }
  sqlite3_bind_int(st, 1, limit > 0 ? limit : 100);
  while (sqlite3_step(st) == SQLITE_ROW)
    json_array_append_new(*out, json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:f, s:i, s:s?}", "id",
                                          (json_int_t)sqlite3_column_int64(st, 0), "created_at",
                                          (const char *)sqlite3_column_text(st, 1), "name",
                                          (const char *)sqlite3_column_text(st, 2), "use",
                                          (const char *)sqlite3_column_text(st, 3), "type",
                                          (const char *)sqlite3_column_text(st, 4), "verdict",
                                          (const char *)sqlite3_column_text(st, 5), "area_m2",
                                          sqlite3_column_double(st, 6), "rule_set_version",
                                          sqlite3_column_int(st, 7), "division",
                                          (const char *)sqlite3_column_text(st, 8)));
  sqlite3_finalize(st);
  return 0;
}

int lg_review_checks_audit_scan(lg_store_t *s,
                                int (*emit)(void *ctx, const char *object_id,
                                            const unsigned char digest[32]),
                                void *ctx, lg_err_t *err) {
#ifdef LG_HAVE_LEDGER
  if (!checks_table(s)) return 0;
  return lg_ledger_scan_json_rows(s, "SELECT id, report FROM lg_checks ORDER BY id",
                                  "审查记录", emit, ctx, err);
#else
  (void)s, (void)emit, (void)ctx;
  return lg_err_set(err, LG_EUNSUPPORTED, "未编译账本模块");
#endif
}
