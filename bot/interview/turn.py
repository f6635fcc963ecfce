"""One user turn of the interview: read the message against the pending question, merge the
evidence, and decide what happens next. Pure Python (no Rasa); actions/triage.py adapts it.

    state = InterviewState()
    outcome = take_turn(state, UserMessage("my legs jump at night", "describe_symptoms", entities), kb)
    outcome.kind        # "ask" | "conclude" | "emergency" | "rephrase" | "invite" | "after" | "closed"
    outcome.state       # the new state, to store (slots)

Guarantees (DESIGN.md "Conversation"):
* while a question is pending, the message is read first as its answer (bot.interview.answers),
  and any further evidence in it is recorded too;
* an answer that cannot be read gets one rephrase request for that question; the next unreadable
  reply counts as "not sure" and the interview moves on;
* the interview concludes within MAX_QUESTIONS engine questions (+ the medicine question) and
  MAX_TURNS user turns, whatever the answers;
* the same reply is never chosen for two messages in a row (``reply_key`` is remembered).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, Mapping, Optional

from bot.engine import MAX_QUESTIONS, Assessment, Question, assess, next_question
from bot.interview.answers import EVIDENCE_OF, NO, NO_ANSWER, UNSURE, YES, leading_cue, read_answer
from bot.knowledge import KnowledgeBase

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"

#: A user turn cap for one interview: after this many messages it concludes with what it has.
MAX_TURNS = 16
#: The free-text question asked when a new or changed medicine is mentioned without its name.
MEDICINE_QUESTION = "medicine_kind"
MEDICINE_QUESTION_TEXT = "Which medicine was it, and was it started or changed? (Its name is enough.)"
#: Quotes of the person's own words kept per feature, and their length (bot.summary shows them).
MAX_WORDS_PER_FEATURE = 3
MAX_QUOTE_CHARS = 80
#: A pseudo-question: "start over? everything you told me will be set aside".
CONFIRM_START_OVER = "confirm_start_over"

ASK, CONCLUDE, EMERGENCY, REPHRASE, INVITE, AFTER, CLOSED, RESTART = (
    "ask", "conclude", "emergency", "rephrase", "invite", "after", "closed", "restart")


@dataclass(frozen=True)
class UserMessage:
    text: str
    intent: Optional[str] = None
    entities: tuple = ()  # dicts as the NLU gives them: {"entity": "feature", "value": id, "role": ...}


@dataclass(frozen=True)
class InterviewState:
    evidence: Mapping[str, str] = field(default_factory=dict)
    asked: tuple = ()
    pending: Optional[str] = None  # feature id, MEDICINE_QUESTION or CONFIRM_START_OVER
    resume: Optional[str] = None  # the question to go back to after a start-over "no"
    turns: int = 0  # user turns in this interview
    unreadable: int = 0  # consecutive unreadable replies to the pending question
    invites: int = 0  # consecutive "tell me more" replies (nothing usable yet)
    afters: int = 0  # consecutive replies after the conclusion that said nothing new
    concluded: bool = False
    reply_key: Optional[str] = None  # what the last reply was, to never repeat it
    # Features the assistant inferred rather than heard ("my legs" -> not one leg): feature -> the
    # feature said that implied it. The card shows them as assumptions, never as "you said".
    inferred: Mapping[str, str] = field(default_factory=dict)
    # The person's own words for each feature (the spans the extractor matched), for the summary
    # to keep: feature -> up to MAX_WORDS_PER_FEATURE short quotes.
    words: Mapping[str, tuple] = field(default_factory=dict)

    def to_slots(self) -> Dict[str, Any]:
        return {
            "evidence": dict(self.evidence),
            "asked": list(self.asked),
            "pending_question": self.pending,
            "interview": {"turns": self.turns, "unreadable": self.unreadable, "invites": self.invites,
                          "afters": self.afters, "resume": self.resume, "reply_key": self.reply_key,
                          "concluded": self.concluded, "inferred": dict(self.inferred),
                          "words": {f: list(q) for f, q in self.words.items()}},
        }

    @classmethod
    def from_slots(cls, evidence: Any, asked: Any, pending: Any, interview: Any, concluded: bool) -> "InterviewState":
        extra = interview if isinstance(interview, dict) else {}

        def count(key: str) -> int:
            value = extra.get(key)
            return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0

        return cls(
            evidence={f: v for f, v in evidence.items() if isinstance(f, str) and v in (PRESENT, ABSENT, UNKNOWN)}
            if isinstance(evidence, dict) else {},
            asked=tuple(a for a in asked if isinstance(a, str)) if isinstance(asked, (list, tuple)) else (),
            pending=pending if isinstance(pending, str) and pending else None,
            resume=extra.get("resume") if isinstance(extra.get("resume"), str) else None,
            turns=count("turns"), unreadable=count("unreadable"), invites=count("invites"),
            afters=count("afters"),
            concluded=bool(concluded or extra.get("concluded")),
            reply_key=extra.get("reply_key") if isinstance(extra.get("reply_key"), str) else None,
            inferred={f: b for f, b in (extra.get("inferred") or {}).items() if isinstance(f, str) and isinstance(b, str)}
            if isinstance(extra.get("inferred"), dict) else {},
            words={f: tuple(q for q in quotes if isinstance(q, str))[:MAX_WORDS_PER_FEATURE]
                   for f, quotes in (extra.get("words") or {}).items()
                   if isinstance(f, str) and isinstance(quotes, (list, tuple))}
            if isinstance(extra.get("words"), dict) else {},
        )


@dataclass(frozen=True)
class Outcome:
    kind: str
    state: InterviewState
    assessment: Optional[Assessment] = None
    question: Optional[Question] = None  # for ask / rephrase
    mentioned: Mapping[str, str] = field(default_factory=dict)  # what this message said
    reading: Optional[str] = None  # how it answered the pending question
    variant: int = 0  # which wording, for replies that may come twice (invite, after)


def features_in(entities: Iterable[Mapping[str, Any]], known: Mapping[str, Any]) -> Dict[str, str]:
    """Feature statuses the message carries (the last mention wins; unknown ids dropped)."""
    said: Dict[str, str] = {}
    for entity in entities or ():
        if not isinstance(entity, Mapping) or entity.get("entity") != "feature":
            continue
        value = entity.get("value")
        if isinstance(value, str) and value in known:
            said[value] = ABSENT if entity.get("role") == "absent" else PRESENT
    return said


def implied_by(said: Mapping[str, str], kb: KnowledgeBase) -> Dict[str, str]:
    """Features a message makes absent without saying so: feature -> the present feature that
    excludes it ("my legs" -> not "one leg")."""
    return {
        other: feature
        for feature, status in said.items() if status == PRESENT
        for other in kb.features[feature].excludes
        if other not in said
    }


def merge(evidence: Mapping[str, str], said: Mapping[str, str], kb: KnowledgeBase) -> Dict[str, str]:
    """A later statement overrides an earlier one; a feature said present makes the features it
    excludes absent ("only my left leg" after "my legs"), unless the same message says otherwise."""
    merged = dict(evidence)
    merged.update({other: ABSENT for other in implied_by(said, kb)})
    merged.update(said)
    return merged


def merge_inferred(state: InterviewState, said: Mapping[str, str], kb: KnowledgeBase) -> Dict[str, str]:
    """What is inferred after this message: new inferences (unless the person had said it
    themselves), minus anything the person now says in their own words."""
    inferred = dict(state.inferred)
    for other, because in implied_by(said, kb).items():
        if other not in state.evidence or other in state.inferred:
            inferred[other] = because
    for feature in said:
        inferred.pop(feature, None)
    return inferred


def words_in(text: str, entities: Iterable[Mapping[str, Any]], known: Mapping[str, Any],
             words: Mapping[str, tuple]) -> Dict[str, tuple]:
    """The person's words so far plus this message's: the span of the text each feature was read
    from (a button press has no words of the person's own)."""
    merged = {f: tuple(q) for f, q in words.items()}
    if not isinstance(text, str) or text.startswith("/"):
        return merged
    for entity in entities or ():
        if not isinstance(entity, Mapping) or entity.get("entity") != "feature":
            continue
        feature, start, end = entity.get("value"), entity.get("start"), entity.get("end")
        if not (isinstance(feature, str) and feature in known and isinstance(start, int) and isinstance(end, int)
                and 0 <= start < end <= len(text)):
            continue
        quote = " ".join(text[start:end].split())[:MAX_QUOTE_CHARS]
        found = merged.get(feature, ())
        if quote and quote.lower() not in (q.lower() for q in found) and len(found) < MAX_WORDS_PER_FEATURE:
            merged[feature] = found + (quote,)
    return merged


def question_for(feature_id: str, kb: KnowledgeBase) -> Question:
    if feature_id == MEDICINE_QUESTION:
        return Question(MEDICINE_QUESTION, MEDICINE_QUESTION_TEXT, 0.0, "names the medicine")
    return Question(feature_id, kb.features[feature_id].question or kb.features[feature_id].label, 0.0, "")


def _needs_medicine_name(evidence: Mapping[str, str], asked: Iterable[str], kb: KnowledgeBase) -> bool:
    if evidence.get("new_medication") != PRESENT or MEDICINE_QUESTION in asked:
        return False
    return not any(v == PRESENT and kb.features[f].group == "medication" and f != "new_medication"
                   for f, v in evidence.items() if f in kb.features)


def _with_key(state: InterviewState, key: str) -> InterviewState:
    return replace(state, reply_key=key)


def take_turn(state: InterviewState, message: UserMessage, kb: KnowledgeBase) -> Outcome:
    said = features_in(message.entities, kb.features)
    text = message.text if isinstance(message.text, str) else ""
    reading: Optional[str] = None
    pending = state.pending

    if message.intent == "resume" and not said:
        # "back to my legs" (after the crisis response, a question, an explanation)
        if pending and pending != CONFIRM_START_OVER:
            return Outcome(ASK, _with_key(state, f"resume:{pending}"), question=question_for(pending, kb))
        if not state.evidence:
            new = replace(state, invites=state.invites + 1)
            return Outcome(INVITE, _with_key(new, f"invite:{min(state.invites, 2)}"), variant=state.invites)

    if pending == CONFIRM_START_OVER:
        answer = leading_cue(text) or read_answer(text, "", {}, message.intent)
        if message.intent == "start_over" or answer == YES:
            return Outcome(RESTART, InterviewState())
        state = replace(state, pending=state.resume, resume=None)
        if answer in (NO, UNSURE) or not said:
            return _ask_again(state, kb, reading=NO)
        pending = state.pending

    if pending:
        if pending == MEDICINE_QUESTION:
            named = {f: s for f, s in said.items() if kb.features[f].group == "medication"}
            reading = YES if named else read_answer(text, "", {}, message.intent)
            if reading == YES and not named:
                reading = NO_ANSWER  # "yes" to "which medicine?" names none
            if reading in (NO, UNSURE):
                reading = UNSURE  # the medicine question has no "no": not knowing is fine
        else:
            feature = kb.features[pending]
            reading = read_answer(text, pending, said, message.intent, feature.answers, feature.excludes)
            if pending == "new_medication" and reading in (NO_ANSWER, UNSURE) and any(
                    status == PRESENT and kb.features[f].group == "medication" for f, status in said.items()):
                reading = YES  # "the doctor put me on a ventolin inhaler": naming the medicine is a yes
            if reading != NO_ANSWER:
                said.setdefault(pending, EVIDENCE_OF[reading])
                if said[pending] != EVIDENCE_OF[reading] and reading in (YES, NO):
                    said[pending] = EVIDENCE_OF[reading]  # the reply's own yes / no wins
        if reading == NO_ANSWER and not said:
            if state.unreadable == 0:
                new = replace(state, unreadable=1, turns=state.turns + 1)
                q = question_for(pending, kb)
                return Outcome(REPHRASE, _with_key(new, f"rephrase:{pending}"), question=q, reading=reading)
            reading = UNSURE  # a second unreadable reply: not sure, and move on
            if pending != MEDICINE_QUESTION:
                said[pending] = UNKNOWN
        elif reading == NO_ANSWER and pending != MEDICINE_QUESTION:
            said.setdefault(pending, UNKNOWN)  # it said other things, not this: not sure

    evidence = merge(state.evidence, said, kb)
    inferred = merge_inferred(state, said, kb)
    words = words_in(text, message.entities, kb.features, state.words)
    turns = state.turns + 1 if (pending or state.evidence or said) else state.turns
    state = replace(state, evidence=evidence, inferred=inferred, words=words, pending=None, unreadable=0,
                    turns=turns)

    if not said and not state.evidence and not state.concluded:
        # Nothing usable yet ("my legs feel weird"): ask for a description, in another way each time.
        new = replace(state, invites=state.invites + 1)
        return Outcome(INVITE, _with_key(new, f"invite:{min(state.invites, 2)}"), variant=state.invites)
    state = replace(state, invites=0)

    if state.concluded and not said:
        # After the conclusion: a stray "no", "nothing else" or "ok" closes kindly, once.
        new = replace(state, afters=state.afters + 1)
        kind = CLOSED if reading in (NO,) or _closing(text, message.intent) or state.afters >= 1 else AFTER
        return Outcome(kind, _with_key(new, f"{kind}:{state.afters}"), variant=state.afters)

    assessment = assess({f: v for f, v in evidence.items() if f in kb.features}, kb=kb)
    if assessment.emergency:
        return Outcome(EMERGENCY, _with_key(replace(state, concluded=True), "emergency"), assessment,
                       mentioned=said, reading=reading)

    if not state.concluded and state.turns < MAX_TURNS:
        if _needs_medicine_name(evidence, state.asked, kb):
            q = question_for(MEDICINE_QUESTION, kb)
            new = replace(state, asked=state.asked + (MEDICINE_QUESTION,), pending=MEDICINE_QUESTION)
            return Outcome(ASK, _with_key(new, f"ask:{MEDICINE_QUESTION}"), assessment, q, said, reading)
        engine_asked = [a for a in state.asked if a in kb.features]
        if len(engine_asked) < MAX_QUESTIONS:
            upcoming = next_question(assessment.evidence, asked=engine_asked, kb=kb)
            if upcoming is not None:
                new = replace(state, asked=state.asked + (upcoming.feature_id,), pending=upcoming.feature_id)
                return Outcome(ASK, _with_key(new, f"ask:{upcoming.feature_id}"), assessment, upcoming, said, reading)

    new = replace(state, concluded=True, afters=0)
    return Outcome(CONCLUDE, _with_key(new, f"conclude:{len(evidence)}"), assessment, mentioned=said, reading=reading)


def _ask_again(state: InterviewState, kb: KnowledgeBase, reading: Optional[str]) -> Outcome:
    """Back to the question that was pending before "start over?" (or on with the interview)."""
    if state.pending:
        q = question_for(state.pending, kb)
        return Outcome(ASK, _with_key(state, f"resume:{state.pending}"), question=q, reading=reading)
    assessment = assess({f: v for f, v in state.evidence.items() if f in kb.features}, kb=kb) if state.evidence else None
    if state.concluded or assessment is None:
        return Outcome(AFTER, _with_key(state, "after:resume"), assessment, reading=reading, variant=1)
    return Outcome(CONCLUDE, _with_key(replace(state, concluded=True), "conclude:resume"), assessment, reading=reading)


_CLOSING_WORDS = ("nothing else", "that's all", "thats all", "that is all", "no thanks", "no thank you",
                  "all good", "i'm good", "im good", "nope", "no", "nah", "ok", "okay", "thanks", "thank you",
                  "cheers", "bye", "goodbye", "that's it", "thats it")


def _closing(text: str, intent: Optional[str]) -> bool:
    if intent in ("deny", "thank", "goodbye"):
        return True
    low = " ".join(text.lower().replace("\u2019", "'").split()).strip(" .!")
    return low in _CLOSING_WORDS


def start_over_requested(state: InterviewState) -> InterviewState:
    """The user asked to start over: confirm first if there is anything to set aside."""
    return replace(state, pending=CONFIRM_START_OVER, resume=state.pending, reply_key="confirm_start_over")
