"""Issue 14: a GP's clinical review of the rules. One test (or more) per item, through the engine's
public API only (assess / next_question), from evidence as the NLU would give it."""
from __future__ import annotations

import pytest

from bot.engine import assess, next_question
from bot.knowledge import load_knowledge
from tests.engine.support import ev

KB = load_knowledge()


def flags(a) -> set[str]:
    return {h.id for h in a.red_flags}


def tips(a) -> set[str]:
    return {t.id for t in a.advice.tips}


def top(a) -> str:
    return a.causes[0].id


def first_questions(evidence: dict[str, str], n: int) -> list[str]:
    """The first n questions of an interview in which every answer is "no"."""
    evidence, asked = dict(evidence), []
    while len(asked) < n and (q := next_question(evidence, asked)) is not None:
        asked.append(q.feature_id)
        evidence[q.feature_id] = "absent"
    return asked


# --------------------------------------------------------------------------- 1. chest, breath
def test_chest_pain_alone_is_an_emergency_and_says_call_the_emergency_number():
    a = assess(ev(["shaking", "chest_pain", "sweating_palpitations"]))
    assert a.triage == "emergency" and "chest_pain" in flags(a)
    assert a.advice.tips == []
    assert "emergency number" in a.advice.red_flag_actions[0]
    for line in KB.causes["caffeine"].see_doctor_if:
        if "chest pain" in line:
            assert "emergency number" in line


def test_breathlessness_is_urgent_and_an_emergency_when_sudden_or_with_chest_pain_or_calf():
    assert assess(ev(["breathlessness"])).triage == "urgent"
    assert assess(ev(["breathlessness", "sudden_onset"])).triage == "emergency"
    assert assess(ev(["breathlessness", "chest_pain"])).triage == "emergency"
    assert assess(ev(["breathlessness", "calf_swelling"])).triage == "emergency"


# --------------------------------------------------------------------------- 2. floor
def test_symptoms_nothing_explains_are_at_least_routine():
    a = assess(ev(["twisting_posture", "new_medication"], absent=["med_antipsychotic", "med_antinausea"]))
    assert KB.rank(a.triage) <= KB.rank("routine")
    unexplained = assess(ev(["weakness"]))
    assert not unexplained.leading and unexplained.triage == "routine"
    assert assess({}).triage == "self_care"  # nothing said yet: no floor


# --------------------------------------------------------------------------- 3. stroke
@pytest.mark.parametrize("present", [
    ["one_sided_numbness"], ["vision_loss"], ["sudden_onset", "balance_problems"],
    ["sudden_onset", "one_leg", "weakness"], ["sudden_onset", "one_leg", "numbness"],
    ["face_droop"], ["one_sided_weakness"],
])
def test_be_fast_signs_are_an_emergency(present):
    a = assess(ev(present))
    assert a.triage == "emergency" and "stroke_signs" in flags(a)


# --------------------------------------------------------------------------- 4. NMS, serotonin
def test_neuroleptic_malignant_syndrome():
    for extra in ("fever", "confusion"):
        a = assess(ev(["med_antipsychotic", "rigidity", extra]))
        assert a.triage == "emergency" and "neuroleptic_malignant_syndrome" in flags(a)
    # stiffness with sweating alone (drug-induced parkinsonism sweats too): today, not 999
    a = assess(ev(["med_antipsychotic", "rigidity", "sweating_palpitations"]))
    assert a.triage == "urgent" and "stiffness_on_antipsychotic" in flags(a)
    # fever becomes askable: on an antipsychotic with stiffness, a completing sign is asked next
    asked = first_questions(ev(["med_antipsychotic", "rigidity", "shaking"]), 2)
    assert set(asked) & {"fever", "confusion", "sweating_palpitations"}, asked
    assert KB.features["fever"].question


