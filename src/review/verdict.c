/*
 * The verdict of a compliance check (审查结论): each rule of the rule
 * set's controls and negative list applied to what the check measured,
 * each adding a reason with its effect (pass, conditional, prohibited),
 * its legal basis and the conditions it attaches. The verdict is the
 * strongest effect of any reason.
 *
 * - A control layer that is missing, or a land-use layer without a class
 *   field, is reported as not checked and keeps the verdict from "pass":
 *   the absence of data is never the absence of a conflict.
 * - Land outside the county's survey is land nobody checked (coverage).
 * - Ecological protection red line and permanent basic farmland: only the
 *   project types the rule set allows (Land Administration Law art. 35;
 *   the red line's limited activities) may occupy them, with conditions.
 * - Urban development boundary: urban project types outside it.
 * - Plan conformity (art. 26 of the Land Administration Law, the
 *   compatibility table of the rule set).
 * - The negative list: project types and uses that are prohibited,
 *   everywhere or within a control layer.
 */
#include "review/review_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A prohibition found on the part that was reviewed stands; otherwise a
 * boundary that cannot be reviewed is not passed. */
static int effect_level(const char *e) {
  return !e                               ? LG_VERDICT_PASS
         : strcmp(e, "prohibited") == 0   ? LG_VERDICT_PROHIBITED
         : strcmp(e, "unreviewable") == 0 ? LG_VERDICT_UNREVIEWABLE
         : strcmp(e, "conditional") == 0  ? LG_VERDICT_CONDITIONAL
                                          : LG_VERDICT_PASS;
}

void lg_verdict_condition(lg_verdict_t *v, const char *text) {
  if (!text) return;
  size_t i;
  const json_t *x;
  json_array_foreach(v->conditions, i, x) if (strcmp(json_string_value(x), text) == 0) return;
  json_array_append_new(v->conditions, json_string(text));
}

void lg_verdict_conditions(lg_verdict_t *v, const json_t *arr) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i, x) lg_verdict_condition(v, json_string_value(x));
}

void lg_verdict_reason(lg_verdict_t *v, const char *rule, const char *effect, const json_t *basis,
                       const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  int lv = effect_level(effect);
  if (lv > v->level) v->level = lv;
  json_array_append_new(v->reasons, json_pack("{s:s, s:s, s:s, s:o}", "rule", rule, "effect",
                                              effect, "text", text, "basis",
                                              basis ? json_incref((json_t *)basis) : json_array()));
}

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* Missing layers and fields, and land outside the survey. */
static void missing(lg_check_t *k, const json_t *ctl) {
  lg_verdict_t *V = &k->V;
  const json_t *miss = json_object_get(ctl, "missing_layer");
  struct {
    const char *role;
    int n;
  } needed[] = {
      {"eprl", k->eprl.n}, {"pbf", k->pbf.n}, {"udb", k->udb.n}, {"landuse", k->LU ? 1 : 0}};
  for (size_t i = 0; i < LG_ARRAY_LEN(needed); i++)
    if (needed[i].n == 0) {
      lg_verdict_reason(V, "controls.missing_layer", str(miss, "effect"), NULL,
                        "%s (%s) 图层缺失, 未审查: %s", lg_store_role_title(needed[i].role),
                        needed[i].role, str(miss, "rule"));
      lg_verdict_conditions(V, json_object_get(miss, "conditions"));
    }
  if (k->LU && !k->LU->has_class) {
    lg_verdict_reason(V, "controls.missing_layer", str(miss, "effect"), NULL,
                      "土地利用现状图层 %s 没有地类编码字段, 地类面积表未审查", k->LU->info.name);
  } else if (k->LU && !k->LU->cs) {
    json_array_append_new(k->warnings,
                          json_sprintf("地类字段 %s 不属于规则集中的任何分类体系, 三大类未归类",
                                       k->LU->info.class_field));
  }
  const lg_clayer_t *PL = k->PL;
  if (!PL || !PL->has_class || !k->use[0]) {
    lg_verdict_reason(V, "controls.plan", str(miss, "effect"), NULL, "规划符合性未审查: %s",
                      !PL              ? "没有规划用途图层"
                      : !PL->has_class ? "规划图层没有用途编码字段"
                                       : "未申报拟用途编码");
    /* What is missing decides what to do: a layer, or the use. */
    if (PL && PL->has_class)
      lg_verdict_condition(V, "须申报拟用途编码 (用地用海分类二级或三级编码, 如 1001 工业用地) "
                              "后重新审查规划符合性");
    else
      lg_verdict_conditions(V, json_object_get(miss, "conditions"));
  }
  const json_t *cov = json_object_get(ctl, "coverage");
  if (k->unreviewable) {
    lg_verdict_reason(V, "controls.coverage", "unreviewable", NULL,
                      "%s: %.2f 平方米中 %.2f 平方米 (%.2f%%) 不在土地利用现状图层 %s 范围内, "
                      "覆盖不足 %.0f%%",
                      str(cov, "unreviewable_rule"), k->planar, k->uncovered,
                      100 * k->uncovered / k->planar, k->LU->info.name,
                      100 * json_number_value(json_object_get(cov, "reviewable_min_share")));
    lg_verdict_conditions(V, json_object_get(cov, "unreviewable_conditions"));
  } else if (k->LU &&
             k->covered / k->planar < json_number_value(json_object_get(cov, "min_share"))) {
    lg_verdict_reason(V, "controls.coverage", str(cov, "effect"), NULL,
                      "%s: %.2f 平方米 (%.2f%%) 位于土地利用现状图层 %s 范围之外", str(cov, "rule"),
                      k->uncovered, 100 * k->uncovered / k->planar, k->LU->info.name);
    lg_verdict_conditions(V, json_object_get(cov, "conditions"));
  }
}

