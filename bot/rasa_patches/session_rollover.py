"""Long conversations stay as fast as short ones (installed by ``bot.rasa_patches.install()``).

Rasa 3.6 loads, replays and featurises the whole current session on every turn, so each turn of a
long conversation costs more than the one before (Rasa issues #11313, #6334; measured here: about
2.5 ms more per turn, 15x slower at turn 300). A session normally ends only after silence
(``session_expiration_time``), which does not bound a conversation that keeps going.

``MessageProcessor._has_session_expired`` also says "expired" once the current session holds
``MAX_SESSION_TURNS`` user messages, and ``ActionSessionStart.run`` then starts the next session
*carrying every slot over* (whatever the domain's carry-over setting, which stays as it is for
sessions that end after silence): the interview, the consent, the assessment and the person's own
words all live in slots, so the person notices nothing. The new ``session_started`` event carries
``metadata: {"continued": true}`` so readers of the event log (the summary) can tell it apart from
a fresh start. The tracker store then loads only the current, short session.
"""
from __future__ import annotations

import functools
from typing import Any, List

from bot.rasa_patches import remember

#: User messages per session before the next one starts (slots carried over). An interview is at
#: most 16 user turns (bot.interview.turn.MAX_TURNS) plus a greeting and follow-ups.
MAX_SESSION_TURNS = 20
CONTINUED = "continued"


def turns_in_current_session(tracker: Any) -> int:
    from rasa.shared.core.events import SessionStarted, UserUttered

    turns = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, UserUttered):
            turns += 1
    return turns


def session_is_full(tracker: Any) -> bool:
    return turns_in_current_session(tracker) >= MAX_SESSION_TURNS


def current_slot_events(tracker: Any) -> List[Any]:
    """One SlotSet per slot that holds a value, its latest. (Rasa's own carry-over copies every
    SlotSet of the session, so each continued session would start longer than the one before.)"""
    from rasa.shared.core.events import SlotSet

    return [SlotSet(name, slot.value) for name, slot in tracker.slots.items()
            if slot.value != slot.initial_value]


def install() -> None:
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor._has_session_expired, "__leg_triage_rollover__", False):
        return
    original_expired = MessageProcessor._has_session_expired
    remember("rasa.core.processor", "MessageProcessor._has_session_expired", original_expired)
    original_run = ActionSessionStart.run
    remember("rasa.core.actions.action", "ActionSessionStart.run", original_run)

    @functools.wraps(original_expired)
    def _has_session_expired(self: Any, tracker: Any) -> bool:
        return original_expired(self, tracker) or session_is_full(tracker)

    @functools.wraps(original_run)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        if not session_is_full(tracker):
            return await original_run(self, output_channel, nlg, tracker, domain)
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted, SessionStarted

        return [SessionStarted(metadata={CONTINUED: True}), *current_slot_events(tracker),
                ActionExecuted(ACTION_LISTEN_NAME)]

    _has_session_expired.__leg_triage_rollover__ = True  # type: ignore[attr-defined]
    MessageProcessor._has_session_expired = _has_session_expired  # type: ignore[method-assign]
    ActionSessionStart.run = run  # type: ignore[method-assign]
