"""Loading and validating the knowledge base files (sources.yml, features.yml, triage_levels.yml,
causes.yml, red_flags.yml, tips.yml): every problem raises KnowledgeError naming the file and
the entry. The records are defined in bot/knowledge/model.py.
"""
from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional

import yaml

from bot.knowledge.model import (
    FEATURE_GROUPS,
    REQUIRED_LEVELS,
    Cause,
    Condition,
    DoctorCan,
    Feature,
    KnowledgeBase,
    KnowledgeError,
    RedFlag,
    Source,
    Tip,
    TriageLevel,
    normalise_name,
)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- loading
def load_knowledge(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base (cached when ``directory`` is None)."""
    if directory is None:
        return _load_default()
    return _load(Path(directory))


@functools.lru_cache(maxsize=1)
def _load_default() -> KnowledgeBase:
    return _load(DEFAULT_DIRECTORY)


def _load(directory: Path) -> KnowledgeBase:
    sources = _load_sources(directory)
    features = _load_features(directory, sources)
    levels, general = _load_levels(directory, sources)
    causes = _load_causes(directory, sources, features, levels)
    red_flags = _load_red_flags(directory, sources, features, levels, causes)
    tips = _load_tips(directory, sources, causes, features)
    _check_cross(causes, red_flags, tips, levels)
    return KnowledgeBase(
        directory=directory,
        sources=MappingProxyType(sources),
        features=MappingProxyType(features),
        causes=MappingProxyType(causes),
        red_flags=MappingProxyType(red_flags),
        tips=MappingProxyType(tips),
        triage_levels=MappingProxyType(levels),
        general_see_doctor_if=general,
    )


def _read(directory: Path, name: str, key: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(name, None, f"cannot read file ({exc.strerror or exc})") from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(name, None, f"invalid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise KnowledgeError(name, None, f"expected a top-level '{key}:' list")
    entries = doc[key]
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise KnowledgeError(name, None, f"item {i + 1} of '{key}' is not a mapping")
        eid = entry.get("id")
        if not isinstance(eid, str) or not eid.strip():
            raise KnowledgeError(name, None, f"item {i + 1} of '{key}' has no id")
        if eid in seen:
            raise KnowledgeError(name, eid, "duplicate id")
        seen.add(eid)
    return entries, doc


class _Entry:
    """Typed field access on one YAML entry; every error names file and entry."""

    def __init__(self, file: str, raw: dict[str, Any], allowed: Iterable[str]) -> None:
        self.file, self.raw, self.id = file, raw, raw["id"]
        unknown = sorted(set(raw) - set(allowed) - {"id"})
        if unknown:
            self.fail(f"unknown field(s) {', '.join(unknown)}")

    def fail(self, problem: str) -> None:
        raise KnowledgeError(self.file, self.id, problem)

    def text(self, key: str, optional: bool = False) -> Optional[str]:
        value = self.raw.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(f"'{key}' must be a non-empty text")
        return " ".join(value.split())  # type: ignore[union-attr]

    def texts(self, key: str, min_len: int = 0) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"'{key}' must be a list of texts")
        if len(value) < min_len:
            self.fail(f"'{key}' must have at least {min_len} item(s)")
        return tuple(" ".join(v.split()) for v in value)

    def ids(self, key: str, known: Mapping[str, Any] | frozenset[str], what: str, min_len: int = 0) -> tuple[str, ...]:
        values = self.texts(key, min_len)
        for v in values:
            if v not in known:
                self.fail(f"unknown {what} '{v}' in '{key}'")
        if len(set(values)) != len(values):
            self.fail(f"repeated id in '{key}'")
        return values

    def sources(self, known: Mapping[str, Source]) -> tuple[str, ...]:
        if not self.raw.get("sources"):
            self.fail("no sources: every entry must name where its facts come from")
        return self.ids("sources", known, "source")

    def weights(self, key: str, features: Mapping[str, Feature]) -> Mapping[str, float]:
        value = self.raw.get(key) or {}
        if not isinstance(value, dict):
            self.fail(f"'{key}' must be a mapping of feature id to weight")
        out: dict[str, float] = {}
        for fid, weight in value.items():
            if fid not in features:
                self.fail(f"unknown feature '{fid}' in '{key}'")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 10:
                self.fail(f"weight of '{fid}' in '{key}' must be a number in (0, 10]")
            out[fid] = float(weight)
        return MappingProxyType(out)


_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _load_sources(directory: Path) -> dict[str, Source]:
    entries, _ = _read(directory, "sources.yml", "sources")
    out: dict[str, Source] = {}
    for raw in entries:
        e = _Entry("sources.yml", raw, ("title", "file", "publisher", "url", "date"))
        file = e.text("file", optional=True)
        publisher = e.text("publisher", optional=True)
        url = e.text("url", optional=True)
        date = raw.get("date")
        if date is not None:
            date = str(date).strip()  # YAML may read 2019 as a number
        if file is None:
            # a published standard: who, where and when, so a reviewer can check the claim
            for key, value in (("publisher", publisher), ("url", url), ("date", date)):
                if not value:
                    e.fail(f"a source that is not a seed file needs '{key}'")
        if url is not None and (not url.startswith("https://") or " " in url):
            e.fail("'url' must be an https:// address")
        if date is not None and not _DATE_RE.match(date):
            e.fail("'date' must be YYYY, YYYY-MM or YYYY-MM-DD")
        out[e.id] = Source(e.id, e.text("title"), file, publisher, url, date)  # type: ignore[arg-type]
    return out


def _load_features(directory: Path, sources: Mapping[str, Source]) -> dict[str, Feature]:
    entries, _ = _read(directory, "features.yml", "features")
    out: dict[str, Feature] = {}
    excludes: dict[str, set[str]] = {}
    for raw in entries:
        e = _Entry("features.yml", raw,
                   ("group", "label", "question", "phrases", "sources", "excludes", "answers", "meaning"))
        group = e.text("group")
        if group not in FEATURE_GROUPS:
            e.fail(f"unknown group '{group}' (expected one of {', '.join(sorted(FEATURE_GROUPS))})")
        phrases = tuple(p.lower() for p in e.texts("phrases"))
        out[e.id] = Feature(
            id=e.id,
            group=group,  # type: ignore[arg-type]
            label=e.text("label"),  # type: ignore[arg-type]
            question=e.text("question", optional=True),
            phrases=phrases,
            sources=e.sources(sources),
            answers=_answers(e),
            meaning=e.text("meaning", optional=True),
        )
        excludes[e.id] = set(e.texts("excludes"))
    for feature_id, others in excludes.items():
        for other in others:
            if other not in out or other == feature_id:
                raise KnowledgeError("features.yml", feature_id, f"excludes unknown feature '{other}'")
            excludes[other].add(feature_id)
    return {fid: replace(f, excludes=tuple(sorted(excludes[fid]))) for fid, f in out.items()}


ANSWER_READINGS = ("yes", "no", "partly", "unsure")


def _answers(e: "_Entry") -> Mapping[str, tuple[str, ...]]:
    raw = e.raw.get("answers") or {}
    if not isinstance(raw, dict) or set(raw) - set(ANSWER_READINGS):
        e.fail(f"'answers' must map some of {', '.join(ANSWER_READINGS)} to lists of phrases")
    if raw and not e.raw.get("question"):
        e.fail("'answers' needs a 'question' (they are read only while it is asked)")
    out = {}
    for reading, phrases in raw.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            e.fail(f"'answers.{reading}' must be a list of texts")
        out[reading] = tuple(" ".join(p.lower().split()) for p in phrases)
    return MappingProxyType(out)


def _load_levels(directory: Path, sources: Mapping[str, Source]) -> tuple[dict[str, TriageLevel], tuple[str, ...]]:
    name = "triage_levels.yml"
    entries, doc = _read(directory, name, "triage_levels")
    out: dict[str, TriageLevel] = {}
    for raw in entries:
        e = _Entry(name, raw, ("rank", "title", "meaning", "what_to_do", "sources"))
        if e.id not in REQUIRED_LEVELS:
            e.fail(f"unknown triage level (expected one of {', '.join(REQUIRED_LEVELS)})")
        rank = raw.get("rank")
        if isinstance(rank, bool) or not isinstance(rank, int):
            e.fail("'rank' must be an integer (1 = most urgent)")
        out[e.id] = TriageLevel(
            e.id, rank, e.text("title"), e.text("what_to_do"), e.text("meaning"), e.sources(sources)  # type: ignore[arg-type]
        )
    for level in REQUIRED_LEVELS:
        if level not in out:
            raise KnowledgeError(name, level, "missing triage level")
    ranks = [out[level].rank for level in REQUIRED_LEVELS]
    if ranks != sorted(set(ranks)):
        raise KnowledgeError(name, None, "ranks must be distinct and ordered emergency < urgent < routine < self_care")
    general = doc.get("general_see_doctor_if") or []
    if not isinstance(general, list) or not all(isinstance(g, str) and g.strip() for g in general):
        raise KnowledgeError(name, "general_see_doctor_if", "must be a list of texts")
    return out, tuple(" ".join(g.split()) for g in general)


def _load_causes(
    directory: Path,
    sources: Mapping[str, Source],
    features: Mapping[str, Feature],
    levels: Mapping[str, TriageLevel],
) -> dict[str, Cause]:
    name = "causes.yml"
    entries, _ = _read(directory, name, "causes")
    out: dict[str, Cause] = {}
    aliases_seen: dict[str, str] = {}
    fields = ("name", "aliases", "summary", "prior", "supports", "against", "required", "typical", "triage",
              "see_doctor_if", "sources", "doctor_can")
    for raw in entries:
        e = _Entry(name, raw, fields)
        srcs = e.sources(sources)
        supports = e.weights("supports", features)
        against = e.weights("against", features)
        if not supports:
            e.fail("'supports' must list at least one feature")
        both = sorted(set(supports) & set(against))
        if both:
            e.fail(f"feature '{both[0]}' is both in 'supports' and 'against'")
        required = e.ids("required", features, "feature")
        typical = e.ids("typical", features, "feature")
        for fid in required + typical:
            if fid not in supports:
                e.fail(f"required/typical feature '{fid}' must also be in 'supports'")
        prior = raw.get("prior")
        if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0 < prior < 1:
            e.fail("'prior' must be a probability strictly between 0 and 1")
        triage = e.text("triage")
        if triage not in levels:
            e.fail(f"unknown triage level '{triage}'")
        aliases = tuple(a.lower() for a in e.texts("aliases"))
        for alias in aliases:
            key = normalise_name(alias)
            if key in aliases_seen and aliases_seen[key] != e.id:
                e.fail(f"alias '{alias}' is already used by cause '{aliases_seen[key]}'")
            aliases_seen[key] = e.id
        out[e.id] = Cause(
            id=e.id,
            name=e.text("name"),  # type: ignore[arg-type]
            aliases=aliases,
            summary=e.text("summary"),  # type: ignore[arg-type]
            prior=float(prior),  # type: ignore[arg-type]
            supports=supports,
            against=against,
            required=required,
            typical=typical,
            triage=triage,  # type: ignore[arg-type]
            see_doctor_if=e.texts("see_doctor_if", min_len=1),
            sources=srcs,
            doctor_can=_doctor_can(e, sources),
        )
    return out


def _doctor_can(e: "_Entry", sources: Mapping[str, Source]) -> Optional[DoctorCan]:
    raw = e.raw.get("doctor_can")
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"checks", "treatments", "sources"}:
        e.fail("'doctor_can' must have checks, treatments and sources")
    inner = _Entry(e.file, {"id": e.id, **raw}, ("checks", "treatments", "sources"))
    return DoctorCan(inner.texts("checks", min_len=1), inner.texts("treatments", min_len=1), inner.sources(sources))


def _parse_condition(e: _Entry, node: Any, features: Mapping[str, Feature], key: str = "when") -> Condition:
    if isinstance(node, str):
        if node not in features:
            e.fail(f"unknown feature '{node}' in '{key}'")
        return Condition("feature", feature=node)
    if isinstance(node, dict) and len(node) == 1:
        (op, items), = node.items()
        if op in ("all_of", "any_of") and isinstance(items, list) and items:
            return Condition(op, items=tuple(_parse_condition(e, item, features, key) for item in items))
    e.fail(f"'{key}' must be a feature id or {{all_of: [...]}} / {{any_of: [...]}} with a non-empty list")
    raise AssertionError  # unreachable


def _load_red_flags(
    directory: Path,
    sources: Mapping[str, Source],
    features: Mapping[str, Feature],
    levels: Mapping[str, TriageLevel],
    causes: Mapping[str, Cause],
) -> dict[str, RedFlag]:
    name = "red_flags.yml"
    entries, _ = _read(directory, name, "red_flags")
    out: dict[str, RedFlag] = {}
    for raw in entries:
        e = _Entry(name, raw, ("level", "name", "when", "what_to_do", "screen_when", "sources"))
        srcs = e.sources(sources)
        level = e.text("level")
        if level not in levels:
            e.fail(f"unknown triage level '{level}'")
        if level == REQUIRED_LEVELS[-1]:
            e.fail("a red flag cannot have the least urgent level")
        if "when" not in raw:
            e.fail("missing 'when' condition")
        when = _parse_condition(e, raw["when"], features)
        screen = e.ids("screen_when", {**features, **causes}, "cause or feature")
        out[e.id] = RedFlag(e.id, level, e.text("name"), when, e.text("what_to_do"), screen, srcs)  # type: ignore[arg-type]
    return out


def _load_tips(
    directory: Path, sources: Mapping[str, Source], causes: Mapping[str, Cause], features: Mapping[str, Feature]
) -> dict[str, Tip]:
    name = "tips.yml"
    entries, _ = _read(directory, name, "tips")
    out: dict[str, Tip] = {}
    for raw in entries:
        e = _Entry(name, raw, ("text", "causes", "sources", "only_when", "avoid_when"))
        srcs = e.sources(sources)
        only_when = _parse_condition(e, raw["only_when"], features, "only_when") if "only_when" in raw else None
        avoid_when = _parse_condition(e, raw["avoid_when"], features, "avoid_when") if "avoid_when" in raw else None
        if not raw.get("causes") and only_when is None:
            e.fail("a tip must name at least one cause in 'causes' (or say when it applies in 'only_when')")
        tip_causes = e.ids("causes", causes, "cause")
        out[e.id] = Tip(e.id, e.text("text"), tip_causes, srcs, only_when, avoid_when)  # type: ignore[arg-type]
    return out


def _check_cross(
    causes: Mapping[str, Cause],
    red_flags: Mapping[str, RedFlag],
    tips: Mapping[str, Tip],
    levels: Mapping[str, TriageLevel],
) -> None:
    covered = {c for tip in tips.values() if tip.only_when is None for c in tip.causes}
    for cause in causes.values():
        if cause.id not in covered:
            raise KnowledgeError("tips.yml", cause.id, "no tip applies to this cause")
    # Safety invariant: mentioning the features of a red flag must never lower the route. A feature
    # counting against a cause lowers that cause, so it may not belong to a red flag less urgent
    # than the route that cause calls for.
    for rf in red_flags.values():
        for fid in sorted(rf.when.features()):
            for cause in causes.values():
                if fid in cause.against and levels[cause.triage].rank < levels[rf.level].rank:
                    raise KnowledgeError(
                        "causes.yml",
                        cause.id,
                        f"feature '{fid}' counts against this {cause.triage} cause but is part of the "
                        f"{rf.level} red flag '{rf.id}': mentioning it could lower the route",
                    )
