"""Sending Rasa's messages to one Telegram chat.

A message whose `custom` is one of the assistant's structured payloads is sent as one whole:
- {"card": ...} (the conclusion): the card rendered as one text with the buttons as its
  keyboard; the message's plain `text`, the same card for text-only clients, is not sent again;
- {"summary": ...}: the text, then the summary as a PDF document (when bot.summary can make one);
- {"export": ...}: the text, then the data as a JSON document.
Anything else, the privacy notice ({"privacy": ...}) included, is its text with its buttons; a
custom payload Telegram has no form for is left out (the privacy controls are in the command
menu: /forget, /mydata, /privacy).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Text

from rasa.core.channels.channel import OutputChannel

from bot.channels.telegram.api import BotApi
from bot.channels.telegram.callbacks import CallbackCodec
from bot.channels.telegram.rendering import card_buttons, inline_keyboard, render_card
from bot.channels.telegram.splitting import split_message

logger = logging.getLogger(__name__)

SUMMARY_FILENAME = "leg-symptoms-summary.pdf"
EXPORT_FILENAME = "my-data.json"


def summary_pdf_renderer() -> Optional[Callable[[Mapping[str, Any]], bytes]]:
    """bot.summary.render_pdf, if this deployment has it (the PDF is an extra: the text is sent
    either way)."""
    try:
        from bot import summary
    except ImportError:
        return None
    render = getattr(summary, "render_pdf", None)
    return render if callable(render) else None


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

    async def _send_document(self, chat_id: Text, filename: str, content: bytes, content_type: str) -> None:
        await self.api.upload("sendDocument", {"chat_id": str(chat_id)}, "document", filename, content, content_type)
        self.sent += 1

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        custom = message.get("custom")
        if isinstance(custom, dict):
            if isinstance(custom.get("card"), dict):
                card = custom["card"]
                keyboard = inline_keyboard(card_buttons(message.get("buttons")), self.codec)
                await self._send(recipient_id, render_card(card), keyboard)
                return
            if isinstance(custom.get("summary"), dict):
                await self._send_with_buttons(recipient_id, message)
                await self._send_summary_pdf(recipient_id, custom["summary"])
                return
            if isinstance(custom.get("export"), dict):
                await self._send_with_buttons(recipient_id, message)
                content = json.dumps(custom["export"], ensure_ascii=False, indent=2).encode("utf-8")
                await self._send_document(recipient_id, EXPORT_FILENAME, content, "application/json")
                return
        await super().send_response(recipient_id, message)

    async def _send_with_buttons(self, recipient_id: Text, message: Mapping[str, Any]) -> None:
        await self._send(recipient_id, str(message.get("text") or ""),
                         inline_keyboard(card_buttons(message.get("buttons")), self.codec))

    async def _send_summary_pdf(self, recipient_id: Text, summary: Mapping[str, Any]) -> None:
        render = summary_pdf_renderer()
        if render is None:
            return
        try:  # fpdf2 lays out a page in tens of milliseconds: not on the event loop
            pdf = await asyncio.get_running_loop().run_in_executor(None, render, summary)
        except Exception:  # the text went already; a PDF that cannot be made is not an outage
            logger.exception("telegram: the summary PDF could not be made")
            return
        await self._send_document(recipient_id, SUMMARY_FILENAME, pdf, "application/pdf")

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
        """Other custom payloads: a plain `text` in it is sent; anything else (an assessment
        without its card, say) has no Telegram form and is left out."""
        if isinstance(json_message, dict) and isinstance(json_message.get("text"), str):
            await self._send(recipient_id, json_message["text"])
        else:
            logger.debug("telegram: custom payload without a text rendering skipped")
