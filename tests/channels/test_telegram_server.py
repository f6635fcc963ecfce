"""The Telegram channel end to end: real update JSON posted to the webhook of a running Rasa server
(trained model, action server), replies recorded by a fake Bot API server; and the polling
command, fed through the fake server's getUpdates. One stack for the whole module."""
from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional

import requests
from pypdf import PdfReader

from bot.engine import MAX_QUESTIONS
from bot.knowledge import load_knowledge
from bot.texts import say as text_for
from tests.channels.telegram_support import *  # noqa: F401,F403 (fixtures)
from tests.channels.telegram_support import (
    FLOOD_BURST,
    SECRET,
    TOKEN,
    WEBHOOK_URL,
    TelegramStack,
    Updates,
    wait_for,
)
from tests.support.servers import ROOT

ROUTE_TITLES = {level.title for level in load_knowledge().triage_levels.values()}


def new_chat() -> int:
    return random.randint(10**8, 10**9)


def say(ts: TelegramStack, chat: int, text: str) -> List[Dict[str, Any]]:
    """Sends a text message; returns the bot's sendMessage calls it caused."""
    before = len(ts.api.sent(chat))
    response = ts.post(Updates.text(chat, text))
    assert response.status_code == 200, response.text
    return ts.api.sent(chat)[before:]


def buttons(messages: List[Dict[str, Any]]) -> Dict[str, str]:
    """title -> callback data of the inline keyboard in these messages."""
    found: Dict[str, str] = {}
    for message in messages:
        markup = message.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for key in row:
                found[key["text"]] = key["callback_data"]
    return found


