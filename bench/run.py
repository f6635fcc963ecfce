"""`make bench`: our assistant against the stock `rasa init` assistant, same Rasa, same machine.

    .venv/bin/python -m bench.run [--quick] [--skip-train --baseline-dir DIR] [--profile]

Steps (everything in a temp dir; models/ and var/ are never touched):
  1. training from scratch, timed: the baseline (`rasa init --no-prompt --init-dir <tmp>`, which
     scaffolds and trains it) and ours (`rasa train --out <tmp>`), each with an empty graph cache
     (RASA_CACHE_DIRECTORY in the temp dir);
  2. each server in turn, under the same closed-loop load through the REST channel on loopback
     (bench.load): cold start (process start to first answer), warm-up, 1 user, then 20
     concurrent users; memory from /proc (bench.procs):
       - baseline: the trained init project, its own greet/mood conversations, in-memory stores;
       - ours: the newest models/*.tar.gz, its action server, SQLite tracker store (the default
         topology of endpoints.yml), realistic symptom interviews (bench.conversations);
       - ours, scaled: Sanic workers + Redis lock store + PostgreSQL tracker store (endpoints_ours,
         docs/performance.md);
  3. in-process timings (bench.inproc): engine assess / next_question, the extractor, NLU parse;
  4. one table (ratios ours/baseline, targets PASS/MISS) on stdout, everything in results/bench.json.

It never fails on a missed target (exit 0); it fails only if something could not run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bench.load import load
from bench.procs import (
    PYTHON,
    ROOT,
    Sampler,
    Server,
    base_env,
    cpu_seconds,
    free_port,
    machine_cpu,
    rasa_cmd,
    wait_for_first_answer,
    wait_for_health,
)

TARGETS = {
    "throughput_20_single": 1.0,  # ours / baseline, at least
    "throughput_20_scaled": 1.7,  # ours scaled / baseline, at least
    "p50_1_user": 1.2,  # ours / baseline, at most
    "rasa_rss_mb": 1536,  # at most
    "assess_ms": 1.0,  # at most
    "train_s": 180,  # at most
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("no trained model in models/: run `make model` first")
    return models[-1]


def loadavg() -> List[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------- training
def timed_run(args: List[str], cwd: Path, env: Dict[str, str], logfile: Path) -> float:
    start = time.perf_counter()
    with open(logfile, "wb") as out:
        proc = subprocess.run(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{logfile.read_text(errors='replace')[-3000:]}")
    return seconds


def component_times(logfile: Path) -> Dict[str, float]:
    """Seconds per trained graph component, from Rasa's training log (1 s resolution)."""
    import re
    from datetime import datetime

    pattern = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*(Starting to train|Finished training) component '([^']+)'")
    started: Dict[str, datetime] = {}
    out: Dict[str, float] = {}
    for line in logfile.read_text(errors="replace").replace("\r", "\n").splitlines():
        m = pattern.search(line)
        if not m:
            continue
        when = datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
        if m.group(2).startswith("Starting"):
            started[m.group(3)] = when
        elif m.group(3) in started:
            out[m.group(3)] = (when - started.pop(m.group(3))).total_seconds()
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def train_baseline(tmp: Path) -> Dict[str, Any]:
    project = tmp / "baseline"
    project.mkdir()
    env = base_env({"RASA_CACHE_DIRECTORY": str(tmp / "cache-baseline")})
    log("training the baseline from scratch (rasa init --no-prompt)")
    seconds = timed_run(rasa_cmd("init", "--no-prompt", "--init-dir", str(project)), tmp, env, tmp / "train-baseline.log")
    model = next((project / "models").glob("*.tar.gz"))
    log(f"  baseline trained in {seconds:.1f} s")
    return {"seconds": round(seconds, 1), "project": str(project), "model": str(model),
            "components_s": component_times(tmp / "train-baseline.log")}


