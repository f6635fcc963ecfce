"""Starting over and forgetting: the conversation's own housekeeping."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher

from bot import replies


class ActionStartOver(Action):
    """Forget the evidence and start a new interview in the same chat."""

    def name(self) -> Text:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text="OK, let's start again. Everything you told me before is set aside.")
        for message_kwargs in replies.invite_description():
            dispatcher.utter_message(**message_kwargs)
        return [AllSlotsReset()]


class ActionDeleteMyData(Action):
    """The store (bot.stores.ForgetfulSQLTrackerStore) erases the conversation when this runs."""

    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text=(
                "Done: this conversation and everything you told me in it are being erased from "
                "our records. If you write again, we start from scratch."
            )
        )
        return [AllSlotsReset()]
