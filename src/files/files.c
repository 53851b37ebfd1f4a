/*
 * Documents in the store: an upload is hashed and typed from its content
 * (two passes over a file on disk, the first outside any transaction),
 * then written in chunks with its version row and its ledger entry in one
 * transaction; reading streams the chunks back and checks the digest.
 * files.h tells the whole story.
 */
#include "files/files.h"

#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"

/* Types no list may let in: programs and scripts a reviewer's machine
 * might run. */
static const char *const never[] = {"application/x-executable",
                                    "application/x-pie-executable",
                                    "application/x-sharedlib",
                                    "application/x-dosexec",
                                    "application/x-mach-binary",
                                    "application/x-msdownload",
                                    "application/x-elf",
                                    "text/x-shellscript",
                                    "application/x-bytecode.python",
                                    "text/x-msdos-batch",
                                    NULL};

/* ---- Type from content (libmagic) -------------------------------------------- */

static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static void magic_free(void *m) { magic_close(m); }
static void magic_key_make(void) { pthread_key_create(&magic_key, magic_free); }

/* One libmagic handle per thread (a cookie is not shared between threads). */
static magic_t thread_magic(lg_err_t *err) {
  pthread_once(&magic_once, magic_key_make);
  magic_t m = pthread_getspecific(magic_key);
  if (m) return m;
  m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
  if (!m || magic_load(m, NULL) != 0) {
    lg_err_set(err, LG_EINTERNAL, "无法加载文件类型库 (libmagic): %s",
               m ? magic_error(m) : "内存不足");
    if (m) magic_close(m);
    return NULL;
  }
  pthread_setspecific(magic_key, m);
  return m;
}

int lg_files_sniff(const void *head, size_t n, char out[128], lg_err_t *err) {
  magic_t m = thread_magic(err);
  if (!m) return LG_EINTERNAL;
  const char *t = magic_buffer(m, head, n);
  if (!t) return lg_err_set(err, LG_EINTERNAL, "无法识别文件类型: %s", magic_error(m));
  snprintf(out, 128, "%s", t);
  return 0;
}

/* ---- Checks --------------------------------------------------------------------- */

static bool in_csv(const char *csv, const char *item) {
  size_t n = strlen(item);
  for (const char *p = csv; p && *p;) {
    while (*p == ',' || *p == ' ')
      p++;
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    while (len && p[len - 1] == ' ')
      len--;
    if (len == n && strncmp(p, item, n) == 0) return true;
    p = e;
  }
  return false;
}

static int check_name(const char *name, lg_err_t *err) {
  if (!name || !*name) return lg_err_set(err, LG_EINVAL, "文件没有名称");
  size_t n = strlen(name);
  if (n > 255) return lg_err_set(err, LG_EINVAL, "文件名过长 (%zu 字节, 上限 255)", n);
  if (!lg_utf8_valid(name, n)) return lg_err_set(err, LG_EINVAL, "文件名不是有效的 UTF-8 文本");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
      return lg_err_set(err, LG_EINVAL, "文件名 \"%s\" 含有路径分隔符或控制字符; 请改名后再上传",
                        name);
  if (!strcmp(name, ".") || !strcmp(name, ".."))
    return lg_err_set(err, LG_EINVAL, "文件名 \"%s\" 无效", name);
  return 0;
}

/* Size and type against the settings and the caller's list. */
static int check_kind(lg_store_t *s, const lg_file_put_t *p, const char *name, int64_t size,
                      const char *mime, lg_err_t *err) {
  if (size <= 0) return lg_err_set(err, LG_EINVAL, "文件 %s 是空的", name);
  int64_t max = lg_store_setting_int(s, "files.max_bytes");
  if (size > max)
    return lg_err_set(err, LG_ELIMIT, "文件 %s 有 %.1f MB, 超过上限 %.1f MB (设置 files.max_bytes)",
                      name, size / 1048576.0, max / 1048576.0);
  for (const char *const *t = never; *t; t++)
    if (!strcmp(mime, *t))
      return lg_err_set(err, LG_EINVAL, "文件 %s 是可执行程序或脚本 (%s), 不能上传", name, mime);
  bool ok = false;
  if (p->types) {
    for (const char *const *t = p->types; *t && !ok; t++)
      ok = !strcmp(*t, mime);
  } else {
    char list[LG_SETTING_MAX];
    lg_store_setting_text(s, "files.types", list, sizeof list);
    ok = in_csv(list, mime);
  }
  if (!ok)
    return lg_err_set(err, LG_EINVAL,
                      "文件 %s 的内容类型是 %s, 不在允许的类型中 (按内容识别, 与扩展名无关; "
                      "管理员可在设置 files.types 中增加)",
                      name, mime);
  return 0;
}

