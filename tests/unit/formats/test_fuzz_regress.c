/*
 * formats: inputs fuzz/fuzz_ministry found to misbehave, kept in
 * tests/data/fuzz-regress/ and read back here after the fix.
 *
 * ministry-zone-prefix-overflow.txt: a Y coordinate of 16 integer digits
 * (3838324338383048.719); the message about its zone prefix converted
 * easting / 1e6 to int, undefined beyond INT_MAX (UBSan). The prefix is
 * now printed as the whole number, 3838324338 (by hand: the digits before
 * the last six of the integer part).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

static char *regress_path(const char *name) {
  const char *d = getenv("LG_TESTDATA");
  return lg_sprintf("%s/fuzz-regress/%s", d ? d : "tests/data", name);
}

static void test_zone_prefix_overflow(void **state) {
  char *p = regress_path("ministry-zone-prefix-overflow.txt");
  lg_err_t err = {0};
  lg_formats_mtxt_t *m = NULL;
  assert_int_equal(lg_formats_mtxt_read(p, &m, &err), LG_EINVAL);
  assert_null(m);
  if (!strstr(err.msg, "带号前缀 3838324338 ")) fail_msg("message: %s", err.msg);
  assert_non_null(strstr(err.msg, "J1"));
  lg_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_zone_prefix_overflow)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
