/*
 * Accounts: adding, finding, listing, disabling and re-roling users, their
 * passwords (argon2id through libsodium's crypto_pwhash_str, the password
 * policy and generated passwords), each change with its ledger entry in
 * the same transaction, and the small helpers the other files of the
 * module share.
 */
#include "auth/auth_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shared helpers ------------------------------------------------------ */

bool auth_sodium(void) { return sodium_init() >= 0; }

int64_t auth_setting_int(lg_store_t *s, const char *key, int64_t def, int64_t min, int64_t max) {
  char *val = NULL;
  int64_t v = def;
  if (lg_store_setting_get(s, key, &val, NULL) == 0 && val) {
    char *end;
    errno = 0;
    long long x = strtoll(val, &end, 10);
    if (errno == 0 && end != val && *end == '\0')
      v = x;
    else
      lg_log(LG_LOG_WARN, "设置 %s = \"%s\" 不是整数, 使用默认值 %lld", key, val, (long long)def);
  }
  lg_free(val);
  return v < min ? min : v > max ? max : v;
}

void auth_col_text(lg_stmt_t *st, int col, char *out, size_t n) {
  const char *t = lg_store_col_text(st, col);
  snprintf(out, n, "%s", t ? t : "");
}

void auth_user_row(lg_stmt_t *st, int c, lg_user_t *u) {
  memset(u, 0, sizeof *u);
  u->id = lg_store_col_int(st, c);
  auth_col_text(st, c + 1, u->login, sizeof u->login);
  auth_col_text(st, c + 2, u->name, sizeof u->name);
  auth_col_text(st, c + 3, u->role, sizeof u->role);
  auth_col_text(st, c + 4, u->dept, sizeof u->dept);
  auth_col_text(st, c + 5, u->level, sizeof u->level);
  auth_col_text(st, c + 6, u->division, sizeof u->division);
  auth_col_text(st, c + 7, u->enterprise, sizeof u->enterprise);
  u->disabled = lg_store_col_int(st, c + 8) != 0;
  auth_col_text(st, c + 9, u->created_at, sizeof u->created_at);
  auth_col_text(st, c + 10, u->pw_changed_at, sizeof u->pw_changed_at);
}

void auth_random_token(char out[64]) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2base64(out, 64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
}

void auth_token_hash(const char *token, unsigned char out[32]) {
  crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

bool auth_is_b64url(const char *s, size_t n) {
  if (!s || strlen(s) != n) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  }
  return true;
}

bool auth_login_norm(const char *login, char out[64]) {
  size_t n = login ? strlen(login) : 0;
  bool ok = n >= 2 && n <= 63;
  size_t j = 0;
  for (size_t i = 0; i < n && j < 63; i++) {
    char c = login[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && (c == '.' || c == '_' || c == '-' || c == '@'))) ok = false;
    out[j++] = c;
  }
  out[j] = '\0';
  return ok;
}

