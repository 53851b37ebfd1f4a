/*
 * http/request: the multipart/form-data parser that the check and case
 * uploads share, and the helpers of response compression (which content
 * codings a client accepts, gzip itself). Expected parts are written out
 * by hand from RFC 7578 and RFC 2046; expected Accept-Encoding answers
 * from RFC 9110 12.5.3; gzip output is judged by zlib's own inflate,
 * which knows nothing of landgov.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* cmocka.h needs the three above first. */

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "http/http_int.h"

#define CT "multipart/form-data; boundary=XyZ"

/* What curl -F sends: a field, then a file, then the closing delimiter. */
static const char form[] =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"use\"\r\n"
    "\r\n"
    "1001\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"file\"; filename=\"界址.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "J1,1,2.0,3.0\r\n--XY not a delimiter\r\n"
    "--XyZ--\r\n";

static void test_multipart(void **state) {
  lg_http_part_t p[4];
  int n = -1;
  lg_err_t err = {0};
  assert_int_equal(lg_http_multipart(CT, form, sizeof form - 1, p, 4, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(p[0].name, "use");
  assert_string_equal(p[0].filename, "");
  assert_int_equal(p[0].len, 4);
  assert_memory_equal(p[0].data, "1001", 4);
  /* Header names are case-insensitive; "name=" is not read inside
   * "filename="; the data runs to the CRLF before the next delimiter. */
  assert_string_equal(p[1].name, "file");
  assert_string_equal(p[1].filename, "界址.txt");
  const char *want = "J1,1,2.0,3.0\r\n--XY not a delimiter";
  assert_int_equal(p[1].len, strlen(want));
  assert_memory_equal(p[1].data, want, strlen(want));

  /* A quoted boundary, the parameter's name in capitals (RFC 2045 5.1). */
  assert_int_equal(lg_http_multipart("multipart/form-data; BOUNDARY=\"XyZ\"", form, sizeof form - 1,
                                     p, 4, &n, &err),
                   0);
  assert_int_equal(n, 2);
  /* Unquoted, with a parameter after it. */
  assert_int_equal(lg_http_multipart("multipart/form-data; boundary=XyZ; charset=utf-8", form,
                                     sizeof form - 1, p, 4, &n, &err),
                   0);
  assert_int_equal(n, 2);
}

static void test_multipart_errors(void **state) {
  lg_http_part_t p[4];
  int n;
  lg_err_t err = {0};
  /* No boundary, an empty one, one over 70 characters (RFC 2046 5.1.1). */
  assert_int_equal(lg_http_multipart("multipart/form-data", form, sizeof form - 1, p, 4, &n, &err),
                   LG_EINVAL);
  assert_non_null(strstr(err.msg, "boundary"));
  assert_int_equal(
      lg_http_multipart("multipart/form-data; boundary=", form, sizeof form - 1, p, 4, &n, &err),
      LG_EINVAL);
  char longb[128];
  snprintf(longb, sizeof longb, "multipart/form-data; boundary=%071d", 0);
  assert_int_equal(lg_http_multipart(longb, form, sizeof form - 1, p, 4, &n, &err), LG_EINVAL);
  assert_int_equal(lg_http_multipart(NULL, form, sizeof form - 1, p, 4, &n, &err), LG_EINVAL);
  /* More parts than room: LG_ELIMIT. */
  assert_int_equal(lg_http_multipart(CT, form, sizeof form - 1, p, 1, &n, &err), LG_ELIMIT);
  /* A part cut short: its headers never end, or its data never does. */
  const char cut1[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n";
  assert_int_equal(lg_http_multipart(CT, cut1, sizeof cut1 - 1, p, 4, &n, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "第 1 部分"));
  const char cut2[] = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc";
  assert_int_equal(lg_http_multipart(CT, cut2, sizeof cut2 - 1, p, 4, &n, &err), LG_EINVAL);
  /* No delimiter at all: no parts, which the handlers refuse themselves. */
  assert_int_equal(lg_http_multipart(CT, "hello", 5, p, 4, &n, &err), 0);
  assert_int_equal(n, 0);
  assert_int_equal(lg_http_multipart(CT, "", 0, p, 4, &n, &err), 0);
  assert_int_equal(n, 0);
}

static void test_accepts_encoding(void **state) {
  assert_true(lg_http_accepts_encoding("gzip", "gzip"));
  assert_true(lg_http_accepts_encoding("deflate, gzip;q=0.5, br", "gzip"));
  assert_true(lg_http_accepts_encoding("GZIP", "gzip"));
  assert_true(lg_http_accepts_encoding("x-gzip", "gzip")); /* RFC 9110 8.4.1.3 */
  assert_true(lg_http_accepts_encoding("*", "gzip"));
  assert_true(lg_http_accepts_encoding("br ; q=1.0 , gzip ; q=0.001", "gzip"));
  /* q=0 means "not acceptable"; a coding named outright wins over "*". */
  assert_false(lg_http_accepts_encoding("gzip;q=0", "gzip"));
  assert_false(lg_http_accepts_encoding("gzip;q=0.000", "gzip"));
  assert_false(lg_http_accepts_encoding("*, gzip;q=0", "gzip"));
  assert_true(lg_http_accepts_encoding("*;q=0, gzip", "gzip"));
  assert_false(lg_http_accepts_encoding("*;q=0", "gzip"));
  /* Nothing said, or other codings only. */
  assert_false(lg_http_accepts_encoding(NULL, "gzip"));
  assert_false(lg_http_accepts_encoding("", "gzip"));
  assert_false(lg_http_accepts_encoding("identity", "gzip"));
  assert_false(lg_http_accepts_encoding("gzipx, br", "gzip"));
  /* A malformed q-value refuses rather than guesses. */
  assert_false(lg_http_accepts_encoding("gzip;q=x", "gzip"));
}

static void test_compressible(void **state) {
  assert_true(lg_http_compressible("application/json; charset=utf-8"));
  assert_true(lg_http_compressible("application/geo+json; charset=utf-8"));
  assert_true(lg_http_compressible("application/vnd.mapbox-vector-tile"));
  assert_true(lg_http_compressible("text/html; charset=utf-8"));
  assert_false(lg_http_compressible("image/png"));
  assert_false(lg_http_compressible("application/zip"));
  assert_false(lg_http_compressible(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")); /* a zip already */
  assert_false(lg_http_compressible(NULL));
}

/* gzip of a repetitive 100 kB body: zlib's inflate (with the gzip
 * wrapper) gives back the same bytes, and it is much smaller. */
static void test_gzip(void **state) {
  size_t n = 100000;
  char *in = malloc(n);
  static const char unit[] = "{\"DLBM\":\"0101\",\"DLMC\":\"水田\"},";
  for (size_t i = 0; i < n; i++)
    in[i] = unit[i % (sizeof unit - 1)];
  lg_buf_t gz;
  lg_buf_init(&gz);
  lg_err_t err = {0};
  assert_int_equal(lg_http_gzip(in, n, LG_HTTP_GZIP_CACHED, &gz, &err), 0);
  assert_true(gz.len < n / 10);
  /* RFC 1952: ID1 ID2 = 1f 8b, CM = 8 (deflate). */
  assert_int_equal((unsigned char)gz.data[0], 0x1f);
  assert_int_equal((unsigned char)gz.data[1], 0x8b);
  assert_int_equal(gz.data[2], 8);
  char *back = malloc(n + 16);
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = (Bytef *)gz.data;
  z.avail_in = (uInt)gz.len;
  z.next_out = (Bytef *)back;
  z.avail_out = (uInt)(n + 16);
  assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
  assert_int_equal(z.total_out, n);
  inflateEnd(&z);
  assert_memory_equal(back, in, n);
  /* Nothing in: a valid, empty gzip member. */
  assert_int_equal(lg_http_gzip("", 0, LG_HTTP_GZIP_FAST, &gz, &err), 0);
  assert_true(gz.len >= 18 && gz.len < 30);
  lg_buf_fini(&gz);
  free(back);
  free(in);
}

/* What the server does before sending: a large JSON body is gzipped for
 * a client that asks (the request's headers are read through its
 * connection, so here only the refusal paths without one are seen), a
 * small one or a PNG is left alone, and Vary is said either way for
 * compressible bodies. */
static void test_compress_response(void **state) {
  lg_http_req_t req = {0}; /* no connection: no Accept-Encoding */
  lg_http_res_t res;
  lg_http_res_init(&res);
  char big[4096];
  memset(big, 'a', sizeof big);
  lg_http_body(&res, 200, "application/json; charset=utf-8", big, sizeof big);
  lg_http_compress(&req, &res);
  assert_int_equal(res.body.len, sizeof big); /* not asked for: as it was */
  assert_int_equal(res.headers.len, 1);
  assert_string_equal(res.headers.items[0].name, "Vary");
  assert_string_equal(res.headers.items[0].value, "Accept-Encoding");
  lg_http_res_fini(&res);
  lg_http_res_init(&res);
  lg_http_body(&res, 200, "image/png", big, sizeof big);
  lg_http_compress(&req, &res);
  assert_int_equal(res.headers.len, 0);
  lg_http_res_fini(&res);
  lg_http_res_init(&res);
  lg_http_body(&res, 200, "application/json", big, LG_HTTP_COMPRESS_MIN - 1);
  lg_http_compress(&req, &res);
  assert_int_equal(res.headers.len, 0);
  lg_http_res_fini(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_multipart),
      cmocka_unit_test(test_multipart_errors),
      cmocka_unit_test(test_accepts_encoding),
      cmocka_unit_test(test_compressible),
      cmocka_unit_test(test_gzip),
      cmocka_unit_test(test_compress_response),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
