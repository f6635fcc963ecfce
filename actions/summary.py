"""action_request_summary: a summary to keep ("Save a summary for my doctor", Telegram /summary)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import summary as summaries
from bot.knowledge import load_knowledge
from bot.texts import say


class ActionRequestSummary(Action):
    def name(self) -> Text:
        return "action_request_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        summary = summaries.build(tracker.events, load_knowledge())
        if summary is None:
            dispatcher.utter_message(text=say("summary.not_yet"))
            return []
        token = summaries.sign(tracker.sender_id)
        dispatcher.utter_message(
            text=say("summary.intro") + "\n" + summaries.render_text(summary),
            json_message={"summary": {**summary, "download": {"token": token, "expires_in_s": summaries.TOKEN_TTL_S}}},
        )
        return []