/* Ecological red line and permanent basic farmland. */
static void guarded(lg_check_t *k, const json_t *ctl) {
  struct {
    const char *key;
    const lg_role_total_t *t;
  } roles[] = {{"eprl", &k->eprl}, {"pbf", &k->pbf}};
  for (size_t i = 0; i < LG_ARRAY_LEN(roles); i++) {
    double m2 = roles[i].t->m2;
    if (roles[i].t->n == 0 || m2 <= k->sliver) continue;
    const json_t *gc = json_object_get(ctl, roles[i].key);
    char rule[32];
    snprintf(rule, sizeof rule, "controls.%s", roles[i].key);
    const char *title = lg_store_role_title(roles[i].key);
    if (lg_review_in_list(json_object_get(gc, "allowed_types"), k->type)) {
      lg_verdict_reason(&k->V, rule, str(gc, "allowed_effect"), json_object_get(gc, "basis"),
                        "占用%s %.2f 平方米 (%.4f 公顷); 项目类型 \"%s\" 属于允许情形, 须满足条件",
                        title, m2, m2 / LG_M2_PER_HA, k->type_title);
      lg_verdict_conditions(&k->V, json_object_get(gc, "allowed_conditions"));
    } else {
      lg_verdict_reason(&k->V, rule, str(gc, "effect"), json_object_get(gc, "basis"),
                        "占用%s %.2f 平方米 (%.4f 公顷): %s; 项目类型 \"%s\" 不在允许清单内", title,
                        m2, m2 / LG_M2_PER_HA, str(gc, "rule"), k->type_title);
    }
  }
}

/* Urban project types outside the urban development boundary. */
static void urban(lg_check_t *k, const json_t *ctl) {
  const json_t *uc = json_object_get(ctl, "udb");
  double outside = k->planar - k->udb.m2, outside_share = 1 - k->udb.m2 / k->planar;
  if (k->udb.n > 0 && lg_review_in_list(json_object_get(uc, "urban_types"), k->type) &&
      outside_share > json_number_value(json_object_get(uc, "max_outside_share")) &&
      outside > k->sliver) {
    lg_verdict_reason(&k->V, "controls.udb", str(uc, "effect"), json_object_get(uc, "basis"),
                      "%s有 %.2f 平方米 (%.2f%%) 位于城镇开发边界外: %s", k->type_title, outside,
                      100 * outside_share, str(uc, "rule"));
    lg_verdict_conditions(&k->V, json_object_get(uc, "conditions"));
  }
}

