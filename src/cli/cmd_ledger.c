/*
 * landgov ledger: the verifiable approval ledger (区块链存证) from the
 * command line. Status and keys, signing a checkpoint, proving an entry,
 * verifying the whole log, auditing every object against its latest
 * entry, witnessing another region's log (over HTTP or from a file it
 * exported), exporting what another region needs to witness this one,
 * and recording an act done outside the system.
 *
 * The table of auditors below is where each module that records objects
 * in the ledger lists its lg_ledger_auditor_t.
 */
#include "auth/auth.h"
#include "cases/cases.h"
#include "cli/cli_int.h"
#include "consol/consol.h"
#include "files/files.h"
#include "flow/flow.h"
#include "industry/industry.h"
#include "ledger/ledger.h"
#include "monitor/monitor.h"
#include "quota/quota.h"
#include "review/review.h"
#include "stock/stock.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Every module's auditor (ledger.h, "Audit"). Add yours here. */
static const lg_ledger_auditor_t flow_instances = {"flow.instance", lg_flow_audit_scan};
static const lg_ledger_auditor_t flow_definitions = {"flow.definition",
                                                     lg_flow_audit_scan_definitions};
static const lg_ledger_auditor_t checks = {"check", lg_review_checks_audit_scan};
static const lg_ledger_auditor_t rule_sets = {"rule_set", lg_review_rules_audit_scan};
static const lg_ledger_auditor_t cases = {"case", lg_cases_audit_scan};
static const lg_ledger_auditor_t users = {"user", lg_auth_audit_users};
static const lg_ledger_auditor_t policy = {"policy", lg_auth_audit_policy};
static const lg_ledger_auditor_t settings = {"setting", lg_auth_audit_settings};
static const lg_ledger_auditor_t files = {"file", lg_files_audit_scan};
static const lg_ledger_auditor_t *const auditors[] = {
    &lg_ledger_witnessed_auditor,
    &flow_instances,
    &flow_definitions,
    &checks,
    &rule_sets,
    &cases,
    &users,
    &policy,
    &settings,
    &files,
    &lg_stock_auditor_approvals,
    &lg_stock_auditor_supplies,
    &lg_stock_auditor_visits,
    &lg_stock_auditor_acts,
    &lg_stock_auditor_plans,
    &lg_monitor_auditor_batches,
    &lg_monitor_auditor_alerts,
    NULL,
};

static int parse_u64(const char *s, const char *what, uint64_t *v, lg_err_t *err) {
  char *end;
  errno = 0;
  unsigned long long x = s && *s != '-' ? strtoull(s, &end, 10) : 0;
  if (!s || *s == '-' || errno || end == s || *end || x > INT64_MAX)
    return lg_err_set(err, LG_EINVAL, "%s 应为非负整数, 得到 \"%s\"", what, s ? s : "");
  *v = x;
  return 0;
}

static void b64(const unsigned char h[32], char out[48]) { lg_ledger_b64(h, 32, out); }

/* ---- status, key, checkpoint ---------------------------------------------- */

static int cmd_status(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  uint64_t n = 0;
  unsigned char root[32];
  lg_ledger_keys_t keys;
  lg_ledger_checkpoint_t cp = {0};
  rc = lg_ledger_size(s, &n, err);
  if (rc == 0) rc = lg_ledger_root(s, n, root, err);
  bool keyed = rc == 0 && lg_ledger_keys(s, &keys, NULL) == 0;
  bool have_cp = rc == 0 && lg_ledger_checkpoint_latest(s, &cp, NULL) == 0;
  if (rc == 0) {
    char r[48];
    b64(root, r);
    if (cli->json) {
      lg_cli_print_json(json_pack("{s:s?, s:I, s:s, s:s?, s:o}", "origin",
                                  keyed ? keys.origin : NULL, "size", (json_int_t)n, "root", r,
                                  "key", keyed ? keys.vkey : NULL, "checkpoint",
                                  have_cp ? lg_ledger_checkpoint_json(&cp, NULL) : json_null()));
    } else {
      printf("账本:       %s\n条目数:     %llu\n根哈希:     %s\n",
             keyed ? keys.origin : "(尚无密钥)", (unsigned long long)n, r);
      if (have_cp)
        printf("最新检查点: 大小 %llu, 签于 %s%s\n", (unsigned long long)cp.size, cp.signed_at,
               cp.size < n ? " (之后的条目尚未签名; 运行 landgov ledger checkpoint)" : "");
      else
        printf("最新检查点: (尚未签名; 运行 landgov ledger checkpoint)\n");
      if (keyed) printf("公钥:       %s\n", keys.vkey);
    }
  }
  lg_ledger_checkpoint_fini(&cp);
  lg_store_close(s);
  return rc;
}

