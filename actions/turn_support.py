"""What the actions share: the interview state from the slots, the safety reading of the message,
and the replies that go with it. Thin glue between the tracker and bot.interview / bot.safety."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import replies
from bot.interview.turn import InterviewState
from bot.safety import CHECK, DISTRESS, crisis_lines, detect, warm_up

warm_up()  # at action-server start, not on the first user's message


def state_of(tracker: Tracker) -> InterviewState:
    return InterviewState.from_slots(
        tracker.get_slot("evidence"),
        tracker.get_slot("asked"),
        tracker.get_slot("pending_question"),
        tracker.get_slot("interview"),
        concluded=tracker.get_slot("assessment") is not None,
    )


def state_events(state: InterviewState) -> List[EventType]:
    return [SlotSet(name, value) for name, value in state.to_slots().items()]


def text_of(tracker: Tracker) -> str:
    text = (tracker.latest_message or {}).get("text")
    return text if isinstance(text, str) else ""


def say(dispatcher: CollectingDispatcher, messages: List[Dict[str, Any]]) -> None:
    for message_kwargs in messages:
        dispatcher.utter_message(**message_kwargs)


def safety_preamble(tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
    """A gentle check (a denial, or despair that may be more) or, once, an acknowledgement of
    distress, before the interview's own reply. Crisis messages never get here (the NLU routes them
    to action_crisis_response)."""
    reading = detect(text_of(tracker))
    if reading.level not in (CHECK, DISTRESS):
        return []
    if reading.level == CHECK:
        dispatcher.utter_message(**replies.gentle_check(crisis_lines()))
    if not tracker.get_slot("support_offered"):
        dispatcher.utter_message(**replies.distress_support())
    return [SlotSet("support_offered", True)]
