"""A patient with a hidden profile: opens with a free-text description, then answers each
follow-up question truthfully from the set of features it has, in short free text ("yes", "no",
"not sure", in one of a few wordings), until the assistant concludes. Some interrupt the interview
with a warning sign. It recognises a question by its text, as a person would
(``evaluation.patient.question_texts``).

Shared by the conversation tests (tests/conversations) and the benchmark (bench/); the clinical
suite's richer patient, who answers in sentences from a vignette, is ``evaluation.patient``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, List, Optional

from evaluation.patient import assessment_in, question_texts

Reply = Dict[str, Any]

MAX_TURNS = 12  # the interview asks at most 8 questions; a few turns of slack

#: The wordings a patient answers in (ProfilePatient.style picks one).
ANSWER_STYLES = [
    {"yes": "yes", "no": "no", "unsure": "not sure"},
    {"yes": "yeah, that's right", "no": "no, not really", "unsure": "I don't know"},
    {"yes": "yes it does", "no": "nope", "unsure": "maybe, not sure"},
]


@lru_cache(maxsize=1)
def _questions() -> Dict[str, str]:
    return question_texts()


def question_feature(replies: List[Reply]) -> Optional[str]:
    """What the assistant is asking about in these replies (None: no question)."""
    questions = _questions()
    for reply in replies:
        if reply.get("text") in questions:
            return questions[reply["text"]]
    return None


@dataclass(frozen=True)
class ProfilePatient:
    opening: str
    has: FrozenSet[str] = frozenset()
    unsure_about: FrozenSet[str] = frozenset()
    # a message sent instead of the answer after this many answers (a warning sign mid-interview)
    interrupt: Optional[str] = None
    interrupt_after: int = 1
    style: int = 0  # which wording of ANSWER_STYLES

    def answer(self, feature: str) -> str:
        words = ANSWER_STYLES[self.style % len(ANSWER_STYLES)]
        if feature in self.has:
            return words["yes"]
        if feature in self.unsure_about:
            return words["unsure"]
        return words["no"]

    def consult(self, say: Callable[[str], List[Reply]]) -> Dict[str, Any]:
        """Talk until the assistant concludes; returns the assessment payload."""
        return self.carry_on(say, say(self.opening))

    def carry_on(self, say: Callable[[str], List[Reply]], replies: List[Reply]) -> Dict[str, Any]:
        """Answer from these replies on until the assistant concludes; returns the assessment."""
        for _ in range(MAX_TURNS):
            found = assessment_in(replies)
            if found is not None:
                return found
            feature = question_feature(replies)
            if feature is None:
                raise AssertionError(f"neither a question nor a conclusion: {replies}")
            replies = say(self.answer(feature))
        raise AssertionError(f"no conclusion after {MAX_TURNS} turns")
