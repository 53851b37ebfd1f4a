/*
 * Keys, signed notes, checkpoints and witnessing. Known answers come from
 * outside landgov: the signer and verifier key and the signed note of the
 * documentation and tests of golang.org/x/mod/sumdb/note ("PeterNeumann"),
 * and a real checkpoint of the Certificate Transparency staging log
 * arche2025h1 with the Ed25519 cosignature of the witness remora.n621.de
 * (C2SP tlog-cosignature), as published in the tests of other
 * implementations. Ed25519 is deterministic, so signing the Go example
 * must give the Go signature byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ledger/ledger_int.h"
#include "lg_test.h"

#define GO_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define GO_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define GO_TEXT                                                                                    \
  "If you think cryptography is the answer to your problem,\n"                                     \
  "then you don't know what your problem is.\n"
#define GO_SIG                                                                                     \
  "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="

#define CT_VKEY                                                                                    \
  "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
#define REMORA_VKEY "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
#define CT_BODY                                                                                    \
  "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/"                           \
  "GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
#define CT_NOTE                                                                                    \
  CT_BODY "\n"                                                                                     \
          "\xE2\x80\x94 arche2025h1.staging.ct.transparency.dev "                                  \
          "zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaH" \
          "AI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"                                                       \
          "\xE2\x80\x94 arche2025h1.staging.ct.transparency.dev "                                  \
          "ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/"                                                  \
          "27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"                              \
          "\xE2\x80\x94 transparency.dev/DEV:witness-little-garden "                               \
          "2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/"                                               \
          "KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"                     \
          "\xE2\x80\x94 witness1.smartit.nu/witness1 "                                             \
          "pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/"                              \
          "iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"                                      \
          "\xE2\x80\x94 remora.n621.de "                                                           \
          "2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/"  \
          "zZ0WBxtqB0DrAWfBw==\n"                                                                  \
          "\xE2\x80\x94 witness.stagemole.eu "                                                     \
          "Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/"               \
          "2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"

static char tmpdir[64];

static int setup_dir(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/lg_ledger_note_XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static lg_store_t *open_store(const char *name) {
  char path[160];
  snprintf(path, sizeof path, "%s/%s.gpkg", tmpdir, name);
  lg_store_t *s = NULL;
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &s, &err) != 0) fail_msg("%s", err.msg);
  return s;
}

static void write_file(const char *path, const char *text, int mode) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  chmod(path, (mode_t)mode);
}

static void append(lg_store_t *s, const char *id, const char *actor) {
  lg_err_t err = {0};
  assert_int_equal(lg_store_begin(s, &err), 0);
  json_t *st = json_pack("{s:s}", "id", id);
  lg_ledger_event_t ev = {
      .actor = actor, .action = "x.create", .object_type = "x", .object_id = id, .state = st};
  if (lg_ledger_append(s, &ev, NULL, &err)) fail_msg("%s", err.msg);
  json_decref(st);
  assert_int_equal(lg_store_commit(s, &err), 0);
}

/* ---- Known answers -------------------------------------------------------- */

static void test_go_note_kat(void **state) {
  (void)state;
  lg_store_t *s = open_store("go");
  char *kp = lg_ledger_key_path(s, false);
  write_file(kp, GO_SKEY "\n", 0600);
  lg_err_t err = {0};
  if (lg_ledger_init(s, "PeterNeumann", &err)) fail_msg("%s", err.msg);
  lg_ledger_keys_t keys;
  assert_int_equal(lg_ledger_keys(s, &keys, &err), 0);
  assert_string_equal(keys.vkey, GO_VKEY);
  assert_string_equal(keys.origin, "PeterNeumann");
  assert_string_equal(keys.witness_name, "PeterNeumann/witness");
  /* Signing the Go example gives the Go note. */
  ledger_signer_t k;
  assert_int_equal(ledger_load_signer(s, false, &k, &err), 0);
  assert_int_equal(k.key_id, 0xc74f20a3);
  char *note = ledger_note_sign(&k, GO_TEXT);
  assert_string_equal(note, GO_TEXT "\n\xE2\x80\x94 PeterNeumann " GO_SIG "\n");
  lg_free(note);
  ledger_signer_wipe(&k);
  /* The verifier key parses back to its parts. */
  char name[256];
  int type;
  unsigned char pub[32];
  assert_int_equal(lg_ledger_vkey_parse(GO_VKEY, name, &type, pub, &err), 0);
  assert_string_equal(name, "PeterNeumann");
  assert_int_equal(type, 1);
  lg_free(kp);
  lg_store_close(s);
}

