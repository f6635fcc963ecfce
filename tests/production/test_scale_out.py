"""scripts/scale_out.sh end to end: supervisord running two Rasa replicas, the action server, the
readiness gate and nginx, on the machine's PostgreSQL (a throwaway database) and Redis (the
tests' db, a random key prefix). One run of the script for the module (conftest.py); the model
is swapped under load near the end and a replica is killed in the last test."""
from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List

import requests

from bot import resilience
from bot.ops.models import METADATA, model_id
from tests.production.support import (
    RLS_OPENING,
    SCALE_OUT_API_TOKEN,
    SCALE_OUT_DB_PASSWORD,
    SocketUser,
    answer_yes_until_assessment,
    eventually,
    pg_connect,
    pg_events,
)
from tests.support.chat import Chat, assessment_in, texts
from tests.support.servers import ROOT, latest_model


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


def test_the_http_api_needs_the_token_and_no_secret_is_on_a_command_line(scale_out):
    """The token comes from a file (RASA_API_TOKEN_FILE), the database password from the
    environment: Rasa's API answers only with the token, and neither secret appears in any
    process's arguments (what `ps` shows every local user)."""
    so = scale_out.scale_out
    for url in (so.replica_url(0), so.replica_url(1), so.url):
        assert requests.get(f"{url}/conversations/x/tracker", timeout=10).status_code == 401
        assert requests.get(f"{url}/status", timeout=10).status_code == 401
    assert requests.get(f"{so.replica_url(0)}/status", params={"token": SCALE_OUT_API_TOKEN}, timeout=30).ok

    command_lines = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command_lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    replicas = [c for c in command_lines if "bot.ops.replica" in c and str(so.replica_ports[0]) in c]
    assert replicas, "the replica's process was not found (the check would prove nothing)"
    for secret in (SCALE_OUT_API_TOKEN, SCALE_OUT_DB_PASSWORD):
        assert not [c for c in command_lines if secret in c], "a secret is visible in ps"


def test_twenty_users_behind_one_address_are_spread_over_the_replicas(scale_out):
    so = scale_out.scale_out
    access_log = so.run_dir / "nginx-access.log"
    before = len(access_log.read_text().splitlines())
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda i: say(so.url, f"crowd-{i}-{uuid.uuid4().hex[:6]}", "hello"), range(20)))
    assert all("not a doctor" in texts(r) for r in replies)
    lines = [line for line in access_log.read_text().splitlines()[before:] if "/webhooks/rest/webhook" in line]
    served = {line.rsplit("upstream=", 1)[1] for line in lines}
    assert served == {f"127.0.0.1:{port}" for port in so.replica_ports}, served


def test_the_action_server_killed_is_restarted_and_the_conversation_goes_on(scale_out):
    so = scale_out.scale_out
    chat = Chat(so.url)
    replies = chat.say(RLS_OPENING)
    assert any(r.get("buttons") for r in replies), chat.dump()
    killed = so.kill("actions")
    answer = requests.post(f"{so.url}/webhooks/rest/webhook", json={"sender": chat.sender, "message": "yes"}, timeout=120)
    assert answer.status_code == 200  # while it is down: the kind reply (or its answer, once back)
    assert eventually(lambda: so.pid("actions") not in (None, killed), 60), "supervisord did not restart it"
    assert eventually(lambda: requests_ok(f"http://127.0.0.1:{so.action_port}/health"), 300)
    assessment = answer_yes_until_assessment(chat, replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert "crawling_sensation" in assessment["evidence"]["present"], "the turn from before the crash counts"


def test_a_model_swap_under_load_loses_no_turn(scale_out, tmp_path):
    """make deploy-model while users talk through nginx: every turn gets its real answer, and at
    the end both replicas serve the new model."""
    so = scale_out.scale_out
    new_model = model_with_new_id(latest_model(), tmp_path / "next-model.tar.gz")
    outcomes: List[str] = []
    done = threading.Event()

    def user(index: int) -> None:
        while not done.is_set():
            try:
                # a new person each time: a second "hello" in one conversation gets a short reply
                chat = Chat(so.url, f"swap-{index}-{uuid.uuid4().hex[:6]}")
                replies = chat.say("hello")
                outcomes.append("ok" if "not a doctor" in texts(replies) else f"odd: {texts(replies)[:80]}")
            except (AssertionError, requests.RequestException) as error:
                outcomes.append(f"failed: {str(error)[:120]}")
            time.sleep(0.3)

    users = [threading.Thread(target=user, args=(i,)) for i in range(3)]
    for thread in users:
        thread.start()
    try:
        deploy = subprocess.run(["bash", "scripts/deploy_model.sh"], cwd=ROOT, capture_output=True, text=True,
                                timeout=1800, env=dict(so.env, MODEL=str(new_model)))
    finally:
        done.set()
        for thread in users:
            thread.join(180)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert outcomes and set(outcomes) == {"ok"}, [o for o in outcomes if o != "ok"][:5]
    new_id = model_id(new_model)
    for index in range(len(so.replica_ports)):
        ready = requests.get(f"{so.replica_url(index)}/webhooks/health/ready", timeout=30).json()
        assert ready["model_id"] == new_id
    assert so.serving() == set(so.replica_ports)

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


def test_a_replica_killed_mid_conversation_the_other_carries_on_and_it_comes_back(scale_out):
    """Last test of the module: one replica dies (SIGKILL) in the middle of an interview; the
    conversation goes on through the load balancer, served by the other, with nothing lost, and
    supervisord brings the dead one back (the gate puts it in again once its model is loaded)."""
    so = scale_out.scale_out
    first, second = so.replica_url(0), so.replica_url(1)
    sender = f"failover-{uuid.uuid4().hex[:10]}"
    replies = say(first, sender, RLS_OPENING)
    replies = say(first, sender, "/affirm")
    assert assessment_in(replies) is None and any(r.get("buttons") for r in replies), replies
    assert eventually(lambda: len(user_events(scale_out, sender)) == 2)

    killed = so.kill(f"rasa-{so.replica_ports[0]}")
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

    # Back: a new process, ready, and in nginx's upstream again (about 30 s on an idle 2-core
    # machine: the model load; generous here, the machine is shared).
    assert eventually(lambda: so.pid(f"rasa-{so.replica_ports[0]}") not in (None, killed), 60)
    # Its own readiness first: right after the kill the gate may not have marked it down yet, so
    # "all replicas in the upstream" alone could be read before the new process has loaded.
    assert eventually(lambda: requests_ok(f"{first}/webhooks/health/ready"), 600), "the replica did not come back"
    assert eventually(lambda: so.serving() == set(so.replica_ports), 120), "the gate did not put it back"
    assert "not a doctor" in texts(say(first, f"back-{sender}", "hello"))
    assert so.popen.poll() is None, "scale_out.sh keeps serving"


def requests_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


def requests_fail(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return True
    return False


def model_with_new_id(source: Path, destination: Path) -> Path:
    """The same trained model under a new model id: a "new model" for the rolling update."""
    with tarfile.open(source, "r:gz") as original, tarfile.open(destination, "w:gz", compresslevel=1) as copy:
        for member in original:
            content = original.extractfile(member) if member.isfile() else None
            if member.name == METADATA:
                metadata = json.load(content)
                metadata["model_id"] = uuid.uuid4().hex
                data = json.dumps(metadata).encode()
                member.size = len(data)
                content = io.BytesIO(data)
            copy.addfile(member, content)
    return destination
