"""The clinical evaluation suite, through the REST channel of a running server (a `server` test).

Every vignette of tests/clinical/vignettes (written from the seeds and guidelines by helpers who
had not read bot/knowledge, gold labels checked by a GP reviewer) is played by the simulated
patient (evaluation/patient.py). The report goes to results/eval.md and results/eval.json.
Fails on any under-triaged emergency or urgent vignette and on any conversation that does not
conclude; the other figures are reported, not thresholded (README "Clinical evaluation")."""
from __future__ import annotations

import pytest

from evaluation import report
from evaluation.__main__ import run_all
from evaluation.vignettes import ROOT, load_vignettes

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def summary(stack):
    conversations = run_all(stack.url, workers=2)
    return report.write(conversations, ROOT / "results")


def test_the_suite_covers_every_cause_and_at_least_200_vignettes():
    from bot.knowledge import load_knowledge

    vignettes = load_vignettes()
    assert len(vignettes) >= 200
    named = {c for v in vignettes for c in v.gold_causes}
    assert set(load_knowledge().causes) <= named


def test_every_conversation_concludes(summary):
    assert summary["not_concluded"] == [], "see results/eval.md"


def test_no_emergency_or_urgent_vignette_is_under_triaged(summary):
    assert summary["under_triaged_serious"] == [], "see results/eval.md"
