"""Rasa 3.6 graph component: evidence entities from the knowledge base phrases.

Pipeline entry (config.yml)::

    - name: bot.nlu.symptom_extractor.SymptomExtractor
      # all keys optional:
      knowledge_dir: null        # a KB directory other than bot/knowledge
      extract_causes: true       # also add "cause" entities
      feature_entity: feature
      cause_entity: cause

Entity scheme (what it adds to ``message.get("entities")``; entities of other
extractors are kept):

* ``{"entity": "feature", "value": <feature id>, "role": "present"|"absent",
  "start", "end", "extractor": "SymptomExtractor", "confidence_entity": 1.0}``
  one per feature mentioned (duplicates merged, the last mention wins);
* ``{"entity": "cause", "value": <cause id>, ...}`` (no role) for every cause
  named ("what is restless legs syndrome?"); ``"negated": true`` is added when
  the cause was denied ("it's not RLS").

Not trainable: the matchers are built from the knowledge base once per
process (``bot.nlu.extraction.get_extractor``), not per message. Messages
whose text is empty, starts with "/" (an intent payload from a button) or has
no recognisable phrase are passed through unchanged. Only the first 4,096
characters of a message are analysed (see bot/nlu/lexicon.yml).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.extraction import CAUSE, FEATURE, Extractor, Mention, get_extractor

from bot import rasa_patches
from bot.nlu.components import ConfiguredOnly

rasa_patches.install()  # usually done already by bot/rasa_cli.py; here for Rasa started otherwise

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "SymptomExtractor"
# the key DIETClassifier uses for entity confidence ("confidence" + "_" + "entity")
CONFIDENCE_ENTITY = "confidence_entity"


def mentions_to_entities(
    mentions: List[Mention],
    feature_entity: str = "feature",
    cause_entity: str = "cause",
    extract_causes: bool = True,
) -> List[Dict[Text, Any]]:
    """Rasa entity dicts for extraction mentions (see the module docstring)."""
    entities: List[Dict[Text, Any]] = []
    for m in mentions:
        if m.kind == FEATURE:
            entity: Dict[Text, Any] = {
                ENTITY_ATTRIBUTE_TYPE: feature_entity,
                ENTITY_ATTRIBUTE_VALUE: m.id,
                ENTITY_ATTRIBUTE_ROLE: m.role,
            }
        elif m.kind == CAUSE and extract_causes:
            entity = {ENTITY_ATTRIBUTE_TYPE: cause_entity, ENTITY_ATTRIBUTE_VALUE: m.id}
            if m.negated:
                entity["negated"] = True
        else:
            continue
        entity[ENTITY_ATTRIBUTE_START] = m.start
        entity[ENTITY_ATTRIBUTE_END] = m.end
        entity[CONFIDENCE_ENTITY] = 1.0
        entity[EXTRACTOR] = EXTRACTOR_NAME
        entities.append(entity)
    return entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SymptomExtractor(ConfiguredOnly, GraphComponent, EntityExtractorMixin):
    """Adds feature (present/absent) and cause entities found by bot.nlu.extraction."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "knowledge_dir": None,
            "extract_causes": True,
            "feature_entity": "feature",
            "cause_entity": "cause",
        }

    def __init__(self, config: Dict[Text, Any], extractor: Optional[Extractor] = None) -> None:
        self._config = {**self.get_default_config(), **(config or {})}
        self._extractor = extractor

    @property
    def name(self) -> Text:  # used by EntityExtractorMixin.add_extractor_name
        return EXTRACTOR_NAME

    @property
    def extractor(self) -> Extractor:
        if self._extractor is None:
            self._extractor = get_extractor(self._config.get("knowledge_dir"))
        return self._extractor

    def entities_for(self, text: Any) -> List[Dict[Text, Any]]:
        if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
            return []
        try:
            mentions = self.extractor.analyse(text)
        except Exception:  # never let a message crash the NLU pipeline
            logger.exception("symptom extraction failed; continuing without entities")
            return []
        return mentions_to_entities(
            mentions,
            feature_entity=self._config["feature_entity"],
            cause_entity=self._config["cause_entity"],
            extract_causes=bool(self._config["extract_causes"]),
        )

    def entities_of(self, message: Message) -> List[Dict[Text, Any]]:
        """This extractor's entities of ``message``: those it already added when it ran earlier in
        the pipeline, else extracted now (training examples; pipelines without it)."""
        ours = [e for e in (message.get(ENTITIES) or []) if e.get(EXTRACTOR) == EXTRACTOR_NAME]
        return ours or self.entities_for(message.get(TEXT))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            new = self.entities_for(message.get(TEXT))
            # keep other extractors' entities; replace ours if run twice
            kept = [e for e in (message.get(ENTITIES) or []) if e.get(EXTRACTOR) != EXTRACTOR_NAME]
            message.set(ENTITIES, kept + new, add_to_output=True)
        return messages
