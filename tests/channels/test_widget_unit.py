"""The widget channel's own logic, without a server: origins, the custom payload, the files,
unreadable input and the per-session flood limit."""
from __future__ import annotations

import html
from typing import Any, Dict, List

import pytest

from bot.channels import widget
from bot.channels.guard import UnreadableBody
from bot.channels.widget import (GuardedJson, OriginPolicy, WidgetInput, WidgetOutput, custom_message,
                                 message_metadata, message_text, parse_origins, summary_request)
from bot.settings import settings
from bot.texts import say

OWN = {"HTTP_HOST": "bot.example.org", "wsgi.url_scheme": "https"}


def test_parse_origins_accepts_lists_and_comma_strings():
    assert parse_origins(None) is None
    assert parse_origins("") is None
    assert parse_origins("https://a.example, https://B.example/") == ["https://a.example", "https://b.example"]
    assert parse_origins(["https://a.example "]) == ["https://a.example"]


def test_development_default_is_own_origin_and_localhost_only():
    policy = OriginPolicy.from_config(None, settings({}))
    assert policy("https://bot.example.org", OWN)
    assert policy("http://localhost:3000", OWN)
    assert policy("http://127.0.0.1:8080", OWN)
    assert not policy("https://evil.example", OWN)
    assert not policy("http://localhost.evil.example", OWN)
    assert not policy(None, OWN)


def test_configured_origins_replace_the_localhost_default():
    policy = OriginPolicy.from_config(["https://www.example.org"], settings({}))
    assert policy("https://www.example.org", OWN)
    assert policy("https://bot.example.org", OWN)  # its own demo page
    assert not policy("http://localhost:3000", OWN)
    assert not policy("https://evil.example", OWN)


def test_the_environment_overrides_credentials_and_star_allows_any():
    env = "WIDGET_ALLOWED_ORIGINS"
    policy = OriginPolicy.from_config(["https://www.example.org"], settings({env: "https://shop.example"}))
    assert policy("https://shop.example", OWN) and not policy("https://www.example.org", OWN)
    assert OriginPolicy.from_config(None, settings({env: "*"}))("https://anything.example", OWN)
    # Set but empty: the credentials apply.
    assert OriginPolicy.from_config(["https://www.example.org"], settings({env: ""}))("https://www.example.org", OWN)
    channel = WidgetInput.from_credentials({"cors_allowed_origins": ["https://www.example.org"]})
    assert channel.origins("https://www.example.org", OWN)


def test_custom_json_is_sent_under_custom_untouched():
    assessment = {"triage": "routine", "causes": [{"id": "restless_legs_syndrome", "likelihood": 0.8}],
                  "red_flags": [], "version": 1}
    assert custom_message({"assessment": assessment}) == {"custom": {"assessment": assessment}}


class RecordingSio:
    """Stands in for the socket.io server: records what the channel emits."""

    def __init__(self) -> None:
        self.emitted: List[Dict[str, Any]] = []

    async def emit(self, event: str, data: Any = None, room: Any = None, namespace: Any = None, **_: Any) -> None:
        self.emitted.append({"event": event, "data": data, "room": room})


async def test_a_message_with_text_buttons_and_custom_is_one_bot_uttered():
    """The card and its text arrive together, so the widget can drop the duplicate text."""
    sio = RecordingSio()
    card = {"version": 1, "level": "routine", "title": "See a doctor in the coming days or weeks"}
    await WidgetOutput(sio, "bot_uttered").send_response("room-1", {
        "text": "See a doctor in the coming days or weeks\n\nWhy: ...",
        "buttons": [{"title": "What you can try", "payload": "/ask_self_care"}],
        "custom": {"assessment": {"triage": "routine", "causes": [], "red_flags": []}, "card": card},
        "timestamp": None, "image": None, "attachment": None, "elements": None, "quick_replies": None,
    })
    assert len(sio.emitted) == 1
    body = sio.emitted[0]["data"]
    assert body["custom"]["card"] == card
    assert body["text"].startswith("See a doctor") and "Why:" in body["text"]
    assert body["quick_replies"] == [{"content_type": "text", "title": "What you can try", "payload": "/ask_self_care"}]

    # Without a custom payload Rasa's behaviour stays: paragraphs as separate bubbles, buttons on the last.
    sio.emitted.clear()
    await WidgetOutput(sio, "bot_uttered").send_response("room-1", {
        "text": "First part.\n\nDo you feel an urge to move?", "buttons": [{"title": "Yes", "payload": "/affirm"}]})
    assert [m["data"]["text"] for m in sio.emitted] == ["First part.", "Do you feel an urge to move?"]
    assert sio.emitted[-1]["data"]["quick_replies"][0]["payload"] == "/affirm"


def test_deeply_nested_json_is_unreadable_not_a_recursion_error():
    deep = "[" * 60_000 + "]" * 60_000
    with pytest.raises(UnreadableBody):
        GuardedJson.loads(deep)
    with pytest.raises(UnreadableBody):
        GuardedJson.loads('["user_uttered", {"message": "hi"')
    assert GuardedJson.loads('["user_uttered", {"message": "caf\u00e9 \u00e9"}]')[1]["message"] == "café é"
    # socket.io packets are decoded with it
    assert widget.GuardedPacket.json is GuardedJson


