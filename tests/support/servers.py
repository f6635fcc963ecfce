"""Start the real Rasa server and action server as subprocesses, for end-to-end tests.

Each test session gets its own ports, its own SQLite tracker store in a temp dir and its own
logs, so a developer's `make run` on 5005/5055 is never touched.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "LOG_LEVEL_LIBRARIES": "ERROR",
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "MPLCONFIGDIR": "/tmp/leg-triage-mpl",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model in models/: run `make model` first")
    return models[-1]


def wait_until(predicate, timeout: float, what: str, proc: Optional[subprocess.Popen] = None, log: Optional[Path] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            if predicate():
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up in {timeout:.0f}s\n{tail}")


@dataclass
class Process:
    name: str
    args: List[str]
    log: Path
    env: Dict[str, str]
    popen: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.popen = subprocess.Popen(self.args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=self.env)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Stack:
    """An action server and a Rasa server wired together, on free ports."""

    workdir: Path
    model: Path
    credentials: Path = ROOT / "credentials.yml"
    endpoints_extra: str = ""
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    extra_env: Dict[str, str] = field(default_factory=dict)
    processes: List[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "trackers.db"

    @property
    def rasa_log(self) -> Path:
        return self.workdir / "rasa.log"

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update(QUIET_ENV)
        # Test clients send a conversation's turns as fast as the server answers: no flood limit
        # unless a test sets one (extra_env) to test it.
        env.update({"SENDER_MESSAGES_PER_SECOND": "1000", "SENDER_BURST": "1000"})
        env.update(self.extra_env)
        return env

    def write_endpoints(self) -> Path:
        path = self.workdir / "endpoints.yml"
        path.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n'
            f'tracker_store:\n  type: bot.stores.ForgetfulSQLTrackerStore\n  dialect: "sqlite"\n  db: "{self.tracker_db}"\n'
            + self.endpoints_extra
        )
        return path

    def action_server(self) -> Process:
        return Process(
            "actions",
            [sys.executable, "-m", "bot.rasa_cli", "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            self.workdir / "actions.log",
            self.env(),
        )

    def rasa_server(self) -> Process:
        return Process(
            "rasa",
            [sys.executable, "-m", "bot.rasa_cli", "run", "--model", str(self.model), "--endpoints", str(self.write_endpoints()),
             "--credentials", str(self.credentials), "--port", str(self.rasa_port), "--interface", "127.0.0.1"],
            self.rasa_log,
            self.env(),
        )

    def start_actions(self) -> Process:
        proc = self.action_server()
        proc.start()
        self.processes.append(proc)
        wait_until(lambda: requests.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2).ok,
                   90, "action server", proc.popen, proc.log)
        return proc

    def start_rasa(self) -> Process:
        proc = self.rasa_server()
        proc.start()
        self.processes.append(proc)
        wait_until(lambda: requests.get(f"{self.url}/webhooks/rest/", timeout=2).ok,
                   180, "rasa server", proc.popen, proc.log)
        return proc

    def start(self) -> "Stack":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.start_actions()
        self.start_rasa()
        return self

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()

    def keep_logs(self, destination: Path) -> None:
        destination.mkdir(parents=True, exist_ok=True)
        for log in self.workdir.glob("*.log"):
            shutil.copy(log, destination / log.name)
