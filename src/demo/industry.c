/*
 * The demo store's industrial land (`landgov demo`): standard-land parcels
 * of the county with the default conditions of their industries (one
 * linked to the supply registered from the handed-over demo case, one
 * with a stricter floor-area ratio the bureau set), investment agreements,
 * joint acceptances in each state (passed, to rectify, passed after
 * rectifying, in breach at the performance review), and a year of per-mu
 * figures of twelve enterprises with the evaluation kept. All through the
 * module's own functions, so the ledger holds every step.
 */
#include "industry/industry.h"
#include "auth/auth.h"
#include "demo/demo.h"

#include <stdio.h>
#include <string.h>

/* Unified social credit codes with their check characters (GB 32100-2015). */
static const char *const codes[] = {
    "91360781MA3D000019", "91360781MA3D00002C", "91360781MA3D00003F", "91360781MA3D00004J",
    "91360781MA3D00005M", "91360781MA3D00006Q", "91360781MA3D00007U", "91360781MA3D00008Y",
    "91360781MA3D000092", "91360781MA3D000107", "91360781MA3D00011A", "91360781MA3D00012D"};

static const struct {
  const char *code, *name, *industry;
  double area;
  const char *enterprise;
  double invest, output, tax; /* the agreement: 万元, per mu */
} parcels[] = {
    {"BZD-2024-01", "电子信息产业园 A-01 地块", "39", 40000, "赣南电子科技有限公司", 15000, 450,
     25},
    {"BZD-2024-02", "装备制造园 B-03 地块", "34", 53333.33, "瑞金通用机械有限公司", 18000, 380, 20},
    {"BZD-2024-03", "新材料产业园 C-02 地块", "26", 66666.67, "赣州新材料化工有限公司", 25000, 500,
     30},
    {"BZD-2025-01", "电气机械园 D-05 地块", "38", 26666.67, "红都电气设备有限公司", 9000, 320, 18},
    {"BZD-2025-02", "食品产业园 E-01 地块", "13", 33333.33, NULL, 0, 0, 0},
};

static int subject(lg_store_t *s, const char *login, lg_subject_t *out, lg_err_t *err) {
  lg_user_t u;
  int rc = lg_auth_user_get(s, login, &u, err);
  if (rc == 0) lg_auth_subject_from_user(&u, out);
  return rc;
}

/* Parcels and their agreements; the first linked to the demo case's supply. */
static int make_parcels(lg_store_t *s, const lg_onemap_gen_result_t *r, const lg_subject_t *who,
                        int64_t ids[], lg_err_t *err) {
  char supply[32];
  snprintf(supply, sizeof supply, "%s2026B90001", r->county_code);
  json_t *strict = json_pack("{s:f}", "floor_area_ratio_min", 1.2);
  int rc = 0;
  for (size_t i = 0; i < LG_ARRAY_LEN(parcels) && rc == 0; i++) {
    lg_industry_parcel_req_t q = {.code = parcels[i].code,
                                  .name = parcels[i].name,
                                  .division = r->county_code,
                                  .industry = parcels[i].industry,
                                  .area_m2 = parcels[i].area,
                                  .set = i == 1 ? strict : NULL};
    if (i == 4) {
      /* The supply of the handed-over demo case, if the stock demo made it. */
      int64_t sid = 0;
      q.supply = supply;
      q.area_m2 = 0;
      rc = lg_industry_parcel_create(s, who, &q, &sid, err);
      if (rc == LG_ENOTFOUND) {
        *err = (lg_err_t){0};
        q.supply = NULL;
        q.area_m2 = parcels[i].area;
        rc = lg_industry_parcel_create(s, who, &q, &sid, err);
      }
      ids[i] = sid;
      continue;
    }
    rc = lg_industry_parcel_create(s, who, &q, &ids[i], err);
    if (rc == 0 && parcels[i].enterprise) {
      lg_industry_commitment_t c = {.credit_code = codes[i],
                                    .enterprise = parcels[i].enterprise,
                                    .investment_wan = parcels[i].invest,
                                    .output_per_mu_wan = parcels[i].output,
                                    .tax_per_mu_wan = parcels[i].tax,
                                    .signed_on = i < 3 ? "2024-03-15" : "2025-04-01",
                                    .start_on = i < 3 ? "2024-06-01" : "2025-07-01",
                                    .completion_on = i < 3 ? "2025-06-30" : "2026-09-30",
                                    .production_on = i < 3 ? "2026-06-30" : "2027-09-30"};
      rc = lg_industry_commit(s, who, ids[i], &c, NULL, err);
    }
  }
  json_decref(strict);
  return rc;
}

/* Built figures at a share of the agreement: investment x inv, the floor-
 * area ratio far, coverage 45 %, office 5 %, green 10 %. */
static json_t *built(size_t i, double inv, double far) {
  double a = parcels[i].area;
  return json_pack("{s:f, s:f, s:f, s:f, s:f}", "investment_wan", parcels[i].invest * inv,
                   "floor_area_m2", a * far, "footprint_m2", a * 0.45, "office_living_m2", a * 0.05,
                   "green_m2", a * 0.10);
}

