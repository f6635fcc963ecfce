"""The clinical review (issue 14) as users meet it: lay words through REST, answered "no" to every
follow-up question, and the route and advice a GP expects. (The engine-level checks of the same
items are in tests/engine/test_engine_clinical_review.py.)"""
from __future__ import annotations

import pytest

from tests.support.chat import Chat, assessment_in, buttons_in, texts


def consult(stack, opening: str, answer: str = "No", limit: int = 14):
    chat = Chat(stack.url)
    replies = chat.say(opening)
    for _ in range(limit):
        found = assessment_in(replies)
        if found is not None:
            return found, texts(replies), chat
        if "Yes" in buttons_in(replies) or "No" in buttons_in(replies):
            replies = chat.press(replies, answer)
        else:
            replies = chat.say("not sure")
    raise AssertionError("no conclusion:\n" + chat.dump())


@pytest.mark.parametrize(("opening", "level", "flag"), [
    # 1. chest pain alone, breathlessness alone
    ("my legs are shaking and there's a tight pain across my chest", "emergency", "chest_pain"),
    ("my legs feel shaky and I get breathless just walking to the kitchen", "urgent", "breathlessness"),
    # 3. BE-FAST
    ("her legs are wobbly and one side of her face has gone numb", "emergency", "stroke_signs"),
    # 5. alcohol: morning shakes eased by a drink
    ("I drink every day and my legs shake in the morning until I have a drink", "urgent", None),
    # 6. cauda equina in lay words
    ("my back is killing me, both legs have gone weak and I'm numb down there", "emergency", "cauda_equina"),
    # 7. a first seizure described by a witness
    ("my husband went blank and didn't respond to us, his legs jerked, then he was muddled", "emergency",
     "seizure_or_blackout"),
    # 8. a dragging foot getting worse
    ("my right foot has started dragging and it gets worse every day", "urgent", "worsening_foot_drop"),
    # 10. tetany
    ("my lips are tingling and my hands and feet keep cramping into spasms", "urgent", "tetany"),
])
def test_dangerous_presentations_in_lay_words_get_the_right_route(stack, opening, level, flag):
    found, said, chat = consult(stack, opening)
    assert found["triage"] == level, chat.dump()
    if flag:
        assert flag in [f["id"] for f in found["red_flags"]], chat.dump()
    if level == "emergency":
        assert "emergency number" in said.lower() or "emergency department" in said.lower()


def test_symptoms_nothing_explains_are_not_sent_home(stack):
    found, _, chat = consult(stack, "my foot twists inwards since I started a new tablet")
    assert found["triage"] in ("routine", "urgent", "emergency"), chat.dump()


@pytest.mark.parametrize("opening", [
    "I had way too much coffee today and now my legs are jittery",
    "I skipped lunch and my legs feel shaky and weak",
])
def test_a_passing_benign_cause_stays_self_care(stack, opening):
    found, said, chat = consult(stack, opening)
    assert found["triage"] == "self_care", chat.dump()
    assert "See a doctor if" in said


def test_no_massage_beside_a_possible_clot(stack):
    found, said, chat = consult(stack, "my calf cramps and now it's swollen, red and warm")
    assert found["triage"] in ("urgent", "emergency"), chat.dump()
    assert "massage the" not in said.lower() and "warm bath" not in said.lower(), chat.dump()


def test_no_advice_to_stop_drinking_suddenly_for_a_daily_drinker(stack):
    found, said, chat = consult(stack, "I drink most days and my legs feel restless in the evenings")
    assert "avoid alcohol" not in said.lower() and "cut out alcohol" not in said.lower(), chat.dump()


def test_a_new_medicine_without_its_name_is_followed_by_which_medicine(stack):
    chat = Chat(stack.url)
    replies = chat.say("my legs started twitching and jerking a few days after I started a new tablet")
    assert "Which medicine was it" in texts(replies), chat.dump()
    replies = chat.say("it was sertraline, the doctor upped the dose")
    found = assessment_in(replies)
    if found is None:
        for _ in range(12):
            replies = chat.press(replies, "No") if "No" in buttons_in(replies) else chat.say("not sure")
            found = assessment_in(replies)
            if found is not None:
                break
    assert found is not None and "med_ssri_antidepressant" in found["evidence"]["present"], chat.dump()
