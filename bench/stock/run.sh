#!/usr/bin/env bash
# bench/stock: the 批而未供 computation (approved land not covered by the
# parcels supplied up to a day) of landgov beside the same spatial
# difference in PostGIS, on the same data in the same run.
#
#   1. The PATCHES-patch synthetic county (`landgov gen`), and on a copy of
#      it APPROVALS approvals and SUPPLIES supplies inside its outline
#      (`landgov stock gen`, seeded): irregular polygons of 1-40 ha, parcels
#      of 0.15-30% of their approval, one in eight crossing its edge, one in
#      twenty on land no approval covers, contracted over ten years.
#   2. landgov: `landgov stock unsupplied --as-of DAY` (the approvals
#      approved by the day, each against the supplies contracted by the
#      day: the fast overlay of src/geo, GEOS where it cannot decide); the
#      figure is the spatial part it reports (elapsed_ms) and the command's
#      wall time, median of RUNS.
#   3. PostGIS: both layers copied in with ogr2ogr (GiST indexes), then for
#      each approval ST_Area(ST_Difference(approval, ST_Union(supplies that
#      intersect it and were contracted by the day))), slivers under 1 m2
#      counted as nothing as landgov counts them (data/stock
#      unsupplied.min_m2), summed; timed on the server, median of RUNS.
# Both totals are printed (they must agree to the square metre); the ratio
# is PostGIS time / landgov time: above 1, landgov is faster.
#
#   bash bench/stock/run.sh                 # PATCHES=500000 APPROVALS=10000 SUPPLIES=30000 RUNS=3
#   PATCHES=50000 APPROVALS=1000 SUPPLIES=3000 bash bench/stock/run.sh
# BIN: the landgov binary (default build/landgov, a release build: `make build`).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/bench/out/stock"
PATCHES="${PATCHES:-500000}"
APPROVALS="${APPROVALS:-10000}"
SUPPLIES="${SUPPLIES:-30000}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
DAY="${DAY:-2026-06-30}"
PORT="${PORT:-55434}"
BIN="${BIN:-$root/build/landgov}"
mkdir -p "$out"
[ -x "$BIN" ] || { echo "build first: make build (or set BIN=path/to/landgov)"; exit 1; }

county="$out/county_${PATCHES}.gpkg"
if [ ! -f "$county" ]; then
  echo "generating a county of $PATCHES patches..."
  "$BIN" --db "$county" gen --patches "$PATCHES" --seed 1 >/dev/null
fi
store="$out/stock_${PATCHES}_${APPROVALS}_${SUPPLIES}_${SEED}.gpkg"
if [ ! -f "$store" ]; then
  echo "generating $APPROVALS approvals and $SUPPLIES supplies..."
  rm -f "$store.tmp"
  cp "$county" "$store.tmp"
  "$BIN" --db "$store.tmp" --json stock gen --approvals "$APPROVALS" --supplies "$SUPPLIES" \
    --seed "$SEED" --as-of "$DAY" --no-refresh > "$out/gen.json"
  mv "$store.tmp" "$store"
  rm -f "$store.tmp-wal" "$store.tmp-shm"
fi

echo "bench/stock: $PATCHES patches, $APPROVALS approvals, $SUPPLIES supplies, as of $DAY, $(nproc) cores, $(uname -sr)"
echo "landgov $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $(psql --version | head -1), PostGIS $(dpkg-query -W -f='${Version}' postgresql-15-postgis-3 2>/dev/null || echo '?'), GEOS $(geos-config --version 2>/dev/null || echo '?')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ---- landgov -----------------------------------------------------------------
lg_ms=() lg_wall=()
for i in $(seq "$RUNS"); do
  t0=$(date +%s.%N)
  "$BIN" --db "$store" --json stock unsupplied --as-of "$DAY" > "$out/landgov.json"
  t1=$(date +%s.%N)
  lg_ms+=("$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).elapsed_ms.toFixed(1))' "$out/landgov.json")")
  lg_wall+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')")
done
read -r lg_n lg_sum lg_fast lg_geos lg_cand < <(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(r.approvals, r.unsupplied_m2.toFixed(3), r.fast, r.geos, r.candidates);' "$out/landgov.json")

# ---- PostGIS -----------------------------------------------------------------
pgdir=$(mktemp -d /tmp/landgov-bench-stock-XXXXXX)
chmod 755 "$pgdir" # the postgres user must reach the cluster inside
cleanup() { bash "$root/tests/pgtmp.sh" stop "$pgdir/pg" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
conn=$(bash "$root/tests/pgtmp.sh" start "$pgdir/pg" "$PORT")
psql_() { psql "$conn" -X -q -At -F '|' "$@"; }
ogr2ogr -f PostgreSQL "PG:$conn" "$store" -lco GEOMETRY_NAME=geom -lco FID=fid \
  -lco SPATIAL_INDEX=GIST stock_approvals stock_supplies
psql_ -c "ANALYZE" >/dev/null
sql="SELECT count(*), round(sum(CASE WHEN d < 1 THEN 0 ELSE d END)::numeric, 3) FROM (
  SELECT ST_Area(CASE WHEN x.u IS NULL THEN a.geom ELSE ST_Difference(a.geom, x.u) END) AS d
  FROM stock_approvals a LEFT JOIN LATERAL (
    SELECT ST_Union(s.geom) AS u FROM stock_supplies s
    WHERE s.contract_on <= '$DAY' AND s.geom && a.geom AND ST_Intersects(s.geom, a.geom)) x ON true
  WHERE a.approved_on <= '$DAY') q"
pg_ms=()
for i in $(seq "$RUNS"); do
  res=$(psql_ -c '\timing on' -c "$sql")
  pg_ms+=("$(echo "$res" | awk '/^Time:/ {print $2}')")
  read -r pg_n pg_sum < <(echo "$res" | head -1 | tr '|' ' ')
done

lg_med=$(printf '%s\n' "${lg_ms[@]}" | median)
lg_wmed=$(printf '%s\n' "${lg_wall[@]}" | median)
pg_med=$(printf '%s\n' "${pg_ms[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "批而未供 of $lg_n approvals (median of $RUNS)"
printf '   %-22s %10.1f ms   (unsupplied %s m2; %s candidates: %s by the fast overlay, %s in GEOS)\n' \
  "landgov (spatial part)" "$lg_med" "$lg_sum" "$lg_cand" "$lg_fast" "$lg_geos"
printf '   %-22s %10.1f ms   (the whole command: open, read, compute, print)\n' "landgov (command)" "$lg_wmed"
printf '   %-22s %10.1f ms   (unsupplied %s m2, %s approvals)\n' "PostGIS" "$pg_med" "$pg_sum" "$pg_n"
echo "   ratio (PostGIS / landgov): spatial part $(ratio "$pg_med" "$lg_med"), whole command $(ratio "$pg_med" "$lg_wmed")"
awk -v a="$lg_sum" -v b="$pg_sum" 'BEGIN { d = a - b; if (d < 0) d = -d; if (d > 1) { printf "   TOTALS DIFFER by %.3f m2\n", d; exit 1 } else printf "   totals agree within %.3f m2\n", d }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
