"""The Telegram channel without Rasa: configuration, splitting, callback data, the assessment as
text, update parsing, and the channel's handling of updates against a fake Bot API server."""
from __future__ import annotations

import asyncio
import json
from typing import Any, List

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels import telegram as tg
from bot.channels.telegram import (
    CallbackCodec,
    MalformedUpdate,
    TelegramChannel,
    TelegramConfig,
    TelegramConfigError,
    TelegramOutput,
    inline_keyboard,
    parse_command,
    parse_update,
    render_card,
    split_message,
    telegram_length,
)
from bot.channels.guard import SenderRateLimiter
from bot.knowledge import load_knowledge
from bot.replies import ANSWER_BUTTONS, FOLLOW_UP_BUTTONS
from bot.texts import say
from tests.channels.telegram_support import *  # noqa: F401,F403 (fixtures)
from tests.channels.telegram_support import SECRET, TOKEN, FakeBotApi, Updates

ENV = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET}

# --- configuration -------------------------------------------------------------------------------


def test_config_comes_from_the_environment_with_defaults():
    config = TelegramConfig.load(None, ENV)
    assert config.token == TOKEN and config.secret == SECRET
    assert config.webhook_url is None and config.username is None
    assert config.api_base == "https://api.telegram.org"


def test_credentials_entries_override_the_environment_and_empty_ones_do_not():
    config = TelegramConfig.load(
        {"api_base_url": "http://127.0.0.1:8081/", "bot_username": "@LegBot", "webhook_url": ""},
        {**ENV, "TELEGRAM_WEBHOOK_URL": "https://example.org/webhooks/telegram/webhook"},
    )
    assert config.api_base == "http://127.0.0.1:8081"
    assert config.username == "LegBot"
    assert config.webhook_url == "https://example.org/webhooks/telegram/webhook"


@pytest.mark.parametrize(
    "env, problem",
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "TELEGRAM_WEBHOOK_SECRET is not set"),
        ({**ENV, "TELEGRAM_BOT_TOKEN": "not a token"}, "does not look like a bot token"),
        ({**ENV, "TELEGRAM_WEBHOOK_SECRET": "has spaces in it"}, "TELEGRAM_WEBHOOK_SECRET must be"),
        ({**ENV, "TELEGRAM_WEBHOOK_URL": "http://plain.example/hook"}, "must be an https:// URL"),
        ({**ENV, "TELEGRAM_API_BASE": "api.telegram.org"}, "TELEGRAM_API_BASE must be"),
    ],
)
def test_bad_configuration_fails_at_start_and_says_which_variable(env, problem):
    with pytest.raises(TelegramConfigError, match=problem):
        TelegramConfig.load(None, env)


def test_unknown_credentials_keys_are_refused_and_rasas_verify_means_the_username():
    with pytest.raises(TelegramConfigError, match="acces_token"):
        TelegramConfig.load({"acces_token": TOKEN}, ENV)
    assert TelegramConfig.load({"verify": "LegBot"}, ENV).username == "LegBot"


def test_the_config_never_shows_the_token_or_the_secret():
    shown = repr(TelegramConfig.load(None, ENV))
    assert TOKEN not in shown and SECRET not in shown


# --- splitting long messages ---------------------------------------------------------------------


def test_short_text_is_one_message_and_empty_text_none():
    assert split_message("  hello  ") == ["hello"]
    assert split_message("") == [] and split_message(" \n\n ") == []


