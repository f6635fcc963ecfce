"""The privacy notice and the `privacy` custom payload the channels render (issue #21 contract).

    {"privacy": {"storage": "ask" | "stored" | "not_stored", "retention_days": 30,
                 "operator": "...", "policy_url": "...",
                 "controls": [{"id": "forget", "title": ..., "payload": "/delete_my_data"},
                              {"id": "export", "title": ..., "payload": "/export_my_data"},
                              {"id": "notice", "title": ..., "payload": "/privacy_info"}]}}
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.privacy import STORAGE_ASK, STORAGE_STORED, storage_state
from bot.settings import Settings, settings
from bot.texts import say

Message = Dict[str, Any]

ACCEPT_PAYLOAD = "/privacy_accept"
DECLINE_PAYLOAD = "/privacy_decline"
CONTROLS = (("forget", "control_forget", "/delete_my_data"),
            ("export", "control_export", "/export_my_data"),
            ("notice", "control_notice", "/privacy_info"))


def privacy_payload(storage: str, config: Optional[Settings] = None) -> Dict[str, Any]:
    config = config or settings()
    return {"privacy": {
        "storage": storage,
        "retention_days": config.retention_days,
        "operator": config.operator_name,
        "policy_url": config.privacy_policy_url,
        "controls": [{"id": id_, "title": say(f"privacy.{title}"), "payload": payload}
                     for id_, title, payload in CONTROLS],
    }}


def notice_text(storage: str, config: Optional[Settings] = None) -> str:
    """The two lines: what is kept, for how long, who runs it; how to erase or export."""
    config = config or settings()
    policy = say("privacy.policy_link", url=config.privacy_policy_url) if config.privacy_policy_url else ""
    key = {STORAGE_ASK: "notice_ask", STORAGE_STORED: "notice_stored"}.get(storage, "notice_not_stored")
    first = say(f"privacy.{key}", days=config.retention_days, operator=config.operator_name, policy=policy)
    return f"{first}\n{say('privacy.notice_controls')}"


def consent_buttons(storage: str) -> List[Dict[str, str]]:
    if storage != STORAGE_ASK:
        return []
    return [{"title": say("privacy.button_accept"), "payload": ACCEPT_PAYLOAD},
            {"title": say("privacy.button_decline"), "payload": DECLINE_PAYLOAD}]


def with_privacy(text: str, storage: str, config: Optional[Settings] = None, buttons: bool = False) -> Message:
    """One message: `text`, the consent buttons (while undecided, if asked for) and the payload."""
    message: Message = {"text": text, "json_message": privacy_payload(storage, config)}
    if buttons and consent_buttons(storage):
        message["buttons"] = consent_buttons(storage)
    return message


def notice(consent: Optional[str], config: Optional[Settings] = None) -> Message:
    """The notice alone (before the first question, or on /privacy_info)."""
    config = config or settings()
    storage = storage_state(consent, config.privacy_default)
    return with_privacy(notice_text(storage, config), storage, config, buttons=True)


def welcome(consent: Optional[str], config: Optional[Settings] = None) -> Message:
    """The greeting: the welcome, the notice, the first question, in one message."""
    config = config or settings()
    storage = storage_state(consent, config.privacy_default)
    text = f"{say('privacy.welcome')}\n\n{notice_text(storage, config)}\n\n{say('privacy.first_question')}"
    return with_privacy(text, storage, config, buttons=True)
