"""action_crisis_response: thoughts of suicide or self-harm, at any turn.

The NLU (bot.nlu.safety_guard) gives such a message the intent ``crisis`` whatever else it says;
a rule runs this action. The interview pauses (the pending question is kept, so "back to my
legs" resumes it), and the crisis line stays visible in the questions that follow.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.turn_support import say, text_of
from bot import replies
from bot.safety import crisis_lines, detect


class ActionCrisisResponse(Action):
    def name(self) -> Text:
        return "action_crisis_response"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        lines = crisis_lines()
        reading = detect(text_of(tracker))
        say(dispatcher, replies.crisis(lines, reading.about_someone_else))
        evidence = tracker.get_slot("evidence") or {}
        say(dispatcher, [replies.crisis_payload(lines, evidence if isinstance(evidence, dict) else {})])
        return [SlotSet("crisis_shown", True)]
