"""How one user turn changes what the interview knows. Pure functions, no Rasa import.

Evidence is a dict {feature_id: "present" | "absent" | "unknown"}. A later statement always
overrides an earlier one, so a correction ("actually it IS worse at night") wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"

# How a short answer to a yes/no question reads, by intent.
ANSWER_BY_INTENT = {"affirm": PRESENT, "deny": ABSENT, "unsure": UNKNOWN}


@dataclass(frozen=True)
class TurnUpdate:
    evidence: Dict[str, str]
    mentioned: Dict[str, str]  # what this message said (feature -> status), answers included
    answered_pending: bool     # the pending question got an answer (so it is not pending any more)


def features_in(entities: Iterable[Mapping[str, Any]]) -> Dict[str, str]:
    """Feature statuses carried by the extractor's entities (the last mention of a feature wins)."""
    said: Dict[str, str] = {}
    for entity in entities:
        if entity.get("entity") != "feature" or not entity.get("value"):
            continue
        said[str(entity["value"])] = ABSENT if entity.get("role") == "absent" else PRESENT
    return said


def apply_turn(
    evidence: Optional[Mapping[str, str]],
    entities: Iterable[Mapping[str, Any]],
    intent: Optional[str],
    pending_question: Optional[str],
    known_features: Optional[Iterable[str]] = None,
    excludes: Optional[Mapping[str, Iterable[str]]] = None,
) -> TurnUpdate:
    """Merge one user message into the evidence.

    A yes / no / not sure (intent affirm / deny / unsure) answers the pending question unless
    the message itself named that feature (then what it said wins: "no, only the left leg").
    Entity values the knowledge base does not know are dropped rather than trusted.
    A feature said to be present makes the features it excludes absent ("actually it's only my
    left leg" after "both legs"), unless the same message says otherwise.
    """
    said = features_in(entities)
    if known_features is not None:
        known = set(known_features)
        said = {feature: status for feature, status in said.items() if feature in known}
    answered = False
    if pending_question:
        if pending_question in said:
            answered = True
        elif intent in ANSWER_BY_INTENT:
            said[pending_question] = ANSWER_BY_INTENT[intent]
            answered = True
    implied = {
        other: ABSENT
        for feature, status in said.items() if status == PRESENT
        for other in (excludes or {}).get(feature, ())
        if other not in said
    }
    merged = dict(evidence or {})
    merged.update(implied)
    merged.update(said)
    return TurnUpdate(evidence=merged, mentioned=said, answered_pending=answered)
