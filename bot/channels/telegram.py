"""Telegram channel for Rasa 3.6: webhook with a secret token, or long polling (telegram_polling).

Why not Rasa's own ``TelegramInput``: in 3.6.21 it sets the webhook with ``asyncio.run`` while
the server is being built (needs api.telegram.org, on a throw-away event loop), calls getMe on
every update to "verify" the bot by its username (one extra Bot API round trip per message,
and no real authentication), answers malformed bodies with a 500, never answers callback
queries (the button keeps spinning), sends a button payload longer than 64 bytes as callback
data (Telegram refuses the whole message), splits every text at blank lines into separate
messages, and passes any "/something" the user types to Rasa as an intent.

This channel:
- is configured from the environment (``TELEGRAM_*``, see ``TelegramConfig``); a credentials
  entry may override any key, nothing secret lives in the repo;
- at server start calls getMe once (cached) and, when a public webhook URL is configured,
  setWebhook with ``secret_token``; every update without the matching
  ``X-Telegram-Bot-Api-Secret-Token`` header is refused with 403;
- answers malformed bodies with 400 and never lets an exception out as a 5xx (Telegram would
  redeliver the same update again and again);
- maps Telegram commands (/start, /help, /restart, /forget) to intents and refuses other "/..." text
  instead of letting users type intents;
- sends buttons as an inline keyboard whose callback data fits Telegram's 64 bytes (longer
  payloads get a short code), and answers every callback query;
- renders the assessment payload as plain text, route first, and splits long texts at
  paragraph or line boundaries to fit Telegram's 4096-character limit;
- replies briefly to things it cannot read (stickers, photos, voice, edits) and ignores the rest
  (channel posts, membership updates).

The Bot API base URL is configurable (self-hosted Bot API server, the tests' fake server).
Nothing here logs message text, tokens or secrets.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# --- configuration -----------------------------------------------------------------------------

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_USERNAME = "TELEGRAM_BOT_USERNAME"
ENV_WEBHOOK_URL = "TELEGRAM_WEBHOOK_URL"
ENV_SECRET = "TELEGRAM_WEBHOOK_SECRET"
ENV_API_BASE = "TELEGRAM_API_BASE"

DEFAULT_API_BASE = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

#: credentials.yml key -> environment variable. A non-empty credentials value wins.
CREDENTIAL_KEYS = {
    "access_token": ENV_TOKEN,
    "bot_username": ENV_USERNAME,
    "webhook_url": ENV_WEBHOOK_URL,
    "secret_token": ENV_SECRET,
    "api_base_url": ENV_API_BASE,
}

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
USERNAME_PATTERN = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")

#: The update types the bot asks Telegram for (others are ignored if they arrive anyway).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class TelegramConfigError(ValueError):
    """The Telegram configuration is missing or invalid; the message says which variable."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    secret: str
    webhook_url: Optional[str] = None
    username: Optional[str] = None
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def load(
        cls,
        credentials: Optional[Mapping[str, Any]] = None,
        environ: Optional[Mapping[str, str]] = None,
        require_webhook_url: bool = False,
    ) -> "TelegramConfig":
        """Reads the environment, lets non-empty credentials entries override it, validates."""
        environ = os.environ if environ is None else environ
        credentials = dict(credentials or {})
        if "verify" in credentials and "bot_username" not in credentials:  # Rasa's telegram key
            credentials["bot_username"] = credentials.pop("verify")
        unknown = set(credentials) - set(CREDENTIAL_KEYS)
        if unknown:
            raise TelegramConfigError(
                f"unknown Telegram credentials key(s) {sorted(unknown)}; known: {sorted(CREDENTIAL_KEYS)}"
            )
        values: Dict[str, str] = {}
        for key, env in CREDENTIAL_KEYS.items():
            value = credentials.get(key)
            if value is None or str(value).strip() == "":
                value = environ.get(env, "")
            values[key] = str(value).strip()

        problems = []
        if not values["access_token"]:
            problems.append(f"{ENV_TOKEN} is not set (the token BotFather gave you)")
        elif not TOKEN_PATTERN.match(values["access_token"]):
            problems.append(f"{ENV_TOKEN} does not look like a bot token (digits:letters)")
        if not values["secret_token"]:
            problems.append(f"{ENV_SECRET} is not set (1-256 characters A-Z a-z 0-9 _ -)")
        elif not SECRET_PATTERN.match(values["secret_token"]):
            problems.append(f"{ENV_SECRET} must be 1-256 characters from A-Z a-z 0-9 _ -")
        url = values["webhook_url"]
        if url and not url.startswith("https://"):
            problems.append(f"{ENV_WEBHOOK_URL} must be an https:// URL (Telegram only calls HTTPS webhooks)")
        if require_webhook_url and not url:
            problems.append(f"{ENV_WEBHOOK_URL} is not set")
        base = values["api_base_url"] or DEFAULT_API_BASE
        if not re.match(r"^https?://[^/\s]+", base):
            problems.append(f"{ENV_API_BASE} must be an http(s) URL")
        username = values["bot_username"]
        if username and not USERNAME_PATTERN.match(username):
            problems.append(f"{ENV_USERNAME} is not a Telegram username")
        if problems:
            raise TelegramConfigError("Telegram channel configuration: " + "; ".join(problems))
        return cls(
            token=values["access_token"],
            secret=values["secret_token"],
            webhook_url=url or None,
            username=username.lstrip("@") or None,
            api_base=base.rstrip("/"),
        )

    def __repr__(self) -> str:  # never print the token or the secret
        return (
            f"TelegramConfig(token=<hidden>, secret=<hidden>, webhook_url={self.webhook_url!r}, "
            f"username={self.username!r}, api_base={self.api_base!r})"
        )


