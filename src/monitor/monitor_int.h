/* Internals shared by the files of the monitor module. */
#ifndef LG_MONITOR_INT_H
#define LG_MONITOR_INT_H

#include <jansson.h>

#include "auth/auth.h"
#include "geo/geo.h"
#include "ledger/ledger.h"
#include "monitor/monitor.h"
#include "store/store.h"

/* The configuration (data/monitor/default.json), parsed once; borrowed. */
const json_t *mon_cfg(void);
/* cfg[group][code] as a string, or "" ("verdicts", "states", "codes"). */
const char *mon_title(const char *group, const char *code);
/* A number at cfg[group][key], or dflt. */
double mon_cfg_num(const char *group, const char *key, double dflt);

/* The actor and role of a subject for rows and the ledger ("system"
 * for the console). */
const char *mon_actor(const lg_subject_t *who);
const char *mon_role(const lg_subject_t *who);
/* Permission on a division (who NULL: the console, allowed). */
int mon_require(lg_store_t *s, const lg_subject_t *who, const char *action, const char *division,
                lg_err_t *err);
/* The scope condition of a list for who: *kind "all", "jurisdiction" or
 * "none", and the division prefix. */
int mon_scope(lg_store_t *s, const lg_subject_t *who, const char **kind, char division[16],
              lg_err_t *err);

/* The state the ledger records of a batch (its row and its patches'
 * verdicts) and of an alert (its row and events). */
json_t *mon_batch_state(lg_store_t *s, int64_t id, lg_err_t *err);
json_t *mon_alert_state(lg_store_t *s, int64_t id, lg_err_t *err);
/* Appends the entry of an object's new state (type monitor_batch or
 * monitor_alert). */
int mon_record(lg_store_t *s, const lg_subject_t *who, const char *action, const char *type,
               int64_t id, const char *division, lg_err_t *err);

/* Now as ISO 8601 UTC; out[32]. */
void mon_now(char out[32]);

#endif
