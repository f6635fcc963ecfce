"""A simulated patient: sends the vignette's opening message(s), then answers each question the
assistant asks from the vignette's facts, in the person's own words; "I'm not sure" (in a few
forms) to what the facts don't cover. It recognises a question by its text, as a person would.

Shared by the clinical suite (tests/clinical), `make eval` and the benchmark.
"""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

from evaluation.vignettes import Vignette

#: Turns after the opening before the patient gives up (the interview promises far fewer).
MAX_TURNS = 30
UNSURE_FORMS = ("I'm not sure", "no idea tbh", "I don't really know", "hard to say", "not sure, sorry")
NOTHING_MORE = ("that's all I can tell you really", "I don't know what else to say", "nothing else")

Reply = Dict[str, Any]


def question_texts() -> Dict[str, str]:
    """Question text -> topic id, for every question the assistant can ask."""
    from bot.interview.turn import MEDICINE_QUESTION, MEDICINE_QUESTION_TEXT
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    texts = {f.question: f.id for f in kb.features.values() if f.question}
    texts[MEDICINE_QUESTION_TEXT] = MEDICINE_QUESTION
    return texts


def assessment_in(replies: List[Reply]) -> Optional[Dict[str, Any]]:
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("assessment"), dict):
            return custom["assessment"]
    return None


@dataclass
class Conversation:
    vignette: Vignette
    transcript: List[Tuple[str, List[Reply]]] = field(default_factory=list)
    assessment: Optional[Dict[str, Any]] = None
    questions: List[str] = field(default_factory=list)

    def dump(self) -> str:
        lines = []
        for text, replies in self.transcript:
            lines.append(f"USER: {text}")
            for reply in replies:
                if reply.get("text"):
                    lines.append("  BOT: " + reply["text"].replace("\n", " / "))
                if isinstance(reply.get("custom"), dict) and "assessment" in reply["custom"]:
                    a = reply["custom"]["assessment"]
                    causes = ", ".join(f"{c['id']} {c.get('likelihood')}" for c in a.get("causes", [])[:3])
                    lines.append(f"  ASSESSMENT: {a.get('triage')} | {causes} | red flags: "
                                 + ", ".join(f["id"] for f in a.get("red_flags", [])))
        return "\n".join(lines)


class RestClient:
    """The REST channel, as any client would use it."""

    def __init__(self, base_url: str, sender: Optional[str] = None, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self.sender = sender or f"eval-{uuid.uuid4().hex[:12]}"
        self.timeout = timeout

    def __call__(self, text: str) -> List[Reply]:
        response = requests.post(f"{self.base_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=self.timeout)
        response.raise_for_status()
        return response.json()


class Patient:
    def __init__(self, vignette: Vignette, questions: Optional[Dict[str, str]] = None) -> None:
        self.vignette = vignette
        self.questions = questions or question_texts()
        # longest question first, so a question that contains another is recognised whole
        self._ordered = sorted(self.questions.items(), key=lambda kv: -len(kv[0]))
        self._unsure = itertools.cycle(UNSURE_FORMS)
        self._nothing = itertools.cycle(NOTHING_MORE)

    def asked(self, replies: List[Reply]) -> Optional[str]:
        """The topic of the question in these replies (the last one asked), if any."""
        found = None
        for reply in replies:
            text = reply.get("text") or ""
            for question, topic in self._ordered:
                if question in text:
                    found = topic
                    break
        return found

    def answer(self, topic: Optional[str]) -> str:
        if topic is None:
            return next(self._nothing)
        if topic == "medicine_kind":
            return self.vignette.medicines or next(self._unsure)
        fact = self.vignette.facts.get(topic)
        if fact is None or fact.value == "unsure" and not fact.answer:
            return next(self._unsure)
        if fact.answer:
            return fact.answer
        return {"yes": "yes", "no": "no"}.get(fact.value, next(self._unsure))

    def consult(self, send: Callable[[str], List[Reply]]) -> Conversation:
        conversation = Conversation(self.vignette)

        def say(text: str) -> List[Reply]:
            replies = send(text)
            conversation.transcript.append((text, replies))
            return replies

        replies: List[Reply] = []
        for opening in self.vignette.opening:
            replies = say(opening)
            conversation.assessment = assessment_in(replies)
            if conversation.assessment is not None:
                return conversation
        for _ in range(MAX_TURNS):
            topic = self.asked(replies)
            if topic is not None:
                conversation.questions.append(topic)
            replies = say(self.answer(topic))
            conversation.assessment = assessment_in(replies)
            if conversation.assessment is not None:
                break
        return conversation