static json_t *produced(size_t i, double share) {
  double mu = parcels[i].area / LG_INDUSTRY_M2_PER_MU;
  return json_pack("{s:f, s:f}", "output_wan", parcels[i].output * mu * share, "tax_wan",
                   parcels[i].tax * mu * share);
}

static int acceptances(lg_store_t *s, const lg_subject_t *who, const int64_t ids[], lg_err_t *err) {
  static const struct {
    size_t parcel;
    const char *stage, *on;
    double a, b; /* investment share and floor-area ratio, or output share */
  } steps[] = {
      {0, "completion", "2025-07-10", 1.05, 1.3},  /* passed */
      {0, "performance", "2026-07-05", 1.10, 0},   /* passed */
      {1, "completion", "2025-07-20", 1.00, 1.1},  /* the bureau's 1.2 not reached: rectify */
      {1, "completion", "2026-01-15", 1.00, 1.25}, /* rectified: pass */
      {1, "performance", "2026-07-10", 0.85, 0},   /* short: rectify */
      {1, "performance", "2027-01-10", 0.90, 0},   /* still short: breach */
      {2, "completion", "2025-07-25", 0.88, 0.9},  /* short of investment: rectify */
  };
  int rc = 0;
  for (size_t k = 0; k < LG_ARRAY_LEN(steps) && rc == 0; k++) {
    size_t i = steps[k].parcel;
    json_t *a = !strcmp(steps[k].stage, "completion") ? built(i, steps[k].a, steps[k].b)
                                                      : produced(i, steps[k].a);
    rc = lg_industry_accept(s, who, ids[i], steps[k].stage, steps[k].on, a, NULL, NULL, err);
    json_decref(a);
  }
  return rc;
}

/* Twelve enterprises' 2025: the four with agreements and eight others,
 * two of them below the size threshold. */
static int figures(lg_store_t *s, const lg_onemap_gen_result_t *r, const lg_subject_t *who,
                   lg_err_t *err) {
  static const struct {
    const char *name;
    double mu, tax, va, rev, energy, emis, rd, staff;
  } e[] = {
      {"赣南电子科技有限公司", 60, 1500, 7200, 42000, 2100, 18, 1600, 620},
      {"瑞金通用机械有限公司", 80, 900, 4800, 26000, 3200, 40, 700, 540},
      {"赣州新材料化工有限公司", 100, 2600, 9000, 51000, 16000, 210, 1300, 480},
      {"红都电气设备有限公司", 40, 420, 2100, 12500, 900, 9, 380, 260},
      {"于都纺织服装有限公司", 55, 260, 1900, 15000, 2600, 35, 90, 720},
      {"宁都食品加工有限公司", 35, 310, 1400, 9800, 1400, 22, 60, 210},
      {"兴国稀土功能材料有限公司", 70, 1900, 6100, 36000, 7200, 65, 1100, 390},
      {"会昌建材有限公司", 90, 240, 1300, 8600, 9800, 120, 20, 230},
      {"石城家具制造有限公司", 30, 95, 520, 4200, 380, 6, 40, 150},
      {"广昌医药科技有限公司", 25, 680, 2400, 11000, 600, 5, 900, 180},
      {"小微五金加工厂", 12, 18, 110, 1500, 90, 1, 0, 28},
      {"乡镇塑料制品厂", 20, 9, 80, 1200, 160, 3, 0, 35},
  };
  lg_industry_figures_t f[LG_ARRAY_LEN(e)];
  for (size_t i = 0; i < LG_ARRAY_LEN(e); i++)
    f[i] = (lg_industry_figures_t){.year = 2025,
                                   .credit_code = codes[i],
                                   .name = e[i].name,
                                   .division = r->county_code,
                                   .area_m2 = e[i].mu * LG_INDUSTRY_M2_PER_MU,
                                   .tax_wan = e[i].tax,
                                   .value_added_wan = e[i].va,
                                   .revenue_wan = e[i].rev,
                                   .energy_tce = e[i].energy,
                                   .emission_t = e[i].emis,
                                   .rd_wan = e[i].rd,
                                   .employees = e[i].staff};
  int rc = lg_industry_figures_add(s, who, f, LG_ARRAY_LEN(e), err);
  json_t *res = NULL;
  if (rc == 0) rc = lg_industry_evaluate(s, who, 2025, r->county_code, true, &res, err);
  json_decref(res);
  return rc;
}

int lg_demo_industry(lg_store_t *s, const lg_onemap_gen_result_t *r, lg_err_t *err) {
  lg_subject_t admin, approver;
  int64_t ids[LG_ARRAY_LEN(parcels)] = {0};
  int rc = subject(s, "admin", &admin, err);
  if (rc == 0) rc = subject(s, "approver", &approver, err);
  if (rc == 0) rc = make_parcels(s, r, &admin, ids, err);
  if (rc == 0) rc = acceptances(s, &approver, ids, err);
  if (rc == 0) rc = figures(s, r, &admin, err);
  if (rc) lg_err_prefix(err, "演示产业用地: ");
  return rc;
}
