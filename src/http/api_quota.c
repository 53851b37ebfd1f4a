/*
 * The quota bank over HTTP (src/quota). Amounts are integers in the
 * kind's unit ("m2" or "kg", given beside them), money integer fen
 * ("*_fen"); a JSON number that is not an integer is refused.
 *
 *   GET  /api/quota/balances           ?division=&kind=  {"accounts": [{division, kind, unit,
 *                                       available, reserved, consumed, produced}]}
 *   GET  /api/quota/movements          ?division=&kind=&type=&case=&year=&limit=&before=
 *   GET  /api/quota/movements/{id}     one movement with its ledger entry and inclusion proof
 *   POST /api/quota/allocations        {from (omit or "state": issued from above the store),
 *                                       to, kind, amount, document, year, note}
 *   POST /api/quota/productions        {to, kind, amount, project, document, year, note}
 *   POST /api/quota/transfers          {from, to, kind, amount, document, year, note}
 *   GET  /api/quota/kinds              the kinds; POST one {code, title, unit, tradable, basis}
 *   GET  /api/quota/config             the rules in force; PUT a new document
 *   GET  /api/quota/listings           ?status=   (each with its bids)
 *   POST /api/quota/listings           {seller, kind, amount, reserve_price_fen, note}
 *   GET  /api/quota/listings/{id}      with bids and trades
 *   POST /api/quota/listings/{id}/withdraw
 *   POST /api/quota/listings/{id}/bids {buyer, amount, unit_price_fen, note}
 *   POST /api/quota/listings/{id}/settle {bid} or {buyer, amount, unit_price_fen, agreement}
 *   GET  /api/quota/trades             ?year=
 *   GET  /api/quota/trades/{id}
 *   GET  /api/quota/trades/{id}/statement  ?format=html|xlsx  a trade's settlement statement
 *   GET  /api/quota/statements         ?year=&within=&format=html|xlsx  a year's
 *   GET  /api/quota/caps               ?year=   caps used
 *   GET  /api/quota/funds              ?division=   ecological restoration funds
 *   POST /api/quota/funds/{division}/spend {amount_fen, project, note}
 *   GET  /api/quota/enclaves; POST one (JSON, or multipart with the signed agreement as "file")
 *   GET  /api/quota/enclaves/{id}
 *   POST /api/quota/enclaves/{id}/figures {year, tax_fen, gdp_fen, enterprises}
 *   POST /api/quota/enclaves/{id}/settle  {year}
 *   GET  /api/quota/dashboard          ?year=
 *   GET  /api/quota/proposal           ?year=&within=  (增存挂钩)
 *   POST /api/quota/stock-figures      {division, year, unsupplied_digested_m2,
 *                                       idle_disposed_m2, note}
 *   GET  /api/quota/cases/{id}         a case's quota lines (id or code)
 *   GET  /api/quota/reconcile          reconciliation of the whole store
 *
 * Permissions: the policy resource "quota". A write is first asked of the
 * collection (may this subject create or act on quota at all?), then the
 * bank checks the division the request names (the giver of an allocation,
 * the payer of a transfer, the seller, the buyer, the host of a park);
 * lists are filtered by the scope of "quota" read; one object is read
 * when its division, or one of its two (debit and credit, seller and
 * buyer, source and host), is within reach. Kinds and the configuration
 * are administered store-wide; the reconciliation covers the whole store,
 * so it is read over the store's division.
 */
#include "cases/cases.h"
#include "http/http_int.h"
#include "quota/quota.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- Request fields ------------------------------------------------------------------ */

static json_t *body_object(lg_http_req_t *req, lg_err_t *err) {
  json_t *b = lg_http_body_json(req, err);
  if (!b) return NULL;
  if (!json_is_object(b)) {
    json_decref(b);
    lg_err_set(err, LG_EINVAL, "请求体应为 JSON 对象");
    return NULL;
  }
  return b;
}

static const char *text_of(const json_t *b, const char *name) {
  return json_string_value(json_object_get(b, name));
}

/* An integer field: a JSON integer, or text of one. required: absent is
 * an error; else *v stays. */
