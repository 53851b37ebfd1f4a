/*
 * Keys, signed notes and checkpoints: the part of the ledger that lets
 * someone who does not trust the bureau's database check it.
 *
 * Formats are the C2SP ones, so that the Go tooling of the transparency
 * community (golang.org/x/mod/sumdb/note, the witness network) reads them:
 *   signed-note      text ending in "\n", a blank line, then lines
 *                    "— <key name> <base64(key id || signature)>"; the key
 *                    id is SHA-256(name || "\n" || type || public key)[:4];
 *                    Ed25519 signatures (type 0x01) are over the text.
 *   tlog-checkpoint  the text is "<origin>\n<tree size>\n<base64 root>\n".
 *   tlog-cosignature a witness's Ed25519 cosignature (type 0x04) signs
 *                    "cosignature/v1\ntime <t>\n" + the checkpoint text and
 *                    carries an 8-byte big-endian timestamp before the
 *                    64-byte signature.
 * Verifier keys are "<name>+<key id, 8 hex digits>+<base64(type || key)>",
 * signer keys "PRIVATE+KEY+<name>+<key id>+<base64(type || seed)>".
 */
#include "ledger/ledger_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EM_DASH "\xE2\x80\x94" /* U+2014, which opens a signature line */
#define TYPE_ED25519 0x01
#define TYPE_COSIG 0x04
#define MAX_NOTE (64 * 1024) /* refuse larger notes before parsing them */

uint32_t ledger_key_id(const char *name, int type, const unsigned char pub[32]) {
  crypto_hash_sha256_state st;
  unsigned char h[32], t = (unsigned char)type, nl = '\n';
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
  crypto_hash_sha256_update(&st, &nl, 1);
  crypto_hash_sha256_update(&st, &t, 1);
  crypto_hash_sha256_update(&st, pub, 32);
  crypto_hash_sha256_final(&st, h);
  return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

void ledger_vkey_format(const char *name, int type, const unsigned char pub[32], char *out,
                        size_t n) {
  unsigned char raw[33];
  char b64[64];
  raw[0] = (unsigned char)type;
  memcpy(raw + 1, pub, 32);
  lg_ledger_b64(raw, sizeof raw, b64);
  snprintf(out, n, "%s+%08x+%s", name, ledger_key_id(name, type, pub), b64);
}

/* Key names: non-empty, no spaces, no '+', no control characters
 * (signed-note, "Signatures"). */
static int check_name(const char *name, lg_err_t *err) {
  size_t n = strlen(name);
  if (n == 0 || n > 200)
    return lg_err_set(err, LG_EINVAL, "密钥名称 \"%s\" 的长度须为 1 到 200 字节", name);
  if (!lg_utf8_valid(name, n)) return lg_err_set(err, LG_EINVAL, "密钥名称不是有效的 UTF-8 文本");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p <= 0x20 || *p == '+' || *p == 0x7F)
      return lg_err_set(err, LG_EINVAL,
                        "密钥名称 \"%s\" 含有空格、加号或控制字符 (signed-note 规范不允许)", name);
  /* U+3000, the ideographic space a Chinese keyboard types. */
  if (strstr(name, "\xE3\x80\x80"))
    return lg_err_set(err, LG_EINVAL, "密钥名称 \"%s\" 含有全角空格", name);
  return 0;
}

