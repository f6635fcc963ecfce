"""The public names others code against, and the no-Rasa rule for bot.knowledge / bot.engine."""
from __future__ import annotations

import subprocess
import sys

from bot.engine import MAX_QUESTIONS, Assessment, Question, advice_for, assess, next_question
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from tests.engine.support import REPO_ROOT, ev


def test_public_api_shapes():
    kb = load_knowledge()
    assert isinstance(kb, KnowledgeBase) and issubclass(KnowledgeError, Exception)
    assert MAX_QUESTIONS == 8
    a = assess(ev(["shaking", "after_exercise"]), kb)
    assert isinstance(a, Assessment)
    top = a.causes[0]
    assert (top.id, top.name) == ("exercise_fatigue", kb.causes["exercise_fatigue"].name)
    assert isinstance(top.because, list) and isinstance(top.against, list)
    assert isinstance(a.can_conclude, bool) and isinstance(a.emergency, bool)
    assert advice_for(a) is a.advice and a.advice.doctor_summary
    q = next_question(ev(["shaking"]), asked=(), kb=kb)
    assert isinstance(q, Question) and q.feature_id in kb.features
    feature = kb.features["urge_to_move"]
    assert feature.group and feature.label and feature.question and isinstance(feature.phrases, tuple)
    level = kb.triage_levels["urgent"]
    assert (level.id, level.rank) == ("urgent", 2) and level.title and level.what_to_do


def test_engine_and_knowledge_do_not_import_rasa():
    code = (
        "import sys, bot.engine, bot.knowledge, bot.__main__\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
