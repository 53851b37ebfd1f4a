/*
 * http/server: a real server in this process on a loopback port the
 * kernel picks, spoken to over a plain socket, so that the bytes on the
 * wire are exactly what the test wrote (no client library normalising
 * "/../" away). Covers the route table, 404/405/413 in the error shape,
 * the guard in front of the API (401 for the public and for credentials
 * that are not valid, with the cookie cleared; Origin and CSRF on
 * changes), static files and every way out of the web directory, then a
 * clean stop (AddressSanitizer's leak check runs at exit).
 */
#define _GNU_SOURCE /* strcasestr */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* cmocka.h needs the three above first. */

#include <arpa/inet.h>
#include <cmocka.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_int.h"
#include "lg_test.h"

static char dir[256], db[300], web[300], vendor[300];
static lg_http_t *server;
static char token[64];      /* an API token of a window clerk */
static char auth_line[128]; /* "Authorization: Bearer <token>\r\n" */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  lg_err_t err = {0};
  snprintf(dir, sizeof dir, "/tmp/lg_test_http_%d", (int)getpid());
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return -1;
  mkdir(dir, 0755);
  snprintf(db, sizeof db, "%s/store.gpkg", dir);
  snprintf(web, sizeof web, "%s/web", dir);
  snprintf(vendor, sizeof vendor, "%s/node_modules", dir);
  mkdir(web, 0755);
  mkdir(vendor, 0755);
  char p[400];
  snprintf(p, sizeof p, "%s/index.html", web);
  write_file(p, "<!doctype html><title>一张图</title>");
  snprintf(p, sizeof p, "%s/secret.txt", dir);
  write_file(p, "TOP-SECRET");
  snprintf(p, sizeof p, "%s/.hidden", web);
  write_file(p, "HIDDEN");
  snprintf(p, sizeof p, "%s/ol", vendor);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/ol/ol.css", vendor);
  write_file(p, ".ol-viewport{}");
  snprintf(p, sizeof p, "%s/playwright-core", vendor);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/playwright-core/index.js", vendor);
  write_file(p, "NOT-FOR-BROWSERS");
  /* A link inside the web directory that points out of it. */
  char target[400];
  snprintf(target, sizeof target, "%s/secret.txt", dir);
  snprintf(p, sizeof p, "%s/link.txt", web);
  if (symlink(target, p) != 0) return -1;

  lg_store_t *s;
  if (lg_store_open(lg_test_target(db), LG_STORE_CREATE, &s, &err) != 0) return -1;
  lg_field_t fields[] = {{"DLBM", LG_FIELD_TEXT}};
  lg_layer_def_t def = {.name = "dltb",
                        .title = "地类图斑",
                        .role = "landuse",
                        .class_field = "DLBM",
                        .geom_type = "POLYGON",
                        .srs_id = 4526,
                        .fields = fields,
                        .nfields = 1};
  lg_store_writer_t *w;
  lg_geo_t *g = lg_geo_thread();
  lg_geom_t *sq = lg_geom_from_wkt(
      g,
      "POLYGON ((38500000 3400000, 38500100 3400000, 38500100 3400100, 38500000 3400100, "
      "38500000 3400000))",
      &err);
  int rc = lg_store_begin(s, &err);
  if (!rc) rc = lg_store_layer_create(s, &def, false, &err);
  if (!rc) rc = lg_store_writer_new(s, "dltb", &w, &err);
  if (!rc) {
    lg_store_writer_text(w, 0, "0101");
    rc = lg_store_writer_add(w, g, sq, NULL, &err);
    if (!rc) rc = lg_store_writer_finish(w, &err);
    lg_store_writer_free(w);
  }
  if (!rc) rc = lg_store_commit(s, &err);
  lg_user_def_t clerk = {.login = "clerk", .role = "clerk", .division = "360781"};
  if (!rc) rc = lg_auth_user_add(s, &clerk, "Unit-Test-2026", NULL, &err);
  if (!rc) rc = lg_auth_token_create(s, "clerk", "test", 0, token, NULL, &err);
  snprintf(auth_line, sizeof auth_line, "Authorization: Bearer %s\r\n", token);
  lg_geom_free(g, sq);
  lg_store_close(s);
  if (rc) {
    fprintf(stderr, "fixture: %s\n", err.msg);
    return -1;
  }
  lg_http_opts_t o = {.host = "127.0.0.1",
                      .port = 0,
                      .threads = 2,
                      .db_path = lg_test_target(db),
                      .web_dir = web,
                      .vendor_dir = vendor,
                      .max_body = 1024,
                      .quiet = true};
  if (lg_http_start(&o, &server, &err) != 0) {
    fprintf(stderr, "start: %s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  lg_http_stop(server);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

typedef struct {
  int status;
  char head[4096];
  char *body; /* points into raw */
  char raw[65536];
} reply_t;

/* Sends raw request bytes and reads the whole reply (Connection: close). */
static void exchange(const char *request, size_t len, reply_t *r) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lg_http_port(server))};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
  size_t off = 0;
  while (off < len) {
    ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);
    if (n <= 0) break; /* the server may answer and close early */
    off += (size_t)n;
  }
  size_t got = 0;
  ssize_t n;
  while (got < sizeof r->raw - 1 && (n = recv(fd, r->raw + got, sizeof r->raw - 1 - got, 0)) > 0)
    got += (size_t)n;
  close(fd);
  r->raw[got] = '\0';
  r->status = 0;
  sscanf(r->raw, "HTTP/1.%*d %d", &r->status);
  char *sep = strstr(r->raw, "\r\n\r\n");
  assert_non_null(sep);
  size_t hl = (size_t)(sep - r->raw);
  if (hl >= sizeof r->head) hl = sizeof r->head - 1;
  memcpy(r->head, r->raw, hl);
  r->head[hl] = '\0';
  r->body = sep + 4;
}

