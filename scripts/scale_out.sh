#!/usr/bin/env bash
# Production topology on one host, under supervisord: the action server, N Rasa replicas
# (PostgreSQL tracker store, Redis lock store: endpoints.prod.yml), the readiness gate, nginx in
# front and the daily retention job. Every program is restarted when it stops. Ctrl-C (or
# SIGTERM, or `make prod-stop` from another terminal) stops everything. Details: docs/production.md.
#
#   scripts/scale_out.sh                        # http://127.0.0.1:8080 -> replicas 5006 and 5007
#   PORT=80 LISTEN_ADDRESS=0.0.0.0 REPLICA_PORTS="5006 5007 5008" scripts/scale_out.sh
#   DETACH=1 scripts/scale_out.sh               # return once every replica is ready; supervisord runs on
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
PY=.venv/bin/python

# --- configuration (every variable endpoints.prod.yml names gets a default here) -------------
export PORT=${PORT:-8080}
export LISTEN_ADDRESS=${LISTEN_ADDRESS:-127.0.0.1}
export REPLICA_PORTS=${REPLICA_PORTS:-"5006 5007"}
export ACTION_PORT=${ACTION_PORT:-5055}
export ACTION_HOST=${ACTION_HOST:-127.0.0.1}
export START_ACTIONS=${START_ACTIONS:-1}        # 0: the action server runs elsewhere (ACTION_ENDPOINT_URL)
export ACTION_ENDPOINT_URL=${ACTION_ENDPOINT_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
export DB_HOST=${DB_HOST:-127.0.0.1}
export DB_PORT=${DB_PORT:-5432}
export DB_NAME=${DB_NAME:-leg_triage}
export DB_USER=${DB_USER:-postgres}
export DB_LOGIN_DB=${DB_LOGIN_DB:-postgres}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1}
export REDIS_PORT=${REDIS_PORT:-6379}
export REDIS_DB=${REDIS_DB:-1}
export REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX:-legtriage}
export SQL_POOL_SIZE=${SQL_POOL_SIZE:-5}         # per replica (Rasa's variables)
export SQL_MAX_OVERFLOW=${SQL_MAX_OVERFLOW:-10}
export RETENTION_DAYS=${RETENTION_DAYS:-30}     # 0: keep conversations forever
export ENDPOINTS=${ENDPOINTS:-endpoints.prod.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
MODEL=${MODEL:-models}
RUN_DIR=${RUN_DIR:-var/prod}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
LIMIT_RATE=${LIMIT_RATE:-10r/s}                 # nginx: requests per second per client address...
LIMIT_BURST=${LIMIT_BURST:-50}                  # ...and the burst allowed above it

die() { echo "scale_out: $*" >&2; exit 1; }

# Secrets: from the environment, or from a file named by NAME_FILE (e.g. a mounted secret).
# They reach the programs through the environment only, never their command lines.
for name in DB_PASSWORD REDIS_PASSWORD RASA_API_TOKEN RASA_JWT_SECRET; do
  file_var="${name}_FILE"
  if [ -z "${!name:-}" ] && [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || die "$file_var names an unreadable file"
    export "$name=$(head -n1 "${!file_var}")"
  fi
  export "$name=${!name:-}"
done

[ -x "$NGINX" ] || die "nginx is not installed: run scripts/setup_prod.sh (as root), or set NGINX=/path/to/nginx"
[ -x "$PY" ] || die "no .venv: run scripts/setup.sh (or make run) first"
[ -x .venv/bin/supervisord ] || die "supervisord is missing from .venv: run scripts/setup.sh"
ls "$MODEL" >/dev/null 2>&1 || die "no model at $MODEL: run scripts/train.sh (make model) first"
[[ "$REDIS_KEY_PREFIX" =~ ^[A-Za-z0-9]+$ ]] || die "REDIS_KEY_PREFIX must be letters and digits only"
[[ "$RETENTION_DAYS" =~ ^[0-9]+$ ]] || die "RETENTION_DAYS must be a whole number of days (0: keep forever)"
[[ "$REPLICA_PORTS $PORT $ACTION_PORT" =~ ^[0-9\ ]+$ ]] || die "PORT, ACTION_PORT and REPLICA_PORTS must be port numbers"
read -r -a replica_ports <<<"$REPLICA_PORTS"
[ ${#replica_ports[@]} -ge 1 ] || die "REPLICA_PORTS is empty"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
SUPERVISORCTL=(.venv/bin/supervisorctl -c "$RUN_DIR/supervisord.conf")
if [ -S "$RUN_DIR/supervisor.sock" ] && "${SUPERVISORCTL[@]}" pid >/dev/null 2>&1; then
  die "already running in $RUN_DIR (make prod-stop first)"
fi

# --- the shared services must be reachable before anything starts ----------------------------
echo "==> checking PostgreSQL ($DB_HOST:$DB_PORT/$DB_NAME; created if missing) and Redis ($REDIS_HOST:$REDIS_PORT/$REDIS_DB)"
$PY -m bot.retention --endpoints "$ENDPOINTS" --check || die "PostgreSQL is not usable (above)"
$PY - <<'PY' || die "Redis is not reachable at $REDIS_HOST:$REDIS_PORT"
import os, redis
redis.Redis(host=os.environ["REDIS_HOST"], port=int(os.environ["REDIS_PORT"]), db=int(os.environ["REDIS_DB"]),
            password=os.environ["REDIS_PASSWORD"] or None, socket_timeout=5).ping()
PY

# --- configuration files, then supervisord ---------------------------------------------------
$PY -m bot.ops.render --run-dir "$RUN_DIR" --listen "$LISTEN_ADDRESS:$PORT" --replica-ports "$REPLICA_PORTS" \
  --action-port "$ACTION_PORT" --action-host "$ACTION_HOST" --start-actions "$START_ACTIONS" \
  --start-retention "$([ "$RETENTION_DAYS" -gt 0 ] && echo 1 || echo 0)" \
  --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS" --model "$MODEL" --nginx "$NGINX" --python "$(pwd)/$PY" \
  --rate "$LIMIT_RATE" --burst "$LIMIT_BURST" || die "could not render the configuration (above)"
chmod 0777 "$RUN_DIR/nginx-tmp"   # nginx's workers run as nobody when started as root
"$NGINX" -t -q -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/nginx-error.log" \
  || die "nginx refused $RUN_DIR/nginx.conf (above)"

wait_ready() {   # until the gate has put every replica in nginx's upstream
  local want=${#replica_ports[@]}
  until [ -f "$RUN_DIR/gate.json" ] && \
        [ "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["ready"]))' "$RUN_DIR/gate.json" 2>/dev/null)" = "$want" ]; do
    sleep 2
  done
  echo "==> ready: all $want replicas serve behind nginx on $LISTEN_ADDRESS:$PORT"
}

cat <<MSG
==> starting under supervisord: action server :$ACTION_PORT, Rasa replicas :${REPLICA_PORTS// /, :}, nginx on $LISTEN_ADDRESS:$PORT
    (about a minute until the replicas have loaded the model; logs in $RUN_DIR/)
    REST:   curl -s -XPOST http://$LISTEN_ADDRESS:$PORT/webhooks/rest/webhook \\
              -H 'Content-Type: application/json' -d '{"sender":"me","message":"my legs shake at night"}'
    Widget: http://$LISTEN_ADDRESS:$PORT/chat/
    Status: ${SUPERVISORCTL[*]} status
MSG

if [ "${DETACH:-0}" = 1 ]; then
  .venv/bin/supervisord -c "$RUN_DIR/supervisord.conf"
  wait_ready
  echo "    Stop: make prod-stop (or scripts/prod_stop.sh)"
  exit 0
fi

echo "    Press Ctrl-C to stop everything."
.venv/bin/supervisord -n -c "$RUN_DIR/supervisord.conf" &
supervisord_pid=$!
trap 'kill -TERM "$supervisord_pid" 2>/dev/null || true' INT TERM
wait_ready &
announcer=$!
set +e
while kill -0 "$supervisord_pid" 2>/dev/null; do wait "$supervisord_pid"; status=$?; done
set -e
kill "$announcer" 2>/dev/null || true
echo "==> stopped"
exit "${status:-0}"
