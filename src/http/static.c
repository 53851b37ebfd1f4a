/*
 * Static files: the web client from the web directory ("/" is
 * index.html), and the browser libraries it loads from the project's
 * node_modules under /vendor/<package>/ (OpenLayers, proj4 and what they
 * import, ECharts, bpmn-js), so that nothing comes from a CDN: bureaus'
 * networks are often cut off from the internet; and the ledger verifier
 * of tools/verify under /verify/.
 *
 * No request may read outside those directories: a path with "..", ".",
 * a hidden segment, a backslash or a control character is refused before
 * any file is touched, and the resolved real path must still lie inside
 * the directory (a symbolic link pointing out is refused too). Only the
 * listed packages are served from node_modules.
 */
#include "http/http_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The npm packages the page may load, and nothing else from node_modules
 * (no test tools, no build scripts): OpenLayers with the two packages its
 * modules import (rbush, quickselect), and proj4. A client that needs
 * more (pbf for vector tiles) adds it here and to web/index.html's import
 * map. ECharts (its self-contained ES module build,
 * dist/echarts.esm.min.mjs) draws the check report's charts; bpmn-js (its
 * self-contained dist bundles) shows and edits approval processes. pbf
 * (no imports of its own) is what OpenLayers' MVT format reads vector
 * tiles with. */
static const char *const vendor_packages[] = {"ol",      "rbush",   "quickselect", "proj4",
                                              "echarts", "bpmn-js", "pbf",         NULL};

/* The standalone ledger verifier (tools/verify, beside the web directory),
 * served under /verify/: the page's 存证核验 imports this very file
 * instead of keeping a copy, so the browser runs the same code people run
 * offline. Only these files. */
static const char *const verify_files[] = {"verify.mjs", "verify.html", NULL};

static const struct {
  const char *ext;
  const char *type;
} content_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"geojson", "application/geo+json; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"gpkg", "application/geopackage+sqlite3"},
};

const char *lg_http_content_type(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  if (dot && dot[1])
    for (size_t i = 0; i < LG_ARRAY_LEN(content_types); i++)
      if (strcasecmp(dot + 1, content_types[i].ext) == 0) return content_types[i].type;
  return "application/octet-stream";
}

bool lg_http_path_safe(const char *rel) {
  if (!rel || !*rel) return false;
  const char *seg = rel;
  for (const char *p = rel;; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '/' || c == '\0') {
      size_t n = (size_t)(p - seg);
      /* Empty segments ("a//b", a trailing "/") and dot segments are
       * refused, and so are hidden files (".git", ".env"). */
      if (n == 0 || seg[0] == '.') return false;
      if (c == '\0') return true;
      seg = p + 1;
    } else if (c < 0x20 || c == 0x7f || c == '\\' || c == ':') {
      return false;
    }
  }
}

static bool verify_allowed(const char *rel) {
  for (int i = 0; verify_files[i]; i++)
    if (strcmp(rel, verify_files[i]) == 0) return true;
  return false;
}

static bool vendor_allowed(const char *rel) {
  const char *slash = strchr(rel, '/');
  if (!slash) return false;
  size_t n = (size_t)(slash - rel);
  for (int i = 0; vendor_packages[i]; i++)
    if (strlen(vendor_packages[i]) == n && strncmp(rel, vendor_packages[i], n) == 0) return true;
  return false;
}

/* Joins root and rel, resolves the result and checks it is inside root. */
static int resolve(const char *root, const char *rel, char *out, lg_err_t *err) {
  char joined[PATH_MAX];
  if ((size_t)snprintf(joined, sizeof joined, "%s/%s", root, rel) >= sizeof joined)
    return lg_err_set(err, LG_EINVAL, "路径太长");
  if (!realpath(joined, out)) return lg_err_set(err, LG_ENOTFOUND, "文件不存在");
  size_t rl = strlen(root);
  if (strncmp(out, root, rl) != 0 || out[rl] != '/')
    return lg_err_set(err, LG_ENOTFOUND, "文件不存在");
  return 0;
}

int lg_http_static(lg_http_req_t *req, lg_http_res_t *res, lg_err_t *err) {
  const char *path = req->path;
  const char *web = lg_http_web_dir(req->server);
  const char *vendor = lg_http_vendor_dir(req->server);
  const char *root = web, *rel, *cache = "no-cache";
  char verify[PATH_MAX];
  bool is_verify = false;
  if (strcmp(path, "/") == 0) {
    rel = "index.html";
  } else if (strncmp(path, "/verify/", 8) == 0) {
    rel = path + 8;
    is_verify = true;
    root = NULL;
    char joined[PATH_MAX];
    if (web && (size_t)snprintf(joined, sizeof joined, "%s/../tools/verify", web) < sizeof joined &&
        realpath(joined, verify))
      root = verify;
  } else if (strncmp(path, "/vendor/", 8) == 0) {
    root = vendor;
    rel = path + 8;
    /* Library files change only with package-lock.json. */
    cache = "public, max-age=3600";
  } else {
    rel = path[0] == '/' ? path + 1 : path;
  }
  int rc;
  if (!lg_http_path_safe(rel)) {
    rc = lg_err_set(err, LG_EINVAL, "路径无效: 不允许 \"..\"、\".\"、隐藏文件或特殊字符");
  } else if (!root || (root == vendor && !vendor_allowed(rel)) ||
             (is_verify && !verify_allowed(rel))) {
    rc = lg_err_set(err, LG_ENOTFOUND, "文件不存在");
  } else {
    char real[PATH_MAX];
    rc = resolve(root, rel, real, err);
    if (rc == 0) rc = lg_http_file(res, real, cache, err);
  }
  if (rc) lg_err_where(err, "%.200s", path);
  return rc;
}
