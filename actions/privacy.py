"""Privacy people can see and control (issue #21): the greeting with the notice, consent, the notice
again, erase (confirmed first) and export. The store side is bot/privacy/store.py; the words are
bot/texts.yml section `privacy`; the notice and payload shapes are bot/privacy/notice.py."""
from __future__ import annotations

from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import replies
from bot.interview.turn import MEDICINE_QUESTION, question_for
from bot.knowledge import load_knowledge
from bot.privacy import (CONSENT_SLOT, DECLINED, EPHEMERAL, GRANTED, NOTICE_SHOWN_SLOT, STORAGE_NOT_STORED,
                         STORAGE_STORED, WELCOMED_SLOT, is_kept, storage_state)
from bot.privacy import export, notice
from bot.settings import settings
from bot.texts import say

CONFIRM_DELETE_PAYLOAD = "/confirm_delete"
CANCEL_DELETE_PAYLOAD = "/cancel_delete"
NOTICE_SHOWN: List[EventType] = [SlotSet(NOTICE_SHOWN_SLOT, True)]


def consent_of(tracker: Tracker) -> Any:
    return tracker.get_slot(CONSENT_SLOT)


def kept(tracker: Tracker) -> bool:
    return is_kept(consent_of(tracker), settings().privacy_default)


def holdings_of(tracker: Tracker) -> export.Holdings:
    return export.holdings(tracker.events or [], tracker.current_slot_values())


def mid_interview(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("pending_question"))


def ask_pending_again(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Mid-interview, the open question again with its buttons, so the person can answer it right
    there (not "answer my last question" and a scroll up)."""
    pending = tracker.get_slot("pending_question")
    kb = load_knowledge()
    if pending == MEDICINE_QUESTION:
        messages = replies.medicine_question(question_for(pending, kb).text)
    elif isinstance(pending, str) and pending in kb.features:
        messages = replies.resumed_question(question_for(pending, kb))
    else:
        return
    for message in messages:
        dispatcher.utter_message(**message)


def notice_before_first_question(tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[EventType]]:
    """For action_triage_turn: the notice, once, when the conversation opened with a description
    instead of a greeting (the messages to send first, and the slot event)."""
    if tracker.get_slot(NOTICE_SHOWN_SLOT):
        return [], []
    return [notice.notice(consent_of(tracker))], list(NOTICE_SHOWN)


def send(dispatcher: CollectingDispatcher, message: Dict[str, Any]) -> None:
    dispatcher.utter_message(**message)


class ActionGreet(Action):
    """The welcome with the privacy notice, once; a repeated greeting gets a short hello. After a
    conversation that opened with a description (the notice came before the first question), the
    welcome without the notice."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        again = "greet_again_mid_interview" if mid_interview(tracker) else "greet_again"
        if tracker.get_slot(WELCOMED_SLOT):
            dispatcher.utter_message(text=say(f"privacy.{again}"))
            return []
        if tracker.get_slot(NOTICE_SHOWN_SLOT):
            dispatcher.utter_message(text=f"{say('privacy.welcome')}\n\n{say(f'privacy.{again}')}")
        else:
            send(dispatcher, notice.welcome(consent_of(tracker)))
        return [SlotSet(WELCOMED_SLOT, True)] + NOTICE_SHOWN


class ActionPrivacyInfo(Action):
    def name(self) -> Text:
        return "action_privacy_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, notice.notice(consent_of(tracker)))
        return list(NOTICE_SHOWN)


class ActionPrivacyAccept(Action):
    """The person agrees: the store writes the whole conversation so far (bot/privacy/store.py)."""

    def name(self) -> Text:
        return "action_privacy_accept"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        config = settings()
        if config.privacy_default == EPHEMERAL:
            send(dispatcher, notice.with_privacy(say("privacy.nothing_to_choose"), STORAGE_NOT_STORED, config))
            ask_pending_again(dispatcher, tracker)
            return list(NOTICE_SHOWN)
        text = say("privacy.accepted", days=config.retention_days)
        send(dispatcher, notice.with_privacy(text, STORAGE_STORED, config))
        ask_pending_again(dispatcher, tracker)
        return [SlotSet(CONSENT_SLOT, GRANTED)] + NOTICE_SHOWN


class ActionPrivacyDecline(Action):
    """The person declines: nothing more is written, and what was kept is erased (the store sees
    this action in the turn)."""

    def name(self) -> Text:
        return "action_privacy_decline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        config = settings()
        key = "declined_after_accepting" if kept(tracker) else "declined"
        send(dispatcher, notice.with_privacy(say(f"privacy.{key}"), STORAGE_NOT_STORED, config))
        ask_pending_again(dispatcher, tracker)
        return [SlotSet(CONSENT_SLOT, DECLINED)] + NOTICE_SHOWN


class ActionAskDeleteMyData(Action):
    """"Delete my data": confirm first, saying what would go (action_delete_my_data erases)."""

    def name(self) -> Text:
        return "action_ask_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        messages = say("privacy.messages_count", count=len(holdings_of(tracker).messages))
        key = "confirm_delete_stored" if kept(tracker) else "confirm_delete_not_stored"
        dispatcher.utter_message(text=say(f"privacy.{key}", messages=messages), buttons=[
            {"title": say("privacy.button_confirm_delete"), "payload": CONFIRM_DELETE_PAYLOAD},
            {"title": say("privacy.button_cancel_delete"), "payload": CANCEL_DELETE_PAYLOAD},
        ])
        return []


class ActionCancelDelete(Action):
    def name(self) -> Text:
        return "action_cancel_delete"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=say("privacy.delete_cancelled"))
        ask_pending_again(dispatcher, tracker)
        return []


class ActionExportMyData(Action):
    """"Send me my data": this conversation only, readable and as JSON, in one message."""

    def name(self) -> Text:
        return "action_export_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        config = settings()
        held = holdings_of(tracker)
        stored = kept(tracker)
        storage = storage_state(consent_of(tracker), config.privacy_default)
        dispatcher.utter_message(
            text=export.readable(held, stored, config.retention_days, load_knowledge()),
            json_message=export.as_json(tracker.sender_id, held, storage, config.retention_days),
        )
        return []
