"""Questions after (or during) the interview: why?, what is X?, what can I do?, what to tell the doctor."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.turn_support import say
from actions.untrusted import entity_values, slot_text
from bot import replies
from bot.engine import Assessment, assess
from bot.interview.turn import MEDICINE_QUESTION, question_for
from bot.knowledge import KnowledgeBase, load_knowledge


def current_assessment(tracker: Tracker) -> Optional[Assessment]:
    """Re-assess the evidence gathered so far (the engine is deterministic and sub-millisecond)."""
    kb = load_knowledge()
    evidence = tracker.get_slot("evidence") or {}
    if not isinstance(evidence, dict):
        return None
    evidence = {f: v for f, v in evidence.items() if f in kb.features and v in ("present", "absent", "unknown")}
    if not evidence:
        return None
    return assess(evidence, kb=kb)


def pending_feature(tracker: Tracker, kb: KnowledgeBase) -> Optional[str]:
    """The question the interview is waiting for an answer to (a knowledge-base feature), if any."""
    pending = slot_text(tracker, "pending_question")
    return pending if pending in kb.features or pending == MEDICINE_QUESTION else None


def cause_named(tracker: Tracker, kb: KnowledgeBase) -> Optional[str]:
    """A cause id the user named. Entity values are untrusted input: only known ids count."""
    return next((value for value in entity_values(tracker, "cause") if value in kb.causes), None)


class ActionExplainWhy(Action):
    def name(self) -> Text:
        return "action_explain_why"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = load_knowledge()
        pending = pending_feature(tracker, kb)
        assessment = current_assessment(tracker)
        if pending:
            # "why do you ask?" while a question is pending: the reason, then the question again.
            question = question_for(pending, kb)
            if pending == MEDICINE_QUESTION:
                say(dispatcher, [{"text": "Some medicines can cause shaking, twitching or restlessness as a side "
                                          "effect, so its name helps me judge whether it could be the cause."},
                                 *replies.medicine_question(question.text)])
                return []
            feature = kb.features[pending]
            urgent_sign = any(pending in rf.when.features() and rf.level in ("emergency", "urgent")
                              for rf in kb.red_flags.values())
            likely = [c.name for c in replies.named_causes(assessment)][:2] if assessment else []
            say(dispatcher, replies.why_asking(feature.label, urgent_sign, likely, question))
            return []
        say(dispatcher, replies.why(assessment, kb))
        return []


class ActionExplainCause(Action):
    def name(self) -> Text:
        return "action_explain_cause"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = load_knowledge()
        cause_id = cause_named(tracker, kb)
        pending = pending_feature(tracker, kb)
        if cause_id is None and pending:
            # "what does that mean?" while a question is pending: its meaning, then the question again.
            question = question_for(pending, kb)
            if pending == MEDICINE_QUESTION:
                say(dispatcher, [{"text": "I mean any medicine you started, stopped or changed the dose of shortly "
                                          "before this began: tablets, an inhaler, injections."},
                                 *replies.medicine_question(question.text)])
                return []
            feature = kb.features[pending]
            say(dispatcher, replies.meaning_of(feature.label, feature.meaning, question))
            return []
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


class ActionDoctorOptions(Action):
    """"What can a doctor do?" for the condition named, else the leading one."""

    def name(self) -> Text:
        return "action_doctor_options"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = load_knowledge()
        cause_id = cause_named(tracker, kb)
        if cause_id is None:
            assessment = current_assessment(tracker)
            cause_id = assessment.causes[0].id if assessment and assessment.causes else None
        say(dispatcher, replies.doctor_options(cause_id, kb))
        return []
