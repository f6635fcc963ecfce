#!/usr/bin/env bash
# The website widget's setup: the socket.io browser client from npm (package-lock.json, into
# node_modules, served by bot.channels.widget) and, for the widget tests, Debian's chromium.
# Idempotent: `npm ci` runs only when node_modules is missing or package-lock.json changed;
# apt-get runs only when something is missing (and only as root; otherwise it says what to do).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { [ "$(id -u)" -eq 0 ]; }
apt_install() {
  if as_root; then
    echo "==> apt-get install $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

# 1. npm (Debian's nodejs/npm packages, unless node and npm are already there)
if ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm || {
    echo "setup_web: npm is missing. Install Node.js with npm (e.g. sudo apt-get install nodejs npm) and re-run." >&2
    exit 1
  }
fi

# 2. node_modules from package-lock.json
stamp=node_modules/.lock-sha256
want=$(sha256sum package-lock.json | cut -c1-64)
if [ ! -f node_modules/socket.io-client/dist/socket.io.min.js ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> npm ci (the widget's socket.io client)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# 3. chromium for the widget tests (Playwright drives Debian's build; never `playwright install`)
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium || {
    echo "setup_web: /usr/bin/chromium is missing, needed by tests/channels/test_widget*.py." >&2
    echo "           Install it as root: apt-get update && apt-get install -y chromium" >&2
    echo "           (the widget itself runs without it; those tests are skipped)." >&2
  }
fi