int auth_end_sessions(lg_store_t *s, int64_t user_id, lg_err_t *err) {
  lg_stmt_t *st;
  int rc = lg_store_prepare(s, "DELETE FROM lg_sessions WHERE user_id = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_int(st, 1, user_id);
  if (lg_store_step(st) != LG_DONE) rc = lg_store_fail(s, err, "结束会话失败");
  lg_store_done(st);
  return rc;
}

int lg_auth_sessions_end_user(lg_store_t *s, int64_t user_id, lg_err_t *err) {
  return auth_end_sessions(s, user_id, err);
}

/* ---- Passwords ------------------------------------------------------------ */

int auth_hash_password(lg_store_t *s, const char *password, char out[crypto_pwhash_STRBYTES],
                       lg_err_t *err) {
  if (!auth_sodium()) return lg_err_set(err, LG_EINTERNAL, "libsodium 初始化失败");
  /* argon2id with libsodium's INTERACTIVE limits (2 passes, 64 MiB) unless
   * the store says otherwise; tests lower them to keep sanitizer runs
   * quick. The parameters travel inside the hash string, so a change
   * applies to passwords set from then on (and to old ones at their next
   * login, which rehashes). */
  unsigned long long ops = (unsigned long long)auth_setting_int(
      s, "auth.pwhash_ops", crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
      crypto_pwhash_argon2id_OPSLIMIT_MIN, 64);
  size_t mem =
      (size_t)auth_setting_int(s, "auth.pwhash_mem", crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE,
                               crypto_pwhash_argon2id_MEMLIMIT_MIN, (int64_t)4 << 30);
  if (crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return lg_err_set(err, LG_EINTERNAL, "计算密码散列失败 (内存不足? auth.pwhash_mem = %zu)", mem);
  return 0;
}

/* Whether a stored hash was made with other parameters than the current
 * settings (or another algorithm). */
bool auth_needs_rehash(lg_store_t *s, const char *hash) {
  unsigned long long ops = (unsigned long long)auth_setting_int(
      s, "auth.pwhash_ops", crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
      crypto_pwhash_argon2id_OPSLIMIT_MIN, 64);
  size_t mem =
      (size_t)auth_setting_int(s, "auth.pwhash_mem", crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE,
                               crypto_pwhash_argon2id_MEMLIMIT_MIN, (int64_t)4 << 30);
  return crypto_pwhash_argon2id_str_needs_rehash(hash, ops, mem) != 0;
}

int lg_auth_password_acceptable(lg_store_t *s, const char *password, lg_err_t *err) {
  int min = (int)lg_store_setting_int(s, "auth.password_min_len");
  size_t n = password ? strlen(password) : 0;
  if (n > AUTH_PASSWORD_MAX)
    return lg_err_set(err, LG_EINVAL, "密码太长 (超过 %d 字节)", AUTH_PASSWORD_MAX);
  if (!lg_utf8_valid(password ? password : "", n))
    return lg_err_set(err, LG_EINVAL, "密码不是有效的 UTF-8 文本");
  int chars = 0;
  bool upper = false, lower = false, digit = false, other = false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)password[i];
    if (c < 0x20 || c == 0x7f) return lg_err_set(err, LG_EINVAL, "密码中不能有控制字符 (如换行)");
    if ((c & 0xC0) != 0x80) chars++;
    if (c >= 'A' && c <= 'Z')
      upper = true;
    else if (c >= 'a' && c <= 'z')
      lower = true;
    else if (c >= '0' && c <= '9')
      digit = true;
    else
      other = true;
  }
  int classes = upper + lower + digit + other;
  if (chars < min || classes < 3)
    return lg_err_set(err, LG_EINVAL,
                      "密码不符合要求: 至少 %d 个字符, 且包含大写字母、小写字母、数字、其他符号中"
                      "的至少三类 (GB/T 22239-2019 8.1.4.1); 现在 %d 个字符, %d 类",
                      min, chars, classes);
  return 0;
}

void lg_auth_password_generate(char out[LG_AUTH_GEN_PASSWORD_LEN + 1]) {
  /* No 0/O/o, 1/l/I: a password read aloud or copied from paper survives. */
  static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  (void)auth_sodium();
  for (;;) {
    bool upper = false, lower = false, digit = false;
    for (int i = 0; i < LG_AUTH_GEN_PASSWORD_LEN; i++) {
      char c = alphabet[randombytes_uniform(sizeof alphabet - 1)];
      upper |= c >= 'A' && c <= 'Z';
      lower |= c >= 'a' && c <= 'z';
      digit |= c >= '0' && c <= '9';
      out[i] = c;
    }
    out[LG_AUTH_GEN_PASSWORD_LEN] = '\0';
    if (upper && lower && digit) return;
  }
}

/* ---- Users ----------------------------------------------------------------- */

