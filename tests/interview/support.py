"""Build interview turns from text the way the NLU does: the symptom extractor's entities."""
from __future__ import annotations

from typing import Optional

from bot.interview.turn import UserMessage
from bot.nlu.extraction import get_extractor


def said(text: str, intent: Optional[str] = None) -> UserMessage:
    entities = tuple(
        {"entity": "feature", "value": m.id, "role": m.role} for m in get_extractor().extract(text)
    )
    return UserMessage(text, intent, entities)
