/*
 * landgov import FILE --layer NAME --role ROLE: brings a layer into the One
 * Map from a Ministry coordinate file, Shapefile, GeoPackage, GeoJSON,
 * FileGDB, KML or DXF, in one transaction.
 */
#include "cli/cli_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 1)
    return lg_err_set(err, LG_EINVAL,
                      "需要一个文件参数: landgov import FILE --layer NAME --role ROLE");
  const char *path = cli->args.pos[0];
  lg_formats_import_opts_t o = {0};
  o.layer = lg_cli_arg(cli, "layer");
  o.role = lg_cli_arg(cli, "role");
  o.title = lg_cli_arg(cli, "title");
  o.class_field = lg_cli_arg(cli, "class-field");
  o.encoding = lg_cli_arg(cli, "encoding");
  o.src_layer = lg_cli_arg(cli, "source-layer");
  o.replace = lg_cli_arg_flag(cli, "replace");
  long long srs = 0, to = 0, maxf = 0;
  int rc = lg_cli_arg_int(cli, "srs", &srs, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "to-srs", &to, err);
  if (rc == 0) rc = lg_cli_arg_int(cli, "max-features", &maxf, err);
  if (rc) return rc;
  o.src_srs = (int)srs;
  o.to_srs = (int)to;
  o.max_features = maxf;
  if (!o.layer) return lg_err_set(err, LG_EINVAL, "缺少 --layer 图层名");
  if (!o.role) o.role = "other";
  if (!lg_store_role_valid(o.role))
    return lg_err_set(
        err, LG_EINVAL,
        "图层角色 \"%s\" 无效; 可用: eprl (生态保护红线), pbf (永久基本农田), "
        "udb (城镇开发边界), landuse (土地利用现状), plan (规划用途), boundary, other, "
        "approval (批准用地), supply (供地)",
        o.role);
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, LG_STORE_CREATE, &s, err))) return rc;
  /* The One Map keeps one coordinate system when the store declares one. */
  if (o.to_srs == 0) {
    char *proj = NULL;
    lg_store_setting_get(s, "project_srs", &proj, NULL);
    if (proj) o.to_srs = atoi(proj);
    lg_free(proj);
  }
  lg_formats_import_result_t res;
  rc = lg_formats_import(s, path, &o, &res, err);
  lg_store_close(s);
  if (rc) return rc;
  if (cli->json) {
    lg_cli_print_json(json_pack(
        "{s:s, s:s, s:s, s:I, s:i, s:s, s:s?, s:s, s:s, s:f}", "layer", res.layer, "role", o.role,
        "file", path, "count", (json_int_t)res.count, "srs_id", res.srs_id, "geometry_type",
        res.geom_type, "class_field", res.class_field[0] ? res.class_field : NULL, "encoding",
        res.encoding, "format", res.format, "seconds", res.seconds));
  } else {
    char cnt[32];
    lg_fmt_num(cnt, sizeof cnt, (double)res.count, 0);
    printf("已导入 %s -> 图层 %s (%s): %s 个要素, 坐标系 EPSG:%d, 格式 %s, 编码 %s%s%s, 用时 %.2f "
           "秒\n",
           path, res.layer, lg_store_role_title(o.role), cnt, res.srs_id, res.format, res.encoding,
           res.class_field[0] ? ", 地类字段 " : "", res.class_field, res.seconds);
  }
  return 0;
}

const lg_cmd_t lg_cmd_import = {
    .name = "import",
    .summary = "导入图层 (部标准坐标文件、Shapefile、GeoPackage、GeoJSON、FileGDB、KML、DXF)",
    .usage = "FILE --layer NAME --role eprl|pbf|udb|landuse|plan|boundary|other|approval|supply\n"
             "       [--title 名称] [--class-field 字段] [--encoding GBK|UTF-8] [--srs EPSG]\n"
             "       [--to-srs EPSG] [--source-layer 源图层] [--replace] [--max-features N]",
    .options = "layer=,role=,title=,class-field=,encoding=,source-layer=,srs=,to-srs=,replace,"
               "max-features=",
    .run = run,
};