static bool enterprise_ok(const char *e) {
  size_t n = strlen(e);
  if (n == 0 || n > 63) return false;
  for (size_t i = 0; i < n; i++) {
    char c = e[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  }
  return true;
}

static bool given(const char *s) { return s && *s; }

/* The division length an approver of each level has (GB/T 2260). */
static size_t level_digits(const char *level) {
  return strcmp(level, "county") == 0 ? 6 : strcmp(level, "city") == 0 ? 4 : 2;
}

static int check_def(lg_store_t *s, const lg_user_def_t *d, char login[64], char division[16],
                     lg_err_t *err) {
  if (!auth_login_norm(d->login, login))
    return lg_err_set(err, LG_EINVAL,
                      "用户名 \"%.64s\" 无效: 应为 2-63 个字符, 由字母、数字和 . _ - @ 组成, "
                      "以字母或数字开头",
                      d->login ? d->login : "");
  if (!lg_auth_role_valid(d->role) || strcmp(d->role, "public") == 0)
    return lg_err_set(err, LG_EINVAL,
                      "角色 \"%s\" 无效: 应为 clerk (受理窗口)、reviewer (部门审查)、approver "
                      "(审批)、admin (管理员) 或 applicant (企业申请人)",
                      d->role ? d->role : "");
  if (!given(d->division))
    return lg_err_set(err, LG_EINVAL, "用户 %s 缺少行政区划代码 (--division)", login);
  int rc = lg_auth_division_normalize(d->division, division, "--division", err);
  if (rc) return rc;
  if (strlen(division) > 9)
    return lg_err_set(err, LG_EINVAL, "用户的行政区划代码 %s 应到省、市、县或乡镇一级", division);
  bool reviewer = strcmp(d->role, "reviewer") == 0, approver = strcmp(d->role, "approver") == 0,
       applicant = strcmp(d->role, "applicant") == 0;
  if (reviewer != given(d->dept))
    return lg_err_set(err, LG_EINVAL,
                      reviewer ? "部门审查员 (reviewer) 需要所属部门 (--dept)"
                               : "只有部门审查员 (reviewer) 有所属部门 (--dept)");
  if (reviewer) {
    bool found;
    if ((rc = lg_auth_dept_get(s, d->dept, &found, NULL, err))) return rc;
    if (!found)
      return lg_err_set(err, LG_EINVAL,
                        "部门 \"%s\" 不在部门表 lg_departments 中 (如 natural_resources、"
                        "agriculture、ecology、forestry、water)",
                        d->dept);
  }
  if (approver != given(d->level))
    return lg_err_set(err, LG_EINVAL,
                      approver ? "审批人员 (approver) 需要审批层级 (--level)"
                               : "只有审批人员 (approver) 有审批层级 (--level)");
  if (approver) {
    if (!lg_auth_level_valid(d->level))
      return lg_err_set(err, LG_EINVAL, "审批层级 \"%s\" 无效: 应为 county、city 或 province",
                        d->level);
    if (strlen(division) != level_digits(d->level))
      return lg_err_set(err, LG_EINVAL, "%s审批人员的行政区划代码应为 %zu 位 (GB/T 2260), 得到 %s",
                        lg_auth_level_title(d->level), level_digits(d->level), division);
  }
  if (applicant != given(d->enterprise))
    return lg_err_set(err, LG_EINVAL,
                      applicant ? "企业申请人 (applicant) 需要企业标识 (--enterprise, "
                                  "如统一社会信用代码)"
                                : "只有企业申请人 (applicant) 有企业标识 (--enterprise)");
  if (applicant && !enterprise_ok(d->enterprise))
    return lg_err_set(err, LG_EINVAL, "企业标识 \"%.64s\" 无效: 应为 1-63 个字母、数字或 - _ .",
                      d->enterprise);
  if (d->name && (strlen(d->name) > 255 || !lg_utf8_valid(d->name, strlen(d->name))))
    return lg_err_set(err, LG_EINVAL, "姓名应为不超过 255 字节的 UTF-8 文本");
  return 0;
}

/* The account's entry, from its row as it now is (inside the caller's
 * transaction). */
static int record_user(lg_store_t *s, const lg_subject_t *by, const char *action, const char *login,
                       lg_err_t *err) {
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc) return rc;
  json_t *state = lg_auth_user_state(&u);
  rc = auth_record(s, by, action, "user", u.login, u.division, state, err);
  json_decref(state);
  return rc;
}

