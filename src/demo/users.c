/*
 * Demo accounts: one of each role in the demo county, approvers of its
 * city and province, the province's administrator (whose jurisdiction
 * holds the whole demo store, so the one who may change the policy table
 * and the settings), and two accounts of a neighbouring county, so that a
 * demo store can be logged into at once and shows what jurisdiction means
 * (the neighbour's clerk sees none of the demo county's records). `landgov
 * demo` calls this and prints the logins with their one fixed password.
 */
#include "auth/auth.h"
#include "demo/demo.h"

#include <stdio.h>
#include <string.h>

typedef struct demo_def {
  const char *login; /* "%s" is replaced by the neighbour's code */
  const char *role, *dept, *level;
  int where; /* 0 county, 1 city, 2 province, 3 neighbour county */
  const char *enterprise;
  const char *name;
} demo_def_t;

static const demo_def_t defs[] = {
    {"admin", "admin", NULL, NULL, 0, NULL, "演示管理员"},
    {"clerk", "clerk", NULL, NULL, 0, NULL, "演示受理窗口"},
    {"reviewer", "reviewer", "natural_resources", NULL, 0, NULL, "演示审查员 (自然资源)"},
    {"reviewer.eco", "reviewer", "ecology", NULL, 0, NULL, "演示审查员 (生态环境)"},
    {"approver", "approver", NULL, "county", 0, NULL, "演示县级审批"},
    {"approver.city", "approver", NULL, "city", 1, NULL, "演示市级审批"},
    {"approver.prov", "approver", NULL, "province", 2, NULL, "演示省级审批"},
    {"admin.prov", "admin", NULL, NULL, 2, NULL, "演示省级管理员"},
    {"applicant", "applicant", NULL, NULL, 0, "DEMO-ENTERPRISE-1", "演示企业申请人"},
    {"admin.%s", "admin", NULL, NULL, 3, NULL, "邻县演示管理员"},
    {"clerk.%s", "clerk", NULL, NULL, 3, NULL, "邻县演示受理窗口"},
};

int lg_demo_users(lg_store_t *s, const char *county, lg_demo_user_t **users, size_t *n,
                  lg_err_t *err) {
  if (users) *users = NULL;
  if (n) *n = 0;
  char c[16];
  int rc = lg_auth_division_normalize(county, c, "演示县", err);
  if (rc) return rc;
  if (strlen(c) != 6)
    return lg_err_set(err, LG_EINVAL, "演示县的行政区划代码应为 6 位 (GB/T 2260), 得到 %s", county);
  /* A neighbour in the same city: the next county code (or the previous
   * one at 99). It need not exist in GB/T 2260: it only has to differ. */
  char nb[16];
  int last = (c[4] - '0') * 10 + (c[5] - '0');
  snprintf(nb, sizeof nb, "%.4s%02d", c, last < 99 ? last + 1 : last - 1);
  char city[8], prov[4];
  snprintf(city, sizeof city, "%.4s", c);
  snprintf(prov, sizeof prov, "%.2s", c);

  lg_demo_user_t *out = lg_calloc(LG_ARRAY_LEN(defs), sizeof *out);
  if ((rc = lg_store_begin(s, err))) goto done;
  for (size_t i = 0; i < LG_ARRAY_LEN(defs) && rc == 0; i++) {
    const demo_def_t *d = &defs[i];
    const char *div = d->where == 0 ? c : d->where == 1 ? city : d->where == 2 ? prov : nb;
    lg_demo_user_t *u = &out[i];
    snprintf(u->login, sizeof u->login, d->login, nb);
    snprintf(u->role, sizeof u->role, "%s", d->role);
    snprintf(u->division, sizeof u->division, "%s", div);
    char *dept = NULL;
    if (d->dept && lg_auth_dept_get(s, d->dept, &(bool){false}, &dept, NULL) != 0) dept = NULL;
    /* "县级审批", "部门审查 (自然资源)" */
    snprintf(u->what, sizeof u->what, "%s%s%s%s%s", d->level ? lg_auth_level_title(d->level) : "",
             lg_auth_role_title(d->role), dept ? " (" : "", dept ? dept : "", dept ? ")" : "");
    lg_free(dept);
    lg_user_def_t def = {.login = u->login,
                         .name = d->name,
                         .role = d->role,
                         .dept = d->dept,
                         .level = d->level,
                         .division = div,
                         .enterprise = d->enterprise};
    /* Accounts that exist already are left as they are (a second run). */
    lg_user_t have;
    rc = lg_auth_user_get(s, u->login, &have, err);
    if (rc == LG_ENOTFOUND) {
      lg_err_clear(err);
      rc = lg_auth_user_add(s, &def, LG_DEMO_PASSWORD, NULL, err);
    }
  }
  if (rc == 0) rc = lg_store_commit(s, err);
  if (rc) lg_store_rollback(s);
done:
  if (rc == 0 && users) {
    *users = out;
    out = NULL;
  }
  if (rc == 0 && n) *n = LG_ARRAY_LEN(defs);
  lg_free(out);
  return rc;
}
