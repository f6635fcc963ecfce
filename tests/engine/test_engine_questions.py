"""The follow-up question policy."""
from __future__ import annotations

import pytest

from bot.engine import MAX_QUESTIONS, Question, assess, next_question
from bot.knowledge import load_knowledge
from tests.engine.support import ev

KB = load_knowledge()


def interview(opening: dict[str, str], truth: set[str], default: str = "absent") -> tuple[list[str], dict[str, str]]:
    """Answer each question from `truth` (present) or `default`, as a user would."""
    evidence, asked = dict(opening), []
    while (q := next_question(evidence, asked)) is not None:
        assert len(asked) < MAX_QUESTIONS
        asked.append(q.feature_id)
        evidence[q.feature_id] = "present" if q.feature_id in truth else default
    return asked, evidence


def test_returns_a_question_with_the_knowledge_base_text():
    q = next_question(ev(["shaking"]))
    assert isinstance(q, Question)
    assert q.text == KB.features[q.feature_id].question and q.reason


def test_never_asks_a_known_or_asked_feature():
    evidence = ev(["urge_to_move"], absent=["worse_at_night"], unknown=["at_rest"])
    asked: list[str] = ["worse_at_night", "at_rest"]
    seen = set(evidence)
    for _ in range(5):
        q = next_question(evidence, asked)
        if q is None:
            break
        assert q.feature_id not in seen
        seen.add(q.feature_id)
        asked.append(q.feature_id)
        evidence[q.feature_id] = "absent"
    blocked = next_question(ev(["shaking"]), asked=[next_question(ev(["shaking"])).feature_id])
    assert blocked is None or blocked.feature_id != next_question(ev(["shaking"])).feature_id


def test_none_after_max_questions():
    asked = [f for f in KB.features if KB.features[f].question][:MAX_QUESTIONS]
    assert MAX_QUESTIONS == 8
    assert next_question(ev(["shaking"]), asked) is None
    assert next_question(ev(["shaking"]), asked[:-1]) is not None


def test_none_once_an_emergency_red_flag_is_present():
    assert next_question(ev(["urge_to_move", "slurred_speech"])) is None


@pytest.mark.parametrize("opening", [{}, ev(["shaking"]), ev(["urge_to_move"]), ev(["cramp"]), ev(["jerking_twitching"])])
def test_all_not_sure_answers_still_end_within_the_budget(opening):
    asked, evidence = interview(opening, truth=set(), default="unknown")
    assert len(asked) <= MAX_QUESTIONS
    assert len(set(asked)) == len(asked)
    assert next_question(evidence, asked) is None


def test_rls_leaning_picture_asks_what_separates_rls_from_its_rivals():
    evidence = ev(["urge_to_move", "at_rest"])
    q = next_question(evidence)
    assert q is not None
    rls = KB.causes["restless_legs_syndrome"]
    assert q.feature_id in set(rls.supports) | set(rls.against)

    def margin(answer: str) -> float:
        causes = assess({**evidence, q.feature_id: answer}).causes
        rls_score = next(c.score for c in causes if c.id == rls.id)
        rival = max(c.score for c in causes if c.id != rls.id)
        return rls_score - rival

    assert abs(margin("present") - margin("absent")) >= 1.0


def test_typical_rls_interview_confirms_the_criteria_and_stops_early():
    asked, evidence = interview(ev(["urge_to_move"]), {"at_rest", "relieved_by_movement", "worse_at_night"})
    assert {"at_rest", "relieved_by_movement", "worse_at_night"} <= set(asked)
    a = assess(evidence)
    assert a.causes[0].id == "restless_legs_syndrome" and a.can_conclude
    assert len(asked) < MAX_QUESTIONS


def test_swollen_calf_prompts_the_chest_questions_and_escalates():
    asked, evidence = interview(ev(["cramp", "calf_swelling"]), {"breathlessness"})
    assert asked[0] in {"chest_pain", "breathlessness"}
    assert assess(evidence).triage == "emergency"


def test_stopping_alcohol_prompts_the_withdrawal_danger_signs():
    q = next_question(ev(["shaking", "stopped_alcohol", "alcohol_use"]))
    assert q is not None and q.feature_id in {"hallucinations", "seizure"}


def test_rest_tremor_interview_reaches_parkinsonian_tremor():
    truth = {"at_rest", "one_leg", "slowness_of_movement", "older_age", "relieved_by_movement"}
    asked, evidence = interview(ev(["shaking"]), truth)
    assert "at_rest" in asked
    assert assess(evidence).causes[0].id == "parkinsonian_tremor"


def test_after_exercise_interview_checks_for_warning_signs_before_self_care():
    asked, evidence = interview(ev(["shaking"]), {"after_exercise"})
    a = assess(evidence)
    assert a.triage == "self_care" and a.causes[0].id == "exercise_fatigue" and a.can_conclude
    assert {"lasting_weeks", "weakness", "numbness"} & set(asked)


def test_unknown_feature_in_asked_or_evidence_is_rejected():
    with pytest.raises(ValueError):
        next_question({"not_a_feature": "present"})
