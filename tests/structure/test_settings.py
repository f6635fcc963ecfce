"""bot/settings.py: every setting from the environment in one place, and what an operator sees
when one is wrong. Plus the modules that read it keep their behaviour."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot import resilience
from bot.retention import RetentionError, default_days
from bot.safety.lines import crisis_lines
from bot.settings import setting, settings


def test_defaults_without_any_variable():
    values = settings({})
    assert values.max_message_chars == 4096  # what Telegram lets a person send
    assert values.action_server_concurrency == 32
    assert values.retention_days == 30
    assert values.sender_messages_per_second == 2.0 and values.sender_burst == 10
    assert values.privacy_default == "ask"
    assert values.telegram_bot_token.get_secret_value() == ""


def test_a_mapping_overrides_the_defaults_and_blank_counts_as_unset():
    values = settings({"MAX_MESSAGE_CHARS": " 500 ", "RETENTION_DAYS": "7", "CRISIS_COUNTRY": "GB",
                       "SENDER_BURST": "", "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert (values.max_message_chars, values.retention_days, values.crisis_country) == (500, 7, "GB")
    assert values.sender_burst == 10
    assert values.telegram_bot_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(values)  # a secret never shows in a log line


def test_the_process_environment_is_the_default_source(monkeypatch):
    monkeypatch.setenv("OPERATOR_NAME", "Leg Clinic Ltd")
    assert settings().operator_name == "Leg Clinic Ltd"
    assert setting("operator_name") == "Leg Clinic Ltd"


def test_an_invalid_value_names_the_variable():
    with pytest.raises(ValidationError) as bad:
        settings({"MAX_MESSAGE_CHARS": "lots", "PRIVACY_DEFAULT": "sometimes", "RETENTION_DAYS": "30"})
    message = str(bad.value)
    assert "MAX_MESSAGE_CHARS" in message and "PRIVACY_DEFAULT" in message
    assert "RETENTION_DAYS" not in message
    with pytest.raises(ValidationError, match="SENDER_BURST"):
        setting("sender_burst", {"SENDER_BURST": "0"})


def test_one_setting_is_not_blocked_by_another_variables_bad_value():
    assert setting("max_message_chars", {"SENDER_BURST": "many", "MAX_MESSAGE_CHARS": "80"}) == 80


def test_resilience_reads_its_limits_through_settings(monkeypatch):
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "40")
    monkeypatch.setenv("ACTION_SERVER_CONCURRENCY", "3")
    assert (resilience.max_message_chars(), resilience.action_concurrency()) == (40, 3)
    # a bad value keeps the assistant answering with the default limit, as before
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "lots")
    assert resilience.max_message_chars() == 4096
    assert resilience.prepare_text("x" * 1999) == "x" * 1999


def test_retention_days_from_settings(monkeypatch):
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert default_days() == 30
    monkeypatch.setenv("RETENTION_DAYS", "7")
    assert default_days() == 7
    monkeypatch.setenv("RETENTION_DAYS", "a week")
    with pytest.raises(RetentionError, match="RETENTION_DAYS must be a whole number of days, not 'a week'"):
        default_days()


def test_crisis_lines_from_settings(monkeypatch):
    monkeypatch.setenv("CRISIS_COUNTRY", "us")
    monkeypatch.setenv("EMERGENCY_NUMBER", "  ")
    lines = crisis_lines()
    assert lines.country == "US" and lines.emergency == "911" and "988" in lines.crisis
