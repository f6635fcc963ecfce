"""Scoring of bot.nlu.extraction against tests/nlu/extraction_corpus.yml.

Run directly for an error listing:  .venv/bin/python -m tests.nlu.corpus_eval
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

CORPUS_PATH = Path(__file__).resolve().parent / "extraction_corpus.yml"


@dataclass
class Item:
    text: str
    present: frozenset
    absent: frozenset
    tags: frozenset

    @property
    def gold(self) -> set[tuple[str, str]]:
        return {(f, "present") for f in self.present} | {(f, "absent") for f in self.absent}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    negated_total: int = 0
    negated_correct: int = 0
    errors: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def negation_accuracy(self) -> float:
        return self.negated_correct / self.negated_total if self.negated_total else 1.0


def load_corpus(path: Path = CORPUS_PATH) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for raw in data["sentences"]:
        items.append(
            Item(
                text=str(raw["text"]),
                present=frozenset(raw.get("present") or ()),
                absent=frozenset(raw.get("absent") or ()),
                tags=frozenset(raw.get("tags") or ()),
            )
        )
    return items


def score(items: Iterable[Item], extract: Callable) -> Score:
    """Micro P/R/F1 over (sentence, feature, polarity) triples, plus the share of
    gold-absent features that come out absent."""
    sc = Score()
    for item in items:
        got = {(m.id, m.role) for m in extract(item.text)}
        gold = item.gold
        sc.tp += len(got & gold)
        sc.fp += len(got - gold)
        sc.fn += len(gold - got)
        for f in item.absent:
            sc.negated_total += 1
            if (f, "absent") in got:
                sc.negated_correct += 1
        if got != gold:
            sc.errors.append((item.text, sorted(gold - got), sorted(got - gold)))
    return sc


def main() -> None:
    from bot.nlu.extraction import extract

    items = load_corpus()
    sc = score(items, extract)
    for text, missing, extra in sc.errors:
        print(f"- {text}\n    missing: {missing}\n    extra:   {extra}")
    print(
        f"\n{len(items)} sentences  P={sc.precision:.3f} R={sc.recall:.3f} F1={sc.f1:.3f}  "
        f"negation accuracy={sc.negation_accuracy:.3f} ({sc.negated_correct}/{sc.negated_total})  "
        f"errors in {len(sc.errors)} sentences"
    )


if __name__ == "__main__":
    main()
