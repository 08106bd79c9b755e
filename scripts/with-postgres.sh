#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server: DATABASE_URL points at it,
# and the server and its data are removed afterwards, whatever the command's outcome.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL is missing: installing Debian's package..."
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGPORT=${PGPORT:-$(( 54000 + RANDOM % 900 ))}
WORK=$(mktemp -d)
PGDATA="$WORK/data"
mkdir -p "$PGDATA"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$WORK"; fi

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE crise_test" >/dev/null

echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on port $PGPORT"
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/crise_test"
"$@"
