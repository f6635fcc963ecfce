"""The website chat widget's channel: Rasa's socket.io channel, fixed, plus the widget's files.

credentials.yml:

    bot.channels.widget.WidgetInput:
      session_persistence: true          # default true here (Rasa's default is false)
      widget_path: /chat                 # the demo page is /chat/, the embed script /chat/widget.js
      cors_allowed_origins:              # pages allowed to open the socket (besides the server itself)
        - https://www.example.org
      # and Rasa's own socketio keys: user_message_evt, bot_message_evt, namespace,
      # socketio_path (default /socket.io), jwt_key, jwt_method, metadata_key

The setting WIDGET_ALLOWED_ORIGINS (bot/settings.py; comma-separated, "*" = any origin) overrides
`cors_allowed_origins`. With neither, the server's own origin and http(s)://localhost or
127.0.0.1 on any port are allowed (development); set one of them in production.

It speaks the standard Rasa socket.io protocol (session_request / session_confirm,
user_uttered / bot_uttered), so other Rasa socket.io widgets work with it too. What differs from
`rasa.core.channels.socketio` in Rasa 3.6.21, and why:

- `enter_room` is awaited. Rasa calls the coroutine without `await`, so with python-socketio 5
  the client never joins the session's room and, with session persistence on, every bot message
  (sent to that room) silently reaches nobody.
- The namespace is passed to `enter_room` and to every `emit`; Rasa drops it, so a configured
  namespace also delivers nothing.
- Custom payloads (`json_message`) are sent as `{"custom": {...}}`, like the REST channel. Rasa
  spreads the dict into `sio.emit(**json_message)`, which raises on an `{"assessment": ...}` body.
- A bot message with a custom payload is ONE `bot_uttered` (text, quick_replies and custom
  together), not Rasa's text-then-custom pair, so the widget can render the card
  (docs/presentation.md) and drop the same message's text; widgets that ignore `custom` still
  show the text and the buttons.
- Unreadable input gets a clear reply, never a crash: a socket.io packet whose JSON cannot be
  read (malformed, or nested too deep for Python's parser: bot.channels.guard.read_json) or an
  event body that is not `{"message": "<text>"}` is answered with `widget.unreadable`.
- One session sending too fast gets `service.slow_down` once per burst and its extra messages are
  dropped (bot.channels.guard.SenderRateLimiter, SENDER_MESSAGES_PER_SECOND / SENDER_BURST).
- Origins are checked (Rasa passes `cors_allowed_origins=[]`, which turns the check off).
- A client's messages go to the session it confirmed with session_request; a message claiming
  another session id is dropped.

Besides the widget's files it serves the summary a user keeps for their doctor (issue #16):
`GET <widget path>/summary/<token>.html` and `.pdf`, the token signed by bot.summary.
"""
from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Tuple, Union

import rasa.core.channels.channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer
from socketio.packet import Packet

from bot import summary as summaries
from bot.channels.guard import SenderRateLimiter, UnreadableBody, read_json
from bot.knowledge import load_knowledge
from bot.settings import Settings
from bot.settings import settings as current_settings
from bot.texts import say, section

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "bot" / "web"
SOCKETIO_CLIENT_DIR = ROOT / "node_modules" / "socket.io-client" / "dist"
DEFAULT_WIDGET_PATH = "/chat"
DEV_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$")
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
#: The widget's own words (texts.yml, section widget.ui), served as a script before widget.js runs.
TEXTS_SCRIPT = "texts.js"
SUMMARY_FILE_NAME = "leg-symptom-summary"
#: Health information: never cached, never indexed, never sent on as a referrer.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}

# name under the widget path -> (file, content type)
WIDGET_FILES: Dict[str, tuple] = {
    "": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "index.html": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "widget.js": (WEB_DIR / "widget.js", "text/javascript; charset=utf-8"),
    "widget.css": (WEB_DIR / "widget.css", "text/css; charset=utf-8"),
    "socket.io.min.js": (SOCKETIO_CLIENT_DIR / "socket.io.min.js", "text/javascript; charset=utf-8"),
    "socket.io.min.js.map": (SOCKETIO_CLIENT_DIR / "socket.io.min.js.map", "application/json"),
}


# --------------------------------------------------------------------------- origins
def parse_origins(value: Union[None, Text, Iterable[Text]]) -> Optional[List[Text]]:
    """A list of origins from a comma/space-separated string or a list; None when not set."""
    if value is None:
        return None
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else [str(v) for v in value]
    origins = [o.strip().rstrip("/").lower() for o in items if o and o.strip()]
    return origins or None


