/*
 * landgov gen: writes the synthetic county (onemap's lg_onemap_gen) into
 * the store named by --db, creating the store if needed: land-class
 * patches, permanent basic farmland, ecological red line, urban
 * development boundary, planned use zones and the county outline. Also
 * the report both gen and demo print: layers, area by land class, time.
 */
#include "cli/cli_int.h"
#include "onemap/onemap.h"

#include <stdio.h>

/* Reads --patches and --seed into o. Shared with cmd_demo.c. */
int lg_cli_gen_opts(lg_cli_t *cli, lg_onemap_gen_opts_t *o, lg_err_t *err) {
  lg_onemap_gen_opts_init(o);
  long long patches = o->patches, seed = (long long)o->seed;
  int rc = lg_cli_arg_int(cli, "patches", &patches, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "seed", &seed, err);
  if (rc) return rc;
  if (patches < LG_GEN_MIN_PATCHES || patches > LG_GEN_MAX_PATCHES)
    return lg_err_set(err, LG_EINVAL, "--patches %lld 超出范围: 应在 %d 到 %d 之间", patches,
                      LG_GEN_MIN_PATCHES, LG_GEN_MAX_PATCHES);
  if (seed < 0) return lg_err_set(err, LG_EINVAL, "--seed 应为非负整数, 得到 %lld", seed);
  o->patches = patches;
  o->seed = (uint64_t)seed;
  return 0;
}

/* Prints what lg_onemap_gen made: one JSON document with --json, Chinese
 * tables otherwise. Shared with cmd_demo.c. */
