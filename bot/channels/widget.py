"""The website chat widget's channel: Rasa's socket.io channel, fixed, plus the widget's files.

credentials.yml:

    bot.channels.widget.WidgetInput:
      session_persistence: true          # default true here (Rasa's default is false)
      widget_path: /chat                 # the demo page is /chat/, the embed script /chat/widget.js
      cors_allowed_origins:              # pages allowed to open the socket (besides the server itself)
        - https://www.example.org
      # and Rasa's own socketio keys: user_message_evt, bot_message_evt, namespace,
      # socketio_path (default /socket.io), jwt_key, jwt_method, metadata_key

The environment variable WIDGET_ALLOWED_ORIGINS (comma-separated; "*" = any origin) overrides
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
  An assessment also gets a sibling `labels` key (names of its triage level, causes, features
  and red flags, from bot.knowledge, and the disclaimer) so a widget can render it as is.
- Origins are checked (Rasa passes `cors_allowed_origins=[]`, which turns the check off).
- A client's messages go to the session it confirmed with session_request; a message claiming
  another session id is dropped.
"""
from __future__ import annotations

import json
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Text, Union

import rasa.core.channels.channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "bot" / "web"
SOCKETIO_CLIENT_DIR = ROOT / "node_modules" / "socket.io-client" / "dist"
ORIGINS_ENV = "WIDGET_ALLOWED_ORIGINS"
DEFAULT_WIDGET_PATH = "/chat"
DEV_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$")
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
DISCLAIMER = (
    "This assistant is not a doctor and does not diagnose: it can be wrong. "
    "In an emergency, call your local emergency number (112, 911, 999...)."
)

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
    def from_config(cls, configured: Any, env: Mapping[str, str] = os.environ) -> "OriginPolicy":
        from_env = parse_origins(env.get(ORIGINS_ENV))
        return cls(from_env if from_env is not None else parse_origins(configured))

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


# --------------------------------------------------------------------------- assessment labels
def assessment_labels(assessment: Mapping[str, Any]) -> Dict[str, Any]:
    """Human names for the ids in an assessment, so a widget can render it without the KB."""
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    causes = [c.get("id") for c in assessment.get("causes", []) if isinstance(c, Mapping)]
    flags = [f.get("id") for f in assessment.get("red_flags", []) if isinstance(f, Mapping)]
    features = set()
    for c in assessment.get("causes", []):
        if isinstance(c, Mapping):
            features.update(c.get("because", []) or [])
            features.update(c.get("against", []) or [])
    evidence = assessment.get("evidence") or {}
    for key in ("present", "absent"):
        features.update(evidence.get(key, []) or [])
    for flag_id in flags:
        if flag_id in kb.red_flags:
            features.update(kb.red_flags[flag_id].when.features())
    level = kb.triage_levels.get(assessment.get("triage"))
    return {
        "triage": (
            {"id": level.id, "title": level.title, "meaning": level.meaning, "what_to_do": level.what_to_do}
            if level
            else None
        ),
        "causes": {c: kb.causes[c].name for c in causes if c in kb.causes},
        "features": {f: kb.features[f].label for f in sorted(features) if f in kb.features},
        "red_flags": {
            f: {"name": kb.red_flags[f].name, "level": kb.red_flags[f].level, "what_to_do": kb.red_flags[f].what_to_do}
            for f in flags
            if f in kb.red_flags
        },
        "disclaimer": DISCLAIMER,
    }


def custom_message(json_message: Mapping[str, Any]) -> Dict[str, Any]:
    """The bot_uttered body for a json_message: `{"custom": ...}`, with labels for an assessment."""
    body = dict(json_message)
    assessment = body.get("assessment")
    if isinstance(assessment, Mapping) and "labels" not in body:
        try:
            body["labels"] = assessment_labels(assessment)
        except Exception:  # the card still renders from the ids
            logger.exception("Could not add labels to an assessment.")
    return {"custom": body}


# --------------------------------------------------------------------------- output
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
    ) -> None:
        super().__init__(
            user_message_evt, bot_message_evt, namespace, bool(session_persistence),
            socketio_path, jwt_key, jwt_method, metadata_key,
        )
        widget_path = "/" + str(widget_path).strip("/")
        if widget_path == "/":
            raise ValueError("widget_path cannot be '/': Rasa serves its own page there (try /chat)")
        self.widget_path = widget_path
        self.origins = OriginPolicy.from_config(cors_allowed_origins)

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

        async def serve(name: str) -> HTTPResponse:
            if name not in WIDGET_FILES:
                return response.text("Not found", status=404)
            path, content_type = WIDGET_FILES[name]
            if not path.is_file():
                if path.is_relative_to(SOCKETIO_CLIENT_DIR):
                    return response.text("The socket.io client is not installed: run scripts/setup_web.sh", status=503)
                return response.text("Not found", status=404)
            return await response.file(
                path, mime_type=content_type,
                headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
            )

        return files

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        namespace = self.namespace
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origins)
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

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = asked if isinstance(asked, str) and SESSION_ID.match(asked) else uuid.uuid4().hex
            if self.session_persistence:
                await join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
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
                        return
                    await join(sid, claimed)  # as Rasa does, but so that the replies reach this socket
                    confirmed = claimed
                sender_id = confirmed
            else:
                sender_id = sid

            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            message = UserMessage(
                data.get("message", ""),
                WidgetOutput(sio, self.bot_message_evt, namespace),
                sender_id,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {},
            )
            await on_new_message(message)

        return webhook
