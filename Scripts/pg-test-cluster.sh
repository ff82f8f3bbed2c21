#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests: trust auth, 127.0.0.1 only, a free port, everything under one
# directory that `stop` removes.
#
#   Scripts/pg-test-cluster.sh start [DIR]   create (if needed) and start the cluster in DIR, print its URL
#   Scripts/pg-test-cluster.sh url [DIR]     print the URL of the running cluster in DIR
#   Scripts/pg-test-cluster.sh restart [DIR] kill the server as a crash would, then start it again on its port
#   Scripts/pg-test-cluster.sh kill [DIR]    kill the server as a crash would, keeping its data and port
#   Scripts/pg-test-cluster.sh resume [DIR]  start a killed server again on its port
#   Scripts/pg-test-cluster.sh stop [DIR]    stop the cluster and remove DIR
#
# DIR defaults to $TMPDIR/switchboard-pg-cluster. With PG_TEST_CLUSTER_WATCH_PID set, `start` also leaves a
# watchdog that stops the cluster once that process has exited, so a test run that crashes leaves nothing behind.
# initdb refuses to run as root: as root, DIR belongs to the `postgres` user and the binaries run as that user.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
command=${1:-}
dir=${2:-${TMPDIR:-/tmp}/switchboard-pg-cluster}
script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() {
  [ -f "$dir/port" ] || { echo "pg-test-cluster: no cluster in $dir" >&2; exit 1; }
  echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

running() {
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg-test-cluster: PostgreSQL 15 is not installed ($PG_BIN/initdb is missing); run Scripts/setup.sh" >&2
    exit 1
  fi
  if running; then url; return; fi
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "pg-test-cluster: the postgres user is missing; run Scripts/setup.sh" >&2; exit 1; }
    chown postgres: "$dir"
    chmod 700 "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  local port
  port=$(free_port)
  launch "$port"
  echo "$port" | as_owner tee "$dir/port" >/dev/null
  if [ -n "${PG_TEST_CLUSTER_WATCH_PID:-}" ]; then
    nohup setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" stop "$3"' \
      watchdog "$PG_TEST_CLUSTER_WATCH_PID" "$script" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  url
}

launch() {
  # The socket goes in DIR too, so the cluster needs nothing outside it.
  if ! as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null; then
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
}

kill_server() {
  running || { echo "pg-test-cluster: no running cluster in $dir" >&2; exit 1; }
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null
}

resume() {
  [ -f "$dir/port" ] || { echo "pg-test-cluster: no cluster in $dir" >&2; exit 1; }
  running || launch "$(cat "$dir/port")"
}

restart() {
  running || { echo "pg-test-cluster: no running cluster in $dir" >&2; exit 1; }
  # Immediate mode skips the shutdown checkpoint: the restart recovers from the WAL, as after a crash. pg_ctl
  # restarts with the options the server was started with (postmaster.opts), so the port stays the same.
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 restart >/dev/null
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "$command" in
  start) start ;;
  restart) restart ;;
  kill) kill_server ;;
  resume) resume ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|url|restart|kill|resume|stop [DIR]" >&2; exit 2 ;;
esac
