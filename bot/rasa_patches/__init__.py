"""Every change we make to Rasa's own code, in one place, installed by one function.

``install()`` is called once at start-up by ``bot/rasa_cli.py`` (how every ``rasa`` command of
this project is started: scripts/env.sh's ``$RASA``), before Rasa builds its agent. It is also
called when our NLU graph components are imported (Rasa imports them before it trains or loads a
model), so a server started some other way (``.venv/bin/rasa run``) still gets them, with one
exception: Rasa builds its agent, and with it the tracker store, just before it loads the model,
so there the tracker store keeps Rasa's silent in-memory fallback. Calling it again does nothing.

The patches (each module says why):

=========================================  ====================================================
``quiet``                                  ``rasa.utils.common._filter_warnings``: the
                                           libraries' deprecation noise stays silenced
``friendly_failures``                      ``Agent.handle_message``,
                                           ``Agent._create_tracker_store``, ``RemoteAction.run``:
                                           "having trouble" instead of silence, input checks
``action_validation``                      ``RemoteAction._validate_action_result``: the action
                                           response schema checked once, not every turn
``classifier_quirks``                      loading the intent classifier no longer mutes the
                                           log; one false training warning silenced
``session_rollover``                       ``MessageProcessor._has_session_expired``,
                                           ``ActionSessionStart.run``: a session holds at most
                                           20 user turns, slots carried over (long chats stay fast)
=========================================  ====================================================

They are written against Rasa ``RASA_VERSION``; tests/structure/test_rasa_patches.py pins that
version and the signature of everything patched, so an upgrade fails loudly instead of quietly
losing a patch.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Dict

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"

#: What the patches replace or wrap, as (module, attribute path): checked by the tests.
PATCHED = (
    ("rasa.utils.common", "_filter_warnings"),
    ("rasa.core.agent", "Agent.handle_message"),
    ("rasa.core.agent", "Agent._create_tracker_store"),
    ("rasa.core.actions.action", "RemoteAction.run"),
    ("rasa.core.actions.action", "RemoteAction._validate_action_result"),
    ("rasa.core.processor", "MessageProcessor._has_session_expired"),
    ("rasa.core.actions.action", "ActionSessionStart.run"),
)

#: "module:attribute path" -> what Rasa had there before we patched it (for the signature test).
ORIGINALS: Dict[str, Any] = {}

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Installs every patch (once per process; later calls return at once)."""
    global _installed
    with _lock:
        if _installed:
            return
        import rasa

        if rasa.__version__ != RASA_VERSION:
            logger.warning("These patches were written for Rasa %s, this is Rasa %s: check bot/rasa_patches.",
                           RASA_VERSION, rasa.__version__)
        from bot.rasa_patches import action_validation, classifier_quirks, friendly_failures, quiet, session_rollover

        quiet.silence_library_warnings()
        friendly_failures.install()
        action_validation.install()
        classifier_quirks.install()
        session_rollover.install()
        _installed = True


def installed() -> bool:
    return _installed


def remember(module: str, path: str, original: Any) -> None:
    """Keeps what Rasa had at `module:path` before a patch replaces it (first time only)."""
    ORIGINALS.setdefault(f"{module}:{path}", original)
