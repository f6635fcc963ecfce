"""Friendly replies instead of silence when something behind the assistant fails, and the input
checks of every channel (what they do and why: bot/resilience.py).

Three Rasa 3.6 internals are wrapped or replaced:

- ``Agent.handle_message``: every channel's messages pass here (input checks; a failing tracker
  store or lock store becomes the "having trouble" reply);
- ``Agent._create_tracker_store``: the FailSafeTrackerStore re-raises instead of silently
  falling back to an empty in-memory conversation. Rasa calls it when it builds the agent, so
  this patch must be in place before the server loads its model (bot/rasa_cli.py does that);
- ``RemoteAction.run``: a failed custom action becomes the "having trouble" reply; calls to the
  action server are bounded and a failed connection is retried once.
"""
from __future__ import annotations

import logging

from bot import resilience
from bot.rasa_patches import remember

logger = logging.getLogger(__name__)

MARK = "__leg_triage_guard__"


def install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent

    if not getattr(Agent.handle_message, MARK, False):
        remember("rasa.core.agent", "Agent.handle_message", Agent.handle_message)
        Agent.handle_message = resilience.guard_handle_message(Agent.handle_message)  # type: ignore[method-assign]
    if not getattr(Agent._create_tracker_store, MARK, False):
        remember("rasa.core.agent", "Agent._create_tracker_store", Agent._create_tracker_store)
        Agent._create_tracker_store = staticmethod(  # type: ignore[method-assign,assignment]
            resilience.create_fail_fast_tracker_store)
    if not getattr(RemoteAction.run, MARK, False):
        remember("rasa.core.actions.action", "RemoteAction.run", RemoteAction.run)
        RemoteAction.run = resilience.guard_remote_action_run(RemoteAction.run)  # type: ignore[method-assign]
    logger.debug("Friendly failure replies and input checks installed.")
