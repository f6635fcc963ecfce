"""bot.locks.AtomicRedisLockStore on the machine's Redis (the tests' db, a random key prefix):
two store objects stand for two replicas."""
from __future__ import annotations

import asyncio
import os
import signal
import uuid

import pytest
import redis
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.locks import AtomicRedisLockStore
from tests.production.support import (
    REDIS_HOST,
    REDIS_PORT,
    REDIS_TEST_DB,
    PrivateRedis,
    delete_redis_keys,
    require_redis,
)


@pytest.fixture
def replicas():
    require_redis()
    prefix = f"legtriagelocktest{uuid.uuid4().hex[:8]}"
    config = EndpointConfig(url=REDIS_HOST, type="bot.locks.AtomicRedisLockStore", port=str(REDIS_PORT),
                            db=str(REDIS_TEST_DB), password="", key_prefix=prefix)
    try:
        yield AtomicRedisLockStore(endpoint_config=config), AtomicRedisLockStore(endpoint_config=config)
    finally:
        delete_redis_keys(prefix)


async def test_one_holder_at_a_time_across_replicas(replicas):
    """A read-modify-write under the lock from 40 tasks on two 'replicas': nothing is lost."""
    counter = {"value": 0, "inside": 0, "most_inside": 0}

    async def turn(store: AtomicRedisLockStore) -> None:
        async with store.lock("someone"):
            counter["inside"] += 1
            counter["most_inside"] = max(counter["most_inside"], counter["inside"])
            value = counter["value"]
            await asyncio.sleep(0.005)
            counter["value"] = value + 1
            counter["inside"] -= 1

    await asyncio.gather(*(turn(replicas[i % 2]) for i in range(40)))
    assert counter["value"] == 40
    assert counter["most_inside"] == 1
    assert not await replicas[0].is_locked("someone"), "released at the end"


async def test_other_conversations_are_not_blocked(replicas):
    first, second = replicas
    async with first.lock("alice"):
        async with second.lock("bob"):  # would time out if the lock were global
            assert await first.is_locked("alice") and await first.is_locked("bob")


async def test_a_dead_holder_frees_the_conversation_after_its_lease(replicas):
    first, second = replicas
    dead = first.lock("carol", lock_lifetime=0.5)
    await dead.__aenter__()  # a replica that takes the lock and dies: never released
    async with second.lock("carol", lock_lifetime=5):
        pass
    holder = first.lock("dave", lock_lifetime=10)
    await holder.__aenter__()
    with pytest.raises(LockError):  # and a waiter gives up after one lease
        async with second.lock("dave", lock_lifetime=0.3):
            pass
    await holder.__aexit__(None, None, None)
    assert not await first.is_locked("dave")


async def test_release_only_removes_the_holders_own_lock(replicas):
    first, second = replicas
    async with first.lock("erin", lock_lifetime=0.2):
        await asyncio.sleep(0.4)  # the lease ran out inside...
        async with second.lock("erin", lock_lifetime=5):
            pass  # ...so another could take it; the first one's release must not free the second's
    async with second.lock("frank", lock_lifetime=5):
        await first._release(first.key("frank"), "not-the-token")
        assert await second.is_locked("frank")


@pytest.fixture
def hung_redis(tmp_path):
    """A private redis-server, stopped with SIGSTOP: it accepts connections and never answers
    (what a frozen or swapping Redis host looks like). Never the machine's shared Redis."""
    server = PrivateRedis(tmp_path)
    server.start()
    os.kill(server.popen.pid, signal.SIGSTOP)
    try:
        yield server
    finally:
        os.kill(server.popen.pid, signal.SIGCONT)
        server.stop()


async def test_a_hung_redis_fails_each_waiting_turn_quickly_and_alone(hung_redis):
    """Three users' turns at once on a hung Redis: each gets a Redis timeout error (which the
    assistant turns into its friendly reply) within about one timeout, side by side, and the
    event loop keeps running meanwhile (the blocking client froze it, one user after another)."""
    config = EndpointConfig(url="127.0.0.1", type="bot.locks.AtomicRedisLockStore", port=str(hung_redis.port),
                            db="0", password="", key_prefix="hung")
    store = AtomicRedisLockStore(endpoint_config=config)
    assert store.timeout <= 2, "what a hung Redis may cost a waiting user is configured to 2 s at most"
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def turn(user: str) -> BaseException:
        try:
            async with store.lock(user):
                pass
        except BaseException as error:  # noqa: BLE001 (what the turn raised is the result)
            return error
        raise AssertionError("a hung Redis granted a lock")

    beat = asyncio.ensure_future(heartbeat())
    errors = await asyncio.gather(*(turn(f"user-{i}") for i in range(3)))
    beat.cancel()
    assert all(isinstance(e, redis.RedisError) for e in errors), errors
    assert ticks > 10, "the event loop was blocked while Redis hung"


def test_the_lock_timeout_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("LOCK_REDIS_TIMEOUT_S", "0.5")
    store = AtomicRedisLockStore(host="127.0.0.1", port=1, db=0, key_prefix="x")
    assert store.timeout == 0.5
    assert store.client.connection_pool.connection_kwargs["socket_timeout"] * 2 < 0.5, "two attempts fit in it"


async def test_a_long_turn_keeps_its_lock_and_a_dead_holder_frees_it_within_the_short_lease(replicas, monkeypatch):
    """The holder renews its short lease while its turn runs (the turn outlives the lease and
    nobody else gets in); a holder that stops renewing (a killed replica) frees the conversation
    after one lease, not after the lock's whole lifetime."""
    import bot.locks

    monkeypatch.setattr(bot.locks, "LEASE_S", 0.6)
    first, second = replicas
    async with first.lock("gina", lock_lifetime=30):
        await asyncio.sleep(1.5)  # longer than the lease: renewed meanwhile
        with pytest.raises(LockError):
            async with second.lock("gina", lock_lifetime=0.5):
                pass
    dead = first.lock("hank", lock_lifetime=30)
    await dead.__aenter__()
    for task in asyncio.all_tasks():  # the replica dies: its renewal stops
        if task.get_coro().__qualname__.endswith("_renew"):
            task.cancel()
    async with second.lock("hank", lock_lifetime=5):  # free after one short lease
        pass


async def test_a_set_that_a_hung_redis_runs_late_does_not_leave_the_conversation_locked(tmp_path):
    """A hung Redis executes the lock commands queued while it hung once it resumes, after the
    client gave up on them: that late lock is undone, the user's next turn gets in at once."""
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        config = EndpointConfig(url="127.0.0.1", type="bot.locks.AtomicRedisLockStore", port=str(server.port),
                                db="0", password="", key_prefix="late")
        store = AtomicRedisLockStore(endpoint_config=config)
        async with store.lock("ivy"):  # a working connection first
            pass
        os.kill(server.popen.pid, signal.SIGSTOP)
        try:
            with pytest.raises(redis.RedisError):
                async with store.lock("ivy"):
                    pass
        finally:
            os.kill(server.popen.pid, signal.SIGCONT)
        async with store.lock("ivy", lock_lifetime=3):  # not held by the ghost for a lease
            pass
    finally:
        server.stop()
