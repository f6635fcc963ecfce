"""Entity and slot values are untrusted input (issue #17, item 3): whatever JSON a typed payload
carries, every action answers as if the value were simply not there, and never raises."""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.explain import ActionDoctorOptions, ActionExplainCause, ActionExplainWhy
from actions.safety import ActionCrisisResponse
from actions.triage import ActionTriageTurn
from actions.untrusted import MAX_VALUE_CHARS, clean_str, entity_values, latest_entities, latest_intent
from tests.actions.conftest import make_tracker, run_action

HUGE = "restless_legs_syndrome " * 50_000
HOSTILE = [{"x": 1}, ["dystonia"], 3, 2.5, True, None, HUGE, "", "   ", {"value": "dystonia"}]


@pytest.mark.parametrize("value, cleaned", [
    ("dystonia", "dystonia"), ("  dystonia \n", "dystonia"), ({"x": 1}, None), (["dystonia"], None), (3, None),
    (2.5, None), (True, None), (None, None), ("", None), ("   ", None), (HUGE, None),
    ("x" * MAX_VALUE_CHARS, "x" * MAX_VALUE_CHARS), ("x" * (MAX_VALUE_CHARS + 1), None),
])
def test_clean_str(value, cleaned):
    assert clean_str(value) == cleaned


def tracker_with(entities: Any, intent: Any = "ask_what_is", text: Any = "/ask_what_is") -> Tracker:
    tracker = make_tracker()
    tracker.latest_message = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities}
    return tracker


def test_only_clean_entities_are_read():
    entities = [{"entity": "cause", "value": v} for v in HOSTILE] + [
        {"entity": {"x": 1}, "value": "dystonia"}, "not a dict", 7,
        {"entity": "feature", "value": "cramp", "role": ["absent"]},
        {"entity": "cause", "value": " dystonia "},
    ]
    assert latest_entities(tracker_with(entities)) == (
        {"entity": "feature", "value": "cramp"}, {"entity": "cause", "value": "dystonia"})
    assert entity_values(tracker_with(entities), "cause") == ["dystonia"]
    for not_a_list in ({"x": 1}, 3, None, "cause", HUGE):
        assert latest_entities(tracker_with(not_a_list)) == ()


def test_clean_offsets_are_kept_for_the_summary_and_odd_ones_dropped():
    entities = [{"entity": "feature", "value": "cramp", "start": 3, "end": 8},
                {"entity": "feature", "value": "shaking", "start": "3", "end": -1},
                {"entity": "feature", "value": "numbness", "start": True, "end": 2.5}]
    assert latest_entities(tracker_with(entities)) == (
        {"entity": "feature", "value": "cramp", "start": 3, "end": 8},
        {"entity": "feature", "value": "shaking"}, {"entity": "feature", "value": "numbness"})


def test_only_a_clean_intent_is_read():
    tracker = tracker_with([])
    tracker.latest_message["intent"] = {"name": {"x": 1}, "confidence": "high"}
    assert latest_intent(tracker) == (None, 0.0)
    tracker.latest_message["intent"] = ["affirm"]
    assert latest_intent(tracker) == (None, 0.0)


@pytest.mark.parametrize("value", HOSTILE)
async def test_what_is_with_a_hostile_cause_value_explains_the_leading_cause_or_asks(value):
    # /ask_what_is{"cause": {"x": 1}} used to raise TypeError in actions/explain.py
    for action in (ActionExplainCause(), ActionDoctorOptions()):
        messages, _ = await run_action(action, tracker_with([{"entity": "cause", "value": value}]))
        assert messages and all(isinstance(m.get("text"), str) for m in messages)
        assert HUGE[:100] not in " ".join(m["text"] for m in messages)


async def test_a_hostile_value_next_to_a_real_one_still_finds_the_real_one():
    messages, _ = await run_action(ActionExplainCause(), tracker_with(
        [{"entity": "cause", "value": {"x": 1}}, {"entity": "cause", "value": "dystonia"}]))
    assert messages[0]["text"].startswith("Dystonia")


@pytest.mark.parametrize("value", HOSTILE + ["not_a_feature"])
async def test_every_action_survives_hostile_entities_and_slots(value):
    slots = {"evidence": value, "pending_question": value, "asked": value, "interview": {"resume": value},
             "assessment": None, "crisis_shown": value, "support_offered": value}
    for entities in ([{"entity": "feature", "value": value, "role": value}], value):
        for action in (ActionTriageTurn(), ActionExplainCause(), ActionExplainWhy(), ActionDoctorOptions(),
                       ActionCrisisResponse()):
            tracker = tracker_with(entities, intent="describe_symptoms", text="my legs jump at night")
            tracker.slots.update(slots)
            messages, events = await run_action(action, tracker)
            assert messages, type(action).__name__


async def test_a_hostile_pending_question_is_treated_as_no_question():
    tracker = tracker_with([{"entity": "feature", "value": "cramp", "role": "present"}], intent="describe_symptoms",
                           text="my calves cramp at night")
    tracker.slots.update({"pending_question": "x" * 10_000})
    messages, events = await run_action(ActionTriageTurn(), tracker)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["evidence"].get("cramp") == "present"
    assert slots["pending_question"] != "x" * 10_000
