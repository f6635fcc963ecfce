"""bot/rasa_patches: every patch to Rasa is installed by one call at start-up, whatever channels
are configured, and a Rasa upgrade that changes what we patch fails here, loudly."""
from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest

from bot import rasa_patches
from tests.support.servers import QUIET_ENV, ROOT

#: The signature of what each patch replaces, in Rasa 3.6.21. If one changes, read the new Rasa
#: code and check the patch still does what its module says before updating the line here.
PATCHED_SIGNATURES = {
    "rasa.utils.common:_filter_warnings": "(log_level: Optional[int], warn_only_once: bool = True) -> None",
    "rasa.core.agent:Agent.handle_message":
        "(self, message: 'UserMessage') -> 'Optional[List[Dict[Text, Any]]]'",
    "rasa.core.agent:Agent._create_tracker_store":
        "(store: 'Optional[TrackerStore]', domain: 'Domain') -> 'TrackerStore'",
    "rasa.core.actions.action:RemoteAction.run":
        "(self, output_channel: 'OutputChannel', nlg: 'NaturalLanguageGenerator', "
        "tracker: 'DialogueStateTracker', domain: 'Domain') -> List[rasa.shared.core.events.Event]",
    "rasa.core.actions.action:RemoteAction._validate_action_result":
        "(self, result: Dict[str, Any]) -> bool",
    "rasa.core.processor:MessageProcessor._has_session_expired":
        "(self, tracker: rasa.shared.core.trackers.DialogueStateTracker) -> bool",
    "rasa.core.actions.action:ActionSessionStart.run":
        "(self, output_channel: 'OutputChannel', nlg: 'NaturalLanguageGenerator', "
        "tracker: 'DialogueStateTracker', domain: 'Domain') -> List[rasa.shared.core.events.Event]",
}

#: Rasa code the patches call or rely on without replacing it.
RELIED_ON_SIGNATURES = {
    "rasa.core.tracker_store:FailSafeTrackerStore.__init__":
        "(self, tracker_store: 'TrackerStore', on_tracker_store_error: "
        "'Optional[Callable[[Exception], None]]' = None, "
        "fallback_tracker_store: 'Optional[TrackerStore]' = None) -> 'None'",
    "rasa.core.agent:Agent.is_ready": "(self) -> 'bool'",
    "rasa.core.actions.action:RemoteAction.action_response_format_spec": "() -> Dict[str, Any]",
}


def resolve(key: str):
    import importlib

    module, path = key.split(":")
    obj = importlib.import_module(module)
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def test_rasa_is_the_version_the_patches_were_written_for():
    import rasa

    assert rasa.__version__ == rasa_patches.RASA_VERSION == "3.6.21"


def test_every_patch_is_listed_and_pinned():
    assert {f"{module}:{path}" for module, path in rasa_patches.PATCHED} == set(PATCHED_SIGNATURES)


@pytest.mark.parametrize("key", sorted(PATCHED_SIGNATURES))
def test_what_each_patch_replaces_has_the_pinned_signature(key):
    rasa_patches.install()
    rasa_patches.install()  # idempotent: the originals are still Rasa's
    original = rasa_patches.ORIGINALS[key]
    assert str(inspect.signature(original, follow_wrapped=False)) == PATCHED_SIGNATURES[key]
    assert resolve(key) is not original, f"{key} is not patched"
    assert not getattr(original, "__leg_triage_guard__", False)


@pytest.mark.parametrize("key", sorted(RELIED_ON_SIGNATURES))
def test_what_the_patches_rely_on_has_the_pinned_signature(key):
    assert str(inspect.signature(resolve(key))) == RELIED_ON_SIGNATURES[key]


# Rasa started the project's way (bot/rasa_cli.py) with credentials that have no channel of ours:
# an agent with no model answers the friendly reply instead of silence.
WITHOUT_OUR_CHANNELS = """
import asyncio, sys
from bot import rasa_cli, rasa_patches
sys.argv = ["rasa", "--version"]
try:
    rasa_cli.main()
except SystemExit:
    pass
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from bot.texts import say

async def ask():
    out = CollectingOutputChannel()
    await Agent().handle_message(UserMessage("my legs shake", out, "someone"))
    return out.messages

said = asyncio.run(ask())
assert [m["text"] for m in said] == [say("service.trouble")], said
assert "bot.channels.rest" not in sys.modules
print("installed", rasa_patches.installed())
"""


def test_rasa_cli_installs_the_friendly_replies_without_our_rest_channel():
    done = subprocess.run([sys.executable, "-c", WITHOUT_OUR_CHANNELS], cwd=ROOT,
                          env=dict(os.environ, **QUIET_ENV), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "installed True"


@pytest.mark.parametrize("args, action_server", [
    (["run", "actions", "--actions", "actions", "--port", "5055"], True),
    (["--debug", "run", "actions"], True),
    (["run", "--model", "models", "--credentials", "credentials.yml"], False),
    (["train", "--out", "models"], False),
    (["data", "validate"], False),
])
def test_only_the_action_server_goes_without_the_patches(args, action_server):
    from bot.rasa_cli import is_action_server

    assert is_action_server(args) is action_server
