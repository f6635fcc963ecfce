"""Kept so `python -m bot.channels.telegram_polling` (older docs, scripts) still runs the poller;
it lives in bot/channels/telegram/polling.py."""
from __future__ import annotations

import sys

from bot.channels.telegram.polling import main

if __name__ == "__main__":
    sys.exit(main())
