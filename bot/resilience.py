"""What the user gets when something behind the assistant fails, and the input every channel gets.

Rasa 3.6 leaves a user in silence in two situations:

1. **A custom action fails** (the action server is down, restarting or answers 5xx).
   ``RemoteAction.run`` raises a ``RasaException``; ``MessageProcessor._run_action`` logs it with a
   stack trace and carries on with no events, so the turn ends with nothing sent.
2. **The tracker store or the lock store fails** (PostgreSQL or Redis restarting).
   The lock store raises out of ``Agent.handle_message``; each channel handles that its own way
   (Rasa's REST channel answers 200 with an empty list and logs the *message text*; socket.io
   sends nothing). The tracker store is worse: Rasa wraps it in ``FailSafeTrackerStore``, which
   on an error *retrieves nothing* and saves to a process-local ``InMemoryTrackerStore``. The
   user's turn then runs on an empty conversation ("yes" with no question, the interview lost),
   each replica grows its own diverging memory, and "delete my data" answers "erased" while the
   database still holds everything.

Here both get the same friendly reply (``TROUBLE_REPLY``: having trouble, please try again in a
moment), logged without any message text, and nothing said before is lost: once the service is
back, the next message carries on where the conversation was.

Where, and why there
--------------------
- Failure 1 is handled by wrapping ``RemoteAction.run``: a failure other than
  ``ActionExecutionRejection`` (which Rasa handles itself) returns one ``BotUttered`` with the
  reply instead of raising. That is the narrowest point that knows *this* failed: the reply then
  travels the ordinary way (``execute_side_effects`` -> the channel's output), so REST, the widget
  and Telegram all show it, and it is kept in the tracker like any bot message. The slots are
  untouched (the action's own events never arrived), so a pending question can simply be
  answered again. The alternatives were worse: an output-channel wrapper cannot tell "the
  action failed" from "the turn legitimately sends nothing" (``/restart`` is silent on
  purpose); a processor subclass cannot be plugged into ``rasa run``; and Rasa 3.6's pluggy
  hooks (``rasa/plugin.py``) are only discovered from the enterprise ``rasa_plus`` package and
  have no hook around a failed action (``prefixing_custom_actions_response`` runs only on
  success).
  The same wrapper bounds the calls to the action server in flight (``ACTION_SERVER_CONCURRENCY``,
  default 32: Rasa opens a new connection per call, and 200 at once overflow the action server's
  listen backlog, which resets some of them) and retries a call once when its connection failed
  (refused, reset, closed before the answer). Repeating is safe: the actions are pure, they
  compute events from the tracker they are sent.
- Failure 2 and the input checks are handled by wrapping ``Agent.handle_message``: the single
  point every channel's ``on_new_message`` reaches (``rasa.core.channels.channel.register``),
  before the conversation lock is taken, so junk never costs a lock or a tracker read. For the
  tracker store to fail instead of falling back, ``Agent._create_tracker_store`` builds the
  ``FailSafeTrackerStore`` with its ``on_tracker_store_error`` callback set to re-raise (Rasa's
  own constructor argument): the turn is refused as a whole, nothing is half-saved, and the user
  is asked to try again, which works as soon as the database is back.

Input checks (all channels)
---------------------------
- Lone surrogates become U+FFFD and control characters (NUL...) become spaces: spaCy cannot
  encode the former, and neither belongs in the tracker store.
- An empty or blank message gets ``EMPTY_REPLY``, and one over ``MAX_MESSAGE_CHARS`` (default
  4096 as Telegram allows, env ``MAX_MESSAGE_CHARS``, read through bot/settings.py) gets
  ``TOO_LONG_REPLY``, without reaching the model (a 100 KB message otherwise holds the event
  loop for seconds) or the tracker store.
- Typed commands: ``/forget`` is the ``delete_my_data`` intent (``/delete_my_data``), as on
  Telegram. Any other ``/something`` that is not a well-formed ``/intent`` or
  ``/intent{"entity": "value"}`` of the domain is read as plain text without its slash: Rasa
  would otherwise log the whole line in a warning ("Failed to parse arguments in line ...").

The wrappers are installed into Rasa by ``bot.rasa_patches`` (``friendly_failures``), at start-up
by bot/rasa_cli.py, whatever channels credentials.yml lists.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import weakref
from typing import Any, Callable, Dict, List, Optional, Text

from pydantic import ValidationError

from bot.settings import Settings, setting
from bot.texts import say

logger = logging.getLogger(__name__)

#: The words are in bot/texts.yml (section ``service``).
TROUBLE_REPLY = say("service.trouble")
EMPTY_REPLY = say("service.empty")
TOO_LONG_REPLY = say("service.too_long")  # {limit}: the most characters a message may have

ACTION_RETRY_DELAY_S = 0.25
#: event loop -> its semaphore for the action server calls (Rasa runs one loop per process)
_ACTION_SLOTS: "weakref.WeakKeyDictionary[Any, asyncio.Semaphore]" = weakref.WeakKeyDictionary()

#: Typed commands that are another intent's payload ("/forget" like Telegram's /forget).
COMMAND_ALIASES = {"forget": "/delete_my_data", "mydata": "/export_my_data", "summary": "/request_summary",
                   "privacy": "/privacy_info"}
#: What a payload the domain does not know becomes: rasa-webchat and Rasa's demos open with
#: "/get_started", other clients with their own; all of them mean "hello".
UNKNOWN_PAYLOAD = "/greet"

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls except tab / newline / carriage return, DEL, and C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INTENT_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?$", re.DOTALL)
_COMMAND_NAME = re.compile(r"^/+(?P<name>[^\s{@/]*)")


def _setting_or_default(name: str) -> Any:
    """A setting read when it is used (so a changed environment applies to the next message); a
    bad value falls back to the default with a warning rather than failing every message."""
    try:
        return setting(name)
    except ValidationError as error:
        logger.warning("%s; using the default.", " ".join(str(error).splitlines()[1:]))
        return Settings.__fields__[name].get_default()


def max_message_chars() -> int:
    return int(_setting_or_default("max_message_chars"))


def clean_text(text: Any) -> Text:
    """The message as the model should see it: a str, no lone surrogates, no control characters."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = _SURROGATE.sub("\ufffd", text)
    text = _CONTROL.sub(" ", text)
    return text.strip()


