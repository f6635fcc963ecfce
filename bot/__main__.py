"""Command line access to the engine (no Rasa needed).

    python -m bot assess --present urge_to_move,worse_at_night --absent numbness [--unknown at_rest]
    python -m bot next --present shaking --absent after_exercise --asked after_exercise

``assess`` prints the DESIGN.md assessment payload plus explanations and advice; ``next`` prints
the next question (or null). Unknown feature ids: an error on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from bot.engine import MAX_QUESTIONS, assess, next_question
from bot.knowledge import KnowledgeBase, KnowledgeError, load_knowledge


def _ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Leg-shaking triage engine")
    parser.add_argument("--kb", type=Path, default=None, help="knowledge base directory (default: bot/knowledge)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("assess", "print the assessment as JSON"), ("next", "print the next question as JSON")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--present", type=_ids, default=[], help="comma-separated feature ids the user has")
        p.add_argument("--absent", type=_ids, default=[], help="comma-separated feature ids the user does not have")
        p.add_argument("--unknown", type=_ids, default=[], help="comma-separated feature ids the user is unsure of")
        if name == "next":
            p.add_argument("--asked", type=_ids, default=[], help=f"feature ids already asked (max {MAX_QUESTIONS})")
    return parser


def _evidence(args: argparse.Namespace, kb: KnowledgeBase) -> dict[str, str]:
    evidence: dict[str, str] = {}
    for state in ("present", "absent", "unknown"):
        for fid in getattr(args, state):
            if fid in evidence and evidence[fid] != state:
                raise ValueError(f"feature {fid!r} given as both {evidence[fid]} and {state}")
            evidence[fid] = state
    unknown = [f for f in list(evidence) + list(getattr(args, "asked", [])) if f not in kb.features]
    if unknown:
        raise ValueError(f"unknown feature id(s): {', '.join(unknown)}")
    return evidence


def _assess_output(evidence: dict[str, str], kb: KnowledgeBase) -> dict[str, Any]:
    a = assess(evidence, kb)
    out = a.to_payload()
    advice = a.advice
    shown = {c["id"] for c in out["assessment"]["causes"]}
    out["explanation"] = {
        "can_conclude": a.can_conclude,
        "emergency": a.emergency,
        "leading": a.leading,
        "causes": [
            {
                "id": c.id,
                "name": c.name,
                "likelihood": round(c.likelihood, 3),
                "because": [kb.features[f].label for f in c.because],
                "against": [kb.features[f].label for f in c.against],
            }
            for c in a.causes
            if c.id in shown
        ],
        "red_flags": [
            {"id": h.id, "level": h.level, "name": h.name, "because": h.because, "what_to_do": h.what_to_do}
            for h in a.red_flags
        ],
    }
    out["advice"] = {
        "title": advice.title,
        "what_to_do": advice.what_to_do,
        "red_flag_actions": advice.red_flag_actions,
        "tips": [{"id": t.id, "text": t.text} for t in advice.tips],
        "see_doctor_if": advice.see_doctor_if,
        "doctor_summary": advice.doctor_summary,
    }
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        kb = load_knowledge(args.kb)
        evidence = _evidence(args, kb)
        if args.command == "assess":
            out: dict[str, Any] = _assess_output(evidence, kb)
        else:
            q = next_question(evidence, args.asked, kb)
            out = {"question": None if q is None else {"feature_id": q.feature_id, "text": q.text,
                                                       "score": q.score, "reason": q.reason}}
    except (ValueError, KnowledgeError) as exc:  # KnowledgeError is a ValueError too
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
