#!/usr/bin/env bash
# Installs everything landgov needs to build, test and run on Debian 12:
# Debian packages first, then the npm packages of the web client and the
# browser tests. Idempotent: a second run finds everything present and
# returns quickly. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PKGS=(
  build-essential cmake pkg-config clang
  libclang-rt-14-dev # libFuzzer and the sanitizer runtimes for clang (make fuzz)
  clang-format # make check fails on C not formatted by .clang-format (make format)
  libgeos-dev libproj-dev proj-data proj-bin
  libgdal-dev gdal-bin
  libsqlite3-dev sqlite3
  libpq-dev # the PostgreSQL backend (src/store/store_pg.c)
  libmagic-dev # file types from content (src/files)
  libmicrohttpd-dev libjansson-dev libsodium-dev libxml2-dev
  zlib1g-dev # gzip responses (src/http/compress.c)
  libxlsxwriter-dev libcmocka-dev
  nodejs npm chromium
  fonts-wqy-microhei # a CJK font, so browser-test screenshots show Chinese
  postgresql postgresql-15-postgis-3
  curl ca-certificates
)

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

missing=()
for p in "${DEB_PKGS[@]}"; do
  # npm is bundled with the nodesource nodejs package on some machines.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages (web client libraries, playwright-core for browser tests).
# The lock file pins versions; nothing is fetched at run time.
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules/.deps-stamp ] ||
     { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.deps-stamp ]; }; then
    echo "deps: installing npm packages"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error
    else npm install --no-audit --no-fund --loglevel=error; fi
    touch node_modules/.deps-stamp
  fi
fi
echo "deps: ok"