def _well_formed_payload(text: Text, intents: Any, entities: Any) -> bool:
    match = _INTENT_PAYLOAD.match(text)
    if not match or match.group("intent") not in intents:
        return False
    raw = match.group("entities")
    if raw is None:
        return True
    try:
        values = json.loads(raw)
    except ValueError:
        return False
    return isinstance(values, dict) and all(name in entities for name in values)


def rewrite_command(text: Text, domain: Any) -> Text:
    """'/forget' -> '/delete_my_data'; a payload the domain does not know ('/get_started') -> '/greet';
    any other '/...' -> plain text."""
    if not text.startswith("/"):
        return text
    name = _COMMAND_NAME.match(text).group("name")  # type: ignore[union-attr]
    if name in COMMAND_ALIASES and text.lstrip("/").strip() == name:
        return COMMAND_ALIASES[name]
    if domain is not None and _well_formed_payload(text, set(domain.intents), set(domain.entities)):
        return text
    if domain is None and _INTENT_PAYLOAD.match(text):
        return text
    payload = _INTENT_PAYLOAD.match(text)
    if domain is not None and payload and payload.group("intent") not in domain.intents and "greet" in domain.intents:
        return UNKNOWN_PAYLOAD
    return text.lstrip("/").strip()


class InputRefused(Exception):
    """The message gets a fixed reply instead of reaching the assistant."""

    def __init__(self, reply: Text) -> None:
        super().__init__("input refused")
        self.reply = reply


def prepare_text(text: Any, domain: Any = None) -> Text:
    """The text to hand to Rasa, or InputRefused with the reply for the user."""
    cleaned = clean_text(text)
    if not cleaned:
        raise InputRefused(EMPTY_REPLY)
    limit = max_message_chars()
    if len(cleaned) > limit:
        raise InputRefused(say("service.too_long", limit=limit))
    cleaned = rewrite_command(cleaned, domain)
    if not cleaned:
        raise InputRefused(EMPTY_REPLY)
    return cleaned


async def _tell(message: Any, text: Text) -> None:
    output = getattr(message, "output_channel", None)
    if output is None:
        return
    try:
        await output.send_text_message(message.sender_id, text)
    except Exception as error:  # the channel itself is failing: nothing more to do
        logger.warning("Could not send a reply to the user (%s).", type(error).__name__)


