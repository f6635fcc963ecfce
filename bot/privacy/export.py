"""What a conversation holds about the person, for "send me my data" and for "delete my data".

Built from the tracker the action server receives (its events and slots): only this conversation,
never anything of another sender. Events are Rasa's event dicts (``{"event": "user", ...}``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional

from bot.knowledge import KnowledgeBase
from bot.texts import say

EXPORT_VERSION = 1


@dataclass
class Holdings:
    """The person's messages (time, text), the recorded evidence and the last assessment."""

    messages: List[Dict[str, str]] = field(default_factory=list)
    evidence: Dict[str, str] = field(default_factory=dict)
    assessment: Optional[Dict[str, Any]] = None


def when(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError, OverflowError, OSError):
        return "unknown time"


def holdings(events: Iterable[Mapping[str, Any]], slots: Mapping[str, Any]) -> Holdings:
    messages = [{"time": when(event.get("timestamp")), "text": str(event.get("text") or "")}
                for event in events if event.get("event") == "user" and event.get("text")]
    evidence = slots.get("evidence")
    assessment = slots.get("assessment")
    return Holdings(messages,
                    {str(k): str(v) for k, v in evidence.items()} if isinstance(evidence, dict) else {},
                    assessment.get("assessment") if isinstance(assessment, dict) else None)


def _labels(feature_ids: List[str], kb: KnowledgeBase) -> str:
    return ", ".join(kb.features[f].label if f in kb.features else f for f in feature_ids)


def readable(held: Holdings, stored: bool, retention_days: int, kb: KnowledgeBase) -> str:
    lines = [say("privacy.export_heading_stored", days=retention_days) if stored
             else say("privacy.export_heading_not_stored"), ""]
    if held.messages:
        lines.append(say("privacy.export_messages"))
        lines += [f"• {m['time']}: {m['text']}" for m in held.messages]
    else:
        lines.append(say("privacy.export_no_messages"))
    lines.append("")
    by_answer: Dict[str, List[str]] = {}
    for feature_id, answer in held.evidence.items():
        by_answer.setdefault(answer, []).append(feature_id)
    if by_answer:
        lines.append(say("privacy.export_evidence"))
        for answer in ("present", "absent", "unknown"):
            if by_answer.get(answer):
                lines.append("• " + say(f"privacy.export_{answer}", labels=_labels(by_answer[answer], kb)))
    else:
        lines.append(say("privacy.export_no_evidence"))
    lines.append("")
    if held.assessment:
        level_id = str(held.assessment.get("triage", ""))
        level = kb.triage_levels[level_id].title if level_id in kb.triage_levels else level_id
        causes = [kb.causes[c["id"]].name if c.get("id") in kb.causes else str(c.get("id"))
                  for c in held.assessment.get("causes") or [] if isinstance(c, dict)][:3]
        lines.append(say("privacy.export_assessment", level=level, causes=", ".join(causes) or "-"))
    else:
        lines.append(say("privacy.export_no_assessment"))
    return "\n".join(lines)


def as_json(conversation_id: str, held: Holdings, storage: str, retention_days: int) -> Dict[str, Any]:
    return {"export": {
        "version": EXPORT_VERSION,
        "conversation_id": conversation_id,
        "exported_at": datetime.now(tz=timezone.utc).isoformat(timespec="seconds"),
        "storage": storage,
        "retention_days": retention_days,
        "messages": held.messages,
        "evidence": held.evidence,
        "assessment": held.assessment,
    }}


def erased_what(held: Holdings) -> str:
    """"your 4 message(s), the 3 symptom answer(s) I recorded and the assessment"."""
    parts = [say("privacy.erased_messages", count=len(held.messages))]
    if held.evidence:
        parts.append(say("privacy.erased_evidence", count=len(held.evidence)))
    if held.assessment:
        parts.append(say("privacy.erased_assessment"))
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
