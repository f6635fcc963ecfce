#!/usr/bin/env bash
# `make run`: the Rasa server and the action server beside it. Ctrl-C (or SIGTERM) stops both.
#
# The action server is restarted whenever it stops (crash, kill, out of memory), after 1 s, then
# 2, 4... up to 30 s while it keeps failing (back to 1 s once it has run for a minute). Meanwhile
# the Rasa server stays up and answers "having trouble, try again in a moment" (bot/resilience.py),
# and the conversation carries on once the action server is back. When the Rasa server itself
# stops, everything stops.
#
#   PORT           the Rasa server's port (127.0.0.1 only)           5005
#   ACTION_PORT    the action server's port (endpoints.yml: ${ACTION_PORT})   5055
#   ACTION_HOST    the action server's address (loopback: only this machine may call it)   127.0.0.1
#   ENDPOINTS, CREDENTIALS, MODEL   Rasa's files   endpoints.yml, credentials.yml, models
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh   # also exports the ACTION_PORT default that endpoints.yml names
PORT=${PORT:-5005}
ACTION_HOST=${ACTION_HOST:-127.0.0.1}
[[ "$PORT $ACTION_PORT" =~ ^[0-9]+\ [0-9]+$ ]] || { echo "run: PORT and ACTION_PORT must be port numbers" >&2; exit 2; }
mkdir -p var

# The action server under a restart loop (a subshell: its TERM trap stops the current child).
keep_action_server_running() {
  local child="" delay=1 started status
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait 2>/dev/null; exit 0' TERM INT
  while true; do
    started=$SECONDS
    SANIC_HOST="$ACTION_HOST" $RASA run actions --actions actions --port "$ACTION_PORT" &
    child=$!
    set +e; wait "$child"; status=$?; set -e
    child=""
    [ $((SECONDS - started)) -ge 60 ] && delay=1
    echo "==> the action server stopped (exit status $status); restarting it in ${delay}s" >&2
    sleep "$delay" & wait $! || true
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

keep_action_server_running &
pids+=($!)
$RASA run --model "${MODEL:-models}" --endpoints "${ENDPOINTS:-endpoints.yml}" --credentials "${CREDENTIALS:-credentials.yml}" \
  --port "$PORT" --interface 127.0.0.1 &
rasa_pid=$!
pids+=($rasa_pid)
cat <<MSG
==> starting (the first answer takes ~20 s while the model loads)
    REST:   curl -s -XPOST http://localhost:$PORT/webhooks/rest/webhook \\
              -H 'Content-Type: application/json' -d '{"sender":"me","message":"my legs shake at night"}'
    Widget: http://localhost:$PORT/chat/
    Press Ctrl-C to stop both servers.
MSG
set +e
wait "$rasa_pid"
status=$?
set -e
echo "==> the Rasa server stopped (exit status $status)" >&2
exit "$status"
