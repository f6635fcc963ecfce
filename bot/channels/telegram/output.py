"""Sending Rasa's messages to one Telegram chat."""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import OutputChannel

from bot.channels.telegram.api import BotApi
from bot.channels.telegram.callbacks import CallbackCodec
from bot.channels.telegram.rendering import inline_keyboard, render_assessment
from bot.channels.telegram.splitting import split_message

logger = logging.getLogger(__name__)


class TelegramOutput(OutputChannel):
    """Sends Rasa's messages as plain text (no parse_mode: nothing to escape, nothing to inject)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(self, api: BotApi, codec: CallbackCodec) -> None:
        self.api = api
        self.codec = codec
        self.sent = 0

    async def _send(self, chat_id: Text, text: str, reply_markup: Optional[Dict[str, Any]] = None) -> None:
        chunks = split_message(text)
        if not chunks and reply_markup is not None:
            chunks = ["…"]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await self.api.call(
                "sendMessage", chat_id=chat_id, text=chunk, reply_markup=reply_markup if last else None
            )
            self.sent += 1

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self._send(recipient_id, text, inline_keyboard(buttons or [], self.codec))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.api.call("sendPhoto", chat_id=recipient_id, photo=image)
        self.sent += 1

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, str(attachment))

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        text = "\n\n".join(
            "\n".join(str(e.get(k)) for k in ("title", "subtitle") if e.get(k)) for e in elements if isinstance(e, dict)
        )
        await self._send(recipient_id, text)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if isinstance(json_message, dict) and isinstance(json_message.get("assessment"), dict):
            await self._send(recipient_id, render_assessment(json_message["assessment"]))
        elif isinstance(json_message, dict) and isinstance(json_message.get("text"), str):
            await self._send(recipient_id, json_message["text"])
        else:
            logger.debug("telegram: custom payload without a text rendering skipped")
