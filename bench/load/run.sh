#!/usr/bin/env bash
# bench/load: HTTP load with wrk on loopback against `landgov serve` (a
# release build) on the demo county, beside nginx serving a static file
# of the same size as each answer: the ceiling of what one HTTP server can
# push through this machine. For each endpoint: requests/s, p99 latency and
# errors (non-2xx answers and socket errors, which must be zero), and the
# ratio landgov / nginx.
#
# Endpoints, with an API token of a window clerk of the demo county
# (landgov user token):
#   layers     GET  /api/layers
#   features   GET  /api/layers/<land use>/features?bbox=<500 m box>&crs=<its own>&limit=200
#   check      POST /api/checks  a 1 ha square at the county's centre, save=false
#   cases      GET  /api/cases, and one case    (only once src/cases answers)
#   inbox      GET  /api/inbox or /api/tasks    (likewise)
#
#   bash bench/load/run.sh               # 60 s per endpoint, as issue 7 asks
#   DURATION=10 bash bench/load/run.sh   # a quick look
# Variables: DURATION (s), CONNS (32), THREADS (wrk threads, 2), SERVER_THREADS
# (landgov workers and nginx processes, the number of cores), BUILD
# (build-robust-rel), PATCHES (the demo's default when unset), NGINX_PORT (18481).
# wrk and nginx are Debian packages, installed here when missing rather than
# by scripts/deps.sh, so that `make check` does not wait for them.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/bench/load"
out="$root/bench/out/load"
DURATION="${DURATION:-60}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-2}"
SERVER_THREADS="${SERVER_THREADS:-$(nproc)}"
BUILD="${BUILD:-$root/build-robust-rel}"
NGINX_PORT="${NGINX_PORT:-18481}"
BIN="$BUILD/landgov"
mkdir -p "$out"

# ---- Tools ----------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "load: installing ${need[*]} (Debian packages)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  # The package would start the system's nginx on port 80: not wanted here.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
fi

# ---- landgov: release build, demo county, a token -------------------------
if [ ! -x "$BIN" ]; then
  cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLG_SANITIZE=OFF >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" --target landgov
fi
db="$out/demo.gpkg"
if [ ! -f "$db" ]; then
  echo "load: creating the demo county"
  "$BIN" --db "$db" demo --force ${PATCHES:+--patches "$PATCHES"} >/dev/null
fi
lg() { "$BIN" --db "$db" "$@"; }
clerk=$(lg --json user list | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    const j = JSON.parse(s); const us = j.users || j;
    const u = us.find(u => u.role === "clerk" && !u.disabled);
    if (!u) { console.error("no clerk in the demo store"); process.exit(1); }
    console.log(u.login);
  });')
token=$(lg --json user token "$clerk" --name "bench-load" | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => console.log(JSON.parse(s).token));')
read -r layer srs cx cy < <(lg --json layers | node -e '
  let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
    const l = JSON.parse(s).layers.find(x => x.role === "landuse");
    const [x0, y0, x1, y1] = l.extent;
    console.log(l.name, l.srs_id, (x0 + x1) / 2, (y0 + y1) / 2);
  });')

# ---- Servers ----------------------------------------------------------------
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$BIN" --db "$db" serve --port 0 --threads "$SERVER_THREADS" --quiet >"$out/serve.log" 2>&1 &
pids+=($!)
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$out/serve.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "landgov serve did not start:"; cat "$out/serve.log"; exit 1; }
url=${url%/}

static="$out/static"
rm -rf "$static" && mkdir -p "$static" "$out/nginx"
cat >"$out/nginx/nginx.conf" <<EOF
worker_processes $SERVER_THREADS;
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  types { application/json json; }
  default_type application/json;
  client_body_temp_path $out/nginx; proxy_temp_path $out/nginx;
  fastcgi_temp_path $out/nginx; uwsgi_temp_path $out/nginx; scgi_temp_path $out/nginx;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $static;
    # A POST to a static file is a 405 in nginx; answer it with the file.
    location / { error_page 405 =200 \$uri; }
  }
}
EOF
/usr/sbin/nginx -p "$out/nginx" -c "$out/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/" && break; sleep 0.1; done

# ---- Endpoints -----------------------------------------------------------------
half=250
check_body="$out/check.json"
node -e '
  const [cx, cy, srs] = process.argv.slice(1).map(Number);
  const r = [[cx - 50, cy - 50], [cx + 50, cy - 50], [cx + 50, cy + 50], [cx - 50, cy + 50], [cx - 50, cy - 50]];
  process.stdout.write(JSON.stringify({ geometry: { type: "Polygon", coordinates: [r] }, srs, save: false, use: "1001", type: "industrial" }));
