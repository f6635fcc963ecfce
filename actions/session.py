"""Starting over and forgetting: the conversation's own housekeeping."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import holdings_of, kept
from actions.turn_support import say, state_events, state_of
from bot import replies
from bot.interview.turn import CONFIRM_START_OVER, start_over_requested
from bot.privacy import export, storage_state
from bot.privacy.notice import with_privacy
from bot.settings import settings
from bot.texts import say as say_text


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
    """Runs once the person confirmed (action_ask_delete_my_data asked): the store
    (bot.privacy.store.ConsentingTrackerStore, a bot.stores.ForgetfulSQLTrackerStore) erases the
    conversation when this action ran in the turn; this says what was erased."""

    def name(self) -> Text:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        held = holdings_of(tracker)
        key = "privacy.erased_stored" if kept(tracker) else "privacy.erased_not_stored"
        # With the storage the next conversation starts with, so the widget can show it.
        storage = storage_state(None, settings().privacy_default)
        message = with_privacy(say_text(key, what=export.erased_what(held)), storage)
        # "erased": the widget drops its own copy of the conversation too (bot/web/widget.js).
        message["json_message"] = {**message["json_message"], "erased": True}
        dispatcher.utter_message(**message)
        return [AllSlotsReset()]
