#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for Herald's tests, on loopback, as
# the unprivileged user `postgres`, and prints its URL. Installs Debian's
# postgresql when missing (needs root). Idempotent: a running cluster is reused.
#
#   PGPORT   port (default 55432)     PGDATA_DIR  data folder (default /tmp/herald-pg)
#
# Stop it with: su postgres -c "pg_ctl -D /tmp/herald-pg stop"  (or scripts/start-postgres.sh stop)
set -euo pipefail
port="${PGPORT:-55432}"
data="${PGDATA_DIR:-/tmp/herald-pg}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
bin="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
run_as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi
}
if [ "${1:-}" = stop ]; then
  run_as_postgres "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi
if ! run_as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    chown postgres "$data"
    run_as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  # -t 180: a cluster left by a killed run replays its log first, slowly on a loaded machine.
  run_as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 180 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp -c fsync=on -c max_connections=200" start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