static int cmd_key(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  lg_ledger_keys_t k;
  rc = lg_ledger_keys(s, &k, err);
  lg_store_close(s);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "origin", k.origin, "key", k.vkey,
                                "witness_name", k.witness_name, "witness_key", k.witness_vkey));
  else
    printf("%s\n%s\n", k.vkey, k.witness_vkey);
  return 0;
}

static int cmd_checkpoint(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, 0, &s, err);
  if (rc) return rc;
  lg_ledger_checkpoint_t cp;
  lg_ledger_keys_t k;
  rc = lg_ledger_checkpoint(s, &cp, err);
  if (rc == 0) rc = lg_ledger_keys(s, &k, err);
  if (rc == 0) {
    if (cli->json)
      lg_cli_print_json(lg_ledger_checkpoint_json(&cp, k.vkey));
    else
      fputs(cp.note, stdout);
  }
  lg_ledger_checkpoint_fini(&cp);
  lg_store_close(s);
  return rc;
}

/* ---- verify and audit ------------------------------------------------------ */

/* With --json the CLI prints an error document when a command fails, so
 * a failed check carries its problems in the error (message and detail);
 * without, they were printed one a line before. */
static int fail_with_list(const lg_cli_t *cli, lg_err_t *err, int code, const char *summary,
                          char **items, size_t n) {
  lg_err_set(err, code, "%s", summary);
  if (!cli->json) return code; /* the list is printed already */
  lg_buf_t b;
  lg_buf_init(&b);
  for (size_t i = 0; i < n; i++)
    lg_buf_printf(&b, "%s%s", i ? "; " : "", items[i]);
  lg_err_where(err, "%s", b.data ? b.data : "");
  lg_buf_fini(&b);
  return code;
}

static int cmd_verify(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  lg_ledger_verify_report_t r;
  double t0 = lg_mono();
  rc = lg_ledger_verify(s, &r, err);
  double secs = lg_mono() - t0;
  lg_store_close(s);
  char root[48];
  b64(r.root, root);
  if (rc == 0) {
    if (cli->json)
      lg_cli_print_json(json_pack(
          "{s:b, s:I, s:s, s:I, s:I, s:I, s:f}", "ok", 1, "size", (json_int_t)r.size, "root", root,
          "nodes_checked", (json_int_t)r.nodes_checked, "checkpoints", (json_int_t)r.checkpoints,
          "latest_checkpoint", (json_int_t)r.latest_checkpoint, "seconds", secs));
    else
      printf(
          "账本核验通过: %llu 个条目, %llu 个树节点, %llu 个检查点 (最新: 大小 %llu) 均与条目一致, "
          "签名有效\n根哈希: %s\n用时 %.2f 秒\n",
          (unsigned long long)r.size, (unsigned long long)r.nodes_checked,
          (unsigned long long)r.checkpoints, (unsigned long long)r.latest_checkpoint, root, secs);
    if (!cli->json && r.latest_checkpoint < r.size)
      printf("注意: 最后 %llu 个条目还没有签名的检查点 (landgov ledger checkpoint)\n",
             (unsigned long long)(r.size - r.latest_checkpoint));
  } else if (rc == LG_ECONFLICT) {
    if (!cli->json) {
      printf("账本核验未通过: %zu 处问题\n", r.problems.len);
      for (size_t i = 0; i < r.problems.len; i++)
        printf("  - %s\n", r.problems.items[i]);
    }
    char summary[128];
    snprintf(summary, sizeof summary, "账本核验未通过: %zu 处问题", r.problems.len);
    fail_with_list(cli, err, rc, summary, r.problems.items, r.problems.len);
  }
  lg_ledger_verify_report_fini(&r);
  return rc;
}

