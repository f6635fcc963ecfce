"""Rule-based symptom extraction from free text (pure Python + spaCy, no Rasa).

    from bot.nlu.extraction import extract, analyse
    extract("no pain but my legs tingle at nite")
    # [Mention(kind='feature', id='leg_pain', negated=True, ...),
    #  Mention(kind='feature', id='both_legs', negated=False, ...), ...]

What is matched
---------------
Every feature's ``phrases:`` in bot/knowledge/features.yml and every cause's
``aliases:`` in causes.yml, compiled once into spaCy matchers over a
``spacy.blank("en")`` tokenizer. Each token gets a NORM (lower case, spelling
table, fuzzy spelling) and a LEMMA: see ``bot.nlu.extraction.normalisation``.

Phrase syntax: see ``bot.nlu.extraction.patterns`` (and the header of features.yml).

Overlaps: the candidate covering the most words wins ("stiff neck" beats
"stiff", "numb groin" beats "numb"); identical spans keep every feature.
Cause mentions compete only with each other, but a feature mention lying
inside a cause mention that names a diagnosis (``diagnosis_words:``, e.g.
"restless legs syndrome") is dropped. ``ignore:`` phrases mask what they
cover ("drink plenty of water" is not alcohol).

Negation: see ``bot.nlu.extraction.negation`` (cues in ``negation:`` of lexicon.yml).

A feature mentioned twice is reported once; if the message contradicts
itself, the last mention wins ("no tingling... actually there is tingling").

Limits: only the first ``max_chars`` (4,096) characters are analysed; empty,
whitespace-only, emoji-only or non-English text simply gives no mentions.

The modules: ``normalisation`` (words), ``patterns`` (phrases, matches, overlaps), ``negation``
(cues and their scope), ``extractor`` (the Extractor and the module functions re-exported here).
"""
from __future__ import annotations

from bot.nlu.extraction.extractor import (
    LEXICON_PATH,
    Extractor,
    Mention,
    analyse,
    evidence,
    extract,
    extract_causes,
    get_extractor,
    red_flag_features,
)
from bot.nlu.extraction.normalisation import osa_within
from bot.nlu.extraction.patterns import CAUSE, FEATURE, phrase_example

_osa_within = osa_within  # the name bot/safety/detector.py imports

__all__ = [
    "CAUSE",
    "FEATURE",
    "Mention",
    "Extractor",
    "LEXICON_PATH",
    "analyse",
    "evidence",
    "extract",
    "extract_causes",
    "get_extractor",
    "osa_within",
    "phrase_example",
    "red_flag_features",
]
