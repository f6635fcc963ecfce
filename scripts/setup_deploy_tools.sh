#!/usr/bin/env bash
# The validators of the container and Kubernetes files (scripts/validate_deploy.sh), from PyPI,
# in their own venvs under .venv-deploy/: their dependencies clash with Rasa's (.venv) and with
# each other's (docker-compose 1.29.2 needs jsonschema<4, kubernetes-validate jsonschema>=4).
#   .venv-deploy/compose  docker-compose 1.29.2      deploy/docker/validators/compose*.txt
#   .venv-deploy/lint     hadolint, kubernetes-validate   deploy/docker/validators/lint.txt
# Re-running is cheap: each venv is reinstalled only when its pin files changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PINS=deploy/docker/validators
TOOLS=.venv-deploy

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }
quiet_pip() {    # pip install, minus the "Location ... is ignored" lines some registry mirrors cause
  "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  return "${PIPESTATUS[0]}"
}
fresh_venv() {   # fresh_venv DIR: an empty Python 3.10 venv with the pip of scripts/setup.sh
  local py
  py=$(scripts/find_python.sh)
  rm -rf "$1"
  "$py" -m venv "$1"
  quiet_pip "$1/bin/python" -m pip install --quiet "pip==24.0"
}

want=$(stamp_of "$PINS/compose-build.txt" "$PINS/compose.txt")
if [ "$(cat "$TOOLS/compose/.installed" 2>/dev/null)" != "$want" ]; then
  echo "==> installing docker-compose (the validator) into $TOOLS/compose"
  fresh_venv "$TOOLS/compose"
  quiet_pip "$TOOLS/compose/bin/python" -m pip install --quiet -r "$PINS/compose-build.txt"
  quiet_pip "$TOOLS/compose/bin/python" -m pip install --quiet --no-build-isolation \
    "$(grep -E '^PyYAML==' "$PINS/compose.txt")"
  quiet_pip "$TOOLS/compose/bin/python" -m pip install --quiet -r "$PINS/compose.txt"
  echo "$want" > "$TOOLS/compose/.installed"
fi

want=$(stamp_of "$PINS/lint.txt")
if [ "$(cat "$TOOLS/lint/.installed" 2>/dev/null)" != "$want" ]; then
  echo "==> installing hadolint and kubernetes-validate into $TOOLS/lint"
  fresh_venv "$TOOLS/lint"
  quiet_pip "$TOOLS/lint/bin/python" -m pip install --quiet -r "$PINS/lint.txt"
  echo "$want" > "$TOOLS/lint/.installed"
fi
