"""The REST channel (``/webhooks/rest/webhook``), hardened; credentials.yml: ``bot.channels.rest.RestInput:``.

Same URL, same request (``{"sender": ..., "message": ...}``) and same reply (a JSON list of bot
messages) as Rasa's ``rest`` channel. What differs from ``rasa.core.channels.rest.RestInput``
in Rasa 3.6.21, and why:

- A body that is not a JSON object (including JSON nested so deep that the parser gives up:
  ``bot.channels.guard.read_json``), a missing or non-string ``message``, or a missing, empty or
  unprintable ``sender`` gets **400** with a short reason. Rasa answers a JSON list with a 500,
  and a missing sender silently puts every such client into one shared conversation called
  "default".
- Bodies over ``MAX_BODY_BYTES`` (1 MB) get 413.
- One sender flooding the channel cannot starve the others (``bot.channels.guard.SenderRateLimiter``,
  ``SENDER_BURST`` messages at once then ``SENDER_MESSAGES_PER_SECOND``): the first message over
  the limit is answered "slow down" (``service.slow_down`` in bot/texts.yml), the next ones of the
  same burst an empty list; none of them reaches Rasa.
- An error while handling the message is logged **without the message text** (Rasa's channel
  logs the text at ERROR level) and the user gets ``bot.resilience.TROUBLE_REPLY`` instead of an
  empty list.
- The friendly replies when the action server, the tracker store or the lock store fails (and
  the polite answers to empty, oversized and control-character input) are not this channel's
  doing: ``bot.rasa_patches`` installs them for every channel at start-up (bot/rasa_cli.py).

``?stream=true`` works as in Rasa.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot import resilience
from bot.channels.guard import SenderRateLimiter, UnreadableBody, read_json
from bot.settings import setting
from bot.texts import say

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
MAX_SENDER_CHARS = 128
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class BadRequest(ValueError):
    pass


def parse_body(raw: Optional[bytes]) -> Dict[Text, Any]:
    """The request body as a dict with a valid sender and message, or BadRequest."""
    try:
        body = read_json(raw)
    except UnreadableBody:
        raise BadRequest("the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object: {\"sender\": \"...\", \"message\": \"...\"}")
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("\"sender\" must be a non-empty string (the conversation id)")
    if len(sender) > MAX_SENDER_CHARS or _UNPRINTABLE.search(sender):
        raise BadRequest(f"\"sender\" must be at most {MAX_SENDER_CHARS} printable characters")
    message = body.get("message")
    if not isinstance(message, str):
        raise BadRequest("\"message\" must be a string")
    metadata = body.get("metadata")
    input_channel = body.get("input_channel")
    return {
        "sender": sender,
        "message": message,
        "metadata": metadata if isinstance(metadata, dict) else None,
        "input_channel": input_channel if isinstance(input_channel, str) and 0 < len(input_channel) <= 64 else None,
    }


class RestInput(RasaRestInput):
    """Rasa's REST channel with the changes listed in the module docstring."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, limiter: Optional[SenderRateLimiter] = None) -> None:
        super().__init__()
        if limiter is None:
            limiter = SenderRateLimiter(per_second=float(setting("sender_messages_per_second")),
                                        burst=int(setting("sender_burst")))
        self.limiter = limiter

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"leg_rest_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            stream = rasa.utils.endpoints.bool_arg(request, "stream", default=False)
            return await self.answer(request.body, on_new_message, stream=stream)

        return webhook

    async def answer(self, raw: Optional[bytes], on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     stream: bool = False) -> Union[ResponseStream, HTTPResponse]:
        """The HTTP response to one POST of ``raw`` to the webhook."""
        if len(raw or b"") > MAX_BODY_BYTES:
            return response.json({"error": f"the body is larger than {MAX_BODY_BYTES} bytes"}, status=413)
        try:
            body = parse_body(raw)
        except BadRequest as error:
            return response.json({"error": str(error)}, status=400)
        sender = body["sender"]
        if not self.limiter.allow(sender):
            return response.json(self.refused(sender))
        input_channel = body["input_channel"] or self.name()
        if stream:
            chunks = self.stream_response(on_new_message, body["message"], sender, input_channel, body["metadata"])
            return response.stream(chunks, content_type="text/event-stream")
        collector = CollectingOutputChannel()
        message = UserMessage(body["message"], collector, sender, input_channel=input_channel,
                              metadata=body["metadata"])
        try:
            await on_new_message(message)
        except Exception as error:  # bot.resilience normally answers first; never log the text
            logger.error("rest: could not handle a message (%s).", type(error).__name__)
            if not collector.messages:
                await collector.send_text_message(sender, resilience.TROUBLE_REPLY)
        return response.json(collector.messages)

    def refused(self, sender: Text) -> List[Dict[Text, Any]]:
        """The reply to a message over the sender's limit: "slow down" once per burst, then nothing
        (a flood must not become a flood of replies)."""
        if self.limiter.should_warn(sender):
            logger.warning("rest: a sender is over the message rate limit; its messages are dropped for now.")
            return [{"recipient_id": sender, "text": say("service.slow_down")}]
        return []