class OriginPolicy:
    """Which page origins may open the socket: given to python-engineio as a callable.

    Always the server's own origin; then the configured list ("*" = any), or, when nothing is
    configured, localhost / 127.0.0.1 on any port (development default).
    """

    def __init__(self, allowed: Optional[List[Text]]) -> None:
        self.allowed = allowed
        self.allow_any = bool(allowed) and "*" in allowed  # type: ignore[operator]

    @classmethod
    def from_config(cls, configured: Any, config: Optional[Settings] = None) -> "OriginPolicy":
        """WIDGET_ALLOWED_ORIGINS (through bot.settings) when set, else credentials.yml's list."""
        from_settings = parse_origins((config or current_settings()).widget_allowed_origins)
        return cls(from_settings if from_settings is not None else parse_origins(configured))

    def describe(self) -> Text:
        if self.allow_any:
            return "any origin"
        if self.allowed is None:
            return "same origin + localhost (development default)"
        return "same origin + " + ", ".join(self.allowed)

    def __call__(self, origin: Optional[Text], environ: Optional[Mapping[str, Any]] = None) -> bool:
        if not origin:
            return False
        origin = origin.rstrip("/").lower()
        if self.allow_any or origin in _own_origins(environ or {}):
            return True
        if self.allowed is None:
            return bool(DEV_ORIGIN.match(origin))
        return origin in self.allowed


def _own_origins(environ: Mapping[str, Any]) -> List[Text]:
    host = environ.get("HTTP_HOST")
    if not host:
        return []
    scheme = environ.get("wsgi.url_scheme", "http")
    own = [f"{scheme}://{host}".lower()]
    forwarded = environ.get("HTTP_X_FORWARDED_HOST")
    if forwarded:
        own.append(f"{scheme}://{forwarded.split(',')[0].strip()}".lower())
    return own


# --------------------------------------------------------------------------- reading packets safely
class GuardedJson:
    """The json module python-socketio decodes event payloads with, through guard.read_json: an
    array nested 50,000 deep raises UnreadableBody (a ValueError) instead of RecursionError."""

    @staticmethod
    def loads(text: Union[str, bytes], **_: Any) -> Any:
        return read_json(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))

    @staticmethod
    def dumps(value: Any, **kwargs: Any) -> str:
        return json.dumps(value, **kwargs)


class GuardedPacket(Packet):
    json = GuardedJson


class WidgetSocketServer(AsyncServer):
    """python-socketio's server, answering a packet it cannot read instead of logging a traceback.

    Event handlers run as background tasks (async_handlers), so what is caught here is only the
    decoding of the packet itself.
    """

    def __init__(self, *args: Any, namespace: Optional[Text], bot_message_evt: Text, **kwargs: Any) -> None:
        super().__init__(*args, serializer=GuardedPacket, **kwargs)
        self.widget_namespace = namespace or "/"
        self.bot_message_evt = bot_message_evt

    async def _handle_eio_message(self, eio_sid: Text, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError as error:  # UnreadableBody, and python-socketio's own "bad packet" errors
            logger.warning("Answered a widget packet that could not be read (%s).", type(error).__name__)
            sid = self.manager.sid_from_eio_sid(eio_sid, self.widget_namespace)
            if sid is not None:
                await self.emit(self.bot_message_evt, {"text": say("widget.unreadable")},
                                to=sid, namespace=self.widget_namespace)


def message_text(data: Any) -> Optional[Text]:
    """The text of a user_uttered body, or None when the body is not `{"message": "<text>"}`."""
    if not isinstance(data, dict):
        return None
    text = data.get("message", "")
    return text if isinstance(text, str) else None


def message_metadata(data: Mapping[str, Any], key: Text) -> Optional[Dict[str, Any]]:
    """The metadata of a user_uttered body (an object, or JSON of one); None when unreadable."""
    metadata = data.get(key)
    if metadata is None or metadata == "":
        return {}
    if isinstance(metadata, str):
        try:
            metadata = read_json(metadata.encode("utf-8", "surrogatepass"))
        except UnreadableBody:
            return None
    return metadata if isinstance(metadata, dict) else None


# --------------------------------------------------------------------------- output
def custom_message(json_message: Mapping[str, Any]) -> Dict[str, Any]:
    """The bot_uttered body for a json_message: `{"custom": ...}`, like the REST channel."""
    return {"custom": dict(json_message)}


def quick_replies(buttons: Any) -> List[Dict[str, Any]]:
    """Rasa buttons as socket.io quick_replies (what Rasa's socketio channel sends for buttons)."""
    return [
        {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
        for b in buttons or []
        if isinstance(b, Mapping) and b.get("title")
    ]


class WidgetOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> Text:
        return "widget"

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, namespace: Optional[Text] = None) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await self.sio.emit(self.bot_message_evt, response, room=socket_id, namespace=self.namespace)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, custom_message(json_message))

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """A message with a custom payload goes out as one bot_uttered (see the module docstring)."""
        custom = message.get("custom")
        if not isinstance(custom, Mapping):
            await super().send_response(recipient_id, message)
            return
        rest = dict(message)
        body = custom_message(rest.pop("custom"))
        text = rest.pop("text", None)
        if isinstance(text, str) and text.strip():
            body["text"] = text.strip()
        replies = quick_replies(rest.pop("quick_replies", None) or rest.pop("buttons", None))
        rest.pop("buttons", None)
        if replies:
            body["quick_replies"] = replies
        await self._send_message(recipient_id, body)
        await super().send_response(recipient_id, rest)  # an image, attachment or elements, if any


