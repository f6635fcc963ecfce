"""The Rasa graph components, run directly on rasa Message objects (no training)."""
from __future__ import annotations

import pytest

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge import load_knowledge
from bot.nlu.evidence_intent_guard import GUARD_ATTRIBUTE, EvidenceIntentGuard
from bot.nlu.symptom_extractor import SymptomExtractor


def make(text, intent=None, confidence=0.9, entities=None):
    data = {TEXT: text}
    if intent is not None:
        data[INTENT] = {"name": intent, "confidence": confidence}
        data[INTENT_RANKING_KEY] = [
            {"name": intent, "confidence": confidence},
            {"name": "describe_symptoms", "confidence": 1 - confidence},
        ]
    if entities is not None:
        data[ENTITIES] = entities
    return Message(data=data)


@pytest.fixture(scope="module")
def extractor():
    return SymptomExtractor.create(SymptomExtractor.get_default_config(), None, None, None)


@pytest.fixture(scope="module")
def guard():
    return EvidenceIntentGuard.create(EvidenceIntentGuard.get_default_config(), None, None, None)


def features(message):
    return {
        (e["value"], e.get("role")) for e in message.get(ENTITIES) or [] if e["entity"] == "feature"
    }


# --------------------------------------------------------------------------- registration
def test_components_are_registered_with_the_recipe():
    assert DefaultV1Recipe._from_registry("bot.nlu.symptom_extractor.SymptomExtractor").clazz is SymptomExtractor
    guard = DefaultV1Recipe._from_registry("bot.nlu.evidence_intent_guard.EvidenceIntentGuard")
    assert guard.clazz is EvidenceIntentGuard
    assert not guard.is_trainable


# --------------------------------------------------------------------------- SymptomExtractor
def test_extractor_adds_feature_entities(extractor):
    text = "no pain but my legs tingle at nite"
    [msg] = extractor.process([make(text)])
    assert features(msg) == {
        ("leg_pain", "absent"),
        ("both_legs", "present"),
        ("tingling", "present"),
        ("worse_at_night", "present"),
    }
    for e in msg.get(ENTITIES):
        assert e["extractor"] == "SymptomExtractor"
        assert e["confidence_entity"] == 1.0
        assert text[e["start"]:e["end"]]
    assert "entities" in msg.output_properties


def test_extractor_adds_cause_entities(extractor):
    [msg] = extractor.process([make("what is restless legs syndrome?")])
    ents = msg.get(ENTITIES)
    assert [(e["entity"], e["value"]) for e in ents] == [("cause", "restless_legs_syndrome")]
    assert "role" not in ents[0]


def test_extractor_keeps_other_entities_and_is_idempotent(extractor):
    other = {"entity": "time", "value": "2024", "start": 0, "end": 4, "extractor": "Duckling"}
    msg = make("my legs shake", entities=[other])
    extractor.process([msg])
    extractor.process([msg])
    ents = msg.get(ENTITIES)
    assert other in ents
    assert sum(1 for e in ents if e["entity"] == "feature" and e["value"] == "shaking") == 1


def test_extractor_processes_a_batch(extractor):
    msgs = [make("my legs shake"), make("hello"), make("no numbness")]
    extractor.process(msgs)
    assert features(msgs[0]) == {("both_legs", "present"), ("shaking", "present")}
    assert features(msgs[1]) == set()
    assert features(msgs[2]) == {("numbness", "absent")}


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n", "🙂🙂", "x" * 100_000, "ساقاي ترتجفان", "/affirm", '/inform{"feature":"numbness"}', None],
)
def test_extractor_survives_odd_messages(extractor, text):
    msg = Message(data={TEXT: text} if text is not None else {})
    extractor.process([msg])
    assert features(msg) == set()


def test_extractor_long_message_is_fast(extractor):
    import time

    msg = make(("my legs shake at night and it hurts " * 3000))
    t0 = time.perf_counter()
    extractor.process([msg])
    assert time.perf_counter() - t0 < 2
    assert ("shaking", "present") in features(msg)


# --------------------------------------------------------------------------- EvidenceIntentGuard
def run(guard, extractor, text, intent, confidence=0.9):
    msg = make(text, intent, confidence)
    extractor.process([msg])
    guard.process([msg])
    return msg


