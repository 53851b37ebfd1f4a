/*
 * Synthetic approvals and supplies, for the demo and the benchmark: the
 * shapes and the histories a county's records have. Approvals (1-40 ha,
 * irregular star-shaped polygons of 8-14 points, batches and single
 * sites) lie on a jittered grid over the county, dated over the ten years
 * before the day; supplies are parcels cut from them (rotated rectangles
 * of 0.2-3 ha, most inside their approval, about one in eight crossing its
 * edge, a few on land no approval covers), contracted some months to a
 * few years after the approval, with agreed delivery, start and
 * completion dates. What happened next is drawn per parcel: started on
 * time and built, started and stopped, never started, delayed by the
 * government; with `procedure`, the site visits and the Order 53 acts
 * that such histories produce are recorded through the module's own
 * functions (so the law's order holds), on the days they would have
 * happened. The same options give the same records.
 */
#include "stock/stock_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const projects[] = {
    "电子信息产业园", "新能源汽车零部件", "稀土新材料", "食品加工",   "现代物流园",
    "智能装备制造",   "纺织服装",         "生物医药",   "家具制造",   "建材",
    "商业综合体",     "住宅小区",         "职业学校",   "卫生院扩建", "污水处理厂",
    "物流仓储",       "农产品冷链",       "光伏组件",   "铜加工",     "钨制品"};
static const char *const holders[] = {
    "赣南某电子科技有限公司", "某新能源科技有限公司", "某稀土材料股份有限公司",
    "某食品有限公司",         "某物流有限公司",       "某智能装备有限公司",
    "某服饰有限公司",         "某生物科技有限公司",   "某家居有限公司",
    "某建材有限公司",         "某置业有限公司",       "某房地产开发有限公司"};
static const struct {
  const char *use, *method;
  int term;
  double wan_per_ha; /* price, 10k yuan a hectare */
} uses[] = {
    {"工业用地", "挂牌出让", 50, 300},          {"工业用地", "协议出让", 50, 260},
    {"工业用地", "先租后让", 50, 240},          {"仓储用地", "挂牌出让", 50, 280},
    {"商服用地", "拍卖出让", 40, 1800},         {"住宅用地", "挂牌出让", 70, 2600},
    {"公共管理与公共服务用地", "划拨", 0, 120}, {"工业用地", "弹性年期", 20, 150},
};

typedef struct gen {
  lg_store_t *s;
  const lg_stock_gen_t *o;
  lg_rng_t rng;
  lg_geo_t *g;
  int srs;
  int32_t as_of;
  char now[32];
  const char *actor;
} gen_t;

static double U(gen_t *G) { return lg_rng_uniform(&G->rng); }
static int I(gen_t *G, int n) { return (int)(lg_rng_uniform(&G->rng) * n); }

/* A star-shaped polygon around (cx, cy) of about area m2. */
static lg_geom_t *blob_polygon(gen_t *G, double cx, double cy, double area) {
  int k = 8 + I(G, 7);
  double r0 = sqrt(area / M_PI);
  double xy[2 * 16];
  double a0 = U(G) * 2 * M_PI;
  for (int i = 0; i < k; i++) {
    double a = a0 + 2 * M_PI * (i + 0.3 * (U(G) - 0.5)) / k;
    double r = r0 * (0.8 + 0.35 * U(G));
    xy[2 * i] = round((cx + r * cos(a)) * 1000) / 1000;
    xy[2 * i + 1] = round((cy + r * sin(a)) * 1000) / 1000;
  }
  xy[2 * k] = xy[0], xy[2 * k + 1] = xy[1];
  const double *rings[] = {xy};
  size_t np[] = {(size_t)k + 1};
  return lg_geom_polygon(G->g, rings, np, 1, NULL);
}

/* A rotated rectangle of area m2 around (cx, cy). */
static lg_geom_t *parcel(gen_t *G, double cx, double cy, double area) {
  double ratio = 0.6 + 0.9 * U(G);
  double w = sqrt(area * ratio), h = area / w;
  double t = U(G) * M_PI;
  double c = cos(t), s = sin(t);
  double pts[4][2] = {{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}};
  double xy[10];
  for (int i = 0; i < 4; i++) {
    xy[2 * i] = round((cx + pts[i][0] * c - pts[i][1] * s) * 1000) / 1000;
    xy[2 * i + 1] = round((cy + pts[i][0] * s + pts[i][1] * c) * 1000) / 1000;
  }
  xy[8] = xy[0], xy[9] = xy[1];
  const double *rings[] = {xy};
  size_t np[] = {5};
  return lg_geom_polygon(G->g, rings, np, 1, NULL);
}

