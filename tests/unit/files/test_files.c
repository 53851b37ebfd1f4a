/*
 * files: documents in the store, on both backends. Types come from the
 * content (libmagic, an independent judge): a real executable named .pdf
 * is refused, a PDF named .txt is a PDF. Versions count up per owner and
 * kind; the same bytes are kept once; what is read back is what was put,
 * byte for byte (compared with the source file); every version is on the
 * ledger, and a chunk changed behind landgov's back is found by the audit
 * and refused when read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files/files.h"
#include "ledger/ledger.h"
#include "lg_test.h"

static char path[256], dir[128];
static lg_store_t *S;

/* A PDF as short as a PDF can be (PDF 1.4: header, one page, xref,
 * trailer). */
static const char pdf[] =
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    "xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    "0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n166\n%%EOF\n";

/* A 1 x 1 PNG (signature, IHDR, IDAT, IEND). */
static const unsigned char png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static int setup(void **state) {
  snprintf(dir, sizeof dir, "/tmp/lg_test_files_%d", (int)getpid());
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/files.gpkg", dir);
  lg_test_remove_store(path);
  lg_err_t err = {0};
  if (lg_store_open(lg_test_target(path), LG_STORE_CREATE, &S, &err) != 0) {
    fprintf(stderr, "open: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_store_close(S);
  lg_test_remove_store(path);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static char *write_tmp(const char *name, const void *data, size_t n) {
  char *p = lg_sprintf("%s/%s", dir, name);
  lg_err_t err = {0};
  if (lg_file_write(p, data, n, &err)) fail_msg("%s", err.msg);
  return p;
}

static const lg_file_put_t base = {.owner_type = "case",
                                   .owner_id = "7",
                                   .kind = "material:site_plan",
                                   .actor = "clerk",
                                   .role = "clerk",
                                   .jurisdiction = "360781"};

static void test_types_from_content(void **state) {
  lg_err_t err = {0};
  lg_file_info_t f;
  /* A PDF named .txt is a PDF. */
  char *p = write_tmp("plan.txt", pdf, sizeof pdf - 1);
  lg_file_put_t put = base;
  assert_int_equal(lg_files_put_path(S, &put, p, &f, &err), 0);
  assert_string_equal(f.mime, "application/pdf");
  assert_string_equal(f.name, "plan.txt");
  assert_int_equal(f.version, 1);
  assert_int_equal(f.size, (int64_t)(sizeof pdf - 1));
  lg_free(p);
  /* A real program named .pdf is refused, by what it is. */
  lg_buf_t prog;
  lg_buf_init(&prog);
  char *bytes = NULL;
  size_t n = 0;
  assert_int_equal(lg_file_read("/bin/true", &bytes, &n, &err), 0);
  p = write_tmp("innocent.pdf", bytes, n);
  lg_free(bytes);
  assert_int_equal(lg_files_put_path(S, &put, p, NULL, &err), LG_EINVAL);
  if (!strstr(err.msg, "可执行")) fail_msg("message: %s", err.msg);
  lg_free(p);
  lg_buf_fini(&prog);
  /* Empty, or with a path in its name: refused, and nothing stored. */
  p = write_tmp("empty.pdf", "", 0);
  assert_int_equal(lg_files_put_path(S, &put, p, NULL, &err), LG_EINVAL);
  if (!strstr(err.msg, "空")) fail_msg("message: %s", err.msg);
  lg_free(p);
  put.name = "../../etc/passwd";
  assert_int_equal(lg_files_put_mem(S, &put, pdf, sizeof pdf - 1, NULL, &err), LG_EINVAL);
  if (!strstr(err.msg, "路径分隔符")) fail_msg("message: %s", err.msg);
  put.name = "bad\nname.pdf";
  assert_int_equal(lg_files_put_mem(S, &put, pdf, sizeof pdf - 1, NULL, &err), LG_EINVAL);
  /* Over the limit (a setting). */
  assert_int_equal(lg_store_setting_set(S, "files.max_bytes", "100", &err), 0);
  put.name = "big.pdf";
  assert_int_equal(lg_files_put_mem(S, &put, pdf, sizeof pdf - 1, NULL, &err), LG_ELIMIT);
  assert_int_equal(lg_store_setting_set(S, "files.max_bytes", "67108864", &err), 0);
  json_t *list = NULL;
  assert_int_equal(lg_files_list(S, "case", "7", &list, &err), 0);
  assert_int_equal(json_array_size(list), 1);
  json_decref(list);
}

static void test_versions_and_content(void **state) {
  lg_err_t err = {0};
  lg_file_put_t put = base;
  put.owner_id = "8";
  put.name = "photo.png";
  lg_file_info_t a, b, c;
  assert_int_equal(lg_files_put_mem(S, &put, png, sizeof png, &a, &err), 0);
  assert_string_equal(a.mime, "image/png");
  /* The same kind again: version 2; the same bytes elsewhere: kept once. */
  assert_int_equal(lg_files_put_mem(S, &put, pdf, sizeof pdf - 1, &b, &err), 0);
  assert_int_equal(b.version, 2);
  put.owner_id = "9";
  assert_int_equal(lg_files_put_mem(S, &put, png, sizeof png, &c, &err), 0);
  assert_int_equal(c.version, 1);
  assert_string_equal(c.sha256, a.sha256);
  lg_stmt_t *st;
  assert_int_equal(
      lg_store_prepare(S, "SELECT count(*) FROM lg_file_blobs WHERE sha256 = ?", &st, &err), 0);
  lg_store_bind_text(st, 1, a.sha256);
  assert_int_equal(lg_store_step(st), LG_ROW);
  assert_int_equal(lg_store_col_int(st, 0), 1);
  lg_store_done(st);
  lg_file_info_t latest;
  assert_int_equal(lg_files_latest(S, "case", "8", "material:site_plan", &latest, &err), 0);
  assert_int_equal(latest.id, b.id);
  /* Byte for byte, and the digest is SHA-256 of the bytes (sha256sum). */
  lg_buf_t back;
  lg_buf_init(&back);
  assert_int_equal(lg_files_read_all(S, a.id, 1 << 20, &back, &err), 0);
  assert_int_equal(back.len, sizeof png);
  assert_memory_equal(back.data, png, sizeof png);
  lg_buf_fini(&back);
  char *p = write_tmp("x.png", png, sizeof png);
  char *cmd = lg_sprintf("sha256sum %s | cut -c1-64", p);
  FILE *fp = popen(cmd, "r");
  char want[80] = "";
  assert_non_null(fgets(want, sizeof want, fp));
  pclose(fp);
  want[64] = '\0';
  assert_string_equal(a.sha256, want);
  lg_free(cmd);
  lg_free(p);
}

/* A file of several chunks, from disk, read back equal. */
static void test_large(void **state) {
  lg_err_t err = {0};
  size_t n = 3 * LG_FILES_CHUNK + 12345;
  unsigned char *data = lg_malloc(n);
  /* Text, so that libmagic calls it text/plain. */
  for (size_t i = 0; i < n; i++)
    data[i] = (unsigned char)("abcdefghij\n"[i % 11]);
  char *p = write_tmp("big.txt", data, n);
  lg_file_put_t put = base;
  put.owner_id = "10";
  lg_file_info_t f;
  assert_int_equal(lg_files_put_path(S, &put, p, &f, &err), 0);
  assert_string_equal(f.mime, "text/plain");
  lg_buf_t back;
  lg_buf_init(&back);
  assert_int_equal(lg_files_read_all(S, f.id, n + 1, &back, &err), 0);
  assert_int_equal(back.len, n);
  assert_memory_equal(back.data, data, n);
  lg_buf_fini(&back);
  lg_free(data);
  lg_free(p);
}

static void test_audit_and_tamper(void **state) {
  lg_err_t err = {0};
  const lg_ledger_auditor_t files = {"file", lg_files_audit_scan};
  const lg_ledger_auditor_t *const auditors[] = {&files, NULL};
  lg_ledger_audit_t a;
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  assert_true(a.objects >= 4);
  assert_int_equal(a.findings.len, 0);
  lg_ledger_audit_fini(&a);
  /* Behind landgov's back: one chunk of the PNG replaced by the PDF's. */
  lg_file_info_t png_v;
  assert_int_equal(lg_files_latest(S, "case", "9", "material:site_plan", &png_v, &err), 0);
  assert_int_equal(lg_test_drop_append_only(S, "lg_file_chunks"), 0);
  char *sql = lg_sprintf("UPDATE lg_file_chunks SET data = (SELECT c.data FROM lg_file_chunks c"
                         " JOIN lg_file_blobs b ON b.sha256 = c.sha256 WHERE b.mime ="
                         " 'application/pdf' LIMIT 1) WHERE sha256 = '%s'",
                         png_v.sha256);
  assert_int_equal(lg_store_exec(S, sql, &err), 0);
  lg_free(sql);
  assert_int_equal(lg_ledger_audit(S, auditors, &a, &err), 0);
  /* Both versions with that content are named. */
  assert_int_equal(a.findings.len, 2);
  assert_int_equal(a.findings.items[0].kind, LG_LEDGER_AUDIT_CHANGED);
  lg_ledger_audit_fini(&a);
  lg_buf_t back;
  lg_buf_init(&back);
  assert_int_equal(lg_files_read_all(S, png_v.id, 1 << 20, &back, &err), LG_ECONFLICT);
  lg_buf_fini(&back);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_from_content),
      cmocka_unit_test(test_versions_and_content),
      cmocka_unit_test(test_large),
      cmocka_unit_test(test_audit_and_tamper),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
