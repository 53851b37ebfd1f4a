#!/usr/bin/env bash
# bench/import: import the 500,000-patch synthetic county's land-use layer
# from a GeoPackage and from a Shapefile, beside `ogr2ogr -f GPKG` doing the
# same in the same run, and print the ratio (ogr2ogr time / landgov time:
# above 1 means landgov is faster).
#
# Both sides produce a GeoPackage layer with an R-tree spatial index from
# the same source file. Each side runs RUNS times; medians are compared.
# PATCHES and RUNS can be set in the environment.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/bench/out/import"
PATCHES="${PATCHES:-500000}"
RUNS="${RUNS:-3}"
bin="$root/build/landgov"
mkdir -p "$out"
[ -x "$bin" ] || { echo "build first: make build"; exit 1; }

src="$out/county_${PATCHES}.gpkg"
if [ ! -f "$src" ]; then
  echo "generating a county of $PATCHES patches..."
  "$bin" --db "$src" gen --patches "$PATCHES" --seed 1 >/dev/null
fi
shp="$out/landuse_${PATCHES}.shp"
if [ ! -f "$shp" ]; then
  ogr2ogr -f "ESRI Shapefile" -lco ENCODING=UTF-8 "$shp" "$src" landuse
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'; }

run_pair() {
  local label="$1" file="$2" srclayer="$3"
  local lg=() og=()
  for i in $(seq "$RUNS"); do
    rm -f "$out/lg.gpkg"* "$out/og.gpkg"*
    lg+=("$(timeit "$bin" --db "$out/lg.gpkg" import "$file" --layer landuse --role landuse ${srclayer:+--source-layer "$srclayer"})")
    og+=("$(timeit ogr2ogr -f GPKG "$out/og.gpkg" "$file" ${srclayer:+"$srclayer"} -nln landuse)")
  done
  local n_lg n_og
  n_lg=$(sqlite3 "$out/lg.gpkg" "select count(*) from landuse")
  n_og=$(ogrinfo -ro -so "$out/og.gpkg" landuse | awk -F': ' '/Feature Count/ {print $2}')
  local m_lg m_og
  m_lg=$(printf '%s\n' "${lg[@]}" | median)
  m_og=$(printf '%s\n' "${og[@]}" | median)
  printf '%-22s landgov %8.2f s   ogr2ogr %8.2f s   features %s / %s   ratio (ogr2ogr/landgov) %.2f\n' \
    "$label" "$m_lg" "$m_og" "$n_lg" "$n_og" "$(awk -v a="$m_og" -v b="$m_lg" 'BEGIN {print a / b}')"
}

echo "bench/import: $PATCHES patches, median of $RUNS runs, $(nproc) cores"
run_pair "from GeoPackage" "$src" landuse
run_pair "from Shapefile" "$shp" ""
rm -f "$out/lg.gpkg"* "$out/og.gpkg"*
