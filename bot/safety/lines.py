"""Who to call: the deployment's crisis line and emergency number.

Chosen per deployment from the environment (read through bot/settings.py), defaults in
bot/knowledge/crisis.yml (``lines:``):
  CRISIS_COUNTRY    a country code of that file (US, CA, GB, IE, AU, NZ, DE, FR; INTL by default)
  CRISIS_LINE       overrides the crisis-line text ("Samaritans on 116 123 (free, day or night)")
  EMERGENCY_NUMBER  overrides the emergency number text ("999")
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Mapping, Optional

import yaml

from bot.safety.detector import KNOWLEDGE_FILE
from bot.settings import setting


@dataclass(frozen=True)
class CrisisLines:
    country: str
    emergency: str
    crisis: str

    def as_payload(self) -> dict[str, str]:
        return {"country": self.country, "emergency": self.emergency, "crisis_line": self.crisis}


@functools.lru_cache(maxsize=1)
def _table() -> tuple[str, Mapping[str, Mapping[str, str]]]:
    with open(KNOWLEDGE_FILE, encoding="utf-8") as fh:
        lines = (yaml.safe_load(fh) or {}).get("lines") or {}
    return str(lines.get("default_country", "INTL")), lines.get("countries") or {}


def crisis_lines(environ: Optional[Mapping[str, str]] = None) -> CrisisLines:
    default, countries = _table()
    country = (setting("crisis_country", environ) or default).strip().upper()
    if country == "UK":
        country = "GB"
    entry = countries.get(country) or countries[default]
    if country not in countries:
        country = default
    emergency = setting("emergency_number", environ) or entry["emergency"]
    crisis = setting("crisis_line", environ) or entry["crisis"]
    return CrisisLines(country, emergency, crisis)
