"""``python -m bot.ops.replica <rasa run arguments>``: one Rasa replica, secrets kept off the
command line.

Rasa takes its HTTP API token and JWT secret only as arguments (``--auth-token``,
``--jwt-secret``), and every local user can read a process's arguments (``ps``). This launcher
reads them from the environment (``RASA_API_TOKEN``, ``RASA_JWT_SECRET``) or from a file named by
``RASA_API_TOKEN_FILE`` / ``RASA_JWT_SECRET_FILE``, and hands them to Rasa's argument parser
inside the process: ``/proc/<pid>/cmdline`` keeps the arguments the process was started with,
while its environment is readable only by its own user and root.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Mapping, Optional


def secret(name: str, environ: Mapping[str, str]) -> str:
    """``$NAME``, or the first line of the file ``$NAME_FILE`` names (empty: not set)."""
    value = environ.get(name, "")
    path = environ.get(f"{name}_FILE", "")
    if not value and path:
        value = Path(path).read_text(encoding="utf-8").strip()
    return value


def api_arguments(environ: Mapping[str, str]) -> List[str]:
    """Rasa's HTTP API: off unless a token (or a JWT secret) is configured, then protected by it."""
    token = secret("RASA_API_TOKEN", environ)
    if token:
        return ["--enable-api", "--auth-token", token]
    jwt_secret = secret("RASA_JWT_SECRET", environ)
    if jwt_secret:
        return ["--enable-api", "--jwt-secret", jwt_secret, "--jwt-method", "HS256"]
    return []


def main(argv: Optional[List[str]] = None) -> None:
    from bot.rasa_cli import main as rasa_main

    arguments = sys.argv[1:] if argv is None else argv
    sys.argv = ["rasa", "run", *arguments, *api_arguments(os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
