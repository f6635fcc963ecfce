"""What every channel does to untrusted input before Rasa sees it: read a body safely, and keep
one sender from starving the others.

Shared by the REST, widget and Telegram channels so that the rules (and the friendly replies)
are the same everywhere.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional


class UnreadableBody(ValueError):
    """The body is not JSON this server can read (malformed, not UTF-8, or nested too deep)."""


def read_json(raw: Optional[bytes]) -> Any:
    """The body parsed as JSON, or UnreadableBody.

    `json.loads` raises RecursionError on arrays or objects nested tens of thousands of levels
    deep; that must be a 400 like any other unreadable body, never a 500.
    """
    try:
        return json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise UnreadableBody(type(error).__name__) from None


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


@dataclass
class SenderRateLimiter:
    """A token bucket per sender: `burst` messages at once, then `per_second` on average.

    In-process and approximate by design: it protects one replica's event loop from one noisy
    sender. nginx's `limit_req` (deploy/nginx.conf.template) is the limit across replicas.
    """

    per_second: float = 2.0
    burst: int = 10
    max_senders: int = 50_000
    clock: Callable[[], float] = time.monotonic
    _buckets: Dict[str, _Bucket] = field(default_factory=dict)

    def allow(self, sender: str) -> bool:
        now = self.clock()
        bucket = self._buckets.get(sender)
        if bucket is None:
            if len(self._buckets) >= self.max_senders:
                self._forget_idle(now)
            bucket = self._buckets[sender] = _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True
        return False

    def should_warn(self, sender: str) -> bool:
        """True once per burst of refusals: the first refused message gets the "slow down" reply,
        the rest are dropped silently so a flood does not become a flood of replies."""
        bucket = self._buckets.get(sender)
        if bucket is None or bucket.warned:
            return False
        bucket.warned = True
        return True

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.per_second if self.per_second > 0 else 0.0
        for sender in [s for s, b in self._buckets.items() if now - b.updated > full_after]:
            del self._buckets[sender]
        if len(self._buckets) >= self.max_senders:  # all busy: drop the oldest half
            for sender in sorted(self._buckets, key=lambda s: self._buckets[s].updated)[: self.max_senders // 2]:
                del self._buckets[sender]
