"""Unit tests for bot.nlu.extraction (no Rasa involved)."""
from __future__ import annotations

import time

import pytest

from bot.knowledge import load_knowledge
from bot.nlu.extraction import (
    Extractor,
    Mention,
    analyse,
    evidence,
    extract,
    extract_causes,
    get_extractor,
    phrase_example,
)


def ev(text: str) -> dict[str, set[str]]:
    out = evidence(extract(text))
    return {"present": set(out["present"]), "absent": set(out["absent"])}


def present(text: str) -> set[str]:
    return ev(text)["present"]


def absent(text: str) -> set[str]:
    return ev(text)["absent"]


# --------------------------------------------------------------------------- basics
def test_mention_fields_and_offsets():
    text = "My legs TWITCH at night"
    mentions = extract(text)
    assert all(isinstance(m, Mention) for m in mentions)
    for m in mentions:
        assert text[m.start:m.end] == m.text
        assert m.kind == "feature" and m.feature == m.id
        assert m.role == ("absent" if m.negated else "present")
    assert {m.id for m in mentions} == {"both_legs", "jerking_twitching", "worse_at_night"}
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


@pytest.mark.parametrize(
    "text, feature",
    [
        ("creepy crawly", "crawling_sensation"),
        ("pins and needles", "tingling"),
        ("legs won't keep still", "urge_to_move"),
        ("legs won’t keep still", "urge_to_move"),
        ("jumpy legs", "jerking_twitching"),
        ("shakes when I sit", "shaking"),
        ("shakes when I sit", "at_rest"),
        ("my right leg", "one_leg"),
        ("since last week", "lasting_weeks"),
        ("for 3 weeks", "lasting_weeks"),
        ("for three months now", "lasting_weeks"),
        ("since March", "lasting_weeks"),
        ("after the gym", "after_exercise"),
        ("6 coffees", "caffeine_intake"),
        ("I'm on sertraline", "med_ssri_antidepressant"),
        ("stopped drinking two days ago", "stopped_alcohol"),
        ("I'm 72", "older_age"),
        ("my dad is 81 years old", "older_age"),
    ],
)
def test_lay_phrasings(text, feature):
    assert feature in present(text)


def test_lemma_insensitive():
    for text in ("it twitches", "it keeps twitching", "it twitched all day", "the twitch"):
        assert present(text) == {"jerking_twitching"}, text


def test_age_range_and_numbers():
    assert "older_age" not in present("I'm 34")
    assert "older_age" not in present("I'm 7 months pregnant")
    assert "lasting_weeks" not in present("it started two weeks ago")


def test_stopped_drinking_is_not_alcohol_use():
    assert present("stopped drinking two days ago") == {"stopped_alcohol"}
    assert "alcohol_use" not in present("I quit drinking on monday")


# --------------------------------------------------------------------------- negation
@pytest.mark.parametrize(
    "text, gone",
    [
        ("no numbness", {"numbness"}),
        ("not worse at night", {"worse_at_night"}),
        ("I don't have any tingling", {"tingling"}),
        ("I dont have any tingling", {"tingling"}),
        ("never had a seizure", {"seizure"}),
        ("without pain", {"leg_pain"}),
        ("neither weak nor numb", {"weakness", "numbness"}),
        ("no pain or numbness", {"leg_pain", "numbness"}),
        ("I don't have any numbness, tingling, weakness or pain", {"numbness", "tingling", "weakness", "leg_pain"}),
        ("pain free", {"leg_pain"}),
        ("my balance is fine", {"balance_problems"}),
        ("the numbness has gone", {"numbness"}),
        ("fever? no", {"fever"}),
        ("cramps: none", {"cramp"}),
        ("I'm not diabetic", {"diabetes"}),
    ],
)
def test_negation(text, gone):
    result = ev(text)
    assert result["absent"] == gone
    assert not result["present"] & gone


@pytest.mark.parametrize(
    "text, neg, pos",
    [
        ("no pain but it tingles", {"leg_pain"}, {"tingling"}),
        ("no pain although it tingles", {"leg_pain"}, {"tingling"}),
        ("no pain, however it tingles", {"leg_pain"}, {"tingling"}),
        ("no pain yet it tingles", {"leg_pain"}, {"tingling"}),
        ("no pain. it tingles", {"leg_pain"}, {"tingling"}),
        ("no pain\nit tingles", {"leg_pain"}, {"tingling"}),
        ("no pain and my legs shake", {"leg_pain"}, {"both_legs", "shaking"}),
        ("it doesn't hurt, it tingles", {"leg_pain"}, {"tingling"}),
        ("no cramps, just twitching", {"cramp"}, {"jerking_twitching"}),
        ("no numbness just shaky legs", {"numbness"}, {"shaking"}),
        ("no fever, my legs jump at night", {"fever"}, {"both_legs", "jerking_twitching", "worse_at_night"}),
    ],
)
def test_scope_closes(text, neg, pos):
    result = ev(text)
    assert result["absent"] == neg
    assert result["present"] == pos


