"""bot.rasa_patches.session_rollover: a long conversation starts a new session every
MAX_SESSION_TURNS user messages, carrying every slot over, so each turn stays as cheap as early ones."""
from __future__ import annotations

import asyncio

from rasa.core.actions.action import ActionSessionStart
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_patches
from bot.rasa_patches.session_rollover import CONTINUED, MAX_SESSION_TURNS, turns_in_current_session

DOMAIN = Domain.from_yaml("""
version: "3.1"
session_config:
  session_expiration_time: 720
  carry_over_slots_to_new_session: false
slots:
  evidence: {type: any, influence_conversation: false, mappings: [{type: custom}]}
""")


def tracker_with(turns: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
              SlotSet("evidence", {"cramp": "present"})]
    for i in range(turns):
        events += [UserUttered(f"message {i}"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("long-chat", events, slots=DOMAIN.slots)


class _Processor:
    domain = DOMAIN


def expired(tracker: DialogueStateTracker) -> bool:
    return MessageProcessor._has_session_expired(_Processor(), tracker)


def test_a_recent_conversation_under_the_limit_goes_on_in_its_session():
    rasa_patches.install()
    assert not expired(tracker_with(MAX_SESSION_TURNS - 1))


def test_a_session_full_of_turns_starts_the_next_one_with_every_slot_carried_over():
    rasa_patches.install()
    tracker = tracker_with(MAX_SESSION_TURNS)
    assert expired(tracker)
    events = asyncio.run(ActionSessionStart().run(None, None, tracker, DOMAIN))
    assert isinstance(events[0], SessionStarted) and events[0].metadata.get(CONTINUED) is True
    assert SlotSet("evidence", {"cramp": "present"}) in events  # despite carry_over_slots: false
    for event in events:
        tracker.update(event)
    assert turns_in_current_session(tracker) == 0 and not expired(tracker)
    assert tracker.get_slot("evidence") == {"cramp": "present"}


def test_each_continued_session_starts_as_short_as_the_first():
    # Rasa's own carry-over copies every SlotSet of the session: each continued session would
    # start longer than the one before, and turns would slow down again.
    rasa_patches.install()
    tracker = tracker_with(MAX_SESSION_TURNS)
    starts = []
    for round_ in range(4):
        for i in range(3):
            tracker.update(SlotSet("evidence", {"cramp": "present", "round": round_, "i": i}))
        events = asyncio.run(ActionSessionStart().run(None, None, tracker, DOMAIN))
        starts.append(len(events))
        for event in events:
            tracker.update(event)
        for i in range(MAX_SESSION_TURNS):
            tracker.update(UserUttered(f"more {i}"))
    assert len(set(starts)) == 1 and starts[0] <= 4  # SessionStarted, one SlotSet, action_listen
    assert tracker.get_slot("evidence") == {"cramp": "present", "round": 3, "i": 2}


def test_a_session_that_ends_after_silence_still_starts_fresh():
    rasa_patches.install()
    tracker = tracker_with(3)
    events = asyncio.run(ActionSessionStart().run(None, None, tracker, DOMAIN))
    assert not any(isinstance(e, SlotSet) for e in events)  # the domain's setting, as before
    assert not (events[0].metadata or {}).get(CONTINUED)
