/*
 * Canonical JSON, digests and entry text. Expected outputs are the
 * examples of RFC 8785 (section 3.2.3's sorting example, section 3.2.4's
 * complete example, and the number table of Appendix B, which node's
 * Number.prototype.toString reproduces); digests were computed with
 * node's crypto over the expected text written out here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ledger/ledger.h"

static void assert_canon(const char *json_in, const char *want) {
  json_error_t je;
  json_t *v = json_loads(json_in, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
  if (!v) fail_msg("test input does not parse: %s", je.text);
  lg_buf_t b;
  lg_buf_init(&b);
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_canonical(v, &b, &err), 0);
  if (strcmp(b.data, want) != 0)
    fail_msg("canonical of %s:\n got %s\nwant %s", json_in, b.data, want);
  lg_buf_fini(&b);
  json_decref(v);
}

static void test_rfc8785_numbers(void **state) {
  (void)state;
  /* RFC 8785 Appendix B: IEEE 754 bits and their canonical text. */
  static const struct {
    uint64_t bits;
    const char *want;
  } v[] = {
      {0x0000000000000000ULL, "0"},
      {0x8000000000000000ULL, "0"},
      {0x0000000000000001ULL, "5e-324"},
      {0x8000000000000001ULL, "-5e-324"},
      {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
      {0x4340000000000000ULL, "9007199254740992"},
      {0xc340000000000000ULL, "-9007199254740992"},
      {0x4430000000000000ULL, "295147905179352830000"},
      {0x44b52d02c7e14af5ULL, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6ULL, "1e+23"},
      {0x44b52d02c7e14af7ULL, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4eULL, "999999999999999700000"},
      {0x444b1ae4d6e2ef4fULL, "999999999999999900000"},
      {0x444b1ae4d6e2ef50ULL, "1e+21"},
      {0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8dULL, "0.000001"},
      {0x41b3de4355555553ULL, "333333333.3333332"},
      {0x41b3de4355555554ULL, "333333333.33333325"},
      {0x41b3de4355555555ULL, "333333333.3333333"},
      {0x41b3de4355555556ULL, "333333333.3333334"},
      {0x41b3de4355555557ULL, "333333333.33333343"},
      {0xbecbf647612f3696ULL, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959ULL, "1424953923781206.2"},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(v); i++) {
    double x;
    memcpy(&x, &v[i].bits, sizeof x);
    json_t *j = json_real(x);
    lg_buf_t b;
    lg_buf_init(&b);
    assert_int_equal(lg_ledger_canonical(j, &b, NULL), 0);
    if (strcmp(b.data, v[i].want) != 0)
      fail_msg("%016llx: got %s, want %s", (unsigned long long)v[i].bits, b.data, v[i].want);
    lg_buf_fini(&b);
    json_decref(j);
  }
}

