"""How a word of a message (or of a phrase in the knowledge base) is normalised before matching.

Each token gets

* ``NORM``: lower case, spaCy's contraction norms ("n't" -> "not", "ca" -> "can"), then the
  ``spelling:`` table of bot/nlu/lexicon.yml ("nite" -> "night"), then a fuzzy fallback for
  unknown words of 5+ letters against the phrase vocabulary ("tingeling" -> "tingling",
  "siezure" -> "seizure"; Damerau/OSA distance 1, 2 for long words; never applied to a word the
  lookup tables know);
* ``LEMMA``: the lookup lemma of NORM (the ``lemma_lookup`` table of spacy-lookups-data,
  overridable in ``lemmas:``), so "twitches", "twitching" and "twitched" all match "twitch";
* ``_.bot_numval``: the number a token stands for ("3", "2.5", "three"), for ``{num}``.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple

_NUM_RE = re.compile(r"^\d+(?:[.,]\d+)?$")
_ASCII_WORD_RE = re.compile(r"^[a-z]+$")
_FUZZY_CACHE_LIMIT = 50_000


class Word(NamedTuple):
    """One word of a phrase or a cue, as matched: its NORM and its LEMMA."""

    norm: str
    lemma: str


def normalise_text(text: str) -> str:
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


def osa_within(a: str, b: str, limit: int) -> int:
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


class Normaliser:
    """The spelling, lemma and number tables of the lexicon, and the phrase vocabulary.

    The vocabulary (``vocab``: every word of a phrase or a cue) grows while the extractor reads
    its phrases and cues; ``index_vocabulary()`` is called once it is complete, before the first
    message, so that fuzzy corrections only map to words a phrase or a cue uses.
    """

    def __init__(self, nlp: Any, lexicon: Mapping[str, Any]) -> None:
        from spacy.lookups import load_lookups
        from spacy.tokens import Token

        settings = lexicon.get("settings") or {}
        self.fuzzy_min = int(settings.get("fuzzy_min_length", 5))
        self.fuzzy_long = int(settings.get("fuzzy_long_length", 9))
        self.nlp = nlp
        self.lemma_table = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self.spelling = {str(k).lower(): str(v).lower() for k, v in (lexicon.get("spelling") or {}).items()}
        self.lemma_overrides = {str(k).lower(): str(v).lower() for k, v in (lexicon.get("lemmas") or {}).items()}
        self.numbers = {str(k).lower(): float(v) for k, v in (lexicon.get("numbers") or {}).items()}
        # words known to be correctly spelled (never fuzzily corrected)
        # (the table's keys are hashed: membership of inflected forms is tested with `in`)
        known: set[str] = {str(v) for v in self.lemma_table.values()}
        known.update(str(w).lower() for w in (lexicon.get("known_words") or []))
        self.known = known
        self.vocab: set[str] = set()
        # fuzzy corrections prefer words of feature phrases over cause names and cues
        self.feature_vocab: frozenset[str] = frozenset()
        self._vocab_by_initial: dict[str, list[str]] = {}
        self._fuzzy_cache: dict[str, str] = {}
        if not Token.has_extension("bot_numval"):
            Token.set_extension("bot_numval", default=-1.0)

    def index_vocabulary(self) -> None:
        self._vocab_by_initial = {}
        for w in sorted(self.vocab):
            if len(w) >= 4 and _ASCII_WORD_RE.match(w):
                self._vocab_by_initial.setdefault(w[0], []).append(w)
        self._fuzzy_cache.clear()

    # ------------------------------------------------------------------ words of the lexicon
    def norm_word(self, word: str) -> str:
        w = word.lower().replace("\u2019", "'").replace("\u2018", "'")
        return self.spelling.get(w, w)

    def lemma_word(self, norm: str) -> str:
        """The lemma of a lexicon word (spelling, overrides, lookup table; no suffix stripping)."""
        norm = self.norm_word(norm)
        if norm in self.lemma_overrides:
            return self.lemma_overrides[norm]
        lemma = self.lemma_table.get(norm)
        if lemma:
            return str(lemma)
        return norm

    def lemma_of(self, norm: str) -> str:
        if norm in self.lemma_overrides:
            return self.lemma_overrides[norm]
        lemma = self.lemma_table.get(norm)
        if lemma:
            return str(lemma)
        # inflections of words the table does not know ("ssris", "inhalers")
        for suffix in ("s", "es"):
            if norm.endswith(suffix) and len(norm) > len(suffix) + 3:
                stem = norm[: -len(suffix)]
                if stem in self.vocab:
                    return self.lemma_of(stem)
        return norm

    def phrase_words(self, text: str) -> list[Word]:
        """The words of a phrase or cue as the matcher sees them (new lines kept, spaces not)."""
        doc = self.nlp.make_doc(normalise_text(text))
        out = []
        for tok in doc:
            if tok.is_space and "\n" not in tok.text:
                continue
            norm = self.spelling.get(tok.norm_, tok.norm_)
            out.append(Word(norm, self.lemma_of(norm)))
        return out

    # ------------------------------------------------------------------ words of a message
    def fuzzy(self, word: str) -> str:
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        best = word
        limit = 2 if len(word) >= self.fuzzy_long else 1
        best_key = (limit + 1, 2)
        for cand in self._vocab_by_initial.get(word[0], ()):
            if abs(len(cand) - len(word)) > limit:
                continue
            d = osa_within(word, cand, limit)
            if d > limit:
                continue
            key = (d, 0 if cand in self.feature_vocab else 1)
            if key < best_key:
                best, best_key = cand, key
        if len(self._fuzzy_cache) > _FUZZY_CACHE_LIMIT:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = best
        return best

    def annotate(self, doc: Any) -> None:
        """Sets NORM, LEMMA and the number value of every token of a message's doc."""
        for tok in doc:
            norm = tok.norm_
            norm = self.spelling.get(norm, norm)
            if (
                len(norm) >= self.fuzzy_min
                and norm not in self.vocab
                and norm not in self.known
                and norm not in self.lemma_table
                and _ASCII_WORD_RE.match(norm)
            ):
                norm = self.fuzzy(norm)
            if norm != tok.norm_:
                tok.norm_ = norm
            tok.lemma_ = self.lemma_of(norm)
            value = self.numbers.get(norm)
            if value is None and _NUM_RE.match(norm):
                try:
                    value = float(norm.replace(",", "."))
                except ValueError:
                    value = None
            if value is not None:
                tok._.bot_numval = value
