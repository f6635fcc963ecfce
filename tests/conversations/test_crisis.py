"""Thoughts of suicide or self-harm, at any turn, get the crisis response in the very next reply;
figures of speech and denials do not get the crisis script. Through REST, as a user.

The disclosures are the issue's examples and the dev corpus (tests/safety/crisis_corpus_dev.yml,
written by a helper who had not seen the detector); the held-out corpora measure the detector
itself (tests/safety/test_detector.py)."""
from __future__ import annotations

import pytest

from tests.safety.corpus import load
from tests.safety.test_detector import ISSUE_DISCLOSURES, ISSUE_NOT_CRISIS
from tests.support.chat import Chat, assessment_in, buttons_in, texts

DEV = load("crisis_corpus_dev.yml")
DISCLOSURES = ISSUE_DISCLOSURES + [m["text"] for m in DEV if m["label"] == "crisis"][::2]  # 7 + 40
NOT_CRISIS = ISSUE_NOT_CRISIS + [m["text"] for m in DEV if m["label"] in ("figure_of_speech", "denial")][::2]


def is_crisis_response(replies) -> bool:
    said = texts(replies)
    found = assessment_in(replies)
    return ("116 123" in said and "999" in said and found is not None
            and found["triage"] == "emergency" and found.get("crisis", {}).get("country") == "GB"
            and [f["id"] for f in found["red_flags"]] == ["self_harm_risk"])


def test_there_are_at_least_thirty_of_each():
    assert len(DISCLOSURES) >= 30 and len(NOT_CRISIS) >= 30


@pytest.mark.parametrize("text", DISCLOSURES)
def test_a_disclosure_in_a_fresh_conversation_gets_the_crisis_response(stack, text):
    replies = Chat(stack.url).say(text)
    assert is_crisis_response(replies), replies


@pytest.mark.parametrize("text", DISCLOSURES[::3])
def test_a_disclosure_mid_interview_pauses_it_for_the_crisis_response(stack, text):
    chat = Chat(stack.url)
    replies = chat.say("my legs twitch and jump at night and I can't sleep")
    assert buttons_in(replies)[:2] == ["Yes", "No"], chat.dump()
    replies = chat.say(text)
    assert is_crisis_response(replies), chat.dump()
    assert "Back to my legs" in buttons_in(replies)


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_figures_of_speech_and_denials_do_not_get_the_crisis_script(stack, text):
    replies = Chat(stack.url).say(text)
    assert not is_crisis_response(replies), replies
    assert "116 123" not in texts(replies) or "not alone" not in texts(replies)


def test_a_denial_gets_a_gentle_check_with_the_line(stack):
    chat = Chat(stack.url)
    chat.say("my calves cramp at night")
    replies = chat.say("I'm not suicidal, just fed up with this")
    said = texts(replies)
    assert "116 123" in said and not is_crisis_response(replies)


def test_after_the_crisis_response_the_person_can_go_back_to_their_legs_with_the_line_in_view(stack):
    chat = Chat(stack.url)
    first = chat.say("my legs shake when I stand in a queue")
    question = [r["text"] for r in first if r.get("buttons")][-1]
    chat.say("honestly some days I wish I was dead")
    replies = chat.press(chat.transcript[-1][1], "Back to my legs")
    said = texts(replies)
    assert question in said, chat.dump()  # the same question, taken up again
    assert "116 123" in said


def test_a_relative_at_risk_gets_advice_for_the_one_who_is_worried(stack):
    replies = Chat(stack.url).say("my daughter keeps saying she'd be better off dead")
    assert is_crisis_response(replies)
    assert "Stay with them" in texts(replies)


def test_distress_is_acknowledged_with_the_help_the_seeds_name(stack):
    chat = Chat(stack.url)
    chat.say("my legs jump and twitch every night")
    replies = chat.say("honestly this is ruining my life, I can't cope with no sleep")
    said = texts(replies)
    assert "CBT for insomnia" in said and "support groups" in said, chat.dump()
    assert not is_crisis_response(replies)
    assert buttons_in(replies)[:2] == ["Yes", "No"] or assessment_in(replies) is not None  # the interview goes on


def test_what_a_doctor_can_do_is_offered_as_questions_to_ask(stack):
    chat = Chat(stack.url)
    replies = chat.say("in bed my legs get a creepy crawly feeling and I have to get up and walk about")
    for _ in range(12):
        if assessment_in(replies) is not None:
            break
        replies = chat.press(replies, "Yes")
    assert assessment_in(replies)["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    said = texts(chat.press(replies, "What can a doctor do?"))
    assert "ferritin" in said.lower() and "on your own" in said, chat.dump()
    said = texts(chat.say("what can a doctor do for essential tremor?"))
    assert "essential tremor" in said.lower() and "Checks" in said, chat.dump()
