"""The libraries' start-up noise silenced (every `rasa` command of ours; see bot/rasa_cli.py).

Why not just PYTHONWARNINGS=ignore: Sanic 21.12 (Rasa 3.6's web server) calls
`warnings.filterwarnings("once", category=DeprecationWarning)` when it is imported, which turns
dozens of third-party deprecation warnings back on (pkg_resources, pyparsing, matplotlib, click,
jax...), and Rasa itself turns every UserWarning to "once" when it configures logging
(`rasa.utils.common._filter_warnings`), which revives pyparsing's deprecation warnings (they
subclass UserWarning). So: import Sanic first, silence those categories, and silence them again
right after Rasa sets its own filters. Rasa's own log lines (what the assistant is doing) are
untouched.
"""
from __future__ import annotations

import functools
import os
import warnings
from typing import Any, Callable

from bot.rasa_patches.classifier_quirks import silence_lookup_false_positive

NOISY = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
_MARK = "__leg_triage_quiet__"


def ignore_noisy_categories() -> None:
    for category in NOISY:
        warnings.filterwarnings("ignore", category=category)
    try:
        from pyparsing.warnings import PyparsingWarning
    except ImportError:  # older pyparsing: nothing to silence
        return
    warnings.filterwarnings("ignore", category=PyparsingWarning)


def _then_silence(rasa_filter_warnings: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(rasa_filter_warnings)
    def filter_warnings_then_silence(*args: Any, **kwargs: Any) -> None:
        rasa_filter_warnings(*args, **kwargs)
        ignore_noisy_categories()
        # Rasa's filters come first now: ours must be added again after them to win
        silence_lookup_false_positive()

    setattr(filter_warnings_then_silence, _MARK, True)
    return filter_warnings_then_silence


def silence_library_warnings() -> None:
    """Silences the noisy categories now and after Rasa configures its logging (idempotent)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    import sanic  # noqa: F401  (registers its "once" filter now, so ours below wins)

    ignore_noisy_categories()
    import rasa.utils.common as rasa_common

    if not getattr(rasa_common._filter_warnings, _MARK, False):
        from bot.rasa_patches import remember

        remember("rasa.utils.common", "_filter_warnings", rasa_common._filter_warnings)
        rasa_common._filter_warnings = _then_silence(rasa_common._filter_warnings)
