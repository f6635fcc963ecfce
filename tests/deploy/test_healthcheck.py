"""deploy/docker/healthcheck.py: what the containers' health checks answer."""
from __future__ import annotations

import http.server
import importlib.util
import os
import socket
import threading
import time

import pytest

from tests.deploy.files import ROOT

spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "deploy" / "docker" / "healthcheck.py")
healthcheck = importlib.util.module_from_spec(spec)
spec.loader.exec_module(healthcheck)


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/ok" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_server_answering_2xx_is_healthy_and_an_error_or_silence_is_not(local_server):
    assert healthcheck.main([f"{local_server}/ok"]) == 0
    assert healthcheck.main([f"{local_server}/not-ready"]) == 1
    assert healthcheck.main([f"http://127.0.0.1:{_closed_port()}/"]) == 1


def test_the_retention_mark_is_healthy_only_while_recent(tmp_path):
    mark = tmp_path / "retention.ok"
    assert healthcheck.main(["--fresh", str(mark), "60"]) == 1
    mark.touch()
    assert healthcheck.main(["--fresh", str(mark), "60"]) == 0
    old = time.time() - 120
    os.utime(mark, (old, old))
    assert healthcheck.main(["--fresh", str(mark), "60"]) == 1


def test_a_wrong_invocation_is_not_mistaken_for_health():
    assert healthcheck.main([]) == 2
