/*
 * flow: the process engine. It runs a subset of BPMN 2.0, so that a bureau
 * draws its own approval process in any BPMN modeler (bpmn-js, Camunda
 * Modeler) and landgov executes it: the cure for the "approval marathon"
 * is a process the bureau can see, change and measure.
 *
 * Supported elements (anything else is refused at deployment, naming the
 * element and its id):
 *   - startEvent (none), endEvent (none or terminate),
 *     intermediateThrowEvent (none: a milestone);
 *   - userTask, with candidate groups and optional multi-instance
 *     (parallel: one task per element of a collection, a completion
 *     condition over the outcomes);
 *   - serviceTask bound by name to a C handler registered at run time;
 *   - receiveTask (waits for a message);
 *   - exclusiveGateway (conditions, default flow), parallelGateway (fork
 *     and join), eventBasedGateway (the first of a message or a timer);
 *   - intermediateCatchEvent and boundaryEvent with a timer (ISO 8601
 *     duration, optionally in working or calendar days) or a message,
 *     boundary events interrupting or not;
 *   - sequenceFlow with conditionExpression; lanes, text annotations,
 *     groups, data objects and the BPMNDiagram are kept but not executed.
 *
 * landgov's extension attributes live in the namespace LG_FLOW_NS
 * (prefix `landgov:` by convention):
 *   userTask           landgov:candidateGroups="reviewer:{department}@{jurisdiction},chief"
 *                      (comma-separated; each {expression} is replaced by its value),
 *                      landgov:assignee="{applicant}", landgov:resultVariable="county"
 *   multiInstanceLoopCharacteristics
 *                      landgov:collection="departments" (an expression giving
 *                      a list), landgov:elementVariable="department"
 *   serviceTask        landgov:handler="compliance_check", and any other
 *                      landgov:* attribute as a parameter for the handler
 *   timerEventDefinition (or its event)
 *                      landgov:days="working" | "calendar"
 *
 * Conditions are written in a small safe expression language over the
 * instance's variables (see expr.c): `check.verdict == "prohibited"`,
 * `authority.conversion in ["province", "state_council"]`,
 * `nrOfVetoes > 0 or nrOfApproved == nrOfInstances`.
 *
 * What a completed user task leaves behind: the variables submitted with
 * it (merged into the instance's, except for multi-instance tasks, whose
 * submissions stay on the task), `outcome` (its outcome) and a result
 * variable (landgov:resultVariable, by default the task's id) holding
 * {"outcome", "actor"}; for a multi-instance task {"nrOfInstances",
 * "nrOfCompletedInstances", "nrOfApproved", "nrOfVetoes", "outcomes":
 * [{"element", "outcome", "actor"}], "counts": {outcome: n}}. While a
 * multi-instance task runs, its completion condition sees nrOfInstances,
 * nrOfCompletedInstances, nrOfActiveInstances, nrOfApproved (outcome
 * "approve"), nrOfVetoes (outcome "veto") and counts.
 *
 * Timers: without landgov:days, a duration runs from the instant it
 * starts (P30D = 30 x 24 h). With landgov:days="working" (durations PnD
 * only) or "calendar", it is a statutory period counted in days of
 * Beijing time: the starting day is not counted and the period ends at
 * 24:00 of its last day (Civil Code art. 201, 203); working days follow
 * the calendar in lg_work_calendar (public holidays and 调休 as data).
 * A duration written ${...} is an expression over the variables, read
 * when the timer is armed, so a period can be data of the case with a
 * default: <bpmn:timeDuration>${coalesce(deferral_period, "P20D")}</...>.
 *
 * Persistence and transactions: definitions, instances, tokens,
 * variables, tasks, waits (timers, messages) and history live in the
 * store (lg_flow_* tables). Each public action (start, claim, complete,
 * message, each fired timer, cancel, set variables) is one transaction
 * that also appends one ledger entry (object type "flow.instance") with
 * the digest of the instance's new state. Nothing lives in memory between
 * calls: after a restart, instances and timers simply continue. An
 * action may run inside a caller's transaction (lg_store_begin nests), so
 * that a case row and its instance change together; on error the action
 * rolls the whole transaction back (lg_store_rollback), the caller's
 * part included.
 *
 * Service-task handlers and errors: a handler runs inside the action's
 * transaction. If it fails, or an exclusive gateway finds no way out, or
 * a condition cannot be evaluated, the whole action is rolled back and
 * its error returned (a tick records the error on the timer and tries
 * again on the next tick).
 */
