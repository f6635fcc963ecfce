"""The Telegram input channel: start-up (getMe, setWebhook, setMyCommands), the webhook, and
what each kind of update becomes. URL: /webhooks/telegram/webhook."""
from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import SenderRateLimiter
from bot.channels.telegram.api import BotApi, BotApiError
from bot.channels.telegram.callbacks import CallbackCodec, payloads_from_replies
from bot.channels.telegram.commands import (
    COMMANDS,
    RASA_RESTART_PAYLOAD,
    START_PAYLOAD,
    command_menu,
    parse_command,
)
from bot.channels.telegram.config import ENV_USERNAME, ENV_WEBHOOK_URL, TelegramConfig
from bot.channels.telegram.output import TelegramOutput
from bot.channels.telegram.updates import Incoming, MalformedUpdate, parse_update
from bot.settings import settings
from bot.texts import say

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: The update types the bot asks Telegram for (others are ignored if they arrive anyway).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramChannel(InputChannel):
    """The Telegram input channel (see the package docstring)."""

    MAX_BODY_BYTES = 1_000_000
    START_ATTEMPTS = 5

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls(TelegramConfig.load(credentials))

    def __init__(
        self, config: TelegramConfig, api: Optional[BotApi] = None, limiter: Optional[SenderRateLimiter] = None
    ) -> None:
        self.config = config
        self.api = api or BotApi(config.token, config.api_base)
        self.codec = CallbackCodec(payloads_from_replies())
        if limiter is None:
            current = settings()
            limiter = SenderRateLimiter(per_second=current.sender_messages_per_second, burst=current.sender_burst)
        self.limiter = limiter
        self.me: Optional[Dict[str, Any]] = None
        self.get_me_calls = 0
        self.webhook_set = False
        self._start_task: Optional[asyncio.Task] = None

    # -- identity and start-up --

    @property
    def bot_username(self) -> Optional[str]:
        if self.me and self.me.get("username"):
            return str(self.me["username"])
        return self.config.username

    async def get_me(self) -> Optional[Dict[str, Any]]:
        """getMe, called at start-up and cached (Rasa's channel calls it on every update).

        Only start() calls it (retried there if it failed); updates never do.
        """
        if self.me is None:
            self.get_me_calls += 1
            me = await self.api.call("getMe")
            self.me = me if isinstance(me, dict) else {}
            expected = self.config.username
            if expected and self.me.get("username", "").lower() != expected.lower():
                logger.warning(
                    "telegram: %s is %r but the token belongs to @%s",
                    ENV_USERNAME, expected, self.me.get("username"),
                )
        return self.me

    async def start(self) -> None:
        """getMe once, then setWebhook with the secret (when a webhook URL is configured)."""
        for attempt in range(1, self.START_ATTEMPTS + 1):
            try:
                await self.get_me()
                if self.config.webhook_url:
                    await self.api.call(
                        "setWebhook", url=self.config.webhook_url, secret_token=self.config.secret,
                        allowed_updates=ALLOWED_UPDATES,
                    )
                    self.webhook_set = True
                    logger.info("telegram: webhook set to %s", self.config.webhook_url)
                else:
                    logger.info(
                        "telegram: no %s, webhook not set; use `python -m bot.channels.telegram.polling`",
                        ENV_WEBHOOK_URL,
                    )
                try:
                    await self.api.call("setMyCommands", commands=command_menu())
                except BotApiError as error:
                    logger.info("telegram: setMyCommands failed: %s", error)
                return
            except BotApiError as error:
                fatal = error.status in (400, 401, 403, 404)
                logger.error("telegram: start-up failed (attempt %d): %s", attempt, error)
                if fatal or attempt == self.START_ATTEMPTS:
                    logger.error("telegram: giving up; updates will not arrive until this is fixed")
                    return
                await asyncio.sleep(min(2 ** attempt, 30))

    # -- the webhook --

    def secret_matches(self, header: Optional[str]) -> bool:
        if not header:
            return False
        return hmac.compare_digest(header.encode("utf-8"), self.config.secret.encode("utf-8"))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram = Blueprint("bot_telegram_webhook", __name__)

        @telegram.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            self._start_task = asyncio.get_running_loop().create_task(self.start())

        @telegram.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            if self._start_task is not None and not self._start_task.done():
                self._start_task.cancel()
            await self.api.close()

        @telegram.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            return await self.receive(request, on_new_message)

        return telegram

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self.secret_matches(request.headers.get(SECRET_HEADER)):
            return response.json({"ok": False, "error": "forbidden"}, status=403)
        body = request.body or b""
        if len(body) > self.MAX_BODY_BYTES:
            return response.json({"ok": False, "error": "too large"}, status=413)
        try:
            update = parse_update(body)
        except MalformedUpdate as error:
            return response.json({"ok": False, "error": str(error)}, status=400)
        try:
            await self.handle(update, on_new_message)
        except Exception:  # a 5xx would make Telegram redeliver the same update forever
            logger.exception("telegram: failed to handle update %s", update.update_id)
        return response.json({"ok": True})

    # -- handling one update --

    async def handle(self, update: Incoming, on_new_message: OnNewMessage) -> None:
        if update.chat_id is not None and update.private and update.kind != "ignored":
            if not await self._within_rate(update):
                return
        if update.kind == "callback":
            await self._handle_callback(update, on_new_message)
            return
        if update.kind == "ignored" or update.chat_id is None or update.from_bot:
            return
        if not update.private:
            # Groups: answer a command addressed to the bot with the privacy note, ignore the rest.
            command = parse_command(update.text or "", self.bot_username) if update.kind == "text" else None
            if command and command[1]:
                await self._say(update.chat_id, say("telegram.group_only"))
            return
        if update.kind == "non_text":
            await self._say(update.chat_id, say("telegram.non_text"))
        elif update.kind == "edited":
            await self._say(update.chat_id, say("telegram.edited"))
        elif update.kind == "text":
            await self._handle_text(update, on_new_message)

    async def _within_rate(self, update: Incoming) -> bool:
        """The per-chat flood limit (bot.channels.guard): the first message over it gets the
        "slow down" reply, the rest of the burst is dropped without a word. The webhook still
        answers 200, so Telegram does not deliver the dropped updates again."""
        assert update.chat_id is not None
        sender = str(update.chat_id)
        if self.limiter.allow(sender):
            return True
        if update.kind == "callback":  # stop the button's spinner; the press itself is dropped
            try:
                await self.api.call("answerCallbackQuery", callback_query_id=update.callback_id)
            except BotApiError as error:
                logger.info("telegram: answerCallbackQuery failed: %s", error)
        if self.limiter.should_warn(sender):
            logger.info("telegram: a chat is over the message rate; asked to slow down")
            await self._say(update.chat_id, say("service.slow_down"))
        return False

    async def _handle_text(self, update: Incoming, on_new_message: OnNewMessage) -> None:
        assert update.chat_id is not None
        text = (update.text or "").strip()
        if not text:
            return
        command = parse_command(text, self.bot_username)
        if command is not None:
            name, ours = command
            if not ours:
                return
            if name not in COMMANDS:
                await self._say(update.chat_id, say("telegram.unknown_command"))
                return
            text = COMMANDS[name]
        await self.deliver(update.chat_id, text, on_new_message)

    async def _handle_callback(self, update: Incoming, on_new_message: OnNewMessage) -> None:
        payload = self.codec.decode(update.text)
        usable = payload is not None and update.chat_id is not None and update.private
        try:
            await self.api.call(
                "answerCallbackQuery", callback_query_id=update.callback_id,
                text=None if usable else say("telegram.button_expired"),
            )
        except BotApiError as error:  # e.g. "query is too old": the press still counts
            logger.info("telegram: answerCallbackQuery failed: %s", error)
        if usable:
            assert update.chat_id is not None and payload is not None
            await self.deliver(update.chat_id, payload, on_new_message)

    async def deliver(self, chat_id: int, text: str, on_new_message: OnNewMessage) -> None:
        """Hands one user message to Rasa; a silent "/restart" is followed by the greeting.

        In Rasa 3.6 `restart` is a default intent: RulePolicy predicts action_restart for it
        whatever the rules say, and action_restart sends nothing unless the domain has
        utter_restart. Should "/restart" reach Rasa (a button sent by an older version) and get
        silence, the channel sends the greeting next, as Rasa's own Telegram channel sends
        "/start" after "/restart".
        """
        output = TelegramOutput(self.api, self.codec)
        sender_id = str(chat_id)
        try:
            await on_new_message(UserMessage(text, output, sender_id, input_channel=self.name()))
            if text == RASA_RESTART_PAYLOAD and output.sent == 0:
                await on_new_message(UserMessage(START_PAYLOAD, output, sender_id, input_channel=self.name()))
        except Exception:
            logger.exception("telegram: error while handling a message for chat %s", chat_id)
            try:
                await self._say(chat_id, say("telegram.error"))
            except Exception:
                logger.warning("telegram: could not send the error reply")

    async def _say(self, chat_id: int, text: str) -> None:
        await TelegramOutput(self.api, self.codec).send_text_message(str(chat_id), text)

    def get_output_channel(self) -> OutputChannel:
        """Used by Rasa for messages it sends on its own (reminders, /conversations/.../trigger)."""
        return TelegramOutput(self.api, self.codec)
