"""The extractor: a message in, its feature and cause mentions out (see the package docstring)."""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import yaml

from bot.nlu.extraction.negation import Negation
from bot.nlu.extraction.normalisation import Normaliser, Word, normalise_text
from bot.nlu.extraction.patterns import (
    CAUSE,
    FEATURE,
    IGNORE,
    Candidate,
    PhraseMatchers,
    PhraseSpec,
    SlotWords,
    longest_matches,
    parse_phrase,
)

LEXICON_PATH = Path(__file__).resolve().parent.parent / "lexicon.yml"


@dataclass(frozen=True)
class Mention:
    """One feature (or cause) mention in a message.

    ``start``/``end`` are character offsets into the original text and ``text``
    is ``original[start:end]``. ``negated`` is True when the message says the
    feature is absent.
    """

    kind: str  # "feature" or "cause"
    id: str  # feature id or cause id
    negated: bool
    start: int
    end: int
    text: str

    @property
    def feature(self) -> Optional[str]:
        return self.id if self.kind == FEATURE else None

    @property
    def cause(self) -> Optional[str]:
        return self.id if self.kind == CAUSE else None

    @property
    def role(self) -> str:
        return "absent" if self.negated else "present"


def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at top level")
    return data


class Extractor:
    """Compiled matchers for one knowledge base. Build once, call many times.

    ``features`` and ``causes`` map ids to their phrase/alias lists; ``groups``
    maps feature ids to their group (used for the ``{drug}`` placeholder).
    """

    def __init__(
        self,
        features: Mapping[str, Sequence[str]],
        causes: Optional[Mapping[str, Sequence[str]]] = None,
        groups: Optional[Mapping[str, str]] = None,
        lexicon: Optional[Mapping[str, Any]] = None,
    ) -> None:
        import spacy

        lex = dict(lexicon) if lexicon is not None else load_lexicon()
        settings = lex.get("settings") or {}
        self.max_chars = int(settings.get("max_chars", 2000))
        self.nlp = spacy.blank("en")
        self._lock = threading.Lock()
        self._normaliser = normaliser = Normaliser(self.nlp, lex)
        self._diagnosis_words = frozenset(str(w).lower() for w in (lex.get("diagnosis_words") or []))

        specs = self._read_phrases(features, causes or {}, lex.get("ignore") or [])
        self._negation = Negation(self.nlp, normaliser, lex.get("negation") or {}, int(settings.get("max_gap", 4)))
        normaliser.index_vocabulary()
        slots = SlotWords(
            months=[str(m).lower() for m in (lex.get("months") or [])],
            pronouns=[str(p).lower() for p in (lex.get("pronouns") or [])],
            drug_lemmas=self._drug_lemmas(specs, dict(groups or {})),
        )
        self._phrases = PhraseMatchers(self.nlp, specs, slots)

    def _read_phrases(self, features: Mapping[str, Sequence[str]], causes: Mapping[str, Sequence[str]],
                      ignore: Iterable[Any]) -> list[PhraseSpec]:
        """Every phrase as a spec; their words become the vocabulary (for fuzzy spelling)."""
        normaliser = self._normaliser
        specs: list[PhraseSpec] = []
        for fid, phrases in features.items():
            for raw in phrases:
                specs.append(parse_phrase(FEATURE, fid, raw, normaliser.phrase_words))
        for cid, aliases in causes.items():
            for raw in aliases:
                spec = parse_phrase(CAUSE, cid, raw, normaliser.phrase_words)
                spec.absent = False
                specs.append(spec)
        for raw in ignore:
            specs.append(parse_phrase(IGNORE, "", raw, normaliser.phrase_words))
        normaliser.vocab.update(e.norm for spec in specs for e in spec.elements if isinstance(e, Word))
        normaliser.feature_vocab = frozenset(
            e.norm for spec in specs if spec.kind == FEATURE for e in spec.elements if isinstance(e, Word))
        # lemmas again, now that the vocabulary for suffix stripping is known
        for spec in specs:
            spec.elements = [Word(e.norm, normaliser.lemma_of(e.norm)) if isinstance(e, Word) else e
                             for e in spec.elements]
        return specs

    @staticmethod
    def _drug_lemmas(specs: Sequence[PhraseSpec], groups: Mapping[str, str]) -> list[str]:
        """{drug}: the one-word phrases of medication-group features."""
        return sorted({
            spec.elements[0].lemma
            for spec in specs
            if spec.kind == FEATURE
            and groups.get(spec.target) == "medication"
            and len(spec.elements) == 1
            and isinstance(spec.elements[0], Word)
        })

    @classmethod
    def from_knowledge(cls, kb: Any = None, lexicon: Optional[Mapping[str, Any]] = None) -> "Extractor":
        """Build from a bot.knowledge.KnowledgeBase (the default one if None)."""
        if kb is None:
            from bot.knowledge import load_knowledge

            kb = load_knowledge()
        features = {fid: tuple(f.phrases) for fid, f in kb.features.items()}
        groups = {fid: f.group for fid, f in kb.features.items()}
        causes = {cid: tuple(getattr(c, "aliases", ()) or ()) for cid, c in kb.causes.items()}
        return cls(features, causes, groups=groups, lexicon=lexicon)

    # ------------------------------------------------------------------ extraction
    def analyse(self, text: Any) -> list[Mention]:
        """All feature and cause mentions of ``text``, in text order."""
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        if len(text) > self.max_chars:
            cut = text.rfind(" ", 0, self.max_chars + 1)
            text = text[: cut if cut > self.max_chars - 200 else self.max_chars]
        if not text.strip():
            return []
        with self._lock:
            return self._analyse(text)

    def extract(self, text: Any) -> list[Mention]:
        """Feature mentions only."""
        return [m for m in self.analyse(text) if m.kind == FEATURE]

    def extract_causes(self, text: Any) -> list[Mention]:
        """Cause mentions only."""
        return [m for m in self.analyse(text) if m.kind == CAUSE]

    def _analyse(self, text: str) -> list[Mention]:
        doc = self.nlp.make_doc(normalise_text(text))
        if len(doc) == 0:
            return []
        self._normaliser.annotate(doc)
        cands = self._phrases.candidates(doc)
        feats = longest_matches([c for c in cands if c.kind != CAUSE])
        causes = longest_matches([c for c in cands if c.kind == CAUSE])
        consumed: set[int] = set()
        for c in feats + causes:
            consumed |= c.core
        feats = self._outside_diagnosis_names(doc, feats, causes)
        mentions = feats + causes
        negation = self._negation.apply(doc, mentions, consumed)
        best: dict[tuple[str, str], tuple[int, Mention]] = {}
        for i, c in enumerate(mentions):
            if i in negation.dropped:
                continue
            negated = c.absent != (i in negation.flipped)
            start = doc[c.start].idx
            last = doc[c.end - 1]
            end = last.idx + len(last.text)
            m = Mention(kind=c.kind, id=c.target, negated=negated, start=start, end=end, text=text[start:end])
            key = (c.kind, c.target)
            prev = best.get(key)
            # a feature mentioned twice is reported once: the last mention wins
            if prev is None or (c.start, c.end) >= (mentions[prev[0]].start, mentions[prev[0]].end):
                best[key] = (i, m)
        return sorted((m for _, m in best.values()), key=lambda m: (m.start, m.end, m.kind, m.id))

    def _outside_diagnosis_names(self, doc: Any, feats: list[Candidate], causes: list[Candidate]) -> list[Candidate]:
        """Features (not ignore phrases) that are not words of a diagnosis name: "restless legs
        syndrome" is not evidence of restless legs."""
        words = self._diagnosis_words
        diagnoses = [
            c for c in causes
            if any(doc[i].norm_ in words or doc[i].lemma_ in words for i in range(c.start, c.end))
        ]
        return [
            f for f in feats
            if f.kind == FEATURE
            and not any(d.start <= f.start and f.end <= d.end and d.weight > f.weight for d in diagnoses)
        ]


