"""What the assistant's structured messages look like on Telegram, as plain text (no parse_mode:
nothing to escape, nothing to inject) and inline keyboards.

The assessment card is rendered from the card's own fields only (docs/presentation.md): the
server words the titles, what to do, the fit of each cause and the disclaimer; nothing here
names a level, computes a likelihood's wording or adds a sentence of its own.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.channels.telegram.callbacks import CallbackCodec

logger = logging.getLogger(__name__)


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




def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bullets(items: Any) -> List[str]:
    if not isinstance(items, list):
        return []
    lines = [_text(item) for item in items]
    return [f"• {line[:1].upper()}{line[1:]}" for line in lines if line]


def _section(heading: str, lines: Iterable[str]) -> str:
    lines = [line for line in lines if line]
    if not lines:
        return ""
    return "\n".join([heading, *lines]) if heading else "\n".join(lines)


def _cause_line(cause: Any) -> str:
    if not isinstance(cause, dict):
        return ""
    name, fit = _text(cause.get("name")), _text(cause.get("fit"))
    if not name:
        return ""
    return f"• {name}: {fit}" if fit else f"• {name}"


EMERGENCY = "emergency"
#: Drawn before an emergency card's title, as the server's plain-text card does (card_text).
EMERGENCY_MARK = "⚠️ "


def render_card(card: Mapping[str, Any]) -> str:
    """The card (custom.card, docs/presentation.md) as one Telegram text, in the contract's
    order: title and do_now (first, on lines of their own for a phone), headline, why, inferred,
    causes (name: fit), see_doctor_if, closing, disclaimer. Headings are the card's own.

    On an emergency nothing that could read as reassurance is shown even if a card carried it
    (inferred, causes); the server sends them empty there anyway. Odd or missing fields are
    left out; this never raises.
    """
    headings: Mapping[str, Any] = card["headings"] if isinstance(card.get("headings"), dict) else {}
    emergency = card.get("level") == EMERGENCY

    def section(key: str, lines: List[str]) -> str:
        return _section(_text(headings.get(key)), lines)

    title = _text(card.get("title"))
    parts = [
        _section("", [f"{EMERGENCY_MARK}{title}" if emergency and title else title, _text(card.get("do_now"))]),
        _text(card.get("headline")),
        section("why", _bullets(card.get("why"))),
    ]
    if not emergency:
        causes: List[Any] = card["causes"] if isinstance(card.get("causes"), list) else []
        parts += [section("inferred", _bullets(card.get("inferred"))),
                  section("causes", [_cause_line(c) for c in causes])]
    parts += [section("see_doctor_if", _bullets(card.get("see_doctor_if"))),
              _text(card.get("closing")), _text(card.get("disclaimer"))]
    return "\n\n".join(part for part in parts if part)


def card_buttons(message_buttons: Any) -> List[Dict[str, Any]]:
    """A message's buttons, the usable ones (a conclusion's are the server's: none on an emergency)."""
    return [b for b in message_buttons if isinstance(b, dict)] if isinstance(message_buttons, list) else []
