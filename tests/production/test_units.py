"""The pure parts of bot.resilience and bot.channels.rest (no server)."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot import resilience
from bot.channels.rest import BadRequest, parse_body


# --------------------------------------------------------------------------- bot.resilience
@pytest.mark.parametrize("raw, cleaned", [
    ("  hello  ", "hello"),
    ("my\x00legs", "my legs"),
    ("\x1b[31mred", "[31mred"),
    ("a\ud800b", "a\ufffdb"),
    ("tab\tand\nnewline", "tab\tand\nnewline"),
    ("\x85\x9f", ""),
    (None, ""),
])
def test_clean_text(raw, cleaned):
    assert resilience.clean_text(raw) == cleaned


class FakeDomain:
    intents = ["greet", "affirm", "delete_my_data", "restart"]
    entities = ["feature", "cause"]


@pytest.mark.parametrize("text, expected", [
    ("/forget", "/delete_my_data"),
    ("//forget", "/delete_my_data"),
    ("/greet", "/greet"),
    ('/greet{"feature": "shaking"}', '/greet{"feature": "shaking"}'),
    ('/greet{"password": "x"}', 'greet{"password": "x"}'),
    ("/greet{not json", "greet{not json"),
    ("/affirm@0.2", "affirm@0.2"),
    ("/nonexistent_intent", "/greet"),  # an unknown payload greets
    ("/get_started", "/greet"),  # rasa-webchat's opening payload
    ('/get_started{"x": 1}', "/greet"),
    ("/summary", "/request_summary"),  # Telegram-style commands typed anywhere
    ("/my legs shake", "my legs shake"),
    ("/forget everything", "forget everything"),
    ("//////", ""),
    ("hello /forget", "hello /forget"),
])
def test_rewrite_command(text, expected):
    assert resilience.rewrite_command(text, FakeDomain()) == expected


def test_prepare_text_refuses_empty_and_oversized(monkeypatch):
    with pytest.raises(resilience.InputRefused) as empty:
        resilience.prepare_text(" \x00 ")
    assert empty.value.reply == resilience.EMPTY_REPLY
    with pytest.raises(resilience.InputRefused):
        resilience.prepare_text("///", FakeDomain())
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "10")
    with pytest.raises(resilience.InputRefused) as long:
        resilience.prepare_text("x" * 11)
    assert "10 characters" in long.value.reply
    assert resilience.prepare_text("x" * 10) == "x" * 10


async def test_a_failing_custom_action_becomes_the_friendly_reply(monkeypatch):
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered
    from rasa.shared.exceptions import RasaException

    async def down(*args):
        raise RasaException("Failed to execute custom action 'x'. Couldn't connect to the server.")

    async def rejects(*args):
        raise ActionExecutionRejection("x")

    class Action:
        def name(self):
            return "action_x"

    monkeypatch.setattr(resilience, "ACTION_RETRY_DELAY_S", 0.0)
    events = await resilience.guard_remote_action_run(down)(Action(), None, None, None, None)
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    assert events[0].text == resilience.TROUBLE_REPLY
    with pytest.raises(ActionExecutionRejection):
        await resilience.guard_remote_action_run(rejects)(Action(), None, None, None, None)
    resilience.install()
    resilience.install()  # idempotent
    assert getattr(RemoteAction.run, "__leg_triage_guard__", False)


# --------------------------------------------------------------------------- bot.channels.rest
def test_parse_body():
    assert parse_body(b'{"sender": "a", "message": "hi"}')["sender"] == "a"
    assert parse_body(b'{"sender": 7, "message": ""}')["sender"] == "7"
    for bad in (b"", b"{", b"[]", b'{"sender": true, "message": "x"}', b'{"sender": "a"}',
                b'{"sender": "a\\n", "message": "x"}', b'{"sender": "a", "message": {}}'):
        with pytest.raises(BadRequest):
            parse_body(bad)


async def test_a_failed_connection_to_the_action_server_is_retried_once(monkeypatch):
    from rasa.shared.exceptions import RasaException

    calls = []

    async def flaky(*args):
        calls.append(1)
        if len(calls) == 1:
            try:
                raise aiohttp.ClientOSError(104, "Connection reset by peer")
            except aiohttp.ClientConnectionError:
                raise RasaException("Failed to execute custom action 'x'. Couldn't connect")
        return ["events"]

    class Action:
        def name(self):
            return "action_x"

    monkeypatch.setattr(resilience, "ACTION_RETRY_DELAY_S", 0.0)
    assert await resilience.guard_remote_action_run(flaky)(Action(), None, None, None, None) == ["events"]
    assert len(calls) == 2

    async def server_error(*args):
        calls.append(1)
        raise RasaException("Failed to execute custom action 'x'")  # a 5xx: not retried

    calls.clear()
    events = await resilience.guard_remote_action_run(server_error)(Action(), None, None, None, None)
    assert len(calls) == 1 and events[0].text == resilience.TROUBLE_REPLY


def test_is_connection_failure():
    try:
        try:
            raise ConnectionResetError("Cannot write to closing transport")
        except ConnectionError:
            raise RuntimeError("wrapped")
    except RuntimeError as wrapped:
        assert resilience.is_connection_failure(wrapped)
    assert not resilience.is_connection_failure(ValueError("x"))
    assert not resilience.is_connection_failure(asyncio.TimeoutError())


async def test_the_tracker_store_fails_instead_of_falling_back_to_memory():
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise OSError("database down")

        async def save(self, tracker):
            raise OSError("database down")

    store = resilience.create_fail_fast_tracker_store(Broken(Domain.empty()), Domain.empty())
    with pytest.raises(resilience.TrackerStoreUnavailable):
        await store.retrieve("someone")
    with pytest.raises(resilience.TrackerStoreUnavailable):
        await store.save(DialogueStateTracker.from_events("someone", []))
    assert store._fallback_tracker_store is None, "nothing was kept in memory instead"
