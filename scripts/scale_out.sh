#!/usr/bin/env bash
# Production topology on one machine: the action server, N Rasa replicas (PostgreSQL tracker
# store, Redis lock store: endpoints.prod.yml) and nginx in front of them (sticky by client
# address, for socket.io). Ctrl-C stops everything. Details and every variable: docs/production.md.
#
#   scripts/scale_out.sh                        # http://127.0.0.1:8080 -> replicas 5006 and 5007
#   PORT=80 LISTEN_ADDRESS=0.0.0.0 REPLICA_PORTS="5006 5007 5008" scripts/scale_out.sh
#
# A replica that dies is reported and the others carry on (nginx skips it); the script stops
# everything when nginx or the last replica stops.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
PY=.venv/bin/python

# --- configuration (every variable endpoints.prod.yml names gets a default here) -------------
export PORT=${PORT:-8080}
export LISTEN_ADDRESS=${LISTEN_ADDRESS:-127.0.0.1}
export REPLICA_PORTS=${REPLICA_PORTS:-"5006 5007"}
export ACTION_PORT=${ACTION_PORT:-5055}
export START_ACTIONS=${START_ACTIONS:-1}        # 0: the action server runs elsewhere (ACTION_ENDPOINT_URL)
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
export DB_HOST=${DB_HOST:-127.0.0.1}
export DB_PORT=${DB_PORT:-5432}
export DB_NAME=${DB_NAME:-leg_triage}
export DB_USER=${DB_USER:-postgres}
export DB_PASSWORD=${DB_PASSWORD:-}
export DB_LOGIN_DB=${DB_LOGIN_DB:-postgres}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1}
export REDIS_PORT=${REDIS_PORT:-6379}
export REDIS_DB=${REDIS_DB:-1}
export REDIS_PASSWORD=${REDIS_PASSWORD:-}
export REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX:-legtriage}
export SQL_POOL_SIZE=${SQL_POOL_SIZE:-5}         # per replica (Rasa's variables)
export SQL_MAX_OVERFLOW=${SQL_MAX_OVERFLOW:-10}
export RETENTION_DAYS=${RETENTION_DAYS:-30}     # 0: keep conversations forever
RASA_API_TOKEN=${RASA_API_TOKEN:-}              # set: Rasa's HTTP API on, token-protected
RASA_JWT_SECRET=${RASA_JWT_SECRET:-}            # set: Rasa's HTTP API on, JWT (HS256)
ENDPOINTS=${ENDPOINTS:-endpoints.prod.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
MODEL=${MODEL:-models}
RUN_DIR=${RUN_DIR:-var/prod}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

die() { echo "scale_out: $*" >&2; exit 1; }
[ -x "$NGINX" ] || die "nginx is not installed: run scripts/setup_prod.sh (as root), or set NGINX=/path/to/nginx"
[ -x "$PY" ] || die "no .venv: run scripts/setup.sh (or make run) first"
ls "$MODEL" >/dev/null 2>&1 || die "no model at $MODEL: run scripts/train.sh (make model) first"
[[ "$REDIS_KEY_PREFIX" =~ ^[A-Za-z0-9]+$ ]] || die "REDIS_KEY_PREFIX must be letters and digits only"
[[ "$RETENTION_DAYS" =~ ^[0-9]+$ ]] || die "RETENTION_DAYS must be a whole number of days (0: keep forever)"
[[ "$REPLICA_PORTS $PORT $ACTION_PORT" =~ ^[0-9\ ]+$ ]] || die "PORT, ACTION_PORT and REPLICA_PORTS must be port numbers"
read -r -a replica_ports <<<"$REPLICA_PORTS"
[ ${#replica_ports[@]} -ge 1 ] || die "REPLICA_PORTS is empty"

mkdir -p "$RUN_DIR/pids" "$RUN_DIR/nginx-tmp"
chmod 0777 "$RUN_DIR/nginx-tmp"   # nginx's workers run as nobody when started as root
rm -f "$RUN_DIR"/pids/*.pid

# --- the shared services must be reachable before anything starts ----------------------------
echo "==> checking PostgreSQL ($DB_HOST:$DB_PORT/$DB_NAME; created if missing) and Redis ($REDIS_HOST:$REDIS_PORT/$REDIS_DB)"
$PY -m bot.retention --endpoints "$ENDPOINTS" --check || die "PostgreSQL is not usable (above)"
$PY - <<'PY' || die "Redis is not reachable at $REDIS_HOST:$REDIS_PORT"
import os, redis
redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]), db=int(os.environ["REDIS_DB"]),
            password=os.environ["REDIS_PASSWORD"] or None, socket_timeout=5).ping()
PY

# --- processes ------------------------------------------------------------------------------
pids=()
names=()
helpers=()   # not supervised, but stopped with the rest
started() { pids+=("$1"); names+=("$2"); echo "$1" > "$RUN_DIR/pids/$2.pid"; }
name_of() { local i; for i in "${!pids[@]}"; do [ "${pids[$i]}" = "$1" ] && { echo "${names[$i]}"; return; }; done; echo "pid $1"; }
stop() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  for p in "${pids[@]}" "${helpers[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$RUN_DIR"/pids/*.pid
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

if [ "$RETENTION_DAYS" -gt 0 ]; then
  $PY -m bot.retention --endpoints "$ENDPOINTS" --days "$RETENTION_DAYS" 2>&1 | tee -a "$RUN_DIR/retention.log" \
    || echo "scale_out: the retention purge failed (above); starting anyway" >&2
  retention_loop() {   # then once a day while running
    local sleeper=""
    trap '[ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null; exit 0' TERM
    while true; do
      sleep 86400 & sleeper=$!; wait "$sleeper"
      $PY -m bot.retention --endpoints "$ENDPOINTS" --days "$RETENTION_DAYS" >>"$RUN_DIR/retention.log" 2>&1 || true
    done
  }
  retention_loop &
  started $! retention
fi

if [ "$START_ACTIONS" = 1 ]; then
  $RASA run actions --actions actions --port "$ACTION_PORT" >>"$RUN_DIR/actions.log" 2>&1 &
  started $! actions
fi

api_args=()
if [ -n "$RASA_API_TOKEN" ]; then
  api_args=(--enable-api --auth-token "$RASA_API_TOKEN")
elif [ -n "$RASA_JWT_SECRET" ]; then
  api_args=(--enable-api --jwt-secret "$RASA_JWT_SECRET" --jwt-method HS256)
fi
upstreams=""
for port in "${replica_ports[@]}"; do
  $RASA run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS" \
    --port "$port" --interface 127.0.0.1 "${api_args[@]}" >>"$RUN_DIR/rasa-$port.log" 2>&1 &
  started $! "rasa-$port"
  upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'
done

sed -e "s#@RUN_DIR@#$(cd "$RUN_DIR" && pwd)#g" -e "s#@LISTEN@#$LISTEN_ADDRESS:$PORT#g" \
    deploy/nginx.conf.template | awk -v servers="$upstreams" '{ if ($0 == "@UPSTREAM_SERVERS@") printf "%s", servers; else print }' \
    > "$RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$RUN_DIR" -c "$(cd "$RUN_DIR" && pwd)/nginx.conf" -e "$(cd "$RUN_DIR" && pwd)/nginx-error.log" \
  || die "nginx refused $RUN_DIR/nginx.conf (above)"
"$NGINX" -p "$RUN_DIR" -c "$(cd "$RUN_DIR" && pwd)/nginx.conf" -e "$(cd "$RUN_DIR" && pwd)/nginx-error.log" \
  -g 'daemon off;' &
started $! nginx

cat <<MSG
==> starting: action server :$ACTION_PORT, Rasa replicas :${REPLICA_PORTS// /, :}, nginx on $LISTEN_ADDRESS:$PORT
    (about a minute until the replicas have loaded the model; logs in $RUN_DIR/)
    REST:   curl -s -XPOST http://$LISTEN_ADDRESS:$PORT/webhooks/rest/webhook \\
              -H 'Content-Type: application/json' -d '{"sender":"me","message":"my legs shake at night"}'
    Widget: http://$LISTEN_ADDRESS:$PORT/chat/
    Press Ctrl-C to stop everything.
MSG

( for port in "${replica_ports[@]}"; do
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/webhooks/rest/" 2>/dev/null; do sleep 2; done
  done
  echo "==> ready: all ${#replica_ports[@]} replicas answer" ) &
helpers+=($!)

# --- supervision: report what stops; stop everything when nginx or the last replica does ----
alive_replicas=${#replica_ports[@]}
while true; do
  exited=""
  set +e
  wait -n -p exited "${pids[@]}"
  status=$?
  set -e
  if [ -z "${exited:-}" ]; then
    [ "$status" -eq 127 ] && break   # nothing left to wait for
    continue
  fi
  name=$(name_of "$exited")
  echo "==> $name stopped (exit status $status)"
  rm -f "$RUN_DIR/pids/$name.pid"
  case "$name" in
    nginx) break ;;
    rasa-*) alive_replicas=$((alive_replicas - 1)); [ "$alive_replicas" -gt 0 ] || break
            echo "    $alive_replicas replica(s) still serving" ;;
  esac
  # forget the stopped process
  for i in "${!pids[@]}"; do [ "${pids[$i]}" = "$exited" ] && { unset 'pids[i]' 'names[i]'; }; done
  pids=("${pids[@]}"); names=("${names[@]}")
done
exit 1   # the EXIT trap stops what is still running