def train_ours(tmp: Path) -> Dict[str, Any]:
    out = tmp / "ours-models"
    env = base_env({"RASA_CACHE_DIRECTORY": str(tmp / "cache-ours")})
    log("training ours from scratch (rasa train --out <tmp>)")
    seconds = timed_run(rasa_cmd("train", "--out", str(out), "--fixed-model-name", "bench"), ROOT, env,
                        tmp / "train-ours.log")
    components = component_times(tmp / "train-ours.log")
    log(f"  ours trained in {seconds:.1f} s (slowest: "
        + ", ".join(f"{k} {v:.0f} s" for k, v in list(components.items())[:3]) + ")")
    shutil.rmtree(out, ignore_errors=True)  # served: the newest models/*.tar.gz, as `make run`
    return {"seconds": round(seconds, 1), "components_s": components}


# --------------------------------------------------------------------------- configurations
def postgres_db(name: str) -> str:
    """A fresh PostgreSQL database for the scaled tracker store (127.0.0.1:5432, user postgres)."""
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=5)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def postgres_ok() -> bool:
    try:
        postgres_backends("postgres")
        return True
    except Exception:  # noqa: BLE001
        return False


def drop_postgres_db(name: str) -> None:
    import psycopg2

    try:
        conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=5)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()
    except Exception as e:  # noqa: BLE001 - best effort: the next run drops it anyway
        log(f"could not drop the PostgreSQL database {name}: {e}")


