#!/usr/bin/env bash
# Trains the model unless one exists for exactly these inputs (data, domain, config, KB, NLU code).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
inputs_hash() {
  find config.yml domain.yml data bot/knowledge bot/nlu bot/policies bot/safety bot/interview -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' \) \
    -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
}
want=$(inputs_hash)
model="models/leg-triage-$want.tar.gz"
if [ -f "$model" ]; then
  echo "==> model is up to date ($model)"
  exit 0
fi
echo "==> training the model (about a minute on 2 cores)"
mkdir -p models
start=$(date +%s)
$RASA train --fixed-model-name "leg-triage-$want" --out models --quiet
echo "==> trained $model in $(( $(date +%s) - start )) s"
# Keep only the model for the current inputs, so `rasa run --model models` loads the right one.
find models -name 'leg-triage-*.tar.gz' ! -name "leg-triage-$want.tar.gz" -delete
