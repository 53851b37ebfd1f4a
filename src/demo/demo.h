/*
 * demo: the content of a demo store beyond its synthetic layers (which
 * src/onemap's generator makes for `landgov gen` too): the accounts, one
 * of each role, and records of every module in the states a bureau's
 * staff meet (cases waiting, vetoed, returned, approved ...), so that every
 * page of the web client has something to show. `landgov demo` calls
 * these in order; each module's demo content is a file here
 * (src/demo/<module>.c), written against that module's header only.
 */
#ifndef LG_DEMO_H
#define LG_DEMO_H

#include <jansson.h>

#include "core/core.h"
#include "onemap/onemap.h"
#include "store/store.h"

/* The one password of every demo account, fixed so that README and the
 * output of `landgov demo` can say it: for demo stores only. */
#define LG_DEMO_PASSWORD "Demo-2026-landgov"

typedef struct lg_demo_user {
  char login[64];
  char role[16];
  char division[16];
  char what[160]; /* in Chinese, for the demo's output: "部门审查 (自然资源)" */
} lg_demo_user_t;

/* Creates the demo accounts, all with LG_DEMO_PASSWORD: in the county
 * `county` (6 digits) an administrator, a clerk, reviewers of the
 * natural-resources and ecology departments, a county approver and an
 * enterprise applicant; an approver of its city and of its province; the
 * province's administrator ("admin.prov", whose jurisdiction holds the
 * whole demo store: the one who may change the policy table); and an
 * administrator and a clerk of a neighbouring county (the next code,
 * 360781 -> 360782), to try what one county may not see of another.
 * Accounts that exist already are left as they are. *users (may be NULL)
 * receives the list, caller frees with lg_free. (users.c) */
int lg_demo_users(lg_store_t *s, const char *county, lg_demo_user_t **users, size_t *n,
                  lg_err_t *err);

/* The demo's approval cases near the synthetic county's town (r), filed
 * and moved through the default process by the demo accounts, each left
 * in another state; played on a simulated clock that starts 80 days back
 * and is set back to the real one at the end. The accounts must exist.
 * (cases.c) */
int lg_demo_cases(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);

/* Land after approval (src/stock): approvals and supplies over the
 * county (r) and a few for the neighbouring county, with ten years of
 * history through the module's own functions, a supply from the
 * handed-over demo case, plans, a revoked approval, a site visit with a
 * photo; the stock layers' statuses as of today. After lg_demo_cases.
 * (stock.c) */
int lg_demo_stock(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);

/* The quota bank (src/quota): before the cases, the year's plan quota
 * coming down the levels and last year's project that consumed quota;
 * after them, the market (listings, bids, trades, a withdrawn listing, a
 * fund's spending), an enclave park with two settled years, and the
 * stock figures of allocation by stock disposed. (quota.c) */
int lg_demo_quota_setup(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);
int lg_demo_quota(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);
/* Land consolidation (src/consol): three projects of the library in the
 * county's first township (registered, implementing, and an accepted
 * reclamation project whose quotas go to the bank), by the county
 * approver. After the quota bank's setup. (consol.c) */
int lg_demo_consol(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);

/* Monitoring (src/monitor): a batch of change patches over the county,
 * some inside approvals, some on basic farmland, in the red line or on
 * no approval, detected, and two alerts moved along enforcement. After
 * lg_demo_stock (its approvals are what legal patches lie in). (monitor.c) */
int lg_demo_monitor(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);
/* Industrial land (src/industry): standard-land parcels with their
 * conditions (one on the demo case's supply), agreements, joint
 * acceptances in each state and a year of per-mu figures of twelve
 * enterprises with the evaluation kept. After lg_demo_stock. (industry.c) */
int lg_demo_industry(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err);

#endif
