"""PostgreSQL or Redis restarts under a running replica (endpoints.prod.yml): while it is down,
requests get a clean 200 with the "having trouble" reply (no 5xx, no crash, no silence); once it
is back they succeed again and the conversation goes on, without restarting the assistant.

Private PostgreSQL and Redis instances (conftest.py): the machine's services are never stopped.
"""
from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot import resilience
from tests.production.support import RLS_OPENING, eventually, pg_events
from tests.support.chat import Chat, assessment_in, texts


def answer_until_assessment(chat: Chat, replies, limit: int = 8):
    for _ in range(limit):
        if assessment_in(replies):
            break
        replies = chat.press(replies, "Yes")
    return assessment_in(replies)


def user_turns(infra, sender: str) -> int:
    return sum(1 for e in pg_events(infra.db_name, sender, port=infra.postgres.port) if e["type_name"] == "user")


def assert_down_cleanly(infra, chat: Chat) -> None:
    for sender in (chat.sender, "someone-new"):
        response = requests.post(f"{infra.stack.url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": "yes"}, timeout=120)
        assert response.status_code == 200, response.text[:300]
        assert texts(response.json()) == resilience.TROUBLE_REPLY
    assert requests.get(f"{infra.stack.url}/webhooks/rest/", timeout=10).ok
    assert infra.stack.process("rasa").popen.poll() is None, "the replica crashed"


@pytest.mark.parametrize("service", ["postgres", "redis"])
def test_store_restart_under_a_running_replica(infra, service):
    """PostgreSQL (tracker store) or Redis (lock store) goes down mid-interview and comes back."""
    chat = Chat(infra.stack.url)
    replies = chat.say(RLS_OPENING)
    assert any(r.get("buttons") for r in replies), chat.dump()
    assert eventually(lambda: user_turns(infra, chat.sender) == 1)

    store = getattr(infra, service)
    store.stop()
    try:
        assert_down_cleanly(infra, chat)
    finally:
        store.start()

    assessment = answer_until_assessment(chat, replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert "crawling_sensation" in assessment["evidence"]["present"], "the turn from before the outage"
    # Every turn the user saw answered is stored; the refused one is not.
    assert eventually(lambda: user_turns(infra, chat.sender) == len(chat.transcript))
    assert infra.stack.process("rasa").popen.poll() is None


def test_a_hung_redis_gets_each_waiting_user_the_friendly_reply_and_the_replica_keeps_serving(infra):
    """Redis frozen (SIGSTOP on the private instance: it accepts connections and never answers).
    Three users write at once: each gets the kind reply (the lock store gives up after its short
    timeout, LOCK_REDIS_TIMEOUT_S, instead of freezing the replica's event loop for 10 s per
    user), the replica's other routes answer meanwhile, and once Redis is back the interview goes
    on. How long each user waits is measured in `make bench`, not asserted here."""
    chat = Chat(infra.stack.url)
    replies = chat.say(RLS_OPENING)
    assert any(r.get("buttons") for r in replies), chat.dump()

    def write(sender: str) -> requests.Response:
        return requests.post(f"{infra.stack.url}/webhooks/rest/webhook", json={"sender": sender, "message": "yes"},
                             timeout=120)

    os.kill(infra.redis.popen.pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            pending = [pool.submit(write, sender) for sender in (chat.sender, "hung-2", "hung-3")]
            health = pool.submit(requests.get, f"{infra.stack.url}/webhooks/rest/", timeout=60)
            answers = [p.result() for p in pending]
        assert health.result().ok
        for answer in answers:
            assert answer.status_code == 200, answer.text[:300]
            assert texts(answer.json()) == resilience.TROUBLE_REPLY
    finally:
        os.kill(infra.redis.popen.pid, signal.SIGCONT)

    assessment = answer_until_assessment(chat, replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert infra.stack.process("rasa").popen.poll() is None
