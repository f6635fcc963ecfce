"""The words of the interview: what the assistant says at each step. No Rasa import.

Each function returns a list of message dicts for `dispatcher.utter_message(**message)`
(keys: text, buttons, json_message), so any channel can render them. Medical content comes
from the knowledge base; this module only puts it into sentences. Rules kept here:
never a diagnosis ("most consistent with", not "you have"), always why, always a
"see a doctor if" line, and the emergency route first and alone.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from bot.knowledge import KnowledgeBase
from bot.presentation import bullets, conclusion_message, follow_up_buttons, join_words, labels, named_causes
from bot.texts import say

Message = Dict[str, Any]

MAX_TIPS = 5

ANSWER_BUTTONS = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Not sure", "payload": "/unsure"},
]
FOLLOW_UP_BUTTONS = follow_up_buttons()
NOT_A_DIAGNOSIS = say("common.not_a_diagnosis")


def newly_raised_flags(assessment: Any, mentioned: Mapping[str, str], level: str) -> List[Any]:
    said = {f for f, status in mentioned.items() if status == "present"}
    return [flag for flag in assessment.red_flags if flag.level == level and said & set(flag.because)]


# --- the interview ---------------------------------------------------------------------------

def question(next_q: Any, assessment: Any, mentioned: Mapping[str, str], kb: KnowledgeBase) -> List[Message]:
    messages: List[Message] = []
    for flag in newly_raised_flags(assessment, mentioned, "urgent"):
        # Urgent signs raise the route at once, but the interview goes on politely.
        messages.append({"text": f"That matters: {flag.name.lower()} should be checked by a doctor today. "
                                 f"{flag.what_to_do} I'll ask a couple more questions so you have the full picture."})
    messages.append({"text": next_q.text, "buttons": ANSWER_BUTTONS})
    return messages


def emergency(assessment: Any, kb: KnowledgeBase, inferred: Optional[Mapping[str, str]] = None) -> List[Message]:
    """What to do now, first and alone: one message (bot.presentation), no causes beside it."""
    return [conclusion_message(assessment, kb, inferred)]


def conclusion(assessment: Any, kb: KnowledgeBase, inferred: Optional[Mapping[str, str]] = None) -> List[Message]:
    """One message built for a phone: the card (route, why, what to do now, see a doctor if) as
    text, its one-tap follow-ups, and the assessment payload with the card (docs/presentation.md)."""
    return [conclusion_message(assessment, kb, inferred)]


def invite_description() -> List[Message]:
    return [{"text": "Tell me in your own words what your legs are doing, when it happens, "
                     "and anything that seems to set it off."}]


def after_conclusion_prompt() -> List[Message]:
    return [{"text": "Is there anything you'd like to add or ask? If something has changed, just tell me.",
             "buttons": FOLLOW_UP_BUTTONS}]


# --- follow-up questions -----------------------------------------------------------------------

def because_text(assessment: Any, kb: KnowledgeBase) -> str:
    top = assessment.causes[0]
    told = "; ".join(labels(top.because, kb)) or "very little so far"
    text = f"Why {top.name.lower()}? Because of what you told me: {told}."
    if top.against:
        text += f" What speaks against it: {'; '.join(labels(top.against, kb))}."
    return text


def why(assessment: Optional[Any], kb: KnowledgeBase) -> List[Message]:
    if assessment is None or not assessment.causes:
        return [{"text": "I haven't drawn any conclusion yet. Tell me what your legs are doing and I'll explain my reasoning."}]
    lines = [because_text(assessment, kb)]
    for other in named_causes(assessment)[1:]:
        told = "; ".join(labels(other.because, kb)) or "little that points to it"
        lines.append(f"{other.name} could also fit, because of: {told}.")
    level = kb.triage_levels[assessment.triage]
    flags = [f.name.lower() for f in assessment.red_flags]
    reason = f" because of {join_words(flags)}" if flags else ""
    lines.append(f"I suggested \"{level.title.lower()}\"{reason}. {NOT_A_DIAGNOSIS}")
    return [{"text": "\n\n".join(lines)}]


def what_is(cause_id: Optional[str], kb: KnowledgeBase) -> List[Message]:
    if cause_id is None or cause_id not in kb.causes:
        known = join_words([c.name.lower() for c in kb.causes.values()], "or")
        return [{"text": f"Which condition would you like to know about? I can explain {known}."}]
    cause = kb.causes[cause_id]
    return [{"text": f"{cause.name}: {cause.summary}\n\nSee a doctor if:\n{bullets(cause.see_doctor_if)}"}]


def self_care(assessment: Optional[Any], kb: KnowledgeBase) -> List[Message]:
    if assessment is None:
        return [{"text": "Tips depend on what is going on. Tell me what your legs are doing first, and I'll suggest what may help."}]
    if assessment.emergency:
        return emergency(assessment, kb)
    tips = tips_for(assessment, kb)
    text = ("What you can try:\n" + bullets(tips)) if tips else "I don't have specific tips for this; a doctor can advise you."
    text += "\n\nSee a doctor if:\n" + bullets(see_doctor_if(assessment, kb))
    return [{"text": text}]


def doctor_summary(assessment: Optional[Any], kb: KnowledgeBase) -> List[Message]:
    if assessment is None:
        return [{"text": "Tell me what your legs are doing first; then I can put together a short summary for your doctor."}]
    return [{"text": "Here is a short summary you can show your doctor:\n" + summary_text(assessment, kb)}]


# --- building blocks: the engine's advice, put into sentences ----------------------------------

def tips_for(assessment: Any, kb: KnowledgeBase) -> List[str]:
    return [tip.text for tip in assessment.advice.tips][:MAX_TIPS]


def see_doctor_if(assessment: Any, kb: KnowledgeBase) -> List[str]:
    return list(assessment.advice.see_doctor_if)


def summary_text(assessment: Any, kb: KnowledgeBase) -> str:
    return bullets(assessment.advice.doctor_summary.splitlines())


# --- the interview's own turns (bot.interview.turn outcomes) ----------------------------------

_INVITES = [
    "Tell me in your own words what your legs are doing, when it happens, and anything that seems to set it off.",
    "I'd like to understand what is going on. For example: do your legs shake, twitch, cramp, or feel "
    "like they have to move? Is it worse at night, or after exercise?",
    "I can help best with a description of the leg symptoms themselves. You can pick one below or "
    "write a sentence such as \"my calves cramp at night\".",
]
EXAMPLE_BUTTONS = [
    {"title": "They shake or tremble", "payload": "my legs shake"},
    {"title": "An urge to move at night", "payload": "I get an urge to move my legs at night"},
    {"title": "Painful cramps", "payload": "I get painful leg cramps"},
    {"title": "Twitching", "payload": "my leg muscles twitch"},
]


def invite(variant: int = 0) -> List[Message]:
    text = _INVITES[min(variant, len(_INVITES) - 1)]
    if variant >= len(_INVITES) - 1:
        return [{"text": text, "buttons": EXAMPLE_BUTTONS}]
    return [{"text": text}]


def rephrase_question(next_q: Any) -> List[Message]:
    return [{"text": f"Sorry, I didn't catch how that answers my question. {next_q.text} "
                     "Yes, no or not sure is fine, or a few words of your own.",
             "buttons": ANSWER_BUTTONS}]


def resumed_question(next_q: Any) -> List[Message]:
    return [{"text": f"OK, let's carry on. {next_q.text}", "buttons": ANSWER_BUTTONS}]


def medicine_question(text: str) -> List[Message]:
    return [{"text": text, "buttons": [{"title": "Not sure", "payload": "/unsure"}]}]


def after_conclusion(variant: int = 0) -> List[Message]:
    if variant == 0:
        return after_conclusion_prompt()
    return [{"text": "If anything changes, just tell me what's new and I'll look again. "
                     "Or say \"start over\" for a new check.", "buttons": FOLLOW_UP_BUTTONS}]


def closing(variant: int = 0) -> List[Message]:
    """After the conclusion, "no" / "nothing else" / "ok": a kind close the first time, then short
    replies that alternate, so saying it again never gets the same words or another question."""
    texts = [
        "All right. Take care of yourself, and see a doctor if it gets worse or something new appears. "
        "I'm here if you want to tell me more.",
        "I'm here whenever you need me. Say \"start over\" to begin a new check.",
        "Take care. If anything changes, just tell me.",
    ]
    index = 0 if variant <= 0 else 1 + (variant - 1) % 2
    return [{"text": texts[index]}]


def confirm_start_over() -> List[Message]:
    return [{"text": "Start a new check? What you've told me so far will be set aside.",
             "buttons": [{"title": "Yes, start over", "payload": "/affirm"},
                         {"title": "No, carry on", "payload": "/deny"}]}]


def started_over() -> List[Message]:
    return [{"text": "OK, let's start again. Everything you told me before is set aside."}] + invite(0)


def why_asking(feature_label: str, urgent_sign: bool, likely: Sequence[str], next_q: Any) -> List[Message]:
    if urgent_sign:
        reason = (f"I ask about {feature_label} because together with what you've described it can be a "
                  "warning sign that needs a doctor quickly, and I don't want to miss it.")
    elif likely:
        reason = (f"I ask about {feature_label} because it helps tell apart the explanations that fit "
                  f"what you've described so far ({join_words([n.lower() for n in likely], 'and')}).")
    else:
        reason = f"I ask about {feature_label} because it helps narrow down what may be going on."
    return [{"text": reason}, {"text": next_q.text, "buttons": ANSWER_BUTTONS}]


def meaning_of(feature_label: str, meaning: Optional[str], next_q: Any) -> List[Message]:
    text = meaning or f"I mean {feature_label}."
    return [{"text": text}, {"text": next_q.text, "buttons": ANSWER_BUTTONS}]


# --- the person behind the symptoms (bot.safety) -----------------------------------------------
# Safe-messaging guidance (crisis.yml sources): speak plainly and calmly, no method detail, a line
# to call now, do not stay alone, say that help works, leave the door open.

RESUME_BUTTON = {"title": "Back to my legs", "payload": "/resume"}


def crisis(lines: Any, about_someone_else: bool) -> List[Message]:
    if about_someone_else:
        text = (
            "Thank you for telling me. What you describe is serious, and you are right to act on it.\n\n"
            f"• If they might act on these thoughts now, or have already harmed themselves, call {lines.emergency} "
            "now, or take them to the nearest emergency department.\n"
            f"• You can both talk to someone right now, any time: {lines.crisis}.\n"
            "• Stay with them if you can, ask them directly how they are feeling, and keep medicines and "
            "anything they could use to harm themselves out of reach.\n\n"
            "I've paused the questions about legs. When you're ready, we can go back to them."
        )
    else:
        text = (
            "I'm really sorry you're feeling like this. Thank you for telling me; you don't have to face "
            "it on your own.\n\n"
            f"• If you might act on these thoughts, or you are in danger right now, call {lines.emergency} "
            "now, or go to the nearest emergency department.\n"
            f"• You can talk to someone right now, any time of day or night: {lines.crisis}.\n"
            "• If you can, don't stay alone: ask someone you trust to be with you, and keep away from anything "
            "you could use to harm yourself, medicines included.\n\n"
            "Feelings like these can get better with the right help, and a doctor can help with them as well as "
            "with your legs. I've paused the questions; when you're ready, we can go back to them."
        )
    return [{"text": text, "buttons": [RESUME_BUTTON]}]


def crisis_payload(lines: Any, evidence: Mapping[str, str]) -> Message:
    """The DESIGN.md assessment payload for a crisis: emergency level, the crisis red flag, the lines."""
    return {"json_message": {"assessment": {
        "triage": "emergency",
        "causes": [],
        "red_flags": [{"id": "self_harm_risk", "level": "emergency"}],
        "evidence": {"present": [f for f, v in evidence.items() if v == "present"],
                     "absent": [f for f, v in evidence.items() if v == "absent"]},
        "crisis": lines.as_payload(),
        "version": 1,
    }}}


def gentle_check(lines: Any) -> Message:
    return {"text": "Thank you for saying how you feel. If things ever feel too much, or thoughts of harming "
                    f"yourself come, you can talk to someone any time: {lines.crisis}. In an emergency, call "
                    f"{lines.emergency}."}


def distress_support() -> Message:
    # seeds 002 and 003: sleep loss and anxiety feed the symptoms and each other; CBT for insomnia,
    # support groups and talking to a professional help.
    return {"text": "That sounds exhausting, and it's understandable to feel worn down or worried. Poor sleep "
                    "and anxiety can make leg symptoms worse, and the symptoms feed the worry, so help with one "
                    "often eases the other. Besides what I suggest for your legs, a doctor can offer help for "
                    "sleep (such as CBT for insomnia), support groups, or someone to talk to."}


def crisis_line_reminder(lines: Any) -> str:
    return f"(Support is there any time: {lines.crisis}.)"


def doctor_options(cause_id: Optional[str], kb: KnowledgeBase) -> List[Message]:
    """"What can a doctor do?": the checks and treatments a doctor may discuss for a cause, as
    questions to bring, never as advice to start or stop anything."""
    cause = kb.causes.get(cause_id) if cause_id else None
    if cause is None or cause.doctor_can is None:
        return [{"text": "A doctor can examine you, ask about your medicines and other conditions, and arrange "
                         "blood tests or other checks if needed. Tell me what your legs are doing and I can say "
                         "more about what to ask for."}]
    can = cause.doctor_can
    text = (f"For {cause.name.lower()}, things a doctor may do:\n\nChecks:\n{bullets(can.checks)}\n\n"
            f"Treatments they may discuss:\n{bullets(can.treatments)}\n\n"
            "Take these as questions to bring to your appointment: don't start, stop or change a medicine "
            "on your own.")
    return [{"text": text}]