def test_red_flag_overrides_non_evidence_intent(guard, extractor):
    msg = run(guard, extractor, "thanks, but now my face is drooping", "thank")
    assert msg.get(INTENT) == {"name": "describe_symptoms", "confidence": 1.0}
    ranking = msg.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "describe_symptoms", "confidence": 1.0}
    assert {"name": "thank", "confidence": 0.9} in ranking
    info = msg.get(GUARD_ATTRIBUTE)
    assert info["rule"] == "red_flag"
    assert info["original_intent"] == {"name": "thank", "confidence": 0.9}
    assert info["features"] == ["face_droop"]
    assert GUARD_ATTRIBUTE in msg.output_properties


@pytest.mark.parametrize("intent", ["describe_symptoms", "affirm", "deny", "unsure", "correct"])
def test_red_flag_keeps_evidence_intents(guard, extractor, intent):
    msg = run(guard, extractor, "yes and my face is drooping", intent)
    assert msg.get(INTENT)["name"] == intent
    assert msg.get(GUARD_ATTRIBUTE) is None


def test_absent_red_flag_does_not_override(guard, extractor):
    msg = run(guard, extractor, "thanks, no chest pain", "thank")
    assert msg.get(INTENT)["name"] == "thank"


def test_every_red_flag_feature_triggers(guard):
    for feature in sorted(load_knowledge().red_flag_features()):
        decision = guard.decide("goodbye", [{"entity": "feature", "value": feature, "role": "present"}])
        assert decision and decision["rule"] == "red_flag", feature


@pytest.mark.parametrize("intent", ["nlu_fallback", "greet"])
def test_rescue_fallback_and_greet(guard, extractor, intent):
    msg = run(guard, extractor, "hi, my legz keep twiching at nite", intent, 0.4)
    assert msg.get(INTENT)["name"] == "describe_symptoms"
    assert msg.get(GUARD_ATTRIBUTE)["rule"] == "rescue"


def test_rescue_with_only_absent_features(guard, extractor):
    msg = run(guard, extractor, "hello, no numbness", "greet")
    assert msg.get(INTENT)["name"] == "describe_symptoms"


def test_plain_greeting_is_untouched(guard, extractor):
    msg = run(guard, extractor, "hello there", "greet")
    assert msg.get(INTENT) == {"name": "greet", "confidence": 0.9}
    assert msg.get(GUARD_ATTRIBUTE) is None


def test_non_red_flag_feature_does_not_override_other_intents(guard, extractor):
    msg = run(guard, extractor, "thanks, my legs shake", "thank")
    assert msg.get(INTENT)["name"] == "thank"


def test_guard_extracts_itself_when_extractor_did_not_run(guard):
    msg = make("bye, I just had a seizure", "goodbye")
    guard.process([msg])
    assert msg.get(INTENT)["name"] == "describe_symptoms"


def test_guard_without_intent(guard, extractor):
    msg = Message(data={TEXT: "my legs shake"})
    extractor.process([msg])
    guard.process([msg])
    assert msg.get(INTENT)["name"] == "describe_symptoms"


def test_guard_config_keys():
    guard = EvidenceIntentGuard(
        {"target_intent": "inform", "rescue_intents": [], "red_flag_features": ["shaking"], "extract_if_missing": False}
    )
    msg = make("bye", "goodbye", entities=[{"entity": "feature", "value": "shaking", "role": "present"}])
    guard.process([msg])
    assert msg.get(INTENT)["name"] == "inform"
    msg = make("hi", "greet", entities=[{"entity": "feature", "value": "numbness", "role": "absent"}])
    guard.process([msg])
    assert msg.get(INTENT)["name"] == "greet"


@pytest.mark.parametrize("text", ["", "   ", "🙂", "y" * 100_000, "שלום", None])
def test_guard_survives_odd_messages(guard, extractor, text):
    msg = make(text, "greet") if text is not None else Message(data={INTENT: {"name": "greet", "confidence": 1.0}})
    extractor.process([msg])
    guard.process([msg])
    assert msg.get(INTENT)["name"] == "greet"


def test_guard_rescues_an_out_of_scope_reading_only_when_a_leg_is_named():
    from bot.nlu.evidence_intent_guard import EvidenceIntentGuard

    guard = EvidenceIntentGuard({})
    pain = [{"entity": "feature", "value": "leg_pain", "role": "present"}]
    assert guard.decide("out_of_scope", pain, "my calf is really sore")["rule"] == "rescue"
    assert guard.decide("out_of_scope", pain, "my head really hurts") is None
