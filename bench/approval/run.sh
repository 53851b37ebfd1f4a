#!/usr/bin/env bash
# bench/approval: N approval cases driven through the whole default
# process over the API on loopback against `landgov serve` (release
# build), every transition durable (one committed transaction with its
# ledger entries, synchronous=FULL, before the answer), beside the floor:
# the same number of plain SQLite transactions (BEGIN IMMEDIATE; one
# INSERT; COMMIT, WAL, synchronous=FULL) on the same disk in the same run.
# Prints transitions per second, p50/p99 latency per action, the floor's
# transactions per second and the ratio.
#
#   bash bench/approval/run.sh            # N=10000 cases (90,000 transitions), as issue 5 asks
#   N=1000 bash bench/approval/run.sh     # a quick run
# Variables: N (10000), CONC (client connections, 8), SERVER_THREADS
# (landgov workers, the number of cores), BUILD (build-metrics-rel), DIR
# (where the store and the floor's database go; default a new directory
# under /tmp, removed after; /tmp is on the same disk as the repository).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/bench/approval"
N="${N:-10000}"
CONC="${CONC:-8}"
SERVER_THREADS="${SERVER_THREADS:-$(nproc)}"
BUILD="${BUILD:-$root/build-metrics-rel}"
BIN="$BUILD/landgov"
FLOOR="$BUILD/bench_approval_floor"

# ---- Builds: landgov (release) and the floor --------------------------------
cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLG_SANITIZE=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target landgov >/dev/null
cc -O2 -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -o "$FLOOR" "$here/floor.c" \
  $(pkg-config --cflags --libs sqlite3)

cleanup=""
if [ -z "${DIR:-}" ]; then
  DIR=$(mktemp -d /tmp/landgov-bench-approval-XXXXXX)
  cleanup=$DIR
fi
server_pid=""
finish() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  [ -z "$server_pid" ] || wait "$server_pid" 2>/dev/null || true
  [ -z "$cleanup" ] || rm -rf "$cleanup"
}
trap finish EXIT
db="$DIR/bench.gpkg"
rm -f "$db" "$db-wal" "$db-shm"

echo "landgov $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') (working tree), $(nproc) cores," \
  "SQLite $(sqlite3 --version | cut -d' ' -f1), node $(node --version), $(uname -sr)"
echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "N=$N cases, CONC=$CONC client connections, SERVER_THREADS=$SERVER_THREADS, store $db"

# ---- The fixture: one county of 10.2 x 10.2 km, all of it state-owned
# industrial land (the city approves; nothing to expropriate, so no
# statutory notice waits on the calendar), and the staff of every step. --
"$BIN" --db "$db" init >/dev/null
node -e '
const fs = require("fs");
const [dir] = process.argv.slice(1);
const X0 = 38500000, Y0 = 3400000, S = 10200;
const ring = [[[X0, Y0], [X0 + S, Y0], [X0 + S, Y0 + S], [X0, Y0 + S], [X0, Y0]]];
const fc = (props) => JSON.stringify({ type: "FeatureCollection",
  crs: { type: "name", properties: { name: "urn:ogc:def:crs:EPSG::4526" } },
  features: [{ type: "Feature", properties: props, geometry: { type: "Polygon", coordinates: ring } }] });
