"""Every red flag sets (at least) its level, whatever the picture it interrupts."""
from __future__ import annotations

import pytest

from bot.engine import assess, next_question
from bot.knowledge import load_knowledge
from tests.engine.support import ev

KB = load_knowledge()

STARTS = {
    "empty": {},
    "typical_rls": ev(["urge_to_move", "at_rest", "relieved_by_movement", "worse_at_night", "crawling_sensation"]),
    "self_care_exercise": ev(["shaking", "after_exercise", "jerking_twitching"], absent=["lasting_weeks"]),
    "self_care_caffeine": ev(["shaking", "caffeine_intake"], absent=["weakness", "numbness"]),
}

# every (red flag, one way of meeting its condition)
CASES = [(rf.id, tuple(sorted(w))) for rf in KB.red_flags.values() for w in rf.when.witnesses()]


def test_design_red_flags_are_there():
    by_level = {level: {rf.id for rf in KB.red_flags.values() if rf.level == level} for level in KB.triage_order}
    assert {"stroke_signs", "seizure_or_blackout", "cauda_equina", "clot_with_chest_symptoms",
            "fever_with_neck_or_confusion", "diabetic_confusion", "severe_alcohol_withdrawal",
            "lithium_toxicity"} <= by_level["emergency"]
    assert {"sudden_or_rapid", "possible_clot", "spreading_weakness", "alcohol_withdrawal_risk"} <= by_level["urgent"]
    assert {"persistent_symptoms", "disrupts_sleep_or_life", "weakness_or_numbness", "movement_problems"} <= by_level["routine"]
    assert by_level["self_care"] == set()


@pytest.mark.parametrize("start", sorted(STARTS))
@pytest.mark.parametrize("flag_id,witness", CASES)
def test_red_flag_sets_its_level_from_any_start(flag_id, witness, start):
    rf = KB.red_flags[flag_id]
    before = assess(STARTS[start])
    after = assess({**STARTS[start], **{f: "present" for f in witness}})
    assert flag_id in [h.id for h in after.red_flags]
    hit = next(h for h in after.red_flags if h.id == flag_id)
    # the explanation names what met the condition: the witness, and whatever else already matched
    assert set(hit.because) <= set(witness) | set(STARTS[start]) and hit.because and hit.level == rf.level
    assert KB.rank(after.triage) <= KB.rank(rf.level), "at least the red flag's level"
    assert KB.rank(after.triage) <= KB.rank(before.triage), "never lower than before"
    if rf.level == "emergency":
        assert after.triage == "emergency" and after.emergency and after.can_conclude
        assert next_question({**STARTS[start], **{f: "present" for f in witness}}) is None
    payload = after.to_payload()["assessment"]
    assert {"id": flag_id, "level": rf.level} in payload["red_flags"]


@pytest.mark.parametrize("flag_id,witness", CASES)
def test_from_empty_the_level_is_exactly_the_red_flags(flag_id, witness):
    """With nothing else said, the route is the red flag's own level (no over- or under-triage)."""
    a = assess({f: "present" for f in witness})
    assert a.triage == KB.red_flags[flag_id].level


def test_partial_conditions_do_not_fire():
    assert "clot_with_chest_symptoms" not in [h.id for h in assess(ev(["chest_pain"])).red_flags]
    assert assess(ev(["calf_swelling"])).triage == "urgent"  # suspected clot alone: today, not 999
    assert assess(ev(["calf_swelling", "breathlessness"])).triage == "emergency"
    assert assess(ev(["fever"])).triage == "urgent"
    assert assess(ev(["fever", "stiff_neck"])).triage == "emergency"
    assert assess(ev(["med_lithium"])).triage != "emergency"
    assert assess(ev(["med_lithium", "vomiting_diarrhoea"])).triage == "emergency"
    assert assess(ev(["stopped_alcohol"])).triage == "urgent"
    assert assess(ev(["stopped_alcohol", "hallucinations"])).triage == "emergency"
    assert assess(ev(["diabetes", "confusion"])).triage == "emergency"


def test_cauda_equina_signs_alone_are_an_emergency():
    for sign in ("saddle_numbness", "bladder_bowel_loss"):
        assert assess(ev([sign])).triage == "emergency"
        assert assess(ev([sign, "weakness"])).triage == "emergency"


def test_absent_red_flag_features_never_fire():
    evidence = {f: "absent" for f in KB.red_flag_features()}
    a = assess(evidence)
    assert a.red_flags == [] and a.triage != "emergency"


def test_emergency_actions_say_to_call_for_help_now():
    for rf in KB.red_flags.values():
        text = rf.what_to_do.lower()
        if rf.level == "emergency":
            assert "emergency" in text and "now" in text, rf.id
        else:
            assert "today" in text or "appointment" in text or "soon" in text, rf.id


def test_red_flag_features_are_the_emergency_ones():
    features = KB.red_flag_features()
    assert {"face_droop", "slurred_speech", "one_sided_weakness", "seizure", "saddle_numbness",
            "bladder_bowel_loss", "chest_pain", "breathlessness", "stiff_neck", "hallucinations"} <= features
    assert "lasting_weeks" not in features and "sudden_onset" not in features


def test_hits_are_listed_most_urgent_first():
    a = assess(ev(["face_droop", "lasting_weeks", "sudden_onset"]))
    levels = [h.level for h in a.red_flags]
    assert levels == sorted(levels, key=KB.rank)
    assert a.advice.red_flag_actions[0] == KB.red_flags["stroke_signs"].what_to_do
