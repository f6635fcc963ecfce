#!/usr/bin/env bash
# `make deploy-model [MODEL=models/x.tar.gz]`: the running replicas (scripts/scale_out.sh) move
# to a new model one at a time, with no turn lost: each replica in turn is taken out of nginx
# (the gate's drain file), its turns in flight finish (SIGTERM: Rasa finishes what it is
# answering), it restarts on the new model, and it goes back in once its readiness route names
# the new model. The others serve meanwhile. Default: the newest model in models/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
PY=.venv/bin/python
RUN_DIR=$(cd "${RUN_DIR:-var/prod}" 2>/dev/null && pwd) || { echo "deploy-model: no run directory" >&2; exit 1; }
MODEL=${MODEL:-models}
READY_TIMEOUT=${READY_TIMEOUT:-600}
SUPERVISORCTL=(.venv/bin/supervisorctl -c "$RUN_DIR/supervisord.conf")
die() { echo "deploy-model: $*" >&2; exit 1; }

"${SUPERVISORCTL[@]}" pid >/dev/null 2>&1 || die "the production topology is not running in $RUN_DIR (make prod)"
read -r -a ports < "$RUN_DIR/replicas"
model=$($PY -c 'import sys; from pathlib import Path; from bot.ops.render import newest_model; print(newest_model(Path(sys.argv[1])))' "$MODEL") \
  || die "no model at $MODEL"
model_id() { $PY -m bot.ops.models "$1"; }
new_id=$(model_id "$model") || die "$model is not a Rasa model archive"

# What the gate last told nginx, and what one replica says about itself.
serving() { $PY -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["ready"])))' "$RUN_DIR/gate.json"; }
replica_model_id() { curl -fsS --max-time 3 "http://127.0.0.1:$1/webhooks/health/ready" 2>/dev/null \
  | $PY -c 'import json,sys; print(json.load(sys.stdin).get("model_id") or "")' 2>/dev/null || true; }
until_true() {  # seconds, what, command...
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do [ $SECONDS -lt $deadline ] || die "timed out waiting for $what"; sleep 1; done
}
is_serving() { [[ " $(serving) " == *" $1 "* ]]; }
not_serving() { ! is_serving "$1"; }
others_serving() { local p; for p in $(serving); do [ "$p" != "$1" ] && return 0; done; return 1; }
on_new_model() { [ "$(replica_model_id "$1")" = "$new_id" ]; }

echo "==> deploying $(basename "$model") (model id $new_id) to replicas ${ports[*]}"
# From now on a replica that restarts for any reason loads the new model.
$PY -c 'import sys; from pathlib import Path; from bot.ops.render import point_model_link; point_model_link(Path(sys.argv[1]), Path(sys.argv[2]))' \
  "$RUN_DIR" "$model"
for port in "${ports[@]}"; do
  if on_new_model "$port"; then echo "    rasa-$port already serves it"; continue; fi
  if [ ${#ports[@]} -gt 1 ]; then
    until_true "$READY_TIMEOUT" "another replica to serve while rasa-$port restarts" others_serving "$port"
  else
    echo "    only one replica: users get the 'try again in a moment' answer while it restarts" >&2
  fi
  echo "    rasa-$port: out of the load balancer"
  touch "$RUN_DIR/drain/$port"
  until_true 30 "the gate to take rasa-$port out" not_serving "$port"
  sleep 2   # nginx's reload: new requests no longer reach it
  echo "    rasa-$port: restarting (turns in flight finish first)"
  "${SUPERVISORCTL[@]}" restart "rasa-$port" >/dev/null
  until_true "$READY_TIMEOUT" "rasa-$port to load the new model" on_new_model "$port"
  rm -f "$RUN_DIR/drain/$port"
  until_true 30 "the gate to put rasa-$port back" is_serving "$port"
  echo "    rasa-$port: serving the new model"
done
echo "==> deployed: every replica serves $(basename "$model")"
