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
poll every 50-100 ms (Rasa: every second). The holder takes a 10 s lease (``LEASE_S``) and renews
it every few seconds while its turn runs, up to the lock's lifetime (``TICKET_LOCK_LIFETIME``,
Rasa's variable, default 60 s); so a replica that dies holding a conversation frees it within
10 s. A waiter gives up with ``LockError`` after one lifetime. Messages of one user that arrive together run one at a time, in
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

Every Redis call is asynchronous (``redis.asyncio``) and short: Rasa's store uses the blocking
client with a 10 s timeout inside the event loop, so one hung Redis froze the whole replica and
users waiting behind each other got 10, 20, 30 s of silence. Here a hung Redis costs each waiting
user at most ``LOCK_REDIS_TIMEOUT_S`` (default 2 s), then ``bot/resilience.py``'s friendly
"having trouble" reply, and the replica keeps serving the rest. Taking the lock gets two attempts
of half that each: Rasa runs the model inside the event loop, so on a crowded machine the loop
can stall for a second and a timer can fire on an answer that was already there; the second
attempt absorbs that, a hung Redis fails both.
"""
from __future__ import annotations

import asyncio
import logging
import random
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Awaitable, Optional, Text, TypeVar

import redis
import redis.asyncio
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import settings

logger = logging.getLogger(__name__)

POLL_S = 0.05
#: The lease a holder takes and keeps renewing while its turn runs (never beyond the lock's
#: lifetime). Short, so that a lock outlives its holder by seconds, not a minute: a replica
#: killed during a turn, or a `SET` that a hung Redis executes after the client gave up on it.
LEASE_S = 10.0
#: Deletes the key only if it still holds this holder's token.
RELEASE_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
end
return 0
"""
#: Sets the key's time to live only if it still holds this holder's token.
RENEW_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("pexpire", KEYS[1], ARGV[2])
end
return 0
"""
T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    """One holder per conversation at a time, across every replica sharing the Redis."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a custom lock store as `Class(endpoint_config=...)`; tests may pass kwargs.
        if endpoint_config is not None:
            kwargs = {**endpoint_config.kwargs, **kwargs}
            kwargs.setdefault("host", endpoint_config.url or "localhost")
        #: What a hung Redis may cost a waiting user, in seconds; each call gets a little under
        #: half of it (two attempts, and the scheduling around them).
        self.timeout = float(kwargs.pop("timeout", None) or settings().lock_redis_timeout_s)
        self.call_timeout = self.timeout * 0.45
        kwargs["socket_timeout"] = self.call_timeout
        super().__init__(**kwargs)  # Rasa's blocking client (self.red) is never used here
        pool_options = self.red.connection_pool.connection_kwargs
        self.client = redis.asyncio.Redis(
            host=pool_options["host"], port=pool_options["port"], db=pool_options["db"],
            username=pool_options.get("username"), password=pool_options.get("password"),
            ssl=bool(kwargs.get("use_ssl")), ssl_certfile=kwargs.get("ssl_certfile"),
            ssl_keyfile=kwargs.get("ssl_keyfile"), ssl_ca_certs=kwargs.get("ssl_ca_certs"),
            socket_timeout=self.call_timeout, socket_connect_timeout=self.call_timeout,
        )

    def key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}{conversation_id}"

    async def _bounded(self, call: Awaitable[T]) -> T:
        """One Redis call, never longer than its timeout (the socket timeouts bound each read;
        this also bounds a connect that hangs after the TCP handshake)."""
        try:
            return await asyncio.wait_for(call, self.call_timeout)
        except asyncio.TimeoutError as error:
            raise redis.TimeoutError("Redis did not answer in time") from error

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_S,
    ) -> AsyncGenerator[None, None]:
        key = self.key(conversation_id)
        token = uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lock_lifetime
        lease = min(LEASE_S, lock_lifetime)
        poll = min(wait_time_in_seconds, POLL_S)
        while not await self._try_set(key, token, lease):
            if loop.time() > deadline:
                raise LockError(f"Could not acquire the lock of a conversation within {lock_lifetime:.0f} s.")
            await asyncio.sleep(poll + random.uniform(0, poll))
        renewal = asyncio.ensure_future(self._renew(key, token, lease, until=loop.time() + lock_lifetime))
        try:
            yield None
        finally:
            renewal.cancel()
            await self._release(key, token)

    async def _try_set(self, key: Text, token: Text, lease: float) -> bool:
        for attempt in (1, 2):
            try:
                return bool(await self._bounded(self.client.set(key, token, nx=True, px=_ms(lease))))
            except redis.TimeoutError:
                # The command may still run once Redis answers again, taking the lock for nobody:
                # undo it then, in the background (the short lease bounds it anyway).
                asyncio.ensure_future(self._undo_late_set(key, token, lease))
                if attempt == 2:
                    raise
        return False

    async def _undo_late_set(self, key: Text, token: Text, lease: float) -> None:
        """Deletes this holder's key once Redis answers again (for at most one lease)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + lease
        while loop.time() < give_up:
            try:
                await self._bounded(self.client.eval(RELEASE_SCRIPT, 1, key, token))
                return
            except redis.RedisError:
                await asyncio.sleep(self.call_timeout)

    async def _renew(self, key: Text, token: Text, lease: float, until: float) -> None:
        """Keeps the lease while the turn runs, up to the lock's lifetime (Rasa's meaning)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(lease / 3)
            left = until - loop.time()
            if left <= 0:
                return
            try:
                await self._bounded(self.client.eval(RENEW_SCRIPT, 1, key, token, _ms(min(lease, left))))
            except redis.RedisError as error:  # Redis is failing: the turn fails or ends on its own
                logger.debug("Could not renew a conversation lock (%s).", type(error).__name__)

    async def _release(self, key: Text, token: Text) -> None:
        try:
            await self._bounded(self.client.eval(RELEASE_SCRIPT, 1, key, token))
        except redis.RedisError as error:  # tried again in the background; the lease bounds it anyway
            logger.warning("Could not release a conversation lock (%s); trying again.", type(error).__name__)
            asyncio.ensure_future(self._undo_late_set(key, token, LEASE_S))

    async def is_locked(self, conversation_id: Text) -> bool:
        """Whether the conversation is locked right now (waiters are not recorded)."""
        return bool(await self._bounded(self.client.exists(self.key(conversation_id))))


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
