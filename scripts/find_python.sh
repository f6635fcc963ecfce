#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10; we pin 3.10).
# Looks, in order: $PYTHON, python3.10 on PATH, pyenv, the usual system locations.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    candidates+=("$(pyenv root)/versions/$v/bin/python3.10")
  done
fi
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10 "$HOME/.pyenv/versions/"3.10*/bin/python3.10)
for c in "${candidates[@]}"; do
  if [ -x "$c" ] && ok "$c"; then echo "$c"; exit 0; fi
done
cat >&2 <<'MSG'
Python 3.10 was not found (Rasa 3.6 needs Python 3.8-3.10; this project pins 3.10).
Install it, then run the command again:
  - Debian/Ubuntu:  sudo apt-get install python3.10 python3.10-venv   (or the deadsnakes PPA on Ubuntu)
  - pyenv:          pyenv install 3.10.13
  - or point to one: PYTHON=/path/to/python3.10 make run
MSG
exit 1
