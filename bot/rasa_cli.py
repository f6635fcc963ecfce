"""`python -m bot.rasa_cli ...` is the `rasa` command with the libraries' start-up noise silenced.

Why not just PYTHONWARNINGS=ignore: Sanic 21.12 (Rasa 3.6's web server) calls
`warnings.filterwarnings("once", category=DeprecationWarning)` when it is imported, which turns
dozens of third-party deprecation warnings back on (pkg_resources, pyparsing, matplotlib, click,
jax...), and Rasa itself turns every UserWarning to "once" when it configures logging, which
revives pyparsing's deprecation warnings (they subclass UserWarning). So: import Sanic first,
silence those categories, and silence them again right after Rasa sets its own filters.
Rasa's own log lines (what the assistant is doing) are untouched.
"""
from __future__ import annotations

import os
import sys
import warnings

NOISY = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def ignore_noisy_categories() -> None:
    for category in NOISY:
        warnings.filterwarnings("ignore", category=category)
    try:
        from pyparsing.warnings import PyparsingWarning
    except ImportError:  # older pyparsing: nothing to silence
        return
    warnings.filterwarnings("ignore", category=PyparsingWarning)


def silence_library_warnings() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    import sanic  # noqa: F401  (registers its "once" filter now, so ours below wins)

    ignore_noisy_categories()
    import rasa.utils.common as rasa_common

    rasa_filter_warnings = rasa_common._filter_warnings

    def filter_warnings_then_silence(*args, **kwargs) -> None:
        rasa_filter_warnings(*args, **kwargs)
        ignore_noisy_categories()

    rasa_common._filter_warnings = filter_warnings_then_silence


def main() -> None:
    silence_library_warnings()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
