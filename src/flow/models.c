/*
 * The parsed definitions the engine runs, kept for the whole process.
 *
 * Every action of an instance needs the model of its definition, and
 * parsing the BPMN XML (libxml2, then the walk of model.c) costs more
 * than the rest of a transition put together. A deployed definition is
 * never edited (lg_flow_definitions refuses updates; a changed drawing is
 * a new row), so its model can be made once and shared: the worker
 * threads of a server read one copy, as they read the same XML.
 *
 * The key is the definition's row id together with the SHA-256 of its XML
 * recorded at deployment: row ids alone are not unique across the stores
 * one process may open (every new store numbers its definitions from 1),
 * the digest is, and the same digest is the same XML, hence the same
 * model, whichever store it came from.
 *
 * A model is read-only once made. The table holds a reference to each
 * model it keeps and every user one more, under one mutex; the least
 * recently used model leaves the table when it is full and is freed when
 * its last user lets it go.
 */
#include "flow/flow_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define FL_MODELS_MAX 16 /* distinct definitions kept: a bureau runs a handful */

typedef struct kept {
  int64_t id;
  char sha[65];
  fl_model_t *m;
  uint64_t used;
} kept_t;

static pthread_mutex_t models_mu = PTHREAD_MUTEX_INITIALIZER;
static kept_t models[FL_MODELS_MAX];
static int nmodels;
static uint64_t models_clock;

/* Drops one reference; the caller holds models_mu. True when it was the
 * last (the caller frees the model after unlocking). */
static bool unref_locked(fl_model_t *m) { return --m->refs == 0; }

static const fl_model_t *find_locked(int64_t id, const char *sha) {
  for (int i = 0; i < nmodels; i++)
    if (models[i].id == id && !strcmp(models[i].sha, sha)) {
      models[i].used = ++models_clock;
      models[i].m->refs++;
      return models[i].m;
    }
  return NULL;
}

int fl_model_get(lg_store_t *s, int64_t def_id, const char *sha256, const fl_model_t **out,
                 lg_err_t *err) {
  *out = NULL;
  const char *sha = sha256 ? sha256 : "";
  pthread_mutex_lock(&models_mu);
  const fl_model_t *hit = find_locked(def_id, sha);
  pthread_mutex_unlock(&models_mu);
  if (hit) {
    *out = hit;
    return 0;
  }
  /* Parsed outside the lock: another thread may parse the same one
   * meanwhile, and the first to finish is kept. */
  lg_stmt_t *st;
  if (lg_store_prepare(s, "SELECT xml FROM lg_flow_definitions WHERE id = ?", &st, err))
    return LG_EDB;
  lg_store_bind_int(st, 1, def_id);
  fl_model_t *m = NULL;
  int rc;
  if (lg_store_step(st) == LG_ROW) {
    const char *xml = lg_store_col_text(st, 0);
    rc = fl_model_parse(xml, (size_t)lg_store_col_bytes(st, 0), &m, err);
  } else {
    rc = lg_err_set(err, LG_ENOTFOUND, "流程定义 %lld 不存在", (long long)def_id);
  }
  lg_store_done(st);
  if (rc) return rc;

  fl_model_t *gone = NULL;
  pthread_mutex_lock(&models_mu);
  if ((hit = find_locked(def_id, sha)) != NULL) {
    pthread_mutex_unlock(&models_mu);
    fl_model_free(m);
    *out = hit;
    return 0;
  }
  int slot = nmodels;
  if (nmodels == FL_MODELS_MAX) {
    slot = 0;
    for (int i = 1; i < nmodels; i++)
      if (models[i].used < models[slot].used) slot = i;
    if (unref_locked(models[slot].m)) gone = models[slot].m;
  } else {
    nmodels++;
  }
  models[slot].id = def_id;
  snprintf(models[slot].sha, sizeof models[slot].sha, "%s", sha);
  models[slot].m = m;
  models[slot].used = ++models_clock;
  m->refs = 2; /* the table's and the caller's */
  pthread_mutex_unlock(&models_mu);
  fl_model_free(gone);
  *out = m;
  return 0;
}

void fl_model_release(const fl_model_t *cm) {
  if (!cm) return;
  fl_model_t *m = (fl_model_t *)cm; /* the count is the one field that changes */
  pthread_mutex_lock(&models_mu);
  bool last = unref_locked(m);
  pthread_mutex_unlock(&models_mu);
  if (last) fl_model_free(m);
}