/* ---- What the ledger records of a version ----------------------------------------- */

static json_t *state_json(const lg_file_info_t *f) {
  return json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
                   (json_int_t)f->id, "owner_type", f->owner_type, "owner_id", f->owner_id, "kind",
                   f->kind, "version", f->version, "name", f->name, "mime", f->mime, "size",
                   (json_int_t)f->size, "sha256", f->sha256, "uploaded_by", f->uploaded_by,
                   "uploaded_at", f->uploaded_at);
}

json_t *lg_files_info_json(const lg_file_info_t *f) {
  json_t *o = state_json(f);
  return o ? o : json_object();
}

/* ---- Writing --------------------------------------------------------------------- */

typedef struct source {
  int fd; /* >= 0: a file */
  const unsigned char *mem;
  size_t n; /* bytes of mem, or of the file */
} source_t;

/* Reads the next up to LG_FILES_CHUNK bytes at offset off. */
static ssize_t source_read(const source_t *src, size_t off, unsigned char *buf) {
  if (src->fd < 0) {
    size_t k = off < src->n ? LG_MIN(LG_FILES_CHUNK, src->n - off) : 0;
    memcpy(buf, src->mem + off, k);
    return (ssize_t)k;
  }
  size_t got = 0;
  while (got < LG_FILES_CHUNK) {
    ssize_t r = pread(src->fd, buf + got, LG_FILES_CHUNK - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static void hex(const unsigned char *h, char out[65]) {
  for (int i = 0; i < 32; i++)
    snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* First pass: digest and the first bytes' type. */
static int digest_source(const source_t *src, const char *name, char sha[65], char mime[128],
                         unsigned char *buf, lg_err_t *err) {
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  size_t off = 0;
  for (;;) {
    ssize_t k = source_read(src, off, buf);
    if (k < 0) return lg_err_set(err, LG_EIO, "读取文件 %s 失败: %s", name, strerror(errno));
    if (k == 0) break;
    if (off == 0 && lg_files_sniff(buf, (size_t)k, mime, err)) return LG_EINTERNAL;
    crypto_hash_sha256_update(&h, buf, (unsigned long long)k);
    off += (size_t)k;
  }
  if (off != src->n)
    return lg_err_set(err, LG_EIO,
                      "文件 %s 在读取时大小改变了 (%zu, 应为 %zu 字节); 上传未完成, "
                      "请重新上传",
                      name, off, src->n);
  unsigned char d[32];
  crypto_hash_sha256_final(&h, d);
  hex(d, sha);
  return 0;
}

/* Second pass, inside the transaction: the content's chunks, unless the
 * same content is stored already. */
static int write_blob(lg_store_t *s, const source_t *src, const char *name, const char *sha,
                      const char *mime, unsigned char *buf, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT 1 FROM lg_file_blobs WHERE sha256 = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, sha);
  bool have = lg_store_step(st) == LG_ROW;
  lg_store_done(st);
  if (have) return 0;
  int64_t chunks = (int64_t)((src->n + LG_FILES_CHUNK - 1) / LG_FILES_CHUNK);
  char ts[32];
  lg_time_iso(lg_now(), ts);
  if ((rc = lg_store_prepare(s,
                             "INSERT INTO lg_file_blobs(sha256, size, mime, chunks, created_at)"
                             " VALUES (?, ?, ?, ?, ?)",
                             &st, err)))
    return rc;
  lg_store_bind_text(st, 1, sha);
  lg_store_bind_int(st, 2, (int64_t)src->n);
  lg_store_bind_text(st, 3, mime);
  lg_store_bind_int(st, 4, chunks);
  lg_store_bind_text(st, 5, ts);
  if ((rc = lg_store_run_done(st, "保存文件失败", err))) return rc;
  if ((rc = lg_store_prepare(s, "INSERT INTO lg_file_chunks(sha256, seq, data) VALUES (?, ?, ?)",
                             &st, err)))
    return rc;
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  size_t off = 0;
  for (int64_t seq = 0; rc == 0 && off < src->n; seq++) {
    ssize_t k = source_read(src, off, buf);
    if (k <= 0) {
      rc = lg_err_set(err, LG_EIO, "读取文件 %s 失败", name);
      break;
    }
    crypto_hash_sha256_update(&h, buf, (unsigned long long)k);
    lg_store_bind_text(st, 1, sha);
    lg_store_bind_int(st, 2, seq);
    lg_store_bind_blob(st, 3, buf, (size_t)k);
    rc = lg_store_run(st, "保存文件内容失败", err);
    lg_store_reset(st);
    off += (size_t)k;
  }
  lg_store_done(st);
  if (rc) return rc;
  unsigned char d[32];
  char again[65];
  crypto_hash_sha256_final(&h, d);
  hex(d, again);
  if (strcmp(again, sha))
    return lg_err_set(err, LG_EIO, "文件 %s 在上传时被改动了; 上传未完成, 请重新上传", name);
  return 0;
}

static int put(lg_store_t *s, const lg_file_put_t *p, const source_t *src, const char *name,
               lg_file_info_t *out, lg_err_t *err) {
  if (!p || !p->owner_type || !*p->owner_type || !p->owner_id || !*p->owner_id || !p->kind ||
      !*p->kind || !p->actor || !*p->actor)
    return lg_err_set(err, LG_EINVAL, "保存文件: 缺少所属对象、文件种类或上传人");
  if (sodium_init() < 0) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  int rc = check_name(name, err);
  if (rc) return rc;
  lg_file_info_t f = {0};
  unsigned char *buf = lg_malloc(LG_FILES_CHUNK);
  if ((rc = digest_source(src, name, f.sha256, f.mime, buf, err)) == 0)
    rc = check_kind(s, p, name, (int64_t)src->n, f.mime, err);
  if (rc) {
    lg_free(buf);
    return rc;
  }
  f.size = (int64_t)src->n;
  snprintf(f.name, sizeof f.name, "%s", name);
  snprintf(f.owner_type, sizeof f.owner_type, "%s", p->owner_type);
  snprintf(f.owner_id, sizeof f.owner_id, "%s", p->owner_id);
  snprintf(f.kind, sizeof f.kind, "%s", p->kind);
  snprintf(f.uploaded_by, sizeof f.uploaded_by, "%s", p->actor);
  lg_time_iso(lg_now(), f.uploaded_at);

  lg_stmt_t *st;
  if ((rc = lg_store_begin(s, err))) goto out;
  rc = write_blob(s, src, name, f.sha256, f.mime, buf, err);
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "SELECT coalesce(max(version), 0) + 1 FROM lg_files"
                                        " WHERE owner_type = ? AND owner_id = ? AND kind = ?",
                                        &st, err)) == 0) {
    lg_store_bind_text(st, 1, f.owner_type);
    lg_store_bind_text(st, 2, f.owner_id);
    lg_store_bind_text(st, 3, f.kind);
    f.version = lg_store_step(st) == LG_ROW ? (int)lg_store_col_int(st, 0) : 1;
    lg_store_done(st);
  }
  if (rc == 0 && (rc = lg_store_prepare(s,
                                        "INSERT INTO lg_files(owner_type, owner_id, kind, version,"
                                        " name, sha256, size, mime, uploaded_by, uploaded_at)"
                                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                        &st, err)) == 0) {
    lg_store_bind_text(st, 1, f.owner_type);
    lg_store_bind_text(st, 2, f.owner_id);
    lg_store_bind_text(st, 3, f.kind);
    lg_store_bind_int(st, 4, f.version);
    lg_store_bind_text(st, 5, f.name);
    lg_store_bind_text(st, 6, f.sha256);
    lg_store_bind_int(st, 7, f.size);
    lg_store_bind_text(st, 8, f.mime);
    lg_store_bind_text(st, 9, f.uploaded_by);
    lg_store_bind_text(st, 10, f.uploaded_at);
    rc = lg_store_insert_id(st, &f.id, "保存文件记录失败", err);
  }
  if (rc == 0) {
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)f.id);
    json_t *state = state_json(&f);
    lg_ledger_event_t ev = {.actor = p->actor,
                            .role = p->role,
                            .jurisdiction = p->jurisdiction,
                            .action = "file.put",
                            .object_type = "file",
                            .object_id = oid,
                            .state = state};
    rc = lg_ledger_append(s, &ev, NULL, err);
    json_decref(state);
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    lg_store_rollback(s);
out:
  lg_free(buf);
  if (rc == 0 && out) *out = f;
  return rc;
}