static int64_t insert_id(gen_t *G, lg_stmt_t *st, const char *what, lg_err_t *err) {
  int64_t id = 0;
  if (lg_store_insert_id(st, &id, what, err) != 0) return -1;
  return id;
}

static void date_str(int32_t d, char out[11]) { stk_date_str(d, out); }

typedef struct pending {
  int64_t id;
  lg_geom_t *geom;
  int64_t next; /* supplies: the next supply of the same approval (index), -1 */
} pending_t;
typedef LG_VEC(pending_t) pending_vec_t;

int lg_stock_gen_run(lg_store_t *s, const lg_stock_gen_t *o, lg_stock_gen_result_t *r,
                     lg_err_t *err) {
  memset(r, 0, sizeof *r);
  double t0 = lg_mono();
  gen_t G = {.s = s, .o = o, .g = lg_geo_thread()};
  lg_rng_seed(&G.rng, o->seed ? o->seed : 1);
  G.as_of = o->as_of ? o->as_of : stk_today();
  lg_time_iso(lg_now(), G.now);
  G.actor = o->who && o->who->login[0] ? o->who->login : "system";
  lg_env_t ext = o->extent;
  G.srs = o->srs;
  int rc = 0;
  if (!(ext.maxx > ext.minx)) {
    lg_layer_info_t info;
    if ((rc = lg_store_layer_get(s, "county", &info, err))) {
      lg_err_prefix(err, "没有给出范围, 也没有 county 图层: ");
      return rc;
    }
    ext = info.extent;
    if (!G.srs) G.srs = info.srs_id;
    lg_store_layer_info_fini(&info);
  }
  char division[16];
  stk_division(o->division ? o->division : "360781", division);
  if (o->approvals < 1 || o->supplies < 0)
    return lg_err_set(err, LG_EINVAL, "批准用地数应为正数, 供地数不能为负");
  pending_vec_t apps = {0}, sups = {0};
  LG_VEC(int32_t) app_days = {0};
  LG_VEC(int64_t) first_supply = {0}; /* per approval: its latest supply (index), -1 */
  lg_geom_t *outline = NULL;          /* the county's, when the extent is the county's */
  lg_prep_t *inside = NULL;
  int64_t *order = NULL; /* the grid's cells in a random order */
  if ((rc = lg_store_begin(s, err))) return rc;
  int srs = 0;
  if ((rc = stk_layers_ensure(s, G.srs, &srs, err))) goto fail;
  /* Approvals on a jittered grid, one to a cell, in cells drawn at
   * random; inside the county's outline when it comes from the county
   * layer. */
  if (!(o->extent.maxx > o->extent.minx)) {
    static const char *const none[] = {NULL};
    lg_read_opts_t ro = {.columns = none, .limit = 1};
    lg_store_reader_t *rd = NULL;
    if (lg_store_reader_new(s, "county", &ro, &rd, NULL) == 0 &&
        lg_store_reader_next(rd, NULL) == 1) {
      size_t bn = 0;
      const void *blob = lg_store_reader_blob(rd, &bn);
      outline = blob ? lg_geom_from_gpkg(G.g, blob, bn, NULL) : NULL;
      if (outline) inside = lg_prep_new(G.g, outline);
    }
    lg_store_reader_free(rd);
  }
  double W = ext.maxx - ext.minx, H = ext.maxy - ext.miny;
  int64_t cells = o->approvals * (inside ? 5 : 3) + 4;
  double side = sqrt(W * H / (double)cells);
  int gx = (int)fmax(1, floor(W / side)), gy = (int)fmax(1, floor(H / side));
  while ((int64_t)gx * gy < o->approvals)
    side *= 0.9, gx = (int)(W / side), gy = (int)(H / side);
  int64_t ncell = (int64_t)gx * gy;
  double max_area = fmin(400000.0, 0.18 * side * side); /* fits its cell */
  lg_stmt_t *st = NULL;
  order = lg_malloc(sizeof(int64_t) * (size_t)ncell);
  for (int64_t i = 0; i < ncell; i++)
    order[i] = i;
  for (int64_t i = ncell - 1; i > 0; i--) { /* Fisher-Yates */
    int64_t j = (int64_t)(U(&G) * (double)(i + 1));
    int64_t t = order[i];
    order[i] = order[j], order[j] = t;
  }
  int64_t k = 0;
  for (int64_t ci = 0; rc == 0 && k < o->approvals && ci < ncell; ci++) {
    int64_t cell = order[ci];
    double cx = ext.minx + ((double)(cell % gx) + 0.5 + 0.2 * (U(&G) - 0.5)) * side;
    double cy = ext.miny + ((double)(cell / gx) + 0.5 + 0.2 * (U(&G) - 0.5)) * side;
    double area = fmin(max_area, 10000.0 * exp(log(1.0) + U(&G) * log(40.0)));
    lg_geom_t *geom = blob_polygon(&G, cx, cy, area);
    if (!geom) continue;
    lg_geom_set_srid(G.g, geom, srs);
    if (inside && !lg_prep_covers(G.g, inside, geom)) {
      lg_geom_free(G.g, geom);
      continue;
    }
    lg_geom_t *m = lg_geom_to_multi(G.g, geom);
    lg_geom_free(G.g, geom);
    k++;
    int32_t day = G.as_of - 30 - I(&G, 3650);
    int y, mo, d;
    lg_date_to_ymd(day, &y, &mo, &d);
    bool batch = U(&G) < 0.7;
    char no[96], name[256], dstr[11];
    /* Numbers apart from real ones and from another run's (seeded). */
    long long seq = (long long)(o->seed % 100) * 100000 + 10000 + k;
    if (batch) {
      snprintf(no, sizeof no, "赣府土批〔%d〕%lld号", y, seq);
      snprintf(name, sizeof name, "%d年度第%lld批次城镇建设用地", y, (long long)((k - 1) % 40 + 1));
    } else {
      snprintf(no, sizeof no, "赣自然资用地〔%d〕%lld号", y, seq);
      snprintf(name, sizeof name, "%s项目", projects[I(&G, LG_ARRAY_LEN(projects))]);
    }
    date_str(day, dstr);
    rc = lg_store_prepare(s,
                          "INSERT INTO lg_stock_approvals(approval_no, name, kind, division,"
                          " approved_on, declared_m2, area_m2, source, source_ref, created_at,"
                          " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'gen', ?, ?, ?) RETURNING id",
                          &st, err);
    if (rc) {
      lg_geom_free(G.g, m);
      break;
    }
    double a = lg_geom_area(G.g, m);
    lg_store_bind_text(st, 1, no);
    lg_store_bind_text(st, 2, name);
    lg_store_bind_text(st, 3, batch ? "batch" : "single");
    lg_store_bind_text(st, 4, division);
    lg_store_bind_text(st, 5, dstr);
    lg_store_bind_real(st, 6, round(a / 1000.0) * 1000.0); /* declared: rounded to 0.1 ha */
    lg_store_bind_real(st, 7, a);
    lg_store_bind_text(st, 8, "landgov stock gen");
    lg_store_bind_text(st, 9, G.now);
    lg_store_bind_text(st, 10, G.actor);
    int64_t id = insert_id(&G, st, "写入批准用地失败", err);
    if (id < 0) {
      rc = err->code ? err->code : LG_EDB;
      lg_geom_free(G.g, m);
      break;
    }
    pending_t p = {id, m, -1};
    lg_vec_push(&apps, p);
    lg_vec_push(&app_days, day);
    lg_vec_push(&first_supply, -1);
  }
  /* Supplies: parcels of the approvals, a few elsewhere. */
  int64_t made = 0;
  for (int64_t k = 0; rc == 0 && made < o->supplies && apps.len && k < 8 * o->supplies + 100; k++) {
    bool outside = U(&G) < 0.05;
    size_t ai = (size_t)I(&G, (int)apps.len);
    /* An approval of the last two months has nothing supplied yet. */
    int32_t room = G.as_of - app_days.items[ai] - 60;
    if (room < 1) continue;
    const lg_geom_t *ag = apps.items[ai].geom;
    lg_env_t ae;
    lg_geom_envelope(G.g, ag, &ae);
    double aarea = lg_geom_area(G.g, ag);
    lg_geom_t *pg = NULL;
    for (int tries = 0; tries < 12 && !pg; tries++) {
      double area = fmax(1500.0, aarea * (0.06 + 0.26 * U(&G)));
      double cx = ae.minx + U(&G) * (ae.maxx - ae.minx), cy = ae.miny + U(&G) * (ae.maxy - ae.miny);
      if (outside) cx += (ae.maxx - ae.minx) * 1.3, cy += (ae.maxy - ae.miny) * 0.2;
      lg_geom_t *c = parcel(&G, cx, cy, area);
      if (!c) continue;
      lg_geom_set_srid(G.g, c, srs);
      bool crossing = !outside && U(&G) < 0.12;
      bool ok = outside    ? !lg_geom_intersects(G.g, ag, c)
                : crossing ? lg_geom_intersects(G.g, ag, c) && !lg_geom_covers(G.g, ag, c)
                           : lg_geom_covers(G.g, ag, c);
      /* No two supplies of one approval share land (those outside any
       * approval are far from each other's). */
      for (int64_t j = outside ? -1 : first_supply.items[ai]; ok && j >= 0; j = sups.items[j].next)
        if (lg_geom_intersects(G.g, sups.items[j].geom, c)) {
          lg_geom_t *x = lg_geom_intersection(G.g, sups.items[j].geom, c, NULL);
          ok = x && lg_geom_area(G.g, x) < 1e-6;
          lg_geom_free(G.g, x);
        }
      if (ok)
        pg = c;
      else
        lg_geom_free(G.g, c);
    }
    if (!pg) continue;
    int32_t contract = app_days.items[ai] + 60 + I(&G, (int)LG_MIN(room, 1400));
    int32_t delivery = contract + 30 + I(&G, 60);
    int32_t start = delivery + 90 + I(&G, 270);
    int32_t completion = start + 365 + I(&G, 730);
    /* What happened next. */
    double fate = U(&G);
    int32_t actual_start = LG_STOCK_NODATE, actual_done = LG_STOCK_NODATE;
    if (fate < 0.72) {
      /* Most start around the agreed day, some a year or more late. */
      actual_start = start - 30 + (fate < 0.6 ? I(&G, 150) : 200 + I(&G, 500));
      if (U(&G) < 0.6) actual_done = actual_start + 300 + I(&G, 700);
    }
    if (actual_start > G.as_of) actual_start = LG_STOCK_NODATE;
    if (actual_done > G.as_of || actual_start == LG_STOCK_NODATE) actual_done = LG_STOCK_NODATE;
    int u = I(&G, LG_ARRAY_LEN(uses));
    double pa = lg_geom_area(G.g, pg);
    lg_geom_t *m = lg_geom_to_multi(G.g, pg);
    lg_geom_free(G.g, pg);
    char no[40], proj[256], c1[11], c2[11], c3[11], c4[11], c5[11], c6[11];
    int y, mo, d;
    lg_date_to_ymd(contract, &y, &mo, &d);
    /* Serials apart from a sheet's (low numbers) and, by seed, another run's. */
    snprintf(no, sizeof no, "%.6s%dB%05lld", division, y,
             (long long)((o->seed % 9 + 1) * 10000 + ++made));
    snprintf(proj, sizeof proj, "%s项目", projects[I(&G, LG_ARRAY_LEN(projects))]);
    date_str(contract, c1), date_str(delivery, c2), date_str(start, c3);
    date_str(completion, c4), date_str(actual_start, c5), date_str(actual_done, c6);
    rc = lg_store_prepare(
        s,
        "INSERT INTO lg_stock_supplies(supervision_no, project, division, location, declared_m2,"
        " area_m2, land_use, method, term_years, price_yuan, holder, contract_on,"
        " agreed_delivery_on, agreed_start_on, agreed_completion_on, actual_delivery_on,"
        " actual_start_on, actual_completion_on, approval_id, source, source_ref, created_at,"
        " created_by, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " ?11, ?12, ?13, ?14, ?15, ?13, ?16, ?17, ?18, 'gen', 'landgov stock gen', ?19, ?20, ?19,"
        " ?20) RETURNING id",
        &st, err);
    if (rc) {
      lg_geom_free(G.g, m);
      break;
    }
    lg_store_bind_text(st, 1, no);
    lg_store_bind_text(st, 2, proj);
    lg_store_bind_text(st, 3, division);
    lg_store_bind_text(st, 4, "示范县工业园区");
    lg_store_bind_real(st, 5, round(pa / 100.0) * 100.0); /* declared to 0.01 ha */
    lg_store_bind_real(st, 6, pa);
    lg_store_bind_text(st, 7, uses[u].use);
    lg_store_bind_text(st, 8, uses[u].method);
    if (uses[u].term)
      lg_store_bind_real(st, 9, uses[u].term);
    else
      lg_store_bind_null(st, 9);
    lg_store_bind_real(st, 10, round(pa / 1e4 * uses[u].wan_per_ha * (0.8 + 0.4 * U(&G))) * 1e4);
    lg_store_bind_text(st, 11, holders[I(&G, LG_ARRAY_LEN(holders))]);
    lg_store_bind_text(st, 12, c1);
    lg_store_bind_text(st, 13, c2);
    lg_store_bind_text(st, 14, c3);
    lg_store_bind_text(st, 15, c4);
    stk_bind_text(st, 16, c5);
    stk_bind_text(st, 17, c6);
    if (outside)
      lg_store_bind_null(st, 18);
    else
      lg_store_bind_int(st, 18, apps.items[ai].id);
    lg_store_bind_text(st, 19, G.now);
    lg_store_bind_text(st, 20, G.actor);
    int64_t id = insert_id(&G, st, "写入供地记录失败", err);
    if (id < 0) {
      rc = err->code ? err->code : LG_EDB;
      lg_geom_free(G.g, m);
      break;
    }
    pending_t p = {id, m, outside ? -1 : first_supply.items[ai]};
    lg_vec_push(&sups, p);
    if (!outside) first_supply.items[ai] = (int64_t)sups.len - 1;
  }
  /* The features, one writer per layer. */
  for (int layer = 0; rc == 0 && layer < 2; layer++) {
    lg_store_writer_t *w = NULL;
    pending_vec_t *v = layer == 0 ? &apps : &sups;
    if (!v->len) continue;
    if ((rc = lg_store_writer_new(s, layer == 0 ? STK_APPROVALS : STK_SUPPLIES, &w, err))) break;
    int nf = layer == 0 ? 9 : 10;
    for (size_t i = 0; rc == 0 && i < v->len; i++) {
      for (int f = 0; f < nf; f++)
        lg_store_writer_null(w, f);
      size_t n = 0;
      unsigned char *wkb = lg_geom_to_wkb(G.g, v->items[i].geom, &n);
      rc = lg_store_writer_add_wkb(w, v->items[i].id, wkb, n, NULL, err);
      lg_free(wkb);
    }
    if (rc == 0) rc = lg_store_writer_finish(w, err);
    lg_store_writer_free(w);
  }
  /* The layers' display columns from the rows, in one statement each. */
  if (rc == 0) {
    char *sql = lg_sprintf(
        "UPDATE %s SET approval_no = (SELECT a.approval_no FROM lg_stock_approvals a WHERE a.id ="
        " %s.fid), name = (SELECT a.name FROM lg_stock_approvals a WHERE a.id = %s.fid),"
        " division = (SELECT a.division FROM lg_stock_approvals a WHERE a.id = %s.fid),"
        " approved_on = (SELECT a.approved_on FROM lg_stock_approvals a WHERE a.id = %s.fid),"
        " approved_ha = (SELECT round(CAST(a.area_m2 / 10000.0 AS NUMERIC), 4) FROM"
        " lg_stock_approvals a WHERE a.id = %s.fid) WHERE approval_no IS NULL;"
        "UPDATE %s SET supervision_no = (SELECT x.supervision_no FROM lg_stock_supplies x WHERE"
        " x.id = %s.fid), project = (SELECT x.project FROM lg_stock_supplies x WHERE x.id ="
        " %s.fid), division = (SELECT x.division FROM lg_stock_supplies x WHERE x.id = %s.fid),"
        " holder = (SELECT x.holder FROM lg_stock_supplies x WHERE x.id = %s.fid), area_ha ="
        " (SELECT round(CAST(x.declared_m2 / 10000.0 AS NUMERIC), 4) FROM lg_stock_supplies x"
        " WHERE x.id = %s.fid), contract_on = (SELECT x.contract_on FROM lg_stock_supplies x"
        " WHERE x.id = %s.fid), agreed_start_on = (SELECT x.agreed_start_on FROM"
        " lg_stock_supplies x WHERE x.id = %s.fid) WHERE supervision_no IS NULL",
        STK_APPROVALS, STK_APPROVALS, STK_APPROVALS, STK_APPROVALS, STK_APPROVALS, STK_APPROVALS,
        STK_SUPPLIES, STK_SUPPLIES, STK_SUPPLIES, STK_SUPPLIES, STK_SUPPLIES, STK_SUPPLIES,
        STK_SUPPLIES, STK_SUPPLIES);
    rc = lg_store_exec(s, sql, err);
    lg_free(sql);
  }
  /* Ledger entries: each record as it now is. */
  for (size_t i = 0; rc == 0 && i < apps.len; i++)
    rc = stk_record(s, o->who, "stock.approval.gen", "stock_approval", apps.items[i].id, division,
                    err);
  for (size_t i = 0; rc == 0 && i < sups.len; i++)
    rc = stk_record(s, o->who, "stock.supply.gen", "stock_supply", sups.items[i].id, division, err);
  r->approvals = (int64_t)apps.len;
  r->supplies = (int64_t)sups.len;
  /* Histories with visits and acts (the demo). */
  if (rc == 0 && o->procedure) {
    const json_t *cfg;
    rc = stk_config(s, &cfg, err);
    for (size_t i = 0; rc == 0 && i < sups.len; i++) {
      lg_stock_query_t q = {.scope = "all", .as_of = G.as_of};
      stk_supplies_t v;
      if ((rc = stk_supplies_load(s, &q, sups.items[i].id, &v, err))) break;
      stk_supply_t p = v.items[0];
      lg_free(v.items);
      double dice = U(&G);
      char d1[11], d2[11], d3[11];
      if (p.actual_start != LG_STOCK_NODATE && p.actual_completion == LG_STOCK_NODATE &&
          dice < 0.45) {
        /* Started, then stopped with little built: a visit says so. */
        int32_t stop = p.actual_start + 60 + I(&G, 200);
        int32_t visit = stop + 30 + I(&G, 500);
        if (visit > G.as_of) visit = G.as_of;
        if (stop >= visit) continue;
        date_str(visit, d1), date_str(stop, d2);
        double area = p.declared_m2;
        lg_stock_visit_t vi = {.visited_on = d1,
                               .developed_m2 = round(area * (0.1 + 0.2 * U(&G))),
                               .invested_wan = round(p.price_yuan / 1e4 * (0.3 + U(&G))),
                               .total_investment_wan = round(p.price_yuan / 1e4 * 6),
                               .stopped_since = d2,
                               .cause = "企业资金链紧张, 停工待资",
                               .officer = "执法监察大队 刘工"};
        if ((rc = lg_stock_visit_add(s, o->who, p.id, &vi, NULL, err))) break;
        r->visits++;
        continue;
      }
      if (p.actual_start != LG_STOCK_NODATE) {
        if (dice < 0.7) {
          /* A routine visit of a parcel being built. */
          int32_t visit = p.actual_start + 90 + I(&G, 300);
          if (visit > G.as_of) continue;
          date_str(visit, d1), date_str(p.actual_start, d3);
          lg_stock_visit_t vi = {.visited_on = d1,
                                 .developed_m2 = round(p.declared_m2 * (0.4 + 0.5 * U(&G))),
                                 .invested_wan = round(p.price_yuan / 1e4 * (2 + 3 * U(&G))),
                                 .total_investment_wan = round(p.price_yuan / 1e4 * 6),
                                 .started_on = d3,
                                 .officer = "执法监察大队 陈工"};
          if ((rc = lg_stock_visit_add(s, o->who, p.id, &vi, NULL, err))) break;
          r->visits++;
        }
        continue;
      }
      /* Not started: the procedure, as far as its dates allow. */
      if (!p.v.overdue) continue;
      int32_t inv = p.agreed_start + 200 + I(&G, 200);
      if (inv > G.as_of) continue;
      date_str(inv, d1);
      lg_stock_act_req_t a = {
          .object_type = "supply", .object_id = p.id, .act = "investigate", .on = d1};
      lg_err_t e2 = {0};
      if (lg_stock_act(s, o->who, &a, NULL, &e2) != 0) continue;
      r->acts++;
      int32_t ans = inv + 20;
      if (ans > G.as_of) continue;
      date_str(ans, d2);
      a.act = "answer", a.on = d2;
      if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
      r->acts++;
      if (dice < 0.2) {
        /* The land was not delivered on time: the government's delay. */
        a.act = "exception", a.cause = "not_delivered", a.on = d2;
        if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
        r->acts++;
        int32_t dec = ans + 40;
        if (dice < 0.12 && dec <= G.as_of) {
          date_str(dec, d3);
          char ns[11];
          date_str(dec + 200, ns);
          a.act = "art12", a.method = "extension", a.on = d3, a.new_date = ns, a.cause = NULL;
          if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
          r->acts++;
        }
        continue;
      }
      /* Idle: determination, hearing notice, decision, perhaps payment. */
      int32_t det = lg_stock_add_years(p.agreed_start, 1) + 1;
      if (det < ans + 1) det = ans + 1;
      if (det > G.as_of) continue;
      date_str(det, d1);
      a.act = "determine", a.on = d1;
      if (lg_stock_act(s, o->who, &a, NULL, &e2) != 0) continue;
      r->acts++;
      a.act = "publish";
      if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
      r->acts++;
      a.act = "hearing_notice";
      if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
      r->acts++;
      int32_t dec = lg_workdays_add(NULL, det, 12);
      if (dec > G.as_of) continue;
      date_str(dec, d2);
      a.act =
          !strcmp(p.v.status, "idle_recover") && dice > 0.8 ? "recovery_decision" : "fee_decision";
      a.on = d2;
      if (lg_stock_act(s, o->who, &a, NULL, &e2) != 0) continue;
      r->acts++;
      int32_t paid = dec + 10 + I(&G, 20);
      bool fee = !strcmp(a.act, "fee_decision");
      if (dice < 0.6 && paid <= G.as_of) {
        date_str(paid, d3);
        a.act = fee ? "fee_paid" : "recovered";
        a.on = d3;
        a.amount_yuan = -1;
        if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
        r->acts++;
      }
      /* Still not started two full years on: most are taken back. */
      int32_t two = lg_stock_add_years(p.agreed_start, 2) + 1 + I(&G, 60);
      if (fee && dice < 0.85 && !strcmp(p.v.status, "idle_recover") && two > paid &&
          two + 30 <= G.as_of) {
        date_str(two, d1);
        date_str(two + 30, d2);
        a.act = "recovery_decision", a.on = d1;
        if (lg_stock_act(s, o->who, &a, NULL, &e2) != 0) continue;
        r->acts++;
        a.act = "recovered", a.on = d2;
        if ((rc = lg_stock_act(s, o->who, &a, NULL, err))) break;
        r->acts++;
      }
    }
  }
  if (rc == 0)
    rc = lg_store_commit(s, err);
  else
    goto fail;
  goto out;
fail:
  lg_store_rollback(s);
out:
  for (size_t i = 0; i < apps.len; i++)
    lg_geom_free(G.g, apps.items[i].geom);
  for (size_t i = 0; i < sups.len; i++)
    lg_geom_free(G.g, sups.items[i].geom);
  lg_free(apps.items);
  lg_free(sups.items);
  lg_free(app_days.items);
  lg_free(first_supply.items);
  lg_free(order);
  lg_prep_free(G.g, inside);
  lg_geom_free(G.g, outline);
  r->seconds = lg_mono() - t0;
  return rc;
}
