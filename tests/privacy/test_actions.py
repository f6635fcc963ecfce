"""The privacy actions as the action server runs them: a Tracker in, messages and events out."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.privacy import (ActionAskDeleteMyData, ActionExportMyData, ActionGreet, ActionPrivacyAccept,
                             ActionPrivacyDecline, ActionPrivacyInfo)
from actions.session import ActionDeleteMyData
from actions.triage import ActionTriageTurn
from bot.knowledge import load_knowledge

KB = load_knowledge()

RLS_EVIDENCE = {"urge_to_move": "present", "worse_at_night": "present", "numbness": "absent"}
ASSESSMENT = {"assessment": {"triage": "routine", "causes": [{"id": "restless_legs_syndrome", "likelihood": 0.8}],
                             "red_flags": []}}


def user(text: str, timestamp: float = 1_764_750_000.0) -> Dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": timestamp, "parse_data": {}}


def make_tracker(text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
                 events: Optional[List[Dict[str, Any]]] = None, sender: str = "privacy-unit") -> Tracker:
    return Tracker(sender_id=sender, slots={"evidence": None, "asked": None, "pending_question": None,
                                            "assessment": None, "storage_consent": None,
                                            "privacy_notice_shown": None, "welcomed": None, **(slots or {})},
                   latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []},
                   events=events if events is not None else [user(text)], paused=False, followup_action=None,
                   active_loop={}, latest_action_name="action_listen")


async def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture(autouse=True)
def deployment(monkeypatch):
    monkeypatch.setenv("PRIVACY_DEFAULT", "ask")
    monkeypatch.setenv("RETENTION_DAYS", "14")
    monkeypatch.setenv("OPERATOR_NAME", "Clinic Example Ltd")
    monkeypatch.setenv("PRIVACY_POLICY_URL", "https://example.org/privacy")


async def test_the_greeting_is_one_message_with_the_notice_consent_buttons_and_the_payload():
    messages, slots = await run(ActionGreet(), make_tracker("hello", "greet"))
    assert len(messages) == 1
    greeting = messages[0]
    text = greeting["text"]
    assert "not a doctor" in text and "14 days" in text and "Clinic Example Ltd" in text
    assert "https://example.org/privacy" in text and "delete my data" in text and "no name needed" in text
    assert [b["payload"] for b in greeting["buttons"]] == ["/privacy_accept", "/privacy_decline"]
    privacy = greeting["custom"]["privacy"]
    assert privacy["storage"] == "ask" and privacy["retention_days"] == 14
    assert privacy["operator"] == "Clinic Example Ltd" and privacy["policy_url"] == "https://example.org/privacy"
    assert [(c["id"], c["payload"]) for c in privacy["controls"]] == [
        ("forget", "/delete_my_data"), ("export", "/export_my_data"), ("notice", "/privacy_info")]
    assert slots == {"privacy_notice_shown": True, "welcomed": True}


async def test_a_second_hello_gets_a_short_reply_without_the_notice():
    messages, _ = await run(ActionGreet(), make_tracker("hi", "greet", slots={"privacy_notice_shown": True,
                                                                              "welcomed": True}))
    assert len(messages) == 1 and "Privacy" not in messages[0]["text"] and len(messages[0]["text"]) < 120


async def test_a_hello_after_a_description_first_gets_the_welcome_without_the_notice_again():
    messages, slots = await run(ActionGreet(), make_tracker("hello", "greet", slots={
        "privacy_notice_shown": True, "pending_question": "worse_at_night"}))
    assert "not a doctor" in messages[0]["text"] and "Privacy" not in messages[0]["text"]
    assert "last question" in messages[0]["text"] and slots["welcomed"] is True


@pytest.mark.parametrize(("default", "storage", "buttons"), [("store", "stored", False),
                                                             ("ephemeral", "not_stored", False)])
async def test_without_asking_the_greeting_says_what_happens_and_offers_no_choice(monkeypatch, default, storage,
                                                                                   buttons):
    monkeypatch.setenv("PRIVACY_DEFAULT", default)
    greeting = (await run(ActionGreet(), make_tracker("hello", "greet")))[0][0]
    assert greeting["custom"]["privacy"]["storage"] == storage
    assert bool(greeting.get("buttons")) is buttons
    assert ("this conversation is kept" in greeting["text"]) is (storage == "stored")
    assert ("nothing you tell me here is stored" in greeting["text"]) is (storage == "not_stored")


async def test_a_description_first_gets_the_notice_before_the_first_question():
    from tests.actions.conftest import feature

    tracker = make_tracker("my legs shake at night", "describe_symptoms")
    tracker.latest_message["entities"] = [feature("shaking"), feature("worse_at_night")]
    messages, slots = await run(ActionTriageTurn(), tracker)
    assert messages[0]["custom"]["privacy"]["storage"] == "ask" and "14 days" in messages[0]["text"]
    assert "?" in messages[-1]["text"] and "privacy" not in (messages[-1].get("custom") or {})
    assert slots["privacy_notice_shown"] is True
    # Once shown, not again.
    tracker = make_tracker("yes", "affirm", slots={**slots, "privacy_notice_shown": True})
    messages, _ = await run(ActionTriageTurn(), tracker)
    assert not any("privacy" in (m.get("custom") or {}) for m in messages)


async def test_an_emergency_first_message_gets_its_advice_first_and_alone():
    from tests.actions.conftest import feature

    tracker = make_tracker("my leg went numb and my face droops", "describe_symptoms")
    tracker.latest_message["entities"] = [feature("face_droop")]
    messages, slots = await run(ActionTriageTurn(), tracker)
    assert not any("privacy" in (m.get("custom") or {}) for m in messages)
    assert "privacy_notice_shown" not in slots


async def test_accepting_and_declining_answer_with_the_new_storage_and_keep_the_interview():
    pending = {"pending_question": "worse_at_night", "evidence": RLS_EVIDENCE}
    messages, slots = await run(ActionPrivacyAccept(), make_tracker("/privacy_accept", "privacy_accept", pending))
    assert slots["storage_consent"] == "granted" and messages[0]["custom"]["privacy"]["storage"] == "stored"
    question = KB.features["worse_at_night"].question
    assert question in messages[-1]["text"] and [b["payload"] for b in messages[-1]["buttons"]][:2] == [
        "/affirm", "/deny"]  # the open question again, answerable right there
    assert "evidence" not in slots and "pending_question" not in slots  # the interview is untouched
    messages, slots = await run(ActionPrivacyDecline(), make_tracker("/privacy_decline", "privacy_decline",
                                                                      {**pending, "storage_consent": "granted"}))
    assert slots["storage_consent"] == "declined" and messages[0]["custom"]["privacy"]["storage"] == "not_stored"
    assert "erased" in messages[0]["text"]


async def test_in_an_ephemeral_deployment_a_yes_stores_nothing(monkeypatch):
    monkeypatch.setenv("PRIVACY_DEFAULT", "ephemeral")
    messages, slots = await run(ActionPrivacyAccept(), make_tracker("/privacy_accept", "privacy_accept"))
    assert "storage_consent" not in slots and messages[0]["custom"]["privacy"]["storage"] == "not_stored"


async def test_the_notice_again_on_request():
    messages, _ = await run(ActionPrivacyInfo(), make_tracker("/privacy_info", "privacy_info",
                                                              {"storage_consent": "declined"}))
    assert messages[0]["custom"]["privacy"]["storage"] == "not_stored" and "nothing you tell me" in messages[0]["text"]
    assert not messages[0].get("buttons")


async def test_delete_asks_first_then_says_what_was_erased():
    events = [user("my legs jump at night", 1.0), user("yes", 2.0), user("delete my data", 3.0)]
    slots = {"storage_consent": "granted", "evidence": RLS_EVIDENCE, "assessment": ASSESSMENT}
    messages, changed = await run(ActionAskDeleteMyData(), make_tracker("delete my data", "delete_my_data", slots, events))
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/confirm_delete", "/cancel_delete"]
    assert "3 message(s)" in messages[0]["text"] and changed == {}
    dispatcher = CollectingDispatcher()
    events_out = await ActionDeleteMyData().run(dispatcher, make_tracker("/confirm_delete", "confirm_delete", slots,
                                                                         events + [user("/confirm_delete", 4.0)]), {})
    said = dispatcher.messages[0]["text"]
    assert "erased your 4 message(s), the 3 symptom answer(s) I recorded and the assessment" in said
    assert {"event": "reset_slots", "timestamp": None} in events_out
    assert dispatcher.messages[0]["custom"]["privacy"]["storage"] == "ask"  # what the next conversation starts with
    assert dispatcher.messages[0]["custom"]["erased"] is True  # the widget forgets its copy too


async def test_export_holds_this_conversation_readable_and_as_json():
    events = [user("my legs jump at night", 1_764_750_000.0), {"event": "bot", "text": "Does it ease if you move?"},
              user("yes", 1_764_750_060.0)]
    slots = {"storage_consent": "granted", "evidence": RLS_EVIDENCE, "assessment": ASSESSMENT}
    messages, _ = await run(ActionExportMyData(), make_tracker("send me my data", "export_my_data", slots, events,
                                                               sender="alice"))
    assert len(messages) == 1
    text = messages[0]["text"]
    assert "2025-12-03 08:20 UTC: my legs jump at night" in text and "Does it ease" not in text
    assert "numbness" in text and "Restless legs syndrome" in text and "14 days" in text
    data = messages[0]["custom"]["export"]
    assert data["conversation_id"] == "alice" and data["storage"] == "stored"
    assert [m["text"] for m in data["messages"]] == ["my legs jump at night", "yes"]
    assert data["evidence"] == RLS_EVIDENCE and data["assessment"]["triage"] == "routine"


async def test_export_when_nothing_is_stored_says_so_and_shows_what_the_conversation_holds():
    messages, _ = await run(ActionExportMyData(), make_tracker("send me my data", "export_my_data",
                                                               {"storage_consent": "declined"}))
    assert "Nothing of this conversation is stored" in messages[0]["text"]
    assert "send me my data" in messages[0]["text"]
    assert messages[0]["custom"]["export"]["storage"] == "not_stored"
