#!/usr/bin/env bash
# The containers' entrypoint (deploy/docker/Dockerfile): one role per container, every setting
# from the environment (docs/production.md, "Containers and Kubernetes").
#
#   rasa             the Rasa server on $PORT (5005), endpoints.prod.yml: PostgreSQL + Redis
#   actions          the action server on $ACTION_PORT (5055)
#   retention        erase conversations idle for more than RETENTION_DAYS, once (Kubernetes CronJob)
#   retention-loop   the same at start, then every RETENTION_INTERVAL_S seconds (compose); each
#                    success touches $RETENTION_MARK, which its health check reads
#   anything else    run as a command (`bash`, `python -m bot.retention --dry-run`...)
#
# Rasa's HTTP API stays off (as with `make run`): no token ever goes on a command line here.
set -euo pipefail
cd "$(dirname "$0")/../.."   # /app in the image
. scripts/env.sh

# endpoints.prod.yml names every one of these, and Rasa refuses to start when one is unset (an
# empty value is fine). Defaults: the service names of compose.yaml. Passwords have none.
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://actions:5055/webhook}
export DB_HOST=${DB_HOST:-postgres}
export DB_PORT=${DB_PORT:-5432}
export DB_NAME=${DB_NAME:-leg_triage}
export DB_USER=${DB_USER:-leg_triage}
export DB_PASSWORD=${DB_PASSWORD:-}
export DB_LOGIN_DB=${DB_LOGIN_DB:-postgres}
export REDIS_HOST=${REDIS_HOST:-redis}
export REDIS_PORT=${REDIS_PORT:-6379}
export REDIS_DB=${REDIS_DB:-1}
export REDIS_PASSWORD=${REDIS_PASSWORD:-}
export REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX:-legtriage}
export RETENTION_DAYS=${RETENTION_DAYS:-30}
ENDPOINTS=${ENDPOINTS:-endpoints.prod.yml}
RETENTION_MARK=${RETENTION_MARK:-/tmp/retention.ok}

retention_once() {
  if [ "$RETENTION_DAYS" -gt 0 ]; then
    .venv/bin/python -m bot.retention --endpoints "$ENDPOINTS" --days "$RETENTION_DAYS"
  else   # 0: keep everything; still connect (and create the tables) so a broken database shows
    .venv/bin/python -m bot.retention --endpoints "$ENDPOINTS" --check
  fi
}

case "${1:-rasa}" in
  rasa)
    exec $RASA run --model "${MODEL:-models}" --endpoints "$ENDPOINTS" \
      --credentials "${CREDENTIALS:-credentials.yml}" --port "${PORT:-5005}" --interface 0.0.0.0 ;;
  actions)
    exec $RASA run actions --actions actions --port "${ACTION_PORT:-5055}" ;;
  retention)
    retention_once ;;
  retention-loop)
    interval=${RETENTION_INTERVAL_S:-86400}
    trap 'exit 0' TERM INT
    while true; do
      pause=$interval
      # A failed run (the database not reachable yet...) is tried again in a minute.
      if retention_once; then touch "$RETENTION_MARK"; else pause=60; echo "retention: failed, next try in ${pause}s" >&2; fi
      sleep "$pause" & wait $!
    done ;;
  *)
    exec "$@" ;;
esac