#ifndef LG_FLOW_H
#define LG_FLOW_H

#include <jansson.h>

#include "core/core.h"
#include "store/store.h"

#define LG_FLOW_NS_BPMN "http://www.omg.org/spec/BPMN/20100524/MODEL"
#define LG_FLOW_NS "https://landgov.cn/schema/bpmn/1.0"

/* Outcomes the multi-instance counters know (any other text is allowed
 * and counted in `counts`). */
#define LG_FLOW_APPROVE "approve"
#define LG_FLOW_VETO "veto"

/* ---- Definitions ---------------------------------------------------------- */

typedef struct lg_flow_def_info {
  int64_t id;     /* row id of this version */
  char key[128];  /* the process's id in the XML: bpmn:process/@id */
  int version;    /* 1, 2, ... per key */
  char name[256]; /* bpmn:process/@name, may be empty */
  bool created;   /* false when identical XML was deployed before */
} lg_flow_def_info_t;

/* Parses and validates BPMN XML without storing it. Errors name the
 * element, its id and its line: "不支持的 BPMN 元素 <bpmn:complexGateway
 * id="G3">" (LG_EUNSUPPORTED), broken references or graphs (LG_EINVAL). */
int lg_flow_validate(const char *xml, size_t len, lg_err_t *err);
/* Validates and stores a definition as the next version of its key.
 * Deploying the very same XML again returns the existing version
 * (created = false). out may be NULL. */
int lg_flow_deploy(lg_store_t *s, const char *xml, size_t len, const char *actor,
                   lg_flow_def_info_t *out, lg_err_t *err);
/* Every version of every key: [{id, key, version, name, deployed_at,
 * deployed_by, instances}], newest first. Caller decrefs. */
int lg_flow_definitions(lg_store_t *s, json_t **out, lg_err_t *err);
/* The XML of a definition (version 0: the latest). *xml: caller frees
 * with lg_free. info may be NULL. */
int lg_flow_definition_xml(lg_store_t *s, const char *key, int version, char **xml,
                           lg_flow_def_info_t *info, lg_err_t *err);

/* ---- Service-task handlers -----------------------------------------------
 * Bound by name at run time (the cases module binds "compliance_check",
 * "approval_authority", "notice", "penalty"); tests bind their own. The
 * registry is process-wide and thread-safe; register at start-up. */
typedef struct lg_flow_ctx lg_flow_ctx_t;
typedef int (*lg_flow_handler_fn)(lg_flow_ctx_t *ctx, void *userdata, lg_err_t *err);
/* Registers (or replaces) a handler. */
void lg_flow_register_handler(const char *name, lg_flow_handler_fn fn, void *userdata);
void lg_flow_unregister_handler(const char *name);

/* What a handler may see and do. All pointers are borrowed for the call. */
lg_store_t *lg_flow_ctx_store(lg_flow_ctx_t *ctx); /* inside the action's transaction */
int64_t lg_flow_ctx_instance(lg_flow_ctx_t *ctx);
const char *lg_flow_ctx_business_key(lg_flow_ctx_t *ctx); /* may be NULL */
const char *lg_flow_ctx_node(lg_flow_ctx_t *ctx);         /* the service task's id */
const char *lg_flow_ctx_actor(lg_flow_ctx_t *ctx);
int64_t lg_flow_ctx_now(lg_flow_ctx_t *ctx);
/* The instance's variables: a JSON object the handler may change (set
 * its results here; they are saved with the action). */
json_t *lg_flow_ctx_vars(lg_flow_ctx_t *ctx);
/* A landgov:* attribute of the service task ("kind" for landgov:kind), or NULL. */
const char *lg_flow_ctx_attr(lg_flow_ctx_t *ctx, const char *name);

/* ---- Instances ------------------------------------------------------------ */

typedef struct lg_flow_start_opts {
  const char *key;          /* process key (required) */
  int version;              /* 0: the latest */
  const char *business_key; /* e.g. the case number; may be NULL */
  const json_t *vars;       /* initial variables (an object), may be NULL */
  const char *actor;        /* who started it; NULL: "system" */
} lg_flow_start_opts_t;