@pytest.mark.parametrize("drug", ["med_ssri_antidepressant", "med_tramadol"])
def test_serotonin_syndrome(drug):
    a = assess(ev([drug, "new_medication", "jerking_twitching", "agitation", "sweating_palpitations"]))
    assert a.triage == "emergency" and "serotonin_syndrome" in flags(a)
    assert assess(ev([drug, "new_medication", "vomiting_diarrhoea"])).triage == "urgent"
    q = next_question(ev([drug, "new_medication", "jerking_twitching"]))
    assert q is not None and q.reason.startswith("screens for red flag")


# --------------------------------------------------------------------------- 5. alcohol
@pytest.mark.parametrize("sign", ["confusion", "hallucinations", "vision_loss"])
def test_delirium_tremens_and_wernicke_are_emergencies(sign):
    assert assess(ev(["alcohol_use", sign])).triage == "emergency"
    assert assess(ev(["stopped_alcohol", sign])).triage == "emergency"


def test_unsteadiness_is_an_emergency_in_withdrawal_and_urgent_in_a_daily_drinker():
    assert assess(ev(["stopped_alcohol", "balance_problems"])).triage == "emergency"
    a = assess(ev(["alcohol_use", "balance_problems"]))
    assert a.triage == "urgent" and "possible_wernicke" in flags(a)


def test_morning_shakes_eased_by_a_drink_are_urgent():
    a = assess(ev(["shaking", "alcohol_use", "drink_relieves_shakes"]))
    assert a.triage == "urgent" and top(a) == "alcohol_withdrawal"
    assert "alcohol_withdrawal_risk" in flags(a)


# --------------------------------------------------------------------------- 6. cauda equina
def test_cauda_equina_back_pain_with_weak_legs():
    assert assess(ev(["back_pain", "both_legs", "weakness"])).triage == "emergency"
    assert assess(ev(["back_pain"])).triage != "emergency"
    assert KB.features["back_pain"].question == "Do you have back pain as well?"


# --------------------------------------------------------------------------- 7. first seizure
def test_a_witnessed_episode_with_unresponsiveness_is_an_emergency():
    a = assess(ev(["loss_of_consciousness", "confusion", "jerking_twitching"]))
    assert a.triage == "emergency" and "seizure_or_blackout" in flags(a)


# --------------------------------------------------------------------------- 8. GBS, foot drop
@pytest.mark.parametrize("affected", ["difficulty_walking", "breathlessness", "swallowing_breathing_difficulty"])
def test_rising_weakness_with_walking_breathing_or_swallowing_affected(affected):
    assert assess(ev(["ascending_weakness", affected])).triage == "emergency"
    assert assess(ev(["both_legs", "weakness", "rapidly_worsening", affected])).triage == "emergency"


def test_rising_weakness_alone_is_urgent_and_worsening_foot_drop_is_urgent():
    assert assess(ev(["ascending_weakness"])).triage == "urgent"
    assert assess(ev(["foot_drop", "rapidly_worsening"])).triage == "urgent"
    assert assess(ev(["foot_drop"])).triage == "routine"


# --------------------------------------------------------------------------- 9. medicines
@pytest.mark.parametrize("drug", ["med_metoclopramide", "med_antinausea", "med_antipsychotic"])
def test_acute_dystonic_reaction_of_jaw_neck_eyes_is_an_emergency(drug):
    a = assess(ev([drug, "head_neck_spasm"]))
    assert a.triage == "emergency" and "acute_dystonic_reaction" in flags(a)


def test_a_new_medicine_prompts_asking_which_kind():
    asked = first_questions(ev(["twisting_posture", "new_medication"]), 3)
    assert any(KB.features[f].group == "medication" for f in asked), asked


@pytest.mark.parametrize("drug", ["med_lithium", "med_valproate"])
def test_lithium_or_valproate_tremor_ranks_the_medicine_above_essential_tremor(drug):
    a = assess(ev(["shaking", "hands_affected", "during_posture", drug]))
    ranks = [c.id for c in a.causes]
    assert ranks.index("medication_side_effect") < ranks.index("essential_tremor")


