"""In-process timings, run as its own process by bench.run (prints one JSON object):

* engine: `bot.engine.assess` (and `next_question`, which action_triage_turn also calls) over the
  evidence states of realistic interviews (each bench patient's interview replayed against the
  engine: opening features from the extractor, then the engine's questions answered from the
  profile);
* extractor: `bot.nlu.extraction` analyse() alone, per message;
* NLU: the trained model's whole NLU pipeline, `Agent.load(model).parse_message(text)`, per
  message (ours on our messages, the baseline on its own).

    python -m bench.inproc --model models/x.tar.gz [--baseline-model /tmp/.../models/y.tar.gz]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from typing import Callable, Dict, List


def stats(samples: List[float]) -> Dict[str, float]:
    ordered = sorted(samples)
    n = len(ordered)

    def pct(q: float) -> float:
        return ordered[max(0, min(n - 1, int(round(q / 100 * n + 0.5)) - 1))]

    return {
        "n": n,
        "mean_ms": round(statistics.fmean(ordered) * 1000, 4),
        "p50_ms": round(pct(50) * 1000, 4),
        "p99_ms": round(pct(99) * 1000, 4),
        "max_ms": round(ordered[-1] * 1000, 4),
    }


def timed(fn: Callable[[], object], repeat: int) -> List[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def interview_states() -> List[dict]:
    """Evidence after every turn of every bench patient's interview, replayed on the engine."""
    from bot.engine import MAX_QUESTIONS, assess, next_question
    from bot.knowledge import load_knowledge
    from bot.nlu.extraction import evidence as mention_evidence, extract

    from bench.conversations import PATIENTS

    kb = load_knowledge()
    states = []
    for p in PATIENTS:
        said = mention_evidence(extract(p.opening))
        ev = {f: "present" for f in said["present"]}
        ev.update({f: "absent" for f in said["absent"]})
        asked: List[str] = []
        states.append(dict(ev))
        while len(asked) < MAX_QUESTIONS:
            a = assess(ev, kb=kb)
            if a.emergency:
                break
            q = next_question(ev, asked=asked, kb=kb)
            if q is None:
                break
            asked.append(q.feature_id)
            ev[q.feature_id] = "present" if q.feature_id in p.has else "unknown" if q.feature_id in p.unsure_about else "absent"
            states.append(dict(ev))
    return states


def engine_timings(repeat: int) -> Dict[str, object]:
    from bot.engine import assess, next_question
    from bot.knowledge import load_knowledge

    kb = load_knowledge()
    states = interview_states()
    for ev in states:  # warm the compiled-model cache
        assess(ev, kb=kb)
    gc.collect()
    a_samples: List[float] = []
    q_samples: List[float] = []
    for _ in range(repeat):
        for ev in states:
            a_samples += timed(lambda: assess(ev, kb=kb), 1)
            q_samples += timed(lambda: next_question(ev, asked=[], kb=kb), 1)
    return {"states": len(states), "assess": stats(a_samples), "next_question": stats(q_samples)}


def extractor_timings(messages: List[str], repeat: int) -> Dict[str, object]:
    from bot.nlu.extraction import get_extractor

    t = time.perf_counter()
    ex = get_extractor()
    build = time.perf_counter() - t
    for m in messages:
        ex.analyse(m)
    samples: List[float] = []
    for _ in range(repeat):
        for m in messages:
            samples += timed(lambda: ex.analyse(m), 1)
    return {"build_s": round(build, 3), "analyse": stats(samples)}


def nlu_timings(model: str, messages: List[str], repeat: int) -> Dict[str, object]:
    from rasa.core.agent import Agent

    t = time.perf_counter()
    agent = Agent.load(model)
    load_s = time.perf_counter() - t

    async def go() -> List[float]:
        for m in messages:  # warm-up: TensorFlow traces its graphs on the first calls
            await agent.parse_message(m)
        samples = []
        for _ in range(repeat):
            for m in messages:
                t0 = time.perf_counter()
                await agent.parse_message(m)
                samples.append(time.perf_counter() - t0)
        return samples

    samples = asyncio.run(go())
    return {"load_s": round(load_s, 2), "messages": len(messages), "parse": stats(samples)}


def main() -> None:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from bot.rasa_cli import silence_library_warnings

    silence_library_warnings()
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no per-message debug lines inside the timings
    logging.disable(logging.WARNING)

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--baseline-model", help="also time the baseline's NLU (its model load takes minutes)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from bench.conversations import baseline_corpus, nlu_corpus

    out: Dict[str, object] = {}
    out["engine"] = engine_timings(max(50, args.repeat * 10))
    out["extractor"] = extractor_timings(nlu_corpus(), args.repeat * 2)
    out["nlu_ours"] = nlu_timings(args.model, nlu_corpus(), args.repeat)
    if args.baseline_model:
        out["nlu_baseline"] = nlu_timings(args.baseline_model, baseline_corpus(), args.repeat)
    print("BENCH-JSON " + json.dumps(out))


if __name__ == "__main__":
    main()
