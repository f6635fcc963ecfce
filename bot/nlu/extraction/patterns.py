"""The phrases of the knowledge base as spaCy matchers, and which matches count.

Phrase syntax (documented in the header of features.yml):

* plain words are matched on NORM and on LEMMA;
* ``=phrase``: exact words only (NORM), e.g. ``=my legs`` must not match "my leg";
* ``!phrase``: the phrase states that the feature is ABSENT ("!sleep fine");
  a negation cue in front of it flips it back to present;
* ``{num}`` any number (digits or words), ``{num:60-110}`` a number in range,
  ``{month}`` a month or season, ``{pron}`` a personal pronoun, ``{drug}`` a
  one-word phrase of any ``medication``-group feature (it is not consumed:
  "started lithium" gives both new_medication and med_lithium);
* ``...`` up to three arbitrary words (not punctuation, not "but"), which are
  not consumed either ("numb ... groin", "walking ... helps").

Overlaps: the candidate covering the most words wins ("stiff neck" beats "stiff", "numb groin"
beats "numb"); identical spans keep every feature.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Optional, Sequence, Union

from bot.nlu.extraction.normalisation import Word

FEATURE = "feature"
CAUSE = "cause"
IGNORE = "ignore"

_PLACEHOLDER_RE = re.compile(r"(\{[^{}]*\}|\.\.\.)")
_GAP_WORDS = 3
_GAP_STOPS = ["but", "although", "though", "however", "yet"]


class Number(NamedTuple):
    """``{num}`` or ``{num:A-B}``: a number between low and high."""

    low: float
    high: float


class Slot(NamedTuple):
    """``{month}``, ``{pron}`` or ``{drug}``: one word of that class."""

    name: str


class Gap(NamedTuple):
    """``...``: up to three arbitrary words, not consumed."""


Element = Union[Word, Number, Slot, Gap]


@dataclass
class PhraseSpec:
    kind: str  # feature | cause | ignore
    target: str  # feature/cause id ("" for ignore)
    raw: str
    exact: bool = False
    absent: bool = False
    elements: list[Element] = field(default_factory=list)

    @property
    def plain(self) -> bool:
        return all(isinstance(e, Word) for e in self.elements)


@dataclass
class Candidate:
    """A match of one phrase in a message (token offsets)."""

    spec: int  # index into the list of specs
    kind: str
    target: str
    absent: bool
    start: int  # token index
    end: int  # token index (exclusive)
    core: frozenset[int]  # the tokens the match consumes (not those of ... or {drug})

    @property
    def weight(self) -> tuple[int, int]:
        return (len(self.core), self.end - self.start)


def placeholder(body: str, raw: Any) -> Element:
    if body == "num":
        return Number(0.0, float("inf"))
    if body.startswith("num:"):
        m = re.match(r"^num:\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$", body)
        if not m:
            raise ValueError(f"phrase {raw!r}: bad range in {{{body}}} (use {{num:A-B}})")
        return Number(float(m.group(1)), float(m.group(2)))
    if body in ("month", "pron", "drug"):
        return Slot(body)
    raise ValueError(f"phrase {raw!r}: unknown placeholder {{{body}}}")


def parse_phrase(kind: str, target: str, raw: Any, words: Callable[[str], list[Word]]) -> PhraseSpec:
    """A phrase of the knowledge base (see the module docstring); `words` tokenises plain text."""
    text = str(raw).strip()
    exact = absent = False
    while text[:1] in ("=", "!"):
        if text[0] == "=":
            exact = True
        else:
            absent = True
        text = text[1:].lstrip()
    spec = PhraseSpec(kind=kind, target=target, raw=str(raw), exact=exact, absent=absent)
    gaps = 0
    for piece in _PLACEHOLDER_RE.split(text):
        if not piece or not piece.strip():
            continue
        if piece == "...":
            gaps += 1
            spec.elements.append(Gap())
        elif piece.startswith("{") and piece.endswith("}"):
            spec.elements.append(placeholder(piece[1:-1].strip().lower(), raw))
        else:
            spec.elements.extend(words(piece))
    if gaps > 1:
        raise ValueError(f"phrase {raw!r}: at most one '...' is allowed")
    if spec.elements and (isinstance(spec.elements[0], Gap) or isinstance(spec.elements[-1], Gap)):
        raise ValueError(f"phrase {raw!r}: '...' must stand between words")
    return spec


_EXAMPLE_FILL = {"num": "3", "month": "march", "pron": "he", "drug": "sertraline"}


def phrase_example(raw: str) -> Optional[str]:
    """A phrase of features.yml as plain text, for generating training examples or
    lookup tables: markup removed, placeholders filled ("for {num} weeks" -> "for 3
    weeks", "numb ... groin" -> "numb groin"). None for "!" phrases (they state
    that the feature is absent)."""
    text = str(raw).strip()
    while text[:1] in ("=", "!"):
        if text[0] == "!":
            return None
        text = text[1:].lstrip()

    def fill(m: "re.Match[str]") -> str:
        body = m.group(0)
        if body == "...":
            return " "
        body = body[1:-1].strip().lower()
        if body.startswith("num:"):
            lo = re.match(r"^num:\s*(\d+)", body)
            return lo.group(1) if lo else "3"
        return _EXAMPLE_FILL.get(body, "")

    return " ".join(_PLACEHOLDER_RE.sub(fill, text).split()) or None


def doc_from_words(nlp: Any, words: Sequence[Word]) -> Any:
    """A spaCy Doc whose tokens carry exactly these NORMs and LEMMAs (a matcher pattern)."""
    from spacy.tokens import Doc

    texts = [w.norm if w.norm.strip() else "\n" for w in words]
    doc = Doc(nlp.vocab, words=texts, spaces=[True] * len(texts))
    for tok, word in zip(doc, words, strict=True):
        tok.norm_ = word.norm
        tok.lemma_ = word.lemma
    return doc


@dataclass(frozen=True)
class SlotWords:
    """The words a ``{month}``, ``{pron}`` and ``{drug}`` slot accepts."""

    months: list[str]
    pronouns: list[str]
    drug_lemmas: list[str]


def token_pattern(spec: PhraseSpec, slots: SlotWords) -> list[dict]:
    """A spaCy Matcher pattern for a phrase with placeholders or a gap."""
    pattern: list[dict] = []
    for e in spec.elements:
        if isinstance(e, Word):
            pattern.append({"NORM": e.norm} if spec.exact else {"LEMMA": e.lemma})
        elif isinstance(e, Number):
            pred: dict = {">=": e.low}
            if e.high != float("inf"):
                pred["<="] = e.high
            pattern.append({"_": {"bot_numval": pred}})
        elif isinstance(e, Slot) and e.name == "month":
            pattern.append({"NORM": {"IN": slots.months}})
        elif isinstance(e, Slot) and e.name == "pron":
            pattern.append({"NORM": {"IN": slots.pronouns}})
        elif isinstance(e, Slot) and e.name == "drug":
            pattern.append({"LEMMA": {"IN": slots.drug_lemmas or ["\u0000"]}})
        elif isinstance(e, Gap):
            for _ in range(_GAP_WORDS):
                pattern.append({"IS_PUNCT": False, "IS_SPACE": False, "NORM": {"NOT_IN": _GAP_STOPS}, "OP": "?"})
    return pattern


class PhraseMatchers:
    """Every phrase spec compiled into spaCy matchers; ``candidates(doc)`` lists the matches."""

    def __init__(self, nlp: Any, specs: Sequence[PhraseSpec], slots: SlotWords) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = nlp
        self.specs = list(specs)
        self._by_norm = PhraseMatcher(nlp.vocab, attr="NORM")
        self._by_lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._with_slots = Matcher(nlp.vocab, validate=True)
        for idx, spec in enumerate(self.specs):
            if not spec.elements:
                continue
            key = f"p{idx}"
            if spec.plain:
                doc = doc_from_words(nlp, [e for e in spec.elements if isinstance(e, Word)])
                self._by_norm.add(key, [doc])
                if not spec.exact:
                    self._by_lemma.add(key, [doc])
            else:
                self._with_slots.add(key, [token_pattern(spec, slots)])

    def candidates(self, doc: Any) -> list[Candidate]:
        seen: set[tuple[int, int, int]] = set()
        out: list[Candidate] = []
        strings = self.nlp.vocab.strings
        for matcher in (self._by_norm, self._by_lemma, self._with_slots):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                idx = int(strings[match_id][1:])
                if (idx, start, end) in seen:
                    continue
                seen.add((idx, start, end))
                spec = self.specs[idx]
                core = consumed_tokens(spec, start, end)
                if not core:
                    continue
                out.append(Candidate(idx, spec.kind, spec.target, spec.absent, start, end, core))
        return out


def consumed_tokens(spec: PhraseSpec, start: int, end: int) -> frozenset[int]:
    """The tokens of a match that belong to the mention: not those of a gap or a {drug}."""
    if spec.plain:
        return frozenset(range(start, end))
    els = spec.elements
    gap_at = next((i for i, e in enumerate(els) if isinstance(e, Gap)), None)
    left = els if gap_at is None else els[:gap_at]
    right = [] if gap_at is None else els[gap_at + 1:]
    core = set()
    for i, e in enumerate(left):
        if not _is_drug(e):
            core.add(start + i)
    for i, e in enumerate(reversed(right)):
        if not _is_drug(e):
            core.add(end - 1 - i)
    return frozenset(core)


def _is_drug(element: Element) -> bool:
    return isinstance(element, Slot) and element.name == "drug"


def longest_matches(cands: list[Candidate]) -> list[Candidate]:
    """Longest match first; identical cores keep every target."""
    cands = sorted(cands, key=lambda c: (-c.weight[0], -c.weight[1], c.start, c.spec))
    taken: set[int] = set()
    accepted: list[Candidate] = []
    for c in cands:
        if c.core & taken:
            same = [a for a in accepted if a.core == c.core and (a.start, a.end) == (c.start, c.end)]
            if same and all(a.target != c.target or a.kind != c.kind for a in same):
                accepted.append(c)
            continue
        accepted.append(c)
        taken |= c.core
    accepted.sort(key=lambda c: (c.start, c.end))
    return accepted
