"""For every cause id: a free-text conversation in which it ranks first, with the right route.

Each patient opens in their own words and answers the follow-up questions truthfully from a
hidden profile ("yes" for what they have, "no" otherwise), in free text.
"""
import pytest

from bot.knowledge import load_knowledge
from tests.support.chat import Chat
from evaluation.profile_patient import ProfilePatient

# cause id -> (opening, what the patient has, the route a clinician expects)
CASES = {
    "restless_legs_syndrome": (
        "In the evening when I lie down my legs get a creepy crawly feeling and I just have to move them",
        {"urge_to_move", "crawling_sensation", "worse_at_night", "at_rest", "relieved_by_movement",
         "sleep_disruption", "both_legs", "lasting_weeks"},
        "routine"),
    "parkinsonian_tremor": (
        "My right leg trembles when I'm sitting still and it stops when I get up and walk. I'm 72.",
        {"shaking", "at_rest", "one_leg", "older_age", "slowness_of_movement", "rigidity", "lasting_weeks"},
        "routine"),
    "essential_tremor": (
        "My legs shake when I stand still and my hands shake too when I hold a cup, my mother had the same",
        {"shaking", "during_posture", "hands_affected", "family_history", "during_movement", "lasting_weeks", "both_legs"},
        "routine"),
    "exercise_fatigue": (
        "After a hard leg workout at the gym my thighs were trembling",
        {"shaking", "after_exercise", "both_legs"},
        "self_care"),
    "anxiety_stress": (
        "My legs shake when I'm stressed, I have exams and I feel anxious all the time",
        {"shaking", "stress_anxiety", "episodic", "both_legs"},
        "self_care"),
    "caffeine": (
        "I drink 6 coffees a day and my legs have been jittery and shaky",
        {"shaking", "caffeine_intake", "both_legs"},
        "self_care"),
    "hypoglycemia": (
        "I skipped lunch and now my legs are shaky, I'm sweaty and my heart is racing",
        {"shaking", "skipped_meals", "sweating_palpitations", "both_legs"},
        "self_care"),
    "dehydration_electrolytes": (
        "It was really hot, I sweated a lot and didn't drink much water, now my calves keep twitching",
        {"jerking_twitching", "heat_or_low_fluids", "both_legs"},
        "self_care"),
    "medication_side_effect": (
        "Since I started taking sertraline a few weeks ago my legs shake",
        {"shaking", "med_ssri_antidepressant", "new_medication", "both_legs"},
        "routine"),
    "alcohol_withdrawal": (
        "I stopped drinking two days ago after drinking every day for years and now I'm shaking all over",
        {"shaking", "stopped_alcohol", "alcohol_use", "whole_body_shaking", "hands_affected", "both_legs"},
        "urgent"),
    "peripheral_neuropathy": (
        "I'm diabetic and my feet burn and tingle and feel numb, worse for months",
        {"burning_sensation", "tingling", "numbness", "diabetes", "both_legs", "lasting_weeks"},
        "routine"),
    "iron_deficiency": (
        "I've been told I'm anaemic and I have heavy periods, my legs feel restless at night",
        {"iron_deficiency_known", "urge_to_move", "worse_at_night"},
        "routine"),
    "nocturnal_leg_cramps": (
        "I wake up at night with a painful cramp in my calf, the muscle goes hard as a rock",
        {"cramp", "wakes_from_sleep", "leg_pain", "worse_at_night", "one_leg"},
        "self_care"),
    "dystonia": (
        "My foot twists inwards and my toes curl and it stays stuck in that odd position for minutes",
        {"twisting_posture", "one_leg", "lasting_weeks"},
        "routine"),
    # causes added with the clinical review (issue 14, item 13)
    "hypnic_jerks": (
        "Just as I'm drifting off to sleep my leg gives one big jerk and wakes me up",
        {"jerking_twitching", "falling_asleep_jerks", "episodic"},
        "self_care"),
    "periodic_limb_movements": (
        "My wife says my legs kick over and over all night while I'm asleep, I don't notice it myself",
        {"kicks_during_sleep", "jerking_twitching", "both_legs", "lasting_weeks"},
        "routine"),
    "hyperthyroidism": (
        "My legs and hands tremble, I've lost weight without trying and I feel too hot when others don't",
        {"shaking", "thyroid_signs", "hands_affected", "sweating_palpitations", "both_legs", "lasting_weeks"},
        "routine"),
    "orthostatic_tremor": (
        "My legs shake only when I stand still, like in a queue, and it stops as soon as I sit down or walk",
        {"shaking", "during_posture", "both_legs", "lasting_weeks", "older_age"},
        "routine"),
    "benign_fasciculations": (
        "The muscles in my calves keep twitching, little flickers under the skin, no weakness at all",
        {"jerking_twitching", "both_legs", "episodic"},
        "self_care"),
    "akathisia": (
        "Since I started an antipsychotic I feel so restless inside, I can't sit still and keep pacing",
        {"urge_to_move", "med_antipsychotic", "new_medication", "agitation", "both_legs"},
        "urgent"),
    "tardive_dyskinesia": (
        "After years on an antipsychotic my feet keep making movements I can't control and my mouth chews on its own",
        {"mouth_face_movements", "med_antipsychotic", "lasting_weeks", "both_legs"},
        "routine"),
    "low_calcium_magnesium": (
        "My feet keep going into spasm and my lips tingle, I've had diarrhoea for a week",
        {"tetany_signs", "vomiting_diarrhoea", "cramp", "both_legs"},
        "urgent"),
}


def test_every_cause_has_a_conversation():
    assert set(CASES) == set(load_knowledge().causes)


@pytest.mark.parametrize("cause_id", sorted(CASES))
def test_free_text_conversation_ranks_the_cause_first_with_the_right_route(stack, cause_id):
    opening, has, route = CASES[cause_id]
    chat = Chat(stack.url)
    assessment = ProfilePatient(opening, frozenset(has)).consult(chat.say)
    ranked = [c["id"] for c in assessment["causes"]]
    assert ranked and ranked[0] == cause_id, f"ranked {ranked}\n{chat.dump()}"
    assert assessment["triage"] == route, chat.dump()
    assert assessment["causes"][0]["because"], "the top cause must say why"
