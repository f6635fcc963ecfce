"""The person behind the symptoms: thoughts of suicide or self-harm, distress, crisis lines.

Pure Python, no Rasa import: ``detect(text)`` says which reply a message needs, ``crisis_lines()``
who to call in this deployment. The language lives in bot/knowledge/crisis.yml.
"""
from bot.safety.detector import CHECK, CRISIS, DISTRESS, NONE, SafetyReading, detect, warm_up
from bot.safety.lines import CrisisLines, crisis_lines

__all__ = ["CHECK", "CRISIS", "DISTRESS", "NONE", "SafetyReading", "detect", "warm_up", "CrisisLines", "crisis_lines"]
