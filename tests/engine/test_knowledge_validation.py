"""The knowledge base refuses broken data with an error naming the file and the entry."""
from __future__ import annotations

import pytest

from bot.knowledge import DEFAULT_DIRECTORY, KnowledgeBase, KnowledgeError, load_knowledge

# case directory under fixtures/ -> (file named in the error, entry id named in the error, words in the problem)
BROKEN = {
    "unknown_feature_in_cause": ("causes.yml", "restless_legs_syndrome", "unknown feature 'worse_at_nite'"),
    "unknown_feature_in_required": ("causes.yml", "exercise_fatigue", "unknown feature 'after_excercise'"),
    "unknown_feature_in_red_flag": ("red_flags.yml", "stroke_signs", "unknown feature 'face_drop'"),
    "cause_without_sources": ("causes.yml", "exercise_fatigue", "no sources"),
    "unknown_source_in_tip": ("tips.yml", "rest", "unknown source 'seed_z'"),
    "unknown_source_in_feature": ("features.yml", "after_exercise", "unknown source 'nice_2099'"),
    "duplicate_feature": ("features.yml", "shaking", "duplicate id"),
    "duplicate_cause": ("causes.yml", "exercise_fatigue", "duplicate id"),
    "duplicate_red_flag": ("red_flags.yml", "stroke_signs", "duplicate id"),
    "duplicate_tip": ("tips.yml", "rest", "duplicate id"),
    "tip_without_cause": ("tips.yml", "drink_water", "at least one cause"),
    "tip_unknown_cause": ("tips.yml", "drink_water", "unknown cause 'dehydration'"),
    "unknown_triage_level_in_cause": ("causes.yml", "exercise_fatigue", "unknown triage level 'asap'"),
    "unknown_triage_level_in_red_flag": ("red_flags.yml", "stroke_signs", "unknown triage level 'critical'"),
    "unknown_triage_level_in_levels": ("triage_levels.yml", "very_urgent", "unknown triage level"),
    "cause_without_tip": ("tips.yml", "exercise_fatigue", "no tip"),
    "red_flag_feature_against_more_urgent_cause": ("causes.yml", "exercise_fatigue", "could lower the route"),
    "unknown_feature_in_excludes": ("features.yml", "after_exercise", "excludes unknown feature 'before_exercise'"),
    "standard_without_url": ("sources.yml", "standard_b", "needs 'url'"),
    "tip_avoid_unknown_feature": ("tips.yml", "stretch", "unknown feature 'calf_swollen' in 'avoid_when'"),
}


def test_the_real_knowledge_base_loads_and_is_cached():
    kb = load_knowledge()
    assert isinstance(kb, KnowledgeBase)
    assert load_knowledge() is kb
    assert kb.directory == DEFAULT_DIRECTORY
    assert kb.triage_order == ("emergency", "urgent", "routine", "self_care")


def test_the_small_valid_fixture_loads(fixture_kb_dir):
    kb = load_knowledge(fixture_kb_dir())
    assert set(kb.causes) == {"restless_legs_syndrome", "exercise_fatigue"}
    assert kb.red_flag_features() == frozenset({"face_droop"})


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_names_file_and_entry(case, fixture_kb_dir):
    file, entry, problem = BROKEN[case]
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(fixture_kb_dir(case))
    err = info.value
    assert err.file == file and err.entry == entry
    message = str(err)
    assert file in message and f"'{entry}'" in message and problem in message


def test_invalid_yaml_names_the_file(fixture_kb_dir):
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(fixture_kb_dir("invalid_yaml"))
    assert info.value.file == "causes.yml" and "invalid YAML" in str(info.value)


def test_missing_file_names_the_file(fixture_kb_dir):
    directory = fixture_kb_dir()
    (directory / "tips.yml").unlink()
    with pytest.raises(KnowledgeError, match="tips.yml"):
        load_knowledge(directory)


def test_knowledge_error_is_a_value_error():
    assert issubclass(KnowledgeError, ValueError)


def test_excludes_are_made_symmetric():
    kb = load_knowledge()
    assert "both_legs" in kb.features["one_leg"].excludes
    assert "one_leg" in kb.features["both_legs"].excludes


def test_every_cause_says_what_a_doctor_may_check_and_offer_with_its_sources():
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    for cause in kb.causes.values():
        can = cause.doctor_can
        assert can is not None and can.checks and can.treatments and can.sources, cause.id
        assert all(s in kb.sources for s in can.sources)