def test_parkinsonism_on_an_antipsychotic_ranks_the_medicine():
    a = assess(ev(["med_antipsychotic", "shaking", "at_rest", "slowness_of_movement", "rigidity"]))
    ranks = [c.id for c in a.causes]
    assert ranks.index("medication_side_effect") < ranks.index("parkinsonian_tremor")


def test_akathisia():
    a = assess(ev(["med_antipsychotic", "new_medication", "urge_to_move", "agitation"]))
    assert top(a) == "akathisia" and a.triage == "urgent"
    assert "medicine_review" in tips(a)


# --------------------------------------------------------------------------- 10. rhabdo, tetany
def test_rhabdomyolysis():
    assert assess(ev(["dark_urine", "after_exercise", "leg_pain"])).triage == "urgent"
    assert assess(ev(["dark_urine", "after_exercise", "weakness"])).triage == "emergency"


def test_tetany_is_urgent():
    a = assess(ev(["tetany_signs", "tingling"]))
    assert a.triage == "urgent" and top(a) == "low_calcium_magnesium"


# --------------------------------------------------------------------------- 11. over-triage
def test_one_night_of_caffeine_or_a_single_bad_night_is_self_care():
    a = assess(ev(["shaking", "caffeine_intake", "sleep_disruption"]))
    assert a.triage == "self_care" and top(a) == "caffeine"
    assert assess(ev(["shaking", "caffeine_intake", "sleep_disruption", "lasting_weeks"])).triage == "routine"


def test_shaky_and_weak_from_hunger_is_self_care():
    a = assess(ev(["shaking", "weakness", "skipped_meals"]))
    assert a.triage == "self_care" and top(a) == "hypoglycemia"


def test_low_blood_sugar_is_not_suggested_from_sweating_alone():
    a = assess(ev(["shaking", "sweating_palpitations"]))
    hypo = next(c for c in a.causes if c.id == "hypoglycemia")
    assert hypo.likelihood < 0.2
    for reason in ("skipped_meals", "low_sugar_reading"):
        assert top(assess(ev(["shaking", "sweating_palpitations", reason]))) == "hypoglycemia"


def test_shaking_plus_hands_alone_does_not_make_essential_tremor_likely():
    et = next(c for c in assess(ev(["shaking", "hands_affected"])).causes if c.id == "essential_tremor")
    assert et.likelihood < 0.5


def test_restless_legs_does_not_outrank_rest_tremor_without_an_urge_to_move():
    a = assess(ev(["shaking", "at_rest", "worse_at_night", "relieved_by_movement"]))
    ranks = [c.id for c in a.causes]
    assert ranks.index("parkinsonian_tremor") < ranks.index("restless_legs_syndrome")


# --------------------------------------------------------------------------- 12. advice
def test_no_massage_or_warm_bath_with_a_possible_clot():
    a = assess(ev(["cramp", "leg_pain", "worse_at_night", "calf_swelling"]))
    assert a.triage == "urgent"
    assert not tips(a) & {"stretch_and_massage", "warm_bath", "cramp_relief"}
    # and, an urgent red flag having fired, no cause-based self-care tips at all
    assert all(not t.causes for t in a.advice.tips)


def test_no_stop_drinking_advice_to_a_daily_drinker():
    present = ["urge_to_move", "at_rest", "relieved_by_movement", "worse_at_night", "alcohol_use"]
    a = assess(ev(present))
    assert "evening_caffeine_alcohol" not in tips(a)
    assert "daily_drinking_cut_down_safely" in tips(a)
    without = assess(ev(present[:-1]))
    assert "evening_caffeine_alcohol" in tips(without)


def test_no_extra_water_or_potassium_advice_with_kidney_disease():
    a = assess(ev(["heat_or_low_fluids", "cramp", "jerking_twitching", "kidney_disease"]))
    assert "fluids_and_minerals" not in tips(a) and "kidney_fluids_and_minerals" in tips(a)


