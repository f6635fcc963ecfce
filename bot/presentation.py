"""How an assessment is presented, decided once on the server for every channel (docs/presentation.md).

`card(...)` turns an engine assessment into the card every channel renders: the route and what to
do now first, then why (only what the person said; what was inferred is labelled as such), the
causes with the server's words for how well each fits, the "see a doctor if" lines and the
disclaimer. `card_text(card)` is the same card as plain text, for clients that show only text.
Channels lay the card out; they never choose its words, thresholds or order. No Rasa import.

Safety rules kept here: never a diagnosis ("most consistent with"), always why, always the "see a
doctor if" lines, and on an emergency what to do now comes first and alone (no causes beside it).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from bot.engine import PAYLOAD_MIN
from bot.knowledge import KnowledgeBase
from bot.texts import say

Card = Dict[str, Any]

CARD_VERSION = 1
#: Likelihood from which a cause is named at all, and the bands of the words that describe it.
NAME_FROM_LIKELIHOOD = PAYLOAD_MIN
FITS_WELL_FROM = 0.6
FITS_IN_PART_FROM = 0.35
MAX_CAUSES_NAMED = 3
#: What the person said, in the card (the full list is in the doctor summary).
MAX_SAID_PRESENT = 8
MAX_SAID_ABSENT = 5


def join_words(items: Sequence[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def fit_words(likelihood: float) -> str:
    """How well a cause fits, in words (the only place these bands are decided)."""
    if likelihood >= FITS_WELL_FROM:
        return say("presentation.fits_well")
    if likelihood >= FITS_IN_PART_FROM:
        return say("presentation.fits_in_part")
    return say("presentation.fits_weakly")


def named_causes(assessment: Any) -> List[Any]:
    return [c for c in assessment.causes if c.likelihood >= NAME_FROM_LIKELIHOOD][:MAX_CAUSES_NAMED]


def labels(feature_ids: Iterable[str], kb: KnowledgeBase) -> List[str]:
    return [kb.features[f].label for f in feature_ids if f in kb.features]


def why_lines(assessment: Any, kb: KnowledgeBase, inferred: Mapping[str, str]) -> List[str]:
    """What the conclusion rests on, in sentences: only what the person said (inferred features are
    left out here and listed separately), then the warning signs, then what speaks against."""
    said = {f: v for f, v in assessment.evidence.items() if f not in inferred and f in kb.features}
    present = [f for f, v in said.items() if v == "present"]
    absent = [f for f, v in said.items() if v == "absent"]
    lines: List[str] = []
    if present:
        lines.append(say("presentation.you_said", what=join_words(labels(present[:MAX_SAID_PRESENT], kb))))
    if absent:
        lines.append(say("presentation.you_said_not", what=join_words(labels(absent[:MAX_SAID_ABSENT], kb), "or")))
    for flag in assessment.red_flags:
        lines.append(say("presentation.warning_sign", name=flag.name))
    top = named_causes(assessment)[:1]
    if top and not assessment.emergency:
        against = [f for f in top[0].against if f not in inferred]
        if against:
            lines.append(say("presentation.against", cause=top[0].name.lower(),
                             what=join_words(labels(against, kb), "and")))
    return lines


def inferred_lines(inferred: Mapping[str, str], evidence: Mapping[str, str], kb: KnowledgeBase) -> List[str]:
    """"I took it that ..." for each feature the assistant inferred rather than heard."""
    lines = []
    for feature, because in inferred.items():
        if feature in kb.features and because in kb.features and evidence.get(feature) == "absent":
            lines.append(say("presentation.inferred", what=kb.features[feature].label,
                             because=kb.features[because].label))
    return lines


def headings() -> Dict[str, str]:
    """The section headings, sent with every card so no channel types its own."""
    return {section: say(f"presentation.heading_{section}") for section in ("why", "inferred", "causes", "see_doctor_if")}


def card(assessment: Any, kb: KnowledgeBase, inferred: Optional[Mapping[str, str]] = None) -> Card:
    """The card for a conclusion or an emergency (docs/presentation.md, version 1)."""
    inferred = dict(inferred or {})
    level = kb.triage_levels[assessment.triage]
    base: Card = {"version": CARD_VERSION, "level": level.id, "title": level.title,
                  "headings": headings(), "disclaimer": say("common.not_a_diagnosis")}
    if assessment.emergency:
        flags = [f for f in assessment.red_flags if f.level == "emergency"]
        do_now = flags[0].what_to_do if flags else level.what_to_do
        if "emergency" not in do_now.lower():
            do_now = f"{do_now} {level.what_to_do}"
        base.update({
            "do_now": do_now,
            "headline": say("presentation.emergency_headline",
                            signs=join_words([f.name.lower() for f in flags], "or")),
            "why": why_lines(assessment, kb, inferred),
            "inferred": [],
            "causes": [],
            "see_doctor_if": [],
            "closing": say("presentation.emergency_stop"),
            "more": [],
        })
        return base
    causes = named_causes(assessment)
    if causes:
        headline = say("presentation.headline", cause=causes[0].name.lower())
        if len(causes) > 1:
            also = say("presentation.also_fits", causes=join_words([c.name.lower() for c in causes[1:]], "or"))
            headline += " " + also[:1].upper() + also[1:]
    else:
        headline = say("presentation.no_cause_stands_out")
    more = more_entries(with_tips=bool(assessment.advice.tips))
    base.update({
        "do_now": level.what_to_do,
        "headline": headline,
        "why": why_lines(assessment, kb, inferred),
        "inferred": inferred_lines(inferred, assessment.evidence, kb),
        "causes": [{"id": c.id, "name": c.name, "fit": fit_words(c.likelihood)} for c in causes],
        "see_doctor_if": list(assessment.advice.see_doctor_if),
        "closing": "",
        "more": more,
    })
    return base


def more_entries(with_tips: bool = True) -> List[Dict[str, str]]:
    """What is one tap away from a conclusion: tips, what to tell a doctor, a summary to keep."""
    more = [{"id": "tips", "title": say("presentation.more_tips"), "payload": "/ask_self_care"}] if with_tips else []
    more.append({"id": "doctor", "title": say("presentation.more_doctor"), "payload": "/ask_doctor_summary"})
    more.append({"id": "summary", "title": say("presentation.more_summary"), "payload": "/request_summary"})
    return more


def follow_up_buttons(with_tips: bool = True) -> List[Dict[str, str]]:
    """The follow-ups after a conclusion, as buttons (the same for every channel)."""
    return [{"title": m["title"], "payload": m["payload"]} for m in more_entries(with_tips)] + [
        {"title": say("presentation.button_why"), "payload": "/ask_why"},
        {"title": say("presentation.button_doctor_options"), "payload": "/ask_doctor_options"},
        {"title": say("presentation.button_start_over"), "payload": "/start_over"},
    ]


def buttons(card_: Card) -> List[Dict[str, str]]:
    """The card's buttons: none on an emergency (nothing beside what to do now)."""
    if card_["level"] == "emergency":
        return []
    return follow_up_buttons(with_tips=any(m["id"] == "tips" for m in card_["more"]))


def bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line[0].upper()}{line[1:]}" for line in lines if line)


def card_text(card_: Card) -> str:
    """The card as plain text: the route and what to do now first; on an emergency, nothing else
    but the warning and why. Sections are separated by single line breaks: Rasa's output channels
    split a text at every blank line into separate messages, and this is one message."""
    parts = [f"{'⚠️ ' if card_['level'] == 'emergency' else ''}{card_['title']}. {card_['do_now']}"]
    if card_.get("headline"):
        parts.append(card_["headline"])
    titles = card_["headings"]
    for section in ("why", "inferred", "causes", "see_doctor_if"):
        items = card_.get(section) or []
        if section == "causes":
            items = [f"{c['name']}: {c['fit']}" for c in items]
        if items:
            parts.append(titles[section] + ":\n" + bullets(items))
    if card_.get("closing"):
        parts.append(card_["closing"])
    parts.append(card_["disclaimer"])
    return "\n".join(parts)


def conclusion_message(assessment: Any, kb: KnowledgeBase, inferred: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The conclusion (or emergency) as ONE message: the card as text, its buttons, and the
    assessment payload (DESIGN.md) with the card beside it for channels that render cards."""
    the_card = card(assessment, kb, inferred)
    message: Dict[str, Any] = {"text": card_text(the_card),
                               "json_message": {**assessment.to_payload(), "card": the_card}}
    follow_ups = buttons(the_card)
    if follow_ups:
        message["buttons"] = follow_ups
    return message
