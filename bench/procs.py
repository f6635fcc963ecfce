"""Server processes for the bench: start, time the cold start, sample memory, stop.

Memory is read from /proc without psutil: VmHWM (the kernel's peak resident set of a process,
over its whole life, model loading included) and a background poll of VmRSS summed over the
process tree (for multi-worker configurations, where Sanic forks worker processes).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# The same quiet environment and port picker as the test harness (one definition).
from bot.ops.local import QUIET_ENV, free_port  # noqa: E402


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    # the bench's rasa processes run bot.rasa_cli (our quiet `rasa`), from any directory
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("SANIC_WORKERS", None)
    # The bench's simulated people answer the moment a reply arrives, faster than anyone types:
    # the per-sender limit (bot/channels/guard.py, default 2/s after a burst of 10) is raised so
    # they are measured, not refused; a flooder's hundreds per second still exceed it.
    env.setdefault("SENDER_MESSAGES_PER_SECOND", "20")
    env.setdefault("SENDER_BURST", "40")
    env.update(extra or {})
    return env


def rasa_cmd(*args: str) -> List[str]:
    return [PYTHON, "-m", "bot.rasa_cli", *args]


# --------------------------------------------------------------------------- /proc
def _status(pid: int) -> Dict[str, int]:
    out: Dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def _pss(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them), bytes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def cpu_seconds(pids: List[int]) -> float:
    """User + system CPU time of these processes (from /proc/<pid>/stat), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError, ValueError):
            continue
    return total / tick


def machine_cpu() -> tuple:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def process_tree(pid: int) -> List[int]:
    """pid and all its descendants (children of every thread)."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return tree


@dataclass
class Server:
    name: str
    args: List[str]
    cwd: Path
    log: Path
    env: Dict[str, str]
    popen: Optional[subprocess.Popen] = None
    started_at: float = 0.0
    peak_tree_rss: int = 0  # bytes, max over polls of the sum of VmRSS over the process tree
    peak_tree_pss: int = 0  # bytes, max over polls of the sum of Pss (multi-process trees only)
    hwm: Dict[int, int] = field(default_factory=dict)  # pid -> VmHWM bytes, last seen

    def start(self) -> "Server":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.started_at = time.perf_counter()
        self.popen = subprocess.Popen(self.args, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                      start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def sample(self, pss: bool = True) -> None:
        total = 0
        tree = process_tree(self.pid)
        for pid in tree:
            st = _status(pid)
            total += st.get("VmRSS", 0)
            if "VmHWM" in st:
                self.hwm[pid] = max(self.hwm.get(pid, 0), st["VmHWM"])
        self.peak_tree_rss = max(self.peak_tree_rss, total)
        if pss and len(tree) > 1:  # forked workers share pages: the sum of RSS counts them twice, Pss does not
            self.peak_tree_pss = max(self.peak_tree_pss, sum(_pss(p) for p in tree))

    def cpu(self) -> float:
        """CPU seconds used so far by the server and its worker processes."""
        return cpu_seconds(process_tree(self.pid))

    def memory(self) -> Dict[str, object]:
        """Peak memory. One process: VmHWM, the kernel's exact peak RSS. A tree (Sanic workers
        forked from a main process): the largest single VmHWM, and the peak over the polls of the
        summed VmRSS (counts copy-on-write pages once per process) and of the summed Pss."""
        self.sample()
        hwm_main = self.hwm.get(self.pid, 0)
        mb = lambda b: round(b / 2**20, 1)  # noqa: E731
        return {
            "processes": len(self.hwm),
            "vmhwm_main_mb": mb(hwm_main),
            "vmhwm_max_mb": mb(max(self.hwm.values(), default=0)),
            "peak_tree_rss_mb": mb(self.peak_tree_rss),
            "peak_tree_pss_mb": mb(self.peak_tree_pss) if len(self.hwm) > 1 else mb(hwm_main),
            "peak_rss_mb": mb(hwm_main if len(self.hwm) == 1 else max(self.hwm.values())),
        }

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)  # our own session: the server and its workers
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


class Sampler(threading.Thread):
    """Polls the memory of some servers every `interval` seconds until stopped."""

    def __init__(self, servers: List[Server], interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.servers = servers
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        n = 0
        while not self._stop_event.is_set():
            for s in self.servers:
                if s.alive():
                    # Pss (smaps_rollup) costs the kernel a page-table walk: every 2 s only
                    s.sample(pss=n % 8 == 0)
            n += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def wait_for_health(url: str, server: Server, timeout: float) -> float:
    """Seconds from the server's process start until GET url answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited:\n{server.tail()}")
        try:
            if requests.get(url, timeout=2).ok:
                return time.perf_counter() - server.started_at
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not come up in {timeout:.0f}s:\n{server.tail()}")


def wait_for_first_answer(base_url: str, server: Server, text: str, timeout: float = 240.0) -> float:
    """Seconds from the Rasa server's process start until a message gets a non-empty answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited:\n{server.tail()}")
        try:
            r = requests.post(f"{base_url}/webhooks/rest/webhook", json={"sender": "bench-cold-start", "message": text},
                              timeout=60)
            if r.ok and r.json():
                return time.perf_counter() - server.started_at
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} gave no answer in {timeout:.0f}s:\n{server.tail()}")