static int cmd_audit(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  lg_ledger_audit_t a;
  /* The table above, then the quota bank's and industrial land's (one per
   * object type they record). */
  const lg_ledger_auditor_t *all[LG_ARRAY_LEN(auditors) + 24];
  size_t n = 0;
  for (size_t i = 0; auditors[i]; i++)
    all[n++] = auditors[i];
  for (size_t i = 0; lg_quota_auditors[i] && n + 1 < LG_ARRAY_LEN(all); i++)
    all[n++] = lg_quota_auditors[i];
  for (size_t i = 0; lg_industry_auditors[i] && n + 1 < LG_ARRAY_LEN(all); i++)
    all[n++] = lg_industry_auditors[i];
  for (size_t i = 0; lg_consol_auditors[i] && n + 1 < LG_ARRAY_LEN(all); i++)
    all[n++] = lg_consol_auditors[i];
  all[n] = NULL;
  rc = lg_ledger_audit(s, all, &a, err);
  lg_store_close(s);
  if (rc) return rc;
  LG_VEC(char *) lines = {0};
  for (size_t i = 0; i < a.findings.len; i++) {
    const lg_ledger_finding_t *f = &a.findings.items[i];
    char entry[32];
    if (f->entry >= 0)
      snprintf(entry, sizeof entry, "条目 %lld", (long long)f->entry);
    else
      snprintf(entry, sizeof entry, "无条目");
    lg_vec_push(&lines, lg_sprintf("%s %s: %s (%s)", f->object_type, f->object_id,
                                   lg_ledger_finding_title(f->kind), entry));
  }
  if (cli->json && a.findings.len == 0) {
    json_t *un = json_array();
    for (size_t i = 0; i < a.unaudited.len; i++)
      json_array_append_new(un, json_string(a.unaudited.items[i]));
    lg_cli_print_json(json_pack("{s:b, s:I, s:I, s:[], s:o}", "ok", 1, "objects",
                                (json_int_t)a.objects, "types", (json_int_t)a.types, "findings",
                                "unaudited_types", un));
  } else if (!cli->json) {
    if (a.findings.len) {
      static const char *const hdr[] = {"对象类型", "对象",           "问题",
                                        "最近条目", "账本记载的摘要", "当前数据的摘要"};
      lg_cli_table_t *t = lg_cli_table_new(6, hdr);
      for (size_t i = 0; i < a.findings.len; i++) {
        const lg_ledger_finding_t *f = &a.findings.items[i];
        char entry[32], rec[20], act[20];
        snprintf(entry, sizeof entry, f->entry >= 0 ? "%lld" : "-", (long long)f->entry);
        snprintf(rec, sizeof rec, "%.12s%s", f->recorded[0] ? f->recorded : "-",
                 f->recorded[0] ? "…" : "");
        snprintf(act, sizeof act, "%.12s%s", f->actual[0] ? f->actual : "-",
                 f->actual[0] ? "…" : "");
        lg_cli_table_add(t, f->object_type, f->object_id, lg_ledger_finding_title(f->kind), entry,
                         rec, act);
      }
      lg_cli_table_print(t);
      lg_cli_table_free(t);
    }
    printf("审计 %llu 个对象 (%llu 种对象类型): %s\n", (unsigned long long)a.objects,
           (unsigned long long)a.types,
           a.findings.len ? "发现绕过系统的改动" : "全部与账本最近一次记账一致");
    for (size_t i = 0; i < a.unaudited.len; i++)
      printf("注意: 对象类型 %s 有账本条目, 但没有模块为它提供审计\n", a.unaudited.items[i]);
  }
  if (a.findings.len) {
    char summary[128];
    snprintf(summary, sizeof summary, "审计发现 %zu 个对象与账本不符", a.findings.len);
    rc = fail_with_list(cli, err, LG_ECONFLICT, summary, lines.items, lines.len);
  }
  for (size_t i = 0; i < lines.len; i++)
    lg_free(lines.items[i]);
  lg_free(lines.items);
  lg_ledger_audit_fini(&a);
  return rc;
}