static void test_real_checkpoint_and_cosignature(void **state) {
  (void)state;
  lg_ledger_checkpoint_t cp;
  lg_err_t err = {0};
  /* The log's Ed25519 signature (the line before it, same name but
   * another key id, is an RFC 6962 signature and is ignored). */
  if (lg_ledger_note_verify(CT_NOTE, CT_VKEY, &cp, &err)) fail_msg("%s", err.msg);
  assert_string_equal(cp.origin, "arche2025h1.staging.ct.transparency.dev");
  assert_int_equal(cp.size, 1432088532ULL);
  char b64[48];
  lg_ledger_b64(cp.root, 32, b64);
  assert_string_equal(b64, "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=");
  lg_ledger_checkpoint_fini(&cp);
  /* The witness's timestamped cosignature. */
  if (lg_ledger_note_verify(CT_NOTE, REMORA_VKEY, NULL, &err)) fail_msg("%s", err.msg);
  /* A changed size breaks both. */
  char *bad = strdup(CT_NOTE);
  char *p = strstr(bad, "1432088532");
  p[9] = '3';
  assert_int_equal(lg_ledger_note_verify(bad, CT_VKEY, NULL, &err), LG_EPERM);
  assert_int_equal(lg_ledger_note_verify(bad, REMORA_VKEY, NULL, &err), LG_EPERM);
  free(bad);
}

static void test_malformed_notes_and_keys(void **state) {
  (void)state;
  lg_err_t err = {0};
  static const struct {
    const char *note, *needle;
  } bad[] = {
      {CT_BODY "\xE2\x80\x94 x abc=\n", "空行"},
      {"arche2025h1.staging.ct.transparency.dev\r\n1\nU7WM79jrzyhGZ5/"
       "GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n"
       "\xE2\x80\x94 x AAAA\n",
       "控制字符"},
      {"arche2025h1.staging.ct.transparency.dev\n012\nU7WM79jrzyhGZ5/"
       "GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n"
       "\xE2\x80\x94 x AAAA\n",
       "前导零"},
      {"arche2025h1.staging.ct.transparency.dev\n12\nnot-base64\n\n\xE2\x80\x94 x AAAA\n",
       "根哈希"},
      {"arche2025h1.staging.ct.transparency.dev\n12\n\n\xE2\x80\x94 x AAAA\n", "少于三行"},
      {CT_BODY "\n", "签名行"},
      {CT_BODY "\n- arche2025h1.staging.ct.transparency.dev AAAA\n", "签名行 1"},
      {CT_BODY "\n\xE2\x80\x94 arche2025h1.staging.ct.transparency.dev !!!\n", "base64"},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(bad); i++) {
    int rc = lg_ledger_note_verify(bad[i].note, CT_VKEY, NULL, &err);
    if (rc != LG_EINVAL) fail_msg("case %zu: rc %d (%s)", i, rc, err.msg);
    if (!strstr(err.msg, bad[i].needle))
      fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, bad[i].needle);
  }
  /* Keys: malformed, wrong id, unknown algorithm. */
  char name[256];
  int type;
  unsigned char pub[32];
  assert_int_equal(lg_ledger_vkey_parse("nonsense", name, &type, pub, &err), LG_EINVAL);
  assert_int_equal(
      lg_ledger_vkey_parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                           name, &type, pub, &err),
      LG_EINVAL);
  assert_non_null(strstr(err.msg, "不符"));
  assert_int_equal(
      lg_ledger_vkey_parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                           name, &type, pub, &err),
      LG_EINVAL);
  /* A key nobody signed with: refused, and said so. */
  int rc = lg_ledger_note_verify(CT_NOTE, GO_VKEY, NULL, &err);
  assert_int_equal(rc, LG_EPERM);
}

/* ---- This log's keys and checkpoints --------------------------------------- */

