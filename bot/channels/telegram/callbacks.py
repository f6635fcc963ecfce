"""Button payload <-> callback data, within Telegram's 64 bytes."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Iterable, List, Optional

MAX_CALLBACK_BYTES = 64


def payloads_from_replies() -> List[str]:
    """The assistant's own button payloads, registered up front so their codes survive restarts."""
    try:
        from bot.replies import ANSWER_BUTTONS, FOLLOW_UP_BUTTONS
    except Exception:  # pragma: no cover - the channel must work even if replies cannot load
        return []
    return [b["payload"] for b in [*ANSWER_BUTTONS, *FOLLOW_UP_BUTTONS] if isinstance(b.get("payload"), str)]


class CallbackCodec:
    """A payload that fits is sent as it is (readable, and it survives restarts). A longer one
    (an intent with entities, say) is sent as ``#`` + 20 hex digits of its SHA-256 and kept in a
    bounded map. A code the map does not know (sent before a restart, or evicted) decodes to
    None: the user is asked to type.
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