int lg_ledger_vkey_parse(const char *vkey, char name[256], int *type, unsigned char pub[32],
                         lg_err_t *err) {
  /* name + hash + base64: the name has no '+', base64 may. */
  const char *p1 = strchr(vkey, '+');
  const char *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
  if (!p1 || !p2 || p1 == vkey || (size_t)(p1 - vkey) >= 256 || p2 - p1 != 9)
    return lg_err_set(err, LG_EINVAL,
                      "公钥 \"%.100s\" 格式不对: 应为 名称+8位十六进制编号+base64 公钥", vkey);
  snprintf(name, 256, "%.*s", (int)(p1 - vkey), vkey);
  int rc = check_name(name, err);
  if (rc) return rc;
  char hex[9];
  memcpy(hex, p1 + 1, 8);
  hex[8] = '\0';
  char *end;
  unsigned long id = strtoul(hex, &end, 16);
  if (*end || strspn(hex, "0123456789abcdefABCDEF") != 8)
    return lg_err_set(err, LG_EINVAL, "公钥 \"%.100s\" 的编号 \"%s\" 不是 8 位十六进制数", vkey,
                      hex);
  unsigned char raw[33];
  if (lg_ledger_unb64(p2 + 1, raw, sizeof raw, NULL) != 0)
    return lg_err_set(err, LG_EINVAL, "公钥 \"%.100s\" 的密钥部分不是 33 字节的 base64", vkey);
  if (raw[0] != TYPE_ED25519 && raw[0] != TYPE_COSIG)
    return lg_err_set(err, LG_EUNSUPPORTED,
                      "公钥 %s 的签名算法 0x%02x 不受支持 (只支持 Ed25519: 0x01, 0x04)", name,
                      raw[0]);
  if (ledger_key_id(name, raw[0], raw + 1) != (uint32_t)id)
    return lg_err_set(err, LG_EINVAL, "公钥 %s 的编号 %s 与公钥本身不符", name, hex);
  *type = raw[0];
  memcpy(pub, raw + 1, 32);
  return 0;
}

/* ---- Key files ----------------------------------------------------------- */

/* A GeoPackage's keys sit beside its file; a PostgreSQL store's in the
 * directory LANDGOV_KEY_DIR names (default: the working directory), one
 * pair per database, the same files on every server of a province
 * (docs/scale.md). */
char *lg_ledger_key_path(lg_store_t *s, bool witness) {
  const char *kind = witness ? "witness" : "ledger";
  if (lg_store_backend(s) == LG_STORE_PG) {
    const char *dir = getenv("LANDGOV_KEY_DIR");
    return lg_sprintf("%s/%s.%s.key", dir && *dir ? dir : ".", lg_store_dbname(s), kind);
  }
  return lg_sprintf("%s.%s.key", lg_store_path(s), kind);
}

void ledger_signer_wipe(ledger_signer_t *k) { sodium_memzero(k, sizeof *k); }

static int signer_from_seed(const char *name, int type, const unsigned char seed[32],
                            ledger_signer_t *k) {
  memset(k, 0, sizeof *k);
  snprintf(k->name, sizeof k->name, "%s", name);
  k->type = type;
  if (crypto_sign_seed_keypair(k->pub, k->sk, seed) != 0) return LG_EINTERNAL;
  k->key_id = ledger_key_id(name, type, k->pub);
  return 0;
}

static int read_key_file(const char *path, int want_type, ledger_signer_t *k, lg_err_t *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return LG_ENOTFOUND;
    return lg_err_set(err, LG_EIO, "无法读取密钥文件 %s: %s", path, strerror(errno));
  }
  struct stat st;
  char buf[1024];
  ssize_t n = -1;
  int rc = 0;
  if (fstat(fd, &st) != 0) {
    rc = lg_err_set(err, LG_EIO, "无法读取密钥文件 %s: %s", path, strerror(errno));
  } else if (st.st_mode & 077) {
    /* Like ssh: a key others can read is no longer only ours. */
    rc = lg_err_set(err, LG_EPERM,
                    "密钥文件 %s 的权限 %04o 过宽, 其他用户可以读取; 请执行 chmod 600 %s 后重试",
                    path, (unsigned)(st.st_mode & 07777), path);
  } else if ((n = read(fd, buf, sizeof buf - 1)) < 0) {
    rc = lg_err_set(err, LG_EIO, "无法读取密钥文件 %s: %s", path, strerror(errno));
  }
  close(fd);
  if (rc) return rc;
  buf[n] = '\0';
  lg_trim(buf);
  /* PRIVATE+KEY+<name>+<id>+<base64(type || seed)> */
  const char *pre = "PRIVATE+KEY+";
  char name[256];
  int type = 0;
  unsigned char raw[33];
  const char *p = buf + strlen(pre);
  const char *p1 = strncmp(buf, pre, strlen(pre)) == 0 ? strchr(p, '+') : NULL;
  const char *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
  if (!p1 || !p2 || p2 - p1 != 9 || (size_t)(p1 - p) >= sizeof name ||
      lg_ledger_unb64(p2 + 1, raw, sizeof raw, NULL) != 0) {
    sodium_memzero(buf, sizeof buf);
    return lg_err_set(err, LG_EINVAL, "密钥文件 %s 格式不对 (应为 PRIVATE+KEY+名称+编号+密钥)",
                      path);
  }
  snprintf(name, sizeof name, "%.*s", (int)(p1 - p), p);
  type = raw[0];
  sodium_memzero(buf, sizeof buf);
  if (type != want_type) {
    sodium_memzero(raw, sizeof raw);
    return lg_err_set(err, LG_EINVAL, "密钥文件 %s 的密钥类型 0x%02x 不对 (应为 0x%02x)", path,
                      type, want_type);
  }
  rc = signer_from_seed(name, type, raw + 1, k);
  sodium_memzero(raw, sizeof raw);
  if (rc) return lg_err_set(err, rc, "无法由密钥文件 %s 生成密钥", path);
  return 0;
}