/* ---- prove, consistency, bundle -------------------------------------------- */

static int print_strings(json_t *arr, const char *indent) {
  for (size_t i = 0; i < json_array_size(arr); i++)
    printf("%s%s\n", indent, json_string_value(json_array_get(arr, i)));
  return 0;
}

static int cmd_prove(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos < 2)
    return lg_err_set(err, LG_EINVAL, "用法: landgov ledger prove N [--size M]");
  uint64_t index = 0, size = 0;
  int rc = parse_u64(cli->args.pos[1], "条目序号", &index, err);
  if (rc == 0 && lg_cli_arg(cli, "size"))
    rc = parse_u64(lg_cli_arg(cli, "size"), "--size", &size, err);
  if (rc == 0 && lg_cli_arg(cli, "size") && size == 0)
    rc = lg_err_set(err, LG_EINVAL, "--size 应大于 0");
  if (rc) return rc;
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, 0, &s, err)) != 0) return rc;
  json_t *doc = NULL;
  rc = lg_ledger_inclusion_json(s, index, size, &doc, err);
  lg_store_close(s);
  if (rc) return rc;
  /* Check what is about to be handed out, as a recipient would. */
  lg_ledger_proof_t p;
  unsigned char leaf[32], root[32];
  const char *entry = json_string_value(json_object_get(doc, "entry"));
  const char *note = json_string_value(json_object_get(doc, "checkpoint"));
  const char *vkey = json_string_value(json_object_get(doc, "key"));
  size = (uint64_t)json_integer_value(json_object_get(doc, "size"));
  lg_ledger_leaf_hash(entry, strlen(entry), leaf);
  rc = lg_ledger_proof_from_json(json_object_get(doc, "proof"), &p, err);
  if (rc == 0) rc = lg_ledger_unb64(json_string_value(json_object_get(doc, "root")), root, 32, err);
  if (rc == 0 && note && vkey) {
    lg_ledger_checkpoint_t cp;
    rc = lg_ledger_note_verify(note, vkey, &cp, err);
    if (rc == 0) memcpy(root, cp.root, 32);
    lg_ledger_checkpoint_fini(&cp);
  }
  if (rc == 0) rc = lg_ledger_verify_inclusion(index, size, leaf, &p, root, err);
  if (rc) {
    json_decref(doc);
    lg_err_prefix(err, "账本自检失败 (请运行 landgov ledger verify): ");
    return rc;
  }
  if (cli->json) {
    lg_cli_print_json(doc);
    return 0;
  }
  printf("条目 %llu (树的大小 %llu):\n  %s\n叶哈希: %s\n包含证明 (%zu 个哈希, 自叶向根):\n",
         (unsigned long long)index, (unsigned long long)size, entry,
         json_string_value(json_object_get(doc, "leaf_hash")), p.n);
  print_strings(json_object_get(doc, "proof"), "  ");
  printf("根哈希: %s\n", json_string_value(json_object_get(doc, "root")));
  if (note)
    printf("检查点:\n%s", note);
  else
    printf("(大小 %llu 没有签名的检查点)\n", (unsigned long long)size);
  printf("已核验: 条目包含在%s树中\n", note ? "已签名检查点的" : "");
  json_decref(doc);
  return 0;
}

