"""Rule-based symptom extraction from free text (pure Python + spaCy, no Rasa).

    from bot.nlu.extraction import extract, analyse
    extract("no pain but my legs tingle at nite")
    # [Mention(kind='feature', id='leg_pain', negated=True, ...),
    #  Mention(kind='feature', id='both_legs', negated=False, ...), ...]

What is matched
---------------
Every feature's ``phrases:`` in bot/knowledge/features.yml and every cause's
``aliases:`` in causes.yml, compiled once into spaCy matchers over a
``spacy.blank("en")`` tokenizer. Each token gets

* ``NORM``: lower case, spaCy's contraction norms ("n't" -> "not", "ca" -> "can"),
  then the ``spelling:`` table of bot/nlu/lexicon.yml ("nite" -> "night"), then a
  fuzzy fallback for unknown words of 5+ letters against the phrase vocabulary
  ("tingeling" -> "tingling", "siezure" -> "seizure"; Damerau/OSA distance 1, 2
  for long words; never applied to a word the lookup tables know);
* ``LEMMA``: the lookup lemma of NORM (the ``lemma_lookup`` table of
  spacy-lookups-data, overridable in ``lemmas:``), so "twitches", "twitching"
  and "twitched" all match the phrase "twitch".

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

Overlaps: the candidate covering the most words wins ("stiff neck" beats
"stiff", "numb groin" beats "numb"); identical spans keep every feature.
Cause mentions compete only with each other, but a feature mention lying
inside a cause mention that names a diagnosis (``diagnosis_words:``, e.g.
"restless legs syndrome") is dropped. ``ignore:`` phrases mask what they
cover ("drink plenty of water" is not alcohol).

Negation (cues in ``negation:`` of lexicon.yml, matched on lemmas)
------------------------------------------------------------------
* pre-cues ("no", "not", "never", "without", "neither", "nor", ...) negate the
  mentions that follow, up to a terminator ("but", "although", "however",
  "yet", "just", sentence punctuation, a new line), a new clause after "and"
  or a comma ("no pain and my legs shake"), or ``max_gap`` other words. After a
  comma the scope continues only through a list of mentions ("no numbness,
  tingling or weakness").
* post-cues right after a mention ("pain free", "my balance is fine", "the
  numbness has gone"); post_final cues only at a clause end ("fever? no").
* pseudo-cues look like negation but are not ("won't stop shaking", "not just
  my legs"); uncertain cues ("not sure if") drop the mentions in their scope.
* Words inside a matched phrase are never cues ("can't sleep", "no feeling").

A feature mentioned twice is reported once; if the message contradicts
itself, the last mention wins ("no tingling... actually there is tingling").

Limits: only the first ``max_chars`` (4,096) characters are analysed; empty,
whitespace-only, emoji-only or non-English text simply gives no mentions.
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

import yaml

__all__ = [
    "CAUSE",
    "FEATURE",
    "Mention",
    "Extractor",
    "LEXICON_PATH",
    "analyse",
    "evidence",
    "extract",
    "extract_causes",
    "get_extractor",
    "phrase_example",
]

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yml"

FEATURE = "feature"
CAUSE = "cause"
_IGNORE = "ignore"

_SENTENCE_PUNCT = frozenset({".", "!", "?", ";", "...", "…", "!!", "??", "?!", "!?", "!!!", "???"})
_PLACEHOLDER_RE = re.compile(r"(\{[^{}]*\}|\.\.\.)")
_NUM_RE = re.compile(r"^\d+(?:[.,]\d+)?$")
_ASCII_WORD_RE = re.compile(r"^[a-z]+$")


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


# --------------------------------------------------------------------------- phrase specs
@dataclass
class _Spec:
    kind: str  # feature | cause | ignore
    target: str  # feature/cause id ("" for ignore)
    raw: str
    exact: bool = False
    absent: bool = False
    # elements: ("tok", norm, lemma) | ("num", lo, hi) | ("month",) | ("pron",) | ("drug",) | ("gap",)
    elements: list = field(default_factory=list)

    @property
    def plain(self) -> bool:
        return all(e[0] == "tok" for e in self.elements)


@dataclass
class _Cand:
    spec: int  # index into Extractor._specs
    kind: str
    target: str
    absent: bool
    start: int  # token index
    end: int  # token index (exclusive)
    core: frozenset

    @property
    def weight(self) -> tuple:
        return (len(self.core), self.end - self.start)


def _load_lexicon(path: Path = LEXICON_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at top level")
    return data


def _osa_within(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance of a and b, or limit + 1 if it exceeds limit."""
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        row_min = cur[0]
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            if v < row_min:
                row_min = v
        if row_min > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[lb] if prev[lb] <= limit else limit + 1


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
        from spacy.lookups import load_lookups
        from spacy.matcher import Matcher, PhraseMatcher

        lex = dict(lexicon) if lexicon is not None else _load_lexicon()
        settings = lex.get("settings") or {}
        self.max_chars = int(settings.get("max_chars", 2000))
        self._fuzzy_min = int(settings.get("fuzzy_min_length", 5))
        self._fuzzy_long = int(settings.get("fuzzy_long_length", 9))
        self._max_gap = int(settings.get("max_gap", 4))

        self.nlp = spacy.blank("en")
        self._lock = threading.Lock()
        lookups = load_lookups("en", ["lemma_lookup"])
        self._lemma_table = lookups.get_table("lemma_lookup")
        self._spelling = {str(k).lower(): str(v).lower() for k, v in (lex.get("spelling") or {}).items()}
        self._lemma_over = {str(k).lower(): str(v).lower() for k, v in (lex.get("lemmas") or {}).items()}
        self._numbers = {str(k).lower(): float(v) for k, v in (lex.get("numbers") or {}).items()}
        self._months = [str(m).lower() for m in (lex.get("months") or [])]
        self._pronouns = [str(p).lower() for p in (lex.get("pronouns") or [])]
        self._diagnosis_words = frozenset(str(w).lower() for w in (lex.get("diagnosis_words") or []))

        # words known to be correctly spelled (never fuzzily corrected)
        # (the table's keys are hashed: membership of inflected forms is tested with `in`)
        known: set[str] = {str(v) for v in self._lemma_table.values()}
        known.update(str(w).lower() for w in (lex.get("known_words") or []))
        self._known = known
        self._vocab: set[str] = set()
        self._fuzzy_cache: dict[str, str] = {}

        from spacy.tokens import Token

        if not Token.has_extension("bot_numval"):
            Token.set_extension("bot_numval", default=-1.0)

        groups = dict(groups or {})
        self._feature_ids = tuple(features)
        self._cause_ids = tuple(causes or {})

        # ---- phrase specs
        self._specs: list[_Spec] = []
        for fid, phrases in features.items():
            for raw in phrases:
                self._specs.append(self._parse(FEATURE, fid, raw))
        for cid, aliases in (causes or {}).items():
            for raw in aliases:
                spec = self._parse(CAUSE, cid, raw)
                spec.absent = False
                self._specs.append(spec)
        for raw in lex.get("ignore") or []:
            self._specs.append(self._parse(_IGNORE, "", raw))

        for spec in self._specs:
            for e in spec.elements:
                if e[0] == "tok":
                    self._vocab.add(e[1])
        # fuzzy corrections prefer words of feature phrases over cause names and cues
        self._feature_vocab = frozenset(
            e[1] for spec in self._specs if spec.kind == FEATURE for e in spec.elements if e[0] == "tok"
        )
        # lemmas again, now that the vocabulary for suffix stripping is known
        for spec in self._specs:
            spec.elements = [("tok", e[1], self._lemma_of(e[1])) if e[0] == "tok" else e for e in spec.elements]

        # {drug}: one-word phrases of medication-group features
        self._drug_lemmas = sorted(
            {
                spec.elements[0][2]
                for spec in self._specs
                if spec.kind == FEATURE
                and groups.get(spec.target) == "medication"
                and len(spec.elements) == 1
                and spec.elements[0][0] == "tok"
            }
        )

        # ---- cue lists
        neg = lex.get("negation") or {}
        self._cue_specs: list[tuple[str, list[tuple[str, str]]]] = []
        for ctype in ("pre", "post", "post_final", "pseudo", "uncertain", "terminators"):
            for raw in neg.get(ctype) or []:
                toks = self._phrase_tokens(str(raw))
                if toks:
                    self._cue_specs.append((ctype, toks))
                    for norm, _ in toks:
                        if norm.isalpha():
                            self._vocab.add(norm)
        self._cue_specs = [(t, [(nm, self._lemma_of(nm)) for nm, _ in toks]) for t, toks in self._cue_specs]
        self._post_skip = frozenset(self._norm_word(str(w)) for w in neg.get("post_skip") or [])
        self._openers = frozenset(self._norm_word(str(w)) for w in neg.get("clause_openers") or [])
        self._fillers = frozenset(self._lemma_word(str(w)) for w in neg.get("fillers") or [])
        self._list_fillers = frozenset(self._norm_word(str(w)) for w in neg.get("list_fillers") or [])

        self._vocab_by_initial: dict[str, list[str]] = {}
        for w in sorted(self._vocab):
            if len(w) >= 4 and _ASCII_WORD_RE.match(w):
                self._vocab_by_initial.setdefault(w[0], []).append(w)

        # ---- matchers
        vocab = self.nlp.vocab
        self._pm_norm = PhraseMatcher(vocab, attr="NORM")
        self._pm_lemma = PhraseMatcher(vocab, attr="LEMMA")
        self._matcher = Matcher(vocab, validate=True)
        for idx, spec in enumerate(self._specs):
            if not spec.elements:
                continue
            key = f"p{idx}"
            if spec.plain:
                doc = self._pattern_doc(spec)
                self._pm_norm.add(key, [doc])
                if not spec.exact:
                    self._pm_lemma.add(key, [doc])
            else:
                self._matcher.add(key, [self._token_pattern(spec)])
        self._cue_pm_lemma = PhraseMatcher(vocab, attr="LEMMA")
        self._cue_pm_norm = PhraseMatcher(vocab, attr="NORM")
        for i, (ctype, toks) in enumerate(self._cue_specs):
            doc = self._doc_from_tokens(toks)
            if ctype == "post":
                self._cue_pm_norm.add(f"c{i}", [doc])
            else:
                self._cue_pm_lemma.add(f"c{i}", [doc])

    # ------------------------------------------------------------------ construction helpers
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

    def _norm_word(self, word: str) -> str:
        w = word.lower().replace("\u2019", "'").replace("\u2018", "'")
        return self._spelling.get(w, w)

    def _lemma_word(self, norm: str) -> str:
        norm = self._norm_word(norm)
        if norm in self._lemma_over:
            return self._lemma_over[norm]
        lemma = self._lemma_table.get(norm)
        if lemma:
            return str(lemma)
        return norm

    def _phrase_tokens(self, text: str) -> list[tuple[str, str]]:
        doc = self.nlp.make_doc(self._normalise_text(text))
        out = []
        for tok in doc:
            if tok.is_space and "\n" not in tok.text:
                continue
            norm = self._spelling.get(tok.norm_, tok.norm_)
            out.append((norm, self._lemma_of(norm)))
        return out

    def _parse(self, kind: str, target: str, raw: Any) -> _Spec:
        text = str(raw).strip()
        exact = absent = False
        while text[:1] in ("=", "!"):
            if text[0] == "=":
                exact = True
            else:
                absent = True
            text = text[1:].lstrip()
        spec = _Spec(kind=kind, target=target, raw=str(raw), exact=exact, absent=absent)
        gaps = 0
        for piece in _PLACEHOLDER_RE.split(text):
            if not piece or not piece.strip():
                continue
            if piece == "...":
                gaps += 1
                spec.elements.append(("gap",))
            elif piece.startswith("{") and piece.endswith("}"):
                spec.elements.append(self._placeholder(piece[1:-1].strip().lower(), raw))
            else:
                for norm, lemma in self._phrase_tokens(piece):
                    spec.elements.append(("tok", norm, lemma))
        if gaps > 1:
            raise ValueError(f"phrase {raw!r}: at most one '...' is allowed")
        if spec.elements and spec.elements[0][0] == "gap" or spec.elements and spec.elements[-1][0] == "gap":
            raise ValueError(f"phrase {raw!r}: '...' must stand between words")
        return spec

    @staticmethod
    def _placeholder(body: str, raw: Any) -> tuple:
        if body == "num":
            return ("num", 0.0, float("inf"))
        if body.startswith("num:"):
            m = re.match(r"^num:\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$", body)
            if not m:
                raise ValueError(f"phrase {raw!r}: bad range in {{{body}}} (use {{num:A-B}})")
            return ("num", float(m.group(1)), float(m.group(2)))
        if body in ("month", "pron", "drug"):
            return (body,)
        raise ValueError(f"phrase {raw!r}: unknown placeholder {{{body}}}")

    def _pattern_doc(self, spec: _Spec):
        return self._doc_from_tokens([(e[1], e[2]) for e in spec.elements])

    def _doc_from_tokens(self, toks: Sequence[tuple[str, str]]):
        from spacy.tokens import Doc

        words = [n if n.strip() else "\n" for n, _ in toks]
        doc = Doc(self.nlp.vocab, words=words, spaces=[True] * len(words))
        for tok, (norm, lemma) in zip(doc, toks):
            tok.norm_ = norm
            tok.lemma_ = lemma
        return doc

    def _token_pattern(self, spec: _Spec) -> list[dict]:
        pattern: list[dict] = []
        for e in spec.elements:
            if e[0] == "tok":
                pattern.append({"NORM": e[1]} if spec.exact else {"LEMMA": e[2]})
            elif e[0] == "num":
                pred: dict = {">=": e[1]}
                if e[2] != float("inf"):
                    pred["<="] = e[2]
                pattern.append({"_": {"bot_numval": pred}})
            elif e[0] == "month":
                pattern.append({"NORM": {"IN": self._months}})
            elif e[0] == "pron":
                pattern.append({"NORM": {"IN": self._pronouns}})
            elif e[0] == "drug":
                pattern.append({"LEMMA": {"IN": self._drug_lemmas or ["\u0000"]}})
            elif e[0] == "gap":
                for _ in range(3):
                    pattern.append(
                        {
                            "IS_PUNCT": False,
                            "IS_SPACE": False,
                            "NORM": {"NOT_IN": ["but", "although", "though", "however", "yet"]},
                            "OP": "?",
                        }
                    )
        return pattern

    # ------------------------------------------------------------------ token analysis
    @staticmethod
    def _normalise_text(text: str) -> str:
        """Lower-case and straighten quotes without changing the length."""
        out = []
        for ch in text:
            if ch in "\u2019\u2018\u02bc`\u00b4":
                out.append("'")
                continue
            if ch in "\u201c\u201d":
                out.append('"')
                continue
            low = ch.lower()
            out.append(low if len(low) == 1 else ch)
        return "".join(out)

    def _lemma_of(self, norm: str) -> str:
        if norm in self._lemma_over:
            return self._lemma_over[norm]
        lemma = self._lemma_table.get(norm)
        if lemma:
            return str(lemma)
        # inflections of words the table does not know ("ssris", "inhalers")
        for suffix in ("s", "es"):
            if norm.endswith(suffix) and len(norm) > len(suffix) + 3:
                stem = norm[: -len(suffix)]
                if stem in self._vocab:
                    return self._lemma_of(stem)
        return norm

    def _fuzzy(self, word: str) -> str:
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        best = word
        limit = 2 if len(word) >= self._fuzzy_long else 1
        best_key = (limit + 1, 2)
        for cand in self._vocab_by_initial.get(word[0], ()):
            if abs(len(cand) - len(word)) > limit:
                continue
            d = _osa_within(word, cand, limit)
            if d > limit:
                continue
            key = (d, 0 if cand in self._feature_vocab else 1)
            if key < best_key:
                best, best_key = cand, key
        if len(self._fuzzy_cache) > 50_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = best
        return best

    def _annotate(self, doc) -> None:
        for tok in doc:
            norm = tok.norm_
            norm = self._spelling.get(norm, norm)
            if (
                len(norm) >= self._fuzzy_min
                and norm not in self._vocab
                and norm not in self._known
                and norm not in self._lemma_table
                and _ASCII_WORD_RE.match(norm)
            ):
                norm = self._fuzzy(norm)
            if norm != tok.norm_:
                tok.norm_ = norm
            tok.lemma_ = self._lemma_of(norm)
            value = self._numbers.get(norm)
            if value is None and _NUM_RE.match(norm):
                try:
                    value = float(norm.replace(",", "."))
                except ValueError:
                    value = None
            if value is not None:
                tok._.bot_numval = value

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
        doc = self.nlp.make_doc(self._normalise_text(text))
        if len(doc) == 0:
            return []
        self._annotate(doc)
        cands = self._candidates(doc)
        feats = self._resolve([c for c in cands if c.kind != CAUSE])
        causes = self._resolve([c for c in cands if c.kind == CAUSE])
        consumed: set[int] = set()
        for c in feats + causes:
            consumed |= c.core
        # features inside a diagnosis name ("restless legs syndrome") are not evidence
        diag = [
            c
            for c in causes
            if any(doc[i].norm_ in self._diagnosis_words or doc[i].lemma_ in self._diagnosis_words
                   for i in range(c.start, c.end))
        ]
        feats = [
            f
            for f in feats
            if f.kind == FEATURE
            and not any(d.start <= f.start and f.end <= d.end and d.weight > f.weight for d in diag)
        ]
        mentions = feats + causes
        flips, dropped = self._negation(doc, mentions, consumed)
        best: dict[tuple[str, str], tuple[int, Mention]] = {}
        for i, c in enumerate(mentions):
            if i in dropped:
                continue
            negated = c.absent != (i in flips)
            start = doc[c.start].idx
            last = doc[c.end - 1]
            end = last.idx + len(last.text)
            m = Mention(kind=c.kind, id=c.target, negated=negated, start=start, end=end, text=text[start:end])
            key = (c.kind, c.target)
            prev = best.get(key)
            if prev is None or (c.start, c.end) >= (mentions[prev[0]].start, mentions[prev[0]].end):
                best[key] = (i, m)
        return sorted((m for _, m in best.values()), key=lambda m: (m.start, m.end, m.kind, m.id))

    def _candidates(self, doc) -> list[_Cand]:
        seen: set[tuple[int, int, int]] = set()
        out: list[_Cand] = []
        strings = self.nlp.vocab.strings
        for matcher in (self._pm_norm, self._pm_lemma, self._matcher):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                idx = int(strings[match_id][1:])
                if (idx, start, end) in seen:
                    continue
                seen.add((idx, start, end))
                spec = self._specs[idx]
                core = self._core(spec, start, end)
                if not core:
                    continue
                out.append(_Cand(idx, spec.kind, spec.target, spec.absent, start, end, core))
        return out

    @staticmethod
    def _core(spec: _Spec, start: int, end: int) -> frozenset:
        if spec.plain:
            return frozenset(range(start, end))
        els = spec.elements
        gap_at = next((i for i, e in enumerate(els) if e[0] == "gap"), None)
        left = els if gap_at is None else els[:gap_at]
        right = [] if gap_at is None else els[gap_at + 1:]
        core = set()
        for i, e in enumerate(left):
            if e[0] != "drug":
                core.add(start + i)
        for i, e in enumerate(reversed(right)):
            if e[0] != "drug":
                core.add(end - 1 - i)
        return frozenset(core)

    @staticmethod
    def _resolve(cands: list[_Cand]) -> list[_Cand]:
        """Longest match first; identical cores keep every target."""
        cands = sorted(cands, key=lambda c: (-c.weight[0], -c.weight[1], c.start, c.spec))
        taken: set[int] = set()
        accepted: list[_Cand] = []
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

    # ------------------------------------------------------------------ negation
    def _cues(self, doc, consumed: set[int]) -> dict[str, list[tuple[int, int]]]:
        raw: list[tuple[int, int, str]] = []
        strings = self.nlp.vocab.strings
        for matcher in (self._cue_pm_lemma, self._cue_pm_norm):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                ctype = self._cue_specs[int(strings[match_id][1:])][0]
                if any(i in consumed for i in range(start, end)):
                    continue
                raw.append((start, end, ctype))
        for tok in doc:
            if tok.i in consumed:
                continue
            if tok.text in _SENTENCE_PUNCT or tok.norm_ in _SENTENCE_PUNCT or "\n" in tok.text:
                raw.append((tok.i, tok.i + 1, "terminators"))
        # longest cue wins ("not sure if" over "not", "won't stop" over "not")
        raw.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
        taken: dict[tuple[int, int], set[str]] = {}
        used: set[int] = set()
        for start, end, ctype in raw:
            span = (start, end)
            if span in taken:
                taken[span].add(ctype)
                continue
            if any(i in used for i in range(start, end)):
                continue
            taken[span] = {ctype}
            used.update(range(start, end))
        out: dict[str, list[tuple[int, int]]] = {}
        for span, types in taken.items():
            for t in types:
                out.setdefault(t, []).append(span)
        return out

    def _negation(self, doc, mentions: list[_Cand], consumed: set[int]) -> tuple[set[int], set[int]]:
        cues = self._cues(doc, consumed)
        terminators: set[int] = set()
        for s, e in cues.get("terminators", []):
            terminators.update(range(s, e))
        starts: dict[int, list[int]] = {}
        ends: dict[int, list[int]] = {}
        for i, m in enumerate(mentions):
            starts.setdefault(m.start, []).append(i)
            ends.setdefault(m.end, []).append(i)
        pre_starts = {s for s, _ in cues.get("pre", []) + cues.get("uncertain", [])}
        n = len(doc)

        def clause_end(k: int) -> bool:
            # a list item ends at punctuation or a conjunction (not at "just", "but")
            if k >= n:
                return True
            tok = doc[k]
            return tok.is_punct or "\n" in tok.text or tok.norm_ in ("or", "and", "nor", "either")

        def list_continues(j: int) -> bool:
            while j < n and doc[j].norm_ in self._list_fillers and j not in starts:
                j += 1
            if j >= n or j not in starts:
                return False
            k = max(mentions[i].end for i in starts[j])
            # list items are short noun phrases ("no pain, numbness or tingling"); a longer mention
            # after the comma is a clause of its own ("I can't lift it, and every day it is worse")
            return clause_end(k) and k - j <= 3

        def scope(cue_end: int) -> set[int]:
            hit: set[int] = set()
            gap = 0
            i = cue_end
            in_list = False
            while i < n:
                if i in terminators:
                    break
                if i in starts:
                    hit.update(starts[i])
                    i = max(mentions[m].end for m in starts[i])
                    in_list = True
                    continue
                if i in pre_starts and i != cue_end:
                    break
                tok = doc[i]
                norm = tok.norm_
                if in_list and norm not in self._list_fillers and norm not in (",", "either"):
                    # after a negated mention only a list goes on ("no pain or numbness");
                    # "no weakness in my legs" does not negate "my legs"
                    break
                if norm == ",":
                    if not list_continues(i + 1):
                        break
                elif norm == "and":
                    j = i + 1
                    if j < n and doc[j].norm_ in self._openers:
                        break
                elif norm in ("or", "nor", "either"):
                    pass
                elif tok.is_space or tok.is_punct or tok.lemma_ in self._fillers or norm in self._fillers:
                    pass
                elif i in consumed:
                    gap += 1  # an ignore phrase
                else:
                    gap += 1
                if gap > self._max_gap:
                    break
                i += 1
            return hit

        flips: set[int] = set()
        dropped: set[int] = set()
        for s, e in cues.get("pre", []):
            flips |= scope(e)
        for s, e in cues.get("uncertain", []):
            dropped |= scope(e)

        def before(s: int) -> list[int]:
            j = s - 1
            while j >= 0 and (doc[j].norm_ in self._post_skip or doc[j].is_space) and j + 1 not in ends:
                j -= 1
            return ends.get(j + 1, []) if j >= 0 else []

        for s, e in cues.get("post", []):
            flips.update(before(s))
        for s, e in cues.get("post_final", []):
            if e >= n or e in terminators or doc[e].is_punct or doc[e].norm_ in ("but", "and"):
                flips.update(before(s))
        return flips, dropped


# --------------------------------------------------------------------------- module API
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