static int int_of(const json_t *b, const char *name, bool required, int64_t *v, lg_err_t *err) {
  const json_t *x = json_object_get(b, name);
  if (!x || json_is_null(x)) {
    if (!required) return 0;
    lg_err_set(err, LG_EINVAL, "缺少字段 %s", name);
    lg_err_where(err, "%s", name);
    return LG_EINVAL;
  }
  if (json_is_integer(x)) {
    *v = (int64_t)json_integer_value(x);
    return 0;
  }
  if (json_is_string(x)) {
    char *end;
    errno = 0;
    long long y = strtoll(json_string_value(x), &end, 10);
    if (!errno && end != json_string_value(x) && !*end) {
      *v = y;
      return 0;
    }
  }
  lg_err_set(err, LG_EINVAL, "字段 %s 应为整数 (数量以平方米或千克计, 金额以分计)", name);
  lg_err_where(err, "%s", name);
  return LG_EINVAL;
}

static int64_t param_id(lg_http_req_t *req, const char *name, lg_err_t *err) {
  const char *p = lg_http_param(req, name);
  char *end;
  long long v = p ? strtoll(p, &end, 10) : 0;
  if (!p || end == p || *end || v <= 0) {
    lg_err_set(err, LG_ENOTFOUND, "编号 \"%s\" 无效", p ? p : "");
    return 0;
  }
  return v;
}

/* The read filter of the caller's scope. */
static int visible(lg_http_req_t *req, lg_auth_filter_t *f, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "quota", "read", &scope, err);
  if (rc == 0) lg_auth_filter_make(&req->who, scope, f);
  return rc;
}

/* Read on an object belonging to one of two divisions. */
static int require_either(lg_http_req_t *req, lg_store_t *s, const char *a, const char *b,
                          lg_err_t *err) {
  lg_object_ref_t oa = {.division = a}, ob = {.division = b};
  bool ok = false;
  if (b && *b && lg_auth_allowed(s, &req->who, "quota", "read", &ob, &ok, NULL) == 0 && ok)
    return lg_http_require(req, "quota", "read", &ob, err);
  return lg_http_require(req, "quota", "read", &oa, err);
}

static int year_query(lg_http_req_t *req, int *year, lg_err_t *err) {
  long long y = 0;
  int rc = lg_http_query_int(req, "year", 0, 0, 2100, &y, err);
  *year = (int)y;
  return rc;
}

/* ---- Balances and movements ------------------------------------------------------------- */

