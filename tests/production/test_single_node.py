"""The default topology (`make run`: one Rasa server, SQLite, the action server beside it) under
hostile input, load, faults, and the privacy and security rules. One stack for the module
(conftest.py): REST (bot.channels.rest.RestInput), the widget (socket.io) and Telegram (fake Bot
API). The tests run in file order: the restart comes last."""
from __future__ import annotations

import asyncio
import json
import random
import re
import sqlite3
import time
import uuid
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import pytest
import requests

from bot import resilience
from bot.texts import say as text_for
from tests.channels.telegram_support import SECRET, Updates
from tests.production.corpus import ALL, telegram_can_carry
from tests.production.support import SocketUser, eventually
from tests.support.chat import Chat, assessment_in, texts

API_TOKEN = "test-api-token-" + uuid.uuid4().hex[:8]
FAILURE_WORDS = re.compile(r"traceback|exception|internal server error|\berror\b", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers
def post_rest(url: str, body: Any = None, raw: Optional[bytes] = None, timeout: float = 60) -> requests.Response:
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(f"{url}/webhooks/rest/webhook", data=data,
                         headers={"Content-Type": "application/json"}, timeout=timeout)


def stored_events(single_node, sender_id: str, type_name: Optional[str] = None) -> int:
    query = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
    args: Tuple[Any, ...] = (sender_id,)
    if type_name:
        query += " AND type_name = ?"
        args += (type_name,)
    with sqlite3.connect(single_node.stack.tracker_db) as db:
        return db.execute(query, args).fetchone()[0]


def telegram_say(single_node, chat: int, text: str) -> Tuple[int, List[str]]:
    api = single_node.api
    before = len(api.sent(chat))
    response = requests.post(f"{single_node.stack.url}/webhooks/telegram/webhook",
                             data=json.dumps(Updates.text(chat, text)).encode(),
                             headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
                             timeout=120)
    return response.status_code, [str(m.get("text")) for m in api.sent(chat)[before:]]


def sensible(said: Sequence[str]) -> Optional[str]:
    """None when these replies are a sensible answer, else what is wrong with them."""
    said = [s for s in said if s]
    if not said:
        return "no reply"
    if any(s in (resilience.TROUBLE_REPLY, text_for("telegram.error")) for s in said):
        return "the 'having trouble' reply"
    if any(FAILURE_WORDS.search(s) for s in said):
        return f"an error in the reply: {said}"
    return None


def rest_texts(replies: List[Dict[str, Any]]) -> List[str]:
    return [r.get("text") or ("<custom>" if r.get("custom") else "") for r in replies]


def run_async(coro, timeout: float):
    return asyncio.run(asyncio.wait_for(coro, timeout))


# --------------------------------------------------------------------------- hostile input
def test_the_hostile_corpus_is_big_enough():
    assert len(ALL) >= 50
    assert len({name for name, _ in ALL}) == len(ALL)


def test_hostile_inputs_over_rest_get_sensible_answers(single_node):
    url = single_node.stack.url
    problems = []
    for name, text in ALL:
        response = post_rest(url, {"sender": f"hostile-{uuid.uuid4().hex[:10]}", "message": text})
        if response.status_code != 200:
            problems.append(f"{name}: HTTP {response.status_code}")
            continue
        wrong = sensible(rest_texts(response.json()))
        if wrong:
            problems.append(f"{name}: {wrong}")
    assert requests.get(f"{url}/webhooks/rest/", timeout=10).ok, "the server went down"
    assert not problems, "\n".join(problems)


def test_hostile_inputs_over_socketio_get_sensible_answers(single_node):
    url = single_node.stack.url

    async def one(name: str, text: str) -> Optional[str]:
        user = await SocketUser(url).connect()
        try:
            said = [m.get("text") or ("<custom>" if m.get("custom") else "") for m in await user.say(text, settle=1.0)]
        except asyncio.TimeoutError:
            return f"{name}: no reply"
        finally:
            await user.close()
        wrong = sensible(said)
        return f"{name}: {wrong}" if wrong else None

    async def everything() -> List[Optional[str]]:
        semaphore = asyncio.Semaphore(20)

        async def bounded(name: str, text: str) -> Optional[str]:
            async with semaphore:
                return await one(name, text)

        return await asyncio.gather(*(bounded(name, text) for name, text in ALL))

    problems = [p for p in run_async(everything(), 300) if p]
    assert requests.get(f"{url}/webhooks/rest/", timeout=10).ok, "the server went down"
    assert not problems, "\n".join(problems)


def test_hostile_inputs_over_the_telegram_webhook_get_sensible_answers(single_node):
    problems = []
    carried = [(name, text) for name, text in ALL if telegram_can_carry(text)]
    assert len(carried) >= 45
    for name, text in carried:
        status, said = telegram_say(single_node, random.randint(10**8, 10**9), text)
        if status != 200:
            problems.append(f"{name}: HTTP {status}")
            continue
        wrong = sensible(said)
        if wrong:
            problems.append(f"{name}: {wrong}")
    assert requests.get(f"{single_node.stack.url}/webhooks/rest/", timeout=10).ok, "the server went down"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("raw, status", [
    (b"not json", 400),
    (b"", 400),
    (b"[1, 2, 3]", 400),
    (b'"just a string"', 400),
    (b"null", 400),
    (b'{"message": "hi"}', 400),                              # no sender: not everyone's "default"
    (b'{"sender": "", "message": "hi"}', 400),
    (b'{"sender": "   ", "message": "hi"}', 400),
    (b'{"sender": {"id": 1}, "message": "hi"}', 400),
    (b'{"sender": "a\\u0000b", "message": "hi"}', 400),
    (b'{"sender": "\\ud800", "message": "hi"}', 400),
    ('{"sender": "%s", "message": "hi"}' % ("s" * 300), 400),
    (b'{"sender": "x"}', 400),
    (b'{"sender": "x", "message": 123}', 400),
    (b'{"sender": "x", "message": ["hi"]}', 400),
    (b'{"sender": "x", "message": null}', 400),
    (b'{"sender": 12345, "message": "hi"}', 200),             # numeric ids are fine
    (b'{"sender": "x-meta", "message": "hi", "metadata": "not a dict"}', 200),
])
def test_malformed_rest_bodies_get_4xx_not_5xx(single_node, raw, status):
    body = raw.encode() if isinstance(raw, str) else raw
    response = post_rest(single_node.stack.url, raw=body)
    assert response.status_code == status, response.text[:300]
    if status == 400:
        assert "error" in response.json()


def test_a_body_over_one_megabyte_gets_413(single_node):
    body = json.dumps({"sender": "big", "message": "x" * 1_200_000}).encode()
    assert post_rest(single_node.stack.url, raw=body).status_code == 413


def test_empty_and_oversized_messages_get_a_friendly_answer_and_are_not_stored(single_node):
    url = single_node.stack.url
    empty = Chat(url)
    assert texts(empty.say("")) == resilience.EMPTY_REPLY
    assert texts(empty.say(" \n\t ")) == resilience.EMPTY_REPLY
    huge = Chat(url)
    said = texts(huge.say("my legs shake at night " * 5000))
    assert "too long" in said and str(resilience.max_message_chars()) in said
    time.sleep(0.5)
    assert stored_events(single_node, empty.sender) == 0
    assert stored_events(single_node, huge.sender) == 0
    # The same user then describes normally and the interview starts.
    replies = huge.say("my legs shake at night")
    assert replies and any(r.get("buttons") for r in replies), huge.dump()


# --------------------------------------------------------------------------- privacy
def stored_bytes(single_node) -> bytes:
    """The raw SQLite files: the database and its write-ahead log."""
    db = single_node.stack.tracker_db
    return b"".join(path.read_bytes() for path in (db, db.with_name(db.name + "-wal")) if path.exists())


def test_forget_on_rest_erases_the_conversation(single_node):
    chat = Chat(single_node.stack.url)
    chat.say("my legs shake at night since the zumbathon in Quedlinburg")
    assert eventually(lambda: stored_events(single_node, chat.sender, "user") == 1)
    assert b"Quedlinburg" in stored_bytes(single_node)
    said = texts(chat.say("/forget"))
    assert "erased" in said
    assert eventually(lambda: stored_events(single_node, chat.sender) == 0)
    # Erased means gone from the files too, not just unlinked rows left in free pages or the log.
    assert eventually(lambda: b"Quedlinburg" not in stored_bytes(single_node))
    # The next message starts from scratch.
    chat.say("hello")
    assert eventually(lambda: stored_events(single_node, chat.sender, "user") == 1)


def test_delete_my_data_in_words_erases_the_conversation(single_node):
    chat = Chat(single_node.stack.url)
    chat.say("my legs twitch")
    assert eventually(lambda: stored_events(single_node, chat.sender, "user") == 1)
    assert "erased" in texts(chat.say("delete my data"))
    assert eventually(lambda: stored_events(single_node, chat.sender) == 0)


def test_forget_typed_in_the_widget_erases_the_conversation(single_node):
    async def scenario() -> Tuple[str, List[str]]:
        user = await SocketUser(single_node.stack.url).connect()
        try:
            await user.say("my legs shake at night")
            said = [m.get("text", "") for m in await user.say("/forget")]
        finally:
            await user.close()
        return user.session_id, said

    session_id, said = run_async(scenario(), 120)
    assert any("erased" in s for s in said)
    assert eventually(lambda: stored_events(single_node, session_id) == 0)


def test_forget_command_on_telegram_erases_the_conversation(single_node):
    chat = random.randint(10**8, 10**9)
    status, _ = telegram_say(single_node, chat, "my legs shake at night")
    assert status == 200
    assert eventually(lambda: stored_events(single_node, str(chat), "user") == 1)
    status, said = telegram_say(single_node, chat, "/forget")
    assert status == 200 and any("erased" in s for s in said), said
    assert eventually(lambda: stored_events(single_node, str(chat)) == 0)
    commands = single_node.api.calls_to("setMyCommands")
    assert commands and any(c["command"] == "forget" for c in commands[-1].params["commands"])


def test_the_http_api_is_off_by_default(single_node):
    url = single_node.stack.url
    chat = Chat(url)
    chat.say("hello")
    for path in (f"/conversations/{chat.sender}/tracker", "/status", "/domain"):
        assert requests.get(url + path, timeout=10).status_code in (403, 404), path
    assert requests.post(f"{url}/conversations/{chat.sender}/messages",
                         json={"text": "hi", "sender": "user"}, timeout=10).status_code in (403, 404)
    assert requests.post(f"{url}/model/parse", json={"text": "hi"}, timeout=10).status_code in (403, 404)


# --------------------------------------------------------------------------- load
#: (opening, the button answer to every question, the cause that must lead, a feature only this
#: opening mentions). Each concludes within 10 turns (an exertion complaint answered "no" throughout
#: is screened for muscle breakdown too); the evidence must be this conversation's own.
SCENARIOS = [
    ("I get a creepy crawly feeling in my legs in bed and have to get up and walk", "/affirm",
     "restless_legs_syndrome", "crawling_sensation"),
    ("I get painful cramps in my calf at night", "/deny", "nocturnal_leg_cramps", "cramp"),
    ("my hands and legs tremble after coffee", "/deny", "caffeine", "caffeine_intake"),
    ("my leg muscles twitch after exercise", "/deny", "exercise_fatigue", "after_exercise"),
]
SIGNATURES = {s[3] for s in SCENARIOS}
CONVERSATIONS, TURNS = 200, 10
LOAD_BUDGET_S = 600  # a bound so a hung server fails the test instead of hanging CI; not a speed goal


async def _conversation(session: aiohttp.ClientSession, url: str, index: int) -> List[str]:
    opening, answer, cause, signature = SCENARIOS[index % len(SCENARIOS)]
    sender = f"load-{index}-{uuid.uuid4().hex[:8]}"
    problems: List[str] = []
    found = None
    for turn in range(TURNS):
        text = opening if turn == 0 else (answer if found is None else "thanks")
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
            if response.status != 200:
                return [f"{sender} turn {turn}: HTTP {response.status}"]
            replies = await response.json()
        if not replies:
            problems.append(f"{sender} turn {turn}: no reply")
        for reply in replies:
            if reply.get("recipient_id") != sender:
                problems.append(f"{sender} turn {turn}: a reply for {reply.get('recipient_id')}")
            if reply.get("text") == resilience.TROUBLE_REPLY:
                problems.append(f"{sender} turn {turn}: 'having trouble'")
        found = assessment_in(replies) or found
    if found is None:
        return problems + [f"{sender}: no assessment in {TURNS} turns"]
    present = set(found["evidence"]["present"])
    if found["causes"][0]["id"] != cause:
        problems.append(f"{sender}: leads with {found['causes'][0]['id']}, expected {cause}")
    if signature not in present or (present & SIGNATURES) - {signature}:
        problems.append(f"{sender}: evidence {sorted(present)} is not this conversation's")
    return problems


async def _load(url: str) -> Tuple[List[str], int]:
    connector = aiohttp.TCPConnector(limit=CONVERSATIONS)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=LOAD_BUDGET_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        results = await asyncio.gather(*(_conversation(session, url, i) for i in range(CONVERSATIONS)),
                                       return_exceptions=True)
    problems: List[str] = []
    for result in results:
        problems.extend([f"{type(result).__name__}: {result}"] if isinstance(result, BaseException) else result)
    return problems, len(results)


def test_200_concurrent_conversations_without_errors_or_cross_talk(single_node):
    problems, finished = run_async(_load(single_node.stack.url), LOAD_BUDGET_S)
    assert finished == CONVERSATIONS
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:20])
    with sqlite3.connect(single_node.stack.tracker_db) as db:
        conversations, user_turns = db.execute(
            "SELECT COUNT(DISTINCT sender_id), COUNT(*) FROM events "
            "WHERE sender_id LIKE 'load-%' AND type_name = 'user'"
        ).fetchone()
    assert (conversations, user_turns) == (CONVERSATIONS, CONVERSATIONS * TURNS)