# --------------------------------------------------------------------------- the summary to keep
def _summary_gone(status: int = 404) -> HTTPResponse:
    page = ('<!doctype html><html lang="en"><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_html(say('widget.summary_gone_title'))}</title>"
            f"<p>{_html(say('widget.summary_gone'))}</p></html>")
    return response.html(page, status=status, headers=PRIVATE_HEADERS)


def _html(text: Text) -> Text:
    return html.escape(text, quote=True)


def summary_request(name: Text) -> Optional[Tuple[Text, Text]]:
    """(token, "html" | "pdf") from the last path segment `<token>.html` / `<token>.pdf`."""
    token, dot, kind = name.rpartition(".")
    if not dot or not token or kind not in ("html", "pdf"):
        return None
    return token, kind


async def summary_response(request: Request, name: Text) -> HTTPResponse:
    """The print-friendly page or the PDF of the conversation the token was signed for."""
    wanted = summary_request(name)
    if wanted is None:
        return _summary_gone()
    token, kind = wanted
    sender_id = summaries.verify(token)
    if sender_id is None:
        return _summary_gone()
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return _summary_gone(503)
    tracker = await agent.tracker_store.retrieve(sender_id)
    summary = summaries.build([e.as_dict() for e in tracker.events], load_knowledge()) if tracker else None
    if summary is None:  # erased, never stored, or started over since
        return _summary_gone()
    loop = asyncio.get_running_loop()
    if kind == "html":
        page = await loop.run_in_executor(None, summaries.render_html, summary)
        return response.html(page, headers=PRIVATE_HEADERS)
    pdf = await loop.run_in_executor(None, summaries.render_pdf, summary)
    return response.raw(pdf, content_type="application/pdf", headers={
        **PRIVATE_HEADERS, "Content-Disposition": f'attachment; filename="{SUMMARY_FILE_NAME}.pdf"',
    })


def texts_script() -> Text:
    """widget.js's words (texts.yml `widget.ui`) as a script, loaded before widget.js builds its DOM."""
    words = json.dumps(section("widget")["ui"], ensure_ascii=False).replace("</", "<\\/")
    return f"window.LegSymptomWidgetTexts = {words};\n"


# --------------------------------------------------------------------------- input
class WidgetBlueprint(SocketBlueprint):
    """Attaches socket.io at its absolute path and the widget's files at the widget path."""

    def __init__(self, sio: AsyncServer, socketio_path: Text, files: Blueprint, *args: Any, **kwargs: Any) -> None:
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.files = files

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        app.blueprint(self.ctx.files)


