""""Delete my data" on SQLite while another connection is reading (issue #17, item 4): the erased
words must not stay in trackers.db-wal. The checkpoint that empties the log reports busy while a
reader holds a snapshot; the store retries until it completes, and says so when it cannot."""
from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import List

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import stores
from bot.stores import FORGET_ACTION, ForgetfulSQLTrackerStore

SECRET = "zebra-umbrella-secret-words"


def conversation(sender: str, text: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"), UserUttered(text)])


def forget(tracker: DialogueStateTracker) -> DialogueStateTracker:
    tracker.update(UserUttered("/delete_my_data"))
    tracker.update(ActionExecuted(FORGET_ACTION))
    return tracker


class Reader:
    """Another connection in the middle of a read transaction (another conversation's turn)."""

    def __init__(self, db: Path) -> None:
        self.connection = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self.connection.execute("BEGIN")
        assert self.connection.execute("SELECT sender_id FROM events").fetchone()

    def finish(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("COMMIT")


@pytest.fixture
def store(tmp_path):
    return ForgetfulSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "trackers.db"))


def wal_bytes(tmp_path: Path) -> bytes:
    wal = tmp_path / "trackers.db-wal"
    return wal.read_bytes() if wal.exists() else b""


async def test_erased_words_leave_the_wal_once_a_concurrent_reader_finishes(store, tmp_path, monkeypatch, caplog):
    await store.save(conversation("someone", f"my legs shake, remember {SECRET}"))
    await store.save(conversation("another person", "my calves cramp"))
    assert SECRET.encode() in wal_bytes(tmp_path)  # where the words are before the erase
    reader = Reader(tmp_path / "trackers.db")
    waits: List[float] = []

    def reader_finishes_while_we_wait(seconds: float) -> None:
        waits.append(seconds)
        reader.finish()

    monkeypatch.setattr(stores.time, "sleep", reader_finishes_while_we_wait)
    tracker = await store.retrieve("someone")
    with caplog.at_level(logging.INFO, logger="bot.stores"):
        await store.save(forget(tracker))
    assert waits == [stores.CHECKPOINT_FIRST_WAIT_S]  # the first checkpoint was busy: retried once
    assert "emptied after an erase (attempt 2)" in caplog.text
    assert SECRET.encode() not in wal_bytes(tmp_path)
    assert SECRET.encode() not in (tmp_path / "trackers.db").read_bytes()  # secure_delete
    assert await store.retrieve("someone") is None
    assert await store.retrieve("another person") is not None
    assert SECRET not in caplog.text


def test_a_reader_that_never_finishes_gets_a_warning_without_the_words(store, tmp_path, caplog):
    store.erase("nobody")  # creates the tables
    with sqlite3.connect(tmp_path / "trackers.db") as writer:
        writer.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', 1, ?)",
                       ("someone", f'{{"event": "user", "text": "{SECRET}"}}'))
        writer.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('b', 'user', 1, '{}')")
    reader = Reader(tmp_path / "trackers.db")
    waits: List[float] = []
    with caplog.at_level(logging.WARNING, logger="bot.stores"):
        with store.session_scope() as session:
            session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == "someone").delete()
            session.commit()
        attempts = store.scrub_journal(sleep=waits.append)
    assert attempts == stores.CHECKPOINT_ATTEMPTS
    assert waits == [stores.CHECKPOINT_FIRST_WAIT_S * 2 ** i for i in range(stores.CHECKPOINT_ATTEMPTS - 1)]
    assert "could not be emptied" in caplog.text and SECRET not in caplog.text
    reader.finish()
    assert store.scrub_journal(sleep=waits.append) == 1  # the next try, with the reader gone, completes
    assert SECRET.encode() not in wal_bytes(tmp_path)


def test_checkpoint_result_reading():
    assert stores.Checkpoint(0, 0, 0).complete
    assert stores.Checkpoint(0, -1, -1).complete  # not in WAL mode: nothing to empty
    assert not stores.Checkpoint(1, 5, 2).complete
    assert not stores.Checkpoint(0, 5, 2).complete
