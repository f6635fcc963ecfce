"""The tracker store that keeps only what people agreed to keep.

endpoints.yml / endpoints.prod.yml name ``bot.privacy.store.ConsentingTrackerStore``: the SQL
store of bot/stores.py (SQLite by default, PostgreSQL in production; "delete my data" erases)
with one rule in front of it, decided per conversation by ``bot.privacy.is_kept``:

- kept (the person agreed, or PRIVACY_DEFAULT=store and they did not decline): saved to SQL as
  before. The turn that grants consent writes the whole conversation so far (the SQL store
  writes every event it does not have yet).
- not kept (not asked yet, declined, or PRIVACY_DEFAULT=ephemeral): never written to SQL; held in
  ``EphemeralTrackers`` with a time to live (the domain's session expiry), only its current
  session. In one process that is memory; with ``ephemeral_redis_host`` set (endpoints.prod.yml:
  several replicas, REST balanced round-robin) it is Redis with a TTL, so every replica sees it.
- declining after agreeing (action_privacy_decline) erases what SQL held of the conversation.

No message text is ever logged here.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Dict, Iterator, List, Optional, Set, Text, Tuple

from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import CONSENT_SLOT, DECLINE_ACTION, is_kept
from bot.settings import settings
from bot.stores import ForgetfulSQLTrackerStore, forget_requested, latest_turn_ran

logger = logging.getLogger(__name__)

SESSION_START_ACTION = "action_session_start"
#: When the domain's sessions never expire (0), ephemeral conversations still go after this.
FALLBACK_TTL_SECONDS = 12 * 3600
#: At most this many conversations held in one process's memory (the oldest go first).
MAX_IN_MEMORY = 10_000


def current_session(events: List[Event]) -> List[Event]:
    """The events from the last session start on: an ephemeral conversation ends with its session."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted) and event.action_name == SESSION_START_ACTION:
            return events[index:]
    return events


class EphemeralTrackers:
    """Conversations that are not kept: serialised events with a time to live, in this process's
    memory or (``redis_client`` given) in Redis under ``key_prefix``."""

    def __init__(self, redis_client: Any = None, key_prefix: str = "") -> None:
        self.redis = redis_client
        # "<prefix>:ephemeral:<sender>", beside the lock store's "<prefix>:lock:<sender>".
        self.key_prefix = f"{key_prefix}:ephemeral:" if key_prefix else "ephemeral:"
        self._memory: "OrderedDict[str, Tuple[float, str]]" = OrderedDict()
        self._lock = threading.Lock()

    def put(self, sender_id: str, events: List[Event], ttl_seconds: int) -> None:
        serialised = json.dumps([event.as_dict() for event in events])
        if self.redis is not None:
            self.redis.set(self.key_prefix + sender_id, serialised, ex=ttl_seconds)
            return
        with self._lock:
            self._memory.pop(sender_id, None)
            self._memory[sender_id] = (time.monotonic() + ttl_seconds, serialised)
            self._expire_locked()

    def get(self, sender_id: str) -> Optional[List[Dict[str, Any]]]:
        if self.redis is not None:
            raw = self.redis.get(self.key_prefix + sender_id)
        else:
            with self._lock:
                self._expire_locked()
                raw = self._memory.get(sender_id, (0.0, None))[1]
        return json.loads(raw) if raw else None

    def holds(self, sender_id: str) -> bool:
        if self.redis is not None:
            return bool(self.redis.exists(self.key_prefix + sender_id))
        with self._lock:
            self._expire_locked()
            return sender_id in self._memory

    def drop(self, sender_id: str) -> None:
        if self.redis is not None:
            self.redis.delete(self.key_prefix + sender_id)
            return
        with self._lock:
            self._memory.pop(sender_id, None)

    def _expire_locked(self) -> None:
        now = time.monotonic()
        while self._memory:
            oldest_id, (expires, _) = next(iter(self._memory.items()))
            if expires > now and len(self._memory) <= MAX_IN_MEMORY:
                break
            del self._memory[oldest_id]


def _redis_client(host: str, port: Any, db: Any, password: str) -> Any:
    import redis

    return redis.StrictRedis(host=host, port=int(port or 6379), db=int(db or 0), password=password or None)


class ConsentingTrackerStore(ForgetfulSQLTrackerStore):
    """ForgetfulSQLTrackerStore that writes a conversation only when it may be kept (module doc).

    Extra endpoint keys (all optional): ``ephemeral_redis_host``, ``ephemeral_redis_port``,
    ``ephemeral_redis_db``, ``ephemeral_redis_password``, ``ephemeral_key_prefix``.
    """

    def __init__(self, *args: Any, ephemeral_redis_host: Optional[str] = None, ephemeral_redis_port: Any = None,
                 ephemeral_redis_db: Any = None, ephemeral_redis_password: Optional[str] = None,
                 ephemeral_key_prefix: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = None
        if ephemeral_redis_host:
            client = _redis_client(ephemeral_redis_host, ephemeral_redis_port, ephemeral_redis_db,
                                   ephemeral_redis_password or "")
        self.ephemeral = EphemeralTrackers(client, str(ephemeral_key_prefix or ""))
        self.privacy_default = settings().privacy_default
        self._promoting: Set[str] = set()  # senders whose held conversation is being written

    def ttl_seconds(self) -> int:
        minutes = self.domain.session_config.session_expiration_time if self.domain else 0
        return int(minutes * 60) if minutes and minutes > 0 else FALLBACK_TTL_SECONDS

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        if forget_requested(tracker):
            self.ephemeral.drop(sender_id)
            await super().save(tracker)  # erases what SQL holds
            return
        if is_kept(tracker.get_slot(CONSENT_SLOT), self.privacy_default):
            # Just agreed: none of the held events is in SQL yet, but SQL may hold an earlier
            # session, which would make the SQL store skip that many of them.
            held = self.ephemeral.holds(sender_id)
            if held:
                self._promoting.add(sender_id)
            try:
                await super().save(tracker)
            finally:
                self._promoting.discard(sender_id)
            if held:
                self.ephemeral.drop(sender_id)
            return
        if latest_turn_ran(tracker, DECLINE_ACTION):
            erased = self.erase(sender_id)
            if erased:
                logger.info("Consent withdrawn: erased a stored conversation (%d events).", erased)
        self.ephemeral.put(sender_id, current_session(list(tracker.events)), self.ttl_seconds())

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        if tracker.sender_id in self._promoting:
            return iter(tracker.events)
        return super()._additional_events(session, tracker)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return self._from_ephemeral(sender_id) or await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return self._from_ephemeral(conversation_id) or await super().retrieve_full_tracker(conversation_id)

    def _from_ephemeral(self, sender_id: str) -> Optional[DialogueStateTracker]:
        events = self.ephemeral.get(sender_id)
        if not events:
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
