"""Which mentions a message says are absent (cues in ``negation:`` of lexicon.yml, on lemmas).

* pre-cues ("no", "not", "never", "without", "neither", "nor", ...) negate the mentions that
  follow, up to a terminator ("but", "although", "however", "yet", "just", sentence
  punctuation, a new line), a new clause after "and" or a comma ("no pain and my legs shake"),
  or ``max_gap`` other words. After a comma the scope continues only through a list of mentions
  ("no numbness, tingling or weakness").
* post-cues right after a mention ("pain free", "my balance is fine", "the numbness has gone");
  post_final cues only at a clause end ("fever? no").
* pseudo-cues look like negation but are not ("won't stop shaking", "not just my legs");
  uncertain cues ("not sure if") drop the mentions in their scope.
* Words inside a matched phrase are never cues ("can't sleep", "no feeling").
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from bot.nlu.extraction.normalisation import Normaliser, Word
from bot.nlu.extraction.patterns import Candidate, doc_from_words

CUE_KINDS = ("pre", "post", "post_final", "pseudo", "uncertain", "terminators")
SENTENCE_PUNCT = frozenset({".", "!", "?", ";", "...", "…", "!!", "??", "?!", "!?", "!!!", "???"})
_LIST_JOINERS = ("or", "and", "nor", "either")


class Span(NamedTuple):
    """Token offsets of a cue: [start, end)."""

    start: int
    end: int


class CueSpec(NamedTuple):
    kind: str  # one of CUE_KINDS
    words: list[Word]


class NegationResult(NamedTuple):
    flipped: set[int]  # indexes of mentions whose polarity a cue reverses
    dropped: set[int]  # indexes of mentions under an uncertain cue ("not sure if")


class Negation:
    """The cue lists of the lexicon compiled into matchers; ``apply`` reads one message."""

    def __init__(self, nlp: Any, normaliser: Normaliser, cues: Mapping[str, Any], max_gap: int) -> None:
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.max_gap = max_gap
        specs: list[CueSpec] = []
        for kind in CUE_KINDS:
            for raw in cues.get(kind) or []:
                words = normaliser.phrase_words(str(raw))
                if words:
                    specs.append(CueSpec(kind, words))
                    # cue words are vocabulary: a misspelt cue is corrected like a phrase word
                    normaliser.vocab.update(w.norm for w in words if w.norm.isalpha())
        # lemmas again, now that the whole vocabulary is known
        self.specs = [CueSpec(s.kind, [Word(w.norm, normaliser.lemma_of(w.norm)) for w in s.words]) for s in specs]
        self.post_skip = frozenset(normaliser.norm_word(str(w)) for w in cues.get("post_skip") or [])
        self.openers = frozenset(normaliser.norm_word(str(w)) for w in cues.get("clause_openers") or [])
        self.fillers = frozenset(normaliser.lemma_word(str(w)) for w in cues.get("fillers") or [])
        self.list_fillers = frozenset(normaliser.norm_word(str(w)) for w in cues.get("list_fillers") or [])
        self._by_lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._by_norm = PhraseMatcher(nlp.vocab, attr="NORM")
        for i, spec in enumerate(self.specs):
            doc = doc_from_words(nlp, spec.words)
            (self._by_norm if spec.kind == "post" else self._by_lemma).add(f"c{i}", [doc])

    def cues(self, doc: Any, consumed: set[int]) -> dict[str, list[Span]]:
        """The cues of a message by kind; the longest cue wins ("not sure if" over "not")."""
        raw: list[tuple[int, int, str]] = []
        strings = self.nlp.vocab.strings
        for matcher in (self._by_lemma, self._by_norm):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                kind = self.specs[int(strings[match_id][1:])].kind
                if any(i in consumed for i in range(start, end)):
                    continue
                raw.append((start, end, kind))
        for tok in doc:
            if tok.i in consumed:
                continue
            if tok.text in SENTENCE_PUNCT or tok.norm_ in SENTENCE_PUNCT or "\n" in tok.text:
                raw.append((tok.i, tok.i + 1, "terminators"))
        raw.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
        taken: dict[Span, set[str]] = {}
        used: set[int] = set()
        for start, end, kind in raw:
            span = Span(start, end)
            if span in taken:
                taken[span].add(kind)
                continue
            if any(i in used for i in range(start, end)):
                continue
            taken[span] = {kind}
            used.update(range(start, end))
        out: dict[str, list[Span]] = {}
        for span, kinds in taken.items():
            for kind in kinds:
                out.setdefault(kind, []).append(span)
        return out

    def apply(self, doc: Any, mentions: Sequence[Candidate], consumed: set[int]) -> NegationResult:
        return _Reading(self, doc, mentions, self.cues(doc, consumed)).result()


class _Reading:
    """The negation of one message: its cues, its mentions, and the scope rules over them."""

    def __init__(self, negation: Negation, doc: Any, mentions: Sequence[Candidate],
                 cues: dict[str, list[Span]]) -> None:
        self.rules = negation
        self.doc = doc
        self.n = len(doc)
        self.mentions = mentions
        self.cues = cues
        self.terminators: set[int] = set()
        for s, e in cues.get("terminators", []):
            self.terminators.update(range(s, e))
        self.starts: dict[int, list[int]] = {}
        self.ends: dict[int, list[int]] = {}
        for i, m in enumerate(mentions):
            self.starts.setdefault(m.start, []).append(i)
            self.ends.setdefault(m.end, []).append(i)
        self.pre_starts = {s for s, _ in cues.get("pre", []) + cues.get("uncertain", [])}

    def result(self) -> NegationResult:
        flipped: set[int] = set()
        dropped: set[int] = set()
        for _, e in self.cues.get("pre", []):
            flipped |= self.scope(e)
        for _, e in self.cues.get("uncertain", []):
            dropped |= self.scope(e)
        for s, _ in self.cues.get("post", []):
            flipped.update(self.mentions_ending_before(s))
        for s, e in self.cues.get("post_final", []):
            if self.clause_ends_at(e):
                flipped.update(self.mentions_ending_before(s))
        return NegationResult(flipped, dropped)

    def clause_ends_at(self, k: int) -> bool:
        """A post_final cue counts only at a clause end ("fever? no", "fever no, but...")."""
        doc = self.doc
        return k >= self.n or k in self.terminators or doc[k].is_punct or doc[k].norm_ in ("but", "and")

    def list_item_ends_at(self, k: int) -> bool:
        # a list item ends at punctuation or a conjunction (not at "just", "but")
        if k >= self.n:
            return True
        tok = self.doc[k]
        return tok.is_punct or "\n" in tok.text or tok.norm_ in _LIST_JOINERS

    def list_continues(self, j: int) -> bool:
        doc, n, starts = self.doc, self.n, self.starts
        while j < n and doc[j].norm_ in self.rules.list_fillers and j not in starts:
            j += 1
        if j >= n or j not in starts:
            return False
        k = max(self.mentions[i].end for i in starts[j])
        # list items are short noun phrases ("no pain, numbness or tingling"); a longer mention
        # after the comma is a clause of its own ("I can't lift it, and every day it is worse")
        return self.list_item_ends_at(k) and k - j <= 3

    def scope(self, cue_end: int) -> set[int]:
        """The mentions a cue ending at `cue_end` reaches."""
        doc, n, rules = self.doc, self.n, self.rules
        hit: set[int] = set()
        gap = 0
        i = cue_end
        in_list = False
        while i < n:
            if i in self.terminators:
                break
            if i in self.starts:
                hit.update(self.starts[i])
                i = max(self.mentions[m].end for m in self.starts[i])
                in_list = True
                continue
            if i in self.pre_starts and i != cue_end:
                break
            tok = doc[i]
            norm = tok.norm_
            if in_list and norm not in rules.list_fillers and norm not in (",", "either"):
                # after a negated mention only a list goes on ("no pain or numbness");
                # "no weakness in my legs" does not negate "my legs"
                break
            if norm == ",":
                if not self.list_continues(i + 1):
                    break
            elif norm == "and":
                j = i + 1
                if j < n and doc[j].norm_ in rules.openers:
                    break
            elif norm in ("or", "nor", "either"):
                pass
            elif tok.is_space or tok.is_punct or tok.lemma_ in rules.fillers or norm in rules.fillers:
                pass
            else:
                gap += 1  # a content word (or an ignore phrase)
            if gap > rules.max_gap:
                break
            i += 1
        return hit

    def mentions_ending_before(self, s: int) -> Iterable[int]:
        """The mentions a post-cue at `s` follows (skipping words like "is", "has")."""
        doc = self.doc
        j = s - 1
        while j >= 0 and (doc[j].norm_ in self.rules.post_skip or doc[j].is_space) and j + 1 not in self.ends:
            j -= 1
        return self.ends.get(j + 1, []) if j >= 0 else []
