"""Long polling for Telegram, for people without a public HTTPS URL.

    .venv/bin/python -m bot.channels.telegram.polling [--rasa-url http://127.0.0.1:5005]

Runs beside a Rasa server that has the Telegram channel (bot.channels.telegram) with no
TELEGRAM_WEBHOOK_URL. It deletes any webhook first (Telegram refuses getUpdates while one is
set), then long-polls getUpdates and posts every update, unchanged, to the server's own
webhook with the secret header: the same code path, checks and replies as webhook mode.

An update is confirmed to Telegram (the next getUpdates offset) only once the Rasa server has
answered it, so updates that arrive while Rasa is still loading wait, in order. Configuration
comes from the same settings as the channel (bot/settings.py: TELEGRAM_BOT_TOKEN,
TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_BASE, RASA_URL); Ctrl-C stops it.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any, Dict, List, Optional

import aiohttp

from bot.channels.telegram.api import BotApi, BotApiError
from bot.channels.telegram.channel import ALLOWED_UPDATES, SECRET_HEADER
from bot.channels.telegram.config import TelegramConfig, TelegramConfigError
from bot.settings import settings

logger = logging.getLogger("bot.channels.telegram.polling")

WEBHOOK_PATH = "/webhooks/telegram/webhook"


class Fatal(Exception):
    """A problem retrying cannot fix (bad token, secrets that do not match)."""


class Backoff:
    """Pauses that double after each failed or empty-early poll (1 s, 2 s, ... up to `cap`), and
    start again from 1 s once a poll works."""

    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self.first = first
        self.cap = cap
        self._next = first

    def next(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self._next = self.first


class Poller:
    def __init__(self, config: TelegramConfig, rasa_url: str, poll_timeout: int = 25,
                 api: Optional[BotApi] = None) -> None:
        self.config = config
        self.webhook = rasa_url.rstrip("/") + WEBHOOK_PATH
        self.poll_timeout = poll_timeout
        self.api = api or BotApi(config.token, config.api_base)
        self.offset: Optional[int] = None
        self.forwarded = 0
        self.polling = False
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def delete_webhook(self) -> None:
        try:
            await self.api.call("deleteWebhook", drop_pending_updates=False)
        except BotApiError as error:
            if error.status in (401, 404):
                raise Fatal(f"the Bot API refused the token: {error.description}") from None
            raise

    async def _delete_webhook_again(self) -> None:
        try:
            await self.delete_webhook()
        except BotApiError as error:  # retried by the next round of the loop
            logger.warning("deleteWebhook failed: %s", error)

    async def get_updates(self) -> List[Dict[str, Any]]:
        params: Dict[str, Any] = {"timeout": self.poll_timeout, "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            params["offset"] = self.offset
        # The HTTP timeout must outlast Telegram's long-poll timeout.
        result = await self.api.request("getUpdates", params, http_timeout=self.poll_timeout + 15)
        return result if isinstance(result, list) else []

    async def forward(self, session: aiohttp.ClientSession, update: Dict[str, Any]) -> bool:
        """Posts one update to the Rasa webhook, retrying until Rasa answers; False if stopped first.

        Any answer but 403/404 counts as handled (a 400 would be the same on every retry); a 5xx
        is tried three times.
        """
        delay = 1.0
        server_errors = 0
        while not self._stopping.is_set():
            try:
                async with session.post(
                    self.webhook, json=update, headers={SECRET_HEADER: self.config.secret},
                    timeout=aiohttp.ClientTimeout(total=180),
                ) as resp:
                    status = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.warning("Rasa server not reachable at %s (%s); retrying in %.0fs",
                               self.webhook, type(error).__name__, delay)
                await self._pause(delay)
                delay = min(delay * 2, 30.0)
                continue
            if status == 403:
                raise Fatal("the Rasa server refused the secret: TELEGRAM_WEBHOOK_SECRET differs "
                            "between the server and this poller")
            if status == 404:
                raise Fatal(f"no Telegram channel at {self.webhook}: start Rasa with the Telegram "
                            "credentials (see docs/telegram.md)")
            if status >= 500 and server_errors < 2:
                server_errors += 1
                await self._pause(delay)
                delay = min(delay * 2, 30.0)
                continue
            if status >= 400:
                logger.warning("update %s answered %s by the Rasa server; skipped", update.get("update_id"), status)
            self.forwarded += 1
            return True
        return False

    async def run(self) -> None:
        await self.delete_webhook()
        logger.info("polling Telegram for updates; forwarding to %s", self.webhook)
        backoff = Backoff()
        async with aiohttp.ClientSession() as session:
            while not self._stopping.is_set():
                started = asyncio.get_running_loop().time()
                try:
                    self.polling = True
                    try:
                        updates = await self.get_updates()
                    finally:
                        self.polling = False
                except BotApiError as error:
                    if error.status == 401:
                        raise Fatal(f"the Bot API refused the token: {error.description}") from None
                    delay = backoff.next()
                    logger.warning("getUpdates failed: %s; retrying in %.0fs", error, delay)
                    await self._pause(delay)
                    if error.status == 409:  # a webhook was set again, or another poller runs
                        await self._delete_webhook_again()
                    continue
                held = asyncio.get_running_loop().time() - started
                if not updates and held < self.poll_timeout / 2:
                    # A long poll that comes back empty long before its timeout (a proxy, a
                    # misbehaving Bot API server): without a pause this loop would spin.
                    delay = backoff.next()
                    logger.warning("getUpdates answered early with nothing; polling again in %.0fs", delay)
                    await self._pause(delay)
                    continue
                backoff.reset()
                for update in updates:
                    update_id = update.get("update_id") if isinstance(update, dict) else None
                    if not isinstance(update_id, int):
                        continue
                    if not await self.forward(session, update):
                        break
                    self.offset = update_id + 1
        await self.acknowledge()
        await self.api.close()

    async def acknowledge(self) -> None:
        """Confirms the forwarded updates to Telegram (they would be delivered again otherwise)."""
        if self.offset is None:
            return
        try:
            await self.api.request("getUpdates", {"offset": self.offset, "timeout": 0, "limit": 1}, http_timeout=10)
        except BotApiError as error:
            logger.info("could not confirm the last updates: %s", error)


def _poll_timeout(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 50:
        raise argparse.ArgumentTypeError("must be 1 to 50 seconds")
    return value


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.channels.telegram.polling",
        description="Long-poll Telegram and forward updates to the local Rasa server's Telegram webhook.",
    )
    parser.add_argument("--rasa-url", default=None,
                        help="the Rasa server (default $RASA_URL or http://127.0.0.1:5005)")
    parser.add_argument("--poll-timeout", type=_poll_timeout, default=25, metavar="SECONDS",
                        help="seconds Telegram holds each getUpdates open (default 25); at least 1, "
                             "or an early empty answer could not be told from a normal one")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    try:
        config = TelegramConfig.load()
    except TelegramConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if config.webhook_url:
        logger.warning("TELEGRAM_WEBHOOK_URL is set: unset it for the Rasa server too, or it will set the "
                       "webhook again at start and Telegram will refuse getUpdates")
    rasa_url = args.rasa_url or settings().rasa_url
    return asyncio.run(_run(Poller(config, rasa_url, args.poll_timeout)))


async def _run(poller: Poller) -> int:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def stop() -> None:
        poller.stop()
        # A long poll in progress is cut short; forwarding an update is allowed to finish.
        if poller.polling and task is not None:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    try:
        await poller.run()
    except asyncio.CancelledError:
        await poller.acknowledge()
        await poller.api.close()
    except Fatal as error:
        logger.error("%s", error)
        await poller.api.close()
        return 1
    logger.info("stopped after forwarding %d update(s)", poller.forwarded)
    return 0


if __name__ == "__main__":
    sys.exit(main())
