"""Test support for the production topology: PostgreSQL and Redis (the machine's, and private
instances started from the installed server binaries), scripts/scale_out.sh as a subprocess,
stacks started with endpoints.prod.yml or extra `rasa run` arguments, and a socket.io client.

Nothing here stops or reconfigures the machine's PostgreSQL or Redis: tests on them use a
throwaway database (`leg_triage_test_<random>`, dropped after) and a Redis key prefix of their
own; the fault tests restart private instances on free ports.
"""
from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests

from tests.support.servers import QUIET_ENV, ROOT, Process, Stack, free_port, wait_until

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
PG_PASSWORD = os.environ.get("TEST_PG_PASSWORD", "")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
#: The tests' Redis database on the shared server (the lock keys also get a random prefix).
REDIS_TEST_DB = int(os.environ.get("TEST_REDIS_DB", "2"))

#: Secrets of the scale_out stack (PostgreSQL trusts local logins, so any password works there).
SCALE_OUT_API_TOKEN = f"api-token-{uuid.uuid4().hex}"
SCALE_OUT_DB_PASSWORD = f"db-password-{uuid.uuid4().hex}"

#: A user's conversation per test scenario; its turns and what the assessment must say.
RLS_OPENING = "I get a creepy crawly feeling in my legs in bed and have to get up and walk"


def unavailable(what: str) -> None:
    """Skip on a developer machine without the service; fail on CI, where it must be there."""
    message = f"{what} (run scripts/setup_prod.sh; see docs/production.md)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_nginx() -> None:
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        unavailable("nginx is not installed")


# --------------------------------------------------------------------------- PostgreSQL
def pg_connect(dbname: str = "postgres", port: int = PG_PORT, host: str = PG_HOST):
    import psycopg2

    return psycopg2.connect(host=host, port=port, user=PG_USER, password=PG_PASSWORD or None,
                            dbname=dbname, connect_timeout=5)


def require_postgres() -> None:
    try:
        pg_connect().close()
    except Exception as error:
        unavailable(f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} as {PG_USER}: {error}")


def create_database(prefix: str = "leg_triage_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def drop_database(name: str) -> None:
    conn = pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def pg_events(dbname: str, sender_id: str, port: int = PG_PORT) -> List[Dict[str, Any]]:
    """The stored events of one conversation, in order."""
    import json

    conn = pg_connect(dbname, port=port)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT type_name, action_name, data FROM events WHERE sender_id = %s ORDER BY id",
                        (sender_id,))
            return [dict(json.loads(data), type_name=type_name) for type_name, _, data in cur.fetchall()]
    finally:
        conn.close()


# --------------------------------------------------------------------------- Redis
def require_redis() -> None:
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB, socket_timeout=5).ping()
    except Exception as error:
        unavailable(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: {error}")


def delete_redis_keys(prefix: str, db: int = REDIS_TEST_DB, port: int = REDIS_PORT) -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=port, db=db, socket_timeout=5)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


# --------------------------------------------------------------------------- private instances
def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        unavailable("the PostgreSQL server binaries (pg_ctl, initdb) are not installed")
    return Path(found[-1]).parent


