"""The cached action-response validator (bot/nlu/rasa_speedups.py) gives the same verdict and the
same error as what Rasa 3.6 does for every custom action: jsonschema.validate(result, spec)."""
import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.nlu import rasa_speedups

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
        assert rasa_speedups._validate_action_result(RemoteAction, result) is True
        return ("ok", None)
    except ValidationError as error:
        return ("error", error.message.split(". Failed to validate Action server response")[0])


def test_install_patches_remote_action_once():
    assert rasa_speedups.install()
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    assert rasa_speedups.install()  # idempotent


@pytest.mark.parametrize("result", [VALID] + INVALID)
def test_same_verdict_and_error_as_jsonschema_validate(result):
    assert patched(result) == reference(result)


def test_errors_still_point_to_the_docs():
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_speedups._validate_action_result(RemoteAction, INVALID[0])