static json_t *opt_text(const char *s) { return s && *s ? json_string(s) : json_null(); }

json_t *lg_auth_user_state(const lg_user_t *u) {
  /* What the account is and may do, and when its password last changed:
   * the fact of a change, never the hash (a digest of a digest of a
   * password is still something to guess against). */
  return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:b, s:s}", "login", u->login, "name",
                   u->name, "role", u->role, "dept", opt_text(u->dept), "level", opt_text(u->level),
                   "division", u->division, "enterprise", opt_text(u->enterprise), "disabled",
                   u->disabled, "password_changed_at", u->pw_changed_at);
}

/* Whether a login is taken (the caller's transaction sees it). */
static int login_taken(lg_store_t *s, const char *login, bool *taken, lg_err_t *err) {
  lg_stmt_t *st;
  *taken = false;
  int rc = lg_store_prepare(s, "SELECT 1 FROM lg_users WHERE login = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, login);
  int step = lg_store_step(st);
  if (step == LG_ROW)
    *taken = true;
  else if (step != LG_DONE)
    rc = lg_store_fail(s, err, "查询用户失败");
  lg_store_done(st);
  return rc;
}

int lg_auth_user_add(lg_store_t *s, const lg_user_def_t *def, const char *password, int64_t *id,
                     lg_err_t *err) {
  char login[64], division[16], hash[crypto_pwhash_STRBYTES];
  int rc = check_def(s, def, login, division, err);
  if (rc == 0) rc = lg_auth_password_acceptable(s, password, err);
  /* Hash before taking the writer lock: argon2 takes a while. */
  if (rc == 0) rc = auth_hash_password(s, password, hash, err);
  if (rc) return rc;
  lg_stmt_t *st = NULL;
  bool taken;
  if ((rc = lg_store_begin(s, err))) goto out;
  if ((rc = login_taken(s, login, &taken, err))) goto done;
  if (taken) {
    /* Nothing written: close this level without undoing a caller's
     * transaction (the demo adds accounts that may exist already). */
    rc = lg_store_commit(s, err);
    if (rc == 0) rc = lg_err_set(err, LG_ECONFLICT, "用户 %s 已存在", login);
    goto out;
  }
  rc = lg_store_prepare(s,
                        "INSERT INTO lg_users(login, name, pw_hash, role, dept, level, division,"
                        " enterprise, created_at, pw_changed_at) VALUES (?,?,?,?,?,?,?,?,?,?9)"
                        " RETURNING id",
                        &st, err);
  if (rc) goto done;
  char ts[32];
  lg_time_iso(lg_now(), ts);
  lg_store_bind_text(st, 1, login);
  lg_store_bind_text(st, 2, def->name ? def->name : "");
  lg_store_bind_text(st, 3, hash);
  lg_store_bind_text(st, 4, def->role);
  if (given(def->dept)) lg_store_bind_text(st, 5, def->dept);
  if (given(def->level)) lg_store_bind_text(st, 6, def->level);
  lg_store_bind_text(st, 7, division);
  if (given(def->enterprise)) lg_store_bind_text(st, 8, def->enterprise);
  lg_store_bind_text(st, 9, ts);
  int64_t new_id = 0;
  rc = lg_store_insert_id(st, &new_id, "添加用户失败", err);
  st = NULL;
  if (rc) goto done;
  if (id) *id = new_id;
  if ((rc = record_user(s, def->by, "user.add", login, err))) goto done;
  rc = lg_store_commit(s, err);
done:
  lg_store_done(st);
  if (rc) lg_store_rollback(s);
out:
  sodium_memzero(hash, sizeof hash);
  return rc;
}

int lg_auth_user_update(lg_store_t *s, const char *login, const lg_user_def_t *def, lg_err_t *err) {
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc) return rc;
  /* Fields not given keep their value while the role stays; a new role
   * brings its own qualifier and drops the old one's. */
  const char *role = given(def->role) ? def->role : u.role;
  bool same = strcmp(role, u.role) == 0;
  lg_user_def_t m = {
      .login = u.login,
      .name = def->name ? def->name : u.name,
      .role = role,
      .dept = given(def->dept)    ? def->dept
              : same && u.dept[0] ? u.dept
                                  : NULL,
      .level = given(def->level)    ? def->level
               : same && u.level[0] ? u.level
                                    : NULL,
      .division = given(def->division) ? def->division : u.division,
      .enterprise = given(def->enterprise)    ? def->enterprise
                    : same && u.enterprise[0] ? u.enterprise
                                              : NULL,
  };
  char norm[64], division[16];
  if ((rc = check_def(s, &m, norm, division, err))) return rc;
  bool moved = !same || strcmp(division, u.division) != 0;
  lg_stmt_t *st = NULL;
  if ((rc = lg_store_begin(s, err))) return rc;
  if ((rc = lg_store_prepare(s,
                             "UPDATE lg_users SET name = ?, role = ?, dept = ?, level = ?,"
                             " division = ?, enterprise = ? WHERE id = ?",
                             &st, err)))
    goto done;
  lg_store_bind_text(st, 1, m.name);
  lg_store_bind_text(st, 2, m.role);
  if (given(m.dept)) lg_store_bind_text(st, 3, m.dept);
  if (given(m.level)) lg_store_bind_text(st, 4, m.level);
  lg_store_bind_text(st, 5, division);
  if (given(m.enterprise)) lg_store_bind_text(st, 6, m.enterprise);
  lg_store_bind_int(st, 7, u.id);
  if (lg_store_step(st) != LG_DONE) {
    rc = lg_store_fail(s, err, "修改用户失败");
    goto done;
  }
  /* New powers or a new place: whoever holds the old sessions logs in
   * again and sees the page for what the account now is. */
  if (moved && (rc = auth_end_sessions(s, u.id, err))) goto done;
  if ((rc = record_user(s, def->by, "user.role", u.login, err))) goto done;
  rc = lg_store_commit(s, err);
done:
  lg_store_done(st);
  if (rc) lg_store_rollback(s);
  return rc;
}

