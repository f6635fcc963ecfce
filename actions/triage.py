"""action_triage_turn: the whole interview, one turn at a time.

Every evidence-bearing message (a description, a yes / no / not sure, a correction) lands
here. The action merges what the message said into the evidence, asks the engine, and does
exactly one of three things:
  1. an emergency red flag is present -> the emergency route, at once, whatever the state;
  2. more questions would change the route -> ask the engine's next question (with buttons);
  3. otherwise -> conclude: likely causes, why, the route, tips or what to tell the doctor.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.evidence import apply_turn
from bot import replies
from bot.engine import MAX_QUESTIONS, assess, next_question
from bot.knowledge import load_knowledge


class ActionTriageTurn(Action):
    def name(self) -> Text:
        return "action_triage_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = load_knowledge()
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        pending = tracker.get_slot("pending_question")
        update = apply_turn(
            tracker.get_slot("evidence"),
            message.get("entities") or [],
            intent,
            pending,
            known_features=kb.features,
            excludes={f.id: f.excludes for f in kb.features.values() if f.excludes},
        )
        evidence = update.evidence
        asked = list(tracker.get_slot("asked") or [])
        concluded = tracker.get_slot("assessment") is not None
        events: List[EventType] = [SlotSet("evidence", evidence)]

        if not update.mentioned and not concluded and not evidence:
            # Nothing usable yet (e.g. "my legs feel weird"): ask for a description, not a route.
            for message_kwargs in replies.invite_description():
                dispatcher.utter_message(**message_kwargs)
            return events + [SlotSet("pending_question", None)]

        if concluded and not update.mentioned:
            # A stray "yes" or "not sure" after the conclusion: nothing to re-assess.
            for message_kwargs in replies.after_conclusion_prompt():
                dispatcher.utter_message(**message_kwargs)
            return events

        assessment = assess(evidence, kb=kb)
        if assessment.emergency:
            for message_kwargs in replies.emergency(assessment, kb):
                dispatcher.utter_message(**message_kwargs)
            return events + [SlotSet("pending_question", None), SlotSet("assessment", assessment.to_payload())]

        question = None
        if not concluded and len(asked) < MAX_QUESTIONS:
            question = next_question(evidence, asked=asked, kb=kb)
        if question is not None:
            for message_kwargs in replies.question(question, assessment, update.mentioned, kb):
                dispatcher.utter_message(**message_kwargs)
            return events + [
                SlotSet("asked", asked + [question.feature_id]),
                SlotSet("pending_question", question.feature_id),
            ]

        for message_kwargs in replies.conclusion(assessment, kb):
            dispatcher.utter_message(**message_kwargs)
        return events + [SlotSet("pending_question", None), SlotSet("assessment", assessment.to_payload())]
