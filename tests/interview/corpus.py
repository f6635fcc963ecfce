"""Score the interview's reading of free-text answers (tests/interview/answer_corpus_*.yml).

Each answer goes through bot.interview.take_turn with its question pending, as in a conversation
(the symptom extractor supplies the entities, as the NLU does). Requests (why?, start over...) are
the intent classifier's and the dialogue's job: they are scored through REST in
tests/conversations/test_free_text_interview.py."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import yaml

from bot.interview import turn as interview
from bot.interview.answers import EVIDENCE_OF, NO_ANSWER, UNSURE
from bot.knowledge import load_knowledge
from tests.interview.support import said

HERE = Path(__file__).resolve().parent


def load(name: str) -> List[Dict[str, Any]]:
    with open(HERE / name, encoding="utf-8") as fh:
        items = yaml.safe_load(fh)["answers"]
    for item in items:  # YAML 1.1 reads a bare yes / no as a boolean
        if isinstance(item.get("reading"), bool):
            item["reading"] = "yes" if item["reading"] else "no"
    return items


def read(item: Dict[str, Any]) -> Dict[str, Any]:
    kb = load_knowledge()
    question = item["question"]
    start = {"shaking": "present"} if question != "shaking" else {"jerking_twitching": "present"}
    state = interview.InterviewState(evidence=start, asked=(question,), pending=question)
    outcome = interview.take_turn(state, said(item["text"]), kb)
    reading = outcome.reading if outcome.reading not in (None, NO_ANSWER) else UNSURE
    recorded = outcome.state.evidence.get(question) if question in kb.features else None
    return {"reading": reading, "recorded": recorded, "evidence": outcome.state.evidence, "kind": outcome.kind}


def score(items: List[Dict[str, Any]]) -> Dict[str, Any]:
    kb = load_knowledge()
    rows = [i for i in items if i["reading"] != "request" and (i["question"] in kb.features
                                                                  or i["question"] == interview.MEDICINE_QUESTION)]
    exact = evidence_right = also_total = also_right = 0
    wrong: List[str] = []
    for item in rows:
        got = read(item)
        exact += got["reading"] == item["reading"]
        if item["question"] == interview.MEDICINE_QUESTION:
            ok = got["reading"] == item["reading"] or (item["reading"] == "yes" and not item.get("also"))
        else:
            ok = got["recorded"] == EVIDENCE_OF[item["reading"]] or (
                item["reading"] == "unsure" and got["recorded"] in (None, "unknown"))
        evidence_right += ok
        if not ok:
            wrong.append(f"{item['question']}: {item['text']!r} expected {item['reading']}, read {got['reading']}")
        for feature, status in (item.get("also") or {}).items():
            if feature in kb.features:
                also_total += 1
                also_right += got["evidence"].get(feature) == status
    return {
        "answers": len(rows),
        "exact_reading": exact / len(rows),
        "evidence_accuracy": evidence_right / len(rows),
        "further_evidence_recall": also_right / also_total if also_total else None,
        "wrong": wrong,
    }
