#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster for the tests (both store
# backends) and the benchmarks: initdb in a temporary directory, a Unix
# socket there (no TCP), owned by the `postgres` system user when run as
# root. It holds a database `lg` with PostGIS, and `lg_template`, a
# template with PostGIS from which each test makes a database of its own
# (CREATE DATABASE ... TEMPLATE lg_template, a file copy: fast).
#
#   pgtmp.sh start DIR [PORT]   prints "host=DIR port=PORT dbname=lg user=postgres"
#   pgtmp.sh replica DIR PRIMARY_DIR PRIMARY_PORT PORT
#                               a hot standby of a cluster started here, by
#                               streaming replication; prints its "host=DIR port=PORT"
#   pgtmp.sh stop DIR
#
# Exits 77 with a message when PostgreSQL or PostGIS is not installed or
# the cluster cannot start; `make check` treats that as a failure.
set -euo pipefail
cmd=${1:-}
dir=${2:-}
port=${3:-55432}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }

bindir=""
for v in 17 16 15 14 13; do
  if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then bindir="/usr/lib/postgresql/$v/bin"; break; fi
done
if [ -z "$bindir" ]; then echo "pgtmp: PostgreSQL is not installed (run scripts/deps.sh)" >&2; exit 77; fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pgtmp: no postgres user" >&2; exit 77; }
    chown postgres "$dir"
    chmod 700 "$dir"
    if ! runuser -u postgres -- test -x "$dir"; then
      echo "pgtmp: the postgres user cannot reach $dir (a parent directory is closed to others)" >&2
      exit 77
    fi
  fi
  if ! as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    echo "pgtmp: initdb failed:" >&2; tail -5 "$dir/initdb.log" >&2; exit 77
  fi
  # Settings for a disposable cluster: no durability, socket only.
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
work_mem = 64MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
max_connections = 300
CONF
  # One account that must give a password (the tests of a wrong one);
  # everyone else is trusted on the socket.
  sed -i '1i local all lg_pw scram-sha-256' "$dir/data/pg_hba.conf"
  if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
    echo "pgtmp: server did not start:" >&2; tail -5 "$dir/server.log" >&2; exit 77
  fi
  as_pg "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE lg" >/dev/null
  if ! as_pg "$bindir/psql" -h "$dir" -p "$port" -U postgres -d lg -qAt -c "CREATE EXTENSION postgis" >/dev/null 2>"$dir/postgis.err"; then
    echo "pgtmp: PostGIS is not available:" >&2; cat "$dir/postgis.err" >&2
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    exit 77
  fi
  as_pg "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt \
    -c "CREATE DATABASE lg_template TEMPLATE lg IS_TEMPLATE true" \
    -c "CREATE ROLE lg_pw LOGIN PASSWORD 'lg-right-password' CREATEDB" >/dev/null
  echo "host=$dir port=$port dbname=lg user=postgres"
  ;;
replica)
  primary=${3:?primary directory}
  pport=${4:?primary port}
  rport=${5:?replica port}
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir" && chmod 700 "$dir"
  if ! as_pg "$bindir/pg_basebackup" -h "$primary" -p "$pport" -U postgres -D "$dir/data" -R --checkpoint=fast \
       -X stream >"$dir/basebackup.log" 2>&1; then
    echo "pgtmp: pg_basebackup failed:" >&2; tail -5 "$dir/basebackup.log" >&2; exit 77
  fi
  cat >>"$dir/data/postgresql.conf" <<CONF
unix_socket_directories = '$dir'
port = $rport
hot_standby = on
CONF
  if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
    echo "pgtmp: the replica did not start:" >&2; tail -5 "$dir/server.log" >&2; exit 77
  fi
  echo "host=$dir port=$rport"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  ;;
*)
  echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
