"""The cached action-response validator (bot/rasa_patches/action_validation.py) gives the same verdict and the
same error as what Rasa 3.6 does for every custom action: jsonschema.validate(result, spec)."""
import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_patches import action_validation

VALID = {"events": [{"event": "slot", "name": "evidence", "value": {"cramp": "present"}}],
         "responses": [{"text": "Is it painful?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]}
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": 42}]},
    {"responses": "hello"},
    {"events": [{"no_event_key": True}]},
    {"responses": [{"text": 3}], "events": []},
]


def reference(result):
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return ("ok", None)
    except ValidationError as error:
        return ("error", error.message)


def patched(result):
    try:
        assert action_validation._validate_action_result(RemoteAction, result) is True
        return ("ok", None)
    except ValidationError as error:
        return ("error", error.message.split(". Failed to validate Action server response")[0])


def test_install_patches_remote_action_once():
    assert action_validation.install()
    assert RemoteAction._validate_action_result is action_validation._validate_action_result
    assert action_validation.install()  # idempotent


@pytest.mark.parametrize("result", [VALID] + INVALID)
def test_same_verdict_and_error_as_jsonschema_validate(result):
    assert patched(result) == reference(result)


def test_errors_still_point_to_the_docs():
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_validation._validate_action_result(RemoteAction, INVALID[0])