def press(ts: TelegramStack, chat: int, messages: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
    data = buttons(messages)[title]
    query_id = f"q-{random.getrandbits(40)}"
    before = len(ts.api.sent(chat))
    response = ts.post(Updates.callback(chat, data, query_id=query_id))
    assert response.status_code == 200, response.text
    answered = [c for c in ts.api.calls_to("answerCallbackQuery") if c.params.get("callback_query_id") == query_id]
    assert len(answered) == 1 and "text" not in answered[0].params
    return ts.api.sent(chat)[before:]


def route_title(text: str) -> str:
    return text.splitlines()[0].removeprefix("⚠️ ") if text else ""


def route_message(messages: List[Dict[str, Any]]) -> Optional[str]:
    """The conclusion: the card, whose first line is the route's title."""
    return next((m["text"] for m in messages if route_title(m["text"]) in ROUTE_TITLES), None)


def test_the_webhook_is_set_with_the_secret_at_start(telegram_stack):
    api = telegram_stack.api
    wait_for(lambda: api.count("setWebhook"), 30, "setWebhook")
    [hook] = api.calls_to("setWebhook")
    assert hook.params["url"] == WEBHOOK_URL
    assert hook.params["secret_token"] == SECRET
    assert all(c.token == TOKEN for c in api.calls)


def interview_to_conclusion(ts: TelegramStack, chat: int,
                            opening: str = "my legs shake at night") -> List[Dict[str, Any]]:
    """Answers "No" to every question; returns the messages of the turn that concluded."""
    replies = say(ts, chat, opening)
    for _ in range(MAX_QUESTIONS + 2):
        if route_message(replies):
            return replies
        assert list(buttons(replies)) == ["Yes", "No", "Not sure"], replies
        replies = press(ts, chat, replies, "No")
    raise AssertionError(ts.api.texts(chat))


def test_a_full_conversation_by_text_and_buttons_ends_with_the_assessment_as_text(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    greeting = say(ts, chat, "/start")
    assert "not a doctor" in " ".join(m["text"] for m in greeting)
    replies = interview_to_conclusion(ts, chat)
    # ONE message: the card (route first, why, see a doctor if, disclaimer) with the follow-ups
    # as its keyboard; the server's plain-text copy of the same card is not sent a second time.
    [conclusion] = [m for m in replies if route_title(m["text"]) in ROUTE_TITLES]
    route = conclusion["text"]
    assert text_for("presentation.heading_see_doctor_if") in route and text_for("common.not_a_diagnosis") in route
    assert route.index(text_for("presentation.heading_why")) < route.index(text_for("common.not_a_diagnosis"))
    assert "{" not in route and '"triage"' not in route  # rendered, not the JSON
    assert not any(m["text"].startswith(route_title(route) + ".") for m in replies)  # no duplicate card text
    # the follow-up buttons work too: "Why?" gets an explanation
    assert {"Why?", "Start over", text_for("presentation.more_summary")} <= set(buttons([conclusion]))
    why = press(ts, chat, replies, "Why?")
    assert why and "Why" in why[0]["text"]
    for message in ts.api.sent(chat):
        assert len(message["text"]) <= 4096
        assert all(len(data.encode()) <= 64 for data in buttons([message]).values())


def test_an_emergency_is_one_message_with_what_to_do_now_first_and_no_cause(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    replies = say(ts, chat, "my legs are shaking and there's a tight pain across my chest")
    [card] = [m for m in replies if route_title(m["text"]) in ROUTE_TITLES]
    emergency = load_knowledge().triage_levels["emergency"]
    assert route_title(card["text"]) == emergency.title
    assert card["text"].startswith("⚠️ ")
    causes = [c.name for c in load_knowledge().causes.values()]
    assert not [name for name in causes if name in card["text"]], card["text"]  # nothing reassuring beside it
    assert "reply_markup" not in card


def test_summary_sends_the_text_and_a_pdf_to_keep(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    conclusion = route_message(interview_to_conclusion(ts, chat, "my legs shake at night"))
    replies = say(ts, chat, "/summary")
    said = " ".join(m["text"] for m in replies)
    assert text_for("summary.title") in said and "\u201cshake\u201d" in said, said  # the user's own word
    [document] = ts.api.documents(chat)
    assert document["filename"].endswith(".pdf") and document["content"].startswith(b"%PDF")
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document["content"])).pages)
    pdf_words = " ".join(pdf_text.split())
    assert route_title(conclusion) in pdf_words  # the route
    assert "\u201cshake\u201d" in pdf_words and "\u201cat night\u201d" in pdf_words  # the user's own words
    assert text_for("summary.heading_sources") in pdf_words


def test_start_after_a_finished_check_starts_a_new_one(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    interview_to_conclusion(ts, chat)
    greeting = say(ts, chat, "/start")
    assert "not a doctor" in " ".join(m["text"] for m in greeting)
    # A new interview: the next description gets a first question, not the old conclusion again.
    first = say(ts, chat, "my legs twitch")
    assert route_message(first) is None, first
    assert list(buttons(first)) == ["Yes", "No", "Not sure"], first


def test_a_message_of_3000_characters_is_read_and_answered(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    story = ("Every evening when I sit down to watch television my legs start to feel strange and I "
             "cannot keep them still, it has been going on for a while now. ")
    text = (story * 30)[:2950] + " My legs shake at night."
    assert 2001 <= len(text) <= 4096 and len(text) >= 2970
    replies = say(ts, chat, text)
    said = " ".join(m["text"] for m in replies)
    assert replies and "too long" not in said, said
    assert buttons(replies) or route_message(replies), said  # an interview reply, not a refusal


def test_forget_asks_before_erasing_then_erases(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    say(ts, chat, "my legs shake at night")
    asked = say(ts, chat, "/forget")
    choices = {data: title for title, data in buttons(asked).items()}
    assert {"/confirm_delete", "/cancel_delete"} <= set(choices), asked  # nothing erased yet: a question
    erased = press(ts, chat, asked, choices["/confirm_delete"])
    assert erased and "erased" in erased[0]["text"].lower(), erased
    assert ts.api.documents(chat) == []
    say(ts, chat, "/mydata")
    [export] = ts.api.documents(chat)
    assert "my legs shake at night" not in export["content"].decode("utf-8")  # erased means gone


def test_mydata_sends_this_conversation_as_text_and_a_json_document(telegram_stack):
    ts, chat, other = telegram_stack, new_chat(), new_chat()
    say(ts, other, "my feet cramp when I swim")  # someone else's words
    say(ts, chat, "my legs shake at night")
    replies = say(ts, chat, "/mydata")
    assert replies and replies[0]["text"].strip(), replies
    [document] = ts.api.documents(chat)
    assert document["filename"] == "my-data.json"
    data = json.loads(document["content"].decode("utf-8"))
    assert data["conversation_id"] == str(chat)
    exported = json.dumps(data)
    assert "my legs shake at night" in exported and "my feet cramp" not in exported


def test_restart_by_command_and_by_button_starts_over_with_an_answer(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    say(ts, chat, "my legs twitch")
    confirm = [m["text"] for m in say(ts, chat, "/restart")]
    assert confirm and "set aside" in confirm[0], confirm  # evidence to lose: confirm first
    before = len(ts.api.sent(chat))
    assert ts.post(Updates.callback(chat, "/affirm")).status_code == 200
    restarted = ts.api.texts(chat)[before:]
    assert restarted and "start again" in restarted[0], restarted
    # Rasa's own /restart payload (e.g. a button from an older version) resets silently in
    # Rasa 3.6; the channel follows it with the greeting.
    before = len(ts.api.sent(chat))
    assert ts.post(Updates.callback(chat, "/restart")).status_code == 200
    after = ts.api.texts(chat)[before:]
    assert after and "not a doctor" in " ".join(after)


def test_updates_without_the_right_secret_are_refused(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    update = Updates.text(chat, "hello")
    assert ts.post(update, secret=None).status_code == 403
    assert ts.post(update, secret="wrong-secret").status_code == 403
    assert ts.post(update, secret=SECRET + "x").status_code == 403
    assert ts.post(update, secret="").status_code == 403
    assert ts.post(None, secret=None, raw=b"not json").status_code == 403  # refused before parsing
    assert ts.api.sent(chat) == []
    assert ts.post(update).status_code == 200
    assert ts.api.sent(chat)


def test_updates_the_bot_cannot_use_get_a_short_reply_or_are_ignored(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    for update in [Updates.sticker(chat), Updates.photo(chat), Updates.voice(chat)]:
        assert ts.post(update).status_code == 200
    assert ts.api.texts(chat) == [text_for("telegram.non_text")] * 3
    assert ts.post(Updates.edited(chat, "actually only at night")).status_code == 200
    assert ts.api.texts(chat)[-1] == text_for("telegram.edited")
    others = [Updates.channel_post(-1001234), Updates.my_chat_member(-1001235), Updates.joined(-1001236),
              {"update_id": 77, "inline_query": {"id": "1", "from": Updates.user(chat), "query": "x", "offset": ""}},
              {"update_id": 78, "poll": {"id": "p", "question": "?", "options": []}}]
    for update in others:
        assert ts.post(update).status_code == 200
    assert not any(ts.api.sent(c) for c in (-1001234, -1001235, -1001236))
    assert say(ts, chat, "hello"), "still answering text after all that"


def test_unknown_commands_are_not_passed_to_rasa_as_intents(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    assert [m["text"] for m in say(ts, chat, "/delete_my_data")] == [text_for("telegram.unknown_command")]
    assert [m["text"] for m in say(ts, chat, "/affirm")] == [text_for("telegram.unknown_command")]


def test_malformed_bodies_get_400_and_the_server_stays_up(telegram_stack):
    ts = telegram_stack
    bodies = [b"not json", b"", b"[1, 2]", b"{}", b'{"message": {"chat": {"id": 1}, "text": "hi"}}',
              b'{"update_id": "12", "message": {"chat": {"id": 1}, "text": "hi"}}',
              b'{"update_id": 12, "message": {"chat": {"id": "1"}, "text": "hi"}}',
              b'{"update_id": 12, "message": {"chat": {"id": 1}, "text": ["hi"]}}',
              b'{"update_id": 12, "callback_query": {"id": 5}}', b"\xff\xfe\x00",
              b"[" * 50_000 + b"]" * 50_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000]
    for body in bodies:
        response = ts.post(None, raw=body)
        assert response.status_code == 400, (body, response.status_code, response.text)
    assert requests.get(f"{ts.stack.url}/webhooks/telegram/", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{ts.stack.url}/webhooks/rest/", timeout=5).ok
    assert say(ts, new_chat(), "hello")


def test_a_flooding_chat_gets_one_slow_down_reply_while_another_chat_is_answered(telegram_stack):
    ts, flooder, other = telegram_stack, new_chat(), new_chat()
    flood = [Updates.text(flooder, "hello") for _ in range(3 * FLOOD_BURST)]  # one reply per turn
    with ThreadPoolExecutor(max_workers=len(flood)) as pool:
        statuses = list(pool.map(lambda update: ts.post(update).status_code, flood))
    assert statuses == [200] * len(flood)  # dropped updates too: Telegram must not send them again
    assert say(ts, other, "hello"), "another chat is answered during the flood"
    texts = ts.api.texts(flooder)
    assert texts.count(text_for("service.slow_down")) == 1, texts
    answered = [t for t in texts if t != text_for("service.slow_down")]
    # The burst reached Rasa (one greeting each; the bucket refills one message per 5 s), the
    # rest of the flood did not.
    assert FLOOD_BURST <= len(answered) <= FLOOD_BURST + 2, len(answered)


def test_get_me_is_called_at_most_once_across_many_updates(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    for text in ["hi", "my legs shake", "not sure", "thanks", "/help", "bye"]:
        say(ts, chat, text)
    assert ts.api.count("getMe") <= 1


def test_polling_mode_end_to_end(telegram_stack):
    ts, chat = telegram_stack, new_chat()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "TELEGRAM_API_BASE": ts.api.base_url, "PYTHONUNBUFFERED": "1"})
    log = ts.stack.workdir / "polling.log"
    calls_before = len(ts.api.calls)
    with open(log, "wb") as out:
        poller = subprocess.Popen(
            [sys.executable, "-m", "bot.channels.telegram.polling", "--rasa-url", ts.stack.url, "--poll-timeout", "1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        ts.api.queue_update(Updates.text(chat, "/start"))
        ts.api.queue_update(Updates.sticker(chat))
        ts.api.queue_update(Updates.text(chat, "my legs shake at night"))
        wait_for(lambda: len(ts.api.sent(chat)) >= 3 and buttons(ts.api.sent(chat)[-1:]), 90,
                 "the poller's updates to be answered")
        texts = ts.api.texts(chat)
        assert "not a doctor" in texts[0]
        assert text_for("telegram.non_text") in texts
        question = ts.api.sent(chat)[-1:]
        ts.api.queue_update(Updates.callback(chat, buttons(question)["Not sure"], query_id="poll-q"))
        wait_for(lambda: any(c.params.get("callback_query_id") == "poll-q"
                             for c in ts.api.calls_to("answerCallbackQuery")), 60, "the button press to be answered")
        wait_for(lambda: ts.api.pending_updates() == 0, 30, "the updates to be confirmed")
    finally:
        poller.terminate()
        code = poller.wait(20)
    methods = [c.method for c in ts.api.calls[calls_before:]]
    assert methods.index("deleteWebhook") < methods.index("getUpdates"), methods[:5]
    assert code == 0, log.read_text()
    assert TOKEN not in log.read_text()
