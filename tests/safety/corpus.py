"""Score bot.safety.detect on a labelled corpus (tests/safety/crisis_corpus_*.yml).

What counts as right, per label: crisis -> the crisis response; denial -> a gentle check (not the
crisis script); figure_of_speech / distress / other -> anything but the crisis script."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.safety import CHECK, CRISIS, detect

HERE = Path(__file__).resolve().parent


def load(name: str) -> List[Dict[str, Any]]:
    with open(HERE / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)["messages"]


def right(label: str, level: str) -> bool:
    if label == "crisis":
        return level == CRISIS
    if label == "denial":
        return level == CHECK
    return level != CRISIS


def score(messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    crisis = [m for m in messages if m["label"] == "crisis"]
    others = [m for m in messages if m["label"] != "crisis"]
    caught = [m for m in crisis if detect(m["text"]).level == CRISIS]
    false_alarms = [m for m in others if detect(m["text"]).level == CRISIS]
    denials = [m for m in messages if m["label"] == "denial"]
    checked = [m for m in denials if detect(m["text"]).level == CHECK]
    return {
        "recall": len(caught) / len(crisis),
        "false_alarm_rate": len(false_alarms) / len(others),
        "denials_checked": len(checked) / len(denials) if denials else 1.0,
        "missed": [m["text"] for m in crisis if m not in caught],
        "false_alarms": [m["text"] for m in false_alarms],
    }
