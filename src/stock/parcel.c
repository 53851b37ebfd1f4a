/*
 * One parcel as the parcel page shows it: the record, what the law makes
 * of it on the day (status, articles, idle dates, fee), its ledger
 * entries with their plans, site visits with photos, the acts of the
 * procedure with their documents, the approvals it lies in (a supply) or
 * the supplies inside (an approval), a timeline of everything dated, and
 * the ledger entries about it (their indexes, for inclusion proofs).
 */
#include "stock/stock_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files/files.h"

static const lg_stock_query_t all_scope = {.scope = "all"};

int lg_stock_division_of(lg_store_t *s, const char *type, int64_t id, char division[16],
                         lg_err_t *err) {
  bool supply = type && !strcmp(type, "supply");
  lg_stmt_t *st;
  int rc = lg_store_prepare(s,
                            supply ? "SELECT division FROM lg_stock_supplies WHERE id = ?"
                                   : "SELECT division FROM lg_stock_approvals WHERE id = ?",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  int step = lg_store_step(st);
  if (step == LG_ROW)
    snprintf(division, 16, "%s", lg_store_col_text(st, 0));
  else if (step == LG_DONE)
    rc = lg_err_set(err, LG_ENOTFOUND, "%s %lld 不存在", supply ? "供地" : "批准用地",
                    (long long)id);
  else
    rc = lg_store_fail(s, err, "查询存量土地失败");
  lg_store_done(st);
  return rc;
}

int lg_stock_find(lg_store_t *s, const char *type, const char *id_or_no, int64_t *id,
                  lg_err_t *err) {
  bool supply = type && !strcmp(type, "supply");
  if (!id_or_no || !*id_or_no) return lg_err_set(err, LG_EINVAL, "缺少编号");
  char *end;
  long long n = strtoll(id_or_no, &end, 10);
  lg_stmt_t *st;
  int rc = lg_store_prepare(
      s,
      supply ? "SELECT id FROM lg_stock_supplies WHERE supervision_no = ?1 OR id = ?2"
               " ORDER BY CASE WHEN supervision_no = ?1 THEN 0 ELSE 1 END LIMIT 1"
             : "SELECT id FROM lg_stock_approvals WHERE approval_no = ?1 OR id = ?2"
               " ORDER BY CASE WHEN approval_no = ?1 THEN 0 ELSE 1 END LIMIT 1",
      &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, id_or_no);
  lg_store_bind_int(st, 2, *end == '\0' && n > 0 ? n : -1);
  int step = lg_store_step(st);
  if (step == LG_ROW)
    *id = lg_store_col_int(st, 0);
  else if (step == LG_DONE)
    rc = lg_err_set(err, LG_ENOTFOUND, "没有%s为 \"%s\" 的%s",
                    supply ? "电子监管号或编号" : "批准文号或编号", id_or_no,
                    supply ? "供地" : "批准用地");
  else
    rc = lg_store_fail(s, err, "查询存量土地失败");
  lg_store_done(st);
  return rc;
}

int lg_stock_file_owner(lg_store_t *s, int64_t file_id, char type[16], int64_t *object_id,
                        lg_err_t *err) {
  lg_file_info_t f;
  int rc = lg_files_get(s, file_id, &f, err);
  if (rc) return rc;
  if (!strcmp(f.owner_type, "stock_supply")) {
    snprintf(type, 16, "supply");
    *object_id = strtoll(f.owner_id, NULL, 10);
    return 0;
  }
  if (strcmp(f.owner_type, "visit"))
    return lg_err_set(err, LG_ENOTFOUND, "文件 %lld 不属于存量土地", (long long)file_id);
  lg_stmt_t *st;
  if ((rc = lg_store_prepare(s, "SELECT supply_id FROM lg_stock_visits WHERE id = ?", &st, err)))
    return rc;
  lg_store_bind_int(st, 1, strtoll(f.owner_id, NULL, 10));
  if (lg_store_step(st) == LG_ROW) {
    snprintf(type, 16, "supply");
    *object_id = lg_store_col_int(st, 0);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "文件 %lld 的核查记录不存在", (long long)file_id);
  }
  lg_store_done(st);
  return rc;
}

