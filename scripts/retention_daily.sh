#!/usr/bin/env bash
# The retention job under supervisord (deploy/supervisord.conf.template): erase conversations
# idle for longer than RETENTION_DAYS now, then once a day. Counts only, never content.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
sleeper=""
trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM INT
while true; do
  .venv/bin/python -m bot.retention --endpoints "${ENDPOINTS:-endpoints.prod.yml}" --days "${RETENTION_DAYS:-30}" \
    || echo "retention: the purge failed (above); next try in a day" >&2
  sleep 86400 & sleeper=$!
  wait "$sleeper"
done
