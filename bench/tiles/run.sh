#!/usr/bin/env bash
# bench/tiles: vector tiles of the land-use layer of the PATCHES-patch
# synthetic county, served by `landgov serve` over HTTP on loopback,
# beside PostGIS ST_AsMVT making the same tiles from the same data in the
# same run.
#
#  1. The sweep (tiles.mjs list): zooms ZOOMS; at each zoom every tile over
#     the county when there are at most SAMPLE, else SAMPLE tiles drawn
#     (seeded) among those whose centre lies in the county outline.
#  2. landgov (release build, `landgov serve`, its default two worker
#     threads, the tile cache off: tiles.cache_mb = 0): one client
#     on one keep-alive connection asks for the tiles one after the other,
#     two passes, the second reported. Two times per tile: the client's
#     (request sent to last byte received: HTTP, the login check, the
#     transfer and node's parsing all in it) and the handler's own
#     (Server-Timing: permission, layer version, making and encoding the
#     tile). Then the same at full detail (tiles.full_detail = 1: no
#     generalisation, as ST_AsMVT), and once with the cache on (its
#     second pass: what repeated views cost).
#  3. PostGIS (postgis.sql): the same tiles in the same order, one
#     session, ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857),
#     ST_TileEnvelope(z, x, y))), timed on the server per tile, two
#     passes, the second reported. The layer reaches PostGIS through
#     ogr2ogr from the same GeoPackage, with a GiST index.
# tiles/s = tiles / sum of the per-tile times (one at a time on both
# sides). Ratios = landgov tiles/s / PostGIS tiles/s: "server" compares
# like with like (both timed inside the server), "HTTP" charges landgov
# with the whole round trip and PostGIS with none. Above 1, landgov is
# faster.
#
#   bash bench/tiles/run.sh                      # PATCHES=500000 ZOOMS="10 11 12 13 14 15 16" SAMPLE=50
#   PATCHES=50000 SAMPLE=20 bash bench/tiles/run.sh
# BIN: the landgov binary (default build/landgov, a release build: `make build`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/bench/tiles"
out="$root/bench/out/tiles"
PATCHES="${PATCHES:-500000}"
ZOOMS="${ZOOMS:-10 11 12 13 14 15 16}"
SAMPLE="${SAMPLE:-50}"
SEED="${SEED:-1}"
PORT="${PORT:-55434}"     # PostgreSQL (Unix socket only)
LG_PORT="${LG_PORT:-0}"   # landgov; 0: a free port
BIN="${BIN:-$root/build/landgov}"
mkdir -p "$out"
[ -x "$BIN" ] || { echo "build first: make build (or set BIN=path/to/landgov)"; exit 1; }

# The county: the check benchmark's when it is there (same generator, same seed).
county="$root/bench/out/check/county_${PATCHES}.gpkg"
[ -f "$county" ] || county="$out/county_${PATCHES}.gpkg"
if [ ! -f "$county" ]; then
  echo "generating a county of $PATCHES patches..."
  "$BIN" --db "$county" gen --patches "$PATCHES" --seed 1 >/dev/null
fi
# A reader account for the client (an API token); added once.
if ! "$BIN" --db "$county" user list 2>/dev/null | grep -q 'bench_tiles'; then
  printf 'Bench-Tiles-2026\n' | "$BIN" --db "$county" user add bench_tiles --role clerk \
    --division 360781 --password-stdin >/dev/null
fi
token=$("$BIN" --db "$county" --json user token bench_tiles --name bench --expires-days 1 | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s).token));')

echo "bench/tiles: $PATCHES patches, zooms $ZOOMS, up to $SAMPLE tiles a zoom, $(nproc) cores, $(uname -sr)"
echo "landgov $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(psql --version | head -1), PostGIS $(dpkg-query -W -f='${Version}' postgresql-15-postgis-3 2>/dev/null || echo '?'), PROJ $(dpkg-query -W -f='${Version}' libproj25 2>/dev/null || echo '?')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

pgdir=$(mktemp -d /tmp/landgov-bench-tiles-XXXXXX)
chmod 755 "$pgdir" # the postgres user must reach the cluster inside
lg_pid=""
stop_landgov() {
  if [ -n "$lg_pid" ]; then kill "$lg_pid" 2>/dev/null || true; wait "$lg_pid" 2>/dev/null || true; fi
  lg_pid=""
}
cleanup() {
  stop_landgov
  bash "$root/tests/pgtmp.sh" stop "$pgdir/pg" >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap cleanup EXIT

# Starts landgov serve with the tile cache of $1 MB, at full detail when
# $2 is 1 (the settings tiles.cache_mb and tiles.full_detail, read at the
# first tile); sets lg_pid and lg_url.
start_landgov() {
  "$BIN" --db "$county" settings set tiles.cache_mb "$1" >/dev/null
  "$BIN" --db "$county" settings set tiles.full_detail "${2:-0}" >/dev/null
  "$BIN" --db "$county" serve --host 127.0.0.1 --port "$LG_PORT" --quiet \
    > "$pgdir/serve.out" 2> "$pgdir/serve.err" &
  lg_pid=$!
  lg_url=""
  for _ in $(seq 300); do
    lg_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$pgdir/serve.out" | head -1 || true)
    [ -n "$lg_url" ] && break
    sleep 0.1
  done
  [ -n "$lg_url" ] || { echo "landgov serve did not start:"; cat "$pgdir/serve.err"; exit 1; }
}

# ---- 1. the sweep ------------------------------------------------------------
start_landgov 0
tiles="$out/tiles_${PATCHES}_${SAMPLE}_${SEED}.csv"
node "$here/tiles.mjs" list "$lg_url" "$token" "$ZOOMS" "$SAMPLE" "$SEED" "$tiles"
echo "tiles: $(($(wc -l < "$tiles") - 1))"

# ---- 2. landgov ----------------------------------------------------------------
node "$here/tiles.mjs" run "$lg_url" "$token" landuse "$tiles" 2 "$out/landgov.json"
stop_landgov
start_landgov 0 1
node "$here/tiles.mjs" run "$lg_url" "$token" landuse "$tiles" 2 "$out/landgov_full.json"
stop_landgov
start_landgov 1024
node "$here/tiles.mjs" run "$lg_url" "$token" landuse "$tiles" 2 "$out/landgov_cached.json"
stop_landgov

# ---- 3. PostGIS ------------------------------------------------------------------
conn=$(bash "$root/tests/pgtmp.sh" start "$pgdir/pg" "$PORT")
psql_() { psql "$conn" -X -q -At -F ',' "$@"; }
ogr2ogr -f PostgreSQL "PG:$conn" "$county" -lco GEOMETRY_NAME=geom -lco FID=fid \
  -lco SPATIAL_INDEX=GIST landuse
psql_ -c "ANALYZE" -c "CREATE TABLE bench_tiles (seq serial, z int, x int, y int)" \
  -c "\\copy bench_tiles (z, x, y) FROM '$tiles' CSV HEADER" >/dev/null
psql_ -f "$here/postgis.sql"
psql_ -c "\\copy (SELECT z, x, y, ms, bytes, features FROM bench_tile_times WHERE pass = 2 ORDER BY seq) TO '$out/postgis.csv' CSV"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
node "$here/tiles.mjs" report "$out/landgov.json" "$out/postgis.csv" "$out/landgov_full.json" \
  "$out/landgov_cached.json"