/* Creates a new key file; LG_ECONFLICT when it appeared meanwhile. */
static int create_key_file(const char *path, const char *name, int type, ledger_signer_t *k,
                           lg_err_t *err) {
  unsigned char raw[33];
  raw[0] = (unsigned char)type;
  randombytes_buf(raw + 1, 32);
  int rc = signer_from_seed(name, type, raw + 1, k);
  if (rc) return lg_err_set(err, rc, "生成密钥失败");
  char b64[64], line[400];
  lg_ledger_b64(raw, sizeof raw, b64);
  sodium_memzero(raw, sizeof raw);
  int len = snprintf(line, sizeof line, "PRIVATE+KEY+%s+%08x+%s\n", name, k->key_id, b64);
  sodium_memzero(b64, sizeof b64);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    sodium_memzero(line, sizeof line);
    if (errno == EEXIST) return LG_ECONFLICT;
    return lg_err_set(err, LG_EIO, "无法创建密钥文件 %s: %s", path, strerror(errno));
  }
  if (fchmod(fd, 0600) != 0 || write(fd, line, (size_t)len) != len || fsync(fd) != 0)
    rc = lg_err_set(err, LG_EIO, "写入密钥文件 %s 失败: %s", path, strerror(errno));
  close(fd);
  sodium_memzero(line, sizeof line);
  if (rc) unlink(path);
  return rc;
}

/* "landgov.example/<db file name without extension, or database name>", with characters a
 * key name may not hold replaced. */
static void default_origin(lg_store_t *s, char *out, size_t n) {
  const char *path = lg_store_dbname(s);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strcspn(base, ".");
  if (len == 0) len = strlen(base);
  char name[128];
  size_t j = 0;
  for (size_t i = 0; i < len && j + 1 < sizeof name; i++) {
    unsigned char c = (unsigned char)base[i];
    name[j++] = (c <= 0x20 || c == '+' || c == 0x7F) ? '_' : (char)c;
  }
  name[j] = '\0';
  snprintf(out, n, "landgov.example/%s", j ? name : "ledger");
  if (!lg_utf8_valid(out, strlen(out))) snprintf(out, n, "landgov.example/ledger");
}

/* origin is the name for a new key; `must` says whether an existing key
 * must carry it (a name given or recorded) or may keep its own (a key
 * file put in place by hand, or restored, before the first use). */
