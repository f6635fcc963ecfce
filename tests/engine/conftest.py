"""Shared helpers for the engine and knowledge-base tests."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from tests.engine.support import FIXTURES


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def fixture_kb_dir(tmp_path: Path):
    """Build a knowledge-base directory: the small valid one, overlaid with a broken case's files."""

    def build(case: str | None = None) -> Path:
        target = tmp_path / (case or "valid")
        shutil.copytree(FIXTURES / "valid", target)
        if case:
            for path in (FIXTURES / case).iterdir():
                shutil.copy(path, target / path.name)
        return target

    return build