def test_long_text_splits_at_paragraphs_and_keeps_every_word():
    paragraphs = [f"Paragraph {i}: " + "word " * 150 for i in range(20)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    chunks = split_message(text)
    assert len(chunks) > 1
    assert all(telegram_length(c) <= 4096 for c in chunks)
    for chunk in chunks:  # each chunk starts a paragraph: nothing cut mid-paragraph
        assert chunk.startswith("Paragraph ")
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_a_single_huge_paragraph_splits_at_lines_then_sentences_then_words():
    lines = "\n".join(f"• line {i} " + "x" * 80 for i in range(100))
    chunks = split_message(lines, limit=1000)
    assert all(telegram_length(c) <= 1000 and c.startswith("• line") for c in chunks)

    sentences = " ".join(f"Sentence {i} is here." for i in range(200))
    chunks = split_message(sentences, limit=300)
    assert all(len(c) <= 300 and c.startswith("Sentence") and c.endswith(".") for c in chunks)

    words = " ".join(["abcdefghij"] * 100)
    chunks = split_message(words, limit=55)
    assert all(len(c) <= 55 for c in chunks)
    assert " ".join(chunks).split() == words.split()


def test_only_a_giant_word_is_cut_and_never_inside_an_emoji():
    text = "🦵" * 5000  # each counts 2 for Telegram
    chunks = split_message(text)
    assert all(telegram_length(c) <= 4096 for c in chunks)
    assert "".join(chunks) == text
    assert split_message("a" * 4096) == ["a" * 4096]
    assert len(split_message("a" * 4097)) == 2


# --- callback data -------------------------------------------------------------------------------


def test_the_assistants_button_payloads_fit_as_they_are():
    codec = CallbackCodec()
    for button in ANSWER_BUTTONS + FOLLOW_UP_BUTTONS:
        assert codec.encode(button["payload"]) == button["payload"]
        assert codec.decode(button["payload"]) == button["payload"]


def test_long_payloads_get_a_short_code_that_maps_back():
    codec = CallbackCodec()
    payload = '/ask_what_is{"cause": "dehydration_electrolytes", "detail": "' + "é" * 40 + '"}'
    assert len(payload.encode()) > 64
    code = codec.encode(payload)
    assert len(code.encode()) <= 64 and code.startswith("#")
    assert codec.decode(code) == payload
    assert codec.encode(payload) == code  # stable
    assert CallbackCodec().decode(code) is None  # unknown after a restart: expired
    assert codec.decode("") is None and codec.decode(None) is None


def test_the_code_map_is_bounded():
    codec = CallbackCodec(capacity=3)
    codes = [codec.encode("/x" + "y" * 70 + str(i)) for i in range(5)]
    assert [codec.decode(c) is not None for c in codes] == [False, False, True, True, True]


def test_inline_keyboard_rows_and_limits():
    codec = CallbackCodec()
    answers = inline_keyboard(ANSWER_BUTTONS, codec)
    assert [[k["text"] for k in row] for row in answers["inline_keyboard"]] == [["Yes", "No", "Not sure"]]
    follow_up = inline_keyboard(FOLLOW_UP_BUTTONS, codec)["inline_keyboard"]
    assert len(follow_up) == len(FOLLOW_UP_BUTTONS) and all(len(row) == 1 for row in follow_up)
    assert inline_keyboard([{"title": "", "payload": "/x"}], codec) is None
    long = inline_keyboard([{"title": "Tell me", "payload": "/inform" + "x" * 100}], codec)
    assert len(long["inline_keyboard"][0][0]["callback_data"].encode()) <= 64


# --- the assessment card -------------------------------------------------------------------------

#: Cards as the contract describes them (docs/presentation.md), with words no Telegram code types.
ROUTINE_CARD = {
    "version": 1, "level": "routine", "title": "Route title from the server",
    "do_now": "What to do, from the server.",
    "headline": "Most consistent with restless legs syndrome.",
    "headings": {"why": "WHY-HEADING", "inferred": "INFERRED-HEADING", "causes": "CAUSES-HEADING",
                 "see_doctor_if": "SEE-DOCTOR-HEADING"},
    "why": ["you said: an urge to move your legs", "you said: it is worse at night"],
    "inferred": ["both legs (from \"my legs\")"],
    "causes": [{"id": "restless_legs_syndrome", "name": "Restless legs syndrome", "fit": "FIT-WORDS-A"},
               {"id": "iron_deficiency", "name": "Iron deficiency", "fit": "FIT-WORDS-B"}],
    "see_doctor_if": ["it wakes you every night"],
    "closing": "",
    "disclaimer": "DISCLAIMER FROM THE SERVER",
    "more": [{"id": "summary", "title": "Save a summary for my doctor", "payload": "/request_summary"}],
}
EMERGENCY_CARD = {
    "version": 1, "level": "emergency", "title": "Get emergency help now", "do_now": "Call 112 now.",
    "headline": "These signs can mean a stroke.", "headings": ROUTINE_CARD["headings"],
    "why": ["you said: sudden weakness on one side"], "inferred": [], "causes": [], "see_doctor_if": [],
    "closing": "I'll stop the questions here.", "disclaimer": "DISCLAIMER FROM THE SERVER", "more": [],
}


def test_the_card_renders_in_the_contracts_order_with_the_servers_words_only():
    text = render_card(ROUTINE_CARD)
    lines = text.splitlines()
    assert lines[:2] == ["Route title from the server", "What to do, from the server."]  # route first
    order = ["Most consistent with", "WHY-HEADING", "• You said: an urge to move", "INFERRED-HEADING", "CAUSES-HEADING",
             "Restless legs syndrome: FIT-WORDS-A", "Iron deficiency: FIT-WORDS-B", "SEE-DOCTOR-HEADING",
             "It wakes you every night", "DISCLAIMER FROM THE SERVER"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert text.endswith("DISCLAIMER FROM THE SERVER")
    assert "{" not in text and "restless_legs_syndrome" not in text


def test_an_emergency_card_shows_what_to_do_now_first_and_no_cause_even_if_one_is_carried():
    carried = {**EMERGENCY_CARD, "causes": ROUTINE_CARD["causes"], "inferred": ["both legs"]}
    text = render_card(carried)
    assert text.splitlines()[0].endswith("Get emergency help now") and text.splitlines()[1] == "Call 112 now."
    assert "Restless legs" not in text and "FIT-WORDS" not in text and "both legs" not in text
    assert text.index("Call 112 now.") < text.index("sudden weakness") < text.index("DISCLAIMER")
    assert "I'll stop the questions here." in text


def test_the_telegram_code_types_no_level_title_threshold_or_disclaimer():
    from pathlib import Path

    import bot.channels.telegram as package
    from bot.presentation import headings as presentation_headings

    kb = load_knowledge()
    code = "\n".join(p.read_text() for p in Path(package.__file__).parent.glob("*.py"))
    server_words = [level.title for level in kb.triage_levels.values()] + [
        say("common.not_a_diagnosis"), say("presentation.fits_well"), say("presentation.fits_in_part"),
        say("presentation.fits_weakly"), *presentation_headings().values()]
    typed = [words for words in server_words if f'"{words}' in code or f"'{words}" in code]
    assert typed == []  # no string literal starts with the server's words
    assert '"likelihood"' not in code  # the fit is the server's word, never computed here


@pytest.mark.parametrize("odd", [{}, {"level": 5, "why": "nonsense", "causes": [7, {"fit": "x"}], "headings": []},
                                 {"title": None, "do_now": ["x"], "disclaimer": {"a": 1}}])
def test_odd_cards_still_render_without_raising(odd):
    assert isinstance(render_card(odd), str)


def test_a_real_conclusion_from_the_server_renders_as_its_card():
    from bot import presentation
    from bot.engine import assess

    kb = load_knowledge()
    rls = {"urge_to_move": "present", "worse_at_night": "present", "relieved_by_movement": "present"}
    message = presentation.conclusion_message(assess(rls, kb=kb), kb)
    text = render_card(message["json_message"]["card"])
    card = message["json_message"]["card"]
    assert text.startswith(card["title"]) and card["disclaimer"] in text
    for cause in card["causes"]:
        assert f"{cause['name']}: {cause['fit']}" in text


# --- parsing updates -----------------------------------------------------------------------------


def test_parse_a_text_message_and_a_button_press():
    update = parse_update(json.dumps(Updates.text(42, "my legs shake")))
    assert (update.kind, update.chat_id, update.chat_type, update.text) == ("text", 42, "private", "my legs shake")
    press = parse_update(json.dumps(Updates.callback(42, "/affirm", query_id="q1")).encode())
    assert (press.kind, press.chat_id, press.text, press.callback_id) == ("callback", 42, "/affirm", "q1")


@pytest.mark.parametrize("make, kind", [
    (Updates.sticker, "non_text"), (Updates.photo, "non_text"), (Updates.voice, "non_text"),
    (lambda c: Updates.edited(c, "x"), "edited"), (Updates.channel_post, "ignored"),
    (Updates.my_chat_member, "ignored"), (Updates.joined, "ignored"),
    (lambda c: {"update_id": 5, "inline_query": {"id": "1", "query": "x"}}, "ignored"),
])
def test_updates_the_bot_cannot_use_are_recognised(make, kind):
    assert parse_update(json.dumps(make(-100123 if kind == "ignored" else 42))).kind == kind


@pytest.mark.parametrize("body", [
    b"", b"not json", b"\xff\xfe", b"[]", b"null", b'"text"', b"{}",
    b'{"update_id": "1"}', b'{"update_id": true}', b'{"update_id": 1.5}',
    b'{"update_id": 1, "message": "hi"}',
    b'{"update_id": 1, "message": {"text": "hi"}}',
    b'{"update_id": 1, "message": {"chat": {"id": "42"}, "text": "hi"}}',
    b'{"update_id": 1, "message": {"chat": {"id": 42}, "text": 5}}',
    b'{"update_id": 1, "message": {"chat": {"id": 42}, "from": "me", "text": "hi"}}',
    b'{"update_id": 1, "callback_query": {"id": 7, "data": "/affirm"}}',
    b'{"update_id": 1, "callback_query": {"id": "7", "data": ["/affirm"]}}',
    b'{"update_id": 1, "edited_message": []}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 1, "message": null}',
])
def test_malformed_bodies_are_refused(body):
    with pytest.raises(MalformedUpdate):
        parse_update(body)


def test_commands_and_who_they_are_for():
    assert parse_command("/start", "LegBot") == ("start", True)
    assert parse_command("/Start@legbot deep-link", "LegBot") == ("start", True)
    assert parse_command("/start@OtherBot", "LegBot") == ("start", False)
    assert parse_command("/start@OtherBot", None) == ("start", True)
    assert parse_command("my legs / feet", "LegBot") is None
    assert parse_command("/", "LegBot") == ("", True)


# --- the channel, with a fake on_new_message and the fake Bot API server --------------------------


class FakeRasa:
    """Stands in for Rasa: records what it is given, replies through the output channel."""

    def __init__(self, replies=None, fail: bool = False) -> None:
        self.messages: List[UserMessage] = []
        self.replies = replies if replies is not None else (lambda text: [{"text": f"you said {text}"}])
        self.fail = fail

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.fail:
            raise RuntimeError("boom")
        for reply in self.replies(message.text):
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]


def channel_for(api: FakeBotApi, **overrides: Any) -> TelegramChannel:
    env = {**ENV, "TELEGRAM_API_BASE": api.base_url, "TELEGRAM_BOT_USERNAME": "LegGuideTestBot", **overrides}
    return TelegramChannel(TelegramConfig.load(None, env))


async def handle(channel: TelegramChannel, update: dict, rasa: FakeRasa) -> None:
    await channel.handle(parse_update(json.dumps(update)), rasa)


async def test_start_sets_the_webhook_with_the_secret_and_calls_get_me_once(fake_bot_api):
    channel = channel_for(fake_bot_api, TELEGRAM_WEBHOOK_URL="https://bot.example.test/webhooks/telegram/webhook")
    await channel.start()
    rasa = FakeRasa()
    for i in range(5):
        await handle(channel, Updates.text(7, f"message {i}"), rasa)
    await channel.api.close()
    [hook] = fake_bot_api.calls_to("setWebhook")
    assert hook.params["secret_token"] == SECRET
    assert hook.params["url"] == "https://bot.example.test/webhooks/telegram/webhook"
    assert set(hook.params["allowed_updates"]) == {"message", "edited_message", "callback_query"}
    assert fake_bot_api.count("getMe") == 1
    assert fake_bot_api.texts(7) == [f"you said message {i}" for i in range(5)]


async def test_without_a_webhook_url_start_does_not_set_one(fake_bot_api):
    channel = channel_for(fake_bot_api)
    await channel.start()
    await channel.api.close()
    assert fake_bot_api.count("setWebhook") == 0 and fake_bot_api.count("getMe") == 1


async def test_a_rejected_token_at_start_is_logged_not_raised(fake_bot_api):
    channel = channel_for(fake_bot_api, TELEGRAM_BOT_TOKEN="999:wrong")
    await channel.start()  # gives up at once on 401, the server keeps running
    await channel.api.close()
    assert fake_bot_api.count("getMe") == 1


async def test_commands_map_to_intents_and_unknown_commands_are_not_passed_on(fake_bot_api):
    channel, rasa = channel_for(fake_bot_api), FakeRasa()
    for text in ["/start", "/start@LegGuideTestBot", "/help", "/affirm", "/delete_my_data{}", "/start@OtherBot"]:
        await handle(channel, Updates.text(8, text), rasa)
    await channel.api.close()
    assert rasa.texts == ["/restart", "/restart", "/ask_capabilities"]
    assert fake_bot_api.texts(8).count(say("telegram.unknown_command")) == 2


def test_the_restart_command_sends_the_assistants_own_start_over_intent():
    start_over = next(b["payload"] for b in FOLLOW_UP_BUTTONS if b["title"] == "Start over")
    assert tg.COMMANDS["restart"] == start_over == tg.START_OVER_PAYLOAD
    assert start_over != "/restart"  # Rasa's default intent: action_restart, silent


async def test_restart_that_rasa_answers_with_silence_is_followed_by_the_greeting(fake_bot_api):
    channel = channel_for(fake_bot_api)
    silent_restart = FakeRasa(replies=lambda text: [] if text == "/restart" else [{"text": f"re: {text}"}])
    await handle(channel, Updates.callback(9, "/restart"), silent_restart)  # an old button
    assert silent_restart.texts == ["/restart", "/greet"]
    await handle(channel, Updates.text(9, "/restart"), silent_restart)  # the command
    assert silent_restart.texts[-1] == "/start_over"
    talkative = FakeRasa()
    await handle(channel, Updates.callback(10, "/restart"), talkative)
    await channel.api.close()
    assert talkative.texts == ["/restart"]  # Rasa answered: no extra greeting
    assert fake_bot_api.texts(9) == ["re: /greet", "re: /start_over"]


async def test_start_always_begins_a_new_check_with_the_greeting(fake_bot_api):
    """/start resets the conversation (Rasa's silent restart) and greets, so after a finished
    check it starts a new one instead of greeting inside the old one."""
    channel = channel_for(fake_bot_api)
    rasa = FakeRasa(replies=lambda text: [] if text == "/restart" else [{"text": f"re: {text}"}])
    await handle(channel, Updates.text(15, "my legs shake"), rasa)
    await handle(channel, Updates.text(15, "/start"), rasa)
    await channel.api.close()
    assert rasa.texts == ["my legs shake", "/restart", "/greet"]
    assert fake_bot_api.texts(15)[-1] == "re: /greet"


def test_the_command_menu_offers_every_command_the_channel_knows():
    menu = tg.command_menu()
    assert [c["command"] for c in menu] == list(tg.commands.MENU_ORDER)
    assert {c["command"] for c in menu} <= set(tg.COMMANDS)
    assert all(0 < len(c["description"]) <= 256 for c in menu)


async def test_button_presses_are_answered_and_delivered(fake_bot_api):
    channel, rasa = channel_for(fake_bot_api), FakeRasa()
    long_payload = "/ask_what_is" + json.dumps({"cause": "restless_legs_syndrome", "x": "y" * 60})
    code = channel.codec.encode(long_payload)
    await handle(channel, Updates.callback(11, "/affirm", query_id="q-1"), rasa)
    await handle(channel, Updates.callback(11, code, query_id="q-2"), rasa)
    await handle(channel, Updates.callback(11, "#00000000000000000000", query_id="q-3"), rasa)
    await channel.api.close()
    assert rasa.texts == ["/affirm", long_payload]
    answers = {c.params["callback_query_id"]: c.params.get("text") for c in fake_bot_api.calls_to("answerCallbackQuery")}
    assert answers == {"q-1": None, "q-2": None, "q-3": say("telegram.button_expired")}


async def test_an_error_in_rasa_gets_an_apology_not_an_exception(fake_bot_api):
    channel = channel_for(fake_bot_api)
    await handle(channel, Updates.text(12, "my legs shake"), FakeRasa(fail=True))
    await channel.api.close()
    assert fake_bot_api.texts(12) == [say("telegram.error")]


async def test_things_the_bot_cannot_read_get_a_short_reply_or_nothing(fake_bot_api):
    channel, rasa = channel_for(fake_bot_api), FakeRasa()
    for update in [Updates.sticker(13), Updates.photo(13), Updates.voice(13), Updates.edited(13, "changed"),
                   Updates.channel_post(-1001), Updates.my_chat_member(-1002), Updates.joined(-1003),
                   Updates.text(-1004, "hello everyone", chat_type="group"),
                   Updates.text(-1005, "/start@LegGuideTestBot", chat_type="supergroup")]:
        await handle(channel, update, rasa)
    await channel.api.close()
    assert rasa.messages == []
    assert fake_bot_api.texts(13) == [say("telegram.non_text")] * 3 + [say("telegram.edited")]
    assert fake_bot_api.texts(-1005) == [say("telegram.group_only")]
    assert all(not fake_bot_api.texts(c) for c in (-1001, -1002, -1003, -1004))


async def test_output_splits_long_texts_and_puts_the_keyboard_on_the_last_part(fake_bot_api):
    channel = channel_for(fake_bot_api)
    output = TelegramOutput(channel.api, channel.codec)
    long_text = "\n\n".join("Paragraph. " + "word " * 300 for _ in range(10))
    await output.send_text_with_buttons("14", long_text, ANSWER_BUTTONS)
    await output.send_custom_json("14", {"something": "else"})
    await output.send_text_message("14", "   ")
    await channel.api.close()
    sent = fake_bot_api.sent(14)
    assert len(sent) >= 3
    assert all(telegram_length(p["text"]) <= 4096 for p in sent)
    assert "reply_markup" not in sent[0] and "reply_markup" in sent[-1]
    assert "parse_mode" not in sent[0]


async def test_the_bot_api_client_waits_out_429_and_hides_the_token(fake_bot_api):
    api = tg.BotApi(TOKEN, fake_bot_api.base_url)
    fake_bot_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 0", retry_after=0)
    await api.call("sendMessage", chat_id=1, text="hi")
    assert fake_bot_api.count("sendMessage") == 2
    fake_bot_api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(tg.BotApiError) as error:
        await api.call("sendMessage", chat_id=1, text="hi")
    assert error.value.status == 400 and TOKEN not in str(error.value)
    await api.close()
    down = tg.BotApi(TOKEN, "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(tg.BotApiError) as error:
        await down.call("getMe")
    assert TOKEN not in str(error.value)
    await down.close()


# --- one chat flooding ---------------------------------------------------------------------------


async def test_a_flooding_chat_gets_one_slow_down_reply_and_other_chats_are_still_answered(fake_bot_api):
    now = [1000.0]
    limiter = SenderRateLimiter(per_second=1.0, burst=3, clock=lambda: now[0])
    channel = TelegramChannel(channel_for(fake_bot_api).config, limiter=limiter)
    rasa = FakeRasa()
    for i in range(20):
        await handle(channel, Updates.text(20, f"flood {i}"), rasa)
    await handle(channel, Updates.callback(20, "/affirm", query_id="q-flood"), rasa)
    await handle(channel, Updates.text(21, "my legs shake"), rasa)
    now[0] += 5  # the bucket refills: the flooding chat is heard again
    await handle(channel, Updates.text(20, "sorry"), rasa)
    await channel.api.close()
    assert rasa.texts == ["flood 0", "flood 1", "flood 2", "my legs shake", "sorry"]
    assert fake_bot_api.texts(20) == ["you said flood 0", "you said flood 1", "you said flood 2",
                                      say("service.slow_down"), "you said sorry"]
    assert fake_bot_api.texts(21) == ["you said my legs shake"]
    [press] = [c for c in fake_bot_api.calls_to("answerCallbackQuery") if c.params["callback_query_id"] == "q-flood"]
    assert "text" not in press.params  # the spinner stops, without a second warning


async def test_the_flood_limit_comes_from_the_settings(fake_bot_api, monkeypatch):
    monkeypatch.setenv("SENDER_BURST", "2")
    monkeypatch.setenv("SENDER_MESSAGES_PER_SECOND", "0.001")
    channel, rasa = channel_for(fake_bot_api), FakeRasa()
    for i in range(4):
        await handle(channel, Updates.text(22, f"m{i}"), rasa)
    await channel.api.close()
    assert rasa.texts == ["m0", "m1"]
    assert fake_bot_api.texts(22)[-1] == say("service.slow_down")


# --- the poller ----------------------------------------------------------------------------------


async def test_the_poller_backs_off_when_get_updates_answers_early_or_fails(fake_bot_api, monkeypatch):
    from bot.channels.telegram.polling import Poller

    config = TelegramConfig.load(None, {**ENV, "TELEGRAM_API_BASE": fake_bot_api.base_url})
    poller = Poller(config, "http://127.0.0.1:9", poll_timeout=25)
    fake_bot_api.hold_polls = False  # every getUpdates comes back at once, empty
    fake_bot_api.fail_next("getUpdates", 502, "Bad Gateway")
    pauses: List[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 7:
            poller.stop()

    monkeypatch.setattr(poller, "_pause", pause)
    await poller.run()
    assert pauses == [1, 2, 4, 8, 16, 32, 60]  # the error and the empty early answers alike
    assert fake_bot_api.count("getUpdates") == 7  # one call per pause: no spinning


async def test_the_poller_starts_its_pauses_again_after_a_normal_poll(fake_bot_api, monkeypatch):
    from bot.channels.telegram.polling import Poller

    config = TelegramConfig.load(None, {**ENV, "TELEGRAM_API_BASE": fake_bot_api.base_url})
    poller = Poller(config, "http://127.0.0.1:9", poll_timeout=1)  # the fake holds it 1 s: normal
    fake_bot_api.fail_next("getUpdates", 502, "Bad Gateway")
    fake_bot_api.fail_next("getUpdates", 502, "Bad Gateway")
    pauses: List[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(poller, "_pause", pause)

    async def stop_after_a_normal_poll() -> None:
        while fake_bot_api.count("getUpdates") < 3:
            await asyncio.sleep(0.05)
        fake_bot_api.fail_next("getUpdates", 502, "Bad Gateway")
        while len(pauses) < 3:
            await asyncio.sleep(0.05)
        poller.stop()

    await asyncio.gather(poller.run(), stop_after_a_normal_poll())
    assert pauses[:3] == [1, 2, 1]


# --- one message per structured reply (card, summary) ----------------------------------------------


def conclusion_reply(card: dict, buttons: list) -> dict:
    """The conclusion as Rasa hands it to the output channel: text + buttons + custom."""
    reply = {"text": "THE SAME CARD AS PLAIN TEXT", "custom": {"assessment": {"triage": card["level"]}, "card": card}}
    if buttons:
        reply["buttons"] = buttons
    return reply


async def test_a_conclusion_is_one_message_with_its_buttons_and_no_duplicate_text(fake_bot_api):
    channel = channel_for(fake_bot_api)
    follow_ups = [{"title": "Save a summary for my doctor", "payload": "/request_summary"},
                  {"title": "Start over", "payload": "/start_over"}]
    rasa = FakeRasa(replies=lambda text: [conclusion_reply(ROUTINE_CARD, follow_ups)])
    await handle(channel, Updates.text(30, "no"), rasa)
    rasa = FakeRasa(replies=lambda text: [conclusion_reply(EMERGENCY_CARD, [])])
    await handle(channel, Updates.text(31, "my face droops"), rasa)
    await channel.api.close()
    [conclusion] = fake_bot_api.sent(30)
    assert conclusion["text"] == render_card(ROUTINE_CARD)
    keys = [k for row in conclusion["reply_markup"]["inline_keyboard"] for k in row]
    assert [(k["text"], k["callback_data"]) for k in keys] == [(b["title"], b["payload"]) for b in follow_ups]
    [emergency] = fake_bot_api.sent(31)
    assert emergency["text"] == render_card(EMERGENCY_CARD) and "reply_markup" not in emergency
    assert "THE SAME CARD AS PLAIN TEXT" not in fake_bot_api.texts(30) + fake_bot_api.texts(31)


def summary_reply() -> dict:
    summary = {"title": "Leg symptoms: a summary for your doctor", "date": "2026-12-03",
               "route": {"level": "routine", "title": "See a doctor in the coming days",
                         "do_now": "Book an appointment."},
               "said": [{"feature": "urge_to_move", "label": "an urge to move your legs", "status": "present",
                         "words": ["I have to move my legs"]}],
               "inferred": [], "warning_signs": [], "causes": [{"name": "Restless legs syndrome", "fit": "fits well"}],
               "sources": [{"title": "A source", "publisher": "", "url": "", "date": ""}],
               "disclaimer": "Not a diagnosis.", "download": {"token": "t", "expires_in_s": 60}}
    return {"text": "Here is your summary.\n\nSee a doctor in the coming days.", "custom": {"summary": summary}}


async def test_summary_is_the_text_then_a_pdf_document(fake_bot_api):
    from pypdf import PdfReader
    import io

    channel = channel_for(fake_bot_api)
    rasa = FakeRasa(replies=lambda text: [summary_reply()])
    await handle(channel, Updates.text(32, "/summary"), rasa)
    await channel.api.close()
    assert rasa.texts == ["/request_summary"]
    assert fake_bot_api.texts(32) == ["Here is your summary.\n\nSee a doctor in the coming days."]
    [document] = fake_bot_api.documents(32)
    assert document["filename"].endswith(".pdf") and document["content_type"] == "application/pdf"
    assert document["content"].startswith(b"%PDF")
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document["content"])).pages)
    assert "See a doctor in the coming days" in pdf_text and "I have to move my legs" in pdf_text


async def test_without_a_pdf_renderer_the_summary_is_still_sent_as_text(fake_bot_api, monkeypatch):
    from bot.channels.telegram import output

    monkeypatch.setattr(output, "summary_pdf_renderer", lambda: None)
    channel = channel_for(fake_bot_api)
    await handle(channel, Updates.text(33, "/summary"), FakeRasa(replies=lambda text: [summary_reply()]))
    await channel.api.close()
    assert fake_bot_api.texts(33) == ["Here is your summary.\n\nSee a doctor in the coming days."]
    assert fake_bot_api.documents(33) == [] and fake_bot_api.count("sendDocument") == 0


# --- privacy: the notice, erase, export (issue #21) ------------------------------------------------

PRIVACY = {"storage": "ask", "retention_days": 30, "operator": "Example Clinic", "policy_url": "",
           "controls": [{"id": "forget", "title": "Delete my data", "payload": "/delete_my_data"},
                        {"id": "export", "title": "Send me my data", "payload": "/export_my_data"},
                        {"id": "notice", "title": "Privacy notice", "payload": "/privacy_info"}]}
CONSENT = [{"title": "OK, keep it", "payload": "/privacy_accept"},
           {"title": "Don't keep it", "payload": "/privacy_decline"}]


def keyboard_of(message: dict) -> List[tuple]:
    markup = message.get("reply_markup") or {"inline_keyboard": []}
    return [(k["text"], k["callback_data"]) for row in markup["inline_keyboard"] for k in row]


async def test_privacy_commands_map_to_the_privacy_intents_and_are_in_the_menu(fake_bot_api):
    channel, rasa = channel_for(fake_bot_api), FakeRasa()
    for command in ["/forget", "/mydata", "/privacy", "/summary"]:
        await handle(channel, Updates.text(40, command), rasa)
    await channel.start()
    await channel.api.close()
    assert rasa.texts == ["/delete_my_data", "/export_my_data", "/privacy_info", "/request_summary"]
    [menu] = fake_bot_api.calls_to("setMyCommands")
    assert {"forget", "mydata", "privacy", "summary", "start"} <= {c["command"] for c in menu.params["commands"]}


async def test_the_greeting_with_the_notice_is_its_text_and_its_consent_buttons(fake_bot_api):
    channel = channel_for(fake_bot_api)
    greeting = {"text": "Hi. What is kept, for how long, by whom.\nHow to erase it.", "buttons": CONSENT,
                "custom": {"privacy": PRIVACY}}
    await handle(channel, Updates.text(41, "/start"), FakeRasa(replies=lambda text: [greeting]))
    await channel.api.close()
    [message] = fake_bot_api.sent(41)
    assert message["text"] == greeting["text"]
    assert keyboard_of(message) == [(b["title"], b["payload"]) for b in CONSENT]


async def test_a_notice_without_buttons_is_its_text_alone(fake_bot_api):
    """The controls are Telegram's command menu (/forget, /mydata, /privacy), not a keyboard
    under every notice."""
    channel = channel_for(fake_bot_api)
    notice = {"text": "Your conversation is kept for 30 days.", "custom": {"privacy": {**PRIVACY, "storage": "stored"}}}
    await handle(channel, Updates.text(42, "/privacy"), FakeRasa(replies=lambda text: [notice]))
    await channel.api.close()
    [message] = fake_bot_api.sent(42)
    assert fake_bot_api.texts(42) == [notice["text"]] and "reply_markup" not in message


async def test_forget_passes_on_the_assistants_confirmation_question_with_its_buttons(fake_bot_api):
    channel = channel_for(fake_bot_api)
    confirm = [{"title": "Yes, erase it", "payload": "/confirm_delete"},
               {"title": "No, keep it", "payload": "/cancel_delete"}]
    rasa = FakeRasa(replies=lambda text: [{"text": "Erase this conversation (3 messages)?", "buttons": confirm}]
                    if text == "/delete_my_data" else [{"text": "Erased."}])
    await handle(channel, Updates.text(43, "/forget"), rasa)
    await handle(channel, Updates.callback(43, "/confirm_delete"), rasa)
    await channel.api.close()
    assert rasa.texts == ["/delete_my_data", "/confirm_delete"]
    question, done = fake_bot_api.sent(43)
    assert keyboard_of(question) == [(b["title"], b["payload"]) for b in confirm]
    assert done["text"] == "Erased."


async def test_mydata_sends_the_readable_text_and_the_json_as_a_document(fake_bot_api):
    channel = channel_for(fake_bot_api)
    export = {"version": 1, "conversation_id": "44", "storage": "stored", "retention_days": 30,
              "messages": [{"text": "my legs shake — ça tremble", "at": "2026-12-03T08:00:00+00:00"}],
              "evidence": {"shaking": "present"}, "assessment": None}
    reply = {"text": "What is kept about this conversation: 1 message.", "custom": {"export": export}}
    await handle(channel, Updates.text(44, "/mydata"), FakeRasa(replies=lambda text: [reply]))
    await channel.api.close()
    assert fake_bot_api.texts(44) == [reply["text"]]
    [document] = fake_bot_api.documents(44)
    assert document["filename"] == "my-data.json" and document["content_type"] == "application/json"
    assert json.loads(document["content"].decode("utf-8")) == export
