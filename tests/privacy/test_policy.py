"""The privacy controls work while a question is pending (bot.policies.InterviewPolicy)."""
from __future__ import annotations

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.interview_policy import InterviewPolicy

PENDING = TextSlot("pending_question", mappings=[{"type": "custom"}], influence_conversation=False)


def mid_interview(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("policy-privacy", [SlotSet("pending_question", "worse_at_night"),
                                                               ActionExecuted(ACTION_LISTEN_NAME), *events],
                                            slots=[PENDING])


@pytest.mark.parametrize(("text", "intent"), [
    ("/privacy_accept", "privacy_accept"), ("/privacy_decline", "privacy_decline"), ("/privacy_info", "privacy_info"),
    ("send me my data", "export_my_data"), ("/confirm_delete", "confirm_delete"), ("/cancel_delete", "cancel_delete"),
])
def test_privacy_controls_leave_the_question_pending_for_their_own_action(text, intent):
    tracker = mid_interview(UserUttered(text, {"name": intent, "confidence": 0.97}))
    assert InterviewPolicy.decide(tracker) is None


@pytest.mark.parametrize(("text", "intent"), [("yes", "affirm"), ("no", "deny")])
def test_after_erase_this_conversation_a_yes_or_no_answers_that(text, intent):
    asked = [UserUttered("delete my data", {"name": "delete_my_data", "confidence": 0.97}),
             ActionExecuted("action_ask_delete_my_data"), ActionExecuted(ACTION_LISTEN_NAME)]
    assert InterviewPolicy.decide(mid_interview(*asked, UserUttered(text, {"name": intent, "confidence": 0.97}))) is None
    # Without that question, the same words answer the pending question.
    assert InterviewPolicy.decide(mid_interview(UserUttered(text, {"name": intent, "confidence": 0.97}))) \
        == "action_triage_turn"
