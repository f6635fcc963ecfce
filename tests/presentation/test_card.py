"""bot.presentation: the one card every channel renders (docs/presentation.md)."""
from __future__ import annotations

import pytest

from bot import presentation
from bot.engine import assess
from bot.interview.turn import InterviewState, take_turn
from bot.knowledge import load_knowledge
from tests.interview.support import said

KB = load_knowledge()

RLS = {"urge_to_move": "present", "worse_at_night": "present", "relieved_by_movement": "present",
       "both_legs": "present", "one_leg": "absent", "numbness": "absent"}
STROKE = {"sudden_onset": "present", "one_sided_weakness": "present", "face_drooping": "present"}


def emergency_evidence():
    for flag in KB.red_flags.values():
        if flag.level == "emergency":
            evidence = {f: "present" for f in sorted(flag.when.features())}
            assessment = assess(evidence, kb=KB)
            if assessment.emergency:
                return evidence
    raise AssertionError("no emergency red flag fires on its own features")


def test_conclusion_is_one_message_with_text_buttons_and_the_contract_payload():
    assessment = assess(RLS, kb=KB)
    message = presentation.conclusion_message(assessment, KB)
    payload = message["json_message"]
    assert payload["assessment"]["triage"] == assessment.triage  # DESIGN.md contract unchanged
    assert payload["assessment"]["causes"][0]["id"] == "restless_legs_syndrome"
    card = payload["card"]
    assert card["level"] == assessment.triage and card["title"] == KB.triage_levels[assessment.triage].title
    assert message["text"].startswith(card["title"])  # the route comes first
    assert "restless legs syndrome" in card["headline"].lower()
    assert "consistent with" in card["headline"]  # never stated as a diagnosis
    assert card["see_doctor_if"] and card["disclaimer"]
    assert "See a doctor if" in message["text"] and card["disclaimer"] in message["text"]
    payloads = {b["payload"] for b in message["buttons"]}
    assert {"/ask_doctor_summary", "/request_summary", "/start_over"} <= payloads


def test_an_emergency_card_says_what_to_do_now_and_names_no_cause():
    evidence = {**RLS, **emergency_evidence()}  # a restless-legs picture plus an emergency sign
    assessment = assess(evidence, kb=KB)
    assert assessment.emergency and assessment.causes
    message = presentation.conclusion_message(assessment, KB)
    card = message["json_message"]["card"]
    assert card["level"] == "emergency"
    assert card["causes"] == [] and card["see_doctor_if"] == [] and card["more"] == []
    assert "emergency" in card["do_now"].lower()
    text = message["text"]
    assert text.index(card["do_now"]) < 80  # what to do now opens the message
    for cause in assessment.causes[:3]:
        assert cause.name.lower() not in text.lower()  # no reassurance beside an emergency
    assert "fits" not in text and "buttons" not in message


def test_likelihood_words_come_from_one_set_of_bands():
    words = [presentation.fit_words(x) for x in (0.95, 0.6, 0.59, 0.35, 0.34, 0.2)]
    assert words[0] == words[1] != words[2]
    assert words[2] == words[3] != words[4]
    assert words[4] == words[5]


def test_causes_in_the_card_carry_the_servers_fit_words():
    card = presentation.card(assess(RLS, kb=KB), KB)
    assert card["causes"] and all(c["fit"] in {presentation.fit_words(x) for x in (0.9, 0.5, 0.1)} for c in card["causes"])


def test_what_was_inferred_is_never_reported_as_said():
    state = InterviewState()
    for text in ["my legs jerk at night and I have to get up and walk", "yes it eases when I walk about"]:
        state = take_turn(state, said(text), KB).state
    assert state.evidence.get("one_leg") == "absent" and "one_leg" in state.inferred
    card = presentation.card(assess(dict(state.evidence), kb=KB), KB, state.inferred)
    one_leg = KB.features["one_leg"].label
    assert not any(one_leg in line for line in card["why"])
    assert any(one_leg in line for line in card["inferred"])


def test_saying_it_in_your_own_words_makes_it_said_not_inferred():
    state = InterviewState()
    for text in ["my legs twitch", "only my left leg actually"]:
        state = take_turn(state, said(text), KB).state
    assert state.evidence.get("one_leg") == "present"
    assert "one_leg" not in state.inferred


def test_inferred_features_survive_the_slots_round_trip():
    state = take_turn(InterviewState(), said("both my legs shake"), KB).state
    slots = state.to_slots()
    again = InterviewState.from_slots(slots["evidence"], slots["asked"], slots["pending_question"],
                                      slots["interview"], concluded=False)
    assert again.inferred == state.inferred and again.inferred


@pytest.mark.parametrize("cause_id", sorted(KB.causes))
def test_every_non_emergency_conclusion_keeps_why_and_the_see_a_doctor_line(cause_id):
    evidence = {f: "present" for f in list(KB.causes[cause_id].supports)[:4]}
    assessment = assess(evidence, kb=KB)
    message = presentation.conclusion_message(assessment, KB)
    card = message["json_message"]["card"]
    if assessment.emergency:
        assert card["causes"] == []
    else:
        assert "See a doctor if" in message["text"] and card["see_doctor_if"]
    assert card["why"] and card["disclaimer"] in message["text"]


def test_the_card_text_is_one_message_in_every_rasa_channel():
    # Rasa's output channels split a text at blank lines into separate messages.
    for evidence in (RLS, {**RLS, **emergency_evidence()}):
        assert "\n\n" not in presentation.conclusion_message(assess(evidence, kb=KB), KB)["text"]