class PrivatePostgres:
    """A PostgreSQL server of our own (initdb in a temp dir, a free port), to stop and start at will.

    As root, initdb and pg_ctl refuse to run: they run as the `postgres` system user.
    """

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="leg-triage-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_user: Optional[str] = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                unavailable("running as root without a `postgres` user for initdb")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = "postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, cwd=self.dir, capture_output=True, text=True, timeout=120, check=check)

    def init(self) -> "PrivatePostgres":
        self._run("initdb", "-D", str(self.data), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", check=False)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server of our own on a free port, no persistence."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(self.binary).exists():
            unavailable("redis-server is not installed")
        self.port = free_port()
        self.log = workdir / "redis.log"
        self.popen: Optional[subprocess.Popen] = None

    def start(self) -> None:
        out = open(self.log, "ab")
        self.popen = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=out, stderr=subprocess.STDOUT,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(answers, 30, "private redis-server", self.popen, self.log)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


# --------------------------------------------------------------------------- stacks
def prod_env(db_name: str, redis_prefix: str, action_url: str, db_port: int = PG_PORT,
             redis_port: int = REDIS_PORT, redis_db: int = REDIS_TEST_DB) -> Dict[str, str]:
    """Every variable endpoints.prod.yml names."""
    return {
        "ACTION_ENDPOINT_URL": action_url,
        "DB_HOST": PG_HOST, "DB_PORT": str(db_port), "DB_NAME": db_name, "DB_USER": PG_USER,
        "DB_PASSWORD": PG_PASSWORD, "DB_LOGIN_DB": "postgres",
        "REDIS_HOST": REDIS_HOST, "REDIS_PORT": str(redis_port), "REDIS_DB": str(redis_db),
        "REDIS_PASSWORD": "", "REDIS_KEY_PREFIX": redis_prefix,
        "SQL_POOL_SIZE": "5", "SQL_MAX_OVERFLOW": "10",
        "PRIVACY_DEFAULT": "store",  # conversations kept without asking (bot/privacy/store.py)
        # Test clients answer as fast as the server replies: no per-sender limit unless a test sets one.
        "SENDER_MESSAGES_PER_SECOND": "1000", "SENDER_BURST": "1000",
    }


#: The project's channels with the hardened REST channel (what credentials.yml should say).
PROD_CREDENTIALS = """\
bot.channels.rest.RestInput:
bot.channels.widget.WidgetInput:
  session_persistence: true
  widget_path: /chat
"""


@dataclass
class ConfiguredStack(Stack):
    """A Stack with a given endpoints file (e.g. endpoints.prod.yml) and extra `rasa run` arguments."""

    endpoints_file: Optional[Path] = None
    rasa_args: List[str] = field(default_factory=list)

    def write_endpoints(self) -> Path:
        if self.endpoints_file is not None:
            return self.endpoints_file
        return super().write_endpoints()

    def rasa_server(self) -> Process:
        proc = super().rasa_server()
        proc.args = [*proc.args, *self.rasa_args]
        return proc

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    def stop_process(self, name: str) -> None:
        proc = self.process(name)
        proc.stop()
        self.processes.remove(proc)


class ScaleOut:
    """scripts/scale_out.sh as a subprocess (supervisord in the foreground), on free ports, with its
    run directory in `workdir`."""

    def __init__(self, workdir: Path, env: Dict[str, str], replicas: int = 2) -> None:
        self.workdir = workdir
        self.run_dir = workdir / "run"
        self.port = free_port()
        self.replica_ports = [free_port() for _ in range(replicas)]
        self.action_port = free_port()
        self.env = dict(os.environ)
        self.env.update(QUIET_ENV)
        self.env.update(env)
        self.env.update({
            "PORT": str(self.port),
            "LISTEN_ADDRESS": "127.0.0.1",
            "REPLICA_PORTS": " ".join(map(str, self.replica_ports)),
            "ACTION_PORT": str(self.action_port),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "RUN_DIR": str(self.run_dir),
            "WIDGET_ALLOWED_ORIGINS": "",
        })
        self.log = workdir / "scale_out.log"
        self.popen: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.replica_ports[index]}"

    def start(self, timeout: float = 600) -> "ScaleOut":
        self.workdir.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.popen = subprocess.Popen(["bash", str(ROOT / "scripts" / "scale_out.sh")], cwd=ROOT, env=self.env,
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: self.serving() == set(self.replica_ports) and requests.get(
            f"{self.url}/webhooks/rest/", timeout=2).ok, timeout, "scripts/scale_out.sh", self.popen, self.log)
        return self

    def serving(self) -> set:
        """The replicas the readiness gate has put in nginx's upstream."""
        import json

        try:
            return set(json.loads((self.run_dir / "gate.json").read_text())["ready"])
        except (FileNotFoundError, ValueError, KeyError):
            return set()

    def supervisorctl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / ".venv" / "bin" / "supervisorctl"), "-c", str(self.run_dir / "supervisord.conf"),
                               *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)

    def pid(self, name: str) -> Optional[int]:
        answer = self.supervisorctl("pid", name).stdout.strip()
        return int(answer) if answer.isdigit() and int(answer) > 0 else None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        pid = self.pid(name)
        assert pid is not None, f"supervisord runs no {name}"
        os.kill(pid, sig)
        return pid

    def stop(self) -> None:
        if self.popen is None:
            return
        programs = [pid for pid in (self.pid(name) for name in self.program_names()) if pid]
        if self.popen.poll() is None:
            self.popen.terminate()  # the script passes it on to supervisord, which stops its programs
            try:
                self.popen.wait(90)
            except subprocess.TimeoutExpired:
                pass
        if self.popen.poll() is None:  # whatever is left: the whole session
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(10)
        for pid in programs:  # supervisord's programs have process groups of their own
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def program_names(self) -> List[str]:
        answer = self.supervisorctl("status", timeout=30).stdout
        return [line.split()[0] for line in answer.splitlines() if line.strip()]

    def keep_logs(self, destination: Path) -> None:
        destination.mkdir(parents=True, exist_ok=True)
        for path in list(self.run_dir.glob("*.log")) + [self.log, self.run_dir / "nginx.conf",
                                                        self.run_dir / "supervisord.conf"]:
            if path.exists():
                shutil.copy(path, destination / path.name)