def test_foot_care_advice_for_diabetics_with_numb_feet():
    a = assess(ev(["numbness", "tingling", "diabetes"]))
    assert "diabetic_foot_care" in tips(a)
    assert "nice_ng19" in KB.tips["diabetic_foot_care"].sources


# --------------------------------------------------------------------------- 13. new causes
@pytest.mark.parametrize("cause_id, present, triage", [
    ("hypnic_jerks", ["jerking_twitching", "falling_asleep_jerks"], "self_care"),
    ("periodic_limb_movements", ["jerking_twitching", "kicks_during_sleep", "worse_at_night"], "routine"),
    ("hyperthyroidism", ["shaking", "hands_affected", "thyroid_signs", "sweating_palpitations"], "routine"),
    ("orthostatic_tremor", ["shaking", "during_posture", "relieved_by_movement", "balance_problems"], "routine"),
    ("benign_fasciculations", ["jerking_twitching", "episodic"], "self_care"),
    ("akathisia", ["med_antipsychotic", "urge_to_move", "agitation"], "urgent"),
    ("tardive_dyskinesia", ["mouth_face_movements", "med_antipsychotic", "lasting_weeks"], "routine"),
    ("low_calcium_magnesium", ["tetany_signs", "cramp"], "urgent"),
])
def test_new_causes(cause_id, present, triage):
    a = assess(ev(present))
    assert top(a) == cause_id and a.triage == triage


@pytest.mark.parametrize("sign", ["weakness", "muscle_wasting", "swallowing_breathing_difficulty"])
def test_twitching_with_a_sign_that_is_not_benign(sign):
    a = assess(ev(["jerking_twitching", "episodic", sign]))
    fasc = next(c for c in a.causes if c.id == "benign_fasciculations")
    assert fasc.likelihood < 0.5 and sign in fasc.against
    assert KB.rank(a.triage) <= KB.rank("routine")


# --------------------------------------------------------------------------- 14. provenance
def test_every_non_seed_source_has_publisher_address_and_date():
    for source in KB.sources.values():
        if source.file is None:
            assert source.publisher and source.url.startswith("https://") and source.date, source.id


def test_superseded_and_misnamed_citations_are_fixed():
    assert "NG217" in KB.sources["seizure_first_aid"].title
    assert "CG137" not in KB.sources["seizure_first_aid"].url
    assert "CIWA-Ar" in KB.sources["alcohol_withdrawal_ciwa"].title
    # claims the seeds do not make are cited from what does
    assert "nice_cks_leg_cramps" in KB.causes["nocturnal_leg_cramps"].sources
    assert "ninds_tremor" in KB.causes["essential_tremor"].sources
    assert not set(KB.features["older_age"].sources) & {"seed_001", "seed_002"}


def test_exact_ids_and_questions_for_the_dialogue():
    questions = {
        "back_pain": "Do you have back pain as well?",
        "one_sided_numbness": "Is there sudden numbness of one side of the face or body?",
        "vision_loss": "Have you suddenly lost vision, or started seeing double?",
        "agitation": "Do you feel agitated or unable to settle, in your mind as well as your body?",
        "dark_urine": "Has your urine turned dark, like tea or cola?",
        "tetany_signs": "Do you have tingling around the lips, or do your hands or feet go into spasm?",
        "drink_relieves_shakes": "Do the shakes come in the morning and settle once you have a drink?",
        "swallowing_breathing_difficulty": "Is there any trouble swallowing or breathing?",
        "foot_drop": "Does a foot drag or slap down, or do you catch your toes when you walk?",
        "falling_asleep_jerks": "Do the jerks happen only as you are drifting off to sleep?",
        "muscle_wasting": "Has any muscle become thinner or visibly wasted?",
        "thyroid_signs": "Have you lost weight without trying, or felt too hot when others don't?",
    }
    for fid, text in questions.items():
        assert KB.features[fid].question == text
    for fid in ("med_tramadol", "med_metoclopramide"):
        assert KB.features[fid].group == "medication" and KB.features[fid].question is None
