"""action_triage_turn: the whole interview, one turn at a time (bot.interview.take_turn decides).

Every message during an interview lands here (bot.policies.InterviewPolicy routes any message
while a question is pending; rules route descriptions and answers otherwise). This action only
adapts: tracker -> InterviewState + UserMessage -> take_turn -> replies + slot events.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.turn_support import safety_preamble, say, state_events, state_of, text_of
from actions.untrusted import latest_entities, latest_intent
from bot import replies
from bot.interview import turn as interview
from bot.knowledge import load_knowledge
from bot.safety import crisis_lines


#: Below this confidence the classifier's affirm / deny is not taken as an answer: a misread "yes" to
#: a warning-sign question would escalate on words the person never said ("quit" read as affirm).
ANSWER_INTENT_MIN_CONFIDENCE = 0.8


def trusted_intent(tracker: Tracker) -> Optional[str]:
    """The intent, when it can stand for the words: a button payload, or a confident reading."""
    name, confidence = latest_intent(tracker)
    if text_of(tracker).startswith("/") or name in ("resume", "start_over") or confidence >= ANSWER_INTENT_MIN_CONFIDENCE:
        return name
    return None


class ActionTriageTurn(Action):
    def name(self) -> Text:
        return "action_triage_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kb = load_knowledge()
        events: List[EventType] = safety_preamble(tracker, dispatcher)
        user = interview.UserMessage(text_of(tracker), trusted_intent(tracker), latest_entities(tracker))
        outcome = interview.take_turn(state_of(tracker), user, kb)
        kind = outcome.kind

        if kind == interview.RESTART:
            say(dispatcher, replies.started_over())
            return [AllSlotsReset()]
        events += state_events(outcome.state)
        if kind in (interview.EMERGENCY, interview.CONCLUDE):
            assert outcome.assessment is not None  # take_turn's contract for these two kinds
            reply = replies.emergency if kind == interview.EMERGENCY else replies.conclusion
            say(dispatcher, reply(outcome.assessment, kb, outcome.state.inferred))
            return events + [SlotSet("assessment", outcome.assessment.to_payload())]
        if kind == interview.ASK:
            question = outcome.question
            assert question is not None  # take_turn's contract for ask
            if question.feature_id == interview.MEDICINE_QUESTION:
                messages = replies.medicine_question(question.text)
            elif outcome.assessment is None:
                messages = replies.resumed_question(question)
            else:
                messages = replies.question(question, outcome.assessment, outcome.mentioned, kb)
            if tracker.get_slot("crisis_shown"):
                messages[-1] = {**messages[-1], "text": messages[-1]["text"] + "\n\n"
                                + replies.crisis_line_reminder(crisis_lines())}
            say(dispatcher, messages)
            return events
        if kind == interview.REPHRASE:
            question = outcome.question
            assert question is not None  # take_turn's contract for rephrase
            if question.feature_id == interview.MEDICINE_QUESTION:
                say(dispatcher, replies.medicine_question("Sorry, I didn't catch the name. " + question.text))
            else:
                say(dispatcher, replies.rephrase_question(question))
            return events
        if kind == interview.INVITE:
            say(dispatcher, replies.invite(outcome.variant))
            return events
        if kind == interview.CLOSED:
            say(dispatcher, replies.closing(outcome.variant))
            return events
        say(dispatcher, replies.after_conclusion(outcome.variant))
        return events
