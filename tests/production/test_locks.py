"""bot.locks.AtomicRedisLockStore on the machine's Redis (the tests' db, a random key prefix):
two store objects stand for two replicas."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from bot.locks import AtomicRedisLockStore
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig
from tests.production.support import REDIS_HOST, REDIS_PORT, REDIS_TEST_DB, delete_redis_keys, require_redis


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
    assert not replicas[0].is_someone_waiting("someone"), "released at the end"


async def test_other_conversations_are_not_blocked(replicas):
    first, second = replicas
    async with first.lock("alice"):
        async with second.lock("bob"):  # would time out if the lock were global
            assert first.is_someone_waiting("alice") and first.is_someone_waiting("bob")


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
    assert not first.is_someone_waiting("dave")


async def test_release_only_removes_the_holders_own_lock(replicas):
    first, second = replicas
    async with first.lock("erin", lock_lifetime=0.2):
        await asyncio.sleep(0.4)  # the lease ran out inside...
        async with second.lock("erin", lock_lifetime=5):
            pass  # ...so another could take it; the first one's release must not free the second's
    async with second.lock("frank", lock_lifetime=5):
        first._release(first.key("frank"), "not-the-token")
        assert second.is_someone_waiting("frank")
