"""The REST channel (bot/channels/rest.py) through its own HTTP routes on a real Sanic server
(no Rasa: the assistant is a stand-in that echoes), for what a client sees on bad bodies and
floods."""
from __future__ import annotations

import json
from typing import Any, AsyncIterator, List

import aiohttp
import pytest
from sanic import Sanic

from bot.channels.guard import SenderRateLimiter
from bot.channels.rest import RestInput
from bot.texts import say
from tests.support.servers import free_port


class Webhook:
    def __init__(self, session: aiohttp.ClientSession, url: str, heard: List[str]) -> None:
        self.session, self.url, self.heard = session, url, heard

    async def post(self, body: Any) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with self.session.post(self.url, data=data) as reply:
            return reply.status, await reply.json()

    async def say(self, sender: str, text: str) -> List[str]:
        status, replies = await self.post({"sender": sender, "message": text})
        assert status == 200, replies
        return [r["text"] for r in replies]


async def serve(limiter: SenderRateLimiter) -> AsyncIterator[Webhook]:
    heard: List[str] = []

    async def assistant(message: Any) -> None:
        heard.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, f"you said: {message.text}")

    app = Sanic(f"rest_test_{free_port()}")
    app.blueprint(RestInput(limiter).blueprint(assistant), url_prefix="/webhooks/rest")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    try:
        async with aiohttp.ClientSession() as session:
            yield Webhook(session, f"http://127.0.0.1:{port}/webhooks/rest/webhook", heard)
    finally:
        server.close()
        await server.wait_closed()


class StoppedClock:
    """Time stands still: a sender's allowance never refills during the test."""

    def __call__(self) -> float:
        return 0.0


@pytest.fixture
async def webhook(monkeypatch):
    # Sanic 21.12 rewrites its HTTP code at the first start; in test mode it keeps the original,
    # so more than one app can start in one process (what its own test client does).
    monkeypatch.setattr(Sanic, "test_mode", True)
    async for hook in serve(SenderRateLimiter(per_second=1.0, burst=3, clock=StoppedClock())):
        yield hook


@pytest.mark.parametrize("depth", [50_000, 100_000])
async def test_deeply_nested_json_gets_400_not_500(webhook, depth):
    for deep in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        status, reply = await webhook.post(deep)
        assert status == 400 and "must be JSON" in reply["error"]
    assert await webhook.say("after", "my legs shake") == ["you said: my legs shake"]  # still serving


async def test_bad_bodies_get_400_with_a_reason(webhook):
    for body, reason in ((b"[]", "JSON object"), ({"message": "hi"}, "sender"),
                         ({"sender": "a", "message": {"x": 1}}, "message")):
        status, reply = await webhook.post(body)
        assert status == 400 and reason in reply["error"]
    assert webhook.heard == []


async def test_a_flooding_sender_is_asked_to_slow_down_once_and_others_go_on(webhook):
    for i in range(3):  # the burst goes through
        assert await webhook.say("flood", f"message {i}") == [f"you said: message {i}"]
    assert await webhook.say("flood", "message 3") == [say("service.slow_down")]
    for i in range(4, 20):
        assert await webhook.say("flood", f"message {i}") == []  # no flood of replies
    assert webhook.heard == ["message 0", "message 1", "message 2"]  # the rest never reached Rasa
    assert await webhook.say("someone else", "my calves cramp") == ["you said: my calves cramp"]


def test_the_limits_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("SENDER_BURST", "4")
    monkeypatch.setenv("SENDER_MESSAGES_PER_SECOND", "0.5")
    limiter = RestInput().limiter
    assert (limiter.burst, limiter.per_second) == (4, 0.5)
