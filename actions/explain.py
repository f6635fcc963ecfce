"""Questions after (or during) the interview: why?, what is X?, what can I do?, what to tell the doctor."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import replies
from bot.engine import Assessment, assess
from bot.knowledge import load_knowledge


def current_assessment(tracker: Tracker) -> Optional[Assessment]:
    """Re-assess the evidence gathered so far (the engine is deterministic and sub-millisecond)."""
    evidence = tracker.get_slot("evidence") or {}
    if not evidence:
        return None
    return assess(evidence, kb=load_knowledge())


def say(dispatcher: CollectingDispatcher, messages: List[Dict[str, Any]]) -> None:
    for message_kwargs in messages:
        dispatcher.utter_message(**message_kwargs)


class ActionExplainWhy(Action):
    def name(self) -> Text:
        return "action_explain_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        say(dispatcher, replies.why(current_assessment(tracker), load_knowledge()))
        return []


class ActionExplainCause(Action):
    def name(self) -> Text:
        return "action_explain_cause"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = load_knowledge()
        named = [e.get("value") for e in (tracker.latest_message or {}).get("entities") or [] if e.get("entity") == "cause"]
        cause_id = next((c for c in named if c in kb.causes), None)
        if cause_id is None:
            # "what is it?" with no name: explain the leading cause of the current assessment.
            assessment = current_assessment(tracker)
            cause_id = assessment.causes[0].id if assessment and assessment.causes else None
        say(dispatcher, replies.what_is(cause_id, kb))
        return []


class ActionSelfCare(Action):
    def name(self) -> Text:
        return "action_self_care"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        say(dispatcher, replies.self_care(current_assessment(tracker), load_knowledge()))
        return []


class ActionDoctorSummary(Action):
    def name(self) -> Text:
        return "action_doctor_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        say(dispatcher, replies.doctor_summary(current_assessment(tracker), load_knowledge()))
        return []