/* ---- Pieces ---------------------------------------------------------------------------- */

static json_t *rows_json(lg_store_t *s, const char *sql, int64_t id, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s, sql, &st, err)) return NULL;
  lg_store_bind_int(st, 1, id);
  json_t *a = json_array();
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    json_t *o = json_object();
    for (int i = 0; i < lg_store_col_count(st); i++) {
      json_t *v;
      switch (lg_store_col_type(st, i)) {
      case LG_COL_NULL:
        v = json_null();
        break;
      case LG_COL_INT:
        v = json_integer(lg_store_col_int(st, i));
        break;
      case LG_COL_REAL:
        v = json_real(lg_store_col_real(st, i));
        break;
      default:
        v = stk_col_text(st, i);
      }
      json_object_set_new(o, lg_store_col_name(st, i), v);
    }
    json_array_append_new(a, o);
  }
  lg_store_done(st);
  if (step < 0) {
    lg_store_fail(s, err, "读取存量土地记录失败");
    json_decref(a);
    return NULL;
  }
  return a;
}

/* The boundary of a feature in EPSG:4490 (longitude, latitude). */
static json_t *boundary_json(lg_store_t *s, const char *layer, int64_t id) {
  static const char *const none[] = {NULL};
  lg_read_opts_t o = {.fid = id, .columns = none};
  lg_store_reader_t *r = NULL;
  json_t *out = json_null();
  if (lg_store_reader_new(s, layer, &o, &r, NULL) != 0) return out;
  lg_geo_t *g = lg_geo_thread();
  if (lg_store_reader_next(r, NULL) == 1) {
    size_t n = 0;
    const void *blob = lg_store_reader_blob(r, &n);
    int32_t srs = 0;
    lg_env_t env;
    bool empty;
    const unsigned char *wkb;
    size_t wn;
    lg_geom_t *geom = blob ? lg_geom_from_gpkg(g, blob, n, NULL) : NULL;
    if (geom && lg_gpkg_blob_parse(blob, n, &srs, &env, &empty, &wkb, &wn) == 0) {
      lg_geom_t *t = lg_geom_transform(g, geom, srs, 4490, NULL);
      char *gj = t ? lg_geom_to_geojson(g, t) : NULL;
      json_t *v = gj ? json_loads(gj, 0, NULL) : NULL;
      if (v) {
        json_decref(out);
        out = v;
      }
      lg_free(gj);
      lg_geom_free(g, t);
    }
    lg_geom_free(g, geom);
  }
  lg_store_reader_free(r);
  return out;
}

/* An entry's action in words. */
static const char *action_title(const json_t *cfg, const char *action) {
  static const struct {
    const char *action, *title;
  } fixed[] = {
      {"stock.approval.case", "批准用地 (案件移交供地)"},
      {"stock.approval.import", "导入批准用地"},
      {"stock.approval.update", "更新批准用地"},
      {"stock.approval.gen", "批准用地 (演示数据)"},
      {"stock.supply.import", "导入供地记录"},
      {"stock.supply.update", "更新供地记录"},
      {"stock.supply.case", "从案件登记供地"},
      {"stock.supply.gen", "供地记录 (演示数据)"},
      {"stock.visit", "现场核查"},
      {"stock.plan", "登记处置计划"},
  };
  if (action && !strncmp(action, "stock.act.", 10)) {
    const char *t = stk_title(cfg, "acts", action + 10);
    if (*t) return t;
  }
  for (size_t i = 0; action && i < LG_ARRAY_LEN(fixed); i++)
    if (!strcmp(fixed[i].action, action)) return fixed[i].title;
  return action ? action : "";
}

