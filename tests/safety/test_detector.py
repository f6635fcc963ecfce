"""bot.safety.detect: thoughts of suicide or self-harm in people's own words, and not in idioms.

The corpora were written by helpers who had not seen the patterns: crisis_corpus_dev.yml was used
while building the detector (a regression set: everything there must stay right); the two held-out
corpora were not, and measure it (README "Safety figures"). The thresholds below sit just under the
measured figures so a change that makes it worse fails."""
from __future__ import annotations

import pytest

from bot.safety import CHECK, CRISIS, DISTRESS, NONE, crisis_lines, detect
from tests.safety.corpus import load, score

ISSUE_DISCLOSURES = [
    "shaking a little is better than feeling suicidle but I still feel that way too sometimes",
    "I can't see the point of going on",
    "I wish I could go to sleep and not wake up",
    "I've thought about taking all my pills at once",
    "suicidle",
    "my daughter keeps saying she'd be better off dead",
    "the tablets help the legs but honestly I don't want to be here anymore",
]
ISSUE_NOT_CRISIS = [
    "I'm dead on my feet",
    "the gym absolutely killed my legs",
    "I'd give anything for one proper night's sleep",
    "these cramps are killing me",
    "my legs shake at night",
    "I stopped drinking coffee",
]


@pytest.mark.parametrize("text", ISSUE_DISCLOSURES)
def test_disclosures_in_plain_indirect_and_misspelt_words_are_a_crisis(text):
    assert detect(text).level == CRISIS


@pytest.mark.parametrize("text", ISSUE_NOT_CRISIS)
def test_figures_of_speech_and_leg_talk_are_not(text):
    assert detect(text).level != CRISIS


def test_a_denial_gets_a_gentle_check_not_the_crisis_script():
    assert detect("I'm not suicidal, just fed up").level == CHECK
    assert detect("I've never thought about killing myself, even on the worst nights").level == CHECK


def test_distress_is_recognised_for_an_acknowledgement():
    assert detect("this is ruining my life").level == DISTRESS
    assert detect("I can't cope with no sleep").level in (DISTRESS, CHECK)
    assert detect("I'm scared it's Parkinson's").level == DISTRESS


def test_someone_else_at_risk_is_recognised():
    assert detect("my son says he wants to kill himself").about_someone_else
    assert not detect("I want to kill myself").about_someone_else


def test_empty_and_odd_input_is_none():
    for text in ("", "   ", None, 42, "🙂🙂", "x" * 50_000):
        assert detect(text).level == NONE


def test_the_dev_corpus_stays_right():
    result = score(load("crisis_corpus_dev.yml"))
    assert result["recall"] == 1.0, result["missed"]
    assert result["false_alarm_rate"] <= 0.05, result["false_alarms"]
    assert result["denials_checked"] >= 0.95


# measured (README "Safety figures"): recall, false alarms, crisis line shown at least by the check
HELD_OUT_FLOORS = {
    "crisis_corpus_heldout.yml": (0.72, 0.05, 0.82),
    "crisis_corpus_heldout2.yml": (0.38, 0.09, 0.62),
}


@pytest.mark.parametrize("name", sorted(HELD_OUT_FLOORS))
def test_held_out_disclosures_are_caught_or_at_least_shown_the_line(name):
    recall, false_alarms, line_shown = HELD_OUT_FLOORS[name]
    messages = load(name)
    result = score(messages)
    assert result["recall"] >= recall, result["missed"]
    assert result["false_alarm_rate"] <= false_alarms, result["false_alarms"]
    disclosures = [m["text"] for m in messages if m["label"] == "crisis"]
    shown = sum(detect(t).level in (CRISIS, CHECK) for t in disclosures) / len(disclosures)
    assert shown >= line_shown  # the crisis line, at least through the gentle check


def test_everyday_leg_messages_almost_never_get_the_crisis_script():
    """Everything people wrote to the assistant in the other test corpora (answers, vignettes,
    extraction sentences): none of it is a disclosure."""
    from evaluation.vignettes import load_vignettes
    from tests.interview.corpus import load as load_answers

    texts = [a["text"] for n in ("answer_corpus_dev.yml", "answer_corpus_heldout.yml") for a in load_answers(n)]
    for v in load_vignettes():
        texts += list(v.opening) + [f.answer for f in v.facts.values()]
    crisis = [t for t in texts if detect(t).level == CRISIS]
    assert len(crisis) / len(texts) <= 0.01, crisis


def test_crisis_lines_follow_the_deployment():
    assert "988" in crisis_lines({"CRISIS_COUNTRY": "US"}).crisis
    uk = crisis_lines({"CRISIS_COUNTRY": "uk"})
    assert uk.country == "GB" and "116 123" in uk.crisis and uk.emergency == "999"
    custom = crisis_lines({"CRISIS_COUNTRY": "IE", "CRISIS_LINE": "Our line: 0800 000", "EMERGENCY_NUMBER": "112"})
    assert custom.crisis == "Our line: 0800 000" and custom.emergency == "112"
    assert crisis_lines({"CRISIS_COUNTRY": "ZZ"}).country == "INTL"
    assert "emergency" in crisis_lines({}).emergency


def test_the_crisis_wording_names_its_sources_in_the_knowledge_base():
    import yaml

    from bot.knowledge import load_knowledge
    from bot.safety.detector import KNOWLEDGE_FILE

    sources = yaml.safe_load(KNOWLEDGE_FILE.read_text())["sources"]
    known = load_knowledge().sources
    assert sources and all(s in known for s in sources)
