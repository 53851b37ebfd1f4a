/*
 * The approval authority of a project's land (审批权限), from the areas
 * the check measured and the rule set's thresholds and texts:
 *
 * - Conversion of agricultural land (农用地转用, Land Administration Law
 *   art. 44): permanent basic farmland goes to the State Council (para 2);
 *   land inside the construction-land scale of the plan to the authority
 *   that approved the plan, by delegation the county or city in batches
 *   (para 3); land outside it to the province (para 4), which the rule set
 *   names. The scale is read from the urban development boundary and, when
 *   the rule set says so, the plan layer's construction land.
 * - Expropriation of collective land (征收, art. 46): permanent basic
 *   farmland, more than 35 ha of cultivated land or more than 70 ha of
 *   other land to the State Council (para 1), any other to the province
 *   (para 2). Land the survey records as state-owned (ownership codes in
 *   the rule set) needs none.
 * - Both at once (art. 46 para 3): a conversion approved by the State
 *   Council includes the expropriation; one approved by the province
 *   within its expropriation powers includes it too; beyond them the
 *   expropriation goes to the State Council separately.
 *
 * The thresholds, levels, article names and texts are the rule set's
 * (data/review/default.json, authority.*); this file only applies them.
 */
#include "review/review_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The conversion decision (an object of authority.conversion) or NULL
 * when no agricultural land is taken; basis receives why. */
static const json_t *conversion(lg_check_t *k, char *basis, size_t n) {
  const json_t *conv = lg_rules_get(k->R, "authority.conversion");
  const json_t *dec = NULL;
  double pbf = k->pbf.m2, planar = k->planar;
  if (k->LU && !k->LU->has_class) {
    snprintf(basis, n, "地类未审查, 按占用农用地处理");
    k->agri = planar; /* unknown land: assume the stricter case */
  }
  if (k->agri <= k->sliver && pbf <= k->sliver) {
    snprintf(basis, n, "不占用农用地, 无需办理农用地转用审批");
  } else if (pbf > k->sliver) {
    dec = json_object_get(conv, "pbf");
    snprintf(basis, n, "占用永久基本农田 %.2f 平方米: %s", pbf,
             json_string_value(json_object_get(dec, "text")));
  } else {
    double min_share = json_number_value(json_object_get(conv, "inside_scale_min_share"));
    double inside = k->udb.n ? k->udb.m2 / planar : 0;
    const lg_clayer_t *PL = k->PL;
    if (json_is_true(json_object_get(conv, "inside_scale_plan_construction")) && PL && PL->cs)
      inside = fmax(inside, k->plan_constr_m2 / planar);
    bool in = inside >= min_share;
    dec = json_object_get(conv, in ? "inside_scale" : "outside_scale");
    snprintf(basis, n, "占用农用地 %.2f 平方米, %.2f%% 位于建设用地规模范围内%s: %s", k->agri,
             100 * inside,
             k->udb.n || (PL && PL->cs) ? "" : " (城镇开发边界和规划图层缺失, 按规模范围外处理)",
             json_string_value(json_object_get(dec, "text")));
  }
  return dec;
}

/* The expropriation decision (an object of authority.expropriation) or
 * NULL when no collective land is taken; basis receives why. */
static const json_t *expropriation(lg_check_t *k, char *basis, size_t n) {
  const json_t *expr = lg_rules_get(k->R, "authority.expropriation");
  /* The survey's collective land; the part outside the survey, if any, is
   * reported by the coverage rule, not counted as collective. Without
   * land classes every square metre counts (the stricter case). */
  double coll = k->LU && k->LU->has_class ? k->covered - k->state_m2 : k->planar;
  double coll_cult = k->cultivated - k->cultivated_state;
  double other = coll - coll_cult;
  double cult_ha = json_number_value(json_object_get(expr, "cultivated_ha"));
  double other_ha = json_number_value(json_object_get(expr, "other_ha"));
  const json_t *dec = NULL;
  if (coll <= k->sliver) {
    snprintf(basis, n, "项目用地均为国有土地, 无需征收");
  } else if (k->pbf.m2 > k->sliver || coll_cult > cult_ha * LG_M2_PER_HA ||
             other > other_ha * LG_M2_PER_HA) {
    dec = json_object_get(expr, "state_council");
    snprintf(basis, n,
             "征收集体土地 %.4f 公顷, 其中永久基本农田 %.4f 公顷, 耕地 %.4f 公顷 (限 %.0f 公顷), "
             "其他土地 %.4f 公顷 (限 %.0f 公顷): %s",
             coll / LG_M2_PER_HA, k->pbf.m2 / LG_M2_PER_HA, coll_cult / LG_M2_PER_HA, cult_ha,
             other / LG_M2_PER_HA, other_ha, json_string_value(json_object_get(dec, "text")));
  } else {
    dec = json_object_get(expr, "province");
    snprintf(basis, n,
             "征收集体土地 %.4f 公顷, 耕地 %.4f 公顷 (未超过 %.0f 公顷), 其他土地 %.4f 公顷 "
             "(未超过 %.0f 公顷), 不涉及永久基本农田: %s",
             coll / LG_M2_PER_HA, coll_cult / LG_M2_PER_HA, cult_ha, other / LG_M2_PER_HA, other_ha,
             json_string_value(json_object_get(dec, "text")));
  }
  return dec;
}

