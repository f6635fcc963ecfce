"""What the knowledge base is made of: the typed, read-only records the loader builds
(bot/knowledge/loader.py) from the YAML files, and the error it raises."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Optional

FEATURE_GROUPS = frozenset(
    {"movement", "sensation", "timing", "laterality", "course", "trigger", "medication", "condition", "sign"}
)
#: The four care routes of DESIGN.md; triage_levels.yml must define exactly these.
REQUIRED_LEVELS = ("emergency", "urgent", "routine", "self_care")


class KnowledgeError(ValueError):
    """A problem in the knowledge base files. ``file`` and ``entry`` say where."""

    def __init__(self, file: str, entry: Optional[str], problem: str) -> None:
        self.file = file
        self.entry = entry
        self.problem = problem
        where = file if entry is None else f"{file}, entry '{entry}'"
        super().__init__(f"{where}: {problem}")


# --------------------------------------------------------------------------- data types
@dataclass(frozen=True)
class Source:
    """A seed article (``file``) or a published standard (``publisher``, ``url``, ``date``)."""

    id: str
    title: str
    file: Optional[str] = None
    publisher: Optional[str] = None
    url: Optional[str] = None
    date: Optional[str] = None  # YYYY, YYYY-MM or YYYY-MM-DD: published or last revised


@dataclass(frozen=True)
class Feature:
    id: str
    group: str
    label: str
    question: Optional[str]
    phrases: tuple[str, ...]
    sources: tuple[str, ...]
    # Features that cannot be present together with this one (one leg / both legs): saying one
    # makes the others absent. Declared once in features.yml, made symmetric on load.
    excludes: tuple[str, ...] = ()
    # Replies that answer this feature's question only while it is asked ("it crept up over
    # months" to the onset question): {"yes" | "no" | "partly" | "unsure": phrases}.
    answers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Plain words for "what does that mean?" while the question is pending (optional).
    meaning: Optional[str] = None


@dataclass(frozen=True)
class TriageLevel:
    id: str
    rank: int  # 1 = most urgent
    title: str
    what_to_do: str
    meaning: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Condition:
    """A condition over present features: a single feature, or all_of / any_of sub-conditions."""

    op: str  # "feature" | "all_of" | "any_of"
    feature: Optional[str] = None
    items: tuple["Condition", ...] = ()

    def features(self) -> frozenset[str]:
        if self.op == "feature":
            return frozenset((self.feature,))  # type: ignore[arg-type]
        return frozenset().union(*(item.features() for item in self.items))

    def matches(self, present: Iterable[str] | frozenset[str]) -> bool:
        if self.op == "feature":
            return self.feature in present
        if self.op == "all_of":
            return all(item.matches(present) for item in self.items)
        return any(item.matches(present) for item in self.items)

    def matched(self, present: frozenset[str] | set[str]) -> list[str]:
        """The present features that make this (satisfied) condition true, in declaration order."""
        out: list[str] = []
        for f in self._matched(present):
            if f not in out:
                out.append(f)
        return out

    def _matched(self, present: frozenset[str] | set[str]) -> Iterator[str]:
        if self.op == "feature":
            if self.feature in present:
                yield self.feature  # type: ignore[misc]
            return
        for item in self.items:
            if item.matches(present):
                yield from item._matched(present)

    def witnesses(self) -> list[frozenset[str]]:
        """Every minimal-by-construction set of features whose presence satisfies the condition."""
        if self.op == "feature":
            return [frozenset((self.feature,))]  # type: ignore[arg-type]
        if self.op == "any_of":
            return [w for item in self.items for w in item.witnesses()]
        combos: list[frozenset[str]] = [frozenset()]
        for item in self.items:
            combos = [c | w for c in combos for w in item.witnesses()]
        return combos


@dataclass(frozen=True)
class DoctorCan:
    checks: tuple[str, ...]
    treatments: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Cause:
    id: str
    name: str
    aliases: tuple[str, ...]
    summary: str
    prior: float
    supports: Mapping[str, float]  # feature -> log-odds added when present
    against: Mapping[str, float]  # feature -> log-odds subtracted when present
    required: tuple[str, ...]  # must be present (absent: strong penalty)
    typical: tuple[str, ...]  # usually present (absent: mild penalty)
    triage: str  # the route this cause calls for when it leads
    see_doctor_if: tuple[str, ...]
    sources: tuple[str, ...]
    # What a doctor may check and offer, for "what can a doctor do?" (always as things to ask about).
    doctor_can: Optional["DoctorCan"] = None

    @property
    def prior_logit(self) -> float:
        return math.log(self.prior / (1.0 - self.prior))

    @property
    def key_features(self) -> tuple[str, ...]:
        """Required then typical features: what must be known before concluding on this cause."""
        return self.required + tuple(f for f in self.typical if f not in self.required)

    def features(self) -> frozenset[str]:
        return frozenset(self.supports) | frozenset(self.against)


@dataclass(frozen=True)
class RedFlag:
    id: str
    level: str
    name: str
    when: Condition
    what_to_do: str
    screen_when: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Tip:
    id: str
    text: str
    causes: tuple[str, ...]  # offered when one of these causes is among the top causes
    sources: tuple[str, ...]
    # Optional conditions over present features (red-flag syntax): the tip is offered only when
    # ``only_when`` holds (a tip with no causes is offered whenever it holds), and never when
    # ``avoid_when`` holds (no massage with a possibly clotted calf).
    only_when: Optional[Condition] = None
    avoid_when: Optional[Condition] = None

    def applies(self, present: Iterable[str] | frozenset[str]) -> bool:
        present = frozenset(present)
        if self.avoid_when is not None and self.avoid_when.matches(present):
            return False
        return self.only_when is None or self.only_when.matches(present)


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """The whole knowledge base, each part a read-only dict by id (in file order)."""

    directory: Path
    sources: Mapping[str, Source]
    features: Mapping[str, Feature]
    causes: Mapping[str, Cause]
    red_flags: Mapping[str, RedFlag]
    tips: Mapping[str, Tip]
    triage_levels: Mapping[str, TriageLevel]
    general_see_doctor_if: tuple[str, ...] = ()

    @functools.cached_property
    def triage_order(self) -> tuple[str, ...]:
        """Triage level ids, most urgent first."""
        return tuple(sorted(self.triage_levels, key=lambda i: self.triage_levels[i].rank))

    def rank(self, level: str) -> int:
        """1 for the most urgent level; larger is less urgent."""
        return self.triage_levels[level].rank

    def most_urgent(self, levels: Iterable[str]) -> str:
        """The most urgent of ``levels`` (the least urgent level if empty)."""
        return min(levels, key=self.rank, default=self.triage_order[-1])

    @functools.cached_property
    def _red_flag_features(self) -> frozenset[str]:
        used = frozenset().union(
            *(rf.when.features() for rf in self.red_flags.values() if rf.level == self.triage_order[0])
        )
        return frozenset(f for f in used if self.features[f].group == "sign")

    def red_flag_features(self) -> frozenset[str]:
        """Every warning sign (feature of group ``sign``) used in the condition of an emergency-level
        red flag. Context that only completes a red flag (a medicine, alcohol, "it started
        suddenly", one leg) is not itself a warning sign."""
        return self._red_flag_features

    def tips_for(self, cause_id: str) -> tuple[Tip, ...]:
        return tuple(t for t in self.tips.values() if cause_id in t.causes)

    def find_cause(self, name: str) -> Optional[Cause]:
        """The cause whose id, name or an alias matches ``name`` (case- and space-insensitive)."""
        key = normalise_name(name)
        return self._alias_index.get(key)

    @functools.cached_property
    def _alias_index(self) -> Mapping[str, Cause]:
        index: dict[str, Cause] = {}
        for cause in self.causes.values():
            for alias in (cause.id, cause.id.replace("_", " "), cause.name, *cause.aliases):
                index.setdefault(normalise_name(alias), cause)
        return index


def normalise_name(text: str) -> str:
    """How cause names and aliases are compared: lower case, straight apostrophes, single spaces."""
    return " ".join(text.lower().replace("\u2019", "'").split())


