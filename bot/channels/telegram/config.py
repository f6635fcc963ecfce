"""The Telegram channel's configuration: bot/settings.py (the environment), overridden by
non-empty credentials.yml entries, validated once at start so a mistake names its variable."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from bot.settings import settings

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_USERNAME = "TELEGRAM_BOT_USERNAME"
ENV_WEBHOOK_URL = "TELEGRAM_WEBHOOK_URL"
ENV_SECRET = "TELEGRAM_WEBHOOK_SECRET"
ENV_API_BASE = "TELEGRAM_API_BASE"

DEFAULT_API_BASE = "https://api.telegram.org"

#: credentials.yml key -> environment variable (named in error messages).
CREDENTIAL_KEYS = {
    "access_token": ENV_TOKEN,
    "bot_username": ENV_USERNAME,
    "webhook_url": ENV_WEBHOOK_URL,
    "secret_token": ENV_SECRET,
    "api_base_url": ENV_API_BASE,
}

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
USERNAME_PATTERN = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")


class TelegramConfigError(ValueError):
    """The Telegram configuration is missing or invalid; the message says which variable."""


def _from_settings(environ: Optional[Mapping[str, str]]) -> Dict[str, str]:
    current = settings(environ)
    return {
        "access_token": current.telegram_bot_token.get_secret_value(),
        "bot_username": current.telegram_bot_username,
        "webhook_url": current.telegram_webhook_url,
        "secret_token": current.telegram_webhook_secret.get_secret_value(),
        "api_base_url": current.telegram_api_base,
    }


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    secret: str
    webhook_url: Optional[str] = None
    username: Optional[str] = None
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def load(
        cls,
        credentials: Optional[Mapping[str, Any]] = None,
        environ: Optional[Mapping[str, str]] = None,
        require_webhook_url: bool = False,
    ) -> "TelegramConfig":
        """Reads the settings, lets non-empty credentials entries override them, validates."""
        credentials = dict(credentials or {})
        if "verify" in credentials and "bot_username" not in credentials:  # Rasa's telegram key
            credentials["bot_username"] = credentials.pop("verify")
        unknown = set(credentials) - set(CREDENTIAL_KEYS)
        if unknown:
            raise TelegramConfigError(
                f"unknown Telegram credentials key(s) {sorted(unknown)}; known: {sorted(CREDENTIAL_KEYS)}"
            )
        values = _from_settings(environ)
        for key in CREDENTIAL_KEYS:
            value = credentials.get(key)
            if value is not None and str(value).strip() != "":
                values[key] = str(value)
        values = {key: value.strip() for key, value in values.items()}
        problems = _problems(values, require_webhook_url)
        if problems:
            raise TelegramConfigError("Telegram channel configuration: " + "; ".join(problems))
        return cls(
            token=values["access_token"],
            secret=values["secret_token"],
            webhook_url=values["webhook_url"] or None,
            username=values["bot_username"].lstrip("@") or None,
            api_base=(values["api_base_url"] or DEFAULT_API_BASE).rstrip("/"),
        )

    def __repr__(self) -> str:  # never print the token or the secret
        return (
            f"TelegramConfig(token=<hidden>, secret=<hidden>, webhook_url={self.webhook_url!r}, "
            f"username={self.username!r}, api_base={self.api_base!r})"
        )


def _problems(values: Mapping[str, str], require_webhook_url: bool) -> list:
    problems = []
    if not values["access_token"]:
        problems.append(f"{ENV_TOKEN} is not set (the token BotFather gave you)")
    elif not TOKEN_PATTERN.match(values["access_token"]):
        problems.append(f"{ENV_TOKEN} does not look like a bot token (digits:letters)")
    if not values["secret_token"]:
        problems.append(f"{ENV_SECRET} is not set (1-256 characters A-Z a-z 0-9 _ -)")
    elif not SECRET_PATTERN.match(values["secret_token"]):
        problems.append(f"{ENV_SECRET} must be 1-256 characters from A-Z a-z 0-9 _ -")
    url = values["webhook_url"]
    if url and not url.startswith("https://"):
        problems.append(f"{ENV_WEBHOOK_URL} must be an https:// URL (Telegram only calls HTTPS webhooks)")
    if require_webhook_url and not url:
        problems.append(f"{ENV_WEBHOOK_URL} is not set")
    if not re.match(r"^https?://[^/\s]+", values["api_base_url"] or DEFAULT_API_BASE):
        problems.append(f"{ENV_API_BASE} must be an http(s) URL")
    username = values["bot_username"]
    if username and not USERNAME_PATTERN.match(username):
        problems.append(f"{ENV_USERNAME} is not a Telegram username")
    return problems
