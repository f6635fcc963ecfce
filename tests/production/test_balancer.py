"""deploy/nginx.conf.template as rendered for production, run by a real nginx in front of fake
replicas (tests/production/fake_replicas.py), and the readiness gate (bot/ops/gate.py): who
serves which request, what a user gets when no replica can answer, and which replicas get
traffic. The same configuration runs in front of real replicas in test_scale_out.py."""
from __future__ import annotations

import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.ops.gate import FAILURES_BEFORE_DOWN, Gate
from bot.texts import say
from tests.production.fake_replicas import Balancer, FakeReplica


@pytest.fixture
def replicas():
    started = [FakeReplica().start(), FakeReplica().start()]
    yield started
    for replica in started:
        replica.stop()


@pytest.fixture
def balancer(tmp_path, replicas):
    running = Balancer(tmp_path, replicas).start()
    yield running
    running.stop()


def post(url: str, sender: str = "someone") -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "hello"}, timeout=30)


def test_rest_turns_from_one_address_are_spread_over_the_replicas(balancer, replicas):
    """20 users behind one address (an office, a NAT): every replica takes a share (ip_hash sent
    all of them to one)."""
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda i: post(balancer.url, f"user-{i}"), range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    served = Counter(a.json()["port"] for a in answers)
    assert set(served) == {r.port for r in replicas}, served


def test_a_widget_session_stays_on_one_replica(balancer, replicas):
    """Every socket.io request of one page (the handshake without `sid`, then polls with it)
    reaches the same replica; different pages are spread."""
    homes = {}
    for page in range(20):
        key = uuid.uuid4().hex[:10]
        seen = {requests.get(f"{balancer.url}/socket.io/", params={"EIO": 4, "transport": "polling", "lb": key, **extra},
                             timeout=10).json()["port"] for extra in ({}, {"sid": "a"}, {"sid": "b"}, {"t": "x"})}
        assert len(seen) == 1, f"page {page} was served by {seen}"
        homes[key] = seen.pop()
    assert set(homes.values()) == {r.port for r in replicas}


def test_a_refused_connection_moves_to_the_next_replica(balancer, replicas):
    replicas[0].stop()  # a replica that is down or restarting: connection refused
    answers = [post(balancer.url, f"user-{i}") for i in range(10)]
    assert [a.status_code for a in answers] == [200] * 10
    assert {a.json()["port"] for a in answers} == {replicas[1].port}


def test_no_replica_answers_the_friendly_json_never_an_html_page(balancer, replicas):
    for replica in replicas:
        replica.stop()
    answer = post(balancer.url, "patient-42")
    assert answer.status_code == 503
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == [{"recipient_id": "patient-42", "text": say("service.trouble")}]
    page = requests.get(f"{balancer.url}/chat/", timeout=10)
    assert page.status_code == 503 and page.json() == {"error": "unavailable", "message": say("service.trouble")}
    assert "<html" not in page.text.lower()


def test_a_replica_dying_with_the_turn_in_hand_gives_the_friendly_reply(balancer, replicas):
    """A turn that reached a replica is never sent twice (it could run twice): the user gets the
    kind reply and can send it again."""
    for replica in replicas:
        replica.drop_posts = True
    answer = post(balancer.url, "patient-7")
    assert answer.status_code in (502, 503)
    assert answer.json() == [{"recipient_id": "patient-7", "text": say("service.trouble")}]


def test_an_odd_sender_cannot_break_the_json_answer(balancer, replicas):
    for replica in replicas:
        replica.stop()
    answer = requests.post(f"{balancer.url}/webhooks/rest/webhook", timeout=10,
                           data='{"sender": "a\\"b</script>", "message": "hi"}', headers={"Content-Type": "application/json"})
    assert answer.status_code == 503
    assert answer.json()[0]["text"] == say("service.trouble")


def test_a_flood_from_one_address_gets_the_slow_down_answer(tmp_path, replicas):
    balancer = Balancer(tmp_path, replicas, rate="1r/s", burst=5).start()
    try:
        answers = [post(balancer.url, "flooder") for _ in range(30)]
    finally:
        balancer.stop()
    limited = [a for a in answers if a.status_code == 429]
    assert limited and answers[0].status_code == 200
    assert limited[0].json()[0]["text"] == say("service.slow_down")
    assert limited[0].headers["Content-Type"] == "application/json"


# --------------------------------------------------------------------------- the readiness gate
def published(gate: Gate) -> dict:
    return json.loads((gate.run_dir / "gate.json").read_text())


def test_the_gate_lets_only_ready_replicas_in(tmp_path, replicas):
    (tmp_path / "drain").mkdir()
    gate = Gate(tmp_path, [r.port for r in replicas])
    replicas[1].ready = False  # listening, no model loaded
    gate.step()
    assert published(gate)["ready"] == [replicas[0].port]
    upstream = (tmp_path / "upstream.conf").read_text()
    assert f"127.0.0.1:{replicas[0].port} max_fails=1 fail_timeout=5s;" in upstream
    assert f"127.0.0.1:{replicas[1].port} max_fails=1 fail_timeout=5s down;" in upstream

    replicas[1].ready = True
    gate.step()
    assert published(gate)["ready"] == sorted(r.port for r in replicas)
    assert published(gate)["models"][str(replicas[1].port)] == "model-a.tar.gz"  # its model id


def test_the_gate_takes_a_stopped_replica_out_at_once_and_a_slow_one_only_after_repeated_failures(tmp_path, replicas):
    (tmp_path / "drain").mkdir()
    gate = Gate(tmp_path, [r.port for r in replicas])
    gate.step()
    replicas[1].ready = False
    for _ in range(FAILURES_BEFORE_DOWN - 1):
        gate.step()
        assert replicas[1].port in published(gate)["ready"], "one bad probe is not a reason to move its load"
    gate.step()
    assert published(gate)["ready"] == [replicas[0].port]
    replicas[0].stop()
    gate.step()
    assert published(gate)["ready"] == []


def test_a_drained_replica_gets_no_traffic_until_the_drain_ends(balancer, replicas, tmp_path):
    gate = Gate(balancer.run_dir, [r.port for r in replicas])
    (balancer.run_dir / "nginx.pid").write_text(str(balancer.popen.pid))  # the gate reloads this nginx
    (balancer.run_dir / "drain").mkdir(exist_ok=True)
    (balancer.run_dir / "drain" / str(replicas[0].port)).touch()
    gate.step()
    import time

    time.sleep(1.0)  # nginx's graceful reload
    assert {post(balancer.url, f"u{i}").json()["port"] for i in range(8)} == {replicas[1].port}
    (balancer.run_dir / "drain" / str(replicas[0].port)).unlink()
    gate.step()
    time.sleep(1.0)
    assert {post(balancer.url, f"u{i}").json()["port"] for i in range(8)} == {r.port for r in replicas}