static void test_rfc8785_examples(void **state) {
  (void)state;
  /* Section 3.2.4. */
  assert_canon(
      "{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],"
      " \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
      " \"literals\": [null, true, false]}",
      "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,"
      "1e-27],\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  /* Section 3.2.3: names sorted by UTF-16 code units (the emoji, a
   * surrogate pair, sorts before U+FB33 though its UTF-8 is larger). */
  assert_canon(
      "{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\","
      " \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\", \"1\": \"One\","
      " \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\","
      " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}",
      "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
      "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
      "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
      "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
  /* Control characters: short forms where JSON has them, else \u00xx in
   * lower case; DEL and non-ASCII as they are. */
  assert_canon("[\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\\u00e9\"]",
               "[\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7F\xC3\xA9\"]");
  /* Integers stay integers; nesting; whitespace removed. */
  assert_canon("{ \"b\" : [ 1 , -2 , { \"z\":0, \"a\":[] } ], \"a\" : {} }",
               "{\"a\":{},\"b\":[1,-2,{\"a\":[],\"z\":0}]}");
}

static void test_embedded_nul(void **state) {
  (void)state;
  /* A NUL inside a string is data, written as \u0000 (jansson keeps the
   * length); the bytes after it are not lost. */
  json_t *v = json_stringn("a\0b", 3);
  lg_buf_t b;
  lg_buf_init(&b);
  assert_int_equal(lg_ledger_canonical(v, &b, NULL), 0);
  assert_int_equal(b.len, 10);
  assert_memory_equal(b.data, "\"a\\u0000b\"", 10);
  lg_buf_fini(&b);
  json_decref(v);
}

static void test_digest(void **state) {
  (void)state;
  unsigned char d[32];
  char hex[65];
  lg_err_t err = {0};
  json_t *s = json_pack("{s:s, s:f}", "status", "approved", "area_ha", 1.5);
  assert_int_equal(lg_ledger_digest_json(s, d, &err), 0);
  lg_ledger_hex(d, 32, hex);
  /* sha256('{"area_ha":1.5,"status":"approved"}') */
  assert_string_equal(hex, "51a79b069217c18b18adc527d8ddff1009fcbd6be804982e2547b2f5026cde59");
  json_decref(s);
  /* A deleted object: the digest of JSON null. */
  assert_int_equal(lg_ledger_digest_json(NULL, d, &err), 0);
  lg_ledger_hex(d, 32, hex);
  assert_string_equal(hex, "74234e98afe7498fb5daf1f36ac2d78acc339464f950703b8c019892f982b90b");
}

static void test_entry_text(void **state) {
  (void)state;
  json_t *s = json_pack("{s:s, s:f}", "status", "approved", "area_ha", 1.5);
  lg_ledger_event_t ev = {.actor = "张三",
                          .role = "审批员",
                          .jurisdiction = "330102",
                          .action = "case.approve",
                          .object_type = "case",
                          .object_id = "2026-0001",
                          .time = 1795338000, /* 2026-11-22T09:00:00Z */
                          .state = s};
  lg_buf_t b;
  lg_buf_init(&b);
  lg_err_t err = {0};
  assert_int_equal(lg_ledger_entry_text(&ev, &b, &err), 0);
  assert_string_equal(b.data,
                      "{\"action\":\"case.approve\",\"actor\":\"张三\",\"digest\":"
                      "\"51a79b069217c18b18adc527d8ddff1009fcbd6be804982e2547b2f5026cde59\","
                      "\"jurisdiction\":\"330102\",\"object_id\":\"2026-0001\",\"object_type\":"
                      "\"case\",\"role\":\"审批员\",\"time\":\"2026-11-22T09:00:00Z\",\"v\":1}");
  unsigned char leaf[32];
  char hex[65];
  lg_ledger_leaf_hash(b.data, b.len, leaf);
  lg_ledger_hex(leaf, 32, hex);
  assert_string_equal(hex, "3995de47470923f87cb1de8d5a4aee78fb0fc00079979332f45bd660bed98c39");
  /* The entry is its own canonical form. */
  json_t *parsed = json_loads(b.data, 0, NULL);
  lg_buf_t c;
  lg_buf_init(&c);
  assert_int_equal(lg_ledger_canonical(parsed, &c, &err), 0);
  assert_string_equal(c.data, b.data);
  lg_buf_fini(&c);
  json_decref(parsed);

  /* Missing or malformed fields are named. */
  lg_ledger_event_t bad = ev;
  bad.actor = NULL;
  lg_buf_reset(&b);
  assert_int_equal(lg_ledger_entry_text(&bad, &b, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "actor"));
  bad = ev;
  bad.object_id = "\xff\xfe";
  assert_int_equal(lg_ledger_entry_text(&bad, &b, &err), LG_EINVAL);
  assert_non_null(strstr(err.msg, "object_id"));
  bad = ev;
  bad.time = -5;
  assert_int_equal(lg_ledger_entry_text(&bad, &b, &err), LG_EINVAL);
  lg_buf_fini(&b);
  json_decref(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc8785_numbers), cmocka_unit_test(test_rfc8785_examples),
      cmocka_unit_test(test_embedded_nul),    cmocka_unit_test(test_digest),
      cmocka_unit_test(test_entry_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