static int cmd_consistency(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos < 2)
    return lg_err_set(err, LG_EINVAL, "用法: landgov ledger consistency FROM [TO]");
  uint64_t from = 0, to = 0;
  int rc = parse_u64(cli->args.pos[1], "起点大小", &from, err);
  if (rc == 0 && cli->args.npos > 2) rc = parse_u64(cli->args.pos[2], "终点大小", &to, err);
  if (rc) return rc;
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err)) != 0) return rc;
  if (cli->args.npos <= 2) rc = lg_ledger_size(s, &to, err);
  json_t *doc = NULL;
  if (rc == 0) rc = lg_ledger_consistency_json(s, from, to, &doc, err);
  lg_store_close(s);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(doc);
    return 0;
  }
  printf("从大小 %llu 到 %llu 的一致性证明 (%zu 个哈希):\n", (unsigned long long)from,
         (unsigned long long)to, json_array_size(json_object_get(doc, "proof")));
  print_strings(json_object_get(doc, "proof"), "  ");
  printf("旧根哈希: %s\n新根哈希: %s\n", json_string_value(json_object_get(doc, "root_from")),
         json_string_value(json_object_get(doc, "root_to")));
  json_decref(doc);
  return 0;
}

static int cmd_bundle(lg_cli_t *cli, lg_err_t *err) {
  uint64_t from = 0;
  int rc = lg_cli_arg(cli, "from") ? parse_u64(lg_cli_arg(cli, "from"), "--from", &from, err) : 0;
  if (rc) return rc;
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, 0, &s, err)) != 0) return rc;
  json_t *doc = NULL;
  rc = lg_ledger_witness_bundle(s, from, &doc, err);
  lg_store_close(s);
  if (rc == 0) lg_cli_print_json(doc); /* a file format: JSON with or without --json */
  return rc;
}

/* ---- witness ---------------------------------------------------------------- */

/* A plain HTTP/1.0 GET of base + path, for reaching another region's
 * landgov on the bureaus' network. HTTPS is left to a reverse proxy; a
 * region without a network path exchanges files (ledger bundle). */
static int http_get(const char *base, const char *path, json_t **out, lg_err_t *err) {
  *out = NULL;
  if (strncmp(base, "https://", 8) == 0)
    return lg_err_set(err, LG_EUNSUPPORTED,
                      "不支持 https 地址 %s; 请经本地的反向代理访问, 或让对方导出文件 "
                      "(landgov ledger bundle)",
                      base);
  if (strncmp(base, "http://", 7) != 0)
    return lg_err_set(err, LG_EINVAL, "地址 %s 应以 http:// 开头", base);
  char host[256], port[16] = "80", prefix[512] = "";
  const char *h = base + 7, *slash = strchr(h, '/');
  size_t hl = slash ? (size_t)(slash - h) : strlen(h);
  if (hl == 0 || hl >= sizeof host) return lg_err_set(err, LG_EINVAL, "地址 %s 缺少主机名", base);
  snprintf(host, sizeof host, "%.*s", (int)hl, h);
  if (slash) snprintf(prefix, sizeof prefix, "%s", slash);
  size_t pl = strlen(prefix);
  while (pl && prefix[pl - 1] == '/')
    prefix[--pl] = '\0';
  char *colon = host[0] == '[' ? strstr(host, "]:") : strrchr(host, ':');
  if (colon) {
    if (host[0] == '[') colon++;
    snprintf(port, sizeof port, "%s", colon + 1);
    *colon = '\0';
  }
  if (host[0] == '[') {
    memmove(host, host + 1, strlen(host));
    host[strcspn(host, "]")] = '\0';
  }
  struct addrinfo hints = {0}, *ai = NULL;
  hints.ai_socktype = SOCK_STREAM;
  int g = getaddrinfo(host, port, &hints, &ai);
  if (g != 0) return lg_err_set(err, LG_EIO, "无法解析主机 %s: %s", host, gai_strerror(g));
  int fd = -1;
  for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    struct timeval tv = {15, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(ai);
  if (fd < 0) return lg_err_set(err, LG_EIO, "无法连接 %s:%s: %s", host, port, strerror(errno));
  char *req = lg_sprintf("GET %s%s HTTP/1.0\r\nHost: %s\r\nAccept: application/json\r\n"
                         "User-Agent: landgov-witness\r\nConnection: close\r\n\r\n",
                         prefix, path, host);
  size_t rl = strlen(req);
  int rc =
      send(fd, req, rl, 0) == (ssize_t)rl ? 0 : lg_err_set(err, LG_EIO, "向 %s 发送请求失败", host);
  lg_free(req);
  lg_buf_t b;
  lg_buf_init(&b);
  while (rc == 0) {
    char chunk[8192];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0) rc = lg_err_set(err, LG_EIO, "读取 %s 的响应失败: %s", host, strerror(errno));
    if (n <= 0) break;
    lg_buf_append(&b, chunk, (size_t)n);
    if (b.len > ((size_t)4 << 20)) rc = lg_err_set(err, LG_ELIMIT, "%s 的响应过大", host);
  }
  close(fd);
  int status = 0;
  const char *body = b.data ? strstr(b.data, "\r\n\r\n") : NULL;
  if (rc == 0 && (!body || sscanf(b.data, "HTTP/%*d.%*d %d", &status) != 1))
    rc = lg_err_set(err, LG_EIO, "%s 的响应不是 HTTP", host);
  if (rc == 0) {
    json_error_t je;
    *out = json_loads(body + 4, 0, &je);
    const char *msg = json_string_value(json_object_get(json_object_get(*out, "error"), "message"));
    if (status != 200) {
      rc = lg_err_set(err, LG_EIO, "%s%s%s 返回 %d%s%s", base, path[0] == '/' ? "" : "/", path,
                      status, msg ? ": " : "", msg ? msg : "");
      json_decref(*out);
      *out = NULL;
    } else if (!*out) {
      rc = lg_err_set(err, LG_EIO, "%s%s 的响应不是 JSON: %s", base, path, je.text);
    }
  }
  lg_buf_fini(&b);
  return rc;
}