# --- the Bot API client ------------------------------------------------------------------------


class BotApiError(Exception):
    def __init__(self, method: str, status: int, description: str, retry_after: Optional[float] = None) -> None:
        self.method = method
        self.status = status
        self.description = description
        self.retry_after = retry_after
        super().__init__(f"Bot API {method} failed ({status}): {description}")


class BotApi:
    """A minimal asynchronous Bot API client: ``await api.call("sendMessage", chat_id=1, text="hi")``.

    One aiohttp session per event loop, created lazily. A 429 is retried after Telegram's
    ``retry_after`` (a few times, capped); so is a refused connection (nothing was sent).
    Nothing else is retried, so a message is never sent twice.
    """

    MAX_ATTEMPTS = 3
    MAX_RETRY_AFTER = 30.0

    def __init__(self, token: str, base_url: str = DEFAULT_API_BASE, timeout: float = 30.0) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def redact(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    def _session_for_loop(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession()
            self._loop = loop
        return self._session

    async def call(self, method: str, **params: Any) -> Any:
        """Calls a Bot API method; None values are left out. Returns ``result`` or raises BotApiError."""
        return await self.request(method, params)

    async def request(self, method: str, params: Mapping[str, Any], http_timeout: Optional[float] = None) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        url = f"{self.base_url}/bot{self._token}/{method}"
        client_timeout = aiohttp.ClientTimeout(total=http_timeout or self.timeout)
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            try:
                async with self._session_for_loop().post(url, json=params, timeout=client_timeout) as resp:
                    status = resp.status
                    try:
                        body = await resp.json(content_type=None)
                    except (ValueError, aiohttp.ContentTypeError):
                        body = None
            except aiohttp.ClientConnectorError as error:
                if attempt < self.MAX_ATTEMPTS:
                    await asyncio.sleep(0.5 * attempt)
                    continue
                raise BotApiError(method, 0, self.redact(f"cannot connect: {error}")) from None
            except asyncio.TimeoutError:
                raise BotApiError(method, 0, "timed out") from None
            except aiohttp.ClientError as error:
                raise BotApiError(method, 0, self.redact(f"{type(error).__name__}: {error}")) from None

            if isinstance(body, dict) and body.get("ok") is True:
                return body.get("result")
            description = body.get("description", "") if isinstance(body, dict) else f"HTTP {status}"
            parameters = body.get("parameters") if isinstance(body, dict) else None
            retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            if status == 429 and attempt < self.MAX_ATTEMPTS:
                await asyncio.sleep(min(float(retry_after or 1), self.MAX_RETRY_AFTER))
                continue
            raise BotApiError(method, status, self.redact(str(description)), retry_after)
        raise BotApiError(method, 0, "gave up")  # pragma: no cover - the loop always returns or raises

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


# --- pure parts: message splitting, callback data, the assessment as text ------------------------

MAX_MESSAGE_LENGTH = 4096  # Telegram counts UTF-16 code units
MAX_CALLBACK_BYTES = 64


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


_SPLIT_LEVELS = (
    (lambda t: t.split("\n\n"), "\n\n"),
    (lambda t: t.split("\n"), "\n"),
    (lambda t: re.split(r"(?<=[.!?;:])\s+", t), " "),
    (lambda t: t.split(" "), " "),
)


def split_message(text: str, limit: int = MAX_MESSAGE_LENGTH) -> List[str]:
    """Splits text into Telegram-sized chunks, at paragraph, then line, sentence, word boundaries.

    Chunks are packed greedily (as few messages as possible), stripped, never empty; only a
    single word longer than ``limit`` is cut inside the word (never inside a surrogate pair).
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    text = (text or "").strip()
    if not text:
        return []
    return [chunk for chunk in (c.strip() for c in _split(text, limit, 0)) if chunk]


def _split(text: str, limit: int, level: int) -> List[str]:
    if telegram_length(text) <= limit:
        return [text]
    if level >= len(_SPLIT_LEVELS):
        return _hard_cut(text, limit)
    splitter, joiner = _SPLIT_LEVELS[level]
    pieces = splitter(text)
    if len(pieces) == 1:
        return _split(text, limit, level + 1)
    chunks: List[str] = []
    current = ""
    for piece in pieces:
        if telegram_length(piece) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(_split(piece, limit, level + 1))
            continue
        candidate = f"{current}{joiner}{piece}" if current else piece
        if telegram_length(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> List[str]:
    chunks, current, size = [], [], 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        chunks.append("".join(current))
    return chunks


def _payloads_from_replies() -> List[str]:
    try:
        from bot.replies import ANSWER_BUTTONS, FOLLOW_UP_BUTTONS
    except Exception:  # pragma: no cover - the channel must work even if replies cannot load
        return []
    return [b["payload"] for b in [*ANSWER_BUTTONS, *FOLLOW_UP_BUTTONS] if isinstance(b.get("payload"), str)]


class CallbackCodec:
    """Button payload <-> callback data (at most 64 bytes, Telegram's limit).

    A payload that fits is sent as it is (readable, and it survives restarts). A longer one
    (an intent with entities, say) is sent as ``#`` + 20 hex digits of its SHA-256 and kept in a
    bounded map; the payloads of bot.replies are registered up front. A code the map does not
    know (sent before a restart, or evicted) decodes to None: the user is asked to type.
    """

    PREFIX = "#"

    def __init__(self, known_payloads: Iterable[str] = (), capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._long: "OrderedDict[str, str]" = OrderedDict()
        for payload in known_payloads:
            self.encode(payload)

    @classmethod
    def code_for(cls, payload: str) -> str:
        return cls.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(self.PREFIX):
            return payload
        code = self.code_for(payload)
        self._long[code] = payload
        self._long.move_to_end(code)
        while len(self._long) > self.capacity:
            self._long.popitem(last=False)
        return code

    def decode(self, data: Optional[str]) -> Optional[str]:
        if not data:
            return None
        if data.startswith(self.PREFIX):
            return self._long.get(data)
        return data


def inline_keyboard(buttons: Sequence[Mapping[str, Any]], codec: CallbackCodec) -> Optional[Dict[str, Any]]:
    """Rasa buttons -> an InlineKeyboardMarkup: short answers on one row, longer ones stacked."""
    keys = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        if button.get("url"):
            keys.append({"text": title, "url": str(button["url"])})
            continue
        payload = str(button.get("payload") or title)
        keys.append({"text": title, "callback_data": codec.encode(payload)})
    if not keys:
        return None
    one_row = len(keys) <= 3 and sum(len(k["text"]) for k in keys) <= 30
    rows = [keys] if one_row else [[k] for k in keys]
    return {"inline_keyboard": rows}


def _knowledge():
    try:
        from bot.knowledge import load_knowledge

        return load_knowledge()
    except Exception:  # pragma: no cover - render with ids rather than fail
        logger.warning("knowledge base unavailable, rendering the assessment with ids")
        return None


def _humanize(identifier: str) -> str:
    text = str(identifier).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _fit_words(likelihood: Any) -> str:
    try:
        value = float(likelihood)
    except (TypeError, ValueError):
        return ""
    if value >= 0.7:
        return "fits well"
    if value >= 0.4:
        return "fits in part"
    return "fits weakly"


def render_assessment(assessment: Mapping[str, Any], kb: Any = None) -> str:
    """The DESIGN.md assessment payload as readable plain text, the route first.

    Uses the knowledge base for titles and labels when it can, the ids otherwise; a payload
    with missing or odd fields still renders (whatever is there), never raises.
    """
    kb = _knowledge() if kb is None else kb
    levels = getattr(kb, "triage_levels", {}) or {}
    causes_kb = getattr(kb, "causes", {}) or {}
    features_kb = getattr(kb, "features", {}) or {}
    flags_kb = getattr(kb, "red_flags", {}) or {}

    def label(feature: Any) -> str:
        item = features_kb.get(feature) if isinstance(feature, str) else None
        return item.label if item is not None else _humanize(feature).lower()

    parts: List[str] = []
    triage = assessment.get("triage")
    level = levels.get(triage) if isinstance(triage, str) else None
    if level is not None:
        parts.append(f"Suggested route: {level.title}\n{level.what_to_do}")
    else:
        parts.append(f"Suggested route: {_humanize(triage) if triage else 'not decided'}")

    flags = [f for f in assessment.get("red_flags") or [] if isinstance(f, (dict, str))]
    if flags:
        names = []
        for flag in flags:
            flag_id = flag.get("id") if isinstance(flag, dict) else flag
            known = flags_kb.get(flag_id) if isinstance(flag_id, str) else None
            names.append(known.name if known is not None else _humanize(flag_id or "warning sign"))
        parts.append("Warning signs:\n" + "\n".join(f"• {n}" for n in names))

    lines = []
    for cause in assessment.get("causes") or []:
        if not isinstance(cause, dict) or not cause.get("id"):
            continue
        known = causes_kb.get(cause["id"]) if isinstance(cause["id"], str) else None
        name = known.name if known is not None else _humanize(cause["id"])
        fit = _fit_words(cause.get("likelihood"))
        line = f"• {name}" + (f": {fit}" if fit else "")
        because = [label(f) for f in cause.get("because") or []]
        if because:
            line += f"\n  because: {'; '.join(because)}"
        against = [label(f) for f in cause.get("against") or []]
        if against:
            line += f"\n  against it: {'; '.join(against)}"
        lines.append(line)
    if lines:
        parts.append("Most consistent with:\n" + "\n".join(lines))
    else:
        parts.append("No single cause stands out from what you described.")

    evidence = assessment.get("evidence")
    if isinstance(evidence, dict):
        present = [label(f) for f in evidence.get("present") or []]
        absent = [label(f) for f in evidence.get("absent") or []]
        told = []
        if present and not lines:  # with causes listed, their "because" lines already say it
            told.append("You told me about: " + "; ".join(present) + ".")
        if absent:
            told.append("You said you do not have: " + "; ".join(absent) + ".")
        if told:
            parts.append("\n".join(told))

    parts.append("This is not a diagnosis: only a doctor who examines you can say what it is.")
    return "\n\n".join(parts)


# --- the output channel ------------------------------------------------------------------------


class TelegramOutput(OutputChannel):
    """Sends Rasa's messages as plain text (no parse_mode: nothing to escape, nothing to inject)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, api: BotApi, codec: CallbackCodec) -> None:
        self.api = api
        self.codec = codec
        self.sent = 0

    async def _send(self, chat_id: Text, text: str, reply_markup: Optional[Dict[str, Any]] = None) -> None:
        chunks = split_message(text)
        if not chunks and reply_markup is not None:
            chunks = ["…"]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await self.api.call(
                "sendMessage", chat_id=chat_id, text=chunk, reply_markup=reply_markup if last else None
            )
            self.sent += 1

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, inline_keyboard(buttons or [], self.codec))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.api.call("sendPhoto", chat_id=recipient_id, photo=image)
        self.sent += 1

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, str(attachment))

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        text = "\n\n".join(
            "\n".join(str(e.get(k)) for k in ("title", "subtitle") if e.get(k)) for e in elements if isinstance(e, dict)
        )
        await self._send(recipient_id, text)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if isinstance(json_message, dict) and isinstance(json_message.get("assessment"), dict):
            await self._send(recipient_id, render_assessment(json_message["assessment"]))
        elif isinstance(json_message, dict) and isinstance(json_message.get("text"), str):
            await self._send(recipient_id, json_message["text"])
        else:
            logger.debug("telegram: custom payload without a text rendering skipped")


# --- incoming updates --------------------------------------------------------------------------


class MalformedUpdate(ValueError):
    """The body is not a Telegram update (the webhook answers 400)."""


#: Message fields that carry something a person sent, other than text.
NON_TEXT_CONTENT = (
    "sticker", "photo", "voice", "audio", "video", "video_note", "animation", "document",
    "location", "venue", "contact", "poll", "dice", "game", "story",
)

START_PAYLOAD = "/greet"
#: The assistant's own "start over" intent (action_start_over), the payload of its Start over
#: button. Not `restart`: that is a Rasa default intent, which RulePolicy always maps to
#: action_restart (a silent tracker reset), whatever the rules say.
START_OVER_PAYLOAD = "/start_over"
#: Rasa's built-in restart payload: if it reaches Rasa (an old button) and Rasa stays silent,
#: the channel follows it with the greeting so the user is not left without an answer.
RASA_RESTART_PAYLOAD = "/restart"
#: Telegram commands the bot knows -> what Rasa gets.
COMMANDS = {
    "start": START_PAYLOAD,
    "help": "/ask_capabilities",
    "restart": START_OVER_PAYLOAD,
    "forget": "/delete_my_data",  # erases the conversation (bot.stores.ForgetfulSQLTrackerStore)
}
#: Shown in Telegram's command menu (setMyCommands).
COMMAND_MENU = [
    {"command": "start", "description": "Start a check of your leg symptoms"},
    {"command": "restart", "description": "Start over"},
    {"command": "help", "description": "What this assistant can do"},
    {"command": "forget", "description": "Delete this conversation from our records"},
]

NON_TEXT_REPLY = "I can only read text messages. Please describe in words what your legs are doing."
EDITED_REPLY = "I can't read changes to earlier messages. If something has changed, please send it as a new message."
UNKNOWN_COMMAND_REPLY = (
    "I don't know that command. Use /start to begin, /restart to start over or /help, "
    "or just tell me what your legs are doing."
)
GROUP_REPLY = "For your privacy I only talk in private chats. Please open a direct chat with me."
EXPIRED_BUTTON = "This button has expired. Please type your answer instead."
ERROR_REPLY = "Sorry, something went wrong on my side. Please try again in a moment."


@dataclass
class Incoming:
    """What the channel needs from one update."""

    update_id: int
    kind: str  # "text" | "callback" | "non_text" | "edited" | "ignored"
    chat_id: Optional[int] = None
    chat_type: Optional[str] = None
    text: Optional[str] = None
    callback_id: Optional[str] = None
    from_bot: bool = False
    extra: Dict[str, Any] = field(default_factory=dict)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _chat(message: Any, where: str) -> Dict[str, Any]:
    if not isinstance(message, dict):
        raise MalformedUpdate(f"{where} is not an object")
    chat = message.get("chat")
    if not isinstance(chat, dict) or not _int(chat.get("id")):
        raise MalformedUpdate(f"{where}.chat.id is missing or not an integer")
    if chat.get("type") is not None and not isinstance(chat.get("type"), str):
        raise MalformedUpdate(f"{where}.chat.type is not a string")
    sender = message.get("from")
    if sender is not None and not isinstance(sender, dict):
        raise MalformedUpdate(f"{where}.from is not an object")
    return chat


def parse_update(body: bytes | str) -> Incoming:
    """Validates the parts of an update the channel uses; anything else in it is ignored."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, TypeError, RecursionError):
        raise MalformedUpdate("body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedUpdate("update is not an object")
    update_id = data.get("update_id")
    if not _int(update_id):
        raise MalformedUpdate("update_id is missing or not an integer")

    if "message" in data:
        message = data["message"]
        chat = _chat(message, "message")
        text = message.get("text")
        if text is not None and not isinstance(text, str):
            raise MalformedUpdate("message.text is not a string")
        from_bot = bool((message.get("from") or {}).get("is_bot"))
        base = dict(update_id=update_id, chat_id=chat["id"], chat_type=chat.get("type"), from_bot=from_bot)
        if text is not None:
            return Incoming(kind="text", text=text, **base)
        if any(key in message for key in NON_TEXT_CONTENT):
            return Incoming(kind="non_text", **base)
        return Incoming(kind="ignored", **base)  # service messages: joins, pins, ...

    if "callback_query" in data:
        query = data["callback_query"]
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            raise MalformedUpdate("callback_query.id is missing or not a string")
        callback_data = query.get("data")
        if callback_data is not None and not isinstance(callback_data, str):
            raise MalformedUpdate("callback_query.data is not a string")
        message = query.get("message")
        chat = _chat(message, "callback_query.message") if message is not None else {}
        return Incoming(
            update_id=update_id, kind="callback", chat_id=chat.get("id"), chat_type=chat.get("type"),
            text=callback_data, callback_id=query["id"],
        )

    if "edited_message" in data:
        chat = _chat(data["edited_message"], "edited_message")
        return Incoming(update_id=update_id, kind="edited", chat_id=chat["id"], chat_type=chat.get("type"))

    # channel_post, edited_channel_post, my_chat_member, chat_member, inline_query, poll, ...
    return Incoming(update_id=update_id, kind="ignored")


def parse_command(text: str, bot_username: Optional[str]) -> Optional[tuple]:
    """'/start@MyBot payload' -> ('start', addressed_to_us). None if the text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    word = stripped[1:].split(maxsplit=1)[0] if len(stripped) > 1 else ""
    name, _, target = word.partition("@")
    ours = not target or bot_username is None or target.lower() == bot_username.lower()
    return name.lower(), ours


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramChannel(InputChannel):
    """The Telegram input channel (see the module docstring). URL: /webhooks/telegram/webhook."""

    MAX_BODY_BYTES = 1_000_000
    START_ATTEMPTS = 5

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(TelegramConfig.load(credentials))

    def __init__(self, config: TelegramConfig, api: Optional[BotApi] = None) -> None:
        self.config = config
        self.api = api or BotApi(config.token, config.api_base)
        self.codec = CallbackCodec(_payloads_from_replies())
        self.me: Optional[Dict[str, Any]] = None
        self.get_me_calls = 0
        self.webhook_set = False
        self._start_task: Optional[asyncio.Task] = None

    # -- identity and start-up --

    @property
    def bot_username(self) -> Optional[str]:
        if self.me and self.me.get("username"):
            return str(self.me["username"])
        return self.config.username

    async def get_me(self) -> Optional[Dict[str, Any]]:
        """getMe, called at start-up and cached (Rasa's channel calls it on every update).

        Only start() calls it (retried there if it failed); updates never do.
        """
        if self.me is None:
            self.get_me_calls += 1
            me = await self.api.call("getMe")
            self.me = me if isinstance(me, dict) else {}
            expected = self.config.username
            if expected and self.me.get("username", "").lower() != expected.lower():
                logger.warning(
                    "telegram: %s is %r but the token belongs to @%s",
                    ENV_USERNAME, expected, self.me.get("username"),
                )
        return self.me

    async def start(self) -> None:
        """getMe once, then setWebhook with the secret (when a webhook URL is configured)."""
        for attempt in range(1, self.START_ATTEMPTS + 1):
            try:
                await self.get_me()
                if self.config.webhook_url:
                    await self.api.call(
                        "setWebhook", url=self.config.webhook_url, secret_token=self.config.secret,
                        allowed_updates=ALLOWED_UPDATES,
                    )
                    self.webhook_set = True
                    logger.info("telegram: webhook set to %s", self.config.webhook_url)
                else:
                    logger.info(
                        "telegram: no %s, webhook not set; use `python -m bot.channels.telegram_polling`",
                        ENV_WEBHOOK_URL,
                    )
                try:
                    await self.api.call("setMyCommands", commands=COMMAND_MENU)
                except BotApiError as error:
                    logger.info("telegram: setMyCommands failed: %s", error)
                return
            except BotApiError as error:
                fatal = error.status in (400, 401, 403, 404)
                logger.error("telegram: start-up failed (attempt %d): %s", attempt, error)
                if fatal or attempt == self.START_ATTEMPTS:
                    logger.error("telegram: giving up; updates will not arrive until this is fixed")
                    return
                await asyncio.sleep(min(2 ** attempt, 30))

    # -- the webhook --

    def secret_matches(self, header: Optional[str]) -> bool:
        if not header:
            return False
        return hmac.compare_digest(header.encode("utf-8"), self.config.secret.encode("utf-8"))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram = Blueprint("bot_telegram_webhook", __name__)

        @telegram.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            self._start_task = asyncio.get_running_loop().create_task(self.start())

        @telegram.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            if self._start_task is not None and not self._start_task.done():
                self._start_task.cancel()
            await self.api.close()

        @telegram.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return telegram

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self.secret_matches(request.headers.get(SECRET_HEADER)):
            return response.json({"ok": False, "error": "forbidden"}, status=403)
        body = request.body or b""
        if len(body) > self.MAX_BODY_BYTES:
            return response.json({"ok": False, "error": "too large"}, status=413)
        try:
            update = parse_update(body)
        except MalformedUpdate as error:
            return response.json({"ok": False, "error": str(error)}, status=400)
        try:
            await self.handle(update, on_new_message)
        except Exception:  # a 5xx would make Telegram redeliver the same update forever
            logger.exception("telegram: failed to handle update %s", update.update_id)
        return response.json({"ok": True})

    # -- handling one update --

    async def handle(self, update: Incoming, on_new_message: OnNewMessage) -> None:
        if update.kind == "callback":
            await self._handle_callback(update, on_new_message)
            return
        if update.kind == "ignored" or update.chat_id is None or update.from_bot:
            return
        private = update.chat_type in (None, "private")
        if not private:
            # Groups: answer a command addressed to the bot with the privacy note, ignore the rest.
            command = parse_command(update.text or "", self.bot_username) if update.kind == "text" else None
            if command and command[1]:
                await self._say(update.chat_id, GROUP_REPLY)
            return
        if update.kind == "non_text":
            await self._say(update.chat_id, NON_TEXT_REPLY)
        elif update.kind == "edited":
            await self._say(update.chat_id, EDITED_REPLY)
        elif update.kind == "text":
            await self._handle_text(update, on_new_message)

    async def _handle_text(self, update: Incoming, on_new_message: OnNewMessage) -> None:
        text = (update.text or "").strip()
        if not text:
            return
        command = parse_command(text, self.bot_username)
        if command is not None:
            name, ours = command
            if not ours:
                return
            if name not in COMMANDS:
                await self._say(update.chat_id, UNKNOWN_COMMAND_REPLY)
                return
            text = COMMANDS[name]
        await self.deliver(update.chat_id, text, on_new_message)

    async def _handle_callback(self, update: Incoming, on_new_message: OnNewMessage) -> None:
        payload = self.codec.decode(update.text)
        usable = payload is not None and update.chat_id is not None and update.chat_type in (None, "private")
        try:
            await self.api.call(
                "answerCallbackQuery", callback_query_id=update.callback_id,
                text=None if usable else EXPIRED_BUTTON,
            )
        except BotApiError as error:  # e.g. "query is too old": the press still counts
            logger.info("telegram: answerCallbackQuery failed: %s", error)
        if usable:
            await self.deliver(update.chat_id, payload, on_new_message)

    async def deliver(self, chat_id: int, text: str, on_new_message: OnNewMessage) -> None:
        """Hands one user message to Rasa; a silent "/restart" is followed by the greeting.

        In Rasa 3.6 `restart` is a default intent: RulePolicy predicts action_restart for it
        whatever the rules say, and action_restart sends nothing unless the domain has
        utter_restart. Should "/restart" reach Rasa (a button sent by an older version) and get
        silence, the channel sends the greeting next, as Rasa's own Telegram channel sends
        "/start" after "/restart".
        """
        output = TelegramOutput(self.api, self.codec)
        sender_id = str(chat_id)
        try:
            await on_new_message(UserMessage(text, output, sender_id, input_channel=self.name()))
            if text == RASA_RESTART_PAYLOAD and output.sent == 0:
                await on_new_message(UserMessage(START_PAYLOAD, output, sender_id, input_channel=self.name()))
        except Exception:
            logger.exception("telegram: error while handling a message for chat %s", chat_id)
            try:
                await self._say(chat_id, ERROR_REPLY)
            except Exception:
                logger.warning("telegram: could not send the error reply")

    async def _say(self, chat_id: int, text: str) -> None:
        await TelegramOutput(self.api, self.codec).send_text_message(str(chat_id), text)

    def get_output_channel(self) -> OutputChannel:
        """Used by Rasa for messages it sends on its own (reminders, /conversations/.../trigger)."""
        return TelegramOutput(self.api, self.codec)
