"""scripts/scale_out.sh end to end: two Rasa replicas and the action server behind nginx, on the
machine's PostgreSQL (a throwaway database) and Redis (the tests' db, a random key prefix).
One run of the script for the module (conftest.py); the replica is killed in the last test."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import requests

from bot import resilience
from tests.production.support import RLS_OPENING, SocketUser, eventually, pg_connect, pg_events
from tests.support.chat import Chat, assessment_in, texts
from tests.support.servers import ROOT


def user_events(scale_out, sender: str) -> List[Dict[str, Any]]:
    return [e for e in pg_events(scale_out.db_name, sender) if e["type_name"] == "user"]


def say(url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def test_turns_alternating_between_replicas_make_one_consistent_tracker(scale_out):
    so = scale_out.scale_out
    replicas = [so.replica_url(0), so.replica_url(1)]
    sender = f"alternating-{uuid.uuid4().hex[:10]}"
    replies = say(replicas[0], sender, RLS_OPENING)
    turns = 1
    while assessment_in(replies) is None:
        assert any(r.get("buttons") for r in replies) and turns < 10, replies
        replies = say(replicas[turns % 2], sender, "/affirm")
        turns += 1
    assessment = assessment_in(replies)
    assert turns >= 3, "the conversation must have crossed replicas more than once"
    assert assessment["causes"][0]["id"] == "restless_legs_syndrome"
    assert {"crawling_sensation", "urge_to_move"} <= set(assessment["evidence"]["present"])

    assert eventually(lambda: len(user_events(scale_out, sender)) == turns)
    events = pg_events(scale_out.db_name, sender)
    users = [e for e in events if e["type_name"] == "user"]
    assert [u["text"] for u in users] == [RLS_OPENING] + ["/affirm"] * (turns - 1)
    assert len({u["message_id"] for u in users}) == turns, "a turn was stored twice"
    stored = [e["value"] for e in events if e["type_name"] == "slot" and e.get("name") == "assessment"]
    assert stored and stored[-1] == {"assessment": assessment}, "the stored tracker ends on the assessment sent"


def test_messages_to_both_replicas_at_once_are_serialised_by_the_lock(scale_out):
    so = scale_out.scale_out
    sender = f"concurrent-{uuid.uuid4().hex[:10]}"
    messages = [f"hello {i}" for i in range(8)]

    def send(i: int) -> int:
        url = so.replica_url(i % 2)
        return requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": messages[i]},
                             timeout=180).status_code

    with ThreadPoolExecutor(max_workers=len(messages)) as pool:
        statuses = list(pool.map(send, range(len(messages))))
    assert statuses == [200] * len(messages)

    assert eventually(lambda: len(user_events(scale_out, sender)) >= len(messages))
    time.sleep(1)
    events = pg_events(scale_out.db_name, sender)
    users = [e["text"] for e in events if e["type_name"] == "user"]
    assert sorted(users) == sorted(messages), "a message was lost or stored twice"
    # Each turn is whole: after every user message come its actions, ending with action_listen,
    # before the next user message (without the lock, two replicas interleave and overwrite).
    turns: List[List[Dict[str, Any]]] = []
    for event in events:
        if event["type_name"] == "user":
            turns.append([])
        elif turns:
            turns[-1].append(event)
    for turn in turns:
        actions = [e.get("name") for e in turn if e["type_name"] == "action"]
        assert actions and actions[-1] == "action_listen", actions
        assert actions.count("action_listen") == 1, actions
        assert sum(1 for e in turn if e["type_name"] == "bot") >= 1
    assert [e["type_name"] for e in events].count("user") == len(messages)


def test_the_load_balancer_serves_rest_and_the_widget(scale_out):
    lb = scale_out.scale_out.url
    assert "not a doctor" in texts(Chat(lb).say("hello"))
    assert requests.get(f"{lb}/chat/", timeout=10).status_code == 200

    async def widget() -> List[str]:
        user = await SocketUser(lb).connect()
        try:
            return [m.get("text", "") for m in await user.say("hello")]
        finally:
            await user.close()

    said = asyncio.run(asyncio.wait_for(widget(), 120))
    assert any("not a doctor" in s for s in said), said

    async def websocket_upgrade() -> str:  # what browsers use: the Upgrade headers pass through nginx
        import websockets

        ws_url = lb.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        async with websockets.connect(ws_url, origin=lb) as ws:
            return await asyncio.wait_for(ws.recv(), 30)

    assert asyncio.run(websocket_upgrade()).startswith("0{"), "engine.io open packet over the websocket"


def test_delete_my_data_and_forget_erase_the_conversation_in_postgresql(scale_out):
    lb = scale_out.scale_out.url
    for farewell in ("/forget", "delete my data"):
        chat = Chat(lb)
        chat.say("my legs shake at night")
        assert eventually(lambda: len(user_events(scale_out, chat.sender)) == 1)
        assert "erased" not in texts(chat.say(farewell))  # confirmed first
        assert "erased" in texts(chat.say("/confirm_delete"))
        assert eventually(lambda: pg_events(scale_out.db_name, chat.sender) == [])


def test_the_http_api_is_off_on_the_replicas_and_the_load_balancer(scale_out):
    so = scale_out.scale_out
    for url in (so.replica_url(0), so.replica_url(1), so.url):
        assert requests.get(f"{url}/conversations/x/tracker", timeout=10).status_code in (403, 404)
        assert requests.get(f"{url}/status", timeout=10).status_code in (403, 404)


def _insert_conversation(dbname: str, sender: str, last_activity: float, events: int = 3) -> None:
    conn = pg_connect(dbname)
    try:
        with conn, conn.cursor() as cur:
            for i in range(events):
                stamp = last_activity - (events - 1 - i) * 60
                data = json.dumps({"event": "user", "timestamp": stamp, "text": "old"})
                cur.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (%s, 'user', %s, %s)",
                            (sender, stamp, data))
    finally:
        conn.close()


def test_retention_purges_old_conversations_in_postgresql(scale_out):
    so = scale_out.scale_out
    now = time.time()
    old, recent = f"retention-old-{uuid.uuid4().hex[:8]}", f"retention-recent-{uuid.uuid4().hex[:8]}"
    _insert_conversation(scale_out.db_name, old, now - 40 * 86400)
    _insert_conversation(scale_out.db_name, recent, now - 2 * 86400)
    live = Chat(so.url)
    live.say("hello")
    command = [sys.executable, "-m", "bot.retention", "--endpoints", "endpoints.prod.yml"]

    dry = subprocess.run(command + ["--days", "30", "--dry-run"], cwd=ROOT, env=so.env, capture_output=True,
                         text=True, timeout=120)
    assert dry.returncode == 0, dry.stderr
    assert "would erase 1 conversations (3 events)" in dry.stdout
    assert len(pg_events(scale_out.db_name, old)) == 3

    env = dict(so.env, RETENTION_DAYS="30")  # the setting, without --days
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "erased 1 conversations (3 events)" in done.stdout, done.stdout
    assert "postgresql" in done.stdout
    assert pg_events(scale_out.db_name, old) == []
    assert len(pg_events(scale_out.db_name, recent)) == 3
    assert user_events(scale_out, live.sender), "a live conversation is kept"
    # The replicas carry on after a purge, and the live conversation remembers its welcome.
    assert "Hello again" in texts(live.say("hello")), "the replicas carry on after a purge"


def test_the_replica_and_action_server_logs_hold_no_message_text(scale_out):
    # The replicas', the action server's and nginx's logs (not the script's banner, which shows
    # an example curl command).
    logs = "\n".join(p.read_text(errors="replace") for p in scale_out.scale_out.run_dir.glob("*.log"))
    assert "Rasa server is up and running" in logs and "Action endpoint is up" in logs, "not the right logs"
    for needle in ("creepy crawly", "my legs shake at night", "hello 3", "crawling_sensation", "urge_to_move"):
        assert needle not in logs, f"{needle!r} is in the logs"


def test_a_replica_killed_mid_conversation_the_other_carries_on(scale_out):
    """Last test of the module: one replica dies (SIGKILL) in the middle of an interview; the
    conversation goes on through the load balancer, served by the other, with nothing lost."""
    so = scale_out.scale_out
    first, second = so.replica_url(0), so.replica_url(1)
    sender = f"failover-{uuid.uuid4().hex[:10]}"
    replies = say(first, sender, RLS_OPENING)
    replies = say(first, sender, "/affirm")
    assert assessment_in(replies) is None and any(r.get("buttons") for r in replies), replies
    assert eventually(lambda: len(user_events(scale_out, sender)) == 2)

    so.kill(f"rasa-{so.replica_ports[0]}")
    assert eventually(lambda: requests_fail(f"{first}/webhooks/rest/"), 30)

    turns = 2
    for _ in range(8):  # through nginx: whichever replica it had picked, the living one answers
        replies = say(so.url, sender, "/affirm")
        turns += 1
        if assessment_in(replies):
            break
        assert resilience.TROUBLE_REPLY not in texts(replies)
    assessment = assessment_in(replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", replies
    assert {"crawling_sensation", "urge_to_move"} <= set(assessment["evidence"]["present"])
    assert eventually(lambda: len(user_events(scale_out, sender)) == turns), "nothing lost, nothing twice"
    assert "not a doctor" in texts(say(second, f"after-{sender}", "hello"))
    assert so.popen.poll() is None, "scale_out.sh keeps serving with one replica"
    assert eventually(lambda: "stopped" in so.log.read_text(), 10)


def requests_fail(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return True
    return False
