"""A simulated patient: opens with a free-text description, then answers each follow-up question
truthfully from a hidden profile, in free text ("yes", "no", "not sure").

The question text is mapped back to its feature through the knowledge base, the way a person
knows what they are being asked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional

from bot.knowledge import load_knowledge
from tests.support.chat import Chat, assessment_in

MAX_TURNS = 12  # the interview asks at most 8 questions; a few turns of slack


def question_feature(replies: List[Dict[str, Any]]) -> Optional[str]:
    kb = load_knowledge()
    by_text = {f.question: f.id for f in kb.features.values() if f.question}
    for reply in replies:
        if reply.get("text") in by_text:
            return by_text[reply["text"]]
    return None


@dataclass
class Patient:
    opening: str
    has: FrozenSet[str] = frozenset()
    unsure_about: FrozenSet[str] = frozenset()
    answers: Dict[str, str] = field(default_factory=lambda: {"yes": "yes", "no": "no", "unsure": "not sure"})

    def answer(self, feature: str) -> str:
        if feature in self.has:
            return self.answers["yes"]
        if feature in self.unsure_about:
            return self.answers["unsure"]
        return self.answers["no"]

    def consult(self, chat: Chat) -> Dict[str, Any]:
        """Talk until the assistant concludes; returns the assessment payload."""
        return self.carry_on(chat, chat.say(self.opening))

    def carry_on(self, chat: Chat, replies: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Answer from these replies on until the assistant concludes; returns the assessment."""
        for _ in range(MAX_TURNS):
            found = assessment_in(replies)
            if found is not None:
                return found
            feature = question_feature(replies)
            assert feature is not None, f"neither a question nor a conclusion:\n{chat.dump()}"
            replies = chat.say(self.answer(feature))
        raise AssertionError(f"no conclusion after {MAX_TURNS} turns:\n{chat.dump()}")