/* The ledger entries about objects, oldest first: [{index, object_type,
 * object_id, action, action_title, time, actor}]. */
static int entries_of(lg_store_t *s, const char *type, int64_t id, json_t *out, lg_err_t *err) {
  const json_t *cfg = NULL;
  if (stk_config(s, &cfg, err) != 0) return err && err->code ? err->code : LG_EINVAL;
  char oid[32];
  snprintf(oid, sizeof oid, "%lld", (long long)id);
  uint64_t idx[64];
  size_t total = 0;
  int rc = lg_ledger_object_entries(s, type, oid, idx, LG_ARRAY_LEN(idx), &total, err);
  for (size_t i = 0; rc == 0 && i < total && i < LG_ARRAY_LEN(idx); i++) {
    char *text = NULL;
    if ((rc = lg_ledger_entry(s, idx[i], &text, NULL, err))) break;
    json_t *e = json_loads(text, 0, NULL);
    lg_free(text);
    json_array_append_new(
        out,
        json_pack("{s:I, s:s, s:s, s:O, s:s, s:O, s:O}", "index", (json_int_t)idx[i], "object_type",
                  type, "object_id", oid, "action", json_object_get(e, "action"), "action_title",
                  action_title(cfg, json_string_value(json_object_get(e, "action"))), "time",
                  json_object_get(e, "time"), "actor", json_object_get(e, "actor")));
    json_decref(e);
  }
  return rc;
}

static void event(json_t *tl, int32_t day, const char *kind, const char *title,
                  const char *detail) {
  if (day == LG_STOCK_NODATE) return;
  json_array_append_new(tl, json_pack("{s:o, s:s, s:s, s:s}", "on", stk_date_json(day), "kind",
                                      kind, "title", title, "detail", detail ? detail : ""));
}

static int cmp_event(const void *a, const void *b) {
  const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
  return strcmp(json_string_value(json_object_get(x, "on")),
                json_string_value(json_object_get(y, "on")));
}