/* The declared use against the planned uses. */
static void plan(lg_check_t *k, const json_t *ctl) {
  const json_t *pc = json_object_get(ctl, "plan");
  if (!k->PL || !k->PL->has_class || !k->use[0]) return;
  double share = k->compat_m2 / k->planar, with_cond = (k->compat_m2 + k->cond_m2) / k->planar;
  double min_share = json_number_value(json_object_get(pc, "min_share"));
  if (with_cond < min_share && k->planar - k->compat_m2 - k->cond_m2 > k->sliver) {
    lg_verdict_reason(&k->V, "controls.plan", str(pc, "effect"), json_object_get(pc, "basis"),
                      "拟用途 %s (%s) 与规划用途相符的面积占 %.2f%%, 低于 %.1f%%: %s", k->use,
                      lg_codesys_name(k->ydyh, k->use), 100 * share, 100 * min_share,
                      str(pc, "rule"));
    lg_verdict_conditions(&k->V, json_object_get(pc, "conditions"));
  } else if (k->cond_m2 > k->sliver) {
    lg_verdict_reason(&k->V, "controls.plan", "conditional", json_object_get(pc, "basis"),
                      "拟用途 %s 与规划用途有条件相符的面积 %.2f 平方米, 须满足兼容表注明的条件",
                      k->use, k->cond_m2);
    size_t i;
    const json_t *x;
    json_array_foreach(json_object_get(k->plan, "by_code"), i, x) {
      const char *cp = str(x, "compatibility");
      if (cp && strcmp(cp, "conditional") == 0) lg_verdict_condition(&k->V, str(x, "note"));
    }
  }
}

/* Whether a negative-list entry applies to this project. */
static bool negative_hit(const lg_check_t *k, const json_t *ne) {
  bool hit = lg_review_in_list(json_object_get(ne, "types"), k->type);
  size_t i;
  const json_t *x;
  if (!hit && k->use[0]) json_array_foreach(json_object_get(ne, "uses"), i, x) {
      if (strncmp(k->use, json_string_value(x), strlen(json_string_value(x))) == 0) hit = true;
    }
  if (!hit) return false;
  const char *within = str(ne, "within");
  if (!within) return true;
  if (strcmp(within, "pbf") == 0) return k->pbf.m2 > k->sliver;
  if (strcmp(within, "eprl") == 0) return k->eprl.m2 > k->sliver;
  if (strcmp(within, "cultivated") == 0) return k->cultivated > k->sliver;
  if (strcmp(within, "udb_outside") == 0) return k->udb.n > 0 && k->planar - k->udb.m2 > k->sliver;
  return true;
}

static void negative_list(lg_check_t *k) {
  size_t i;
  const json_t *ne;
  json_array_foreach(lg_rules_get(k->R, "negative_list"), i, ne) {
    if (!negative_hit(k, ne)) continue;
    char rule[96];
    snprintf(rule, sizeof rule, "negative_list.%s", str(ne, "id"));
    lg_verdict_reason(&k->V, rule, str(ne, "effect"), json_object_get(ne, "basis"),
                      "负面清单: %s (项目类型 %s%s%s)", str(ne, "rule"), k->type_title,
                      k->use[0] ? ", 拟用途 " : "", k->use);
  }
}

void lg_review_verdict(lg_check_t *k) {
  const json_t *ctl = lg_rules_get(k->R, "controls");
  missing(k, ctl);
  guarded(k, ctl);
  urban(k, ctl);
  plan(k, ctl);
  negative_list(k);
  if (json_array_size(k->V.reasons) == 0)
    lg_verdict_reason(&k->V, "all", "pass", NULL,
                      "未触及任何禁止性或限制性规则, 各管控图层均已审查");
}
