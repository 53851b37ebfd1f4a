/*
 * Files and text encodings. Chinese land data arrives as GBK, UTF-8 with or
 * without a BOM, or UTF-16LE; everything inside landgov is UTF-8, and this
 * file is where bytes become UTF-8 (through iconv, using GB18030 for GBK
 * since it is a strict superset).
 */
#include "core/core.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

int lg_file_read(const char *path, char **out, size_t *len, lg_err_t *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return lg_err_set(err, LG_EIO, "无法打开文件 %s: %s", path, strerror(errno));
  lg_buf_t b;
  lg_buf_init(&b);
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    lg_buf_append(&b, chunk, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    lg_buf_fini(&b);
    return lg_err_set(err, LG_EIO, "读取文件 %s 失败", path);
  }
  if (!b.data) lg_buf_append(&b, "", 0);
  if (len) *len = b.len;
  *out = lg_buf_steal(&b);
  return 0;
}

int lg_file_write(const char *path, const void *data, size_t len, lg_err_t *err) {
  FILE *f = fopen(path, "wb");
  if (!f) return lg_err_set(err, LG_EIO, "无法写入文件 %s: %s", path, strerror(errno));
  size_t w = fwrite(data, 1, len, f);
  if (fclose(f) != 0 || w != len) return lg_err_set(err, LG_EIO, "写入文件 %s 失败", path);
  return 0;
}

bool lg_utf8_valid(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t k;
    unsigned min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      k = 1;
      min = 0x80;
      c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      k = 2;
      min = 0x800;
      c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      k = 3;
      min = 0x10000;
      c &= 0x07;
    } else
      return false;
    if (i + k >= n) return false; /* truncated sequence */
    for (size_t j = 1; j <= k; j++) {
      if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return false;
      c = (c << 6) | (s[i + j] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += k + 1;
  }
  return true;
}

static int convert(const char *to, const char *from, const char *s, size_t n, char **out,
                   size_t *out_len, lg_err_t *err) {
  iconv_t cd = iconv_open(to, from);
  if (cd == (iconv_t)-1) return lg_err_set(err, LG_EUNSUPPORTED, "不支持的字符编码 %s", from);
  size_t cap = n * 4 + 16;
  char *buf = lg_malloc(cap);
  char *in = (char *)s, *o = buf;
  size_t inleft = n, oleft = cap - 4;
  size_t r = iconv(cd, &in, &inleft, &o, &oleft);
  iconv_close(cd);
  if (r == (size_t)-1) {
    size_t off = (size_t)(in - s);
    lg_free(buf);
    return lg_err_set(err, LG_EINVAL, "文本不是有效的 %s 编码 (第 %zu 字节处)", from, off);
  }
  memset(o, 0, 4);
  if (out_len) *out_len = (size_t)(o - buf);
  *out = buf;
  return 0;
}

int lg_iconv_to_utf8(const char *from, const char *s, size_t n, char **out, size_t *out_len,
                     lg_err_t *err) {
  if (strcmp(from, "GBK") == 0 || strcmp(from, "CP936") == 0) from = "GB18030";
  return convert("UTF-8", from, s, n, out, out_len, err);
}

int lg_iconv_from_utf8(const char *to, const char *s, size_t n, char **out, size_t *out_len,
                       lg_err_t *err) {
  if (strcmp(to, "GBK") == 0 || strcmp(to, "CP936") == 0) to = "GB18030";
  return convert(to, "UTF-8", s, n, out, out_len, err);
}

/* UTF-16LE text without a BOM: in the first 256 bytes, a third or more of
 * the odd bytes are NUL (ASCII digits and commas dominate coordinate
 * files), and no even byte is. */
static bool looks_utf16le(const unsigned char *u, size_t n) {
  size_t lim = n < 256 ? n : 256, odd_nul = 0, even_nul = 0;
  if (lim < 4) return false;
  for (size_t i = 0; i + 1 < lim; i += 2) {
    even_nul += u[i] == 0;
    odd_nul += u[i + 1] == 0;
  }
  return even_nul == 0 && odd_nul * 3 >= lim / 2;
}

int lg_text_decode(const char *s, size_t n, char **out, size_t *out_len, const char **enc,
                   lg_err_t *err) {
  const unsigned char *u = (const unsigned char *)s;
  const char *e;
  if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
    e = "UTF-8-BOM";
    s += 3;
    n -= 3;
  } else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
    e = "UTF-16LE";
    s += 2;
    n -= 2;
  } else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
    e = "UTF-16BE";
    s += 2;
    n -= 2;
  } else if (looks_utf16le(u, n)) {
    e = "UTF-16LE"; /* no BOM, but many ASCII characters with NUL high bytes */
  } else if (lg_utf8_valid(s, n)) {
    e = "UTF-8";
  } else {
    e = "GBK";
  }
  if (enc) *enc = e;
  if (strncmp(e, "UTF-8", 5) == 0) {
    if (!lg_utf8_valid(s, n)) return lg_err_set(err, LG_EINVAL, "文本声明为 UTF-8 但含有无效字节");
    *out = lg_strndup(s, n);
    if (out_len) *out_len = n;
    return 0;
  }
  return lg_iconv_to_utf8(e, s, n, out, out_len, err);
}

char *lg_trim(char *s) {
  char *p = s;
  while (*p && isspace((unsigned char)*p))
    p++;
  size_t n = strlen(p);
  while (n && isspace((unsigned char)p[n - 1]))
    n--;
  memmove(s, p, n);
  s[n] = '\0';
  return s;
}

/* Length of the Unicode white space (Unicode's White_Space property, and
 * the zero-width no-break space U+FEFF that editors leave) that starts s,
 * 0 when s starts with something visible. */
static size_t space_len(const unsigned char *s) {
  if (*s == ' ' || (*s >= '\t' && *s <= '\r')) return 1;
  if (s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0)) return 2; /* U+0085, U+00A0 */
  if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) return 3;   /* U+1680 */
  if (s[0] == 0xE2 && s[1] == 0x80 &&
      (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
    return 3;                                                 /* U+2000-200A, 2028, 2029, 202F */
  if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) return 3; /* U+205F */
  if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) return 3; /* U+3000 ideographic space */
  if (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) return 3; /* U+FEFF */
  return 0;
}

bool lg_text_blank(const char *s) {
  if (!s) return true;
  const unsigned char *p = (const unsigned char *)s;
  for (size_t n; *p; p += n)
    if (!(n = space_len(p))) return false;
  return true;
}
