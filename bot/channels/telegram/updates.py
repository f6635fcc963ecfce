"""Telegram update JSON -> ``Incoming``: only the parts the channel uses, each checked."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from bot.channels.guard import UnreadableBody, read_json


class MalformedUpdate(ValueError):
    """The body is not a Telegram update (the webhook answers 400)."""


#: Message fields that carry something a person sent, other than text.
NON_TEXT_CONTENT = (
    "sticker", "photo", "voice", "audio", "video", "video_note", "animation", "document",
    "location", "venue", "contact", "poll", "dice", "game", "story",
)


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

    @property
    def private(self) -> bool:
        return self.chat_type in (None, "private")


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
    """Validates the parts of an update the channel uses; anything else in it is ignored.

    The body is read with bot.channels.guard.read_json, so JSON nested too deep to parse is a
    MalformedUpdate (400) like any other unreadable body, never a 500.
    """
    try:
        data = read_json(body.encode("utf-8") if isinstance(body, str) else body)
    except UnreadableBody:
        raise MalformedUpdate("body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedUpdate("update is not an object")
    if not _int(data.get("update_id")):
        raise MalformedUpdate("update_id is missing or not an integer")
    update_id: int = data["update_id"]

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