static json_t *sorted(json_t *tl) {
  size_t n = json_array_size(tl);
  json_t **items = lg_malloc(sizeof(json_t *) * (n ? n : 1));
  for (size_t i = 0; i < n; i++)
    items[i] = json_incref(json_array_get(tl, i));
  /* A stable order for events of one day: insertion order breaks ties. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && cmp_event(&items[j - 1], &items[j]) > 0; j--) {
      json_t *t = items[j];
      items[j] = items[j - 1];
      items[j - 1] = t;
    }
  json_t *out = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(out, items[i]);
  lg_free(items);
  json_decref(tl);
  return out;
}

static void entry_json(const json_t *cfg, json_t *o, const char *key, const lg_stock_entry_t *e) {
  if (!e->listed) {
    json_object_set_new(o, key, json_null());
    return;
  }
  json_object_set_new(
      o, key,
      json_pack("{s:b, s:o, s:s, s:o, s:s, s:s, s:s, s:o, s:b, s:b}", "open", e->open, "opened_on",
                stk_date_json(e->opened_on), "struck_act", e->struck_act, "struck_on",
                e->open ? json_null() : stk_date_json(e->struck_on), "reason", e->reason, "method",
                e->method, "unit", e->unit, "deadline", stk_date_json(e->deadline), "planned",
                e->planned, "deadline_passed", e->overdue));
  (void)cfg;
}

/* ---- A supply --------------------------------------------------------------------------- */

static int get_supply(lg_store_t *s, const json_t *cfg, int64_t id, int32_t as_of, json_t **out,
                      lg_err_t *err) {
  lg_stock_query_t q = all_scope;
  q.as_of = as_of;
  stk_supplies_t v;
  int rc = stk_supplies_load(s, &q, id, &v, err);
  if (rc) return rc;
  if (v.len == 0) {
    lg_free(v.items);
    char d[11];
    lg_date_format(as_of, d);
    return lg_err_set(err, LG_ENOTFOUND, "供地 %lld 不存在, 或在 %s 尚未签订合同", (long long)id,
                      d);
  }
  stk_supply_t p = v.items[0];
  lg_free(v.items);
  if ((rc = stk_plans_apply(s, cfg, "unused", p.id, as_of, &p.unused, err)) ||
      (rc = stk_plans_apply(s, cfg, "idle", p.id, as_of, &p.idle, err)))
    return rc;
  json_t *rec = NULL, *visits = NULL, *acts = NULL, *docs = NULL, *o = json_object();
  json_t *list =
      rows_json(s,
                "SELECT id, supervision_no, project, division, location, declared_m2,"
                " area_m2, land_use, method, term_years, price_yuan, holder, contract_on,"
                " agreed_delivery_on, agreed_start_on, agreed_completion_on,"
                " actual_delivery_on, actual_start_on, actual_completion_on, approval_id,"
                " case_id, source, source_ref, source_row, created_at, created_by,"
                " updated_at, updated_by FROM lg_stock_supplies WHERE id = ?",
                id, err);
  if (!list) goto fail;
  rec = json_incref(json_array_get(list, 0));
  json_decref(list);
  json_object_set_new(o, "type", json_string("supply"));
  json_object_set_new(o, "record", rec);
  json_object_set_new(o, "as_of", stk_date_json(as_of));
  json_t *arts = json_array();
  for (int i = 0; i < p.v.narticles; i++)
    json_array_append_new(arts, json_string(p.v.articles[i]));
  json_object_set_new(
      o, "verdict",
      json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:f, s:o, s:b, s:b, s:s, s:s}", "status",
                p.v.status, "status_title", stk_title(cfg, "statuses", p.v.status), "articles",
                arts, "effective_start", stk_date_json(p.v.effective_start), "idle_since",
                stk_date_json(p.v.idle_since), "idle_from", stk_date_json(p.v.idle_from),
                "fee_yuan", p.v.fee_yuan, "next_change", stk_date_json(p.v.next_change), "overdue",
                p.v.overdue, "below_share", p.v.below_share, "cause",
                stk_title(cfg, "government_causes", p.exception_cause), "art12_method",
                stk_title(cfg, "art12_methods", p.art12_method)));
  entry_json(cfg, o, "unused", &p.unused);
  entry_json(cfg, o, "idle", &p.idle);
  visits = rows_json(s,
                     "SELECT id, visited_on, developed_m2, invested_wan, total_investment_wan,"
                     " stopped_since, cause, started_on, completed_on, officer, note, created_by"
                     " FROM lg_stock_visits WHERE supply_id = ? ORDER BY visited_on, id",
                     id, err);
  if (!visits) goto fail;
  size_t i;
  json_t *x;
  json_array_foreach(visits, i, x) {
    char vid[32];
    snprintf(vid, sizeof vid, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
    json_t *photos = NULL;
    if ((rc = lg_files_list(s, "visit", vid, &photos, err))) goto fail;
    json_object_set_new(x, "photos", photos);
  }
  json_object_set_new(o, "visits", visits);
  acts = rows_json(s,
                   "SELECT id, act, acted_on, doc_kind, doc_no, file_id, cause, method, new_date,"
                   " amount_yuan, note, articles, created_at, created_by FROM lg_stock_acts"
                   " WHERE object_type = 'supply' AND object_id = ? ORDER BY acted_on, id",
                   id, err);
  if (!acts) goto fail;
  json_array_foreach(acts, i, x) {
    const char *a = json_string_value(json_object_get(x, "act"));
    json_object_set_new(x, "title", json_string(stk_title(cfg, "acts", a)));
    const char *dk = json_string_value(json_object_get(x, "doc_kind"));
    if (dk) json_object_set_new(x, "doc_title", json_string(stk_title(cfg, "documents", dk)));
    json_t *arr = json_loads(json_string_value(json_object_get(x, "articles")), 0, NULL);
    json_object_set_new(x, "articles", arr ? arr : json_array());
    if (!strcmp(a, "exception"))
      json_object_set_new(x, "cause_title",
                          json_string(stk_title(cfg, "government_causes",
                                                json_string_value(json_object_get(x, "cause")))));
    if (!strcmp(a, "art12"))
      json_object_set_new(x, "method_title",
                          json_string(stk_title(cfg, "art12_methods",
                                                json_string_value(json_object_get(x, "method")))));
  }
  json_object_set_new(o, "acts", acts);
  char sid[32];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  if ((rc = lg_files_list(s, "stock_supply", sid, &docs, err))) goto fail;
  json_object_set_new(o, "documents", docs);
  /* The approvals it lies in. */
  json_object_set_new(
      o, "approvals",
      rows_json(s,
                "SELECT a.id, a.approval_no, a.name, a.approved_on FROM lg_stock_approvals a"
                " WHERE a.id = (SELECT approval_id FROM lg_stock_supplies WHERE id = ?)",
                id, err));
  /* The timeline. */
  json_t *tl = json_array();
  event(tl, p.contract_on, "contract", "签订出让合同 / 划拨决定", p.method);
  event(tl, p.agreed_delivery, "agreed", "约定交地", NULL);
  event(tl, p.actual_delivery, "fact", "实际交地", NULL);
  event(tl, p.agreed_start, "agreed", "约定开工", NULL);
  if (p.v.effective_start != p.agreed_start)
    event(tl, p.v.effective_start, "agreed", "重新约定开工 (第十二条)", NULL);
  json_array_foreach(visits, i, x) {
    int32_t d = LG_STOCK_NODATE;
    lg_stock_date_parse(json_string_value(json_object_get(x, "visited_on")), &d);
    char detail[256];
    snprintf(detail, sizeof detail, "核查人员 %s%s%s",
             json_string_value(json_object_get(x, "officer")),
             json_is_string(json_object_get(x, "stopped_since")) ? ", 停工自 " : "",
             json_is_string(json_object_get(x, "stopped_since"))
                 ? json_string_value(json_object_get(x, "stopped_since"))
                 : "");
    event(tl, d, "visit", "现场核查", detail);
  }
  event(tl, p.actual_start, "fact", "动工 (第三十条)", NULL);
  if (p.v.idle_from != LG_STOCK_NODATE)
    event(tl, p.v.idle_from, "status", stk_title(cfg, "statuses", p.v.status), NULL);
  json_array_foreach(acts, i, x) {
    int32_t d = LG_STOCK_NODATE;
    lg_stock_date_parse(json_string_value(json_object_get(x, "acted_on")), &d);
    const char *no = json_string_value(json_object_get(x, "doc_no"));
    event(tl, d, "act", json_string_value(json_object_get(x, "title")), no ? no : "");
  }
  event(tl, p.actual_completion, "fact", "竣工", NULL);
  json_object_set_new(o, "timeline", sorted(tl));
  /* Ledger entries of the supply and of what was recorded about it. */
  json_t *entries = json_array();
  rc = entries_of(s, "stock_supply", id, entries, err);
  json_array_foreach(visits, i, x) if (rc == 0) rc =
      entries_of(s, "stock_visit", json_integer_value(json_object_get(x, "id")), entries, err);
  json_array_foreach(acts, i, x) if (rc == 0) rc =
      entries_of(s, "stock_act", json_integer_value(json_object_get(x, "id")), entries, err);
  json_object_set_new(o, "ledger", entries);
  if (rc) goto fail;
  json_object_set_new(o, "boundary", boundary_json(s, STK_SUPPLIES, id));
  *out = o;
  return 0;
fail:
  json_decref(o);
  return rc ? rc : (err && err->code ? err->code : LG_EDB);
}

