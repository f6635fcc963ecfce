"""Stand-ins for Rasa replicas behind the real nginx configuration: tiny HTTP servers that answer
every request with their own port (so a test sees which replica served it), a readiness route
that can be switched off, and a mode that drops requests without an answer (a replica dying
mid-request). Starting them costs milliseconds, so the balancing rules are tested without a model."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional

import requests

from bot.ops import render
from bot.ops.gate import upstream_text
from tests.production.support import require_nginx
from tests.support.servers import free_port, wait_until


class FakeReplica:
    def __init__(self) -> None:
        self.port = free_port()
        self.ready = True
        self.drop_posts = False
        self.model = "model-a.tar.gz"
        self.server: Optional[ThreadingHTTPServer] = None

    def start(self) -> "FakeReplica":
        replica = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.startswith("/webhooks/health/ready"):
                    if replica.ready:
                        self.answer(200, {"ready": True, "model": replica.model, "model_id": replica.model})
                    else:
                        self.answer(503, {"ready": False})
                    return
                self.answer(200, {"port": replica.port})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if replica.drop_posts:  # dies with the request in hand
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.answer(200, {"port": replica.port})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@dataclass
class Balancer:
    """The rendered deploy/nginx.conf.template, run by a private nginx, in front of fake replicas."""

    run_dir: Path
    replicas: List[FakeReplica]
    rate: str = "100r/s"
    burst: int = 200
    port: int = field(default_factory=free_port)
    popen: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Balancer":
        require_nginx()
        nginx = "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "nginx"
        (self.run_dir / "nginx-tmp").mkdir(parents=True, exist_ok=True)
        os.chmod(self.run_dir / "nginx-tmp", 0o777)
        (self.run_dir / "nginx.conf").write_text(render.render_nginx(self.run_dir, f"127.0.0.1:{self.port}", self.rate,
                                                                     self.burst))
        self.publish({r.port for r in self.replicas})
        self.popen = subprocess.Popen([nginx, "-p", str(self.run_dir), "-c", str(self.run_dir / "nginx.conf"),
                                       "-e", str(self.run_dir / "nginx-error.log"), "-g", "daemon off;"])
        wait_until(lambda: requests.get(f"{self.url}/", timeout=2).status_code in (200, 503), 30, "nginx", self.popen,
                   self.run_dir / "nginx-error.log")
        return self

    def publish(self, ready: set) -> None:
        """What the gate does: the upstream file, then a graceful reload."""
        (self.run_dir / "upstream.conf").write_text(upstream_text([r.port for r in self.replicas], ready))
        if self.popen is not None:
            os.kill(self.popen.pid, signal.SIGHUP)
            time.sleep(1.0)  # the new workers take over

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(15)
