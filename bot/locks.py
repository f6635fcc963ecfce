"""A Redis lock store that really is one lock across Rasa replicas (endpoints.prod.yml).

Rasa 3.6's ``RedisLockStore`` keeps each conversation's ticket queue as one JSON value that every
replica reads, changes and writes back (``issue_ticket``, ``finish_serving``, ``cleanup``)
without a transaction. Two replicas taking a ticket at the same moment both read the same queue:
one ticket is lost, or both get the same number and both go in (two turns of one user at once on
the same tracker: events lost or stored twice); and a replica that deletes the queue as it
finishes, while another is adding its ticket, makes that one fail with "Could not acquire lock"
(seen in tests/production/test_scale_out.py: the user got no answer). Waiters also poll only
once a second. (Rasa Pro later added a ``ConcurrentRedisLockStore`` for this.)

``AtomicRedisLockStore`` keeps Rasa's configuration and interface (``lock(conversation_id)``, an
async context manager) but takes the lock with one atomic ``SET key token NX PX lifetime``
and releases it with a compare-and-delete script, so only the holder can release it. Waiters
poll every 50-100 ms (Rasa: every second). The lease (``TICKET_LOCK_LIFETIME``, Rasa's variable,
default 60 s) frees the conversation if a replica dies holding it; a waiter gives up with
``LockError`` after one lease. Messages of one user that arrive together run one at a time, in
no guaranteed order (they have none: they were sent at the same moment).

endpoints.prod.yml:

    lock_store:
      type: bot.locks.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: ${REDIS_DB}
      password: ${REDIS_PASSWORD}
      key_prefix: ${REDIS_KEY_PREFIX}

Do not mix it with Rasa's ``redis`` lock store on the same keys (the values differ).
"""
from __future__ import annotations

import asyncio
import logging
import random
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL_S = 0.05
#: Deletes the key only if it still holds this holder's token.
RELEASE_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""


class AtomicRedisLockStore(RedisLockStore):
    """One holder per conversation at a time, across every replica sharing the Redis."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a custom lock store as `Class(endpoint_config=...)`; tests may pass kwargs.
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        super().__init__(**kwargs)

    def key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}{conversation_id}"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_S,
    ) -> AsyncGenerator[None, None]:
        key = self.key(conversation_id)
        token = uuid.uuid4().hex
        lifetime_ms = max(1, int(lock_lifetime * 1000))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lock_lifetime
        poll = min(wait_time_in_seconds, POLL_S)
        while not self.red.set(key, token, nx=True, px=lifetime_ms):
            if loop.time() > deadline:
                raise LockError(f"Could not acquire the lock of a conversation within {lock_lifetime:.0f} s.")
            await asyncio.sleep(poll + random.uniform(0, poll))
        try:
            yield None
        finally:
            self._release(key, token)

    def _release(self, key: Text, token: Text) -> None:
        import redis

        try:
            self.red.eval(RELEASE_SCRIPT, 1, key, token)
        except redis.RedisError as error:  # the lease runs out by itself
            logger.warning("Could not release a conversation lock (%s); it expires by itself.", type(error).__name__)

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        """Whether the conversation is locked right now (waiters are not recorded)."""
        return bool(self.red.exists(self.key(conversation_id)))
