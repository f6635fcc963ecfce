"""Stacks for the production tests, started once and in parallel.

Starting a Rasa server costs about 30 s of CPU (TensorFlow, the model). The three stacks these
tests need are started together, in threads, as soon as the first production test runs (only
those whose modules were selected): on 2 cores that is about half the wall time of starting
them one module after another. Each module fixture waits for its stack and stops it when the
module is done.

- ``scale_out``   (test_scale_out.py): scripts/scale_out.sh itself: supervisord running the action
  server, two Rasa replicas on the machine's PostgreSQL (a throwaway database) and Redis (the
  tests' db number and a random key prefix), the readiness gate and nginx in front; the HTTP API
  on, its token in a file.
- ``single_node`` (test_single_node.py): the default `make run` topology (SQLite under the stack's
  temp dir, in-memory lock) with REST (bot.channels.rest.RestInput), the widget and Telegram
  (against the fake Bot API server of tests/channels/telegram_support.py).
- ``infra``       (test_infra_faults.py): one Rasa replica with endpoints.prod.yml on a private
  PostgreSQL and a private Redis, which the tests stop and start.
"""
from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from tests.channels.telegram_support import BOT_USERNAME, SECRET, TOKEN, WEBHOOK_URL, FakeBotApi
from tests.production.support import (
    PROD_CREDENTIALS,
    SCALE_OUT_API_TOKEN,
    SCALE_OUT_DB_PASSWORD,
    ConfiguredStack,
    PrivatePostgres,
    PrivateRedis,
    ScaleOut,
    create_database,
    delete_redis_keys,
    drop_database,
    prod_env,
    require_nginx,
    require_postgres,
    require_redis,
)
from tests.support.servers import ROOT, latest_model

LOGS = ROOT / "results" / "server-logs" / "production"

SINGLE_NODE_CREDENTIALS = PROD_CREDENTIALS + """\
bot.channels.telegram.TelegramChannel:
"""


# --------------------------------------------------------------------------- the stacks
@dataclass
class ScaleOutStack:
    scale_out: ScaleOut
    db_name: str
    redis_prefix: str

    def stop(self) -> None:
        try:
            self.scale_out.stop()
            self.scale_out.keep_logs(LOGS / "scale-out")
        finally:
            drop_database(self.db_name)
            delete_redis_keys(self.redis_prefix)


def start_scale_out(workdir: Path) -> ScaleOutStack:
    require_nginx()
    require_postgres()
    require_redis()
    db_name = create_database()
    prefix = f"legtriagetest{uuid.uuid4().hex[:10]}"
    credentials = workdir / "credentials.yml"
    workdir.mkdir(parents=True, exist_ok=True)
    credentials.write_text(PROD_CREDENTIALS)
    env = prod_env(db_name, prefix, action_url="(set by ScaleOut)")
    env.update({"CREDENTIALS": str(credentials), "MODEL": str(latest_model()), "RETENTION_DAYS": "30",
                # Secrets the way an operator passes them: the environment and a file (never argv).
                "DB_PASSWORD": SCALE_OUT_DB_PASSWORD, "RASA_API_TOKEN_FILE": str(workdir / "api-token")})
    (workdir / "api-token").write_text(SCALE_OUT_API_TOKEN + "\n")
    (workdir / "api-token").chmod(0o600)
    running = ScaleOutStack(ScaleOut(workdir, env), db_name, prefix)
    try:
        running.scale_out.start()
    except BaseException:
        running.stop()
        raise
    return running


@dataclass
class SingleNodeStack:
    stack: ConfiguredStack
    api: FakeBotApi

    def stop(self) -> None:
        try:
            self.stack.stop()
            self.stack.keep_logs(LOGS / "single-node")
        finally:
            self.api.stop()


def start_single_node(workdir: Path) -> SingleNodeStack:
    api = FakeBotApi().start()
    workdir.mkdir(parents=True, exist_ok=True)
    credentials = workdir / "credentials.yml"
    credentials.write_text(SINGLE_NODE_CREDENTIALS)
    stack = ConfiguredStack(workdir=workdir, model=latest_model(), credentials=credentials, extra_env={
        "WIDGET_ALLOWED_ORIGINS": "",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_BOT_USERNAME": BOT_USERNAME,
        "TELEGRAM_API_BASE": api.base_url,
    })
    running = SingleNodeStack(stack, api)
    try:
        stack.start()
    except BaseException:
        running.stop()
        raise
    return running