def redis_ok() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def endpoints_ours(workdir: Path, action_port: int, scaled: bool) -> Path:
    lines = [f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n']
    if scaled:
        db = postgres_db("bench_trackers")
        lines.append(
            "tracker_store:\n  type: bot.stores.ForgetfulSQLTrackerStore\n  dialect: postgresql\n"
            f"  url: 127.0.0.1\n  port: 5432\n  username: postgres\n  db: {db}\n"
            "lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: 6379\n  db: 0\n  key_prefix: bench\n"
        )
    else:
        lines.append(
            "tracker_store:\n  type: bot.stores.ForgetfulSQLTrackerStore\n  dialect: sqlite\n"
            f'  db: "{workdir / "trackers.db"}"\n'
        )
    path = workdir / "endpoints.yml"
    path.write_text("".join(lines))
    return path


# --------------------------------------------------------------------------- one server under load
def measure(name: str, bot: str, workdir: Path, model: Path, cwd: Path, endpoints: Optional[Path],
            credentials: Path, with_actions: bool, rasa_workers: int, action_workers: int,
            turns_1: int, turns_n: int, users: int, profile: Optional[Path]) -> Dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    servers: List[Server] = []
    out: Dict[str, Any] = {"config": {"rasa_workers": rasa_workers, "action_workers": action_workers if with_actions else 0,
                                      "model": str(model)}}
    actions = None
    try:
        if with_actions:
            action_port = free_port()
            env = base_env({"SANIC_WORKERS": str(action_workers)} if action_workers > 1 else None)
            actions = Server("actions", rasa_cmd("run", "actions", "--actions", "actions", "--port", str(action_port)),
                             ROOT, workdir / "actions.log", env).start()
            servers.append(actions)
            out["action_server_start_s"] = round(
                wait_for_health(f"http://127.0.0.1:{action_port}/health", actions, 120), 2)
            endpoints = endpoints_ours(workdir, action_port, scaled=rasa_workers > 1)
        port = free_port()
        args = ["run", "--model", str(model), "--credentials", str(credentials), "--port", str(port),
                "--interface", "127.0.0.1"]
        if endpoints is not None:
            args += ["--endpoints", str(endpoints)]
        env = base_env({"SANIC_WORKERS": str(rasa_workers)} if rasa_workers > 1 else None)
        rasa = Server("rasa", rasa_cmd(*args), cwd, workdir / "rasa.log", env)
        sampler = Sampler(servers + [rasa])
        rasa.start()
        servers.append(rasa)
        sampler.start()
        url = f"http://127.0.0.1:{port}"
        log(f"{name}: starting (cold start = process start to first answer)")
        out["cold_start_s"] = round(wait_for_first_answer(url, rasa, "hello"), 2)
        if rasa_workers > 1:  # every worker loads the model: wait for all of them
            deadline = time.monotonic() + 300
            while rasa.tail(10**7).count("Rasa server is up and running") < rasa_workers:
                if time.monotonic() > deadline or not rasa.alive():
                    raise RuntimeError(f"{name}: not all {rasa_workers} workers came up:\n{rasa.tail()}")
                time.sleep(0.5)
            out["all_workers_up_s"] = round(time.perf_counter() - rasa.started_at, 2)
        pg_pids = None
        if with_actions and rasa_workers > 1:
            pg_pids = lambda: postgres_backends("bench_trackers")  # noqa: E731
        log(f"{name}: up in {out['cold_start_s']} s; warm-up")
        load(url, bot, users=4, turns=60)
        log(f"{name}: 1 user, {turns_1} turns")
        out["load_1"] = run_phase(servers, url, bot, 1, turns_1, pg_pids)
        log(f"{name}:   p50 {out['load_1']['p50_ms']} ms, {out['load_1']['throughput_tps']} turns/s")
        log(f"{name}: {users} users, {turns_n} turns")
        prof = None
        if profile is not None:
            prof = start_profile(rasa, profile / f"{name}-rasa.svg")
            if actions is not None:
                prof = [prof, start_profile(actions, profile / f"{name}-actions.svg")]
        out["load_n"] = run_phase(servers, url, bot, users, turns_n, pg_pids)
        if prof is not None:
            for p in prof if isinstance(prof, list) else [prof]:
                stop_profile(p)
        log(f"{name}:   p50 {out['load_n']['p50_ms']} ms, {out['load_n']['throughput_tps']} turns/s, "
            f"errors {out['load_n']['errors']}")
        sampler.stop()
        out["memory_rasa"] = rasa.memory()
        if actions is not None:
            out["memory_actions"] = actions.memory()
        for s in servers:
            if not s.alive():
                raise RuntimeError(f"{name}: {s.name} died during the load:\n{s.tail()}")
    finally:
        for s in reversed(servers):
            s.stop()
    return out


def postgres_backends(db: str) -> List[int]:
    """PIDs of the PostgreSQL backends connected to database `db` (the scaled tracker store)."""
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (db,))
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def run_phase(servers: List[Server], url: str, bot: str, users: int, turns: int,
              pg_pids: Optional[Callable[[], List[int]]] = None) -> Dict[str, Any]:
    """One load run, plus the CPU time each server used per turn (robust to a busy machine:
    it counts what the servers themselves burn, not the wall clock)."""
    before = {s.name: s.cpu() for s in servers}
    pg_before = {p: cpu_seconds([p]) for p in pg_pids()} if pg_pids else {}
    busy0, total0 = machine_cpu()
    self0 = sum(os.times()[:2])
    result = load(url, bot, users=users, turns=turns)
    busy1, total1 = machine_cpu()
    out = result.summary()
    ncpu = os.cpu_count() or 1
    wall = max(result.seconds, 1e-9)
    ours = 0.0
    for s in servers:
        used = s.cpu() - before[s.name]
        ours += used
        out[f"cpu_ms_per_turn_{s.name}"] = round(used / max(1, result.turns) * 1000, 2)
    if pg_pids:  # the PostgreSQL backends of the tracker store (connections opened during the run: all their CPU)
        pg_used = sum(cpu_seconds([p]) - pg_before.get(p, 0.0) for p in pg_pids())
        ours += pg_used
        out["cpu_ms_per_turn_postgres"] = round(pg_used / max(1, result.turns) * 1000, 2)
    # How busy the machine was, and with what: the servers, the load generator (this process),
    # everything else (Postgres/Redis in the scaled run, and other users of the machine).
    machine = (busy1 - busy0) / max(1, total1 - total0) * ncpu
    loadgen = (sum(os.times()[:2]) - self0) / wall
    out["cores_busy"] = round(machine, 2)
    out["cores_servers"] = round(ours / wall, 2)
    out["cores_load_generator"] = round(loadgen, 2)
    out["cores_other"] = round(max(0.0, machine - ours / wall - loadgen), 2)
    return out