# --------------------------------------------------------------------------- action server down
def test_action_server_down_gets_a_friendly_reply_then_the_conversation_goes_on(single_node):
    stack = single_node.stack
    chat = Chat(stack.url)
    first = chat.say("I get a creepy crawly feeling in my legs in bed and have to get up and walk")
    assert any(r.get("buttons") for r in first), chat.dump()
    stack.stop_process("actions")
    try:
        down = chat.say("yes")
        assert texts(down) == resilience.TROUBLE_REPLY, chat.dump()
        widget_said = run_async(_widget_says(stack.url, "my legs shake at night"), 120)
        assert resilience.TROUBLE_REPLY in widget_said
        status, telegram_said = telegram_say(single_node, random.randint(10**8, 10**9), "my legs shake at night")
        assert status == 200 and telegram_said == [resilience.TROUBLE_REPLY]
    finally:
        stack.start_actions()
    # Back: the same conversation goes on where it was (the pending question is answered again).
    replies = chat.say("yes")
    for _ in range(8):
        if assessment_in(replies):
            break
        assert any(r.get("buttons") for r in replies), chat.dump()
        replies = chat.press(replies, "Yes")
    assessment = assessment_in(replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert {"crawling_sensation", "urge_to_move"} <= set(assessment["evidence"]["present"])


async def _widget_says(url: str, text: str) -> List[str]:
    user = await SocketUser(url).connect()
    try:
        return [m.get("text", "") for m in await user.say(text)]
    finally:
        await user.close()


# --------------------------------------------------------------------------- logs
MARKER = "quokkaflumph"


def test_logs_hold_no_message_text_or_entity_values(single_node):
    """Distinctive messages on every channel, then the Rasa and action server logs are searched
    for them and for the entity values (feature ids) they produced. Runs after the corpus, the
    load and the faults above, so their texts are searched for too."""
    url = single_node.stack.url
    chat = Chat(url)
    replies = chat.say(f"{MARKER} I get a creepy crawly feeling in my legs in bed and have to get up and walk")
    for _ in range(8):
        if assessment_in(replies):
            break
        replies = chat.press(replies, "Yes")
    assessment = assessment_in(replies)
    assert assessment, chat.dump()
    chat.say(f"why? {MARKER}")
    run_async(_widget_says(url, f"{MARKER} my hands and legs tremble after coffee"), 120)
    telegram_say(single_node, random.randint(10**8, 10**9), f"{MARKER} painful cramps in my calf at night")
    post_rest(url, {"sender": "log-check", "message": f"/greet{{not json {MARKER}"})
    post_rest(url, {"sender": "x", "message": f"/{MARKER}"})

    logs = single_node.stack.rasa_log.read_text(errors="replace")
    logs += (single_node.stack.workdir / "actions.log").read_text(errors="replace")
    assert "Rasa server is up and running" in logs, "not the right log"
    leaked = [needle for needle in [MARKER, "creepy crawly", "tremble after coffee", "cramps in my calf",
                                    "DROP TABLE", "jndi:ldap", "supercalifragilistic", "onerror=alert",
                                    "mes jambes", "someone-else"]
              if needle.lower() in logs.lower()]
    features = set(assessment["evidence"]["present"]) | {"caffeine_intake", "cramp"}
    leaked += [f"entity value {f}" for f in sorted(features) if re.search(rf"\b{re.escape(f)}\b", logs)]
    assert not leaked, f"in the logs: {leaked}"


# --------------------------------------------------------------------------- restart (last)
def test_restart_resumes_the_conversation_and_the_api_needs_its_token(single_node):
    """The single-node server restarts (same SQLite store): the interview goes on where it was.
    It comes back with the HTTP API on (`--enable-api --auth-token`), which refuses requests
    without the token."""
    stack = single_node.stack
    chat = Chat(stack.url)
    replies = chat.say("I get a creepy crawly feeling in my legs in bed and have to get up and walk")
    replies = chat.press(replies, "Yes")
    assert assessment_in(replies) is None and any(r.get("buttons") for r in replies), chat.dump()
    turns_before = stored_events(single_node, chat.sender, "user")

    stack.stop_process("rasa")
    stack.rasa_args = ["--enable-api", "--auth-token", API_TOKEN]
    stack.start_rasa()

    assert stored_events(single_node, chat.sender, "user") == turns_before
    for _ in range(8):  # the pending question is answered: no greeting, no starting over
        replies = chat.press(replies, "Yes")
        if assessment_in(replies):
            break
    assessment = assessment_in(replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert "crawling_sensation" in assessment["evidence"]["present"], "the evidence from before the restart"

    tracker_url = f"{stack.url}/conversations/{chat.sender}/tracker"
    assert requests.get(tracker_url, timeout=10).status_code == 401
    assert requests.get(tracker_url, params={"token": "wrong"}, timeout=10).status_code == 401
    allowed = requests.get(tracker_url, params={"token": API_TOKEN}, timeout=30)
    assert allowed.status_code == 200
    assert allowed.json()["sender_id"] == chat.sender
    assert requests.post(f"{stack.url}/model/parse", json={"text": "hi"}, timeout=10).status_code == 401