/* A request with extra header lines (each ending in CRLF), no body. */
static void send_with(const char *method, const char *path, const char *headers, reply_t *r) {
  char req[2048];
  int n =
      snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n",
               method, path, headers);
  exchange(req, (size_t)n, r);
}

/* As the public. */
static void get(const char *method, const char *path, reply_t *r) {
  send_with(method, path, "", r);
}

/* As the clerk, with an API token. */
static void get_auth(const char *method, const char *path, reply_t *r) {
  send_with(method, path, auth_line, r);
}

static bool has_header(const reply_t *r, const char *line) {
  /* Header names are case-insensitive; libmicrohttpd keeps ours as given. */
  return strcasestr(r->head, line) != NULL;
}

static json_t *json_body(const reply_t *r) {
  json_error_t je;
  json_t *v = json_loads(r->body, 0, &je);
  if (!v) fail_msg("not JSON (%s): %s", je.text, r->raw);
  return v;
}

static void assert_error(const reply_t *r, int status, const char *code) {
  if (r->status != status) fail_msg("want %d, got: %s", status, r->raw);
  assert_true(has_header(r, "Content-Type: application/json"));
  json_t *v = json_body(r);
  json_t *e = json_object_get(v, "error");
  assert_non_null(e);
  assert_string_equal(json_string_value(json_object_get(e, "code")), code);
  assert_true(json_is_string(json_object_get(e, "message")));
  assert_true(strlen(json_string_value(json_object_get(e, "message"))) > 0);
  assert_true(json_is_string(json_object_get(e, "detail")));
  json_decref(v);
}

