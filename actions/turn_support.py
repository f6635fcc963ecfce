"""What the actions share: the interview state from the slots, the safety reading of the message,
and the replies that go with it. Thin glue between the tracker and bot.interview / bot.safety."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import replies
from actions.untrusted import clean_str
from bot.interview.turn import CONFIRM_START_OVER, MEDICINE_QUESTION, InterviewState
from bot.knowledge import load_knowledge
from bot.safety import CHECK, DISTRESS, crisis_lines, detect, warm_up

warm_up()  # at action-server start, not on the first user's message


def known_question(value: Any) -> Optional[str]:
    """`value` if it names a question the interview can be waiting for, else None (slot values
    are untrusted: an unknown one must not reach the interview)."""
    question = clean_str(value)
    if question in (MEDICINE_QUESTION, CONFIRM_START_OVER) or question in load_knowledge().features:
        return question
    return None


def state_of(tracker: Tracker) -> InterviewState:
    interview = tracker.get_slot("interview")
    if isinstance(interview, dict) and "resume" in interview:
        interview = {**interview, "resume": known_question(interview.get("resume"))}
    return InterviewState.from_slots(
        tracker.get_slot("evidence"),
        tracker.get_slot("asked"),
        known_question(tracker.get_slot("pending_question")),
        interview,
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