int lg_files_put_path(lg_store_t *s, const lg_file_put_t *p, const char *path, lg_file_info_t *out,
                      lg_err_t *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lg_err_set(err, LG_EIO, "无法打开文件 %s: %s", path, strerror(errno));
  struct stat stt;
  int rc = 0;
  if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
    rc = lg_err_set(err, LG_EIO, "%s 不是普通文件", path);
  } else {
    const char *base = strrchr(path, '/');
    source_t src = {.fd = fd, .n = (size_t)stt.st_size};
    rc = put(s, p, &src, p->name && *p->name ? p->name : base ? base + 1 : path, out, err);
  }
  close(fd);
  return rc;
}

int lg_files_put_mem(lg_store_t *s, const lg_file_put_t *p, const void *data, size_t n,
                     lg_file_info_t *out, lg_err_t *err) {
  source_t src = {.fd = -1, .mem = data, .n = n};
  return put(s, p, &src, p->name, out, err);
}

/* ---- Reading --------------------------------------------------------------------- */

#define INFO_COLS                                                                                  \
  "id, owner_type, owner_id, kind, version, name, sha256, size, mime, uploaded_by,"                \
  " uploaded_at FROM lg_files"

static void copy_text(char *dst, size_t n, lg_stmt_t *st, int i) {
  const char *t = lg_store_col_text(st, i);
  snprintf(dst, n, "%s", t ? t : "");
}