def test_negation_does_not_reach_backwards():
    assert ev("my legs don't feel stiff") == {"present": {"both_legs"}, "absent": {"rigidity"}}


def test_negation_words_inside_phrases_are_not_cues():
    assert present("I can't sleep and my legs tingle") >= {"sleep_disruption", "tingling"}
    assert not absent("I can't sleep and my legs tingle")
    assert present("no feeling in my toes") == {"numbness"}
    assert present("my legs won't stop shaking") == {"both_legs", "shaking"}
    assert present("the shaking never stops") == {"shaking"}


def test_pseudo_negation_not_just():
    assert ev("my whole body shakes, not just my legs")["absent"] == set()


def test_absent_phrases_and_double_negation():
    assert absent("I can breathe fine") == {"breathlessness"}
    assert absent("my neck isn't stiff") == {"stiff_neck"}
    assert "rigidity" not in absent("my neck isn't stiff")
    assert absent("it isn't only one leg") == {"one_leg"}


def test_hedge_asserts_nothing():
    assert ev("not sure if it's worse at night") == {"present": set(), "absent": set()}
    result = ev("I don't know if it's related but I started sertraline")
    assert result["present"] == {"med_ssri_antidepressant", "new_medication"}
    assert not result["absent"]


# --------------------------------------------------------------------------- duplicates and contradictions
def test_same_feature_twice_is_one_mention():
    mentions = extract("my legs shake, they shake all the time, the shaking is awful")
    assert [m.id for m in mentions].count("shaking") == 1


def test_contradiction_last_wins():
    assert ev("no tingling... well actually there is some tingling") == {"present": {"tingling"}, "absent": set()}
    assert ev("there is tingling. no, no tingling") == {"present": set(), "absent": {"tingling"}}


def test_later_turn_correction_is_reported_present():
    assert ev("actually it IS worse at night") == {"present": {"worse_at_night"}, "absent": set()}


def test_several_features_in_one_message():
    result = present("pins and needles in both feet for months, worse at night, I'm diabetic and my feet burn")
    assert result >= {"tingling", "both_legs", "lasting_weeks", "worse_at_night", "diabetes", "burning_sensation"}


# --------------------------------------------------------------------------- overlaps
@pytest.mark.parametrize(
    "text, want, not_want",
    [
        # naming the condition is not evidence of its features (issue 13); saying the legs are
        # restless is
        ("restless legs", set(), {"urge_to_move", "both_legs"}),
        ("could this be restless legs?", set(), {"urge_to_move", "diagnosed_restless_legs"}),
        ("do I have restless legs?", set(), {"urge_to_move", "diagnosed_restless_legs"}),
        ("my legs are restless", {"urge_to_move", "both_legs"}, set()),
        ("stiff neck", {"stiff_neck"}, {"rigidity"}),
        ("swollen calf", {"calf_swelling"}, set()),
        ("chest pain", {"chest_pain"}, {"leg_pain"}),
        ("numb groin", {"saddle_numbness"}, {"numbness"}),
        ("numbness around my groin", {"saddle_numbness"}, {"numbness"}),
        ("my hands shake", {"hands_affected"}, {"shaking"}),
        ("my leg is swollen", {"one_leg", "calf_swelling"}, {"both_legs"}),
        ("my legs", {"both_legs"}, {"one_leg"}),
        ("my leg", {"one_leg"}, {"both_legs"}),
        ("sweating buckets in the heatwave", {"heat_or_low_fluids"}, {"sweating_palpitations"}),
        ("I drink plenty of water", set(), {"alcohol_use"}),
        ("keep fit", set(), {"seizure"}),
        # A greeting is not a timing clue; the evening said about the legs still is.
        ("good evening", set(), {"worse_at_night"}),
        ("good evening, they twitch in the evening", {"worse_at_night", "jerking_twitching"}, set()),
        # Everyday phrases that contain a symptom word but say nothing about the legs.
        ("I have hay fever", set(), {"fever"}),
        ("I have a fever", {"fever"}, set()),
        ("my hair is falling out", set(), {"balance_problems"}),
        ("start a new chat", set(), {"new_medication"}),
        ("I stopped drinking coffee", set(), {"stopped_alcohol"}),
        ("I stopped drinking two days ago", {"stopped_alcohol"}, set()),
        ("my tooth hurts", set(), {"leg_pain"}),
    ],
)
def test_longest_match(text, want, not_want):
    got = present(text)
    assert want <= got
    assert not (not_want & got)


def test_drug_placeholder_is_not_consumed():
    assert present("started lithium last month") == {"new_medication", "med_lithium"}
    assert present("they increased my sertraline") == {"new_medication", "med_ssri_antidepressant"}


