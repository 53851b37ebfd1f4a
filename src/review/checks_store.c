/*
 * Saved checks: each check that is kept (every one made through the API)
 * lands in lg_checks with its input boundary, its report and the rule-set
 * version it was judged by, and, when the ledger is built in, as an entry
 * of the approval ledger in the same transaction, so that a report shown
 * to an applicant later can be proven to be the one the system produced.
 */
#include "review/review_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"

static const char *str_or(const json_t *v, const char *dflt) {
  return json_is_string(v) ? json_string_value(v) : dflt;
}

int lg_review_check_save(lg_store_t *s, const lg_boundary_t *b, json_t *report,
                         const lg_check_meta_t *meta, int64_t *id, lg_err_t *err) {
  static const lg_check_meta_t nobody = {0};
  if (!meta) meta = &nobody;
  const char *actor = meta->actor ? meta->actor : "system";
  lg_geo_t *g = lg_geo_thread();
  lg_stmt_t *st = NULL;
  char *text = NULL;
  lg_buf_t blob;
  lg_buf_init(&blob);
  int rc = lg_store_begin(s, err);
  if (rc) goto out;
  int version = (int)json_integer_value(json_object_get(report, "rule_set_version"));
  if (version == 1 && (rc = lg_review_rules_ensure_default(s, err)) != 0) goto fail;
  if ((rc =
           lg_store_prepare(s,
                            "INSERT INTO lg_checks(created_at, actor, name, use_code, project_type,"
                            " verdict, area_m2, rule_set_version, srs_id, source, boundary,"
                            " division, enterprise, user_id, report)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, '{}') RETURNING id",
                            &st, err)) != 0)
    goto fail;
  const json_t *project = json_object_get(report, "project");
  lg_store_bind_text(st, 1, str_or(json_object_get(report, "created_at"), ""));
  lg_store_bind_text(st, 2, actor);
  lg_store_bind_text(st, 3, str_or(json_object_get(project, "name"), ""));
  if (json_is_string(json_object_get(project, "use")))
    lg_store_bind_text(st, 4, json_string_value(json_object_get(project, "use")));
  lg_store_bind_text(st, 5, str_or(json_object_get(project, "type"), ""));
  if (json_is_string(json_object_get(report, "verdict")))
    lg_store_bind_text(st, 6, json_string_value(json_object_get(report, "verdict")));
  lg_store_bind_real(
      st, 7, json_number_value(json_object_get(json_object_get(report, "area"), "planar_m2")));
  lg_store_bind_int(st, 8, version);
  lg_store_bind_int(st, 9, b->srs_id);
  lg_store_bind_text(st, 10, b->source);
  lg_geom_to_gpkg(g, b->geom, b->srs_id, &blob);
  lg_store_bind_blob(st, 11, blob.data, blob.len);
  if (meta->division && *meta->division) lg_store_bind_text(st, 12, meta->division);
  if (meta->enterprise && *meta->enterprise) lg_store_bind_text(st, 13, meta->enterprise);
  if (meta->user_id > 0) lg_store_bind_int(st, 14, meta->user_id);
  int64_t rid = 0;
  rc = lg_store_insert_id(st, &rid, "保存审查记录失败", err);
  st = NULL;
  if (rc) goto fail;
  json_object_set_new(report, "id", json_integer(rid));
  text = json_dumps(report, JSON_COMPACT | JSON_REAL_PRECISION(17));
  if ((rc = lg_store_prepare(s, "UPDATE lg_checks SET report = ? WHERE id = ?", &st, err)) != 0)
    goto fail;
  lg_store_bind_text(st, 1, text);
  lg_store_bind_int(st, 2, rid);
  if (lg_store_step(st) != LG_DONE) {
    rc = lg_store_fail(s, err, "保存审查报告失败");
    goto fail;
  }
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
  lg_store_done(st);
  st = NULL;
  rc = lg_store_commit(s, err);
  if (rc == 0 && id) *id = rid;
  goto out;
fail:
  lg_store_done(st);
  st = NULL;
  lg_store_rollback(s);
  json_object_del(report, "id");
out:
  free(text);
  lg_buf_fini(&blob);
  return rc;
}

static bool checks_table(lg_store_t *s) { return lg_store_table_exists(s, "lg_checks"); }