static void test_health_and_layers(void **state) {
  reply_t *r = malloc(sizeof *r);
  assert_true(lg_http_port(server) > 0);
  get("GET", "/api/health", r);
  assert_int_equal(r->status, 200);
  json_t *v = json_body(r);
  assert_string_equal(json_string_value(json_object_get(v, "status")), "ok");
  assert_int_equal(json_integer_value(json_object_get(v, "layers")), 1);
  assert_true(json_integer_value(json_object_get(v, "schema_version")) >= 3);
  json_decref(v);

  get("HEAD", "/api/health", r);
  assert_int_equal(r->status, 200);
  assert_string_equal(r->body, "");

  /* The public must log in to see the layers; the clerk sees them. */
  get("GET", "/api/layers", r);
  assert_error(r, 401, "unauthenticated");
  assert_true(has_header(r, "WWW-Authenticate: Bearer"));
  assert_false(has_header(r, "Set-Cookie"));
  get_auth("GET", "/api/layers", r);
  assert_int_equal(r->status, 200);
  v = json_body(r);
  json_t *l = json_array_get(json_object_get(v, "layers"), 0);
  assert_string_equal(json_string_value(json_object_get(l, "name")), "dltb");
  assert_string_equal(json_string_value(json_object_get(l, "role_title")), "土地利用现状");
  assert_int_equal(json_integer_value(json_object_get(l, "count")), 1);
  assert_int_equal(json_integer_value(json_object_get(l, "srs_id")), 4526);
  /* The lowest latitude is the bottom-right corner's (meridians converge):
   * echo "3400000 38500100" | cs2cs -f %.12f EPSG:4526 EPSG:4490
   *   -> 30.720617451697 114.001044042264; the left edge is the meridian. */
  json_t *e = json_object_get(l, "extent_4490");
  assert_true(fabs(json_number_value(json_array_get(e, 0)) - 114.0) < 1e-9);
  assert_true(fabs(json_number_value(json_array_get(e, 1)) - 30.720617451697) < 1e-9);
  json_decref(v);

  get_auth("GET", "/api/layers/dltb/features?crs=3857&limit=5", r);
  assert_int_equal(r->status, 200);
  assert_true(has_header(r, "Content-Type: application/geo+json"));
  assert_true(has_header(r, "X-Feature-Count: 1"));
  v = json_body(r);
  assert_int_equal(json_integer_value(json_object_get(v, "numberReturned")), 1);
  json_decref(v);
  free(r);
}