int lg_auth_users_record(lg_store_t *s, const lg_subject_t *by, size_t *n, lg_err_t *err) {
  if (n) *n = 0;
  lg_user_t *us = NULL;
  size_t count = 0, done_n = 0;
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  if ((rc = lg_auth_users(s, NULL, &us, &count, err))) goto done;
  for (size_t i = 0; i < count && rc == 0; i++) {
    size_t total = 0;
    rc = lg_ledger_object_entries(s, "user", us[i].login, NULL, 0, &total, err);
    if (rc == 0 && total == 0) {
      rc = record_user(s, by, "user.record", us[i].login, err);
      done_n++;
    }
  }
  if (rc == 0) rc = lg_store_commit(s, err);
done:
  lg_free(us);
  if (rc)
    lg_store_rollback(s);
  else if (n)
    *n = done_n;
  return rc;
}

int lg_auth_user_get(lg_store_t *s, const char *login, lg_user_t *out, lg_err_t *err) {
  char norm[64];
  auth_login_norm(login, norm);
  lg_stmt_t *st;
  int rc =
      lg_store_prepare(s, "SELECT " AUTH_USER_COLS " FROM lg_users u WHERE u.login = ?", &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, norm);
  int step = lg_store_step(st);
  if (step == LG_ROW)
    auth_user_row(st, 0, out);
  else if (step == LG_DONE)
    rc = lg_err_set(err, LG_ENOTFOUND, "没有用户 %s", norm);
  else
    rc = lg_store_fail(s, err, "查询用户失败");
  lg_store_done(st);
  return rc;
}

