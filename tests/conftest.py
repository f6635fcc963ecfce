"""Shared fixtures. Tests under tests/conversations talk to real servers and are marked `server`."""
from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

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
    """The assistant as `make run` starts it: action server + Rasa server, SQLite tracker store.
    (TEST_STACK_URL=http://localhost:5005 reuses a server you started, for quick iterations on the
    conversation tests; it must run with CRISIS_COUNTRY=GB like this one.)"""
    if os.environ.get("TEST_STACK_URL"):
        yield SimpleNamespace(url=os.environ["TEST_STACK_URL"].rstrip("/"))
        return
    # A deployment's crisis lines come from its environment (bot/safety/lines.py): this one is in the UK.
    running = Stack(workdir=tmp_path_factory.mktemp("stack"), model=latest_model(),
                    extra_env={"CRISIS_COUNTRY": "GB"})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.keep_logs(ROOT / "results" / "server-logs")