def guard_handle_message(original: Callable) -> Callable:
    """Agent.handle_message with the input checks and the friendly reply on failure."""
    @functools.wraps(original)
    async def handle_message(self: Any, message: Any) -> Optional[List[Dict[Text, Any]]]:
        try:
            message.text = prepare_text(message.text, getattr(self, "domain", None))
        except InputRefused as refused:
            await _tell(message, refused.reply)
            return None
        if not self.is_ready():  # no model loaded (yet): Rasa would ignore the message in silence
            logger.warning("A message arrived while no model is loaded; the user was asked to try again.")
            await _tell(message, TROUBLE_REPLY)
            return None
        try:
            return await original(self, message)
        except Exception as error:
            # The tracker store or the lock store is down (or another bug): never the text.
            logger.error(
                "Could not handle a message (%s: %s); the user was asked to try again.",
                type(error).__module__ + "." + type(error).__name__, _short_reason(error),
            )
            await _tell(message, TROUBLE_REPLY)
            return None

    handle_message.__leg_triage_guard__ = True  # type: ignore[attr-defined]
    return handle_message


def _short_reason(error: BaseException) -> Text:
    """A one-line reason that cannot contain user text: from database and network errors only
    (the error itself or what caused it, e.g. Redis under Rasa's LockError)."""
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TrackerStoreUnavailable):
            return str(current)
        module = type(current).__module__ or ""
        if module.startswith(_SAFE_ERROR_MODULES) or isinstance(current, (ConnectionError, TimeoutError)):
            text = str(current).strip()
            # SQLAlchemy appends the SQL (and, without hide_parameters, its parameters) on later lines.
            return text.splitlines()[0][:300] if text else type(current).__name__
        current = current.__cause__ or current.__context__
    return "see the exception type"


_SAFE_ERROR_MODULES = ("sqlalchemy", "psycopg2", "redis", "aiohttp")


def friendly_failure_events(action_name: Text, error: BaseException) -> List[Any]:
    from rasa.shared.core.events import BotUttered
    from rasa.shared.exceptions import RasaException

    # RasaException messages here are Rasa's own ("Couldn't connect to the server at ..."),
    # never the user's text; anything else is summarised by its type.
    reason = str(error) if type(error) is RasaException else type(error).__name__
    logger.error("Custom action '%s' failed (%s); the user was asked to try again.", action_name, reason)
    return [BotUttered(text=TROUBLE_REPLY, metadata={"leg_triage": "action_failed"})]


def action_concurrency() -> int:
    return int(_setting_or_default("action_server_concurrency"))


def _action_slots() -> asyncio.Semaphore:
    """The calls to the action server allowed at once, per event loop."""
    loop = asyncio.get_running_loop()
    slots = _ACTION_SLOTS.get(loop)
    if slots is None:
        slots = _ACTION_SLOTS[loop] = asyncio.Semaphore(action_concurrency())
    return slots


def is_connection_failure(error: BaseException) -> bool:
    """The request never got a whole answer: refused, reset, or closed (not a timeout, not a 5xx)."""
    import aiohttp

    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (aiohttp.ClientConnectionError, ConnectionError)):
            return True
        current = current.__cause__ or current.__context__
    return False


def guard_remote_action_run(original: Callable) -> Callable:
    """RemoteAction.run bounded, retried once on a failed connection, friendly on failure."""
    @functools.wraps(original)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        from rasa.core.actions.action import ActionExecutionRejection

        async with _action_slots():
            for attempt in (1, 2):
                try:
                    return await original(self, output_channel, nlg, tracker, domain)
                except ActionExecutionRejection:
                    raise  # Rasa lets another policy predict: not a failure
                except Exception as error:
                    if attempt == 1 and is_connection_failure(error):
                        # Safe to repeat: the actions are pure (events computed from the tracker).
                        logger.warning("Custom action '%s': the connection to the action server failed; "
                                       "retrying once.", self.name())
                        await asyncio.sleep(ACTION_RETRY_DELAY_S)
                        continue
                    return friendly_failure_events(self.name(), error)
        return []  # not reached

    run.__leg_triage_guard__ = True  # type: ignore[attr-defined]
    return run


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store failed: the turn is refused rather than run on an empty conversation."""


def _fail_fast(error: Exception) -> None:
    raise TrackerStoreUnavailable(f"{type(error).__name__}: {_short_reason(error)}") from error


def create_fail_fast_tracker_store(store: Any, domain: Any) -> Any:
    """Agent._create_tracker_store, with FailSafeTrackerStore's error callback re-raising."""
    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    if store is not None:
        store.domain = domain
        primary = store
    else:
        primary = InMemoryTrackerStore(domain)
    return FailSafeTrackerStore(primary, on_tracker_store_error=_fail_fast)


create_fail_fast_tracker_store.__leg_triage_guard__ = True  # type: ignore[attr-defined]


def install() -> None:
    """Installs every patch to Rasa (bot.rasa_patches.install: this module's and the others)."""
    from bot import rasa_patches

    rasa_patches.install()
