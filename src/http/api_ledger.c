/*
 * The verifiable approval ledger over HTTP. The log's public face (its
 * size and root, keys, signed checkpoints, consistency proofs and the
 * checkpoints it witnessed) is the policy resource "checkpoint", which
 * every role including the public may read: a transparency log is worth
 * what anyone can check of it, and other regions' witnesses fetch these
 * without an account. An entry names who did what to which object, so
 * reading one (with its inclusion proof) is the resource "ledger", decided
 * on the division the entry itself records (its "jurisdiction").
 *
 *   GET /api/ledger                    size, root, latest checkpoint, key
 *   GET /api/ledger/key                the verifier keys (log and witness)
 *   GET /api/ledger/checkpoint         the checkpoint of the current tree,
 *       ?format=note                   signed now if the tree grew; as JSON,
 *                                      or as the bare C2SP note (text/plain)
 *   GET /api/ledger/entries/{n}        entry n with its inclusion proof
 *       ?size=M                        against the tree of M entries
 *                                      (default: the latest checkpoint)
 *   GET /api/ledger/objects/{type}/{id}  the entries recorded about one
 *                                      object ("check" 12): {object_type,
 *                                      object_id, entries: [{index, action,
 *                                      actor, time}]}, oldest first, those
 *                                      the caller may read; how the web page
 *                                      finds the entry of a saved check
 *   GET /api/ledger/consistency        consistency proof between sizes
 *       ?from=N&to=M                   (to: default the latest checkpoint)
 *   GET /api/ledger/witnessed          checkpoints of other regions' logs
 *       ?limit=N                       this region witnessed, newest first
 *
 * The JSON shapes are the ledger module's (lg_ledger_*_json), the same the
 * CLI prints and tools/verify reads.
 */
#include "http/http_int.h"
#include "ledger/ledger.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The keys, created on first use if `landgov init` did not. */
static int keys(lg_store_t *s, lg_ledger_keys_t *k, lg_err_t *err) {
  int rc = lg_ledger_keys(s, k, err);
  if (rc == LG_ENOTFOUND) {
    rc = lg_ledger_init(s, NULL, err);
    if (rc == 0) rc = lg_ledger_keys(s, k, err);
  }
  return rc;
}

/* Size of the latest checkpoint, or the current size when none. */
static int default_size(lg_store_t *s, uint64_t *size, lg_err_t *err) {
  lg_ledger_checkpoint_t cp;
  if (lg_ledger_checkpoint_latest(s, &cp, NULL) == 0) {
    *size = cp.size;
    lg_ledger_checkpoint_fini(&cp);
    return 0;
  }
  return lg_ledger_size(s, size, err);
}

static int get_status(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "checkpoint", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  uint64_t n = 0;
  unsigned char root[32];
  lg_ledger_keys_t k;
  lg_ledger_checkpoint_t cp = {0};
  rc = lg_ledger_size(s, &n, err);
  if (rc == 0) rc = lg_ledger_root(s, n, root, err);
  if (rc == 0) rc = keys(s, &k, err);
  if (rc) return rc;
  char b64[48];
  lg_ledger_b64(root, 32, b64);
  bool have = lg_ledger_checkpoint_latest(s, &cp, NULL) == 0;
  lg_http_json(res, 200,
               json_pack("{s:s, s:I, s:s, s:s, s:o}", "origin", k.origin, "size", (json_int_t)n,
                         "root", b64, "key", k.vkey, "checkpoint",
                         have ? lg_ledger_checkpoint_json(&cp, k.vkey) : json_null()));
  lg_ledger_checkpoint_fini(&cp);
  return 0;
}

static int get_key(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "checkpoint", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  lg_ledger_keys_t k;
  rc = keys(s, &k, err);
  if (rc) return rc;
  lg_http_json(res, 200,
               json_pack("{s:s, s:s, s:s, s:s, s:s}", "origin", k.origin, "key", k.vkey,
                         "witness_name", k.witness_name, "witness_key", k.witness_vkey, "algorithm",
                         "Ed25519 (C2SP signed-note)"));
  return 0;
}

static int get_checkpoint(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "checkpoint", "read", NULL, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  const char *format = lg_http_query(req, "format");
  if (format && *format && strcmp(format, "note") != 0 && strcmp(format, "json") != 0)
    return lg_err_set(err, LG_EINVAL, "参数 format=\"%.20s\" 不支持: 可用 json 或 note", format);
  lg_ledger_checkpoint_t cp;
  lg_ledger_keys_t k;
  rc = lg_ledger_checkpoint(s, &cp, err);
  if (rc == 0) rc = keys(s, &k, err);
  if (rc == 0) {
    if (format && strcmp(format, "note") == 0)
      lg_http_body(res, 200, "text/plain; charset=utf-8", cp.note, strlen(cp.note));
    else
      lg_http_json(res, 200, lg_ledger_checkpoint_json(&cp, k.vkey));
  }
  lg_ledger_checkpoint_fini(&cp);
  return rc;
}

/* A path segment or query value that must be a non-negative integer. */
static int parse_index(const char *v, const char *what, uint64_t *out, lg_err_t *err) {
  char *end;
  errno = 0;
  unsigned long long x = v && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
  if (!v || *v < '0' || *v > '9' || errno || *end || x > INT64_MAX)
    return lg_err_set(err, LG_EINVAL, "%s 应为非负整数, 得到 \"%.40s\"", what, v ? v : "");
  *out = x;
  return 0;
}

/* Whether req->who may read entry n: the policy's "ledger" read on the
 * division the entry records. An index past the end is let through (with
 * some read scope at all), so that the proof call names the bounds. */
