#!/usr/bin/env bash
# Throwaway MariaDB and PostgreSQL servers on loopback for the storage tests.
#   eval "$(scripts/test-databases.sh start)"   starts both, prints export lines:
#       FACTORY_TEST_MYSQL_URL, FACTORY_TEST_POSTGRES_URL, FACTORY_TEST_DB_DIR
#   scripts/test-databases.sh stop              stops both, deletes their files
#                                               (uses FACTORY_TEST_DB_DIR)
# Everything lives in one temporary directory; nothing touches system config.
set -euo pipefail

pg_bin=$(pg_config --bindir)
database=factory_test

log() { echo "test-databases: $*" >&2; }

# A port nothing listens on; bash's /dev/tcp fails to connect to free ports.
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  log "no free port found"; exit 1
}

wait_until() {  # wait_until WHAT COMMAND... (up to 2 minutes: a loaded machine starts slowly)
  local what=$1; shift
  for _ in $(seq 1200); do
    "$@" >/dev/null 2>&1 && return
    sleep 0.1
  done
  log "$what did not become ready"; exit 1
}

start_mariadb() {  # start_mariadb DIR PORT
  local d=$1/mariadb port=$2
  mariadb-install-db --no-defaults --datadir="$d" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >"$d.install.log" 2>&1
  mariadbd --no-defaults --datadir="$d" --socket="$d.sock" --port="$port" --bind-address=127.0.0.1 \
    --user=root --pid-file="$d.pid" --log-error="$d.err" --skip-name-resolve \
    --innodb-buffer-pool-size=64M >/dev/null 2>&1 &
  wait_until "MariaDB (see $d.err)" mariadb-admin --no-defaults --socket="$d.sock" -uroot ping
  mariadb --no-defaults --socket="$d.sock" -uroot -e "CREATE DATABASE $database;
    CREATE USER 'factory'@'127.0.0.1' IDENTIFIED BY 'factory';
    GRANT ALL PRIVILEGES ON *.* TO 'factory'@'127.0.0.1' WITH GRANT OPTION;"
  echo "export FACTORY_TEST_MYSQL_URL=mysql://factory:factory@127.0.0.1:$port/$database"
}

start_postgres() {  # start_postgres DIR PORT
  local t=$1/postgres port=$2
  mkdir -p "$t"
  chown postgres "$t"
  runuser -u postgres -- "$pg_bin/initdb" -D "$t/data" -U ci --auth=trust -E UTF8 >"$t.initdb.log" 2>&1
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$t/data" -w -l "$t/server.log" \
    -o "-p $port -k $t -c listen_addresses=127.0.0.1" start >/dev/null
  runuser -u postgres -- "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U ci "$database"
  echo "export FACTORY_TEST_POSTGRES_URL=postgres://ci@127.0.0.1:$port/$database"
}

start() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/factory-test-databases.XXXXXX")
  chmod 755 "$dir"  # the postgres user must reach its directory inside
  FACTORY_TEST_DB_DIR=$dir
  trap stop EXIT  # a failed start leaves no server behind
  echo "export FACTORY_TEST_DB_DIR=$dir"
  start_mariadb "$dir" "$(free_port)"
  start_postgres "$dir" "$(free_port)"
  trap - EXIT
}

stop() {
  local dir=${FACTORY_TEST_DB_DIR:-}
  [ -n "$dir" ] && [ -d "$dir" ] || { log "FACTORY_TEST_DB_DIR names no directory; nothing to stop"; return; }
  if [ -f "$dir/postgres/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/postgres/data" -w -m immediate stop >/dev/null || true
  fi
  if [ -f "$dir/mariadb.pid" ]; then
    local pid
    pid=$(cat "$dir/mariadb.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