static void read_info(lg_stmt_t *st, lg_file_info_t *f) {
  memset(f, 0, sizeof *f);
  f->id = lg_store_col_int(st, 0);
  copy_text(f->owner_type, sizeof f->owner_type, st, 1);
  copy_text(f->owner_id, sizeof f->owner_id, st, 2);
  copy_text(f->kind, sizeof f->kind, st, 3);
  f->version = (int)lg_store_col_int(st, 4);
  copy_text(f->name, sizeof f->name, st, 5);
  copy_text(f->sha256, sizeof f->sha256, st, 6);
  f->size = lg_store_col_int(st, 7);
  copy_text(f->mime, sizeof f->mime, st, 8);
  copy_text(f->uploaded_by, sizeof f->uploaded_by, st, 9);
  copy_text(f->uploaded_at, sizeof f->uploaded_at, st, 10);
}

int lg_files_get(lg_store_t *s, int64_t id, lg_file_info_t *out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT " INFO_COLS " WHERE id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, id);
  rc = lg_store_step(st);
  if (rc == LG_ROW) read_info(st, out);
  lg_store_done(st);
  if (rc == LG_ROW) return 0;
  if (rc < 0) return lg_store_fail(s, err, "读取文件记录失败");
  return lg_err_set(err, LG_ENOTFOUND, "文件 %lld 不存在", (long long)id);
}

int lg_files_latest(lg_store_t *s, const char *owner_type, const char *owner_id, const char *kind,
                    lg_file_info_t *out, lg_err_t *err) {
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s,
                       "SELECT " INFO_COLS " WHERE owner_type = ? AND owner_id = ? AND kind = ?"
                       " ORDER BY version DESC LIMIT 1",
                       &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, owner_type);
  lg_store_bind_text(st, 2, owner_id);
  lg_store_bind_text(st, 3, kind);
  rc = lg_store_step(st);
  if (rc == LG_ROW) read_info(st, out);
  lg_store_done(st);
  if (rc == LG_ROW) return 0;
  if (rc < 0) return lg_store_fail(s, err, "读取文件记录失败");
  return lg_err_set(err, LG_ENOTFOUND, "%s %s 没有 %s 文件", owner_type, owner_id, kind);
}

int lg_files_list(lg_store_t *s, const char *owner_type, const char *owner_id, json_t **out,
                  lg_err_t *err) {
  lg_stmt_t *st;
  *out = NULL;
  int rc = lg_store_prepare(s,
                            "SELECT " INFO_COLS " WHERE owner_type = ? AND owner_id = ?"
                            " ORDER BY kind, version DESC",
                            &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, owner_type);
  lg_store_bind_text(st, 2, owner_id);
  json_t *arr = json_array();
  while ((rc = lg_store_step(st)) == LG_ROW) {
    lg_file_info_t f;
    read_info(st, &f);
    json_array_append_new(arr, lg_files_info_json(&f));
  }
  lg_store_done(st);
  if (rc < 0) {
    json_decref(arr);
    return lg_store_fail(s, err, "读取文件列表失败");
  }
  *out = arr;
  return 0;
}

