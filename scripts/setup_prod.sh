#!/usr/bin/env bash
# The production topology's system packages (scripts/scale_out.sh, tests/production):
# nginx (the load balancer), and the PostgreSQL and Redis *server binaries* the fault tests start
# private instances from. Idempotent: apt-get runs only when something is missing, and only as
# root (otherwise it says what to install). It never starts or reconfigures a system service.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup_prod: missing ${missing[*]} (needed by scripts/scale_out.sh and tests/production)." >&2
  echo "            Install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 0   # the default topology (make run) does not need them; those tests say what is missing
fi
echo "==> apt-get install ${missing[*]}"
apt-get update -qq
# Debian starts a freshly installed service unless policy-rc.d says no: we only want the
# binaries (scale_out.sh runs nginx with its own config; PostgreSQL/Redis are the machine's).
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1
fi
trap 'if [ -n "$made_policy" ]; then rm -f "$policy"; fi' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
