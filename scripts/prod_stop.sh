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
pid=$(.venv/bin/supervisorctl -c "$conf" pid)
.venv/bin/supervisorctl -c "$conf" shutdown
# supervisord closes its control socket at once, then waits for its programs (a replica still
# loading its model gets SIGKILL after stopwaitsecs): wait for supervisord itself.
echo "==> waiting for the programs to stop"
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
echo "==> stopped"
