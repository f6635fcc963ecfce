"""Test support for the Telegram channel: a fake Bot API server, update builders, fixtures.

The fake server (aiohttp, 127.0.0.1, a free port, its own thread) answers the Bot API methods
the channel and the poller use, records every call, and serves queued updates through
getUpdates (long polling, honouring offset). Nothing here talks to api.telegram.org.

Test modules import what they need explicitly:

    from tests.channels.telegram_support import *  # noqa: F401,F403 (fixtures)
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

import pytest
import requests
from aiohttp import web

from tests.support.servers import ROOT, Stack, free_port, latest_model

__all__ = [
    "TOKEN", "SECRET", "BOT_USERNAME", "WEBHOOK_URL", "FLOOD_BURST", "FakeBotApi", "Call", "Updates",
    "fake_bot_api", "telegram_stack", "TelegramStack", "wait_for",
]

TOKEN = "123456789:TEST-token_for-the-fake-bot-api"
SECRET = "s3cret-Token_for-tests"
BOT_USERNAME = "LegGuideTestBot"
WEBHOOK_URL = "https://bot.example.test/webhooks/telegram/webhook"
FLOOD_BURST = 20
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Leg guide", "username": BOT_USERNAME}


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition", interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    token: str
    at: float


class FakeBotApi:
    """A fake Telegram Bot API server: ``{base}/bot<token>/<method>``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.port = free_port()
        self.calls: List[Call] = []
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1000)
        self._updates: List[Dict[str, Any]] = []
        self._update_ids = itertools.count(500_000)
        self._failures: Dict[str, List[tuple]] = {}
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None
        self._new_update: Optional[asyncio.Event] = None
        self._ready = threading.Event()
        #: False: getUpdates answers at once, even with nothing to give (a misbehaving server).
        self.hold_polls = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle --

    def start(self) -> "FakeBotApi":
        self._thread = threading.Thread(target=self._serve, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake Bot API server did not start")
        return self

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    # -- what tests use --

    def queue_update(self, update: Dict[str, Any]) -> Dict[str, Any]:
        """Queues an update for getUpdates (an update_id is assigned if missing)."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        with self._lock:
            self._updates.append(update)
        assert self._loop is not None and self._new_update is not None
        self._loop.call_soon_threadsafe(self._new_update.set)
        return update

    def fail_next(self, method: str, status: int, description: str, retry_after: Optional[int] = None) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append((status, description, retry_after))

    def calls_to(self, method: str) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def count(self, method: str) -> int:
        return len(self.calls_to(method))

    def sent(self, chat_id: Any = None) -> List[Dict[str, Any]]:
        """The sendMessage params, optionally for one chat."""
        return [c.params for c in self.calls_to("sendMessage")
                if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)]

    def documents(self, chat_id: Any) -> List[Dict[str, Any]]:
        """The files sent with sendDocument to one chat: {"filename", "content_type", "content"}."""
        return [c.params["document"] for c in self.calls_to("sendDocument")
                if str(c.params.get("chat_id")) == str(chat_id) and isinstance(c.params.get("document"), dict)]

    def texts(self, chat_id: Any) -> List[str]:
        return [str(p.get("text")) for p in self.sent(chat_id)]

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # -- the server --

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        params: Dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:  # multipart/form-data (sendDocument) or a form
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        value = {"filename": value.filename, "content_type": value.content_type,
                                 "content": value.file.read()}
                    params[key] = value
        with self._lock:
            self.calls.append(Call(method, params, token, time.monotonic()))
            failure = self._failures.get(method, []).pop(0) if self._failures.get(method) else None
        if token != self.token:
            return self._error(401, "Unauthorized")
        if failure:
            status, description, retry_after = failure
            return self._error(status, description, retry_after)
        if method == "getUpdates":
            return await self._get_updates(params)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    @staticmethod
    def _error(status: int, description: str, retry_after: Optional[int] = None) -> web.Response:
        body: Dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _result(self, method: str, params: Dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = params.get("chat_id")
            try:
                chat_id = int(chat_id)
            except (TypeError, ValueError):
                pass
            return {"message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER,
                    "text": params.get("text", "")}
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True

    async def _get_updates(self, params: Dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0) if self.hold_polls else 0.0
        limit = int(params.get("limit") or 100)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            with self._lock:
                if offset:  # confirming: everything below offset is forgotten, as Telegram does
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            remaining = deadline - asyncio.get_running_loop().time()
            if ready or remaining <= 0:
                return web.json_response({"ok": True, "result": ready})
            assert self._new_update is not None
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except asyncio.TimeoutError:
                pass


class Updates:
    """Builders of real-looking Telegram update JSON."""

    _ids = itertools.count(1)
    _message_ids = itertools.count(1)

    @classmethod
    def user(cls, chat_id: int) -> Dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Alex", "language_code": "en"}

    @classmethod
    def chat(cls, chat_id: int, kind: str = "private") -> Dict[str, Any]:
        if kind == "private":
            return {"id": chat_id, "first_name": "Alex", "type": "private"}
        return {"id": chat_id, "title": "Some group", "type": kind}

    @classmethod
    def message(cls, chat_id: int, chat_type: str = "private", **content: Any) -> Dict[str, Any]:
        return {
            "update_id": next(cls._ids),
            "message": {"message_id": next(cls._message_ids), "from": cls.user(abs(chat_id)),
                        "chat": cls.chat(chat_id, chat_type), "date": int(time.time()), **content},
        }

    @classmethod
    def text(cls, chat_id: int, text: str, chat_type: str = "private") -> Dict[str, Any]:
        content: Dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        return cls.message(chat_id, chat_type, **content)

    @classmethod
    def callback(cls, chat_id: int, data: str, query_id: Optional[str] = None) -> Dict[str, Any]:
        return {
            "update_id": next(cls._ids),
            "callback_query": {
                "id": query_id or f"cbq-{next(cls._ids)}",
                "from": cls.user(chat_id),
                "message": {"message_id": next(cls._message_ids), "from": BOT_USER,
                            "chat": cls.chat(chat_id), "date": int(time.time()), "text": "a question"},
                "chat_instance": "-42",
                "data": data,
            },
        }

    @classmethod
    def sticker(cls, chat_id: int) -> Dict[str, Any]:
        return cls.message(chat_id, sticker={"file_id": "CAACAgI", "file_unique_id": "AgAD", "width": 512,
                                             "height": 512, "is_animated": False, "is_video": False,
                                             "type": "regular", "emoji": "👍"})

    @classmethod
    def photo(cls, chat_id: int) -> Dict[str, Any]:
        return cls.message(chat_id, photo=[{"file_id": "AgACAgI", "file_unique_id": "AQAD", "width": 90,
                                            "height": 67, "file_size": 1234}], caption="my leg")

    @classmethod
    def voice(cls, chat_id: int) -> Dict[str, Any]:
        return cls.message(chat_id, voice={"file_id": "AwACAgI", "file_unique_id": "AgADv",
                                           "duration": 3, "mime_type": "audio/ogg"})

    @classmethod
    def edited(cls, chat_id: int, text: str) -> Dict[str, Any]:
        return {"update_id": next(cls._ids),
                "edited_message": {"message_id": next(cls._message_ids), "from": cls.user(chat_id),
                                   "chat": cls.chat(chat_id), "date": int(time.time()),
                                   "edit_date": int(time.time()), "text": text}}

    @classmethod
    def channel_post(cls, chat_id: int) -> Dict[str, Any]:
        return {"update_id": next(cls._ids),
                "channel_post": {"message_id": next(cls._message_ids), "sender_chat": cls.chat(chat_id, "channel"),
                                 "chat": cls.chat(chat_id, "channel"), "date": int(time.time()),
                                 "text": "news"}}

    @classmethod
    def my_chat_member(cls, chat_id: int) -> Dict[str, Any]:
        member = {"user": BOT_USER, "status": "member"}
        return {"update_id": next(cls._ids),
                "my_chat_member": {"chat": cls.chat(chat_id, "group"), "from": cls.user(chat_id),
                                   "date": int(time.time()), "old_chat_member": {**member, "status": "left"},
                                   "new_chat_member": member}}

    @classmethod
    def joined(cls, chat_id: int) -> Dict[str, Any]:
        return cls.message(chat_id, "group", new_chat_members=[BOT_USER])


@pytest.fixture
def fake_bot_api():
    """A fresh fake Bot API server for one test."""
    server = FakeBotApi().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class TelegramStack:
    stack: Stack
    api: FakeBotApi

    @property
    def webhook(self) -> str:
        return f"{self.stack.url}/webhooks/telegram/webhook"

    def post(self, update: Any, secret: Optional[str] = SECRET, raw: Optional[bytes] = None) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = raw if raw is not None else json.dumps(update).encode()
        return requests.post(self.webhook, data=data, headers=headers, timeout=120)


TELEGRAM_CREDENTIALS = """\
rest:
# Configured from the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, ...).
bot.channels.telegram.TelegramChannel:
"""


@pytest.fixture(scope="module")
def telegram_stack(tmp_path_factory):
    """Action server + Rasa server with the Telegram channel, pointed at a fake Bot API server."""
    api = FakeBotApi().start()
    workdir = tmp_path_factory.mktemp("telegram-stack")
    credentials = workdir / "credentials.yml"
    credentials.write_text(TELEGRAM_CREDENTIALS)
    stack = Stack(workdir=workdir, model=latest_model(), credentials=credentials, extra_env={
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_BOT_USERNAME": BOT_USERNAME,
        "TELEGRAM_API_BASE": api.base_url,
        # A flood limit every test's chat stays under (no chat sends 20 messages) and that does
        # not refill during a flood test (one message per 5 s).
        "SENDER_BURST": str(FLOOD_BURST),
        "SENDER_MESSAGES_PER_SECOND": "0.2",
        "MAX_MESSAGE_CHARS": "",
        # Conversations are kept without asking, so erase and export have something to show.
        "PRIVACY_DEFAULT": "store",
    })
    try:
        stack.start()
        yield TelegramStack(stack, api)
    finally:
        stack.stop()
        stack.keep_logs(ROOT / "results" / "server-logs" / "telegram")
        api.stop()
