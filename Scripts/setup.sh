#!/usr/bin/env bash
# Installs what Switchboard needs to build and test on a fresh Debian machine. Safe to run again.
set -euo pipefail

need_root() { if [ "$(id -u)" -ne 0 ]; then echo "sudo"; fi; }
SUDO=$(need_root)

# postgresql: the PostgreSQL event log's tests run against a throwaway cluster (Scripts/pg-test-cluster.sh).
packages=(liblmdb-dev pkg-config python3 chromium postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# The schema tests validate JSON with Python's jsonschema, and Schemas/openapi.yaml with openapi-spec-validator.
pip_install() {
  python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"
}
python3 -c "import jsonschema" 2>/dev/null || pip_install jsonschema
python3 -c "import yaml, openapi_spec_validator" 2>/dev/null || pip_install pyyaml openapi-spec-validator
# The email tests talk to a real SMTP server (aiosmtpd) and send with Python's smtplib.
python3 -c "import aiosmtpd" 2>/dev/null || pip_install aiosmtpd
# The chat widget tests drive headless chromium over the DevTools protocol with websockets (13+ for its sync client
# and asyncio server).
python3 -c "import websockets.sync.client, websockets.asyncio.server" 2>/dev/null || pip_install "websockets>=13"
python3 "$(dirname "$0")/check-openapi.py"

pkg-config --exists lmdb || { echo "setup: pkg-config cannot find lmdb after install" >&2; exit 1; }
echo "setup: liblmdb $(pkg-config --modversion lmdb) ready"
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "setup: PostgreSQL 15's initdb is missing after install" >&2; exit 1; }
echo "setup: PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}') ready"
