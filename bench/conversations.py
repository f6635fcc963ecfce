"""The conversations the load generator plays, for both bots.

Ours: realistic symptom interviews. A patient opens with a free-text description in their own
words, then answers each follow-up question from a hidden profile, in free text ("yes", "no",
"not sure", with some variety), until the assistant concludes (or sends the emergency route).
A few patients bring up a warning sign mid-interview. The question text is mapped back to its
feature through the knowledge base (evaluation.profile_patient, shared with the tests).

Baseline: the stock `rasa init` assistant's own greet / mood conversation (its stories).
"""
from __future__ import annotations

import itertools
from typing import Any, Dict, Iterator, List, Optional, Sequence

from evaluation.patient import assessment_in
from evaluation.profile_patient import ANSWER_STYLES, MAX_TURNS, question_feature
from evaluation.profile_patient import ProfilePatient as Patient

# (opening, what the patient has): one per cause, the openings of tests/conversations.
PATIENTS: List[Patient] = [
    Patient("In the evening when I lie down my legs get a creepy crawly feeling and I just have to move them",
            frozenset({"urge_to_move", "crawling_sensation", "worse_at_night", "at_rest", "relieved_by_movement",
                       "sleep_disruption", "both_legs", "lasting_weeks"})),
    Patient("My right leg trembles when I'm sitting still and it stops when I get up and walk. I'm 72.",
            frozenset({"shaking", "at_rest", "one_leg", "older_age", "slowness_of_movement", "rigidity",
                       "lasting_weeks"}), style=1),
    Patient("My legs shake when I stand still and my hands shake too when I hold a cup, my mother had the same",
            frozenset({"shaking", "during_posture", "hands_affected", "family_history", "during_movement",
                       "lasting_weeks", "both_legs"}), style=2),
    Patient("After a hard leg workout at the gym my thighs were trembling",
            frozenset({"shaking", "after_exercise", "both_legs"})),
    Patient("My legs shake when I'm stressed, I have exams and I feel anxious all the time",
            frozenset({"shaking", "stress_anxiety", "episodic", "both_legs"}), style=1),
    Patient("I drink 6 coffees a day and my legs have been jittery and shaky",
            frozenset({"shaking", "caffeine_intake", "both_legs"}), style=2),
    Patient("I skipped lunch and now my legs are shaky, I'm sweaty and my heart is racing",
            frozenset({"shaking", "skipped_meals", "sweating_palpitations", "both_legs"})),
    Patient("It was really hot, I sweated a lot and didn't drink much water, now my calves keep twitching",
            frozenset({"jerking_twitching", "heat_or_low_fluids", "both_legs"}), style=1),
    Patient("Since I started taking sertraline a few weeks ago my legs shake",
            frozenset({"shaking", "med_ssri_antidepressant", "new_medication", "both_legs"}), style=2),
    Patient("I stopped drinking two days ago after drinking every day for years and now I'm shaking all over",
            frozenset({"shaking", "stopped_alcohol", "alcohol_use", "whole_body_shaking", "hands_affected",
                       "both_legs"})),
    Patient("I'm diabetic and my feet burn and tingle and feel numb, worse for months",
            frozenset({"burning_sensation", "tingling", "numbness", "diabetes", "both_legs", "lasting_weeks"}),
            unsure_about=frozenset({"family_history"}), style=1),
    Patient("I've been told I'm anaemic and I have heavy periods, my legs feel restless at night",
            frozenset({"iron_deficiency_known", "urge_to_move", "worse_at_night"}), style=2),
    Patient("I wake up at night with a painful cramp in my calf, the muscle goes hard as a rock",
            frozenset({"cramp", "wakes_from_sleep", "leg_pain", "worse_at_night", "one_leg"})),
    Patient("My foot twists inwards and my toes curl and it stays stuck in that odd position for minutes",
            frozenset({"twisting_posture", "one_leg", "lasting_weeks"}), style=1),
    # warning signs mid-interview (the emergency route at once)
    Patient("my left leg has been shaking", frozenset({"shaking", "one_leg"}),
            interrupt="now his face is drooping on one side and his speech is slurred", interrupt_after=1),
    Patient("my calf hurts when I walk", frozenset({"leg_pain", "one_leg"}),
            interrupt="my calf is swollen and now I have chest pain", interrupt_after=2, style=2),
]

BASELINE_SCRIPTS: List[List[str]] = [
    ["hello", "I am feeling great", "bye"],
    ["hi there", "I am sad", "yes it helped", "goodbye"],
    ["hey", "very unhappy today", "no", "see you later"],
    ["good morning", "are you a bot?", "I'm good", "bye bye"],
]


class OurConversation:
    """A stateful script: next_message(last replies) -> the next user text, or None when over."""

    def __init__(self, patient: Patient) -> None:
        self.patient = patient
        self.turns = 0
        self.answers = 0
        self.outcome = "unfinished"  # concluded | emergency | lost | unfinished

    def next_message(self, replies: Optional[List[Dict[str, Any]]]) -> Optional[str]:
        if replies is None:
            self.turns = 1
            return self.patient.opening
        found = assessment_in(replies)
        if found is not None:
            self.outcome = "emergency" if found.get("triage") == "emergency" else "concluded"
            return None
        if self.turns >= MAX_TURNS:
            self.outcome = "lost"
            return None
        feature = question_feature(replies)
        if feature is None:
            self.outcome = "lost"  # neither a question nor a conclusion
            return None
        self.turns += 1
        self.answers += 1
        p = self.patient
        if p.interrupt and self.answers == p.interrupt_after + 1:
            return p.interrupt
        return p.answer(feature)


class ScriptConversation:
    def __init__(self, script: Sequence[str]) -> None:
        self.script = list(script)
        self.turns = 0
        self.outcome = "unfinished"

    def next_message(self, replies: Optional[List[Dict[str, Any]]]) -> Optional[str]:
        if self.turns >= len(self.script):
            self.outcome = "concluded"
            return None
        self.turns += 1
        return self.script[self.turns - 1]


def conversations(bot: str, offset: int = 0) -> Iterator[Any]:
    """An endless supply of fresh conversations for one simulated user."""
    if bot == "ours":
        cycle = itertools.cycle(PATIENTS[offset % len(PATIENTS):] + PATIENTS[: offset % len(PATIENTS)])
        for patient in cycle:
            yield OurConversation(patient)
    else:
        n = len(BASELINE_SCRIPTS)
        scripts = itertools.cycle(BASELINE_SCRIPTS[offset % n:] + BASELINE_SCRIPTS[: offset % n])
        for script in scripts:
            yield ScriptConversation(script)


def nlu_corpus() -> List[str]:
    """Messages for the in-process NLU timing: every opening, answer wording and interrupt."""
    out = [p.opening for p in PATIENTS] + [p.interrupt for p in PATIENTS if p.interrupt]
    for words in ANSWER_STYLES:
        out.extend(words.values())
    return out


def baseline_corpus() -> List[str]:
    return sorted({m for s in BASELINE_SCRIPTS for m in s})