static int witness_url(lg_cli_t *cli, lg_store_t *s, const char *url, lg_err_t *err) {
  json_t *kdoc = NULL, *cdoc = NULL, *pdoc = NULL;
  lg_ledger_checkpoint_t cp = {0};
  lg_ledger_proof_t proof = {0};
  char *cos = NULL;
  const char *given = lg_cli_arg(cli, "key");
  int rc = http_get(url, "/api/ledger/key", &kdoc, err);
  if (rc == 0) rc = http_get(url, "/api/ledger/checkpoint", &cdoc, err);
  if (rc) goto done;
  const char *published = json_string_value(json_object_get(kdoc, "key"));
  const char *note = json_string_value(json_object_get(cdoc, "checkpoint"));
  if (!note || !published) {
    rc = lg_err_set(err, LG_EINVAL, "%s 没有给出检查点或公钥", url);
    goto done;
  }
  const char *vkey = given ? given : published;
  if ((rc = lg_ledger_note_verify(note, vkey, &cp, err)) != 0) goto done;
  uint64_t last = 0;
  lg_err_t e = {0};
  bool first = lg_ledger_witness_last(s, cp.origin, &last, &e) != 0;
  if (first && !given)
    fprintf(stderr,
            "注意: 首次见证日志 %s, 采用其公布的公钥\n  %s\n请经电话或公文等可靠渠道与对方核对; "
            "之后该日志换用其他密钥将被拒绝\n",
            cp.origin, published);
  if (!first && last < cp.size) {
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/consistency?from=%llu&to=%llu",
             (unsigned long long)last, (unsigned long long)cp.size);
    if ((rc = http_get(url, path, &pdoc, err)) != 0) goto done;
    if ((rc = lg_ledger_proof_from_json(json_object_get(pdoc, "proof"), &proof, err)) != 0)
      goto done;
  }
  rc = lg_ledger_witness(s, first ? vkey : (given ? given : NULL), note, &proof, &cos, err);
  if (rc == 0) {
    if (cli->json)
      lg_cli_print_json(json_pack("{s:s, s:I, s:I, s:s}", "origin", cp.origin, "size",
                                  (json_int_t)cp.size, "previous", (json_int_t)last, "cosigned",
                                  cos));
    else
      printf("已见证 %s 的检查点 (大小 %llu%s), 与此前见证的一致, 已联署:\n%s", cp.origin,
             (unsigned long long)cp.size, first ? ", 首次见证" : "", cos);
  }
