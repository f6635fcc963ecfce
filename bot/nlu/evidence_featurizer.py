"""Rasa 3.6 graph component: tell the intent classifier what the knowledge base recognised.

Pipeline entry (config.yml), after the tokenizer::

    - name: bot.nlu.evidence_featurizer.EvidenceFeaturizer
      # all keys optional:
      knowledge_dir: null     # a KB directory other than bot/knowledge
      alias: null

Why: the intent classifier sees words, and only the words of its training examples. The
knowledge base already knows every symptom phrase, negation and condition name (the
SymptomExtractor finds them), so the classifier is given that as four yes/no features instead
of having to learn each symptom word from intent examples:

* ``feature_present``: the message reports a feature ("my legs twitch at night");
* ``feature_absent``: it denies one ("no numbness");
* ``cause_named``: it names a condition ("what is restless legs syndrome?");
* ``red_flag_present``: it reports a feature of an emergency red flag ("my face is drooping").

That separates "wait, I do have numbness" (a correction carrying evidence) from "wait, go
back", or "what is essential tremor?" from "what is this chat for?", without every symptom word
having to appear in the intent examples. Sentence features carry the four flags; sequence
features mark the tokens inside each mention (for classifiers that read sequences, like DIET).

Not trainable; the same extraction (SymptomExtractor's, on the process-wide extractor built
once from the knowledge base) gives the flags of training examples and of live messages (for
those, the entities the SymptomExtractor already added are reused).
"""
from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Text

import numpy as np
import scipy.sparse
from rasa.engine.graph import GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import ConfiguredOnly
from bot.nlu.extraction import red_flag_features
from bot.nlu.symptom_extractor import SymptomExtractor

FLAGS = ("feature_present", "feature_absent", "cause_named", "red_flag_present")


def entity_flags(entity: Dict[Text, Any], red_flags: FrozenSet[str]) -> List[int]:
    """Indexes into FLAGS that one SymptomExtractor entity sets."""
    if entity[ENTITY_ATTRIBUTE_TYPE] == "cause":
        return [FLAGS.index("cause_named")]
    if entity.get(ENTITY_ATTRIBUTE_ROLE) == "absent":
        return [FLAGS.index("feature_absent")]
    flags = [FLAGS.index("feature_present")]
    if entity[ENTITY_ATTRIBUTE_VALUE] in red_flags:
        flags.append(FLAGS.index("red_flag_present"))
    return flags


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class EvidenceFeaturizer(ConfiguredOnly, SparseFeaturizer, GraphComponent):
    """Adds the FLAGS of the message's symptom / condition mentions as sparse features."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SparseFeaturizer.get_default_config(), "knowledge_dir": None}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to validate: both keys are optional."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__("EvidenceFeaturizer", {**self.get_default_config(), **(config or {})})
        self._symptoms = SymptomExtractor({"knowledge_dir": self._config["knowledge_dir"]})

    def featurize(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not tokens:
            return
        red_flags = red_flag_features(self._config["knowledge_dir"])
        sequence = np.zeros((len(tokens), len(FLAGS)), dtype=np.float32)
        sentence = np.zeros((1, len(FLAGS)), dtype=np.float32)
        for entity in self._symptoms.entities_of(message):
            flags = entity_flags(entity, red_flags)
            sentence[0, flags] = 1.0
            for row, token in enumerate(tokens):
                if token.start < entity[ENTITY_ATTRIBUTE_END] and token.end > entity[ENTITY_ATTRIBUTE_START]:
                    sequence[row, flags] = 1.0
        self.add_features_to_message(
            sequence=scipy.sparse.coo_matrix(sequence),
            sentence=scipy.sparse.coo_matrix(sentence),
            attribute=TEXT,
            message=message,
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self.featurize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.featurize(message)
        return messages
