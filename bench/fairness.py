"""`make bench`, second part: one noisy user, one long conversation, one hung Redis.

    .venv/bin/python -m bench.fairness [--users 10] [--flood 500] [--long-turns 300]

On one server of ours (the default topology: SQLite tracker store, the action server beside it),
REST on loopback:

1. **Flood** (issue #17.6): 10 users hold interviews (bench.conversations), first alone (quiet),
   then while one more sender fires 500 messages as fast as 50 connections allow. Their p95
   during the flood against the quiet p95: target at most 2x.
2. **Long conversation** (#17.7): one sender, 300 turns in one session. Median latency of the
   last 10 turns against the first 10: target at most 1.5x.
3. **Hung Redis** (#19.4): a private redis-server (never the machine's) stopped with SIGSTOP;
   three users take their conversation's lock at once (bot.locks.AtomicRedisLockStore): the
   longest wait before the friendly failure, target at most 2 s.

Numbers go to stdout and results/bench-fairness.json. It never fails on a missed target.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

from bench.conversations import conversations, nlu_corpus
from bench.load import percentile, say
from bench.procs import ROOT, Server, base_env, free_port, rasa_cmd, wait_for_first_answer, wait_for_health
from bench.run import log, newest_model
from bot.texts import say as say_text

SLOW_DOWN = say_text("service.slow_down")
PAUSE_BETWEEN_TURNS_S = 0.1
TARGETS = {"flood_p95_ratio": 2.0, "long_last_first_ratio": 1.5, "hung_redis_wait_s": 2.0}
Timed = Tuple[float, float]  # (start, latency) in perf_counter seconds


async def interviews(url: str, users: int, turns_each: int, failed: Optional[List[str]] = None) -> List[Timed]:
    """`users` people holding interviews, `turns_each` turns each; every answered turn's (start,
    latency). A turn without an answer (an HTTP error, a timeout) goes to `failed`, and that
    person starts a new conversation."""
    timed: List[Timed] = []
    failed = [] if failed is None else failed
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:

        async def user(index: int) -> None:
            left = turns_each
            for conversation in conversations("ours", offset=index):
                sender = f"fair-{index}-{uuid.uuid4().hex[:8]}"
                replies = None
                while left > 0:
                    text = conversation.next_message(replies)
                    if text is None:
                        break
                    left -= 1
                    start = time.perf_counter()
                    try:
                        replies = await say(session, url, sender, text)
                    except (RuntimeError, aiohttp.ClientError, asyncio.TimeoutError) as error:
                        failed.append(str(error)[:120])
                        break
                    timed.append((start, time.perf_counter() - start))
                if left <= 0:
                    return

        await asyncio.gather(*(user(i) for i in range(users)))
    return timed


async def flood(url: str, messages: int, connections: int) -> Tuple[float, float, Dict[int, int]]:
    """One sender, `messages` messages, `connections` at a time; (start, end, statuses)."""
    statuses: Dict[int, int] = {}
    sender = f"flooder-{uuid.uuid4().hex[:8]}"
    left = iter(range(messages))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:

        async def connection() -> None:
            for index in left:
                try:
                    async with session.post(url, json={"sender": sender, "message": f"hello {index}"}) as answer:
                        await answer.read()
                        statuses[answer.status] = statuses.get(answer.status, 0) + 1
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    statuses[0] = statuses.get(0, 0) + 1  # no answer at all

        start = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(connections)))
    return start, time.perf_counter(), statuses


async def flood_scenario(url: str, users: int, turns_each: int, messages: int) -> Dict[str, Any]:
    quiet_failed: List[str] = []
    flood_failed: List[str] = []
    quiet = await interviews(url, users, turns_each, quiet_failed)
    flooding = asyncio.ensure_future(flood(url, messages, 50))
    await asyncio.sleep(0.5)  # the flood is under way
    during = await interviews(url, users, turns_each, flood_failed)
    flood_start, flood_end, statuses = await flooding
    in_window = [latency for start, latency in during if flood_start <= start <= flood_end]
    quiet_p95 = percentile([latency for _, latency in quiet], 95)
    flood_p95 = percentile(in_window, 95) if in_window else float("nan")
    return {
        "users": users, "turns_each": turns_each, "flood_messages": messages,
        "quiet_p95_ms": round(quiet_p95 * 1000, 1),
        "flood_p95_ms": round(flood_p95 * 1000, 1),
        "turns_during_flood": len(in_window),
        "unanswered_quiet": len(quiet_failed),
        "unanswered_during_flood": len(flood_failed),
        "unanswered_examples": sorted(set(flood_failed))[:3],
        "flood_seconds": round(flood_end - flood_start, 2),
        "flood_statuses": statuses,
        "flood_p95_ratio": round(flood_p95 / quiet_p95, 2) if quiet_p95 else None,
    }


async def long_conversation(url: str, turns: int) -> Dict[str, Any]:
    sender = f"long-{uuid.uuid4().hex[:8]}"
    latencies: List[float] = []
    messages = itertools.cycle(nlu_corpus())
    # A fresh connection per turn: a kept-alive one the server closed meanwhile is not a turn's cost.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=300)) as session:
        refused = 0
        for _ in range(turns):
            start = time.perf_counter()
            replies = await say(session, url, sender, next(messages))
            latencies.append(time.perf_counter() - start)
            if not replies or any(r.get("text") == SLOW_DOWN for r in replies):
                refused += 1  # the per-sender limit answered, not the assistant: not a real turn
            # A person's pace is far slower; this keeps one sender under the per-sender limit, so
            # every turn is a real one (the latency is measured from the request, not the pause).
            await asyncio.sleep(PAUSE_BETWEEN_TURNS_S)
    if refused:
        raise RuntimeError(f"{refused} of {turns} turns were refused by the per-sender limit: not measured")
    first, last = statistics.median(latencies[:10]), statistics.median(latencies[-10:])
    return {
        "turns": turns,
        "first_10_median_ms": round(first * 1000, 1),
        "last_10_median_ms": round(last * 1000, 1),
        "by_50_turns_median_ms": [round(statistics.median(latencies[i:i + 50]) * 1000, 1)
                                  for i in range(0, turns, 50)],
        "long_last_first_ratio": round(last / first, 2),
    }


async def hung_redis(workdir: Path) -> Dict[str, Any]:
    from bot.locks import AtomicRedisLockStore

    binary = shutil.which("redis-server")
    if binary is None:
        return {"skipped": "redis-server is not installed"}
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=open(workdir / "redis.log", "ab"), stderr=subprocess.STDOUT)
    try:
        time.sleep(1.0)
        store = AtomicRedisLockStore(host="127.0.0.1", port=port, db=0, key_prefix="benchhung")
        async with store.lock("warm-up"):  # a working connection first, as on a live replica
            pass
        os.kill(server.pid, signal.SIGSTOP)

        async def turn(user: str) -> float:
            start = time.perf_counter()
            try:
                async with store.lock(user):
                    pass
            except Exception:  # noqa: BLE001 - the failure is the expected outcome
                pass
            return time.perf_counter() - start

        waits = await asyncio.gather(*(turn(f"user-{i}") for i in range(3)))
        return {"users": 3, "timeout_s": store.timeout, "waits_s": [round(w, 2) for w in waits],
                "hung_redis_wait_s": round(max(waits), 2)}
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.terminate()
        server.wait(10)


def start_servers(workdir: Path, model: Path) -> Tuple[List[Server], str]:
    action_port, port = free_port(), free_port()
    actions = Server("actions", rasa_cmd("run", "actions", "--actions", "actions", "--port", str(action_port)),
                     ROOT, workdir / "actions.log", base_env()).start()
    wait_for_health(f"http://127.0.0.1:{action_port}/health", actions, 300)
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
                         "tracker_store:\n  type: bot.stores.ForgetfulSQLTrackerStore\n  dialect: sqlite\n"
                         f'  db: "{workdir / "trackers.db"}"\n')
    rasa = Server("rasa", rasa_cmd("run", "--model", str(model), "--endpoints", str(endpoints), "--credentials",
                                   str(ROOT / "credentials.yml"), "--port", str(port), "--interface", "127.0.0.1"),
                  ROOT, workdir / "rasa.log", base_env()).start()
    url = f"http://127.0.0.1:{port}"
    wait_for_first_answer(url, rasa, "hello", timeout=600)
    return [actions, rasa], f"{url}/webhooks/rest/webhook"


def verdict(value: Optional[float], target: float) -> str:
    if value is None or value != value:
        return "n/a"
    return "PASS" if value <= target else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--turns-each", type=int, default=20)
    parser.add_argument("--flood", type=int, default=500)
    parser.add_argument("--long-turns", type=int, default=300)
    parser.add_argument("--skip-flood", action="store_true", help="only the hung Redis and the long conversation")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench-fairness.json")
    args = parser.parse_args()
    results: Dict[str, Any] = {"model": str(newest_model())}
    workdir = Path(tempfile.mkdtemp(prefix="leg-triage-fairness-"))
    try:
        log("hung Redis: 3 users' locks on a stopped private redis-server")
        results["hung_redis"] = asyncio.run(hung_redis(workdir))
        log(f"  {results['hung_redis']}")
        log("starting the action server and one Rasa server (default topology)")
        servers, url = start_servers(workdir, newest_model())
        try:
            asyncio.run(interviews(url, 2, 10))  # warm-up
            if not args.skip_flood:
                log(f"{args.users} users quiet, then the same during a {args.flood}-message flood")
                results["flood"] = asyncio.run(flood_scenario(url, args.users, args.turns_each, args.flood))
                log(f"  {results['flood']}")
            log(f"one conversation of {args.long_turns} turns")
            results["long_conversation"] = asyncio.run(long_conversation(url, args.long_turns))
            log(f"  {results['long_conversation']}")
        finally:
            for server in reversed(servers):
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    checks = [("flood_p95_ratio", results.get("flood", {}).get("flood_p95_ratio")),
              ("long_last_first_ratio", results.get("long_conversation", {}).get("long_last_first_ratio")),
              ("hung_redis_wait_s", results.get("hung_redis", {}).get("hung_redis_wait_s"))]
    results["targets"] = {name: {"value": value, "at_most": TARGETS[name], "verdict": verdict(value, TARGETS[name])}
                          for name, value in checks}
    print("\n  target                   value   at most  verdict")
    for name, value in checks:
        print(f"  {name:<24} {str(value):>7}  {TARGETS[name]:>7}  {verdict(value, TARGETS[name])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