void lg_cli_gen_report(lg_cli_t *cli, const lg_onemap_gen_opts_t *o,
                       const lg_onemap_gen_result_t *r) {
  double county = r->county_area > 0 ? r->county_area : 1;
  double pbf = r->layers[1].area > 0 ? r->layers[1].area : 1;
  if (cli->json) {
    json_t *layers = json_array(), *classes = json_array();
    for (int k = 0; k < r->nlayers; k++)
      json_array_append_new(
          layers, json_pack("{s:s, s:s, s:s, s:I, s:f}", "name", r->layers[k].name, "role",
                            r->layers[k].role, "role_title", lg_store_role_title(r->layers[k].role),
                            "count", (json_int_t)r->layers[k].count, "area_m2", r->layers[k].area));
    for (int k = 0; k < r->nclasses; k++)
      json_array_append_new(
          classes, json_pack("{s:s, s:s, s:I, s:f, s:f}", "dlbm", r->classes[k].dlbm, "dlmc",
                             r->classes[k].dlmc, "count", (json_int_t)r->classes[k].count,
                             "area_m2", r->classes[k].area, "share", r->classes[k].area / county));
    json_t *doc = json_pack(
        "{s:s, s:I, s:I, s:i, s:{s:s, s:s, s:f, s:[f,f,f,f], s:{s:f, s:f, s:f, s:f}, s:{s:f, "
        "s:f}, s:i, s:i}, s:o, s:o, s:f, s:f, s:f}",
        "db", cli->db_path, "seed", (json_int_t)o->seed, "patches_requested",
        (json_int_t)o->patches, "srid", r->srid, "county", "code", r->county_code, "name",
        r->county_name, "area_m2", r->county_area, "extent", r->extent.minx, r->extent.miny,
        r->extent.maxx, r->extent.maxy, "centre", "lon", r->lon, "lat", r->lat, "x", r->centre_x,
        "y", r->centre_y, "town", "x", r->town_x, "y", r->town_y, "townships", r->ntownships,
        "villages", r->nvillages, "layers", layers, "area_by_class", classes, "pbf_eprl_overlap_m2",
        r->pbf_eprl_overlap, "pbf_eprl_overlap_share", r->pbf_eprl_overlap / pbf, "seconds",
        r->seconds);
    lg_cli_print_json(doc);
    return;
  }
  char a[64], b[64], c[64];
  lg_fmt_num(a, sizeof a, r->county_area / 1e6, 2);
  printf("合成县: %s (%s), 种子 %llu\n", r->county_name, r->county_code,
         (unsigned long long)o->seed);
  printf("坐标系 EPSG:%d (CGCS2000 3度带第38带), 中心 %.4f°E %.4f°N\n", r->srid, r->lon, r->lat);
  printf("县域面积 %s 平方千米, %d 个乡镇, %d 个村 (社区)\n\n", a, r->ntownships, r->nvillages);

  static const char *const lh[] = {"图层", "名称", "要素数", "面积 (公顷)"};
  lg_cli_table_t *t = lg_cli_table_new(4, lh);
  for (int k = 0; k < r->nlayers; k++) {
    lg_fmt_num(a, sizeof a, (double)r->layers[k].count, 0);
    lg_fmt_num(b, sizeof b, r->layers[k].area / 1e4, 2);
    lg_cli_table_add(t, r->layers[k].name, lg_store_role_title(r->layers[k].role), a, b);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  printf("\n");

  static const char *const ch[] = {"地类编码", "地类名称", "图斑数", "面积 (公顷)", "占比"};
  t = lg_cli_table_new(5, ch);
  for (int k = 0; k < r->nclasses; k++) {
    lg_fmt_num(a, sizeof a, (double)r->classes[k].count, 0);
    lg_fmt_num(b, sizeof b, r->classes[k].area / 1e4, 2);
    snprintf(c, sizeof c, "%.2f%%", 100 * r->classes[k].area / county);
    lg_cli_table_add(t, r->classes[k].dlbm, r->classes[k].dlmc, a, b, c);
  }
  lg_cli_table_print(t);
  lg_cli_table_free(t);
  lg_fmt_num(a, sizeof a, r->pbf_eprl_overlap / 1e4, 2);
  printf("\n生态保护红线内的永久基本农田 %s 公顷, 占永久基本农田 %.1f%% (规划冲突)\n", a,
         100 * r->pbf_eprl_overlap / pbf);
  printf("用时 %.1f 秒\n", r->seconds);
}

/* A synthetic province (--counties N): N counties of --patches each, in
 * rows of three, westwards from the first county (the default centre, in
 * the east of zone 38) and southwards,
 * a quarter of the first county's size apart (the seeds make counties of
 * somewhat different sizes), with county codes counting up from
 * 360781 and seeds from --seed. All of them in the same six layers (the
 * first county makes them, the others are appended), as a province's One
 * Map holds every county's survey in one table. The counties are
 * generated one after another, each in its own transaction. */
static int province(lg_cli_t *cli, lg_store_t *s, lg_onemap_gen_opts_t *o, int n, lg_err_t *err) {
  lg_geo_t *g = lg_geo_thread();
  double x0 = 0, y0 = 0, w = 0, h = 0;
  long long total = 0;
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    char code[8], name[32];
    snprintf(code, sizeof code, "%06d", 360781 + i);
    snprintf(name, sizeof name, "示范县%d", i + 1);
    lg_onemap_gen_opts_t c = *o;
    c.county_code = code;
    c.county_name = name;
    c.seed = o->seed + (uint64_t)i;
    c.append = i > 0;
    if (i > 0) {
      double x = x0 - (i % 3) * w * 1.25, y = y0 - (i / 3) * h * 1.25;
      if ((rc = lg_xy_transform(g, 4526, 4490, &x, &y, 1, err))) break;
      c.lon = x;
      c.lat = y;
    }
    lg_onemap_gen_result_t r;
    if ((rc = lg_onemap_gen(s, &c, &r, err))) {
      lg_err_prefix(err, "第 %d 个县 (%s): ", i + 1, code);
      break;
    }
    if (i == 0) {
      /* The first county fixes the grid: its size and centre. */
      x0 = r.centre_x;
      y0 = r.centre_y;
      w = r.extent.maxx - r.extent.minx;
      h = r.extent.maxy - r.extent.miny;
    }
    total += r.layers[0].count;
    if (!cli->json)
      printf("%s %s: %lld 个图斑, %.1f 秒\n", code, name, (long long)r.layers[0].count, r.seconds);
  }
  if (rc == 0 && cli->json)
    lg_cli_print_json(json_pack("{s:s, s:i, s:I}", "db", cli->db_path, "counties", n, "patches",
                                (json_int_t)total));
  else if (rc == 0)
    printf("合成省: %d 个县, 共 %lld 个图斑, 已写入数据库 %s\n", n, total, cli->db_path);
  return rc;
}

static int run(lg_cli_t *cli, lg_err_t *err) {
  lg_onemap_gen_opts_t o;
  int rc = lg_cli_gen_opts(cli, &o, err);
  if (rc) return rc;
  o.replace = lg_cli_arg_flag(cli, "replace");
  long long counties = 1;
  if ((rc = lg_cli_arg_int(cli, "counties", &counties, err))) return rc;
  if (counties < 1 || counties > 100)
    return lg_err_set(err, LG_EINVAL, "--counties %lld 超出范围: 应在 1 到 100 之间", counties);
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, LG_STORE_CREATE, &s, err))) return rc;
  if (counties > 1) {
    rc = province(cli, s, &o, (int)counties, err);
    lg_store_close(s);
    return rc;
  }
  lg_onemap_gen_result_t r;
  rc = lg_onemap_gen(s, &o, &r, err);
  lg_store_close(s);
  if (rc) return rc;
  if (!cli->json) printf("已写入数据库 %s\n", cli->db_path);
  lg_cli_gen_report(cli, &o, &r);
  return 0;
}

const lg_cmd_t lg_cmd_gen = {
    .name = "gen",
    .summary = "生成合成县数据 (三调图斑、基本农田、红线、开发边界、规划分区)",
    .usage = "[--patches N] [--seed S] [--replace] [--counties N (合成省: N 个县, 每县 --patches "
             "个图斑)]",
    .options = "patches=,seed=,replace,counties=",
    .run = run,
};
