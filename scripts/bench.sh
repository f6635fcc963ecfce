#!/usr/bin/env bash
# `make bench`: our assistant against the stock `rasa init` assistant (same Rasa, same machine).
# Trains both from scratch in a temp dir (timed), serves each in turn under the same REST load
# (1 user, then 20 concurrent users), prints one table (PASS/MISS per target) and writes
# results/bench.json. About 10-13 minutes on 2 cores. Never fails on a missed target.
# Options go to bench/run.py, e.g. scripts/bench.sh --quick, --profile, --help. Then bench/fairness.py
# (a few minutes more): one sender flooding while 10 others chat, a 300-turn conversation, a hung
# Redis (results/bench-fairness.json). FAIRNESS_ONLY=1: that part alone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
if ! ls models/*.tar.gz >/dev/null 2>&1; then
  echo "bench: no trained model in models/ (the bench serves the newest one): run \`make model\` first" >&2
  exit 1
fi
if [ "${FAIRNESS_ONLY:-0}" != 1 ]; then
  .venv/bin/python -m bench.run "$@"
fi
exec .venv/bin/python -m bench.fairness
