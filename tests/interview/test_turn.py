"""bot.interview.take_turn: one user turn, read in context; bounded; never the same reply twice."""
from __future__ import annotations

import pytest

from bot.interview import turn as interview
from bot.interview.turn import InterviewState, UserMessage, take_turn
from bot.knowledge import load_knowledge
from tests.interview.support import said

KB = load_knowledge()


def talk(messages, state=None):
    state = state or InterviewState()
    outcomes = []
    for text in messages:
        outcome = take_turn(state, said(text) if isinstance(text, str) else text, KB)
        outcomes.append(outcome)
        state = outcome.state
    return outcomes


def test_a_description_gets_a_question_about_something_not_yet_said():
    (first,) = talk(["my legs jerk and I can't keep still in bed"])
    assert first.kind == interview.ASK
    assert first.state.pending == first.question.feature_id
    assert first.question.feature_id not in first.state.evidence


def test_a_free_text_answer_is_recorded_against_the_question_with_the_rest_of_the_message():
    opening, answer = talk(["I get an urge to move my legs in the evening", "no, but my hands shake a bit too"])
    asked = opening.question.feature_id
    assert answer.state.evidence[asked] == "absent"
    assert answer.state.evidence.get("hands_affected") == "present"


def test_an_answer_about_other_body_parts_stays_in_the_interview():
    state = InterviewState(evidence={"jerking_twitching": "present"}, asked=("face_droop",), pending="face_droop")
    outcome = take_turn(state, said("No, nothing wrong with her face or her talking."), KB)
    assert outcome.state.evidence["face_droop"] == "absent"
    assert outcome.kind in (interview.ASK, interview.CONCLUDE)


def test_an_unreadable_reply_gets_one_rephrase_then_counts_as_not_sure():
    state = InterviewState(evidence={"cramp": "present"}, asked=("worse_at_night",), pending="worse_at_night")
    first = take_turn(state, said("qwerty"), KB)
    assert first.kind == interview.REPHRASE and first.state.pending == "worse_at_night"
    second = take_turn(first.state, said("zxcvb"), KB)
    assert second.state.evidence["worse_at_night"] == "unknown"
    assert second.kind != interview.REPHRASE


@pytest.mark.parametrize("reply", ["I'm not sure", "asdfgh", "🤷‍♀️", "hmm", "what?"])
def test_any_reply_repeated_concludes_within_the_cap_and_never_repeats_a_reply(reply):
    outcomes = talk(["my legs shake"] + [reply] * 40)
    kinds = [o.kind for o in outcomes]
    assert interview.CONCLUDE in kinds or interview.EMERGENCY in kinds
    concluded_at = next(i for i, k in enumerate(kinds) if k in (interview.CONCLUDE, interview.EMERGENCY))
    assert concluded_at <= interview.MAX_TURNS
    keys = [o.state.reply_key for o in outcomes]
    assert all(a != b for a, b in zip(keys, keys[1:])), keys


def test_nothing_usable_is_invited_in_three_different_ways():
    outcomes = talk(["hmm", "ok", "well"])
    assert [o.kind for o in outcomes] == [interview.INVITE] * 3
    assert [o.variant for o in outcomes] == [0, 1, 2]


def test_a_new_medicine_without_its_name_is_followed_by_which_medicine():
    (outcome,) = talk(["my legs started shaking after I started a new medicine last week"])
    assert outcome.kind == interview.ASK and outcome.question.feature_id == interview.MEDICINE_QUESTION
    answer = take_turn(outcome.state, said("it was sertraline"), KB)
    assert answer.state.evidence.get("med_ssri_antidepressant") == "present"


def test_a_danger_sign_in_lay_words_mid_interview_escalates():
    state = InterviewState(evidence={"urge_to_move": "present"}, asked=("worse_at_night",), pending="worse_at_night")
    outcome = take_turn(state, said("not really, but now her face is drooping on one side"), KB)
    assert outcome.kind == interview.EMERGENCY
    assert outcome.state.evidence["worse_at_night"] == "absent"


def test_after_the_conclusion_no_closes_kindly_and_does_not_repeat():
    state = InterviewState(evidence={"cramp": "present"}, concluded=True)
    first = take_turn(state, said("no", "deny"), KB)
    second = take_turn(first.state, said("no", "deny"), KB)
    assert first.kind == interview.CLOSED
    assert second.state.reply_key != first.state.reply_key


def test_saying_no_again_and_again_after_the_conclusion_closes_without_asking_or_repeating():
    from bot import replies

    state = InterviewState(evidence={"cramp": "present"}, concluded=True)
    texts = []
    for message in ["no", "nothing else", "no", "nope", "no thanks", "no"]:
        outcome = take_turn(state, said(message, "deny"), KB)
        assert outcome.kind == interview.CLOSED, message
        texts.append(replies.closing(outcome.variant)[0]["text"])
        state = outcome.state
    assert all(a != b for a, b in zip(texts, texts[1:]))
    assert not any("?" in text for text in texts)  # closes: no further question


def test_start_over_asks_to_confirm_and_no_goes_back_to_the_question():
    state = InterviewState(evidence={"cramp": "present"}, asked=("worse_at_night",), pending="worse_at_night")
    confirming = interview.start_over_requested(state)
    assert confirming.pending == interview.CONFIRM_START_OVER
    back = take_turn(confirming, said("no, carry on", "deny"), KB)
    assert back.kind == interview.ASK and back.question.feature_id == "worse_at_night"
    assert back.state.evidence == {"cramp": "present"}
    restart = take_turn(confirming, said("yes please", "affirm"), KB)
    assert restart.kind == interview.RESTART and restart.state.evidence == {}


def test_a_feature_said_present_makes_its_exclusive_twin_absent_unless_the_message_names_it():
    state = InterviewState(evidence={"both_legs": "present", "shaking": "present"})
    outcome = take_turn(state, said("actually it's only my left leg"), KB)
    assert outcome.state.evidence["one_leg"] == "present"
    assert outcome.state.evidence["both_legs"] == "absent"


def test_entity_values_the_knowledge_base_does_not_know_are_dropped():
    message = UserMessage("x", "describe_symptoms", ({"entity": "feature", "value": "made_up", "role": "present"},
                                                    {"entity": "feature", "value": {"x": 1}, "role": "present"}))
    outcome = take_turn(InterviewState(), message, KB)
    assert outcome.kind == interview.INVITE and outcome.state.evidence == {}


def test_state_survives_the_slots_round_trip():
    (outcome,) = talk(["my calves cramp at night"])
    slots = outcome.state.to_slots()
    back = InterviewState.from_slots(slots["evidence"], slots["asked"], slots["pending_question"], slots["interview"], False)
    assert back == outcome.state
    assert InterviewState.from_slots("junk", 5, {"a": 1}, [1], False) == InterviewState()
