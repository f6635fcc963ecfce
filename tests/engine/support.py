"""Helpers shared by the engine tests (importable as tests.engine.support)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO_ROOT = Path(__file__).resolve().parents[2]


def ev(present: Iterable[str] = (), absent: Iterable[str] = (), unknown: Iterable[str] = ()) -> dict[str, str]:
    """Evidence dict from lists of feature ids."""
    out = {f: "present" for f in present}
    out.update({f: "absent" for f in absent})
    out.update({f: "unknown" for f in unknown})
    return out
