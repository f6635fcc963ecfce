"""Starting over and forgetting: the conversation's own housekeeping."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.turn_support import say, state_events, state_of
from bot import replies, texts
from bot.interview.turn import CONFIRM_START_OVER, start_over_requested


class ActionStartOver(Action):
    """Start a new interview in the same chat; with evidence to lose, confirm first (the answer is
    read by action_triage_turn, as the pending "question" ``confirm_start_over``)."""

    def name(self) -> Text:
        return "action_start_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        state = state_of(tracker)
        if state.evidence and state.pending != CONFIRM_START_OVER:
            say(dispatcher, replies.confirm_start_over())
            return state_events(start_over_requested(state))
        say(dispatcher, replies.started_over())
        return [AllSlotsReset()]


class ActionDeleteMyData(Action):
    """The store (bot.stores.ForgetfulSQLTrackerStore) erases the conversation when this runs."""

    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=texts.say("session.erased"))
        return [AllSlotsReset()]
