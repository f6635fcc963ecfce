"""Telegram channel for Rasa 3.6: webhook with a secret token, or long polling (``.polling``).

Why not Rasa's own ``TelegramInput``: in 3.6.21 it sets the webhook with ``asyncio.run`` while
the server is being built (needs api.telegram.org, on a throw-away event loop), calls getMe on
every update to "verify" the bot by its username (one extra Bot API round trip per message,
and no real authentication), answers malformed bodies with a 500, never answers callback
queries (the button keeps spinning), sends a button payload longer than 64 bytes as callback
data (Telegram refuses the whole message), splits every text at blank lines into separate
messages, and passes any "/something" the user types to Rasa as an intent.

This channel:
- is configured through bot/settings.py (``TELEGRAM_*``, see ``config.TelegramConfig``); a
  credentials entry may override any key, nothing secret lives in the repo;
- at server start calls getMe once (cached) and, when a public webhook URL is configured,
  setWebhook with ``secret_token``; every update without the matching
  ``X-Telegram-Bot-Api-Secret-Token`` header is refused with 403;
- answers malformed bodies with 400 and never lets an exception out as a 5xx (Telegram would
  redeliver the same update again and again);
- maps Telegram commands (/start, /summary, /restart, /forget, /mydata, /privacy, /help) to
  intents and refuses other "/..." text instead of letting users type intents;
- sends buttons as an inline keyboard whose callback data fits Telegram's 64 bytes (longer
  payloads get a short code), and answers every callback query;
- renders the conclusion's card as one plain-text message with its buttons, the summary as
  text and a PDF, an export as text and a JSON document, the privacy notice with its buttons,
  and splits long texts at paragraph or line boundaries to fit Telegram's 4096-character limit;
- limits how fast one chat may send (bot.channels.guard): one "slow down" reply, then silence;
- replies briefly to things it cannot read (stickers, photos, voice, edits) and ignores the rest
  (channel posts, membership updates).

The Bot API base URL is configurable (self-hosted Bot API server, the tests' fake server).
Nothing here logs message text, tokens or secrets.

One module per job:
  config      settings + credentials -> TelegramConfig (validated at start)
  api         the Bot API client (JSON calls, multipart uploads, 429 handling)
  updates     update JSON -> Incoming (what the channel uses, checked)
  commands    Telegram commands -> Rasa payloads, the command menu
  callbacks   button payloads <-> 64-byte callback data
  splitting   long texts -> Telegram-sized messages
  rendering   buttons and the assistant's structured messages as Telegram text
  output      TelegramOutput: sends one conversation's messages
  channel     TelegramChannel: start-up, the webhook, one update at a time
  polling     long polling for machines without a public URL

The import path of the credentials files, ``bot.channels.telegram.TelegramChannel``, is this
package's.
"""
from bot.channels.telegram.api import BotApi, BotApiError
from bot.channels.telegram.callbacks import MAX_CALLBACK_BYTES, CallbackCodec
from bot.channels.telegram.channel import ALLOWED_UPDATES, SECRET_HEADER, TelegramChannel
from bot.channels.telegram.commands import (
    COMMANDS,
    RASA_RESTART_PAYLOAD,
    START_OVER_PAYLOAD,
    START_PAYLOAD,
    command_menu,
    parse_command,
)
from bot.channels.telegram.config import TelegramConfig, TelegramConfigError
from bot.channels.telegram.output import TelegramOutput
from bot.channels.telegram.rendering import card_buttons, inline_keyboard, render_card
from bot.channels.telegram.splitting import MAX_MESSAGE_LENGTH, split_message, telegram_length
from bot.channels.telegram.updates import Incoming, MalformedUpdate, parse_update

__all__ = [
    "ALLOWED_UPDATES", "BotApi", "BotApiError", "COMMANDS", "CallbackCodec", "Incoming",
    "MAX_CALLBACK_BYTES", "MAX_MESSAGE_LENGTH", "MalformedUpdate", "RASA_RESTART_PAYLOAD",
    "SECRET_HEADER", "START_OVER_PAYLOAD", "START_PAYLOAD", "TelegramChannel", "TelegramConfig",
    "TelegramConfigError", "TelegramOutput", "command_menu", "inline_keyboard", "parse_command",
    "parse_update", "render_card", "card_buttons", "split_message", "telegram_length",
]