static int ensure_key(lg_store_t *s, bool witness, const char *origin, bool must,
                      ledger_signer_t *k, lg_err_t *err) {
  const char *setting = witness ? "ledger.witness_vkey" : "ledger.vkey";
  int type = witness ? TYPE_COSIG : TYPE_ED25519;
  char *path = lg_ledger_key_path(s, witness), *recorded = NULL;
  char vkey[600];
  int rc = lg_store_setting_get(s, setting, &recorded, err);
  for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
    rc = read_key_file(path, type, k, err);
    if (rc == 0) break;
    if (rc != LG_ENOTFOUND) goto done;
    if (recorded) {
      rc = lg_err_set(err, LG_ENOTFOUND,
                      "%s密钥文件 %s 不见了, 而本账本已使用公钥 %s; 请从备份恢复该文件 "
                      "(权限 600), 不要另建新密钥",
                      witness ? "见证" : "签名", path, recorded);
      goto done;
    }
    rc = check_name(origin, err);
    if (rc == 0) rc = create_key_file(path, origin, type, k, err);
    if (rc == LG_ECONFLICT)
      rc = 0; /* created by someone else meanwhile: read it */
    else if (rc == 0) {
      lg_log(LG_LOG_INFO, "已创建%s密钥 %s (%s)", witness ? "见证" : "账本签名", path, origin);
      break;
    }
  }
  if (rc) goto done;
  ledger_vkey_format(k->name, k->type, k->pub, vkey, sizeof vkey);
  if (recorded && strcmp(recorded, vkey) != 0) {
    rc = lg_err_set(err, LG_ECONFLICT,
                    "密钥文件 %s 不是本账本的密钥: 文件中的公钥为 %s, 账本记录的公钥为 %s", path,
                    vkey, recorded);
  } else if (!witness && must && strcmp(k->name, origin) != 0) {
    rc = lg_err_set(err, LG_EINVAL, "账本名称已是 %s, 不能改为 %s", k->name, origin);
  } else if (!recorded) {
    rc = lg_store_setting_set(s, setting, vkey, err);
    if (rc == 0 && !witness) rc = lg_store_setting_set(s, "ledger.origin", k->name, err);
  }
done:
  if (rc) ledger_signer_wipe(k);
  lg_free(recorded);
  lg_free(path);
  return rc;
}

/* Loads both keys (creating missing ones): the log key into *log, the
 * witness key into *wit; either may be NULL. */
