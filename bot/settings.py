"""Every setting read from the environment, in one place (pydantic's BaseSettings).

Call `settings()` for the process's settings, or `settings(environ)` with a mapping in tests.
Secrets (the Telegram token, the webhook secret) are read here and nowhere else; they are never
logged. Channel credentials in credentials.yml may still override the Telegram values.
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Tuple

from pydantic import BaseSettings, Field, SecretStr, ValidationError


class Settings(BaseSettings):
    # Input limits and the action server (bot/resilience.py)
    # 4096: what Telegram lets a person send in one message (and far below what slows the model).
    max_message_chars: int = Field(4096, env="MAX_MESSAGE_CHARS", ge=1)
    action_server_concurrency: int = Field(32, env="ACTION_SERVER_CONCURRENCY", ge=1)
    # How long conversations are kept (bot/retention.py); shown in the privacy notice.
    retention_days: int = Field(30, env="RETENTION_DAYS", ge=0)
    # Crisis and emergency numbers (bot/safety/lines.py); empty = the knowledge base's default.
    crisis_country: str = Field("", env="CRISIS_COUNTRY")
    emergency_number: str = Field("", env="EMERGENCY_NUMBER")
    crisis_line: str = Field("", env="CRISIS_LINE")
    # Who runs this deployment, for the privacy notice (docs/privacy.md).
    operator_name: str = Field("the team running this service", env="OPERATOR_NAME")
    privacy_policy_url: str = Field("", env="PRIVACY_POLICY_URL")
    # ask: keep nothing until the person agrees; store: keep (with the notice); ephemeral: never keep.
    privacy_default: str = Field("ask", env="PRIVACY_DEFAULT", regex="^(ask|store|ephemeral)$")
    # The website widget (bot/channels/widget.py): extra page origins allowed to open the socket.
    widget_allowed_origins: str = Field("", env="WIDGET_ALLOWED_ORIGINS")
    # Per-sender flood limit in every channel (bot/channels/guard.py).
    sender_messages_per_second: float = Field(2.0, env="SENDER_MESSAGES_PER_SECOND", gt=0)
    sender_burst: int = Field(10, env="SENDER_BURST", ge=1)
    # Telegram (bot/channels/telegram*)
    telegram_bot_token: SecretStr = Field(SecretStr(""), env="TELEGRAM_BOT_TOKEN")
    telegram_bot_username: str = Field("", env="TELEGRAM_BOT_USERNAME")
    telegram_webhook_url: str = Field("", env="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr = Field(SecretStr(""), env="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base: str = Field("https://api.telegram.org", env="TELEGRAM_API_BASE")
    # Signs the summary download links (bot/summary.py); empty = a key file under var/ (one host).
    summary_signing_key: SecretStr = Field(SecretStr(""), env="SUMMARY_SIGNING_KEY")
    # The Telegram poller's Rasa server (bot/channels/telegram/polling.py)
    rasa_url: str = Field("http://127.0.0.1:5005", env="RASA_URL")

    class Config:
        case_sensitive = False
        env_file = None


class _FromMapping(Settings):
    """Settings built from the values given only (a test's mapping), not from os.environ."""

    class Config(Settings.Config):
        @classmethod
        def customise_sources(cls, init_settings, env_settings, file_secret_settings):  # type: ignore[no-untyped-def]
            return (init_settings,)


def _env_name(name: str) -> str:
    return str(Settings.__fields__[name].field_info.extra.get("env", name.upper()))


def _raw(name: str, env: Mapping[str, str]) -> Optional[str]:
    raw = env.get(_env_name(name))
    return None if raw is None or str(raw).strip() == "" else str(raw).strip()


def _validated(name: str, raw: str) -> Tuple[Any, Any]:
    """The value and None, or None and pydantic's error for the variable (an ErrorWrapper)."""
    return Settings.__fields__[name].validate(raw, {}, loc=_env_name(name), cls=Settings)


def settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """The settings from `environ` (default: the process environment). Empty values count as unset;
    values that do not validate raise pydantic's ValidationError naming each variable."""
    env = os.environ if environ is None else environ
    values, errors = {}, []
    for name in Settings.__fields__:
        raw = _raw(name, env)
        if raw is not None:
            values[name], error = _validated(name, raw)
            if error is not None:
                errors.append(error)
    if errors:
        raise ValidationError(errors, Settings)
    return _FromMapping(**values)


def setting(name: str, environ: Optional[Mapping[str, str]] = None) -> Any:
    """One setting (a field name of Settings), validated alone: another variable's bad value does
    not stop a module that does not use it. Raises ValidationError naming the variable."""
    raw = _raw(name, os.environ if environ is None else environ)
    if raw is None:
        return Settings.__fields__[name].get_default()
    value, error = _validated(name, raw)
    if error is not None:
        raise ValidationError([error], Settings)
    return value