int lg_review_check_get(lg_store_t *s, int64_t id, json_t **report, lg_err_t *err) {
  *report = NULL;
  if (!checks_table(s)) return lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT report FROM lg_checks WHERE id = ?", &st, NULL) != 0)
    return lg_store_fail(s, err, "读取审查记录失败");
  lg_store_bind_int(st, 1, id);
  int rc = 0;
  if (lg_store_step(st) == LG_ROW) {
    json_error_t je;
    *report = json_loads(lg_store_col_text(st, 0), 0, &je);
    if (!*report)
      rc = lg_err_set(err, LG_EINTERNAL, "审查记录 %lld 的报告已损坏: %s", (long long)id, je.text);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

int lg_review_check_geojson(lg_store_t *s, int64_t id, char **geojson, int *srs_id, lg_err_t *err) {
  *geojson = NULL;
  if (!checks_table(s)) return lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT boundary, srs_id FROM lg_checks WHERE id = ?", &st, NULL) != 0)
    return lg_store_fail(s, err, "读取审查记录失败");
  lg_store_bind_int(st, 1, id);
  int rc = 0;
  if (lg_store_step(st) == LG_ROW) {
    lg_geo_t *g = lg_geo_thread();
    lg_geom_t *geom = lg_geom_from_gpkg(g, lg_store_col_blob(st, 0, NULL),
                                        (size_t)lg_store_col_bytes(st, 0), err);
    if (geom) {
      *geojson = lg_geom_to_geojson(g, geom);
      if (srs_id) *srs_id = lg_store_col_int(st, 1);
      lg_geom_free(g, geom);
    } else {
      rc = LG_EINTERNAL;
    }
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

int lg_review_check_owner(lg_store_t *s, int64_t id, char division[16], char enterprise[64],
                          int64_t *user_id, lg_err_t *err) {
  division[0] = enterprise[0] = '\0';
  if (user_id) *user_id = 0;
  if (!checks_table(s)) return lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT coalesce(division, ''), coalesce(enterprise, ''),"
                       " coalesce(user_id, 0) FROM lg_checks WHERE id = ?",
                       &st, NULL) != 0)
    return lg_store_fail(s, err, "读取审查记录失败");
  lg_store_bind_int(st, 1, id);
  int rc = 0;
  if (lg_store_step(st) == LG_ROW) {
    snprintf(division, 16, "%s", lg_store_col_text(st, 0));
    snprintf(enterprise, 64, "%s", lg_store_col_text(st, 1));
    if (user_id) *user_id = lg_store_col_int(st, 2);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "审查记录 %lld 不存在", (long long)id);
  }
  lg_store_done(st);
  return rc;
}

int lg_review_checks_list(lg_store_t *s, int limit, const lg_auth_filter_t *f, json_t **out,
                          lg_err_t *err) {
  *out = json_array();
  if (!checks_table(s)) return 0;
  lg_stmt_t *st;
  int prc =
      lg_store_prepare(s,
                       "SELECT id, created_at, coalesce(name, ''), use_code, project_type,"
                       " verdict, area_m2, rule_set_version, division FROM lg_checks"
                       " WHERE (?2 = 'all' OR (?2 = 'jurisdiction' AND division LIKE ?3 || '%')"
                       " OR (?2 = 'own' AND enterprise = ?4))"
                       " ORDER BY id DESC LIMIT ?1",
                       &st, err);
  if (prc != 0) {
    json_decref(*out);
    *out = NULL;
    return prc;
  }
  lg_store_bind_int(st, 1, limit > 0 ? limit : 100);
  lg_store_bind_text(st, 2, f ? f->kind : "all");
  lg_store_bind_text(st, 3, f ? f->division : "");
  lg_store_bind_text(st, 4, f ? f->enterprise : "");
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(
        *out, json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:f, s:i, s:s?}", "id",
                        (json_int_t)lg_store_col_int(st, 0), "created_at", lg_store_col_text(st, 1),
                        "name", lg_store_col_text(st, 2), "use", lg_store_col_text(st, 3), "type",
                        lg_store_col_text(st, 4), "verdict", lg_store_col_text(st, 5), "area_m2",
                        lg_store_col_real(st, 6), "rule_set_version", lg_store_col_int(st, 7),
                        "division", lg_store_col_text(st, 8)));
  lg_store_done(st);
  return 0;
}

int lg_review_checks_audit_scan(lg_store_t *s,
                                int (*emit)(void *ctx, const char *object_id,
                                            const unsigned char digest[32]),
                                void *ctx, lg_err_t *err) {
  if (!checks_table(s)) return 0;
  return lg_ledger_scan_json_rows(s, "SELECT id, report FROM lg_checks ORDER BY id", "审查记录",
                                  emit, ctx, err);
}