/* Starts an instance of the latest version of `key` and runs it until it
 * waits (a user task, a message, a timer) or ends. */
int lg_flow_start(lg_store_t *s, const char *key, const json_t *vars, const char *actor,
                  int64_t *instance_id, lg_err_t *err);
int lg_flow_start_ex(lg_store_t *s, const lg_flow_start_opts_t *o, int64_t *instance_id,
                     lg_err_t *err);

/* Takes an open task for actor (assignee). LG_ECONFLICT when someone else
 * holds it. */
int lg_flow_claim(lg_store_t *s, int64_t task_id, const char *actor, lg_err_t *err);
/* Gives an open task to `assignee`, replacing whoever held it, on the
 * word of `by` (an administrator reassigning a task that no one can act
 * on); recorded in the instance's history and the ledger as
 * flow.task.assign. */
int lg_flow_assign(lg_store_t *s, int64_t task_id, const char *assignee, const char *by,
                   lg_err_t *err);
/* Completes an open task with an outcome (NULL: "done") and variables
 * (may be NULL), then runs the instance on. A task assigned to someone
 * else is LG_EPERM; a task no longer open LG_ECONFLICT. Whether actor may
 * act for the task's candidate groups is for the caller (http) to check. */
int lg_flow_complete(lg_store_t *s, int64_t task_id, const char *actor, const char *outcome,
                     const json_t *vars, lg_err_t *err);
/* Delivers message `name` to an instance that waits for it (catch
 * event, receive task, boundary event, event-based gateway), merging
 * vars. LG_ENOTFOUND when the instance does not wait for that message. */
int lg_flow_message(lg_store_t *s, int64_t instance_id, const char *name, const json_t *vars,
                    const char *actor, lg_err_t *err);
/* Fires every timer due at `now` (each in its own transaction), in due
 * order. *fired (may be NULL) receives how many fired. Returns the first
 * error met; timers that failed keep their error and are retried. */
int lg_flow_tick(lg_store_t *s, int64_t now, int *fired, lg_err_t *err);
/* Ends an active instance: open tasks and waits cancelled. */
int lg_flow_cancel(lg_store_t *s, int64_t instance_id, const char *actor, const char *reason,
                   lg_err_t *err);
/* Merges variables into an active instance (no transition). */
int lg_flow_set_vars(lg_store_t *s, int64_t instance_id, const json_t *vars, const char *actor,
                     lg_err_t *err);

/* ---- Reading -------------------------------------------------------------- */

/* WITHOUT_VARIABLES leaves "variables" null: for callers that only need
 * where the instance stands, it saves parsing them. */
enum { LG_FLOW_WITH_HISTORY = 1, LG_FLOW_WITHOUT_VARIABLES = 2 };
/* {id, definition: {id, key, version, name}, business_key, status
 * ("active" | "completed" | "terminated" | "cancelled"), started_at,
 * started_by, ended_at, end_node, variables, active_nodes: [{id, name,
 * type}], tokens: [{id, node, state}], tasks: [...], waits: [{id, node,
 * kind, message, due_at, status, error}], history (with the flag):
 * [{at, actor, event, node, flow, task_id, detail}]}. Caller decrefs. */
int lg_flow_instance_json(lg_store_t *s, int64_t instance_id, int flags, json_t **out,
                          lg_err_t *err);

typedef struct lg_flow_instance_filter {
  const char *status;       /* NULL: any */
  const char *key;          /* process key, NULL: any */
  const char *business_key; /* NULL: any */
  int limit;                /* 0: 100 */
} lg_flow_instance_filter_t;
/* [{id, key, version, business_key, status, started_at, ended_at, end_node}] */
int lg_flow_instances(lg_store_t *s, const lg_flow_instance_filter_t *f, json_t **out,
                      lg_err_t *err);

typedef struct lg_flow_task_filter {
  int64_t instance_id;       /* 0: any */
  const char *const *groups; /* NULL-terminated: offered to any of these; NULL: any */
  const char *assignee;      /* NULL: any */
  const char *status;        /* "open" (NULL), "completed", "cancelled", "all" */
  const char *node;          /* task definition id; NULL: any */
  int limit;                 /* 0: 200 */
} lg_flow_task_filter_t;
/* Tasks, oldest first: [{id, instance_id, business_key, node, name,
 * candidate_groups: [...], assignee, element, loop_index, status,
 * outcome, actor, vars, created_at, due_at, completed_at}]. */
