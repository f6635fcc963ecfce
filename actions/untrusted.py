"""What a user sent, made safe to use: entity values and slot values are untrusted input.

A typed payload (``/ask_what_is{"cause": {"x": 1}}``) reaches the actions with whatever JSON the
user wrote as entity values: dicts, lists, numbers, null, megabytes of text. Every value an
action reads from the latest message or from a slot goes through ``clean_str`` first: a str
without surrounding blanks, at most ``MAX_VALUE_CHARS`` long, or None. Ids are then looked up in
the knowledge base, so a clean but unknown value simply matches nothing.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker

#: Longer than any id, intent or entity name of ours: anything longer is not one of them.
MAX_VALUE_CHARS = 200


def clean_str(value: Any, max_chars: int = MAX_VALUE_CHARS) -> Optional[str]:
    """`value` as a non-empty str of at most `max_chars` characters (stripped), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > max_chars:
        return None
    return value


def latest_entities(tracker: Tracker) -> Tuple[Dict[str, Any], ...]:
    """The latest message's entities whose type and value are clean strings (a role, start and end
    too, if any and clean); the other entities are dropped. Each keeps only the keys actions read."""
    raw = (tracker.latest_message or {}).get("entities")
    if not isinstance(raw, (list, tuple)):
        return ()
    entities: List[Dict[str, Any]] = []
    for entity in raw:
        if not isinstance(entity, dict):
            continue
        kind, value = clean_str(entity.get("entity")), clean_str(entity.get("value"))
        if kind is None or value is None:
            continue
        clean: Dict[str, Any] = {"entity": kind, "value": value}
        role = clean_str(entity.get("role"))
        if role is not None:
            clean["role"] = role
        # Where in the text it was read (the summary quotes the person's own words): whole numbers only.
        for key in ("start", "end"):
            offset = entity.get(key)
            if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0:
                clean[key] = offset
        entities.append(clean)
    return tuple(entities)


def entity_values(tracker: Tracker, entity_type: str) -> List[str]:
    """The clean values of the latest message's entities of `entity_type`, in message order."""
    return [e["value"] for e in latest_entities(tracker) if e["entity"] == entity_type]


def latest_intent(tracker: Tracker) -> Tuple[Optional[str], float]:
    """The latest message's intent name (clean) and confidence (0.0 if not a number)."""
    intent = (tracker.latest_message or {}).get("intent")
    if not isinstance(intent, dict):
        return None, 0.0
    confidence = intent.get("confidence")
    number = float(confidence) if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) else 0.0
    return clean_str(intent.get("name")), number


def slot_text(tracker: Tracker, name: str) -> Optional[str]:
    """A text slot's value, clean, or None."""
    return clean_str(tracker.get_slot(name))
