#!/usr/bin/env bash
# The quota bank benchmark: N = 100,000 transfers through lg_quota_transfer
# (kind and divisions checked, balance checked, both accounts updated, the
# movement row and its ledger entry) in transactions of BATCH, beside the
# floor, plain INSERTs of the same movement rows into the same table of an
# identical store, in the same run; then a reconciliation at that size
# beside the floor of one aggregate over the movements, and the ledger
# audit of the movements. Release build, no sanitizers. Figures go to
# bench/README.md.
#
#   bash bench/quota/run.sh                          # N=100000 BATCH=1000, GeoPackage
#   PG="host=/tmp/lgpg/pg port=55999 user=postgres" bash bench/quota/run.sh   # and PostgreSQL
#
# BENCH_BUILD: build directory (default build-bench); DIR: where the stores
# are written (default a fresh temporary directory, removed after).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_BUILD=${BENCH_BUILD:-build-bench-quota}
N=${N:-100000}
BATCH=${BATCH:-1000}

cmake -S bench/quota -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DLG_SANITIZE=OFF >/dev/null
cmake --build "$BENCH_BUILD" -j"$(nproc)" --target bench_quota >/dev/null

cleanup=""
if [ -z "${DIR:-}" ]; then
  DIR=$(mktemp -d /tmp/landgov-bench-quota-XXXXXX)
  cleanup=$DIR
fi
trap '[ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT
echo "landgov $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, SQLite $(sqlite3 --version | cut -d' ' -f1), $(uname -sr)"
"$BENCH_BUILD/bench_quota" --n "$N" --batch "$BATCH" --dir "$DIR"
if [ -n "${PG:-}" ]; then
  db=lgbench_quota_$$
  psql "$PG dbname=postgres" -qAt -c "DROP DATABASE IF EXISTS ${db}_bank" -c "DROP DATABASE IF EXISTS ${db}_floor" \
    -c "CREATE DATABASE ${db}_bank TEMPLATE lg_template" -c "CREATE DATABASE ${db}_floor TEMPLATE lg_template" >/dev/null
  LANDGOV_KEY_DIR=$DIR "$BENCH_BUILD/bench_quota" --n "$N" --batch "$BATCH" --dir "$DIR" \
    --bank "$PG dbname=${db}_bank" --floor "$PG dbname=${db}_floor"
  psql "$PG dbname=postgres" -qAt -c "DROP DATABASE ${db}_bank" -c "DROP DATABASE ${db}_floor" >/dev/null
fi
