"""Fixtures for the channel tests.

Widget (tests/channels/test_widget*.py): one Rasa + action server for the module, with the
widget channel (bot.channels.widget.WidgetInput) configured in a temporary credentials file,
and Debian's chromium driven by Playwright.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.servers import ROOT, Stack, latest_model

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SCREENSHOTS = ROOT / "results" / "screenshots"
#: The origin the test server accepts besides its own (and the one it must refuse).
ALLOWED_ORIGIN = "https://allowed.example"
REFUSED_ORIGIN = "https://evil.example"
FLOOD_BURST = 30

WIDGET_CREDENTIALS = f"""\
bot.channels.rest.RestInput:
bot.channels.widget.WidgetInput:
  session_persistence: true
  widget_path: /chat
  cors_allowed_origins:
    - {ALLOWED_ORIGIN}
"""


@pytest.fixture(scope="module")
def widget_stack(tmp_path_factory):
    """Action server + Rasa server with REST and the widget channel, on free ports."""
    if not (ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js").is_file():
        pytest.fail("the socket.io client is not installed: run scripts/setup_web.sh")
    workdir = tmp_path_factory.mktemp("widget-stack")
    credentials = workdir / "credentials.yml"
    credentials.write_text(WIDGET_CREDENTIALS)
    # An origin list in the developer's environment would override the file: clear it. The flood
    # limit is a burst of FLOOD_BURST messages per session and then next to nothing, so the flood
    # test counts exactly; no other test sends that many messages in one session.
    running = Stack(workdir=workdir, model=latest_model(), credentials=credentials,
                    # Conversations kept without asking, so tests can look in the store (bot/privacy).
                    extra_env={"WIDGET_ALLOWED_ORIGINS": "", "SENDER_BURST": str(FLOOD_BURST),
                               "SENDER_MESSAGES_PER_SECOND": "0.001", "PRIVACY_DEFAULT": "store"})
    try:
        running.start()
        yield running
    finally:
        running.stop()
        running.keep_logs(ROOT / "results" / "server-logs" / "widget")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements.txt)")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/setup_web.sh as root (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page_factory(browser, widget_stack):
    """new_page(width) -> a page in a fresh browser context (own localStorage), demo page not yet opened."""
    contexts = []

    def new_page(width: int = 1280, height: int = 800, **context_options):
        context = browser.new_context(viewport={"width": width, "height": height}, **context_options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

