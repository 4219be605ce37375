#!/usr/bin/env bash
# Starts a throwaway PostgreSQL and Redis on loopback for the test suites and prints the
# `export` lines for TEST_DATABASE_URL / TEST_REDIS_URL. Usage: eval "$(scripts/services.sh start)".
# Needs the Debian packages postgresql and redis-server (.ci/run installs them).
set -euo pipefail
base="${AEROSTACK_SERVICES_DIR:-/tmp/aerostack-services}"
pg_port="${AEROSTACK_PG_PORT:-55432}"
redis_port="${AEROSTACK_REDIS_PORT:-56379}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  mkdir -p "$base"
  [ -n "$pg_bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  if [ ! -f "$base/pg/PG_VERSION" ]; then
    mkdir -p "$base/pg"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$base/pg"
    as_postgres "$pg_bin/initdb" -D "$base/pg" -U postgres --auth=trust -E UTF8 >"$base/initdb.log" 2>&1
  fi
  if ! as_postgres "$pg_bin/pg_ctl" -D "$base/pg" status >/dev/null 2>&1; then
    as_postgres "$pg_bin/pg_ctl" -D "$base/pg" -l "$base/pg/server.log" -w \
      -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  
  fi
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --logfile "$base/redis.log" >/dev/null
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "export TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
}

stop() {
  [ -n "$pg_bin" ] && as_postgres "$pg_bin/pg_ctl" -D "$base/pg" -m fast stop >/dev/null 2>&1 || true
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
