"""bot.retention on SQLite (the default store; the PostgreSQL run is in test_scale_out.py)."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.retention import RetentionError, purge, store_from_endpoints
from bot.retention import main as retention_main
from tests.support.servers import QUIET_ENV, ROOT

DAY = 86400


def sqlite_endpoints(tmp_path: Path) -> Path:
    path = tmp_path / "endpoints.yml"
    path.write_text(
        "tracker_store:\n  type: bot.stores.ForgetfulSQLTrackerStore\n"
        f'  dialect: "sqlite"\n  db: "{tmp_path / "trackers.db"}"\n'
    )
    return path


def insert(db: Path, sender: str, last_activity: float, events: int = 4) -> None:
    with sqlite3.connect(db) as conn:
        for i in range(events):
            stamp = last_activity - (events - 1 - i) * 3600
            conn.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                         (sender, stamp, json.dumps({"event": "user", "timestamp": stamp, "text": "x"})))


def senders(db: Path) -> set:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT DISTINCT sender_id FROM events")}


def run_cli(*args: str, env_extra=None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, **QUIET_ENV, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "bot.retention", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_retention_command_on_sqlite(tmp_path):
    endpoints = sqlite_endpoints(tmp_path)
    check = run_cli("--endpoints", str(endpoints), "--check")
    assert check.returncode == 0, check.stderr
    assert "tracker store OK (sqlite): 0 conversations" in check.stdout
    db = tmp_path / "trackers.db"
    now = time.time()
    insert(db, "old", now - 45 * DAY)
    insert(db, "long-but-active", now - 1 * DAY, events=200)  # started months ago, still talking
    insert(db, "recent", now - 3 * DAY)
    insert(db, "edge", now - 8 * DAY)

    done = run_cli("--endpoints", str(endpoints), env_extra={"RETENTION_DAYS": "7"})
    assert done.returncode == 0, done.stderr
    assert "retention (7 days, sqlite): erased 2 conversations (8 events); 2 kept" in done.stdout
    assert senders(db) == {"long-but-active", "recent"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events WHERE sender_id='long-but-active'").fetchone()[0] == 200
    # The output never names a conversation.
    assert "old" not in done.stdout.replace("(7 days", "") and "edge" not in done.stdout


def test_retention_dry_run_and_bad_settings(tmp_path, monkeypatch):
    endpoints = sqlite_endpoints(tmp_path)
    store = store_from_endpoints(str(endpoints))
    db = tmp_path / "trackers.db"
    insert(db, "old", time.time() - 31 * DAY)
    result = purge(store, 30, dry_run=True)
    assert (result.conversations, result.events) == (1, 4)
    assert senders(db) == {"old"}
    assert purge(store, 30).conversations == 1
    assert senders(db) == set()
    with pytest.raises(RetentionError):
        purge(store, 0)
    assert retention_main(["--endpoints", str(endpoints), "--days", "0"]) == 2
    monkeypatch.setenv("RETENTION_DAYS", "soon")
    assert retention_main(["--endpoints", str(endpoints)]) == 2
    monkeypatch.delenv("RETENTION_DAYS")
    assert retention_main(["--endpoints", str(tmp_path / "missing.yml")]) == 2
    memory = tmp_path / "memory.yml"
    memory.write_text("action_endpoint:\n  url: http://127.0.0.1:1/webhook\n")
    assert retention_main(["--endpoints", str(memory)]) == 2
    assert retention_main(["--endpoints", str(endpoints), "--days", "30"]) == 0
