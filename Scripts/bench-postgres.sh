#!/usr/bin/env bash
# Runs `switchboard bench postgres` against a throwaway PostgreSQL cluster (default durability settings) on this
# machine, then stops it. Extra arguments go to the benchmark, e.g. --events 50000.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product switchboard
cluster="$(mktemp -d /tmp/switchboard-pg-bench-XXXXXX)"
trap 'bash "$root/Scripts/pg-test-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true' EXIT
url="$(bash "$root/Scripts/pg-test-cluster.sh" start "$cluster" | tail -1)"
pgbench="$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1 || true)"
"$root/.build/release/switchboard" bench postgres --url "$url" --pgbench "${pgbench:-pgbench}" "$@"