def test_event_bodies_that_cannot_be_read():
    assert message_text({"message": "my legs shake"}) == "my legs shake"
    assert message_text({}) == ""
    for body in (None, "hello", ["hello"], {"message": 42}, {"message": {"text": "x"}}):
        assert message_text(body) is None, body
    assert message_metadata({"metadata": '{"page": "/"}'}, "metadata") == {"page": "/"}
    assert message_metadata({}, "metadata") == {}
    for bad in ("{not json", "[" * 60_000 + "]" * 60_000, "[1, 2]", 42):
        assert message_metadata({"metadata": bad}, "metadata") is None


def flood_channel(burst: int):
    """The channel's user_uttered handler without a server (no session persistence: sender = socket id)."""
    channel = WidgetInput(session_persistence=False,
                          config=settings({"SENDER_BURST": str(burst), "SENDER_MESSAGES_PER_SECOND": "1"}))
    clock = {"now": 1000.0}
    channel.limiter.clock = lambda: clock["now"]
    received: List[Any] = []

    async def on_new_message(message) -> None:
        received.append(message)

    channel.blueprint(on_new_message)
    sio = RecordingSio()
    handler = channel.sio.handlers["/"]["user_uttered"]
    channel.sio.emit = sio.emit  # type: ignore[method-assign]
    return handler, received, sio.emitted, clock


async def test_one_session_flooding_is_told_to_slow_down_once_and_its_extra_messages_dropped():
    handler, received, emitted, clock = flood_channel(burst=3)
    for n in range(20):
        await handler("socket-a", {"message": f"message {n}"})
    assert [m.text for m in received] == ["message 0", "message 1", "message 2"]
    assert [e["data"]["text"] for e in emitted] == [say("service.slow_down")]
    assert emitted[0]["room"] == "socket-a"
    # Another session is not affected.
    await handler("socket-b", {"message": "my legs shake"})
    assert received[-1].sender_id == "socket-b"
    # After a pause the first one is read again, and a new flood gets one new warning.
    clock["now"] += 2
    await handler("socket-a", {"message": "sorry"})
    assert received[-1].text == "sorry"
    for _ in range(10):
        await handler("socket-a", {"message": "again"})
    assert [e["data"]["text"] for e in emitted].count(say("service.slow_down")) == 2


async def test_an_unreadable_event_body_gets_a_clear_reply_not_a_crash():
    handler, received, emitted, _ = flood_channel(burst=10)
    for body in (None, "just a string", {"message": 42}, {"message": "hi", "metadata": "{broken"}):
        await handler("socket-a", body)
    assert received == []
    assert [e["data"]["text"] for e in emitted] == [say("widget.unreadable")] * 4


def test_summary_links_are_a_token_and_html_or_pdf():
    assert summary_request("abc.def.html") == ("abc.def", "html")
    assert summary_request("abc.pdf") == ("abc", "pdf")
    for bad in ("abc", "abc.exe", ".pdf", "abc."):
        assert summary_request(bad) is None, bad


def test_credentials_defaults_and_the_root_path_is_refused():
    channel = WidgetInput.from_credentials(None)
    assert channel.session_persistence is True
    assert channel.widget_path == "/chat"
    assert channel.socketio_path == "/socket.io"
    assert WidgetInput.from_credentials({"widget_path": "help/chat/"}).widget_path == "/help/chat"
    with pytest.raises(ValueError):
        WidgetInput.from_credentials({"widget_path": "/"})


def test_every_served_file_exists_except_the_npm_client_when_not_installed():
    for name, (path, _) in widget.WIDGET_FILES.items():
        if path.is_relative_to(widget.SOCKETIO_CLIENT_DIR):
            continue
        assert path.is_file(), name


class OneTrackerStore:
    """The agent's tracker store, holding one conversation."""

    def __init__(self, tracker) -> None:
        self.tracker = tracker

    async def retrieve(self, sender_id: str):
        return self.tracker if self.tracker is not None and sender_id == self.tracker.sender_id else None


def summary_request_for(tracker):
    from types import SimpleNamespace

    agent = SimpleNamespace(tracker_store=OneTrackerStore(tracker))
    return SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(agent=agent)))


async def test_the_summary_routes_render_the_signed_conversation_and_nothing_else():
    import io

    from pypdf import PdfReader
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import summary as summaries
    from tests.presentation.test_summary import conversation

    sender = "widget-session-1"
    events, _ = conversation("my legs get a creepy crawly feeling in bed and I have to get up and walk")
    request = summary_request_for(DialogueStateTracker.from_dict(sender, events))
    token = summaries.sign(sender)

    pdf = await widget.summary_response(request, f"{token}.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    assert say("summary.title") in " ".join(text.split())
    assert sender not in text

    page = await widget.summary_response(request, f"{token}.html")
    assert page.status == 200 and say("summary.title") in page.body.decode()

    for name in (f"{summaries.sign('someone-else')}.pdf", f"x{token}.pdf", f"{token}.exe", "nothing"):
        gone = await widget.summary_response(request, name)
        assert gone.status == 404 and html.escape(say("widget.summary_gone")) in gone.body.decode()
        assert say("summary.title") not in gone.body.decode()
    expired = summaries.sign(sender, ttl_s=-10)
    assert (await widget.summary_response(request, f"{expired}.html")).status == 404