' "$cx" "$cy" "$srs" >"$check_body"
bbox=$(node -e 'const [x, y, h] = process.argv.slice(1).map(Number); console.log([x - h, y - h, x + h, y + h].join(","))' "$cx" "$cy" "$half")

# name|method|path|body file
endpoints=(
  "layers|GET|/api/layers|"
  "features|GET|/api/layers/$layer/features?bbox=$bbox&crs=$srs&limit=200|"
  "check|POST|/api/checks|$check_body"
)
status() { curl -s -o "$2" -w '%{http_code}' -H "Authorization: Bearer $token" "$url$1"; }
if [ "$(status /api/cases "$out/cases.json")" = 200 ]; then
  endpoints+=("cases|GET|/api/cases|")
  id=$(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const l = Array.isArray(j) ? j : (j.cases || j.items || []);
    if (l.length) console.log(l[0].id ?? l[0].code ?? "");' "$out/cases.json" || true)
  [ -n "$id" ] && [ "$(status "/api/cases/$id" /dev/null)" = 200 ] && endpoints+=("case|GET|/api/cases/$id|")
  for p in /api/inbox /api/tasks /api/cases/inbox; do
    if [ "$(status "$p" /dev/null)" = 200 ]; then endpoints+=("inbox|GET|$p|"); break; fi
  done
else
  echo "load: /api/cases does not answer yet (src/cases not served): case reads and inbox left out"
fi

# Runs wrk; prints "rps p99_ms errors".
run_wrk() { # url method body auth
  local res
  res=$(METHOD="$2" BODY_FILE="$3" AUTH="$4" CTYPE="${3:+application/json}" \
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$here/request.lua" "$1" 2>&1 |
    grep '^LGBENCH' || true)
  [ -n "$res" ] || { echo "0 0 -1"; return; }
  node -e '
    const kv = Object.fromEntries(process.argv[1].split(" ").slice(1).map(s => s.split("=")).map(([k, v]) => [k, Number(v)]));
    const errors = kv.connect + kv.read + kv.write + kv.timeout + kv.status;
    console.log((kv.requests / (kv.duration_us / 1e6)).toFixed(0), (kv.p99_us / 1000).toFixed(2), errors);
  ' "$res"
}

for e in "${endpoints[@]}"; do IFS='|' read -r n m p _ <<<"$e"; echo "load: $n = $m $p"; done
printf '\nload: %s s per endpoint, %s connections, %s wrk threads, %s server threads, %s\n' \
  "$DURATION" "$CONNS" "$THREADS" "$SERVER_THREADS" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-9s %8s | %10s %9s %6s | %10s %9s %6s | %6s\n' endpoint bytes "landgov/s" "p99 ms" errors \
  "nginx/s" "p99 ms" errors ratio
failed=0
for e in "${endpoints[@]}"; do
  IFS='|' read -r name method path body <<<"$e"
  # The answer, kept as the static file nginx serves for the same request.
  if [ "$method" = POST ]; then
    code=$(curl -s -o "$static/$name.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' --data-binary "@$body" "$url$path")
  else
    code=$(curl -s -o "$static/$name.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$url$path")
  fi
  if [ "${code:0:1}" != 2 ]; then
    echo "load: $name answered $code: $(head -c 300 "$static/$name.json")"
    failed=1
    continue
  fi
  bytes=$(stat -c %s "$static/$name.json")
  read -r lrps lp99 lerr < <(run_wrk "$url$path" "$method" "$body" "$token")
  read -r nrps np99 nerr < <(run_wrk "http://127.0.0.1:$NGINX_PORT/$name.json" "$method" "$body" "")
  ratio=$(node -e 'console.log((Number(process.argv[1]) / Math.max(1, Number(process.argv[2]))).toFixed(3))' "$lrps" "$nrps")
  printf '%-9s %8s | %10s %9s %6s | %10s %9s %6s | %6s\n' "$name" "$bytes" "$lrps" "$lp99" "$lerr" \
    "$nrps" "$np99" "$nerr" "$ratio"
  [ "$lerr" = 0 ] && [ "$nerr" = 0 ] || failed=1
done
printf '(ratio: landgov requests/s over nginx requests/s for a static file of the same size)\n'
if [ "$failed" != 0 ]; then
  echo "load: errors (must be zero)"
  exit 1
fi
