#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL + PostGIS cluster (tests/pgtmp.sh)
# and LG_TEST_PG set to its connection string (without a database name:
# each test makes a database of its own from the cluster's template), then
# stops the cluster. A cluster that cannot start is a failure.
#
#   bash tests/with-pg.sh DIR CMD [ARG...]
set -euo pipefail
dir=${1:?cluster directory}
shift
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$dir"
mkdir -p "$dir"
chmod 755 "$dir"
port=${LG_TEST_PG_PORT:-$((55000 + $$ % 1000))}
if ! conn=$(bash "$here/pgtmp.sh" start "$dir/pg" "$port"); then
  echo "with-pg: the PostgreSQL cluster for the tests did not start (see above); this is a failure" >&2
  exit 1
fi
trap 'bash "$here/pgtmp.sh" stop "$dir/pg" >/dev/null 2>&1 || true' EXIT
export LG_TEST_PG=${conn% dbname=lg user=postgres}" user=postgres"
echo "with-pg: cluster at $LG_TEST_PG"
"$@"
