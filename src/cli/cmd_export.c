/*
 * landgov export LAYER FILE [--format txt|geojson|gpkg|shp|kml|dxf|gdb]:
 * writes a layer out, as a Ministry coordinate file or through GDAL/OGR.
 */
#include "cli/cli_int.h"

#include <stdio.h>

#include "formats/formats.h"

static int run(lg_cli_t *cli, lg_err_t *err) {
  if (cli->args.npos != 2)
    return lg_err_set(err, LG_EINVAL,
                      "用法: landgov export LAYER FILE [--format txt|geojson|gpkg|shp|kml|dxf]");
  lg_formats_export_opts_t o = {0};
  o.format = lg_cli_arg(cli, "format");
  long long to = 0;
  int rc = lg_cli_arg_int(cli, "to-srs", &to, err);
  if (rc) return rc;
  o.to_srs = (int)to;
  lg_store_t *s;
  if ((rc = lg_cli_open(cli, LG_STORE_READONLY, &s, err))) return rc;
  rc = lg_formats_export(s, cli->args.pos[0], cli->args.pos[1], &o, err);
  lg_store_close(s);
  if (rc) return rc;
  if (cli->json)
    lg_cli_print_json(json_pack("{s:s, s:s, s:s?}", "layer", cli->args.pos[0], "file",
                                cli->args.pos[1], "format", o.format));
  else
    printf("已导出图层 %s -> %s\n", cli->args.pos[0], cli->args.pos[1]);
  return 0;
}

const lg_cmd_t lg_cmd_export = {
    .name = "export",
    .summary = "导出图层 (部标准坐标文件 txt、GeoJSON、GeoPackage、Shapefile、KML、DXF)",
    .usage = "LAYER FILE [--format txt|geojson|gpkg|shp|kml|dxf|gdb] [--to-srs EPSG]",
    .options = "format=,to-srs=",
    .run = run,
};
