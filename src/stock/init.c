/*
 * Approvals from cases: the moment a case is handed over to land supply
 * (status handed_over, src/cases/sync.c) it becomes an approval record,
 * in the transaction of the action that handed it over, so the case's
 * handover and its approval land together or not at all. The approval
 * takes the case's 批准文号, the Beijing date of its decision, its
 * boundary (in the stock layers' CRS) and its county.
 */
#include "stock/stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"

static int watch(lg_store_t *s, int64_t case_id, const char *from, const char *to, int64_t now,
                 const char *actor, void *ud, lg_err_t *err) {
  (void)from, (void)now, (void)ud;
  if (!to || strcmp(to, "handed_over") != 0) return 0;
  return lg_stock_approval_from_case(s, case_id, actor, NULL, err);
}

void lg_stock_init(void) { lg_cases_watch("stock", watch, NULL); }

static int64_t id_by(lg_store_t *s, const char *sql, const char *text, int64_t num, int *rc,
                     lg_err_t *err) {
  lg_stmt_t *st;
  if ((*rc = lg_store_prepare(s, sql, &st, err))) return 0;
  if (text)
    lg_store_bind_text(st, 1, text);
  else
    lg_store_bind_int(st, 1, num);
  int64_t id = 0;
  int step = lg_store_step(st);
  if (step == LG_ROW)
    id = lg_store_col_int(st, 0);
  else if (step < 0)
    *rc = lg_store_fail(s, err, "查询批准用地失败");
  lg_store_done(st);
  return id;
}

int lg_stock_approval_from_case(lg_store_t *s, int64_t case_id, const char *actor, int64_t *out,
                                lg_err_t *err) {
  int rc = 0;
  int64_t id =
      id_by(s, "SELECT id FROM lg_stock_approvals WHERE case_id = ?", NULL, case_id, &rc, err);
  if (rc) return rc;
  if (id) {
    if (out) *out = id;
    return 0;
  }
  json_t *c = NULL;
  if ((rc = lg_cases_get(s, case_id, &c, err))) return rc;
  lg_geo_t *g = lg_geo_thread();
  lg_geom_t *raw = NULL, *geom = NULL;
  const char *no = json_string_value(json_object_get(c, "document_no"));
  const char *code = json_string_value(json_object_get(c, "code"));
  if (!no || !*no) no = code; /* a case handed over without a number: its code */
  const char *decided = json_string_value(json_object_get(c, "decided_at"));
  if (!decided) decided = json_string_value(json_object_get(c, "handed_over_at"));
  int32_t day = stk_date_of_iso(decided);
  if (day == LG_STOCK_NODATE) day = stk_today();
  char dstr[11];
  lg_date_format(day, dstr);
  int src_srs = (int)json_integer_value(json_object_get(c, "srs_id"));
  char *text = json_dumps(json_object_get(c, "boundary"), JSON_COMPACT | JSON_REAL_PRECISION(17));
  raw = text ? lg_geom_from_geojson(g, text, err) : NULL;
  free(text);
  lg_subject_t who;
  lg_auth_subject_console(&who, actor && *actor ? actor : "system");
  who.role[0] = '\0';
  const char *division = json_string_value(json_object_get(c, "division"));
  if (!raw) {
    rc = err && err->code ? err->code : LG_EINVAL;
    lg_err_prefix(err, "案件 %s 的用地范围: ", code);
    goto done;
  }
  if ((rc = lg_store_begin(s, err))) goto done;
  int srs = 0;
  rc = stk_layers_ensure(s, src_srs, &srs, err);
  char what[128];
  snprintf(what, sizeof what, "案件 %s 的用地范围", code);
  if (rc == 0 && !(geom = stk_geom_prepare(g, raw, src_srs, srs, what, err)))
    rc = err->code ? err->code : LG_EINVAL;
  /* A historic approval of the same number (imported before the case was
   * handed over here) is that case's: it is linked, not doubled. */
  int64_t same =
      rc ? 0 : id_by(s, "SELECT id FROM lg_stock_approvals WHERE approval_no = ?", no, 0, &rc, err);
  char now[32];
  lg_time_iso(lg_now(), now);
  lg_stmt_t *st = NULL;
  if (rc == 0 && same) {
    rc = lg_store_prepare(s,
                          "UPDATE lg_stock_approvals SET case_id = ? WHERE id = ?"
                          " AND case_id IS NULL",
                          &st, err);
    if (rc == 0) {
      lg_store_bind_int(st, 1, case_id);
      lg_store_bind_int(st, 2, same);
      rc = lg_store_run(st, "关联批准用地失败", err);
      if (rc == 0 && lg_store_changes(st) != 1)
        rc = lg_err_set(err, LG_ECONFLICT, "批准文号 %s 已属于另一个案件的批准用地", no);
      lg_store_done(st);
    }
    id = same;
    if (rc == 0)
      rc = stk_record(s, &who, "stock.approval.case", "stock_approval", id, division, err);
  } else if (rc == 0) {
    rc = lg_store_prepare(
        s,
        "INSERT INTO lg_stock_approvals(approval_no, name, kind, division, approved_on,"
        " declared_m2, area_m2, source, source_ref, case_id, created_at, created_by)"
        " VALUES (?, ?, 'single', ?, ?, ?, ?, 'case', ?, ?, ?, ?) RETURNING id",
        &st, err);
    if (rc == 0) {
      lg_store_bind_text(st, 1, no);
      lg_store_bind_text(st, 2, json_string_value(json_object_get(c, "title")));
      lg_store_bind_text(st, 3, division);
      lg_store_bind_text(st, 4, dstr);
      const json_t *pm = json_object_get(c, "planar_m2");
      if (json_is_number(pm))
        lg_store_bind_real(st, 5, json_number_value(pm));
      else
        lg_store_bind_null(st, 5);
      lg_store_bind_real(st, 6, lg_geom_area(g, geom));
      char ref[64];
      snprintf(ref, sizeof ref, "案件 %s", code);
      lg_store_bind_text(st, 7, ref);
      lg_store_bind_int(st, 8, case_id);
      lg_store_bind_text(st, 9, now);
      lg_store_bind_text(st, 10, who.login);
      rc = lg_store_insert_id(st, &id, "写入批准用地失败", err);
    }
    char ha[32];
    snprintf(ha, sizeof ha, "%.4f", lg_geom_area(g, geom) / 10000.0);
    const char *fields[] = {
        no,  json_string_value(json_object_get(c, "title")), division, dstr, ha, NULL, NULL, NULL,
        NULL};
    if (rc == 0) rc = stk_feature_put(s, STK_APPROVALS, id, g, geom, fields, 9, err);
    if (rc == 0)
      rc = stk_record(s, &who, "stock.approval.case", "stock_approval", id, division, err);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && out) *out = id;
done:
  lg_geom_free(g, raw);
  lg_geom_free(g, geom);
  json_decref(c);
  return rc;
}
