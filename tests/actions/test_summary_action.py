"""action_request_summary: a summary to keep after a conclusion, with a link only this conversation opens."""
from __future__ import annotations

from rasa_sdk import Tracker

from actions.summary import ActionRequestSummary
from actions.triage import ActionTriageTurn
from bot import summary as summaries
from tests.actions.conftest import feature, make_tracker, run_action


async def concluded_tracker() -> Tracker:
    """A conversation that reached a conclusion: the triage action's events replayed as stored events."""
    text = "my calves cramp badly at night"
    entities = [{**feature("cramp"), "start": 9, "end": 14}, {**feature("worse_at_night"), "start": 21, "end": 29}]
    tracker = make_tracker(text, entities=entities)
    events = [{"event": "user", "text": text, "parse_data": {"entities": entities}}]
    slots = dict(tracker.slots)
    for _ in range(12):  # answer "not sure" until it concludes
        _, new_events = await run_action(ActionTriageTurn(), tracker)
        for event in new_events:
            events.append(event)
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
        if slots.get("assessment"):
            break
        tracker = Tracker("unit-test", slots, {"text": "not sure", "intent": {"name": "unsure", "confidence": 1.0},
                                               "entities": []}, events, False, None, {}, "action_listen")
    assert slots.get("assessment"), "the interview did not conclude"
    return Tracker("unit-test", slots, {"text": "/request_summary", "intent": {"name": "request_summary"},
                                        "entities": []}, events, False, None, {}, "action_listen")


async def test_before_any_conclusion_it_says_what_is_needed_first():
    messages, events = await run_action(ActionRequestSummary(), make_tracker("/request_summary", "request_summary"))
    assert len(messages) == 1 and not messages[0].get("custom")
    assert "legs" in messages[0]["text"] and events == []


async def test_after_a_conclusion_the_summary_quotes_the_person_and_carries_a_signed_link():
    tracker = await concluded_tracker()
    (message,), _ = await run_action(ActionRequestSummary(), tracker)
    summary = message["custom"]["summary"]
    assert "\u201ccramp\u201d" in message["text"] or "cramp" in message["text"].lower()
    assert summary["route"]["title"] in message["text"]
    assert summaries.verify(summary["download"]["token"]) == "unit-test"
    assert "unit-test" not in message["text"]
