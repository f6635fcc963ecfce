"""Figures and a readable report from the simulated consultations."""
from __future__ import annotations

import datetime as _dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from evaluation.patient import Conversation
from evaluation.vignettes import LEVELS

ANCHORS = [
    "Online symptom checkers: correct diagnosis first 34 %, in the top 20 58 %, appropriate triage 57 % "
    "(Semigran et al., BMJ 2015;351:h3480).",
    "Physicians on the same vignettes: correct diagnosis first 72 % (Semigran et al., JAMA Intern Med 2016;176(12):1860-1).",
]


def _rank(level: str) -> int:
    return LEVELS.index(level)


def judge(conversation: Conversation) -> Dict[str, Any]:
    v = conversation.vignette
    a = conversation.assessment
    row: Dict[str, Any] = {"id": v.id, "style": v.style, "file": v.source_file, "gold_triage": list(v.gold_triage),
                           "gold_causes": list(v.gold_causes), "questions": len(conversation.questions),
                           "turns": len(conversation.transcript), "concluded": a is not None}
    if a is None:
        row.update(triage=None, exact=False, accepted=False, under=0, over=0, top1=None, top3=None, causes=[])
        return row
    triage = a.get("triage")
    causes = [c.get("id") for c in a.get("causes") or []]
    row["triage"] = triage
    row["causes"] = causes[:3]
    row["red_flags"] = [f.get("id") for f in a.get("red_flags") or []]
    row["exact"] = triage == v.gold_triage[0]
    row["accepted"] = triage in v.gold_triage
    # under-triage: less urgent than every acceptable level (by how many levels); over: more urgent
    row["under"] = max(0, _rank(triage) - _rank(v.least_urgent_acceptable)) if triage in LEVELS else 0
    row["over"] = max(0, _rank(v.most_urgent_acceptable) - _rank(triage)) if triage in LEVELS else 0
    if v.gold_causes:
        row["top1"] = bool(causes) and causes[0] in v.gold_causes
        row["top3"] = any(c in v.gold_causes for c in causes[:3])
    else:
        row["top1"] = row["top3"] = None
    return row


def _share(rows: List[Dict[str, Any]], key: str) -> Optional[float]:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(sum(bool(x) for x in values) / len(values), 3) if values else None


def summarise(rows: List[Dict[str, Any]]) -> Dict[str, Any]:
    emergencies = [r for r in rows if r["gold_triage"][0] == "emergency"]
    serious = [r for r in rows if min(_rank(t) for t in r["gold_triage"]) <= _rank("urgent")
               and max(_rank(t) for t in r["gold_triage"]) <= _rank("urgent")]
    under = [r for r in rows if r["under"] > 0]
    summary = {
        "vignettes": len(rows),
        "concluded": _share(rows, "concluded"),
        "triage_exact": _share(rows, "exact"),
        "triage_accepted": _share(rows, "accepted"),
        "under_triage": round(len(under) / len(rows), 3) if rows else None,
        "under_triage_by_levels": dict(Counter(r["under"] for r in under)),
        "over_triage": round(sum(r["over"] > 0 for r in rows) / len(rows), 3) if rows else None,
        "emergency_sensitivity": round(sum(r["triage"] == "emergency" for r in emergencies) / len(emergencies), 3)
        if emergencies else None,
        "under_triaged_serious": sorted(r["id"] for r in serious if r["under"] > 0),
        "not_concluded": sorted(r["id"] for r in rows if not r["concluded"]),
        "top1_cause": _share(rows, "top1"),
        "top3_cause": _share(rows, "top3"),
        "questions_mean": round(sum(r["questions"] for r in rows) / len(rows), 2) if rows else None,
        "questions_max": max((r["questions"] for r in rows), default=0),
    }
    by_style: Dict[str, Dict[str, Any]] = {}
    groups: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r["style"]].append(r)
    for style, group in sorted(groups.items()):
        by_style[style] = {"n": len(group), "triage_accepted": _share(group, "accepted"),
                           "under_triage": round(sum(r["under"] > 0 for r in group) / len(group), 3),
                           "top1_cause": _share(group, "top1")}
    summary["by_style"] = by_style
    return summary


def _pct(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def write(conversations: List[Conversation], out_dir: Path) -> Dict[str, Any]:
    rows = [judge(c) for c in conversations]
    summary = summarise(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (out_dir / "eval.json").write_text(json.dumps({"date": stamp, "summary": summary, "vignettes": rows}, indent=2))
    lines = [
        "# Clinical evaluation", "",
        f"{stamp}. {summary['vignettes']} vignettes (tests/clinical/vignettes), each a simulated patient talking to the "
        "assistant through the REST channel, answering its questions in its own words.", "",
        "Published anchors on comparable measures:", *[f"- {a}" for a in ANCHORS], "",
        "| measure | value |", "|---|---|",
        f"| concluded | {_pct(summary['concluded'])} |",
        f"| triage exact (the most appropriate level) | {_pct(summary['triage_exact'])} |",
        f"| triage accepted (any acceptable level) | {_pct(summary['triage_accepted'])} |",
        f"| under-triage (below every acceptable level) | {_pct(summary['under_triage'])} "
        f"(by levels: {summary['under_triage_by_levels']}) |",
        f"| over-triage (above every acceptable level) | {_pct(summary['over_triage'])} |",
        f"| emergency sensitivity | {_pct(summary['emergency_sensitivity'])} |",
        f"| leading cause right, top 1 | {_pct(summary['top1_cause'])} |",
        f"| leading cause right, top 3 | {_pct(summary['top3_cause'])} |",
        f"| questions asked, mean / max | {summary['questions_mean']} / {summary['questions_max']} |",
        "", "## By style", "", "| style | n | triage accepted | under-triage | top-1 cause |", "|---|---|---|---|---|",
    ]
    for style, s in summary["by_style"].items():
        lines.append(f"| {style} | {s['n']} | {_pct(s['triage_accepted'])} | {_pct(s['under_triage'])} | {_pct(s['top1_cause'])} |")
    failures = [(c, r) for c, r in zip(conversations, rows, strict=True) if not r["accepted"] or r["top1"] is False]
    lines += ["", f"## Failures ({len(failures)})", "",
              "Under-triage first, then over-triage, then a wrong leading cause. Each with its transcript.", ""]
    failures.sort(key=lambda cr: (-cr[1]["under"], -cr[1]["over"], cr[1]["id"]))
    for c, r in failures:
        lines += [f"### {r['id']} ({r['style']}, {r['file']})",
                  f"gold {r['gold_triage']} {r['gold_causes'] or ''}; got {r['triage']} {r['causes']}"
                  f"{' UNDER-TRIAGED by ' + str(r['under']) if r['under'] else ''}",
                  f"justification: {c.vignette.justification}", "", "```", c.dump(), "```", ""]
    (out_dir / "eval.md").write_text("\n".join(lines))
    return summary