# --------------------------------------------------------------------------- misspellings
@pytest.mark.parametrize(
    "text, feature",
    [
        ("tingeling in my toes", "tingling"),
        ("my legs are so restles", "urge_to_move"),
        ("worse at nite", "worse_at_night"),
        ("my legz", "both_legs"),
        ("my calves keep cramping", "cramp"),
        ("I had a siezure", "seizure"),
        ("too much caffiene", "caffeine_intake"),
        ("after excercise", "after_exercise"),
        ("my legs keep twiching", "jerking_twitching"),
        ("numbnes", "numbness"),
        ("I take sertaline", "med_ssri_antidepressant"),
        ("I'm pregant", "pregnancy"),
        ("feel brethless", "breathlessness"),
        ("SHAKEY LEGS", "shaking"),
    ],
)
def test_misspellings(text, feature):
    assert feature in present(text)


def test_fuzzy_leaves_real_words_alone():
    assert present("I went to the market with my sister") == set()
    assert present("the weather is lovely and the garden is green") == set()


# --------------------------------------------------------------------------- medication classes
@pytest.mark.parametrize(
    "drug, feature",
    [
        ("sertraline", "med_ssri_antidepressant"),
        ("Prozac", "med_ssri_antidepressant"),
        ("an SSRI", "med_ssri_antidepressant"),
        ("haloperidol", "med_antipsychotic"),
        ("quetiapine", "med_antipsychotic"),
        ("benadryl", "med_antihistamine"),
        ("metoclopramide", {"med_antinausea", "med_metoclopramide"}),
        ("tramadol", "med_tramadol"),
        ("lithium", "med_lithium"),
        ("depakote", "med_valproate"),
        ("sodium valproate", "med_valproate"),
        ("my ventolin inhaler", "med_bronchodilator"),
        ("salbutamol", "med_bronchodilator"),
    ],
)
def test_medication_class_mapping(drug, feature):
    assert present(f"I'm on {drug}") == (feature if isinstance(feature, set) else {feature})


def test_every_medication_phrase_maps_to_its_class():
    kb = load_knowledge()
    for feature in kb.features.values():
        if feature.group != "medication":
            continue
        for phrase in feature.phrases:
            if any(c in phrase for c in "{}=!") or "..." in phrase:
                continue
            assert feature.id in present(f"I take {phrase}"), (feature.id, phrase)


# --------------------------------------------------------------------------- causes
def test_cause_mentions_are_a_separate_kind():
    mentions = analyse("what is restless legs syndrome?")
    assert [(m.kind, m.id) for m in mentions] == [("cause", "restless_legs_syndrome")]
    assert extract("what is restless legs syndrome?") == []
    assert [m.id for m in extract_causes("could it be parkinson's?")] == ["parkinsonian_tremor"]


def test_cause_alias_and_feature_coexist_when_not_a_diagnosis():
    mentions = analyse("I drank too much coffee")
    assert ("feature", "caffeine_intake") in {(m.kind, m.id) for m in mentions}


# --------------------------------------------------------------------------- robustness
@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t", "🙂🙂🙂", "🦵💥", None, 12345, "ساقاي ترتجفان في الليل", "שלום", "脚在晚上抖动",
     "Mis piernas tiemblan por la noche", "\u200f\u200e", "a" * 5000, "../../etc/passwd", "/greet"],
)
def test_odd_input_does_not_crash(text):
    result = analyse(text)
    assert isinstance(result, list)


def test_emoji_mixed_text_keeps_offsets():
    text = "🙂 my legs 🦵 shake 😩 at night"
    for m in extract(text):
        assert text[m.start:m.end] == m.text
    assert present(text) == {"both_legs", "shaking", "worse_at_night"}


def test_huge_input_is_capped_and_fast():
    ex = get_extractor()
    text = "my legs shake at night. " + ("blah " * 25_000) + " and I have chest pain"
    assert len(text) > 100_000
    t0 = time.perf_counter()
    mentions = ex.analyse(text)
    elapsed = time.perf_counter() - t0
    ids = {m.id for m in mentions}
    assert {"shaking", "worse_at_night"} <= ids
    assert "chest_pain" not in ids  # beyond the documented max_chars cap
    assert ex.max_chars == 4096
    assert elapsed < 2.0


def test_extractor_is_cached_per_process():
    assert get_extractor() is get_extractor()


def test_extractor_from_plain_mappings():
    ex = Extractor({"twitch": ["twitch"], "numb": ["numb"]}, {"rls": ["restless legs syndrome"]})
    got = {(m.kind, m.id, m.role) for m in ex.analyse("not numb, it twitches. is it restless legs syndrome?")}
    assert got == {("feature", "numb", "absent"), ("feature", "twitch", "present"), ("cause", "rls", "present")}


