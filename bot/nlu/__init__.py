"""Symptom NLU: rule-based evidence extraction from the knowledge base.

* ``bot.nlu.extraction``: pure Python + spaCy (no Rasa): ``extract(text)``.
* ``bot.nlu.symptom_extractor.SymptomExtractor``: Rasa entity extractor.
* ``bot.nlu.evidence_intent_guard.EvidenceIntentGuard``: Rasa intent override.
* ``bot/nlu/lexicon.yml``: negation cues, spelling table, ignore phrases.

Importing this package imports neither Rasa nor spaCy.
"""
