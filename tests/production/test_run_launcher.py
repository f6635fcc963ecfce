"""`make run` (scripts/run.sh) as a developer starts it: the action server is restarted when it
dies and the conversation goes on; it listens on loopback only; endpoints.yml takes its port from
ACTION_PORT through Rasa's ${VAR} substitution (this test's endpoints file uses the same line)."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Iterator, Optional

import pytest
import requests

from bot import resilience
from tests.production.support import RLS_OPENING, answer_yes_until_assessment, eventually
from tests.support.chat import Chat, texts
from tests.support.servers import QUIET_ENV, ROOT, free_port, latest_model, wait_until


class Launcher:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.action_port = free_port()
        self.log = workdir / "run.log"
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text('action_endpoint:\n  url: http://127.0.0.1:${ACTION_PORT}/webhook\n'
                             "tracker_store:\n  type: bot.stores.ForgetfulSQLTrackerStore\n  dialect: sqlite\n"
                             f'  db: "{workdir / "trackers.db"}"\n')
        self.env = {**os.environ, **QUIET_ENV, "PORT": str(self.port), "ACTION_PORT": str(self.action_port),
                    "ENDPOINTS": str(endpoints), "MODEL": str(latest_model())}
        self.popen: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Launcher":
        self.popen = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=self.env,
                                      stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: requests.get(f"{self.url}/webhooks/rest/", timeout=2).ok and self.action_server_up(),
                   600, "scripts/run.sh", self.popen, self.log)
        return self

    def action_server_up(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2).ok
        except requests.RequestException:
            return False

    def action_server_pid(self) -> Optional[int]:
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                args = cmdline.read_bytes().split(b"\0")
            except OSError:
                continue
            if b"actions" in args and str(self.action_port).encode() in args:
                return int(cmdline.parent.name)
        return None

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()  # its trap stops both servers
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)


@pytest.fixture(scope="module")
def launcher(tmp_path_factory) -> Iterator[Launcher]:
    running = Launcher(tmp_path_factory.mktemp("make-run"))
    try:
        yield running.start()
    finally:
        running.stop()


def listening_addresses(port: int) -> set:
    """The local addresses a TCP port listens on (/proc/net/tcp, state 0A = LISTEN)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(launcher):
    assert listening_addresses(launcher.action_port) == {"0100007F"}  # 127.0.0.1


def test_a_killed_action_server_comes_back_and_the_conversation_goes_on(launcher):
    chat = Chat(launcher.url)
    replies = chat.say(RLS_OPENING)
    assert any(r.get("buttons") for r in replies), chat.dump()
    killed = launcher.action_server_pid()
    assert killed, "the action server's process was not found"
    os.kill(killed, signal.SIGKILL)
    assert eventually(lambda: not launcher.action_server_up(), 10)

    answer = requests.post(f"{launcher.url}/webhooks/rest/webhook", json={"sender": "meanwhile", "message": RLS_OPENING},
                           timeout=120)
    assert answer.status_code == 200 and texts(answer.json()) == resilience.TROUBLE_REPLY, "Rasa stays up, kindly"
    assert launcher.popen.poll() is None, "make run must not stop with its action server"

    assert eventually(launcher.action_server_up, 300), "the action server was not restarted"
    assert launcher.action_server_pid() not in (None, killed)
    assessment = answer_yes_until_assessment(chat, replies)
    assert assessment and assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert "the action server stopped" in launcher.log.read_text()


def test_endpoints_yml_takes_the_action_port_from_the_environment(monkeypatch):
    """Rasa's ${VAR} substitution (plain YAML scalars only: a quoted value stays literal)."""
    from rasa.core.utils import AvailableEndpoints

    monkeypatch.setenv("ACTION_PORT", "5999")
    assert AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml")).action.url == "http://127.0.0.1:5999/webhook"