def test_bad_placeholder_is_reported():
    with pytest.raises(ValueError):
        Extractor({"x": ["{nonsense} legs"]})


def test_time_per_message(capsys):
    ex = get_extractor()
    texts = [
        "so basically every night when i get into bed my legs start feeling like theres something crawling",
        "no pain but it tingles when I sit down",
        "I'm on sertraline and my legz are restles every nite",
        "hi",
    ] * 50
    t0 = time.perf_counter()
    for t in texts:
        ex.analyse(t)
    per_message_ms = (time.perf_counter() - t0) * 1000 / len(texts)
    with capsys.disabled():
        print(f"\n[nlu] extraction time: {per_message_ms:.2f} ms per message (mean of {len(texts)})")
    assert per_message_ms < 50


def test_phrase_example_renders_markup_as_plain_text():
    assert phrase_example("for {num} weeks") == "for 3 weeks"
    assert phrase_example("be {num:60-105}") == "be 60"
    assert phrase_example("numb ... groin") == "numb groin"
    assert phrase_example("=my legs") == "my legs"
    assert phrase_example("!sleep fine") is None


def test_every_kb_phrase_example_is_recognised():
    """Each phrase, written out as plain text, is extracted as its own feature."""
    kb = load_knowledge()
    misses = []
    for feature in kb.features.values():
        for phrase in feature.phrases:
            example = phrase_example(phrase)
            if example is None or "{drug}" in phrase:
                continue
            found = {(m.id, m.role) for m in extract(example)}
            if (feature.id, "present") not in found:
                misses.append((feature.id, phrase, sorted(found)))
    assert not misses, misses


# --------------------------------------------------------------------------- issue 13: words in context
@pytest.mark.parametrize(
    "text, want, not_want",
    [
        ("a sudden painful cramp", {"cramp", "leg_pain"}, {"sudden_onset"}),
        ("my leg suddenly kicks as I drop off to sleep", {"jerking_twitching", "falling_asleep_jerks"}, {"sudden_onset"}),
        ("it started suddenly this morning", {"sudden_onset"}, set()),
        ("I need to pee more often since the new tablets", {"new_medication"}, {"bladder_bowel_loss"}),
        ("I haven't been able to wee since yesterday and I'm numb down there",
         {"bladder_bowel_loss", "saddle_numbness"}, {"numbness"}),
        ("I did a half marathon this morning", {"after_exercise"}, set()),
        ("after a long shift on my feet", {"after_exercise"}, set()),
        ("after my gym class", {"after_exercise"}, set()),
        ("we spent the weekend moving house", {"after_exercise"}, set()),
        ("it's been going on for a year", {"lasting_weeks"}, set()),
        ("on and off for months", {"episodic", "lasting_weeks"}, set()),
        ("I've had restless legs for years", {"diagnosed_restless_legs", "lasting_weeks"}, {"urge_to_move"}),
        ("her mouth has dropped on one side", {"face_droop"}, {"one_leg"}),
        ("he's talking nonsense", {"confusion"}, set()),
        ("I get breathless just walking to the kitchen", {"breathlessness"}, set()),
        ("a sharp pain in my side when I breathe in", {"chest_pain"}, {"leg_pain"}),
        ("she went blank and didn't respond to us, then was muddled", {"loss_of_consciousness", "confusion"}, set()),
        ("he keeps seeing insects on the wall", {"hallucinations"}, {"crawling_sensation"}),
        ("her leg has swollen to twice the size and gone a dusky colour", {"calf_swelling"}, set()),
        ("I take tramadol for my back pain", {"med_tramadol", "back_pain"}, {"leg_pain"}),
    ],
)
def test_words_in_context(text, want, not_want):
    got = present(text)
    assert want <= got, got
    assert not (not_want & got), got


def test_since_last_night_says_not_for_weeks():
    assert "lasting_weeks" in absent("my legs have been twitching since last night")


@pytest.mark.parametrize("text", ["a couple of pints at the weekend", "I only drink at the weekend", "I'm a social drinker"])
def test_weekend_drinking_is_not_daily_drinking(text):
    assert "alcohol_use" not in present(text)


def test_answers_and_meanings_belong_to_asked_questions():
    kb = load_knowledge()
    for fid in ("sudden_onset", "episodic", "alcohol_use", "older_age", "caffeine_intake"):
        assert kb.features[fid].answers.get("no"), fid
    assert "crept up" in kb.features["sudden_onset"].answers["no"]
    assert "45" in kb.features["older_age"].answers["no"] and "72" in kb.features["older_age"].answers["yes"]
    for fid in ("rigidity", "during_posture", "at_rest", "saddle_numbness", "ascending_weakness", "episodic"):
        assert kb.features[fid].meaning, fid
    for feature in kb.features.values():
        if feature.answers or feature.meaning:
            assert feature.question, feature.id
