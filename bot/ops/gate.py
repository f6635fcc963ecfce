"""The readiness gate: nginx sends traffic only to replicas that are ready.

nginx (open source) has no active health checks: it learns that a replica is gone only when a
request to it fails, and a replica that listens without a model (a broken model file) would get
traffic. This process, supervised like the replicas, asks each replica's
``/webhooks/health/ready`` (bot/ops/health.py) every second and keeps ``upstream.conf`` in the run
directory listing every replica, the ones not ready marked ``down``; when that changes it
rewrites the file and reloads nginx (SIGHUP: a graceful reload, requests in flight finish on the
old workers). nginx's own passive checks (``max_fails``, ``proxy_next_upstream``) still cover
the second between a crash and the next probe.

A replica is taken out at once when its port refuses connections (stopped, restarting) and after
``FAILURES_BEFORE_DOWN`` failed probes otherwise (a replica busy with a burst can be slow to
answer a probe; that is not a reason to move its load onto the others). It goes back in on its
first good answer. ``drain/<port>`` in the run directory keeps a replica out whatever it answers:
``scripts/deploy_model.sh`` uses it to empty a replica before restarting it on a new model.

``gate.json`` in the run directory says what nginx was last told: ``{"ready": [ports], "models":
{port: model id}}``.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set

logger = logging.getLogger("bot.ops.gate")

FAILURES_BEFORE_DOWN = 3
PROBE_TIMEOUT_S = 2.0


def upstream_text(ports: Iterable[int], ready: Set[int]) -> str:
    """The `server` lines of both upstream blocks (nginx.conf includes this file twice)."""
    lines = ["# Written by bot/ops/gate.py: replicas not ready are `down`."]
    for port in ports:
        state = "" if port in ready else " down"
        lines.append(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s{state};")
    return "\n".join(lines) + "\n"


@dataclass
class Probe:
    """The answer of one replica's readiness route."""

    ready: bool
    refused: bool = False
    model: Optional[str] = None


def probe(port: int, timeout: float = PROBE_TIMEOUT_S) -> Probe:
    url = f"http://127.0.0.1:{port}/webhooks/health/ready"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            body = json.loads(answer.read().decode("utf-8") or "{}")
            return Probe(ready=bool(body.get("ready")), model=body.get("model_id"))
    except urllib.error.HTTPError:
        return Probe(ready=False)  # 503: listening, no model
    except (ConnectionRefusedError, ConnectionResetError):
        return Probe(ready=False, refused=True)
    except urllib.error.URLError as error:
        refused = isinstance(error.reason, (ConnectionRefusedError, ConnectionResetError))
        return Probe(ready=False, refused=refused)
    except (OSError, ValueError):  # timeout, half-closed, not JSON
        return Probe(ready=False)


@dataclass
class Gate:
    run_dir: Path
    ports: List[int]
    failures: Dict[int, int] = field(default_factory=dict)
    ready: Set[int] = field(default_factory=set)
    models: Dict[int, Optional[str]] = field(default_factory=dict)
    published: Optional[str] = None

    @property
    def upstream_file(self) -> Path:
        return self.run_dir / "upstream.conf"

    def drained(self, port: int) -> bool:
        return (self.run_dir / "drain" / str(port)).exists()

    def check(self, port: int) -> None:
        answer = probe(port)
        if answer.ready:
            self.failures[port] = 0
            self.ready.add(port)
            self.models[port] = answer.model
            return
        self.failures[port] = self.failures.get(port, 0) + 1
        if answer.refused or self.failures[port] >= FAILURES_BEFORE_DOWN or port not in self.ready:
            self.ready.discard(port)
            self.models.pop(port, None)

    def step(self) -> bool:
        """Probes every replica; publishes and reloads nginx when the ready set changed."""
        for port in self.ports:
            self.check(port)
        serving = {p for p in self.ready if not self.drained(p)}
        text = upstream_text(self.ports, serving)
        state = json.dumps({"ready": sorted(serving), "models": {str(p): self.models.get(p) for p in sorted(serving)}})
        if text == self.published and (self.run_dir / "gate.json").exists():
            _write(self.run_dir / "gate.json", state)  # the models may change under the same ports
            return False
        _write(self.upstream_file, text)
        reloaded = self.reload_nginx()
        _write(self.run_dir / "gate.json", state)
        if self.published is not None or serving:
            logger.info("serving replicas: %s%s", ", ".join(map(str, sorted(serving))) or "none",
                        "" if reloaded else " (nginx not running yet)")
        self.published = text
        return True

    def reload_nginx(self) -> bool:
        pid_file = self.run_dir / "nginx.pid"
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGHUP)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return False
        return True


def _write(path: Path, text: str) -> None:
    """Atomically (nginx or a reader never sees half a file)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--replicas", required=True, help="the replicas' ports, space-separated")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s gate: %(message)s")
    gate = Gate(args.run_dir, [int(p) for p in args.replicas.split()])
    (args.run_dir / "drain").mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: raise_exit())
    while True:
        gate.step()
        time.sleep(args.interval)


def raise_exit() -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    main()
