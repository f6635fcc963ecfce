"""bot.privacy.store.ConsentingTrackerStore: what reaches the SQL store, per consent and default.

The store runs alone here (no server): a real SQLite file, the project's domain, trackers built
from Rasa events the way the server builds them.
"""
from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import List

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.store import ConsentingTrackerStore
from tests.production.support import REDIS_HOST, REDIS_PORT, REDIS_TEST_DB, require_redis
from tests.support.servers import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def opening(text: str = "my legs shake at night") -> List[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
            UserUttered(text, {"name": "describe_symptoms", "confidence": 1.0}),
            ActionExecuted("action_triage_turn"), BotUttered("Does it happen at rest?"),
            ActionExecuted("action_listen")]


def turn(text: str, intent: str, action: str, *events: Event) -> List[Event]:
    return [UserUttered(text, {"name": intent, "confidence": 1.0}), ActionExecuted(action), *events,
            ActionExecuted("action_listen")]


def make_store(tmp_path: Path, monkeypatch, default: str, **kwargs) -> ConsentingTrackerStore:
    monkeypatch.setenv("PRIVACY_DEFAULT", default)
    return ConsentingTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "trackers.db"), **kwargs)


def stored_user_texts(tmp_path: Path, sender: str) -> List[str]:
    import json

    with sqlite3.connect(tmp_path / "trackers.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                          (sender,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def tracker(sender: str, events: List[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


async def test_until_the_person_agrees_nothing_is_written_then_the_whole_conversation_is(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "ask")
    events = opening()
    await store.save(tracker("alice", events))
    assert stored_user_texts(tmp_path, "alice") == []
    held = await store.retrieve("alice")
    assert held is not None and held.latest_message.text == "my legs shake at night"  # kept in memory meanwhile

    events += turn("/privacy_accept", "privacy_accept", "action_privacy_accept", SlotSet("storage_consent", "granted"))
    await store.save(tracker("alice", events))
    assert stored_user_texts(tmp_path, "alice") == ["my legs shake at night", "/privacy_accept"]

    events += turn("yes", "affirm", "action_triage_turn")
    await store.save(tracker("alice", events))
    assert stored_user_texts(tmp_path, "alice") == ["my legs shake at night", "/privacy_accept", "yes"]
    assert store.ephemeral.get("alice") is None


async def test_agreeing_again_in_a_later_session_writes_that_session_whole(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "ask")
    agreed = turn("/privacy_accept", "privacy_accept", "action_privacy_accept", SlotSet("storage_consent", "granted"))
    await store.save(tracker("ivy", opening("monday words") + agreed))
    # Twelve hours later: a new session, consent not carried over, held until she agrees again.
    later = opening("thursday words") + turn("more thursday words", "describe_symptoms", "action_triage_turn")
    await store.save(tracker("ivy", later))
    assert stored_user_texts(tmp_path, "ivy") == ["monday words", "/privacy_accept"]
    await store.save(tracker("ivy", later + agreed))
    assert stored_user_texts(tmp_path, "ivy") == ["monday words", "/privacy_accept", "thursday words",
                                                  "more thursday words", "/privacy_accept"]


async def test_declining_after_agreeing_erases_what_was_kept(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "ask")
    events = opening() + turn("/privacy_accept", "privacy_accept", "action_privacy_accept",
                              SlotSet("storage_consent", "granted"))
    await store.save(tracker("bob", events))
    assert len(stored_user_texts(tmp_path, "bob")) == 2
    events += turn("/privacy_decline", "privacy_decline", "action_privacy_decline", SlotSet("storage_consent", "declined"))
    await store.save(tracker("bob", events))
    assert stored_user_texts(tmp_path, "bob") == []
    events += turn("yes", "affirm", "action_triage_turn")
    await store.save(tracker("bob", events))
    assert stored_user_texts(tmp_path, "bob") == []
    assert (await store.retrieve("bob")).latest_message.text == "yes"  # the interview goes on


async def test_store_default_keeps_without_asking_and_a_decline_keeps_nothing(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "store")
    await store.save(tracker("carol", opening()))
    assert stored_user_texts(tmp_path, "carol") == ["my legs shake at night"]
    declined = opening("my calves cramp") + turn("/privacy_decline", "privacy_decline", "action_privacy_decline",
                                                 SlotSet("storage_consent", "declined"))
    await store.save(tracker("dave", declined))
    assert stored_user_texts(tmp_path, "dave") == []


async def test_ephemeral_default_never_writes_even_after_a_yes(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "ephemeral")
    events = opening() + turn("/privacy_accept", "privacy_accept", "action_privacy_accept",
                              SlotSet("storage_consent", "granted"))
    await store.save(tracker("erin", events))
    assert stored_user_texts(tmp_path, "erin") == []
    assert (await store.retrieve("erin")).latest_message.text == "/privacy_accept"


async def test_an_ephemeral_conversation_keeps_only_its_current_session(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "ephemeral")
    events = opening("first session words") + opening("second session words")
    await store.save(tracker("fay", events))
    texts = [e.get("text") for e in store.ephemeral.get("fay") if e.get("event") == "user"]
    assert texts == ["second session words"]


async def test_forget_drops_an_ephemeral_conversation(tmp_path, monkeypatch):
    store = make_store(tmp_path, monkeypatch, "ask")
    events = opening()
    await store.save(tracker("gus", events))
    events += turn("/confirm_delete", "confirm_delete", "action_delete_my_data")
    await store.save(tracker("gus", events))
    assert await store.retrieve("gus") is None


async def test_with_redis_conversations_not_kept_live_in_redis_with_a_ttl(tmp_path, monkeypatch):
    import redis

    require_redis()  # skips on a machine without Redis, fails on CI
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB, socket_timeout=5)
    prefix = f"privacytest{uuid.uuid4().hex[:8]}"
    kwargs = dict(ephemeral_redis_host=REDIS_HOST, ephemeral_redis_port=str(REDIS_PORT),
                  ephemeral_redis_db=str(REDIS_TEST_DB),
                  ephemeral_redis_password="", ephemeral_key_prefix=prefix)
    try:
        store = make_store(tmp_path, monkeypatch, "ask", **kwargs)
        await store.save(tracker("hal", opening()))
        key = f"{prefix}:ephemeral:hal"
        assert 0 < client.ttl(key) <= DOMAIN.session_config.session_expiration_time * 60
        assert stored_user_texts(tmp_path, "hal") == []
        other_replica = make_store(tmp_path, monkeypatch, "ask", **kwargs)
        assert (await other_replica.retrieve("hal")).latest_message.text == "my legs shake at night"
    finally:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