/* ---- An approval ------------------------------------------------------------------------ */

static int get_approval(lg_store_t *s, const json_t *cfg, int64_t id, int32_t as_of, json_t **out,
                        lg_err_t *err) {
  lg_stock_query_t q = all_scope;
  q.as_of = as_of;
  stk_approvals_t v;
  lg_stock_unsupplied_stats_t st = {0};
  int rc = stk_approvals_load(s, &q, id, &v, &st, err);
  if (rc) return rc;
  if (v.len == 0) {
    lg_free(v.items);
    return lg_err_set(err, LG_ENOTFOUND, "批准用地 %lld 不存在, 或在该日尚未批准", (long long)id);
  }
  stk_approval_t a = v.items[0];
  lg_free(v.items);
  if ((rc = stk_plans_apply(s, cfg, "unsupplied", a.id, as_of, &a.entry, err))) return rc;
  json_t *o = json_object();
  json_t *list = rows_json(s,
                           "SELECT id, approval_no, name, kind, division, approved_on, declared_m2,"
                           " area_m2, source, source_ref, case_id, created_at, created_by"
                           " FROM lg_stock_approvals WHERE id = ?",
                           id, err);
  if (!list) {
    json_decref(o);
    return err->code ? err->code : LG_EDB;
  }
  json_object_set_new(o, "type", json_string("approval"));
  json_object_set_new(o, "record", json_incref(json_array_get(list, 0)));
  json_decref(list);
  json_object_set_new(o, "as_of", stk_date_json(as_of));
  int age = (int)stk_cfg_num(cfg, "zengcun.age_years", 5);
  json_object_set_new(
      o, "figures",
      json_pack("{s:f, s:f, s:f, s:i, s:i, s:b}", "approved_ha", stk_round(a.area_m2 / 1e4, 4),
                "supplied_ha", stk_round((a.area_m2 - a.unsupplied_m2) / 1e4, 4), "unsupplied_ha",
                stk_round(a.unsupplied_m2 / 1e4, 4), "supplies", a.nsupplies, "age_years",
                a.age_years, "zengcun", a.entry.open && a.age_years >= age));
  entry_json(cfg, o, "unsupplied", &a.entry);
  json_t *acts =
      rows_json(s,
                "SELECT id, act, acted_on, note, created_by FROM lg_stock_acts"
                " WHERE object_type = 'approval' AND object_id = ? ORDER BY acted_on, id",
                id, err);
  json_object_set_new(o, "acts", acts ? acts : json_array());
  json_t *tl = json_array();
  event(tl, a.approved_on, "approval", "批准", a.no);
  if (a.last_supply_on != LG_STOCK_NODATE && a.unsupplied_m2 <= 0)
    event(tl, a.last_supply_on, "supply", "全部供应", NULL);
  if (a.revoked_on != LG_STOCK_NODATE) event(tl, a.revoked_on, "act", "撤销或调整批文", NULL);
  json_object_set_new(o, "timeline", sorted(tl));
  json_t *entries = json_array();
  rc = entries_of(s, "stock_approval", id, entries, err);
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(o, "acts"), i, x) if (rc == 0) rc =
      entries_of(s, "stock_act", json_integer_value(json_object_get(x, "id")), entries, err);
  json_object_set_new(o, "ledger", entries);
  json_object_set_new(o, "boundary", boundary_json(s, STK_APPROVALS, id));
  if (rc) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return 0;
}

int lg_stock_get(lg_store_t *s, const char *type, int64_t id, int32_t as_of, json_t **out,
                 lg_err_t *err) {
  *out = NULL;
  const json_t *cfg;
  int rc = stk_config(s, &cfg, err);
  if (rc) return rc;
  if (!as_of) as_of = stk_today();
  if (type && !strcmp(type, "supply")) return get_supply(s, cfg, id, as_of, out, err);
  if (type && !strcmp(type, "approval")) return get_approval(s, cfg, id, as_of, out, err);
  return lg_err_set(err, LG_EINVAL, "对象类型应为 supply 或 approval");
}
