"""`python -m bot` as a user of the command line sees it."""
from __future__ import annotations

import json
import subprocess
import sys

from bot.engine import MAX_QUESTIONS
from tests.engine.support import REPO_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )


def test_assess_prints_the_payload_with_explanations_and_advice():
    result = run("assess", "--present", "urge_to_move,at_rest,relieved_by_movement,worse_at_night", "--absent", "numbness")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    body = out["assessment"]
    assert body["triage"] == "routine" and body["version"] == 1
    assert body["causes"][0]["id"] == "restless_legs_syndrome"
    assert body["evidence"]["absent"] == ["numbness"]
    assert out["explanation"]["causes"][0]["because"]  # labels in plain words
    assert out["advice"]["tips"] and out["advice"]["doctor_summary"]
    assert result.stdout.startswith("{\n  ")  # indented


def test_assess_emergency():
    out = json.loads(run("assess", "--present", "calf_swelling,chest_pain").stdout)
    assert out["assessment"]["triage"] == "emergency"
    # chest pain is an emergency on its own (NICE CG95), as well as with a swollen calf
    assert out["assessment"]["red_flags"] == [{"id": "chest_pain", "level": "emergency"},
                                              {"id": "clot_with_chest_symptoms", "level": "emergency"},
                                              {"id": "possible_clot", "level": "urgent"}]
    assert out["explanation"]["emergency"] is True


def test_unknown_feature_is_a_clear_error_with_exit_code_2():
    result = run("assess", "--present", "shaking,wobbly_knees")
    assert result.returncode == 2
    assert "wobbly_knees" in result.stderr and result.stdout == ""


def test_next_prints_a_question():
    result = run("next", "--present", "urge_to_move,at_rest")
    assert result.returncode == 0, result.stderr
    q = json.loads(result.stdout)["question"]
    assert q["feature_id"] and q["text"].endswith("?")


def test_next_respects_asked_and_the_budget():
    first = json.loads(run("next", "--present", "shaking").stdout)["question"]["feature_id"]
    second = json.loads(run("next", "--present", "shaking", "--asked", first).stdout)["question"]
    assert second is None or second["feature_id"] != first
    asked = ",".join(["after_exercise", "stress_anxiety", "caffeine_intake", "hands_affected", "at_rest",
                      "during_posture", "new_medication", "skipped_meals"][:MAX_QUESTIONS])
    out = json.loads(run("next", "--present", "shaking", "--asked", asked).stdout)
    assert out == {"question": None}


def test_next_rejects_unknown_asked_ids():
    result = run("next", "--present", "shaking", "--asked", "nope")
    assert result.returncode == 2 and "nope" in result.stderr
