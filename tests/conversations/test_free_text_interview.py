"""The interview read in context, through REST: answers in people's own words, no misroutes, no
loops, a bounded interview whatever the answers, danger signs in lay words at any turn."""
from __future__ import annotations

import pytest

from bot.interview.turn import MAX_TURNS
from evaluation.patient import Patient
from evaluation.vignettes import Fact, Vignette
from tests.interview.corpus import load
from tests.support.chat import Chat, assessment_in, buttons_in, texts

QUESTION_BUTTONS = ["Yes", "No", "Not sure"]


def is_question(replies) -> bool:
    return buttons_in(replies)[:3] == QUESTION_BUTTONS


def person(opening, facts, medicines=None) -> Vignette:
    return Vignette(id="t", style="test", opening=(opening,),
                    facts={k: Fact(v[0], v[1]) for k, v in facts.items()}, gold_triage=("routine",),
                    gold_causes=(), justification="", medicines=medicines)


RLS_IN_SENTENCES = person(
    "I'm 45 and for about a year my legs have felt awful in the evenings, like something fizzing under the skin, "
    "and I have to get up and pace the hall before I can sleep",
    {
        "urge_to_move": ("yes", "yes, it's a real need, I can't ignore it however hard I try"),
        "at_rest": ("yes", "it's when I finally sit down on the sofa or lie in bed"),
        "relieved_by_movement": ("yes", "walking about helps while I keep going, then it's back when I stop"),
        "worse_at_night": ("yes", "evenings and nights are by far the worst"),
        "numbness": ("no", "no, I can feel everything fine"),
        "one_leg": ("no", "it's both legs, not just one"),
        "lasting_weeks": ("yes", "it's been going on for about a year now"),
        "sudden_onset": ("no", "it crept up gradually, I couldn't say when it started"),
        "cramp": ("no", "it's not cramp, nothing tightens"),
        "shaking": ("no", "they don't shake, it's more of a need to move them"),
        "iron_deficiency_known": ("no", "not that I know of, I've never been told I'm low on iron"),
        "caffeine_intake": ("no", "just one coffee in the morning"),
        "pregnancy": ("no", "no, I'm not pregnant"),
        "weakness": ("no", "they're not weak, I can walk miles"),
    },
)


def test_an_interview_answered_in_sentences_concludes_with_the_right_route(stack):
    chat = Chat(stack.url)
    conversation = Patient(RLS_IN_SENTENCES).consult(chat.say)
    assessment = conversation.assessment
    assert assessment is not None, chat.dump()
    assert assessment["causes"][0]["id"] == "restless_legs_syndrome", chat.dump()
    assert assessment["triage"] in ("routine", "self_care"), chat.dump()
    for feature in ("urge_to_move", "worse_at_night"):
        assert feature in assessment["evidence"]["present"], chat.dump()


@pytest.mark.parametrize("reply", ["I'm not sure", "sdfkj qwpeo", "🤔🤔", "lol idk"])
def test_an_interview_answered_the_same_way_every_time_concludes_and_never_repeats_itself(stack, reply):
    chat = Chat(stack.url)
    replies = chat.say("my legs keep shaking")
    previous = texts(replies)
    for _ in range(MAX_TURNS + 2):
        if assessment_in(replies) is not None:
            break
        replies = chat.say(reply)
        now = texts(replies)
        assert now != previous, chat.dump()
        previous = now
    assert assessment_in(replies) is not None, chat.dump()


def test_an_answer_that_names_other_body_parts_stays_in_the_interview(stack):
    chat = Chat(stack.url)
    replies = chat.say("my dad's leg has been shaking since this morning")
    for _ in range(10):
        if not is_question(replies) or "face" in texts(replies):
            break
        replies = chat.say("not sure")
    replies = chat.say("no, his face is fine, it's just his leg")
    said = texts(replies)
    assert "I can only help with legs" not in said and "didn't quite get that" not in said, chat.dump()
    assert is_question(replies) or assessment_in(replies) is not None, chat.dump()


@pytest.mark.parametrize("sign", [
    "oh and her mouth has dropped on one side",
    "he's suddenly talking nonsense and can't get his words out",
    "she went blank and didn't respond to us, then was muddled",
    "I haven't been able to wee since yesterday and I'm numb down there",
])
def test_a_danger_sign_in_lay_words_mid_interview_escalates_at_once(stack, sign):
    chat = Chat(stack.url)
    replies = chat.say("my legs have been twitching all week")
    assert is_question(replies), chat.dump()
    replies = chat.say(sign)
    found = assessment_in(replies)
    assert found is not None and found["triage"] == "emergency", chat.dump()
    assert found["causes"] == [] or "fits" not in texts(replies)


def test_start_over_asks_before_setting_anything_aside(stack):
    chat = Chat(stack.url)
    first = chat.say("my calves cramp at night")
    question = [r["text"] for r in first if r.get("buttons")][-1]
    replies = chat.say("start over")
    assert "set aside" in texts(replies) and "Yes, start over" in buttons_in(replies), chat.dump()
    replies = chat.press(replies, "No, carry on")
    assert question in texts(replies), chat.dump()
    chat.say("start over")
    replies = chat.press(chat.transcript[-1][1], "Yes, start over")
    assert "Everything you told me before is set aside" in texts(replies)


REQUESTS = [i for name in ("answer_corpus_dev.yml", "answer_corpus_heldout.yml") for i in load(name)
            if i["reading"] == "request"]
EXPECTED = {
    "why": lambda said, b: "I ask about" in said or "because" in said,
    "what_means": lambda said, b: "mean" in said.lower() or "I mean" in said or len(said) > 0 and "Sorry, I didn't catch" not in said,
    "start_over": lambda said, b: "set aside" in said,
    "delete_data": lambda said, b: "Yes, erase it" in b,  # confirmed first (actions/privacy.py)
    "stop": lambda said, b: "Take care" in said or "come back" in said,
}


def test_requests_mid_interview_leave_it_and_are_answered():
    assert len(REQUESTS) >= 30


def test_explicit_requests_mid_interview_are_answered_not_read_as_answers(stack):
    """Requests written by the helper (why?, what does that mean?, start over, delete, stop), each sent
    while a question is pending. The intent classifier decides what is a request: the share handled
    is reported in the README (at least 90 % here); the misses are printed."""
    misses = []
    for item in REQUESTS:
        chat = Chat(stack.url)
        replies = chat.say("my legs shake and twitch in the evenings")
        assert is_question(replies), chat.dump()
        replies = chat.say(item["text"])
        said = texts(replies)
        if "Sorry, I didn't catch" in said or not EXPECTED[item["request"]](said, buttons_in(replies)):
            misses.append(f"{item['request']}: {item['text']!r} -> {said[:120]!r}")
    handled = 1 - len(misses) / len(REQUESTS)
    print(f"\n[interview] requests handled mid-interview: {handled:.3f} ({len(REQUESTS)})\n" + "\n".join(misses))
    assert handled >= 0.9, "\n".join(misses)
