"""What the assistant's messages look like on Telegram: buttons as an inline keyboard, and
the assessment as plain text (no parse_mode: nothing to escape, nothing to inject)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional, Sequence

from bot.channels.telegram.callbacks import CallbackCodec

logger = logging.getLogger(__name__)


def inline_keyboard(buttons: Sequence[Mapping[str, Any]], codec: CallbackCodec) -> Optional[Dict[str, Any]]:
    """Rasa buttons -> an InlineKeyboardMarkup: short answers on one row, longer ones stacked."""
    keys = []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        if button.get("url"):
            keys.append({"text": title, "url": str(button["url"])})
            continue
        payload = str(button.get("payload") or title)
        keys.append({"text": title, "callback_data": codec.encode(payload)})
    if not keys:
        return None
    one_row = len(keys) <= 3 and sum(len(k["text"]) for k in keys) <= 30
    rows = [keys] if one_row else [[k] for k in keys]
    return {"inline_keyboard": rows}


def _knowledge():
    try:
        from bot.knowledge import load_knowledge

        return load_knowledge()
    except Exception:  # pragma: no cover - render with ids rather than fail
        logger.warning("knowledge base unavailable, rendering the assessment with ids")
        return None


def _humanize(identifier: str) -> str:
    text = str(identifier).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _fit_words(likelihood: Any) -> str:
    try:
        value = float(likelihood)
    except (TypeError, ValueError):
        return ""
    if value >= 0.7:
        return "fits well"
    if value >= 0.4:
        return "fits in part"
    return "fits weakly"


def render_assessment(assessment: Mapping[str, Any], kb: Any = None) -> str:
    """The DESIGN.md assessment payload as readable plain text, the route first.

    Uses the knowledge base for titles and labels when it can, the ids otherwise; a payload
    with missing or odd fields still renders (whatever is there), never raises.
    """
    kb = _knowledge() if kb is None else kb
    levels = getattr(kb, "triage_levels", {}) or {}
    causes_kb = getattr(kb, "causes", {}) or {}
    features_kb = getattr(kb, "features", {}) or {}
    flags_kb = getattr(kb, "red_flags", {}) or {}

    def label(feature: Any) -> str:
        item = features_kb.get(feature) if isinstance(feature, str) else None
        return item.label if item is not None else _humanize(feature).lower()

    parts: List[str] = []
    triage = assessment.get("triage")
    level = levels.get(triage) if isinstance(triage, str) else None
    if level is not None:
        parts.append(f"Suggested route: {level.title}\n{level.what_to_do}")
    else:
        parts.append(f"Suggested route: {_humanize(triage) if triage else 'not decided'}")

    flags = [f for f in assessment.get("red_flags") or [] if isinstance(f, (dict, str))]
    if flags:
        names = []
        for flag in flags:
            flag_id = flag.get("id") if isinstance(flag, dict) else flag
            known = flags_kb.get(flag_id) if isinstance(flag_id, str) else None
            names.append(known.name if known is not None else _humanize(flag_id or "warning sign"))
        parts.append("Warning signs:\n" + "\n".join(f"• {n}" for n in names))

    lines = []
    for cause in assessment.get("causes") or []:
        if not isinstance(cause, dict) or not cause.get("id"):
            continue
        known = causes_kb.get(cause["id"]) if isinstance(cause["id"], str) else None
        name = known.name if known is not None else _humanize(cause["id"])
        fit = _fit_words(cause.get("likelihood"))
        line = f"• {name}" + (f": {fit}" if fit else "")
        because = [label(f) for f in cause.get("because") or []]
        if because:
            line += f"\n  because: {'; '.join(because)}"
        against = [label(f) for f in cause.get("against") or []]
        if against:
            line += f"\n  against it: {'; '.join(against)}"
        lines.append(line)
    if lines:
        parts.append("Most consistent with:\n" + "\n".join(lines))
    else:
        parts.append("No single cause stands out from what you described.")

    evidence = assessment.get("evidence")
    if isinstance(evidence, dict):
        present = [label(f) for f in evidence.get("present") or []]
        absent = [label(f) for f in evidence.get("absent") or []]
        told = []
        if present and not lines:  # with causes listed, their "because" lines already say it
            told.append("You told me about: " + "; ".join(present) + ".")
        if absent:
            told.append("You said you do not have: " + "; ".join(absent) + ".")
        if told:
            parts.append("\n".join(told))

    parts.append("This is not a diagnosis: only a doctor who examines you can say what it is.")
    return "\n\n".join(parts)
