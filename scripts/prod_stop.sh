#!/usr/bin/env bash
# `make prod-stop`: stops what scripts/scale_out.sh started in $RUN_DIR (default var/prod):
# supervisord stops nginx, the replicas (letting turns in flight finish), the action server and
# the retention job, then exits.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-var/prod}
conf="$RUN_DIR/supervisord.conf"
if [ ! -f "$conf" ] || ! .venv/bin/supervisorctl -c "$conf" pid >/dev/null 2>&1; then
  echo "prod-stop: nothing is running in $RUN_DIR"
  exit 0
fi
.venv/bin/supervisorctl -c "$conf" shutdown
while [ -S "$RUN_DIR/supervisor.sock" ] && .venv/bin/supervisorctl -c "$conf" pid >/dev/null 2>&1; do sleep 1; done
echo "==> stopped"
