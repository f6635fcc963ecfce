"""Conversation retention: erase every conversation whose last message is older than N days.

    python -m bot.retention                      # RETENTION_DAYS (default 30), endpoints.yml
    python -m bot.retention --days 7 --endpoints endpoints.prod.yml
    python -m bot.retention --dry-run            # only count what would be erased
    python -m bot.retention --check              # connect (create database/tables), count, erase nothing

The tracker store is the one the server uses: read from the endpoints file (environment
variables substituted, as Rasa does), so run it from the project directory, with the same
environment as the server. SQL tracker stores only (SQLite, PostgreSQL).

A conversation is erased whole (all its sessions), never cut in the middle: a conversation
whose latest event is newer than the cut-off is kept entirely, even if it started long ago.
The output has counts only, never a conversation id or any text. Exit status: 0 done, 2 the
configuration is unusable (no SQL tracker store, bad --days), 1 the database failed.

Schedule it daily, e.g. cron: ``17 3 * * * cd /srv/leg-triage && .venv/bin/python -m bot.retention``
(scripts/scale_out.sh runs it at start and then daily by itself).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence

from pydantic import ValidationError

from bot.settings import Settings, setting

RETENTION_DAYS_ENV = "RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = int(Settings.__fields__["retention_days"].get_default())
DEFAULT_ENDPOINTS = "endpoints.yml"
_CHUNK = 500

logger = logging.getLogger(__name__)


class RetentionError(Exception):
    """The configuration cannot be used (exit status 2)."""


@dataclass
class Purge:
    conversations: int
    events: int
    kept_conversations: int


def default_days() -> int:
    """RETENTION_DAYS (bot/settings.py), or RetentionError if it is not a whole number >= 0."""
    try:
        return int(setting("retention_days"))
    except ValidationError:
        raw = os.environ.get(RETENTION_DAYS_ENV, "").strip()
        raise RetentionError(f"{RETENTION_DAYS_ENV} must be a whole number of days, not {raw!r}") from None


def store_from_endpoints(endpoints: str):
    """The SQL tracker store named in an endpoints file (its database and tables are created if missing)."""
    from rasa.core.tracker_store import AwaitableTrackerStore, SQLTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import read_endpoint_config

    if not os.path.isfile(endpoints):
        raise RetentionError(f"no endpoints file at {endpoints}")
    config = read_endpoint_config(endpoints, "tracker_store")
    if config is None:
        raise RetentionError(f"{endpoints} names no tracker_store: conversations are kept in memory only")
    store = TrackerStore.create(config, Domain.empty())
    while isinstance(store, AwaitableTrackerStore):
        store = store._tracker_store
    if not isinstance(store, SQLTrackerStore):
        raise RetentionError(f"the tracker store of {endpoints} is {type(store).__name__}, not an SQL store")
    return store


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def expired_senders(store, cutoff: float) -> List[str]:
    import sqlalchemy as sa

    event = store.SQLEvent
    with store.session_scope() as session:
        rows = (
            session.query(event.sender_id)
            .group_by(event.sender_id)
            .having(sa.func.max(event.timestamp) < cutoff)
            .all()
        )
    return [sender for (sender,) in rows]


def count(store) -> tuple:
    """(conversations, events) in the store."""
    import sqlalchemy as sa

    event = store.SQLEvent
    with store.session_scope() as session:
        conversations = session.query(sa.func.count(sa.distinct(event.sender_id))).scalar() or 0
        events = session.query(sa.func.count(event.id)).scalar() or 0
    return conversations, events


def purge(store, days: int, now: Optional[float] = None, dry_run: bool = False) -> Purge:
    """Erases the conversations whose latest event is older than `days` days."""
    if days < 1:
        raise RetentionError("--days must be at least 1")
    cutoff = (time.time() if now is None else now) - days * 86400
    senders = expired_senders(store, cutoff)
    event = store.SQLEvent
    erased_events = 0
    with store.session_scope() as session:
        for chunk in _chunks(senders):
            query = session.query(event).filter(event.sender_id.in_(list(chunk)))
            erased_events += query.count() if dry_run else query.delete(synchronize_session=False)
        if not dry_run:
            session.commit()
    if not dry_run and senders and hasattr(store, "scrub_journal"):
        store.scrub_journal()
    total, _ = count(store)
    kept = total - (len(senders) if dry_run else 0)
    return Purge(conversations=len(senders), events=erased_events, kept_conversations=kept)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=None,
                        help=f"keep conversations active in the last N days "
                             f"(default: ${RETENTION_DAYS_ENV} or {DEFAULT_RETENTION_DAYS})")
    parser.add_argument("--endpoints", default=DEFAULT_ENDPOINTS,
                        help=f"endpoints file naming the tracker store (default: {DEFAULT_ENDPOINTS})")
    parser.add_argument("--dry-run", action="store_true", help="count what would be erased, erase nothing")
    parser.add_argument("--check", action="store_true",
                        help="connect to the store (creating the database and tables if missing) and count; "
                             "erase nothing")
    args = parser.parse_args(argv)
    from bot.rasa_cli import silence_library_warnings

    silence_library_warnings()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s - %(message)s")
    for noisy in ("rasa", "sqlalchemy", "absl", "tensorflow"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    try:
        days = args.days if args.days is not None else default_days()
        if days < 1 and not args.check:
            raise RetentionError("--days must be at least 1")
        store = store_from_endpoints(args.endpoints)
        if args.check:
            conversations, events = count(store)
            print(f"tracker store OK ({store.engine.dialect.name}): {conversations} conversations, {events} events")
            return 0
        result = purge(store, days, dry_run=args.dry_run)
    except RetentionError as error:
        print(f"retention: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # database unreachable, bad credentials...
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(f"retention: the tracker store failed: {type(error).__name__}: {reason}", file=sys.stderr)
        return 1
    verb = "would erase" if args.dry_run else "erased"
    print(f"retention ({days} days, {store.engine.dialect.name}): {verb} {result.conversations} conversations "
          f"({result.events} events); {result.kept_conversations} kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
