"""Privacy people can see and control (issue #21): whether a conversation is kept, and the notice.

One decision, used by the tracker store (bot/privacy/store.py) and by the actions
(actions/privacy.py): a conversation is written to the tracker store only when the person agreed
(slot ``storage_consent`` = "granted"), or when the deployment keeps conversations by default
(PRIVACY_DEFAULT=store) and the person did not decline. PRIVACY_DEFAULT=ephemeral never keeps.
"""
from __future__ import annotations

from typing import Optional

CONSENT_SLOT = "storage_consent"
NOTICE_SHOWN_SLOT = "privacy_notice_shown"
WELCOMED_SLOT = "welcomed"
GRANTED = "granted"
DECLINED = "declined"

#: PRIVACY_DEFAULT values (bot/settings.py).
ASK, STORE, EPHEMERAL = "ask", "store", "ephemeral"

#: The `storage` the widget shows (the `privacy` custom payload).
STORAGE_ASK, STORAGE_STORED, STORAGE_NOT_STORED = "ask", "stored", "not_stored"

#: Actions whose turn changes what the store does (see bot/privacy/store.py).
DECLINE_ACTION = "action_privacy_decline"


def is_kept(consent: Optional[str], default: str) -> bool:
    """True when this conversation may be written to the tracker store."""
    if default == EPHEMERAL:
        return False
    if consent == GRANTED:
        return True
    if consent == DECLINED:
        return False
    return default == STORE


def storage_state(consent: Optional[str], default: str) -> str:
    """What the widget shows: still to be asked, stored, or not stored."""
    if is_kept(consent, default):
        return STORAGE_STORED
    if default == ASK and consent is None:
        return STORAGE_ASK
    return STORAGE_NOT_STORED
