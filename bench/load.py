"""Closed-loop load generator for the REST channel (aiohttp, one event loop).

`users` simulated users run concurrently; each plays conversations from bench.conversations one
after the other (a fresh sender id per conversation) and sends its next message as soon as the
previous answer arrived (no think time: this measures capacity). The run stops when `turns`
requests have been sent; the turns in flight finish. Every turn's latency is recorded.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List

import aiohttp

from bench.conversations import conversations


@dataclass
class LoadResult:
    users: int
    turns: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: List[float] = field(default_factory=list)  # seconds, successful turns
    outcomes: Counter = field(default_factory=Counter)  # finished conversations by outcome

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies, q)

    def summary(self) -> Dict[str, Any]:
        return {
            "users": self.users,
            "turns": len(self.latencies),
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "throughput_tps": round(self.throughput, 3),
            "p50_ms": round(self.percentile(50) * 1000, 2),
            "p95_ms": round(self.percentile(95) * 1000, 2),
            "p99_ms": round(self.percentile(99) * 1000, 2),
            "mean_ms": round(sum(self.latencies) / len(self.latencies) * 1000, 2) if self.latencies else None,
            "conversations": dict(self.outcomes),
        }


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> List[Dict[str, Any]]:
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {(await response.text())[:200]}")
        return await response.json()


async def run_load(base_url: str, bot: str, users: int, turns: int, timeout: float = 120.0) -> LoadResult:
    result = LoadResult(users=users)
    url = f"{base_url}/webhooks/rest/webhook"
    budget = {"left": turns}
    connector = aiohttp.TCPConnector(limit=users + 4, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)) as session:

        async def user(index: int) -> None:
            for conv in conversations(bot, offset=index):
                sender = f"bench-{bot}-{index}-{uuid.uuid4().hex[:10]}"
                replies = None
                while True:
                    text = conv.next_message(replies)
                    if text is None:
                        result.outcomes[conv.outcome] += 1
                        break
                    if budget["left"] <= 0:
                        return
                    budget["left"] -= 1
                    start = time.perf_counter()
                    try:
                        replies = await say(session, url, sender, text)
                    except Exception:  # noqa: BLE001 - counted, the conversation is abandoned
                        result.errors += 1
                        result.outcomes["error"] += 1
                        break
                    result.latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(user(i) for i in range(users)))
        result.seconds = time.perf_counter() - start
    result.turns = len(result.latencies)
    return result


def load(base_url: str, bot: str, users: int, turns: int) -> LoadResult:
    return asyncio.run(run_load(base_url, bot, users, turns))
