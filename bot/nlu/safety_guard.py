"""Rasa 3.6 graph component: thoughts of suicide or self-harm reach the crisis response.

Runs last in the NLU pipeline. When bot.safety.detect() reads a message as a crisis (in any
words: direct, indirect, misspelt, inside a long post, about someone else), the intent becomes
``crisis`` with confidence 1.0, whatever the classifier thought ("...don't want to be here..."
must never be read as "delete my data"). When the classifier alone says ``crisis`` but the
detector does not (a figure of speech, a denial), the classifier's next intent is used instead.
The message gets a ``safety`` attribute {"level": ...} in the parse output; the words that
matched are never logged.

    - name: bot.nlu.safety_guard.SafetyGuard
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import ConfiguredOnly, MessageByMessage
from bot.safety import CRISIS, detect, warm_up

CRISIS_INTENT = "crisis"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyGuard(MessageByMessage, ConfiguredOnly, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": CRISIS_INTENT}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._intent = {**self.get_default_config(), **(config or {})}["intent"]
        warm_up()  # the learned layer is trained at model load, not on the first message


    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or text.startswith("/"):
            return  # button payloads are not disclosures
        reading = detect(text)
        message.set("safety", {"level": reading.level}, add_to_output=True)
        intent = message.get(INTENT) or {}
        ranking = [r for r in (message.get(INTENT_RANKING_KEY) or []) if isinstance(r, dict)]
        if reading.level == CRISIS:
            new_intent = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            rest = [r for r in ranking if r.get(INTENT_NAME_KEY) != self._intent]
            message.set(INTENT, new_intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(new_intent)] + rest, add_to_output=True)
        elif isinstance(intent, dict) and intent.get(INTENT_NAME_KEY) == self._intent:
            rest = [r for r in ranking if r.get(INTENT_NAME_KEY) != self._intent]
            if rest:
                message.set(INTENT, dict(rest[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, rest, add_to_output=True)
