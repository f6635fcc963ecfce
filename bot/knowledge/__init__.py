"""The knowledge base: typed loader and validation for the YAML files in this folder.

    from bot.knowledge import load_knowledge, KnowledgeBase, KnowledgeError
    kb = load_knowledge()                 # cached for the default directory
    kb.features["urge_to_move"].question
    kb.causes["restless_legs_syndrome"].aliases

Files (all in one directory): sources.yml, features.yml, triage_levels.yml, causes.yml,
red_flags.yml, tips.yml. Every problem found on load raises KnowledgeError, whose message
names the file and the entry id (``causes.yml, entry 'caffeine': unknown feature 'cofee'``).
Pure Python + PyYAML: no Rasa import here. The records are in ``model``, the loader and its
checks in ``loader``; this package re-exports the public names.
"""
from __future__ import annotations

from bot.knowledge.loader import DEFAULT_DIRECTORY, load_knowledge
from bot.knowledge.model import (
    FEATURE_GROUPS,
    Cause,
    Condition,
    Feature,
    KnowledgeBase,
    KnowledgeError,
    RedFlag,
    Source,
    Tip,
    TriageLevel,
)

__all__ = [
    "Cause",
    "Condition",
    "Feature",
    "KnowledgeBase",
    "KnowledgeError",
    "RedFlag",
    "Source",
    "Tip",
    "TriageLevel",
    "DEFAULT_DIRECTORY",
    "FEATURE_GROUPS",
    "load_knowledge",
]