/* Streams the chunks of a content, hashing as it goes; *digest receives
 * what was read. */
static int stream(lg_store_t *s, const char *sha, lg_files_sink_fn sink, void *ctx, char digest[65],
                  int64_t *size, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT data FROM lg_file_chunks WHERE sha256 = ? ORDER BY seq", &st,
                            err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, sha);
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  int step;
  *size = 0;
  while (rc == 0 && (step = lg_store_step(st)) == LG_ROW) {
    size_t n = 0;
    const void *b = lg_store_col_blob(st, 0, &n);
    crypto_hash_sha256_update(&h, b, (unsigned long long)n);
    *size += (int64_t)n;
    if (sink && sink(ctx, b, n) != 0) rc = lg_err_set(err, LG_EIO, "写出文件内容失败");
  }
  if (rc == 0 && step < 0) rc = lg_store_fail(s, err, "读取文件内容失败");
  lg_store_done(st);
  unsigned char d[32];
  crypto_hash_sha256_final(&h, d);
  hex(d, digest);
  return rc;
}

int lg_files_read(lg_store_t *s, int64_t id, lg_files_sink_fn sink, void *ctx, lg_err_t *err) {
  lg_file_info_t f;
  int rc = lg_files_get(s, id, &f, err);
  if (rc) return rc;
  char got[65];
  int64_t size = 0;
  if ((rc = stream(s, f.sha256, sink, ctx, got, &size, err))) return rc;
  if (strcmp(got, f.sha256) || size != f.size)
    return lg_err_set(
        err, LG_ECONFLICT,
        "文件 %lld (%s) 的内容与记录的摘要不符, 已被改动; 请运行 landgov ledger audit",
        (long long)id, f.name);
  return 0;
}

typedef struct {
  lg_buf_t *out;
  size_t max;
} collect_t;

static int collect(void *ctx, const void *data, size_t n) {
  collect_t *c = ctx;
  if (c->out->len + n > c->max) return -1;
  lg_buf_append(c->out, data, n);
  return 0;
}

int lg_files_read_all(lg_store_t *s, int64_t id, size_t max, lg_buf_t *out, lg_err_t *err) {
  lg_file_info_t f;
  int rc = lg_files_get(s, id, &f, err);
  if (rc) return rc;
  if ((size_t)f.size > max)
    return lg_err_set(err, LG_ELIMIT, "文件 %s 有 %lld 字节, 超过此处可读的 %zu 字节", f.name,
                      (long long)f.size, max);
  collect_t c = {out, max};
  return lg_files_read(s, id, collect, &c, err);
}

/* ---- Audit ------------------------------------------------------------------------ */

int lg_files_audit_scan(lg_store_t *s,
                        int (*emit)(void *ctx, const char *object_id,
                                    const unsigned char digest[32]),
                        void *ctx, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "SELECT " INFO_COLS " ORDER BY id", &st, err);
  if (rc) return rc;
  /* The rows first (a scan of chunks per row would need a second
   * statement on the connection while this one is open). */
  LG_VEC(lg_file_info_t) rows = {0};
  while (lg_store_step(st) == LG_ROW) {
    lg_file_info_t f;
    read_info(st, &f);
    lg_vec_push(&rows, f);
  }
  lg_store_done(st);
  for (size_t i = 0; rc == 0 && i < rows.len; i++) {
    lg_file_info_t *f = &rows.items[i];
    int64_t size = 0;
    char got[65];
    /* The state as recorded, with the digest and size of what is stored now. */
    if ((rc = stream(s, f->sha256, NULL, NULL, got, &size, err))) break;
    memcpy(f->sha256, got, sizeof got);
    f->size = size;
    json_t *state = state_json(f);
    unsigned char d[32];
    rc = lg_ledger_digest_json(state, d, err);
    json_decref(state);
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", (long long)f->id);
    if (rc == 0) rc = emit(ctx, oid, d);
  }
  lg_free(rows.items);
  return rc;
}
