"""Per cause: a typical presentation ranks it first with the expected route; without its key
feature(s) it no longer comes first."""
from __future__ import annotations

import pytest

from bot.engine import assess
from tests.engine.support import ev

# cause id -> (typical presentation, expected triage, key feature(s) that define it)
TYPICAL = {
    "restless_legs_syndrome": (
        ["urge_to_move", "at_rest", "relieved_by_movement", "worse_at_night", "crawling_sensation"],
        "routine",
        ["urge_to_move"],
    ),
    "parkinsonian_tremor": (
        ["shaking", "at_rest", "one_leg", "slowness_of_movement", "older_age", "relieved_by_movement"],
        "routine",
        ["at_rest"],
    ),
    "essential_tremor": (
        ["shaking", "during_posture", "during_movement", "hands_affected", "family_history"],
        "routine",
        ["during_posture", "during_movement"],
    ),
    "exercise_fatigue": (["shaking", "after_exercise", "jerking_twitching"], "self_care", ["after_exercise"]),
    "anxiety_stress": (["shaking", "stress_anxiety", "sweating_palpitations", "episodic"], "self_care", ["stress_anxiety"]),
    "caffeine": (["shaking", "caffeine_intake", "jerking_twitching"], "self_care", ["caffeine_intake"]),
    "hypoglycemia": (["shaking", "skipped_meals", "sweating_palpitations"], "self_care", ["skipped_meals"]),
    "dehydration_electrolytes": (["heat_or_low_fluids", "jerking_twitching", "cramp"], "self_care", ["heat_or_low_fluids"]),
    "medication_side_effect": (["shaking", "new_medication", "med_ssri_antidepressant"], "routine", ["new_medication"]),
    "alcohol_withdrawal": (
        ["shaking", "stopped_alcohol", "alcohol_use", "whole_body_shaking", "sweating_palpitations"],
        "urgent",
        ["stopped_alcohol"],
    ),
    "peripheral_neuropathy": (
        ["numbness", "tingling", "burning_sensation", "diabetes"],
        "routine",
        ["numbness", "tingling", "burning_sensation"],
    ),
    "iron_deficiency": (["iron_deficiency_known", "urge_to_move", "at_rest"], "routine", ["iron_deficiency_known"]),
    "nocturnal_leg_cramps": (["cramp", "leg_pain", "worse_at_night", "wakes_from_sleep"], "self_care", ["cramp"]),
    "dystonia": (["twisting_posture", "leg_pain", "one_leg"], "routine", ["twisting_posture"]),
    # issue 14, item 13
    "hypnic_jerks": (["jerking_twitching", "falling_asleep_jerks"], "self_care", ["falling_asleep_jerks"]),
    "periodic_limb_movements": (
        ["jerking_twitching", "kicks_during_sleep", "worse_at_night"], "routine", ["kicks_during_sleep"]
    ),
    "hyperthyroidism": (
        ["shaking", "hands_affected", "thyroid_signs", "sweating_palpitations"], "routine", ["thyroid_signs"]
    ),
    "orthostatic_tremor": (
        ["shaking", "during_posture", "relieved_by_movement", "balance_problems"], "routine", ["during_posture"]
    ),
    "benign_fasciculations": (["jerking_twitching", "episodic"], "self_care", ["jerking_twitching"]),
    "akathisia": (["med_antipsychotic", "new_medication", "urge_to_move", "agitation"], "urgent", ["agitation", "urge_to_move"]),
    "tardive_dyskinesia": (
        ["mouth_face_movements", "med_antipsychotic", "lasting_weeks"], "routine", ["mouth_face_movements"]
    ),
    "low_calcium_magnesium": (["tetany_signs", "cramp", "tingling"], "urgent", ["tetany_signs"]),
}


def test_every_cause_has_a_row(kb):
    assert set(TYPICAL) == set(kb.causes)


@pytest.mark.parametrize("cause_id", sorted(TYPICAL))
def test_typical_presentation_ranks_first_with_expected_route(cause_id):
    present, triage, _ = TYPICAL[cause_id]
    a = assess(ev(present))
    assert a.causes[0].id == cause_id, [(c.id, round(c.likelihood, 2)) for c in a.causes[:3]]
    assert a.causes[0].likelihood >= 0.5
    assert a.triage == triage
    assert cause_id in a.leading
    # the explanation points at what the user said
    assert set(a.causes[0].because) <= set(present) and a.causes[0].because
    assert a.to_payload()["assessment"]["causes"][0]["id"] == cause_id


@pytest.mark.parametrize("cause_id", sorted(TYPICAL))
def test_denying_the_key_feature_drops_it_from_first_place(cause_id, kb):
    """Denied key feature: the cause loses first place, or (when no listed rival explains the rest
    of the picture) at least stops leading, so neither the route nor a conclusion rests on it."""
    present, _, keys = TYPICAL[cause_id]
    before = next(c for c in assess(ev(present)).causes if c.id == cause_id)
    a = assess(ev([f for f in present if f not in keys], absent=keys))
    ranked = next(c for c in a.causes if c.id == cause_id)
    assert a.causes[0].id != cause_id or (cause_id not in a.leading and not a.can_conclude)
    assert ranked.likelihood < 0.5 <= before.likelihood
    denied_criteria = set(keys) & set(kb.causes[cause_id].key_features)
    assert denied_criteria and denied_criteria <= set(ranked.against), "denied criteria are reported against it"