# --------------------------------------------------------------------------- socket.io
class SocketUser:
    """One widget session over socket.io (polling transport: python-engineio's async websocket
    client needs aiohttp >= 3.10, Rasa pins 3.9)."""

    def __init__(self, base_url: str, session_id: Optional[str] = None) -> None:
        self.base_url = base_url
        self.session_id = session_id or f"socket-{uuid.uuid4().hex}"
        self.client: Any = None
        self.messages: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()

    async def connect(self) -> "SocketUser":
        import socketio

        self.client = socketio.AsyncClient(reconnection=False)
        confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", self.messages.put_nowait)
        self.client.on("session_confirm", confirmed.put_nowait)
        # `lb`: what the widget adds to every request of a page, for the load balancer's stickiness.
        await self.client.connect(f"{self.base_url}?lb={uuid.uuid4().hex[:10]}", socketio_path="/socket.io",
                                  transports=["polling"],
                                  headers={"Origin": self.base_url})
        await self.client.emit("session_request", {"session_id": self.session_id})
        assert await asyncio.wait_for(confirmed.get(), 30) == self.session_id
        return self

    async def say(self, text: str, settle: float = 1.0, timeout: float = 60) -> List[Dict[str, Any]]:
        """Sends a message; returns the bot messages that arrive (the first within `timeout`,
        then until none has come for `settle` seconds)."""
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        got = [await asyncio.wait_for(self.messages.get(), timeout)]
        while True:
            try:
                got.append(await asyncio.wait_for(self.messages.get(), settle))
            except asyncio.TimeoutError:
                return got

    async def close(self) -> None:
        if self.client is None:
            return
        try:  # disconnect without waiting out the pending long-poll (up to 25 s)
            for namespace in self.client.namespaces:
                await self.client._send_packet(self.client.packet_class(4, namespace=namespace))
            await self.client.eio.disconnect(abort=True)
        except Exception:
            pass


def answer_yes_until_assessment(chat: Any, replies: List[Dict[str, Any]], limit: int = 10) -> Optional[Dict[str, Any]]:
    """Answers "yes" to every question until the assistant concludes; no answer on the way may be
    the "having trouble" reply. Returns the assessment (None: no conclusion within `limit`)."""
    from bot import resilience
    from tests.support.chat import assessment_in, texts

    for _ in range(limit):
        if assessment_in(replies):
            break
        replies = chat.say("yes")
        assert resilience.TROUBLE_REPLY not in texts(replies), chat.dump()
    return assessment_in(replies)


def eventually(check, timeout: float = 15.0, interval: float = 0.2) -> bool:
    """For facts that become true just after a reply (the tracker is saved after the replies go out)."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
