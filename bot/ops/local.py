"""Starting the assistant's processes on this machine (the benchmark, the tests): the quiet
environment scripts/env.sh sets for the shell scripts, and a free TCP port on loopback."""
from __future__ import annotations

import socket

QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "LOG_LEVEL_LIBRARIES": "ERROR",
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "MPLCONFIGDIR": "/tmp/leg-triage-mpl",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
