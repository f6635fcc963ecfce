"""`python -m bot.rasa_cli ...` is the `rasa` command with our patches to Rasa installed first.

Every `rasa` command of this project is started this way (scripts/env.sh's ``$RASA``), so this
is the one place where ``bot.rasa_patches.install()`` runs at start-up: before Rasa builds its
agent, whatever channels credentials.yml lists. The libraries' start-up noise is silenced too
(bot/rasa_patches/quiet.py). The action server (``run actions``) only gets the silencing: it
runs rasa_sdk, none of the patched Rasa code, and importing that code would cost it seconds.
"""
from __future__ import annotations

import sys
from typing import Sequence

from bot.rasa_patches.quiet import ignore_noisy_categories, silence_library_warnings

__all__ = ["ignore_noisy_categories", "is_action_server", "main", "silence_library_warnings"]


def is_action_server(args: Sequence[str]) -> bool:
    """True for `rasa run actions ...` (options may come before the subcommand's words)."""
    words = [a for a in args if not a.startswith("-")]
    return words[:2] == ["run", "actions"]


def main() -> None:
    silence_library_warnings()
    if not is_action_server(sys.argv[1:]):
        from bot import rasa_patches

        rasa_patches.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
