"""Privacy in the production topology: endpoints.prod.yml (PostgreSQL tracker store, Redis lock
store) on the machine's PostgreSQL (a database of its own) and Redis (a key prefix of its own).

A declined conversation never reaches PostgreSQL: it lives in Redis with a time to live, so any
replica can carry it on. An accepted one is written to PostgreSQL, all of it."""
from __future__ import annotations

import uuid

import pytest

from tests.privacy.support import RLS, privacy_in
from tests.production.support import (PROD_CREDENTIALS, REDIS_HOST, REDIS_PORT, REDIS_TEST_DB, ConfiguredStack,
                                      create_database, delete_redis_keys, drop_database, pg_events, prod_env,
                                      require_postgres, require_redis)
from tests.support.chat import Chat
from tests.support.servers import ROOT, latest_model

pytestmark = pytest.mark.server



@pytest.fixture(scope="module")
def prod_stack(tmp_path_factory):
    require_postgres()
    require_redis()
    workdir = tmp_path_factory.mktemp("privacy-prod")
    db_name = create_database("leg_triage_privacy_test")
    prefix = f"legtriageprivacy{uuid.uuid4().hex[:8]}"
    credentials = workdir / "credentials.yml"
    credentials.write_text(PROD_CREDENTIALS)
    stack = ConfiguredStack(workdir=workdir, model=latest_model(), credentials=credentials,
                            endpoints_file=ROOT / "endpoints.prod.yml")
    stack.extra_env = {**prod_env(db_name, prefix, f"http://127.0.0.1:{stack.action_port}/webhook"),
                       "PRIVACY_DEFAULT": "ask"}
    stack.db_name, stack.redis_prefix = db_name, prefix
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        stack.keep_logs(ROOT / "results" / "server-logs" / "privacy-prod")
        drop_database(db_name)
        delete_redis_keys(prefix)


def redis_ttl(prefix: str, sender: str) -> int:
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB).ttl(f"{prefix}:ephemeral:{sender}")


def test_declining_leaves_no_row_in_postgresql_after_a_full_interview(prod_stack):
    chat = Chat(prod_stack.url)
    assert privacy_in(chat.say("hello"))["storage"] == "ask"
    assert privacy_in(chat.say("/privacy_decline"))["storage"] == "not_stored"
    assessment = RLS.consult(chat.say)
    assert assessment["causes"][0]["id"] == "restless_legs_syndrome"
    assert pg_events(prod_stack.db_name, chat.sender) == []
    assert redis_ttl(prod_stack.redis_prefix, chat.sender) > 0  # held in Redis, and it expires


def test_agreeing_writes_the_whole_conversation_to_postgresql(prod_stack):
    chat = Chat(prod_stack.url)
    first = chat.say(RLS.opening)
    assert pg_events(prod_stack.db_name, chat.sender) == []
    chat.press(first, "Yes, keep it")
    texts = [e["text"] for e in pg_events(prod_stack.db_name, chat.sender) if e["type_name"] == "user"]
    assert texts == [RLS.opening, "/privacy_accept"]
    assert redis_ttl(prod_stack.redis_prefix, chat.sender) == -2  # no longer held in Redis
