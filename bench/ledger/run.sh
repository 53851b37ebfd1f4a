#!/usr/bin/env bash
# The ledger benchmark: 1,000,000 appends through lg_ledger_append in
# transactions of 100, beside a plain SQLite insert of the same rows (the
# floor) in the same run, then proof generation and verification at that
# size. Release build, no sanitizers. Figures go to bench/README.md.
#
#   bash bench/ledger/run.sh                 # N=1000000 BATCH=100 SYNC=full
#   N=100000 BATCH=1000 SYNC=normal bash bench/ledger/run.sh
#
# BENCH_BUILD: build directory (default build-bench); DIR: where the two
# stores are written (default a fresh temporary directory, removed after).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH_BUILD=${BENCH_BUILD:-build-bench}
N=${N:-1000000}
BATCH=${BATCH:-100}
SYNC=${SYNC:-full}
PROOFS=${PROOFS:-10000}

cmake -S bench/ledger -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DLG_SANITIZE=OFF >/dev/null
cmake --build "$BENCH_BUILD" -j"$(nproc)" --target bench_ledger >/dev/null

cleanup=""
if [ -z "${DIR:-}" ]; then
  DIR=$(mktemp -d /tmp/landgov-bench-ledger-XXXXXX)
  cleanup=$DIR
fi
trap '[ -n "$cleanup" ] && rm -rf "$cleanup"' EXIT
echo "landgov $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, SQLite $(sqlite3 --version | cut -d' ' -f1), $(uname -sr)"
"$BENCH_BUILD/bench_ledger" --n "$N" --batch "$BATCH" --sync "$SYNC" --proofs "$PROOFS" --dir "$DIR"
