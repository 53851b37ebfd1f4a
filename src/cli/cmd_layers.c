/*
 * landgov layers: the layer catalogue of the One Map: name, role, CRS,
 * feature count and extent of every layer in the store.
 */
#include "cli/cli_int.h"

#include <stdio.h>

static int run(lg_cli_t *cli, lg_err_t *err) {
  lg_store_t *s;
  int rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err);
  if (rc) return rc;
  lg_layer_info_t *ls;
  size_t n;
  rc = lg_store_layers(s, &ls, &n, err);
  lg_store_close(s);
  if (rc) return rc;
  if (cli->json) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
      json_array_append_new(
          arr, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:I, s:[f,f,f,f], s:s}", "id",
                         (json_int_t)ls[i].id, "name", ls[i].name, "title", ls[i].title, "role",
                         ls[i].role, "role_title", lg_store_role_title(ls[i].role), "class_field",
                         ls[i].class_field[0] ? ls[i].class_field : NULL, "geometry_type",
                         ls[i].geom_type, "srs_id", ls[i].srs_id, "count", (json_int_t)ls[i].count,
                         "extent", ls[i].extent.minx, ls[i].extent.miny, ls[i].extent.maxx,
                         ls[i].extent.maxy, "imported_at", ls[i].imported_at));
    lg_cli_print_json(json_pack("{s:o}", "layers", arr));
  } else {
    static const char *const hdr[] = {"编号",   "图层",   "名称",    "角色",
                                      "坐标系", "要素数", "地类字段"};
    lg_cli_table_t *t = lg_cli_table_new(7, hdr);
    for (size_t i = 0; i < n; i++) {
      char id[32], srs[32], cnt[32];
      snprintf(id, sizeof id, "%lld", (long long)ls[i].id);
      snprintf(srs, sizeof srs, "EPSG:%d", ls[i].srs_id);
      lg_fmt_num(cnt, sizeof cnt, (double)ls[i].count, 0);
      lg_cli_table_add(t, id, ls[i].name, ls[i].title, lg_store_role_title(ls[i].role), srs, cnt,
                       ls[i].class_field);
    }
    lg_cli_table_print(t);
    lg_cli_table_free(t);
    if (n == 0) printf("(数据库中还没有图层; 用 landgov import 导入)\n");
  }
  lg_store_layer_infos_free(ls, n);
  return 0;
}

const lg_cmd_t lg_cmd_layers = {
    .name = "layers",
    .summary = "列出一张图中的所有图层",
    .usage = "",
    .options = "",
    .run = run,
};
