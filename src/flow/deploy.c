/*
 * Deploying process definitions. A definition is stored as the XML the
 * bureau drew, never edited: each deployment of a changed drawing is the
 * next version of its key (the process id), and an instance keeps the
 * version it started with for its whole life, so changing the process
 * never changes the rules a running case was accepted under. Deployments
 * are on the ledger (object type "flow.definition", id "key@version",
 * state: key, version, name and the SHA-256 of the XML).
 */
#include "flow/flow_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

static void sha256_hex(const char *data, size_t n, char out[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)data, n);
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof h; i++) {
    out[2 * i] = hex[h[i] >> 4];
    out[2 * i + 1] = hex[h[i] & 15];
  }
  out[64] = '\0';
}

static json_t *definition_state(const lg_flow_def_info_t *d, const char *sha, const char *by) {
  return json_pack("{s:I,s:s,s:i,s:s,s:s,s:s}", "id", (json_int_t)d->id, "key", d->key, "version",
                   d->version, "name", d->name, "sha256", sha, "deployed_by", by);
}

int lg_flow_deploy(lg_store_t *s, const char *xml, size_t len, const char *actor,
                   lg_flow_def_info_t *out, lg_err_t *err) {
  lg_flow_def_info_t info = {0};
  fl_model_t *m = NULL;
  int rc = fl_model_parse(xml, len, &m, err);
  if (rc) return rc;
  if (!lg_utf8_valid(xml, len)) {
    fl_model_free(m);
    return lg_err_set(err, LG_EINVAL, "BPMN 文件应以 UTF-8 保存");
  }
  const char *by = actor && *actor ? actor : "system";
  char sha[65];
  sha256_hex(xml, len, sha);
  snprintf(info.key, sizeof info.key, "%s", m->key);
  snprintf(info.name, sizeof info.name, "%s", m->name ? m->name : "");
  fl_model_free(m);

  if ((rc = lg_store_begin(s, err)) != 0) return rc;
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT id, version, sha256 FROM lg_flow_definitions WHERE key = ?"
                       " ORDER BY version DESC LIMIT 1",
                       &st, err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_text(st, 1, info.key);
  if (lg_store_step(st) == LG_ROW) {
    info.version = lg_store_col_int(st, 1);
    if (!strcmp(lg_store_col_text(st, 2), sha)) {
      /* The latest version is this very drawing: nothing to deploy. */
      info.id = lg_store_col_int(st, 0);
      lg_store_done(st);
      info.created = false;
      goto done;
    }
  }
  lg_store_done(st);
  info.version++;
  info.created = true;
  char ts[32];
  lg_time_iso(lg_now(), ts);
  if (lg_store_prepare(
          s,
          "INSERT INTO lg_flow_definitions(key, version, name, xml, sha256, deployed_at,"
          " deployed_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
          &st, err)) {
    rc = LG_EDB;
    goto done;
  }
  lg_store_bind_text(st, 1, info.key);
  lg_store_bind_int(st, 2, info.version);
  if (info.name[0]) lg_store_bind_text(st, 3, info.name);
  lg_store_bind_textn(st, 4, xml, len);
  lg_store_bind_text(st, 5, sha);
  lg_store_bind_text(st, 6, ts);
  lg_store_bind_text(st, 7, by);
  if ((rc = lg_store_insert_id(st, &info.id, "保存流程定义失败", err)) != 0) goto done;
  {
    json_t *state = definition_state(&info, sha, by);
    char oid[160];
    snprintf(oid, sizeof oid, "%s@%d", info.key, info.version);
    lg_ledger_event_t ev = {.actor = by,
                            .action = "flow.deploy",
                            .object_type = "flow.definition",
                            .object_id = oid,
                            .state = state};
    rc = lg_ledger_append(s, &ev, NULL, err);
    json_decref(state);
  }
done:
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
  if (rc == 0 && out) *out = info;
  return rc;
}

int lg_flow_definitions(lg_store_t *s, json_t **out, lg_err_t *err) {
  *out = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT d.id, d.key, d.version, d.name, d.deployed_at, d.deployed_by,"
                       " (SELECT count(*) FROM lg_flow_instances i WHERE i.definition_id = d.id)"
                       " FROM lg_flow_definitions d ORDER BY d.key, d.version DESC",
                       &st, err))
    return LG_EDB;
  json_t *arr = json_array();
  while (lg_store_step(st) == LG_ROW)
    json_array_append_new(
        arr,
        json_pack("{s:I,s:o,s:I,s:o,s:o,s:o,s:I}", "id", (json_int_t)lg_store_col_int(st, 0), "key",
                  fl_col_json_text(st, 1), "version", (json_int_t)lg_store_col_int(st, 2), "name",
                  fl_col_json_text(st, 3), "deployed_at", fl_col_json_text(st, 4), "deployed_by",
                  fl_col_json_text(st, 5), "instances", (json_int_t)lg_store_col_int(st, 6)));
  lg_store_done(st);
  *out = arr;
  return 0;
}

int lg_flow_definition_xml(lg_store_t *s, const char *key, int version, char **xml,
                           lg_flow_def_info_t *info, lg_err_t *err) {
  *xml = NULL;
  lg_stmt_t *st;
  if (lg_store_prepare(
          s,
          "SELECT id, key, version, name, xml FROM lg_flow_definitions WHERE key = ?1 AND"
          " (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1",
          &st, err))
    return LG_EDB;
  lg_store_bind_text(st, 1, key ? key : "");
  lg_store_bind_int(st, 2, version);
  int rc = 0;
  if (lg_store_step(st) == LG_ROW) {
    if (info) {
      memset(info, 0, sizeof *info);
      info->id = lg_store_col_int(st, 0);
      snprintf(info->key, sizeof info->key, "%s", lg_store_col_text(st, 1));
      info->version = lg_store_col_int(st, 2);
      if (lg_store_col_type(st, 3) != LG_COL_NULL)
        snprintf(info->name, sizeof info->name, "%s", lg_store_col_text(st, 3));
    }
    *xml = lg_strdup(lg_store_col_text(st, 4));
  } else if (version > 0) {
    rc = lg_err_set(err, LG_ENOTFOUND, "流程 %s 没有第 %d 版", key ? key : "", version);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "没有标识为 %s 的流程定义", key ? key : "");
  }
  lg_store_done(st);
  return rc;
}

int lg_flow_audit_scan_definitions(lg_store_t *s,
                                   int (*emit)(void *ctx, const char *object_id,
                                               const unsigned char digest[32]),
                                   void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  if (lg_store_prepare(s,
                       "SELECT id, key, version, coalesce(name, ''), sha256, deployed_by"
                       " FROM lg_flow_definitions ORDER BY id",
                       &st, err))
    return LG_EDB;
  int rc = 0, step;
  while (rc == 0 && (step = lg_store_step(st)) == LG_ROW) {
    lg_flow_def_info_t d = {0};
    d.id = lg_store_col_int(st, 0);
    snprintf(d.key, sizeof d.key, "%s", lg_store_col_text(st, 1));
    d.version = lg_store_col_int(st, 2);
    snprintf(d.name, sizeof d.name, "%s", lg_store_col_text(st, 3));
    json_t *state = definition_state(&d, lg_store_col_text(st, 4), lg_store_col_text(st, 5));
    unsigned char digest[32];
    char oid[160];
    snprintf(oid, sizeof oid, "%s@%d", d.key, d.version);
    rc = lg_ledger_digest_json(state, digest, err);
    json_decref(state);
    if (rc == 0) rc = emit(ctx, oid, digest);
  }
  lg_store_done(st);
  return rc;
}
