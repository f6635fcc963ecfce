"""Rasa 3.6 graph component: make sure symptom evidence reaches triage.

The intent classifier decides what kind of message this is; the guard corrects
it when the message carries evidence that the dialogue would otherwise drop.
It runs after the intent classifier and the FallbackClassifier::

    - name: FallbackClassifier
    - name: bot.nlu.evidence_intent_guard.EvidenceIntentGuard
      # all keys optional (defaults shown):
      target_intent: describe_symptoms
      evidence_intents: [describe_symptoms, affirm, deny, unsure, correct]
      rescue_intents: [nlu_fallback, greet]
      red_flag_features: null     # null = load_knowledge().red_flag_features()
      feature_entity: feature
      extract_if_missing: true    # run the extractor if no SymptomExtractor ran before
      knowledge_dir: null

The rule (first match wins; otherwise the message is left alone):

1. Red flag: a feature entity with role ``present`` is one of the red-flag
   features (every feature used by an emergency-level red flag in
   bot/knowledge/red_flags.yml) and the predicted intent is not one of
   ``evidence_intents`` -> the intent becomes ``target_intent``. So "thanks,
   but now my face is drooping" (classified ``thank``) still reaches triage.
2. Rescue: the predicted intent is one of ``rescue_intents`` (or there is no
   intent at all) and the message has any feature entity, present or absent
   -> the intent becomes ``target_intent``. So "hi, my legs jump at night"
   (``greet``) or a misspelled description the classifier could not place
   (``nlu_fallback``) is still read as a description.

When the intent is changed it gets confidence 1.0 and is put first in
``intent_ranking`` (the classifier's ranking stays below it), and the message
gets an ``evidence_guard`` attribute (also in the parse output)::

    {"rule": "red_flag" | "rescue", "original_intent": {...}, "features": [...]}

Messages that are empty, whitespace, emoji-only, very long or in another
language pass through unchanged unless they carry such entities.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Text

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_patches
from bot.nlu.components import ConfiguredOnly, MessageByMessage

rasa_patches.install()  # usually done already by bot/rasa_cli.py; here for Rasa started otherwise

logger = logging.getLogger(__name__)

GUARD_ATTRIBUTE = "evidence_guard"
RULE_RED_FLAG = "red_flag"
RULE_RESCUE = "rescue"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EvidenceIntentGuard(MessageByMessage, ConfiguredOnly, GraphComponent):
    """Overrides the intent when a message carries evidence (see module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "target_intent": "describe_symptoms",
            "evidence_intents": ["describe_symptoms", "affirm", "deny", "unsure", "correct"],
            "rescue_intents": ["nlu_fallback", "greet"],
            # out_of_scope is rescued only when the message names a part of the leg ("my calf is
            # really sore"), since symptom words alone also fit other body parts ("my head hurts")
            "leg_rescue_intents": ["out_of_scope"],
            "leg_words": ["leg", "legs", "calf", "calves", "thigh", "thighs", "shin", "shins", "knee", "knees",
                          "ankle", "ankles", "foot", "feet", "toe", "toes", "hamstring", "hamstrings", "hip", "hips"],
            "red_flag_features": None,
            "feature_entity": "feature",
            "extract_if_missing": True,
            "knowledge_dir": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**self.get_default_config(), **(config or {})}
        self._red_flags: Optional[FrozenSet[str]] = None
        self._symptoms: Optional[Any] = None  # a SymptomExtractor, made when first needed
        configured = self._config.get("red_flag_features")
        if configured is not None:
            self._red_flags = frozenset(str(f) for f in configured)

    @property
    def red_flag_features(self) -> FrozenSet[str]:
        if self._red_flags is None:
            from bot.nlu.extraction import red_flag_features

            self._red_flags = red_flag_features(self._config.get("knowledge_dir"))
        return self._red_flags

    # ------------------------------------------------------------------ helpers
    def _feature_entities(self, message: Message) -> List[Dict[Text, Any]]:
        name = self._config["feature_entity"]
        entities = [e for e in (message.get(ENTITIES) or []) if e.get(ENTITY_ATTRIBUTE_TYPE) == name]
        if entities or not self._config.get("extract_if_missing"):
            return entities
        if self._symptoms is None:
            from bot.nlu.symptom_extractor import SymptomExtractor

            self._symptoms = SymptomExtractor({"knowledge_dir": self._config.get("knowledge_dir"),
                                               "feature_entity": name})
        return [e for e in self._symptoms.entities_of(message) if e.get(ENTITY_ATTRIBUTE_TYPE) == name]

    def decide(self, intent_name: Optional[str], entities: Iterable[Dict[Text, Any]],
               text: Optional[str] = None) -> Optional[Dict[Text, Any]]:
        """The override for a message with ``intent_name`` and feature ``entities``, or None."""
        entities = list(entities)
        target = self._config["target_intent"]
        if not entities or intent_name == target:
            return None
        present = [e.get(ENTITY_ATTRIBUTE_VALUE) for e in entities if e.get(ENTITY_ATTRIBUTE_ROLE) == "present"]
        flags = sorted({f for f in present if f in self.red_flag_features})
        if flags and intent_name not in set(self._config["evidence_intents"]):
            return {"rule": RULE_RED_FLAG, "features": flags}
        if intent_name is None or intent_name in set(self._config["rescue_intents"]) or (
                intent_name in set(self._config["leg_rescue_intents"]) and self._names_a_leg(text)):
            values = sorted({str(e.get(ENTITY_ATTRIBUTE_VALUE)) for e in entities})
            return {"rule": RULE_RESCUE, "features": values}
        return None

    def _names_a_leg(self, text: Optional[str]) -> bool:
        words = set(re.findall(r"[a-z]+", (text or "").lower()))
        return bool(words & set(self._config["leg_words"]))

    # ------------------------------------------------------------------ graph API

    def _process_one(self, message: Message) -> None:
        intent = message.get(INTENT) or {}
        intent_name = intent.get(INTENT_NAME_KEY) if isinstance(intent, dict) else None
        decision = self.decide(intent_name, self._feature_entities(message), message.get(TEXT))
        if decision is None:
            return
        target = self._config["target_intent"]
        new_intent = {INTENT_NAME_KEY: target, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            r for r in (message.get(INTENT_RANKING_KEY) or [])
            if isinstance(r, dict) and r.get(INTENT_NAME_KEY) != target
        ]
        message.set(INTENT, new_intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(new_intent)] + ranking, add_to_output=True)
        message.set(
            GUARD_ATTRIBUTE,
            {"rule": decision["rule"], "original_intent": dict(intent) if intent else None,
             "features": decision["features"]},
            add_to_output=True,
        )
        logger.debug("evidence guard: %s -> %s (%s)", intent_name, target, decision)
