"""The words users read that are not medical content: `say("service.trouble")`.

They live in bot/texts.yml (one file, reviewed and translated in one place); this module only
loads them once and fills in placeholders. A missing key is a bug, so it raises KeyError at once
rather than showing the user a key name.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")


@lru_cache(maxsize=1)
def _all() -> Dict[str, Any]:
    with TEXTS_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{TEXTS_FILE} must be a mapping of sections")
    return data


def say(key: str, **values: Any) -> str:
    """The text under `key` ("section.name"), with `{placeholders}` filled from `values`."""
    node: Any = _all()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no text {key!r} in {TEXTS_FILE.name}")
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(f"{key!r} in {TEXTS_FILE.name} is a section, not a text")
    return node.format(**values) if values else node


def section(name: str) -> Dict[str, Any]:
    """A whole section (for lists of texts such as button titles)."""
    value = _all().get(name)
    if not isinstance(value, dict):
        raise KeyError(f"no section {name!r} in {TEXTS_FILE.name}")
    return value
