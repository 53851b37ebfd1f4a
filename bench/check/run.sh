#!/usr/bin/env bash
# bench/check: the compliance check and whole-layer overlays of landgov
# beside PostGIS, on the same data in the same run.
#
#  1. N random project boundaries (1-50 ha) checked one by one against all
#     layers of the PATCHES-patch synthetic county: `landgov check --each`
#     (in-process latency per check) and the same checks as SQL in PostGIS
#     (postgis.sql, timed on the server). Latency p50/p99 and checks per
#     second; each side makes two passes and the second is reported.
#  2. Whole-layer overlays, red line x basic farmland and land-use patches
#     x basic farmland: `landgov conflicts` (both cores) against
#     sum(ST_Area(ST_Intersection(a, b))) over ST_Intersects pairs plus
#     both layers' total areas in PostGIS (its default parallel plan),
#     median of RUNS.
# Ratios are PostGIS time / landgov time: above 1, landgov is faster.
#
#   bash bench/check/run.sh                     # PATCHES=500000 N=1000 RUNS=3
#   PATCHES=50000 N=200 bash bench/check/run.sh
# BIN: the landgov binary (default build/landgov, a release build: `make build`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/bench/check"
out="$root/bench/out/check"
PATCHES="${PATCHES:-500000}"
N="${N:-1000}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
PORT="${PORT:-55433}"
BIN="${BIN:-$root/build/landgov}"
mkdir -p "$out"
[ -x "$BIN" ] || { echo "build first: make build (or set BIN=path/to/landgov)"; exit 1; }

county="$out/county_${PATCHES}.gpkg"
if [ ! -f "$county" ]; then
  echo "generating a county of $PATCHES patches..."
  "$BIN" --db "$county" gen --patches "$PATCHES" --seed 1 >/dev/null
fi
extent=$("$BIN" --db "$county" --json layers | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    const l = JSON.parse(s).layers.find(x => x.name === "county");
    console.log(JSON.stringify(l.extent)); });')
bounds="$out/boundaries_${N}_${SEED}.geojson"
[ -f "$bounds" ] || node "$here/boundaries.mjs" "$extent" "$N" "$SEED" "$bounds"

echo "bench/check: $PATCHES patches, $N boundaries (1-50 ha), $(nproc) cores, $(uname -sr)"
echo "landgov $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(psql --version | head -1), PostGIS $(dpkg-query -W -f='${Version}' postgresql-15-postgis-3 2>/dev/null || echo '?'), GEOS $(geos-config --version 2>/dev/null || echo '?')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. single checks -------------------------------------------------------
for pass in 1 2; do
  "$BIN" --db "$county" --json check "$bounds" --each --no-save --use 1001 --type industrial \
    > "$out/landgov_each.json"
done
read -r lg_p50 lg_p99 lg_cps lg_n lg_sum < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const sum = r.checks.reduce((a, c) => a + (c.landuse_m2 || 0), 0);
  console.log(r.stats.p50_ms.toFixed(3), r.stats.p99_ms.toFixed(3), r.stats.checks_per_s.toFixed(1),
              r.stats.checks - r.stats.failed, sum.toFixed(3));' "$out/landgov_each.json")

pgdir=$(mktemp -d /tmp/landgov-bench-check-XXXXXX)
chmod 755 "$pgdir" # the postgres user must reach the cluster inside
cleanup() { bash "$root/tests/pgtmp.sh" stop "$pgdir/pg" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
conn=$(bash "$root/tests/pgtmp.sh" start "$pgdir/pg" "$PORT")
psql_() { psql "$conn" -X -q -At -F '|' "$@"; }
ogr2ogr -f PostgreSQL "PG:$conn" "$county" -lco GEOMETRY_NAME=geom -lco FID=fid \
  -lco SPATIAL_INDEX=GIST landuse pbf eprl udb plan county
ogr2ogr -f PostgreSQL "PG:$conn" "$bounds" -nln bounds -lco GEOMETRY_NAME=geom -lco FID=id \
  -lco SPATIAL_INDEX=NONE -nlt POLYGON
psql_ -c "ANALYZE" >/dev/null
IFS='|' read -r _ pg_p50 pg_p99 pg_n pg_cps pg_sum < <(psql_ -f "$here/postgis.sql" | grep '^postgis_check')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "1. single checks, all layers (second of two passes)"
printf '   %-9s p50 %8.3f ms   p99 %8.3f ms   %8.1f checks/s   (%s checks, land-use area %s m2)\n' \
  landgov "$lg_p50" "$lg_p99" "$lg_cps" "$lg_n" "$lg_sum"
printf '   %-9s p50 %8.3f ms   p99 %8.3f ms   %8.1f checks/s   (%s checks, land-use area %s m2)\n' \
  PostGIS "$pg_p50" "$pg_p99" "$pg_cps" "$pg_n" "$pg_sum"
echo "   ratio (PostGIS / landgov): p50 $(ratio "$pg_p50" "$lg_p50"), p99 $(ratio "$pg_p99" "$lg_p99"), throughput $(ratio "$lg_cps" "$pg_cps")"

# ---- 2. whole-layer overlays ---------------------------------------------
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "2. whole-layer overlays (median of $RUNS)"
for pair in "eprl pbf" "landuse pbf"; do
  set -- $pair
  lg=() pg=()
  for i in $(seq "$RUNS"); do
    res=$("$BIN" --db "$county" --json conflicts "$1" "$2")
    lg+=("$(node -e 'const r = JSON.parse(process.argv[1]); console.log((r.elapsed_ms / 1000).toFixed(3), r.overlap_m2.toFixed(3))' "$res")")
    t=$(psql_ -c '\timing on' -c "SELECT round(coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0)::numeric, 3),
        (SELECT sum(ST_Area(geom)) FROM $1), (SELECT sum(ST_Area(geom)) FROM $2)
        FROM $1 a JOIN $2 b ON ST_Intersects(a.geom, b.geom)")
    ov=$(echo "$t" | head -1 | cut -d'|' -f1)
    ms=$(echo "$t" | awk '/^Time:/ {print $2}')
    pg+=("$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }') $ov")
  done
  lg_s=$(printf '%s\n' "${lg[@]}" | awk '{print $1}' | median)
  pg_s=$(printf '%s\n' "${pg[@]}" | awk '{print $1}' | median)
  lg_ov=$(printf '%s\n' "${lg[0]}" | awk '{print $2}')
  pg_ov=$(printf '%s\n' "${pg[0]}" | awk '{print $2}')
  printf '   %-14s landgov %7.3f s   PostGIS %7.3f s   ratio %s   (overlap %s / %s m2)\n' \
    "$1 x $2" "$lg_s" "$pg_s" "$(ratio "$pg_s" "$lg_s")" "$lg_ov" "$pg_ov"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
