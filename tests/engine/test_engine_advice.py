"""What the bot tells the user: tips, see-a-doctor lines, route text, the doctor summary."""
from __future__ import annotations

import re

import pytest

from bot.engine import advice_for, assess
from bot.knowledge import load_knowledge
from tests.engine.support import REPO_ROOT, ev

KB = load_knowledge()


def all_texts():
    for tip in KB.tips.values():
        yield f"tip {tip.id}", tip.text
    for cause in KB.causes.values():
        yield f"cause {cause.id}", cause.summary
        for line in cause.see_doctor_if:
            yield f"cause {cause.id}", line
    for rf in KB.red_flags.values():
        yield f"red flag {rf.id}", rf.what_to_do
    for level in KB.triage_levels.values():
        yield f"level {level.id}", level.what_to_do


@pytest.mark.parametrize("cause_id", sorted(KB.causes))
def test_every_cause_has_a_tip_a_see_doctor_line_a_summary_and_aliases(cause_id):
    cause = KB.causes[cause_id]
    assert KB.tips_for(cause_id)
    assert cause.see_doctor_if
    assert 2 <= len(re.findall(r"[.!?](\s|$)", cause.summary)) <= 3, "2-3 plain sentences"
    assert cause.aliases and KB.find_cause(cause.aliases[0]) is cause
    assert cause.sources


def test_aliases_find_the_cause():
    assert KB.find_cause("RLS").id == "restless_legs_syndrome"
    assert KB.find_cause("Parkinson’s").id == "parkinsonian_tremor"
    assert KB.find_cause("low blood sugar").id == "hypoglycemia"
    assert KB.find_cause("something unrelated") is None


def test_no_text_tells_anyone_to_stop_a_medicine_without_the_prescriber():
    stop = re.compile(r"\b(stop|stopping|quit|come off)\b[^.]*\b(medicine|medication|tablet|pill|dose|treatment|taking)", re.I)
    for where, text in all_texts():
        if stop.search(text):
            assert re.search(r"prescriber|doctor|pharmacist", text, re.I), where
            assert re.search(r"\b(do not|don't|never)\b", text, re.I), where


def test_summaries_make_no_diagnosis():
    for cause in KB.causes.values():
        assert not re.search(r"\byou (have|are suffering from)\b", cause.summary, re.I), cause.id


def test_iron_is_advised_only_after_a_blood_test():
    for tip in KB.tips.values():
        if re.search(r"\biron (tablet|supplement)s?\b", tip.text, re.I):
            assert "blood test" in tip.text, tip.id


def test_tips_follow_the_top_causes_without_repeats():
    a = assess(ev(["urge_to_move", "at_rest", "relieved_by_movement", "worse_at_night", "iron_deficiency_known"]))
    ids = [t.id for t in a.advice.tips]
    assert len(ids) == len(set(ids))
    assert "iron_only_after_test" in ids and "stretch_and_massage" in ids
    assert all(set(t.causes) & {"restless_legs_syndrome", "iron_deficiency"} for t in a.advice.tips)


def test_medicine_picture_sends_the_user_to_the_prescriber():
    a = assess(ev(["shaking", "new_medication", "med_ssri_antidepressant"]))
    assert "medicine_review" in [t.id for t in a.advice.tips]
    assert a.triage == "routine"
    assert any("prescriber" in line for line in a.advice.see_doctor_if)


def test_emergency_gives_no_self_care_tips_and_says_call_now():
    a = assess(ev(["after_exercise", "shaking", "face_droop"]))
    assert a.triage == "emergency" and a.advice.tips == []
    assert "emergency number" in a.advice.what_to_do
    assert a.advice.red_flag_actions and "emergency" in a.advice.red_flag_actions[0]


@pytest.mark.parametrize("level", ["emergency", "urgent", "routine", "self_care"])
def test_each_level_has_a_title_and_what_to_do(level):
    tl = KB.triage_levels[level]
    assert tl.title and tl.what_to_do and tl.meaning


def test_advice_route_text_matches_the_triage():
    for evidence in (ev(["shaking", "after_exercise"]), ev(["calf_swelling"]), ev(["lasting_weeks"])):
        a = assess(evidence)
        assert a.advice.what_to_do == KB.triage_levels[a.triage].what_to_do
        assert advice_for(a) == a.advice == advice_for(a, KB)


def test_see_doctor_lines_are_never_empty():
    for evidence in ({}, ev(["shaking"]), ev(["urge_to_move", "worse_at_night"])):
        assert assess(evidence).advice.see_doctor_if


def test_doctor_summary_lists_what_is_present_absent_and_unsure_in_plain_words():
    evidence = ev(["urge_to_move", "worse_at_night", "med_antihistamine"], absent=["numbness"], unknown=["cramp"])
    summary = assess(evidence).advice.doctor_summary
    for fid in ("urge_to_move", "worse_at_night", "numbness", "cramp", "med_antihistamine"):
        assert KB.features[fid].label in summary
    assert "Not present: numbness" in summary and "Medicines:" in summary and "not a diagnosis" in summary
    assert "_" not in summary  # labels, not ids


def test_doctor_summary_names_warning_signs():
    summary = assess(ev(["calf_swelling", "cramp"])).advice.doctor_summary
    assert "Warning signs:" in summary and "calf" in summary


def _shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_wording_is_original_not_copied_from_the_seed_articles():
    seeds = REPO_ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("shared/seeds is not beside the repository")
    seed_shingles = set().union(*(_shingles(p.read_text(encoding="utf-8")) for p in seeds.glob("*.txt")))
    for where, text in all_texts():
        copied = _shingles(text) & seed_shingles
        assert not copied, f"{where} copies: {' '.join(next(iter(copied)))}"