static void test_api_errors(void **state) {
  reply_t *r = malloc(sizeof *r);
  get("GET", "/api/nope", r);
  assert_error(r, 404, "not_found");
  get("GET", "/api", r);
  assert_error(r, 404, "not_found");
  get_auth("GET", "/api/layers/nope/features", r);
  assert_error(r, 404, "not_found");
  get_auth("GET", "/api/layers/dltb/features?bbox=1,2,3", r);
  assert_error(r, 400, "invalid_input");
  get_auth("GET", "/api/layers/dltb/features?bbox=3,2,1,4", r);
  assert_error(r, 400, "invalid_input");
  get_auth("GET", "/api/layers/dltb/features?crs=4326", r);
  assert_error(r, 400, "crs_error");
  get_auth("GET", "/api/layers/dltb/features?limit=10001", r);
  assert_error(r, 400, "invalid_input");
  get_auth("GET", "/api/layers/dltb/features?limit=0", r);
  assert_error(r, 400, "invalid_input");
  get("DELETE", "/api/layers", r);
  assert_error(r, 405, "method_not_allowed");
  assert_true(has_header(r, "Allow: GET, HEAD"));
  get("POST", "/index.html", r);
  assert_error(r, 405, "method_not_allowed");

  /* 2000 bytes against a 1024-byte limit. */
  char req[4096];
  int n = snprintf(req, sizeof req,
                   "POST /api/layers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   "Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n");
  memset(req + n, 'a', 2000);
  exchange(req, (size_t)n + 2000, r);
  assert_error(r, 413, "limit_exceeded");
  /* The same without Content-Length (chunked): refused after reading. */
  n = snprintf(req, sizeof req,
               "POST /api/layers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               "Transfer-Encoding: chunked\r\n\r\n7d0\r\n");
  memset(req + n, 'a', 2000);
  n += 2000;
  n += snprintf(req + n, sizeof req - (size_t)n, "\r\n0\r\n\r\n");
  exchange(req, (size_t)n, r);
  assert_error(r, 413, "limit_exceeded");
  /* Under the limit, the method is what is wrong. */
  n = snprintf(req, sizeof req,
               "POST /api/layers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               "Content-Length: 2\r\n\r\n{}");
  exchange(req, (size_t)n, r);
  assert_error(r, 405, "method_not_allowed");
  free(r);
}

static void test_guard(void **state) {
  reply_t *r = malloc(sizeof *r);
  /* A session cookie that is not (or no longer) valid: 401, and the
   * browser is told to drop it. */
  send_with("GET", "/api/session",
            "Cookie: a=b; lg_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n", r);
  assert_error(r, 401, "unauthenticated");
  assert_true(
      has_header(r, "Set-Cookie: lg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
  /* Other cookies alone are no credential: the public. */
  send_with("GET", "/api/session", "Cookie: theme=dark\r\n", r);
  assert_int_equal(r->status, 200);
  json_t *v = json_body(r);
  assert_true(json_is_null(json_object_get(v, "user")));
  assert_string_equal(json_string_value(json_object_get(v, "role")), "public");
  json_decref(v);
  /* A token is no CSRF risk, but a cross-site Origin is refused anyway. */
  char h[512];
  snprintf(h, sizeof h, "%sOrigin: http://evil.example\r\nContent-Length: 0\r\n", auth_line);
  send_with("POST", "/api/users/clerk/tokens", h, r);
  assert_error(r, 403, "forbidden");
  snprintf(h, sizeof h, "%sOrigin: http://127.0.0.1\r\nContent-Length: 0\r\n", auth_line);
  send_with("POST", "/api/users/clerk/tokens", h, r);
  if (r->status != 201) fail_msg("want 201, got: %s", r->raw);
  /* Health stays open to all. */
  get("GET", "/api/health", r);
  assert_int_equal(r->status, 200);
  free(r);
}

static void test_static(void **state) {
  reply_t *r = malloc(sizeof *r);
  get("GET", "/", r);
  assert_int_equal(r->status, 200);
  assert_true(has_header(r, "Content-Type: text/html; charset=utf-8"));
  assert_non_null(strstr(r->body, "一张图"));
  get("GET", "/index.html", r);
  assert_int_equal(r->status, 200);
  get("GET", "/vendor/ol/ol.css", r);
  assert_int_equal(r->status, 200);
  assert_true(has_header(r, "Content-Type: text/css"));
  assert_string_equal(r->body, ".ol-viewport{}");
  get("GET", "/missing.js", r);
  assert_error(r, 404, "not_found");
  /* Only the page's packages come out of node_modules. */
  get("GET", "/vendor/playwright-core/index.js", r);
  assert_error(r, 404, "not_found");
  assert_null(strstr(r->raw, "NOT-FOR-BROWSERS"));

  /* Every way out of the web directory is refused. */
  const char *escapes[] = {
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/vendor/../../secret.txt",
      "/vendor/ol/../../secret.txt",
      "/vendor/%2e%2e/secret.txt",
      "/..%5csecret.txt",
      "/.hidden",
      "/link.txt",
      "/./index.html",
      "//etc/passwd",
      "/vendor/ol/%2e%2e/%2e%2e/secret.txt",
      "/%00/../secret.txt",
      "/index.html%00.txt",
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(escapes); i++) {
    get("GET", escapes[i], r);
    if (r->status != 400 && r->status != 404)
      fail_msg("%s: want 400 or 404, got %s", escapes[i], r->raw);
    if (strstr(r->raw, "TOP-SECRET") || strstr(r->raw, "HIDDEN") || strstr(r->raw, "root:"))
      fail_msg("%s leaked: %s", escapes[i], r->raw);
  }
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_health_and_layers),
      cmocka_unit_test(test_api_errors),
      cmocka_unit_test(test_guard),
      cmocka_unit_test(test_static),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
