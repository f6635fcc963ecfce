"""EvidenceFeaturizer: what the knowledge base recognised, given to the intent classifier."""
from __future__ import annotations

import pytest
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.evidence_featurizer import FLAGS, EvidenceFeaturizer


@pytest.fixture(scope="module")
def tokenizer():
    return WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())


@pytest.fixture(scope="module")
def featurizer():
    return EvidenceFeaturizer({})


def featurized(text, tokenizer, featurizer):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    featurizer.process([message])
    return message


def flags(message):
    _sequence, sentence = message.get_sparse_features(TEXT)
    row = sentence.features.toarray()[0]
    return {name for name, value in zip(FLAGS, row) if value}


def test_is_registered_as_an_untrained_featurizer():
    registered = DefaultV1Recipe._from_registry("bot.nlu.evidence_featurizer.EvidenceFeaturizer")
    assert registered.clazz is EvidenceFeaturizer and not registered.is_trainable


@pytest.mark.parametrize("text, expected", [
    ("my legs twitch when I lie down", {"feature_present"}),
    ("no numbness, no tingling", {"feature_absent"}),
    ("no pain but they tingle", {"feature_present", "feature_absent"}),
    ("what is restless legs syndrome?", {"cause_named"}),
    ("my face is drooping and my leg is weak", {"feature_present", "red_flag_present"}),
    ("I had a seizure", {"feature_present", "red_flag_present"}),
    ("never had a seizure", {"feature_absent"}),  # a denied red flag is not an emergency
    ("thanks, bye", set()),
    ("what's the weather like", set()),
])
def test_flags_follow_the_knowledge_base(text, expected, tokenizer, featurizer):
    assert flags(featurized(text, tokenizer, featurizer)) == expected


def test_sequence_marks_the_tokens_of_each_mention(tokenizer, featurizer):
    message = featurized("hello my calves cramp", tokenizer, featurizer)
    sequence, _sentence = message.get_sparse_features(TEXT)
    rows = sequence.features.toarray()
    marked = [token.text for token, row in zip(message.get("text_tokens"), rows) if row.any()]
    assert "hello" not in marked and "cramp" in marked


def test_training_examples_get_the_same_features(tokenizer, featurizer):
    examples = [Message(data={TEXT: "no numbness", "intent": "describe_symptoms"}),
                Message(data={TEXT: "bye", "intent": "goodbye"})]
    data = TrainingData(training_examples=examples)
    tokenizer.process_training_data(data)
    featurizer.process_training_data(data)
    assert flags(examples[0]) == {"feature_absent"} and flags(examples[1]) == set()


@pytest.mark.parametrize("text", ["", "   ", "/affirm", "🦵🦵", "x" * 5000])
def test_odd_messages_do_not_break_the_pipeline(text, tokenizer, featurizer):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    featurizer.process([message])  # no exception; no tokens -> no features, else zero or more flags
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sentence is None or sentence.features.shape == (1, len(FLAGS))


@pytest.mark.parametrize("text", ["no numbness but my calf is swollen", "what is RLS", "thanks"])
def test_live_messages_get_the_flags_training_examples_get(text, tokenizer, featurizer):
    # Serving reuses the SymptomExtractor's entities; training extracts: no train/serve skew.
    from bot.nlu.symptom_extractor import SymptomExtractor

    live = Message(data={TEXT: text})
    tokenizer.process([live])
    SymptomExtractor({}).process([live])
    featurizer.process([live])
    example = Message(data={TEXT: text, "intent": "describe_symptoms"})
    data = TrainingData(training_examples=[example])
    tokenizer.process_training_data(data)
    featurizer.process_training_data(data)
    assert flags(live) == flags(example)
