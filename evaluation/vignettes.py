"""Load the clinical vignettes (tests/clinical/vignettes/*.yml; format in tests/clinical/README.md)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
VIGNETTE_DIR = ROOT / "tests" / "clinical" / "vignettes"
LEVELS = ("emergency", "urgent", "routine", "self_care")  # most to least urgent (DESIGN.md)


@dataclass(frozen=True)
class Fact:
    value: str  # yes | no | unsure
    answer: str  # how this person answers the question, in their own words


@dataclass(frozen=True)
class Vignette:
    id: str
    style: str
    opening: Tuple[str, ...]
    facts: Mapping[str, Fact]
    gold_triage: Tuple[str, ...]  # acceptable levels, the most appropriate first
    gold_causes: Tuple[str, ...]  # acceptable leading causes; empty = any
    justification: str
    medicines: Optional[str] = None
    source_file: str = ""

    @property
    def most_urgent_acceptable(self) -> str:
        return min(self.gold_triage, key=LEVELS.index)

    @property
    def least_urgent_acceptable(self) -> str:
        return max(self.gold_triage, key=LEVELS.index)


def _value(raw: object) -> str:
    if raw is True:
        return "yes"
    if raw is False:
        return "no"
    return str(raw).strip().lower()


def load_vignettes(directory: Path = VIGNETTE_DIR) -> List[Vignette]:
    out: List[Vignette] = []
    seen: Dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        for raw in doc.get("vignettes") or []:
            vid = str(raw["id"])
            if vid in seen:
                raise ValueError(f"{path.name}: vignette id {vid!r} also in {seen[vid]}")
            seen[vid] = path.name
            opening = raw["opening"]
            opening = (opening,) if isinstance(opening, str) else tuple(str(o) for o in opening)
            facts = {
                str(topic): Fact(_value(f.get("value")), str(f.get("answer") or ""))
                for topic, f in (raw.get("facts") or {}).items()
            }
            gold = raw.get("gold") or {}
            triage = tuple(str(t) for t in gold.get("triage") or ())
            if not triage or any(t not in LEVELS for t in triage):
                raise ValueError(f"{path.name}: vignette {vid!r} has no valid gold triage")
            out.append(Vignette(
                id=vid, style=str(raw.get("style", "")), opening=opening, facts=facts,
                gold_triage=triage, gold_causes=tuple(str(c) for c in gold.get("causes") or ()),
                justification=str(gold.get("justification", "")), medicines=raw.get("medicines"),
                source_file=path.name,
            ))
    return out