static int get_balances(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int rc = visible(req, &f, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  char within[16] = "";
  const char *d = lg_http_query(req, "division");
  if (d && *d && (rc = lg_auth_division_normalize(d, within, "division", err))) return rc;
  const char *kind = lg_http_query(req, "kind");
  json_t *o = NULL;
  if ((rc = lg_quota_balances(s, &f, within, kind && *kind ? kind : NULL, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_movements(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int rc = visible(req, &f, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  long long limit = 100, before = 0;
  int year = 0;
  if ((rc = lg_http_query_int(req, "limit", 100, 1, 1000, &limit, err)) ||
      (rc = lg_http_query_int(req, "before", 0, 0, INT64_MAX, &before, err)) ||
      (rc = year_query(req, &year, err)))
    return rc;
  char within[16] = "", cid[24] = "";
  const char *d = lg_http_query(req, "division");
  if (d && *d && (rc = lg_auth_division_normalize(d, within, "division", err))) return rc;
  const char *c = lg_http_query(req, "case");
  if (c && *c) {
    int64_t id = 0;
    if ((rc = lg_cases_find(s, c, &id, err))) return rc;
    snprintf(cid, sizeof cid, "%lld", (long long)id);
  }
  const char *kind = lg_http_query(req, "kind"), *type = lg_http_query(req, "type");
  lg_quota_movement_filter_t mf = {.division = within[0] ? within : NULL,
                                   .kind = kind && *kind ? kind : NULL,
                                   .type = type && *type ? type : NULL,
                                   .cause_type = cid[0] ? "case" : NULL,
                                   .cause_id = cid[0] ? cid : NULL,
                                   .year = year,
                                   .before_id = before,
                                   .limit = (int)limit};
  json_t *o = NULL;
  if ((rc = lg_quota_movements(s, &f, &mf, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_movement(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  int64_t id = param_id(req, "id", err);
  char d[16], c[16];
  rc = id ? lg_quota_movement_divisions(s, id, d, c, err) : LG_ENOTFOUND;
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "quota", "read", NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  if ((rc = require_either(req, s, d, c, err))) return rc;
  json_t *o = NULL;
  if ((rc = lg_quota_movement_get(s, id, true, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

/* The movement just made, as the answer to the request that made it. */
static int created_movement(lg_store_t *s, lg_http_res_t *res, int64_t id, lg_err_t *err) {
  json_t *o = NULL;
  int rc = lg_quota_movement_get(s, id, false, &o, err);
  if (rc) return rc;
  char loc[64];
  snprintf(loc, sizeof loc, "/api/quota/movements/%lld", (long long)id);
  lg_http_header_add(res, "Location", loc);
  lg_http_json(res, 201, o);
  return 0;
}

typedef int (*op_fn)(lg_store_t *, const lg_subject_t *, const lg_quota_op_t *, int64_t *,
                     lg_err_t *);

static int post_op(lg_http_req_t *req, lg_http_res_t *res, const char *action, op_fn fn,
                   lg_err_t *err) {
  int rc = lg_http_require(req, "quota", action, NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t amount = 0, year = 0;
  if ((rc = int_of(b, "amount", true, &amount, err)) == 0 &&
      (rc = int_of(b, "year", false, &year, err)) == 0) {
    lg_quota_op_t op = {.kind = text_of(b, "kind"),
                        .amount = amount,
                        .from = text_of(b, "from"),
                        .to = text_of(b, "to"),
                        .year = (int)year,
                        .document = text_of(b, "document"),
                        .project = text_of(b, "project"),
                        .note = text_of(b, "note")};
    int64_t id = 0;
    if (!op.kind) {
      rc = lg_err_set(err, LG_EINVAL, "缺少字段 kind (指标种类)");
      lg_err_where(err, "kind");
    } else if ((rc = fn(s, &req->who, &op, &id, err)) == 0) {
      rc = created_movement(s, res, id, err);
    }
  }
  json_decref(b);
  return rc;
}

static int post_allocation(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return post_op(req, res, "create", lg_quota_allocate, err);
}
static int post_production(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return post_op(req, res, "create", lg_quota_produce, err);
}
static int post_transfer(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  return post_op(req, res, "act", lg_quota_transfer, err);
}

/* ---- Kinds and the configuration ---------------------------------------------------------- */

static int get_kinds(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *k = NULL;
  if ((rc = lg_quota_kinds(s, &k, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "kinds", k));
  return 0;
}

/* Store-wide administration: may the caller administer quota at all?
 * The bank then asks it over the store's whole division (q_require_admin). */
static int require_admin(lg_http_req_t *req, lg_err_t *err) {
  return lg_http_require(req, "quota", "admin", NULL, err);
}

static int post_kind(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = require_admin(req, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  lg_quota_kind_t k = {.tradable = json_is_true(json_object_get(b, "tradable"))};
  snprintf(k.code, sizeof k.code, "%s", text_of(b, "code") ? text_of(b, "code") : "");
  snprintf(k.title, sizeof k.title, "%s", text_of(b, "title") ? text_of(b, "title") : "");
  snprintf(k.unit, sizeof k.unit, "%s", text_of(b, "unit") ? text_of(b, "unit") : "");
  rc = lg_quota_kind_add(s, &req->who, &k, text_of(b, "basis"), err);
  json_decref(b);
  json_t *kinds = NULL;
  if (rc == 0 && (rc = lg_quota_kinds(s, &kinds, err)) == 0)
    lg_http_json(res, 201, json_pack("{s:o}", "kinds", kinds));
  return rc;
}

static int get_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *c = NULL;
  if ((rc = lg_quota_config(s, &c, err))) return rc;
  lg_http_json(res, 200, c);
  return 0;
}

static int put_config(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = require_admin(req, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  char *text = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  rc = lg_quota_config_save(s, text, &req->who, err);
  free(text);
  if (rc) return rc;
  return get_config(req, res, err);
}

/* ---- The market ------------------------------------------------------------------------------ */

static int get_listings(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int rc = visible(req, &f, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  const char *st = lg_http_query(req, "status");
  json_t *a = NULL;
  if ((rc = lg_quota_listings(s, &f, st && *st ? st : NULL, &a, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "listings", a));
  return 0;
}

/* The listing named by {id}, if the caller may read it (an open one:
 * anyone who reads quota; a closed one: its seller's jurisdiction). */
static int permitted_listing(lg_http_req_t *req, lg_store_t *s, json_t **out, lg_err_t *err) {
  int64_t id = param_id(req, "id", err);
  int rc = id ? lg_quota_listing_get(s, id, out, err) : LG_ENOTFOUND;
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "quota", "read", NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  if (!strcmp(text_of(*out, "status"), "open"))
    rc = lg_http_require(req, "quota", "read", NULL, err);
  else {
    lg_object_ref_t obj = {.division = text_of(*out, "seller")};
    rc = lg_http_require(req, "quota", "read", &obj, err);
  }
  if (rc) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

static int get_listing(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  json_t *o = NULL;
  if ((rc = permitted_listing(req, s, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int post_listing(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t amount = 0, price = 0, id = 0;
  if ((rc = int_of(b, "amount", true, &amount, err)) == 0 &&
      (rc = int_of(b, "reserve_price_fen", true, &price, err)) == 0) {
    lg_quota_listing_new_t l = {.seller = text_of(b, "seller"),
                                .kind = text_of(b, "kind"),
                                .amount = amount,
                                .reserve_price_fen = price,
                                .note = text_of(b, "note")};
    rc = lg_quota_list(s, &req->who, &l, &id, err);
  }
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0 && (rc = lg_quota_listing_get(s, id, &o, err)) == 0) lg_http_json(res, 201, o);
  return rc;
}

static int post_withdraw(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "act", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t id = param_id(req, "id", err);
  if (!id) return LG_ENOTFOUND;
  json_t *o = NULL;
  if ((rc = lg_quota_withdraw(s, &req->who, id, err)) ||
      (rc = lg_quota_listing_get(s, id, &o, err)))
    return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int post_bid(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t lid = param_id(req, "id", err);
  if (!lid) return LG_ENOTFOUND;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t amount = 0, price = 0, id = 0;
  if ((rc = int_of(b, "amount", true, &amount, err)) == 0 &&
      (rc = int_of(b, "unit_price_fen", true, &price, err)) == 0)
    rc = lg_quota_bid(s, &req->who, lid, text_of(b, "buyer"), amount, price, text_of(b, "note"),
                      &id, err);
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0 && (rc = lg_quota_listing_get(s, lid, &o, err)) == 0) {
    json_object_set_new(o, "bid_id", json_integer(id));
    lg_http_json(res, 201, o);
  }
  return rc;
}

static int post_settle(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "act", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t lid = param_id(req, "id", err);
  if (!lid) return LG_ENOTFOUND;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t bid = 0, amount = 0, price = 0, tid = 0;
  if ((rc = int_of(b, "bid", false, &bid, err)) == 0 && bid <= 0 &&
      (rc = int_of(b, "amount", true, &amount, err)) == 0)
    rc = int_of(b, "unit_price_fen", true, &price, err);
  if (rc == 0) {
    lg_quota_settle_t t = {.listing_id = lid,
                           .bid_id = bid,
                           .buyer = text_of(b, "buyer"),
                           .amount = amount,
                           .unit_price_fen = price,
                           .agreement = text_of(b, "agreement")};
    rc = lg_quota_settle(s, &req->who, &t, &tid, err);
  }
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0 && (rc = lg_quota_trade_get(s, tid, &o, err)) == 0) {
    char loc[64];
    snprintf(loc, sizeof loc, "/api/quota/trades/%lld", (long long)tid);
    lg_http_header_add(res, "Location", loc);
    lg_http_json(res, 201, o);
  }
  return rc;
}

static int get_trades(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int year = 0;
  int rc = visible(req, &f, err);
  if (rc == 0) rc = year_query(req, &year, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *a = NULL;
  if ((rc = lg_quota_trades(s, &f, year, &a, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "trades", a));
  return 0;
}

static int permitted_trade(lg_http_req_t *req, lg_store_t *s, json_t **out, lg_err_t *err) {
  int64_t id = param_id(req, "id", err);
  int rc = id ? lg_quota_trade_get(s, id, out, err) : LG_ENOTFOUND;
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "quota", "read", NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  if ((rc = require_either(req, s, text_of(*out, "seller"), text_of(*out, "buyer"), err))) {
    json_decref(*out);
    *out = NULL;
  }
  return rc;
}

static int get_trade(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  json_t *o = NULL;
  if ((rc = permitted_trade(req, s, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

/* A statement as a page or a workbook. */
static int statement(lg_http_req_t *req, lg_http_res_t *res, lg_store_t *s, int64_t trade, int year,
                     const char *within, lg_err_t *err) {
  const char *fmt = lg_http_query(req, "format");
  int rc;
  char name[64];
  if (trade > 0)
    snprintf(name, sizeof name, "quota-trade-%lld", (long long)trade);
  else
    snprintf(name, sizeof name, "quota-trades-%d", year);
  if (fmt && !strcmp(fmt, "xlsx")) {
    char path[] = "/tmp/landgov-quota-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return lg_err_set(err, LG_EIO, "无法创建临时文件");
    close(fd);
    rc = lg_quota_statement_xlsx(s, trade, year, within, path, err);
    char *data = NULL;
    size_t n = 0;
    if (rc == 0) rc = lg_file_read(path, &data, &n, err);
    unlink(path);
    if (rc) return rc;
    lg_http_body(res, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 data, n);
    lg_free(data);
    char cd[128];
    snprintf(cd, sizeof cd, "attachment; filename=\"%s.xlsx\"", name);
    lg_http_header_add(res, "Content-Disposition", cd);
    return 0;
  }
  if (fmt && *fmt && strcmp(fmt, "html"))
    return lg_err_set(err, LG_EINVAL, "format 应为 html 或 xlsx, 得到 \"%s\"", fmt);
  lg_buf_t b;
  lg_buf_init(&b);
  if ((rc = lg_quota_statement_html(s, trade, year, within, &b, err))) {
    lg_buf_fini(&b);
    return rc;
  }
  lg_http_body_buf(res, 200, "text/html; charset=utf-8", &b);
  return 0;
}

static int get_trade_statement(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  json_t *o = NULL;
  if ((rc = permitted_trade(req, s, &o, err))) return rc;
  int64_t id = json_integer_value(json_object_get(o, "id"));
  json_decref(o);
  return statement(req, res, s, id, 0, NULL, err);
}

/* A year's statement of the trades within a division the caller reaches
 * (its own jurisdiction when none is named). */
static int get_statements(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int year = 0, rc;
  lg_store_t *s = req->store;
  if ((rc = year_query(req, &year, err))) return rc;
  char within[16] = "";
  const char *w = lg_http_query(req, "within");
  if (w && *w && (rc = lg_auth_division_normalize(w, within, "within", err))) return rc;
  int scope;
  if ((rc = lg_http_scope(req, "quota", "read", &scope, err))) return rc;
  if (!within[0] && scope != LG_SCOPE_ALL) snprintf(within, sizeof within, "%s", req->who.division);
  lg_object_ref_t obj = {.division = within[0] ? within : NULL};
  if ((rc = lg_http_require(req, "quota", "read", within[0] ? &obj : NULL, err))) return rc;
  if (year == 0) {
    int y, m, d;
    lg_date_to_ymd(lg_date_of(lg_now(), LG_TZ_CHINA), &y, &m, &d);
    year = y;
  }
  return statement(req, res, s, 0, year, within[0] ? within : NULL, err);
}

static int get_caps(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int year = 0;
  int rc = visible(req, &f, err);
  if (rc == 0) rc = year_query(req, &year, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  if (year == 0) {
    int y, m, d;
    lg_date_to_ymd(lg_date_of(lg_now(), LG_TZ_CHINA), &y, &m, &d);
    year = y;
  }
  json_t *a = NULL;
  if ((rc = lg_quota_caps(s, &f, year, &a, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:i, s:o}", "year", year, "caps", a));
  return 0;
}

static int get_funds(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int rc = visible(req, &f, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  char div[16] = "";
  const char *d = lg_http_query(req, "division");
  if (d && *d && (rc = lg_auth_division_normalize(d, div, "division", err))) return rc;
  json_t *a = NULL;
  if ((rc = lg_quota_funds(s, &f, div[0] ? div : NULL, &a, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "funds", a));
  return 0;
}

static int post_spend(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "act", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t fen = 0, id = 0;
  if ((rc = int_of(b, "amount_fen", true, &fen, err)) == 0)
    rc = lg_quota_fund_spend(s, &req->who, lg_http_param(req, "division"), fen,
                             text_of(b, "project"), text_of(b, "note"), &id, err);
  json_decref(b);
  if (rc) return rc;
  char div[16];
  lg_auth_division_normalize(lg_http_param(req, "division"), div, "division", NULL);
  lg_auth_filter_t all = {.kind = "all"};
  json_t *a = NULL;
  if ((rc = lg_quota_funds(s, &all, div, &a, err))) return rc;
  json_t *o = json_incref(json_array_get(a, 0));
  json_decref(a);
  json_object_set_new(o, "entry_id", json_integer(id));
  lg_http_json(res, 201, o);
  return 0;
}

/* ---- Enclave parks ------------------------------------------------------------------------------
 */

static int get_enclaves(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int rc = visible(req, &f, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *a = NULL;
  if ((rc = lg_quota_enclaves(s, &f, &a, err))) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "enclaves", a));
  return 0;
}

static int get_enclave(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  int64_t id = param_id(req, "id", err);
  json_t *o = NULL;
  rc = id ? lg_quota_enclave_get(s, id, &o, err) : LG_ENOTFOUND;
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "quota", "read", NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  if ((rc = require_either(req, s, text_of(o, "host"), text_of(o, "source"), err))) {
    json_decref(o);
    return rc;
  }
  lg_http_json(res, 200, o);
  return 0;
}

static int post_enclave(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  const char *ctype = lg_http_header_get(req, "content-type");
  json_t *b = NULL;
  lg_http_part_t parts[24];
  const lg_http_part_t *file = NULL;
  if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
    int n = 0;
    if ((rc = lg_http_multipart(ctype, req->body, req->body_len, parts, 24, &n, err))) return rc;
    b = json_object();
    for (int i = 0; i < n; i++) {
      if (!strcmp(parts[i].name, "file")) {
        file = &parts[i];
        continue;
      }
      char *v = lg_strndup(parts[i].data, parts[i].len);
      /* Fields that are JSON objects or lists (costs, shares) are taken as
       * such; anything else as text (int_of reads numbers from text). */
      json_t *x = (v[0] == '{' || v[0] == '[') ? json_loads(v, 0, NULL) : NULL;
      if (!x) x = json_string(v);
      lg_free(v);
      if (x) json_object_set_new(b, parts[i].name, x);
    }
  } else if (!(b = body_object(req, err))) {
    return err->code ? err->code : LG_EINVAL;
  }
  int64_t start = 0, end = 0, fid = 0, id = 0;
  if ((rc = int_of(b, "start_year", true, &start, err)) == 0 &&
      (rc = int_of(b, "end_year", false, &end, err)) == 0 &&
      (rc = int_of(b, "park_fid", false, &fid, err)) == 0) {
    char fname[256];
    if (file) snprintf(fname, sizeof fname, "%s", file->filename[0] ? file->filename : "协议");
    lg_quota_enclave_new_t e = {.name = text_of(b, "name"),
                                .source = text_of(b, "source"),
                                .host = text_of(b, "host"),
                                .park_layer = text_of(b, "park_layer"),
                                .park_fid = fid,
                                .quota_from = text_of(b, "quota_from"),
                                .costs = json_object_get(b, "costs"),
                                .shares = json_object_get(b, "shares"),
                                .start_year = (int)start,
                                .end_year = (int)end,
                                .agreement_no = text_of(b, "agreement_no"),
                                .agreement_data = file ? file->data : NULL,
                                .agreement_len = file ? file->len : 0,
                                .agreement_name = file ? fname : NULL};
    rc = lg_quota_enclave_add(s, &req->who, &e, &id, err);
  }
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0 && (rc = lg_quota_enclave_get(s, id, &o, err)) == 0) lg_http_json(res, 201, o);
  return rc;
}

static int post_figures(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t id = param_id(req, "id", err);
  if (!id) return LG_ENOTFOUND;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t year = 0, tax = 0, gdp = 0, ent = -1;
  if ((rc = int_of(b, "year", true, &year, err)) == 0 &&
      (rc = int_of(b, "tax_fen", true, &tax, err)) == 0 &&
      (rc = int_of(b, "gdp_fen", true, &gdp, err)) == 0 &&
      (rc = int_of(b, "enterprises", false, &ent, err)) == 0)
    rc = lg_quota_enclave_record(s, &req->who, id, (int)year, tax, gdp, (int)ent, err);
  json_decref(b);
  json_t *o = NULL;
  if (rc == 0 && (rc = lg_quota_enclave_get(s, id, &o, err)) == 0) lg_http_json(res, 201, o);
  return rc;
}

static int post_enclave_settle(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "act", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  int64_t id = param_id(req, "id", err);
  if (!id) return LG_ENOTFOUND;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t year = 0;
  json_t *o = NULL;
  if ((rc = int_of(b, "year", true, &year, err)) == 0)
    rc = lg_quota_enclave_settle(s, &req->who, id, (int)year, &o, err);
  json_decref(b);
  if (rc == 0) lg_http_json(res, 201, o);
  return rc;
}

/* ---- Dashboard, proposal, stock figures, cases, reconcile
 * ----------------------------------------- */

static int get_dashboard(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  lg_auth_filter_t f;
  int year = 0;
  int rc = visible(req, &f, err);
  if (rc == 0) rc = year_query(req, &year, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *o = NULL;
  if ((rc = lg_quota_dashboard(s, &f, year, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int get_proposal(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int year = 0, rc;
  if ((rc = year_query(req, &year, err))) return rc;
  lg_store_t *s = req->store;
  char within[16] = "";
  const char *w = lg_http_query(req, "within");
  if (w && *w && (rc = lg_auth_division_normalize(w, within, "within", err))) return rc;
  int scope;
  if ((rc = lg_http_scope(req, "quota", "read", &scope, err))) return rc;
  if (!within[0] && scope != LG_SCOPE_ALL) snprintf(within, sizeof within, "%s", req->who.division);
  lg_object_ref_t obj = {.division = within};
  if ((rc = lg_http_require(req, "quota", "read", within[0] ? &obj : NULL, err))) return rc;
  if (year == 0) {
    int y, m, d;
    lg_date_to_ymd(lg_date_of(lg_now(), LG_TZ_CHINA), &y, &m, &d);
    year = y;
  }
  json_t *o = NULL;
  if ((rc = lg_quota_proposal(s, within, year, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

static int post_stock_figures(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "quota", "create", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *b = body_object(req, err);
  if (!b) return err->code ? err->code : LG_EINVAL;
  int64_t year = 0, un = 0, idle = 0;
  lg_quota_stock_figures_t f = {0};
  if ((rc = int_of(b, "year", true, &year, err)) == 0 &&
      (rc = int_of(b, "unsupplied_digested_m2", true, &un, err)) == 0 &&
      (rc = int_of(b, "idle_disposed_m2", true, &idle, err)) == 0) {
    snprintf(f.division, sizeof f.division, "%s",
             text_of(b, "division") ? text_of(b, "division") : "");
    f.year = (int)year;
    f.unsupplied_digested_m2 = un;
    f.idle_disposed_m2 = idle;
    rc = lg_quota_stock_record(s, &req->who, &f, text_of(b, "note"), err);
  }
  json_decref(b);
  if (rc) return rc;
  lg_http_json(res, 201,
               json_pack("{s:s, s:I, s:I, s:I}", "division", f.division, "year", (json_int_t)year,
                         "unsupplied_digested_m2", (json_int_t)un, "idle_disposed_m2",
                         (json_int_t)idle));
  return 0;
}

static int get_case_quota(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  int64_t id = 0;
  json_t *o = NULL;
  rc = lg_cases_find(s, lg_http_param(req, "id"), &id, err);
  if (rc == 0) rc = lg_quota_case(s, id, &o, err);
  if (rc) {
    lg_err_t e2 = {0};
    int rc2 = lg_http_require(req, "quota", "read", NULL, &e2);
    if (rc2) *err = e2;
    return rc2 ? rc2 : rc;
  }
  if ((rc = require_either(req, s, text_of(o, "division"), text_of(o, "case_division"), err))) {
    json_decref(o);
    return rc;
  }
  lg_http_json(res, 200, o);
  return 0;
}

static int get_reconcile(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc;
  lg_store_t *s = req->store;
  char div[16];
  if ((rc = lg_auth_store_division(s, div, err))) return rc;
  if (!div[0]) {
    if ((rc = lg_http_require(req, "quota", "read", NULL, err))) return rc;
    return lg_err_set(err, LG_EPERM,
                      "对账覆盖全库, 须由管辖全库的人员查看; 本库的管辖行政区尚不明确 (请在服务器上"
                      "执行 landgov settings set auth.store_division CODE, 或用 landgov quota "
                      "reconcile)");
  }
  lg_object_ref_t obj = {.division = div};
  if ((rc = lg_http_require(req, "quota", "read", &obj, err))) return rc;
  json_t *o = NULL;
  if ((rc = lg_quota_reconcile(s, &o, err))) return rc;
  lg_http_json(res, 200, o);
  return 0;
}

const lg_http_route_t lg_http_routes_quota[] = {
    {"GET", "/api/quota/balances", get_balances},
    {"GET", "/api/quota/movements", get_movements},
    {"GET", "/api/quota/movements/{id}", get_movement},
    {"POST", "/api/quota/allocations", post_allocation},
    {"POST", "/api/quota/productions", post_production},
    {"POST", "/api/quota/transfers", post_transfer},
    {"GET", "/api/quota/kinds", get_kinds},
    {"POST", "/api/quota/kinds", post_kind},
    {"GET", "/api/quota/config", get_config},
    {"PUT", "/api/quota/config", put_config},
    {"GET", "/api/quota/listings", get_listings},
    {"POST", "/api/quota/listings", post_listing},
    {"GET", "/api/quota/listings/{id}", get_listing},
    {"POST", "/api/quota/listings/{id}/withdraw", post_withdraw},
    {"POST", "/api/quota/listings/{id}/bids", post_bid},
    {"POST", "/api/quota/listings/{id}/settle", post_settle},
    {"GET", "/api/quota/trades", get_trades},
    {"GET", "/api/quota/trades/{id}", get_trade},
    {"GET", "/api/quota/trades/{id}/statement", get_trade_statement},
    {"GET", "/api/quota/statements", get_statements},
    {"GET", "/api/quota/caps", get_caps},
    {"GET", "/api/quota/funds", get_funds},
    {"POST", "/api/quota/funds/{division}/spend", post_spend},
    {"GET", "/api/quota/enclaves", get_enclaves},
    {"POST", "/api/quota/enclaves", post_enclave},
    {"GET", "/api/quota/enclaves/{id}", get_enclave},
    {"POST", "/api/quota/enclaves/{id}/figures", post_figures},
    {"POST", "/api/quota/enclaves/{id}/settle", post_enclave_settle},
    {"GET", "/api/quota/dashboard", get_dashboard},
    {"GET", "/api/quota/proposal", get_proposal},
    {"POST", "/api/quota/stock-figures", post_stock_figures},
    {"GET", "/api/quota/cases/{id}", get_case_quota},
    {"GET", "/api/quota/reconcile", get_reconcile},
    {0},
};
