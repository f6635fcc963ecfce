"""What the privacy conversation tests share: a patient, the SQLite store's rows, the `privacy` payload."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Dict, List

from evaluation.profile_patient import ProfilePatient as Patient

#: Restless legs: answers yes to its features, no to everything else.
RLS = Patient("I get a creepy crawly feeling in my legs in bed and have to get up and walk",
              has=frozenset({"urge_to_move", "crawling_sensation", "worse_at_night", "relieved_by_movement",
                             "at_rest", "both_legs", "lasting_weeks"}))


def sqlite_user_texts(db: Path, sender: str) -> List[str]:
    """The user messages of one conversation in the SQLite store (none if the table is not there yet)."""
    import json

    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        if not conn.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchone():
            return []
        rows = conn.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
                            (sender,)).fetchall()
    return [json.loads(data).get("text") for (data,) in rows]


def privacy_in(replies: List[Dict[str, Any]]) -> Dict[str, Any]:
    found = [r["custom"]["privacy"] for r in replies if isinstance(r.get("custom"), dict) and "privacy" in r["custom"]]
    assert len(found) == 1, replies
    return found[0]