DROPS_BEHIND_A_RIVAL = {
    # presentation without the key feature -> the cause that should then come first
    "restless_legs_syndrome": (["at_rest", "worse_at_night", "leg_pain", "cramp"], ["urge_to_move"], "nocturnal_leg_cramps"),
    "essential_tremor": (["shaking", "hands_affected", "at_rest", "slowness_of_movement"], ["during_posture"], "parkinsonian_tremor"),
    "parkinsonian_tremor": (["shaking", "one_leg", "during_posture", "hands_affected"], ["at_rest"], "essential_tremor"),
    "exercise_fatigue": (["shaking", "caffeine_intake"], ["after_exercise"], "caffeine"),
    "caffeine": (["shaking", "stress_anxiety"], ["caffeine_intake"], "anxiety_stress"),
    "hypoglycemia": (["shaking", "sweating_palpitations", "stress_anxiety"], ["skipped_meals"], "anxiety_stress"),
    "iron_deficiency": (["urge_to_move", "at_rest", "worse_at_night", "relieved_by_movement"], ["iron_deficiency_known"], "restless_legs_syndrome"),
    "nocturnal_leg_cramps": (["worse_at_night", "leg_pain", "urge_to_move", "at_rest"], ["cramp"], "restless_legs_syndrome"),
}


@pytest.mark.parametrize("cause_id", sorted(DROPS_BEHIND_A_RIVAL))
def test_rival_takes_first_place_when_key_feature_is_denied(cause_id):
    present, absent, rival = DROPS_BEHIND_A_RIVAL[cause_id]
    with_key = assess(ev(present + absent))
    assert with_key.causes[0].id == cause_id or cause_id in [c.id for c in with_key.causes[:2]]
    without = assess(ev(present, absent))
    assert without.causes[0].id == rival


@pytest.mark.parametrize("cause_id", sorted(TYPICAL))
def test_forgetting_the_key_feature_lowers_it(cause_id):
    present, _, keys = TYPICAL[cause_id]
    full = next(c for c in assess(ev(present)).causes if c.id == cause_id)
    partial = next(c for c in assess(ev([f for f in present if f not in keys])).causes if c.id == cause_id)
    assert partial.likelihood < full.likelihood


def test_rest_tremor_and_action_tremor_are_told_apart():
    rest = assess(ev(["shaking", "at_rest", "one_leg", "slowness_of_movement", "rigidity"]))
    action = assess(ev(["shaking", "during_posture", "during_movement", "hands_affected", "family_history"]))
    assert rest.causes[0].id == "parkinsonian_tremor"
    assert action.causes[0].id == "essential_tremor"
    by_id = {c.id: c for c in rest.causes}
    assert "at_rest" in by_id["essential_tremor"].against
    assert by_id["parkinsonian_tremor"].likelihood > 2 * by_id["essential_tremor"].likelihood


def test_all_four_irlssg_criteria_needed_for_a_confident_rls():
    full = ["urge_to_move", "at_rest", "relieved_by_movement", "worse_at_night"]
    confident = assess(ev(full)).causes[0]
    assert confident.id == "restless_legs_syndrome" and confident.likelihood > 0.9
    for criterion in full:
        denied = assess(ev([f for f in full if f != criterion], absent=[criterion]))
        rls = next(c for c in denied.causes if c.id == "restless_legs_syndrome")
        assert rls.likelihood < confident.likelihood - 0.3, criterion


def test_cramps_count_against_restless_legs():
    with_cramp = assess(ev(["urge_to_move", "worse_at_night", "cramp"]))
    without = assess(ev(["urge_to_move", "worse_at_night"]))
    rls = lambda a: next(c for c in a.causes if c.id == "restless_legs_syndrome")  # noqa: E731
    assert rls(with_cramp).likelihood < rls(without).likelihood
    assert "cramp" in rls(with_cramp).against


@pytest.mark.parametrize("feeder", ["pregnancy", "kidney_disease", "iron_deficiency_known", "med_antihistamine"])
def test_secondary_contributors_raise_restless_legs(feeder):
    base = ev(["urge_to_move", "worse_at_night"])
    before = next(c for c in assess(base).causes if c.id == "restless_legs_syndrome")
    after = next(c for c in assess({**base, feeder: "present"}).causes if c.id == "restless_legs_syndrome")
    assert after.likelihood > before.likelihood
    assert feeder in after.because


def test_full_rls_with_known_low_iron_shows_both():
    a = assess(ev(["urge_to_move", "at_rest", "relieved_by_movement", "worse_at_night", "iron_deficiency_known"]))
    ids = [c["id"] for c in a.to_payload()["assessment"]["causes"]]
    assert ids[:2] == ["restless_legs_syndrome", "iron_deficiency"]


@pytest.mark.parametrize(
    "medicine",
    ["med_ssri_antidepressant", "med_antipsychotic", "med_antihistamine", "med_antinausea",
     "med_lithium", "med_valproate", "med_bronchodilator"],
)
def test_each_medicine_class_feeds_medication_side_effect(medicine):
    a = assess(ev(["shaking", "new_medication", medicine]))
    assert a.causes[0].id == "medication_side_effect"
    assert medicine in a.causes[0].because


def test_no_evidence_is_self_care_but_inconclusive():
    a = assess({})
    assert a.triage == "self_care" and not a.can_conclude and not a.emergency
    assert a.leading == [] and a.red_flags == []
    assert all(c.likelihood < 0.5 for c in a.causes)


def test_unknown_answers_change_nothing_in_the_ranking():
    base = ev(["urge_to_move", "worse_at_night"])
    unsure = {**base, "crawling_sensation": "unknown", "cramp": "unknown", "numbness": "unknown"}
    assert [c.id for c in assess(base).causes] == [c.id for c in assess(unsure).causes]


def test_unknown_feature_id_or_state_is_rejected():
    with pytest.raises(ValueError, match="legs_on_fire"):
        assess({"legs_on_fire": "present"})
    with pytest.raises(ValueError, match="maybe"):
        assess({"shaking": "maybe"})