def start_profile(server: Server, svg: Path) -> Optional[subprocess.Popen]:
    pyspy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
    if not Path(pyspy).exists():
        log("  (py-spy not installed: .venv/bin/pip install py-spy; no profile)")
        return None
    svg.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([pyspy, "record", "--pid", str(server.pid), "--subprocesses", "--rate", "200",
                             "--output", str(svg), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profile(proc: Optional[subprocess.Popen]) -> None:
    if proc is None:
        return
    proc.send_signal(2)  # SIGINT: py-spy writes the flame graph and exits
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def inproc(model: Path, baseline_model: Optional[Path], tmp: Path) -> Dict[str, Any]:
    log("in-process timings: engine, extractor, NLU parse")
    args = [PYTHON, "-m", "bench.inproc", "--model", str(model)]
    if baseline_model is not None:
        args += ["--baseline-model", str(baseline_model)]
    logfile = tmp / "inproc.log"
    with open(logfile, "wb") as fh:
        proc = subprocess.run(args, cwd=ROOT, env=base_env(), stdout=subprocess.PIPE, stderr=fh)
    for line in proc.stdout.decode(errors="replace").splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON "):])
    raise RuntimeError(f"bench.inproc failed:\n{proc.stdout.decode()[-2000:]}\n{logfile.read_text()[-2000:]}")


# --------------------------------------------------------------------------- report
def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or not b:
        return None
    return a / b


def verdict(ok: Optional[bool]) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def table(r: Dict[str, Any]) -> str:
    ours, base, scaled = r.get("ours") or {}, r.get("baseline") or {}, r.get("ours_scaled") or {}
    users = r["params"]["users"]
    rows: List[tuple] = []

    def get(d: Dict[str, Any], *path: str) -> Optional[float]:
        for p in path:
            if not isinstance(d, dict) or p not in d:
                return None
            d = d[p]
        return d  # type: ignore[return-value]

    def row(label: str, a: Optional[float], b: Optional[float], fmt: str, target: str = "", ok: Optional[bool] = None,
            show_ratio: bool = True) -> None:
        rt = ratio(a, b) if show_ratio else None
        rows.append((label, "-" if a is None else format(a, fmt), "-" if b is None else format(b, fmt),
                     "-" if rt is None else f"{rt:.2f}x", target, verdict(ok) if target else ""))

    p50_1 = ratio(get(ours, "load_1", "p50_ms"), get(base, "load_1", "p50_ms"))
    row("p50 turn latency, 1 user (ms)", get(ours, "load_1", "p50_ms"), get(base, "load_1", "p50_ms"), ".1f",
        f"<= {TARGETS['p50_1_user']}x", None if p50_1 is None else p50_1 <= TARGETS["p50_1_user"])
    row("p95 turn latency, 1 user (ms)", get(ours, "load_1", "p95_ms"), get(base, "load_1", "p95_ms"), ".1f")
    row("p99 turn latency, 1 user (ms)", get(ours, "load_1", "p99_ms"), get(base, "load_1", "p99_ms"), ".1f")
    row("throughput, 1 user (turns/s)", get(ours, "load_1", "throughput_tps"), get(base, "load_1", "throughput_tps"), ".1f")
    row(f"p50 turn latency, {users} users (ms)", get(ours, "load_n", "p50_ms"), get(base, "load_n", "p50_ms"), ".1f")
    row(f"p95 turn latency, {users} users (ms)", get(ours, "load_n", "p95_ms"), get(base, "load_n", "p95_ms"), ".1f")
    row(f"p99 turn latency, {users} users (ms)", get(ours, "load_n", "p99_ms"), get(base, "load_n", "p99_ms"), ".1f")
    t_single = ratio(get(ours, "load_n", "throughput_tps"), get(base, "load_n", "throughput_tps"))
    row(f"throughput, {users} users, 1 Rasa process (turns/s)", get(ours, "load_n", "throughput_tps"),
        get(base, "load_n", "throughput_tps"), ".1f", f">= {TARGETS['throughput_20_single']}x",
        None if t_single is None else t_single >= TARGETS["throughput_20_single"])
    if scaled:
        cfg = scaled["config"]
        t_scaled = ratio(get(scaled, "load_n", "throughput_tps"), get(base, "load_n", "throughput_tps"))
        row(f"throughput, {users} users, scaled: {cfg['rasa_workers']} Rasa + {cfg['action_workers']} action "
            f"workers (turns/s)", get(scaled, "load_n", "throughput_tps"), get(base, "load_n", "throughput_tps"), ".1f",
            f">= {TARGETS['throughput_20_scaled']}x", None if t_scaled is None else t_scaled >= TARGETS["throughput_20_scaled"])
        row(f"p50 turn latency, {users} users, scaled (ms)", get(scaled, "load_n", "p50_ms"),
            get(base, "load_n", "p50_ms"), ".1f")
        row(f"p95 turn latency, {users} users, scaled (ms)", get(scaled, "load_n", "p95_ms"),
            get(base, "load_n", "p95_ms"), ".1f")
    row(f"Rasa server CPU per turn, {users} users (ms)", get(ours, "load_n", "cpu_ms_per_turn_rasa"),
        get(base, "load_n", "cpu_ms_per_turn_rasa"), ".1f")
    row(f"action server CPU per turn, {users} users (ms)", get(ours, "load_n", "cpu_ms_per_turn_actions"), None, ".1f")
    row(f"CPU busy during the {users}-user run: other processes (cores of {r['meta']['cpus']})",
        get(ours, "load_n", "cores_other"), get(base, "load_n", "cores_other"), ".2f", show_ratio=False)
    if scaled:
        row("Rasa CPU per turn, scaled, all workers (ms)", get(scaled, "load_n", "cpu_ms_per_turn_rasa"),
            get(base, "load_n", "cpu_ms_per_turn_rasa"), ".1f")
        row("PostgreSQL CPU per turn, scaled (ms)", get(scaled, "load_n", "cpu_ms_per_turn_postgres"), None, ".1f")
    rss = get(ours, "memory_rasa", "peak_rss_mb")
    row("peak RSS, Rasa server (MB, VmHWM)", rss, get(base, "memory_rasa", "peak_rss_mb"), ".0f",
        f"< {TARGETS['rasa_rss_mb']} MB", None if rss is None else rss < TARGETS["rasa_rss_mb"])
    row("peak RSS, action server (MB, VmHWM)", get(ours, "memory_actions", "peak_rss_mb"), None, ".0f")
    if scaled:
        row("peak RSS, scaled: largest Rasa worker (MB, VmHWM)", get(scaled, "memory_rasa", "peak_rss_mb"),
            get(base, "memory_rasa", "peak_rss_mb"), ".0f")
        row("peak memory, scaled: all Rasa processes (MB, sum of Pss)", get(scaled, "memory_rasa", "peak_tree_pss_mb"),
            get(base, "memory_rasa", "peak_rss_mb"), ".0f")
    tr = get(r, "training", "ours", "seconds")
    row("training from scratch (s)", tr, get(r, "training", "baseline", "seconds"), ".1f",
        f"< {TARGETS['train_s']} s", None if tr is None else tr < TARGETS["train_s"])
    row("cold start: process start to first answer (s)", get(ours, "cold_start_s"), get(base, "cold_start_s"), ".1f")
    ip = r.get("inproc") or {}
    a = get(ip, "engine", "assess", "mean_ms")
    row("engine assess, mean per call (ms)", a, None, ".3f", f"< {TARGETS['assess_ms']} ms",
        None if a is None else a < TARGETS["assess_ms"])
    row("engine assess, p99 (ms)", get(ip, "engine", "assess", "p99_ms"), None, ".3f")
    row("engine next_question, mean (ms)", get(ip, "engine", "next_question", "mean_ms"), None, ".3f")
    row("symptom extractor, mean per message (ms)", get(ip, "extractor", "analyse", "mean_ms"), None, ".3f")
    row("NLU parse (Agent.parse_message), mean per message (ms)", get(ip, "nlu_ours", "parse", "mean_ms"),
        get(ip, "nlu_baseline", "parse", "mean_ms"), ".2f")
    row("NLU parse, p99 (ms)", get(ip, "nlu_ours", "parse", "p99_ms"), get(ip, "nlu_baseline", "parse", "p99_ms"), ".2f")

    head = ("metric", "ours", "baseline", "ours/base", "target", "")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(6)]
    fmt_row = lambda x: "| " + " | ".join(str(v).ljust(widths[i]) if i == 0 else str(v).rjust(widths[i])  # noqa: E731
                                          for i, v in enumerate(x)) + " |"
    lines = [fmt_row(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt_row(x) for x in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns-1", type=int, default=200, help="turns for the 1-user run")
    parser.add_argument("--turns-n", type=int, default=600, help="turns for the concurrent run")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--scaled-workers", type=int, default=2, help="Rasa workers of the scaled configuration")
    parser.add_argument("--scaled-action-workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="fewer turns (a smoke test, noisy numbers)")
    parser.add_argument("--skip-train", action="store_true", help="no training measurement (needs --baseline-dir)")
    parser.add_argument("--baseline-dir", type=Path, help="an existing trained `rasa init` project to serve")
    parser.add_argument("--only", default="baseline,ours,scaled", help="which servers: baseline,ours,scaled")
    parser.add_argument("--no-inproc", action="store_true", help="skip the in-process timings")
    parser.add_argument("--baseline-nlu", action="store_true",
                        help="also time the baseline's NLU in-process (+1-2 min: its model load is slow)")
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs of the servers under load")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, baseline project)")
    args = parser.parse_args()
    if args.quick:
        args.turns_1, args.turns_n = 60, 200
    if args.skip_train and not args.baseline_dir:
        parser.error("--skip-train needs --baseline-dir (a trained `rasa init` project)")
    only = set(args.only.split(","))

    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="leg-triage-bench-"))
    model = newest_model()
    import rasa

    r: Dict[str, Any] = {
        "meta": {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "rasa": rasa.__version__,
            "loadavg_start": loadavg(),
            "model": model.name,
            "tmp": str(tmp),
        },
        "params": {"users": args.users, "turns_1": args.turns_1, "turns_n": args.turns_n},
        "targets": TARGETS,
        "training": {},
    }
    log(f"temp dir {tmp}; serving {model.name}; load average {r['meta']['loadavg_start']}")
    profile_dir = (args.out.parent / "bench-profiles") if args.profile else None
    try:
        if args.skip_train:
            project = args.baseline_dir.resolve()
        else:
            r["training"]["baseline"] = train_baseline(tmp)
            project = Path(r["training"]["baseline"]["project"])
            r["training"]["ours"] = train_ours(tmp)
        baseline_model = max((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        common = dict(turns_1=args.turns_1, turns_n=args.turns_n, users=args.users, profile=profile_dir)
        if "baseline" in only:
            r["baseline"] = measure("baseline", "baseline", tmp / "serve-baseline", baseline_model, project,
                                    project / "endpoints.yml", project / "credentials.yml", with_actions=False,
                                    rasa_workers=1, action_workers=0, **common)
        if "ours" in only:
            r["ours"] = measure("ours", "ours", tmp / "serve-ours", model, ROOT, None, ROOT / "credentials.yml",
                                with_actions=True, rasa_workers=1, action_workers=1, **common)
        if "scaled" in only:
            if redis_ok() and postgres_ok():
                try:
                    r["ours_scaled"] = measure("ours-scaled", "ours", tmp / "serve-ours-scaled", model, ROOT, None,
                                               ROOT / "credentials.yml", with_actions=True,
                                               rasa_workers=args.scaled_workers,
                                               action_workers=args.scaled_action_workers, **common)
                finally:
                    drop_postgres_db("bench_trackers")
            else:
                log("scaled configuration skipped: it needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432")
        if not args.no_inproc:
            r["inproc"] = inproc(model, baseline_model if args.baseline_nlu else None, tmp)
    finally:
        r["meta"]["loadavg_end"] = loadavg()
        r["meta"]["seconds"] = round(time.perf_counter() - started, 1)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(r, indent=2))
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    text = table(r)
    r["table"] = text
    args.out.write_text(json.dumps(r, indent=2))
    print()
    print(f"Rasa {r['meta']['rasa']}, {r['meta']['cpus']} CPUs, load average {r['meta']['loadavg_start']} -> "
          f"{r['meta']['loadavg_end']} (a busy machine makes every number noisy), {r['meta']['seconds']:.0f} s in all")
    print(text)
    print(f"\n(written to {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