done:
  lg_free(cos);
  lg_ledger_checkpoint_fini(&cp);
  json_decref(kdoc);
  json_decref(cdoc);
  json_decref(pdoc);
  return rc;
}

static int witness_file(lg_cli_t *cli, lg_store_t *s, const char *path, lg_err_t *err) {
  char *data = NULL, *cos = NULL;
  size_t n;
  json_t *doc = NULL;
  lg_ledger_proof_t proof = {0};
  lg_ledger_checkpoint_t cp = {0};
  int rc = lg_file_read(path, &data, &n, err);
  if (rc) return rc;
  const char *note = data, *vkey = lg_cli_arg(cli, "key");
  uint64_t from = 0;
  bool have_proof = false;
  const char *p = data + strspn(data, " \t\r\n");
  if (*p == '{') {
    json_error_t je;
    doc = json_loads(data, 0, &je);
    if (!doc) {
      rc = lg_err_set(err, LG_EINVAL, "%s 不是有效的 JSON: %s", path, je.text);
      lg_err_where(err, "%s:%d:%d", path, je.line, je.column);
      goto done;
    }
    note = json_string_value(json_object_get(doc, "checkpoint"));
    if (!vkey) vkey = json_string_value(json_object_get(doc, "key"));
    json_t *c = json_object_get(doc, "consistency");
    if (!note) {
      rc = lg_err_set(err, LG_EINVAL, "%s 中没有 checkpoint 字段", path);
      goto done;
    }
    if (c) {
      from = (uint64_t)json_integer_value(json_object_get(c, "from"));
      if ((rc = lg_ledger_proof_from_json(json_object_get(c, "proof"), &proof, err)) != 0) {
        lg_err_where(err, "%s: consistency.proof", path);
        goto done;
      }
      have_proof = true;
    }
  }
  /* The note's log, and what was witnessed of it before. Without a key
   * (a bare note and no --key) the key recorded for its log is used. */
  uint64_t last = 0;
  bool first = true;
  if (vkey) {
    if ((rc = lg_ledger_note_verify(note, vkey, &cp, err)) != 0) goto done;
    lg_err_t e = {0};
    first = lg_ledger_witness_last(s, cp.origin, &last, &e) != 0;
    if (first && !lg_cli_arg(cli, "key"))
      fprintf(stderr, "注意: 首次见证日志 %s, 采用文件中给出的公钥\n  %s\n请经可靠渠道与对方核对\n",
              cp.origin, vkey);
    /* Later, a key carried by the file itself is not trusted. */
    if (!first && !lg_cli_arg(cli, "key")) vkey = NULL;
  }
  if (have_proof && !first && last < cp.size && from != last) {
    rc = lg_err_set(err, LG_EINVAL,
                    "文件中的一致性证明从大小 %llu 开始, 而本地区上次见证的是大小 %llu; 请对方运行 "
                    "landgov ledger bundle --from %llu 重新导出",
                    (unsigned long long)from, (unsigned long long)last, (unsigned long long)last);
    goto done;
  }
  rc = lg_ledger_witness(s, vkey, note, have_proof && from == last ? &proof : NULL, &cos, err);
  if (rc == 0) {
    size_t olen = strcspn(cos, "\n");
    if (cli->json)
      lg_cli_print_json(json_pack("{s:s%, s:s}", "origin", cos, olen, "cosigned", cos));
    else
      printf("已见证 %.*s 的检查点 (%s), 已联署:\n%s", (int)olen, cos,
             first ? "首次见证" : "与此前见证的一致", cos);
  }
done:
  lg_ledger_checkpoint_fini(&cp);
  json_decref(doc);
  lg_free(cos);
  lg_free(data);
  return rc;
}

