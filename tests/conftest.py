"""Shared fixtures. Tests under tests/conversations talk to real servers and are marked `server`."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.servers import ROOT, Stack, latest_model

CONVERSATION_DIRS = ("conversations", "channels", "production")


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in CONVERSATION_DIRS:
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The assistant as `make run` starts it: action server + Rasa server, SQLite tracker store."""
    running = Stack(workdir=tmp_path_factory.mktemp("stack"), model=latest_model())
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.keep_logs(ROOT / "results" / "server-logs")