static int init_keys(lg_store_t *s, const char *origin, ledger_signer_t *log, ledger_signer_t *wit,
                     lg_err_t *err) {
  if (!ledger_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 无法初始化");
  ledger_signer_t lk, wk;
  char name[300], *recorded = NULL;
  int rc = lg_store_setting_get(s, "ledger.origin", &recorded, err);
  if (rc) return rc;
  bool must = true;
  if (origin && *origin)
    snprintf(name, sizeof name, "%s", origin);
  else if (recorded)
    snprintf(name, sizeof name, "%s", recorded);
  else {
    default_origin(s, name, sizeof name);
    must = false;
  }
  lg_free(recorded);
  rc = ensure_key(s, false, name, must, &lk, err);
  if (rc == 0) {
    char wname[320];
    snprintf(wname, sizeof wname, "%s/witness", lk.name);
    rc = ensure_key(s, true, wname, true, &wk, err);
    if (rc == 0 && wit) *wit = wk;
    ledger_signer_wipe(&wk);
  }
  if (rc == 0 && log) *log = lk;
  ledger_signer_wipe(&lk);
  return rc;
}

int lg_ledger_init(lg_store_t *s, const char *origin, lg_err_t *err) {
  return init_keys(s, origin, NULL, NULL, err);
}

int ledger_load_signer(lg_store_t *s, bool witness, ledger_signer_t *out, lg_err_t *err) {
  return init_keys(s, NULL, witness ? NULL : out, witness ? out : NULL, err);
}

int lg_ledger_keys(lg_store_t *s, lg_ledger_keys_t *out, lg_err_t *err) {
  char *origin = NULL, *vkey = NULL, *wvkey = NULL;
  memset(out, 0, sizeof *out);
  int rc = lg_store_setting_get(s, "ledger.origin", &origin, err);
  if (rc == 0) rc = lg_store_setting_get(s, "ledger.vkey", &vkey, err);
  if (rc == 0) rc = lg_store_setting_get(s, "ledger.witness_vkey", &wvkey, err);
  if (rc == 0 && (!origin || !vkey))
    rc = lg_err_set(err, LG_ENOTFOUND, "账本还没有签名密钥; 请先运行 landgov init");
  if (rc == 0) {
    snprintf(out->origin, sizeof out->origin, "%s", origin);
    snprintf(out->vkey, sizeof out->vkey, "%s", vkey);
    if (wvkey) {
      snprintf(out->witness_vkey, sizeof out->witness_vkey, "%s", wvkey);
      snprintf(out->witness_name, sizeof out->witness_name, "%.*s", (int)strcspn(wvkey, "+"),
               wvkey);
    }
  }
  lg_free(origin);
  lg_free(vkey);
  lg_free(wvkey);
  return rc;
}

/* ---- Notes ---------------------------------------------------------------- */

void ledger_checkpoint_body(lg_buf_t *out, const char *origin, uint64_t size,
                            const unsigned char root[32]) {
  char b64[48];
  lg_ledger_b64(root, 32, b64);
  lg_buf_printf(out, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
}

static void put_u64be(unsigned char *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (unsigned char)(v & 0xFF);
}

static void put_u32be(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

char *ledger_note_sign(const ledger_signer_t *k, const char *body) {
  unsigned char sig[4 + 64];
  char b64[128];
  put_u32be(sig, k->key_id);
  crypto_sign_detached(sig + 4, NULL, (const unsigned char *)body, strlen(body), k->sk);
  lg_ledger_b64(sig, sizeof sig, b64);
  return lg_sprintf("%s\n" EM_DASH " %s %s\n", body, k->name, b64);
}

/* The message a cosignature signs (tlog-cosignature, "Ed25519 signed
 * message"). */
static void cosig_message(lg_buf_t *b, uint64_t t, const char *text, size_t len) {
  lg_buf_printf(b, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
  lg_buf_append(b, text, len);
}

char *ledger_cosign_line(const ledger_signer_t *k, const char *body, uint64_t t) {
  unsigned char sig[4 + 8 + 64];
  char b64[128];
  lg_buf_t m;
  lg_buf_init(&m);
  cosig_message(&m, t, body, strlen(body));
  put_u32be(sig, k->key_id);
  put_u64be(sig + 4, t);
  crypto_sign_detached(sig + 12, NULL, (const unsigned char *)m.data, m.len, k->sk);
  lg_buf_fini(&m);
  lg_ledger_b64(sig, sizeof sig, b64);
  return lg_sprintf(EM_DASH " %s %s\n", k->name, b64);
}

int ledger_note_split(const char *note, size_t *text_len, const char **sigs, lg_err_t *err) {
  size_t len = strlen(note);
  if (len > MAX_NOTE)
    return lg_err_set(err, LG_ELIMIT, "签名文本过长 (%zu 字节, 上限 %d)", len, MAX_NOTE);
  if (!lg_utf8_valid(note, len)) return lg_err_set(err, LG_EINVAL, "签名文本不是有效的 UTF-8");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)note[i];
    if (c < 0x20 && c != '\n') {
      size_t line = 1;
      for (size_t j = 0; j < i; j++)
        line += note[j] == '\n';
      return lg_err_set(err, LG_EINVAL,
                        "签名文本第 %zu 行含有控制字符 0x%02x (只允许换行符; 是否混入了 \\r?)",
                        line, c);
    }
  }
  /* The text is separated from the signatures by the last blank line. */
  const char *sep = NULL;
  for (size_t i = len; i >= 2; i--)
    if (note[i - 1] == '\n' && note[i - 2] == '\n') {
      sep = note + i - 2;
      break;
    }
  if (!sep || sep == note)
    return lg_err_set(err, LG_EINVAL, "不是签名文本: 正文与签名之间缺少空行");
  *text_len = (size_t)(sep - note) + 1;
  *sigs = sep + 2;
  if (!**sigs || note[len - 1] != '\n')
    return lg_err_set(err, LG_EINVAL, "签名文本没有签名行, 或最后一行没有以换行结束");
  return 0;
}

int ledger_checkpoint_parse(const char *text, size_t len, lg_ledger_checkpoint_t *out,
                            lg_err_t *err) {
  /* tlog-checkpoint "Note text": origin, tree size, root hash, then
   * optional non-empty extension lines. */
  const char *line[3];
  size_t llen[3];
  const char *p = text, *end = text + len;
  for (int i = 0; i < 3; i++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return lg_err_set(err, LG_EINVAL, "检查点格式不对: 少于三行 (名称、大小、根哈希)");
    line[i] = p;
    llen[i] = (size_t)(nl - p);
    p = nl + 1;
  }
  for (const char *q = p; q < end; q++)
    if (*q == '\n' && (q == p || q[-1] == '\n'))
      return lg_err_set(err, LG_EINVAL, "检查点格式不对: 扩展行不能为空");
  if (llen[0] == 0 || llen[0] >= sizeof out->origin)
    return lg_err_set(err, LG_EINVAL, "检查点格式不对: 第 1 行 (日志名称) 为空或过长");
  if (llen[1] == 0 || llen[1] > 19 || strspn(line[1], "0123456789") < llen[1] ||
      (llen[1] > 1 && line[1][0] == '0'))
    return lg_err_set(err, LG_EINVAL,
                      "检查点格式不对: 第 2 行 \"%.*s\" 不是没有前导零的十进制树大小",
                      (int)LG_MIN(llen[1], 40), line[1]);
  char rootb64[64];
  if (llen[2] >= sizeof rootb64)
    return lg_err_set(err, LG_EINVAL, "检查点格式不对: 第 3 行 (根哈希) 过长");
  memcpy(rootb64, line[2], llen[2]);
  rootb64[llen[2]] = '\0';
  unsigned char root[32];
  if (lg_ledger_unb64(rootb64, root, 32, NULL) != 0)
    return lg_err_set(err, LG_EINVAL, "检查点格式不对: 第 3 行 \"%s\" 不是 32 字节根哈希的 base64",
                      rootb64);
  unsigned long long size = strtoull(line[1], NULL, 10);
  if (size > INT64_MAX) return lg_err_set(err, LG_EINVAL, "检查点格式不对: 树大小过大");
  if (out) {
    snprintf(out->origin, sizeof out->origin, "%.*s", (int)llen[0], line[0]);
    out->size = size;
    memcpy(out->root, root, 32);
  }
  return 0;
}

int lg_ledger_note_verify(const char *note, const char *vkey, lg_ledger_checkpoint_t *out,
                          lg_err_t *err) {
  char name[256];
  int type;
  unsigned char pub[32];
  size_t text_len;
  const char *sigs;
  lg_ledger_checkpoint_t cp = {0};
  if (out) memset(out, 0, sizeof *out);
  if (!ledger_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 无法初始化");
  int rc = lg_ledger_vkey_parse(vkey, name, &type, pub, err);
  if (rc == 0) rc = ledger_note_split(note, &text_len, &sigs, err);
  if (rc == 0) rc = ledger_checkpoint_parse(note, text_len, &cp, err);
  if (rc) return rc;
  if (type == TYPE_ED25519 && strcmp(cp.origin, name) != 0)
    return lg_err_set(err, LG_EPERM, "检查点来自日志 %s, 而给出的公钥属于 %s", cp.origin, name);
  uint32_t want = ledger_key_id(name, type, pub);
  bool found = false;
  int lineno = 0;
  for (const char *p = sigs; *p && rc == 0; lineno++) {
    const char *nl = strchr(p, '\n');
    size_t dl = strlen(EM_DASH " ");
    if (strncmp(p, EM_DASH " ", dl) != 0)
      return lg_err_set(err, LG_EINVAL, "签名行 %d 格式不对: 应以 \"— \" 开头", lineno + 1);
    const char *nm = p + dl, *sp = memchr(nm, ' ', (size_t)(nl - nm));
    if (!sp || sp == nm)
      return lg_err_set(err, LG_EINVAL, "签名行 %d 格式不对: 缺少密钥名称或签名", lineno + 1);
    char b64[256];
    size_t blen = (size_t)(nl - sp - 1);
    unsigned char raw[192];
    size_t rawlen = 0;
    if (blen == 0 || blen >= sizeof b64)
      return lg_err_set(err, LG_EINVAL, "签名行 %d 的签名长度不对", lineno + 1);
    memcpy(b64, sp + 1, blen);
    b64[blen] = '\0';
    if (sodium_base642bin(raw, sizeof raw, b64, blen, NULL, &rawlen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        rawlen < 4)
      return lg_err_set(err, LG_EINVAL, "签名行 %d 的签名不是有效的 base64", lineno + 1);
    uint32_t id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
    /* Signatures by other keys are ignored (signed-note, "Signatures"). */
    if ((size_t)(sp - nm) == strlen(name) && memcmp(nm, name, strlen(name)) == 0 && id == want) {
      found = true;
      if (type == TYPE_ED25519) {
        if (rawlen != 4 + 64 ||
            crypto_sign_verify_detached(raw + 4, (const unsigned char *)note, text_len, pub) != 0)
          rc = lg_err_set(err, LG_EPERM, "检查点上 %s 的签名无效: 内容被改动, 或签名不是此密钥所签",
                          name);
      } else {
        uint64_t t = 0;
        for (int i = 0; i < 8 && rawlen == 4 + 8 + 64; i++)
          t = t << 8 | raw[4 + i];
        lg_buf_t m;
        lg_buf_init(&m);
        cosig_message(&m, t, note, text_len);
        if (rawlen != 4 + 8 + 64 || t > INT64_MAX ||
            crypto_sign_verify_detached(raw + 12, (const unsigned char *)m.data, m.len, pub) != 0)
          rc = lg_err_set(err, LG_EPERM, "检查点上见证者 %s 的联署签名无效", name);
        lg_buf_fini(&m);
      }
    }
    p = nl + 1;
  }
  if (rc) return rc;
  if (!found)
    return lg_err_set(err, LG_EPERM,
                      "检查点上没有密钥 %s (编号 %08x) 的签名: 未知的密钥, 或检查点不是它签的",
                      name, want);
  if (out) {
    *out = cp;
    out->note = lg_strdup(note);
  }
  return 0;
}

void lg_ledger_checkpoint_fini(lg_ledger_checkpoint_t *cp) {
  if (!cp) return;
  lg_free(cp->note);
  cp->note = NULL;
}

/* ---- Checkpoints of this log --------------------------------------------- */

static int read_checkpoint(lg_store_t *s, const char *sql, int64_t arg, lg_ledger_checkpoint_t *out,
                           lg_err_t *err) {
  lg_stmt_t *st;
  memset(out, 0, sizeof *out);
  if (lg_store_prepare(s, sql, &st, err)) return LG_EDB;
  if (arg >= 0) lg_store_bind_int(st, 1, arg);
  int rc = lg_store_step(st), ret = 0;
  if (rc == LG_ROW) {
    out->size = (uint64_t)lg_store_col_int(st, 0);
    if (lg_store_col_bytes(st, 1) == 32) memcpy(out->root, lg_store_col_blob(st, 1, NULL), 32);
    const char *note = lg_store_col_text(st, 2);
    out->note = lg_strdup(note ? note : "");
    snprintf(out->origin, sizeof out->origin, "%.*s", (int)strcspn(out->note, "\n"), out->note);
    const char *at = lg_store_col_text(st, 3);
    snprintf(out->signed_at, sizeof out->signed_at, "%s", at ? at : "");
  } else if (rc == LG_DONE) {
    ret = arg >= 0 ? lg_err_set(err, LG_ENOTFOUND, "没有大小为 %lld 的检查点", (long long)arg)
                   : lg_err_set(err, LG_ENOTFOUND, "账本还没有签过检查点");
  } else {
    ret = lg_store_fail(s, err, "读取检查点失败");
  }
  lg_store_done(st);
  return ret;
}

int lg_ledger_checkpoint_latest(lg_store_t *s, lg_ledger_checkpoint_t *out, lg_err_t *err) {
  return read_checkpoint(s,
                         "SELECT size, root, note, signed_at FROM lg_ledger_checkpoints"
                         " ORDER BY size DESC LIMIT 1",
                         -1, out, err);
}

int lg_ledger_checkpoint_at(lg_store_t *s, uint64_t size, lg_ledger_checkpoint_t *out,
                            lg_err_t *err) {
  return read_checkpoint(s,
                         "SELECT size, root, note, signed_at FROM lg_ledger_checkpoints"
                         " WHERE size = ?",
                         (int64_t)size, out, err);
}

static int sign_checkpoint(lg_store_t *s, lg_ledger_checkpoint_t *out, lg_err_t *err) {
  uint64_t size;
  unsigned char root[32];
  lg_ledger_checkpoint_t last = {0};
  ledger_signer_t k = {0};
  lg_buf_t body;
  lg_buf_init(&body);
  lg_stmt_t *st = NULL;
  int rc = ledger_load_signer(s, false, &k, err);
  if (rc == 0) rc = lg_ledger_size(s, &size, err);
  if (rc == 0) rc = lg_ledger_root(s, size, root, err);
  if (rc) goto done;
  lg_err_t e = {0};
  rc = lg_ledger_checkpoint_latest(s, &last, &e);
  if (rc != 0 && rc != LG_ENOTFOUND) {
    if (err) *err = e;
    goto done;
  }
  if (rc == 0) {
    /* Never sign a tree that does not extend the last signed one
     * (tlog-checkpoint, "Signatures"). */
    unsigned char old[32];
    if (last.size > size) {
      rc = lg_err_set(err, LG_ECONFLICT,
                      "账本只有 %llu 个条目, 少于已签名检查点的 %llu 个: 条目被删除, 拒绝签名",
                      (unsigned long long)size, (unsigned long long)last.size);
      goto done;
    }
    if ((rc = lg_ledger_root(s, last.size, old, err)) != 0) goto done;
    if (memcmp(old, last.root, 32) != 0) {
      rc = lg_err_set(err, LG_ECONFLICT,
                      "前 %llu 个条目的根哈希与已签名的检查点不符: 账本被改动, 拒绝签名; "
                      "请运行 landgov ledger verify",
                      (unsigned long long)last.size);
      goto done;
    }
    if (last.size == size) {
      *out = last;
      last.note = NULL;
      goto done;
    }
  }
  rc = 0;
  ledger_checkpoint_body(&body, k.name, size, root);
  char *note = ledger_note_sign(&k, body.data);
  char at[32];
  lg_time_iso(lg_now(), at);
  rc = lg_store_prepare(s,
                        "INSERT INTO lg_ledger_checkpoints(size, root, note, signed_at)"
                        " VALUES (?, ?, ?, ?)",
                        &st, err);
  if (rc == 0) {
    lg_store_bind_int(st, 1, (int64_t)size);
    lg_store_bind_blob(st, 2, root, 32);
    lg_store_bind_text(st, 3, note);
    lg_store_bind_text(st, 4, at);
    if (lg_store_step(st) != LG_DONE) rc = lg_store_fail(s, err, "保存检查点失败");
  }
  if (rc == 0) {
    memset(out, 0, sizeof *out);
    snprintf(out->origin, sizeof out->origin, "%s", k.name);
    out->size = size;
    memcpy(out->root, root, 32);
    out->note = note;
    snprintf(out->signed_at, sizeof out->signed_at, "%s", at);
  } else {
    lg_free(note);
  }
done:
  lg_store_done(st);
  lg_ledger_checkpoint_fini(&last);
  ledger_signer_wipe(&k);
  lg_buf_fini(&body);
  return rc;
}

int lg_ledger_checkpoint(lg_store_t *s, lg_ledger_checkpoint_t *out, lg_err_t *err) {
  memset(out, 0, sizeof *out);
  /* Inside a caller's transaction this is a savepoint; the caller
   * commits or rolls back the whole. */
  bool own = true;
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  rc = sign_checkpoint(s, out, err);
  if (own) {
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
    if (rc) lg_ledger_checkpoint_fini(out);
  }
  return rc;
}