int lg_flow_tasks(lg_store_t *s, const lg_flow_task_filter_t *f, json_t **out, lg_err_t *err);
int lg_flow_task_json(lg_store_t *s, int64_t task_id, json_t **out, lg_err_t *err);

/* ---- Typed reads (for the modules that act on tasks: src/cases) -------- */

enum { LG_FLOW_TASK_OPEN, LG_FLOW_TASK_COMPLETED, LG_FLOW_TASK_CANCELLED };

/* A user task as the engine holds it. */
typedef struct lg_flow_task {
  int64_t id, instance_id;
  char node[64];     /* the task's id in the process definition */
  char name[256];    /* its name, or the node when it has none */
  int state;         /* LG_FLOW_TASK_* */
  char assignee[64]; /* "" when it is offered to its groups */
  char groups[512];  /* candidate groups, comma-separated */
  int loop_index;    /* its place in a multi-instance task; -1 when single */
  char due_at[32];   /* "" when none */
} lg_flow_task_t;
/* Reads a task; LG_ENOTFOUND when none. */
int lg_flow_task_get(lg_store_t *s, int64_t task_id, lg_flow_task_t *out, lg_err_t *err);

enum { LG_FLOW_WAIT_TIMER, LG_FLOW_WAIT_MESSAGE };
enum { LG_FLOW_FROM_BOUNDARY, LG_FLOW_FROM_CATCH, LG_FLOW_FROM_GATEWAY, LG_FLOW_FROM_RECEIVE };

/* A pending wait of an instance: a timer or a message it waits for. */
typedef struct lg_flow_wait {
  int64_t id;
  char node[64];
  int kind;         /* LG_FLOW_WAIT_* */
  int source;       /* LG_FLOW_FROM_*: a boundary event, a catch event, an
                       event-based gateway, a receive task */
  char message[64]; /* for a message wait */
  char due_at[32];  /* for a timer; "" when none */
} lg_flow_wait_t;
/* The pending waits of an instance, oldest first (*out: lg_free). */
int lg_flow_waits_pending(lg_store_t *s, int64_t instance_id, lg_flow_wait_t **out, size_t *n,
                          lg_err_t *err);

/* ---- Expressions (for a modeler that checks what people type) ---------- */
int lg_flow_expr_check(const char *text, lg_err_t *err);
/* Evaluates an expression over vars (an object, may be NULL); *result:
 * caller decrefs. */
int lg_flow_expr_eval(const char *text, const json_t *vars, json_t **result, lg_err_t *err);

/* ---- Working-day calendar (table lg_work_calendar) ----------------------- */
/* Loads the calendar's exceptions; free with lg_workcal_free. */
int lg_flow_calendar_load(lg_store_t *s, lg_workcal_t **out, lg_err_t *err);
/* Records one day: kind "holiday" (放假), "workday" (调休上班) or NULL to
 * make it an ordinary day again. Appended to the ledger. Deadlines
 * already computed keep their date. */
int lg_flow_calendar_set(lg_store_t *s, const char *day, const char *kind, const char *name,
                         const char *actor, lg_err_t *err);
/* [{day, kind, name, source}] of a year (0: all years). */
int lg_flow_calendar_json(lg_store_t *s, int year, json_t **out, lg_err_t *err);

/* ---- Ledger audit ---------------------------------------------------------
 * Calls emit once per instance ("flow.instance", object id = instance id)
 * with the digest of its current state, computed as when it was recorded;
 * the CLI's table of auditors lists it. LG_EUNSUPPORTED when built
 * without the ledger. */
int lg_flow_audit_scan(lg_store_t *s,
                       int (*emit)(void *ctx, const char *object_id,
                                   const unsigned char digest[32]),
                       void *ctx, lg_err_t *err);
/* The same for deployed definitions ("flow.definition", id "key@version"). */
int lg_flow_audit_scan_definitions(lg_store_t *s,
                                   int (*emit)(void *ctx, const char *object_id,
                                               const unsigned char digest[32]),
                                   void *ctx, lg_err_t *err);

#endif