fs.writeFileSync(dir + "/county.geojson", fc({ XZQDM: "360781", XZQMC: "瑞金市" }));
fs.writeFileSync(dir + "/dltb.geojson", fc({ DLBM: "0601", DLMC: "工业用地", QSXZ: "20" }));
' "$DIR"
"$BIN" --db "$db" import "$DIR/county.geojson" --layer county --role other --title 县级行政区界 >/dev/null
"$BIN" --db "$db" import "$DIR/dltb.geojson" --layer dltb --role landuse --title 地类图斑 >/dev/null
pw='Bench-Approval-2026'
add() { echo "$pw" | "$BIN" --db "$db" user add "$@" --password-stdin >/dev/null; }
add clerk --role clerk --division 360781
add county --role approver --level county --division 360781
add city --role approver --level city --division 3607
depts=(natural_resources agriculture ecology forestry water)
for d in "${depts[@]}"; do add "reviewer_$d" --role reviewer --dept "$d" --division 360781; done
tokens="$DIR/tokens.json"
{
  echo "{"
  first=1
  for u in clerk county city "${depts[@]/#/reviewer_}"; do
    t=$("$BIN" --db "$db" --json user token "$u" --name bench | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
    [ $first = 1 ] || echo ","
    first=0
    printf '"%s": "%s"' "$u" "$t"
  done
  echo "}"
} >"$tokens"

# ---- The server ------------------------------------------------------------
"$BIN" --db "$db" serve --host 127.0.0.1 --port 0 --threads "$SERVER_THREADS" --quiet \
  >"$DIR/serve.out" 2>"$DIR/serve.err" &
server_pid=$!
url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$DIR/serve.out" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "landgov serve did not start:"; cat "$DIR/serve.err"; exit 1; }

# ---- Run --------------------------------------------------------------------
node "$here/driver.mjs" --url "$url" --tokens "$tokens" --n "$N" --conc "$CONC" >"$DIR/driver.json"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# The measures over what was just done, as a bureau would ask for them.
metrics_s=$(curl -s -o "$DIR/metrics.json" -w '%{time_total}' -H "Authorization: Bearer $(node -e 'console.log(require(process.argv[1]).clerk)' "$tokens")" \
  "${url}api/metrics/approval?limit=1")
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

handed=$(sqlite3 "$db" "SELECT count(*) FROM lg_cases WHERE status = 'handed_over'")
entries=$(sqlite3 "$db" "SELECT count(*) FROM lg_ledger_entries" 2>/dev/null || echo '?')
transitions=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).transitions)' "$DIR/driver.json")
[ "$handed" = "$N" ] || { echo "only $handed of $N cases were handed over"; exit 1; }

# ---- The floor: as many plain transactions, same disk, same run -------------
"$FLOOR" "$DIR" "$transitions" >"$DIR/floor.json"

node -e '
const fs = require("fs");
const [dir, handed, entries, metricsS, loadAfter] = process.argv.slice(1);
const d = JSON.parse(fs.readFileSync(dir + "/driver.json"));
const f = JSON.parse(fs.readFileSync(dir + "/floor.json"));
const m = JSON.parse(fs.readFileSync(dir + "/metrics.json"));
const row = (k, a) => `| ${k} | ${a.n} | ${a.p50_ms.toFixed(2)} ms | ${a.p99_ms.toFixed(2)} ms |`;
console.log(`\n${d.cases} cases, ${d.transitions} transitions in ${d.seconds} s with ${d.concurrency} connections: ${d.per_second} transitions/s`);
console.log(`cases handed over: ${handed}; ledger entries: ${entries}; load after: ${loadAfter}`);
console.log("\n| action | n | p50 | p99 |\n|---|---|---|---|");
for (const k of ["create", "accept", "county", "joint", "city", "all"]) if (d.actions[k]) console.log(row(k, d.actions[k]));
console.log(`\nfloor: ${f.transactions} plain SQLite transactions (INSERT + COMMIT, WAL, synchronous=FULL) in ${f.seconds} s: ${f.per_second} tx/s, p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms`);
console.log(`ratio landgov / floor (transitions per second): ${(d.per_second / f.per_second).toFixed(3)}`);
console.log(`GET /api/metrics/approval over the run (${m.summary.cases} cases): ${(1000 * Number(metricsS)).toFixed(0)} ms; coordination share ${m.summary.coordination.share} of working time, ${m.summary.coordination.share_hours} of clock time; nodes per concluded case ${m.summary.nodes_per_concluded_case}`);
' "$DIR" "$handed" "$entries" "$metrics_s" "$load_after"
