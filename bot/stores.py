"""Tracker stores that honour "delete my data".

`action_delete_my_data` cannot erase anything itself: the action server never sees the store,
and Rasa saves the tracker again right after the action runs. So the store does it: when the
turn being saved ran `action_delete_my_data`, every stored event of that conversation is
deleted instead of saved. The next message starts a brand-new conversation.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, NamedTuple, Optional

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (makes sa.orm available)
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

FORGET_ACTION = "action_delete_my_data"
#: Attempts at emptying SQLite's write-ahead log after an erase, and the wait before the second
#: (doubled each time): ~1.5 s in all, for readers of other conversations to finish.
CHECKPOINT_ATTEMPTS = 5
CHECKPOINT_FIRST_WAIT_S = 0.05


class Checkpoint(NamedTuple):
    """The result row of ``PRAGMA wal_checkpoint``: busy is 1 when a reader or writer stopped it;
    log is the WAL's frames (-1 when the database is not in WAL mode), checkpointed those copied
    to the database file."""

    busy: int
    log: int
    checkpointed: int

    @property
    def complete(self) -> bool:
        return self.busy == 0 and (self.log == -1 or self.log == self.checkpointed)


def latest_turn_ran(tracker: DialogueStateTracker, action_name: str) -> bool:
    """True when the latest user turn ran this action."""
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted) and event.action_name == action_name:
            return True
        if isinstance(event, UserUttered):
            return False
    return False


def forget_requested(tracker: DialogueStateTracker) -> bool:
    """True when the latest user turn ended up running the forget action."""
    return latest_turn_ran(tracker, FORGET_ACTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Settings for the embedded (single-process) store, set on every new connection.

    - WAL + synchronous=NORMAL: SQLite's defaults (rollback journal, synchronous=FULL) fsync on
      every commit inside Rasa's event loop, so every other conversation waits (profiled: the
      store was the largest single cost of a turn; docs/performance.md). In WAL mode NORMAL
      survives a crash of the process; a power cut can lose the last turns, never corrupt the file.
      The production topology uses PostgreSQL, not this.
    - secure_delete: "delete my data" and retention overwrite the erased rows instead of leaving
      the words in free pages of the file.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class ForgetfulSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore (SQLite by default, PostgreSQL in production) + erase on request."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rebuild Rasa's engine with two options:
        # - hide_parameters: SQLAlchemy puts a failed statement's parameters in its error
        #   message, and Rasa logs that message; here the parameters are events (the user's words).
        # - pool_pre_ping (PostgreSQL): a database restart leaves every pooled connection dead;
        #   without a ping on checkout the next requests fail one by one until the pool is renewed.
        # (With `login_db`, Rasa also rebuilds the engine without its pool settings: set again here.)
        url = self.engine.url
        options = dict(create_engine_kwargs(url), hide_parameters=True)
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite:
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool): keep a few.
            options.update(poolclass=sa.pool.QueuePool, pool_size=5,
                           connect_args={"check_same_thread": False})
        else:
            options["pool_pre_ping"] = True
        self.engine.dispose()
        self.engine = sa.create_engine(url, **options)
        if sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if forget_requested(tracker):
            # in a worker thread: the checkpoint may wait for readers, the event loop must not
            deleted = await asyncio.get_running_loop().run_in_executor(None, self.erase, tracker.sender_id)
            logger.info("Erased a conversation on the user's request (%d events).", deleted)
            return
        await super().save(tracker)

    def erase(self, sender_id: str) -> int:
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        self.scrub_journal()
        return deleted

    def scrub_journal(self, sleep: Optional[Callable[[float], None]] = None) -> int:
        """After an erase: SQLite's write-ahead log still holds the erased words (the pages as they
        were before); fold it into the (secure-deleted) database file and truncate it.

        A connection reading at that moment (another conversation's turn) stops the checkpoint
        (it reports busy): wait and try again, ``CHECKPOINT_ATTEMPTS`` times in all. Returns the
        attempts made; if the last one still could not complete, a warning says so (the next
        erase or the next automatic checkpoint clears it). No-op on other databases.
        """
        if self.engine.dialect.name != "sqlite":
            return 0
        sleep = sleep or time.sleep
        wait = CHECKPOINT_FIRST_WAIT_S
        result = Checkpoint(1, -1, -1)
        for attempt in range(1, CHECKPOINT_ATTEMPTS + 1):
            result = self._checkpoint()
            if result.complete:
                if attempt > 1:
                    logger.info("The write-ahead log was emptied after an erase (attempt %d).", attempt)
                return attempt
            if attempt < CHECKPOINT_ATTEMPTS:
                sleep(wait)
                wait *= 2
        logger.warning("After an erase, the SQLite write-ahead log could not be emptied (%d attempts; "
                       "busy=%d, %d of %d frames copied): the erased conversation stays in %s-wal until "
                       "the next checkpoint.", CHECKPOINT_ATTEMPTS, result.busy, result.checkpointed, result.log,
                       self.engine.url.database)
        return CHECKPOINT_ATTEMPTS

    def _checkpoint(self) -> Checkpoint:
        """One ``wal_checkpoint(TRUNCATE)`` that does not wait on SQLite's busy handler (the
        retries above wait, between attempts)."""
        with self.engine.connect() as connection:
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            try:
                row = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout or 0)}")
        return Checkpoint(*(int(v) for v in row)) if row else Checkpoint(1, -1, -1)
