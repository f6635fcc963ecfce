"""PostgreSQL or Redis restarts under a running replica (endpoints.prod.yml): while it is down,
requests get a clean 200 with the "having trouble" reply (no 5xx, no crash, no silence); once it
is back they succeed again and the conversation goes on, without restarting the assistant.

Private PostgreSQL and Redis instances (conftest.py): the machine's services are never stopped.
"""
from __future__ import annotations

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