static int entry_permitted(lg_http_req_t *req, lg_store_t *s, uint64_t n, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "ledger", "read", &scope, err);
  if (rc) return rc;
  char *text = NULL;
  rc = lg_ledger_entry(s, n, &text, NULL, err);
  if (rc == LG_ENOTFOUND) {
    lg_err_clear(err);
    return 0;
  }
  if (rc) return rc;
  json_t *e = json_loads(text, 0, NULL);
  lg_free(text);
  const char *div = json_string_value(json_object_get(e, "jurisdiction"));
  lg_object_ref_t obj = {.division = div ? div : ""};
  rc = lg_http_require(req, "ledger", "read", &obj, err);
  json_decref(e);
  return rc;
}

static int get_entry(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  uint64_t n = 0, size = 0;
  int rc = parse_index(lg_http_param(req, "n"), "条目序号", &n, err);
  const char *sz = lg_http_query(req, "size");
  if (rc == 0 && sz && *sz) {
    rc = parse_index(sz, "参数 size", &size, err);
    if (rc == 0 && size == 0) rc = lg_err_set(err, LG_EINVAL, "参数 size 应大于 0");
  }
  if (rc) return rc;
  lg_store_t *s = req->store;
  if ((rc = entry_permitted(req, s, n, err)) != 0) return rc;
  json_t *doc;
  if ((rc = lg_ledger_inclusion_json(s, n, size, &doc, err)) != 0) return rc;
  lg_http_json(res, 200, doc);
  return 0;
}

/* Most entries one object may list: a case goes through some dozens of
 * steps; a longer history is cut (and says so) rather than sent whole. */
#define OBJECT_ENTRIES_MAX 1000

static int get_object_entries(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int scope;
  int rc = lg_http_scope(req, "ledger", "read", &scope, err);
  if (rc) return rc;
  const char *type = lg_http_param(req, "type"), *id = lg_http_param(req, "id");
  lg_store_t *s = req->store;
  uint64_t *idx = lg_calloc(OBJECT_ENTRIES_MAX, sizeof *idx);
  size_t total = 0;
  json_t *list = json_array();
  lg_err_t refused = {0};
  rc = lg_ledger_object_entries(s, type, id, idx, OBJECT_ENTRIES_MAX, &total, err);
  size_t n = total < OBJECT_ENTRIES_MAX ? total : OBJECT_ENTRIES_MAX;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    char *text = NULL;
    if ((rc = lg_ledger_entry(s, idx[i], &text, NULL, err))) break;
    json_t *e = json_loads(text, 0, NULL);
    lg_free(text);
    const char *div = json_string_value(json_object_get(e, "jurisdiction"));
    lg_object_ref_t obj = {.division = div ? div : ""};
    /* Entries of another jurisdiction are left out, not refused whole: an
     * object's history may pass through several levels of government. */
    lg_err_t e2 = {0};
    if (lg_http_require(req, "ledger", "read", &obj, &e2) == 0)
      json_array_append_new(list, json_pack("{s:I, s:O?, s:O?, s:O?}", "index", (json_int_t)idx[i],
                                            "action", json_object_get(e, "action"), "actor",
                                            json_object_get(e, "actor"), "time",
                                            json_object_get(e, "time")));
    else if (!refused.code)
      refused = e2;
    json_decref(e);
  }
  lg_free(idx);
  if (rc == 0 && n > 0 && json_array_size(list) == 0) {
    *err = refused;
    rc = refused.code;
  }
  if (rc) {
    json_decref(list);
    return rc;
  }
  lg_http_json(res, 200,
               json_pack("{s:s, s:s, s:o, s:b}", "object_type", type, "object_id", id, "entries",
                         list, "truncated", total > n));
  return 0;
}

static int get_consistency(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "checkpoint", "read", NULL, err);
  if (rc) return rc;
  const char *from_s = lg_http_query(req, "from"), *to_s = lg_http_query(req, "to");
  uint64_t from, to = 0;
  if (!from_s || !*from_s) return lg_err_set(err, LG_EINVAL, "缺少参数 from (旧树的大小)");
  rc = parse_index(from_s, "参数 from", &from, err);
  if (rc == 0 && to_s && *to_s) rc = parse_index(to_s, "参数 to", &to, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  if (!to_s || !*to_s) rc = default_size(s, &to, err);
  json_t *doc;
  if (rc == 0) rc = lg_ledger_consistency_json(s, from, to, &doc, err);
  if (rc == 0) lg_http_json(res, 200, doc);
  return rc;
}

static int get_witnessed(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  int rc = lg_http_require(req, "checkpoint", "read", NULL, err);
  if (rc) return rc;
  long long limit;
  rc = lg_http_query_int(req, "limit", 100, 1, 10000, &limit, err);
  if (rc) return rc;
  lg_store_t *s = req->store;
  json_t *list;
  if ((rc = lg_ledger_witnessed_json(s, (int)limit, &list, err)) != 0) return rc;
  lg_http_json(res, 200, json_pack("{s:o}", "witnessed", list));
  return 0;
}

const lg_http_route_t lg_http_routes_ledger[] = {
    {"GET", "/api/ledger", get_status},
    {"GET", "/api/ledger/key", get_key},
    {"GET", "/api/ledger/checkpoint", get_checkpoint},
    {"GET", "/api/ledger/entries/{n}", get_entry},
    {"GET", "/api/ledger/objects/{type}/{id}", get_object_entries},
    {"GET", "/api/ledger/consistency", get_consistency},
    {"GET", "/api/ledger/witnessed", get_witnessed},
    {0},
};
