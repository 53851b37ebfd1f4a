/* Internals shared by the files of the flow module. */
#ifndef LG_FLOW_INT_H
#define LG_FLOW_INT_H

#include "flow/flow.h"

/* ---- Expressions (expr.c) ------------------------------------------------- */
typedef struct fl_expr fl_expr_t;
int fl_expr_parse(const char *text, fl_expr_t **out, lg_err_t *err);
void fl_expr_free(fl_expr_t *e);
const char *fl_expr_text(const fl_expr_t *e);
/* *out: a new reference. */
int fl_expr_eval(const fl_expr_t *e, const json_t *scope, json_t **out, lg_err_t *err);
/* A condition: true/false (null counts as false); anything else is an error. */
int fl_expr_test(const fl_expr_t *e, const json_t *scope, bool *out, lg_err_t *err);

/* ---- The model of a definition (model.c) ---------------------------------- */
typedef enum fl_kind {
  FL_START,
  FL_END,
  FL_THROW,
  FL_USER,
  FL_SERVICE,
  FL_RECEIVE,
  FL_XOR,
  FL_AND,
  FL_EVENTGW,
  FL_CATCH,
  FL_BOUNDARY
} fl_kind_t;

typedef enum fl_event { FL_EV_NONE, FL_EV_TIMER, FL_EV_MESSAGE, FL_EV_TERMINATE } fl_event_t;
typedef enum fl_days { FL_DAYS_EXACT, FL_DAYS_CALENDAR, FL_DAYS_WORKING } fl_days_t;

typedef struct fl_attr {
  char *name, *value;
} fl_attr_t;

typedef struct fl_node {
  char *id, *name;
  const char *type; /* BPMN local name: "userTask" */
  int line;
  fl_kind_t kind;
  fl_event_t event;
  /* timer */
  lg_duration_t dur;
  char *dur_text;
  fl_expr_t *dur_expr; /* ${...}: the duration comes from the variables when armed */
  fl_days_t days;
  /* message (catch, boundary, receive task) */
  char *message;
  /* boundary event */
  int attached;      /* node index */
  bool interrupting; /* cancelActivity */
  /* user task */
  char *groups;     /* landgov:candidateGroups template */
  char *assignee;   /* landgov:assignee template */
  char *result_var; /* landgov:resultVariable or the id; NULL if the id is no name */
  bool multi;
  fl_expr_t *collection;
  char *element_var;
  fl_expr_t *completion;
  /* service task */
  char *handler;
  LG_VEC(fl_attr_t) attrs;
  /* exclusive gateway */
  int default_flow; /* flow index or -1 */
  LG_VEC(int) in, out, boundaries;
} fl_node_t;

typedef struct fl_flow {
  char *id, *name;
  int src, dst;
  fl_expr_t *cond;
  int line;
} fl_flow_t;

typedef struct fl_model {
  char *key, *name;
  LG_VEC(fl_node_t) nodes;
  LG_VEC(fl_flow_t) flows;
  int start;
  int refs; /* holders of a shared model (models.c); 0 for one parsed for oneself */
} fl_model_t;

int fl_model_parse(const char *xml, size_t len, fl_model_t **out, lg_err_t *err);
void fl_model_free(fl_model_t *m);
/* The model of deployed definition def_id whose XML has the recorded
 * SHA-256 sha256, parsed once per process and shared read-only between
 * threads (models.c); hand it back with fl_model_release. */
int fl_model_get(lg_store_t *s, int64_t def_id, const char *sha256, const fl_model_t **out,
                 lg_err_t *err);
void fl_model_release(const fl_model_t *m);
/* Node index by id, or -1. */
int fl_model_node(const fl_model_t *m, const char *id);
/* Chinese name of a node kind ("用户任务"). */
const char *fl_kind_title(fl_kind_t k);

/* Templates with {expression} placeholders ("reviewer:{department}@{jurisdiction}"):
 * checked at deployment (model.c), expanded over variables when a task is
 * created (engine.c; *out: caller frees). A placeholder that is null or
 * not a string, number or boolean is an error. */
int fl_template_check(const char *t, lg_err_t *err);
int fl_template_expand(const char *t, const json_t *scope, char **out, lg_err_t *err);

/* ---- Small helpers (query.c) ---------------------------------------------- */
/* Column text as a JSON string, or null. */
json_t *fl_col_json_text(lg_stmt_t *st, int i);
/* Column holding JSON text, parsed (null when NULL or unparsable). */
json_t *fl_col_json(lg_stmt_t *st, int i);
/* Compact, key-sorted JSON text; caller frees with lg_free. */
char *fl_json_text(const json_t *v);
/* The state of an instance as recorded on the ledger (and recomputed by
 * the audit): the instance row, its tokens and its tasks. vars, when not
 * NULL, stands for the row's variables: the engine passes the object it
 * has just saved, whose stored text reads back as the same values
 * (fl_json_text keeps 17 digits), rather than parsing that text again. */
int fl_instance_state(lg_store_t *s, int64_t id, const json_t *vars, json_t **out, lg_err_t *err);

#endif
