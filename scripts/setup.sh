#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies.
# Re-running is cheap: it reinstalls only when requirements.txt or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
stamp_of() { cat requirements.txt constraints.txt | sha256sum | cut -c1-16; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  PY=$(scripts/find_python.sh)
  echo "==> creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi
want=$(stamp_of)
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$want" ]; then
  echo "==> installing pinned dependencies into $VENV (first time: a few minutes, about 2 GB)"
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip==24.0"
  # (the grep drops pip's "Location ... is ignored" lines that some registry mirrors cause)
  "$VENV/bin/python" -m pip install --quiet -r requirements.txt -c constraints.txt 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  echo "$want" > "$VENV/.installed"
fi
# The widget's socket.io client (npm) and Debian's chromium for the browser tests.
scripts/setup_web.sh
# nginx (and the PostgreSQL / Redis server packages if missing) for `make prod` and its tests.
scripts/setup_prod.sh
# The validators of the container and Kubernetes files (own venvs in .venv-deploy).
scripts/setup_deploy_tools.sh
