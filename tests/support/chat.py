"""A user talking to the assistant through the REST channel, the way a client would."""
from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import requests

from evaluation.patient import assessment_in  # noqa: F401  (one reader of the payload, shared)


class Chat:
    def __init__(self, base_url: str, sender: Optional[str] = None) -> None:
        self.base_url = base_url
        self.sender = sender or f"test-{uuid.uuid4().hex[:12]}"
        self.transcript: List[tuple] = []

    def say(self, text: str) -> List[Dict[str, Any]]:
        response = requests.post(
            f"{self.base_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=60,
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
        replies = response.json()
        self.transcript.append((text, replies))
        return replies

    def press(self, replies: List[Dict[str, Any]], title: str) -> List[Dict[str, Any]]:
        """Press the button with this title in the last replies (sends its payload)."""
        for reply in replies:
            for button in reply.get("buttons", []):
                if button["title"].lower() == title.lower():
                    return self.say(button["payload"])
        raise AssertionError(f"no button {title!r} in {replies}")

    def dump(self) -> str:
        lines = []
        for text, replies in self.transcript:
            lines.append(f"USER: {text}")
            for reply in replies:
                lines.append(f"  BOT: {reply.get('text') or reply.get('custom')}")
        return "\n".join(lines)


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies if r.get("text"))


def buttons_in(replies: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]