int lg_auth_users(lg_store_t *s, const char *within, lg_user_t **users, size_t *n, lg_err_t *err) {
  *users = NULL;
  *n = 0;
  char d[16] = "";
  int rc = 0;
  if (within && (rc = lg_auth_division_normalize(within, d, "行政区", err))) return rc;
  lg_stmt_t *st;
  rc = lg_store_prepare(s,
                        "SELECT " AUTH_USER_COLS " FROM lg_users u"
                        " WHERE ?1 = '' OR u.division LIKE ?1 || '%' ORDER BY u.login",
                        &st, err);
  if (rc) return rc;
  lg_store_bind_text(st, 1, d);
  LG_VEC(lg_user_t) v = {0};
  int step;
  while ((step = lg_store_step(st)) == LG_ROW) {
    lg_vec_reserve(&v, v.len + 1);
    auth_user_row(st, 0, &v.items[v.len++]);
  }
  if (step != LG_DONE) {
    rc = lg_store_fail(s, err, "列出用户失败");
    lg_free(v.items);
  } else {
    *users = v.items;
    *n = v.len;
  }
  lg_store_done(st);
  return rc;
}

int lg_auth_user_set_disabled(lg_store_t *s, const char *login, bool disabled,
                              const lg_subject_t *by, lg_err_t *err) {
  lg_user_t u;
  int rc = lg_store_begin(s, err);
  if (rc) return rc;
  lg_stmt_t *st = NULL;
  if ((rc = lg_auth_user_get(s, login, &u, err))) goto done;
  if ((rc = lg_store_prepare(s, "UPDATE lg_users SET disabled = ? WHERE id = ?", &st, err)))
    goto done;
  lg_store_bind_int(st, 1, disabled ? 1 : 0);
  lg_store_bind_int(st, 2, u.id);
  if (lg_store_step(st) != LG_DONE) {
    rc = lg_store_fail(s, err, "停用用户失败");
    goto done;
  }
  if (disabled && (rc = auth_end_sessions(s, u.id, err))) goto done;
  if ((rc = record_user(s, by, disabled ? "user.disable" : "user.enable", u.login, err))) goto done;
  rc = lg_store_commit(s, err);
done:
  lg_store_done(st);
  if (rc) lg_store_rollback(s);
  return rc;
}

int lg_auth_user_passwd(lg_store_t *s, const char *login, const char *password,
                        const lg_subject_t *by, lg_err_t *err) {
  lg_user_t u;
  char hash[crypto_pwhash_STRBYTES];
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc == 0) rc = lg_auth_password_acceptable(s, password, err);
  /* Hash before taking the writer lock: argon2 takes a while. */
  if (rc == 0) rc = auth_hash_password(s, password, hash, err);
  if (rc) return rc;
  lg_stmt_t *st = NULL;
  if ((rc = lg_store_begin(s, err))) goto out;
  if ((rc = lg_store_prepare(s, "UPDATE lg_users SET pw_hash = ?, pw_changed_at = ? WHERE id = ?",
                             &st, err)))
    goto done;
  char ts[32];
  lg_time_iso(lg_now(), ts);
  lg_store_bind_text(st, 1, hash);
  lg_store_bind_text(st, 2, ts);
  lg_store_bind_int(st, 3, u.id);
  if (lg_store_step(st) != LG_DONE) {
    rc = lg_store_fail(s, err, "修改密码失败");
    goto done;
  }
  /* A new password ends every session the old one opened. */
  if ((rc = auth_end_sessions(s, u.id, err))) goto done;
  if ((rc = record_user(s, by, "user.passwd", u.login, err))) goto done;
  rc = lg_store_commit(s, err);
done:
  lg_store_done(st);
  if (rc) lg_store_rollback(s);
out:
  sodium_memzero(hash, sizeof hash);
  return rc;
}

void lg_auth_subject_from_user(const lg_user_t *u, lg_subject_t *out) {
  memset(out, 0, sizeof *out);
  out->user_id = u->id;
  snprintf(out->login, sizeof out->login, "%s", u->login);
  snprintf(out->name, sizeof out->name, "%s", u->name);
  snprintf(out->role, sizeof out->role, "%s", u->role);
  snprintf(out->dept, sizeof out->dept, "%s", u->dept);
  snprintf(out->level, sizeof out->level, "%s", u->level);
  snprintf(out->division, sizeof out->division, "%s", u->division);
  snprintf(out->enterprise, sizeof out->enterprise, "%s", u->enterprise);
}