class WidgetInput(SocketIOInput):
    """Rasa's socket.io input channel with the fixes listed in the module docstring."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WidgetInput":
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
            widget_path=credentials.get("widget_path", DEFAULT_WIDGET_PATH),
            cors_allowed_origins=credentials.get("cors_allowed_origins"),
        )

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        namespace: Optional[Text] = None,
        session_persistence: bool = True,
        socketio_path: Optional[Text] = "/socket.io",
        jwt_key: Optional[Text] = None,
        jwt_method: Optional[Text] = "HS256",
        metadata_key: Optional[Text] = "metadata",
        widget_path: Text = DEFAULT_WIDGET_PATH,
        cors_allowed_origins: Any = None,
        config: Optional[Settings] = None,
    ) -> None:
        super().__init__(
            user_message_evt, bot_message_evt, namespace, bool(session_persistence),
            socketio_path, jwt_key, jwt_method, metadata_key,
        )
        widget_path = "/" + str(widget_path).strip("/")
        if widget_path == "/":
            raise ValueError("widget_path cannot be '/': Rasa serves its own page there (try /chat)")
        config = config or current_settings()
        self.widget_path = widget_path
        self.origins = OriginPolicy.from_config(cors_allowed_origins, config)
        self.limiter = SenderRateLimiter(per_second=config.sender_messages_per_second, burst=config.sender_burst)

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()  # warns and returns None
        return WidgetOutput(self.sio, self.bot_message_evt, self.namespace)

    def files_blueprint(self) -> Blueprint:
        files = Blueprint("leg_widget_files", url_prefix=self.widget_path, strict_slashes=True)

        @files.route("", methods=["GET"])
        async def to_demo(_: Request) -> HTTPResponse:
            return response.redirect(self.widget_path + "/")

        @files.route("/", methods=["GET"])
        async def demo(_: Request) -> HTTPResponse:
            return await serve("")

        @files.route("/<name:str>", methods=["GET"])
        async def asset(_: Request, name: str) -> HTTPResponse:
            return await serve(name)

        @files.route("/summary/<name:str>", methods=["GET"])
        async def summary(request: Request, name: str) -> HTTPResponse:
            return await summary_response(request, name)

        async def serve(name: str) -> HTTPResponse:
            headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
            if name == TEXTS_SCRIPT:
                return response.text(texts_script(), content_type="text/javascript; charset=utf-8", headers=headers)
            if name not in WIDGET_FILES:
                return response.text("Not found", status=404)
            path, content_type = WIDGET_FILES[name]
            if not path.is_file():
                if path.is_relative_to(SOCKETIO_CLIENT_DIR):
                    return response.text("The socket.io client is not installed: run scripts/setup_web.sh", status=503)
                return response.text("Not found", status=404)
            return await response.file(path, mime_type=content_type, headers=headers)

        return files

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        namespace = self.namespace
        sio = WidgetSocketServer(async_mode="sanic", cors_allowed_origins=self.origins,
                                 namespace=namespace, bot_message_evt=self.bot_message_evt)
        webhook = WidgetBlueprint(sio, self.socketio_path, self.files_blueprint(), "leg_widget_webhook", __name__)
        self.sio = sio
        logger.info(f"Chat widget on {self.widget_path}/, socket.io on {self.socketio_path}, "
                    f"origins: {self.origins.describe()}.")

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            payload = None
            if token:
                payload = rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
            return bool(payload)

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: Text, reason: Any = None) -> None:
            logger.debug(f"User {sid} disconnected from the widget socket.")

        async def join(sid: Text, session_id: Text) -> None:
            await sio.enter_room(sid, session_id, namespace=namespace)  # awaited: see module docstring
            async with sio.session(sid, namespace=namespace) as session:
                session["session_id"] = session_id

        async def tell(room: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=room, namespace=namespace)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = asked if isinstance(asked, str) and SESSION_ID.match(asked) else uuid.uuid4().hex
            if self.session_persistence:
                await join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            text = message_text(data)
            metadata = message_metadata(data, self.metadata_key) if text is not None else None
            if text is None or metadata is None:
                logger.warning("Answered a widget message whose body could not be read.")
                await tell(sid, say("widget.unreadable"))
                return
            if self.session_persistence:
                confirmed = (await sio.get_session(sid, namespace=namespace)).get("session_id")
                claimed = data.get("session_id")
                if confirmed and claimed and claimed != confirmed:
                    logger.warning("Dropped a widget message whose session_id is not the one its socket confirmed.")
                    return
                if not confirmed:
                    if not (isinstance(claimed, str) and SESSION_ID.match(claimed)):
                        logger.warning("Dropped a widget message without a session_id: send session_request first.")
                        await tell(sid, say("widget.no_session"))
                        return
                    await join(sid, claimed)  # as Rasa does, but so that the replies reach this socket
                    confirmed = claimed
                sender_id = confirmed
            else:
                sender_id = sid

            if not self.limiter.allow(sender_id):
                if self.limiter.should_warn(sender_id):
                    logger.warning("A widget session is sending too fast: told to slow down, extra messages dropped.")
                    await tell(sender_id, say("service.slow_down"))  # its room: every tab of the session
                return

            message = UserMessage(
                text,
                WidgetOutput(sio, self.bot_message_evt, namespace),
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await on_new_message(message)

        return webhook