@dataclass
class InfraStack:
    stack: ConfiguredStack
    postgres: PrivatePostgres
    redis: PrivateRedis
    db_name: str = "leg_triage"

    def stop(self) -> None:
        try:
            self.stack.stop()
            self.stack.keep_logs(LOGS / "infra-faults")
        finally:
            self.redis.stop()
            self.postgres.cleanup()


def start_infra(workdir: Path) -> InfraStack:
    workdir.mkdir(parents=True, exist_ok=True)
    postgres = PrivatePostgres().init()
    postgres.start()
    redis = PrivateRedis(workdir)
    credentials = workdir / "credentials.yml"
    credentials.write_text(PROD_CREDENTIALS)
    stack = ConfiguredStack(workdir=workdir, model=latest_model(), credentials=credentials,
                            endpoints_file=ROOT / "endpoints.prod.yml")
    stack.extra_env = {
        "WIDGET_ALLOWED_ORIGINS": "",
        **prod_env("leg_triage", "legtriagefault", f"http://127.0.0.1:{stack.action_port}/webhook",
                   db_port=postgres.port, redis_port=redis.port, redis_db=0),
    }
    running = InfraStack(stack, postgres, redis)
    try:
        redis.start()
        stack.start()
    except BaseException:
        running.stop()
        raise
    return running


STARTERS: Dict[str, Callable[[Path], Any]] = {
    "scale_out": start_scale_out,
    "single_node": start_single_node,
    "infra": start_infra,
}
#: test module -> the stack it uses
MODULE_STACKS = {
    "test_scale_out.py": "scale_out",
    "test_single_node.py": "single_node",
    "test_infra_faults.py": "infra",
}


# --------------------------------------------------------------------------- parallel start
@dataclass
class Stacks:
    tmp_path_factory: Any
    wanted: List[str]
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=3))
    futures: Dict[str, Future] = field(default_factory=dict)
    released: Dict[str, bool] = field(default_factory=dict)

    def start_all(self) -> None:
        for name in self.wanted:
            self.start(name)

    def start(self, name: str) -> Future:
        if name not in self.futures:
            workdir = self.tmp_path_factory.mktemp(name.replace("_", "-"))
            self.futures[name] = self.pool.submit(STARTERS[name], workdir)
        return self.futures[name]

    def get(self, name: str) -> Any:
        future = self.start(name)
        try:
            return future.result()
        except pytest.skip.Exception:
            raise
        except Exception as error:  # started in a thread: re-raise here with its message
            raise RuntimeError(f"the {name} stack did not start: {error}") from error

    def release(self, name: str) -> None:
        """Stops a stack (once)."""
        future = self.futures.get(name)
        if future is None or self.released.get(name):
            return
        self.released[name] = True
        try:
            running = future.result()
        except BaseException:
            return  # it never started (its starter cleaned up)
        running.stop()

    def release_all(self) -> None:
        for name in list(self.futures):
            self.release(name)
        self.pool.shutdown(wait=True)


@pytest.fixture(scope="session")
def production_stacks(request, tmp_path_factory):
    selected = {Path(str(item.fspath)).name for item in request.session.items
                if Path(str(item.fspath)).parent == Path(__file__).parent}
    wanted = [MODULE_STACKS[m] for m in sorted(MODULE_STACKS) if m in selected]
    stacks = Stacks(tmp_path_factory, wanted)
    stacks.start_all()
    try:
        yield stacks
    finally:
        stacks.release_all()


@pytest.fixture(scope="module")
def scale_out(production_stacks) -> ScaleOutStack:
    try:
        yield production_stacks.get("scale_out")
    finally:
        production_stacks.release("scale_out")


@pytest.fixture(scope="module")
def single_node(production_stacks) -> SingleNodeStack:
    try:
        yield production_stacks.get("single_node")
    finally:
        production_stacks.release("single_node")


@pytest.fixture(scope="module")
def infra(production_stacks) -> InfraStack:
    try:
        yield production_stacks.get("infra")
    finally:
        production_stacks.release("infra")
