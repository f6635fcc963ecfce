"""Scores bot.nlu.extraction on tests/nlu/extraction_corpus.yml (run with -s to see the figures)."""
from __future__ import annotations

from collections import Counter

import pytest

from bot.knowledge import load_knowledge
from bot.nlu.extraction import extract
from tests.nlu.corpus_eval import load_corpus, score

MIN_F1 = 0.93
MIN_NEGATION_ACCURACY = 0.95


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def result(corpus):
    return score(corpus, extract)


def test_corpus_labels_are_known_features(corpus):
    known = set(load_knowledge().features)
    for item in corpus:
        unknown = (item.present | item.absent) - known
        assert not unknown, (item.text, unknown)
        assert not (item.present & item.absent), item.text
        assert item.tags <= {"misspelled"}, item.text


def test_corpus_composition(corpus, capsys):
    n = len(corpus)
    negated = sum(1 for i in corpus if i.absent)
    misspelled = sum(1 for i in corpus if "misspelled" in i.tags)
    three_plus = sum(1 for i in corpus if len(i.present) + len(i.absent) >= 3)
    with capsys.disabled():
        print(
            f"\n[nlu] corpus: {n} sentences, {negated} with negation, {misspelled} misspelled, "
            f"{three_plus} with 3+ features"
        )
    assert n >= 220
    assert negated >= n / 4
    assert misspelled >= n / 10
    assert three_plus >= n / 5
    assert len({i.text for i in corpus}) == n, "duplicate sentences"


def test_every_feature_is_covered_twice(corpus):
    counts = Counter(f for item in corpus for f in item.present | item.absent)
    thin = {f: counts[f] for f in load_knowledge().features if counts[f] < 2}
    assert not thin, f"features with fewer than 2 corpus sentences: {thin}"


def test_micro_f1(result, capsys):
    with capsys.disabled():
        print(
            f"\n[nlu] micro P={result.precision:.3f} R={result.recall:.3f} F1={result.f1:.3f} "
            f"(tp={result.tp} fp={result.fp} fn={result.fn})"
        )
        for text, missing, extra in result.errors:
            print(f"[nlu]   {text!r}: missing {missing} extra {extra}")
    assert result.f1 >= MIN_F1


def test_negation_accuracy(result, capsys):
    with capsys.disabled():
        print(
            f"\n[nlu] negated-feature accuracy={result.negation_accuracy:.3f} "
            f"({result.negated_correct}/{result.negated_total})"
        )
    assert result.negation_accuracy >= MIN_NEGATION_ACCURACY