/* Art. 46 para 3: how the two approvals combine, or JSON null. */
static json_t *joint(const lg_rules_t *R, const char *conv_level, const char *exp_level) {
  const char *ja = json_string_value(
      json_object_get(lg_rules_get(R, "authority.expropriation"), "joint_article"));
  if (strcmp(conv_level, "state_council") == 0)
    return json_sprintf("经国务院批准农用地转用的, 同时办理征地审批手续, 不再另行办理征地审批 (%s)",
                        ja);
  if (strcmp(conv_level, "province") == 0 && strcmp(exp_level, "province") == 0)
    return json_sprintf("经省级人民政府在征地批准权限内批准农用地转用的, 同时办理征地审批手续 (%s)",
                        ja);
  if (strcmp(exp_level, "state_council") == 0)
    return json_sprintf("超过省级征地批准权限, 应当另行报国务院办理征地审批 (%s)", ja);
  return json_null();
}

/* A boundary mostly outside the survey: no authority can be computed,
 * and none is invented. */
static void undetermined(lg_check_t *k) {
  char why[256];
  snprintf(why, sizeof why, "用地范围 %.2f%% 不在土地利用现状数据范围内, 地类不明, 无法确定",
           100 * k->uncovered / k->planar);
  k->authority =
      json_pack("{s:s, s:s, s:s, s:s, s:{s:[], s:[]}, s:{s:s, s:s}, s:n}", "conversion",
                "undetermined", "conversion_title", "无法确定", "expropriation", "undetermined",
                "expropriation_title", "无法确定", "articles", "conversion", "expropriation",
                "basis", "conversion", why, "expropriation", why, "joint");
}

void lg_review_authority(lg_check_t *k) {
  const lg_rules_t *R = k->R;
  char conv_basis[512], exp_basis[512];
  if (k->unreviewable) {
    k->agri = k->unused = 0;
    undetermined(k);
    return;
  }
  k->agri = k->major[LG_MAJOR_AGRICULTURAL];
  k->unused = k->major[LG_MAJOR_UNUSED];
  const json_t *conv_dec = conversion(k, conv_basis, sizeof conv_basis);
  const json_t *exp_dec = expropriation(k, exp_basis, sizeof exp_basis);
  k->conversion = conv_dec != NULL;
  k->expropriation = exp_dec != NULL;
  const char *conv_level =
      conv_dec ? json_string_value(json_object_get(conv_dec, "level")) : "none";
  const char *exp_level = exp_dec ? json_string_value(json_object_get(exp_dec, "level")) : "none";
  json_t *both = conv_dec && exp_dec ? joint(R, conv_level, exp_level) : json_null();
  json_t *conv_art = conv_dec ? json_incref(json_object_get(conv_dec, "articles")) : json_array();
  json_t *exp_art = exp_dec ? json_incref(json_object_get(exp_dec, "articles")) : json_array();
  k->authority =
      json_pack("{s:s, s:s, s:s, s:s, s:{s:o, s:o}, s:{s:s, s:s}, s:o}", "conversion", conv_level,
                "conversion_title", lg_review_level_title(R, conv_level), "expropriation",
                exp_level, "expropriation_title", lg_review_level_title(R, exp_level), "articles",
                "conversion", conv_art, "expropriation", exp_art, "basis", "conversion", conv_basis,
                "expropriation", exp_basis, "joint", both);
}
