"""What the privacy conversation tests read: the SQLite store, the `privacy` payload, an interview."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Dict, List

from tests.support.chat import Chat, assessment_in
from tests.support.patient import Patient


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


def full_interview(chat: Chat, replies: List[Dict[str, Any]], patient: Patient) -> Dict[str, Any]:
    """Answers as `patient` from these replies on until the assistant concludes."""
    from tests.support.patient import MAX_TURNS, question_feature

    for _ in range(MAX_TURNS):
        found = assessment_in(replies)
        if found is not None:
            return found
        feature = question_feature(replies)
        assert feature is not None, f"neither a question nor a conclusion:\n{chat.dump()}"
        replies = chat.say(patient.answer(feature))
    raise AssertionError(f"no conclusion:\n{chat.dump()}")
