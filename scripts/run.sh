#!/usr/bin/env bash
# Starts the action server and the Rasa server together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
PORT=${PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
mkdir -p var
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT
$RASA run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
# endpoints.yml names the default action port; follow ACTION_PORT when it is overridden.
sed "s#127.0.0.1:5055#127.0.0.1:$ACTION_PORT#" endpoints.yml > var/endpoints.run.yml
$RASA run --model models --endpoints var/endpoints.run.yml --credentials "${CREDENTIALS:-credentials.yml}" \
  --port "$PORT" --interface 127.0.0.1 &
pids+=($!)
cat <<MSG
==> starting (the first answer takes ~20 s while the model loads)
    REST:   curl -s -XPOST http://localhost:$PORT/webhooks/rest/webhook \\
              -H 'Content-Type: application/json' -d '{"sender":"me","message":"my legs shake at night"}'
    Widget: http://localhost:$PORT/chat/
    Press Ctrl-C to stop both servers.
MSG
wait -n "${pids[@]}"
