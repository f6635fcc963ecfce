"""For every emergency red flag: it comes up mid-interview and the very next reply is the
emergency route. Urgent signs raise the route and the interview carries on."""
import pytest

from bot.knowledge import load_knowledge
from tests.support.chat import Chat, assessment_in, buttons_in, texts
from evaluation.profile_patient import question_feature

# red flag id -> (an interview opening that fits it, the message that brings the sign up)
EMERGENCIES = {
    "stroke_signs": ("my left leg has been shaking", "now his face is drooping on one side and his speech is slurred"),
    "seizure_or_blackout": ("my legs keep jerking", "he just had a seizure and passed out"),
    "cauda_equina": ("my legs feel weak and tingly", "I'm numb between my legs and I can't control my bladder"),
    "clot_with_chest_symptoms": ("my calf hurts when I walk", "my calf is swollen and now I have chest pain"),
    "fever_with_neck_or_confusion": ("my legs are shaking", "I have a high fever and a stiff neck"),
    "diabetic_confusion": ("I'm diabetic and my legs are shaky", "she seems confused and isn't making sense"),
    "severe_alcohol_withdrawal": ("I stopped drinking yesterday and I'm shaking", "I'm seeing things that aren't there"),
    "lithium_toxicity": ("I take lithium and my legs tremble", "I've been vomiting all day and feel confused"),
    "ascending_weakness_breathing": ("my legs feel weak", "the weakness is creeping up my legs and now it's hard to breathe"),
    # added with the clinical review (issue 14), said in lay words
    "sudden_confusion": ("my dad's legs are shaky", "all of a sudden this afternoon he's confused and not making sense"),
    "limb_threatened": ("my calf is really sore", "now the whole leg has gone a dusky purple colour"),
    "chest_pain": ("my legs are trembling and I'm sweating", "there's a heavy pressure in the middle of my chest"),
    "sudden_breathlessness": ("my legs are shaky", "suddenly I'm really short of breath"),
    "neuroleptic_malignant_syndrome": ("I'm on haloperidol and my legs are shaky", "my muscles have gone really stiff and rigid and I have a high fever"),
    "serotonin_syndrome": ("they increased my sertraline last week and my legs keep jerking",
                           "I'm really agitated, sweating a lot and I have a high temperature"),
    "acute_dystonic_reaction": ("I started metoclopramide yesterday and my legs feel odd", "now my neck is twisting to one side and my jaw is locked"),
    "rhabdomyolysis_with_weakness": ("after a brutal spin class my thighs ache", "my pee has gone dark like cola and my legs are so weak"),
}


def test_every_emergency_red_flag_has_a_conversation():
    kb = load_knowledge()
    assert set(EMERGENCIES) == {f.id for f in kb.red_flags.values() if f.level == "emergency"}


@pytest.mark.parametrize("flag_id", sorted(EMERGENCIES))
def test_emergency_sign_mid_interview_gets_the_emergency_route_at_once(stack, flag_id):
    opening, sign = EMERGENCIES[flag_id]
    chat = Chat(stack.url)
    replies = chat.say(opening)
    if question_feature(replies) is not None and assessment_in(replies) is None:
        replies = chat.say("not sure")  # one ordinary answer first: we are mid-interview
    replies = chat.say(sign)
    assessment = assessment_in(replies)
    assert assessment is not None, chat.dump()
    assert assessment["triage"] == "emergency", chat.dump()
    assert flag_id in [f["id"] for f in assessment["red_flags"]], chat.dump()
    assert "emergency" in texts(replies).lower()
    assert "Yes" not in buttons_in(replies), "the interview must stop, not ask another question"


def test_an_emergency_sign_after_the_conclusion_still_escalates(stack):
    chat = Chat(stack.url)
    replies = chat.say("I get cramps in my calf at night")
    for _ in range(10):
        if assessment_in(replies):
            break
        replies = chat.say("no")
    assert assessment_in(replies)["triage"] != "emergency"
    replies = chat.say("thanks, but now my calf is swollen and I can't breathe")
    assert assessment_in(replies)["triage"] == "emergency", chat.dump()


def test_an_urgent_sign_raises_the_route_and_the_interview_goes_on(stack):
    chat = Chat(stack.url)
    replies = chat.say("my legs started shaking suddenly today and it's getting worse quickly")
    assert assessment_in(replies) is None or assessment_in(replies)["triage"] != "emergency"
    assert "today" in texts(replies).lower(), chat.dump()
    for _ in range(10):
        found = assessment_in(replies)
        if found:
            break
        replies = chat.say("no")
    assert found["triage"] == "urgent", chat.dump()