static int cmd_witness(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos < 2)
    return lg_err_set(err, LG_EINVAL, "用法: landgov ledger witness URL或文件 [--key 公钥]");
  const char *src = cli->args.pos[1];
  lg_store_t *s;
  int rc = lg_cli_open(cli, 0, &s, err);
  if (rc) return rc;
  if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0)
    rc = witness_url(cli, s, src, err);
  else
    rc = witness_file(cli, s, src, err);
  lg_store_close(s);
  return rc;
}

/* ---- record ---------------------------------------------------------------- */

static int cmd_record(lg_cli_t *cli, lg_err_t *err) {
  json_t *state = NULL;
  const char *st = lg_cli_arg(cli, "state");
  if (st) {
    json_error_t je;
    state = json_loads(st, JSON_DECODE_ANY, &je);
    if (!state) return lg_err_set(err, LG_EINVAL, "--state 不是有效的 JSON: %s", je.text);
  }
  lg_ledger_event_t ev = {.actor = lg_cli_arg(cli, "actor"),
                          .role = lg_cli_arg(cli, "role"),
                          .jurisdiction = lg_cli_arg(cli, "jurisdiction"),
                          .action = lg_cli_arg(cli, "action"),
                          .object_type = lg_cli_arg(cli, "type"),
                          .object_id = lg_cli_arg(cli, "id"),
                          .state = state};
  if (!st) {
    /* Without a state, the act itself (who, what, which) is the record;
     * JSON null would read as "deleted". */
    state = json_pack("{s:s?, s:s?}", "recorded", ev.action, "note", lg_cli_arg(cli, "note"));
    ev.state = state;
  }
  lg_store_t *s;
  int64_t idx = -1;
  int rc = lg_cli_open(cli, 0, &s, err);
  if (rc == 0) {
    rc = lg_store_begin(s, err);
    if (rc == 0) rc = lg_ledger_append(s, &ev, &idx, err);
    if (rc == 0)
      rc = lg_store_commit(s, err);
    else
      lg_store_rollback(s);
    lg_store_close(s);
  }
  json_decref(state);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:I}", "index", (json_int_t)idx));
  else
    printf("已记入账本: 条目 %lld\n", (long long)idx);
  return 0;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  const char *verb = cli->args.npos ? cli->args.pos[0] : "status";
  static const struct {
    const char *name;
    int (*fn)(lg_cli_t *, lg_err_t *);
  } verbs[] = {
      {"status", cmd_status},           {"key", cmd_key},       {"checkpoint", cmd_checkpoint},
      {"verify", cmd_verify},           {"audit", cmd_audit},   {"prove", cmd_prove},
      {"consistency", cmd_consistency}, {"bundle", cmd_bundle}, {"witness", cmd_witness},
      {"record", cmd_record},
  };
  for (size_t i = 0; i < LG_ARRAY_LEN(verbs); i++)
    if (strcmp(verb, verbs[i].name) == 0) return verbs[i].fn(cli, err);
  return lg_err_set(err, LG_EINVAL,
                    "未知的子命令 \"%s\"; 可用: status, key, checkpoint, verify, audit, prove, "
                    "consistency, bundle, witness, record",
                    verb);
}

const lg_cmd_t lg_cmd_ledger = {
    .name = "ledger",
    .summary = "可验证的审批账本: 检查点、证明、核验、审计、跨区见证",
    .usage = "[status | key | checkpoint | verify | audit | prove N [--size M] |\n"
             "       consistency FROM [TO] | bundle [--from N] | witness URL或文件 [--key 公钥] |\n"
             "       record --actor A --action X --type T --id ID [--role R] [--jurisdiction J]\n"
             "              [--state JSON] [--note 说明]]",
    .options = "size=,from=,key=,actor=,role=,jurisdiction=,action=,type=,id=,state=,note=",
    .run = run,
};
