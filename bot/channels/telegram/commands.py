"""Telegram commands: which ones the bot knows, what Rasa gets for each, and the command menu.

Only these reach Rasa as payloads; any other "/..." the user types is answered by the channel,
so users cannot type intents.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from bot.texts import say

START_PAYLOAD = "/greet"
#: The assistant's own "start over" intent (action_start_over), the payload of its Start over
#: button. Not `restart`: that is a Rasa default intent, which RulePolicy always maps to
#: action_restart (a silent tracker reset), whatever the rules say.
START_OVER_PAYLOAD = "/start_over"
#: Rasa's built-in restart payload: if it reaches Rasa (an old button) and Rasa stays silent,
#: the channel follows it with the greeting so the user is not left without an answer.
RASA_RESTART_PAYLOAD = "/restart"

#: Telegram command -> what Rasa gets. /start ("Start a check" in the menu, and what Telegram
#: sends when someone opens the bot again) begins a new check whatever came before: Rasa's
#: restart resets the conversation in silence, and the channel follows it with the greeting.
#: /restart is the gentler one: it asks before setting aside what the user already said.
COMMANDS: Dict[str, str] = {
    "start": RASA_RESTART_PAYLOAD,
    "help": "/ask_capabilities",
    "restart": START_OVER_PAYLOAD,
    "summary": "/request_summary",  # a summary to keep: text and a PDF (bot.summary)
    # Privacy controls (issue #21, bot/privacy): erase (the assistant asks to confirm first),
    # export (the text and a my-data.json document), the notice again.
    "forget": "/delete_my_data",
    "mydata": "/export_my_data",
    "privacy": "/privacy_info",
}

#: The commands in Telegram's menu (setMyCommands), in this order; descriptions in bot/texts.yml.
MENU_ORDER = ("start", "summary", "restart", "forget", "mydata", "privacy", "help")


def command_menu() -> List[Dict[str, str]]:
    return [{"command": name, "description": say(f"telegram.commands.{name}")} for name in MENU_ORDER]


def parse_command(text: str, bot_username: Optional[str]) -> Optional[Tuple[str, bool]]:
    """'/start@MyBot payload' -> ('start', addressed_to_us). None if the text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    word = stripped[1:].split(maxsplit=1)[0] if len(stripped) > 1 else ""
    name, _, target = word.partition("@")
    ours = not target or bot_username is None or target.lower() == bot_username.lower()
    return name.lower(), ours