static void test_keys_created_once(void **state) {
  (void)state;
  lg_store_t *s = open_store("keys");
  lg_err_t err = {0};
  lg_ledger_keys_t k1, k2;
  assert_int_equal(lg_ledger_keys(s, &k1, &err), LG_ENOTFOUND);
  assert_int_equal(lg_ledger_init(s, NULL, &err), 0);
  assert_int_equal(lg_ledger_keys(s, &k1, &err), 0);
  char want[200];
  /* Named after the file, or the database (PostgreSQL). */
  snprintf(want, sizeof want, "landgov.example/%s",
           lg_store_backend(s) == LG_STORE_PG ? lg_store_dbname(s) : "keys");
  assert_string_equal(k1.origin, want);
  assert_int_equal(lg_ledger_init(s, NULL, &err), 0);
  assert_int_equal(lg_ledger_keys(s, &k2, &err), 0);
  assert_string_equal(k1.vkey, k2.vkey);
  assert_string_equal(k1.witness_vkey, k2.witness_vkey);
  assert_string_not_equal(k1.vkey, k1.witness_vkey);
  /* Owner-only files. */
  char *kp = lg_ledger_key_path(s, false), *wp = lg_ledger_key_path(s, true);
  struct stat st;
  assert_int_equal(stat(kp, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(stat(wp, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  /* The name cannot change under an existing key. */
  assert_int_equal(lg_ledger_init(s, "landgov.example/other", &err), LG_EINVAL);
  /* A key readable by others is refused. */
  chmod(kp, 0644);
  assert_int_equal(lg_ledger_init(s, NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "chmod 600"));
  chmod(kp, 0600);
  /* A lost key is not silently replaced. */
  char moved[200];
  snprintf(moved, sizeof moved, "%s.bak", kp);
  assert_int_equal(rename(kp, moved), 0);
  assert_int_equal(lg_ledger_init(s, NULL, &err), LG_ENOTFOUND);
  assert_non_null(strstr(err.msg, "备份"));
  /* Nor swapped for another. */
  write_file(kp, GO_SKEY "\n", 0600);
  assert_int_equal(lg_ledger_init(s, NULL, &err), LG_ECONFLICT);
  assert_int_equal(rename(moved, kp), 0);
  assert_int_equal(lg_ledger_init(s, NULL, &err), 0);
  lg_free(kp);
  lg_free(wp);
  lg_store_close(s);
}

static void test_checkpoints(void **state) {
  (void)state;
  lg_store_t *s = open_store("cp");
  lg_err_t err = {0};
  lg_ledger_checkpoint_t c0, c1, c1b, c2, latest;
  /* The empty log has a checkpoint too: size 0, the empty-tree hash. */
  assert_int_equal(lg_ledger_checkpoint(s, &c0, &err), 0);
  assert_int_equal(c0.size, 0);
  assert_non_null(strstr(c0.note, "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"));
  for (int i = 0; i < 5; i++)
    append(s, i == 0 ? "a" : i == 1 ? "b" : i == 2 ? "c" : i == 3 ? "d" : "e", "u");
  assert_int_equal(lg_ledger_checkpoint(s, &c1, &err), 0);
  assert_int_equal(c1.size, 5);
  /* Nothing new: the same checkpoint, not a new signature. */
  assert_int_equal(lg_ledger_checkpoint(s, &c1b, &err), 0);
  assert_string_equal(c1.note, c1b.note);
  lg_ledger_keys_t keys;
  assert_int_equal(lg_ledger_keys(s, &keys, &err), 0);
  lg_ledger_checkpoint_t parsed;
  if (lg_ledger_note_verify(c1.note, keys.vkey, &parsed, &err)) fail_msg("%s", err.msg);
  assert_int_equal(parsed.size, 5);
  assert_memory_equal(parsed.root, c1.root, 32);
  lg_ledger_checkpoint_fini(&parsed);
  /* The witness key is not the log key. */
  assert_int_equal(lg_ledger_note_verify(c1.note, keys.witness_vkey, NULL, &err), LG_EPERM);
  /* A wrong signature: one character of it changed. */
  char *bad = strdup(c1.note);
  char *sig = strrchr(bad, ' ') + 10;
  *sig = *sig == 'A' ? 'B' : 'A';
  assert_int_equal(lg_ledger_note_verify(bad, keys.vkey, NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "签名无效"));
  free(bad);
  append(s, "f", "u");
  assert_int_equal(lg_ledger_checkpoint(s, &c2, &err), 0);
  assert_int_equal(c2.size, 6);
  assert_int_equal(lg_ledger_checkpoint_latest(s, &latest, &err), 0);
  assert_string_equal(latest.note, c2.note);
  lg_ledger_checkpoint_fini(&latest);
  assert_int_equal(lg_ledger_checkpoint_at(s, 5, &latest, &err), 0);
  assert_string_equal(latest.note, c1.note);
  lg_ledger_checkpoint_fini(&latest);
  assert_int_equal(lg_ledger_checkpoint_at(s, 4, &latest, &err), LG_ENOTFOUND);
  /* Consistent with each other, as a client would check. */
  lg_ledger_proof_t p;
  assert_int_equal(lg_ledger_prove_consistency(s, 5, 6, &p, &err), 0);
  assert_int_equal(lg_ledger_verify_consistency(5, 6, c1.root, c2.root, &p, &err), 0);
  lg_ledger_verify_report_t r;
  assert_int_equal(lg_ledger_verify(s, &r, &err), 0);
  assert_int_equal(r.checkpoints, 3);
  assert_int_equal(r.latest_checkpoint, 6);
  lg_ledger_verify_report_fini(&r);
  lg_ledger_checkpoint_fini(&c0);
  lg_ledger_checkpoint_fini(&c1);
  lg_ledger_checkpoint_fini(&c1b);
  lg_ledger_checkpoint_fini(&c2);
  lg_store_close(s);
}

/* ---- Witnessing --------------------------------------------------------- */

static void copy_file(const char *from, const char *to) {
  char *data = NULL;
  size_t n;
  assert_int_equal(lg_file_read(from, &data, &n, NULL), 0);
  write_file(to, data, 0600);
  lg_free(data);
}

static void test_witness(void **state) {
  (void)state;
  lg_store_t *a = open_store("region_a"), *b = open_store("region_b");
  lg_err_t err = {0};
  lg_ledger_keys_t ka, kb;
  assert_int_equal(lg_ledger_init(a, "landgov.example/330100", &err), 0);
  assert_int_equal(lg_ledger_init(b, "landgov.example/330200", &err), 0);
  assert_int_equal(lg_ledger_keys(a, &ka, &err), 0);
  assert_int_equal(lg_ledger_keys(b, &kb, &err), 0);
  append(a, "1", "u");
  append(a, "2", "u");
  append(a, "3", "u");
  lg_ledger_checkpoint_t a1, a2;
  assert_int_equal(lg_ledger_checkpoint(a, &a1, &err), 0);
  uint64_t last;
  assert_int_equal(lg_ledger_witness_last(b, ka.origin, &last, &err), LG_ENOTFOUND);

  /* First contact. */
  char *cos = NULL;
  if (lg_ledger_witness(b, ka.vkey, a1.note, NULL, &cos, &err)) fail_msg("%s", err.msg);
  assert_int_equal(lg_ledger_note_verify(cos, kb.witness_vkey, NULL, &err), 0);
  assert_int_equal(lg_ledger_note_verify(cos, ka.vkey, NULL, &err), 0);
  assert_int_equal(strncmp(cos, a1.note, strlen(a1.note)), 0);
  lg_free(cos);
  assert_int_equal(lg_ledger_witness_last(b, ka.origin, &last, &err), 0);
  assert_int_equal(last, 3);
  /* B's own log records that it vouched for A at size 3. */
  char *text = NULL;
  assert_int_equal(lg_ledger_entry(b, 0, &text, NULL, &err), 0);
  assert_non_null(strstr(text, "\"object_id\":\"landgov.example/330100@3\""));
  lg_free(text);

  /* A grows; B checks the consistency proof A gives. */
  append(a, "4", "u");
  append(a, "5", "u");
  assert_int_equal(lg_ledger_checkpoint(a, &a2, &err), 0);
  lg_ledger_proof_t p, tampered;
  assert_int_equal(lg_ledger_prove_consistency(a, 3, 5, &p, &err), 0);
  /* Without the proof, or with a tampered one: refused. */
  assert_int_equal(lg_ledger_witness(b, ka.vkey, a2.note, NULL, NULL, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "一致性证明"));
  tampered = p;
  tampered.hash[0][7] ^= 1;
  assert_int_equal(lg_ledger_witness(b, ka.vkey, a2.note, &tampered, NULL, &err), LG_ECONFLICT);
  if (lg_ledger_witness(b, ka.vkey, a2.note, &p, NULL, &err)) fail_msg("%s", err.msg);
  assert_int_equal(lg_ledger_witness_last(b, ka.origin, &last, &err), 0);
  assert_int_equal(last, 5);
  /* The same checkpoint again: a fresh cosignature, no new entry. */
  uint64_t nb1, nb2;
  lg_ledger_size(b, &nb1, &err);
  lg_ledger_proof_t none = {0};
  assert_int_equal(lg_ledger_witness(b, ka.vkey, a2.note, &none, NULL, &err), 0);
  lg_ledger_size(b, &nb2, &err);
  assert_int_equal(nb1, nb2);
  /* An older checkpoint of A: a rollback. */
  assert_int_equal(lg_ledger_witness(b, ka.vkey, a1.note, NULL, NULL, &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "回退"));

  /* A fork: a second log with A's key and name but another history. */
  lg_store_t *c = open_store("region_a_fork");
  char *akey = lg_ledger_key_path(a, false), *ckey = lg_ledger_key_path(c, false);
  copy_file(akey, ckey);
  assert_int_equal(lg_ledger_init(c, NULL, &err), 0);
  for (int i = 0; i < 5; i++)
    append(c, i % 2 ? "y" : "z", "forger");
  lg_ledger_checkpoint_t c5, c6;
  assert_int_equal(lg_ledger_checkpoint(c, &c5, &err), 0);
  /* Same size, another root: a fork, signature valid or not. */
  assert_int_equal(lg_ledger_note_verify(c5.note, ka.vkey, NULL, &err), 0);
  assert_int_equal(lg_ledger_witness(b, ka.vkey, c5.note, &none, NULL, &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "分叉"));
  append(c, "w", "forger");
  assert_int_equal(lg_ledger_checkpoint(c, &c6, &err), 0);
  assert_int_equal(lg_ledger_prove_consistency(c, 5, 6, &p, &err), 0);
  assert_int_equal(lg_ledger_witness(b, ka.vkey, c6.note, &p, NULL, &err), LG_ECONFLICT);
  assert_non_null(strstr(err.msg, "分叉"));

  /* A log under A's name with an unknown key. */
  lg_store_t *d = open_store("impostor");
  assert_int_equal(lg_ledger_init(d, "landgov.example/330100", &err), 0);
  append(d, "1", "u");
  lg_ledger_checkpoint_t d1;
  lg_ledger_keys_t kd;
  assert_int_equal(lg_ledger_checkpoint(d, &d1, &err), 0);
  assert_int_equal(lg_ledger_keys(d, &kd, &err), 0);
  assert_int_equal(lg_ledger_witness(b, kd.vkey, d1.note, NULL, NULL, &err), LG_EPERM);
  assert_non_null(strstr(err.msg, "未知的密钥"));
  /* And a checkpoint checked against the wrong key. */
  assert_int_equal(lg_ledger_witness(b, ka.vkey, d1.note, NULL, NULL, &err), LG_EPERM);

  /* Witnessed checkpoints audit clean, until their row is edited. */
  const lg_ledger_auditor_t *const auditors[] = {&lg_ledger_witnessed_auditor, NULL};
  lg_ledger_audit_t au;
  assert_int_equal(lg_ledger_audit(b, auditors, &au, &err), 0);
  assert_int_equal(au.objects, 2);
  assert_int_equal(au.findings.len, 0);
  lg_ledger_audit_fini(&au);
  /* Behind landgov's back: another root for the witnessed checkpoint
   * (the other witnessed checkpoint's). */
  assert_int_equal(lg_store_exec(b,
                                 "UPDATE lg_ledger_witnessed SET root = (SELECT w.root FROM"
                                 " lg_ledger_witnessed w WHERE w.size <> 3 LIMIT 1) WHERE size = 3",
                                 NULL),
                   0);
  assert_int_equal(lg_ledger_audit(b, auditors, &au, &err), 0);
  assert_int_equal(au.findings.len, 1);
  assert_int_equal(au.findings.items[0].kind, LG_LEDGER_AUDIT_CHANGED);
  assert_string_equal(au.findings.items[0].object_id, "landgov.example/330100@3");
  assert_int_equal(au.findings.items[0].entry, 0);
  lg_ledger_audit_fini(&au);

  lg_free(akey);
  lg_free(ckey);
  lg_ledger_checkpoint_fini(&a1);
  lg_ledger_checkpoint_fini(&a2);
  lg_ledger_checkpoint_fini(&c5);
  lg_ledger_checkpoint_fini(&c6);
  lg_ledger_checkpoint_fini(&d1);
  lg_store_close(a);
  lg_store_close(b);
  lg_store_close(c);
  lg_store_close(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_go_note_kat),
      cmocka_unit_test(test_real_checkpoint_and_cosignature),
      cmocka_unit_test(test_malformed_notes_and_keys),
      cmocka_unit_test(test_keys_created_once),
      cmocka_unit_test(test_checkpoints),
      cmocka_unit_test(test_witness),
  };
  lg_log_set_level(LG_LOG_WARN);
  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
