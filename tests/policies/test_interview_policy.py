"""InterviewPolicy: while a question is pending, the next message is its answer unless it leaves."""
from __future__ import annotations

from typing import Optional

import pytest
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.interview_policy import InterviewPolicy


def tracker(text: str, intent: str, confidence: float = 0.95, pending: Optional[str] = "face_droop") -> DialogueStateTracker:
    events = [ActionExecuted(ACTION_LISTEN_NAME)]
    if pending:
        events.insert(0, SlotSet("pending_question", pending))
    events.append(UserUttered(text, {"name": intent, "confidence": confidence}))
    return DialogueStateTracker.from_events("policy-test", events, slots=[])


def with_slot(t: DialogueStateTracker, pending: Optional[str]) -> DialogueStateTracker:
    from rasa.shared.core.slots import TextSlot

    slot = TextSlot("pending_question", mappings=[{"type": "custom"}], influence_conversation=False)
    out = DialogueStateTracker.from_events(t.sender_id, list(t.events), slots=[slot])
    return out


@pytest.mark.parametrize(("text", "intent"), [
    ("No, nothing wrong with her face or her talking.", "out_of_scope"),
    ("No new trouble with my waterworks.", "start_over"),
    ("She can't dress herself any more.", "ask_self_care"),
    ("hi, yes it does", "greet"),
    ("asdf", "nlu_fallback"),
])
def test_any_message_while_a_question_is_pending_goes_to_the_interview(text, intent):
    t = with_slot(tracker(text, intent), "face_droop")
    assert InterviewPolicy.decide(t) == "action_triage_turn"


@pytest.mark.parametrize(("text", "intent"), [
    ("why do you ask?", "ask_why"),
    ("what does that mean", "ask_what_is"),
    ("start over", "start_over"),
    ("delete my data", "delete_my_data"),
    ("bye", "goodbye"),
    ("hello", "greet"),
    ("/restart", "restart"),
    ("I want to end my life", "crisis"),
    ("no, I want to end my life", "crisis"),
])
def test_explicit_requests_leave_the_interview(text, intent):
    t = with_slot(tracker(text, intent), "face_droop")
    assert InterviewPolicy.decide(t) is None


def test_an_unsure_exit_intent_is_read_as_an_answer():
    t = with_slot(tracker("what about it", "ask_what_is", confidence=0.45), "face_droop")
    assert InterviewPolicy.decide(t) == "action_triage_turn"


def test_with_no_pending_question_the_rules_decide():
    t = with_slot(tracker("tell me a joke", "out_of_scope", pending=None), None)
    assert InterviewPolicy.decide(t) is None


def test_after_the_interview_action_it_listens():
    t = with_slot(tracker("no", "deny"), "face_droop")
    t.update(ActionExecuted("action_triage_turn"))
    assert InterviewPolicy.decide(t) == ACTION_LISTEN_NAME


def test_the_same_explanation_is_never_given_twice_in_a_row():
    from rasa.shared.core.slots import TextSlot

    slot = TextSlot("pending_question", mappings=[{"type": "custom"}], influence_conversation=False)
    events = [SlotSet("pending_question", "stress_anxiety"), ActionExecuted(ACTION_LISTEN_NAME),
              UserUttered("why do you ask", {"name": "ask_why", "confidence": 0.9}),
              ActionExecuted("action_explain_why"), ActionExecuted(ACTION_LISTEN_NAME),
              UserUttered("dunno why really", {"name": "ask_why", "confidence": 0.9})]
    t = DialogueStateTracker.from_events("loop", events, slots=[slot])
    assert InterviewPolicy.decide(t) == "action_triage_turn"


def test_a_reply_opening_with_a_hedge_is_an_answer_even_if_it_looks_like_a_question():
    t = with_slot(tracker("bit anxious but dunno why", "ask_why"), "stress_anxiety")
    assert InterviewPolicy.decide(t) == "action_triage_turn"
