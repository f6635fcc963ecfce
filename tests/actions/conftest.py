"""Helpers to run a custom action the way the action server does: a Tracker in, events out."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str = "describe_symptoms",
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}
    return Tracker(
        sender_id="unit-test",
        # The privacy notice was shown in the greeting (tests/privacy test it).
        slots={"evidence": None, "asked": None, "pending_question": None, "assessment": None,
               "privacy_notice_shown": True, **(slots or {})},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def feature(value: str, role: str = "present") -> Dict[str, Any]:
    return {"entity": "feature", "value": value, "role": role, "extractor": "SymptomExtractor"}


async def run_action(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def tracker_factory():
    return make_tracker
