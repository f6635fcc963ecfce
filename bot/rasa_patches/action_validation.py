"""A performance fix to Rasa 3.6 itself (installed by ``bot.rasa_patches.install()``). Behaviour
is unchanged.

``RemoteAction._validate_action_result``: after every custom action, Rasa validates the action
server's response with ``jsonschema.validate(result, spec)``, and ``jsonschema.validate`` first
re-checks the (constant) schema against the JSON Schema meta-schema, every call. Profiled on the
Rasa server under load (py-spy, docs/performance.md) that meta-schema check was about a third of
the server's CPU per turn of ours (every interview turn runs ``action_triage_turn``): tens of ms.
The replacement checks the schema once, keeps the validator, and validates each response the way
``jsonschema.validate`` does (same validator class, ``best_match`` error, same message).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Dict

logger = logging.getLogger(__name__)

_MARK = "_leg_triage_cached_validator"


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    return cls(schema)


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        error = best_match(_action_response_validator().iter_errors(result))
        if error is not None:
            raise error
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> bool:
    """Patch Rasa once per process; True if the patch is (now) in place."""
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # pragma: no cover - Rasa is always installed with these components
        return False
    current = getattr(RemoteAction, "_validate_action_result", None)
    if current is None:  # a Rasa version without this method: nothing to speed up
        return False
    if getattr(current, _MARK, False):
        return True
    from bot.rasa_patches import remember

    remember("rasa.core.actions.action", "RemoteAction._validate_action_result", current)
    setattr(_validate_action_result, _MARK, True)
    RemoteAction._validate_action_result = _validate_action_result
    logger.debug("RemoteAction._validate_action_result: schema checked once, validator cached")
    return True