# --------------------------------------------------------------------------- module API
_cache_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _extractor_for(directory: Optional[str]) -> Extractor:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(directory) if directory else load_knowledge()
    return Extractor.from_knowledge(kb)


def get_extractor(directory: Optional[str | Path] = None) -> Extractor:
    """The extractor for the knowledge base in ``directory`` (default KB if None),
    built once per process and cached."""
    with _cache_lock:
        return _extractor_for(str(directory) if directory else None)


@functools.lru_cache(maxsize=4)
def red_flag_features(directory: Optional[str | Path] = None) -> frozenset[str]:
    """Every feature of an emergency-level red flag of the knowledge base in ``directory``
    (default KB if None): what the NLU components treat as an emergency sign."""
    from bot.knowledge import load_knowledge

    kb = load_knowledge(directory) if directory else load_knowledge()
    return frozenset(kb.red_flag_features())


def analyse(text: Any) -> list[Mention]:
    """Feature and cause mentions of ``text`` (default knowledge base)."""
    return get_extractor().analyse(text)


def extract(text: Any) -> list[Mention]:
    """Feature mentions of ``text`` (default knowledge base)."""
    return get_extractor().extract(text)


def extract_causes(text: Any) -> list[Mention]:
    """Cause mentions of ``text`` (default knowledge base)."""
    return get_extractor().extract_causes(text)


def evidence(mentions: Iterable[Mention]) -> dict[str, list[str]]:
    """{"present": [...], "absent": [...]} feature ids of ``mentions``."""
    out: dict[str, list[str]] = {"present": [], "absent": []}
    for m in mentions:
        if m.kind == FEATURE:
            out[m.role].append(m.id)
    return out
